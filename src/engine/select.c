#include "patron/select.h"

#include <string.h>

enum { WEEK_SECONDS = 604800, DAY_SECONDS = 86400 };

const char *pt_select_reason_name(enum pt_select_reason reason)
{
    switch (reason) {
    case PT_SELECT_CHOSEN: return "chosen";
    case PT_SELECT_NO_CAMPAIGN: return "no_campaign";
    case PT_SELECT_OPTED_OUT: return "opted_out";
    case PT_SELECT_SUPPORTER: return "supporter";
    case PT_SELECT_CAPPED: return "capped";
    case PT_SELECT_SNOOZED: return "snoozed";
    case PT_SELECT_CONTROL: return "control";
    case PT_SELECT_REASONS: break;
    }
    return "no_campaign";
}

const char *pt_select_filter_name(enum pt_filter filter)
{
    static const char *const names[] = {
        [PT_FILTER_PASSED] = "passed",
        [PT_FILTER_STATUS] = "status",
        [PT_FILTER_SCHEDULE] = "schedule",
        [PT_FILTER_PLACEMENT] = "placement",
        [PT_FILTER_LANGUAGE] = "language",
        [PT_FILTER_SECTION] = "section",
        [PT_FILTER_TAG] = "tag",
        [PT_FILTER_SENSITIVE] = "sensitive",
        [PT_FILTER_COUNTRY] = "country",
        [PT_FILTER_DEVICE] = "device",
        [PT_FILTER_COHORT] = "cohort",
        [PT_FILTER_ARTICLES_READ] = "articles_read",
        [PT_FILTER_SNOOZE] = "snooze",
        [PT_FILTER_FREQUENCY_CAP] = "frequency_cap",
        [PT_FILTER_MIN_DAYS_BETWEEN] = "min_days_between",
        [PT_FILTER_CONTROL] = "control",
        [PT_FILTER_NOT_REACHED] = "not_reached",
        [PT_FILTER_SHOWN] = "shown_on_page",
    };
    return filter <= PT_FILTER_SHOWN ? names[filter] : "unknown";
}

/* FNV-1a over the id, then a splitmix64 finaliser over the id's hash and the
 * bucket together. The finaliser's avalanche is what makes a 50/50 split
 * come out even over consecutive bucket numbers, and what makes the split of
 * one test independent of another's. */
uint32_t pt_select_point(uint32_t bucket, const char *test_id)
{
    uint64_t x = pt_catalog_hash(test_id) ^ ((uint64_t)bucket * 0x9e3779b97f4a7c15u);
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9u;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebu;
    x ^= x >> 31;
    return (uint32_t)(x >> 32);
}

const struct pt_variant *pt_select_variant(const struct pt_campaign *campaign, uint32_t bucket)
{
    if (campaign->variant_count == 0 || campaign->total_weight == 0)
        return NULL;
    uint32_t point = pt_select_point(bucket, campaign->test_id);
    if (point < campaign->control_threshold)
        return NULL;
    /* The points above the control share, scaled into [0, total_weight)
     * without modulo bias. */
    uint64_t above = (uint64_t)(point - campaign->control_threshold);
    uint64_t range = (uint64_t)UINT32_MAX + 1 - campaign->control_threshold;
    uint64_t target = (above * campaign->total_weight) / range;
    uint64_t cumulative = 0;
    for (size_t i = 0; i < campaign->variant_count; i++) {
        cumulative += campaign->variants[i].weight;
        if (target < cumulative)
            return &campaign->variants[i];
    }
    return &campaign->variants[campaign->variant_count - 1];
}

/* ------------------------------------------------------------- currency */

/* The European Union's member states (since 1 February 2020), by ISO 3166
 * code: "EU" in a campaign's currencies (docs/API.md). Greece is "GR", as
 * proxies send ISO codes, not the Union's own "EL". */
static const char eu_members[][3] = {"AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES",
                                     "FI", "FR", "GR", "HR", "HU", "IE", "IT", "LT", "LU",
                                     "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"};

