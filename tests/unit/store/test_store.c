/* The store, on a real database of its own: SQLite's file, or, registered
 * again with PATRON_TEST_STORE=postgresql, a PostgreSQL database (the same
 * bodies; see tests/unit/scratch.h). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "patron/store.h"
#include "scratch.h"

static struct pt_scratch scratch;
static struct pt_store *store;
static const char *folder;

static void setup(void)
{
    pt_scratch_open(&scratch, "store");
    store = scratch.store;
    folder = scratch.folder;
}

static void teardown(void)
{
    pt_scratch_close(&scratch);
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

    cr_assert_eq(pt_scratch_query_int(&scratch, "SELECT count(*) FROM pledges WHERE "
                                                "status = 'pending' AND amount_minor = 200"),
                 1);
    cr_assert_not(pt_scratch_exec(&scratch, "UPDATE pledge_history SET amount_minor = 1"));
    cr_assert_not(pt_scratch_exec(&scratch, "DELETE FROM pledge_history"));
    const char *insert = "INSERT INTO pledges (id, status, frequency, amount_minor, currency, "
                         "campaign, variant, language, created_at) "
                         "VALUES ('x%d', 'pending', 'monthly', %d, 'USD', '', '', 'en', 1)";
    char sql[512];
    snprintf(sql, sizeof(sql), insert, 1, 0);
    cr_assert_not(pt_scratch_exec(&scratch, sql), "a zero amount is refused by the schema too");
    snprintf(sql, sizeof(sql), insert, 2, 100);
    cr_assert(pt_scratch_exec(&scratch, sql), "the same row with 100 is not");
}

Test(store, a_file_that_is_not_a_database_is_an_error_not_a_crash)
{
    if (pt_scratch_is_postgresql(&scratch)) {
        /* Its counterpart: a server that is not there, or a URL that is not one. */
        struct pt_store *other = NULL;
        char error[256];
        cr_assert_eq(pt_store_open_postgresql("postgresql://nobody@127.0.0.1:1/none", 1, &other,
                                              error, sizeof(error)),
                     PT_ERR_IO);
        cr_assert_null(other);
        cr_assert_not_null(strstr(error, "cannot connect"), "%s", error);
        cr_assert_eq(pt_store_open_postgresql("postgresql://[", 1, &other, error, sizeof(error)),
                     PT_ERR_INVALID, "%s", error);
        return;
    }
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

/* ---------------------------------------------------------------- reports */

#include "patron/reports.h"

static const unsigned char donor_a[32] = {1};
static const unsigned char donor_b[32] = {2};

static void add_pledge(const char *id, const char *campaign, const char *variant,
                       enum pt_frequency frequency, int64_t amount, const char *currency,
                       int64_t created_at)
{
    struct pt_pledge pledge = {
        .status = "pending",
        .frequency = frequency,
        .amount_minor = amount,
        .currency = currency,
        .campaign = campaign,
        .variant = variant,
        .language = "en",
        .created_at = created_at,
    };
    snprintf(pledge.id, sizeof(pledge.id), "%s", id);
    cr_assert_eq(pt_store_pledge_add(store, &pledge), PT_OK);
}

/* One ledger change: a new state (or NULL), a payment (or NULL), a donor. */
static void apply(const char *id, const char *status, const char *payment_id, int64_t paid,
                  const unsigned char *email_hash, int64_t now)
{
    static const unsigned char sealed[4] = {9, 9, 9, 9};
    struct pt_ledger_change change = {
        .pledge_id = id,
        .status = status,
        .payment_id = payment_id,
        .payment_amount = paid,
        .now = now,
        .note = "test",
    };
    if (email_hash != NULL) {
        change.email_hash = email_hash;
        change.email_sealed = sealed;
        change.email_sealed_length = sizeof(sealed);
        change.customer_id = "cus_1";
    }
    struct pt_ledger_result result;
    cr_assert_eq(pt_store_ledger_apply(store, &change, &result), PT_OK);
}

struct history_seen {
    int count;
    int64_t at[8];
    char status[8][16];
    int64_t amount[8];
    char note[8][64];
};

static void see_history(void *context, int64_t at, const char *status, int64_t amount_minor,
                        const char *note)
{
    struct history_seen *seen = context;
    if (seen->count < 8) {
        seen->at[seen->count] = at;
        snprintf(seen->status[seen->count], 16, "%s", status);
        seen->amount[seen->count] = amount_minor;
        snprintf(seen->note[seen->count], 64, "%s", note);
    }
    seen->count++;
}

