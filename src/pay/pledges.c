#include "patron/pledges.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "patron/buf.h"
#include "patron/config.h"
#include "patron/crypto.h"
#include "patron/crypto_months.h"
#include "patron/i18n.h"
#include "patron/json.h"
#include "patron/log.h"
#include "patron/mail.h"
#include "patron/money.h"
#include "patron/outbox.h"
#include "patron/refunds.h"

/* ---------------------------------------------------------------- checkout */

/* Creates the processor's checkout for a stored pending pledge and records
 * its id and the processor; url is where to send the donor. */
static enum pt_status start_checkout(struct pt_ledger *ledger, struct pt_pay *pay,
                                     const struct pt_pledge_record *pledge,
                                     const struct pt_pledge_request *request, char *url,
                                     size_t url_size, char *error, size_t error_size)
{
    struct pt_buf success, cancel, description, webhook;
    pt_buf_init(&success);
    pt_buf_init(&cancel);
    pt_buf_init(&description);
    pt_buf_init(&webhook);
    /* The reader comes back to the address they left from: a mirror or the
     * onion when their country blocks the newsroom's domain. */
    const char *origin = request->origin != NULL ? request->origin : ledger->public_url;
    pt_buf_printf(&success, "%s/thanks?pledge=%s", origin, pledge->id);
    /* A processor that cannot name its checkout in the address comes back
     * without it; the thank-you page then reads the pledge's own. */
    if (pay->ops->return_names_checkout)
        pt_buf_puts(&success, "&session={CHECKOUT_SESSION_ID}");
    if (request->return_url != NULL) {
        pt_buf_puts(&success, "&return=");
        pt_buf_url(&success, request->return_url);
    }
    if (request->keep_nothing)
        pt_buf_puts(&success, "&trace=none");
    pt_buf_printf(&cancel, "%s/support?lang=%s", origin, pledge->language);
    pt_buf_printf(&webhook, "%s/v1/webhooks/%s", ledger->public_url, pay->ops->name);
    enum pt_msg how = pledge->frequency == PT_FREQUENCY_MONTHLY  ? PT_MSG_PLEDGE_CHECKOUT_MONTHLY
                      : pledge->frequency == PT_FREQUENCY_ANNUAL ? PT_MSG_PLEDGE_CHECKOUT_ANNUAL
                                                                 : PT_MSG_PLEDGE_CHECKOUT_ONE_OFF;
    pt_buf_printf(&description, "%s: %s", ledger->newsroom_name,
                  pt_i18n_text(how, pt_i18n_lang(pledge->language)));
    struct pt_pay_checkout_request checkout_request = {
        .pledge_id = pledge->id,
        .frequency = pledge->frequency,
        .amount_minor = pledge->amount_minor,
        .currency = pledge->currency,
        .language = pledge->language,
        .description = description.data,
        .success_url = success.data,
        .cancel_url = cancel.data,
        .webhook_url = webhook.data,
        .method = request->method,
    };
    struct pt_pay_checkout checkout;
    enum pt_status status =
        pay->ops->create_checkout(pay, &checkout_request, &checkout, error, error_size);
    /* A checkout id names one pledge: one a processor made short enough
     * to type (a bank transfer's reference) is made again in the rare case
     * that another pledge holds it. */
    for (int tries = 0; status == PT_OK && tries < 4; tries++) {
        struct pt_pledge_record holder;
        if (pt_store_pledge_find(ledger->store, NULL, checkout.id, &holder) != PT_OK ||
            strcmp(holder.id, pledge->id) == 0)
            break;
        status = pay->ops->create_checkout(pay, &checkout_request, &checkout, error, error_size);
    }
    if (status == PT_OK) {
        status =
            pt_store_pledge_set_checkout(ledger->store, pledge->id, pay->ops->name, checkout.id);
        if (status)
            snprintf(error, error_size, "the checkout's id could not be stored");
    }
    if (status == PT_OK)
        snprintf(url, url_size, "%s", checkout.url);
    pt_buf_dispose(&success);
    pt_buf_dispose(&cancel);
    pt_buf_dispose(&description);
    pt_buf_dispose(&webhook);
    return status;
}

/* Seals the address the donor typed on the support page into the pledge. */
static enum pt_status seal_typed_email(struct pt_ledger *ledger, const char *pledge_id,
                                       const char *typed, int64_t now)
{
    char email[255];
    if (pt_crypto_normalise_email(typed, email) != PT_OK)
        return PT_ERR_INVALID;
    unsigned char *sealed = NULL;
    unsigned char hash[PT_CRYPTO_HASH_BYTES];
    struct pt_ledger_change change = {.pledge_id = pledge_id, .now = now};
    pt_crypto_seal(ledger->crypto, email, &sealed, &change.email_sealed_length);
    pt_crypto_lookup_hash(ledger->crypto, email, hash);
    sodium_memzero(email, sizeof(email));
    change.email_sealed = sealed;
    change.email_hash = hash;
    struct pt_ledger_result result;
    enum pt_status status = pt_store_ledger_apply(ledger->store, &change, &result);
    free(sealed);
    return status;
}

/* The rail the reader chose, if it is one offered for the pledge, or the
 * processor that charges its currency. */
static struct pt_pay *chosen_rail(const struct pt_ledger *ledger,
                                  const struct pt_pledge_request *request)
{
    if (request->rail == NULL || request->rail[0] == '\0')
        return pt_processors_for(ledger->processors, request->currency);
    struct pt_pay *offered[PT_PROCESSORS_MAX];
    size_t count = pt_processors_offered(ledger->processors, request->currency, request->frequency,
                                         offered, PT_PROCESSORS_MAX);
    for (size_t i = 0; i < count; i++)
        if (strcmp(offered[i]->ops->name, request->rail) == 0)
            return offered[i];
    return NULL;
}

enum pt_status pt_pledges_create(struct pt_ledger *ledger, const struct pt_pledge_request *request,
                                 int64_t now, char pledge_id[33], char *checkout_url,
                                 size_t url_size, char *error, size_t error_size)
{
    pledge_id[0] = '\0';
    if (url_size > 0)
        checkout_url[0] = '\0';
    struct pt_pay *pay = NULL;
    if (pt_processors_count(ledger->processors) > 0) {
        pay = chosen_rail(ledger, request);
        if (pay == NULL || !pay->ops->supports(pay, request->currency, request->frequency)) {
            snprintf(error, error_size, "no payment processor charges %s", request->currency);
            return PT_ERR_INVALID;
        }
        if (request->amount_minor < pay->ops->minimum(pay, request->currency)) {
            snprintf(error, error_size, "%s's smallest charge in %s is %lld minor units",
                     pay->ops->label, request->currency,
                     (long long)pay->ops->minimum(pay, request->currency));
            return PT_ERR_INVALID;
        }
    }
    bool typed_email = request->email != NULL && request->email[0] != '\0';
    char normalised[255];
    if (typed_email && pt_crypto_normalise_email(request->email, normalised) != PT_OK) {
        snprintf(error, error_size, "the email address is not one");
        return PT_ERR_INVALID;
    }
    unsigned char random[16];
    randombytes_buf(random, sizeof(random));
    struct pt_pledge pledge = {
        .status = "pending",
        .frequency = request->frequency,
        .amount_minor = request->amount_minor,
        .currency = request->currency,
        .campaign = request->campaign ? request->campaign : "",
        .variant = request->variant ? request->variant : "",
        .language = request->language,
        .created_at = now,
    };
    sodium_bin2hex(pledge.id, sizeof(pledge.id), random, sizeof(random));
    /* Kept, sealed, only when the emails will use it. */
    unsigned char *origin_sealed = NULL;
    struct pt_origins origins = ledger->origins;
    origins.primary = ledger->public_url;
    pt_origins_seal(&origins, ledger->crypto, request->origin, &origin_sealed,
                    &pledge.origin_sealed_length);
    pledge.origin_sealed = origin_sealed;
    enum pt_status status = pt_store_pledge_add(ledger->store, &pledge);
    free(origin_sealed);
    if (status == PT_OK && typed_email)
        status = seal_typed_email(ledger, pledge.id, request->email, now);
    sodium_memzero(normalised, sizeof(normalised));
    if (status) {
        snprintf(error, error_size, "the pledge could not be stored");
        return status;
    }
    snprintf(pledge_id, 33, "%s", pledge.id);
    if (pay == NULL)
        return PT_OK;
    /* On to the processor's checkout; the pledge stays pending until the
     * processor says it is paid. */
    struct pt_pledge_record record;
    status = pt_store_pledge_get(ledger->store, pledge.id, &record);
    if (status) {
        snprintf(error, error_size, "the pledge just stored could not be read");
        return status;
    }
    return start_checkout(ledger, pay, &record, request, checkout_url, url_size, error, error_size);
}

