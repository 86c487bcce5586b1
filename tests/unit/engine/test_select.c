/* The decision engine, rule by rule and at every edge. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "patron/catalog.h"
#include "patron/select.h"

#define DAY 86400
static const int64_t NOW = 1796000000; /* 2026-11-30, a fixed clock */

static const struct pt_catalog_settings settings = {"http://127.0.0.1:8080", "USD", "'self'", false, NULL, NULL};

/* A campaign document with the given id, priority and extra top-level JSON. */
static char *campaign(const char *id, int priority, const char *extra)
{
    static char documents[8][2048];
    static int next;
    char *out = documents[next++ % 8];
    snprintf(out, 2048,
             "{\"id\":\"%s\",\"status\":\"live\",\"priority\":%d,\"languages\":[\"en\",\"ru\"]%s%s,"
             "\"variants\":[{\"id\":\"a\",\"text\":{\"en\":{\"headline\":\"A\"},\"ru\":{"
             "\"headline\":\"А\"}}},{\"id\":\"b\",\"text\":{\"en\":{\"headline\":\"B\"},\"ru\":"
             "{\"headline\":\"Б\"}}}]}",
             id, priority, extra[0] ? "," : "", extra);
    return out;
}

static struct pt_catalog *build(const char *const *documents, size_t count)
{
    struct pt_catalog *catalog = NULL;
    char error[512] = "";
    enum pt_status status = pt_catalog_build(documents, count, &settings, 1, &catalog, error,
                                             sizeof(error));
    cr_assert_eq(status, PT_OK, "build failed: %s", error);
    return catalog;
}

static struct pt_catalog *one(const char *extra)
{
    const char *documents[] = {campaign("spring", 1, extra)};
    return build(documents, 1);
}

static void reader(struct pt_appeal_request *request)
{
    memset(request, 0, sizeof(*request));
    strcpy(request->article_id, "article-1");
    strcpy(request->language, "en");
    request->bucket = 42;
}

static enum pt_select_reason decide(const struct pt_catalog *catalog,
                                    const struct pt_appeal_request *request, int64_t now)
{
    struct pt_selection selection;
    pt_select_appeal(catalog, request, now, 400 * (int64_t)DAY, NULL, &selection);
    if (selection.reason == PT_SELECT_CHOSEN) {
        cr_assert_not_null(selection.campaign);
        cr_assert_not_null(selection.variant);
        cr_assert_not_null(selection.text);
    }
    return selection.reason;
}

static void view(struct pt_appeal_request *request, const char *campaign_id, int64_t at)
{
    struct pt_reader_view *entry = &request->views[request->view_count++];
    strcpy(entry->campaign, campaign_id);
    entry->at = at;
}

static void snooze(struct pt_appeal_request *request, enum pt_snooze_reason reason, int64_t at)
{
    struct pt_reader_snooze *entry = &request->snoozes[request->snooze_count++];
    strcpy(entry->campaign, "spring");
    entry->reason = reason;
    entry->at = at;
}

Test(select, fresh_reader_gets_the_live_campaign)
{
    struct pt_catalog *catalog = one("");
    struct pt_appeal_request request;
    reader(&request);
    struct pt_selection selection;
    pt_select_appeal(catalog, &request, NOW, 400 * (int64_t)DAY, NULL, &selection);
    cr_assert_eq(selection.reason, PT_SELECT_CHOSEN);
    cr_assert_str_eq(selection.campaign->id, "spring");
    cr_assert_str_eq(selection.text->language, "en");
    cr_assert(strstr(selection.text->html, "class=\"patron-appeal\"") != NULL);
    pt_catalog_release(catalog);
}

Test(select, opt_out_wins_over_everything)
{
    struct pt_catalog *catalog = one("");
    struct pt_appeal_request request;
    reader(&request);
    request.opt_out = true;
    cr_assert_eq(decide(catalog, &request, NOW), PT_SELECT_OPTED_OUT);
    pt_catalog_release(catalog);
}

Test(select, empty_catalogue_means_no_campaign)
{
    struct pt_catalog *catalog = build(NULL, 0);
    struct pt_appeal_request request;
    reader(&request);
    cr_assert_eq(decide(catalog, &request, NOW), PT_SELECT_NO_CAMPAIGN);
    pt_catalog_release(catalog);
}

