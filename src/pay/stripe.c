/* Stripe over its HTTP API with libcurl: form-encoded requests, JSON answers.
 *
 * The amount of a recurring pledge is modelled as a price of one minor unit
 * times a quantity, so changing a pledge's amount is a change of quantity on
 * the same subscription, never a new checkout. */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "patron/alloc.h"
#include "patron/buf.h"
#include "patron/json.h"
#include "patron/money.h"
#include "patron/pay.h"
#include "patron/webapi.h"

/* Pinned, so that Stripe's answers keep the shape this file reads. */
static const char api_version[] = "2024-06-20";

struct stripe {
    struct pt_pay super;
    char *api_base;
    char *secret_key;
    char *webhook_secrets;
    int timeout_seconds;        /* a call nobody waits on */
    int reader_timeout_seconds; /* a call a reader waits on, page in hand */
    char *descriptor_suffix;    /* "" for Stripe's default */
};

static struct stripe *from(struct pt_pay *pay)
{
    return (struct stripe *)pay;
}

/* --------------------------------------------------------------- requests */

static void form_field(struct pt_buf *form, const char *key, const char *value)
{
    if (form->length > 0)
        pt_buf_puts(form, "&");
    pt_buf_url(form, key);
    pt_buf_puts(form, "=");
    pt_buf_url(form, value);
}

static void form_integer(struct pt_buf *form, const char *key, int64_t value)
{
    char text[32];
    snprintf(text, sizeof(text), "%lld", (long long)value);
    form_field(form, key, text);
}

/* How long a call may take: a reader waiting on a page gives up long before
 * a webhook, which Stripe retries, or a change of a pledge, which must not be
 * cut off half-way for nothing. */
enum patience { FOR_READER, FOR_BACKGROUND };

/* One call to the API. On success *answer holds the parsed JSON (caller
 * decrefs). Stripe's own error message is passed on. */
static enum pt_status call(struct stripe *stripe, enum patience patience, const char *method,
                           const char *path, const struct pt_buf *form, const char *idempotency_key,
                           json_t **answer, char *error, size_t error_size)
{
    *answer = NULL;
    struct pt_buf url, body, authorization, version, idempotency;
    pt_buf_init(&url);
    pt_buf_init(&body);
    pt_buf_init(&authorization);
    pt_buf_init(&version);
    pt_buf_init(&idempotency);
    pt_buf_printf(&url, "%s%s", stripe->api_base, path);
    pt_buf_printf(&authorization, "Authorization: Bearer %s", stripe->secret_key);
    pt_buf_printf(&version, "Stripe-Version: %s", api_version);
    const char *headers[4] = {authorization.data, version.data, NULL, NULL};
    if (idempotency_key != NULL) {
        pt_buf_printf(&idempotency, "Idempotency-Key: %s", idempotency_key);
        headers[2] = idempotency.data;
    }
    struct pt_webapi_request request = {
        .method = method,
        .url = url.data,
        .headers = headers,
        .body = strcmp(method, "POST") == 0 ? (form && form->data ? form->data : "") : NULL,
        .body_length = form ? form->length : 0,
        .timeout_ms = 1000L * (patience == FOR_READER ? stripe->reader_timeout_seconds
                                                      : stripe->timeout_seconds),
    };
    long status = 0;
    enum pt_status result = pt_webapi_call(&request, "Stripe", &status, &body, error, error_size);
    if (result)
        goto out;
    json_error_t problem;
    *answer = json_loadb(body.data ? body.data : "", body.length, 0, &problem);
    if (*answer == NULL) {
        snprintf(error, error_size, "Stripe answered %ld with something that is not JSON",
                 status);
        result = PT_ERR_IO;
        goto out;
    }
    if (status < 200 || status >= 300) {
        const char *message =
            json_string_value(json_object_get(json_object_get(*answer, "error"), "message"));
        snprintf(error, error_size, "Stripe answered %ld: %s", status,
                 message ? message : "no message");
        json_decref(*answer);
        *answer = NULL;
        result = status == 404 ? PT_ERR_NOT_FOUND : status >= 500 || status == 429 ? PT_ERR_IO
                                                                                   : PT_ERR_INVALID;
    }
out:
    sodium_memzero(authorization.data, authorization.length);
    pt_buf_dispose(&url);
    pt_buf_dispose(&body);
    pt_buf_dispose(&authorization);
    pt_buf_dispose(&version);
    pt_buf_dispose(&idempotency);
    return result;
}

static void copy_string(char *out, size_t size, const json_t *value)
{
    const char *text = json_is_string(value) ? json_string_value(value) : "";
    snprintf(out, size, "%s", text);
}

/* An id field that Stripe may give as a string or as an expanded object. */
static void copy_id(char *out, size_t size, const json_t *value)
{
    if (json_is_object(value))
        value = json_object_get(value, "id");
    copy_string(out, size, value);
}

static void lower_currency(char out[4], const char *code)
{
    for (int i = 0; i < 3 && code[i]; i++)
        out[i] = (char)(code[i] >= 'A' && code[i] <= 'Z' ? code[i] - 'A' + 'a' : code[i]);
    out[3] = '\0';
}

static void upper_currency(char out[4], const json_t *value)
{
    copy_string(out, 4, value);
    for (int i = 0; i < 3 && out[i]; i++)
        out[i] = (char)(out[i] >= 'a' && out[i] <= 'z' ? out[i] - 'a' + 'A' : out[i]);
}

