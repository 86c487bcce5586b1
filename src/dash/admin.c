#include "patron/admin.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "patron/alloc.h"
#include "patron/app.h"
#include "patron/auth.h"
#include "patron/buf.h"
#include "patron/http.h"
#include "patron/json.h"
#include "patron/log.h"
#include "patron/preview.h"
#include "patron/store.h"

/* One change at a time: validating against the stored catalogue and storing
 * must not interleave with another admin's change. */
static pthread_mutex_t change_lock = PTHREAD_MUTEX_INITIALIZER;

/* Puts document in place of the campaign called id, or adds it. */
static void set_put(struct pt_store_documents *set, const char *id, const char *document)
{
    for (size_t i = 0; i < set->count; i++) {
        if (strcmp(set->ids[i], id) == 0) {
            free(set->documents[i]);
            set->documents[i] = pt_xstrdup(document);
            return;
        }
    }
    pt_store_documents_add(set, id, document);
}

/* The whole catalogue must build: a campaign that is fine alone can still
 * clash with the others. */
static enum pt_status set_validate(const struct pt_app *app, const struct pt_store_documents *set,
                                   char *error, size_t error_size)
{
    struct pt_catalog *catalog = NULL;
    enum pt_status status =
        pt_catalog_build((const char *const *)set->documents, set->count, &app->catalog_settings,
                         0, &catalog, error, error_size);
    pt_catalog_release(catalog);
    return status;
}