bool pt_select_in_eu(const char *country)
{
    if (strlen(country) < 2 || (country[2] != '\0' && country[2] != '-'))
        return false;
    for (size_t i = 0; i < sizeof(eu_members) / sizeof(eu_members[0]); i++) {
        if (country[0] == eu_members[i][0] && country[1] == eu_members[i][1])
            return true;
    }
    return false;
}

static int currency_key(const struct pt_campaign *campaign, const char *country, size_t length)
{
    for (size_t i = 0; i < campaign->currency_key_count; i++) {
        const char *key = campaign->currency_keys[i].country;
        if (strlen(key) == length && memcmp(key, country, length) == 0)
            return (int)campaign->currency_keys[i].currency;
    }
    return -1;
}

const char *pt_select_currency(const struct pt_campaign *campaign, const char *country)
{
    if (campaign->currency_key_count == 0)
        return campaign->currency;
    int found = -1;
    size_t length = strlen(country);
    if (length >= 2 && country[0] != '*') {
        found = currency_key(campaign, country, length);
        if (found < 0 && length > 2 && country[2] == '-')
            found = currency_key(campaign, country, 2);
        if (found < 0 && pt_select_in_eu(country))
            found = currency_key(campaign, "EU", 2);
    }
    /* "*" is currencies[0], as is the campaign's currency. */
    return campaign->currencies[found < 0 ? 0 : found];
}

/* ----------------------------------------------------------- page filters */

static bool is_scheduled(const struct pt_campaign *campaign, int64_t now, bool preview)
{
    if (preview && campaign->status == PT_CAMPAIGN_DRAFT)
        return true;
    if (campaign->starts_at != 0 && now < campaign->starts_at)
        return false;
    if (campaign->ends_at != 0 && now > campaign->ends_at)
        return false;
    return true;
}

/* The campaign language for an article's: the same tag, else the article
 * tag's primary language ("en-us" is served by an "en" campaign). Tags are
 * lower-case on both sides. NULL when the campaign speaks neither. */
static const char *spoken(const struct pt_campaign *campaign, const char *language)
{
    for (size_t i = 0; i < campaign->language_count; i++) {
        if (strcmp(campaign->languages[i], language) == 0)
            return campaign->languages[i];
    }
    size_t primary = strcspn(language, "-");
    for (size_t i = 0; i < campaign->language_count; i++) {
        if (strlen(campaign->languages[i]) == primary &&
            strncmp(campaign->languages[i], language, primary) == 0)
            return campaign->languages[i];
    }
    return NULL;
}

static bool listed(const struct pt_name_list *list, uint64_t hash)
{
    for (size_t i = 0; i < list->count; i++) {
        if (list->hashes[i] == hash)
            return true;
    }
    return false;
}

static bool any_tag_listed(const struct pt_name_list *list, const struct pt_appeal_request *request)
{
    for (size_t i = 0; i < request->tag_count; i++) {
        if (listed(list, request->tag_hashes[i]))
            return true;
    }
    return false;
}

static bool placed(const struct pt_campaign *campaign, const char *placement)
{
    for (size_t i = 0; i < campaign->placement_count; i++) {
        if (strcmp(campaign->placements[i], placement) == 0)
            return true;
    }
    return false;
}

/* A campaign the page already shows in another slot (a banner, say) is not
 * shown twice: the widget sends the ids it was given so far. */
static bool shown_on_page(const struct pt_campaign *campaign,
                          const struct pt_appeal_request *request)
{
    for (size_t i = 0; i < request->shown_count; i++) {
        if (strcmp(request->shown[i], campaign->id) == 0)
            return true;
    }
    return false;
}

