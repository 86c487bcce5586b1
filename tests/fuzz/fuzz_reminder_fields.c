#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "patron/crypto.h"
#include "patron/reminders.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What a reader types into the reminder form: an address and a month. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    char normalised[255];
    if (pt_crypto_normalise_email(text, normalised) == PT_OK && strlen(normalised) > 254)
        abort();
    struct pt_month month;
    if (pt_reminders_month_parse(text, &month)) {
        char again[8];
        pt_reminders_month_format(month, again);
        if (strcmp(again, text) != 0)
            abort();
    }
    free(text);
    return 0;
}