const char *pt_pledges_origin(const struct pt_ledger *ledger,
                              const struct pt_pledge_record *pledge)
{
    struct pt_origins origins = ledger->origins;
    origins.primary = ledger->public_url;
    return pt_origins_for_email(&origins, ledger->crypto, pledge->origin_sealed,
                                pledge->origin_sealed_length);
}

struct pt_pay *pt_pledges_processor(const struct pt_ledger *ledger,
                                    const struct pt_pledge_record *pledge)
{
    /* Pledges from before processors were named are Stripe's. */
    return pt_processors_named(ledger->processors,
                               pledge->processor[0] != '\0' ? pledge->processor : "stripe");
}

/* -------------------------------------------------------- applying events */

/* Wall-clock milliseconds: readings are compared across restarts. */
static int64_t now_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

const char *pt_pledges_status_for(const struct pt_pay_subscription *subscription)
{
    const char *status = subscription->status;
    if (strcmp(status, "canceled") == 0 || strcmp(status, "incomplete_expired") == 0)
        return "cancelled";
    if (strcmp(status, "past_due") == 0 || strcmp(status, "unpaid") == 0)
        return "past_due";
    if (subscription->paused || strcmp(status, "paused") == 0)
        return "paused";
    if (strcmp(status, "active") == 0 || strcmp(status, "trialing") == 0)
        return "active";
    return "pending";
}

/* The changes that queue an email for the donor. */
static void wake_if_queued(struct pt_ledger *ledger, const struct pt_ledger_result *result)
{
    if (result->status_changed || result->payment_recorded || result->failure_recorded)
        pt_outbox_wake(ledger->outbox);
}

enum pt_status pt_pledges_apply_session(struct pt_ledger *ledger, struct pt_pay *pay,
                                        const char *session_id, const char *event_id,
                                        const char *event_type, int64_t now,
                                        struct pt_ledger_result *result, char *error,
                                        size_t error_size)
{
    memset(result, 0, sizeof(*result));
    if (pay == NULL) {
        snprintf(error, error_size, "no payment processor is configured");
        return PT_ERR_INVALID;
    }
    int64_t observed_at = now_ms();
    struct pt_pay_session session;
    enum pt_status status = pay->ops->read_session(pay, session_id, &session, error, error_size);
    if (status)
        return status;
    /* Only a checkout we started, for the pledge it names, counts: the
     * pledge's own, or a new payment method for it. */
    struct pt_pledge_record pledge;
    status = pt_store_pledge_get(ledger->store, session.pledge_id, &pledge);
    if (status == PT_OK && strcmp(pledge.checkout_id, session.id) != 0 &&
        !(session.replaces_method && strcmp(pledge.processor, pay->ops->name) == 0))
        status = PT_ERR_NOT_FOUND;
    if (status) {
        snprintf(error, error_size, "checkout %s is not for a pledge of ours", session_id);
        return status;
    }
    const char *payment = session.payment[0] ? session.payment : session.id;
    struct pt_ledger_change change = {
        .event_id = event_id,
        .event_type = event_type,
        .pledge_id = pledge.id,
        .customer_id = session.customer[0] ? session.customer : NULL,
        .note = "checkout completed",
        .now = now,
        .observed_at = observed_at,
    };
    if (strcmp(session.status, "complete") != 0) {
        /* Not paid. A failed payment is recorded once (and the donor told,
         * once); an expired or cancelled one is a line in the history when
         * the processor reports it, and nothing at all when a reload of
         * the thank-you page asks. */
        if (strcmp(session.payment_status, "failed") == 0) {
            change.failure_invoice = payment;
            change.failure_attempt = 1;
            change.note = "the first payment failed";
        } else if (strcmp(session.status, "expired") == 0 && event_id != NULL) {
            change.history_note = true;
            change.note = "the checkout ended unpaid";
        } else {
            return PT_OK; /* the donor has not finished; nothing to record yet */
        }
        change.customer_id = NULL;
        change.observed_at = 0;
        status = pt_store_ledger_apply(ledger->store, &change, result);
        if (status == PT_OK)
            wake_if_queued(ledger, result);
        return status;
    }

    unsigned char *sealed = NULL;
    unsigned char hash[PT_CRYPTO_HASH_BYTES];
    char email[255];
    if (session.email[0] != '\0' && pt_crypto_normalise_email(session.email, email) == PT_OK) {
        pt_crypto_seal(ledger->crypto, email, &sealed, &change.email_sealed_length);
        pt_crypto_lookup_hash(ledger->crypto, email, hash);
        change.email_sealed = sealed;
        change.email_hash = hash;
        sodium_memzero(email, sizeof(email));
    }
    bool paid = strcmp(session.payment_status, "paid") == 0;
    struct pt_pay_subscription subscription;
    if (session.replaces_method) {
        change.subscription_id = session.subscription[0] ? session.subscription : NULL;
        change.note = "payment method updated";
        change.observed_at = 0;
        if (paid && session.payment[0] != '\0') {
            change.payment_id = session.payment;
            change.payment_amount = session.amount_total;
            change.payment_currency = session.currency;
        }
    } else if (session.subscription[0] != '\0') {
        status = pay->ops->read_subscription(pay, session.customer, session.subscription,
                                             &subscription, error, error_size);
        if (status)
            goto out;
        change.subscription_id = subscription.id;
        change.status = pt_pledges_status_for(&subscription);
        change.amount_minor = subscription.amount_minor;
        /* A processor whose checkout is the first charge names it: it is
         * the first payment of the pledge (Stripe's come as invoices). */
        if (paid && session.payment[0] != '\0') {
            change.payment_id = session.payment;
            change.payment_amount = session.amount_total;
            change.payment_currency = session.currency;
        }
    } else if (paid) {
        change.status = "completed";
        change.payment_id = payment;
        change.payment_amount = session.amount_total;
        change.payment_currency = session.currency;
    }
    status = pt_store_ledger_apply(ledger->store, &change, result);
    if (status == PT_OK)
        wake_if_queued(ledger, result);
out:
    free(sealed);
    return status;
}

