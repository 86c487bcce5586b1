#include "patron/routes.h"

#include <stdlib.h>
#include <string.h>

#include "patron/admin.h"
#include "patron/api.h"
#include "patron/app.h"
#include "patron/auth.h"
#include "patron/config.h"
#include "patron/crypto_routes.h"
#include "patron/dash_campaigns.h"
#include "patron/dash_bank.h"
#include "patron/dash_donors.h"
#include "patron/dash_reports.h"
#include "patron/dashboard.h"
#include "patron/http.h"
#include "patron/metrics.h"
#include "patron/newsletter_routes.h"
#include "patron/pages.h"
#include "patron/payment_routes.h"
#include "patron/reminder_routes.h"
#include "patron/router.h"
#include "patron/select.h"

enum auth {
    AUTH_NONE,
    AUTH_ADMIN_TOKEN, /* "Authorization: Bearer ADMIN_TOKEN" (pt_app_authorise) */
    AUTH_DASHBOARD,   /* the dashboard's form checks, no session: signing in */
    AUTH_VIEWER,      /* a signed-in dashboard session with at least this role */
    AUTH_EDITOR,
    AUTH_ADMIN,
};

/* A pool for a set of methods, in one byte per method: 0 answers the
 * request where it arrives, else the pool's index plus one. */
#define ON(pool) ((unsigned char)((pool) + 1))
#define POOL_ALL(pool)                                                                             \
    {                                                                                              \
        ON(pool), ON(pool), ON(pool), ON(pool), ON(pool), ON(pool), ON(pool)                       \
    }
#define POOL_POST(pool)                                                                            \
    {                                                                                              \
        [PT_METHOD_POST] = ON(pool)                                                                \
    }

struct route {
    struct pt_route match;  /* first: the router reads it */
    pt_app_handler handler; /* for AUTH_NONE, AUTH_ADMIN_TOKEN, AUTH_DASHBOARD */
    pt_dashboard_page page; /* for the dashboard's roles */
    enum auth auth;
    bool large_bodies; /* admin_body_limit once auth is known */
    bool json_errors;
    unsigned char pools[PT_METHOD_OTHER + 1]; /* see ON() */
};

#define EXACT PT_ROUTER_EXACT
#define SECTION PT_ROUTER_SECTION
#define PREFIX PT_ROUTER_PREFIX
#define GET PT_ROUTER_GET
#define GET_ONLY PT_ROUTER_METHOD(PT_METHOD_GET)
#define POST PT_ROUTER_POST
#define PUT PT_ROUTER_PUT
#define DELETE PT_ROUTER_DELETE
#define ANY PT_ROUTER_ANY_METHOD

static void not_found(struct pt_app *app, struct pt_request *request, struct pt_response *response)
{
    (void)app;
    pt_response_error(request, response, 404, "There is nothing at this address.");
}

/* Index 0 is the assets route, matched by pt_pages_is_asset before the
 * table; the first match decides, so a specific path comes before the
 * prefix that also holds it. */
