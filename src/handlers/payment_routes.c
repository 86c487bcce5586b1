#include "patron/payment_routes.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "patron/alloc.h"
#include "patron/app.h"
#include "patron/buf.h"
#include "patron/config.h"
#include "patron/crypto.h"
#include "patron/http.h"
#include "patron/i18n.h"
#include "patron/log.h"
#include "patron/money.h"
#include "patron/pay.h"
#include "patron/pledges.h"
#include "patron/processors.h"
#include "patron/ratelimit.h"
#include "patron/render.h"
#include "patron/store.h"

static void page(struct pt_request *request, struct pt_response *response, int status,
                 struct pt_buf *body)
{
    pt_render_page_end(body);
    pt_response_text(request, response, status, "text/html; charset=utf-8", body->data,
                     body->length);
    pt_response_header(response, "Cache-Control", "no-store");
    pt_buf_dispose(body);
}

/* A refusal in the reader's language. http's error page is English (its
 * html lang says so), so another language gets a page of our own. */
static void refuse(struct pt_request *request, struct pt_response *response, int status,
                   enum pt_lang lang, enum pt_msg msg)
{
    const char *text = pt_i18n_text(msg, lang);
    if (lang == PT_LANG_EN) {
        pt_response_error(request, response, status, text);
        return;
    }
    struct pt_buf body;
    pt_buf_init(&body);
    pt_render_page_start(&body, pt_i18n_code(lang), text);
    pt_buf_puts(&body, "<h1>");
    pt_buf_html_str(&body, text);
    pt_buf_puts(&body, "</h1>");
    page(request, response, status, &body);
}

static void describe(struct pt_buf *out, const struct pt_pledge_record *pledge)
{
    const struct pt_currency *currency = pt_money_currency(pledge->currency);
    struct pt_buf amount;
    pt_buf_init(&amount);
    if (currency != NULL)
        pt_money_format(&amount, pledge->amount_minor, currency);
    enum pt_msg how = pledge->frequency == PT_FREQUENCY_MONTHLY  ? PT_MSG_PLEDGE_A_MONTH
                      : pledge->frequency == PT_FREQUENCY_ANNUAL ? PT_MSG_PLEDGE_A_YEAR
                                                                 : PT_MSG_PLEDGE_ONCE;
    pt_buf_puts(out, "<strong>");
    if (amount.data != NULL)
        pt_buf_html(out, amount.data, amount.length);
    pt_buf_puts(out, "</strong> ");
    pt_buf_html_str(out, pt_i18n_text(how, pt_i18n_lang(pledge->language)));
    pt_buf_dispose(&amount);
}

static const char *status_words(const char *status, enum pt_lang lang)
{
    static const struct {
        const char *status;
        enum pt_msg words;
    } statuses[] = {
        {"active", PT_MSG_PLEDGE_STATUS_ACTIVE},
        {"completed", PT_MSG_PLEDGE_STATUS_COMPLETED},
        {"past_due", PT_MSG_PLEDGE_STATUS_PAST_DUE},
        {"paused", PT_MSG_PLEDGE_STATUS_PAUSED},
        {"cancelled", PT_MSG_PLEDGE_STATUS_CANCELLED},
    };
    for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
        if (strcmp(status, statuses[i].status) == 0)
            return pt_i18n_text(statuses[i].words, lang);
    }
    return pt_i18n_text(PT_MSG_PLEDGE_STATUS_PENDING, lang);
}

/* ---------------------------------------------------------------- thanks */

static bool is_pledge_id(const char *id)
{
    if (id == NULL || strlen(id) != 32)
        return false;
    for (const char *p = id; *p; p++) {
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return false;
    }
    return true;
}

/* A reload, a crawler or an attacker must not turn one pledge into a stream
 * of processor calls: the page asks about a pending pledge at most once per
 * PT_THANKS_CHECK_SECONDS, and hits that come while a call is in flight wait
 * for its answer in the ledger instead of asking again. The table is small
 * and fixed; when it is full the oldest idle entry is reused. */
enum { CHECK_SLOTS = 256, CHECK_WAIT_SECONDS = 40 };

struct thanks_check {
    char pledge_id[33];
    int64_t asked_ms; /* monotonic */
    bool in_flight;
};

struct pt_thanks_checks {
    pthread_mutex_t lock;
    pthread_cond_t answered;
    struct thanks_check slots[CHECK_SLOTS];
};

struct pt_thanks_checks *pt_payment_routes_checks_new(void)
{
    struct pt_thanks_checks *checks = pt_xcalloc(1, sizeof(*checks));
    pthread_mutex_init(&checks->lock, NULL);
    pthread_cond_init(&checks->answered, NULL);
    return checks;
}

void pt_payment_routes_checks_free(struct pt_thanks_checks *checks)
{
    if (checks == NULL)
        return;
    pthread_cond_destroy(&checks->answered);
    pthread_mutex_destroy(&checks->lock);
    free(checks);
}

static int64_t monotonic_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static struct thanks_check *find_check(struct pt_thanks_checks *checks, const char *pledge_id)
{
    for (size_t i = 0; i < CHECK_SLOTS; i++) {
        if (strcmp(checks->slots[i].pledge_id, pledge_id) == 0)
            return &checks->slots[i];
    }
    return NULL;
}

/* True when this hit should ask the processor (and then call check_done);
 * false when the ledger is to be read as it is: asked recently, or another
 * hit's call just ended (it waits for that one), or the table is all busy. */
static bool check_begin(struct pt_thanks_checks *checks, const char *pledge_id)
{
    bool ask = false;
    pthread_mutex_lock(&checks->lock);
    struct thanks_check *check = find_check(checks, pledge_id);
    if (check != NULL && check->in_flight) {
        struct timespec deadline;
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_sec += CHECK_WAIT_SECONDS;
        /* The slot cannot be reused while it is in flight, so it still names
         * this pledge when the wait ends. */
        int waited = 0;
        while (check->in_flight && waited == 0)
            waited = pthread_cond_timedwait(&checks->answered, &checks->lock, &deadline);
        goto out;
    }
    int64_t now = monotonic_ms();
    if (check != NULL && now - check->asked_ms < PT_THANKS_CHECK_SECONDS * 1000)
        goto out;
    if (check == NULL) {
        /* An empty slot, else the one asked about longest ago. */
        check = find_check(checks, "");
        for (size_t i = 0; check == NULL && i < CHECK_SLOTS; i++) {
            struct thanks_check *slot = &checks->slots[i];
            if (!slot->in_flight && (check == NULL || slot->asked_ms < check->asked_ms))
                check = slot;
        }
        if (check == NULL)
            goto out;
        snprintf(check->pledge_id, sizeof(check->pledge_id), "%s", pledge_id);
    }
    check->asked_ms = now;
    check->in_flight = true;
    ask = true;
out:
    pthread_mutex_unlock(&checks->lock);
    return ask;
}

static void check_done(struct pt_thanks_checks *checks, const char *pledge_id)
{
    pthread_mutex_lock(&checks->lock);
    struct thanks_check *check = find_check(checks, pledge_id);
    if (check != NULL)
        check->in_flight = false;
    pthread_cond_broadcast(&checks->answered);
    pthread_mutex_unlock(&checks->lock);
}

static void thanks_code(struct pt_app *app, struct pt_request *request,
                        struct pt_response *response, const struct pt_pledge_record *pledge,
                        const struct pt_pay *pay, enum pt_lang lang, struct pt_buf *body);

