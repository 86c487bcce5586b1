#include "patron/api.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "patron/buf.h"
#include "patron/config.h"
#include "patron/http.h"
#include "patron/json.h"
#include "patron/metrics.h"
#include "patron/preview.h"
#include "patron/ratelimit.h"
#include "patron/request.h"
#include "patron/select.h"
#include "patron/store.h"

static void json_answer(struct pt_request *request, struct pt_response *response, int status,
                        struct pt_buf *body)
{
    pt_response_text(request, response, status, "application/json", body->data, body->length);
}

void pt_api_preflight(struct pt_app *app, struct pt_request *request, struct pt_response *response)
{
    response->status = 204;
    response->content_type = "text/plain";
    response->body = "";
    response->body_length = 0;
    pt_app_cors(app, request, response);
    pt_response_header(response, "Access-Control-Allow-Methods", "POST, OPTIONS");
    pt_response_header(response, "Access-Control-Allow-Headers", "Content-Type");
    pt_response_header(response, "Access-Control-Max-Age", "86400");
}

/* The widget sends text/plain to spare readers a preflight round trip; a
 * developer with curl sends application/json. Both carry the same JSON. */
static bool json_body(struct pt_request *request, struct pt_response *response)
{
    if (request->body == NULL || request->body_length == 0) {
        pt_response_error(request, response, 400, "The request has no body; send JSON.");
        return false;
    }
    const char *type = request->content_type;
    if (type != NULL && strncasecmp(type, "application/json", 16) != 0 &&
        strncasecmp(type, "text/plain", 10) != 0) {
        pt_response_error(request, response, 415,
                          "Send the body as application/json or text/plain.");
        return false;
    }
    if (!pt_utf8_valid(request->body, request->body_length)) {
        pt_response_error(request, response, 400, "The body is not valid UTF-8.");
        return false;
    }
    return true;
}

/* debug=TOKEN appends, per campaign in priority order, the filter it failed. */
static void add_debug(struct pt_request *request, struct pt_response *response,
                      const struct pt_select_options *options)
{
    struct pt_buf body;
    pt_buf_init(&body);
    pt_buf_append(&body, response->body, response->body_length - 1); /* without the last '}' */
    pt_buf_puts(&body, ",\"debug\":[");
    for (size_t i = 0; i < options->trace_count; i++) {
        pt_buf_puts(&body, i ? ",{\"campaign\":" : "{\"campaign\":");
        pt_buf_json_str(&body, options->trace[i].campaign->id);
        pt_buf_puts(&body, ",\"filter\":\"");
        pt_buf_puts(&body, pt_select_filter_name(options->trace[i].filter));
        pt_buf_puts(&body, "\"}");
    }
    pt_buf_puts(&body, "]}");
    response->body = pt_arena_strndup(request->arena, body.data, body.length);
    response->body_length = body.length;
    pt_buf_dispose(&body);
}

void pt_api_appeal(struct pt_app *app, struct pt_request *request, struct pt_response *response)
{
    pt_app_cors(app, request, response);
    if (!json_body(request, response))
        return;
    struct pt_appeal_request appeal;
    char error[256];
    enum pt_status status =
        pt_request_parse_appeal(request->body, request->body_length, request->arena, &appeal,
                                error, sizeof(error));
    if (status) {
        pt_response_error(request, response, 400, error);
        return;
    }
    pt_app_reader_country(app, request, appeal.country);
    struct pt_catalog *catalog = pt_catalog_holder_acquire(&app->catalogs);
    pt_app_hold_catalog(request, catalog);
    struct pt_select_options options;
    pt_app_editor_options(app, request, &options);
    /* The reasons name every campaign and its targeting: editors only, with
     * a signed debug token (the admin token never goes in an address). */
    if (pt_preview_check_debug(&app->crypto, pt_http_query(request, "debug"), pt_app_now(app))) {
        options.trace_capacity = catalog->campaign_count;
        options.trace = pt_arena_alloc(request->arena, (catalog->campaign_count + 1) *
                                                           sizeof(*options.trace));
    }
    struct pt_selection selection;
    pt_select_appeal(catalog, &appeal, pt_app_now(app),
                     (int64_t)app->config->snooze_max_days * 86400, &options, &selection);
    pt_metrics_appeal((unsigned)selection.reason);
    response->status = 200;
    response->content_type = "application/json";
    pt_response_header(response, "Cache-Control", "no-store");
    /* The newsroom keeps nothing on the devices of readers in this country
     * (no_trace_countries): the widget then keeps its state in the tab. */
    if (pt_app_no_trace_country(app, appeal.country)) {
        pt_response_header(response, "Patron-Trace", "none");
        pt_response_header(response, "Access-Control-Expose-Headers", "Patron-Trace");
    }
    static const char *const none[] = {
        [PT_SELECT_NO_CAMPAIGN] = "{\"appeal\":null,\"reason\":\"no_campaign\"}",
        [PT_SELECT_OPTED_OUT] = "{\"appeal\":null,\"reason\":\"opted_out\"}",
        [PT_SELECT_SUPPORTER] = "{\"appeal\":null,\"reason\":\"supporter\"}",
        [PT_SELECT_CAPPED] = "{\"appeal\":null,\"reason\":\"capped\"}",
        [PT_SELECT_SNOOZED] = "{\"appeal\":null,\"reason\":\"snoozed\"}",
    };
    /* Rendered when the catalogue was built; the request holds the snapshot,
     * so the bytes outlive any swap. */
    if (selection.reason == PT_SELECT_CHOSEN) {
        response->body = selection.text->answer;
        response->body_length = selection.text->answer_length;
    } else if (selection.reason == PT_SELECT_CONTROL) {
        response->body = selection.campaign->control_answer;
        response->body_length = selection.campaign->control_answer_length;
    } else {
        response->body = none[selection.reason];
        response->body_length = strlen(none[selection.reason]);
    }
    /* The reader's own count, then links to the address the reader came on. */
    pt_app_count_articles(request, &selection, &response->body, &response->body_length);
    pt_app_rebase(app, request, &response->body, &response->body_length);
    if (options.trace != NULL)
        add_debug(request, response, &options);
}

