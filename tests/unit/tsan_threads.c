/* The shared state of patron's threads, worked from several threads at once
 * in one plain program, so that ThreadSanitizer can watch it (Criterion
 * cannot run under it: its forked runner's arena refuses TSan's memory
 * layout). Exits 0 when every check held; TSan makes a race exit non-zero.
 *
 * Covered: the HTTP layer's worker pools (requests answered by workers
 * while their connections are suspended, keep-alive, and a server stopped
 * while requests still arrive), the rate limiter, the metrics counters, the
 * event table with its writer thread, and the catalogue holder's swaps. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "patron/buf.h"
#include "patron/catalog.h"
#include "patron/events.h"
#include "patron/http.h"
#include "patron/metrics.h"
#include "patron/ratelimit.h"

enum { THREADS = 4, ROUNDS = 200, REQUESTS = 40 };

static int failures;

#define CHECK(condition)                                                                           \
    do {                                                                                           \
        if (!(condition)) {                                                                        \
            fprintf(stderr, "%s:%d: failed: %s\n", __FILE__, __LINE__, #condition);                \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

static void run_threads(void *(*body)(void *), void *argument)
{
    pthread_t threads[THREADS];
    for (int i = 0; i < THREADS; i++)
        CHECK(pthread_create(&threads[i], NULL, body, argument) == 0);
    for (int i = 0; i < THREADS; i++)
        pthread_join(threads[i], NULL);
}

/* ------------------------------------------------------------ ratelimit */

static void *limit_body(void *argument)
{
    struct pt_ratelimit *limiter = argument;
    char client[32];
    for (int i = 0; i < ROUNDS; i++) {
        snprintf(client, sizeof(client), "10.0.0.%d", i % 7);
        (void)pt_ratelimit_allow(limiter, client, 1000 + i);
        (void)pt_ratelimit_peek(limiter, client, 1000 + i);
    }
    return NULL;
}

/* -------------------------------------------------------------- metrics */

static void *metrics_body(void *argument)
{
    (void)argument;
    for (int i = 0; i < ROUNDS; i++) {
        pt_metrics_request((unsigned)(i % 3), 200, 50);
        pt_metrics_events_accepted(1);
        if (i % 50 == 0) {
            struct pt_buf out;
            pt_buf_init(&out);
            pt_metrics_render(&out, 0, 0, 0);
            pt_buf_dispose(&out);
        }
    }
    return NULL;
}

/* --------------------------------------------------------------- events */

static atomic_ullong events_written;

static enum pt_status write_events(void *context, const struct pt_event_count *counts, size_t count)
{
    (void)context, (void)counts;
    atomic_fetch_add(&events_written, count);
    return PT_OK;
}

static void *events_body(void *argument)
{
    struct pt_events *events = argument;
    for (int i = 0; i < ROUNDS; i++) {
        (void)pt_events_add(events, 20000, i % 2 ? "spring" : "autumn", "a", PT_EVENT_IMPRESSION,
                            1);
        if (i % 64 == 0)
            (void)pt_events_flush(events);
    }
    return NULL;
}

/* ------------------------------------------------------------- catalogue */

static struct pt_catalog *empty_catalog(int64_t version)
{
    struct pt_catalog_settings settings = {"https://news.example", "EUR", "", true, NULL, NULL};
    struct pt_catalog *catalog = NULL;
    char error[256];
    CHECK(pt_catalog_build(NULL, 0, &settings, version, &catalog, error, sizeof(error)) == PT_OK);
    return catalog;
}

static void *holder_body(void *argument)
{
    struct pt_catalog_holder *holder = argument;
    for (int i = 0; i < ROUNDS; i++) {
        struct pt_catalog *catalog = pt_catalog_holder_acquire(holder);
        if (i % 40 == 0)
            pt_catalog_holder_swap(holder, empty_catalog(i));
        pt_catalog_release(catalog);
    }
    return NULL;
}

/* ---------------------------------------------------------- HTTP layer */

static atomic_int answered;

static void release_catalog(void *catalog)
{
    pt_catalog_release(catalog);
}

static struct pt_catalog_holder *served_holder;

static void dispatch(void *context, struct pt_request *request, struct pt_response *response)
{
    (void)context;
    /* What a handler does with shared data: borrow a snapshot until sent. */
    pt_http_on_done(request, release_catalog, pt_catalog_holder_acquire(served_holder));
    atomic_fetch_add(&answered, 1);
    pt_response_text(request, response, 200, "text/plain", "ok", 2);
}

static int pool_of(void *context, const struct pt_request *request)
{
    (void)context;
    return strcmp(request->path, "/slow") == 0 ? 0 : -1;
}