/* The pledge an event is about: the one its metadata names, else the one
 * holding its subscription. */
static enum pt_status find_event_pledge(struct pt_ledger *ledger, const char *pledge_id,
                                        const char *subscription_id,
                                        struct pt_pledge_record *pledge)
{
    enum pt_status status = PT_ERR_NOT_FOUND;
    if (pledge_id != NULL && pledge_id[0] != '\0')
        status = pt_store_pledge_get(ledger->store, pledge_id, pledge);
    if (status == PT_ERR_NOT_FOUND && subscription_id != NULL && subscription_id[0] != '\0')
        status = pt_store_pledge_find(ledger->store, subscription_id, NULL, pledge);
    return status;
}

/* Money that came back: recorded once against its payment, with a line in
 * the pledge's history, and shown to the newsroom. event_id is the event's,
 * or NULL when the event was applied already (its payment, just before). */
static enum pt_status apply_reversal(struct pt_ledger *ledger, const struct pt_pay_event *event,
                                     const char *event_id, int64_t amount, int64_t now,
                                     struct pt_ledger_result *result, bool *ignored)
{
    struct pt_pledge_record pledge;
    enum pt_status status =
        find_event_pledge(ledger, event->pledge_id, event->subscription, &pledge);
    if (status == PT_ERR_NOT_FOUND) {
        *ignored = true;
        return PT_OK;
    }
    if (status)
        return status;
    struct pt_ledger_change change = {
        .event_id = event_id,
        .event_type = event->type,
        .pledge_id = pledge.id,
        .reversal_payment = event->object_id,
        .reversal_amount = amount,
        .reversal_currency = event->currency[0] ? event->currency : pledge.currency,
        .note = "a payment was charged back",
        .now = now,
    };
    return pt_store_ledger_apply(ledger->store, &change, result);
}

enum pt_status pt_pledges_apply_event(struct pt_ledger *ledger, struct pt_pay *pay,
                                      const struct pt_pay_event *event, int64_t now,
                                      struct pt_ledger_result *result, bool *ignored, char *error,
                                      size_t error_size)
{
    memset(result, 0, sizeof(*result));
    *ignored = false;
    const char *type = event->type;
    if (event->kind == PT_PAY_EVENT_CHECKOUT_DONE) {
        enum pt_status status = pt_pledges_apply_session(ledger, pay, event->object_id, event->id,
                                                         type, now, result, error, error_size);
        if (status == PT_ERR_NOT_FOUND) {
            *ignored = true;
            return PT_OK;
        }
        if (status == PT_OK && event->reversed_minor > 0) {
            struct pt_ledger_result reversal;
            status =
                apply_reversal(ledger, event, NULL, event->reversed_minor, now, &reversal, ignored);
            result->reversal_recorded = reversal.reversal_recorded;
        }
        return status;
    }
    if (event->kind == PT_PAY_EVENT_PAYMENT_REVERSED)
        return apply_reversal(ledger, event, event->id, event->amount_minor, now, result, ignored);
    if (event->kind == PT_PAY_EVENT_CHARGE)
        return pt_refunds_apply_charge(ledger, pay, event, now, result, ignored, error, error_size);
    if (event->kind == PT_PAY_EVENT_CHECKOUT_FAILED)
        return pt_refunds_apply_failed_checkout(ledger, pay, event, now, result, ignored, error,
                                                error_size);
    if (event->kind == PT_PAY_EVENT_HISTORY) {
        /* A line in the history, once, of a pledge of this processor's. */
        struct pt_pledge_record pledge;
        enum pt_status status = find_event_pledge(ledger, event->pledge_id, NULL, &pledge);
        if (status == PT_OK && strcmp(pledge.processor, pay->ops->name) != 0)
            status = PT_ERR_NOT_FOUND;
        if (status == PT_ERR_NOT_FOUND) {
            *ignored = true;
            return PT_OK;
        }
        if (status)
            return status;
        struct pt_ledger_change change = {
            .event_id = event->id,
            .event_type = type,
            .pledge_id = pledge.id,
            .history_note = true,
            .note = type,
            .now = now,
        };
        return pt_store_ledger_apply(ledger->store, &change, result);
    }
    if (event->kind == PT_PAY_EVENT_OTHER || event->subscription[0] == '\0') {
        *ignored = true;
        return PT_OK;
    }
    /* Events come late, twice and out of order: the subscription as the
     * processor has it now is the truth, not the event's copy. */
    int64_t observed_at = now_ms();
    struct pt_pay_subscription subscription;
    enum pt_status status = pay->ops->read_subscription(pay, event->customer, event->subscription,
                                                        &subscription, error, error_size);
    if (status == PT_ERR_NOT_FOUND) {
        *ignored = true;
        return PT_OK;
    }
    if (status)
        return status;
    struct pt_pledge_record pledge;
    status = find_event_pledge(ledger, subscription.pledge_id, subscription.id, &pledge);
    if (status == PT_ERR_NOT_FOUND) {
        *ignored = true; /* a subscription that is not a patron pledge */
        return PT_OK;
    }
    if (status)
        return status;
    struct pt_ledger_change change = {
        .event_id = event->id,
        .event_type = type,
        .pledge_id = pledge.id,
        .status = pt_pledges_status_for(&subscription),
        .amount_minor = subscription.amount_minor,
        .customer_id = subscription.customer[0] ? subscription.customer : NULL,
        .subscription_id = subscription.id,
        .note = type,
        .now = now,
        .observed_at = observed_at,
    };
    if (event->kind == PT_PAY_EVENT_PAYMENT_SUCCEEDED) {
        change.payment_id = event->object_id;
        change.payment_amount = event->amount_minor;
        change.payment_currency = event->currency[0] ? event->currency : subscription.currency;
        if (event->reversed_minor > 0) {
            change.reversal_payment = event->object_id;
            change.reversal_amount = event->reversed_minor;
            change.reversal_currency = change.payment_currency;
            change.note = "a payment was charged back";
        }
    } else if (event->kind == PT_PAY_EVENT_PAYMENT_FAILED) {
        change.failure_invoice = event->object_id;
        change.failure_attempt = event->attempt > 0 ? event->attempt : 1;
    }
    status = pt_store_ledger_apply(ledger->store, &change, result);
    if (status == PT_OK)
        wake_if_queued(ledger, result);
    return status;
}

/* ------------------------------------------------------------ manage links */

/* Manage links carry the pledge id (32 hex digits) and an expiry, signed
 * with no label: the format of every link already sent. */
void pt_pledges_manage_token(const struct pt_crypto *crypto, const char *pledge_id,
                             int64_t expires_at, char token[PT_MANAGE_TOKEN_MAX])
{
    pt_crypto_link_token(crypto, "", pledge_id, 32, expires_at, token);
}

enum pt_status pt_pledges_check_manage_token(const struct pt_crypto *crypto, const char *token,
                                             int64_t now, char pledge_id[33])
{
    return pt_crypto_check_link_token(crypto, "", token, 32, now, pledge_id);
}

/* ------------------------------------------------------------------ emails */

