#ifndef PATRON_DASH_DONORS_H
#define PATRON_DASH_DONORS_H

#include "patron/dashboard.h"

/* Every page under /dashboard/donors; dash->rest is the path after
 * "/dashboard/donors" ("" or "/..."). The gate has checked the session, the
 * role and, on POST, the CSRF token. */
void pt_dash_donors(struct pt_dash *dash);

#endif
