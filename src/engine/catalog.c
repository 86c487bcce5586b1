#include "patron/catalog.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "patron/alloc.h"
#include "patron/buf.h"
#include "patron/i18n.h"
#include "patron/json.h"
#include "patron/money.h"
#include "patron/placeholders.h"
#include "patron/render.h"

/* -------------------------------------------------------------- refusals */

/* A refusal being written: the value the caller gets, the sentence with its
 * path as messages have always said it ("campaign.starts_at must be ...",
 * "variant a.text.en.body must be ..."), which "campaign ID: " starts when
 * the campaign's id is known, and room for a JSON reader's refusal. */
struct refusal {
    struct pt_catalog_error *error;
    char text[400];
    struct pt_json_error json;
};

/* A field's path from its campaign or variant: "" and "starts_at" give
 * "starts_at", "text.en" and "body" give "text.en.body". */
static void set_field(struct refusal *refusal, const char *path, const char *key)
{
    struct pt_catalog_error *error = refusal->error;
    /* A path too long for the field is cut: the message still names it
     * whole. */
    if (path[0] != '\0' && key[0] != '\0') {
        if (snprintf(error->field, sizeof(error->field), "%s.%s", path, key) < 0)
            error->field[0] = '\0';
    } else {
        pt_json_copy(error->field, sizeof(error->field), path[0] != '\0' ? path : key);
    }
}

/* The catalogue's own refusal of key in the object that messages call where
 * and the error value calls path (key "": the object itself). where NULL:
 * the sentence names no path. */
__attribute__((format(printf, 5, 6))) static enum pt_status
refuse(struct refusal *refusal, const char *where, const char *path, const char *key,
       const char *format, ...)
{
    struct pt_catalog_error *error = refusal->error;
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(error->problem, sizeof(error->problem), format, arguments);
    va_end(arguments);
    set_field(refusal, path, key);
    if (where == NULL)
        snprintf(refusal->text, sizeof(refusal->text), "%s", error->problem);
    else if (key[0] != '\0')
        snprintf(refusal->text, sizeof(refusal->text), "%s.%s %s", where, key, error->problem);
    else
        snprintf(refusal->text, sizeof(refusal->text), "%s %s", where, error->problem);
    return PT_ERR_INVALID;
}

/* A JSON reader's refusal, in refusal->json, of a key in the object at path;
 * answers status, so that a call site reads "return read_refused(...)". */
static enum pt_status read_refused(struct refusal *refusal, const char *path, enum pt_status status)
{
    set_field(refusal, path, refusal->json.key);
    pt_json_copy(refusal->error->problem, sizeof(refusal->error->problem), refusal->json.problem);
    pt_json_copy(refusal->text, sizeof(refusal->text), refusal->json.message);
    return status;
}

/* ------------------------------------------------------------ validation */

bool pt_catalog_is_id(const char *id)
{
    if (id == NULL)
        return false;
    size_t length = strlen(id);
    if (length == 0 || length >= PT_ID_MAX)
        return false;
    for (const char *p = id; *p; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
            return false;
    }
    return true;
}

bool pt_catalog_is_language(const char *tag)
{
    if (tag == NULL)
        return false;
    size_t length = strlen(tag);
    if (length < 2 || length >= PT_LANGUAGE_MAX)
        return false;
    for (const char *p = tag; *p; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '-'))
            return false;
    }
    return true;
}

bool pt_catalog_parse_time(const char *text, int64_t *out)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    char tail = 0;
    int n = sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2dZ%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                   &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &tail);
    if (n != 6 || strlen(text) != 20 || tm.tm_year < 2000 || tm.tm_year > 2200 || tm.tm_mon < 1 ||
        tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
        tm.tm_min > 59 || tm.tm_sec > 60)
        return false;
    int day = tm.tm_mday, month = tm.tm_mon;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    time_t seconds = timegm(&tm);
    /* timegm normalises 31 February into March: refuse what it had to move. */
    if (tm.tm_mday != day || tm.tm_mon != month - 1)
        return false;
    *out = (int64_t)seconds;
    return true;
}

static enum pt_status read_time(const json_t *object, const char *key, int64_t *out,
                                struct refusal *refusal)
{
    const json_t *value = json_object_get(object, key);
    if (value == NULL || json_is_null(value)) {
        *out = 0;
        return PT_OK;
    }
    if (!json_is_string(value) || !pt_catalog_parse_time(json_string_value(value), out))
        return refuse(refusal, "campaign", "", key,
                      "must be a UTC time such as \"2026-03-01T00:00:00Z\"");
    return PT_OK;
}

static enum pt_status read_days(const json_t *object, const char *where, const char *path,
                                const char *key, double fallback, int64_t *seconds,
                                struct refusal *refusal)
{
    const json_t *value = json_object_get(object, key);
    double days = fallback;
    if (value != NULL) {
        if (!json_is_number(value) || json_number_value(value) < 0 ||
            json_number_value(value) > 3650)
            return refuse(refusal, where, path, key, "must be a number of days from 0 to 3650");
        days = json_number_value(value);
    }
    *seconds = (int64_t)(days * 86400.0 + 0.5);
    return PT_OK;
}

/* ----------------------------------------------------------- one variant */

const json_t *pt_catalog_text_for(const json_t *texts, const char *language)
{
    const char *key;
    const json_t *text;
    json_object_foreach((json_t *)texts, key, text) {
        if (strcasecmp(key, language) == 0)
            return text;
    }
    return NULL;
}

struct variant_input {
    struct pt_appeal_content content;
    /* The ladders in the campaign's other currencies, kept in the snapshot
     * only when it renders (render_variant). */
    struct pt_amount_ladder other_ladders[PT_CAMPAIGN_CURRENCIES_MAX - 1][PT_FREQUENCIES];
    const json_t *texts; /* language -> {headline, body, ...} */
};

/* One ladder: presets (1 to PT_PRESETS_MAX amounts, each within the
 * frequency's minimum and patron's ceiling) and an optional default among
 * them. */
static enum pt_status parse_ladder(const json_t *object, const char *where, const char *path,
                                   const char *presets_key, const char *default_key, bool required,
                                   enum pt_frequency frequency, const struct pt_currency *currency,
                                   struct pt_amount_ladder *ladder, struct refusal *refusal)
{
    const json_t *presets = NULL;
    enum pt_status status = pt_json_read_array(object, where, presets_key, required, PT_PRESETS_MAX,
                                               &presets, &refusal->json);
    if (status)
        return read_refused(refusal, path, status);
    memset(ladder, 0, sizeof(*ladder));
    int64_t minimum = pt_money_minimum(frequency, currency);
    size_t index;
    const json_t *item;
    json_array_foreach(presets, index, item) {
        if (!json_is_integer(item) || json_integer_value(item) < minimum ||
            json_integer_value(item) > 100000000)
            return refuse(refusal, where, path, presets_key,
                          "must be amounts in minor units of %s, at least %lld %s", currency->code,
                          (long long)minimum,
                          frequency == PT_FREQUENCY_ONE_OFF ? "once"
                                                            : pt_frequency_name(frequency));
        ladder->presets[ladder->count++] = json_integer_value(item);
    }
    if (required && ladder->count == 0)
        return refuse(refusal, where, path, presets_key, "must hold at least one amount");
    status = pt_json_read_integer(object, where, default_key, false, 0, 100000000,
                                  &ladder->default_amount, &refusal->json);
    if (status)
        return read_refused(refusal, path, status);
    if (ladder->default_amount != 0 && !pt_money_ladder_has(ladder, ladder->default_amount))
        return refuse(refusal, where, path, default_key, "must be one of its presets");
    return PT_OK;
}

