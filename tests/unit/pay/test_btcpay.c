/* BTCPay's side of the wire as patron reads it (btcpay.c): BTCPay-Sig over
 * the raw body, the webhook's fields, an invoice as the event it means, and
 * amounts as decimal strings; and the months of a monthly crypto pledge
 * (crypto_months.c). The calls themselves are exercised against the
 * stand-in in tests/payments/btcpay-*.test.mjs. */
#include <criterion/criterion.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "patron/crypto_months.h"
#include "patron/pay.h"

static const char secret[] = "whsec-btcpay-standin-0123456789";

/* "sha256=" and the hex HMAC-SHA256 of body, as BTCPay writes it. */
static void sign(const char *body, const char *key, char header[80])
{
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state state;
    crypto_auth_hmacsha256_init(&state, (const unsigned char *)key, strlen(key));
    crypto_auth_hmacsha256_update(&state, (const unsigned char *)body, strlen(body));
    crypto_auth_hmacsha256_final(&state, mac);
    memcpy(header, "sha256=", 7);
    sodium_bin2hex(header + 7, 65, mac, sizeof(mac));
}

static const char settled_body[] =
    "{\"deliveryId\":\"Kd3x4Jc2RmR1wYbq9Hh1Tf\",\"webhookId\":\"MmA8JSnbYoLEkXKVfvNB8d\","
    "\"originalDeliveryId\":\"Kd3x4Jc2RmR1wYbq9Hh1Tf\",\"isRedelivery\":false,"
    "\"type\":\"InvoiceSettled\",\"timestamp\":1796000000,\"storeId\":"
    "\"9CiNzKoANXxmk5ayZngSXrHTiVvvgCrwrpFQd4m2K776\",\"invoiceId\":\"LHjzf8gDQ8bL2sSBkGHQkP\","
    "\"metadata\":{\"orderId\":\"0123456789abcdef0123456789abcdef\"},\"manuallyMarked\":false}";

Test(btcpay, a_signature_made_as_btcpay_makes_it_passes)
{
    char header[80], error[200];
    sign(settled_body, secret, header);
    cr_assert_eq(pt_pay_btcpay_verify(header, settled_body, strlen(settled_body), secret, error,
                                      sizeof(error)),
                 PT_OK, "%s", error);
    /* Hex digits in either case are the same signature. */
    for (char *p = header + 7; *p; p++)
        if (*p >= 'a' && *p <= 'f')
            *p = (char)(*p - 'a' + 'A');
    cr_assert_eq(pt_pay_btcpay_verify(header, settled_body, strlen(settled_body), secret, error,
                                      sizeof(error)),
                 PT_OK);
}

Test(btcpay, a_signature_of_other_bytes_or_another_secret_is_refused_by_the_comparison)
{
    char header[80], error[200];
    sign(settled_body, secret, header);
    /* One byte changed at either end of the MAC: both reach the constant-time
     * comparison (a well-formed header) and both are refused there. */
    for (size_t at = 7; at < 71; at += 63) {
        char forged[80];
        memcpy(forged, header, sizeof(forged));
        forged[at] = forged[at] == '0' ? '1' : '0';
        cr_assert_eq(pt_pay_btcpay_verify(forged, settled_body, strlen(settled_body), secret, error,
                                          sizeof(error)),
                     PT_ERR_INVALID);
        cr_assert_str_eq(error, "BTCPay-Sig does not match the body");
    }
    /* The body as signed, one byte more: the raw bytes are what count. */
    char longer[sizeof(settled_body) + 1];
    snprintf(longer, sizeof(longer), "%s ", settled_body);
    cr_assert_eq(pt_pay_btcpay_verify(header, longer, strlen(longer), secret, error, sizeof(error)),
                 PT_ERR_INVALID);
    char other[80];
    sign(settled_body, "another-secret-0123456789", other);
    cr_assert_eq(pt_pay_btcpay_verify(other, settled_body, strlen(settled_body), secret, error,
                                      sizeof(error)),
                 PT_ERR_INVALID);
}

