/* The reports pages: the period form, four tables, the charts' data, and a
 * CSV file of each table.
 *
 * Each table is described once (its columns) and filled once per row as
 * cells; the same cells are written as HTML (grouped numbers, "—" where a
 * ratio has no base) or as CSV (plain numbers, "" there), so the page and
 * its download cannot disagree. */
#include "patron/dash_reports.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "patron/app.h"
#include "patron/config.h"
#include "patron/demo_history.h"
#include "patron/http.h"
#include "patron/money.h"

#define REPORTS "/dashboard/reports"
#define DEFAULT_DAYS 30

/* ---------------------------------------------------------------- the form */

static void copy_shown(char *out, size_t size, const char *text)
{
    /* What was typed is shown back in the form, cut to the field's size. */
    snprintf(out, size, "%s", text != NULL ? text : "");
}

void pt_dash_reports_form_read(struct pt_dash_reports_form *form, const char *from,
                               const char *to, const char *campaign, int32_t today,
                               const char *currency)
{
    memset(form, 0, sizeof(*form));
    form->query.currency = currency;
    form->query.to_day = today;
    form->query.from_day = today - (DEFAULT_DAYS - 1);
    copy_shown(form->from, sizeof(form->from), from);
    copy_shown(form->to, sizeof(form->to), to);
    if (campaign != NULL && campaign[0] != '\0') {
        if (!pt_catalog_is_id(campaign)) {
            form->error = "There is no campaign with that id: ids are a-z, 0-9, '-' and '_'.";
            form->error_field = "campaign";
        } else {
            snprintf(form->campaign, sizeof(form->campaign), "%s", campaign);
        }
    }
    form->query.campaign = form->campaign;
    if (form->from[0] != '\0' && pt_reports_parse_day(from, &form->query.from_day) != PT_OK) {
        form->error = "The first day is not a date: write it as YYYY-MM-DD, e.g. 2026-01-31.";
        form->error_field = "from";
    } else if (form->to[0] != '\0' && pt_reports_parse_day(to, &form->query.to_day) != PT_OK) {
        form->error = "The last day is not a date: write it as YYYY-MM-DD, e.g. 2026-01-31.";
        form->error_field = "to";
    } else if (form->error == NULL && form->query.from_day > form->query.to_day) {
        form->error = "The period ends before it starts: the first day must not come after "
                      "the last.";
        form->error_field = "from";
    } else if (form->error == NULL && pt_reports_query_check(&form->query) != PT_OK) {
        form->error = "The period is too long: choose at most ten years.";
        form->error_field = "from";
    }
    /* The form shows the period in force, defaults included. */
    if (form->error == NULL) {
        pt_events_format_day(form->query.from_day, form->from);
        pt_events_format_day(form->query.to_day, form->to);
    }
}

/* ---------------------------------------------------------------- numbers */

static int currency_exponent(const char *code)
{
    const struct pt_currency *currency = code != NULL ? pt_money_currency(code) : NULL;
    return currency != NULL ? currency->exponent : 2;
}

/* Digits with a comma between thousands when grouped. */
static void put_unsigned(struct pt_buf *out, uint64_t value, bool grouped)
{
    char digits[32];
    int length = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)value);
    for (int i = 0; i < length; i++) {
        if (grouped && i > 0 && (length - i) % 3 == 0)
            pt_buf_puts(out, ",");
        pt_buf_append(out, &digits[i], 1);
    }
}

static uint64_t magnitude(int64_t value)
{
    return value < 0 ? (uint64_t)0 - (uint64_t)value : (uint64_t)value;
}

static void put_count(struct pt_buf *out, int64_t value, bool grouped)
{
    if (value < 0)
        pt_buf_puts(out, "-");
    put_unsigned(out, magnitude(value), grouped);
}

/* Minor units as major units with two decimals: 123456 cents "1234.56",
 * 500 yen "500.00". */
static void put_money(struct pt_buf *out, int64_t minor, int exponent, bool grouped)
{
    int64_t hundredths = minor;
    if (exponent < 2) {
        for (int e = exponent; e < 2 && hundredths > INT64_MIN / 10 && hundredths < INT64_MAX / 10;
             e++)
            hundredths *= 10;
    } else if (exponent > 2) {
        int64_t divisor = 1;
        for (int e = 2; e < exponent; e++)
            divisor *= 10;
        hundredths = (minor >= 0 ? minor + divisor / 2 : minor - divisor / 2) / divisor;
    }
    if (hundredths < 0)
        pt_buf_puts(out, "-");
    uint64_t absolute = magnitude(hundredths);
    put_unsigned(out, absolute / 100, grouped);
    pt_buf_printf(out, ".%02u", (unsigned)(absolute % 100));
}

/* A signed decimal for the page, with a real minus sign (which screen
 * readers say) and never "-0.00". */
static void put_signed(struct pt_buf *out, double value)
{
    char text[64];
    snprintf(text, sizeof(text), "%+.2f", value);
    if (strcmp(text + 1, "0.00") == 0)
        text[0] = '+';
    if (text[0] == '-')
        pt_buf_puts(out, "\xe2\x88\x92");
    else
        pt_buf_puts(out, "+");
    pt_buf_puts(out, text + 1);
}

/* ---------------------------------------------------------------- tables */

enum cell_kind {
    CELL_TEXT,     /* text; note is added in HTML only */
    CELL_COUNT,    /* integer */
    CELL_MONEY,    /* minor units */
    CELL_RATIO,    /* a fraction: HTML as a percentage, CSV as a decimal */
    CELL_INTERVAL, /* estimate (lower to upper); CSV gives three columns */
    CELL_PAIR,     /* control / variant counts; CSV gives two columns */
    CELL_VERDICT,  /* a verdict's name */
};

struct cell {
    enum cell_kind kind;
    bool present;       /* false: no value ("—" in HTML, "" in CSV) */
    const char *text;   /* TEXT, VERDICT */
    const char *note;   /* TEXT: shown after the text in HTML, e.g. "control";
                           COUNT: a warning shown after the number in HTML */
    int64_t number;     /* COUNT, MONEY; PAIR: the control's */
    int64_t other;      /* PAIR: the variant's */
    double ratio;       /* RATIO */
    double estimate, lower, upper; /* INTERVAL, already in the unit shown */
};

struct column {
    const char *label; /* HTML header */
    const char *csv;   /* CSV header */
    enum cell_kind kind;
};

#define MAX_COLUMNS 16

/* One row's cells, and room for the texts made for them. */
struct row {
    struct cell cells[MAX_COLUMNS];
    char text[64];
    char last_day[11];
};

struct source {
    const struct pt_reports *reports;
    const struct pt_catalog *catalog; /* may be NULL */
    const struct pt_reports_verdict *verdicts;
    size_t verdict_count;
    const struct pt_stats_params *params;
    int exponent;
    struct pt_reports_funnel_row total; /* of every funnel row */
};

struct table {
    const char *id;
    const char *caption;
    const struct column *columns;
    size_t column_count;
    size_t row_count;
    bool has_total; /* fill is also called with row == row_count for the footer */
    const char *empty; /* what the HTML says when there are no rows */
    void (*fill)(const struct source *source, size_t index, struct row *row);
};

static void text_cell(struct cell *cell, const char *text)
{
    cell->kind = CELL_TEXT;
    cell->present = true;
    cell->text = text;
}

static void count_cell(struct cell *cell, int64_t value)
{
    cell->kind = CELL_COUNT;
    cell->present = true;
    cell->number = value;
}

static void money_cell(struct cell *cell, int64_t minor, bool present)
{
    cell->kind = CELL_MONEY;
    cell->present = present;
    cell->number = minor;
}

static void ratio_cell(struct cell *cell, double ratio, bool present)
{
    cell->kind = CELL_RATIO;
    cell->present = present;
    cell->ratio = ratio;
}

static bool is_numeric(enum cell_kind kind)
{
    return kind != CELL_TEXT && kind != CELL_VERDICT;
}

