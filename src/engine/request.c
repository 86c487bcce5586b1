#include "patron/request.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <yajl/yajl_parse.h>

#include "patron/alloc.h"
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

/* --------------------------------------------- the appeal request, streamed */

/* The appeal request is parsed on every article view, so it is read with
 * yajl's streaming parser straight into the fixed-size request: no document
 * is built, nothing is allocated but the parser's own small state (from a
 * request-sized arena). Each callback knows where in the request it is and
 * refuses, with the field's name, anything the request does not allow:
 * unknown or repeated keys, wrong types, values out of range, lists too
 * long. Strings arrive UTF-8-checked by yajl. */

enum place {
    PLACE_START, /* before the root object */
    PLACE_ROOT,
    PLACE_ARTICLE,
    PLACE_TAGS,
    PLACE_SHOWN,
    PLACE_READER,
    PLACE_VIEWS,
    PLACE_VIEW,
    PLACE_SNOOZES,
    PLACE_SNOOZE,
    PLACE_WEEKS,
    PLACE_WEEK,
    PLACE_END,
};

/* The keys of each object, in the order of their bits in `seen`. */
static const char *const root_keys[] = {"article", "reader", NULL};
static const char *const article_keys[] = {"id",        "section",   "tags", "language",
                                           "opt_out",   "sensitive", "placement", "shown", NULL};
static const char *const reader_keys[] = {"bucket", "supporter", "former_supporter", "device",
                                          "views",  "snoozes",   "weeks",            NULL};
static const char *const view_keys[] = {"campaign", "at", NULL};
static const char *const snooze_keys[] = {"campaign", "reason", "at", NULL};
static const char *const week_keys[] = {"week", "count", NULL};

enum { ARTICLE_ID, ARTICLE_SECTION, ARTICLE_TAGS, ARTICLE_LANGUAGE, ARTICLE_OPT_OUT,
       ARTICLE_SENSITIVE, ARTICLE_PLACEMENT, ARTICLE_SHOWN };
enum { READER_BUCKET, READER_SUPPORTER, READER_FORMER, READER_DEVICE, READER_VIEWS,
       READER_SNOOZES, READER_WEEKS };

struct stream {
    struct pt_appeal_request *request;
    enum place place;
    int key;                /* the key whose value comes next, in the current object */
    unsigned seen[PLACE_END]; /* keys met so far in the current object of each place */
    char *error;
    size_t error_size;
    bool failed;            /* error holds our message, not yajl's */
    enum pt_status refusal; /* when failed: what kind of refusal it is */
    int64_t number;         /* the current item's "at" or "week" */
    int64_t count;
    enum pt_snooze_reason reason;
    char campaign[PT_ID_MAX];
    /* A value out of range inside a list item is reported when the item
     * ends, so that an unknown key later in the same item, the likelier
     * mistake, is the one named. */
    char pending[200];
};

static const char *const *keys_of(enum place place)
{
    switch (place) {
    case PLACE_ROOT: return root_keys;
    case PLACE_ARTICLE: return article_keys;
    case PLACE_READER: return reader_keys;
    case PLACE_VIEW: return view_keys;
    case PLACE_SNOOZE: return snooze_keys;
    case PLACE_WEEK: return week_keys;
    default: return NULL;
    }
}

static const char *name_of(enum place place)
{
    switch (place) {
    case PLACE_ROOT: return "the request";
    case PLACE_ARTICLE: return "article";
    case PLACE_READER: return "reader";
    case PLACE_VIEW: return "reader.views[]";
    case PLACE_SNOOZE: return "reader.snoozes[]";
    case PLACE_WEEK: return "reader.weeks[]";
    case PLACE_TAGS: return "article.tags[]";
    case PLACE_SHOWN: return "article.shown[]";
    default: return "the request";
    }
}

