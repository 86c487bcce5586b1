/* The addresses readers reach patron on (public_url: the primary, mirrors,
 * an onion address) as emails need them: a pledge or a reminder made on a
 * mirror keeps that address, sealed, so that its email leads back there
 * (docs/OPERATIONS.md, "Mirrors and an onion address"). */
#ifndef PATRON_ORIGINS_H
#define PATRON_ORIGINS_H

#include <stddef.h>

struct pt_crypto;

/* Everything borrowed. A zeroed one knows only the primary address. */
struct pt_origins {
    const char *primary;     /* public_url's first address */
    const char *const *urls; /* every address, the primary first; NULL when count is 0 */
    size_t count;
    const char *email_origin; /* NULL or "": each email links to the address kept with it;
                                 else every email links here and nothing is kept */
};

/* What to keep with a pledge or reminder made on origin (the request's
 * address): *sealed (malloc'd, free it) and its length, or NULL and 0 when
 * there is nothing to keep: origin NULL or the primary, or email_origin set. */
void pt_origins_seal(const struct pt_origins *origins, const struct pt_crypto *crypto,
                     const char *origin, unsigned char **sealed, size_t *sealed_length);

/* The address an email links to: email_origin when set, else the kept one
 * (sealed, sealed_length; NULL for none) while it is still one of urls, else
 * the primary. Borrowed from origins. */
const char *pt_origins_for_email(const struct pt_origins *origins, const struct pt_crypto *crypto,
                                 const unsigned char *sealed, size_t sealed_length);

#endif
