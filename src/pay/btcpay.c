/* BTCPay Server (self-hosted, no custodian) over its Greenfield API with
 * libcurl: invoices priced in the pledge's fiat currency, paid in whatever
 * crypto the newsroom's store accepts, on the newsroom's own server.
 *
 * A gift is one invoice: POST /api/v1/stores/{store}/invoices with the
 * amount as a decimal string, the pledge id as metadata.orderId and the
 * thank-you page as checkout.redirectURL; the reader goes to its
 * checkoutLink. Nothing can be charged without the donor: a monthly crypto
 * pledge is a first invoice now, then one invoice a month that the donor
 * opens from an emailed link (crypto_months.c), each with its month in
 * metadata.patronPeriod. To the ledger such a pledge has a "subscription"
 * of patron's own, "crypto-" and the pledge id, which BTCPay never sees.
 *
 * Webhooks are signed: BTCPay-Sig is "sha256=" and the hex HMAC-SHA256 of
 * the raw body with the webhook's secret, compared in constant time. The
 * body names an invoice; the invoice is then read back, and what BTCPay
 * says of it now is the event, applied once per invoice and status
 * (whatever the delivery id: a redelivery is a new delivery of the same
 * news). Settled is a payment; Expired and Invalid are a line in the
 * pledge's history; the rest (New, Processing) change nothing.
 *
 * Nothing of the donor is sent or kept: no name, no address, no wallet
 * address (BTCPay's invoice holds the payment's transaction; patron reads
 * only the status and the amount). */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "patron/alloc.h"
#include "patron/buf.h"
#include "patron/i18n.h"
#include "patron/json.h"
#include "patron/money.h"
#include "patron/pay.h"
#include "patron/webapi.h"

#define CURRENCIES_MAX 16

struct btcpay {
    struct pt_pay super;
    char *url; /* "https://pay.example", no trailing slash */
    char *store_id;
    char *api_key;
    char *webhook_secret;
    char currencies[CURRENCIES_MAX][4];
    size_t currency_count;
    int timeout_seconds;
    int reader_timeout_seconds;
    int invoice_minutes;
};

static struct btcpay *from(struct pt_pay *pay)
{
    return (struct btcpay *)pay;
}

static const struct btcpay *from_const(const struct pt_pay *pay)
{
    return (const struct btcpay *)pay;
}

/* ------------------------------------------------------------ what it takes */

static bool supports(const struct pt_pay *pay, const char *currency, enum pt_frequency frequency)
{
    const struct btcpay *btcpay = from_const(pay);
    (void)frequency; /* every frequency: later payments are invoices the donor opens */
    if (pt_money_currency(currency) == NULL)
        return false;
    for (size_t i = 0; i < btcpay->currency_count; i++) {
        if (strcmp(btcpay->currencies[i], currency) == 0)
            return true;
    }
    return false;
}

/* BTCPay takes any amount; the network's fees make a tiny one pointless,
 * so one whole unit of the currency is the smallest (100 yen). */
static int64_t minimum(const struct pt_pay *pay, const char *currency)
{
    (void)pay;
    const struct pt_currency *known = pt_money_currency(currency);
    if (known == NULL)
        return 100;
    return known->exponent == 0 ? 100 : pt_money_unit(known);
}

static size_t methods(const struct pt_pay *pay, const char *currency, enum pt_frequency frequency,
                      struct pt_pay_method *list, size_t capacity)
{
    (void)pay;
    (void)currency;
    (void)frequency;
    (void)list;
    (void)capacity;
    return 0; /* BTCPay's checkout offers the store's coins */
}

/* --------------------------------------------------------------- amounts */

enum pt_status pt_pay_btcpay_format_amount(int64_t minor, const char *currency, char *out,
                                           size_t size)
{
    const struct pt_currency *known = pt_money_currency(currency);
    if (known == NULL || minor < 0)
        return PT_ERR_INVALID;
    int64_t unit = pt_money_unit(known);
    int written;
    if (known->exponent == 0)
        written = snprintf(out, size, "%lld", (long long)minor);
    else
        written = snprintf(out, size, "%lld.%0*lld", (long long)(minor / unit), known->exponent,
                           (long long)(minor % unit));
    return written > 0 && (size_t)written < size ? PT_OK : PT_ERR_INVALID;
}

