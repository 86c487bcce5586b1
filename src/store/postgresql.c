/* The PostgreSQL store: the same operations as sqlite.c, over libpq, for a
 * newsroom that runs several patron processes on one database.
 *
 * A small pool of connections (database_connections), each used by one
 * operation at a time. Every statement is parameterised. An operation is a
 * body run by run_op, which takes a connection, makes sure it is alive
 * (reconnecting when the server went away, with a backoff shared by the
 * pool so that a dead server costs one connect attempt per backoff step, not
 * one per request), runs the body, rolls back whatever transaction the body
 * left open, and runs it again when that is safe: after a serialization
 * failure or a deadlock (the server rolled it back), or after the
 * connection was lost before anything could have been committed. While the
 * database is unreachable operations fail at once with PT_ERR_IO, which the
 * pages answer with 503; the appeal never comes here. */
#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "patron/alloc.h"
#include "patron/buf.h"
#include "patron/log.h"
#include "patron/store.h"

/* The most parameters one statement of this file takes. */
#define MAX_PARAMS 16
/* How often one operation is tried: a lost connection, a serialization
 * failure or a deadlock each earn another try, up to this many in all. */
#define MAX_TRIES 3
/* The backoff between connection attempts while the server is unreachable. */
#define BACKOFF_FIRST_MS 100
#define BACKOFF_MAX_MS 5000
/* How long an operation waits for a free connection of the pool. */
#define POOL_WAIT_MS 10000

struct pg_connection {
    PGconn *pg;          /* NULL until connected, and after a loss */
    bool in_transaction; /* BEGIN sent, neither COMMIT nor ROLLBACK yet */
    bool commit_sent;    /* this try sent COMMIT: its outcome may be unknown */
    bool write_sent;     /* this try sent a statement outside a transaction */
    char sqlstate[6];    /* of this try's last failure, "" for none */
};

struct pg_store {
    struct pt_store super;
    char *conninfo;
    pthread_mutex_t lock; /* guards what follows */
    pthread_cond_t freed; /* a connection went back to the pool */
    struct pg_connection *connections;
    bool *busy;
    size_t count;
    int64_t retry_at_ms;   /* no connection attempt before then (monotonic) */
    int delay_ms;          /* the next backoff step */
    char unreachable[256]; /* why the last connection attempt failed */
    /* The connection that LISTENs for campaign changes, apart from the pool
     * (a pooled connection goes back idle and would drop what it heard);
     * used by the one thread that calls catalog_wait. */
    PGconn *listener;
    int64_t listener_retry_at_ms;
    bool listener_down; /* said once, not at every retry */
};

/* What a body may do when tried again. */
enum op_kind {
    OP_ONCE,  /* writes outside a transaction: not again after a lost connection */
    OP_AGAIN, /* reads and idempotent writes: always safe to try again */
};

typedef enum pt_status (*op_body)(struct pg_connection *c, void *args);

static struct pg_store *from(struct pt_store *store)
{
    return (struct pg_store *)store;
}

static int64_t monotonic_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* libpq's messages end with a newline; the log line must not. */
static const char *one_line(const char *message, char *out, size_t size)
{
    snprintf(out, size, "%s", message ? message : "");
    size_t length = strlen(out);
    while (length > 0 && (out[length - 1] == '\n' || out[length - 1] == ' '))
        out[--length] = '\0';
    for (char *p = out; *p; p++)
        if (*p == '\n')
            *p = ' ';
    return out;
}

/* ------------------------------------------------------------ statements */

/* Keeps the failure's SQLSTATE for run_op and notes the database's words;
 * frees result. */
static void note_failure(struct pg_connection *c, PGresult *result)
{
    const char *state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : NULL;
    snprintf(c->sqlstate, sizeof(c->sqlstate), "%s", state ? state : "");
    char message[400];
    pt_store_note_error("postgresql: %s",
                        one_line(PQerrorMessage(c->pg), message, sizeof(message)));
    PQclear(result);
}

/* Sends sql with the parameters in args as types says ('s' text or NULL,
 * 'd' an int64_t, 'b' a bytea and its size_t length). NULL on failure,
 * which is noted with the database's words and its SQLSTATE kept. */
static PGresult *execute(struct pg_connection *c, const char *sql, const char *types, va_list args)
{
    const char *values[MAX_PARAMS];
    int lengths[MAX_PARAMS], formats[MAX_PARAMS];
    char numbers[MAX_PARAMS][24];
    int count = 0;
    for (const char *t = types; *t && count < MAX_PARAMS; t++, count++) {
        lengths[count] = 0;
        formats[count] = 0;
        if (*t == 's') {
            values[count] = va_arg(args, const char *);
        } else if (*t == 'd') {
            snprintf(numbers[count], sizeof(numbers[count]), "%lld",
                     (long long)va_arg(args, int64_t));
            values[count] = numbers[count];
        } else {
            values[count] = va_arg(args, const char *);
            lengths[count] = (int)va_arg(args, size_t);
            formats[count] = 1;
        }
    }
    if (!c->in_transaction)
        c->write_sent = true; /* for all this file knows, it may write */
    PGresult *result = PQexecParams(c->pg, sql, count, NULL, values, lengths, formats, 0);
    ExecStatusType status = PQresultStatus(result);
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)
        return result;
    note_failure(c, result);
    return NULL;
}

/* A statement whose rows are read: the result (PQclear it) or NULL. */
static PGresult *query(struct pg_connection *c, const char *sql, const char *types, ...)
{
    va_list args;
    va_start(args, types);
    PGresult *result = execute(c, sql, types, args);
    va_end(args);
    return result;
}

/* A statement that changes rows: how many, or -1 on failure. */
static int64_t command(struct pg_connection *c, const char *sql, const char *types, ...)
{
    va_list args;
    va_start(args, types);
    PGresult *result = execute(c, sql, types, args);
    va_end(args);
    if (result == NULL)
        return -1;
    int64_t changed = strtoll(PQcmdTuples(result), NULL, 10);
    PQclear(result);
    return changed;
}

static enum pt_status simple(struct pg_connection *c, const char *sql)
{
    PGresult *result = PQexec(c->pg, sql);
    ExecStatusType status = PQresultStatus(result);
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
        PQclear(result);
        return PT_OK;
    }
    note_failure(c, result);
    return PT_ERR_IO;
}

static enum pt_status begin(struct pg_connection *c)
{
    enum pt_status status = simple(c, "BEGIN");
    c->in_transaction = status == PT_OK;
    return status;
}

static enum pt_status commit(struct pg_connection *c)
{
    c->commit_sent = true;
    enum pt_status status = simple(c, "COMMIT");
    c->in_transaction = false;
    return status;
}

static const char *text_at(const PGresult *result, int row, int column)
{
    return PQgetisnull(result, row, column) ? "" : PQgetvalue(result, row, column);
}

static int64_t int_at(const PGresult *result, int row, int column)
{
    return strtoll(text_at(result, row, column), NULL, 10);
}

static bool bool_at(const PGresult *result, int row, int column)
{
    return text_at(result, row, column)[0] == 't';
}

/* A bytea column, decoded: free it with PQfreemem; NULL (and length 0) for
 * SQL NULL. */
static unsigned char *bytes_at(const PGresult *result, int row, int column, size_t *length)
{
    *length = 0;
    if (PQgetisnull(result, row, column))
        return NULL;
    return PQunescapeBytea((const unsigned char *)PQgetvalue(result, row, column), length);
}

/* ------------------------------------------------------------ connections */

/* Notices (a table already there, and so on) are not errors. */
static void ignore_notice(void *context, const char *message)
{
    (void)context, (void)message;
}

static PGconn *connect_now(const char *conninfo)
{
    /* Defaults that the URL may override: a bounded connect, a dead peer
     * noticed within seconds, no statement left waiting for ever. */
    const char *keywords[] = {"connect_timeout",  "keepalives",
                              "keepalives_idle",  "keepalives_interval",
                              "keepalives_count", "tcp_user_timeout",
                              "application_name", "options",
                              "dbname",           NULL};
    const char *values[] = {
        "3",      "1",     "10",     "5",
        "3",      "10000", "patron", "-c statement_timeout=30000 -c lock_timeout=15000",
        conninfo, NULL};
    PGconn *pg = PQconnectdbParams(keywords, values, 1);
    if (pg != NULL)
        PQsetNoticeProcessor(pg, ignore_notice, NULL);
    return pg;
}

/* An idle connection has nothing to read: what is there is the server's
 * goodbye (a restart, a failover, an administrator ending it) and then the
 * end of the stream, which libpq notices only when it reads that far. */
static bool still_alive(PGconn *pg)
{
    for (int i = 0; i < 4; i++) {
        struct pollfd ready = {.fd = PQsocket(pg), .events = POLLIN};
        if (poll(&ready, 1, 0) <= 0)
            break;
        if (!PQconsumeInput(pg))
            return false;
    }
    return PQstatus(pg) == CONNECTION_OK && PQtransactionStatus(pg) == PQTRANS_IDLE;
}

/* Makes sure c has a live connection, idle outside any transaction. A
 * connection the server closed (a restart) is noticed here, before anything
 * is sent on it, and replaced. */
static enum pt_status ensure(struct pg_store *store, struct pg_connection *c)
{
    if (c->pg != NULL) {
        if (still_alive(c->pg))
            return PT_OK;
        PQfinish(c->pg);
        c->pg = NULL;
    }
    pthread_mutex_lock(&store->lock);
    int64_t wait = store->retry_at_ms - monotonic_ms();
    if (wait > 0) {
        pt_store_note_error("postgresql: the database is unreachable (next try in %lld ms): %s",
                            (long long)wait, store->unreachable);
        pthread_mutex_unlock(&store->lock);
        return PT_ERR_IO;
    }
    pthread_mutex_unlock(&store->lock);
    PGconn *pg = connect_now(store->conninfo);
    char message[256];
    if (PQstatus(pg) != CONNECTION_OK) {
        one_line(pg ? PQerrorMessage(pg) : "out of memory", message, sizeof(message));
        PQfinish(pg);
        pthread_mutex_lock(&store->lock);
        snprintf(store->unreachable, sizeof(store->unreachable), "%s", message);
        store->retry_at_ms = monotonic_ms() + store->delay_ms;
        store->delay_ms =
            store->delay_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : store->delay_ms * 2;
        pthread_mutex_unlock(&store->lock);
        pt_store_note_error("postgresql: cannot connect: %s", message);
        return PT_ERR_IO;
    }
    pthread_mutex_lock(&store->lock);
    bool was_down = store->delay_ms > BACKOFF_FIRST_MS;
    store->retry_at_ms = 0;
    store->delay_ms = BACKOFF_FIRST_MS;
    pthread_mutex_unlock(&store->lock);
    if (was_down)
        pt_log(PT_LOG_INFO, "postgresql: connected again");
    c->pg = pg;
    return PT_OK;
}

static struct pg_connection *acquire(struct pg_store *store)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += POOL_WAIT_MS / 1000;
    pthread_mutex_lock(&store->lock);
    for (;;) {
        for (size_t i = 0; i < store->count; i++) {
            if (!store->busy[i]) {
                store->busy[i] = true;
                pthread_mutex_unlock(&store->lock);
                return &store->connections[i];
            }
        }
        if (pthread_cond_timedwait(&store->freed, &store->lock, &deadline) != 0)
            break;
    }
    pthread_mutex_unlock(&store->lock);
    pt_store_note_error("postgresql: every connection stayed busy for %d s", POOL_WAIT_MS / 1000);
    return NULL;
}

static void release(struct pg_store *store, struct pg_connection *c)
{
    pthread_mutex_lock(&store->lock);
    store->busy[c - store->connections] = false;
    pthread_cond_signal(&store->freed);
    pthread_mutex_unlock(&store->lock);
}

/* Runs body on a connection of the pool, as the top of this file says.
 * retry_unique: a unique violation also earns another try (an upsert made
 * of a delete and an insert, racing the same one on another node). */
static enum pt_status run_op(struct pt_store *base, enum op_kind kind, bool retry_unique,
                             op_body body, void *args)
{
    struct pg_store *store = from(base);
    enum pt_status status = PT_ERR_IO;
    for (int attempt = 1; attempt <= MAX_TRIES; attempt++) {
        struct pg_connection *c = acquire(store);
        if (c == NULL)
            return PT_ERR_IO;
        status = ensure(store, c);
        if (status != PT_OK) {
            release(store, c);
            return status;
        }
        c->in_transaction = c->commit_sent = c->write_sent = false;
        c->sqlstate[0] = '\0';
        status = body(c, args);
        if (c->in_transaction) {
            PQclear(PQexec(c->pg, "ROLLBACK"));
            c->in_transaction = false;
        }
        bool again = false;
        if (status != PT_OK && PQstatus(c->pg) != CONNECTION_OK) {
            /* Lost: nothing was committed unless COMMIT (or a statement
             * outside a transaction) went out; then the outcome is unknown
             * and the caller hears of a failure. */
            PQfinish(c->pg);
            c->pg = NULL;
            /* The server's "terminating connection" (57P01 to 57P03) is the
             * answer to what was sent: it did not run. */
            bool refused = strncmp(c->sqlstate, "57P0", 4) == 0;
            again = kind == OP_AGAIN || refused || (!c->commit_sent && !c->write_sent);
        } else if (status != PT_OK) {
            again = strcmp(c->sqlstate, "40001") == 0 || strcmp(c->sqlstate, "40P01") == 0 ||
                    (retry_unique && strcmp(c->sqlstate, "23505") == 0);
        }
        /* Read before the connection goes back: another thread may take it. */
        char why[6];
        memcpy(why, c->sqlstate, sizeof(why));
        release(store, c);
        if (!again)
            break;
        if (attempt < MAX_TRIES)
            pt_log(PT_LOG_INFO, "postgresql: trying again (%s)", why[0] ? why : "connection lost");
    }
    return status;
}

/* --------------------------------------------------------------- migrate */

/* Two nodes starting at once migrate one after the other. */
#define MIGRATION_LOCK "7036452901"

struct migrate_args {
    int *applied;
};

static enum pt_status migrate_body(struct pg_connection *c, void *p)
{
    struct migrate_args *args = p;
    *args->applied = 0;
    if (begin(c) != PT_OK || simple(c, "SELECT pg_advisory_xact_lock(" MIGRATION_LOCK ")") ||
        simple(c, "CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, "
                  "name text NOT NULL, applied_at bigint NOT NULL)"))
        return PT_ERR_IO;
    PGresult *result = query(c, "SELECT coalesce(max(version), 0) FROM schema_version", "");
    if (result == NULL)
        return PT_ERR_IO;
    int version = (int)int_at(result, 0, 0);
    PQclear(result);
    int known = pt_postgresql_migration_count > 0
                    ? pt_postgresql_migrations[pt_postgresql_migration_count - 1].version
                    : 0;
    if (version > known) {
        pt_store_note_error("the database is from a newer patron (schema %d; this patron knows "
                            "up to %d): run the newer patron, or restore a backup made for this "
                            "one",
                            version, known);
        return PT_ERR_CONFLICT;
    }
    int applied = 0;
    for (size_t i = 0; i < pt_postgresql_migration_count; i++) {
        const struct pt_migration *migration = &pt_postgresql_migrations[i];
        if (migration->version <= version)
            continue;
        if (simple(c, migration->sql) != PT_OK) {
            pt_log(PT_LOG_ERROR, "migration %s failed; nothing was applied", migration->name);
            return PT_ERR_IO;
        }
        if (command(c,
                    "INSERT INTO schema_version (version, name, applied_at) "
                    "VALUES ($1, $2, extract(epoch FROM now())::bigint)",
                    "ds", (int64_t)migration->version, migration->name) != 1)
            return PT_ERR_IO;
        applied++;
    }
    enum pt_status status = commit(c);
    if (status == PT_OK)
        *args->applied = applied;
    return status;
}