void pt_payment_routes_thanks(struct pt_app *app, struct pt_request *request,
                              struct pt_response *response)
{
    const char *pledge_id = pt_http_query(request, "pledge");
    const char *session = pt_http_query(request, "session");
    struct pt_pledge_record pledge;
    if (!is_pledge_id(pledge_id) || pt_store_pledge_get(app->store, pledge_id, &pledge) != PT_OK) {
        /* No pledge, so no language: the address carries none. */
        refuse(request, response, 404, PT_LANG_EN, PT_MSG_THANKS_NO_SUCH_PLEDGE);
        return;
    }
    /* The donor may arrive before the processor's webhook: read the checkout
     * now and apply it. The webhook, when it comes, changes nothing more.
     * Once the ledger knows the outcome, the ledger answers. */
    /* A processor that cannot name its checkout in the return address
     * (Mollie) brings the donor back without one: the pledge's own is read. */
    struct pt_pay *pay = pt_pledges_processor(app->ledger, &pledge);
    bool named = session != NULL && strcmp(session, pledge.checkout_id) == 0;
    bool unnamed = session == NULL && pay != NULL && !pay->ops->return_names_checkout;
    /* A rail whose money the reader moves themselves has nothing to re-read:
     * its payments come from the newsroom's statement. */
    if (pay != NULL && pay->ops->instructions == NULL && pledge.checkout_id[0] != '\0' &&
        (named || unnamed) && strcmp(pledge.status, "pending") == 0) {
        if (check_begin(app->thanks_checks, pledge.id)) {
            struct pt_ledger_result result;
            char error[300];
            if (pt_pledges_apply_session(app->ledger, pay, pledge.checkout_id, NULL, NULL,
                                         pt_app_now(app), &result, error, sizeof(error)) != PT_OK)
                pt_log(PT_LOG_ERROR, "the thank-you page could not confirm a checkout: %s", error);
            check_done(app->thanks_checks, pledge.id);
        }
        if (pt_store_pledge_get(app->store, pledge_id, &pledge) != PT_OK) {
            refuse(request, response, 503, pt_i18n_lang(pledge.language), PT_MSG_THANKS_RELOAD);
            return;
        }
    }
    enum pt_lang lang = pt_i18n_lang(pledge.language);
    struct pt_buf body;
    pt_buf_init(&body);
    pt_render_page_start(&body, pledge.language, pt_i18n_text(PT_MSG_THANKS_TITLE, lang));
    bool confirmed =
        strcmp(pledge.status, "active") == 0 || strcmp(pledge.status, "completed") == 0;
    pt_buf_printf(&body, "<h1>%s</h1><p class=\"patron-pledge\" data-status=\"%s\">",
                  pt_i18n_text(PT_MSG_THANKS_HEADING, lang), pledge.status);
    pt_buf_puts(&body, pt_i18n_text(PT_MSG_THANKS_YOUR_SUPPORT, lang));
    describe(&body, &pledge);
    pt_buf_puts(&body, " — ");
    pt_buf_html_str(&body, status_words(pledge.status, lang));
    pt_buf_puts(&body, "</p>");
    /* A rail whose money the reader moves themselves (a bank transfer)
     * says what to transfer, while the pledge expects money. */
    bool self_paid = pay != NULL && pay->ops->instructions != NULL;
    bool expecting =
        strcmp(pledge.status, "pending") == 0 ||
        (strcmp(pledge.status, "active") == 0 && pledge.frequency != PT_FREQUENCY_ONE_OFF);
    if (self_paid && confirmed)
        pt_buf_printf(&body, "<p>%s</p>", pt_i18n_text(PT_MSG_BANK_ARRIVED, lang));
    if (self_paid && expecting) {
        struct pt_pay_pledge subject = {.id = pledge.id,
                                        .customer = pledge.customer_id,
                                        .subscription = pledge.subscription_id,
                                        .frequency = pledge.frequency,
                                        .amount_minor = pledge.amount_minor,
                                        .currency = pledge.currency};
        pay->ops->instructions(pay, &subject, pledge.checkout_id, pledge.language, &body);
    } else if (!self_paid || pledge.email_sealed_length > 0) {
        pt_buf_printf(
            &body, "<p>%s</p>",
            pt_i18n_text(confirmed ? PT_MSG_THANKS_CONFIRMED : PT_MSG_THANKS_WAITING, lang));
    }
    thanks_code(app, request, response, &pledge, pay, lang, &body);
    pt_buf_puts(&body, "<p>");
    /* Back to the article, telling the widget there (whose storage this
     * page cannot reach from another origin) that the reader now supports. */
    const char *back = pt_http_query(request, "return");
    pt_buf_puts(&body, "<a class=\"patron-back\" href=\"");
    pt_buf_html_str(&body, pt_app_is_return_url(app, back) ? back : "/");
    if (confirmed)
        pt_buf_puts(&body, "#patron-supporter");
    pt_buf_puts(&body, "\">");
    pt_buf_puts(&body, pt_i18n_text(PT_MSG_PAGE_BACK, lang));
    pt_buf_puts(&body, "</a></p>");
    /* Tells the widget, in this browser, that the reader now supports. */
    if (confirmed) {
        /* And offers the link that does it on any device (issue 15): a
         * signed one, to keep or send to oneself; it works for a day. */
        char token[PT_MANAGE_TOKEN_MAX];
        pt_pledges_supporter_token(&app->crypto, pledge.id,
                                   pt_app_now(app) + PT_SUPPORTER_LINK_SECONDS, token);
        pt_buf_printf(&body, "<p><a class=\"patron-supporter-link\" href=\"/supporter/device?t=%s",
                      token);
        if (lang != PT_LANG_EN)
            pt_buf_printf(&body, "&amp;lang=%s", pt_i18n_code(lang));
        pt_buf_puts(&body, "\">");
        pt_buf_html_str(&body, pt_i18n_text(PT_MSG_SUPPORTER_LINK, lang));
        pt_buf_puts(&body, "</a></p><script src=\"/thanks.js\"></script>");
    }
    page(request, response, 200, &body);
}

/* --------------------------------------------------------------- webhook */

void pt_payment_routes_webhook(struct pt_app *app, struct pt_request *request,
                               struct pt_response *response)
{
    /* /v1/webhooks/NAME: each processor calls its own address. */
    const char *name = strrchr(request->path, '/');
    struct pt_pay *pay = pt_processors_named(app->processors, name != NULL ? name + 1 : "");
    if (pay == NULL) {
        pt_response_error(request, response, 404, "This payment processor is not configured.");
        return;
    }
    if (request->body == NULL) {
        pt_response_error(request, response, 400, "The event has no body.");
        return;
    }
    struct pt_pay_event event;
    char error[300];
    /* The signature is checked on the raw bytes as they arrived; a
     * processor that signs nothing is asked what the object really is. */
    const char *signature = pay->ops->signature_header != NULL
                                ? pt_http_header(request, pay->ops->signature_header)
                                : NULL;
    enum pt_status verified =
        pay->ops->verify_webhook(pay, signature, request->body, request->body_length,
                                 pt_app_now(app), &event, error, sizeof(error));
    if (verified == PT_ERR_NOT_FOUND) {
        /* Not an object of this account: acknowledged, nothing changes,
         * and the answer tells a prober nothing more. */
        static const char acknowledged[] =
            "{\"received\":true,\"duplicate\":false,\"ignored\":true}";
        pt_response_text(request, response, 200, "application/json", acknowledged,
                         sizeof(acknowledged) - 1);
        return;
    }
    if (verified == PT_ERR_INVALID) {
        pt_response_error(request, response, 400, error);
        return;
    }
    if (verified != PT_OK) {
        pt_log(PT_LOG_ERROR, "a %s webhook could not be checked yet: %s", pay->ops->label, error);
        pt_response_error(request, response, 503, "The event could not be checked now.");
        return;
    }
    struct pt_ledger_result result;
    bool ignored = false;
    enum pt_status status = pt_pledges_apply_event(app->ledger, pay, &event, pt_app_now(app),
                                                   &result, &ignored, error, sizeof(error));
    if (status) {
        /* Not applied: a 5xx makes the processor deliver it again later. */
        pt_log(PT_LOG_ERROR, "event %s (%s) not applied yet: %s", event.id, event.type, error);
        pt_response_error(request, response, 503, "The event could not be applied now.");
        return;
    }
    struct pt_buf body;
    pt_buf_init(&body);
    pt_buf_printf(&body, "{\"received\":true,\"duplicate\":%s,\"ignored\":%s}",
                  result.duplicate ? "true" : "false", ignored ? "true" : "false");
    pt_response_text(request, response, 200, "application/json", body.data, body.length);
    pt_buf_dispose(&body);
}

