/* The dashboard's gate and frame, sign-in and sign-out, and the admin's own
 * pages (users, audit log, settings). The campaign, report and donor pages
 * are their own modules; this file decides who may reach them.
 *
 * Every call into the auth module here holds app->auth_lock (its rows are in
 * the store, which is safe from any thread, but a sign-in's steps are kept
 * in one order per process). A sign-in's argon2id run is made outside the
 * lock, so that session checks (a keyed hash and one indexed read) never
 * wait for password hashing. */
#include "patron/dashboard.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "patron/app.h"
#include "patron/config.h"
#include "patron/crypto.h"
#include "patron/money.h"
#include "patron/dash_campaigns.h"
#include "patron/dash_donors.h"
#include "patron/dash_reports.h"
#include "patron/http.h"
#include "patron/render.h"

#define DASHBOARD "/dashboard"

/* Forms carry the token in this field; dashboard.js sends it in the header. */
#define CSRF_FIELD "csrf"
#define CSRF_HEADER "X-CSRF-Token"

/* ---------------------------------------------------------------- answers */

static void send_html(struct pt_request *request, struct pt_response *response, int status,
                      struct pt_buf *page)
{
    pt_response_text(request, response, status, "text/html; charset=utf-8", page->data,
                     page->length);
    pt_response_header(response, "Cache-Control", "no-store");
    pt_buf_reset(page);
}

static void redirect(struct pt_request *request, struct pt_response *response,
                     const char *location)
{
    pt_response_text(request, response, 303, "text/plain; charset=utf-8", "", 0);
    pt_response_header(response, "Location",
                       pt_arena_strndup(request->arena, location, strlen(location)));
    pt_response_header(response, "Cache-Control", "no-store");
}

void pt_dash_send(struct pt_dash *dash, int status, struct pt_buf *page)
{
    send_html(dash->request, dash->response, status, page);
}

void pt_dash_redirect(struct pt_dash *dash, const char *location)
{
    redirect(dash->request, dash->response, location);
}

void pt_dash_send_csv(struct pt_dash *dash, const char *filename, struct pt_buf *csv)
{
    pt_response_text(dash->request, dash->response, 200, "text/csv; charset=utf-8", csv->data,
                     csv->length);
    struct pt_buf disposition;
    pt_buf_init(&disposition);
    pt_buf_puts(&disposition, "attachment; filename=\"");
    for (const char *p = filename; *p; p++) {
        /* The name is ours, but keep the header well-formed whatever it is. */
        char c = (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20) ? '_' : *p;
        pt_buf_append(&disposition, &c, 1);
    }
    pt_buf_puts(&disposition, "\"");
    pt_response_header(dash->response, "Content-Disposition",
                       pt_arena_strndup(dash->request->arena, disposition.data,
                                        disposition.length));
    pt_response_header(dash->response, "Cache-Control", "no-store");
    pt_buf_dispose(&disposition);
    pt_buf_reset(csv);
}

/* Digits with at most one '.' among them, and nothing else. */
static bool is_number(const char *text)
{
    bool digits = false, point = false;
    for (; *text; text++) {
        if (*text >= '0' && *text <= '9')
            digits = true;
        else if (*text == '.' && !point)
            point = true;
        else
            return false;
    }
    return digits;
}

void pt_dash_csv_field(struct pt_buf *out, const char *text)
{
    if (text == NULL)
        text = "";
    bool formula = text[0] == '=' || text[0] == '+' || text[0] == '-' || text[0] == '@' ||
                   text[0] == '\t' || text[0] == '\r';
    /* A negative number is data, not a formula; anything more after it is. */
    if (text[0] == '-' && is_number(text + 1))
        formula = false;
    bool quote = formula || strpbrk(text, ",\"\r\n") != NULL;
    if (quote)
        pt_buf_puts(out, "\"");
    if (formula)
        pt_buf_puts(out, "'");
    for (const char *p = text; *p; p++) {
        if (*p == '"')
            pt_buf_puts(out, "\"\"");
        else
            pt_buf_append(out, p, 1);
    }
    if (quote)
        pt_buf_puts(out, "\"");
}

/* ---------------------------------------------------------------- the frame */

static void head(struct pt_buf *out, const char *title)
{
    pt_buf_puts(out, "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                     "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
                     "<meta name=\"referrer\" content=\"no-referrer\"><title>");
    pt_buf_html_str(out, title);
    pt_buf_puts(out, " · patron</title>"
                     "<link rel=\"stylesheet\" href=\"/dashboard/assets/dashboard.css\">"
                     "<script src=\"/dashboard/assets/dashboard.js\" defer></script>"
                     "</head><body class=\"dash\">"
                     "<a class=\"dash-skip\" href=\"#main\">Skip to content</a>");
}