Test(select, language_not_spoken_means_no_campaign)
{
    struct pt_catalog *catalog = one("");
    struct pt_appeal_request request;
    reader(&request);
    strcpy(request.language, "de");
    cr_assert_eq(decide(catalog, &request, NOW), PT_SELECT_NO_CAMPAIGN);
    strcpy(request.language, "ru");
    struct pt_selection selection;
    pt_select_appeal(catalog, &request, NOW, 400 * (int64_t)DAY, NULL, &selection);
    cr_assert_eq(selection.reason, PT_SELECT_CHOSEN);
    cr_assert_str_eq(selection.text->language, "ru");
    pt_catalog_release(catalog);
}

Test(select, drafts_and_ended_campaigns_are_not_shown)
{
    const char *documents[] = {
        "{\"id\":\"draft\",\"status\":\"draft\",\"languages\":[\"en\"],\"variants\":[{\"id\":"
        "\"a\",\"text\":{\"en\":{}}}]}",
        "{\"id\":\"over\",\"status\":\"ended\",\"languages\":[\"en\"],\"variants\":[{\"id\":"
        "\"a\",\"text\":{\"en\":{}}}]}",
    };
    struct pt_catalog *catalog = build(documents, 2);
    struct pt_appeal_request request;
    reader(&request);
    cr_assert_eq(decide(catalog, &request, NOW), PT_SELECT_NO_CAMPAIGN);
    pt_catalog_release(catalog);
}

Test(select, schedule_edges_are_inclusive)
{
    /* 2026-11-30T00:00:00Z is 1796000000 - (1796000000 % 86400) ... use exact times. */
    struct pt_catalog *catalog =
        one("\"starts_at\":\"2026-12-01T00:00:00Z\",\"ends_at\":\"2026-12-31T23:59:59Z\"");
    struct pt_appeal_request request;
    reader(&request);
    int64_t starts = 1796083200; /* 2026-12-01T00:00:00Z */
    int64_t ends = 1798761599;   /* 2026-12-31T23:59:59Z */
    cr_assert_eq(decide(catalog, &request, starts - 1), PT_SELECT_NO_CAMPAIGN);
    cr_assert_eq(decide(catalog, &request, starts), PT_SELECT_CHOSEN);
    cr_assert_eq(decide(catalog, &request, ends), PT_SELECT_CHOSEN);
    cr_assert_eq(decide(catalog, &request, ends + 1), PT_SELECT_NO_CAMPAIGN);
    pt_catalog_release(catalog);
}

Test(select, supporters_do_not_see_non_supporter_campaigns)
{
    struct pt_catalog *catalog = one("");
    struct pt_appeal_request request;
    reader(&request);
    request.supporter = true;
    cr_assert_eq(decide(catalog, &request, NOW), PT_SELECT_SUPPORTER);
    pt_catalog_release(catalog);
}

Test(select, cohorts_supporters_and_everyone)
{
    struct pt_catalog *for_supporters = one("\"cohort\":\"supporters\"");
    struct pt_catalog *for_everyone = one("\"cohort\":\"everyone\"");
    struct pt_appeal_request request;
    reader(&request);
    cr_assert_eq(decide(for_supporters, &request, NOW), PT_SELECT_NO_CAMPAIGN,
                 "\"supporter\" is the reason only when a supporter is spared an appeal");
    cr_assert_eq(decide(for_everyone, &request, NOW), PT_SELECT_CHOSEN);
    request.supporter = true;
    cr_assert_eq(decide(for_supporters, &request, NOW), PT_SELECT_CHOSEN);
    cr_assert_eq(decide(for_everyone, &request, NOW), PT_SELECT_CHOSEN);
    pt_catalog_release(for_supporters);
    pt_catalog_release(for_everyone);
}

Test(select, cap_counts_views_inside_the_30_day_window)
{
    struct pt_catalog *catalog = one("");
    struct pt_appeal_request request;
    reader(&request);
    for (int i = 0; i < 3; i++)
        view(&request, "spring", NOW - (int64_t)i * DAY);
    cr_assert_eq(decide(catalog, &request, NOW), PT_SELECT_CHOSEN, "3 views are under the cap");
    view(&request, "spring", NOW - 30 * (int64_t)DAY + 1);
    cr_assert_eq(decide(catalog, &request, NOW), PT_SELECT_CAPPED, "the 4th view inside 30 days");
    pt_catalog_release(catalog);
}

