/* The dashboard's campaigns: the list, the editor with its live preview,
 * and the changes (create, save, duplicate, set live, end, back to draft).
 *
 * The form's fields and their conversion to a campaign document are
 * editor.c's; this file renders them, stores what converts, and shows the
 * appeal as the catalogue renders it for readers. Every change is validated
 * as part of the whole catalogue, stored, and put in service before the
 * answer, as the admin API does (src/admin.c). */
#include "patron/dash_campaigns.h"
#include "patron/preview.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "patron/admin.h"
#include "patron/app.h"
#include "patron/config.h"
#include "patron/editor.h"
#include "patron/goal.h"
#include "patron/json.h"
#include "patron/log.h"
#include "patron/money.h"
#include "patron/placeholders.h"
#include "patron/preview.h"
#include "patron/render.h"
#include "patron/reports.h"

#define CAMPAIGNS "/dashboard/campaigns"

/* The placeholder of a language in the templates the script copies when
 * a language is added: not a valid tag, so no form field can carry it. */
#define LANGUAGE_PLACEHOLDER "__lang__"

/* The phone and desktop widths the preview shows, in CSS pixels, and the
 * height an article page reserves for the slot at that width (README.md,
 * web/demo/demo.css: 460 px on a phone, 380 px above 740 px), which the
 * script compares the appeal's height with. */
static const struct {
    const char *name;
    const char *label;
    int width;
    int reserved;
} preview_sizes[] = {
    {"phone", "Phone", 375, 460},
    {"desktop", "Desktop", 720, 380},
};

/* ------------------------------------------------------------ storing */

/* The page for a campaign that could not be read: not there, or the
 * database failed. */
static void answer_unreadable(struct pt_dash *dash, enum pt_status status)
{
    if (status == PT_ERR_NOT_FOUND)
        pt_dash_error(dash, 404, "There is no campaign with that id.");
    else
        pt_dash_error(dash, 503, "The campaign could not be read. Try again in a moment.");
}

/* The stored campaign (and its version, when version is not NULL), or NULL
 * with the request answered. */
static json_t *stored_or_answer(struct pt_dash *dash, const char *id,
                                char version[PT_ADMIN_VERSION_CHARS + 1])
{
    json_t *document = NULL;
    enum pt_status status = pt_admin_campaign_read(dash->app, id, &document, version);
    if (status)
        answer_unreadable(dash, status);
    return document;
}

static void audit(struct pt_dash *dash, const char *action, const char *detail)
{
    if (pt_dash_audit(dash, action, detail) != PT_OK)
        pt_log(PT_LOG_ERROR, "the audit log did not take %s %s", action, detail);
}

/* ------------------------------------------------------------ small pieces */

static const char *string_of(const json_t *document, const char *key, const char *fallback)
{
    const json_t *value = json_object_get(document, key);
    return json_is_string(value) ? json_string_value(value) : fallback;
}

/* "2027-03-01T00:00:00Z" as "2027-03-01 00:00". */
static void put_time(struct pt_buf *out, const char *iso)
{
    if (strlen(iso) == 20)
        pt_buf_printf(out, "%.10s %.5s", iso, iso + 11);
    else
        pt_buf_html_str(out, iso);
}

static void put_form_start(struct pt_buf *out, const struct pt_dash *dash, const char *action,
                           const char *id)
{
    pt_buf_puts(out, "<form class=\"dash-actions\" method=\"post\" action=\"" CAMPAIGNS "/");
    pt_buf_html_str(out, id);
    pt_buf_printf(out, "/%s\">", action);
    pt_dash_csrf_field(out, dash);
}

/* The notices a redirect may ask for, by code: never text from the query. */
static const char *notice_text(const char *code)
{
    static const struct {
        const char *code, *text;
    } notices[] = {
        {"saved", "Saved. If the campaign is live, readers see the change from now on."},
        {"created", "Created. Readers see it once it is live."},
        {"duplicated", "This is the copy, saved as a draft. Change what you need, then set it "
                       "live."},
        {"live", "The campaign is live."},
        {"ended", "The campaign has ended; readers no longer see it."},
        {"draft", "The campaign is a draft again; readers no longer see it."},
    };
    for (size_t i = 0; code != NULL && i < sizeof(notices) / sizeof(notices[0]); i++) {
        if (strcmp(notices[i].code, code) == 0)
            return notices[i].text;
    }
    return NULL;
}

/* ------------------------------------------------------------ the list */

struct listed {
    const char *id;
    json_t *document;
    int64_t priority;
};

static int by_priority(const void *a, const void *b)
{
    const struct listed *left = a, *right = b;
    if (left->priority != right->priority)
        return left->priority > right->priority ? -1 : 1;
    return strcmp(left->id, right->id);
}

static void put_status(struct pt_buf *out, const json_t *document, const char *now_iso)
{
    const char *status = string_of(document, "status", "draft");
    const char *starts = string_of(document, "starts_at", NULL);
    const char *ends = string_of(document, "ends_at", NULL);
    bool live = strcmp(status, "live") == 0;
    if (live)
        pt_buf_puts(out, "<span class=\"campaign-status campaign-status-live\">Live</span>");
    else if (strcmp(status, "ended") == 0)
        pt_buf_puts(out, "<span class=\"campaign-status campaign-status-ended\">Ended</span>");
    else
        pt_buf_puts(out, "<span class=\"campaign-status campaign-status-draft\">Draft</span>");
    if (live && ends != NULL && strcmp(ends, now_iso) < 0)
        pt_buf_puts(out, " <span class=\"campaign-status-note\">its schedule is over</span>");
    else if (live && starts != NULL && strcmp(starts, now_iso) > 0)
        pt_buf_puts(out, " <span class=\"campaign-status-note\">starts later</span>");
}

static void put_schedule(struct pt_buf *out, const json_t *document)
{
    const char *starts = string_of(document, "starts_at", NULL);
    const char *ends = string_of(document, "ends_at", NULL);
    if (starts == NULL && ends == NULL) {
        pt_buf_puts(out, "Always");
        return;
    }
    if (starts != NULL) {
        pt_buf_puts(out, "From ");
        put_time(out, starts);
    }
    if (ends != NULL) {
        pt_buf_puts(out, starts != NULL ? "<br>to " : "Until ");
        put_time(out, ends);
    }
}

static void put_actions(struct pt_buf *out, const struct pt_dash *dash, const char *id,
                        const char *name, const char *status)
{
    pt_buf_puts(out, "<div class=\"campaign-actions\"><a href=\"" CAMPAIGNS "/");
    pt_buf_html_str(out, id);
    pt_buf_puts(out, "\" aria-label=\"Edit ");
    pt_buf_html_str(out, name);
    pt_buf_puts(out, "\">Edit</a>");
    static const struct {
        const char *action, *label, *hidden_when;
    } buttons[] = {
        {"duplicate", "Duplicate", NULL},
        {"live", "Set live", "live"},
    };
    for (size_t i = 0; i < sizeof(buttons) / sizeof(buttons[0]); i++) {
        if (buttons[i].hidden_when != NULL && strcmp(status, buttons[i].hidden_when) == 0)
            continue;
        put_form_start(out, dash, buttons[i].action, id);
        pt_buf_printf(out, "<button type=\"submit\" class=\"dash-secondary\" aria-label=\"%s ",
                      buttons[i].label);
        pt_buf_html_str(out, name);
        pt_buf_printf(out, "\">%s</button></form>", buttons[i].label);
    }
    /* Ending asks first (confirm_end); a draft has nothing to end. */
    if (strcmp(status, "live") == 0) {
        pt_buf_puts(out, "<a class=\"campaign-end\" href=\"" CAMPAIGNS "/");
        pt_buf_html_str(out, id);
        pt_buf_puts(out, "/end\" aria-label=\"End ");
        pt_buf_html_str(out, name);
        pt_buf_puts(out, "\">End…</a>");
    }
    pt_buf_puts(out, "</div>");
}

static void put_today(struct pt_buf *out, const struct pt_reports_funnel *today, bool known,
                      const char *id, const struct pt_currency *currency)
{
    const struct pt_reports_funnel_row *row = pt_reports_funnel_find(today, id, "");
    if (!known) {
        pt_buf_puts(out, "<td class=\"num\">—</td><td class=\"num\">—</td>");
        return;
    }
    pt_buf_printf(out, "<td class=\"num\">%lld</td><td class=\"num\">",
                  (long long)(row ? row->events[PT_EVENT_IMPRESSION] : 0));
    struct pt_buf money;
    pt_buf_init(&money);
    if (currency != NULL)
        pt_money_format(&money, row ? row->revenue_minor : 0, currency);
    else
        pt_buf_printf(&money, "%lld", (long long)(row ? row->revenue_minor : 0));
    pt_buf_html_str(out, money.data);
    pt_buf_dispose(&money);
    pt_buf_puts(out, "</td>");
}