Test(btcpay, a_header_that_is_not_sha256_and_64_hex_digits_is_refused_before_any_comparison)
{
    char header[80], error[200];
    sign(settled_body, secret, header);
    char truncated[80];
    snprintf(truncated, sizeof(truncated), "%.70s", header);
    char non_hex[80];
    snprintf(non_hex, sizeof(non_hex), "%s", header);
    non_hex[20] = 'g';
    char other_scheme[80];
    snprintf(other_scheme, sizeof(other_scheme), "sha1=%s", header + 7);
    char spaced[90];
    snprintf(spaced, sizeof(spaced), "%s ", header);
    const char *refused[] = {NULL,    "",           "sha256=", truncated,
                             non_hex, other_scheme, spaced,    header + 7};
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        cr_assert_eq(pt_pay_btcpay_verify(refused[i], settled_body, strlen(settled_body), secret,
                                          error, sizeof(error)),
                     PT_ERR_INVALID, "%s", refused[i] ? refused[i] : "(none)");
        cr_assert_str_eq(error, "BTCPay-Sig is not \"sha256=\" and 64 hex digits");
    }
    cr_assert_eq(
        pt_pay_btcpay_verify(header, settled_body, strlen(settled_body), "", error, sizeof(error)),
        PT_ERR_INVALID);
}

Test(btcpay, a_webhook_body_gives_its_delivery_type_store_and_invoice)
{
    struct pt_btcpay_webhook webhook;
    char error[200];
    cr_assert_eq(pt_pay_btcpay_parse_webhook(settled_body, strlen(settled_body), &webhook, error,
                                             sizeof(error)),
                 PT_OK, "%s", error);
    cr_assert_str_eq(webhook.delivery_id, "Kd3x4Jc2RmR1wYbq9Hh1Tf");
    cr_assert_str_eq(webhook.type, "InvoiceSettled");
    cr_assert_str_eq(webhook.store_id, "9CiNzKoANXxmk5ayZngSXrHTiVvvgCrwrpFQd4m2K776");
    cr_assert_str_eq(webhook.invoice_id, "LHjzf8gDQ8bL2sSBkGHQkP");
    cr_assert_eq(webhook.timestamp, 1796000000);
    cr_assert(!webhook.is_redelivery);

    static const char payout[] = "{\"deliveryId\":\"a\",\"type\":\"PayoutCreated\","
                                 "\"storeId\":\"s\",\"payoutId\":\"p\"}";
    cr_assert_eq(
        pt_pay_btcpay_parse_webhook(payout, strlen(payout), &webhook, error, sizeof(error)), PT_OK);
    cr_assert_str_eq(webhook.invoice_id, "");
    static const char *const refused[] = {
        "",
        "[]",
        "{\"type\":\"InvoiceSettled\"}",
        "{\"type\":\"InvoiceSettled\",\"invoiceId\":\"../../users\"}",
        "{\"type\":\"InvoiceSettled\",\"invoiceId\":\"abc\"}",
        "{\"invoiceId\":\"LHjzf8gDQ8bL2sSBkGHQkP\"}",
        "{\"type\":\"InvoiceSettled\",\"type\":\"InvoiceExpired\",\"invoiceId\":"
        "\"LHjzf8gDQ8bL2sSBkGHQkP\"}",
    };
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
        cr_assert_eq(pt_pay_btcpay_parse_webhook(refused[i], strlen(refused[i]), &webhook, error,
                                                 sizeof(error)),
                     PT_ERR_INVALID, "%s", refused[i]);
}

static struct pt_pay_event invoice_event(const char *status, const char *amount,
                                         const char *currency, const char *period)
{
    char body[1024];
    snprintf(body, sizeof(body),
             "{\"id\":\"LHjzf8gDQ8bL2sSBkGHQkP\",\"storeId\":\"store1234\",\"amount\":\"%s\","
             "\"currency\":\"%s\",\"type\":\"Standard\",\"checkoutLink\":"
             "\"http://127.0.0.1:1/i/LHjzf8gDQ8bL2sSBkGHQkP\",\"status\":\"%s\","
             "\"additionalStatus\":\"None\",\"createdTime\":1796000000,\"expirationTime\":"
             "1796003600,\"metadata\":{\"orderId\":\"0123456789abcdef0123456789abcdef\","
             "\"patronFrequency\":\"monthly\",\"patronPeriod\":\"%s\"}}",
             amount, currency, status, period);
    struct pt_pay_event event;
    char error[200];
    cr_assert_eq(
        pt_pay_btcpay_parse_invoice(body, strlen(body), 1796000100, &event, error, sizeof(error)),
        PT_OK, "%s", error);
    return event;
}