static enum pt_filter page_filter(const struct pt_campaign *campaign,
                                  const struct pt_appeal_request *request)
{
    const char *placement = request->placement[0] ? request->placement : "end_of_article";
    if (!placed(campaign, placement))
        return PT_FILTER_PLACEMENT;
    if (shown_on_page(campaign, request))
        return PT_FILTER_SHOWN;
    if (spoken(campaign, request->language) == NULL)
        return PT_FILTER_LANGUAGE;
    if (campaign->sections.count > 0 &&
        (request->section_hash == 0 || !listed(&campaign->sections, request->section_hash)))
        return PT_FILTER_SECTION;
    if (request->section_hash != 0 && listed(&campaign->exclude_sections, request->section_hash))
        return PT_FILTER_SECTION;
    if (campaign->tags.count > 0 && !any_tag_listed(&campaign->tags, request))
        return PT_FILTER_TAG;
    if (any_tag_listed(&campaign->exclude_tags, request))
        return PT_FILTER_TAG;
    if (request->sensitive && !campaign->show_on_sensitive)
        return PT_FILTER_SENSITIVE;
    return PT_FILTER_PASSED;
}

/* --------------------------------------------------------- reader filters */

/* "US" in a list matches the reader's "US" and "US-CA"; "US-CA" matches only
 * "US-CA". */
static bool country_listed(const struct pt_country_list *list, const char *country)
{
    size_t length = strlen(country);
    for (size_t i = 0; i < list->count; i++) {
        const char *code = list->codes[i];
        size_t code_length = strlen(code);
        if (code_length > length || memcmp(code, country, code_length) != 0)
            continue;
        if (code_length == length || country[code_length] == '-')
            return true;
    }
    return false;
}

static bool in_cohort(const struct pt_campaign *campaign, const struct pt_appeal_request *request)
{
    switch (campaign->cohort) {
    case PT_COHORT_NON_SUPPORTERS: return !request->supporter;
    case PT_COHORT_SUPPORTERS: return request->supporter;
    case PT_COHORT_FORMER_SUPPORTERS: return !request->supporter && request->former_supporter;
    case PT_COHORT_EVERYONE: return true;
    }
    return false;
}

int64_t pt_select_articles_read(const struct pt_appeal_request *request, int weeks, int64_t now)
{
    int64_t this_week = now / WEEK_SECONDS;
    int64_t read = 0;
    for (size_t i = 0; i < request->week_count; i++) {
        int64_t age = this_week - request->weeks[i].week;
        if (age >= 0 && age < weeks)
            read += request->weeks[i].count;
    }
    return read;
}

static bool read_enough(const struct pt_campaign *campaign, const struct pt_appeal_request *request,
                        int64_t now)
{
    if (campaign->articles_weeks <= 0)
        return true;
    int64_t read = pt_select_articles_read(request, campaign->articles_weeks, now);
    if (read < campaign->articles_min)
        return false;
    return campaign->articles_max < 0 || read <= campaign->articles_max;
}

/* A snooze hides every campaign: the reader asked the newsroom, not one
 * campaign, to stop asking. Its length is the evaluated campaign's for that
 * reason, capped by the server. A time stamp from the future (a wrong clock
 * in the browser) counts as now, so it cannot make a snooze last longer. */
static bool is_snoozed(const struct pt_campaign *campaign, const struct pt_appeal_request *request,
                       int64_t now, int64_t snooze_max_seconds)
{
    for (size_t i = 0; i < request->snooze_count; i++) {
        const struct pt_reader_snooze *snooze = &request->snoozes[i];
        int64_t duration = campaign->snooze_seconds[snooze->reason];
        if (duration > snooze_max_seconds)
            duration = snooze_max_seconds;
        int64_t at = snooze->at < now ? snooze->at : now;
        if (now - at < duration)
            return true;
    }
    return false;
}

/* Views that count against a campaign's cap: its own, or, for a shared
 * cap, those of every campaign in its group. */
static bool view_counts(const struct pt_catalog *catalog, const struct pt_campaign *campaign,
                        int view_campaign)
{
    if (view_campaign < 0)
        return false;
    const struct pt_campaign *seen = &catalog->campaigns[view_campaign];
    if (seen == campaign)
        return true;
    return campaign->cap_group > 0 && seen->cap_group == campaign->cap_group;
}

