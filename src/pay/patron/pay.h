/* Payment processors behind one interface: Stripe (stripe.c) and Mollie
 * (mollie.c) each fill in a struct pt_pay_ops; the ledger (pledges.c) and
 * the pages see only this header, and a processor's own names (its event
 * types, its statuses) stay in its file.
 *
 * Amounts are minor units. Every call that changes something at the
 * processor carries an idempotency key derived from patron's own ids, so a
 * retry after a time-out can never charge or change twice. */
#ifndef PATRON_PAY_H
#define PATRON_PAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "patron/buf.h"
#include "patron/catalog.h"
#include "patron/status.h"

#define PT_PAY_ID_MAX 128
#define PT_PAY_URL_MAX 2048
#define PT_PAY_METHODS_MAX 8

struct pt_pay;

struct pt_pay_checkout_request {
    const char *pledge_id;
    enum pt_frequency frequency;
    int64_t amount_minor;
    const char *currency;    /* "USD" */
    const char *language;    /* "en", "ru": the checkout page's language */
    const char *description; /* what the donor sees on the checkout page */
    const char *success_url; /* contains {CHECKOUT_SESSION_ID} when the processor's
                                return_names_checkout is set */
    const char *cancel_url;
    const char *webhook_url; /* for processors told per payment where to call */
    const char *method;      /* a method the reader chose on the support page, or NULL:
                                the processor's page asks */
    int period;              /* a pledge the donor pays each month by hand (crypto): the
                                month (1, 2, ...) this checkout pays; 0 for the pledge's own */
};

struct pt_pay_checkout {
    char id[PT_PAY_ID_MAX];
    char url[PT_PAY_URL_MAX]; /* where to send the donor */
};

/* A checkout as the processor reports it when re-read. */
struct pt_pay_session {
    char id[PT_PAY_ID_MAX];
    char pledge_id[64];       /* our metadata */
    char status[32];          /* "complete", "open", "expired" */
    char payment_status[32];  /* "paid", "unpaid", "no_payment_required", "failed" */
    char customer[PT_PAY_ID_MAX];
    char subscription[PT_PAY_ID_MAX]; /* "" for one-off */
    char payment[PT_PAY_ID_MAX];      /* the payment the checkout made, when the
                                         processor names one: recorded once */
    char email[256];          /* what the donor typed at checkout, "" if it asks none */
    int64_t amount_total;
    char currency[4];
    bool replaces_method;     /* a new payment method for a running pledge, not the
                                 pledge's own checkout: its subscription now uses it */
};

struct pt_pay_subscription {
    char id[PT_PAY_ID_MAX];
    char pledge_id[64];
    char customer[PT_PAY_ID_MAX];
    char status[32];            /* "active", "past_due", "canceled", "unpaid", "paused", ... */
    bool paused;                /* collection paused */
    int64_t amount_minor;
    char currency[4];
    int64_t current_period_end;
};

/* What the processor needs to act on one pledge. Strings are borrowed. */
struct pt_pay_pledge {
    const char *id;
    const char *customer;     /* "" when not known */
    const char *subscription; /* "" for a one-off gift */
    enum pt_frequency frequency;
    int64_t amount_minor;     /* the pledge's amount now */
    const char *currency;
};

/* What an event means to the ledger, whatever the processor calls it: the
 * back end sets it, so the ledger never reads a processor's event names. */
enum pt_pay_event_kind {
    PT_PAY_EVENT_OTHER,             /* acknowledged and ignored */
    PT_PAY_EVENT_CHECKOUT_DONE,     /* object_id is the checkout (session) to re-read */
    PT_PAY_EVENT_PAYMENT_SUCCEEDED, /* a charge of subscription succeeded: object_id is the
                                       charge */
    PT_PAY_EVENT_PAYMENT_FAILED,    /* a charge of subscription failed: object_id, attempt */
    PT_PAY_EVENT_SUBSCRIPTION,      /* subscription changed: re-read it */
    PT_PAY_EVENT_PAYMENT_REVERSED,  /* money paid came back (a chargeback, a reversed
                                       direct debit): object_id is the payment, amount_minor
                                       what came back */
    PT_PAY_EVENT_CHARGE,            /* a charge was refunded or disputed: charge names it, to
                                       re-read (read_charge) with its refunds and dispute */
    PT_PAY_EVENT_CHECKOUT_FAILED,   /* a checkout's delayed payment failed (a debit refused
                                       days later): object_id is the checkout to re-read */
    PT_PAY_EVENT_HISTORY,           /* nothing changes but a line in the history of the
                                       pledge named by pledge_id, type its words (a crypto
                                       invoice that expired unpaid) */
};

