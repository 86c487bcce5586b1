/* The dashboard's reports: pure aggregation first, then the thin readers
 * that stream the store's rows into it. docs/STATISTICS.md ("Reports") is
 * the user's side of every rule here. */
#include "patron/reports.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "patron/alloc.h"

#define SECONDS_PER_DAY 86400
#define FIRST_DAY 0          /* 1970-01-01 */
#define LAST_DAY 2932896     /* 9999-12-31 */

/* ---------------------------------------------------------------- days */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil). */
static int64_t days_from_civil(int64_t year, int month, int day)
{
    year -= month <= 2;
    int64_t era = (year >= 0 ? year : year - 399) / 400;
    int64_t year_of_era = year - era * 400;
    int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + day_of_era - 719468;
}

static void civil_from_days(int64_t days, int *year, int *month, int *day)
{
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    int64_t day_of_era = days - era * 146097;
    int64_t year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    int64_t shifted_month = (5 * day_of_year + 2) / 153;
    *day = (int)(day_of_year - (153 * shifted_month + 2) / 5 + 1);
    *month = (int)(shifted_month < 10 ? shifted_month + 3 : shifted_month - 9);
    *year = (int)(year_of_era + era * 400 + (*month <= 2));
}

static bool digits(const char *text, size_t count, int *value)
{
    *value = 0;
    for (size_t i = 0; i < count; i++) {
        if (text[i] < '0' || text[i] > '9')
            return false;
        *value = *value * 10 + (text[i] - '0');
    }
    return true;
}

enum pt_status pt_reports_parse_day(const char *text, int32_t *day)
{
    int year, month, day_of_month;
    if (text == NULL || strlen(text) != 10 || text[4] != '-' || text[7] != '-' ||
        !digits(text, 4, &year) || !digits(text + 5, 2, &month) ||
        !digits(text + 8, 2, &day_of_month) || month < 1 || month > 12 || day_of_month < 1 ||
        year < 1970)
        return PT_ERR_INVALID;
    int64_t days = days_from_civil(year, month, day_of_month);
    /* A day that does not exist (31 April) comes back as another date. */
    int check_year, check_month, check_day;
    civil_from_days(days, &check_year, &check_month, &check_day);
    if (check_year != year || check_month != month || check_day != day_of_month)
        return PT_ERR_INVALID;
    *day = (int32_t)days;
    return PT_OK;
}

enum pt_status pt_reports_query_check(const struct pt_reports_query *query)
{
    if (query->from_day < FIRST_DAY || query->to_day > LAST_DAY ||
        query->from_day > query->to_day ||
        (int64_t)query->to_day - query->from_day + 1 > PT_REPORTS_MAX_DAYS)
        return PT_ERR_INVALID;
    return PT_OK;
}

static bool in_period(const struct pt_reports_query *query, int64_t day)
{
    return day >= query->from_day && day <= query->to_day;
}

static bool in_campaign(const struct pt_reports_query *query, const char *campaign)
{
    return query->campaign == NULL || query->campaign[0] == '\0' ||
           strcmp(query->campaign, campaign) == 0;
}

static bool in_currency(const struct pt_reports_query *query, const char *currency)
{
    return query->currency != NULL && strcmp(query->currency, currency) == 0;
}

/* ---------------------------------------------------------------- ratios */

bool pt_reports_rpm(int64_t revenue_minor, int64_t impressions, int64_t *rpm)
{
    *rpm = 0;
    if (impressions <= 0)
        return false;
    /* In double: revenue * 1000 is exact below 9 * 10^12 minor units and
     * cannot overflow above. */
    *rpm = (int64_t)llround((double)revenue_minor * 1000.0 / (double)impressions);
    return true;
}

bool pt_reports_conversion(int64_t pledges, int64_t impressions, double *conversion)
{
    *conversion = 0;
    if (impressions <= 0)
        return false;
    *conversion = (double)pledges / (double)impressions;
    return true;
}

bool pt_reports_churn(const struct pt_reports_month *month, double *churn)
{
    *churn = 0;
    if (month->active_at_start <= 0)
        return false;
    *churn = (double)month->cancelled / (double)month->active_at_start;
    return true;
}

/* ---------------------------------------------------------------- funnel */

void pt_reports_funnel_init(struct pt_reports_funnel *funnel)
{
    memset(funnel, 0, sizeof(*funnel));
}

