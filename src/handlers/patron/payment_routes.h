/* The HTTP side of pledges: the thank-you page, the processor's webhook,
 * and the donor's manage pages (signed links, no account, no cookie). Every
 * page works without JavaScript; every change is a POST, so mail scanners
 * that open links change nothing. */
#ifndef PATRON_PAYMENT_ROUTES_H
#define PATRON_PAYMENT_ROUTES_H

#include "patron/app.h"

/* GET /thanks?pledge=ID&session=CHECKOUT */
void pt_payment_routes_thanks(struct pt_app *app, struct pt_request *request,
                              struct pt_response *response);
/* POST /v1/webhooks/stripe */
void pt_payment_routes_webhook(struct pt_app *app, struct pt_request *request,
                               struct pt_response *response);
/* GET and POST /manage */
void pt_payment_routes_manage(struct pt_app *app, struct pt_request *request,
                              struct pt_response *response);
/* GET and POST /manage/lost: ask for a new link by email */
void pt_payment_routes_lost(struct pt_app *app, struct pt_request *request,
                            struct pt_response *response);
/* GET and POST /manage/magic?token=...: a single-use sign-in link */
void pt_payment_routes_magic(struct pt_app *app, struct pt_request *request,
                             struct pt_response *response);

/* How often, at most, the thank-you page asks the processor about one
 * pledge that is still pending; every other hit is served from the ledger. */
#define PT_THANKS_CHECK_SECONDS 10

/* The thank-you page's record of which pledges it asked the processor about
 * and when, in memory only and bounded in size. */
struct pt_thanks_checks *pt_payment_routes_checks_new(void);
void pt_payment_routes_checks_free(struct pt_thanks_checks *checks);

#endif
