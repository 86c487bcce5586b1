/* The running application: what every handler shares. main.c builds one
 * of these; routes.c maps a method and a path to a handler that takes it.
 * This header includes what the struct embeds and no more: a file includes
 * the modules it calls itself. */
#ifndef PATRON_APP_H
#define PATRON_APP_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "patron/brand.h"
#include "patron/catalog.h"
#include "patron/crypto.h"
#include "patron/events.h"
#include "patron/mail.h"
#include "patron/origins.h"

struct pt_auth;
struct pt_config;
struct pt_ledger;
struct pt_pay;
struct pt_processors;
struct pt_ratelimit;
struct pt_request;
struct pt_response;
struct pt_select_options;
struct pt_store;
struct pt_thanks_checks;

/* At most this many currencies on the support page. */
#define PT_APP_CURRENCIES_MAX 16

struct pt_app {
    const struct pt_config *config;
    struct pt_store *store;
    struct pt_events *events;
    struct pt_catalog_holder catalogs;
    struct pt_catalog_settings catalog_settings;
    char *embed_policy; /* the CSP of /embed/ documents, built from the config */
    char *form_policy;  /* the CSP of pages whose forms lead on to the processor */
    int64_t clock_offset; /* seconds added to the system clock (tests set it) */
    struct pt_crypto crypto; /* keys for donors' and readers' addresses */
    struct pt_mail_settings mail;
    struct pt_ratelimit *signups; /* reminder sign-ups per client */
    struct pt_ratelimit *pledge_attempts; /* support-page submissions per client */
    struct pt_ratelimit *admin_failures;  /* wrong admin tokens per client */
    struct pt_ratelimit *event_batches;   /* /v1/events batches per client */
    struct pt_processors *processors; /* which processor charges which currency; empty
                                         until one is configured */
    const char *currencies[PT_APP_CURRENCIES_MAX]; /* offered on the support page */
    size_t currency_count;
    struct pt_origins origins;  /* public_url's addresses, for what emails link to */
    struct pt_ledger *ledger;   /* pledges: checkouts, events, manage actions, the outbox */
    struct pt_auth *auth;       /* the dashboard's users and sessions */
    pthread_mutex_t auth_lock;  /* auth's SQLite connection serves one thread at a time */
    struct pt_brand brand;      /* the newsroom's accent and logo */
    struct pt_thanks_checks *thanks_checks; /* the thank-you page's processor reads */
    atomic_bool store_failing; /* the last write probe failed: /healthz answers 503 */
    /* One catalogue rebuild at a time: the main thread's periodic check, the
     * thread that hears other nodes' changes and the admin routes may all
     * ask at once, and an older build swapped in last would serve stale
     * campaigns until the next check. */
    pthread_mutex_t catalog_lock;
};

typedef void (*pt_app_handler)(struct pt_app *app, struct pt_request *request,
                               struct pt_response *response);

/* The editor's options from the query: force=CAMPAIGN:VARIANT, and
 * preview=TOKEN when TOKEN is a signed preview token (never the admin
 * token): for the forced campaign (that draft only), or for every draft.
 * debug is left to the caller. Strings live in the request's arena. */
void pt_app_editor_options(const struct pt_app *app, struct pt_request *request,
                           struct pt_select_options *options);

/* Whether readers in country ("RU", or a region "RU-MOW") keep nothing on
 * their device by default (no_trace_countries); false for "" (unknown). */
bool pt_app_no_trace_country(const struct pt_app *app, const char *country);

/* The reader's country or region from the header the proxy sets, upper-cased,
 * or "" when it is absent or malformed. */
void pt_app_reader_country(const struct pt_app *app, const struct pt_request *request,
                           char country[PT_COUNTRY_MAX]);

/* For admin routes: true when the request carries "Authorization: Bearer
 * ADMIN_TOKEN"; otherwise answers 401 (or 403 when no token is configured)
 * and returns false. A client that sent PT_APP_ADMIN_FAILURES wrong tokens
 * gets 429 (token right or wrong) until its allowance refills, one every
 * PT_APP_ADMIN_FAILURE_SECONDS / PT_APP_ADMIN_FAILURES seconds. */
#define PT_APP_ADMIN_FAILURES 10
#define PT_APP_ADMIN_FAILURE_SECONDS 60
bool pt_app_authorise(const struct pt_app *app, struct pt_request *request,
                      struct pt_response *response);

