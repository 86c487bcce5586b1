#include "patron/origins.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "patron/crypto.h"

static bool email_origin_set(const struct pt_origins *origins)
{
    return origins->email_origin != NULL && origins->email_origin[0] != '\0';
}

void pt_origins_seal(const struct pt_origins *origins, const struct pt_crypto *crypto,
                     const char *origin, unsigned char **sealed, size_t *sealed_length)
{
    *sealed = NULL;
    *sealed_length = 0;
    /* Kept only when an email will use it, and sealed: how a reader reached
     * the newsroom (the onion, say) is theirs to keep. */
    if (origin == NULL || email_origin_set(origins) ||
        (origins->primary != NULL && strcmp(origin, origins->primary) == 0))
        return;
    pt_crypto_seal(crypto, origin, sealed, sealed_length);
}

const char *pt_origins_for_email(const struct pt_origins *origins, const struct pt_crypto *crypto,
                                 const unsigned char *sealed, size_t sealed_length)
{
    if (email_origin_set(origins))
        return origins->email_origin;
    const char *origin = origins->primary;
    char *opened = NULL;
    if (sealed != NULL && sealed_length > 0 && crypto != NULL &&
        pt_crypto_open(crypto, sealed, sealed_length, &opened) == PT_OK) {
        /* An address the newsroom has since dropped (a burnt mirror) is
         * not linked to any more. */
        for (size_t i = 0; i < origins->count; i++) {
            if (strcmp(opened, origins->urls[i]) == 0)
                origin = origins->urls[i];
        }
    }
    free(opened);
    return origin;
}
