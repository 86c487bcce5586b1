#include "patron/render.h"

#include <cmark.h>
#include <stdlib.h>
#include <string.h>

#include "patron/i18n.h"

/* The first node in the tree that is unfit, or NULL. */
static cmark_node *first_unfit(cmark_node *document, bool (*unfit)(cmark_node *))
{
    cmark_iter *iter = cmark_iter_new(document);
    cmark_node *found = NULL;
    cmark_event_type event;
    while (found == NULL && (event = cmark_iter_next(iter)) != CMARK_EVENT_DONE) {
        cmark_node *node = cmark_iter_get_node(iter);
        if (event == CMARK_EVENT_ENTER && unfit(node))
            found = node;
    }
    cmark_iter_free(iter);
    return found;
}

void pt_render_markdown_unwrap(cmark_node *document, bool (*unfit)(cmark_node *))
{
    /* A node freed under an iterator would leave it pointing nowhere: each
     * removal starts a new walk (bodies are at most 4,000 bytes). */
    cmark_node *found;
    while ((found = first_unfit(document, unfit)) != NULL) {
        cmark_node *child;
        while ((child = cmark_node_first_child(found)) != NULL)
            cmark_node_insert_before(found, child);
        cmark_node_free(found);
    }
}

static bool is_image(cmark_node *node)
{
    return cmark_node_get_type(node) == CMARK_NODE_IMAGE;
}

void pt_render_markdown(struct pt_buf *out, const char *markdown)
{
    cmark_node *document = cmark_parse_document(markdown, strlen(markdown), CMARK_OPT_DEFAULT);
    if (document == NULL)
        return;
    /* An image would be fetched from wherever it points by every reader who
     * sees the appeal: a third-party request from the reader's page. Keep
     * its description as text instead. */
    pt_render_markdown_unwrap(document, is_image);
    /* CMARK_OPT_DEFAULT leaves CMARK_OPT_UNSAFE off: raw HTML becomes a
     * comment and javascript: links are emptied. */
    char *html = cmark_render_html(document, CMARK_OPT_DEFAULT);
    cmark_node_free(document);
    if (html != NULL) {
        pt_buf_puts(out, html);
        free(html);
    }
}

static void hidden(struct pt_buf *out, const char *name, const char *value)
{
    pt_buf_printf(out, "<input type=\"hidden\" name=\"%s\" value=\"", name);
    pt_buf_html_str(out, value);
    pt_buf_puts(out, "\">");
}

static void identity_fields(struct pt_buf *out, const char *campaign_id, const char *variant_id,
                            const char *language)
{
    hidden(out, "campaign", campaign_id);
    hidden(out, "variant", variant_id);
    hidden(out, "lang", language);
}

static const char *label_or(const char *label, enum pt_lang lang, enum pt_msg msg)
{
    return label != NULL ? label : pt_i18n_text(msg, lang);
}

void pt_render_amounts(struct pt_buf *out, const char *class_name, enum pt_frequency frequency,
                       const struct pt_amount_ladder *ladder, int64_t chosen, bool other_chosen,
                       const struct pt_currency *currency, const char *language)
{
    enum pt_lang lang = pt_i18n_lang(language);
    const char *name = pt_frequency_name(frequency);
    pt_buf_printf(out, "<fieldset class=\"%s\" data-frequency=\"%s\"><legend>", class_name, name);
    pt_buf_html_str(out, pt_i18n_text(PT_MSG_PAGE_AMOUNT, lang));
    pt_buf_puts(out, "</legend>");
    for (size_t i = 0; i < ladder->count; i++) {
        pt_buf_printf(out, "<label><input type=\"radio\" name=\"amount_%s\" value=\"", name);
        pt_money_format_plain(out, ladder->presets[i], currency);
        pt_buf_printf(out, "\"%s> ",
                      !other_chosen && ladder->presets[i] == chosen ? " checked" : "");
        struct pt_buf shown;
        pt_buf_init(&shown);
        pt_money_format_in(&shown, ladder->presets[i], currency, language);
        pt_buf_html(out, shown.data, shown.length);
        pt_buf_dispose(&shown);
        pt_buf_puts(out, "</label>");
    }
    pt_buf_printf(out, "<label><input type=\"radio\" name=\"amount_%s\" value=\"other\"%s> ",
                  name, other_chosen ? " checked" : "");
    pt_buf_html_str(out, pt_i18n_text(PT_MSG_PAGE_OTHER, lang));
    pt_buf_puts(out, "</label></fieldset>");
}

