#include "patron/http.h"

#include <arpa/inet.h>
#include <assert.h>
#include <ctype.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "patron/buf.h"
#include "patron/log.h"
#include "patron/metrics.h"

struct request_state;

/* A pool's slow requests wait here for one of its workers; their connection
 * is suspended meanwhile. */
struct slow_pool {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    struct request_state *head, *tail;
    int waiting;     /* requests in the queue, not yet taken by a worker */
    int busy;        /* workers answering a request */
    int queue_limit; /* how many may wait when no worker is idle */
    bool stopping;   /* set once at shutdown: nothing more is queued */
    pthread_t *workers;
    int worker_count;
    struct pt_http_server *server;
};

struct pt_http_server {
    struct MHD_Daemon *daemon;
    struct pt_http_settings settings;
    pt_http_dispatch dispatch;
    void *context;
    int port;
    struct slow_pool pools[PT_HTTP_POOLS_MAX];
    int pool_count;
    char retry_after[16];
    /* At shutdown: set before the answers in progress are waited for; a
     * request that arrives later is answered 503 and not acted on. */
    atomic_bool draining;
    /* Requests acted on (or queued to be) whose answer is not yet sent:
     * the daemon is stopped only once they are, or a client would find its
     * request done and the answer lost (and send it again elsewhere). */
    atomic_int answering;
};

/* Everything one request owns. It lives as long as its connection and is
 * reset between requests, so a keep-alive connection's requests reuse one
 * arena and one body buffer and allocate nothing from the system. */
struct request_state {
    struct pt_request request;
    struct pt_arena arena;
    char *body; /* grows to the largest body seen on the connection */
    size_t body_length, body_capacity;
    uint64_t started_us;
    int status;
    bool answered;
    bool in_use; /* between a request's first callback and its completion */
    /* A slow request: answered by a worker while the connection waits. */
    struct MHD_Connection *connection;
    struct pt_response deferred;
    bool deferred_ready;
    struct request_state *next_slow;
    /* The body is over its limit and is read and thrown away before the 413
     * is sent (see DISCARD_MAX). */
    bool discarding;
    size_t body_limit; /* for this request, chosen from its headers */
    bool counted; /* in server->answering until its completion */
};

static void on_connection(void *context, struct MHD_Connection *connection,
                          void **socket_context, enum MHD_ConnectionNotificationCode code)
{
    (void)context, (void)connection;
    struct request_state *state = *socket_context;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        state = calloc(1, sizeof(*state));
        if (state != NULL)
            pt_arena_init(&state->arena);
        *socket_context = state;
    } else if (state != NULL) {
        pt_arena_dispose(&state->arena);
        free(state->body);
        free(state);
        *socket_context = NULL;
    }
}

static uint64_t now_us(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000u + (uint64_t)now.tv_nsec / 1000u;
}

/* --------------------------------------------------------------- helpers */

const char *pt_http_query(const struct pt_request *request, const char *name)
{
    return MHD_lookup_connection_value(request->connection, MHD_GET_ARGUMENT_KIND, name);
}

struct query_string {
    struct pt_buf *out;
    bool first;
};

static enum MHD_Result append_argument(void *context, enum MHD_ValueKind kind, const char *name,
                                       const char *value)
{
    (void)kind;
    struct query_string *query = context;
    pt_buf_puts(query->out, query->first ? "?" : "&");
    query->first = false;
    pt_buf_url(query->out, name);
    if (value != NULL) {
        pt_buf_puts(query->out, "=");
        pt_buf_url(query->out, value);
    }
    return MHD_YES;
}

void pt_http_query_string(const struct pt_request *request, struct pt_buf *out)
{
    struct query_string query = {out, true};
    MHD_get_connection_values(request->connection, MHD_GET_ARGUMENT_KIND, append_argument, &query);
}

const char *pt_http_header(const struct pt_request *request, const char *name)
{
    return MHD_lookup_connection_value(request->connection, MHD_HEADER_KIND, name);
}

void pt_http_peer_address(const struct pt_request *request, char *out, size_t size)
{
    out[0] = '\0';
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(request->connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (info == NULL || info->client_addr == NULL)
        return;
    const struct sockaddr *address = info->client_addr;
    if (address->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)address)->sin_addr, out,
                  (socklen_t)size);
    else if (address->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)address)->sin6_addr, out,
                  (socklen_t)size);
}

const char *pt_http_form(const struct pt_request *request, const char *name)
{
    for (size_t i = 0; i < request->form_count; i++) {
        if (strcmp(request->form[i].name, name) == 0)
            return request->form[i].value;
    }
    return NULL;
}

