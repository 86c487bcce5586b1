/* A statement's credits into the ledger: each entry once, by the event id
 * "bank:KEY" in the same transaction as its payment (the ledger's rule for
 * every processor's events), and the queue of what matched nothing in
 * bank_entries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "patron/alloc.h"
#include "patron/outbox.h"
#include "patron/reconcile.h"
#include "patron/sepa.h"

/* Midday UTC of a YYYY-MM-DD booking date: the day the money arrived,
 * whatever the time zone of the bank. */
static int64_t booked_at(const char booked[11])
{
    struct tm day = {0};
    if (sscanf(booked, "%4d-%2d-%2d", &day.tm_year, &day.tm_mon, &day.tm_mday) != 3)
        return 0;
    day.tm_year -= 1900;
    day.tm_mon -= 1;
    day.tm_hour = 12;
    return (int64_t)timegm(&day);
}

/* The pledge a credit pays: a bank-transfer pledge whose reference code the
 * text holds. */
static bool pledge_for_text(struct pt_ledger *ledger, const char *text,
                            struct pt_pledge_record *pledge)
{
    char reference[PT_SEPA_REF_SIZE];
    if (!pt_sepa_ref_find(text, strlen(text), reference))
        return false;
    return pt_store_pledge_find(ledger->store, NULL, reference, pledge) == PT_OK &&
           strcmp(pledge->processor, "bank") == 0;
}

/* The entry as the pledge's payment, once: dated the day it was booked (not
 * before the pledge, not after now), a one-off pledge completed, a
 * recurring one active unless the donor stopped it. */
static enum pt_status apply_payment(struct pt_ledger *ledger, const struct pt_bank_entry *entry,
                                    const struct pt_pledge_record *pledge, int64_t now,
                                    struct pt_ledger_result *result)
{
    char event_id[PT_PAY_ID_MAX];
    snprintf(event_id, sizeof(event_id), "bank:%s", entry->key);
    int64_t at = booked_at(entry->booked);
    if (at < pledge->created_at)
        at = pledge->created_at;
    if (at == 0 || at > now)
        at = now;
    const char *status = NULL;
    if (pledge->frequency == PT_FREQUENCY_ONE_OFF)
        status = "completed";
    else if (strcmp(pledge->status, "cancelled") != 0 && strcmp(pledge->status, "paused") != 0)
        status = "active";
    char note[160];
    if (entry->amount_minor != pledge->amount_minor ||
        strcmp(entry->currency, pledge->currency) != 0)
        snprintf(note, sizeof(note), "a bank transfer of %lld %s arrived (the pledge is %lld %s)",
                 (long long)entry->amount_minor, entry->currency, (long long)pledge->amount_minor,
                 pledge->currency);
    else
        snprintf(note, sizeof(note), "a bank transfer arrived");
    struct pt_ledger_change change = {
        .event_id = event_id,
        .event_type = "bank.transfer",
        .pledge_id = pledge->id,
        .status = status,
        .payment_id = event_id,
        .payment_amount = entry->amount_minor,
        .payment_currency = entry->currency,
        .note = note,
        .now = at,
    };
    enum pt_status applied = pt_store_ledger_apply(ledger->store, &change, result);
    if (applied == PT_OK && (result->status_changed || result->payment_recorded))
        pt_outbox_wake(ledger->outbox);
    return applied;
}

static void copy_entry(struct pt_bank_entry *row, const struct pt_statement_entry *entry,
                       int64_t now)
{
    memset(row, 0, sizeof(*row));
    snprintf(row->key, sizeof(row->key), "%s", entry->key);
    snprintf(row->booked, sizeof(row->booked), "%s", entry->booked);
    row->amount_minor = entry->amount_minor;
    snprintf(row->currency, sizeof(row->currency), "%s", entry->currency);
    /* The statement's text was cut to PT_STATEMENT_TEXT_MAX at a character's
     * boundary, which the row holds whole. */
    snprintf(row->text, sizeof(row->text), "%s", entry->text);
    row->imported_at = now;
}

