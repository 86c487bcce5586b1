/* The dashboard's reports: the funnel per campaign and variant, the A/B
 * verdicts, supporters by month, and daily series for the charts.
 *
 * Two layers. The aggregation (pt_reports_funnel_..., _supporters_...,
 * _days_..., pt_reports_verdicts) is pure: it is fed rows and adds them up,
 * with no I/O, no clock and no global state, so tests feed it hand-worked
 * rows. pt_reports_load and pt_reports_today are the thin readers that
 * stream the store's rows into it.
 *
 * Money is summed in minor units, as integers, in one currency (the
 * newsroom's): pledges and payments in another currency are counted as
 * pledges but left out of every sum, and counted in other_currency so the
 * page can say so. docs/STATISTICS.md ("Reports") says how each number is
 * counted. */
#ifndef PATRON_REPORTS_H
#define PATRON_REPORTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "patron/catalog.h"
#include "patron/events.h"
#include "patron/stats.h"
#include "patron/status.h"
#include "patron/store.h"

/* ---------------------------------------------------------------- today */

struct pt_reports_funnel;

/* Today's (UTC) numbers per campaign, added to today (initialised by the
 * caller): one row per campaign that has any, with variant "", its
 * impressions in events[PT_EVENT_IMPRESSION] and in revenue_minor the
 * payments today of pledges that came from it (in the currency they were
 * made in: one campaign has one). Impressions are those the event writer has
 * flushed (every few seconds). Find a campaign's row with
 * pt_reports_funnel_find(today, id, ""). */
enum pt_status pt_reports_today(struct pt_store *store, int64_t now,
                                struct pt_reports_funnel *today);

/* ---------------------------------------------------------------- the query */

/* What a report covers: UTC days from_day to to_day, both included (days
 * since 1970-01-01, as pt_events_day gives them). */
struct pt_reports_query {
    int32_t from_day;
    int32_t to_day;
    const char *campaign; /* only this campaign; NULL or "" for all */
    const char *currency; /* the newsroom's: money in any other is not summed */
};

/* The longest period a report covers, in days (ten years). */
#define PT_REPORTS_MAX_DAYS 3660

/* PT_ERR_INVALID unless from_day <= to_day, the period is at most
 * PT_REPORTS_MAX_DAYS long and both days fall in the years 1970 to 9999. */
enum pt_status pt_reports_query_check(const struct pt_reports_query *query);

/* Parses "YYYY-MM-DD" (a real calendar date, 1970 to 9999) into a UTC day
 * number. PT_ERR_INVALID for anything else, NULL included. */
enum pt_status pt_reports_parse_day(const char *text, int32_t *day);

/* ---------------------------------------------------------------- funnel */

/* One campaign and variant over the period. */
struct pt_reports_funnel_row {
    char campaign[PT_ID_MAX]; /* "" for pledges and sign-ups that came without one */
    char variant[PT_ID_MAX];
    int64_t events[PT_EVENT_KINDS]; /* impressions, clicks, snoozes by reason, reminder
                                       sign-ups, checkouts started (pledge_pending) */
    int64_t pledges;          /* pledges created in the period that became active */
    int64_t revenue_minor;    /* their first-month revenue, in the query's currency */
    double revenue_squares;   /* sum over those pledges of (its first-month revenue)^2 */
    int64_t other_currency;   /* pledges counted above whose money is in another currency */
};

/* Rows in the order they were first seen until pt_reports_funnel_sort. */
struct pt_reports_funnel {
    struct pt_reports_funnel_row *rows; /* owned */
    size_t count;
    size_t capacity;
};

void pt_reports_funnel_init(struct pt_reports_funnel *funnel);
/* The row of a campaign and variant, or NULL. */
const struct pt_reports_funnel_row *pt_reports_funnel_find(const struct pt_reports_funnel *funnel,
                                                           const char *campaign,
                                                           const char *variant);
