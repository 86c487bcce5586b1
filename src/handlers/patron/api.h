/* The JSON API under /v1/ and the operational endpoints. */
#ifndef PATRON_API_H
#define PATRON_API_H

#include "patron/app.h"

void pt_api_appeal(struct pt_app *app, struct pt_request *request, struct pt_response *response);
void pt_api_events(struct pt_app *app, struct pt_request *request, struct pt_response *response);
void pt_api_stats(struct pt_app *app, struct pt_request *request, struct pt_response *response);
void pt_api_healthz(struct pt_app *app, struct pt_request *request, struct pt_response *response);
void pt_api_metrics(struct pt_app *app, struct pt_request *request, struct pt_response *response);
/* The CORS preflight answer for the widget's routes. */
void pt_api_preflight(struct pt_app *app, struct pt_request *request,
                      struct pt_response *response);

#endif