/* Standing orders that stopped: past due once per silence (the event id
 * names the pledge and the day it was seen), with one email. */
static enum pt_status lapse(struct pt_ledger *ledger, int64_t now, int lapse_days, size_t *lapsed,
                            char *error, size_t error_size)
{
    enum { BATCH = 256 };
    char(*ids)[33] = pt_xcalloc(BATCH, sizeof(*ids));
    int64_t silence = (int64_t)lapse_days * 86400;
    size_t count = 0;
    enum pt_status status = pt_store_pledges_overdue(
        ledger->store, "bank", now - silence, now - 365 * 86400 - silence, ids, BATCH, &count);
    for (size_t i = 0; i < count && status == PT_OK; i++) {
        char event_id[PT_PAY_ID_MAX], note[96];
        snprintf(event_id, sizeof(event_id), "lapse:%s:%lld", ids[i], (long long)(now / 86400));
        snprintf(note, sizeof(note), "no bank transfer for %d days: past due", lapse_days);
        struct pt_ledger_change change = {.event_id = event_id,
                                          .event_type = "bank.lapsed",
                                          .pledge_id = ids[i],
                                          .status = "past_due",
                                          .note = note,
                                          .now = now};
        struct pt_ledger_result result;
        status = pt_store_ledger_apply(ledger->store, &change, &result);
        if (status == PT_OK && result.status_changed) {
            (*lapsed)++;
            status = pt_store_outbox_add(ledger->store, ids[i], "lapsed", "{}", now);
            pt_outbox_wake(ledger->outbox);
        }
    }
    free(ids);
    if (status != PT_OK)
        snprintf(error, error_size, "a lapsed pledge could not be marked: %s",
                 pt_store_last_error());
    return status;
}

enum pt_status pt_reconcile_import(struct pt_ledger *ledger, const struct pt_statement *statement,
                                   int64_t now, int lapse_days,
                                   struct pt_reconcile_summary *summary, char *error,
                                   size_t error_size)
{
    memset(summary, 0, sizeof(*summary));
    summary->pending = statement->skipped;
    for (size_t i = 0; i < statement->count; i++) {
        const struct pt_statement_entry *entry = &statement->entries[i];
        if (!entry->credit || entry->reversal) {
            summary->debits++;
            continue;
        }
        summary->credits++;
        struct pt_bank_entry row;
        copy_entry(&row, entry, now);
        struct pt_pledge_record pledge;
        bool named = pledge_for_text(ledger, entry->text, &pledge);
        enum pt_status status = PT_OK;
        bool added = false;
        if (named) {
            struct pt_ledger_result result;
            status = apply_payment(ledger, &row, &pledge, now, &result);
            if (status == PT_OK) {
                snprintf(row.state, sizeof(row.state), "matched");
                snprintf(row.pledge_id, sizeof(row.pledge_id), "%s", pledge.id);
                status = pt_store_bank_entry_add(ledger->store, &row, &added);
            }
            if (status == PT_OK && result.duplicate) {
                summary->already++;
            } else if (status == PT_OK) {
                summary->matched++;
                summary->other_amount += entry->amount_minor != pledge.amount_minor ||
                                         strcmp(entry->currency, pledge.currency) != 0;
            }
        } else {
            snprintf(row.state, sizeof(row.state), "unmatched");
            status = pt_store_bank_entry_add(ledger->store, &row, &added);
            if (status == PT_OK && added)
                summary->unmatched++;
            else if (status == PT_OK)
                summary->already++;
        }
        if (status != PT_OK) {
            snprintf(error, error_size, "entry %s could not be stored: %s", entry->key,
                     pt_store_last_error());
            return status;
        }
    }
    return lapse_days > 0 ? lapse(ledger, now, lapse_days, &summary->lapsed, error, error_size)
                          : PT_OK;
}

/* A pledge as a person names it: its reference code however typed, or its
 * id. */
