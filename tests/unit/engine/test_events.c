/* The in-memory counters and their batched writer. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <time.h>
#include <string.h>

#include "patron/events.h"

struct sink {
    pthread_mutex_t lock;
    int batches;
    int64_t total;
    bool failing;
};

static enum pt_status write_to_sink(void *context, const struct pt_event_count *counts,
                                    size_t count)
{
    struct sink *sink = context;
    pthread_mutex_lock(&sink->lock);
    enum pt_status status = PT_OK;
    if (sink->failing) {
        status = PT_ERR_IO;
    } else {
        sink->batches++;
        for (size_t i = 0; i < count; i++)
            sink->total += counts[i].count;
    }
    pthread_mutex_unlock(&sink->lock);
    return status;
}

Test(events, counts_aggregate_and_flush_in_one_batch)
{
    struct sink sink = {PTHREAD_MUTEX_INITIALIZER, 0, 0, false};
    struct pt_events *events = pt_events_new(write_to_sink, &sink, 3600 * 1000);
    for (int i = 0; i < 10000; i++)
        cr_assert(pt_events_add(events, 20000 + i % 3, "spring", i % 2 ? "a" : "b",
                                PT_EVENT_IMPRESSION, 1));
    cr_assert_eq(pt_events_flush(events), PT_OK);
    cr_assert_eq(sink.batches, 1, "10,000 events cost one write");
    cr_assert_eq(sink.total, 10000);
    cr_assert_eq(pt_events_flushed(events), 10000);
    pt_events_free(events);
}

Test(events, a_failed_write_keeps_the_counts_for_the_next_one)
{
    struct sink sink = {PTHREAD_MUTEX_INITIALIZER, 0, 0, true};
    struct pt_events *events = pt_events_new(write_to_sink, &sink, 3600 * 1000);
    pt_events_add(events, 20000, "spring", "a", PT_EVENT_CLICK, 5);
    cr_assert_eq(pt_events_flush(events), PT_ERR_IO);
    pt_events_add(events, 20000, "spring", "a", PT_EVENT_CLICK, 2);
    sink.failing = false;
    cr_assert_eq(pt_events_flush(events), PT_OK);
    cr_assert_eq(sink.total, 7);
    pt_events_free(events);
}

Test(events, freeing_flushes_what_is_left)
{
    struct sink sink = {PTHREAD_MUTEX_INITIALIZER, 0, 0, false};
    struct pt_events *events = pt_events_new(write_to_sink, &sink, 3600 * 1000);
    pt_events_add(events, 20000, "spring", "a", PT_EVENT_SNOOZE_LATER, 3);
    pt_events_free(events);
    cr_assert_eq(sink.total, 3);
}

Test(events, the_writer_thread_flushes_on_its_interval)
{
    struct sink sink = {PTHREAD_MUTEX_INITIALIZER, 0, 0, false};
    struct pt_events *events = pt_events_new(write_to_sink, &sink, 20);
    pt_events_add(events, 20000, "spring", "a", PT_EVENT_IMPRESSION, 1);
    for (int i = 0; i < 500 && pt_events_flushed(events) == 0; i++) {
        struct timespec pause = {0, 10 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    cr_assert_eq(pt_events_flushed(events), 1);
    pt_events_free(events);
}

Test(events, kinds_and_days)
{
    enum pt_event_kind kind;
    cr_assert(pt_event_kind_parse("snooze_supporting", &kind));
    cr_assert_eq(kind, PT_EVENT_SNOOZE_SUPPORTING);
    cr_assert_not(pt_event_kind_parse("view", &kind));
    cr_assert_eq(pt_events_day(0), 0);
    cr_assert_eq(pt_events_day(86399), 0);
    cr_assert_eq(pt_events_day(86400), 1);
    cr_assert_eq(pt_events_day(-1), -1);
}
