#include "patron/outbox.h"

#include <errno.h>
#include <string.h>
#include <time.h>

static void deadline_after(struct timespec *deadline, unsigned ms)
{
    /* pthread_cond_timedwait measures against CLOCK_REALTIME by default. */
    clock_gettime(CLOCK_REALTIME, deadline);
    deadline->tv_sec += ms / 1000;
    deadline->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (deadline->tv_nsec >= 1000000000L) {
        deadline->tv_sec++;
        deadline->tv_nsec -= 1000000000L;
    }
}

static void *outbox_main(void *argument)
{
    struct pt_outbox *outbox = argument;
    pthread_mutex_lock(&outbox->lock);
    while (!outbox->stopping) {
        if (!outbox->woken) {
            struct timespec deadline;
            deadline_after(&deadline, outbox->interval_ms);
            int waited = 0;
            while (!outbox->woken && !outbox->stopping && waited != ETIMEDOUT)
                waited = pthread_cond_timedwait(&outbox->wake, &outbox->lock, &deadline);
        }
        if (outbox->stopping)
            break;
        outbox->woken = false;
        /* Sending waits on the mail server: never under the lock, so that a
         * wake or a stop never waits for it. */
        pthread_mutex_unlock(&outbox->lock);
        outbox->send_due(outbox->context);
        pthread_mutex_lock(&outbox->lock);
    }
    pthread_mutex_unlock(&outbox->lock);
    return NULL;
}

enum pt_status pt_outbox_start(struct pt_outbox *outbox, unsigned interval_ms,
                               pt_outbox_send_due send_due, void *context)
{
    memset(outbox, 0, sizeof(*outbox));
    outbox->interval_ms = interval_ms;
    outbox->send_due = send_due;
    outbox->context = context;
    pthread_mutex_init(&outbox->lock, NULL);
    pthread_cond_init(&outbox->wake, NULL);
    if (pthread_create(&outbox->thread, NULL, outbox_main, outbox) != 0) {
        pthread_cond_destroy(&outbox->wake);
        pthread_mutex_destroy(&outbox->lock);
        return PT_ERR_INTERNAL;
    }
    outbox->started = true;
    return PT_OK;
}

void pt_outbox_wake(struct pt_outbox *outbox)
{
    if (outbox == NULL || !outbox->started)
        return;
    pthread_mutex_lock(&outbox->lock);
    outbox->woken = true;
    pthread_cond_signal(&outbox->wake);
    pthread_mutex_unlock(&outbox->lock);
}

void pt_outbox_stop(struct pt_outbox *outbox)
{
    if (!outbox->started)
        return;
    pthread_mutex_lock(&outbox->lock);
    outbox->stopping = true;
    pthread_cond_signal(&outbox->wake);
    pthread_mutex_unlock(&outbox->lock);
    pthread_join(outbox->thread, NULL);
    pthread_cond_destroy(&outbox->wake);
    pthread_mutex_destroy(&outbox->lock);
    outbox->started = false;
}
