/* The campaign editor's form <-> document conversion: round trips, every
 * field's error, amounts in major units, empty fields and language blocks. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "patron/catalog.h"
#include "patron/dash_campaigns.h"
#include "patron/editor.h"
#include "patron/preview.h"

static const struct pt_catalog_settings settings = {"https://support.example.org", "USD", "'self'", false, NULL, NULL};

/* -------------------------------------------------------------- helpers */

static json_t *load_json(const char *text)
{
    json_error_t problem;
    json_t *value = json_loads(text, JSON_REJECT_DUPLICATES, &problem);
    cr_assert_not_null(value, "%s", problem.text);
    return value;
}

static json_t *load_file(const char *path)
{
    json_error_t problem;
    json_t *value = json_load_file(path, JSON_REJECT_DUPLICATES, &problem);
    cr_assert_not_null(value, "%s: %s", path, problem.text);
    return value;
}

/* "a=1&b=2" into fields; test values hold neither '&' nor '='. */
static void form_parse(struct pt_editor_form *form, const char *text)
{
    char *copy = strdup(text);
    char *save = NULL;
    for (char *pair = strtok_r(copy, "&", &save); pair; pair = strtok_r(NULL, "&", &save)) {
        char *equals = strchr(pair, '=');
        cr_assert_not_null(equals, "%s", pair);
        *equals = '\0';
        pt_editor_form_add(form, pair, equals + 1);
    }
    free(copy);
}

static char *dump(const json_t *value)
{
    return json_dumps(value, JSON_COMPACT | JSON_SORT_KEYS);
}

static void print_errors(const struct pt_editor_errors *errors, char *out, size_t size)
{
    out[0] = '\0';
    for (size_t i = 0; i < errors->count; i++) {
        size_t used = strlen(out);
        snprintf(out + used, size - used, "[%s] %s; ", errors->items[i].field,
                 errors->items[i].message);
    }
}

/* Converts the form; asserts that it succeeds and returns the document. */
static json_t *convert_ok(const struct pt_editor_form *form)
{
    struct pt_editor_errors errors;
    pt_editor_errors_init(&errors);
    json_t *document = NULL;
    enum pt_status status =
        pt_editor_document_from_form(form->fields, form->count, &settings, &document, &errors);
    char listed[4096];
    print_errors(&errors, listed, sizeof(listed));
    cr_assert_eq(status, PT_OK, "errors: %s", listed);
    cr_assert_not_null(document);
    cr_assert_eq(errors.count, 0);
    pt_editor_errors_dispose(&errors);
    return document;
}

/* Converts the form; asserts that it fails with an error on field and
 * returns that error's message in message. */
static void convert_fails_on(const struct pt_editor_form *form, const char *field, char *message,
                             size_t size)
{
    struct pt_editor_errors errors;
    pt_editor_errors_init(&errors);
    json_t *document = (json_t *)1;
    enum pt_status status =
        pt_editor_document_from_form(form->fields, form->count, &settings, &document, &errors);
    char listed[4096];
    print_errors(&errors, listed, sizeof(listed));
    cr_assert_eq(status, PT_ERR_INVALID, "expected an error on %s", field);
    cr_assert_null(document);
    const char *found = pt_editor_errors_find(&errors, field);
    cr_assert_not_null(found, "no error on %s; errors: %s", field, listed);
    cr_assert(strlen(found) > 10, "a message a person can act on: %s", found);
    if (message != NULL)
        snprintf(message, size, "%s", found);
    pt_editor_errors_dispose(&errors);
}

/* A document -> form -> document round trip must give the document back. */
static void assert_round_trip(const json_t *original)
{
    struct pt_editor_form form;
    pt_editor_form_init(&form);
    cr_assert_eq(pt_editor_form_from_document(original, &settings, &form), PT_OK);
    json_t *again = convert_ok(&form);
    char *want = dump(original), *got = dump(again);
    cr_assert(json_equal(original, again), "\nwant %s\ngot  %s", want, got);
    free(want);
    free(got);
    json_decref(again);
    pt_editor_form_dispose(&form);
}

static const json_t *first_variant(const json_t *document)
{
    return json_array_get(json_object_get(document, "variants"), 0);
}

/* The first variant's text in a language, or NULL. */
static const char *text_of(const json_t *document, const char *language, const char *key)
{
    const json_t *texts = json_object_get(first_variant(document), "text");
    return json_string_value(json_object_get(json_object_get(texts, language), key));
}

/* A valid one-language campaign, as a form. */
static const char minimal_form[] = "id=spring&languages=en&status=draft&cohort=non_supporters&"
                                   "v0.id=a&v0.frequencies=monthly&v0.frequencies=one_off&"
                                   "v0.text.en.headline=Help us";

static void minimal_with(struct pt_editor_form *form, const char *extra)
{
    pt_editor_form_init(form);
    form_parse(form, minimal_form);
    if (extra != NULL && extra[0] != '\0')
        form_parse(form, extra);
}

/* The minimal form with extra fields, converted; asserts that it converts. */
static json_t *convert_minimal(const char *extra)
{
    struct pt_editor_form form;
    minimal_with(&form, extra);
    json_t *document = convert_ok(&form);
    pt_editor_form_dispose(&form);
    return document;
}

/* Replaces (or adds) one field of the minimal form. */
static void minimal_but(struct pt_editor_form *form, const char *name, const char *value)
{
    pt_editor_form_init(form);
    struct pt_editor_form base;
    pt_editor_form_init(&base);
    form_parse(&base, minimal_form);
    bool replaced = false;
    for (size_t i = 0; i < base.count; i++) {
        if (strcmp(base.fields[i].name, name) == 0) {
            if (!replaced)
                pt_editor_form_add(form, name, value);
            replaced = true;
        } else {
            pt_editor_form_add(form, base.fields[i].name, base.fields[i].value);
        }
    }
    if (!replaced)
        pt_editor_form_add(form, name, value);
    pt_editor_form_dispose(&base);
}

