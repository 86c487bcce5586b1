/* Pledges that really charge: starting a checkout, applying what the
 * processor reports (webhooks and the thank-you page alike), the signed
 * links that let a donor manage a pledge without an account, and the
 * emails that the ledger queues. */
#ifndef PATRON_PLEDGES_H
#define PATRON_PLEDGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "patron/app.h"
#include "patron/crypto.h"
#include "patron/pay.h"
#include "patron/store.h"

#define PT_MANAGE_TOKEN_MAX PT_CRYPTO_LINK_TOKEN_MAX

/* Creates the processor's checkout for a stored pending pledge and records
 * its id; url is where to send the donor. return_url (may be NULL) is the
 * article the thank-you page leads back to. */
enum pt_status pt_pledges_start_checkout(struct pt_app *app, const struct pt_pledge_record *pledge,
                                         const char *return_url, char *url, size_t url_size,
                                         char *error, size_t error_size);

/* Re-reads a checkout from the processor and applies it: the pledge becomes
 * active (or, once paid, completed), with the donor's sealed address.
 * event_id is the webhook's, or NULL from the thank-you page. */
enum pt_status pt_pledges_apply_session(struct pt_app *app, const char *session_id,
                                        const char *event_id, const char *event_type,
                                        int64_t now, struct pt_ledger_result *result,
                                        char *error, size_t error_size);

/* Applies a verified webhook event once, re-reading its object first.
 * Events of other types, or about objects that are not ours, change
 * nothing (*ignored is set). */
enum pt_status pt_pledges_apply_event(struct pt_app *app, const struct pt_pay_event *event,
                                      int64_t now, struct pt_ledger_result *result, bool *ignored,
                                      char *error, size_t error_size);

/* The ledger's state for a processor subscription's status. */
const char *pt_pledges_status_for(const struct pt_pay_subscription *subscription);

/* A signed, expiring manage token for a pledge (base64url). */
void pt_pledges_manage_token(const struct pt_crypto *crypto, const char *pledge_id,
                             int64_t expires_at, char token[PT_MANAGE_TOKEN_MAX]);
/* The pledge a token was made for; PT_ERR_INVALID if forged, foreign or
 * expired. */
enum pt_status pt_pledges_check_manage_token(const struct pt_crypto *crypto, const char *token,
                                             int64_t now, char pledge_id[33]);

/* A lost manage link (/manage/lost): the request only queues the address's
 * keyed hash, and the outbox thread answers it, so the request does the same
 * work for every address (issue 16). A known address is sent a magic link,
 * at most PT_MAGIC_EMAILS_PER_HOUR an hour; its token is made when the email
 * is sent and only its hash is stored; it works once, within
 * PT_MAGIC_LINK_SECONDS, and leads to every pledge of the address. */
#define PT_MAGIC_EMAILS_PER_HOUR 3
#define PT_MAGIC_LINK_SECONDS (30 * 60)
/* The hash a magic link's token is stored and looked up by. */
void pt_pledges_magic_token_hash(const char *token, unsigned char hash[PT_CRYPTO_HASH_BYTES]);

/* Answers the waiting lost-link requests (queues the magic-link emails),
 * then sends what waits in the outbox. An email is marked sent right after the
 * server took it: a crash in between resends that one email, never more. */
enum pt_status pt_pledges_send_outbox(struct pt_app *app, int64_t now, int *sent);

/* Cancels a pledge at the processor (when it has a subscription there), then
 * in the ledger, noting why; the donor's confirmation email is queued. A
 * retried call cannot act twice. On failure error says why. */
enum pt_status pt_pledges_cancel(struct pt_app *app, const struct pt_pledge_record *pledge,
                                 const char *note, char *error, size_t error_size);

#endif