struct payments_seen {
    int count;
    char id[8][32];
    int64_t amount[8];
    int64_t paid_at[8];
};

static void see_payment(void *context, const char *payment_id, int64_t amount_minor,
                        const char *currency, int64_t paid_at)
{
    struct payments_seen *seen = context;
    cr_assert_str_eq(currency, "USD");
    if (seen->count < 8) {
        snprintf(seen->id[seen->count], 32, "%s", payment_id);
        seen->amount[seen->count] = amount_minor;
        seen->paid_at[seen->count] = paid_at;
    }
    seen->count++;
}

Test(store, a_pledge_s_history_and_payments_come_oldest_first)
{
    add_pledge("p1", "spring", "a", PT_FREQUENCY_MONTHLY, 500, "USD", 1000);
    apply("p1", "active", "in_1", 500, NULL, 2000);
    apply("p1", NULL, "in_2", 500, NULL, 3000);
    apply("p1", "cancelled", NULL, 0, NULL, 4000);

    struct history_seen history = {0};
    cr_assert_eq(pt_store_pledge_history_each(store, "p1", see_history, &history), PT_OK);
    cr_assert_eq(history.count, 3);
    cr_assert_eq(history.at[0], 1000);
    cr_assert_str_eq(history.status[0], "pending");
    cr_assert_str_eq(history.note[0], "created on the support page");
    cr_assert_eq(history.at[1], 2000);
    cr_assert_str_eq(history.status[1], "active");
    cr_assert_eq(history.amount[1], 500);
    cr_assert_str_eq(history.status[2], "cancelled");

    struct payments_seen payments = {0};
    cr_assert_eq(pt_store_pledge_payments_each(store, "p1", see_payment, &payments), PT_OK);
    cr_assert_eq(payments.count, 2);
    cr_assert_str_eq(payments.id[0], "in_1");
    cr_assert_eq(payments.paid_at[0], 2000);
    cr_assert_str_eq(payments.id[1], "in_2");
    cr_assert_eq(payments.amount[1], 500);

    struct history_seen none = {0};
    cr_assert_eq(pt_store_pledge_history_each(store, "nope", see_history, &none),
                 PT_ERR_NOT_FOUND);
    cr_assert_eq(pt_store_pledge_payments_each(store, "nope", see_payment, &payments),
                 PT_ERR_NOT_FOUND);
    cr_assert_eq(none.count, 0);
}

static int64_t query_int(const char *sql)
{
    return pt_scratch_query_int(&scratch, sql);
}

