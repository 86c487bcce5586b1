/* Parsing what the widget sends: strict, with messages that name the field. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "patron/request.h"

static struct pt_appeal_request request;
static char error[256];

static enum pt_status parse(const char *body)
{
    error[0] = '\0';
    return pt_request_parse_appeal(body, strlen(body), NULL, &request, error, sizeof(error));
}

Test(request, a_full_request)
{
    const char *body =
        "{\"article\":{\"id\":\"demo-article\",\"section\":\"investigations\","
        "\"tags\":[\"courts\",\"press-freedom\"],\"language\":\"en\",\"opt_out\":false},"
        "\"reader\":{\"bucket\":4294967295,\"supporter\":true,"
        "\"views\":[{\"campaign\":\"demo-2026\",\"at\":1764390000}],"
        "\"snoozes\":[{\"campaign\":\"demo-2026\",\"reason\":\"close\",\"at\":1764390001}],"
        "\"weeks\":[{\"week\":2918,\"count\":3}]}}";
    cr_assert_eq(parse(body), PT_OK, "%s", error);
    cr_assert_str_eq(request.article_id, "demo-article");
    cr_assert_str_eq(request.section, "investigations");
    cr_assert_eq(request.tag_count, 2);
    cr_assert_str_eq(request.tags[1], "press-freedom");
    cr_assert_eq(request.bucket, 4294967295u);
    cr_assert(request.supporter);
    cr_assert_eq(request.view_count, 1);
    cr_assert_eq(request.views[0].at, 1764390000);
    cr_assert_eq(request.snooze_count, 1);
    cr_assert_eq(request.snoozes[0].reason, PT_SNOOZE_CLOSE);
    cr_assert_eq(request.week_count, 1);
    cr_assert_eq(request.weeks[0].count, 3);
}

Test(request, the_smallest_request)
{
    cr_assert_eq(parse("{\"article\":{\"id\":\"a\",\"language\":\"ru\"},\"reader\":{\"bucket\":0}}"),
                 PT_OK, "%s", error);
    cr_assert_str_eq(request.language, "ru");
    cr_assert_eq(request.view_count, 0);
}

static void refused(const char *body, const char *message)
{
    cr_assert_neq(parse(body), PT_OK, "accepted: %s", body);
    cr_assert(strstr(error, message) != NULL, "message \"%s\" lacks \"%s\"", error, message);
}

Test(request, bad_input_is_refused_with_a_message_naming_the_field)
{
    refused("{\"article\":", "invalid JSON");
    refused("[]", "the request must be a JSON object");
    refused("{\"article\":{\"id\":\"a\",\"language\":\"en\"},\"article\":{\"id\":\"b\","
            "\"language\":\"en\"},\"reader\":{\"bucket\":1}}",
            "duplicate object key");
    refused("{\"article\":{\"id\":\"a\",\"language\":\"en\",\"colour\":1},\"reader\":{\"bucket\":1}}",
            "article has an unknown field \"colour\"");
    refused("{\"article\":{\"id\":\"a\",\"language\":\"en\"},\"reader\":{\"bucket\":\"x\"}}",
            "reader.bucket must be a whole number");
    refused("{\"article\":{\"id\":\"a\",\"language\":\"en\"},\"reader\":{\"bucket\":-1}}",
            "reader.bucket must be a whole number from 0 to 4294967295");
    refused("{\"article\":{\"id\":\"a\",\"language\":\"en\"},\"reader\":{\"bucket\":4294967296}}",
            "reader.bucket");
    refused("{\"article\":{\"id\":\"a\",\"language\":\"en\",\"tags\":\"a\"},\"reader\":{\"bucket\":1}}",
            "article.tags must be an array");
    refused("{\"article\":{\"language\":\"en\"},\"reader\":{\"bucket\":1}}", "article.id is required");
    refused("{\"article\":{\"id\":\"a\",\"language\":\"english!\"},\"reader\":{\"bucket\":1}}",
            "article.language");
    refused("{\"article\":{\"id\":\"a\",\"language\":\"en\"}}", "needs both");
    refused("{\"article\":{\"id\":\"a\",\"language\":\"en\"},\"reader\":{\"bucket\":1,"
            "\"snoozes\":[{\"campaign\":\"c\",\"reason\":\"bored\",\"at\":1764390000}]}}",
            "reason must be");
    refused("{\"article\":{\"id\":\"\\u00ff\xff\",\"language\":\"en\"},\"reader\":{\"bucket\":1}}",
            "invalid JSON");
}

Test(request, lists_have_limits)
{
    char body[8192];
    size_t at = (size_t)snprintf(body, sizeof(body),
                                 "{\"article\":{\"id\":\"a\",\"language\":\"en\"},\"reader\":{"
                                 "\"bucket\":1,\"views\":[");
    for (int i = 0; i < 51; i++)
        at += (size_t)snprintf(body + at, sizeof(body) - at,
                               "%s{\"campaign\":\"c\",\"at\":1764390000}", i ? "," : "");
    snprintf(body + at, sizeof(body) - at, "]}}");
    cr_assert_eq(parse(body), PT_ERR_TOO_LARGE);
    cr_assert(strstr(error, "reader.views has more than 50 items; at most 50") != NULL, "%s", error);

    /* Too many tags is too large too; a broken rule near such words is not. */
    at = (size_t)snprintf(body, sizeof(body), "{\"article\":{\"id\":\"a\",\"tags\":[");
    for (int i = 0; i <= PT_ARTICLE_TAGS_MAX; i++)
        at += (size_t)snprintf(body + at, sizeof(body) - at, "%s\"t%d\"", i ? "," : "", i);
    snprintf(body + at, sizeof(body) - at, "],\"language\":\"en\"},\"reader\":{\"bucket\":1}}");
    cr_assert_eq(parse(body), PT_ERR_TOO_LARGE, "%s", error);
    cr_assert_eq(parse("{\"article\":{\"id\":\"has more than\",\"language\":\"x y\"},"
                       "\"reader\":{\"bucket\":1}}"),
                 PT_ERR_INVALID, "%s", error);
}