/* Who is asking, for rate limits only: the configured header's value behind
 * a proxy (its last entry, for a list such as X-Forwarded-For), else the
 * peer's address; an IPv6 address as its /64. Never stored or logged. */
void pt_app_client(const struct pt_app *app, const struct pt_request *request, char *out,
                   size_t size);

/* True for an address the pages may link back to: http or https, at most
 * 1024 bytes, no spaces, control characters, backslash or fragment, on the
 * newsroom's own sites: one of public_url's origins, or one that article_origins or
 * frame_ancestors names (CSP host-source syntax, "*.example.org" for any
 * subdomain). */
bool pt_app_is_return_url(const struct pt_app *app, const char *url);

/* The address of patron's that this request came on: the entry of public_url
 * whose host and port are the request's Host header (a mirror, an onion
 * address), else the primary (the first). Never the Host header itself, so
 * that no page links to an address the newsroom did not configure. Borrowed
 * from the config. */
const char *pt_app_origin(const struct pt_app *app, const struct pt_request *request);
/* The same for a Host header's value (NULL: the primary). A parser of
 * outside input: tests/fuzz/fuzz_origin.c. */
const char *pt_app_origin_for_host(const struct pt_app *app, const char *host);

/* Whether url is one of public_url's addresses (a pledge's stored origin). */
bool pt_app_is_origin(const struct pt_app *app, const char *url);

/* Pre-rendered bytes (an appeal's answer or frame, written for the primary
 * address) for the address this request came on: *body unchanged on the
 * primary, else a copy in the request's arena in which every link to the
 * primary address leads to the request's instead. */
void pt_app_rebase(const struct pt_app *app, struct pt_request *request, const char **body,
                   size_t *body_length);

/* An appeal's pre-rendered bytes (answer or frame) for the reader it was
 * chosen for: when its copy says {articles}, a copy in the request's arena
 * with this reader's count written in ("5 articles"); else unchanged. */
struct pt_selection;
void pt_app_count_articles(struct pt_request *request, const struct pt_selection *selection,
                           const char **body, size_t *body_length);

/* For a readers' HTML page read (GET) on a clearnet address while public_url
 * lists an onion one: adds "Onion-Location" naming the same page there, so
 * that Tor Browser offers it (docs/OPERATIONS.md). */
void pt_app_onion_location(const struct pt_app *app, struct pt_request *request,
                           struct pt_response *response);

/* CORS for the readers' API (the widget's /v1/ calls): with article_origins
 * empty, any site may read the answers ("*": they are not secret and carry
 * no credentials); once the newsroom lists its sites, exactly those, the
 * sites frame_ancestors names and public_url's addresses (the request's
 * Origin echoed, with Vary: Origin), and no other. */
void pt_app_cors(const struct pt_app *app, struct pt_request *request,
                 struct pt_response *response);

/* True when text is the admin token (compared in constant time). */
bool pt_app_is_admin_token(const struct pt_app *app, const char *text);

/* Counts one event (at unix time `when`) for a campaign's variant if the
 * catalogue in service knows both, so that a form cannot fill the database
 * with made-up names. campaign_id or variant_id NULL counts nothing. Returns
 * whether it was counted. */
bool pt_app_count_event(struct pt_app *app, const char *campaign_id, const char *variant_id,
                        enum pt_event_kind kind, int64_t when);

/* Keeps a catalogue reference until the answer has been sent (takes
 * ownership), through pt_http_on_done. */
void pt_app_hold_catalog(struct pt_request *request, struct pt_catalog *catalog);

/* Unix seconds, as the app sees them. */
int64_t pt_app_now(const struct pt_app *app);

/* Tries a small write to the store and records whether it worked, for
 * /healthz; says so in the log when that changes. Called by the main
 * thread between its waits, never by a request. */
void pt_app_check_store(struct pt_app *app);

/* Rebuilds the catalogue if the stored campaigns changed since the snapshot
 * in service (or always, when force is set). A catalogue that fails to build
 * is refused with a logged reason and the one in service stays. Any thread;
 * one rebuild at a time (catalog_lock). */
enum pt_status pt_app_reload_catalog(struct pt_app *app, bool force);

#endif