/* ------------------------------------------------------------- the calls */

static enum pt_status create_checkout(struct pt_pay *pay,
                                      const struct pt_pay_checkout_request *request,
                                      struct pt_pay_checkout *checkout, char *error,
                                      size_t error_size)
{
    struct stripe *stripe = from(pay);
    bool recurring = request->frequency != PT_FREQUENCY_ONE_OFF;
    char currency[4];
    lower_currency(currency, request->currency);
    struct pt_buf form;
    pt_buf_init(&form);
    form_field(&form, "mode", recurring ? "subscription" : "payment");
    form_field(&form, "success_url", request->success_url);
    form_field(&form, "cancel_url", request->cancel_url);
    form_field(&form, "locale", strcmp(request->language, "ru") == 0 ? "ru" : "en");
    form_field(&form, "client_reference_id", request->pledge_id);
    form_field(&form, "metadata[pledge_id]", request->pledge_id);
    form_field(&form, "line_items[0][price_data][currency]", currency);
    form_field(&form, "line_items[0][price_data][product_data][name]", request->description);
    if (recurring) {
        form_integer(&form, "line_items[0][price_data][unit_amount]", 1);
        form_field(&form, "line_items[0][price_data][recurring][interval]",
                   request->frequency == PT_FREQUENCY_ANNUAL ? "year" : "month");
        form_integer(&form, "line_items[0][quantity]", request->amount_minor);
        form_field(&form, "subscription_data[metadata][pledge_id]", request->pledge_id);
    } else {
        form_integer(&form, "line_items[0][price_data][unit_amount]", request->amount_minor);
        form_integer(&form, "line_items[0][quantity]", 1);
        form_field(&form, "payment_intent_data[metadata][pledge_id]", request->pledge_id);
        /* Only a payment's card charge takes a suffix: a subscription's
         * charges show the account's own descriptor (docs/PAYMENTS.md). */
        if (stripe->descriptor_suffix[0] != '\0')
            form_field(&form, "payment_intent_data[statement_descriptor_suffix]",
                       stripe->descriptor_suffix);
        form_field(&form, "customer_creation", "always");
    }
    char key[160];
    snprintf(key, sizeof(key), "patron-checkout-%s", request->pledge_id);
    json_t *answer = NULL;
    enum pt_status status = call(stripe, FOR_READER, "POST", "/v1/checkout/sessions", &form,
                                 key, &answer, error, error_size);
    pt_buf_dispose(&form);
    if (status)
        return status;
    copy_string(checkout->id, sizeof(checkout->id), json_object_get(answer, "id"));
    copy_string(checkout->url, sizeof(checkout->url), json_object_get(answer, "url"));
    json_decref(answer);
    if (checkout->id[0] == '\0' || strncmp(checkout->url, "http", 4) != 0) {
        snprintf(error, error_size, "Stripe's checkout answer has no id or address");
        return PT_ERR_IO;
    }
    return PT_OK;
}

static enum pt_status read_session(struct pt_pay *pay, const char *id,
                                   struct pt_pay_session *session, char *error, size_t error_size)
{
    struct pt_buf path;
    pt_buf_init(&path);
    pt_buf_puts(&path, "/v1/checkout/sessions/");
    pt_buf_url(&path, id);
    json_t *answer = NULL;
    enum pt_status status = call(from(pay), FOR_READER, "GET", path.data, NULL, NULL, &answer,
                                 error, error_size);
    pt_buf_dispose(&path);
    if (status)
        return status;
    memset(session, 0, sizeof(*session));
    copy_string(session->id, sizeof(session->id), json_object_get(answer, "id"));
    copy_string(session->pledge_id, sizeof(session->pledge_id),
                json_object_get(json_object_get(answer, "metadata"), "pledge_id"));
    copy_string(session->status, sizeof(session->status), json_object_get(answer, "status"));
    copy_string(session->payment_status, sizeof(session->payment_status),
                json_object_get(answer, "payment_status"));
    copy_id(session->customer, sizeof(session->customer), json_object_get(answer, "customer"));
    copy_id(session->subscription, sizeof(session->subscription),
            json_object_get(answer, "subscription"));
    copy_id(session->payment, sizeof(session->payment), json_object_get(answer, "payment_intent"));
    copy_string(session->email, sizeof(session->email),
                json_object_get(json_object_get(answer, "customer_details"), "email"));
    session->amount_total = json_integer_value(json_object_get(answer, "amount_total"));
    upper_currency(session->currency, json_object_get(answer, "currency"));
    json_decref(answer);
    return PT_OK;
}

