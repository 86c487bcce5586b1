/* The HTTP side of "Remind me later" by email: sign-ups from the widget
 * (JSON) and from the no-script frame (a form), and the cancel link that
 * every reminder email carries (a GET shows a button, a POST cancels, so
 * that mail scanners that open links cancel nothing). */
#ifndef PATRON_REMINDER_ROUTES_H
#define PATRON_REMINDER_ROUTES_H

#include "patron/app.h"
#include "patron/buf.h"

/* POST /v1/reminders: JSON in, JSON out. */
void pt_reminder_routes_api(struct pt_app *app, struct pt_request *request,
                            struct pt_response *response);
/* POST /reminders: the no-script form, answered with a small document. */
void pt_reminder_routes_form(struct pt_app *app, struct pt_request *request,
                             struct pt_response *response);
/* GET and POST /reminders/cancel?token=... */
void pt_reminder_routes_cancel(struct pt_app *app, struct pt_request *request,
                               struct pt_response *response);

/* The email sign-up form of the no-script frame, offering the default month
 * and the eleven after it; it posts to origin (pt_app_origin). */
void pt_reminder_routes_render_form(const struct pt_app *app, struct pt_buf *out,
                                    const char *origin, const char *language, const char *campaign,
                                    const char *variant);

#endif
