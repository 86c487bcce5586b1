#ifndef PATRON_DASH_BANK_H
#define PATRON_DASH_BANK_H

#include "patron/dashboard.h"

/* Every page under /dashboard/bank (the statement import and the queue of
 * transfers that matched no pledge); dash->rest is the path after
 * "/dashboard/bank". The gate has checked the session, the role (admin)
 * and, on POST, the CSRF token. Not found unless bank_iban is configured. */
void pt_dash_bank(struct pt_dash *dash);

#endif