/* item is the subscription item whose quantity is the amount. */
static enum pt_status read_stripe_subscription(struct stripe *stripe, const char *id,
                                               struct pt_pay_subscription *subscription,
                                               char item_id[PT_PAY_ID_MAX], char *error,
                                               size_t error_size)
{
    struct pt_buf path;
    pt_buf_init(&path);
    pt_buf_puts(&path, "/v1/subscriptions/");
    pt_buf_url(&path, id);
    json_t *answer = NULL;
    enum pt_status status = call(stripe, FOR_BACKGROUND, "GET", path.data, NULL, NULL, &answer,
                                 error, error_size);
    pt_buf_dispose(&path);
    if (status)
        return status;
    memset(subscription, 0, sizeof(*subscription));
    copy_string(subscription->id, sizeof(subscription->id), json_object_get(answer, "id"));
    copy_string(subscription->pledge_id, sizeof(subscription->pledge_id),
                json_object_get(json_object_get(answer, "metadata"), "pledge_id"));
    copy_id(subscription->customer, sizeof(subscription->customer),
            json_object_get(answer, "customer"));
    copy_string(subscription->status, sizeof(subscription->status),
                json_object_get(answer, "status"));
    const json_t *pause = json_object_get(answer, "pause_collection");
    subscription->paused = json_is_object(pause);
    const json_t *item = json_array_get(json_object_get(json_object_get(answer, "items"), "data"), 0);
    copy_string(item_id, PT_PAY_ID_MAX, json_object_get(item, "id"));
    int64_t quantity = json_integer_value(json_object_get(item, "quantity"));
    const json_t *price = json_object_get(item, "price");
    int64_t unit = json_integer_value(json_object_get(price, "unit_amount"));
    subscription->amount_minor = quantity * unit;
    upper_currency(subscription->currency, json_object_get(price, "currency"));
    const json_t *period_end = json_object_get(answer, "current_period_end");
    if (period_end == NULL)
        period_end = json_object_get(item, "current_period_end");
    subscription->current_period_end = json_integer_value(period_end);
    json_decref(answer);
    if (item_id[0] == '\0' || unit <= 0) {
        snprintf(error, error_size, "Stripe's subscription %s has no priced item", id);
        return PT_ERR_IO;
    }
    return PT_OK;
}

/* Stripe names a subscription alone; the customer is not needed. */
static enum pt_status read_subscription(struct pt_pay *pay, const char *customer, const char *id,
                                        struct pt_pay_subscription *subscription, char *error,
                                        size_t error_size)
{
    (void)customer;
    char item[PT_PAY_ID_MAX];
    return read_stripe_subscription(from(pay), id, subscription, item, error, error_size);
}

static enum pt_status update_subscription(struct stripe *stripe, const char *id,
                                          const struct pt_buf *form, const char *key, char *error,
                                          size_t error_size)
{
    struct pt_buf path;
    pt_buf_init(&path);
    pt_buf_puts(&path, "/v1/subscriptions/");
    pt_buf_url(&path, id);
    json_t *answer = NULL;
    enum pt_status status = call(stripe, FOR_BACKGROUND, "POST", path.data, form, key, &answer,
                                 error, error_size);
    pt_buf_dispose(&path);
    json_decref(answer);
    return status;
}

static enum pt_status change_amount(struct pt_pay *pay, const struct pt_pay_pledge *pledge,
                                    int64_t amount_minor, const char *idempotency_key,
                                    char *error, size_t error_size)
{
    struct pt_pay_subscription current;
    char item[PT_PAY_ID_MAX];
    enum pt_status status = read_stripe_subscription(from(pay), pledge->subscription, &current,
                                                     item, error, error_size);
    if (status)
        return status;
    struct pt_buf form;
    pt_buf_init(&form);
    form_field(&form, "items[0][id]", item);
    /* One minor unit per item: the quantity is the amount. No proration:
     * the next charge simply uses the new amount. */
    form_integer(&form, "items[0][quantity]", amount_minor);
    form_field(&form, "proration_behavior", "none");
    status = update_subscription(from(pay), current.id, &form, idempotency_key, error,
                                 error_size);
    pt_buf_dispose(&form);
    return status;
}

static enum pt_status set_paused(struct pt_pay *pay, const struct pt_pay_pledge *pledge,
                                 bool paused, const char *idempotency_key,
                                 char replaced_by[PT_PAY_ID_MAX], char *error, size_t error_size)
{
    replaced_by[0] = '\0'; /* Stripe pauses the subscription itself */
    struct pt_buf form;
    pt_buf_init(&form);
    if (paused)
        form_field(&form, "pause_collection[behavior]", "void");
    else
        form_field(&form, "pause_collection", "");
    enum pt_status status = update_subscription(from(pay), pledge->subscription, &form,
                                                idempotency_key, error, error_size);
    pt_buf_dispose(&form);
    return status;
}

static enum pt_status cancel(struct pt_pay *pay, const struct pt_pay_pledge *pledge,
                             const char *idempotency_key, char *error, size_t error_size)
{
    struct pt_buf path;
    pt_buf_init(&path);
    pt_buf_puts(&path, "/v1/subscriptions/");
    pt_buf_url(&path, pledge->subscription);
    json_t *answer = NULL;
    enum pt_status status = call(from(pay), FOR_BACKGROUND, "DELETE", path.data, NULL,
                                 idempotency_key, &answer, error, error_size);
    pt_buf_dispose(&path);
    json_decref(answer);
    return status;
}

/* For an erasure: Stripe deletes the customer, its saved cards and the
 * address its checkout asked, and cancels what still runs; charges and
 * invoices stay in the newsroom's Stripe books without it. */
static enum pt_status delete_customer(struct pt_pay *pay, const char *customer, char *error,
                                      size_t error_size)
{
    if (strncmp(customer, "cus_", 4) != 0) {
        snprintf(error, error_size, "\"%.60s\" is not a Stripe customer id", customer);
        return PT_ERR_INVALID;
    }
    struct pt_buf path;
    pt_buf_init(&path);
    pt_buf_puts(&path, "/v1/customers/");
    pt_buf_url(&path, customer);
    json_t *answer = NULL;
    enum pt_status status =
        call(from(pay), FOR_BACKGROUND, "DELETE", path.data, NULL, NULL, &answer, error, error_size);
    pt_buf_dispose(&path);
    json_decref(answer);
    return status == PT_ERR_NOT_FOUND ? PT_OK : status; /* gone already */
}

