/* Storage behind one table of functions, so that SQLite (the default) and
 * later PostgreSQL serve the same callers. Nothing on the appeal decision
 * path calls into the store. Every function is safe to call from any thread. */
#ifndef PATRON_STORE_H
#define PATRON_STORE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "patron/catalog.h"
#include "patron/events.h"
#include "patron/money.h"
#include "patron/status.h"

struct pt_store;

/* A pledge as the support page records it. Strings are borrowed. */
struct pt_pledge {
    char id[33];            /* 128 random bits, hex */
    const char *status;     /* "pending", "active", ... */
    enum pt_frequency frequency;
    int64_t amount_minor;
    const char *currency;
    const char *campaign;   /* may be "" when the reader came without one */
    const char *variant;
    const char *language;
    int64_t created_at;
    const unsigned char *origin_sealed; /* the address of patron's the donor pledged on,
                                           sealed; NULL for the primary one */
    size_t origin_sealed_length;
};

/* A reminder as stored. In a visitor the sealed address is borrowed. */
struct pt_reminder {
    int64_t id;
    unsigned char email_hash[32];
    const unsigned char *email_sealed;
    size_t email_sealed_length;
    char month[8]; /* "2027-01" */
    char language[PT_LANGUAGE_MAX];
    char campaign[PT_ID_MAX];
    char variant[PT_ID_MAX];
    char cancel_token[48];
    int64_t created_at;
    const unsigned char *origin_sealed; /* the address of patron's it was asked on,
                                           sealed; NULL for the primary one */
    size_t origin_sealed_length;
};

/* A pledge as the ledger holds it. */
struct pt_pledge_record {
    char id[33];
    char status[16];
    enum pt_frequency frequency;
    int64_t amount_minor;
    char currency[4];
    char campaign[PT_ID_MAX];
    char variant[PT_ID_MAX];
    char language[PT_LANGUAGE_MAX];
    int64_t created_at;
    char processor[16];
    char checkout_id[128];
    char customer_id[128];
    char subscription_id[128];
    unsigned char email_sealed[512]; /* empty when email_sealed_length is 0 */
    size_t email_sealed_length;
    unsigned char origin_sealed[256]; /* empty (the primary address) when its length is 0 */
    size_t origin_sealed_length;
    int64_t history_count; /* rows in its history: changes with every change */
};

/* One part of a payment that came back (a refund, a dispute's withdrawal,
 * or its return when the newsroom won it). Strings are borrowed. */
struct pt_ledger_reversal {
    const char *id;         /* its own id: recorded once */
    const char *payment_id; /* the ledger's payment it reverses */
    const char *kind;       /* "refund", "dispute", "dispute_won" */
    int64_t amount_minor;   /* what came back; negative for "dispute_won" */
    const char *currency;
    const char *note;       /* the history's line when it is recorded */
};

/* A dispute as the processor reports it now. Strings are borrowed. */
struct pt_ledger_dispute {
    const char *id;
    const char *payment_id;
    int64_t amount_minor;
    const char *currency;
    const char *status; /* the processor's word: "needs_response", "won", "lost" */
    const char *reason; /* the processor's word: "fraudulent", ... */
    bool open;          /* the newsroom may still answer it; a closed one never reopens */
    const char *note;   /* the history's line when it is new or its status changed */
};

/* One change to the ledger, applied in one transaction. Fields left NULL
 * (or 0) are kept as they are. */
struct pt_ledger_change {
    const char *event_id;     /* the processor's event id: applied once; NULL for our own */
    const char *event_type;
    const char *pledge_id;
    const char *status;       /* the pledge's new state */
    int64_t amount_minor;     /* the pledge's new amount */
    const char *customer_id;
    const char *subscription_id;
    const unsigned char *email_sealed;
    size_t email_sealed_length;
    const unsigned char *email_hash; /* 32 bytes */
    const char *payment_id;   /* a successful charge to record */
    int64_t payment_amount;
    const char *payment_currency;
    const char *failure_invoice; /* a failed attempt to record */
    int failure_attempt;
    const char *reversal_payment; /* a payment whose money came back (a chargeback) */
    int64_t reversal_amount;
    const char *reversal_currency;
    bool history_note;        /* append note to the history even when neither state nor
                                 amount changes (an expired checkout) */
    const char *note;         /* why, for the history */
    int64_t now;
    int64_t observed_at;      /* ms when the processor's state was read; 0 for none. An
                                 older reading than the last applied changes no state. */
    /* Refunds and disputes: money that came back in parts, each recorded
     * once by its own id with a line in the history, never more in all than
     * its payment (which must be in the ledger, or recorded by this change). */
    const struct pt_ledger_reversal *reversals;
    size_t reversal_count;
    const struct pt_ledger_dispute *dispute; /* a dispute's state now, or NULL */
};

/* What a change did, so the caller can tell the donor. */
struct pt_ledger_result {
    bool duplicate;          /* the event was applied before: nothing changed */
    bool status_changed;
    bool amount_changed;
    bool payment_recorded;
    bool failure_recorded;
    bool reversal_recorded;
    int reversals_recorded;  /* of change->reversals, how many were new */
    bool dispute_changed;    /* the dispute was new or its status changed */
};