/* ---------------------------------------------------------------- manage */

static const char *field(struct pt_request *request, const char *name)
{
    const char *value = pt_http_form(request, name);
    return value != NULL ? value : pt_http_query(request, name);
}

static void hidden_token(struct pt_buf *out, const char *token)
{
    pt_buf_puts(out, "<input type=\"hidden\" name=\"t\" value=\"");
    pt_buf_html_str(out, token);
    pt_buf_puts(out, "\">");
}

static void action_button(struct pt_buf *out, const char *token, const char *action,
                          const char *label)
{
    pt_buf_puts(out, "<form method=\"post\" action=\"/manage\">");
    hidden_token(out, token);
    pt_buf_printf(out,
                  "<input type=\"hidden\" name=\"action\" value=\"%s\"><button "
                  "type=\"submit\">",
                  action);
    pt_buf_html_str(out, label);
    pt_buf_puts(out, "</button></form>");
}

static void render_code_section(struct pt_buf *out, struct pt_app *app,
                                const struct pt_pledge_record *pledge, const char *token,
                                const char *new_code);

/* new_code: a manage code just made, to show once; else NULL. */
static void render_manage(struct pt_buf *out, struct pt_app *app, const struct pt_pay *pay,
                          const struct pt_pledge_record *pledge, const char *token,
                          const char *new_code, const char *notice, const char *error)
{
    enum pt_lang lang = pt_i18n_lang(pledge->language);
    pt_render_page_start(out, pledge->language, pt_i18n_text(PT_MSG_MANAGE_TITLE, lang));
    pt_buf_printf(out, "<h1>%s</h1>", pt_i18n_text(PT_MSG_MANAGE_TITLE, lang));
    if (notice != NULL) {
        pt_buf_puts(out, "<p class=\"patron-notice\" role=\"status\">");
        pt_buf_html_str(out, notice);
        pt_buf_puts(out, "</p>");
    }
    pt_buf_printf(out, "<p class=\"patron-pledge\" data-status=\"%s\">", pledge->status);
    describe(out, pledge);
    pt_buf_puts(out, " — ");
    pt_buf_html_str(out, status_words(pledge->status, lang));
    pt_buf_puts(out, "</p>");
    bool recurring = pledge->frequency != PT_FREQUENCY_ONE_OFF;
    bool live = pt_pledges_is_running(pledge->status);
    /* A standing order is the donor's to change at their bank: the page says
     * so and shows again what to transfer. */
    if (recurring && live && pay != NULL && pay->ops->instructions != NULL) {
        pt_buf_printf(out, "<p>%s</p>", pt_i18n_text(PT_MSG_BANK_MANAGE, lang));
        struct pt_pay_pledge subject = {.id = pledge->id,
                                        .customer = pledge->customer_id,
                                        .subscription = pledge->subscription_id,
                                        .frequency = pledge->frequency,
                                        .amount_minor = pledge->amount_minor,
                                        .currency = pledge->currency};
        pay->ops->instructions(pay, &subject, pledge->checkout_id, pledge->language, out);
    }
    if (recurring && live) {
        const struct pt_currency *currency = pt_money_currency(pledge->currency);
        struct pt_buf current;
        pt_buf_init(&current);
        if (currency != NULL)
            pt_money_format_plain(&current, pledge->amount_minor, currency);
        pt_buf_puts(out, "<form method=\"post\" action=\"/manage\">");
        hidden_token(out, token);
        pt_buf_printf(out,
                      "<input type=\"hidden\" name=\"action\" value=\"amount\">"
                      "<label for=\"amount\">%s (%s)</label>"
                      "<input id=\"amount\" name=\"amount\" inputmode=\"decimal\" value=\"",
                      pt_i18n_text(PT_MSG_MANAGE_NEW_AMOUNT, lang), pledge->currency);
        if (current.data != NULL)
            pt_buf_html(out, current.data, current.length);
        pt_buf_puts(out, "\"");
        if (error != NULL) {
            pt_buf_puts(out, " aria-invalid=\"true\" aria-describedby=\"amount-error\">"
                             "<p id=\"amount-error\" class=\"patron-error\">");
            pt_buf_html_str(out, error);
            pt_buf_puts(out, "</p>");
        } else {
            pt_buf_puts(out, ">");
        }
        pt_buf_printf(out, "<button type=\"submit\">%s</button></form>",
                      pt_i18n_text(PT_MSG_MANAGE_CHANGE_AMOUNT, lang));
        pt_buf_dispose(&current);
        if (strcmp(pledge->status, "paused") == 0)
            action_button(out, token, "resume", pt_i18n_text(PT_MSG_MANAGE_RESUME, lang));
        else
            action_button(out, token, "pause", pt_i18n_text(PT_MSG_MANAGE_PAUSE, lang));
        if (pay != NULL && pay->ops->portal != NULL)
            action_button(out, token, "card", pt_i18n_text(PT_MSG_MANAGE_UPDATE_CARD, lang));
        action_button(out, token, "cancel_confirm", pt_i18n_text(PT_MSG_MANAGE_CANCEL, lang));
    }
    render_code_section(out, app, pledge, token, new_code);
    pt_render_page_end(out);
}

static void render_cancel_confirmation(struct pt_buf *out, const struct pt_pledge_record *pledge,
                                       const char *token)
{
    enum pt_lang lang = pt_i18n_lang(pledge->language);
    pt_render_page_start(out, pledge->language, pt_i18n_text(PT_MSG_MANAGE_CANCEL_TITLE, lang));
    pt_buf_printf(out, "<h1>%s</h1><p>", pt_i18n_text(PT_MSG_MANAGE_CANCEL_HEADING, lang));
    describe(out, pledge);
    pt_buf_printf(out, "</p><p>%s</p>", pt_i18n_text(PT_MSG_MANAGE_CANCEL_NO_MORE_CHARGES, lang));
    action_button(out, token, "cancel", pt_i18n_text(PT_MSG_MANAGE_CANCEL_YES, lang));
    pt_buf_printf(out, "<p><a href=\"/manage?t=");
    pt_buf_url(out, token);
    pt_buf_printf(out, "\">%s</a></p>", pt_i18n_text(PT_MSG_MANAGE_CANCEL_KEEP, lang));
    pt_render_page_end(out);
}

/* Carries out a donor's action through the ledger and picks the notice
 * that tells the donor it was done. */
static enum pt_status act(struct pt_app *app, struct pt_pledge_record *pledge, const char *action,
                          int64_t amount, const char **notice, char *error, size_t error_size)
{
    const char *note = "the donor's manage page";
    int64_t now = pt_app_now(app);
    enum pt_lang lang = pt_i18n_lang(pledge->language);
    if (strcmp(action, "amount") == 0) {
        *notice = pt_i18n_text(PT_MSG_MANAGE_AMOUNT_CHANGED, lang);
        return pt_pledges_change_amount(app->ledger, pledge, amount, note, now, error, error_size);
    }
    if (strcmp(action, "pause") == 0 || strcmp(action, "resume") == 0) {
        bool pause = strcmp(action, "pause") == 0;
        *notice = pt_i18n_text(pause ? PT_MSG_MANAGE_PAUSED : PT_MSG_MANAGE_RESUMED, lang);
        return pt_pledges_set_paused(app->ledger, pledge, pause, note, now, error, error_size);
    }
    *notice = pt_i18n_text(PT_MSG_MANAGE_CANCELLED, lang);
    return pt_pledges_cancel(app->ledger, pledge, note, now, error, error_size);
}