/* The appeal's menu: what this device keeps (docs/PRIVACY.md). Hidden
 * until the widget shows it: the no-script frame keeps nothing anyway. The
 * words of both states are here; a class the widget sets on the section
 * shows the one that holds. */
static void render_trace_menu(struct pt_buf *out, enum pt_lang lang)
{
    pt_buf_puts(out, "<details class=\"patron-trace\" hidden><summary title=\"");
    pt_buf_html_str(out, pt_i18n_text(PT_MSG_TRACE_MENU, lang));
    pt_buf_puts(out, "\" aria-label=\"");
    pt_buf_html_str(out, pt_i18n_text(PT_MSG_TRACE_MENU, lang));
    pt_buf_puts(out, "\">⋯</summary><div class=\"patron-trace-panel\"><p class=\"patron-keeps\">");
    pt_buf_html_str(out, pt_i18n_text(PT_MSG_TRACE_EXPLAIN, lang));
    pt_buf_puts(out, "</p><p class=\"patron-keeps-nothing\" role=\"status\" tabindex=\"-1\">");
    pt_buf_html_str(out, pt_i18n_text(PT_MSG_TRACE_NOTHING, lang));
    pt_buf_puts(out, " <span class=\"patron-forgotten\">");
    pt_buf_html_str(out, pt_i18n_text(PT_MSG_TRACE_FORGOTTEN, lang));
    pt_buf_puts(out, "</span></p>");
    static const struct {
        const char *choice;
        enum pt_msg label;
    } choices[] = {{"remember", PT_MSG_TRACE_REMEMBER},
                   {"forget", PT_MSG_TRACE_FORGET},
                   {"keep", PT_MSG_TRACE_KEEP}};
    for (size_t i = 0; i < sizeof(choices) / sizeof(choices[0]); i++) {
        pt_buf_printf(out, "<button type=\"button\" data-patron-trace=\"%s\">", choices[i].choice);
        pt_buf_html_str(out, pt_i18n_text(choices[i].label, lang));
        pt_buf_puts(out, "</button>");
    }
    pt_buf_puts(out, "</div></details>");
}