static void html_value(struct pt_buf *out, const struct source *source, const struct cell *cell)
{
    if (!cell->present) {
        pt_buf_puts(out, "\xe2\x80\x94");
    } else if (cell->kind == CELL_TEXT) {
        pt_buf_html_str(out, cell->text);
        if (cell->note != NULL) {
            pt_buf_puts(out, " <span class=\"dash-help\">(");
            pt_buf_html_str(out, cell->note);
            pt_buf_puts(out, ")</span>");
        }
    } else if (cell->kind == CELL_COUNT) {
        put_count(out, cell->number, true);
        if (cell->note != NULL) {
            pt_buf_puts(out, " <strong class=\"dash-behind reports-flag\">(");
            pt_buf_html_str(out, cell->note);
            pt_buf_puts(out, ")</strong>");
        }
    } else if (cell->kind == CELL_PAIR) {
        put_count(out, cell->number, true);
        pt_buf_puts(out, " / ");
        put_count(out, cell->other, true);
    } else if (cell->kind == CELL_MONEY) {
        put_money(out, cell->number, source->exponent, true);
    } else if (cell->kind == CELL_RATIO) {
        pt_buf_printf(out, "%.2f%%", cell->ratio * 100);
    } else if (cell->kind == CELL_INTERVAL) {
        put_signed(out, cell->estimate);
        pt_buf_puts(out, " <span class=\"reports-interval\">(");
        put_signed(out, cell->lower);
        pt_buf_puts(out, " to ");
        put_signed(out, cell->upper);
        pt_buf_puts(out, ")</span>");
    } else {
        const char *style = strcmp(cell->text, "ahead") == 0    ? "dash-ahead"
                            : strcmp(cell->text, "behind") == 0 ? "dash-behind"
                                                                : "reports-unknown";
        pt_buf_printf(out, "<span class=\"%s\">", style);
        pt_buf_html_str(out, cell->text);
        pt_buf_puts(out, "</span>");
    }
}

/* The first cell of a row is its header. Every cell repeats its column's
 * label in data-label, which web/reports.css shows beside the value when a
 * narrow screen turns each row into a card. */
static void html_cell(struct pt_buf *out, const struct source *source, const struct cell *cell,
                      const char *label, bool header)
{
    const char *element = header ? "th" : "td";
    pt_buf_printf(out, "<%s%s%s data-label=\"", element, header ? " scope=\"row\"" : "",
                  is_numeric(cell->kind) ? " class=\"num\"" : "");
    pt_buf_html_str(out, label);
    pt_buf_puts(out, "\">");
    html_value(out, source, cell);
    pt_buf_printf(out, "</%s>", element);
}

static void html_row(struct pt_buf *out, const struct source *source, const struct table *table,
                     size_t row)
{
    struct row cells;
    memset(&cells, 0, sizeof(cells));
    table->fill(source, row, &cells);
    pt_buf_puts(out, "<tr>");
    for (size_t c = 0; c < table->column_count; c++)
        html_cell(out, source, &cells.cells[c], table->columns[c].label, c == 0);
    pt_buf_puts(out, "</tr>");
}

static void html_table(struct pt_buf *out, const struct source *source, const struct table *table)
{
    /* A wide table scrolls inside its region, which the keyboard can reach. */
    pt_buf_puts(out, "<div class=\"dash-table-wrap reports-cards\" tabindex=\"0\" role=\"region\" "
                     "aria-label=\"");
    pt_buf_html_str(out, table->caption);
    pt_buf_printf(out, "\"><table id=\"%s-table\"><caption>", table->id);
    pt_buf_html_str(out, table->caption);
    pt_buf_puts(out, "</caption><thead><tr>");
    for (size_t c = 0; c < table->column_count; c++) {
        pt_buf_printf(out, "<th scope=\"col\"%s>",
                      is_numeric(table->columns[c].kind) ? " class=\"num\"" : "");
        pt_buf_html_str(out, table->columns[c].label);
        pt_buf_puts(out, "</th>");
    }
    pt_buf_puts(out, "</tr></thead><tbody>");
    for (size_t row = 0; row < table->row_count; row++)
        html_row(out, source, table, row);
    if (table->row_count == 0) {
        pt_buf_printf(out, "<tr><td colspan=\"%zu\">", table->column_count);
        pt_buf_html_str(out, table->empty);
        pt_buf_puts(out, "</td></tr>");
    }
    pt_buf_puts(out, "</tbody>");
    if (table->has_total && table->row_count > 0) {
        pt_buf_puts(out, "<tfoot>");
        html_row(out, source, table, table->row_count);
        pt_buf_puts(out, "</tfoot>");
    }
    pt_buf_puts(out, "</table></div>");
}

static void csv_number(struct pt_buf *out, const char *format, double value)
{
    char text[64];
    snprintf(text, sizeof(text), format, value);
    pt_buf_puts(out, text);
}

static void csv_cell(struct pt_buf *out, const struct source *source, const struct cell *cell)
{
    if (cell->kind == CELL_INTERVAL) {
        if (cell->present) {
            csv_number(out, "%.4f", cell->estimate);
            pt_buf_puts(out, ",");
            csv_number(out, "%.4f", cell->lower);
            pt_buf_puts(out, ",");
            csv_number(out, "%.4f", cell->upper);
        } else {
            pt_buf_puts(out, ",,");
        }
    } else if (cell->kind == CELL_PAIR) {
        put_count(out, cell->number, false);
        pt_buf_puts(out, ",");
        put_count(out, cell->other, false);
    } else if (!cell->present) {
        return;
    } else if (cell->kind == CELL_TEXT || cell->kind == CELL_VERDICT) {
        pt_dash_csv_field(out, cell->text);
    } else if (cell->kind == CELL_COUNT) {
        put_count(out, cell->number, false);
    } else if (cell->kind == CELL_MONEY) {
        put_money(out, cell->number, source->exponent, false);
    } else {
        csv_number(out, "%.6f", cell->ratio);
    }
}

static void csv_table(struct pt_buf *out, const struct source *source, const struct table *table)
{
    for (size_t c = 0; c < table->column_count; c++) {
        const char *name = table->columns[c].csv;
        if (c > 0)
            pt_buf_puts(out, ",");
        if (table->columns[c].kind == CELL_INTERVAL)
            pt_buf_printf(out, "%s,%s_lower,%s_upper", name, name, name);
        else if (table->columns[c].kind == CELL_PAIR)
            pt_buf_printf(out, "%s_control,%s_variant", name, name);
        else
            pt_buf_puts(out, name);
    }
    pt_buf_puts(out, "\r\n");
    for (size_t row = 0; row < table->row_count; row++) {
        struct row cells;
        memset(&cells, 0, sizeof(cells));
        table->fill(source, row, &cells);
        for (size_t c = 0; c < table->column_count; c++) {
            if (c > 0)
                pt_buf_puts(out, ",");
            csv_cell(out, source, &cells.cells[c]);
        }
        pt_buf_puts(out, "\r\n");
    }
}

/* ---------------------------------------------------------------- the funnel */

static const struct column funnel_columns[] = {
    {"Campaign", "campaign", CELL_TEXT},
    {"Variant", "variant", CELL_TEXT},
    {"Impressions", "impressions", CELL_COUNT},
    {"Clicks", "clicks", CELL_COUNT},
    {"Snoozed: later", "snoozed_later", CELL_COUNT},
    {"Snoozed: closed", "snoozed_close", CELL_COUNT},
    {"Snoozed: already supporting", "snoozed_supporting", CELL_COUNT},
    {"Reminder sign-ups", "reminder_signups", CELL_COUNT},
    {"Checkouts started", "checkouts_started", CELL_COUNT},
    {"Pledges", "pledges", CELL_COUNT},
    {"Conversion", "conversion", CELL_RATIO},
    {"First-month revenue", "first_month_revenue", CELL_MONEY},
    {"RPM", "rpm", CELL_MONEY},
    {"Events refused (bursts)", "events_refused", CELL_COUNT},
};

