/* Donors, privately: an admin finds a donor's pledges by address (through
 * the keyed hash: there is no list of donors to browse), reads a pledge's
 * history, cancels it, and exports or erases one donor's data on request.
 * Every one of these goes to the audit log.
 *
 * Addresses travel in POST bodies only, never in a URL, so they stay out of
 * logs and browser history; the audit log names a donor by the first bytes of
 * the keyed hash, never by the address. */
#include "patron/dash_donors.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "patron/app.h"
#include "patron/crypto.h"
#include "patron/dash_refunds.h"
#include "patron/http.h"
#include "patron/json.h"
#include "patron/pledges.h"
#include "patron/store.h"

#define DONORS "/dashboard/donors"
/* More pledges from one address than this is not a donor but a test or an
 * attack; the page says so rather than act on part of them. */
enum { MAX_PLEDGES = 256 };

/* What the audit log says about a donor: enough to match two entries, too
 * little to find the address. */
static void donor_label(const unsigned char hash[PT_CRYPTO_HASH_BYTES], char out[24])
{
    snprintf(out, 24, "donor %02x%02x%02x%02x%02x%02x", hash[0], hash[1], hash[2], hash[3], hash[4],
             hash[5]);
}

/* Audits an action on a donor's data: "donor 0a1b2c3d4e5f: 2 pledge(s)". */
static enum pt_status audit_donor(struct pt_dash *dash, const char *action,
                                  const unsigned char hash[PT_CRYPTO_HASH_BYTES], size_t pledges,
                                  bool failed)
{
    char label[24], detail[80];
    donor_label(hash, label);
    snprintf(detail, sizeof(detail), "%s: %zu pledge(s)%s", label, pledges,
             failed ? " (failed)" : "");
    return pt_dash_audit(dash, action, detail);
}

/* How often, in words. */
static const char *frequency_words(enum pt_frequency frequency)
{
    switch (frequency) {
    case PT_FREQUENCY_MONTHLY: return "monthly";
    case PT_FREQUENCY_ANNUAL: return "yearly";
    case PT_FREQUENCY_ONE_OFF: return "one-off";
    }
    return "";
}

static void lookup_form(struct pt_buf *out, const struct pt_dash *dash, const char *action,
                        const char *label, const char *button, bool confirm)
{
    pt_buf_printf(out, "<form method=\"post\" action=\"" DONORS "/%s\" class=\"dash-form\">",
                  action);
    pt_dash_csrf_field(out, dash);
    pt_buf_printf(out,
                  "<p><label for=\"%s-email\">%s</label>"
                  "<input id=\"%s-email\" name=\"email\" type=\"email\" required></p>",
                  action, label, action);
    if (confirm)
        pt_buf_printf(out,
                      "<p><label class=\"dash-inline\"><input type=\"checkbox\" name=\"confirm\" "
                      "value=\"yes\" required> I have checked this request; cancel this "
                      "donor's pledges and erase their address</label></p>");
    pt_buf_printf(out, "<p><button type=\"submit\"%s>%s</button></p></form>",
                  confirm ? " class=\"dash-danger\"" : "", button);
}

