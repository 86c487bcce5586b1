/* The catalogue: an immutable, pre-rendered snapshot of every campaign.
 *
 * It is built from the campaigns' JSON documents when they change, validated
 * whole, and swapped in atomically; requests hold a reference to the snapshot
 * they started with, so a swap never tears an answer. Everything the hot path
 * needs (the appeal's HTML and the complete JSON answer for each variant and
 * language) is rendered here, once. */
#ifndef PATRON_CATALOG_H
#define PATRON_CATALOG_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "patron/goal.h"
#include "patron/status.h"

#define PT_ID_MAX 64       /* campaign and variant ids: [a-z0-9_-], 1 to 63 bytes */
#define PT_LANGUAGE_MAX 16 /* language tags such as "en" or "pt-BR" */
#define PT_CAMPAIGN_LANGUAGES_MAX 8
#define PT_CAMPAIGN_VARIANTS_MAX 16
#define PT_PRESETS_MAX 6
#define PT_NAME_MAX 65          /* sections, tags and placements: 1 to 64 bytes */
#define PT_PLACEMENTS_MAX 4     /* a campaign may run in up to 4 slots (a banner and the end) */
#define PT_ARTICLE_TAGS_MAX 16  /* tags one article may carry */
#define PT_FILTER_LIST_MAX 32   /* entries in one include or exclude list */
#define PT_COUNTRY_MAX 8        /* "US" or "US-CA" */
#define PT_CAMPAIGN_CURRENCIES_MAX 4 /* currencies one campaign shows, its own included */
#define PT_CURRENCY_KEYS_MAX 32      /* keys of a campaign's "currencies" */

enum pt_snooze_reason {
    PT_SNOOZE_LATER,
    PT_SNOOZE_CLOSE,
    PT_SNOOZE_SUPPORTING,
    PT_SNOOZE_REASONS,
};

enum pt_campaign_status { PT_CAMPAIGN_DRAFT, PT_CAMPAIGN_LIVE, PT_CAMPAIGN_ENDED };

/* Who a campaign speaks to, judged from the reader's supporter flags. */
enum pt_cohort {
    PT_COHORT_NON_SUPPORTERS,
    PT_COHORT_SUPPORTERS,
    PT_COHORT_FORMER_SUPPORTERS,
    PT_COHORT_EVERYONE,
};

/* The reader's device class, as the widget measures it from the viewport. */
enum pt_device { PT_DEVICE_UNKNOWN, PT_DEVICE_MOBILE, PT_DEVICE_TABLET, PT_DEVICE_DESKTOP };

enum pt_frequency { PT_FREQUENCY_MONTHLY, PT_FREQUENCY_ONE_OFF, PT_FREQUENCY_ANNUAL };
#define PT_FREQUENCIES 3

/* The amounts offered for one frequency, in minor units of the campaign's
 * currency. */
struct pt_amount_ladder {
    int64_t presets[PT_PRESETS_MAX];
    size_t count;           /* 0: none offered; the reader types the amount */
    int64_t default_amount; /* one of presets, or 0 for none chosen */
};

/* One variant in one language and one currency, ready to send. */
struct pt_variant_text {
    char language[PT_LANGUAGE_MAX];
    char currency[4];    /* the amounts' currency: one of the campaign's currencies */
    char *headline;      /* as the editor wrote it, plain text; "" for none */
    char *body;          /* the body's markdown as written; "" for none (the newsletter's) */
    char *support_label; /* the support button's words; NULL for the standard phrase */
    const char *html;    /* the appeal fragment (docs/API.md), inside document; not
                            NUL-terminated there: use html_length */
    size_t html_length;
    char *answer;        /* the whole /v1/appeal JSON answer for this choice */
    size_t answer_length;
    char *document;      /* the whole /embed/appeal HTML document */
    size_t document_length;
    bool counts_articles; /* the copy says {articles}: filled per request
                             (patron/placeholders.h) in answer and document */
};

struct pt_variant {
    char id[PT_ID_MAX];
    uint32_t weight;                 /* share of readers, relative to the others */
    unsigned frequencies;            /* bit (1 << enum pt_frequency) per frequency offered */
    enum pt_frequency default_frequency;
    /* What the appeal offers per frequency, so that the support page and
     * the checkout can tell an amount the reader saw from one they typed. */
    struct pt_amount_ladder ladders[PT_FREQUENCIES];   /* in the campaign's currency */
    /* The same in the campaign's other currencies (currencies[1] and on),
     * one row each: the variant's "currency_amounts", else patron's
     * standard ladders. NULL for a campaign of one currency, which so costs
     * what it did before "currencies"; pt_variant_ladders reads them. */
    struct pt_amount_ladder (*other_ladders)[PT_FREQUENCIES];
    /* One per language and currency: the campaign's currency's first, in the
     * campaign's order of languages, then the next currency's. */
    struct pt_variant_text *texts;
    size_t text_count;
};

