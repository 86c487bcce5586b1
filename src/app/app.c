#include "patron/app.h"

#include <arpa/inet.h>
#include <malloc.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "patron/buf.h"
#include "patron/config.h"
#include "patron/http.h"
#include "patron/log.h"
#include "patron/placeholders.h"
#include "patron/preview.h"
#include "patron/ratelimit.h"
#include "patron/select.h"
#include "patron/store.h"

static void release_catalog(void *catalog)
{
    pt_catalog_release(catalog);
}

void pt_app_hold_catalog(struct pt_request *request, struct pt_catalog *catalog)
{
    pt_http_on_done(request, release_catalog, catalog);
}

bool pt_app_count_event(struct pt_app *app, const char *campaign_id, const char *variant_id,
                        enum pt_event_kind kind, int64_t when)
{
    if (app->events == NULL || campaign_id == NULL || variant_id == NULL)
        return false;
    struct pt_catalog *catalog = pt_catalog_holder_acquire(&app->catalogs);
    const struct pt_campaign *campaign = pt_catalog_find(catalog, campaign_id);
    bool counted =
        campaign != NULL && pt_campaign_find_variant(campaign, variant_id) != NULL &&
        pt_events_add(app->events, pt_events_day(when), campaign_id, variant_id, kind, 1);
    pt_catalog_release(catalog);
    return counted;
}

void pt_app_check_store(struct pt_app *app)
{
    bool failing = pt_store_write_probe(app->store, pt_app_now(app)) != PT_OK;
    bool was = atomic_exchange(&app->store_failing, failing);
    if (failing && !was)
        pt_log(PT_LOG_ERROR, "the database cannot be written (see above); /healthz answers "
                             "503 until it can");
    else if (!failing && was)
        pt_log(PT_LOG_INFO, "the database can be written again");
}

int64_t pt_app_now(const struct pt_app *app)
{
    return (int64_t)time(NULL) + app->clock_offset;
}

/* ------------------------------------------------------ return addresses */

/* An origin as the pieces a comparison needs: a scheme, a host (not
 * terminated; compared case-insensitively) and a port (-1: any). */
struct origin {
    bool https;
    bool any_scheme; /* a source without a scheme: http or https */
    const char *host;
    size_t host_length;
    long port;       /* -1: any */
    bool port_given; /* otherwise the default port of the scheme matched */
};

static long default_port(bool https)
{
    return https ? 443 : 80;
}

/* Reads "[scheme://]host[:port][/...]" from text (length bytes). A URL needs
 * its scheme (is_url); a source may leave it out, may name any port (":*")
 * and a host "*.example.org" (any subdomain). false for anything else,
 * userinfo ("user@host") included. */
static bool read_origin(const char *text, size_t length, bool is_url, struct origin *out)
{
    memset(out, 0, sizeof(*out));
    const char *end = text + length;
    const char *p = text;
    if (length > 8 && strncasecmp(p, "https://", 8) == 0) {
        out->https = true;
        p += 8;
    } else if (length > 7 && strncasecmp(p, "http://", 7) == 0) {
        p += 7;
    } else if (is_url || memchr(text, ':', length) == p + length - 1 ||
               memmem(text, length, "://", 3) != NULL) {
        return false; /* another scheme, or a scheme-only source such as "https:" */
    } else {
        out->any_scheme = true;
    }
    const char *authority_end = p;
    while (authority_end < end && *authority_end != '/' && *authority_end != '?' &&
           *authority_end != '#')
        authority_end++;
    if (memchr(p, '@', (size_t)(authority_end - p)) != NULL)
        return false;
    const char *host_end = p;
    if (p < authority_end && *p == '[') {
        host_end = memchr(p, ']', (size_t)(authority_end - p));
        if (host_end == NULL)
            return false;
        host_end++;
    } else {
        while (host_end < authority_end && *host_end != ':')
            host_end++;
    }
    out->host = p;
    out->host_length = (size_t)(host_end - p);
    if (out->host_length == 0)
        return false;
    out->port = default_port(out->https);
    if (host_end == authority_end)
        return true;
    out->port_given = true;
    if (*host_end != ':' || host_end + 1 == authority_end)
        return false;
    const char *digits = host_end + 1;
    if (!is_url && authority_end - digits == 1 && *digits == '*') {
        out->port = -1;
        return true;
    }
    long port = 0;
    for (const char *d = digits; d < authority_end; d++) {
        if (*d < '0' || *d > '9' || port > 65535)
            return false;
        port = port * 10 + (*d - '0');
    }
    out->port = port;
    return port > 0 && port <= 65535;
}