/* An email's subject and first paragraph, by its kind. */
struct email_text {
    const char *kind;
    enum pt_msg subject;
    enum pt_msg lead;
};

static const struct email_text email_texts[] = {
    {"thanks", PT_MSG_PLEDGE_EMAIL_THANKS_SUBJECT, PT_MSG_PLEDGE_EMAIL_THANKS_LEAD},
    {"receipt", PT_MSG_PLEDGE_EMAIL_RECEIPT_SUBJECT, PT_MSG_PLEDGE_EMAIL_RECEIPT_LEAD},
    {"failed", PT_MSG_PLEDGE_EMAIL_FAILED_SUBJECT, PT_MSG_PLEDGE_EMAIL_FAILED_LEAD},
    {"cancelled", PT_MSG_PLEDGE_EMAIL_CANCELLED_SUBJECT, PT_MSG_PLEDGE_EMAIL_CANCELLED_LEAD},
    {"lapsed", PT_MSG_PLEDGE_EMAIL_LAPSED_SUBJECT, PT_MSG_PLEDGE_EMAIL_LAPSED_LEAD},
    {PT_CRYPTO_MONTHS_EMAIL, PT_MSG_CRYPTO_MONTH_SUBJECT, PT_MSG_CRYPTO_MONTH_LEAD},
    {"supporter", PT_MSG_SUPPORTER_EMAIL_SUBJECT, PT_MSG_SUPPORTER_EMAIL_LEAD},
    {"magic", PT_MSG_PLEDGE_EMAIL_MAGIC_SUBJECT, PT_MSG_PLEDGE_EMAIL_MAGIC_LEAD},
};

/* Any other kind reads as the magic link's, as it always has. */
static const struct email_text *email_text(const char *kind)
{
    size_t count = sizeof(email_texts) / sizeof(email_texts[0]);
    for (size_t i = 0; i + 1 < count; i++) {
        if (strcmp(kind, email_texts[i].kind) == 0)
            return &email_texts[i];
    }
    return &email_texts[count - 1];
}

/* magic_token is the magic link's token for a "magic" email, else NULL. */
static void render_pledge_email(const struct pt_ledger *ledger,
                                const struct pt_pledge_record *pledge,
                                const struct pt_outbox_item *item, const char *magic_token,
                                int64_t now, struct pt_buf *subject, struct pt_buf *text,
                                struct pt_buf *html, struct pt_buf *link)
{
    enum pt_lang lang = pt_i18n_lang(pledge->language);
    const struct email_text *words = email_text(item->kind);
    const char *lead = pt_i18n_text(words->lead, lang);
    const struct pt_currency *currency = pt_money_currency(pledge->currency);
    json_t *data = json_loads(item->data, 0, NULL);
    const char *origin = pt_pledges_origin(ledger, pledge);
    if (magic_token != NULL) {
        pt_buf_printf(link, "%s/manage/magic?token=%s", origin, magic_token);
        /* The link's pages know no pledge until it is used: they speak
         * the language the link names (English needs none). */
        if (lang != PT_LANG_EN)
            pt_buf_printf(link, "&lang=%s", pt_i18n_code(lang));
    } else if (strcmp(item->kind, "supporter") == 0) {
        /* Asked for at /supporter: the link to open on the other device. */
        char token[PT_MANAGE_TOKEN_MAX];
        pt_pledges_supporter_token(ledger->crypto, pledge->id, now + PT_SUPPORTER_LINK_SECONDS,
                                   token);
        pt_buf_printf(link, "%s/supporter/device?t=%s", origin, token);
        if (lang != PT_LANG_EN)
            pt_buf_printf(link, "&lang=%s", pt_i18n_code(lang));
    } else if (strcmp(item->kind, PT_CRYPTO_MONTHS_EMAIL) == 0) {
        /* The month's invoice link: it works until the pledge would lapse. */
        char token[PT_CRYPTO_LINK_TOKEN_MAX];
        int period = (int)json_integer_value(json_object_get(data, "period"));
        pt_crypto_months_token(ledger->crypto, pledge->id, period,
                               now + (int64_t)PT_CRYPTO_MONTHS_LINK_DAYS * 86400 *
                                         (pledge->frequency == PT_FREQUENCY_ANNUAL ? 12 : 1),
                               token);
        pt_buf_printf(link, "%s/crypto/month?t=%s", origin, token);
    } else {
        char token[PT_MANAGE_TOKEN_MAX];
        pt_pledges_manage_token(ledger->crypto, pledge->id,
                                now + (int64_t)ledger->manage_link_days * 86400, token);
        pt_buf_printf(link, "%s/manage?t=%s", origin, token);
    }
    struct pt_buf amount;
    pt_buf_init(&amount);
    int64_t minor = json_integer_value(json_object_get(data, "amount"));
    if (currency != NULL)
        pt_money_format(&amount, minor > 0 ? minor : pledge->amount_minor, currency);
    const char *frequency =
        pt_i18n_text(pledge->frequency == PT_FREQUENCY_MONTHLY  ? PT_MSG_PLEDGE_A_MONTH
                     : pledge->frequency == PT_FREQUENCY_ANNUAL ? PT_MSG_PLEDGE_A_YEAR
                                                                : PT_MSG_PLEDGE_ONCE,
                     lang);
    const char *amount_label = pt_i18n_text(PT_MSG_PLEDGE_EMAIL_AMOUNT, lang);
    /* The newsroom's own wording, verbatim, when it set one (issue 14). */
    const char *own_subject = pt_mail_subject(ledger->mail, words->kind, lang);
    if (own_subject != NULL)
        pt_buf_puts(subject, own_subject);
    else
        pt_buf_printf(subject, "%s — %s", pt_i18n_text(words->subject, lang),
                      ledger->newsroom_name);
    bool supporter_email = strcmp(item->kind, "supporter") == 0;
    const char *manage =
        pt_i18n_text(strcmp(item->kind, PT_CRYPTO_MONTHS_EMAIL) == 0 ? PT_MSG_CRYPTO_MONTH_PAY
                     : supporter_email                               ? PT_MSG_SUPPORTER_LINK
                                                                     : PT_MSG_PLEDGE_EMAIL_MANAGE,
                     lang);
    /* Every donor email of a supporter offers to stop the appeals on the
     * device it is read on (issue 15); the "supporter" email is that link. */
    struct pt_buf device;
    pt_buf_init(&device);
    if (!supporter_email && pt_pledges_is_supporting(pledge->status)) {
        char token[PT_MANAGE_TOKEN_MAX];
        pt_pledges_supporter_token(ledger->crypto, pledge->id,
                                   now + (int64_t)ledger->manage_link_days * 86400, token);
        pt_buf_printf(&device, "%s/supporter/device?t=%s", origin, token);
        if (lang != PT_LANG_EN)
            pt_buf_printf(&device, "&lang=%s", pt_i18n_code(lang));
    }
    const char *device_label = pt_i18n_text(PT_MSG_SUPPORTER_LINK, lang);
    /* A rail of its own (a bank transfer, crypto) is named, never the
     * donor's account or wallet. */
    struct pt_pay *pay = pt_pledges_processor(ledger, pledge);
    const char *rail =
        pay != NULL && pay->ops->rail_name != NULL ? pay->ops->rail_name(pledge->language) : NULL;
    pt_buf_printf(text, "%s\n\n%s: %s %s\n", lead, amount_label, amount.data ? amount.data : "",
                  frequency);
    if (rail != NULL)
        pt_buf_printf(text, "%s: %s\n", pt_i18n_text(PT_MSG_PLEDGE_EMAIL_RAIL, lang), rail);
    /* Every donor email carries the way to be forgotten (issue 14). */
    char erase_token[PT_MANAGE_TOKEN_MAX];
    pt_pledges_erase_token(ledger->crypto, pledge->id,
                           now + (int64_t)ledger->manage_link_days * 86400, erase_token);
    struct pt_buf erase;
    pt_buf_init(&erase);
    pt_buf_printf(&erase, "%s/erase?t=%s", origin, erase_token);
    const char *erase_label = pt_i18n_text(PT_MSG_ERASE_EMAIL_LINK, lang);
    pt_buf_printf(text, "\n%s: %s\n", manage, link->data);
    if (device.length > 0)
        pt_buf_printf(text, "\n%s: %s\n", device_label, device.data);
    pt_buf_printf(text, "\n%s: %s\n\n%s\n", erase_label, erase.data, ledger->newsroom_name);
    pt_buf_printf(html, "<!doctype html><html lang=\"%s\"><head><meta charset=\"utf-8\"><title>",
                  pt_i18n_code(lang));
    pt_buf_html(html, subject->data, subject->length);
    pt_buf_puts(html, "</title></head><body style=\"font-family:sans-serif;line-height:1.5;"
                      "max-width:34rem\"><p>");
    pt_buf_html_str(html, lead);
    pt_buf_printf(html, "</p><p>%s: <strong>", amount_label);
    if (amount.data != NULL)
        pt_buf_html(html, amount.data, amount.length);
    pt_buf_puts(html, "</strong> ");
    pt_buf_html_str(html, frequency);
    if (rail != NULL) {
        pt_buf_printf(html, "<br>%s: ", pt_i18n_text(PT_MSG_PLEDGE_EMAIL_RAIL, lang));
        pt_buf_html_str(html, rail);
    }
    pt_buf_puts(html, "</p><p><a href=\"");
    pt_buf_html(html, link->data, link->length);
    pt_buf_puts(html, "\">");
    pt_buf_html_str(html, strcmp(item->kind, "magic") == 0
                              ? pt_i18n_text(PT_MSG_PLEDGE_EMAIL_OPEN_MANAGE, lang)
                              : manage);
    pt_buf_puts(html, "</a></p>");
    if (device.length > 0) {
        pt_buf_puts(html, "<p><a href=\"");
        pt_buf_html(html, device.data, device.length);
        pt_buf_puts(html, "\">");
        pt_buf_html_str(html, device_label);
        pt_buf_puts(html, "</a></p>");
    }
    pt_buf_puts(html, "<p style=\"font-size:smaller\"><a href=\"");
    pt_buf_html(html, erase.data, erase.length);
    pt_buf_puts(html, "\">");
    pt_buf_html_str(html, erase_label);
    pt_buf_puts(html, "</a></p><p style=\"color:#555\">");
    pt_buf_html_str(html, ledger->newsroom_name);
    pt_buf_puts(html, "</p></body></html>\n");
    pt_buf_dispose(&device);
    pt_buf_dispose(&erase);
    pt_buf_dispose(&amount);
    json_decref(data);
}

