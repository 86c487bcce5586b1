/* The newsroom's dashboard under /dashboard/: sign-in, the page frame, and
 * the gate every dashboard page passes (a live session, the role the page
 * needs, and on every POST the session's CSRF token). The pages themselves
 * live in their own modules (dash_campaigns.c, dash_reports.c,
 * dash_donors.c) and are reached through patron's route table (routes.c),
 * whose auth field names the role each page needs.
 *
 * Every page is server-rendered HTML that works without JavaScript; script
 * (web/dashboard.js) only adds the live preview and the charts. */
#ifndef PATRON_DASHBOARD_H
#define PATRON_DASHBOARD_H

#include <stdbool.h>
#include <stdint.h>

#include "patron/auth.h"
#include "patron/buf.h"

struct pt_app;
struct pt_request;
struct pt_response;

/* One dashboard request that has passed the gate. */
struct pt_dash {
    struct pt_app *app;
    struct pt_request *request;
    struct pt_response *response;
    struct pt_auth_session session;       /* who is signed in */
    char csrf[PT_AUTH_TOKEN_CHARS + 1];   /* for the page's forms */
    const char *rest;                     /* the path after the route's, e.g. "/ID/edit" */
    char token[PT_AUTH_TOKEN_CHARS + 1];  /* the session's, from the cookie; wiped after */
};

/* A dashboard page behind the gate. */
typedef void (*pt_dashboard_page)(struct pt_dash *dash);

/* The gate: the form checks (pt_dashboard_form_ok), a live session (else a
 * redirect to sign in), on a POST the session's CSRF token, and at least
 * role; then page, with rest (what follows the route's path) in dash->rest. */
void pt_dashboard_serve(struct pt_app *app, struct pt_request *request,
                        struct pt_response *response, enum pt_auth_role role, const char *rest,
                        pt_dashboard_page page);

/* True when a POST may go on: not cross-site and not too large a form;
 * otherwise answers 403 or 413 and returns false. Does nothing for other
 * methods. */
bool pt_dashboard_form_ok(struct pt_request *request, struct pt_response *response);

/* /dashboard: a redirect to /dashboard/. */
void pt_dashboard_root(struct pt_app *app, struct pt_request *request,
                       struct pt_response *response);
/* /dashboard/login: the sign-in page and form (after pt_dashboard_form_ok). */
void pt_dashboard_login(struct pt_app *app, struct pt_request *request,
                        struct pt_response *response);

/* The pages this module draws: /dashboard/ (a redirect to the first
 * section the role may open), /logout, /users, /audit, /settings, and the
 * framed 404 of any other path. */
void pt_dashboard_home(struct pt_dash *dash);
void pt_dashboard_logout(struct pt_dash *dash);
void pt_dashboard_users(struct pt_dash *dash);
void pt_dashboard_audit(struct pt_dash *dash);
void pt_dashboard_settings(struct pt_dash *dash);
void pt_dashboard_not_found(struct pt_dash *dash);

/* True when the request's cookie names a live session. Called before the
 * body is read, to choose its limit; the gate still checks everything. */
bool pt_dashboard_signed_in(struct pt_app *app, const struct pt_request *request);

/* The start of a dashboard page: the document head, the navigation (with
 * `section` marked current: "campaigns", "reports", "donors", "users",
 * "audit") and the page's <h1>. title is escaped here. */
void pt_dash_page_start(struct pt_buf *out, const struct pt_dash *dash, const char *section,
                        const char *title);
void pt_dash_page_end(struct pt_buf *out);
/* The hidden CSRF field every form carries. */
void pt_dash_csrf_field(struct pt_buf *out, const struct pt_dash *dash);
/* A notice at the top of a page: kind is "ok" or "error"; text is escaped. */
void pt_dash_notice(struct pt_buf *out, const char *kind, const char *text);

/* Answers with the page (text/html, no-store); page is reset. */
void pt_dash_send(struct pt_dash *dash, int status, struct pt_buf *page);
/* Answers 303 See Other to location (a path under /dashboard/). */
void pt_dash_redirect(struct pt_dash *dash, const char *location);
/* Answers a CSV download named filename; csv is reset. */
void pt_dash_send_csv(struct pt_dash *dash, const char *filename, struct pt_buf *csv);
/* Answers a small error page in the frame: 400, 404, 409, ... */
void pt_dash_error(struct pt_dash *dash, int status, const char *message);

/* True when the signed-in user has at least role. */
bool pt_dash_can(const struct pt_dash *dash, enum pt_auth_role role);

/* Appends to the audit log as the signed-in user (under the auth lock). */
enum pt_status pt_dash_audit(struct pt_dash *dash, const char *action, const char *detail);

/* A moment as the dashboard shows it: "2027-01-15 09:30:00 UTC". */
void pt_dash_format_time(int64_t at, char out[32]);
/* An amount in minor units as staff read it ("€5", "$3.50"), or the minor
 * units and the code of a currency patron does not know. */
void pt_dash_amount(struct pt_buf *out, int64_t minor, const char *currency);

/* One CSV field, quoted when it must be (RFC 4180); cells that a spreadsheet
 * would run as a formula ('=', '+', '-', '@' first) are prefixed with '. */
void pt_dash_csv_field(struct pt_buf *out, const char *text);

#endif