/* Whether a URL's origin is one a source (CSP host-source rules) allows:
 * an http source also allows https, a source without a scheme either; a
 * source without a port allows the URL scheme's default one. */
static bool origin_allows(const struct origin *source, const struct origin *url)
{
    if (!source->any_scheme && source->https && !url->https)
        return false;
    long port = source->port_given ? source->port : default_port(url->https);
    if (port != -1 && port != url->port)
        return false;
    if (source->host_length > 2 && strncmp(source->host, "*.", 2) == 0) {
        size_t suffix = source->host_length - 1; /* ".example.org" */
        return url->host_length > suffix &&
               strncasecmp(url->host + url->host_length - suffix, source->host + 1, suffix) == 0;
    }
    return source->host_length == url->host_length &&
           strncasecmp(source->host, url->host, url->host_length) == 0;
}

/* Whether any source in a space-separated list allows the URL. Keywords
 * ('self', 'none') and wildcards that name no site ("*", "https:") allow
 * nothing here. */
static bool listed(const char *list, const struct origin *url)
{
    const char *p = list;
    while (*p != '\0') {
        while (*p == ' ' || *p == '\t')
            p++;
        size_t length = strcspn(p, " \t");
        struct origin source;
        if (length > 0 && *p != '\'' && !(length == 1 && *p == '*') &&
            read_origin(p, length, false, &source) && origin_allows(&source, url))
            return true;
        p += length;
    }
    return false;
}

bool pt_app_is_return_url(const struct pt_app *app, const char *url)
{
    if (url == NULL || strlen(url) > 1024 ||
        (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0))
        return false;
    for (const unsigned char *p = (const unsigned char *)url; *p; p++) {
        if (*p <= 0x20 || *p == 0x7f || *p == '"' || *p == '<' || *p == '>' || *p == '#' ||
            *p == '\\')
            return false;
    }
    /* Only the newsroom's own sites: a link to anywhere else, under the
     * newsroom's name and after a payment, is a phishing page's dream. */
    struct origin origin;
    if (!read_origin(url, strlen(url), true, &origin))
        return false;
    for (size_t i = 0; i < app->config->public_url_count; i++) {
        const char *public_url = app->config->public_url_list[i];
        struct origin own;
        if (read_origin(public_url, strlen(public_url), true, &own) && origin_allows(&own, &origin))
            return true;
    }
    return listed(app->config->article_origins, &origin) ||
           listed(app->config->frame_ancestors, &origin);
}

void pt_app_cors(const struct pt_app *app, struct pt_request *request,
                 struct pt_response *response)
{
    if (app->config->article_origins[0] == '\0') {
        pt_response_header(response, "Access-Control-Allow-Origin", "*");
        return;
    }
    /* One answer for every origin would let a cache hand one site's
     * permission to another. */
    pt_response_header(response, "Vary", "Origin");
    const char *origin = pt_http_header(request, "Origin");
    if (origin != NULL && pt_app_is_return_url(app, origin))
        pt_response_header(response, "Access-Control-Allow-Origin",
                           pt_arena_strndup(request->arena, origin, strlen(origin)));
}

const char *pt_app_origin(const struct pt_app *app, const struct pt_request *request)
{
    return pt_app_origin_for_host(app, pt_http_header(request, "Host"));
}