void pt_render_appeal(struct pt_buf *out, const char *campaign_id, const char *variant_id,
                      const char *language, const struct pt_appeal_content *content,
                      const char *public_url)
{
    enum pt_lang lang = pt_i18n_lang(language);
    pt_buf_puts(out, "<section class=\"patron-appeal\" role=\"region\" aria-labelledby=\"patron-h-");
    pt_buf_html_str(out, campaign_id);
    pt_buf_puts(out, "-");
    pt_buf_html_str(out, variant_id);
    pt_buf_puts(out, "\" lang=\"");
    pt_buf_html_str(out, language);
    pt_buf_puts(out, "\" data-campaign=\"");
    pt_buf_html_str(out, campaign_id);
    pt_buf_puts(out, "\" data-variant=\"");
    pt_buf_html_str(out, variant_id);
    /* The words the widget draws itself (the reminder form after "Remind
     * me later"), so that widget.js carries no text and stays small. */
    pt_buf_puts(out, "\" data-patron-remind=\"");
    static const enum pt_msg remind[] = {PT_MSG_REMIND_FORM_INTRO, PT_MSG_REMIND_FORM_EMAIL,
                                         PT_MSG_REMIND_FORM_MONTH, PT_MSG_REMIND_FORM_BUTTON,
                                         PT_MSG_REMIND_DONE,       PT_MSG_REMIND_FAILED};
    for (size_t i = 0; i < sizeof(remind) / sizeof(remind[0]); i++) {
        if (i > 0)
            pt_buf_puts(out, "|");
        pt_buf_html_str(out, pt_i18n_text(remind[i], lang));
    }
    pt_buf_puts(out, "\">");

    pt_buf_puts(out, "<form class=\"patron-dismiss\" method=\"post\" action=\"");
    pt_buf_html_str(out, public_url);
    pt_buf_puts(out, "/embed/dismiss\">");
    identity_fields(out, campaign_id, variant_id, language);
    pt_buf_puts(out, "<button class=\"patron-close\" type=\"submit\" name=\"reason\" "
                     "value=\"close\" aria-label=\"");
    pt_buf_html_str(out, pt_i18n_text(PT_MSG_PAGE_CLOSE, lang));
    pt_buf_puts(out, "\" data-patron-action=\"close\" data-patron-done=\"");
    pt_buf_html_str(out, pt_i18n_text(PT_MSG_PAGE_CLOSED, lang));
    pt_buf_puts(out, "\">×</button></form>");
    render_trace_menu(out, lang);

    /* The heading carries the region's name even when the editor wrote none. */
    pt_buf_puts(out, "<h2 class=\"patron-headline\" id=\"patron-h-");
    pt_buf_html_str(out, campaign_id);
    pt_buf_puts(out, "-");
    pt_buf_html_str(out, variant_id);
    pt_buf_puts(out, "\">");
    if (content->headline != NULL && content->headline[0] != '\0')
        pt_buf_html_str(out, content->headline);
    else
        pt_buf_html_str(out, pt_i18n_text(PT_MSG_PAGE_REGION_LABEL, lang));
    pt_buf_puts(out, "</h2>");

    if (content->body_markdown != NULL && content->body_markdown[0] != '\0') {
        pt_buf_puts(out, "<div class=\"patron-body\">");
        pt_render_markdown(out, content->body_markdown);
        pt_buf_puts(out, "</div>");
    }

    /* The goal ticker: a real progress element named by its sentence, so
     * that it works without script and a screen reader says both. Its
     * height is fixed by appeal.css, part of the fragment from the start. */
    if (content->ticker != NULL) {
        pt_buf_puts(out, "<div class=\"patron-ticker\"><label class=\"patron-ticker-text\" "
                         "for=\"patron-g-");
        pt_buf_html_str(out, campaign_id);
        pt_buf_puts(out, "-");
        pt_buf_html_str(out, variant_id);
        pt_buf_puts(out, "\">");
        pt_buf_html_str(out, content->ticker->text);
        pt_buf_puts(out, "</label><progress id=\"patron-g-");
        pt_buf_html_str(out, campaign_id);
        pt_buf_puts(out, "-");
        pt_buf_html_str(out, variant_id);
        pt_buf_printf(out, "\" max=\"%lld\" value=\"%lld\"></progress></div>",
                      (long long)content->ticker->max, (long long)content->ticker->value);
    }

    /* A POST: when the reader picked one of the amounts shown, the support
     * page goes straight on to the processor's checkout. */
    pt_buf_puts(out, "<form class=\"patron-form\" method=\"post\" action=\"");
    pt_buf_html_str(out, public_url);
    pt_buf_puts(out, "/support\" target=\"_top\">");
    identity_fields(out, campaign_id, variant_id, language);
    hidden(out, "currency", content->currency->code);

    static const struct {
        enum pt_frequency frequency;
        enum pt_msg phrase;
    } frequencies[] = {
        {PT_FREQUENCY_MONTHLY, PT_MSG_PAGE_MONTHLY},
        {PT_FREQUENCY_ONE_OFF, PT_MSG_PAGE_ONE_OFF},
        {PT_FREQUENCY_ANNUAL, PT_MSG_PAGE_ANNUAL},
    };
    size_t offered = 0;
    for (size_t i = 0; i < 3; i++)
        offered += (content->frequencies >> frequencies[i].frequency) & 1u;
    if (offered > 1) {
        pt_buf_puts(out, "<fieldset class=\"patron-frequency\"><legend>");
        pt_buf_html_str(out, pt_i18n_text(PT_MSG_PAGE_HOW_OFTEN, lang));
        pt_buf_puts(out, "</legend>");
        for (size_t i = 0; i < 3; i++) {
            if (!((content->frequencies >> frequencies[i].frequency) & 1u))
                continue;
            pt_buf_printf(out, "<label><input type=\"radio\" name=\"frequency\" value=\"%s\"%s> ",
                          pt_frequency_name(frequencies[i].frequency),
                          frequencies[i].frequency == content->default_frequency ? " checked"
                                                                                 : "");
            pt_buf_html_str(out, pt_i18n_text(frequencies[i].phrase, lang));
            pt_buf_puts(out, "</label>");
        }
        pt_buf_puts(out, "</fieldset>");
    } else {
        hidden(out, "frequency", pt_frequency_name(content->default_frequency));
    }

    /* One ladder per frequency; the stylesheet shows the one whose
     * frequency is checked, so it works without script too. */
    for (size_t i = 0; i < 3; i++) {
        enum pt_frequency frequency = frequencies[i].frequency;
        if (!((content->frequencies >> frequency) & 1u) || content->ladders[frequency].count == 0)
            continue;
        pt_render_amounts(out, "patron-amounts", frequency, &content->ladders[frequency],
                          content->ladders[frequency].default_amount, false, content->currency,
                          language);
    }
    pt_buf_puts(out, "<button class=\"patron-support\" type=\"submit\" "
                     "data-patron-action=\"support\">");
    pt_buf_html_str(out, label_or(content->support_label, lang, PT_MSG_PAGE_SUPPORT));
    pt_buf_puts(out, "</button></form>");

    const char *later = label_or(content->later_label, lang, PT_MSG_PAGE_LATER);
    const char *supporting = label_or(content->supporting_label, lang, PT_MSG_PAGE_SUPPORTING);
    if (later[0] != '\0' || supporting[0] != '\0') {
        pt_buf_puts(out, "<form class=\"patron-actions\" method=\"post\" action=\"");
        pt_buf_html_str(out, public_url);
        pt_buf_puts(out, "/embed/dismiss\">");
        identity_fields(out, campaign_id, variant_id, language);
        if (later[0] != '\0') {
            pt_buf_puts(out, "<button type=\"submit\" name=\"reason\" value=\"later\" "
                             "data-patron-action=\"later\" data-patron-done=\"");
            pt_buf_html_str(out, pt_i18n_text(PT_MSG_PAGE_DISMISSED, lang));
            pt_buf_puts(out, "\">");
            pt_buf_html_str(out, later);
            pt_buf_puts(out, "</button>");
        }
        if (supporting[0] != '\0') {
            pt_buf_puts(out, "<button type=\"submit\" name=\"reason\" value=\"supporting\" "
                             "data-patron-action=\"supporting\" data-patron-done=\"");
            pt_buf_html_str(out, pt_i18n_text(PT_MSG_PAGE_THANKS_SUPPORTING, lang));
            pt_buf_puts(out, "\">");
            pt_buf_html_str(out, supporting);
            pt_buf_puts(out, "</button>");
        }
        pt_buf_puts(out, "</form>");
    }
    pt_buf_puts(out, "</section>");
}

