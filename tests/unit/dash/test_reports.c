/* The reports' aggregation, fed hand-made rows whose totals are worked out
 * by hand in the comments. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "patron/reports.h"
#include "patron/request.h"
#include "scratch.h"

static int32_t day(const char *text)
{
    int32_t value = 0;
    cr_assert_eq(pt_reports_parse_day(text, &value), PT_OK, "%s", text);
    return value;
}

static int64_t at(const char *date, int hour)
{
    return (int64_t)day(date) * 86400 + hour * 3600;
}

/* ---------------------------------------------------------------- days */

Test(reports, dates_are_parsed_strictly_and_formatted_back)
{
    cr_assert_eq(day("1970-01-01"), 0);
    cr_assert_eq(day("2024-02-29"), 19782);
    cr_assert_eq(day("2026-03-01") - day("2026-02-28"), 1);
    const char *bad[] = {"2026-02-29", "2026-04-31", "2026-13-01", "2026-00-10", "2026-1-01",
                         "2026-01-1",  "1969-12-31", "26-01-01",   "2026/01/01", "2026-01-01 ",
                         "",           "abcd-ef-gh", "+026-01-01", "2026-01-0a"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int32_t value = -7;
        cr_assert_eq(pt_reports_parse_day(bad[i], &value), PT_ERR_INVALID, "%s", bad[i]);
        cr_assert_eq(value, -7, "untouched on failure");
    }
    int32_t unused;
    cr_assert_eq(pt_reports_parse_day(NULL, &unused), PT_ERR_INVALID);
    char text[11];
    pt_events_format_day(19782, text);
    cr_assert_str_eq(text, "2024-02-29");
    pt_events_format_day(day("9999-12-31"), text);
    cr_assert_str_eq(text, "9999-12-31");
}

Test(reports, a_query_must_be_a_forward_period_of_at_most_ten_years)
{
    struct pt_reports_query query = {day("2026-01-01"), day("2026-01-31"), NULL, "USD"};
    cr_assert_eq(pt_reports_query_check(&query), PT_OK);
    query.to_day = query.from_day;
    cr_assert_eq(pt_reports_query_check(&query), PT_OK, "one day");
    query.to_day = query.from_day - 1;
    cr_assert_eq(pt_reports_query_check(&query), PT_ERR_INVALID, "backwards");
    query.to_day = query.from_day + PT_REPORTS_MAX_DAYS - 1;
    cr_assert_eq(pt_reports_query_check(&query), PT_OK);
    query.to_day++;
    cr_assert_eq(pt_reports_query_check(&query), PT_ERR_INVALID, "too long");
    query.from_day = -1;
    query.to_day = 5;
    cr_assert_eq(pt_reports_query_check(&query), PT_ERR_INVALID, "before 1970");
}

/* ---------------------------------------------------------------- funnel */

static struct pt_report_pledge pledge(const char *campaign, const char *variant, int64_t created,
                                      bool active, int64_t revenue, const char *currency)
{
    struct pt_report_pledge row;
    memset(&row, 0, sizeof(row));
    snprintf(row.campaign, sizeof(row.campaign), "%s", campaign);
    snprintf(row.variant, sizeof(row.variant), "%s", variant);
    snprintf(row.currency, sizeof(row.currency), "%s", currency);
    snprintf(row.status, sizeof(row.status), "%s", active ? "active" : "pending");
    row.created_at = created;
    row.became_active = active;
    row.first_month_revenue = revenue;
    row.amount_minor = revenue > 0 ? revenue : 100;
    return row;
}

/* Days 100 to 102: spring/a and spring/b, autumn/x; noise around them. */
static void fill_funnel(struct pt_reports_funnel *funnel, const struct pt_reports_query *query)
{
    const struct pt_event_count counts[] = {
        {100, "spring", "a", PT_EVENT_IMPRESSION, 600},
        {101, "spring", "a", PT_EVENT_IMPRESSION, 400},
        {100, "spring", "a", PT_EVENT_CLICK, 50},
        {100, "spring", "a", PT_EVENT_SNOOZE_LATER, 10},
        {100, "spring", "a", PT_EVENT_SNOOZE_CLOSE, 5},
        {100, "spring", "a", PT_EVENT_SNOOZE_SUPPORTING, 2},
        {101, "spring", "a", PT_EVENT_REMINDER_SIGNUP, 3},
        {101, "spring", "a", PT_EVENT_PLEDGE_PENDING, 8},
        {100, "spring", "b", PT_EVENT_IMPRESSION, 2000},
        {100, "spring", "b", PT_EVENT_CLICK, 40},
        {102, "autumn", "x", PT_EVENT_IMPRESSION, 500},
        {99, "spring", "a", PT_EVENT_IMPRESSION, 999},  /* the day before */
        {103, "spring", "a", PT_EVENT_IMPRESSION, 999}, /* the day after */
    };
    for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
        pt_reports_funnel_add_count(funnel, query, &counts[i]);
    const struct pt_report_pledge pledges[] = {
        pledge("spring", "a", 100 * 86400 + 5, true, 500, "USD"),
        pledge("spring", "a", 101 * 86400 + 5, true, 1500, "USD"),
        pledge("spring", "a", 101 * 86400 + 9, false, 0, "USD"), /* never paid */
        pledge("spring", "b", 102 * 86400 + 5, true, 700, "EUR"),
        pledge("spring", "a", 103 * 86400 + 5, true, 900, "USD"), /* after the period */
    };
    for (size_t i = 0; i < sizeof(pledges) / sizeof(pledges[0]); i++)
        pt_reports_funnel_add_pledge(funnel, query, &pledges[i]);
}

static const struct pt_reports_funnel_row *row_of(const struct pt_reports_funnel *funnel,
                                                  const char *campaign, const char *variant)
{
    for (size_t i = 0; i < funnel->count; i++) {
        if (strcmp(funnel->rows[i].campaign, campaign) == 0 &&
            strcmp(funnel->rows[i].variant, variant) == 0)
            return &funnel->rows[i];
    }
    cr_assert_fail("no row %s/%s", campaign, variant);
    return NULL;
}