/* Names (sections, tags) are compared by their 64-bit hash: a request's
 * names are hashed once when parsed, a campaign's when the catalogue is built. */
struct pt_name_list {
    uint64_t hashes[PT_FILTER_LIST_MAX];
    size_t count;
};

struct pt_country_list {
    char codes[PT_FILTER_LIST_MAX][PT_COUNTRY_MAX];
    size_t count;
};

/* One key of a campaign's "currencies" (docs/API.md): a country ("GB"), a
 * region of one ("US-CA"), "EU" for the member states of the European
 * Union, or "*" for every other reader. */
struct pt_currency_key {
    char country[PT_COUNTRY_MAX];
    unsigned currency; /* index into the campaign's currencies */
};

struct pt_campaign {
    char id[PT_ID_MAX];
    enum pt_campaign_status status;
    int priority;          /* higher first; ties by id */
    int64_t starts_at;     /* unix seconds, inclusive; 0 = always */
    int64_t ends_at;       /* unix seconds, inclusive; 0 = never */
    char placements[PT_PLACEMENTS_MAX][PT_NAME_MAX]; /* the slots it runs in, at least one */
    size_t placement_count;
    char languages[PT_CAMPAIGN_LANGUAGES_MAX][PT_LANGUAGE_MAX];
    size_t language_count;

    /* The page: empty include lists include everything. */
    struct pt_name_list sections, exclude_sections;
    struct pt_name_list tags, exclude_tags;
    bool show_on_sensitive;

    /* The reader. */
    struct pt_country_list countries, exclude_countries; /* "US" also matches "US-CA" */
    unsigned devices;      /* bit (1 << enum pt_device) per device; 0 = every device */
    enum pt_cohort cohort;
    int articles_weeks;    /* articles read in the last N weeks ... */
    int articles_min;      /* ... at least this many (0 = no minimum) ... */
    int articles_max;      /* ... and at most this many (-1 = no maximum) */

    int cap_views;         /* at most this many views ... */
    int cap_days;          /* ... in this many days; 0 views = no cap */
    int min_days_between;  /* days from one view to the next; 0 = any */
    int cap_group;         /* campaigns with the same group > 0 share their cap */
    char cap_group_name[PT_ID_MAX]; /* as the editor wrote it; "" for none */
    int64_t snooze_seconds[PT_SNOOZE_REASONS];

    char test_id[PT_ID_MAX];     /* what variant assignment hashes; default the id */
    uint32_t control_threshold;  /* points below it are the control share */
    char *control_answer;        /* the /v1/appeal answer for control readers */
    size_t control_answer_length;
    char currency[4];      /* for readers no currency key matches; also currencies[0] */
    char currencies[PT_CAMPAIGN_CURRENCIES_MAX][4]; /* each once; 1 without "currencies" */
    size_t currency_count;
    struct pt_currency_key currency_keys[PT_CURRENCY_KEYS_MAX];
    size_t currency_key_count;
    struct pt_goal goal;   /* its ticker, and the ledger's figure at the build */
    struct pt_variant variants[PT_CAMPAIGN_VARIANTS_MAX];
    size_t variant_count;
    uint32_t total_weight; /* sum of the variants' weights, > 0 */
};

struct pt_catalog_slot {
    uint64_t hash; /* of the campaign id */
    int index;     /* into campaigns, -1 for an empty slot */
};

struct pt_catalog {
    atomic_int references;
    struct pt_campaign *campaigns; /* ordered by priority, highest first */
    size_t campaign_count;
    int64_t version;               /* the database's catalogue version it was built from */
    struct pt_catalog_slot *slots; /* campaign ids, for finding a campaign in O(1) */
    size_t slot_count;             /* a power of two, at least twice campaign_count */
};

struct pt_campaign;

/* Reads the ledger's figure toward a campaign's goal: sets goal->from, to
 * and figure (pt_goal_window for the window) and answers PT_OK, or a
 * failure, and then the ticker is hidden in this snapshot. */
typedef enum pt_status (*pt_catalog_goal_counter)(void *context,
                                                  const struct pt_campaign *campaign,
                                                  struct pt_goal *goal);

/* What rendering needs from the configuration. */
struct pt_catalog_settings {
    const char *public_url;
    const char *default_currency;
    const char *frame_ancestors;
    bool email_off; /* no email can be sent: the appeal offers no reminder */
    /* Asked once per campaign with a goal while a catalogue is built (off the
     * request path); NULL: no figure, every ticker hidden. */
    pt_catalog_goal_counter goal_counter;
    void *goal_context;
};