void pt_payment_routes_manage(struct pt_app *app, struct pt_request *request,
                              struct pt_response *response)
{
    if (request->form_invalid) {
        /* An unreadable form says no language. */
        refuse(request, response, 400, PT_LANG_EN, PT_MSG_PAGE_FORM_UNREADABLE);
        return;
    }
    const char *token = field(request, "t");
    char pledge_id[33];
    struct pt_pledge_record pledge;
    if (pt_pledges_check_manage_token(&app->crypto, token, pt_app_now(app), pledge_id) != PT_OK ||
        pt_store_pledge_get(app->store, pledge_id, &pledge) != PT_OK) {
        /* Without a pledge there is no language to answer in. */
        refuse(request, response, 403, PT_LANG_EN, PT_MSG_MANAGE_LINK_INVALID);
        return;
    }
    struct pt_pay *pay = pt_pledges_processor(app->ledger, &pledge);
    struct pt_buf body;
    pt_buf_init(&body);
    pt_response_header(response, "Content-Security-Policy", app->form_policy);
    const char *action = request->method == PT_METHOD_POST ? pt_http_form(request, "action") : NULL;
    if (action == NULL) {
        render_manage(&body, app, pay, &pledge, token, NULL, NULL, NULL);
        pt_response_text(request, response, 200, "text/html; charset=utf-8", body.data,
                         body.length);
        pt_response_header(response, "Cache-Control", "no-store");
        pt_buf_dispose(&body);
        return;
    }
    enum pt_lang lang = pt_i18n_lang(pledge.language);
    bool live = pt_pledges_is_running(pledge.status);
    int status_code = 200;
    const char *notice = NULL;
    char error[300] = "";
    if (strcmp(action, "code") == 0) {
        /* Any pledge may have a code (issue 14); a new one replaces the old. */
        char shown[PT_MANAGE_CODE_SHOWN];
        if (pt_pledges_code_issue(app->ledger, pledge.id, true, pt_app_now(app), shown) == PT_OK) {
            render_manage(&body, app, pay, &pledge, token, shown, NULL, NULL);
        } else {
            status_code = 503;
            render_manage(&body, app, pay, &pledge, token, NULL,
                          pt_i18n_text(PT_MSG_MANAGE_FAILED, lang), NULL);
        }
        sodium_memzero(shown, sizeof(shown));
    } else if (strcmp(action, "cancel_confirm") == 0 && live) {
        render_cancel_confirmation(&body, &pledge, token);
    } else if (!live || pay == NULL ||
               (pledge.subscription_id[0] == '\0' && pay->ops->change_amount != NULL) ||
               (strcmp(action, "card") == 0 && pay->ops->portal == NULL) ||
               (strcmp(action, "amount") != 0 && strcmp(action, "pause") != 0 &&
                strcmp(action, "resume") != 0 && strcmp(action, "cancel") != 0 &&
                strcmp(action, "card") != 0)) {
        status_code = 409;
        render_manage(&body, app, pay, &pledge, token, NULL,
                      pt_i18n_text(PT_MSG_MANAGE_UNAVAILABLE, lang), NULL);
    } else if (strcmp(action, "card") == 0) {
        char url[PT_PAY_URL_MAX], back[400];
        snprintf(back, sizeof(back), "%s/manage?t=%s", pt_app_origin(app, request), token);
        struct pt_pay_pledge current = {
            .id = pledge.id,
            .customer = pledge.customer_id,
            .subscription = pledge.subscription_id,
            .frequency = pledge.frequency,
            .amount_minor = pledge.amount_minor,
            .currency = pledge.currency,
        };
        if (pay->ops->portal(pay, &current, back, url, sizeof(url), error, sizeof(error)) ==
            PT_OK) {
            pt_buf_dispose(&body);
            pt_response_text(request, response, 303, "text/plain", "", 0);
            pt_response_header(response, "Location",
                               pt_arena_strndup(request->arena, url, strlen(url)));
            return;
        }
        status_code = 503;
        render_manage(&body, app, pay, &pledge, token, NULL,
                      pt_i18n_text(PT_MSG_MANAGE_PROCESSOR_DOWN, lang), NULL);
    } else {
        int64_t amount = 0;
        const char *amount_error = NULL;
        if (strcmp(action, "amount") == 0) {
            const struct pt_currency *currency = pt_money_currency(pledge.currency);
            const char *typed = pt_http_form(request, "amount");
            if (currency == NULL || typed == NULL ||
                pt_money_parse(typed, currency, pledge.language, &amount, error, sizeof(error)) !=
                    PT_OK ||
                pt_money_check(pledge.frequency, amount, currency, app->config->max_amount,
                               pledge.language, error, sizeof(error)) != PT_OK)
                amount_error = error[0] ? error : pt_i18n_text(PT_MSG_PAGE_ENTER_AMOUNT, lang);
        }
        if (amount_error != NULL) {
            status_code = 422;
            render_manage(&body, app, pay, &pledge, token, NULL, NULL, amount_error);
        } else if (act(app, &pledge, action, amount, &notice, error, sizeof(error)) != PT_OK) {
            pt_log(PT_LOG_ERROR, "a manage action failed: %s", error);
            status_code = 503;
            render_manage(&body, app, pay, &pledge, token, NULL,
                          pt_i18n_text(PT_MSG_MANAGE_FAILED, lang), NULL);
        } else {
            pt_store_pledge_get(app->store, pledge.id, &pledge);
            render_manage(&body, app, pay, &pledge, token, NULL, notice, NULL);
        }
    }
    pt_response_text(request, response, status_code, "text/html; charset=utf-8", body.data,
                     body.length);
    pt_response_header(response, "Cache-Control", "no-store");
    pt_buf_dispose(&body);
}

/* ------------------------------------------------------ lost links, magic */

/* /manage/lost and /manage/magic know no pledge when they open, so they
 * speak the language they were opened in: a "lang" in the address or the
 * form. Russian manage pages and magic emails link to them with lang=ru,
 * and their forms carry it on. */
static enum pt_lang opened_in(struct pt_request *request)
{
    return pt_i18n_lang(field(request, "lang"));
}

/* English, the default, needs no field: its pages stay as they were. */
static void hidden_lang(struct pt_buf *out, enum pt_lang lang)
{
    if (lang != PT_LANG_EN)
        pt_buf_printf(out, "<input type=\"hidden\" name=\"lang\" value=\"%s\">",
                      pt_i18n_code(lang));
}

/* <tag>message</tag>, escaped. */
static void say(struct pt_buf *out, const char *tag, enum pt_msg msg, enum pt_lang lang)
{
    pt_buf_printf(out, "<%s>", tag);
    pt_buf_html_str(out, pt_i18n_text(msg, lang));
    pt_buf_printf(out, "</%s>", tag);
}

/* An answer of these pages: a heading and a paragraph. */
static void answer(struct pt_request *request, struct pt_response *response, int status,
                   struct pt_buf *body, enum pt_lang lang, enum pt_msg heading, enum pt_msg text)
{
    say(body, "h1", heading, lang);
    say(body, "p", text, lang);
    page(request, response, status, body);
}

static void code_page_link(struct pt_buf *out, enum pt_lang lang);

/* The words of a page that emails a link to an address typed (/manage/lost,
 * /supporter). */
