/* The HTTP layer: the only module that knows libmicrohttpd.
 *
 * It accepts connections, enforces the body limit and the request-smuggling
 * rules, collects the body into the request's arena, decodes form posts, and
 * hands one complete request to a dispatch function. Handlers fill a
 * pt_response whose body lives in the request's arena or in memory that
 * outlives the request (a catalogue snapshot the request holds, or static
 * data). */
#ifndef PATRON_HTTP_H
#define PATRON_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "patron/alloc.h"
#include "patron/status.h"

enum pt_method {
    PT_METHOD_GET,
    PT_METHOD_HEAD,
    PT_METHOD_POST,
    PT_METHOD_PUT,
    PT_METHOD_DELETE,
    PT_METHOD_OPTIONS,
    PT_METHOD_OTHER,
};

struct pt_buf;

struct pt_form_field {
    const char *name;
    const char *value; /* NUL-terminated, in the arena */
};

/* Enough for the dashboard's campaign editor at its largest (16 variants in
 * 8 languages); the body limit bounds forms too. */
#define PT_FORM_FIELDS_MAX 4096
/* One field's value: a long appeal body is a few kilobytes. */
#define PT_FORM_VALUE_MAX (64 * 1024)

/* Cleanups one request may ask for (see pt_http_on_done). */
#define PT_HTTP_DONE_MAX 4

struct pt_request {
    enum pt_method method;
    const char *method_name;
    const char *path;           /* without the query */
    const char *body;           /* NUL-terminated copy of the body, or NULL */
    size_t body_length;
    const char *content_type;   /* NULL when absent */
    const char *parameter;      /* the route's "*" segment (set by the router), or NULL */
    struct pt_form_field *form; /* urlencoded or multipart fields, in the arena; a name
                                   sent twice (checkboxes) appears twice, in order */
    size_t form_count;
    size_t form_capacity;
    size_t form_last_length;    /* the HTTP layer's own: the last value's length and room, */
    size_t form_last_capacity;  /* so a value sent in pieces grows in place */
    size_t form_value_max;      /* for an uploaded file: PT_FORM_VALUE_MAX, or the route's
                                   body limit when larger (a staff page's statement) */
    bool form_invalid;          /* the form body could not be decoded */
    bool form_too_large;        /* ... because it had too many fields or too long a value */
    struct pt_arena *arena;     /* freed when the answer has been sent */
    bool json_errors;           /* errors in JSON, else HTML (pt_http_settings.json_errors_of) */
    unsigned route;             /* set by the router, for metrics */
    struct pt_http_done {       /* the HTTP layer's own: see pt_http_on_done */
        void (*run)(void *argument);
        void *argument;
    } done[PT_HTTP_DONE_MAX];
    size_t done_count;
    void *connection;           /* the library's connection, opaque */
};

/* A value from the query string, or NULL. */
const char *pt_http_query(const struct pt_request *request, const char *name);
/* Appends the query string, "?a=1&b=2" percent-encoded again from its
 * values in order, or nothing when there is none. */
void pt_http_query_string(const struct pt_request *request, struct pt_buf *out);
/* A request header, or NULL. */
const char *pt_http_header(const struct pt_request *request, const char *name);
/* The peer's address as text ("127.0.0.1", "::1"), or "" if unknown. */
void pt_http_peer_address(const struct pt_request *request, char *out, size_t size);
/* A form field, or NULL. */
const char *pt_http_form(const struct pt_request *request, const char *name);
/* Calls run(argument) once the answer has been sent (or the connection
 * dropped), in the order asked; at most PT_HTTP_DONE_MAX per request. For
 * what a response body borrows, such as a reference to shared data. */
void pt_http_on_done(struct pt_request *request, void (*run)(void *argument), void *argument);

/* Room for every header one answer sets (a dropped one aborts a debug
 * build: see pt_response_header). */
#define PT_RESPONSE_HEADERS_MAX 12

struct pt_response {
    int status;
    const char *content_type;
    const char *body; /* arena, held catalogue, or static memory */
    size_t body_length;
    const char *header_names[PT_RESPONSE_HEADERS_MAX];
    const char *header_values[PT_RESPONSE_HEADERS_MAX];
    size_t header_count;
};

void pt_response_header(struct pt_response *response, const char *name, const char *value);
/* Sets body to a copy in the request's arena. */
void pt_response_text(struct pt_request *request, struct pt_response *response, int status,
                      const char *content_type, const char *body, size_t length);
/* An error the way a person or a program expects it: JSON when the
 * application said so for this request (request->json_errors), else a small
 * HTML page. message is plain text. */
void pt_response_error(struct pt_request *request, struct pt_response *response, int status,
                       const char *message);
/* The same, for a message in the language with the tag language ("ru"): the
 * HTML page says so in its lang attribute. A tag that is not letters and
 * hyphens counts as "en". */
void pt_response_error_in(struct pt_request *request, struct pt_response *response, int status,
                          const char *language, const char *message);

typedef void (*pt_http_dispatch)(void *context, struct pt_request *request,
                                 struct pt_response *response);

/* Requests whose handler may wait on another service (the payment
 * processor, argon2id) are answered by worker threads while their connection
 * waits, so that the server's own threads never wait. Workers come in pools,
 * so that one slow service starves only the requests that need it: readers
 * waiting on a hung processor never hold up a webhook or a sign-in. */
#define PT_HTTP_POOLS_MAX 4

struct pt_http_pool {
    const char *name; /* for the log */
    int workers;      /* threads; 0 answers the pool's requests where they arrive */
    int queue_limit;  /* requests that may wait for a busy worker; past that, 503 */
};

/* Which pool answers a request: an index into pt_http_settings.pools, or -1
 * to answer it on the thread where it arrived. Called once the body is in. */
typedef int (*pt_http_pool_of)(void *context, const struct pt_request *request);

/* Called on the first callback, before any byte of the body is read (the
 * headers are there): how large a body this request may send. Lets a route
 * take a large body only from a caller it has authenticated. */
typedef size_t (*pt_http_body_limit)(void *context, const struct pt_request *request);

/* Called on the first callback, once the method and path are known: true
 * when this request's errors (the HTTP layer's own too) are JSON. */
typedef bool (*pt_http_json_errors)(void *context, const struct pt_request *request);

struct pt_http_settings {
    const char *listen;
    int port;
    int threads;
    int max_connections;
    int connections_per_client; /* open connections from one peer address; 0: no limit */
    int connection_memory_limit;
    int connection_timeout;
    size_t body_limit;
    pt_http_body_limit body_limit_of; /* NULL: body_limit for every request */
    pt_http_json_errors json_errors_of; /* NULL: every error is HTML */
    bool log_requests;
    pt_http_pool_of pool_of;    /* NULL: every request is answered where it arrives */
    struct pt_http_pool pools[PT_HTTP_POOLS_MAX];
    int pool_count;
    int busy_retry_after;       /* seconds, the Retry-After of a 503 when a pool is full */
};

struct pt_http_server;

/* Starts listening and serving on background threads. */
enum pt_status pt_http_start(const struct pt_http_settings *settings, pt_http_dispatch dispatch,
                             void *context, struct pt_http_server **server, char *error,
                             size_t error_size);
/* The port actually bound (useful with port 0). */
int pt_http_port(const struct pt_http_server *server);
/* Stops accepting, lets the requests in flight and those waiting for a
 * worker finish, answers any later one 503 at once, and frees the server. */
void pt_http_stop(struct pt_http_server *server);

#endif