/* At most cap_views views in the last cap_days days (a view exactly cap_days
 * old has left the window), and at least min_days_between days since the
 * last one. */
static enum pt_filter cap_filter(const struct pt_catalog *catalog,
                                 const struct pt_campaign *campaign,
                                 const struct pt_appeal_request *request,
                                 const int *view_campaigns, int64_t now)
{
    if (campaign->cap_views <= 0 && campaign->min_days_between <= 0)
        return PT_FILTER_PASSED;
    int64_t window = (int64_t)campaign->cap_days * DAY_SECONDS;
    int64_t spacing = (int64_t)campaign->min_days_between * DAY_SECONDS;
    int seen = 0;
    bool too_recent = false;
    for (size_t i = 0; i < request->view_count; i++) {
        if (!view_counts(catalog, campaign, view_campaigns[i]))
            continue;
        int64_t age = now - request->views[i].at;
        if (age < 0)
            age = 0;
        if (age < window)
            seen++;
        if (age < spacing)
            too_recent = true;
    }
    if (campaign->cap_views > 0 && seen >= campaign->cap_views)
        return PT_FILTER_FREQUENCY_CAP;
    if (too_recent)
        return PT_FILTER_MIN_DAYS_BETWEEN;
    return PT_FILTER_PASSED;
}

static enum pt_filter reader_filter(const struct pt_catalog *catalog,
                                    const struct pt_campaign *campaign,
                                    const struct pt_appeal_request *request,
                                    const int *view_campaigns, int64_t now,
                                    int64_t snooze_max_seconds)
{
    if (campaign->countries.count > 0 &&
        (request->country[0] == '\0' || !country_listed(&campaign->countries, request->country)))
        return PT_FILTER_COUNTRY;
    if (request->country[0] != '\0' &&
        country_listed(&campaign->exclude_countries, request->country))
        return PT_FILTER_COUNTRY;
    if (campaign->devices != 0 && !((campaign->devices >> request->device) & 1u))
        return PT_FILTER_DEVICE;
    if (!in_cohort(campaign, request))
        return PT_FILTER_COHORT;
    if (!read_enough(campaign, request, now))
        return PT_FILTER_ARTICLES_READ;
    if (is_snoozed(campaign, request, now, snooze_max_seconds))
        return PT_FILTER_SNOOZE;
    return cap_filter(catalog, campaign, request, view_campaigns, now);
}

/* The reason reported when nothing is shown: the most telling filter among
 * the campaigns that got past the page's filters. */
static enum pt_select_reason reason_for(enum pt_filter filter, const struct pt_campaign *campaign)
{
    switch (filter) {
    case PT_FILTER_COHORT:
        return campaign->cohort == PT_COHORT_NON_SUPPORTERS ? PT_SELECT_SUPPORTER
                                                            : PT_SELECT_NO_CAMPAIGN;
    case PT_FILTER_SNOOZE: return PT_SELECT_SNOOZED;
    case PT_FILTER_FREQUENCY_CAP:
    case PT_FILTER_MIN_DAYS_BETWEEN: return PT_SELECT_CAPPED;
    default: return PT_SELECT_NO_CAMPAIGN;
    }
}

static void trace(struct pt_select_options *options, const struct pt_campaign *campaign,
                  enum pt_filter filter)
{
    if (options == NULL || options->trace == NULL ||
        options->trace_count >= options->trace_capacity)
        return;
    options->trace[options->trace_count].campaign = campaign;
    options->trace[options->trace_count].filter = filter;
    options->trace_count++;
}

/* An editor's force: the variant is shown whatever the filters say (but a
 * campaign that is not live only with preview), in the article's language
 * when the campaign speaks it, else in its first. */
