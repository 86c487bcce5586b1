#include "patron/request.h"

#include <stdio.h>
#include <string.h>

#include "patron/buf.h"
#include "patron/json.h"

/* Language tags compare without regard to case ("en-US" is "en-us"). */
static void lower_case(char *text)
{
    for (; *text; text++) {
        if (*text >= 'A' && *text <= 'Z')
            *text = (char)(*text - 'A' + 'a');
    }
}

static bool is_language(const char *tag)
{
    size_t length = strlen(tag);
    if (length < 2 || length >= PT_LANGUAGE_MAX)
        return false;
    for (const char *p = tag; *p; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '-'))
            return false;
    }
    return true;
}

static void add_tag(struct pt_appeal_request *request, const char *tag, size_t length)
{
    char *copy = request->tags[request->tag_count];
    memcpy(copy, tag, length);
    copy[length] = '\0';
    request->tag_hashes[request->tag_count] = pt_catalog_hash(copy);
    request->tag_count++;
}

static enum pt_status parse_device(const char *name, enum pt_device *device)
{
    static const struct {
        const char *name;
        enum pt_device device;
    } devices[] = {{"mobile", PT_DEVICE_MOBILE},
                   {"tablet", PT_DEVICE_TABLET},
                   {"desktop", PT_DEVICE_DESKTOP}};
    for (size_t i = 0; i < sizeof(devices) / sizeof(devices[0]); i++) {
        if (strcmp(devices[i].name, name) == 0) {
            *device = devices[i].device;
            return PT_OK;
        }
    }
    return PT_ERR_INVALID;
}

static enum pt_status parse_snooze_reason(const char *name, enum pt_snooze_reason *reason)
{
    static const char *const names[PT_SNOOZE_REASONS] = {"later", "close", "supporting"};
    for (int i = 0; i < PT_SNOOZE_REASONS; i++) {
        if (strcmp(names[i], name) == 0) {
            *reason = (enum pt_snooze_reason)i;
            return PT_OK;
        }
    }
    return PT_ERR_INVALID;
}

/* The time stamps the widget keeps: after 2000 and before 2200. */
enum { TIME_MIN = 946684800, TIME_MAX = 7258118400 };

static enum pt_status parse_article(const json_t *article, struct pt_appeal_request *request,
                                    char *error, size_t error_size)
{
    static const char *const allowed[] = {"id",      "section",   "tags",      "language",
                                          "opt_out", "sensitive", "placement", NULL};
    const char *where = "article";
    enum pt_status status = pt_json_expect_object(article, where, allowed, error, error_size);
    if (status)
        return status;
    const char *id = NULL, *section = "", *language = NULL, *placement = "";
    status = pt_json_string(article, where, "id", true, PT_ARTICLE_ID_MAX - 1, &id, error,
                            error_size);
    if (status == PT_OK && id[0] == '\0') {
        snprintf(error, error_size, "article.id must not be empty");
        status = PT_ERR_INVALID;
    }
    if (status == PT_OK)
        status = pt_json_string(article, where, "section", false, PT_NAME_MAX - 1, &section,
                                error, error_size);
    if (status == PT_OK)
        status = pt_json_string(article, where, "placement", false, PT_NAME_MAX - 1, &placement,
                                error, error_size);
    if (status == PT_OK)
        status = pt_json_string(article, where, "language", true, PT_LANGUAGE_MAX - 1, &language,
                                error, error_size);
    if (status)
        return status;
    if (!is_language(language)) {
        snprintf(error, error_size, "article.language must be a language tag such as \"en\"");
        return PT_ERR_INVALID;
    }
    status = pt_json_boolean(article, where, "opt_out", false, &request->opt_out, error,
                             error_size);
    if (status == PT_OK)
        status = pt_json_boolean(article, where, "sensitive", false, &request->sensitive, error,
                                 error_size);
    if (status)
        return status;
    pt_json_copy(request->article_id, sizeof(request->article_id), id);
    pt_json_copy(request->section, sizeof(request->section), section);
    request->section_hash = section[0] ? pt_catalog_hash(section) : 0;
    pt_json_copy(request->language, sizeof(request->language), language);
    lower_case(request->language);
    pt_json_copy(request->placement, sizeof(request->placement), placement);

    const json_t *tags = NULL;
    status = pt_json_array(article, where, "tags", false, PT_ARTICLE_TAGS_MAX, &tags, error,
                           error_size);
    if (status || tags == NULL)
        return status;
    size_t index;
    const json_t *tag;
    json_array_foreach(tags, index, tag) {
        if (!json_is_string(tag) || json_string_length(tag) >= PT_NAME_MAX ||
            strlen(json_string_value(tag)) != json_string_length(tag)) {
            snprintf(error, error_size, "article.tags must be strings of at most %d bytes",
                     PT_NAME_MAX - 1);
            return PT_ERR_INVALID;
        }
        add_tag(request, json_string_value(tag), json_string_length(tag));
    }
    return PT_OK;
}