static const char every_key[] =
    "{\"id\": \"spring-2027\", \"name\": \"Spring appeal\", \"status\": \"live\","
    " \"priority\": 10, \"starts_at\": \"2027-03-01T00:00:00Z\","
    " \"ends_at\": \"2027-03-31T23:59:59Z\", \"placement\": \"end_of_article\","
    " \"languages\": [\"en\", \"ru\"], \"sections\": [\"investigations\", \"climate\"],"
    " \"exclude_sections\": [\"obituaries\"], \"tags\": [\"elections\"],"
    " \"exclude_tags\": [\"paid-content\"], \"show_on_sensitive\": true,"
    " \"countries\": [\"US\", \"GB\", \"US-CA\"], \"exclude_countries\": [\"FR\"],"
    " \"devices\": [\"mobile\", \"desktop\"], \"cohort\": \"former_supporters\","
    " \"articles_read\": {\"weeks\": 4, \"min\": 3, \"max\": 100}, \"currency\": \"EUR\","
    " \"currencies\": {\"GB\": \"GBP\", \"US-CA\": \"CHF\"},"
    " \"frequency_cap\": {\"views\": 4, \"days\": 30, \"min_days_between\": 1,"
    " \"group\": \"spring\"},"
    " \"snooze_days\": {\"later\": 0.25, \"close\": 14, \"supporting\": 365},"
    " \"test_id\": \"spring-headline-test\", \"control_share\": 0.1,"
    " \"goal\": {\"kind\": \"amount\", \"target\": 500050, \"period\": \"month\","
    " \"threshold\": 1000, \"text\": {\"en\": \"{count} of {goal} this month\","
    " \"ru\": \"{count} из {goal}\"}},"
    " \"variants\": ["
    "  {\"id\": \"a\", \"weight\": 3, \"frequencies\": [\"monthly\", \"one_off\", \"annual\"],"
    "   \"default_frequency\": \"monthly\", \"presets\": [200, 550, 1000],"
    "   \"default_amount\": 550,"
    "   \"currency_amounts\": {\"GBP\": {\"presets\": [300, 700], \"default_amount\": 700,"
    "    \"amounts\": {\"annual\": {\"presets\": [3000, 6050], \"default\": 6050}}},"
    "    \"CHF\": {\"amounts\": {\"one_off\": {\"presets\": [1000]}}}},"
    "   \"text\": {\"en\": {\"headline\": \"Keep us going\", \"body\": \"We **need** you.\\n\\n"
    "Really.\", \"support\": \"Support us\", \"later\": \"Remind me later\","
    "   \"supporting\": \"I already support\"},"
    "    \"ru\": {\"headline\": \"Поддержите нас\", \"body\": \"Нам *нужна* помощь.\","
    "   \"later\": \"\", \"supporting\": \"\"}}},"
    "  {\"id\": \"b\", \"weight\": 1, \"frequencies\": [\"one_off\"],"
    "   \"default_frequency\": \"one_off\", \"presets\": [100, 300],"
    "   \"text\": {\"en\": {\"body\": \"Short.\"}, \"ru\": {\"headline\": \"Коротко\"}}}"
    " ]}";

/* ----------------------------------------------------------- round trips */

Test(editor, the_demo_campaign_round_trips)
{
    json_t *demo = load_file(PT_SOURCE_ROOT "/data/demo-campaign.json");
    assert_round_trip(demo);
    json_decref(demo);
}

Test(editor, a_campaign_with_every_key_round_trips)
{
    json_t *document = load_json(every_key);
    /* It is valid to begin with, and it uses every key of the document. */
    char *text = json_dumps(document, 0);
    struct pt_catalog_error problem;
    cr_assert_eq(pt_catalog_check_document(text, &settings, &problem), PT_OK, "%s",
                 problem.message);
    free(text);
    for (size_t i = 0; i < pt_editor_campaign_spec_count; i++) {
        char key[64];
        snprintf(key, sizeof(key), "%s", pt_editor_campaign_specs[i].name);
        char *dot = strchr(key, '.');
        if (dot != NULL)
            *dot = '\0';
        cr_assert_not_null(json_object_get(document, key), "the test document lacks %s", key);
    }
    assert_round_trip(document);
    json_decref(document);
}

Test(editor, the_form_uses_the_documented_names_and_major_units)
{
    json_t *document = load_json(every_key);
    struct pt_editor_form form;
    pt_editor_form_init(&form);
    cr_assert_eq(pt_editor_form_from_document(document, &settings, &form), PT_OK);
    const struct pt_form_field *f = form.fields;
    size_t n = form.count;
    cr_assert_str_eq(pt_editor_value(f, n, "starts_at"), "2027-03-01T00:00");
    cr_assert_str_eq(pt_editor_value(f, n, "ends_at"), "2027-03-31T23:59:59");
    cr_assert_str_eq(pt_editor_value(f, n, "languages"), "en, ru");
    cr_assert_str_eq(pt_editor_value(f, n, "countries"), "US, GB, US-CA");
    cr_assert(pt_editor_checked(f, n, "devices", "mobile"));
    cr_assert(!pt_editor_checked(f, n, "devices", "tablet"));
    cr_assert_str_eq(pt_editor_value(f, n, "show_on_sensitive"), "true");
    cr_assert_str_eq(pt_editor_value(f, n, "articles_read.weeks"), "4");
    cr_assert_str_eq(pt_editor_value(f, n, "frequency_cap.group"), "spring");
    cr_assert_str_eq(pt_editor_value(f, n, "snooze_days.later"), "0.25");
    cr_assert_str_eq(pt_editor_value(f, n, "control_share"), "0.1");
    /* The default frequency's ladder shows in its row. */
    cr_assert_str_eq(pt_editor_value(f, n, "v0.amounts.monthly.presets"), "2, 5.50, 10");
    cr_assert_str_eq(pt_editor_value(f, n, "v0.amounts.monthly.default"), "5.50");
    cr_assert_null(pt_editor_value(f, n, "v0.presets"));
    cr_assert_str_eq(pt_editor_value(f, n, "v0.text.en.headline"), "Keep us going");
    cr_assert_str_eq(pt_editor_value(f, n, "v0.text.ru.later"), "");
    cr_assert_str_eq(pt_editor_value(f, n, "v0.text.ru.later_hidden"), "true");
    cr_assert_null(pt_editor_value(f, n, "v0.text.en.later_hidden"));
    cr_assert_str_eq(pt_editor_value(f, n, "v1.id"), "b");
    cr_assert(pt_editor_checked(f, n, "v1.frequencies", "one_off"));
    cr_assert(!pt_editor_checked(f, n, "v1.frequencies", "monthly"));
    cr_assert_str_eq(pt_editor_value(f, n, "v1.amounts.one_off.presets"), "1, 3");
    cr_assert_null(pt_editor_value(f, n, "v1.amounts.one_off.default"));
    cr_assert_eq(pt_editor_variant_blocks(f, n), 2);
    char languages[PT_CAMPAIGN_LANGUAGES_MAX][PT_LANGUAGE_MAX];
    cr_assert_eq(pt_editor_languages(f, n, languages, PT_CAMPAIGN_LANGUAGES_MAX), 2);
    cr_assert_str_eq(languages[1], "ru");
    pt_editor_form_dispose(&form);
    json_decref(document);
}

Test(editor, a_document_without_frequencies_shows_all_of_them_ticked)
{
    json_t *document = load_json("{\"id\":\"x\",\"languages\":[\"en\"],\"variants\":[{\"id\":\"a\","
                                 "\"text\":{\"en\":{\"headline\":\"Hi\"}}}]}");
    struct pt_editor_form form;
    pt_editor_form_init(&form);
    cr_assert_eq(pt_editor_form_from_document(document, &settings, &form), PT_OK);
    cr_assert(pt_editor_checked(form.fields, form.count, "v0.frequencies", "monthly"));
    cr_assert(pt_editor_checked(form.fields, form.count, "v0.frequencies", "one_off"));
    cr_assert(pt_editor_checked(form.fields, form.count, "v0.frequencies", "annual"));
    json_t *again = convert_ok(&form);
    cr_assert_eq(json_array_size(json_object_get(
                     json_array_get(json_object_get(again, "variants"), 0), "frequencies")),
                 3);
    json_decref(again);
    pt_editor_form_dispose(&form);
    json_decref(document);
}

Test(editor, not_an_object_is_refused)
{
    struct pt_editor_form form;
    pt_editor_form_init(&form);
    json_t *array = json_array();
    cr_assert_eq(pt_editor_form_from_document(array, &settings, &form), PT_ERR_INVALID);
    cr_assert_eq(pt_editor_form_from_document(NULL, &settings, &form), PT_ERR_INVALID);
    json_decref(array);
    pt_editor_form_dispose(&form);
}

