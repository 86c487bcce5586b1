#include "patron/editor.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "patron/buf.h"
#include "patron/goal.h"
#include "patron/json.h"
#include "patron/money.h"

/* ------------------------------------------------------------ the tables */

static const struct pt_editor_option status_options[] = {
    {"draft", "Draft: readers do not see it"},
    {"live", "Live: readers see it"},
    {"ended", "Ended: readers no longer see it"},
    {NULL, NULL},
};

static const struct pt_editor_option cohort_options[] = {
    {"non_supporters", "Readers who do not support us"},
    {"supporters", "Supporters"},
    {"former_supporters", "Former supporters"},
    {"everyone", "Everyone"},
    {NULL, NULL},
};

static const struct pt_editor_option device_options[] = {
    {"mobile", "Phones"},
    {"tablet", "Tablets"},
    {"desktop", "Desktops"},
    {NULL, NULL},
};

static const struct pt_editor_option frequency_options[] = {
    {"monthly", "Monthly"},
    {"one_off", "One-off"},
    {"annual", "Annual"},
    {NULL, NULL},
};

static const struct pt_editor_option default_frequency_options[] = {
    {"", "The first one offered"}, {"monthly", "Monthly"}, {"one_off", "One-off"},
    {"annual", "Annual"},          {NULL, NULL},
};

static const struct pt_editor_option goal_kind_options[] = {
    {"", "No ticker"},
    {"supporters", "New supporters"},
    {"amount", "Money raised, in the campaign's currency"},
    {NULL, NULL},
};

static const struct pt_editor_option goal_period_options[] = {
    {"campaign", "Over the campaign's dates"},
    {"month", "Each calendar month (UTC)"},
    {NULL, NULL},
};

const struct pt_editor_spec pt_editor_goal_text_spec = {
    .name = "goal.text",
    .kind = PT_EDITOR_TEXT,
    .label = "Sentence",
    .help = "Around the numbers: {count} is the figure so far, {goal} the goal, such as "
            "\"{count} of {goal} supporters this month\". Empty: patron's own sentence.",
    .max_length = PT_GOAL_TEXT_MAX,
};

/* Ranges and lengths follow src/catalog.c, which stays the judge: the form
 * checks them first only to say so beside the field, in plain words. */
const struct pt_editor_spec pt_editor_campaign_specs[] = {
    {.name = "id",
     .kind = PT_EDITOR_ID,
     .legend = "Campaign",
     .label = "Id",
     .help =
         "Lower-case letters, digits, '-' and '_', such as spring-2027. Reports use it; it cannot "
         "change once the campaign is created.",
     .max_length = PT_ID_MAX - 1,
     .flags = PT_EDITOR_REQUIRED},
    {.name = "name",
     .kind = PT_EDITOR_TEXT,
     .label = "Name",
     .help = "For the newsroom; readers never see it.",
     .max_length = 200},
    {.name = "status",
     .kind = PT_EDITOR_CHOICE,
     .label = "Status",
     .help = "Only live campaigns are shown to readers.",
     .options = status_options},
    {.name = "priority",
     .kind = PT_EDITOR_INTEGER,
     .label = "Priority",
     .help = "When several campaigns fit a page, the highest priority is shown. Empty: 0.",
     .min = -1000000,
     .max = 1000000},
    {.name = "languages",
     .kind = PT_EDITOR_LIST,
     .label = "Languages",
     .help =
         "Language tags separated by commas, such as en, ru. Each variant needs a text in each; "
         "the boxes for a language appear when you add it (without script, after saving).",
     .max_length = PT_CAMPAIGN_LANGUAGES_MAX,
     .flags = PT_EDITOR_REQUIRED | PT_EDITOR_LANGUAGES},
    {.name = "currency",
     .kind = PT_EDITOR_TEXT,
     .label = "Currency",
     .help = "A three-letter code such as USD, EUR or GBP. Empty: the server's default.",
     .max_length = 3,
     .flags = PT_EDITOR_UPPER},
    /* Written as text, read into the document's "currencies" object by
     * read_currencies; the catalogue judges what it says. */
    {.name = "currencies",
     .kind = PT_EDITOR_TEXT,
     .label = "Currency by country",
     .help = "Such as GB=GBP, EU=EUR, US-CA=USD, separated by commas: readers in the country (or "
             "region) see their amounts in that currency; EU is the 27 member states of the "
             "European Union. Readers elsewhere see the currency above. At most 4 currencies "
             "with it. Empty: everyone sees the currency above.",
     .max_length = 400,
     .flags = PT_EDITOR_UPPER},
    {.name = "starts_at",
     .kind = PT_EDITOR_DATETIME,
     .legend = "Schedule",
     .label = "Starts at (UTC)",
     .help = "Empty: from the moment it is live."},
    {.name = "ends_at",
     .kind = PT_EDITOR_DATETIME,
     .label = "Ends at (UTC)",
     .help = "Shown until this minute, inclusive. Empty: until it is ended."},
    {.name = "placement",
     .kind = PT_EDITOR_LIST,
     .legend = "Where it appears",
     .label = "Placement",
     .help = "The data-placement of the slots it runs in, separated by commas: end_of_article, "
             "banner_top (a banner at the top of the page), banner_bottom (a banner over the "
             "bottom of the screen), or your own. A page never shows it twice. Empty: "
             "end_of_article.",
     .max_length = PT_PLACEMENTS_MAX,
     .flags = PT_EDITOR_ONE_AS_TEXT},
    {.name = "sections",
     .kind = PT_EDITOR_LIST,
     .label = "Only in these sections",
     .help = "Separated by commas. Empty: every section.",
     .max_length = PT_FILTER_LIST_MAX},
    {.name = "exclude_sections",
     .kind = PT_EDITOR_LIST,
     .label = "Never in these sections",
     .help = "Separated by commas.",
     .max_length = PT_FILTER_LIST_MAX},
    {.name = "tags",
     .kind = PT_EDITOR_LIST,
     .label = "Only on articles with one of these tags",
     .help = "Separated by commas. Empty: whatever the tags.",
     .max_length = PT_FILTER_LIST_MAX},
    {.name = "exclude_tags",
     .kind = PT_EDITOR_LIST,
     .label = "Never on articles with one of these tags",
     .help = "Separated by commas.",
     .max_length = PT_FILTER_LIST_MAX},
    {.name = "show_on_sensitive",
     .kind = PT_EDITOR_BOOLEAN,
     .label = "Show on pages marked sensitive",
     .help = "Unticked, pages marked sensitive show no appeal."},
    {.name = "countries",
     .kind = PT_EDITOR_LIST,
     .legend = "Who sees it",
     .label = "Only readers in these countries",
     .help =
         "Codes such as US, GB, or regions such as US-CA, separated by commas; US includes US-CA. "
         "Empty: everywhere.",
     .max_length = PT_FILTER_LIST_MAX,
     .flags = PT_EDITOR_UPPER},
    {.name = "exclude_countries",
     .kind = PT_EDITOR_LIST,
     .label = "Never readers in these countries",
     .help = "Separated by commas.",
     .max_length = PT_FILTER_LIST_MAX,
     .flags = PT_EDITOR_UPPER},
    {.name = "devices",
     .kind = PT_EDITOR_CHOICES,
     .label = "Devices",
     .help = "Tick none to show it on every device.",
     .options = device_options},
    {.name = "cohort",
     .kind = PT_EDITOR_CHOICE,
     .label = "Readers",
     .help = "Judged from what the reader's browser knows.",
     .options = cohort_options},
    {.name = "articles_read.weeks",
     .kind = PT_EDITOR_INTEGER,
     .label = "Count articles read over this many weeks",
     .help = "1 to 52, the current week included. Empty: do not count.",
     .min = 1,
     .max = 52},
    {.name = "articles_read.min",
     .kind = PT_EDITOR_INTEGER,
     .label = "At least this many articles read",
     .help = "Empty: no minimum.",
     .max = 100000},
    {.name = "articles_read.max",
     .kind = PT_EDITOR_INTEGER,
     .label = "At most this many articles read",
     .help = "Empty: no maximum.",
     .max = 100000},
    {.name = "frequency_cap.views",
     .kind = PT_EDITOR_INTEGER,
     .legend = "How often",
     .label = "Show it at most this many times",
     .help = "Per reader. Empty: 4; 0: no cap.",
     .max = 1000},
    {.name = "frequency_cap.days",
     .kind = PT_EDITOR_INTEGER,
     .label = "In this many days",
     .help = "Empty: 30.",
     .min = 1,
     .max = 365},
    {.name = "frequency_cap.min_days_between",
     .kind = PT_EDITOR_INTEGER,
     .label = "Days from one view to the next",
     .help = "Empty: 0, no wait.",
     .max = 365},
    {.name = "frequency_cap.group",
     .kind = PT_EDITOR_ID,
     .label = "Shared cap",
     .help = "Campaigns with the same name here share one cap. Empty: a cap of its own.",
     .max_length = PT_ID_MAX - 1},
    {.name = "snooze_days.later",
     .kind = PT_EDITOR_NUMBER,
     .label = "Days hidden after \"Remind me later\"",
     .help = "Empty: 3. Fractions are allowed: 0.25 is six hours.",
     .max = 3650},
    {.name = "snooze_days.close",
     .kind = PT_EDITOR_NUMBER,
     .label = "Days hidden after closing it",
     .help = "Empty: 14.",
     .max = 3650},
    {.name = "snooze_days.supporting",
     .kind = PT_EDITOR_NUMBER,
     .label = "Days hidden after \"I already support\"",
     .help = "Empty: 365.",
     .max = 3650},
    {.name = "test_id",
     .kind = PT_EDITOR_ID,
     .legend = "A/B test",
     .label = "Test id",
     .help =
         "Campaigns with the same test id split readers the same way. Empty: the campaign's id.",
     .max_length = PT_ID_MAX - 1},
    {.name = "control_share",
     .kind = PT_EDITOR_NUMBER,
     .label = "Share of readers held back to compare against",
     .help = "From 0 to 0.9: that share of readers sees nothing from this campaign, to compare "
             "against. "
             "0.1 is one reader in ten. Empty: 0.",
     .max = 0.9},
    {.name = "goal.kind",
     .kind = PT_EDITOR_CHOICE,
     .legend = "Goal ticker",
     .label = "The goal counts",
     .help = "A progress bar with a sentence in the appeal, from the payments made through this "
             "campaign, less refunds. New supporters: pledges whose first payment came in.",
     .options = goal_kind_options},
    {.name = "goal.target",
     .kind = PT_EDITOR_GOAL,
     .label = "Goal",
     .help = "A number of supporters, such as 500, or an amount in the campaign's currency, such "
             "as 5000."},
    {.name = "goal.period",
     .kind = PT_EDITOR_CHOICE,
     .label = "Counted",
     .help = "Each month starts again from 0 on the 1st.",
     .options = goal_period_options},
    {.name = "goal.threshold",
     .kind = PT_EDITOR_GOAL,
     .label = "Show the ticker from",
     .help = "Readers see no ticker until the figure reaches this. Empty: shown at once."},
};
const size_t pt_editor_campaign_spec_count =
    sizeof(pt_editor_campaign_specs) / sizeof(pt_editor_campaign_specs[0]);