/* A bank statement's credit entry as the store keeps it (bank_entries). */
#define PT_BANK_ENTRY_KEY_SIZE 72
#define PT_BANK_ENTRY_TEXT_SIZE 504
struct pt_bank_entry {
    char key[PT_BANK_ENTRY_KEY_SIZE];   /* the bank's reference for the entry, or a digest */
    char booked[11];                    /* YYYY-MM-DD */
    int64_t amount_minor;
    char currency[4];
    char text[PT_BANK_ENTRY_TEXT_SIZE]; /* the remittance text */
    char state[12];                     /* "matched", "unmatched" or "ignored" */
    char pledge_id[33];                 /* "" unless matched */
    int64_t imported_at;
    int64_t resolved_at;                /* 0 until a person resolved it */
    char resolved_by[128];              /* who, for the audit */
};

/* An email waiting in the outbox. */
struct pt_outbox_item {
    int64_t id;
    int64_t created_at;
    char pledge_id[33];
    char kind[16];
    char data[512];
    int attempts;
};

/* A request for a link by email, waiting for the outbox thread: a lost
 * manage link ("magic") or a supporter's device link ("supporter"). */
struct pt_lost_request {
    int64_t id;
    unsigned char email_hash[32];
    int64_t created_at;
    char kind[16]; /* the outbox kind of the email it asks for */
};

/* A campaign's figures toward a goal over a window (pt_store_goal_figure). */
struct pt_store_goal_figure {
    int64_t supporters; /* pledges whose first payment fell in the window, less those whose
                           payments all came back */
    int64_t amount_minor; /* payments in the window in the currency, less what came back in
                             it (refunds, disputes: the reports' rule) */
};

typedef void (*pt_store_reminder_visitor)(void *context, const struct pt_reminder *reminder);
typedef void (*pt_store_reminder_count_visitor)(void *context, const char *month,
                                                const char *kind, int64_t count);

/* ---------------------------------------------------------------- reports
 * What the dashboard's reports and donors page read. Visitors run while the
 * store is locked: they must not call back into the store. Strings they are
 * given are borrowed for the call. */

/* A pledge as the reports read it. */
struct pt_report_pledge {
    char id[33];
    char campaign[PT_ID_MAX]; /* "" when the reader came without one */
    char variant[PT_ID_MAX];
    char status[16];          /* its state now */
    enum pt_frequency frequency;
    int64_t amount_minor;     /* its amount now */
    char currency[4];
    int64_t created_at;
    bool became_active;       /* it ever had a history row in a paying state (active,
                                 past_due, paused, completed) or a payment: a checkout
                                 that expired unpaid is not one */
    int64_t first_month_revenue; /* its payments within 31 days of created_at, less what came
                                    back of them (refunds, disputes lost), minor units */
};

/* One row of a pledge's history, with what the supporters report needs of
 * the pledge itself. */
struct pt_report_history {
    const char *pledge_id;
    const char *campaign;
    const char *currency;
    enum pt_frequency frequency;
    int64_t at;
    const char *status; /* the pledge's state from at on */
    int64_t amount_minor;
};

/* A successful charge, with the campaign and variant its pledge came from. */
struct pt_report_payment {
    const char *campaign; /* of the pledge it paid */
    int64_t amount_minor; /* negative for money that came back (a chargeback) */
    const char *currency;
    int64_t paid_at;
    const char *processor; /* of the pledge: "stripe", "mollie"; "" for none */
};

typedef void (*pt_store_report_pledge_visitor)(void *context,
                                               const struct pt_report_pledge *pledge);
typedef void (*pt_store_report_history_visitor)(void *context,
                                                const struct pt_report_history *row);
typedef void (*pt_store_report_payment_visitor)(void *context,
                                                const struct pt_report_payment *payment);
typedef void (*pt_store_history_visitor)(void *context, int64_t at, const char *status,
                                         int64_t amount_minor, const char *note);
/* A payment as the ledger holds it, with what came back of it. */
struct pt_store_payment {
    char id[128];
    char pledge_id[33];
    int64_t amount_minor;
    char currency[4];
    int64_t paid_at;
    int64_t reversed_minor; /* net of its refunds, disputes and chargebacks */
};

/* A dispute as the store keeps it; strings borrowed for the visit. */
struct pt_store_dispute {
    const char *id;
    const char *payment_id;
    const char *pledge_id;
    const char *processor; /* of the pledge */
    int64_t amount_minor;
    const char *currency;
    const char *status;
    const char *reason;
    bool open;
    int64_t opened_at;
    int64_t updated_at;
};
typedef void (*pt_store_dispute_visitor)(void *context, const struct pt_store_dispute *dispute);

typedef void (*pt_store_payment_visitor)(void *context, const char *payment_id,
                                         int64_t amount_minor, const char *currency,
                                         int64_t paid_at);

/* ---------------------------------------------------------- staff sign-in
 * What the dashboard's sign-in (dash/auth.c) keeps: staff accounts,
 * sessions (only a hash of each token), failed sign-ins (keyed hashes) and
 * the append-only audit log. In the store, so that every patron process on
 * one database shares them: a session started on one node is known on all,
 * and the sign-in limits count every node's failures. */
#define PT_STORE_EMAIL_MAX 254
#define PT_STORE_PASSWORD_HASH_MAX 128 /* libsodium's crypto_pwhash_STRBYTES */

struct pt_store_user {
    int64_t id;
    char email[PT_STORE_EMAIL_MAX + 1]; /* normalised */
    char role[16];                      /* "admin", "editor", "viewer" */
    bool disabled;
    int64_t created_at;
    char password_hash[PT_STORE_PASSWORD_HASH_MAX]; /* "" when it does not fit (corrupt) */
};