static void fill_funnel_row(const struct pt_reports_funnel_row *row, const char *campaign,
                            const char *variant, struct cell *cells)
{
    static const enum pt_event_kind kinds[] = {
        PT_EVENT_IMPRESSION,        PT_EVENT_CLICK,           PT_EVENT_SNOOZE_LATER,
        PT_EVENT_SNOOZE_CLOSE,      PT_EVENT_SNOOZE_SUPPORTING, PT_EVENT_REMINDER_SIGNUP,
        PT_EVENT_PLEDGE_PENDING,
    };
    text_cell(&cells[0], campaign);
    text_cell(&cells[1], variant);
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        count_cell(&cells[2 + i], row->events[kinds[i]]);
    count_cell(&cells[9], row->pledges);
    double conversion = 0;
    bool has_conversion =
        pt_reports_conversion(row->pledges, row->events[PT_EVENT_IMPRESSION], &conversion);
    ratio_cell(&cells[10], conversion, has_conversion);
    money_cell(&cells[11], row->revenue_minor, true);
    int64_t rpm = 0;
    bool has_rpm = pt_reports_rpm(row->revenue_minor, row->events[PT_EVENT_IMPRESSION], &rpm);
    money_cell(&cells[12], rpm, has_rpm);
    count_cell(&cells[13], row->events[PT_EVENT_REFUSED]);
    if (row->events[PT_EVENT_REFUSED] > 0)
        cells[13].note = "burst";
}

static void fill_funnel(const struct source *source, size_t index, struct row *row_cells)
{
    struct cell *cells = row_cells->cells;
    const struct pt_reports_funnel *funnel = &source->reports->funnel;
    if (index == funnel->count) {
        fill_funnel_row(&source->total, "All", "", cells);
        return;
    }
    const struct pt_reports_funnel_row *row = &funnel->rows[index];
    fill_funnel_row(row, row->campaign[0] ? row->campaign : "(none)",
                    row->campaign[0] ? row->variant : "", cells);
    /* "control" beside each campaign's control, in the HTML only. */
    const struct pt_campaign *campaign =
        source->catalog != NULL ? pt_catalog_find(source->catalog, row->campaign) : NULL;
    if (campaign != NULL && campaign->variant_count > 0 &&
        strcmp(campaign->variants[0].id, row->variant) == 0)
        cells[1].note = "control";
}

/* ---------------------------------------------------------------- verdicts */

static const struct column verdict_columns[] = {
    {"Campaign", "campaign", CELL_TEXT},
    {"Variant", "variant", CELL_TEXT},
    {"Control", "control", CELL_TEXT},
    {"Impressions (control / variant)", "impressions", CELL_PAIR},
    {"Pledges (control / variant)", "pledges", CELL_PAIR},
    {"Conversion, variant \xe2\x88\x92 control, in points", "conversion_points", CELL_INTERVAL},
    {"Conversion verdict", "conversion_verdict", CELL_VERDICT},
    {"Revenue per 1,000 impressions, variant \xe2\x88\x92 control", "rpm_difference",
     CELL_INTERVAL},
    {"Revenue verdict", "revenue_verdict", CELL_VERDICT},
    {"Note", "note", CELL_TEXT},
};

/* Why a verdict has no interval, or NULL. */
static const char *absent_reason(const struct pt_reports_verdict *verdict)
{
    if (verdict->state == PT_REPORTS_NO_CONTROL)
        return "No control: the campaign is no longer in the catalogue.";
    if (verdict->state == PT_REPORTS_IMPOSSIBLE)
        return "Cannot compare: an arm has more pledges than impressions (pledges from links "
               "or previews).";
    if (!verdict->comparison.conversion.enough_data || !verdict->comparison.revenue.enough_data)
        return "Too little data for a verdict yet.";
    return NULL;
}

/* Whether either arm had events refused as a burst in the period. */
static bool burst_in(const struct source *source, const struct pt_reports_verdict *verdict)
{
    const char *arms[] = {verdict->control, verdict->variant};
    for (size_t i = 0; i < 2; i++) {
        const struct pt_reports_funnel_row *row =
            pt_reports_funnel_find(&source->reports->funnel, verdict->campaign, arms[i]);
        if (row != NULL && row->events[PT_EVENT_REFUSED] > 0)
            return true;
    }
    return false;
}

static void interval_cell(struct cell *cell, const struct pt_reports_verdict *verdict,
                          const struct pt_stats_interval *interval, double scale)
{
    cell->kind = CELL_INTERVAL;
    cell->present = verdict->state == PT_REPORTS_COMPARED && interval->enough_data;
    cell->estimate = interval->estimate * scale;
    cell->lower = interval->lower * scale;
    cell->upper = interval->upper * scale;
}

static void verdict_cell(struct cell *cell, const struct pt_stats_interval *interval)
{
    cell->kind = CELL_VERDICT;
    cell->present = true;
    cell->text = pt_stats_verdict_name(interval->verdict);
}

static void pair_cell(struct cell *cell, uint64_t control, uint64_t variant)
{
    cell->kind = CELL_PAIR;
    cell->present = true;
    cell->number = (int64_t)control;
    cell->other = (int64_t)variant;
}

static void fill_verdict(const struct source *source, size_t index, struct row *row)
{
    struct cell *cells = row->cells;
    const struct pt_reports_verdict *verdict = &source->verdicts[index];
    const struct pt_stats_comparison *comparison = &verdict->comparison;
    text_cell(&cells[0], verdict->campaign);
    text_cell(&cells[1], verdict->variant);
    text_cell(&cells[2], verdict->control[0] ? verdict->control : "(unknown)");
    pair_cell(&cells[3], verdict->control_arm.impressions, verdict->variant_arm.impressions);
    pair_cell(&cells[4], verdict->control_arm.conversions, verdict->variant_arm.conversions);
    interval_cell(&cells[5], verdict, &comparison->conversion, 100.0);
    verdict_cell(&cells[6], &comparison->conversion);
    /* Minor units per impression to major units per 1,000 impressions. */
    interval_cell(&cells[7], verdict, &comparison->revenue, 1000.0 / pow(10.0, source->exponent));
    verdict_cell(&cells[8], &comparison->revenue);
    const char *reason = absent_reason(verdict);
    if (reason == NULL && burst_in(source, verdict))
        reason = "Bursts of events were refused for this campaign in this period (see the "
                 "funnel's refused events): check the days they came before trusting the verdict.";
    text_cell(&cells[9], reason != NULL ? reason : "");
}

/* ---------------------------------------------------------------- supporters */

static const struct column supporter_columns[] = {
    {"Month", "month", CELL_TEXT},
    {"Counted to", "counted_to", CELL_TEXT},
    {"Active at start", "active_at_start", CELL_COUNT},
    {"New", "new", CELL_COUNT},
    {"Cancelled", "cancelled", CELL_COUNT},
    {"Active at end", "active_at_end", CELL_COUNT},
    {"Churn", "churn", CELL_RATIO},
    {"MRR at end", "mrr", CELL_MONEY},
};

/* A month cut short by the period is counted up to the period's last day. */
static void fill_supporters(const struct source *source, size_t index, struct row *row)
{
    struct cell *cells = row->cells;
    const struct pt_reports_month *month = &source->reports->supporters.months[index];
    snprintf(row->text, sizeof(row->text), "%04d-%02d", month->year, month->month);
    pt_events_format_day(pt_events_day(month->end - 1), row->last_day);
    text_cell(&cells[0], row->text);
    text_cell(&cells[1], row->last_day);
    count_cell(&cells[2], month->active_at_start);
    count_cell(&cells[3], month->new_supporters);
    count_cell(&cells[4], month->cancelled);
    count_cell(&cells[5], month->active_at_end);
    double churn = 0;
    bool has_churn = pt_reports_churn(month, &churn);
    ratio_cell(&cells[6], churn, has_churn);
    money_cell(&cells[7], month->mrr_minor, true);
}

/* ---------------------------------------------------------------- daily */

static const struct column daily_columns[] = {
    {"Day", "day", CELL_TEXT},
    {"Impressions", "impressions", CELL_COUNT},
    {"Pledges", "pledges", CELL_COUNT},
    {"Conversion", "conversion", CELL_RATIO},
    {"Revenue received", "revenue", CELL_MONEY},
    {"Events refused (bursts)", "events_refused", CELL_COUNT},
};