const struct pt_editor_spec pt_editor_variant_specs[] = {
    {.name = "id",
     .kind = PT_EDITOR_ID,
     .label = "Variant id",
     .help = "Such as a, or short-headline; reports use it.",
     .max_length = PT_ID_MAX - 1,
     .flags = PT_EDITOR_REQUIRED},
    {.name = "weight",
     .kind = PT_EDITOR_INTEGER,
     .label = "Share of readers",
     .help = "Relative to the other variants. Empty: 1; 0 pauses the variant.",
     .max = 10000},
    {.name = "frequencies",
     .kind = PT_EDITOR_CHOICES,
     .label = "Ways to give",
     .help = "Tick at least one.",
     .options = frequency_options},
    {.name = "default_frequency",
     .kind = PT_EDITOR_CHOICE,
     .label = "Chosen at first",
     .options = default_frequency_options},
    /* One ladder per frequency (docs/API.md, "amounts"). The default
     * frequency's row is written as the variant's presets and
     * default_amount too, which binaries older than "amounts" read. */
    {.name = "amounts.monthly.presets",
     .kind = PT_EDITOR_AMOUNTS,
     .legend = "Amounts",
     .label = "Monthly: suggested amounts",
     .help = "In the campaign's currency, separated by commas, such as 2, 5, 10. Empty: patron's "
             "usual amounts, or for the way to give chosen at first, the reader types one.",
     .max_length = PT_PRESETS_MAX},
    {.name = "amounts.monthly.default",
     .kind = PT_EDITOR_AMOUNT,
     .label = "Monthly: amount chosen at first",
     .help = "One of the suggested amounts. Empty: none is chosen."},
    {.name = "amounts.one_off.presets",
     .kind = PT_EDITOR_AMOUNTS,
     .label = "One-off: suggested amounts",
     .max_length = PT_PRESETS_MAX},
    {.name = "amounts.one_off.default",
     .kind = PT_EDITOR_AMOUNT,
     .label = "One-off: amount chosen at first"},
    {.name = "amounts.annual.presets",
     .kind = PT_EDITOR_AMOUNTS,
     .label = "Annual: suggested amounts",
     .max_length = PT_PRESETS_MAX},
    {.name = "amounts.annual.default",
     .kind = PT_EDITOR_AMOUNT,
     .label = "Annual: amount chosen at first"},
    /* Written as lines, read into the variant's "currency_amounts" by
     * read_currency_amounts. */
    {.name = "currency_amounts",
     .kind = PT_EDITOR_TEXTAREA,
     .label = "Amounts in the other currencies",
     .help = "For the currencies by country: one line per currency and way to give, such as "
             "GBP monthly: 3, 7*, 15 (the amount with * is chosen at first; ways to give are "
             "monthly, one_off and annual). A currency without a line offers patron's usual "
             "amounts in it.",
     .max_length = 1000},
};
const size_t pt_editor_variant_spec_count =
    sizeof(pt_editor_variant_specs) / sizeof(pt_editor_variant_specs[0]);

const struct pt_editor_spec pt_editor_text_specs[] = {
    {.name = "headline",
     .kind = PT_EDITOR_TEXT,
     .label = "Headline",
     .help = "May say {articles} (\"5 articles\", this reader's count) and {weeks} when the "
             "campaign targets articles read, and {min_amount} (\"$2\").",
     .max_length = 200},
    {.name = "body",
     .kind = PT_EDITOR_TEXTAREA,
     .label = "Body",
     .help = "Markdown: **bold**, *italic*, [a link](https://example.org). HTML is removed. "
             "{articles}, {weeks} and {min_amount} as in the headline.",
     .max_length = 4000},
    {.name = "support",
     .kind = PT_EDITOR_TEXT,
     .label = "Support button",
     .help = "Empty: \"Support us\" in this language.",
     .max_length = 60},
    {.name = "later",
     .kind = PT_EDITOR_LABEL,
     .label = "\"Remind me later\" button",
     .help = "Empty: the usual words in this language.",
     .max_length = 60},
    {.name = "supporting",
     .kind = PT_EDITOR_LABEL,
     .label = "\"I already support\" button",
     .help = "Empty: the usual words in this language.",
     .max_length = 60},
};
const size_t pt_editor_text_spec_count =
    sizeof(pt_editor_text_specs) / sizeof(pt_editor_text_specs[0]);

void pt_editor_field_name(char *out, size_t size, size_t variant, const char *language,
                          const char *name)
{
    if (language == NULL)
        snprintf(out, size, "v%zu.%s", variant, name);
    else
        snprintf(out, size, "v%zu.text.%s.%s", variant, language, name);
}

/* ------------------------------------------------------------ the form */

void pt_editor_form_init(struct pt_editor_form *form)
{
    memset(form, 0, sizeof(*form));
    pt_arena_init(&form->arena);
}

void pt_editor_form_dispose(struct pt_editor_form *form)
{
    free(form->fields);
    pt_arena_dispose(&form->arena);
    memset(form, 0, sizeof(*form));
}

void pt_editor_form_add(struct pt_editor_form *form, const char *name, const char *value)
{
    if (form->count == form->capacity) {
        form->capacity = form->capacity ? form->capacity * 2 : 64;
        form->fields = pt_xrealloc(form->fields, form->capacity * sizeof(*form->fields));
    }
    form->fields[form->count].name = pt_arena_strndup(&form->arena, name, strlen(name));
    form->fields[form->count].value = pt_arena_strndup(&form->arena, value, strlen(value));
    form->count++;
}

const char *pt_editor_value(const struct pt_form_field *fields, size_t count, const char *name)
{
    for (size_t i = 0; i < count; i++) {
        if (fields[i].name != NULL && strcmp(fields[i].name, name) == 0)
            return fields[i].value ? fields[i].value : "";
    }
    return NULL;
}