void pt_http_on_done(struct pt_request *request, void (*run)(void *argument), void *argument)
{
    /* A request asks for one or two; running out is a programming error
     * that would otherwise leak, so it is run now rather than lost. */
    if (request->done_count == PT_HTTP_DONE_MAX) {
        pt_log(PT_LOG_ERROR, "a request asked for more than %d cleanups", PT_HTTP_DONE_MAX);
        abort();
    }
    request->done[request->done_count].run = run;
    request->done[request->done_count].argument = argument;
    request->done_count++;
}

static void run_done(struct pt_request *request)
{
    for (size_t i = 0; i < request->done_count; i++)
        request->done[i].run(request->done[i].argument);
    request->done_count = 0;
}

void pt_response_header(struct pt_response *response, const char *name, const char *value)
{
    for (size_t i = 0; i < response->header_count; i++) {
        if (strcasecmp(response->header_names[i], name) == 0) {
            response->header_values[i] = value;
            return;
        }
    }
    /* A header past the room could be the CSP or the cache rule: a bug to
     * stop in the tests, and to say out loud in a release build. */
    assert(response->header_count < PT_RESPONSE_HEADERS_MAX && "raise PT_RESPONSE_HEADERS_MAX");
    if (response->header_count == PT_RESPONSE_HEADERS_MAX) {
        pt_log(PT_LOG_ERROR, "a response had no room for its header %s; it went without", name);
        return;
    }
    response->header_names[response->header_count] = name;
    response->header_values[response->header_count] = value;
    response->header_count++;
}

void pt_response_text(struct pt_request *request, struct pt_response *response, int status,
                      const char *content_type, const char *body, size_t length)
{
    response->status = status;
    response->content_type = content_type;
    response->body = pt_arena_strndup(request->arena, body, length);
    response->body_length = length;
}

static const char *error_code(int status)
{
    switch (status) {
    case 400: return "bad_request";
    case 401: return "unauthorized";
    case 403: return "forbidden";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 413: return "too_large";
    case 415: return "unsupported_media_type";
    case 422: return "invalid";
    case 429: return "too_many_requests";
    case 501: return "not_implemented";
    case 503: return "unavailable";
    default: return status >= 500 ? "internal" : "error";
    }
}

/* A language tag fit for an attribute: letters and hyphens, short. */
static bool language_tag(const char *tag)
{
    size_t length = tag != NULL ? strlen(tag) : 0;
    if (length == 0 || length > 15)
        return false;
    for (size_t i = 0; i < length; i++)
        if (!isalpha((unsigned char)tag[i]) && tag[i] != '-')
            return false;
    return true;
}

void pt_response_error(struct pt_request *request, struct pt_response *response, int status,
                       const char *message)
{
    pt_response_error_in(request, response, status, "en", message);
}

void pt_response_error_in(struct pt_request *request, struct pt_response *response, int status,
                          const char *language, const char *message)
{
    struct pt_buf body;
    pt_buf_init(&body);
    if (request->json_errors) {
        pt_buf_puts(&body, "{\"error\":{\"code\":\"");
        pt_buf_puts(&body, error_code(status));
        pt_buf_puts(&body, "\",\"message\":");
        pt_buf_json_str(&body, message);
        pt_buf_puts(&body, "}}");
        pt_response_text(request, response, status, "application/json", body.data, body.length);
    } else {
        pt_buf_printf(&body,
                      "<!doctype html><html lang=\"%s\"><head><meta charset=\"utf-8\">"
                      "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
                      "<title>%d</title><link rel=\"stylesheet\" href=\"/page.css\"></head>"
                      "<body class=\"patron-page\"><main><h1>",
                      language_tag(language) ? language : "en", status);
        pt_buf_html_str(&body, message);
        pt_buf_puts(&body, "</h1></main></body></html>\n");
        pt_response_text(request, response, status, "text/html; charset=utf-8", body.data,
                         body.length);
    }
    pt_buf_dispose(&body);
}

/* ------------------------------------------------------------- answering */

static const char default_html_policy[] =
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
static const char default_data_policy[] = "default-src 'none'; frame-ancestors 'none'";

