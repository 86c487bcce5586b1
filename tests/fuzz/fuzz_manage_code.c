#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "patron/payment_routes.h"
#include "patron/pledges.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What a reader types into /manage/code, and the Cookie header the
 * thank-you page reads its code cookie from (issue 14). Whatever comes, a
 * code read is exactly 24 characters of Crockford's base32, and a cookie's
 * value fits where it was copied and holds no separator. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char code[PT_MANAGE_CODE_CHARS + 1];
    if (pt_pledges_code_read(text, code)) {
        if (strlen(code) != PT_MANAGE_CODE_CHARS ||
            strspn(code, "0123456789ABCDEFGHJKMNPQRSTVWXYZ") != PT_MANAGE_CODE_CHARS)
            abort();
    }
    char value[64];
    if (pt_payment_routes_cookie(text, "patron_code_0123abcd", value, sizeof(value))) {
        if (strlen(value) >= sizeof(value) || strchr(value, ';') != NULL)
            abort();
    }
    free(text);
    return 0;
}
