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
