#include "patron/json.h"

#include <stdalign.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Each block carries a header saying where it came from, so that one free
 * function serves both: arena blocks are left to their arena. */
struct block_header {
    alignas(max_align_t) bool in_arena;
};

static bool initialised;
static _Thread_local struct pt_arena *thread_arena;

static void *json_allocate(size_t size)
{
    struct block_header *header;
    if (thread_arena != NULL) {
        header = pt_arena_alloc(thread_arena, sizeof(*header) + size);
        header->in_arena = true;
    } else {
        header = malloc(sizeof(*header) + size);
        if (header == NULL)
            return NULL;
        header->in_arena = false;
    }
    return header + 1;
}

static void json_release(void *pointer)
{
    if (pointer == NULL)
        return;
    struct block_header *header = (struct block_header *)pointer - 1;
    if (!header->in_arena)
        free(header);
}

void pt_json_free(void *pointer)
{
    if (initialised)
        json_release(pointer);
    else
        free(pointer);
}

void pt_json_init(void)
{
    if (!initialised) {
        json_set_alloc_funcs(json_allocate, json_release);
        initialised = true;
    }
}

void pt_json_use_arena(struct pt_arena *arena)
{
    if (initialised)
        thread_arena = arena;
}

json_t *pt_json_parse(const char *text, size_t length, char *error, size_t error_size)
{
    json_error_t problem;
    json_t *value = json_loadb(text, length, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &problem);
    if (value == NULL) {
        snprintf(error, error_size, "invalid JSON at line %d, column %d: %s", problem.line,
                 problem.column, problem.text);
    }
    return value;
}

/* Where a reader writes a refusal: the caller's text, and the value when
 * the caller asked for one. */
struct sink {
    char *text;
    size_t text_size;
    struct pt_json_error *value; /* NULL: text only */
};

static struct sink text_sink(char *error, size_t error_size)
{
    return (struct sink){error, error_size, NULL};
}

static struct sink value_sink(struct pt_json_error *error)
{
    return (struct sink){error->message, sizeof(error->message), error};
}

/* The one place a reader's message is written, so that the text and the
 * value cannot tell different stories. */
__attribute__((format(printf, 5, 6))) static enum pt_status
refuse(const struct sink *sink, enum pt_status status, const char *where, const char *key,
       const char *format, ...)
{
    char problem[sizeof(((struct pt_json_error *)0)->problem)];
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(problem, sizeof(problem), format, arguments);
    va_end(arguments);
    if (key[0] != '\0')
        snprintf(sink->text, sink->text_size, "%s.%s %s", where, key, problem);
    else
        snprintf(sink->text, sink->text_size, "%s %s", where, problem);
    if (sink->value != NULL) {
        pt_json_copy(sink->value->where, sizeof(sink->value->where), where);
        pt_json_copy(sink->value->key, sizeof(sink->value->key), key);
        pt_json_copy(sink->value->problem, sizeof(sink->value->problem), problem);
    }
    return status;
}

static enum pt_status expect_object(const json_t *value, const char *where,
                                    const char *const *allowed, const struct sink *sink)
{
    if (!json_is_object(value))
        return refuse(sink, PT_ERR_INVALID, where, "", "must be a JSON object");
    const char *key;
    const json_t *member;
    json_object_foreach((json_t *)value, key, member) {
        bool known = false;
        for (size_t i = 0; allowed[i] != NULL && !known; i++)
            known = strcmp(allowed[i], key) == 0;
        if (!known)
            return refuse(sink, PT_ERR_INVALID, where, "", "has an unknown field \"%.64s\"", key);
    }
    return PT_OK;
}

static const json_t *member(const json_t *object, const char *where, const char *key, bool required,
                            enum pt_status *status, const struct sink *sink)
{
    const json_t *value = json_object_get(object, key);
    *status = PT_OK;
    if (value == NULL && required)
        *status = refuse(sink, PT_ERR_INVALID, where, key, "is required");
    return value;
}

static enum pt_status read_string(const json_t *object, const char *where, const char *key,
                                  bool required, size_t max_length, const char **out,
                                  const struct sink *sink)
{
    enum pt_status status;
    const json_t *value = member(object, where, key, required, &status, sink);
    if (value == NULL)
        return status;
    if (!json_is_string(value))
        return refuse(sink, PT_ERR_INVALID, where, key, "must be a string");
    size_t length = json_string_length(value);
    if (length > max_length || strlen(json_string_value(value)) != length)
        return refuse(sink, PT_ERR_INVALID, where, key,
                      "must be a string of at most %zu bytes without NUL", max_length);
    *out = json_string_value(value);
    return PT_OK;
}