/* The amounts a variant offers, per frequency. "presets" and
 * "default_amount" are the default frequency's ladder (the format before
 * "amounts"); "amounts" may name a ladder for each offered frequency. Once a
 * variant offers amounts at all, an offered frequency without its own
 * ladder gets patron's standard one for it, never another frequency's: "$2 a
 * year" is no one's intent. value may be NULL: none named. prefix is the
 * object's path within the variant ("" for the variant itself,
 * "currency_amounts.GBP" for a currency's). */
static enum pt_status parse_ladders(const json_t *value, const char *where, const char *prefix,
                                    const struct pt_appeal_content *content,
                                    const struct pt_currency *currency,
                                    struct pt_amount_ladder *ladders, bool offers_amounts,
                                    struct refusal *refusal)
{
    enum pt_frequency first = content->default_frequency;
    memset(ladders, 0, sizeof(*ladders) * PT_FREQUENCIES);
    enum pt_status status = parse_ladder(value, where, prefix, "presets", "default_amount", false,
                                         first, currency, &ladders[first], refusal);
    if (status)
        return status;
    const json_t *amounts = json_object_get(value, "amounts");
    if (amounts != NULL) {
        static const char *const allowed[] = {"monthly", "one_off", "annual", NULL};
        char amounts_where[160], amounts_path[64];
        snprintf(amounts_where, sizeof(amounts_where), "%s.amounts", where);
        snprintf(amounts_path, sizeof(amounts_path), "%s%samounts", prefix,
                 prefix[0] ? "." : "");
        status = pt_json_check_object(amounts, amounts_where, allowed, &refusal->json);
        if (status)
            return read_refused(refusal, amounts_path, status);
        for (unsigned f = 0; f < PT_FREQUENCIES; f++) {
            const json_t *ladder_value = json_object_get(amounts, pt_frequency_name(f));
            if (ladder_value == NULL)
                continue;
            char ladder_where[200], ladder_path[80];
            snprintf(ladder_where, sizeof(ladder_where), "%s.%s", amounts_where,
                     pt_frequency_name(f));
            snprintf(ladder_path, sizeof(ladder_path), "%s.%s", amounts_path,
                     pt_frequency_name(f));
            if (!((content->frequencies >> f) & 1u))
                return refuse(refusal, ladder_where, ladder_path, "",
                              "is for a frequency the variant does not offer");
            static const char *const ladder_allowed[] = {"presets", "default", NULL};
            status =
                pt_json_check_object(ladder_value, ladder_where, ladder_allowed, &refusal->json);
            if (status)
                return read_refused(refusal, ladder_path, status);
            struct pt_amount_ladder ladder;
            status = parse_ladder(ladder_value, ladder_where, ladder_path, "presets", "default",
                                  true, (enum pt_frequency)f, currency, &ladder, refusal);
            if (status)
                return status;
            struct pt_amount_ladder *mine = &ladders[f];
            if (f == first && mine->count > 0 &&
                (mine->count != ladder.count || mine->default_amount != ladder.default_amount ||
                 memcmp(mine->presets, ladder.presets, ladder.count * sizeof(int64_t)) != 0))
                return refuse(refusal, where, prefix, "presets",
                              "and %s disagree: name the amounts once", ladder_where);
            *mine = ladder;
        }
    }
    for (unsigned f = 0; f < PT_FREQUENCIES; f++)
        offers_amounts = offers_amounts || ladders[f].count > 0;
    for (unsigned f = 0; f < PT_FREQUENCIES && offers_amounts; f++) {
        if (((content->frequencies >> f) & 1u) && ladders[f].count == 0)
            pt_money_standard_ladder((enum pt_frequency)f, currency, &ladders[f]);
    }
    return PT_OK;
}

/* "currency_amounts": {"GBP": {"presets", "default_amount", "amounts"}},
 * the amounts in each of the campaign's other currencies, read by the same
 * rules (the minimum checked in that currency). A currency the campaign
 * shows without amounts of its own gets patron's standard ladders for it
 * when the variant offers amounts at all: never another currency's numbers,
 * as "5" means something else in yen. */
static enum pt_status parse_currency_amounts(const json_t *value, const char *where,
                                             const struct pt_campaign *campaign,
                                             struct variant_input *input,
                                             struct refusal *refusal)
{
    const json_t *all = json_object_get(value, "currency_amounts");
    char all_where[160];
    snprintf(all_where, sizeof(all_where), "%s.currency_amounts", where);
    if (all != NULL && !json_is_object(all))
        return refuse(refusal, where, "", "currency_amounts",
                      "must be an object with amounts per currency, such as {\"GBP\": "
                      "{\"presets\": [300, 500]}}");
    const char *code;
    const json_t *amounts;
    json_object_foreach((json_t *)all, code, amounts) {
        bool other = false;
        for (size_t c = 1; c < campaign->currency_count && !other; c++)
            other = strcmp(campaign->currencies[c], code) == 0;
        if (!other)
            return refuse(refusal, all_where, "currency_amounts", code, "%s",
                          strcmp(code, campaign->currency) == 0
                              ? "is the campaign's own currency: its amounts are the variant's "
                                "presets and amounts"
                              : "is not among the campaign's currencies");
        static const char *const allowed[] = {"presets", "default_amount", "amounts", NULL};
        char amounts_where[200], amounts_path[32];
        snprintf(amounts_where, sizeof(amounts_where), "%s.%.3s", all_where, code);
        snprintf(amounts_path, sizeof(amounts_path), "currency_amounts.%.3s", code);
        enum pt_status status =
            pt_json_check_object(amounts, amounts_where, allowed, &refusal->json);
        if (status)
            return read_refused(refusal, amounts_path, status);
    }
    const struct pt_appeal_content *content = &input->content;
    bool offers_amounts = false;
    for (unsigned f = 0; f < PT_FREQUENCIES; f++)
        offers_amounts = offers_amounts || content->ladders[f].count > 0;
    for (size_t c = 1; c < campaign->currency_count; c++) {
        const char *other = campaign->currencies[c];
        char amounts_where[200], amounts_path[32];
        snprintf(amounts_where, sizeof(amounts_where), "%s.%s", all_where, other);
        snprintf(amounts_path, sizeof(amounts_path), "currency_amounts.%s", other);
        enum pt_status status = parse_ladders(json_object_get(all, other), amounts_where,
                                              amounts_path, content, pt_money_currency(other),
                                              input->other_ladders[c - 1], offers_amounts,
                                              refusal);
        if (status)
            return status;
    }
    return PT_OK;
}