static void list_page(struct pt_dash *dash, int status_code, const char *kind, const char *notice)
{
    struct pt_app *app = dash->app;
    struct pt_store_documents set = {0};
    if (pt_store_documents_read(app->store, &set) != PT_OK) {
        pt_store_documents_dispose(&set);
        pt_dash_error(dash, 503, "The campaigns could not be read. Try again in a moment.");
        return;
    }
    struct listed *listed = pt_xcalloc(set.count + 1, sizeof(*listed));
    size_t count = 0;
    for (size_t i = 0; i < set.count; i++) {
        json_t *document = json_loads(set.documents[i], JSON_REJECT_DUPLICATES, NULL);
        if (!json_is_object(document)) {
            json_decref(document);
            continue;
        }
        const json_t *priority = json_object_get(document, "priority");
        listed[count++] =
            (struct listed){set.ids[i], document,
                            json_is_integer(priority) ? (int64_t)json_integer_value(priority) : 0};
    }
    qsort(listed, count, sizeof(*listed), by_priority);

    int64_t now = pt_app_now(app);
    struct pt_reports_funnel today;
    pt_reports_funnel_init(&today);
    bool today_known = pt_reports_today(app->store, now, &today) == PT_OK;
    char now_iso[32];
    time_t seconds = (time_t)now;
    struct tm tm;
    gmtime_r(&seconds, &tm);
    strftime(now_iso, sizeof(now_iso), "%Y-%m-%dT%H:%M:%SZ", &tm);

    struct pt_buf page;
    pt_buf_init(&page);
    pt_dash_page_start(&page, dash, "campaigns", "Campaigns");
    if (notice != NULL)
        pt_dash_notice(&page, kind, notice);
    pt_buf_puts(&page, "<p class=\"campaigns-new\"><a class=\"dash-button\" href=\"" CAMPAIGNS
                       "/new\">New campaign</a></p>");
    if (count == 0) {
        pt_buf_puts(&page, "<p>There are no campaigns yet.</p>");
    } else {
        pt_buf_puts(
            &page,
            "<div class=\"dash-table-wrap\"><table class=\"campaigns-table\">"
            "<caption>Campaigns, the one shown first at the top. Today is the UTC day "
            "so far.</caption><thead><tr>"
            "<th scope=\"col\">Campaign</th><th scope=\"col\">Status</th>"
            "<th scope=\"col\">Schedule (UTC)</th><th scope=\"col\" class=\"num\">Priority</th>"
            "<th scope=\"col\">Variants</th>"
            "<th scope=\"col\" class=\"num\">Impressions today</th>"
            "<th scope=\"col\" class=\"num\">Revenue today</th>"
            "<th scope=\"col\">Actions</th></tr></thead><tbody>");
        for (size_t i = 0; i < count; i++) {
            const json_t *document = listed[i].document;
            const char *id = listed[i].id;
            const char *name = string_of(document, "name", id);
            const json_t *variants = json_object_get(document, "variants");
            pt_buf_puts(&page, "<tr><th scope=\"row\"><a href=\"" CAMPAIGNS "/");
            pt_buf_html_str(&page, id);
            pt_buf_puts(&page, "\">");
            pt_buf_html_str(&page, name);
            pt_buf_puts(&page, "</a><br><code>");
            pt_buf_html_str(&page, id);
            pt_buf_puts(&page, "</code></th><td>");
            put_status(&page, document, now_iso);
            pt_buf_puts(&page, "</td><td>");
            put_schedule(&page, document);
            pt_buf_printf(&page, "</td><td class=\"num\">%lld</td><td>%zu",
                          (long long)listed[i].priority, json_array_size(variants));
            size_t index;
            const json_t *variant;
            json_array_foreach(variants, index, variant)
            {
                pt_buf_puts(&page, index == 0 ? ": " : ", ");
                pt_buf_html_str(&page, string_of(variant, "id", "?"));
            }
            pt_buf_puts(&page, "</td>");
            put_today(&page, &today, today_known, id,
                      pt_money_currency(
                          string_of(document, "currency", app->catalog_settings.default_currency)));
            pt_buf_puts(&page, "<td>");
            put_actions(&page, dash, id, name, string_of(document, "status", "draft"));
            pt_buf_puts(&page, "</td></tr>");
        }
        pt_buf_puts(&page, "</tbody></table></div>");
    }
    pt_dash_page_end(&page);
    pt_dash_send(dash, status_code, &page);
    pt_buf_dispose(&page);
    for (size_t i = 0; i < count; i++)
        json_decref(listed[i].document);
    free(listed);
    pt_reports_funnel_dispose(&today);
    pt_store_documents_dispose(&set);
}

/* ------------------------------------------------------------ the preview */

static void put_error_label(struct pt_buf *out, const char *field);

/* A one-campaign catalogue built from the form or a stored document, the
 * same build that serves readers; or, when the form does not convert yet,
 * what is missing. */
struct preview {
    struct pt_catalog *catalog; /* owned; NULL when errors says why */
    struct pt_editor_errors errors;
};

static void preview_from_text(struct preview *preview, const struct pt_app *app, const char *text)
{
    char problem[512];
    const char *documents[] = {text};
    if (pt_catalog_build(documents, 1, &app->catalog_settings, 0, &preview->catalog, problem,
                         sizeof(problem)) != PT_OK)
        pt_editor_errors_add(&preview->errors, "", "%s", problem);
}

/* The language tag of a "vN.text.LANG.KEY" field, with its length; NULL
 * for any other field. */
static const char *text_language(const char *name, size_t *length)
{
    if (name == NULL || name[0] != 'v')
        return NULL;
    const char *p = name + 1;
    while (*p >= '0' && *p <= '9')
        p++;
    if (p == name + 1 || strncmp(p, ".text.", 6) != 0)
        return NULL;
    p += 6;
    *length = strcspn(p, ".");
    return p[*length] == '.' ? p : NULL;
}

/* The form the preview of one language reads: a new campaign has no id
 * until the editor types one, and the preview does not wait for it; and
 * the campaign's languages narrowed to language, the other languages' text
 * left out, so that a language still being written (or just added) does
 * not hold up the preview of the one being edited. language NULL, or one
 * the form does not name, keeps every language. */
static void preview_form(struct pt_editor_form *form, const struct pt_form_field *fields,
                         size_t count, const char *language)
{
    char languages[PT_CAMPAIGN_LANGUAGES_MAX][PT_LANGUAGE_MAX];
    size_t language_count =
        pt_editor_languages(fields, count, languages, PT_CAMPAIGN_LANGUAGES_MAX);
    bool narrow = false;
    for (size_t i = 0; language != NULL && i < language_count; i++)
        narrow = narrow || strcasecmp(languages[i], language) == 0;
    const char *id = pt_editor_value(fields, count, "id");
    if (id == NULL || id[0] == '\0')
        pt_editor_form_add(form, "id", "preview");
    if (narrow)
        pt_editor_form_add(form, "languages", language);
    for (size_t i = 0; i < count; i++) {
        const char *name = fields[i].name;
        if (name == NULL || (narrow && strcmp(name, "languages") == 0) ||
            ((id == NULL || id[0] == '\0') && strcmp(name, "id") == 0))
            continue;
        size_t length = 0;
        const char *tag = text_language(name, &length);
        if (narrow && tag != NULL &&
            !(strlen(language) == length && strncasecmp(tag, language, length) == 0))
            continue;
        pt_editor_form_add(form, name, fields[i].value ? fields[i].value : "");
    }
}

static void preview_from_form(struct preview *preview, const struct pt_app *app,
                              const struct pt_form_field *fields, size_t count,
                              const char *language)
{
    memset(preview, 0, sizeof(*preview));
    pt_editor_errors_init(&preview->errors);
    struct pt_editor_form form;
    pt_editor_form_init(&form);
    preview_form(&form, fields, count, language);
    json_t *document = NULL;
    if (pt_editor_document_from_form(form.fields, form.count, &app->catalog_settings, &document,
                                     &preview->errors) == PT_OK) {
        char *text = json_dumps(document, JSON_COMPACT | JSON_PRESERVE_ORDER);
        preview_from_text(preview, app, text);
        pt_json_free(text);
        json_decref(document);
    }
    pt_editor_form_dispose(&form);
}

static void preview_dispose(struct preview *preview)
{
    pt_catalog_release(preview->catalog);
    pt_editor_errors_dispose(&preview->errors);
}

/* Appends the embed document of one variant (by id, else the first) in one
 * language (else the first), exactly as /embed/appeal serves it; or a page
 * that says what the preview waits for. */
static void preview_render(const struct preview *preview, const struct pt_app *app,
                           const char *variant_id, const char *language, struct pt_buf *out)
{
    if (preview->catalog != NULL) { /* built from the one campaign */
        const struct pt_campaign *campaign = &preview->catalog->campaigns[0];
        const struct pt_variant *variant =
            variant_id != NULL ? pt_campaign_find_variant(campaign, variant_id) : NULL;
        if (variant == NULL)
            variant = &campaign->variants[0];
        const struct pt_variant_text *text =
            language != NULL ? pt_variant_find_text(variant, language) : NULL;
        if (text == NULL)
            text = &variant->texts[0];
        if (!text->counts_articles) {
            pt_buf_append(out, text->document, text->document_length);
            return;
        }
        /* {articles} as the fewest articles that let a reader see it. */
        int64_t articles = campaign->articles_min > 0    ? campaign->articles_min
                           : campaign->articles_max == 0 ? 0
                                                         : 1;
        char count[PT_PLACEHOLDER_COUNT_MAX];
        size_t count_length = pt_placeholders_count(count, articles, text->language);
        size_t length =
            pt_placeholders_filled_length(text->document, text->document_length, count_length);
        char *filled = pt_xmalloc(length);
        pt_placeholders_fill_articles(text->document, text->document_length, count, count_length,
                                      filled);
        pt_buf_append(out, filled, length);
        free(filled);
        return;
    }
    struct pt_buf fragment;
    pt_buf_init(&fragment);
    pt_buf_puts(&fragment, "<div class=\"patron-preview-waiting\" role=\"status\"><p>The "
                           "preview appears when the form is complete:</p><ul>");
    for (size_t i = 0; i < preview->errors.count && i < 6; i++) {
        pt_buf_puts(&fragment, "<li>");
        if (preview->errors.items[i].field[0] != '\0') {
            put_error_label(&fragment, preview->errors.items[i].field);
            pt_buf_puts(&fragment, ": ");
        }
        pt_buf_html_str(&fragment, preview->errors.items[i].message);
        pt_buf_puts(&fragment, "</li>");
    }
    pt_buf_puts(&fragment, "</ul></div>");
    pt_render_embed_document(out, "en", fragment.data, app->catalog_settings.public_url);
    pt_buf_dispose(&fragment);
}

