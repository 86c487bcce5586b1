#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "patron/money.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Whatever a reader types: never a crash, never a negative amount, and an
 * amount read is read again the same from the way patron shows it. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    static const char *const codes[] = {"USD", "JPY", "GBP"};
    static const char *const languages[] = {"en", "ru"};
    for (size_t i = 0; i < 3; i++) {
        for (size_t j = 0; j < 2; j++) {
            const struct pt_currency *currency = pt_money_currency(codes[i]);
            int64_t minor = 0, again = -1;
            char error[256];
            if (pt_money_parse(text, currency, languages[j], &minor, error, sizeof(error)) !=
                PT_OK)
                continue;
            if (minor < 0)
                abort();
            struct pt_buf shown;
            pt_buf_init(&shown);
            pt_money_format_in(&shown, minor, currency, languages[j]);
            if (pt_money_parse(shown.data, currency, languages[j], &again, error,
                               sizeof(error)) != PT_OK ||
                again != minor)
                abort();
            pt_buf_dispose(&shown);
            pt_money_check(PT_FREQUENCY_MONTHLY, minor, currency, 2000, languages[j], error,
                           sizeof(error));
        }
    }
    free(text);
    return 0;
}