/* Stripe's event names, as the ledger's kinds. A subscription's events of
 * any kind are re-read the same way. */
static enum pt_pay_event_kind event_kind(const char *type)
{
    if (strcmp(type, "checkout.session.completed") == 0 ||
        strcmp(type, "checkout.session.async_payment_succeeded") == 0)
        return PT_PAY_EVENT_CHECKOUT_DONE;
    if (strcmp(type, "invoice.paid") == 0)
        return PT_PAY_EVENT_PAYMENT_SUCCEEDED;
    if (strcmp(type, "invoice.payment_failed") == 0)
        return PT_PAY_EVENT_PAYMENT_FAILED;
    if (strncmp(type, "customer.subscription.", 22) == 0)
        return PT_PAY_EVENT_SUBSCRIPTION;
    if (strcmp(type, "checkout.session.async_payment_failed") == 0)
        return PT_PAY_EVENT_CHECKOUT_FAILED;
    /* A refund or a dispute, whatever its step: the charge is re-read whole. */
    if (strcmp(type, "charge.refunded") == 0 || strcmp(type, "charge.refund.updated") == 0 ||
        strcmp(type, "refund.created") == 0 || strcmp(type, "refund.updated") == 0 ||
        strncmp(type, "charge.dispute.", 15) == 0)
        return PT_PAY_EVENT_CHARGE;
    return PT_PAY_EVENT_OTHER;
}

static enum pt_status portal(struct pt_pay *pay, const struct pt_pay_pledge *pledge,
                             const char *return_url, char *url, size_t url_size, char *error,
                             size_t error_size)
{
    struct pt_buf form;
    pt_buf_init(&form);
    form_field(&form, "customer", pledge->customer);
    form_field(&form, "return_url", return_url);
    json_t *answer = NULL;
    enum pt_status status = call(from(pay), FOR_READER, "POST", "/v1/billing_portal/sessions",
                                 &form, NULL, &answer, error, error_size);
    pt_buf_dispose(&form);
    if (status)
        return status;
    copy_string(url, url_size, json_object_get(answer, "url"));
    json_decref(answer);
    if (strncmp(url, "http", 4) != 0) {
        snprintf(error, error_size, "Stripe's portal answer has no address");
        return PT_ERR_IO;
    }
    return PT_OK;
}

/* ------------------------------------------------- refunds and disputes */

/* Stripe's dispute statuses as the books read them. An inquiry
 * ("warning_...") takes no money; a dispute takes its amount when it opens
 * and gives it back when the newsroom wins. */
static void read_dispute(const json_t *object, struct pt_pay_dispute *dispute)
{
    copy_string(dispute->id, sizeof(dispute->id), json_object_get(object, "id"));
    dispute->amount_minor = json_integer_value(json_object_get(object, "amount"));
    copy_string(dispute->status, sizeof(dispute->status), json_object_get(object, "status"));
    copy_string(dispute->reason, sizeof(dispute->reason), json_object_get(object, "reason"));
    const char *status = dispute->status;
    bool inquiry = strncmp(status, "warning_", 8) == 0;
    dispute->open = strcmp(status, "needs_response") == 0 ||
                    strcmp(status, "under_review") == 0 ||
                    strcmp(status, "warning_needs_response") == 0 ||
                    strcmp(status, "warning_under_review") == 0 ||
                    strncmp(status, "appeal_", 7) == 0;
    dispute->withdrawn = !inquiry && strcmp(status, "prevented") != 0 && status[0] != '\0';
    dispute->returned = strcmp(status, "won") == 0;
}

static enum pt_status get_json(struct stripe *stripe, const char *path, json_t **answer,
                               char *error, size_t error_size)
{
    return call(stripe, FOR_BACKGROUND, "GET", path, NULL, NULL, answer, error, error_size);
}

/* The charge (with invoice and payment_intent expanded), its refunds'
 * list and its disputes' list, as Stripe answers them. */
static void parse_charge_object(const json_t *answer, struct pt_pay_charge *charge)
{
    copy_string(charge->id, sizeof(charge->id), json_object_get(answer, "id"));
    const json_t *invoice = json_object_get(answer, "invoice");
    const json_t *intent = json_object_get(answer, "payment_intent");
    copy_id(charge->payment_ids[0], PT_PAY_ID_MAX, invoice);
    copy_id(charge->payment_ids[1], PT_PAY_ID_MAX, intent);
    snprintf(charge->payment_ids[2], PT_PAY_ID_MAX, "%s", charge->id);
    copy_id(charge->subscription, sizeof(charge->subscription),
            json_object_get(invoice, "subscription"));
    const json_t *sources[] = {
        json_object_get(json_object_get(invoice, "subscription_details"), "metadata"),
        json_object_get(intent, "metadata"),
        json_object_get(answer, "metadata"),
    };
    for (size_t i = 0; i < 3 && charge->pledge_id[0] == '\0'; i++)
        copy_string(charge->pledge_id, sizeof(charge->pledge_id),
                    json_object_get(sources[i], "pledge_id"));
    charge->amount_minor = json_integer_value(json_object_get(answer, "amount"));
    upper_currency(charge->currency, json_object_get(answer, "currency"));
    charge->disputed = json_is_true(json_object_get(answer, "disputed"));
}