static void index_page(struct pt_dash *dash, int status, const char *kind, const char *notice)
{
    struct pt_buf page;
    pt_buf_init(&page);
    pt_dash_page_start(&page, dash, "donors", "Donors");
    if (notice != NULL)
        pt_dash_notice(&page, kind, notice);
    pt_buf_puts(&page, "<p>patron keeps each donor's address encrypted and finds it by a keyed "
                       "hash, so there is no list of donors to browse: type the address a donor "
                       "wrote from. Every look-up, export and erasure goes to the audit log.</p>"
                       "<h2>Find a donor's pledges</h2>");
    lookup_form(&page, dash, "find", "Donor's email address", "Find pledges", false);
    pt_buf_puts(&page, "<h2>Export one donor's data</h2><p class=\"dash-help\">A JSON file with "
                       "everything patron holds about the address: for a donor's request to see "
                       "their data.</p>");
    lookup_form(&page, dash, "export", "Donor's email address", "Download their data", false);
    /* Say what erase_donor does and no more: it cancels running
     * subscriptions at the processor, asks it to delete the customer where
     * its API allows (Stripe, Mollie) and forgets the customer id here
     * (tests/http/dashboard-erasure.test.mjs pins this text to what reaches
     * the processor). */
    pt_buf_puts(&page, "<h2>Erase one donor's data</h2><p class=\"dash-help\">Cancels every "
                       "pledge of the address that is still running, at the processor too, "
                       "then removes from patron the address, the processor's customer id and "
                       "any email reminder. Amounts and dates stay in the books, with the "
                       "processor's subscription and payment ids. "
                       "patron also asks the processor (Stripe, Mollie) to delete the donor's "
                       "customer record there; if it refuses, nothing is erased and this page "
                       "says so, to try again. This cannot be undone.</p>");
    lookup_form(&page, dash, "erase", "Donor's email address", "Erase", true);
    pt_dash_refunds_disputes(&page, dash);
    pt_dash_page_end(&page);
    pt_dash_send(dash, status, &page);
    pt_buf_dispose(&page);
}

/* The pledges of the address in the form; false (with the answer sent) when
 * the address is malformed. */
/* The donor a form names, by the address typed in it. */
struct donor {
    char email[255]; /* normalised */
    unsigned char hash[PT_CRYPTO_HASH_BYTES];
    char ids[MAX_PLEDGES][33]; /* their pledges, newest first */
    size_t count;
};

static bool read_donor(struct pt_dash *dash, struct donor *donor)
{
    const char *email = pt_http_form(dash->request, "email");
    if (email == NULL || pt_crypto_normalise_email(email, donor->email) != PT_OK) {
        index_page(dash, 422, "error", "That is not an email address.");
        return false;
    }
    pt_crypto_lookup_hash(&dash->app->crypto, donor->email, donor->hash);
    donor->count = 0;
    if (pt_store_pledges_by_email(dash->app->store, donor->hash, donor->ids, MAX_PLEDGES,
                                  &donor->count) != PT_OK) {
        index_page(dash, 500, "error", "The pledges could not be read. Nothing changed.");
        return false;
    }
    if (donor->count == MAX_PLEDGES) {
        index_page(dash, 409, "error",
                   "This address has more pledges than the dashboard handles at once, so "
                   "nothing was done. Ask the people who run patron to look at it.");
        return false;
    }
    return true;
}

static void pledge_row(struct pt_dash *dash, struct pt_buf *out,
                       const struct pt_pledge_record *pledge)
{
    char created[32];
    pt_dash_format_time(pledge->created_at, created);
    pt_buf_printf(out,
                  "<tr><th scope=\"row\" data-label=\"Pledge\"><a href=\"" DONORS
                  "/pledge/%s\">%s</a></th><td data-label=\"Status\">",
                  pledge->id, pledge->id);
    pt_buf_html_str(out, pledge->status);
    pt_buf_puts(out, "</td><td class=\"num\" data-label=\"Amount\">");
    pt_dash_amount(out, pledge->amount_minor, pledge->currency);
    pt_buf_printf(out, "</td><td data-label=\"How often\">%s</td><td data-label=\"Campaign\">",
                  frequency_words(pledge->frequency));
    pt_buf_html_str(out, pledge->campaign[0] ? pledge->campaign : "—");
    pt_buf_printf(out, "</td><td data-label=\"Made\">%s</td><td data-label=\"Processor\">",
                  created);
    struct pt_pay *pay = pt_pledges_processor(dash->app->ledger, pledge);
    pt_buf_html_str(out, pay != NULL ? pay->ops->label : pledge->processor[0] ? pledge->processor
                                                                                : "—");
    pt_buf_puts(out, "</td></tr>");
}