static void fill_daily(const struct source *source, size_t index, struct row *row)
{
    struct cell *cells = row->cells;
    const struct pt_reports_day *day = &source->reports->days.days[index];
    pt_events_format_day(day->day, row->text);
    text_cell(&cells[0], row->text);
    count_cell(&cells[1], day->impressions);
    count_cell(&cells[2], day->pledges);
    double conversion = 0;
    bool has_conversion = pt_reports_conversion(day->pledges, day->impressions, &conversion);
    ratio_cell(&cells[3], conversion, has_conversion);
    money_cell(&cells[4], day->revenue_minor, true);
    count_cell(&cells[5], day->refused);
    if (day->refused > 0)
        cells[5].note = "burst";
}

/* ---------------------------------------------------------------- the tables */

#define COLUMNS(array) (array), (sizeof(array) / sizeof((array)[0]))

static struct table make_table(const struct source *source, enum pt_dash_reports_table which)
{
    const struct pt_reports *reports = source->reports;
    switch (which) {
    case PT_DASH_REPORTS_FUNNEL:
        return (struct table){"funnel", "The funnel per campaign and variant",
                              COLUMNS(funnel_columns), reports->funnel.count, true,
                              "Nothing was shown or pledged in this period.", fill_funnel};
    case PT_DASH_REPORTS_VERDICT:
        return (struct table){"verdict", "Each variant against its campaign's control",
                              COLUMNS(verdict_columns), source->verdict_count, false,
                              "No campaign in this period has a variant to compare with its "
                              "control.",
                              fill_verdict};
    case PT_DASH_REPORTS_SUPPORTERS:
        return (struct table){"supporters", "Supporters (monthly and annual pledges) by month",
                              COLUMNS(supporter_columns), reports->supporters.count, false,
                              "No months in this period.", fill_supporters};
    case PT_DASH_REPORTS_DAILY:
    default:
        return (struct table){"daily", "Impressions, pledges and revenue per day",
                              COLUMNS(daily_columns), reports->days.count, false,
                              "No days in this period.", fill_daily};
    }
}

/* Fills in a source; its verdicts are the caller's to free. */
static void source_init(struct source *source, const struct pt_reports *reports,
                        const struct pt_catalog *catalog, const struct pt_stats_params *params)
{
    memset(source, 0, sizeof(*source));
    source->reports = reports;
    source->catalog = catalog;
    source->params = params;
    source->exponent = currency_exponent(reports->query.currency);
    struct pt_reports_verdict *verdicts = NULL;
    pt_reports_verdicts(&reports->funnel, catalog, params, &verdicts, &source->verdict_count);
    source->verdicts = verdicts;
    pt_reports_funnel_total(&reports->funnel, &source->total);
}

static void source_dispose(struct source *source)
{
    free((void *)source->verdicts);
    source->verdicts = NULL;
}

void pt_dash_reports_csv(struct pt_buf *out, enum pt_dash_reports_table which,
                         const struct pt_reports *reports, const struct pt_catalog *catalog,
                         const struct pt_stats_params *params)
{
    struct source source;
    source_init(&source, reports, catalog, params);
    struct table table = make_table(&source, which);
    csv_table(out, &source, &table);
    source_dispose(&source);
}

/* ---------------------------------------------------------------- charts' data */

/* What web/charts.js draws, as JSON in a <script type="application/json">:
 * x values are unix seconds (UTC midnight), money in major units, the
 * conversion in percent (null without impressions). */
static void chart_data(struct pt_buf *out, const struct source *source)
{
    const struct pt_reports *reports = source->reports;
    const struct pt_reports_days *days = &reports->days;
    pt_buf_puts(out, "<script type=\"application/json\" id=\"reports-data\">{\"currency\":\"");
    pt_buf_json(out, reports->query.currency ? reports->query.currency : "",
                reports->query.currency ? strlen(reports->query.currency) : 0);
    pt_buf_puts(out, "\",\"days\":[");
    for (size_t i = 0; i < days->count; i++)
        pt_buf_printf(out, "%s%lld", i ? "," : "", (long long)days->days[i].day * 86400);
    pt_buf_puts(out, "],\"impressions\":[");
    for (size_t i = 0; i < days->count; i++)
        pt_buf_printf(out, "%s%lld", i ? "," : "", (long long)days->days[i].impressions);
    pt_buf_puts(out, "],\"conversion\":[");
    for (size_t i = 0; i < days->count; i++) {
        double conversion = 0;
        if (pt_reports_conversion(days->days[i].pledges, days->days[i].impressions, &conversion))
            pt_buf_printf(out, "%s%.4f", i ? "," : "", conversion * 100);
        else
            pt_buf_puts(out, i ? ",null" : "null");
    }
    pt_buf_puts(out, "],\"revenue\":[");
    for (size_t i = 0; i < days->count; i++) {
        if (i)
            pt_buf_puts(out, ",");
        put_money(out, days->days[i].revenue_minor, source->exponent, false);
    }
    pt_buf_puts(out, "]}</script>");
}

/* One entry of a chart's legend: the series' colour and line, its name and
 * its value over the period, so the chart reads without hovering. */
struct legend {
    const char *swatch; /* "first" or "second", as web/charts.js draws them */
    const char *label;
    const char *value;  /* already formatted, HTML */
};

/* A chart's place: hidden until web/charts.js draws into it, so that a
 * reader without script sees only the table that follows. */
static void chart_figure(struct pt_buf *out, const char *id, const char *caption,
                         const struct legend *legend, size_t legend_count)
{
    pt_buf_printf(out, "<figure class=\"reports-chart\" id=\"%s\" hidden><figcaption>", id);
    pt_buf_html_str(out, caption);
    pt_buf_puts(out, " <span class=\"dash-help\">(the table below has the numbers)</span>"
                     "</figcaption><div class=\"reports-plot\"></div><ul class=\"reports-legend\">");
    for (size_t i = 0; i < legend_count; i++) {
        pt_buf_printf(out, "<li><span class=\"reports-swatch reports-swatch-%s\" "
                           "aria-hidden=\"true\"></span>",
                      legend[i].swatch);
        pt_buf_html_str(out, legend[i].label);
        pt_buf_puts(out, ": <strong>");
        pt_buf_puts(out, legend[i].value);
        pt_buf_puts(out, "</strong></li>");
    }
    pt_buf_puts(out, "</ul></figure>");
}

/* ---------------------------------------------------------------- the funnel chart */

/* A bar as wide as value is of the largest, in an SVG a thousand units wide
 * that CSS stretches over the line; a step with any count keeps a sliver,
 * so that 1 is not drawn as 0. Attributes, not style, so the page's CSP
 * (style-src 'self') lets it through. */
static void bar(struct pt_buf *out, const char *style, int64_t value, int64_t largest)
{
    int64_t width = largest > 0 ? (int64_t)((double)value * 1000.0 / (double)largest + 0.5) : 0;
    if (value > 0 && width < 4)
        width = 4;
    pt_buf_printf(out, "<svg class=\"reports-bar\" viewBox=\"0 0 1000 12\" "
                       "preserveAspectRatio=\"none\" aria-hidden=\"true\" focusable=\"false\">"
                       "<rect class=\"reports-bar-track\" width=\"1000\" height=\"12\"/>"
                       "<rect class=\"%s\" width=\"%lld\" height=\"12\"/></svg>",
                  style, (long long)width);
}

struct step {
    const char *label;
    int64_t value;
};

/* One campaign's funnel in its real order, each step with its count and
 * its share of the step before, on a linear scale. */