/* ------------------------------------------------------- empty and typed */

Test(editor, empty_optional_fields_leave_their_keys_out)
{
    json_t *document =
        convert_minimal("name=&priority=&starts_at=&ends_at=&placement=&sections= , &"
                        "exclude_sections=&tags=&exclude_tags=&countries=&exclude_countries=&"
                        "articles_read.weeks=&articles_read.min=&articles_read.max=&currency=&"
                        "frequency_cap.views=&frequency_cap.days=&"
                        "frequency_cap.min_days_between=&frequency_cap.group=&"
                        "snooze_days.later=&snooze_days.close=&snooze_days.supporting=&"
                        "test_id=&control_share=&v0.weight=&v0.default_frequency=&v0.presets=&"
                        "v0.default_amount=&v0.text.en.body=  &v0.text.en.support=&"
                        "v0.text.en.later=&v0.text.en.supporting=&csrf=token&"
                        "preview_variant=a&preview_language=en");
    json_t *want = load_json("{\"id\":\"spring\",\"status\":\"draft\",\"languages\":[\"en\"],"
                             "\"cohort\":\"non_supporters\",\"variants\":[{\"id\":\"a\","
                             "\"frequencies\":[\"monthly\",\"one_off\"],\"text\":{\"en\":{"
                             "\"headline\":\"Help us\"}}}]}");
    char *got = dump(document);
    cr_assert(json_equal(document, want), "got %s", got);
    free(got);
    json_decref(want);
    json_decref(document);
}

Test(editor, a_placement_is_a_name_or_a_list_of_names)
{
    json_t *document = convert_minimal("placement=banner_top");
    cr_assert_str_eq(json_string_value(json_object_get(document, "placement")), "banner_top");
    assert_round_trip(document);
    json_decref(document);
    document = convert_minimal("placement=banner_top, end_of_article");
    const json_t *list = json_object_get(document, "placement");
    cr_assert_eq(json_array_size(list), 2);
    cr_assert_str_eq(json_string_value(json_array_get(list, 1)), "end_of_article");
    assert_round_trip(document);
    json_decref(document);
    struct pt_editor_form form;
    minimal_with(&form, "placement=a, b, c, d, e");
    char message[256];
    convert_fails_on(&form, "placement", message, sizeof(message));
    cr_assert(strstr(message, "List at most 4.") != NULL, "%s", message);
    pt_editor_form_dispose(&form);
    minimal_with(&form, "placement=banner_top, banner_top");
    convert_fails_on(&form, "placement", message, sizeof(message));
    cr_assert(strstr(message, "twice") != NULL, "%s", message);
    pt_editor_form_dispose(&form);
}

Test(editor, text_is_trimmed_and_the_body_keeps_its_lines)
{
    json_t *document = convert_minimal("name=  Spring  &v0.text.en.body=One\r\n\r\n  Two  ");
    cr_assert_str_eq(json_string_value(json_object_get(document, "name")), "Spring");
    cr_assert_str_eq(text_of(document, "en", "body"), "One\n\n  Two  ");
    json_decref(document);
}

/* Amounts typed in major units of the campaign's currency, stored in minor. */
static const struct {
    const char *form, *presets;
    long long default_amount;
} typed_presets[] = {
    {"v0.presets=2, 5.5 ,10,,&v0.default_amount=5.50", "[200, 550, 1000]", 550},
    {"currency=jpy&v0.presets=500, 1000&v0.default_amount=500", "[500, 1000]", 500},
    {"currency=GBP&v0.presets=3", "[300]", 0},
};

Test(editor, presets_are_typed_in_major_units)
{
    for (size_t i = 0; i < sizeof(typed_presets) / sizeof(typed_presets[0]); i++) {
        struct pt_editor_form form;
        minimal_with(&form, typed_presets[i].form);
        json_t *document = convert_ok(&form);
        json_t *want = load_json(typed_presets[i].presets);
        cr_assert(json_equal(json_object_get(first_variant(document), "presets"), want), "%s",
                  typed_presets[i].form);
        cr_assert_eq(json_integer_value(json_object_get(first_variant(document), "default_amount")),
                     typed_presets[i].default_amount);
        json_decref(want);
        json_decref(document);
        pt_editor_form_dispose(&form);
    }
    /* Yen have no fraction, and the message says in which currency. */
    struct pt_editor_form form;
    minimal_with(&form, "currency=JPY&v0.presets=500.5");
    char message[512];
    convert_fails_on(&form, "v0.presets", message, sizeof(message));
    cr_assert(strstr(message, "JPY") != NULL, "%s", message);
    pt_editor_form_dispose(&form);
}

/* ------------------------------------------------- amounts per frequency */

Test(editor, the_default_frequencys_row_is_written_as_presets_and_default_amount)
{
    /* One-off is chosen at first: its row becomes presets and
     * default_amount, which binaries before "amounts" read; the annual row
     * is dropped because annual is not offered. */
    json_t *document = convert_minimal("v0.default_frequency=one_off&"
                                       "v0.amounts.one_off.presets=10, 25&"
                                       "v0.amounts.one_off.default=25&"
                                       "v0.amounts.annual.presets=60");
    const json_t *variant = first_variant(document);
    json_t *want = load_json("[1000, 2500]");
    cr_assert(json_equal(json_object_get(variant, "presets"), want));
    cr_assert_eq(json_integer_value(json_object_get(variant, "default_amount")), 2500);
    cr_assert_null(json_object_get(variant, "amounts"), "no ladder is written twice");
    json_decref(want);
    json_decref(document);
}

Test(editor, a_default_ladders_error_is_beside_its_row)
{
    struct pt_editor_form form;
    minimal_with(&form, "v0.amounts.monthly.presets=2, 5&v0.amounts.monthly.default=7");
    convert_fails_on(&form, "v0.amounts.monthly.default", NULL, 0);
    pt_editor_form_dispose(&form);
    minimal_with(&form, "v0.amounts.monthly.presets=0.10");
    convert_fails_on(&form, "v0.amounts.monthly.presets", NULL, 0);
    pt_editor_form_dispose(&form);
}

Test(editor, each_offered_frequency_has_its_own_ladder)
{
    static const char with_amounts[] =
        "{\"id\":\"x\",\"languages\":[\"en\"],\"variants\":[{\"id\":\"a\","
        "\"frequencies\":[\"monthly\",\"one_off\"],\"presets\":[300],"
        "\"amounts\":{\"one_off\":{\"presets\":[1000,2500],\"default\":2500}},"
        "\"text\":{\"en\":{\"headline\":\"h\"}}}]}";
    struct pt_catalog_error problem;
    cr_assert_eq(pt_catalog_check_document(with_amounts, &settings, &problem), PT_OK,
                 "the catalogue takes \"amounts\": %s", problem.message);
    json_t *document = convert_minimal("v0.amounts.monthly.presets=3&"
                                       "v0.amounts.one_off.presets=10, 25&"
                                       "v0.amounts.one_off.default=25&"
                                       "v0.amounts.annual.presets=60");
    json_t *want = load_json("{\"one_off\": {\"presets\": [1000, 2500], \"default\": 2500}}");
    const json_t *variant = first_variant(document);
    char *got = dump(json_object_get(variant, "amounts"));
    cr_assert(json_equal(json_object_get(variant, "amounts"), want), "amounts: %s", got);
    free(got);
    json_decref(want);
    assert_round_trip(document);
    json_decref(document);
}