/* Reads the variant at refusal->error->variant, whose index the caller set. */
static enum pt_status parse_variant(const json_t *value, struct pt_campaign *campaign,
                                    struct pt_variant *variant, struct variant_input *input,
                                    const struct pt_currency *currency, struct refusal *refusal)
{
    static const char *const allowed[] = {"id",      "weight",         "frequencies",
                                          "default_frequency", "presets", "default_amount",
                                          "amounts", "currency_amounts", "text", NULL};
    char where[128];
    snprintf(where, sizeof(where), "variant %zu", campaign->variant_count + 1);
    enum pt_status status = pt_json_check_object(value, where, allowed, &refusal->json);
    if (status)
        return read_refused(refusal, "", status);
    const char *id = NULL;
    status = pt_json_read_string(value, where, "id", true, PT_ID_MAX - 1, &id, &refusal->json);
    if (status)
        return read_refused(refusal, "", status);
    if (!pt_catalog_is_id(id))
        return refuse(refusal, where, "", "id", "must be 1 to 63 of a-z, 0-9, '-' and '_'");
    snprintf(where, sizeof(where), "variant %s", id);
    pt_json_copy(variant->id, sizeof(variant->id), id);
    for (size_t i = 0; i < campaign->variant_count; i++) {
        if (strcmp(campaign->variants[i].id, id) == 0)
            return refuse(refusal, NULL, "", "id", "two variants are called \"%s\"", id);
    }
    int64_t weight = 1;
    status = pt_json_read_integer(value, where, "weight", false, 0, 10000, &weight, &refusal->json);
    if (status)
        return read_refused(refusal, "", status);
    variant->weight = (uint32_t)weight;

    struct pt_appeal_content *content = &input->content;
    memset(content, 0, sizeof(*content));
    content->currency = currency;
    const json_t *frequencies = NULL;
    status =
        pt_json_read_array(value, where, "frequencies", false, 3, &frequencies, &refusal->json);
    if (status)
        return read_refused(refusal, "", status);
    if (frequencies == NULL) {
        content->frequencies = 7u;
    } else {
        size_t index;
        const json_t *item;
        json_array_foreach(frequencies, index, item) {
            enum pt_frequency frequency;
            if (!json_is_string(item) || !pt_frequency_parse(json_string_value(item), &frequency))
                return refuse(refusal, where, "", "frequencies",
                              "may hold only \"monthly\", \"one_off\" and \"annual\"");
            content->frequencies |= 1u << frequency;
        }
        if (content->frequencies == 0)
            return refuse(refusal, where, "", "frequencies", "must offer at least one");
    }
    const char *default_frequency = NULL;
    status = pt_json_read_string(value, where, "default_frequency", false, 16, &default_frequency,
                                 &refusal->json);
    if (status)
        return read_refused(refusal, "", status);
    content->default_frequency = PT_FREQUENCY_MONTHLY;
    if (default_frequency != NULL &&
        !pt_frequency_parse(default_frequency, &content->default_frequency))
        return refuse(refusal, where, "", "default_frequency",
                      "must be monthly, one_off or annual");
    if (!((content->frequencies >> content->default_frequency) & 1u)) {
        for (unsigned f = 0; f < 3; f++) {
            if ((content->frequencies >> f) & 1u) {
                content->default_frequency = (enum pt_frequency)f;
                break;
            }
        }
        if (default_frequency != NULL)
            return refuse(refusal, where, "", "default_frequency", "is not among its frequencies");
    }

    status = parse_ladders(value, where, "", content, currency, content->ladders, false, refusal);
    if (status == PT_OK)
        status = parse_currency_amounts(value, where, campaign, input, refusal);
    if (status)
        return status;
    variant->frequencies = content->frequencies;
    variant->default_frequency = content->default_frequency;
    memcpy(variant->ladders, content->ladders, sizeof(variant->ladders));

    input->texts = json_object_get(value, "text");
    if (!json_is_object(input->texts))
        return refuse(refusal, where, "", "text", "must be an object with one entry per language");
    const char *language;
    const json_t *text;
    json_object_foreach((json_t *)input->texts, language, text) {
        bool known = false;
        for (size_t i = 0; i < campaign->language_count && !known; i++)
            known = strcasecmp(campaign->languages[i], language) == 0;
        if (!known)
            return refuse(refusal, where, "", "text",
                          "has \"%.16s\", which is not among the campaign's languages", language);
        static const char *const allowed_text[] = {"headline", "body", "support", "later",
                                                   "supporting", NULL};
        char text_where[160], text_path[PT_LANGUAGE_MAX + 8];
        snprintf(text_where, sizeof(text_where), "%s.text.%s", where, language);
        snprintf(text_path, sizeof(text_path), "text.%.*s", PT_LANGUAGE_MAX, language);
        status = pt_json_check_object(text, text_where, allowed_text, &refusal->json);
        if (status)
            return read_refused(refusal, text_path, status);
        const char *ignored;
        static const struct {
            const char *key;
            size_t max;
            bool required;
        } fields[] = {{"headline", 200, false}, {"body", 4000, false}, {"support", 60, false},
                      {"later", 60, false},     {"supporting", 60, false}};
        for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
            ignored = NULL;
            status = pt_json_read_string(text, text_where, fields[i].key, fields[i].required,
                                         fields[i].max, &ignored, &refusal->json);
            if (status)
                return read_refused(refusal, text_path, status);
            /* The copy's placeholders: the headline and the body only. */
            const char *problem = ignored != NULL && i < 2
                                      ? pt_placeholders_problem(ignored, campaign, language)
                                      : NULL;
            if (problem != NULL)
                return refuse(refusal, text_where, text_path, fields[i].key, "%s", problem);
        }
    }
    for (size_t i = 0; i < campaign->language_count; i++) {
        if (pt_catalog_text_for(input->texts, campaign->languages[i]) == NULL)
            return refuse(refusal, where, "", "text",
                          "has no \"%s\", one of the campaign's languages", campaign->languages[i]);
    }
    return PT_OK;
}

/* ------------------------------------------------------------- targeting */

uint64_t pt_catalog_hash(const char *name)
{
    uint64_t hash = 0xcbf29ce484222325u;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        hash ^= *p;
        hash *= 0x100000001b3u;
    }
    return hash;
}

static bool is_name(const char *name)
{
    size_t length = strlen(name);
    return length > 0 && length < PT_NAME_MAX && pt_utf8_valid(name, length);
}

/* "US" or "US-CA": two capital letters, then optionally a region code. */
static bool is_country(const char *code)
{
    size_t length = strlen(code);
    if (length != 2 && (length < 4 || length >= PT_COUNTRY_MAX))
        return false;
    for (size_t i = 0; i < length; i++) {
        char c = code[i];
        bool ok = i < 2    ? (c >= 'A' && c <= 'Z')
                  : i == 2 ? c == '-'
                           : ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'));
        if (!ok)
            return false;
    }
    return true;
}

static enum pt_status read_names(const json_t *root, const char *key, struct pt_name_list *list,
                                 struct refusal *refusal)
{
    const json_t *array = NULL;
    enum pt_status status = pt_json_read_array(root, "campaign", key, false, PT_FILTER_LIST_MAX,
                                               &array, &refusal->json);
    if (status)
        return read_refused(refusal, "", status);
    if (array == NULL)
        return PT_OK;
    size_t index;
    const json_t *item;
    json_array_foreach(array, index, item) {
        if (!json_is_string(item) || !is_name(json_string_value(item)))
            return refuse(refusal, "campaign", "", key, "must hold names of 1 to %d bytes",
                          PT_NAME_MAX - 1);
        list->hashes[list->count++] = pt_catalog_hash(json_string_value(item));
    }
    return PT_OK;
}

static enum pt_status read_countries(const json_t *root, const char *key,
                                     struct pt_country_list *list, struct refusal *refusal)
{
    const json_t *array = NULL;
    enum pt_status status = pt_json_read_array(root, "campaign", key, false, PT_FILTER_LIST_MAX,
                                               &array, &refusal->json);
    if (status)
        return read_refused(refusal, "", status);
    if (array == NULL)
        return PT_OK;
    size_t index;
    const json_t *item;
    json_array_foreach(array, index, item) {
        if (!json_is_string(item) || !is_country(json_string_value(item)))
            return refuse(refusal, "campaign", "", key,
                          "must hold country codes such as \"US\" or regions such as "
                          "\"US-CA\"");
        pt_json_copy(list->codes[list->count++], PT_COUNTRY_MAX, json_string_value(item));
    }
    return PT_OK;
}

/* "placement": one name, or a list of up to PT_PLACEMENTS_MAX (a campaign
 * that runs as a banner and at the end of the article); end_of_article when
 * absent. */
