#include "scratch.h"

#include <criterion/criterion.h>
#include <ftw.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

void pt_scratch_open(struct pt_scratch *scratch, const char *label)
{
    const char *base = getenv("TMPDIR");
    if (base == NULL || base[0] == '\0')
        base = "/tmp";
    int length = snprintf(scratch->folder, sizeof(scratch->folder), "%s/patron-%s-XXXXXX", base,
                          label);
    cr_assert(length > 0 && (size_t)length < sizeof(scratch->folder));
    cr_assert_not_null(mkdtemp(scratch->folder), "mkdtemp in %s", base);
    snprintf(scratch->database, sizeof(scratch->database), "%s/patron.db", scratch->folder);
    char error[256];
    cr_assert_eq(pt_store_open_sqlite(scratch->database, &scratch->store, error, sizeof(error)),
                 PT_OK, "%s", error);
    int applied = 0;
    cr_assert_eq(pt_store_migrate(scratch->store, &applied), PT_OK);
    cr_assert_eq(applied, (int)pt_migration_count);
}

static int remove_entry(const char *path, const struct stat *info, int flag, struct FTW *walk)
{
    (void)info, (void)flag, (void)walk;
    return remove(path);
}

void pt_scratch_close(struct pt_scratch *scratch)
{
    pt_store_close(scratch->store);
    scratch->store = NULL;
    /* Depth first, without following links: the folder's files, then it. */
    cr_assert_eq(nftw(scratch->folder, remove_entry, 8, FTW_DEPTH | FTW_PHYS), 0,
                 "removing %s", scratch->folder);
}

int64_t pt_scratch_query_int(const struct pt_scratch *scratch, const char *sql)
{
    sqlite3 *db = NULL;
    cr_assert_eq(sqlite3_open(scratch->database, &db), SQLITE_OK);
    sqlite3_stmt *statement = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &statement, NULL), SQLITE_OK, "%s: %s", sql,
                 sqlite3_errmsg(db));
    cr_assert_eq(sqlite3_step(statement), SQLITE_ROW, "%s", sql);
    int64_t value = sqlite3_column_int64(statement, 0);
    sqlite3_finalize(statement);
    sqlite3_close(db);
    return value;
}
