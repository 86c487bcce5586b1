/* Runs every scenario in tests/fixtures/decision: a catalogue, a request and
 * the choice expected (or the reason for none). Each file is its own test. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "patron/catalog.h"
#include "patron/placeholders.h"
#include "patron/request.h"
#include "patron/select.h"

#define FIXTURES PT_SOURCE_ROOT "/tests/fixtures/decision"

struct scenario {
    char name[128];
};

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct scenario *)a)->name, ((const struct scenario *)b)->name);
}

ParameterizedTestParameters(scenarios, decision)
{
    DIR *folder = opendir(FIXTURES);
    cr_assert_not_null(folder, "cannot open %s", FIXTURES);
    size_t capacity = 256, count = 0;
    struct scenario *all = cr_malloc(capacity * sizeof(*all));
    struct dirent *entry;
    while ((entry = readdir(folder)) != NULL) {
        size_t length = strlen(entry->d_name);
        if (length < 6 || strcmp(entry->d_name + length - 5, ".json") != 0)
            continue;
        cr_assert_lt(count, capacity, "more than %zu scenarios", capacity);
        snprintf(all[count++].name, sizeof(all[0].name), "%.120s", entry->d_name);
    }
    closedir(folder);
    qsort(all, count, sizeof(*all), by_name);
    return cr_make_param_array(struct scenario, all, count, NULL);
}

static int64_t parse_time(const char *text)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    cr_assert_eq(sscanf(text, "%d-%d-%dT%d:%d:%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                        &tm.tm_hour, &tm.tm_min, &tm.tm_sec),
                 6, "bad time %s", text);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (int64_t)timegm(&tm);
}

static const char *string_at(json_t *object, const char *key)
{
    json_t *value = json_object_get(object, key);
    return json_is_string(value) ? json_string_value(value) : NULL;
}

/* The chosen fragment's heading as this reader gets it: {articles} filled
 * the way the handlers fill it (pt_app_count_articles). */
static void expect_headline(const char *name, const struct pt_selection *selection,
                            const char *expected)
{
    cr_assert_not_null(selection->text, "%s: nothing chosen", name);
    const char *html = selection->text->html;
    size_t length = selection->text->html_length;
    char count[PT_PLACEHOLDER_COUNT_MAX];
    size_t count_length = pt_placeholders_count(count, selection->articles,
                                                selection->text->language);
    size_t filled_length = selection->text->counts_articles
                               ? pt_placeholders_filled_length(html, length, count_length)
                               : length;
    char *filled = malloc(filled_length + 1);
    if (selection->text->counts_articles)
        pt_placeholders_fill_articles(html, length, count, count_length, filled);
    else
        memcpy(filled, html, length);
    filled[filled_length] = '\0';
    const char *open = strstr(filled, "<h2");
    cr_assert_not_null(open, "%s: no heading", name);
    open = strchr(open, '>') + 1;
    const char *close = strstr(open, "</h2>");
    cr_assert_not_null(close, "%s: no heading's end", name);
    cr_assert(strlen(expected) == (size_t)(close - open) &&
                  memcmp(open, expected, strlen(expected)) == 0,
              "%s: heading \"%.*s\", expected \"%s\"", name, (int)(close - open), open,
              expected);
    free(filled);
}

