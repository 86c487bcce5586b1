/* A scratch database for unit tests: a fresh folder under $TMPDIR (or /tmp)
 * and a store with every migration applied, removed with all its files
 * afterwards.
 *
 * The store is SQLite's (a file in the folder), or, when PATRON_TEST_STORE
 * is "postgresql", a PostgreSQL database of its own (a random name) created
 * on the cluster PATRON_TEST_PG_URL names and dropped afterwards: meson
 * registers the store and ledger tests a second time that way, and
 * tests/run-all.sh (./run test) starts one cluster for the run
 * (tests/postgresql/cluster.sh). Without PATRON_TEST_PG_URL those tests are
 * skipped, unless PATRON_TEST_PG_REQUIRED is set (run-all.sh sets it): then
 * they fail. */
#ifndef PATRON_TEST_SCRATCH_H
#define PATRON_TEST_SCRATCH_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "patron/store.h"

struct pt_scratch {
    char folder[PATH_MAX];
    char database[PATH_MAX + 16]; /* folder/patron.db, or the PostgreSQL database's URL */
    char name[64];                /* the PostgreSQL database's name; "" for SQLite */
    struct pt_store *store;       /* open on database */
};

/* Makes the folder (label names it, for a reader of /tmp) and the store;
 * fails the test on any error. */
void pt_scratch_open(struct pt_scratch *scratch, const char *label);
/* Closes the store and removes the folder and everything in it. */
void pt_scratch_close(struct pt_scratch *scratch);
/* Whether the store is PostgreSQL's. */
bool pt_scratch_is_postgresql(const struct pt_scratch *scratch);
/* The first column of the first row of sql, read over a connection of its
 * own, so it sees what the store has committed (a boolean reads as 1 or 0). */
int64_t pt_scratch_query_int(const struct pt_scratch *scratch, const char *sql);
/* Runs sql over a connection of its own: true if the database accepted it. */
bool pt_scratch_exec(const struct pt_scratch *scratch, const char *sql);
/* A literal of the bytes in the database's SQL (x'..' or '\x..'::bytea). */
void pt_scratch_bytes_literal(const struct pt_scratch *scratch, const unsigned char *bytes,
                              size_t length, char *out, size_t size);
/* For the PostgreSQL tests: makes a new empty database on the test cluster
 * (its name in name, its URL in url); false, with the test skipped or
 * failed as the header says, when there is no cluster. */
void pt_scratch_pg_create(char *name, size_t name_size, char *url, size_t url_size);
void pt_scratch_pg_drop(const char *name);

#endif