/* Why a campaign document is refused, as a value, so that a caller can put
 * the refusal beside what it is about (the campaign editor highlights the
 * form field) without reading the English message back. The catalogue fills
 * it where it refuses; the JSON readers' part (key and sentence) comes from
 * struct pt_json_error. It is the catalogue's own rather than a general
 * error of core's because its place is the campaign document's: a variant by
 * its index and a path within the campaign or the variant. */
struct pt_catalog_error {
    char campaign[PT_ID_MAX]; /* the document's id; "" before one is read */
    int variant;              /* index in the document's "variants"; -1 when not about one */
    char field[96];           /* path within the campaign, or within the variant when variant
                                 >= 0: "starts_at", "frequency_cap.views", "text.en.body",
                                 "amounts.monthly.presets", "presets"; "" when about the
                                 document or the variant as a whole */
    char problem[256];        /* the sentence without the path: "must be a UTC time such as
                                 ..."; for bad JSON, jansson's words */
    char message[512];        /* the whole message: "campaign ID: campaign.starts_at must be
                                 ...", as logs, the admin API and pt_catalog_build say it */
};

/* Builds a snapshot from campaign documents (JSON, one per campaign).
 * On success *out holds one reference, which the caller owns. On a document
 * that fails validation returns PT_ERR_INVALID with "campaign ID: reason" in
 * message (struct pt_catalog_error's message) and builds nothing; on two
 * documents with one id, PT_ERR_CONFLICT. */
enum pt_status pt_catalog_build(const char *const *documents, size_t count,
                                const struct pt_catalog_settings *settings, int64_t version,
                                struct pt_catalog **out, char *message, size_t message_size);

/* Validates one campaign document; the same rules as the build. On a
 * refusal, error says why and where; on PT_OK its variant is -1 and the
 * rest empty. */
enum pt_status pt_catalog_check_document(const char *document,
                                         const struct pt_catalog_settings *settings,
                                         struct pt_catalog_error *error);

/* Campaign, variant and test ids: 1 to 63 of a-z, 0-9, '-' and '_'. NULL
 * is not an id. */
bool pt_catalog_is_id(const char *id);
/* Language tags such as "en" or "pt-BR": 2 to 15 letters and hyphens. */
bool pt_catalog_is_language(const char *tag);

/* A time as campaign documents write it: "2026-03-01T00:00:00Z" only (one
 * unambiguous form, always UTC, years 2000 to 2200, no 31 February). */
bool pt_catalog_parse_time(const char *text, int64_t *out);

/* A variant's text for a language, from its "text" object; tags match
 * without regard to case, as the campaign's languages are kept in lower
 * case. NULL when there is none. */
const json_t *pt_catalog_text_for(const json_t *texts, const char *language);

/* The hash names are compared by (FNV-1a, 64 bits). */
uint64_t pt_catalog_hash(const char *name);

/* The index of the campaign with this id, or -1. No allocation. */
int pt_catalog_index(const struct pt_catalog *catalog, const char *id);

void pt_catalog_retain(struct pt_catalog *catalog);
/* Drops one reference; the last one frees the snapshot. NULL is ignored. */
void pt_catalog_release(struct pt_catalog *catalog);

const struct pt_campaign *pt_catalog_find(const struct pt_catalog *catalog, const char *id);
const struct pt_variant *pt_campaign_find_variant(const struct pt_campaign *campaign,
                                                  const char *id);
/* The variant's text in a language (matched without regard to case, as the
 * campaign keeps its languages in lower case and a reader's query may not),
 * in the campaign's own currency. */
const struct pt_variant_text *pt_variant_find_text(const struct pt_variant *variant,
                                                   const char *language);
/* The same in a currency; NULL when the campaign does not show it. */
const struct pt_variant_text *pt_variant_find_text_in(const struct pt_variant *variant,
                                                      const char *language,
                                                      const char *currency);
/* The variant's ladders (one per enum pt_frequency) in a currency of its
 * campaign; NULL for a currency the campaign does not show, whose amounts
 * are then no business of the variant's. */
const struct pt_amount_ladder *pt_variant_ladders(const struct pt_campaign *campaign,
                                                  const struct pt_variant *variant,
                                                  const char *currency);

/* The holder of the snapshot in service. Acquiring takes a reference that
 * the caller must release; swapping drops the holder's reference to the old. */
struct pt_catalog_holder {
    pthread_mutex_t lock;
    struct pt_catalog *current; /* never NULL after init */
};

void pt_catalog_holder_init(struct pt_catalog_holder *holder, struct pt_catalog *initial);
void pt_catalog_holder_dispose(struct pt_catalog_holder *holder);
struct pt_catalog *pt_catalog_holder_acquire(struct pt_catalog_holder *holder);
/* Takes ownership of the reference in next. */
void pt_catalog_holder_swap(struct pt_catalog_holder *holder, struct pt_catalog *next);

#endif