/* One change to a user, in one transaction with its audit line. */
struct pt_store_user_change {
    const char *email;                   /* normalised: whose account */
    int disabled;                        /* 0 or 1 to set, -1 to keep */
    const char *password_hash;           /* NULL to keep */
    bool sign_out;                       /* delete every session of the user */
    const unsigned char *clear_failures; /* an account's keyed hash (32 bytes), or NULL */
    int64_t now;
    int64_t actor_id;   /* who did it; 0 for the command line */
    const char *action; /* the audit line's; its detail is the user's address */
};

/* A session with what the dashboard needs of its user. */
struct pt_store_session {
    int64_t user_id;
    int64_t created_at;
    int64_t expires_at;
    int64_t last_seen_at;
    char email[PT_STORE_EMAIL_MAX + 1];
    char role[16];
    bool disabled;
};

/* One line of the audit log; strings are borrowed for the visit. */
struct pt_store_audit_entry {
    int64_t id;
    int64_t at;
    const char *actor; /* the user's address, "" for the command line */
    const char *action;
    const char *detail;
};

typedef void (*pt_store_user_visitor)(void *context, const struct pt_store_user *user);
typedef void (*pt_store_audit_visitor)(void *context, const struct pt_store_audit_entry *entry);

typedef void (*pt_store_document_visitor)(void *context, const char *id, const char *document);
typedef void (*pt_store_count_visitor)(void *context, const struct pt_event_count *count);
typedef void (*pt_store_bank_entry_visitor)(void *context, const struct pt_bank_entry *entry);