enum pt_status pt_pay_btcpay_parse_amount(const char *value, const char *currency, int64_t *minor)
{
    const struct pt_currency *known = pt_money_currency(currency);
    if (value == NULL || known == NULL || *value < '0' || *value > '9')
        return PT_ERR_INVALID;
    int64_t whole = 0, fraction = 0;
    const char *p = value;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (whole > (INT64_MAX / 1000) / 10)
            return PT_ERR_INVALID;
        whole = whole * 10 + (*p - '0');
    }
    int digits = 0;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return PT_ERR_INVALID;
        /* BTCPay writes "5", "5.00" or "5.0000000": more decimals than the
         * currency has must be zeros, or the amount is not one of ours. */
        for (; *p >= '0' && *p <= '9'; p++, digits++) {
            if (digits < known->exponent)
                fraction = fraction * 10 + (*p - '0');
            else if (*p != '0' || digits > 30)
                return PT_ERR_INVALID;
        }
    }
    if (*p != '\0')
        return PT_ERR_INVALID;
    for (; digits < known->exponent; digits++)
        fraction *= 10;
    *minor = whole * pt_money_unit(known) + fraction;
    return PT_OK;
}

/* ------------------------------------------------------------- signature */

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

enum pt_status pt_pay_btcpay_verify(const char *header, const char *body, size_t length,
                                    const char *secret, char *error, size_t error_size)
{
    enum { MAC_BYTES = crypto_auth_hmacsha256_BYTES };
    if (secret == NULL || secret[0] == '\0') {
        snprintf(error, error_size, "no BTCPay webhook secret is configured");
        return PT_ERR_INVALID;
    }
    if (header == NULL || strncmp(header, "sha256=", 7) != 0 ||
        strlen(header + 7) != 2 * MAC_BYTES) {
        snprintf(error, error_size, "BTCPay-Sig is not \"sha256=\" and 64 hex digits");
        return PT_ERR_INVALID;
    }
    unsigned char given[MAC_BYTES];
    for (size_t i = 0; i < MAC_BYTES; i++) {
        int high = hex_value(header[7 + 2 * i]), low = hex_value(header[8 + 2 * i]);
        if (high < 0 || low < 0) {
            snprintf(error, error_size, "BTCPay-Sig is not \"sha256=\" and 64 hex digits");
            return PT_ERR_INVALID;
        }
        given[i] = (unsigned char)(high * 16 + low);
    }
    crypto_auth_hmacsha256_state state;
    unsigned char expected[MAC_BYTES];
    crypto_auth_hmacsha256_init(&state, (const unsigned char *)secret, strlen(secret));
    crypto_auth_hmacsha256_update(&state, (const unsigned char *)body, length);
    crypto_auth_hmacsha256_final(&state, expected);
    /* Constant time: how much of a forged signature was right must not
     * show in how long the refusal took. */
    bool match = sodium_memcmp(given, expected, MAC_BYTES) == 0;
    sodium_memzero(&state, sizeof(state));
    if (!match) {
        snprintf(error, error_size, "BTCPay-Sig does not match the body");
        return PT_ERR_INVALID;
    }
    return PT_OK;
}

/* -------------------------------------------------------------- parsing */

/* BTCPay's invoice ids are letters and digits (22 of them today); ids go
 * into paths, so nothing else passes. */
static bool is_invoice_id(const char *id)
{
    size_t length = id != NULL ? strlen(id) : 0;
    if (length < 8 || length > 64)
        return false;
    for (const char *p = id; *p; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
            return false;
    }
    return true;
}

static bool is_pledge_id(const char *id)
{
    if (id == NULL || strlen(id) != 32)
        return false;
    for (const char *p = id; *p; p++) {
        if (hex_value(*p) < 0)
            return false;
    }
    return true;
}