Test(store, erasing_a_donor_keeps_the_books_but_not_the_person)
{
    add_pledge("a1", "spring", "a", PT_FREQUENCY_MONTHLY, 500, "USD", 1000);
    add_pledge("a2", "", "", PT_FREQUENCY_ONE_OFF, 2000, "USD", 1100);
    add_pledge("b1", "spring", "b", PT_FREQUENCY_MONTHLY, 700, "USD", 1200);
    apply("a1", "active", "in_a1", 500, donor_a, 2000); /* queues thanks and a receipt */
    apply("a2", "completed", "in_a2", 2000, donor_a, 2100);
    apply("b1", "active", "in_b1", 700, donor_b, 2200);
    unsigned char unused[32] = {7}, used[32] = {8};
    cr_assert_eq(pt_store_magic_link_add(store, unused, "a1", 99999), PT_OK);
    cr_assert_eq(pt_store_magic_link_add(store, used, "a2", 99999), PT_OK);
    char pledge_id[33];
    cr_assert_eq(pt_store_magic_link_use(store, used, 3000, pledge_id), PT_OK);
    struct pt_outbox_item items[16];
    size_t pending = 0;
    cr_assert_eq(pt_store_outbox_pending(store, items, 16, &pending), PT_OK);
    cr_assert_eq(pending, 6);
    cr_assert_eq(pt_store_outbox_done(store, items[0].id, true, 3000), PT_OK); /* a1's first */
    int64_t history_before = query_int("SELECT count(*) FROM pledge_history");

    size_t touched = 0;
    cr_assert_eq(pt_store_donor_erase(store, donor_a, 5000, &touched), PT_OK);
    cr_assert_eq(touched, 2);

    cr_assert_eq(query_int("SELECT count(*) FROM pledges WHERE email_hash IS NOT NULL OR "
                           "email_sealed IS NOT NULL OR customer_id != ''"),
                 1, "only b1 still has a donor");
    cr_assert_eq(query_int("SELECT count(*) FROM pledges WHERE id = 'b1' AND "
                           "customer_id = 'cus_1' AND email_hash IS NOT NULL"),
                 1);
    cr_assert_eq(query_int("SELECT count(*) FROM magic_links"), 1, "the used link stays");
    cr_assert_eq(query_int("SELECT count(*) FROM magic_links WHERE used_at IS NULL"), 0);
    cr_assert_eq(query_int("SELECT count(*) FROM outbox WHERE sent_at IS NULL AND "
                           "pledge_id IN ('a1', 'a2')"),
                 0);
    cr_assert_eq(query_int("SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL"), 1);
    cr_assert_eq(query_int("SELECT count(*) FROM outbox WHERE pledge_id = 'b1'"), 2);
    cr_assert_eq(query_int("SELECT count(*) FROM payments"), 3, "payments stay");
    cr_assert_eq(query_int("SELECT count(*) FROM pledge_history"), history_before + 2);
    cr_assert_eq(query_int("SELECT count(*) FROM pledge_history WHERE at = 5000 AND "
                           "status = 'active' AND amount_minor = 500 AND pledge_id = 'a1'"),
                 1);
    cr_assert_eq(query_int("SELECT amount_minor FROM pledges WHERE id = 'a2'"), 2000);

    cr_assert_eq(pt_store_donor_erase(store, donor_a, 6000, &touched), PT_ERR_NOT_FOUND);
    cr_assert_eq(touched, 0);
    cr_assert_eq(query_int("SELECT count(*) FROM pledge_history"), history_before + 2,
                 "nothing is written for no one");

    /* A processor event after the erasure cannot tie the pledge to a person again. */
    const unsigned char sealed[4] = {1, 2, 3, 4};
    struct pt_ledger_change late = {.event_id = "evt_late", .event_type = "checkout.completed",
                                    .pledge_id = "a1", .customer_id = "cus_again",
                                    .email_sealed = sealed, .email_sealed_length = sizeof(sealed),
                                    .email_hash = donor_a, .now = 7000};
    struct pt_ledger_result result;
    cr_assert_eq(pt_store_ledger_apply(store, &late, &result), PT_OK);
    cr_assert_eq(query_int("SELECT count(*) FROM pledges WHERE id = 'a1' AND customer_id = '' "
                           "AND email_sealed IS NULL AND email_hash IS NULL"),
                 1, "the erased pledge stays erased");
}

/* Issue 16: /manage/lost queues only a keyed hash; the outbox thread answers
 * it in one transaction, and the queue never holds a token. */
Test(store, lost_link_requests_are_answered_once_and_erased_with_the_donor)
{
    add_pledge("a1", "spring", "a", PT_FREQUENCY_MONTHLY, 500, "USD", 1000);
    apply("a1", "active", "in_a1", 500, donor_a, 2000);
    cr_assert_eq(pt_store_lost_request_add(store, donor_a, "magic", 3000), PT_OK);
    cr_assert_eq(pt_store_lost_request_add(store, donor_b, "magic", 3001), PT_OK);
    struct pt_lost_request requests[4];
    size_t count = 0;
    cr_assert_eq(pt_store_lost_requests_pending(store, requests, 4, &count), PT_OK);
    cr_assert_eq(count, 2);
    cr_assert_eq(memcmp(requests[0].email_hash, donor_a, 32), 0, "oldest first");
    cr_assert_str_eq(requests[0].kind, "magic");
    int64_t recent = -1;
    cr_assert_eq(pt_store_magic_emails_since(store, donor_a, 0, &recent), PT_OK);
    cr_assert_eq(recent, 0);

    cr_assert_eq(pt_store_lost_request_answer(store, requests[0].id, "a1", requests[0].kind, 3100), PT_OK);
    cr_assert_eq(pt_store_lost_request_answer(store, requests[0].id, "a1", requests[0].kind, 3100), PT_OK,
                 "answering twice is harmless");
    cr_assert_eq(query_int("SELECT count(*) FROM outbox WHERE kind = 'magic'"), 1,
                 "one email for one request");
    cr_assert_eq(query_int("SELECT count(*) FROM outbox WHERE kind = 'magic' AND data = '{}'"), 1,
                 "the outbox holds no token");
    cr_assert_eq(pt_store_magic_emails_since(store, donor_a, 3000, &recent), PT_OK);
    cr_assert_eq(recent, 1);
    cr_assert_eq(pt_store_magic_emails_since(store, donor_a, 3101, &recent), PT_OK);
    cr_assert_eq(recent, 0, "only the emails since then");
    cr_assert_eq(pt_store_magic_emails_since(store, donor_b, 0, &recent), PT_OK);
    cr_assert_eq(recent, 0);

    /* A request waiting when its donor is erased goes with them. */
    cr_assert_eq(pt_store_lost_request_add(store, donor_a, "magic", 3200), PT_OK);
    size_t touched = 0;
    cr_assert_eq(pt_store_donor_erase(store, donor_a, 5000, &touched), PT_OK);
    cr_assert_eq(query_int("SELECT count(*) FROM lost_link_requests"), 1, "only b's waits");
    cr_assert_eq(pt_store_lost_request_answer(store, requests[1].id, NULL, requests[1].kind, 5100), PT_OK);
    cr_assert_eq(query_int("SELECT count(*) FROM lost_link_requests"), 0);
    cr_assert_eq(query_int("SELECT count(*) FROM outbox WHERE kind = 'magic'"), 0,
                 "the erased donor's unsent email went, and an unknown address queues nothing");
}

