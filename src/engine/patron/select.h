/* The decision engine: which appeal, if any, this reader sees.
 *
 * Pure: it reads the catalogue snapshot and the request, and writes its answer
 * into the caller's structs. No I/O, no allocation, no clock of its own (the
 * caller passes now), so every rule can be tested alone and at its edges. */
#ifndef PATRON_SELECT_H
#define PATRON_SELECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "patron/catalog.h"

#define PT_ARTICLE_ID_MAX 129
#define PT_VIEWS_MAX 50
#define PT_SNOOZES_MAX 20
#define PT_WEEKS_MAX 60
#define PT_SHOWN_MAX 4 /* campaigns a page already shows in its other slots */

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
    char section[PT_NAME_MAX];
    uint64_t section_hash;          /* pt_catalog_hash of section, 0 when empty */
    char tags[PT_ARTICLE_TAGS_MAX][PT_NAME_MAX];
    uint64_t tag_hashes[PT_ARTICLE_TAGS_MAX];
    size_t tag_count;
    char language[PT_LANGUAGE_MAX];
    char placement[PT_NAME_MAX];    /* "" means "end_of_article" */
    char shown[PT_SHOWN_MAX][PT_ID_MAX]; /* campaigns in the page's earlier slots */
    size_t shown_count;
    bool opt_out;
    bool sensitive;

    char country[PT_COUNTRY_MAX];   /* "US" or "US-CA" from the proxy's header; "" unknown */
    enum pt_device device;
    uint32_t bucket;                /* the reader's random number, kept in their browser */
    bool supporter;
    bool former_supporter;
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
    PT_SELECT_NO_CAMPAIGN, /* no live campaign fits this page and reader */
    PT_SELECT_OPTED_OUT,
    PT_SELECT_SUPPORTER,
    PT_SELECT_CAPPED,
    PT_SELECT_SNOOZED,
    PT_SELECT_CONTROL,     /* the reader is in the winning campaign's control share */
    PT_SELECT_REASONS,
};

/* The filter a campaign failed, for `debug`; PT_FILTER_PASSED when it won. */
enum pt_filter {
    PT_FILTER_PASSED,
    PT_FILTER_STATUS,
    PT_FILTER_SCHEDULE,
    PT_FILTER_PLACEMENT,
    PT_FILTER_LANGUAGE,
    PT_FILTER_SECTION,
    PT_FILTER_TAG,
    PT_FILTER_SENSITIVE,
    PT_FILTER_COUNTRY,
    PT_FILTER_DEVICE,
    PT_FILTER_COHORT,
    PT_FILTER_ARTICLES_READ,
    PT_FILTER_SNOOZE,
    PT_FILTER_FREQUENCY_CAP,
    PT_FILTER_MIN_DAYS_BETWEEN,
    PT_FILTER_CONTROL,
    PT_FILTER_NOT_REACHED, /* a campaign of higher priority won first */
    PT_FILTER_SHOWN,       /* the page already shows it in another slot */
};

struct pt_select_trace_entry {
    const struct pt_campaign *campaign;
    enum pt_filter filter;
};

/* What an editor may ask for. Zeroed options are a reader's request. */
struct pt_select_options {
    const char *force_campaign; /* with force_variant: show exactly this */
    const char *force_variant;
    bool preview;               /* drafts take part, their schedules ignored */
    /* For debug: room for one entry per campaign; NULL for none. */
    struct pt_select_trace_entry *trace;
    size_t trace_capacity;
    size_t trace_count;         /* written by the engine */
};

struct pt_selection {
    enum pt_select_reason reason;
    const struct pt_campaign *campaign; /* set when chosen, and for control */
    const struct pt_variant *variant;   /* set when chosen */
    const struct pt_variant_text *text; /* set when chosen */
    int64_t articles; /* when chosen: articles read in the campaign's articles_read
                         window (0 without one), for its copy's {articles} */
};

/* Decides for one request. snooze_max_seconds caps every snooze. options may
 * be NULL. */
void pt_select_appeal(const struct pt_catalog *catalog, const struct pt_appeal_request *request,
                      int64_t now, int64_t snooze_max_seconds, struct pt_select_options *options,
                      struct pt_selection *selection);

/* Articles the reader read in the current week and the weeks - 1 before
 * it, from the counts the page sent. */
int64_t pt_select_articles_read(const struct pt_appeal_request *request, int weeks, int64_t now);

/* The variant a bucket falls into for a campaign, or NULL when it falls into
 * the control share: a pure function of the bucket and the campaign's test
 * id, so that a reader sees the same variant on every request and every
 * server, and different tests split readers independently. */
const struct pt_variant *pt_select_variant(const struct pt_campaign *campaign, uint32_t bucket);

/* A well-mixed 32-bit point in [0, 2^32) for a bucket and a test id. */
uint32_t pt_select_point(uint32_t bucket, const char *test_id);

/* The currency a reader from country ("GB", "US-CA", "" for unknown) sees
 * a campaign's amounts in: the key naming the whole code ("US-CA"), else
 * the country ("US" for "US-CA"), else "EU" for a member state of the
 * European Union, else "*", else the campaign's currency. Pure, no
 * allocation; the answer is one of campaign->currencies. */
const char *pt_select_currency(const struct pt_campaign *campaign, const char *country);
/* Whether country ("FR", "FR-75") is in the European Union's 27 member
 * states, as the "EU" key of a campaign's currencies means. */
bool pt_select_in_eu(const char *country);

/* "opted_out", "snoozed", ... for the API; "chosen" for PT_SELECT_CHOSEN. */
const char *pt_select_reason_name(enum pt_select_reason reason);
/* "language", "frequency_cap", ...; "passed" for PT_FILTER_PASSED. */
const char *pt_select_filter_name(enum pt_filter filter);

#endif