static void parse_refund_list(const json_t *answer, struct pt_pay_charge *charge)
{
    const json_t *list = json_object_get(answer, "data");
    size_t index;
    const json_t *item;
    json_array_foreach(list, index, item)
    {
        if (charge->refund_count == PT_PAY_REFUNDS_MAX)
            break;
        struct pt_pay_refund *refund = &charge->refunds[charge->refund_count++];
        copy_string(refund->id, sizeof(refund->id), json_object_get(item, "id"));
        refund->amount_minor = json_integer_value(json_object_get(item, "amount"));
        copy_string(refund->status, sizeof(refund->status), json_object_get(item, "status"));
        /* Only money that has gone back counts; an amount that is not one
         * (negative, or more than the charge) is not believed. */
        refund->counts = strcmp(refund->status, "succeeded") == 0 && refund->id[0] != '\0' &&
                         refund->amount_minor > 0 && refund->amount_minor <= charge->amount_minor;
    }
}

static void parse_dispute_list(const json_t *answer, struct pt_pay_charge *charge)
{
    const json_t *dispute = json_array_get(json_object_get(answer, "data"), 0);
    if (json_is_object(dispute))
        read_dispute(dispute, &charge->dispute);
    if (charge->dispute.id[0] == '\0' || charge->dispute.amount_minor < 0 ||
        charge->dispute.amount_minor > charge->amount_minor) {
        memset(&charge->dispute, 0, sizeof(charge->dispute));
        charge->disputed = false;
    }
}

static json_t *load(const char *text, size_t length, const char *what, char *error,
                    size_t error_size)
{
    json_error_t problem;
    json_t *root = json_loadb(text != NULL ? text : "", text != NULL ? length : 0, 0, &problem);
    if (!json_is_object(root)) {
        snprintf(error, error_size, "Stripe's %s is not a JSON object", what);
        json_decref(root);
        return NULL;
    }
    return root;
}

enum pt_status pt_pay_stripe_parse_charge(const char *charge_json, size_t charge_length,
                                          const char *refunds_json, size_t refunds_length,
                                          const char *disputes_json, size_t disputes_length,
                                          struct pt_pay_charge *charge, char *error,
                                          size_t error_size)
{
    memset(charge, 0, sizeof(*charge));
    json_t *root = load(charge_json, charge_length, "charge", error, error_size);
    if (root == NULL)
        return PT_ERR_INVALID;
    parse_charge_object(root, charge);
    json_decref(root);
    if (charge->id[0] == '\0' || charge->amount_minor < 0) {
        snprintf(error, error_size, "Stripe's charge has no id or a negative amount");
        return PT_ERR_INVALID;
    }
    root = load(refunds_json, refunds_length, "list of refunds", error, error_size);
    if (root == NULL)
        return PT_ERR_INVALID;
    parse_refund_list(root, charge);
    json_decref(root);
    if (charge->disputed) {
        root = load(disputes_json, disputes_length, "list of disputes", error, error_size);
        if (root == NULL)
            return PT_ERR_INVALID;
        parse_dispute_list(root, charge);
        json_decref(root);
    }
    return PT_OK;
}

/* GET as text, for pt_pay_stripe_parse_charge. */
static enum pt_status get_text(struct stripe *stripe, const char *path, char **text,
                               size_t *length, char *error, size_t error_size)
{
    json_t *answer = NULL;
    enum pt_status status = get_json(stripe, path, &answer, error, error_size);
    *text = NULL;
    if (status == PT_OK) {
        *text = json_dumps(answer, JSON_COMPACT);
        *length = *text != NULL ? strlen(*text) : 0;
    }
    json_decref(answer);
    return status;
}

static enum pt_status read_charge(struct pt_pay *pay, const char *id, struct pt_pay_charge *charge,
                                  char *error, size_t error_size)
{
    struct stripe *stripe = from(pay);
    char *texts[3] = {NULL, NULL, NULL};
    size_t lengths[3] = {0, 0, 0};
    struct pt_buf path;
    pt_buf_init(&path);
    pt_buf_puts(&path, "/v1/charges/");
    pt_buf_url(&path, id);
    pt_buf_puts(&path, "?expand[]=invoice&expand[]=payment_intent");
    enum pt_status status = get_text(stripe, path.data, &texts[0], &lengths[0], error, error_size);
    /* Its refunds (since 2022-11-15 the charge no longer lists them) and
     * its dispute. */
    if (status == PT_OK) {
        pt_buf_reset(&path);
        pt_buf_puts(&path, "/v1/refunds?limit=100&charge=");
        pt_buf_url(&path, id);
        status = get_text(stripe, path.data, &texts[1], &lengths[1], error, error_size);
    }
    if (status == PT_OK) {
        pt_buf_reset(&path);
        pt_buf_puts(&path, "/v1/disputes?limit=1&charge=");
        pt_buf_url(&path, id);
        status = get_text(stripe, path.data, &texts[2], &lengths[2], error, error_size);
    }
    if (status == PT_OK) {
        status = pt_pay_stripe_parse_charge(texts[0], lengths[0], texts[1], lengths[1], texts[2],
                                            lengths[2], charge, error, error_size);
        if (status == PT_ERR_INVALID)
            status = PT_ERR_IO; /* a garbled answer: ask again later */
    }
    for (size_t i = 0; i < 3; i++)
        pt_json_free(texts[i]);
    pt_buf_dispose(&path);
    return status;
}

/* The ledger knows a one-off gift by its payment intent and a pledge's
 * charge by its invoice, whose charge Stripe names. */
