#include "patron/reminder_routes.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "patron/app.h"
#include "patron/config.h"
#include "patron/http.h"
#include "patron/i18n.h"
#include "patron/json.h"
#include "patron/ratelimit.h"
#include "patron/reminders.h"
#include "patron/render.h"
#include "patron/store.h"

static int64_t now_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static bool within_rate(struct pt_app *app, struct pt_request *request)
{
    char client[128];
    pt_app_client(app, request, client, sizeof(client));
    return pt_ratelimit_allow(app->signups, client, now_ms());
}

/* Stores a sign-up and answers nothing about the address: whether it was
 * already signed up for the month changes neither the answer nor the work
 * (issue 16: the API allows any origin, so any page could otherwise test its
 * visitors' addresses). The store writes the same pages either way, and
 * every accepted sign-up counts a reminder_signup event. */
static enum pt_status sign_up_quietly(struct pt_app *app, const struct pt_reminder_request *sign_up,
                                      struct pt_month *month, char *message, size_t message_size)
{
    char token[64];
    bool created = false;
    int64_t now = pt_app_now(app);
    enum pt_status status =
        pt_reminders_sign_up(app->store, &app->crypto, &app->origins, sign_up, now, month, token,
                             sizeof(token), &created, message, message_size);
    if (status == PT_OK)
        pt_app_count_event(app, sign_up->campaign, sign_up->variant, PT_EVENT_REMINDER_SIGNUP,
                           now);
    return status;
}

void pt_reminder_routes_api(struct pt_app *app, struct pt_request *request,
                            struct pt_response *response)
{
    pt_app_cors(app, request, response);
    if (request->body == NULL || request->body_length == 0) {
        pt_response_error(request, response, 400, "The request has no body; send JSON.");
        return;
    }
    if (!within_rate(app, request)) {
        pt_response_error(request, response, 429,
                          "Too many sign-ups from here; please try again later.");
        pt_response_header(response, "Retry-After", "3600");
        return;
    }
    char error[300];
    json_t *root = pt_json_parse(request->body, request->body_length, error, sizeof(error));
    if (root == NULL) {
        pt_response_error(request, response, 400, error);
        return;
    }
    static const char *const allowed[] = {"email", "month", "language", "campaign", "variant",
                                          NULL};
    struct pt_reminder_request sign_up = {NULL, NULL, "en", "", "", pt_app_origin(app, request)};
    const char *where = "the request";
    enum pt_status status = pt_json_expect_object(root, where, allowed, error, sizeof(error));
    if (status == PT_OK)
        status = pt_json_string(root, where, "email", true, 1024, &sign_up.email, error,
                                sizeof(error));
    if (status == PT_OK)
        status = pt_json_string(root, where, "month", false, 64, &sign_up.month, error,
                                sizeof(error));
    if (status == PT_OK)
        status = pt_json_string(root, where, "language", false, 15, &sign_up.language, error,
                                sizeof(error));
    if (status == PT_OK)
        status = pt_json_string(root, where, "campaign", false, PT_ID_MAX - 1, &sign_up.campaign,
                                error, sizeof(error));
    if (status == PT_OK)
        status = pt_json_string(root, where, "variant", false, PT_ID_MAX - 1, &sign_up.variant,
                                error, sizeof(error));
    if (status) {
        json_decref(root);
        pt_response_error(request, response, 400, error);
        return;
    }
    struct pt_month month;
    status = sign_up_quietly(app, &sign_up, &month, error, sizeof(error));
    const char *language = pt_i18n_code(pt_i18n_lang(sign_up.language));
    json_decref(root);
    if (status) {
        pt_response_error(request, response, status == PT_ERR_INVALID ? 422 : 503, error);
        return;
    }
    char month_text[8];
    pt_reminders_month_format(month, month_text);
    struct pt_buf body;
    pt_buf_init(&body);
    pt_buf_printf(&body, "{\"month\":\"%s\",\"month_name\":", month_text);
    pt_buf_json_str(&body, pt_reminders_month_name(language, month.month));
    pt_buf_puts(&body, ",\"in_month\":");
    pt_buf_json_str(&body, pt_reminders_in_month(language, month.month));
    pt_buf_puts(&body, "}");
    pt_response_text(request, response, 200, "application/json", body.data, body.length);
    pt_buf_dispose(&body);
}

/* ------------------------------------------------------------ the frame */