bool pt_editor_checked(const struct pt_form_field *fields, size_t count, const char *name,
                       const char *value)
{
    for (size_t i = 0; i < count; i++) {
        if (fields[i].name != NULL && fields[i].value != NULL &&
            strcmp(fields[i].name, name) == 0 && strcmp(fields[i].value, value) == 0)
            return true;
    }
    return false;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

/* Narrows [*start, *stop) to leave out spaces at both ends. */
static void trim(const char **start, const char **stop)
{
    while (*start < *stop && is_space(**start))
        (*start)++;
    while (*stop > *start && is_space((*stop)[-1]))
        (*stop)--;
}

/* The next comma-separated item of *cursor, trimmed; false at the end. */
static bool next_item(const char **cursor, const char **item, size_t *length)
{
    const char *p = *cursor;
    while (*p != '\0') {
        const char *end = strchr(p, ',');
        if (end == NULL)
            end = p + strlen(p);
        const char *start = p;
        const char *stop = end;
        trim(&start, &stop);
        p = *end == ',' ? end + 1 : end;
        if (stop > start) {
            *cursor = p;
            *item = start;
            *length = (size_t)(stop - start);
            return true;
        }
    }
    *cursor = p;
    return false;
}

size_t pt_editor_languages(const struct pt_form_field *fields, size_t count,
                           char (*languages)[PT_LANGUAGE_MAX], size_t capacity)
{
    const char *cursor = pt_editor_value(fields, count, "languages");
    size_t found = 0;
    const char *item;
    size_t length;
    while (cursor != NULL && found < capacity && next_item(&cursor, &item, &length)) {
        if (length >= PT_LANGUAGE_MAX)
            continue;
        char tag[PT_LANGUAGE_MAX];
        memcpy(tag, item, length);
        tag[length] = '\0';
        bool again = false;
        for (size_t i = 0; i < found && !again; i++)
            again = strcasecmp(languages[i], tag) == 0;
        if (pt_catalog_is_language(tag) && !again)
            memcpy(languages[found++], tag, length + 1);
    }
    return found;
}

/* N of a "vN." name, or -1. */
static long variant_number(const char *name)
{
    if (name == NULL || name[0] != 'v' || !isdigit((unsigned char)name[1]))
        return -1;
    long number = 0;
    const char *p = name + 1;
    for (; isdigit((unsigned char)*p); p++) {
        number = number * 10 + (*p - '0');
        if (number > 1000)
            return -1;
    }
    return *p == '.' ? number : -1;
}

size_t pt_editor_variant_blocks(const struct pt_form_field *fields, size_t count)
{
    size_t blocks = 0;
    for (size_t i = 0; i < count; i++) {
        long number = variant_number(fields[i].name);
        if (number >= 0 && number < PT_CAMPAIGN_VARIANTS_MAX && (size_t)number + 1 > blocks)
            blocks = (size_t)number + 1;
    }
    return blocks;
}

/* ------------------------------------------------------------ errors */

void pt_editor_errors_init(struct pt_editor_errors *errors)
{
    memset(errors, 0, sizeof(*errors));
}

void pt_editor_errors_dispose(struct pt_editor_errors *errors)
{
    free(errors->items);
    memset(errors, 0, sizeof(*errors));
}

void pt_editor_errors_add(struct pt_editor_errors *errors, const char *field, const char *format,
                          ...)
{
    if (errors->count == errors->capacity) {
        errors->capacity = errors->capacity ? errors->capacity * 2 : 8;
        errors->items = pt_xrealloc(errors->items, errors->capacity * sizeof(*errors->items));
    }
    struct pt_editor_error *error = &errors->items[errors->count++];
    snprintf(error->field, sizeof(error->field), "%s", field);
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(error->message, sizeof(error->message), format, arguments);
    va_end(arguments);
}

const char *pt_editor_errors_find(const struct pt_editor_errors *errors, const char *field)
{
    for (size_t i = 0; i < errors->count; i++) {
        if (strcmp(errors->items[i].field, field) == 0)
            return errors->items[i].message;
    }
    return NULL;
}

/* ------------------------------------------------------------ JSON paths */

/* The value at a dotted path such as "frequency_cap.views", or NULL. */
static const json_t *path_get(const json_t *object, const char *path)
{
    char key[PT_EDITOR_FIELD_MAX];
    while (json_is_object(object)) {
        size_t length = strcspn(path, ".");
        if (length >= sizeof(key))
            return NULL;
        memcpy(key, path, length);
        key[length] = '\0';
        object = json_object_get(object, key);
        if (path[length] == '\0')
            return object;
        path += length + 1;
    }
    return NULL;
}

/* Sets value (a reference it takes) at a dotted path, making the objects
 * on the way. */
static void path_set(json_t *object, const char *path, json_t *value)
{
    char key[PT_EDITOR_FIELD_MAX];
    for (;;) {
        size_t length = strcspn(path, ".");
        snprintf(key, sizeof(key), "%.*s", (int)length, path);
        if (path[length] == '\0') {
            json_object_set_new(object, key, value);
            return;
        }
        json_t *inner = json_object_get(object, key);
        if (!json_is_object(inner)) {
            inner = json_object();
            json_object_set_new(object, key, inner);
        }
        object = inner;
        path += length + 1;
    }
}

/* The default frequency as the catalogue works it out: the one chosen, or
 * the first one offered. */
static enum pt_frequency default_frequency(const json_t *variant)
{
    enum pt_frequency frequency = PT_FREQUENCY_MONTHLY;
    const json_t *chosen = json_object_get(variant, "default_frequency");
    if (json_is_string(chosen) && pt_frequency_parse(json_string_value(chosen), &frequency))
        return frequency;
    const json_t *offered = json_array_get(json_object_get(variant, "frequencies"), 0);
    if (json_is_string(offered))
        pt_frequency_parse(json_string_value(offered), &frequency);
    return frequency;
}

/* True when name is a ladder's field, "amounts.FREQUENCY.KEY": frequency
 * and *key (presets or default) say which. */
static bool amount_spec(const char *name, char frequency[16], const char **key)
{
    if (strncmp(name, "amounts.", 8) != 0)
        return false;
    const char *rest = name + 8;
    size_t length = strcspn(rest, ".");
    if (rest[length] != '.' || length >= 16)
        return false;
    memcpy(frequency, rest, length);
    frequency[length] = '\0';
    *key = rest + length + 1;
    return true;
}

/* The JSON a variant's field shows: its path in the variant, except that
 * the default frequency's ladder is the variant's presets and
 * default_amount, which every binary reads. */
static const json_t *variant_value(const json_t *variant, const char *name)
{
    char frequency[16];
    const char *key = NULL;
    if (amount_spec(name, frequency, &key) &&
        strcmp(frequency, pt_frequency_name(default_frequency(variant))) == 0) {
        const json_t *top =
            json_object_get(variant, strcmp(key, "presets") == 0 ? "presets" : "default_amount");
        if (top != NULL)
            return top;
    }
    return path_get(variant, name);
}

/* ------------------------------------------------- document -> form */

/* The shortest text that reads back as the same double. */
static void format_number(char *out, size_t size, double value)
{
    for (int precision = 1; precision <= 17; precision++) {
        snprintf(out, size, "%.*g", precision, value);
        if (strtod(out, NULL) == value)
            return;
    }
}

static void add_number(struct pt_editor_form *form, const char *name, const json_t *value)
{
    char text[64];
    if (json_is_integer(value))
        snprintf(text, sizeof(text), "%lld", (long long)json_integer_value(value));
    else
        format_number(text, sizeof(text), json_real_value(value));
    pt_editor_form_add(form, name, text);
}

/* "2027-03-01T00:00:00Z" as a datetime-local input shows it: seconds only
 * when there are some. Anything else is shown as it is, to be corrected. */
static void add_datetime(struct pt_editor_form *form, const char *name, const char *text)
{
    int year, month, day, hour, minute, second;
    char zone = 0, tail = 0;
    if (strlen(text) == 20 &&
        sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2d%c%c", &year, &month, &day, &hour, &minute, &second,
               &zone, &tail) == 7 &&
        zone == 'Z') {
        char shown[32];
        if (second == 0)
            snprintf(shown, sizeof(shown), "%04d-%02d-%02dT%02d:%02d", year, month, day, hour,
                     minute);
        else
            snprintf(shown, sizeof(shown), "%04d-%02d-%02dT%02d:%02d:%02d", year, month, day, hour,
                     minute, second);
        pt_editor_form_add(form, name, shown);
    } else {
        pt_editor_form_add(form, name, text);
    }
}

static void add_amounts(struct pt_editor_form *form, const char *name, const json_t *value,
                        const struct pt_currency *currency)
{
    struct pt_buf text;
    pt_buf_init(&text);
    size_t index;
    const json_t *item;
    json_t *items = json_is_array(value) ? (json_t *)value : NULL;
    json_array_foreach(items, index, item)
    {
        if (!json_is_integer(item))
            continue;
        if (text.length > 0)
            pt_buf_puts(&text, ", ");
        if (currency != NULL)
            pt_money_format_plain(&text, json_integer_value(item), currency);
        else
            pt_buf_printf(&text, "%lld", (long long)json_integer_value(item));
    }
    if (json_is_integer(value)) {
        if (currency != NULL)
            pt_money_format_plain(&text, json_integer_value(value), currency);
        else
            pt_buf_printf(&text, "%lld", (long long)json_integer_value(value));
    }
    pt_editor_form_add(form, name, text.data ? text.data : "");
    pt_buf_dispose(&text);
}

static void add_list(struct pt_editor_form *form, const char *name, const json_t *value)
{
    struct pt_buf text;
    pt_buf_init(&text);
    size_t index;
    const json_t *item;
    json_array_foreach(value, index, item)
    {
        if (!json_is_string(item))
            continue;
        if (text.length > 0)
            pt_buf_puts(&text, ", ");
        pt_buf_puts(&text, json_string_value(item));
    }
    pt_editor_form_add(form, name, text.data ? text.data : "");
    pt_buf_dispose(&text);
}

/* Adds the fields that show value, the JSON under one spec's key. */
static void add_field(struct pt_editor_form *form, const struct pt_editor_spec *spec,
                      const char *name, const json_t *value, const struct pt_currency *currency)
{
    if (spec->kind == PT_EDITOR_CHOICES && value == NULL && spec->options == frequency_options) {
        /* No frequencies means all of them. */
        for (const struct pt_editor_option *option = spec->options; option->value; option++)
            pt_editor_form_add(form, name, option->value);
        return;
    }
    if (value == NULL)
        return;
    switch (spec->kind) {
    case PT_EDITOR_TEXT:
    case PT_EDITOR_TEXTAREA:
    case PT_EDITOR_ID:
    case PT_EDITOR_CHOICE:
        if (json_is_string(value))
            pt_editor_form_add(form, name, json_string_value(value));
        break;
    case PT_EDITOR_LABEL:
        if (json_is_string(value)) {
            pt_editor_form_add(form, name, json_string_value(value));
            if (json_string_value(value)[0] == '\0') {
                char hidden[PT_EDITOR_FIELD_MAX];
                snprintf(hidden, sizeof(hidden), "%s_hidden", name);
                pt_editor_form_add(form, hidden, "true");
            }
        }
        break;
    case PT_EDITOR_INTEGER:
    case PT_EDITOR_NUMBER:
        if (json_is_number(value))
            add_number(form, name, value);
        break;
    case PT_EDITOR_DATETIME:
        if (json_is_string(value))
            add_datetime(form, name, json_string_value(value));
        break;
    case PT_EDITOR_LIST:
        if (json_is_array(value))
            add_list(form, name, value);
        else if (json_is_string(value) && (spec->flags & PT_EDITOR_ONE_AS_TEXT))
            pt_editor_form_add(form, name, json_string_value(value));
        break;
    case PT_EDITOR_BOOLEAN:
        if (json_is_true(value))
            pt_editor_form_add(form, name, "true");
        break;
    case PT_EDITOR_CHOICES: {
        size_t index;
        const json_t *item;
        json_array_foreach(value, index, item)
        {
            if (json_is_string(item))
                pt_editor_form_add(form, name, json_string_value(item));
        }
        break;
    }
    case PT_EDITOR_AMOUNT:
    case PT_EDITOR_AMOUNTS:
        if (json_is_integer(value) || json_is_array(value))
            add_amounts(form, name, value, currency);
        break;
    case PT_EDITOR_GOAL:
        /* Shown in major units when the goal is money (currency set). */
        if (json_is_integer(value))
            add_amounts(form, name, value, currency);
        break;
    }
}

/* "currencies" as the form writes it: "GB=GBP, EU=EUR"; "*" is left out
 * when it is the campaign's currency, which the form names above. */
static void add_currencies(struct pt_editor_form *form, const json_t *document)
{
    const json_t *currencies = json_object_get(document, "currencies");
    if (!json_is_object(currencies))
        return;
    const json_t *code = json_object_get(document, "currency");
    struct pt_buf text;
    pt_buf_init(&text);
    const char *key;
    const json_t *value;
    json_object_foreach((json_t *)currencies, key, value) {
        if (!json_is_string(value))
            continue;
        if (strcmp(key, "*") == 0 && json_is_string(code) &&
            strcmp(json_string_value(code), json_string_value(value)) == 0)
            continue;
        pt_buf_printf(&text, "%s%s=%s", text.length > 0 ? ", " : "", key,
                      json_string_value(value));
    }
    if (text.length > 0)
        pt_editor_form_add(form, "currencies", text.data);
    pt_buf_dispose(&text);
}