static enum pt_status read_placements(const json_t *root, struct pt_campaign *campaign,
                                      struct refusal *refusal)
{
    const json_t *value = json_object_get(root, "placement");
    campaign->placement_count = 0;
    if (value == NULL || json_is_string(value)) {
        const char *name = value ? json_string_value(value) : "end_of_article";
        if (!is_name(name))
            return refuse(refusal, "campaign", "", "placement",
                          "must be a name such as \"end_of_article\", or a list of names");
        pt_json_copy(campaign->placements[0], PT_NAME_MAX, name);
        campaign->placement_count = 1;
        return PT_OK;
    }
    if (!json_is_array(value) || json_array_size(value) == 0 ||
        json_array_size(value) > PT_PLACEMENTS_MAX)
        return refuse(refusal, "campaign", "", "placement",
                      "must be a name such as \"banner_top\", or a list of 1 to %d names",
                      PT_PLACEMENTS_MAX);
    size_t index;
    const json_t *item;
    json_array_foreach(value, index, item) {
        const char *name = json_string_value(item);
        if (name == NULL || !is_name(name))
            return refuse(refusal, "campaign", "", "placement",
                          "must hold names of 1 to %d bytes", PT_NAME_MAX - 1);
        for (size_t j = 0; j < campaign->placement_count; j++) {
            if (strcmp(campaign->placements[j], name) == 0)
                return refuse(refusal, "campaign", "", "placement", "names \"%s\" twice", name);
        }
        pt_json_copy(campaign->placements[campaign->placement_count++], PT_NAME_MAX, name);
    }
    return PT_OK;
}

static enum pt_status parse_targeting(const json_t *root, struct pt_campaign *campaign,
                                      struct refusal *refusal)
{
    const char *where = "campaign";
    enum pt_status status = read_placements(root, campaign, refusal);
    if (status)
        return status;
    status = read_names(root, "sections", &campaign->sections, refusal);
    if (status == PT_OK)
        status = read_names(root, "exclude_sections", &campaign->exclude_sections, refusal);
    if (status == PT_OK)
        status = read_names(root, "tags", &campaign->tags, refusal);
    if (status == PT_OK)
        status = read_names(root, "exclude_tags", &campaign->exclude_tags, refusal);
    if (status)
        return status;
    status = pt_json_read_boolean(root, where, "show_on_sensitive", false,
                                  &campaign->show_on_sensitive, &refusal->json);
    if (status)
        return read_refused(refusal, "", status);
    status = read_countries(root, "countries", &campaign->countries, refusal);
    if (status == PT_OK)
        status = read_countries(root, "exclude_countries", &campaign->exclude_countries, refusal);
    if (status)
        return status;

    const json_t *devices = NULL;
    status = pt_json_read_array(root, where, "devices", false, 3, &devices, &refusal->json);
    if (status)
        return read_refused(refusal, "", status);
    size_t index;
    const json_t *item;
    json_array_foreach(devices, index, item) {
        const char *name = json_is_string(item) ? json_string_value(item) : "";
        if (strcmp(name, "mobile") == 0)
            campaign->devices |= 1u << PT_DEVICE_MOBILE;
        else if (strcmp(name, "tablet") == 0)
            campaign->devices |= 1u << PT_DEVICE_TABLET;
        else if (strcmp(name, "desktop") == 0)
            campaign->devices |= 1u << PT_DEVICE_DESKTOP;
        else
            return refuse(refusal, where, "", "devices",
                          "may hold only \"mobile\", \"tablet\" and \"desktop\"");
    }

    campaign->articles_max = -1;
    const json_t *articles = json_object_get(root, "articles_read");
    if (articles != NULL) {
        static const char *const allowed[] = {"weeks", "min", "max", NULL};
        const char *articles_where = "campaign.articles_read";
        int64_t weeks = 0, minimum = 0, maximum = -1;
        status = pt_json_check_object(articles, articles_where, allowed, &refusal->json);
        if (status == PT_OK)
            status = pt_json_read_integer(articles, articles_where, "weeks", true, 1, 52, &weeks,
                                          &refusal->json);
        if (status == PT_OK)
            status = pt_json_read_integer(articles, articles_where, "min", false, 0, 100000,
                                          &minimum, &refusal->json);
        if (status == PT_OK)
            status = pt_json_read_integer(articles, articles_where, "max", false, 0, 100000,
                                          &maximum, &refusal->json);
        if (status)
            return read_refused(refusal, "articles_read", status);
        if (maximum >= 0 && maximum < minimum)
            return refuse(refusal, articles_where, "articles_read", "max", "is below its min");
        campaign->articles_weeks = (int)weeks;
        campaign->articles_min = (int)minimum;
        campaign->articles_max = (int)maximum;
    }

    const char *test_id = campaign->id;
    status =
        pt_json_read_string(root, where, "test_id", false, PT_ID_MAX - 1, &test_id, &refusal->json);
    if (status)
        return read_refused(refusal, "", status);
    if (!pt_catalog_is_id(test_id))
        return refuse(refusal, where, "", "test_id", "must be 1 to 63 of a-z, 0-9, '-' and '_'");
    pt_json_copy(campaign->test_id, sizeof(campaign->test_id), test_id);
    const json_t *control = json_object_get(root, "control_share");
    if (control != NULL) {
        if (!json_is_number(control) || json_number_value(control) < 0 ||
            json_number_value(control) > 0.9)
            return refuse(refusal, where, "", "control_share",
                          "must be a share from 0 to 0.9, such as 0.1");
        campaign->control_threshold =
            (uint32_t)(json_number_value(control) * 4294967296.0 + 0.5);
    }
    return PT_OK;
}

/* ------------------------------------------------------------ currencies */

/* "currencies": {"GB": "GBP", "EU": "EUR", "*": "USD"} (docs/API.md): the
 * currency a reader's country sees. campaign->currency is already read and
 * is the currency for readers no key matches; "*" says the same, and when
 * both are written they must agree. */
static enum pt_status parse_currencies(const json_t *root, bool currency_written,
                                       struct pt_campaign *campaign, struct refusal *refusal)
{
    pt_json_copy(campaign->currencies[0], sizeof(campaign->currencies[0]), campaign->currency);
    campaign->currency_count = 1;
    const json_t *all = json_object_get(root, "currencies");
    if (all == NULL || json_is_null(all))
        return PT_OK;
    const char *where = "campaign.currencies";
    if (!json_is_object(all) || json_object_size(all) == 0)
        return refuse(refusal, "campaign", "", "currencies",
                      "must be an object of countries and currencies, such as {\"GB\": \"GBP\", "
                      "\"EU\": \"EUR\", \"*\": \"USD\"}");
    if (json_object_size(all) > PT_CURRENCY_KEYS_MAX)
        return refuse(refusal, "campaign", "", "currencies", "has %zu keys; at most %d are allowed",
                      json_object_size(all), PT_CURRENCY_KEYS_MAX);
    /* "*" first: it names currencies[0] when campaign.currency is not written. */
    const json_t *everyone = json_object_get(all, "*");
    if (everyone != NULL) {
        const struct pt_currency *currency =
            json_is_string(everyone) ? pt_money_currency(json_string_value(everyone)) : NULL;
        if (currency == NULL)
            return refuse(refusal, where, "currencies", "*",
                          "must be a currency patron takes: USD, EUR, GBP, CHF or JPY");
        if (currency_written && strcmp(currency->code, campaign->currency) != 0)
            return refuse(refusal, where, "currencies", "*",
                          "is not campaign.currency (\"%s\"): name the currency for every other "
                          "reader once",
                          campaign->currency);
        pt_json_copy(campaign->currency, sizeof(campaign->currency), currency->code);
        pt_json_copy(campaign->currencies[0], sizeof(campaign->currencies[0]), currency->code);
    }
    const char *key;
    const json_t *value;
    json_object_foreach((json_t *)all, key, value) {
        char path[PT_COUNTRY_MAX + 16];
        snprintf(path, sizeof(path), "%.*s", PT_COUNTRY_MAX + 8, key);
        if (strcmp(key, "*") == 0)
            continue;
        if (strcmp(key, "EU") != 0 && !is_country(key))
            return refuse(refusal, where, "currencies", path,
                          "is not a country code such as \"GB\", a region such as \"US-CA\", "
                          "\"EU\" or \"*\"");
        const struct pt_currency *currency =
            json_is_string(value) ? pt_money_currency(json_string_value(value)) : NULL;
        if (currency == NULL)
            return refuse(refusal, where, "currencies", path,
                          "must be a currency patron takes: USD, EUR, GBP, CHF or JPY");
        size_t index = 0;
        while (index < campaign->currency_count &&
               strcmp(campaign->currencies[index], currency->code) != 0)
            index++;
        if (index == campaign->currency_count) {
            if (index == PT_CAMPAIGN_CURRENCIES_MAX)
                return refuse(refusal, where, "currencies", path,
                              "is a fifth currency: a campaign shows at most %d, its own "
                              "currency among them",
                              PT_CAMPAIGN_CURRENCIES_MAX);
            pt_json_copy(campaign->currencies[index], sizeof(campaign->currencies[index]),
                         currency->code);
            campaign->currency_count++;
        }
        struct pt_currency_key *entry = &campaign->currency_keys[campaign->currency_key_count++];
        pt_json_copy(entry->country, sizeof(entry->country), key);
        entry->currency = (unsigned)index;
    }
    return PT_OK;
}

