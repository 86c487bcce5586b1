/* The campaign editor's form, both ways: the dashboard's HTML form fields to
 * a campaign document (docs/API.md, "The campaign document") and back, with
 * errors that name the field they belong to. Pure: no I/O, no clock.
 *
 * Field names are the document's JSON paths, so that a reader of either
 * knows the other: "name", "frequency_cap.views", and per variant N (0, 1,
 * ... in the form's order) "vN.id", "vN.presets" and, per language of the
 * campaign, "vN.text.LANG.headline". Two fields are the form's own:
 * "vN.remove" (drop the variant when saving) and "vN.text.LANG.later_hidden"
 * / "supporting_hidden" (the label "" that hides the button).
 *
 * An empty optional field leaves its key out, so its default applies.
 * Amounts are typed in major units ("2, 5, 10") and stored in minor units
 * of the campaign's currency. Lists are comma-separated, so a section or tag
 * whose name holds a comma cannot be written in the form. */
#ifndef PATRON_EDITOR_H
#define PATRON_EDITOR_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "patron/alloc.h"
#include "patron/catalog.h"
#include "patron/http.h"
#include "patron/status.h"

/* ------------------------------------------------------------ the fields */

enum pt_editor_kind {
    PT_EDITOR_TEXT,     /* one line of text; surrounding spaces are trimmed */
    PT_EDITOR_TEXTAREA, /* several lines (markdown); kept as typed, CRLF made LF */
    PT_EDITOR_ID,       /* an id: 1 to 63 of a-z, 0-9, '-' and '_' */
    PT_EDITOR_INTEGER,  /* a whole number from min to max */
    PT_EDITOR_NUMBER,   /* a number from min to max, fractions allowed */
    PT_EDITOR_DATETIME, /* "2027-03-01T00:00" (datetime-local, UTC) <-> "...:00Z" */
    PT_EDITOR_LIST,     /* "a, b" <-> ["a", "b"] */
    PT_EDITOR_BOOLEAN,  /* one checkbox: true, or the key left out */
    PT_EDITOR_CHOICE,   /* one of options (a select) */
    PT_EDITOR_CHOICES,  /* any of options (checkboxes, the name repeated) <-> an array */
    PT_EDITOR_AMOUNT,   /* "5" (major units) <-> 500 (minor units) */
    PT_EDITOR_AMOUNTS,  /* "2, 5, 10" <-> [200, 500, 1000] */
    PT_EDITOR_LABEL,    /* a button's label; a companion checkbox NAME_hidden stores "" */
    PT_EDITOR_GOAL,     /* a goal's figure: supporters ("1000" <-> 1000), or, when the form's
                           goal.kind is "amount", an amount as PT_EDITOR_AMOUNT */
};

struct pt_editor_option {
    const char *value; /* NULL ends a list of options */
    const char *label;
};

#define PT_EDITOR_REQUIRED 1u  /* an empty field is an error */
#define PT_EDITOR_UPPER 2u     /* upper-cased before use (countries, currency) */
#define PT_EDITOR_LANGUAGES 4u /* a list of language tags */
#define PT_EDITOR_ONE_AS_TEXT 8u /* a list of one is kept as that name alone */

/* One input of the form. The tables below are what both directions of the
 * conversion and the page that renders the form walk, in this order. */
struct pt_editor_spec {
    const char *name; /* the field's name after its prefix, and the key's JSON path */
    enum pt_editor_kind kind;
    const char *legend; /* starts a fieldset with this legend; NULL stays in the last one */
    const char *label;
    const char *help;                       /* a sentence under the input, or NULL */
    double min, max;                        /* INTEGER and NUMBER */
    size_t max_length;                      /* bytes of text; items of a list or of amounts */
    const struct pt_editor_option *options; /* CHOICE and CHOICES */
    unsigned flags;                         /* PT_EDITOR_REQUIRED, ... */
};

/* The campaign's own fields (names without prefix). */
extern const struct pt_editor_spec pt_editor_campaign_specs[];
extern const size_t pt_editor_campaign_spec_count;
/* Each variant's fields, named "vN." + name. */
extern const struct pt_editor_spec pt_editor_variant_specs[];
extern const size_t pt_editor_variant_spec_count;
/* Each variant's text in one language, named "vN.text.LANG." + name. */
extern const struct pt_editor_spec pt_editor_text_specs[];
extern const size_t pt_editor_text_spec_count;

/* The goal ticker's sentence in one language, named "goal.text.LANG"; the
 * form has one per language of the campaign. */
extern const struct pt_editor_spec pt_editor_goal_text_spec;