/* The preview as an answer of its own: sandboxed even when opened outside
 * its frame, framed only by the dashboard. */
static void send_preview(struct pt_dash *dash, const struct preview *preview,
                         const char *variant_id, const char *language)
{
    struct pt_buf body, policy;
    pt_buf_init(&body);
    pt_buf_init(&policy);
    preview_render(preview, dash->app, variant_id, language, &body);
    pt_buf_printf(&policy,
                  "sandbox; default-src 'none'; style-src 'self' %s; img-src 'self' data:; "
                  "form-action 'none'; base-uri 'none'; frame-ancestors 'self'",
                  dash->app->catalog_settings.public_url);
    /* A form that is not complete yet still has a preview: the page that
     * says what it waits for. */
    pt_response_text(dash->request, dash->response, 200, "text/html; charset=utf-8", body.data,
                     body.length);
    pt_response_header(dash->response, "Content-Security-Policy",
                       pt_arena_strndup(dash->request->arena, policy.data, policy.length));
    pt_response_header(dash->response, "Cache-Control", "no-store");
    pt_buf_dispose(&body);
    pt_buf_dispose(&policy);
}

/* ------------------------------------------------------------ the form */

/* What one rendering of the editor shows. */
struct form_view {
    const struct pt_form_field *fields;
    size_t count;
    const struct pt_editor_errors *errors;
    const struct pt_editor_errors *warnings; /* NULL: none */
};

/* The element id of a field: "f-" and its name with dots as dashes. */
static void put_id(struct pt_buf *out, const char *name, const char *suffix)
{
    pt_buf_puts(out, "f-");
    for (const char *p = name; *p; p++) {
        char c = *p == '.' ? '-' : *p;
        pt_buf_html(out, &c, 1);
    }
    if (suffix != NULL)
        pt_buf_puts(out, suffix);
}

/* The help, error and warning under a label, and the attributes that tie
 * them to the input (written after the input's own). */
static void put_described(struct pt_buf *out, const char *name, const char *help, const char *error,
                          const char *warning)
{
    if (help == NULL && error == NULL && warning == NULL)
        return;
    pt_buf_puts(out, " aria-describedby=\"");
    const char *separator = "";
    if (help != NULL) {
        put_id(out, name, "-help");
        separator = " ";
    }
    if (error != NULL) {
        pt_buf_puts(out, separator);
        put_id(out, name, "-error");
        separator = " ";
    }
    if (warning != NULL) {
        pt_buf_puts(out, separator);
        put_id(out, name, "-warning");
    }
    pt_buf_puts(out, "\"");
    if (error != NULL)
        pt_buf_puts(out, " aria-invalid=\"true\"");
}

static void put_note(struct pt_buf *out, const char *name, const char *kind, const char *text)
{
    if (text == NULL)
        return;
    pt_buf_printf(out, "<p class=\"dash-%s\" id=\"",
                  strcmp(kind, "error") == 0 ? "field-error" : kind);
    char suffix[16];
    snprintf(suffix, sizeof(suffix), "-%s", kind);
    put_id(out, name, suffix);
    pt_buf_puts(out, "\">");
    pt_buf_html_str(out, text);
    pt_buf_puts(out, "</p>");
}

/* The warning comes last, right before the input, where the script puts
 * the warnings it is told about as the editor types. */
static void put_help_and_error(struct pt_buf *out, const char *name, const char *help,
                               const char *error, const char *warning)
{
    put_note(out, name, "help", help);
    put_note(out, name, "error", error);
    put_note(out, name, "warning", warning);
}

static void put_label(struct pt_buf *out, const char *name, const char *label)
{
    pt_buf_puts(out, "<label for=\"");
    put_id(out, name, NULL);
    pt_buf_puts(out, "\">");
    pt_buf_html_str(out, label);
    pt_buf_puts(out, "</label>");
}

static void put_checkbox(struct pt_buf *out, const char *name, const char *id_suffix,
                         const char *value, const char *label, bool checked)
{
    pt_buf_puts(out, "<div class=\"field-check\"><input type=\"checkbox\" id=\"");
    put_id(out, name, id_suffix);
    pt_buf_puts(out, "\" name=\"");
    pt_buf_html_str(out, name);
    pt_buf_puts(out, "\" value=\"");
    pt_buf_html_str(out, value);
    pt_buf_printf(out, "\"%s><label for=\"", checked ? " checked" : "");
    put_id(out, name, id_suffix);
    pt_buf_puts(out, "\">");
    pt_buf_html_str(out, label);
    pt_buf_puts(out, "</label></div>");
}

/* A text-like input: its type and typing hints by kind. */
static void put_input(struct pt_buf *out, const struct pt_editor_spec *spec, const char *name,
                      const char *value, const char *error, const char *warning,
                      const char *language, bool read_only)
{
    const char *type = "text", *mode = NULL;
    if (spec->kind == PT_EDITOR_DATETIME)
        type = "datetime-local";
    else if (spec->kind == PT_EDITOR_INTEGER)
        mode = spec->min < 0 ? NULL : "numeric";
    else if (spec->kind == PT_EDITOR_NUMBER || spec->kind == PT_EDITOR_AMOUNT ||
             spec->kind == PT_EDITOR_AMOUNTS)
        mode = "decimal";
    pt_buf_printf(out, "<input type=\"%s\" id=\"", type);
    put_id(out, name, NULL);
    pt_buf_puts(out, "\" name=\"");
    pt_buf_html_str(out, name);
    pt_buf_puts(out, "\" value=\"");
    pt_buf_html_str(out, value ? value : "");
    pt_buf_puts(out, "\"");
    if (mode != NULL)
        pt_buf_printf(out, " inputmode=\"%s\"", mode);
    if (spec->kind == PT_EDITOR_DATETIME && value != NULL && strlen(value) >= 19)
        pt_buf_puts(out, " step=\"1\"");
    if ((spec->kind == PT_EDITOR_TEXT || spec->kind == PT_EDITOR_LABEL) && spec->max_length > 0)
        pt_buf_printf(out, " maxlength=\"%zu\"", spec->max_length);
    if (spec->kind == PT_EDITOR_ID || spec->kind == PT_EDITOR_LIST)
        pt_buf_puts(out, " autocapitalize=\"none\" spellcheck=\"false\"");
    if (spec->flags & PT_EDITOR_REQUIRED)
        pt_buf_puts(out, " required aria-required=\"true\"");
    if (read_only)
        pt_buf_puts(out, " readonly");
    if (language != NULL) {
        pt_buf_puts(out, " lang=\"");
        pt_buf_html_str(out, language);
        pt_buf_puts(out, "\"");
    }
    put_described(out, name, spec->help, error, warning);
    pt_buf_puts(out, ">");
}

/* One field of the form, with its label, help and error. */
static void put_field(struct pt_buf *out, const struct form_view *view,
                      const struct pt_editor_spec *spec, const char *name, const char *language,
                      bool read_only)
{
    const char *value = pt_editor_value(view->fields, view->count, name);
    const char *error = pt_editor_errors_find(view->errors, name);
    const char *warning =
        view->warnings != NULL ? pt_editor_errors_find(view->warnings, name) : NULL;
    const char *help = spec->help;
    if (read_only)
        help = "It cannot change; duplicate the campaign to get one with another id.";
    switch (spec->kind) {
    case PT_EDITOR_CHOICES:
        pt_buf_puts(out, "<fieldset class=\"field field-choices\" id=\"");
        put_id(out, name, NULL);
        pt_buf_puts(out, "\"");
        put_described(out, name, help, error, warning);
        pt_buf_puts(out, "><legend>");
        pt_buf_html_str(out, spec->label);
        pt_buf_puts(out, "</legend>");
        put_help_and_error(out, name, help, error, warning);
        for (const struct pt_editor_option *option = spec->options; option->value; option++) {
            char suffix[40];
            snprintf(suffix, sizeof(suffix), "-%s", option->value);
            put_checkbox(out, name, suffix, option->value, option->label,
                         pt_editor_checked(view->fields, view->count, name, option->value));
        }
        pt_buf_puts(out, "</fieldset>");
        return;
    case PT_EDITOR_BOOLEAN:
        pt_buf_puts(out, "<div class=\"field field-boolean\"><input type=\"checkbox\" id=\"");
        put_id(out, name, NULL);
        pt_buf_puts(out, "\" name=\"");
        pt_buf_html_str(out, name);
        pt_buf_printf(out, "\" value=\"true\"%s",
                      value != NULL && value[0] != '\0' ? " checked" : "");
        put_described(out, name, help, error, warning);
        pt_buf_puts(out, ">");
        put_label(out, name, spec->label);
        put_help_and_error(out, name, help, error, warning);
        pt_buf_puts(out, "</div>");
        return;
    default: break;
    }
    pt_buf_puts(out, "<div class=\"field\">");
    put_label(out, name, spec->label);
    put_help_and_error(out, name, help, error, warning);
    if (spec->kind == PT_EDITOR_CHOICE) {
        pt_buf_puts(out, "<select id=\"");
        put_id(out, name, NULL);
        pt_buf_puts(out, "\" name=\"");
        pt_buf_html_str(out, name);
        pt_buf_puts(out, "\"");
        put_described(out, name, help, error, warning);
        pt_buf_puts(out, ">");
        for (const struct pt_editor_option *option = spec->options; option->value; option++) {
            pt_buf_puts(out, "<option value=\"");
            pt_buf_html_str(out, option->value);
            pt_buf_printf(out, "\"%s>",
                          value != NULL && strcmp(value, option->value) == 0 ? " selected" : "");
            pt_buf_html_str(out, option->label);
            pt_buf_puts(out, "</option>");
        }
        pt_buf_puts(out, "</select>");
    } else if (spec->kind == PT_EDITOR_TEXTAREA) {
        pt_buf_puts(out, "<textarea rows=\"7\" id=\"");
        put_id(out, name, NULL);
        pt_buf_puts(out, "\" name=\"");
        pt_buf_html_str(out, name);
        pt_buf_puts(out, "\"");
        if (language != NULL) {
            pt_buf_puts(out, " lang=\"");
            pt_buf_html_str(out, language);
            pt_buf_puts(out, "\"");
        }
        put_described(out, name, help, error, warning);
        pt_buf_puts(out, ">");
        /* A newline right after the tag would be eaten by the parser. */
        if (value != NULL && value[0] == '\n')
            pt_buf_puts(out, "\n");
        pt_buf_html_str(out, value ? value : "");
        pt_buf_puts(out, "</textarea>");
    } else {
        put_input(out, spec, name, value, error, warning, language, read_only);
    }
    if (spec->kind == PT_EDITOR_LABEL) {
        char hidden[PT_EDITOR_FIELD_MAX];
        snprintf(hidden, sizeof(hidden), "%s_hidden", name);
        const char *flag = pt_editor_value(view->fields, view->count, hidden);
        put_checkbox(out, hidden, NULL, "true", "Hide this button",
                     flag != NULL && flag[0] != '\0');
    }
    pt_buf_puts(out, "</div>");
}