#define MATCH(path, kind, methods, cors, label) .match = {path, kind, methods, cors, label}
/* clang-format off */
static const struct route routes[] = {
    {MATCH(NULL, EXACT, GET, false, "asset"), .handler = pt_pages_asset},
    {MATCH("/v1/appeal", EXACT, POST, true, "appeal"), .handler = pt_api_appeal, .json_errors = true},
    {MATCH("/v1/events", EXACT, POST, true, "events"), .handler = pt_api_events, .json_errors = true},
    {MATCH("/v1/stats", EXACT, GET, false, "stats"), .handler = pt_api_stats, .json_errors = true},
    {MATCH("/healthz", EXACT, GET, false, "healthz"), .handler = pt_api_healthz},
    {MATCH("/metrics", EXACT, GET, false, "metrics"), .handler = pt_api_metrics},
    {MATCH("/embed/appeal", EXACT, GET, false, "embed"), .handler = pt_pages_embed},
    {MATCH("/embed/dismiss", EXACT, POST, false, "dismiss"), .handler = pt_pages_dismiss},
    {MATCH("/embed/email", EXACT, GET, false, "embed_email"),
     .handler = pt_newsletter_routes_email},
    /* Only POSTs to /support reach the processor; its GET is a plain page.
     * pages.c's support page, after counting a newsletter link's click. */
    {MATCH("/support", EXACT, GET | POST, false, "support"),
     .handler = pt_newsletter_routes_support, .pools = POOL_POST(PT_ROUTES_POOL_READERS)},
    {MATCH("/support/quote", EXACT, GET, false, "support_quote"), .handler = pt_pages_support_quote},
    {MATCH("/brand.css", EXACT, GET, false, "brand_css"), .handler = pt_pages_brand_css},
    {MATCH("/brand/logo", EXACT, GET, false, "brand_logo"), .handler = pt_pages_brand_logo},
    {MATCH("/v1/reminders", EXACT, POST, true, "reminders"), .handler = pt_reminder_routes_api,
     .json_errors = true},
    {MATCH("/reminders", EXACT, POST, false, "reminders_form"), .handler = pt_reminder_routes_form},
    {MATCH("/reminders/cancel", EXACT, GET | POST, false, "reminders_cancel"),
     .handler = pt_reminder_routes_cancel},
    {MATCH("/thanks", EXACT, GET, false, "thanks"), .handler = pt_payment_routes_thanks,
     .pools = POOL_ALL(PT_ROUTES_POOL_READERS)},
    {MATCH("/v1/webhooks/stripe", EXACT, POST, false, "webhook"),
     .handler = pt_payment_routes_webhook, .json_errors = true,
     .pools = POOL_ALL(PT_ROUTES_POOL_WEBHOOKS)},
    {MATCH("/v1/webhooks/mollie", EXACT, POST, false, "webhook"),
     .handler = pt_payment_routes_webhook, .json_errors = true,
     .pools = POOL_ALL(PT_ROUTES_POOL_WEBHOOKS)},
    {MATCH("/v1/webhooks/btcpay", EXACT, POST, false, "webhook"),
     .handler = pt_payment_routes_webhook, .json_errors = true,
     .pools = POOL_ALL(PT_ROUTES_POOL_WEBHOOKS)},
    {MATCH("/crypto/month", EXACT, GET | POST, false, "crypto_month"),
     .handler = pt_crypto_routes_month, .pools = POOL_POST(PT_ROUTES_POOL_READERS)},
    {MATCH("/manage", EXACT, GET | POST, false, "manage"), .handler = pt_payment_routes_manage,
     .pools = POOL_ALL(PT_ROUTES_POOL_READERS)},
    {MATCH("/manage/lost", EXACT, GET | POST, false, "manage_lost"),
     .handler = pt_payment_routes_lost},
    {MATCH("/manage/magic", EXACT, GET | POST, false, "manage_magic"),
     .handler = pt_payment_routes_magic},
    {MATCH("/manage/code", EXACT, GET | POST, false, "manage_code"),
     .handler = pt_payment_routes_code, .pools = POOL_POST(PT_ROUTES_POOL_READERS)},
    {MATCH("/erase", EXACT, GET | POST, false, "erase"), .handler = pt_payment_routes_erase,
     .pools = POOL_POST(PT_ROUTES_POOL_READERS)},
    {MATCH("/supporter", EXACT, GET | POST, false, "supporter"),
     .handler = pt_payment_routes_supporter, .pools = POOL_POST(PT_ROUTES_POOL_READERS)},
    {MATCH("/supporter/device", EXACT, GET | POST, false, "supporter_device"),
     .handler = pt_payment_routes_supporter_device, .pools = POOL_POST(PT_ROUTES_POOL_READERS)},

    /* The admin API: the token before anything else is said, even 404. */
#define ADMIN(path, methods, function)                                                    \
    {MATCH("/v1/admin/" path, EXACT, methods, false, "admin"), .handler = function,         \
     .auth = AUTH_ADMIN_TOKEN, .large_bodies = true, .json_errors = true,                  \
     .pools = POOL_ALL(PT_ROUTES_POOL_STAFF)}
    /* GET without HEAD, as the API has always answered. */
    ADMIN("catalog", GET_ONLY | PUT, pt_admin_catalog),
    ADMIN("editor-links", POST, pt_admin_editor_links),
    ADMIN("campaigns", GET_ONLY | POST, pt_admin_campaigns),
    ADMIN("campaigns/*", GET_ONLY | PUT | DELETE, pt_admin_campaign),
    ADMIN("campaigns/*/live", POST, pt_admin_campaign_live),
    ADMIN("campaigns/*/end", POST, pt_admin_campaign_end),
    ADMIN("campaigns/*/draft", POST, pt_admin_campaign_draft),
    {MATCH("/v1/admin/", PREFIX, ANY, false, "admin"), .handler = not_found,
     .auth = AUTH_ADMIN_TOKEN, .json_errors = true, .pools = POOL_ALL(PT_ROUTES_POOL_STAFF)},
#undef ADMIN

    /* The dashboard works the database and, to sign in, argon2id: never on
     * the threads that answer readers; a flood of sign-ins (a quarter of a
     * second of hashing each) waits in its own pool while signed-in pages
     * go on. */
    {MATCH("/dashboard", EXACT, ANY, false, "dashboard"), .handler = pt_dashboard_root,
     .pools = POOL_ALL(PT_ROUTES_POOL_STAFF)},
    {MATCH("/dashboard/login", EXACT, GET | POST, false, "dashboard"),
     .handler = pt_dashboard_login, .auth = AUTH_DASHBOARD, .large_bodies = true,
     .pools = {[PT_METHOD_GET] = ON(PT_ROUTES_POOL_STAFF), [PT_METHOD_HEAD] = ON(PT_ROUTES_POOL_STAFF),
               [PT_METHOD_POST] = ON(PT_ROUTES_POOL_SIGN_IN)}},
#define DASH(path, kind, role, function)                                                  \
    {MATCH("/dashboard" path, kind, GET | POST, false, "dashboard"), .page = function,      \
     .auth = role, .large_bodies = true, .pools = POOL_ALL(PT_ROUTES_POOL_STAFF)}
    DASH("/", EXACT, AUTH_VIEWER, pt_dashboard_home),
    {MATCH("/dashboard/logout", EXACT, POST, false, "dashboard"), .page = pt_dashboard_logout,
     .auth = AUTH_VIEWER, .large_bodies = true, .pools = POOL_ALL(PT_ROUTES_POOL_STAFF)},
    DASH("/campaigns", SECTION, AUTH_EDITOR, pt_dash_campaigns),
    DASH("/reports", SECTION, AUTH_VIEWER, pt_dash_reports),
    DASH("/donors", SECTION, AUTH_ADMIN, pt_dash_donors),
    DASH("/bank", SECTION, AUTH_ADMIN, pt_dash_bank),
    DASH("/users", SECTION, AUTH_ADMIN, pt_dashboard_users),
    DASH("/audit", SECTION, AUTH_ADMIN, pt_dashboard_audit),
    DASH("/settings", SECTION, AUTH_ADMIN, pt_dashboard_settings),
    DASH("/", PREFIX, AUTH_VIEWER, pt_dashboard_not_found),
#undef DASH

    /* Any other path under /v1/ is a program's: its 404 is JSON. */
    {MATCH("/v1/", PREFIX, ANY, false, "unknown"), .handler = not_found, .json_errors = true},
};
/* clang-format on */
enum { ROUTE_COUNT = sizeof(routes) / sizeof(routes[0]) };