/* Writes "vN." + name (language NULL) or "vN.text.LANG." + name into out. */
void pt_editor_field_name(char *out, size_t size, size_t variant, const char *language,
                          const char *name);

/* ------------------------------------------------------------ the form */

/* Form fields that own their strings: what a stored campaign becomes. */
struct pt_editor_form {
    struct pt_form_field *fields; /* owned by the form; strings live in arena */
    size_t count, capacity;
    struct pt_arena arena;
};

void pt_editor_form_init(struct pt_editor_form *form);
void pt_editor_form_dispose(struct pt_editor_form *form);
/* Appends a field; name and value are copied. */
void pt_editor_form_add(struct pt_editor_form *form, const char *name, const char *value);

/* The first value of a field, or NULL when the form has none. */
const char *pt_editor_value(const struct pt_form_field *fields, size_t count, const char *name);
/* True when the form carries name=value (a ticked checkbox). */
bool pt_editor_checked(const struct pt_form_field *fields, size_t count, const char *name,
                       const char *value);
/* The campaign's languages as the form names them (valid tags only, each
 * once), at most capacity; returns how many. */
size_t pt_editor_languages(const struct pt_form_field *fields, size_t count,
                           char (*languages)[PT_LANGUAGE_MAX], size_t capacity);
/* How many variant blocks the form has: 1 + the highest N of a "vN." field,
 * at most PT_CAMPAIGN_VARIANTS_MAX. */
size_t pt_editor_variant_blocks(const struct pt_form_field *fields, size_t count);

/* ------------------------------------------------------------ errors */

#define PT_EDITOR_FIELD_MAX 96
#define PT_EDITOR_MESSAGE_MAX 400

struct pt_editor_error {
    char field[PT_EDITOR_FIELD_MAX];     /* the field's name; "" for the form as a whole */
    char message[PT_EDITOR_MESSAGE_MAX]; /* plain text a person can act on */
};

struct pt_editor_errors {
    struct pt_editor_error *items; /* owned */
    size_t count, capacity;
};

void pt_editor_errors_init(struct pt_editor_errors *errors);
void pt_editor_errors_dispose(struct pt_editor_errors *errors);
void pt_editor_errors_add(struct pt_editor_errors *errors, const char *field, const char *format,
                          ...) __attribute__((format(printf, 3, 4)));
/* The first message for field, or NULL. */
const char *pt_editor_errors_find(const struct pt_editor_errors *errors, const char *field);

/* Adds the catalogue's refusal of a document the form made to errors, on
 * the field it is about: a campaign field by its name, a variant's by the
 * form's block for its index (blocks[i] is the block of the document's
 * variant i), the default frequency's "presets" and "default_amount" in
 * that frequency's row ("vN.amounts.monthly.presets"). The sentence is the
 * refusal's problem, capitalised; a refusal no field shows goes to the top
 * (field ""), its whole message. */
void pt_editor_place_catalog_error(const struct pt_catalog_error *error, const json_t *document,
                                   const size_t *blocks, struct pt_editor_errors *errors);

/* ------------------------------------------------------------ conversion */

/* Fills form (which the caller has initialised and owns) with the fields
 * that show document. Keys of the wrong type are left out of the form;
 * PT_ERR_INVALID when document is not an object. settings gives the
 * currency amounts are shown in when the document names none. */
enum pt_status pt_editor_form_from_document(const json_t *document,
                                            const struct pt_catalog_settings *settings,
                                            struct pt_editor_form *form);

/* Reads the form into a campaign document. Fields the form does not know
 * (csrf, the preview's) are ignored. When every field is valid and the
 * document passes pt_catalog_check_document, *document is a new reference
 * the caller owns (json_decref) and the answer is PT_OK. Otherwise the
 * answer is PT_ERR_INVALID, *document is NULL, and errors (initialised by
 * the caller) holds one entry per problem, on its field when one can be
 * named. */
enum pt_status pt_editor_document_from_form(const struct pt_form_field *fields, size_t count,
                                            const struct pt_catalog_settings *settings,
                                            json_t **document, struct pt_editor_errors *errors);

/* As pt_editor_document_from_form, and also fills warnings (initialised by
 * the caller): what the catalogue accepts but readers would find wrong, such
 * as a headline or body that names an amount below the variant's smallest
 * suggested amount of its default frequency ("from $2" when the smallest
 * is $3), or in another currency's symbol. Warnings never stop a save;
 * they are found even when the form has errors. */
enum pt_status pt_editor_check_form(const struct pt_form_field *fields, size_t count,
                                    const struct pt_catalog_settings *settings, json_t **document,
                                    struct pt_editor_errors *errors,
                                    struct pt_editor_errors *warnings);

#endif
