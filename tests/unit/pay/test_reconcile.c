/* Reconciliation (reconcile.c) against a real store: bank-transfer pledges
 * made through the ledger with the bank rail, statements built in memory,
 * applied once, matched and set aside by hand, and standing orders that
 * stop. */
#include <criterion/criterion.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../scratch.h"
#include "patron/pay.h"
#include "patron/reconcile.h"
#include "patron/sepa.h"

#define NOW 1796400000 /* 2026-12-04 */
#define DAY 86400

static struct pt_scratch scratch;
static struct pt_crypto crypto;
static struct pt_mail_settings no_mail = {.url = ""};
static struct pt_ledger ledger;
static struct pt_processors *processors;

static void setup(void)
{
    cr_assert(sodium_init() >= 0);
    pt_scratch_open(&scratch, "reconcile");
    char key_path[PATH_MAX + 16], error[256];
    snprintf(key_path, sizeof(key_path), "%s/key", scratch.folder);
    cr_assert_eq(pt_crypto_load(&crypto, key_path, error, sizeof(error)), PT_OK, "%s", error);
    processors = pt_processors_new();
    struct pt_bank_settings bank = {"Newsroom e.V.", "DE89 3704 0044 0532 0130 00", "", "", "EUR"};
    struct pt_pay *pay = NULL;
    cr_assert_eq(pt_pay_bank_new(&bank, &pay, error, sizeof(error)), PT_OK, "%s", error);
    cr_assert_eq(pt_processors_add(processors, pay, error, sizeof(error)), PT_OK);
    ledger = (struct pt_ledger){.store = scratch.store,
                                .processors = processors,
                                .crypto = &crypto,
                                .mail = &no_mail,
                                .public_url = "https://news.example",
                                .newsroom_name = "The Example",
                                .manage_link_days = 30};
}

static void teardown(void)
{
    pt_processors_free(processors);
    pt_scratch_close(&scratch);
}

TestSuite(reconcile, .init = setup, .fini = teardown);

struct made {
    char id[33];
    char reference[PT_SEPA_REF_SIZE];
};

static struct made transfer_pledge(enum pt_frequency frequency, int64_t minor, const char *email)
{
    struct pt_pledge_request request = {frequency, minor, "EUR", "spring", "a",   "en",
                                        NULL,      email, NULL,  "bank",   false, NULL};
    struct made made;
    char url[PT_PAY_URL_MAX], error[256];
    cr_assert_eq(
        pt_pledges_create(&ledger, &request, NOW, made.id, url, sizeof(url), error, sizeof(error)),
        PT_OK, "%s", error);
    struct pt_pledge_record record;
    cr_assert_eq(pt_store_pledge_get(scratch.store, made.id, &record), PT_OK);
    cr_assert_str_eq(record.processor, "bank");
    cr_assert(pt_sepa_ref_valid(record.checkout_id), "%s", record.checkout_id);
    cr_assert_eq(strlen(record.checkout_id), PT_SEPA_REF_SIZE - 1);
    memcpy(made.reference, record.checkout_id, PT_SEPA_REF_SIZE);
    /* The thank-you page is where the reader goes next: it names the code. */
    cr_assert_not_null(strstr(url, made.reference), "%s", url);
    return made;
}

/* A statement of credits (or a debit when amount is negative). */
struct line {
    const char *key;
    int64_t amount;
    const char *text;
};

static struct pt_statement statement_of(const struct line *lines, size_t count)
{
    struct pt_statement statement = {0};
    statement.entries = calloc(count + 1, sizeof(*statement.entries));
    statement.count = count;
    for (size_t i = 0; i < count; i++) {
        struct pt_statement_entry *e = &statement.entries[i];
        snprintf(e->key, sizeof(e->key), "%s", lines[i].key);
        snprintf(e->booked, sizeof(e->booked), "2026-12-04");
        e->amount_minor = lines[i].amount < 0 ? -lines[i].amount : lines[i].amount;
        e->credit = lines[i].amount > 0;
        snprintf(e->currency, sizeof(e->currency), "EUR");
        e->text = strdup(lines[i].text);
    }
    return statement;
}