static enum MHD_Result queue(struct MHD_Connection *connection, struct request_state *state,
                             struct pt_response *response)
{
    struct MHD_Response *answer = MHD_create_response_from_buffer(
        response->body_length, (void *)(response->body ? response->body : ""),
        MHD_RESPMEM_PERSISTENT);
    if (answer == NULL)
        return MHD_NO;
    bool has_policy = false;
    for (size_t i = 0; i < response->header_count; i++) {
        MHD_add_response_header(answer, response->header_names[i], response->header_values[i]);
        has_policy = has_policy ||
                     strcasecmp(response->header_names[i], "Content-Security-Policy") == 0;
    }
    const char *type = response->content_type ? response->content_type : "text/plain";
    MHD_add_response_header(answer, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(answer, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(answer, "Referrer-Policy", "no-referrer");
    if (!has_policy)
        MHD_add_response_header(answer, "Content-Security-Policy",
                                strncmp(type, "text/html", 9) == 0 ? default_html_policy
                                                                   : default_data_policy);
    state->status = response->status;
    state->answered = true;
    enum MHD_Result result = MHD_queue_response(connection, (unsigned)response->status, answer);
    MHD_destroy_response(answer);
    return result;
}

static enum MHD_Result reject(struct MHD_Connection *connection, struct request_state *state,
                              int status, const char *message)
{
    struct pt_response response;
    memset(&response, 0, sizeof(response));
    pt_response_error(&state->request, &response, status, message);
    return queue(connection, state, &response);
}

/* A request whose framing is refused: its body's end is unknown, or may be
 * read differently by a proxy, so nothing after the headers on this
 * connection may be taken as another request. */
static enum MHD_Result reject_framing(struct MHD_Connection *connection,
                                      struct request_state *state, int status,
                                      const char *message)
{
    struct pt_response response;
    memset(&response, 0, sizeof(response));
    pt_response_error(&state->request, &response, status, message);
    pt_response_header(&response, "Connection", "close");
    return queue(connection, state, &response);
}

/* ------------------------------------------------------------ the checks */

struct framing {
    int content_length_headers;
    int transfer_encoding_headers;
    const char *content_length;
    const char *transfer_encoding;
    bool folded; /* a header line continued on the next (obs-fold) */
};

/* RFC 9110 token characters, the only ones a header's name may have. */
static bool is_token(const char *text)
{
    if (*text == '\0')
        return false;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (!isalnum(*p) && strchr("!#$%&'*+-.^_`|~", *p) == NULL)
            return false;
    }
    return true;
}

static enum MHD_Result count_framing(void *context, enum MHD_ValueKind kind, const char *key,
                                     const char *value)
{
    (void)kind;
    struct framing *framing = context;
    if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
        framing->content_length_headers++;
        framing->content_length = value;
    } else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
        framing->transfer_encoding_headers++;
        framing->transfer_encoding = value;
    } else if (!is_token(key) ||
               strncasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH,
                           strlen(MHD_HTTP_HEADER_CONTENT_LENGTH)) == 0 ||
               strncasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING,
                           strlen(MHD_HTTP_HEADER_TRANSFER_ENCODING)) == 0) {
        /* libmicrohttpd 0.9.75 joins a folded line (one that starts with a
         * space or a tab) onto the header's name: "X-A: 1", " Content-Length:
         * 40" arrives as the name "X-AContent-Length: 40", and
         * "Content-Length:", " 40" as "Content-Length40". Either way the body
         * would be read as the next request, while a proxy may have read the
         * length: refuse what a name cannot hold, and any name that starts as
         * a framing header's and goes on. */
        framing->folded = true;
    }
    return MHD_YES;
}

/* A client that is still sending its body when the server answers and closes
 * gets a reset, and most clients then report a network error instead of the
 * 413. So a body over its limit but at most this long is read, thrown away
 * (it costs bandwidth, never memory) and then answered; a longer one is
 * answered at once and the connection closed, as is any client that asked
 * "Expect: 100-continue" and so has not sent its body yet. */
enum { DISCARD_MAX = 4 * 1024 * 1024 };

static const char too_large_message[] = "The request body is larger than this server accepts.";

/* Refuses what could smuggle a request past a proxy, and bodies over the
 * limit when their size is declared. Returns 0 to go on, else the status;
 * *discard is set for a 413 that should wait for the body's end. */