Test(btcpay, an_invoice_read_back_is_the_event_it_means_once_per_status)
{
    struct pt_pay_event first = invoice_event("Settled", "5.00", "USD", "0");
    cr_assert_eq(first.kind, PT_PAY_EVENT_CHECKOUT_DONE);
    cr_assert_str_eq(first.id, "btcpay-LHjzf8gDQ8bL2sSBkGHQkP-Settled");
    cr_assert_str_eq(first.object_id, "LHjzf8gDQ8bL2sSBkGHQkP");
    cr_assert_str_eq(first.pledge_id, "0123456789abcdef0123456789abcdef");
    cr_assert_eq(first.amount_minor, 500);
    cr_assert_str_eq(first.currency, "USD");
    cr_assert_str_eq(first.subscription, "");

    struct pt_pay_event month = invoice_event("Settled", "5", "USD", "2");
    cr_assert_eq(month.kind, PT_PAY_EVENT_PAYMENT_SUCCEEDED);
    cr_assert_str_eq(month.subscription, "crypto-0123456789abcdef0123456789abcdef");
    cr_assert_eq(month.amount_minor, 500);

    struct pt_pay_event expired = invoice_event("Expired", "5.00", "USD", "0");
    cr_assert_eq(expired.kind, PT_PAY_EVENT_HISTORY);
    cr_assert_str_eq(expired.id, "btcpay-LHjzf8gDQ8bL2sSBkGHQkP-Expired");
    cr_assert_str_eq(expired.type, "crypto invoice expired unpaid");
    struct pt_pay_event invalid = invoice_event("Invalid", "5.00", "USD", "1");
    cr_assert_eq(invalid.kind, PT_PAY_EVENT_HISTORY);
    cr_assert(strstr(invalid.type, "invalid") != NULL);

    cr_assert_eq(invoice_event("New", "5.00", "USD", "0").kind, PT_PAY_EVENT_OTHER);
    cr_assert_eq(invoice_event("Processing", "5.00", "USD", "0").kind, PT_PAY_EVENT_OTHER);
    cr_assert_str_eq(invoice_event("Processing", "5.00", "USD", "0").id,
                     "btcpay-LHjzf8gDQ8bL2sSBkGHQkP-Processing");
    cr_assert_eq(invoice_event("Settled", "500", "JPY", "0").amount_minor, 500);
}

Test(btcpay, an_invoice_that_is_not_a_pledges_changes_nothing)
{
    static const char foreign[] =
        "{\"id\":\"LHjzf8gDQ8bL2sSBkGHQkP\",\"amount\":\"5.00\",\"currency\":\"USD\","
        "\"status\":\"Settled\",\"metadata\":{\"orderId\":\"shop-order-17\"}}";
    struct pt_pay_event event;
    char error[200];
    cr_assert_eq(
        pt_pay_btcpay_parse_invoice(foreign, strlen(foreign), 1, &event, error, sizeof(error)),
        PT_OK);
    cr_assert_eq(event.kind, PT_PAY_EVENT_OTHER);
    cr_assert_str_eq(event.pledge_id, "");
    static const char *const refused[] = {
        "",           "{}",
        "[]",         "{\"id\":\"a/b\"}",
        "{\"id\":5}", "{\"id\":\"LHjzf8gDQ8bL2sSBkGHQkP\",\"id\":\"x\"}"};
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
        cr_assert_eq(pt_pay_btcpay_parse_invoice(refused[i], strlen(refused[i]), 1, &event, error,
                                                 sizeof(error)),
                     PT_ERR_INVALID, "%s", refused[i]);
}

