/* The dashboard's reports under /dashboard/reports: the funnel, the A/B
 * verdicts, supporters by month and the daily series, as tables that work
 * without script, charts drawn over them by web/charts.js, and a CSV file of
 * every table.
 *
 *   GET /dashboard/reports?from=YYYY-MM-DD&to=YYYY-MM-DD&campaign=ID
 *   GET /dashboard/reports/funnel.csv      (same query)
 *   GET /dashboard/reports/verdict.csv
 *   GET /dashboard/reports/supporters.csv
 *   GET /dashboard/reports/daily.csv
 *
 * The period defaults to the last 30 UTC days up to today, the campaign to
 * all of them. The rendering functions are exposed for the unit tests. */
#ifndef PATRON_DASH_REPORTS_H
#define PATRON_DASH_REPORTS_H

#include "patron/dashboard.h"
#include "patron/reports.h"
#include "patron/stats.h"

/* Every page under /dashboard/reports; dash->rest is the path after
 * "/dashboard/reports" ("" or "/..."). The gate has checked the session, the
 * role and, on POST, the CSRF token. */
void pt_dash_reports(struct pt_dash *dash);

/* The period form as read from the query string. query.campaign and
 * query.currency point into this struct (the currency into the caller's
 * string): do not copy it while query is in use. */
struct pt_dash_reports_form {
    char from[16];              /* what to show in the form: the typed text, cut short */
    char to[16];
    char campaign[PT_ID_MAX];
    struct pt_reports_query query;
    const char *error;          /* NULL, or why the query was refused (static text) */
    const char *error_field;    /* "from", "to" or "campaign" when error is set */
    int32_t generated_before;   /* > 0 in the demo: the days before this UTC day hold
                                   generated numbers, and the page says so */
};

/* Reads the three parameters (each may be NULL or "" for its default) with
 * today as the UTC day number. Never fails: a bad value sets error. */
void pt_dash_reports_form_read(struct pt_dash_reports_form *form, const char *from,
                               const char *to, const char *campaign, int32_t today,
                               const char *currency);

/* The page's content under its heading: the form, and when reports is not
 * NULL every table, the charts' data and their scripts. catalog (may be NULL)
 * names the campaigns and their controls. */
void pt_dash_reports_render(struct pt_buf *out, const struct pt_dash_reports_form *form,
                            const struct pt_reports *reports, const struct pt_catalog *catalog,
                            const struct pt_stats_params *params);

enum pt_dash_reports_table {
    PT_DASH_REPORTS_FUNNEL,
    PT_DASH_REPORTS_VERDICT,
    PT_DASH_REPORTS_SUPPORTERS,
    PT_DASH_REPORTS_DAILY,
};

/* One table as CSV (RFC 4180, a header row first; money in major units with
 * two decimals, ratios as plain decimals, "" where a ratio has no base). */
void pt_dash_reports_csv(struct pt_buf *out, enum pt_dash_reports_table table,
                         const struct pt_reports *reports, const struct pt_catalog *catalog,
                         const struct pt_stats_params *params);

#endif
