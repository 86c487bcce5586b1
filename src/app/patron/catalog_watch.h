/* Hearing another node's campaign change at once: on a store that several
 * processes share (PostgreSQL), a thread waits for the store's word that
 * the campaigns changed and rebuilds the catalogue then, instead of at the
 * next periodic version check (which stays, for a word that was missed). */
#ifndef PATRON_CATALOG_WATCH_H
#define PATRON_CATALOG_WATCH_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "patron/app.h"

struct pt_catalog_watch {
    struct pt_app *app;
    pthread_t thread;
    atomic_bool stopping;
    bool running; /* a thread was started: the store is shared */
};

/* Starts the thread when app's store is shared; otherwise does nothing and
 * returns PT_OK (this process makes every change itself and reloads). */
enum pt_status pt_catalog_watch_start(struct pt_catalog_watch *watch, struct pt_app *app);

/* Stops and joins the thread, within the wait's slice (a quarter second). */
void pt_catalog_watch_stop(struct pt_catalog_watch *watch);

#endif
