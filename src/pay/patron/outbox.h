/* The sender of the ledger's emails: one thread that calls send_due when
 * woken (something was queued) and every interval_ms in case an earlier try
 * failed. It owns the thread, its lock and its condition variable; what
 * "due" means and how an email is sent is the caller's (pt_pledges). */
#ifndef PATRON_OUTBOX_H
#define PATRON_OUTBOX_H

#include <pthread.h>
#include <stdbool.h>

#include "patron/status.h"

/* The callback sends what is due; its return value is for its own logging
 * (the thread goes on either way). */
typedef int (*pt_outbox_send_due)(void *context);

struct pt_outbox {
    pthread_t thread;
    pthread_mutex_t lock;   /* guards woken and stopping */
    pthread_cond_t wake;    /* signalled by pt_outbox_wake and pt_outbox_stop */
    unsigned interval_ms;   /* the longest wait between two rounds */
    pt_outbox_send_due send_due;
    void *context;          /* send_due's argument; borrowed */
    bool woken;             /* a wake came since the last round began */
    bool stopping;
    bool started;           /* the thread runs: stop must join it */
};

/* Starts the thread. The outbox must stay where it is until pt_outbox_stop
 * returns. PT_ERR_INTERNAL when no thread could be made (nothing to stop). */
enum pt_status pt_outbox_start(struct pt_outbox *outbox, unsigned interval_ms,
                               pt_outbox_send_due send_due, void *context);

/* Asks for a round now: a wake that comes during a round makes another one
 * right after it, so nothing queued waits out the interval. NULL, or an
 * outbox not started, is ignored (tests run the ledger without a sender). */
void pt_outbox_wake(struct pt_outbox *outbox);

/* Ends the thread and joins it. A round in progress finishes first, so the
 * caller makes that short (pt_mail_settings.stop); no further round starts.
 * Safe on an outbox that was never started. */
void pt_outbox_stop(struct pt_outbox *outbox);

#endif
