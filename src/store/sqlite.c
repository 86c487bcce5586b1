/* The SQLite store: one connection in WAL mode, one writer at a time.
 *
 * A mutex serialises use of the connection. Writes are few and batched (the
 * event writer, the support page), and the decision path never comes here,
 * so one connection is not a bottleneck; it also keeps SQLite's single-writer
 * rule out of every caller's mind. */
#include <pthread.h>
#include <stdarg.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "patron/alloc.h"
#include "patron/log.h"
#include "patron/store.h"

struct sqlite_store {
    struct pt_store super;
    sqlite3 *db;
    pthread_mutex_t lock;
};

static struct sqlite_store *from(struct pt_store *store)
{
    return (struct sqlite_store *)store;
}

static enum pt_status fail(struct sqlite_store *store, const char *what)
{
    pt_store_note_error("sqlite: %s: %s", what, sqlite3_errmsg(store->db));
    return PT_ERR_IO;
}

static enum pt_status exec(struct sqlite_store *store, const char *sql)
{
    char *message = NULL;
    if (sqlite3_exec(store->db, sql, NULL, NULL, &message) != SQLITE_OK) {
        pt_store_note_error("sqlite: %s", message ? message : "error");
        sqlite3_free(message);
        return PT_ERR_IO;
    }
    return PT_OK;
}

/* Prepares sql and binds the parameters in args, in order: each letter of
 * types says what comes, 's' text, 'd' an int64_t, 'b' a blob and its
 * size_t length. NULL on failure, logged. */
static sqlite3_stmt *prepare_bound(struct sqlite_store *store, const char *sql, const char *types,
                                   va_list args)
{
    sqlite3_stmt *statement = NULL;
    if (sqlite3_prepare_v2(store->db, sql, -1, &statement, NULL) != SQLITE_OK) {
        fail(store, sql);
        sqlite3_finalize(statement);
        return NULL;
    }
    int index = 1;
    for (const char *t = types; *t; t++, index++) {
        if (*t == 's') {
            sqlite3_bind_text(statement, index, va_arg(args, const char *), -1, SQLITE_TRANSIENT);
        } else if (*t == 'd') {
            sqlite3_bind_int64(statement, index, va_arg(args, int64_t));
        } else {
            const void *blob = va_arg(args, const void *);
            size_t length = va_arg(args, size_t);
            sqlite3_bind_blob(statement, index, blob, (int)length, SQLITE_TRANSIENT);
        }
    }
    return statement;
}

/* prepare_bound, with the parameters given here. */
static sqlite3_stmt *prepare_with(struct sqlite_store *store, const char *sql, const char *types,
                                  ...)
{
    va_list args;
    va_start(args, types);
    sqlite3_stmt *statement = prepare_bound(store, sql, types, args);
    va_end(args);
    return statement;
}

/* Runs one statement with parameters as prepare_bound takes them. Returns
 * the number of rows changed, or -1 on error. */
static int run(struct sqlite_store *store, const char *sql, const char *types, ...)
{
    va_list args;
    va_start(args, types);
    sqlite3_stmt *statement = prepare_bound(store, sql, types, args);
    va_end(args);
    if (statement == NULL)
        return -1;
    int changed = -1;
    if (sqlite3_step(statement) == SQLITE_DONE)
        changed = sqlite3_changes(store->db);
    else
        fail(store, sql);
    sqlite3_finalize(statement);
    return changed;
}

static enum pt_status sqlite_migrate(struct pt_store *base, int *applied)
{
    struct sqlite_store *store = from(base);
    enum pt_status status = PT_OK;
    *applied = 0;
    pthread_mutex_lock(&store->lock);
    sqlite3_stmt *statement = NULL;
    int version = 0;
    if (sqlite3_prepare_v2(store->db, "PRAGMA user_version", -1, &statement, NULL) != SQLITE_OK ||
        sqlite3_step(statement) != SQLITE_ROW) {
        status = fail(store, "reading the schema version");
        goto out;
    }
    version = sqlite3_column_int(statement, 0);
    /* An open statement would keep its table locked against DROP TABLE. */
    sqlite3_finalize(statement);
    statement = NULL;
    /* A newer patron wrote tables this one does not know: using them could
     * lose what it keeps there, and a downgrade cannot be undone by hand. */
    int known = pt_migration_count > 0 ? pt_migrations[pt_migration_count - 1].version : 0;
    if (version > known) {
        pt_store_note_error("the database is from a newer patron (schema %d; this patron knows "
                            "up to %d): run the newer patron, or restore a backup made for this "
                            "one",
                            version, known);
        status = PT_ERR_CONFLICT;
        goto out;
    }
    for (size_t i = 0; i < pt_migration_count; i++) {
        const struct pt_migration *migration = &pt_migrations[i];
        if (migration->version <= version)
            continue;
        /* Each migration and its version bump commit together or not at all. */
        status = exec(store, "BEGIN IMMEDIATE");
        if (status)
            goto out;
        char bump[64];
        snprintf(bump, sizeof(bump), "PRAGMA user_version = %d", migration->version);
        status = exec(store, migration->sql);
        if (status == PT_OK)
            status = exec(store, bump);
        if (status) {
            pt_log(PT_LOG_ERROR, "migration %s failed; nothing of it was applied", migration->name);
            exec(store, "ROLLBACK");
            goto out;
        }
        status = exec(store, "COMMIT");
        if (status)
            goto out;
        (*applied)++;
    }
out:
    sqlite3_finalize(statement);
    pthread_mutex_unlock(&store->lock);
    return status;
}

/* A real write, committed: a lock held elsewhere, a full disk or a
 * read-only file system fail it as they would fail any other write. */
static enum pt_status sqlite_write_probe(struct pt_store *base, int64_t now)
{
    struct sqlite_store *store = from(base);
    pthread_mutex_lock(&store->lock);
    int changed = run(store,
                      "INSERT INTO store_probe (id, written_at) VALUES (1, ?) "
                      "ON CONFLICT (id) DO UPDATE SET written_at = excluded.written_at",
                      "d", now);
    pthread_mutex_unlock(&store->lock);
    return changed == 1 ? PT_OK : PT_ERR_IO;
}

static enum pt_status sqlite_catalog_version(struct pt_store *base, int64_t *version)
{
    struct sqlite_store *store = from(base);
    enum pt_status status = PT_OK;
    sqlite3_stmt *statement = NULL;
    pthread_mutex_lock(&store->lock);
    if (sqlite3_prepare_v2(store->db, "SELECT version FROM catalog_version WHERE id = 1", -1,
                           &statement, NULL) != SQLITE_OK ||
        sqlite3_step(statement) != SQLITE_ROW) {
        status = fail(store, "reading the catalogue version");
    } else {
        *version = sqlite3_column_int64(statement, 0);
    }
    sqlite3_finalize(statement);
    pthread_mutex_unlock(&store->lock);
    return status;
}

static enum pt_status sqlite_campaigns_each(struct pt_store *base,
                                            pt_store_document_visitor visit, void *context)
{
    struct sqlite_store *store = from(base);
    enum pt_status status = PT_OK;
    sqlite3_stmt *statement = NULL;
    pthread_mutex_lock(&store->lock);
    if (sqlite3_prepare_v2(store->db, "SELECT id, document FROM campaigns ORDER BY id", -1,
                           &statement, NULL) != SQLITE_OK) {
        status = fail(store, "reading campaigns");
        goto out;
    }
    int step;
    while ((step = sqlite3_step(statement)) == SQLITE_ROW) {
        visit(context, (const char *)sqlite3_column_text(statement, 0),
              (const char *)sqlite3_column_text(statement, 1));
    }
    if (step != SQLITE_DONE)
        status = fail(store, "reading campaigns");
out:
    sqlite3_finalize(statement);
    pthread_mutex_unlock(&store->lock);
    return status;
}

static enum pt_status sqlite_campaign_count(struct pt_store *base, int64_t *count)
{
    struct sqlite_store *store = from(base);
    enum pt_status status = PT_OK;
    sqlite3_stmt *statement = NULL;
    pthread_mutex_lock(&store->lock);
    if (sqlite3_prepare_v2(store->db, "SELECT count(*) FROM campaigns", -1, &statement, NULL) !=
            SQLITE_OK ||
        sqlite3_step(statement) != SQLITE_ROW)
        status = fail(store, "counting campaigns");
    else
        *count = sqlite3_column_int64(statement, 0);
    sqlite3_finalize(statement);
    pthread_mutex_unlock(&store->lock);
    return status;
}

static enum pt_status sqlite_campaign_put(struct pt_store *base, const char *id,
                                          const char *document, int64_t now)
{
    struct sqlite_store *store = from(base);
    pthread_mutex_lock(&store->lock);
    int changed = run(store,
                      "INSERT INTO campaigns (id, document, updated_at) VALUES (?, ?, ?) "
                      "ON CONFLICT (id) DO UPDATE SET document = excluded.document, "
                      "updated_at = excluded.updated_at",
                      "ssd", id, document, now);
    pthread_mutex_unlock(&store->lock);
    return changed < 0 ? PT_ERR_IO : PT_OK;
}

static enum pt_status sqlite_campaign_get(struct pt_store *base, const char *id, char **document)
{
    struct sqlite_store *store = from(base);
    enum pt_status status = PT_OK;
    sqlite3_stmt *statement = NULL;
    pthread_mutex_lock(&store->lock);
    if (sqlite3_prepare_v2(store->db, "SELECT document FROM campaigns WHERE id = ?", -1,
                           &statement, NULL) != SQLITE_OK) {
        status = fail(store, "reading a campaign");
        goto out;
    }
    sqlite3_bind_text(statement, 1, id, -1, SQLITE_STATIC);
    int step = sqlite3_step(statement);
    if (step == SQLITE_ROW)
        *document = pt_xstrdup((const char *)sqlite3_column_text(statement, 0));
    else if (step == SQLITE_DONE)
        status = PT_ERR_NOT_FOUND;
    else
        status = fail(store, "reading a campaign");
out:
    sqlite3_finalize(statement);
    pthread_mutex_unlock(&store->lock);
    return status;
}

static enum pt_status sqlite_campaign_delete(struct pt_store *base, const char *id)
{
    struct sqlite_store *store = from(base);
    pthread_mutex_lock(&store->lock);
    int changed = run(store, "DELETE FROM campaigns WHERE id = ?", "s", id);
    pthread_mutex_unlock(&store->lock);
    return changed < 0 ? PT_ERR_IO : changed == 0 ? PT_ERR_NOT_FOUND : PT_OK;
}

static enum pt_status sqlite_campaigns_replace(struct pt_store *base, const char *const *ids,
                                               const char *const *documents, size_t count,
                                               int64_t now)
{
    struct sqlite_store *store = from(base);
    enum pt_status status = PT_OK;
    sqlite3_stmt *insert = NULL;
    pthread_mutex_lock(&store->lock);
    status = exec(store, "BEGIN IMMEDIATE");
    if (status)
        goto out;
    status = exec(store, "DELETE FROM campaigns");
    if (status)
        goto rollback;
    if (sqlite3_prepare_v2(store->db,
                           "INSERT INTO campaigns (id, document, updated_at) VALUES (?, ?, ?)", -1,
                           &insert, NULL) != SQLITE_OK) {
        status = fail(store, "importing campaigns");
        goto rollback;
    }
    for (size_t i = 0; i < count; i++) {
        sqlite3_reset(insert);
        sqlite3_bind_text(insert, 1, ids[i], -1, SQLITE_STATIC);
        sqlite3_bind_text(insert, 2, documents[i], -1, SQLITE_STATIC);
        sqlite3_bind_int64(insert, 3, now);
        if (sqlite3_step(insert) != SQLITE_DONE) {
            status = fail(store, "importing campaigns");
            goto rollback;
        }
    }
    sqlite3_finalize(insert);
    insert = NULL;
    status = exec(store, "COMMIT");
    if (status == PT_OK)
        goto out;
rollback:
    exec(store, "ROLLBACK");
out:
    sqlite3_finalize(insert);
    pthread_mutex_unlock(&store->lock);
    return status;
}