static int64_t count_of(const char *format, const char *id)
{
    char sql[300];
    snprintf(sql, sizeof(sql), format, id);
    return pt_scratch_query_int(&scratch, sql);
}

Test(reconcile, credits_become_payments_once_and_the_rest_waits)
{
    struct made once = transfer_pledge(PT_FREQUENCY_ONE_OFF, 2500, NULL);
    struct made monthly = transfer_pledge(PT_FREQUENCY_MONTHLY, 500, "donor@example.org");
    char loose[64];
    snprintf(loose, sizeof(loose), "spende %.4s-%.4s-%.4s", monthly.reference,
             monthly.reference + 4, monthly.reference + 8);
    for (char *p = loose; *p; p++)
        *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
    const struct line lines[] = {
        {"K-1", 3000, once.reference}, /* more than pledged: recorded as it is */
        {"K-2", 500, loose},
        {"K-3", 700, "no code at all"},
        {"K-4", -1200, "account fee"},
    };
    struct pt_statement statement = statement_of(lines, 4);
    struct pt_reconcile_summary summary;
    char error[256] = "";
    cr_assert_eq(
        pt_reconcile_import(&ledger, &statement, NOW + DAY, 40, &summary, error, sizeof(error)),
        PT_OK, "%s", error);
    cr_assert_eq(summary.credits, 3);
    cr_assert_eq(summary.matched, 2);
    cr_assert_eq(summary.other_amount, 1);
    cr_assert_eq(summary.unmatched, 1);
    cr_assert_eq(summary.debits, 1);
    cr_assert_eq(summary.already, 0);
    struct pt_pledge_record record;
    cr_assert_eq(pt_store_pledge_get(scratch.store, once.id, &record), PT_OK);
    cr_assert_str_eq(record.status, "completed");
    cr_assert_eq(pt_store_pledge_get(scratch.store, monthly.id, &record), PT_OK);
    cr_assert_str_eq(record.status, "active");
    cr_assert_eq(count_of("SELECT sum(amount_minor) FROM payments WHERE pledge_id = '%s'", once.id),
                 3000);
    cr_assert_eq(count_of("SELECT count(*) FROM outbox WHERE pledge_id = '%s' AND kind = "
                          "'receipt'",
                          monthly.id),
                 1);

    /* Again: nothing changes. */
    struct pt_reconcile_summary again;
    cr_assert_eq(
        pt_reconcile_import(&ledger, &statement, NOW + 2 * DAY, 40, &again, error, sizeof(error)),
        PT_OK, "%s", error);
    cr_assert_eq(again.matched + again.unmatched, 0);
    cr_assert_eq(again.already, 3);
    cr_assert_eq(count_of("SELECT count(*) FROM payments WHERE pledge_id = '%s'", monthly.id), 1);
    cr_assert_eq(count_of("SELECT count(*) FROM outbox WHERE pledge_id = '%s' AND kind = "
                          "'receipt'",
                          monthly.id),
                 1);
    struct pt_buf said;
    pt_buf_init(&said);
    pt_reconcile_describe(&summary, &said);
    cr_assert_str_eq(said.data, "3 credits: 2 matched (1 for another amount), 1 waiting to be "
                                "matched, 0 imported before; 1 debit and 0 pending entries left "
                                "out.");
    pt_buf_dispose(&said);
    pt_statement_dispose(&statement);
}