const char *pt_app_origin_for_host(const struct pt_app *app, const char *host)
{
    const struct pt_config *config = app->config;
    struct origin asked;
    if (config->public_url_count < 2 || host == NULL ||
        !read_origin(host, strlen(host), false, &asked) || asked.port == -1)
        return config->public_url;
    for (size_t i = 0; i < config->public_url_count; i++) {
        const char *url = config->public_url_list[i];
        struct origin own;
        /* "Host: mirror.example" is https://mirror.example behind a TLS
         * proxy: without a port, the address must name none either. */
        if (read_origin(url, strlen(url), true, &own) && own.host_length == asked.host_length &&
            strncasecmp(own.host, asked.host, own.host_length) == 0 &&
            (asked.port_given ? own.port == asked.port : !own.port_given))
            return url;
    }
    return config->public_url;
}

bool pt_app_is_origin(const struct pt_app *app, const char *url)
{
    for (size_t i = 0; url != NULL && i < app->config->public_url_count; i++) {
        if (strcmp(url, app->config->public_url_list[i]) == 0)
            return true;
    }
    return false;
}

/* A character that may go on an address: after the primary address, one of
 * these means a longer one ("http://host:80" in "http://host:8080"). */
static bool continues_address(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-' || c == ':' || c == '_';
}

void pt_app_rebase(const struct pt_app *app, struct pt_request *request, const char **body,
                   size_t *body_length)
{
    const char *origin = pt_app_origin(app, request);
    const char *primary = app->config->public_url;
    if (origin == primary)
        return;
    size_t primary_length = strlen(primary), origin_length = strlen(origin);
    struct pt_buf out;
    pt_buf_init(&out);
    const char *p = *body, *end = *body + *body_length;
    for (;;) {
        const char *found = memmem(p, (size_t)(end - p), primary, primary_length);
        if (found == NULL)
            break;
        const char *after = found + primary_length;
        pt_buf_append(&out, p, (size_t)(after - p) - primary_length);
        if (after < end && continues_address(*after))
            pt_buf_append(&out, primary, primary_length);
        else
            pt_buf_append(&out, origin, origin_length);
        p = after;
    }
    pt_buf_append(&out, p, (size_t)(end - p));
    *body = pt_arena_strndup(request->arena, out.data != NULL ? out.data : "", out.length);
    *body_length = out.length;
    pt_buf_dispose(&out);
}

void pt_app_count_articles(struct pt_request *request, const struct pt_selection *selection,
                           const char **body, size_t *body_length)
{
    if (selection->reason != PT_SELECT_CHOSEN || !selection->text->counts_articles)
        return;
    char count[PT_PLACEHOLDER_COUNT_MAX];
    size_t count_length =
        pt_placeholders_count(count, selection->articles, selection->text->language);
    size_t length = pt_placeholders_filled_length(*body, *body_length, count_length);
    char *filled = pt_arena_alloc(request->arena, length + 1);
    pt_placeholders_fill_articles(*body, *body_length, count, count_length, filled);
    filled[length] = '\0';
    *body = filled;
    *body_length = length;
}

static bool is_onion(const char *url)
{
    struct origin origin;
    return read_origin(url, strlen(url), true, &origin) && origin.host_length > 6 &&
           strncasecmp(origin.host + origin.host_length - 6, ".onion", 6) == 0;
}

