#include "patron/store_copy.h"

#include <inttypes.h>
#include <libpq-fe.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "patron/alloc.h"
#include "patron/buf.h"
#include "patron/store.h"

/* Every table patron keeps, parents before children: PostgreSQL checks each
 * foreign key as its row arrives. A table on either side that is not here
 * stops the copy before anything is written, so a table added by a later
 * migration cannot be left behind unnoticed; its columns are compared the
 * same way (see plan_table). */
struct copy_table {
    const char *name;
    /* A PostgreSQL column that SQLite keeps as the rowid (the order rows
     * were written in). */
    const char *from_rowid;
    /* A PostgreSQL column SQLite has no use for (one process, no leases):
     * left to its default, NULL. */
    const char *postgresql_only;
    /* One row that an empty target may hold already, made by its migration
     * or by a node's start: replaced by SQLite's. */
    bool setting;
};

static const struct copy_table tables[] = {
    {"campaigns", NULL, NULL, false},
    {"catalog_version", NULL, NULL, true}, /* after campaigns, whose triggers bump it */
    {"event_counts", NULL, NULL, false},
    {"pledges", NULL, NULL, false},
    {"pledge_history", "seq", NULL, false},
    {"reminders", NULL, "lease_until", false},
    {"reminder_counts", NULL, NULL, false},
    {"processor_events", NULL, NULL, false},
    {"payments", NULL, NULL, false},
    {"payment_failures", NULL, NULL, false},
    {"payment_reversals", NULL, NULL, false},
    {"payment_disputes", NULL, NULL, false},
    {"manage_codes", NULL, NULL, false},
    {"outbox", NULL, "lease_until", false},
    {"magic_links", NULL, NULL, false},
    {"lost_link_requests", NULL, NULL, false},
    {"users", NULL, NULL, false},
    {"sessions", NULL, NULL, false},
    {"login_failures", "id", NULL, false},
    {"audit_log", NULL, NULL, false},
    {"bank_entries", NULL, NULL, false},
    {"store_probe", NULL, NULL, true},
    {"key_check", NULL, NULL, true},
};
enum { TABLE_COUNT = sizeof(tables) / sizeof(tables[0]) };
_Static_assert(TABLE_COUNT <= PT_STORE_COPY_TABLES_MAX, "the report holds every table");

/* PostgreSQL's own record of its migrations, not a table SQLite has. */
static const char postgresql_version_table[] = "schema_version";

enum { COLUMNS_MAX = 32, NAME_MAX_BYTES = 64, FLUSH_BYTES = 1 << 16 };

struct column {
    char name[NAME_MAX_BYTES];
    char type[24]; /* PostgreSQL's data_type */
    bool rowid;
};

struct plan {
    struct column columns[COLUMNS_MAX];
    size_t count;
};

/* The rows of one table as an unordered set: the sum of each row's hash,
 * so that two sides that hold the same rows in any order agree, and a row
 * that differs, is missing or is there twice changes it. */
struct digest {
    uint64_t sum[4];
};

struct copy {
    sqlite3 *lite;
    PGconn *pg;
    char *error;
    size_t error_size;
};