/* The outbox's emails of one kind for a pledge. */
static int64_t emails(const char *pledge_id, const char *kind)
{
    char sql[200];
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM outbox WHERE pledge_id = '%s' AND kind = '%s'",
             pledge_id, kind);
    return query_int(sql);
}

Test(store, a_pledge_that_leaves_pending_for_any_set_up_state_gets_one_thank_you)
{
    const char *ids[] = {"due", "paused", "gone", "abandoned", "back"};
    for (size_t i = 0; i < 5; i++)
        add_pledge(ids[i], "spring", "a", PT_FREQUENCY_MONTHLY, 500, "USD", 1000);
    /* The first renewal failed before the checkout's event came. */
    apply("due", "past_due", NULL, 0, NULL, 2000);
    apply("due", "active", "in_due", 500, NULL, 3000);
    cr_assert_eq(emails("due", "thanks"), 1, "pending to past due, then active: one thank-you");
    apply("paused", "paused", NULL, 0, NULL, 2000);
    cr_assert_eq(emails("paused", "thanks"), 1);
    /* Paid, then cancelled before patron heard it was active. */
    apply("gone", "cancelled", "in_gone", 500, NULL, 2000);
    cr_assert_eq(emails("gone", "thanks"), 1);
    cr_assert_eq(emails("gone", "cancelled"), 1);
    cr_assert_eq(query_int("SELECT (SELECT id FROM outbox WHERE pledge_id = 'gone' AND "
                           "kind = 'thanks') < (SELECT id FROM outbox WHERE pledge_id = 'gone' "
                           "AND kind = 'cancelled')"),
                 1, "the thank-you comes before the cancellation");
    /* Never paid: an abandoned checkout is not thanked. */
    apply("abandoned", "cancelled", NULL, 0, NULL, 2000);
    cr_assert_eq(emails("abandoned", "thanks"), 0);
    /* Back to pending (an incomplete subscription) and out again: still one. */
    apply("back", "active", NULL, 0, NULL, 2000);
    apply("back", "pending", NULL, 0, NULL, 2100);
    apply("back", "past_due", NULL, 0, NULL, 2200);
    cr_assert_eq(emails("back", "thanks"), 1);
}

static void sign_up(const unsigned char hash[32], const char *month, const char *token)
{
    static const unsigned char sealed[8] = {9, 9, 9, 9, 9, 9, 9, 9};
    struct pt_reminder reminder = {.email_sealed = sealed, .email_sealed_length = sizeof(sealed),
                                   .created_at = 1000};
    memcpy(reminder.email_hash, hash, 32);
    snprintf(reminder.month, sizeof(reminder.month), "%s", month);
    snprintf(reminder.language, sizeof(reminder.language), "en");
    snprintf(reminder.campaign, sizeof(reminder.campaign), "spring");
    snprintf(reminder.variant, sizeof(reminder.variant), "a");
    snprintf(reminder.cancel_token, sizeof(reminder.cancel_token), "%s", token);
    char given[48];
    bool created = false;
    cr_assert_eq(pt_store_reminder_upsert(store, &reminder, given, sizeof(given), &created), PT_OK);
}

static void count_visit(void *context, const struct pt_reminder *reminder)
{
    (void)reminder;
    (*(int *)context)++;
}

