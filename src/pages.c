#include "patron/pages.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "patron/buf.h"
#include "patron/money.h"
#include "patron/pledges.h"
#include "patron/reminder_routes.h"
#include "patron/render.h"
#include "patron/request.h"
#include "patron/select.h"

static void html_answer(struct pt_request *request, struct pt_response *response, int status,
                        struct pt_buf *body)
{
    pt_response_text(request, response, status, "text/html; charset=utf-8", body->data,
                     body->length);
    pt_response_header(response, "Cache-Control", "no-store");
}

/* "en" or "ru": the languages patron's own pages speak. */
static const char *page_language(const char *wanted)
{
    return wanted != NULL && strcmp(wanted, "ru") == 0 ? "ru" : "en";
}

/* ----------------------------------------------------------------- embed */

/* Without script there is no viewport to measure; the browser's own word
 * for what it is will do. */
static enum pt_device device_from_user_agent(const char *agent)
{
    if (agent == NULL)
        return PT_DEVICE_UNKNOWN;
    if (strstr(agent, "iPad") != NULL || strstr(agent, "Tablet") != NULL)
        return PT_DEVICE_TABLET;
    if (strstr(agent, "Mobi") != NULL || strstr(agent, "Android") != NULL)
        return PT_DEVICE_MOBILE;
    return PT_DEVICE_DESKTOP;
}

void pt_pages_embed(struct pt_app *app, struct pt_request *request, struct pt_response *response)
{
    struct pt_appeal_request appeal;
    char error[256];
    enum pt_status status = pt_request_from_query(
        pt_http_query(request, "article"), pt_http_query(request, "section"),
        pt_http_query(request, "tags"), pt_http_query(request, "lang"), &appeal, error,
        sizeof(error));
    if (status) {
        pt_response_error(request, response, 400, error);
        return;
    }
    /* Without script the browser keeps nothing for us, so each view draws
     * a fresh bucket: the split stays fair, only stickiness is lost. */
    appeal.bucket = randombytes_random();
    struct pt_catalog *catalog = pt_catalog_holder_acquire(&app->catalogs);
    pt_http_hold_catalog(request, catalog);
    pt_app_reader_country(app, request, appeal.country);
    appeal.device = device_from_user_agent(pt_http_header(request, "User-Agent"));
    struct pt_select_options options;
    pt_app_editor_options(app, request, &options);
    struct pt_selection selection;
    int64_t now = pt_app_now(app);
    pt_select_appeal(catalog, &appeal, now, (int64_t)app->config->snooze_max_days * 86400,
                     &options, &selection);
    pt_response_header(response, "Content-Security-Policy", app->embed_policy);
    pt_response_header(response, "Cache-Control", "no-store");
    response->status = 200;
    response->content_type = "text/html; charset=utf-8";
    if (selection.reason == PT_SELECT_CHOSEN) {
        /* The frame loads lazily, near the reader's view: the closest a page
         * without script comes to an impression. */
        pt_events_add(app->events, pt_events_day(now), selection.campaign->id,
                      selection.variant->id, PT_EVENT_IMPRESSION, 1);
        response->body = selection.text->document;
        response->body_length = selection.text->document_length;
        return;
    }
    struct pt_buf body;
    pt_buf_init(&body);
    pt_render_embed_document(&body, appeal.language, "", app->config->public_url);
    response->body = pt_arena_strndup(request->arena, body.data, body.length);
    response->body_length = body.length;
    pt_buf_dispose(&body);
}