struct section {
    const char *name;  /* for pt_dash_page_start's `section` */
    const char *label;
    const char *path;  /* after /dashboard */
    enum pt_auth_role role;
};

static const struct section sections[] = {
    {"campaigns", "Campaigns", "/campaigns", PT_AUTH_EDITOR},
    {"reports", "Reports", "/reports", PT_AUTH_VIEWER},
    {"donors", "Donors", "/donors", PT_AUTH_ADMIN},
    {"bank", "Bank transfers", "/bank", PT_AUTH_ADMIN},
    {"users", "Users", "/users", PT_AUTH_ADMIN},
    {"audit", "Audit log", "/audit", PT_AUTH_ADMIN},
    {"settings", "Settings", "/settings", PT_AUTH_ADMIN},
};
enum { SECTION_COUNT = sizeof(sections) / sizeof(sections[0]) };

bool pt_dash_can(const struct pt_dash *dash, enum pt_auth_role role)
{
    return dash->session.role >= role;
}

void pt_dash_page_start(struct pt_buf *out, const struct pt_dash *dash, const char *section,
                        const char *title)
{
    head(out, title);
    pt_buf_puts(out, "<header class=\"dash-header\"><p class=\"dash-brand\">patron</p>"
                     "<nav aria-label=\"Dashboard\"><ul>");
    for (size_t i = 0; i < SECTION_COUNT; i++) {
        if (!pt_dash_can(dash, sections[i].role))
            continue;
        /* Bank transfers are a section only where the newsroom takes them. */
        if (strcmp(sections[i].name, "bank") == 0 && dash->app->config->bank_iban[0] == '\0')
            continue;
        bool current = section != NULL && strcmp(section, sections[i].name) == 0;
        pt_buf_printf(out, "<li><a href=\"" DASHBOARD "%s\"%s>%s</a></li>", sections[i].path,
                      current ? " aria-current=\"page\"" : "", sections[i].label);
    }
    pt_buf_puts(out, "</ul></nav><form class=\"dash-signout\" method=\"post\" action=\""
                     DASHBOARD "/logout\"><span>");
    pt_buf_html_str(out, dash->session.email);
    pt_buf_printf(out, " (%s)</span>", pt_auth_role_name(dash->session.role));
    pt_dash_csrf_field(out, dash);
    pt_buf_puts(out, "<button type=\"submit\">Sign out</button></form></header>"
                     "<main id=\"main\"><h1>");
    pt_buf_html_str(out, title);
    pt_buf_puts(out, "</h1>");
}

void pt_dash_page_end(struct pt_buf *out)
{
    pt_buf_puts(out, "</main></body></html>\n");
}

void pt_dash_csrf_field(struct pt_buf *out, const struct pt_dash *dash)
{
    pt_buf_printf(out, "<input type=\"hidden\" name=\"" CSRF_FIELD "\" value=\"%s\">", dash->csrf);
}

void pt_dash_notice(struct pt_buf *out, const char *kind, const char *text)
{
    bool error = kind != NULL && strcmp(kind, "error") == 0;
    pt_buf_printf(out, "<p class=\"dash-notice dash-notice-%s\" role=\"%s\">",
                  error ? "error" : "ok", error ? "alert" : "status");
    pt_buf_html_str(out, text);
    pt_buf_puts(out, "</p>");
}

void pt_dash_error(struct pt_dash *dash, int status, const char *message)
{
    struct pt_buf page;
    pt_buf_init(&page);
    pt_dash_page_start(&page, dash, NULL, status == 404 ? "Not found" : "Something is wrong");
    pt_dash_notice(&page, "error", message);
    pt_buf_puts(&page, "<p><a href=\"" DASHBOARD "/\">Back to the dashboard</a></p>");
    pt_dash_page_end(&page);
    pt_dash_send(dash, status, &page);
    pt_buf_dispose(&page);
}

/* An answer for someone who has not got as far as a session. */
static void bare_page(struct pt_request *request, struct pt_response *response, int status,
                      const char *title, const char *message)
{
    struct pt_buf page;
    pt_buf_init(&page);
    head(&page, title);
    pt_buf_puts(&page, "<main id=\"main\" class=\"dash-narrow\"><h1>");
    pt_buf_html_str(&page, title);
    pt_buf_puts(&page, "</h1>");
    pt_dash_notice(&page, "error", message);
    pt_buf_puts(&page, "<p><a href=\"" DASHBOARD "/\">Back to the dashboard</a></p>");
    pt_dash_page_end(&page);
    send_html(request, response, status, &page);
    pt_buf_dispose(&page);
}

