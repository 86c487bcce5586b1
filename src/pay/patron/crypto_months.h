/* Monthly pledges in cryptocurrency (BTCPay): nothing can be charged
 * without the donor, so each month patron emails the donor (when they gave
 * an address) one signed link that makes that month's invoice, and a pledge
 * with two months unpaid lapses. Month n of a pledge starts n calendar
 * months after it was made (a pledge of 31 January: 28 February); month 0
 * is paid at its checkout. An annual pledge's periods are twelve months.
 * Works on the ledger's store only: the emails go through the outbox, once
 * per pledge and month (an event id of the ledger's), and the invoice
 * through the pledge's processor. */
#ifndef PATRON_CRYPTO_MONTHS_H
#define PATRON_CRYPTO_MONTHS_H

#include <stddef.h>
#include <stdint.h>

#include "patron/crypto.h"
#include "patron/pledges.h"
#include "patron/status.h"

/* Unpaid periods (months; years for an annual pledge) after which a
 * pledge lapses. */
#define PT_CRYPTO_MONTHS_LAPSE 2
/* How long a month's link works: until the pledge would lapse. */
#define PT_CRYPTO_MONTHS_LINK_DAYS 62
/* The email's kind in the outbox. */
#define PT_CRYPTO_MONTHS_EMAIL "crypto_month"

struct pt_crypto_months_report {
    int emailed; /* month emails queued */
    int lapsed;  /* pledges that lapsed */
};

/* The month of a pledge made at created_at that now falls in (0 for the
 * first), and when month period starts. */
int pt_crypto_months_period(int64_t created_at, int64_t now);
int64_t pt_crypto_months_start(int64_t created_at, int period);

/* Queues each due period's email and lapses pledges two periods unpaid,
 * for the active monthly and annual pledges of processor_name ("btcpay"). Safe to run
 * any number of times. */
enum pt_status pt_crypto_months_run(struct pt_ledger *ledger, const char *processor_name,
                                    int64_t now, struct pt_crypto_months_report *report);

/* The signed link's token for a pledge's month, and its check (PT_ERR_INVALID
 * when forged, foreign or expired). */
void pt_crypto_months_token(const struct pt_crypto *crypto, const char *pledge_id, int period,
                            int64_t expires_at, char token[PT_CRYPTO_LINK_TOKEN_MAX]);
enum pt_status pt_crypto_months_check_token(const struct pt_crypto *crypto, const char *token,
                                            int64_t now, char pledge_id[33], int *period);

/* The invoice for a pledge's month (the one already made for it, if any):
 * url is where to send the donor. PT_ERR_CONFLICT when the pledge is not a
 * running monthly pledge of a processor that takes such payments. */
enum pt_status pt_crypto_months_invoice(struct pt_ledger *ledger,
                                        const struct pt_pledge_record *pledge, int period,
                                        char *url, size_t url_size, char *error, size_t error_size);

#endif