/* All the migrations this patron has not applied yet, in one transaction:
 * a failure anywhere leaves the database as it was. */
static enum pt_status pg_migrate(struct pt_store *base, int *applied)
{
    struct migrate_args args = {applied};
    return run_op(base, OP_AGAIN, false, migrate_body, &args);
}

/* ------------------------------------------------------------- campaigns */

struct probe_args {
    int64_t now;
};

static enum pt_status probe_body(struct pg_connection *c, void *p)
{
    struct probe_args *args = p;
    return command(c,
                   "INSERT INTO store_probe (id, written_at) VALUES (1, $1) "
                   "ON CONFLICT (id) DO UPDATE SET written_at = excluded.written_at",
                   "d", args->now) == 1
               ? PT_OK
               : PT_ERR_IO;
}

static enum pt_status pg_write_probe(struct pt_store *base, int64_t now)
{
    struct probe_args args = {now};
    return run_op(base, OP_AGAIN, false, probe_body, &args);
}

struct int_args {
    const char *sql;
    int64_t *value;
};

static enum pt_status int_body(struct pg_connection *c, void *p)
{
    struct int_args *args = p;
    PGresult *result = query(c, args->sql, "");
    if (result == NULL)
        return PT_ERR_IO;
    enum pt_status status = PT_ERR_IO;
    if (PQntuples(result) == 1) {
        *args->value = int_at(result, 0, 0);
        status = PT_OK;
    } else {
        pt_store_note_error("postgresql: no row for %s", args->sql);
    }
    PQclear(result);
    return status;
}

static enum pt_status pg_catalog_version(struct pt_store *base, int64_t *version)
{
    struct int_args args = {"SELECT version FROM catalog_version WHERE id = 1", version};
    return run_op(base, OP_AGAIN, false, int_body, &args);
}

static enum pt_status pg_campaign_count(struct pt_store *base, int64_t *count)
{
    struct int_args args = {"SELECT count(*) FROM campaigns", count};
    return run_op(base, OP_AGAIN, false, int_body, &args);
}

struct documents_args {
    pt_store_document_visitor visit;
    void *context;
};

static enum pt_status campaigns_body(struct pg_connection *c, void *p)
{
    struct documents_args *args = p;
    PGresult *result = query(c, "SELECT id, document FROM campaigns ORDER BY id", "");
    if (result == NULL)
        return PT_ERR_IO;
    for (int row = 0; row < PQntuples(result); row++)
        args->visit(args->context, text_at(result, row, 0), text_at(result, row, 1));
    PQclear(result);
    return PT_OK;
}

static enum pt_status pg_campaigns_each(struct pt_store *base, pt_store_document_visitor visit,
                                        void *context)
{
    struct documents_args args = {visit, context};
    return run_op(base, OP_AGAIN, false, campaigns_body, &args);
}

struct campaign_args {
    const char *id;
    const char *document;
    int64_t now;
    char **out;
};

static enum pt_status campaign_put_body(struct pg_connection *c, void *p)
{
    struct campaign_args *args = p;
    return command(c,
                   "INSERT INTO campaigns (id, document, updated_at) VALUES ($1, $2, $3) "
                   "ON CONFLICT (id) DO UPDATE SET document = excluded.document, "
                   "updated_at = excluded.updated_at",
                   "ssd", args->id, args->document, args->now) < 0
               ? PT_ERR_IO
               : PT_OK;
}

static enum pt_status pg_campaign_put(struct pt_store *base, const char *id, const char *document,
                                      int64_t now)
{
    struct campaign_args args = {id, document, now, NULL};
    return run_op(base, OP_AGAIN, false, campaign_put_body, &args);
}

static enum pt_status campaign_get_body(struct pg_connection *c, void *p)
{
    struct campaign_args *args = p;
    PGresult *result = query(c, "SELECT document FROM campaigns WHERE id = $1", "s", args->id);
    if (result == NULL)
        return PT_ERR_IO;
    enum pt_status status = PT_ERR_NOT_FOUND;
    if (PQntuples(result) > 0) {
        *args->out = pt_xstrdup(text_at(result, 0, 0));
        status = PT_OK;
    }
    PQclear(result);
    return status;
}

static enum pt_status pg_campaign_get(struct pt_store *base, const char *id, char **document)
{
    struct campaign_args args = {id, NULL, 0, document};
    return run_op(base, OP_AGAIN, false, campaign_get_body, &args);
}

static enum pt_status campaign_delete_body(struct pg_connection *c, void *p)
{
    struct campaign_args *args = p;
    int64_t changed = command(c, "DELETE FROM campaigns WHERE id = $1", "s", args->id);
    return changed < 0 ? PT_ERR_IO : changed == 0 ? PT_ERR_NOT_FOUND : PT_OK;
}

static enum pt_status pg_campaign_delete(struct pt_store *base, const char *id)
{
    struct campaign_args args = {id, NULL, 0, NULL};
    return run_op(base, OP_ONCE, false, campaign_delete_body, &args);
}

struct replace_args {
    const char *const *ids;
    const char *const *documents;
    size_t count;
    int64_t now;
};

static enum pt_status replace_body(struct pg_connection *c, void *p)
{
    struct replace_args *args = p;
    if (begin(c) != PT_OK || command(c, "DELETE FROM campaigns", "") < 0)
        return PT_ERR_IO;
    for (size_t i = 0; i < args->count; i++)
        if (command(c, "INSERT INTO campaigns (id, document, updated_at) VALUES ($1, $2, $3)",
                    "ssd", args->ids[i], args->documents[i], args->now) != 1)
            return PT_ERR_IO;
    return commit(c);
}

static enum pt_status pg_campaigns_replace(struct pt_store *base, const char *const *ids,
                                           const char *const *documents, size_t count, int64_t now)
{
    struct replace_args args = {ids, documents, count, now};
    return run_op(base, OP_ONCE, false, replace_body, &args);
}

/* ----------------------------------------------------------------- counts */

/* Appends text to an array literal as one quoted element. */
static void array_element(struct pt_buf *array, const char *text)
{
    pt_buf_puts(array, array->length > 1 ? ",\"" : "\"");
    for (const char *p = text; *p; p++) {
        if (*p == '"' || *p == '\\')
            pt_buf_append(array, "\\", 1);
        pt_buf_append(array, p, 1);
    }
    pt_buf_puts(array, "\"");
}

struct counts_args {
    const struct pt_event_count *counts;
    size_t count;
};

/* The whole batch in one statement: each node adds its own batch to what
 * the others added (count = count + excluded.count), rows in key order so
 * that two nodes' batches cannot deadlock. */
static enum pt_status counts_body(struct pg_connection *c, void *p)
{
    struct counts_args *args = p;
    struct pt_buf days, campaigns, variants, kinds, numbers;
    struct pt_buf *arrays[] = {&days, &campaigns, &variants, &kinds, &numbers};
    for (size_t i = 0; i < 5; i++) {
        pt_buf_init(arrays[i]);
        pt_buf_puts(arrays[i], "{");
    }
    for (size_t i = 0; i < args->count; i++) {
        char day[11], number[24];
        pt_events_format_day(args->counts[i].day, day);
        snprintf(number, sizeof(number), "%lld", (long long)args->counts[i].count);
        array_element(&days, day);
        array_element(&campaigns, args->counts[i].campaign);
        array_element(&variants, args->counts[i].variant);
        array_element(&kinds, pt_event_kind_name(args->counts[i].kind));
        array_element(&numbers, number);
    }
    for (size_t i = 0; i < 5; i++)
        pt_buf_puts(arrays[i], "}");
    int64_t changed =
        command(c,
                "INSERT INTO event_counts (day, campaign, variant, kind, count) "
                "SELECT day, campaign, variant, kind, sum(count) FROM "
                "unnest($1::date[], $2::text[], $3::text[], $4::text[], $5::bigint[]) "
                "AS batch (day, campaign, variant, kind, count) "
                "GROUP BY day, campaign, variant, kind ORDER BY day, campaign, variant, kind "
                "ON CONFLICT (day, campaign, variant, kind) "
                "DO UPDATE SET count = event_counts.count + excluded.count",
                "sssss", days.data, campaigns.data, variants.data, kinds.data, numbers.data);
    for (size_t i = 0; i < 5; i++)
        pt_buf_dispose(arrays[i]);
    return changed < 0 ? PT_ERR_IO : PT_OK;
}

static enum pt_status pg_counts_add(struct pt_store *base, const struct pt_event_count *counts,
                                    size_t count)
{
    if (count == 0)
        return PT_OK;
    struct counts_args args = {counts, count};
    /* One statement, committed on its own: not again after a lost
     * connection, since it may have been counted. */
    return run_op(base, OP_ONCE, false, counts_body, &args);
}

struct rows_args {
    const char *sql;
    const char *types;
    const char *a, *b; /* text parameters, as types says */
    int64_t x, y;      /* integer parameters */
    const unsigned char *hash;
    void (*read)(const PGresult *result, int row, void *reading);
    void *reading;
    bool pledge_must_exist; /* a: the pledge whose rows these are */
};

/* Binds the parameters of rows_args in the order types gives: 's' takes a
 * then b, 'd' takes x then y, 'b' takes hash (32 bytes). */
static PGresult *rows_query(struct pg_connection *c, const struct rows_args *args)
{
    const char *texts[2] = {args->a, args->b};
    int64_t numbers[2] = {args->x, args->y};
    int text = 0, number = 0;
    const char *values[4];
    char digits[4][24];
    int lengths[4] = {0}, formats[4] = {0};
    int count = 0;
    for (const char *t = args->types; *t && count < 4; t++, count++) {
        if (*t == 's') {
            values[count] = texts[text++];
        } else if (*t == 'd') {
            snprintf(digits[count], sizeof(digits[count]), "%lld", (long long)numbers[number++]);
            values[count] = digits[count];
        } else {
            values[count] = (const char *)args->hash;
            lengths[count] = 32;
            formats[count] = 1;
        }
    }
    PGresult *result = PQexecParams(c->pg, args->sql, count, NULL, values, lengths, formats, 0);
    ExecStatusType status = PQresultStatus(result);
    if (status == PGRES_TUPLES_OK)
        return result;
    note_failure(c, result);
    return NULL;
}

/* Reads every row first, then hands each to read: a failure never comes
 * after some rows were visited, so the read can be tried again whole. */
static enum pt_status rows_body(struct pg_connection *c, void *p)
{
    struct rows_args *args = p;
    if (args->pledge_must_exist) {
        PGresult *exists = query(c, "SELECT 1 FROM pledges WHERE id = $1", "s", args->a);
        if (exists == NULL)
            return PT_ERR_IO;
        int found = PQntuples(exists);
        PQclear(exists);
        if (found == 0)
            return PT_ERR_NOT_FOUND;
    }
    PGresult *result = rows_query(c, args);
    if (result == NULL)
        return PT_ERR_IO;
    for (int row = 0; row < PQntuples(result); row++)
        args->read(result, row, args->reading);
    PQclear(result);
    return PT_OK;
}

static enum pt_status visit_rows(struct pt_store *base, struct rows_args *args)
{
    return run_op(base, OP_AGAIN, false, rows_body, args);
}

struct count_reading {
    pt_store_count_visitor visit;
    void *context;
};

static void read_count(const PGresult *result, int row, void *reading)
{
    struct count_reading *counts = reading;
    struct pt_event_count count;
    memset(&count, 0, sizeof(count));
    count.day = (int32_t)int_at(result, row, 0);
    snprintf(count.campaign, sizeof(count.campaign), "%s", text_at(result, row, 1));
    snprintf(count.variant, sizeof(count.variant), "%s", text_at(result, row, 2));
    if (!pt_event_kind_parse(text_at(result, row, 3), &count.kind))
        return;
    count.count = int_at(result, row, 4);
    counts->visit(counts->context, &count);
}

static enum pt_status pg_counts_each(struct pt_store *base, pt_store_count_visitor visit,
                                     void *context)
{
    struct count_reading reading = {visit, context};
    struct rows_args args = {
        .sql = "SELECT day - DATE '1970-01-01', campaign, variant, kind, count FROM event_counts "
               "ORDER BY day, campaign, variant, kind",
        .types = "",
        .read = read_count,
        .reading = &reading,
    };
    return visit_rows(base, &args);
}

static enum pt_status pg_counts_range(struct pt_store *base, int32_t from_day, int32_t to_day,
                                      pt_store_count_visitor visit, void *context)
{
    char first[11], last[11];
    pt_events_format_day(from_day, first);
    pt_events_format_day(to_day, last);
    struct count_reading reading = {visit, context};
    struct rows_args args = {
        .sql = "SELECT day - DATE '1970-01-01', campaign, variant, kind, count FROM event_counts "
               "WHERE day BETWEEN $1::date AND $2::date ORDER BY day, campaign, variant, kind",
        .types = "ss",
        .a = first,
        .b = last,
        .read = read_count,
        .reading = &reading,
    };
    return visit_rows(base, &args);
}

/* ---------------------------------------------------------------- pledges */

static enum pt_status pledge_add_body(struct pg_connection *c, void *p)
{
    const struct pt_pledge *pledge = p;
    if (begin(c) != PT_OK ||
        command(c,
                "INSERT INTO pledges (id, status, frequency, amount_minor, currency, campaign, "
                "variant, language, created_at, origin_sealed) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                "sssdssssdb", pledge->id, pledge->status, pt_frequency_name(pledge->frequency),
                pledge->amount_minor, pledge->currency, pledge->campaign, pledge->variant,
                pledge->language, pledge->created_at, pledge->origin_sealed,
                pledge->origin_sealed_length) != 1 ||
        command(c,
                "INSERT INTO pledge_history (pledge_id, at, status, amount_minor, note) "
                "VALUES ($1, $2, $3, $4, 'created on the support page')",
                "sdsd", pledge->id, pledge->created_at, pledge->status, pledge->amount_minor) != 1)
        return PT_ERR_IO;
    return commit(c);
}

static enum pt_status pg_pledge_add(struct pt_store *base, const struct pt_pledge *pledge)
{
    return run_op(base, OP_ONCE, false, pledge_add_body, (void *)pledge);
}

static const char pledge_columns[] =
    "id, status, frequency, amount_minor, currency, campaign, variant, language, created_at, "
    "processor, checkout_id, customer_id, subscription_id, email_sealed, "
    "(SELECT count(*) FROM pledge_history h WHERE h.pledge_id = pledges.id), observed_at, "
    "origin_sealed";