static enum pt_status find_pledge(struct pt_ledger *ledger, const char *named,
                                  struct pt_pledge_record *pledge)
{
    char reference[PT_SEPA_REF_SIZE];
    if (named != NULL && pt_sepa_ref_find(named, strlen(named), reference) &&
        pt_store_pledge_find(ledger->store, NULL, reference, pledge) == PT_OK)
        return PT_OK;
    if (named != NULL && strlen(named) == 32 &&
        pt_store_pledge_get(ledger->store, named, pledge) == PT_OK)
        return PT_OK;
    return PT_ERR_NOT_FOUND;
}

enum pt_status pt_reconcile_match(struct pt_ledger *ledger, const char *entry_key,
                                  const char *pledge_named, const char *by, int64_t now,
                                  char *error, size_t error_size)
{
    struct pt_bank_entry entry;
    enum pt_status status = pt_store_bank_entry_get(ledger->store, entry_key, &entry);
    if (status != PT_OK) {
        snprintf(error, error_size, "no statement entry has that key");
        return status;
    }
    struct pt_pledge_record pledge;
    if (find_pledge(ledger, pledge_named, &pledge) != PT_OK) {
        snprintf(error, error_size, "no pledge has that reference code or id");
        return PT_ERR_NOT_FOUND;
    }
    /* Matched to this pledge already: the payment is applied again, which
     * records it if a failure stopped it last time and changes nothing
     * otherwise. */
    bool again = strcmp(entry.state, "matched") == 0 && strcmp(entry.pledge_id, pledge.id) == 0;
    if (strcmp(entry.state, "unmatched") != 0 && !again) {
        snprintf(error, error_size, "the entry was %s already", entry.state);
        return PT_ERR_CONFLICT;
    }
    /* The queue first: of two people matching at once, one wins, and the
     * payment is recorded once, for the pledge the winner named. */
    if (!again)
        status =
            pt_store_bank_entry_resolve(ledger->store, entry_key, "matched", pledge.id, by, now);
    if (status == PT_ERR_CONFLICT) {
        snprintf(error, error_size, "someone resolved the entry already");
        return status;
    }
    if (status != PT_OK) {
        snprintf(error, error_size, "the entry could not be updated: %s", pt_store_last_error());
        return status;
    }
    struct pt_ledger_result result;
    status = apply_payment(ledger, &entry, &pledge, now, &result);
    if (status != PT_OK)
        snprintf(error, error_size, "the payment could not be recorded: %s", pt_store_last_error());
    return status;
}

enum pt_status pt_reconcile_ignore(struct pt_ledger *ledger, const char *entry_key, const char *by,
                                   int64_t now, char *error, size_t error_size)
{
    enum pt_status status =
        pt_store_bank_entry_resolve(ledger->store, entry_key, "ignored", "", by, now);
    if (status == PT_ERR_CONFLICT)
        snprintf(error, error_size,
                 "the entry is not waiting: it was resolved already, or "
                 "there is none with that key");
    else if (status != PT_OK)
        snprintf(error, error_size, "the entry could not be updated: %s", pt_store_last_error());
    return status;
}

void pt_reconcile_describe(const struct pt_reconcile_summary *summary, struct pt_buf *out)
{
    pt_buf_printf(out,
                  "%zu credit%s: %zu matched (%zu for another amount), %zu waiting to be "
                  "matched, %zu imported before; %zu debit%s and %zu pending entr%s left out.",
                  summary->credits, summary->credits == 1 ? "" : "s", summary->matched,
                  summary->other_amount, summary->unmatched, summary->already, summary->debits,
                  summary->debits == 1 ? "" : "s", summary->pending,
                  summary->pending == 1 ? "y" : "ies");
    if (summary->lapsed > 0)
        pt_buf_printf(out, " %zu standing order%s stopped arriving: now past due.", summary->lapsed,
                      summary->lapsed == 1 ? "" : "s");
}
