#include "patron/pages.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "patron/buf.h"
#include "patron/config.h"
#include "patron/crypto.h"
#include "patron/http.h"
#include "patron/i18n.h"
#include "patron/log.h"
#include "patron/money.h"
#include "patron/payment_routes.h"
#include "patron/pledges.h"
#include "patron/processors.h"
#include "patron/ratelimit.h"
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

/* A banner's frame (placement=banner_top) gets the banner's compact layout:
 * the pre-rendered document with the class the widget gives a banner, in a
 * copy from the request's arena. Without script the frame is the only way to
 * say which slot it fills. */
static void mark_banner(struct pt_request *request, const char *placement, const char **body,
                        size_t *length)
{
    static const char section[] = "<section class=\"patron-appeal";
    static const char banner[] = " patron-banner";
    if (strncmp(placement, "banner_", 7) != 0)
        return;
    const char *at = memmem(*body, *length, section, sizeof(section) - 1);
    if (at == NULL)
        return;
    size_t head = (size_t)(at - *body) + sizeof(section) - 1;
    char *copy = pt_arena_alloc(request->arena, *length + sizeof(banner));
    memcpy(copy, *body, head);
    memcpy(copy + head, banner, sizeof(banner) - 1);
    memcpy(copy + head + sizeof(banner) - 1, *body + head, *length - head);
    copy[*length + sizeof(banner) - 1] = '\0';
    *body = copy;
    *length += sizeof(banner) - 1;
}

void pt_pages_embed(struct pt_app *app, struct pt_request *request, struct pt_response *response)
{
    struct pt_appeal_request appeal;
    char error[256];
    enum pt_status status = pt_request_from_query(
        pt_http_query(request, "article"), pt_http_query(request, "section"),
        pt_http_query(request, "tags"), pt_http_query(request, "lang"), &appeal, error,
        sizeof(error));
    if (status == PT_OK)
        status = pt_request_query_placement(pt_http_query(request, "placement"), &appeal, error,
                                            sizeof(error));
    if (status) {
        pt_response_error(request, response, 400, error);
        return;
    }
    /* Without script the browser keeps nothing for us, so each view draws
     * a fresh bucket: the split stays fair, only stickiness is lost. */
    appeal.bucket = randombytes_random();
    struct pt_catalog *catalog = pt_catalog_holder_acquire(&app->catalogs);
    pt_app_hold_catalog(request, catalog);
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
        pt_app_count_articles(request, &selection, &response->body, &response->body_length);
        mark_banner(request, appeal.placement, &response->body, &response->body_length);
        pt_app_rebase(app, request, &response->body, &response->body_length);
        return;
    }
    struct pt_buf body;
    pt_buf_init(&body);
    pt_render_embed_document(&body, appeal.language, "", pt_app_origin(app, request));
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
    enum pt_lang lang = pt_i18n_lang(pt_http_form(request, "lang"));
    const char *language = pt_i18n_code(lang);
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
    pt_buf_html_str(&body, pt_i18n_text(PT_MSG_PAGE_REGION_LABEL, lang));
    pt_buf_puts(&body, "</title><link rel=\"stylesheet\" href=\"");
    pt_buf_html_str(&body, pt_app_origin(app, request));
    pt_buf_puts(&body, "/appeal.css\"></head><body class=\"patron-embed\">"
                       "<p class=\"patron-thanks\" role=\"status\">");
    /* The answer matches the button: thanks for "I already support", the
     * close message for the cross. */
    enum pt_msg answer = kind == PT_EVENT_SNOOZE_CLOSE        ? PT_MSG_PAGE_CLOSED
                         : kind == PT_EVENT_SNOOZE_SUPPORTING ? PT_MSG_PAGE_THANKS_SUPPORTING
                                                              : PT_MSG_PAGE_DISMISSED;
    pt_buf_html_str(&body, pt_i18n_text(answer, lang));
    pt_buf_puts(&body, "</p>");
    /* No email, no promise of one. */
    if (kind == PT_EVENT_SNOOZE_LATER && !app->catalog_settings.email_off)
        pt_reminder_routes_render_form(app, &body, pt_app_origin(app, request), language,
                                       campaign_id, variant_id);
    pt_buf_puts(&body, "</body></html>\n");
    html_answer(request, response, 200, &body);
    pt_response_header(response, "Content-Security-Policy", app->embed_policy);
    pt_buf_dispose(&body);
}

/* --------------------------------------------------------------- support */

/* What the reader chose on the appeal or the support page. */
struct support_form {
    enum pt_lang lang;    /* the language the page speaks */
    const char *language; /* its tag ("en", "ru"): in the page, its links and the pledge */
    enum pt_frequency frequency;
    const struct pt_currency *currency;
    const char *choice;       /* the amount button: a preset's value, "other" or NULL */
    const char *other_amount; /* typed by the reader; NULL when the form had no box */
    const char *campaign;
    const char *variant;
    const char *return_url;   /* the article to lead back to, or NULL */
    bool keep_nothing;        /* trace=none: the reader's device is to keep nothing */
    const char *confirm;      /* the statement the reader saw ("350:USD:monthly"), or NULL */
    char headline[256];       /* the appeal's, to greet the reader with; "" for none */
    /* What the page offers per frequency: the appeal's own amounts when the
     * reader came from one in its currency, else patron's standard ones. */
    struct pt_amount_ladder ladders[PT_FREQUENCIES];
    bool currency_changed;    /* the amounts on show were in another currency */
    const char *email;        /* typed when the processor's page asks none, else NULL */
    bool email_prompt;        /* the reader came without the email box: ask, not blame */
    const char *method;       /* the way to pay chosen for the frequency, or NULL */
    const char *rail;         /* the rail chosen for the frequency ("bank"), or NULL for the
                                 processor that charges the currency */
    const char *error_field;  /* "amount", "currency", "frequency", "email", "method" or
                                 "rail" */
    char error[256];
};

static const char *field(struct pt_request *request, const char *name)
{
    return request->method == PT_METHOD_POST ? pt_http_form(request, name)
                                             : pt_http_query(request, name);
}

static bool other_chosen(const struct support_form *form)
{
    return form->choice != NULL && strcmp(form->choice, "other") == 0;
}

static void fail(struct support_form *form, const char *field_name, const char *message)
{
    form->error_field = field_name;
    snprintf(form->error, sizeof(form->error), "%s", message);
}

