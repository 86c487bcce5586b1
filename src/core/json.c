#include "patron/json.h"

#include <stdalign.h>
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

enum pt_status pt_json_expect_object(const json_t *value, const char *where,
                                     const char *const *allowed, char *error, size_t error_size)
{
    if (!json_is_object(value)) {
        snprintf(error, error_size, "%s must be a JSON object", where);
        return PT_ERR_INVALID;
    }
    const char *key;
    const json_t *member;
    json_object_foreach((json_t *)value, key, member) {
        bool known = false;
        for (size_t i = 0; allowed[i] != NULL && !known; i++)
            known = strcmp(allowed[i], key) == 0;
        if (!known) {
            snprintf(error, error_size, "%s has an unknown field \"%.64s\"", where, key);
            return PT_ERR_INVALID;
        }
    }
    return PT_OK;
}

static const json_t *member(const json_t *object, const char *where, const char *key,
                            bool required, enum pt_status *status, char *error, size_t error_size)
{
    const json_t *value = json_object_get(object, key);
    *status = PT_OK;
    if (value == NULL && required) {
        snprintf(error, error_size, "%s.%s is required", where, key);
        *status = PT_ERR_INVALID;
    }
    return value;
}

enum pt_status pt_json_string(const json_t *object, const char *where, const char *key,
                              bool required, size_t max_length, const char **out, char *error,
                              size_t error_size)
{
    enum pt_status status;
    const json_t *value = member(object, where, key, required, &status, error, error_size);
    if (value == NULL)
        return status;
    if (!json_is_string(value)) {
        snprintf(error, error_size, "%s.%s must be a string", where, key);
        return PT_ERR_INVALID;
    }
    size_t length = json_string_length(value);
    if (length > max_length || strlen(json_string_value(value)) != length) {
        snprintf(error, error_size, "%s.%s must be a string of at most %zu bytes without NUL",
                 where, key, max_length);
        return PT_ERR_INVALID;
    }
    *out = json_string_value(value);
    return PT_OK;
}

enum pt_status pt_json_integer(const json_t *object, const char *where, const char *key,
                               bool required, int64_t min, int64_t max, int64_t *out, char *error,
                               size_t error_size)
{
    enum pt_status status;
    const json_t *value = member(object, where, key, required, &status, error, error_size);
    if (value == NULL)
        return status;
    if (!json_is_integer(value) || json_integer_value(value) < min ||
        json_integer_value(value) > max) {
        snprintf(error, error_size, "%s.%s must be a whole number from %lld to %lld", where, key,
                 (long long)min, (long long)max);
        return PT_ERR_INVALID;
    }
    *out = json_integer_value(value);
    return PT_OK;
}

enum pt_status pt_json_boolean(const json_t *object, const char *where, const char *key,
                               bool required, bool *out, char *error, size_t error_size)
{
    enum pt_status status;
    const json_t *value = member(object, where, key, required, &status, error, error_size);
    if (value == NULL)
        return status;
    if (!json_is_boolean(value)) {
        snprintf(error, error_size, "%s.%s must be true or false", where, key);
        return PT_ERR_INVALID;
    }
    *out = json_is_true(value);
    return PT_OK;
}

enum pt_status pt_json_array(const json_t *object, const char *where, const char *key,
                             bool required, size_t max_items, const json_t **out, char *error,
                             size_t error_size)
{
    enum pt_status status;
    const json_t *value = member(object, where, key, required, &status, error, error_size);
    if (value == NULL)
        return status;
    if (!json_is_array(value)) {
        snprintf(error, error_size, "%s.%s must be an array", where, key);
        return PT_ERR_INVALID;
    }
    if (json_array_size(value) > max_items) {
        snprintf(error, error_size, "%s.%s has %zu items; at most %zu are allowed", where, key,
                 json_array_size(value), max_items);
        return PT_ERR_TOO_LARGE;
    }
    *out = value;
    return PT_OK;
}

void pt_json_copy(char *destination, size_t size, const char *source)
{
    size_t length = strlen(source);
    if (length >= size)
        length = size - 1;
    memcpy(destination, source, length);
    destination[length] = '\0';
}