/* Metrics count a label once, however many routes carry it: the route's
 * metrics index is its label's first route's, and a path no route knows
 * counts as "unknown". */
static unsigned metrics_index[ROUTE_COUNT];
static unsigned unknown_index;

_Static_assert(PT_SELECT_CHOSEN == 0 && PT_SELECT_REASONS <= PT_METRICS_REASONS_MAX,
               "metrics count the engine's reasons by their number, 0 served");

void pt_routes_init(void)
{
    unsigned next = 0;
    for (unsigned i = 0; i < ROUTE_COUNT; i++) {
        metrics_index[i] = next;
        for (unsigned j = 0; j < i; j++) {
            if (strcmp(routes[j].match.label, routes[i].match.label) == 0) {
                metrics_index[i] = metrics_index[j];
                break;
            }
        }
        if (metrics_index[i] == next)
            pt_metrics_register_route(next++, routes[i].match.label);
    }
    unknown_index = next;
    for (unsigned i = 0; i < ROUTE_COUNT; i++) {
        if (strcmp(routes[i].match.label, "unknown") == 0)
            unknown_index = metrics_index[i];
    }
    if (unknown_index == next)
        pt_metrics_register_route(next, "unknown");
    /* The reasons for no appeal, as /metrics has always shown them (a
     * reader in a control share is counted as served nothing, not apart). */
    for (unsigned reason = PT_SELECT_NO_CAMPAIGN; reason <= PT_SELECT_SNOOZED; reason++)
        pt_metrics_register_appeal_reason(reason,
                                          pt_select_reason_name((enum pt_select_reason)reason));
}