Test(store, erasing_a_donor_takes_their_reminders_too)
{
    sign_up(donor_a, "2027-01", "token-a-1");
    sign_up(donor_a, "2027-03", "token-a-3");
    sign_up(donor_b, "2027-01", "token-b-1");
    int seen = 0;
    cr_assert_eq(pt_store_reminders_of(store, donor_a, count_visit, &seen), PT_OK);
    cr_assert_eq(seen, 2, "the export sees both of the donor's reminders");

    /* No pledge, only reminders: still something to erase. */
    size_t touched = 99;
    cr_assert_eq(pt_store_donor_erase(store, donor_a, 5000, &touched), PT_OK);
    cr_assert_eq(touched, 0);
    cr_assert_eq(query_int("SELECT count(*) FROM reminders"), 1, "only b's reminder stays");
    cr_assert_eq(query_int("SELECT count(*) FROM reminders WHERE cancel_token = 'token-b-1'"), 1);
    cr_assert_eq(query_int("SELECT count FROM reminder_counts WHERE month = '2027-01' AND "
                           "kind = 'cancelled'"),
                 1, "counted as cancelled, as numbers only");
    seen = 0;
    cr_assert_eq(pt_store_reminders_of(store, donor_a, count_visit, &seen), PT_OK);
    cr_assert_eq(seen, 0);
    cr_assert_eq(pt_store_donor_erase(store, donor_a, 6000, &touched), PT_ERR_NOT_FOUND);
}

Test(store, today_has_impressions_and_payments_per_campaign)
{
    int64_t now = 20000 * 86400 + 3600; /* one hour into day 20000 */
    struct pt_event_count counts[] = {
        {20000, "spring", "a", PT_EVENT_IMPRESSION, 40},
        {20000, "spring", "b", PT_EVENT_IMPRESSION, 60},
        {20000, "spring", "a", PT_EVENT_CLICK, 9},
        {19999, "spring", "a", PT_EVENT_IMPRESSION, 1000},
        {20000, "autumn", "x", PT_EVENT_IMPRESSION, 5},
    };
    cr_assert_eq(pt_store_counts_add(store, counts, 5), PT_OK);
    add_pledge("p1", "spring", "a", PT_FREQUENCY_MONTHLY, 500, "USD", now - 86400);
    add_pledge("p2", "winter", "a", PT_FREQUENCY_ONE_OFF, 900, "USD", now - 60);
    add_pledge("p3", "", "", PT_FREQUENCY_ONE_OFF, 100, "USD", now - 60);
    apply("p1", "active", "in_old", 500, NULL, now - 86400); /* yesterday */
    apply("p1", NULL, "in_new", 500, NULL, now);
    apply("p2", "completed", "in_w", 900, NULL, now);
    apply("p3", "completed", "in_none", 100, NULL, now);

    struct pt_reports_funnel today;
    pt_reports_funnel_init(&today);
    cr_assert_eq(pt_reports_today(store, now, &today), PT_OK);
    cr_assert_eq(today.count, 3, "every campaign with numbers today, none dropped");
    const struct {
        const char *campaign;
        int64_t impressions, revenue;
    } expected[] = {{"autumn", 5, 0}, {"spring", 100, 500}, {"winter", 0, 900}};
    for (size_t i = 0; i < 3; i++) {
        const struct pt_reports_funnel_row *row =
            pt_reports_funnel_find(&today, expected[i].campaign, "");
        cr_assert_not_null(row, "%s", expected[i].campaign);
        cr_assert_eq(row->events[PT_EVENT_IMPRESSION], expected[i].impressions, "%s",
                     expected[i].campaign);
        cr_assert_eq(row->revenue_minor, expected[i].revenue, "%s", expected[i].campaign);
    }
    cr_assert_null(pt_reports_funnel_find(&today, "", ""), "a pledge without a campaign");
    pt_reports_funnel_dispose(&today);

    pt_reports_funnel_init(&today);
    cr_assert_eq(pt_reports_today(store, now + 86400 * 10, &today), PT_OK);
    cr_assert_eq(today.count, 0);
    pt_reports_funnel_dispose(&today);
}

struct report_seen {
    int count;
    struct pt_report_pledge pledges[8];
    int64_t sum;
    char order[64];
};

static void see_report_pledge(void *context, const struct pt_report_pledge *pledge)
{
    struct report_seen *seen = context;
    if (seen->count < 8)
        seen->pledges[seen->count] = *pledge;
    seen->count++;
}

static void see_count(void *context, const struct pt_event_count *count)
{
    struct report_seen *seen = context;
    seen->count++;
    seen->sum += count->count;
    cr_assert(count->day >= 20000 && count->day <= 20001);
}

