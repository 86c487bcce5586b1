/* Building the catalogue: validation, ordering and what it pre-renders. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "patron/catalog.h"

static const struct pt_catalog_settings settings = {"https://support.example.org", "EUR",
                                                    "'self'", false, NULL, NULL};
static char error[512];

static char *read_file(const char *path)
{
    FILE *file = fopen(path, "rb");
    cr_assert_not_null(file, "%s", path);
    static char text[65536];
    size_t length = fread(text, 1, sizeof(text) - 1, file);
    fclose(file);
    text[length] = '\0';
    return text;
}

static enum pt_status build_one(const char *document, struct pt_catalog **catalog)
{
    const char *documents[] = {document};
    error[0] = '\0';
    return pt_catalog_build(documents, 1, &settings, 7, catalog, error, sizeof(error));
}

Test(catalog, the_demo_campaign_builds_and_prerenders_everything)
{
    struct pt_catalog *catalog = NULL;
    cr_assert_eq(build_one(read_file(PT_SOURCE_ROOT "/data/demo-campaign.json"), &catalog),
                 PT_OK, "%s", error);
    cr_assert_eq(catalog->version, 7);
    const struct pt_campaign *demo = pt_catalog_find(catalog, "demo-2026");
    cr_assert_not_null(demo);
    cr_assert_eq(demo->cap_views, 4);
    cr_assert_eq(demo->cap_days, 30);
    cr_assert_eq(demo->snooze_seconds[PT_SNOOZE_LATER], 3 * 86400);
    cr_assert_eq(demo->snooze_seconds[PT_SNOOZE_SUPPORTING], 365 * 86400);
    const struct pt_variant_text *ru = pt_variant_find_text(&demo->variants[0], "ru");
    cr_assert_not_null(ru);
    cr_assert(strstr(ru->html, "Обращение редакции") != NULL);
    cr_assert(strstr(ru->html, "Напомнить позже") != NULL);
    const struct pt_variant_text *en = pt_variant_find_text(&demo->variants[0], "en");
    cr_assert(strstr(en->html, "action=\"https://support.example.org/support\"") != NULL);
    cr_assert(strstr(en->html, "value=\"5\" checked") != NULL, "5 is preselected");
    cr_assert(strstr(en->html, "value=\"monthly\" checked") != NULL);
    cr_assert(strstr(en->html, "<strong>$2</strong>") != NULL, "markdown is rendered");
    cr_assert(strstr(en->document, "<!doctype html>") == en->document);

    /* The pre-rendered answer is valid JSON that carries the same fragment. */
    json_error_t problem;
    json_t *answer = json_loadb(en->answer, en->answer_length, 0, &problem);
    cr_assert_not_null(answer, "%s", problem.text);
    const char *html = json_string_value(json_object_get(json_object_get(answer, "appeal"), "html"));
    cr_assert_eq(strlen(html), en->html_length);
    cr_assert(strncmp(html, en->html, en->html_length) == 0, "the answer carries the fragment");
    cr_assert(strstr(en->document, html) == en->html, "the fragment is kept once, in its document");
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(answer, "appeal"),
                                                       "variant")),
                     "a");
    json_decref(answer);
    pt_catalog_release(catalog);
}

Test(catalog, raw_html_and_script_in_markdown_are_neutralised)
{
    struct pt_catalog *catalog = NULL;
    cr_assert_eq(build_one("{\"id\":\"x\",\"status\":\"live\",\"languages\":[\"en\"],\"variants\":"
                           "[{\"id\":\"a\",\"text\":{\"en\":{\"headline\":\"<b>bold</b>\","
                           "\"body\":\"Hi <script>alert(1)</script> [x](javascript:alert(1)) "
                           "<img src=x onerror=alert(1)>\"}}}]}",
                           &catalog),
                 PT_OK, "%s", error);
    const char *html = catalog->campaigns[0].variants[0].texts[0].html;
    cr_assert(strstr(html, "<script") == NULL, "%s", html);
    cr_assert(strstr(html, "<img") == NULL, "%s", html);
    cr_assert(strstr(html, "javascript:") == NULL, "%s", html);
    cr_assert(strstr(html, "&lt;b&gt;bold&lt;/b&gt;") != NULL, "headline is text: %s", html);
    pt_catalog_release(catalog);
}

Test(catalog, markdown_images_become_their_description)
{
    struct pt_catalog *catalog = NULL;
    cr_assert_eq(build_one("{\"id\":\"x\",\"status\":\"live\",\"languages\":[\"en\"],\"variants\":"
                           "[{\"id\":\"a\",\"text\":{\"en\":{\"body\":\"Look ![our *team* photo]"
                           "(https://tracker.example/p.png) and [![logo](https://cdn.example/l.png)]"
                           "(https://newsroom.example/) here\"}}}]}",
                           &catalog),
                 PT_OK, "%s", error);
    const struct pt_variant_text *text = &catalog->campaigns[0].variants[0].texts[0];
    char *html = strndup(text->html, text->html_length);
    cr_assert(strstr(html, "<img") == NULL, "no image is fetched by readers: %s", html);
    cr_assert(strstr(html, "tracker.example") == NULL && strstr(html, "cdn.example") == NULL,
              "%s", html);
    cr_assert(strstr(html, "our <em>team</em> photo") != NULL, "the description stays: %s", html);
    cr_assert(strstr(html, "<a href=\"https://newsroom.example/\">logo</a>") != NULL,
              "a linked image becomes a linked word: %s", html);
    free(html);
    pt_catalog_release(catalog);
}

