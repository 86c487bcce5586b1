#include "patron/newsletter.h"

#include <cmark.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "patron/i18n.h"
#include "patron/money.h"

/* ------------------------------------------------------------- choosing */

static bool speaks(const struct pt_campaign *campaign, const char *language)
{
    for (size_t i = 0; i < campaign->language_count; i++) {
        if (strcasecmp(campaign->languages[i], language) == 0)
            return true;
    }
    return false;
}

enum pt_newsletter_refusal pt_newsletter_choose(const struct pt_catalog *catalog,
                                                const char *campaign_id, const char *variant_id,
                                                const char *language, int64_t now,
                                                struct pt_newsletter_choice *choice)
{
    memset(choice, 0, sizeof(*choice));
    const struct pt_campaign *campaign =
        pt_catalog_is_id(campaign_id) ? pt_catalog_find(catalog, campaign_id) : NULL;
    if (campaign == NULL)
        return PT_NEWSLETTER_UNKNOWN_CAMPAIGN;
    /* A newsletter goes out when its editor sends it, so the campaign's
     * schedule is judged at that moment, as for a reader on the site. */
    if (campaign->status == PT_CAMPAIGN_ENDED ||
        (campaign->ends_at != 0 && now > campaign->ends_at))
        return PT_NEWSLETTER_ENDED;
    if (campaign->status == PT_CAMPAIGN_DRAFT)
        return PT_NEWSLETTER_DRAFT;
    if (campaign->starts_at != 0 && now < campaign->starts_at)
        return PT_NEWSLETTER_NOT_STARTED;
    const struct pt_variant *variant = NULL;
    if (variant_id != NULL) {
        variant =
            pt_catalog_is_id(variant_id) ? pt_campaign_find_variant(campaign, variant_id) : NULL;
        if (variant == NULL)
            return PT_NEWSLETTER_UNKNOWN_VARIANT;
    }
    if (language == NULL || !speaks(campaign, language))
        return PT_NEWSLETTER_LANGUAGE;
    const struct pt_variant_text *text = NULL;
    if (variant != NULL) {
        text = pt_variant_find_text(variant, language);
        if (text != NULL && text->counts_articles) {
            choice->variant = variant;
            return PT_NEWSLETTER_COUNTS_ARTICLES;
        }
    } else {
        /* The catalogue refuses a campaign whose weights are all 0, so one
         * is always found, but perhaps only one that counts articles. */
        bool counting = false;
        for (size_t v = 0; v < campaign->variant_count && variant == NULL; v++) {
            const struct pt_variant_text *candidate =
                pt_variant_find_text(&campaign->variants[v], language);
            if (campaign->variants[v].weight == 0 || candidate == NULL)
                continue;
            if (candidate->counts_articles && !counting) {
                counting = true;
                choice->variant = &campaign->variants[v];
            }
            if (!candidate->counts_articles) {
                variant = &campaign->variants[v];
                text = candidate;
            }
        }
        if (variant == NULL)
            return counting ? PT_NEWSLETTER_COUNTS_ARTICLES : PT_NEWSLETTER_UNKNOWN_VARIANT;
    }
    if (text == NULL)
        return PT_NEWSLETTER_LANGUAGE;
    choice->campaign = campaign;
    choice->variant = variant;
    choice->text = text;
    return PT_NEWSLETTER_OK;
}

bool pt_newsletter_content(const struct pt_newsletter_choice *choice,
                           struct pt_appeal_content *content)
{
    memset(content, 0, sizeof(*content));
    content->currency = pt_money_currency(choice->campaign->currency);
    if (content->currency == NULL)
        return false;
    content->headline = choice->text->headline;
    content->body_markdown = choice->text->body;
    content->support_label = choice->text->support_label;
    content->frequencies = choice->variant->frequencies;
    content->default_frequency = choice->variant->default_frequency;
    memcpy(content->ladders, choice->variant->ladders, sizeof(content->ladders));
    return true;
}

