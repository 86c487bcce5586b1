#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "patron/catalog.h"

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
    if (pt_catalog_build(documents, 1, &settings, 1, &catalog, error, sizeof(error)) == PT_OK)
        pt_catalog_release(catalog);
    free(text);
    return 0;
}
