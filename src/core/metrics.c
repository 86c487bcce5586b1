#include "patron/metrics.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>

/* Status codes patron answers; anything else is counted as "other". */
static const int statuses[] = {200, 201, 202, 204, 301, 303, 304, 400, 401, 403, 404,
                               405, 413, 415, 422, 429, 500, 503};
enum { STATUS_COUNT = sizeof(statuses) / sizeof(statuses[0]) + 1 };

/* Upper bounds in microseconds; the last bucket is +Inf. */
static const uint64_t bounds_us[] = {100, 250, 500, 1000, 2500, 5000, 10000, 25000,
                                     50000, 100000, 250000, 500000, 1000000};
enum { BUCKET_COUNT = sizeof(bounds_us) / sizeof(bounds_us[0]) + 1 };

static const char *route_names[PT_METRICS_ROUTES_MAX];
static bool coarse_routes[PT_METRICS_ROUTES_MAX];

/* Routes whose every request is one reader's act (a pledge, a sign-up, a
 * visit to a thank-you or manage page, the processor's word on a payment):
 * their counts are shown in steps, so that whoever reads /metrics cannot
 * watch one reader act in real time. */
static const char *const reader_routes[] = {
    "support", "support_quote", "dismiss", "reminders",   "reminders_form", "reminders_cancel",
    "thanks",  "webhook",       "manage",  "manage_lost", "manage_magic",
};
static atomic_uint_fast64_t requests[PT_METRICS_ROUTES_MAX][STATUS_COUNT];
static atomic_uint_fast64_t duration_buckets[BUCKET_COUNT];
static atomic_uint_fast64_t duration_sum_us;
static atomic_uint_fast64_t appeals[PT_METRICS_REASONS_MAX];
static const char *reason_names[PT_METRICS_REASONS_MAX];
static atomic_uint_fast64_t events_accepted;

void pt_metrics_register_route(unsigned route, const char *name)
{
    if (route >= PT_METRICS_ROUTES_MAX)
        return;
    route_names[route] = name;
    coarse_routes[route] = false;
    for (size_t i = 0; name != NULL && i < sizeof(reader_routes) / sizeof(reader_routes[0]); i++) {
        if (strcmp(name, reader_routes[i]) == 0)
            coarse_routes[route] = true;
    }
}

uint64_t pt_metrics_coarse(uint64_t count)
{
    return count - count % PT_METRICS_COARSE_STEP;
}

static size_t status_index(int status)
{
    for (size_t i = 0; i < STATUS_COUNT - 1; i++) {
        if (statuses[i] == status)
            return i;
    }
    return STATUS_COUNT - 1;
}

void pt_metrics_request(unsigned route, int status, uint64_t duration_us)
{
    if (route >= PT_METRICS_ROUTES_MAX)
        route = PT_METRICS_ROUTES_MAX - 1;
    atomic_fetch_add_explicit(&requests[route][status_index(status)], 1, memory_order_relaxed);
    size_t bucket = 0;
    while (bucket < BUCKET_COUNT - 1 && duration_us > bounds_us[bucket])
        bucket++;
    atomic_fetch_add_explicit(&duration_buckets[bucket], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&duration_sum_us, duration_us, memory_order_relaxed);
}

void pt_metrics_register_appeal_reason(unsigned reason, const char *name)
{
    if (reason > 0 && reason < PT_METRICS_REASONS_MAX)
        reason_names[reason] = name;
}

void pt_metrics_appeal(unsigned reason)
{
    if (reason >= PT_METRICS_REASONS_MAX)
        return;
    atomic_fetch_add_explicit(&appeals[reason], 1, memory_order_relaxed);
}

void pt_metrics_events_accepted(uint64_t count)
{
    atomic_fetch_add_explicit(&events_accepted, count, memory_order_relaxed);
}

static uint64_t load(atomic_uint_fast64_t *counter)
{
    return atomic_load_explicit(counter, memory_order_relaxed);
}

void pt_metrics_render(struct pt_buf *out, uint64_t events_flushed, uint64_t events_dropped,
                       int64_t catalog_campaigns)
{
    pt_buf_puts(out, "# HELP patron_http_requests_total Requests answered, by route and status.\n"
                     "# TYPE patron_http_requests_total counter\n");
    for (unsigned route = 0; route < PT_METRICS_ROUTES_MAX; route++) {
        const char *name = route_names[route] ? route_names[route] : NULL;
        for (size_t s = 0; s < STATUS_COUNT; s++) {
            uint64_t value = load(&requests[route][s]);
            if (coarse_routes[route])
                value = pt_metrics_coarse(value);
            if (value == 0)
                continue;
            if (s < STATUS_COUNT - 1)
                pt_buf_printf(out, "patron_http_requests_total{route=\"%s\",status=\"%d\"} %llu\n",
                              name ? name : "other", statuses[s], (unsigned long long)value);
            else
                pt_buf_printf(out,
                              "patron_http_requests_total{route=\"%s\",status=\"other\"} %llu\n",
                              name ? name : "other", (unsigned long long)value);
        }
    }
    pt_buf_puts(out, "# HELP patron_http_request_duration_seconds Time to answer a request.\n"
                     "# TYPE patron_http_request_duration_seconds histogram\n");
    uint64_t cumulative = 0;
    for (size_t b = 0; b < BUCKET_COUNT; b++) {
        cumulative += load(&duration_buckets[b]);
        if (b < BUCKET_COUNT - 1)
            pt_buf_printf(out, "patron_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
                          (double)bounds_us[b] / 1e6, (unsigned long long)cumulative);
        else
            pt_buf_printf(out, "patron_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
                          (unsigned long long)cumulative);
    }
    pt_buf_printf(out, "patron_http_request_duration_seconds_sum %.6f\n",
                  (double)load(&duration_sum_us) / 1e6);
    pt_buf_printf(out, "patron_http_request_duration_seconds_count %llu\n",
                  (unsigned long long)cumulative);

    pt_buf_printf(out,
                  "# HELP patron_appeals_served_total Appeals chosen and sent.\n"
                  "# TYPE patron_appeals_served_total counter\n"
                  "patron_appeals_served_total %llu\n",
                  (unsigned long long)load(&appeals[0]));
    pt_buf_puts(out, "# HELP patron_appeals_none_total Requests answered with no appeal, by reason.\n"
                     "# TYPE patron_appeals_none_total counter\n");
    for (unsigned reason = 1; reason < PT_METRICS_REASONS_MAX; reason++)
        if (reason_names[reason] != NULL)
            pt_buf_printf(out, "patron_appeals_none_total{reason=\"%s\"} %llu\n",
                          reason_names[reason], (unsigned long long)load(&appeals[reason]));
    pt_buf_printf(out,
                  "# HELP patron_events_accepted_total Widget events accepted into memory.\n"
                  "# TYPE patron_events_accepted_total counter\n"
                  "patron_events_accepted_total %llu\n"
                  "# HELP patron_events_flushed_total Event counts written to the database.\n"
                  "# TYPE patron_events_flushed_total counter\n"
                  "patron_events_flushed_total %llu\n"
                  "# HELP patron_events_dropped_total Event counts lost to a full table.\n"
                  "# TYPE patron_events_dropped_total counter\n"
                  "patron_events_dropped_total %llu\n"
                  "# HELP patron_catalog_campaigns Campaigns in the catalogue in service.\n"
                  "# TYPE patron_catalog_campaigns gauge\n"
                  "patron_catalog_campaigns %lld\n",
                  (unsigned long long)load(&events_accepted), (unsigned long long)events_flushed,
                  (unsigned long long)events_dropped, (long long)catalog_campaigns);
}
