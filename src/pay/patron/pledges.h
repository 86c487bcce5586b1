/* The ledger: pledges that really charge. Creating a pledge and its
 * checkout, applying what the processor reports (webhooks and the thank-you
 * page alike), the donor's changes, the signed links that let a donor manage
 * a pledge without an account, and the emails the ledger queues and sends.
 * A domain module: it knows the store, the processor, the keys and the mail
 * settings, never the web layer (payment_routes and pages call it). */
#ifndef PATRON_PLEDGES_H
#define PATRON_PLEDGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "patron/catalog.h"
#include "patron/crypto.h"
#include "patron/mail.h"
#include "patron/origins.h"
#include "patron/pay.h"
#include "patron/processors.h"
#include "patron/store.h"

#define PT_MANAGE_TOKEN_MAX PT_CRYPTO_LINK_TOKEN_MAX

struct pt_outbox;

/* What the ledger works with, and nothing of the web around it: main.c
 * fills one in, the pages and the dashboard pass it in, and tests build one
 * with a stand-in processor. Everything is borrowed. */
struct pt_ledger {
    struct pt_store *store;
    struct pt_processors *processors;    /* which processor charges which currency;
                                            NULL or empty until one is configured */
    const struct pt_crypto *crypto;      /* seals donors' addresses, signs manage links */
    const struct pt_mail_settings *mail; /* url "" when no email is configured */
    const char *public_url;              /* the primary address of patron's: webhooks, and
                                            links when no other is known */
    struct pt_origins origins;           /* every address: a pledge made on a mirror or the
                                            onion keeps to it (issue 14); zeroed, the
                                            primary only */
    const char *newsroom_name; /* the checkout's description, emails' signature */
    int manage_link_days;      /* how long an emailed manage link works */
    struct pt_outbox *outbox;  /* woken when a change queued an email; may be NULL */
    /* Erasure by default (issue 14), done by pt_pledges_send_outbox's round;
     * all off when left 0, as in tools that fill in only what they need. */
    bool erase_one_off;      /* a one-off gift's address goes once its receipt is sent */
    bool erase_cancelled;    /* a cancelled pledge's address goes once its emails are sent */
    int keep_cancelled_days; /* ... and this many days have passed since it was cancelled */
};

/* What the support page asks for. Strings are borrowed. */
struct pt_pledge_request {
    enum pt_frequency frequency;
    int64_t amount_minor;
    const char *currency;   /* "USD" */
    const char *campaign;   /* "" or NULL when the reader came without one */
    const char *variant;    /* likewise */
    const char *language;   /* "en", "ru" */
    const char *return_url; /* the article the thank-you page leads back to; may be NULL */
    const char *email;      /* typed on the support page when the processor's checkout
                               asks none; sealed at once. NULL or "" for none */
    const char *method;     /* the way to pay the reader chose there, or NULL */
    const char *rail;       /* the processor the reader chose among those offered for the
                               currency and frequency ("bank"), or NULL for the one that
                               charges the currency */
    bool keep_nothing;      /* the reader's device keeps nothing: the thank-you page is
                               told (trace=none) and sets no lasting supporter flag */
    const char *origin;     /* the address of patron's the reader is on (one of
                               public_urls), or NULL for the primary: the checkout returns
                               there and the pledge's emails link there */
};

/* Records a new pledge as pending, then (with a processor for its currency)
 * creates its checkout and records the checkout's id and processor; checkout_url is where to send
 * the donor, "" when no processor is configured (nothing will be charged). pledge_id is set once
 * the pledge is stored and stays "" if it could not be. When the processor fails the pledge stays
 * pending with no checkout: no later event can name it, so it never becomes active (like a checkout
 * the reader abandoned). */
enum pt_status pt_pledges_create(struct pt_ledger *ledger, const struct pt_pledge_request *request,
                                 int64_t now, char pledge_id[33], char *checkout_url,
                                 size_t url_size, char *error, size_t error_size);

/* The address of patron's that a pledge's links lead to
 * (pt_origins_for_email). Borrowed from the ledger. */