/* ---------------------------------------------------------------- links */

/* The support page's address for the appeal, one frequency and, when
 * amount is not NULL, one amount ("5", "3.50" or "other"): what the support
 * page reads from the appeal's own form. */
static void support_link(struct pt_buf *out, const char *public_url, const char *campaign_id,
                         const char *variant_id, const char *language,
                         const struct pt_currency *currency, enum pt_frequency frequency,
                         const char *amount)
{
    pt_buf_puts(out, public_url);
    pt_buf_puts(out, "/support?campaign=");
    pt_buf_url(out, campaign_id);
    pt_buf_puts(out, "&variant=");
    pt_buf_url(out, variant_id);
    pt_buf_puts(out, "&lang=");
    pt_buf_url(out, language);
    pt_buf_puts(out, "&source=" PT_NEWSLETTER_SOURCE "&currency=");
    pt_buf_url(out, currency->code);
    pt_buf_puts(out, "&frequency=");
    pt_buf_puts(out, pt_frequency_name(frequency));
    if (amount != NULL) {
        pt_buf_printf(out, "&amount_%s=", pt_frequency_name(frequency));
        pt_buf_url(out, amount);
    }
}

/* The frequencies offered with amounts to show, the default first. */
static size_t frequency_order(const struct pt_appeal_content *content,
                              enum pt_frequency order[PT_FREQUENCIES])
{
    size_t count = 0;
    if ((content->frequencies >> content->default_frequency) & 1u)
        order[count++] = content->default_frequency;
    for (unsigned f = 0; f < PT_FREQUENCIES; f++) {
        if (f != content->default_frequency && ((content->frequencies >> f) & 1u))
            order[count++] = (enum pt_frequency)f;
    }
    size_t kept = 0;
    for (size_t i = 0; i < count; i++) {
        if (content->ladders[order[i]].count > 0)
            order[kept++] = order[i];
    }
    return kept;
}

static enum pt_msg frequency_phrase(enum pt_frequency frequency)
{
    return frequency == PT_FREQUENCY_MONTHLY  ? PT_MSG_PAGE_MONTHLY
           : frequency == PT_FREQUENCY_ANNUAL ? PT_MSG_PAGE_ANNUAL
                                              : PT_MSG_PAGE_ONE_OFF;
}

/* --------------------------------------------------------- the markdown */

static bool kept_url(const char *url)
{
    return url != NULL &&
           (strncasecmp(url, "https://", 8) == 0 || strncasecmp(url, "http://", 7) == 0 ||
            strncasecmp(url, "mailto:", 7) == 0);
}

/* What email cannot carry: an image (it would be fetched from elsewhere
 * when the email is opened) or a link that is not absolute (it would lead
 * nowhere from a mailbox). */
static bool unfit_for_email(cmark_node *node)
{
    cmark_node_type type = cmark_node_get_type(node);
    return type == CMARK_NODE_IMAGE ||
           (type == CMARK_NODE_LINK && !kept_url(cmark_node_get_url(node)));
}

/* The body's markdown as a tree fit for email, or NULL for no body. The
 * words of a dropped image or link stay, as text. */
static cmark_node *parse_body(const char *markdown)
{
    if (markdown == NULL || markdown[0] == '\0')
        return NULL;
    cmark_node *document = cmark_parse_document(markdown, strlen(markdown), CMARK_OPT_DEFAULT);
    if (document == NULL)
        return NULL;
    pt_render_markdown_unwrap(document, unfit_for_email);
    return document;
}

static void body_html(struct pt_buf *out, const char *markdown)
{
    cmark_node *document = parse_body(markdown);
    if (document == NULL)
        return;
    /* CMARK_OPT_DEFAULT leaves CMARK_OPT_UNSAFE off: raw HTML becomes a
     * comment, as on the site. */
    char *html = cmark_render_html(document, CMARK_OPT_DEFAULT);
    cmark_node_free(document);
    if (html != NULL) {
        pt_buf_puts(out, html);
        free(html);
    }
}

