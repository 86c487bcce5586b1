/* The HTTP side of pledges: the thank-you page, the processor's webhook,
 * and the donor's manage pages (signed links, no account, no cookie). Every
 * page works without JavaScript; every change is a POST, so mail scanners
 * that open links change nothing. */
#ifndef PATRON_PAYMENT_ROUTES_H
#define PATRON_PAYMENT_ROUTES_H

#include <stdbool.h>
#include <stddef.h>

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
/* GET and POST /supporter: a supporter asks for a link, by email, that stops
 * the appeals on another device (the same answer for every address) */
void pt_payment_routes_supporter(struct pt_app *app, struct pt_request *request,
                                 struct pt_response *response);
/* GET and POST /supporter/device?t=...: GET shows a button and changes
 * nothing; POST marks this browser, in its own storage, as a supporter's */
void pt_payment_routes_supporter_device(struct pt_app *app, struct pt_request *request,
                                        struct pt_response *response);
/* GET and POST /manage/magic?token=...: a single-use sign-in link */
void pt_payment_routes_magic(struct pt_app *app, struct pt_request *request,
                             struct pt_response *response);

/* GET and POST /manage/code: a pledge's page opened with its manage code
 * (issue 14), typed into a form and POSTed, never in an address. */
void pt_payment_routes_code(struct pt_app *app, struct pt_request *request,
                            struct pt_response *response);
/* GET and POST /erase?t=...: the donor's own erasure, from any email. GET
 * shows what will happen; only the POST acts. */
void pt_payment_routes_erase(struct pt_app *app, struct pt_request *request,
                             struct pt_response *response);

/* How long the manage page opened with a code works without the code. */
#define PT_CODE_SESSION_SECONDS 3600

/* The Set-Cookie value that lets the thank-you page show the pledge's code
 * in the browser that made it (the support page sets it for a pledge made
 * without an address; the thank-you page clears it). */
#define PT_CODE_COOKIE_NAME_MAX 32
void pt_payment_routes_code_cookie(const struct pt_app *app, const struct pt_request *request,
                                   const char *pledge_id, bool clear, char *out, size_t out_size);
/* A cookie's value from a Cookie header, copied into value; false when it is
 * not there or does not fit. A parser of outside input:
 * tests/fuzz/fuzz_manage_code.c. */
bool pt_payment_routes_cookie(const char *header, const char *name, char *value, size_t value_size);

/* How often, at most, the thank-you page asks the processor about one
 * pledge that is still pending; every other hit is served from the ledger. */
#define PT_THANKS_CHECK_SECONDS 10

/* The thank-you page's record of which pledges it asked the processor about
 * and when, in memory only and bounded in size. */
struct pt_thanks_checks *pt_payment_routes_checks_new(void);
void pt_payment_routes_checks_free(struct pt_thanks_checks *checks);

#endif
