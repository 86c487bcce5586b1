/* The goal tickers' figures, kept fresh off the request path: a thread
 * reads each goal's figure from the ledger at most once a minute, and at
 * once when this node applied a payment or money came back (the store's
 * money listener), and rebuilds the catalogue when a figure changed, so
 * that the next snapshot carries it (patron/goal.h). Payments applied on
 * other nodes of a shared database are seen within the minute. */
#ifndef PATRON_TICKER_H
#define PATRON_TICKER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "patron/app.h"

/* The shortest time between two reads that a payment asked for: a burst of
 * payments costs one rebuild a second at most. */
#define PT_TICKER_WAKE_GAP_MS 1000
/* The longest time between two reads. */
#define PT_TICKER_INTERVAL_SECONDS 60

struct pt_ticker {
    struct pt_app *app;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool woken; /* a payment was applied since the last read */
    bool stopping;
    bool running;
};

/* The catalogue's goal counter (struct pt_catalog_settings' goal_counter),
 * context the struct pt_app: the window at the app's clock and the
 * ledger's figure over it. */
enum pt_status pt_ticker_count(void *app, const struct pt_campaign *campaign, struct pt_goal *goal);

/* Starts the thread and makes it the store's money listener. */
enum pt_status pt_ticker_start(struct pt_ticker *ticker, struct pt_app *app);

/* Asks for a read now (any thread; it only signals). ticker is a struct
 * pt_ticker, so that it fits the store's listener. */
void pt_ticker_wake(void *ticker);

/* Stops the listener and the thread, and joins it. Safe when not started. */
void pt_ticker_stop(struct pt_ticker *ticker);

#endif