static void copy_string(char *out, size_t size, const json_t *value)
{
    snprintf(out, size, "%s", json_is_string(value) ? json_string_value(value) : "");
}

enum pt_status pt_pay_btcpay_parse_webhook(const char *body, size_t length,
                                           struct pt_btcpay_webhook *webhook, char *error,
                                           size_t error_size)
{
    memset(webhook, 0, sizeof(*webhook));
    json_error_t problem;
    json_t *root = json_loadb(body, length, JSON_REJECT_DUPLICATES, &problem);
    if (!json_is_object(root)) {
        snprintf(error, error_size, "a BTCPay webhook is a JSON object: %s",
                 root == NULL ? problem.text : "not an object");
        json_decref(root);
        return PT_ERR_INVALID;
    }
    copy_string(webhook->delivery_id, sizeof(webhook->delivery_id),
                json_object_get(root, "deliveryId"));
    copy_string(webhook->type, sizeof(webhook->type), json_object_get(root, "type"));
    copy_string(webhook->store_id, sizeof(webhook->store_id), json_object_get(root, "storeId"));
    copy_string(webhook->invoice_id, sizeof(webhook->invoice_id),
                json_object_get(root, "invoiceId"));
    json_t *timestamp = json_object_get(root, "timestamp");
    /* A number outside int64_t (or not finite) cannot be converted: it is
     * no time, and reads as none. */
    double seconds = json_is_number(timestamp) ? json_number_value(timestamp) : 0;
    webhook->timestamp = seconds >= 0 && seconds < 9.2e18 ? (int64_t)seconds : 0;
    webhook->is_redelivery = json_is_true(json_object_get(root, "isRedelivery"));
    json_decref(root);
    if (webhook->type[0] == '\0') {
        snprintf(error, error_size, "a BTCPay webhook names its type");
        return PT_ERR_INVALID;
    }
    /* Invoice events name their invoice; others (payouts, payment
     * requests) do not and are acknowledged as they are. */
    if (strncmp(webhook->type, "Invoice", 7) == 0 && !is_invoice_id(webhook->invoice_id)) {
        snprintf(error, error_size, "a BTCPay invoice webhook has no invoice id");
        return PT_ERR_INVALID;
    }
    return PT_OK;
}

static const char *metadata_string(const json_t *invoice, const char *key)
{
    const char *value =
        json_string_value(json_object_get(json_object_get(invoice, "metadata"), key));
    return value != NULL ? value : "";
}

static int metadata_period(const json_t *invoice)
{
    const char *text = metadata_string(invoice, "patronPeriod");
    char *end = NULL;
    long period = strtol(text, &end, 10);
    return text[0] != '\0' && *end == '\0' && period > 0 && period < 100000 ? (int)period : 0;
}

/* An invoice as BTCPay answers it, as the event it means: the id is the
 * invoice and its status, so each status is applied once. */