enum pt_status pt_dash_audit(struct pt_dash *dash, const char *action, const char *detail)
{
    pthread_mutex_lock(&dash->app->auth_lock);
    enum pt_status status = pt_auth_audit(dash->app->auth, pt_app_now(dash->app),
                                          dash->session.user_id, action, detail);
    pthread_mutex_unlock(&dash->app->auth_lock);
    return status;
}

/* ---------------------------------------------------------------- sign-in */

/* Only a dashboard path may be a place to go after signing in, so the
 * sign-in page cannot be used to send someone elsewhere. */
static const char *safe_next(const char *next)
{
    if (next == NULL || strncmp(next, DASHBOARD "/", sizeof(DASHBOARD)) != 0 ||
        strstr(next, "//") != NULL || strchr(next, '\\') != NULL || strlen(next) > 512)
        return DASHBOARD "/";
    for (const unsigned char *p = (const unsigned char *)next; *p; p++) {
        if (*p <= 0x20 || *p == 0x7f || *p == '"' || *p == '<' || *p == '>')
            return DASHBOARD "/";
    }
    return next;
}

static void login_page(struct pt_request *request, struct pt_response *response, int status,
                       const char *message, const char *email, const char *next)
{
    /* Every showing of the form gets a fresh double-submit token. */
    char form_token[PT_AUTH_TOKEN_CHARS + 1];
    char cookie[160];
    pt_crypto_token(form_token);
    struct pt_buf page;
    pt_buf_init(&page);
    head(&page, "Sign in");
    pt_buf_puts(&page, "<main id=\"main\" class=\"dash-narrow\"><h1>Sign in to patron</h1>");
    if (message != NULL)
        pt_dash_notice(&page, status < 400 ? "ok" : "error", message);
    pt_buf_puts(&page, "<form method=\"post\" action=\"" DASHBOARD "/login\" class=\"dash-form\">"
                       "<p><label for=\"email\">Email address</label>"
                       "<input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"username\" "
                       "required value=\"");
    pt_buf_html_str(&page, email ? email : "");
    pt_buf_puts(&page, "\"></p><p><label for=\"password\">Password</label>"
                       "<input id=\"password\" name=\"password\" type=\"password\" "
                       "autocomplete=\"current-password\" required></p>");
    pt_buf_printf(&page, "<input type=\"hidden\" name=\"" CSRF_FIELD "\" value=\"%s\">",
                  form_token);
    pt_buf_puts(&page, "<input type=\"hidden\" name=\"next\" value=\"");
    pt_buf_html_str(&page, safe_next(next));
    pt_buf_puts(&page, "\"><p><button type=\"submit\">Sign in</button></p></form>"
                       "<p class=\"dash-help\">Accounts are made by an administrator with "
                       "<code>patron admin add-user</code>.</p>");
    pt_dash_page_end(&page);
    send_html(request, response, status, &page);
    pt_buf_dispose(&page);
    if (pt_auth_login_cookie(form_token, cookie, sizeof(cookie)) == PT_OK)
        pt_response_header(response, "Set-Cookie",
                           pt_arena_strndup(request->arena, cookie, strlen(cookie)));
}

static void set_cookie(struct pt_app *app, struct pt_request *request,
                       struct pt_response *response, const char *token)
{
    char cookie[256];
    if (pt_auth_cookie(app->auth, token, cookie, sizeof(cookie)) == PT_OK)
        pt_response_header(response, "Set-Cookie",
                           pt_arena_strndup(request->arena, cookie, strlen(cookie)));
}

/* Looks up the session the request's cookie names, if any. */
static bool find_session(struct pt_app *app, const struct pt_request *request,
                         struct pt_auth_session *session, char token[PT_AUTH_TOKEN_CHARS + 1])
{
    const char *cookie = pt_http_header(request, "Cookie");
    if (cookie == NULL || pt_auth_cookie_token(cookie, token) != PT_OK)
        return false;
    pthread_mutex_lock(&app->auth_lock);
    enum pt_status status = pt_auth_session_check(app->auth, token, pt_app_now(app), session);
    pthread_mutex_unlock(&app->auth_lock);
    return status == PT_OK;
}