static void frame_start(const char *origin, struct pt_buf *out, const char *language)
{
    pt_buf_printf(out, "<!doctype html><html lang=\"%s\"><head><meta charset=\"utf-8\"><title>",
                  language);
    pt_buf_html_str(out, pt_i18n_text(PT_MSG_PAGE_REGION_LABEL, pt_i18n_lang(language)));
    pt_buf_puts(out, "</title><link rel=\"stylesheet\" href=\"");
    pt_buf_html_str(out, origin);
    pt_buf_puts(out, "/appeal.css\"></head><body class=\"patron-embed\">");
}

void pt_reminder_routes_render_form(const struct pt_app *app, struct pt_buf *out,
                                    const char *origin, const char *language, const char *campaign,
                                    const char *variant)
{
    enum pt_lang lang = pt_i18n_lang(language);
    int64_t now = pt_app_now(app);
    struct pt_month chosen = pt_reminders_default_month(now);
    struct pt_month first = pt_reminders_add_months(pt_reminders_month_of(now), 1);
    pt_buf_puts(out, "<form class=\"patron-remind\" method=\"post\" action=\"");
    pt_buf_html_str(out, origin);
    pt_buf_puts(out, "/reminders\">");
    pt_buf_printf(out, "<input type=\"hidden\" name=\"lang\" value=\"%s\">", pt_i18n_code(lang));
    if (campaign != NULL && variant != NULL) {
        pt_buf_puts(out, "<input type=\"hidden\" name=\"campaign\" value=\"");
        pt_buf_html_str(out, campaign);
        pt_buf_puts(out, "\"><input type=\"hidden\" name=\"variant\" value=\"");
        pt_buf_html_str(out, variant);
        pt_buf_puts(out, "\">");
    }
    pt_buf_puts(out, "<p>");
    pt_buf_puts(out, pt_i18n_text(PT_MSG_REMIND_FORM_INTRO, lang));
    pt_buf_puts(out, "</p><label for=\"patron-email\">");
    pt_buf_puts(out, pt_i18n_text(PT_MSG_REMIND_FORM_EMAIL, lang));
    pt_buf_puts(out, "</label><input id=\"patron-email\" name=\"email\" type=\"email\" "
                     "autocomplete=\"email\" required><label for=\"patron-month\">");
    pt_buf_puts(out, pt_i18n_text(PT_MSG_REMIND_FORM_MONTH, lang));
    pt_buf_puts(out, "</label><select id=\"patron-month\" name=\"month\">");
    for (int i = 0; i < 12; i++) {
        struct pt_month month = pt_reminders_add_months(first, i);
        char value[8];
        pt_reminders_month_format(month, value);
        bool selected = month.year == chosen.year && month.month == chosen.month;
        pt_buf_printf(out, "<option value=\"%s\"%s>%s %d</option>", value,
                      selected ? " selected" : "", pt_reminders_month_name(language, month.month),
                      month.year);
    }
    pt_buf_puts(out, "</select><button type=\"submit\">");
    pt_buf_printf(out, pt_i18n_text(PT_MSG_REMIND_FORM_BUTTON, lang),
                  pt_reminders_in_month(language, chosen.month));
    pt_buf_puts(out, "</button></form>");
}

static const char *form_field(const struct pt_request *request, const char *name)
{
    const char *value = pt_http_form(request, name);
    return value != NULL ? value : "";
}

void pt_reminder_routes_form(struct pt_app *app, struct pt_request *request,
                             struct pt_response *response)
{
    if (request->form_invalid) {
        pt_response_error(request, response, 400, "The form could not be read.");
        return;
    }
    enum pt_lang lang = pt_i18n_lang(pt_http_form(request, "lang"));
    const char *language = pt_i18n_code(lang);
    struct pt_buf body;
    pt_buf_init(&body);
    const char *origin = pt_app_origin(app, request);
    frame_start(origin, &body, language);
    int status_code = 200;
    if (!within_rate(app, request)) {
        status_code = 429;
        pt_buf_puts(&body, "<p class=\"patron-thanks\" role=\"alert\">");
        pt_buf_puts(&body, pt_i18n_text(PT_MSG_REMIND_TOO_MANY, lang));
        pt_buf_puts(&body, "</p>");
    } else {
        struct pt_reminder_request sign_up = {
            pt_http_form(request, "email"), pt_http_form(request, "month"), language,
            form_field(request, "campaign"), form_field(request, "variant"), origin};
        struct pt_month month;
        char message[300];
        enum pt_status status = sign_up_quietly(app, &sign_up, &month, message, sizeof(message));
        if (status) {
            status_code = status == PT_ERR_INVALID ? 422 : 503;
            pt_buf_puts(&body, "<p class=\"patron-error\" role=\"alert\">");
            pt_buf_html_str(&body, message);
            pt_buf_puts(&body, "</p>");
            pt_reminder_routes_render_form(app, &body, origin, language,
                                           pt_http_form(request, "campaign"),
                                           pt_http_form(request, "variant"));
        } else {
            status_code = 200;
            pt_buf_puts(&body, "<p class=\"patron-thanks\" role=\"status\">");
            pt_buf_printf(&body, pt_i18n_text(PT_MSG_REMIND_DONE, lang),
                          pt_reminders_in_month(language, month.month));
            pt_buf_puts(&body, "</p>");
        }
    }
    pt_buf_puts(&body, "</body></html>\n");
    pt_response_text(request, response, status_code, "text/html; charset=utf-8", body.data,
                     body.length);
    pt_response_header(response, "Content-Security-Policy", app->embed_policy);
    pt_response_header(response, "Cache-Control", "no-store");
    pt_buf_dispose(&body);
}