static void read_pledge(const PGresult *result, struct pt_pledge_record *pledge,
                        int64_t *observed_at)
{
    memset(pledge, 0, sizeof(*pledge));
    snprintf(pledge->id, sizeof(pledge->id), "%s", text_at(result, 0, 0));
    snprintf(pledge->status, sizeof(pledge->status), "%s", text_at(result, 0, 1));
    pt_frequency_parse(text_at(result, 0, 2), &pledge->frequency);
    pledge->amount_minor = int_at(result, 0, 3);
    snprintf(pledge->currency, sizeof(pledge->currency), "%s", text_at(result, 0, 4));
    snprintf(pledge->campaign, sizeof(pledge->campaign), "%s", text_at(result, 0, 5));
    snprintf(pledge->variant, sizeof(pledge->variant), "%s", text_at(result, 0, 6));
    snprintf(pledge->language, sizeof(pledge->language), "%s", text_at(result, 0, 7));
    pledge->created_at = int_at(result, 0, 8);
    snprintf(pledge->processor, sizeof(pledge->processor), "%s", text_at(result, 0, 9));
    snprintf(pledge->checkout_id, sizeof(pledge->checkout_id), "%s", text_at(result, 0, 10));
    snprintf(pledge->customer_id, sizeof(pledge->customer_id), "%s", text_at(result, 0, 11));
    snprintf(pledge->subscription_id, sizeof(pledge->subscription_id), "%s",
             text_at(result, 0, 12));
    size_t length = 0;
    unsigned char *sealed = bytes_at(result, 0, 13, &length);
    if (sealed != NULL && length > 0 && length <= sizeof(pledge->email_sealed)) {
        memcpy(pledge->email_sealed, sealed, length);
        pledge->email_sealed_length = length;
    }
    PQfreemem(sealed);
    pledge->history_count = int_at(result, 0, 14);
    if (observed_at != NULL)
        *observed_at = int_at(result, 0, 15);
    sealed = bytes_at(result, 0, 16, &length);
    if (sealed != NULL && length > 0 && length <= sizeof(pledge->origin_sealed)) {
        memcpy(pledge->origin_sealed, sealed, length);
        pledge->origin_sealed_length = length;
    }
    PQfreemem(sealed);
}

/* One pledge by where (with $1 and maybe $2); tail is "" or " FOR UPDATE". */
static enum pt_status select_pledge(struct pg_connection *c, const char *where, const char *tail,
                                    const char *first, const char *second,
                                    struct pt_pledge_record *pledge, int64_t *observed_at)
{
    char sql[640];
    snprintf(sql, sizeof(sql), "SELECT %s FROM pledges WHERE %s%s", pledge_columns, where, tail);
    PGresult *result =
        second != NULL ? query(c, sql, "ss", first, second) : query(c, sql, "s", first);
    if (result == NULL)
        return PT_ERR_IO;
    enum pt_status status = PT_ERR_NOT_FOUND;
    if (PQntuples(result) > 0) {
        read_pledge(result, pledge, observed_at);
        status = PT_OK;
    }
    PQclear(result);
    return status;
}

struct pledge_args {
    const char *id;
    const char *subscription_id;
    const char *checkout_id;
    const char *processor;
    struct pt_pledge_record *pledge;
};

static enum pt_status pledge_get_body(struct pg_connection *c, void *p)
{
    struct pledge_args *args = p;
    return select_pledge(c, "id = $1", "", args->id, NULL, args->pledge, NULL);
}

static enum pt_status pg_pledge_get(struct pt_store *base, const char *id,
                                    struct pt_pledge_record *pledge)
{
    struct pledge_args args = {.id = id, .pledge = pledge};
    return run_op(base, OP_AGAIN, false, pledge_get_body, &args);
}

static enum pt_status pledge_find_body(struct pg_connection *c, void *p)
{
    struct pledge_args *args = p;
    return select_pledge(c,
                         "(subscription_id = $1 AND $1 != '') OR (checkout_id = $2 AND $2 != '') "
                         "ORDER BY created_at LIMIT 1",
                         "", args->subscription_id ? args->subscription_id : "",
                         args->checkout_id ? args->checkout_id : "", args->pledge, NULL);
}

static enum pt_status pg_pledge_find(struct pt_store *base, const char *subscription_id,
                                     const char *checkout_id, struct pt_pledge_record *pledge)
{
    struct pledge_args args = {
        .subscription_id = subscription_id, .checkout_id = checkout_id, .pledge = pledge};
    return run_op(base, OP_AGAIN, false, pledge_find_body, &args);
}

static enum pt_status set_checkout_body(struct pg_connection *c, void *p)
{
    struct pledge_args *args = p;
    int64_t changed = command(c,
                              "UPDATE pledges SET processor = $1, checkout_id = $2 "
                              "WHERE id = $3",
                              "sss", args->processor, args->checkout_id, args->id);
    return changed < 0 ? PT_ERR_IO : changed == 0 ? PT_ERR_NOT_FOUND : PT_OK;
}

static enum pt_status pg_pledge_set_checkout(struct pt_store *base, const char *id,
                                             const char *processor, const char *checkout_id)
{
    struct pledge_args args = {.id = id, .processor = processor, .checkout_id = checkout_id};
    return run_op(base, OP_AGAIN, false, set_checkout_body, &args);
}

struct by_email_args {
    const unsigned char *email_hash;
    char (*ids)[33];
    size_t capacity;
    size_t *count;
};

static enum pt_status by_email_body(struct pg_connection *c, void *p)
{
    struct by_email_args *args = p;
    *args->count = 0;
    PGresult *result = query(c,
                             "SELECT id FROM pledges WHERE email_hash = $1 "
                             "ORDER BY created_at DESC",
                             "b", args->email_hash, (size_t)32);
    if (result == NULL)
        return PT_ERR_IO;
    for (int row = 0; row < PQntuples(result) && *args->count < args->capacity; row++)
        snprintf(args->ids[(*args->count)++], 33, "%s", text_at(result, row, 0));
    PQclear(result);
    return PT_OK;
}

static enum pt_status pg_pledges_by_email(struct pt_store *base, const unsigned char *email_hash,
                                          char (*ids)[33], size_t capacity, size_t *count)
{
    struct by_email_args args = {email_hash, ids, capacity, count};
    return run_op(base, OP_AGAIN, false, by_email_body, &args);
}

/* ----------------------------------------------------------------- ledger */

static int64_t queue_email(struct pg_connection *c, const char *pledge_id, const char *kind,
                           const char *data, int64_t now)
{
    return command(c,
                   "INSERT INTO outbox (pledge_id, kind, data, created_at) "
                   "VALUES ($1, $2, $3, $4)",
                   "sssd", pledge_id, kind, data, now);
}

/* The thank-you, unless one was ever queued for the pledge; with
 * needs_payment, only if the pledge has a payment. The pledge's row is
 * locked (FOR UPDATE) by the caller, so two nodes cannot both queue it. */
static int64_t queue_thanks_once(struct pg_connection *c, const char *pledge_id, bool needs_payment,
                                 int64_t now)
{
    return command(c,
                   "INSERT INTO outbox (pledge_id, kind, data, created_at) "
                   "SELECT $1::text, 'thanks', '{}', $2::bigint WHERE NOT EXISTS "
                   "(SELECT 1 FROM outbox WHERE pledge_id = $1::text AND kind = 'thanks') "
                   "AND ($3::integer = 0 OR EXISTS (SELECT 1 FROM payments "
                   "WHERE pledge_id = $1::text))",
                   "sdd", pledge_id, now, (int64_t)needs_payment);
}

struct ledger_args {
    const struct pt_ledger_change *change;
    struct pt_ledger_result *result;
};

/* As sqlite.c's, in one transaction: the event id first (a second delivery,
 * on this node or another, finds it and changes nothing; one arriving at
 * the same moment waits for the first to commit, then finds it), then the
 * pledge's row locked for the rest of the transaction. */

/* A history row of a pledge as it stands, in the transaction. */
static int64_t history_line(struct pg_connection *c, const struct pt_ledger_change *change,
                            const char *status_now, int64_t amount_now, const char *note)
{
    return command(c,
                   "INSERT INTO pledge_history (pledge_id, at, status, amount_minor, note) "
                   "VALUES ($1, $2, $3, $4, $5)",
                   "sdsds", change->pledge_id, change->now, status_now, amount_now,
                   note ? note : "");
}

/* As sqlite.c's: the dispute's state, then each part of a payment that came
 * back, once by its id and never more in all than the payment. */
static enum pt_status ledger_apply_returns(struct pg_connection *c,
                                           const struct pt_ledger_change *change,
                                           const char *status_now, int64_t amount_now,
                                           struct pt_ledger_result *result)
{
    const struct pt_ledger_dispute *dispute = change->dispute;
    if (dispute != NULL) {
        int64_t changed = command(
            c,
            "INSERT INTO payment_disputes (id, payment_id, pledge_id, amount_minor, currency, "
            "status, reason, open, opened_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, "
            "$8::int <> 0, $9, $9) ON CONFLICT (id) DO UPDATE SET status = excluded.status, "
            "open = excluded.open, amount_minor = excluded.amount_minor, "
            "reason = excluded.reason, updated_at = excluded.updated_at "
            "WHERE payment_disputes.open AND payment_disputes.status <> excluded.status",
            "sssdsssdd", dispute->id, dispute->payment_id, change->pledge_id,
            dispute->amount_minor, dispute->currency, dispute->status,
            dispute->reason ? dispute->reason : "", (int64_t)dispute->open, change->now);
        if (changed < 0)
            return PT_ERR_IO;
        result->dispute_changed = changed > 0;
        if (changed > 0 && history_line(c, change, status_now, amount_now, dispute->note) < 0)
            return PT_ERR_IO;
    }
    for (size_t i = 0; i < change->reversal_count; i++) {
        const struct pt_ledger_reversal *part = &change->reversals[i];
        int64_t inserted = command(
            c,
            "INSERT INTO payment_reversals (id, payment_id, pledge_id, kind, amount_minor, "
            "currency, reversed_at) SELECT $1::text, y.id, $2::text, $3::text, $4::bigint, "
            "$5::text, $6::bigint FROM payments y WHERE y.id = $7 AND y.pledge_id = $2 "
            "AND $4::bigint + (SELECT COALESCE(SUM(r.amount_minor), 0) FROM payment_reversals r "
            "WHERE r.payment_id = y.id) <= y.amount_minor ON CONFLICT (id) DO NOTHING",
            "sssdsds", part->id, change->pledge_id, part->kind, part->amount_minor,
            part->currency, change->now, part->payment_id);
        if (inserted < 0)
            return PT_ERR_IO;
        if (inserted == 0) {
            PGresult *known = query(c, "SELECT 1 FROM payment_reversals WHERE id = $1", "s",
                                    part->id);
            if (known == NULL)
                return PT_ERR_IO;
            if (PQntuples(known) == 0)
                pt_log(PT_LOG_WARNING,
                       "a %s of payment %s was not recorded: with what came back before, it "
                       "would be more than the payment (or the payment is not this pledge's)",
                       part->kind, part->payment_id);
            PQclear(known);
            continue;
        }
        result->reversals_recorded++;
        if (history_line(c, change, status_now, amount_now, part->note) < 0)
            return PT_ERR_IO;
    }
    return PT_OK;
}

static enum pt_status ledger_body(struct pg_connection *c, void *p)
{
    struct ledger_args *args = p;
    const struct pt_ledger_change *change = args->change;
    struct pt_ledger_result *result = args->result;
    memset(result, 0, sizeof(*result));
    if (begin(c) != PT_OK)
        return PT_ERR_IO;
    if (change->event_id != NULL) {
        int64_t inserted = command(c,
                                   "INSERT INTO processor_events (id, type, received_at) "
                                   "VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING",
                                   "ssd", change->event_id,
                                   change->event_type ? change->event_type : "", change->now);
        if (inserted < 0)
            return PT_ERR_IO;
        if (inserted == 0) {
            result->duplicate = true;
            return PT_OK; /* rolled back by run_op: nothing was written */
        }
    }
    struct pt_pledge_record before;
    int64_t observed_before = 0;
    enum pt_status status = select_pledge(c, "id = $1", " FOR UPDATE", change->pledge_id, NULL,
                                          &before, &observed_before);
    if (status)
        return status;
    const char *note = change->note ? change->note : "";
    if (change->customer_id != NULL &&
        command(c, "UPDATE pledges SET customer_id = $1 WHERE id = $2 AND erased_at IS NULL", "ss",
                change->customer_id, change->pledge_id) < 0)
        return PT_ERR_IO;
    if (change->subscription_id != NULL &&
        command(c, "UPDATE pledges SET subscription_id = $1 WHERE id = $2", "ss",
                change->subscription_id, change->pledge_id) < 0)
        return PT_ERR_IO;
    if (change->email_sealed != NULL && change->email_hash != NULL &&
        command(c,
                "UPDATE pledges SET email_sealed = $1, email_hash = $2 "
                "WHERE id = $3 AND erased_at IS NULL",
                "bbs", change->email_sealed, change->email_sealed_length, change->email_hash,
                (size_t)32, change->pledge_id) < 0)
        return PT_ERR_IO;
    const char *status_now = before.status;
    int64_t amount_now = before.amount_minor;
    /* A reading older than the one applied last is old news: its payment or
     * failure still counts, its state does not. */
    bool current = change->observed_at == 0 || change->observed_at >= observed_before;
    if (current && change->observed_at > 0 &&
        command(c, "UPDATE pledges SET observed_at = $1 WHERE id = $2", "ds", change->observed_at,
                change->pledge_id) < 0)
        return PT_ERR_IO;
    if (current && change->status != NULL && strcmp(change->status, before.status) != 0) {
        status_now = change->status;
        result->status_changed = true;
    }
    if (current && change->amount_minor > 0 && change->amount_minor != before.amount_minor) {
        amount_now = change->amount_minor;
        result->amount_changed = true;
    }
    if ((result->status_changed || result->amount_changed) &&
        command(c,
                "UPDATE pledges SET status = $1, amount_minor = $2, updated_at = $3 WHERE id = $4",
                "sdds", status_now, amount_now, change->now, change->pledge_id) < 0)
        return PT_ERR_IO;
    char data[400];
    if (change->payment_id != NULL) {
        const char *currency =
            change->payment_currency ? change->payment_currency : before.currency;
        int64_t inserted = command(c,
                                   "INSERT INTO payments (id, pledge_id, amount_minor, currency, "
                                   "paid_at) VALUES ($1, $2, $3, $4, $5) "
                                   "ON CONFLICT (id) DO NOTHING",
                                   "ssdsd", change->payment_id, change->pledge_id,
                                   change->payment_amount, currency, change->now);
        if (inserted < 0)
            return PT_ERR_IO;
        result->payment_recorded = inserted == 1;
        snprintf(data, sizeof(data), "{\"amount\":%lld,\"currency\":\"%.3s\"}",
                 (long long)change->payment_amount, currency);
        if (result->payment_recorded &&
            queue_email(c, change->pledge_id, "receipt", data, change->now) < 0)
            return PT_ERR_IO;
    }
    if (change->failure_invoice != NULL) {
        int64_t inserted =
            command(c,
                    "INSERT INTO payment_failures (invoice_id, attempt, "
                    "pledge_id, failed_at) VALUES ($1, $2, $3, $4) "
                    "ON CONFLICT DO NOTHING",
                    "sdsd", change->failure_invoice, (int64_t)change->failure_attempt,
                    change->pledge_id, change->now);
        if (inserted < 0)
            return PT_ERR_IO;
        result->failure_recorded = inserted == 1;
        snprintf(data, sizeof(data), "{\"attempt\":%d}", change->failure_attempt);
        if (result->failure_recorded &&
            queue_email(c, change->pledge_id, "failed", data, change->now) < 0)
            return PT_ERR_IO;
    }
    if (change->reversal_payment != NULL) {
        int64_t inserted = command(
            c,
            "INSERT INTO payment_reversals (payment_id, pledge_id, amount_minor, currency, "
            "reversed_at, id) VALUES ($1, $2, $3, $4, $5, $1) ON CONFLICT (id) DO NOTHING",
            "ssdsd", change->reversal_payment, change->pledge_id, change->reversal_amount,
            change->reversal_currency ? change->reversal_currency : before.currency, change->now);
        if (inserted < 0)
            return PT_ERR_IO;
        result->reversal_recorded = inserted == 1;
    }
    if (ledger_apply_returns(c, change, status_now, amount_now, result) != PT_OK)
        return PT_ERR_IO;
    if ((result->status_changed || result->amount_changed || result->failure_recorded ||
         result->reversal_recorded || change->history_note) &&
        command(c,
                "INSERT INTO pledge_history (pledge_id, at, status, amount_minor, note) "
                "VALUES ($1, $2, $3, $4, $5)",
                "sdsds", change->pledge_id, change->now, status_now, amount_now, note) < 0)
        return PT_ERR_IO;
    if (result->status_changed) {
        /* See sqlite.c: one thank-you for a pledge that was set up, and one
         * email when it ends. */
        bool left_pending = strcmp(before.status, "pending") == 0;
        bool ended = strcmp(status_now, "cancelled") == 0;
        if ((left_pending && queue_thanks_once(c, change->pledge_id, ended, change->now) < 0) ||
            (ended && queue_email(c, change->pledge_id, "cancelled", "{}", change->now) < 0))
            return PT_ERR_IO;
    }
    return commit(c);
}