/* ------------------------------------------------------------- lost links */

void pt_pledges_magic_token_hash(const char *token, unsigned char hash[PT_CRYPTO_HASH_BYTES])
{
    crypto_generichash(hash, PT_CRYPTO_HASH_BYTES, (const unsigned char *)token, strlen(token),
                       NULL, 0);
}

enum pt_status pt_pledges_request_lost_link(struct pt_ledger *ledger, const char *typed,
                                            int64_t now)
{
    char email[255];
    if (typed == NULL || pt_crypto_normalise_email(typed, email) != PT_OK)
        return PT_ERR_INVALID;
    /* Only the keyed hash is queued here; the sender looks it up and sends
     * the link. Known or not, an address costs the request the same work
     * and gets the same answer (issue 16). */
    unsigned char hash[PT_CRYPTO_HASH_BYTES];
    pt_crypto_lookup_hash(ledger->crypto, email, hash);
    sodium_memzero(email, sizeof(email));
    enum pt_status status = pt_store_lost_request_add(ledger->store, hash, "magic", now);
    sodium_memzero(hash, sizeof(hash));
    if (status == PT_OK)
        pt_outbox_wake(ledger->outbox);
    return status;
}

/* ------------------------------------------------------- supporter links */

void pt_pledges_supporter_token(const struct pt_crypto *crypto, const char *pledge_id,
                                int64_t expires_at, char token[PT_MANAGE_TOKEN_MAX])
{
    pt_crypto_link_token(crypto, "supporter", pledge_id, 32, expires_at, token);
}

enum pt_status pt_pledges_check_supporter_token(const struct pt_crypto *crypto, const char *token,
                                                int64_t now, char pledge_id[33])
{
    return pt_crypto_check_link_token(crypto, "supporter", token, 32, now, pledge_id);
}

bool pt_pledges_is_supporting(const char *status)
{
    return strcmp(status, "active") == 0 || strcmp(status, "past_due") == 0 ||
           strcmp(status, "completed") == 0;
}

enum pt_status pt_pledges_request_supporter_link(struct pt_ledger *ledger, const char *typed,
                                                 int64_t now)
{
    char email[255];
    if (typed == NULL || pt_crypto_normalise_email(typed, email) != PT_OK)
        return PT_ERR_INVALID;
    /* As for a lost link: only the keyed hash is queued, so a supporter's
     * address costs the request exactly the work of any other, and the
     * outbox thread decides whether a link goes out (answer_lost_requests).
     * The request row is deleted when answered. */
    unsigned char hash[PT_CRYPTO_HASH_BYTES];
    pt_crypto_lookup_hash(ledger->crypto, email, hash);
    sodium_memzero(email, sizeof(email));
    enum pt_status status = pt_store_lost_request_add(ledger->store, hash, "supporter", now);
    sodium_memzero(hash, sizeof(hash));
    if (status == PT_OK)
        pt_outbox_wake(ledger->outbox);
    return status;
}

/* The pledge a queued request is answered for, or NULL for none: a lost
 * link goes to the address's one pledge; a supporter's link to its first
 * pledge that supports now. Either only while the address has had fewer
 * than PT_MAGIC_EMAILS_PER_HOUR link emails in the hour, however many
 * clients ask. */
static const char *answer_for(struct pt_ledger *ledger, const struct pt_lost_request *request,
                              int64_t now, char ids[8][33], enum pt_status *status)
{
    size_t found = 0;
    int64_t recent = 0;
    *status = pt_store_pledges_by_email(ledger->store, request->email_hash, ids, 8, &found);
    if (*status == PT_OK)
        *status = pt_store_magic_emails_since(ledger->store, request->email_hash, now - 3600,
                                              &recent);
    if (*status != PT_OK || recent >= PT_MAGIC_EMAILS_PER_HOUR)
        return NULL;
    if (strcmp(request->kind, "supporter") != 0)
        return found > 0 ? ids[0] : NULL;
    for (size_t i = 0; i < found; i++) {
        struct pt_pledge_record pledge;
        enum pt_status read = pt_store_pledge_get(ledger->store, ids[i], &pledge);
        if (read != PT_OK && read != PT_ERR_NOT_FOUND) {
            *status = read;
            return NULL;
        }
        if (read == PT_OK && pt_pledges_is_supporting(pledge.status))
            return ids[i];
    }
    return NULL;
}