static void find(struct pt_dash *dash)
{
    struct donor donor;
    if (!read_donor(dash, &donor))
        return;
    if (audit_donor(dash, "donor_lookup", donor.hash, donor.count, false) != PT_OK) {
        pt_dash_error(dash, 500, "The audit log could not be written, so nothing is shown.");
        return;
    }
    struct pt_buf page;
    pt_buf_init(&page);
    pt_dash_page_start(&page, dash, "donors", "A donor's pledges");
    if (donor.count == 0) {
        pt_dash_notice(&page, "ok",
                       "No pledge was made with that address (or its data was "
                       "erased).");
    } else {
        /* On a phone each row becomes a card (web/reports.css), so the
         * 32-character ids and seven columns never scroll the page sideways. */
        pt_buf_puts(&page, "<link rel=\"stylesheet\" href=\"/dashboard/assets/reports.css\">"
                           "<div class=\"dash-table-wrap reports-cards\" tabindex=\"0\" "
                           "role=\"region\" aria-label=\"Pledges made with this address\">"
                           "<table><caption>Pledges made with this address, newest first"
                           "</caption><thead><tr><th scope=\"col\">Pledge</th>"
                           "<th scope=\"col\">Status</th><th scope=\"col\" class=\"num\">Amount"
                           "</th><th scope=\"col\">How often</th><th scope=\"col\">Campaign</th>"
                           "<th scope=\"col\">Made</th><th scope=\"col\">Processor</th></tr>"
                           "</thead><tbody>");
        for (size_t i = 0; i < donor.count; i++) {
            struct pt_pledge_record pledge;
            if (pt_store_pledge_get(dash->app->store, donor.ids[i], &pledge) == PT_OK)
                pledge_row(dash, &page, &pledge);
        }
        pt_buf_puts(&page, "</tbody></table></div>");
    }
    pt_buf_puts(&page, "<p><a href=\"" DONORS "\">Look up another address</a></p>");
    pt_dash_page_end(&page);
    pt_dash_send(dash, 200, &page);
    pt_buf_dispose(&page);
}

/* ---------------------------------------------------------------- one pledge */

struct table {
    struct pt_buf *out;
    const char *currency;
    json_t *array; /* for the export instead of HTML, when set */
    size_t rows;
    size_t reversed; /* payments that came back */
};

static void history_row(void *context, int64_t at, const char *status, int64_t amount_minor,
                        const char *note)
{
    struct table *table = context;
    table->rows++;
    if (table->array != NULL) {
        json_array_append_new(table->array, json_pack("{s:I, s:s, s:I, s:s}", "at", (json_int_t)at,
                                                      "status", status, "amount_minor",
                                                      (json_int_t)amount_minor, "note", note));
        return;
    }
    char when[32];
    pt_dash_format_time(at, when);
    pt_buf_printf(table->out, "<tr><td data-label=\"When\">%s</td><td data-label=\"State\">", when);
    pt_buf_html_str(table->out, status);
    pt_buf_puts(table->out, "</td><td class=\"num\" data-label=\"Amount\">");
    pt_dash_amount(table->out, amount_minor, table->currency);
    pt_buf_puts(table->out, "</td><td data-label=\"Why\">");
    pt_buf_html_str(table->out, note);
    pt_buf_puts(table->out, "</td></tr>");
}

