/* Mollie over its v2 API with libcurl: JSON requests and answers, amounts as
 * decimal strings with their currency ("5.00" EUR).
 *
 * Mollie has no checkout that sets up a subscription, so patron does it in
 * Mollie's documented steps: a customer, a first payment (sequenceType
 * "first", which gives a mandate once paid), then a subscription on that
 * customer for the same amount and interval, starting one interval after
 * the first payment, with the pledge id in its metadata. The subscription is
 * made when the first payment is read as paid (the webhook or the thank-you
 * page, whichever comes first), under an idempotency key of the pledge, so
 * it is made once.
 *
 * Mollie's webhooks carry only a payment's id and no signature: the payment
 * is read back with the API key, and what Mollie says then is the event. An
 * id this account does not know is acknowledged and changes nothing. Mollie
 * cannot pause a subscription: pausing cancels it, marked as paused in its
 * metadata, and resuming starts a new one on the old mandate and cycle. */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "patron/alloc.h"
#include "patron/buf.h"
#include "patron/json.h"
#include "patron/money.h"
#include "patron/pay.h"
#include "patron/webapi.h"

struct mollie {
    struct pt_pay super;
    char *api_base;
    char *api_key;
    char *webhook_url;
    int timeout_seconds;        /* a call nobody waits on */
    int reader_timeout_seconds; /* everything a reader waits on, together */
};

static struct mollie *from(struct pt_pay *pay)
{
    return (struct mollie *)pay;
}

/* ------------------------------------------------------------ what it takes */

/* The currencies Mollie charges (its multicurrency guide); patron offers
 * those it also knows (money.c). */
static const char *const mollie_currencies[] = {
    "AED", "AUD", "BGN", "BRL", "CAD", "CHF", "CZK", "DKK", "EUR", "GBP", "HKD", "HUF", "ILS",
    "ISK", "JPY", "MXN", "MYR", "NOK", "NZD", "PHP", "PLN", "RON", "SEK", "SGD", "THB", "TWD",
    "USD", "ZAR",
};

static bool mollie_charges(const char *currency)
{
    for (size_t i = 0; i < sizeof(mollie_currencies) / sizeof(mollie_currencies[0]); i++) {
        if (strcmp(mollie_currencies[i], currency) == 0)
            return true;
    }
    return false;
}

/* The ways to pay patron offers through Mollie. SEPA Direct Debit is not a
 * first payment: a recurring pledge starts by card, PayPal, iDEAL or
 * Bancontact, and the last two leave a SEPA mandate that charges the later
 * months. iDEAL and Bancontact are euro only. */
struct method_row {
    struct pt_pay_method method;
    bool euro_only;
    bool first_ok;    /* can be the first payment of a recurring pledge */
    int64_t minimum;  /* Mollie's smallest payment by this method, in cents */
};

static const struct method_row method_rows[] = {
    {{"creditcard", "", false}, false, true, 1},
    {{"ideal", "iDEAL", true}, true, true, 1},
    {{"bancontact", "Bancontact", true}, true, true, 2},
    {{"paypal", "PayPal", false}, false, true, 1},
};

static bool supports(const struct pt_pay *pay, const char *currency, enum pt_frequency frequency)
{
    (void)pay;
    (void)frequency; /* cards and PayPal charge every currency, at every frequency */
    return mollie_charges(currency) && pt_money_currency(currency) != NULL;
}

/* The largest of the smallest payments of the methods offered: any amount
 * at least this can be paid by whichever the reader picks. */
static int64_t minimum(const struct pt_pay *pay, const char *currency)
{
    (void)pay;
    bool euro = strcmp(currency, "EUR") == 0;
    int64_t smallest = 1;
    for (size_t i = 0; i < sizeof(method_rows) / sizeof(method_rows[0]); i++) {
        if ((euro || !method_rows[i].euro_only) && method_rows[i].minimum > smallest)
            smallest = method_rows[i].minimum;
    }
    return smallest;
}

static size_t methods(const struct pt_pay *pay, const char *currency, enum pt_frequency frequency,
                      struct pt_pay_method *list, size_t capacity)
{
    if (!supports(pay, currency, frequency))
        return 0;
    bool euro = strcmp(currency, "EUR") == 0;
    bool recurring = frequency != PT_FREQUENCY_ONE_OFF;
    size_t count = 0;
    for (size_t i = 0; i < sizeof(method_rows) / sizeof(method_rows[0]) && count < capacity; i++) {
        const struct method_row *row = &method_rows[i];
        if ((row->euro_only && !euro) || (recurring && !row->first_ok))
            continue;
        list[count] = row->method;
        list[count].first_only = recurring && row->method.first_only;
        count++;
    }
    return count;
}

/* --------------------------------------------------------------- amounts */

enum pt_status pt_pay_mollie_parse_amount(const char *value, const char *currency,
                                          int64_t *minor)
{
    const struct pt_currency *known = pt_money_currency(currency);
    if (value == NULL || known == NULL)
        return PT_ERR_INVALID;
    int64_t whole = 0, fraction = 0;
    const char *p = value;
    if (*p < '0' || *p > '9')
        return PT_ERR_INVALID;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (whole > (INT64_MAX / 1000) / 10)
            return PT_ERR_INVALID;
        whole = whole * 10 + (*p - '0');
    }
    int digits = 0;
    if (*p == '.') {
        for (p++; *p >= '0' && *p <= '9' && digits <= known->exponent; p++, digits++)
            fraction = fraction * 10 + (*p - '0');
        if (digits == 0)
            return PT_ERR_INVALID;
    }
    if (*p != '\0' || digits != known->exponent)
        return PT_ERR_INVALID;
    *minor = whole * pt_money_unit(known) + fraction;
    return PT_OK;
}