/* A magic link is made when its email is sent, never before: the token
 * lives only in this thread's memory and in the email, and the database
 * holds its hash (issue 16: the outbox kept it in plain text). A retried
 * email gets a new link; the one before expires unused. */
static enum pt_status make_magic_link(struct pt_ledger *ledger, const char *pledge_id, int64_t now,
                                      char token[PT_CRYPTO_TOKEN_CHARS + 1])
{
    pt_crypto_token(token);
    unsigned char hash[PT_CRYPTO_HASH_BYTES];
    pt_pledges_magic_token_hash(token, hash);
    return pt_store_magic_link_add(ledger->store, hash, pledge_id, now + PT_MAGIC_LINK_SECONDS);
}

/* The requests wait in the store as keyed hashes; here, off the request
 * path, they are looked up. An unknown address, or one already sent
 * PT_MAGIC_EMAILS_PER_HOUR links in the last hour, is answered with nothing
 * (its request had the same answer as any other). A request that cannot be
 * looked up now waits for the next round. */
static void answer_lost_requests(struct pt_ledger *ledger, int64_t now)
{
    for (int round = 0; round < 8; round++) {
        struct pt_lost_request requests[32];
        size_t count = 0;
        if (pt_store_lost_requests_pending(ledger->store, requests, 32, &count) != PT_OK) {
            pt_log(PT_LOG_ERROR, "the lost-link requests could not be read");
            return;
        }
        for (size_t i = 0; i < count; i++) {
            char ids[8][33];
            enum pt_status read;
            const char *pledge_id = answer_for(ledger, &requests[i], now, ids, &read);
            if (read != PT_OK)
                continue;
            if (pt_store_lost_request_answer(ledger->store, requests[i].id, pledge_id,
                                             requests[i].kind, now) != PT_OK)
                pt_log(PT_LOG_ERROR, "a lost-link request could not be answered now; it "
                                     "waits for the next round");
        }
        sodium_memzero(requests, sizeof(requests));
        if (count < 32)
            return;
    }
}

static void mark(struct pt_ledger *ledger, const struct pt_outbox_item *item, bool sent,
                 int64_t now)
{
    if (pt_store_outbox_done(ledger->store, item->id, sent, now) != PT_OK)
        pt_log(PT_LOG_ERROR,
               "the outbox could not be updated for a %s email; it may be sent "
               "once more",
               item->kind);
}

/* An email taken from the outbox and neither sent nor failed goes back. */
static void release(struct pt_ledger *ledger, const struct pt_outbox_item *item)
{
    if (pt_store_outbox_release(ledger->store, item->id) != PT_OK)
        pt_log(PT_LOG_WARNING,
               "a %s email could not be given back to the outbox; it waits for "
               "its claim to lapse",
               item->kind);
}

enum pt_status pt_pledges_send_outbox(struct pt_ledger *ledger, int64_t now, int *sent)
{
    *sent = 0;
    answer_lost_requests(ledger, now);
    if (ledger->mail->url[0] == '\0') {
        pt_pledges_erase_due(ledger, now);
        return PT_OK;
    }
    struct pt_outbox_item items[32];
    size_t count = 0;
    enum pt_status status = pt_store_outbox_pending(ledger->store, items, 32, &count);
    if (status)
        return status;
    bool stopping = false;
    for (size_t i = 0; i < count; i++) {
        struct pt_pledge_record pledge;
        char *address = NULL;
        bool found = pt_store_pledge_get(ledger->store, items[i].pledge_id, &pledge) == PT_OK;
        if (!found || pledge.email_sealed_length == 0 ||
            pt_crypto_open(ledger->crypto, pledge.email_sealed, pledge.email_sealed_length,
                           &address) != PT_OK) {
            /* No address yet: events can come before the checkout that
             * carries it. Wait for it a day, then give up, and say so. A
             * rail whose donors may give none (a bank transfer) took it on
             * the support page or never will. */
            struct pt_pay *pay = found ? pt_pledges_processor(ledger, &pledge) : NULL;
            bool never = pay != NULL && pay->ops->email_optional && pledge.email_sealed_length == 0;
            if (never || now - items[i].created_at > 86400) {
                pt_log(PT_LOG_INFO,
                       never ? "a %s email was not sent: the donor gave no address"
                             : "a %s email was dropped: no address came for its pledge within "
                               "a day",
                       items[i].kind);
                mark(ledger, &items[i], true, now);
            } else {
                release(ledger, &items[i]);
            }
            continue;
        }
        char magic[PT_CRYPTO_TOKEN_CHARS + 1] = "";
        bool is_magic = strcmp(items[i].kind, "magic") == 0;
        if (is_magic && make_magic_link(ledger, pledge.id, now, magic) != PT_OK) {
            pt_log(PT_LOG_ERROR, "a magic link could not be stored; its email waits");
            release(ledger, &items[i]);
            sodium_memzero(address, strlen(address));
            free(address);
            continue;
        }
        struct pt_buf subject, text, html, link;
        pt_buf_init(&subject);
        pt_buf_init(&text);
        pt_buf_init(&html);
        pt_buf_init(&link);
        render_pledge_email(ledger, &pledge, &items[i], is_magic ? magic : NULL, now, &subject,
                            &text, &html, &link);
        struct pt_mail_message message = {address, subject.data, text.data, html.data, NULL};
        char error[300];
        enum pt_mail_result result = pt_mail_send(ledger->mail, &message, error, sizeof(error));
        if (result == PT_MAIL_SENT) {
            mark(ledger, &items[i], true, now);
            (*sent)++;
        } else if (result == PT_MAIL_STOPPED) {
            /* Not a failed try: it stays queued for the next start, or for
             * another process, with the rest of this round. */
            stopping = true;
            for (size_t rest = i; rest < count; rest++)
                release(ledger, &items[rest]);
        } else {
            pt_log(PT_LOG_ERROR, "a %s email could not be sent: %s", items[i].kind, error);
            mark(ledger, &items[i], result == PT_MAIL_PERMANENT, now);
        }
        sodium_memzero(address, strlen(address));
        free(address);
        sodium_memzero(magic, sizeof(magic));
        pt_buf_dispose(&subject);
        pt_buf_dispose(&text);
        pt_buf_dispose(&html);
        pt_buf_dispose(&link);
        if (stopping)
            break;
    }
    /* What was just sent may have been the last email an address was kept
     * for (a one-off gift's receipt, a cancellation). */
    if (!stopping)
        pt_pledges_erase_due(ledger, now);
    return PT_OK;
}

/* ---------------------------------------------------------- the donor's acts */

/* The pledge as its processor needs it. */
static struct pt_pay_pledge pay_pledge(const struct pt_pledge_record *pledge)
{
    return (struct pt_pay_pledge){
        .id = pledge->id,
        .customer = pledge->customer_id,
        .subscription = pledge->subscription_id,
        .frequency = pledge->frequency,
        .amount_minor = pledge->amount_minor,
        .currency = pledge->currency,
    };
}