void pt_pages_dismiss(struct pt_app *app, struct pt_request *request,
                      struct pt_response *response)
{
    if (request->form_invalid) {
        pt_response_error(request, response, 400, "The form could not be read.");
        return;
    }
    const char *reason = pt_http_form(request, "reason");
    const char *campaign_id = pt_http_form(request, "campaign");
    const char *variant_id = pt_http_form(request, "variant");
    const char *language = page_language(pt_http_form(request, "lang"));
    enum pt_event_kind kind;
    if (reason != NULL && strcmp(reason, "later") == 0)
        kind = PT_EVENT_SNOOZE_LATER;
    else if (reason != NULL && strcmp(reason, "close") == 0)
        kind = PT_EVENT_SNOOZE_CLOSE;
    else if (reason != NULL && strcmp(reason, "supporting") == 0)
        kind = PT_EVENT_SNOOZE_SUPPORTING;
    else {
        pt_response_error(request, response, 400,
                          "reason must be later, close or supporting.");
        return;
    }
    pt_app_count_event(app, campaign_id, variant_id, kind, pt_app_now(app));
    struct pt_buf body;
    pt_buf_init(&body);
    pt_buf_puts(&body, "<!doctype html><html lang=\"");
    pt_buf_puts(&body, language);
    pt_buf_puts(&body, "\"><head><meta charset=\"utf-8\"><title>");
    pt_buf_html_str(&body, pt_render_phrase(language, PT_PHRASE_REGION_LABEL));
    pt_buf_puts(&body, "</title><link rel=\"stylesheet\" href=\"");
    pt_buf_html_str(&body, app->config->public_url);
    pt_buf_puts(&body, "/appeal.css\"></head><body class=\"patron-embed\">"
                       "<p class=\"patron-thanks\" role=\"status\">");
    pt_buf_html_str(&body, pt_render_phrase(language, PT_PHRASE_DISMISSED));
    pt_buf_puts(&body, "</p>");
    if (kind == PT_EVENT_SNOOZE_LATER)
        pt_reminder_routes_render_form(app, &body, language, campaign_id, variant_id);
    pt_buf_puts(&body, "</body></html>\n");
    html_answer(request, response, 200, &body);
    pt_response_header(response, "Content-Security-Policy", app->embed_policy);
    pt_buf_dispose(&body);
}

/* --------------------------------------------------------------- support */

struct support_form {
    const char *language;
    enum pt_frequency frequency;
    const struct pt_currency *currency;
    const char *amount;       /* the preset chosen, "other" or NULL */
    const char *other_amount; /* typed by the reader */
    const char *campaign;
    const char *variant;
    const char *return_url;   /* the article to lead back to, or NULL */
    const char *error_field;  /* "amount", "currency" or "frequency" */
    char error[256];
};

static const char *field(struct pt_request *request, const char *name)
{
    return request->method == PT_METHOD_POST ? pt_http_form(request, name)
                                             : pt_http_query(request, name);
}

static void radio(struct pt_buf *out, const char *name, const char *value, bool checked,
                  const char *label)
{
    pt_buf_printf(out, "<label><input type=\"radio\" name=\"%s\" value=\"", name);
    pt_buf_html_str(out, value);
    pt_buf_printf(out, "\"%s> ", checked ? " checked" : "");
    pt_buf_html_str(out, label);
    pt_buf_puts(out, "</label>");
}