void pt_reports_funnel_dispose(struct pt_reports_funnel *funnel)
{
    free(funnel->rows);
    memset(funnel, 0, sizeof(*funnel));
}

const struct pt_reports_funnel_row *pt_reports_funnel_find(const struct pt_reports_funnel *funnel,
                                                           const char *campaign,
                                                           const char *variant)
{
    for (size_t i = 0; i < funnel->count; i++) {
        if (strcmp(funnel->rows[i].campaign, campaign) == 0 &&
            strcmp(funnel->rows[i].variant, variant) == 0)
            return &funnel->rows[i];
    }
    return NULL;
}

static struct pt_reports_funnel_row *funnel_row(struct pt_reports_funnel *funnel,
                                                const char *campaign, const char *variant)
{
    const struct pt_reports_funnel_row *found = pt_reports_funnel_find(funnel, campaign, variant);
    if (found != NULL)
        return &funnel->rows[found - funnel->rows];
    if (funnel->count == funnel->capacity) {
        funnel->capacity = funnel->capacity ? funnel->capacity * 2 : 16;
        funnel->rows = pt_xrealloc(funnel->rows, funnel->capacity * sizeof(*funnel->rows));
    }
    struct pt_reports_funnel_row *row = &funnel->rows[funnel->count++];
    memset(row, 0, sizeof(*row));
    snprintf(row->campaign, sizeof(row->campaign), "%s", campaign);
    snprintf(row->variant, sizeof(row->variant), "%s", variant);
    return row;
}

void pt_reports_funnel_add_count(struct pt_reports_funnel *funnel,
                                 const struct pt_reports_query *query,
                                 const struct pt_event_count *count)
{
    if (count->kind < 0 || count->kind >= PT_EVENT_KINDS || count->count <= 0 ||
        !in_period(query, count->day) || !in_campaign(query, count->campaign))
        return;
    funnel_row(funnel, count->campaign, count->variant)->events[count->kind] += count->count;
}

void pt_reports_funnel_add_pledge(struct pt_reports_funnel *funnel,
                                  const struct pt_reports_query *query,
                                  const struct pt_report_pledge *pledge)
{
    if (!pledge->became_active || !in_period(query, pt_events_day(pledge->created_at)) ||
        !in_campaign(query, pledge->campaign))
        return;
    struct pt_reports_funnel_row *row = funnel_row(funnel, pledge->campaign, pledge->variant);
    row->pledges++;
    if (!in_currency(query, pledge->currency)) {
        row->other_currency++;
        return;
    }
    int64_t revenue = pledge->first_month_revenue > 0 ? pledge->first_month_revenue : 0;
    row->revenue_minor += revenue;
    row->revenue_squares += (double)revenue * (double)revenue;
}

/* Where a variant comes in its campaign's document; unknown ones after. */
static int variant_rank(const struct pt_catalog *catalog, const char *campaign_id,
                        const char *variant)
{
    const struct pt_campaign *campaign =
        catalog != NULL && campaign_id[0] != '\0' ? pt_catalog_find(catalog, campaign_id) : NULL;
    if (campaign != NULL) {
        for (size_t i = 0; i < campaign->variant_count; i++) {
            if (strcmp(campaign->variants[i].id, variant) == 0)
                return (int)i;
        }
    }
    return PT_CAMPAIGN_VARIANTS_MAX;
}

struct ranked_row {
    int rank;
    struct pt_reports_funnel_row row;
};

static int compare_ranked(const void *left, const void *right)
{
    const struct ranked_row *a = left, *b = right;
    int by_campaign = strcmp(a->row.campaign, b->row.campaign);
    if (by_campaign != 0)
        return by_campaign;
    if (a->rank != b->rank)
        return a->rank < b->rank ? -1 : 1;
    return strcmp(a->row.variant, b->row.variant);
}

void pt_reports_funnel_sort(struct pt_reports_funnel *funnel, const struct pt_catalog *catalog)
{
    if (funnel->count < 2)
        return;
    struct ranked_row *ranked = pt_xcalloc(funnel->count, sizeof(*ranked));
    for (size_t i = 0; i < funnel->count; i++) {
        ranked[i].row = funnel->rows[i];
        ranked[i].rank = variant_rank(catalog, ranked[i].row.campaign, ranked[i].row.variant);
    }
    qsort(ranked, funnel->count, sizeof(*ranked), compare_ranked);
    for (size_t i = 0; i < funnel->count; i++)
        funnel->rows[i] = ranked[i].row;
    free(ranked);
}

