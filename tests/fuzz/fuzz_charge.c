#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "patron/pay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Stripe's three answers about a charge (the charge, its refunds, its
 * disputes), separated by lines of "--". */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    const char *parts[3] = {"", "", ""};
    size_t lengths[3] = {0, 0, 0};
    char *at = text;
    for (int i = 0; i < 3; i++) {
        char *end = i < 2 ? strstr(at, "\n--\n") : NULL;
        parts[i] = at;
        lengths[i] = end ? (size_t)(end - at) : strlen(at);
        if (end == NULL)
            break;
        *end = '\0';
        at = end + 4;
    }
    struct pt_pay_charge charge;
    char error[256];
    if (pt_pay_stripe_parse_charge(parts[0], lengths[0], parts[1], lengths[1], parts[2],
                                   lengths[2], &charge, error, sizeof(error)) == PT_OK) {
        /* What the ledger relies on: ids terminated, refunds bounded. */
        if (charge.refund_count > PT_PAY_REFUNDS_MAX || strlen(charge.id) >= PT_PAY_ID_MAX)
            abort();
        for (size_t i = 0; i < charge.refund_count; i++)
            if (charge.refunds[i].counts && (charge.refunds[i].amount_minor <= 0 ||
                                             charge.refunds[i].amount_minor > charge.amount_minor))
                abort();
    }
    free(text);
    return 0;
}
