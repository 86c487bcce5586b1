#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "patron/pay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What a BTCPay Server sends patron: a webhook's header and body, and the
 * invoice its API answers (JSON) with the amount string in it. The whole
 * input is tried as a body (signature checked against its first line as a
 * header), a webhook and an invoice; its first line also as an amount. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    char error[256];
    struct pt_btcpay_webhook webhook;
    pt_pay_btcpay_parse_webhook(text, size, &webhook, error, sizeof(error));
    struct pt_pay_event event;
    pt_pay_btcpay_parse_invoice(text, size, 1796000000, &event, error, sizeof(error));
    char *newline = memchr(text, '\n', size);
    const char *body = newline != NULL ? newline + 1 : "";
    size_t body_length = newline != NULL ? size - (size_t)(newline + 1 - text) : 0;
    if (newline != NULL)
        *newline = '\0';
    pt_pay_btcpay_verify(text, body, body_length, "fuzz-secret-0123456789", error, sizeof(error));
    int64_t minor = 0;
    pt_pay_btcpay_parse_amount(text, "USD", &minor);
    pt_pay_btcpay_parse_amount(text, "JPY", &minor);
    char amount[40];
    pt_pay_btcpay_format_amount(minor, "EUR", amount, sizeof(amount));
    free(text);
    return 0;
}