/* One line of "currency_amounts": "GBP monthly: 3, 7*, 15". */
static void add_ladder_line(struct pt_buf *text, const char *code, enum pt_frequency frequency,
                            const json_t *presets, const json_t *chosen)
{
    const struct pt_currency *currency = pt_money_currency(code);
    if (currency == NULL || !json_is_array(presets) || json_array_size(presets) == 0)
        return;
    pt_buf_printf(text, "%s%s %s:", text->length > 0 ? "\n" : "", code,
                  pt_frequency_name(frequency));
    size_t index;
    const json_t *item;
    json_array_foreach(presets, index, item)
    {
        if (!json_is_integer(item))
            continue;
        pt_buf_puts(text, index > 0 ? ", " : " ");
        pt_money_format_plain(text, json_integer_value(item), currency);
        if (json_is_integer(chosen) && json_integer_value(chosen) == json_integer_value(item))
            pt_buf_puts(text, "*");
    }
}

/* A variant's "currency_amounts" as the form writes it, a line per currency
 * and frequency. */
static void add_currency_amounts(struct pt_editor_form *form, const char *name,
                                 const json_t *variant)
{
    const json_t *all = json_object_get(variant, "currency_amounts");
    if (!json_is_object(all))
        return;
    enum pt_frequency first = default_frequency(variant);
    struct pt_buf text;
    pt_buf_init(&text);
    const char *code;
    const json_t *amounts;
    json_object_foreach((json_t *)all, code, amounts)
    {
        const json_t *ladders = json_object_get(amounts, "amounts");
        for (unsigned f = 0; f < PT_FREQUENCIES; f++) {
            const json_t *ladder = json_object_get(ladders, pt_frequency_name(f));
            if (f == first && json_object_get(amounts, "presets") != NULL)
                add_ladder_line(&text, code, f, json_object_get(amounts, "presets"),
                                json_object_get(amounts, "default_amount"));
            else if (ladder != NULL)
                add_ladder_line(&text, code, f, json_object_get(ladder, "presets"),
                                json_object_get(ladder, "default"));
        }
    }
    if (text.length > 0)
        pt_editor_form_add(form, name, text.data);
    pt_buf_dispose(&text);
}

/* The goal's figures, in the unit its kind says, and its sentences. */
static void add_goal(struct pt_editor_form *form, const json_t *document,
                     const struct pt_currency *currency)
{
    const json_t *goal = json_object_get(document, "goal");
    const json_t *kind = json_object_get(goal, "kind");
    bool money = json_is_string(kind) && strcmp(json_string_value(kind), "amount") == 0;
    for (size_t i = 0; i < pt_editor_campaign_spec_count; i++) {
        const struct pt_editor_spec *spec = &pt_editor_campaign_specs[i];
        if (spec->kind == PT_EDITOR_GOAL)
            add_field(form, spec, spec->name, path_get(document, spec->name),
                      money ? currency : NULL);
    }
    const json_t *texts = json_object_get(goal, "text");
    const json_t *languages = json_object_get(document, "languages");
    size_t index;
    const json_t *language;
    json_array_foreach(languages, index, language)
    {
        const json_t *text =
            json_is_string(language) ? pt_catalog_text_for(texts, json_string_value(language))
                                     : NULL;
        if (!json_is_string(text) || !pt_catalog_is_language(json_string_value(language)))
            continue;
        char name[PT_EDITOR_FIELD_MAX];
        snprintf(name, sizeof(name), "goal.text.%s", json_string_value(language));
        pt_editor_form_add(form, name, json_string_value(text));
    }
}

enum pt_status pt_editor_form_from_document(const json_t *document,
                                            const struct pt_catalog_settings *settings,
                                            struct pt_editor_form *form)
{
    if (!json_is_object(document))
        return PT_ERR_INVALID;
    const json_t *code = json_object_get(document, "currency");
    const struct pt_currency *currency = pt_money_currency(
        json_is_string(code) ? json_string_value(code) : settings->default_currency);
    for (size_t i = 0; i < pt_editor_campaign_spec_count; i++) {
        const struct pt_editor_spec *spec = &pt_editor_campaign_specs[i];
        if (spec->kind != PT_EDITOR_GOAL)
            add_field(form, spec, spec->name, path_get(document, spec->name), currency);
    }
    add_goal(form, document, currency);
    add_currencies(form, document);
    const json_t *languages = json_object_get(document, "languages");
    const json_t *variants = json_object_get(document, "variants");
    size_t index;
    const json_t *variant;
    json_array_foreach(variants, index, variant)
    {
        if (index >= PT_CAMPAIGN_VARIANTS_MAX || !json_is_object(variant))
            break;
        char name[PT_EDITOR_FIELD_MAX];
        for (size_t i = 0; i < pt_editor_variant_spec_count; i++) {
            const struct pt_editor_spec *spec = &pt_editor_variant_specs[i];
            pt_editor_field_name(name, sizeof(name), index, NULL, spec->name);
            add_field(form, spec, name, variant_value(variant, spec->name), currency);
        }
        pt_editor_field_name(name, sizeof(name), index, NULL, "currency_amounts");
        add_currency_amounts(form, name, variant);
        const json_t *texts = json_object_get(variant, "text");
        size_t language_index;
        const json_t *language;
        json_array_foreach(languages, language_index, language)
        {
            if (!json_is_string(language) || !pt_catalog_is_language(json_string_value(language)))
                continue;
            const json_t *text = pt_catalog_text_for(texts, json_string_value(language));
            for (size_t i = 0; i < pt_editor_text_spec_count; i++) {
                const struct pt_editor_spec *spec = &pt_editor_text_specs[i];
                pt_editor_field_name(name, sizeof(name), index, json_string_value(language),
                                     spec->name);
                add_field(form, spec, name, json_object_get(text, spec->name), currency);
            }
        }
    }
    return PT_OK;
}

/* ------------------------------------------------- form -> document */

/* What reading one form needs at hand. */
struct reading {
    const struct pt_form_field *fields;
    size_t count;
    const struct pt_currency *currency; /* NULL while the currency is not known */
    struct pt_editor_errors *errors;
    struct pt_arena arena; /* trimmed copies of values */
};

/* The field's value, trimmed unless it is a textarea's, or NULL when it is
 * absent or empty. Text that is not UTF-8 is an error. */
static const char *value_of(struct reading *reading, const char *name, bool keep_spaces)
{
    const char *value = pt_editor_value(reading->fields, reading->count, name);
    if (value == NULL)
        return NULL;
    size_t length = strlen(value);
    if (!pt_utf8_valid(value, length)) {
        pt_editor_errors_add(reading->errors, name,
                             "This text has characters that cannot be read; type it again.");
        return NULL;
    }
    const char *start = value, *stop = value + length;
    trim(&start, &stop);
    if (start == stop)
        return NULL;
    if (!keep_spaces)
        return pt_arena_strndup(&reading->arena, start, (size_t)(stop - start));
    /* Browsers send a textarea's line breaks as CRLF; a lone CR is a line
     * break too, so that reading the text again changes nothing ("\r\r\n"
     * once became "\r\n", then "\n": found by fuzz_editor_form). */
    char *copy = pt_arena_alloc(&reading->arena, length + 1);
    size_t out = 0;
    for (size_t i = 0; i < length; i++) {
        if (value[i] != '\r')
            copy[out++] = value[i];
        else if (value[i + 1] != '\n')
            copy[out++] = '\n';
    }
    copy[out] = '\0';
    return copy;
}

static bool parse_integer(const char *text, long long *out)
{
    const char *p = text;
    bool negative = *p == '-';
    if (*p == '-' || *p == '+')
        p++;
    if (*p == '\0')
        return false;
    long long value = 0;
    for (int digits = 0; *p; p++, digits++) {
        if (!isdigit((unsigned char)*p) || digits >= 15)
            return false;
        value = value * 10 + (*p - '0');
    }
    *out = negative ? -value : value;
    return true;
}

static bool parse_number(const char *text, double *out)
{
    for (const char *p = text; *p; p++) {
        if (!(isdigit((unsigned char)*p) || *p == '.' || *p == '-' || *p == '+' || *p == 'e' ||
              *p == 'E'))
            return false;
    }
    char *end = NULL;
    double value = strtod(text, &end);
    if (end == text || *end != '\0' || !isfinite(value))
        return false;
    *out = value;
    return true;
}

/* A number as JSON: an integer when it is whole, so that 3 stays 3. */
static json_t *number_value(double value)
{
    if (value == floor(value) && fabs(value) < 1e15)
        return json_integer((json_int_t)value);
    return json_real(value);
}

/* "2027-03-01T00:00", with seconds or not, 'T' or a space, a final 'Z' or
 * not, into "2027-03-01T00:00:00Z". */
static bool parse_datetime(const char *text, char out[32])
{
    /* Digits where digits go, so that sscanf's signs and spaces never pass. */
    static const char shape[] = "dddd-dd-dd?dd:dd";
    size_t length = strlen(text);
    bool seconds = length >= 19 && text[16] == ':';
    if (length < 16)
        return false;
    for (size_t i = 0; i < 16 + (seconds ? 3 : 0); i++) {
        char want = i < 16 ? shape[i] : (i == 16 ? ':' : 'd');
        bool ok = want == 'd'   ? isdigit((unsigned char)text[i]) != 0
                  : want == '?' ? text[i] == 'T' || text[i] == ' '
                                : text[i] == want;
        if (!ok)
            return false;
    }
    const char *rest = text + (seconds ? 19 : 16);
    if (rest[0] == 'Z')
        rest++;
    if (rest[0] != '\0')
        return false;
    int year, month, day, hour, minute, second = 0;
    sscanf(text, "%4d-%2d-%2d%*c%2d:%2d", &year, &month, &day, &hour, &minute);
    if (seconds)
        sscanf(text + 17, "%2d", &second);
    /* Room for any int, so the compiler can see nothing is cut. */
    char normal[96];
    snprintf(normal, sizeof(normal), "%04d-%02d-%02dT%02d:%02d:%02dZ", year, month, day, hour,
             minute, second);
    /* The calendar's rules are the catalogue's. */
    int64_t unused;
    if (strlen(normal) >= 32 || !pt_catalog_parse_time(normal, &unused))
        return false;
    memcpy(out, normal, strlen(normal) + 1);
    return true;
}

static bool is_option(const struct pt_editor_option *options, const char *value)
{
    for (const struct pt_editor_option *option = options; option->value; option++) {
        if (strcmp(option->value, value) == 0)
            return true;
    }
    return false;
}

static void upper_case(char *text)
{
    for (char *c = text; *c; c++)
        *c = (char)toupper((unsigned char)*c);
}