Test(select, a_view_exactly_30_days_old_has_left_the_window)
{
    struct pt_catalog *catalog = one("");
    struct pt_appeal_request request;
    reader(&request);
    for (int i = 0; i < 3; i++)
        view(&request, "spring", NOW - (int64_t)i * DAY);
    view(&request, "spring", NOW - 30 * (int64_t)DAY);
    cr_assert_eq(decide(catalog, &request, NOW), PT_SELECT_CHOSEN);
    pt_catalog_release(catalog);
}

Test(select, views_of_other_campaigns_do_not_count)
{
    struct pt_catalog *catalog = one("");
    struct pt_appeal_request request;
    reader(&request);
    for (int i = 0; i < 10; i++)
        view(&request, "autumn", NOW - DAY);
    cr_assert_eq(decide(catalog, &request, NOW), PT_SELECT_CHOSEN);
    pt_catalog_release(catalog);
}

Test(select, custom_cap_and_no_cap)
{
    struct pt_catalog *tight = one("\"frequency_cap\":{\"views\":1,\"days\":7}");
    struct pt_catalog *none = one("\"frequency_cap\":{\"views\":0,\"days\":7}");
    struct pt_appeal_request request;
    reader(&request);
    view(&request, "spring", NOW - 7 * (int64_t)DAY + 1);
    cr_assert_eq(decide(tight, &request, NOW), PT_SELECT_CAPPED);
    cr_assert_eq(decide(tight, &request, NOW + 1), PT_SELECT_CHOSEN);
    for (int i = 0; i < 20; i++)
        view(&request, "spring", NOW);
    cr_assert_eq(decide(none, &request, NOW), PT_SELECT_CHOSEN);
    pt_catalog_release(tight);
    pt_catalog_release(none);
}

Test(select, later_snooze_lasts_three_days)
{
    struct pt_catalog *catalog = one("");
    struct pt_appeal_request request;
    reader(&request);
    snooze(&request, PT_SNOOZE_LATER, NOW - 3 * (int64_t)DAY + 1);
    cr_assert_eq(decide(catalog, &request, NOW), PT_SELECT_SNOOZED);
    cr_assert_eq(decide(catalog, &request, NOW + 1), PT_SELECT_CHOSEN, "expired at 3 days");
    pt_catalog_release(catalog);
}

Test(select, close_snooze_lasts_fourteen_days)
{
    struct pt_catalog *catalog = one("");
    struct pt_appeal_request request;
    reader(&request);
    snooze(&request, PT_SNOOZE_CLOSE, NOW - 13 * (int64_t)DAY);
    cr_assert_eq(decide(catalog, &request, NOW), PT_SELECT_SNOOZED);
    cr_assert_eq(decide(catalog, &request, NOW + DAY - 1), PT_SELECT_SNOOZED);
    cr_assert_eq(decide(catalog, &request, NOW + DAY), PT_SELECT_CHOSEN);
    pt_catalog_release(catalog);
}

Test(select, supporting_snooze_lasts_a_year)
{
    struct pt_catalog *catalog = one("");
    struct pt_appeal_request request;
    reader(&request);
    snooze(&request, PT_SNOOZE_SUPPORTING, NOW - 364 * (int64_t)DAY);
    cr_assert_eq(decide(catalog, &request, NOW), PT_SELECT_SNOOZED);
    cr_assert_eq(decide(catalog, &request, NOW + DAY), PT_SELECT_CHOSEN);
    pt_catalog_release(catalog);
}

Test(select, per_campaign_snooze_and_server_maximum)
{
    struct pt_catalog *catalog = one("\"snooze_days\":{\"later\":0.25,\"supporting\":3000}");
    struct pt_appeal_request request;
    reader(&request);
    snooze(&request, PT_SNOOZE_LATER, NOW - 6 * 3600 + 1);
    cr_assert_eq(decide(catalog, &request, NOW), PT_SELECT_SNOOZED, "6 hours");
    cr_assert_eq(decide(catalog, &request, NOW + 1), PT_SELECT_CHOSEN);

    reader(&request);
    snooze(&request, PT_SNOOZE_SUPPORTING, NOW - 500 * (int64_t)DAY);
    struct pt_selection selection;
    pt_select_appeal(catalog, &request, NOW, 400 * (int64_t)DAY, NULL, &selection);
    cr_assert_eq(selection.reason, PT_SELECT_CHOSEN, "capped at the server's 400 days");
    pt_select_appeal(catalog, &request, NOW, 600 * (int64_t)DAY, NULL, &selection);
    cr_assert_eq(selection.reason, PT_SELECT_SNOOZED);
    pt_catalog_release(catalog);
}

