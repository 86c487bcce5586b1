#include "patron/ticker.h"

#include <string.h>
#include <time.h>

#include "patron/catalog.h"
#include "patron/goal.h"
#include "patron/log.h"
#include "patron/store.h"

enum pt_status pt_ticker_count(void *context, const struct pt_campaign *campaign,
                               struct pt_goal *goal)
{
    struct pt_app *app = context;
    pt_goal_window(goal->period, campaign->starts_at, campaign->ends_at, pt_app_now(app),
                   &goal->from, &goal->to);
    struct pt_store_goal_figure figure;
    enum pt_status status = pt_store_goal_figure(app->store, campaign->id, campaign->currency,
                                                 goal->from, goal->to, &figure);
    if (status)
        return status;
    goal->figure = goal->kind == PT_GOAL_AMOUNT ? figure.amount_minor : figure.supporters;
    return PT_OK;
}

/* Whether any goal's figure (or window: a new month) differs from what the
 * snapshot in service carries. Reads the ledger once per goal. */
static bool figures_changed(struct pt_app *app)
{
    struct pt_catalog *catalog = pt_catalog_holder_acquire(&app->catalogs);
    bool changed = false;
    for (size_t i = 0; i < catalog->campaign_count && !changed; i++) {
        const struct pt_campaign *campaign = &catalog->campaigns[i];
        if (campaign->goal.kind == PT_GOAL_NONE)
            continue;
        struct pt_goal now = campaign->goal;
        now.counted = pt_ticker_count(app, campaign, &now) == PT_OK;
        changed = now.counted != campaign->goal.counted ||
                  (now.counted && (now.figure != campaign->goal.figure ||
                                   now.from != campaign->goal.from || now.to != campaign->goal.to));
    }
    pt_catalog_release(catalog);
    return changed;
}

static void deadline_in(struct timespec *deadline, int64_t milliseconds)
{
    clock_gettime(CLOCK_MONOTONIC, deadline);
    int64_t nanoseconds = deadline->tv_nsec + (milliseconds % 1000) * 1000000;
    deadline->tv_sec += (time_t)(milliseconds / 1000 + nanoseconds / 1000000000);
    deadline->tv_nsec = (long)(nanoseconds % 1000000000);
}

static void *ticker_main(void *argument)
{
    struct pt_ticker *ticker = argument;
    pthread_mutex_lock(&ticker->lock);
    while (!ticker->stopping) {
        struct timespec deadline;
        deadline_in(&deadline, PT_TICKER_INTERVAL_SECONDS * 1000);
        while (!ticker->woken && !ticker->stopping &&
               pthread_cond_timedwait(&ticker->wake, &ticker->lock, &deadline) == 0) {
        }
        if (ticker->stopping)
            break;
        ticker->woken = false;
        pthread_mutex_unlock(&ticker->lock);
        /* A refused rebuild is logged by the reload, and the snapshot in
         * service stays; the next round tries again. */
        if (figures_changed(ticker->app))
            (void)pt_app_reload_catalog(ticker->app, true);
        pthread_mutex_lock(&ticker->lock);
        /* Payments meanwhile wait out the gap, then count as one. */
        deadline_in(&deadline, PT_TICKER_WAKE_GAP_MS);
        while (!ticker->stopping &&
               pthread_cond_timedwait(&ticker->wake, &ticker->lock, &deadline) == 0) {
        }
    }
    pthread_mutex_unlock(&ticker->lock);
    return NULL;
}

enum pt_status pt_ticker_start(struct pt_ticker *ticker, struct pt_app *app)
{
    memset(ticker, 0, sizeof(*ticker));
    ticker->app = app;
    pthread_mutex_init(&ticker->lock, NULL);
    pthread_condattr_t attributes;
    pthread_condattr_init(&attributes);
    pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC);
    pthread_cond_init(&ticker->wake, &attributes);
    pthread_condattr_destroy(&attributes);
    if (pthread_create(&ticker->thread, NULL, ticker_main, ticker) != 0) {
        pt_log(PT_LOG_ERROR, "cannot start the thread that keeps the goal tickers' figures");
        pthread_cond_destroy(&ticker->wake);
        pthread_mutex_destroy(&ticker->lock);
        return PT_ERR_INTERNAL;
    }
    ticker->running = true;
    pt_store_listen_money(app->store, pt_ticker_wake, ticker);
    return PT_OK;
}

void pt_ticker_wake(void *context)
{
    struct pt_ticker *ticker = context;
    pthread_mutex_lock(&ticker->lock);
    ticker->woken = true;
    pthread_cond_signal(&ticker->wake);
    pthread_mutex_unlock(&ticker->lock);
}

void pt_ticker_stop(struct pt_ticker *ticker)
{
    if (!ticker->running)
        return;
    pt_store_listen_money(ticker->app->store, NULL, NULL);
    pthread_mutex_lock(&ticker->lock);
    ticker->stopping = true;
    pthread_cond_signal(&ticker->wake);
    pthread_mutex_unlock(&ticker->lock);
    pthread_join(ticker->thread, NULL);
    pthread_cond_destroy(&ticker->wake);
    pthread_mutex_destroy(&ticker->lock);
    ticker->running = false;
}
