#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "patron/auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The Cookie header a browser (or anyone) sends to the dashboard: whatever it
 * holds, a token found must be exactly a token's length of base64url. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *header = malloc(size + 1);
    memcpy(header, data, size);
    header[size] = '\0';
    char token[PT_AUTH_TOKEN_CHARS + 1];
    if (pt_auth_cookie_token(header, token) == PT_OK) {
        if (strlen(token) != PT_AUTH_TOKEN_CHARS)
            abort();
        for (const char *p = token; *p; p++) {
            if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                  (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
                abort();
        }
    }
    free(header);
    return 0;
}