const char *pt_pledges_origin(const struct pt_ledger *ledger,
                              const struct pt_pledge_record *pledge);

/* The processor that holds a pledge (by the name stored with it), or NULL. */
struct pt_pay *pt_pledges_processor(const struct pt_ledger *ledger,
                                    const struct pt_pledge_record *pledge);

/* Re-reads a checkout from its processor and applies it: the pledge becomes
 * active (or, once paid, completed), with the donor's sealed address; a
 * checkout whose payment failed records the failure, and one that expired
 * a line in the history. event_id is the webhook's, or NULL from the
 * thank-you page. The sender is woken when the change queued an email. */
enum pt_status pt_pledges_apply_session(struct pt_ledger *ledger, struct pt_pay *pay,
                                        const char *session_id, const char *event_id,
                                        const char *event_type, int64_t now,
                                        struct pt_ledger_result *result, char *error,
                                        size_t error_size);

/* Applies a verified webhook event of processor pay once, re-reading its
 * object first. Events of other types, or about objects that are not ours,
 * change nothing (*ignored is set). */
enum pt_status pt_pledges_apply_event(struct pt_ledger *ledger, struct pt_pay *pay,
                                      const struct pt_pay_event *event, int64_t now,
                                      struct pt_ledger_result *result, bool *ignored, char *error,
                                      size_t error_size);

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

/* Queues a lost-link request for the address typed (its keyed hash only)
 * and wakes the sender, which answers it. PT_ERR_INVALID when typed is not
 * an email address; the store's status when it could not be queued. */
enum pt_status pt_pledges_request_lost_link(struct pt_ledger *ledger, const char *typed,
                                            int64_t now);

/* Supporters recognised on every device (issue 15): a signed link that,
 * opened and confirmed in a browser, marks that browser as a supporter's in
 * its own storage. The token carries the pledge id and an expiry, signed
 * with its own label; nothing about the link or the reader is stored. */
#define PT_SUPPORTER_LINK_SECONDS (24 * 60 * 60)
void pt_pledges_supporter_token(const struct pt_crypto *crypto, const char *pledge_id,
                                int64_t expires_at, char token[PT_MANAGE_TOKEN_MAX]);
/* The pledge a supporter token was made for; PT_ERR_INVALID if forged,
 * foreign (another kind of link) or expired. */
enum pt_status pt_pledges_check_supporter_token(const struct pt_crypto *crypto, const char *token,
                                                int64_t now, char pledge_id[33]);
/* Whether a pledge in this status makes its donor a supporter (active, past
 * due, or a one-off gift completed), as the thank-you page counts one. */
bool pt_pledges_is_supporting(const char *status);
/* Asked at /supporter: queues a "supporter" email (its link made when it is
 * sent) when the address typed gave a supporting pledge, and nothing when it
 * did not; either way the caller answers the same. PT_ERR_INVALID when typed
 * is not an email address; the store's status when it could not be read. */
enum pt_status pt_pledges_request_supporter_link(struct pt_ledger *ledger, const char *typed,
                                                 int64_t now);

/* Answers the waiting lost-link requests (queues the magic-link emails),
 * then sends what waits in the outbox. An email is marked sent right after the
 * server took it: a crash in between resends that one email, never more. */
enum pt_status pt_pledges_send_outbox(struct pt_ledger *ledger, int64_t now, int *sent);

/* The donor's changes to a running subscription, at the processor first,
 * then in the ledger with note as the reason; the emails they call for are
 * queued. The idempotency key is made of the pledge, the action and the
 * state it starts from, so a retried click cannot act twice. PT_ERR_INVALID
 * when there is no processor or the pledge has no subscription there; the
 * processor's status (nothing changed in the ledger) when it refused. */
enum pt_status pt_pledges_change_amount(struct pt_ledger *ledger,
                                        const struct pt_pledge_record *pledge, int64_t amount_minor,
                                        const char *note, int64_t now, char *error,
                                        size_t error_size);
enum pt_status pt_pledges_set_paused(struct pt_ledger *ledger,
                                     const struct pt_pledge_record *pledge, bool paused,
                                     const char *note, int64_t now, char *error, size_t error_size);