/* Whether the node sits in a list item: its paragraphs end with one line
 * break, not two. */
static bool in_item(cmark_node *node)
{
    cmark_node *parent = cmark_node_parent(node);
    return parent != NULL && cmark_node_get_type(parent) == CMARK_NODE_ITEM;
}

/* cmark has no plain-text renderer; the words, in order, with blank lines
 * between blocks, "- " before list items and a link's address after its
 * words. Raw HTML is dropped, as in the HTML. */
static void body_text(struct pt_buf *out, const char *markdown)
{
    cmark_node *document = parse_body(markdown);
    if (document == NULL)
        return;
    cmark_iter *iter = cmark_iter_new(document);
    cmark_event_type event;
    while ((event = cmark_iter_next(iter)) != CMARK_EVENT_DONE) {
        cmark_node *node = cmark_iter_get_node(iter);
        cmark_node_type type = cmark_node_get_type(node);
        bool enter = event == CMARK_EVENT_ENTER;
        switch (type) {
        case CMARK_NODE_TEXT:
        case CMARK_NODE_CODE: pt_buf_puts(out, cmark_node_get_literal(node)); break;
        case CMARK_NODE_CODE_BLOCK:
            pt_buf_puts(out, cmark_node_get_literal(node));
            pt_buf_puts(out, "\n");
            break;
        case CMARK_NODE_SOFTBREAK: pt_buf_puts(out, " "); break;
        case CMARK_NODE_LINEBREAK: pt_buf_puts(out, "\n"); break;
        case CMARK_NODE_ITEM:
            if (enter)
                pt_buf_puts(out, "- ");
            break;
        case CMARK_NODE_LIST:
            if (!enter)
                pt_buf_puts(out, "\n");
            break;
        case CMARK_NODE_PARAGRAPH:
        case CMARK_NODE_HEADING:
            if (!enter)
                pt_buf_puts(out, in_item(node) ? "\n" : "\n\n");
            break;
        case CMARK_NODE_THEMATIC_BREAK: pt_buf_puts(out, "---\n\n"); break;
        case CMARK_NODE_LINK:
            if (!enter) {
                pt_buf_puts(out, " (");
                pt_buf_puts(out, cmark_node_get_url(node));
                pt_buf_puts(out, ")");
            }
            break;
        default: break;
        }
    }
    cmark_iter_free(iter);
    cmark_node_free(document);
    /* One blank line before what follows, however the body ended. */
    while (out->length > 0 && out->data[out->length - 1] == '\n')
        out->data[--out->length] = '\0';
    pt_buf_puts(out, "\n\n");
}

/* ------------------------------------------------------------ rendering */

struct appeal {
    const char *campaign_id, *variant_id, *language, *public_url, *accent;
    const struct pt_appeal_content *content;
    enum pt_lang lang;
};

static void link_for(struct pt_buf *out, const struct appeal *appeal, enum pt_frequency frequency,
                     const char *amount)
{
    support_link(out, appeal->public_url, appeal->campaign_id, appeal->variant_id, appeal->language,
                 appeal->content->currency, frequency, amount);
}

static const char *support_words(const struct appeal *appeal)
{
    const char *label = appeal->content->support_label;
    return label != NULL && label[0] != '\0' ? label
                                             : pt_i18n_text(PT_MSG_PAGE_SUPPORT, appeal->lang);
}

static const char *headline_words(const struct appeal *appeal)
{
    const char *headline = appeal->content->headline;
    return headline != NULL && headline[0] != '\0'
               ? headline
               : pt_i18n_text(PT_MSG_PAGE_REGION_LABEL, appeal->lang);
}

#define FONT "font-family:Georgia,'Times New Roman',serif;"

/* An amount as a bordered button: a link, since email has no forms. The
 * buttons of a row are inline, a space apart, so that they wrap on a phone
 * rather than widen the email. */
