#ifndef PATRON_DASH_CAMPAIGNS_H
#define PATRON_DASH_CAMPAIGNS_H

#include <stdint.h>

#include "patron/catalog.h"
#include "patron/dashboard.h"
#include "patron/status.h"

/* Every page under /dashboard/campaigns; dash->rest is the path after
 * "/dashboard/campaigns" ("" or "/..."). The gate has checked the session, the
 * role and, on POST, the CSRF token. */
void pt_dash_campaigns(struct pt_dash *dash);

#endif