static void payment_row(void *context, const char *payment_id, int64_t amount_minor,
                        const char *currency, int64_t paid_at)
{
    struct table *table = context;
    table->rows++;
    table->reversed += amount_minor < 0;
    if (table->array != NULL) {
        json_array_append_new(table->array,
                              json_pack("{s:s, s:I, s:s, s:I}", "id", payment_id, "amount_minor",
                                        (json_int_t)amount_minor, "currency", currency, "paid_at",
                                        (json_int_t)paid_at));
        return;
    }
    char when[32];
    pt_dash_format_time(paid_at, when);
    pt_buf_printf(table->out,
                  "<tr%s><td data-label=\"When\">%s</td><td class=\"num\" "
                  "data-label=\"Amount\">",
                  amount_minor < 0 ? " class=\"dash-reversed\"" : "", when);
    pt_dash_amount(table->out, amount_minor, currency);
    pt_buf_puts(table->out, "</td><td data-label=\"Processor's id\">");
    pt_buf_html_str(table->out, payment_id);
    if (amount_minor < 0)
        pt_buf_puts(table->out, " (came back)");
    pt_buf_puts(table->out, "</td></tr>");
}

static bool is_live(const char *status)
{
    return strcmp(status, "cancelled") != 0 && strcmp(status, "completed") != 0;
}

static void pledge_page(struct pt_dash *dash, const char *id, int status, const char *kind,
                        const char *notice)
{
    struct pt_pledge_record pledge;
    if (strlen(id) != 32 || pt_store_pledge_get(dash->app->store, id, &pledge) != PT_OK) {
        pt_dash_error(dash, 404, "There is no pledge with that id.");
        return;
    }
    char detail[80];
    snprintf(detail, sizeof(detail), "pledge %s", pledge.id);
    if (pt_dash_audit(dash, "pledge_viewed", detail) != PT_OK) {
        pt_dash_error(dash, 500, "The audit log could not be written, so nothing is shown.");
        return;
    }
    char *email = NULL;
    if (pledge.email_sealed_length > 0 &&
        pt_crypto_open(&dash->app->crypto, pledge.email_sealed, pledge.email_sealed_length,
                       &email) != PT_OK)
        email = NULL;
    char created[32];
    pt_dash_format_time(pledge.created_at, created);

    struct pt_buf page;
    pt_buf_init(&page);
    pt_dash_page_start(&page, dash, "donors", "A pledge");
    if (notice != NULL)
        pt_dash_notice(&page, kind, notice);
    pt_buf_printf(&page, "<dl class=\"dash-facts\"><dt>Pledge</dt><dd>%s</dd><dt>Donor</dt><dd>",
                  pledge.id);
    pt_buf_html_str(&page, email ? email : "(no address: not given yet, or erased)");
    pt_buf_puts(&page, "</dd><dt>Status</dt><dd>");
    pt_buf_html_str(&page, pledge.status);
    pt_buf_puts(&page, "</dd><dt>Amount</dt><dd>");
    pt_dash_amount(&page, pledge.amount_minor, pledge.currency);
    pt_buf_printf(&page, " %s</dd><dt>Campaign</dt><dd>", frequency_words(pledge.frequency));
    pt_buf_html_str(&page, pledge.campaign[0] ? pledge.campaign : "—");
    pt_buf_puts(&page, " / ");
    pt_buf_html_str(&page, pledge.variant[0] ? pledge.variant : "—");
    struct pt_pay *pay = pt_pledges_processor(dash->app->ledger, &pledge);
    pt_buf_printf(&page, "</dd><dt>Made</dt><dd>%s</dd><dt>Processor</dt><dd>", created);
    pt_buf_html_str(&page, pay != NULL             ? pay->ops->label
                           : pledge.processor[0] ? pledge.processor
                                                 : "none (not sent to a processor)");
    pt_buf_puts(&page, "</dd></dl>");
    free(email);

    struct table table = {&page, pledge.currency, NULL, 0, 0};
    /* Cards on a phone, as on the donor's page above. */
    pt_buf_puts(&page, "<link rel=\"stylesheet\" href=\"/dashboard/assets/reports.css\">"
                       "<div class=\"dash-table-wrap reports-cards\" tabindex=\"0\" "
                       "role=\"region\" aria-label=\"History\">"
                       "<table><caption>History</caption><thead><tr><th scope=\"col\">When</th>"
                       "<th scope=\"col\">State</th><th scope=\"col\" class=\"num\">Amount</th>"
                       "<th scope=\"col\">Why</th></tr></thead><tbody>");
    enum pt_status read =
        pt_store_pledge_history_each(dash->app->store, pledge.id, history_row, &table);
    pt_buf_puts(&page, "</tbody></table></div><div class=\"dash-table-wrap reports-cards\" "
                       "tabindex=\"0\" role=\"region\" aria-label=\"Payments\">"
                       "<table><caption>Payments</caption><thead><tr>"
                       "<th scope=\"col\">When</th><th scope=\"col\" class=\"num\">Amount</th>"
                       "<th scope=\"col\">Processor's id</th></tr></thead><tbody>");
    if (read == PT_OK)
        read = pt_store_pledge_payments_each(dash->app->store, pledge.id, payment_row, &table);
    pt_buf_puts(&page, "</tbody></table></div>");
    if (read != PT_OK)
        pt_dash_notice(&page, "error", "Part of this pledge's history could not be read.");
    if (table.reversed > 0)
        pt_dash_notice(&page, "error",
                       "Money paid for this pledge came back (a refund, a dispute, a chargeback "
                       "or a reversed direct debit): see the payments above.");
    pt_dash_refunds_form(&page, dash, &pledge);
    if (is_live(pledge.status)) {
        pt_buf_printf(&page,
                      "<h2>Cancel this pledge</h2><form method=\"post\" action=\"" DONORS
                      "/pledge/%s/cancel\" class=\"dash-form\">",
                      pledge.id);
        pt_dash_csrf_field(&page, dash);
        pt_buf_puts(&page, "<p><label class=\"dash-inline\"><input type=\"checkbox\" "
                           "name=\"confirm\" value=\"yes\" required> The donor asked for this: "
                           "stop every future charge</label></p><p><button type=\"submit\" "
                           "class=\"dash-danger\">Cancel the pledge</button></p></form>");
    }
    pt_buf_puts(&page, "<p><a href=\"" DONORS "\">Back to donors</a></p>");
    pt_dash_page_end(&page);
    pt_dash_send(dash, status, &page);
    pt_buf_dispose(&page);
}