struct email_form {
    const char *action;
    enum pt_msg title, heading, intro, label, button, sent, sent_body;
    /* Queues the link for the address (or nothing, for an unknown one). */
    enum pt_status (*ask)(struct pt_ledger *ledger, const char *typed, int64_t now);
    void (*after_form)(struct pt_buf *out, enum pt_lang lang); /* may be NULL */
};

/* GET: the form. POST: the same answer whether or not the address is known,
 * limited per client like the other forms. */
static void email_form_page(struct pt_app *app, struct pt_request *request,
                            struct pt_response *response, const struct email_form *form)
{
    enum pt_lang lang = opened_in(request);
    struct pt_buf body;
    pt_buf_init(&body);
    pt_render_page_start(&body, pt_i18n_code(lang), pt_i18n_text(form->title, lang));
    if (request->method != PT_METHOD_POST) {
        say(&body, "h1", form->heading, lang);
        say(&body, "p", form->intro, lang);
        pt_buf_printf(&body, "<form method=\"post\" action=\"%s\">", form->action);
        hidden_lang(&body, lang);
        pt_buf_puts(&body, "<label for=\"email\">");
        pt_buf_html_str(&body, pt_i18n_text(form->label, lang));
        pt_buf_puts(&body, "</label><input id=\"email\" name=\"email\" type=\"email\" required>");
        pt_buf_puts(&body, "<button type=\"submit\">");
        pt_buf_html_str(&body, pt_i18n_text(form->button, lang));
        pt_buf_puts(&body, "</button></form>");
        if (form->after_form != NULL)
            form->after_form(&body, lang);
        page(request, response, 200, &body);
        return;
    }
    char client[128];
    pt_app_client(app, request, client, sizeof(client));
    const char *typed = pt_http_form(request, "email");
    if (!pt_ratelimit_allow(app->pledge_attempts, client, pt_app_now(app) * 1000)) {
        answer(request, response, 429, &body, lang, PT_MSG_LOST_TOO_MANY,
               PT_MSG_LOST_TOO_MANY_BODY);
        return;
    }
    /* Known or not, an address gets the same answer (issue 16). */
    enum pt_status queued = form->ask(app->ledger, typed, pt_app_now(app));
    if (queued == PT_ERR_INVALID)
        answer(request, response, 422, &body, lang, PT_MSG_LOST_BAD_ADDRESS,
               PT_MSG_LOST_BAD_ADDRESS_BODY);
    else if (queued != PT_OK)
        answer(request, response, 503, &body, lang, PT_MSG_LOST_LATER, PT_MSG_LOST_LATER_BODY);
    else
        answer(request, response, 200, &body, lang, form->sent, form->sent_body);
}

void pt_payment_routes_lost(struct pt_app *app, struct pt_request *request,
                            struct pt_response *response)
{
    static const struct email_form lost = {.action = "/manage/lost",
                                           .title = PT_MSG_LOST_TITLE,
                                           .heading = PT_MSG_LOST_HEADING,
                                           .intro = PT_MSG_LOST_INTRO,
                                           .label = PT_MSG_LOST_EMAIL_LABEL,
                                           .button = PT_MSG_LOST_BUTTON,
                                           .sent = PT_MSG_LOST_SENT,
                                           .sent_body = PT_MSG_LOST_SENT_BODY,
                                           .ask = pt_pledges_request_lost_link,
                                           .after_form = code_page_link};
    email_form_page(app, request, response, &lost);
}

/* The pledges given with the same address as this one, newest first (up to
 * capacity); just this one when its address is gone (erased). */
static size_t pledges_of_address(struct pt_app *app, const char *pledge_id, char (*ids)[33],
                                 size_t capacity)
{
    struct pt_pledge_record pledge;
    char *address = NULL;
    size_t count = 0;
    if (pt_store_pledge_get(app->store, pledge_id, &pledge) == PT_OK &&
        pledge.email_sealed_length > 0 &&
        pt_crypto_open(&app->crypto, pledge.email_sealed, pledge.email_sealed_length, &address) ==
            PT_OK) {
        unsigned char hash[PT_CRYPTO_HASH_BYTES];
        pt_crypto_lookup_hash(&app->crypto, address, hash);
        if (pt_store_pledges_by_email(app->store, hash, ids, capacity, &count) != PT_OK)
            count = 0;
        sodium_memzero(address, strlen(address));
        free(address);
    }
    if (count == 0)
        snprintf(ids[count++], 33, "%s", pledge_id);
    return count;
}

/* A magic link leads to every pledge of its address (issue 16: a monthly
 * pledge and a later one-off gift are two pledges, and the link named only
 * the newest). With one pledge the caller goes straight to its page; with
 * more, this answers a page listing each with its own manage link, and
 * returns true. */
static bool list_pledges(struct pt_app *app, struct pt_request *request,
                         struct pt_response *response, const char *pledge_id, int64_t expires)
{
    char ids[100][33];
    size_t count = pledges_of_address(app, pledge_id, ids, 100);
    if (count < 2)
        return false;
    /* The pledge's language, as on the manage pages the list leads to. */
    struct pt_pledge_record pledge;
    enum pt_lang lang = pt_store_pledge_get(app->store, pledge_id, &pledge) == PT_OK
                            ? pt_i18n_lang(pledge.language)
                            : opened_in(request);
    struct pt_buf body;
    pt_buf_init(&body);
    pt_render_page_start(&body, pt_i18n_code(lang), pt_i18n_text(PT_MSG_MANAGE_TITLE, lang));
    say(&body, "h1", PT_MSG_MANAGE_TITLE, lang);
    say(&body, "p", PT_MSG_MANAGE_LIST_INTRO, lang);
    pt_buf_puts(&body, "<ul class=\"patron-pledges\">");
    for (size_t i = 0; i < count; i++) {
        if (pt_store_pledge_get(app->store, ids[i], &pledge) != PT_OK)
            continue;
        char manage[PT_MANAGE_TOKEN_MAX];
        pt_pledges_manage_token(&app->crypto, pledge.id, expires, manage);
        pt_buf_printf(&body, "<li data-pledge=\"%s\" data-status=\"", pledge.id);
        pt_buf_html_str(&body, pledge.status);
        pt_buf_puts(&body, "\">");
        describe(&body, &pledge);
        pt_buf_puts(&body, " (");
        pt_buf_html_str(&body, status_words(pledge.status, lang));
        pt_buf_printf(&body, ") <a href=\"/manage?t=%s\">", manage);
        pt_buf_html_str(&body, pt_i18n_text(PT_MSG_MANAGE_LIST_LINK, lang));
        pt_buf_puts(&body, "</a></li>");
    }
    pt_buf_puts(&body, "</ul>");
    page(request, response, 200, &body);
    return true;
}

