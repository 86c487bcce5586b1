/* What only the PostgreSQL store has: its migrations in one transaction, a
 * database newer than the binary, connections lost and found again, input
 * that a careless store would splice into SQL, and two nodes given the same
 * webhook at once. Each test makes its own database on the cluster that
 * PATRON_TEST_PG_URL names (tests/unit/scratch.h). */
#include <criterion/criterion.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "patron/store.h"
#include "scratch.h"

static char name[64];
static char url[1024];

static void setup(void)
{
    pt_scratch_pg_create(name, sizeof(name), url, sizeof(url));
}

static void teardown(void)
{
    if (name[0] != '\0')
        pt_scratch_pg_drop(name);
}

TestSuite(postgresql, .init = setup, .fini = teardown);

static struct pt_store *open_store(int connections)
{
    struct pt_store *store = NULL;
    char error[256];
    cr_assert_eq(pt_store_open_postgresql(url, connections, &store, error, sizeof(error)), PT_OK,
                 "%s", error);
    return store;
}

static struct pt_store *open_migrated(int connections)
{
    struct pt_store *store = open_store(connections);
    int applied = -1;
    cr_assert_eq(pt_store_migrate(store, &applied), PT_OK, "%s", pt_store_last_error());
    return store;
}

/* Runs sql on a connection of the test's own to database_url; its first
 * value, or -1. */
static int64_t sql_value_on(const char *database_url, const char *sql)
{
    PGconn *pg = PQconnectdb(database_url);
    cr_assert_eq(PQstatus(pg), CONNECTION_OK, "%s", PQerrorMessage(pg));
    PGresult *result = PQexec(pg, sql);
    ExecStatusType status = PQresultStatus(result);
    cr_assert(status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK, "%s: %s", sql,
              PQerrorMessage(pg));
    int64_t value = -1;
    if (status == PGRES_TUPLES_OK && PQntuples(result) > 0) {
        const char *text = PQgetvalue(result, 0, 0);
        value = text[0] == 't' ? 1 : text[0] == 'f' ? 0 : strtoll(text, NULL, 10);
    }
    PQclear(result);
    PQfinish(pg);
    return value;
}

static int64_t sql_value(const char *sql)
{
    return sql_value_on(url, sql);
}

/* The same on the cluster's maintenance database. */
static int64_t cluster_value(const char *sql)
{
    return sql_value_on(getenv("PATRON_TEST_PG_URL"), sql);
}

/* Ends every connection the store holds to the test's database, as a
 * server restart or a failover does. */
static void drop_connections(void)
{
    char sql[256];
    snprintf(sql, sizeof(sql),
             "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
             "WHERE datname = '%s' AND application_name = 'patron'",
             name);
    cr_assert(cluster_value(sql) >= 1, "the store had a connection to end");
    /* pg_terminate_backend only asks: wait (bounded) until they are gone, as
     * after a restart. A statement sent meanwhile would fail, its outcome
     * unknown to the store, and the caller would answer 503. */
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM pg_stat_activity WHERE datname = '%s' AND "
             "application_name = 'patron'",
             name);
    for (int i = 0; i < 500 && cluster_value(sql) > 0; i++)
        usleep(10 * 1000);
    cr_assert_eq(cluster_value(sql), 0);
}

Test(postgresql, migrating_applies_every_migration_once)
{
    struct pt_store *store = open_store(2);
    int applied = -1;
    cr_assert_eq(pt_store_migrate(store, &applied), PT_OK);
    cr_assert_eq(applied, (int)pt_postgresql_migration_count);
    cr_assert_eq(pt_store_migrate(store, &applied), PT_OK);
    cr_assert_eq(applied, 0);
    cr_assert_eq(sql_value("SELECT max(version) FROM schema_version"),
                 pt_postgresql_migrations[pt_postgresql_migration_count - 1].version);
    int64_t version = 0;
    cr_assert_eq(pt_store_catalog_version(store, &version), PT_OK);
    cr_assert_eq(version, 1);
    pt_store_close(store);
}

Test(postgresql, a_migration_that_fails_leaves_nothing_behind)
{
    /* Something in the way halfway through the schema. */
    sql_value("CREATE TABLE payments (anything integer)");
    struct pt_store *store = open_store(1);
    int applied = -1;
    cr_assert_neq(pt_store_migrate(store, &applied), PT_OK);
    cr_assert_eq(applied, 0);
    cr_assert_not_null(strstr(pt_store_last_error(), "payments"), "%s", pt_store_last_error());
    cr_assert_eq(sql_value("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"), 1,
                 "only the table that was in the way: no campaigns, no schema_version");
    sql_value("DROP TABLE payments");
    cr_assert_eq(pt_store_migrate(store, &applied), PT_OK, "%s", pt_store_last_error());
    cr_assert_eq(applied, (int)pt_postgresql_migration_count);
    pt_store_close(store);
}