static void add_row(struct pt_reports_funnel_row *total, const struct pt_reports_funnel_row *row)
{
    for (int kind = 0; kind < PT_EVENT_KINDS; kind++)
        total->events[kind] += row->events[kind];
    total->pledges += row->pledges;
    total->revenue_minor += row->revenue_minor;
    total->revenue_squares += row->revenue_squares;
    total->other_currency += row->other_currency;
}

void pt_reports_funnel_total(const struct pt_reports_funnel *funnel,
                             struct pt_reports_funnel_row *total)
{
    memset(total, 0, sizeof(*total));
    for (size_t i = 0; i < funnel->count; i++)
        add_row(total, &funnel->rows[i]);
}

/* ---------------------------------------------------------------- verdicts */

/* The arm of one funnel row: impressions, conversions = pledges, revenue =
 * first-month revenue and its squares. */
static void arm_of(const struct pt_reports_funnel_row *row, struct pt_stats_arm *arm)
{
    memset(arm, 0, sizeof(*arm));
    if (row == NULL)
        return;
    arm->impressions = (uint64_t)(row->events[PT_EVENT_IMPRESSION] > 0
                                      ? row->events[PT_EVENT_IMPRESSION] : 0);
    arm->conversions = (uint64_t)(row->pledges > 0 ? row->pledges : 0);
    arm->revenue = row->revenue_minor;
    arm->revenue_squares = row->revenue_squares;
}

static void compare_arms(const struct pt_stats_params *params, struct pt_reports_verdict *verdict)
{
    /* pt_stats_compare refuses arms that cannot exist (more pledges than
     * impressions). */
    verdict->state = PT_REPORTS_COMPARED;
    if (pt_stats_compare(params, &verdict->control_arm, &verdict->variant_arm,
                         &verdict->comparison) != PT_OK) {
        verdict->state = PT_REPORTS_IMPOSSIBLE;
        memset(&verdict->comparison, 0, sizeof(verdict->comparison));
    }
}

void pt_reports_verdicts(const struct pt_reports_funnel *funnel, const struct pt_catalog *catalog,
                         const struct pt_stats_params *params,
                         struct pt_reports_verdict **verdicts, size_t *count)
{
    *verdicts = NULL;
    *count = 0;
    if (funnel->count == 0)
        return;
    struct pt_reports_verdict *out = pt_xcalloc(funnel->count, sizeof(*out));
    for (size_t i = 0; i < funnel->count; i++) {
        const struct pt_reports_funnel_row *row = &funnel->rows[i];
        if (row->campaign[0] == '\0')
            continue;
        const struct pt_campaign *campaign =
            catalog != NULL ? pt_catalog_find(catalog, row->campaign) : NULL;
        const char *control = campaign != NULL && campaign->variant_count > 0
                                  ? campaign->variants[0].id : NULL;
        if (control != NULL && strcmp(control, row->variant) == 0)
            continue;
        struct pt_reports_verdict *verdict = &out[(*count)++];
        snprintf(verdict->campaign, sizeof(verdict->campaign), "%s", row->campaign);
        snprintf(verdict->variant, sizeof(verdict->variant), "%s", row->variant);
        arm_of(row, &verdict->variant_arm);
        if (control == NULL) {
            verdict->state = PT_REPORTS_NO_CONTROL;
            continue;
        }
        snprintf(verdict->control, sizeof(verdict->control), "%s", control);
        arm_of(pt_reports_funnel_find(funnel, row->campaign, control), &verdict->control_arm);
        compare_arms(params, verdict);
    }
    if (*count == 0) {
        free(out);
        return;
    }
    *verdicts = out;
}

/* ---------------------------------------------------------------- supporters */

enum pledge_state { STATE_OTHER, STATE_ACTIVE, STATE_PAST_DUE, STATE_PAUSED, STATE_CANCELLED };

static int parse_state(const char *status)
{
    if (strcmp(status, "active") == 0)
        return STATE_ACTIVE;
    if (strcmp(status, "past_due") == 0)
        return STATE_PAST_DUE;
    if (strcmp(status, "paused") == 0)
        return STATE_PAUSED;
    if (strcmp(status, "cancelled") == 0)
        return STATE_CANCELLED;
    return STATE_OTHER; /* pending, completed (a one-off), anything unknown */
}

