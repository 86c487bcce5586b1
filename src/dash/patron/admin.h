/* The admin API under /v1/admin/: campaigns and variants (create, update,
 * set live, end, delete) and the whole catalogue's JSON import and export,
 * so that a newsroom can keep its campaigns in git. Every change is
 * validated as part of the whole catalogue before it is stored, and reaches
 * the serving catalogue at once. docs/API.md documents each route. */
#ifndef PATRON_ADMIN_H
#define PATRON_ADMIN_H

#include <jansson.h>
#include <stddef.h>

#include "patron/status.h"

struct pt_app;
struct pt_request;
struct pt_response;

/* One handler per route (routes.c), called once the admin token and the
 * method have been checked. request->parameter is the campaign id where the
 * path has one. */
/* GET /v1/admin/catalog exports the catalogue; PUT imports one. */
void pt_admin_catalog(struct pt_app *app, struct pt_request *request,
                      struct pt_response *response);
/* POST /v1/admin/editor-links[?campaign=ID]. */
void pt_admin_editor_links(struct pt_app *app, struct pt_request *request,
                           struct pt_response *response);
/* GET /v1/admin/campaigns lists; POST creates. */
void pt_admin_campaigns(struct pt_app *app, struct pt_request *request,
                        struct pt_response *response);
/* GET, PUT or DELETE /v1/admin/campaigns/ID. */
void pt_admin_campaign(struct pt_app *app, struct pt_request *request,
                       struct pt_response *response);
/* POST /v1/admin/campaigns/ID/live, /end, /draft. */
void pt_admin_campaign_live(struct pt_app *app, struct pt_request *request,
                            struct pt_response *response);
void pt_admin_campaign_end(struct pt_app *app, struct pt_request *request,
                           struct pt_response *response);
void pt_admin_campaign_draft(struct pt_app *app, struct pt_request *request,
                             struct pt_response *response);

/* A campaign's version: a digest of its stored document, so that a change
 * made from an old copy can be refused. 32 hex characters. */
#define PT_ADMIN_VERSION_CHARS 32
void pt_admin_campaign_version(const char *document, char out[PT_ADMIN_VERSION_CHARS + 1]);

/* The one way campaigns change, for the admin API and the dashboard alike:
 * validates the stored catalogue with one campaign put (document, JSON) or
 * taken out (NULL), stores that change and puts it in service, under one lock
 * shared by every writer, so two editors' changes cannot clash unchecked.
 * expected says what the caller changes: NULL whatever is stored, "" only a
 * campaign that does not exist yet (a create), else only the stored version
 * it read (pt_admin_campaign_version); otherwise PT_ERR_CONFLICT.
 * PT_ERR_INVALID with the catalogue's message in error; PT_ERR_NOT_FOUND when
 * taking out a campaign that is not there; PT_ERR_IO when the database
 * failed. Nothing is changed unless PT_OK. */
enum pt_status pt_admin_change_campaign(struct pt_app *app, const char *id,
                                        const json_t *document, const char *expected,
                                        char *error, size_t error_size);

/* The stored document of campaign id (a new reference, the caller's to
 * decref) and, when version is not NULL, its version. PT_ERR_NOT_FOUND;
 * PT_ERR_IO when the database failed or holds no JSON object there. */
enum pt_status pt_admin_campaign_read(struct pt_app *app, const char *id, json_t **document,
                                      char version[PT_ADMIN_VERSION_CHARS + 1]);

/* Sets one campaign's status ("draft", "live" or "ended") and nothing else:
 * PT_ERR_CONFLICT if another change landed between the read and the write.
 * Otherwise as pt_admin_change_campaign, with a message in error. */
enum pt_status pt_admin_set_status(struct pt_app *app, const char *id, const char *state,
                                   char *error, size_t error_size);

#endif
