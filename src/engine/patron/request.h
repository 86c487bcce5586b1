/* Parsers of what pages and the widget send: the appeal request and event
 * batches, from JSON or from an embed URL's query. Every parser here reads
 * outside input, so each has a fuzz target under tests/fuzz. */
#ifndef PATRON_REQUEST_H
#define PATRON_REQUEST_H

#include <stddef.h>

#include "patron/alloc.h"

#include "patron/events.h"
#include "patron/select.h"
#include "patron/status.h"

#define PT_EVENTS_PER_REQUEST_MAX 100

struct pt_event_input {
    enum pt_event_kind kind;
    char campaign[PT_ID_MAX];
    char variant[PT_ID_MAX];
};

/* Fills request from a /v1/appeal body; the parser's own state comes from
 * arena (the request's), or from a temporary one when arena is NULL. On bad
 * input returns PT_ERR_INVALID (or PT_ERR_TOO_LARGE for an over-long list)
 * with a message naming the field. */
enum pt_status pt_request_parse_appeal(const char *body, size_t length, struct pt_arena *arena,
                                       struct pt_appeal_request *request, char *error,
                                       size_t error_size);

/* Fills request from /embed/appeal's query values (any may be NULL). The
 * reader is unknown there: the caller sets the bucket. */
enum pt_status pt_request_from_query(const char *article, const char *section, const char *tags,
                                     const char *language, struct pt_appeal_request *request,
                                     char *error, size_t error_size);

/* Sets the slot's placement from /embed/appeal's placement value (NULL:
 * end_of_article), refusing more than PT_NAME_MAX - 1 bytes or bad UTF-8. */
enum pt_status pt_request_query_placement(const char *placement,
                                         struct pt_appeal_request *request, char *error,
                                         size_t error_size);

/* Parses a /v1/events body into events (room for PT_EVENTS_PER_REQUEST_MAX). */
enum pt_status pt_request_parse_events(const char *body, size_t length,
                                       struct pt_event_input *events, size_t *count, char *error,
                                       size_t error_size);

#endif