bool pt_dashboard_signed_in(struct pt_app *app, const struct pt_request *request)
{
    struct pt_auth_session session;
    char token[PT_AUTH_TOKEN_CHARS + 1];
    bool found = find_session(app, request, &session, token);
    sodium_memzero(token, sizeof(token));
    return found;
}

static void login(struct pt_app *app, struct pt_request *request, struct pt_response *response)
{
    struct pt_auth_session session;
    char token[PT_AUTH_TOKEN_CHARS + 1];
    if (request->method != PT_METHOD_POST) {
        const char *next = pt_http_query(request, "next");
        if (find_session(app, request, &session, token)) {
            redirect(request, response, safe_next(next));
            return;
        }
        const char *message = NULL;
        if (pt_http_query(request, "signed_out") != NULL)
            message = "You have signed out.";
        else if (pt_http_query(request, "expired") != NULL)
            message = "Your session has ended. Sign in again to go on.";
        login_page(request, response, 200, message, NULL, next);
        return;
    }
    const char *email = pt_http_form(request, "email");
    const char *password = pt_http_form(request, "password");
    const char *next = pt_http_form(request, "next");
    if (!pt_auth_login_form_check(pt_http_header(request, "Cookie"),
                                  pt_http_form(request, CSRF_FIELD))) {
        login_page(request, response, 403,
                   "This sign-in form had expired or came from elsewhere. Here is a fresh one: "
                   "sign in again.",
                   email, next);
        return;
    }
    if (request->form_invalid || email == NULL || password == NULL || email[0] == '\0' ||
        password[0] == '\0') {
        login_page(request, response, 400, "Enter your email address and your password.", email,
                   next);
        return;
    }
    char client[64];
    pt_app_client(app, request, client, sizeof(client));
    /* The lock is held for the database steps only: argon2id (and the
     * slow-down of an account under attack) runs without it, so that
     * signed-in pages are not kept waiting by sign-ins. */
    struct pt_auth_attempt attempt;
    pthread_mutex_lock(&app->auth_lock);
    enum pt_status status =
        pt_auth_login_begin(app->auth, email, client, pt_app_now(app), &attempt);
    pthread_mutex_unlock(&app->auth_lock);
    bool busy = false;
    if (status == PT_OK) {
        busy = pt_auth_login_verify(app->auth, &attempt, password) != PT_OK;
        pthread_mutex_lock(&app->auth_lock);
        status = pt_auth_login_finish(app->auth, &attempt, pt_app_now(app), token, &session);
        pthread_mutex_unlock(&app->auth_lock);
    }
    pt_auth_attempt_wipe(&attempt);
    if (busy && status == PT_ERR_TOO_LARGE) {
        login_page(request, response, 503,
                   "Too many people are signing in right now. Try again in a moment.", email, next);
        pt_response_header(response, "Retry-After", "1");
        return;
    }
    if (status == PT_ERR_TOO_LARGE) {
        login_page(request, response, 429,
                   "Too many failed sign-ins from here. Wait 15 minutes and try again.", email,
                   next);
        return;
    }
    if (status != PT_OK) {
        login_page(request, response, status == PT_ERR_INVALID ? 401 : 500,
                   status == PT_ERR_INVALID
                       ? "That email address and password do not match an active account."
                       : "Signing in failed on the server. Try again in a moment.",
                   email, next);
        return;
    }
    set_cookie(app, request, response, token);
    redirect(request, response, safe_next(next));
    sodium_memzero(token, sizeof(token));
}

void pt_dashboard_logout(struct pt_dash *dash)
{
    pthread_mutex_lock(&dash->app->auth_lock);
    pt_auth_logout(dash->app->auth, dash->token, pt_app_now(dash->app));
    pthread_mutex_unlock(&dash->app->auth_lock);
    set_cookie(dash->app, dash->request, dash->response, NULL);
    redirect(dash->request, dash->response, DASHBOARD "/login?signed_out=1");
    /* redirect() set the body; the cookie header was added before it. */
}

/* ---------------------------------------------------------------- users */

struct user_list {
    struct pt_buf *out;
    const struct pt_dash *dash;
};