void pt_render_embed_document(struct pt_buf *out, const char *language, const char *fragment,
                              const char *public_url)
{
    enum pt_lang lang = pt_i18n_lang(language);
    pt_buf_puts(out, "<!doctype html><html lang=\"");
    pt_buf_html_str(out, language);
    pt_buf_puts(out, "\"><head><meta charset=\"utf-8\">"
                     "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
                     "<meta name=\"referrer\" content=\"no-referrer\"><title>");
    pt_buf_html_str(out, pt_i18n_text(PT_MSG_PAGE_REGION_LABEL, lang));
    pt_buf_puts(out, "</title><link rel=\"stylesheet\" href=\"");
    pt_buf_html_str(out, public_url);
    pt_buf_puts(out, "/appeal.css\"></head><body class=\"patron-embed\">");
    pt_buf_puts(out, fragment);
    pt_buf_puts(out, "</body></html>\n");
}

void pt_render_page_start(struct pt_buf *out, const char *language, const char *title)
{
    pt_buf_puts(out, "<!doctype html><html lang=\"");
    pt_buf_html_str(out, language);
    pt_buf_puts(out, "\"><head><meta charset=\"utf-8\">"
                     "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
                     "<meta name=\"referrer\" content=\"no-referrer\"><title>");
    pt_buf_html_str(out, title);
    pt_buf_puts(out, "</title><link rel=\"stylesheet\" href=\"/page.css\">"
                     "<link rel=\"stylesheet\" href=\"/brand.css\"></head>"
                     "<body class=\"patron-page\"><main>");
}

void pt_render_page_end(struct pt_buf *out)
{
    pt_buf_puts(out, "</main></body></html>\n");
}