Test(select, a_snooze_from_the_future_counts_from_now)
{
    struct pt_catalog *catalog = one("");
    struct pt_appeal_request request;
    reader(&request);
    snooze(&request, PT_SNOOZE_LATER, NOW + 100 * (int64_t)DAY);
    cr_assert_eq(decide(catalog, &request, NOW), PT_SELECT_SNOOZED);
    cr_assert_eq(decide(catalog, &request, NOW + 3 * (int64_t)DAY), PT_SELECT_SNOOZED,
                 "now moves with the clock: still within 3 days of the (future) stamp");
    pt_catalog_release(catalog);
}

Test(select, a_snooze_hides_every_campaign)
{
    const char *documents[] = {campaign("spring", 2, ""), campaign("autumn", 1, "")};
    struct pt_catalog *catalog = build(documents, 2);
    struct pt_appeal_request request;
    reader(&request);
    snooze(&request, PT_SNOOZE_LATER, NOW - DAY);
    cr_assert_eq(decide(catalog, &request, NOW), PT_SELECT_SNOOZED);
    pt_catalog_release(catalog);
}

Test(select, priority_orders_campaigns_and_capped_falls_through)
{
    const char *documents[] = {campaign("low", 1, ""), campaign("high", 5, "")};
    struct pt_catalog *catalog = build(documents, 2);
    cr_assert_str_eq(catalog->campaigns[0].id, "high");
    struct pt_appeal_request request;
    reader(&request);
    struct pt_selection selection;
    pt_select_appeal(catalog, &request, NOW, 400 * (int64_t)DAY, NULL, &selection);
    cr_assert_str_eq(selection.campaign->id, "high");
    for (int i = 0; i < 4; i++)
        view(&request, "high", NOW - DAY);
    pt_select_appeal(catalog, &request, NOW, 400 * (int64_t)DAY, NULL, &selection);
    cr_assert_eq(selection.reason, PT_SELECT_CHOSEN);
    cr_assert_str_eq(selection.campaign->id, "low", "the next campaign wins when one is capped");
    pt_catalog_release(catalog);
}

Test(select, priority_ties_are_broken_by_id)
{
    const char *documents[] = {campaign("zebra", 3, ""), campaign("apple", 3, "")};
    struct pt_catalog *catalog = build(documents, 2);
    cr_assert_str_eq(catalog->campaigns[0].id, "apple");
    cr_assert_str_eq(catalog->campaigns[1].id, "zebra");
    pt_catalog_release(catalog);
}

Test(select, the_same_bucket_always_gets_the_same_variant)
{
    struct pt_catalog *catalog = one("");
    const struct pt_campaign *spring = &catalog->campaigns[0];
    for (uint32_t bucket = 0; bucket < 1000; bucket++) {
        const struct pt_variant *first = pt_select_variant(spring, bucket * 4294967u);
        for (int again = 0; again < 3; again++)
            cr_assert_eq(pt_select_variant(spring, bucket * 4294967u), first);
    }
    /* And it is a function of the bucket and the id alone: a second,
     * separately built catalogue agrees. */
    struct pt_catalog *other = one("");
    for (uint32_t bucket = 0; bucket < 1000; bucket++)
        cr_assert_str_eq(pt_select_variant(spring, bucket)->id,
                         pt_select_variant(&other->campaigns[0], bucket)->id);
    pt_catalog_release(other);
    pt_catalog_release(catalog);
}

Test(select, an_even_split_is_uniform_within_two_percent)
{
    struct pt_catalog *catalog = one("");
    const struct pt_campaign *spring = &catalog->campaigns[0];
    int a = 0;
    for (uint32_t bucket = 0; bucket < 100000; bucket++)
        a += strcmp(pt_select_variant(spring, bucket)->id, "a") == 0;
    cr_assert(a > 49000 && a < 51000, "variant a got %d of 100000", a);
    pt_catalog_release(catalog);
}