static void user_row(void *context, const struct pt_auth_user *user)
{
    struct user_list *list = context;
    struct pt_buf *out = list->out;
    pt_buf_puts(out, "<tr><th scope=\"row\" data-label=\"Email\">");
    pt_buf_html_str(out, user->email);
    pt_buf_printf(out, "</th><td data-label=\"Role\">%s</td><td data-label=\"Status\">%s</td>"
                       "<td data-label=\"Action\">",
                  pt_auth_role_name(user->role), user->disabled ? "disabled" : "active");
    bool self = user->id == list->dash->session.user_id;
    if (!self) {
        pt_buf_printf(out, "<form method=\"post\" action=\"" DASHBOARD "/users/%s\">",
                      user->disabled ? "enable" : "disable");
        pt_dash_csrf_field(out, list->dash);
        pt_buf_puts(out, "<input type=\"hidden\" name=\"email\" value=\"");
        pt_buf_html_str(out, user->email);
        pt_buf_printf(out, "\"><button type=\"submit\">%s</button></form>",
                      user->disabled ? "Enable" : "Disable");
    } else {
        pt_buf_puts(out, "(you)");
    }
    pt_buf_puts(out, "</td></tr>");
}

static void users_page(struct pt_dash *dash, int status, const char *notice_kind,
                       const char *notice)
{
    struct pt_buf page;
    pt_buf_init(&page);
    pt_dash_page_start(&page, dash, "users", "Users");
    if (notice != NULL)
        pt_dash_notice(&page, notice_kind, notice);
    /* On a phone each row becomes a card (web/reports.css), so nothing
     * scrolls sideways. */
    pt_buf_puts(&page, "<link rel=\"stylesheet\" href=\"/dashboard/assets/reports.css\">"
                       "<div class=\"dash-table-wrap reports-cards\" tabindex=\"0\" role=\"region\" "
                       "aria-label=\"Everyone who can sign in\">"
                       "<table><caption>Everyone who can sign in</caption><thead><tr>"
                       "<th scope=\"col\">Email</th><th scope=\"col\">Role</th>"
                       "<th scope=\"col\">Status</th><th scope=\"col\">Action</th></tr></thead>"
                       "<tbody>");
    struct user_list list = {&page, dash};
    pthread_mutex_lock(&dash->app->auth_lock);
    enum pt_status listed = pt_auth_users_each(dash->app->auth, user_row, &list);
    pthread_mutex_unlock(&dash->app->auth_lock);
    pt_buf_puts(&page, "</tbody></table></div>");
    if (listed != PT_OK)
        pt_dash_notice(&page, "error", "The list of users could not be read.");

    pt_buf_puts(&page, "<h2>Add a user</h2><form method=\"post\" action=\"" DASHBOARD
                       "/users\" class=\"dash-form\">");
    pt_dash_csrf_field(&page, dash);
    pt_buf_puts(&page,
                "<p><label for=\"new-email\">Email address</label>"
                "<input id=\"new-email\" name=\"email\" type=\"email\" required></p>"
                "<p><label for=\"new-role\">Role</label><select id=\"new-role\" name=\"role\">"
                "<option value=\"viewer\">viewer: reads the reports</option>"
                "<option value=\"editor\">editor: also runs campaigns</option>"
                "<option value=\"admin\">admin: also manages users and donors</option>"
                "</select></p>"
                "<p><label for=\"new-password\">First password (at least 12 characters)</label>"
                "<input id=\"new-password\" name=\"password\" type=\"password\" minlength=\"12\" "
                "autocomplete=\"new-password\" required></p>"
                "<p><button type=\"submit\">Add user</button></p></form>");

    pt_buf_puts(&page, "<h2>Set a new password</h2><form method=\"post\" action=\"" DASHBOARD
                       "/users/password\" class=\"dash-form\">");
    pt_dash_csrf_field(&page, dash);
    pt_buf_puts(&page,
                "<p><label for=\"reset-email\">Email address</label>"
                "<input id=\"reset-email\" name=\"email\" type=\"email\" required></p>"
                "<p><label for=\"reset-password\">New password (at least 12 characters)</label>"
                "<input id=\"reset-password\" name=\"password\" type=\"password\" "
                "minlength=\"12\" autocomplete=\"new-password\" required></p>"
                "<p class=\"dash-help\">This signs the user out everywhere and unlocks the "
                "account.</p><p><button type=\"submit\">Set password</button></p></form>");
    pt_dash_page_end(&page);
    pt_dash_send(dash, status, &page);
    pt_buf_dispose(&page);
}

