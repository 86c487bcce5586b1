#include "patron/events.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "patron/alloc.h"
#include "patron/log.h"

static const char *const kind_names[PT_EVENT_KINDS] = {
    [PT_EVENT_IMPRESSION] = "impression",
    [PT_EVENT_CLICK] = "click",
    [PT_EVENT_SNOOZE_LATER] = "snooze_later",
    [PT_EVENT_SNOOZE_CLOSE] = "snooze_close",
    [PT_EVENT_SNOOZE_SUPPORTING] = "snooze_supporting",
    [PT_EVENT_PLEDGE_PENDING] = "pledge_pending",
    [PT_EVENT_REMINDER_SIGNUP] = "reminder_signup",
    [PT_EVENT_REFUSED] = "refused",
};

const char *pt_event_kind_name(enum pt_event_kind kind)
{
    return kind >= 0 && kind < PT_EVENT_KINDS ? kind_names[kind] : "unknown";
}

bool pt_event_kind_parse(const char *name, enum pt_event_kind *kind)
{
    for (int i = 0; i < PT_EVENT_KINDS; i++) {
        if (strcmp(kind_names[i], name) == 0) {
            *kind = (enum pt_event_kind)i;
            return true;
        }
    }
    return false;
}

int32_t pt_events_day(int64_t unix_seconds)
{
    int64_t day = unix_seconds / 86400;
    if (unix_seconds < 0 && unix_seconds % 86400 != 0)
        day--;
    return (int32_t)day;
}

void pt_events_format_day(int32_t day, char out[11])
{
    time_t seconds = (time_t)day * 86400;
    struct tm tm;
    gmtime_r(&seconds, &tm);
    int year = tm.tm_year + 1900;
    if (year < 0 || year > 9999)
        year = 0;
    /* Room for any int, so the compiler can see nothing is cut; the date
     * itself is always ten characters. */
    char text[40];
    snprintf(text, sizeof(text), "%04d-%02d-%02d", year, tm.tm_mon + 1, tm.tm_mday);
    memcpy(out, text, 10);
    out[10] = '\0';
}

/* Open addressing over a power-of-two table. The table is flushed when it is
 * three-quarters full, long before probing gets slow: distinct keys per
 * flush interval are campaigns x variants x kinds, a few hundred at most. */
enum { TABLE_SIZE = 4096, TABLE_FLUSH_AT = TABLE_SIZE * 3 / 4 };

struct slot {
    bool used;
    struct pt_event_count count;
};

struct pt_events {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    struct slot *slots;
    size_t used;
    bool stopping;
    bool flush_requested;
    pthread_t thread;
    pthread_mutex_t write_lock; /* one writer at a time: the thread or a caller */
    pt_events_writer write;
    void *context;
    int interval_ms;
    atomic_uint_fast64_t flushed;
    atomic_uint_fast64_t dropped;
};

static uint64_t key_hash(int32_t day, const char *campaign, const char *variant,
                         enum pt_event_kind kind)
{
    uint64_t hash = 0xcbf29ce484222325u ^ (uint64_t)(uint32_t)day ^ ((uint64_t)kind << 40);
    for (const char *p = campaign; *p; p++)
        hash = (hash ^ (unsigned char)*p) * 0x100000001b3u;
    hash = (hash ^ 0xff) * 0x100000001b3u;
    for (const char *p = variant; *p; p++)
        hash = (hash ^ (unsigned char)*p) * 0x100000001b3u;
    return hash ^ (hash >> 29);
}

/* Called with the lock held. */
static bool add_locked(struct pt_events *events, int32_t day, const char *campaign,
                       const char *variant, enum pt_event_kind kind, int64_t n)
{
    size_t index = key_hash(day, campaign, variant, kind) & (TABLE_SIZE - 1);
    for (size_t probe = 0; probe < TABLE_SIZE; probe++) {
        struct slot *slot = &events->slots[(index + probe) & (TABLE_SIZE - 1)];
        if (!slot->used) {
            if (events->used >= TABLE_SIZE - 1)
                return false;
            slot->used = true;
            slot->count.day = day;
            snprintf(slot->count.campaign, sizeof(slot->count.campaign), "%s", campaign);
            snprintf(slot->count.variant, sizeof(slot->count.variant), "%s", variant);
            slot->count.kind = kind;
            slot->count.count = n;
            events->used++;
            if (events->used >= TABLE_FLUSH_AT && !events->flush_requested) {
                events->flush_requested = true;
                pthread_cond_signal(&events->wake);
            }
            return true;
        }
        if (slot->count.day == day && slot->count.kind == kind &&
            strcmp(slot->count.campaign, campaign) == 0 &&
            strcmp(slot->count.variant, variant) == 0) {
            slot->count.count += n;
            return true;
        }
    }
    return false;
}