Test(btcpay, amounts_are_decimal_strings_in_the_currency)
{
    char text[40];
    cr_assert_eq(pt_pay_btcpay_format_amount(500, "USD", text, sizeof(text)), PT_OK);
    cr_assert_str_eq(text, "5.00");
    cr_assert_eq(pt_pay_btcpay_format_amount(123405, "EUR", text, sizeof(text)), PT_OK);
    cr_assert_str_eq(text, "1234.05");
    cr_assert_eq(pt_pay_btcpay_format_amount(500, "JPY", text, sizeof(text)), PT_OK);
    cr_assert_str_eq(text, "500");
    cr_assert_eq(pt_pay_btcpay_format_amount(7, "GBP", text, sizeof(text)), PT_OK);
    cr_assert_str_eq(text, "0.07");
    cr_assert_eq(pt_pay_btcpay_format_amount(500, "XXX", text, sizeof(text)), PT_ERR_INVALID);
    cr_assert_eq(pt_pay_btcpay_format_amount(-1, "USD", text, sizeof(text)), PT_ERR_INVALID);
    cr_assert_eq(pt_pay_btcpay_format_amount(500, "USD", text, 3), PT_ERR_INVALID);

    int64_t minor = -1;
    struct {
        const char *value, *currency;
        int64_t minor;
    } taken[] = {{"5", "USD", 500},         {"5.0", "USD", 500},    {"5.00", "USD", 500},
                 {"5.0000000", "USD", 500}, {"0.07", "EUR", 7},     {"1234.56", "GBP", 123456},
                 {"500", "JPY", 500},       {"500.000", "JPY", 500}};
    for (size_t i = 0; i < sizeof(taken) / sizeof(taken[0]); i++) {
        cr_assert_eq(pt_pay_btcpay_parse_amount(taken[i].value, taken[i].currency, &minor), PT_OK,
                     "%s", taken[i].value);
        cr_assert_eq(minor, taken[i].minor, "%s", taken[i].value);
    }
    static const char *const refused[][2] = {
        {"5.001", "USD"},
        {"-5.00", "USD"},
        {"5,00", "USD"},
        {".5", "USD"},
        {"5.", "USD"},
        {"", "USD"},
        {"5.00 ", "USD"},
        {"0x10", "USD"},
        {"5.5", "JPY"},
        {"5.00", "XYZ"},
        {"99999999999999999999", "USD"},
        {"1e3", "USD"},
    };
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
        cr_assert_eq(pt_pay_btcpay_parse_amount(refused[i][0], refused[i][1], &minor),
                     PT_ERR_INVALID, "%s %s", refused[i][0], refused[i][1]);
    cr_assert_eq(pt_pay_btcpay_parse_amount(NULL, "USD", &minor), PT_ERR_INVALID);
}

static int64_t utc(int year, int month, int day)
{
    struct tm tm = {.tm_year = year - 1900, .tm_mon = month - 1, .tm_mday = day, .tm_hour = 12};
    return (int64_t)timegm(&tm);
}

Test(btcpay, a_monthly_pledges_months_are_calendar_months_from_the_day_it_was_made)
{
    int64_t made = utc(2027, 1, 31);
    cr_assert_eq(pt_crypto_months_period(made, made), 0);
    cr_assert_eq(pt_crypto_months_period(made, utc(2027, 2, 27)), 0);
    cr_assert_eq(pt_crypto_months_period(made, utc(2027, 2, 28)), 1,
                 "31 January, then the "
                 "last of February");
    cr_assert_eq(pt_crypto_months_start(made, 1), utc(2027, 2, 28));
    cr_assert_eq(pt_crypto_months_start(made, 2), utc(2027, 3, 31));
    cr_assert_eq(pt_crypto_months_start(utc(2027, 12, 15), 1), utc(2028, 1, 15));
    cr_assert_eq(pt_crypto_months_start(utc(2028, 1, 30), 1), utc(2028, 2, 29), "leap year");
    cr_assert_eq(pt_crypto_months_period(made, utc(2028, 1, 31)), 12);
    cr_assert_eq(pt_crypto_months_period(made, made - 10), 0);
}