static enum pt_status pg_ledger_apply(struct pt_store *base, const struct pt_ledger_change *change,
                                      struct pt_ledger_result *result)
{
    struct ledger_args args = {change, result};
    enum pt_status status = run_op(base, OP_ONCE, true, ledger_body, &args);
    if (status != PT_OK)
        memset(result, 0, sizeof(*result));
    return status;
}

/* ----------------------------------------------------------------- outbox */

struct outbox_args {
    struct pt_outbox_item *items;
    size_t capacity;
    size_t *count;
    int64_t id;
    bool sent;
    int64_t now;
    const char *pledge_id, *kind, *data;
};

/* Claims the oldest unsent emails for this process: rows another process
 * is claiming at this moment are skipped (SKIP LOCKED), rows it claimed are
 * left alone until their lease runs out. */
static enum pt_status outbox_pending_body(struct pg_connection *c, void *p)
{
    struct outbox_args *args = p;
    *args->count = 0;
    PGresult *result = query(c,
                             "WITH claimed AS (UPDATE outbox SET lease_until = "
                             "extract(epoch FROM now())::bigint + $2 WHERE id IN "
                             "(SELECT id FROM outbox WHERE sent_at IS NULL AND attempts < 20 AND "
                             "(lease_until IS NULL OR lease_until < extract(epoch FROM now())) "
                             "ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED) "
                             "RETURNING id, pledge_id, kind, data, attempts, created_at) "
                             "SELECT * FROM claimed ORDER BY id",
                             "dd", (int64_t)args->capacity, (int64_t)PT_STORE_OUTBOX_LEASE);
    if (result == NULL)
        return PT_ERR_IO;
    for (int row = 0; row < PQntuples(result) && *args->count < args->capacity; row++) {
        struct pt_outbox_item *item = &args->items[(*args->count)++];
        memset(item, 0, sizeof(*item));
        item->id = int_at(result, row, 0);
        snprintf(item->pledge_id, sizeof(item->pledge_id), "%s", text_at(result, row, 1));
        snprintf(item->kind, sizeof(item->kind), "%s", text_at(result, row, 2));
        snprintf(item->data, sizeof(item->data), "%s", text_at(result, row, 3));
        item->attempts = (int)int_at(result, row, 4);
        item->created_at = int_at(result, row, 5);
    }
    PQclear(result);
    return PT_OK;
}

static enum pt_status pg_outbox_pending(struct pt_store *base, struct pt_outbox_item *items,
                                        size_t capacity, size_t *count)
{
    struct outbox_args args = {.items = items, .capacity = capacity, .count = count};
    /* Tried again after a lost connection: what the lost try claimed waits
     * for its lease. */
    return run_op(base, OP_AGAIN, false, outbox_pending_body, &args);
}

static enum pt_status outbox_release_body(struct pg_connection *c, void *p)
{
    struct outbox_args *args = p;
    return command(c, "UPDATE outbox SET lease_until = NULL WHERE id = $1 AND sent_at IS NULL", "d",
                   args->id) < 0
               ? PT_ERR_IO
               : PT_OK;
}

static enum pt_status pg_outbox_release(struct pt_store *base, int64_t id)
{
    struct outbox_args args = {.id = id};
    return run_op(base, OP_AGAIN, false, outbox_release_body, &args);
}

static enum pt_status outbox_add_body(struct pg_connection *c, void *p)
{
    struct outbox_args *args = p;
    return queue_email(c, args->pledge_id, args->kind, args->data, args->now) == 1 ? PT_OK
                                                                                   : PT_ERR_IO;
}

static enum pt_status pg_outbox_add(struct pt_store *base, const char *pledge_id, const char *kind,
                                    const char *data, int64_t now)
{
    struct outbox_args args = {.pledge_id = pledge_id, .kind = kind, .data = data, .now = now};
    return run_op(base, OP_ONCE, false, outbox_add_body, &args);
}

static enum pt_status outbox_done_body(struct pg_connection *c, void *p)
{
    struct outbox_args *args = p;
    int64_t changed = args->sent ? command(c, "UPDATE outbox SET sent_at = $1 WHERE id = $2", "dd",
                                           args->now, args->id)
                                 : command(c,
                                           "UPDATE outbox SET attempts = attempts + 1, "
                                           "lease_until = NULL WHERE id = $1",
                                           "d", args->id);
    return changed < 0 ? PT_ERR_IO : PT_OK;
}

static enum pt_status pg_outbox_done(struct pt_store *base, int64_t id, bool sent, int64_t now)
{
    struct outbox_args args = {.id = id, .sent = sent, .now = now};
    return run_op(base, sent ? OP_AGAIN : OP_ONCE, false, outbox_done_body, &args);
}

/* ------------------------------------------------------------ magic links */

struct link_args {
    const unsigned char *hash;
    const char *pledge_id;
    int64_t when;
    int64_t id;
    char *out; /* 33 bytes */
    int64_t *count;
    struct pt_lost_request *requests;
    size_t capacity;
    size_t *found;
    const char *kind;
};

static enum pt_status magic_add_body(struct pg_connection *c, void *p)
{
    struct link_args *args = p;
    return command(c,
                   "INSERT INTO magic_links (token_hash, pledge_id, expires_at) "
                   "VALUES ($1, $2, $3)",
                   "bsd", args->hash, (size_t)32, args->pledge_id, args->when) == 1
               ? PT_OK
               : PT_ERR_IO;
}

static enum pt_status pg_magic_link_add(struct pt_store *base, const unsigned char *token_hash,
                                        const char *pledge_id, int64_t expires_at)
{
    struct link_args args = {.hash = token_hash, .pledge_id = pledge_id, .when = expires_at};
    return run_op(base, OP_ONCE, false, magic_add_body, &args);
}

static enum pt_status magic_use_body(struct pg_connection *c, void *p)
{
    struct link_args *args = p;
    /* Marking it used and reading it are one statement: two clicks at once,
     * on two nodes, cannot both succeed. */
    PGresult *result = query(c,
                             "UPDATE magic_links SET used_at = $1 WHERE token_hash = $2 AND "
                             "used_at IS NULL AND expires_at > $1 RETURNING pledge_id",
                             "db", args->when, args->hash, (size_t)32);
    if (result == NULL)
        return PT_ERR_IO;
    enum pt_status status = PT_ERR_NOT_FOUND;
    if (PQntuples(result) > 0) {
        snprintf(args->out, 33, "%s", text_at(result, 0, 0));
        status = PT_OK;
    }
    PQclear(result);
    return status;
}

static enum pt_status pg_magic_link_use(struct pt_store *base, const unsigned char *token_hash,
                                        int64_t now, char pledge_id[33])
{
    struct link_args args = {.hash = token_hash, .when = now, .out = pledge_id};
    return run_op(base, OP_ONCE, false, magic_use_body, &args);
}

static enum pt_status lost_add_body(struct pg_connection *c, void *p)
{
    struct link_args *args = p;
    return command(c,
                   "INSERT INTO lost_link_requests (email_hash, created_at, kind) "
                   "VALUES ($1, $2, $3)",
                   "bds", args->hash, (size_t)32, args->when, args->kind) == 1
               ? PT_OK
               : PT_ERR_IO;
}

static enum pt_status pg_lost_request_add(struct pt_store *base, const unsigned char *email_hash,
                                          const char *kind, int64_t now)
{
    struct link_args args = {.hash = email_hash, .when = now, .kind = kind};
    return run_op(base, OP_ONCE, false, lost_add_body, &args);
}

static enum pt_status lost_pending_body(struct pg_connection *c, void *p)
{
    struct link_args *args = p;
    *args->found = 0;
    PGresult *result = query(c,
                             "SELECT id, email_hash, created_at, kind FROM lost_link_requests "
                             "ORDER BY id LIMIT $1",
                             "d", (int64_t)args->capacity);
    if (result == NULL)
        return PT_ERR_IO;
    for (int row = 0; row < PQntuples(result) && *args->found < args->capacity; row++) {
        size_t length = 0;
        unsigned char *hash = bytes_at(result, row, 1, &length);
        if (hash != NULL && length == 32) { /* else not a hash: never written by patron */
            struct pt_lost_request *request = &args->requests[(*args->found)++];
            request->id = int_at(result, row, 0);
            memcpy(request->email_hash, hash, 32);
            request->created_at = int_at(result, row, 2);
            snprintf(request->kind, sizeof(request->kind), "%s", text_at(result, row, 3));
        }
        PQfreemem(hash);
    }
    PQclear(result);
    return PT_OK;
}

static enum pt_status pg_lost_requests_pending(struct pt_store *base,
                                               struct pt_lost_request *requests, size_t capacity,
                                               size_t *count)
{
    struct link_args args = {.requests = requests, .capacity = capacity, .found = count};
    return run_op(base, OP_AGAIN, false, lost_pending_body, &args);
}

static enum pt_status lost_answer_body(struct pg_connection *c, void *p)
{
    struct link_args *args = p;
    if (begin(c) != PT_OK)
        return PT_ERR_IO;
    int64_t deleted = command(c, "DELETE FROM lost_link_requests WHERE id = $1", "d", args->id);
    if (deleted < 0)
        return PT_ERR_IO;
    if (deleted == 1 && args->pledge_id != NULL &&
        queue_email(c, args->pledge_id, args->kind, "{}", args->when) != 1)
        return PT_ERR_IO;
    return commit(c);
}

static enum pt_status pg_lost_request_answer(struct pt_store *base, int64_t id,
                                             const char *pledge_id, const char *kind, int64_t now)
{
    struct link_args args = {.id = id, .pledge_id = pledge_id, .when = now, .kind = kind};
    return run_op(base, OP_ONCE, false, lost_answer_body, &args);
}

static enum pt_status magic_since_body(struct pg_connection *c, void *p)
{
    struct link_args *args = p;
    PGresult *result = query(c,
                             "SELECT count(*) FROM outbox WHERE kind IN ('magic', 'supporter') AND "
                             "created_at >= $1 AND pledge_id IN "
                             "(SELECT id FROM pledges WHERE email_hash = $2)",
                             "db", args->when, args->hash, (size_t)32);
    if (result == NULL)
        return PT_ERR_IO;
    *args->count = int_at(result, 0, 0);
    PQclear(result);
    return PT_OK;
}

static enum pt_status pg_magic_emails_since(struct pt_store *base, const unsigned char *email_hash,
                                            int64_t since, int64_t *count)
{
    *count = 0;
    struct link_args args = {.hash = email_hash, .when = since, .count = count};
    return run_op(base, OP_AGAIN, false, magic_since_body, &args);
}

/* -------------------------------------------------------------- reminders */

static int64_t count_reminder(struct pg_connection *c, const char *month, const char *kind,
                              int64_t by)
{
    return command(c,
                   "INSERT INTO reminder_counts (month, kind, count) VALUES ($1, $2, $3) "
                   "ON CONFLICT (month, kind) DO UPDATE SET "
                   "count = reminder_counts.count + excluded.count",
                   "ssd", month, kind, by);
}

struct reminder_args {
    const struct pt_reminder *reminder;
    char *token;
    size_t token_size;
    bool *created;
    const char *text; /* a cancel token, or a month */
    const unsigned char *hash;
    const char *count_month, *kind;
};

/* As sqlite.c's (issue 16): a sign-up already there for the month does the
 * same work as a new one, and keeps its first cancel token and time. Two
 * nodes signing up the same address at once: one waits for the other's
 * row, and meets the unique key; run_op tries it again, and it updates. */
static enum pt_status upsert_body(struct pg_connection *c, void *p)
{
    struct reminder_args *args = p;
    const struct pt_reminder *reminder = args->reminder;
    if (begin(c) != PT_OK)
        return PT_ERR_IO;
    PGresult *result =
        query(c,
              "DELETE FROM reminders WHERE email_hash = $1 AND month = $2 "
              "RETURNING cancel_token, created_at",
              "bs", reminder->email_hash, sizeof(reminder->email_hash), reminder->month);
    if (result == NULL)
        return PT_ERR_IO;
    int64_t created_at = reminder->created_at;
    *args->created = PQntuples(result) == 0;
    if (*args->created) {
        snprintf(args->token, args->token_size, "%s", reminder->cancel_token);
    } else {
        snprintf(args->token, args->token_size, "%s", text_at(result, 0, 0));
        created_at = int_at(result, 0, 1);
    }
    PQclear(result);
    if (command(c,
                "INSERT INTO reminders (email_hash, email_sealed, month, language, campaign, "
                "variant, cancel_token, created_at, origin_sealed) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                "bbsssssdb", reminder->email_hash, sizeof(reminder->email_hash),
                reminder->email_sealed, reminder->email_sealed_length, reminder->month,
                reminder->language, reminder->campaign, reminder->variant, args->token,
                created_at, reminder->origin_sealed, reminder->origin_sealed_length) != 1 ||
        count_reminder(c, reminder->month, "signed_up", *args->created ? 1 : 0) < 0)
        return PT_ERR_IO;
    return commit(c);
}

static enum pt_status pg_reminder_upsert(struct pt_store *base, const struct pt_reminder *reminder,
                                         char *token, size_t token_size, bool *created)
{
    struct reminder_args args = {
        .reminder = reminder, .token = token, .token_size = token_size, .created = created};
    return run_op(base, OP_ONCE, true, upsert_body, &args);
}

static enum pt_status cancel_body(struct pg_connection *c, void *p)
{
    struct reminder_args *args = p;
    if (begin(c) != PT_OK)
        return PT_ERR_IO;
    PGresult *result =
        query(c, "DELETE FROM reminders WHERE cancel_token = $1 RETURNING month", "s", args->text);
    if (result == NULL)
        return PT_ERR_IO;
    char month[8] = "";
    bool found = PQntuples(result) > 0;
    if (found)
        snprintf(month, sizeof(month), "%s", text_at(result, 0, 0));
    PQclear(result);
    if (!found)
        return PT_ERR_NOT_FOUND;
    if (count_reminder(c, month, "cancelled", 1) < 0)
        return PT_ERR_IO;
    return commit(c);
}

static enum pt_status pg_reminder_cancel(struct pt_store *base, const char *token)
{
    struct reminder_args args = {.text = token};
    return run_op(base, OP_ONCE, false, cancel_body, &args);
}

static enum pt_status reminder_done_body(struct pg_connection *c, void *p)
{
    struct reminder_args *args = p;
    if (begin(c) != PT_OK ||
        command(c, "DELETE FROM reminders WHERE email_hash = $1 AND month <= $2", "bs", args->hash,
                (size_t)32, args->text) < 0 ||
        count_reminder(c, args->count_month, args->kind, 1) < 0)
        return PT_ERR_IO;
    return commit(c);
}