Test(reports, the_funnel_adds_up_each_step_per_campaign_and_variant)
{
    struct pt_reports_query query = {100, 102, "", "USD"};
    struct pt_reports_funnel funnel;
    pt_reports_funnel_init(&funnel);
    fill_funnel(&funnel, &query);
    pt_reports_funnel_sort(&funnel, NULL);
    cr_assert_eq(funnel.count, 3);
    cr_assert_str_eq(funnel.rows[0].campaign, "autumn", "by campaign, then variant");
    cr_assert_str_eq(funnel.rows[1].variant, "a");
    cr_assert_str_eq(funnel.rows[2].variant, "b");

    const struct pt_reports_funnel_row *a = row_of(&funnel, "spring", "a");
    cr_assert_eq(a->events[PT_EVENT_IMPRESSION], 1000, "600 + 400, not the days outside");
    cr_assert_eq(a->events[PT_EVENT_CLICK], 50);
    cr_assert_eq(a->events[PT_EVENT_SNOOZE_LATER], 10);
    cr_assert_eq(a->events[PT_EVENT_SNOOZE_CLOSE], 5);
    cr_assert_eq(a->events[PT_EVENT_SNOOZE_SUPPORTING], 2);
    cr_assert_eq(a->events[PT_EVENT_REMINDER_SIGNUP], 3);
    cr_assert_eq(a->events[PT_EVENT_PLEDGE_PENDING], 8);
    cr_assert_eq(a->pledges, 2, "the unpaid one and the one after the period are not");
    cr_assert_eq(a->revenue_minor, 2000);
    cr_assert_float_eq(a->revenue_squares, 500.0 * 500 + 1500.0 * 1500, 1e-9);
    int64_t rpm = -1;
    cr_assert(pt_reports_rpm(a->revenue_minor, a->events[PT_EVENT_IMPRESSION], &rpm));
    cr_assert_eq(rpm, 2000, "2000 cents per 1000 impressions: $20.00");

    const struct pt_reports_funnel_row *b = row_of(&funnel, "spring", "b");
    cr_assert_eq(b->events[PT_EVENT_IMPRESSION], 2000);
    cr_assert_eq(b->pledges, 1, "a pledge in euros is a pledge ...");
    cr_assert_eq(b->revenue_minor, 0, "... whose money is not added to dollars");
    cr_assert_eq(b->other_currency, 1);

    struct pt_reports_funnel_row total;
    pt_reports_funnel_total(&funnel, &total);
    cr_assert_eq(total.events[PT_EVENT_IMPRESSION], 3500);
    cr_assert_eq(total.events[PT_EVENT_CLICK], 90);
    cr_assert_eq(total.pledges, 3);
    cr_assert_eq(total.revenue_minor, 2000);
    cr_assert(pt_reports_rpm(total.revenue_minor, total.events[PT_EVENT_IMPRESSION], &rpm));
    cr_assert_eq(rpm, 571, "2000 * 1000 / 3500 = 571.43");
    double conversion = 0;
    cr_assert(pt_reports_conversion(total.pledges, total.events[PT_EVENT_IMPRESSION],
                                    &conversion));
    cr_assert_float_eq(conversion, 3.0 / 3500, 1e-12);
    pt_reports_funnel_dispose(&funnel);
}

Test(reports, no_impressions_means_no_rpm_and_no_conversion)
{
    int64_t rpm = -1;
    cr_assert_not(pt_reports_rpm(1500, 0, &rpm));
    cr_assert_eq(rpm, 0);
    cr_assert_not(pt_reports_rpm(1500, -3, &rpm));
    cr_assert(pt_reports_rpm(1, 3, &rpm));
    cr_assert_eq(rpm, 333, "rounded to the nearest");
    cr_assert(pt_reports_rpm(2, 3, &rpm));
    cr_assert_eq(rpm, 667);
    double conversion = -1;
    cr_assert_not(pt_reports_conversion(4, 0, &conversion));
    cr_assert_eq(conversion, 0);
}

Test(reports, a_campaign_filter_keeps_only_that_campaign)
{
    struct pt_reports_query query = {100, 102, "autumn", "USD"};
    struct pt_reports_funnel funnel;
    pt_reports_funnel_init(&funnel);
    fill_funnel(&funnel, &query);
    cr_assert_eq(funnel.count, 1);
    cr_assert_eq(funnel.rows[0].events[PT_EVENT_IMPRESSION], 500);
    cr_assert_eq(funnel.rows[0].pledges, 0);
    pt_reports_funnel_dispose(&funnel);
}

Test(reports, counts_that_cannot_be_are_ignored)
{
    struct pt_reports_query query = {100, 102, NULL, "USD"};
    struct pt_reports_funnel funnel;
    pt_reports_funnel_init(&funnel);
    const struct pt_event_count odd[] = {
        {100, "spring", "a", PT_EVENT_KINDS, 5},
        {100, "spring", "a", (enum pt_event_kind)-1, 5},
        {100, "spring", "a", PT_EVENT_CLICK, -5},
    };
    for (size_t i = 0; i < 3; i++)
        pt_reports_funnel_add_count(&funnel, &query, &odd[i]);
    cr_assert_eq(funnel.count, 0);
    pt_reports_funnel_dispose(&funnel);
}

/* ---------------------------------------------------------------- verdicts */

static struct pt_catalog *spring_catalog(void)
{
    /* The control is the first variant in the document: "b", not "a". */
    const char *documents[] = {
        "{\"id\":\"spring\",\"languages\":[\"en\"],\"variants\":["
        "{\"id\":\"b\",\"text\":{\"en\":{}}},{\"id\":\"a\",\"text\":{\"en\":{}}},"
        "{\"id\":\"c\",\"text\":{\"en\":{}}}]}",
    };
    static const struct pt_catalog_settings settings = {"https://support.example.org", "USD",
                                                        "'self'", false, NULL, NULL};
    struct pt_catalog *catalog = NULL;
    char error[256];
    cr_assert_eq(pt_catalog_build(documents, 1, &settings, 1, &catalog, error, sizeof(error)),
                 PT_OK, "%s", error);
    return catalog;
}

static void set_row(struct pt_reports_funnel_row *row, const char *campaign, const char *variant,
                    int64_t impressions, int64_t pledges, int64_t revenue, double squares)
{
    memset(row, 0, sizeof(*row));
    snprintf(row->campaign, sizeof(row->campaign), "%s", campaign);
    snprintf(row->variant, sizeof(row->variant), "%s", variant);
    row->events[PT_EVENT_IMPRESSION] = impressions;
    row->pledges = pledges;
    row->revenue_minor = revenue;
    row->revenue_squares = squares;
}

Test(reports, the_funnel_follows_the_document_s_order_of_variants)
{
    struct pt_catalog *catalog = spring_catalog();
    struct pt_reports_query query = {100, 102, "", "USD"};
    struct pt_reports_funnel funnel;
    pt_reports_funnel_init(&funnel);
    fill_funnel(&funnel, &query);
    const struct pt_event_count unknown = {100, "spring", "zz", PT_EVENT_IMPRESSION, 1};
    pt_reports_funnel_add_count(&funnel, &query, &unknown);
    pt_reports_funnel_sort(&funnel, catalog);
    cr_assert_eq(funnel.count, 4);
    cr_assert_str_eq(funnel.rows[0].campaign, "autumn");
    cr_assert_str_eq(funnel.rows[1].variant, "b", "the control first");
    cr_assert_str_eq(funnel.rows[2].variant, "a");
    cr_assert_str_eq(funnel.rows[3].variant, "zz", "what the document lacks comes last");
    pt_reports_funnel_dispose(&funnel);
    pt_catalog_release(catalog);
}