/* ------------------------------------------------------------ warnings */

/* The warnings of the minimal form with extra fields, listed. */
static void warnings_of(const char *extra, char *out, size_t size, size_t *count)
{
    struct pt_editor_form form;
    minimal_with(&form, extra);
    struct pt_editor_errors errors, warnings;
    pt_editor_errors_init(&errors);
    pt_editor_errors_init(&warnings);
    json_t *document = NULL;
    pt_editor_check_form(form.fields, form.count, &settings, &document, &errors, &warnings);
    print_errors(&warnings, out, size);
    *count = warnings.count;
    json_decref(document);
    pt_editor_errors_dispose(&errors);
    pt_editor_errors_dispose(&warnings);
    pt_editor_form_dispose(&form);
}

static const struct {
    const char *extra;
    const char *field; /* NULL: no warning */
} copy_amounts[] = {
    {"v0.amounts.monthly.presets=3, 5&v0.text.en.body=Support us from **$2** a month.",
     "v0.text.en.body"},
    {"v0.amounts.monthly.presets=3, 5&v0.text.en.body=Support us from **$3** a month.", NULL},
    {"v0.amounts.monthly.presets=3, 5&v0.text.en.body=From $10 a month, or 2 articles.", NULL},
    {"v0.amounts.monthly.presets=3, 5&v0.text.en.body=Only 2.50 USD a month", "v0.text.en.body"},
    {"v0.amounts.monthly.presets=3, 5&v0.text.en.body=Give €5 today.", "v0.text.en.body"},
    {"v0.amounts.monthly.presets=3, 5&v0.text.en.body=Give 5 € today.", "v0.text.en.body"},
    {"currency=EUR&v0.amounts.monthly.presets=3, 5&v0.text.en.body=Give 5 € today.", NULL},
    {"v0.amounts.monthly.presets=3&v0.text.en.body=Поддержите нас от $2 в месяц",
     "v0.text.en.body"},
    {"v0.text.en.body=From $1 a month.", NULL}, /* no presets: the reader types any amount */
    {"v0.amounts.monthly.presets=3&v0.text.en.body=Costs 1,000 a year; from $4.", NULL},
    /* Amounts at the very end of the text: the reader looks ahead of them
     * (an overflow ASan found in the HTTP tests). */
    {"v0.amounts.monthly.presets=3&v0.text.en.body=From $2", "v0.text.en.body"},
    {"v0.amounts.monthly.presets=3&v0.text.en.body=From $2,5", "v0.text.en.body"},
    {"v0.amounts.monthly.presets=3&v0.text.en.body=From $2,", "v0.text.en.body"},
    {"v0.amounts.monthly.presets=3&v0.text.en.body=From $4,00", NULL},
};

Test(editor, copy_that_names_a_contradicting_amount_is_a_warning)
{
    for (size_t i = 0; i < sizeof(copy_amounts) / sizeof(copy_amounts[0]); i++) {
        char listed[2048];
        size_t count = 0;
        warnings_of(copy_amounts[i].extra, listed, sizeof(listed), &count);
        if (copy_amounts[i].field == NULL) {
            cr_assert_eq(count, 0, "%s: %s", copy_amounts[i].extra, listed);
            continue;
        }
        char want[128];
        snprintf(want, sizeof(want), "[%s]", copy_amounts[i].field);
        cr_assert_eq(count, 1, "%s: %s", copy_amounts[i].extra, listed);
        cr_assert(strstr(listed, want) != NULL, "%s: %s", copy_amounts[i].extra, listed);
    }
    /* A warning is not an error: the form still converts. */
    json_t *document = convert_minimal("v0.amounts.monthly.presets=3&v0.text.en.body=From $2.");
    json_decref(document);
}

Test(editor, a_schedule_is_typed_in_utc)
{
    static const struct {
        const char *typed, *stored;
    } cases[] = {
        {"2027-03-01T09:30", "2027-03-01T09:30:00Z"},
        {"2027-03-01T09:30:15", "2027-03-01T09:30:15Z"},
        {"2027-03-01 09:30", "2027-03-01T09:30:00Z"},
        {"2027-03-01T09:30:00Z", "2027-03-01T09:30:00Z"},
        {"2028-02-29T00:00", "2028-02-29T00:00:00Z"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct pt_editor_form form;
        minimal_but(&form, "starts_at", cases[i].typed);
        json_t *document = convert_ok(&form);
        cr_assert_str_eq(json_string_value(json_object_get(document, "starts_at")),
                         cases[i].stored);
        json_decref(document);
        pt_editor_form_dispose(&form);
    }
}

Test(editor, a_hidden_button_is_an_empty_label)
{
    json_t *document = convert_minimal("v0.text.en.later=Later&v0.text.en.later_hidden=true&"
                                       "v0.text.en.supporting=Already");
    cr_assert_str_eq(text_of(document, "en", "later"), "");
    cr_assert_str_eq(text_of(document, "en", "supporting"), "Already");
    json_decref(document);
}

/* ------------------------------------------------------------- variants */

Test(editor, language_blocks_are_only_for_the_campaigns_languages)
{
    struct pt_editor_form form;
    minimal_with(&form, "v0.text.de.headline=Hallo&v0.text.fr.body=Bonjour");
    json_t *document = convert_ok(&form);
    const json_t *texts = json_object_get(first_variant(document), "text");
    cr_assert_eq(json_object_size(texts), 1);
    cr_assert_not_null(json_object_get(texts, "en"));
    json_decref(document);
    pt_editor_form_dispose(&form);

    /* And back: a document's stray text makes no fields. */
    json_t *stray =
        load_json("{\"id\":\"x\",\"languages\":[\"en\"],\"variants\":[{\"id\":\"a\","
                  "\"text\":{\"en\":{\"headline\":\"Hi\"},\"de\":{\"headline\":\"Hallo\""
                  "}}}]}");
    pt_editor_form_init(&form);
    cr_assert_eq(pt_editor_form_from_document(stray, &settings, &form), PT_OK);
    cr_assert_not_null(pt_editor_value(form.fields, form.count, "v0.text.en.headline"));
    cr_assert_null(pt_editor_value(form.fields, form.count, "v0.text.de.headline"));
    pt_editor_form_dispose(&form);
    json_decref(stray);
}

Test(editor, each_language_needs_its_text)
{
    struct pt_editor_form form;
    minimal_but(&form, "languages", "en, ru");
    char message[512];
    convert_fails_on(&form, "v0.text.ru.headline", message, sizeof(message));
    cr_assert(strstr(message, "ru") != NULL, "%s", message);
    pt_editor_form_dispose(&form);
}

Test(editor, an_empty_variant_block_is_not_a_variant)
{
    json_t *document =
        convert_minimal("v1.id=&v1.weight=&v1.frequencies=monthly&v1.frequencies=annual&"
                        "v1.default_frequency=annual&v1.text.en.headline=&"
                        "v1.text.en.later_hidden=true");
    cr_assert_eq(json_array_size(json_object_get(document, "variants")), 1);
    json_decref(document);
}

Test(editor, a_removed_variant_is_left_out_and_blocks_keep_their_order)
{
    json_t *document =
        convert_minimal("v1.id=b&v1.frequencies=monthly&v1.text.en.headline=B&v1.remove=true&"
                        "v2.id=c&v2.frequencies=annual&v2.text.en.headline=C");
    const json_t *variants = json_object_get(document, "variants");
    cr_assert_eq(json_array_size(variants), 2);
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(variants, 1), "id")), "c");
    json_decref(document);
}

