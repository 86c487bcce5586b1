/* Refunds and disputes in the books (issue 14): money paid that came back,
 * told by the processor (a refund made anywhere, a dispute and how it
 * ended) or started by the newsroom from the dashboard. Each part is
 * recorded once against its payment in payment_reversals, never more in
 * all than the payment, with a line in the pledge's history; the reports
 * subtract it on the day it came back. A domain module beside pledges.c:
 * it knows the store and the processors, never the web layer. */
#ifndef PATRON_REFUNDS_H
#define PATRON_REFUNDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "patron/pay.h"
#include "patron/pledges.h"
#include "patron/store.h"

/* Applies a verified PT_PAY_EVENT_CHARGE event once: re-reads the charge
 * with its refunds and dispute from the processor and records what the
 * books do not hold yet. A charge the ledger cannot place (no payment of
 * its, no pledge of its) changes nothing (*ignored). When the processor
 * tells of a payment before the ledger has it, the payment is recorded
 * with it (both once). PT_ERR_IO: ask again later. */
enum pt_status pt_refunds_apply_charge(struct pt_ledger *ledger, struct pt_pay *pay,
                                       const struct pt_pay_event *event, int64_t now,
                                       struct pt_ledger_result *result, bool *ignored,
                                       char *error, size_t error_size);

/* Applies a PT_PAY_EVENT_CHECKOUT_FAILED event once: a checkout of ours
 * whose delayed payment failed, re-read, is a failed payment of its pledge
 * (one line in the history, one email). A checkout paid after all, or not
 * ours, changes nothing. */
enum pt_status pt_refunds_apply_failed_checkout(struct pt_ledger *ledger, struct pt_pay *pay,
                                                const struct pt_pay_event *event, int64_t now,
                                                struct pt_ledger_result *result, bool *ignored,
                                                char *error, size_t error_size);

/* Whether the rail of a pledge can pay back by itself (refund in pay.h). */
bool pt_refunds_possible(const struct pt_ledger *ledger, const struct pt_pledge_record *pledge);

/* The newsroom pays back amount_minor of the ledger's payment payment_id
 * through its processor, then records the refund at once by the
 * processor's id for it, so that its webhook, re-reading the same refund,
 * adds nothing. The idempotency key is made of the payment, what came back
 * of it so far and the amount: a repeated click is one refund.
 * PT_ERR_INVALID (error says why) for an amount above what is left, a
 * payment the ledger does not hold, or a rail that cannot refund. */
enum pt_status pt_refunds_start(struct pt_ledger *ledger, const char *payment_id,
                                int64_t amount_minor, int64_t now, struct pt_pay_refund *refund,
                                char *error, size_t error_size);

#endif