static enum pt_status refund(struct pt_pay *pay, const char *payment_id, int64_t amount_minor,
                             const char *currency, const char *idempotency_key,
                             struct pt_pay_refund *refund, char *error, size_t error_size)
{
    (void)currency; /* a refund is in the charge's currency */
    struct stripe *stripe = from(pay);
    memset(refund, 0, sizeof(*refund));
    char field[16] = "charge";
    char target[PT_PAY_ID_MAX];
    snprintf(target, sizeof(target), "%s", payment_id);
    enum pt_status status = PT_OK;
    json_t *answer = NULL;
    if (strncmp(payment_id, "pi_", 3) == 0) {
        snprintf(field, sizeof(field), "payment_intent");
    } else if (strncmp(payment_id, "in_", 3) == 0) {
        struct pt_buf path;
        pt_buf_init(&path);
        pt_buf_puts(&path, "/v1/invoices/");
        pt_buf_url(&path, payment_id);
        status = get_json(stripe, path.data, &answer, error, error_size);
        pt_buf_dispose(&path);
        if (status)
            return status;
        copy_id(target, sizeof(target), json_object_get(answer, "charge"));
        if (target[0] == '\0') {
            copy_id(target, sizeof(target), json_object_get(answer, "payment_intent"));
            snprintf(field, sizeof(field), "payment_intent");
        }
        json_decref(answer);
        answer = NULL;
        if (target[0] == '\0') {
            snprintf(error, error_size, "Stripe's invoice %s names no charge to refund",
                     payment_id);
            return PT_ERR_INVALID;
        }
    }
    struct pt_buf form;
    pt_buf_init(&form);
    form_field(&form, field, target);
    form_integer(&form, "amount", amount_minor);
    form_field(&form, "metadata[patron_payment]", payment_id);
    status = call(stripe, FOR_BACKGROUND, "POST", "/v1/refunds", &form, idempotency_key, &answer,
                  error, error_size);
    pt_buf_dispose(&form);
    if (status)
        return status;
    copy_string(refund->id, sizeof(refund->id), json_object_get(answer, "id"));
    refund->amount_minor = json_integer_value(json_object_get(answer, "amount"));
    copy_string(refund->status, sizeof(refund->status), json_object_get(answer, "status"));
    refund->counts = strcmp(refund->status, "succeeded") == 0;
    json_decref(answer);
    if (refund->id[0] == '\0') {
        snprintf(error, error_size, "Stripe's refund answer has no id");
        return PT_ERR_IO;
    }
    return PT_OK;
}

/* --------------------------------------------------------------- webhooks */

/* Calls visit for each comma-separated part of a Stripe-Signature header
 * that is "v1=" and 64 hex digits. */
static void each_v1(const char *header, void (*visit)(const char *hex, void *context),
                    void *context)
{
    const char *part = header;
    while (*part != '\0') {
        const char *end = strchr(part, ',');
        size_t part_length = end ? (size_t)(end - part) : strlen(part);
        if (part_length == 67 && strncmp(part, "v1=", 3) == 0)
            visit(part + 3, context);
        part += part_length + (end ? 1 : 0);
    }
}

static void count_v1(const char *hex, void *context)
{
    (void)hex;
    (*(size_t *)context)++;
}

struct v1_match {
    const char *expected; /* 64 hex digits */
    bool matched;
};

/* Every signature is compared in full, in constant time, with no early
 * stop, so the time does not tell which one matched. */
static void compare_v1(const char *hex, void *context)
{
    struct v1_match *match = context;
    match->matched |= sodium_memcmp(match->expected, hex, 64) == 0;
}

enum pt_status pt_pay_stripe_verify(const char *header, const char *body, size_t length,
                                    const char *secrets, int64_t now, int64_t tolerance,
                                    char *error, size_t error_size)
{
    if (header == NULL || header[0] == '\0') {
        snprintf(error, error_size, "the Stripe-Signature header is missing");
        return PT_ERR_INVALID;
    }
    /* t=TIMESTAMP, then any number of v1=HEX (and other schemes, ignored):
     * every v1 is checked, however many the header holds (the HTTP layer
     * bounds its length). */
    int64_t timestamp = -1;
    const char *part = header;
    while (*part != '\0') {
        const char *end = strchr(part, ',');
        size_t part_length = end ? (size_t)(end - part) : strlen(part);
        if (part_length > 2 && strncmp(part, "t=", 2) == 0) {
            char digits[24];
            size_t n = part_length - 2 < sizeof(digits) - 1 ? part_length - 2 : sizeof(digits) - 1;
            memcpy(digits, part + 2, n);
            digits[n] = '\0';
            char *stop = NULL;
            long long value = strtoll(digits, &stop, 10);
            if (stop != digits && *stop == '\0' && value > 0)
                timestamp = value;
        }
        part += part_length + (end ? 1 : 0);
    }
    size_t count = 0;
    each_v1(header, count_v1, &count);
    if (timestamp < 0 || count == 0) {
        snprintf(error, error_size, "the Stripe-Signature header has no timestamp or no v1 "
                                    "signature");
        return PT_ERR_INVALID;
    }
    if (timestamp < now - tolerance || timestamp > now + tolerance) {
        snprintf(error, error_size, "the signature's timestamp is more than %lld seconds %s",
                 (long long)tolerance, timestamp < now ? "old" : "in the future");
        return PT_ERR_INVALID;
    }
    char prefix[32];
    int prefix_length = snprintf(prefix, sizeof(prefix), "%lld.", (long long)timestamp);
    bool matched = false;
    const char *secret = secrets;
    while (secret != NULL && *secret != '\0') {
        const char *end = strchr(secret, ',');
        size_t secret_length = end ? (size_t)(end - secret) : strlen(secret);
        while (secret_length > 0 && *secret == ' ') {
            secret++;
            secret_length--;
        }
        if (secret_length > 0) {
            /* The whole secret, "whsec_" and all, is the key. */
            crypto_auth_hmacsha256_state state;
            unsigned char mac[crypto_auth_hmacsha256_BYTES];
            crypto_auth_hmacsha256_init(&state, (const unsigned char *)secret, secret_length);
            crypto_auth_hmacsha256_update(&state, (const unsigned char *)prefix,
                                          (unsigned long long)prefix_length);
            crypto_auth_hmacsha256_update(&state, (const unsigned char *)body, length);
            crypto_auth_hmacsha256_final(&state, mac);
            char expected[65];
            sodium_bin2hex(expected, sizeof(expected), mac, sizeof(mac));
            struct v1_match match = {expected, false};
            each_v1(header, compare_v1, &match);
            matched |= match.matched;
        }
        secret = end ? end + 1 : NULL;
    }
    if (!matched) {
        snprintf(error, error_size, "no v1 signature matches the body with any webhook secret");
        return PT_ERR_INVALID;
    }
    return PT_OK;
}