static void see_history_row(void *context, const struct pt_report_history *row)
{
    struct report_seen *seen = context;
    seen->count++;
    /* pledge id's first letter, then the state's, in the order given */
    size_t length = strlen(seen->order);
    if (length + 3 < sizeof(seen->order))
        snprintf(seen->order + length, sizeof(seen->order) - length, "%c%c ", row->pledge_id[0],
                 row->status[0]);
    cr_assert_str_eq(row->currency, "USD");
}

static void see_report_payment(void *context, const struct pt_report_payment *payment)
{
    struct report_seen *seen = context;
    seen->count++;
    seen->sum += payment->amount_minor;
    cr_assert_str_eq(payment->campaign, "spring");
}

Test(store, reports_read_counts_pledges_history_and_payments_by_period)
{
    struct pt_event_count counts[] = {
        {19999, "spring", "a", PT_EVENT_IMPRESSION, 1},
        {20000, "spring", "a", PT_EVENT_IMPRESSION, 10},
        {20001, "spring", "b", PT_EVENT_REMINDER_SIGNUP, 100},
        {20002, "spring", "a", PT_EVENT_IMPRESSION, 1000},
    };
    cr_assert_eq(pt_store_counts_add(store, counts, 4), PT_OK);
    struct report_seen seen = {0};
    cr_assert_eq(pt_store_counts_range(store, 20000, 20001, see_count, &seen), PT_OK);
    cr_assert_eq(seen.count, 2);
    cr_assert_eq(seen.sum, 110, "reminder_signup is read back as a kind");

    int64_t day = 20000 * 86400;
    add_pledge("a-paid", "spring", "a", PT_FREQUENCY_MONTHLY, 500, "USD", day + 10);
    add_pledge("b-abandoned", "spring", "a", PT_FREQUENCY_MONTHLY, 500, "USD", day + 20);
    add_pledge("c-pending", "spring", "b", PT_FREQUENCY_ONE_OFF, 900, "USD", day + 30);
    add_pledge("d-later", "spring", "b", PT_FREQUENCY_ONE_OFF, 900, "USD", day + 86400 * 2);
    add_pledge("e-paused", "spring", "b", PT_FREQUENCY_MONTHLY, 300, "USD", day + 40);
    apply("a-paid", "active", "in_1", 500, NULL, day + 100);
    apply("a-paid", NULL, "in_2", 500, NULL, day + 86400 * 30);        /* in the first 31 days */
    apply("a-paid", NULL, "in_3", 500, NULL, day + 10 + 86400 * 31);   /* just after */
    apply("b-abandoned", "cancelled", NULL, 0, NULL, day + 200);
    apply("e-paused", "paused", NULL, 0, NULL, day + 300);

    memset(&seen, 0, sizeof(seen));
    cr_assert_eq(pt_store_report_pledges(store, day, day + 86400 * 2, see_report_pledge, &seen),
                 PT_OK);
    cr_assert_eq(seen.count, 4, "d-later is made after the period");
    cr_assert_str_eq(seen.pledges[0].id, "a-paid");
    cr_assert(seen.pledges[0].became_active);
    cr_assert_eq(seen.pledges[0].first_month_revenue, 1000);
    cr_assert_str_eq(seen.pledges[0].status, "active");
    cr_assert_str_eq(seen.pledges[0].campaign, "spring");
    cr_assert_eq(seen.pledges[0].frequency, PT_FREQUENCY_MONTHLY);
    cr_assert_str_eq(seen.pledges[1].id, "b-abandoned");
    cr_assert_not(seen.pledges[1].became_active, "pending then cancelled was never a pledge");
    cr_assert_not(seen.pledges[2].became_active);
    cr_assert_str_eq(seen.pledges[3].id, "e-paused");
    cr_assert(seen.pledges[3].became_active, "a paying state, even without a payment yet");

    memset(&seen, 0, sizeof(seen));
    cr_assert_eq(pt_store_report_history(store, day + 250, see_history_row, &seen), PT_OK);
    cr_assert_str_eq(seen.order, "ap aa bp bc cp ep ", "by pledge, then time; none after 250");

    memset(&seen, 0, sizeof(seen));
    cr_assert_eq(pt_store_report_payments(store, day + 100, day + 86400 * 30, see_report_payment,
                                          &seen),
                 PT_OK);
    cr_assert_eq(seen.count, 1, "from included, to excluded");
    cr_assert_eq(seen.sum, 500);
}