/* Active or past due: a supporter who is paying, or whose payment is being
 * retried. Paused pledges pay nothing and are not counted. */
static bool is_live(int state)
{
    return state == STATE_ACTIVE || state == STATE_PAST_DUE;
}

/* The first instant of a month, given as months since January 1970. */
static int64_t month_start(int64_t months_since_1970)
{
    int64_t year = 1970 + months_since_1970 / 12;
    int month = (int)(months_since_1970 % 12) + 1;
    return days_from_civil(year, month, 1) * SECONDS_PER_DAY;
}

void pt_reports_supporters_init(struct pt_reports_supporters *supporters,
                                const struct pt_reports_query *query)
{
    memset(supporters, 0, sizeof(*supporters));
    supporters->query = *query;
    if (pt_reports_query_check(query) != PT_OK)
        return;
    int first_year, first_month, last_year, last_month, unused;
    civil_from_days(query->from_day, &first_year, &first_month, &unused);
    civil_from_days(query->to_day, &last_year, &last_month, &unused);
    int64_t first = (int64_t)(first_year - 1970) * 12 + first_month - 1;
    int64_t last = (int64_t)(last_year - 1970) * 12 + last_month - 1;
    int64_t period_end = ((int64_t)query->to_day + 1) * SECONDS_PER_DAY;
    supporters->count = (size_t)(last - first + 1);
    supporters->months = pt_xcalloc(supporters->count, sizeof(*supporters->months));
    for (size_t i = 0; i < supporters->count; i++) {
        struct pt_reports_month *month = &supporters->months[i];
        int64_t index = first + (int64_t)i;
        month->year = (int)(1970 + index / 12);
        month->month = (int)(index % 12) + 1;
        month->start = month_start(index);
        month->end = month_start(index + 1);
        if (month->end > period_end)
            month->end = period_end;
    }
}

void pt_reports_supporters_dispose(struct pt_reports_supporters *supporters)
{
    free(supporters->months);
    free(supporters->changes);
    memset(supporters, 0, sizeof(*supporters));
}

/* The change in force just before instant, or NULL before the first. */
static const struct pt_reports_change *change_before(const struct pt_reports_supporters *s,
                                                     int64_t instant)
{
    const struct pt_reports_change *found = NULL;
    for (size_t i = 0; i < s->change_count && s->changes[i].at < instant; i++)
        found = &s->changes[i];
    return found;
}

static bool live_before(const struct pt_reports_supporters *s, int64_t instant)
{
    const struct pt_reports_change *change = change_before(s, instant);
    return change != NULL && is_live(change->state);
}

/* Whether the pledge went from paying (or paused) to cancelled in
 * [start, end). */
static bool cancelled_within(const struct pt_reports_supporters *s, int64_t start, int64_t end)
{
    for (size_t i = 1; i < s->change_count; i++) {
        const struct pt_reports_change *change = &s->changes[i];
        int before = s->changes[i - 1].state;
        if (change->at >= start && change->at < end && change->state == STATE_CANCELLED &&
            (is_live(before) || before == STATE_PAUSED))
            return true;
    }
    return false;
}

/* Adds the pledge whose rows were read to every month. */
static void count_pledge(struct pt_reports_supporters *s)
{
    if (!s->matches || s->change_count == 0)
        return;
    int64_t first_live = INT64_MAX;
    for (size_t i = 0; i < s->change_count; i++) {
        if (is_live(s->changes[i].state)) {
            first_live = s->changes[i].at;
            break;
        }
    }
    bool same_currency = in_currency(&s->query, s->currency);
    for (size_t m = 0; m < s->count; m++) {
        struct pt_reports_month *month = &s->months[m];
        if (live_before(s, month->start))
            month->active_at_start++;
        if (first_live >= month->start && first_live < month->end)
            month->new_supporters++;
        if (cancelled_within(s, month->start, month->end))
            month->cancelled++;
        const struct pt_reports_change *at_end = change_before(s, month->end);
        if (at_end == NULL || !is_live(at_end->state))
            continue;
        month->active_at_end++;
        if (!same_currency)
            month->other_currency++;
        else if (s->frequency == PT_FREQUENCY_ANNUAL)
            month->mrr_twelfths += at_end->amount_minor;
        else
            month->mrr_twelfths += at_end->amount_minor * 12;
    }
}

