#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "patron/pay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What Mollie's side sends patron: a webhook's body ("id=tr_..."), and the
 * payment its API answers (JSON) with the amount strings in it. The whole
 * input is tried as each; its first line also as an amount. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    char id[PT_PAY_ID_MAX], error[256];
    pt_pay_mollie_webhook_id(text, size, id, error, sizeof(error));
    struct pt_pay_event event;
    pt_pay_mollie_parse_payment(text, size, 1796000000, &event, error, sizeof(error));
    char *newline = memchr(text, '\n', size);
    if (newline != NULL)
        *newline = '\0';
    int64_t minor = 0;
    pt_pay_mollie_parse_amount(text, "EUR", &minor);
    pt_pay_mollie_parse_amount(text, "JPY", &minor);
    free(text);
    return 0;
}
