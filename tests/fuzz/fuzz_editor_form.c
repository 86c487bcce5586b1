#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "patron/editor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What the campaign editor posts, as "name=value&..." (not percent-decoded:
 * the HTTP layer does that). A form that converts must come back the same
 * through the form a stored campaign shows. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct pt_catalog_settings settings = {"http://127.0.0.1:8080", "USD", "'self'", false, NULL, NULL};
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    struct pt_editor_form form;
    pt_editor_form_init(&form);
    char *save = NULL;
    for (char *pair = strtok_r(text, "&", &save); pair; pair = strtok_r(NULL, "&", &save)) {
        char *equals = strchr(pair, '=');
        if (equals != NULL)
            *equals = '\0';
        pt_editor_form_add(&form, pair, equals ? equals + 1 : "");
    }
    char languages[PT_CAMPAIGN_LANGUAGES_MAX][PT_LANGUAGE_MAX];
    pt_editor_languages(form.fields, form.count, languages, PT_CAMPAIGN_LANGUAGES_MAX);
    pt_editor_variant_blocks(form.fields, form.count);

    struct pt_editor_errors errors, warnings;
    pt_editor_errors_init(&errors);
    pt_editor_errors_init(&warnings);
    json_t *document = NULL;
    /* With the warnings: the copy scanner reads what the editor typed. */
    if (pt_editor_check_form(form.fields, form.count, &settings, &document, &errors, &warnings) ==
        PT_OK) {
        struct pt_editor_form shown;
        pt_editor_form_init(&shown);
        if (pt_editor_form_from_document(document, &settings, &shown) != PT_OK)
            abort();
        json_t *again = NULL;
        struct pt_editor_errors more;
        pt_editor_errors_init(&more);
        if (pt_editor_document_from_form(shown.fields, shown.count, &settings, &again, &more) !=
                PT_OK ||
            !json_equal(document, again))
            abort();
        json_decref(again);
        pt_editor_errors_dispose(&more);
        pt_editor_form_dispose(&shown);
    } else if (errors.count == 0) {
        abort(); /* refused without saying why */
    }
    json_decref(document);
    pt_editor_errors_dispose(&errors);
    pt_editor_errors_dispose(&warnings);
    pt_editor_form_dispose(&form);
    free(text);
    return 0;
}