void pt_payment_routes_magic(struct pt_app *app, struct pt_request *request,
                             struct pt_response *response)
{
    const char *token = pt_http_query(request, "token");
    if (token == NULL)
        token = pt_http_form(request, "token");
    enum pt_lang lang = opened_in(request);
    struct pt_buf body;
    pt_buf_init(&body);
    pt_render_page_start(&body, pt_i18n_code(lang), pt_i18n_text(PT_MSG_MAGIC_TITLE, lang));
    if (token == NULL || strlen(token) != PT_CRYPTO_TOKEN_CHARS) {
        say(&body, "h1", PT_MSG_MAGIC_INCOMPLETE, lang);
        page(request, response, 400, &body);
        return;
    }
    if (request->method != PT_METHOD_POST) {
        /* Opening the link uses nothing: scanners open every link. */
        say(&body, "h1", PT_MSG_MAGIC_TITLE, lang);
        pt_buf_puts(&body, "<form method=\"post\" action=\"/manage/magic\"><input "
                           "type=\"hidden\" name=\"token\" value=\"");
        pt_buf_html_str(&body, token);
        pt_buf_puts(&body, "\">");
        hidden_lang(&body, lang);
        pt_buf_puts(&body, "<button type=\"submit\">");
        pt_buf_html_str(&body, pt_i18n_text(PT_MSG_MAGIC_CONTINUE, lang));
        pt_buf_puts(&body, "</button></form>");
        page(request, response, 200, &body);
        return;
    }
    unsigned char token_hash[PT_CRYPTO_HASH_BYTES];
    pt_pledges_magic_token_hash(token, token_hash);
    char pledge_id[33];
    int64_t now = pt_app_now(app);
    if (pt_store_magic_link_use(app->store, token_hash, now, pledge_id) != PT_OK) {
        say(&body, "h1", PT_MSG_MAGIC_EXPIRED, lang);
        pt_buf_puts(&body, "<p><a href=\"/manage/lost");
        if (lang != PT_LANG_EN)
            pt_buf_printf(&body, "?lang=%s", pt_i18n_code(lang));
        pt_buf_puts(&body, "\">");
        pt_buf_html_str(&body, pt_i18n_text(PT_MSG_MAGIC_ASK_NEW, lang));
        pt_buf_puts(&body, "</a>.</p>");
        page(request, response, 410, &body);
        return;
    }
    pt_buf_dispose(&body);
    int64_t expires = now + (int64_t)app->config->manage_link_days * 86400;
    if (list_pledges(app, request, response, pledge_id, expires))
        return;
    char manage[PT_MANAGE_TOKEN_MAX];
    pt_pledges_manage_token(&app->crypto, pledge_id, expires, manage);
    struct pt_buf location;
    pt_buf_init(&location);
    pt_buf_printf(&location, "/manage?t=%s", manage);
    pt_response_text(request, response, 303, "text/plain", "", 0);
    pt_response_header(response, "Location",
                       pt_arena_strndup(request->arena, location.data, location.length));
    pt_buf_dispose(&location);
}

/* ----------------------------------------------------------- manage codes */

/* Where the support page's cookie for a pledge's code is kept: one per
 * pledge, so that two gifts in a row each get theirs. */
static void code_cookie_name(const char *pledge_id, char name[PT_CODE_COOKIE_NAME_MAX])
{
    snprintf(name, PT_CODE_COOKIE_NAME_MAX, "patron_code_%.8s", pledge_id);
}

bool pt_payment_routes_cookie(const char *header, const char *name, char *value, size_t value_size)
{
    if (value_size > 0)
        value[0] = '\0';
    if (header == NULL || value_size == 0)
        return false;
    size_t name_length = strlen(name);
    const char *p = header;
    /* Each pair moves p on by at least one byte: bounded by the header. */
    while (*p != '\0') {
        while (*p == ' ' || *p == '\t' || *p == ';')
            p++;
        size_t length = strcspn(p, ";");
        size_t trimmed = length;
        while (trimmed > 0 && (p[trimmed - 1] == ' ' || p[trimmed - 1] == '\t'))
            trimmed--;
        if (trimmed > name_length && memcmp(p, name, name_length) == 0 && p[name_length] == '=') {
            size_t size = trimmed - name_length - 1;
            if (size >= value_size)
                return false;
            memcpy(value, p + name_length + 1, size);
            value[size] = '\0';
            return true;
        }
        p += length;
    }
    return false;
}

void pt_payment_routes_code_cookie(const struct pt_app *app, const struct pt_request *request,
                                   const char *pledge_id, bool clear, char *out, size_t out_size)
{
    char name[PT_CODE_COOKIE_NAME_MAX], token[PT_MANAGE_TOKEN_MAX] = "";
    code_cookie_name(pledge_id, name);
    if (!clear)
        pt_pledges_thanks_token(&app->crypto, pledge_id, pt_app_now(app) + PT_THANKS_CODE_SECONDS,
                                token);
    /* Lax: the processor sends the reader back with a top-level GET from
     * its own site. Only the thank-you page reads it. */
    bool secure = strncmp(pt_app_origin(app, request), "https:", 6) == 0;
    snprintf(out, out_size, "%s=%s; Path=/thanks; Max-Age=%d; HttpOnly; SameSite=Lax%s", name,
             token, clear ? 0 : PT_THANKS_CODE_SECONDS, secure ? "; Secure" : "");
}

/* The code as the donor sees it, and what losing it means. */
static void show_code(struct pt_buf *out, const char *code, enum pt_msg lead, enum pt_lang lang)
{
    say(out, "p", lead, lang);
    pt_buf_puts(out, "<p><code class=\"patron-manage-code\">");
    pt_buf_html_str(out, code);
    pt_buf_puts(out, "</code></p>");
    say(out, "p", PT_MSG_CODE_ONCE, lang);
    say(out, "p", PT_MSG_CODE_LOST, lang);
}

static void code_page_link(struct pt_buf *out, enum pt_lang lang)
{
    pt_buf_puts(out, "<p><a class=\"patron-code-link\" href=\"/manage/code");
    if (lang != PT_LANG_EN)
        pt_buf_printf(out, "?lang=%s", pt_i18n_code(lang));
    pt_buf_puts(out, "\">");
    pt_buf_html_str(out, pt_i18n_text(PT_MSG_CODE_LINK, lang));
    pt_buf_puts(out, "</a></p>");
}

/* A pledge given without an address gets its manage code here, once, and
 * only in the browser that made the pledge (the support page's cookie, so
 * that nobody else who learns the address of this page can take it). A
 * reload, or another browser, is told that it was shown. */
static void thanks_code(struct pt_app *app, struct pt_request *request,
                        struct pt_response *response, const struct pt_pledge_record *pledge,
                        const struct pt_pay *pay, enum pt_lang lang, struct pt_buf *body)
{
    if (pay == NULL || !pay->ops->email_optional || pledge->email_sealed_length > 0)
        return;
    char name[PT_CODE_COOKIE_NAME_MAX], token[PT_MANAGE_TOKEN_MAX], id[33];
    code_cookie_name(pledge->id, name);
    int64_t now = pt_app_now(app);
    bool ours =
        pt_payment_routes_cookie(pt_http_header(request, "Cookie"), name, token, sizeof(token)) &&
        pt_pledges_check_thanks_token(&app->crypto, token, now, id) == PT_OK &&
        strcmp(id, pledge->id) == 0;
    char shown[PT_MANAGE_CODE_SHOWN];
    enum pt_status status =
        ours ? pt_pledges_code_issue(app->ledger, pledge->id, false, now, shown) : PT_ERR_CONFLICT;
    if (ours) {
        char cookie[256];
        pt_payment_routes_code_cookie(app, request, pledge->id, true, cookie, sizeof(cookie));
        pt_response_header(response, "Set-Cookie",
                           pt_arena_strndup(request->arena, cookie, strlen(cookie)));
    }
    if (status == PT_OK) {
        pt_buf_puts(body, "<section class=\"patron-code\">");
        say(body, "h2", PT_MSG_CODE_HEADING, lang);
        show_code(body, shown, PT_MSG_CODE_INTRO, lang);
        code_page_link(body, lang);
        pt_buf_puts(body, "</section>");
    } else if (pt_store_manage_code_exists(app->store, pledge->id) == PT_OK) {
        pt_buf_puts(body, "<section class=\"patron-code\" data-shown=\"once\">");
        say(body, "h2", PT_MSG_CODE_HEADING, lang);
        say(body, "p", PT_MSG_CODE_SHOWN_BEFORE, lang);
        say(body, "p", PT_MSG_CODE_LOST, lang);
        code_page_link(body, lang);
        pt_buf_puts(body, "</section>");
    }
    sodium_memzero(shown, sizeof(shown));
}

