/* The demo's thirty days of generated history (see the header). */
#include "patron/demo_history.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "patron/alloc.h"
#include "patron/app.h"
#include "patron/buf.h"
#include "patron/config.h"
#include "patron/events.h"
#include "patron/log.h"
#include "patron/reports.h"

#define MARKER "demo-history"

/* An ended A/B test in English: b asks for more by default. Ended, so the
 * demo article keeps showing the demo campaign; in the catalogue, so the
 * reports know its control. */
static const char campaign_document[] =
    "{\"id\":\"" PT_DEMO_HISTORY_CAMPAIGN "\","
    "\"name\":\"Demo (generated history): a higher default amount\","
    "\"status\":\"ended\",\"priority\":5,\"languages\":[\"en\"],\"currency\":\"USD\","
    "\"variants\":["
    "{\"id\":\"a\",\"weight\":1,\"frequencies\":[\"monthly\",\"one_off\",\"annual\"],"
    "\"default_frequency\":\"monthly\",\"presets\":[300,500,1000],\"default_amount\":500,"
    "\"text\":{\"en\":{\"headline\":\"A message from the newsroom\",\"body\":\"Support us "
    "monthly from **$3**.\",\"support\":\"Support us\",\"later\":\"Remind me later\","
    "\"supporting\":\"I already support\"}}},"
    "{\"id\":\"b\",\"weight\":1,\"frequencies\":[\"monthly\",\"one_off\",\"annual\"],"
    "\"default_frequency\":\"monthly\",\"presets\":[500,1000,2500],\"default_amount\":1000,"
    "\"text\":{\"en\":{\"headline\":\"Keep this newsroom independent\",\"body\":\"Readers "
    "like you pay for our reporting: **$10** a month keeps it free for everyone.\","
    "\"support\":\"Give monthly\",\"later\":\"Remind me later\","
    "\"supporting\":\"I already support\"}}}]}";

/* ---------------------------------------------------------------- the generator */