Test(reconcile, a_person_matches_or_sets_aside_what_waits_once)
{
    struct made pledge = transfer_pledge(PT_FREQUENCY_ONE_OFF, 1000, NULL);
    const struct line lines[] = {{"M-1", 1000, "Spende RF00 XXXX"}, {"M-2", 4000, "refund"}};
    struct pt_statement statement = statement_of(lines, 2);
    struct pt_reconcile_summary summary;
    char error[256] = "";
    cr_assert_eq(pt_reconcile_import(&ledger, &statement, NOW, 0, &summary, error, sizeof(error)),
                 PT_OK);
    cr_assert_eq(summary.unmatched, 2);
    cr_assert_eq(pt_reconcile_match(&ledger, "M-1", "RF00 0000 0000", "a@news.example", NOW, error,
                                    sizeof(error)),
                 PT_ERR_NOT_FOUND);
    cr_assert_eq(pt_reconcile_match(&ledger, "nope", pledge.reference, "a@news.example", NOW, error,
                                    sizeof(error)),
                 PT_ERR_NOT_FOUND);
    cr_assert_eq(pt_reconcile_match(&ledger, "M-1", pledge.reference, "a@news.example", NOW, error,
                                    sizeof(error)),
                 PT_OK, "%s", error);
    /* The same match again records nothing more; another pledge is refused. */
    cr_assert_eq(
        pt_reconcile_match(&ledger, "M-1", pledge.id, "b@news.example", NOW, error, sizeof(error)),
        PT_OK, "%s", error);
    cr_assert_eq(count_of("SELECT count(*) FROM payments WHERE pledge_id = '%s'", pledge.id), 1);
    struct made other = transfer_pledge(PT_FREQUENCY_ONE_OFF, 500, NULL);
    cr_assert_eq(pt_reconcile_match(&ledger, "M-1", other.reference, "b@news.example", NOW, error,
                                    sizeof(error)),
                 PT_ERR_CONFLICT);
    struct pt_bank_entry entry;
    cr_assert_eq(pt_store_bank_entry_get(scratch.store, "M-1", &entry), PT_OK);
    cr_assert_str_eq(entry.state, "matched");
    cr_assert_str_eq(entry.pledge_id, pledge.id);
    cr_assert_str_eq(entry.resolved_by, "a@news.example");
    cr_assert_eq(pt_reconcile_ignore(&ledger, "M-2", "a@news.example", NOW, error, sizeof(error)),
                 PT_OK);
    cr_assert_eq(pt_reconcile_ignore(&ledger, "M-2", "a@news.example", NOW, error, sizeof(error)),
                 PT_ERR_CONFLICT);
    cr_assert_eq(pt_store_bank_entry_get(scratch.store, "M-2", &entry), PT_OK);
    cr_assert_str_eq(entry.state, "ignored");
    pt_statement_dispose(&statement);
}

Test(reconcile, a_standing_order_that_stops_is_past_due_once)
{
    struct made pledge = transfer_pledge(PT_FREQUENCY_MONTHLY, 500, "d@example.org");
    const struct line first[] = {{"S-1", 500, pledge.reference}};
    struct pt_statement statement = statement_of(first, 1);
    struct pt_reconcile_summary summary;
    char error[256] = "";
    cr_assert_eq(pt_reconcile_import(&ledger, &statement, NOW, 40, &summary, error, sizeof(error)),
                 PT_OK);
    pt_statement_dispose(&statement);
    struct pt_statement empty = {0};
    cr_assert_eq(
        pt_reconcile_import(&ledger, &empty, NOW + 39 * DAY, 40, &summary, error, sizeof(error)),
        PT_OK);
    cr_assert_eq(summary.lapsed, 0);
    cr_assert_eq(
        pt_reconcile_import(&ledger, &empty, NOW + 41 * DAY, 40, &summary, error, sizeof(error)),
        PT_OK);
    cr_assert_eq(summary.lapsed, 1);
    cr_assert_eq(
        pt_reconcile_import(&ledger, &empty, NOW + 50 * DAY, 40, &summary, error, sizeof(error)),
        PT_OK);
    cr_assert_eq(summary.lapsed, 0, "once per silence");
    struct pt_pledge_record record;
    cr_assert_eq(pt_store_pledge_get(scratch.store, pledge.id, &record), PT_OK);
    cr_assert_str_eq(record.status, "past_due");
    cr_assert_eq(count_of("SELECT count(*) FROM outbox WHERE pledge_id = '%s' AND kind = "
                          "'lapsed'",
                          pledge.id),
                 1);
}
