/* The decision engine: which appeal, if any, this reader sees.
 *
 * Pure: it reads the catalogue snapshot and the request, and writes its answer
 * into the caller's struct. No I/O, no allocation, no clock of its own (the
 * caller passes now), so every rule can be tested alone and at its edges. */
#ifndef PATRON_SELECT_H
#define PATRON_SELECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "patron/catalog.h"

#define PT_ARTICLE_ID_MAX 129
#define PT_SECTION_MAX 65
#define PT_TAG_MAX 65
#define PT_TAGS_MAX 16
#define PT_VIEWS_MAX 50
#define PT_SNOOZES_MAX 20
#define PT_WEEKS_MAX 60

struct pt_reader_view {
    char campaign[PT_ID_MAX];
    int64_t at; /* unix seconds */
};

struct pt_reader_snooze {
    char campaign[PT_ID_MAX];
    enum pt_snooze_reason reason;
    int64_t at;
};

struct pt_reader_week {
    int64_t week; /* floor(unix seconds / 604800) */
    uint32_t count;
};

/* Everything the decision depends on, as the page sent it. Fixed-size, so
 * that parsing a request allocates nothing of its own. */
struct pt_appeal_request {
    char article_id[PT_ARTICLE_ID_MAX];
    char section[PT_SECTION_MAX];
    char tags[PT_TAGS_MAX][PT_TAG_MAX];
    size_t tag_count;
    char language[PT_LANGUAGE_MAX];
    bool opt_out;

    uint32_t bucket; /* the reader's random number, kept in their browser */
    bool supporter;
    struct pt_reader_view views[PT_VIEWS_MAX];
    size_t view_count;
    struct pt_reader_snooze snoozes[PT_SNOOZES_MAX];
    size_t snooze_count;
    struct pt_reader_week weeks[PT_WEEKS_MAX];
    size_t week_count;
};

/* Why no appeal was chosen, or PT_SELECT_CHOSEN. Ordered from the page's
 * reasons to the reader's, so the most telling one can be reported. */
enum pt_select_reason {
    PT_SELECT_CHOSEN,
    PT_SELECT_NO_CAMPAIGN, /* no live campaign fits this page */
    PT_SELECT_OPTED_OUT,
    PT_SELECT_SUPPORTER,
    PT_SELECT_CAPPED,
    PT_SELECT_SNOOZED,
};

struct pt_selection {
    enum pt_select_reason reason;
    const struct pt_campaign *campaign; /* set when chosen */
    const struct pt_variant *variant;
    const struct pt_variant_text *text;
};

/* Decides for one request. snooze_max_seconds caps every snooze. */
void pt_select_appeal(const struct pt_catalog *catalog, const struct pt_appeal_request *request,
                      int64_t now, int64_t snooze_max_seconds, struct pt_selection *selection);

/* The variant a bucket falls into for a campaign: a pure function of the
 * bucket and the campaign's id, so that a reader sees the same variant on
 * every request and every server, and different campaigns split readers
 * independently. */
const struct pt_variant *pt_select_variant(const struct pt_campaign *campaign, uint32_t bucket);

/* A well-mixed 32-bit point in [0, 2^32) for a bucket and a test id. */
uint32_t pt_select_point(uint32_t bucket, const char *test_id);

/* "opted_out", "snoozed", ... for the API; "chosen" for PT_SELECT_CHOSEN. */
const char *pt_select_reason_name(enum pt_select_reason reason);

#endif
