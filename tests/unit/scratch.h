/* A scratch database for unit tests: a fresh folder under $TMPDIR (or /tmp)
 * holding a SQLite store with every migration applied, removed with all its
 * files afterwards. */
#ifndef PATRON_TEST_SCRATCH_H
#define PATRON_TEST_SCRATCH_H

#include <limits.h>
#include <stdint.h>

#include "patron/store.h"

struct pt_scratch {
    char folder[PATH_MAX];
    char database[PATH_MAX + 16]; /* folder/patron.db */
    struct pt_store *store;  /* open on database */
};

/* Makes the folder (label names it, for a reader of /tmp) and the store;
 * fails the test on any error. */
void pt_scratch_open(struct pt_scratch *scratch, const char *label);
/* Closes the store and removes the folder and everything in it. */
void pt_scratch_close(struct pt_scratch *scratch);
/* The first column of the first row of sql, read over a connection of its
 * own, so it sees what the store has committed. */
int64_t pt_scratch_query_int(const struct pt_scratch *scratch, const char *sql);

#endif