/* A verified webhook. Its object is re-read before use: the back end
 * either did so already (a processor whose webhooks carry only an id) or
 * the ledger does. */
struct pt_pay_event {
    char id[PT_PAY_ID_MAX];          /* applied once: the processor's event id, or one made
                                        of the object and the state it reports */
    enum pt_pay_event_kind kind;
    char type[64]; /* the processor's own name, for the pledge's history */
    int64_t created;
    char object_id[PT_PAY_ID_MAX];   /* the session, invoice, payment or subscription */
    char subscription[PT_PAY_ID_MAX];/* for charges of a subscription */
    char customer[PT_PAY_ID_MAX];    /* when the processor names subscriptions per customer */
    char pledge_id[64];              /* from metadata, when the object carries it */
    int64_t amount_minor;            /* charges: paid or due; reversals: what came back */
    char currency[4];
    int attempt;                     /* charges: the attempt count */
    int64_t reversed_minor;          /* a processor that reports a payment's state whole
                                        (Mollie): what of it came back, recorded with it */
    char charge[PT_PAY_ID_MAX];      /* PT_PAY_EVENT_CHARGE: the charge to re-read */
};

/* Refunds and disputes (issue 14), as the processor has them now. */
#define PT_PAY_REFUNDS_MAX 32

struct pt_pay_refund {
    char id[PT_PAY_ID_MAX];
    int64_t amount_minor;
    char status[24];  /* the processor's word */
    bool counts;      /* the money has gone back (or is going, irrevocably): in the books */
};

struct pt_pay_dispute {
    char id[PT_PAY_ID_MAX];
    int64_t amount_minor;
    char status[32];  /* the processor's word: "needs_response", "won", "lost" */
    char reason[48];
    bool open;        /* the newsroom can still answer it */
    bool withdrawn;   /* its amount was taken from the newsroom */
    bool returned;    /* and given back: the newsroom won */
};

/* A charge re-read, with what came back of it. */
struct pt_pay_charge {
    char id[PT_PAY_ID_MAX];
    /* The ids the ledger may know the payment by, most specific first (an
     * invoice's, a payment's, the charge's own); "" where none. */
    char payment_ids[3][PT_PAY_ID_MAX];
    char pledge_id[64];            /* from the metadata of what it paid, "" if none */
    char subscription[PT_PAY_ID_MAX];
    int64_t amount_minor;
    char currency[4];
    size_t refund_count;
    struct pt_pay_refund refunds[PT_PAY_REFUNDS_MAX];
    bool disputed;
    struct pt_pay_dispute dispute;
};

/* A way to pay that a processor offers for a currency and frequency. */
struct pt_pay_method {
    const char *id;    /* the processor's name for it: "creditcard", "ideal" */
    const char *label; /* as readers know it: "iDEAL"; "" for "Card" (the page's own words) */
    bool first_only;   /* it sets up a recurring pledge that later months charge another way
                          (iDEAL's first payment, then SEPA Direct Debit) */
};

