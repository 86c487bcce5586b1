/* Pages for people: the appeal as an embeddable document, the no-script
 * dismiss, the support page, the demo articles and the static assets. All of
 * them work without JavaScript. */
#ifndef PATRON_PAGES_H
#define PATRON_PAGES_H

#include <stdbool.h>
#include <stddef.h>

#include "patron/app.h"

void pt_pages_embed(struct pt_app *app, struct pt_request *request, struct pt_response *response);
void pt_pages_dismiss(struct pt_app *app, struct pt_request *request,
                      struct pt_response *response);
void pt_pages_support(struct pt_app *app, struct pt_request *request,
                      struct pt_response *response);
/* GET /support/quote: the support form's fields in the address, answered
 * with what would be charged ({"statement": "You will give $3.50 every
 * month", "confirm": token, ...}) or why not ({"error": {"field",
 * "message"}}, 422). The support page's script shows it as the reader types;
 * the token, sent back with the form, tells the server the reader saw it. */
/* GET /brand.css (the accent colour) and GET /brand/logo (404 when no logo
 * is configured): the newsroom's look, from patron itself. */
void pt_pages_brand_css(struct pt_app *app, struct pt_request *request,
                        struct pt_response *response);
void pt_pages_brand_logo(struct pt_app *app, struct pt_request *request,
                         struct pt_response *response);

void pt_pages_support_quote(struct pt_app *app, struct pt_request *request,
                            struct pt_response *response);
/* Serves a compiled-in file; the router calls it when pt_pages_is_asset says so. */
void pt_pages_asset(struct pt_app *app, struct pt_request *request, struct pt_response *response);
bool pt_pages_is_asset(const struct pt_app *app, const char *path);

/* Files compiled into the binary (generated from web/ at build time). */
struct pt_asset {
    const char *path;         /* "/widget.js" */
    const char *content_type;
    const unsigned char *data;
    size_t length;
    bool demo_only;           /* served only when demo_pages is on */
};
extern const struct pt_asset pt_assets[];
extern const size_t pt_asset_count;

/* The demo campaign document (generated from data/demo-campaign.json). */
extern const char pt_demo_campaign[];

#endif