static void cancel(struct pt_dash *dash, const char *id)
{
    struct pt_pledge_record pledge;
    if (strlen(id) != 32 || pt_store_pledge_get(dash->app->store, id, &pledge) != PT_OK) {
        pt_dash_error(dash, 404, "There is no pledge with that id.");
        return;
    }
    const char *confirm = pt_http_form(dash->request, "confirm");
    if (confirm == NULL || strcmp(confirm, "yes") != 0) {
        pledge_page(dash, id, 422, "error", "Tick the box to confirm; nothing was cancelled.");
        return;
    }
    if (!is_live(pledge.status)) {
        pledge_page(dash, id, 200, "ok", "This pledge had already ended.");
        return;
    }
    char error[256] = "";
    enum pt_status status = pt_pledges_cancel(dash->app->ledger, &pledge, "cancelled by the newsroom",
                                              pt_app_now(dash->app), error, sizeof(error));
    char detail[80];
    snprintf(detail, sizeof(detail), "pledge %s%s", pledge.id, status ? " (failed)" : "");
    pt_dash_audit(dash, "pledge_cancelled", detail);
    if (status != PT_OK) {
        char message[400];
        snprintf(message, sizeof(message), "The pledge could not be cancelled: %s. Try again.",
                 error[0] ? error : "the processor did not answer");
        pledge_page(dash, id, 502, "error", message);
        return;
    }
    pledge_page(dash, id, 200, "ok", "Cancelled. The donor is emailed a confirmation.");
}

/* ---------------------------------------------------------------- export, erase */

static void reminder_row(void *context, const struct pt_reminder *reminder)
{
    json_array_append_new(context, json_pack("{s:s, s:s, s:s, s:s, s:I}", "month", reminder->month,
                                             "language", reminder->language, "campaign",
                                             reminder->campaign, "variant", reminder->variant,
                                             "created_at", (json_int_t)reminder->created_at));
}