ParameterizedTest(struct scenario *scenario, scenarios, decision)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", FIXTURES, scenario->name);
    json_error_t problem;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &problem);
    cr_assert_not_null(root, "%s: %s (line %d)", scenario->name, problem.text, problem.line);

    /* The catalogue, built exactly as the server builds it. */
    json_t *campaigns = json_object_get(root, "campaigns");
    cr_assert(json_is_array(campaigns), "%s: campaigns must be an array", scenario->name);
    size_t count = json_array_size(campaigns);
    char **documents = calloc(count + 1, sizeof(*documents));
    for (size_t i = 0; i < count; i++)
        documents[i] = json_dumps(json_array_get(campaigns, i), JSON_COMPACT);
    struct pt_catalog_settings settings = {"http://127.0.0.1:8080", "USD", "'self'", false, NULL, NULL};
    struct pt_catalog *catalog = NULL;
    char error[512] = "";
    enum pt_status status = pt_catalog_build((const char *const *)documents, count, &settings, 1,
                                             &catalog, error, sizeof(error));
    cr_assert_eq(status, PT_OK, "%s: catalogue refused: %s", scenario->name, error);

    /* The request, parsed exactly as /v1/appeal parses it. */
    char *body = json_dumps(json_object_get(root, "request"), JSON_COMPACT);
    cr_assert_not_null(body, "%s: request is missing", scenario->name);
    struct pt_appeal_request request;
    status = pt_request_parse_appeal(body, strlen(body), NULL, &request, error, sizeof(error));
    cr_assert_eq(status, PT_OK, "%s: request refused: %s", scenario->name, error);
    const char *country = string_at(root, "country");
    if (country != NULL)
        snprintf(request.country, sizeof(request.country), "%s", country);

    struct pt_select_options options;
    memset(&options, 0, sizeof(options));
    struct pt_select_trace_entry trace[64];
    options.trace = trace;
    options.trace_capacity = 64;
    json_t *editor = json_object_get(root, "options");
    char force[2][64] = {"", ""};
    if (editor != NULL) {
        const char *forced = string_at(editor, "force");
        if (forced != NULL) {
            const char *colon = strchr(forced, ':');
            cr_assert_not_null(colon);
            snprintf(force[0], sizeof(force[0]), "%.*s", (int)(colon - forced), forced);
            snprintf(force[1], sizeof(force[1]), "%s", colon + 1);
            options.force_campaign = force[0];
            options.force_variant = force[1];
        }
        options.preview = json_is_true(json_object_get(editor, "preview"));
    }
    json_t *max = json_object_get(root, "snooze_max_days");
    int64_t snooze_max = (max ? json_integer_value(max) : 400) * 86400;
    const char *now = string_at(root, "now");
    cr_assert_not_null(now, "%s: now is missing", scenario->name);

    struct pt_selection selection;
    pt_select_appeal(catalog, &request, parse_time(now), snooze_max, &options, &selection);

    json_t *expect = json_object_get(root, "expect");
    const char *reason = string_at(expect, "reason");
    cr_assert_not_null(reason, "%s: expect.reason is missing", scenario->name);
    cr_assert_str_eq(pt_select_reason_name(selection.reason), reason, "%s: %s",
                     scenario->name, string_at(root, "description"));
    const char *campaign = string_at(expect, "campaign");
    if (campaign != NULL) {
        cr_assert_not_null(selection.campaign, "%s", scenario->name);
        cr_assert_str_eq(selection.campaign->id, campaign, "%s", scenario->name);
    }
    const char *variant = string_at(expect, "variant");
    if (variant != NULL) {
        cr_assert_not_null(selection.variant, "%s", scenario->name);
        cr_assert_str_eq(selection.variant->id, variant, "%s", scenario->name);
    }
    const char *language = string_at(expect, "language");
    if (language != NULL)
        cr_assert_str_eq(selection.text->language, language, "%s", scenario->name);
    json_t *articles = json_object_get(expect, "articles");
    if (articles != NULL)
        cr_assert_eq(selection.articles, json_integer_value(articles), "%s: %lld articles",
                     scenario->name, (long long)selection.articles);
    const char *headline = string_at(expect, "headline");
    if (headline != NULL)
        expect_headline(scenario->name, &selection, headline);
    const char *currency = string_at(expect, "currency");
    if (currency != NULL) {
        cr_assert_not_null(selection.text, "%s", scenario->name);
        cr_assert_str_eq(selection.text->currency, currency, "%s: %s", scenario->name,
                         string_at(root, "description"));
        /* The fragment's form carries the same currency to the checkout. */
        char field[64];
        snprintf(field, sizeof(field), "name=\"currency\" value=\"%s\"", currency);
        cr_assert(memmem(selection.text->html, selection.text->html_length, field,
                         strlen(field)) != NULL,
                  "%s: the fragment's currency field is not %s", scenario->name, currency);
    }

    json_t *expected_trace = json_object_get(root, "expect_trace");
    if (expected_trace != NULL) {
        cr_assert_eq(options.trace_count, json_array_size(expected_trace),
                     "%s: %zu trace entries, expected %zu", scenario->name, options.trace_count,
                     json_array_size(expected_trace));
        for (size_t i = 0; i < options.trace_count; i++) {
            json_t *entry = json_array_get(expected_trace, i);
            cr_assert_str_eq(trace[i].campaign->id, string_at(entry, "campaign"), "%s: trace %zu",
                             scenario->name, i);
            cr_assert_str_eq(pt_select_filter_name(trace[i].filter), string_at(entry, "filter"),
                             "%s: trace %zu (%s)", scenario->name, i, trace[i].campaign->id);
        }
    }

    pt_catalog_release(catalog);
    free(body);
    for (size_t i = 0; i < count; i++)
        free(documents[i]);
    free(documents);
    json_decref(root);
}