static void render_support(struct pt_buf *out, const struct support_form *form)
{
    const char *language = form->language;
    pt_render_page_start(out, language, pt_render_phrase(language, PT_PHRASE_SUPPORT_TITLE));
    pt_buf_puts(out, "<h1>");
    pt_buf_html_str(out, pt_render_phrase(language, PT_PHRASE_SUPPORT_TITLE));
    pt_buf_puts(out, "</h1><p>");
    pt_buf_html_str(out, pt_render_phrase(language, PT_PHRASE_SUPPORT_INTRO));
    pt_buf_puts(out, "</p>");
    if (form->error_field != NULL) {
        pt_buf_puts(out, "<p class=\"patron-error-summary\" role=\"alert\">");
        pt_buf_html_str(out, pt_render_phrase(language, PT_PHRASE_FIX_BELOW));
        pt_buf_puts(out, "</p>");
    }
    pt_buf_puts(out, "<form class=\"patron-support-form\" method=\"post\" action=\"/support\">");
    static const char *const hidden_names[] = {"campaign", "variant"};
    const char *hidden_values[] = {form->campaign, form->variant};
    for (size_t i = 0; i < 2; i++) {
        if (hidden_values[i] == NULL)
            continue;
        pt_buf_printf(out, "<input type=\"hidden\" name=\"%s\" value=\"", hidden_names[i]);
        pt_buf_html_str(out, hidden_values[i]);
        pt_buf_puts(out, "\">");
    }
    pt_buf_puts(out, "<input type=\"hidden\" name=\"lang\" value=\"");
    pt_buf_puts(out, language);
    pt_buf_puts(out, "\">");
    if (form->return_url != NULL) {
        pt_buf_puts(out, "<input type=\"hidden\" name=\"return\" value=\"");
        pt_buf_html_str(out, form->return_url);
        pt_buf_puts(out, "\">");
    }

    pt_buf_puts(out, "<fieldset><legend>");
    pt_buf_html_str(out, pt_render_phrase(language, PT_PHRASE_HOW_OFTEN));
    pt_buf_puts(out, "</legend>");
    radio(out, "frequency", "monthly", form->frequency == PT_FREQUENCY_MONTHLY,
          pt_render_phrase(language, PT_PHRASE_MONTHLY));
    radio(out, "frequency", "one_off", form->frequency == PT_FREQUENCY_ONE_OFF,
          pt_render_phrase(language, PT_PHRASE_ONE_OFF));
    radio(out, "frequency", "annual", form->frequency == PT_FREQUENCY_ANNUAL,
          pt_render_phrase(language, PT_PHRASE_ANNUAL));
    pt_buf_puts(out, "</fieldset>");

    /* Presets of 2, 5 and 10 units (the appeal's usual ladder); whatever the
     * reader chose in the appeal is kept, as a preset or as "other". */
    int64_t unit = pt_money_unit(form->currency);
    int64_t presets[3] = {2 * unit, 5 * unit, 10 * unit};
    if (form->currency->exponent == 0)
        presets[0] = 300, presets[1] = 500, presets[2] = 1000;
    bool matched = false;
    pt_buf_puts(out, "<fieldset");
    if (form->error_field && strcmp(form->error_field, "amount") == 0)
        pt_buf_puts(out, " class=\"patron-invalid\"");
    pt_buf_puts(out, "><legend>");
    pt_buf_html_str(out, pt_render_phrase(language, PT_PHRASE_AMOUNT));
    pt_buf_puts(out, "</legend>");
    for (size_t i = 0; i < 3; i++) {
        struct pt_buf value, shown;
        pt_buf_init(&value);
        pt_buf_init(&shown);
        pt_money_format_plain(&value, presets[i], form->currency);
        pt_money_format(&shown, presets[i], form->currency);
        bool checked = form->amount != NULL && strcmp(form->amount, value.data) == 0;
        matched = matched || checked;
        radio(out, "amount", value.data, checked, shown.data);
        pt_buf_dispose(&value);
        pt_buf_dispose(&shown);
    }
    const char *typed = form->other_amount;
    if (!matched && form->amount != NULL && strcmp(form->amount, "other") != 0 &&
        (typed == NULL || typed[0] == '\0'))
        typed = form->amount;
    radio(out, "amount", "other", !matched, pt_render_phrase(language, PT_PHRASE_OTHER));
    pt_buf_puts(out, "<label class=\"patron-other\" for=\"other_amount\">");
    pt_buf_html_str(out, pt_render_phrase(language, PT_PHRASE_OTHER_AMOUNT));
    pt_buf_puts(out, " (");
    pt_buf_html_str(out, form->currency->code);
    pt_buf_puts(out, ")</label><input id=\"other_amount\" name=\"other_amount\" "
                     "inputmode=\"decimal\" autocomplete=\"off\" value=\"");
    if (typed != NULL)
        pt_buf_html_str(out, typed);
    pt_buf_puts(out, "\"");
    if (form->error_field && strcmp(form->error_field, "amount") == 0) {
        pt_buf_puts(out, " aria-invalid=\"true\" aria-describedby=\"amount-error\">"
                         "<p id=\"amount-error\" class=\"patron-error\">");
        pt_buf_html_str(out, form->error);
        pt_buf_puts(out, "</p>");
    } else {
        pt_buf_puts(out, ">");
    }
    pt_buf_puts(out, "</fieldset>");

    pt_buf_puts(out, "<label for=\"currency\">");
    pt_buf_html_str(out, pt_render_phrase(language, PT_PHRASE_CURRENCY));
    pt_buf_puts(out, "</label><select id=\"currency\" name=\"currency\"");
    if (form->error_field && strcmp(form->error_field, "currency") == 0)
        pt_buf_puts(out, " aria-invalid=\"true\" aria-describedby=\"currency-error\"");
    pt_buf_puts(out, ">");
    static const char *const codes[] = {"USD", "EUR", "GBP", "CHF", "JPY"};
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
        pt_buf_printf(out, "<option%s>%s</option>",
                      strcmp(codes[i], form->currency->code) == 0 ? " selected" : "", codes[i]);
    pt_buf_puts(out, "</select>");
    if (form->error_field && strcmp(form->error_field, "currency") == 0) {
        pt_buf_puts(out, "<p id=\"currency-error\" class=\"patron-error\">");
        pt_buf_html_str(out, form->error);
        pt_buf_puts(out, "</p>");
    }
    pt_buf_puts(out, "<button type=\"submit\">");
    pt_buf_html_str(out, pt_render_phrase(language, PT_PHRASE_CONTINUE));
    pt_buf_puts(out, "</button></form>");
    pt_render_page_end(out);
}