struct pt_pay_ops {
    const char *name;             /* "stripe": stored with each pledge, and the webhook's path */
    const char *label;            /* "Stripe": what readers and the newsroom read */
    const char *signature_header; /* the webhook's signature header, NULL when it has none */
    bool return_names_checkout;   /* success_url may carry {CHECKOUT_SESSION_ID} */
    bool asks_email;              /* its checkout asks the donor's address; else the support
                                     page does */
    bool email_optional;          /* the support page may take no address at all: the rail
                                     needs none to take the money (a bank transfer) */
    bool alternative;             /* a rail offered beside the processor that charges the
                                     currency (a bank transfer), chosen by the reader, not
                                     by currency_processors unless a route names it */
    /* Whether it can charge this currency at this frequency at all. */
    bool (*supports)(const struct pt_pay *pay, const char *currency,
                     enum pt_frequency frequency);
    /* Its smallest charge in the currency, in minor units. */
    int64_t (*minimum)(const struct pt_pay *pay, const char *currency);
    /* The ways to pay it offers for the currency and frequency, for the
     * support page to show (0: its own page chooses): copies at most
     * capacity into methods (static strings) and returns how many. */
    size_t (*methods)(const struct pt_pay *pay, const char *currency, enum pt_frequency frequency,
                      struct pt_pay_method *methods, size_t capacity);
    enum pt_status (*create_checkout)(struct pt_pay *pay,
                                      const struct pt_pay_checkout_request *request,
                                      struct pt_pay_checkout *checkout, char *error,
                                      size_t error_size);
    /* Re-reads a checkout. A processor that sets up the subscription itself
     * once the first payment is paid (Mollie) does so here, idempotently, so
     * that a completed recurring checkout names its subscription as with
     * Stripe. */
    enum pt_status (*read_session)(struct pt_pay *pay, const char *id,
                                   struct pt_pay_session *session, char *error,
                                   size_t error_size);
    enum pt_status (*read_subscription)(struct pt_pay *pay, const char *customer, const char *id,
                                        struct pt_pay_subscription *subscription, char *error,
                                        size_t error_size);
    /* The donor's own changes. NULL for a rail whose money the donor moves
     * themselves (a standing order at their bank, each month's crypto
     * invoice): there is nobody to ask, and the ledger records the change
     * so that the newsroom knows what to expect. */
    enum pt_status (*change_amount)(struct pt_pay *pay, const struct pt_pay_pledge *pledge,
                                    int64_t amount_minor, const char *idempotency_key,
                                    char *error, size_t error_size);
    /* Pauses or resumes. A processor that cannot pause cancels and, on
     * resume, starts a new subscription: replaced_by is then its id (else
     * ""), which the ledger records. */
    enum pt_status (*set_paused)(struct pt_pay *pay, const struct pt_pay_pledge *pledge,
                                 bool paused, const char *idempotency_key,
                                 char replaced_by[PT_PAY_ID_MAX], char *error,
                                 size_t error_size);
    /* PT_ERR_NOT_FOUND when it was cancelled already. */
    enum pt_status (*cancel)(struct pt_pay *pay, const struct pt_pay_pledge *pledge,
                             const char *idempotency_key, char *error, size_t error_size);
    /* Where the donor goes to change the payment method; NULL when the
     * rail has none (the donor's own bank). */
    enum pt_status (*portal)(struct pt_pay *pay, const struct pt_pay_pledge *pledge,
                             const char *return_url, char *url, size_t url_size, char *error,
                             size_t error_size);
    /* Asks the processor to delete the donor's customer record, for an
     * erasure; NULL when patron leaves it to the newsroom. */
    enum pt_status (*delete_customer)(struct pt_pay *pay, const char *customer, char *error,
                                      size_t error_size);
    /* Verifies a webhook and says what it means: the signature over the raw
     * body, or (a processor whose webhooks carry only an id) the object as
     * the processor has it now. PT_ERR_INVALID: refuse it (400);
     * PT_ERR_NOT_FOUND: an object the processor does not know for this
     * account (acknowledged, nothing changes); PT_ERR_IO: ask again later. */
    enum pt_status (*verify_webhook)(struct pt_pay *pay, const char *signature_header,
                                     const char *body, size_t length, int64_t now,
                                     struct pt_pay_event *event, char *error, size_t error_size);
    /* Re-reads a charge with its refunds and dispute (PT_PAY_EVENT_CHARGE);
     * NULL for a processor that sends no such events. */
    enum pt_status (*read_charge)(struct pt_pay *pay, const char *id,
                                  struct pt_pay_charge *charge, char *error, size_t error_size);
    /* Pays back amount_minor of the ledger's payment payment_id; refund is
     * what the processor made of it. NULL for a rail that cannot (a bank
     * transfer, crypto: the newsroom pays back by hand). The idempotency key
     * makes a repeated click one refund. */
    enum pt_status (*refund)(struct pt_pay *pay, const char *payment_id, int64_t amount_minor,
                             const char *currency, const char *idempotency_key,
                             struct pt_pay_refund *refund, char *error, size_t error_size);
    /* The rail's name for readers in their language ("Bank transfer"); NULL
     * for a processor whose checkout takes cards and the like. */
    const char *(*rail_name)(const char *language);
    /* What the donor does themselves to pay a pledge whose checkout takes
     * no money (a bank transfer's account, reference and QR code), as HTML
     * for the thank-you and manage pages in the pledge's language; NULL for
     * a processor whose checkout takes the payment. */
    void (*instructions)(const struct pt_pay *pay, const struct pt_pay_pledge *pledge,
                         const char *reference, const char *language, struct pt_buf *html);
    void (*free)(struct pt_pay *pay);
};