static void campaign_funnel(struct pt_buf *out, const char *campaign,
                            const struct pt_reports_funnel_row *sum)
{
    const struct step steps[] = {
        {"Impressions", sum->events[PT_EVENT_IMPRESSION]},
        {"Clicks", sum->events[PT_EVENT_CLICK]},
        {"Checkouts started", sum->events[PT_EVENT_PLEDGE_PENDING]},
        {"Pledges", sum->pledges},
    };
    size_t count = sizeof(steps) / sizeof(steps[0]);
    int64_t largest = 0;
    for (size_t i = 0; i < count; i++)
        largest = steps[i].value > largest ? steps[i].value : largest;
    pt_buf_puts(out, "<section class=\"reports-funnel-campaign\"><h3>");
    pt_buf_html_str(out, campaign);
    pt_buf_puts(out, "</h3><ol class=\"reports-steps\">");
    for (size_t i = 0; i < count; i++) {
        pt_buf_puts(out, "<li><span class=\"reports-step-label\">");
        pt_buf_html_str(out, steps[i].label);
        pt_buf_puts(out, "</span> <span class=\"reports-step-value\">");
        put_count(out, steps[i].value, true);
        pt_buf_puts(out, "</span>");
        if (i > 0) {
            pt_buf_puts(out, " <span class=\"reports-step-rate\">");
            if (steps[i - 1].value <= 0)
                pt_buf_printf(out, "(no %s to compare with)", steps[i - 1].label);
            else if (steps[i].value > steps[i - 1].value)
                pt_buf_printf(out, "(more than the %s: these also come from links and the support "
                                   "page, not only from the appeal)",
                              i == 2 ? "clicks" : "step before");
            else
                pt_buf_printf(out, "(%.2f%% of the step before)",
                              100.0 * (double)steps[i].value / (double)steps[i - 1].value);
            pt_buf_puts(out, "</span>");
        }
        bar(out, i == count - 1 ? "reports-bar-last" : "reports-bar-value", steps[i].value,
            largest);
        pt_buf_puts(out, "</li>");
    }
    pt_buf_puts(out, "</ol>");
    if (sum->events[PT_EVENT_REFUSED] > 0) {
        pt_buf_puts(out, "<p class=\"reports-burst\"><strong class=\"dash-behind\">Bursts "
                         "refused:</strong> ");
        put_count(out, sum->events[PT_EVENT_REFUSED], true);
        pt_buf_puts(out, " events for this campaign came too fast from one address, or too many "
                         "in one batch, and were not counted. The daily table shows on which "
                         "days.</p>");
    }
    pt_buf_puts(out, "</section>");
}

/* Every campaign's funnel: rows come sorted by campaign, so a campaign's
 * variants are next to each other. Drawn by the server, so it needs no
 * script. */
static void funnel_chart(struct pt_buf *out, const struct source *source)
{
    const struct pt_reports_funnel *funnel = &source->reports->funnel;
    if (funnel->count == 0)
        return;
    pt_buf_puts(out, "<figure class=\"reports-funnels\" id=\"reports-funnel-chart\">"
                     "<figcaption>The funnel of each campaign, in order: impressions, clicks, "
                     "checkouts started, pledges <span class=\"dash-help\">(bars on a linear "
                     "scale, as a share of the campaign's largest step; the table below has "
                     "every column)</span></figcaption>");
    size_t start = 0;
    while (start < funnel->count) {
        struct pt_reports_funnel_row sum;
        memset(&sum, 0, sizeof(sum));
        size_t end = start;
        while (end < funnel->count &&
               strcmp(funnel->rows[end].campaign, funnel->rows[start].campaign) == 0) {
            for (int k = 0; k < PT_EVENT_KINDS; k++)
                sum.events[k] += funnel->rows[end].events[k];
            sum.pledges += funnel->rows[end].pledges;
            end++;
        }
        const char *campaign = funnel->rows[start].campaign;
        campaign_funnel(out, campaign[0] ? campaign : "(no campaign)", &sum);
        start = end;
    }
    pt_buf_puts(out, "</figure>");
}

/* ---------------------------------------------------------------- verdict lines */

/* A count rounded to two significant digits: "about 12,000 more views". */
static int64_t rounded(uint64_t value)
{
    uint64_t unit = 1;
    while (value / unit >= 100)
        unit *= 10;
    return (int64_t)(((value + unit / 2) / unit) * unit);
}

/* One plain sentence for a variant, over the numbers: which metric decided,
 * how sure (1 - alpha, the method's guarantee over every look), or how far
 * the test still is from a verdict if what it has seen so far holds. */
static void verdict_line(struct pt_buf *out, const struct source *source,
                         const struct pt_reports_verdict *verdict)
{
    const struct pt_stats_comparison *comparison = &verdict->comparison;
    double sure = (1.0 - source->params->alpha) * 100.0;
    pt_buf_puts(out, "<li><strong>");
    pt_buf_html_str(out, verdict->campaign);
    pt_buf_puts(out, "</strong>: ");
    if (verdict->state == PT_REPORTS_NO_CONTROL) {
        pt_buf_puts(out, "Variant ");
        pt_buf_html_str(out, verdict->variant);
        pt_buf_puts(out, " has no verdict: the campaign is no longer in the catalogue, so its "
                         "control is not known.</li>");
        return;
    }
    if (verdict->state == PT_REPORTS_IMPOSSIBLE) {
        pt_buf_puts(out, "Variant ");
        pt_buf_html_str(out, verdict->variant);
        pt_buf_puts(out, " cannot be compared with ");
        pt_buf_html_str(out, verdict->control);
        pt_buf_puts(out, ": an arm has more pledges than impressions.</li>");
        return;
    }
    enum pt_stats_verdict revenue = comparison->revenue.verdict;
    enum pt_stats_verdict conversion = comparison->conversion.verdict;
    if (revenue != PT_STATS_NOT_YET_KNOWN || conversion != PT_STATS_NOT_YET_KNOWN) {
        bool by_revenue = revenue != PT_STATS_NOT_YET_KNOWN;
        bool up = (by_revenue ? revenue : conversion) == PT_STATS_AHEAD;
        pt_buf_puts(out, "Variant ");
        pt_buf_html_str(out, verdict->variant);
        if (by_revenue)
            pt_buf_printf(out, " raises %s per thousand views than ", up ? "more" : "less");
        else
            pt_buf_printf(out, " turns %s views into pledges than ", up ? "more" : "fewer");
        pt_buf_html_str(out, verdict->control);
        pt_buf_printf(out, ": <span class=\"%s\">%.0f%% sure</span>.",
                      up ? "dash-ahead" : "dash-behind", sure);
        if (!by_revenue)
            pt_buf_puts(out, " Whether it raises more money is not yet known.");
        pt_buf_puts(out, "</li>");
        return;
    }
    uint64_t views = 0, revenue_views = 0;
    bool known = pt_stats_views_needed(source->params, &verdict->control_arm,
                                       &verdict->variant_arm, PT_STATS_CONVERSION, &views);
    if (pt_stats_views_needed(source->params, &verdict->control_arm, &verdict->variant_arm,
                              PT_STATS_REVENUE, &revenue_views) &&
        (!known || revenue_views < views)) {
        views = revenue_views;
        known = true;
    }
    bool enough = comparison->conversion.enough_data;
    if (known && views > 0) {
        pt_buf_puts(out, "Not enough data yet: about ");
        put_count(out, rounded(views), true);
        pt_buf_puts(out, " more views needed to tell ");
        pt_buf_html_str(out, verdict->variant);
        pt_buf_puts(out, " from ");
        pt_buf_html_str(out, verdict->control);
        pt_buf_puts(out, ", if the difference so far holds.</li>");
    } else if (!enough) {
        pt_buf_puts(out, "Not enough data yet: each of ");
        pt_buf_html_str(out, verdict->control);
        pt_buf_puts(out, " and ");
        pt_buf_html_str(out, verdict->variant);
        pt_buf_printf(out, " needs at least %llu views and %llu pledges before there can be a "
                           "verdict.</li>",
                      (unsigned long long)source->params->min_impressions,
                      (unsigned long long)source->params->min_conversions);
    } else {
        pt_buf_puts(out, "Not yet known: so far ");
        pt_buf_html_str(out, verdict->variant);
        pt_buf_puts(out, " and ");
        pt_buf_html_str(out, verdict->control);
        pt_buf_puts(out, " differ too little to tell apart in any likely number of views; the "
                         "difference may be too small to matter.</li>");
    }
}

