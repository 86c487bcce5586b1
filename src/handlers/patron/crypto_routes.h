/* The link in a monthly crypto pledge's email (crypto_months.h): a GET
 * shows the amount and a button, a POST makes (or finds) that period's
 * BTCPay invoice and sends the donor to it, so that mail scanners that open
 * links make no invoice. */
#ifndef PATRON_CRYPTO_ROUTES_H
#define PATRON_CRYPTO_ROUTES_H

#include "patron/app.h"

/* GET and POST /crypto/month?t=... */
void pt_crypto_routes_month(struct pt_app *app, struct pt_request *request,
                            struct pt_response *response);

#endif
