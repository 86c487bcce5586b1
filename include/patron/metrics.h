/* Counters for /metrics, in the Prometheus text format. Lock-free: every
 * request bumps a few relaxed atomics and nothing else. */
#ifndef PATRON_METRICS_H
#define PATRON_METRICS_H

#include <stdint.h>

#include "patron/buf.h"
#include "patron/select.h"

#define PT_METRICS_ROUTES_MAX 32

/* Counts one answered request. route is an index below
 * PT_METRICS_ROUTES_MAX given by the router (its name registered once). */
void pt_metrics_request(unsigned route, int status, uint64_t duration_us);
void pt_metrics_register_route(unsigned route, const char *name);

void pt_metrics_appeal(enum pt_select_reason reason);
void pt_metrics_events_accepted(uint64_t count);

/* Appends every metric; events_flushed comes from the event writer. */
void pt_metrics_render(struct pt_buf *out, uint64_t events_flushed, uint64_t events_dropped,
                       int64_t catalog_campaigns);

#endif