static void find(const struct pt_app *app, const struct pt_request *request,
                 struct pt_router_match *match)
{
    if (pt_pages_is_asset(app, request->path)) {
        memset(match, 0, sizeof(*match));
        match->route = &routes[0].match;
        match->rest = "";
        match->result = routes[0].match.methods & PT_ROUTER_METHOD(request->method)
                            ? PT_ROUTER_FOUND
                            : PT_ROUTER_WRONG_METHOD;
        return;
    }
    pt_router_find(routes, ROUTE_COUNT, sizeof(routes[0]), request->method, request->path, match);
}

int pt_routes_pool_of(void *context, const struct pt_request *request)
{
    struct pt_router_match match;
    find(context, request, &match);
    if (match.result == PT_ROUTER_NOT_FOUND)
        return -1;
    unsigned char pool = routes[match.index].pools[request->method];
    return pool == 0 ? -1 : pool - 1;
}

bool pt_routes_json_errors(void *context, const struct pt_request *request)
{
    struct pt_router_match match;
    find(context, request, &match);
    return match.result != PT_ROUTER_NOT_FOUND && routes[match.index].json_errors;
}

size_t pt_routes_body_limit(void *context, const struct pt_request *request)
{
    struct pt_app *app = context;
    size_t small = (size_t)app->config->body_limit;
    struct pt_router_match match;
    find(app, request, &match);
    if (match.result == PT_ROUTER_NOT_FOUND || !routes[match.index].large_bodies)
        return small;
    /* A body that fits the small limit needs no check; a larger one (or one
     * of unknown length) is taken only from a caller known by its headers,
     * so that nobody can make the server hold megabytes before signing in. */
    const char *length = pt_http_header(request, "Content-Length");
    char *end = NULL;
    if (length != NULL && strtoull(length, &end, 10) <= small && end != length && *end == '\0')
        return small;
    bool known = false;
    if (routes[match.index].auth == AUTH_ADMIN_TOKEN) {
        const char *header = pt_http_header(request, "Authorization");
        known = app->config->admin_token[0] != '\0' && header != NULL &&
                strncmp(header, "Bearer ", 7) == 0 && pt_app_is_admin_token(app, header + 7);
    } else {
        known = pt_dashboard_signed_in(app, request);
    }
    return known ? (size_t)app->config->admin_body_limit : small;
}

static enum pt_auth_role role_of(enum auth auth)
{
    switch (auth) {
    case AUTH_EDITOR: return PT_AUTH_EDITOR;
    case AUTH_ADMIN: return PT_AUTH_ADMIN;
    default: return PT_AUTH_VIEWER;
    }
}

void pt_routes_dispatch(void *context, struct pt_request *request, struct pt_response *response)
{
    struct pt_app *app = context;
    struct pt_router_match match;
    find(app, request, &match);
    if (match.result == PT_ROUTER_NOT_FOUND) {
        request->route = unknown_index;
        not_found(app, request, response);
        return;
    }
    const struct route *route = &routes[match.index];
    request->route = metrics_index[match.index];
    if (match.param_count > 0)
        request->parameter =
            pt_arena_strndup(request->arena, match.params[0], match.param_lengths[0]);
    if (match.result == PT_ROUTER_PREFLIGHT) {
        pt_api_preflight(app, request, response);
        return;
    }
    if (match.result == PT_ROUTER_WRONG_METHOD) {
        pt_router_wrong_method(&route->match, request, response);
        return;
    }
    switch (route->auth) {
    case AUTH_NONE:
        route->handler(app, request, response);
        pt_app_onion_location(app, request, response);
        return;
    case AUTH_ADMIN_TOKEN:
        if (pt_app_authorise(app, request, response))
            route->handler(app, request, response);
        return;
    case AUTH_DASHBOARD:
        if (pt_dashboard_form_ok(request, response))
            route->handler(app, request, response);
        return;
    case AUTH_VIEWER:
    case AUTH_EDITOR:
    case AUTH_ADMIN:
        pt_dashboard_serve(app, request, response, role_of(route->auth), match.rest, route->page);
        return;
    }
}