/* The processor that holds the pledge's subscription, or NULL (error set). */
static struct pt_pay *subscription_processor(const struct pt_ledger *ledger,
                                             const struct pt_pledge_record *pledge, char *error,
                                             size_t error_size)
{
    struct pt_pay *pay = pt_pledges_processor(ledger, pledge);
    if (pay == NULL) {
        snprintf(error, error_size, "the pledge's payment processor is not configured");
        return NULL;
    }
    /* A rail the donor pays themselves holds no subscription to change. */
    bool own_rail = pay->ops->change_amount == NULL;
    if (pledge->subscription_id[0] == '\0' && !own_rail) {
        snprintf(error, error_size, "pledge %s has no subscription at the processor", pledge->id);
        return NULL;
    }
    return pay;
}

/* The history's length changes with every change of the pledge: the same
 * click sent twice has one key, the same action later another. */
static void idempotency_key(char *key, size_t size, const char *action,
                            const struct pt_pledge_record *pledge, int64_t amount)
{
    snprintf(key, size, "patron-%s-%s-%lld-%lld", action, pledge->id,
             (long long)pledge->history_count, (long long)amount);
}

/* Records in the ledger what the processor has just done, and wakes the
 * sender when that queued an email. */
static enum pt_status record_own_change(struct pt_ledger *ledger,
                                        const struct pt_ledger_change *change)
{
    struct pt_ledger_result result;
    enum pt_status status = pt_store_ledger_apply(ledger->store, change, &result);
    if (status == PT_OK && (result.status_changed || result.amount_changed))
        pt_outbox_wake(ledger->outbox);
    return status;
}

enum pt_status pt_pledges_change_amount(struct pt_ledger *ledger,
                                        const struct pt_pledge_record *pledge, int64_t amount_minor,
                                        const char *note, int64_t now, char *error,
                                        size_t error_size)
{
    struct pt_pay *pay = subscription_processor(ledger, pledge, error, error_size);
    if (pay == NULL)
        return PT_ERR_INVALID;
    if (amount_minor < pay->ops->minimum(pay, pledge->currency)) {
        snprintf(error, error_size, "below %s's smallest charge", pay->ops->label);
        return PT_ERR_INVALID;
    }
    char key[200];
    idempotency_key(key, sizeof(key), "amount", pledge, amount_minor);
    struct pt_pay_pledge current = pay_pledge(pledge);
    enum pt_status status =
        pay->ops->change_amount != NULL
            ? pay->ops->change_amount(pay, &current, amount_minor, key, error, error_size)
            : PT_OK;
    if (status)
        return status;
    struct pt_ledger_change change = {
        .pledge_id = pledge->id, .amount_minor = amount_minor, .note = note, .now = now};
    return record_own_change(ledger, &change);
}

enum pt_status pt_pledges_set_paused(struct pt_ledger *ledger,
                                     const struct pt_pledge_record *pledge, bool paused,
                                     const char *note, int64_t now, char *error, size_t error_size)
{
    struct pt_pay *pay = subscription_processor(ledger, pledge, error, error_size);
    if (pay == NULL)
        return PT_ERR_INVALID;
    char key[200];
    idempotency_key(key, sizeof(key), paused ? "pause" : "resume", pledge, 0);
    struct pt_pay_pledge current = pay_pledge(pledge);
    char replaced_by[PT_PAY_ID_MAX] = "";
    enum pt_status status =
        pay->ops->set_paused != NULL
            ? pay->ops->set_paused(pay, &current, paused, key, replaced_by, error, error_size)
            : PT_OK;
    if (status)
        return status;
    struct pt_ledger_change change = {.pledge_id = pledge->id,
                                      .status = paused ? "paused" : "active",
                                      .subscription_id =
                                          replaced_by[0] != '\0' ? replaced_by : NULL,
                                      .note = note,
                                      .now = now};
    return record_own_change(ledger, &change);
}

enum pt_status pt_pledges_cancel(struct pt_ledger *ledger, const struct pt_pledge_record *pledge,
                                 const char *note, int64_t now, char *error, size_t error_size)
{
    /* The history's length changes with every change of the pledge: the same
     * click sent twice has one key, a cancel after a resume another. */
    char key[200];
    snprintf(key, sizeof(key), "patron-cancel-%s-%lld-0", pledge->id,
             (long long)pledge->history_count);
    enum pt_status status = PT_OK;
    if (pledge->subscription_id[0] != '\0') {
        struct pt_pay *pay = subscription_processor(ledger, pledge, error, error_size);
        if (pay == NULL)
            return PT_ERR_INVALID;
        struct pt_pay_pledge current = pay_pledge(pledge);
        status = pay->ops->cancel != NULL ? pay->ops->cancel(pay, &current, key, error, error_size)
                                          : PT_OK;
        /* Already cancelled at the processor is what we wanted. */
        if (status == PT_ERR_NOT_FOUND)
            status = PT_OK;
    }
    if (status)
        return status;
    struct pt_ledger_change change = {
        .pledge_id = pledge->id, .status = "cancelled", .note = note, .now = now};
    struct pt_ledger_result result;
    status = pt_store_ledger_apply(ledger->store, &change, &result);
    if (status == PT_OK && result.status_changed)
        pt_outbox_wake(ledger->outbox);
    return status;
}

/* ------------------------------------------------------------ manage codes */

/* Crockford's base32: no I, L, O or U, which readers confuse. */
static const char code_alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

bool pt_pledges_code_read(const char *typed, char code[PT_MANAGE_CODE_CHARS + 1])
{
    size_t length = 0;
    code[0] = '\0';
    if (typed == NULL)
        return false;
    /* Bounded: a code with generous spacing is well under this. */
    for (size_t i = 0; typed[i] != '\0'; i++) {
        if (i >= 256)
            return false;
        char c = typed[i];
        if (c == ' ' || c == '-' || c == '\t' || c == '\r' || c == '\n')
            continue;
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        if (c == 'O')
            c = '0';
        else if (c == 'I' || c == 'L')
            c = '1';
        if (c == '\0' || strchr(code_alphabet, c) == NULL || length >= PT_MANAGE_CODE_CHARS)
            return false;
        code[length++] = c;
    }
    code[length] = '\0';
    return length == PT_MANAGE_CODE_CHARS;
}

/* The stored form: the keyed hash of the code's 24 characters. */
static void code_hash(const struct pt_crypto *crypto, const char *code,
                      unsigned char hash[PT_CRYPTO_HASH_BYTES])
{
    pt_crypto_keyed_hash(crypto, "manage-code", code, hash);
}

enum pt_status pt_pledges_code_issue(struct pt_ledger *ledger, const char *pledge_id, bool replace,
                                     int64_t now, char shown[PT_MANAGE_CODE_SHOWN])
{
    char code[PT_MANAGE_CODE_CHARS + 1];
    for (size_t i = 0; i < PT_MANAGE_CODE_CHARS; i++)
        code[i] = code_alphabet[randombytes_uniform(32)];
    code[PT_MANAGE_CODE_CHARS] = '\0';
    unsigned char hash[PT_CRYPTO_HASH_BYTES];
    code_hash(ledger->crypto, code, hash);
    enum pt_status status = pt_store_manage_code_set(ledger->store, pledge_id, hash, replace, now);
    size_t at = 0;
    for (size_t i = 0; i < PT_MANAGE_CODE_CHARS; i++) {
        if (i > 0 && i % 4 == 0)
            shown[at++] = '-';
        shown[at++] = code[i];
    }
    shown[at] = '\0';
    sodium_memzero(code, sizeof(code));
    if (status != PT_OK)
        sodium_memzero(shown, PT_MANAGE_CODE_SHOWN);
    return status;
}

