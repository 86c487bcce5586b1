/* The admin API under /v1/admin/: campaigns and variants (create, update,
 * set live, end, delete) and the whole catalogue's JSON import and export,
 * so that a newsroom can keep its campaigns in git. Every change is
 * validated as part of the whole catalogue before it is stored, and reaches
 * the serving catalogue at once. docs/API.md documents each route. */
#ifndef PATRON_ADMIN_H
#define PATRON_ADMIN_H

#include "patron/app.h"

/* Handles every path under /v1/admin/, after checking the admin token. */
void pt_admin_dispatch(struct pt_app *app, struct pt_request *request,
                       struct pt_response *response);

#endif