/* On the manage page: a code for any pledge, or a new one for the old. */
static void render_code_section(struct pt_buf *out, struct pt_app *app,
                                const struct pt_pledge_record *pledge, const char *token,
                                const char *new_code)
{
    enum pt_lang lang = pt_i18n_lang(pledge->language);
    pt_buf_puts(out, "<section class=\"patron-code\">");
    say(out, "h2", PT_MSG_CODE_HEADING, lang);
    if (new_code != NULL)
        show_code(out, new_code, PT_MSG_CODE_NEW_SHOWN, lang);
    say(out, "p", PT_MSG_CODE_MANAGE_ABOUT, lang);
    bool has_code = pt_store_manage_code_exists(app->store, pledge->id) == PT_OK;
    action_button(
        out, token, "code",
        pt_i18n_text(has_code ? PT_MSG_CODE_MANAGE_ROTATE : PT_MSG_CODE_MANAGE_NEW, lang));
    code_page_link(out, lang);
    pt_buf_puts(out, "</section>");
    /* The donor's way to be forgotten, where there is something to forget. */
    if (pledge->email_sealed_length > 0 || pledge->customer_id[0] != '\0') {
        char erase[PT_MANAGE_TOKEN_MAX];
        pt_pledges_erase_token(&app->crypto, pledge->id,
                               pt_app_now(app) + (int64_t)app->config->manage_link_days * 86400,
                               erase);
        pt_buf_printf(out, "<p><a class=\"patron-erase\" href=\"/erase?t=%s\">", erase);
        pt_buf_html_str(out, pt_i18n_text(PT_MSG_ERASE_EMAIL_LINK, lang));
        pt_buf_puts(out, "</a></p>");
    }
}

/* The code form, with a refusal above it or none. */
static void code_form(struct pt_buf *body, enum pt_lang lang, bool refused)
{
    say(body, "h1", PT_MSG_CODE_TITLE, lang);
    if (refused) {
        pt_buf_puts(body, "<p class=\"patron-error\" role=\"alert\">");
        pt_buf_html_str(body, pt_i18n_text(PT_MSG_CODE_REFUSED, lang));
        pt_buf_puts(body, "</p>");
    }
    say(body, "p", PT_MSG_CODE_PAGE_INTRO, lang);
    /* POST only: the code never goes into an address, a log or a history. */
    pt_buf_puts(body, "<form method=\"post\" action=\"/manage/code\">");
    hidden_lang(body, lang);
    pt_buf_puts(body, "<label for=\"code\">");
    pt_buf_html_str(body, pt_i18n_text(PT_MSG_CODE_LABEL, lang));
    pt_buf_puts(body, "</label><input id=\"code\" name=\"code\" required autocomplete=\"off\" "
                      "autocapitalize=\"characters\" spellcheck=\"false\" maxlength=\"64\">"
                      "<button type=\"submit\">");
    pt_buf_html_str(body, pt_i18n_text(PT_MSG_CODE_BUTTON, lang));
    pt_buf_puts(body, "</button></form>");
    say(body, "p", PT_MSG_CODE_LOST, lang);
    pt_buf_puts(body, "<p><a href=\"/manage/lost");
    if (lang != PT_LANG_EN)
        pt_buf_printf(body, "?lang=%s", pt_i18n_code(lang));
    pt_buf_puts(body, "\">");
    pt_buf_html_str(body, pt_i18n_text(PT_MSG_LOST_HEADING, lang));
    pt_buf_puts(body, "</a></p>");
}

void pt_payment_routes_code(struct pt_app *app, struct pt_request *request,
                            struct pt_response *response)
{
    if (request->form_invalid) {
        refuse(request, response, 400, PT_LANG_EN, PT_MSG_PAGE_FORM_UNREADABLE);
        return;
    }
    enum pt_lang lang = opened_in(request);
    struct pt_buf body;
    pt_buf_init(&body);
    if (request->method != PT_METHOD_POST) {
        pt_render_page_start(&body, pt_i18n_code(lang), pt_i18n_text(PT_MSG_CODE_TITLE, lang));
        code_form(&body, lang, false);
        page(request, response, 200, &body);
        return;
    }
    /* Guesses count against the client like every other (20 an hour by
     * default), and 120 bits leave nothing to guess in that time. */
    char client[128];
    pt_app_client(app, request, client, sizeof(client));
    int64_t now = pt_app_now(app);
    if (!pt_ratelimit_allow(app->pledge_attempts, client, now * 1000)) {
        pt_render_page_start(&body, pt_i18n_code(lang), pt_i18n_text(PT_MSG_CODE_TITLE, lang));
        answer(request, response, 429, &body, lang, PT_MSG_LOST_TOO_MANY,
               PT_MSG_LOST_TOO_MANY_BODY);
        return;
    }
    char pledge_id[33];
    struct pt_pledge_record pledge;
    enum pt_status status =
        pt_pledges_code_open(app->ledger, pt_http_form(request, "code"), pledge_id);
    if (status == PT_OK)
        status = pt_store_pledge_get(app->store, pledge_id, &pledge);
    if (status == PT_ERR_NOT_FOUND) {
        /* Malformed, wrong or unknown: one answer, the same bytes. */
        pt_render_page_start(&body, pt_i18n_code(lang), pt_i18n_text(PT_MSG_CODE_TITLE, lang));
        code_form(&body, lang, true);
        page(request, response, 403, &body);
        return;
    }
    if (status != PT_OK) {
        pt_render_page_start(&body, pt_i18n_code(lang), pt_i18n_text(PT_MSG_CODE_TITLE, lang));
        answer(request, response, 503, &body, lang, PT_MSG_LOST_LATER, PT_MSG_LOST_LATER_BODY);
        return;
    }
    /* The manage page itself, in this answer: its forms carry a manage
     * token made now (the capability an emailed link gives, for an hour),
     * so the code is in no address, and no redirect puts a token in one. */
    char token[PT_MANAGE_TOKEN_MAX];
    pt_pledges_manage_token(&app->crypto, pledge.id, now + PT_CODE_SESSION_SECONDS, token);
    pt_response_header(response, "Content-Security-Policy", app->form_policy);
    render_manage(&body, app, pt_pledges_processor(app->ledger, &pledge), &pledge, token, NULL,
                  NULL, NULL);
    pt_response_text(request, response, 200, "text/html; charset=utf-8", body.data, body.length);
    pt_response_header(response, "Cache-Control", "no-store");
    pt_buf_dispose(&body);
}

/* ---------------------------------------------------------------- erasure */