struct pt_store_ops {
    const char *name;
    enum pt_status (*migrate)(struct pt_store *store, int *applied);
    enum pt_status (*catalog_version)(struct pt_store *store, int64_t *version);
    /* NULL for a store that only this process writes (SQLite). */
    enum pt_status (*catalog_wait)(struct pt_store *store, int timeout_ms, bool *changed);
    enum pt_status (*campaigns_each)(struct pt_store *store, pt_store_document_visitor visit,
                                     void *context);
    enum pt_status (*campaign_count)(struct pt_store *store, int64_t *count);
    enum pt_status (*campaign_put)(struct pt_store *store, const char *id, const char *document,
                                   int64_t now);
    enum pt_status (*campaign_get)(struct pt_store *store, const char *id, char **document);
    enum pt_status (*campaign_delete)(struct pt_store *store, const char *id);
    enum pt_status (*campaigns_replace)(struct pt_store *store, const char *const *ids,
                                        const char *const *documents, size_t count, int64_t now);
    enum pt_status (*counts_add)(struct pt_store *store, const struct pt_event_count *counts,
                                 size_t count);
    enum pt_status (*write_probe)(struct pt_store *store, int64_t now);
    enum pt_status (*counts_each)(struct pt_store *store, pt_store_count_visitor visit,
                                  void *context);
    enum pt_status (*pledge_add)(struct pt_store *store, const struct pt_pledge *pledge);
    enum pt_status (*pledge_get)(struct pt_store *store, const char *id,
                                 struct pt_pledge_record *pledge);
    enum pt_status (*pledge_find)(struct pt_store *store, const char *subscription_id,
                                  const char *checkout_id, struct pt_pledge_record *pledge);
    enum pt_status (*pledges_by_email)(struct pt_store *store, const unsigned char *email_hash,
                                       char (*ids)[33], size_t capacity, size_t *count);
    enum pt_status (*pledge_set_checkout)(struct pt_store *store, const char *id,
                                          const char *processor, const char *checkout_id);
    enum pt_status (*ledger_apply)(struct pt_store *store, const struct pt_ledger_change *change,
                                   struct pt_ledger_result *result);
    enum pt_status (*outbox_pending)(struct pt_store *store, struct pt_outbox_item *items,
                                     size_t capacity, size_t *count);
    enum pt_status (*outbox_add)(struct pt_store *store, const char *pledge_id, const char *kind,
                                 const char *data, int64_t now);
    enum pt_status (*outbox_done)(struct pt_store *store, int64_t id, bool sent, int64_t now);
    enum pt_status (*outbox_release)(struct pt_store *store, int64_t id);
    enum pt_status (*magic_link_add)(struct pt_store *store, const unsigned char *token_hash,
                                     const char *pledge_id, int64_t expires_at);
    enum pt_status (*magic_link_use)(struct pt_store *store, const unsigned char *token_hash,
                                     int64_t now, char pledge_id[33]);
    enum pt_status (*lost_request_add)(struct pt_store *store, const unsigned char *email_hash,
                                       const char *kind, int64_t now);
    enum pt_status (*lost_requests_pending)(struct pt_store *store,
                                            struct pt_lost_request *requests, size_t capacity,
                                            size_t *count);
    enum pt_status (*lost_request_answer)(struct pt_store *store, int64_t id,
                                          const char *pledge_id, const char *kind, int64_t now);
    enum pt_status (*magic_emails_since)(struct pt_store *store, const unsigned char *email_hash,
                                         int64_t since, int64_t *count);
    enum pt_status (*reminder_upsert)(struct pt_store *store, const struct pt_reminder *reminder,
                                      char *token, size_t token_size, bool *created);
    enum pt_status (*reminder_cancel)(struct pt_store *store, const char *token);
    enum pt_status (*reminders_due)(struct pt_store *store, const char *month,
                                    pt_store_reminder_visitor visit, void *context);
    enum pt_status (*reminder_done)(struct pt_store *store, const unsigned char *email_hash,
                                    const char *up_to_month, const char *count_month,
                                    const char *kind);
    enum pt_status (*reminder_counts_each)(struct pt_store *store,
                                           pt_store_reminder_count_visitor visit, void *context);
    enum pt_status (*reminders_of)(struct pt_store *store, const unsigned char *email_hash,
                                   pt_store_reminder_visitor visit, void *context);
    enum pt_status (*counts_range)(struct pt_store *store, int32_t from_day, int32_t to_day,
                                   pt_store_count_visitor visit, void *context);
    enum pt_status (*report_pledges)(struct pt_store *store, int64_t from, int64_t to,
                                     pt_store_report_pledge_visitor visit, void *context);
    enum pt_status (*report_history)(struct pt_store *store, int64_t to,
                                     pt_store_report_history_visitor visit, void *context);
    enum pt_status (*report_payments)(struct pt_store *store, int64_t from, int64_t to,
                                      pt_store_report_payment_visitor visit, void *context);
    enum pt_status (*pledge_history_each)(struct pt_store *store, const char *pledge_id,
                                          pt_store_history_visitor visit, void *context);
    enum pt_status (*pledge_payments_each)(struct pt_store *store, const char *pledge_id,
                                           pt_store_payment_visitor visit, void *context);
    enum pt_status (*payment_get)(struct pt_store *store, const char *id,
                                  struct pt_store_payment *payment);
    enum pt_status (*disputes_each)(struct pt_store *store, bool open_only, size_t limit,
                                    pt_store_dispute_visitor visit, void *context);
    enum pt_status (*donor_erase)(struct pt_store *store, const unsigned char email_hash[32],
                                  int64_t now, size_t *pledges);
    enum pt_status (*pledge_erase)(struct pt_store *store, const char *pledge_id, int64_t now,
                                   const char *note);
    enum pt_status (*pledges_to_erase)(struct pt_store *store, bool one_off,
                                       int64_t cancelled_before, char (*ids)[33],
                                       size_t capacity, size_t *count);
    enum pt_status (*manage_code_set)(struct pt_store *store, const char *pledge_id,
                                      const unsigned char code_hash[32], bool replace,
                                      int64_t now);
    /* By code_hash, or (code_hash NULL) whether pledge_id has a code. */
    enum pt_status (*manage_code_find)(struct pt_store *store, const unsigned char *code_hash,
                                       const char *pledge_id, char found[33]);
    enum pt_status (*key_check_get)(struct pt_store *store, unsigned char value[32]);
    enum pt_status (*key_check_set)(struct pt_store *store, const unsigned char value[32]);
    enum pt_status (*sealed_sample)(struct pt_store *store, unsigned char **sealed,
                                    size_t *length);
    enum pt_status (*user_add)(struct pt_store *store, const char *email, const char *role,
                               const char *password_hash, int64_t now, int64_t actor_id,
                               int64_t *id);
    enum pt_status (*users_each)(struct pt_store *store, pt_store_user_visitor visit,
                                 void *context);
    enum pt_status (*user_get)(struct pt_store *store, const char *email,
                               struct pt_store_user *user);
    enum pt_status (*user_change)(struct pt_store *store,
                                  const struct pt_store_user_change *change);
    enum pt_status (*user_rehash)(struct pt_store *store, int64_t id, const char *password_hash);
    enum pt_status (*audit_add)(struct pt_store *store, int64_t now, int64_t actor_id,
                                const char *action, const char *detail);
    enum pt_status (*audit_each)(struct pt_store *store, int64_t before_id, int limit,
                                 pt_store_audit_visitor visit, void *context);
    enum pt_status (*session_add)(struct pt_store *store, const unsigned char token_hash[32],
                                  int64_t user_id, int64_t now, int64_t expires_at);
    enum pt_status (*session_get)(struct pt_store *store, const unsigned char token_hash[32],
                                  struct pt_store_session *session);
    enum pt_status (*session_seen)(struct pt_store *store, const unsigned char token_hash[32],
                                   int64_t now);
    enum pt_status (*session_delete)(struct pt_store *store, const unsigned char token_hash[32],
                                     int64_t *user_id);
    enum pt_status (*sign_in_prune)(struct pt_store *store, int64_t now, int64_t idle_before,
                                    int64_t failures_before);
    enum pt_status (*login_failures_count)(struct pt_store *store, const unsigned char *account,
                                           const unsigned char *client, int64_t since,
                                           int64_t *count);
    enum pt_status (*login_failure_add)(struct pt_store *store, const unsigned char account[32],
                                        const unsigned char client[32], int64_t now,
                                        int64_t *row);
    enum pt_status (*login_failure_forget)(struct pt_store *store, int64_t row);
    enum pt_status (*login_failures_clear)(struct pt_store *store,
                                           const unsigned char account[32],
                                           const unsigned char *client);
    enum pt_status (*bank_entry_add)(struct pt_store *store, const struct pt_bank_entry *entry,
                                     bool *added);
    enum pt_status (*bank_entry_get)(struct pt_store *store, const char *key,
                                     struct pt_bank_entry *entry);
    enum pt_status (*bank_entries_each)(struct pt_store *store, const char *state, size_t limit,
                                        pt_store_bank_entry_visitor visit, void *context);
    enum pt_status (*bank_entry_resolve)(struct pt_store *store, const char *key,
                                         const char *state, const char *pledge_id,
                                         const char *by, int64_t now);
    enum pt_status (*pledges_overdue)(struct pt_store *store, const char *processor,
                                      int64_t monthly_before, int64_t annual_before,
                                      char (*ids)[33], size_t capacity, size_t *count);
    enum pt_status (*goal_figure)(struct pt_store *store, const char *campaign,
                                  const char *currency, int64_t from, int64_t to,
                                  struct pt_store_goal_figure *figure);
    void (*close)(struct pt_store *store);
};