void pt_dashboard_users(struct pt_dash *dash)
{
    if (dash->request->method != PT_METHOD_POST) {
        if (dash->rest[0] != '\0') {
            pt_dash_error(dash, 404, "There is no such page.");
            return;
        }
        users_page(dash, 200, NULL, NULL);
        return;
    }
    struct pt_app *app = dash->app;
    const char *email = pt_http_form(dash->request, "email");
    const char *password = pt_http_form(dash->request, "password");
    int64_t now = pt_app_now(app);
    int64_t actor = dash->session.user_id;
    enum pt_status status = PT_ERR_INVALID;
    const char *done = NULL;
    bool self = false;
    if (email == NULL) {
        users_page(dash, 400, "error", "The form had no email address.");
        return;
    }
    /* A new password is hashed before the lock is taken, in one of the
     * sign-ins' argon2id slots, so that nobody's session check waits. */
    bool adding = strcmp(dash->rest, "") == 0;
    char hash[PT_AUTH_HASH_STRING_BYTES] = "";
    enum pt_status hashed = PT_OK;
    if (adding || strcmp(dash->rest, "/password") == 0) {
        if (!pt_auth_hashing_enter(app->auth)) {
            users_page(dash, 503, "error", "The server is busy. Try again in a moment.");
            pt_response_header(dash->response, "Retry-After", "1");
            return;
        }
        hashed = pt_auth_password_hash(app->auth, password ? password : "", hash);
        pt_auth_hashing_leave(app->auth);
    }
    pthread_mutex_lock(&app->auth_lock);
    if (adding) {
        enum pt_auth_role role;
        const char *role_name = pt_http_form(dash->request, "role");
        if (role_name == NULL || pt_auth_role_parse(role_name, &role) != PT_OK)
            status = PT_ERR_INVALID;
        else
            status = hashed
                         ? hashed
                         : pt_auth_user_add_hashed(app->auth, email, role, hash, actor, now, NULL);
        done = "The user was added.";
    } else if (strcmp(dash->rest, "/disable") == 0 || strcmp(dash->rest, "/enable") == 0) {
        bool disable = strcmp(dash->rest, "/disable") == 0;
        struct pt_auth_user user;
        status = pt_auth_user_get(app->auth, email, &user);
        self = status == PT_OK && user.id == actor; /* nobody locks themselves out */
        if (status == PT_OK && !self)
            status = pt_auth_user_set_disabled(app->auth, email, disable, actor, now);
        done = disable ? "The user was disabled and signed out." : "The user was enabled.";
    } else if (strcmp(dash->rest, "/password") == 0) {
        status =
            hashed ? hashed : pt_auth_user_set_password_hashed(app->auth, email, hash, actor, now);
        done = "The password was set; the user was signed out everywhere.";
    } else {
        status = PT_ERR_NOT_FOUND;
        email = NULL;
    }
    pthread_mutex_unlock(&app->auth_lock);
    sodium_memzero(hash, sizeof(hash));
    if (email == NULL) {
        pt_dash_error(dash, 404, "There is no such page.");
        return;
    }
    if (self) {
        users_page(dash, 409, "error", "You cannot disable your own account.");
        return;
    }
    switch (status) {
    case PT_OK: users_page(dash, 200, "ok", done); break;
    case PT_ERR_CONFLICT: users_page(dash, 409, "error", "That address already has an account.");
        break;
    case PT_ERR_NOT_FOUND: users_page(dash, 404, "error", "There is no user with that address.");
        break;
    case PT_ERR_INVALID:
        users_page(dash, 422, "error",
                   "Check the form: a valid email address, one of the three roles, and a "
                   "password of at least 12 characters.");
        break;
    default: users_page(dash, 500, "error", "The change could not be saved. Nothing changed.");
    }
}

/* ---------------------------------------------------------------- audit */

struct audit_list {
    struct pt_buf *out;
    bool csv;
    int64_t last_id;
    int rows;
};

void pt_dash_amount(struct pt_buf *out, int64_t minor, const char *currency)
{
    const struct pt_currency *known = pt_money_currency(currency);
    if (known != NULL)
        pt_money_format(out, minor, known);
    else
        pt_buf_printf(out, "%lld (minor units of %s)", (long long)minor, currency);
}