static enum pt_status read_integer(const json_t *object, const char *where, const char *key,
                                   bool required, int64_t min, int64_t max, int64_t *out,
                                   const struct sink *sink)
{
    enum pt_status status;
    const json_t *value = member(object, where, key, required, &status, sink);
    if (value == NULL)
        return status;
    if (!json_is_integer(value) || json_integer_value(value) < min ||
        json_integer_value(value) > max)
        return refuse(sink, PT_ERR_INVALID, where, key, "must be a whole number from %lld to %lld",
                      (long long)min, (long long)max);
    *out = json_integer_value(value);
    return PT_OK;
}

static enum pt_status read_boolean(const json_t *object, const char *where, const char *key,
                                   bool required, bool *out, const struct sink *sink)
{
    enum pt_status status;
    const json_t *value = member(object, where, key, required, &status, sink);
    if (value == NULL)
        return status;
    if (!json_is_boolean(value))
        return refuse(sink, PT_ERR_INVALID, where, key, "must be true or false");
    *out = json_is_true(value);
    return PT_OK;
}

static enum pt_status read_array(const json_t *object, const char *where, const char *key,
                                 bool required, size_t max_items, const json_t **out,
                                 const struct sink *sink)
{
    enum pt_status status;
    const json_t *value = member(object, where, key, required, &status, sink);
    if (value == NULL)
        return status;
    if (!json_is_array(value))
        return refuse(sink, PT_ERR_INVALID, where, key, "must be an array");
    if (json_array_size(value) > max_items)
        return refuse(sink, PT_ERR_TOO_LARGE, where, key, "has %zu items; at most %zu are allowed",
                      json_array_size(value), max_items);
    *out = value;
    return PT_OK;
}

enum pt_status pt_json_expect_object(const json_t *value, const char *where,
                                     const char *const *allowed, char *error, size_t error_size)
{
    struct sink sink = text_sink(error, error_size);
    return expect_object(value, where, allowed, &sink);
}

enum pt_status pt_json_string(const json_t *object, const char *where, const char *key,
                              bool required, size_t max_length, const char **out, char *error,
                              size_t error_size)
{
    struct sink sink = text_sink(error, error_size);
    return read_string(object, where, key, required, max_length, out, &sink);
}

enum pt_status pt_json_integer(const json_t *object, const char *where, const char *key,
                               bool required, int64_t min, int64_t max, int64_t *out, char *error,
                               size_t error_size)
{
    struct sink sink = text_sink(error, error_size);
    return read_integer(object, where, key, required, min, max, out, &sink);
}

enum pt_status pt_json_boolean(const json_t *object, const char *where, const char *key,
                               bool required, bool *out, char *error, size_t error_size)
{
    struct sink sink = text_sink(error, error_size);
    return read_boolean(object, where, key, required, out, &sink);
}

enum pt_status pt_json_array(const json_t *object, const char *where, const char *key,
                             bool required, size_t max_items, const json_t **out, char *error,
                             size_t error_size)
{
    struct sink sink = text_sink(error, error_size);
    return read_array(object, where, key, required, max_items, out, &sink);
}

enum pt_status pt_json_check_object(const json_t *value, const char *where,
                                    const char *const *allowed, struct pt_json_error *error)
{
    struct sink sink = value_sink(error);
    return expect_object(value, where, allowed, &sink);
}

enum pt_status pt_json_read_string(const json_t *object, const char *where, const char *key,
                                   bool required, size_t max_length, const char **out,
                                   struct pt_json_error *error)
{
    struct sink sink = value_sink(error);
    return read_string(object, where, key, required, max_length, out, &sink);
}

enum pt_status pt_json_read_integer(const json_t *object, const char *where, const char *key,
                                    bool required, int64_t min, int64_t max, int64_t *out,
                                    struct pt_json_error *error)
{
    struct sink sink = value_sink(error);
    return read_integer(object, where, key, required, min, max, out, &sink);
}

enum pt_status pt_json_read_boolean(const json_t *object, const char *where, const char *key,
                                    bool required, bool *out, struct pt_json_error *error)
{
    struct sink sink = value_sink(error);
    return read_boolean(object, where, key, required, out, &sink);
}

enum pt_status pt_json_read_array(const json_t *object, const char *where, const char *key,
                                  bool required, size_t max_items, const json_t **out,
                                  struct pt_json_error *error)
{
    struct sink sink = value_sink(error);
    return read_array(object, where, key, required, max_items, out, &sink);
}

void pt_json_copy(char *destination, size_t size, const char *source)
{
    size_t length = strlen(source);
    if (length >= size)
        length = size - 1;
    memcpy(destination, source, length);
    destination[length] = '\0';
}