/* Told after a ledger change that moved money (a payment, or money that
 * came back) has been committed, on the thread that applied it. */
typedef void (*pt_store_money_listener)(void *context);

/* Every store starts with this; the back end's own fields follow. */
struct pt_store {
    const struct pt_store_ops *ops;
    /* pt_store_listen_money's: atomic, since a thread may apply a change
     * while the listener is set. */
    _Atomic(pt_store_money_listener) money_listener;
    void *_Atomic money_listener_context;
};

/* Opens (creating if needed) the SQLite database at path. The caller owns
 * the store and closes it with pt_store_close. */
enum pt_status pt_store_open_sqlite(const char *path, struct pt_store **store, char *error,
                                    size_t error_size);

/* Opens a PostgreSQL store on conninfo (a postgresql:// URL, or libpq's
 * "key=value" words) with a pool of at most connections connections. One
 * connection is made now, so that a wrong address, user or password is
 * told at once; later losses are reconnected with a backoff, and while the
 * database is unreachable every operation fails at once with PT_ERR_IO.
 * PT_ERR_INVALID when conninfo cannot be read. */
enum pt_status pt_store_open_postgresql(const char *conninfo, int connections,
                                        struct pt_store **store, char *error, size_t error_size);
/* Whether the database setting names a PostgreSQL database (a
 * postgresql:// or postgres:// URL) rather than SQLite's file. */
bool pt_store_is_postgresql(const char *database);

void pt_store_close(struct pt_store *store);

/* The database's own words for this thread's last store failure ("" when
 * none yet), such as "database or disk is full": for the caller to put in
 * its message, since a store function returns only a status. Valid until
 * the next store call on this thread. */
const char *pt_store_last_error(void);

/* For back ends: records the text pt_store_last_error gives, and logs it. */
void pt_store_note_error(const char *format, ...) __attribute__((format(printf, 1, 2)));

/* Thin wrappers over ops, so that callers read as plain calls. */
enum pt_status pt_store_migrate(struct pt_store *store, int *applied);
/* Writes and commits one small row: PT_OK only if the database can be
 * written now (the reason for a failure is logged). */
enum pt_status pt_store_write_probe(struct pt_store *store, int64_t now);
enum pt_status pt_store_catalog_version(struct pt_store *store, int64_t *version);
/* Whether another process may change the campaigns (several nodes on one
 * database): then pt_store_catalog_wait tells when one did. */
bool pt_store_catalog_shared(const struct pt_store *store);
/* Waits up to timeout_ms for another process's campaign change; *changed
 * says whether one may have happened (also true once after a lost
 * connection is back, since changes meanwhile went unheard). PT_ERR_IO when
 * the database cannot be reached (the wait then lasted its timeout).
 * One caller at a time: it keeps a connection of its own. */
enum pt_status pt_store_catalog_wait(struct pt_store *store, int timeout_ms, bool *changed);
enum pt_status pt_store_campaigns_each(struct pt_store *store, pt_store_document_visitor visit,
                                       void *context);
enum pt_status pt_store_campaign_count(struct pt_store *store, int64_t *count);
enum pt_status pt_store_campaign_put(struct pt_store *store, const char *id,
                                     const char *document, int64_t now);
/* The stored document of one campaign, or PT_ERR_NOT_FOUND. The caller
 * frees *document. */
enum pt_status pt_store_campaign_get(struct pt_store *store, const char *id, char **document);
/* PT_ERR_NOT_FOUND when there is no such campaign. */
enum pt_status pt_store_campaign_delete(struct pt_store *store, const char *id);
/* Replaces every campaign with these, in one transaction. */
enum pt_status pt_store_campaigns_replace(struct pt_store *store, const char *const *ids,
                                          const char *const *documents, size_t count,
                                          int64_t now);
enum pt_status pt_store_counts_add(struct pt_store *store, const struct pt_event_count *counts,
                                   size_t count);
enum pt_status pt_store_counts_each(struct pt_store *store, pt_store_count_visitor visit,
                                    void *context);
enum pt_status pt_store_pledge_add(struct pt_store *store, const struct pt_pledge *pledge);

/* Stores a sign-up, or, when the address already has one for that month,
 * updates it: *created says which. The cancel token in force (the new one,
 * or the one already given) is copied into token. Counts a new sign-up. */
enum pt_status pt_store_reminder_upsert(struct pt_store *store, const struct pt_reminder *reminder,
                                        char *token, size_t token_size, bool *created);
/* Deletes the reminder with this cancel token and counts the cancellation;
 * PT_ERR_NOT_FOUND when there is none (already sent, or cancelled). */
enum pt_status pt_store_reminder_cancel(struct pt_store *store, const char *token);
/* Visits the reminders for month or earlier, by address hash then month. On
 * PostgreSQL they are claimed for this process for PT_STORE_REMINDER_LEASE
 * seconds: a send started on another node meanwhile does not see them, and
 * what this one did not send (deferred, stopped, killed) is due again after
 * the lease. */
#define PT_STORE_REMINDER_LEASE 3600
enum pt_status pt_store_reminders_due(struct pt_store *store, const char *month,
                                      pt_store_reminder_visitor visit, void *context);
/* In one transaction: deletes the address's reminders up to a month and
 * counts one "sent" or "failed" for count_month. */
enum pt_status pt_store_reminder_done(struct pt_store *store, const unsigned char *email_hash,
                                      const char *up_to_month, const char *count_month,
                                      const char *kind);
enum pt_status pt_store_reminder_counts_each(struct pt_store *store,
                                             pt_store_reminder_count_visitor visit,
                                             void *context);