static enum pt_status pg_reminder_done(struct pt_store *base, const unsigned char *email_hash,
                                       const char *up_to_month, const char *count_month,
                                       const char *kind)
{
    struct reminder_args args = {
        .hash = email_hash, .text = up_to_month, .count_month = count_month, .kind = kind};
    return run_op(base, OP_ONCE, false, reminder_done_body, &args);
}

struct reminder_reading {
    pt_store_reminder_visitor visit;
    void *context;
};

static void read_reminder(const PGresult *result, int row, void *reading)
{
    struct reminder_reading *reminders = reading;
    struct pt_reminder reminder;
    memset(&reminder, 0, sizeof(reminder));
    reminder.id = int_at(result, row, 0);
    size_t length = 0;
    unsigned char *hash = bytes_at(result, row, 1, &length);
    size_t sealed_length = 0;
    unsigned char *sealed = bytes_at(result, row, 2, &sealed_length);
    if (hash != NULL && length == sizeof(reminder.email_hash)) {
        memcpy(reminder.email_hash, hash, length);
        reminder.email_sealed = sealed;
        reminder.email_sealed_length = sealed_length;
        snprintf(reminder.month, sizeof(reminder.month), "%s", text_at(result, row, 3));
        snprintf(reminder.language, sizeof(reminder.language), "%s", text_at(result, row, 4));
        snprintf(reminder.campaign, sizeof(reminder.campaign), "%s", text_at(result, row, 5));
        snprintf(reminder.variant, sizeof(reminder.variant), "%s", text_at(result, row, 6));
        snprintf(reminder.cancel_token, sizeof(reminder.cancel_token), "%s",
                 text_at(result, row, 7));
        reminder.created_at = int_at(result, row, 8);
        reminder.origin_sealed = bytes_at(result, row, 9, &reminder.origin_sealed_length);
        reminders->visit(reminders->context, &reminder);
        PQfreemem((void *)reminder.origin_sealed);
    }
    PQfreemem(hash);
    PQfreemem(sealed);
}

/* Claims what is due for this process (see store.h): a send started on
 * another node at the same moment waits for these rows, then finds them
 * claimed. */
static enum pt_status pg_reminders_due(struct pt_store *base, const char *month,
                                       pt_store_reminder_visitor visit, void *context)
{
    struct reminder_reading reading = {visit, context};
    struct rows_args args = {
        .sql = "WITH claimed AS (UPDATE reminders SET lease_until = "
               "extract(epoch FROM now())::bigint + $2 WHERE month <= $1 AND "
               "(lease_until IS NULL OR lease_until < extract(epoch FROM now())) "
               "RETURNING id, email_hash, email_sealed, month, language, campaign, variant, "
               "cancel_token, created_at, origin_sealed) "
               "SELECT * FROM claimed ORDER BY email_hash, month",
        .types = "sd",
        .a = month,
        .x = PT_STORE_REMINDER_LEASE,
        .read = read_reminder,
        .reading = &reading,
    };
    return visit_rows(base, &args);
}

static enum pt_status pg_reminders_of(struct pt_store *base, const unsigned char *email_hash,
                                      pt_store_reminder_visitor visit, void *context)
{
    struct reminder_reading reading = {visit, context};
    struct rows_args args = {
        .sql = "SELECT id, email_hash, email_sealed, month, language, campaign, variant, "
               "cancel_token, created_at, origin_sealed FROM reminders WHERE email_hash = $1 "
               "ORDER BY month",
        .types = "b",
        .hash = email_hash,
        .read = read_reminder,
        .reading = &reading,
    };
    return visit_rows(base, &args);
}

struct reminder_count_reading {
    pt_store_reminder_count_visitor visit;
    void *context;
};

static void read_reminder_count(const PGresult *result, int row, void *reading)
{
    struct reminder_count_reading *counts = reading;
    counts->visit(counts->context, text_at(result, row, 0), text_at(result, row, 1),
                  int_at(result, row, 2));
}

static enum pt_status pg_reminder_counts_each(struct pt_store *base,
                                              pt_store_reminder_count_visitor visit, void *context)
{
    struct reminder_count_reading reading = {visit, context};
    struct rows_args args = {
        .sql = "SELECT month, kind, count FROM reminder_counts ORDER BY month, kind",
        .types = "",
        .read = read_reminder_count,
        .reading = &reading,
    };
    return visit_rows(base, &args);
}

/* ---------------------------------------------------------------- reports */

struct report_pledge_reading {
    pt_store_report_pledge_visitor visit;
    void *context;
};

static void read_report_pledge(const PGresult *result, int row, void *reading)
{
    struct report_pledge_reading *pledges = reading;
    struct pt_report_pledge pledge;
    memset(&pledge, 0, sizeof(pledge));
    snprintf(pledge.id, sizeof(pledge.id), "%s", text_at(result, row, 0));
    snprintf(pledge.campaign, sizeof(pledge.campaign), "%s", text_at(result, row, 1));
    snprintf(pledge.variant, sizeof(pledge.variant), "%s", text_at(result, row, 2));
    snprintf(pledge.status, sizeof(pledge.status), "%s", text_at(result, row, 3));
    pt_frequency_parse(text_at(result, row, 4), &pledge.frequency);
    pledge.amount_minor = int_at(result, row, 5);
    snprintf(pledge.currency, sizeof(pledge.currency), "%s", text_at(result, row, 6));
    pledge.created_at = int_at(result, row, 7);
    pledge.became_active = bool_at(result, row, 8);
    pledge.first_month_revenue = int_at(result, row, 9);
    pledges->visit(pledges->context, &pledge);
}

static enum pt_status pg_report_pledges(struct pt_store *base, int64_t start, int64_t end,
                                        pt_store_report_pledge_visitor visit, void *context)
{
    struct report_pledge_reading reading = {visit, context};
    struct rows_args args = {
        .sql = "SELECT p.id, p.campaign, p.variant, p.status, p.frequency, p.amount_minor, "
               "p.currency, p.created_at, EXISTS (SELECT 1 FROM pledge_history h WHERE "
               "h.pledge_id = p.id AND h.status IN ('active', 'past_due', 'paused', "
               "'completed')) OR EXISTS (SELECT 1 FROM payments y WHERE y.pledge_id = p.id), "
               "(SELECT coalesce(sum(y.amount_minor), 0) FROM payments y WHERE "
               "y.pledge_id = p.id AND y.paid_at < p.created_at + 31 * 86400) - "
               /* less what came back of those payments, whenever it did */
               "(SELECT coalesce(sum(r.amount_minor), 0) FROM payment_reversals r JOIN "
               "payments y ON y.id = r.payment_id WHERE r.pledge_id = p.id AND "
               "y.paid_at < p.created_at + 31 * 86400) "
               "FROM pledges p WHERE p.created_at >= $1 AND p.created_at < $2 "
               "ORDER BY p.created_at, p.id",
        .types = "dd",
        .x = start,
        .y = end,
        .read = read_report_pledge,
        .reading = &reading,
    };
    return visit_rows(base, &args);
}

struct report_history_reading {
    pt_store_report_history_visitor visit;
    void *context;
};

static void read_report_history(const PGresult *result, int row, void *reading)
{
    struct report_history_reading *history = reading;
    struct pt_report_history line = {
        .pledge_id = text_at(result, row, 0),
        .campaign = text_at(result, row, 1),
        .currency = text_at(result, row, 2),
        .at = int_at(result, row, 4),
        .status = text_at(result, row, 5),
        .amount_minor = int_at(result, row, 6),
    };
    pt_frequency_parse(text_at(result, row, 3), &line.frequency);
    history->visit(history->context, &line);
}

static enum pt_status pg_report_history(struct pt_store *base, int64_t to,
                                        pt_store_report_history_visitor visit, void *context)
{
    struct report_history_reading reading = {visit, context};
    struct rows_args args = {
        .sql = "SELECT h.pledge_id, p.campaign, p.currency, p.frequency, h.at, h.status, "
               "h.amount_minor FROM pledge_history h JOIN pledges p ON p.id = h.pledge_id "
               "WHERE h.at < $1 ORDER BY h.pledge_id, h.at, h.seq",
        .types = "d",
        .x = to,
        .read = read_report_history,
        .reading = &reading,
    };
    return visit_rows(base, &args);
}

struct report_payment_reading {
    pt_store_report_payment_visitor visit;
    void *context;
};

static void read_report_payment(const PGresult *result, int row, void *reading)
{
    struct report_payment_reading *payments = reading;
    struct pt_report_payment payment = {
        .campaign = text_at(result, row, 0),
        .amount_minor = int_at(result, row, 1),
        .currency = text_at(result, row, 2),
        .paid_at = int_at(result, row, 3),
        .processor = text_at(result, row, 5),
    };
    payments->visit(payments->context, &payment);
}

static enum pt_status pg_report_payments(struct pt_store *base, int64_t start, int64_t end,
                                         pt_store_report_payment_visitor visit, void *context)
{
    struct report_payment_reading reading = {visit, context};
    struct rows_args args = {
        /* Money that came back counts against the day it came back. */
        .sql = "SELECT p.campaign, y.amount_minor, y.currency, y.paid_at AS at, y.id, "
               "p.processor FROM payments y JOIN pledges p ON p.id = y.pledge_id "
               "WHERE y.paid_at >= $1 AND y.paid_at < $2 "
               "UNION ALL SELECT p.campaign, -r.amount_minor, r.currency, r.reversed_at, "
               "r.payment_id, p.processor FROM payment_reversals r JOIN pledges p ON "
               "p.id = r.pledge_id WHERE r.reversed_at >= $1 AND r.reversed_at < $2 "
               "ORDER BY 4, 5",
        .types = "dd",
        .x = start,
        .y = end,
        .read = read_report_payment,
        .reading = &reading,
    };
    return visit_rows(base, &args);
}

struct history_reading {
    pt_store_history_visitor visit;
    void *context;
};

static void read_history(const PGresult *result, int row, void *reading)
{
    struct history_reading *history = reading;
    history->visit(history->context, int_at(result, row, 0), text_at(result, row, 1),
                   int_at(result, row, 2), text_at(result, row, 3));
}

static enum pt_status pg_pledge_history_each(struct pt_store *base, const char *pledge_id,
                                             pt_store_history_visitor visit, void *context)
{
    struct history_reading reading = {visit, context};
    struct rows_args args = {
        .sql = "SELECT at, status, amount_minor, note FROM pledge_history WHERE pledge_id = $1 "
               "ORDER BY at, seq",
        .types = "s",
        .a = pledge_id,
        .read = read_history,
        .reading = &reading,
        .pledge_must_exist = true,
    };
    return visit_rows(base, &args);
}

struct payment_reading {
    pt_store_payment_visitor visit;
    void *context;
};

static void read_payment(const PGresult *result, int row, void *reading)
{
    struct payment_reading *payments = reading;
    payments->visit(payments->context, text_at(result, row, 0), int_at(result, row, 1),
                    text_at(result, row, 2), int_at(result, row, 3));
}

static enum pt_status pg_pledge_payments_each(struct pt_store *base, const char *pledge_id,
                                              pt_store_payment_visitor visit, void *context)
{
    struct payment_reading reading = {visit, context};
    struct rows_args args = {
        .sql = "SELECT id, amount_minor, currency, paid_at FROM payments WHERE pledge_id = $1 "
               "UNION ALL SELECT payment_id, -amount_minor, currency, reversed_at FROM "
               "payment_reversals WHERE pledge_id = $1 ORDER BY 4, 1",
        .types = "s",
        .a = pledge_id,
        .read = read_payment,
        .reading = &reading,
        .pledge_must_exist = true,
    };
    return visit_rows(base, &args);
}

/* Refunds and disputes (issue 14). */
static void read_one_payment(const PGresult *result, int row, void *reading)
{
    struct pt_store_payment *payment = reading;
    snprintf(payment->id, sizeof(payment->id), "%s", text_at(result, row, 0));
    snprintf(payment->pledge_id, sizeof(payment->pledge_id), "%s", text_at(result, row, 1));
    payment->amount_minor = int_at(result, row, 2);
    snprintf(payment->currency, sizeof(payment->currency), "%s", text_at(result, row, 3));
    payment->paid_at = int_at(result, row, 4);
    payment->reversed_minor = int_at(result, row, 5);
}

static enum pt_status pg_payment_get(struct pt_store *base, const char *id,
                                     struct pt_store_payment *payment)
{
    memset(payment, 0, sizeof(*payment));
    struct rows_args args = {
        .sql = "SELECT y.id, y.pledge_id, y.amount_minor, y.currency, y.paid_at, "
               "(SELECT COALESCE(SUM(r.amount_minor), 0) FROM payment_reversals r "
               "WHERE r.payment_id = y.id) FROM payments y WHERE y.id = $1",
        .types = "s",
        .a = id,
        .read = read_one_payment,
        .reading = payment,
    };
    enum pt_status status = visit_rows(base, &args);
    if (status == PT_OK && payment->id[0] == '\0')
        status = PT_ERR_NOT_FOUND;
    return status;
}

struct dispute_reading {
    pt_store_dispute_visitor visit;
    void *context;
};

static void read_dispute(const PGresult *result, int row, void *reading)
{
    struct dispute_reading *disputes = reading;
    struct pt_store_dispute dispute = {
        .id = text_at(result, row, 0),
        .payment_id = text_at(result, row, 1),
        .pledge_id = text_at(result, row, 2),
        .processor = text_at(result, row, 3),
        .amount_minor = int_at(result, row, 4),
        .currency = text_at(result, row, 5),
        .status = text_at(result, row, 6),
        .reason = text_at(result, row, 7),
        .open = bool_at(result, row, 8),
        .opened_at = int_at(result, row, 9),
        .updated_at = int_at(result, row, 10),
    };
    disputes->visit(disputes->context, &dispute);
}

static enum pt_status pg_disputes_each(struct pt_store *base, bool open_only, size_t limit,
                                       pt_store_dispute_visitor visit, void *context)
{
    struct dispute_reading reading = {visit, context};
    struct rows_args args = {
        .sql = "SELECT d.id, d.payment_id, d.pledge_id, p.processor, d.amount_minor, "
               "d.currency, d.status, d.reason, d.open, d.opened_at, d.updated_at "
               "FROM payment_disputes d JOIN pledges p ON p.id = d.pledge_id "
               "WHERE d.open OR $1::bigint = 0 ORDER BY d.opened_at DESC, d.id LIMIT $2",
        .types = "dd",
        .x = open_only,
        .y = (int64_t)limit,
        .read = read_dispute,
        .reading = &reading,
    };
    return visit_rows(base, &args);
}

/* ------------------------------------------------------------------ donors */

struct erase_args {
    const unsigned char *hash;
    int64_t now;
    size_t *pledges;
};

/* As sqlite.c's: the history row first, the address hash last, because
 * every statement finds the donor's pledges by it. PostgreSQL's old row
 * versions go when autovacuum reclaims them (docs/SCALING.md). */