static void export_donor(struct pt_dash *dash)
{
    struct donor donor;
    if (!read_donor(dash, &donor))
        return;
    json_t *root = json_pack("{s:s, s:[]}", "email", donor.email, "pledges");
    json_t *pledges = json_object_get(root, "pledges");
    enum pt_status read = PT_OK;
    for (size_t i = 0; i < donor.count && read == PT_OK; i++) {
        struct pt_pledge_record pledge;
        read = pt_store_pledge_get(dash->app->store, donor.ids[i], &pledge);
        if (read != PT_OK)
            break;
        json_t *history = json_array(), *payments = json_array();
        struct table history_table = {NULL, pledge.currency, history, 0, 0};
        struct table payment_table = {NULL, pledge.currency, payments, 0, 0};
        read =
            pt_store_pledge_history_each(dash->app->store, pledge.id, history_row, &history_table);
        if (read == PT_OK)
            read = pt_store_pledge_payments_each(dash->app->store, pledge.id, payment_row,
                                                 &payment_table);
        json_array_append_new(
            pledges,
            json_pack("{s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:o, s:o}",
                      "id", pledge.id, "status", pledge.status, "frequency",
                      pt_frequency_name(pledge.frequency), "amount_minor",
                      (json_int_t)pledge.amount_minor, "currency", pledge.currency, "campaign",
                      pledge.campaign, "variant", pledge.variant, "language", pledge.language,
                      "created_at", (json_int_t)pledge.created_at, "processor", pledge.processor,
                      "processor_customer", pledge.customer_id, "processor_subscription",
                      pledge.subscription_id, "history", history, "payments", payments));
    }
    json_t *reminders = json_array();
    json_object_set_new(root, "reminders", reminders);
    if (read == PT_OK)
        read = pt_store_reminders_of(dash->app->store, donor.hash, reminder_row, reminders);
    if (read != PT_OK ||
        audit_donor(dash, "donor_exported", donor.hash, donor.count, false) != PT_OK) {
        json_decref(root);
        index_page(dash, 500, "error", "The donor's data could not be read. Nothing was sent.");
        return;
    }
    char *text = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(root);
    if (text == NULL) {
        index_page(dash, 500, "error", "The export could not be built.");
        return;
    }
    pt_response_text(dash->request, dash->response, 200, "application/json; charset=utf-8", text,
                     strlen(text));
    pt_json_free(text);
    pt_response_header(dash->response, "Content-Disposition",
                       "attachment; filename=\"patron-donor-data.json\"");
    pt_response_header(dash->response, "Cache-Control", "no-store");
}