static enum pt_status parse_campaign_id(const json_t *entry, const char *where, char *out,
                                        char *error, size_t error_size)
{
    const char *campaign = NULL;
    enum pt_status status = pt_json_string(entry, where, "campaign", true, PT_ID_MAX - 1,
                                           &campaign, error, error_size);
    if (status == PT_OK)
        pt_json_copy(out, PT_ID_MAX, campaign);
    return status;
}

static enum pt_status parse_reader(const json_t *reader, struct pt_appeal_request *request,
                                   char *error, size_t error_size)
{
    static const char *const allowed[] = {"bucket", "supporter", "former_supporter", "device",
                                          "views",  "snoozes",   "weeks",            NULL};
    const char *where = "reader";
    enum pt_status status = pt_json_expect_object(reader, where, allowed, error, error_size);
    int64_t bucket = 0;
    const char *device = NULL;
    if (status == PT_OK)
        status = pt_json_boolean(reader, where, "former_supporter", false,
                                 &request->former_supporter, error, error_size);
    if (status == PT_OK)
        status = pt_json_string(reader, where, "device", false, 16, &device, error, error_size);
    if (status == PT_OK && device != NULL && parse_device(device, &request->device) != PT_OK) {
        snprintf(error, error_size, "reader.device must be \"mobile\", \"tablet\" or \"desktop\"");
        status = PT_ERR_INVALID;
    }
    if (status == PT_OK)
        status = pt_json_integer(reader, where, "bucket", true, 0, UINT32_MAX, &bucket, error,
                                 error_size);
    if (status == PT_OK)
        status = pt_json_boolean(reader, where, "supporter", false, &request->supporter, error,
                                 error_size);
    if (status)
        return status;
    request->bucket = (uint32_t)bucket;

    const json_t *list = NULL;
    size_t index;
    const json_t *entry;
    static const char *const view_keys[] = {"campaign", "at", NULL};
    status = pt_json_array(reader, where, "views", false, PT_VIEWS_MAX, &list, error, error_size);
    if (status)
        return status;
    json_array_foreach(list, index, entry) {
        struct pt_reader_view *view = &request->views[request->view_count];
        const char *item = "reader.views[]";
        status = pt_json_expect_object(entry, item, view_keys, error, error_size);
        if (status == PT_OK)
            status = parse_campaign_id(entry, item, view->campaign, error, error_size);
        if (status == PT_OK)
            status = pt_json_integer(entry, item, "at", true, TIME_MIN, TIME_MAX, &view->at,
                                     error, error_size);
        if (status)
            return status;
        request->view_count++;
    }

    static const char *const snooze_keys[] = {"campaign", "reason", "at", NULL};
    list = NULL;
    status = pt_json_array(reader, where, "snoozes", false, PT_SNOOZES_MAX, &list, error,
                           error_size);
    if (status)
        return status;
    json_array_foreach(list, index, entry) {
        struct pt_reader_snooze *snooze = &request->snoozes[request->snooze_count];
        const char *item = "reader.snoozes[]";
        const char *reason = NULL;
        status = pt_json_expect_object(entry, item, snooze_keys, error, error_size);
        if (status == PT_OK)
            status = parse_campaign_id(entry, item, snooze->campaign, error, error_size);
        if (status == PT_OK)
            status = pt_json_string(entry, item, "reason", true, 16, &reason, error, error_size);
        if (status == PT_OK && parse_snooze_reason(reason, &snooze->reason) != PT_OK) {
            snprintf(error, error_size,
                     "reader.snoozes[].reason must be \"later\", \"close\" or \"supporting\"");
            status = PT_ERR_INVALID;
        }
        if (status == PT_OK)
            status = pt_json_integer(entry, item, "at", true, TIME_MIN, TIME_MAX, &snooze->at,
                                     error, error_size);
        if (status)
            return status;
        request->snooze_count++;
    }

    static const char *const week_keys[] = {"week", "count", NULL};
    list = NULL;
    status = pt_json_array(reader, where, "weeks", false, PT_WEEKS_MAX, &list, error, error_size);
    if (status)
        return status;
    json_array_foreach(list, index, entry) {
        struct pt_reader_week *week = &request->weeks[request->week_count];
        const char *item = "reader.weeks[]";
        int64_t count = 0;
        status = pt_json_expect_object(entry, item, week_keys, error, error_size);
        if (status == PT_OK)
            status = pt_json_integer(entry, item, "week", true, TIME_MIN / 604800,
                                     TIME_MAX / 604800, &week->week, error, error_size);
        if (status == PT_OK)
            status = pt_json_integer(entry, item, "count", true, 0, 100000, &count, error,
                                     error_size);
        if (status)
            return status;
        week->count = (uint32_t)count;
        request->week_count++;
    }
    return PT_OK;
}

