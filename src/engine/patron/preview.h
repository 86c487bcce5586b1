/* Signed editor links: "Open on my article" previews and debug answers.
 * The dashboard and the admin API make them; /v1/appeal checks them. They
 * live apart from both so that the appeal path needs no staff module. */
#ifndef PATRON_PREVIEW_H
#define PATRON_PREVIEW_H

#include <stdbool.h>
#include <stdint.h>

#include "patron/catalog.h"
#include "patron/crypto.h"
#include "patron/status.h"

/* How long a preview link works. */
#define PT_PREVIEW_LINK_SECONDS 1800
/* A preview token's characters, with the final NUL. */
#define PT_PREVIEW_TOKEN_MAX PT_CRYPTO_LINK_TOKEN_MAX

/* The token of a preview link: the campaign's id and the link's expiry in
 * the clear, and an HMAC of them with the key file's signing key, the
 * mechanism of donors' manage links (src/pledges.c) with a label of its
 * own, so that neither token can pass for the other. It shows one
 * campaign, draft or not, and never carries the admin token. */
void pt_preview_token(const struct pt_crypto *crypto, const char *campaign_id, int64_t expires_at,
                      char token[PT_PREVIEW_TOKEN_MAX]);

/* The campaign id of a preview token that lets every draft take part (made
 * by the admin API's POST /v1/admin/editor-links, not by the dashboard). */
#define PT_PREVIEW_ALL "*"

/* PT_OK with the campaign's id (or PT_PREVIEW_ALL) when token is one of
 * the above, unchanged and not expired at now; PT_ERR_INVALID otherwise. For
 * /v1/appeal's preview=TOKEN (the widget passes patron_preview on): a valid
 * token lets that campaign be shown as a draft. */
enum pt_status pt_preview_check(const struct pt_crypto *crypto, const char *token, int64_t now,
                                char campaign_id[PT_ID_MAX]);

/* The token of a debug link (/v1/appeal's debug=TOKEN; the widget passes
 * patron_debug on): the answer then says why each campaign was or was not
 * chosen. Signed and expiring like a preview token, with a label of its own,
 * so that neither passes for the other, and never the admin token, which
 * must not end up in an article's address (and so in CMS and CDN logs). */
void pt_preview_debug_token(const struct pt_crypto *crypto, int64_t expires_at,
                            char token[PT_PREVIEW_TOKEN_MAX]);
/* True when token is a debug token, unchanged and not expired at now. */
bool pt_preview_check_debug(const struct pt_crypto *crypto, const char *token, int64_t now);

#endif
