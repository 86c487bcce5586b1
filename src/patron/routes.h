/* patron's one route table: for every address, the methods it takes, how it
 * is matched, its body limit, who may call it (anyone, the admin token, or a
 * dashboard role), the worker pool that answers it, CORS, JSON or HTML
 * errors, and its metrics label. main.c hands these functions to the HTTP
 * layer; router.c does the matching. */
#ifndef PATRON_ROUTES_H
#define PATRON_ROUTES_H

#include <stdbool.h>
#include <stddef.h>

struct pt_app;
struct pt_request;
struct pt_response;

/* The worker pools (pt_http_settings.pools, in this order): readers waiting
 * on the payment processor (/support's POST, /thanks, /manage), the
 * processor's webhooks, and the newsroom's staff (the admin API, the
 * dashboard), and dashboard sign-ins, whose password hashing must never
 * hold up signed-in staff. A hung processor fills the first and never holds
 * up the others. */
enum pt_routes_pool {
    PT_ROUTES_POOL_READERS,
    PT_ROUTES_POOL_WEBHOOKS,
    PT_ROUTES_POOL_STAFF,
    PT_ROUTES_POOL_SIGN_IN,
    PT_ROUTES_POOL_COUNT,
};

/* Registers the route labels with the metrics module; call once at start. */
void pt_routes_init(void);

/* The pt_http_dispatch function; context is the struct pt_app. */
void pt_routes_dispatch(void *context, struct pt_request *request, struct pt_response *response);

/* The pt_http_pool_of callback: the pool that answers a request, or -1. */
int pt_routes_pool_of(void *context, const struct pt_request *request);

/* The pt_http_body_limit callback: body_limit, or admin_body_limit for a
 * route that takes large bodies from a caller its headers authenticate (the
 * admin token, a signed-in dashboard session), checked before any of the
 * body is read. */
size_t pt_routes_body_limit(void *context, const struct pt_request *request);

/* The pt_http_json_errors callback: the route's choice; for a path no route
 * knows, JSON under /v1/. */
bool pt_routes_json_errors(void *context, const struct pt_request *request);

#endif