Test(reports, each_variant_is_compared_with_the_first_in_its_document)
{
    struct pt_catalog *catalog = spring_catalog();
    struct pt_reports_funnel_row rows[5];
    /* Control b: 10,000 impressions, 200 pledges of 500 (2%).
     * Variant a: 10,000 impressions, 300 pledges of 500 (3%).
     * Conversion, by hand (docs/STATISTICS.md): d = 0.01;
     * V = (0.02 * 0.98 + 0.03 * 0.97) / 10,000 = 4.87e-6; tau^2 = 7.93615 V;
     * radius = sqrt(V * 8.93615 / 7.93615 * (ln 8.93615 + 2 ln 20))
     *        = sqrt(5.48369e-6 * (2.19010 + 5.99146)) = 0.0066982,
     * so the interval is +0.0033 to +0.0167: ahead. */
    set_row(&rows[0], "spring", "b", 10000, 200, 200 * 500, 200 * 500.0 * 500);
    set_row(&rows[1], "spring", "a", 10000, 300, 300 * 500, 300 * 500.0 * 500);
    set_row(&rows[2], "spring", "c", 50, 60, 0, 0);  /* more pledges than impressions */
    set_row(&rows[3], "gone", "x", 5000, 10, 0, 0);  /* no longer in the catalogue */
    set_row(&rows[4], "", "", 0, 4, 100, 2500);      /* pledges without a campaign */
    struct pt_reports_funnel funnel = {rows, 5, 5};
    struct pt_stats_params params;
    pt_stats_params_init(&params);
    struct pt_reports_verdict *verdicts = NULL;
    size_t count = 0;
    pt_reports_verdicts(&funnel, catalog, &params, &verdicts, &count);
    cr_assert_eq(count, 3, "a, c and x; not the control, not the row without a campaign");

    struct pt_reports_verdict *a = &verdicts[0];
    cr_assert_str_eq(a->variant, "a");
    cr_assert_str_eq(a->control, "b");
    cr_assert_eq(a->state, PT_REPORTS_COMPARED);
    cr_assert_eq(a->control_arm.impressions, 10000);
    cr_assert_eq(a->control_arm.conversions, 200);
    cr_assert_eq(a->variant_arm.revenue, 150000);
    cr_assert_float_eq(a->comparison.conversion.estimate, 0.01, 1e-12);
    cr_assert_float_eq(a->comparison.conversion.lower, 0.01 - 0.0066982, 2e-6);
    cr_assert_float_eq(a->comparison.conversion.upper, 0.01 + 0.0066982, 2e-6);
    cr_assert_eq(a->comparison.conversion.verdict, PT_STATS_AHEAD);
    cr_assert_str_eq(pt_stats_verdict_name(a->comparison.conversion.verdict), "ahead");
    struct pt_stats_comparison direct;
    cr_assert_eq(pt_stats_compare(&params, &a->control_arm, &a->variant_arm, &direct), PT_OK);
    cr_assert_float_eq(a->comparison.revenue.lower, direct.revenue.lower, 1e-12);

    cr_assert_str_eq(verdicts[1].variant, "c");
    cr_assert_eq(verdicts[1].state, PT_REPORTS_IMPOSSIBLE);
    cr_assert_eq(verdicts[1].comparison.conversion.verdict, PT_STATS_NOT_YET_KNOWN);
    cr_assert_str_eq(verdicts[2].campaign, "gone");
    cr_assert_eq(verdicts[2].state, PT_REPORTS_NO_CONTROL);
    cr_assert_str_eq(verdicts[2].control, "");
    free(verdicts);
    pt_catalog_release(catalog);
}

Test(reports, a_control_without_data_is_an_empty_arm)
{
    struct pt_catalog *catalog = spring_catalog();
    struct pt_reports_funnel_row rows[1];
    set_row(&rows[0], "spring", "a", 400, 3, 1500, 3 * 500.0 * 500);
    struct pt_reports_funnel funnel = {rows, 1, 1};
    struct pt_stats_params params;
    pt_stats_params_init(&params);
    struct pt_reports_verdict *verdicts = NULL;
    size_t count = 0;
    pt_reports_verdicts(&funnel, catalog, &params, &verdicts, &count);
    cr_assert_eq(count, 1);
    cr_assert_eq(verdicts[0].state, PT_REPORTS_COMPARED);
    cr_assert_eq(verdicts[0].control_arm.impressions, 0);
    cr_assert_not(verdicts[0].comparison.conversion.enough_data);
    cr_assert_str_eq(pt_stats_verdict_name(verdicts[0].comparison.conversion.verdict),
                     "not yet known");
    free(verdicts);

    struct pt_reports_funnel empty = {NULL, 0, 0};
    pt_reports_verdicts(&empty, catalog, &params, &verdicts, &count);
    cr_assert_eq(count, 0);
    cr_assert_null(verdicts);
    pt_catalog_release(catalog);
}

/* ---------------------------------------------------------------- supporters */

struct change {
    const char *pledge;
    const char *campaign;
    const char *currency;
    enum pt_frequency frequency;
    const char *date;
    const char *status;
    int64_t amount;
};

static void feed(struct pt_reports_supporters *supporters, const struct change *changes,
                 size_t count)
{
    for (size_t i = 0; i < count; i++) {
        struct pt_report_history row = {
            .pledge_id = changes[i].pledge,
            .campaign = changes[i].campaign,
            .currency = changes[i].currency,
            .frequency = changes[i].frequency,
            .at = at(changes[i].date, 12),
            .status = changes[i].status,
            .amount_minor = changes[i].amount,
        };
        pt_reports_supporters_add(supporters, &row);
    }
    pt_reports_supporters_finish(supporters);
}

/* By pledge, then time, as the store gives them. */
static const struct change story[] = {
    /* A: monthly 5.00 since December; cancels 10 February; back 5 March. */
    {"A", "spring", "USD", PT_FREQUENCY_MONTHLY, "2025-12-20", "pending", 500},
    {"A", "spring", "USD", PT_FREQUENCY_MONTHLY, "2025-12-20", "active", 500},
    {"A", "spring", "USD", PT_FREQUENCY_MONTHLY, "2026-02-10", "cancelled", 500},
    {"A", "spring", "USD", PT_FREQUENCY_MONTHLY, "2026-03-05", "active", 500},
    /* B: annual 120.00 from 20 January. */
    {"B", "spring", "USD", PT_FREQUENCY_ANNUAL, "2026-01-20", "pending", 12000},
    {"B", "spring", "USD", PT_FREQUENCY_ANNUAL, "2026-01-20", "active", 12000},
    /* C: monthly 10.00 from 2 February, past due from 20 February. */
    {"C", "spring", "USD", PT_FREQUENCY_MONTHLY, "2026-02-01", "pending", 1000},
    {"C", "spring", "USD", PT_FREQUENCY_MONTHLY, "2026-02-02", "active", 1000},
    {"C", "spring", "USD", PT_FREQUENCY_MONTHLY, "2026-02-20", "past_due", 1000},
    /* D: a checkout abandoned: pending, then cancelled. Never a supporter. */
    {"D", "spring", "USD", PT_FREQUENCY_MONTHLY, "2026-01-05", "pending", 300},
    {"D", "spring", "USD", PT_FREQUENCY_MONTHLY, "2026-01-06", "cancelled", 300},
    /* E: a one-off gift is not a supporter. */
    {"E", "spring", "USD", PT_FREQUENCY_ONE_OFF, "2026-01-10", "pending", 5000},
    {"E", "spring", "USD", PT_FREQUENCY_ONE_OFF, "2026-01-10", "completed", 5000},
    /* F: active 3 January, paused 25 January, cancelled 15 February. */
    {"F", "spring", "USD", PT_FREQUENCY_MONTHLY, "2026-01-03", "active", 800},
    {"F", "spring", "USD", PT_FREQUENCY_MONTHLY, "2026-01-25", "paused", 800},
    {"F", "spring", "USD", PT_FREQUENCY_MONTHLY, "2026-02-15", "cancelled", 800},
    /* G: monthly 2.00 in euros since December. */
    {"G", "spring", "EUR", PT_FREQUENCY_MONTHLY, "2025-12-01", "active", 200},
    /* H: monthly 4.00 from autumn's appeal, from 2 January. */
    {"H", "autumn", "USD", PT_FREQUENCY_MONTHLY, "2026-01-02", "active", 400},
};

static void check_month(const struct pt_reports_month *month, int number, int64_t at_start,
                        int64_t fresh, int64_t cancelled, int64_t at_end, int64_t mrr)
{
    cr_assert_eq(month->month, number);
    cr_assert_eq(month->active_at_start, at_start, "month %d: active at start", number);
    cr_assert_eq(month->new_supporters, fresh, "month %d: new", number);
    cr_assert_eq(month->cancelled, cancelled, "month %d: cancelled", number);
    cr_assert_eq(month->active_at_end, at_end, "month %d: active at end", number);
    cr_assert_eq(month->mrr_minor, mrr, "month %d: MRR", number);
}