void pt_reports_supporters_add(struct pt_reports_supporters *s,
                               const struct pt_report_history *row)
{
    if (s->months == NULL)
        return;
    if (strcmp(row->pledge_id, s->pledge_id) != 0) {
        count_pledge(s);
        s->change_count = 0;
        snprintf(s->pledge_id, sizeof(s->pledge_id), "%s", row->pledge_id);
        snprintf(s->currency, sizeof(s->currency), "%s", row->currency);
        s->frequency = row->frequency;
        s->matches =
            row->frequency != PT_FREQUENCY_ONE_OFF && in_campaign(&s->query, row->campaign);
    }
    if (!s->matches)
        return;
    if (s->change_count == s->change_capacity) {
        s->change_capacity = s->change_capacity ? s->change_capacity * 2 : 8;
        s->changes = pt_xrealloc(s->changes, s->change_capacity * sizeof(*s->changes));
    }
    struct pt_reports_change *change = &s->changes[s->change_count++];
    change->at = row->at;
    change->state = parse_state(row->status);
    change->amount_minor = row->amount_minor > 0 ? row->amount_minor : 0;
}

void pt_reports_supporters_finish(struct pt_reports_supporters *s)
{
    count_pledge(s);
    s->change_count = 0;
    s->pledge_id[0] = '\0';
    s->matches = false;
    for (size_t m = 0; m < s->count; m++)
        s->months[m].mrr_minor = (s->months[m].mrr_twelfths + 6) / 12;
}

/* ---------------------------------------------------------------- daily */

void pt_reports_days_init(struct pt_reports_days *days, const struct pt_reports_query *query)
{
    memset(days, 0, sizeof(*days));
    if (pt_reports_query_check(query) != PT_OK)
        return;
    days->count = (size_t)(query->to_day - query->from_day + 1);
    days->days = pt_xcalloc(days->count, sizeof(*days->days));
    for (size_t i = 0; i < days->count; i++)
        days->days[i].day = query->from_day + (int32_t)i;
}

void pt_reports_days_dispose(struct pt_reports_days *days)
{
    free(days->days);
    memset(days, 0, sizeof(*days));
}

/* The day's entry, or NULL outside the period. */
static struct pt_reports_day *day_entry(struct pt_reports_days *days,
                                        const struct pt_reports_query *query, int64_t day)
{
    if (days->count == 0 || !in_period(query, day))
        return NULL;
    size_t index = (size_t)(day - query->from_day);
    return index < days->count ? &days->days[index] : NULL;
}

void pt_reports_days_add_count(struct pt_reports_days *days, const struct pt_reports_query *query,
                               const struct pt_event_count *count)
{
    struct pt_reports_day *entry = day_entry(days, query, count->day);
    if (entry == NULL || count->count <= 0 || !in_campaign(query, count->campaign))
        return;
    if (count->kind == PT_EVENT_IMPRESSION)
        entry->impressions += count->count;
    else if (count->kind == PT_EVENT_REFUSED)
        entry->refused += count->count;
}

void pt_reports_days_add_pledge(struct pt_reports_days *days, const struct pt_reports_query *query,
                                const struct pt_report_pledge *pledge)
{
    struct pt_reports_day *entry = day_entry(days, query, pt_events_day(pledge->created_at));
    if (entry != NULL && pledge->became_active && in_campaign(query, pledge->campaign))
        entry->pledges++;
}

void pt_reports_days_add_payment(struct pt_reports_days *days,
                                 const struct pt_reports_query *query,
                                 const struct pt_report_payment *payment)
{
    struct pt_reports_day *entry = day_entry(days, query, pt_events_day(payment->paid_at));
    /* A reversal (a chargeback) is a negative amount on the day it came. */
    if (entry != NULL && payment->amount_minor != 0 && in_campaign(query, payment->campaign) &&
        in_currency(query, payment->currency))
        entry->revenue_minor += payment->amount_minor;
}

/* ---------------------------------------------------------------- reading */

static void load_count(void *context, const struct pt_event_count *count)
{
    struct pt_reports *reports = context;
    pt_reports_funnel_add_count(&reports->funnel, &reports->query, count);
    pt_reports_days_add_count(&reports->days, &reports->query, count);
}

static void load_pledge(void *context, const struct pt_report_pledge *pledge)
{
    struct pt_reports *reports = context;
    pt_reports_funnel_add_pledge(&reports->funnel, &reports->query, pledge);
    pt_reports_days_add_pledge(&reports->days, &reports->query, pledge);
}