static json_t *read_list(struct reading *reading, const struct pt_editor_spec *spec,
                         const char *name, const char *value)
{
    json_t *list = json_array();
    const char *cursor = value, *item;
    size_t length;
    while (next_item(&cursor, &item, &length)) {
        if (json_array_size(list) == spec->max_length) {
            pt_editor_errors_add(reading->errors, name, "List at most %zu.", spec->max_length);
            break;
        }
        char *copy = pt_arena_strndup(&reading->arena, item, length);
        if (spec->flags & PT_EDITOR_UPPER)
            upper_case(copy);
        if (spec->flags & PT_EDITOR_LANGUAGES) {
            if (!pt_catalog_is_language(copy)) {
                pt_editor_errors_add(reading->errors, name,
                                     "\"%.40s\" is not a language tag; use tags such as en, ru "
                                     "or pt-BR.",
                                     copy);
                break;
            }
            size_t index;
            const json_t *before;
            json_array_foreach(list, index, before)
            {
                if (strcasecmp(json_string_value(before), copy) == 0) {
                    pt_editor_errors_add(reading->errors, name, "\"%s\" is listed twice.", copy);
                    break;
                }
            }
        }
        json_array_append_new(list, json_string(copy));
    }
    if (json_array_size(list) == 0) {
        json_decref(list);
        return NULL;
    }
    return list;
}

/* Amounts in major units into minor units of the campaign's currency. */
static json_t *read_amounts(struct reading *reading, const struct pt_editor_spec *spec,
                            const char *name, const char *value)
{
    if (reading->currency == NULL) {
        pt_editor_errors_add(reading->errors, name,
                             "Choose a currency patron takes before typing amounts.");
        return NULL;
    }
    const struct pt_currency *currency = reading->currency;
    json_t *amounts = json_array();
    const char *cursor = value, *item;
    size_t length;
    while (next_item(&cursor, &item, &length)) {
        char *copy = pt_arena_strndup(&reading->arena, item, length);
        int64_t minor = 0;
        char problem[200];
        if (pt_money_parse(copy, currency, "en", &minor, problem, sizeof(problem)) != PT_OK) {
            pt_editor_errors_add(reading->errors, name,
                                 "\"%.40s\" is not an amount in %s: %s Separate amounts with "
                                 "commas, such as 2, 5, 10.",
                                 copy, currency->code, problem);
            json_decref(amounts);
            return NULL;
        }
        if (minor > 100000000) {
            pt_editor_errors_add(reading->errors, name, "%.40s %s is more than patron takes.", copy,
                                 currency->code);
            json_decref(amounts);
            return NULL;
        }
        json_array_append_new(amounts, json_integer(minor));
    }
    if (spec->kind == PT_EDITOR_AMOUNT) {
        json_t *single = NULL;
        if (json_array_size(amounts) == 1)
            single = json_incref(json_array_get(amounts, 0));
        else if (json_array_size(amounts) > 1)
            pt_editor_errors_add(reading->errors, name, "Type one amount only.");
        json_decref(amounts);
        return single;
    }
    if (json_array_size(amounts) > spec->max_length) {
        pt_editor_errors_add(reading->errors, name, "Suggest at most %zu amounts.",
                             spec->max_length);
        json_decref(amounts);
        return NULL;
    }
    return amounts;
}

/* A goal's figure: an amount in major units of the campaign's currency
 * when the form's goal counts money, else a number of supporters. */
static json_t *read_goal_figure(struct reading *reading, const char *name, const char *value)
{
    const char *kind = pt_editor_value(reading->fields, reading->count, "goal.kind");
    if (kind != NULL && strcmp(kind, "amount") == 0) {
        if (reading->currency == NULL) {
            pt_editor_errors_add(reading->errors, name,
                                 "Choose a currency patron takes before typing amounts.");
            return NULL;
        }
        int64_t minor = 0;
        char problem[200];
        if (pt_money_parse(value, reading->currency, "en", &minor, problem, sizeof(problem)) !=
            PT_OK) {
            pt_editor_errors_add(reading->errors, name, "\"%.40s\" is not an amount in %s: %s",
                                 value, reading->currency->code, problem);
            return NULL;
        }
        return json_integer(minor);
    }
    long long number;
    if (!parse_integer(value, &number) || number < 0 || number > PT_GOAL_TARGET_MAX) {
        pt_editor_errors_add(reading->errors, name,
                             "Enter a whole number of supporters, such as 500.");
        return NULL;
    }
    return json_integer(number);
}

/* The JSON for one field, or NULL to leave its key out (then the field was
 * empty, or an error was recorded). */
static json_t *read_field(struct reading *reading, const struct pt_editor_spec *spec,
                          const char *name)
{
    if (spec->kind == PT_EDITOR_CHOICES) {
        json_t *chosen = json_array();
        for (const struct pt_editor_option *option = spec->options; option->value; option++) {
            if (pt_editor_checked(reading->fields, reading->count, name, option->value))
                json_array_append_new(chosen, json_string(option->value));
        }
        for (size_t i = 0; i < reading->count; i++) {
            const struct pt_form_field *field = &reading->fields[i];
            if (field->name != NULL && field->value != NULL && strcmp(field->name, name) == 0 &&
                field->value[0] != '\0' && !is_option(spec->options, field->value)) {
                pt_editor_errors_add(reading->errors, name, "Tick only the boxes shown.");
                break;
            }
        }
        if (json_array_size(chosen) == 0) {
            json_decref(chosen);
            return NULL;
        }
        return chosen;
    }
    if (spec->kind == PT_EDITOR_LABEL) {
        char hidden[PT_EDITOR_FIELD_MAX];
        snprintf(hidden, sizeof(hidden), "%s_hidden", name);
        const char *flag = pt_editor_value(reading->fields, reading->count, hidden);
        if (flag != NULL && flag[0] != '\0')
            return json_string("");
    }
    const char *value = value_of(reading, name, spec->kind == PT_EDITOR_TEXTAREA);
    if (value == NULL) {
        if (spec->flags & PT_EDITOR_REQUIRED)
            pt_editor_errors_add(reading->errors, name, "Fill this in.");
        return NULL;
    }
    switch (spec->kind) {
    case PT_EDITOR_TEXT:
    case PT_EDITOR_TEXTAREA:
    case PT_EDITOR_LABEL: {
        if (strlen(value) > spec->max_length) {
            pt_editor_errors_add(reading->errors, name,
                                 "Shorten this: it takes %zu bytes of the %zu allowed "
                                 "(letters beyond English take two or more).",
                                 strlen(value), spec->max_length);
            return NULL;
        }
        char *copy = pt_arena_strndup(&reading->arena, value, strlen(value));
        if (spec->flags & PT_EDITOR_UPPER)
            upper_case(copy);
        return json_string(copy);
    }
    case PT_EDITOR_ID:
        if (!pt_catalog_is_id(value)) {
            pt_editor_errors_add(reading->errors, name,
                                 "Use 1 to 63 lower-case letters, digits, '-' or '_', such as "
                                 "spring-2027.");
            return NULL;
        }
        return json_string(value);
    case PT_EDITOR_INTEGER: {
        long long number;
        if (!parse_integer(value, &number) || number < spec->min || number > spec->max) {
            pt_editor_errors_add(reading->errors, name, "Enter a whole number from %.0f to %.0f.",
                                 spec->min, spec->max);
            return NULL;
        }
        return json_integer(number);
    }
    case PT_EDITOR_NUMBER: {
        double number;
        if (!parse_number(value, &number) || number < spec->min || number > spec->max) {
            pt_editor_errors_add(reading->errors, name,
                                 "Enter a number from %g to %g, such as %g; use a point for "
                                 "fractions.",
                                 spec->min, spec->max, spec->max < 1 ? 0.1 : 0.25);
            return NULL;
        }
        return number_value(number);
    }
    case PT_EDITOR_DATETIME: {
        char iso[32];
        if (!parse_datetime(value, iso)) {
            pt_editor_errors_add(reading->errors, name,
                                 "Enter a date and time in UTC, such as 2027-03-01 09:30.");
            return NULL;
        }
        return json_string(iso);
    }
    case PT_EDITOR_LIST: {
        json_t *list = read_list(reading, spec, name, value);
        if (list == NULL && (spec->flags & PT_EDITOR_REQUIRED))
            pt_editor_errors_add(reading->errors, name, "Fill this in.");
        /* "placement": "end_of_article", as campaigns have always said it. */
        if (list != NULL && json_array_size(list) == 1 && (spec->flags & PT_EDITOR_ONE_AS_TEXT)) {
            json_t *one = json_incref(json_array_get(list, 0));
            json_decref(list);
            return one;
        }
        return list;
    }
    case PT_EDITOR_BOOLEAN: return json_true();
    case PT_EDITOR_CHOICE:
        if (!is_option(spec->options, value)) {
            pt_editor_errors_add(reading->errors, name, "Choose one of the options.");
            return NULL;
        }
        return json_string(value);
    case PT_EDITOR_AMOUNT:
    case PT_EDITOR_AMOUNTS: return read_amounts(reading, spec, name, value);
    case PT_EDITOR_GOAL: return read_goal_figure(reading, name, value);
    case PT_EDITOR_CHOICES: break;
    }
    return NULL;
}

/* The goal's figures (in the currency read already) and sentences, one per
 * language of the form; and no goal at all when the form chose none (its
 * period select always sends a value). */
static void read_goal(struct reading *reading, json_t *document)
{
    for (size_t i = 0; i < pt_editor_campaign_spec_count; i++) {
        const struct pt_editor_spec *spec = &pt_editor_campaign_specs[i];
        json_t *value = spec->kind == PT_EDITOR_GOAL ? read_field(reading, spec, spec->name) : NULL;
        if (value != NULL)
            path_set(document, spec->name, value);
    }
    char languages[PT_CAMPAIGN_LANGUAGES_MAX][PT_LANGUAGE_MAX];
    size_t count = pt_editor_languages(reading->fields, reading->count, languages,
                                       PT_CAMPAIGN_LANGUAGES_MAX);
    bool typed = false;
    for (size_t i = 0; i < count; i++) {
        char name[PT_EDITOR_FIELD_MAX];
        snprintf(name, sizeof(name), "goal.text.%s", languages[i]);
        json_t *value = read_field(reading, &pt_editor_goal_text_spec, name);
        if (value == NULL)
            continue;
        const char *problem = pt_goal_text_problem(json_string_value(value));
        if (problem != NULL) {
            pt_editor_errors_add(reading->errors, name, "The sentence %s.", problem);
            json_decref(value);
            continue;
        }
        path_set(document, name, value);
        typed = true;
    }
    json_t *goal = json_object_get(document, "goal");
    if (goal == NULL || json_object_get(goal, "kind") != NULL)
        return;
    typed = typed || json_object_get(goal, "target") != NULL ||
            json_object_get(goal, "threshold") != NULL;
    if (typed && pt_editor_errors_find(reading->errors, "goal.kind") == NULL)
        pt_editor_errors_add(reading->errors, "goal.kind",
                             "Choose what the goal counts, or empty the goal's fields.");
    json_object_del(document, "goal");
}