Test(reports, supporters_by_month_with_a_pledge_cancelled_and_back)
{
    struct pt_reports_query query = {day("2026-01-15"), day("2026-03-10"), NULL, "USD"};
    struct pt_reports_supporters supporters;
    pt_reports_supporters_init(&supporters, &query);
    cr_assert_eq(supporters.count, 3, "January, February, March");
    cr_assert_eq(supporters.months[0].start, at("2026-01-01", 0), "whole months");
    cr_assert_eq(supporters.months[2].end, at("2026-03-11", 0), "March up to the period's end");
    feed(&supporters, story, sizeof(story) / sizeof(story[0]));

    /* January: A and G at the start; B, F, H new; F paused by the end;
     * MRR = 5.00 (A) + 120.00 / 12 (B) + 4.00 (H) = 19.00; G is in euros. */
    check_month(&supporters.months[0], 1, 2, 3, 0, 4, 1900);
    cr_assert_eq(supporters.months[0].other_currency, 1);
    double churn = -1;
    cr_assert(pt_reports_churn(&supporters.months[0], &churn));
    cr_assert_float_eq(churn, 0.0, 1e-12);
    /* February: A, B, G, H at the start; C new; A and F (paused) cancel;
     * C past due still counts: MRR = 10.00 (B) + 10.00 (C) + 4.00 (H). */
    check_month(&supporters.months[1], 2, 4, 1, 2, 4, 2400);
    cr_assert(pt_reports_churn(&supporters.months[1], &churn));
    cr_assert_float_eq(churn, 0.5, 1e-12, "2 cancelled of 4 at the start");
    /* March: A comes back, which is not new; MRR 24.00 + 5.00. */
    check_month(&supporters.months[2], 3, 4, 0, 0, 5, 2900);
    pt_reports_supporters_dispose(&supporters);
}

Test(reports, churn_with_no_one_at_the_start_is_not_a_number)
{
    struct pt_reports_query query = {day("2026-01-01"), day("2026-01-31"), "autumn", "USD"};
    struct pt_reports_supporters supporters;
    pt_reports_supporters_init(&supporters, &query);
    feed(&supporters, story, sizeof(story) / sizeof(story[0]));
    cr_assert_eq(supporters.count, 1);
    check_month(&supporters.months[0], 1, 0, 1, 0, 1, 400);
    double churn = -1;
    cr_assert_not(pt_reports_churn(&supporters.months[0], &churn));
    cr_assert_eq(churn, 0);
    pt_reports_supporters_dispose(&supporters);
}

Test(reports, annual_pledges_count_a_twelfth_rounded_once_at_the_end)
{
    /* 10.00 + 0.06 a year: 1006 / 12 = 83.83 -> 84, where rounding each
     * twelfth first (83 + 1 = 84 here, but 83 + 0 had it been 0.05) drifts. */
    const struct change annual[] = {
        {"P", "spring", "USD", PT_FREQUENCY_ANNUAL, "2026-01-02", "active", 1000},
        {"Q", "spring", "USD", PT_FREQUENCY_ANNUAL, "2026-01-02", "active", 6},
        {"R", "spring", "USD", PT_FREQUENCY_ANNUAL, "2026-02-02", "active", 6},
        {"R", "spring", "USD", PT_FREQUENCY_ANNUAL, "2026-02-20", "paused", 6},
    };
    struct pt_reports_query query = {day("2026-01-01"), day("2026-02-28"), NULL, "USD"};
    struct pt_reports_supporters supporters;
    pt_reports_supporters_init(&supporters, &query);
    feed(&supporters, annual, 4);
    cr_assert_eq(supporters.months[0].mrr_twelfths, 1006);
    cr_assert_eq(supporters.months[0].mrr_minor, 84);
    cr_assert_eq(supporters.months[1].mrr_minor, 84, "paused pays nothing");
    cr_assert_eq(supporters.months[1].new_supporters, 1);
    cr_assert_eq(supporters.months[1].active_at_end, 2);
    pt_reports_supporters_dispose(&supporters);
}

Test(reports, a_bad_query_makes_no_months_and_rows_are_ignored)
{
    struct pt_reports_query query = {10, 5, NULL, "USD"};
    struct pt_reports_supporters supporters;
    pt_reports_supporters_init(&supporters, &query);
    cr_assert_eq(supporters.count, 0);
    feed(&supporters, story, 3);
    pt_reports_supporters_dispose(&supporters);
    struct pt_reports_days days;
    pt_reports_days_init(&days, &query);
    cr_assert_eq(days.count, 0);
    const struct pt_event_count count = {7, "spring", "a", PT_EVENT_IMPRESSION, 5};
    pt_reports_days_add_count(&days, &query, &count);
    pt_reports_days_dispose(&days);
}

/* ---------------------------------------------------------------- daily */

Test(reports, daily_series_count_impressions_pledges_and_money_received)
{
    struct pt_reports_query query = {100, 102, "spring", "USD"};
    struct pt_reports_days days;
    pt_reports_days_init(&days, &query);
    cr_assert_eq(days.count, 3);
    const struct pt_event_count counts[] = {
        {100, "spring", "a", PT_EVENT_IMPRESSION, 600},
        {100, "spring", "b", PT_EVENT_IMPRESSION, 400},
        {100, "spring", "a", PT_EVENT_CLICK, 50},
        {101, "autumn", "x", PT_EVENT_IMPRESSION, 70},
        {103, "spring", "a", PT_EVENT_IMPRESSION, 70},
    };
    for (size_t i = 0; i < 5; i++)
        pt_reports_days_add_count(&days, &query, &counts[i]);
    const struct pt_report_pledge pledges[] = {
        pledge("spring", "a", 100 * 86400 + 5, true, 500, "USD"),
        pledge("spring", "a", 100 * 86400 + 6, false, 0, "USD"),
        pledge("autumn", "x", 100 * 86400 + 7, true, 500, "USD"),
    };
    for (size_t i = 0; i < 3; i++)
        pt_reports_days_add_pledge(&days, &query, &pledges[i]);
    const struct pt_report_payment payments[] = {
        {"spring", 500, "USD", 100 * 86400 + 5, "stripe"},
        {"spring", 700, "USD", 102 * 86400 + 86399, "stripe"},
        {"spring", 900, "EUR", 102 * 86400, "mollie"},
        {"autumn", 900, "USD", 102 * 86400, "stripe"},
        {"spring", 900, "USD", 103 * 86400, "stripe"},
    };
    for (size_t i = 0; i < 5; i++)
        pt_reports_days_add_payment(&days, &query, &payments[i]);
    cr_assert_eq(days.days[0].day, 100);
    cr_assert_eq(days.days[0].impressions, 1000);
    cr_assert_eq(days.days[0].pledges, 1);
    cr_assert_eq(days.days[0].revenue_minor, 500);
    cr_assert_eq(days.days[1].impressions, 0, "autumn is not asked for");
    cr_assert_eq(days.days[2].day, 102);
    cr_assert_eq(days.days[2].revenue_minor, 700, "the last second of the day; no euros");
    double conversion = 0;
    cr_assert(pt_reports_conversion(days.days[0].pledges, days.days[0].impressions, &conversion));
    cr_assert_float_eq(conversion, 0.001, 1e-12);
    cr_assert_not(pt_reports_conversion(days.days[1].pledges, days.days[1].impressions,
                                        &conversion));
    pt_reports_days_dispose(&days);
}