/* splitmix64: small, fast, and the same sequence everywhere for a seed. */
static uint64_t next(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static double uniform(uint64_t *state)
{
    return (double)(next(state) >> 11) / 9007199254740992.0;
}

/* How many of n draws succeed with chance p, drawn one by one: n is a few
 * thousand a day, and exactness keeps the arms' variances honest. */
static int64_t successes(uint64_t *state, int64_t n, double p)
{
    int64_t k = 0;
    for (int64_t i = 0; i < n; i++)
        k += uniform(state) < p;
    return k;
}

/* What each variant's readers do, per impression. */
struct arm {
    const char *variant;
    double click, later, close, supporting, signup, pledge;
    int64_t amounts[3]; /* the presets; the default is the middle one */
};

static const struct arm arms[] = {
    {"a", 0.030, 0.015, 0.040, 0.005, 0.002, 0.0035, {300, 500, 1000}},
    {"b", 0.036, 0.014, 0.041, 0.005, 0.002, 0.0045, {500, 1000, 2500}},
};

/* Most give the default, some less, a few more. */
static int64_t amount(uint64_t *state, const struct arm *arm)
{
    double draw = uniform(state);
    return arm->amounts[draw < 0.25 ? 0 : draw < 0.85 ? 1 : 2];
}

static enum pt_frequency frequency(uint64_t *state)
{
    double draw = uniform(state);
    return draw < 0.7 ? PT_FREQUENCY_MONTHLY : draw < 0.9 ? PT_FREQUENCY_ONE_OFF
                                                          : PT_FREQUENCY_ANNUAL;
}

/* One pledge as the support page and the processor would leave it: made
 * pending, then active (or completed, for a gift) with its first payment a
 * minute later; a few monthly ones cancelled some days on. */
static enum pt_status add_pledge(struct pt_store *store, uint64_t *state, const struct arm *arm,
                                 int64_t at, int64_t now)
{
    struct pt_pledge pledge = {
        .status = "pending",
        .frequency = frequency(state),
        .amount_minor = amount(state, arm),
        .currency = "USD",
        .campaign = PT_DEMO_HISTORY_CAMPAIGN,
        .variant = arm->variant,
        .language = "en",
        .created_at = at,
    };
    snprintf(pledge.id, sizeof(pledge.id), "%016llx%016llx", (unsigned long long)next(state),
             (unsigned long long)next(state));
    enum pt_status status = pt_store_pledge_add(store, &pledge);
    if (status)
        return status;
    char payment[48];
    snprintf(payment, sizeof(payment), "demo_in_%s", pledge.id);
    struct pt_ledger_change paid = {
        .pledge_id = pledge.id,
        .status = pledge.frequency == PT_FREQUENCY_ONE_OFF ? "completed" : "active",
        .payment_id = payment,
        .payment_amount = pledge.amount_minor,
        .payment_currency = "USD",
        .note = "generated for the demo",
        .now = at + 60,
    };
    struct pt_ledger_result result;
    status = pt_store_ledger_apply(store, &paid, &result);
    if (status || pledge.frequency != PT_FREQUENCY_MONTHLY || uniform(state) >= 0.08)
        return status;
    int64_t cancelled_at = at + 86400 * (1 + (int64_t)(uniform(state) * 20.0));
    if (cancelled_at >= now)
        return PT_OK;
    struct pt_ledger_change cancelled = {
        .pledge_id = pledge.id,
        .status = "cancelled",
        .note = "generated for the demo",
        .now = cancelled_at,
    };
    return pt_store_ledger_apply(store, &cancelled, &result);
}

static void put_count(struct pt_event_count *counts, size_t *used, int32_t day,
                      const char *variant, enum pt_event_kind kind, int64_t count)
{
    struct pt_event_count *row = &counts[(*used)++];
    memset(row, 0, sizeof(*row));
    row->day = day;
    snprintf(row->campaign, sizeof(row->campaign), "%s", PT_DEMO_HISTORY_CAMPAIGN);
    snprintf(row->variant, sizeof(row->variant), "%s", variant);
    row->kind = kind;
    row->count = count;
}

enum pt_status pt_demo_history_generate(struct pt_store *store,
                                        const struct pt_catalog_settings *settings, int64_t now,
                                        uint64_t seed)
{
    struct pt_catalog_error error;
    if (pt_catalog_check_document(campaign_document, settings, &error) != PT_OK) {
        pt_log(PT_LOG_ERROR, "the demo's generated campaign is invalid: %s", error.message);
        return PT_ERR_INTERNAL;
    }
    enum pt_status status =
        pt_store_campaign_put(store, PT_DEMO_HISTORY_CAMPAIGN, campaign_document, now);
    if (status)
        return status;
    uint64_t state = seed;
    int32_t today = pt_events_day(now);
    enum { ARMS = sizeof(arms) / sizeof(arms[0]) };
    struct pt_event_count *counts =
        pt_xcalloc(PT_DEMO_HISTORY_DAYS * ARMS * PT_EVENT_KINDS, sizeof(*counts));
    size_t used = 0;
    for (int32_t day = today - PT_DEMO_HISTORY_DAYS; day < today && status == PT_OK; day++) {
        /* Weekends are quieter; 1970-01-01 was a Thursday. */
        int weekday = (int)((day + 3) % 7);
        int64_t traffic = weekday >= 5 ? 1000 : 1500;
        for (size_t a = 0; a < ARMS && status == PT_OK; a++) {
            const struct arm *arm = &arms[a];
            int64_t impressions = traffic + (int64_t)(uniform(&state) * 300.0) - 150;
            int64_t pledges = successes(&state, impressions, arm->pledge);
            put_count(counts, &used, day, arm->variant, PT_EVENT_IMPRESSION, impressions);
            put_count(counts, &used, day, arm->variant, PT_EVENT_CLICK,
                      successes(&state, impressions, arm->click));
            put_count(counts, &used, day, arm->variant, PT_EVENT_SNOOZE_LATER,
                      successes(&state, impressions, arm->later));
            put_count(counts, &used, day, arm->variant, PT_EVENT_SNOOZE_CLOSE,
                      successes(&state, impressions, arm->close));
            put_count(counts, &used, day, arm->variant, PT_EVENT_SNOOZE_SUPPORTING,
                      successes(&state, impressions, arm->supporting));
            put_count(counts, &used, day, arm->variant, PT_EVENT_REMINDER_SIGNUP,
                      successes(&state, impressions, arm->signup));
            /* Checkouts started: the pledges, and as many again left unpaid. */
            put_count(counts, &used, day, arm->variant, PT_EVENT_PLEDGE_PENDING,
                      pledges + successes(&state, pledges * 2, 0.5));
            for (int64_t p = 0; p < pledges && status == PT_OK; p++) {
                int64_t at = (int64_t)day * 86400 + 3600 * 6 +
                             (int64_t)(uniform(&state) * 3600.0 * 17.0);
                status = add_pledge(store, &state, arm, at, now);
            }
        }
    }
    /* One batch, one transaction, as the event writer flushes. */
    if (status == PT_OK)
        status = pt_store_counts_add(store, counts, used);
    free(counts);
    return status;
}

/* ---------------------------------------------------------------- the marker */

static void marker_path(struct pt_buf *path, const char *data_dir)
{
    pt_buf_init(path);
    pt_buf_printf(path, "%s/" MARKER, data_dir);
}

bool pt_demo_history_real_from(const char *data_dir, int32_t *day)
{
    if (data_dir == NULL)
        return false;
    struct pt_buf path;
    marker_path(&path, data_dir);
    FILE *file = fopen(path.data, "r");
    pt_buf_dispose(&path);
    if (file == NULL)
        return false;
    char text[32] = "";
    bool read = fgets(text, sizeof(text), file) != NULL;
    fclose(file);
    text[strcspn(text, "\n")] = '\0';
    int32_t parsed = 0;
    if (!read || pt_reports_parse_day(text, &parsed) != PT_OK)
        return false;
    *day = parsed;
    return true;
}

static void count_visitor(void *context, const struct pt_event_count *count)
{
    (void)count;
    *(bool *)context = true;
}

static void pledge_visitor(void *context, const struct pt_report_pledge *pledge)
{
    (void)pledge;
    *(bool *)context = true;
}

/* Nothing counted, no pledge, no campaign but the demo's own: a data folder
 * someone has used is never written into. */
static enum pt_status is_fresh(struct pt_store *store, int64_t now, bool *fresh)
{
    bool used = false;
    int64_t campaigns = 0;
    enum pt_status status = pt_store_campaign_count(store, &campaigns);
    if (status == PT_OK)
        status = pt_store_counts_range(store, 0, pt_events_day(now) + 1, count_visitor, &used);
    if (status == PT_OK && !used)
        status = pt_store_report_pledges(store, 0, INT64_MAX, pledge_visitor, &used);
    *fresh = status == PT_OK && !used && campaigns <= 1;
    return status;
}

enum pt_status pt_demo_history_prepare(struct pt_app *app)
{
    int32_t day = 0;
    if (pt_demo_history_real_from(app->config->data_dir, &day))
        return PT_OK;
    int64_t now = pt_app_now(app);
    bool fresh = false;
    enum pt_status status = is_fresh(app->store, now, &fresh);
    if (status || !fresh)
        return status;
    /* The marker first: should the writing stop half-way, what is there is
     * still labelled as generated, and a restart does not add to it. */
    struct pt_buf path;
    marker_path(&path, app->config->data_dir);
    FILE *file = fopen(path.data, "w");
    char first[11];
    pt_events_format_day(pt_events_day(now), first);
    bool written = file != NULL && fprintf(file, "%s\n", first) > 0;
    if (file != NULL && fclose(file) != 0)
        written = false;
    if (!written)
        pt_log(PT_LOG_ERROR, "could not write %s: %s", path.data, strerror(errno));
    pt_buf_dispose(&path);
    if (!written)
        return PT_ERR_IO;
    status = pt_demo_history_generate(app->store, &app->catalog_settings, now,
                                      PT_DEMO_HISTORY_SEED);
    if (status == PT_OK)
        pt_log(PT_LOG_INFO, "generated %d days of demo history before %s", PT_DEMO_HISTORY_DAYS,
               first);
    return status;
}