static void read_campaign_fields(struct reading *reading, json_t *document)
{
    for (size_t i = 0; i < pt_editor_campaign_spec_count; i++) {
        const struct pt_editor_spec *spec = &pt_editor_campaign_specs[i];
        if (spec->kind == PT_EDITOR_GOAL)
            continue; /* read_goal's, once the currency is known */
        json_t *value = read_field(reading, spec, spec->name);
        if (value != NULL)
            path_set(document, spec->name, value);
    }
    const json_t *starts = json_object_get(document, "starts_at");
    const json_t *ends = json_object_get(document, "ends_at");
    if (starts != NULL && ends != NULL &&
        strcmp(json_string_value(ends), json_string_value(starts)) < 0)
        pt_editor_errors_add(reading->errors, "ends_at", "The end is before the start.");
    const json_t *articles = json_object_get(document, "articles_read");
    if (articles != NULL && json_object_get(articles, "weeks") == NULL &&
        pt_editor_errors_find(reading->errors, "articles_read.weeks") == NULL)
        pt_editor_errors_add(reading->errors, "articles_read.weeks",
                             "Say over how many weeks to count the articles read (1 to 52).");
    const json_t *minimum = json_object_get(articles, "min");
    const json_t *maximum = json_object_get(articles, "max");
    if (minimum != NULL && maximum != NULL &&
        json_integer_value(maximum) < json_integer_value(minimum))
        pt_editor_errors_add(reading->errors, "articles_read.max", "The most is below the least.");
}

/* The "currencies" text ("GB=GBP, EU=EUR") read into its object; the
 * catalogue then says which keys and codes it takes. */
static void read_currencies(struct reading *reading, json_t *document)
{
    const json_t *text = json_object_get(document, "currencies");
    if (!json_is_string(text))
        return;
    json_t *currencies = json_object();
    const char *cursor = json_string_value(text);
    const char *item;
    size_t length;
    while (next_item(&cursor, &item, &length)) {
        const char *equals = memchr(item, '=', length);
        /* No '=': not a pair (and no pointer past a NULL to make). */
        const char *key = item, *key_end = equals, *code = NULL, *code_end = NULL;
        if (equals != NULL) {
            code = equals + 1;
            code_end = item + length;
            trim(&key, &key_end);
            trim(&code, &code_end);
        }
        if (equals == NULL || key == key_end || code == code_end ||
            (size_t)(key_end - key) >= PT_COUNTRY_MAX || code_end - code != 3) {
            pt_editor_errors_add(reading->errors, "currencies",
                                 "Write each as a country and a currency, such as GB=GBP, "
                                 "separated by commas.");
            json_decref(currencies);
            json_object_del(document, "currencies");
            return;
        }
        char name[PT_COUNTRY_MAX], currency[4];
        snprintf(name, sizeof(name), "%.*s", (int)(key_end - key), key);
        snprintf(currency, sizeof(currency), "%.3s", code);
        if (json_object_get(currencies, name) != NULL) {
            pt_editor_errors_add(reading->errors, "currencies", "%s is named twice.", name);
            json_decref(currencies);
            json_object_del(document, "currencies");
            return;
        }
        json_object_set_new(currencies, name, json_string(currency));
    }
    if (json_object_size(currencies) == 0) {
        json_decref(currencies);
        json_object_del(document, "currencies");
        return;
    }
    json_object_set_new(document, "currencies", currencies);
}

/* One line of the "currency_amounts" box into out: {"GBP", monthly,
 * [300, 700, 1500], default 700}. False, with an error on name, when it
 * cannot be read. */
static bool read_ladder_line(struct reading *reading, const char *name, const char *line,
                             size_t length, char code[4], enum pt_frequency *frequency,
                             json_t **presets, json_t **chosen)
{
    const char *colon = memchr(line, ':', length);
    char head[32];
    char word[16];
    char currency_code[8];
    if (colon == NULL || (size_t)(colon - line) >= sizeof(head))
        goto unreadable;
    snprintf(head, sizeof(head), "%.*s", (int)(colon - line), line);
    if (sscanf(head, " %7s %15s", currency_code, word) != 2 ||
        !pt_frequency_parse(word, frequency))
        goto unreadable;
    upper_case(currency_code);
    const struct pt_currency *currency = pt_money_currency(currency_code);
    if (currency == NULL) {
        pt_editor_errors_add(reading->errors, name,
                             "patron does not take %s; use a code such as GBP or EUR.",
                             currency_code);
        return false;
    }
    snprintf(code, 4, "%s", currency->code);
    *presets = json_array();
    *chosen = NULL;
    char *rest = pt_arena_strndup(&reading->arena, colon + 1, length - (size_t)(colon + 1 - line));
    const char *cursor = rest, *item;
    size_t item_length;
    while (next_item(&cursor, &item, &item_length)) {
        bool star = item[item_length - 1] == '*';
        char *copy = pt_arena_strndup(&reading->arena, item, item_length - (star ? 1 : 0));
        int64_t minor = 0;
        char problem[200];
        if (pt_money_parse(copy, currency, "en", &minor, problem, sizeof(problem)) != PT_OK ||
            minor > 100000000) {
            pt_editor_errors_add(reading->errors, name, "\"%.40s\" is not an amount in %s.",
                                 copy, currency->code);
            json_decref(*presets);
            json_decref(*chosen);
            return false;
        }
        json_array_append_new(*presets, json_integer(minor));
        if (star) {
            json_decref(*chosen);
            *chosen = json_integer(minor);
        }
    }
    if (json_array_size(*presets) == 0) {
        json_decref(*presets);
        json_decref(*chosen);
        goto unreadable;
    }
    return true;
unreadable:
    pt_editor_errors_add(reading->errors, name,
                         "Write each line as a currency, a way to give and amounts, such as GBP "
                         "monthly: 3, 7*, 15.");
    return false;
}

/* The "currency_amounts" box into the variant's object: the default
 * frequency's line as "presets" and "default_amount", the others under
 * "amounts", as the variant's own rows are written. */
static void read_currency_amounts(struct reading *reading, size_t block, json_t *variant)
{
    const json_t *text = json_object_get(variant, "currency_amounts");
    if (!json_is_string(text))
        return;
    char name[PT_EDITOR_FIELD_MAX];
    pt_editor_field_name(name, sizeof(name), block, NULL, "currency_amounts");
    enum pt_frequency first = default_frequency(variant);
    json_t *all = json_object();
    const char *p = json_string_value(text);
    for (size_t lines = 0; *p != '\0' && lines < 64; lines++) {
        const char *end = strchr(p, '\n');
        if (end == NULL)
            end = p + strlen(p);
        const char *start = p, *stop = end;
        p = *end == '\n' ? end + 1 : end;
        trim(&start, &stop);
        if (start == stop)
            continue;
        char code[4];
        enum pt_frequency frequency;
        json_t *presets = NULL, *chosen = NULL;
        if (!read_ladder_line(reading, name, start, (size_t)(stop - start), code, &frequency,
                              &presets, &chosen))
            break;
        json_t *amounts = json_object_get(all, code);
        if (amounts == NULL) {
            amounts = json_object();
            json_object_set_new(all, code, amounts);
        }
        const char *presets_path = frequency == first ? "presets" : NULL;
        char path[64];
        if (presets_path == NULL) {
            snprintf(path, sizeof(path), "amounts.%s.presets", pt_frequency_name(frequency));
            presets_path = path;
        }
        if (path_get(amounts, presets_path) != NULL) {
            pt_editor_errors_add(reading->errors, name, "%s %s has two lines.", code,
                                 pt_frequency_name(frequency));
            json_decref(presets);
            json_decref(chosen);
            break;
        }
        path_set(amounts, presets_path, presets);
        if (chosen != NULL && frequency == first) {
            json_object_set_new(amounts, "default_amount", chosen);
        } else if (chosen != NULL) {
            snprintf(path, sizeof(path), "amounts.%s.default", pt_frequency_name(frequency));
            path_set(amounts, path, chosen);
        }
    }
    if (json_object_size(all) == 0 || pt_editor_errors_find(reading->errors, name) != NULL)
        json_object_del(variant, "currency_amounts");
    else
        json_object_set(variant, "currency_amounts", all);
    json_decref(all);
}

/* True when the editor typed anything into block N that makes it a
 * variant: the ticks and choices of an empty block do not. */
static bool block_used(const struct reading *reading, size_t block)
{
    char prefix[16];
    int prefix_length = snprintf(prefix, sizeof(prefix), "v%zu.", block);
    for (size_t i = 0; i < reading->count; i++) {
        const struct pt_form_field *field = &reading->fields[i];
        if (field->name == NULL || field->value == NULL ||
            strncmp(field->name, prefix, (size_t)prefix_length) != 0)
            continue;
        const char *rest = field->name + prefix_length;
        size_t rest_length = strlen(rest);
        bool typed = strcmp(rest, "id") == 0 || strcmp(rest, "weight") == 0 ||
                     strcmp(rest, "presets") == 0 || strcmp(rest, "default_amount") == 0 ||
                     strncmp(rest, "amounts.", 8) == 0 ||
                     (strncmp(rest, "text.", 5) == 0 &&
                      !(rest_length > 7 && strcmp(rest + rest_length - 7, "_hidden") == 0));
        if (!typed)
            continue;
        for (const char *c = field->value; *c; c++) {
            if (!is_space(*c))
                return true;
        }
    }
    return false;
}

/* The default ladder under the names forms had before "amounts", which
 * scripts may still post. */
