#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "patron/money.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    static const char *const codes[] = {"USD", "JPY", "GBP"};
    for (size_t i = 0; i < 3; i++) {
        const struct pt_currency *currency = pt_money_currency(codes[i]);
        int64_t minor = 0;
        char error[256];
        if (pt_money_parse(text, currency, &minor, error, sizeof(error)) == PT_OK) {
            if (minor < 0)
                abort();
            pt_money_check(PT_FREQUENCY_MONTHLY, minor, currency, 2000, "en", error,
                           sizeof(error));
        }
    }
    free(text);
    return 0;
}