Test(select, weights_are_honoured)
{
    const char *documents[] = {
        "{\"id\":\"w\",\"status\":\"live\",\"languages\":[\"en\"],\"variants\":["
        "{\"id\":\"control\",\"weight\":1,\"text\":{\"en\":{}}},"
        "{\"id\":\"test\",\"weight\":3,\"text\":{\"en\":{}}}]}",
    };
    struct pt_catalog *catalog = build(documents, 1);
    int control = 0;
    for (uint32_t bucket = 0; bucket < 100000; bucket++)
        control += strcmp(pt_select_variant(&catalog->campaigns[0], bucket)->id, "control") == 0;
    cr_assert(control > 24000 && control < 26000, "control got %d of 100000", control);
    pt_catalog_release(catalog);
}

Test(select, different_tests_split_independently)
{
    const char *documents[] = {campaign("first", 1, ""), campaign("second", 2, "")};
    struct pt_catalog *catalog = build(documents, 2);
    int both_a = 0;
    for (uint32_t bucket = 0; bucket < 100000; bucket++) {
        bool first = strcmp(pt_select_variant(pt_catalog_find(catalog, "first"), bucket)->id,
                            "a") == 0;
        bool second = strcmp(pt_select_variant(pt_catalog_find(catalog, "second"), bucket)->id,
                             "a") == 0;
        both_a += first && second;
    }
    cr_assert(both_a > 24000 && both_a < 26000, "a in both: %d of 100000 (independent: 25000)",
              both_a);
    pt_catalog_release(catalog);
}

Test(select, bucket_extremes_are_valid)
{
    struct pt_catalog *catalog = one("");
    cr_assert_not_null(pt_select_variant(&catalog->campaigns[0], 0));
    cr_assert_not_null(pt_select_variant(&catalog->campaigns[0], UINT32_MAX));
    pt_catalog_release(catalog);
}

/* ------------------------------------------------------------- currency */

Test(select, the_eu_key_means_the_27_member_states_and_no_other)
{
    static const char *const members[] = {"AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES",
                                          "FI", "FR", "GR", "HR", "HU", "IE", "IT", "LT", "LU",
                                          "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"};
    size_t count = 0;
    char code[3] = "";
    for (char a = 'A'; a <= 'Z'; a++) {
        for (char b = 'A'; b <= 'Z'; b++) {
            code[0] = a;
            code[1] = b;
            bool member = false;
            for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++)
                member = member || strcmp(members[i], code) == 0;
            cr_assert_eq(pt_select_in_eu(code), member, "%s", code);
            count += member;
        }
    }
    cr_assert_eq(count, 27);
    cr_assert(pt_select_in_eu("FR-75"), "a region of a member state");
    cr_assert(!pt_select_in_eu("FRX"));
    cr_assert(!pt_select_in_eu("F"));
    cr_assert(!pt_select_in_eu(""));
    cr_assert(!pt_select_in_eu("EU"), "not a country");
}

Test(select, the_currency_follows_the_most_specific_key)
{
    struct pt_catalog *catalog = one("\"currency\":\"USD\",\"currencies\":{\"*\":\"USD\","
                                     "\"EU\":\"EUR\",\"US-CA\":\"CHF\",\"US\":\"GBP\","
                                     "\"IE\":\"GBP\"}");
    const struct pt_campaign *spring = &catalog->campaigns[0];
    static const struct {
        const char *country, *currency;
    } cases[] = {
        {"US-CA", "CHF"}, {"US-NY", "GBP"}, {"US", "GBP"}, {"IE", "GBP"}, {"IE-D", "GBP"},
        {"DE", "EUR"},    {"DE-BY", "EUR"}, {"GB", "USD"}, {"CH", "USD"}, {"", "USD"},
        {"U", "USD"},     {"*", "USD"},     {"EU", "EUR"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        cr_assert_str_eq(pt_select_currency(spring, cases[i].country), cases[i].currency, "%s",
                         cases[i].country);

    /* The selection carries the text in that currency, in the reader's language. */
    struct pt_appeal_request request;
    reader(&request);
    strcpy(request.language, "ru");
    strcpy(request.country, "US-CA");
    struct pt_selection selection;
    pt_select_appeal(catalog, &request, NOW, 400 * 86400, NULL, &selection);
    cr_assert_eq(selection.reason, PT_SELECT_CHOSEN);
    cr_assert_str_eq(selection.text->language, "ru");
    cr_assert_str_eq(selection.text->currency, "CHF");
    pt_catalog_release(catalog);

    struct pt_catalog *plain = one("\"currency\":\"JPY\"");
    cr_assert_str_eq(pt_select_currency(&plain->campaigns[0], "GB"), "JPY");
    pt_catalog_release(plain);
}