static const struct pt_editor_spec legacy_amount_specs[] = {
    {.name = "presets",
     .kind = PT_EDITOR_AMOUNTS,
     .label = "Suggested amounts",
     .max_length = PT_PRESETS_MAX},
    {.name = "default_amount", .kind = PT_EDITOR_AMOUNT, .label = "Amount chosen at first"},
};

/* Moves the default frequency's ladder to the variant's presets and
 * default_amount (what older binaries read; a ladder is not written twice)
 * and drops the ladders of frequencies not offered, whose rows the form
 * still carries. fields gets the names the default ladder was typed under
 * (presets, then default), for the errors about it. */
static void settle_amounts(struct reading *reading, size_t block, json_t *variant,
                           char fields[2][PT_EDITOR_FIELD_MAX])
{
    const char *chosen = pt_frequency_name(default_frequency(variant));
    json_t *amounts = json_object_get(variant, "amounts");
    const json_t *ladder = json_object_get(amounts, chosen);
    static const char *const keys[2][2] = {{"presets", "presets"}, {"default", "default_amount"}};
    for (size_t k = 0; k < 2; k++) {
        char typed[PT_EDITOR_FIELD_MAX];
        snprintf(typed, sizeof(typed), "amounts.%s.%s", chosen, keys[k][0]);
        pt_editor_field_name(fields[k], PT_EDITOR_FIELD_MAX, block, NULL, typed);
        json_t *value = json_incref(json_object_get(ladder, keys[k][0]));
        if (value == NULL) {
            char legacy[PT_EDITOR_FIELD_MAX];
            pt_editor_field_name(legacy, sizeof(legacy), block, NULL, keys[k][1]);
            value = read_field(reading, &legacy_amount_specs[k], legacy);
            if (value != NULL || pt_editor_errors_find(reading->errors, legacy) != NULL)
                snprintf(fields[k], PT_EDITOR_FIELD_MAX, "%s", legacy);
        }
        if (value != NULL)
            json_object_set_new(variant, keys[k][1], value);
    }
    if (amounts == NULL)
        return;
    json_object_del(amounts, chosen);
    const json_t *offered = json_object_get(variant, "frequencies");
    const char *key;
    json_t *item;
    void *spare;
    json_object_foreach_safe(amounts, spare, key, item)
    {
        bool is_offered = false;
        size_t index;
        const json_t *frequency;
        json_array_foreach(offered, index, frequency) is_offered =
            is_offered || strcmp(json_string_value(frequency), key) == 0;
        if (!is_offered)
            json_object_del(amounts, key);
    }
    if (json_object_size(amounts) == 0)
        json_object_del(variant, "amounts");
}

/* The checks that involve several fields of one variant. fields names the
 * default ladder's presets and default, as settle_amounts found them. */
static void check_variant(struct reading *reading, size_t block, const json_t *variant,
                          char fields[2][PT_EDITOR_FIELD_MAX])
{
    char name[PT_EDITOR_FIELD_MAX];
    const json_t *frequencies = json_object_get(variant, "frequencies");
    const json_t *chosen = json_object_get(variant, "default_frequency");
    pt_editor_field_name(name, sizeof(name), block, NULL, "frequencies");
    if (frequencies == NULL && pt_editor_errors_find(reading->errors, name) == NULL)
        pt_editor_errors_add(reading->errors, name, "Tick at least one way to give.");
    if (frequencies != NULL && chosen != NULL) {
        bool offered = false;
        size_t index;
        const json_t *item;
        json_array_foreach(frequencies, index, item) offered = offered || json_equal(item, chosen);
        pt_editor_field_name(name, sizeof(name), block, NULL, "default_frequency");
        if (!offered)
            pt_editor_errors_add(reading->errors, name,
                                 "Tick this way to give too, or choose another.");
    }
    const json_t *presets = json_object_get(variant, "presets");
    if (presets != NULL && reading->currency != NULL) {
        enum pt_frequency frequency = default_frequency(variant);
        int64_t minimum = pt_money_minimum(frequency, reading->currency);
        size_t index;
        const json_t *item;
        json_array_foreach(presets, index, item)
        {
            if (json_integer_value(item) >= minimum)
                continue;
            struct pt_buf shown;
            pt_buf_init(&shown);
            pt_money_format(&shown, minimum, reading->currency);
            pt_editor_errors_add(reading->errors, fields[0],
                                 "Each amount must be at least %s, the smallest %s gift.",
                                 shown.data,
                                 frequency == PT_FREQUENCY_ONE_OFF  ? "one-off"
                                 : frequency == PT_FREQUENCY_ANNUAL ? "annual"
                                                                    : "monthly");
            pt_buf_dispose(&shown);
            break;
        }
    }
    const json_t *amount = json_object_get(variant, "default_amount");
    if (amount != NULL) {
        bool found = false;
        size_t index;
        const json_t *item;
        json_array_foreach(presets, index, item) found = found || json_equal(item, amount);
        if (!found)
            pt_editor_errors_add(reading->errors, fields[1],
                                 "Make it one of the suggested amounts, or leave it empty.");
    }
}

/* One variant block into a variant object; NULL when it is not one. */
static json_t *read_variant(struct reading *reading, size_t block,
                            char (*languages)[PT_LANGUAGE_MAX], size_t language_count)
{
    char name[PT_EDITOR_FIELD_MAX];
    pt_editor_field_name(name, sizeof(name), block, NULL, "remove");
    const char *remove = pt_editor_value(reading->fields, reading->count, name);
    if ((remove != NULL && remove[0] != '\0') || !block_used(reading, block))
        return NULL;
    json_t *variant = json_object();
    for (size_t i = 0; i < pt_editor_variant_spec_count; i++) {
        const struct pt_editor_spec *spec = &pt_editor_variant_specs[i];
        pt_editor_field_name(name, sizeof(name), block, NULL, spec->name);
        json_t *value = read_field(reading, spec, name);
        if (value != NULL)
            path_set(variant, spec->name, value);
    }
    char ladder_fields[2][PT_EDITOR_FIELD_MAX];
    settle_amounts(reading, block, variant, ladder_fields);
    check_variant(reading, block, variant, ladder_fields);
    read_currency_amounts(reading, block, variant);
    json_t *texts = json_object();
    for (size_t l = 0; l < language_count; l++) {
        json_t *text = json_object();
        for (size_t i = 0; i < pt_editor_text_spec_count; i++) {
            const struct pt_editor_spec *spec = &pt_editor_text_specs[i];
            pt_editor_field_name(name, sizeof(name), block, languages[l], spec->name);
            json_t *value = read_field(reading, spec, name);
            if (value != NULL)
                json_object_set_new(text, spec->name, value);
        }
        if (json_object_get(text, "headline") == NULL && json_object_get(text, "body") == NULL) {
            pt_editor_field_name(name, sizeof(name), block, languages[l], "headline");
            if (pt_editor_errors_find(reading->errors, name) == NULL)
                pt_editor_errors_add(reading->errors, name,
                                     "Write a headline or a body in %s; readers would see "
                                     "only the buttons.",
                                     languages[l]);
        }
        json_object_set_new(texts, languages[l], text);
    }
    json_object_set_new(variant, "text", texts);
    return variant;
}

/* ------------------------------------------ the catalogue's word, mapped */

static bool spec_named(const struct pt_editor_spec *specs, size_t count, const char *name)
{
    for (size_t i = 0; i < count; i++) {
        if (strcmp(specs[i].name, name) == 0)
            return true;
    }
    return false;
}

/* "must be ..." becomes "Must be ...", ended with a full stop. */
static void add_sentence(struct pt_editor_errors *errors, const char *field, const char *text)
{
    while (*text == ' ' || *text == ':' || *text == ',')
        text++;
    size_t length = strlen(text);
    bool stop = length > 0 && (text[length - 1] == '.' || text[length - 1] == '!');
    pt_editor_errors_add(errors, field, "%c%s%s", toupper((unsigned char)text[0]),
                         length > 0 ? text + 1 : "", stop ? "" : ".");
}

void pt_editor_place_catalog_error(const struct pt_catalog_error *error, const json_t *document,
                                   const size_t *blocks, struct pt_editor_errors *errors)
{
    char field[PT_EDITOR_FIELD_MAX] = "";
    const json_t *variants = json_object_get(document, "variants");
    if (error->variant < 0) {
        if (spec_named(pt_editor_campaign_specs, pt_editor_campaign_spec_count, error->field) ||
            strncmp(error->field, "goal.text.", 10) == 0)
            pt_json_copy(field, sizeof(field), error->field);
        else if (strncmp(error->field, "currencies.", 11) == 0) {
            /* One box for every key: the sentence names the key. */
            char sentence[sizeof(error->field) + sizeof(error->problem) + 2];
            snprintf(sentence, sizeof(sentence), "%s %s", error->field + 11, error->problem);
            add_sentence(errors, "currencies", sentence);
            return;
        }
    } else if ((size_t)error->variant < json_array_size(variants) && error->field[0] != '\0') {
        size_t index = (size_t)error->variant;
        char inner[64];
        /* The default ladder is typed in its frequency's row. */
        if (strcmp(error->field, "presets") == 0 || strcmp(error->field, "default_amount") == 0)
            snprintf(inner, sizeof(inner), "amounts.%s.%s",
                     pt_frequency_name(default_frequency(json_array_get(variants, index))),
                     error->field[0] == 'p' ? "presets" : "default");
        else
            pt_json_copy(inner, sizeof(inner), error->field);
        if (strncmp(inner, "currency_amounts", 16) == 0) {
            /* One box for every currency: the sentence names the path. */
            char sentence[sizeof(error->field) + sizeof(error->problem) + 2];
            snprintf(sentence, sizeof(sentence), "%s %s",
                     inner[16] == '.' ? inner + 17 : inner, error->problem);
            snprintf(field, sizeof(field), "v%u.currency_amounts", (unsigned)blocks[index]);
            add_sentence(errors, field, sentence);
            return;
        }
        /* A text field's path is "text.LANG.KEY". */
        const char *key = strrchr(inner, '.');
        bool text = strncmp(inner, "text.", 5) == 0 && key != NULL && key > inner + 4;
        bool known = spec_named(pt_editor_variant_specs, pt_editor_variant_spec_count, inner) ||
                     (text && spec_named(pt_editor_text_specs, pt_editor_text_spec_count, key + 1));
        if (known)
            snprintf(field, sizeof(field), "v%u.%s", (unsigned)blocks[index], inner);
    }
    if (field[0] != '\0')
        add_sentence(errors, field, error->problem);
    else
        add_sentence(errors, "", error->message);
}