/* Errors that come from several fields together: the form (added to the
 * minimal one, or alone) and the field the error must be on. */
static const struct {
    const char *form;
    bool alone;
    const char *error;
} whole_form_errors[] = {
    {"v1.text.en.headline=Another", false, "v1.id"},                              /* no id */
    {"v1.id=a&v1.frequencies=monthly&v1.text.en.headline=Again", false, "v1.id"}, /* twice */
    {"id=x&languages=en&v0.id=", true, "v0.id"},                                  /* none */
    {"v0.weight=0", false, "v0.weight"}, /* nobody sees it */
    {"starts_at=2027-03-02T00:00&ends_at=2027-03-01T23:59", false, "ends_at"},
    {"articles_read.min=5&articles_read.max=4&articles_read.weeks=2", false, "articles_read.max"},
};

Test(editor, errors_of_fields_together)
{
    for (size_t i = 0; i < sizeof(whole_form_errors) / sizeof(whole_form_errors[0]); i++) {
        struct pt_editor_form form;
        if (whole_form_errors[i].alone) {
            pt_editor_form_init(&form);
            form_parse(&form, whole_form_errors[i].form);
        } else {
            minimal_with(&form, whole_form_errors[i].form);
        }
        convert_fails_on(&form, whole_form_errors[i].error, NULL, 0);
        pt_editor_form_dispose(&form);
    }
}

/* ------------------------------------------------------ each field's error */

struct bad_field {
    const char *name; /* the field set to value */
    const char *value;
    const char *error; /* the field the error must name */
};

static const struct bad_field bad_fields[] = {
    {"id", "", "id"},
    {"id", "Spring 2027", "id"},
    {"name", "", NULL}, /* optional: fine */
    {"status", "paused", "status"},
    {"priority", "high", "priority"},
    {"priority", "2000000", "priority"},
    {"priority", "1.5", "priority"},
    {"starts_at", "tomorrow", "starts_at"},
    {"starts_at", "2027-02-31T00:00", "starts_at"},
    {"starts_at", "2027-3-1T00:00", "starts_at"},
    {"ends_at", "2027-13-01T00:00", "ends_at"},
    {"placement", "", NULL},
    {"languages", "", "languages"},
    {"languages", "en_GB", "languages"},
    {"languages", "en, EN", "languages"},
    {"languages", "en, ru, de, fr, es, it, pt, nl, pl", "languages"},
    {"sections", "a-name-that-is-far-too-long-for-a-section-because-it-runs-over-64-bytes",
     "sections"},
    {"exclude_sections", "a-name-that-is-far-too-long-for-a-section-because-it-runs-over-64-b",
     "exclude_sections"},
    {"tags", "a-name-that-is-far-too-long-for-a-tag-because-it-runs-over-sixty-four-bytes", "tags"},
    {"exclude_tags", "a-name-that-is-far-too-long-for-a-tag-because-it-runs-over-sixty-four-b",
     "exclude_tags"},
    {"placement", "a-name-that-is-far-too-long-for-a-placement-because-it-runs-over-64-b",
     "placement"},
    {"countries", "USA", "countries"},
    {"exclude_countries", "U1", "exclude_countries"},
    {"devices", "phone", "devices"},
    {"cohort", "nobody", "cohort"},
    {"articles_read.weeks", "0", "articles_read.weeks"},
    {"articles_read.weeks", "53", "articles_read.weeks"},
    {"articles_read.min", "3", "articles_read.weeks"},
    {"articles_read.max", "-1", "articles_read.max"},
    {"currency", "XYZ", "currency"},
    {"currency", "dollars", "currency"},
    {"frequency_cap.views", "-1", "frequency_cap.views"},
    {"frequency_cap.days", "0", "frequency_cap.days"},
    {"frequency_cap.min_days_between", "400", "frequency_cap.min_days_between"},
    {"frequency_cap.group", "Spring Group", "frequency_cap.group"},
    {"snooze_days.later", "-1", "snooze_days.later"},
    {"snooze_days.close", "two", "snooze_days.close"},
    {"snooze_days.supporting", "4000", "snooze_days.supporting"},
    {"snooze_days.later", "inf", "snooze_days.later"},
    {"test_id", "A B", "test_id"},
    {"control_share", "0.95", "control_share"},
    {"control_share", "10%", "control_share"},
    {"v0.id", "", "v0.id"},
    {"v0.id", "Variant A", "v0.id"},
    {"v0.weight", "-1", "v0.weight"},
    {"v0.weight", "10001", "v0.weight"},
    {"v0.frequencies", "weekly", "v0.frequencies"},
    {"v0.default_frequency", "annual", "v0.default_frequency"},
    {"v0.default_frequency", "weekly", "v0.default_frequency"},
    {"v0.presets", "1", "v0.presets"},
    {"v0.presets", "two", "v0.presets"},
    {"v0.presets", "2.555", "v0.presets"},
    {"v0.presets", "2, 3, 4, 5, 6, 7, 8", "v0.presets"},
    {"v0.presets", "2000000", "v0.presets"},
    {"v0.default_amount", "5", "v0.default_amount"},
    {"v0.text.en.headline", "", "v0.text.en.headline"},
    {"v0.text.en.support", "A label for the support button that runs on well beyond sixty bytes",
     "v0.text.en.support"},
    {"v0.text.en.later", "A label for the later button that runs on and on well beyond sixty b",
     "v0.text.en.later"},
    {"v0.text.en.supporting", "A label for the supporting button that runs well beyond sixty b",
     "v0.text.en.supporting"},
    {"name", "\xff\xfe not text", "name"},
};

Test(editor, each_field_has_its_error)
{
    for (size_t i = 0; i < sizeof(bad_fields) / sizeof(bad_fields[0]); i++) {
        const struct bad_field *bad = &bad_fields[i];
        struct pt_editor_form form;
        minimal_but(&form, bad->name, bad->value);
        if (bad->error == NULL) {
            json_t *document = convert_ok(&form);
            json_decref(document);
        } else {
            convert_fails_on(&form, bad->error, NULL, 0);
        }
        pt_editor_form_dispose(&form);
    }
}

Test(editor, long_texts_are_refused_beside_their_field)
{
    char *headline = malloc(202), *body = malloc(4002);
    memset(headline, 'h', 201);
    headline[201] = '\0';
    memset(body, 'b', 4001);
    body[4001] = '\0';
    struct pt_editor_form form;
    minimal_but(&form, "v0.text.en.headline", headline);
    convert_fails_on(&form, "v0.text.en.headline", NULL, 0);
    pt_editor_form_dispose(&form);
    minimal_with(&form, NULL);
    pt_editor_form_add(&form, "v0.text.en.body", body);
    convert_fails_on(&form, "v0.text.en.body", NULL, 0);
    pt_editor_form_dispose(&form);
    minimal_with(&form, NULL);
    pt_editor_form_add(&form, "name", body);
    convert_fails_on(&form, "name", NULL, 0);
    pt_editor_form_dispose(&form);
    free(headline);
    free(body);
}