static void render_pending(struct pt_buf *out, const struct support_form *form, int64_t minor)
{
    const char *language = form->language;
    pt_render_page_start(out, language, pt_render_phrase(language, PT_PHRASE_PENDING_TITLE));
    pt_buf_puts(out, "<h1>");
    pt_buf_html_str(out, pt_render_phrase(language, PT_PHRASE_PENDING_TITLE));
    pt_buf_puts(out, "</h1><p class=\"patron-pledge\" data-status=\"pending\">");
    pt_buf_html_str(out, pt_render_phrase(language, PT_PHRASE_PENDING_BODY));
    pt_buf_puts(out, " <strong>");
    struct pt_buf shown;
    pt_buf_init(&shown);
    pt_money_format(&shown, minor, form->currency);
    pt_buf_html(out, shown.data, shown.length);
    pt_buf_dispose(&shown);
    pt_buf_puts(out, ", ");
    enum pt_phrase phrase = form->frequency == PT_FREQUENCY_MONTHLY  ? PT_PHRASE_MONTHLY
                            : form->frequency == PT_FREQUENCY_ANNUAL ? PT_PHRASE_ANNUAL
                                                                     : PT_PHRASE_ONE_OFF;
    pt_buf_html_str(out, pt_render_phrase(language, phrase));
    pt_buf_puts(out, "</strong></p><p class=\"patron-notice\" role=\"status\">");
    pt_buf_html_str(out, pt_render_phrase(language, PT_PHRASE_NOT_SET_UP));
    pt_buf_puts(out, "</p><p><a href=\"");
    pt_buf_html_str(out, form->return_url != NULL ? form->return_url : "/");
    pt_buf_puts(out, "\">");
    pt_buf_html_str(out, pt_render_phrase(language, PT_PHRASE_BACK));
    pt_buf_puts(out, "</a></p>");
    pt_render_page_end(out);
}

/* Reads and checks the form; returns false with error_field set when a value
 * is wrong. The amount is validated here whatever the form offered. */
static bool read_support(struct pt_app *app, struct pt_request *request,
                         struct support_form *form, int64_t *minor)
{
    memset(form, 0, sizeof(*form));
    form->language = page_language(field(request, "lang"));
    form->currency = pt_money_currency(app->config->currency);
    if (form->currency == NULL)
        form->currency = pt_money_currency("USD");
    form->frequency = PT_FREQUENCY_MONTHLY;
    form->amount = field(request, "amount");
    form->other_amount = field(request, "other_amount");
    const char *campaign = field(request, "campaign"), *variant = field(request, "variant");
    form->campaign = pt_catalog_is_id(campaign) ? campaign : NULL;
    form->variant = pt_catalog_is_id(variant) ? variant : NULL;
    const char *back = field(request, "return");
    form->return_url = pt_app_is_return_url(back) ? back : NULL;

    const char *frequency = field(request, "frequency");
    if (frequency != NULL && !pt_frequency_parse(frequency, &form->frequency)) {
        form->error_field = "frequency";
        snprintf(form->error, sizeof(form->error), "Choose monthly, once or yearly.");
    }
    const char *code = field(request, "currency");
    if (code != NULL) {
        const struct pt_currency *currency = pt_money_currency(code);
        if (currency == NULL) {
            form->error_field = "currency";
            snprintf(form->error, sizeof(form->error),
                     strcmp(form->language, "ru") == 0
                         ? "Эту валюту мы не принимаем: выберите USD, EUR, GBP, CHF или JPY."
                         : "We cannot take that currency: choose USD, EUR, GBP, CHF or JPY.");
        } else {
            form->currency = currency;
        }
    }
    if (form->error_field != NULL || request->method != PT_METHOD_POST)
        return form->error_field == NULL;

    const char *typed = form->amount;
    if (typed == NULL || strcmp(typed, "other") == 0)
        typed = form->other_amount;
    if (typed == NULL || typed[0] == '\0') {
        form->error_field = "amount";
        snprintf(form->error, sizeof(form->error),
                 strcmp(form->language, "ru") == 0 ? "Укажите сумму." : "Enter an amount.");
        return false;
    }
    if (pt_money_parse(typed, form->currency, form->language, minor, form->error, sizeof(form->error)) != PT_OK ||
        pt_money_check(form->frequency, *minor, form->currency, app->config->max_amount,
                       form->language, form->error, sizeof(form->error)) != PT_OK) {
        form->error_field = "amount";
        return false;
    }
    return true;
}