/* Visits the reminders of one address hash (for a donor's export), by month. */
enum pt_status pt_store_reminders_of(struct pt_store *store, const unsigned char *email_hash,
                                     pt_store_reminder_visitor visit, void *context);

/* The ledger. A pledge by id; by its processor subscription or checkout. */
enum pt_status pt_store_pledge_get(struct pt_store *store, const char *id,
                                   struct pt_pledge_record *pledge);
enum pt_status pt_store_pledge_find(struct pt_store *store, const char *subscription_id,
                                    const char *checkout_id, struct pt_pledge_record *pledge);
/* The ids of the pledges whose donor has this address hash (newest first). */
enum pt_status pt_store_pledges_by_email(struct pt_store *store, const unsigned char *email_hash,
                                         char (*ids)[33], size_t capacity, size_t *count);
enum pt_status pt_store_pledge_set_checkout(struct pt_store *store, const char *id,
                                            const char *processor, const char *checkout_id);
/* Bank statement entries (the bank-transfer rail). Adds an entry unless one
 * with its key is there (*added says which: importing a statement again
 * adds nothing). */
enum pt_status pt_store_bank_entry_add(struct pt_store *store, const struct pt_bank_entry *entry,
                                       bool *added);
/* PT_ERR_NOT_FOUND when no entry has the key. */
enum pt_status pt_store_bank_entry_get(struct pt_store *store, const char *key,
                                       struct pt_bank_entry *entry);
/* The entries in a state ("unmatched"; NULL for all), oldest booking first,
 * at most limit of them. */
enum pt_status pt_store_bank_entries_each(struct pt_store *store, const char *state,
                                          size_t limit, pt_store_bank_entry_visitor visit,
                                          void *context);
/* An unmatched entry matched to a pledge ("matched") or marked as no
 * donation ("ignored") by a person: PT_ERR_CONFLICT when it is not
 * unmatched any more (two people at once, or a second click). */
enum pt_status pt_store_bank_entry_resolve(struct pt_store *store, const char *key,
                                           const char *state, const char *pledge_id,
                                           const char *by, int64_t now);

/* The active monthly (annual) pledges of a processor whose last payment,
 * or start when none came, is before monthly_before (annual_before): a
 * standing order that stopped without a word. At most capacity ids. */
enum pt_status pt_store_pledges_overdue(struct pt_store *store, const char *processor,
                                        int64_t monthly_before, int64_t annual_before,
                                        char (*ids)[33], size_t capacity, size_t *count);

/* Applies one change in one transaction: the event id is stored under a
 * unique key first (a second delivery is a duplicate and changes nothing),
 * history rows are appended for state and amount changes, payments and
 * failures are recorded once, and the emails they call for are queued in
 * the outbox in the same transaction. */
enum pt_status pt_store_ledger_apply(struct pt_store *store, const struct pt_ledger_change *change,
                                     struct pt_ledger_result *result);
/* The oldest emails waiting, at most capacity, oldest first. On PostgreSQL,
 * where several processes may send, they are claimed for this process (a
 * lease of PT_STORE_OUTBOX_LEASE seconds: another process's call does not
 * see them until they are marked, given back, or the lease runs out because
 * this process died). */
enum pt_status pt_store_outbox_pending(struct pt_store *store, struct pt_outbox_item *items,
                                       size_t capacity, size_t *count);
#define PT_STORE_OUTBOX_LEASE 900
/* Gives back an email taken by pt_store_outbox_pending that was neither sent
 * nor failed (its pledge has no address yet, the sender is stopping), so the
 * next round, on any process, takes it again. */
enum pt_status pt_store_outbox_release(struct pt_store *store, int64_t id);
/* Queues an email that no ledger change calls for (a magic link). */
enum pt_status pt_store_outbox_add(struct pt_store *store, const char *pledge_id, const char *kind,
                                   const char *data, int64_t now);
/* Marks an outbox email sent, or counts a failed attempt. */
enum pt_status pt_store_outbox_done(struct pt_store *store, int64_t id, bool sent, int64_t now);
enum pt_status pt_store_magic_link_add(struct pt_store *store, const unsigned char *token_hash,
                                       const char *pledge_id, int64_t expires_at);
/* Uses a magic link once: PT_ERR_NOT_FOUND when unknown, used or expired. */
enum pt_status pt_store_magic_link_use(struct pt_store *store, const unsigned char *token_hash,
                                       int64_t now, char pledge_id[33]);
/* Queues a request for a link by email (kind "magic": a lost manage link;
 * "supporter": a supporter's device link) by the address's keyed hash: the
 * same work whether or not the address is known. */
enum pt_status pt_store_lost_request_add(struct pt_store *store, const unsigned char *email_hash,
                                         const char *kind, int64_t now);
/* The oldest requests waiting, at most capacity. */
enum pt_status pt_store_lost_requests_pending(struct pt_store *store,
                                              struct pt_lost_request *requests, size_t capacity,
                                              size_t *count);
/* In one transaction: deletes the request and, when pledge_id is not NULL,
 * queues an email of kind (the request's) for that pledge (with no token: it
 * is made when the email is sent). A request already gone (erased) queues
 * nothing. */
enum pt_status pt_store_lost_request_answer(struct pt_store *store, int64_t id,
                                            const char *pledge_id, const char *kind, int64_t now);
/* How many link emails (a magic link, a supporter's device link) were queued
 * since then for the pledges of this address hash: one budget for both. */
enum pt_status pt_store_magic_emails_since(struct pt_store *store, const unsigned char *email_hash,
                                           int64_t since, int64_t *count);