/* The ladders and headline of the appeal the reader came from, if it still
 * exists and shows the currency of the form. */
static void read_appeal(struct pt_app *app, struct support_form *form)
{
    for (unsigned f = 0; f < PT_FREQUENCIES; f++)
        pt_money_standard_ladder((enum pt_frequency)f, form->currency, &form->ladders[f]);
    if (form->campaign == NULL || form->variant == NULL)
        return;
    struct pt_catalog *catalog = pt_catalog_holder_acquire(&app->catalogs);
    const struct pt_campaign *campaign = pt_catalog_find(catalog, form->campaign);
    const struct pt_variant *variant =
        campaign != NULL ? pt_campaign_find_variant(campaign, form->variant) : NULL;
    /* The variant's amounts in the form's currency, when its campaign shows
     * that currency; another currency's numbers are never borrowed. */
    const struct pt_amount_ladder *ladders =
        variant != NULL ? pt_variant_ladders(campaign, variant, form->currency->code) : NULL;
    for (unsigned f = 0; ladders != NULL && f < PT_FREQUENCIES; f++) {
        if (ladders[f].count > 0)
            form->ladders[f] = ladders[f];
    }
    const struct pt_variant_text *text =
        variant != NULL ? pt_variant_find_text(variant, form->language) : NULL;
    if (text != NULL)
        snprintf(form->headline, sizeof(form->headline), "%s", text->headline);
    pt_catalog_release(catalog);
}

/* Reads the form (a POST) or the address (a GET). Problems with the
 * frequency or the currency are set as the form's error. */
static void read_support(struct pt_app *app, struct pt_request *request,
                         struct support_form *form)
{
    memset(form, 0, sizeof(*form));
    form->lang = pt_i18n_lang(field(request, "lang"));
    form->language = pt_i18n_code(form->lang);
    form->currency = pt_money_currency(app->config->currency);
    if (form->currency == NULL)
        form->currency = pt_money_currency("USD");
    form->frequency = PT_FREQUENCY_MONTHLY;
    const char *campaign = field(request, "campaign"), *variant = field(request, "variant");
    form->campaign = pt_catalog_is_id(campaign) ? campaign : NULL;
    form->variant = pt_catalog_is_id(variant) ? variant : NULL;
    const char *back = field(request, "return");
    form->return_url = pt_app_is_return_url(app, back) ? back : NULL;
    /* From the appeal's menu or the page's own box, or by the newsroom's
     * default for the reader's country (docs/PRIVACY.md). */
    const char *trace = field(request, "trace");
    char country[PT_COUNTRY_MAX];
    pt_app_reader_country(app, request, country);
    form->keep_nothing = (trace != NULL && strcmp(trace, "none") == 0) ||
                         pt_app_no_trace_country(app, country);
    form->other_amount = field(request, "other_amount");
    form->confirm = field(request, "confirm");

    const char *frequency = field(request, "frequency");
    if (frequency != NULL && !pt_frequency_parse(frequency, &form->frequency))
        fail(form, "frequency", pt_i18n_text(PT_MSG_PAGE_CHOOSE_FREQUENCY, form->lang));
    const char *code = field(request, "currency");
    if (code == NULL && form->campaign != NULL) {
        /* Come from a link without the appeal's form: the currency the
         * campaign shows the reader's country, as its appeal would. */
        struct pt_catalog *catalog = pt_catalog_holder_acquire(&app->catalogs);
        const struct pt_campaign *chosen = pt_catalog_find(catalog, form->campaign);
        const char *local = chosen != NULL ? pt_select_currency(chosen, country) : NULL;
        /* Only a currency the page offers: the others would find no
         * processor. */
        for (size_t i = 0; local != NULL && i < app->currency_count; i++) {
            if (strcmp(app->currencies[i], local) == 0)
                form->currency = pt_money_currency(local);
        }
        pt_catalog_release(catalog);
    }
    if (code != NULL) {
        const struct pt_currency *currency = pt_money_currency(code);
        if (currency == NULL)
            fail(form, "currency", pt_i18n_text(PT_MSG_PAGE_UNKNOWN_CURRENCY, form->lang));
        else
            form->currency = currency;
    }
    /* The support page names the currency its amounts were shown in; a
     * reader without script who switched currency saw other amounts. */
    const char *shown = field(request, "shown_currency");
    form->currency_changed = shown != NULL && strcmp(shown, form->currency->code) != 0;

    char name[32];
    snprintf(name, sizeof(name), "amount_%s", pt_frequency_name(form->frequency));
    form->choice = field(request, name);
    form->email = field(request, "email");
    snprintf(name, sizeof(name), "method_%s", pt_frequency_name(form->frequency));
    form->method = field(request, name);
    if (form->method != NULL && form->method[0] == '\0')
        form->method = NULL;
    snprintf(name, sizeof(name), "rail_%s", pt_frequency_name(form->frequency));
    form->rail = field(request, name);
    if (form->rail != NULL && form->rail[0] == '\0')
        form->rail = NULL;
    if (form->choice == NULL)
        form->choice = field(request, "amount"); /* appeals rendered before per-frequency amounts */
    read_appeal(app, form);
}

/* The processor that charges the form's currency, or NULL. */
static struct pt_pay *routed_processor(const struct pt_app *app, const struct support_form *form)
{
    return pt_processors_for(app->processors, form->currency->code);
}

/* The rails offered for the form's currency at a frequency: the processor
 * that charges it first, then those a reader may choose beside it. */
static size_t form_rails(const struct pt_app *app, const struct support_form *form,
                         enum pt_frequency frequency, struct pt_pay **rails)
{
    return pt_processors_offered(app->processors, form->currency->code, frequency, rails,
                                 PT_PROCESSORS_MAX);
}

/* The processor the pledge would go to: the rail the reader chose when it
 * is one offered, else the one that charges the currency; NULL for none. */
static struct pt_pay *form_processor(const struct pt_app *app, const struct support_form *form)
{
    if (form->rail != NULL) {
        struct pt_pay *rails[PT_PROCESSORS_MAX];
        size_t count = form_rails(app, form, form->frequency, rails);
        for (size_t i = 0; i < count; i++)
            if (strcmp(rails[i]->ops->name, form->rail) == 0)
                return rails[i];
    }
    return routed_processor(app, form);
}

/* The ways to pay the processor that charges the currency offers for a
 * frequency. */