enum pt_status pt_pay_stripe_parse_event(const char *body, size_t length,
                                         struct pt_pay_event *event, char *error,
                                         size_t error_size)
{
    json_error_t problem;
    json_t *root = json_loadb(body, length, JSON_REJECT_DUPLICATES, &problem);
    if (root == NULL) {
        snprintf(error, error_size, "the event is not JSON: %s", problem.text);
        return PT_ERR_INVALID;
    }
    memset(event, 0, sizeof(*event));
    const json_t *object = json_object_get(json_object_get(root, "data"), "object");
    enum pt_status status = PT_OK;
    if (!json_is_string(json_object_get(root, "id")) ||
        !json_is_string(json_object_get(root, "type")) || !json_is_object(object)) {
        snprintf(error, error_size, "the event lacks an id, a type or data.object");
        status = PT_ERR_INVALID;
        goto out;
    }
    copy_string(event->id, sizeof(event->id), json_object_get(root, "id"));
    copy_string(event->type, sizeof(event->type), json_object_get(root, "type"));
    event->created = json_integer_value(json_object_get(root, "created"));
    copy_string(event->object_id, sizeof(event->object_id), json_object_get(object, "id"));
    copy_string(event->pledge_id, sizeof(event->pledge_id),
                json_object_get(json_object_get(object, "metadata"), "pledge_id"));
    if (strncmp(event->type, "invoice.", 8) == 0) {
        const json_t *subscription = json_object_get(object, "subscription");
        if (subscription == NULL || json_is_null(subscription))
            subscription = json_object_get(
                json_object_get(json_object_get(object, "parent"), "subscription_details"),
                "subscription");
        copy_id(event->subscription, sizeof(event->subscription), subscription);
        const char *field = strcmp(event->type, "invoice.paid") == 0 ? "amount_paid" : "amount_due";
        event->amount_minor = json_integer_value(json_object_get(object, field));
        event->attempt = (int)json_integer_value(json_object_get(object, "attempt_count"));
        if (event->pledge_id[0] == '\0')
            copy_string(event->pledge_id, sizeof(event->pledge_id),
                        json_object_get(json_object_get(json_object_get(object,
                                                                        "subscription_details"),
                                                        "metadata"),
                                        "pledge_id"));
    } else if (strncmp(event->type, "customer.subscription.", 22) == 0) {
        snprintf(event->subscription, sizeof(event->subscription), "%s", event->object_id);
    }
    upper_currency(event->currency, json_object_get(object, "currency"));
    event->kind = event_kind(event->type);
    if (event->kind == PT_PAY_EVENT_CHARGE) {
        /* The event's object is the charge, or a refund or dispute naming it. */
        const json_t *type_name = json_object_get(object, "object");
        if (json_is_string(type_name) && strcmp(json_string_value(type_name), "charge") == 0)
            snprintf(event->charge, sizeof(event->charge), "%s", event->object_id);
        else
            copy_id(event->charge, sizeof(event->charge), json_object_get(object, "charge"));
    }
out:
    json_decref(root);
    return status;
}

static enum pt_status verify_webhook(struct pt_pay *pay, const char *signature_header,
                                     const char *body, size_t length, int64_t now,
                                     struct pt_pay_event *event, char *error, size_t error_size)
{
    enum pt_status status = pt_pay_stripe_verify(signature_header, body, length,
                                                 from(pay)->webhook_secrets, now, 300, error,
                                                 error_size);
    if (status)
        return status;
    return pt_pay_stripe_parse_event(body, length, event, error, error_size);
}

static void stripe_free(struct pt_pay *pay)
{
    struct stripe *stripe = from(pay);
    free(stripe->api_base);
    sodium_memzero(stripe->secret_key, strlen(stripe->secret_key));
    free(stripe->secret_key);
    sodium_memzero(stripe->webhook_secrets, strlen(stripe->webhook_secrets));
    free(stripe->webhook_secrets);
    free(stripe->descriptor_suffix);
    free(stripe);
}