static enum pt_status erase_body(struct pg_connection *c, void *p)
{
    struct erase_args *args = p;
    const size_t hash_size = 32;
    *args->pledges = 0;
    if (begin(c) != PT_OK ||
        command(c,
                "INSERT INTO pledge_history (pledge_id, at, status, amount_minor, note) "
                "SELECT id, $1, status, amount_minor, 'address erased on the donor''s request' "
                "FROM pledges WHERE email_hash = $2 ORDER BY id",
                "db", args->now, args->hash, hash_size) < 0 ||
        command(c,
                "DELETE FROM magic_links WHERE used_at IS NULL AND pledge_id IN "
                "(SELECT id FROM pledges WHERE email_hash = $1)",
                "b", args->hash, hash_size) < 0 ||
        command(c,
                "DELETE FROM outbox WHERE sent_at IS NULL AND pledge_id IN "
                "(SELECT id FROM pledges WHERE email_hash = $1)",
                "b", args->hash, hash_size) < 0 ||
        command(c, "DELETE FROM lost_link_requests WHERE email_hash = $1", "b", args->hash,
                hash_size) < 0 ||
        /* What the donor typed into their bank's transfer (it may name them):
         * the amount and date stay in the books, the words go. */
        command(c,
                "UPDATE bank_entries SET text = '' WHERE pledge_id IN "
                "(SELECT id FROM pledges WHERE email_hash = $1)",
                "b", args->hash, hash_size) < 0)
        return PT_ERR_IO;
    int64_t changed =
        command(c,
                "UPDATE pledges SET email_sealed = NULL, email_hash = NULL, origin_sealed = NULL, "
                "customer_id = '', updated_at = $1, erased_at = $1 "
                "WHERE email_hash = $2",
                "db", args->now, args->hash, hash_size);
    if (changed < 0 ||
        command(c,
                "INSERT INTO reminder_counts (month, kind, count) "
                "SELECT month, 'cancelled', count(*) FROM reminders WHERE email_hash = $1 "
                "GROUP BY month ON CONFLICT (month, kind) DO UPDATE SET "
                "count = reminder_counts.count + excluded.count",
                "b", args->hash, hash_size) < 0)
        return PT_ERR_IO;
    int64_t reminders =
        command(c, "DELETE FROM reminders WHERE email_hash = $1", "b", args->hash, hash_size);
    if (reminders < 0)
        return PT_ERR_IO;
    if (changed == 0 && reminders == 0)
        return PT_ERR_NOT_FOUND;
    enum pt_status status = commit(c);
    if (status == PT_OK)
        *args->pledges = (size_t)changed;
    return status;
}

static enum pt_status pg_donor_erase(struct pt_store *base, const unsigned char email_hash[32],
                                     int64_t now, size_t *pledges)
{
    struct erase_args args = {email_hash, now, pledges};
    return run_op(base, OP_ONCE, false, erase_body, &args);
}

/* ------------------------------------------------ erasure by default, codes */

struct pledge_erase_args {
    const char *pledge_id;
    int64_t now;
    const char *note;
    bool one_off;
    int64_t cancelled_before;
    char (*ids)[33];
    size_t capacity;
    size_t *count;
    const unsigned char *hash;
    bool replace;
    char *found;
};

/* As sqlite.c's erase_pledge: the pledge's row is locked first, so two
 * nodes erasing it at once do it once. */
static enum pt_status pledge_erase_body(struct pg_connection *c, void *p)
{
    struct pledge_erase_args *args = p;
    if (begin(c) != PT_OK)
        return PT_ERR_IO;
    PGresult *result = query(c,
                             "SELECT email_hash FROM pledges WHERE id = $1 AND erased_at IS NULL "
                             "AND (email_sealed IS NOT NULL OR email_hash IS NOT NULL OR "
                             "customer_id <> '') FOR UPDATE",
                             "s", args->pledge_id);
    if (result == NULL)
        return PT_ERR_IO;
    if (PQntuples(result) == 0) {
        PQclear(result);
        return PT_ERR_NOT_FOUND;
    }
    size_t length = 0;
    unsigned char *hash = bytes_at(result, 0, 0, &length);
    unsigned char copy[32];
    bool hashed = hash != NULL && length == 32;
    if (hashed)
        memcpy(copy, hash, 32);
    if (hash != NULL)
        PQfreemem(hash);
    PQclear(result);
    const size_t hash_size = 32;
    if (command(c,
                "INSERT INTO pledge_history (pledge_id, at, status, amount_minor, note) "
                "SELECT id, $1, status, amount_minor, $2 FROM pledges WHERE id = $3",
                "dss", args->now, args->note, args->pledge_id) != 1 ||
        command(c, "DELETE FROM magic_links WHERE used_at IS NULL AND pledge_id = $1", "s",
                args->pledge_id) < 0 ||
        command(c, "DELETE FROM outbox WHERE sent_at IS NULL AND pledge_id = $1", "s",
                args->pledge_id) < 0 ||
        command(c, "UPDATE bank_entries SET text = '' WHERE pledge_id = $1", "s",
                args->pledge_id) < 0 ||
        command(c,
                "UPDATE pledges SET email_sealed = NULL, email_hash = NULL, origin_sealed = NULL, "
                "customer_id = '', "
                "updated_at = $1, erased_at = $1 WHERE id = $2",
                "ds", args->now, args->pledge_id) != 1)
        return PT_ERR_IO;
    if (hashed &&
        (command(c,
                 "INSERT INTO reminder_counts (month, kind, count) "
                 "SELECT month, 'cancelled', count(*) FROM reminders WHERE email_hash = $1 "
                 "AND NOT EXISTS (SELECT 1 FROM pledges WHERE email_hash = $1) GROUP BY month "
                 "ON CONFLICT (month, kind) DO UPDATE SET "
                 "count = reminder_counts.count + excluded.count",
                 "b", copy, hash_size) < 0 ||
         command(c,
                 "DELETE FROM reminders WHERE email_hash = $1 AND NOT EXISTS "
                 "(SELECT 1 FROM pledges WHERE email_hash = $1)",
                 "b", copy, hash_size) < 0 ||
         command(c,
                 "DELETE FROM lost_link_requests WHERE email_hash = $1 AND NOT EXISTS "
                 "(SELECT 1 FROM pledges WHERE email_hash = $1)",
                 "b", copy, hash_size) < 0))
        return PT_ERR_IO;
    return commit(c);
}

static enum pt_status pg_pledge_erase(struct pt_store *base, const char *pledge_id, int64_t now,
                                      const char *note)
{
    struct pledge_erase_args args = {.pledge_id = pledge_id, .now = now, .note = note};
    return run_op(base, OP_ONCE, false, pledge_erase_body, &args);
}

static enum pt_status to_erase_body(struct pg_connection *c, void *p)
{
    struct pledge_erase_args *args = p;
    *args->count = 0;
    PGresult *result = query(
        c,
        "SELECT p.id FROM pledges p WHERE p.erased_at IS NULL AND "
        "(p.email_sealed IS NOT NULL OR p.email_hash IS NOT NULL OR p.customer_id <> '') AND "
        "NOT EXISTS (SELECT 1 FROM outbox o WHERE o.pledge_id = p.id AND o.sent_at IS NULL "
        "AND o.attempts < 20) AND "
        "(($1::bigint = 1 AND p.frequency = 'one_off' AND p.status = 'completed' AND EXISTS "
        "(SELECT 1 FROM outbox r WHERE r.pledge_id = p.id AND r.kind = 'receipt' AND "
        "r.sent_at IS NOT NULL)) OR "
        "($2::bigint >= 0 AND p.status = 'cancelled' AND (SELECT max(h.at) FROM pledge_history "
        "h WHERE h.pledge_id = p.id AND h.status = 'cancelled') <= $2::bigint)) "
        "ORDER BY p.id LIMIT $3",
        "ddd", (int64_t)args->one_off, args->cancelled_before, (int64_t)args->capacity);
    if (result == NULL)
        return PT_ERR_IO;
    for (int row = 0; row < PQntuples(result) && *args->count < args->capacity; row++)
        snprintf(args->ids[(*args->count)++], 33, "%s", text_at(result, row, 0));
    PQclear(result);
    return PT_OK;
}

static enum pt_status pg_pledges_to_erase(struct pt_store *base, bool one_off,
                                          int64_t cancelled_before, char (*ids)[33],
                                          size_t capacity, size_t *count)
{
    struct pledge_erase_args args = {.one_off = one_off,
                                     .cancelled_before = cancelled_before,
                                     .ids = ids,
                                     .capacity = capacity,
                                     .count = count};
    return run_op(base, OP_AGAIN, false, to_erase_body, &args);
}

static enum pt_status code_set_body(struct pg_connection *c, void *p)
{
    struct pledge_erase_args *args = p;
    int64_t changed =
        args->replace
            ? command(c,
                      "INSERT INTO manage_codes (pledge_id, code_hash, created_at) "
                      "SELECT id, $1, $2 FROM pledges WHERE id = $3 ON CONFLICT (pledge_id) DO "
                      "UPDATE SET code_hash = excluded.code_hash, created_at = excluded.created_at",
                      "bds", args->hash, (size_t)32, args->now, args->pledge_id)
            : command(c,
                      "INSERT INTO manage_codes (pledge_id, code_hash, created_at) "
                      "SELECT id, $1, $2 FROM pledges WHERE id = $3 ON CONFLICT (pledge_id) "
                      "DO NOTHING",
                      "bds", args->hash, (size_t)32, args->now, args->pledge_id);
    if (changed < 0)
        return PT_ERR_IO;
    if (changed == 0)
        return args->replace ? PT_ERR_NOT_FOUND : PT_ERR_CONFLICT;
    return PT_OK;
}

static enum pt_status pg_manage_code_set(struct pt_store *base, const char *pledge_id,
                                         const unsigned char code_hash[32], bool replace,
                                         int64_t now)
{
    struct pledge_erase_args args = {
        .pledge_id = pledge_id, .hash = code_hash, .replace = replace, .now = now};
    return run_op(base, OP_ONCE, true, code_set_body, &args);
}

static enum pt_status code_find_body(struct pg_connection *c, void *p)
{
    struct pledge_erase_args *args = p;
    PGresult *result =
        args->hash != NULL
            ? query(c, "SELECT pledge_id FROM manage_codes WHERE code_hash = $1", "b", args->hash,
                    (size_t)32)
            : query(c, "SELECT pledge_id FROM manage_codes WHERE pledge_id = $1", "s",
                    args->pledge_id);
    if (result == NULL)
        return PT_ERR_IO;
    enum pt_status status = PT_ERR_NOT_FOUND;
    if (PQntuples(result) > 0) {
        snprintf(args->found, 33, "%s", text_at(result, 0, 0));
        status = PT_OK;
    }
    PQclear(result);
    return status;
}

static enum pt_status pg_manage_code_find(struct pt_store *base, const unsigned char *code_hash,
                                          const char *pledge_id, char found[33])
{
    struct pledge_erase_args args = {.hash = code_hash, .pledge_id = pledge_id, .found = found};
    return run_op(base, OP_AGAIN, false, code_find_body, &args);
}

/* -------------------------------------------------------------------- keys */

struct key_args {
    unsigned char *value;
    const unsigned char *given;
    unsigned char **sealed;
    size_t *length;
};

static enum pt_status key_get_body(struct pg_connection *c, void *p)
{
    struct key_args *args = p;
    PGresult *result = query(c, "SELECT value FROM key_check WHERE id = 1", "");
    if (result == NULL)
        return PT_ERR_IO;
    enum pt_status status = PT_ERR_NOT_FOUND;
    if (PQntuples(result) > 0) {
        size_t length = 0;
        unsigned char *value = bytes_at(result, 0, 0, &length);
        status = PT_ERR_IO;
        if (value != NULL && length == 32) {
            memcpy(args->value, value, 32);
            status = PT_OK;
        }
        PQfreemem(value);
    }
    PQclear(result);
    return status;
}

static enum pt_status pg_key_check_get(struct pt_store *base, unsigned char value[32])
{
    struct key_args args = {.value = value};
    return run_op(base, OP_AGAIN, false, key_get_body, &args);
}

static enum pt_status key_set_body(struct pg_connection *c, void *p)
{
    struct key_args *args = p;
    return command(c,
                   "INSERT INTO key_check (id, value) VALUES (1, $1) "
                   "ON CONFLICT (id) DO NOTHING",
                   "b", args->given, (size_t)32) < 0
               ? PT_ERR_IO
               : PT_OK;
}

static enum pt_status pg_key_check_set(struct pt_store *base, const unsigned char value[32])
{
    struct key_args args = {.given = value};
    return run_op(base, OP_AGAIN, false, key_set_body, &args);
}

static enum pt_status sample_body(struct pg_connection *c, void *p)
{
    struct key_args *args = p;
    PGresult *result = query(c,
                             "(SELECT email_sealed FROM pledges WHERE email_sealed IS NOT NULL "
                             "LIMIT 1) UNION ALL (SELECT email_sealed FROM reminders LIMIT 1) "
                             "LIMIT 1",
                             "");
    if (result == NULL)
        return PT_ERR_IO;
    enum pt_status status = PT_ERR_NOT_FOUND;
    if (PQntuples(result) > 0) {
        size_t length = 0;
        unsigned char *sealed = bytes_at(result, 0, 0, &length);
        if (sealed != NULL && length > 0) {
            *args->sealed = pt_xmalloc(length);
            memcpy(*args->sealed, sealed, length);
            *args->length = length;
            status = PT_OK;
        }
        PQfreemem(sealed);
    }
    PQclear(result);
    return status;
}

static enum pt_status pg_sealed_sample(struct pt_store *base, unsigned char **sealed,
                                       size_t *length)
{
    *sealed = NULL;
    *length = 0;
    struct key_args args = {.sealed = sealed, .length = length};
    return run_op(base, OP_AGAIN, false, sample_body, &args);
}

/* ------------------------------------------------------------ bank entries */

struct bank_args {
    const struct pt_bank_entry *entry;
    struct pt_bank_entry *out;
    bool *added;
    const char *key, *state, *pledge_id, *by, *processor;
    int64_t now, monthly_before, annual_before;
    size_t limit;
    pt_store_bank_entry_visitor visit;
    void *context;
    char (*ids)[33];
    size_t *count;
};

#define BANK_ENTRY_COLUMNS                                                                         \
    "entry_key, booked, amount_minor, currency, text, state, pledge_id, imported_at, "            \
    "resolved_at, resolved_by"

static void read_bank_entry(const PGresult *result, int row, struct pt_bank_entry *entry)
{
    memset(entry, 0, sizeof(*entry));
    snprintf(entry->key, sizeof(entry->key), "%s", text_at(result, row, 0));
    snprintf(entry->booked, sizeof(entry->booked), "%s", text_at(result, row, 1));
    entry->amount_minor = int_at(result, row, 2);
    snprintf(entry->currency, sizeof(entry->currency), "%s", text_at(result, row, 3));
    snprintf(entry->text, sizeof(entry->text), "%s", text_at(result, row, 4));
    snprintf(entry->state, sizeof(entry->state), "%s", text_at(result, row, 5));
    snprintf(entry->pledge_id, sizeof(entry->pledge_id), "%s", text_at(result, row, 6));
    entry->imported_at = int_at(result, row, 7);
    entry->resolved_at = int_at(result, row, 8);
    snprintf(entry->resolved_by, sizeof(entry->resolved_by), "%s", text_at(result, row, 9));
}

static enum pt_status bank_add_body(struct pg_connection *c, void *p)
{
    struct bank_args *args = p;
    const struct pt_bank_entry *entry = args->entry;
    int64_t changed = command(c,
                              "INSERT INTO bank_entries (entry_key, booked, amount_minor, "
                              "currency, text, state, pledge_id, imported_at) VALUES ($1, $2, "
                              "$3, $4, $5, $6, $7, $8) ON CONFLICT (entry_key) DO NOTHING",
                              "ssdssssd", entry->key, entry->booked, entry->amount_minor,
                              entry->currency, entry->text, entry->state, entry->pledge_id,
                              entry->imported_at);
    *args->added = changed == 1;
    return changed < 0 ? PT_ERR_IO : PT_OK;
}

static enum pt_status pg_bank_entry_add(struct pt_store *base, const struct pt_bank_entry *entry,
                                        bool *added)
{
    struct bank_args args = {.entry = entry, .added = added};
    /* Keyed: a second try after a lost connection adds nothing twice. */
    return run_op(base, OP_AGAIN, false, bank_add_body, &args);
}