static int connect_to(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct timeval timeout = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    struct sockaddr_in address = {0};
    address.sin_family = AF_INET;
    address.sin_port = htons((uint16_t)port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&address, sizeof(address)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Sends one request on a kept-alive connection and reads its whole answer;
 * returns the status, or 0 when the connection failed. */
static int ask(int fd, const char *path)
{
    char request[256];
    int length = snprintf(request, sizeof(request), "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path);
    if (send(fd, request, (size_t)length, MSG_NOSIGNAL) != length)
        return 0;
    char answer[4096];
    size_t used = 0;
    for (;;) {
        ssize_t got = recv(fd, answer + used, sizeof(answer) - 1 - used, 0);
        if (got <= 0)
            return 0;
        used += (size_t)got;
        answer[used] = '\0';
        char *end = strstr(answer, "\r\n\r\n");
        const char *length_header = strstr(answer, "Content-Length: ");
        if (end != NULL && length_header != NULL &&
            used >= (size_t)(end + 4 - answer) + strtoul(length_header + 16, NULL, 10))
            break;
    }
    int status = 0;
    sscanf(answer, "HTTP/1.1 %d", &status);
    return status;
}

struct client {
    int port;
    atomic_bool *stop;
    atomic_int ok, busy;
};

static void *client_body(void *argument)
{
    struct client *client = argument;
    int fd = connect_to(client->port);
    if (fd < 0)
        return NULL;
    for (int i = 0; i < REQUESTS && !atomic_load(client->stop); i++) {
        int status = ask(fd, i % 2 ? "/slow" : "/fast");
        if (status == 200)
            atomic_fetch_add(&client->ok, 1);
        else if (status == 503)
            atomic_fetch_add(&client->busy, 1);
        else
            break;
    }
    close(fd);
    return NULL;
}

static struct pt_http_settings settings(void)
{
    struct pt_http_settings settings = {
        .listen = "127.0.0.1",
        .port = 0,
        .threads = 2,
        .max_connections = 64,
        .connection_memory_limit = 64 * 1024,
        .connection_timeout = 10,
        .body_limit = 1024,
        .pool_of = pool_of,
        .pools = {{"slow", 2, 8}},
        .pool_count = 1,
        .busy_retry_after = 1,
    };
    return settings;
}

/* Requests from several kept-alive connections, half of them to a worker
 * pool, then the server stopped while the clients are still asking. */
static void http_workers(bool stop_while_busy)
{
    struct pt_http_settings wanted = settings();
    struct pt_http_server *server = NULL;
    char error[256];
    if (pt_http_start(&wanted, dispatch, NULL, &server, error, sizeof(error)) != PT_OK) {
        fprintf(stderr, "cannot start the server: %s\n", error);
        failures++;
        return;
    }
    atomic_bool stop = false;
    struct client client = {.port = pt_http_port(server), .stop = &stop};
    pthread_t threads[THREADS];
    for (int i = 0; i < THREADS; i++)
        CHECK(pthread_create(&threads[i], NULL, client_body, &client) == 0);
    if (stop_while_busy) {
        usleep(20 * 1000);
        pt_http_stop(server);
        atomic_store(&stop, true);
        for (int i = 0; i < THREADS; i++)
            pthread_join(threads[i], NULL);
        return;
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(threads[i], NULL);
    pt_http_stop(server);
    CHECK(atomic_load(&client.ok) + atomic_load(&client.busy) == THREADS * REQUESTS);
}

int main(void)
{
    struct pt_ratelimit *limiter = pt_ratelimit_new(5, 60);
    run_threads(limit_body, limiter);
    pt_ratelimit_free(limiter);

    for (unsigned i = 0; i < 3; i++)
        pt_metrics_register_route(i, i == 0 ? "one" : i == 1 ? "two" : "three");
    run_threads(metrics_body, NULL);

    struct pt_events *events = pt_events_new(write_events, NULL, 5);
    CHECK(events != NULL);
    run_threads(events_body, events);
    (void)pt_events_flush(events);
    pt_events_free(events);
    CHECK(atomic_load(&events_written) > 0);

    struct pt_catalog_holder holder;
    pt_catalog_holder_init(&holder, empty_catalog(0));
    run_threads(holder_body, &holder);

    served_holder = &holder;
    http_workers(false);
    http_workers(true);
    pt_catalog_holder_dispose(&holder);

    if (failures > 0) {
        fprintf(stderr, "%d checks failed\n", failures);
        return 1;
    }
    printf("tsan_threads: every check held\n");
    return 0;
}