Test(reports, the_books_add_up_by_processor_and_currency_with_what_came_back)
{
    struct pt_reports_query query = {.from_day = 100, .to_day = 103, .currency = "USD"};
    struct pt_reports_processors processors = {0};
    const struct pt_report_payment payments[] = {
        {"spring", 500, "USD", 100 * 86400, "stripe"}, {"spring", 500, "EUR", 100 * 86400, "mollie"},
        {"spring", 700, "EUR", 101 * 86400, "mollie"}, {"spring", -500, "EUR", 102 * 86400, "mollie"},
        {"spring", 300, "USD", 102 * 86400, "stripe"}, {"", 200, "EUR", 102 * 86400, "mollie"},
    };
    for (size_t i = 0; i < 6; i++)
        pt_reports_processors_add(&processors, &query, &payments[i]);
    cr_assert_eq(processors.count, 2, "stripe in USD, mollie in EUR");
    cr_assert_str_eq(processors.rows[0].processor, "stripe");
    cr_assert_eq(processors.rows[0].payments, 2);
    cr_assert_eq(processors.rows[0].received_minor, 800);
    cr_assert_str_eq(processors.rows[1].processor, "mollie");
    cr_assert_str_eq(processors.rows[1].currency, "EUR", "each currency in its own, not only the asked one");
    cr_assert_eq(processors.rows[1].payments, 3);
    cr_assert_eq(processors.rows[1].received_minor, 1400);
    cr_assert_eq(processors.rows[1].reversed_minor, 500);
    struct pt_reports_query spring = query;
    spring.campaign = "spring";
    struct pt_reports_processors only = {0};
    for (size_t i = 0; i < 6; i++)
        pt_reports_processors_add(&only, &spring, &payments[i]);
    cr_assert_eq(only.rows[1].payments, 2, "a campaign asked for leaves out the others' payments");
}

/* ---------------------------------------------------------------- events */

Test(reports, pages_cannot_post_the_kinds_the_server_counts)
{
    cr_assert_str_eq(pt_event_kind_name(PT_EVENT_REMINDER_SIGNUP), "reminder_signup");
    cr_assert_str_eq(pt_event_kind_name(PT_EVENT_REFUSED), "refused");
    const char *names[] = {"reminder_signup", "refused"};
    for (size_t i = 0; i < 2; i++) {
        enum pt_event_kind kind;
        cr_assert(pt_event_kind_parse(names[i], &kind));
        struct pt_event_input events[PT_EVENTS_PER_REQUEST_MAX];
        size_t count = 0;
        char error[256], body[200];
        snprintf(body, sizeof(body),
                 "{\"events\":[{\"kind\":\"%s\",\"campaign\":\"c\",\"variant\":\"a\"}]}",
                 names[i]);
        cr_assert_eq(pt_request_parse_events(body, strlen(body), events, &count, error,
                                             sizeof(error)),
                     PT_ERR_INVALID, "%s", names[i]);
    }
}

Test(reports, refused_bursts_are_shown_per_variant_and_per_day)
{
    struct pt_reports_query query = {100, 102, NULL, "USD"};
    struct pt_reports_funnel funnel;
    pt_reports_funnel_init(&funnel);
    struct pt_reports_days days;
    pt_reports_days_init(&days, &query);
    const struct pt_event_count counts[] = {
        {100, "spring", "a", PT_EVENT_IMPRESSION, 40},
        {101, "spring", "a", PT_EVENT_REFUSED, 6300},
        {101, "spring", "b", PT_EVENT_IMPRESSION, 30},
    };
    for (size_t i = 0; i < 3; i++) {
        pt_reports_funnel_add_count(&funnel, &query, &counts[i]);
        pt_reports_days_add_count(&days, &query, &counts[i]);
    }
    const struct pt_reports_funnel_row *a = pt_reports_funnel_find(&funnel, "spring", "a");
    cr_assert_not_null(a);
    cr_assert_eq(a->events[PT_EVENT_IMPRESSION], 40, "refused events are not impressions");
    cr_assert_eq(a->events[PT_EVENT_REFUSED], 6300);
    cr_assert_eq(pt_reports_funnel_find(&funnel, "spring", "b")->events[PT_EVENT_REFUSED], 0);
    cr_assert_eq(days.days[1].refused, 6300);
    cr_assert_eq(days.days[1].impressions, 30);
    cr_assert_eq(days.days[0].refused, 0);
    pt_reports_days_dispose(&days);
    pt_reports_funnel_dispose(&funnel);
}

/* ---------------------------------------------------------------- pages */

#include <stdlib.h>
#include <unistd.h>

#include "patron/dash_reports.h"

/* spring/b is the control: 1,000 impressions; a: 1,000 and two pledges of
 * 5.00 (one paid twice within its month: 10.00), made on day 100. */
static void fill_database(struct pt_store *store)
{
    const struct pt_event_count counts[] = {
        {100, "spring", "a", PT_EVENT_IMPRESSION, 1000},
        {100, "spring", "b", PT_EVENT_IMPRESSION, 1000},
        {101, "spring", "a", PT_EVENT_CLICK, 12},
    };
    cr_assert_eq(pt_store_counts_add(store, counts, 3), PT_OK);
    const char *ids[] = {"p1", "p2"};
    for (int i = 0; i < 2; i++) {
        struct pt_pledge pledge = {
            .status = "pending",
            .frequency = PT_FREQUENCY_MONTHLY,
            .amount_minor = 500,
            .currency = "USD",
            .campaign = "spring",
            .variant = "a",
            .language = "en",
            .created_at = 100 * 86400 + 60,
        };
        snprintf(pledge.id, sizeof(pledge.id), "%s", ids[i]);
        cr_assert_eq(pt_store_pledge_add(store, &pledge), PT_OK);
        char payment[16];
        snprintf(payment, sizeof(payment), "in_%d", i);
        struct pt_ledger_change change = {.pledge_id = ids[i], .status = "active",
                                          .payment_id = payment, .payment_amount = 500,
                                          .now = 100 * 86400 + 120, .note = "test"};
        struct pt_ledger_result result;
        cr_assert_eq(pt_store_ledger_apply(store, &change, &result), PT_OK);
    }
    struct pt_ledger_change again = {.pledge_id = "p1", .payment_id = "in_again",
                                     .payment_amount = 500, .now = 102 * 86400, .note = "test"};
    struct pt_ledger_result result;
    cr_assert_eq(pt_store_ledger_apply(store, &again, &result), PT_OK);
}

static char *render(const struct pt_dash_reports_form *form, struct pt_store *store,
                    const struct pt_catalog *catalog)
{
    struct pt_stats_params params;
    pt_stats_params_init(&params);
    struct pt_reports reports;
    bool loaded = form->error == NULL;
    if (loaded)
        cr_assert_eq(pt_reports_load(store, &form->query, catalog, &reports), PT_OK);
    struct pt_buf out;
    pt_buf_init(&out);
    pt_dash_reports_render(&out, form, loaded ? &reports : NULL, catalog, &params);
    if (loaded)
        pt_reports_dispose(&reports);
    return pt_buf_take(&out, NULL);
}

static int occurrences(const char *text, const char *needle)
{
    int count = 0;
    for (const char *p = strstr(text, needle); p != NULL; p = strstr(p + 1, needle))
        count++;
    return count;
}