/* ------------------------------------------------------------------ goal */

/* "goal": {"kind", "target", "period", "threshold", "text": {LANG: sentence}}
 * (docs/API.md). The figure is read when the catalogue is rendered. */
static enum pt_status parse_goal(const json_t *root, struct pt_campaign *campaign,
                                 struct refusal *refusal)
{
    const json_t *goal = json_object_get(root, "goal");
    if (goal == NULL || json_is_null(goal))
        return PT_OK;
    static const char *const allowed[] = {"kind", "target", "period", "threshold", "text", NULL};
    const char *where = "campaign.goal";
    enum pt_status status = pt_json_check_object(goal, where, allowed, &refusal->json);
    const char *kind = NULL, *period = "campaign";
    if (status == PT_OK)
        status = pt_json_read_string(goal, where, "kind", true, 16, &kind, &refusal->json);
    if (status == PT_OK)
        status = pt_json_read_string(goal, where, "period", false, 16, &period, &refusal->json);
    if (status)
        return read_refused(refusal, "goal", status);
    struct pt_goal *out = &campaign->goal;
    if (strcmp(kind, "supporters") == 0)
        out->kind = PT_GOAL_SUPPORTERS;
    else if (strcmp(kind, "amount") == 0)
        out->kind = PT_GOAL_AMOUNT;
    else
        return refuse(refusal, where, "goal", "kind", "must be supporters or amount");
    if (strcmp(period, "campaign") == 0)
        out->period = PT_GOAL_CAMPAIGN;
    else if (strcmp(period, "month") == 0)
        out->period = PT_GOAL_MONTH;
    else
        return refuse(refusal, where, "goal", "period", "must be campaign or month");
    status = pt_json_read_integer(goal, where, "target", true, 1, PT_GOAL_TARGET_MAX, &out->target,
                                  &refusal->json);
    if (status == PT_OK)
        status = pt_json_read_integer(goal, where, "threshold", false, 0, PT_GOAL_TARGET_MAX,
                                      &out->threshold, &refusal->json);
    if (status)
        return read_refused(refusal, "goal", status);
    if (out->threshold > out->target)
        return refuse(refusal, where, "goal", "threshold",
                      "is above goal.target: the ticker would show only once the goal is met");
    const json_t *texts = json_object_get(goal, "text");
    if (texts == NULL)
        return PT_OK;
    if (!json_is_object(texts))
        return refuse(refusal, where, "goal", "text",
                      "must be an object with a sentence per language, such as {\"en\": \"{count} "
                      "of {goal} supporters\"}");
    const char *language;
    const json_t *text;
    json_object_foreach((json_t *)texts, language, text) {
        bool known = false;
        for (size_t i = 0; i < campaign->language_count && !known; i++)
            known = strcasecmp(campaign->languages[i], language) == 0;
        char path[PT_LANGUAGE_MAX + 8];
        snprintf(path, sizeof(path), "text.%.*s", PT_LANGUAGE_MAX - 1, language);
        if (!known)
            return refuse(refusal, where, "goal", path,
                          "is not among the campaign's languages");
        if (!json_is_string(text) || json_string_length(text) == 0 ||
            json_string_length(text) > PT_GOAL_TEXT_MAX ||
            !pt_utf8_valid(json_string_value(text), json_string_length(text)))
            return refuse(refusal, where, "goal", path, "must be a sentence of 1 to %d bytes",
                          PT_GOAL_TEXT_MAX);
        const char *problem = pt_goal_text_problem(json_string_value(text));
        if (problem != NULL)
            return refuse(refusal, where, "goal", path, "%s", problem);
    }
    return PT_OK;
}

/* The ticker of one language: the editor's sentence (or the phrase for the
 * goal's kind and period) around the figure and the target, as the
 * language writes them. */
static void render_ticker(const struct pt_campaign *campaign, const json_t *goal_texts,
                          const char *language, const struct pt_currency *currency,
                          struct pt_buf *text, struct pt_appeal_ticker *ticker)
{
    const struct pt_goal *goal = &campaign->goal;
    struct pt_buf count, target;
    pt_buf_init(&count);
    pt_buf_init(&target);
    if (goal->kind == PT_GOAL_AMOUNT) {
        pt_goal_format_money(&count, goal->figure, currency, language);
        pt_goal_format_money(&target, goal->target, currency, language);
    } else {
        pt_goal_format_number(&count, goal->figure, language);
        pt_goal_format_number(&target, goal->target, language);
    }
    const json_t *written = pt_catalog_text_for(goal_texts, language);
    enum pt_msg phrase = goal->kind == PT_GOAL_AMOUNT
                             ? (goal->period == PT_GOAL_MONTH ? PT_MSG_GOAL_AMOUNT_MONTH
                                                              : PT_MSG_GOAL_AMOUNT)
                             : (goal->period == PT_GOAL_MONTH ? PT_MSG_GOAL_SUPPORTERS_MONTH
                                                              : PT_MSG_GOAL_SUPPORTERS);
    pt_goal_fill(text,
                 written != NULL ? json_string_value(written)
                                 : pt_i18n_text(phrase, pt_i18n_lang(language)),
                 count.data, target.data);
    pt_buf_dispose(&count);
    pt_buf_dispose(&target);
    ticker->text = text->data;
    ticker->max = goal->target;
    ticker->value = goal->figure < 0 ? 0 : goal->figure > goal->target ? goal->target : goal->figure;
}

/* ---------------------------------------------------------- one campaign */

static const char *text_field(const json_t *text, const char *key)
{
    const json_t *value = json_object_get(text, key);
    return value ? json_string_value(value) : NULL;
}