static void answer_json(struct pt_request *request, struct pt_response *response, int status,
                        json_t *value)
{
    char *text = json_dumps(value, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    pt_response_text(request, response, status, "application/json", text, strlen(text));
    pt_json_free(text);
}

static void answer_store_error(struct pt_request *request, struct pt_response *response)
{
    pt_response_error(request, response, 503, "The database could not be changed; nothing was.");
}

/* Stored documents are the editor's JSON, compacted, in the editor's order.
 * Free the result with pt_json_free. */
static char *compact(const json_t *document)
{
    return json_dumps(document, JSON_COMPACT | JSON_PRESERVE_ORDER);
}

static json_t *read_body(struct pt_request *request, struct pt_response *response)
{
    if (request->body == NULL || request->body_length == 0) {
        pt_response_error(request, response, 400, "The request has no body; send JSON.");
        return NULL;
    }
    char error[300];
    json_t *value = pt_json_parse(request->body, request->body_length, error, sizeof(error));
    if (value == NULL)
        pt_response_error(request, response, 400, error);
    return value;
}

void pt_admin_campaign_version(const char *document, char out[PT_ADMIN_VERSION_CHARS + 1])
{
    unsigned char digest[PT_ADMIN_VERSION_CHARS / 2];
    crypto_generichash(digest, sizeof(digest), (const unsigned char *)document, strlen(document),
                       NULL, 0);
    sodium_bin2hex(out, PT_ADMIN_VERSION_CHARS + 1, digest, sizeof(digest));
}

/* Whether the stored campaign is the one the caller expects to change. */
static enum pt_status check_expected(const struct pt_store_documents *set, const char *id,
                                     const char *expected, char *error, size_t error_size)
{
    if (expected == NULL)
        return PT_OK;
    const char *current = NULL;
    for (size_t i = 0; i < set->count && current == NULL; i++) {
        if (strcmp(set->ids[i], id) == 0)
            current = set->documents[i];
    }
    if (expected[0] == '\0') {
        if (current == NULL)
            return PT_OK;
        snprintf(error, error_size, "A campaign with the id %s exists already.", id);
        return PT_ERR_CONFLICT;
    }
    char version[PT_ADMIN_VERSION_CHARS + 1] = "";
    if (current != NULL)
        pt_admin_campaign_version(current, version);
    if (current != NULL && sodium_memcmp(version, expected, PT_ADMIN_VERSION_CHARS) == 0 &&
        strlen(expected) == PT_ADMIN_VERSION_CHARS)
        return PT_OK;
    snprintf(error, error_size,
             "Someone changed campaign %s since this form was opened, so nothing was saved.",
             id);
    return PT_ERR_CONFLICT;
}

enum pt_status pt_admin_change_campaign(struct pt_app *app, const char *id,
                                        const json_t *document_json, const char *expected,
                                        char *error, size_t error_size)
{
    char *document = document_json != NULL ? compact(document_json) : NULL;
    if (document_json != NULL && document == NULL) {
        snprintf(error, error_size, "The campaign could not be written out; nothing was changed.");
        return PT_ERR_INTERNAL;
    }
    struct pt_store_documents set = {0};
    pthread_mutex_lock(&change_lock);
    enum pt_status status = pt_store_documents_read(app->store, &set);
    if (status == PT_OK)
        status = check_expected(&set, id, expected, error, error_size);
    if (status == PT_OK && document != NULL) {
        set_put(&set, id, document);
        status = set_validate(app, &set, error, error_size) == PT_OK ? PT_OK : PT_ERR_INVALID;
        if (status == PT_OK)
            status = pt_store_campaign_put(app->store, id, document, pt_app_now(app));
    } else if (status == PT_OK) {
        status = pt_store_campaign_delete(app->store, id);
    }
    if (status != PT_OK && status != PT_ERR_INVALID && status != PT_ERR_NOT_FOUND &&
        status != PT_ERR_CONFLICT) {
        status = PT_ERR_IO;
        snprintf(error, error_size, "The database could not be changed; nothing was.");
    } else if (status == PT_ERR_NOT_FOUND) {
        snprintf(error, error_size, "There is no campaign with that id.");
    }
    /* Reloading under the lock keeps the catalogue in service in the order
     * the changes were stored. */
    if (status == PT_OK && pt_app_reload_catalog(app, true) != PT_OK)
        pt_log(PT_LOG_ERROR, "campaign %s was stored but the catalogue did not reload", id);
    pthread_mutex_unlock(&change_lock);
    pt_store_documents_dispose(&set);
    pt_json_free(document);
    return status;
}

enum pt_status pt_admin_campaign_read(struct pt_app *app, const char *id, json_t **document,
                                      char version[PT_ADMIN_VERSION_CHARS + 1])
{
    *document = NULL;
    char *text = NULL;
    enum pt_status status = pt_store_campaign_get(app->store, id, &text);
    if (status == PT_ERR_NOT_FOUND)
        return status;
    if (status)
        return PT_ERR_IO;
    if (version != NULL)
        pt_admin_campaign_version(text, version);
    *document = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
    free(text);
    if (!json_is_object(*document)) {
        json_decref(*document);
        *document = NULL;
        return PT_ERR_IO;
    }
    return PT_OK;
}

enum pt_status pt_admin_set_status(struct pt_app *app, const char *id, const char *state,
                                   char *error, size_t error_size)
{
    char version[PT_ADMIN_VERSION_CHARS + 1];
    json_t *document = NULL;
    enum pt_status status = pt_admin_campaign_read(app, id, &document, version);
    if (status == PT_ERR_NOT_FOUND)
        snprintf(error, error_size, "There is no campaign with that id.");
    else if (status)
        snprintf(error, error_size, "The campaign could not be read; nothing was changed.");
    if (status)
        return status;
    /* Only the status changes, even if another change lands meanwhile. */
    json_object_set_new(document, "status", json_string(state));
    status = pt_admin_change_campaign(app, id, document, version, error, error_size);
    json_decref(document);
    return status;
}

static void answer_change(struct pt_request *request, struct pt_response *response,
                          enum pt_status status, const char *error, json_t *document,
                          int success_status);

/* The admin API's changes go to the dashboard's audit log like an editor's,
 * under PT_AUTH_AUDIT_API_PREFIX: whoever holds the token changes what
 * readers see, and the newsroom must be able to tell when. Best effort, as
 * the dashboard's: the change is made, a failed note is logged. */
static void audit(struct pt_app *app, const char *action, const char *detail)
{
    if (app->auth == NULL)
        return;
    char name[64];
    snprintf(name, sizeof(name), PT_AUTH_AUDIT_API_PREFIX "%s", action);
    pthread_mutex_lock(&app->auth_lock);
    enum pt_status status = pt_auth_audit(app->auth, pt_app_now(app), 0, name, detail);
    pthread_mutex_unlock(&app->auth_lock);
    if (status != PT_OK)
        pt_log(PT_LOG_ERROR, "the audit log did not take %s %s", name, detail);
}

/* One campaign put (document) or taken out (NULL), answering the request. */
static void change_campaign(struct pt_app *app, struct pt_request *request,
                            struct pt_response *response, const char *id, json_t *document,
                            const char *expected, int success_status)
{
    char error[512];
    enum pt_status status =
        pt_admin_change_campaign(app, id, document, expected, error, sizeof(error));
    if (status == PT_OK)
        audit(app,
              document == NULL                          ? "campaign_deleted"
              : expected != NULL && expected[0] == '\0' ? "campaign_created"
                                                        : "campaign_saved",
              id);
    answer_change(request, response, status, error, document, success_status);
}

/* The answer to a change of one campaign: the campaign as stored (201 or
 * 200), 204 for a removal, or the error. */
static void answer_change(struct pt_request *request, struct pt_response *response,
                          enum pt_status status, const char *error, json_t *document,
                          int success_status)
{
    switch (status) {
    case PT_OK: break;
    case PT_ERR_INVALID: pt_response_error(request, response, 422, error); return;
    case PT_ERR_NOT_FOUND: pt_response_error(request, response, 404, error); return;
    case PT_ERR_CONFLICT: pt_response_error(request, response, 409, error); return;
    default: answer_store_error(request, response); return;
    }
    if (document != NULL) {
        json_t *answer = json_pack("{s:O}", "campaign", document);
        answer_json(request, response, success_status, answer);
        json_decref(answer);
    } else {
        response->status = 204;
        response->content_type = "application/json";
        response->body = "";
    }
}

/* The stored campaign, or NULL with the request answered. */
static json_t *stored_campaign(struct pt_app *app, struct pt_request *request,
                               struct pt_response *response, const char *id)
{
    json_t *document = NULL;
    enum pt_status status = pt_admin_campaign_read(app, id, &document, NULL);
    if (status == PT_ERR_NOT_FOUND)
        pt_response_error(request, response, 404, "There is no campaign with that id.");
    else if (status)
        answer_store_error(request, response);
    return document;
}

/* ------------------------------------------------------------ campaigns */

static void list_campaigns(struct pt_app *app, struct pt_request *request,
                           struct pt_response *response, const char *key)
{
    struct pt_store_documents set = {0};
    if (pt_store_documents_read(app->store, &set) != PT_OK) {
        answer_store_error(request, response);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < set.count; i++) {
        json_t *document = json_loads(set.documents[i], 0, NULL);
        if (document != NULL)
            json_array_append_new(list, document);
    }
    json_t *answer = json_pack("{s:o}", key, list);
    answer_json(request, response, 200, answer);
    json_decref(answer);
    pt_store_documents_dispose(&set);
}

static bool id_matches(struct pt_request *request, struct pt_response *response,
                       const json_t *document, const char *id)
{
    const json_t *named = json_object_get(document, "id");
    if (!json_is_object(document)) {
        pt_response_error(request, response, 400, "The campaign must be a JSON object.");
        return false;
    }
    if (named == NULL) {
        json_object_set_new((json_t *)document, "id", json_string(id));
        return true;
    }
    if (!json_is_string(named) || strcmp(json_string_value(named), id) != 0) {
        pt_response_error(request, response, 400,
                          "The campaign's \"id\" differs from the one in the address.");
        return false;
    }
    return true;
}

static void create_campaign(struct pt_app *app, struct pt_request *request,
                            struct pt_response *response)
{
    json_t *document = read_body(request, response);
    if (document == NULL)
        return;
    const json_t *named = json_object_get(document, "id");
    if (!json_is_object(document) || !json_is_string(named)) {
        pt_response_error(request, response, 400, "The campaign needs a string \"id\".");
        json_decref(document);
        return;
    }
    /* Created only if the id is free when it is stored, not just when asked. */
    change_campaign(app, request, response, json_string_value(named), document, "", 201);
    json_decref(document);
}

static void set_status(struct pt_app *app, struct pt_request *request,
                       struct pt_response *response, const char *id, const char *state)
{
    char error[512];
    enum pt_status status = pt_admin_set_status(app, id, state, error, sizeof(error));
    if (status == PT_OK) {
        char action[32];
        snprintf(action, sizeof(action), "campaign_%s", state);
        audit(app, action, id);
    }
    json_t *document = NULL;
    if (status == PT_OK && pt_admin_campaign_read(app, id, &document, NULL) != PT_OK)
        status = PT_ERR_IO;
    answer_change(request, response, status, error, document, 200);
    json_decref(document);
}

/* ------------------------------------------------------------- catalogue */

static void import_catalog(struct pt_app *app, struct pt_request *request,
                           struct pt_response *response)
{
    json_t *root = read_body(request, response);
    if (root == NULL)
        return;
    static const char *const allowed[] = {"campaigns", NULL};
    char error[512];
    const json_t *campaigns = NULL;
    struct pt_store_documents set = {0};
    if (pt_json_expect_object(root, "the catalogue", allowed, error, sizeof(error)) != PT_OK ||
        pt_json_array(root, "the catalogue", "campaigns", true, 1000, &campaigns, error,
                      sizeof(error)) != PT_OK) {
        pt_response_error(request, response, 400, error);
        goto out;
    }
    size_t index;
    const json_t *document;
    json_array_foreach(campaigns, index, document) {
        const json_t *named = json_object_get(document, "id");
        if (!json_is_object(document) || !json_is_string(named)) {
            snprintf(error, sizeof(error), "campaigns[%zu] needs a string \"id\"", index);
            pt_response_error(request, response, 400, error);
            goto out;
        }
        char *text = compact(document);
        pt_store_documents_add(&set, json_string_value(named), text);
        pt_json_free(text);
    }
    pthread_mutex_lock(&change_lock);
    if (set_validate(app, &set, error, sizeof(error)) != PT_OK) {
        pthread_mutex_unlock(&change_lock);
        pt_response_error(request, response, 422, error);
        goto out;
    }
    enum pt_status status = pt_store_campaigns_replace(
        app->store, (const char *const *)set.ids, (const char *const *)set.documents, set.count,
        pt_app_now(app));
    pthread_mutex_unlock(&change_lock);
    if (status) {
        answer_store_error(request, response);
        goto out;
    }
    pt_app_reload_catalog(app, false);
    /* The note names every campaign imported, as far as it goes. */
    struct pt_buf detail;
    pt_buf_init(&detail);
    pt_buf_printf(&detail, "%zu campaign(s):", set.count);
    for (size_t i = 0; i < set.count && detail.length < 900; i++)
        pt_buf_printf(&detail, " %s", set.ids[i]);
    audit(app, "catalog_imported", detail.data);
    pt_buf_dispose(&detail);
    struct pt_buf body;
    pt_buf_init(&body);
    pt_buf_printf(&body, "{\"imported\":%zu}", set.count);
    pt_response_text(request, response, 200, "application/json", body.data, body.length);
    pt_buf_dispose(&body);
out:
    pt_store_documents_dispose(&set);
    json_decref(root);
}

/* --------------------------------------------------------------- routes */


/* POST /v1/admin/editor-links[?campaign=ID]: short-lived signed tokens for
 * an article's patron_preview and patron_debug, so that editors never put
 * the admin token in an address. Without a campaign the preview token lets
 * every draft take part. */
void pt_admin_editor_links(struct pt_app *app, struct pt_request *request,
                           struct pt_response *response)
{
    const char *campaign = pt_http_query(request, "campaign");
    if (campaign != NULL && !pt_catalog_is_id(campaign)) {
        pt_response_error(request, response, 422, "campaign must be a campaign id.");
        return;
    }
    int64_t expires_at = pt_app_now(app) + PT_PREVIEW_LINK_SECONDS;
    char preview[PT_PREVIEW_TOKEN_MAX], debug[PT_PREVIEW_TOKEN_MAX];
    pt_preview_token(&app->crypto, campaign ? campaign : PT_PREVIEW_ALL, expires_at, preview);
    pt_preview_debug_token(&app->crypto, expires_at, debug);
    audit(app, "editor_links", campaign ? campaign : "every draft");
    json_t *answer = json_pack("{s:s, s:s, s:I, s:s?}", "preview", preview, "debug", debug,
                               "expires_at", (json_int_t)expires_at, "campaign", campaign);
    answer_json(request, response, 201, answer);
    json_decref(answer);
}

void pt_admin_catalog(struct pt_app *app, struct pt_request *request,
                      struct pt_response *response)
{
    if (request->method == PT_METHOD_PUT)
        import_catalog(app, request, response);
    else
        list_campaigns(app, request, response, "campaigns");
}

void pt_admin_campaigns(struct pt_app *app, struct pt_request *request,
                        struct pt_response *response)
{
    if (request->method == PT_METHOD_POST)
        create_campaign(app, request, response);
    else
        list_campaigns(app, request, response, "campaigns");
}

/* The campaign id the route's "*" gave, or NULL after answering 404. */
static const char *campaign_id(struct pt_request *request, struct pt_response *response)
{
    const char *id = request->parameter;
    if (id == NULL || id[0] == '\0' || strlen(id) >= PT_ID_MAX) {
        pt_response_error(request, response, 404, "There is no campaign with that id.");
        return NULL;
    }
    return id;
}

void pt_admin_campaign(struct pt_app *app, struct pt_request *request,
                       struct pt_response *response)
{
    const char *id = campaign_id(request, response);
    if (id == NULL)
        return;
    if (request->method == PT_METHOD_DELETE) {
        change_campaign(app, request, response, id, NULL, NULL, 204);
    } else if (request->method == PT_METHOD_PUT) {
        json_t *document = read_body(request, response);
        if (document != NULL && id_matches(request, response, document, id))
            change_campaign(app, request, response, id, document, NULL, 200);
        json_decref(document);
    } else {
        json_t *document = stored_campaign(app, request, response, id);
        if (document != NULL) {
            json_t *answer = json_pack("{s:o}", "campaign", document);
            answer_json(request, response, 200, answer);
            json_decref(answer);
        }
    }
}

static void campaign_to(struct pt_app *app, struct pt_request *request,
                        struct pt_response *response, const char *state)
{
    const char *id = campaign_id(request, response);
    if (id != NULL)
        set_status(app, request, response, id, state);
}

void pt_admin_campaign_live(struct pt_app *app, struct pt_request *request,
                            struct pt_response *response)
{
    campaign_to(app, request, response, "live");
}

void pt_admin_campaign_end(struct pt_app *app, struct pt_request *request,
                           struct pt_response *response)
{
    campaign_to(app, request, response, "ended");
}

void pt_admin_campaign_draft(struct pt_app *app, struct pt_request *request,
                             struct pt_response *response)
{
    campaign_to(app, request, response, "draft");
}