Test(reports, the_form_has_defaults_and_refuses_bad_input_with_a_reason)
{
    struct pt_dash_reports_form form;
    pt_dash_reports_form_read(&form, NULL, "", NULL, day("2026-03-31"), "USD");
    cr_assert_null(form.error);
    cr_assert_str_eq(form.from, "2026-03-02", "30 days, today included");
    cr_assert_str_eq(form.to, "2026-03-31");
    cr_assert_str_eq(form.query.campaign, "");

    pt_dash_reports_form_read(&form, "2026-02-30", NULL, NULL, 20000, "USD");
    cr_assert_str_eq(form.error_field, "from");
    cr_assert_str_eq(form.from, "2026-02-30", "what was typed is shown back");
    pt_dash_reports_form_read(&form, "2026-03-01", "2026-02-01", NULL, 20000, "USD");
    cr_assert_not_null(strstr(form.error, "ends before it starts"));
    pt_dash_reports_form_read(&form, "2000-01-01", "2026-01-01", NULL, 20000, "USD");
    cr_assert_not_null(strstr(form.error, "too long"));
    pt_dash_reports_form_read(&form, NULL, "tomorrow", NULL, 20000, "USD");
    cr_assert_str_eq(form.error_field, "to");
    pt_dash_reports_form_read(&form, NULL, NULL, "<b>x</b>", 20000, "USD");
    cr_assert_str_eq(form.error_field, "campaign");
    cr_assert_str_eq(form.campaign, "", "a bad id is not kept");
    char long_text[4096];
    memset(long_text, '9', sizeof(long_text) - 1);
    long_text[sizeof(long_text) - 1] = '\0';
    pt_dash_reports_form_read(&form, long_text, long_text, long_text, 20000, "USD");
    cr_assert_not_null(form.error);
    cr_assert_eq(strlen(form.from), sizeof(form.from) - 1, "cut short");
}

Test(reports, a_bad_period_shows_the_form_with_the_error_and_escapes_what_was_typed)
{
    struct pt_dash_reports_form form;
    pt_dash_reports_form_read(&form, "\"><script>", NULL, NULL, 20000, "USD");
    char *page = render(&form, NULL, NULL);
    cr_assert_null(strstr(page, "<script>"), "%s", page);
    cr_assert_not_null(strstr(page, "value=\"&quot;&gt;&lt;script&gt;\""), "%s", page);
    cr_assert_not_null(strstr(page, "role=\"alert\""));
    cr_assert_not_null(strstr(page, "aria-invalid=\"true\" aria-describedby=\"reports-error\""));
    cr_assert_null(strstr(page, "<table"), "no reports for a bad period");
    free(page);
}

Test(reports, the_page_has_every_table_accessibly_and_the_charts_data)
{
    struct pt_scratch database;
    pt_scratch_open(&database, "reports");
    fill_database(database.store);
    struct pt_catalog *catalog = spring_catalog();
    struct pt_dash_reports_form form;
    pt_dash_reports_form_read(&form, "1970-04-11", "1970-04-13", NULL, 20000, "USD");
    cr_assert_null(form.error);
    cr_assert_eq(form.query.from_day, 100);
    char *page = render(&form, database.store, catalog);

    cr_assert_eq(occurrences(page, "<caption>"), 5, "%s", page);
    cr_assert_eq(occurrences(page, "<table"), 5);
    cr_assert_eq(occurrences(page, "<th scope=\"col\""), 14 + 10 + 8 + 6 + 6);
    cr_assert_not_null(strstr(page, "<caption>Payments by processor</caption>"));
    cr_assert_not_null(strstr(page, "<label for=\"reports-from\">"));
    cr_assert_not_null(strstr(page, "<label for=\"reports-to\">"));
    cr_assert_not_null(strstr(page, "<label for=\"reports-campaign\">"));
    cr_assert_not_null(strstr(page, "<option value=\"spring\">spring</option>"));
    /* The funnel: a, then the control b first by the document. */
    /* Every cell names its column, for the cards a phone shows. */
    cr_assert_not_null(strstr(page, "<th scope=\"row\" data-label=\"Campaign\">spring</th>"
                                    "<td data-label=\"Variant\">b <span class=\"dash-help\">"
                                    "(control)</span></td><td class=\"num\" "
                                    "data-label=\"Impressions\">1,000</td>"),
                       "%s", page);
    /* a: 1,000 impressions, 2 pledges, 0.20%, 15.00 in the first month, RPM 15.00. */
    cr_assert_not_null(strstr(page, "data-label=\"Pledges\">2</td><td class=\"num\" "
                                    "data-label=\"Conversion\">0.20%</td><td class=\"num\" "
                                    "data-label=\"First-month revenue\">15.00</td><td "
                                    "class=\"num\" data-label=\"RPM\">15.00</td>"),
                       "%s", page);
    cr_assert_not_null(strstr(page, "<tfoot><tr><th scope=\"row\" data-label=\"Campaign\">All</th>"));
    /* The four tables of the statistics, and the payments by processor. */
    cr_assert_eq(occurrences(page, "class=\"dash-table-wrap reports-cards\""), 5);
    /* The verdict: too little data (2 pledges < 5). */
    cr_assert_not_null(strstr(page, ">1,000 / 1,000</td><td class=\"num\" "
                                    "data-label=\"Pledges (control / variant)\">0 / 2</td>"),
                       "%s", page);
    cr_assert_not_null(strstr(page, "Too little data for a verdict yet."));
    cr_assert_not_null(strstr(page, "<span class=\"reports-unknown\">not yet known</span>"));
    cr_assert_not_null(strstr(page, "always-valid"));
    cr_assert_not_null(strstr(page, "first variant in the campaign's document"));
    /* Supporters: April 1970, cut short at the 13th. */
    cr_assert_not_null(strstr(page, "data-label=\"Month\">1970-04</th><td data-label=\"Counted "
                                    "to\">1970-04-13</td>"),
                       "%s", page);
    /* The charts read this block; a reader without script never sees the figures. */
    cr_assert_not_null(strstr(page, "<script type=\"application/json\" id=\"reports-data\">"
                                    "{\"currency\":\"USD\",\"days\":[8640000,8726400,8812800],"
                                    "\"impressions\":[2000,0,0],\"conversion\":[0.1000,null,null],"
                                    "\"revenue\":[10.00,0.00,5.00]"),
                       "%s", page);
    cr_assert_eq(occurrences(page, "<figure class=\"reports-chart\""), 2);
    cr_assert_eq(occurrences(page, " hidden><figcaption>"), 2);
    /* Their legends give the period's totals without hovering. */
    cr_assert_not_null(strstr(page, "Impressions (solid line): <strong>2,000 in the period"),
                       "%s", page);
    cr_assert_not_null(strstr(page, "Revenue received (dashed line): <strong>15.00 USD in the "
                                    "period"),
                       "%s", page);
    cr_assert_not_null(strstr(page, "pledges per impression: <strong>0.10% over the period"));
    /* No banner outside the demo's generated history. */
    cr_assert_null(strstr(page, "generated for the demo"));
    cr_assert_not_null(strstr(page, "src=\"/dashboard/assets/uplot.js\" defer"));
    cr_assert_not_null(strstr(page, "src=\"/dashboard/assets/charts.js\" defer"));
    cr_assert_not_null(strstr(page, "href=\"/dashboard/reports/daily.csv?from=1970-04-11&amp;"
                                    "to=1970-04-13\" download"));
    cr_assert_null(strstr(page, "style="), "the page's policy allows no inline style");
    free(page);
    pt_catalog_release(catalog);
    pt_scratch_close(&database);
}