Test(store, what_came_back_of_a_first_month_payment_is_netted_however_late)
{
    int64_t day = 20000 * 86400;
    add_pledge("a-paid", "spring", "a", PT_FREQUENCY_MONTHLY, 500, "USD", day + 10);
    apply("a-paid", "active", "in_1", 500, NULL, day + 100);
    apply("a-paid", NULL, "in_3", 500, NULL, day + 10 + 86400 * 40); /* after the first month */
    /* A partial refund of the first payment two months later, twice (once);
     * a dispute lost on the later one; neither passes its payment. */
    struct pt_ledger_reversal parts[] = {
        {"re_1", "in_1", "refund", 200, "USD", "refunded 2.00 USD"},
        {"re_2", "in_1", "refund", 400, "USD", "refunded 4.00 USD"}, /* 600 > 500: refused */
        {"du_1", "in_3", "dispute", 500, "USD", "disputed"},
    };
    struct pt_ledger_change change = {.pledge_id = "a-paid", .now = day + 86400 * 60,
                                      .reversals = parts, .reversal_count = 3};
    struct pt_ledger_result result;
    cr_assert_eq(pt_store_ledger_apply(store, &change, &result), PT_OK);
    cr_assert_eq(result.reversals_recorded, 2);
    cr_assert_eq(pt_store_ledger_apply(store, &change, &result), PT_OK);
    cr_assert_eq(result.reversals_recorded, 0, "each part once");
    struct report_seen seen = {0};
    cr_assert_eq(pt_store_report_pledges(store, day, day + 86400, see_report_pledge, &seen), PT_OK);
    cr_assert_eq(seen.pledges[0].first_month_revenue, 300, "500 paid, 200 of it came back");
    memset(&seen, 0, sizeof(seen));
    cr_assert_eq(pt_store_report_payments(store, day + 86400 * 60, day + 86400 * 61,
                                          see_report_payment, &seen),
                 PT_OK);
    cr_assert_eq(seen.sum, -700, "the day it came back");
    struct pt_store_payment payment;
    cr_assert_eq(pt_store_payment_get(store, "in_1", &payment), PT_OK);
    cr_assert_eq(payment.reversed_minor, 200);
    cr_assert_eq(pt_store_payment_get(store, "in_9", &payment), PT_ERR_NOT_FOUND);
}

Test(store, a_failure_gives_the_caller_the_databases_own_words)
{
    struct pt_pledge pledge = {
        .id = "fedcba9876543210fedcba9876543210",
        .status = "pending",
        .frequency = PT_FREQUENCY_ONE_OFF,
        .amount_minor = 500,
        .currency = "EUR",
        .campaign = "",
        .variant = "",
        .language = "en",
        .created_at = 1796000000,
    };
    if (pt_scratch_is_postgresql(&scratch))
        cr_assert(pt_scratch_exec(&scratch,
                                  "CREATE FUNCTION no_room() RETURNS trigger LANGUAGE plpgsql AS "
                                  "$$ BEGIN RAISE EXCEPTION 'the disk is full today'; END $$; "
                                  "CREATE TRIGGER no_room BEFORE INSERT ON pledges "
                                  "FOR EACH ROW EXECUTE FUNCTION no_room()"));
    else
        cr_assert(pt_scratch_exec(&scratch,
                                  "CREATE TRIGGER no_room BEFORE INSERT ON pledges "
                                  "BEGIN SELECT RAISE(ABORT, 'the disk is full today'); END"));
    cr_assert_eq(pt_store_pledge_add(store, &pledge), PT_ERR_IO);
    cr_assert(strstr(pt_store_last_error(), "the disk is full today") != NULL, "%s",
              pt_store_last_error());
}

/* The goal ticker's figures (issue 15): new supporters by first payment,
 * money by the reports' rule, in one campaign, one currency and one window. */
