#include "patron/refunds.h"

#include <stdio.h>
#include <string.h>

#include "patron/log.h"
#include "patron/money.h"
#include "patron/outbox.h"

/* "refunded 5.00 USD": a line of the pledge's history, never the donor;
 * exact to the minor unit, as the books are. */
static void describe(char *out, size_t size, const char *what, int64_t minor,
                     const char *currency)
{
    const struct pt_currency *known = pt_money_currency(currency);
    int exponent = known != NULL ? known->exponent : 2;
    int64_t unit = known != NULL ? pt_money_unit(known) : 100;
    int64_t value = minor < 0 ? -minor : minor;
    if (exponent == 0)
        snprintf(out, size, "%s %lld %s", what, (long long)value, currency);
    else
        snprintf(out, size, "%s %lld.%0*lld %s", what, (long long)(value / unit), exponent,
                 (long long)(value % unit), currency);
}

/* The ledger's payment a charge is, by the ids it may be known by. */
static enum pt_status find_payment(struct pt_ledger *ledger, const struct pt_pay_charge *charge,
                                   struct pt_store_payment *payment)
{
    for (size_t i = 0; i < 3; i++) {
        if (charge->payment_ids[i][0] == '\0')
            continue;
        enum pt_status status = pt_store_payment_get(ledger->store, charge->payment_ids[i],
                                                     payment);
        if (status != PT_ERR_NOT_FOUND)
            return status;
    }
    return PT_ERR_NOT_FOUND;
}

/* The pledge a charge paid, when the ledger has not recorded its payment
 * yet: by the metadata of what it paid, else by its subscription; only a
 * pledge of this processor. */
static enum pt_status find_pledge(struct pt_ledger *ledger, struct pt_pay *pay,
                                  const struct pt_pay_charge *charge,
                                  struct pt_pledge_record *pledge)
{
    enum pt_status status = PT_ERR_NOT_FOUND;
    if (charge->pledge_id[0] != '\0')
        status = pt_store_pledge_get(ledger->store, charge->pledge_id, pledge);
    if (status == PT_ERR_NOT_FOUND && charge->subscription[0] != '\0')
        status = pt_store_pledge_find(ledger->store, charge->subscription, NULL, pledge);
    if (status == PT_OK && strcmp(pledge->processor[0] ? pledge->processor : "stripe",
                                  pay->ops->name) != 0)
        status = PT_ERR_NOT_FOUND;
    return status;
}

