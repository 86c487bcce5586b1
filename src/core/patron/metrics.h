/* Counters for /metrics, in the Prometheus text format. Lock-free: every
 * request bumps a few relaxed atomics and nothing else. */
#ifndef PATRON_METRICS_H
#define PATRON_METRICS_H

#include <stdint.h>

#include "patron/buf.h"

#define PT_METRICS_ROUTES_MAX 32
/* Counts of readers' own acts (requests to the pledge, reminder, thanks and
 * manage routes, reminder counts) are shown rounded down to a multiple of
 * this, so that one reader's act is not visible as a +1. */
#define PT_METRICS_COARSE_STEP 10

/* Counts one answered request. route is an index below
 * PT_METRICS_ROUTES_MAX given by the router (its name registered once; the
 * routes of readers' own acts are shown coarsened). */
void pt_metrics_request(unsigned route, int status, uint64_t duration_us);
void pt_metrics_register_route(unsigned route, const char *name);

/* Appeal answers by the engine's reason: 0 is an appeal served, the others
 * reasons for none, each shown once registered with its name (so that
 * metrics need not know the engine). reason < PT_METRICS_REASONS_MAX. */
#define PT_METRICS_REASONS_MAX 16
void pt_metrics_appeal(unsigned reason);
void pt_metrics_register_appeal_reason(unsigned reason, const char *name);

/* count rounded down to a multiple of PT_METRICS_COARSE_STEP. */
uint64_t pt_metrics_coarse(uint64_t count);
void pt_metrics_events_accepted(uint64_t count);

/* Appends every metric; events_flushed comes from the event writer. */
void pt_metrics_render(struct pt_buf *out, uint64_t events_flushed, uint64_t events_dropped,
                       int64_t catalog_campaigns);

#endif