/* One part of a statement descriptor: printable ASCII without Stripe's
 * forbidden characters, with at least one letter. */
static bool descriptor_part_ok(const char *text, const char *what, char *error,
                               size_t error_size)
{
    bool letter = false;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (*p < 0x20 || *p > 0x7e) {
            snprintf(error, error_size, "%s may hold only Latin letters, digits, spaces and "
                                        "punctuation (no accents or other scripts)",
                     what);
            return false;
        }
        if (strchr("<>\\'\"*", *p) != NULL) {
            snprintf(error, error_size, "%s may not contain < > \\ ' \" or *", what);
            return false;
        }
        letter |= (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z');
    }
    if (!letter) {
        snprintf(error, error_size, "%s must contain at least one letter", what);
        return false;
    }
    return true;
}

enum pt_status pt_pay_stripe_check_descriptor(const char *prefix, const char *suffix, char *error,
                                              size_t error_size)
{
    bool has_prefix = prefix != NULL && prefix[0] != '\0';
    if (suffix == NULL || suffix[0] == '\0') {
        if (has_prefix) {
            snprintf(error, error_size, "stripe_statement_descriptor_prefix is only for checking "
                                        "stripe_statement_descriptor_suffix, which is empty");
            return PT_ERR_INVALID;
        }
        return PT_OK;
    }
    if (!descriptor_part_ok(suffix, "stripe_statement_descriptor_suffix", error, error_size))
        return PT_ERR_INVALID;
    size_t length = strlen(suffix);
    if (suffix[0] == ' ' || suffix[length - 1] == ' ') {
        snprintf(error, error_size, "stripe_statement_descriptor_suffix may not start or end "
                                    "with a space");
        return PT_ERR_INVALID;
    }
    if (!has_prefix) {
        if (length > 18) {
            snprintf(error, error_size,
                     "stripe_statement_descriptor_suffix has %zu characters: with the "
                     "account's prefix and \"* \" Stripe allows 22 in all, so at most 18 "
                     "without a prefix; set stripe_statement_descriptor_prefix to your "
                     "shortened descriptor to check the exact length",
                     length);
            return PT_ERR_INVALID;
        }
        return PT_OK;
    }
    size_t prefix_length = strlen(prefix);
    if (!descriptor_part_ok(prefix, "stripe_statement_descriptor_prefix", error, error_size))
        return PT_ERR_INVALID;
    if (prefix_length < 2 || prefix_length > 10) {
        snprintf(error, error_size, "stripe_statement_descriptor_prefix (Stripe's shortened "
                                    "descriptor) has 2 to 10 characters, not %zu",
                 prefix_length);
        return PT_ERR_INVALID;
    }
    if (prefix_length + 2 + length > 22) {
        snprintf(error, error_size,
                 "the statement descriptor \"%s* %s\" has %zu characters; Stripe allows 22: "
                 "shorten stripe_statement_descriptor_suffix to at most %zu",
                 prefix, suffix, prefix_length + 2 + length, 22 - 2 - prefix_length);
        return PT_ERR_INVALID;
    }
    return PT_OK;
}

/* Every currency patron knows; Stripe charges them all. */
static bool supports(const struct pt_pay *pay, const char *currency, enum pt_frequency frequency)
{
    (void)pay;
    (void)frequency;
    return pt_money_currency(currency) != NULL;
}

static int64_t minimum(const struct pt_pay *pay, const char *currency)
{
    (void)pay;
    const struct pt_currency *known = pt_money_currency(currency);
    return known != NULL ? known->processor_min : 1;
}

/* Checkout shows what the newsroom enabled in Stripe's dashboard. */
static size_t methods(const struct pt_pay *pay, const char *currency, enum pt_frequency frequency,
                      struct pt_pay_method *list, size_t capacity)
{
    (void)pay;
    (void)currency;
    (void)frequency;
    (void)list;
    (void)capacity;
    return 0;
}

static const struct pt_pay_ops stripe_ops = {
    .name = "stripe",
    .label = "Stripe",
    .signature_header = "Stripe-Signature",
    .return_names_checkout = true,
    .asks_email = true,
    .supports = supports,
    .minimum = minimum,
    .methods = methods,
    .create_checkout = create_checkout,
    .read_session = read_session,
    .read_subscription = read_subscription,
    .change_amount = change_amount,
    .set_paused = set_paused,
    .cancel = cancel,
    .portal = portal,
    .delete_customer = delete_customer,
    .verify_webhook = verify_webhook,
    .read_charge = read_charge,
    .refund = refund,
    .free = stripe_free,
};

struct pt_pay *pt_pay_stripe_new(const struct pt_stripe_settings *settings)
{
    struct stripe *stripe = pt_xcalloc(1, sizeof(*stripe));
    stripe->super.ops = &stripe_ops;
    stripe->api_base = pt_xstrdup(settings->api_base);
    stripe->secret_key = pt_xstrdup(settings->secret_key);
    stripe->webhook_secrets = pt_xstrdup(settings->webhook_secrets);
    stripe->descriptor_suffix = pt_xstrdup(
        settings->statement_descriptor_suffix ? settings->statement_descriptor_suffix : "");
    stripe->timeout_seconds = settings->timeout_seconds > 0 ? settings->timeout_seconds : 30;
    stripe->reader_timeout_seconds =
        settings->reader_timeout_seconds > 0 ? settings->reader_timeout_seconds : 10;
    return &stripe->super;
}