static void render_variant(struct pt_campaign *campaign, struct pt_variant *variant,
                           struct variant_input *input, const json_t *goal_texts,
                           const struct pt_catalog_settings *settings)
{
    /* A campaign without "currencies" renders once per language, as it
     * always has; each other currency adds one text per language. */
    variant->text_count = campaign->language_count * campaign->currency_count;
    variant->texts = pt_xcalloc(variant->text_count, sizeof(*variant->texts));
    const struct pt_currency *own = pt_money_currency(campaign->currency);
    if (campaign->currency_count > 1) {
        variant->other_ladders =
            pt_xcalloc(campaign->currency_count - 1, sizeof(*variant->other_ladders));
        memcpy(variant->other_ladders, input->other_ladders,
               (campaign->currency_count - 1) * sizeof(*variant->other_ladders));
    }
    struct pt_buf html, answer, document, ticker_text, headline, body;
    pt_buf_init(&headline);
    pt_buf_init(&body);
    pt_buf_init(&html);
    pt_buf_init(&answer);
    pt_buf_init(&document);
    pt_buf_init(&ticker_text);
    for (size_t t = 0; t < variant->text_count; t++) {
        struct pt_variant_text *out = &variant->texts[t];
        size_t c = t / campaign->language_count;
        const char *language = campaign->languages[t % campaign->language_count];
        const json_t *text = pt_catalog_text_for(input->texts, language);
        pt_json_copy(out->language, sizeof(out->language), language);
        pt_json_copy(out->currency, sizeof(out->currency), campaign->currencies[c]);
        struct pt_appeal_content content = input->content;
        if (c > 0) {
            content.currency = pt_money_currency(campaign->currencies[c]);
            memcpy(content.ladders, input->other_ladders[c - 1], sizeof(content.ladders));
        }
        /* {weeks} and {min_amount} are every reader's: filled now, in this
         * text's currency. */
        int64_t minimum = pt_money_minimum(content.default_frequency, content.currency);
        const char *written[] = {text_field(text, "headline"), text_field(text, "body")};
        struct pt_buf *filled[] = {&headline, &body};
        for (size_t f = 0; f < 2; f++) {
            if (written[f] != NULL)
                pt_placeholders_fill_fixed(filled[f], written[f], campaign->articles_weeks,
                                           minimum, content.currency, language);
        }
        content.headline = written[0] != NULL ? headline.data : NULL;
        content.body_markdown = written[1] != NULL ? body.data : NULL;
        out->counts_articles = pt_placeholders_count_articles(content.headline) ||
                               pt_placeholders_count_articles(content.body_markdown);
        content.support_label = text_field(text, "support");
        content.later_label = text_field(text, "later");
        content.supporting_label = text_field(text, "supporting");
        out->headline = pt_xstrdup(content.headline != NULL ? content.headline : "");
        /* Kept as written for the newsletter appeal (newsletter.h), which
         * renders them for email only when a newsletter tool asks. */
        out->body = pt_xstrdup(content.body_markdown != NULL ? content.body_markdown : "");
        out->support_label =
            content.support_label != NULL ? pt_xstrdup(content.support_label) : NULL;
        struct pt_appeal_ticker ticker;
        if (pt_goal_shown(&campaign->goal)) {
            /* The goal counts in the campaign's own currency, whatever
             * the reader's. */
            render_ticker(campaign, goal_texts, language, own, &ticker_text, &ticker);
            content.ticker = &ticker;
        }
        pt_render_appeal(&html, campaign->id, variant->id, language, &content,
                         settings->public_url);

        pt_buf_puts(&answer, "{\"appeal\":{\"campaign\":");
        pt_buf_json_str(&answer, campaign->id);
        pt_buf_puts(&answer, ",\"variant\":");
        pt_buf_json_str(&answer, variant->id);
        pt_buf_puts(&answer, ",\"language\":");
        pt_buf_json_str(&answer, language);
        pt_buf_printf(&answer, ",\"remind\":%s", settings->email_off ? "false" : "true");
        pt_buf_puts(&answer, ",\"html\":\"");
        pt_buf_json_answer(&answer, html.data, html.length);
        pt_buf_puts(&answer, "\"}}");

        pt_render_embed_document(&document, language, html.data, settings->public_url);

        /* The fragment is kept once, inside its document: a catalogue of
         * hundreds of variants in several languages stays small. Kept as
         * exact copies, the buffers reused for the next text: a taken
         * buffer would keep up to half of its doubled size unused for as
         * long as the catalogue serves. */
        out->document_length = document.length;
        out->document = pt_xstrndup(document.data, document.length);
        out->html = strstr(out->document, html.data);
        out->html_length = html.length;
        out->answer_length = answer.length;
        out->answer = pt_xstrndup(answer.data, answer.length);
        pt_buf_reset(&html);
        pt_buf_reset(&document);
        pt_buf_reset(&answer);
        pt_buf_reset(&ticker_text);
        pt_buf_reset(&headline);
        pt_buf_reset(&body);
    }
    pt_buf_dispose(&headline);
    pt_buf_dispose(&body);
    pt_buf_dispose(&ticker_text);
    pt_buf_dispose(&html);
    pt_buf_dispose(&document);
    pt_buf_dispose(&answer);
}

static void free_campaign(struct pt_campaign *campaign)
{
    free(campaign->control_answer);
    campaign->control_answer = NULL;
    for (size_t v = 0; v < campaign->variant_count; v++) {
        struct pt_variant *variant = &campaign->variants[v];
        for (size_t t = 0; t < variant->text_count; t++) {
            free(variant->texts[t].answer);
            free(variant->texts[t].headline);
            free(variant->texts[t].body);
            free(variant->texts[t].support_label);
            free(variant->texts[t].document);
        }
        free(variant->texts);
        variant->texts = NULL;
        free(variant->other_ladders);
        variant->other_ladders = NULL;
        variant->text_count = 0;
    }
}

static enum pt_status parse_campaign(const char *document,
                                     const struct pt_catalog_settings *settings,
                                     struct pt_campaign *campaign, bool render,
                                     struct pt_catalog_error *error)
{
    static const char *const allowed[] = {
        "id",           "name",          "status",           "priority",
        "starts_at",    "ends_at",       "placement",        "languages",
        "sections",     "exclude_sections", "tags",          "exclude_tags",
        "show_on_sensitive", "countries", "exclude_countries", "devices",
        "cohort",       "articles_read", "currency",         "frequency_cap",
        "snooze_days",  "test_id",       "control_share",    "variants",
        "goal",         "currencies",    NULL};
    memset(campaign, 0, sizeof(*campaign));
    memset(error, 0, sizeof(*error));
    error->variant = -1;
    struct refusal refusal = {.error = error};
    json_t *root = pt_json_parse(document, strlen(document), refusal.text, sizeof(refusal.text));
    if (root == NULL) {
        pt_json_copy(error->problem, sizeof(error->problem), refusal.text);
        snprintf(error->message, sizeof(error->message), "campaign: %s", refusal.text);
        return PT_ERR_INVALID;
    }
    const char *where = "campaign";
    enum pt_status status = pt_json_check_object(root, where, allowed, &refusal.json);
    const char *id = NULL;
    if (status == PT_OK)
        status = pt_json_read_string(root, where, "id", true, PT_ID_MAX - 1, &id, &refusal.json);
    if (status) {
        read_refused(&refusal, "", status);
        goto fail;
    }
    if (!pt_catalog_is_id(id)) {
        status = refuse(&refusal, where, "", "id", "must be 1 to 63 of a-z, 0-9, '-' and '_'");
        goto fail;
    }
    pt_json_copy(campaign->id, sizeof(campaign->id), id);
    const char *name = NULL;
    status = pt_json_read_string(root, where, "name", false, 200, &name, &refusal.json);
    if (status) {
        read_refused(&refusal, "", status);
        goto fail;
    }

    const char *state = "draft";
    status = pt_json_read_string(root, where, "status", false, 16, &state, &refusal.json);
    if (status) {
        read_refused(&refusal, "", status);
        goto fail;
    }
    if (strcmp(state, "draft") == 0) {
        campaign->status = PT_CAMPAIGN_DRAFT;
    } else if (strcmp(state, "live") == 0) {
        campaign->status = PT_CAMPAIGN_LIVE;
    } else if (strcmp(state, "ended") == 0) {
        campaign->status = PT_CAMPAIGN_ENDED;
    } else {
        status = refuse(&refusal, where, "", "status", "must be draft, live or ended");
        goto fail;
    }
    int64_t priority = 0;
    status = pt_json_read_integer(root, where, "priority", false, -1000000, 1000000, &priority,
                                  &refusal.json);
    if (status) {
        read_refused(&refusal, "", status);
        goto fail;
    }
    campaign->priority = (int)priority;
    status = read_time(root, "starts_at", &campaign->starts_at, &refusal);
    if (status == PT_OK)
        status = read_time(root, "ends_at", &campaign->ends_at, &refusal);
    if (status)
        goto fail;
    if (campaign->starts_at && campaign->ends_at && campaign->ends_at < campaign->starts_at) {
        status = refuse(&refusal, where, "", "ends_at", "is before campaign.starts_at");
        goto fail;
    }

