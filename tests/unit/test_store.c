/* The SQLite store, on a real database file of its own. */
#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "patron/store.h"

static char folder[] = "/tmp/patron-store-XXXXXX";
static char path[256];
static struct pt_store *store;

static void setup(void)
{
    cr_assert_not_null(mkdtemp(folder));
    snprintf(path, sizeof(path), "%s/patron.db", folder);
    char error[256];
    cr_assert_eq(pt_store_open_sqlite(path, &store, error, sizeof(error)), PT_OK, "%s", error);
    int applied = 0;
    cr_assert_eq(pt_store_migrate(store, &applied), PT_OK);
    cr_assert_eq(applied, (int)pt_migration_count);
}

static void teardown(void)
{
    pt_store_close(store);
    char command[512];
    snprintf(command, sizeof(command), "rm -rf '%s'", folder);
    cr_assert_eq(system(command), 0);
}

TestSuite(store, .init = setup, .fini = teardown);

Test(store, migrating_again_applies_nothing)
{
    int applied = -1;
    cr_assert_eq(pt_store_migrate(store, &applied), PT_OK);
    cr_assert_eq(applied, 0);
}

static void count_documents(void *context, const char *id, const char *document)
{
    (void)id, (void)document;
    (*(int *)context)++;
}

Test(store, saving_a_campaign_bumps_the_catalogue_version)
{
    int64_t before = 0, after = 0, count = 0;
    cr_assert_eq(pt_store_catalog_version(store, &before), PT_OK);
    cr_assert_eq(pt_store_campaign_put(store, "c", "{}", 1), PT_OK);
    cr_assert_eq(pt_store_campaign_put(store, "c", "{\"x\":1}", 2), PT_OK);
    cr_assert_eq(pt_store_catalog_version(store, &after), PT_OK);
    cr_assert_eq(after, before + 2);
    cr_assert_eq(pt_store_campaign_count(store, &count), PT_OK);
    cr_assert_eq(count, 1);
    int documents = 0;
    cr_assert_eq(pt_store_campaigns_each(store, count_documents, &documents), PT_OK);
    cr_assert_eq(documents, 1);
}

static void sum_counts(void *context, const struct pt_event_count *count)
{
    *(int64_t *)context += count->count;
    cr_assert_eq(count->day, 20000);
}

Test(store, counts_accumulate_across_batches)
{
    struct pt_event_count rows[2] = {
        {20000, "spring", "a", PT_EVENT_IMPRESSION, 5},
        {20000, "spring", "b", PT_EVENT_CLICK, 1},
    };
    cr_assert_eq(pt_store_counts_add(store, rows, 2), PT_OK);
    cr_assert_eq(pt_store_counts_add(store, rows, 1), PT_OK);
    int64_t total = 0;
    cr_assert_eq(pt_store_counts_each(store, sum_counts, &total), PT_OK);
    cr_assert_eq(total, 11);
}

Test(store, pledges_are_stored_with_their_history_which_cannot_be_rewritten)
{
    struct pt_pledge pledge = {
        .id = "0123456789abcdef0123456789abcdef",
        .status = "pending",
        .frequency = PT_FREQUENCY_MONTHLY,
        .amount_minor = 200,
        .currency = "USD",
        .campaign = "demo-2026",
        .variant = "a",
        .language = "en",
        .created_at = 1796000000,
    };
    cr_assert_eq(pt_store_pledge_add(store, &pledge), PT_OK);
    cr_assert_eq(pt_store_pledge_add(store, &pledge), PT_ERR_IO, "the id is unique");

    sqlite3 *db = NULL;
    cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *statement = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db, "SELECT status, amount_minor FROM pledges", -1,
                                    &statement, NULL),
                 SQLITE_OK);
    cr_assert_eq(sqlite3_step(statement), SQLITE_ROW);
    cr_assert_str_eq((const char *)sqlite3_column_text(statement, 0), "pending");
    cr_assert_eq(sqlite3_column_int64(statement, 1), 200);
    sqlite3_finalize(statement);
    cr_assert_neq(sqlite3_exec(db, "UPDATE pledge_history SET amount_minor = 1", NULL, NULL, NULL),
                  SQLITE_OK);
    cr_assert_neq(sqlite3_exec(db, "DELETE FROM pledge_history", NULL, NULL, NULL), SQLITE_OK);
    const char *insert = "INSERT INTO pledges (id, status, frequency, amount_minor, currency, "
                         "campaign, variant, language, created_at) "
                         "VALUES ('x%d', 'pending', 'monthly', %d, 'USD', '', '', 'en', 1)";
    char sql[512];
    snprintf(sql, sizeof(sql), insert, 1, 0);
    cr_assert_neq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK,
                  "a zero amount is refused by the schema too");
    snprintf(sql, sizeof(sql), insert, 2, 100);
    cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK, "the same row with 100 is not");
    sqlite3_close(db);
}

Test(store, a_file_that_is_not_a_database_is_an_error_not_a_crash)
{
    char bad[300];
    snprintf(bad, sizeof(bad), "%s/garbage.db", folder);
    FILE *file = fopen(bad, "wb");
    fputs("this is not a database, but it is long enough to look like a header......", file);
    fclose(file);
    struct pt_store *other = NULL;
    char error[256];
    enum pt_status status = pt_store_open_sqlite(bad, &other, error, sizeof(error));
    if (status == PT_OK) {
        int applied = 0;
        status = pt_store_migrate(other, &applied);
        pt_store_close(other);
    }
    cr_assert_neq(status, PT_OK);
}