static void classify(const json_t *invoice, int64_t now, struct pt_pay_event *event)
{
    memset(event, 0, sizeof(*event));
    const char *id = json_string_value(json_object_get(invoice, "id"));
    const char *state = json_string_value(json_object_get(invoice, "status"));
    state = state != NULL ? state : "Unknown";
    snprintf(event->object_id, sizeof(event->object_id), "%s", id != NULL ? id : "");
    snprintf(event->type, sizeof(event->type), "invoice.%.40s", state);
    snprintf(event->id, sizeof(event->id), "btcpay-%.64s-%.32s", event->object_id, state);
    event->created = now;
    event->attempt = 1;
    const char *pledge_id = metadata_string(invoice, "orderId");
    if (!is_pledge_id(pledge_id))
        return; /* not an invoice of patron's: acknowledged, nothing changes */
    snprintf(event->pledge_id, sizeof(event->pledge_id), "%s", pledge_id);
    copy_string(event->currency, sizeof(event->currency), json_object_get(invoice, "currency"));
    if (pt_pay_btcpay_parse_amount(json_string_value(json_object_get(invoice, "amount")),
                                   event->currency, &event->amount_minor) != PT_OK)
        event->amount_minor = 0;
    int period = metadata_period(invoice);
    if (period > 0)
        snprintf(event->subscription, sizeof(event->subscription), "crypto-%s", pledge_id);
    if (strcmp(state, "Settled") == 0) {
        /* The pledge's own invoice is its checkout; a later month's is a
         * charge of the pledge's "subscription". */
        event->kind = period > 0 ? PT_PAY_EVENT_PAYMENT_SUCCEEDED : PT_PAY_EVENT_CHECKOUT_DONE;
    } else if (strcmp(state, "Expired") == 0 || strcmp(state, "Invalid") == 0) {
        event->kind = PT_PAY_EVENT_HISTORY;
        snprintf(event->type, sizeof(event->type), "%s",
                 strcmp(state, "Expired") == 0
                     ? "crypto invoice expired unpaid"
                     : "crypto invoice invalid: its payment did not confirm in time");
    }
}

enum pt_status pt_pay_btcpay_parse_invoice(const char *body, size_t length, int64_t now,
                                           struct pt_pay_event *event, char *error,
                                           size_t error_size)
{
    json_error_t problem;
    json_t *invoice = json_loadb(body, length, JSON_REJECT_DUPLICATES, &problem);
    if (!json_is_object(invoice) ||
        !is_invoice_id(json_string_value(json_object_get(invoice, "id")))) {
        snprintf(error, error_size, "not a BTCPay invoice: %s",
                 invoice == NULL ? problem.text : "no id");
        json_decref(invoice);
        return PT_ERR_INVALID;
    }
    classify(invoice, now, event);
    json_decref(invoice);
    return PT_OK;
}

/* ----------------------------------------------------------------- calls */

/* One call to the Greenfield API under the store's path. On success
 * *answer holds the parsed JSON (the caller decrefs). */
static enum pt_status call(struct btcpay *btcpay, int seconds, const char *method, const char *path,
                           const json_t *body, json_t **answer, char *error, size_t error_size)
{
    *answer = NULL;
    struct pt_buf url, received, authorization;
    pt_buf_init(&url);
    pt_buf_init(&received);
    pt_buf_init(&authorization);
    pt_buf_printf(&url, "%s/api/v1/stores/%s%s", btcpay->url, btcpay->store_id, path);
    pt_buf_printf(&authorization, "Authorization: token %s", btcpay->api_key);
    const char *headers[4] = {authorization.data, "Accept: application/json", NULL, NULL};
    char *text = NULL;
    if (body != NULL) {
        text = json_dumps(body, JSON_COMPACT);
        headers[2] = "Content-Type: application/json";
    }
    struct pt_webapi_request request = {
        .method = method,
        .url = url.data,
        .headers = headers,
        .body = text,
        .body_length = text != NULL ? strlen(text) : 0,
        .timeout_ms = 1000L * seconds,
    };
    long status = 0;
    enum pt_status result =
        pt_webapi_call(&request, "BTCPay", &status, &received, error, error_size);
    if (result)
        goto out;
    json_error_t problem;
    json_t *parsed =
        received.length > 0 ? json_loadb(received.data, received.length, 0, &problem) : NULL;
    if (status < 200 || status >= 300) {
        const char *message = json_string_value(json_object_get(parsed, "message"));
        snprintf(error, error_size, "BTCPay answered %ld: %.200s", status,
                 message ? message : "no message");
        json_decref(parsed);
        result = status == 404                    ? PT_ERR_NOT_FOUND
                 : status >= 500 || status == 429 ? PT_ERR_IO
                                                  : PT_ERR_INVALID;
        goto out;
    }
    if (parsed == NULL) {
        snprintf(error, error_size, "BTCPay answered %ld with something that is not JSON", status);
        result = PT_ERR_IO;
        goto out;
    }
    *answer = parsed;
out:
    pt_json_free(text);
    sodium_memzero(authorization.data, authorization.length);
    pt_buf_dispose(&url);
    pt_buf_dispose(&received);
    pt_buf_dispose(&authorization);
    return result;
}