static enum pt_status bank_get_body(struct pg_connection *c, void *p)
{
    struct bank_args *args = p;
    PGresult *result = query(c, "SELECT " BANK_ENTRY_COLUMNS " FROM bank_entries WHERE "
                                "entry_key = $1",
                             "s", args->key);
    if (result == NULL)
        return PT_ERR_IO;
    enum pt_status status = PT_ERR_NOT_FOUND;
    if (PQntuples(result) > 0) {
        read_bank_entry(result, 0, args->out);
        status = PT_OK;
    }
    PQclear(result);
    return status;
}

static enum pt_status pg_bank_entry_get(struct pt_store *base, const char *key,
                                        struct pt_bank_entry *entry)
{
    struct bank_args args = {.key = key, .out = entry};
    return run_op(base, OP_AGAIN, false, bank_get_body, &args);
}

static enum pt_status bank_each_body(struct pg_connection *c, void *p)
{
    struct bank_args *args = p;
    PGresult *result = query(c,
                             "SELECT " BANK_ENTRY_COLUMNS " FROM bank_entries WHERE $1 = '' OR "
                             "state = $1 ORDER BY booked, imported_at, entry_key LIMIT $2",
                             "sd", args->state != NULL ? args->state : "",
                             (int64_t)args->limit);
    if (result == NULL)
        return PT_ERR_IO;
    for (int row = 0; row < PQntuples(result); row++) {
        struct pt_bank_entry entry;
        read_bank_entry(result, row, &entry);
        args->visit(args->context, &entry);
    }
    PQclear(result);
    return PT_OK;
}

static enum pt_status pg_bank_entries_each(struct pt_store *base, const char *state, size_t limit,
                                           pt_store_bank_entry_visitor visit, void *context)
{
    struct bank_args args = {.state = state, .limit = limit, .visit = visit, .context = context};
    return run_op(base, OP_AGAIN, false, bank_each_body, &args);
}

static enum pt_status bank_resolve_body(struct pg_connection *c, void *p)
{
    struct bank_args *args = p;
    int64_t changed = command(c,
                              "UPDATE bank_entries SET state = $1, pledge_id = $2, "
                              "resolved_by = $3, resolved_at = $4 WHERE entry_key = $5 AND "
                              "state = 'unmatched'",
                              "sssds", args->state, args->pledge_id ? args->pledge_id : "",
                              args->by ? args->by : "", args->now, args->key);
    if (changed < 0)
        return PT_ERR_IO;
    return changed == 1 ? PT_OK : PT_ERR_CONFLICT;
}

static enum pt_status pg_bank_entry_resolve(struct pt_store *base, const char *key,
                                            const char *state, const char *pledge_id,
                                            const char *by, int64_t now)
{
    struct bank_args args = {.key = key, .state = state, .pledge_id = pledge_id, .by = by,
                             .now = now};
    return run_op(base, OP_ONCE, false, bank_resolve_body, &args);
}

static enum pt_status overdue_body(struct pg_connection *c, void *p)
{
    struct bank_args *args = p;
    *args->count = 0;
    PGresult *result = query(c,
                             "SELECT id FROM (SELECT p.id, p.frequency, coalesce((SELECT "
                             "max(paid_at) FROM payments WHERE pledge_id = p.id), p.created_at) "
                             "AS last FROM pledges p WHERE p.processor = $1 AND "
                             "p.status = 'active') AS due WHERE (frequency = 'monthly' AND "
                             "last < $2) OR (frequency = 'annual' AND last < $3) "
                             "ORDER BY last, id",
                             "sdd", args->processor, args->monthly_before, args->annual_before);
    if (result == NULL)
        return PT_ERR_IO;
    for (int row = 0; row < PQntuples(result) && *args->count < args->limit; row++)
        snprintf(args->ids[(*args->count)++], 33, "%s", text_at(result, row, 0));
    PQclear(result);
    return PT_OK;
}

/* The goal ticker's figures (store.h): supporters are pledges whose first
 * payment fell in the window and whose payments did not all come back;
 * money is the reports' rule, each movement on its own day. */
static void read_goal_figure(const PGresult *result, int row, void *reading)
{
    struct pt_store_goal_figure *figure = reading;
    figure->supporters = int_at(result, row, 0);
    figure->amount_minor = int_at(result, row, 1);
}

static enum pt_status pg_goal_figure(struct pt_store *base, const char *campaign,
                                     const char *currency, int64_t from, int64_t to,
                                     struct pt_store_goal_figure *figure)
{
    struct rows_args args = {
        .sql = "SELECT (SELECT count(*) FROM (SELECT y.pledge_id AS id, min(y.paid_at) AS "
               "first_paid, sum(y.amount_minor) AS paid FROM payments y JOIN pledges p ON p.id = "
               "y.pledge_id WHERE p.campaign = $1 GROUP BY y.pledge_id) f WHERE f.first_paid >= "
               "$3 AND f.first_paid < $4 AND f.paid > (SELECT coalesce(sum(r.amount_minor), 0) "
               "FROM payment_reversals r WHERE r.pledge_id = f.id)), "
               "(SELECT coalesce(sum(y.amount_minor), 0) FROM payments y JOIN pledges p ON p.id "
               "= y.pledge_id WHERE p.campaign = $1 AND y.currency = $2 AND y.paid_at >= $3 AND "
               "y.paid_at < $4) - (SELECT coalesce(sum(r.amount_minor), 0) FROM "
               "payment_reversals r JOIN pledges p ON p.id = r.pledge_id WHERE p.campaign = $1 "
               "AND r.currency = $2 AND r.reversed_at >= $3 AND r.reversed_at < $4)",
        .types = "ssdd",
        .a = campaign,
        .b = currency,
        .x = from,
        .y = to,
        .read = read_goal_figure,
        .reading = figure,
    };
    return visit_rows(base, &args);
}

static enum pt_status pg_pledges_overdue(struct pt_store *base, const char *processor,
                                         int64_t monthly_before, int64_t annual_before,
                                         char (*ids)[33], size_t capacity, size_t *count)
{
    struct bank_args args = {.processor = processor, .monthly_before = monthly_before,
                             .annual_before = annual_before, .ids = ids, .limit = capacity,
                             .count = count};
    return run_op(base, OP_AGAIN, false, overdue_body, &args);
}

/* ---------------------------------------------------------- staff sign-in */

static int64_t audit_line(struct pg_connection *c, int64_t now, int64_t actor_id,
                          const char *action, const char *detail)
{
    return command(c,
                   "INSERT INTO audit_log (at, user_id, action, detail) "
                   "VALUES ($1, NULLIF($2::bigint, 0), $3, $4)",
                   "ddss", now, actor_id, action, detail ? detail : "");
}

struct user_args {
    const char *email, *role, *password_hash, *action, *detail;
    int64_t now, actor_id, id, before_id;
    int64_t *out_id;
    int limit;
    struct pt_store_user *user;
    const struct pt_store_user_change *change;
    pt_store_user_visitor visit;
    pt_store_audit_visitor audit;
    void *context;
};

static enum pt_status user_add_body(struct pg_connection *c, void *p)
{
    struct user_args *args = p;
    if (begin(c) != PT_OK)
        return PT_ERR_IO;
    /* A taken address is the caller's mistake, not the database's: found
     * first, so it is not logged as a failure. */
    PGresult *taken = query(c, "SELECT 1 FROM users WHERE email = $1", "s", args->email);
    if (taken == NULL)
        return PT_ERR_IO;
    int rows = PQntuples(taken);
    PQclear(taken);
    if (rows > 0)
        return PT_ERR_CONFLICT;
    PGresult *added = query(c,
                            "INSERT INTO users (email, role, password_hash, disabled, "
                            "created_at, updated_at) VALUES ($1, $2, $3, 0, $4, $4) RETURNING id",
                            "sssd", args->email, args->role, args->password_hash, args->now);
    if (added == NULL)
        return PT_ERR_IO;
    int64_t id = int_at(added, 0, 0);
    PQclear(added);
    char detail[PT_STORE_EMAIL_MAX + 32];
    snprintf(detail, sizeof(detail), "%s %s", args->email, args->role);
    if (audit_line(c, args->now, args->actor_id, "user_added", detail) != 1)
        return PT_ERR_IO;
    enum pt_status status = commit(c);
    if (status == PT_OK && args->out_id != NULL)
        *args->out_id = id;
    return status;
}

static enum pt_status pg_user_add(struct pt_store *base, const char *email, const char *role,
                                  const char *password_hash, int64_t now, int64_t actor_id,
                                  int64_t *id)
{
    struct user_args args = {.email = email, .role = role, .password_hash = password_hash,
                             .now = now, .actor_id = actor_id, .out_id = id};
    return run_op(base, OP_ONCE, false, user_add_body, &args);
}

static void read_user_row(const PGresult *result, int row, struct pt_store_user *user)
{
    memset(user, 0, sizeof(*user));
    user->id = int_at(result, row, 0);
    snprintf(user->email, sizeof(user->email), "%s", text_at(result, row, 1));
    snprintf(user->role, sizeof(user->role), "%s", text_at(result, row, 2));
    user->disabled = int_at(result, row, 3) != 0;
    user->created_at = int_at(result, row, 4);
    const char *hash = text_at(result, row, 5);
    if (strlen(hash) < sizeof(user->password_hash))
        memcpy(user->password_hash, hash, strlen(hash) + 1);
}

static enum pt_status users_body(struct pg_connection *c, void *p)
{
    struct user_args *args = p;
    PGresult *result = query(c,
                             "SELECT id, email, role, disabled, created_at, '' FROM users "
                             "ORDER BY email",
                             "");
    if (result == NULL)
        return PT_ERR_IO;
    for (int row = 0; row < PQntuples(result); row++) {
        struct pt_store_user user;
        read_user_row(result, row, &user);
        args->visit(args->context, &user);
    }
    PQclear(result);
    return PT_OK;
}

static enum pt_status pg_users_each(struct pt_store *base, pt_store_user_visitor visit,
                                    void *context)
{
    struct user_args args = {.visit = visit, .context = context};
    return run_op(base, OP_AGAIN, false, users_body, &args);
}

static enum pt_status user_get_body(struct pg_connection *c, void *p)
{
    struct user_args *args = p;
    PGresult *result = query(c,
                             "SELECT id, email, role, disabled, created_at, password_hash "
                             "FROM users WHERE email = $1",
                             "s", args->email);
    if (result == NULL)
        return PT_ERR_IO;
    enum pt_status status = PT_ERR_NOT_FOUND;
    if (PQntuples(result) > 0) {
        read_user_row(result, 0, args->user);
        status = PT_OK;
    }
    PQclear(result);
    return status;
}

static enum pt_status pg_user_get(struct pt_store *base, const char *email,
                                  struct pt_store_user *user)
{
    struct user_args args = {.email = email, .user = user};
    return run_op(base, OP_AGAIN, false, user_get_body, &args);
}

static enum pt_status user_change_body(struct pg_connection *c, void *p)
{
    const struct pt_store_user_change *change = ((struct user_args *)p)->change;
    if (begin(c) != PT_OK)
        return PT_ERR_IO;
    PGresult *found = query(c, "SELECT id FROM users WHERE email = $1 FOR UPDATE", "s",
                            change->email);
    if (found == NULL)
        return PT_ERR_IO;
    bool exists = PQntuples(found) > 0;
    int64_t id = exists ? int_at(found, 0, 0) : 0;
    PQclear(found);
    if (!exists)
        return PT_ERR_NOT_FOUND;
    if ((change->disabled >= 0 &&
         command(c, "UPDATE users SET disabled = $1, updated_at = $2 WHERE id = $3", "ddd",
                 (int64_t)change->disabled, change->now, id) != 1) ||
        (change->password_hash != NULL &&
         command(c, "UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3", "sdd",
                 change->password_hash, change->now, id) != 1) ||
        (change->sign_out && command(c, "DELETE FROM sessions WHERE user_id = $1", "d", id) < 0) ||
        (change->clear_failures != NULL &&
         command(c, "DELETE FROM login_failures WHERE account_hash = $1", "b",
                 change->clear_failures, (size_t)32) < 0) ||
        audit_line(c, change->now, change->actor_id, change->action, change->email) != 1)
        return PT_ERR_IO;
    return commit(c);
}

static enum pt_status pg_user_change(struct pt_store *base,
                                     const struct pt_store_user_change *change)
{
    struct user_args args = {.change = change};
    return run_op(base, OP_ONCE, false, user_change_body, &args);
}

static enum pt_status rehash_body(struct pg_connection *c, void *p)
{
    struct user_args *args = p;
    return command(c, "UPDATE users SET password_hash = $1 WHERE id = $2", "sd",
                   args->password_hash, args->id) < 0
               ? PT_ERR_IO
               : PT_OK;
}

static enum pt_status pg_user_rehash(struct pt_store *base, int64_t id, const char *password_hash)
{
    struct user_args args = {.id = id, .password_hash = password_hash};
    return run_op(base, OP_AGAIN, false, rehash_body, &args);
}

static enum pt_status audit_add_body(struct pg_connection *c, void *p)
{
    struct user_args *args = p;
    return audit_line(c, args->now, args->actor_id, args->action, args->detail) == 1 ? PT_OK
                                                                                      : PT_ERR_IO;
}

static enum pt_status pg_audit_add(struct pt_store *base, int64_t now, int64_t actor_id,
                                   const char *action, const char *detail)
{
    struct user_args args = {.now = now, .actor_id = actor_id, .action = action,
                             .detail = detail};
    return run_op(base, OP_ONCE, false, audit_add_body, &args);
}

static enum pt_status audit_each_body(struct pg_connection *c, void *p)
{
    struct user_args *args = p;
    PGresult *result = query(c,
                             "SELECT a.id, a.at, COALESCE(u.email, ''), a.action, a.detail FROM "
                             "audit_log a LEFT JOIN users u ON u.id = a.user_id WHERE a.id < $1 "
                             "ORDER BY a.id DESC LIMIT $2",
                             "dd", args->before_id > 0 ? args->before_id : INT64_MAX,
                             (int64_t)(args->limit > 0 ? args->limit : INT32_MAX));
    if (result == NULL)
        return PT_ERR_IO;
    for (int row = 0; row < PQntuples(result); row++) {
        struct pt_store_audit_entry entry = {
            .id = int_at(result, row, 0),
            .at = int_at(result, row, 1),
            .actor = text_at(result, row, 2),
            .action = text_at(result, row, 3),
            .detail = text_at(result, row, 4),
        };
        args->audit(args->context, &entry);
    }
    PQclear(result);
    return PT_OK;
}

static enum pt_status pg_audit_each(struct pt_store *base, int64_t before_id, int limit,
                                    pt_store_audit_visitor visit, void *context)
{
    struct user_args args = {.before_id = before_id, .limit = limit, .audit = visit,
                             .context = context};
    return run_op(base, OP_AGAIN, false, audit_each_body, &args);
}

struct session_args {
    const unsigned char *hash, *account, *client;
    int64_t user_id, now, expires_at, idle_before, failures_before, since, row;
    int64_t *out;
    struct pt_store_session *session;
};

static enum pt_status session_add_body(struct pg_connection *c, void *p)
{
    struct session_args *args = p;
    return command(c,
                   "INSERT INTO sessions (token_hash, user_id, created_at, expires_at, "
                   "last_seen_at) VALUES ($1, $2, $3, $4, $3)",
                   "bddd", args->hash, (size_t)32, args->user_id, args->now,
                   args->expires_at) == 1
               ? PT_OK
               : PT_ERR_IO;
}