static char *csv_of(struct pt_store *store, const struct pt_catalog *catalog,
                    enum pt_dash_reports_table table, const char *campaign)
{
    struct pt_dash_reports_form form;
    pt_dash_reports_form_read(&form, "1970-04-11", "1970-04-13", campaign, 20000, "USD");
    struct pt_reports reports;
    cr_assert_eq(pt_reports_load(store, &form.query, catalog, &reports), PT_OK);
    struct pt_stats_params params;
    pt_stats_params_init(&params);
    struct pt_buf out;
    pt_buf_init(&out);
    pt_dash_reports_csv(&out, table, &reports, catalog, &params);
    pt_reports_dispose(&reports);
    return pt_buf_take(&out, NULL);
}

Test(reports, every_table_downloads_as_csv_with_plain_numbers)
{
    struct pt_scratch database;
    pt_scratch_open(&database, "reports");
    fill_database(database.store);
    struct pt_catalog *catalog = spring_catalog();

    char *funnel = csv_of(database.store, catalog, PT_DASH_REPORTS_FUNNEL, NULL);
    cr_assert_str_eq(funnel,
                     "campaign,variant,impressions,clicks,snoozed_later,snoozed_close,"
                     "snoozed_supporting,reminder_signups,checkouts_started,pledges,conversion,"
                     "first_month_revenue,rpm,events_refused\r\n"
                     "spring,b,1000,0,0,0,0,0,0,0,0.000000,0.00,0.00,0\r\n"
                     "spring,a,1000,12,0,0,0,0,0,2,0.002000,15.00,15.00,0\r\n");
    free(funnel);

    char *verdict = csv_of(database.store, catalog, PT_DASH_REPORTS_VERDICT, NULL);
    cr_assert_str_eq(verdict,
                     "campaign,variant,control,impressions_control,impressions_variant,"
                     "pledges_control,pledges_variant,conversion_points,conversion_points_lower,"
                     "conversion_points_upper,conversion_verdict,rpm_difference,"
                     "rpm_difference_lower,rpm_difference_upper,revenue_verdict,note\r\n"
                     "spring,a,b,1000,1000,0,2,,,,not yet known,,,,not yet known,"
                     "Too little data for a verdict yet.\r\n");
    free(verdict);

    char *supporters = csv_of(database.store, catalog, PT_DASH_REPORTS_SUPPORTERS, NULL);
    cr_assert_str_eq(supporters,
                     "month,counted_to,active_at_start,new,cancelled,active_at_end,churn,mrr\r\n"
                     "1970-04,1970-04-13,0,2,0,2,,10.00\r\n");
    free(supporters);

    char *daily = csv_of(database.store, catalog, PT_DASH_REPORTS_DAILY, "other");
    cr_assert_str_eq(daily, "day,impressions,pledges,conversion,revenue,events_refused\r\n"
                            "1970-04-11,0,0,,0.00,0\r\n"
                            "1970-04-12,0,0,,0.00,0\r\n"
                            "1970-04-13,0,0,,0.00,0\r\n");
    free(daily);
    pt_catalog_release(catalog);
    pt_scratch_close(&database);
}

/* The funnel chart, drawn by the server: each campaign's own steps in their
 * real order on a linear scale, a step of 0 shown as 0 (not left out), and
 * a step above the one before said to be so rather than drawn as a rate. */
Test(reports, the_funnel_chart_is_per_campaign_in_order_and_keeps_zero)
{
    struct pt_scratch database;
    pt_scratch_open(&database, "reports-funnel-chart");
    fill_database(database.store);
    const struct pt_event_count more[] = {
        {100, "spring", "a", PT_EVENT_PLEDGE_PENDING, 30},
        {100, "other", "x", PT_EVENT_IMPRESSION, 50},
    };
    cr_assert_eq(pt_store_counts_add(database.store, more, 2), PT_OK);
    struct pt_catalog *catalog = spring_catalog();
    struct pt_dash_reports_form form;
    pt_dash_reports_form_read(&form, "1970-04-11", "1970-04-13", NULL, 20000, "USD");
    char *page = render(&form, database.store, catalog);
    const char *chart = strstr(page, "id=\"reports-funnel-chart\"");
    cr_assert_not_null(chart, "%s", page);
    const char *spring = strstr(chart, "<h3>spring</h3>");
    const char *other = strstr(chart, "<h3>other</h3>");
    cr_assert(spring != NULL && other != NULL, "one funnel per campaign: %s", chart);
    const char *steps[] = {"Impressions</span> <span class=\"reports-step-value\">2,000",
                           "Clicks</span> <span class=\"reports-step-value\">12",
                           "Checkouts started</span> <span class=\"reports-step-value\">30",
                           "Pledges</span> <span class=\"reports-step-value\">2"};
    const char *at = spring;
    const char *end = strstr(spring, "</section>");
    for (size_t i = 0; i < 4; i++) {
        const char *found = strstr(at, steps[i]);
        cr_assert(found != NULL && found < end, "step %zu in order: %s", i, spring);
        at = found;
    }
    cr_assert_not_null(strstr(spring, "(0.60% of the step before)"), "%s", spring);
    cr_assert_not_null(strstr(spring, "(more than the clicks:"), "%s", spring);
    /* other: 50 impressions and nothing else; its zero steps are there. */
    cr_assert_not_null(strstr(other, "Clicks</span> <span class=\"reports-step-value\">0"));
    cr_assert_not_null(strstr(other, "Pledges</span> <span class=\"reports-step-value\">0"));
    cr_assert_null(strstr(page, "logarithmic"), "no logarithmic scale");
    free(page);
    pt_catalog_release(catalog);
    pt_scratch_close(&database);
}

/* A verdict is one plain sentence above the statistics; without one, how
 * far the test is from one. Arms are written as the funnel would see them. */
static char *verdict_page(int64_t control_impressions, int64_t control_pledges,
                          int64_t variant_impressions, int64_t variant_pledges, int64_t amount)
{
    struct pt_reports reports;
    memset(&reports, 0, sizeof(reports));
    struct pt_dash_reports_form form;
    pt_dash_reports_form_read(&form, "1970-04-11", "1970-04-13", NULL, 20000, "USD");
    reports.query = form.query;
    pt_reports_funnel_init(&reports.funnel);
    pt_reports_days_init(&reports.days, &form.query);
    pt_reports_supporters_init(&reports.supporters, &form.query);
    const struct pt_event_count counts[] = {
        {100, "spring", "b", PT_EVENT_IMPRESSION, control_impressions},
        {100, "spring", "a", PT_EVENT_IMPRESSION, variant_impressions},
    };
    for (size_t i = 0; i < 2; i++)
        pt_reports_funnel_add_count(&reports.funnel, &form.query, &counts[i]);
    struct pt_catalog *catalog = spring_catalog();
    pt_reports_funnel_sort(&reports.funnel, catalog);
    for (size_t i = 0; i < reports.funnel.count; i++) {
        struct pt_reports_funnel_row *row = &reports.funnel.rows[i];
        row->pledges = strcmp(row->variant, "b") == 0 ? control_pledges : variant_pledges;
        row->revenue_minor = row->pledges * amount;
        row->revenue_squares = (double)row->pledges * (double)amount * (double)amount;
    }
    struct pt_stats_params params;
    pt_stats_params_init(&params);
    struct pt_buf out;
    pt_buf_init(&out);
    pt_dash_reports_render(&out, &form, &reports, catalog, &params);
    pt_reports_dispose(&reports);
    pt_catalog_release(catalog);
    return pt_buf_take(&out, NULL);
}