static int refuse_as(struct stream *stream, enum pt_status status, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/* Stops the parse with a message and its kind of refusal: a rule broken
 * (PT_ERR_INVALID) or a list longer than patron keeps (PT_ERR_TOO_LARGE). */
static int refuse_as(struct stream *stream, enum pt_status status, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vsnprintf(stream->error, stream->error_size, format, args);
    va_end(args);
    stream->failed = true;
    stream->refusal = status;
    return 0;
}

#define refuse(stream, ...) refuse_as(stream, PT_ERR_INVALID, __VA_ARGS__)

static const char *field_name(const struct stream *stream)
{
    const char *const *keys = keys_of(stream->place);
    return keys != NULL && stream->key >= 0 ? keys[stream->key] : "";
}

/* "article.id must be a string" and its kin, for the value now expected. */
static int wrong_type(struct stream *stream, const char *what)
{
    if (stream->place == PLACE_START)
        return refuse(stream, "the request must be a JSON object");
    if (stream->place == PLACE_TAGS)
        return refuse(stream, "article.tags must be strings of at most %d bytes", PT_NAME_MAX - 1);
    if (stream->place == PLACE_SHOWN)
        return refuse(stream, "article.shown must hold campaign ids such as \"spring-2027\"");
    if (stream->place == PLACE_VIEWS || stream->place == PLACE_SNOOZES ||
        stream->place == PLACE_WEEKS)
        return refuse(stream, "%s must be a JSON object",
                      stream->place == PLACE_VIEWS     ? "reader.views[]"
                      : stream->place == PLACE_SNOOZES ? "reader.snoozes[]"
                                                       : "reader.weeks[]");
    return refuse(stream, "%s.%s must be %s", name_of(stream->place), field_name(stream), what);
}

static bool whole(struct stream *stream, long long value, long long min, long long max)
{
    if (value >= min && value <= max)
        return true;
    bool in_item = stream->place == PLACE_VIEW || stream->place == PLACE_SNOOZE ||
                   stream->place == PLACE_WEEK;
    if (in_item && stream->pending[0] == '\0') {
        snprintf(stream->pending, sizeof(stream->pending),
                 "%s.%s must be a whole number from %lld to %lld", name_of(stream->place),
                 field_name(stream), min, max);
        return true;
    }
    if (in_item)
        return true;
    refuse(stream, "%s.%s must be a whole number from %lld to %lld", name_of(stream->place),
           field_name(stream), min, max);
    return false;
}

static bool copy_text(struct stream *stream, char *out, size_t size, const unsigned char *text,
                      size_t length)
{
    if (length >= size || memchr(text, '\0', length) != NULL) {
        refuse(stream, "%s.%s must be a string of at most %zu bytes without NUL",
               name_of(stream->place), field_name(stream), size - 1);
        return false;
    }
    memcpy(out, text, length);
    out[length] = '\0';
    return true;
}

static int on_null(void *context)
{
    return wrong_type(context, "a value, not null");
}

static int on_double(void *context, double value)
{
    (void)value;
    struct stream *stream = context;
    return wrong_type(stream, stream->place == PLACE_ARTICLE ? "a string" : "a whole number");
}

static int on_boolean(void *context, int value)
{
    struct stream *stream = context;
    struct pt_appeal_request *request = stream->request;
    if (stream->place == PLACE_ARTICLE && stream->key == ARTICLE_OPT_OUT)
        request->opt_out = value;
    else if (stream->place == PLACE_ARTICLE && stream->key == ARTICLE_SENSITIVE)
        request->sensitive = value;
    else if (stream->place == PLACE_READER && stream->key == READER_SUPPORTER)
        request->supporter = value;
    else if (stream->place == PLACE_READER && stream->key == READER_FORMER)
        request->former_supporter = value;
    else
        return wrong_type(stream, stream->place == PLACE_ARTICLE ? "a string"
                                                                 : "a whole number");
    return 1;
}

static int on_integer(void *context, long long value)
{
    struct stream *stream = context;
    if (stream->place == PLACE_READER && stream->key == READER_BUCKET) {
        if (!whole(stream, value, 0, UINT32_MAX))
            return 0;
        stream->request->bucket = (uint32_t)value;
    } else if ((stream->place == PLACE_VIEW && stream->key == 1) ||
               (stream->place == PLACE_SNOOZE && stream->key == 2)) {
        if (!whole(stream, value, TIME_MIN, TIME_MAX))
            return 0;
        stream->number = value;
    } else if (stream->place == PLACE_WEEK && stream->key == 0) {
        if (!whole(stream, value, TIME_MIN / 604800, TIME_MAX / 604800))
            return 0;
        stream->number = value;
    } else if (stream->place == PLACE_WEEK && stream->key == 1) {
        if (!whole(stream, value, 0, 100000))
            return 0;
        stream->count = value;
    } else {
        bool flag = (stream->place == PLACE_ARTICLE &&
                     (stream->key == ARTICLE_OPT_OUT || stream->key == ARTICLE_SENSITIVE)) ||
                    (stream->place == PLACE_READER &&
                     (stream->key == READER_SUPPORTER || stream->key == READER_FORMER));
        return wrong_type(stream, flag ? "true or false" : "a string");
    }
    return 1;
}

static int on_string(void *context, const unsigned char *text, size_t length)
{
    struct stream *stream = context;
    struct pt_appeal_request *request = stream->request;
    char value[PT_ARTICLE_ID_MAX];
    switch (stream->place) {
    case PLACE_ARTICLE:
        switch (stream->key) {
        case ARTICLE_ID:
            if (!copy_text(stream, request->article_id, sizeof(request->article_id), text, length))
                return 0;
            if (length == 0)
                return refuse(stream, "article.id must not be empty");
            return 1;
        case ARTICLE_SECTION:
            if (!copy_text(stream, request->section, sizeof(request->section), text, length))
                return 0;
            request->section_hash = length ? pt_catalog_hash(request->section) : 0;
            return 1;
        case ARTICLE_LANGUAGE:
            if (!copy_text(stream, request->language, sizeof(request->language), text, length))
                return 0;
            if (!pt_catalog_is_language(request->language))
                return refuse(stream, "article.language must be a language tag such as \"en\"");
            lower_case(request->language);
            return 1;
        case ARTICLE_PLACEMENT:
            return copy_text(stream, request->placement, sizeof(request->placement), text,
                             length);
        default: break;
        }
        break;
    case PLACE_TAGS:
        if (request->tag_count == PT_ARTICLE_TAGS_MAX)
            return refuse_as(stream, PT_ERR_TOO_LARGE, "article.tags has more than %d items",
                             PT_ARTICLE_TAGS_MAX);
        if (length >= PT_NAME_MAX || memchr(text, '\0', length) != NULL)
            return wrong_type(stream, "");
        add_tag(request, (const char *)text, length);
        return 1;
    case PLACE_SHOWN:
        if (request->shown_count == PT_SHOWN_MAX)
            return refuse_as(stream, PT_ERR_TOO_LARGE, "article.shown has more than %d items",
                             PT_SHOWN_MAX);
        if (length >= PT_ID_MAX)
            return wrong_type(stream, "");
        memcpy(value, text, length);
        value[length] = '\0';
        if (!pt_catalog_is_id(value))
            return wrong_type(stream, "");
        memcpy(request->shown[request->shown_count++], value, length + 1);
        return 1;
    case PLACE_READER:
        if (stream->key == READER_DEVICE) {
            if (!copy_text(stream, value, 16, text, length))
                return 0;
            if (parse_device(value, &request->device) != PT_OK)
                return refuse(stream, "reader.device must be \"mobile\", \"tablet\" or "
                                      "\"desktop\"");
            return 1;
        }
        break;
    case PLACE_VIEW:
    case PLACE_SNOOZE:
        if (stream->key == 0)
            return copy_text(stream, stream->campaign, sizeof(stream->campaign), text, length);
        if (stream->place == PLACE_SNOOZE && stream->key == 1) {
            if (!copy_text(stream, value, 16, text, length) ||
                parse_snooze_reason(value, &stream->reason) != PT_OK)
                return refuse(stream, "reader.snoozes[].reason must be \"later\", \"close\" or "
                                      "\"supporting\"");
            return 1;
        }
        break;
    default: break;
    }
    bool flag = (stream->place == PLACE_ARTICLE &&
                 (stream->key == ARTICLE_OPT_OUT || stream->key == ARTICLE_SENSITIVE)) ||
                (stream->place == PLACE_READER &&
                 (stream->key == READER_SUPPORTER || stream->key == READER_FORMER));
    if (stream->place == PLACE_ARTICLE &&
        (stream->key == ARTICLE_TAGS || stream->key == ARTICLE_SHOWN))
        return wrong_type(stream, "an array");
    if (stream->place == PLACE_READER && stream->key >= READER_VIEWS)
        return wrong_type(stream, "an array");
    return wrong_type(stream, flag ? "true or false" : "a whole number");
}

static int on_start_map(void *context)
{
    struct stream *stream = context;
    enum place next = PLACE_END;
    if (stream->place == PLACE_START)
        next = PLACE_ROOT;
    else if (stream->place == PLACE_ROOT)
        next = stream->key == 0 ? PLACE_ARTICLE : PLACE_READER;
    else if (stream->place == PLACE_VIEWS)
        next = PLACE_VIEW;
    else if (stream->place == PLACE_SNOOZES)
        next = PLACE_SNOOZE;
    else if (stream->place == PLACE_WEEKS)
        next = PLACE_WEEK;
    if (next == PLACE_END)
        return wrong_type(stream, stream->place == PLACE_ARTICLE ? "a string" : "a value");
    struct pt_appeal_request *request = stream->request;
    size_t *count = next == PLACE_VIEW     ? &request->view_count
                    : next == PLACE_SNOOZE ? &request->snooze_count
                    : next == PLACE_WEEK   ? &request->week_count
                                           : NULL;
    size_t limit = next == PLACE_VIEW ? PT_VIEWS_MAX : next == PLACE_SNOOZE ? PT_SNOOZES_MAX
                                                                             : PT_WEEKS_MAX;
    if (count != NULL && *count == limit)
        return refuse_as(stream, PT_ERR_TOO_LARGE,
                         "reader.%s has more than %zu items; at most %zu are allowed",
                         next == PLACE_VIEW     ? "views"
                         : next == PLACE_SNOOZE ? "snoozes"
                                                : "weeks",
                         limit, limit);
    stream->place = next;
    stream->key = -1;
    stream->seen[next] = 0;
    stream->campaign[0] = '\0';
    return 1;
}

static int on_map_key(void *context, const unsigned char *key, size_t length)
{
    struct stream *stream = context;
    const char *const *keys = keys_of(stream->place);
    for (int i = 0; keys != NULL && keys[i] != NULL; i++) {
        if (strlen(keys[i]) == length && memcmp(keys[i], key, length) == 0) {
            if (stream->seen[stream->place] & (1u << i))
                return refuse(stream, "%s has the field \"%s\" twice (duplicate object key)",
                              name_of(stream->place), keys[i]);
            stream->seen[stream->place] |= 1u << i;
            stream->key = i;
            return 1;
        }
    }
    return refuse(stream, "%s has an unknown field \"%.*s\"", name_of(stream->place),
                  (int)(length < 64 ? length : 64), (const char *)key);
}

static int on_end_map(void *context)
{
    struct stream *stream = context;
    struct pt_appeal_request *request = stream->request;
    unsigned seen = stream->seen[stream->place];
    if (stream->pending[0] != '\0')
        return refuse(stream, "%s", stream->pending);
    switch (stream->place) {
    case PLACE_ROOT:
        if ((seen & 3u) != 3u)
            return refuse(stream, "the request needs both \"article\" and \"reader\"");
        stream->place = PLACE_END;
        return 1;
    case PLACE_ARTICLE:
        if (!(seen & (1u << ARTICLE_ID)))
            return refuse(stream, "article.id is required");
        if (!(seen & (1u << ARTICLE_LANGUAGE)))
            return refuse(stream, "article.language is required");
        stream->place = PLACE_ROOT;
        return 1;
    case PLACE_READER:
        if (!(seen & (1u << READER_BUCKET)))
            return refuse(stream, "reader.bucket is required");
        stream->place = PLACE_ROOT;
        return 1;
    case PLACE_VIEW:
        if (seen != 3u)
            return refuse(stream, "reader.views[].%s is required",
                          seen & 1u ? "at" : "campaign");
        snprintf(request->views[request->view_count].campaign, PT_ID_MAX, "%s", stream->campaign);
        request->views[request->view_count++].at = stream->number;
        stream->place = PLACE_VIEWS;
        return 1;
    case PLACE_SNOOZE:
        if (seen != 7u)
            return refuse(stream, "reader.snoozes[].%s is required",
                          !(seen & 1u) ? "campaign" : !(seen & 2u) ? "reason" : "at");
        snprintf(request->snoozes[request->snooze_count].campaign, PT_ID_MAX, "%s",
                 stream->campaign);
        request->snoozes[request->snooze_count].reason = stream->reason;
        request->snoozes[request->snooze_count++].at = stream->number;
        stream->place = PLACE_SNOOZES;
        return 1;
    case PLACE_WEEK:
        if (seen != 3u)
            return refuse(stream, "reader.weeks[].%s is required", seen & 1u ? "count" : "week");
        request->weeks[request->week_count].week = stream->number;
        request->weeks[request->week_count++].count = (uint32_t)stream->count;
        stream->place = PLACE_WEEKS;
        return 1;
    default: return refuse(stream, "the request is not shaped as documented");
    }
}

static int on_start_array(void *context)
{
    struct stream *stream = context;
    if (stream->place == PLACE_ARTICLE && stream->key == ARTICLE_TAGS) {
        stream->place = PLACE_TAGS;
        return 1;
    }
    if (stream->place == PLACE_ARTICLE && stream->key == ARTICLE_SHOWN) {
        stream->place = PLACE_SHOWN;
        return 1;
    }
    if (stream->place == PLACE_READER && stream->key >= READER_VIEWS) {
        stream->place = stream->key == READER_VIEWS     ? PLACE_VIEWS
                        : stream->key == READER_SNOOZES ? PLACE_SNOOZES
                                                        : PLACE_WEEKS;
        return 1;
    }
    if (stream->place == PLACE_START)
        return refuse(stream, "the request must be a JSON object");
    return wrong_type(stream, stream->place == PLACE_ARTICLE ? "a string" : "a value");
}

static int on_end_array(void *context)
{
    struct stream *stream = context;
    if (stream->place == PLACE_TAGS || stream->place == PLACE_SHOWN) {
        stream->key = stream->place == PLACE_TAGS ? ARTICLE_TAGS : ARTICLE_SHOWN;
        stream->place = PLACE_ARTICLE;
    } else {
        stream->place = PLACE_READER;
    }
    return 1;
}

static const yajl_callbacks stream_callbacks = {
    on_null,      on_boolean, on_integer,  on_double,      NULL,        on_string,
    on_start_map, on_map_key, on_end_map,  on_start_array, on_end_array,
};

/* yajl's few allocations come from a small arena on the stack's side. */
static void *arena_malloc(void *context, size_t size)
{
    size_t *block = pt_arena_alloc(context, size + sizeof(max_align_t));
    block[0] = size;
    return (char *)block + sizeof(max_align_t);
}

static void *arena_realloc(void *context, void *pointer, size_t size)
{
    if (pointer == NULL)
        return arena_malloc(context, size);
    size_t old = *(size_t *)((char *)pointer - sizeof(max_align_t));
    if (size <= old)
        return pointer;
    void *grown = arena_malloc(context, size);
    memcpy(grown, pointer, old);
    return grown;
}

static void arena_free(void *context, void *pointer)
{
    (void)context, (void)pointer;
}

static void reset_request(struct pt_appeal_request *request)
{
    /* Only what parsing may leave unset; the arrays are filled up to their
     * counts and never read beyond. */
    request->article_id[0] = '\0';
    request->section[0] = '\0';
    request->section_hash = 0;
    request->tag_count = 0;
    request->language[0] = '\0';
    request->placement[0] = '\0';
    request->shown_count = 0;
    request->opt_out = false;
    request->sensitive = false;
    request->country[0] = '\0';
    request->device = PT_DEVICE_UNKNOWN;
    request->bucket = 0;
    request->supporter = false;
    request->former_supporter = false;
    request->view_count = 0;
    request->snooze_count = 0;
    request->week_count = 0;
}

enum pt_status pt_request_parse_appeal(const char *body, size_t length, struct pt_arena *arena,
                                       struct pt_appeal_request *request, char *error,
                                       size_t error_size)
{
    reset_request(request);
    struct stream stream;
    memset(&stream, 0, sizeof(stream));
    stream.request = request;
    stream.key = -1;
    stream.error = error;
    stream.error_size = error_size;
    struct pt_arena own;
    pt_arena_init(&own);
    yajl_alloc_funcs allocator = {arena_malloc, arena_realloc, arena_free,
                                  arena != NULL ? arena : &own};
    yajl_handle parser = yajl_alloc(&stream_callbacks, &allocator, &stream);
    enum pt_status status = PT_OK;
    yajl_status parsed = yajl_parse(parser, (const unsigned char *)body, length);
    if (parsed == yajl_status_ok)
        parsed = yajl_complete_parse(parser);
    if (parsed != yajl_status_ok) {
        status = PT_ERR_INVALID;
        if (!stream.failed) {
            unsigned char *message = yajl_get_error(parser, 0, (const unsigned char *)body, length);
            snprintf(error, error_size, "invalid JSON: %s", (const char *)message);
            yajl_free_error(parser, message);
            /* yajl says "parse error: ..." with a trailing newline. */
            size_t end = strlen(error);
            while (end > 0 && (error[end - 1] == '\n' || error[end - 1] == ' '))
                error[--end] = '\0';
        } else {
            status = stream.refusal;
        }
    } else if (stream.place != PLACE_END) {
        snprintf(error, error_size, "the request must be a JSON object");
        status = PT_ERR_INVALID;
    }
    yajl_free(parser);
    pt_arena_dispose(&own);
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
    if (!pt_catalog_is_language(language)) {
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

enum pt_status pt_request_query_placement(const char *placement,
                                         struct pt_appeal_request *request, char *error,
                                         size_t error_size)
{
    return copy_query(request->placement, sizeof(request->placement), placement, "placement",
                      error, error_size);
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
