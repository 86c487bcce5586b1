#include "patron/router.h"

#include <string.h>

/* Matches one "*" segment: at least one character, up to the next '/'. */
static bool match_segments(const char *pattern, size_t pattern_length, const char *path,
                           struct pt_router_match *match, const char **end)
{
    size_t count = 0;
    const char *p = pattern, *pattern_end = pattern + pattern_length;
    const char *q = path;
    while (p < pattern_end) {
        bool segment_start = p == pattern || p[-1] == '/';
        bool star = segment_start && *p == '*' && (p + 1 == pattern_end || p[1] == '/');
        if (star) {
            size_t length = strcspn(q, "/");
            if (length == 0 || count == PT_ROUTER_PARAMS_MAX)
                return false;
            if (match != NULL) {
                match->params[count] = q;
                match->param_lengths[count] = length;
            }
            count++;
            q += length;
            p++;
            continue;
        }
        if (*q != *p)
            return false;
        p++, q++;
    }
    if (match != NULL)
        match->param_count = count;
    *end = q;
    return true;
}

bool pt_router_path_matches(const struct pt_route *route, const char *path,
                            struct pt_router_match *match)
{
    if (route->path == NULL || path == NULL)
        return false;
    const char *end = NULL;
    if (!match_segments(route->path, strlen(route->path), path, match, &end))
        return false;
    bool matched = false;
    switch (route->kind) {
    case PT_ROUTER_EXACT: matched = *end == '\0'; break;
    case PT_ROUTER_SECTION: matched = *end == '\0' || *end == '/' || *end == '.'; break;
    case PT_ROUTER_PREFIX: matched = true; break;
    }
    if (matched && match != NULL)
        match->rest = end;
    return matched;
}

void pt_router_find(const void *table, size_t count, size_t stride, enum pt_method method,
                    const char *path, struct pt_router_match *match)
{
    memset(match, 0, sizeof(*match));
    match->result = PT_ROUTER_NOT_FOUND;
    match->rest = "";
    for (size_t i = 0; i < count; i++) {
        const struct pt_route *route = (const struct pt_route *)((const char *)table + i * stride);
        if (!pt_router_path_matches(route, path, match))
            continue;
        match->index = i;
        match->route = route;
        if (route->methods & PT_ROUTER_METHOD(method))
            match->result = PT_ROUTER_FOUND;
        else if (method == PT_METHOD_OPTIONS && route->cors)
            match->result = PT_ROUTER_PREFLIGHT;
        else
            match->result = PT_ROUTER_WRONG_METHOD;
        return;
    }
    match->param_count = 0;
}

void pt_router_allow(const struct pt_route *route, char out[PT_ROUTER_ALLOW_MAX])
{
    static const struct {
        enum pt_method method;
        const char *name;
    } names[] = {
        {PT_METHOD_GET, "GET"}, {PT_METHOD_HEAD, "HEAD"},     {PT_METHOD_POST, "POST"},
        {PT_METHOD_PUT, "PUT"}, {PT_METHOD_DELETE, "DELETE"},
    };
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (!(route->methods & PT_ROUTER_METHOD(names[i].method)))
            continue;
        size_t length = strlen(names[i].name);
        if (used > 0) {
            memcpy(out + used, ", ", 2);
            used += 2;
        }
        memcpy(out + used, names[i].name, length);
        used += length;
    }
    if (route->cors || (route->methods & PT_ROUTER_METHOD(PT_METHOD_OPTIONS))) {
        if (used > 0) {
            memcpy(out + used, ", ", 2);
            used += 2;
        }
        memcpy(out + used, "OPTIONS", 7);
        used += 7;
    }
    out[used] = '\0';
}

void pt_router_wrong_method(const struct pt_route *route, struct pt_request *request,
                            struct pt_response *response)
{
    char allow[PT_ROUTER_ALLOW_MAX];
    pt_router_allow(route, allow);
    pt_response_error(request, response, 405, "This address does not take that method.");
    pt_response_header(response, "Allow", pt_arena_strndup(request->arena, allow, strlen(allow)));
}