struct pt_pay {
    const struct pt_pay_ops *ops;
};

struct pt_stripe_settings {
    const char *api_base;        /* "https://api.stripe.com"; a stand-in's address in tests */
    const char *secret_key;
    const char *webhook_secrets; /* one or more, separated by commas, for rotation */
    int timeout_seconds;         /* calls nobody waits on: changes, webhooks' reads */
    int reader_timeout_seconds;  /* calls a reader waits on: the checkout, its re-reading
                                    (/thanks), the card portal's link */
    const char *statement_descriptor_suffix; /* what card statements show after the account's
                                                prefix for a one-off gift; NULL or "" for
                                                Stripe's default (checked with
                                                pt_pay_stripe_check_descriptor) */
};

/* Stripe's rules for a statement descriptor's suffix (and, when given, the
 * account's shortened descriptor it follows, "PREFIX* SUFFIX"): Latin
 * letters, digits, spaces and punctuation other than < > \ ' " *, at least
 * one letter, at most 22 characters in all (without the prefix, at most 18:
 * what the shortest prefix leaves). PT_ERR_INVALID with the reason. */
enum pt_status pt_pay_stripe_check_descriptor(const char *prefix, const char *suffix, char *error,
                                              size_t error_size);

/* The Stripe implementation; NULL settings fields are errors. */
struct pt_pay *pt_pay_stripe_new(const struct pt_stripe_settings *settings);

/* Stripe's webhook signature check alone, for tests and fuzzing: header is
 * the Stripe-Signature value, secrets one or more comma-separated. */
enum pt_status pt_pay_stripe_verify(const char *header, const char *body, size_t length,
                                    const char *secrets, int64_t now, int64_t tolerance,
                                    char *error, size_t error_size);

/* Parses a verified Stripe event body. */
enum pt_status pt_pay_stripe_parse_event(const char *body, size_t length,
                                         struct pt_pay_event *event, char *error,
                                         size_t error_size);

/* A charge as Stripe's API answers it (with invoice and payment_intent
 * expanded), its list of refunds and its list of disputes (read only when
 * the charge is disputed), as the ledger reads them: for tests and
 * fuzzing; read_charge fetches the three, then this. Amounts that cannot
 * be (a refund or dispute above the charge) are not believed. */
enum pt_status pt_pay_stripe_parse_charge(const char *charge_json, size_t charge_length,
                                          const char *refunds_json, size_t refunds_length,
                                          const char *disputes_json, size_t disputes_length,
                                          struct pt_pay_charge *charge, char *error,
                                          size_t error_size);

struct pt_mollie_settings {
    const char *api_base;       /* "https://api.mollie.com"; a stand-in's address in tests */
    const char *api_key;        /* "test_..." or "live_..." */
    int timeout_seconds;        /* calls nobody waits on: changes, webhooks' reads */
    int reader_timeout_seconds; /* calls a reader waits on: the whole checkout, /thanks */
    const char *webhook_url;    /* where Mollie calls about payments patron creates outside a
                                   checkout (a new payment method) */
};

/* The Mollie implementation (API v2). */
struct pt_pay *pt_pay_mollie_new(const struct pt_mollie_settings *settings);

/* Mollie's webhook body alone ("id=tr_..." form-encoded, nothing else), for
 * tests and fuzzing: the payment's id, or PT_ERR_INVALID with a reason. */
enum pt_status pt_pay_mollie_webhook_id(const char *body, size_t length, char id[PT_PAY_ID_MAX],
                                        char *error, size_t error_size);

/* A Mollie payment as its API answers it (JSON), as the event it means:
 * for tests and fuzzing; the webhook reads the payment, then this. */