    const char *cohort = "non_supporters";
    status = pt_json_read_string(root, where, "cohort", false, 32, &cohort, &refusal.json);
    if (status) {
        read_refused(&refusal, "", status);
        goto fail;
    }
    if (strcmp(cohort, "non_supporters") == 0) {
        campaign->cohort = PT_COHORT_NON_SUPPORTERS;
    } else if (strcmp(cohort, "supporters") == 0) {
        campaign->cohort = PT_COHORT_SUPPORTERS;
    } else if (strcmp(cohort, "former_supporters") == 0) {
        campaign->cohort = PT_COHORT_FORMER_SUPPORTERS;
    } else if (strcmp(cohort, "everyone") == 0) {
        campaign->cohort = PT_COHORT_EVERYONE;
    } else {
        status = refuse(&refusal, where, "", "cohort",
                        "must be non_supporters, supporters, former_supporters or everyone");
        goto fail;
    }

    const json_t *languages = NULL;
    status = pt_json_read_array(root, where, "languages", true, PT_CAMPAIGN_LANGUAGES_MAX,
                                &languages, &refusal.json);
    if (status) {
        read_refused(&refusal, "", status);
        goto fail;
    }
    size_t index;
    const json_t *item;
    json_array_foreach(languages, index, item) {
        if (!json_is_string(item) || !pt_catalog_is_language(json_string_value(item))) {
            status =
                refuse(&refusal, where, "", "languages", "must hold language tags such as \"en\"");
            goto fail;
        }
        for (size_t i = 0; i < campaign->language_count; i++) {
            if (strcasecmp(campaign->languages[i], json_string_value(item)) == 0) {
                status = refuse(&refusal, where, "", "languages", "lists \"%s\" twice",
                                json_string_value(item));
                goto fail;
            }
        }
        char *language = campaign->languages[campaign->language_count++];
        pt_json_copy(language, PT_LANGUAGE_MAX, json_string_value(item));
        for (char *c = language; *c; c++)
            *c = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
    }
    if (campaign->language_count == 0) {
        status = refuse(&refusal, where, "", "languages", "must name at least one language");
        goto fail;
    }

    const char *currency_code = settings->default_currency;
    bool currency_written = json_object_get(root, "currency") != NULL;
    status = pt_json_read_string(root, where, "currency", false, 3, &currency_code, &refusal.json);
    if (status) {
        read_refused(&refusal, "", status);
        goto fail;
    }
    const struct pt_currency *currency = pt_money_currency(currency_code);
    if (currency == NULL) {
        status = refuse(&refusal, where, "", "currency", "\"%s\" is not one patron takes",
                        currency_code);
        goto fail;
    }
    pt_json_copy(campaign->currency, sizeof(campaign->currency), currency->code);
    status = parse_currencies(root, currency_written, campaign, &refusal);
    if (status)
        goto fail;
    currency = pt_money_currency(campaign->currency);

    campaign->cap_views = 4;
    campaign->cap_days = 30;
    const json_t *cap = json_object_get(root, "frequency_cap");
    if (cap != NULL) {
        static const char *const cap_allowed[] = {"views", "days", "min_days_between", "group",
                                                  NULL};
        const char *cap_where = "campaign.frequency_cap";
        int64_t views = 4, days = 30, spacing = 0;
        const char *group = "";
        status = pt_json_check_object(cap, cap_where, cap_allowed, &refusal.json);
        if (status == PT_OK)
            status = pt_json_read_integer(cap, cap_where, "views", false, 0, 1000, &views,
                                          &refusal.json);
        if (status == PT_OK)
            status =
                pt_json_read_integer(cap, cap_where, "days", false, 1, 365, &days, &refusal.json);
        if (status == PT_OK)
            status = pt_json_read_integer(cap, cap_where, "min_days_between", false, 0, 365,
                                          &spacing, &refusal.json);
        if (status == PT_OK)
            status = pt_json_read_string(cap, cap_where, "group", false, PT_ID_MAX - 1, &group,
                                         &refusal.json);
        if (status) {
            read_refused(&refusal, "frequency_cap", status);
            goto fail;
        }
        if (group[0] != '\0' && !pt_catalog_is_id(group)) {
            status = refuse(&refusal, cap_where, "frequency_cap", "group",
                            "must be 1 to 63 of a-z, 0-9, '-' and '_'");
            goto fail;
        }
        campaign->cap_views = (int)views;
        campaign->cap_days = (int)days;
        campaign->min_days_between = (int)spacing;
        pt_json_copy(campaign->cap_group_name, sizeof(campaign->cap_group_name), group);
    }
    status = parse_targeting(root, campaign, &refusal);
    if (status)
        goto fail;

    static const double default_days[PT_SNOOZE_REASONS] = {3, 14, 365};
    static const char *const reason_keys[PT_SNOOZE_REASONS] = {"later", "close", "supporting"};
    const char *snooze_where = "campaign.snooze_days";
    const json_t *snooze = json_object_get(root, "snooze_days");
    if (snooze != NULL) {
        static const char *const snooze_allowed[] = {"later", "close", "supporting", NULL};
        status = pt_json_check_object(snooze, snooze_where, snooze_allowed, &refusal.json);
        if (status) {
            read_refused(&refusal, "snooze_days", status);
            goto fail;
        }
    }
    for (int r = 0; r < PT_SNOOZE_REASONS; r++) {
        status = read_days(snooze, snooze_where, "snooze_days", reason_keys[r], default_days[r],
                           &campaign->snooze_seconds[r], &refusal);
        if (status)
            goto fail;
    }

    status = parse_goal(root, campaign, &refusal);
    if (status)
        goto fail;

    const json_t *variants = NULL;
    status = pt_json_read_array(root, where, "variants", true, PT_CAMPAIGN_VARIANTS_MAX, &variants,
                                &refusal.json);
    if (status) {
        read_refused(&refusal, "", status);
        goto fail;
    }
    struct variant_input inputs[PT_CAMPAIGN_VARIANTS_MAX];
    json_array_foreach(variants, index, item) {
        struct pt_variant *variant = &campaign->variants[campaign->variant_count];
        error->variant = (int)campaign->variant_count;
        status = parse_variant(item, campaign, variant, &inputs[campaign->variant_count], currency,
                               &refusal);
        if (status)
            goto fail;
        campaign->total_weight += variant->weight;
        campaign->variant_count++;
    }
    error->variant = -1;
    if (campaign->variant_count == 0 || campaign->total_weight == 0) {
        status = refuse(&refusal, where, "", "variants",
                        "needs at least one variant with a weight above 0");
        goto fail;
    }
    if (render) {
        /* The ledger's figure, read now: the snapshot carries it, and the
         * decision never asks the database. */
        if (campaign->goal.kind != PT_GOAL_NONE && settings->goal_counter != NULL)
            campaign->goal.counted =
                settings->goal_counter(settings->goal_context, campaign, &campaign->goal) == PT_OK;
        const json_t *goal_texts = json_object_get(json_object_get(root, "goal"), "text");
        for (size_t v = 0; v < campaign->variant_count; v++)
            render_variant(campaign, &campaign->variants[v], &inputs[v], goal_texts, settings);
        struct pt_buf control;
        pt_buf_init(&control);
        pt_buf_puts(&control, "{\"appeal\":null,\"reason\":\"control\",\"campaign\":");
        pt_buf_json_str(&control, campaign->id);
        pt_buf_puts(&control, "}");
        campaign->control_answer = pt_buf_take(&control, &campaign->control_answer_length);
    }
    json_decref(root);
    return PT_OK;
fail:
    pt_json_copy(error->campaign, sizeof(error->campaign), campaign->id);
    snprintf(error->message, sizeof(error->message), "campaign %s: %s",
             campaign->id[0] ? campaign->id : "(no id)", refusal.text);
    json_decref(root);
    return status ? status : PT_ERR_INVALID;
}