static enum pt_status read_invoice(struct btcpay *btcpay, int seconds, const char *id,
                                   json_t **invoice, char *error, size_t error_size)
{
    if (!is_invoice_id(id)) {
        snprintf(error, error_size, "\"%.60s\" is not a BTCPay invoice id", id ? id : "");
        return PT_ERR_NOT_FOUND;
    }
    struct pt_buf path;
    pt_buf_init(&path);
    pt_buf_printf(&path, "/invoices/%s", id);
    enum pt_status status =
        call(btcpay, seconds, "GET", path.data, NULL, invoice, error, error_size);
    pt_buf_dispose(&path);
    if (status == PT_OK && !json_is_object(*invoice)) {
        json_decref(*invoice);
        *invoice = NULL;
        snprintf(error, error_size, "BTCPay's invoice answer is not an object");
        return PT_ERR_IO;
    }
    /* An invoice of another store is none of ours. */
    const char *store = json_string_value(json_object_get(*invoice, "storeId"));
    if (status == PT_OK && store != NULL && strcmp(store, btcpay->store_id) != 0) {
        json_decref(*invoice);
        *invoice = NULL;
        snprintf(error, error_size, "invoice %s is of another store", id);
        return PT_ERR_NOT_FOUND;
    }
    return status;
}

/* ------------------------------------------------------------- checkout */

/* An open or paid invoice already made for the pledge's month, so that a
 * link opened twice (or by a mail scanner) makes one invoice. */
static enum pt_status find_month_invoice(struct btcpay *btcpay, const char *pledge_id, int period,
                                         struct pt_pay_checkout *checkout, bool *found, char *error,
                                         size_t error_size)
{
    *found = false;
    struct pt_buf path;
    pt_buf_init(&path);
    pt_buf_printf(&path, "/invoices?orderId=%s", pledge_id);
    json_t *list = NULL;
    enum pt_status status = call(btcpay, btcpay->reader_timeout_seconds, "GET", path.data, NULL,
                                 &list, error, error_size);
    pt_buf_dispose(&path);
    if (status)
        return status;
    size_t index;
    const json_t *invoice;
    json_array_foreach(list, index, invoice)
    {
        const char *state = json_string_value(json_object_get(invoice, "status"));
        if (metadata_period(invoice) != period || state == NULL ||
            strcmp(metadata_string(invoice, "orderId"), pledge_id) != 0 ||
            (strcmp(state, "New") != 0 && strcmp(state, "Processing") != 0 &&
             strcmp(state, "Settled") != 0))
            continue;
        copy_string(checkout->id, sizeof(checkout->id), json_object_get(invoice, "id"));
        copy_string(checkout->url, sizeof(checkout->url), json_object_get(invoice, "checkoutLink"));
        *found = is_invoice_id(checkout->id) && strncmp(checkout->url, "http", 4) == 0;
        if (*found)
            break;
    }
    json_decref(list);
    return PT_OK;
}