static void verdict_lines(struct pt_buf *out, const struct source *source)
{
    if (source->verdict_count == 0)
        return;
    pt_buf_puts(out, "<ul class=\"reports-verdict-lines\" id=\"reports-verdict-lines\">");
    for (size_t i = 0; i < source->verdict_count; i++)
        verdict_line(out, source, &source->verdicts[i]);
    pt_buf_puts(out, "</ul>");
}

/* ---------------------------------------------------------------- interval chart */

/* Each compared variant's difference from its control on one metric, as a
 * range on a shared axis with 0 marked: the always-valid interval the
 * verdict is read from, so a range clear of the 0 line is a verdict. */
/* The interval of one metric a verdict has to draw, or NULL. */
static const struct pt_stats_interval *drawn_range(const struct pt_reports_verdict *verdict,
                                                   bool revenue)
{
    const struct pt_stats_interval *range =
        revenue ? &verdict->comparison.revenue : &verdict->comparison.conversion;
    return verdict->state == PT_REPORTS_COMPARED && range->enough_data ? range : NULL;
}

static void interval_chart(struct pt_buf *out, const struct source *source, const char *id,
                           const char *caption, bool revenue)
{
    double scale = revenue ? 1000.0 / pow(10.0, source->exponent) : 100.0;
    double low = 0, high = 0;
    size_t shown = 0;
    for (size_t i = 0; i < source->verdict_count; i++) {
        const struct pt_stats_interval *range = drawn_range(&source->verdicts[i], revenue);
        if (range == NULL)
            continue;
        low = range->lower * scale < low ? range->lower * scale : low;
        high = range->upper * scale > high ? range->upper * scale : high;
        shown++;
    }
    if (shown == 0 || !(high > low))
        return;
    double pad = (high - low) * 0.05;
    low -= pad;
    high += pad;
    double span = high - low;
    pt_buf_printf(out, "<figure class=\"reports-intervals\" id=\"%s\"><figcaption>", id);
    pt_buf_html_str(out, caption);
    pt_buf_printf(out, " <span class=\"dash-help\">(the line marks 0, no difference: a range "
                       "wholly to its right is ahead, wholly to its left behind; %.0f%% "
                       "always-valid ranges)</span></figcaption><ul class=\"reports-steps\">",
                  (1.0 - source->params->alpha) * 100.0);
    for (size_t i = 0; i < source->verdict_count; i++) {
        const struct pt_reports_verdict *verdict = &source->verdicts[i];
        const struct pt_stats_interval *range = drawn_range(verdict, revenue);
        if (range == NULL)
            continue;
        pt_buf_puts(out, "<li><span class=\"reports-step-label\">");
        pt_buf_html_str(out, verdict->campaign);
        pt_buf_puts(out, ": ");
        pt_buf_html_str(out, verdict->variant);
        pt_buf_puts(out, " against ");
        pt_buf_html_str(out, verdict->control);
        pt_buf_puts(out, "</span> <span class=\"reports-step-value\">");
        put_signed(out, range->estimate * scale);
        pt_buf_puts(out, " (");
        put_signed(out, range->lower * scale);
        pt_buf_puts(out, " to ");
        put_signed(out, range->upper * scale);
        pt_buf_printf(out, ")</span> <span class=\"reports-step-rate\">%s</span>",
                      pt_stats_verdict_name(range->verdict));
        long left = lround((range->lower * scale - low) / span * 1000.0);
        long right = lround((range->upper * scale - low) / span * 1000.0);
        long middle = lround((range->estimate * scale - low) / span * 1000.0);
        long zero = lround((0.0 - low) / span * 1000.0);
        pt_buf_printf(out, "<svg class=\"reports-range\" viewBox=\"0 0 1000 20\" "
                           "preserveAspectRatio=\"none\" aria-hidden=\"true\" "
                           "focusable=\"false\"><rect class=\"reports-bar-track\" "
                           "width=\"1000\" height=\"20\"/><rect class=\"reports-range-%s\" "
                           "x=\"%ld\" y=\"5\" width=\"%ld\" height=\"10\"/><rect "
                           "class=\"reports-range-estimate\" x=\"%ld\" y=\"1\" width=\"6\" "
                           "height=\"18\"/><rect class=\"reports-range-zero\" x=\"%ld\" "
                           "width=\"3\" height=\"20\"/></svg></li>",
                      range->verdict == PT_STATS_NOT_YET_KNOWN ? "unknown" : "known", left,
                      right - left > 2 ? right - left : 2, middle - 3, zero - 1);
    }
    pt_buf_puts(out, "</ul></figure>");
}

/* ---------------------------------------------------------------- the page */

static void form_field(struct pt_buf *out, const struct pt_dash_reports_form *form,
                       const char *name, const char *label, const char *value)
{
    bool invalid = form->error_field != NULL && strcmp(form->error_field, name) == 0;
    pt_buf_printf(out, "<p><label for=\"reports-%s\">%s</label><input type=\"date\" "
                       "id=\"reports-%s\" name=\"%s\" value=\"",
                  name, label, name, name);
    pt_buf_html_str(out, value);
    pt_buf_printf(out, "\" min=\"1970-01-01\" max=\"9999-12-31\"%s></p>",
                  invalid ? " aria-invalid=\"true\" aria-describedby=\"reports-error\"" : "");
}

static void campaign_option(struct pt_buf *out, const char *id, const char *selected,
                            const char *suffix)
{
    pt_buf_puts(out, "<option value=\"");
    pt_buf_html_str(out, id);
    pt_buf_printf(out, "\"%s>", strcmp(id, selected) == 0 ? " selected" : "");
    pt_buf_html_str(out, id[0] ? id : "All campaigns");
    pt_buf_html_str(out, suffix);
    pt_buf_puts(out, "</option>");
}

static void period_form(struct pt_buf *out, const struct pt_dash_reports_form *form,
                        const struct pt_catalog *catalog)
{
    pt_buf_puts(out, "<form class=\"dash-form reports-period\" method=\"get\" action=\"" REPORTS
                     "\" aria-label=\"Period and campaign\">");
    form_field(out, form, "from", "First day (UTC)", form->from);
    form_field(out, form, "to", "Last day (UTC)", form->to);
    bool invalid = form->error_field != NULL && strcmp(form->error_field, "campaign") == 0;
    pt_buf_printf(out, "<p><label for=\"reports-campaign\">Campaign</label>"
                       "<select id=\"reports-campaign\" name=\"campaign\"%s>",
                  invalid ? " aria-invalid=\"true\" aria-describedby=\"reports-error\"" : "");
    campaign_option(out, "", form->campaign, "");
    bool listed = form->campaign[0] == '\0';
    for (size_t i = 0; catalog != NULL && i < catalog->campaign_count; i++) {
        campaign_option(out, catalog->campaigns[i].id, form->campaign, "");
        listed = listed || strcmp(catalog->campaigns[i].id, form->campaign) == 0;
    }
    if (!listed)
        campaign_option(out, form->campaign, form->campaign, " (no longer in the catalogue)");
    pt_buf_puts(out, "</select></p><p><button type=\"submit\">Show</button></p></form>");
    if (form->error != NULL) {
        pt_buf_puts(out, "<p class=\"dash-notice dash-notice-error\" id=\"reports-error\" "
                         "role=\"alert\">");
        pt_buf_html_str(out, form->error);
        pt_buf_puts(out, "</p>");
    }
}

/* The same query, for the CSV links. */
static void query_string(struct pt_buf *out, const struct pt_dash_reports_form *form)
{
    pt_buf_puts(out, "?from=");
    pt_buf_url(out, form->from);
    pt_buf_puts(out, "&amp;to=");
    pt_buf_url(out, form->to);
    if (form->campaign[0] != '\0') {
        pt_buf_puts(out, "&amp;campaign=");
        pt_buf_url(out, form->campaign);
    }
}

static void csv_link(struct pt_buf *out, const struct pt_dash_reports_form *form,
                     const char *file, const char *label)
{
    pt_buf_printf(out, "<li><a href=\"" REPORTS "/%s", file);
    query_string(out, form);
    pt_buf_printf(out, "\" download>%s (CSV)</a></li>", label);
}

