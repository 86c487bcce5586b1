#include "patron/crypto_months.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "patron/alloc.h"
#include "patron/buf.h"
#include "patron/i18n.h"
#include "patron/log.h"
#include "patron/outbox.h"

/* ------------------------------------------------------------------ months */

int64_t pt_crypto_months_start(int64_t created_at, int period)
{
    time_t seconds = (time_t)created_at;
    struct tm day;
    gmtime_r(&seconds, &day);
    int month = day.tm_mon + period;
    int year = day.tm_year + 1900 + month / 12;
    month %= 12;
    static const int lengths[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int last = lengths[month];
    if (month == 1 && ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0))
        last = 29;
    /* A day past the month's end is its last day, as a donor would expect. */
    day.tm_year = year - 1900;
    day.tm_mon = month;
    if (day.tm_mday > last)
        day.tm_mday = last;
    return (int64_t)timegm(&day);
}

int pt_crypto_months_period(int64_t created_at, int64_t now)
{
    if (now <= created_at)
        return 0;
    time_t a = (time_t)created_at, b = (time_t)now;
    struct tm from, to;
    gmtime_r(&a, &from);
    gmtime_r(&b, &to);
    int period = (to.tm_year - from.tm_year) * 12 + (to.tm_mon - from.tm_mon);
    while (period > 0 && pt_crypto_months_start(created_at, period) > now)
        period--;
    return period;
}

/* ------------------------------------------------------------------ links */

#define LINK_LABEL "crypto-month"
#define LINK_ID_ROOM 40

void pt_crypto_months_token(const struct pt_crypto *crypto, const char *pledge_id, int period,
                            int64_t expires_at, char token[PT_CRYPTO_LINK_TOKEN_MAX])
{
    char id[LINK_ID_ROOM + 1];
    snprintf(id, sizeof(id), "%.32s.%d", pledge_id, period);
    pt_crypto_link_token(crypto, LINK_LABEL, id, LINK_ID_ROOM, expires_at, token);
}

enum pt_status pt_crypto_months_check_token(const struct pt_crypto *crypto, const char *token,
                                            int64_t now, char pledge_id[33], int *period)
{
    char id[LINK_ID_ROOM + 1];
    if (token == NULL ||
        pt_crypto_check_link_token(crypto, LINK_LABEL, token, LINK_ID_ROOM, now, id) != PT_OK)
        return PT_ERR_INVALID;
    const char *dot = strchr(id, '.');
    if (dot == NULL || dot - id != 32)
        return PT_ERR_INVALID;
    char *end = NULL;
    long value = strtol(dot + 1, &end, 10);
    if (*end != '\0' || value < 1 || value > 100000)
        return PT_ERR_INVALID;
    memcpy(pledge_id, id, 32);
    pledge_id[32] = '\0';
    *period = (int)value;
    return PT_OK;
}

/* ---------------------------------------------------------------- the round */

struct candidates {
    char (*ids)[33];
    size_t count;
    size_t capacity;
};

/* The visitor runs with the store locked: it only collects. */
static void collect(void *context, const struct pt_report_pledge *pledge)
{
    struct candidates *list = context;
    if (pledge->frequency == PT_FREQUENCY_ONE_OFF || strcmp(pledge->status, "active") != 0)
        return;
    if (list->count == list->capacity) {
        list->capacity = list->capacity ? list->capacity * 2 : 64;
        list->ids = pt_xrealloc(list->ids, list->capacity * sizeof(*list->ids));
    }
    snprintf(list->ids[list->count++], 33, "%s", pledge->id);
}

static void count_payment(void *context, const char *payment_id, int64_t amount_minor,
                          const char *currency, int64_t paid_at)
{
    (void)payment_id, (void)currency, (void)paid_at;
    if (amount_minor > 0)
        (*(int *)context)++;
}