Test(editor, the_catalogues_own_messages_are_placed_on_their_field)
{
    /* Country codes are checked by the catalogue alone: its message must
     * come back on the field, in a sentence. */
    struct pt_editor_form form;
    minimal_but(&form, "countries", "U1");
    char message[512];
    convert_fails_on(&form, "countries", message, sizeof(message));
    cr_assert(message[0] >= 'A' && message[0] <= 'Z', "%s", message);
    cr_assert(strstr(message, "campaign ") == NULL, "%s", message);
    pt_editor_form_dispose(&form);
}

/* The catalogue's refusal, placed from its value: nothing is read back
 * from the message but the message itself, for what no field shows. */
static void assert_placed(const struct pt_catalog_error *refusal, const char *field,
                          const char *message)
{
    /* Variant 0 is the form's block 0; variant 1 its block 2 (block 1 was
     * removed). The second variant gives to its one-off ladder first. */
    json_t *document = load_json("{\"id\":\"x\",\"variants\":[{\"id\":\"a\"},{\"id\":\"b\","
                                 "\"frequencies\":[\"one_off\",\"monthly\"]}]}");
    static const size_t blocks[] = {0, 2};
    struct pt_editor_errors errors;
    pt_editor_errors_init(&errors);
    pt_editor_place_catalog_error(refusal, document, blocks, &errors);
    char listed[2048];
    print_errors(&errors, listed, sizeof(listed));
    cr_assert_eq(errors.count, 1, "%s", listed);
    cr_assert_str_eq(errors.items[0].field, field, "%s", listed);
    cr_assert_str_eq(errors.items[0].message, message, "%s", listed);
    pt_editor_errors_dispose(&errors);
    json_decref(document);
}

Test(editor, the_catalogues_refusal_is_placed_from_its_value)
{
    struct pt_catalog_error refusal = {
        .campaign = "x",
        .variant = -1,
        .field = "countries",
        .problem = "must hold country codes such as \"US\" or regions such as \"US-CA\"",
        .message = "campaign x: campaign.countries must hold country codes such as \"US\" or "
                   "regions such as \"US-CA\""};
    assert_placed(&refusal, "countries",
                  "Must hold country codes such as \"US\" or regions such as \"US-CA\".");
    /* A key inside one of the campaign's objects. */
    snprintf(refusal.field, sizeof(refusal.field), "frequency_cap.views");
    snprintf(refusal.problem, sizeof(refusal.problem), "must be a whole number from 0 to 1000");
    assert_placed(&refusal, "frequency_cap.views", "Must be a whole number from 0 to 1000.");
    /* A variant's text, in its block. */
    refusal.variant = 1;
    snprintf(refusal.field, sizeof(refusal.field), "text.en.body");
    snprintf(refusal.problem, sizeof(refusal.problem), "must be a string");
    assert_placed(&refusal, "v2.text.en.body", "Must be a string.");
    /* The default ladder ("presets", "default_amount") is typed in its
     * frequency's row; another ladder is its own. */
    snprintf(refusal.field, sizeof(refusal.field), "presets");
    snprintf(refusal.problem, sizeof(refusal.problem),
             "must be amounts in minor units of USD, at least 100 once");
    assert_placed(&refusal, "v2.amounts.one_off.presets",
                  "Must be amounts in minor units of USD, at least 100 once.");
    refusal.variant = 0;
    snprintf(refusal.field, sizeof(refusal.field), "default_amount");
    snprintf(refusal.problem, sizeof(refusal.problem), "must be one of its presets");
    assert_placed(&refusal, "v0.amounts.monthly.default", "Must be one of its presets.");
    snprintf(refusal.field, sizeof(refusal.field), "amounts.annual.default");
    assert_placed(&refusal, "v0.amounts.annual.default", "Must be one of its presets.");
    /* What no field shows goes to the top, the whole message as said. */
    static const struct {
        int variant;
        const char *field;
    } unplaced[] = {
        {-1, ""},            /* the document as a whole */
        {-1, "snooze_days"}, /* an object the form spreads over several fields */
        {0, ""},             /* the variant as a whole */
        {0, "text.en"},      /* one language's text as a whole */
        {0, "text"},
        {1, "amounts"},
        {5, "id"}, /* no such variant in the document */
    };
    snprintf(refusal.problem, sizeof(refusal.problem), "has an unknown field \"zz\"");
    snprintf(refusal.message, sizeof(refusal.message), "campaign x: the refusal's words");
    for (size_t i = 0; i < sizeof(unplaced) / sizeof(unplaced[0]); i++) {
        refusal.variant = unplaced[i].variant;
        snprintf(refusal.field, sizeof(refusal.field), "%s", unplaced[i].field);
        assert_placed(&refusal, "", "Campaign x: the refusal's words.");
    }
}

Test(editor, the_catalogues_refusals_reach_their_fields_through_the_form)
{
    /* Checks only the catalogue makes: a campaign's field, a variant's ladder. */
    struct pt_editor_form form;
    minimal_but(&form, "exclude_countries", "U1");
    char message[512];
    convert_fails_on(&form, "exclude_countries", message, sizeof(message));
    cr_assert_str_eq(message,
                     "Must hold country codes such as \"US\" or regions such as \"US-CA\".");
    pt_editor_form_dispose(&form);
    minimal_with(&form, "v0.amounts.one_off.presets=10, 25&v0.amounts.one_off.default=7");
    convert_fails_on(&form, "v0.amounts.one_off.default", message, sizeof(message));
    cr_assert_str_eq(message, "Must be one of its presets.");
    pt_editor_form_dispose(&form);
}

Test(editor, errors_are_found_by_field)
{
    struct pt_editor_errors errors;
    pt_editor_errors_init(&errors);
    for (int i = 0; i < 20; i++)
        pt_editor_errors_add(&errors, i % 2 ? "a" : "", "message %d", i);
    cr_assert_str_eq(pt_editor_errors_find(&errors, "a"), "message 1");
    cr_assert_str_eq(pt_editor_errors_find(&errors, ""), "message 0");
    cr_assert_null(pt_editor_errors_find(&errors, "b"));
    pt_editor_errors_dispose(&errors);
}

/* ------------------------------------------------------------- markdown */

Test(editor, raw_html_is_kept_as_text_but_never_rendered)
{
    const char *body = "Hello <script>alert(1)</script> **bold** "
                       "<img src=x onerror=alert(2)> [x](javascript:alert(3))";
    struct pt_editor_form form;
    minimal_with(&form, NULL);
    pt_editor_form_add(&form, "v0.text.en.body", body);
    json_t *document = convert_ok(&form);
    cr_assert_str_eq(text_of(document, "en", "body"), body, "the editor's words are kept as typed");

    char *text = json_dumps(document, JSON_COMPACT);
    const char *documents[] = {text};
    struct pt_catalog *catalog = NULL;
    char problem[512];
    cr_assert_eq(pt_catalog_build(documents, 1, &settings, 1, &catalog, problem, sizeof(problem)),
                 PT_OK, "%s", problem);
    const struct pt_variant_text *rendered =
        pt_variant_find_text(&catalog->campaigns[0].variants[0], "en");
    cr_assert(strstr(rendered->document, "<script") == NULL);
    cr_assert(strstr(rendered->document, "<img") == NULL);
    cr_assert(strstr(rendered->document, "javascript:") == NULL);
    cr_assert(strstr(rendered->document, "<strong>bold</strong>") != NULL);
    pt_catalog_release(catalog);
    free(text);
    json_decref(document);
    pt_editor_form_dispose(&form);
}