/* ---------------------------------------------------------------- cancel */

static bool is_token(const char *token)
{
    if (token == NULL || strlen(token) != PT_CRYPTO_TOKEN_CHARS)
        return false;
    for (const char *p = token; *p; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_'))
            return false;
    }
    return true;
}

void pt_reminder_routes_cancel(struct pt_app *app, struct pt_request *request,
                               struct pt_response *response)
{
    const char *token = pt_http_query(request, "token");
    if (token == NULL)
        token = pt_http_form(request, "token");
    const char *wanted = pt_http_query(request, "lang");
    if (wanted == NULL)
        wanted = pt_http_form(request, "lang");
    enum pt_lang lang = pt_i18n_lang(wanted);
    const char *language = pt_i18n_code(lang);
    struct pt_buf body;
    pt_buf_init(&body);
    int status_code = 200;
    pt_render_page_start(&body, language, pt_i18n_text(PT_MSG_REMIND_CANCEL_TITLE, lang));
    enum pt_msg heading = PT_MSG_COUNT, text = PT_MSG_COUNT; /* COUNT: nothing more to say */
    if (!is_token(token)) {
        status_code = 400;
        heading = PT_MSG_REMIND_CANCEL_INCOMPLETE;
        text = PT_MSG_REMIND_CANCEL_INCOMPLETE_BODY;
    } else if (request->method != PT_METHOD_POST) {
        /* A GET changes nothing: mail scanners open every link. */
        pt_buf_printf(&body, "<h1>%s</h1><p>%s</p><form method=\"post\" action=\"",
                      pt_i18n_text(PT_MSG_REMIND_CANCEL_ASK, lang),
                      pt_i18n_text(PT_MSG_REMIND_CANCEL_ASK_BODY, lang));
        pt_buf_html_str(&body, pt_app_origin(app, request));
        pt_buf_printf(&body,
                      "/reminders/cancel\"><input type=\"hidden\" name=\"lang\" "
                      "value=\"%s\"><input type=\"hidden\" name=\"token\" value=\"",
                      language);
        pt_buf_html_str(&body, token);
        pt_buf_printf(&body, "\"><button type=\"submit\">%s</button></form>",
                      pt_i18n_text(PT_MSG_REMIND_CANCEL_BUTTON, lang));
    } else {
        enum pt_status status = pt_store_reminder_cancel(app->store, token);
        if (status == PT_OK) {
            heading = PT_MSG_REMIND_CANCEL_DONE;
            text = PT_MSG_REMIND_CANCEL_DONE_BODY;
        } else if (status == PT_ERR_NOT_FOUND) {
            heading = PT_MSG_REMIND_CANCEL_NOTHING;
            text = PT_MSG_REMIND_CANCEL_NOTHING_BODY;
        } else {
            status_code = 503;
            heading = PT_MSG_REMIND_CANCEL_LATER;
            text = PT_MSG_REMIND_CANCEL_LATER_BODY;
        }
    }
    if (heading != PT_MSG_COUNT)
        pt_buf_printf(&body, "<h1>%s</h1><p>%s</p>", pt_i18n_text(heading, lang),
                      pt_i18n_text(text, lang));
    pt_render_page_end(&body);
    pt_response_text(request, response, status_code, "text/html; charset=utf-8", body.data,
                     body.length);
    pt_response_header(response, "Cache-Control", "no-store");
    pt_buf_dispose(&body);
}