/* A variant block's id as typed, or "". */
static const char *block_id(const struct form_view *view, size_t block)
{
    char name[PT_EDITOR_FIELD_MAX];
    pt_editor_field_name(name, sizeof(name), block, NULL, "id");
    const char *id = pt_editor_value(view->fields, view->count, name);
    return id != NULL ? id : "";
}

/* True when the field has a value typed or ticked. */
static bool field_filled(const struct form_view *view, const char *name)
{
    const char *value = pt_editor_value(view->fields, view->count, name);
    return value != NULL && value[0] != '\0';
}

/* One variant's text in one language; the rarely changed button labels
 * are folded unless one is set or has an error. */
static void put_text(struct pt_buf *out, const struct form_view *view, size_t block,
                     const char *language)
{
    char name[PT_EDITOR_FIELD_MAX];
    pt_buf_puts(out, "<fieldset class=\"campaign-text\" data-language=\"");
    pt_buf_html_str(out, language);
    pt_buf_puts(out, "\"><legend>Text in ");
    pt_buf_html_str(out, language);
    pt_buf_puts(out, "</legend>");
    bool folded = false;
    for (size_t i = 0; i < pt_editor_text_spec_count; i++) {
        const struct pt_editor_spec *spec = &pt_editor_text_specs[i];
        pt_editor_field_name(name, sizeof(name), block, language, spec->name);
        if (spec->kind == PT_EDITOR_LABEL && !folded) {
            bool open = false;
            for (size_t j = i; j < pt_editor_text_spec_count; j++) {
                char other[PT_EDITOR_FIELD_MAX], hidden[PT_EDITOR_FIELD_MAX + 8];
                pt_editor_field_name(other, sizeof(other), block, language,
                                     pt_editor_text_specs[j].name);
                snprintf(hidden, sizeof(hidden), "%s_hidden", other);
                open = open || field_filled(view, other) || field_filled(view, hidden) ||
                       pt_editor_errors_find(view->errors, other) != NULL;
            }
            pt_buf_printf(out,
                          "<details class=\"campaign-fold-inner\"%s><summary>The other "
                          "buttons</summary>",
                          open ? " open" : "");
            folded = true;
        }
        put_field(out, view, spec, name, language, false);
    }
    if (folded)
        pt_buf_puts(out, "</details>");
    pt_buf_puts(out, "</fieldset>");
}

/* The variant's own fields; the suggested amounts as one row per
 * frequency, which the script shows only for the ways to give ticked. */
static void put_variant_fields(struct pt_buf *out, const struct form_view *view, size_t block)
{
    char name[PT_EDITOR_FIELD_MAX];
    bool amounts = false;
    for (size_t i = 0; i < pt_editor_variant_spec_count; i++) {
        const struct pt_editor_spec *spec = &pt_editor_variant_specs[i];
        pt_editor_field_name(name, sizeof(name), block, NULL, spec->name);
        bool row = strncmp(spec->name, "amounts.", 8) == 0;
        if (row && !amounts) {
            pt_buf_puts(out, "<fieldset class=\"campaign-amounts\"><legend>Suggested "
                             "amounts</legend><p class=\"dash-help\">One row for each way "
                             "to give; the rows of ways not ticked above are ignored.</p>");
            amounts = true;
        }
        const char *key = row ? strrchr(spec->name, '.') : NULL;
        if (key != NULL && strcmp(key, ".presets") == 0) {
            size_t length = (size_t)(key - spec->name) - 8;
            pt_buf_printf(out, "<div class=\"amount-row\" data-frequency=\"%.*s\">", (int)length,
                          spec->name + 8);
        }
        put_field(out, view, spec, name, NULL, false);
        if (key != NULL && strcmp(key, ".default") == 0)
            pt_buf_puts(out, "</div>");
    }
    if (amounts)
        pt_buf_puts(out, "</fieldset>");
}

static void put_variant(struct pt_buf *out, const struct form_view *view, size_t block,
                        char (*languages)[PT_LANGUAGE_MAX], size_t language_count, bool fresh)
{
    char name[PT_EDITOR_FIELD_MAX];
    /* The empty block for another variant is as long as a variant: folded
     * until wanted, or while something typed in it has an error. */
    if (fresh) {
        char prefix[16];
        int length = snprintf(prefix, sizeof(prefix), "v%zu.", block);
        bool open = false;
        for (size_t i = 0; i < view->errors->count && !open; i++)
            open = strncmp(view->errors->items[i].field, prefix, (size_t)length) == 0;
        pt_buf_printf(out,
                      "<details class=\"campaign-fold campaign-add\"%s><summary>Add another "
                      "variant</summary>",
                      open ? " open" : "");
    }
    pt_buf_puts(out, "<fieldset class=\"campaign-group campaign-variant\"><legend>");
    if (fresh) {
        pt_buf_puts(out, "Another variant</legend><p class=\"dash-help\">Fill in an id and its "
                         "text to add a variant; left empty, this block is ignored.</p>");
    } else {
        pt_buf_printf(out, "Variant %zu", block + 1);
        if (block_id(view, block)[0] != '\0') {
            pt_buf_puts(out, ": ");
            pt_buf_html_str(out, block_id(view, block));
        }
        pt_buf_puts(out, "</legend>");
    }
    put_variant_fields(out, view, block);
    for (size_t l = 0; l < language_count; l++)
        put_text(out, view, block, languages[l]);
    /* What the script copies when a language is added to the form. */
    pt_buf_puts(out, "<template class=\"campaign-text-template\">");
    put_text(out, view, block, LANGUAGE_PLACEHOLDER);
    pt_buf_puts(out, "</template>");
    if (!fresh) {
        pt_editor_field_name(name, sizeof(name), block, NULL, "remove");
        put_checkbox(out, name, NULL, "true", "Remove this variant when saving",
                     pt_editor_value(view->fields, view->count, name) != NULL);
    }
    pt_buf_puts(out, "</fieldset>");
    if (fresh)
        pt_buf_puts(out, "</details>");
}

/* The field's label for the list of errors: "Variant 2, text in ru:
 * Headline". */
static void put_error_label(struct pt_buf *out, const char *field)
{
    for (size_t i = 0; i < pt_editor_campaign_spec_count; i++) {
        if (strcmp(pt_editor_campaign_specs[i].name, field) == 0) {
            pt_buf_html_str(out, pt_editor_campaign_specs[i].label);
            return;
        }
    }
    unsigned block = 0;
    int consumed = 0;
    if (sscanf(field, "v%u.%n", &block, &consumed) != 1 || consumed == 0) {
        pt_buf_html_str(out, field);
        return;
    }
    const char *rest = field + consumed;
    pt_buf_printf(out, "Variant %u, ", block + 1);
    const struct pt_editor_spec *specs = pt_editor_variant_specs;
    size_t count = pt_editor_variant_spec_count;
    if (strncmp(rest, "text.", 5) == 0 && strrchr(rest, '.') > rest + 4) {
        const char *key = strrchr(rest, '.');
        pt_buf_puts(out, "text in ");
        pt_buf_html(out, rest + 5, (size_t)(key - rest - 5));
        pt_buf_puts(out, ", ");
        rest = key + 1;
        specs = pt_editor_text_specs;
        count = pt_editor_text_spec_count;
    }
    for (size_t i = 0; i < count; i++) {
        if (strcmp(specs[i].name, rest) == 0) {
            pt_buf_html_str(out, specs[i].label);
            return;
        }
    }
    pt_buf_html_str(out, rest);
}

static void put_errors(struct pt_buf *out, const struct pt_editor_errors *errors)
{
    if (errors->count == 0)
        return;
    pt_buf_printf(out,
                  "<div class=\"campaign-errors\" role=\"alert\" id=\"campaign-errors\">"
                  "<h2>Nothing was saved: %zu %s to put right</h2><ul>",
                  errors->count, errors->count == 1 ? "thing" : "things");
    for (size_t i = 0; i < errors->count; i++) {
        const struct pt_editor_error *error = &errors->items[i];
        pt_buf_puts(out, "<li>");
        if (error->field[0] != '\0') {
            pt_buf_puts(out, "<a href=\"#");
            put_id(out, error->field, NULL);
            pt_buf_puts(out, "\">");
            put_error_label(out, error->field);
            pt_buf_puts(out, "</a>: ");
        }
        pt_buf_html_str(out, error->message);
        pt_buf_puts(out, "</li>");
    }
    pt_buf_puts(out, "</ul></div>");
}