/* ------------------------------------------------------------- helpers */

Test(editor, field_names_and_blocks)
{
    char name[PT_EDITOR_FIELD_MAX];
    pt_editor_field_name(name, sizeof(name), 3, NULL, "presets");
    cr_assert_str_eq(name, "v3.presets");
    pt_editor_field_name(name, sizeof(name), 0, "pt-BR", "headline");
    cr_assert_str_eq(name, "v0.text.pt-BR.headline");

    struct pt_form_field fields[] = {
        {"v2.id", "x"},
        {"v99.id", "y"},
        {"vx.id", "z"},
        {"v.id", ""},
        {"languages", "en, xx1, EN, ru"},
    };
    cr_assert_eq(pt_editor_variant_blocks(fields, 5), 3);
    char languages[2][PT_LANGUAGE_MAX];
    cr_assert_eq(pt_editor_languages(fields, 5, languages, 2), 2);
    cr_assert_str_eq(languages[0], "en");
    cr_assert_str_eq(languages[1], "ru");
}

Test(editor, forms_of_any_shape_never_crash)
{
    /* Fields without values, names of every shape, and a block number far
     * beyond the limit. */
    struct pt_form_field fields[] = {
        {"id", NULL},          {NULL, "x"},          {"v1000000.id", "a"}, {"v15.id", "p"},
        {"v15.text.en.", "x"}, {"languages", ",,,"}, {"v0.", ""},          {"devices", ""},
    };
    struct pt_editor_errors errors;
    pt_editor_errors_init(&errors);
    json_t *document = NULL;
    cr_assert_eq(pt_editor_document_from_form(fields, sizeof(fields) / sizeof(fields[0]), &settings,
                                              &document, &errors),
                 PT_ERR_INVALID);
    cr_assert_null(document);
    cr_assert_not_null(pt_editor_errors_find(&errors, "id"));
    cr_assert_not_null(pt_editor_errors_find(&errors, "languages"));
    pt_editor_errors_dispose(&errors);
}

/* ------------------------------------------------ "Open on my article" */

/* The server's key, and another server's. */
static void two_keys(struct pt_crypto *crypto, struct pt_crypto *other)
{
    cr_assert(sodium_init() >= 0);
    memset(crypto, 0, sizeof(*crypto));
    memset(other, 0, sizeof(*other));
    randombytes_buf(crypto->signing_key, sizeof(crypto->signing_key));
    randombytes_buf(other->signing_key, sizeof(other->signing_key));
}

Test(editor, a_preview_links_token_is_signed_names_its_campaign_and_expires)
{
    struct pt_crypto crypto, other;
    two_keys(&crypto, &other);
    char token[PT_PREVIEW_TOKEN_MAX], id[PT_ID_MAX];
    pt_preview_token(&crypto, "spring-2027", 1000, token);
    cr_assert_eq(pt_preview_check(&crypto, token, 1000, id), PT_OK);
    cr_assert_str_eq(id, "spring-2027");
    cr_assert_eq(pt_preview_check(&crypto, token, 1001, id), PT_ERR_INVALID, "expired");
    cr_assert_eq(pt_preview_check(&other, token, 1000, id), PT_ERR_INVALID, "another server's key");
    for (size_t i = 0; token[i]; i += 7) {
        char changed[PT_PREVIEW_TOKEN_MAX];
        snprintf(changed, sizeof(changed), "%s", token);
        changed[i] = changed[i] == 'A' ? 'B' : 'A';
        cr_assert_eq(pt_preview_check(&crypto, changed, 0, id), PT_ERR_INVALID, "changed at %zu",
                     i);
    }
    static const char *const junk[] = {"", "abc", "test-token", "%%%%"};
    for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++)
        cr_assert_eq(pt_preview_check(&crypto, junk[i], 0, id), PT_ERR_INVALID);
    cr_assert_eq(pt_preview_check(&crypto, NULL, 0, id), PT_ERR_INVALID);
}

Test(editor, a_debug_token_is_signed_expires_and_is_no_preview_token)
{
    struct pt_crypto crypto, other;
    two_keys(&crypto, &other);
    char debug[PT_PREVIEW_TOKEN_MAX], preview[PT_PREVIEW_TOKEN_MAX], id[PT_ID_MAX];
    pt_preview_debug_token(&crypto, 1000, debug);
    cr_assert(pt_preview_check_debug(&crypto, debug, 1000));
    cr_assert_not(pt_preview_check_debug(&crypto, debug, 1001), "expired");
    cr_assert_not(pt_preview_check_debug(&other, debug, 1000), "another key");
    for (size_t i = 0; debug[i]; i += 7) {
        char changed[PT_PREVIEW_TOKEN_MAX];
        snprintf(changed, sizeof(changed), "%s", debug);
        changed[i] = changed[i] == 'A' ? 'B' : 'A';
        cr_assert_not(pt_preview_check_debug(&crypto, changed, 0), "changed at %zu", i);
    }
    cr_assert_not(pt_preview_check_debug(&crypto, NULL, 0));
    cr_assert_not(pt_preview_check_debug(&crypto, "", 0));
    /* Neither kind passes for the other. */
    cr_assert_eq(pt_preview_check(&crypto, debug, 0, id), PT_ERR_INVALID);
    pt_preview_token(&crypto, PT_PREVIEW_ALL, 1000, preview);
    cr_assert_not(pt_preview_check_debug(&crypto, preview, 0));
    /* The every-draft preview token names no campaign. */
    cr_assert_eq(pt_preview_check(&crypto, preview, 1000, id), PT_OK);
    cr_assert_str_eq(id, PT_PREVIEW_ALL);
}

/* ------------------------------------------------------------ goal ticker */

Test(editor, a_goal_is_typed_in_its_own_unit_with_a_sentence_per_language)
{
    json_t *document = convert_minimal("goal.kind=amount&goal.target=5000.50&goal.period=month&"
                                       "goal.threshold=10&goal.text.en={count} of {goal}!");
    char *text = dump(json_object_get(document, "goal"));
    cr_assert_str_eq(text, "{\"kind\":\"amount\",\"period\":\"month\",\"target\":500050,"
                           "\"text\":{\"en\":\"{count} of {goal}!\"},\"threshold\":1000}");
    free(text);
    json_decref(document);

    document = convert_minimal("goal.kind=supporters&goal.target=500&goal.period=campaign");
    text = dump(json_object_get(document, "goal"));
    cr_assert_str_eq(text, "{\"kind\":\"supporters\",\"period\":\"campaign\",\"target\":500}");
    free(text);
    json_decref(document);

    /* No ticker chosen: the period's select alone makes no goal. */
    document = convert_minimal("goal.kind=&goal.period=campaign");
    cr_assert_null(json_object_get(document, "goal"));
    json_decref(document);

    struct pt_editor_form form;
    minimal_with(&form, "goal.kind=&goal.target=500");
    convert_fails_on(&form, "goal.kind", NULL, 0);
    pt_editor_form_dispose(&form);
    minimal_with(&form, "goal.kind=supporters&goal.target=5.5");
    convert_fails_on(&form, "goal.target", NULL, 0);
    pt_editor_form_dispose(&form);
    minimal_with(&form, "goal.kind=supporters&goal.target=10&goal.text.en={count} of {total}");
    char message[512];
    convert_fails_on(&form, "goal.text.en", message, sizeof(message));
    cr_assert(strstr(message, "{count} and {goal}") != NULL, "%s", message);
    pt_editor_form_dispose(&form);
    /* The catalogue's refusal, on its field. */
    minimal_with(&form, "goal.kind=supporters&goal.target=10&goal.threshold=11");
    convert_fails_on(&form, "goal.threshold", message, sizeof(message));
    cr_assert(strstr(message, "above") != NULL, "%s", message);
    pt_editor_form_dispose(&form);
}

