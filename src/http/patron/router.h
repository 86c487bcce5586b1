/* A generic matcher from a method and a path to one entry of a route table.
 * It knows no application path: the table (routes.c) says what is where.
 *
 * A route's path is matched one of three ways: exactly; as a section (the
 * path itself, or the path followed by '/' or '.' and anything, so
 * "/reports" takes "/reports/day" and "/reports.csv"); or as a prefix (any
 * path that starts with it). In an exact or section path a segment that is
 * only "*" matches one non-empty segment and gives a route parameter. The
 * first route whose path matches decides: a method it does not take is a
 * 405, never a search on down the table. */
#ifndef PATRON_ROUTER_H
#define PATRON_ROUTER_H

#include <stdbool.h>
#include <stddef.h>

#include "patron/http.h"

#define PT_ROUTER_METHOD(method) (1u << (method))
#define PT_ROUTER_GET (PT_ROUTER_METHOD(PT_METHOD_GET) | PT_ROUTER_METHOD(PT_METHOD_HEAD))
#define PT_ROUTER_POST PT_ROUTER_METHOD(PT_METHOD_POST)
#define PT_ROUTER_PUT PT_ROUTER_METHOD(PT_METHOD_PUT)
#define PT_ROUTER_DELETE PT_ROUTER_METHOD(PT_METHOD_DELETE)
/* Every method, the unknown ones too: the handler decides. */
#define PT_ROUTER_ANY_METHOD ((1u << (PT_METHOD_OTHER + 1)) - 1u)

#define PT_ROUTER_PARAMS_MAX 4
/* Room for the longest Allow header the router writes. */
#define PT_ROUTER_ALLOW_MAX 64

enum pt_router_kind {
    PT_ROUTER_EXACT,
    PT_ROUTER_SECTION,
    PT_ROUTER_PREFIX,
};

/* The part of a route the matcher reads. A table embeds it as the first
 * member of its own entries and passes their size as the stride. */
struct pt_route {
    const char *path; /* NULL: matched by the table's owner, never here */
    enum pt_router_kind kind;
    unsigned methods;  /* PT_ROUTER_METHOD bits */
    bool cors;         /* OPTIONS is a CORS preflight, and Allow names it */
    const char *label; /* the metrics label */
};

enum pt_router_result {
    PT_ROUTER_FOUND,
    PT_ROUTER_PREFLIGHT,    /* OPTIONS on a CORS route */
    PT_ROUTER_WRONG_METHOD, /* answer 405 with pt_router_allow's header */
    PT_ROUTER_NOT_FOUND,
};

struct pt_router_match {
    enum pt_router_result result;
    size_t index;                             /* the route's index in the table, unless NOT_FOUND */
    const struct pt_route *route;             /* NULL when NOT_FOUND */
    const char *params[PT_ROUTER_PARAMS_MAX]; /* the "*" segments, pointers into the path */
    size_t param_lengths[PT_ROUTER_PARAMS_MAX];
    size_t param_count;
    const char *rest; /* what follows the route's path ("" for an exact match) */
};

/* Finds the first route of `count` entries, `stride` bytes apart (each
 * starting with a struct pt_route), whose path matches. */
void pt_router_find(const void *table, size_t count, size_t stride, enum pt_method method,
                    const char *path, struct pt_router_match *match);

/* True when path matches route's path (parameters and rest in match,
 * which may be NULL). */
bool pt_router_path_matches(const struct pt_route *route, const char *path,
                            struct pt_router_match *match);

/* The Allow header of a route: its methods in a fixed order, OPTIONS when
 * it answers CORS preflights. */
void pt_router_allow(const struct pt_route *route, char out[PT_ROUTER_ALLOW_MAX]);

/* Answers 405 with the route's Allow header. */
void pt_router_wrong_method(const struct pt_route *route, struct pt_request *request,
                            struct pt_response *response);

#endif