static bool choose_forced(const struct pt_catalog *catalog,
                          const struct pt_appeal_request *request,
                          const struct pt_select_options *options, int64_t now,
                          struct pt_selection *selection)
{
    int index = pt_catalog_index(catalog, options->force_campaign);
    if (index < 0)
        return false;
    const struct pt_campaign *campaign = &catalog->campaigns[index];
    if (campaign->status != PT_CAMPAIGN_LIVE && !options->preview)
        return false;
    const struct pt_variant *variant = pt_campaign_find_variant(campaign, options->force_variant);
    if (variant == NULL)
        return false;
    const char *language = spoken(campaign, request->language);
    const struct pt_variant_text *text = pt_variant_find_text_in(
        variant, language ? language : campaign->languages[0],
        pt_select_currency(campaign, request->country));
    selection->reason = PT_SELECT_CHOSEN;
    selection->campaign = campaign;
    selection->variant = variant;
    selection->text = text;
    selection->articles = pt_select_articles_read(request, campaign->articles_weeks, now);
    return true;
}

void pt_select_appeal(const struct pt_catalog *catalog, const struct pt_appeal_request *request,
                      int64_t now, int64_t snooze_max_seconds, struct pt_select_options *options,
                      struct pt_selection *selection)
{
    memset(selection, 0, sizeof(*selection));
    selection->reason = PT_SELECT_NO_CAMPAIGN;
    if (options != NULL)
        options->trace_count = 0;
    /* A page that opts out shows nothing, whoever asks. */
    if (request->opt_out) {
        selection->reason = PT_SELECT_OPTED_OUT;
        return;
    }
    if (options != NULL && options->force_campaign != NULL && options->force_variant != NULL &&
        choose_forced(catalog, request, options, now, selection))
        return;
    bool preview = options != NULL && options->preview;

    /* Which campaign each view belongs to, looked up once. */
    int view_campaigns[PT_VIEWS_MAX];
    for (size_t i = 0; i < request->view_count; i++)
        view_campaigns[i] = pt_catalog_index(catalog, request->views[i].campaign);

    size_t i = 0;
    for (; i < catalog->campaign_count; i++) {
        const struct pt_campaign *campaign = &catalog->campaigns[i];
        bool eligible = campaign->status == PT_CAMPAIGN_LIVE ||
                        (preview && campaign->status == PT_CAMPAIGN_DRAFT);
        if (!eligible) {
            trace(options, campaign, PT_FILTER_STATUS);
            continue;
        }
        if (!is_scheduled(campaign, now, preview)) {
            trace(options, campaign, PT_FILTER_SCHEDULE);
            continue;
        }
        enum pt_filter filter = page_filter(campaign, request);
        if (filter == PT_FILTER_PASSED)
            filter = reader_filter(catalog, campaign, request, view_campaigns, now,
                                   snooze_max_seconds);
        if (filter != PT_FILTER_PASSED) {
            trace(options, campaign, filter);
            enum pt_select_reason reason = reason_for(filter, campaign);
            if (reason > selection->reason)
                selection->reason = reason;
            continue;
        }
        const struct pt_variant *variant = pt_select_variant(campaign, request->bucket);
        if (variant == NULL) {
            /* The control share sees nothing, not the next campaign: that
             * is what the test measures against. */
            trace(options, campaign, PT_FILTER_CONTROL);
            selection->reason = PT_SELECT_CONTROL;
            selection->campaign = campaign;
            i++;
            break;
        }
        const struct pt_variant_text *text =
            pt_variant_find_text_in(variant, spoken(campaign, request->language),
                                    pt_select_currency(campaign, request->country));
        trace(options, campaign, PT_FILTER_PASSED);
        selection->reason = PT_SELECT_CHOSEN;
        selection->campaign = campaign;
        selection->variant = variant;
        selection->text = text;
        selection->articles = pt_select_articles_read(request, campaign->articles_weeks, now);
        i++;
        break;
    }
    for (; i < catalog->campaign_count; i++)
        trace(options, &catalog->campaigns[i], PT_FILTER_NOT_REACHED);
}
