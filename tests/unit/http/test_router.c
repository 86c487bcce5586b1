/* The generic matcher: exact paths, "*" parameters, sections and prefixes,
 * 405 with Allow, 404 for what no route knows, and CORS preflights. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "patron/alloc.h"
#include "patron/http.h"
#include "patron/router.h"

/* A table the way an application builds one: its own entries, each
 * starting with the router's part. */
struct entry {
    struct pt_route match;
    int id;
};

static const struct entry table[] = {
    {{"/v1/appeal", PT_ROUTER_EXACT, PT_ROUTER_POST, true, "appeal"}, 1},
    {{"/healthz", PT_ROUTER_EXACT, PT_ROUTER_GET, false, "healthz"}, 2},
    {{"/items/*", PT_ROUTER_EXACT, PT_ROUTER_GET | PT_ROUTER_PUT | PT_ROUTER_DELETE, false, "item"},
     3},
    {{"/items/*/live", PT_ROUTER_EXACT, PT_ROUTER_POST, false, "item_live"}, 4},
    {{"/dash/reports", PT_ROUTER_SECTION, PT_ROUTER_GET | PT_ROUTER_POST, false, "reports"}, 5},
    {{"/dash/", PT_ROUTER_PREFIX, PT_ROUTER_ANY_METHOD, false, "dash"}, 6},
};
enum { COUNT = sizeof(table) / sizeof(table[0]) };

static struct pt_router_match find(enum pt_method method, const char *path)
{
    struct pt_router_match match;
    pt_router_find(table, COUNT, sizeof(table[0]), method, path, &match);
    return match;
}

static int found_id(const struct pt_router_match *match)
{
    return ((const struct entry *)match->route)->id;
}

Test(router, exact_path)
{
    struct pt_router_match match = find(PT_METHOD_GET, "/healthz");
    cr_assert_eq(match.result, PT_ROUTER_FOUND);
    cr_assert_eq(found_id(&match), 2);
    cr_assert_eq(match.index, 1);
    cr_assert_str_eq(match.rest, "");
    cr_assert_eq(find(PT_METHOD_HEAD, "/healthz").result, PT_ROUTER_FOUND);
    cr_assert_eq(find(PT_METHOD_GET, "/healthz/").result, PT_ROUTER_NOT_FOUND);
    cr_assert_eq(find(PT_METHOD_GET, "/healthzz").result, PT_ROUTER_NOT_FOUND);
}

Test(router, parameter_is_one_segment)
{
    struct pt_router_match match = find(PT_METHOD_PUT, "/items/spring-appeal");
    cr_assert_eq(match.result, PT_ROUTER_FOUND);
    cr_assert_eq(found_id(&match), 3);
    cr_assert_eq(match.param_count, 1);
    cr_assert_eq(match.param_lengths[0], strlen("spring-appeal"));
    cr_assert_eq(strncmp(match.params[0], "spring-appeal", match.param_lengths[0]), 0);

    match = find(PT_METHOD_POST, "/items/spring-appeal/live");
    cr_assert_eq(match.result, PT_ROUTER_FOUND);
    cr_assert_eq(found_id(&match), 4);
    cr_assert_eq(strncmp(match.params[0], "spring-appeal", match.param_lengths[0]), 0);

    /* Empty, or more than one segment: no match. */
    cr_assert_eq(find(PT_METHOD_GET, "/items/").result, PT_ROUTER_NOT_FOUND);
    cr_assert_eq(find(PT_METHOD_GET, "/items/a/b").result, PT_ROUTER_NOT_FOUND);
    cr_assert_eq(find(PT_METHOD_POST, "/items//live").result, PT_ROUTER_NOT_FOUND);
}