/* Cancels a pledge at the processor (when it has a subscription there), then
 * in the ledger, noting why; the donor's confirmation email is queued. A
 * retried call cannot act twice. On failure error says why. */
enum pt_status pt_pledges_cancel(struct pt_ledger *ledger, const struct pt_pledge_record *pledge,
                                 const char *note, int64_t now, char *error, size_t error_size);

/* ------------------------------------------------------------ manage codes
 * A pledge given without an address (issue 14) is managed with a code
 * shown once: 24 characters of Crockford's base32 (120 random bits), shown
 * in groups of four. Only its keyed hash is stored (pt_crypto_keyed_hash). */
#define PT_MANAGE_CODE_CHARS 24
#define PT_MANAGE_CODE_SHOWN 30 /* six groups of four, hyphens, NUL */

/* The code as typed, read leniently (any case, spaces and hyphens, O for 0,
 * I and L for 1) into its 24 characters; false when it cannot be a code.
 * A parser of outside input: tests/fuzz/fuzz_manage_code.c. */
bool pt_pledges_code_read(const char *typed, char code[PT_MANAGE_CODE_CHARS + 1]);

/* Makes a new code for the pledge and stores its hash; shown is the code
 * for the donor, once. With replace the pledge's code is replaced (the old
 * one is refused from now on); without, PT_ERR_CONFLICT when it has one. */
enum pt_status pt_pledges_code_issue(struct pt_ledger *ledger, const char *pledge_id, bool replace,
                                     int64_t now, char shown[PT_MANAGE_CODE_SHOWN]);

/* The pledge a typed code opens. Every refusal is PT_ERR_NOT_FOUND, after
 * the same work, whether the code was malformed, wrong or unknown; the store's
 * status when it could not be read. */
enum pt_status pt_pledges_code_open(struct pt_ledger *ledger, const char *typed,
                                    char pledge_id[33]);

/* The thank-you page shows a pledge's code only in the browser that made
 * the pledge: the support page gives it this signed token (a cookie), for
 * PT_THANKS_CODE_SECONDS. */
#define PT_THANKS_CODE_SECONDS 86400
void pt_pledges_thanks_token(const struct pt_crypto *crypto, const char *pledge_id,
                             int64_t expires_at, char token[PT_MANAGE_TOKEN_MAX]);
enum pt_status pt_pledges_check_thanks_token(const struct pt_crypto *crypto, const char *token,
                                             int64_t now, char pledge_id[33]);

/* ---------------------------------------------------------------- erasure */

/* The signed "erase my data" link in every donor email (/erase?t=...),
 * like a manage link but for erasure only. */
void pt_pledges_erase_token(const struct pt_crypto *crypto, const char *pledge_id,
                            int64_t expires_at, char token[PT_MANAGE_TOKEN_MAX]);
/* Whether a pledge in this status still charges, or may again (active, past
 * due, paused): what cancelling and erasure must stop first. */
bool pt_pledges_is_running(const char *status);

enum pt_status pt_pledges_check_erase_token(const struct pt_crypto *crypto, const char *token,
                                            int64_t now, char pledge_id[33]);

/* Erases the donor of a pledge, on their request: every running pledge of
 * their address is cancelled at its processor and in the ledger, the
 * processors that delete customers on request are asked to, then the
 * address, the customer ids, its reminders and waiting requests go
 * (pt_store_donor_erase). A pledge with no address left has only its own
 * customer id to lose. *pledges says how many pledges were erased;
 * PT_ERR_NOT_FOUND when nothing was left to erase. On a processor's
 * refusal nothing is erased, and error says why. */
enum pt_status pt_pledges_erase_donor(struct pt_ledger *ledger,
                                      const struct pt_pledge_record *pledge, int64_t now,
                                      size_t *pledges, char *error, size_t error_size);

/* Erasure by default: erases the addresses whose time has come (see
 * struct pt_ledger), at most a few dozen a round; one that fails waits for
 * the next. Called by pt_pledges_send_outbox. */
void pt_pledges_erase_due(struct pt_ledger *ledger, int64_t now);

#endif
