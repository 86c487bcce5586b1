/* Strict reading of JSON from outside: jansson with duplicate keys refused,
 * and field readers whose errors name the field, so that a newsroom's
 * developer or an editor knows exactly what to fix. */
#ifndef PATRON_JSON_H
#define PATRON_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "patron/alloc.h"
#include "patron/status.h"

/* Routes jansson's allocations through patron's allocator, so that a
 * request can parse into its own arena (pt_json_use_arena). Call once at
 * start, before anything uses jansson. */
void pt_json_init(void);

/* Until called again with NULL, jansson allocates on this thread from arena:
 * parsing a request then costs no malloc and no free. Values parsed in the
 * arena must not outlive it. Without pt_json_init this does nothing. */
void pt_json_use_arena(struct pt_arena *arena);

/* Frees what jansson allocated for the caller, such as json_dumps output:
 * after pt_json_init, plain free() must not be used on it. */
void pt_json_free(void *pointer);

/* Parses one JSON value; NULL with a message on bad JSON, a duplicate key or
 * invalid UTF-8. The caller owns the result (json_decref). */
json_t *pt_json_parse(const char *text, size_t length, char *error, size_t error_size);

/* A reader's refusal as a value: where and key as the caller passed them,
 * and the sentence apart from them, so that a caller can place a refusal
 * (the campaign editor puts it beside the form field it is about) without
 * reading the message back. message is the text the readers that take
 * (error, error_size) write: "WHERE.KEY PROBLEM", or "WHERE PROBLEM" when
 * the object itself is refused (key ""). */
struct pt_json_error {
    char where[160];   /* "campaign.frequency_cap", "variant a.text.en" */
    char key[64];      /* the member refused ("views"); "" for the object itself */
    char problem[256]; /* "must be a whole number from 0 to 1000" */
    char message[400]; /* "campaign.frequency_cap.views must be a whole number ..." */
};

/* PT_ERR_INVALID unless value is an object whose keys are all in allowed
 * (a NULL-terminated list). where names the object in messages ("article").
 * An unknown field is refused with key "" (the object has it), the field
 * named in problem. */
enum pt_status pt_json_expect_object(const json_t *value, const char *where,
                                     const char *const *allowed, char *error, size_t error_size);

/* Each reader leaves *out alone when the key is absent and not required.
 * Strings stay owned by the JSON value. */
enum pt_status pt_json_string(const json_t *object, const char *where, const char *key,
                              bool required, size_t max_length, const char **out, char *error,
                              size_t error_size);
enum pt_status pt_json_integer(const json_t *object, const char *where, const char *key,
                               bool required, int64_t min, int64_t max, int64_t *out, char *error,
                               size_t error_size);
enum pt_status pt_json_boolean(const json_t *object, const char *where, const char *key,
                               bool required, bool *out, char *error, size_t error_size);
/* The array at key, or NULL when absent; at most max_items items. */
enum pt_status pt_json_array(const json_t *object, const char *where, const char *key,
                             bool required, size_t max_items, const json_t **out, char *error,
                             size_t error_size);

/* The same readers, the refusal as a value (error filled only on a
 * refusal; its message is what the readers above write). */
enum pt_status pt_json_check_object(const json_t *value, const char *where,
                                    const char *const *allowed, struct pt_json_error *error);
enum pt_status pt_json_read_string(const json_t *object, const char *where, const char *key,
                                   bool required, size_t max_length, const char **out,
                                   struct pt_json_error *error);
enum pt_status pt_json_read_integer(const json_t *object, const char *where, const char *key,
                                    bool required, int64_t min, int64_t max, int64_t *out,
                                    struct pt_json_error *error);
enum pt_status pt_json_read_boolean(const json_t *object, const char *where, const char *key,
                                    bool required, bool *out, struct pt_json_error *error);
enum pt_status pt_json_read_array(const json_t *object, const char *where, const char *key,
                                  bool required, size_t max_items, const json_t **out,
                                  struct pt_json_error *error);

/* Copies a string into a fixed buffer that is known to be large enough. */
void pt_json_copy(char *destination, size_t size, const char *source);

#endif