static enum pt_status pg_session_add(struct pt_store *base, const unsigned char token_hash[32],
                                     int64_t user_id, int64_t now, int64_t expires_at)
{
    struct session_args args = {.hash = token_hash, .user_id = user_id, .now = now,
                                .expires_at = expires_at};
    return run_op(base, OP_ONCE, false, session_add_body, &args);
}

static enum pt_status session_get_body(struct pg_connection *c, void *p)
{
    struct session_args *args = p;
    PGresult *result = query(c,
                             "SELECT s.user_id, s.created_at, s.expires_at, s.last_seen_at, "
                             "u.email, u.role, u.disabled FROM sessions s JOIN users u ON "
                             "u.id = s.user_id WHERE s.token_hash = $1",
                             "b", args->hash, (size_t)32);
    if (result == NULL)
        return PT_ERR_IO;
    enum pt_status status = PT_ERR_NOT_FOUND;
    if (PQntuples(result) > 0) {
        struct pt_store_session *session = args->session;
        memset(session, 0, sizeof(*session));
        session->user_id = int_at(result, 0, 0);
        session->created_at = int_at(result, 0, 1);
        session->expires_at = int_at(result, 0, 2);
        session->last_seen_at = int_at(result, 0, 3);
        snprintf(session->email, sizeof(session->email), "%s", text_at(result, 0, 4));
        snprintf(session->role, sizeof(session->role), "%s", text_at(result, 0, 5));
        session->disabled = int_at(result, 0, 6) != 0;
        status = PT_OK;
    }
    PQclear(result);
    return status;
}

static enum pt_status pg_session_get(struct pt_store *base, const unsigned char token_hash[32],
                                     struct pt_store_session *session)
{
    struct session_args args = {.hash = token_hash, .session = session};
    return run_op(base, OP_AGAIN, false, session_get_body, &args);
}

static enum pt_status session_seen_body(struct pg_connection *c, void *p)
{
    struct session_args *args = p;
    return command(c, "UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2", "db",
                   args->now, args->hash, (size_t)32) < 0
               ? PT_ERR_IO
               : PT_OK;
}

static enum pt_status pg_session_seen(struct pt_store *base, const unsigned char token_hash[32],
                                      int64_t now)
{
    struct session_args args = {.hash = token_hash, .now = now};
    return run_op(base, OP_AGAIN, false, session_seen_body, &args);
}

static enum pt_status session_delete_body(struct pg_connection *c, void *p)
{
    struct session_args *args = p;
    *args->out = 0;
    PGresult *result = query(c, "DELETE FROM sessions WHERE token_hash = $1 RETURNING user_id",
                             "b", args->hash, (size_t)32);
    if (result == NULL)
        return PT_ERR_IO;
    if (PQntuples(result) > 0)
        *args->out = int_at(result, 0, 0);
    PQclear(result);
    return PT_OK;
}

static enum pt_status pg_session_delete(struct pt_store *base, const unsigned char token_hash[32],
                                        int64_t *user_id)
{
    struct session_args args = {.hash = token_hash, .out = user_id};
    return run_op(base, OP_AGAIN, false, session_delete_body, &args);
}

static enum pt_status prune_body(struct pg_connection *c, void *p)
{
    struct session_args *args = p;
    return command(c, "DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2", "dd",
                   args->now, args->idle_before) < 0 ||
                   command(c, "DELETE FROM login_failures WHERE at <= $1", "d",
                           args->failures_before) < 0
               ? PT_ERR_IO
               : PT_OK;
}

static enum pt_status pg_sign_in_prune(struct pt_store *base, int64_t now, int64_t idle_before,
                                       int64_t failures_before)
{
    struct session_args args = {.now = now, .idle_before = idle_before,
                                .failures_before = failures_before};
    return run_op(base, OP_AGAIN, false, prune_body, &args);
}

static enum pt_status failures_count_body(struct pg_connection *c, void *p)
{
    struct session_args *args = p;
    PGresult *result = query(c,
                             "SELECT count(*) FROM login_failures WHERE at > $1 "
                             "AND ($2::bytea IS NULL OR account_hash = $2) "
                             "AND ($3::bytea IS NULL OR client_hash = $3)",
                             "dbb", args->since, args->account, (size_t)(args->account ? 32 : 0),
                             args->client, (size_t)(args->client ? 32 : 0));
    if (result == NULL)
        return PT_ERR_IO;
    *args->out = int_at(result, 0, 0);
    PQclear(result);
    return PT_OK;
}

static enum pt_status pg_login_failures_count(struct pt_store *base, const unsigned char *account,
                                              const unsigned char *client, int64_t since,
                                              int64_t *count)
{
    struct session_args args = {.account = account, .client = client, .since = since,
                                .out = count};
    return run_op(base, OP_AGAIN, false, failures_count_body, &args);
}

static enum pt_status failure_add_body(struct pg_connection *c, void *p)
{
    struct session_args *args = p;
    PGresult *result = query(c,
                             "INSERT INTO login_failures (account_hash, client_hash, at) "
                             "VALUES ($1, $2, $3) RETURNING id",
                             "bbd", args->account, (size_t)32, args->client, (size_t)32,
                             args->now);
    if (result == NULL)
        return PT_ERR_IO;
    *args->out = int_at(result, 0, 0);
    PQclear(result);
    return PT_OK;
}

static enum pt_status pg_login_failure_add(struct pt_store *base, const unsigned char account[32],
                                           const unsigned char client[32], int64_t now,
                                           int64_t *row)
{
    struct session_args args = {.account = account, .client = client, .now = now, .out = row};
    return run_op(base, OP_ONCE, false, failure_add_body, &args);
}

static enum pt_status failure_forget_body(struct pg_connection *c, void *p)
{
    struct session_args *args = p;
    return command(c, "DELETE FROM login_failures WHERE id = $1", "d", args->row) < 0 ? PT_ERR_IO
                                                                                      : PT_OK;
}

static enum pt_status pg_login_failure_forget(struct pt_store *base, int64_t row)
{
    struct session_args args = {.row = row};
    return run_op(base, OP_AGAIN, false, failure_forget_body, &args);
}

static enum pt_status failures_clear_body(struct pg_connection *c, void *p)
{
    struct session_args *args = p;
    return command(c,
                   "DELETE FROM login_failures WHERE account_hash = $1 "
                   "AND ($2::bytea IS NULL OR client_hash = $2)",
                   "bb", args->account, (size_t)32, args->client,
                   (size_t)(args->client ? 32 : 0)) < 0
               ? PT_ERR_IO
               : PT_OK;
}

static enum pt_status pg_login_failures_clear(struct pt_store *base,
                                              const unsigned char account[32],
                                              const unsigned char *client)
{
    struct session_args args = {.account = account, .client = client};
    return run_op(base, OP_AGAIN, false, failures_clear_body, &args);
}

/* -------------------------------------------------------------- listening */

/* The channel sql/postgresql/004_catalog_notify.sql notifies. */
#define CATALOG_CHANNEL "patron_catalog"
/* Between attempts to listen again, while the database is away. */
#define LISTEN_RETRY_MS 1000

static void wait_quietly(int timeout_ms)
{
    if (timeout_ms > 0)
        (void)poll(NULL, 0, timeout_ms);
}

static enum pt_status listen_again(struct pg_store *store, int timeout_ms, bool *changed)
{
    int64_t wait = store->listener_retry_at_ms - monotonic_ms();
    if (wait > 0) {
        wait_quietly(wait < timeout_ms ? (int)wait : timeout_ms);
        return PT_ERR_IO;
    }
    PGconn *pg = connect_now(store->conninfo);
    PGresult *result = NULL;
    if (PQstatus(pg) == CONNECTION_OK)
        result = PQexec(pg, "LISTEN " CATALOG_CHANNEL);
    if (PQresultStatus(result) != PGRES_COMMAND_OK) {
        char message[256];
        one_line(pg ? PQerrorMessage(pg) : "out of memory", message, sizeof(message));
        if (!store->listener_down)
            pt_store_note_error("postgresql: cannot listen for campaign changes: %s", message);
        store->listener_down = true;
        PQclear(result);
        PQfinish(pg);
        store->listener_retry_at_ms = monotonic_ms() + LISTEN_RETRY_MS;
        return PT_ERR_IO;
    }
    PQclear(result);
    if (store->listener_down)
        pt_log(PT_LOG_INFO, "postgresql: listening for campaign changes again");
    store->listener_down = false;
    store->listener = pg;
    /* Whatever changed while nobody listened went unheard. */
    *changed = true;
    return PT_OK;
}

static enum pt_status pg_catalog_wait(struct pt_store *base, int timeout_ms, bool *changed)
{
    struct pg_store *store = from(base);
    if (store->listener == NULL)
        return listen_again(store, timeout_ms, changed);
    /* Notifications read along with an earlier answer wait in libpq. */
    PGnotify *note = PQnotifies(store->listener);
    if (note == NULL) {
        struct pollfd ready = {.fd = PQsocket(store->listener), .events = POLLIN};
        int count = poll(&ready, 1, timeout_ms);
        if (count < 0 && errno != EINTR) {
            pt_store_note_error("postgresql: waiting for campaign changes: %s", strerror(errno));
            return PT_ERR_IO;
        }
        if (count > 0 && (!PQconsumeInput(store->listener) ||
                          PQstatus(store->listener) != CONNECTION_OK)) {
            char message[256];
            pt_store_note_error("postgresql: the connection listening for campaign changes "
                                "was lost: %s",
                                one_line(PQerrorMessage(store->listener), message,
                                         sizeof(message)));
            PQfinish(store->listener);
            store->listener = NULL;
            store->listener_down = true;
            return PT_ERR_IO;
        }
        note = PQnotifies(store->listener);
    }
    for (; note != NULL; note = PQnotifies(store->listener)) {
        *changed = true;
        PQfreemem(note);
    }
    return PT_OK;
}

/* ------------------------------------------------------------------- open */

static void pg_close(struct pt_store *base)
{
    struct pg_store *store = from(base);
    PQfinish(store->listener);
    for (size_t i = 0; i < store->count; i++)
        PQfinish(store->connections[i].pg);
    free(store->connections);
    free(store->busy);
    free(store->conninfo);
    pthread_cond_destroy(&store->freed);
    pthread_mutex_destroy(&store->lock);
    free(store);
}

static const struct pt_store_ops postgresql_ops = {
    .name = "postgresql",
    .migrate = pg_migrate,
    .catalog_version = pg_catalog_version,
    .catalog_wait = pg_catalog_wait,
    .campaigns_each = pg_campaigns_each,
    .campaign_count = pg_campaign_count,
    .campaign_put = pg_campaign_put,
    .campaign_get = pg_campaign_get,
    .campaign_delete = pg_campaign_delete,
    .campaigns_replace = pg_campaigns_replace,
    .counts_add = pg_counts_add,
    .write_probe = pg_write_probe,
    .counts_each = pg_counts_each,
    .pledge_add = pg_pledge_add,
    .pledge_get = pg_pledge_get,
    .pledge_find = pg_pledge_find,
    .pledges_by_email = pg_pledges_by_email,
    .pledge_set_checkout = pg_pledge_set_checkout,
    .ledger_apply = pg_ledger_apply,
    .outbox_pending = pg_outbox_pending,
    .outbox_add = pg_outbox_add,
    .outbox_done = pg_outbox_done,
    .outbox_release = pg_outbox_release,
    .magic_link_add = pg_magic_link_add,
    .magic_link_use = pg_magic_link_use,
    .lost_request_add = pg_lost_request_add,
    .lost_requests_pending = pg_lost_requests_pending,
    .lost_request_answer = pg_lost_request_answer,
    .magic_emails_since = pg_magic_emails_since,
    .reminder_upsert = pg_reminder_upsert,
    .reminder_cancel = pg_reminder_cancel,
    .reminders_due = pg_reminders_due,
    .reminder_done = pg_reminder_done,
    .reminder_counts_each = pg_reminder_counts_each,
    .reminders_of = pg_reminders_of,
    .counts_range = pg_counts_range,
    .report_pledges = pg_report_pledges,
    .report_history = pg_report_history,
    .report_payments = pg_report_payments,
    .pledge_history_each = pg_pledge_history_each,
    .pledge_payments_each = pg_pledge_payments_each,
    .payment_get = pg_payment_get,
    .disputes_each = pg_disputes_each,
    .donor_erase = pg_donor_erase,
    .pledge_erase = pg_pledge_erase,
    .pledges_to_erase = pg_pledges_to_erase,
    .manage_code_set = pg_manage_code_set,
    .manage_code_find = pg_manage_code_find,
    .key_check_get = pg_key_check_get,
    .key_check_set = pg_key_check_set,
    .sealed_sample = pg_sealed_sample,
    .user_add = pg_user_add,
    .users_each = pg_users_each,
    .user_get = pg_user_get,
    .user_change = pg_user_change,
    .user_rehash = pg_user_rehash,
    .audit_add = pg_audit_add,
    .audit_each = pg_audit_each,
    .session_add = pg_session_add,
    .session_get = pg_session_get,
    .session_seen = pg_session_seen,
    .session_delete = pg_session_delete,
    .sign_in_prune = pg_sign_in_prune,
    .login_failures_count = pg_login_failures_count,
    .login_failure_add = pg_login_failure_add,
    .login_failure_forget = pg_login_failure_forget,
    .login_failures_clear = pg_login_failures_clear,
    .bank_entry_add = pg_bank_entry_add,
    .bank_entry_get = pg_bank_entry_get,
    .bank_entries_each = pg_bank_entries_each,
    .bank_entry_resolve = pg_bank_entry_resolve,
    .pledges_overdue = pg_pledges_overdue,
    .goal_figure = pg_goal_figure,
    .close = pg_close,
};

bool pt_store_is_postgresql(const char *database)
{
    return strncmp(database, "postgresql://", 13) == 0 || strncmp(database, "postgres://", 11) == 0;
}

enum pt_status pt_store_open_postgresql(const char *conninfo, int connections,
                                        struct pt_store **out, char *error, size_t error_size)
{
    *out = NULL;
    /* A malformed URL is a configuration error, told as such before any
     * attempt to connect. */
    char *problem = NULL;
    PQconninfoOption *parsed = PQconninfoParse(conninfo, &problem);
    if (parsed == NULL) {
        char message[256];
        snprintf(error, error_size, "the database setting is not a PostgreSQL URL: %s",
                 one_line(problem ? problem : "out of memory", message, sizeof(message)));
        PQfreemem(problem);
        return PT_ERR_INVALID;
    }
    PQconninfoFree(parsed);
    struct pg_store *store = pt_xcalloc(1, sizeof(*store));
    store->super.ops = &postgresql_ops;
    store->conninfo = pt_xstrdup(conninfo);
    store->count = connections > 0 ? (size_t)connections : 1;
    store->connections = pt_xcalloc(store->count, sizeof(*store->connections));
    store->busy = pt_xcalloc(store->count, sizeof(*store->busy));
    store->delay_ms = BACKOFF_FIRST_MS;
    pthread_mutex_init(&store->lock, NULL);
    pthread_cond_init(&store->freed, NULL);
    /* One connection now, so that a wrong address, user or password is told
     * at start, in the operator's terminal. */
    struct pg_connection *first = &store->connections[0];
    first->pg = connect_now(conninfo);
    if (PQstatus(first->pg) != CONNECTION_OK) {
        char message[256];
        snprintf(error, error_size, "cannot connect to the PostgreSQL database: %s",
                 one_line(first->pg ? PQerrorMessage(first->pg) : "out of memory", message,
                          sizeof(message)));
        pg_close(&store->super);
        return PT_ERR_IO;
    }
    *out = &store->super;
    return PT_OK;
}