/* One language's preview: a frame per width, each with the Preview button
 * that refreshes it without script. */
/* A UTC day as "2026-05-01". */
static void put_day(struct pt_buf *out, int64_t seconds)
{
    time_t at = (time_t)seconds;
    struct tm tm;
    gmtime_r(&at, &tm);
    pt_buf_printf(out, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

/* The goal's figure as the preview's build read it from the ledger, shown
 * to the editor even while the threshold hides the ticker from readers. */
static void put_goal_now(struct pt_buf *out, const struct preview *preview)
{
    if (preview->catalog == NULL || preview->catalog->campaign_count == 0)
        return;
    const struct pt_campaign *campaign = &preview->catalog->campaigns[0];
    const struct pt_goal *goal = &campaign->goal;
    if (goal->kind == PT_GOAL_NONE)
        return;
    pt_buf_puts(out, "<p class=\"preview-goal\">Goal ticker now: ");
    if (!goal->counted) {
        pt_buf_puts(out, "the figure could not be read just now; readers see no ticker until "
                         "it can.</p>");
        return;
    }
    const struct pt_currency *currency = pt_money_currency(campaign->currency);
    pt_buf_puts(out, "<strong>");
    if (goal->kind == PT_GOAL_AMOUNT && currency != NULL) {
        pt_goal_format_money(out, goal->figure, currency, "en");
        pt_buf_puts(out, " of ");
        pt_goal_format_money(out, goal->target, currency, "en");
    } else {
        pt_goal_format_number(out, goal->figure, "en");
        pt_buf_puts(out, " of ");
        pt_goal_format_number(out, goal->target, "en");
        pt_buf_puts(out, " new supporters");
    }
    pt_buf_puts(out, "</strong>, counted ");
    if (goal->from > 0) {
        pt_buf_puts(out, "from ");
        put_day(out, goal->from);
    } else {
        pt_buf_puts(out, "from the first payment");
    }
    if (goal->to < INT64_MAX) {
        pt_buf_puts(out, " to ");
        put_day(out, goal->to - 1);
    }
    pt_buf_puts(out, " (UTC).");
    if (!pt_goal_shown(goal)) {
        pt_buf_puts(out, " Readers see no ticker until it reaches ");
        if (goal->kind == PT_GOAL_AMOUNT && currency != NULL)
            pt_goal_format_money(out, goal->threshold, currency, "en");
        else
            pt_goal_format_number(out, goal->threshold, "en");
        pt_buf_puts(out, ".");
    }
    pt_buf_puts(out, "</p>");
}

static void put_preview_language(struct pt_buf *out, const struct pt_app *app,
                                 const struct preview *preview, const char *chosen,
                                 const char *language)
{
    struct pt_buf document;
    pt_buf_init(&document);
    pt_buf_puts(out, "<section class=\"preview-language\" data-preview-language=\"");
    pt_buf_html_str(out, language);
    pt_buf_puts(out, "\"><h3>In ");
    pt_buf_html_str(out, language);
    /* The row scrolls sideways on a phone; keyboard users must be able
     * to reach it, so it takes focus and is named. */
    pt_buf_puts(out, "</h3>");
    put_goal_now(out, preview);
    pt_buf_puts(out, "<div class=\"preview-frames\" tabindex=\"0\" role=\"region\" "
                     "aria-label=\"Preview in ");
    pt_buf_html_str(out, language);
    pt_buf_puts(out, "\">");
    preview_render(preview, app, chosen, language, &document);
    for (size_t s = 0; s < sizeof(preview_sizes) / sizeof(preview_sizes[0]); s++) {
        char frame[64];
        snprintf(frame, sizeof(frame), "preview-%s-%s", language, preview_sizes[s].name);
        pt_buf_printf(out,
                      "<figure class=\"preview-frame preview-%s\" data-width=\"%d\" "
                      "data-reserved=\"%d\"><figcaption>%s, %d pixels wide</figcaption>",
                      preview_sizes[s].name, preview_sizes[s].width, preview_sizes[s].reserved,
                      preview_sizes[s].label, preview_sizes[s].width);
        /* No allow-scripts: the appeal needs none, and without
         * allow-same-origin the frame cannot reach the dashboard. */
        pt_buf_printf(out, "<iframe sandbox=\"\" width=\"%d\" height=\"480\" name=\"",
                      preview_sizes[s].width);
        pt_buf_html_str(out, frame);
        pt_buf_puts(out, "\" title=\"Preview in ");
        pt_buf_html_str(out, language);
        pt_buf_printf(out, ", %s\" srcdoc=\"", preview_sizes[s].label);
        pt_buf_html(out, document.data ? document.data : "", document.length);
        pt_buf_puts(out, "\"></iframe><button type=\"submit\" class=\"preview-button\" "
                         "form=\"campaign-form\" formaction=\"" CAMPAIGNS "/preview\" "
                         "formnovalidate formtarget=\"");
        pt_buf_html_str(out, frame);
        pt_buf_puts(out, "\" name=\"preview_language\" value=\"");
        pt_buf_html_str(out, language);
        pt_buf_puts(out, "\">Preview (");
        pt_buf_html_str(out, language);
        pt_buf_printf(out, ", %s)</button></figure>", preview_sizes[s].name);
    }
    pt_buf_puts(out, "</div></section>");
    pt_buf_dispose(&document);
}

static void put_open_on_article(struct pt_buf *out, const struct pt_dash *dash,
                                const char *existing_id);

static void put_preview_panel(struct pt_buf *out, const struct pt_dash *dash,
                              const struct form_view *view, char (*languages)[PT_LANGUAGE_MAX],
                              size_t language_count, size_t blocks, const char *existing_id)
{
    const struct pt_app *app = dash->app;
    const char *chosen = pt_editor_value(view->fields, view->count, "preview_variant");
    if (chosen == NULL || chosen[0] == '\0')
        chosen = block_id(view, 0);
    pt_buf_puts(out, "<section class=\"campaign-preview\" id=\"campaign-preview\" "
                     "aria-labelledby=\"campaign-preview-title\""
                     " data-preview-url=\"" CAMPAIGNS "/preview\">"
                     "<h2 id=\"campaign-preview-title\">Preview</h2>"
                     "<p class=\"dash-help\">As readers see it, rendered by the same code. It "
                     "follows the form as you type; without script, press a Preview button. "
                     "Buttons in the preview do nothing.</p>"
                     "<div class=\"field\"><label for=\"preview-variant\">Variant</label>"
                     "<select id=\"preview-variant\" name=\"preview_variant\" "
                     "form=\"campaign-form\">");
    for (size_t block = 0; block < blocks; block++) {
        const char *id = block_id(view, block);
        if (id[0] == '\0')
            continue;
        pt_buf_puts(out, "<option value=\"");
        pt_buf_html_str(out, id);
        pt_buf_printf(out, "\"%s>", strcmp(id, chosen) == 0 ? " selected" : "");
        pt_buf_html_str(out, id);
        pt_buf_puts(out, "</option>");
    }
    pt_buf_puts(out, "</select></div>");

    const char *state = pt_editor_value(view->fields, view->count, "status");
    if (existing_id != NULL && state != NULL && strcmp(state, "draft") == 0)
        put_open_on_article(out, dash, existing_id);
    for (size_t l = 0; l < language_count; l++) {
        struct preview preview;
        preview_from_form(&preview, app, view->fields, view->count, languages[l]);
        put_preview_language(out, app, &preview, chosen, languages[l]);
        preview_dispose(&preview);
    }
    if (language_count == 0)
        pt_buf_puts(out, "<p>Name the campaign's languages to see it.</p>");
    /* What the script copies for a language added to the form. */
    struct preview empty;
    memset(&empty, 0, sizeof(empty));
    pt_editor_errors_init(&empty.errors);
    pt_editor_errors_add(&empty.errors, "", "Write this language's text.");
    pt_buf_puts(out, "<template id=\"preview-language-template\">");
    put_preview_language(out, app, &empty, chosen, LANGUAGE_PLACEHOLDER);
    pt_buf_puts(out, "</template>");
    preview_dispose(&empty);
    pt_buf_puts(out, "</section>");
}

/* The groups of the campaign's own fields that most campaigns leave as
 * they are: folded, with what they are about in plain words. */
static const struct {
    const char *legend, *summary;
} folded_groups[] = {
    {"Schedule", "Schedule: when readers see it"},
    {"Where it appears", "Audience: on which articles"},
    {"Who sees it", "Audience: which readers"},
    {"How often", "Frequency: how often a reader sees it"},
    {"A/B test", "A/B test: comparing variants"},
    {"Goal ticker", "Goal ticker: progress shown in the appeal"},
};

/* The goal's sentence in each language of the form (after saving, for a
 * language just added: the script copies variant texts only). */
static void put_goal_texts(struct pt_buf *out, const struct form_view *view)
{
    char languages[PT_CAMPAIGN_LANGUAGES_MAX][PT_LANGUAGE_MAX];
    size_t count =
        pt_editor_languages(view->fields, view->count, languages, PT_CAMPAIGN_LANGUAGES_MAX);
    for (size_t i = 0; i < count; i++) {
        struct pt_editor_spec spec = pt_editor_goal_text_spec;
        char label[PT_LANGUAGE_MAX + 16], name[PT_EDITOR_FIELD_MAX];
        snprintf(label, sizeof(label), "Sentence in %s", languages[i]);
        snprintf(name, sizeof(name), "goal.text.%s", languages[i]);
        spec.label = label;
        put_field(out, view, &spec, name, languages[i], false);
    }
}

/* The campaign's own fields from spec first to the next group's start:
 * how many are filled in and how many have an error. */
static void group_state(const struct form_view *view, size_t first, size_t *filled, size_t *errors)
{
    *filled = 0;
    *errors = 0;
    for (size_t i = first; i < pt_editor_campaign_spec_count; i++) {
        const struct pt_editor_spec *spec = &pt_editor_campaign_specs[i];
        if (i > first && spec->legend != NULL)
            break;
        if (pt_editor_errors_find(view->errors, spec->name) != NULL)
            (*errors)++;
        if (spec->kind != PT_EDITOR_CHOICE && field_filled(view, spec->name))
            (*filled)++;
    }
}

/* The campaign's own fields, a fieldset per group: the first group (or,
 * with first false, the others, each folded in a <details> that opens when
 * one of its fields has an error). */
static void put_campaign_groups(struct pt_buf *out, const struct form_view *view,
                                const char *existing_id, bool first)
{
    size_t group = 0;
    const char *closing = NULL;
    for (size_t i = 0; i < pt_editor_campaign_spec_count; i++) {
        const struct pt_editor_spec *spec = &pt_editor_campaign_specs[i];
        if (spec->legend != NULL)
            group++;
        if (first != (group == 1))
            continue;
        if (spec->legend != NULL) {
            if (closing != NULL)
                pt_buf_puts(out, closing);
            const char *summary = NULL;
            for (size_t g = 0; g < sizeof(folded_groups) / sizeof(folded_groups[0]); g++) {
                if (strcmp(folded_groups[g].legend, spec->legend) == 0)
                    summary = folded_groups[g].summary;
            }
            closing = "</fieldset>";
            if (summary != NULL) {
                size_t filled, errors;
                group_state(view, i, &filled, &errors);
                pt_buf_printf(out, "<details class=\"campaign-fold\"%s><summary>",
                              errors > 0 ? " open" : "");
                pt_buf_html_str(out, summary);
                if (filled > 0)
                    pt_buf_printf(out, " <span class=\"campaign-fold-note\">(%zu filled in)</span>",
                                  filled);
                pt_buf_puts(out, "</summary>");
                closing = "</fieldset></details>";
            }
            pt_buf_puts(out, "<fieldset class=\"campaign-group\"><legend>");
            pt_buf_html_str(out, spec->legend);
            pt_buf_puts(out, "</legend>");
        }
        put_field(out, view, spec, spec->name, NULL,
                  existing_id != NULL && strcmp(spec->name, "id") == 0);
        if (strcmp(spec->name, "goal.threshold") == 0)
            put_goal_texts(out, view);
    }
    if (closing != NULL)
        pt_buf_puts(out, closing);
}

/* "Open on my article" for a stored draft: the article's address, and a
 * button that opens it with a short-lived signed link that shows this
 * campaign there (open_on_article). A GET form: it changes nothing. */
static void put_open_on_article(struct pt_buf *out, const struct pt_dash *dash,
                                const char *existing_id)
{
    pt_buf_puts(out,
                "<form class=\"campaign-open\" method=\"get\" target=\"_blank\" action=\"" CAMPAIGNS
                "/");
    pt_buf_html_str(out, existing_id);
    pt_buf_puts(out, "/open\"><h3>See it on an article</h3><p class=\"dash-help\" "
                     "id=\"open-article-help\">The saved draft, on one of your articles, "
                     "as readers would see it once it is live. The link works for ");
    pt_buf_printf(out, "%d minutes and only shows this campaign.</p>",
                  PT_PREVIEW_LINK_SECONDS / 60);
    pt_buf_puts(out, "<div class=\"field\"><label for=\"open-article\">Article address</label>"
                     "<input type=\"url\" id=\"open-article\" name=\"article\" "
                     "inputmode=\"url\" autocapitalize=\"none\" spellcheck=\"false\" "
                     "aria-describedby=\"open-article-help\" placeholder=\"https://\" value=\"");
    if (dash->app->config->demo_pages) {
        pt_buf_html_str(out, dash->app->catalog_settings.public_url);
        pt_buf_puts(out, "/demo/article-en.html");
    }
    pt_buf_puts(out, "\"></div><button type=\"submit\" class=\"dash-secondary\">Open on my "
                     "article</button></form>");
}

/* The editor page: the form as fields says, errors and warnings beside
 * their fields, the preview beside the form. existing_id is NULL for a new
 * campaign. */
static void editor_page(struct pt_dash *dash, int status, const char *existing_id,
                        const struct form_view *shown, const char *notice, const char *base)
{
    struct pt_buf page;
    pt_buf_init(&page);
    /* The warnings of the form as it stands (they stop nothing). */
    struct pt_editor_errors warnings, unused;
    pt_editor_errors_init(&warnings);
    pt_editor_errors_init(&unused);
    struct pt_editor_form whole;
    pt_editor_form_init(&whole);
    preview_form(&whole, shown->fields, shown->count, NULL);
    json_t *document = NULL;
    pt_editor_check_form(whole.fields, whole.count, &dash->app->catalog_settings, &document,
                         &unused, &warnings);
    json_decref(document);
    pt_editor_form_dispose(&whole);
    struct form_view copy = *shown;
    copy.warnings = &warnings;
    const struct form_view *view = &copy;

    char title[PT_ID_MAX + 32];
    if (existing_id != NULL)
        snprintf(title, sizeof(title), "Campaign %s", existing_id);
    else
        snprintf(title, sizeof(title), "New campaign");
    pt_dash_page_start(&page, dash, "campaigns", title);
    if (notice != NULL)
        pt_dash_notice(&page, "ok", notice);
    /* On a phone the preview comes after the whole form: a way there. */
    pt_buf_puts(&page, "<p class=\"campaign-links\"><a href=\"" CAMPAIGNS "\">All campaigns</a>"
                       "<a class=\"campaign-to-preview\" href=\"#campaign-preview\">Go to the "
                       "preview</a></p>"
                       "<div class=\"campaign-editor\"><form id=\"campaign-form\" "
                       "class=\"campaign-form\" method=\"post\" novalidate action=\"" CAMPAIGNS);
    if (existing_id != NULL) {
        pt_buf_puts(&page, "/");
        pt_buf_html_str(&page, existing_id);
    }
    pt_buf_puts(&page, "\">");
    pt_dash_csrf_field(&page, dash);
    if (existing_id != NULL && base != NULL) {
        /* The version this form was opened on: a save from it is refused if
         * someone else has changed the campaign since. */
        pt_buf_puts(&page, "<input type=\"hidden\" name=\"base\" value=\"");
        pt_buf_html_str(&page, base);
        pt_buf_puts(&page, "\">");
    }
    put_errors(&page, view->errors);
    put_campaign_groups(&page, view, existing_id, true);

    char languages[PT_CAMPAIGN_LANGUAGES_MAX][PT_LANGUAGE_MAX];
    size_t language_count =
        pt_editor_languages(view->fields, view->count, languages, PT_CAMPAIGN_LANGUAGES_MAX);
    size_t blocks = pt_editor_variant_blocks(view->fields, view->count);
    bool has_fresh = false;
    pt_buf_puts(&page, "<h2>Variants: copy and amounts</h2>");
    for (size_t block = 0; block < blocks; block++) {
        bool fresh = block_id(view, block)[0] == '\0' && block > 0;
        has_fresh = has_fresh || fresh;
        put_variant(&page, view, block, languages, language_count, fresh);
    }
    if (blocks == 0)
        put_variant(&page, view, blocks++, languages, language_count, false);
    else if (!has_fresh && blocks < PT_CAMPAIGN_VARIANTS_MAX)
        put_variant(&page, view, blocks++, languages, language_count, true);
    pt_buf_puts(&page, "<h2>Audience, schedule, frequency and test</h2><p class=\"dash-help\">"
                       "Open a part to change it; left as they are, the campaign is shown on "
                       "every article, to readers who do not support you yet, at most 4 times "
                       "in 30 days.</p>");
    put_campaign_groups(&page, view, existing_id, false);
    pt_buf_puts(&page, "<div class=\"campaign-save\"><button type=\"submit\">");
    pt_buf_puts(&page, existing_id != NULL ? "Save" : "Create the campaign");
    pt_buf_puts(&page, "</button></div></form>");

    put_preview_panel(&page, dash, view, languages, language_count, blocks, existing_id);
    pt_buf_puts(&page, "</div>");
    pt_dash_page_end(&page);
    pt_dash_send(dash, status, &page);
    pt_buf_dispose(&page);
    pt_editor_errors_dispose(&warnings);
    pt_editor_errors_dispose(&unused);
}

/* ------------------------------------------------------------ pages */

static const char new_campaign[] =
    "{\"status\":\"draft\",\"cohort\":\"non_supporters\",\"languages\":[\"en\"],"
    "\"variants\":[{\"id\":\"a\",\"text\":{\"en\":{}}}]}";

/* The editor showing a document: a stored campaign, or the new one's
 * starting point. */
static void show_document(struct pt_dash *dash, const char *existing_id, const json_t *document,
                          const char *notice, const char *version)
{
    struct pt_editor_form form;
    pt_editor_form_init(&form);
    pt_editor_form_from_document(document, &dash->app->catalog_settings, &form);
    struct pt_editor_errors none;
    pt_editor_errors_init(&none);
    struct form_view view = {form.fields, form.count, &none, NULL};
    editor_page(dash, 200, existing_id, &view, notice, version);
    pt_editor_errors_dispose(&none);
    pt_editor_form_dispose(&form);
}

static void new_page(struct pt_dash *dash)
{
    json_t *document = json_loads(new_campaign, 0, NULL);
    show_document(dash, NULL, document, NULL, NULL);
    json_decref(document);
}

static void edit_page(struct pt_dash *dash, const char *id)
{
    char version[PT_ADMIN_VERSION_CHARS + 1];
    json_t *document = stored_or_answer(dash, id, version);
    if (document == NULL)
        return;
    show_document(dash, id, document, notice_text(pt_http_query(dash->request, "notice")), version);
    json_decref(document);
}

/* The campaign's languages that no text field of the posted form is for,
 * when some are: typed into Languages in a browser without script, so the
 * form never showed their boxes. Written into added, as a list for a
 * sentence; returns how many. */
static size_t unshown_languages(const struct pt_form_field *fields, size_t count,
                                struct pt_buf *added)
{
    char languages[PT_CAMPAIGN_LANGUAGES_MAX][PT_LANGUAGE_MAX];
    size_t language_count =
        pt_editor_languages(fields, count, languages, PT_CAMPAIGN_LANGUAGES_MAX);
    size_t found = 0;
    bool any_shown = false;
    for (size_t l = 0; l < language_count; l++) {
        bool shown = false;
        for (size_t i = 0; i < count && !shown; i++) {
            size_t length = 0;
            const char *tag = text_language(fields[i].name, &length);
            shown = tag != NULL && strlen(languages[l]) == length &&
                    strncasecmp(tag, languages[l], length) == 0;
        }
        if (shown) {
            any_shown = true;
            continue;
        }
        pt_buf_puts(added, found > 0 ? ", " : "");
        pt_buf_puts(added, languages[l]);
        found++;
    }
    /* A form with no text at all is not the editor's (a script's): its
     * errors say what is missing. */
    return any_shown ? found : 0;
}

/* Creates (existing_id NULL) or saves a campaign from the posted form. What
 * does not convert or does not build with the rest comes back as the editor
 * typed it, with the errors, and nothing is stored. */
static void save(struct pt_dash *dash, const char *existing_id)
{
    struct pt_request *request = dash->request;
    struct pt_editor_errors errors;
    pt_editor_errors_init(&errors);
    json_t *document = NULL;
    enum pt_status status = PT_OK;
    /* An edit changes the version its form was opened on (a form without
     * one, from a script, changes whatever is stored); a create changes
     * nothing that exists. */
    const char *base = pt_http_form(request, "base");
    const char *expected = existing_id != NULL ? base : "";
    int status_code = 422;
    if (existing_id != NULL) {
        char *stored = NULL;
        status = pt_store_campaign_get(dash->app->store, existing_id, &stored);
        free(stored);
        if (status) {
            answer_unreadable(dash, status);
            goto out;
        }
    }
    /* A language just added has no text yet: the form comes back with its
     * boxes to fill in, which is not a failure. */
    struct pt_buf added;
    pt_buf_init(&added);
    if (unshown_languages(request->form, request->form_count, &added) > 0) {
        char notice[400];
        snprintf(notice, sizeof(notice),
                 "Languages added: %s. Write each variant's text in them below, then %s. "
                 "Nothing is saved yet.",
                 added.data, existing_id != NULL ? "save" : "create the campaign");
        pt_buf_dispose(&added);
        struct form_view view = {request->form, request->form_count, &errors, NULL};
        editor_page(dash, 200, existing_id, &view, notice, base);
        goto out;
    }
    pt_buf_dispose(&added);
    if (pt_editor_document_from_form(request->form, request->form_count,
                                     &dash->app->catalog_settings, &document, &errors) == PT_OK) {
        const char *id = json_string_value(json_object_get(document, "id"));
        if (existing_id != NULL && strcmp(id, existing_id) != 0) {
            pt_editor_errors_add(&errors, "id",
                                 "The id cannot change; duplicate the campaign to get one with "
                                 "another id.");
        } else if (existing_id == NULL && (strcmp(id, "new") == 0 || strcmp(id, "preview") == 0)) {
            pt_editor_errors_add(&errors, "id",
                                 "The dashboard uses \"%s\" for a page of its own; "
                                 "choose another id.",
                                 id);
        }
        if (errors.count == 0) {
            char problem[512];
            status = pt_admin_change_campaign(dash->app, id, document, expected, problem,
                                              sizeof(problem));
            if (status != PT_OK && status != PT_ERR_INVALID && status != PT_ERR_CONFLICT) {
                pt_dash_error(dash, 503, problem);
                goto out;
            }
            if (status == PT_ERR_CONFLICT && existing_id == NULL) {
                pt_editor_errors_add(&errors, "id",
                                     "A campaign called %s exists; choose another id, or edit "
                                     "that one.",
                                     id);
            } else if (status == PT_ERR_CONFLICT) {
                status_code = 409;
                pt_editor_errors_add(&errors, "",
                                     "%s Your changes are still in this form: open the campaign "
                                     "again in another tab, compare, and save from there.",
                                     problem);
            } else if (status) {
                pt_editor_errors_add(&errors, "", "The campaigns would not work together: %s",
                                     problem);
            } else {
                audit(dash, existing_id ? "campaign_saved" : "campaign_created", id);
                char location[PT_ID_MAX + 64];
                snprintf(location, sizeof(location), CAMPAIGNS "/%s?notice=%s", id,
                         existing_id ? "saved" : "created");
                pt_dash_redirect(dash, location);
                goto out;
            }
        }
    }
    struct form_view view = {request->form, request->form_count, &errors, NULL};
    editor_page(dash, status_code, existing_id, &view, NULL, base);
out:
    json_decref(document);
    pt_editor_errors_dispose(&errors);
}

/* The list again, saying why a change from it was refused. */
static void refused(struct pt_dash *dash, enum pt_status status, const char *what,
                    const char *problem)
{
    char message[700];
    snprintf(message, sizeof(message), "%s %s", what, problem);
    list_page(dash,
              status == PT_ERR_CONFLICT  ? 409
              : status == PT_ERR_INVALID ? 422
                                         : 503,
              "error", message);
}

static void set_status(struct pt_dash *dash, const char *id, const char *state)
{
    char problem[512];
    enum pt_status status = pt_admin_set_status(dash->app, id, state, problem, sizeof(problem));
    if (status == PT_ERR_NOT_FOUND) {
        answer_unreadable(dash, status);
        return;
    }
    if (status) {
        refused(dash, status, "Nothing was changed.", problem);
        return;
    }
    char action[32];
    snprintf(action, sizeof(action), "campaign_%s", state);
    audit(dash, action, id);
    char location[PT_ID_MAX + 64];
    snprintf(location, sizeof(location), CAMPAIGNS "?notice=%s&campaign=%s", state, id);
    pt_dash_redirect(dash, location);
}

/* "ID-copy", then "ID-copy-2", ...: the first id no campaign has, with the
 * original's id shortened when the suffix would not fit. */
static enum pt_status copy_id(struct pt_app *app, const char *id, char out[PT_ID_MAX])
{
    for (int n = 1; n < 1000; n++) {
        char suffix[16];
        if (n == 1)
            snprintf(suffix, sizeof(suffix), "-copy");
        else
            snprintf(suffix, sizeof(suffix), "-copy-%d", n);
        int keep = (int)(PT_ID_MAX - 1 - strlen(suffix));
        snprintf(out, PT_ID_MAX, "%.*s%s", keep, id, suffix);
        char *existing = NULL;
        enum pt_status status = pt_store_campaign_get(app->store, out, &existing);
        free(existing);
        if (status == PT_ERR_NOT_FOUND)
            return PT_OK;
        if (status)
            return status;
    }
    return PT_ERR_CONFLICT;
}

static void duplicate(struct pt_dash *dash, const char *id)
{
    json_t *document = stored_or_answer(dash, id, NULL);
    if (document == NULL)
        return;
    enum pt_status status;
    char copy[PT_ID_MAX];
    char problem[512] = "";
    status = copy_id(dash->app, id, copy);
    if (status == PT_OK) {
        json_object_set_new(document, "id", json_string(copy));
        json_object_set_new(document, "status", json_string("draft"));
        const json_t *name = json_object_get(document, "name");
        if (json_is_string(name)) {
            char named[260];
            snprintf(named, sizeof(named), "%.190s (copy)", json_string_value(name));
            if (pt_utf8_valid(named, strlen(named)))
                json_object_set_new(document, "name", json_string(named));
        }
        status = pt_admin_change_campaign(dash->app, copy, document, "", problem, sizeof(problem));
    }
    json_decref(document);
    if (status) {
        refused(dash, status, "The campaign was not copied.", problem);
        return;
    }
    char detail[2 * PT_ID_MAX + 8];
    snprintf(detail, sizeof(detail), "%s -> %s", id, copy);
    audit(dash, "campaign_duplicated", detail);
    char location[PT_ID_MAX + 64];
    snprintf(location, sizeof(location), CAMPAIGNS "/%s?notice=duplicated", copy);
    pt_dash_redirect(dash, location);
}

/* errors as JSON: [{"field": NAME, "id": the input's element id,
 * "message": TEXT}, ...]. */
static json_t *errors_json(const struct pt_editor_errors *errors)
{
    json_t *list = json_array();
    struct pt_buf id;
    pt_buf_init(&id);
    for (size_t i = 0; i < errors->count; i++) {
        pt_buf_reset(&id);
        pt_buf_puts(&id, "f-");
        for (const char *p = errors->items[i].field; *p; p++)
            pt_buf_printf(&id, "%c", *p == '.' ? '-' : *p);
        json_array_append_new(list, json_pack("{s:s, s:s, s:s}", "field", errors->items[i].field,
                                              "id", id.data, "message", errors->items[i].message));
    }
    pt_buf_dispose(&id);
    return list;
}

/* What the script needs to keep the form's notes current as the editor
 * types: the errors of the whole form (so that those put right go away)
 * and the warnings. Nothing is stored. */
static void check_posted(struct pt_dash *dash)
{
    struct pt_request *request = dash->request;
    struct pt_editor_errors errors, warnings;
    pt_editor_errors_init(&errors);
    pt_editor_errors_init(&warnings);
    /* The form as posted, not as the preview reads it: a missing id is an
     * error to keep showing, not a gap for the preview to fill. */
    json_t *document = NULL;
    pt_editor_check_form(request->form, request->form_count, &dash->app->catalog_settings,
                         &document, &errors, &warnings);
    json_decref(document);
    json_t *answer =
        json_pack("{s:o, s:o}", "errors", errors_json(&errors), "warnings", errors_json(&warnings));
    char *text = json_dumps(answer, JSON_COMPACT);
    pt_response_text(request, dash->response, 200, "application/json", text, strlen(text));
    pt_response_header(dash->response, "Cache-Control", "no-store");
    pt_json_free(text);
    json_decref(answer);
    pt_editor_errors_dispose(&errors);
    pt_editor_errors_dispose(&warnings);
}

/* The preview of the posted (unsaved) form in one language; with
 * answer=check, its notes instead (check_posted). */
static void preview_posted(struct pt_dash *dash)
{
    struct pt_request *request = dash->request;
    const char *answer = pt_http_form(request, "answer");
    if (answer != NULL && strcmp(answer, "check") == 0) {
        check_posted(dash);
        return;
    }
    struct preview preview;
    preview_from_form(&preview, dash->app, request->form, request->form_count,
                      pt_http_form(request, "preview_language"));
    send_preview(dash, &preview, pt_http_form(request, "preview_variant"),
                 pt_http_form(request, "preview_language"));
    preview_dispose(&preview);
}

/* The preview of the stored campaign, for a link or a frame's src. */
static void preview_stored(struct pt_dash *dash, const char *id)
{
    char *text = NULL;
    enum pt_status status = pt_store_campaign_get(dash->app->store, id, &text);
    if (status) {
        answer_unreadable(dash, status);
        return;
    }
    struct preview preview;
    memset(&preview, 0, sizeof(preview));
    pt_editor_errors_init(&preview.errors);
    preview_from_text(&preview, dash->app, text);
    send_preview(dash, &preview, pt_http_query(dash->request, "variant"),
                 pt_http_query(dash->request, "lang"));
    preview_dispose(&preview);
    free(text);
}

/* ------------------------------------------------ "Open on my article" */

/* An article's address patron may send the editor to: http or https, no
 * spaces or control characters, of a length a browser takes. */
static bool article_address(const char *text)
{
    if (text == NULL || strlen(text) > 2000 ||
        (strncmp(text, "https://", 8) != 0 && strncmp(text, "http://", 7) != 0))
        return false;
    for (const char *p = text; *p; p++) {
        if ((unsigned char)*p <= 0x20 || *p == 0x7f)
            return false;
    }
    return true;
}

/* Opens the article with the stored campaign shown on it, draft or not:
 * the article's own address with patron_preview (a signed token that
 * shows this campaign, valid PT_PREVIEW_LINK_SECONDS) and
 * patron_force (the variant), which the widget passes on. The admin token
 * never leaves the server. */
static void open_on_article(struct pt_dash *dash, const char *id)
{
    json_t *document = stored_or_answer(dash, id, NULL);
    if (document == NULL)
        return;
    const char *article = pt_http_query(dash->request, "article");
    if (!article_address(article)) {
        json_decref(document);
        pt_dash_error(dash, 400,
                      "Type the address of one of your articles, starting with https://, to "
                      "see the campaign on it.");
        return;
    }
    const json_t *variants = json_object_get(document, "variants");
    const char *variant = pt_http_query(dash->request, "variant");
    bool known = false;
    size_t index;
    const json_t *item;
    json_array_foreach(variants, index, item) known =
        known || (variant != NULL && strcmp(string_of(item, "id", ""), variant) == 0);
    if (!known)
        variant = string_of(json_array_get(variants, 0), "id", "a");
    char token[PT_PREVIEW_TOKEN_MAX];
    pt_preview_token(&dash->app->crypto, id, pt_app_now(dash->app) + PT_PREVIEW_LINK_SECONDS,
                     token);
    /* The options go before the address's fragment, if it has one. */
    size_t before = strcspn(article, "#");
    struct pt_buf location;
    pt_buf_init(&location);
    pt_buf_printf(&location, "%.*s%spatron_preview=%s&patron_force=%s:%s", (int)before, article,
                  memchr(article, '?', before) != NULL ? "&" : "?", token, id, variant);
    pt_buf_puts(&location, article + before);
    audit(dash, "campaign_preview_link", id);
    pt_dash_redirect(dash, location.data);
    pt_buf_dispose(&location);
    json_decref(document);
}

/* "End" asks first: ending stops the campaign for every reader at once. */
static void confirm_end(struct pt_dash *dash, const char *id)
{
    json_t *document = stored_or_answer(dash, id, NULL);
    if (document == NULL)
        return;
    const char *name = string_of(document, "name", id);
    struct pt_buf page;
    pt_buf_init(&page);
    pt_dash_page_start(&page, dash, "campaigns", "End the campaign?");
    pt_buf_puts(&page, "<p>Readers will no longer see <strong>");
    pt_buf_html_str(&page, name);
    pt_buf_puts(&page, "</strong> (<code>");
    pt_buf_html_str(&page, id);
    pt_buf_puts(&page, "</code>). Its reports stay; you can set it live again later.</p>");
    put_form_start(&page, dash, "end", id);
    pt_buf_puts(&page, "<button type=\"submit\" class=\"dash-danger\">End the campaign</button>"
                       "</form> <a href=\"" CAMPAIGNS "\">Keep it running</a>");
    pt_dash_page_end(&page);
    pt_dash_send(dash, 200, &page);
    pt_buf_dispose(&page);
    json_decref(document);
}

/* ------------------------------------------------------------ routing */

static bool method_is(struct pt_dash *dash, enum pt_method method)
{
    enum pt_method asked =
        dash->request->method == PT_METHOD_HEAD ? PT_METHOD_GET : dash->request->method;
    if (asked == method)
        return true;
    pt_dash_error(dash, 405,
                  method == PT_METHOD_POST ? "This address takes a form's button, not a link."
                                           : "This address is a page to open, not a form.");
    pt_response_header(dash->response, "Allow", method == PT_METHOD_POST ? "POST" : "GET, HEAD");
    return false;
}

void pt_dash_campaigns(struct pt_dash *dash)
{
    const char *rest = dash->rest;
    bool post = dash->request->method == PT_METHOD_POST;
    if (rest[0] == '\0' || strcmp(rest, "/") == 0) {
        if (post) {
            save(dash, NULL);
            return;
        }
        /* "spring: The campaign is live." for a redirect after a change. */
        const char *text = notice_text(pt_http_query(dash->request, "notice"));
        const char *campaign = pt_http_query(dash->request, "campaign");
        char notice[PT_ID_MAX + 160];
        if (text != NULL && pt_catalog_is_id(campaign))
            snprintf(notice, sizeof(notice), "%s: %s", campaign, text);
        else if (text != NULL)
            snprintf(notice, sizeof(notice), "%s", text);
        list_page(dash, 200, "ok", text != NULL ? notice : NULL);
        return;
    }
    if (rest[0] != '/') {
        pt_dash_error(dash, 404, "There is no such page.");
        return;
    }
    rest++;
    if (strcmp(rest, "new") == 0) {
        if (method_is(dash, PT_METHOD_GET))
            new_page(dash);
        return;
    }
    if (strcmp(rest, "preview") == 0) {
        if (method_is(dash, PT_METHOD_POST))
            preview_posted(dash);
        return;
    }
    const char *slash = strchr(rest, '/');
    size_t length = slash ? (size_t)(slash - rest) : strlen(rest);
    char id[PT_ID_MAX];
    if (length == 0 || length >= PT_ID_MAX) {
        pt_dash_error(dash, 404, "There is no campaign with that id.");
        return;
    }
    memcpy(id, rest, length);
    id[length] = '\0';
    if (!pt_catalog_is_id(id)) {
        pt_dash_error(dash, 404, "There is no campaign with that id.");
        return;
    }
    const char *action = slash ? slash + 1 : "";
    if (action[0] == '\0') {
        if (post)
            save(dash, id);
        else if (method_is(dash, PT_METHOD_GET))
            edit_page(dash, id);
        return;
    }
    if (strcmp(action, "preview") == 0) {
        if (method_is(dash, PT_METHOD_GET))
            preview_stored(dash, id);
        return;
    }
    if (strcmp(action, "open") == 0) {
        if (method_is(dash, PT_METHOD_GET))
            open_on_article(dash, id);
        return;
    }
    if (strcmp(action, "end") == 0 && !post) {
        if (method_is(dash, PT_METHOD_GET))
            confirm_end(dash, id);
        return;
    }
    static const struct {
        const char *action, *state;
    } changes[] = {
        {"live", "live"},
        {"end", "ended"},
        {"draft", "draft"},
    };
    for (size_t i = 0; i < sizeof(changes) / sizeof(changes[0]); i++) {
        if (strcmp(action, changes[i].action) == 0) {
            if (method_is(dash, PT_METHOD_POST))
                set_status(dash, id, changes[i].state);
            return;
        }
    }
    if (strcmp(action, "duplicate") == 0) {
        if (method_is(dash, PT_METHOD_POST))
            duplicate(dash, id);
        return;
    }
    pt_dash_error(dash, 404, "There is no such page.");
}
