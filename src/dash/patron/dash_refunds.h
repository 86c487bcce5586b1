/* Refunds and disputes on the dashboard (issue 14), for admins: the open
 * disputes on the Donors page, and on a pledge's page a form that pays back
 * a payment (all or part) through its processor, or says that the rail pays
 * back by hand. dash_donors.c places them; the gate has checked the
 * session, the role and, on POST, the CSRF token. */
#ifndef PATRON_DASH_REFUNDS_H
#define PATRON_DASH_REFUNDS_H

#include "patron/buf.h"
#include "patron/dashboard.h"
#include "patron/store.h"

/* The open disputes, newest first, each linked to its pledge. */
void pt_dash_refunds_disputes(struct pt_buf *page, struct pt_dash *dash);

/* The refund form for a pledge's payments (POST .../pledge/ID/refund), or
 * why there is none. */
void pt_dash_refunds_form(struct pt_buf *page, struct pt_dash *dash,
                          const struct pt_pledge_record *pledge);

/* The form's POST: pays back through the processor and records it once,
 * audit-logged by pledge and payment, never by donor. Sets the answer's
 * status and the notice the pledge's page shows (kind "ok" or "error";
 * message static or in the caller's buffer). */
void pt_dash_refunds_post(struct pt_dash *dash, const struct pt_pledge_record *pledge, int *status,
                          const char **kind, char *message, size_t message_size);

#endif