void pt_dash_format_time(int64_t at, char out[32])
{
    time_t t = (time_t)at;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

static void audit_row(void *context, const struct pt_auth_audit_entry *entry)
{
    struct audit_list *list = context;
    char when[32];
    pt_dash_format_time(entry->at, when);
    const char *who =
        entry->actor[0] ? entry->actor
        : strncmp(entry->action, PT_AUTH_AUDIT_API_PREFIX, strlen(PT_AUTH_AUDIT_API_PREFIX)) == 0
            ? "admin API"
            : "command line";
    list->last_id = entry->id;
    list->rows++;
    if (list->csv) {
        pt_dash_csv_field(list->out, when);
        pt_buf_puts(list->out, ",");
        pt_dash_csv_field(list->out, who);
        pt_buf_puts(list->out, ",");
        pt_dash_csv_field(list->out, entry->action);
        pt_buf_puts(list->out, ",");
        pt_dash_csv_field(list->out, entry->detail);
        pt_buf_puts(list->out, "\r\n");
        return;
    }
    pt_buf_printf(list->out, "<tr><td data-label=\"When\">%s</td><td data-label=\"Who\">", when);
    pt_buf_html_str(list->out, who);
    pt_buf_puts(list->out, "</td><td data-label=\"What\">");
    pt_buf_html_str(list->out, entry->action);
    pt_buf_puts(list->out, "</td><td data-label=\"Detail\">");
    pt_buf_html_str(list->out, entry->detail);
    pt_buf_puts(list->out, "</td></tr>");
}

enum { AUDIT_PAGE = 200 };

void pt_dashboard_audit(struct pt_dash *dash)
{
    struct pt_buf out;
    pt_buf_init(&out);
    bool csv = strcmp(dash->rest, ".csv") == 0;
    if (!csv && dash->rest[0] != '\0') {
        pt_dash_error(dash, 404, "There is no such page.");
        pt_buf_dispose(&out);
        return;
    }
    const char *before_text = pt_http_query(dash->request, "before");
    long long before = before_text ? strtoll(before_text, NULL, 10) : 0;
    struct audit_list list = {&out, csv, 0, 0};
    if (csv)
        pt_buf_puts(&out, "time,who,action,detail\r\n");
    else {
        pt_dash_page_start(&out, dash, "audit", "Audit log");
        pt_buf_puts(&out, "<p>Every sign-in, change of users, campaign change and action on "
                          "a donor's data, newest first. Nobody can edit or delete it. "
                          "<a href=\"" DASHBOARD "/audit.csv\">Download all as CSV</a></p>"
                          "<link rel=\"stylesheet\" href=\"/dashboard/assets/reports.css\">"
                          "<div class=\"dash-table-wrap reports-cards\" tabindex=\"0\" "
                          "role=\"region\" aria-label=\"The audit log\">"
                          "<table><caption>The audit log</caption><thead><tr>"
                          "<th scope=\"col\">When</th><th scope=\"col\">Who</th>"
                          "<th scope=\"col\">What</th><th scope=\"col\">Detail</th></tr>"
                          "</thead><tbody>");
    }
    pthread_mutex_lock(&dash->app->auth_lock);
    enum pt_status status = pt_auth_audit_each(dash->app->auth, before > 0 ? before : 0,
                                               csv ? 0 : AUDIT_PAGE, audit_row, &list);
    pthread_mutex_unlock(&dash->app->auth_lock);
    if (status != PT_OK) {
        pt_buf_dispose(&out);
        pt_dash_error(dash, 500, "The audit log could not be read.");
        return;
    }
    if (csv) {
        pt_dash_send_csv(dash, "patron-audit-log.csv", &out);
    } else {
        pt_buf_puts(&out, "</tbody></table></div>");
        if (list.rows == AUDIT_PAGE)
            pt_buf_printf(&out, "<p><a href=\"" DASHBOARD "/audit?before=%lld\">Older</a></p>",
                          (long long)list.last_id);
        pt_dash_page_end(&out);
        pt_dash_send(dash, 200, &out);
    }
    pt_buf_dispose(&out);
}

/* ---------------------------------------------------------------- settings */

static void settings_row(struct pt_buf *out, const char *name, const char *value)
{
    pt_buf_puts(out, "<tr><th scope=\"row\">");
    pt_buf_html_str(out, name);
    pt_buf_puts(out, "</th><td>");
    pt_buf_html_str(out, value);
    pt_buf_puts(out, "</td></tr>");
}

void pt_dashboard_settings(struct pt_dash *dash)
{
    const struct pt_config *config = dash->app->config;
    struct pt_buf page;
    pt_buf_init(&page);
    pt_dash_page_start(&page, dash, "settings", "Settings");
    pt_buf_puts(&page, "<p>These come from the configuration file (see "
                       "<code>patron.conf.example</code>); change them there and restart. "
                       "Secrets are never shown.</p><table><caption>In force now</caption>"
                       "<tbody>");
    settings_row(&page, "Public addresses", config->public_urls);
    settings_row(&page, "Currency", config->currency);
    settings_row(&page, "Payment processor",
                 config->stripe_secret_key[0] ? "Stripe" : "none: pledges stay pending");
    settings_row(&page, "Email", config->smtp_url[0] ? "sending over SMTP" : "off");
    settings_row(&page, "Admin API token", config->admin_token[0] ? "set" : "not set");
    pt_buf_puts(&page, "</tbody></table>");
    pt_dash_page_end(&page);
    pt_dash_send(dash, 200, &page);
    pt_buf_dispose(&page);
}

/* ---------------------------------------------------------------- the gate */

void pt_dashboard_home(struct pt_dash *dash)
{
    pt_dash_redirect(dash, pt_dash_can(dash, PT_AUTH_EDITOR) ? DASHBOARD "/campaigns"
                                                             : DASHBOARD "/reports");
}

void pt_dashboard_not_found(struct pt_dash *dash)
{
    pt_dash_error(dash, 404, "There is no such page in the dashboard.");
}

/* A browser says where a request came from; a cross-site POST is refused
 * before its CSRF token is even looked at. */
static bool cross_site(const struct pt_request *request)
{
    const char *site = pt_http_header(request, "Sec-Fetch-Site");
    return site != NULL && strcmp(site, "cross-site") == 0;
}

static void go_to_login(struct pt_request *request, struct pt_response *response, bool had_cookie)
{
    struct pt_buf location;
    pt_buf_init(&location);
    pt_buf_puts(&location, DASHBOARD "/login?");
    if (had_cookie)
        pt_buf_puts(&location, "expired=1&");
    pt_buf_puts(&location, "next=");
    pt_buf_url(&location, request->method == PT_METHOD_POST ? DASHBOARD "/" : request->path);
    redirect(request, response, location.data);
    pt_buf_dispose(&location);
}

void pt_dashboard_root(struct pt_app *app, struct pt_request *request,
                       struct pt_response *response)
{
    (void)app;
    redirect(request, response, DASHBOARD "/");
}

bool pt_dashboard_form_ok(struct pt_request *request, struct pt_response *response)
{
    if (request->method == PT_METHOD_POST && cross_site(request)) {
        bare_page(request, response, 403, "Refused",
                  "This form was sent from another site, so nothing was changed.");
        return false;
    }
    if (request->method == PT_METHOD_POST && request->form_too_large) {
        bare_page(request, response, 413, "Too large",
                  "The form had too many fields or too long a text, so nothing was saved. "
                  "Go back, shorten it and try again.");
        return false;
    }
    return true;
}

void pt_dashboard_login(struct pt_app *app, struct pt_request *request,
                        struct pt_response *response)
{
    login(app, request, response);
}

void pt_dashboard_serve(struct pt_app *app, struct pt_request *request,
                        struct pt_response *response, enum pt_auth_role role, const char *rest,
                        pt_dashboard_page page)
{
    if (!pt_dashboard_form_ok(request, response))
        return;
    struct pt_dash dash;
    memset(&dash, 0, sizeof(dash));
    dash.app = app;
    dash.request = request;
    dash.response = response;
    if (!find_session(app, request, &dash.session, dash.token)) {
        go_to_login(request, response, pt_http_header(request, "Cookie") != NULL &&
                                           strstr(pt_http_header(request, "Cookie"),
                                                  PT_AUTH_COOKIE_NAME "=") != NULL);
        return;
    }
    pt_auth_csrf_token(app->auth, &dash.session, dash.csrf);
    if (request->method == PT_METHOD_POST) {
        const char *submitted = pt_http_header(request, CSRF_HEADER);
        if (submitted == NULL)
            submitted = pt_http_form(request, CSRF_FIELD);
        if (request->form_invalid || pt_auth_csrf_check(app->auth, &dash.session, submitted)) {
            pt_dash_error(&dash, 403,
                          "This form has expired or did not come from this dashboard, so "
                          "nothing was changed. Reload the page and try again.");
            sodium_memzero(dash.token, sizeof(dash.token));
            return;
        }
    }
    if (!pt_dash_can(&dash, role)) {
        char message[160];
        snprintf(message, sizeof(message),
                 "Your account is a %s account, which cannot open this page. An admin can "
                 "change that.",
                 pt_auth_role_name(dash.session.role));
        pt_dash_error(&dash, 403, message);
        sodium_memzero(dash.token, sizeof(dash.token));
        return;
    }
    dash.rest = rest;
    page(&dash);
    sodium_memzero(dash.token, sizeof(dash.token));
}