static const char *verdict_line_of(const char *page)
{
    const char *lines = strstr(page, "<ul class=\"reports-verdict-lines\"");
    cr_assert_not_null(lines, "%s", page);
    cr_assert_lt(lines, strstr(page, "<table id=\"verdict-table\""), "above the statistics");
    return lines;
}

Test(reports, the_verdict_reads_as_a_sentence)
{
    /* 2% against 3% of 50,000 views, 10.00 each: a clear lift in money. */
    char *page = verdict_page(50000, 1000, 50000, 1500, 1000);
    const char *line = verdict_line_of(page);
    cr_assert_not_null(strstr(line, "Variant a raises more per thousand views than b: "
                                    "<span class=\"dash-ahead\">95% sure</span>."),
                       "%s", line);
    cr_assert_not_null(strstr(page, "id=\"reports-revenue-ranges\""), "the range chart");
    cr_assert_not_null(strstr(page, "id=\"reports-conversion-ranges\""));
    free(page);

    page = verdict_page(50000, 1500, 50000, 1000, 1000);
    cr_assert_not_null(strstr(verdict_line_of(page), "Variant a raises less per thousand views "
                                                     "than b"),
                       "%s", page);
    free(page);
}

Test(reports, without_a_verdict_it_says_how_many_more_views)
{
    /* 2.0% against 2.6% of 2,000 views: not yet; the projection is in
     * test_stats.c. */
    char *page = verdict_page(2000, 40, 2000, 52, 500);
    const char *line = verdict_line_of(page);
    cr_assert_not_null(strstr(line, "Not enough data yet: about "), "%s", line);
    cr_assert_not_null(strstr(line, " more views needed to tell a from b, if the difference so "
                                    "far holds."),
                       "%s", line);
    cr_assert_null(strstr(line, "sure"), "%s", line);
    free(page);

    /* Below the minimum and no pledges to scale up: the rule itself. */
    page = verdict_page(50, 0, 50, 0, 500);
    cr_assert_not_null(strstr(verdict_line_of(page), "Not enough data yet: each of b and a "
                                                     "needs at least 100 views and 5 pledges"),
                       "%s", page);
    cr_assert_null(strstr(page, "reports-revenue-ranges"), "no range without enough data");
    free(page);
}

Test(reports, the_demo_banner_says_which_numbers_are_generated)
{
    char *page = verdict_page(2000, 40, 2000, 52, 500);
    cr_assert_null(strstr(page, "generated for the demo"));
    free(page);
    struct pt_dash_reports_form form;
    pt_dash_reports_form_read(&form, "1970-04-11", "1970-04-13", NULL, 20000, "USD");
    form.generated_before = day("1970-04-12");
    struct pt_buf out;
    pt_buf_init(&out);
    struct pt_reports reports;
    memset(&reports, 0, sizeof(reports));
    reports.query = form.query;
    pt_dash_reports_render(&out, &form, &reports, NULL, &(struct pt_stats_params){0.05, 100, 5, 1e4});
    cr_assert_not_null(strstr(out.data, "The numbers before 1970-04-12 are generated for the "
                                        "demo"),
                       "%s", out.data);
    pt_buf_dispose(&out);
    /* A period wholly after it needs no banner. */
    pt_dash_reports_form_read(&form, "1970-04-12", "1970-04-13", NULL, 20000, "USD");
    form.generated_before = day("1970-04-12");
    reports.query = form.query;
    pt_buf_init(&out);
    pt_dash_reports_render(&out, &form, &reports, NULL, &(struct pt_stats_params){0.05, 100, 5, 1e4});
    cr_assert_null(strstr(out.data, "generated for the demo"));
    pt_buf_dispose(&out);
}

/* ---------------------------------------------------------------- demo history */

#include "patron/demo_history.h"

static const struct pt_catalog_settings demo_settings = {"http://127.0.0.1:8080", "USD",
                                                         "'self'", false, NULL, NULL};

/* Everything the generator wrote, as one line of sums a reader can compare. */
static void history_summary(const struct pt_scratch *scratch, char *out, size_t size)
{
    snprintf(out, size, "%lld %lld %lld %lld %lld %lld",
             (long long)pt_scratch_query_int(scratch, "SELECT count(*) FROM event_counts"),
             (long long)pt_scratch_query_int(scratch, "SELECT sum(count * length(kind) * "
                                                      "julianday(day)) FROM event_counts"),
             (long long)pt_scratch_query_int(scratch, "SELECT count(*) FROM pledges"),
             (long long)pt_scratch_query_int(scratch, "SELECT sum(amount_minor * created_at "
                                                      "% 1000003) FROM pledges"),
             (long long)pt_scratch_query_int(scratch, "SELECT sum(amount_minor) FROM payments"),
             (long long)pt_scratch_query_int(scratch, "SELECT count(*) FROM pledge_history"));
}

Test(reports, the_demo_history_is_the_same_for_a_seed_and_reads_as_a_verdict)
{
    int64_t now = 20000LL * 86400 + 43200;
    char first[128], second[128], other[128];
    struct pt_scratch a, b, c;
    pt_scratch_open(&a, "demo-history-a");
    pt_scratch_open(&b, "demo-history-b");
    pt_scratch_open(&c, "demo-history-c");
    cr_assert_eq(pt_demo_history_generate(a.store, &demo_settings, now, PT_DEMO_HISTORY_SEED),
                 PT_OK);
    cr_assert_eq(pt_demo_history_generate(b.store, &demo_settings, now, PT_DEMO_HISTORY_SEED),
                 PT_OK);
    cr_assert_eq(pt_demo_history_generate(c.store, &demo_settings, now, 7), PT_OK);
    history_summary(&a, first, sizeof(first));
    history_summary(&b, second, sizeof(second));
    history_summary(&c, other, sizeof(other));
    cr_assert_str_eq(first, second, "the same seed, the same history");
    cr_assert_str_neq(first, other, "another seed, another history");
    /* Only the 30 days before today, nothing today or later. */
    cr_assert_eq(pt_scratch_query_int(&a, "SELECT CAST(julianday(min(day)) - 2440587.5 AS "
                                           "INTEGER) FROM event_counts"),
                 20000 - 30);
    cr_assert_eq(pt_scratch_query_int(&a, "SELECT CAST(julianday(max(day)) - 2440587.5 AS "
                                           "INTEGER) FROM event_counts"),
                 20000 - 1);
    cr_assert_eq(pt_scratch_query_int(&a, "SELECT count(*) FROM pledges WHERE created_at >= "
                                           "20000 * 86400"),
                 0);
    cr_assert_gt(pt_scratch_query_int(&a, "SELECT count(*) FROM pledges"), 100);

    /* Read back as the dashboard does, the demo's seed gives a verdict. */
    const char *document = NULL;
    char *stored = NULL;
    cr_assert_eq(pt_store_campaign_get(a.store, PT_DEMO_HISTORY_CAMPAIGN, &stored), PT_OK);
    document = stored;
    struct pt_catalog *catalog = NULL;
    char error[256];
    cr_assert_eq(pt_catalog_build(&document, 1, &demo_settings, 1, &catalog, error,
                                  sizeof(error)),
                 PT_OK, "%s", error);
    struct pt_dash_reports_form form;
    pt_dash_reports_form_read(&form, NULL, NULL, NULL, 20000, "USD");
    char *page = render(&form, a.store, catalog);
    cr_assert_not_null(strstr(page, "Variant b raises more per thousand views than a: "), "%s",
                       strstr(page, "reports-verdict-lines"));
    free(page);
    free(stored);
    pt_catalog_release(catalog);
    pt_scratch_close(&a);
    pt_scratch_close(&b);
    pt_scratch_close(&c);
}
