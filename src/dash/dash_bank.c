/* Bank transfers: an admin imports the newsroom's bank statement, and
 * matches by hand what the reference codes did not, or marks it as no
 * donation. Every import and every decision goes to the audit log, which
 * names the entry by the bank's key and the pledge by its id, never the
 * payer. */
#include "patron/dash_bank.h"

#include <stdio.h>
#include <string.h>

#include "patron/app.h"
#include "patron/config.h"
#include "patron/http.h"
#include "patron/reconcile.h"
#include "patron/statement.h"
#include "patron/store.h"

#define BANK "/dashboard/bank"
/* More than this waiting is a statement of another account, not a queue to
 * work through: the page shows the oldest and says how to see the rest. */
enum { QUEUE_SHOWN = 200 };

struct queue {
    struct pt_buf *out;
    const struct pt_dash *dash;
    size_t count;
};

static void queue_row(void *context, const struct pt_bank_entry *entry)
{
    struct queue *queue = context;
    struct pt_buf *out = queue->out;
    queue->count++;
    pt_buf_printf(out,
                  "<tr><td data-label=\"Booked\">%s</td><td class=\"num\" "
                  "data-label=\"Amount\">",
                  entry->booked);
    pt_dash_amount(out, entry->amount_minor, entry->currency);
    pt_buf_puts(out, "</td><td data-label=\"Text\">");
    pt_buf_html_str(out, entry->text[0] != '\0' ? entry->text : "(none)");
    pt_buf_puts(out, "</td><td data-label=\"Decide\"><form method=\"post\" action=\"" BANK
                     "/match\" class=\"dash-inline-form\">");
    pt_dash_csrf_field(out, queue->dash);
    pt_buf_puts(out, "<input type=\"hidden\" name=\"key\" value=\"");
    pt_buf_html_str(out, entry->key);
    pt_buf_printf(out,
                  "\"><label for=\"pledge-%zu\">Pledge (reference code or id)</label>"
                  "<input id=\"pledge-%zu\" name=\"pledge\" required "
                  "autocomplete=\"off\"><button type=\"submit\">Match</button></form>"
                  "<form method=\"post\" action=\"" BANK "/ignore\" "
                  "class=\"dash-inline-form\">",
                  queue->count, queue->count);
    pt_dash_csrf_field(out, queue->dash);
    pt_buf_puts(out, "<input type=\"hidden\" name=\"key\" value=\"");
    pt_buf_html_str(out, entry->key);
    pt_buf_puts(out, "\"><button type=\"submit\">Not a donation</button></form></td></tr>");
}

static void index_page(struct pt_dash *dash, int status, const char *kind, const char *notice)
{
    struct pt_buf page;
    pt_buf_init(&page);
    pt_dash_page_start(&page, dash, "bank", "Bank transfers");
    if (notice != NULL)
        pt_dash_notice(&page, kind, notice);
    const struct pt_config *config = dash->app->config;
    pt_buf_puts(&page, "<p>Readers who give by bank transfer use a reference code that names "
                       "their pledge. Import the account's statement here: every transfer whose "
                       "text holds a reference code becomes that pledge's payment, once, and "
                       "its donor gets the receipt if they left an address. Importing the same "
                       "statement again, or one that overlaps it, changes nothing. Nothing of "
                       "the payer (name, account) is kept.</p><h2>Import a statement</h2>"
                       "<form method=\"post\" action=\"" BANK "/import\" "
                       "enctype=\"multipart/form-data\" class=\"dash-form\">");
    pt_dash_csrf_field(&page, dash);
    pt_buf_printf(&page,
                  "<p><label for=\"statement\">Statement file</label><input "
                  "id=\"statement\" name=\"statement\" type=\"file\" required "
                  "accept=\".xml,.csv,.txt,text/xml,application/xml,text/csv\" "
                  "aria-describedby=\"statement-help\"></p><p id=\"statement-help\" "
                  "class=\"dash-help\">ISO 20022 camt.053 (XML), as most European banks "
                  "export it%s, in UTF-8, up to %u MB.</p><p><button "
                  "type=\"submit\">Import</button></p></form>",
                  config->bank_csv_columns[0] != '\0'
                      ? ", or CSV with the columns bank_csv_columns names"
                      : " (a CSV export needs bank_csv_columns in the configuration)",
                  PT_STATEMENT_MAX_BYTES / (1024 * 1024));
    pt_buf_puts(&page, "<h2>Waiting to be matched</h2><p class=\"dash-help\">Transfers whose "
                       "text names no pledge: match each to the pledge it pays (the donor may "
                       "have mistyped the code; the thank-you page showed them their code), or "
                       "mark it as no donation. Each decision goes to the audit log.</p>");
    struct pt_buf rows;
    pt_buf_init(&rows);
    struct queue queue = {&rows, dash, 0};
    enum pt_status read =
        pt_store_bank_entries_each(dash->app->store, "unmatched", QUEUE_SHOWN, queue_row, &queue);
    if (read != PT_OK) {
        pt_dash_notice(&page, "error", "The waiting entries could not be read; try again.");
    } else if (queue.count == 0) {
        pt_buf_puts(&page, "<p id=\"bank-queue-empty\">Nothing is waiting.</p>");
    } else {
        pt_buf_puts(&page, "<div class=\"dash-table-wrap reports-cards\" tabindex=\"0\" "
                           "role=\"region\" aria-label=\"Transfers waiting to be matched\">"
                           "<table id=\"bank-queue\"><caption>Transfers waiting to be matched"
                           "</caption><thead><tr><th scope=\"col\">Booked</th><th scope=\"col\" "
                           "class=\"num\">Amount</th><th scope=\"col\">Text</th><th "
                           "scope=\"col\">Decide</th></tr></thead><tbody>");
        pt_buf_append(&page, rows.data, rows.length);
        pt_buf_puts(&page, "</tbody></table></div>");
        if (queue.count == QUEUE_SHOWN)
            pt_buf_printf(&page,
                          "<p class=\"dash-help\">The oldest %d are shown; the rest "
                          "follow once these are decided.</p>",
                          QUEUE_SHOWN);
    }
    pt_buf_dispose(&rows);
    pt_buf_puts(&page, "<link rel=\"stylesheet\" href=\"/dashboard/assets/reports.css\">");
    pt_dash_page_end(&page);
    pt_dash_send(dash, status, &page);
    pt_buf_dispose(&page);
}