void pt_app_onion_location(const struct pt_app *app, struct pt_request *request,
                           struct pt_response *response)
{
    const struct pt_config *config = app->config;
    /* A page Tor Browser could open there: a read of an HTML page. */
    if (config->public_url_count < 2 || response->content_type == NULL ||
        strncmp(response->content_type, "text/html", 9) != 0 ||
        (request->method != PT_METHOD_GET && request->method != PT_METHOD_HEAD))
        return;
    const char *onion = NULL;
    for (size_t i = 0; onion == NULL && i < config->public_url_count; i++) {
        if (is_onion(config->public_url_list[i]))
            onion = config->public_url_list[i];
    }
    const char *origin = pt_app_origin(app, request);
    if (onion == NULL || is_onion(origin))
        return;
    /* The same page there: patron's routes are the same on every address. */
    struct pt_buf location;
    pt_buf_init(&location);
    pt_buf_puts(&location, onion);
    pt_buf_puts(&location, request->path);
    pt_http_query_string(request, &location);
    pt_response_header(response, "Onion-Location",
                       pt_arena_strndup(request->arena, location.data, location.length));
    pt_buf_dispose(&location);
}

bool pt_app_is_admin_token(const struct pt_app *app, const char *text)
{
    const char *token = app->config->admin_token;
    size_t length = strlen(token);
    return length > 0 && text != NULL && strlen(text) == length &&
           sodium_memcmp(text, token, length) == 0;
}

bool pt_app_authorise(const struct pt_app *app, struct pt_request *request,
                      struct pt_response *response)
{
    if (app->config->admin_token[0] == '\0') {
        pt_response_error(request, response, 403,
                          "The admin API is off: set admin_token in the configuration.");
        return false;
    }
    /* Guesses are limited per client, and checked before the token, so that
     * a client over its allowance learns nothing even from the right one. */
    char client[64];
    pt_app_client(app, request, client, sizeof(client));
    int64_t now_ms = pt_app_now(app) * 1000;
    if (app->admin_failures != NULL && !pt_ratelimit_peek(app->admin_failures, client, now_ms)) {
        pt_response_error(request, response, 429,
                          "Too many wrong admin tokens from here. Wait a minute and try again.");
        pt_response_header(response, "Retry-After", "10");
        return false;
    }
    const char *header = pt_http_header(request, "Authorization");
    if (header == NULL || strncmp(header, "Bearer ", 7) != 0 ||
        !pt_app_is_admin_token(app, header + 7)) {
        /* A request without the header at all is not a guess. */
        if (header != NULL && app->admin_failures != NULL)
            (void)pt_ratelimit_allow(app->admin_failures, client, now_ms);
        pt_response_error(request, response, 401, "A valid admin token is needed.");
        pt_response_header(response, "WWW-Authenticate", "Bearer");
        return false;
    }
    return true;
}

/* An IPv6 address names one of the 2^64 a single subscriber usually holds:
 * limits count the /64, or one client could take a fresh address for every
 * try. Anything that is not IPv6 is left as it is. */
static void group_ipv6(char *address, size_t size)
{
    struct in6_addr parsed;
    if (strchr(address, ':') == NULL || inet_pton(AF_INET6, address, &parsed) != 1)
        return;
    memset(parsed.s6_addr + 8, 0, 8);
    char text[INET6_ADDRSTRLEN];
    if (inet_ntop(AF_INET6, &parsed, text, sizeof(text)) != NULL)
        snprintf(address, size, "%s/64", text);
}

void pt_app_client(const struct pt_app *app, const struct pt_request *request, char *out,
                   size_t size)
{
    const char *header = app->config->client_address_header;
    const char *value = header[0] != '\0' ? pt_http_header(request, header) : NULL;
    if (value != NULL) {
        /* A list (X-Forwarded-For: "what the client claimed, ..., what our
         * proxy saw"): only the last entry was written by the proxy; the
         * others are the client's to choose, so they must not make a new
         * client of every request. */
        const char *last = strrchr(value, ',');
        last = last != NULL ? last + 1 : value;
        while (*last == ' ' || *last == '\t')
            last++;
        size_t length = strlen(last);
        while (length > 0 && (last[length - 1] == ' ' || last[length - 1] == '\t'))
            length--;
        snprintf(out, size, "%.*s", (int)length, last);
    } else {
        pt_http_peer_address(request, out, size);
    }
    group_ipv6(out, size);
}