static size_t form_methods(const struct pt_app *app, const struct support_form *form,
                           enum pt_frequency frequency, struct pt_pay_method *methods)
{
    struct pt_pay *pay = routed_processor(app, form);
    return pay != NULL ? pay->ops->methods(pay, form->currency->code, frequency, methods,
                                           PT_PAY_METHODS_MAX)
                       : 0;
}

/* What the processor needs besides the amount: a way to pay it offers (when
 * the reader chose one), and an address when its own page asks none. A
 * reader who came from the appeal, where there is no box for it, is asked
 * for the address, not told off. */
static bool read_payer(const struct pt_app *app, struct support_form *form)
{
    if (form->rail != NULL) {
        struct pt_pay *chosen = form_processor(app, form);
        if (chosen == NULL || strcmp(chosen->ops->name, form->rail) != 0) {
            fail(form, "rail", pt_i18n_text(PT_MSG_RAIL_UNKNOWN, form->lang));
            return false;
        }
    }
    struct pt_pay *pay = form_processor(app, form);
    if (pay == NULL)
        return true;
    /* A way to pay belongs to the processor that charges the currency; a
     * reader who then chose another rail pays that way instead. */
    if (pay != routed_processor(app, form))
        form->method = NULL;
    if (form->method != NULL) {
        struct pt_pay_method methods[PT_PAY_METHODS_MAX];
        size_t count = form_methods(app, form, form->frequency, methods);
        bool offered = false;
        for (size_t i = 0; i < count; i++)
            offered |= strcmp(methods[i].id, form->method) == 0;
        if (!offered) {
            fail(form, "method", pt_i18n_text(PT_MSG_PAGE_METHOD_UNKNOWN, form->lang));
            return false;
        }
    }
    if (pay->ops->asks_email) {
        form->email = NULL; /* its own page asks: what was typed for another rail is not kept */
        return true;
    }
    bool none = form->email == NULL || form->email[0] == '\0';
    if (none && pay->ops->email_optional) {
        form->email = NULL;
        return true;
    }
    char email[255];
    bool valid = form->email != NULL && pt_crypto_normalise_email(form->email, email) == PT_OK;
    sodium_memzero(email, sizeof(email));
    if (valid)
        return true;
    if (form->email == NULL)
        form->email_prompt = true;
    else
        fail(form, "email", pt_i18n_text(PT_MSG_PAGE_EMAIL_NEEDED, form->lang));
    return false;
}

static void confirm_token(struct pt_buf *out, int64_t minor, const struct support_form *form)
{
    pt_buf_printf(out, "%lld:%s:%s", (long long)minor, form->currency->code,
                  pt_frequency_name(form->frequency));
}

/* The amount the reader chose, in minor units, checked against the rules.
 * stated says whether the reader has seen exactly this amount: one of the
 * amounts on show, or a statement ("You will give $3.50 every month") whose
 * token the form carries back. What the reader typed is never charged
 * unstated; a preset and a typed amount together are refused, never
 * guessed between. */
