/* Payment processors behind one interface. Stripe is the first; Mollie and
 * offline rails are meant to slot in beside it with their own ops table.
 *
 * Amounts are minor units. Every call that changes something at the
 * processor carries an idempotency key derived from patron's own ids, so a
 * retry after a time-out can never charge or change twice. */
#ifndef PATRON_PAY_H
#define PATRON_PAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "patron/catalog.h"
#include "patron/status.h"

#define PT_PAY_ID_MAX 128
#define PT_PAY_URL_MAX 2048

struct pt_pay;

struct pt_pay_checkout_request {
    const char *pledge_id;
    enum pt_frequency frequency;
    int64_t amount_minor;
    const char *currency;    /* "USD" */
    const char *language;    /* "en", "ru": the checkout page's language */
    const char *description; /* what the donor sees on the checkout page */
    const char *success_url; /* may contain {CHECKOUT_SESSION_ID} */
    const char *cancel_url;
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
    char payment_status[32];  /* "paid", "unpaid", "no_payment_required" */
    char customer[PT_PAY_ID_MAX];
    char subscription[PT_PAY_ID_MAX]; /* "" for one-off */
    char payment[PT_PAY_ID_MAX];      /* the one-off's payment id */
    char email[256];          /* what the donor typed at checkout */
    int64_t amount_total;
    char currency[4];
};

struct pt_pay_subscription {
    char id[PT_PAY_ID_MAX];
    char pledge_id[64];
    char customer[PT_PAY_ID_MAX];
    char item[PT_PAY_ID_MAX];   /* the subscription item whose quantity is the amount */
    char status[32];            /* "active", "past_due", "canceled", "unpaid", ... */
    bool paused;                /* collection paused */
    int64_t amount_minor;       /* unit amount x quantity */
    char currency[4];
    int64_t current_period_end;
};

/* What a verified webhook says; the object is re-read before use. */
/* What an event means to the ledger, whatever the processor calls it: the
 * back end sets it, so the ledger never reads a processor's event names. */
enum pt_pay_event_kind {
    PT_PAY_EVENT_OTHER,             /* acknowledged and ignored */
    PT_PAY_EVENT_CHECKOUT_DONE,     /* object_id is the checkout (session) to re-read */
    PT_PAY_EVENT_PAYMENT_SUCCEEDED, /* a charge of subscription succeeded: object_id is the charge
                                     */
    PT_PAY_EVENT_PAYMENT_FAILED,    /* a charge of subscription failed: object_id, attempt */
    PT_PAY_EVENT_SUBSCRIPTION,      /* subscription changed: re-read it */
};

struct pt_pay_event {
    char id[PT_PAY_ID_MAX];
    enum pt_pay_event_kind kind;
    char type[64]; /* the processor's own name, for the pledge's history */
    int64_t created;
    char object_id[PT_PAY_ID_MAX];   /* the session, invoice or subscription */
    char subscription[PT_PAY_ID_MAX];/* for invoices */
    char pledge_id[64];              /* from metadata, when the object carries it */
    int64_t amount_minor;            /* invoices: paid or due */
    char currency[4];
    int attempt;                     /* invoices: the attempt count */
};

struct pt_pay_ops {
    const char *name;
    enum pt_status (*create_checkout)(struct pt_pay *pay,
                                      const struct pt_pay_checkout_request *request,
                                      struct pt_pay_checkout *checkout, char *error,
                                      size_t error_size);
    enum pt_status (*read_session)(struct pt_pay *pay, const char *id,
                                   struct pt_pay_session *session, char *error,
                                   size_t error_size);
    enum pt_status (*read_subscription)(struct pt_pay *pay, const char *id,
                                        struct pt_pay_subscription *subscription, char *error,
                                        size_t error_size);
    enum pt_status (*change_amount)(struct pt_pay *pay, const struct pt_pay_subscription *current,
                                    int64_t amount_minor, const char *idempotency_key,
                                    char *error, size_t error_size);
    enum pt_status (*set_paused)(struct pt_pay *pay, const char *subscription, bool paused,
                                 const char *idempotency_key, char *error, size_t error_size);
    enum pt_status (*cancel)(struct pt_pay *pay, const char *subscription,
                             const char *idempotency_key, char *error, size_t error_size);
    enum pt_status (*portal)(struct pt_pay *pay, const char *customer, const char *return_url,
                             char *url, size_t url_size, char *error, size_t error_size);
    /* Checks the signature over the raw body and parses the event. */
    enum pt_status (*verify_webhook)(struct pt_pay *pay, const char *signature_header,
                                     const char *body, size_t length, int64_t now,
                                     struct pt_pay_event *event, char *error, size_t error_size);
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
};

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

/* Wrappers so that callers read plain calls. */
static inline void pt_pay_free(struct pt_pay *pay)
{
    if (pay != NULL)
        pay->ops->free(pay);
}

#endif
