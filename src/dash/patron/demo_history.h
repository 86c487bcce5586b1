/* The demo's generated history: thirty days of an ended A/B test, so that a
 * newcomer to `patron demo` reads a verdict in the reports, not only "not
 * yet known".
 *
 * Only `patron demo` calls pt_demo_history_prepare, and it writes only into
 * a fresh data folder (nothing counted, no pledge, at most the demo
 * campaign). Everything goes through the store's own calls: the campaign
 * through pt_store_campaign_put after the catalogue's check, the counts in
 * one pt_store_counts_add batch as the event writer sends them, each pledge
 * through pt_store_pledge_add and pt_store_ledger_apply as a checkout and
 * its payment would. A marker file, DATA_DIR/demo-history, holds the first
 * day whose numbers are real; the reports page shows a banner before it. */
#ifndef PATRON_DEMO_HISTORY_H
#define PATRON_DEMO_HISTORY_H

#include <stdbool.h>
#include <stdint.h>

#include "patron/catalog.h"
#include "patron/status.h"
#include "patron/store.h"

struct pt_app;

/* The generated campaign's id, and the days of history before today. */
#define PT_DEMO_HISTORY_CAMPAIGN "demo-history-ab"
#define PT_DEMO_HISTORY_DAYS 30
/* The seed the demo uses: the same history on every machine. */
#define PT_DEMO_HISTORY_SEED UINT64_C(20260101)

/* Writes the campaign and the PT_DEMO_HISTORY_DAYS UTC days before now's
 * day, drawn from a generator seeded with seed: the same seed and day give
 * the same rows. */
enum pt_status pt_demo_history_generate(struct pt_store *store,
                                        const struct pt_catalog_settings *settings, int64_t now,
                                        uint64_t seed);

/* For `patron demo` only: on a fresh data folder writes the marker, then the
 * history; on any other does nothing. PT_OK when there was nothing to do. */
enum pt_status pt_demo_history_prepare(struct pt_app *app);

/* true, with *day the first real UTC day, when data_dir holds generated
 * history; false (and *day untouched) otherwise. */
bool pt_demo_history_real_from(const char *data_dir, int32_t *day);

#endif
