/* The newsletter appeal's pages: GET /embed/email, which a newsletter tool
 * fetches at send time (docs/API.md), and the count of readers who arrive
 * at the support page from one of its links. Rendering is the engine's
 * (newsletter.h); this reads the request and answers. */
#ifndef PATRON_NEWSLETTER_ROUTES_H
#define PATRON_NEWSLETTER_ROUTES_H

#include "patron/app.h"

/* GET /embed/email?campaign=ID[&lang=TAG][&variant=ID][&format=html|text]:
 * the campaign's appeal as email-safe HTML or plain text; 400 for a missing
 * campaign or an unknown format, 404 for a campaign that is unknown, not
 * live (draft, not started, ended), without that variant or without text in
 * that language, each with a message that says which. */
void pt_newsletter_routes_email(struct pt_app *app, struct pt_request *request,
                                struct pt_response *response);

/* /support (pages.h's pt_pages_support), after counting a click for the
 * campaign and variant when a GET comes from a newsletter's link
 * ("source=email"): the only way the newsletter's readers are counted
 * before they act, since email carries no script. Nothing about the reader
 * is kept. */
void pt_newsletter_routes_support(struct pt_app *app, struct pt_request *request,
                                  struct pt_response *response);

#endif