static void html_amount(struct pt_buf *out, const struct appeal *appeal,
                        enum pt_frequency frequency, const char *amount, const char *words)
{
    struct pt_buf link;
    pt_buf_init(&link);
    link_for(&link, appeal, frequency, amount);
    pt_buf_puts(out, "<a href=\"");
    pt_buf_html(out, link.data, link.length);
    pt_buf_printf(out,
                  "\" style=\"display:inline-block;margin:0 4px 8px 0;padding:6px 12px;"
                  "border:2px solid %s;border-radius:4px;color:%s;" FONT
                  "font-size:16px;font-weight:bold;text-decoration:none;white-space:nowrap\">",
                  appeal->accent, appeal->accent);
    pt_buf_html_str(out, words);
    pt_buf_puts(out, "</a> ");
    pt_buf_dispose(&link);
}

static void render_html(struct pt_buf *out, const struct appeal *appeal)
{
    const struct pt_appeal_content *content = appeal->content;
    enum pt_lang lang = appeal->lang;
    pt_buf_puts(out, "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" "
                     "cellspacing=\"0\" border=\"0\" lang=\"");
    pt_buf_html_str(out, appeal->language);
    pt_buf_puts(out, "\" style=\"width:100%;max-width:600px;border-collapse:separate;"
                     "border:1px solid #d6d6d6;border-radius:6px;background-color:#ffffff\">"
                     "<tr><td style=\"padding:20px;" FONT
                     "font-size:16px;line-height:1.5;color:#1a1a1a\">");
    pt_buf_puts(out, "<h2 style=\"margin:0 0 12px;" FONT
                     "font-size:22px;line-height:1.3;color:#1a1a1a\">");
    pt_buf_html_str(out, headline_words(appeal));
    pt_buf_puts(out, "</h2>");
    if (content->body_markdown != NULL && content->body_markdown[0] != '\0') {
        pt_buf_puts(out, "<div style=\"" FONT "font-size:16px;line-height:1.5;color:#1a1a1a\">");
        body_html(out, content->body_markdown);
        pt_buf_puts(out, "</div>");
    }

    enum pt_frequency order[PT_FREQUENCIES];
    size_t count = frequency_order(content, order);
    if (count > 0) {
        pt_buf_puts(out, "<p style=\"margin:16px 0 4px;" FONT "font-weight:bold\">");
        pt_buf_html_str(out, pt_i18n_text(PT_MSG_NEWSLETTER_CHOOSE, lang));
        pt_buf_puts(out, "</p>");
    }
    struct pt_buf plain, shown;
    pt_buf_init(&plain);
    pt_buf_init(&shown);
    for (size_t i = 0; i < count; i++) {
        enum pt_frequency frequency = order[i];
        const struct pt_amount_ladder *ladder = &content->ladders[frequency];
        pt_buf_puts(out, "<p style=\"margin:8px 0 4px;" FONT "font-size:14px;color:#555555\">");
        pt_buf_html_str(out, pt_i18n_text(frequency_phrase(frequency), lang));
        pt_buf_puts(out, "</p><div>");
        for (size_t a = 0; a < ladder->count; a++) {
            pt_buf_reset(&plain);
            pt_buf_reset(&shown);
            pt_money_format_plain(&plain, ladder->presets[a], content->currency);
            pt_money_format_in(&shown, ladder->presets[a], content->currency, appeal->language);
            html_amount(out, appeal, frequency, plain.data, shown.data);
        }
        html_amount(out, appeal, frequency, "other", pt_i18n_text(PT_MSG_PAGE_OTHER_AMOUNT, lang));
        pt_buf_puts(out, "</div>");
    }
    pt_buf_dispose(&plain);
    pt_buf_dispose(&shown);

    /* The button: a link in a coloured cell, which Outlook draws too. */
    struct pt_buf link;
    pt_buf_init(&link);
    link_for(&link, appeal, content->default_frequency, NULL);
    pt_buf_printf(out,
                  "<table role=\"presentation\" cellpadding=\"0\" cellspacing=\"0\" "
                  "border=\"0\" style=\"margin-top:16px\"><tr><td bgcolor=\"%s\" "
                  "style=\"border-radius:4px;background-color:%s\"><a href=\"",
                  appeal->accent, appeal->accent);
    pt_buf_html(out, link.data, link.length);
    pt_buf_puts(out, "\" style=\"display:inline-block;padding:12px 24px;" FONT
                     "font-size:17px;font-weight:bold;color:#ffffff;text-decoration:none\">");
    pt_buf_html_str(out, support_words(appeal));
    pt_buf_puts(out, "</a></td></tr></table>");
    pt_buf_dispose(&link);
    pt_buf_puts(out, "</td></tr></table>\n");
}