Test(postgresql, a_database_from_a_newer_patron_is_refused_untouched)
{
    struct pt_store *store = open_migrated(1);
    sql_value("INSERT INTO schema_version (version, name, applied_at) VALUES (999, 'x', 0)");
    int applied = -1;
    cr_assert_eq(pt_store_migrate(store, &applied), PT_ERR_CONFLICT);
    cr_assert_eq(applied, 0);
    cr_assert_not_null(strstr(pt_store_last_error(), "newer patron (schema 999"), "%s",
                       pt_store_last_error());
    pt_store_close(store);
}

struct migrating {
    int applied;
    enum pt_status status;
};

static void *migrate_thread(void *context)
{
    struct migrating *migrating = context;
    struct pt_store *store = open_store(1);
    migrating->status = pt_store_migrate(store, &migrating->applied);
    pt_store_close(store);
    return NULL;
}

Test(postgresql, two_nodes_starting_at_once_migrate_once)
{
    struct migrating runs[2] = {{-1, PT_ERR_INTERNAL}, {-1, PT_ERR_INTERNAL}};
    pthread_t threads[2];
    for (int i = 0; i < 2; i++)
        cr_assert_eq(pthread_create(&threads[i], NULL, migrate_thread, &runs[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(threads[i], NULL);
    cr_assert_eq(runs[0].status, PT_OK);
    cr_assert_eq(runs[1].status, PT_OK);
    cr_assert_eq(runs[0].applied + runs[1].applied, (int)pt_postgresql_migration_count);
}

Test(postgresql, a_lost_connection_is_made_again_and_nothing_is_lost_or_doubled)
{
    struct pt_store *store = open_migrated(1);
    struct pt_event_count counts[] = {{20000, "spring", "a", PT_EVENT_IMPRESSION, 5}};
    cr_assert_eq(pt_store_counts_add(store, counts, 1), PT_OK);
    drop_connections();
    /* A write first: the dead connection is noticed before anything is sent. */
    cr_assert_eq(pt_store_counts_add(store, counts, 1), PT_OK, "%s", pt_store_last_error());
    drop_connections();
    int64_t version = 0;
    cr_assert_eq(pt_store_catalog_version(store, &version), PT_OK, "%s", pt_store_last_error());
    cr_assert_eq(sql_value("SELECT count FROM event_counts"), 10);
    pt_store_close(store);
}

Test(postgresql, an_unreachable_database_fails_fast_and_comes_back)
{
    struct pt_store *store = open_migrated(2);
    char sql[256];
    snprintf(sql, sizeof(sql), "ALTER DATABASE %s ALLOW_CONNECTIONS false", name);
    cluster_value(sql);
    drop_connections();
    int64_t version = 0;
    cr_assert_eq(pt_store_catalog_version(store, &version), PT_ERR_IO);
    cr_assert_not_null(strstr(pt_store_last_error(), "not currently accepting connections"), "%s",
                       pt_store_last_error());
    /* Within the backoff: refused at once, without trying. */
    struct timespec before, after;
    clock_gettime(CLOCK_MONOTONIC, &before);
    for (int i = 0; i < 100; i++)
        cr_assert_eq(pt_store_write_probe(store, 1), PT_ERR_IO);
    clock_gettime(CLOCK_MONOTONIC, &after);
    double seconds =
        (double)(after.tv_sec - before.tv_sec) + (double)(after.tv_nsec - before.tv_nsec) / 1e9;
    cr_assert(seconds < 0.5, "100 refusals took %.3f s", seconds);
    cr_assert_not_null(strstr(pt_store_last_error(), "unreachable"), "%s", pt_store_last_error());
    snprintf(sql, sizeof(sql), "ALTER DATABASE %s ALLOW_CONNECTIONS true", name);
    cluster_value(sql);
    /* Back within a few backoff steps (bounded: 5 s at most between tries). */
    enum pt_status status = PT_ERR_IO;
    for (int i = 0; i < 100 && status != PT_OK; i++) {
        status = pt_store_write_probe(store, 2);
        if (status != PT_OK)
            usleep(100 * 1000);
    }
    cr_assert_eq(status, PT_OK, "%s", pt_store_last_error());
    pt_store_close(store);
}

static void see_document(void *context, const char *id, const char *document)
{
    cr_assert_str_eq(id, (const char *)context);
    cr_assert_str_eq(document, "{\"x\":\"'); DROP TABLE campaigns; --\"}");
}

struct counted {
    int rows;
    int64_t total;
};

static void see_count(void *context, const struct pt_event_count *count)
{
    struct counted *counted = context;
    counted->rows++;
    counted->total += count->count;
    cr_assert(strcmp(count->campaign, "a\"b\\c,{d}") == 0 || strcmp(count->campaign, "NULL") == 0 ||
                  strcmp(count->campaign, "") == 0,
              "%s", count->campaign);
}

Test(postgresql, input_is_data_never_sql_and_bad_input_is_an_error_not_a_crash)
{
    struct pt_store *store = open_migrated(1);
    const char *id = "x'; DROP TABLE campaigns; --";
    cr_assert_eq(pt_store_campaign_put(store, id, "{\"x\":\"'); DROP TABLE campaigns; --\"}", 1),
                 PT_OK);
    cr_assert_eq(pt_store_campaigns_each(store, see_document, (void *)id), PT_OK);
    /* What an array literal would misread: quotes, backslashes, commas,
     * braces, the word NULL, nothing at all. */
    struct pt_event_count counts[] = {
        {20000, "a\"b\\c,{d}", "v", PT_EVENT_IMPRESSION, 3},
        {20000, "NULL", "NULL", PT_EVENT_CLICK, 4},
        {20000, "", "", PT_EVENT_CLICK, 5},
    };
    cr_assert_eq(pt_store_counts_add(store, counts, 3), PT_OK, "%s", pt_store_last_error());
    cr_assert_eq(pt_store_counts_add(store, counts, 3), PT_OK);
    struct counted counted = {0};
    cr_assert_eq(pt_store_counts_each(store, see_count, &counted), PT_OK);
    cr_assert_eq(counted.rows, 3);
    cr_assert_eq(counted.total, 24);
    /* Bytes that are not UTF-8 are refused by the database: an error. */
    cr_assert_eq(pt_store_campaign_put(store, "bad", "\xff\xfe", 1), PT_ERR_IO);
    cr_assert_not_null(strstr(pt_store_last_error(), "UTF8"), "%s", pt_store_last_error());
    char *document = NULL;
    cr_assert_eq(pt_store_campaign_get(store, "bad", &document), PT_ERR_NOT_FOUND);
    cr_assert_eq(pt_store_campaign_delete(store, "nothing"), PT_ERR_NOT_FOUND);
    /* A pledge that breaks the schema's rules. */
    struct pt_pledge pledge = {.id = "p",
                               .status = "nonsense",
                               .amount_minor = 100,
                               .currency = "USD",
                               .campaign = "",
                               .variant = "",
                               .language = "en",
                               .created_at = 1};
    cr_assert_eq(pt_store_pledge_add(store, &pledge), PT_ERR_IO);
    cr_assert_not_null(strstr(pt_store_last_error(), "check constraint"), "%s",
                       pt_store_last_error());
    cr_assert_eq(sql_value("SELECT count(*) FROM campaigns"), 1, "the table is still there");
    pt_store_close(store);
}

/* ----------------------------------------------- one event, two nodes */

#define EVENTS 30

struct node {
    struct pt_store *store;
    int applied, duplicates, failed;
};

static void *deliver(void *context)
{
    struct node *node = context;
    for (int i = 0; i < EVENTS; i++) {
        char event_id[32], payment_id[32];
        snprintf(event_id, sizeof(event_id), "evt_%d", i);
        snprintf(payment_id, sizeof(payment_id), "in_%d", i);
        struct pt_ledger_change change = {
            .event_id = event_id,
            .event_type = "invoice.paid",
            .pledge_id = "p1",
            .status = "active",
            .payment_id = payment_id,
            .payment_amount = 500,
            .payment_currency = "USD",
            .now = 1000 + i,
            .note = "paid",
        };
        struct pt_ledger_result result;
        enum pt_status status = pt_store_ledger_apply(node->store, &change, &result);
        if (status != PT_OK)
            node->failed++;
        else if (result.duplicate)
            node->duplicates++;
        else
            node->applied++;
    }
    return NULL;
}

/* Two patron processes on one database, the processor delivering every
 * event to both at the same moment: each event is applied once, by one of
 * them, and neither answers with an error (which the processor would take
 * for a lost delivery). */
Test(postgresql, the_same_webhook_on_two_nodes_at_once_is_applied_once)
{
    struct node nodes[2] = {{open_migrated(2), 0, 0, 0}, {NULL, 0, 0, 0}};
    nodes[1].store = open_store(2);
    struct pt_pledge pledge = {.id = "p1",
                               .status = "pending",
                               .amount_minor = 500,
                               .currency = "USD",
                               .campaign = "c",
                               .variant = "a",
                               .language = "en",
                               .created_at = 1};
    cr_assert_eq(pt_store_pledge_add(nodes[0].store, &pledge), PT_OK);
    pthread_t threads[2];
    for (int i = 0; i < 2; i++)
        cr_assert_eq(pthread_create(&threads[i], NULL, deliver, &nodes[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(threads[i], NULL);
    cr_assert_eq(nodes[0].failed + nodes[1].failed, 0);
    cr_assert_eq(nodes[0].applied + nodes[1].applied, EVENTS);
    cr_assert_eq(nodes[0].duplicates + nodes[1].duplicates, EVENTS);
    cr_assert_eq(sql_value("SELECT count(*) FROM processor_events"), EVENTS);
    cr_assert_eq(sql_value("SELECT count(*) FROM payments"), EVENTS);
    cr_assert_eq(sql_value("SELECT count(*) FROM outbox WHERE kind = 'receipt'"), EVENTS);
    cr_assert_eq(sql_value("SELECT count(*) FROM outbox WHERE kind = 'thanks'"), 1);
    cr_assert_eq(sql_value("SELECT count(*) FROM pledge_history"), 2, "created, then active");
    pt_store_close(nodes[0].store);
    pt_store_close(nodes[1].store);
}

/* ------------------------------------------- senders on several nodes */

static void add_pledge_with_emails(struct pt_store *store, const char *id, int emails)
{
    struct pt_pledge pledge = {.status = "pending",
                               .amount_minor = 500,
                               .currency = "USD",
                               .campaign = "c",
                               .variant = "a",
                               .language = "en",
                               .created_at = 1};
    snprintf(pledge.id, sizeof(pledge.id), "%s", id);
    cr_assert_eq(pt_store_pledge_add(store, &pledge), PT_OK);
    for (int i = 0; i < emails; i++)
        cr_assert_eq(pt_store_outbox_add(store, id, "magic", "{}", 10 + i), PT_OK);
}

/* Every email in the outbox goes to one node's sender: a second node
 * asking at the same time gets the others, or none; what one gives back or
 * fails is taken again; what a dead node held comes back when its lease
 * runs out. */
Test(postgresql, outbox_emails_are_claimed_by_one_sender_at_a_time)
{
    struct pt_store *one = open_migrated(2), *two = open_store(2);
    add_pledge_with_emails(one, "p1", 5);
    struct pt_outbox_item items[8], others[8];
    size_t count = 0, other_count = 0;
    cr_assert_eq(pt_store_outbox_pending(one, items, 3, &count), PT_OK);
    cr_assert_eq(count, 3);
    cr_assert(items[0].id < items[1].id && items[1].id < items[2].id, "oldest first");
    cr_assert_eq(pt_store_outbox_pending(two, others, 8, &other_count), PT_OK);
    cr_assert_eq(other_count, 2, "only what the first did not take");
    cr_assert_eq(pt_store_outbox_pending(two, others, 8, &other_count), PT_OK);
    cr_assert_eq(other_count, 0);

    cr_assert_eq(pt_store_outbox_done(one, items[0].id, true, 100), PT_OK);
    cr_assert_eq(pt_store_outbox_done(one, items[1].id, false, 100), PT_OK);
    cr_assert_eq(pt_store_outbox_release(one, items[2].id), PT_OK);
    cr_assert_eq(pt_store_outbox_pending(two, others, 8, &other_count), PT_OK);
    cr_assert_eq(other_count, 2, "the failed one and the one given back, not the sent one");
    cr_assert_eq(others[0].id, items[1].id);
    cr_assert_eq(others[0].attempts, 1);
    cr_assert_eq(others[1].id, items[2].id);

    /* Node two dies holding four: their leases run out. */
    sql_value("UPDATE outbox SET lease_until = 0 WHERE lease_until IS NOT NULL");
    cr_assert_eq(pt_store_outbox_pending(one, items, 8, &count), PT_OK);
    cr_assert_eq(count, 4);
    cr_assert_eq(sql_value("SELECT count(*) FROM outbox WHERE sent_at IS NULL"), 4);
    pt_store_close(one);
    pt_store_close(two);
}

static void count_reminders(void *context, const struct pt_reminder *reminder)
{
    cr_assert_eq(reminder->email_sealed_length, 4);
    (*(int *)context)++;
}

Test(postgresql, a_reminder_send_on_two_nodes_at_once_takes_each_reminder_once)
{
    struct pt_store *one = open_migrated(1), *two = open_store(1);
    static const unsigned char sealed[4] = {1, 2, 3, 4};
    for (int i = 0; i < 6; i++) {
        struct pt_reminder reminder = {
            .email_sealed = sealed, .email_sealed_length = 4, .created_at = 1};
        reminder.email_hash[0] = (unsigned char)i;
        snprintf(reminder.month, sizeof(reminder.month), "%s", i < 5 ? "2027-01" : "2027-06");
        snprintf(reminder.language, sizeof(reminder.language), "en");
        snprintf(reminder.cancel_token, sizeof(reminder.cancel_token), "token-%d", i);
        char token[48];
        bool created = false;
        cr_assert_eq(pt_store_reminder_upsert(one, &reminder, token, sizeof(token), &created),
                     PT_OK);
    }
    int first = 0, second = 0;
    cr_assert_eq(pt_store_reminders_due(one, "2027-03", count_reminders, &first), PT_OK);
    cr_assert_eq(pt_store_reminders_due(two, "2027-03", count_reminders, &second), PT_OK);
    cr_assert_eq(first, 5);
    cr_assert_eq(second, 0, "node one has them");
    /* Node one sent one and died: the rest are due again after the lease. */
    unsigned char hash[32] = {0};
    cr_assert_eq(pt_store_reminder_done(one, hash, "2027-03", "2027-01", "sent"), PT_OK);
    sql_value("UPDATE reminders SET lease_until = 0 WHERE lease_until IS NOT NULL");
    second = 0;
    cr_assert_eq(pt_store_reminders_due(two, "2027-03", count_reminders, &second), PT_OK);
    cr_assert_eq(second, 4);
    pt_store_close(one);
    pt_store_close(two);
}

/* Another node's campaign change is heard at once: the first wait reports a
 * change (nothing was heard before it listened), then only a commit of a
 * changed campaign wakes it; a quiet database lets it time out. */
Test(postgresql, a_campaign_change_on_one_node_wakes_the_other)
{
    struct pt_store *one = open_migrated(1), *two = open_store(1);
    cr_assert(pt_store_catalog_shared(two));
    bool changed = false;
    cr_assert_eq(pt_store_catalog_wait(two, 100, &changed), PT_OK, "%s", pt_store_last_error());
    cr_assert(changed, "a fresh listener may have missed something");
    cr_assert_eq(pt_store_catalog_wait(two, 100, &changed), PT_OK);
    cr_assert_not(changed, "nothing changed");

    cr_assert_eq(pt_store_campaign_put(one, "c1", "{}", 10), PT_OK);
    struct timespec before, after;
    clock_gettime(CLOCK_MONOTONIC, &before);
    cr_assert_eq(pt_store_catalog_wait(two, 5000, &changed), PT_OK);
    clock_gettime(CLOCK_MONOTONIC, &after);
    cr_assert(changed);
    cr_assert_lt(after.tv_sec - before.tv_sec, 2, "woken by the change, not by the timeout");
    cr_assert_eq(pt_store_catalog_wait(two, 100, &changed), PT_OK);
    cr_assert_not(changed, "one change, one word");

    /* Its listening connection ended by the server: a failure, then it
     * listens again and says a change may have been missed. */
    sql_value("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
              "WHERE query LIKE 'LISTEN%' AND pid <> pg_backend_pid()");
    enum pt_status status = PT_OK;
    for (int i = 0; i < 20 && status == PT_OK; i++)
        status = pt_store_catalog_wait(two, 100, &changed);
    cr_assert_eq(status, PT_ERR_IO, "the loss is told");
    status = PT_ERR_IO;
    for (int i = 0; i < 40 && status != PT_OK; i++)
        status = pt_store_catalog_wait(two, 100, &changed);
    cr_assert_eq(status, PT_OK, "%s", pt_store_last_error());
    cr_assert(changed);
    pt_store_close(one);
    pt_store_close(two);
}