Test(editor, a_money_goal_is_shown_in_major_units)
{
    json_t *document = load_json(every_key);
    struct pt_editor_form form;
    pt_editor_form_init(&form);
    cr_assert_eq(pt_editor_form_from_document(document, &settings, &form), PT_OK);
    cr_assert_str_eq(pt_editor_value(form.fields, form.count, "goal.target"), "5000.50");
    cr_assert_str_eq(pt_editor_value(form.fields, form.count, "goal.threshold"), "10");
    cr_assert_str_eq(pt_editor_value(form.fields, form.count, "goal.text.ru"), "{count} из {goal}");
    pt_editor_form_dispose(&form);
    json_decref(document);
}

/* ------------------------------------------------- currencies by country */

Test(editor, currencies_by_country_are_typed_as_pairs_and_round_trip)
{
    json_t *document = convert_minimal("currency=USD&currencies=gb = gbp, EU=EUR,US-CA=CHF");
    const json_t *currencies = json_object_get(document, "currencies");
    cr_assert(json_is_object(currencies));
    cr_assert_eq(json_object_size(currencies), 3);
    cr_assert_str_eq(json_string_value(json_object_get(currencies, "GB")), "GBP");
    cr_assert_str_eq(json_string_value(json_object_get(currencies, "EU")), "EUR");
    cr_assert_str_eq(json_string_value(json_object_get(currencies, "US-CA")), "CHF");
    assert_round_trip(document);
    json_decref(document);

    /* The form leaves out "*" when it names the campaign's currency, and
     * shows it when the document has no currency of its own. */
    json_t *star = load_json("{\"id\":\"x\",\"languages\":[\"en\"],\"currency\":\"USD\","
                             "\"currencies\":{\"GB\":\"GBP\",\"*\":\"USD\"},\"variants\":[{\"id\":"
                             "\"a\",\"text\":{\"en\":{\"headline\":\"Hi\"}}}]}");
    struct pt_editor_form form;
    pt_editor_form_init(&form);
    cr_assert_eq(pt_editor_form_from_document(star, &settings, &form), PT_OK);
    cr_assert_str_eq(pt_editor_value(form.fields, form.count, "currencies"), "GB=GBP");
    pt_editor_form_dispose(&form);
    json_decref(star);
    json_t *only_star = load_json("{\"id\":\"x\",\"languages\":[\"en\"],\"currencies\":{\"GB\":"
                                  "\"GBP\",\"*\":\"CHF\"},\"variants\":[{\"id\":\"a\",\"frequencies\":"
                                  "[\"monthly\",\"one_off\",\"annual\"],\"text\":"
                                  "{\"en\":{\"headline\":\"Hi\"}}}]}");
    assert_round_trip(only_star);
    json_decref(only_star);

    /* Empty: no key at all. */
    document = convert_minimal("currencies= , ");
    cr_assert_null(json_object_get(document, "currencies"));
    json_decref(document);
}

Test(editor, bad_currencies_by_country_are_refused_beside_their_box)
{
    static const struct {
        const char *typed, *message;
    } cases[] = {
        {"GB", "Write each as a country and a currency, such as GB=GBP, separated by commas."},
        {"GB=POUND", "Write each as a country and a currency, such as GB=GBP, separated by "
                     "commas."},
        {"=GBP", "Write each as a country and a currency, such as GB=GBP, separated by commas."},
        {"GB=GBP, GB=EUR", "GB is named twice."},
        {"GB=XYZ", "GB must be a currency patron takes: USD, EUR, GBP, CHF or JPY."},
        {"ENGLAND=GBP", "ENGLAND is not a country code such as \"GB\", a region such as "
                        "\"US-CA\", \"EU\" or \"*\"."},
        {"G1=GBP", "G1 is not a country code such as \"GB\", a region such as \"US-CA\", \"EU\" "
                   "or \"*\"."},
        {"GB=GBP, EU=EUR, CH=CHF, JP=JPY",
         "JP is a fifth currency: a campaign shows at most 4, its own currency among them."},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct pt_editor_form form;
        minimal_but(&form, "currencies", cases[i].typed);
        char message[512];
        convert_fails_on(&form, "currencies", message, sizeof(message));
        cr_assert_str_eq(message, cases[i].message, "%s", cases[i].typed);
        pt_editor_form_dispose(&form);
    }
}

Test(editor, amounts_in_other_currencies_are_typed_as_lines)
{
    json_t *document = convert_minimal(
        "currency=USD&currencies=GB=GBP, JP=JPY&v0.default_frequency=monthly&"
        "v0.currency_amounts=gbp monthly: 3, 7.50*, 15\r\n\r\nJPY one_off: 500, 1000*\n"
        "GBP one_off: 5");
    const json_t *all = json_object_get(first_variant(document), "currency_amounts");
    char *text = dump(all);
    cr_assert_str_eq(text, "{\"GBP\":{\"amounts\":{\"one_off\":{\"presets\":[500]}},"
                           "\"default_amount\":750,\"presets\":[300,750,1500]},\"JPY\":{"
                           "\"amounts\":{\"one_off\":{\"default\":1000,\"presets\":[500,"
                           "1000]}}}}");
    free(text);
    assert_round_trip(document);
    json_decref(document);

    static const struct {
        const char *typed, *message;
    } cases[] = {
        {"GBP: 3, 5", "Write each line as a currency, a way to give and amounts, such as GBP "
                      "monthly: 3, 7*, 15."},
        {"GBP weekly: 3", "Write each line as a currency, a way to give and amounts, such as "
                          "GBP monthly: 3, 7*, 15."},
        {"XYZ monthly: 3", "patron does not take XYZ; use a code such as GBP or EUR."},
        {"GBP monthly: three", "\"three\" is not an amount in GBP."},
        {"GBP monthly: 3\nGBP monthly: 4", "GBP monthly has two lines."},
        {"GBP monthly: 1.50", "GBP.presets must be amounts in minor units of GBP, at least 200 "
                              "monthly."},
        {"EUR monthly: 3", "EUR is not among the campaign's currencies."},
        {"JPY one_off: 40", "JPY.amounts.one_off.presets must be amounts in minor units of JPY, "
                            "at least 50 once."},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct pt_editor_form form;
        minimal_with(&form, "currency=USD&currencies=GB=GBP, JP=JPY");
        pt_editor_form_add(&form, "v0.currency_amounts", cases[i].typed);
        char message[512];
        convert_fails_on(&form, "v0.currency_amounts", message, sizeof(message));
        cr_assert_str_eq(message, cases[i].message, "%s", cases[i].typed);
        pt_editor_form_dispose(&form);
    }
}
