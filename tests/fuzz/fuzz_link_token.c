#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "patron/crypto.h"
#include "patron/pledges.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The token of a link a reader opens (/supporter/device?t=..., and the
 * manage and erase links read the same way): whatever comes, checking it
 * never reads past it, and nothing but a token this key signed, for this
 * use and not yet expired, is accepted. A token made from the input checks
 * back to the same id, and is refused for another use or once expired. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct pt_crypto crypto;
    memset(&crypto, 0x5a, sizeof(crypto));
    char *text = malloc(size + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char id[33];
    /* A random input forging a signature would be a broken MAC. */
    if (pt_pledges_check_supporter_token(&crypto, text, 0, id) == PT_OK)
        abort();
    (void)pt_pledges_check_manage_token(&crypto, text, 0, id);
    (void)pt_pledges_check_erase_token(&crypto, text, 0, id);

    char pledge[33];
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < 32; i++)
        pledge[i] = hex[(i < size ? data[i] : 0) & 15];
    pledge[32] = '\0';
    int64_t expires = size > 0 ? (int64_t)data[0] * 86400 : 0;
    char token[PT_MANAGE_TOKEN_MAX];
    pt_pledges_supporter_token(&crypto, pledge, expires, token);
    if (pt_pledges_check_supporter_token(&crypto, token, expires, id) != PT_OK ||
        strcmp(id, pledge) != 0)
        abort();
    if (pt_pledges_check_erase_token(&crypto, token, expires, id) == PT_OK ||
        pt_pledges_check_manage_token(&crypto, token, expires, id) == PT_OK ||
        pt_pledges_check_supporter_token(&crypto, token, expires + 1, id) == PT_OK)
        abort();
    free(text);
    return 0;
}