static void erase_donor(struct pt_dash *dash)
{
    const char *confirm = pt_http_form(dash->request, "confirm");
    if (confirm == NULL || strcmp(confirm, "yes") != 0) {
        index_page(dash, 422, "error", "Tick the box to confirm; nothing was erased.");
        return;
    }
    struct donor donor;
    if (!read_donor(dash, &donor))
        return;
    char label[24], detail[96];
    donor_label(donor.hash, label);
    /* Stop the charges first: an erased donor could not be told about one. */
    for (size_t i = 0; i < donor.count; i++) {
        struct pt_pledge_record pledge;
        char error[256] = "";
        if (pt_store_pledge_get(dash->app->store, donor.ids[i], &pledge) != PT_OK ||
            !is_live(pledge.status))
            continue;
        if (pt_pledges_cancel(dash->app->ledger, &pledge, "cancelled: the donor asked to be erased",
                              pt_app_now(dash->app), error, sizeof(error)) != PT_OK) {
            snprintf(detail, sizeof(detail), "%s: pledge %s could not be cancelled", label,
                     pledge.id);
            pt_dash_audit(dash, "donor_erase_failed", detail);
            char message[400];
            snprintf(message, sizeof(message),
                     "Pledge %s could not be cancelled (%s), so nothing was erased. Try again.",
                     pledge.id, error[0] ? error : "the processor did not answer");
            index_page(dash, 502, "error", message);
            return;
        }
    }
    /* Then the customer records at processors that delete them on request
     * (Mollie): asked before patron forgets the ids, so a refusal leaves
     * everything to try again. */
    for (size_t i = 0; i < donor.count; i++) {
        struct pt_pledge_record pledge;
        char error[256] = "";
        if (pt_store_pledge_get(dash->app->store, donor.ids[i], &pledge) != PT_OK ||
            pledge.customer_id[0] == '\0')
            continue;
        struct pt_pay *pay = pt_pledges_processor(dash->app->ledger, &pledge);
        if (pay == NULL || pay->ops->delete_customer == NULL)
            continue;
        if (pay->ops->delete_customer(pay, pledge.customer_id, error, sizeof(error)) != PT_OK) {
            snprintf(detail, sizeof(detail), "%s: a customer at %s could not be deleted", label,
                     pay->ops->label);
            pt_dash_audit(dash, "donor_erase_failed", detail);
            char message[400];
            snprintf(message, sizeof(message),
                     "%s did not delete the donor's customer record (%s), so nothing was erased "
                     "here. Try again.",
                     pay->ops->label, error[0] ? error : "no answer");
            index_page(dash, 502, "error", message);
            return;
        }
    }
    size_t erased = 0;
    enum pt_status status =
        pt_store_donor_erase(dash->app->store, donor.hash, pt_app_now(dash->app), &erased);
    if (status == PT_ERR_NOT_FOUND) {
        index_page(dash, 404, "error",
                   "patron holds nothing for that address (no pledge, no reminder); nothing to "
                   "erase.");
        return;
    }
    audit_donor(dash, "donor_erased", donor.hash, erased, status != PT_OK);
    if (status != PT_OK) {
        index_page(dash, 500, "error", "The erasure failed; nothing was erased. Try again.");
        return;
    }
    char message[160];
    snprintf(message, sizeof(message),
             "Erased: %zu pledge(s) no longer carry the address, and its reminders are gone. "
             "Running pledges were cancelled first.",
             erased);
    index_page(dash, 200, "ok", message);
}

void pt_dash_donors(struct pt_dash *dash)
{
    const char *rest = dash->rest;
    bool post = dash->request->method == PT_METHOD_POST;
    if (!post && rest[0] == '\0') {
        index_page(dash, 200, NULL, NULL);
        return;
    }
    if (strncmp(rest, "/pledge/", 8) == 0) {
        char id[40];
        const char *tail = rest + 8;
        size_t length = strcspn(tail, "/");
        if (length >= sizeof(id)) {
            pt_dash_error(dash, 404, "There is no pledge with that id.");
            return;
        }
        memcpy(id, tail, length);
        id[length] = '\0';
        if (!post && tail[length] == '\0') {
            pledge_page(dash, id, 200, NULL, NULL);
            return;
        }
        if (post && strcmp(tail + length, "/cancel") == 0) {
            cancel(dash, id);
            return;
        }
        struct pt_pledge_record pledge;
        if (post && strcmp(tail + length, "/refund") == 0 && strlen(id) == 32 &&
            pt_store_pledge_get(dash->app->store, id, &pledge) == PT_OK) {
            int status;
            const char *kind;
            char message[400];
            pt_dash_refunds_post(dash, &pledge, &status, &kind, message, sizeof(message));
            pledge_page(dash, id, status, kind, message);
            return;
        }
    } else if (post && strcmp(rest, "/find") == 0) {
        find(dash);
        return;
    } else if (post && strcmp(rest, "/export") == 0) {
        export_donor(dash);
        return;
    } else if (post && strcmp(rest, "/erase") == 0) {
        erase_donor(dash);
        return;
    }
    pt_dash_error(dash, 404, "There is no such page.");
}