static int check_framing(struct MHD_Connection *connection, size_t body_limit,
                         const char **message, bool *discard)
{
    struct framing framing = {0};
    MHD_get_connection_values(connection, MHD_HEADER_KIND, count_framing, &framing);
    if (framing.content_length_headers > 1) {
        *message = "The request has more than one Content-Length header.";
        return 400;
    }
    if (framing.content_length_headers == 1 && framing.transfer_encoding_headers > 0) {
        *message = "The request has both Content-Length and Transfer-Encoding.";
        return 400;
    }
    if (framing.transfer_encoding_headers > 1) {
        *message = "The request has more than one Transfer-Encoding header.";
        return 400;
    }
    if (framing.folded) {
        *message = "The request has a header folded onto a second line, or a malformed name.";
        return 400;
    }
    /* libmicrohttpd knows only chunked; any other coding would leave the
     * body's end unknown and the request without an answer. */
    if (framing.transfer_encoding != NULL && strcasecmp(framing.transfer_encoding, "chunked") != 0) {
        *message = "The request's Transfer-Encoding is not supported: only chunked is.";
        return 501;
    }
    if (framing.content_length != NULL) {
        char *end = NULL;
        unsigned long long length = strtoull(framing.content_length, &end, 10);
        if (end == framing.content_length || *end != '\0') {
            *message = "The Content-Length header is not a number.";
            return 400;
        }
        if (length > body_limit) {
            const char *expect =
                MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_EXPECT);
            *discard = length <= DISCARD_MAX && expect == NULL;
            *message = too_large_message;
            return 413;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------ forms */

static enum MHD_Result on_form_field(void *context, enum MHD_ValueKind kind, const char *key,
                                     const char *filename, const char *content_type,
                                     const char *transfer_encoding, const char *data,
                                     uint64_t offset, size_t size)
{
    (void)kind, (void)content_type, (void)transfer_encoding;
    struct pt_request *request = context;
    struct pt_form_field *last =
        request->form_count ? &request->form[request->form_count - 1] : NULL;
    size_t piece = data ? size : 0;
    bool continues = offset > 0 && last != NULL && strcmp(last->name, key) == 0;
    size_t length = (continues ? request->form_last_length : 0) + piece;
    /* A file a staff page takes (a bank statement) may be as large as the
     * route's body; a typed value never more than PT_FORM_VALUE_MAX. */
    size_t value_max = filename != NULL ? request->form_value_max : PT_FORM_VALUE_MAX;
    if (length > value_max ||
        (!continues && request->form_count == PT_FORM_FIELDS_MAX)) {
        request->form_invalid = true;
        request->form_too_large = true;
        return MHD_NO;
    }
    if (continues) {
        /* A long value arrives in pieces: append in place, doubling the room,
         * so a value costs its length and not its length squared. */
        if (length + 1 > request->form_last_capacity) {
            size_t capacity = request->form_last_capacity * 2;
            if (capacity < length + 1)
                capacity = length + 1;
            char *grown = pt_arena_alloc(request->arena, capacity);
            memcpy(grown, last->value, request->form_last_length);
            last->value = grown;
            request->form_last_capacity = capacity;
        }
        char *value = (char *)last->value;
        memcpy(value + request->form_last_length, data, piece);
        value[length] = '\0';
        request->form_last_length = length;
        return MHD_YES;
    }
    if (request->form_count == request->form_capacity) {
        /* Arena memory is only freed with the request, so growth wastes the
         * old array; doubling keeps that under the final size. */
        size_t capacity = request->form_capacity ? request->form_capacity * 2 : 16;
        struct pt_form_field *grown = pt_arena_alloc(request->arena, capacity * sizeof(*grown));
        if (request->form_count > 0)
            memcpy(grown, request->form, request->form_count * sizeof(*grown));
        request->form = grown;
        request->form_capacity = capacity;
    }
    struct pt_form_field *field = &request->form[request->form_count++];
    field->name = pt_arena_strndup(request->arena, key, strlen(key));
    field->value = pt_arena_strndup(request->arena, data ? data : "", piece);
    request->form_last_length = piece;
    request->form_last_capacity = piece + 1;
    return MHD_YES;
}

static void decode_form(struct MHD_Connection *connection, struct pt_request *request)
{
    if (request->content_type == NULL || request->body_length == 0)
        return;
    if (strncasecmp(request->content_type, "application/x-www-form-urlencoded", 33) != 0 &&
        strncasecmp(request->content_type, "multipart/form-data", 19) != 0)
        return;
    struct MHD_PostProcessor *processor =
        MHD_create_post_processor(connection, 4096, on_form_field, request);
    if (processor == NULL) {
        request->form_invalid = true;
        return;
    }
    if (MHD_post_process(processor, request->body, request->body_length) != MHD_YES)
        request->form_invalid = true;
    if (MHD_destroy_post_processor(processor) != MHD_YES)
        request->form_invalid = true;
    for (size_t i = 0; i < request->form_count && !request->form_invalid; i++) {
        if (!pt_utf8_valid(request->form[i].value, strlen(request->form[i].value)))
            request->form_invalid = true;
    }
}

/* ------------------------------------------------------------- callbacks */

static enum pt_method parse_method(const char *method)
{
    if (strcmp(method, "GET") == 0)
        return PT_METHOD_GET;
    if (strcmp(method, "HEAD") == 0)
        return PT_METHOD_HEAD;
    if (strcmp(method, "POST") == 0)
        return PT_METHOD_POST;
    if (strcmp(method, "PUT") == 0)
        return PT_METHOD_PUT;
    if (strcmp(method, "DELETE") == 0)
        return PT_METHOD_DELETE;
    if (strcmp(method, "OPTIONS") == 0)
        return PT_METHOD_OPTIONS;
    return PT_METHOD_OTHER;
}

static void *slow_worker(void *argument)
{
    struct slow_pool *pool = argument;
    struct pt_http_server *server = pool->server;
    pthread_mutex_lock(&pool->lock);
    for (;;) {
        /* At shutdown the queue is emptied before the workers leave: every
         * suspended connection is resumed before the daemon stops. */
        while (pool->head == NULL && !pool->stopping)
            pthread_cond_wait(&pool->wake, &pool->lock);
        if (pool->head == NULL)
            break;
        struct request_state *state = pool->head;
        pool->head = state->next_slow;
        if (pool->head == NULL)
            pool->tail = NULL;
        pool->waiting--;
        pool->busy++;
        pthread_mutex_unlock(&pool->lock);
        memset(&state->deferred, 0, sizeof(state->deferred));
        server->dispatch(server->context, &state->request, &state->deferred);
        if (state->deferred.status == 0)
            pt_response_error(&state->request, &state->deferred, 500,
                              "The server could not answer this request.");
        state->deferred_ready = true;
        /* The access handler is called again and sends the answer. */
        MHD_resume_connection(state->connection);
        pthread_mutex_lock(&pool->lock);
        pool->busy--;
    }
    pthread_mutex_unlock(&pool->lock);
    return NULL;
}

/* Hands a request to its pool's workers and suspends its connection, or
 * returns false when the pool's queue is full or (*stopping) the server is
 * stopping.
 * The connection is suspended under the pool's lock, so no worker can take
 * (and resume) it before it is suspended. */
static bool slow_enqueue(struct slow_pool *pool, struct request_state *state, bool *stopping)
{
    pthread_mutex_lock(&pool->lock);
    *stopping = pool->stopping;
    int idle = pool->worker_count - pool->busy;
    if (pool->stopping || pool->waiting >= pool->queue_limit + (idle > 0 ? idle : 0)) {
        pthread_mutex_unlock(&pool->lock);
        return false;
    }
    MHD_suspend_connection(state->connection);
    state->next_slow = NULL;
    if (pool->tail != NULL)
        pool->tail->next_slow = state;
    else
        pool->head = state;
    pool->tail = state;
    pool->waiting++;
    pthread_cond_signal(&pool->wake);
    pthread_mutex_unlock(&pool->lock);
    return true;
}

/* The pool that answers this request, or NULL to answer it here. */
static struct slow_pool *pool_for(struct pt_http_server *server, const struct pt_request *request)
{
    if (server->settings.pool_of == NULL)
        return NULL;
    int index = server->settings.pool_of(server->context, request);
    if (index < 0 || index >= server->pool_count || server->pools[index].worker_count == 0)
        return NULL;
    return &server->pools[index];
}

static enum MHD_Result on_request(void *context, struct MHD_Connection *connection,
                                  const char *url, const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **connection_context)
{
    (void)version;
    struct pt_http_server *server = context;
    struct request_state *state = *connection_context;
    if (state == NULL) {
        const union MHD_ConnectionInfo *info =
            MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
        state = info != NULL ? info->socket_context : NULL;
        if (state == NULL || state->in_use)
            return MHD_NO;
        *connection_context = state;
        state->in_use = true;
        state->answered = false;
        state->status = 0;
        state->body_length = 0;
        state->started_us = now_us();
        struct pt_request *request = &state->request;
        memset(request, 0, offsetof(struct pt_request, form));
        request->form = NULL;
        request->form_count = 0;
        request->form_capacity = 0;
        request->form_last_length = 0;
        request->form_last_capacity = 0;
        request->form_invalid = false;
        request->form_too_large = false;
        request->done_count = 0;
        request->arena = &state->arena;
        request->connection = connection;
        request->method = parse_method(method);
        request->method_name = pt_arena_strndup(&state->arena, method, strlen(method));
        request->path = pt_arena_strndup(&state->arena, url, strlen(url));
        request->route = PT_METRICS_ROUTES_MAX - 1;
        request->json_errors = server->settings.json_errors_of != NULL &&
                               server->settings.json_errors_of(server->context, request);
        state->discarding = false;
        state->body_limit = server->settings.body_limit_of != NULL
                                ? server->settings.body_limit_of(server->context, request)
                                : server->settings.body_limit;
        const char *message = NULL;
        int status = check_framing(connection, state->body_limit, &message, &state->discarding);
        if (state->discarding)
            return MHD_YES;
        if (status != 0)
            return reject_framing(connection, state, status, message);
        return MHD_YES;
    }
    if (state->answered)
        return MHD_YES;
    if (state->deferred_ready) {
        state->deferred_ready = false;
        return queue(connection, state, &state->deferred);
    }
    if (*upload_data_size > 0) {
        size_t size = *upload_data_size;
        *upload_data_size = 0;
        if (state->discarding || state->body_length + size > state->body_limit) {
            /* body_length now counts what was thrown away. A chunked upload
             * declares no length, so it is cut off only once it passes the
             * bound: there is no one to tell past that. */
            state->discarding = true;
            state->body_length += size;
            return state->body_length <= DISCARD_MAX ? MHD_YES : MHD_NO;
        }
        if (state->body_length + size + 1 > state->body_capacity) {
            size_t capacity = state->body_capacity ? state->body_capacity : 1024;
            while (capacity < state->body_length + size + 1)
                capacity *= 2;
            char *grown = realloc(state->body, capacity);
            if (grown == NULL)
                return MHD_NO;
            state->body = grown;
            state->body_capacity = capacity;
        }
        memcpy(state->body + state->body_length, upload_data, size);
        state->body_length += size;
        return MHD_YES;
    }

    if (state->discarding) {
        state->body_length = 0;
        return reject(connection, state, 413, too_large_message);
    }
    struct pt_request *request = &state->request;
    if (state->body_length > 0) {
        state->body[state->body_length] = '\0';
        request->body = state->body;
        request->body_length = state->body_length;
    }
    request->content_type =
        MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    /* A route that takes large bodies (staff pages, after authentication)
     * takes an uploaded file as large: a bank statement. */
    request->form_value_max =
        state->body_limit > PT_FORM_VALUE_MAX ? state->body_limit : PT_FORM_VALUE_MAX;
    decode_form(connection, request);

    /* Counted first, then the flag read: pt_http_stop sets the flag first,
     * then waits for the count, so one of the two sees the other. */
    atomic_fetch_add(&server->answering, 1);
    state->counted = true;
    if (atomic_load(&server->draining)) {
        atomic_fetch_sub(&server->answering, 1);
        state->counted = false;
        struct pt_response closing;
        memset(&closing, 0, sizeof(closing));
        pt_response_error(request, &closing, 503,
                          "The server is restarting. Please try again in a moment.");
        pt_response_header(&closing, "Retry-After", server->retry_after);
        return queue(connection, state, &closing);
    }

    struct slow_pool *pool = pool_for(server, request);
    if (pool != NULL) {
        state->connection = connection;
        bool stopping = false;
        if (slow_enqueue(pool, state, &stopping))
            return MHD_YES;
        /* Waiting longer would only hold the connection: say when to come
         * back instead. */
        struct pt_response busy;
        memset(&busy, 0, sizeof(busy));
        pt_response_error(request, &busy, 503,
                          stopping ? "The server is restarting. Please try again in a "
                                           "moment."
                                         : "The server is busy. Please try again in a moment.");
        pt_response_header(&busy, "Retry-After", server->retry_after);
        return queue(connection, state, &busy);
    }

    struct pt_response response;
    memset(&response, 0, sizeof(response));
    server->dispatch(server->context, request, &response);
    if (response.status == 0)
        pt_response_error(request, &response, 500, "The server could not answer this request.");
    return queue(connection, state, &response);
}

/* %HH escapes are decoded, except %00: a NUL would cut "/healthz%00.js" down
 * to "/healthz" and route it there. Left as it is, it routes nowhere. */
static size_t unescape(void *context, struct MHD_Connection *connection, char *text)
{
    (void)context, (void)connection;
    char *out = text;
    for (const char *in = text; *in != '\0'; in++) {
        if (in[0] == '%' && isxdigit((unsigned char)in[1]) && isxdigit((unsigned char)in[2]) &&
            !(in[1] == '0' && in[2] == '0')) {
            char hex[3] = {in[1], in[2], '\0'};
            *out++ = (char)strtol(hex, NULL, 16);
            in += 2;
        } else {
            *out++ = *in;
        }
    }
    *out = '\0';
    return (size_t)(out - text);
}

enum { URI_LENGTH_MAX = 8192, URI_ARGUMENTS_MAX = 100 };

/* libmicrohttpd 0.9.75 keeps every query argument in the connection's memory
 * pool and, when they exhaust it, stops answering the connection instead of
 * refusing it; and it parses them before any callback of ours could queue a
 * response. No page of ours takes more than a handful of arguments, so a
 * request line with very many (or a very long one) is answered 414 here,
 * directly on the socket, and the connection closed before they are parsed. */
static void *on_uri(void *context, const char *uri, struct MHD_Connection *connection)
{
    (void)context;
    size_t arguments = 0, length = 0;
    for (const char *p = uri; *p != '\0'; p++, length++)
        arguments += *p == '&' || *p == '?';
    if (arguments <= URI_ARGUMENTS_MAX && length <= URI_LENGTH_MAX)
        return NULL;
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (info == NULL)
        return NULL;
    static const char body[] =
        "{\"error\":{\"code\":\"uri_too_long\",\"message\":\"The address has too many query "
        "parameters or is too long.\"}}";
    char answer[512];
    int answer_length = snprintf(answer, sizeof(answer),
                                 "HTTP/1.1 414 URI Too Long\r\nContent-Type: application/json\r\n"
                                 "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
                                 sizeof(body) - 1, body);
    /* A few hundred bytes fit in any socket's send buffer; if the client is
     * already gone there is no one to tell. */
    ssize_t sent = send(info->connect_fd, answer, (size_t)answer_length,
                        MSG_NOSIGNAL | MSG_DONTWAIT);
    (void)sent;
    shutdown(info->connect_fd, SHUT_RDWR);
    return NULL;
}

/* text as one log field: the path is decoded, so "%0a" would start a forged
 * line and "%1b" a terminal escape. Control bytes, spaces (which separate
 * the fields) and backslashes are written \xHH; a longer text is cut with
 * "...". NULL is "-". */
static void on_completed(void *context, struct MHD_Connection *connection,
                         void **connection_context, enum MHD_RequestTerminationCode reason)
{
    (void)connection;
    struct pt_http_server *server = context;
    struct request_state *state = *connection_context;
    if (state == NULL)
        return;
    *connection_context = NULL;
    uint64_t elapsed = now_us() - state->started_us;
    int status = state->answered ? state->status : 0;
    pt_metrics_request(state->request.route, status, elapsed);
    if (server->settings.log_requests) {
        /* Method, path, status and time only: never the client's address,
         * the query (it can name an article a reader read) or a header. */
        char code[16], took[32];
        snprintf(code, sizeof(code), "%d", status);
        snprintf(took, sizeof(took), "%lluus", (unsigned long long)elapsed);
        const char *words[] = {
            state->request.method_name, state->request.path, code, took, "(connection", "dropped)"};
        pt_log_words(PT_LOG_INFO, words, reason == MHD_REQUEST_TERMINATED_COMPLETED_OK ? 4 : 6);
    }
    run_done(&state->request);
    if (state->counted) {
        state->counted = false;
        atomic_fetch_sub(&server->answering, 1);
    }
    /* An idle keep-alive connection holds no arena and no large buffer:
     * a thousand of them must fit in a few megabytes. */
    pt_arena_dispose(&state->arena);
    if (state->body_capacity > 4096) {
        free(state->body);
        state->body = NULL;
        state->body_capacity = 0;
    }
    state->in_use = false;
}

/* --------------------------------------------------------------- server */

static void pool_dispose(struct slow_pool *pool)
{
    free(pool->workers);
    pthread_cond_destroy(&pool->wake);
    pthread_mutex_destroy(&pool->lock);
}

/* Starts the workers before the daemon, so that everything they share is
 * written before any of the daemon's threads can read it. */
static enum pt_status pools_start(struct pt_http_server *server, char *error, size_t error_size)
{
    const struct pt_http_settings *settings = &server->settings;
    int count = settings->pool_of != NULL ? settings->pool_count : 0;
    if (count < 0 || count > PT_HTTP_POOLS_MAX)
        count = 0;
    for (int p = 0; p < count; p++) {
        struct slow_pool *pool = &server->pools[p];
        pthread_mutex_init(&pool->lock, NULL);
        pthread_cond_init(&pool->wake, NULL);
        pool->server = server;
        pool->queue_limit = settings->pools[p].queue_limit;
        server->pool_count++;
        int workers = settings->pools[p].workers > 0 ? settings->pools[p].workers : 0;
        pool->workers = calloc((size_t)(workers > 0 ? workers : 1), sizeof(*pool->workers));
        if (pool->workers == NULL)
            return PT_ERR_INTERNAL;
        for (int i = 0; i < workers; i++) {
            if (pthread_create(&pool->workers[i], NULL, slow_worker, pool) != 0) {
                snprintf(error, error_size, "cannot start the %s workers",
                         settings->pools[p].name ? settings->pools[p].name : "slow-request");
                return PT_ERR_INTERNAL;
            }
            pool->worker_count++;
        }
    }
    return PT_OK;
}

/* Stops every pool's workers once they have emptied its queue. Every pool
 * refuses new requests before any is waited for: one worker hung on the
 * processor must not leave another pool queueing meanwhile. */
static void pools_stop(struct pt_http_server *server)
{
    for (int p = 0; p < server->pool_count; p++) {
        struct slow_pool *pool = &server->pools[p];
        pthread_mutex_lock(&pool->lock);
        pool->stopping = true;
        pthread_cond_broadcast(&pool->wake);
        pthread_mutex_unlock(&pool->lock);
    }
    for (int p = 0; p < server->pool_count; p++) {
        for (int i = 0; i < server->pools[p].worker_count; i++)
            pthread_join(server->pools[p].workers[i], NULL);
    }
}

static void pools_dispose(struct pt_http_server *server)
{
    for (int p = 0; p < server->pool_count; p++)
        pool_dispose(&server->pools[p]);
}

enum pt_status pt_http_start(const struct pt_http_settings *settings, pt_http_dispatch dispatch,
                             void *context, struct pt_http_server **out, char *error,
                             size_t error_size)
{
    struct sockaddr_storage address;
    memset(&address, 0, sizeof(address));
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME;
    struct sockaddr_in *ipv4 = (struct sockaddr_in *)&address;
    struct sockaddr_in6 *ipv6 = (struct sockaddr_in6 *)&address;
    if (inet_pton(AF_INET, settings->listen, &ipv4->sin_addr) == 1) {
        ipv4->sin_family = AF_INET;
        ipv4->sin_port = htons((uint16_t)settings->port);
    } else if (inet_pton(AF_INET6, settings->listen, &ipv6->sin6_addr) == 1) {
        ipv6->sin6_family = AF_INET6;
        ipv6->sin6_port = htons((uint16_t)settings->port);
        flags |= MHD_USE_IPv6;
    } else {
        snprintf(error, error_size, "listen: '%s' is not an IPv4 or IPv6 address",
                 settings->listen);
        return PT_ERR_INVALID;
    }
    struct pt_http_server *server = calloc(1, sizeof(*server));
    if (server == NULL)
        return PT_ERR_INTERNAL;
    server->settings = *settings;
    server->dispatch = dispatch;
    server->context = context;
    snprintf(server->retry_after, sizeof(server->retry_after), "%d",
             settings->busy_retry_after > 0 ? settings->busy_retry_after : 1);
    enum pt_status status = pools_start(server, error, error_size);
    if (status) {
        pools_stop(server);
        pools_dispose(server);
        free(server);
        return status;
    }
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned threads = settings->threads > 0 ? (unsigned)settings->threads
                                             : (unsigned)(cores > 0 ? cores : 1);
    server->daemon = MHD_start_daemon(
        flags, (uint16_t)settings->port, NULL, NULL, on_request, server,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&address,
        MHD_OPTION_THREAD_POOL_SIZE, threads,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)settings->max_connections,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        (unsigned)(settings->connections_per_client > 0 ? settings->connections_per_client : 0),
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)settings->connection_memory_limit,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)settings->connection_timeout,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, server,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, server,
        MHD_OPTION_UNESCAPE_CALLBACK, unescape, server,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, server,
        MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u,
        MHD_OPTION_END);
    if (server->daemon == NULL) {
        snprintf(error, error_size, "cannot listen on %s port %d (in use, or not allowed)",
                 settings->listen, settings->port);
        pools_stop(server);
        pools_dispose(server);
        free(server);
        return PT_ERR_IO;
    }
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(server->daemon, MHD_DAEMON_INFO_BIND_PORT);
    server->port = info ? info->port : settings->port;
    *out = server;
    return PT_OK;
}