bool pt_events_add(struct pt_events *events, int32_t day, const char *campaign,
                   const char *variant, enum pt_event_kind kind, int64_t n)
{
    pthread_mutex_lock(&events->lock);
    bool added = add_locked(events, day, campaign, variant, kind, n);
    pthread_mutex_unlock(&events->lock);
    if (!added)
        atomic_fetch_add(&events->dropped, (uint_fast64_t)n);
    return added;
}

enum pt_status pt_events_flush(struct pt_events *events)
{
    pthread_mutex_lock(&events->write_lock);
    /* Take the whole table under the lock, write it without the lock, so
     * requests never wait for the disk. */
    pthread_mutex_lock(&events->lock);
    size_t count = 0;
    struct pt_event_count *batch = NULL;
    if (events->used > 0) {
        batch = pt_xmalloc(events->used * sizeof(*batch));
        for (size_t i = 0; i < TABLE_SIZE; i++) {
            if (events->slots[i].used) {
                batch[count++] = events->slots[i].count;
                events->slots[i].used = false;
            }
        }
        events->used = 0;
    }
    events->flush_requested = false;
    pthread_mutex_unlock(&events->lock);

    enum pt_status status = PT_OK;
    if (count > 0) {
        status = events->write(events->context, batch, count);
        if (status == PT_OK) {
            uint64_t total = 0;
            for (size_t i = 0; i < count; i++)
                total += (uint64_t)batch[i].count;
            atomic_fetch_add(&events->flushed, total);
        } else {
            pthread_mutex_lock(&events->lock);
            for (size_t i = 0; i < count; i++) {
                if (!add_locked(events, batch[i].day, batch[i].campaign, batch[i].variant,
                                batch[i].kind, batch[i].count))
                    atomic_fetch_add(&events->dropped, (uint_fast64_t)batch[i].count);
            }
            pthread_mutex_unlock(&events->lock);
        }
    }
    free(batch);
    pthread_mutex_unlock(&events->write_lock);
    return status;
}

static void *writer_main(void *argument)
{
    struct pt_events *events = argument;
    pthread_mutex_lock(&events->lock);
    while (!events->stopping) {
        struct timespec deadline;
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_sec += events->interval_ms / 1000;
        deadline.tv_nsec += (long)(events->interval_ms % 1000) * 1000000L;
        if (deadline.tv_nsec >= 1000000000L) {
            deadline.tv_sec++;
            deadline.tv_nsec -= 1000000000L;
        }
        while (!events->stopping && !events->flush_requested) {
            if (pthread_cond_timedwait(&events->wake, &events->lock, &deadline) != 0)
                break;
        }
        if (events->stopping)
            break;
        pthread_mutex_unlock(&events->lock);
        enum pt_status status = pt_events_flush(events);
        if (status != PT_OK)
            pt_log(PT_LOG_WARNING, "writing event counts failed (%s); will retry",
                   pt_status_name(status));
        pthread_mutex_lock(&events->lock);
    }
    pthread_mutex_unlock(&events->lock);
    return NULL;
}

struct pt_events *pt_events_new(pt_events_writer write, void *context, int interval_ms)
{
    struct pt_events *events = pt_xcalloc(1, sizeof(*events));
    pthread_mutex_init(&events->lock, NULL);
    pthread_mutex_init(&events->write_lock, NULL);
    pthread_condattr_t attributes;
    pthread_condattr_init(&attributes);
    pthread_cond_init(&events->wake, &attributes);
    pthread_condattr_destroy(&attributes);
    events->slots = pt_xcalloc(TABLE_SIZE, sizeof(*events->slots));
    events->write = write;
    events->context = context;
    events->interval_ms = interval_ms > 0 ? interval_ms : 1000;
    atomic_init(&events->flushed, 0);
    atomic_init(&events->dropped, 0);
    if (pthread_create(&events->thread, NULL, writer_main, events) != 0) {
        pt_log(PT_LOG_ERROR, "cannot start the event writer thread");
        abort();
    }
    return events;
}

void pt_events_free(struct pt_events *events)
{
    if (events == NULL)
        return;
    pthread_mutex_lock(&events->lock);
    events->stopping = true;
    pthread_cond_signal(&events->wake);
    pthread_mutex_unlock(&events->lock);
    pthread_join(events->thread, NULL);
    if (pt_events_flush(events) != PT_OK)
        pt_log(PT_LOG_ERROR, "the last event counts could not be written");
    free(events->slots);
    pthread_cond_destroy(&events->wake);
    pthread_mutex_destroy(&events->lock);
    pthread_mutex_destroy(&events->write_lock);
    free(events);
}

uint64_t pt_events_flushed(const struct pt_events *events)
{
    return atomic_load(&((struct pt_events *)events)->flushed);
}

uint64_t pt_events_dropped(const struct pt_events *events)
{
    return atomic_load(&((struct pt_events *)events)->dropped);
}
