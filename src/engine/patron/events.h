/* Counts of what readers did with appeals, per UTC day, campaign, variant
 * and kind, held in memory and written by one writer in batches.
 *
 * A page view must never cost a database write: requests only bump a
 * counter under a short lock; the writer thread takes the whole table every
 * flush interval (or sooner when it fills) and writes it in one
 * transaction. If the write fails the counts go back into the table, so a
 * busy or broken disk delays counts but does not lose them. */
#ifndef PATRON_EVENTS_H
#define PATRON_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "patron/catalog.h"
#include "patron/status.h"

enum pt_event_kind {
    PT_EVENT_IMPRESSION,
    PT_EVENT_CLICK,
    PT_EVENT_SNOOZE_LATER,
    PT_EVENT_SNOOZE_CLOSE,
    PT_EVENT_SNOOZE_SUPPORTING,
    PT_EVENT_PLEDGE_PENDING,   /* a checkout started: counted by the support page only */
    PT_EVENT_REMINDER_SIGNUP,  /* a reminder sign-up stored: counted by the server only */
    PT_EVENT_REFUSED,          /* an event sent but not counted: its client sent too many
                                  batches, or its batch too many of its kind (a burst) */
    PT_EVENT_KINDS,
};

/* "impression", "click", "snooze_later", ... */
const char *pt_event_kind_name(enum pt_event_kind kind);
bool pt_event_kind_parse(const char *name, enum pt_event_kind *kind);

/* One aggregated count, as written to and read from the store. */
struct pt_event_count {
    int32_t day; /* days since 1970-01-01, UTC */
    char campaign[PT_ID_MAX];
    char variant[PT_ID_MAX];
    enum pt_event_kind kind;
    int64_t count;
};

/* Writes a batch in one transaction; returns PT_OK only once it is durable. */
typedef enum pt_status (*pt_events_writer)(void *context, const struct pt_event_count *counts,
                                           size_t count);

struct pt_events;

/* Starts the writer thread, which calls write every interval_ms. */
struct pt_events *pt_events_new(pt_events_writer write, void *context, int interval_ms);
/* Flushes what is left, stops the thread and frees. */
void pt_events_free(struct pt_events *events);

/* Adds n to one counter. Never blocks on I/O. Returns false when the table
 * is full and the count was dropped (counted in pt_events_dropped). */
bool pt_events_add(struct pt_events *events, int32_t day, const char *campaign,
                   const char *variant, enum pt_event_kind kind, int64_t n);

/* Writes everything held now, on the caller's thread. */
enum pt_status pt_events_flush(struct pt_events *events);

uint64_t pt_events_flushed(const struct pt_events *events); /* counts written, summed */
uint64_t pt_events_dropped(const struct pt_events *events);

/* The UTC day number of a unix time. */
int32_t pt_events_day(int64_t unix_seconds);
/* "YYYY-MM-DD" for a day number (years 0 to 9999). */
void pt_events_format_day(int32_t day, char out[11]);

#endif
