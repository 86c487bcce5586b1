#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "patron/pay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A webhook as it arrives: the first line is the Stripe-Signature header,
 * the rest the body. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    char *newline = memchr(text, '\n', size);
    const char *body = newline ? newline + 1 : "";
    if (newline != NULL)
        *newline = '\0';
    size_t body_length = newline ? size - (size_t)(newline + 1 - text) : 0;
    char error[256];
    pt_pay_stripe_verify(text, body, body_length, "whsec_a,whsec_b", 1796000000, 300, error,
                         sizeof(error));
    struct pt_pay_event event;
    pt_pay_stripe_parse_event(body, body_length, &event, error, sizeof(error));
    free(text);
    return 0;
}