static enum pt_status sqlite_counts_add(struct pt_store *base, const struct pt_event_count *counts,
                                        size_t count)
{
    struct sqlite_store *store = from(base);
    enum pt_status status = PT_OK;
    sqlite3_stmt *statement = NULL;
    pthread_mutex_lock(&store->lock);
    status = exec(store, "BEGIN IMMEDIATE");
    if (status)
        goto out;
    if (sqlite3_prepare_v2(store->db,
                           "INSERT INTO event_counts (day, campaign, variant, kind, count) "
                           "VALUES (?, ?, ?, ?, ?) ON CONFLICT (day, campaign, variant, kind) "
                           "DO UPDATE SET count = count + excluded.count",
                           -1, &statement, NULL) != SQLITE_OK) {
        status = fail(store, "writing counts");
        goto rollback;
    }
    for (size_t i = 0; i < count; i++) {
        char day[11];
        pt_events_format_day(counts[i].day, day);
        sqlite3_reset(statement);
        sqlite3_bind_text(statement, 1, day, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(statement, 2, counts[i].campaign, -1, SQLITE_STATIC);
        sqlite3_bind_text(statement, 3, counts[i].variant, -1, SQLITE_STATIC);
        sqlite3_bind_text(statement, 4, pt_event_kind_name(counts[i].kind), -1, SQLITE_STATIC);
        sqlite3_bind_int64(statement, 5, counts[i].count);
        if (sqlite3_step(statement) != SQLITE_DONE) {
            status = fail(store, "writing counts");
            goto rollback;
        }
    }
    sqlite3_finalize(statement);
    statement = NULL;
    status = exec(store, "COMMIT");
    if (status == PT_OK)
        goto out;
rollback:
    exec(store, "ROLLBACK");
out:
    sqlite3_finalize(statement);
    pthread_mutex_unlock(&store->lock);
    return status;
}

/* A text column, "" for NULL. */
static const char *column_text(sqlite3_stmt *statement, int column)
{
    const unsigned char *text = sqlite3_column_text(statement, column);
    return text != NULL ? (const char *)text : "";
}

/* Hands each row of a prepared statement to read (with reading, which holds
 * the caller's visitor), then finalizes it. A NULL statement is a failure
 * already logged. Lock held. */
static enum pt_status read_rows(struct sqlite_store *store, sqlite3_stmt *statement,
                                const char *what, void (*read)(sqlite3_stmt *, void *),
                                void *reading)
{
    if (statement == NULL)
        return PT_ERR_IO;
    int step;
    while ((step = sqlite3_step(statement)) == SQLITE_ROW)
        read(statement, reading);
    enum pt_status status = step == SQLITE_DONE ? PT_OK : fail(store, what);
    sqlite3_finalize(statement);
    return status;
}

/* Under the lock: prepares sql with parameters as prepare_bound takes them
 * and hands each row to read. */
static enum pt_status visit_rows(struct pt_store *base, const char *what,
                                 void (*read)(sqlite3_stmt *, void *), void *reading,
                                 const char *sql, const char *types, ...)
{
    struct sqlite_store *store = from(base);
    pthread_mutex_lock(&store->lock);
    va_list args;
    va_start(args, types);
    sqlite3_stmt *statement = prepare_bound(store, sql, types, args);
    va_end(args);
    enum pt_status status = read_rows(store, statement, what, read, reading);
    pthread_mutex_unlock(&store->lock);
    return status;
}

struct count_reading {
    pt_store_count_visitor visit;
    void *context;
};

/* A row of (day number, campaign, variant, kind, count); unknown kinds are
 * skipped. */
static void read_count(sqlite3_stmt *statement, void *reading)
{
    struct count_reading *counts = reading;
    struct pt_event_count row;
    memset(&row, 0, sizeof(row));
    row.day = (int32_t)sqlite3_column_int64(statement, 0);
    snprintf(row.campaign, sizeof(row.campaign), "%s", sqlite3_column_text(statement, 1));
    snprintf(row.variant, sizeof(row.variant), "%s", sqlite3_column_text(statement, 2));
    if (!pt_event_kind_parse((const char *)sqlite3_column_text(statement, 3), &row.kind))
        return;
    row.count = sqlite3_column_int64(statement, 4);
    counts->visit(counts->context, &row);
}

static enum pt_status sqlite_counts_each(struct pt_store *base, pt_store_count_visitor visit,
                                         void *context)
{
    struct count_reading reading = {visit, context};
    return visit_rows(base, "reading counts", read_count, &reading,
                      "SELECT CAST(julianday(day) - 2440587.5 AS INTEGER), campaign, variant, "
                      "kind, count FROM event_counts ORDER BY day, campaign, variant, kind",
                      "");
}

static enum pt_status sqlite_pledge_add(struct pt_store *base, const struct pt_pledge *pledge)
{
    struct sqlite_store *store = from(base);
    enum pt_status status = PT_OK;
    sqlite3_stmt *insert = NULL, *history = NULL;
    pthread_mutex_lock(&store->lock);
    status = exec(store, "BEGIN IMMEDIATE");
    if (status)
        goto out;
    if (sqlite3_prepare_v2(store->db,
                           "INSERT INTO pledges (id, status, frequency, amount_minor, currency, "
                           "campaign, variant, language, created_at, origin_sealed) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           -1, &insert, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(store->db,
                           "INSERT INTO pledge_history (pledge_id, at, status, amount_minor, note) "
                           "VALUES (?, ?, ?, ?, 'created on the support page')",
                           -1, &history, NULL) != SQLITE_OK) {
        status = fail(store, "saving a pledge");
        goto rollback;
    }
    sqlite3_bind_text(insert, 1, pledge->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(insert, 2, pledge->status, -1, SQLITE_STATIC);
    sqlite3_bind_text(insert, 3, pt_frequency_name(pledge->frequency), -1, SQLITE_STATIC);
    sqlite3_bind_int64(insert, 4, pledge->amount_minor);
    sqlite3_bind_text(insert, 5, pledge->currency, -1, SQLITE_STATIC);
    sqlite3_bind_text(insert, 6, pledge->campaign, -1, SQLITE_STATIC);
    sqlite3_bind_text(insert, 7, pledge->variant, -1, SQLITE_STATIC);
    sqlite3_bind_text(insert, 8, pledge->language, -1, SQLITE_STATIC);
    sqlite3_bind_int64(insert, 9, pledge->created_at);
    if (pledge->origin_sealed != NULL)
        sqlite3_bind_blob(insert, 10, pledge->origin_sealed, (int)pledge->origin_sealed_length,
                          SQLITE_STATIC);
    sqlite3_bind_text(history, 1, pledge->id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(history, 2, pledge->created_at);
    sqlite3_bind_text(history, 3, pledge->status, -1, SQLITE_STATIC);
    sqlite3_bind_int64(history, 4, pledge->amount_minor);
    if (sqlite3_step(insert) != SQLITE_DONE || sqlite3_step(history) != SQLITE_DONE) {
        status = fail(store, "saving a pledge");
        goto rollback;
    }
    status = exec(store, "COMMIT");
    if (status == PT_OK)
        goto out;
rollback:
    exec(store, "ROLLBACK");
out:
    sqlite3_finalize(insert);
    sqlite3_finalize(history);
    pthread_mutex_unlock(&store->lock);
    return status;
}

/* ---------------------------------------------------------------- ledger */

static const char pledge_columns[] =
    "id, status, frequency, amount_minor, currency, campaign, variant, language, created_at, "
    "processor, checkout_id, customer_id, subscription_id, email_sealed, "
    "(SELECT count(*) FROM pledge_history WHERE pledge_id = pledges.id), observed_at, "
    "origin_sealed";

static void read_pledge(sqlite3_stmt *statement, struct pt_pledge_record *pledge)
{
    memset(pledge, 0, sizeof(*pledge));
    snprintf(pledge->id, sizeof(pledge->id), "%s", sqlite3_column_text(statement, 0));
    snprintf(pledge->status, sizeof(pledge->status), "%s", sqlite3_column_text(statement, 1));
    pt_frequency_parse((const char *)sqlite3_column_text(statement, 2), &pledge->frequency);
    pledge->amount_minor = sqlite3_column_int64(statement, 3);
    snprintf(pledge->currency, sizeof(pledge->currency), "%s", sqlite3_column_text(statement, 4));
    snprintf(pledge->campaign, sizeof(pledge->campaign), "%s", sqlite3_column_text(statement, 5));
    snprintf(pledge->variant, sizeof(pledge->variant), "%s", sqlite3_column_text(statement, 6));
    snprintf(pledge->language, sizeof(pledge->language), "%s", sqlite3_column_text(statement, 7));
    pledge->created_at = sqlite3_column_int64(statement, 8);
    snprintf(pledge->processor, sizeof(pledge->processor), "%s", sqlite3_column_text(statement, 9));
    snprintf(pledge->checkout_id, sizeof(pledge->checkout_id), "%s",
             sqlite3_column_text(statement, 10));
    snprintf(pledge->customer_id, sizeof(pledge->customer_id), "%s",
             sqlite3_column_text(statement, 11));
    snprintf(pledge->subscription_id, sizeof(pledge->subscription_id), "%s",
             sqlite3_column_text(statement, 12));
    int sealed = sqlite3_column_bytes(statement, 13);
    if (sealed > 0 && (size_t)sealed <= sizeof(pledge->email_sealed)) {
        memcpy(pledge->email_sealed, sqlite3_column_blob(statement, 13), (size_t)sealed);
        pledge->email_sealed_length = (size_t)sealed;
    }
    pledge->history_count = sqlite3_column_int64(statement, 14);
    int origin = sqlite3_column_bytes(statement, 16);
    if (origin > 0 && (size_t)origin <= sizeof(pledge->origin_sealed)) {
        memcpy(pledge->origin_sealed, sqlite3_column_blob(statement, 16), (size_t)origin);
        pledge->origin_sealed_length = (size_t)origin;
    }
}

static enum pt_status select_pledge(struct sqlite_store *store, const char *where,
                                    const char *first, const char *second,
                                    struct pt_pledge_record *pledge)
{
    char sql[512];
    snprintf(sql, sizeof(sql), "SELECT %s FROM pledges WHERE %s", pledge_columns, where);
    sqlite3_stmt *statement = NULL;
    enum pt_status status = PT_OK;
    if (sqlite3_prepare_v2(store->db, sql, -1, &statement, NULL) != SQLITE_OK)
        return fail(store, "reading a pledge");
    sqlite3_bind_text(statement, 1, first, -1, SQLITE_STATIC);
    if (second != NULL)
        sqlite3_bind_text(statement, 2, second, -1, SQLITE_STATIC);
    int step = sqlite3_step(statement);
    if (step == SQLITE_ROW)
        read_pledge(statement, pledge);
    else if (step == SQLITE_DONE)
        status = PT_ERR_NOT_FOUND;
    else
        status = fail(store, "reading a pledge");
    sqlite3_finalize(statement);
    return status;
}

static enum pt_status sqlite_pledge_get(struct pt_store *base, const char *id,
                                        struct pt_pledge_record *pledge)
{
    struct sqlite_store *store = from(base);
    pthread_mutex_lock(&store->lock);
    enum pt_status status = select_pledge(store, "id = ?", id, NULL, pledge);
    pthread_mutex_unlock(&store->lock);
    return status;
}

static enum pt_status sqlite_pledge_find(struct pt_store *base, const char *subscription_id,
                                         const char *checkout_id, struct pt_pledge_record *pledge)
{
    struct sqlite_store *store = from(base);
    pthread_mutex_lock(&store->lock);
    enum pt_status status = select_pledge(
        store, "(subscription_id = ?1 AND ?1 != '') OR (checkout_id = ?2 AND ?2 != '')",
        subscription_id ? subscription_id : "", checkout_id ? checkout_id : "", pledge);
    pthread_mutex_unlock(&store->lock);
    return status;
}

static enum pt_status sqlite_pledges_by_email(struct pt_store *base,
                                              const unsigned char *email_hash, char (*ids)[33],
                                              size_t capacity, size_t *count)
{
    struct sqlite_store *store = from(base);
    sqlite3_stmt *statement = NULL;
    enum pt_status status = PT_OK;
    *count = 0;
    pthread_mutex_lock(&store->lock);
    if (sqlite3_prepare_v2(store->db,
                           "SELECT id FROM pledges WHERE email_hash = ? ORDER BY created_at DESC",
                           -1, &statement, NULL) != SQLITE_OK) {
        status = fail(store, "finding pledges");
        goto out;
    }
    sqlite3_bind_blob(statement, 1, email_hash, 32, SQLITE_STATIC);
    int step;
    while ((step = sqlite3_step(statement)) == SQLITE_ROW && *count < capacity)
        snprintf(ids[(*count)++], 33, "%s", sqlite3_column_text(statement, 0));
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        status = fail(store, "finding pledges");
out:
    sqlite3_finalize(statement);
    pthread_mutex_unlock(&store->lock);
    return status;
}

static enum pt_status sqlite_pledge_set_checkout(struct pt_store *base, const char *id,
                                                 const char *processor, const char *checkout_id)
{
    struct sqlite_store *store = from(base);
    pthread_mutex_lock(&store->lock);
    int changed = run(store, "UPDATE pledges SET processor = ?, checkout_id = ? WHERE id = ?",
                      "sss", processor, checkout_id, id);
    pthread_mutex_unlock(&store->lock);
    return changed < 0 ? PT_ERR_IO : changed == 0 ? PT_ERR_NOT_FOUND : PT_OK;
}

static int queue_email(struct sqlite_store *store, const char *pledge_id, const char *kind,
                       const char *data, int64_t now)
{
    return run(store, "INSERT INTO outbox (pledge_id, kind, data, created_at) VALUES (?, ?, ?, ?)",
               "sssd", pledge_id, kind, data, now);
}

/* Queues the thank-you email unless one was ever queued for the pledge; with
 * needs_payment, only if the pledge has a payment. Returns the rows added
 * (0 or 1), or -1 on error. */
static int queue_thanks_once(struct sqlite_store *store, const char *pledge_id,
                             bool needs_payment, int64_t now)
{
    return run(store,
               "INSERT INTO outbox (pledge_id, kind, data, created_at) SELECT ?, 'thanks', '{}', ? "
               "WHERE NOT EXISTS (SELECT 1 FROM outbox WHERE pledge_id = ? AND kind = 'thanks') "
               "AND (? = 0 OR EXISTS (SELECT 1 FROM payments WHERE pledge_id = ?))",
               "sdsds", pledge_id, now, pledge_id, (int64_t)needs_payment, pledge_id);
}

/* A history row of a pledge as it stands. Lock held, in the transaction. */
static int history_line(struct sqlite_store *store, const struct pt_ledger_change *change,
                        const char *status_now, int64_t amount_now, const char *note)
{
    return run(store,
               "INSERT INTO pledge_history (pledge_id, at, status, amount_minor, note) "
               "VALUES (?, ?, ?, ?, ?)",
               "sdsds", change->pledge_id, change->now, status_now, amount_now, note ? note : "");
}

/* Refunds and disputes (issue 14): the dispute's state, then each part of
 * a payment that came back, once by its id and never more in all than the
 * payment; a line in the history for each. Lock held, in the transaction. */
static enum pt_status ledger_apply_returns(struct sqlite_store *store,
                                           const struct pt_ledger_change *change,
                                           const char *status_now, int64_t amount_now,
                                           struct pt_ledger_result *result)
{
    const struct pt_ledger_dispute *dispute = change->dispute;
    if (dispute != NULL) {
        /* A closed dispute never reopens: a late reading of it is old news. */
        int changed = run(
            store,
            "INSERT INTO payment_disputes (id, payment_id, pledge_id, amount_minor, currency, "
            "status, reason, open, opened_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
            "?9, ?9) ON CONFLICT (id) DO UPDATE SET status = excluded.status, "
            "open = excluded.open, amount_minor = excluded.amount_minor, "
            "reason = excluded.reason, updated_at = excluded.updated_at "
            "WHERE payment_disputes.open = 1 AND payment_disputes.status != excluded.status",
            "sssdsssdd", dispute->id, dispute->payment_id, change->pledge_id,
            dispute->amount_minor, dispute->currency, dispute->status,
            dispute->reason ? dispute->reason : "", (int64_t)dispute->open, change->now);
        if (changed < 0)
            return PT_ERR_IO;
        result->dispute_changed = changed > 0;
        if (changed > 0 && history_line(store, change, status_now, amount_now, dispute->note) < 0)
            return PT_ERR_IO;
    }
    for (size_t i = 0; i < change->reversal_count; i++) {
        const struct pt_ledger_reversal *part = &change->reversals[i];
        int inserted = run(
            store,
            "INSERT INTO payment_reversals (id, payment_id, pledge_id, kind, amount_minor, "
            "currency, reversed_at) SELECT ?1, y.id, ?2, ?3, ?4, ?5, ?6 FROM payments y "
            "WHERE y.id = ?7 AND y.pledge_id = ?2 AND ?4 + (SELECT COALESCE(SUM(r.amount_minor), "
            "0) FROM payment_reversals r WHERE r.payment_id = y.id) <= y.amount_minor "
            "ON CONFLICT (id) DO NOTHING",
            "sssdsds", part->id, change->pledge_id, part->kind, part->amount_minor,
            part->currency, change->now, part->payment_id);
        if (inserted < 0)
            return PT_ERR_IO;
        if (inserted == 0) {
            sqlite3_stmt *known = prepare_with(store, "SELECT 1 FROM payment_reversals WHERE id = ?",
                                               "s", part->id);
            int step = known ? sqlite3_step(known) : SQLITE_ERROR;
            sqlite3_finalize(known);
            if (step == SQLITE_DONE)
                pt_log(PT_LOG_WARNING,
                       "a %s of payment %s was not recorded: with what came back before, it "
                       "would be more than the payment (or the payment is not this pledge's)",
                       part->kind, part->payment_id);
            continue;
        }
        result->reversals_recorded++;
        if (history_line(store, change, status_now, amount_now, part->note) < 0)
            return PT_ERR_IO;
    }
    return PT_OK;
}

static enum pt_status sqlite_ledger_apply(struct pt_store *base,
                                          const struct pt_ledger_change *change,
                                          struct pt_ledger_result *result)
{
    struct sqlite_store *store = from(base);
    memset(result, 0, sizeof(*result));
    pthread_mutex_lock(&store->lock);
    enum pt_status status = exec(store, "BEGIN IMMEDIATE");
    if (status)
        goto out;
    if (change->event_id != NULL) {
        int inserted = run(store,
                           "INSERT INTO processor_events (id, type, received_at) VALUES (?, ?, ?) "
                           "ON CONFLICT (id) DO NOTHING",
                           "ssd", change->event_id, change->event_type ? change->event_type : "",
                           change->now);
        if (inserted < 0)
            goto failed;
        if (inserted == 0) {
            result->duplicate = true;
            exec(store, "ROLLBACK");
            goto out;
        }
    }
    struct pt_pledge_record before;
    status = select_pledge(store, "id = ?", change->pledge_id, NULL, &before);
    if (status)
        goto rollback;
    const char *note = change->note ? change->note : "";
    if (change->customer_id != NULL &&
        run(store, "UPDATE pledges SET customer_id = ? WHERE id = ? AND erased_at IS NULL", "ss",
            change->customer_id, change->pledge_id) < 0)
        goto failed;
    if (change->subscription_id != NULL &&
        run(store, "UPDATE pledges SET subscription_id = ? WHERE id = ?", "ss",
            change->subscription_id, change->pledge_id) < 0)
        goto failed;
    if (change->email_sealed != NULL && change->email_hash != NULL &&
        run(store,
            "UPDATE pledges SET email_sealed = ?, email_hash = ? WHERE id = ? AND erased_at IS NULL",
            "bbs",
            change->email_sealed, change->email_sealed_length, change->email_hash, (size_t)32,
            change->pledge_id) < 0)
        goto failed;
    const char *status_now = before.status;
    int64_t amount_now = before.amount_minor;
    int64_t observed_before = 0;
    sqlite3_stmt *observed = NULL;
    if (sqlite3_prepare_v2(store->db, "SELECT observed_at FROM pledges WHERE id = ?", -1,
                           &observed, NULL) != SQLITE_OK)
        goto failed;
    sqlite3_bind_text(observed, 1, change->pledge_id, -1, SQLITE_STATIC);
    if (sqlite3_step(observed) == SQLITE_ROW)
        observed_before = sqlite3_column_int64(observed, 0);
    sqlite3_finalize(observed);
    /* A reading older than the one applied last is old news: its payment
     * or failure still counts, its state does not. */
    bool current = change->observed_at == 0 || change->observed_at >= observed_before;
    if (current && change->observed_at > 0 &&
        run(store, "UPDATE pledges SET observed_at = ? WHERE id = ?", "ds", change->observed_at,
            change->pledge_id) < 0)
        goto failed;
    if (current && change->status != NULL && strcmp(change->status, before.status) != 0) {
        status_now = change->status;
        result->status_changed = true;
    }
    if (current && change->amount_minor > 0 && change->amount_minor != before.amount_minor) {
        amount_now = change->amount_minor;
        result->amount_changed = true;
    }
    if ((result->status_changed || result->amount_changed) &&
        run(store, "UPDATE pledges SET status = ?, amount_minor = ?, updated_at = ? WHERE id = ?",
            "sdds", status_now, amount_now, change->now, change->pledge_id) < 0)
        goto failed;
    char data[400];
    if (change->payment_id != NULL) {
        int inserted = run(store,
                           "INSERT INTO payments (id, pledge_id, amount_minor, currency, paid_at) "
                           "VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
                           "ssdsd", change->payment_id, change->pledge_id, change->payment_amount,
                           change->payment_currency ? change->payment_currency : before.currency,
                           change->now);
        if (inserted < 0)
            goto failed;
        result->payment_recorded = inserted == 1;
        snprintf(data, sizeof(data), "{\"amount\":%lld,\"currency\":\"%.3s\"}",
                 (long long)change->payment_amount,
                 change->payment_currency ? change->payment_currency : before.currency);
        if (result->payment_recorded &&
            queue_email(store, change->pledge_id, "receipt", data, change->now) < 0)
            goto failed;
    }
    if (change->failure_invoice != NULL) {
        int inserted = run(store,
                           "INSERT INTO payment_failures (invoice_id, attempt, pledge_id, "
                           "failed_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                           "sdsd", change->failure_invoice, (int64_t)change->failure_attempt,
                           change->pledge_id, change->now);
        if (inserted < 0)
            goto failed;
        result->failure_recorded = inserted == 1;
        snprintf(data, sizeof(data), "{\"attempt\":%d}", change->failure_attempt);
        if (result->failure_recorded &&
            queue_email(store, change->pledge_id, "failed", data, change->now) < 0)
            goto failed;
    }
    if (change->reversal_payment != NULL) {
        int inserted = run(store,
                           "INSERT INTO payment_reversals (payment_id, pledge_id, amount_minor, "
                           "currency, reversed_at, id) VALUES (?1, ?2, ?3, ?4, ?5, ?1) "
                           "ON CONFLICT (id) DO NOTHING",
                           "ssdsd", change->reversal_payment, change->pledge_id,
                           change->reversal_amount,
                           change->reversal_currency ? change->reversal_currency : before.currency,
                           change->now);
        if (inserted < 0)
            goto failed;
        result->reversal_recorded = inserted == 1;
    }
    if (ledger_apply_returns(store, change, status_now, amount_now, result) != PT_OK)
        goto failed;
    /* The history tells every change of state or amount, and every failed
     * payment, reversal or lapse the processor reported, once. */
    if ((result->status_changed || result->amount_changed || result->failure_recorded ||
         result->reversal_recorded || change->history_note) &&
        run(store, "INSERT INTO pledge_history (pledge_id, at, status, amount_minor, note) "
                   "VALUES (?, ?, ?, ?, ?)",
            "sdsds", change->pledge_id, change->now, status_now, amount_now, note) < 0)
        goto failed;
    if (result->status_changed) {
        /* The donor hears of a pledge that starts, or ends, once. A pledge
         * can leave pending for any state the processor reports first:
         * active or completed, but also past due (the first renewal failed
         * before the checkout's event came) or paused; the donor set it up
         * and gets the thank-you with the manage link either way. Straight
         * to cancelled, only a pledge that paid something was set up (an
         * abandoned checkout was not); its thank-you comes before the
         * cancellation. */
        bool left_pending = strcmp(before.status, "pending") == 0;
        bool ended = strcmp(status_now, "cancelled") == 0;
        if ((left_pending &&
             queue_thanks_once(store, change->pledge_id, ended, change->now) < 0) ||
            (ended && queue_email(store, change->pledge_id, "cancelled", "{}", change->now) < 0))
            goto failed;
    }
    status = exec(store, "COMMIT");
    if (status == PT_OK)
        goto out;
    goto rollback;
failed:
    status = PT_ERR_IO;
rollback:
    exec(store, "ROLLBACK");
    memset(result, 0, sizeof(*result));
out:
    pthread_mutex_unlock(&store->lock);
    return status;
}

static enum pt_status sqlite_outbox_pending(struct pt_store *base, struct pt_outbox_item *items,
                                            size_t capacity, size_t *count)
{
    struct sqlite_store *store = from(base);
    sqlite3_stmt *statement = NULL;
    enum pt_status status = PT_OK;
    *count = 0;
    pthread_mutex_lock(&store->lock);
    if (sqlite3_prepare_v2(store->db,
                           "SELECT id, pledge_id, kind, data, attempts, created_at FROM outbox "
                           "WHERE sent_at IS NULL AND attempts < 20 ORDER BY id LIMIT ?",
                           -1, &statement, NULL) != SQLITE_OK) {
        status = fail(store, "reading the outbox");
        goto out;
    }
    sqlite3_bind_int64(statement, 1, (int64_t)capacity);
    int step;
    while ((step = sqlite3_step(statement)) == SQLITE_ROW && *count < capacity) {
        struct pt_outbox_item *item = &items[(*count)++];
        item->id = sqlite3_column_int64(statement, 0);
        snprintf(item->pledge_id, sizeof(item->pledge_id), "%s", sqlite3_column_text(statement, 1));
        snprintf(item->kind, sizeof(item->kind), "%s", sqlite3_column_text(statement, 2));
        snprintf(item->data, sizeof(item->data), "%s", sqlite3_column_text(statement, 3));
        item->attempts = sqlite3_column_int(statement, 4);
        item->created_at = sqlite3_column_int64(statement, 5);
    }
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        status = fail(store, "reading the outbox");
out:
    sqlite3_finalize(statement);
    pthread_mutex_unlock(&store->lock);
    return status;
}

static enum pt_status sqlite_outbox_add(struct pt_store *base, const char *pledge_id,
                                        const char *kind, const char *data, int64_t now)
{
    struct sqlite_store *store = from(base);
    pthread_mutex_lock(&store->lock);
    int changed = queue_email(store, pledge_id, kind, data, now);
    pthread_mutex_unlock(&store->lock);
    return changed == 1 ? PT_OK : PT_ERR_IO;
}

static enum pt_status sqlite_outbox_done(struct pt_store *base, int64_t id, bool sent, int64_t now)
{
    struct sqlite_store *store = from(base);
    pthread_mutex_lock(&store->lock);
    int changed = sent ? run(store, "UPDATE outbox SET sent_at = ? WHERE id = ?", "dd", now, id)
                       : run(store, "UPDATE outbox SET attempts = attempts + 1 WHERE id = ?", "d",
                             id);
    pthread_mutex_unlock(&store->lock);
    return changed < 0 ? PT_ERR_IO : PT_OK;
}

/* One process sends from a SQLite database (it lives on one machine, and
 * the reminders and outbox threads take turns): nothing is claimed. */
static enum pt_status sqlite_outbox_release(struct pt_store *base, int64_t id)
{
    (void)base, (void)id;
    return PT_OK;
}

static enum pt_status sqlite_magic_link_add(struct pt_store *base, const unsigned char *token_hash,
                                            const char *pledge_id, int64_t expires_at)
{
    struct sqlite_store *store = from(base);
    pthread_mutex_lock(&store->lock);
    int changed = run(store,
                      "INSERT INTO magic_links (token_hash, pledge_id, expires_at) VALUES (?, ?, ?)",
                      "bsd", token_hash, (size_t)32, pledge_id, expires_at);
    pthread_mutex_unlock(&store->lock);
    return changed == 1 ? PT_OK : PT_ERR_IO;
}

static enum pt_status sqlite_magic_link_use(struct pt_store *base, const unsigned char *token_hash,
                                            int64_t now, char pledge_id[33])
{
    struct sqlite_store *store = from(base);
    sqlite3_stmt *statement = NULL;
    enum pt_status status = PT_OK;
    pthread_mutex_lock(&store->lock);
    /* Marking it used and reading it are one statement: two clicks at once
     * cannot both succeed. */
    if (sqlite3_prepare_v2(store->db,
                           "UPDATE magic_links SET used_at = ?1 WHERE token_hash = ?2 AND "
                           "used_at IS NULL AND expires_at > ?1 RETURNING pledge_id",
                           -1, &statement, NULL) != SQLITE_OK) {
        status = fail(store, "using a magic link");
        goto out;
    }
    sqlite3_bind_int64(statement, 1, now);
    sqlite3_bind_blob(statement, 2, token_hash, 32, SQLITE_STATIC);
    int step = sqlite3_step(statement);
    if (step == SQLITE_ROW)
        snprintf(pledge_id, 33, "%s", sqlite3_column_text(statement, 0));
    else if (step == SQLITE_DONE)
        status = PT_ERR_NOT_FOUND;
    else
        status = fail(store, "using a magic link");
out:
    sqlite3_finalize(statement);
    pthread_mutex_unlock(&store->lock);
    return status;
}

/* ------------------------------------------------------------ bank entries */

static enum pt_status sqlite_bank_entry_add(struct pt_store *base,
                                            const struct pt_bank_entry *entry, bool *added)
{
    struct sqlite_store *store = from(base);
    pthread_mutex_lock(&store->lock);
    int changed = run(store,
                      "INSERT INTO bank_entries (entry_key, booked, amount_minor, currency, text, "
                      "state, pledge_id, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                      "ON CONFLICT (entry_key) DO NOTHING",
                      "ssdssssd", entry->key, entry->booked, entry->amount_minor,
                      entry->currency, entry->text, entry->state, entry->pledge_id,
                      entry->imported_at);
    pthread_mutex_unlock(&store->lock);
    *added = changed == 1;
    return changed < 0 ? PT_ERR_IO : PT_OK;
}

struct bank_entry_reading {
    pt_store_bank_entry_visitor visit;
    void *context;
};

static void column_copy(sqlite3_stmt *statement, int column, char *out, size_t size)
{
    snprintf(out, size, "%s", column_text(statement, column));
}

#define BANK_ENTRY_COLUMNS                                                                       \
    "entry_key, booked, amount_minor, currency, text, state, pledge_id, imported_at, "          \
    "resolved_at, resolved_by"

static void read_bank_entry_row(sqlite3_stmt *statement, struct pt_bank_entry *entry)
{
    memset(entry, 0, sizeof(*entry));
    column_copy(statement, 0, entry->key, sizeof(entry->key));
    column_copy(statement, 1, entry->booked, sizeof(entry->booked));
    entry->amount_minor = sqlite3_column_int64(statement, 2);
    column_copy(statement, 3, entry->currency, sizeof(entry->currency));
    column_copy(statement, 4, entry->text, sizeof(entry->text));
    column_copy(statement, 5, entry->state, sizeof(entry->state));
    column_copy(statement, 6, entry->pledge_id, sizeof(entry->pledge_id));
    entry->imported_at = sqlite3_column_int64(statement, 7);
    entry->resolved_at = sqlite3_column_int64(statement, 8);
    column_copy(statement, 9, entry->resolved_by, sizeof(entry->resolved_by));
}

static void read_bank_entry(sqlite3_stmt *statement, void *reading)
{
    struct bank_entry_reading *r = reading;
    struct pt_bank_entry entry;
    read_bank_entry_row(statement, &entry);
    r->visit(r->context, &entry);
}

static void keep_bank_entry(void *context, const struct pt_bank_entry *entry)
{
    struct pt_bank_entry *out = context;
    *out = *entry;
}

static enum pt_status sqlite_bank_entry_get(struct pt_store *base, const char *key,
                                            struct pt_bank_entry *entry)
{
    entry->key[0] = '\0';
    struct bank_entry_reading reading = {keep_bank_entry, entry};
    enum pt_status status =
        visit_rows(base, "reading a bank entry", read_bank_entry, &reading,
                   "SELECT " BANK_ENTRY_COLUMNS " FROM bank_entries WHERE entry_key = ?", "s",
                   key);
    if (status == PT_OK && entry->key[0] == '\0')
        return PT_ERR_NOT_FOUND;
    return status;
}

static enum pt_status sqlite_bank_entries_each(struct pt_store *base, const char *state,
                                               size_t limit, pt_store_bank_entry_visitor visit,
                                               void *context)
{
    struct bank_entry_reading reading = {visit, context};
    return visit_rows(base, "listing bank entries", read_bank_entry, &reading,
                      "SELECT " BANK_ENTRY_COLUMNS " FROM bank_entries WHERE ?1 = '' OR "
                      "state = ?1 ORDER BY booked, imported_at, entry_key LIMIT ?2",
                      "sd", state != NULL ? state : "", (int64_t)limit);
}

static enum pt_status sqlite_bank_entry_resolve(struct pt_store *base, const char *key,
                                                const char *state, const char *pledge_id,
                                                const char *by, int64_t now)
{
    struct sqlite_store *store = from(base);
    pthread_mutex_lock(&store->lock);
    int changed = run(store,
                      "UPDATE bank_entries SET state = ?, pledge_id = ?, resolved_by = ?, "
                      "resolved_at = ? WHERE entry_key = ? AND state = 'unmatched'",
                      "sssds", state, pledge_id != NULL ? pledge_id : "", by != NULL ? by : "",
                      now, key);
    pthread_mutex_unlock(&store->lock);
    if (changed < 0)
        return PT_ERR_IO;
    return changed == 1 ? PT_OK : PT_ERR_CONFLICT;
}

/* The goal ticker's figures (store.h): supporters are pledges whose first
 * payment fell in the window and whose payments did not all come back;
 * money is the reports' rule, each movement on its own day. */
static void read_goal_figure(sqlite3_stmt *statement, void *reading)
{
    struct pt_store_goal_figure *figure = reading;
    figure->supporters = sqlite3_column_int64(statement, 0);
    figure->amount_minor = sqlite3_column_int64(statement, 1);
}

static enum pt_status sqlite_goal_figure(struct pt_store *base, const char *campaign,
                                         const char *currency, int64_t from, int64_t to,
                                         struct pt_store_goal_figure *figure)
{
    return visit_rows(
        base, "reading a goal's figure", read_goal_figure, figure,
        "SELECT (SELECT count(*) FROM (SELECT y.pledge_id AS id, min(y.paid_at) AS first_paid, "
        "sum(y.amount_minor) AS paid FROM payments y JOIN pledges p ON p.id = y.pledge_id "
        "WHERE p.campaign = ?1 GROUP BY y.pledge_id) f WHERE f.first_paid >= ?3 AND "
        "f.first_paid < ?4 AND f.paid > (SELECT coalesce(sum(r.amount_minor), 0) FROM "
        "payment_reversals r WHERE r.pledge_id = f.id)), "
        "(SELECT coalesce(sum(y.amount_minor), 0) FROM payments y JOIN pledges p ON p.id = "
        "y.pledge_id WHERE p.campaign = ?1 AND y.currency = ?2 AND y.paid_at >= ?3 AND "
        "y.paid_at < ?4) - (SELECT coalesce(sum(r.amount_minor), 0) FROM payment_reversals r "
        "JOIN pledges p ON p.id = r.pledge_id WHERE p.campaign = ?1 AND r.currency = ?2 AND "
        "r.reversed_at >= ?3 AND r.reversed_at < ?4)",
        "ssdd", campaign, currency, from, to);
}

static enum pt_status sqlite_pledges_overdue(struct pt_store *base, const char *processor,
                                             int64_t monthly_before, int64_t annual_before,
                                             char (*ids)[33], size_t capacity, size_t *count)
{
    struct sqlite_store *store = from(base);
    *count = 0;
    pthread_mutex_lock(&store->lock);
    sqlite3_stmt *statement = prepare_with(
        store,
        "SELECT id FROM (SELECT p.id, p.frequency, coalesce((SELECT max(paid_at) FROM payments "
        "WHERE pledge_id = p.id), p.created_at) AS last FROM pledges p WHERE p.processor = ? "
        "AND p.status = 'active') WHERE (frequency = 'monthly' AND last < ?) OR "
        "(frequency = 'annual' AND last < ?) ORDER BY last, id",
        "sdd", processor, monthly_before, annual_before);
    enum pt_status status = statement != NULL ? PT_OK : PT_ERR_IO;
    int step = SQLITE_DONE;
    while (status == PT_OK && (step = sqlite3_step(statement)) == SQLITE_ROW && *count < capacity)
        snprintf(ids[(*count)++], 33, "%s", column_text(statement, 0));
    if (status == PT_OK && step != SQLITE_ROW && step != SQLITE_DONE)
        status = fail(store, "finding overdue pledges");
    sqlite3_finalize(statement);
    pthread_mutex_unlock(&store->lock);
    return status;
}

/* ------------------------------------------------------ lost-link requests */

static enum pt_status sqlite_lost_request_add(struct pt_store *base,
                                              const unsigned char *email_hash, const char *kind,
                                              int64_t now)
{
    struct sqlite_store *store = from(base);
    pthread_mutex_lock(&store->lock);
    int changed = run(store,
                      "INSERT INTO lost_link_requests (email_hash, created_at, kind) "
                      "VALUES (?, ?, ?)",
                      "bds", email_hash, (size_t)32, now, kind);
    pthread_mutex_unlock(&store->lock);
    return changed == 1 ? PT_OK : PT_ERR_IO;
}

static enum pt_status sqlite_lost_requests_pending(struct pt_store *base,
                                                   struct pt_lost_request *requests,
                                                   size_t capacity, size_t *count)
{
    struct sqlite_store *store = from(base);
    enum pt_status status = PT_OK;
    *count = 0;
    pthread_mutex_lock(&store->lock);
    sqlite3_stmt *statement = prepare_with(store,
                                           "SELECT id, email_hash, created_at, kind FROM "
                                           "lost_link_requests ORDER BY id LIMIT ?",
                                           "d", (int64_t)capacity);
    if (statement == NULL) {
        status = PT_ERR_IO;
        goto out;
    }
    int step;
    while ((step = sqlite3_step(statement)) == SQLITE_ROW && *count < capacity) {
        if (sqlite3_column_bytes(statement, 1) != 32)
            continue; /* not a hash: never written by patron */
        struct pt_lost_request *request = &requests[(*count)++];
        request->id = sqlite3_column_int64(statement, 0);
        memcpy(request->email_hash, sqlite3_column_blob(statement, 1), 32);
        request->created_at = sqlite3_column_int64(statement, 2);
        snprintf(request->kind, sizeof(request->kind), "%s",
                 (const char *)sqlite3_column_text(statement, 3));
    }
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        status = fail(store, "reading lost-link requests");
out:
    sqlite3_finalize(statement);
    pthread_mutex_unlock(&store->lock);
    return status;
}

static enum pt_status sqlite_lost_request_answer(struct pt_store *base, int64_t id,
                                                 const char *pledge_id, const char *kind,
                                                 int64_t now)
{
    struct sqlite_store *store = from(base);
    pthread_mutex_lock(&store->lock);
    enum pt_status status = exec(store, "BEGIN IMMEDIATE");
    if (status)
        goto out;
    int deleted = run(store, "DELETE FROM lost_link_requests WHERE id = ?", "d", id);
    bool queue = deleted == 1 && pledge_id != NULL;
    if (deleted < 0 || (queue && queue_email(store, pledge_id, kind, "{}", now) != 1)) {
        status = PT_ERR_IO;
        exec(store, "ROLLBACK");
        goto out;
    }
    status = exec(store, "COMMIT");
    if (status)
        exec(store, "ROLLBACK");
out:
    pthread_mutex_unlock(&store->lock);
    return status;
}

static enum pt_status sqlite_magic_emails_since(struct pt_store *base,
                                                const unsigned char *email_hash, int64_t since,
                                                int64_t *count)
{
    struct sqlite_store *store = from(base);
    enum pt_status status = PT_OK;
    *count = 0;
    pthread_mutex_lock(&store->lock);
    sqlite3_stmt *statement = prepare_with(store,
                                           "SELECT count(*) FROM outbox WHERE kind IN ('magic', "
                                           "'supporter') AND "
                                           "created_at >= ? AND pledge_id IN "
                                           "(SELECT id FROM pledges WHERE email_hash = ?)",
                                           "db", since, email_hash, (size_t)32);
    if (statement == NULL)
        status = PT_ERR_IO;
    else if (sqlite3_step(statement) == SQLITE_ROW)
        *count = sqlite3_column_int64(statement, 0);
    else
        status = fail(store, "counting magic-link emails");
    sqlite3_finalize(statement);
    pthread_mutex_unlock(&store->lock);
    return status;
}

/* ------------------------------------------------------------ reminders */

static enum pt_status count_reminder(struct sqlite_store *store, const char *month,
                                     const char *kind)
{
    sqlite3_stmt *statement = NULL;
    enum pt_status status = PT_OK;
    if (sqlite3_prepare_v2(store->db,
                           "INSERT INTO reminder_counts (month, kind, count) VALUES (?, ?, 1) "
                           "ON CONFLICT (month, kind) DO UPDATE SET count = count + 1",
                           -1, &statement, NULL) != SQLITE_OK) {
        status = fail(store, "counting reminders");
    } else {
        sqlite3_bind_text(statement, 1, month, -1, SQLITE_STATIC);
        sqlite3_bind_text(statement, 2, kind, -1, SQLITE_STATIC);
        if (sqlite3_step(statement) != SQLITE_DONE)
            status = fail(store, "counting reminders");
    }
    sqlite3_finalize(statement);
    return status;
}

/* Adds by (0 or 1) to the month's sign-ups by deleting its row and
 * inserting it again: SQLite skips an update that leaves a row's bytes as
 * they were, and a repeated sign-up must write what a new one does. */
static enum pt_status count_sign_up(struct sqlite_store *store, const char *month, int by)
{
    sqlite3_stmt *statement = prepare_with(store,
                                           "DELETE FROM reminder_counts WHERE month = ? AND "
                                           "kind = 'signed_up' RETURNING count",
                                           "s", month);
    if (statement == NULL)
        return PT_ERR_IO;
    int64_t count = 0;
    int step = sqlite3_step(statement);
    if (step == SQLITE_ROW) {
        count = sqlite3_column_int64(statement, 0);
        step = sqlite3_step(statement);
    }
    sqlite3_finalize(statement);
    if (step != SQLITE_DONE)
        return fail(store, "counting reminders");
    return run(store,
               "INSERT INTO reminder_counts (month, kind, count) VALUES (?, 'signed_up', ?)", "sd",
               month, count + by) == 1
               ? PT_OK
               : PT_ERR_IO;
}

/* After an address is erased, its old pages still sit in the write-ahead
 * log until a checkpoint: copy the log back and empty it now, so the
 * erasure is real on disk. A busy database is checkpointed next time. */
static void forget_erased(struct sqlite_store *store)
{
    if (sqlite3_wal_checkpoint_v2(store->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL) !=
        SQLITE_OK)
        pt_log(PT_LOG_WARNING, "sqlite: checkpoint after an erasure postponed: %s",
               sqlite3_errmsg(store->db));
}

/* A sign-up for an address already signed up for the month must do the same
 * work as a new one, or its timing tells whether the address is known
 * (issue 16): both delete the address's row for the month (if any) and
 * insert one, so the same b-tree pages are written, and both write the
 * month's count (adding 0 or 1). The replacement keeps the first cancel
 * token and sign-up time, so a link already in the reader's hands goes on
 * working; the rest takes the newer choice. */
static enum pt_status sqlite_reminder_upsert(struct pt_store *base,
                                             const struct pt_reminder *reminder, char *token,
                                             size_t token_size, bool *created)
{
    struct sqlite_store *store = from(base);
    sqlite3_stmt *statement = NULL;
    int64_t created_at = reminder->created_at;
    pthread_mutex_lock(&store->lock);
    enum pt_status status = exec(store, "BEGIN IMMEDIATE");
    if (status)
        goto out;
    if (sqlite3_prepare_v2(store->db,
                           "DELETE FROM reminders WHERE email_hash = ? AND month = ? "
                           "RETURNING cancel_token, created_at",
                           -1, &statement, NULL) != SQLITE_OK) {
        status = fail(store, "saving a reminder");
        goto rollback;
    }
    sqlite3_bind_blob(statement, 1, reminder->email_hash, sizeof(reminder->email_hash),
                      SQLITE_STATIC);
    sqlite3_bind_text(statement, 2, reminder->month, -1, SQLITE_STATIC);
    int step = sqlite3_step(statement);
    *created = step == SQLITE_DONE;
    if (step == SQLITE_ROW) {
        snprintf(token, token_size, "%s", column_text(statement, 0));
        created_at = sqlite3_column_int64(statement, 1);
        step = sqlite3_step(statement);
    } else {
        snprintf(token, token_size, "%s", reminder->cancel_token);
    }
    if (step != SQLITE_DONE) {
        status = fail(store, "saving a reminder");
        goto rollback;
    }
    sqlite3_finalize(statement);
    statement = NULL;
    if (run(store,
            "INSERT INTO reminders (email_hash, email_sealed, month, language, campaign, "
            "variant, cancel_token, created_at, origin_sealed) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            "bbsssssdb", reminder->email_hash, sizeof(reminder->email_hash),
            reminder->email_sealed, reminder->email_sealed_length, reminder->month,
            reminder->language, reminder->campaign, reminder->variant, token, created_at,
            reminder->origin_sealed, reminder->origin_sealed_length) != 1) {
        status = PT_ERR_IO;
        goto rollback;
    }
    status = count_sign_up(store, reminder->month, *created ? 1 : 0);
    if (status)
        goto rollback;
    status = exec(store, "COMMIT");
    if (status == PT_OK)
        goto out;
rollback:
    exec(store, "ROLLBACK");
out:
    sqlite3_finalize(statement);
    pthread_mutex_unlock(&store->lock);
    return status;
}

static enum pt_status sqlite_reminder_cancel(struct pt_store *base, const char *token)
{
    struct sqlite_store *store = from(base);
    sqlite3_stmt *statement = NULL;
    pthread_mutex_lock(&store->lock);
    enum pt_status status = exec(store, "BEGIN IMMEDIATE");
    if (status)
        goto out;
    if (sqlite3_prepare_v2(store->db, "DELETE FROM reminders WHERE cancel_token = ? RETURNING month",
                           -1, &statement, NULL) != SQLITE_OK) {
        status = fail(store, "cancelling a reminder");
        goto rollback;
    }
    sqlite3_bind_text(statement, 1, token, -1, SQLITE_STATIC);
    int step = sqlite3_step(statement);
    if (step == SQLITE_DONE) {
        status = PT_ERR_NOT_FOUND;
        goto rollback;
    }
    if (step != SQLITE_ROW) {
        status = fail(store, "cancelling a reminder");
        goto rollback;
    }
    char month[8];
    snprintf(month, sizeof(month), "%s", sqlite3_column_text(statement, 0));
    sqlite3_finalize(statement);
    statement = NULL;
    status = count_reminder(store, month, "cancelled");
    if (status)
        goto rollback;
    status = exec(store, "COMMIT");
    if (status == PT_OK) {
        forget_erased(store);
        goto out;
    }
rollback:
    sqlite3_finalize(statement);
    statement = NULL;
    exec(store, "ROLLBACK");
out:
    sqlite3_finalize(statement);
    pthread_mutex_unlock(&store->lock);
    return status;
}

struct reminder_reading {
    pt_store_reminder_visitor visit;
    void *context;
};

/* A row of reminders.*, in the table's order; a malformed hash is skipped. */
static void read_reminder(sqlite3_stmt *statement, void *reading)
{
    struct reminder_reading *reminders = reading;
    struct pt_reminder row;
    memset(&row, 0, sizeof(row));
    row.id = sqlite3_column_int64(statement, 0);
    if (sqlite3_column_bytes(statement, 1) != (int)sizeof(row.email_hash))
        return;
    memcpy(row.email_hash, sqlite3_column_blob(statement, 1), sizeof(row.email_hash));
    row.email_sealed = sqlite3_column_blob(statement, 2);
    row.email_sealed_length = (size_t)sqlite3_column_bytes(statement, 2);
    snprintf(row.month, sizeof(row.month), "%s", column_text(statement, 3));
    snprintf(row.language, sizeof(row.language), "%s", column_text(statement, 4));
    snprintf(row.campaign, sizeof(row.campaign), "%s", column_text(statement, 5));
    snprintf(row.variant, sizeof(row.variant), "%s", column_text(statement, 6));
    snprintf(row.cancel_token, sizeof(row.cancel_token), "%s", column_text(statement, 7));
    row.created_at = sqlite3_column_int64(statement, 8);
    row.origin_sealed = sqlite3_column_blob(statement, 9);
    row.origin_sealed_length = (size_t)sqlite3_column_bytes(statement, 9);
    reminders->visit(reminders->context, &row);
}

static enum pt_status sqlite_reminders_due(struct pt_store *base, const char *month,
                                           pt_store_reminder_visitor visit, void *context)
{
    struct reminder_reading reading = {visit, context};
    return visit_rows(base, "reading reminders", read_reminder, &reading,
                      "SELECT id, email_hash, email_sealed, month, language, campaign, variant, "
                      "cancel_token, created_at, origin_sealed FROM reminders WHERE month <= ? "
                      "ORDER BY email_hash, month",
                      "s", month);
}

static enum pt_status sqlite_reminders_of(struct pt_store *base, const unsigned char *email_hash,
                                          pt_store_reminder_visitor visit, void *context)
{
    struct reminder_reading reading = {visit, context};
    return visit_rows(base, "reading reminders", read_reminder, &reading,
                      "SELECT id, email_hash, email_sealed, month, language, campaign, variant, "
                      "cancel_token, created_at, origin_sealed FROM reminders WHERE email_hash = ? "
                      "ORDER BY month",
                      "b", email_hash, (size_t)32);
}

static enum pt_status sqlite_reminder_done(struct pt_store *base,
                                           const unsigned char *email_hash,
                                           const char *up_to_month, const char *count_month,
                                           const char *kind)
{
    struct sqlite_store *store = from(base);
    sqlite3_stmt *statement = NULL;
    pthread_mutex_lock(&store->lock);
    enum pt_status status = exec(store, "BEGIN IMMEDIATE");
    if (status)
        goto out;
    if (sqlite3_prepare_v2(store->db, "DELETE FROM reminders WHERE email_hash = ? AND month <= ?",
                           -1, &statement, NULL) != SQLITE_OK) {
        status = fail(store, "erasing a sent reminder");
        goto rollback;
    }
    sqlite3_bind_blob(statement, 1, email_hash, 32, SQLITE_STATIC);
    sqlite3_bind_text(statement, 2, up_to_month, -1, SQLITE_STATIC);
    if (sqlite3_step(statement) != SQLITE_DONE) {
        status = fail(store, "erasing a sent reminder");
        goto rollback;
    }
    sqlite3_finalize(statement);
    statement = NULL;
    status = count_reminder(store, count_month, kind);
    if (status)
        goto rollback;
    status = exec(store, "COMMIT");
    if (status == PT_OK) {
        forget_erased(store);
        goto out;
    }
rollback:
    exec(store, "ROLLBACK");
out:
    sqlite3_finalize(statement);
    pthread_mutex_unlock(&store->lock);
    return status;
}

static enum pt_status sqlite_reminder_counts_each(struct pt_store *base,
                                                  pt_store_reminder_count_visitor visit,
                                                  void *context)
{
    struct sqlite_store *store = from(base);
    sqlite3_stmt *statement = NULL;
    enum pt_status status = PT_OK;
    pthread_mutex_lock(&store->lock);
    if (sqlite3_prepare_v2(store->db,
                           "SELECT month, kind, count FROM reminder_counts ORDER BY month, kind",
                           -1, &statement, NULL) != SQLITE_OK) {
        status = fail(store, "reading reminder counts");
        goto out;
    }
    int step;
    while ((step = sqlite3_step(statement)) == SQLITE_ROW)
        visit(context, (const char *)sqlite3_column_text(statement, 0),
              (const char *)sqlite3_column_text(statement, 1), sqlite3_column_int64(statement, 2));
    if (step != SQLITE_DONE)
        status = fail(store, "reading reminder counts");
out:
    sqlite3_finalize(statement);
    pthread_mutex_unlock(&store->lock);
    return status;
}

/* ---------------------------------------------------------------- reports */

static enum pt_status sqlite_counts_range(struct pt_store *base, int32_t from_day, int32_t to_day,
                                          pt_store_count_visitor visit, void *context)
{
    char first[11], last[11];
    pt_events_format_day(from_day, first);
    pt_events_format_day(to_day, last);
    struct count_reading reading = {visit, context};
    return visit_rows(base, "reading counts", read_count, &reading,
                      "SELECT CAST(julianday(day) - 2440587.5 AS INTEGER), campaign, variant, "
                      "kind, count FROM event_counts WHERE day BETWEEN ? AND ? "
                      "ORDER BY day, campaign, variant, kind",
                      "ss", first, last);
}

struct report_pledge_reading {
    pt_store_report_pledge_visitor visit;
    void *context;
};

static void read_report_pledge(sqlite3_stmt *statement, void *reading)
{
    struct report_pledge_reading *pledges = reading;
    struct pt_report_pledge row;
    memset(&row, 0, sizeof(row));
    snprintf(row.id, sizeof(row.id), "%s", column_text(statement, 0));
    snprintf(row.campaign, sizeof(row.campaign), "%s", column_text(statement, 1));
    snprintf(row.variant, sizeof(row.variant), "%s", column_text(statement, 2));
    snprintf(row.status, sizeof(row.status), "%s", column_text(statement, 3));
    pt_frequency_parse(column_text(statement, 4), &row.frequency);
    row.amount_minor = sqlite3_column_int64(statement, 5);
    snprintf(row.currency, sizeof(row.currency), "%s", column_text(statement, 6));
    row.created_at = sqlite3_column_int64(statement, 7);
    row.became_active = sqlite3_column_int(statement, 8) != 0;
    row.first_month_revenue = sqlite3_column_int64(statement, 9);
    pledges->visit(pledges->context, &row);
}

/* A paying state, or a payment, makes a pledge count as made: a checkout
 * abandoned at the processor goes from pending to cancelled and is not one. */
static enum pt_status sqlite_report_pledges(struct pt_store *base, int64_t start, int64_t end,
                                            pt_store_report_pledge_visitor visit, void *context)
{
    struct report_pledge_reading reading = {visit, context};
    return visit_rows(base, "reading pledges for a report", read_report_pledge, &reading,
                      "SELECT p.id, p.campaign, p.variant, p.status, p.frequency, p.amount_minor, "
                      "p.currency, p.created_at, EXISTS (SELECT 1 FROM pledge_history h WHERE "
                      "h.pledge_id = p.id AND h.status IN ('active', 'past_due', 'paused', "
                      "'completed')) OR EXISTS (SELECT 1 FROM payments y WHERE y.pledge_id = "
                      "p.id), (SELECT coalesce(sum(y.amount_minor), 0) FROM payments y WHERE "
                      "y.pledge_id = p.id AND y.paid_at < p.created_at + 31 * 86400) - "
                      /* less what came back of those payments, whenever it did */
                      "(SELECT coalesce(sum(r.amount_minor), 0) FROM payment_reversals r JOIN "
                      "payments y ON y.id = r.payment_id WHERE r.pledge_id = p.id AND "
                      "y.paid_at < p.created_at + 31 * 86400) FROM "
                      "pledges p WHERE p.created_at >= ? AND p.created_at < ? "
                      "ORDER BY p.created_at, p.id",
                      "dd", start, end);
}

struct report_history_reading {
    pt_store_report_history_visitor visit;
    void *context;
};

static void read_report_history(sqlite3_stmt *statement, void *reading)
{
    struct report_history_reading *history = reading;
    struct pt_report_history row = {
        .pledge_id = column_text(statement, 0),
        .campaign = column_text(statement, 1),
        .currency = column_text(statement, 2),
        .at = sqlite3_column_int64(statement, 4),
        .status = column_text(statement, 5),
        .amount_minor = sqlite3_column_int64(statement, 6),
    };
    pt_frequency_parse(column_text(statement, 3), &row.frequency);
    history->visit(history->context, &row);
}

static enum pt_status sqlite_report_history(struct pt_store *base, int64_t to,
                                            pt_store_report_history_visitor visit, void *context)
{
    struct report_history_reading reading = {visit, context};
    return visit_rows(base, "reading the pledge history", read_report_history, &reading,
                      "SELECT h.pledge_id, p.campaign, p.currency, p.frequency, h.at, "
                      "h.status, h.amount_minor FROM pledge_history h JOIN pledges p ON p.id = "
                      "h.pledge_id WHERE h.at < ? ORDER BY h.pledge_id, h.at, h.rowid",
                      "d", to);
}

struct report_payment_reading {
    pt_store_report_payment_visitor visit;
    void *context;
};

static void read_report_payment(sqlite3_stmt *statement, void *reading)
{
    struct report_payment_reading *payments = reading;
    struct pt_report_payment row = {
        .campaign = column_text(statement, 0),
        .amount_minor = sqlite3_column_int64(statement, 1),
        .currency = column_text(statement, 2),
        .paid_at = sqlite3_column_int64(statement, 3),
        .processor = column_text(statement, 5),
    };
    payments->visit(payments->context, &row);
}

static enum pt_status sqlite_report_payments(struct pt_store *base, int64_t start, int64_t end,
                                             pt_store_report_payment_visitor visit, void *context)
{
    struct report_payment_reading reading = {visit, context};
    return visit_rows(base, "reading payments for a report", read_report_payment, &reading,
                      /* Money that came back counts against the day it came back. */
                      "SELECT p.campaign, y.amount_minor, y.currency, y.paid_at AS at, y.id, "
                      "p.processor FROM payments y JOIN pledges p ON p.id = y.pledge_id "
                      "WHERE y.paid_at >= ?1 AND y.paid_at < ?2 "
                      "UNION ALL SELECT p.campaign, -r.amount_minor, r.currency, r.reversed_at, "
                      "r.payment_id, p.processor FROM payment_reversals r JOIN pledges p ON p.id = "
                      "r.pledge_id WHERE r.reversed_at >= ?1 AND r.reversed_at < ?2 "
                      "ORDER BY 4, 5",
                      "dd", start, end);
}

/* PT_OK when the pledge exists, PT_ERR_NOT_FOUND when not. Lock held. */
static enum pt_status pledge_exists(struct sqlite_store *store, const char *pledge_id)
{
    sqlite3_stmt *statement = prepare_with(store, "SELECT 1 FROM pledges WHERE id = ?", "s",
                                           pledge_id);
    if (statement == NULL)
        return PT_ERR_IO;
    enum pt_status status = PT_OK;
    int step = sqlite3_step(statement);
    if (step == SQLITE_DONE)
        status = PT_ERR_NOT_FOUND;
    else if (step != SQLITE_ROW)
        status = fail(store, "finding a pledge");
    sqlite3_finalize(statement);
    return status;
}

/* Reads the rows of a statement about one existing pledge (its id is
 * parameter 1); PT_ERR_NOT_FOUND when there is no such pledge. */
static enum pt_status read_pledge_rows(struct pt_store *base, const char *sql,
                                       const char *pledge_id, const char *what,
                                       void (*read)(sqlite3_stmt *, void *), void *reading)
{
    struct sqlite_store *store = from(base);
    sqlite3_stmt *statement = NULL;
    pthread_mutex_lock(&store->lock);
    enum pt_status status = pledge_exists(store, pledge_id);
    if (status == PT_OK) {
        statement = prepare_with(store, sql, "s", pledge_id);
        status = read_rows(store, statement, what, read, reading);
    }
    pthread_mutex_unlock(&store->lock);
    return status;
}

struct history_reading {
    pt_store_history_visitor visit;
    void *context;
};

static void read_history(sqlite3_stmt *statement, void *reading)
{
    struct history_reading *history = reading;
    history->visit(history->context, sqlite3_column_int64(statement, 0), column_text(statement, 1),
                   sqlite3_column_int64(statement, 2), column_text(statement, 3));
}

static enum pt_status sqlite_pledge_history_each(struct pt_store *base, const char *pledge_id,
                                                 pt_store_history_visitor visit, void *context)
{
    struct history_reading reading = {visit, context};
    return read_pledge_rows(base,
                            "SELECT at, status, amount_minor, note FROM pledge_history "
                            "WHERE pledge_id = ? ORDER BY at, rowid",
                            pledge_id, "reading a pledge's history", read_history, &reading);
}

struct payment_reading {
    pt_store_payment_visitor visit;
    void *context;
};

static void read_payment(sqlite3_stmt *statement, void *reading)
{
    struct payment_reading *payments = reading;
    payments->visit(payments->context, column_text(statement, 0),
                    sqlite3_column_int64(statement, 1), column_text(statement, 2),
                    sqlite3_column_int64(statement, 3));
}

static enum pt_status sqlite_pledge_payments_each(struct pt_store *base, const char *pledge_id,
                                                  pt_store_payment_visitor visit, void *context)
{
    struct payment_reading reading = {visit, context};
    return read_pledge_rows(base,
                            "SELECT id, amount_minor, currency, paid_at FROM payments "
                            "WHERE pledge_id = ?1 UNION ALL SELECT payment_id, -amount_minor, "
                            "currency, reversed_at FROM payment_reversals WHERE pledge_id = ?1 "
                            "ORDER BY 4, 1",
                            pledge_id, "reading a pledge's payments", read_payment, &reading);
}

/* Refunds and disputes (issue 14). */
static void read_one_payment(sqlite3_stmt *statement, void *reading)
{
    struct pt_store_payment *payment = reading;
    snprintf(payment->id, sizeof(payment->id), "%s", column_text(statement, 0));
    snprintf(payment->pledge_id, sizeof(payment->pledge_id), "%s", column_text(statement, 1));
    payment->amount_minor = sqlite3_column_int64(statement, 2);
    snprintf(payment->currency, sizeof(payment->currency), "%s", column_text(statement, 3));
    payment->paid_at = sqlite3_column_int64(statement, 4);
    payment->reversed_minor = sqlite3_column_int64(statement, 5);
}

static enum pt_status sqlite_payment_get(struct pt_store *base, const char *id,
                                         struct pt_store_payment *payment)
{
    memset(payment, 0, sizeof(*payment));
    enum pt_status status =
        visit_rows(base, "reading a payment", read_one_payment, payment,
                   "SELECT y.id, y.pledge_id, y.amount_minor, y.currency, y.paid_at, "
                   "(SELECT COALESCE(SUM(r.amount_minor), 0) FROM payment_reversals r "
                   "WHERE r.payment_id = y.id) FROM payments y WHERE y.id = ?",
                   "s", id);
    if (status == PT_OK && payment->id[0] == '\0')
        status = PT_ERR_NOT_FOUND;
    return status;
}

struct dispute_reading {
    pt_store_dispute_visitor visit;
    void *context;
};

static void read_dispute(sqlite3_stmt *statement, void *reading)
{
    struct dispute_reading *disputes = reading;
    struct pt_store_dispute dispute = {
        .id = column_text(statement, 0),
        .payment_id = column_text(statement, 1),
        .pledge_id = column_text(statement, 2),
        .processor = column_text(statement, 3),
        .amount_minor = sqlite3_column_int64(statement, 4),
        .currency = column_text(statement, 5),
        .status = column_text(statement, 6),
        .reason = column_text(statement, 7),
        .open = sqlite3_column_int64(statement, 8) != 0,
        .opened_at = sqlite3_column_int64(statement, 9),
        .updated_at = sqlite3_column_int64(statement, 10),
    };
    disputes->visit(disputes->context, &dispute);
}

static enum pt_status sqlite_disputes_each(struct pt_store *base, bool open_only, size_t limit,
                                           pt_store_dispute_visitor visit, void *context)
{
    struct dispute_reading reading = {visit, context};
    return visit_rows(base, "reading disputes", read_dispute, &reading,
                      "SELECT d.id, d.payment_id, d.pledge_id, p.processor, d.amount_minor, "
                      "d.currency, d.status, d.reason, d.open, d.opened_at, d.updated_at "
                      "FROM payment_disputes d JOIN pledges p ON p.id = d.pledge_id "
                      "WHERE d.open = 1 OR ?1 = 0 ORDER BY d.opened_at DESC, d.id LIMIT ?2",
                      "dd", (int64_t)open_only, (int64_t)limit);
}

/* The history row goes in first and the address hash goes last, because
 * every statement finds the donor's pledges by that hash. Lock held. */
static enum pt_status erase_donor(struct sqlite_store *store, const unsigned char email_hash[32],
                                  int64_t now, size_t *pledges)
{
    *pledges = 0;
    enum pt_status status = exec(store, "BEGIN IMMEDIATE");
    if (status)
        return status;
    const size_t hash_size = 32;
    if (run(store,
            "INSERT INTO pledge_history (pledge_id, at, status, amount_minor, note) "
            "SELECT id, ?, status, amount_minor, 'address erased on the donor''s request' "
            "FROM pledges WHERE email_hash = ?",
            "db", now, email_hash, hash_size) < 0 ||
        run(store,
            "DELETE FROM magic_links WHERE used_at IS NULL AND pledge_id IN "
            "(SELECT id FROM pledges WHERE email_hash = ?)",
            "b", email_hash, hash_size) < 0 ||
        run(store,
            "DELETE FROM outbox WHERE sent_at IS NULL AND pledge_id IN "
            "(SELECT id FROM pledges WHERE email_hash = ?)",
            "b", email_hash, hash_size) < 0 ||
        run(store, "DELETE FROM lost_link_requests WHERE email_hash = ?", "b", email_hash,
            hash_size) < 0 ||
        /* What the donor typed into their bank's transfer (it may name
         * them): the amount and date stay in the books, the words go. */
        run(store,
            "UPDATE bank_entries SET text = '' WHERE pledge_id IN "
            "(SELECT id FROM pledges WHERE email_hash = ?)",
            "b", email_hash, hash_size) < 0) {
        status = PT_ERR_IO;
        goto rollback;
    }
    int changed =
        run(store,
            "UPDATE pledges SET email_sealed = NULL, email_hash = NULL, origin_sealed = NULL, "
            "customer_id = '', updated_at = ?, erased_at = ? WHERE email_hash = ?",
            "ddb", now, now, email_hash, hash_size);
    /* The address's reminders go too, counted as cancelled: only numbers
     * remain, as after a send. */
    int reminders = changed < 0 ? -1
                                : run(store,
                                      "INSERT INTO reminder_counts (month, kind, count) "
                                      "SELECT month, 'cancelled', count(*) FROM reminders "
                                      "WHERE email_hash = ? GROUP BY month "
                                      "ON CONFLICT (month, kind) DO UPDATE SET "
                                      "count = count + excluded.count",
                                      "b", email_hash, hash_size);
    if (reminders >= 0)
        reminders = run(store, "DELETE FROM reminders WHERE email_hash = ?", "b", email_hash,
                        hash_size);
    if (changed < 0 || reminders < 0) {
        status = PT_ERR_IO;
        goto rollback;
    }
    if (changed == 0 && reminders == 0) {
        status = PT_ERR_NOT_FOUND;
        goto rollback;
    }
    status = exec(store, "COMMIT");
    if (status)
        goto rollback;
    *pledges = (size_t)changed;
    forget_erased(store);
    return PT_OK;
rollback:
    exec(store, "ROLLBACK");
    return status;
}

static enum pt_status sqlite_donor_erase(struct pt_store *base, const unsigned char email_hash[32],
                                         int64_t now, size_t *pledges)
{
    struct sqlite_store *store = from(base);
    pthread_mutex_lock(&store->lock);
    enum pt_status status = erase_donor(store, email_hash, now, pledges);
    pthread_mutex_unlock(&store->lock);
    return status;
}

/* ------------------------------------------------ erasure by default, codes */

/* One pledge's address, as erase_donor does for a whole address: the
 * address's reminders and lost-link requests go only when no other pledge
 * still holds it (a donor's monthly pledge keeps them). Lock held. */
static enum pt_status erase_pledge(struct sqlite_store *store, const char *pledge_id, int64_t now,
                                   const char *note)
{
    enum pt_status status = exec(store, "BEGIN IMMEDIATE");
    if (status)
        return status;
    unsigned char hash[32];
    bool hashed = false;
    sqlite3_stmt *statement = prepare_with(
        store,
        "SELECT email_hash FROM pledges WHERE id = ? AND erased_at IS NULL AND "
        "(email_sealed IS NOT NULL OR email_hash IS NOT NULL OR customer_id <> '')",
        "s", pledge_id);
    int step = statement != NULL ? sqlite3_step(statement) : SQLITE_ERROR;
    if (step == SQLITE_ROW && sqlite3_column_bytes(statement, 0) == 32) {
        memcpy(hash, sqlite3_column_blob(statement, 0), 32);
        hashed = true;
    }
    sqlite3_finalize(statement);
    if (step != SQLITE_ROW) {
        status = step == SQLITE_DONE ? PT_ERR_NOT_FOUND : fail(store, "erasing a pledge");
        goto rollback;
    }
    if (run(store,
            "INSERT INTO pledge_history (pledge_id, at, status, amount_minor, note) "
            "SELECT id, ?, status, amount_minor, ? FROM pledges WHERE id = ?",
            "dss", now, note, pledge_id) != 1 ||
        run(store, "DELETE FROM magic_links WHERE used_at IS NULL AND pledge_id = ?", "s",
            pledge_id) < 0 ||
        run(store, "DELETE FROM outbox WHERE sent_at IS NULL AND pledge_id = ?", "s",
            pledge_id) < 0 ||
        run(store, "UPDATE bank_entries SET text = '' WHERE pledge_id = ?", "s", pledge_id) < 0 ||
        run(store,
            "UPDATE pledges SET email_sealed = NULL, email_hash = NULL, origin_sealed = NULL, "
            "customer_id = '', "
            "updated_at = ?, erased_at = ? WHERE id = ?",
            "dds", now, now, pledge_id) != 1) {
        status = PT_ERR_IO;
        goto rollback;
    }
    const size_t hash_size = 32;
    if (hashed &&
        (run(store,
             "INSERT INTO reminder_counts (month, kind, count) "
             "SELECT month, 'cancelled', count(*) FROM reminders WHERE email_hash = ?1 "
             "AND NOT EXISTS (SELECT 1 FROM pledges WHERE email_hash = ?1) GROUP BY month "
             "ON CONFLICT (month, kind) DO UPDATE SET count = count + excluded.count",
             "b", hash, hash_size) < 0 ||
         run(store,
             "DELETE FROM reminders WHERE email_hash = ?1 AND NOT EXISTS "
             "(SELECT 1 FROM pledges WHERE email_hash = ?1)",
             "b", hash, hash_size) < 0 ||
         run(store,
             "DELETE FROM lost_link_requests WHERE email_hash = ?1 AND NOT EXISTS "
             "(SELECT 1 FROM pledges WHERE email_hash = ?1)",
             "b", hash, hash_size) < 0)) {
        status = PT_ERR_IO;
        goto rollback;
    }
    status = exec(store, "COMMIT");
    if (status)
        goto rollback;
    forget_erased(store);
    return PT_OK;
rollback:
    exec(store, "ROLLBACK");
    return status;
}

static enum pt_status sqlite_pledge_erase(struct pt_store *base, const char *pledge_id,
                                          int64_t now, const char *note)
{
    struct sqlite_store *store = from(base);
    pthread_mutex_lock(&store->lock);
    enum pt_status status = erase_pledge(store, pledge_id, now, note);
    pthread_mutex_unlock(&store->lock);
    return status;
}

static enum pt_status sqlite_pledges_to_erase(struct pt_store *base, bool one_off,
                                              int64_t cancelled_before, char (*ids)[33],
                                              size_t capacity, size_t *count)
{
    struct sqlite_store *store = from(base);
    enum pt_status status = PT_OK;
    *count = 0;
    pthread_mutex_lock(&store->lock);
    sqlite3_stmt *statement = prepare_with(
        store,
        "SELECT p.id FROM pledges p WHERE p.erased_at IS NULL AND "
        "(p.email_sealed IS NOT NULL OR p.email_hash IS NOT NULL OR p.customer_id <> '') AND "
        "NOT EXISTS (SELECT 1 FROM outbox o WHERE o.pledge_id = p.id AND o.sent_at IS NULL "
        "AND o.attempts < 20) AND "
        "((?1 = 1 AND p.frequency = 'one_off' AND p.status = 'completed' AND EXISTS "
        "(SELECT 1 FROM outbox r WHERE r.pledge_id = p.id AND r.kind = 'receipt' AND "
        "r.sent_at IS NOT NULL)) OR "
        "(?2 >= 0 AND p.status = 'cancelled' AND (SELECT max(h.at) FROM pledge_history h "
        "WHERE h.pledge_id = p.id AND h.status = 'cancelled') <= ?2)) "
        "ORDER BY p.id LIMIT ?3",
        "ddd", (int64_t)one_off, cancelled_before, (int64_t)capacity);
    if (statement == NULL) {
        status = PT_ERR_IO;
        goto out;
    }
    int step;
    while ((step = sqlite3_step(statement)) == SQLITE_ROW && *count < capacity)
        snprintf(ids[(*count)++], 33, "%s", sqlite3_column_text(statement, 0));
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        status = fail(store, "finding addresses to erase");
    sqlite3_finalize(statement);
out:
    pthread_mutex_unlock(&store->lock);
    return status;
}

static enum pt_status sqlite_manage_code_set(struct pt_store *base, const char *pledge_id,
                                             const unsigned char code_hash[32], bool replace,
                                             int64_t now)
{
    struct sqlite_store *store = from(base);
    pthread_mutex_lock(&store->lock);
    const size_t hash_size = 32;
    int changed =
        replace ? run(store,
                      "INSERT INTO manage_codes (pledge_id, code_hash, created_at) "
                      "SELECT id, ?, ? FROM pledges WHERE id = ? ON CONFLICT (pledge_id) DO "
                      "UPDATE SET code_hash = excluded.code_hash, created_at = excluded.created_at",
                      "bds", code_hash, hash_size, now, pledge_id)
                : run(store,
                      "INSERT INTO manage_codes (pledge_id, code_hash, created_at) "
                      "SELECT id, ?, ? FROM pledges WHERE id = ? ON CONFLICT (pledge_id) "
                      "DO NOTHING",
                      "bds", code_hash, hash_size, now, pledge_id);
    pthread_mutex_unlock(&store->lock);
    if (changed < 0)
        return PT_ERR_IO;
    if (changed == 0)
        return replace ? PT_ERR_NOT_FOUND : PT_ERR_CONFLICT;
    return PT_OK;
}

static enum pt_status sqlite_manage_code_find(struct pt_store *base,
                                              const unsigned char code_hash[32],
                                              const char *pledge_id, char found[33])
{
    struct sqlite_store *store = from(base);
    pthread_mutex_lock(&store->lock);
    const size_t hash_size = 32;
    sqlite3_stmt *statement =
        code_hash != NULL
            ? prepare_with(store, "SELECT pledge_id FROM manage_codes WHERE code_hash = ?", "b",
                           code_hash, hash_size)
            : prepare_with(store, "SELECT pledge_id FROM manage_codes WHERE pledge_id = ?", "s",
                           pledge_id);
    enum pt_status status = PT_ERR_IO;
    if (statement != NULL) {
        int step = sqlite3_step(statement);
        if (step == SQLITE_ROW) {
            snprintf(found, 33, "%s", sqlite3_column_text(statement, 0));
            status = PT_OK;
        } else if (step == SQLITE_DONE) {
            status = PT_ERR_NOT_FOUND;
        } else {
            status = fail(store, "reading a manage code");
        }
    }
    sqlite3_finalize(statement);
    pthread_mutex_unlock(&store->lock);
    return status;
}

static enum pt_status sqlite_key_check_get(struct pt_store *base, unsigned char value[32])
{
    struct sqlite_store *store = from(base);
    pthread_mutex_lock(&store->lock);
    enum pt_status status = PT_ERR_IO;
    sqlite3_stmt *statement = prepare_with(store, "SELECT value FROM key_check WHERE id = 1", "");
    if (statement != NULL) {
        int step = sqlite3_step(statement);
        if (step == SQLITE_ROW && sqlite3_column_bytes(statement, 0) == 32) {
            memcpy(value, sqlite3_column_blob(statement, 0), 32);
            status = PT_OK;
        } else if (step == SQLITE_DONE) {
            status = PT_ERR_NOT_FOUND;
        } else {
            fail(store, "reading the key check value");
        }
    }
    sqlite3_finalize(statement);
    pthread_mutex_unlock(&store->lock);
    return status;
}

static enum pt_status sqlite_key_check_set(struct pt_store *base, const unsigned char value[32])
{
    struct sqlite_store *store = from(base);
    pthread_mutex_lock(&store->lock);
    int changed = run(store, "INSERT OR IGNORE INTO key_check (id, value) VALUES (1, ?)", "b",
                      value, (size_t)32);
    pthread_mutex_unlock(&store->lock);
    return changed < 0 ? PT_ERR_IO : PT_OK;
}

static enum pt_status sqlite_sealed_sample(struct pt_store *base, unsigned char **sealed,
                                           size_t *length)
{
    struct sqlite_store *store = from(base);
    pthread_mutex_lock(&store->lock);
    enum pt_status status = PT_ERR_IO;
    *sealed = NULL;
    *length = 0;
    sqlite3_stmt *statement = prepare_with(
        store,
        "SELECT email_sealed FROM pledges WHERE email_sealed IS NOT NULL "
        "UNION ALL SELECT email_sealed FROM reminders LIMIT 1",
        "");
    if (statement != NULL) {
        int step = sqlite3_step(statement);
        if (step == SQLITE_ROW && sqlite3_column_bytes(statement, 0) > 0) {
            *length = (size_t)sqlite3_column_bytes(statement, 0);
            *sealed = pt_xmalloc(*length);
            memcpy(*sealed, sqlite3_column_blob(statement, 0), *length);
            status = PT_OK;
        } else if (step == SQLITE_ROW || step == SQLITE_DONE) {
            status = PT_ERR_NOT_FOUND;
        } else {
            fail(store, "looking for sealed data");
        }
    }
    sqlite3_finalize(statement);
    pthread_mutex_unlock(&store->lock);
    return status;
}

/* ---------------------------------------------------------- staff sign-in */

static enum pt_status audit_line(struct sqlite_store *store, int64_t now, int64_t actor_id,
                                 const char *action, const char *detail)
{
    return run(store,
               "INSERT INTO audit_log (at, user_id, action, detail) VALUES (?, NULLIF(?, 0), ?, ?)",
               "ddss", now, actor_id, action, detail ? detail : "") == 1
               ? PT_OK
               : PT_ERR_IO;
}

static enum pt_status sqlite_user_add(struct pt_store *base, const char *email, const char *role,
                                      const char *password_hash, int64_t now, int64_t actor_id,
                                      int64_t *id)
{
    struct sqlite_store *store = from(base);
    pthread_mutex_lock(&store->lock);
    enum pt_status status = exec(store, "BEGIN IMMEDIATE");
    if (status)
        goto out;
    /* A taken address is the caller's mistake, not the database's: found
     * first, so it is not logged as a failure. */
    sqlite3_stmt *taken = prepare_with(store, "SELECT 1 FROM users WHERE email = ?", "s", email);
    int step = taken != NULL ? sqlite3_step(taken) : SQLITE_ERROR;
    sqlite3_finalize(taken);
    if (step != SQLITE_DONE) {
        status = step == SQLITE_ROW ? PT_ERR_CONFLICT : PT_ERR_IO;
        goto rollback;
    }
    if (run(store,
            "INSERT INTO users (email, role, password_hash, disabled, created_at, updated_at) "
            "VALUES (?, ?, ?, 0, ?, ?)",
            "sssdd", email, role, password_hash, now, now) != 1) {
        status = PT_ERR_IO;
        goto rollback;
    }
    int64_t added = sqlite3_last_insert_rowid(store->db);
    char detail[PT_STORE_EMAIL_MAX + 32];
    snprintf(detail, sizeof(detail), "%s %s", email, role);
    status = audit_line(store, now, actor_id, "user_added", detail);
    if (status == PT_OK)
        status = exec(store, "COMMIT");
    if (status == PT_OK) {
        if (id != NULL)
            *id = added;
        goto out;
    }
rollback:
    exec(store, "ROLLBACK");
out:
    pthread_mutex_unlock(&store->lock);
    return status;
}

struct user_reading {
    pt_store_user_visitor visit;
    void *context;
    struct pt_store_user *one; /* user_get: the row goes here */
    int rows;
};

static void read_user(sqlite3_stmt *statement, void *reading)
{
    struct user_reading *users = reading;
    struct pt_store_user user;
    memset(&user, 0, sizeof(user));
    user.id = sqlite3_column_int64(statement, 0);
    snprintf(user.email, sizeof(user.email), "%s", column_text(statement, 1));
    snprintf(user.role, sizeof(user.role), "%s", column_text(statement, 2));
    user.disabled = sqlite3_column_int(statement, 3) != 0;
    user.created_at = sqlite3_column_int64(statement, 4);
    const char *hash = column_text(statement, 5);
    if (strlen(hash) < sizeof(user.password_hash))
        memcpy(user.password_hash, hash, strlen(hash) + 1);
    users->rows++;
    if (users->one != NULL)
        *users->one = user;
    else
        users->visit(users->context, &user);
    sodium_memzero(user.password_hash, sizeof(user.password_hash));
}

static enum pt_status sqlite_users_each(struct pt_store *base, pt_store_user_visitor visit,
                                        void *context)
{
    struct user_reading reading = {visit, context, NULL, 0};
    return visit_rows(base, "listing users", read_user, &reading,
                      "SELECT id, email, role, disabled, created_at, '' FROM users ORDER BY email",
                      "");
}

static enum pt_status sqlite_user_get(struct pt_store *base, const char *email,
                                      struct pt_store_user *user)
{
    struct user_reading reading = {NULL, NULL, user, 0};
    enum pt_status status = visit_rows(base, "reading a user", read_user, &reading,
                                       "SELECT id, email, role, disabled, created_at, "
                                       "password_hash FROM users WHERE email = ?",
                                       "s", email);
    return status == PT_OK && reading.rows == 0 ? PT_ERR_NOT_FOUND : status;
}

static enum pt_status sqlite_user_change(struct pt_store *base,
                                         const struct pt_store_user_change *change)
{
    struct sqlite_store *store = from(base);
    pthread_mutex_lock(&store->lock);
    enum pt_status status = exec(store, "BEGIN IMMEDIATE");
    if (status)
        goto out;
    int64_t id = 0;
    sqlite3_stmt *statement = prepare_with(store, "SELECT id FROM users WHERE email = ?", "s",
                                           change->email);
    if (statement == NULL) {
        status = PT_ERR_IO;
        goto rollback;
    }
    int step = sqlite3_step(statement);
    if (step == SQLITE_ROW)
        id = sqlite3_column_int64(statement, 0);
    sqlite3_finalize(statement);
    if (step != SQLITE_ROW) {
        status = step == SQLITE_DONE ? PT_ERR_NOT_FOUND : fail(store, "reading a user");
        goto rollback;
    }
    if ((change->disabled >= 0 &&
         run(store, "UPDATE users SET disabled = ?, updated_at = ? WHERE id = ?", "ddd",
             (int64_t)change->disabled, change->now, id) != 1) ||
        (change->password_hash != NULL &&
         run(store, "UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?", "sdd",
             change->password_hash, change->now, id) != 1) ||
        (change->sign_out && run(store, "DELETE FROM sessions WHERE user_id = ?", "d", id) < 0) ||
        (change->clear_failures != NULL &&
         run(store, "DELETE FROM login_failures WHERE account_hash = ?", "b",
             change->clear_failures, (size_t)32) < 0)) {
        status = PT_ERR_IO;
        goto rollback;
    }
    status = audit_line(store, change->now, change->actor_id, change->action, change->email);
    if (status == PT_OK)
        status = exec(store, "COMMIT");
    if (status == PT_OK)
        goto out;
rollback:
    exec(store, "ROLLBACK");
out:
    pthread_mutex_unlock(&store->lock);
    return status;
}

static enum pt_status sqlite_user_rehash(struct pt_store *base, int64_t id,
                                         const char *password_hash)
{
    struct sqlite_store *store = from(base);
    pthread_mutex_lock(&store->lock);
    int changed = run(store, "UPDATE users SET password_hash = ? WHERE id = ?", "sd",
                      password_hash, id);
    pthread_mutex_unlock(&store->lock);
    return changed < 0 ? PT_ERR_IO : PT_OK;
}

static enum pt_status sqlite_audit_add(struct pt_store *base, int64_t now, int64_t actor_id,
                                       const char *action, const char *detail)
{
    struct sqlite_store *store = from(base);
    pthread_mutex_lock(&store->lock);
    enum pt_status status = audit_line(store, now, actor_id, action, detail);
    pthread_mutex_unlock(&store->lock);
    return status;
}

struct audit_reading {
    pt_store_audit_visitor visit;
    void *context;
};

static void read_audit(sqlite3_stmt *statement, void *reading)
{
    struct audit_reading *audit = reading;
    struct pt_store_audit_entry entry = {
        .id = sqlite3_column_int64(statement, 0),
        .at = sqlite3_column_int64(statement, 1),
        .actor = column_text(statement, 2),
        .action = column_text(statement, 3),
        .detail = column_text(statement, 4),
    };
    audit->visit(audit->context, &entry);
}

static enum pt_status sqlite_audit_each(struct pt_store *base, int64_t before_id, int limit,
                                        pt_store_audit_visitor visit, void *context)
{
    struct audit_reading reading = {visit, context};
    return visit_rows(base, "reading the audit log", read_audit, &reading,
                      "SELECT a.id, a.at, COALESCE(u.email, ''), a.action, a.detail FROM "
                      "audit_log a LEFT JOIN users u ON u.id = a.user_id WHERE a.id < ? "
                      "ORDER BY a.id DESC LIMIT ?",
                      "dd", before_id > 0 ? before_id : INT64_MAX,
                      (int64_t)(limit > 0 ? limit : -1));
}

static enum pt_status sqlite_session_add(struct pt_store *base, const unsigned char token_hash[32],
                                         int64_t user_id, int64_t now, int64_t expires_at)
{
    struct sqlite_store *store = from(base);
    pthread_mutex_lock(&store->lock);
    int changed = run(store,
                      "INSERT INTO sessions (token_hash, user_id, created_at, expires_at, "
                      "last_seen_at) VALUES (?, ?, ?, ?, ?)",
                      "bdddd", token_hash, (size_t)32, user_id, now, expires_at, now);
    pthread_mutex_unlock(&store->lock);
    return changed == 1 ? PT_OK : PT_ERR_IO;
}

struct session_reading {
    struct pt_store_session *session;
    int rows;
};

static void read_session(sqlite3_stmt *statement, void *reading)
{
    struct session_reading *found = reading;
    struct pt_store_session *session = found->session;
    memset(session, 0, sizeof(*session));
    session->user_id = sqlite3_column_int64(statement, 0);
    session->created_at = sqlite3_column_int64(statement, 1);
    session->expires_at = sqlite3_column_int64(statement, 2);
    session->last_seen_at = sqlite3_column_int64(statement, 3);
    snprintf(session->email, sizeof(session->email), "%s", column_text(statement, 4));
    snprintf(session->role, sizeof(session->role), "%s", column_text(statement, 5));
    session->disabled = sqlite3_column_int(statement, 6) != 0;
    found->rows++;
}

static enum pt_status sqlite_session_get(struct pt_store *base, const unsigned char token_hash[32],
                                         struct pt_store_session *session)
{
    struct session_reading reading = {session, 0};
    enum pt_status status =
        visit_rows(base, "reading a session", read_session, &reading,
                   "SELECT s.user_id, s.created_at, s.expires_at, s.last_seen_at, u.email, "
                   "u.role, u.disabled FROM sessions s JOIN users u ON u.id = s.user_id "
                   "WHERE s.token_hash = ?",
                   "b", token_hash, (size_t)32);
    return status == PT_OK && reading.rows == 0 ? PT_ERR_NOT_FOUND : status;
}

static enum pt_status sqlite_session_seen(struct pt_store *base,
                                          const unsigned char token_hash[32], int64_t now)
{
    struct sqlite_store *store = from(base);
    pthread_mutex_lock(&store->lock);
    int changed = run(store, "UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?", "db",
                      now, token_hash, (size_t)32);
    pthread_mutex_unlock(&store->lock);
    return changed < 0 ? PT_ERR_IO : PT_OK;
}

static enum pt_status sqlite_session_delete(struct pt_store *base,
                                            const unsigned char token_hash[32], int64_t *user_id)
{
    struct sqlite_store *store = from(base);
    *user_id = 0;
    pthread_mutex_lock(&store->lock);
    enum pt_status status = PT_ERR_IO;
    sqlite3_stmt *statement = prepare_with(
        store, "DELETE FROM sessions WHERE token_hash = ? RETURNING user_id", "b", token_hash,
        (size_t)32);
    if (statement != NULL) {
        int step = sqlite3_step(statement);
        if (step == SQLITE_ROW) {
            *user_id = sqlite3_column_int64(statement, 0);
            step = sqlite3_step(statement);
        }
        status = step == SQLITE_DONE ? PT_OK : fail(store, "deleting a session");
    }
    sqlite3_finalize(statement);
    pthread_mutex_unlock(&store->lock);
    return status;
}

static enum pt_status sqlite_sign_in_prune(struct pt_store *base, int64_t now, int64_t idle_before,
                                           int64_t failures_before)
{
    struct sqlite_store *store = from(base);
    pthread_mutex_lock(&store->lock);
    bool ok = run(store, "DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at <= ?", "dd",
                  now, idle_before) >= 0 &&
              run(store, "DELETE FROM login_failures WHERE at <= ?", "d", failures_before) >= 0;
    pthread_mutex_unlock(&store->lock);
    return ok ? PT_OK : PT_ERR_IO;
}

static enum pt_status sqlite_login_failures_count(struct pt_store *base,
                                                  const unsigned char *account,
                                                  const unsigned char *client, int64_t since,
                                                  int64_t *count)
{
    struct sqlite_store *store = from(base);
    pthread_mutex_lock(&store->lock);
    enum pt_status status = PT_ERR_IO;
    sqlite3_stmt *statement = prepare_with(store,
                                           "SELECT count(*) FROM login_failures WHERE at > ?1 "
                                           "AND (?2 IS NULL OR account_hash = ?2) "
                                           "AND (?3 IS NULL OR client_hash = ?3)",
                                           "dbb", since, account, (size_t)32, client, (size_t)32);
    if (statement != NULL) {
        if (sqlite3_step(statement) == SQLITE_ROW) {
            *count = sqlite3_column_int64(statement, 0);
            status = PT_OK;
        } else {
            fail(store, "counting failed sign-ins");
        }
    }
    sqlite3_finalize(statement);
    pthread_mutex_unlock(&store->lock);
    return status;
}

static enum pt_status sqlite_login_failure_add(struct pt_store *base,
                                               const unsigned char account[32],
                                               const unsigned char client[32], int64_t now,
                                               int64_t *row)
{
    struct sqlite_store *store = from(base);
    pthread_mutex_lock(&store->lock);
    int changed = run(store,
                      "INSERT INTO login_failures (account_hash, client_hash, at) VALUES (?, ?, ?)",
                      "bbd", account, (size_t)32, client, (size_t)32, now);
    if (changed == 1)
        *row = sqlite3_last_insert_rowid(store->db);
    pthread_mutex_unlock(&store->lock);
    return changed == 1 ? PT_OK : PT_ERR_IO;
}

static enum pt_status sqlite_login_failure_forget(struct pt_store *base, int64_t row)
{
    struct sqlite_store *store = from(base);
    pthread_mutex_lock(&store->lock);
    int changed = run(store, "DELETE FROM login_failures WHERE rowid = ?", "d", row);
    pthread_mutex_unlock(&store->lock);
    return changed < 0 ? PT_ERR_IO : PT_OK;
}

static enum pt_status sqlite_login_failures_clear(struct pt_store *base,
                                                  const unsigned char account[32],
                                                  const unsigned char *client)
{
    struct sqlite_store *store = from(base);
    pthread_mutex_lock(&store->lock);
    int changed = run(store,
                      "DELETE FROM login_failures WHERE account_hash = ?1 "
                      "AND (?2 IS NULL OR client_hash = ?2)",
                      "bb", account, (size_t)32, client, (size_t)32);
    pthread_mutex_unlock(&store->lock);
    return changed < 0 ? PT_ERR_IO : PT_OK;
}

static void sqlite_close(struct pt_store *base)
{
    struct sqlite_store *store = from(base);
    sqlite3_close(store->db);
    pthread_mutex_destroy(&store->lock);
    free(store);
}

static const struct pt_store_ops sqlite_ops = {
    .name = "sqlite",
    .migrate = sqlite_migrate,
    .catalog_version = sqlite_catalog_version,
    .campaigns_each = sqlite_campaigns_each,
    .campaign_count = sqlite_campaign_count,
    .campaign_put = sqlite_campaign_put,
    .campaign_get = sqlite_campaign_get,
    .campaign_delete = sqlite_campaign_delete,
    .campaigns_replace = sqlite_campaigns_replace,
    .counts_add = sqlite_counts_add,
    .counts_each = sqlite_counts_each,
    .pledge_add = sqlite_pledge_add,
    .pledge_get = sqlite_pledge_get,
    .pledge_find = sqlite_pledge_find,
    .pledges_by_email = sqlite_pledges_by_email,
    .pledge_set_checkout = sqlite_pledge_set_checkout,
    .ledger_apply = sqlite_ledger_apply,
    .outbox_pending = sqlite_outbox_pending,
    .outbox_add = sqlite_outbox_add,
    .outbox_done = sqlite_outbox_done,
    .outbox_release = sqlite_outbox_release,
    .bank_entry_add = sqlite_bank_entry_add,
    .pledges_overdue = sqlite_pledges_overdue,
    .goal_figure = sqlite_goal_figure,
    .bank_entry_get = sqlite_bank_entry_get,
    .bank_entries_each = sqlite_bank_entries_each,
    .bank_entry_resolve = sqlite_bank_entry_resolve,
    .magic_link_add = sqlite_magic_link_add,
    .magic_link_use = sqlite_magic_link_use,
    .lost_request_add = sqlite_lost_request_add,
    .lost_requests_pending = sqlite_lost_requests_pending,
    .lost_request_answer = sqlite_lost_request_answer,
    .magic_emails_since = sqlite_magic_emails_since,
    .reminder_upsert = sqlite_reminder_upsert,
    .reminder_cancel = sqlite_reminder_cancel,
    .reminders_due = sqlite_reminders_due,
    .reminder_done = sqlite_reminder_done,
    .reminder_counts_each = sqlite_reminder_counts_each,
    .reminders_of = sqlite_reminders_of,
    .counts_range = sqlite_counts_range,
    .report_pledges = sqlite_report_pledges,
    .report_history = sqlite_report_history,
    .report_payments = sqlite_report_payments,
    .pledge_history_each = sqlite_pledge_history_each,
    .pledge_payments_each = sqlite_pledge_payments_each,
    .payment_get = sqlite_payment_get,
    .disputes_each = sqlite_disputes_each,
    .donor_erase = sqlite_donor_erase,
    .pledge_erase = sqlite_pledge_erase,
    .pledges_to_erase = sqlite_pledges_to_erase,
    .manage_code_set = sqlite_manage_code_set,
    .manage_code_find = sqlite_manage_code_find,
    .key_check_get = sqlite_key_check_get,
    .key_check_set = sqlite_key_check_set,
    .sealed_sample = sqlite_sealed_sample,
    .write_probe = sqlite_write_probe,
    .user_add = sqlite_user_add,
    .users_each = sqlite_users_each,
    .user_get = sqlite_user_get,
    .user_change = sqlite_user_change,
    .user_rehash = sqlite_user_rehash,
    .audit_add = sqlite_audit_add,
    .audit_each = sqlite_audit_each,
    .session_add = sqlite_session_add,
    .session_get = sqlite_session_get,
    .session_seen = sqlite_session_seen,
    .session_delete = sqlite_session_delete,
    .sign_in_prune = sqlite_sign_in_prune,
    .login_failures_count = sqlite_login_failures_count,
    .login_failure_add = sqlite_login_failure_add,
    .login_failure_forget = sqlite_login_failure_forget,
    .login_failures_clear = sqlite_login_failures_clear,
    .close = sqlite_close,
};

enum pt_status pt_store_open_sqlite(const char *path, struct pt_store **out, char *error,
                                    size_t error_size)
{
    struct sqlite_store *store = pt_xcalloc(1, sizeof(*store));
    store->super.ops = &sqlite_ops;
    pthread_mutex_init(&store->lock, NULL);
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
    if (sqlite3_open_v2(path, &store->db, flags, NULL) != SQLITE_OK) {
        snprintf(error, error_size, "cannot open the database %s: %s", path,
                 store->db ? sqlite3_errmsg(store->db) : "out of memory");
        sqlite_close(&store->super);
        return PT_ERR_IO;
    }
    sqlite3_busy_timeout(store->db, 5000);
    /* WAL with synchronous=NORMAL: a commit survives a crash of patron, and
     * a power cut loses at most the last batch, never the database. */
    /* secure_delete: erased addresses are overwritten, not merely unlinked
     * from the b-tree (Debian's SQLite does this by default; others not). */
    if (exec(store, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; "
                    "PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON;") != PT_OK) {
        snprintf(error, error_size, "cannot set up the database %s: %s", path,
                 sqlite3_errmsg(store->db));
        sqlite_close(&store->super);
        return PT_ERR_IO;
    }
    *out = &store->super;
    return PT_OK;
}