/* -------------------------------------------------------------- snapshot */

static int by_priority(const void *a, const void *b)
{
    const struct pt_campaign *left = a, *right = b;
    if (left->priority != right->priority)
        return left->priority > right->priority ? -1 : 1;
    return strcmp(left->id, right->id);
}

static void catalog_free(struct pt_catalog *catalog)
{
    for (size_t i = 0; i < catalog->campaign_count; i++)
        free_campaign(&catalog->campaigns[i]);
    free(catalog->campaigns);
    free(catalog->slots);
    free(catalog);
}

/* Open addressing over campaign ids, so that the engine maps a reader's view
 * log to campaigns without comparing strings against every campaign. */
static void build_index(struct pt_catalog *catalog)
{
    size_t size = 16;
    while (size < catalog->campaign_count * 2)
        size *= 2;
    catalog->slot_count = size;
    catalog->slots = pt_xmalloc(size * sizeof(*catalog->slots));
    for (size_t i = 0; i < size; i++)
        catalog->slots[i].index = -1;
    for (size_t i = 0; i < catalog->campaign_count; i++) {
        uint64_t hash = pt_catalog_hash(catalog->campaigns[i].id);
        size_t slot = hash & (size - 1);
        while (catalog->slots[slot].index >= 0)
            slot = (slot + 1) & (size - 1);
        catalog->slots[slot].hash = hash;
        catalog->slots[slot].index = (int)i;
    }
}

/* Campaigns naming the same cap group get the same number above 0. */
static void number_cap_groups(struct pt_catalog *catalog)
{
    int groups = 0;
    for (size_t i = 0; i < catalog->campaign_count; i++) {
        struct pt_campaign *campaign = &catalog->campaigns[i];
        if (campaign->cap_group_name[0] == '\0')
            continue;
        campaign->cap_group = 0;
        for (size_t k = 0; k < i && campaign->cap_group == 0; k++) {
            if (strcmp(catalog->campaigns[k].cap_group_name, campaign->cap_group_name) == 0)
                campaign->cap_group = catalog->campaigns[k].cap_group;
        }
        if (campaign->cap_group == 0)
            campaign->cap_group = ++groups;
    }
}

int pt_catalog_index(const struct pt_catalog *catalog, const char *id)
{
    if (catalog->slot_count == 0)
        return -1;
    uint64_t hash = pt_catalog_hash(id);
    size_t slot = hash & (catalog->slot_count - 1);
    for (;;) {
        const struct pt_catalog_slot *entry = &catalog->slots[slot];
        if (entry->index < 0)
            return -1;
        if (entry->hash == hash && strcmp(catalog->campaigns[entry->index].id, id) == 0)
            return entry->index;
        slot = (slot + 1) & (catalog->slot_count - 1);
    }
}

enum pt_status pt_catalog_check_document(const char *document,
                                         const struct pt_catalog_settings *settings,
                                         struct pt_catalog_error *error)
{
    struct pt_campaign campaign;
    return parse_campaign(document, settings, &campaign, false, error);
}

enum pt_status pt_catalog_build(const char *const *documents, size_t count,
                                const struct pt_catalog_settings *settings, int64_t version,
                                struct pt_catalog **out, char *message, size_t message_size)
{
    struct pt_catalog *catalog = pt_xcalloc(1, sizeof(*catalog));
    atomic_init(&catalog->references, 1);
    catalog->version = version;
    catalog->campaigns = pt_xcalloc(count ? count : 1, sizeof(*catalog->campaigns));
    struct pt_catalog_error error;
    enum pt_status status = PT_OK;
    for (size_t i = 0; i < count; i++) {
        status = parse_campaign(documents[i], settings, &catalog->campaigns[i], true, &error);
        if (status)
            goto fail;
        catalog->campaign_count++;
        for (size_t k = 0; k < i; k++) {
            if (strcmp(catalog->campaigns[k].id, catalog->campaigns[i].id) == 0) {
                snprintf(error.message, sizeof(error.message), "two campaigns are called \"%s\"",
                         catalog->campaigns[i].id);
                status = PT_ERR_CONFLICT;
                goto fail;
            }
        }
    }
    qsort(catalog->campaigns, catalog->campaign_count, sizeof(*catalog->campaigns), by_priority);
    build_index(catalog);
    number_cap_groups(catalog);
    *out = catalog;
    return PT_OK;
fail:
    snprintf(message, message_size, "%s", error.message);
    catalog_free(catalog);
    return status;
}

void pt_catalog_retain(struct pt_catalog *catalog)
{
    atomic_fetch_add_explicit(&catalog->references, 1, memory_order_relaxed);
}

void pt_catalog_release(struct pt_catalog *catalog)
{
    if (catalog == NULL)
        return;
    if (atomic_fetch_sub_explicit(&catalog->references, 1, memory_order_acq_rel) == 1)
        catalog_free(catalog);
}

const struct pt_campaign *pt_catalog_find(const struct pt_catalog *catalog, const char *id)
{
    int index = pt_catalog_index(catalog, id);
    return index < 0 ? NULL : &catalog->campaigns[index];
}

const struct pt_variant *pt_campaign_find_variant(const struct pt_campaign *campaign,
                                                  const char *id)
{
    for (size_t i = 0; i < campaign->variant_count; i++) {
        if (strcmp(campaign->variants[i].id, id) == 0)
            return &campaign->variants[i];
    }
    return NULL;
}

const struct pt_variant_text *pt_variant_find_text_in(const struct pt_variant *variant,
                                                      const char *language, const char *currency)
{
    for (size_t i = 0; i < variant->text_count; i++) {
        if (strcasecmp(variant->texts[i].language, language) == 0 &&
            strcmp(variant->texts[i].currency, currency) == 0)
            return &variant->texts[i];
    }
    return NULL;
}

const struct pt_amount_ladder *pt_variant_ladders(const struct pt_campaign *campaign,
                                                  const struct pt_variant *variant,
                                                  const char *currency)
{
    for (size_t c = 0; c < campaign->currency_count; c++) {
        if (strcmp(campaign->currencies[c], currency) == 0)
            return c == 0 ? variant->ladders
                   : variant->other_ladders != NULL ? variant->other_ladders[c - 1]
                                                    : NULL;
    }
    return NULL;
}

/* The first text in the language is in the campaign's own currency. */
const struct pt_variant_text *pt_variant_find_text(const struct pt_variant *variant,
                                                   const char *language)
{
    for (size_t i = 0; i < variant->text_count; i++) {
        if (strcasecmp(variant->texts[i].language, language) == 0)
            return &variant->texts[i];
    }
    return NULL;
}

/* ---------------------------------------------------------------- holder */

void pt_catalog_holder_init(struct pt_catalog_holder *holder, struct pt_catalog *initial)
{
    pthread_mutex_init(&holder->lock, NULL);
    holder->current = initial;
}

void pt_catalog_holder_dispose(struct pt_catalog_holder *holder)
{
    pt_catalog_release(holder->current);
    holder->current = NULL;
    pthread_mutex_destroy(&holder->lock);
}

struct pt_catalog *pt_catalog_holder_acquire(struct pt_catalog_holder *holder)
{
    pthread_mutex_lock(&holder->lock);
    struct pt_catalog *catalog = holder->current;
    pt_catalog_retain(catalog);
    pthread_mutex_unlock(&holder->lock);
    return catalog;
}

void pt_catalog_holder_swap(struct pt_catalog_holder *holder, struct pt_catalog *next)
{
    pthread_mutex_lock(&holder->lock);
    struct pt_catalog *previous = holder->current;
    holder->current = next;
    pthread_mutex_unlock(&holder->lock);
    pt_catalog_release(previous);
}