void pt_payment_routes_erase(struct pt_app *app, struct pt_request *request,
                             struct pt_response *response)
{
    if (request->form_invalid) {
        refuse(request, response, 400, PT_LANG_EN, PT_MSG_PAGE_FORM_UNREADABLE);
        return;
    }
    const char *token = field(request, "t");
    char pledge_id[33];
    struct pt_pledge_record pledge;
    int64_t now = pt_app_now(app);
    if (pt_pledges_check_erase_token(&app->crypto, token, now, pledge_id) != PT_OK ||
        pt_store_pledge_get(app->store, pledge_id, &pledge) != PT_OK) {
        refuse(request, response, 403, PT_LANG_EN, PT_MSG_ERASE_INVALID);
        return;
    }
    enum pt_lang lang = pt_i18n_lang(pledge.language);
    struct pt_buf body;
    pt_buf_init(&body);
    pt_render_page_start(&body, pledge.language, pt_i18n_text(PT_MSG_ERASE_TITLE, lang));
    bool nothing = pledge.email_sealed_length == 0 && pledge.customer_id[0] == '\0';
    if (nothing) {
        answer(request, response, 200, &body, lang, PT_MSG_ERASE_TITLE, PT_MSG_ERASE_NOTHING);
        return;
    }
    if (request->method != PT_METHOD_POST) {
        /* Opening the link changes nothing: mail scanners open every link. */
        say(&body, "h1", PT_MSG_ERASE_TITLE, lang);
        say(&body, "p", PT_MSG_ERASE_INTRO, lang);
        char ids[100][33];
        size_t count = pledges_of_address(app, pledge.id, ids, 100), live = 0;
        for (size_t i = 0; i < count; i++) {
            struct pt_pledge_record each;
            if (pt_store_pledge_get(app->store, ids[i], &each) != PT_OK ||
                !pt_pledges_is_running(each.status))
                continue;
            if (live++ == 0) {
                say(&body, "p", PT_MSG_ERASE_RUNNING, lang);
                pt_buf_puts(&body, "<ul class=\"patron-running\">");
            }
            pt_buf_printf(&body, "<li data-pledge=\"%s\">", each.id);
            describe(&body, &each);
            pt_buf_puts(&body, "</li>");
        }
        if (live > 0)
            pt_buf_puts(&body, "</ul>");
        pt_buf_puts(&body, "<form method=\"post\" action=\"/erase\">");
        hidden_token(&body, token);
        pt_buf_puts(&body, "<button type=\"submit\">");
        pt_buf_html_str(
            &body, pt_i18n_text(live > 0 ? PT_MSG_ERASE_BUTTON_CANCEL : PT_MSG_ERASE_BUTTON, lang));
        pt_buf_puts(&body, "</button></form>");
        page(request, response, 200, &body);
        return;
    }
    size_t erased = 0;
    char error[300] = "";
    enum pt_status status =
        pt_pledges_erase_donor(app->ledger, &pledge, now, &erased, error, sizeof(error));
    if (status == PT_ERR_NOT_FOUND) {
        answer(request, response, 200, &body, lang, PT_MSG_ERASE_TITLE, PT_MSG_ERASE_NOTHING);
        return;
    }
    if (status != PT_OK) {
        pt_log(PT_LOG_ERROR, "a donor's erasure failed: %s", error);
        answer(request, response, 503, &body, lang, PT_MSG_ERASE_TITLE, PT_MSG_ERASE_FAILED);
        return;
    }
    /* That an erasure happened, never whose. */
    char detail[96];
    snprintf(detail, sizeof(detail), "by the donor, with an emailed link: %zu pledge(s)", erased);
    if (pt_store_audit_add(app->store, now, 0, "donor_erased", detail) != PT_OK)
        pt_log(PT_LOG_ERROR, "a donor's erasure could not be written to the audit log");
    answer(request, response, 200, &body, lang, PT_MSG_ERASE_DONE, PT_MSG_ERASE_DONE_BODY);
}

/* ------------------------------------------------------------- supporters */

/* Supporters recognised on every device, without an account (issue 15).
 * /supporter emails a signed link to a supporter's address; the link's page
 * (/supporter/device) only shows a button, so a mail scanner that opens it
 * changes nothing, and its POST answers a page that marks this browser, in
 * its own storage, as the thank-you page does. Nothing is stored about the
 * reader, the device or the link. */

void pt_payment_routes_supporter(struct pt_app *app, struct pt_request *request,
                                 struct pt_response *response)
{
    static const struct email_form supporter = {.action = "/supporter",
                                                .title = PT_MSG_SUPPORTER_TITLE,
                                                .heading = PT_MSG_SUPPORTER_TITLE,
                                                .intro = PT_MSG_SUPPORTER_INTRO,
                                                .label = PT_MSG_SUPPORTER_EMAIL_LABEL,
                                                .button = PT_MSG_SUPPORTER_ASK_BUTTON,
                                                .sent = PT_MSG_SUPPORTER_SENT,
                                                .sent_body = PT_MSG_SUPPORTER_SENT_BODY,
                                                .ask = pt_pledges_request_supporter_link};
    email_form_page(app, request, response, &supporter);
}

void pt_payment_routes_supporter_device(struct pt_app *app, struct pt_request *request,
                                        struct pt_response *response)
{
    enum pt_lang lang = opened_in(request);
    const char *token = field(request, "t");
    /* Leave no trace: a reader who chose it keeps the mark in the tab only
     * (thanks.js reads trace=none from the address). */
    const char *trace = field(request, "trace");
    bool traceless = trace != NULL && strcmp(trace, "none") == 0;
    char pledge_id[33];
    struct pt_pledge_record pledge;
    if (token == NULL ||
        pt_pledges_check_supporter_token(&app->crypto, token, pt_app_now(app), pledge_id) !=
            PT_OK ||
        pt_store_pledge_get(app->store, pledge_id, &pledge) != PT_OK ||
        !pt_pledges_is_supporting(pledge.status)) {
        struct pt_buf body;
        pt_buf_init(&body);
        pt_render_page_start(&body, pt_i18n_code(lang),
                             pt_i18n_text(PT_MSG_SUPPORTER_INVALID, lang));
        say(&body, "h1", PT_MSG_SUPPORTER_INVALID, lang);
        say(&body, "p", PT_MSG_SUPPORTER_INVALID_BODY, lang);
        pt_buf_puts(&body, "<p><a href=\"/supporter");
        if (lang != PT_LANG_EN)
            pt_buf_printf(&body, "?lang=%s", pt_i18n_code(lang));
        pt_buf_puts(&body, "\">");
        pt_buf_html_str(&body, pt_i18n_text(PT_MSG_SUPPORTER_TITLE, lang));
        pt_buf_puts(&body, "</a></p>");
        page(request, response, 403, &body);
        return;
    }
    struct pt_buf body;
    pt_buf_init(&body);
    pt_render_page_start(&body, pt_i18n_code(lang), pt_i18n_text(PT_MSG_SUPPORTER_TITLE, lang));
    const char *back = field(request, "return");
    bool returns = pt_app_is_return_url(app, back);
    if (request->method != PT_METHOD_POST) {
        /* Opening the link changes nothing: only the button acts. */
        say(&body, "h1", PT_MSG_SUPPORTER_LINK, lang);
        say(&body, "p", PT_MSG_SUPPORTER_DEVICE_INTRO, lang);
        pt_buf_printf(&body, "<form method=\"post\" action=\"/supporter/device%s\">",
                      traceless ? "?trace=none" : "");
        hidden_token(&body, token);
        hidden_lang(&body, lang);
        if (returns) {
            pt_buf_puts(&body, "<input type=\"hidden\" name=\"return\" value=\"");
            pt_buf_html_str(&body, back);
            pt_buf_puts(&body, "\">");
        }
        pt_buf_puts(&body, "<button type=\"submit\" class=\"patron-supporter-device\">");
        pt_buf_html_str(&body, pt_i18n_text(PT_MSG_SUPPORTER_DEVICE_BUTTON, lang));
        pt_buf_puts(&body, "</button></form>");
        page(request, response, 200, &body);
        return;
    }
    say(&body, "h1", PT_MSG_SUPPORTER_DONE, lang);
    say(&body, "p", PT_MSG_SUPPORTER_DONE_BODY, lang);
    /* Back to the site with #patron-supporter: the widget there, whose
     * storage this page cannot reach from another origin, marks itself. */
    pt_buf_puts(&body, "<p><a class=\"patron-back\" href=\"");
    pt_buf_html_str(&body, returns ? back : "/");
    pt_buf_puts(&body, "#patron-supporter\">");
    pt_buf_html_str(&body, pt_i18n_text(PT_MSG_PAGE_BACK, lang));
    pt_buf_puts(&body, "</a></p><script src=\"/thanks.js\"></script>");
    page(request, response, 200, &body);
}
