#include "patron/newsletter_routes.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "patron/buf.h"
#include "patron/catalog.h"
#include "patron/config.h"
#include "patron/events.h"
#include "patron/http.h"
#include "patron/i18n.h"
#include "patron/newsletter.h"
#include "patron/pages.h"

static void refuse(struct pt_request *request, struct pt_response *response, int status,
                   enum pt_lang lang, enum pt_msg msg, const char *campaign_id, const char *second)
{
    char message[512];
    /* The ids were checked or are the request's own: the message is plain
     * text, escaped by the error page. */
    snprintf(message, sizeof(message), pt_i18n_text(msg, lang), campaign_id,
             second != NULL ? second : "");
    pt_response_error_in(request, response, status, pt_i18n_code(lang), message);
}

static const enum pt_msg refusal_messages[] = {
    [PT_NEWSLETTER_UNKNOWN_CAMPAIGN] = PT_MSG_NEWSLETTER_UNKNOWN_CAMPAIGN,
    [PT_NEWSLETTER_DRAFT] = PT_MSG_NEWSLETTER_DRAFT,
    [PT_NEWSLETTER_NOT_STARTED] = PT_MSG_NEWSLETTER_NOT_STARTED,
    [PT_NEWSLETTER_ENDED] = PT_MSG_NEWSLETTER_ENDED,
    [PT_NEWSLETTER_UNKNOWN_VARIANT] = PT_MSG_NEWSLETTER_UNKNOWN_VARIANT,
    [PT_NEWSLETTER_LANGUAGE] = PT_MSG_NEWSLETTER_LANGUAGE,
    [PT_NEWSLETTER_COUNTS_ARTICLES] = PT_MSG_NEWSLETTER_COUNTS_ARTICLES,
};

/* A value echoed in a message, shortened: the message is for a person. */
static const char *echo(struct pt_request *request, const char *value)
{
    if (value == NULL)
        return "";
    size_t length = strnlen(value, PT_ID_MAX);
    return pt_arena_strndup(request->arena, value, length);
}

void pt_newsletter_routes_email(struct pt_app *app, struct pt_request *request,
                                struct pt_response *response)
{
    const char *language = pt_http_query(request, "lang");
    if (language != NULL && language[0] == '\0')
        language = NULL;
    enum pt_lang lang = pt_i18n_lang(language);
    const char *format_name = pt_http_query(request, "format");
    enum pt_newsletter_format format = PT_NEWSLETTER_HTML;
    if (format_name != NULL && strcmp(format_name, "text") == 0) {
        format = PT_NEWSLETTER_TEXT;
    } else if (format_name != NULL && strcmp(format_name, "html") != 0) {
        refuse(request, response, 400, lang, PT_MSG_NEWSLETTER_FORMAT, NULL, NULL);
        return;
    }
    const char *campaign_id = pt_http_query(request, "campaign");
    if (campaign_id == NULL || campaign_id[0] == '\0') {
        refuse(request, response, 400, lang, PT_MSG_NEWSLETTER_NO_CAMPAIGN, NULL, NULL);
        return;
    }
    const char *variant_id = pt_http_query(request, "variant");
    if (variant_id != NULL && variant_id[0] == '\0')
        variant_id = NULL;

    struct pt_catalog *catalog = pt_catalog_holder_acquire(&app->catalogs);
    /* Without lang, the campaign's first language, as the editor listed
     * them. */
    const struct pt_campaign *named =
        pt_catalog_is_id(campaign_id) ? pt_catalog_find(catalog, campaign_id) : NULL;
    if (language == NULL && named != NULL && named->language_count > 0)
        language = named->languages[0];
    struct pt_newsletter_choice choice;
    enum pt_newsletter_refusal refusal =
        pt_newsletter_choose(catalog, campaign_id, variant_id, language, pt_app_now(app), &choice);
    struct pt_appeal_content content;
    if (refusal == PT_NEWSLETTER_OK && !pt_newsletter_content(&choice, &content))
        refusal = PT_NEWSLETTER_UNKNOWN_CAMPAIGN; /* the catalogue checked the currency */
    if (refusal != PT_NEWSLETTER_OK) {
        const char *second = refusal == PT_NEWSLETTER_UNKNOWN_VARIANT ? echo(request, variant_id)
                             : refusal == PT_NEWSLETTER_COUNTS_ARTICLES ? choice.variant->id
                             : refusal == PT_NEWSLETTER_LANGUAGE      ? echo(request, language)
                                                                      : NULL;
        refuse(request, response, 404, lang, refusal_messages[refusal], echo(request, campaign_id),
               second);
        pt_catalog_release(catalog);
        return;
    }
    struct pt_buf body;
    pt_buf_init(&body);
    pt_newsletter_render(&body, format, choice.campaign->id, choice.variant->id,
                         choice.text->language, &content, pt_app_origin(app, request),
                         app->config->accent_color);
    pt_catalog_release(catalog);
    pt_response_text(request, response, 200,
                     format == PT_NEWSLETTER_TEXT ? "text/plain; charset=utf-8"
                                                  : "text/html; charset=utf-8",
                     body.data, body.length);
    pt_buf_dispose(&body);
    /* Fetched when a newsletter is sent: always the campaign as it is now. */
    pt_response_header(response, "Cache-Control", "no-cache");
    /* An editor who opens the address to copy the appeal sees it as the
     * email will show it: its inline styles, nothing else. */
    if (format == PT_NEWSLETTER_HTML)
        pt_response_header(response, "Content-Security-Policy",
                           "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; "
                           "form-action 'none'; frame-ancestors 'none'");
}

void pt_newsletter_routes_support(struct pt_app *app, struct pt_request *request,
                                  struct pt_response *response)
{
    if (request->method == PT_METHOD_GET) {
        const char *source = pt_http_query(request, "source");
        if (source != NULL && strcmp(source, PT_NEWSLETTER_SOURCE) == 0)
            pt_app_count_event(app, pt_http_query(request, "campaign"),
                               pt_http_query(request, "variant"), PT_EVENT_CLICK, pt_app_now(app));
    }
    pt_pages_support(app, request, response);
}
