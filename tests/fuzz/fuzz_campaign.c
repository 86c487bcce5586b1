#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "patron/catalog.h"
#include "patron/placeholders.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A figure for every goal, so that tickers are rendered too: its target
 * less one, over the window at a fixed time. */
static enum pt_status count(void *context, const struct pt_campaign *campaign,
                            struct pt_goal *goal)
{
    (void)context;
    pt_goal_window(goal->period, campaign->starts_at, campaign->ends_at, 1780000000, &goal->from,
                   &goal->to);
    goal->figure = goal->target - 1;
    return PT_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    struct pt_catalog_settings settings = {"http://127.0.0.1:8080", "USD", "'self'", false,
                                           count, NULL};
    const char *documents[] = {text};
    struct pt_catalog *catalog = NULL;
    char error[512];
    if (pt_catalog_build(documents, 1, &settings, 1, &catalog, error, sizeof(error)) == PT_OK) {
        /* {articles} as the handlers fill it per request: no placeholder may
         * survive, and the length computed first must be the length written. */
        const struct pt_campaign *campaign = &catalog->campaigns[0];
        for (size_t v = 0; v < campaign->variant_count; v++) {
            for (size_t t = 0; t < campaign->variants[v].text_count; t++) {
                const struct pt_variant_text *written = &campaign->variants[v].texts[t];
                if (!written->counts_articles)
                    continue;
                char count[PT_PLACEHOLDER_COUNT_MAX];
                size_t count_length = pt_placeholders_count(count, (int64_t)size * 997,
                                                            written->language);
                size_t length = pt_placeholders_filled_length(written->answer,
                                                              written->answer_length, count_length);
                char *filled = malloc(length + 1);
                pt_placeholders_fill_articles(written->answer, written->answer_length, count,
                                              count_length, filled);
                filled[length] = '\0';
                if (strlen(filled) != length || strstr(filled, PT_PLACEHOLDER_ARTICLES) != NULL)
                    abort();
                free(filled);
            }
        }
        pt_catalog_release(catalog);
    }
    free(text);
    return 0;
}