static void section_start(struct pt_buf *out, const char *id, const char *title,
                          const struct pt_dash_reports_form *form, const char *file)
{
    pt_buf_printf(out, "<section class=\"reports-section\" aria-labelledby=\"%s\">"
                       "<h2 id=\"%s\">%s</h2><ul class=\"reports-downloads\">",
                  id, id, title);
    csv_link(out, form, file, "Download this table");
    pt_buf_puts(out, "</ul>");
}

static void other_currency_note(struct pt_buf *out, int64_t count, const char *currency,
                                const char *what)
{
    if (count <= 0)
        return;
    pt_buf_puts(out, "<p class=\"dash-help\">");
    put_count(out, count, true);
    pt_buf_printf(out, " %s in another currency than ", what);
    pt_buf_html_str(out, currency);
    pt_buf_puts(out, " counted as such but left out of the money columns.</p>");
}

static void funnel_section(struct pt_buf *out, const struct source *source,
                           const struct pt_dash_reports_form *form)
{
    const char *currency = source->reports->query.currency;
    section_start(out, "reports-funnel", "Funnel", form, "funnel.csv");
    pt_buf_puts(out,
                "<p class=\"dash-help\">Impressions (an appeal at least half in view), clicks and "
                "snoozes are counted by the widget; reminder sign-ups and checkouts started by "
                "the server, per UTC day. Pledges are pledges made in the period that became "
                "active or were paid (a checkout left unpaid is not one). First-month revenue "
                "is what each of them paid within 31 days of being made, so recent pledges may "
                "still add to it. Conversion is pledges per impression; RPM is first-month "
                "revenue per 1,000 impressions. Money in ");
    pt_buf_html_str(out, currency);
    pt_buf_puts(out, ".</p>");
    other_currency_note(out, source->total.other_currency, currency, "pledges");
    funnel_chart(out, source);
    struct table table = make_table(source, PT_DASH_REPORTS_FUNNEL);
    html_table(out, source, &table);
    pt_buf_puts(out, "</section>");
}

static void verdict_section(struct pt_buf *out, const struct source *source,
                            const struct pt_dash_reports_form *form)
{
    section_start(out, "reports-verdict", "A/B verdicts", form, "verdict.csv");
    verdict_lines(out, source);
    pt_buf_printf(
        out,
        "<p class=\"dash-help\">Each variant is compared with its campaign's control: the "
        "first variant in the campaign's document, the one the editor lists first. Conversion "
        "is pledges per impression, the difference in percentage points; revenue is "
        "first-month revenue per 1,000 impressions. In brackets, an always-valid confidence "
        "interval (a confidence sequence from the normal-mixture sequential test): it stays "
        "valid however often you look, so you may look every day and act as soon as a verdict "
        "appears. <strong>ahead</strong>: the whole interval is above zero; "
        "<strong>behind</strong>: below zero; <strong>not yet known</strong>: it still "
        "includes zero, or an arm has fewer than %llu impressions or %llu pledges. Over the "
        "whole life of a test, the chance of any wrong ahead or behind is at most %.0f%% per "
        "comparison. Read a test over the days it has run, from its first day: the guarantee "
        "is for counts that grow from the start, not for periods picked after looking.</p>",
        (unsigned long long)source->params->min_impressions,
        (unsigned long long)source->params->min_conversions, source->params->alpha * 100);
    interval_chart(out, source, "reports-revenue-ranges",
                   "Revenue per 1,000 views, each variant minus its control", true);
    interval_chart(out, source, "reports-conversion-ranges",
                   "Conversion, each variant minus its control, in percentage points", false);
    struct table table = make_table(source, PT_DASH_REPORTS_VERDICT);
    html_table(out, source, &table);
    pt_buf_puts(out, "</section>");
}

static void supporters_section(struct pt_buf *out, const struct source *source,
                               const struct pt_dash_reports_form *form)
{
    const struct pt_reports_supporters *supporters = &source->reports->supporters;
    section_start(out, "reports-supporters", "Supporters", form, "supporters.csv");
    pt_buf_puts(out,
                "<p class=\"dash-help\">Supporters are monthly and annual pledges that are "
                "active or past due (a payment being retried); paused pledges and one-off gifts "
                "are not counted. New: became active for the first time in the month (one that "
                "comes back is not new). Cancelled: ended in the month after having been active "
                "or paused. Churn: cancelled \xc3\xb7 active at the start of the month. MRR, "
                "monthly recurring revenue: monthly amounts plus annual amounts \xc3\xb7 12 of "
                "the supporters active at the end. Whole UTC months; the last one ends with the "
                "period. Money in ");
    pt_buf_html_str(out, source->reports->query.currency);
    pt_buf_puts(out, ".</p>");
    int64_t other = supporters->count > 0 ? supporters->months[supporters->count - 1].other_currency
                                          : 0;
    other_currency_note(out, other, source->reports->query.currency,
                        "supporters at the end of the last month pay");
    struct table table = make_table(source, PT_DASH_REPORTS_SUPPORTERS);
    html_table(out, source, &table);
    pt_buf_puts(out, "</section>");
}

static void daily_section(struct pt_buf *out, const struct source *source,
                          const struct pt_dash_reports_form *form)
{
    section_start(out, "reports-daily", "Day by day", form, "daily.csv");
    pt_buf_puts(out, "<p class=\"dash-help\">Pledges made that day that became active; "
                     "conversion is those pledges per impression; revenue is the money "
                     "received that day, in ");
    pt_buf_html_str(out, source->reports->query.currency);
    pt_buf_puts(out, ", from every payment (first or later) of the pledges asked for.</p>");
    /* The legends give the period's totals, the numbers the lines add up to. */
    int64_t impressions = 0, pledges = 0, revenue = 0;
    for (size_t i = 0; i < source->reports->days.count; i++) {
        impressions += source->reports->days.days[i].impressions;
        pledges += source->reports->days.days[i].pledges;
        revenue += source->reports->days.days[i].revenue_minor;
    }
    struct pt_buf shown_impressions, shown_revenue, shown_conversion;
    pt_buf_init(&shown_impressions);
    pt_buf_init(&shown_revenue);
    pt_buf_init(&shown_conversion);
    put_count(&shown_impressions, impressions, true);
    pt_buf_puts(&shown_impressions, " in the period");
    put_money(&shown_revenue, revenue, source->exponent, true);
    pt_buf_puts(&shown_revenue, " ");
    pt_buf_html_str(&shown_revenue, source->reports->query.currency);
    pt_buf_puts(&shown_revenue, " in the period");
    double conversion = 0;
    if (pt_reports_conversion(pledges, impressions, &conversion))
        pt_buf_printf(&shown_conversion, "%.2f%% over the period", conversion * 100.0);
    else
        pt_buf_puts(&shown_conversion, "\xe2\x80\x94 (no impressions)");
    const struct legend traffic[] = {
        {"first", "Impressions (solid line)", shown_impressions.data},
        {"second", "Revenue received (dashed line)", shown_revenue.data},
    };
    const struct legend converting[] = {
        {"first", "Conversion, pledges per impression", shown_conversion.data},
    };
    chart_figure(out, "reports-traffic-chart", "Impressions and revenue received per day", traffic,
                 2);
    chart_figure(out, "reports-conversion-chart", "Conversion per day, in percent", converting, 1);
    pt_buf_dispose(&shown_impressions);
    pt_buf_dispose(&shown_revenue);
    pt_buf_dispose(&shown_conversion);
    struct table table = make_table(source, PT_DASH_REPORTS_DAILY);
    html_table(out, source, &table);
    pt_buf_puts(out, "</section>");
}

/* The money each processor took in the period: the books add up across
 * processors and currencies, each in its own. */