void pt_app_editor_options(const struct pt_app *app, struct pt_request *request,
                           struct pt_select_options *options)
{
    memset(options, 0, sizeof(*options));
    const char *force = pt_http_query(request, "force");
    const char *colon = force ? strchr(force, ':') : NULL;
    if (colon != NULL && colon > force && strlen(colon + 1) > 0 &&
        (size_t)(colon - force) < PT_ID_MAX && strlen(colon + 1) < PT_ID_MAX) {
        options->force_campaign = pt_arena_strndup(request->arena, force, (size_t)(colon - force));
        options->force_variant = pt_arena_strndup(request->arena, colon + 1, strlen(colon + 1));
    }
    /* Only short-lived signed tokens, never the admin token: these travel
     * in an article's address, and from there into CMS and CDN logs. The
     * editor's "Open on my article" link shows its own campaign, forced, and
     * no other draft; the admin API's link for every draft lets all take
     * part. */
    const char *preview = pt_http_query(request, "preview");
    char campaign[PT_ID_MAX];
    if (pt_preview_check(&app->crypto, preview, pt_app_now(app), campaign) == PT_OK)
        options->preview =
            strcmp(campaign, PT_PREVIEW_ALL) == 0 ||
            (options->force_campaign != NULL && strcmp(campaign, options->force_campaign) == 0);
}

bool pt_app_no_trace_country(const struct pt_app *app, const char *country)
{
    if (country[0] == '\0')
        return false;
    /* Checked at start: two-letter codes, separated by spaces or commas. */
    for (const char *p = app->config->no_trace_countries; *p != '\0'; p++) {
        if (*p == ' ' || *p == ',')
            continue;
        if ((p[0] & ~0x20) == country[0] && (p[1] & ~0x20) == country[1])
            return true;
        while (p[1] != '\0' && p[1] != ' ' && p[1] != ',')
            p++;
    }
    return false;
}

void pt_app_reader_country(const struct pt_app *app, const struct pt_request *request,
                           char country[PT_COUNTRY_MAX])
{
    country[0] = '\0';
    if (app->config->country_header[0] == '\0')
        return;
    const char *value = pt_http_header(request, app->config->country_header);
    if (value == NULL)
        return;
    size_t length = strlen(value);
    if (length != 2 && (length < 4 || length >= PT_COUNTRY_MAX))
        return;
    for (size_t i = 0; i < length; i++) {
        char c = value[i];
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        bool ok = i < 2    ? (c >= 'A' && c <= 'Z')
                  : i == 2 ? c == '-'
                           : ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'));
        if (!ok) {
            country[0] = '\0';
            return;
        }
        country[i] = c;
    }
    country[length] = '\0';
}

static enum pt_status reload_catalog(struct pt_app *app, bool force)
{
    int64_t version = 0;
    enum pt_status status = pt_store_catalog_version(app->store, &version);
    if (status)
        return status;
    struct pt_catalog *current = pt_catalog_holder_acquire(&app->catalogs);
    bool changed = current->version != version;
    pt_catalog_release(current);
    if (!changed && !force)
        return PT_OK;
    struct pt_catalog *next = NULL;
    char error[512];
    status = pt_store_load_catalog(app->store, &app->catalog_settings, &next, error, sizeof(error));
    if (status) {
        pt_log(PT_LOG_WARNING,
               "the changed campaigns were refused, the previous ones stay "
               "in service: %s",
               error);
        return status;
    }
    pt_catalog_holder_swap(&app->catalogs, next);
    /* Building parsed and rendered a whole catalogue, on whichever thread
     * asked; give what it freed back to the system rather than keep it in
     * that thread's malloc arena. */
    malloc_trim(0);
    return PT_OK;
}

enum pt_status pt_app_reload_catalog(struct pt_app *app, bool force)
{
    pthread_mutex_lock(&app->catalog_lock);
    enum pt_status status = reload_catalog(app, force);
    pthread_mutex_unlock(&app->catalog_lock);
    return status;
}