static enum pt_status refuse(struct copy *copy, enum pt_status status, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static enum pt_status refuse(struct copy *copy, enum pt_status status, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vsnprintf(copy->error, copy->error_size, format, args);
    va_end(args);
    return status;
}

static void digest_add(struct digest *digest, const char *line, size_t length)
{
    unsigned char hash[32];
    crypto_generichash(hash, sizeof(hash), (const unsigned char *)line, length, NULL, 0);
    uint64_t carry = 0;
    for (int i = 0; i < 4; i++) {
        uint64_t part = 0;
        for (int b = 0; b < 8; b++)
            part |= (uint64_t)hash[i * 8 + b] << (8 * b);
        uint64_t sum = digest->sum[i] + part;
        uint64_t next = sum < part;
        sum += carry;
        next |= sum < carry;
        digest->sum[i] = sum;
        carry = next;
    }
}

/* An identifier in double quotes, for SQLite and PostgreSQL alike. */
static void quote_name(struct pt_buf *buf, const char *name)
{
    pt_buf_puts(buf, "\"");
    for (const char *c = name; *c; c++)
        pt_buf_append(buf, *c == '"' ? "\"\"" : c, *c == '"' ? 2 : 1);
    pt_buf_puts(buf, "\"");
}

/* ------------------------------------------------------------- PostgreSQL */

static enum pt_status pg_failed(struct copy *copy, PGresult *result, const char *what)
{
    const char *message = result != NULL ? PQresultErrorMessage(result) : "";
    if (message[0] == '\0')
        message = PQerrorMessage(copy->pg);
    snprintf(copy->error, copy->error_size, "PostgreSQL: %s: %.*s", what,
             (int)strcspn(message, "\n"), message);
    PQclear(result);
    return PT_ERR_IO;
}

static enum pt_status pg_exec(struct copy *copy, const char *sql)
{
    PGresult *result = PQexec(copy->pg, sql);
    if (PQresultStatus(result) != PGRES_COMMAND_OK && PQresultStatus(result) != PGRES_TUPLES_OK)
        return pg_failed(copy, result, sql);
    PQclear(result);
    return PT_OK;
}

/* One row of one bigint column; text parameters, or one binary one. */
static enum pt_status pg_number(struct copy *copy, const char *sql, int count,
                                const char *const *values, const int *lengths, const int *formats,
                                int64_t *out)
{
    PGresult *result = PQexecParams(copy->pg, sql, count, NULL, values, lengths, formats, 0);
    if (PQresultStatus(result) != PGRES_TUPLES_OK || PQntuples(result) != 1)
        return pg_failed(copy, result, sql);
    *out = PQgetisnull(result, 0, 0) ? -1 : strtoll(PQgetvalue(result, 0, 0), NULL, 10);
    PQclear(result);
    return PT_OK;
}

static PGconn *pg_connect(const char *conninfo)
{
    const char *keywords[] = {"connect_timeout", "application_name", "dbname", NULL};
    const char *values[] = {"10", "patron store copy", conninfo, NULL};
    return PQconnectdbParams(keywords, values, 1);
}

/* Set here rather than as connection options, which the URL could
 * override: the rows read back must be written as the copy writes them
 * (dates as 2026-12-05, bytea as hex). No statement timeout: a large events
 * table takes as long as it takes; a bounded wait for locks: a node still
 * running holds them. */
static const char session_settings[] =
    "SET DateStyle = 'ISO, YMD'; SET bytea_output = 'hex'; SET statement_timeout = 0; "
    "SET lock_timeout = '15s'; SET client_min_messages = warning";

/* ----------------------------------------------------------------- SQLite */

static enum pt_status lite_failed(struct copy *copy, const char *what)
{
    return refuse(copy, PT_ERR_IO, "SQLite: %s: %s", what, sqlite3_errmsg(copy->lite));
}

static enum pt_status lite_number(struct copy *copy, const char *sql, const char *text,
                                  int64_t *out)
{
    sqlite3_stmt *statement = NULL;
    if (sqlite3_prepare_v2(copy->lite, sql, -1, &statement, NULL) != SQLITE_OK)
        return lite_failed(copy, sql);
    if (text != NULL)
        sqlite3_bind_text(statement, 1, text, -1, SQLITE_TRANSIENT);
    int step = sqlite3_step(statement);
    *out = step == SQLITE_ROW && sqlite3_column_type(statement, 0) != SQLITE_NULL
               ? sqlite3_column_int64(statement, 0)
               : -1;
    sqlite3_finalize(statement);
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        return lite_failed(copy, sql);
    return PT_OK;
}

static const struct copy_table *known_table(const char *name)
{
    for (size_t i = 0; i < TABLE_COUNT; i++) {
        if (strcmp(tables[i].name, name) == 0)
            return &tables[i];
    }
    return NULL;
}

/* The source must hold exactly this patron's schema: an older one lacks
 * columns the copy would have to invent, a newer one holds what this patron
 * cannot copy. The file is only read, so the remedy is the operator's. */
static enum pt_status check_source(struct copy *copy, const char *path)
{
    int64_t version = 0;
    if (lite_number(copy, "PRAGMA user_version", NULL, &version) != PT_OK)
        return refuse(copy, PT_ERR_INVALID, "cannot read %s as a SQLite database: %s", path,
                      sqlite3_errmsg(copy->lite));
    enum pt_status status = PT_OK;
    int known = pt_migration_count > 0 ? pt_migrations[pt_migration_count - 1].version : 0;
    if (version == 0)
        return refuse(copy, PT_ERR_INVALID, "%s is not a patron database (it has no schema)", path);
    if (version < known)
        return refuse(copy, PT_ERR_CONFLICT,
                      "%s has an older schema (%" PRId64 ") than this patron's (%d): upgrade "
                      "it first with `patron migrate` (or a start of `patron serve`) on its "
                      "configuration, then copy; the copy never changes the file itself",
                      path, version, known);
    if (version > known)
        return refuse(copy, PT_ERR_CONFLICT,
                      "%s is from a newer patron (schema %" PRId64 "; this patron knows up to "
                      "%d): copy it with that patron",
                      path, version, known);
    sqlite3_stmt *statement = NULL;
    if (sqlite3_prepare_v2(copy->lite,
                           "SELECT name FROM sqlite_master WHERE type = 'table' "
                           "AND name NOT LIKE 'sqlite^_%' ESCAPE '^' ORDER BY name",
                           -1, &statement, NULL) != SQLITE_OK)
        return lite_failed(copy, "listing the tables");
    bool seen[TABLE_COUNT] = {false};
    int step;
    while ((step = sqlite3_step(statement)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(statement, 0);
        const struct copy_table *table = known_table(name ? name : "");
        if (table == NULL) {
            status = refuse(copy, PT_ERR_CONFLICT,
                            "%s has a table \"%s\" that patron store copy does not know how "
                            "to copy; nothing was written",
                            path, name ? name : "");
            break;
        }
        seen[table - tables] = true;
    }
    if (status == PT_OK && step != SQLITE_DONE)
        status = lite_failed(copy, "listing the tables");
    sqlite3_finalize(statement);
    for (size_t i = 0; status == PT_OK && i < TABLE_COUNT; i++) {
        if (!seen[i])
            status = refuse(copy, PT_ERR_CONFLICT,
                            "%s has no table \"%s\"; it is not a "
                            "patron database of this version",
                            path, tables[i].name);
    }
    return status;
}

/* The target, migrated, must hold patron's tables and no other. */
static enum pt_status check_target_tables(struct copy *copy)
{
    PGresult *result = PQexec(copy->pg, "SELECT tablename FROM pg_tables "
                                        "WHERE schemaname = current_schema() ORDER BY 1");
    if (PQresultStatus(result) != PGRES_TUPLES_OK)
        return pg_failed(copy, result, "listing the tables");
    enum pt_status status = PT_OK;
    bool seen[TABLE_COUNT] = {false};
    for (int row = 0; status == PT_OK && row < PQntuples(result); row++) {
        const char *name = PQgetvalue(result, row, 0);
        const struct copy_table *table = known_table(name);
        if (table != NULL)
            seen[table - tables] = true;
        else if (strcmp(name, postgresql_version_table) != 0)
            status = refuse(copy, PT_ERR_CONFLICT,
                            "the PostgreSQL database has a table \"%s\" that patron store "
                            "copy does not know how to fill; nothing was written",
                            name);
    }
    PQclear(result);
    for (size_t i = 0; status == PT_OK && i < TABLE_COUNT; i++) {
        if (!seen[i])
            status = refuse(copy, PT_ERR_INTERNAL,
                            "the PostgreSQL database has no table \"%s\" after its migration",
                            tables[i].name);
    }
    return status;
}

/* What the target holds already, as "pledges (3 rows), ..." in held; empty
 * when it may be written. A table that does not exist yet holds nothing.
 * The settings hold a row from the migration or any node's start and are
 * replaced, except the key check: one from another key file is data. */
static enum pt_status target_holdings(struct copy *copy, const unsigned char *key_check,
                                      struct pt_buf *held)
{
    for (size_t i = 0; i < TABLE_COUNT; i++) {
        bool is_key_check = strcmp(tables[i].name, "key_check") == 0;
        if (tables[i].setting && !is_key_check)
            continue;
        struct pt_buf sql;
        pt_buf_init(&sql);
        quote_name(&sql, tables[i].name);
        const char *name = sql.data;
        int64_t exists = 0;
        enum pt_status status = pg_number(copy, "SELECT (to_regclass($1) IS NOT NULL)::int", 1,
                                          &name, NULL, NULL, &exists);
        int64_t rows = 0;
        if (status == PT_OK && exists == 1) {
            pt_buf_reset(&sql);
            pt_buf_puts(&sql, "SELECT count(*) FROM ");
            quote_name(&sql, tables[i].name);
            if (is_key_check && key_check != NULL) {
                pt_buf_puts(&sql, " WHERE value <> $1");
                const char *value = (const char *)key_check;
                int length = 32, format = 1;
                status = pg_number(copy, sql.data, 1, &value, &length, &format, &rows);
            } else {
                status = pg_number(copy, sql.data, 0, NULL, NULL, NULL, &rows);
            }
        }
        pt_buf_dispose(&sql);
        if (status)
            return status;
        if (rows > 0 && is_key_check)
            pt_buf_printf(held,
                          "%skey_check (the check value of another key file than the "
                          "SQLite database's)",
                          held->length ? ", " : "");
        else if (rows > 0)
            pt_buf_printf(held, "%s%s (%" PRId64 " row%s)", held->length ? ", " : "",
                          tables[i].name, rows, rows == 1 ? "" : "s");
    }
    return PT_OK;
}

static enum pt_status refuse_if_held(struct copy *copy, const unsigned char *key_check)
{
    struct pt_buf held;
    pt_buf_init(&held);
    enum pt_status status = target_holdings(copy, key_check, &held);
    if (status == PT_OK && held.length > 0)
        status = refuse(copy, PT_ERR_CONFLICT,
                        "the PostgreSQL database is not empty: %s. patron store copy writes "
                        "only into an empty database, and nothing was changed",
                        held.data);
    pt_buf_dispose(&held);
    return status;
}

static bool known_type(const char *type)
{
    static const char *const types[] = {"bigint",  "integer", "smallint", "text",
                                        "boolean", "bytea",   "date"};
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        if (strcmp(type, types[i]) == 0)
            return true;
    }
    return false;
}

static bool integer_type(const char *type)
{
    return strcmp(type, "bigint") == 0 || strcmp(type, "integer") == 0 ||
           strcmp(type, "smallint") == 0;
}

/* Which columns move, in PostgreSQL's order: each one's source is SQLite's
 * column of the same name (or the rowid), and every SQLite column has its
 * place, or the copy refuses naming the column. */
static enum pt_status plan_table(struct copy *copy, const struct copy_table *table,
                                 struct plan *plan)
{
    plan->count = 0;
    const char *name = table->name;
    PGresult *result = PQexecParams(copy->pg,
                                    "SELECT column_name, data_type FROM information_schema.columns "
                                    "WHERE table_schema = current_schema() AND table_name = $1 "
                                    "ORDER BY ordinal_position",
                                    1, NULL, &name, NULL, NULL, 0);
    if (PQresultStatus(result) != PGRES_TUPLES_OK)
        return pg_failed(copy, result, "reading the columns");
    enum pt_status status = PT_OK;
    for (int row = 0; status == PT_OK && row < PQntuples(result); row++) {
        const char *column = PQgetvalue(result, row, 0);
        const char *type = PQgetvalue(result, row, 1);
        if (table->postgresql_only != NULL && strcmp(column, table->postgresql_only) == 0)
            continue;
        if (plan->count == COLUMNS_MAX || strlen(column) >= NAME_MAX_BYTES)
            status =
                refuse(copy, PT_ERR_CONFLICT, "%s.%s: too many or too long columns", name, column);
        else if (!known_type(type))
            status = refuse(copy, PT_ERR_CONFLICT,
                            "%s.%s is of type %s, which patron store copy does not know how "
                            "to fill; nothing was written",
                            name, column, type);
        if (status)
            break;
        struct column *c = &plan->columns[plan->count++];
        snprintf(c->name, sizeof(c->name), "%s", column);
        snprintf(c->type, sizeof(c->type), "%s", type);
        c->rowid = table->from_rowid != NULL && strcmp(column, table->from_rowid) == 0;
    }
    PQclear(result);
    if (status)
        return status;

    /* Both directions against SQLite's columns. */
    bool placed[COLUMNS_MAX] = {false};
    sqlite3_stmt *statement = NULL;
    if (sqlite3_prepare_v2(copy->lite, "SELECT name FROM pragma_table_info(?)", -1, &statement,
                           NULL) != SQLITE_OK)
        return lite_failed(copy, "reading the columns");
    sqlite3_bind_text(statement, 1, name, -1, SQLITE_STATIC);
    int step;
    while (status == PT_OK && (step = sqlite3_step(statement)) == SQLITE_ROW) {
        const char *column = (const char *)sqlite3_column_text(statement, 0);
        size_t i = 0;
        while (i < plan->count && (plan->columns[i].rowid || strcmp(plan->columns[i].name, column)))
            i++;
        if (i == plan->count)
            status = refuse(copy, PT_ERR_CONFLICT,
                            "the SQLite table %s has a column %s that PostgreSQL's lacks: "
                            "patron store copy does not know where to put it; nothing was "
                            "written",
                            name, column);
        else
            placed[i] = true;
    }
    if (status == PT_OK && step != SQLITE_DONE)
        status = lite_failed(copy, "reading the columns");
    sqlite3_finalize(statement);
    for (size_t i = 0; status == PT_OK && i < plan->count; i++) {
        if (!placed[i] && !plan->columns[i].rowid)
            status = refuse(copy, PT_ERR_CONFLICT,
                            "the PostgreSQL table %s has a column %s that SQLite's lacks: "
                            "patron store copy does not know how to fill it; nothing was "
                            "written",
                            name, plan->columns[i].name);
    }
    if (status == PT_OK && plan->count == 0)
        status = refuse(copy, PT_ERR_INTERNAL, "the table %s has no columns", name);
    return status;
}

static void column_list(struct pt_buf *sql, const struct plan *plan, bool sqlite)
{
    for (size_t i = 0; i < plan->count; i++) {
        if (i > 0)
            pt_buf_puts(sql, ", ");
        if (sqlite && plan->columns[i].rowid)
            pt_buf_puts(sql, "rowid");
        else
            quote_name(sql, plan->columns[i].name);
    }
}

/* One value in COPY's text format, exactly as PostgreSQL writes it back
 * (bytea as \\x hex, the same escapes), so that the two sides' rows can be
 * compared as text. */
static void encode_value(struct pt_buf *line, sqlite3_stmt *statement, int column, const char *type)
{
    int kind = sqlite3_column_type(statement, column);
    if (kind == SQLITE_NULL) {
        pt_buf_puts(line, "\\N");
        return;
    }
    if (strcmp(type, "bytea") == 0) {
        const unsigned char *bytes = sqlite3_column_blob(statement, column);
        int length = sqlite3_column_bytes(statement, column);
        static const char hex[] = "0123456789abcdef";
        pt_buf_puts(line, "\\\\x");
        for (int i = 0; i < length; i++) {
            char pair[2] = {hex[bytes[i] >> 4], hex[bytes[i] & 15]};
            pt_buf_append(line, pair, 2);
        }
        return;
    }
    if (integer_type(type) && kind == SQLITE_INTEGER) {
        pt_buf_printf(line, "%lld", (long long)sqlite3_column_int64(statement, column));
        return;
    }
    /* SQLite keeps a flag as 0 or 1; PostgreSQL writes it back as f or t. */
    if (strcmp(type, "boolean") == 0 && kind == SQLITE_INTEGER &&
        (sqlite3_column_int64(statement, column) == 0 ||
         sqlite3_column_int64(statement, column) == 1)) {
        pt_buf_puts(line, sqlite3_column_int64(statement, column) ? "t" : "f");
        return;
    }
    /* Text, dates as SQLite writes them (2026-12-05), and any value stored
     * in a column of another type, for PostgreSQL to take or refuse. */
    const char *text = (const char *)sqlite3_column_text(statement, column);
    int length = sqlite3_column_bytes(statement, column);
    for (int i = 0; i < length; i++) {
        char c = text[i];
        const char *escape = NULL;
        switch (c) {
        case '\\': escape = "\\\\"; break;
        case '\b': escape = "\\b"; break;
        case '\f': escape = "\\f"; break;
        case '\n': escape = "\\n"; break;
        case '\r': escape = "\\r"; break;
        case '\t': escape = "\\t"; break;
        case '\v': escape = "\\v"; break;
        default: break;
        }
        if (escape != NULL)
            pt_buf_puts(line, escape);
        else
            pt_buf_append(line, &c, 1);
    }
}

static enum pt_status put_copy_data(struct copy *copy, struct pt_buf *out)
{
    if (out->length > 0 && PQputCopyData(copy->pg, out->data, (int)out->length) != 1)
        return pg_failed(copy, NULL, "sending rows");
    pt_buf_reset(out);
    return PT_OK;
}

/* Streams one table's rows from SQLite into COPY FROM STDIN. */
static enum pt_status copy_rows(struct copy *copy, const struct copy_table *table,
                                const struct plan *plan, int64_t *rows, struct digest *sent)
{
    struct pt_buf sql, line, out;
    pt_buf_init(&sql);
    pt_buf_init(&line);
    pt_buf_init(&out);
    enum pt_status status = PT_OK;
    sqlite3_stmt *statement = NULL;
    *rows = 0;
    if (table->setting) {
        pt_buf_puts(&sql, "DELETE FROM ");
        quote_name(&sql, table->name);
        status = pg_exec(copy, sql.data);
        pt_buf_reset(&sql);
    }
    if (status == PT_OK) {
        pt_buf_puts(&sql, "SELECT ");
        column_list(&sql, plan, true);
        pt_buf_puts(&sql, " FROM ");
        quote_name(&sql, table->name);
        if (sqlite3_prepare_v2(copy->lite, sql.data, -1, &statement, NULL) != SQLITE_OK)
            status = lite_failed(copy, sql.data);
    }
    if (status == PT_OK) {
        pt_buf_reset(&sql);
        pt_buf_puts(&sql, "COPY ");
        quote_name(&sql, table->name);
        pt_buf_puts(&sql, " (");
        column_list(&sql, plan, false);
        pt_buf_puts(&sql, ") FROM STDIN");
        PGresult *result = PQexec(copy->pg, sql.data);
        if (PQresultStatus(result) != PGRES_COPY_IN)
            status = pg_failed(copy, result, sql.data);
        else
            PQclear(result);
    }
    if (status == PT_OK) {
        int step;
        while (status == PT_OK && (step = sqlite3_step(statement)) == SQLITE_ROW) {
            pt_buf_reset(&line);
            for (size_t i = 0; i < plan->count; i++) {
                if (i > 0)
                    pt_buf_puts(&line, "\t");
                encode_value(&line, statement, (int)i, plan->columns[i].type);
            }
            pt_buf_puts(&line, "\n");
            digest_add(sent, line.data, line.length);
            pt_buf_append(&out, line.data, line.length);
            (*rows)++;
            if (out.length >= FLUSH_BYTES)
                status = put_copy_data(copy, &out);
        }
        if (status == PT_OK && step != SQLITE_DONE)
            status = lite_failed(copy, "reading rows");
        if (status == PT_OK)
            status = put_copy_data(copy, &out);
        /* Ending the COPY with an error message makes the server abandon it. */
        char reason[256];
        snprintf(reason, sizeof(reason), "patron store copy stopped: %s", copy->error);
        if (PQputCopyEnd(copy->pg, status == PT_OK ? NULL : reason) != 1 && status == PT_OK)
            status = pg_failed(copy, NULL, "ending the copy");
        PGresult *result;
        while ((result = PQgetResult(copy->pg)) != NULL) {
            if (status == PT_OK && PQresultStatus(result) != PGRES_COMMAND_OK) {
                char what[96];
                snprintf(what, sizeof(what), "copying %s", table->name);
                status = pg_failed(copy, result, what);
            } else {
                PQclear(result);
            }
        }
    }
    sqlite3_finalize(statement);
    pt_buf_dispose(&sql);
    pt_buf_dispose(&line);
    pt_buf_dispose(&out);
    return status;
}

/* Reads the table back from PostgreSQL, in the transaction that wrote it:
 * the same number of rows, and the same rows as text. */
static enum pt_status verify_rows(struct copy *copy, const struct copy_table *table,
                                  const struct plan *plan, int64_t rows, const struct digest *sent)
{
    struct pt_buf sql;
    pt_buf_init(&sql);
    int64_t source_rows = 0, target_rows = 0;
    pt_buf_puts(&sql, "SELECT count(*) FROM ");
    quote_name(&sql, table->name);
    enum pt_status status = lite_number(copy, sql.data, NULL, &source_rows);
    if (status == PT_OK)
        status = pg_number(copy, sql.data, 0, NULL, NULL, NULL, &target_rows);
    if (status == PT_OK && (source_rows != rows || target_rows != rows))
        status = refuse(copy, PT_ERR_CONFLICT,
                        "verification failed for %s: SQLite has %" PRId64 " rows, %" PRId64
                        " were sent, PostgreSQL has %" PRId64 "; nothing was committed",
                        table->name, source_rows, rows, target_rows);
    struct digest read = {{0}};
    int64_t read_rows = 0;
    if (status == PT_OK) {
        pt_buf_reset(&sql);
        pt_buf_puts(&sql, "COPY (SELECT ");
        column_list(&sql, plan, false);
        pt_buf_puts(&sql, " FROM ");
        quote_name(&sql, table->name);
        pt_buf_puts(&sql, ") TO STDOUT");
        PGresult *result = PQexec(copy->pg, sql.data);
        if (PQresultStatus(result) != PGRES_COPY_OUT)
            status = pg_failed(copy, result, sql.data);
        else
            PQclear(result);
    }
    if (status == PT_OK) {
        char *line = NULL;
        int length;
        while ((length = PQgetCopyData(copy->pg, &line, 0)) > 0) {
            digest_add(&read, line, (size_t)length);
            read_rows++;
            PQfreemem(line);
        }
        if (length == -2)
            status = pg_failed(copy, NULL, "reading rows back");
        PGresult *result;
        while ((result = PQgetResult(copy->pg)) != NULL) {
            if (status == PT_OK && PQresultStatus(result) != PGRES_COMMAND_OK)
                status = pg_failed(copy, result, "reading rows back");
            else
                PQclear(result);
        }
    }
    if (status == PT_OK &&
        (read_rows != rows || memcmp(read.sum, sent->sum, sizeof(read.sum)) != 0))
        status = refuse(copy, PT_ERR_CONFLICT,
                        "verification failed for %s: the rows read back from PostgreSQL "
                        "differ from the SQLite database's; nothing was committed",
                        table->name);
    pt_buf_dispose(&sql);
    return status;
}

/* New rows must not take an id a copied row has, nor (where SQLite's
 * AUTOINCREMENT promised it, the outbox) one that was ever used. */
static enum pt_status reset_sequences(struct copy *copy)
{
    PGresult *result =
        PQexec(copy->pg, "SELECT table_name, column_name FROM information_schema.columns "
                         "WHERE table_schema = current_schema() AND (is_identity = 'YES' "
                         "OR column_default LIKE 'nextval(%') ORDER BY 1, 2");
    if (PQresultStatus(result) != PGRES_TUPLES_OK)
        return pg_failed(copy, result, "listing the sequences");
    int64_t has_sequence_table = 0;
    enum pt_status status = lite_number(copy,
                                        "SELECT count(*) FROM sqlite_master "
                                        "WHERE name = 'sqlite_sequence'",
                                        NULL, &has_sequence_table);
    for (int row = 0; status == PT_OK && row < PQntuples(result); row++) {
        const char *table = PQgetvalue(result, row, 0);
        const char *column = PQgetvalue(result, row, 1);
        if (strcmp(table, postgresql_version_table) == 0)
            continue;
        int64_t used = 0;
        if (has_sequence_table == 1)
            status =
                lite_number(copy, "SELECT seq FROM sqlite_sequence WHERE name = ?", table, &used);
        if (status)
            break;
        struct pt_buf sql, quoted;
        pt_buf_init(&sql);
        pt_buf_init(&quoted);
        quote_name(&quoted, table);
        pt_buf_puts(&sql, "SELECT setval(pg_get_serial_sequence($1, $2), greatest((SELECT "
                          "coalesce(max(");
        quote_name(&sql, column);
        pt_buf_puts(&sql, "), 0) FROM ");
        quote_name(&sql, table);
        pt_buf_puts(&sql, "), $3::bigint) + 1, false)");
        char floor[24];
        snprintf(floor, sizeof(floor), "%" PRId64, used > 0 ? used : 0);
        const char *values[] = {quoted.data, column, floor};
        int64_t next = 0;
        status = pg_number(copy, sql.data, 3, values, NULL, NULL, &next);
        pt_buf_dispose(&sql);
        pt_buf_dispose(&quoted);
    }
    PQclear(result);
    return status;
}

static enum pt_status source_key_check(struct copy *copy, unsigned char value[32], bool *has)
{
    *has = false;
    sqlite3_stmt *statement = NULL;
    if (sqlite3_prepare_v2(copy->lite, "SELECT value FROM key_check WHERE id = 1", -1, &statement,
                           NULL) != SQLITE_OK)
        return lite_failed(copy, "reading the key check");
    int step = sqlite3_step(statement);
    if (step == SQLITE_ROW && sqlite3_column_bytes(statement, 0) == 32) {
        memcpy(value, sqlite3_column_blob(statement, 0), 32);
        *has = true;
    }
    sqlite3_finalize(statement);
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        return lite_failed(copy, "reading the key check");
    return PT_OK;
}

/* The same migrations `patron migrate` applies, through the store itself. */
static enum pt_status migrate_target(struct copy *copy, const char *conninfo)
{
    struct pt_store *store = NULL;
    enum pt_status status =
        pt_store_open_postgresql(conninfo, 1, &store, copy->error, copy->error_size);
    if (status)
        return status;
    int applied = 0;
    status = pt_store_migrate(store, &applied);
    if (status)
        refuse(copy, status, "the PostgreSQL database could not be migrated: %s",
               pt_store_last_error());
    pt_store_close(store);
    return status;
}

static enum pt_status copy_all(struct copy *copy, const char *sqlite_path, const char *conninfo,
                               struct pt_store_copy_report *report)
{
    /* One read transaction: one consistent snapshot of the file, even if a
     * server still writes it (which it should not: its later writes would
     * not be copied). */
    if (sqlite3_exec(copy->lite, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        return lite_failed(copy, "BEGIN");
    enum pt_status status = check_source(copy, sqlite_path);
    unsigned char key_check[32];
    bool has_key_check = false;
    if (status == PT_OK)
        status = source_key_check(copy, key_check, &has_key_check);
    /* Told before the migration, so that a refused target is not even
     * migrated; checked again under the locks below. */
    if (status == PT_OK)
        status = refuse_if_held(copy, has_key_check ? key_check : NULL);
    if (status == PT_OK)
        status = migrate_target(copy, conninfo);
    if (status == PT_OK)
        status = pg_exec(copy, "BEGIN");
    if (status == PT_OK)
        status = check_target_tables(copy);
    if (status == PT_OK) {
        /* Nodes may read while the copy runs, not write. */
        struct pt_buf lock;
        pt_buf_init(&lock);
        pt_buf_puts(&lock, "LOCK TABLE ");
        for (size_t i = 0; i < TABLE_COUNT; i++) {
            if (i > 0)
                pt_buf_puts(&lock, ", ");
            quote_name(&lock, tables[i].name);
        }
        pt_buf_puts(&lock, " IN EXCLUSIVE MODE");
        status = pg_exec(copy, lock.data);
        pt_buf_dispose(&lock);
    }
    if (status == PT_OK)
        status = refuse_if_held(copy, has_key_check ? key_check : NULL);

    struct plan *plans = pt_xcalloc(TABLE_COUNT, sizeof(*plans)); /* freed below */
    struct digest sent[TABLE_COUNT];
    memset(sent, 0, sizeof(sent));
    memset(report, 0, sizeof(*report));
    for (size_t i = 0; status == PT_OK && i < TABLE_COUNT; i++)
        status = plan_table(copy, &tables[i], &plans[i]);
    for (size_t i = 0; status == PT_OK && i < TABLE_COUNT; i++) {
        int64_t rows = 0;
        status = copy_rows(copy, &tables[i], &plans[i], &rows, &sent[i]);
        snprintf(report->tables[i].name, sizeof(report->tables[i].name), "%s", tables[i].name);
        report->tables[i].rows = rows;
        report->rows += rows;
        report->count = i + 1;
    }
    if (status == PT_OK)
        status = reset_sequences(copy);
    for (size_t i = 0; status == PT_OK && i < TABLE_COUNT; i++)
        status = verify_rows(copy, &tables[i], &plans[i], report->tables[i].rows, &sent[i]);
    if (status == PT_OK)
        status = pg_exec(copy, "COMMIT");
    else if (PQtransactionStatus(copy->pg) != PQTRANS_IDLE)
        PQclear(PQexec(copy->pg, "ROLLBACK"));
    sqlite3_exec(copy->lite, "ROLLBACK", NULL, NULL, NULL);
    free(plans);
    return status;
}

enum pt_status pt_store_copy_run(const char *sqlite_path, const char *conninfo,
                                 struct pt_store_copy_report *report, char *error,
                                 size_t error_size)
{
    struct copy copy = {.error = error, .error_size = error_size};
    error[0] = '\0';
    enum pt_status status = PT_OK;
    /* Read-only: the source is never changed, whatever happens here. */
    if (sqlite3_open_v2(sqlite_path, &copy.lite, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        status = refuse(&copy, PT_ERR_IO, "cannot open %s: %s", sqlite_path,
                        copy.lite ? sqlite3_errmsg(copy.lite) : "out of memory");
    } else {
        sqlite3_busy_timeout(copy.lite, 5000);
        copy.pg = pg_connect(conninfo);
        if (copy.pg == NULL || PQstatus(copy.pg) != CONNECTION_OK) {
            const char *message = copy.pg ? PQerrorMessage(copy.pg) : "out of memory";
            status = refuse(&copy, PT_ERR_IO, "cannot connect to PostgreSQL: %.*s",
                            (int)strcspn(message, "\n"), message);
        } else if (PQsetClientEncoding(copy.pg, "UTF8") != 0) {
            status = pg_failed(&copy, NULL, "setting the client encoding");
        } else {
            status = pg_exec(&copy, session_settings);
            if (status == PT_OK)
                status = copy_all(&copy, sqlite_path, conninfo, report);
        }
    }
    PQfinish(copy.pg);
    sqlite3_close(copy.lite);
    return status;
}
