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

/* Wakes the email sender after the ledger queued something. */
void pt_payment_routes_wake_outbox(struct pt_app *app);

#endif
