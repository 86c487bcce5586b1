/* One call to a processor's HTTP API with libcurl: the request as given,
 * the answer's status and body back. The processors (stripe.c, mollie.c)
 * build their requests and read their answers; this holds what they share:
 * time limits, protocols, and no signals from libcurl in a threaded
 * server. */
#ifndef PATRON_WEBAPI_H
#define PATRON_WEBAPI_H

#include <stddef.h>

#include "patron/buf.h"
#include "patron/status.h"

struct pt_webapi_request {
    const char *method;        /* "GET", "POST", "PATCH", "DELETE" */
    const char *url;
    const char *const *headers;/* "Name: value" lines, NULL-terminated; may be NULL */
    const char *body;          /* NULL for none */
    size_t body_length;
    long timeout_ms;           /* the whole call, connecting included */
};

/* Performs the call. On PT_OK *http_status is the answer's status (any,
 * 4xx and 5xx included) and answer holds its body (appended). PT_ERR_IO
 * when no answer came (refused, timed out): error says why, naming who
 * (e.g. "Stripe"). */
enum pt_status pt_webapi_call(const struct pt_webapi_request *request, const char *who,
                              long *http_status, struct pt_buf *answer, char *error,
                              size_t error_size);

#endif