/* {"currency": "EUR", "value": "5.00"} */
static json_t *amount_json(int64_t minor, const char *currency)
{
    const struct pt_currency *known = pt_money_currency(currency);
    int exponent = known != NULL ? known->exponent : 2;
    int64_t unit = known != NULL ? pt_money_unit(known) : 100;
    char value[40];
    if (exponent == 0)
        snprintf(value, sizeof(value), "%lld", (long long)minor);
    else
        snprintf(value, sizeof(value), "%lld.%0*lld", (long long)(minor / unit), exponent,
                 (long long)(minor % unit));
    return json_pack("{s:s, s:s}", "currency", currency, "value", value);
}

/* An amount object's value in minor units, with its currency; 0 when it is
 * absent or not one. */
static int64_t read_amount(const json_t *amount, char currency[4])
{
    const char *code = json_string_value(json_object_get(amount, "currency"));
    const char *value = json_string_value(json_object_get(amount, "value"));
    int64_t minor = 0;
    if (code == NULL || strlen(code) != 3 ||
        pt_pay_mollie_parse_amount(value, code, &minor) != PT_OK)
        return 0;
    if (currency != NULL)
        snprintf(currency, 4, "%s", code);
    return minor;
}

/* ----------------------------------------------------------------- calls */

static int64_t monotonic_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* A reader's step may take several calls (a customer, then a payment, then
 * a subscription); together they keep to the reader's time limit. */
struct deadline {
    int64_t until_ms;
};

static struct deadline for_reader(const struct mollie *mollie)
{
    return (struct deadline){monotonic_ms() + 1000 * (int64_t)mollie->reader_timeout_seconds};
}

static struct deadline for_background(const struct mollie *mollie)
{
    return (struct deadline){monotonic_ms() + 1000 * (int64_t)mollie->timeout_seconds};
}

/* One call to the API. body (borrowed) is sent as JSON when not NULL. On
 * success *answer holds the parsed JSON, or NULL for an empty answer (204);
 * the caller decrefs. Mollie's own words ("detail") are passed on. */
static enum pt_status call(struct mollie *mollie, struct deadline deadline, const char *method,
                           const char *path, const json_t *body, const char *idempotency_key,
                           json_t **answer, char *error, size_t error_size)
{
    *answer = NULL;
    int64_t left = deadline.until_ms - monotonic_ms();
    if (left <= 0) {
        snprintf(error, error_size, "Mollie did not answer in time");
        return PT_ERR_IO;
    }
    struct pt_buf url, received, authorization, idempotency;
    pt_buf_init(&url);
    pt_buf_init(&received);
    pt_buf_init(&authorization);
    pt_buf_init(&idempotency);
    pt_buf_printf(&url, "%s%s", mollie->api_base, path);
    pt_buf_printf(&authorization, "Authorization: Bearer %s", mollie->api_key);
    const char *headers[5] = {authorization.data, "Accept: application/hal+json", NULL, NULL,
                              NULL};
    size_t header_count = 2;
    char *text = NULL;
    if (body != NULL) {
        text = json_dumps(body, JSON_COMPACT);
        headers[header_count++] = "Content-Type: application/json";
    }
    if (idempotency_key != NULL) {
        pt_buf_printf(&idempotency, "Idempotency-Key: %s", idempotency_key);
        headers[header_count++] = idempotency.data;
    }
    struct pt_webapi_request request = {
        .method = method,
        .url = url.data,
        .headers = headers,
        .body = text,
        .body_length = text != NULL ? strlen(text) : 0,
        .timeout_ms = (long)left,
    };
    long status = 0;
    enum pt_status result = pt_webapi_call(&request, "Mollie", &status, &received, error,
                                           error_size);
    if (result)
        goto out;
    json_t *parsed = NULL;
    if (received.length > 0) {
        json_error_t problem;
        parsed = json_loadb(received.data, received.length, 0, &problem);
        if (parsed == NULL) {
            snprintf(error, error_size, "Mollie answered %ld with something that is not JSON",
                     status);
            result = PT_ERR_IO;
            goto out;
        }
    }
    if (status < 200 || status >= 300) {
        const char *detail = json_string_value(json_object_get(parsed, "detail"));
        snprintf(error, error_size, "Mollie answered %ld: %s", status,
                 detail ? detail : "no detail");
        json_decref(parsed);
        result = status == 404 || status == 410 ? PT_ERR_NOT_FOUND
                 : status >= 500 || status == 429 ? PT_ERR_IO
                                                  : PT_ERR_INVALID;
        goto out;
    }
    *answer = parsed;
out:
    pt_json_free(text);
    sodium_memzero(authorization.data, authorization.length);
    pt_buf_dispose(&url);
    pt_buf_dispose(&received);
    pt_buf_dispose(&authorization);
    pt_buf_dispose(&idempotency);
    return result;
}

/* Ids go into paths: Mollie's are letters, digits and underscores. */
static bool is_mollie_id(const char *id, const char *prefix)
{
    size_t prefix_length = strlen(prefix);
    size_t length = id != NULL ? strlen(id) : 0;
    if (length <= prefix_length || length >= 64 || strncmp(id, prefix, prefix_length) != 0)
        return false;
    for (const char *p = id; *p; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_'))
            return false;
    }
    return true;
}

static void copy_string(char *out, size_t size, const json_t *value)
{
    snprintf(out, size, "%s", json_is_string(value) ? json_string_value(value) : "");
}

static const char *metadata(const json_t *object, const char *key)
{
    const char *value = json_string_value(json_object_get(json_object_get(object, "metadata"), key));
    return value != NULL ? value : "";
}

static const char *interval_for(enum pt_frequency frequency)
{
    return frequency == PT_FREQUENCY_ANNUAL ? "12 months" : "1 month";
}

/* "YYYY-MM-DD" for a time plus some months; a day past the month's end
 * becomes its last day (a pledge started on 31 January is charged on 28
 * February), as a donor would expect. */