/* ------------------------------------------------------------ warnings */

/* Money as copy writes it: a symbol or code, and the currency it means.
 * "$" is read as US dollars, the only dollar patron takes. */
static const struct {
    const char *sign, *code;
} money_signs[] = {
    {"US$", "USD"}, {"$", "USD"},   {"€", "EUR"},   {"£", "GBP"},   {"¥", "JPY"},
    {"₽", "RUB"}, {"CHF", "CHF"}, {"USD", "USD"}, {"EUR", "EUR"}, {"GBP", "GBP"},
    {"JPY", "JPY"}, {"RUB", "RUB"}, {"руб", "RUB"}, {"eur", "EUR"},
};

/* The money sign at p, with its length; NULL when there is none. A sign
 * made of letters must not be part of a longer word before it. */
static const char *sign_at(const char *text, const char *p, size_t *length)
{
    for (size_t i = 0; i < sizeof(money_signs) / sizeof(money_signs[0]); i++) {
        size_t n = strlen(money_signs[i].sign);
        if (strncmp(p, money_signs[i].sign, n) != 0)
            continue;
        bool letters = isalpha((unsigned char)money_signs[i].sign[0]) ||
                       (unsigned char)money_signs[i].sign[0] == 0xd1;
        if (letters && p > text && isalpha((unsigned char)p[-1]))
            continue;
        *length = n;
        return money_signs[i].code;
    }
    return NULL;
}

/* Skips spaces, including the no-break space copy puts between a number
 * and its sign. */
static const char *skip_spaces(const char *p)
{
    for (;;) {
        if (*p == ' ')
            p++;
        else if ((unsigned char)p[0] == 0xc2 && (unsigned char)p[1] == 0xa0)
            p += 2;
        else
            return p;
    }
}

/* The digits at p, counted up to the first non-digit (the NUL at the
 * latest), so that looking ahead never reads past the text. */
static size_t digits_at(const char *p)
{
    size_t count = 0;
    while (isdigit((unsigned char)p[count]))
        count++;
    return count;
}

/* A number at p such as 2, 2.50, 2,50 or 1,000; its end, or NULL. */
static const char *number_at(const char *p, double *value)
{
    if (!isdigit((unsigned char)*p))
        return NULL;
    double whole = 0, fraction = 0, scale = 1;
    for (;;) {
        while (isdigit((unsigned char)*p))
            whole = whole * 10 + (*p++ - '0');
        if ((*p == ',' || *p == '.') && digits_at(p + 1) == 3)
            p++; /* a thousands separator */
        else
            break;
    }
    size_t decimals = *p == ',' || *p == '.' ? digits_at(p + 1) : 0;
    if (decimals == 1 || decimals == 2) {
        p++;
        while (isdigit((unsigned char)*p)) {
            scale /= 10;
            fraction += (*p++ - '0') * scale;
        }
    }
    *value = whole + fraction;
    return p;
}

/* The warnings about one text: each amount it names, once. */
static void warn_text(const char *text, const char *field, const struct pt_currency *currency,
                      int64_t smallest, const char *frequency, struct pt_editor_errors *warnings)
{
    for (const char *p = text; *p; p++) {
        size_t sign_length = 0;
        const char *code = sign_at(text, p, &sign_length);
        const char *start = p, *end = NULL;
        double value = 0;
        if (code != NULL) {
            end = number_at(skip_spaces(p + sign_length), &value);
        } else if (isdigit((unsigned char)*p) && (p == text || !isdigit((unsigned char)p[-1]))) {
            const char *after = number_at(p, &value);
            const char *sign = after != NULL ? skip_spaces(after) : NULL;
            code = sign != NULL ? sign_at(text, sign, &sign_length) : NULL;
            end = code != NULL ? sign + sign_length : NULL;
        }
        if (code == NULL || end == NULL)
            continue;
        int length = (int)(end - start);
        if (strcmp(code, currency->code) != 0) {
            pt_editor_errors_add(warnings, field,
                                 "This text names %.*s, but the campaign takes %s: readers pay "
                                 "in %s.",
                                 length, start, currency->code, currency->code);
            return;
        }
        double minor = value * (double)pt_money_unit(currency);
        if (smallest > 0 && minor + 0.5 < (double)smallest) {
            struct pt_buf shown;
            pt_buf_init(&shown);
            pt_money_format(&shown, smallest, currency);
            pt_editor_errors_add(warnings, field,
                                 "This text names %.*s, but the smallest %s amount this variant "
                                 "suggests is %s.",
                                 length, start, frequency, shown.data);
            pt_buf_dispose(&shown);
            return;
        }
        p = end - 1;
    }
}

/* Copy that names an amount the variant's amounts contradict: below the
 * smallest suggested amount of its default frequency, or in another
 * currency. blocks gives the form's block of each variant. */
static void warn_copy(const json_t *campaign, const struct pt_currency *currency,
                      const size_t *blocks, struct pt_editor_errors *warnings)
{
    if (currency == NULL)
        return;
    size_t index;
    const json_t *variant;
    json_array_foreach(json_object_get(campaign, "variants"), index, variant)
    {
        int64_t smallest = 0;
        size_t i;
        const json_t *preset;
        json_array_foreach(json_object_get(variant, "presets"), i, preset)
        {
            if (smallest == 0 || json_integer_value(preset) < smallest)
                smallest = json_integer_value(preset);
        }
        enum pt_frequency frequency = default_frequency(variant);
        const char *said = frequency == PT_FREQUENCY_ONE_OFF  ? "one-off"
                           : frequency == PT_FREQUENCY_ANNUAL ? "annual"
                                                              : "monthly";
        const char *language;
        const json_t *text;
        json_object_foreach(json_object_get(variant, "text"), language, text)
        {
            static const char *const keys[] = {"headline", "body"};
            for (size_t k = 0; k < 2; k++) {
                const json_t *copy = json_object_get(text, keys[k]);
                if (!json_is_string(copy))
                    continue;
                char field[PT_EDITOR_FIELD_MAX];
                pt_editor_field_name(field, sizeof(field), blocks[index], language, keys[k]);
                warn_text(json_string_value(copy), field, currency, smallest, said, warnings);
            }
        }
    }
}

/* ------------------------------------------------------------ the whole */

static enum pt_status convert(const struct pt_form_field *fields, size_t count,
                              const struct pt_catalog_settings *settings, json_t **document,
                              struct pt_editor_errors *errors, struct pt_editor_errors *warnings)
{
    *document = NULL;
    struct reading reading = {fields, count, NULL, errors, {0}};
    pt_arena_init(&reading.arena);
    size_t errors_before = errors->count;
    json_t *campaign = json_object();
    read_campaign_fields(&reading, campaign);
    read_currencies(&reading, campaign);
    const json_t *code = json_object_get(campaign, "currency");
    reading.currency =
        pt_money_currency(code != NULL ? json_string_value(code) : settings->default_currency);
    if (reading.currency == NULL && code != NULL)
        pt_editor_errors_add(errors, "currency",
                             "patron does not take %s; use a code such as USD, EUR or GBP.",
                             json_string_value(code));
    read_goal(&reading, campaign);

    char languages[PT_CAMPAIGN_LANGUAGES_MAX][PT_LANGUAGE_MAX];
    size_t language_count =
        pt_editor_languages(fields, count, languages, PT_CAMPAIGN_LANGUAGES_MAX);
    json_t *variants = json_array();
    size_t blocks[PT_CAMPAIGN_VARIANTS_MAX];
    size_t block_count = pt_editor_variant_blocks(fields, count);
    int64_t total_weight = 0;
    for (size_t block = 0; block < block_count; block++) {
        json_t *variant = read_variant(&reading, block, languages, language_count);
        if (variant == NULL)
            continue;
        char name[PT_EDITOR_FIELD_MAX];
        const json_t *id = json_object_get(variant, "id");
        for (size_t i = 0; id != NULL && i < json_array_size(variants); i++) {
            if (json_equal(json_object_get(json_array_get(variants, i), "id"), id)) {
                pt_editor_field_name(name, sizeof(name), block, NULL, "id");
                pt_editor_errors_add(errors, name,
                                     "Another variant is called %s; give each its own id.",
                                     json_string_value(id));
                break;
            }
        }
        const json_t *weight = json_object_get(variant, "weight");
        total_weight += weight != NULL ? json_integer_value(weight) : 1;
        blocks[json_array_size(variants)] = block;
        json_array_append_new(variants, variant);
    }
    if (json_array_size(variants) == 0)
        pt_editor_errors_add(errors, "v0.id",
                             "A campaign needs a variant: give it an id and a text.");
    else if (total_weight == 0)
        pt_editor_errors_add(errors, "v0.weight",
                             "Give at least one variant a share of readers above 0.");
    json_object_set_new(campaign, "variants", variants);
    if (warnings != NULL)
        warn_copy(campaign, reading.currency, blocks, warnings);

    enum pt_status status = PT_OK;
    if (errors->count > errors_before) {
        status = PT_ERR_INVALID;
        goto out;
    }
    char *text = json_dumps(campaign, JSON_COMPACT | JSON_PRESERVE_ORDER);
    struct pt_catalog_error refusal;
    status = pt_catalog_check_document(text, settings, &refusal);
    pt_json_free(text);
    if (status) {
        pt_editor_place_catalog_error(&refusal, campaign, blocks, errors);
        status = PT_ERR_INVALID;
        goto out;
    }
    *document = campaign;
    campaign = NULL;
out:
    json_decref(campaign);
    pt_arena_dispose(&reading.arena);
    return status;
}

enum pt_status pt_editor_document_from_form(const struct pt_form_field *fields, size_t count,
                                            const struct pt_catalog_settings *settings,
                                            json_t **document, struct pt_editor_errors *errors)
{
    return convert(fields, count, settings, document, errors, NULL);
}

enum pt_status pt_editor_check_form(const struct pt_form_field *fields, size_t count,
                                    const struct pt_catalog_settings *settings, json_t **document,
                                    struct pt_editor_errors *errors,
                                    struct pt_editor_errors *warnings)
{
    return convert(fields, count, settings, document, errors, warnings);
}