/* How many events before index in the batch have the same kind, campaign
 * and variant: a batch of at most PT_EVENTS_PER_REQUEST_MAX is small enough
 * to look back over. */
static size_t same_before(const struct pt_event_input *events, size_t index)
{
    size_t same = 0;
    for (size_t i = 0; i < index; i++) {
        if (events[i].kind == events[index].kind &&
            strcmp(events[i].campaign, events[index].campaign) == 0 &&
            strcmp(events[i].variant, events[index].variant) == 0)
            same++;
    }
    return same;
}

void pt_api_events(struct pt_app *app, struct pt_request *request, struct pt_response *response)
{
    pt_app_cors(app, request, response);
    if (!json_body(request, response))
        return;
    struct pt_event_input events[PT_EVENTS_PER_REQUEST_MAX];
    size_t count = 0;
    char error[256];
    pt_json_use_arena(request->arena);
    enum pt_status status = pt_request_parse_events(request->body, request->body_length, events,
                                                    &count, error, sizeof(error));
    pt_json_use_arena(NULL);
    if (status) {
        pt_response_error(request, response, status == PT_ERR_TOO_LARGE ? 413 : 400, error);
        return;
    }
    /* A reader's page sends a batch or two per view. A client past its
     * allowance, or a batch claiming more of one kind for one variant than
     * a page shows, is a burst that would poison an A/B test: not counted,
     * but counted as refused, so the reports can say a variant's day had
     * one. */
    char client[128];
    pt_app_client(app, request, client, sizeof(client));
    bool allowed = pt_ratelimit_allow(app->event_batches, client, pt_app_now(app) * 1000);
    size_t cap = (size_t)app->config->events_per_variant_per_batch;
    struct pt_catalog *catalog = pt_catalog_holder_acquire(&app->catalogs);
    int32_t day = pt_events_day(pt_app_now(app));
    size_t accepted = 0;
    for (size_t i = 0; i < count; i++) {
        /* Only what the catalogue knows is counted: a page cannot fill the
         * database with made-up names. */
        const struct pt_campaign *campaign = pt_catalog_find(catalog, events[i].campaign);
        if (campaign == NULL || pt_campaign_find_variant(campaign, events[i].variant) == NULL)
            continue;
        bool counted = allowed && same_before(events, i) < cap;
        if (pt_events_add(app->events, day, events[i].campaign, events[i].variant,
                          counted ? events[i].kind : PT_EVENT_REFUSED, 1) &&
            counted)
            accepted++;
    }
    pt_catalog_release(catalog);
    if (!allowed) {
        pt_response_error(request, response, 429,
                          "Too many event batches from this address; try again in a minute.");
        pt_response_header(response, "Retry-After", "60");
        return;
    }
    pt_metrics_events_accepted(accepted);
    struct pt_buf body;
    pt_buf_init(&body);
    pt_buf_printf(&body, "{\"accepted\":%zu,\"ignored\":%zu}", accepted, count - accepted);
    json_answer(request, response, 202, &body);
    pt_buf_dispose(&body);
}

struct stats_writer {
    struct pt_buf *body;
    size_t rows;
};