enum pt_status pt_pay_mollie_parse_payment(const char *body, size_t length, int64_t now,
                                           struct pt_pay_event *event, char *error,
                                           size_t error_size);

/* One of Mollie's amount strings ("5.00", "500" for JPY) in minor units of
 * the currency; PT_ERR_INVALID unless it has exactly the currency's
 * decimals. */
enum pt_status pt_pay_mollie_parse_amount(const char *value, const char *currency,
                                          int64_t *minor);

/* The newsroom's account that readers transfer to. */
struct pt_bank_settings {
    const char *holder;   /* the account holder's name, as the bank has it */
    const char *iban;     /* checked with pt_sepa_iban_check */
    const char *bic;      /* "" when the newsroom leaves it out (within SEPA) */
    const char *bank;     /* the bank's name, shown to the reader; may be "" */
    const char *currency; /* the account's currency: the one currency it takes */
};

/* The bank-transfer rail: a pledge's "checkout" is its reference code and
 * the thank-you page shows what to transfer; the money is seen when the
 * newsroom imports its statement (reconcile.h). PT_ERR_INVALID with the
 * reason for settings that cannot work (an IBAN whose check fails). */
enum pt_status pt_pay_bank_new(const struct pt_bank_settings *settings, struct pt_pay **pay,
                               char *error, size_t error_size);

struct pt_btcpay_settings {
    const char *url;            /* the BTCPay Server, "https://pay.example" */
    const char *store_id;
    const char *api_key;        /* Greenfield: "Authorization: token KEY" */
    const char *webhook_secret; /* the store webhook's secret (BTCPay-Sig) */
    const char *currencies;     /* the fiat currencies invoices are priced in: "USD, EUR" */
    int timeout_seconds;        /* calls nobody waits on: webhooks' reads */
    int reader_timeout_seconds; /* calls a reader waits on: the invoice, /thanks */
    int invoice_minutes;        /* how long an invoice can be paid */
};

/* Cryptocurrency through a self-hosted BTCPay Server (Greenfield API v1):
 * a rail offered beside the card processor. PT_ERR_INVALID with the reason
 * for settings that cannot work. */
enum pt_status pt_pay_btcpay_new(const struct pt_btcpay_settings *settings, struct pt_pay **pay,
                                 char *error, size_t error_size);

/* BTCPay-Sig alone, for tests and fuzzing: "sha256=" and the hex HMAC-SHA256
 * of the raw body with the secret, compared in constant time. */
enum pt_status pt_pay_btcpay_verify(const char *header, const char *body, size_t length,
                                    const char *secret, char *error, size_t error_size);

/* What a BTCPay webhook's body says. */
struct pt_btcpay_webhook {
    char delivery_id[PT_PAY_ID_MAX];
    char type[64];              /* "InvoiceSettled", "InvoiceExpired", ... */
    char store_id[PT_PAY_ID_MAX];
    char invoice_id[PT_PAY_ID_MAX]; /* "" for events that are not an invoice's */
    int64_t timestamp;
    bool is_redelivery;
};

/* Parses a (verified) webhook body; PT_ERR_INVALID with a reason. */
enum pt_status pt_pay_btcpay_parse_webhook(const char *body, size_t length,
                                           struct pt_btcpay_webhook *webhook, char *error,
                                           size_t error_size);

/* A BTCPay invoice as its API answers it (JSON), as the event it means:
 * for tests and fuzzing; the webhook reads the invoice, then this. */
enum pt_status pt_pay_btcpay_parse_invoice(const char *body, size_t length, int64_t now,
                                           struct pt_pay_event *event, char *error,
                                           size_t error_size);

/* Amounts as BTCPay writes them: a decimal string in the currency ("5.00",
 * "500" yen). Formatting gives the currency's decimals; parsing takes fewer
 * or more ("5", "5.0000"), the extra ones zeros. */
enum pt_status pt_pay_btcpay_format_amount(int64_t minor, const char *currency, char *out,
                                           size_t size);
enum pt_status pt_pay_btcpay_parse_amount(const char *value, const char *currency,
                                          int64_t *minor);

/* Wrappers so that callers read plain calls. */
static inline void pt_pay_free(struct pt_pay *pay)
{
    if (pay != NULL)
        pay->ops->free(pay);
}

#endif