Test(request, the_campaigns_a_page_already_shows)
{
    cr_assert_eq(parse("{\"article\":{\"id\":\"a\",\"language\":\"en\",\"placement\":"
                       "\"end_of_article\",\"shown\":[\"spring\",\"demo-2026\"]},"
                       "\"reader\":{\"bucket\":1}}"),
                 PT_OK, "%s", error);
    cr_assert_eq(request.shown_count, 2);
    cr_assert_str_eq(request.shown[1], "demo-2026");
    cr_assert_str_eq(request.placement, "end_of_article");
    cr_assert_eq(parse("{\"article\":{\"id\":\"a\",\"language\":\"en\",\"shown\":[]},"
                       "\"reader\":{\"bucket\":1}}"),
                 PT_OK, "%s", error);
    cr_assert_eq(request.shown_count, 0);
    refused("{\"article\":{\"id\":\"a\",\"language\":\"en\",\"shown\":\"spring\"},"
            "\"reader\":{\"bucket\":1}}",
            "article.shown must be an array");
    refused("{\"article\":{\"id\":\"a\",\"language\":\"en\",\"shown\":[\"Spring 2027\"]},"
            "\"reader\":{\"bucket\":1}}",
            "article.shown must hold campaign ids");
    refused("{\"article\":{\"id\":\"a\",\"language\":\"en\",\"shown\":[\"\"]},"
            "\"reader\":{\"bucket\":1}}",
            "article.shown must hold campaign ids");
    refused("{\"article\":{\"id\":\"a\",\"language\":\"en\",\"shown\":[1]},"
            "\"reader\":{\"bucket\":1}}",
            "article.shown must hold campaign ids");
    refused("{\"article\":{\"id\":\"a\",\"language\":\"en\",\"shown\":[{}]},"
            "\"reader\":{\"bucket\":1}}",
            "article.shown must hold campaign ids");
    refused("{\"article\":{\"id\":\"a\",\"language\":\"en\",\"shown\":[\"a\"],"
            "\"shown\":[\"b\"]},\"reader\":{\"bucket\":1}}",
            "duplicate object key");
    cr_assert_eq(parse("{\"article\":{\"id\":\"a\",\"language\":\"en\",\"shown\":[\"a\","
                       "\"b\",\"c\",\"d\",\"e\"]},\"reader\":{\"bucket\":1}}"),
                 PT_ERR_TOO_LARGE);
    cr_assert(strstr(error, "article.shown has more than 4 items") != NULL, "%s", error);
    /* The list ends where it should: the article's later fields still count. */
    cr_assert_eq(parse("{\"article\":{\"id\":\"a\",\"shown\":[\"b\"],\"language\":\"ru\"},"
                       "\"reader\":{\"bucket\":1}}"),
                 PT_OK, "%s", error);
    cr_assert_str_eq(request.language, "ru");
}

