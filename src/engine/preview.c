#include "patron/preview.h"

#include <string.h>

/* The label that keeps a preview token from passing for any other token
 * signed with the same key (a manage link's message has no label and is
 * 40 bytes long). */
static const char preview_label[] = "patron campaign preview v1";
static const char debug_label[] = "patron appeal debug v1";

void pt_preview_token(const struct pt_crypto *crypto, const char *campaign_id, int64_t expires_at,
                      char token[PT_PREVIEW_TOKEN_MAX])
{
    pt_crypto_link_token(crypto, preview_label, campaign_id, PT_ID_MAX, expires_at, token);
}

enum pt_status pt_preview_check(const struct pt_crypto *crypto, const char *token, int64_t now,
                                char campaign_id[PT_ID_MAX])
{
    char id[PT_ID_MAX + 1];
    if (token == NULL ||
        pt_crypto_check_link_token(crypto, preview_label, token, PT_ID_MAX, now, id) != PT_OK ||
        (!pt_catalog_is_id(id) && strcmp(id, PT_PREVIEW_ALL) != 0))
        return PT_ERR_INVALID;
    memcpy(campaign_id, id, PT_ID_MAX);
    return PT_OK;
}

void pt_preview_debug_token(const struct pt_crypto *crypto, int64_t expires_at,
                            char token[PT_PREVIEW_TOKEN_MAX])
{
    pt_crypto_link_token(crypto, debug_label, "debug", PT_ID_MAX, expires_at, token);
}

bool pt_preview_check_debug(const struct pt_crypto *crypto, const char *token, int64_t now)
{
    char id[PT_ID_MAX + 1];
    return token != NULL &&
           pt_crypto_check_link_token(crypto, debug_label, token, PT_ID_MAX, now, id) == PT_OK &&
           strcmp(id, "debug") == 0;
}
