#include "scratch.h"

#include <criterion/criterion.h>
#include <ftw.h>
#include <libpq-fe.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The cluster's maintenance URL, or the test is skipped (or failed, when
 * the run requires PostgreSQL). */
static const char *cluster_url(void)
{
    const char *url = getenv("PATRON_TEST_PG_URL");
    if (url != NULL && url[0] != '\0')
        return url;
    const char *required = getenv("PATRON_TEST_PG_REQUIRED");
    if (required != NULL && required[0] != '\0')
        cr_assert_fail("PATRON_TEST_PG_URL is not set, and this run requires PostgreSQL "
                       "(tests/postgresql/cluster.sh starts a cluster)");
    cr_skip_test("no PostgreSQL cluster: PATRON_TEST_PG_URL is not set "
                 "(run: tests/postgresql/cluster.sh run -- meson test -C build)");
    return NULL;
}

static void cluster_command(const char *sql)
{
    PGconn *pg = PQconnectdb(cluster_url());
    cr_assert_eq(PQstatus(pg), CONNECTION_OK, "%s", PQerrorMessage(pg));
    PGresult *result = PQexec(pg, sql);
    cr_assert_eq(PQresultStatus(result), PGRES_COMMAND_OK, "%s: %s", sql, PQerrorMessage(pg));
    PQclear(result);
    PQfinish(pg);
}

void pt_scratch_pg_create(char *name, size_t name_size, char *url, size_t url_size)
{
    const char *cluster = cluster_url();
    unsigned char random[8];
    randombytes_buf(random, sizeof(random));
    char hex[17];
    sodium_bin2hex(hex, sizeof(hex), random, sizeof(random));
    snprintf(name, name_size, "patron_test_%s", hex);
    char sql[128];
    snprintf(sql, sizeof(sql), "CREATE DATABASE %s", name);
    cluster_command(sql);
    /* The cluster's URL with this database's name for its path. */
    const char *authority = strstr(cluster, "://");
    cr_assert_not_null(authority, "PATRON_TEST_PG_URL must be a postgresql:// URL");
    const char *path = strchr(authority + 3, '/');
    const char *query = strchr(authority + 3, '?');
    int prefix = (int)((path ? path : query ? query : cluster + strlen(cluster)) - cluster);
    snprintf(url, url_size, "%.*s/%s%s", prefix, cluster, name, query ? query : "");
}

void pt_scratch_pg_drop(const char *name)
{
    char sql[128];
    snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
    cluster_command(sql);
}

bool pt_scratch_is_postgresql(const struct pt_scratch *scratch)
{
    return scratch->name[0] != '\0';
}

void pt_scratch_open(struct pt_scratch *scratch, const char *label)
{
    memset(scratch, 0, sizeof(*scratch));
    cr_assert(sodium_init() >= 0);
    const char *backend = getenv("PATRON_TEST_STORE");
    bool postgresql = backend != NULL && strcmp(backend, "postgresql") == 0;
    const char *base = getenv("TMPDIR");
    if (base == NULL || base[0] == '\0')
        base = "/tmp";
    int length =
        snprintf(scratch->folder, sizeof(scratch->folder), "%s/patron-%s-XXXXXX", base, label);
    cr_assert(length > 0 && (size_t)length < sizeof(scratch->folder));
    cr_assert_not_null(mkdtemp(scratch->folder), "mkdtemp in %s", base);
    char error[256];
    if (postgresql) {
        pt_scratch_pg_create(scratch->name, sizeof(scratch->name), scratch->database,
                             sizeof(scratch->database));
        cr_assert_eq(
            pt_store_open_postgresql(scratch->database, 4, &scratch->store, error, sizeof(error)),
            PT_OK, "%s", error);
    } else {
        snprintf(scratch->database, sizeof(scratch->database), "%s/patron.db", scratch->folder);
        cr_assert_eq(pt_store_open_sqlite(scratch->database, &scratch->store, error, sizeof(error)),
                     PT_OK, "%s", error);
    }
    int applied = 0;
    cr_assert_eq(pt_store_migrate(scratch->store, &applied), PT_OK);
    cr_assert_eq(applied, (int)(postgresql ? pt_postgresql_migration_count : pt_migration_count));
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
    if (pt_scratch_is_postgresql(scratch))
        pt_scratch_pg_drop(scratch->name);
    /* Depth first, without following links: the folder's files, then it. */
    cr_assert_eq(nftw(scratch->folder, remove_entry, 8, FTW_DEPTH | FTW_PHYS), 0, "removing %s",
                 scratch->folder);
}

/* Runs sql on a connection of its own; the first value of the first row
 * into value (when not NULL). */
static bool run_sql(const struct pt_scratch *scratch, const char *sql, int64_t *value)
{
    bool ok = false;
    if (pt_scratch_is_postgresql(scratch)) {
        PGconn *pg = PQconnectdb(scratch->database);
        cr_assert_eq(PQstatus(pg), CONNECTION_OK, "%s", PQerrorMessage(pg));
        PGresult *result = PQexec(pg, sql);
        ExecStatusType status = PQresultStatus(result);
        ok = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
        if (ok && value != NULL) {
            cr_assert(PQntuples(result) > 0, "%s: no row", sql);
            const char *text = PQgetvalue(result, 0, 0);
            *value = strcmp(text, "t") == 0   ? 1
                     : strcmp(text, "f") == 0 ? 0
                                              : strtoll(text, NULL, 10);
        } else if (!ok && value != NULL) {
            cr_assert_fail("%s: %s", sql, PQerrorMessage(pg));
        }
        PQclear(result);
        PQfinish(pg);
        return ok;
    }
    sqlite3 *db = NULL;
    cr_assert_eq(sqlite3_open(scratch->database, &db), SQLITE_OK);
    if (value == NULL) {
        ok = sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK;
    } else {
        sqlite3_stmt *statement = NULL;
        cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &statement, NULL), SQLITE_OK, "%s: %s", sql,
                     sqlite3_errmsg(db));
        cr_assert_eq(sqlite3_step(statement), SQLITE_ROW, "%s", sql);
        *value = sqlite3_column_int64(statement, 0);
        sqlite3_finalize(statement);
        ok = true;
    }
    sqlite3_close(db);
    return ok;
}

int64_t pt_scratch_query_int(const struct pt_scratch *scratch, const char *sql)
{
    int64_t value = 0;
    run_sql(scratch, sql, &value);
    return value;
}

bool pt_scratch_exec(const struct pt_scratch *scratch, const char *sql)
{
    return run_sql(scratch, sql, NULL);
}

void pt_scratch_bytes_literal(const struct pt_scratch *scratch, const unsigned char *bytes,
                              size_t length, char *out, size_t size)
{
    bool postgresql = pt_scratch_is_postgresql(scratch);
    size_t used = (size_t)snprintf(out, size, "%s", postgresql ? "'\\x" : "x'");
    for (size_t i = 0; i < length && used + 3 < size; i++)
        used += (size_t)snprintf(out + used, size - used, "%02x", bytes[i]);
    snprintf(out + used, size - used, "%s", postgresql ? "'::bytea" : "'");
}