static void date_after_months(int64_t when, int months, char out[16])
{
    time_t seconds = (time_t)when;
    struct tm day;
    gmtime_r(&seconds, &day);
    int year = day.tm_year + 1900, month = day.tm_mon + months;
    year += month / 12;
    month %= 12;
    static const int lengths[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int last = lengths[month];
    if (month == 1 && ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0))
        last = 29;
    snprintf(out, 16, "%04d-%02d-%02d", year, month + 1, day.tm_mday < last ? day.tm_mday : last);
}

/* Seconds since the epoch for an ISO 8601 time or a "YYYY-MM-DD" date of
 * Mollie's (UTC); 0 when it is not one. */
static int64_t time_of(const char *text)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    if (text == NULL || sscanf(text, "%4d-%2d-%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) != 3)
        return 0;
    sscanf(text + 10, "T%2d:%2d:%2d", &tm.tm_hour, &tm.tm_min, &tm.tm_sec);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (int64_t)timegm(&tm);
}

static int64_t read_time(const json_t *value)
{
    return time_of(json_string_value(value));
}

static int months_of(enum pt_frequency frequency)
{
    return frequency == PT_FREQUENCY_ANNUAL ? 12 : 1;
}

/* ------------------------------------------------------------- checkout */

static enum pt_status create_checkout(struct pt_pay *pay,
                                      const struct pt_pay_checkout_request *request,
                                      struct pt_pay_checkout *checkout, char *error,
                                      size_t error_size)
{
    struct mollie *mollie = from(pay);
    struct deadline deadline = for_reader(mollie);
    bool recurring = request->frequency != PT_FREQUENCY_ONE_OFF;
    char key[160];
    enum pt_status status = PT_OK;
    json_t *answer = NULL;
    char customer[PT_PAY_ID_MAX] = "";
    if (recurring) {
        /* A customer with nothing but the pledge's id: Mollie needs one to
         * hold the mandate, not the donor's name or address. */
        json_t *body = json_pack("{s:{s:s}}", "metadata", "pledge_id", request->pledge_id);
        snprintf(key, sizeof(key), "patron-customer-%s", request->pledge_id);
        status = call(mollie, deadline, "POST", "/v2/customers", body, key, &answer, error,
                      error_size);
        json_decref(body);
        if (status)
            return status;
        copy_string(customer, sizeof(customer), json_object_get(answer, "id"));
        json_decref(answer);
        if (!is_mollie_id(customer, "cst_")) {
            snprintf(error, error_size, "Mollie's customer answer has no id");
            return PT_ERR_IO;
        }
    }
    json_t *body = json_pack("{s:o, s:s, s:s, s:s, s:{s:s, s:s}}", "amount",
                             amount_json(request->amount_minor, request->currency), "description",
                             request->description, "redirectUrl", request->success_url,
                             "cancelUrl", request->cancel_url, "metadata", "pledge_id",
                             request->pledge_id, "frequency",
                             pt_frequency_name(request->frequency));
    const char *webhook = request->webhook_url ? request->webhook_url : mollie->webhook_url;
    if (webhook != NULL && webhook[0] != '\0')
        json_object_set_new(body, "webhookUrl", json_string(webhook));
    /* Mollie's pages speak English, Dutch, German, French and more, not
     * Russian: without a locale they follow the reader's browser. */
    if (strcmp(request->language, "en") == 0)
        json_object_set_new(body, "locale", json_string("en_US"));
    if (request->method != NULL)
        json_object_set_new(body, "method", json_string(request->method));
    if (recurring) {
        json_object_set_new(body, "sequenceType", json_string("first"));
        json_object_set_new(body, "customerId", json_string(customer));
    }
    snprintf(key, sizeof(key), "patron-checkout-%s", request->pledge_id);
    status = call(mollie, deadline, "POST", "/v2/payments", body, key, &answer, error,
                  error_size);
    json_decref(body);
    if (status)
        return status;
    copy_string(checkout->id, sizeof(checkout->id), json_object_get(answer, "id"));
    copy_string(checkout->url, sizeof(checkout->url),
                json_object_get(json_object_get(json_object_get(answer, "_links"), "checkout"),
                                "href"));
    json_decref(answer);
    if (!is_mollie_id(checkout->id, "tr_") || strncmp(checkout->url, "http", 4) != 0) {
        snprintf(error, error_size, "Mollie's payment answer has no id or checkout address");
        return PT_ERR_IO;
    }
    return PT_OK;
}

/* The subscription a paid first payment sets up: the one already made for
 * the pledge (listed on the customer), else a new one for the same amount
 * and interval, starting one interval after the payment, on its mandate. */
static enum pt_status ensure_subscription(struct mollie *mollie, struct deadline deadline,
                                          const json_t *payment, char id[PT_PAY_ID_MAX],
                                          char *error, size_t error_size)
{
    const char *customer = json_string_value(json_object_get(payment, "customerId"));
    const char *pledge_id = metadata(payment, "pledge_id");
    enum pt_frequency frequency = PT_FREQUENCY_MONTHLY;
    pt_frequency_parse(metadata(payment, "frequency"), &frequency);
    if (!is_mollie_id(customer, "cst_") || pledge_id[0] == '\0') {
        snprintf(error, error_size, "Mollie's first payment names no customer or pledge");
        return PT_ERR_IO;
    }
    struct pt_buf path;
    pt_buf_init(&path);
    pt_buf_printf(&path, "/v2/customers/%s/subscriptions", customer);
    json_t *answer = NULL;
    enum pt_status status =
        call(mollie, deadline, "GET", path.data, NULL, NULL, &answer, error, error_size);
    const json_t *list = json_object_get(json_object_get(answer, "_embedded"), "subscriptions");
    size_t index;
    const json_t *existing;
    id[0] = '\0';
    json_array_foreach(list, index, existing) {
        const char *state = json_string_value(json_object_get(existing, "status"));
        if (strcmp(metadata(existing, "pledge_id"), pledge_id) == 0 && state != NULL &&
            strcmp(state, "canceled") != 0 && strcmp(state, "completed") != 0)
            copy_string(id, PT_PAY_ID_MAX, json_object_get(existing, "id"));
    }
    json_decref(answer);
    if (status == PT_OK && id[0] == '\0') {
        char start[16], key[160];
        int64_t paid_at = read_time(json_object_get(payment, "paidAt"));
        date_after_months(paid_at > 0 ? paid_at : (int64_t)time(NULL), months_of(frequency),
                          start);
        char currency[4] = "";
        int64_t minor = read_amount(json_object_get(payment, "amount"), currency);
        json_t *body = json_pack(
            "{s:o, s:s, s:s, s:s, s:{s:s}}", "amount", amount_json(minor, currency), "interval",
            interval_for(frequency), "startDate", start, "description",
            json_string_value(json_object_get(payment, "description"))
                ? json_string_value(json_object_get(payment, "description"))
                : "Pledge",
            "metadata", "pledge_id", pledge_id);
        const char *webhook = json_string_value(json_object_get(payment, "webhookUrl"));
        if (webhook != NULL)
            json_object_set_new(body, "webhookUrl", json_string(webhook));
        const char *mandate = json_string_value(json_object_get(payment, "mandateId"));
        if (mandate != NULL)
            json_object_set_new(body, "mandateId", json_string(mandate));
        snprintf(key, sizeof(key), "patron-subscription-%s", pledge_id);
        status = call(mollie, deadline, "POST", path.data, body, key, &answer, error, error_size);
        json_decref(body);
        if (status == PT_OK)
            copy_string(id, PT_PAY_ID_MAX, json_object_get(answer, "id"));
        json_decref(answer);
        if (status == PT_OK && !is_mollie_id(id, "sub_")) {
            snprintf(error, error_size, "Mollie's subscription answer has no id");
            status = PT_ERR_IO;
        }
    }
    pt_buf_dispose(&path);
    return status;
}

static enum pt_status get_subscription(struct mollie *mollie, struct deadline deadline,
                                       const char *customer, const char *id, json_t **answer,
                                       char *error, size_t error_size);

/* A paid first payment made to change the payment method: the pledge's
 * subscription now charges its new mandate. */
static enum pt_status use_new_mandate(struct mollie *mollie, struct deadline deadline,
                                      const json_t *payment, char *error, size_t error_size)
{
    const char *customer = json_string_value(json_object_get(payment, "customerId"));
    const char *subscription = metadata(payment, "subscription");
    const char *mandate = json_string_value(json_object_get(payment, "mandateId"));
    const char *payment_id = json_string_value(json_object_get(payment, "id"));
    if (!is_mollie_id(customer, "cst_") || !is_mollie_id(subscription, "sub_") ||
        mandate == NULL) {
        snprintf(error, error_size, "Mollie's payment for a new method names no subscription");
        return PT_ERR_IO;
    }
    json_t *current = NULL;
    enum pt_status status =
        get_subscription(mollie, deadline, customer, subscription, &current, error, error_size);
    if (status)
        return status;
    char old_mandate[PT_PAY_ID_MAX];
    copy_string(old_mandate, sizeof(old_mandate), json_object_get(current, "mandateId"));
    json_decref(current);
    struct pt_buf path;
    pt_buf_init(&path);
    pt_buf_printf(&path, "/v2/customers/%s/subscriptions/%s", customer, subscription);
    json_t *body = json_pack("{s:s}", "mandateId", mandate);
    char key[160];
    snprintf(key, sizeof(key), "patron-mandate-%s", payment_id ? payment_id : "");
    json_t *answer = NULL;
    status = call(mollie, deadline, "PATCH", path.data, body, key, &answer, error, error_size);
    json_decref(body);
    json_decref(answer);
    /* The old mandate is revoked only once nothing uses it: revoking first
     * would cancel the subscription with it. */
    if (status == PT_OK && is_mollie_id(old_mandate, "mdt_") && strcmp(old_mandate, mandate) != 0) {
        pt_buf_reset(&path);
        pt_buf_printf(&path, "/v2/customers/%s/mandates/%s", customer, old_mandate);
        status = call(mollie, deadline, "DELETE", path.data, NULL, NULL, &answer, error,
                      error_size);
        json_decref(answer);
        if (status == PT_ERR_NOT_FOUND)
            status = PT_OK; /* revoked already */
    }
    pt_buf_dispose(&path);
    return status;
}

static enum pt_status read_payment(struct mollie *mollie, struct deadline deadline,
                                   const char *id, json_t **payment, char *error,
                                   size_t error_size)
{
    if (!is_mollie_id(id, "tr_")) {
        snprintf(error, error_size, "\"%.60s\" is not a Mollie payment id", id ? id : "");
        return PT_ERR_NOT_FOUND;
    }
    struct pt_buf path;
    pt_buf_init(&path);
    pt_buf_printf(&path, "/v2/payments/%s", id);
    enum pt_status status =
        call(mollie, deadline, "GET", path.data, NULL, NULL, payment, error, error_size);
    pt_buf_dispose(&path);
    if (status == PT_OK && !json_is_object(*payment)) {
        json_decref(*payment);
        *payment = NULL;
        snprintf(error, error_size, "Mollie's payment answer is empty");
        status = PT_ERR_IO;
    }
    return status;
}

static enum pt_status read_session(struct pt_pay *pay, const char *id,
                                   struct pt_pay_session *session, char *error, size_t error_size)
{
    struct mollie *mollie = from(pay);
    struct deadline deadline = for_reader(mollie);
    json_t *payment = NULL;
    enum pt_status status = read_payment(mollie, deadline, id, &payment, error, error_size);
    if (status)
        return status;
    memset(session, 0, sizeof(*session));
    copy_string(session->id, sizeof(session->id), json_object_get(payment, "id"));
    snprintf(session->payment, sizeof(session->payment), "%s", session->id);
    snprintf(session->pledge_id, sizeof(session->pledge_id), "%s", metadata(payment, "pledge_id"));
    copy_string(session->customer, sizeof(session->customer),
                json_object_get(payment, "customerId"));
    session->amount_total = read_amount(json_object_get(payment, "amount"), session->currency);
    const char *state = json_string_value(json_object_get(payment, "status"));
    state = state != NULL ? state : "";
    const char *sequence = json_string_value(json_object_get(payment, "sequenceType"));
    bool first = sequence != NULL && strcmp(sequence, "first") == 0;
    if (strcmp(state, "paid") == 0) {
        snprintf(session->status, sizeof(session->status), "complete");
        snprintf(session->payment_status, sizeof(session->payment_status), "paid");
    } else if (strcmp(state, "failed") == 0) {
        snprintf(session->status, sizeof(session->status), "expired");
        snprintf(session->payment_status, sizeof(session->payment_status), "failed");
    } else if (strcmp(state, "expired") == 0 || strcmp(state, "canceled") == 0) {
        snprintf(session->status, sizeof(session->status), "expired");
        snprintf(session->payment_status, sizeof(session->payment_status), "unpaid");
    } else {
        snprintf(session->status, sizeof(session->status), "open");
        snprintf(session->payment_status, sizeof(session->payment_status), "unpaid");
    }
    if (strcmp(state, "paid") == 0 && first) {
        if (strcmp(metadata(payment, "purpose"), "method") == 0) {
            status = use_new_mandate(mollie, deadline, payment, error, error_size);
            session->replaces_method = true;
            snprintf(session->subscription, sizeof(session->subscription), "%s",
                     metadata(payment, "subscription"));
        } else {
            status = ensure_subscription(mollie, deadline, payment, session->subscription, error,
                                         error_size);
        }
    }
    json_decref(payment);
    return status;
}

/* ---------------------------------------------------------- subscriptions */

static enum pt_status subscription_path(struct pt_buf *path, const char *customer,
                                        const char *id, char *error, size_t error_size)
{
    if (!is_mollie_id(customer, "cst_") || !is_mollie_id(id, "sub_")) {
        snprintf(error, error_size, "Mollie's subscriptions are named by customer and id");
        return PT_ERR_INVALID;
    }
    pt_buf_printf(path, "/v2/customers/%s/subscriptions/%s", customer, id);
    return PT_OK;
}

static enum pt_status get_subscription(struct mollie *mollie, struct deadline deadline,
                                       const char *customer, const char *id, json_t **answer,
                                       char *error, size_t error_size)
{
    *answer = NULL;
    struct pt_buf path;
    pt_buf_init(&path);
    enum pt_status status = subscription_path(&path, customer, id, error, error_size);
    if (status == PT_OK)
        status = call(mollie, deadline, "GET", path.data, NULL, NULL, answer, error, error_size);
    pt_buf_dispose(&path);
    return status;
}

static bool is_ended(const json_t *subscription)
{
    const char *state = json_string_value(json_object_get(subscription, "status"));
    return state != NULL && (strcmp(state, "canceled") == 0 || strcmp(state, "completed") == 0);
}

static bool is_paused(const json_t *subscription)
{
    return is_ended(subscription) && strcmp(metadata(subscription, "paused"), "yes") == 0;
}

static enum pt_status read_subscription(struct pt_pay *pay, const char *customer, const char *id,
                                        struct pt_pay_subscription *subscription, char *error,
                                        size_t error_size)
{
    struct mollie *mollie = from(pay);
    json_t *answer = NULL;
    enum pt_status status = get_subscription(mollie, for_background(mollie), customer, id,
                                             &answer, error, error_size);
    if (status)
        return status;
    memset(subscription, 0, sizeof(*subscription));
    copy_string(subscription->id, sizeof(subscription->id), json_object_get(answer, "id"));
    snprintf(subscription->pledge_id, sizeof(subscription->pledge_id), "%s",
             metadata(answer, "pledge_id"));
    copy_string(subscription->customer, sizeof(subscription->customer),
                json_object_get(answer, "customerId"));
    if (subscription->customer[0] == '\0')
        snprintf(subscription->customer, sizeof(subscription->customer), "%s", customer);
    const char *state = json_string_value(json_object_get(answer, "status"));
    state = state != NULL ? state : "";
    /* Mollie's words as the ledger's: a suspended subscription (its
     * mandate failed) is past due; one patron cancelled to pause it is
     * paused. */
    const char *status_now = strcmp(state, "active") == 0      ? "active"
                             : strcmp(state, "suspended") == 0 ? "past_due"
                             : is_paused(answer)               ? "paused"
                             : is_ended(answer)                ? "canceled"
                                                               : "pending";
    snprintf(subscription->status, sizeof(subscription->status), "%s", status_now);
    subscription->paused = is_paused(answer);
    subscription->amount_minor =
        read_amount(json_object_get(answer, "amount"), subscription->currency);
    subscription->current_period_end = read_time(json_object_get(answer, "nextPaymentDate"));
    json_decref(answer);
    if (subscription->amount_minor <= 0) {
        snprintf(error, error_size, "Mollie's subscription %s has no amount", id);
        return PT_ERR_IO;
    }
    return PT_OK;
}

static enum pt_status change_subscription(struct mollie *mollie, const struct pt_pay_pledge *pledge,
                                          json_t *body, const char *key, char *error,
                                          size_t error_size)
{
    struct pt_buf path;
    pt_buf_init(&path);
    json_t *answer = NULL;
    enum pt_status status =
        subscription_path(&path, pledge->customer, pledge->subscription, error, error_size);
    if (status == PT_OK)
        status = call(mollie, for_background(mollie), "PATCH", path.data, body, key, &answer,
                      error, error_size);
    json_decref(answer);
    pt_buf_dispose(&path);
    return status;
}

static enum pt_status change_amount(struct pt_pay *pay, const struct pt_pay_pledge *pledge,
                                    int64_t amount_minor, const char *idempotency_key,
                                    char *error, size_t error_size)
{
    struct mollie *mollie = from(pay);
    json_t *current = NULL;
    enum pt_status status = get_subscription(mollie, for_background(mollie), pledge->customer,
                                             pledge->subscription, &current, error, error_size);
    if (status)
        return status;
    /* A paused pledge has no running subscription: its new amount is the
     * one the ledger keeps, and resuming starts with it. */
    bool paused = is_paused(current);
    json_decref(current);
    if (paused)
        return PT_OK;
    json_t *body = json_pack("{s:o}", "amount", amount_json(amount_minor, pledge->currency));
    status = change_subscription(mollie, pledge, body, idempotency_key, error, error_size);
    json_decref(body);
    return status;
}

static enum pt_status delete_subscription(struct mollie *mollie, const struct pt_pay_pledge *pledge,
                                          const char *key, char *error, size_t error_size)
{
    struct pt_buf path;
    pt_buf_init(&path);
    json_t *answer = NULL;
    enum pt_status status =
        subscription_path(&path, pledge->customer, pledge->subscription, error, error_size);
    if (status == PT_OK)
        status = call(mollie, for_background(mollie), "DELETE", path.data, NULL, key, &answer,
                      error, error_size);
    json_decref(answer);
    pt_buf_dispose(&path);
    if (status == PT_ERR_INVALID) {
        /* Mollie refuses to cancel what has ended: ended is what we want. */
        json_t *current = NULL;
        if (get_subscription(mollie, for_background(mollie), pledge->customer,
                             pledge->subscription, &current, error, error_size) == PT_OK &&
            is_ended(current))
            status = PT_ERR_NOT_FOUND;
        json_decref(current);
    }
    return status;
}

/* The next charge day of the old cycle that is still to come: resuming in
 * the middle of a month does not charge at once, nor move the day. */
static void next_cycle_date(const json_t *old, enum pt_frequency frequency, char out[16])
{
    int64_t start = read_time(json_object_get(old, "startDate"));
    int64_t tomorrow = (int64_t)time(NULL) + 86400;
    if (start <= 0)
        start = tomorrow;
    int months = 0;
    char day[16];
    date_after_months(start, 0, day);
    while (time_of(day) < tomorrow && months < 12 * 100) {
        months += months_of(frequency);
        date_after_months(start, months, day);
    }
    snprintf(out, 16, "%s", day);
}

static enum pt_status set_paused(struct pt_pay *pay, const struct pt_pay_pledge *pledge,
                                 bool paused, const char *idempotency_key,
                                 char replaced_by[PT_PAY_ID_MAX], char *error, size_t error_size)
{
    struct mollie *mollie = from(pay);
    replaced_by[0] = '\0';
    char key[240];
    if (paused) {
        /* Marked first, so that a read of the cancelled subscription says
         * paused, not cancelled. */
        json_t *body = json_pack("{s:{s:s, s:s}}", "metadata", "pledge_id", pledge->id, "paused",
                                 "yes");
        snprintf(key, sizeof(key), "%s-mark", idempotency_key);
        enum pt_status status = change_subscription(mollie, pledge, body, key, error, error_size);
        json_decref(body);
        if (status)
            return status;
        status = delete_subscription(mollie, pledge, idempotency_key, error, error_size);
        return status == PT_ERR_NOT_FOUND ? PT_OK : status;
    }
    json_t *old = NULL;
    enum pt_status status = get_subscription(mollie, for_background(mollie), pledge->customer,
                                             pledge->subscription, &old, error, error_size);
    if (status)
        return status;
    if (!is_ended(old)) {
        json_decref(old); /* still running: nothing to resume */
        return PT_OK;
    }
    char start[16];
    next_cycle_date(old, pledge->frequency, start);
    json_t *body = json_pack("{s:o, s:s, s:s, s:O, s:{s:s}}", "amount",
                             amount_json(pledge->amount_minor, pledge->currency), "interval",
                             interval_for(pledge->frequency), "startDate", start, "description",
                             json_object_get(old, "description"), "metadata", "pledge_id",
                             pledge->id);
    if (body == NULL) {
        json_decref(old);
        snprintf(error, error_size, "Mollie's subscription %s has no description",
                 pledge->subscription);
        return PT_ERR_IO;
    }
    json_t *webhook = json_object_get(old, "webhookUrl");
    if (json_is_string(webhook))
        json_object_set(body, "webhookUrl", webhook);
    json_t *mandate = json_object_get(old, "mandateId");
    if (json_is_string(mandate))
        json_object_set(body, "mandateId", mandate);
    json_decref(old);
    struct pt_buf path;
    pt_buf_init(&path);
    pt_buf_printf(&path, "/v2/customers/%s/subscriptions", pledge->customer);
    json_t *answer = NULL;
    status = call(mollie, for_background(mollie), "POST", path.data, body, idempotency_key,
                  &answer, error, error_size);
    json_decref(body);
    pt_buf_dispose(&path);
    if (status == PT_OK)
        copy_string(replaced_by, PT_PAY_ID_MAX, json_object_get(answer, "id"));
    json_decref(answer);
    if (status == PT_OK && !is_mollie_id(replaced_by, "sub_")) {
        snprintf(error, error_size, "Mollie's subscription answer has no id");
        return PT_ERR_IO;
    }
    return status;
}

static enum pt_status cancel(struct pt_pay *pay, const struct pt_pay_pledge *pledge,
                             const char *idempotency_key, char *error, size_t error_size)
{
    return delete_subscription(from(pay), pledge, idempotency_key, error, error_size);
}

/* A new payment method is a new first payment of the smallest amount the
 * methods take, made on the pledge's customer: once paid, its mandate
 * replaces the old one on the subscription (read_session). Mollie's page
 * states the amount before the donor pays it. */
static enum pt_status portal(struct pt_pay *pay, const struct pt_pay_pledge *pledge,
                             const char *return_url, char *url, size_t url_size, char *error,
                             size_t error_size)
{
    struct mollie *mollie = from(pay);
    if (!is_mollie_id(pledge->customer, "cst_") || !is_mollie_id(pledge->subscription, "sub_")) {
        snprintf(error, error_size, "the pledge has no customer or subscription at Mollie");
        return PT_ERR_INVALID;
    }
    int64_t smallest = minimum(pay, pledge->currency);
    json_t *body = json_pack(
        "{s:o, s:s, s:s, s:s, s:s, s:{s:s, s:s, s:s, s:s}}", "amount",
        amount_json(smallest, pledge->currency), "description", "New payment method for a pledge",
        "redirectUrl", return_url, "sequenceType", "first", "customerId", pledge->customer,
        "metadata", "pledge_id", pledge->id, "purpose", "method", "subscription",
        pledge->subscription, "frequency", pt_frequency_name(pledge->frequency));
    if (mollie->webhook_url != NULL && mollie->webhook_url[0] != '\0')
        json_object_set_new(body, "webhookUrl", json_string(mollie->webhook_url));
    /* A double click within ten minutes gets the same payment back; a
     * donor who comes back later (the first one expired) a new one. */
    char key[240];
    snprintf(key, sizeof(key), "patron-method-%s-%s-%lld", pledge->id, pledge->subscription,
             (long long)(time(NULL) / 600));
    json_t *answer = NULL;
    enum pt_status status = call(mollie, for_reader(mollie), "POST", "/v2/payments", body, key,
                                 &answer, error, error_size);
    json_decref(body);
    if (status)
        return status;
    copy_string(url, url_size,
                json_object_get(json_object_get(json_object_get(answer, "_links"), "checkout"),
                                "href"));
    json_decref(answer);
    if (strncmp(url, "http", 4) != 0) {
        snprintf(error, error_size, "Mollie's payment answer has no checkout address");
        return PT_ERR_IO;
    }
    return PT_OK;
}

static enum pt_status delete_customer(struct pt_pay *pay, const char *customer, char *error,
                                      size_t error_size)
{
    struct mollie *mollie = from(pay);
    if (!is_mollie_id(customer, "cst_")) {
        snprintf(error, error_size, "\"%.60s\" is not a Mollie customer id", customer);
        return PT_ERR_INVALID;
    }
    struct pt_buf path;
    pt_buf_init(&path);
    pt_buf_printf(&path, "/v2/customers/%s", customer);
    json_t *answer = NULL;
    enum pt_status status = call(mollie, for_background(mollie), "DELETE", path.data, NULL, NULL,
                                 &answer, error, error_size);
    json_decref(answer);
    pt_buf_dispose(&path);
    return status == PT_ERR_NOT_FOUND ? PT_OK : status; /* gone already */
}

/* -------------------------------------------------------------- webhooks */

enum pt_status pt_pay_mollie_webhook_id(const char *body, size_t length, char id[PT_PAY_ID_MAX],
                                        char *error, size_t error_size)
{
    id[0] = '\0';
    if (body == NULL || length < 4 || length > 80 || memcmp(body, "id=", 3) != 0) {
        snprintf(error, error_size, "a Mollie webhook's body is \"id=\" and a payment id");
        return PT_ERR_INVALID;
    }
    char value[PT_PAY_ID_MAX];
    size_t value_length = length - 3;
    memcpy(value, body + 3, value_length);
    value[value_length] = '\0';
    /* One trailing newline is what some senders add; nothing else. */
    if (value_length > 0 && value[value_length - 1] == '\n')
        value[--value_length] = '\0';
    if (!is_mollie_id(value, "tr_")) {
        snprintf(error, error_size, "the webhook's id is not a Mollie payment id (tr_...)");
        return PT_ERR_INVALID;
    }
    snprintf(id, PT_PAY_ID_MAX, "%s", value);
    return PT_OK;
}

/* What a payment as read now means to the ledger, with an event id made of
 * the payment and the state it reports, so each state is applied once. */
static void classify(const json_t *payment, int64_t now, struct pt_pay_event *event)
{
    memset(event, 0, sizeof(*event));
    const char *id = json_string_value(json_object_get(payment, "id"));
    const char *state = json_string_value(json_object_get(payment, "status"));
    state = state != NULL ? state : "unknown";
    snprintf(event->object_id, sizeof(event->object_id), "%s", id != NULL ? id : "");
    snprintf(event->type, sizeof(event->type), "payment.%s", state);
    event->created = now;
    copy_string(event->subscription, sizeof(event->subscription),
                json_object_get(payment, "subscriptionId"));
    copy_string(event->customer, sizeof(event->customer), json_object_get(payment, "customerId"));
    snprintf(event->pledge_id, sizeof(event->pledge_id), "%s", metadata(payment, "pledge_id"));
    event->amount_minor = read_amount(json_object_get(payment, "amount"), event->currency);
    event->attempt = 1;
    /* A charged-back payment is still "paid", with what came back beside
     * it. Mollie tells only that something changed, so the first call heard
     * may already be the chargeback's: the payment and its reversal are
     * applied together, each once. */
    event->reversed_minor = read_amount(json_object_get(payment, "amountChargedBack"), NULL);
    if (event->reversed_minor > 0) {
        snprintf(event->type, sizeof(event->type), "payment.charged_back");
        snprintf(event->id, sizeof(event->id), "mollie-%.64s-chargeback-%lld", event->object_id,
                 (long long)event->reversed_minor);
    } else {
        snprintf(event->id, sizeof(event->id), "mollie-%.64s-%.32s", event->object_id, state);
    }
    if (event->subscription[0] != '\0') {
        /* A charge of a subscription: paid, or not (SEPA debits fail days
         * later; a card may be refused). */
        if (strcmp(state, "paid") == 0)
            event->kind = PT_PAY_EVENT_PAYMENT_SUCCEEDED;
        else if (strcmp(state, "failed") == 0 || strcmp(state, "expired") == 0 ||
                 strcmp(state, "canceled") == 0)
            event->kind = PT_PAY_EVENT_PAYMENT_FAILED;
        return;
    }
    /* A checkout's payment (one-off or first), or a new method's: the
     * ledger reads it again as a checkout. */
    if (event->pledge_id[0] != '\0')
        event->kind = PT_PAY_EVENT_CHECKOUT_DONE;
}

enum pt_status pt_pay_mollie_parse_payment(const char *body, size_t length, int64_t now,
                                           struct pt_pay_event *event, char *error,
                                           size_t error_size)
{
    json_error_t problem;
    json_t *payment = json_loadb(body, length, JSON_REJECT_DUPLICATES, &problem);
    if (!json_is_object(payment) || !is_mollie_id(json_string_value(json_object_get(payment, "id")),
                                                  "tr_")) {
        snprintf(error, error_size, "not a Mollie payment: %s",
                 payment == NULL ? problem.text : "no tr_ id");
        json_decref(payment);
        return PT_ERR_INVALID;
    }
    classify(payment, now, event);
    json_decref(payment);
    return PT_OK;
}

static enum pt_status verify_webhook(struct pt_pay *pay, const char *signature_header,
                                     const char *body, size_t length, int64_t now,
                                     struct pt_pay_event *event, char *error, size_t error_size)
{
    (void)signature_header; /* Mollie signs nothing: asking Mollie is the check */
    char id[PT_PAY_ID_MAX];
    enum pt_status status = pt_pay_mollie_webhook_id(body, length, id, error, error_size);
    if (status)
        return status;
    struct mollie *mollie = from(pay);
    json_t *payment = NULL;
    status = read_payment(mollie, for_background(mollie), id, &payment, error, error_size);
    if (status)
        return status;
    classify(payment, now, event);
    json_decref(payment);
    return PT_OK;
}

/* POST /v2/payments/{id}/refunds. A refund Mollie queued, or is paying
 * out, counts at once: its money has left the newsroom's balance; a failed
 * or cancelled one does not. Mollie's payment webhook does not tell of
 * refunds, so patron records this answer itself. */
static enum pt_status refund(struct pt_pay *pay, const char *payment_id, int64_t amount_minor,
                             const char *currency, const char *idempotency_key,
                             struct pt_pay_refund *refund, char *error, size_t error_size)
{
    struct mollie *mollie = from(pay);
    memset(refund, 0, sizeof(*refund));
    if (!is_mollie_id(payment_id, "tr_")) {
        snprintf(error, error_size, "%s is not a Mollie payment", payment_id);
        return PT_ERR_INVALID;
    }
    struct pt_buf path;
    pt_buf_init(&path);
    pt_buf_printf(&path, "/v2/payments/%s/refunds", payment_id);
    json_t *body = json_pack("{s:o, s:s}", "amount", amount_json(amount_minor, currency),
                             "description", "Refund");
    json_t *answer = NULL;
    enum pt_status status = call(mollie, for_background(mollie), "POST", path.data, body,
                                 idempotency_key, &answer, error, error_size);
    json_decref(body);
    pt_buf_dispose(&path);
    if (status)
        return status;
    copy_string(refund->id, sizeof(refund->id), json_object_get(answer, "id"));
    refund->amount_minor = read_amount(json_object_get(answer, "amount"), NULL);
    copy_string(refund->status, sizeof(refund->status), json_object_get(answer, "status"));
    refund->counts = refund->status[0] != '\0' && strcmp(refund->status, "failed") != 0 &&
                     strcmp(refund->status, "canceled") != 0;
    json_decref(answer);
    if (!is_mollie_id(refund->id, "re_") || refund->amount_minor <= 0) {
        snprintf(error, error_size, "Mollie's refund answer has no id or amount");
        return PT_ERR_IO;
    }
    return PT_OK;
}

static void mollie_free(struct pt_pay *pay)
{
    struct mollie *mollie = from(pay);
    free(mollie->api_base);
    sodium_memzero(mollie->api_key, strlen(mollie->api_key));
    free(mollie->api_key);
    free(mollie->webhook_url);
    free(mollie);
}

static const struct pt_pay_ops mollie_ops = {
    .name = "mollie",
    .label = "Mollie",
    .signature_header = NULL,
    .return_names_checkout = false,
    .asks_email = false,
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
    .refund = refund,
    .free = mollie_free,
};

struct pt_pay *pt_pay_mollie_new(const struct pt_mollie_settings *settings)
{
    struct mollie *mollie = pt_xcalloc(1, sizeof(*mollie));
    mollie->super.ops = &mollie_ops;
    mollie->api_base = pt_xstrdup(settings->api_base);
    /* "https://api.mollie.com/" and "https://api.mollie.com" alike. */
    size_t length = strlen(mollie->api_base);
    while (length > 0 && mollie->api_base[length - 1] == '/')
        mollie->api_base[--length] = '\0';
    mollie->api_key = pt_xstrdup(settings->api_key);
    mollie->webhook_url = pt_xstrdup(settings->webhook_url ? settings->webhook_url : "");
    mollie->timeout_seconds = settings->timeout_seconds > 0 ? settings->timeout_seconds : 30;
    mollie->reader_timeout_seconds =
        settings->reader_timeout_seconds > 0 ? settings->reader_timeout_seconds : 10;
    return &mollie->super;
}