int pt_http_port(const struct pt_http_server *server)
{
    return server->port;
}

enum { DRAIN_MS_MAX = 5000 };

void pt_http_stop(struct pt_http_server *server)
{
    if (server == NULL)
        return;
    /* Stop accepting first; let the slow requests in flight and queued
     * finish (a slow request arriving meanwhile on a kept-alive connection
     * is answered 503 at once, never suspended), so that no connection is
     * suspended when the daemon stops; then the rest. */
    MHD_socket listener = MHD_quiesce_daemon(server->daemon);
    /* Shut down, so that a new connection is refused (a proxy tries
     * elsewhere) instead of waiting in the backlog for a server that will not
     * take it. Closed only after the daemon stops: its workers take the
     * socket out of their epoll sets after quiescing returns, and a number
     * closed meanwhile could already name someone else's connection. */
    if (listener != MHD_INVALID_SOCKET)
        (void)shutdown(listener, SHUT_RDWR);
    atomic_store(&server->draining, true);
    pools_stop(server);
    /* The answers of requests already acted on go out before the daemon
     * closes their connections (bounded: a client that reads nothing must
     * not hold the shutdown). */
    for (int waited_ms = 0; waited_ms < DRAIN_MS_MAX && atomic_load(&server->answering) > 0;
         waited_ms += 5)
        nanosleep(&(struct timespec){.tv_nsec = 5 * 1000 * 1000}, NULL);
    MHD_stop_daemon(server->daemon);
    if (listener != MHD_INVALID_SOCKET)
        close(listener);
    pools_dispose(server);
    free(server);
}