enum pt_status pt_request_parse_appeal(const char *body, size_t length,
                                       struct pt_appeal_request *request, char *error,
                                       size_t error_size)
{
    memset(request, 0, sizeof(*request));
    json_t *root = pt_json_parse(body, length, error, error_size);
    if (root == NULL)
        return PT_ERR_INVALID;
    static const char *const allowed[] = {"article", "reader", NULL};
    enum pt_status status = pt_json_expect_object(root, "the request", allowed, error, error_size);
    if (status == PT_OK) {
        const json_t *article = json_object_get(root, "article");
        const json_t *reader = json_object_get(root, "reader");
        if (article == NULL || reader == NULL) {
            snprintf(error, error_size, "the request needs both \"article\" and \"reader\"");
            status = PT_ERR_INVALID;
        } else {
            status = parse_article(article, request, error, error_size);
            if (status == PT_OK)
                status = parse_reader(reader, request, error, error_size);
        }
    }
    json_decref(root);
    return status;
}

static enum pt_status copy_query(char *out, size_t size, const char *value, const char *name,
                                 char *error, size_t error_size)
{
    if (value == NULL)
        return PT_OK;
    if (strlen(value) >= size || !pt_utf8_valid(value, strlen(value))) {
        snprintf(error, error_size, "%s must be UTF-8 of at most %zu bytes", name, size - 1);
        return PT_ERR_INVALID;
    }
    pt_json_copy(out, size, value);
    return PT_OK;
}

enum pt_status pt_request_from_query(const char *article, const char *section, const char *tags,
                                     const char *language, struct pt_appeal_request *request,
                                     char *error, size_t error_size)
{
    memset(request, 0, sizeof(*request));
    if (article == NULL || article[0] == '\0') {
        snprintf(error, error_size, "article is required");
        return PT_ERR_INVALID;
    }
    if (language == NULL || language[0] == '\0')
        language = "en";
    if (!is_language(language)) {
        snprintf(error, error_size, "lang must be a language tag such as \"en\"");
        return PT_ERR_INVALID;
    }
    enum pt_status status = copy_query(request->article_id, sizeof(request->article_id), article,
                                       "article", error, error_size);
    if (status == PT_OK)
        status = copy_query(request->section, sizeof(request->section), section, "section", error,
                            error_size);
    if (status)
        return status;
    request->section_hash = request->section[0] ? pt_catalog_hash(request->section) : 0;
    pt_json_copy(request->language, sizeof(request->language), language);
    lower_case(request->language);
    if (tags == NULL || !pt_utf8_valid(tags, strlen(tags))) {
        if (tags != NULL) {
            snprintf(error, error_size, "tags must be UTF-8");
            return PT_ERR_INVALID;
        }
        return PT_OK;
    }
    const char *start = tags;
    while (*start != '\0') {
        const char *end = strchr(start, ',');
        size_t length = end ? (size_t)(end - start) : strlen(start);
        if (length > 0) {
            if (request->tag_count == PT_ARTICLE_TAGS_MAX || length >= PT_NAME_MAX) {
                snprintf(error, error_size, "tags: at most %d tags of at most %d bytes",
                         PT_ARTICLE_TAGS_MAX, PT_NAME_MAX - 1);
                return PT_ERR_INVALID;
            }
            add_tag(request, start, length);
        }
        start += length + (end ? 1 : 0);
    }
    return PT_OK;
}

enum pt_status pt_request_parse_events(const char *body, size_t length,
                                       struct pt_event_input *events, size_t *count, char *error,
                                       size_t error_size)
{
    *count = 0;
    json_t *root = pt_json_parse(body, length, error, error_size);
    if (root == NULL)
        return PT_ERR_INVALID;
    static const char *const allowed[] = {"events", NULL};
    static const char *const event_keys[] = {"kind", "campaign", "variant", NULL};
    const json_t *list = NULL;
    enum pt_status status = pt_json_expect_object(root, "the request", allowed, error, error_size);
    if (status == PT_OK)
        status = pt_json_array(root, "the request", "events", true, PT_EVENTS_PER_REQUEST_MAX,
                               &list, error, error_size);
    size_t index;
    const json_t *entry;
    if (status == PT_OK) {
        json_array_foreach(list, index, entry) {
            struct pt_event_input *event = &events[*count];
            const char *where = "events[]";
            const char *kind = NULL, *campaign = NULL, *variant = NULL;
            status = pt_json_expect_object(entry, where, event_keys, error, error_size);
            if (status == PT_OK)
                status = pt_json_string(entry, where, "kind", true, 32, &kind, error, error_size);
            if (status == PT_OK)
                status = pt_json_string(entry, where, "campaign", true, PT_ID_MAX - 1, &campaign,
                                        error, error_size);
            if (status == PT_OK)
                status = pt_json_string(entry, where, "variant", true, PT_ID_MAX - 1, &variant,
                                        error, error_size);
            if (status == PT_OK && (!pt_event_kind_parse(kind, &event->kind) ||
                                     event->kind > PT_EVENT_SNOOZE_SUPPORTING)) {
                snprintf(error, error_size,
                         "events[].kind must be impression, click, snooze_later, snooze_close or "
                         "snooze_supporting");
                status = PT_ERR_INVALID;
            }
            if (status)
                break;
            pt_json_copy(event->campaign, sizeof(event->campaign), campaign);
            pt_json_copy(event->variant, sizeof(event->variant), variant);
            (*count)++;
        }
    }
    json_decref(root);
    return status;
}