Test(router, section_and_prefix)
{
    struct pt_router_match match = find(PT_METHOD_GET, "/dash/reports");
    cr_assert_eq(found_id(&match), 5);
    cr_assert_str_eq(match.rest, "");
    match = find(PT_METHOD_GET, "/dash/reports/day");
    cr_assert_eq(found_id(&match), 5);
    cr_assert_str_eq(match.rest, "/day");
    match = find(PT_METHOD_GET, "/dash/reports.csv");
    cr_assert_eq(found_id(&match), 5);
    cr_assert_str_eq(match.rest, ".csv");
    /* A section is not a prefix of a longer word: the prefix route takes it. */
    match = find(PT_METHOD_GET, "/dash/reportsx");
    cr_assert_eq(found_id(&match), 6);
    cr_assert_str_eq(match.rest, "reportsx");
    match = find(PT_METHOD_OTHER, "/dash/anything/at/all");
    cr_assert_eq(match.result, PT_ROUTER_FOUND);
    cr_assert_eq(found_id(&match), 6);
}

Test(router, wrong_method_is_405_with_allow)
{
    struct pt_router_match match = find(PT_METHOD_GET, "/v1/appeal");
    cr_assert_eq(match.result, PT_ROUTER_WRONG_METHOD);
    cr_assert_eq(found_id(&match), 1);
    char allow[PT_ROUTER_ALLOW_MAX];
    pt_router_allow(match.route, allow);
    cr_assert_str_eq(allow, "POST, OPTIONS");
    pt_router_allow(&table[1].match, allow);
    cr_assert_str_eq(allow, "GET, HEAD");
    pt_router_allow(&table[2].match, allow);
    cr_assert_str_eq(allow, "GET, HEAD, PUT, DELETE");

    /* The first path that matches decides: no search on down the table. */
    match = find(PT_METHOD_DELETE, "/dash/reports");
    cr_assert_eq(match.result, PT_ROUTER_WRONG_METHOD);
    cr_assert_eq(found_id(&match), 5);

    struct pt_arena arena;
    pt_arena_init(&arena);
    struct pt_request request;
    memset(&request, 0, sizeof(request));
    request.arena = &arena;
    request.path = "/v1/appeal";
    request.json_errors = true;
    struct pt_response response;
    memset(&response, 0, sizeof(response));
    pt_router_wrong_method(&table[0].match, &request, &response);
    cr_assert_eq(response.status, 405);
    cr_assert_eq(response.header_count, 1);
    cr_assert_str_eq(response.header_names[0], "Allow");
    cr_assert_str_eq(response.header_values[0], "POST, OPTIONS");
    cr_assert_str_eq(response.content_type, "application/json");
    cr_assert(strstr(response.body, "method_not_allowed") != NULL);
    pt_arena_dispose(&arena);
}

Test(router, unknown_path_is_not_found)
{
    struct pt_router_match match = find(PT_METHOD_GET, "/nowhere");
    cr_assert_eq(match.result, PT_ROUTER_NOT_FOUND);
    cr_assert_null(match.route);
    cr_assert_eq(find(PT_METHOD_GET, "").result, PT_ROUTER_NOT_FOUND);
    cr_assert_eq(find(PT_METHOD_GET, "/dash").result, PT_ROUTER_NOT_FOUND);
}

Test(router, cors_preflight)
{
    struct pt_router_match match = find(PT_METHOD_OPTIONS, "/v1/appeal");
    cr_assert_eq(match.result, PT_ROUTER_PREFLIGHT);
    cr_assert_eq(found_id(&match), 1);
    /* Without CORS, OPTIONS is just a method the route does not take. */
    cr_assert_eq(find(PT_METHOD_OPTIONS, "/healthz").result, PT_ROUTER_WRONG_METHOD);
}

#ifndef NDEBUG
/* A header past the room would be dropped without a word (it could be the
 * CSP): a debug build stops there. */
Test(response, a_header_past_the_room_stops_a_debug_build, .signal = SIGABRT)
{
    struct pt_response response = {0};
    static char names[PT_RESPONSE_HEADERS_MAX + 1][16];
    for (int i = 0; i <= PT_RESPONSE_HEADERS_MAX; i++) {
        snprintf(names[i], sizeof(names[i]), "X-Header-%d", i);
        pt_response_header(&response, names[i], "1");
    }
}
#endif

Test(response, setting_a_header_again_replaces_it)
{
    struct pt_response response = {0};
    pt_response_header(&response, "Cache-Control", "no-store");
    pt_response_header(&response, "cache-control", "max-age=60");
    cr_assert_eq(response.header_count, 1);
    cr_assert_str_eq(response.header_values[0], "max-age=60");
}