static void processors_section(struct pt_buf *out, const struct source *source)
{
    const struct pt_reports_processors *processors = &source->reports->processors;
    pt_buf_puts(out, "<section class=\"reports-section\" id=\"reports-processors\"><h2>By "
                     "processor</h2><p class=\"dash-help\">What each payment processor took in "
                     "the period, in each currency, for the campaigns asked for; what came back "
                     "(chargebacks, reversed direct debits) is counted on the day it came back."
                     "</p>");
    if (processors->count == 0) {
        pt_buf_puts(out, "<p>No payment in the period.</p></section>");
        return;
    }
    /* The same card layout as the other tables: on a phone each row is a
     * card whose cells say their column. */
    pt_buf_puts(out, "<div class=\"dash-table-wrap reports-cards\" tabindex=\"0\" "
                     "role=\"region\" aria-label=\"Payments by processor\"><table "
                     "id=\"reports-processors-table\"><caption>Payments by processor"
                     "</caption><thead><tr><th scope=\"col\">Processor</th><th scope=\"col\">"
                     "Currency</th><th scope=\"col\" class=\"num\">Payments</th><th scope=\"col\" "
                     "class=\"num\">Received</th><th scope=\"col\" class=\"num\">Came back</th>"
                     "<th scope=\"col\" class=\"num\">Net</th></tr></thead><tbody>");
    for (size_t i = 0; i < processors->count; i++) {
        const struct pt_reports_processor_row *row = &processors->rows[i];
        int exponent = currency_exponent(row->currency);
        char name[16];
        snprintf(name, sizeof(name), "%s", row->processor[0] ? row->processor : "none");
        if (name[0] >= 'a' && name[0] <= 'z')
            name[0] = (char)(name[0] - 'a' + 'A');
        pt_buf_puts(out, "<tr><th scope=\"row\" data-label=\"Processor\">");
        pt_buf_html_str(out, name);
        pt_buf_puts(out, "</th><td data-label=\"Currency\">");
        pt_buf_html_str(out, row->currency);
        pt_buf_puts(out, "</td><td class=\"num\" data-label=\"Payments\">");
        put_count(out, row->payments, true);
        pt_buf_puts(out, "</td><td class=\"num\" data-label=\"Received\">");
        put_money(out, row->received_minor, exponent, true);
        pt_buf_puts(out, "</td><td class=\"num\" data-label=\"Came back\">");
        put_money(out, row->reversed_minor, exponent, true);
        pt_buf_puts(out, "</td><td class=\"num\" data-label=\"Net\">");
        put_money(out, row->received_minor - row->reversed_minor, exponent, true);
        pt_buf_puts(out, "</td></tr>");
    }
    pt_buf_puts(out, "</tbody></table></div></section>");
}

void pt_dash_reports_render(struct pt_buf *out, const struct pt_dash_reports_form *form,
                            const struct pt_reports *reports, const struct pt_catalog *catalog,
                            const struct pt_stats_params *params)
{
    pt_buf_puts(out, "<link rel=\"stylesheet\" href=\"/dashboard/assets/reports.css\">");
    period_form(out, form, catalog);
    if (reports == NULL)
        return;
    struct source source;
    source_init(&source, reports, catalog, params);
    pt_buf_puts(out, "<p class=\"dash-help\">From ");
    pt_buf_html_str(out, form->from);
    pt_buf_puts(out, " to ");
    pt_buf_html_str(out, form->to);
    pt_buf_puts(out, ", whole UTC days, ");
    if (form->campaign[0] != '\0') {
        pt_buf_puts(out, "campaign ");
        pt_buf_html_str(out, form->campaign);
    } else {
        pt_buf_puts(out, "every campaign");
    }
    pt_buf_puts(out, ". Counts reach the database every few seconds.</p>");
    if (form->generated_before > 0 && form->query.from_day < form->generated_before) {
        char first_real[11];
        pt_events_format_day(form->generated_before, first_real);
        pt_buf_printf(out, "<p class=\"dash-notice reports-generated\" id=\"reports-generated\">"
                           "<strong>The numbers before %s are generated for the demo</strong>, "
                           "so that there is a test to read: the campaign demo-history-ab and "
                           "its pledges never happened. What readers do from %s on is real.</p>",
                      first_real, first_real);
    }
    funnel_section(out, &source, form);
    verdict_section(out, &source, form);
    supporters_section(out, &source, form);
    daily_section(out, &source, form);
    processors_section(out, &source);
    chart_data(out, &source);
    pt_buf_puts(out, "<link rel=\"stylesheet\" href=\"/dashboard/assets/uplot.css\">"
                     "<script src=\"/dashboard/assets/uplot.js\" defer></script>"
                     "<script src=\"/dashboard/assets/charts.js\" defer></script>");
    source_dispose(&source);
}

/* ---------------------------------------------------------------- routes */

struct csv_route {
    const char *path;
    enum pt_dash_reports_table table;
    const char *name;
};

static const struct csv_route csv_routes[] = {
    {"/funnel.csv", PT_DASH_REPORTS_FUNNEL, "funnel"},
    {"/verdict.csv", PT_DASH_REPORTS_VERDICT, "verdict"},
    {"/supporters.csv", PT_DASH_REPORTS_SUPPORTERS, "supporters"},
    {"/daily.csv", PT_DASH_REPORTS_DAILY, "daily"},
};

static void send_csv(struct pt_dash *dash, const struct csv_route *route,
                     const struct pt_dash_reports_form *form, const struct pt_reports *reports,
                     const struct pt_catalog *catalog, const struct pt_stats_params *params)
{
    struct pt_buf csv;
    pt_buf_init(&csv);
    pt_dash_reports_csv(&csv, route->table, reports, catalog, params);
    char filename[160];
    snprintf(filename, sizeof(filename), "patron-%s-%s-to-%s%s%s.csv", route->name, form->from,
             form->to, form->campaign[0] ? "-" : "", form->campaign);
    pt_dash_send_csv(dash, filename, &csv);
    pt_buf_dispose(&csv);
}

void pt_dash_reports(struct pt_dash *dash)
{
    if (dash->request->method == PT_METHOD_POST) {
        pt_dash_error(dash, 405, "The reports are read with GET; there is nothing to send.");
        return;
    }
    const struct csv_route *route = NULL;
    for (size_t i = 0; i < sizeof(csv_routes) / sizeof(csv_routes[0]); i++) {
        if (strcmp(dash->rest, csv_routes[i].path) == 0)
            route = &csv_routes[i];
    }
    if (route == NULL && dash->rest[0] != '\0' && strcmp(dash->rest, "/") != 0) {
        pt_dash_error(dash, 404, "There is no such report.");
        return;
    }
    struct pt_dash_reports_form form;
    pt_dash_reports_form_read(&form, pt_http_query(dash->request, "from"),
                              pt_http_query(dash->request, "to"),
                              pt_http_query(dash->request, "campaign"),
                              pt_events_day(pt_app_now(dash->app)), dash->app->config->currency);
    /* Only the demo can have generated history; serve never reads for it. */
    if (dash->app->config->demo_pages)
        pt_demo_history_real_from(dash->app->config->data_dir, &form.generated_before);
    if (route != NULL && form.error != NULL) {
        pt_dash_error(dash, 400, form.error);
        return;
    }
    struct pt_stats_params params;
    pt_stats_params_init(&params);
    struct pt_catalog *catalog = pt_catalog_holder_acquire(&dash->app->catalogs);
    struct pt_reports reports;
    enum pt_status status = PT_OK;
    if (form.error == NULL)
        status = pt_reports_load(dash->app->store, &form.query, catalog, &reports);
    if (status) {
        pt_catalog_release(catalog);
        pt_dash_error(dash, 503, "The reports could not be read from the database just now. "
                                 "Try again in a minute.");
        return;
    }
    if (route != NULL) {
        send_csv(dash, route, &form, &reports, catalog, &params);
    } else {
        struct pt_buf page;
        pt_buf_init(&page);
        pt_dash_page_start(&page, dash, "reports", "Reports");
        pt_dash_reports_render(&page, &form, form.error == NULL ? &reports : NULL, catalog,
                               &params);
        pt_dash_page_end(&page);
        pt_dash_send(dash, form.error == NULL ? 200 : 400, &page);
        pt_buf_dispose(&page);
    }
    if (form.error == NULL)
        pt_reports_dispose(&reports);
    pt_catalog_release(catalog);
}