void pt_reports_funnel_dispose(struct pt_reports_funnel *funnel);
/* Adds one event count if it falls in the query (day and campaign). */
void pt_reports_funnel_add_count(struct pt_reports_funnel *funnel,
                                 const struct pt_reports_query *query,
                                 const struct pt_event_count *count);
/* Adds one pledge created in the period if it matches the query's campaign
 * and became active; its first-month revenue counts when its currency is
 * the query's. */
void pt_reports_funnel_add_pledge(struct pt_reports_funnel *funnel,
                                  const struct pt_reports_query *query,
                                  const struct pt_report_pledge *pledge);
/* Orders rows by campaign id, then by the variants' order in the campaign's
 * document (variants the catalogue does not know last, by id). catalog may
 * be NULL. */
void pt_reports_funnel_sort(struct pt_reports_funnel *funnel, const struct pt_catalog *catalog);
/* The sum of every row, with campaign and variant "". */
void pt_reports_funnel_total(const struct pt_reports_funnel *funnel,
                             struct pt_reports_funnel_row *total);

/* Revenue per thousand impressions, in minor units, rounded to the nearest.
 * false (and *rpm 0) when there were no impressions: the page shows "—". */
bool pt_reports_rpm(int64_t revenue_minor, int64_t impressions, int64_t *rpm);

/* ---------------------------------------------------------------- verdicts */

/* Why a variant has no comparison. */
enum pt_reports_verdict_state {
    PT_REPORTS_COMPARED,      /* comparison holds pt_stats_compare's answer */
    PT_REPORTS_NO_CONTROL,    /* the campaign is not in the catalogue: no control is known */
    PT_REPORTS_IMPOSSIBLE,    /* more pledges than impressions (pledges from previews or
                                 links, not impressions): no valid comparison */
};

/* One variant against its campaign's control. */
struct pt_reports_verdict {
    char campaign[PT_ID_MAX];
    char control[PT_ID_MAX]; /* the campaign's first variant in its document */
    char variant[PT_ID_MAX];
    struct pt_stats_arm control_arm;
    struct pt_stats_arm variant_arm;
    enum pt_reports_verdict_state state;
    struct pt_stats_comparison comparison; /* zero unless PT_REPORTS_COMPARED */
};

/* One verdict for every funnel row that is not its campaign's control, in
 * the funnel's order (sort it first). A control with no row counts as an
 * arm with nothing in it. *verdicts is allocated (the caller frees it);
 * NULL when *count is 0. Rows without a campaign are skipped. */
void pt_reports_verdicts(const struct pt_reports_funnel *funnel, const struct pt_catalog *catalog,
                         const struct pt_stats_params *params,
                         struct pt_reports_verdict **verdicts, size_t *count);

/* ---------------------------------------------------------------- supporters */

/* One UTC month of the period. Supporters are recurring pledges (monthly and
 * annual); a one-off gift is not one. */
struct pt_reports_month {
    int year;
    int month;                /* 1 to 12 */
    int64_t start;            /* unix seconds: the first instant of the month */
    int64_t end;              /* the instant after its end, or after the period's end
                                 when that comes first (the month so far) */
    int64_t active_at_start;  /* active or past_due just before start */
    int64_t active_at_end;    /* active or past_due just before end */
    int64_t new_supporters;   /* first became active or past_due in the month */
    int64_t cancelled;        /* became cancelled in the month after having been active */
    int64_t mrr_minor;        /* at end: monthly amounts + annual amounts / 12 of the
                                 pledges active at end in the query's currency, rounded
                                 to the nearest minor unit */
    int64_t mrr_twelfths;     /* the same, exactly, in twelfths of a minor unit */
    int64_t other_currency;   /* pledges active at end whose money is in another currency */
};

/* One change of a pledge, as the supporters report keeps it. */
struct pt_reports_change {
    int64_t at;
    int state;           /* which of pending, active, paused, cancelled, ... */
    int64_t amount_minor;
};