static bool read_amount(const struct pt_app *app, struct support_form *form, int64_t *minor,
                        bool *stated)
{
    const char *typed = form->other_amount != NULL && form->other_amount[0] != '\0'
                            ? form->other_amount
                            : NULL;
    *stated = false;
    if (form->choice != NULL && !other_chosen(form)) {
        if (typed != NULL) {
            fail(form, "amount", pt_i18n_text(PT_MSG_PAGE_BOTH_AMOUNTS, form->lang));
            return false;
        }
        typed = form->choice;
    } else if (typed == NULL) {
        fail(form, "amount", pt_i18n_text(PT_MSG_PAGE_ENTER_AMOUNT, form->lang));
        return false;
    }
    if (pt_money_parse(typed, form->currency, form->language, minor, form->error,
                       sizeof(form->error)) != PT_OK ||
        pt_money_check(form->frequency, *minor, form->currency, app->config->max_amount,
                       form->language, form->error, sizeof(form->error)) != PT_OK) {
        form->error_field = "amount";
        return false;
    }
    struct pt_pay *pay = form_processor(app, form);
    if (pay != NULL && *minor < pay->ops->minimum(pay, form->currency->code)) {
        form->error_field = "amount";
        snprintf(form->error, sizeof(form->error),
                 pt_i18n_text(PT_MSG_PAGE_AMOUNT_BELOW_PROCESSOR, form->lang), pay->ops->label);
        return false;
    }
    if (typed == form->choice)
        *stated = pt_money_ladder_has(&form->ladders[form->frequency], *minor);
    if (!*stated && form->confirm != NULL) {
        struct pt_buf token;
        pt_buf_init(&token);
        confirm_token(&token, *minor, form);
        *stated = strcmp(token.data, form->confirm) == 0;
        pt_buf_dispose(&token);
    }
    return true;
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

static void hidden_field(struct pt_buf *out, const char *name, const char *value)
{
    if (value == NULL)
        return;
    pt_buf_printf(out, "<input type=\"hidden\" name=\"%s\" value=\"", name);
    pt_buf_html_str(out, value);
    pt_buf_puts(out, "\">");
}

/* Where the reader came from, carried through every step. */
static void identity_fields(struct pt_buf *out, const struct support_form *form)
{
    hidden_field(out, "campaign", form->campaign);
    hidden_field(out, "variant", form->variant);
    hidden_field(out, "lang", form->language);
    hidden_field(out, "return", form->return_url);
    hidden_field(out, "trace", form->keep_nothing ? "none" : NULL);
}

/* The newsroom's name above every step, a way back to the article, and the
 * step's title as its heading. */
static void page_start(const struct pt_app *app, struct pt_buf *out,
                       const struct support_form *form, const char *title)
{
    pt_render_page_start(out, form->language, title);
    pt_buf_puts(out, "<header class=\"patron-brand\">");
    if (form->return_url != NULL) {
        pt_buf_puts(out, "<a class=\"patron-back\" href=\"");
        pt_buf_html_str(out, form->return_url);
        pt_buf_puts(out, "\">\u2190 ");
        pt_buf_html_str(out, pt_i18n_text(PT_MSG_PAGE_BACK, form->lang));
        pt_buf_puts(out, "</a>");
    }
    pt_buf_puts(out, "<p class=\"patron-newsroom\">");
    if (app->brand.logo != NULL) {
        pt_buf_puts(out, "<img class=\"patron-logo\" src=\"/brand/logo\" alt=\"");
        pt_buf_html_str(out, app->config->newsroom_name);
        pt_buf_puts(out, "\">");
    } else {
        pt_buf_html_str(out, app->config->newsroom_name);
    }
    pt_buf_puts(out, "</p></header><h1>");
    pt_buf_html_str(out, title);
    pt_buf_puts(out, "</h1>");
}

/* Who takes the payment, in the reader's language. */
static void trust_line(const struct pt_app *app, struct pt_buf *out,
                       const struct support_form *form)
{
    /* The processor that takes cards names itself; a rail whose money the
     * reader's own bank moves has nobody to name. */
    struct pt_pay *pay = routed_processor(app, form);
    struct pt_buf text;
    pt_buf_init(&text);
    if (pay != NULL && !pay->ops->alternative)
        pt_buf_printf(&text, pt_i18n_text(PT_MSG_PAGE_TRUST_BY, form->lang), pay->ops->label);
    else
        pt_buf_puts(&text, pt_i18n_text(PT_MSG_PAGE_TRUST, form->lang));
    pt_buf_puts(out, "<p class=\"patron-trust\">");
    pt_buf_html(out, text.data, text.length);
    pt_buf_puts(out, "</p>");
    pt_buf_dispose(&text);
}

static bool rail_offered(struct pt_pay *const *rails, size_t count, const struct pt_pay *pay)
{
    for (size_t i = 0; i < count; i++)
        if (rails[i] == pay)
            return true;
    return false;
}

/* The choice of rail, one set per frequency, where more than one is
 * offered ("Card or online payment", "Bank transfer"). */
static void rail_fields(const struct pt_app *app, struct pt_buf *out,
                        const struct support_form *form)
{
    enum pt_lang lang = form->lang;
    bool rail_invalid = form->error_field && strcmp(form->error_field, "rail") == 0;
    struct pt_pay *chosen = form_processor(app, form);
    for (unsigned f = 0; f < PT_FREQUENCIES; f++) {
        struct pt_pay *rails[PT_PROCESSORS_MAX];
        size_t count = form_rails(app, form, (enum pt_frequency)f, rails);
        if (count < 2)
            continue;
        const char *name = pt_frequency_name((enum pt_frequency)f);
        pt_buf_printf(out, "<fieldset class=\"patron-rails%s\" data-frequency=\"%s\"><legend>",
                      rail_invalid && f == form->frequency ? " patron-invalid" : "", name);
        pt_buf_html_str(out, pt_i18n_text(PT_MSG_RAIL_LEGEND, lang));
        pt_buf_puts(out, "</legend>");
        for (size_t i = 0; i < count; i++) {
            /* The frequency's first rail is chosen unless the reader chose. */
            bool checked = f == form->frequency ? rails[i] == chosen ||
                                                      (i == 0 && chosen != NULL &&
                                                       !rail_offered(rails, count, chosen))
                                                : i == 0;
            pt_buf_printf(out, "<label><input type=\"radio\" name=\"rail_%s\" value=\"", name);
            pt_buf_html_str(out, rails[i]->ops->name);
            pt_buf_printf(out, "\"%s> ", checked ? " checked" : "");
            if (rails[i]->ops->rail_name != NULL) {
                pt_buf_html_str(out, rails[i]->ops->rail_name(form->language));
            } else {
                struct pt_buf text;
                pt_buf_init(&text);
                pt_buf_printf(&text, pt_i18n_text(PT_MSG_RAIL_ONLINE, lang), rails[i]->ops->label);
                pt_buf_html_str(out, text.data);
                pt_buf_dispose(&text);
            }
            pt_buf_puts(out, "</label>");
        }
        if (rail_invalid && f == form->frequency) {
            pt_buf_puts(out, "<p class=\"patron-error\">");
            pt_buf_html_str(out, form->error);
            pt_buf_puts(out, "</p>");
            rail_invalid = false;
        }
        pt_buf_puts(out, "</fieldset>");
    }
    /* A rail asked for where none is offered to choose from (another
     * currency's): the message stands alone. */
    if (rail_invalid) {
        pt_buf_puts(out, "<p class=\"patron-error\">");
        pt_buf_html_str(out, form->error);
        pt_buf_puts(out, "</p>");
    }
}

/* Whether the address box is needed, and whether every rail that needs
 * one could do without: then it is optional. */
static void email_needs(const struct pt_app *app, const struct support_form *form, bool *shown,
                        bool *required)
{
    *shown = false;
    *required = false;
    bool optional = false;
    for (unsigned f = 0; f < PT_FREQUENCIES; f++) {
        struct pt_pay *rails[PT_PROCESSORS_MAX];
        size_t count = form_rails(app, form, (enum pt_frequency)f, rails);
        for (size_t i = 0; i < count; i++) {
            if (rails[i]->ops->asks_email)
                continue;
            *shown = true;
            if (rails[i]->ops->email_optional)
                optional = true;
            else
                *required = true;
        }
    }
    /* A box that one rail needs and another does not is not required by
     * the browser: the server says which needs it. */
    if (optional)
        *required = false;
}

/* Said before the reader leaves for a processor's page (issue 14): which
 * page will ask for their address, and that another rail needs none. */
static void email_notes(const struct pt_app *app, struct pt_buf *out,
                        const struct support_form *form)
{
    const struct pt_pay *asking = NULL;
    bool optional = false;
    for (unsigned f = 0; f < PT_FREQUENCIES; f++) {
        struct pt_pay *rails[PT_PROCESSORS_MAX];
        size_t count = form_rails(app, form, (enum pt_frequency)f, rails);
        for (size_t i = 0; i < count; i++) {
            if (rails[i]->ops->asks_email && asking == NULL)
                asking = rails[i];
            if (rails[i]->ops->email_optional)
                optional = true;
        }
    }
    if (asking == NULL)
        return;
    struct pt_buf text;
    pt_buf_init(&text);
    pt_buf_printf(&text, pt_i18n_text(PT_MSG_PAGE_CARD_ASKS_EMAIL, form->lang),
                  asking->ops->label);
    pt_buf_puts(out, "<p class=\"patron-note patron-email-asked\">");
    pt_buf_html(out, text.data, text.length);
    if (optional) {
        pt_buf_puts(out, " ");
        pt_buf_html_str(out, pt_i18n_text(PT_MSG_PAGE_NO_EMAIL_RAIL, form->lang));
    }
    pt_buf_puts(out, "</p>");
    pt_buf_dispose(&text);
}

/* Where a donor who gave without an address manages their pledge, on the
 * support page of a currency that a rail takes without one. */
static void code_link(const struct pt_app *app, struct pt_buf *out,
                      const struct support_form *form)
{
    bool optional = false;
    for (unsigned f = 0; f < PT_FREQUENCIES && !optional; f++) {
        struct pt_pay *rails[PT_PROCESSORS_MAX];
        size_t count = form_rails(app, form, (enum pt_frequency)f, rails);
        for (size_t i = 0; i < count; i++)
            optional = optional || rails[i]->ops->email_optional;
    }
    if (!optional)
        return;
    pt_buf_puts(out, "<p class=\"patron-code-link\"><a href=\"/manage/code");
    if (form->lang != PT_LANG_EN)
        pt_buf_printf(out, "?lang=%s", pt_i18n_code(form->lang));
    pt_buf_puts(out, "\">");
    pt_buf_html_str(out, pt_i18n_text(PT_MSG_CODE_LINK, form->lang));
    pt_buf_puts(out, "</a></p>");
}

/* A supporter reading on another device asks there for the link that stops
 * the appeals (issue 15), which comes by email: offered where email is. */
static void supporter_link(const struct pt_app *app, struct pt_buf *out,
                           const struct support_form *form)
{
    if (app->mail.url == NULL || app->mail.url[0] == '\0')
        return;
    pt_buf_puts(out, "<p class=\"patron-supporter-ask\"><a href=\"/supporter");
    if (form->lang != PT_LANG_EN)
        pt_buf_printf(out, "?lang=%s", pt_i18n_code(form->lang));
    pt_buf_puts(out, "\">");
    pt_buf_html_str(out, pt_i18n_text(PT_MSG_SUPPORTER_ASK_LINK, form->lang));
    pt_buf_puts(out, "</a></p>");
}

/* The rails and ways to pay, one set per frequency like the amounts (the page's
 * style shows the chosen frequency's), and the address when the
 * processor's page asks none. */
static void payer_fields(const struct pt_app *app, struct pt_buf *out,
                         const struct support_form *form)
{
    struct pt_pay *pay = form_processor(app, form);
    if (pay == NULL)
        return;
    enum pt_lang lang = form->lang;
    rail_fields(app, out, form);
    email_notes(app, out, form);
    bool method_invalid = form->error_field && strcmp(form->error_field, "method") == 0;
    for (unsigned f = 0; f < PT_FREQUENCIES; f++) {
        struct pt_pay_method methods[PT_PAY_METHODS_MAX];
        size_t count = form_methods(app, form, (enum pt_frequency)f, methods);
        if (count == 0)
            continue;
        const char *name = pt_frequency_name((enum pt_frequency)f);
        pt_buf_printf(out, "<fieldset class=\"patron-methods%s\" data-frequency=\"%s\"><legend>",
                      method_invalid && f == form->frequency ? " patron-invalid" : "", name);
        pt_buf_html_str(out, pt_i18n_text(PT_MSG_PAGE_HOW_TO_PAY, lang));
        pt_buf_puts(out, "</legend>");
        for (size_t i = 0; i < count; i++) {
            bool checked = f == form->frequency && form->method != NULL &&
                           strcmp(form->method, methods[i].id) == 0;
            pt_buf_printf(out, "<label><input type=\"radio\" name=\"method_%s\" value=\"", name);
            pt_buf_html_str(out, methods[i].id);
            pt_buf_printf(out, "\"%s> ", checked ? " checked" : "");
            pt_buf_html_str(out, methods[i].label[0] != '\0'
                                     ? methods[i].label
                                     : pt_i18n_text(PT_MSG_PAGE_METHOD_CARD, lang));
            if (methods[i].first_only) {
                pt_buf_puts(out, " <small>(");
                pt_buf_html_str(out, pt_i18n_text(PT_MSG_PAGE_METHOD_FIRST_ONLY, lang));
                pt_buf_puts(out, ")</small>");
            }
            pt_buf_puts(out, "</label>");
        }
        if (method_invalid && f == form->frequency) {
            pt_buf_puts(out, "<p class=\"patron-error\">");
            pt_buf_html_str(out, form->error);
            pt_buf_puts(out, "</p>");
        }
        pt_buf_puts(out, "</fieldset>");
    }
    bool shown, required;
    email_needs(app, form, &shown, &required);
    if (!shown)
        return;
    bool invalid = form->error_field && strcmp(form->error_field, "email") == 0;
    pt_buf_puts(out, "<label for=\"email\">");
    pt_buf_html_str(out,
                    pt_i18n_text(required || (!pay->ops->asks_email && !pay->ops->email_optional)
                                     ? PT_MSG_PAGE_EMAIL
                                     : PT_MSG_PAGE_EMAIL_OPTIONAL,
                                 lang));
    pt_buf_printf(out, "</label><input id=\"email\" name=\"email\" type=\"email\" "
                       "autocomplete=\"email\"%s value=\"",
                  required ? " required" : "");
    if (form->email != NULL)
        pt_buf_html_str(out, form->email);
    pt_buf_puts(out, "\"");
    if (invalid || form->email_prompt) {
        pt_buf_printf(out, " aria-describedby=\"email-note\" autofocus%s><p id=\"email-note\" "
                           "class=\"%s\">",
                      invalid ? " aria-invalid=\"true\"" : "",
                      invalid ? "patron-error" : "patron-notice");
        pt_buf_html_str(out, pt_i18n_text(PT_MSG_PAGE_EMAIL_NEEDED, lang));
        pt_buf_puts(out, "</p>");
    } else {
        pt_buf_puts(out, ">");
    }
}

static void render_support(const struct pt_app *app, struct pt_buf *out,
                           const struct support_form *form, bool focus_other)
{
    const char *language = form->language;
    enum pt_lang lang = form->lang;
    const char *title =
        form->headline[0] != '\0' ? form->headline : pt_i18n_text(PT_MSG_PAGE_SUPPORT_TITLE, lang);
    page_start(app, out, form, title);
    pt_buf_puts(out, "<p>");
    pt_buf_html_str(out, pt_i18n_text(PT_MSG_PAGE_SUPPORT_INTRO, lang));
    pt_buf_puts(out, "</p>");
    if (form->error_field != NULL) {
        pt_buf_puts(out, "<p class=\"patron-error-summary\" role=\"alert\">");
        pt_buf_html_str(out, pt_i18n_text(PT_MSG_PAGE_FIX_BELOW, lang));
        pt_buf_puts(out, "</p>");
    } else if (form->currency_changed) {
        pt_buf_puts(out, "<p class=\"patron-notice\" role=\"status\">");
        pt_buf_html_str(out, pt_i18n_text(PT_MSG_PAGE_CURRENCY_CHANGED, lang));
        pt_buf_puts(out, "</p>");
    }
    pt_buf_puts(out, "<form class=\"patron-support-form\" method=\"post\" action=\"/support\">");
    identity_fields(out, form);
    hidden_field(out, "shown_currency", form->currency->code);
    /* Filled by support.js with the statement the reader sees. */
    pt_buf_puts(out, "<input type=\"hidden\" name=\"confirm\" value=\"\">");

    pt_buf_puts(out, "<fieldset");
    if (form->error_field && strcmp(form->error_field, "frequency") == 0)
        pt_buf_puts(out, " class=\"patron-invalid\"");
    pt_buf_puts(out, "><legend>");
    pt_buf_html_str(out, pt_i18n_text(PT_MSG_PAGE_HOW_OFTEN, lang));
    pt_buf_puts(out, "</legend>");
    static const enum pt_msg names[PT_FREQUENCIES] = {
        [PT_FREQUENCY_MONTHLY] = PT_MSG_PAGE_MONTHLY,
        [PT_FREQUENCY_ONE_OFF] = PT_MSG_PAGE_ONE_OFF,
        [PT_FREQUENCY_ANNUAL] = PT_MSG_PAGE_ANNUAL,
    };
    for (unsigned f = 0; f < PT_FREQUENCIES; f++)
        radio(out, "frequency", pt_frequency_name(f), form->frequency == f,
              pt_i18n_text(names[f], lang));
    if (form->error_field && strcmp(form->error_field, "frequency") == 0) {
        pt_buf_puts(out, "<p class=\"patron-error\">");
        pt_buf_html_str(out, form->error);
        pt_buf_puts(out, "</p>");
    }
    pt_buf_puts(out, "</fieldset>");

    /* The amount the reader had chosen stays chosen, as a preset or as
     * "other" with what they typed; after a currency switch, the new
     * currency's default. */
    int64_t chosen = 0;
    const char *typed = form->other_amount;
    bool other = other_chosen(form) || focus_other;
    if (form->choice != NULL && !other && !form->currency_changed) {
        char ignored[256];
        if (pt_money_parse(form->choice, form->currency, language, &chosen, ignored,
                           sizeof(ignored)) != PT_OK ||
            !pt_money_ladder_has(&form->ladders[form->frequency], chosen)) {
            other = true; /* an amount from elsewhere: shown as typed */
            if (typed == NULL || typed[0] == '\0')
                typed = form->choice;
        }
    }
    bool invalid = form->error_field && strcmp(form->error_field, "amount") == 0;
    for (unsigned f = 0; f < PT_FREQUENCIES; f++) {
        const struct pt_amount_ladder *ladder = &form->ladders[f];
        bool mine = f == form->frequency;
        pt_render_amounts(out, invalid && mine ? "patron-amounts patron-invalid" : "patron-amounts",
                          (enum pt_frequency)f, ladder,
                          mine && chosen != 0 ? chosen : ladder->default_amount, mine && other,
                          form->currency, language);
    }
    pt_buf_puts(out, "<label class=\"patron-other\" for=\"other_amount\">");
    pt_buf_html_str(out, pt_i18n_text(PT_MSG_PAGE_OTHER_AMOUNT, lang));
    pt_buf_puts(out, " (");
    pt_buf_html_str(out, form->currency->code);
    pt_buf_puts(out, ")</label><input id=\"other_amount\" name=\"other_amount\" "
                     "inputmode=\"decimal\" autocomplete=\"off\"");
    if (focus_other && !invalid)
        pt_buf_puts(out, " autofocus");
    pt_buf_puts(out, " value=\"");
    if (typed != NULL)
        pt_buf_html_str(out, typed);
    pt_buf_puts(out, "\"");
    if (invalid) {
        pt_buf_puts(out, " aria-invalid=\"true\" aria-describedby=\"amount-error\" autofocus>"
                         "<p id=\"amount-error\" class=\"patron-error\">");
        pt_buf_html_str(out, form->error);
        pt_buf_puts(out, "</p>");
    } else {
        pt_buf_puts(out, ">");
    }

    pt_buf_puts(out, "<label for=\"currency\">");
    pt_buf_html_str(out, pt_i18n_text(PT_MSG_PAGE_CURRENCY, lang));
    pt_buf_puts(out, "</label><select id=\"currency\" name=\"currency\"");
    if (form->error_field && strcmp(form->error_field, "currency") == 0)
        pt_buf_puts(out, " aria-invalid=\"true\" aria-describedby=\"currency-error\"");
    pt_buf_puts(out, ">");
    for (size_t i = 0; i < app->currency_count; i++)
        pt_buf_printf(out, "<option%s>%s</option>",
                      strcmp(app->currencies[i], form->currency->code) == 0 ? " selected" : "",
                      app->currencies[i]);
    pt_buf_puts(out, "</select>");
    /* Without script the page cannot redraw its amounts when the currency
     * changes: this asks the server to. A POST, so that an address typed
     * on the form never goes into an address bar or a log. */
    pt_buf_puts(out, "<noscript><button class=\"patron-secondary\" type=\"submit\" "
                     "name=\"show\" value=\"currency\">");
    pt_buf_html_str(out, pt_i18n_text(PT_MSG_PAGE_SHOW_CURRENCY, lang));
    pt_buf_puts(out, "</button></noscript>");
    if (form->error_field && strcmp(form->error_field, "currency") == 0) {
        pt_buf_puts(out, "<p id=\"currency-error\" class=\"patron-error\">");
        pt_buf_html_str(out, form->error);
        pt_buf_puts(out, "</p>");
    }
    payer_fields(app, out, form);
    pt_buf_puts(out, "<p id=\"patron-statement\" class=\"patron-statement\" role=\"status\" "
                     "hidden></p><button type=\"submit\">");
    pt_buf_html_str(out, pt_i18n_text(PT_MSG_PAGE_CONTINUE, lang));
    pt_buf_puts(out, "</button>");
    trust_line(app, out, form);
    pt_buf_puts(out, "</form>");
    code_link(app, out, form);
    supporter_link(app, out, form);
    pt_buf_puts(out, "<script src=\"/support.js\"></script>");
    pt_render_page_end(out);
}

/* One step before the processor for an amount the reader typed and has not
 * yet seen stated: "You will give $3.50 every month", to confirm or change. */
static void render_check(const struct pt_app *app, struct pt_buf *out,
                         const struct support_form *form, int64_t minor)
{
    const char *language = form->language;
    enum pt_lang lang = form->lang;
    page_start(app, out, form, pt_i18n_text(PT_MSG_PAGE_CHECK_TITLE, lang));
    pt_buf_printf(out, "<p class=\"patron-statement\" data-amount-minor=\"%lld\" "
                       "data-currency=\"%s\" data-frequency=\"%s\">",
                  (long long)minor, form->currency->code, pt_frequency_name(form->frequency));
    struct pt_buf text;
    pt_buf_init(&text);
    pt_money_statement(&text, minor, form->currency, form->frequency, language);
    pt_buf_html(out, text.data, text.length);
    pt_buf_reset(&text);
    pt_buf_puts(out, "</p>");
    static const char *const methods[] = {"post", "get"};
    for (size_t i = 0; i < 2; i++) {
        pt_buf_printf(out, "<form class=\"patron-check\" method=\"%s\" action=\"/support\">",
                      methods[i]);
        identity_fields(out, form);
        hidden_field(out, "frequency", pt_frequency_name(form->frequency));
        hidden_field(out, "currency", form->currency->code);
        hidden_field(out, "amount", "other");
        pt_money_format_plain(&text, minor, form->currency);
        hidden_field(out, "other_amount", text.data);
        pt_buf_reset(&text);
        /* "Change" is a GET: the address stays out of it (and out of
         * address bars and logs); the reader types it again. */
        if (i == 0)
            hidden_field(out, "email", form->email);
        if (form->rail != NULL) {
            char name[32];
            snprintf(name, sizeof(name), "rail_%s", pt_frequency_name(form->frequency));
            hidden_field(out, name, form->rail);
        }
        if (form->method != NULL) {
            char name[32];
            snprintf(name, sizeof(name), "method_%s", pt_frequency_name(form->frequency));
            hidden_field(out, name, form->method);
        }
        if (i == 0) {
            confirm_token(&text, minor, form);
            hidden_field(out, "confirm", text.data);
            pt_buf_reset(&text);
        }
        pt_buf_printf(out, "<button type=\"submit\"%s>",
                      i == 0 ? " autofocus" : " class=\"patron-secondary\"");
        pt_buf_html_str(out,
                        pt_i18n_text(i == 0 ? PT_MSG_PAGE_TO_PAYMENT : PT_MSG_PAGE_CHANGE, lang));
        pt_buf_puts(out, "</button></form>");
    }
    pt_buf_dispose(&text);
    trust_line(app, out, form);
    pt_render_page_end(out);
}

static void render_pending(const struct pt_app *app, struct pt_buf *out,
                           const struct support_form *form, int64_t minor)
{
    const char *language = form->language;
    enum pt_lang lang = form->lang;
    page_start(app, out, form, pt_i18n_text(PT_MSG_PAGE_PENDING_TITLE, lang));
    pt_buf_puts(out, "<p class=\"patron-pledge\" data-status=\"pending\">");
    pt_buf_html_str(out, pt_i18n_text(PT_MSG_PAGE_PENDING_BODY, lang));
    pt_buf_puts(out, " <strong>");
    struct pt_buf shown;
    pt_buf_init(&shown);
    pt_money_format_in(&shown, minor, form->currency, language);
    pt_buf_html(out, shown.data, shown.length);
    pt_buf_dispose(&shown);
    pt_buf_puts(out, ", ");
    enum pt_msg phrase = form->frequency == PT_FREQUENCY_MONTHLY  ? PT_MSG_PAGE_MONTHLY
                         : form->frequency == PT_FREQUENCY_ANNUAL ? PT_MSG_PAGE_ANNUAL
                                                                  : PT_MSG_PAGE_ONE_OFF;
    pt_buf_html_str(out, pt_i18n_text(phrase, lang));
    pt_buf_puts(out, "</strong></p><p class=\"patron-notice\" role=\"status\">");
    pt_buf_html_str(out, pt_i18n_text(PT_MSG_PAGE_NOT_SET_UP, lang));
    pt_buf_puts(out, "</p><p><a href=\"");
    pt_buf_html_str(out, form->return_url != NULL ? form->return_url : "/");
    pt_buf_puts(out, "\">");
    pt_buf_html_str(out, pt_i18n_text(PT_MSG_PAGE_BACK, lang));
    pt_buf_puts(out, "</a></p>");
    pt_render_page_end(out);
}

/* Records the pledge as pending and answers with the processor's checkout
 * (or, with no processor, a page saying nothing was charged). */
static void start_pledge(struct pt_app *app, struct pt_request *request,
                         struct pt_response *response, const struct support_form *form,
                         int64_t minor)
{
    const char *language = form->language;
    enum pt_lang lang = form->lang;
    char client[128];
    pt_app_client(app, request, client, sizeof(client));
    if (!pt_ratelimit_allow(app->pledge_attempts, client, pt_app_now(app) * 1000)) {
        pt_response_error_in(request, response, 429, pt_i18n_code(lang),
                             pt_i18n_text(PT_MSG_PAGE_TOO_MANY, lang));
        return;
    }
    struct pt_pledge_request pledge = {
        .frequency = form->frequency,
        .amount_minor = minor,
        .currency = form->currency->code,
        .campaign = form->campaign,
        .variant = form->variant,
        .language = language,
        .return_url = form->return_url,
        .keep_nothing = form->keep_nothing,
        .email = form->email,
        .method = form->method,
        .rail = form->rail,
        .origin = pt_app_origin(app, request),
    };
    int64_t now = pt_app_now(app);
    char pledge_id[33], url[PT_PAY_URL_MAX], error[300] = "";
    enum pt_status status = pt_pledges_create(app->ledger, &pledge, now, pledge_id, url,
                                              sizeof(url), error, sizeof(error));
    if (pledge_id[0] == '\0') {
        pt_response_error_in(request, response, 503, pt_i18n_code(lang),
                             pt_i18n_text(PT_MSG_PAGE_NOT_SAVED, lang));
        return;
    }
    pt_app_count_event(app, form->campaign, form->variant, PT_EVENT_PLEDGE_PENDING, now);
    if (status) {
        pt_log(PT_LOG_ERROR, "a checkout could not be started: %s", error);
        pt_response_error_in(request, response, 503, pt_i18n_code(lang),
                             pt_i18n_text(PT_MSG_PAGE_PROCESSOR_DOWN, lang));
        return;
    }
    if (url[0] == '\0') {
        /* No processor: nothing was charged, and the page says so. */
        struct pt_buf body;
        pt_buf_init(&body);
        render_pending(app, &body, form, minor);
        html_answer(request, response, 201, &body);
        pt_buf_dispose(&body);
        return;
    }
    pt_response_text(request, response, 303, "text/plain", "", 0);
    pt_response_header(response, "Location", pt_arena_strndup(request->arena, url, strlen(url)));
    /* A pledge without an address gets its manage code on the thank-you
     * page, in this browser only (issue 14). */
    struct pt_pay *rail = form_processor(app, form);
    if ((form->email == NULL || form->email[0] == '\0') && rail != NULL &&
        rail->ops->email_optional) {
        char cookie[256];
        pt_payment_routes_code_cookie(app, request, pledge_id, false, cookie, sizeof(cookie));
        pt_response_header(response, "Set-Cookie",
                           pt_arena_strndup(request->arena, cookie, strlen(cookie)));
    }
}

void pt_pages_support(struct pt_app *app, struct pt_request *request,
                      struct pt_response *response)
{
    if (request->form_invalid) {
        pt_response_error(request, response, 400,
                          pt_i18n_text(PT_MSG_PAGE_FORM_UNREADABLE,
                                       pt_i18n_lang(pt_http_query(request, "lang"))));
        return;
    }
    pt_response_header(response, "Content-Security-Policy", app->form_policy);
    struct support_form form;
    read_support(app, request, &form);
    int64_t minor = 0;
    bool stated = false;
    struct pt_buf body;
    pt_buf_init(&body);
    bool post = request->method == PT_METHOD_POST;
    /* "Other" on the appeal, which has no box to type in: the page with
     * the box, ready for typing. */
    bool arriving_for_other = other_chosen(&form) && form.other_amount == NULL;
    /* "Show amounts in this currency" (no script) only redraws the form. */
    const char *show = pt_http_form(request, "show");
    bool only_show = post && show != NULL && strcmp(show, "currency") == 0;
    if (!post || only_show || form.error_field != NULL || form.currency_changed ||
        arriving_for_other) {
        render_support(app, &body, &form, arriving_for_other);
        html_answer(request, response, form.error_field != NULL ? 422 : 200, &body);
    } else if (!read_amount(app, &form, &minor, &stated)) {
        render_support(app, &body, &form, false);
        html_answer(request, response, 422, &body);
    } else if (!read_payer(app, &form)) {
        render_support(app, &body, &form, false);
        html_answer(request, response, form.error_field != NULL ? 422 : 200, &body);
    } else if (!stated) {
        render_check(app, &body, &form, minor);
        html_answer(request, response, 200, &body);
    } else {
        start_pledge(app, request, response, &form, minor);
    }
    pt_buf_dispose(&body);
}

void pt_pages_support_quote(struct pt_app *app, struct pt_request *request,
                            struct pt_response *response)
{
    struct support_form form;
    read_support(app, request, &form);
    int64_t minor = 0;
    bool stated = false;
    struct pt_buf body;
    pt_buf_init(&body);
    int status = 200;
    if (form.error_field == NULL && read_amount(app, &form, &minor, &stated)) {
        pt_buf_puts(&body, "{\"amount_minor\":");
        pt_buf_printf(&body, "%lld,\"currency\":\"%s\",\"frequency\":\"%s\",\"statement\":",
                      (long long)minor, form.currency->code, pt_frequency_name(form.frequency));
        struct pt_buf text;
        pt_buf_init(&text);
        pt_money_statement(&text, minor, form.currency, form.frequency, form.language);
        pt_buf_json_str(&body, text.data);
        pt_buf_reset(&text);
        confirm_token(&text, minor, &form);
        pt_buf_puts(&body, ",\"confirm\":");
        pt_buf_json_str(&body, text.data);
        pt_buf_puts(&body, "}");
        pt_buf_dispose(&text);
    } else {
        status = 422;
        pt_buf_puts(&body, "{\"error\":{\"field\":");
        pt_buf_json_str(&body, form.error_field);
        pt_buf_puts(&body, ",\"message\":");
        pt_buf_json_str(&body, form.error);
        pt_buf_puts(&body, "}}");
    }
    pt_response_text(request, response, status, "application/json", body.data, body.length);
    pt_response_header(response, "Cache-Control", "no-store");
    pt_buf_dispose(&body);
}

/* ----------------------------------------------------------------- brand */

void pt_pages_brand_css(struct pt_app *app, struct pt_request *request,
                        struct pt_response *response)
{
    (void)request;
    response->status = 200;
    response->content_type = "text/css; charset=utf-8";
    response->body = app->brand.stylesheet;
    response->body_length = app->brand.stylesheet_length;
    pt_response_header(response, "Cache-Control", "public, max-age=300");
}

void pt_pages_brand_logo(struct pt_app *app, struct pt_request *request,
                         struct pt_response *response)
{
    if (app->brand.logo == NULL) {
        pt_response_error(request, response, 404, "There is no logo configured.");
        return;
    }
    response->status = 200;
    response->content_type = app->brand.logo_type;
    response->body = (const char *)app->brand.logo;
    response->body_length = app->brand.logo_length;
    pt_response_header(response, "Cache-Control", "public, max-age=300");
    /* An SVG opened on its own is a document: it may run nothing. */
    pt_response_header(response, "Content-Security-Policy",
                       "default-src 'none'; style-src 'unsafe-inline'; sandbox");
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
        /* The demo articles carry the appeal, whose form may be answered
         * with the processor's checkout. */
        pt_response_header(response, "Content-Security-Policy", app->form_policy);
    } else {
        /* Short enough that a new widget reaches readers within minutes. */
        pt_response_header(response, "Cache-Control", "public, max-age=300");
        pt_response_header(response, "Access-Control-Allow-Origin", "*");
    }
}