Test(request, embed_placement)
{
    cr_assert_eq(pt_request_from_query("demo", NULL, NULL, "en", &request, error, sizeof(error)),
                 PT_OK);
    cr_assert_eq(pt_request_query_placement(NULL, &request, error, sizeof(error)), PT_OK);
    cr_assert_str_eq(request.placement, "");
    cr_assert_eq(pt_request_query_placement("banner_top", &request, error, sizeof(error)), PT_OK);
    cr_assert_str_eq(request.placement, "banner_top");
    char long_name[100];
    memset(long_name, 'x', sizeof(long_name) - 1);
    long_name[sizeof(long_name) - 1] = '\0';
    cr_assert_eq(pt_request_query_placement(long_name, &request, error, sizeof(error)),
                 PT_ERR_INVALID);
    cr_assert(strstr(error, "placement must be UTF-8 of at most 64 bytes") != NULL, "%s", error);
    cr_assert_eq(pt_request_query_placement("\xff", &request, error, sizeof(error)),
                 PT_ERR_INVALID);
}

Test(request, embed_query)
{
    cr_assert_eq(pt_request_from_query("demo", "news", "a,,b,c", NULL, &request, error,
                                       sizeof(error)),
                 PT_OK);
    cr_assert_str_eq(request.language, "en");
    cr_assert_eq(request.tag_count, 3);
    cr_assert_str_eq(request.tags[2], "c");
    cr_assert_eq(pt_request_from_query(NULL, NULL, NULL, "en", &request, error, sizeof(error)),
                 PT_ERR_INVALID);
    cr_assert_eq(pt_request_from_query("a", NULL, NULL, "<script>", &request, error,
                                       sizeof(error)),
                 PT_ERR_INVALID);
}

Test(request, events)
{
    struct pt_event_input events[PT_EVENTS_PER_REQUEST_MAX];
    size_t count = 0;
    const char *good = "{\"events\":[{\"kind\":\"impression\",\"campaign\":\"c\",\"variant\":\"a\"},"
                       "{\"kind\":\"snooze_later\",\"campaign\":\"c\",\"variant\":\"a\"}]}";
    cr_assert_eq(pt_request_parse_events(good, strlen(good), events, &count, error, sizeof(error)),
                 PT_OK, "%s", error);
    cr_assert_eq(count, 2);
    cr_assert_eq(events[1].kind, PT_EVENT_SNOOZE_LATER);
    const char *internal = "{\"events\":[{\"kind\":\"pledge_pending\",\"campaign\":\"c\","
                           "\"variant\":\"a\"}]}";
    cr_assert_eq(pt_request_parse_events(internal, strlen(internal), events, &count, error,
                                         sizeof(error)),
                 PT_ERR_INVALID, "pages cannot report pledges");
}
