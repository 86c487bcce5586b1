#ifndef PATRON_DASH_REPORTS_H
#define PATRON_DASH_REPORTS_H

#include "patron/dashboard.h"

/* Every page under /dashboard/reports; dash->rest is the path after
 * "/dashboard/reports" ("" or "/..."). The gate has checked the session, the
 * role and, on POST, the CSRF token. */
void pt_dash_reports(struct pt_dash *dash);

#endif
