/* Moving a newsroom from SQLite to PostgreSQL (`patron store copy`): every
 * table of a SQLite database copied into an empty PostgreSQL database in one
 * transaction, read back and compared before it commits. Sealed addresses
 * and the key check value are copied as bytes, never opened: the key file
 * moves unchanged. docs/SCALING.md, "Moving from SQLite". */
#ifndef PATRON_STORE_COPY_H
#define PATRON_STORE_COPY_H

#include <stddef.h>
#include <stdint.h>

#include "patron/status.h"

#define PT_STORE_COPY_TABLES_MAX 40

/* What was copied: one entry per table, in the order copied. */
struct pt_store_copy_report {
    struct {
        char name[48];
        int64_t rows;
    } tables[PT_STORE_COPY_TABLES_MAX];
    size_t count;
    int64_t rows; /* all tables together */
};

/* Copies the SQLite database at sqlite_path (opened read-only, never
 * changed) into the PostgreSQL database conninfo names (a URL or libpq's
 * words), which is first migrated as `patron migrate` does. Refuses, and
 * writes no row, when the target already holds data, when the SQLite schema
 * is not this patron's, or when either side has a table or column the copy
 * does not know. On any failure nothing is committed; error says why.
 * report is filled only on PT_OK. */
enum pt_status pt_store_copy_run(const char *sqlite_path, const char *conninfo,
                                 struct pt_store_copy_report *report, char *error,
                                 size_t error_size);

#endif