/* The months of a period, with what the history has told so far. */
struct pt_reports_supporters {
    struct pt_reports_month *months; /* owned */
    size_t count;
    struct pt_reports_query query;   /* copied; its strings are borrowed */
    /* The pledge whose rows are being read (rows come by pledge, then time). */
    char pledge_id[33];
    char currency[4];
    enum pt_frequency frequency;
    bool matches;                    /* recurring and in the query's campaign */
    struct pt_reports_change *changes; /* owned; its rows */
    size_t change_count;
    size_t change_capacity;
};

/* Sets up the months the query's period touches; the query's strings must
 * outlive supporters. */
void pt_reports_supporters_init(struct pt_reports_supporters *supporters,
                                const struct pt_reports_query *query);
void pt_reports_supporters_dispose(struct pt_reports_supporters *supporters);
/* Adds one history row; rows must come by pledge, then time. */
void pt_reports_supporters_add(struct pt_reports_supporters *supporters,
                               const struct pt_report_history *row);
/* Counts the last pledge read; call once after the last row. */
void pt_reports_supporters_finish(struct pt_reports_supporters *supporters);

/* Churn of a month: cancelled / active_at_start. false (and *churn 0) when
 * no one was active at the start: the page shows "—". */
bool pt_reports_churn(const struct pt_reports_month *month, double *churn);

/* ---------------------------------------------------------------- daily */

/* One UTC day, for the charts. */
struct pt_reports_day {
    int32_t day;
    int64_t impressions;
    int64_t pledges;       /* created that day and became active */
    int64_t revenue_minor; /* payments received that day, in the query's currency */
    int64_t refused;       /* events sent that day but refused as a burst */
};

struct pt_reports_days {
    struct pt_reports_day *days; /* owned; one per day of the period, in order */
    size_t count;
};

void pt_reports_days_init(struct pt_reports_days *days, const struct pt_reports_query *query);
void pt_reports_days_dispose(struct pt_reports_days *days);
void pt_reports_days_add_count(struct pt_reports_days *days, const struct pt_reports_query *query,
                               const struct pt_event_count *count);
void pt_reports_days_add_pledge(struct pt_reports_days *days, const struct pt_reports_query *query,
                                const struct pt_report_pledge *pledge);
void pt_reports_days_add_payment(struct pt_reports_days *days,
                                 const struct pt_reports_query *query,
                                 const struct pt_report_payment *payment);

/* Conversion of a day or a row: pledges / impressions; false when there
 * were no impressions. */
bool pt_reports_conversion(int64_t pledges, int64_t impressions, double *conversion);

/* What each processor took in the period, per currency: every campaign
 * asked for and every currency, since the books add up across both. */
#define PT_REPORTS_PROCESSOR_ROWS 16

struct pt_reports_processor_row {
    char processor[16]; /* "stripe", "mollie"; "" for none */
    char currency[4];
    int64_t payments;
    int64_t received_minor;
    int64_t reversed_minor; /* came back: chargebacks, reversed debits */
};

struct pt_reports_processors {
    struct pt_reports_processor_row rows[PT_REPORTS_PROCESSOR_ROWS];
    size_t count;
};

void pt_reports_processors_add(struct pt_reports_processors *processors,
                               const struct pt_reports_query *query,
                               const struct pt_report_payment *payment);

/* ---------------------------------------------------------------- reading */

/* Every report of one query, read from the store. */
struct pt_reports {
    struct pt_reports_query query; /* copied; its strings are borrowed */
    struct pt_reports_funnel funnel;
    struct pt_reports_supporters supporters;
    struct pt_reports_days days;
    struct pt_reports_processors processors;
};

/* Reads what the query needs from the store and adds it up. The query must
 * pass pt_reports_query_check; its strings must outlive reports. On failure
 * reports is disposed already. catalog (may be NULL) orders the funnel. */
enum pt_status pt_reports_load(struct pt_store *store, const struct pt_reports_query *query,
                               const struct pt_catalog *catalog, struct pt_reports *reports);
void pt_reports_dispose(struct pt_reports *reports);

#endif