/* ---------------------------------------------------------------- reports */

/* The event counts of the UTC days from_day to to_day (both included, days
 * since 1970-01-01), by day, campaign, variant and kind. */
enum pt_status pt_store_counts_range(struct pt_store *store, int32_t from_day, int32_t to_day,
                                     pt_store_count_visitor visit, void *context);
/* The pledges created in [from, to) (unix seconds), oldest first. */
enum pt_status pt_store_report_pledges(struct pt_store *store, int64_t from, int64_t to,
                                       pt_store_report_pledge_visitor visit, void *context);
/* Every history row before to (unix seconds), by pledge, then time, then
 * the order the rows were written in. */
enum pt_status pt_store_report_history(struct pt_store *store, int64_t to,
                                       pt_store_report_history_visitor visit, void *context);
/* The payments made in [from, to) (unix seconds), oldest first. */
enum pt_status pt_store_report_payments(struct pt_store *store, int64_t from, int64_t to,
                                        pt_store_report_payment_visitor visit, void *context);
/* One pledge's history, oldest first; PT_ERR_NOT_FOUND when there is no such
 * pledge. */
enum pt_status pt_store_pledge_history_each(struct pt_store *store, const char *pledge_id,
                                            pt_store_history_visitor visit, void *context);
/* One pledge's payments, oldest first, and what came back of them (a
 * chargeback: the payment's id again, with a negative amount, when it came
 * back); PT_ERR_NOT_FOUND when there is no such pledge. */
enum pt_status pt_store_pledge_payments_each(struct pt_store *store, const char *pledge_id,
                                             pt_store_payment_visitor visit, void *context);
/* A payment by the ledger's id for it (an invoice's, a payment's);
 * PT_ERR_NOT_FOUND when there is none. */
enum pt_status pt_store_payment_get(struct pt_store *store, const char *id,
                                    struct pt_store_payment *payment);
/* The disputes, newest first, at most limit (open_only: those still open). */
enum pt_status pt_store_disputes_each(struct pt_store *store, bool open_only, size_t limit,
                                      pt_store_dispute_visitor visit, void *context);
/* Erases one donor on request: for every pledge with this address hash, in
 * one transaction, clears email_sealed, email_hash and customer_id, deletes
 * its unused magic links, its unsent outbox emails and the address's waiting
 * lost-link requests, and appends a history
 * row saying so (same state and amount); amounts, history and payments stay
 * (the newsroom's books) but can no longer be tied to a person. The
 * address's reminders are deleted (counted as cancelled). A later processor
 * event cannot bring the address or customer id back. The
 * processor's subscription and checkout ids stay: they are needed to stop a
 * subscription. *pledges says how many pledges were touched;
 * PT_ERR_NOT_FOUND when there was neither a pledge nor a reminder. */
enum pt_status pt_store_donor_erase(struct pt_store *store, const unsigned char email_hash[32],
                                    int64_t now, size_t *pledges);
/* Erasure by default (issue 14): erases one pledge's address as
 * pt_store_donor_erase does for a whole address (the sealed address, its
 * hash, the processor's customer id, unused magic links, unsent emails, the
 * transfer's words; a history row with note; erased_at, so that no later
 * event brings them back). The address's reminders and waiting lost-link
 * requests go too, but only when no other pledge still holds the address.
 * PT_ERR_NOT_FOUND when the pledge held none of it (or is erased already). */
enum pt_status pt_store_pledge_erase(struct pt_store *store, const char *pledge_id, int64_t now,
                                     const char *note);
/* The pledges whose address is due to be erased, at most capacity: none of
 * their emails waits in the outbox, and either (one_off) a one-off gift is
 * completed and its receipt was sent, or (cancelled_before >= 0) a pledge
 * was cancelled at or before cancelled_before. */
enum pt_status pt_store_pledges_to_erase(struct pt_store *store, bool one_off,
                                         int64_t cancelled_before, char (*ids)[33],
                                         size_t capacity, size_t *count);
/* Manage codes (issue 14): only a code's keyed hash is stored, one per
 * pledge. With replace, the pledge's code is replaced (the old one stops
 * working; PT_ERR_NOT_FOUND when there is no such pledge); without,
 * PT_ERR_CONFLICT when the pledge has one already (a code is shown once). */
enum pt_status pt_store_manage_code_set(struct pt_store *store, const char *pledge_id,
                                        const unsigned char code_hash[32], bool replace,
                                        int64_t now);
/* The pledge a code's hash opens; PT_ERR_NOT_FOUND when none. */
enum pt_status pt_store_manage_code_find(struct pt_store *store, const unsigned char code_hash[32],
                                         char pledge_id[33]);
/* PT_OK when the pledge has a code, PT_ERR_NOT_FOUND when not. */
enum pt_status pt_store_manage_code_exists(struct pt_store *store, const char *pledge_id);

/* The goal ticker (patron/goal.h): a campaign's new supporters and money
 * raised in currency over [from, to) (unix seconds), from the ledger as the
 * reports read it: a payment counts on the day it was paid, money that came
 * back (a refund, a dispute lost, a chargeback; a dispute won returns it)
 * is taken off on the day it came back. */
enum pt_status pt_store_goal_figure(struct pt_store *store, const char *campaign,
                                    const char *currency, int64_t from, int64_t to,
                                    struct pt_store_goal_figure *figure);
/* Calls listener (with context) after each committed ledger change that
 * recorded a payment or money that came back, on the thread that applied
 * it: the ticker hears of a payment at once. NULL stops it; the context
 * must then stay valid until no change may still be running. */