static enum pt_status create_checkout(struct pt_pay *pay,
                                      const struct pt_pay_checkout_request *request,
                                      struct pt_pay_checkout *checkout, char *error,
                                      size_t error_size)
{
    struct btcpay *btcpay = from(pay);
    char amount[40];
    if (pt_pay_btcpay_format_amount(request->amount_minor, request->currency, amount,
                                    sizeof(amount)) != PT_OK) {
        snprintf(error, error_size, "%s is not a currency BTCPay is offered in", request->currency);
        return PT_ERR_INVALID;
    }
    if (request->period > 0) {
        bool found = false;
        enum pt_status status = find_month_invoice(btcpay, request->pledge_id, request->period,
                                                   checkout, &found, error, error_size);
        if (status || found)
            return status;
    }
    char period[16];
    snprintf(period, sizeof(period), "%d", request->period);
    /* The order id and patron's own fields only: BTCPay's buyer fields
     * (name, address, email) stay empty. */
    json_t *body = json_pack(
        "{s:s, s:s, s:{s:s, s:s, s:s, s:s}, s:{s:s, s:b, s:i}}", "amount", amount, "currency",
        request->currency, "metadata", "orderId", request->pledge_id, "itemDesc",
        request->description, "patronFrequency", pt_frequency_name(request->frequency),
        "patronPeriod", period, "checkout", "redirectURL", request->success_url,
        "redirectAutomatically", true, "expirationMinutes", btcpay->invoice_minutes);
    if (strcmp(request->language, "ru") == 0)
        json_object_set_new(json_object_get(body, "checkout"), "defaultLanguage",
                            json_string("ru-RU"));
    else if (strcmp(request->language, "en") == 0)
        json_object_set_new(json_object_get(body, "checkout"), "defaultLanguage",
                            json_string("en"));
    json_t *answer = NULL;
    enum pt_status status = call(btcpay, btcpay->reader_timeout_seconds, "POST", "/invoices", body,
                                 &answer, error, error_size);
    json_decref(body);
    if (status)
        return status;
    copy_string(checkout->id, sizeof(checkout->id), json_object_get(answer, "id"));
    copy_string(checkout->url, sizeof(checkout->url), json_object_get(answer, "checkoutLink"));
    json_decref(answer);
    if (!is_invoice_id(checkout->id) || strncmp(checkout->url, "http", 4) != 0) {
        snprintf(error, error_size, "BTCPay's invoice answer has no id or checkout link");
        return PT_ERR_IO;
    }
    return PT_OK;
}

static enum pt_status read_session(struct pt_pay *pay, const char *id,
                                   struct pt_pay_session *session, char *error, size_t error_size)
{
    struct btcpay *btcpay = from(pay);
    json_t *invoice = NULL;
    enum pt_status status =
        read_invoice(btcpay, btcpay->reader_timeout_seconds, id, &invoice, error, error_size);
    if (status)
        return status;
    memset(session, 0, sizeof(*session));
    copy_string(session->id, sizeof(session->id), json_object_get(invoice, "id"));
    snprintf(session->payment, sizeof(session->payment), "%s", session->id);
    const char *pledge_id = metadata_string(invoice, "orderId");
    snprintf(session->pledge_id, sizeof(session->pledge_id), "%s",
             is_pledge_id(pledge_id) ? pledge_id : "");
    copy_string(session->currency, sizeof(session->currency), json_object_get(invoice, "currency"));
    if (pt_pay_btcpay_parse_amount(json_string_value(json_object_get(invoice, "amount")),
                                   session->currency, &session->amount_total) != PT_OK)
        session->amount_total = 0;
    const char *state = json_string_value(json_object_get(invoice, "status"));
    state = state != NULL ? state : "";
    bool settled = strcmp(state, "Settled") == 0;
    bool ended = strcmp(state, "Expired") == 0 || strcmp(state, "Invalid") == 0;
    snprintf(session->status, sizeof(session->status), "%s",
             settled ? "complete"
             : ended ? "expired"
                     : "open");
    snprintf(session->payment_status, sizeof(session->payment_status), "%s",
             settled ? "paid" : "unpaid");
    enum pt_frequency frequency = PT_FREQUENCY_ONE_OFF;
    pt_frequency_parse(metadata_string(invoice, "patronFrequency"), &frequency);
    if (frequency != PT_FREQUENCY_ONE_OFF && session->pledge_id[0] != '\0')
        snprintf(session->subscription, sizeof(session->subscription), "crypto-%s",
                 session->pledge_id);
    json_decref(invoice);
    if (settled && session->amount_total <= 0) {
        snprintf(error, error_size, "BTCPay's invoice %s has no amount patron can read", id);
        return PT_ERR_IO;
    }
    return PT_OK;
}

