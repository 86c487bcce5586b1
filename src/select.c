#include "patron/select.h"

#include <string.h>

const char *pt_select_reason_name(enum pt_select_reason reason)
{
    switch (reason) {
    case PT_SELECT_CHOSEN: return "chosen";
    case PT_SELECT_NO_CAMPAIGN: return "no_campaign";
    case PT_SELECT_OPTED_OUT: return "opted_out";
    case PT_SELECT_SUPPORTER: return "supporter";
    case PT_SELECT_CAPPED: return "capped";
    case PT_SELECT_SNOOZED: return "snoozed";
    }
    return "no_campaign";
}

/* FNV-1a over the id, then a splitmix64 finaliser over the id's hash and the
 * bucket together. The finaliser's avalanche is what makes a 50/50 split
 * come out even over consecutive bucket numbers, and what makes the split of
 * one test independent of another's. */
uint32_t pt_select_point(uint32_t bucket, const char *test_id)
{
    uint64_t hash = 0xcbf29ce484222325u;
    for (const unsigned char *p = (const unsigned char *)test_id; *p; p++) {
        hash ^= *p;
        hash *= 0x100000001b3u;
    }
    uint64_t x = hash ^ ((uint64_t)bucket * 0x9e3779b97f4a7c15u);
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
    uint32_t point = pt_select_point(bucket, campaign->id);
    /* Scale into [0, total_weight) without modulo bias. */
    uint64_t target = ((uint64_t)point * campaign->total_weight) >> 32;
    uint64_t cumulative = 0;
    for (size_t i = 0; i < campaign->variant_count; i++) {
        cumulative += campaign->variants[i].weight;
        if (target < cumulative)
            return &campaign->variants[i];
    }
    return &campaign->variants[campaign->variant_count - 1];
}

static bool is_scheduled(const struct pt_campaign *campaign, int64_t now)
{
    if (campaign->status != PT_CAMPAIGN_LIVE)
        return false;
    if (campaign->starts_at != 0 && now < campaign->starts_at)
        return false;
    if (campaign->ends_at != 0 && now > campaign->ends_at)
        return false;
    return true;
}

static bool speaks(const struct pt_campaign *campaign, const char *language)
{
    for (size_t i = 0; i < campaign->language_count; i++) {
        if (strcmp(campaign->languages[i], language) == 0)
            return true;
    }
    return false;
}

static bool in_cohort(const struct pt_campaign *campaign, bool supporter)
{
    switch (campaign->cohort) {
    case PT_COHORT_NON_SUPPORTERS: return !supporter;
    case PT_COHORT_SUPPORTERS: return supporter;
    case PT_COHORT_EVERYONE: return true;
    }
    return false;
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

/* At most cap_views views of this campaign in the last cap_days days: a view
 * exactly cap_days old has left the window. */
static bool is_capped(const struct pt_campaign *campaign, const struct pt_appeal_request *request,
                      int64_t now)
{
    if (campaign->cap_views <= 0)
        return false;
    int64_t window = (int64_t)campaign->cap_days * 86400;
    int seen = 0;
    for (size_t i = 0; i < request->view_count; i++) {
        const struct pt_reader_view *view = &request->views[i];
        if (strcmp(view->campaign, campaign->id) != 0)
            continue;
        int64_t age = now - view->at;
        if (age < 0)
            age = 0;
        if (age < window)
            seen++;
    }
    return seen >= campaign->cap_views;
}

void pt_select_appeal(const struct pt_catalog *catalog, const struct pt_appeal_request *request,
                      int64_t now, int64_t snooze_max_seconds, struct pt_selection *selection)
{
    memset(selection, 0, sizeof(*selection));
    selection->reason = PT_SELECT_NO_CAMPAIGN;
    if (request->opt_out) {
        selection->reason = PT_SELECT_OPTED_OUT;
        return;
    }
    for (size_t i = 0; i < catalog->campaign_count; i++) {
        const struct pt_campaign *campaign = &catalog->campaigns[i];
        enum pt_select_reason refused = PT_SELECT_CHOSEN;
        if (!is_scheduled(campaign, now) || !speaks(campaign, request->language))
            continue;
        if (!in_cohort(campaign, request->supporter))
            refused = PT_SELECT_SUPPORTER;
        else if (is_snoozed(campaign, request, now, snooze_max_seconds))
            refused = PT_SELECT_SNOOZED;
        else if (is_capped(campaign, request, now))
            refused = PT_SELECT_CAPPED;
        if (refused != PT_SELECT_CHOSEN) {
            /* Report the most telling reason among the campaigns that fit the
             * page but not the reader. */
            if (refused > selection->reason || selection->reason == PT_SELECT_NO_CAMPAIGN)
                selection->reason = refused;
            continue;
        }
        const struct pt_variant *variant = pt_select_variant(campaign, request->bucket);
        const struct pt_variant_text *text =
            variant ? pt_variant_find_text(variant, request->language) : NULL;
        if (text == NULL)
            continue;
        selection->reason = PT_SELECT_CHOSEN;
        selection->campaign = campaign;
        selection->variant = variant;
        selection->text = text;
        return;
    }
}