void pt_reports_processors_add(struct pt_reports_processors *processors,
                               const struct pt_reports_query *query,
                               const struct pt_report_payment *payment)
{
    if (!in_campaign(query, payment->campaign) || payment->amount_minor == 0)
        return;
    struct pt_reports_processor_row *row = NULL;
    for (size_t i = 0; i < processors->count && row == NULL; i++) {
        if (strcmp(processors->rows[i].processor, payment->processor) == 0 &&
            strcmp(processors->rows[i].currency, payment->currency) == 0)
            row = &processors->rows[i];
    }
    if (row == NULL) {
        if (processors->count == PT_REPORTS_PROCESSOR_ROWS)
            return; /* more processors times currencies than any newsroom runs */
        row = &processors->rows[processors->count++];
        snprintf(row->processor, sizeof(row->processor), "%s", payment->processor);
        snprintf(row->currency, sizeof(row->currency), "%s", payment->currency);
    }
    if (payment->amount_minor > 0) {
        row->payments++;
        row->received_minor += payment->amount_minor;
    } else {
        row->reversed_minor -= payment->amount_minor;
    }
}

static void load_payment(void *context, const struct pt_report_payment *payment)
{
    struct pt_reports *reports = context;
    pt_reports_days_add_payment(&reports->days, &reports->query, payment);
    pt_reports_processors_add(&reports->processors, &reports->query, payment);
}

static void load_history(void *context, const struct pt_report_history *row)
{
    struct pt_reports *reports = context;
    pt_reports_supporters_add(&reports->supporters, row);
}

enum pt_status pt_reports_load(struct pt_store *store, const struct pt_reports_query *query,
                               const struct pt_catalog *catalog, struct pt_reports *reports)
{
    memset(reports, 0, sizeof(*reports));
    enum pt_status status = pt_reports_query_check(query);
    if (status)
        return status;
    reports->query = *query;
    pt_reports_funnel_init(&reports->funnel);
    pt_reports_supporters_init(&reports->supporters, query);
    pt_reports_days_init(&reports->days, query);
    int64_t start = (int64_t)query->from_day * SECONDS_PER_DAY;
    int64_t end = ((int64_t)query->to_day + 1) * SECONDS_PER_DAY;
    status = pt_store_counts_range(store, query->from_day, query->to_day, load_count, reports);
    if (status == PT_OK)
        status = pt_store_report_pledges(store, start, end, load_pledge, reports);
    if (status == PT_OK)
        status = pt_store_report_payments(store, start, end, load_payment, reports);
    if (status == PT_OK)
        status = pt_store_report_history(store, end, load_history, reports);
    if (status) {
        pt_reports_dispose(reports);
        return status;
    }
    pt_reports_supporters_finish(&reports->supporters);
    pt_reports_funnel_sort(&reports->funnel, catalog);
    return PT_OK;
}

void pt_reports_dispose(struct pt_reports *reports)
{
    pt_reports_funnel_dispose(&reports->funnel);
    pt_reports_supporters_dispose(&reports->supporters);
    pt_reports_days_dispose(&reports->days);
}

/* ---------------------------------------------------------------- today */

/* Today's numbers are a funnel with one row per campaign (variant ""):
 * impressions in its events, the payments in its revenue. */
static void today_count(void *context, const struct pt_event_count *count)
{
    if (count->kind == PT_EVENT_IMPRESSION && count->count > 0 && count->campaign[0] != '\0')
        funnel_row(context, count->campaign, "")->events[PT_EVENT_IMPRESSION] += count->count;
}

static void today_payment(void *context, const struct pt_report_payment *payment)
{
    if (payment->amount_minor != 0 && payment->campaign[0] != '\0')
        funnel_row(context, payment->campaign, "")->revenue_minor += payment->amount_minor;
}

enum pt_status pt_reports_today(struct pt_store *store, int64_t now,
                                struct pt_reports_funnel *today)
{
    int32_t day = pt_events_day(now);
    int64_t start = (int64_t)day * SECONDS_PER_DAY;
    enum pt_status status = pt_store_counts_range(store, day, day, today_count, today);
    if (status == PT_OK)
        status = pt_store_report_payments(store, start, start + SECONDS_PER_DAY, today_payment,
                                          today);
    return status;
}
