#include "patron/catalog_watch.h"

#include "patron/log.h"
#include "patron/store.h"

/* How long one wait lasts: also how long stopping may take. */
#define WATCH_SLICE_MS 250

static void *watch_main(void *argument)
{
    struct pt_catalog_watch *watch = argument;
    while (!atomic_load(&watch->stopping)) {
        bool changed = false;
        /* A failure has waited its slice (the store logs the first one and
         * says when it listens again); the periodic check covers the gap. */
        if (pt_store_catalog_wait(watch->app->store, WATCH_SLICE_MS, &changed) != PT_OK)
            continue;
        /* A refused catalogue is logged by the reload, and the previous one
         * stays in service; nothing more to do here. */
        if (changed)
            (void)pt_app_reload_catalog(watch->app, false);
    }
    return NULL;
}

enum pt_status pt_catalog_watch_start(struct pt_catalog_watch *watch, struct pt_app *app)
{
    watch->app = app;
    watch->running = false;
    atomic_init(&watch->stopping, false);
    if (!pt_store_catalog_shared(app->store))
        return PT_OK;
    if (pthread_create(&watch->thread, NULL, watch_main, watch) != 0) {
        pt_log(PT_LOG_ERROR, "cannot start the thread that hears campaign changes");
        return PT_ERR_INTERNAL;
    }
    watch->running = true;
    return PT_OK;
}

void pt_catalog_watch_stop(struct pt_catalog_watch *watch)
{
    if (!watch->running)
        return;
    atomic_store(&watch->stopping, true);
    pthread_join(watch->thread, NULL);
    watch->running = false;
}
