/* Reconciliation: a bank statement's credits become the payments of the
 * bank-transfer pledges their reference codes name, each once. What names
 * no pledge waits in a queue until a person matches it to a pledge or
 * marks it as no donation. A domain module: the dashboard's statement page
 * and `patron bank import` call it; it knows the ledger and the store. */
#ifndef PATRON_RECONCILE_H
#define PATRON_RECONCILE_H

#include <stddef.h>
#include <stdint.h>

#include "patron/pledges.h"
#include "patron/statement.h"
#include "patron/status.h"

/* What one import did. */
struct pt_reconcile_summary {
    size_t credits;      /* money in: the entries reconciled */
    size_t matched;      /* became a payment of the pledge their reference names */
    size_t other_amount; /* of those, for an amount other than the pledge's */
    size_t unmatched;    /* now wait for a person */
    size_t already;      /* were in an earlier import: nothing changed */
    size_t debits;       /* money out (fees, returns): not donations, not kept */
    size_t pending;      /* not booked yet: they come again in the next statement */
    size_t lapsed;       /* standing orders not seen for lapse_days: now past due */
};

/* What an import did, in a sentence for the newsroom's staff: "12 credits:
 * 9 matched (1 for another amount), 2 waiting to be matched, 1 imported
 * before; 3 debits and 1 pending entry left out." Appends to out. */
void pt_reconcile_describe(const struct pt_reconcile_summary *summary, struct pt_buf *out);

/* Applies a statement. A credit whose text holds the reference code of a
 * bank-transfer pledge becomes that pledge's payment (its own amount and
 * currency, dated by its booking): a one-off pledge is completed, a
 * recurring one active, and the donor, if they left an address, gets the
 * receipt. Every other credit is queued unmatched. Entries seen before change
 * nothing, so importing a statement twice, or two overlapping ones, is
 * safe. Then, the statement being the newsroom's news of its account, a
 * monthly transfer pledge with no transfer for lapse_days (a yearly one for
 * a year and lapse_days) is past due, once, and its donor, if they left an
 * address, gets one email about it; the next transfer makes it active again. On a store failure the
 * entries applied so far stay applied (each once) and importing again finishes the rest. */
enum pt_status pt_reconcile_import(struct pt_ledger *ledger, const struct pt_statement *statement,
                                   int64_t now, int lapse_days,
                                   struct pt_reconcile_summary *summary, char *error,
                                   size_t error_size);

/* A person matches an unmatched entry to a pledge, named by its reference
 * code ("RF12 ABCD EFGH", as typed) or its id: the entry becomes the
 * pledge's payment as if its text had named it. by is who, for the audit.
 * PT_ERR_NOT_FOUND: no such entry or pledge; PT_ERR_CONFLICT: the entry is
 * not waiting any more. */
enum pt_status pt_reconcile_match(struct pt_ledger *ledger, const char *entry_key,
                                  const char *pledge, const char *by, int64_t now, char *error,
                                  size_t error_size);

/* A person marks an unmatched entry as no donation (a refund, a grant):
 * it leaves the queue and changes no pledge. */
enum pt_status pt_reconcile_ignore(struct pt_ledger *ledger, const char *entry_key, const char *by,
                                   int64_t now, char *error, size_t error_size);

#endif