/* One pledge's month: lapse it, or queue its month's email once. */
static enum pt_status run_one(struct pt_ledger *ledger, const char *processor_name,
                              const char *pledge_id, int64_t now,
                              struct pt_crypto_months_report *report)
{
    struct pt_pledge_record pledge;
    enum pt_status status = pt_store_pledge_get(ledger->store, pledge_id, &pledge);
    if (status)
        return status;
    if (strcmp(pledge.processor, processor_name) != 0 || strcmp(pledge.status, "active") != 0)
        return PT_OK;
    int period = pt_crypto_months_period(pledge.created_at, now) /
                 (pledge.frequency == PT_FREQUENCY_ANNUAL ? 12 : 1);
    if (period < 1)
        return PT_OK;
    int paid = 0;
    status = pt_store_pledge_payments_each(ledger->store, pledge.id, count_payment, &paid);
    if (status)
        return status;
    struct pt_ledger_result result;
    /* Months 0 .. period-1 have ended; paid of them are paid (in whatever
     * order the donor paid them). */
    if (period - paid >= PT_CRYPTO_MONTHS_LAPSE) {
        struct pt_ledger_change change = {
            .pledge_id = pledge.id,
            .status = "cancelled",
            .note = "lapsed: two crypto payments unpaid",
            .now = now,
        };
        status = pt_store_ledger_apply(ledger->store, &change, &result);
        if (status == PT_OK && result.status_changed) {
            report->lapsed++;
            pt_outbox_wake(ledger->outbox);
        }
        return status;
    }
    if (paid > period || pledge.email_sealed_length == 0)
        return PT_OK; /* paid ahead, or nobody to tell */
    /* Once per month: the ledger's event id says whether it was queued. A
     * crash between the two steps loses that month's email, never sends
     * it twice. */
    char event_id[96], data[64];
    snprintf(event_id, sizeof(event_id), "%s-month-%s-%d", processor_name, pledge.id, period);
    struct pt_ledger_change change = {
        .event_id = event_id,
        .event_type = "crypto month due",
        .pledge_id = pledge.id,
        .history_note = true,
        .note = "the link to this payment's crypto invoice was emailed",
        .now = now,
    };
    status = pt_store_ledger_apply(ledger->store, &change, &result);
    if (status || result.duplicate)
        return status;
    snprintf(data, sizeof(data), "{\"period\":%d}", period);
    status = pt_store_outbox_add(ledger->store, pledge.id, PT_CRYPTO_MONTHS_EMAIL, data, now);
    if (status == PT_OK) {
        report->emailed++;
        pt_outbox_wake(ledger->outbox);
    }
    return status;
}

enum pt_status pt_crypto_months_run(struct pt_ledger *ledger, const char *processor_name,
                                    int64_t now, struct pt_crypto_months_report *report)
{
    memset(report, 0, sizeof(*report));
    struct candidates list = {0};
    enum pt_status status = pt_store_report_pledges(ledger->store, 0, now + 1, collect, &list);
    for (size_t i = 0; status == PT_OK && i < list.count; i++) {
        enum pt_status one = run_one(ledger, processor_name, list.ids[i], now, report);
        if (one != PT_OK)
            pt_log(PT_LOG_ERROR, "a crypto pledge's month could not be handled now; it is "
                                 "tried again next round");
    }
    free(list.ids);
    return status;
}

/* --------------------------------------------------------------- invoices */

enum pt_status pt_crypto_months_invoice(struct pt_ledger *ledger,
                                        const struct pt_pledge_record *pledge, int period,
                                        char *url, size_t url_size, char *error, size_t error_size)
{
    struct pt_pay *pay = pt_pledges_processor(ledger, pledge);
    if (pay == NULL || pledge->frequency == PT_FREQUENCY_ONE_OFF ||
        strcmp(pledge->status, "active") != 0 ||
        strncmp(pledge->subscription_id, "crypto-", 7) != 0) {
        snprintf(error, error_size, "pledge %s is not a running monthly crypto pledge", pledge->id);
        return PT_ERR_CONFLICT;
    }
    struct pt_buf success, cancel, description, webhook;
    pt_buf_init(&success);
    pt_buf_init(&cancel);
    pt_buf_init(&description);
    pt_buf_init(&webhook);
    const char *origin = pt_pledges_origin(ledger, pledge);
    pt_buf_printf(&success, "%s/thanks?pledge=%s", origin, pledge->id);
    pt_buf_printf(&cancel, "%s/support?lang=%s", origin, pledge->language);
    pt_buf_printf(&webhook, "%s/v1/webhooks/%s", ledger->public_url, pay->ops->name);
    pt_buf_printf(&description, "%s: %s", ledger->newsroom_name,
                  pt_i18n_text(PT_MSG_PLEDGE_CHECKOUT_MONTHLY, pt_i18n_lang(pledge->language)));
    struct pt_pay_checkout_request request = {
        .pledge_id = pledge->id,
        .frequency = pledge->frequency,
        .amount_minor = pledge->amount_minor,
        .currency = pledge->currency,
        .language = pledge->language,
        .description = description.data,
        .success_url = success.data,
        .cancel_url = cancel.data,
        .webhook_url = webhook.data,
        .period = period,
    };
    struct pt_pay_checkout checkout;
    enum pt_status status = pay->ops->create_checkout(pay, &request, &checkout, error, error_size);
    if (status == PT_OK)
        snprintf(url, url_size, "%s", checkout.url);
    pt_buf_dispose(&success);
    pt_buf_dispose(&cancel);
    pt_buf_dispose(&description);
    pt_buf_dispose(&webhook);
    return status;
}