static void import(struct pt_dash *dash)
{
    const char *file = pt_http_form(dash->request, "statement");
    if (file == NULL || file[0] == '\0') {
        index_page(dash, 422, "error", "Choose the statement file to import.");
        return;
    }
    const struct pt_config *config = dash->app->config;
    struct pt_statement_csv columns;
    char storage[1024], error[512];
    bool csv_known =
        config->bank_csv_columns[0] != '\0' &&
        pt_statement_csv_columns(config->bank_csv_columns, config->bank_currency, storage,
                                 sizeof(storage), &columns, error, sizeof(error)) == PT_OK;
    struct pt_statement statement;
    if (pt_statement_read(file, strlen(file), csv_known ? &columns : NULL, &statement, error,
                          sizeof(error)) != PT_OK) {
        char message[600];
        snprintf(message, sizeof(message), "The statement was not imported: %s. Nothing changed.",
                 error);
        pt_dash_audit(dash, "bank_statement_refused", "");
        index_page(dash, 422, "error", message);
        return;
    }
    struct pt_reconcile_summary summary;
    enum pt_status status =
        pt_reconcile_import(dash->app->ledger, &statement, pt_app_now(dash->app),
                            config->bank_lapse_days, &summary, error, sizeof(error));
    pt_statement_dispose(&statement);
    struct pt_buf said;
    pt_buf_init(&said);
    pt_reconcile_describe(&summary, &said);
    char detail[200];
    snprintf(detail, sizeof(detail), "%zu credits, %zu matched, %zu waiting, %zu before%s",
             summary.credits, summary.matched, summary.unmatched, summary.already,
             status != PT_OK ? " (stopped by a failure)" : "");
    pt_dash_audit(dash, "bank_statement_imported", detail);
    if (status != PT_OK) {
        pt_buf_printf(&said,
                      " Then it stopped: %s. Import the statement again to finish; what "
                      "was applied stays applied, once.",
                      error);
        index_page(dash, 500, "error", said.data);
    } else {
        index_page(dash, 200, "ok", said.data);
    }
    pt_buf_dispose(&said);
}

static void decide(struct pt_dash *dash, bool match)
{
    const char *key = pt_http_form(dash->request, "key");
    const char *pledge = pt_http_form(dash->request, "pledge");
    if (key == NULL || key[0] == '\0' || strlen(key) >= PT_BANK_ENTRY_KEY_SIZE) {
        index_page(dash, 422, "error", "That entry is not one of the statement's.");
        return;
    }
    char error[300];
    int64_t now = pt_app_now(dash->app);
    enum pt_status status = match
                                ? pt_reconcile_match(dash->app->ledger, key, pledge,
                                                     dash->session.email, now, error, sizeof(error))
                                : pt_reconcile_ignore(dash->app->ledger, key, dash->session.email,
                                                      now, error, sizeof(error));
    char detail[200];
    struct pt_bank_entry entry;
    bool known = pt_store_bank_entry_get(dash->app->store, key, &entry) == PT_OK;
    snprintf(detail, sizeof(detail), "entry %.80s%s%s%s", key,
             match && known && entry.pledge_id[0] ? " to pledge " : "",
             match && known ? entry.pledge_id : "", status != PT_OK ? " (refused)" : "");
    pt_dash_audit(dash, match ? "bank_entry_matched" : "bank_entry_ignored", detail);
    if (status != PT_OK) {
        char message[400];
        snprintf(message, sizeof(message), "Not done: %s.", error);
        index_page(dash, status == PT_ERR_IO ? 500 : 422, "error", message);
        return;
    }
    index_page(dash, 200, "ok",
               match ? "Matched: the transfer is now the pledge's payment."
                     : "Marked as no donation: it left the queue and changed no pledge.");
}

void pt_dash_bank(struct pt_dash *dash)
{
    const char *rest = dash->rest;
    bool post = dash->request->method == PT_METHOD_POST;
    if (dash->app->config->bank_iban[0] == '\0') {
        pt_dash_error(dash, 404, "Bank transfers are not configured (bank_iban).");
        return;
    }
    if (!post && rest[0] == '\0')
        index_page(dash, 200, NULL, NULL);
    else if (post && strcmp(rest, "/import") == 0)
        import(dash);
    else if (post && strcmp(rest, "/match") == 0)
        decide(dash, true);
    else if (post && strcmp(rest, "/ignore") == 0)
        decide(dash, false);
    else
        pt_dash_error(dash, 404, "There is no such page.");
}