enum pt_status pt_refunds_apply_charge(struct pt_ledger *ledger, struct pt_pay *pay,
                                       const struct pt_pay_event *event, int64_t now,
                                       struct pt_ledger_result *result, bool *ignored,
                                       char *error, size_t error_size)
{
    memset(result, 0, sizeof(*result));
    *ignored = false;
    if (pay == NULL || pay->ops->read_charge == NULL || event->charge[0] == '\0') {
        *ignored = true;
        return PT_OK;
    }
    /* Events come late, twice and out of order: the charge as the processor
     * has it now is the truth, with every refund and the dispute's state. */
    struct pt_pay_charge charge;
    enum pt_status status = pay->ops->read_charge(pay, event->charge, &charge, error, error_size);
    if (status == PT_ERR_NOT_FOUND) {
        *ignored = true;
        return PT_OK;
    }
    if (status)
        return status;
    struct pt_store_payment payment;
    struct pt_ledger_change change = {
        .event_id = event->id,
        .event_type = event->type,
        .now = now,
    };
    status = find_payment(ledger, &charge, &payment);
    if (status == PT_ERR_NOT_FOUND) {
        /* Told of the refund before the payment: both, each once. */
        struct pt_pledge_record pledge;
        status = find_pledge(ledger, pay, &charge, &pledge);
        if (status == PT_ERR_NOT_FOUND) {
            *ignored = true; /* a charge that is not a patron pledge's */
            return PT_OK;
        }
        if (status)
            return status;
        memset(&payment, 0, sizeof(payment));
        const char *id = charge.payment_ids[0][0] ? charge.payment_ids[0]
                         : charge.payment_ids[1][0] ? charge.payment_ids[1]
                                                     : charge.id;
        snprintf(payment.id, sizeof(payment.id), "%s", id);
        snprintf(payment.pledge_id, sizeof(payment.pledge_id), "%s", pledge.id);
        payment.amount_minor = charge.amount_minor;
        snprintf(payment.currency, sizeof(payment.currency), "%s",
                 charge.currency[0] ? charge.currency : pledge.currency);
        change.payment_id = payment.id;
        change.payment_amount = payment.amount_minor;
        change.payment_currency = payment.currency;
    } else if (status) {
        return status;
    }
    change.pledge_id = payment.pledge_id;

    struct pt_ledger_reversal parts[PT_PAY_REFUNDS_MAX + 2];
    char notes[PT_PAY_REFUNDS_MAX + 2][96];
    char won_id[PT_PAY_ID_MAX + 8];
    size_t count = 0;
    for (size_t i = 0; i < charge.refund_count; i++) {
        const struct pt_pay_refund *refund = &charge.refunds[i];
        if (!refund->counts || refund->amount_minor <= 0)
            continue;
        describe(notes[count], sizeof(notes[count]), "refunded", refund->amount_minor,
                 payment.currency);
        parts[count] = (struct pt_ledger_reversal){
            .id = refund->id,
            .payment_id = payment.id,
            .kind = "refund",
            .amount_minor = refund->amount_minor,
            .currency = payment.currency,
            .note = notes[count],
        };
        count++;
    }
    struct pt_ledger_dispute dispute;
    char dispute_note[160];
    if (charge.disputed && charge.dispute.id[0] != '\0') {
        const struct pt_pay_dispute *d = &charge.dispute;
        if (d->withdrawn && d->amount_minor > 0) {
            describe(notes[count], sizeof(notes[count]), "disputed: taken back",
                     d->amount_minor, payment.currency);
            parts[count] = (struct pt_ledger_reversal){
                .id = d->id,
                .payment_id = payment.id,
                .kind = "dispute",
                .amount_minor = d->amount_minor,
                .currency = payment.currency,
                .note = notes[count],
            };
            count++;
        }
        if (d->withdrawn && d->returned && d->amount_minor > 0) {
            snprintf(won_id, sizeof(won_id), "%s-won", d->id);
            describe(notes[count], sizeof(notes[count]), "dispute won: returned",
                     d->amount_minor, payment.currency);
            parts[count] = (struct pt_ledger_reversal){
                .id = won_id,
                .payment_id = payment.id,
                .kind = "dispute_won",
                .amount_minor = -d->amount_minor,
                .currency = payment.currency,
                .note = notes[count],
            };
            count++;
        }
        snprintf(dispute_note, sizeof(dispute_note), "dispute %s%s%s", d->status,
                 d->reason[0] ? ": " : "", d->reason);
        dispute = (struct pt_ledger_dispute){
            .id = d->id,
            .payment_id = payment.id,
            .amount_minor = d->amount_minor,
            .currency = payment.currency,
            .status = d->status,
            .reason = d->reason,
            .open = d->open,
            .note = dispute_note,
        };
        change.dispute = &dispute;
    }
    change.reversals = parts;
    change.reversal_count = count;
    status = pt_store_ledger_apply(ledger->store, &change, result);
    if (status == PT_OK && result->payment_recorded)
        pt_outbox_wake(ledger->outbox);
    return status;
}