/* ------------------------------------------- the pledge's own "subscription" */

/* Patron keeps a monthly crypto pledge itself: BTCPay knows invoices
 * only. Its state is the ledger's (active until it lapses or the donor
 * ends it); amount 0 leaves the ledger's amount as it is. */
static enum pt_status read_subscription(struct pt_pay *pay, const char *customer, const char *id,
                                        struct pt_pay_subscription *subscription, char *error,
                                        size_t error_size)
{
    (void)pay;
    (void)customer;
    if (id == NULL || strncmp(id, "crypto-", 7) != 0 || !is_pledge_id(id + 7)) {
        snprintf(error, error_size, "\"%.60s\" is not a crypto pledge", id ? id : "");
        return PT_ERR_NOT_FOUND;
    }
    memset(subscription, 0, sizeof(*subscription));
    snprintf(subscription->id, sizeof(subscription->id), "%s", id);
    snprintf(subscription->pledge_id, sizeof(subscription->pledge_id), "%s", id + 7);
    snprintf(subscription->status, sizeof(subscription->status), "active");
    return PT_OK;
}

static enum pt_status portal(struct pt_pay *pay, const struct pt_pay_pledge *pledge,
                             const char *return_url, char *url, size_t url_size, char *error,
                             size_t error_size)
{
    (void)pay, (void)pledge, (void)return_url, (void)url, (void)url_size;
    snprintf(error, error_size,
             "a crypto pledge has no payment method to change: each "
             "month's invoice is paid from any wallet");
    return PT_ERR_INVALID;
}

/* -------------------------------------------------------------- webhooks */

static enum pt_status verify_webhook(struct pt_pay *pay, const char *signature_header,
                                     const char *body, size_t length, int64_t now,
                                     struct pt_pay_event *event, char *error, size_t error_size)
{
    struct btcpay *btcpay = from(pay);
    enum pt_status status = pt_pay_btcpay_verify(signature_header, body, length,
                                                 btcpay->webhook_secret, error, error_size);
    if (status)
        return status;
    struct pt_btcpay_webhook webhook;
    status = pt_pay_btcpay_parse_webhook(body, length, &webhook, error, error_size);
    if (status)
        return status;
    memset(event, 0, sizeof(*event));
    if (webhook.invoice_id[0] == '\0' || strcmp(webhook.store_id, btcpay->store_id) != 0) {
        /* Not an invoice of this store's: acknowledged, nothing changes. */
        snprintf(event->id, sizeof(event->id), "btcpay-delivery-%.64s", webhook.delivery_id);
        snprintf(event->type, sizeof(event->type), "%.60s", webhook.type);
        event->kind = PT_PAY_EVENT_OTHER;
        event->created = now;
        return PT_OK;
    }
    json_t *invoice = NULL;
    status = read_invoice(btcpay, btcpay->timeout_seconds, webhook.invoice_id, &invoice, error,
                          error_size);
    if (status)
        return status;
    classify(invoice, now, event);
    json_decref(invoice);
    return PT_OK;
}

static void btcpay_free(struct pt_pay *pay)
{
    struct btcpay *btcpay = from(pay);
    free(btcpay->url);
    free(btcpay->store_id);
    sodium_memzero(btcpay->api_key, strlen(btcpay->api_key));
    free(btcpay->api_key);
    sodium_memzero(btcpay->webhook_secret, strlen(btcpay->webhook_secret));
    free(btcpay->webhook_secret);
    free(btcpay);
}

/* The rail as readers know it, on the support page and in receipts. */
static const char *rail_name(const char *language)
{
    return pt_i18n_text(PT_MSG_CRYPTO_RAIL, pt_i18n_lang(language));
}