enum pt_status pt_pledges_code_open(struct pt_ledger *ledger, const char *typed, char pledge_id[33])
{
    char code[PT_MANAGE_CODE_CHARS + 1];
    bool readable = pt_pledges_code_read(typed, code);
    /* A code that cannot be one is looked up all the same (as zeros, which
     * no code's hash is), so that it costs what a wrong one costs. */
    if (!readable)
        memset(code, '0', PT_MANAGE_CODE_CHARS), code[PT_MANAGE_CODE_CHARS] = '\0';
    unsigned char hash[PT_CRYPTO_HASH_BYTES];
    code_hash(ledger->crypto, code, hash);
    sodium_memzero(code, sizeof(code));
    enum pt_status status = pt_store_manage_code_find(ledger->store, hash, pledge_id);
    if (status == PT_OK && !readable)
        status = PT_ERR_NOT_FOUND;
    if (status != PT_OK)
        pledge_id[0] = '\0';
    return status;
}

void pt_pledges_thanks_token(const struct pt_crypto *crypto, const char *pledge_id,
                             int64_t expires_at, char token[PT_MANAGE_TOKEN_MAX])
{
    pt_crypto_link_token(crypto, "thanks-code", pledge_id, 32, expires_at, token);
}

enum pt_status pt_pledges_check_thanks_token(const struct pt_crypto *crypto, const char *token,
                                             int64_t now, char pledge_id[33])
{
    return pt_crypto_check_link_token(crypto, "thanks-code", token, 32, now, pledge_id);
}

/* ---------------------------------------------------------------- erasure */

void pt_pledges_erase_token(const struct pt_crypto *crypto, const char *pledge_id,
                            int64_t expires_at, char token[PT_MANAGE_TOKEN_MAX])
{
    pt_crypto_link_token(crypto, "erase", pledge_id, 32, expires_at, token);
}

enum pt_status pt_pledges_check_erase_token(const struct pt_crypto *crypto, const char *token,
                                            int64_t now, char pledge_id[33])
{
    return pt_crypto_check_link_token(crypto, "erase", token, 32, now, pledge_id);
}

bool pt_pledges_is_running(const char *status)
{
    return strcmp(status, "active") == 0 || strcmp(status, "past_due") == 0 ||
           strcmp(status, "paused") == 0;
}

/* Asks the pledge's processor to delete its customer, where it does that on
 * request; PT_OK when there is nothing to ask. */
static enum pt_status delete_customer(struct pt_ledger *ledger,
                                      const struct pt_pledge_record *pledge, char *error,
                                      size_t error_size)
{
    if (pledge->customer_id[0] == '\0')
        return PT_OK;
    struct pt_pay *pay = pt_pledges_processor(ledger, pledge);
    if (pay == NULL || pay->ops->delete_customer == NULL)
        return PT_OK;
    enum pt_status status = pay->ops->delete_customer(pay, pledge->customer_id, error, error_size);
    /* Gone already is what was asked for. */
    return status == PT_ERR_NOT_FOUND ? PT_OK : status;
}

enum pt_status pt_pledges_erase_donor(struct pt_ledger *ledger,
                                      const struct pt_pledge_record *pledge, int64_t now,
                                      size_t *pledges, char *error, size_t error_size)
{
    *pledges = 0;
    unsigned char hash[PT_CRYPTO_HASH_BYTES];
    bool hashed = false;
    char *address = NULL;
    if (pledge->email_sealed_length > 0 &&
        pt_crypto_open(ledger->crypto, pledge->email_sealed, pledge->email_sealed_length,
                       &address) == PT_OK) {
        pt_crypto_lookup_hash(ledger->crypto, address, hash);
        sodium_memzero(address, strlen(address));
        free(address);
        hashed = true;
    }
    char ids[100][33];
    size_t count = 0;
    enum pt_status status =
        hashed ? pt_store_pledges_by_email(ledger->store, hash, ids, 100, &count) : PT_OK;
    if (status != PT_OK)
        snprintf(error, error_size, "the address's pledges could not be read");
    else if (count == 0)
        snprintf(ids[count++], 33, "%s", pledge->id);
    /* Stop the charges first: an erased donor could not be told of one.
     * Then the processors' customer records, asked before patron forgets
     * their ids, so that a refusal leaves everything to try again. */
    for (size_t i = 0; status == PT_OK && i < count; i++) {
        struct pt_pledge_record each;
        if (pt_store_pledge_get(ledger->store, ids[i], &each) != PT_OK ||
            !pt_pledges_is_running(each.status))
            continue;
        status = pt_pledges_cancel(ledger, &each, "cancelled: the donor asked to be erased", now,
                                   error, error_size);
    }
    for (size_t i = 0; status == PT_OK && i < count; i++) {
        struct pt_pledge_record each;
        if (pt_store_pledge_get(ledger->store, ids[i], &each) == PT_OK)
            status = delete_customer(ledger, &each, error, error_size);
    }
    if (status != PT_OK) {
        sodium_memzero(hash, sizeof(hash));
        return status;
    }
    if (hashed) {
        status = pt_store_donor_erase(ledger->store, hash, now, pledges);
    } else {
        status = pt_store_pledge_erase(ledger->store, pledge->id, now,
                                       "address erased on the donor's request");
        if (status == PT_OK)
            *pledges = 1;
    }
    sodium_memzero(hash, sizeof(hash));
    if (status != PT_OK && status != PT_ERR_NOT_FOUND)
        snprintf(error, error_size, "the erasure could not be stored");
    return status;
}

void pt_pledges_erase_due(struct pt_ledger *ledger, int64_t now)
{
    if (!ledger->erase_one_off && !ledger->erase_cancelled)
        return;
    int64_t cancelled_before =
        ledger->erase_cancelled ? now - (int64_t)ledger->keep_cancelled_days * 86400 : -1;
    char ids[32][33];
    size_t count = 0;
    if (pt_store_pledges_to_erase(ledger->store, ledger->erase_one_off, cancelled_before, ids, 32,
                                  &count) != PT_OK) {
        pt_log(PT_LOG_ERROR, "the addresses due to be erased could not be read");
        return;
    }
    for (size_t i = 0; i < count; i++) {
        struct pt_pledge_record pledge;
        char error[300] = "";
        if (pt_store_pledge_get(ledger->store, ids[i], &pledge) != PT_OK)
            continue;
        if (delete_customer(ledger, &pledge, error, sizeof(error)) != PT_OK) {
            pt_log(PT_LOG_WARNING,
                   "an address due to be erased waits: its processor did not delete the "
                   "customer (%s)",
                   error);
            continue;
        }
        bool one_off = strcmp(pledge.status, "cancelled") != 0;
        enum pt_status status =
            pt_store_pledge_erase(ledger->store, pledge.id, now,
                                  one_off ? "address erased: the gift's receipt was sent"
                                          : "address erased: the pledge was cancelled");
        if (status != PT_OK && status != PT_ERR_NOT_FOUND)
            pt_log(PT_LOG_ERROR, "an address due to be erased could not be; it is tried again");
    }
}