Test(store, a_goal_counts_new_supporters_and_money_less_what_came_back)
{
    int64_t day = 20000 * 86400;
    add_pledge("g1", "goal", "a", PT_FREQUENCY_MONTHLY, 500, "USD", day);
    add_pledge("g2", "goal", "a", PT_FREQUENCY_ONE_OFF, 2000, "USD", day);
    add_pledge("g3", "goal", "b", PT_FREQUENCY_ONE_OFF, 700, "USD", day);
    add_pledge("g4", "goal", "b", PT_FREQUENCY_ONE_OFF, 900, "EUR", day);
    add_pledge("g5", "goal", "a", PT_FREQUENCY_MONTHLY, 300, "USD", day);
    add_pledge("other", "other", "a", PT_FREQUENCY_ONE_OFF, 5000, "USD", day);
    apply("g1", "active", "in_g1_1", 500, NULL, day - 86400); /* before the window */
    apply("g1", NULL, "in_g1_2", 500, NULL, day + 100);        /* a renewal: money, no one new */
    apply("g2", "completed", "in_g2", 2000, NULL, day + 200);
    apply("g3", "completed", "in_g3", 700, NULL, day + 300);
    apply("g4", "completed", "in_g4", 900, NULL, day + 400);   /* a supporter, not dollars */
    apply("g5", "active", NULL, 0, NULL, day + 500);           /* no payment yet: not counted */
    apply("other", "completed", "in_o", 5000, NULL, day + 600);
    apply("g2", NULL, "in_late", 0, NULL, day + 86400 * 2);    /* after the window */

    struct pt_store_goal_figure figure;
    cr_assert_eq(pt_store_goal_figure(store, "goal", "USD", day, day + 86400, &figure), PT_OK);
    cr_assert_eq(figure.supporters, 3, "g2, g3 and g4: first paid in the window");
    cr_assert_eq(figure.amount_minor, 500 + 2000 + 700, "dollars paid in the window");

    /* g3 refunded whole and g2 in part, in the window: g3 is no supporter. */
    struct pt_ledger_reversal g3_back[] = {{"re_g3", "in_g3", "refund", 700, "USD", "refunded"}};
    struct pt_ledger_change change = {.pledge_id = "g3", .now = day + 1000,
                                      .reversals = g3_back, .reversal_count = 1};
    struct pt_ledger_result result;
    cr_assert_eq(pt_store_ledger_apply(store, &change, &result), PT_OK);
    struct pt_ledger_reversal g2_back[] = {{"du_g2", "in_g2", "dispute", 500, "USD", "disputed"}};
    change = (struct pt_ledger_change){.pledge_id = "g2", .now = day + 86400 * 3,
                                       .reversals = g2_back, .reversal_count = 1};
    cr_assert_eq(pt_store_ledger_apply(store, &change, &result), PT_OK);
    cr_assert_eq(pt_store_goal_figure(store, "goal", "USD", day, day + 86400, &figure), PT_OK);
    cr_assert_eq(figure.supporters, 2, "g3's money all came back");
    cr_assert_eq(figure.amount_minor, 500 + 2000 + 700 - 700,
                 "the refund in the window; the dispute came after it");
    cr_assert_eq(pt_store_goal_figure(store, "goal", "USD", day, INT64_MAX, &figure), PT_OK);
    cr_assert_eq(figure.amount_minor, 500 + 2000 + 700 - 700 - 500, "an open end sees both");
    cr_assert_eq(figure.supporters, 2, "g2 still gave something, g3 nothing");

    cr_assert_eq(pt_store_goal_figure(store, "goal", "EUR", day, day + 86400, &figure), PT_OK);
    cr_assert_eq(figure.amount_minor, 900);
    cr_assert_eq(pt_store_goal_figure(store, "nobody", "USD", 0, INT64_MAX, &figure), PT_OK);
    cr_assert_eq(figure.supporters, 0);
    cr_assert_eq(figure.amount_minor, 0);
}

static void heard(void *context)
{
    (*(int *)context)++;
}

Test(store, the_money_listener_hears_payments_and_refunds_only)
{
    int calls = 0;
    pt_store_listen_money(store, heard, &calls);
    add_pledge("l1", "goal", "a", PT_FREQUENCY_MONTHLY, 500, "USD", 1000);
    apply("l1", "active", NULL, 0, NULL, 2000);
    cr_assert_eq(calls, 0, "a state change moves no money");
    apply("l1", NULL, "in_l1", 500, NULL, 3000);
    cr_assert_eq(calls, 1);
    struct pt_ledger_reversal back[] = {{"re_l1", "in_l1", "refund", 100, "USD", "refunded"}};
    struct pt_ledger_change change = {.pledge_id = "l1", .now = 4000, .reversals = back,
                                      .reversal_count = 1};
    struct pt_ledger_result result;
    cr_assert_eq(pt_store_ledger_apply(store, &change, &result), PT_OK);
    cr_assert_eq(calls, 2);
    cr_assert_eq(pt_store_ledger_apply(store, &change, &result), PT_OK);
    cr_assert_eq(calls, 2, "the same refund again moved nothing");
    pt_store_listen_money(store, NULL, NULL);
}