static void write_count(void *context, const struct pt_event_count *count)
{
    struct stats_writer *writer = context;
    char day[11];
    pt_events_format_day(count->day, day);
    pt_buf_puts(writer->body, writer->rows++ ? ",{\"day\":\"" : "{\"day\":\"");
    pt_buf_puts(writer->body, day);
    pt_buf_puts(writer->body, "\",\"campaign\":");
    pt_buf_json_str(writer->body, count->campaign);
    pt_buf_puts(writer->body, ",\"variant\":");
    pt_buf_json_str(writer->body, count->variant);
    pt_buf_printf(writer->body, ",\"kind\":\"%s\",\"count\":%lld}",
                  pt_event_kind_name(count->kind), (long long)count->count);
}

static void write_reminder_count(void *context, const char *month, const char *kind,
                                 int64_t count)
{
    struct stats_writer *writer = context;
    pt_buf_printf(writer->body, "%s{\"month\":", writer->rows++ ? "," : "");
    pt_buf_json_str(writer->body, month);
    pt_buf_puts(writer->body, ",\"kind\":");
    pt_buf_json_str(writer->body, kind);
    pt_buf_printf(writer->body, ",\"count\":%lld}", (long long)count);
}

static void write_reminder_metric(void *context, const char *month, const char *kind,
                                  int64_t count)
{
    struct pt_buf *body = context;
    pt_buf_puts(body, "patron_reminders_total{month=");
    pt_buf_json_str(body, month);
    pt_buf_puts(body, ",kind=");
    pt_buf_json_str(body, kind);
    /* A sign-up or a cancellation is one reader's act: shown in steps. */
    pt_buf_printf(body, "} %llu\n",
                  (unsigned long long)pt_metrics_coarse(count > 0 ? (uint64_t)count : 0));
}

void pt_api_stats(struct pt_app *app, struct pt_request *request, struct pt_response *response)
{
    if (!pt_app_authorise(app, request, response))
        return;
    /* Write what is in memory first, so the answer is one consistent read. */
    if (pt_events_flush(app->events) != PT_OK) {
        pt_response_error(request, response, 503, "The counts cannot be written right now.");
        return;
    }
    struct pt_buf body;
    pt_buf_init(&body);
    pt_buf_puts(&body, "{\"counts\":[");
    struct stats_writer writer = {&body, 0};
    if (pt_store_counts_each(app->store, write_count, &writer) != PT_OK) {
        pt_buf_dispose(&body);
        pt_response_error(request, response, 503, "The counts cannot be read right now.");
        return;
    }
    pt_buf_puts(&body, "],\"reminders\":[");
    writer.rows = 0;
    if (pt_store_reminder_counts_each(app->store, write_reminder_count, &writer) != PT_OK) {
        pt_buf_dispose(&body);
        pt_response_error(request, response, 503, "The counts cannot be read right now.");
        return;
    }
    pt_buf_puts(&body, "]}");
    json_answer(request, response, 200, &body);
    pt_buf_dispose(&body);
}

void pt_api_healthz(struct pt_app *app, struct pt_request *request, struct pt_response *response)
{
    /* Appeals are still served from memory when the database cannot be
     * written, but pledges, sign-ups and counts are not kept: not healthy.
     * The main thread probes every catalog_check_interval seconds; a
     * request never waits on the disk here. */
    bool failing = atomic_load(&app->store_failing);
    struct pt_catalog *catalog = pt_catalog_holder_acquire(&app->catalogs);
    struct pt_buf body;
    pt_buf_init(&body);
    pt_buf_printf(&body, "{\"status\":\"%s\",\"store\":\"%s\",\"catalog_campaigns\":%zu,"
                         "\"catalog_version\":%lld}",
                  failing ? "failing" : "ok", failing ? "cannot write" : "ok",
                  catalog->campaign_count, (long long)catalog->version);
    pt_catalog_release(catalog);
    json_answer(request, response, failing ? 503 : 200, &body);
    pt_buf_dispose(&body);
}

void pt_api_metrics(struct pt_app *app, struct pt_request *request, struct pt_response *response)
{
    /* The counts describe what readers do; they are for the newsroom's own
     * monitoring, which has the admin token. */
    if (!pt_app_authorise(app, request, response))
        return;
    struct pt_catalog *catalog = pt_catalog_holder_acquire(&app->catalogs);
    int64_t campaigns = (int64_t)catalog->campaign_count;
    pt_catalog_release(catalog);
    struct pt_buf body;
    pt_buf_init(&body);
    pt_metrics_render(&body, pt_events_flushed(app->events), pt_events_dropped(app->events),
                      campaigns);
    pt_buf_puts(&body, "# HELP patron_reminders_total Reminder sign-ups, cancellations, emails "
                       "sent and failed, by month.\n# TYPE patron_reminders_total counter\n");
    if (pt_store_reminder_counts_each(app->store, write_reminder_metric, &body) != PT_OK)
        pt_buf_puts(&body, "# the reminder counts could not be read\n");
    pt_response_text(request, response, 200, "text/plain; version=0.0.4; charset=utf-8",
                     body.data, body.length);
    pt_buf_dispose(&body);
}