static void render_text(struct pt_buf *out, const struct appeal *appeal)
{
    const struct pt_appeal_content *content = appeal->content;
    enum pt_lang lang = appeal->lang;
    pt_buf_puts(out, headline_words(appeal));
    pt_buf_puts(out, "\n\n");
    body_text(out, content->body_markdown);

    enum pt_frequency order[PT_FREQUENCIES];
    size_t count = frequency_order(content, order);
    if (count > 0) {
        pt_buf_puts(out, pt_i18n_text(PT_MSG_NEWSLETTER_CHOOSE, lang));
        pt_buf_puts(out, "\n");
    }
    for (size_t i = 0; i < count; i++) {
        enum pt_frequency frequency = order[i];
        const struct pt_amount_ladder *ladder = &content->ladders[frequency];
        pt_buf_puts(out, "\n");
        pt_buf_puts(out, pt_i18n_text(frequency_phrase(frequency), lang));
        pt_buf_puts(out, "\n");
        struct pt_buf plain;
        pt_buf_init(&plain);
        for (size_t a = 0; a < ladder->count; a++) {
            pt_buf_reset(&plain);
            pt_money_format_plain(&plain, ladder->presets[a], content->currency);
            pt_money_format_in(out, ladder->presets[a], content->currency, appeal->language);
            pt_buf_puts(out, ": ");
            link_for(out, appeal, frequency, plain.data);
            pt_buf_puts(out, "\n");
        }
        pt_buf_dispose(&plain);
        pt_buf_puts(out, pt_i18n_text(PT_MSG_PAGE_OTHER_AMOUNT, lang));
        pt_buf_puts(out, ": ");
        link_for(out, appeal, frequency, "other");
        pt_buf_puts(out, "\n");
    }
    if (count > 0)
        pt_buf_puts(out, "\n");
    pt_buf_puts(out, support_words(appeal));
    pt_buf_puts(out, ": ");
    link_for(out, appeal, content->default_frequency, NULL);
    pt_buf_puts(out, "\n");
}

/* The accent goes into style attributes as it is: only "#rrggbb" may. */
static bool is_colour(const char *accent)
{
    if (accent == NULL || accent[0] != '#' || strlen(accent) != 7)
        return false;
    for (size_t i = 1; i < 7; i++) {
        char c = accent[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return false;
    }
    return true;
}

void pt_newsletter_render(struct pt_buf *out, enum pt_newsletter_format format,
                          const char *campaign_id, const char *variant_id, const char *language,
                          const struct pt_appeal_content *content, const char *public_url,
                          const char *accent)
{
    if (!is_colour(accent))
        accent = PT_NEWSLETTER_ACCENT;
    struct appeal appeal = {
        .campaign_id = campaign_id,
        .variant_id = variant_id,
        .language = language,
        .public_url = public_url,
        .accent = accent,
        .content = content,
        .lang = pt_i18n_lang(language),
    };
    if (format == PT_NEWSLETTER_TEXT)
        render_text(out, &appeal);
    else
        render_html(out, &appeal);
}