static const struct pt_pay_ops btcpay_ops = {
    .name = "btcpay",
    .label = "Crypto (BTCPay)",
    .signature_header = "BTCPay-Sig",
    .return_names_checkout = false,
    .asks_email = false,
    .email_optional = true,
    .alternative = true,
    .supports = supports,
    .minimum = minimum,
    .methods = methods,
    .create_checkout = create_checkout,
    .read_session = read_session,
    .read_subscription = read_subscription,
    /* The donor's changes need nothing at BTCPay: the next period's invoice
     * is made for the ledger's amount, and a paused or cancelled pledge is
     * sent no link. */
    .change_amount = NULL,
    .set_paused = NULL,
    .cancel = NULL,
    .portal = portal,
    .delete_customer = NULL,
    .verify_webhook = verify_webhook,
    .rail_name = rail_name,
    .instructions = NULL,
    .free = btcpay_free,
};

enum pt_status pt_pay_btcpay_new(const struct pt_btcpay_settings *settings, struct pt_pay **pay,
                                 char *error, size_t error_size)
{
    *pay = NULL;
    const char *url = settings->url != NULL ? settings->url : "";
    if (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0) {
        snprintf(error, error_size,
                 "btcpay_url must be the BTCPay Server's http:// or https:// address");
        return PT_ERR_INVALID;
    }
    const char *store = settings->store_id != NULL ? settings->store_id : "";
    bool store_ok = strlen(store) >= 8 && strlen(store) <= 64;
    for (const char *p = store; *p; p++)
        store_ok &=
            (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9');
    if (!store_ok) {
        snprintf(error, error_size,
                 "btcpay_store_id must be the store's id (letters and digits, in BTCPay's "
                 "store settings)");
        return PT_ERR_INVALID;
    }
    if (settings->api_key == NULL || strlen(settings->api_key) < 16 ||
        strpbrk(settings->api_key, " \r\n") != NULL) {
        snprintf(error, error_size,
                 "btcpay_api_key must be a Greenfield API key (Account, API keys) with the "
                 "store's invoice permissions");
        return PT_ERR_INVALID;
    }
    if (settings->webhook_secret == NULL || strlen(settings->webhook_secret) < 16) {
        snprintf(error, error_size,
                 "btcpay_webhook_secret must be the store webhook's secret, 16 characters or "
                 "more: without it no payment could be trusted");
        return PT_ERR_INVALID;
    }
    struct btcpay *btcpay = pt_xcalloc(1, sizeof(*btcpay));
    char *list = pt_xstrdup(settings->currencies != NULL ? settings->currencies : "");
    char *save = NULL;
    for (char *part = strtok_r(list, ", ", &save); part != NULL;
         part = strtok_r(NULL, ", ", &save)) {
        if (pt_money_currency(part) == NULL || btcpay->currency_count == CURRENCIES_MAX) {
            snprintf(error, error_size,
                     "btcpay_currencies: \"%.20s\" is not a currency patron knows, or there are "
                     "more than %d",
                     part, CURRENCIES_MAX);
            free(list);
            free(btcpay);
            return PT_ERR_INVALID;
        }
        snprintf(btcpay->currencies[btcpay->currency_count++], 4, "%s", part);
    }
    free(list);
    if (btcpay->currency_count == 0) {
        snprintf(error, error_size, "btcpay_currencies names no currency");
        free(btcpay);
        return PT_ERR_INVALID;
    }
    btcpay->super.ops = &btcpay_ops;
    btcpay->url = pt_xstrdup(url);
    size_t length = strlen(btcpay->url);
    while (length > 0 && btcpay->url[length - 1] == '/')
        btcpay->url[--length] = '\0';
    btcpay->store_id = pt_xstrdup(store);
    btcpay->api_key = pt_xstrdup(settings->api_key);
    btcpay->webhook_secret = pt_xstrdup(settings->webhook_secret);
    btcpay->timeout_seconds = settings->timeout_seconds > 0 ? settings->timeout_seconds : 30;
    btcpay->reader_timeout_seconds =
        settings->reader_timeout_seconds > 0 ? settings->reader_timeout_seconds : 10;
    btcpay->invoice_minutes = settings->invoice_minutes > 0 ? settings->invoice_minutes : 60;
    *pay = &btcpay->super;
    return PT_OK;
}