Test(catalog, invalid_documents_are_refused_with_a_reason)
{
    struct {
        const char *document;
        const char *message;
    } cases[] = {
        {"not json", "invalid JSON"},
        {"{\"id\":\"Bad Id\",\"languages\":[\"en\"],\"variants\":[]}", "campaign.id must be"},
        {"{\"id\":\"x\",\"languages\":[\"en\"],\"variants\":[],\"colour\":1}",
         "unknown field \"colour\""},
        {"{\"id\":\"x\",\"languages\":[],\"variants\":[{\"id\":\"a\",\"text\":{}}]}",
         "at least one language"},
        {"{\"id\":\"x\",\"languages\":[\"en\"],\"variants\":[]}", "at least one variant"},
        {"{\"id\":\"x\",\"languages\":[\"en\",\"ru\"],\"variants\":[{\"id\":\"a\",\"text\":{"
         "\"en\":{}}}]}",
         "has no \"ru\""},
        {"{\"id\":\"x\",\"languages\":[\"en\"],\"status\":\"maybe\",\"variants\":[{\"id\":\"a\","
         "\"text\":{\"en\":{}}}]}",
         "status must be"},
        {"{\"id\":\"x\",\"languages\":[\"en\"],\"starts_at\":\"2026-02-30T00:00:00Z\","
         "\"variants\":[{\"id\":\"a\",\"text\":{\"en\":{}}}]}",
         "starts_at must be a UTC time"},
        {"{\"id\":\"x\",\"languages\":[\"en\"],\"currency\":\"XXX\",\"variants\":[{\"id\":\"a\","
         "\"text\":{\"en\":{}}}]}",
         "not one patron takes"},
        {"{\"id\":\"x\",\"languages\":[\"en\"],\"variants\":[{\"id\":\"a\",\"presets\":[100],"
         "\"text\":{\"en\":{}}}]}",
         "presets must be amounts in minor units of EUR, at least 200"},
        {"{\"id\":\"x\",\"languages\":[\"en\"],\"variants\":[{\"id\":\"a\",\"presets\":[200],"
         "\"default_amount\":500,\"text\":{\"en\":{}}}]}",
         "default_amount must be one of its presets"},
        {"{\"id\":\"x\",\"languages\":[\"en\"],\"variants\":[{\"id\":\"a\",\"text\":{\"en\":{}}},"
         "{\"id\":\"a\",\"text\":{\"en\":{}}}]}",
         "two variants are called \"a\""},
        {"{\"id\":\"x\",\"languages\":[\"en\"],\"placement\":[],\"variants\":[{\"id\":\"a\","
         "\"text\":{\"en\":{}}}]}",
         "campaign.placement must be a name such as \"banner_top\", or a list of 1 to 4 names"},
        {"{\"id\":\"x\",\"languages\":[\"en\"],\"placement\":[\"a\",\"b\",\"c\",\"d\",\"e\"],"
         "\"variants\":[{\"id\":\"a\",\"text\":{\"en\":{}}}]}",
         "or a list of 1 to 4 names"},
        {"{\"id\":\"x\",\"languages\":[\"en\"],\"placement\":[\"banner_top\",7],"
         "\"variants\":[{\"id\":\"a\",\"text\":{\"en\":{}}}]}",
         "campaign.placement must hold names of 1 to 64 bytes"},
        {"{\"id\":\"x\",\"languages\":[\"en\"],\"placement\":[\"banner_top\",\"banner_top\"],"
         "\"variants\":[{\"id\":\"a\",\"text\":{\"en\":{}}}]}",
         "campaign.placement names \"banner_top\" twice"},
        {"{\"id\":\"x\",\"languages\":[\"en\"],\"placement\":\"\",\"variants\":[{\"id\":\"a\","
         "\"text\":{\"en\":{}}}]}",
         "campaign.placement must be a name such as \"end_of_article\""},
        {"{\"id\":\"x\",\"languages\":[\"en\"],\"placement\":5,\"variants\":[{\"id\":\"a\","
         "\"text\":{\"en\":{}}}]}",
         "campaign.placement must be a name"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct pt_catalog *catalog = NULL;
        cr_assert_neq(build_one(cases[i].document, &catalog), PT_OK, "accepted: %s",
                      cases[i].document);
        cr_assert_null(catalog);
        cr_assert(strstr(error, cases[i].message) != NULL, "\"%s\" lacks \"%s\"", error,
                  cases[i].message);
    }
}

/* The refusal as a value: what the campaign editor places on its form. */
static void assert_refusal(const char *document, const char *campaign, int variant,
                           const char *field, const char *problem)
{
    struct pt_catalog_error refusal;
    cr_assert_eq(pt_catalog_check_document(document, &settings, &refusal), PT_ERR_INVALID,
                 "accepted: %s", document);
    cr_assert_str_eq(refusal.campaign, campaign, "%s", refusal.message);
    cr_assert_eq(refusal.variant, variant, "%s", refusal.message);
    cr_assert_str_eq(refusal.field, field, "%s", refusal.message);
    cr_assert_str_eq(refusal.problem, problem, "%s", refusal.message);
    /* The message is the one the build gives, word for word. */
    struct pt_catalog *catalog = NULL;
    cr_assert_eq(build_one(document, &catalog), PT_ERR_INVALID);
    cr_assert_str_eq(refusal.message, error);
}

Test(catalog, a_refusal_says_where_as_a_value)
{
    /* A campaign's key, refused by the catalogue itself. */
    assert_refusal("{\"id\":\"x\",\"languages\":[\"en\"],\"starts_at\":\"2026-02-30T00:00:00Z\","
                   "\"variants\":[{\"id\":\"a\",\"text\":{\"en\":{}}}]}",
                   "x", -1, "starts_at", "must be a UTC time such as \"2026-03-01T00:00:00Z\"");
    cr_assert_str_eq(error, "campaign x: campaign.starts_at must be a UTC time such as "
                            "\"2026-03-01T00:00:00Z\"");
    /* A JSON reader's type error, inside an object of the campaign. */
    assert_refusal("{\"id\":\"x\",\"languages\":[\"en\"],\"frequency_cap\":{\"views\":\"four\"},"
                   "\"variants\":[{\"id\":\"a\",\"text\":{\"en\":{}}}]}",
                   "x", -1, "frequency_cap.views", "must be a whole number from 0 to 1000");
    cr_assert_str_eq(
        error, "campaign x: campaign.frequency_cap.views must be a whole number from 0 to 1000");
    assert_refusal("{\"id\":\"x\",\"priority\":\"high\",\"languages\":[\"en\"],\"variants\":[]}",
                   "x", -1, "priority", "must be a whole number from -1000000 to 1000000");
    /* A variant's text key: the variant by its index, the path within it. */
    assert_refusal("{\"id\":\"x\",\"languages\":[\"en\"],\"variants\":[{\"id\":\"a\",\"text\":"
                   "{\"en\":{}}},{\"id\":\"b\",\"text\":{\"en\":{\"body\":7}}}]}",
                   "x", 1, "text.en.body", "must be a string");
    cr_assert_str_eq(error, "campaign x: variant b.text.en.body must be a string");
    /* A ladder's amounts, and the default frequency's ladder. */
    assert_refusal(
        "{\"id\":\"x\",\"languages\":[\"en\"],\"currency\":\"USD\",\"variants\":[{\"id\":"
        "\"a\",\"amounts\":{\"annual\":{\"presets\":[5000],\"default\":6000}},"
        "\"text\":{\"en\":{}}}]}",
        "x", 0, "amounts.annual.default", "must be one of its presets");
    assert_refusal(
        "{\"id\":\"x\",\"languages\":[\"en\"],\"variants\":[{\"id\":\"a\",\"presets\":[100],"
        "\"text\":{\"en\":{}}}]}",
        "x", 0, "presets", "must be amounts in minor units of EUR, at least 200 monthly");
    /* The object itself: an unknown key, a variant not an object. */
    /* (The keys are checked before the id is read.) */
    assert_refusal("{\"id\":\"x\",\"languages\":[\"en\"],\"variants\":[],\"colour\":1}", "", -1, "",
                   "has an unknown field \"colour\"");
    assert_refusal("{\"id\":\"x\",\"languages\":[\"en\"],\"variants\":[7]}", "x", 0, "",
                   "must be a JSON object");
    /* Before the id, and before any JSON. */
    assert_refusal("{\"languages\":[\"en\"],\"variants\":[]}", "", -1, "id", "is required");
    cr_assert_str_eq(error, "campaign (no id): campaign.id is required");
    struct pt_catalog_error refusal;
    cr_assert_eq(pt_catalog_check_document("not json", &settings, &refusal), PT_ERR_INVALID);
    cr_assert_eq(refusal.variant, -1);
    cr_assert_str_eq(refusal.field, "");
    cr_assert(strncmp(refusal.message, "campaign: invalid JSON", 22) == 0, "%s", refusal.message);
    cr_assert_str_eq(refusal.message + strlen("campaign: "), refusal.problem);
    /* A valid document leaves nothing behind. */
    cr_assert_eq(pt_catalog_check_document(
                     "{\"id\":\"x\",\"languages\":[\"en\"],\"variants\":[{\"id\":\"a\",\"text\":{"
                     "\"en\":{}}}]}",
                     &settings, &refusal),
                 PT_OK, "%s", refusal.message);
    cr_assert_eq(refusal.variant, -1);
    cr_assert_str_eq(refusal.field, "");
    cr_assert_str_eq(refusal.message, "");
}

Test(catalog, duplicate_campaign_ids_are_refused)
{
    const char *document = "{\"id\":\"x\",\"languages\":[\"en\"],\"variants\":[{\"id\":\"a\","
                           "\"text\":{\"en\":{}}}]}";
    const char *documents[] = {document, document};
    struct pt_catalog *catalog = NULL;
    cr_assert_eq(pt_catalog_build(documents, 2, &settings, 1, &catalog, error, sizeof(error)),
                 PT_ERR_CONFLICT);
}

Test(catalog, holder_swaps_and_keeps_old_snapshots_alive_for_their_holders)
{
    struct pt_catalog *first = NULL, *second = NULL;
    cr_assert_eq(pt_catalog_build(NULL, 0, &settings, 1, &first, error, sizeof(error)), PT_OK);
    cr_assert_eq(pt_catalog_build(NULL, 0, &settings, 2, &second, error, sizeof(error)), PT_OK);
    struct pt_catalog_holder holder;
    pt_catalog_holder_init(&holder, first);
    struct pt_catalog *held = pt_catalog_holder_acquire(&holder);
    cr_assert_eq(held->version, 1);
    pt_catalog_holder_swap(&holder, second);
    cr_assert_eq(held->version, 1, "a request's snapshot survives the swap");
    pt_catalog_release(held);
    struct pt_catalog *now = pt_catalog_holder_acquire(&holder);
    cr_assert_eq(now->version, 2);
    pt_catalog_release(now);
    pt_catalog_holder_dispose(&holder);
}

/* Readers hold snapshots while a writer swaps in a new one a thousand times:
 * every answer a reader sees must be whole and belong to one snapshot. Run
 * under AddressSanitizer, a use after free or a leak fails the test. */
struct swap_race {
    struct pt_catalog_holder holder;
    atomic_bool done;
    atomic_int torn;
    atomic_long reads;
};

static void *read_snapshots(void *argument)
{
    struct swap_race *race = argument;
    while (!atomic_load(&race->done)) {
        struct pt_catalog *catalog = pt_catalog_holder_acquire(&race->holder);
        const struct pt_campaign *campaign = pt_catalog_find(catalog, "swap");
        char expected[64];
        snprintf(expected, sizeof(expected), "version %lld", (long long)catalog->version);
        if (campaign == NULL || strstr(campaign->variants[0].texts[0].answer, expected) == NULL)
            atomic_fetch_add(&race->torn, 1);
        atomic_fetch_add(&race->reads, 1);
        pt_catalog_release(catalog);
    }
    return NULL;
}

static struct pt_catalog *versioned(int version)
{
    char document[512];
    snprintf(document, sizeof(document),
             "{\"id\":\"swap\",\"status\":\"live\",\"languages\":[\"en\"],\"variants\":[{\"id\":"
             "\"a\",\"text\":{\"en\":{\"headline\":\"version %d\"}}}]}",
             version);
    const char *documents[] = {document};
    struct pt_catalog *catalog = NULL;
    cr_assert_eq(pt_catalog_build(documents, 1, &settings, version, &catalog, error,
                                  sizeof(error)),
                 PT_OK, "%s", error);
    return catalog;
}

Test(catalog, a_thousand_swaps_under_concurrent_readers_tear_nothing)
{
    static struct swap_race race;
    pt_catalog_holder_init(&race.holder, versioned(0));
    atomic_init(&race.done, false);
    atomic_init(&race.torn, 0);
    atomic_init(&race.reads, 0);
    pthread_t readers[3];
    for (int i = 0; i < 3; i++)
        cr_assert_eq(pthread_create(&readers[i], NULL, read_snapshots, &race), 0);
    for (int version = 1; version <= 1000; version++)
        pt_catalog_holder_swap(&race.holder, versioned(version));
    atomic_store(&race.done, true);
    for (int i = 0; i < 3; i++)
        pthread_join(readers[i], NULL);
    cr_assert_eq(atomic_load(&race.torn), 0);
    cr_assert_gt(atomic_load(&race.reads), 1000);
    struct pt_catalog *last = pt_catalog_holder_acquire(&race.holder);
    cr_assert_eq(last->version, 1000);
    pt_catalog_release(last);
    pt_catalog_holder_dispose(&race.holder);
}

/* Issue 9: the monthly ladder was offered for every frequency ("$2 a year"). */
Test(catalog, each_frequency_has_its_own_amounts)
{
    struct pt_catalog *catalog = NULL;
    cr_assert_eq(build_one("{\"id\":\"c\",\"status\":\"live\",\"languages\":[\"en\"],"
                           "\"currency\":\"USD\",\"variants\":[{\"id\":\"a\","
                           "\"presets\":[200,500,1000],\"default_amount\":500,"
                           "\"amounts\":{\"one_off\":{\"presets\":[1500,3000],\"default\":3000}},"
                           "\"text\":{\"en\":{\"headline\":\"Help\"}}}]}",
                           &catalog),
                 PT_OK, "%s", error);
    const struct pt_variant *variant = &pt_catalog_find(catalog, "c")->variants[0];
    cr_assert_eq(variant->ladders[PT_FREQUENCY_MONTHLY].presets[0], 200);
    cr_assert_eq(variant->ladders[PT_FREQUENCY_ONE_OFF].count, 2);
    cr_assert_eq(variant->ladders[PT_FREQUENCY_ONE_OFF].default_amount, 3000);
    /* No annual ladder named: patron's standard one, not the monthly. */
    const struct pt_amount_ladder *annual = &variant->ladders[PT_FREQUENCY_ANNUAL];
    cr_assert_eq(annual->count, 3);
    cr_assert_gt(annual->presets[0], 1000);
    const char *html = pt_variant_find_text(variant, "en")->html;
    cr_assert(strstr(html, "name=\"amount_annual\" value=\"2\"") == NULL, "no $2 a year");
    cr_assert(strstr(html, "data-frequency=\"one_off\"") != NULL);
    cr_assert(strstr(html, "name=\"amount_one_off\" value=\"30\" checked") != NULL);
    cr_assert(strstr(html, "name=\"amount_monthly\" value=\"5\" checked") != NULL);
    cr_assert_str_eq(pt_variant_find_text(variant, "en")->headline, "Help");
    pt_catalog_release(catalog);
}

Test(catalog, ladders_are_checked_against_their_own_frequency)
{
    struct pt_catalog *catalog = NULL;
    static const char *const bad[] = {
        /* 1 dollar a month is below the monthly minimum of 2 */
        "\"amounts\":{\"monthly\":{\"presets\":[100,500]}}",
        /* a ladder for a frequency the variant does not offer */
        "\"frequencies\":[\"monthly\"],\"amounts\":{\"annual\":{\"presets\":[5000]}}",
        /* a default that is not among its presets */
        "\"amounts\":{\"annual\":{\"presets\":[5000],\"default\":6000}}",
        /* presets and amounts disagree for the default frequency */
        "\"presets\":[200,500],\"amounts\":{\"monthly\":{\"presets\":[300,500]}}",
        /* an empty ladder, an unknown key */
        "\"amounts\":{\"annual\":{\"presets\":[]}}",
        "\"amounts\":{\"weekly\":{\"presets\":[500]}}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char document[512];
        snprintf(document, sizeof(document),
                 "{\"id\":\"c\",\"languages\":[\"en\"],\"currency\":\"USD\",\"variants\":"
                 "[{\"id\":\"a\",%s,\"text\":{\"en\":{}}}]}",
                 bad[i]);
        cr_assert_eq(build_one(document, &catalog), PT_ERR_INVALID, "accepted: %s", bad[i]);
        cr_assert(strstr(error, "variant a") != NULL, "%s", error);
    }
    /* A one-off gift of 1 unit is fine once, not monthly. */
    cr_assert_eq(build_one("{\"id\":\"c\",\"languages\":[\"en\"],\"currency\":\"USD\","
                           "\"variants\":[{\"id\":\"a\",\"amounts\":{\"one_off\":{\"presets\":"
                           "[100]}},\"text\":{\"en\":{}}}]}",
                           &catalog),
                 PT_OK, "%s", error);
    pt_catalog_release(catalog);
}

Test(catalog, the_answer_says_whether_a_reminder_can_be_offered)
{
    static const struct pt_catalog_settings no_email = {"https://support.example.org", "EUR",
                                                        "'self'", true, NULL, NULL};
    const char *documents[] = {read_file(PT_SOURCE_ROOT "/data/demo-campaign.json")};
    struct pt_catalog *catalog = NULL;
    cr_assert_eq(pt_catalog_build(documents, 1, &no_email, 1, &catalog, error, sizeof(error)),
                 PT_OK, "%s", error);
    const struct pt_variant_text *en =
        pt_variant_find_text(&pt_catalog_find(catalog, "demo-2026")->variants[0], "en");
    cr_assert(strstr(en->answer, "\"remind\":false") != NULL, "%s", en->answer);
    pt_catalog_release(catalog);
    cr_assert_eq(build_one(documents[0], &catalog), PT_OK);
    en = pt_variant_find_text(&pt_catalog_find(catalog, "demo-2026")->variants[0], "en");
    cr_assert(strstr(en->answer, "\"remind\":true") != NULL);
    pt_catalog_release(catalog);
}

/* ------------------------------------------------------------ goal ticker */

#include "patron/buf.h"
#include "patron/goal.h"
#include "patron/money.h"

/* The ledger as the fixtures hold it: payments of one campaign, each with
 * its time, amount and whether it is a pledge's first. The counter sums
 * what falls in the window the catalogue asks about, as the store does. */
struct fixture_payment {
    int64_t at;
    int64_t amount;
    bool first;
};

struct fixture_ledger {
    int64_t now;
    const struct fixture_payment *payments;
    size_t count;
    bool failing;
    int asked;
};

static enum pt_status count_fixture(void *context, const struct pt_campaign *campaign,
                                    struct pt_goal *goal)
{
    struct fixture_ledger *ledger = context;
    ledger->asked++;
    if (ledger->failing)
        return PT_ERR_IO;
    pt_goal_window(goal->period, campaign->starts_at, campaign->ends_at, ledger->now, &goal->from,
                   &goal->to);
    goal->figure = 0;
    for (size_t i = 0; i < ledger->count; i++) {
        const struct fixture_payment *payment = &ledger->payments[i];
        if (payment->at < goal->from || payment->at >= goal->to)
            continue;
        if (goal->kind == PT_GOAL_AMOUNT)
            goal->figure += payment->amount;
        else if (payment->first)
            goal->figure++;
    }
    return PT_OK;
}

static enum pt_status build_goal(const char *goal, struct fixture_ledger *ledger,
                                 struct pt_catalog **catalog)
{
    char document[2048];
    snprintf(document, sizeof(document),
             "{\"id\":\"drive\",\"status\":\"live\",\"languages\":[\"en\",\"ru\"],"
             "\"currency\":\"USD\",\"starts_at\":\"2026-03-10T00:00:00Z\","
             "\"ends_at\":\"2026-06-30T23:59:59Z\",\"goal\":%s,\"variants\":[{\"id\":\"a\","
             "\"text\":{\"en\":{\"headline\":\"Hi\"},\"ru\":{\"headline\":\"Привет\"}}}]}",
             goal);
    struct pt_catalog_settings counted = settings;
    counted.goal_counter = count_fixture;
    counted.goal_context = ledger;
    const char *documents[] = {document};
    error[0] = '\0';
    return pt_catalog_build(documents, 1, &counted, 1, catalog, error, sizeof(error));
}

static const char *fragment(const struct pt_catalog *catalog, const char *language)
{
    static char html[8192];
    const struct pt_variant_text *text =
        pt_variant_find_text(&pt_catalog_find(catalog, "drive")->variants[0], language);
    cr_assert_not_null(text);
    cr_assert_lt(text->html_length, sizeof(html));
    memcpy(html, text->html, text->html_length);
    html[text->html_length] = '\0';
    return html;
}

static int64_t at(const char *time)
{
    int64_t seconds = 0;
    cr_assert(pt_catalog_parse_time(time, &seconds), "%s", time);
    return seconds;
}

Test(catalog, the_snapshot_carries_the_tickers_numbers_in_the_readers_language)
{
    struct fixture_payment payments[] = {
        {at("2026-05-02T10:00:00Z"), 100000, true},
        {at("2026-05-20T10:00:00Z"), 23456, false},
    };
    struct fixture_ledger ledger = {at("2026-05-21T00:00:00Z"), payments, 2, false, 0};
    struct pt_catalog *catalog = NULL;
    cr_assert_eq(build_goal("{\"kind\":\"amount\",\"target\":500000,\"text\":{\"en\":\"{count} "
                            "of {goal} for the newsroom\"}}",
                            &ledger, &catalog),
                 PT_OK, "%s", error);
    const struct pt_campaign *drive = pt_catalog_find(catalog, "drive");
    cr_assert_eq(ledger.asked, 1, "once per campaign, at the build");
    cr_assert(drive->goal.counted);
    cr_assert_eq(drive->goal.figure, 123456);
    cr_assert_eq(drive->goal.kind, PT_GOAL_AMOUNT);
    const char *en = fragment(catalog, "en");
    cr_assert(strstr(en, "<div class=\"patron-ticker\"><label class=\"patron-ticker-text\" "
                         "for=\"patron-g-drive-a\">$1,234.56 of $5,000 for the newsroom</label>"
                         "<progress id=\"patron-g-drive-a\" max=\"500000\" value=\"123456\">"
                         "</progress></div>") != NULL,
              "%s", en);
    const char *ru = fragment(catalog, "ru");
    cr_assert(strstr(ru, ">Собрано 1\u00a0234,56\u00a0$ из 5\u00a0000\u00a0$</label>") != NULL,
              "no Russian sentence written: the default one; %s", ru);
    /* The JSON answer and the no-script document carry the same fragment. */
    const struct pt_variant_text *text = pt_variant_find_text(&drive->variants[0], "en");
    cr_assert(strstr(text->answer, "$1,234.56 of $5,000 for the newsroom") != NULL);
    cr_assert(strstr(text->document, "<progress id=\\\"patron-g-drive-a\\\"") == NULL);
    cr_assert(strstr(text->document, "<progress id=\"patron-g-drive-a\"") != NULL);
    pt_catalog_release(catalog);
}

Test(catalog, a_ticker_below_its_threshold_is_left_out_of_the_fragment)
{
    struct fixture_payment payments[] = {
        {at("2026-04-01T00:00:00Z"), 500, true},
        {at("2026-04-02T00:00:00Z"), 500, true},
    };
    struct fixture_ledger ledger = {at("2026-04-03T00:00:00Z"), payments, 2, false, 0};
    struct pt_catalog *catalog = NULL;
    cr_assert_eq(build_goal("{\"kind\":\"supporters\",\"target\":1500,\"threshold\":3}", &ledger,
                            &catalog),
                 PT_OK, "%s", error);
    cr_assert_eq(pt_catalog_find(catalog, "drive")->goal.figure, 2);
    cr_assert_null(strstr(fragment(catalog, "en"), "patron-ticker"), "2 is below 3");
    cr_assert_null(strstr(fragment(catalog, "en"), "<progress"));
    pt_catalog_release(catalog);

    ledger.count = 0;
    struct fixture_payment three[] = {payments[0], payments[1], {at("2026-04-02T12:00:00Z"), 1, true}};
    ledger.payments = three;
    ledger.count = 3;
    cr_assert_eq(build_goal("{\"kind\":\"supporters\",\"target\":1500,\"threshold\":3}", &ledger,
                            &catalog),
                 PT_OK, "%s", error);
    cr_assert(strstr(fragment(catalog, "en"), ">3 of 1,500 supporters</label>") != NULL, "%s",
              fragment(catalog, "en"));
    cr_assert(strstr(fragment(catalog, "ru"), ">3 из 1\u00a0500 сторонников</label>") != NULL);
    pt_catalog_release(catalog);

    /* A ledger that cannot be read hides the ticker rather than show 0. */
    ledger.failing = true;
    cr_assert_eq(build_goal("{\"kind\":\"supporters\",\"target\":1500}", &ledger, &catalog), PT_OK);
    cr_assert_not(pt_catalog_find(catalog, "drive")->goal.counted);
    cr_assert_null(strstr(fragment(catalog, "en"), "patron-ticker"));
    pt_catalog_release(catalog);
}

Test(catalog, a_monthly_goal_counts_this_month_and_a_campaign_goal_its_dates)
{
    struct fixture_payment payments[] = {
        {at("2026-03-01T00:00:00Z"), 1000, true}, /* before the campaign */
        {at("2026-03-10T00:00:00Z"), 1000, true}, /* its first second */
        {at("2026-04-30T23:59:59Z"), 1000, true}, /* last month */
        {at("2026-05-01T00:00:00Z"), 1000, true}, /* this month's first second */
        {at("2026-05-31T23:59:59Z"), 1000, true}, /* this month's last */
        {at("2026-06-30T23:59:59Z"), 1000, true}, /* the campaign's last second */
        {at("2026-07-01T00:00:00Z"), 1000, true}, /* after it */
    };
    struct fixture_ledger ledger = {at("2026-05-15T12:00:00Z"), payments, 7, false, 0};
    struct pt_catalog *catalog = NULL;
    cr_assert_eq(build_goal("{\"kind\":\"supporters\",\"target\":10,\"period\":\"month\"}",
                            &ledger, &catalog),
                 PT_OK, "%s", error);
    const struct pt_goal *goal = &pt_catalog_find(catalog, "drive")->goal;
    cr_assert_eq(goal->from, at("2026-05-01T00:00:00Z"));
    cr_assert_eq(goal->to, at("2026-06-01T00:00:00Z"));
    cr_assert_eq(goal->figure, 2);
    cr_assert(strstr(fragment(catalog, "en"), ">2 of 10 new supporters this month</label>") !=
              NULL);
    pt_catalog_release(catalog);

    cr_assert_eq(build_goal("{\"kind\":\"supporters\",\"target\":10}", &ledger, &catalog), PT_OK,
                 "%s", error);
    goal = &pt_catalog_find(catalog, "drive")->goal;
    cr_assert_eq(goal->from, at("2026-03-10T00:00:00Z"));
    cr_assert_eq(goal->to, at("2026-07-01T00:00:00Z"), "ends_at is inclusive");
    cr_assert_eq(goal->figure, 5);
    pt_catalog_release(catalog);

    /* The month the campaign starts in counts from its start. */
    ledger.now = at("2026-03-20T00:00:00Z");
    cr_assert_eq(build_goal("{\"kind\":\"amount\",\"target\":10000,\"period\":\"month\"}",
                            &ledger, &catalog),
                 PT_OK, "%s", error);
    goal = &pt_catalog_find(catalog, "drive")->goal;
    cr_assert_eq(goal->from, at("2026-03-10T00:00:00Z"));
    cr_assert_eq(goal->figure, 1000);
    pt_catalog_release(catalog);
}

Test(catalog, bad_goals_are_refused_on_their_field)
{
    static const struct {
        const char *goal, *field, *problem;
    } cases[] = {
        {"{\"kind\":\"readers\",\"target\":5}", "goal.kind", "must be supporters or amount"},
        {"{\"kind\":\"amount\"}", "goal.target", ""},
        {"{\"kind\":\"amount\",\"target\":-1}", "goal.target", ""},
        {"{\"kind\":\"amount\",\"target\":5,\"threshold\":6}", "goal.threshold", "is above"},
        {"{\"kind\":\"amount\",\"target\":5,\"period\":\"year\"}", "goal.period",
         "must be campaign or month"},
        {"{\"kind\":\"amount\",\"target\":5,\"text\":\"x\"}", "goal.text", "must be an object"},
        {"{\"kind\":\"amount\",\"target\":5,\"text\":{\"fr\":\"x\"}}", "goal.text.fr",
         "is not among the campaign's languages"},
        {"{\"kind\":\"amount\",\"target\":5,\"text\":{\"en\":\"\"}}", "goal.text.en",
         "must be a sentence"},
        {"{\"kind\":\"amount\",\"target\":5,\"text\":{\"en\":\"{count} of {aim}\"}}",
         "goal.text.en", "may use only {count} and {goal}"},
        {"{\"kind\":\"amount\",\"target\":5,\"shown\":true}", "goal", "unknown field \"shown\""},
        {"[1]", "goal", ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char document[1024];
        snprintf(document, sizeof(document),
                 "{\"id\":\"drive\",\"languages\":[\"en\"],\"goal\":%s,\"variants\":[{\"id\":\"a\","
                 "\"text\":{\"en\":{}}}]}",
                 cases[i].goal);
        struct pt_catalog_error refusal;
        cr_assert_eq(pt_catalog_check_document(document, &settings, &refusal), PT_ERR_INVALID,
                     "%s", cases[i].goal);
        cr_assert_str_eq(refusal.field, cases[i].field, "%s: %s", cases[i].goal, refusal.message);
        cr_assert(strstr(refusal.problem, cases[i].problem) != NULL, "%s: %s", cases[i].goal,
                  refusal.problem);
    }
}

Test(catalog, goal_numbers_are_grouped_as_the_language_writes_them)
{
    static const struct {
        int64_t value;
        const char *en, *ru;
    } cases[] = {{0, "0", "0"},
                 {-5, "0", "0"},
                 {999, "999", "999"},
                 {1234, "1,234", "1\u00a0234"},
                 {1234567, "1,234,567", "1\u00a0234\u00a0567"}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct pt_buf out;
        pt_buf_init(&out);
        pt_goal_format_number(&out, cases[i].value, "en");
        cr_assert_str_eq(out.data, cases[i].en);
        pt_buf_reset(&out);
        pt_goal_format_number(&out, cases[i].value, "ru-RU");
        cr_assert_str_eq(out.data, cases[i].ru);
        pt_buf_dispose(&out);
    }
    struct pt_buf out;
    pt_buf_init(&out);
    pt_goal_fill(&out, "{count}/{goal} {x} {count", "1", "2");
    cr_assert_str_eq(out.data, "1/2 {x} {count");
    pt_buf_dispose(&out);
    cr_assert_null(pt_goal_text_problem("{count} of {goal}, {goal}!"));
    cr_assert_not_null(pt_goal_text_problem("{count} of {Goal}"));
}

/* ------------------------------------------------ copy that counts */

Test(catalog, placeholders_that_count_need_articles_read_and_a_language_patron_writes)
{
    /* {articles} and {weeks} with no articles_read: nothing to count. */
    assert_refusal("{\"id\":\"c\",\"languages\":[\"en\"],\"variants\":[{\"id\":\"a\",\"text\":"
                   "{\"en\":{\"headline\":\"You read {articles}\"}}}]}",
                   "c", 0, "text.en.headline",
                   "uses {articles} or {weeks}, which need the campaign to filter on "
                   "articles_read (set its weeks)");
    assert_refusal("{\"id\":\"c\",\"languages\":[\"en\"],\"variants\":[{\"id\":\"a\",\"text\":"
                   "{\"en\":{\"body\":\"In {weeks} you...\"}}}]}",
                   "c", 0, "text.en.body",
                   "uses {articles} or {weeks}, which need the campaign to filter on "
                   "articles_read (set its weeks)");
    /* A German text would say "5 articles" in the middle of German. */
    assert_refusal("{\"id\":\"c\",\"languages\":[\"de\"],\"articles_read\":{\"weeks\":4},"
                   "\"variants\":[{\"id\":\"a\",\"text\":{\"de\":{\"headline\":\"Ab "
                   "{min_amount}\"}}}]}",
                   "c", 0, "text.de.headline",
                   "uses {articles}, {weeks} or {min_amount}, which patron writes in English "
                   "and Russian only");
    /* The second variant's: the refusal names it. */
    assert_refusal("{\"id\":\"c\",\"languages\":[\"en\",\"ru\"],\"variants\":["
                   "{\"id\":\"a\",\"text\":{\"en\":{},\"ru\":{}}},"
                   "{\"id\":\"b\",\"text\":{\"en\":{},\"ru\":{\"headline\":\"{articles}\"}}}]}",
                   "c", 1, "text.ru.headline",
                   "uses {articles} or {weeks}, which need the campaign to filter on "
                   "articles_read (set its weeks)");
    /* With articles_read, in English, Russian and a regional tag: built. */
    struct pt_catalog *catalog = NULL;
    cr_assert_eq(build_one("{\"id\":\"c\",\"languages\":[\"en-GB\",\"ru\"],\"articles_read\":"
                           "{\"weeks\":4,\"min\":3},\"variants\":[{\"id\":\"a\",\"text\":{"
                           "\"en-GB\":{\"headline\":\"{articles} in {weeks}\"},"
                           "\"ru\":{\"body\":\"От {min_amount}\"}}}]}",
                           &catalog),
                 PT_OK, "%s", error);
    pt_catalog_release(catalog);
}

Test(catalog, weeks_and_the_minimum_are_filled_once_and_articles_kept_for_each_reader)
{
    struct pt_catalog *catalog = NULL;
    cr_assert_eq(build_one("{\"id\":\"c\",\"languages\":[\"en\",\"ru\"],\"currency\":\"GBP\","
                           "\"articles_read\":{\"weeks\":5,\"min\":1},\"variants\":[{\"id\":\"a\","
                           "\"default_frequency\":\"one_off\",\"text\":{"
                           "\"en\":{\"headline\":\"{articles} in {weeks}\","
                           "\"body\":\"Give **from {min_amount}** once.\"},"
                           "\"ru\":{\"headline\":\"Спасибо\",\"body\":\"За {weeks}: "
                           "{min_amount}\"}}}]}",
                           &catalog),
                 PT_OK, "%s", error);
    const struct pt_variant *variant = &catalog->campaigns[0].variants[0];
    const struct pt_variant_text *en = pt_variant_find_text(variant, "en");
    const struct pt_variant_text *ru = pt_variant_find_text(variant, "ru");
    cr_assert(en->counts_articles);
    cr_assert_not(ru->counts_articles, "no {articles} in Russian: served as rendered");
    cr_assert_str_eq(en->headline, "{articles} in 5\u00a0weeks");
    /* The one-off minimum, £1, inside the markdown's emphasis. */
    cr_assert(strstr(en->document, "<strong>from £1</strong> once.") != NULL, "%s",
              en->document);
    cr_assert(strstr(en->answer, "{articles} in 5\u00a0weeks") != NULL);
    cr_assert(strstr(ru->document, "За 5\u00a0недель: ") != NULL, "%s", ru->document);
    cr_assert(strstr(ru->document, "{min_amount}") == NULL, "%s", ru->document);
    pt_catalog_release(catalog);
}
/* ------------------------------------------------- currencies by country */

#define LOCAL_CAMPAIGN(CURRENCIES, VARIANT)                                                       \
    "{\"id\":\"local\",\"status\":\"live\",\"languages\":[\"en\",\"ru\"],\"currency\":\"USD\","   \
    "\"currencies\":" CURRENCIES ",\"variants\":[{\"id\":\"a\"," VARIANT                           \
    "\"text\":{\"en\":{\"headline\":\"Hi\"},\"ru\":{\"headline\":\"Привет\"}}}]}"

Test(catalog, each_currency_of_a_campaign_has_its_own_amounts_and_texts)
{
    struct pt_catalog *catalog = NULL;
    cr_assert_eq(build_one(LOCAL_CAMPAIGN(
                               "{\"GB\":\"GBP\",\"EU\":\"EUR\",\"JP\":\"JPY\",\"*\":\"USD\"}",
                               "\"presets\":[500,1000],\"default_amount\":1000,"
                               "\"currency_amounts\":{\"GBP\":{\"presets\":[300,800],"
                               "\"default_amount\":300,\"amounts\":{\"annual\":{\"presets\":["
                               "3000]}}}},"),
                           &catalog),
                 PT_OK, "%s", error);
    const struct pt_campaign *local = pt_catalog_find(catalog, "local");
    cr_assert_eq(local->currency_count, 4);
    cr_assert_str_eq(local->currencies[0], "USD");
    const struct pt_variant *variant = &local->variants[0];
    cr_assert_eq(variant->text_count, 8, "two languages in four currencies");

    /* GBP: its own amounts, the minimum checked in pounds. */
    const struct pt_amount_ladder *gbp = pt_variant_ladders(local, variant, "GBP");
    cr_assert_not_null(gbp);
    cr_assert_eq(gbp[PT_FREQUENCY_MONTHLY].count, 2);
    cr_assert_eq(gbp[PT_FREQUENCY_MONTHLY].presets[0], 300);
    cr_assert_eq(gbp[PT_FREQUENCY_MONTHLY].default_amount, 300);
    cr_assert_eq(gbp[PT_FREQUENCY_ANNUAL].presets[0], 3000);
    /* EUR and JPY name none: patron's standard ones, never USD's 5 and 10. */
    const struct pt_amount_ladder *eur = pt_variant_ladders(local, variant, "EUR");
    struct pt_amount_ladder standard;
    pt_money_standard_ladder(PT_FREQUENCY_MONTHLY, pt_money_currency("EUR"), &standard);
    cr_assert_eq(eur[PT_FREQUENCY_MONTHLY].count, standard.count);
    cr_assert_eq(memcmp(eur[PT_FREQUENCY_MONTHLY].presets, standard.presets,
                        sizeof(standard.presets)),
                 0);
    const struct pt_amount_ladder *jpy = pt_variant_ladders(local, variant, "JPY");
    cr_assert_geq(jpy[PT_FREQUENCY_MONTHLY].presets[0], 200, "no ¥5 a month");
    cr_assert_eq(pt_variant_ladders(local, variant, "USD"), variant->ladders);
    cr_assert_null(pt_variant_ladders(local, variant, "CHF"), "not a currency it shows");

    /* The texts carry their currency: symbol, amounts and the form's field. */
    const struct pt_variant_text *en_gbp = pt_variant_find_text_in(variant, "en", "GBP");
    cr_assert_not_null(en_gbp);
    cr_assert(strstr(en_gbp->html, "name=\"currency\" value=\"GBP\"") != NULL, "%s",
              en_gbp->html);
    cr_assert(strstr(en_gbp->html, "£3") != NULL, "%s", en_gbp->html);
    cr_assert(strstr(en_gbp->html, "$") == NULL, "no dollars in the pounds' appeal");
    cr_assert(strstr(en_gbp->answer, "£3") != NULL);
    cr_assert(strstr(en_gbp->document, "£3") != NULL);
    const struct pt_variant_text *ru_eur = pt_variant_find_text_in(variant, "ru", "EUR");
    cr_assert(strstr(ru_eur->html, "5\u00a0€") != NULL, "%s", ru_eur->html);
    /* Without a currency, the campaign's own: the newsletter's and the editor's. */
    const struct pt_variant_text *en = pt_variant_find_text(variant, "en");
    cr_assert_str_eq(en->currency, "USD");
    cr_assert(strstr(en->html, "$10") != NULL);
    cr_assert_null(pt_variant_find_text_in(variant, "en", "CHF"));
    pt_catalog_release(catalog);
}

Test(catalog, a_campaign_without_currencies_renders_once_per_language)
{
    struct pt_catalog *catalog = NULL;
    cr_assert_eq(build_one("{\"id\":\"x\",\"status\":\"live\",\"languages\":[\"en\",\"ru\"],"
                           "\"variants\":[{\"id\":\"a\",\"text\":{\"en\":{},\"ru\":{}}}]}",
                           &catalog),
                 PT_OK, "%s", error);
    const struct pt_campaign *campaign = pt_catalog_find(catalog, "x");
    cr_assert_eq(campaign->currency_count, 1);
    cr_assert_str_eq(campaign->currencies[0], "EUR");
    cr_assert_eq(campaign->variants[0].text_count, 2);
    cr_assert_str_eq(campaign->variants[0].texts[1].currency, "EUR");
    pt_catalog_release(catalog);
}

Test(catalog, star_names_the_campaigns_currency)
{
    struct pt_catalog *catalog = NULL;
    cr_assert_eq(build_one("{\"id\":\"x\",\"status\":\"live\",\"languages\":[\"en\"],"
                           "\"currencies\":{\"GB\":\"GBP\",\"*\":\"CHF\"},"
                           "\"variants\":[{\"id\":\"a\",\"text\":{\"en\":{}}}]}",
                           &catalog),
                 PT_OK, "%s", error);
    const struct pt_campaign *campaign = pt_catalog_find(catalog, "x");
    cr_assert_str_eq(campaign->currency, "CHF", "not the server's EUR");
    cr_assert_eq(campaign->currency_count, 2);
    pt_catalog_release(catalog);
}

Test(catalog, bad_currencies_are_refused_on_their_field)
{
    assert_refusal(LOCAL_CAMPAIGN("{\"GB\":\"XYZ\"}", ""), "local", -1, "currencies.GB",
                   "must be a currency patron takes: USD, EUR, GBP, CHF or JPY");
    cr_assert_str_eq(error, "campaign local: campaign.currencies.GB must be a currency patron "
                            "takes: USD, EUR, GBP, CHF or JPY");
    assert_refusal(LOCAL_CAMPAIGN("{\"GB\":5}", ""), "local", -1, "currencies.GB",
                   "must be a currency patron takes: USD, EUR, GBP, CHF or JPY");
    assert_refusal(LOCAL_CAMPAIGN("{\"gb\":\"GBP\"}", ""), "local", -1, "currencies.gb",
                   "is not a country code such as \"GB\", a region such as \"US-CA\", \"EU\" "
                   "or \"*\"");
    assert_refusal(LOCAL_CAMPAIGN("{\"Europe\":\"EUR\"}", ""), "local", -1, "currencies.Europe",
                   "is not a country code such as \"GB\", a region such as \"US-CA\", \"EU\" "
                   "or \"*\"");
    assert_refusal(LOCAL_CAMPAIGN("{\"*\":\"EUR\"}", ""), "local", -1, "currencies.*",
                   "is not campaign.currency (\"USD\"): name the currency for every other "
                   "reader once");
    assert_refusal(LOCAL_CAMPAIGN("{\"GB\":\"GBP\",\"EU\":\"EUR\",\"CH\":\"CHF\",\"JP\":\"JPY\"}",
                                  ""),
                   "local", -1, "currencies.JP",
                   "is a fifth currency: a campaign shows at most 4, its own currency among them");
    assert_refusal(LOCAL_CAMPAIGN("[\"GBP\"]", ""), "local", -1, "currencies",
                   "must be an object of countries and currencies, such as {\"GB\": \"GBP\", "
                   "\"EU\": \"EUR\", \"*\": \"USD\"}");
    assert_refusal(LOCAL_CAMPAIGN("{}", ""), "local", -1, "currencies",
                   "must be an object of countries and currencies, such as {\"GB\": \"GBP\", "
                   "\"EU\": \"EUR\", \"*\": \"USD\"}");
    /* A variant's amounts: in a currency it shows, above that currency's minimum. */
    assert_refusal(LOCAL_CAMPAIGN("{\"GB\":\"GBP\"}",
                                  "\"currency_amounts\":{\"EUR\":{\"presets\":[500]}},"),
                   "local", 0, "currency_amounts.EUR", "is not among the campaign's currencies");
    assert_refusal(LOCAL_CAMPAIGN("{\"GB\":\"GBP\"}",
                                  "\"currency_amounts\":{\"USD\":{\"presets\":[500]}},"),
                   "local", 0, "currency_amounts.USD",
                   "is the campaign's own currency: its amounts are the variant's presets and "
                   "amounts");
    assert_refusal(LOCAL_CAMPAIGN("{\"GB\":\"GBP\"}",
                                  "\"currency_amounts\":{\"GBP\":{\"presets\":[150]}},"),
                   "local", 0, "currency_amounts.GBP.presets",
                   "must be amounts in minor units of GBP, at least 200 monthly");
    cr_assert_str_eq(error, "campaign local: variant a.currency_amounts.GBP.presets must be "
                            "amounts in minor units of GBP, at least 200 monthly");
    assert_refusal(LOCAL_CAMPAIGN("{\"JP\":\"JPY\"}",
                                  "\"currency_amounts\":{\"JPY\":{\"amounts\":{\"one_off\":{"
                                  "\"presets\":[40]}}}},"),
                   "local", 0, "currency_amounts.JPY.amounts.one_off.presets",
                   "must be amounts in minor units of JPY, at least 50 once");
    assert_refusal(LOCAL_CAMPAIGN("{\"GB\":\"GBP\"}",
                                  "\"currency_amounts\":{\"GBP\":{\"presets\":[300],"
                                  "\"default_amount\":500}},"),
                   "local", 0, "currency_amounts.GBP.default_amount",
                   "must be one of its presets");
    assert_refusal(LOCAL_CAMPAIGN("{\"GB\":\"GBP\"}",
                                  "\"currency_amounts\":{\"GBP\":{\"colour\":1}},"),
                   "local", 0, "currency_amounts.GBP", "has an unknown field \"colour\"");
    assert_refusal(LOCAL_CAMPAIGN("{\"GB\":\"GBP\"}", "\"currency_amounts\":[1],"), "local", 0,
                   "currency_amounts",
                   "must be an object with amounts per currency, such as {\"GBP\": "
                   "{\"presets\": [300, 500]}}");
}