void pt_store_listen_money(struct pt_store *store, pt_store_money_listener listener, void *context);

/* ------------------------------------------------------------------- keys */

/* The key check value the database was first used with (see
 * pt_crypto.key_check); PT_ERR_NOT_FOUND when none was recorded yet. */
enum pt_status pt_store_key_check_get(struct pt_store *store, unsigned char value[32]);
/* Records the key check value unless one is recorded already (then the
 * stored one stays: compare with pt_store_key_check_get). */
enum pt_status pt_store_key_check_set(struct pt_store *store, const unsigned char value[32]);
/* One sealed address held anywhere in the database (a pledge's or a
 * reminder's), malloc'd into *sealed (free it); PT_ERR_NOT_FOUND when the
 * database holds nothing sealed. */
enum pt_status pt_store_sealed_sample(struct pt_store *store, unsigned char **sealed,
                                      size_t *length);

/* ---------------------------------------------------------- staff sign-in */

/* Adds a user and the audit line "user_added" ("EMAIL ROLE") in one
 * transaction; PT_ERR_CONFLICT when the address is taken. *id may be NULL. */
enum pt_status pt_store_user_add(struct pt_store *store, const char *email, const char *role,
                                 const char *password_hash, int64_t now, int64_t actor_id,
                                 int64_t *id);
/* Every user, in order of address. */
enum pt_status pt_store_users_each(struct pt_store *store, pt_store_user_visitor visit,
                                   void *context);
/* PT_ERR_NOT_FOUND when there is no user with this (normalised) address. */
enum pt_status pt_store_user_get(struct pt_store *store, const char *email,
                                 struct pt_store_user *user);
/* Applies change and writes its audit line, in one transaction;
 * PT_ERR_NOT_FOUND when there is no such user (nothing is written). */
enum pt_status pt_store_user_change(struct pt_store *store,
                                    const struct pt_store_user_change *change);
/* Replaces a user's password hash with a stronger one of the same password. */
enum pt_status pt_store_user_rehash(struct pt_store *store, int64_t id, const char *password_hash);
/* Appends to the audit log (actor_id 0: the command line). */
enum pt_status pt_store_audit_add(struct pt_store *store, int64_t now, int64_t actor_id,
                                  const char *action, const char *detail);
/* The audit log newest first: ids below before_id (0: from the newest), at
 * most limit lines (0: all). */
enum pt_status pt_store_audit_each(struct pt_store *store, int64_t before_id, int limit,
                                   pt_store_audit_visitor visit, void *context);
enum pt_status pt_store_session_add(struct pt_store *store, const unsigned char token_hash[32],
                                    int64_t user_id, int64_t now, int64_t expires_at);
/* PT_ERR_NOT_FOUND when there is no session with this hash. */
enum pt_status pt_store_session_get(struct pt_store *store, const unsigned char token_hash[32],
                                    struct pt_store_session *session);
enum pt_status pt_store_session_seen(struct pt_store *store, const unsigned char token_hash[32],
                                     int64_t now);
/* Deletes a session; *user_id is its user's, or 0 when there was none. */
enum pt_status pt_store_session_delete(struct pt_store *store, const unsigned char token_hash[32],
                                       int64_t *user_id);
/* Deletes sessions that expired by now or were last seen by idle_before,
 * and failed sign-ins made by failures_before. */
enum pt_status pt_store_sign_in_prune(struct pt_store *store, int64_t now, int64_t idle_before,
                                      int64_t failures_before);
/* Failed sign-ins after since: of an account (client NULL), of a client
 * (account NULL), or of one account from one client. */
enum pt_status pt_store_login_failures_count(struct pt_store *store, const unsigned char *account,
                                             const unsigned char *client, int64_t since,
                                             int64_t *count);
/* Records one; *row names it for pt_store_login_failure_forget. */
enum pt_status pt_store_login_failure_add(struct pt_store *store, const unsigned char account[32],
                                          const unsigned char client[32], int64_t now,
                                          int64_t *row);
enum pt_status pt_store_login_failure_forget(struct pt_store *store, int64_t row);
/* Forgets an account's failures: from one client, or (client NULL) all. */
enum pt_status pt_store_login_failures_clear(struct pt_store *store,
                                             const unsigned char account[32],
                                             const unsigned char *client);

/* Every stored campaign's id and document, copied: what the admin API, the
 * dashboard and the catalogue build each need whole. */
struct pt_store_documents {
    char **ids;
    char **documents;
    size_t count, capacity;
};
/* Appends copies of every stored campaign to set (start from {0}). */
enum pt_status pt_store_documents_read(struct pt_store *store, struct pt_store_documents *set);
/* Appends copies of one. */
void pt_store_documents_add(struct pt_store_documents *set, const char *id, const char *document);
/* Frees the copies; the set is empty after. */
void pt_store_documents_dispose(struct pt_store_documents *set);

/* Builds a catalogue snapshot from every stored campaign. */
enum pt_status pt_store_load_catalog(struct pt_store *store,
                                     const struct pt_catalog_settings *settings,
                                     struct pt_catalog **catalog, char *error, size_t error_size);

/* The migrations compiled into patron, in order (generated from sql/). */
struct pt_migration {
    int version;
    const char *name;
    const char *sql;
};
extern const struct pt_migration pt_migrations[];
extern const size_t pt_migration_count;
/* The same for PostgreSQL (generated from sql/postgresql/). */
extern const struct pt_migration pt_postgresql_migrations[];
extern const size_t pt_postgresql_migration_count;

#endif