void pt_pages_support(struct pt_app *app, struct pt_request *request,
                      struct pt_response *response)
{
    if (request->form_invalid) {
        pt_response_error(request, response, 400, "The form could not be read.");
        return;
    }
    struct support_form form;
    int64_t minor = 0;
    bool valid = read_support(app, request, &form, &minor);
    struct pt_buf body;
    pt_buf_init(&body);
    pt_response_header(response, "Content-Security-Policy", app->form_policy);
    if (request->method != PT_METHOD_POST || !valid) {
        render_support(&body, &form);
        html_answer(request, response, valid ? 200 : 422, &body);
        pt_buf_dispose(&body);
        return;
    }
    char client[128];
    pt_app_client(app, request, client, sizeof(client));
    if (!pt_ratelimit_allow(app->pledge_attempts, client, pt_app_now(app) * 1000)) {
        pt_buf_dispose(&body);
        pt_response_error(request, response, 429,
                          "Too many pledges from here in the last hour; please try again later.");
        return;
    }
    unsigned char random[16];
    randombytes_buf(random, sizeof(random));
    struct pt_pledge pledge = {
        .status = "pending",
        .frequency = form.frequency,
        .amount_minor = minor,
        .currency = form.currency->code,
        .campaign = form.campaign ? form.campaign : "",
        .variant = form.variant ? form.variant : "",
        .language = form.language,
        .created_at = pt_app_now(app),
    };
    sodium_bin2hex(pledge.id, sizeof(pledge.id), random, sizeof(random));
    if (pt_store_pledge_add(app->store, &pledge) != PT_OK) {
        pt_buf_dispose(&body);
        pt_response_error(request, response, 503,
                          "Your pledge could not be saved just now. Nothing was charged; "
                          "please try again in a minute.");
        return;
    }
    pt_app_count_event(app, form.campaign, form.variant, PT_EVENT_PLEDGE_PENDING,
                       pledge.created_at);
    if (app->pay != NULL) {
        /* On to the processor's checkout; the pledge stays pending until
         * the processor says it is paid. */
        struct pt_pledge_record record;
        char url[PT_PAY_URL_MAX], error[300];
        if (pt_store_pledge_get(app->store, pledge.id, &record) != PT_OK ||
            pt_pledges_start_checkout(app, &record, form.return_url, url, sizeof(url), error,
                                      sizeof(error)) !=
                PT_OK) {
            fprintf(stderr, "patron: a checkout could not be started: %s\n", error);
            pt_buf_dispose(&body);
            pt_response_error(request, response, 503,
                              "The payment processor cannot be reached just now. Nothing was "
                              "charged; please try again in a minute.");
            return;
        }
        pt_buf_dispose(&body);
        pt_response_text(request, response, 303, "text/plain", "", 0);
        pt_response_header(response, "Location",
                           pt_arena_strndup(request->arena, url, strlen(url)));
        return;
    }
    render_pending(&body, &form, minor);
    html_answer(request, response, 201, &body);
    pt_buf_dispose(&body);
}

/* ---------------------------------------------------------------- assets */

static const struct pt_asset *find_asset(const struct pt_app *app, const char *path)
{
    for (size_t i = 0; i < pt_asset_count; i++) {
        if (strcmp(pt_assets[i].path, path) == 0) {
            if (pt_assets[i].demo_only && !app->config->demo_pages)
                return NULL;
            return &pt_assets[i];
        }
    }
    return NULL;
}

bool pt_pages_is_asset(const struct pt_app *app, const char *path)
{
    return find_asset(app, path) != NULL;
}

void pt_pages_asset(struct pt_app *app, struct pt_request *request, struct pt_response *response)
{
    const struct pt_asset *asset = find_asset(app, request->path);
    if (asset == NULL) {
        pt_response_error(request, response, 404, "There is nothing at this address.");
        return;
    }
    response->status = 200;
    response->content_type = asset->content_type;
    response->body = (const char *)asset->data;
    response->body_length = asset->length;
    if (strncmp(asset->content_type, "text/html", 9) == 0) {
        pt_response_header(response, "Cache-Control", "no-cache");
    } else {
        /* Short enough that a new widget reaches readers within minutes. */
        pt_response_header(response, "Cache-Control", "public, max-age=300");
        pt_response_header(response, "Access-Control-Allow-Origin", "*");
    }
}