enum pt_status pt_refunds_apply_failed_checkout(struct pt_ledger *ledger, struct pt_pay *pay,
                                                const struct pt_pay_event *event, int64_t now,
                                                struct pt_ledger_result *result, bool *ignored,
                                                char *error, size_t error_size)
{
    memset(result, 0, sizeof(*result));
    *ignored = false;
    struct pt_pay_session session;
    enum pt_status status =
        pay->ops->read_session(pay, event->object_id, &session, error, error_size);
    if (status == PT_ERR_NOT_FOUND) {
        *ignored = true;
        return PT_OK;
    }
    if (status)
        return status;
    struct pt_pledge_record pledge;
    status = pt_store_pledge_get(ledger->store, session.pledge_id, &pledge);
    if (status == PT_OK && strcmp(pledge.checkout_id, session.id) != 0)
        status = PT_ERR_NOT_FOUND;
    if (status == PT_ERR_NOT_FOUND || strcmp(session.payment_status, "paid") == 0) {
        *ignored = true; /* not ours, or paid after all: nothing failed */
        return PT_OK;
    }
    if (status)
        return status;
    struct pt_ledger_change change = {
        .event_id = event->id,
        .event_type = event->type,
        .pledge_id = pledge.id,
        .failure_invoice = session.payment[0] ? session.payment : session.id,
        .failure_attempt = 1,
        .note = "the delayed payment failed",
        .now = now,
    };
    status = pt_store_ledger_apply(ledger->store, &change, result);
    if (status == PT_OK && result->failure_recorded)
        pt_outbox_wake(ledger->outbox);
    return status;
}

bool pt_refunds_possible(const struct pt_ledger *ledger, const struct pt_pledge_record *pledge)
{
    struct pt_pay *pay = pt_pledges_processor(ledger, pledge);
    return pay != NULL && pay->ops->refund != NULL;
}

enum pt_status pt_refunds_start(struct pt_ledger *ledger, const char *payment_id,
                                int64_t amount_minor, int64_t now, struct pt_pay_refund *refund,
                                char *error, size_t error_size)
{
    memset(refund, 0, sizeof(*refund));
    struct pt_store_payment payment;
    enum pt_status status = pt_store_payment_get(ledger->store, payment_id, &payment);
    if (status == PT_ERR_NOT_FOUND) {
        snprintf(error, error_size, "there is no payment %s in the ledger", payment_id);
        return PT_ERR_INVALID;
    }
    struct pt_pledge_record pledge;
    if (status == PT_OK)
        status = pt_store_pledge_get(ledger->store, payment.pledge_id, &pledge);
    if (status) {
        snprintf(error, error_size, "the payment could not be read");
        return status;
    }
    struct pt_pay *pay = pt_pledges_processor(ledger, &pledge);
    if (pay == NULL || pay->ops->refund == NULL) {
        snprintf(error, error_size,
                 "%s cannot pay back by itself: the newsroom pays back by hand",
                 pay != NULL ? pay->ops->label : "this rail");
        return PT_ERR_INVALID;
    }
    int64_t left = payment.amount_minor - payment.reversed_minor;
    if (amount_minor <= 0 || amount_minor > left) {
        snprintf(error, error_size, "the amount must be more than 0 and at most what is left "
                                    "of the payment (%lld minor units)",
                 (long long)(left > 0 ? left : 0));
        return PT_ERR_INVALID;
    }
    char key[200];
    snprintf(key, sizeof(key), "patron-refund-%s-%lld-%lld", payment.id,
             (long long)payment.reversed_minor, (long long)amount_minor);
    status = pay->ops->refund(pay, payment.id, amount_minor, payment.currency, key, refund, error,
                              error_size);
    if (status)
        return status;
    if (!refund->counts)
        return PT_OK; /* pending: its webhook records it once it succeeds */
    char note[96];
    describe(note, sizeof(note), "refunded by the newsroom", refund->amount_minor,
             payment.currency);
    struct pt_ledger_reversal part = {
        .id = refund->id,
        .payment_id = payment.id,
        .kind = "refund",
        .amount_minor = refund->amount_minor,
        .currency = payment.currency,
        .note = note,
    };
    struct pt_ledger_change change = {
        .pledge_id = pledge.id,
        .reversals = &part,
        .reversal_count = 1,
        .now = now,
    };
    struct pt_ledger_result result;
    status = pt_store_ledger_apply(ledger->store, &change, &result);
    if (status) {
        /* The money went back; its webhook will record it. */
        pt_log(PT_LOG_WARNING, "refund %s was made but could not be recorded now; its webhook "
                               "records it", refund->id);
        return PT_OK;
    }
    return PT_OK;
}
