#include "patron/dash_refunds.h"

#include <stdio.h>
#include <string.h>

#include "patron/app.h"
#include "patron/http.h"
#include "patron/money.h"
#include "patron/pledges.h"
#include "patron/refunds.h"

#define DONORS "/dashboard/donors"
#define DISPUTES_SHOWN 50

static void dispute_row(void *context, const struct pt_store_dispute *dispute)
{
    struct pt_buf *out = context;
    char opened[32];
    pt_dash_format_time(dispute->opened_at, opened);
    pt_buf_printf(out, "<tr><td data-label=\"Opened\">%s</td><td class=\"num\" "
                       "data-label=\"Amount\">",
                  opened);
    pt_dash_amount(out, dispute->amount_minor, dispute->currency);
    pt_buf_puts(out, "</td><td data-label=\"Status\">");
    pt_buf_html_str(out, dispute->status);
    pt_buf_puts(out, "</td><td data-label=\"Reason\">");
    pt_buf_html_str(out, dispute->reason[0] ? dispute->reason : "—");
    pt_buf_puts(out, "</td><td data-label=\"Payment\">");
    pt_buf_html_str(out, dispute->payment_id);
    pt_buf_puts(out, " (");
    pt_buf_html_str(out, dispute->processor[0] ? dispute->processor : "stripe");
    pt_buf_printf(out, ")</td><td data-label=\"Pledge\"><a href=\"" DONORS "/pledge/%s\">%.8s…</a>"
                       "</td></tr>",
                  dispute->pledge_id, dispute->pledge_id);
}

void pt_dash_refunds_disputes(struct pt_buf *page, struct pt_dash *dash)
{
    struct pt_buf rows;
    pt_buf_init(&rows);
    enum pt_status read = pt_store_disputes_each(dash->app->store, true, DISPUTES_SHOWN,
                                                 dispute_row, &rows);
    pt_buf_puts(page, "<h2 id=\"disputes\">Open disputes</h2>");
    if (read != PT_OK) {
        pt_dash_notice(page, "error", "The disputes could not be read.");
    } else if (rows.length == 0) {
        pt_buf_puts(page, "<p class=\"dash-help\">No payment is disputed now.</p>");
    } else {
        pt_buf_puts(page, "<p class=\"dash-help\">A donor's bank took these payments back while "
                          "it looks into them; answer each at the processor before its "
                          "deadline. The money counts as gone in the reports until the newsroom "
                          "wins.</p><div class=\"dash-table-wrap reports-cards\" tabindex=\"0\" "
                          "role=\"region\" aria-label=\"Open disputes\"><table><caption>Open "
                          "disputes</caption><thead><tr><th scope=\"col\">Opened</th>"
                          "<th scope=\"col\" class=\"num\">Amount</th><th scope=\"col\">Status"
                          "</th><th scope=\"col\">Reason</th><th scope=\"col\">Payment</th>"
                          "<th scope=\"col\">Pledge</th></tr></thead><tbody>");
        pt_buf_append(page, rows.data, rows.length);
        pt_buf_puts(page, "</tbody></table></div>");
    }
    pt_buf_dispose(&rows);
}

/* A pledge's payments with what is left of each to pay back. */
#define PAYMENTS_SHOWN 64
struct refundable {
    size_t count;
    struct {
        char id[128];
        int64_t paid;
        int64_t left;
        char currency[4];
        int64_t at;
    } rows[PAYMENTS_SHOWN];
};

static void refundable_row(void *context, const char *payment_id, int64_t amount_minor,
                           const char *currency, int64_t at)
{
    struct refundable *list = context;
    for (size_t i = 0; i < list->count; i++) {
        if (strcmp(list->rows[i].id, payment_id) == 0) {
            list->rows[i].left += amount_minor; /* what came back is negative */
            return;
        }
    }
    if (amount_minor <= 0 || list->count == PAYMENTS_SHOWN)
        return;
    size_t i = list->count++;
    snprintf(list->rows[i].id, sizeof(list->rows[i].id), "%s", payment_id);
    list->rows[i].paid = amount_minor;
    list->rows[i].left = amount_minor;
    snprintf(list->rows[i].currency, sizeof(list->rows[i].currency), "%s", currency);
    list->rows[i].at = at;
}

void pt_dash_refunds_form(struct pt_buf *page, struct pt_dash *dash,
                          const struct pt_pledge_record *pledge)
{
    struct refundable list = {0};
    if (pt_store_pledge_payments_each(dash->app->store, pledge->id, refundable_row, &list) !=
            PT_OK ||
        list.count == 0)
        return;
    pt_buf_puts(page, "<h2 id=\"refund\">Pay back a payment</h2>");
    if (!pt_refunds_possible(dash->app->ledger, pledge)) {
        pt_buf_puts(page, "<p class=\"dash-help\">This rail cannot pay back by itself (a bank "
                          "transfer, crypto): the newsroom pays the donor back by hand, from its "
                          "own account or wallet.</p>");
        return;
    }
    bool any = false;
    for (size_t i = 0; i < list.count; i++)
        any |= list.rows[i].left > 0;
    if (!any) {
        pt_buf_puts(page, "<p class=\"dash-help\">Every payment of this pledge has been paid "
                          "back or taken back already.</p>");
        return;
    }
    pt_buf_printf(page,
                  "<form method=\"post\" action=\"" DONORS "/pledge/%s/refund\" "
                  "class=\"dash-form\">",
                  pledge->id);
    pt_dash_csrf_field(page, dash);
    pt_buf_puts(page, "<p><label for=\"refund-payment\">Payment</label><select "
                      "id=\"refund-payment\" name=\"payment\" required>");
    for (size_t i = 0; i < list.count; i++) {
        if (list.rows[i].left <= 0)
            continue;
        char when[32];
        pt_dash_format_time(list.rows[i].at, when);
        pt_buf_puts(page, "<option value=\"");
        pt_buf_html_str(page, list.rows[i].id);
        pt_buf_printf(page, "\">%s, ", when);
        pt_dash_amount(page, list.rows[i].paid, list.rows[i].currency);
        pt_buf_puts(page, " (");
        pt_dash_amount(page, list.rows[i].left, list.rows[i].currency);
        pt_buf_puts(page, " left), ");
        pt_buf_html_str(page, list.rows[i].id);
        pt_buf_puts(page, "</option>");
    }
    pt_buf_printf(page,
                  "</select></p><p><label for=\"refund-amount\">Amount to pay back (%s)</label>"
                  "<input id=\"refund-amount\" name=\"amount\" inputmode=\"decimal\" required "
                  "autocomplete=\"off\"></p><p><label class=\"dash-inline\"><input "
                  "type=\"checkbox\" name=\"confirm\" value=\"yes\" required> Pay this back to "
                  "the donor now</label></p><p><button type=\"submit\" class=\"dash-danger\">"
                  "Pay back</button></p><p class=\"dash-help\">The processor returns the money "
                  "to the donor's card or account; the reports count it on the day it goes "
                  "back. Clicking twice pays back once.</p></form>",
                  pledge->currency);
}

void pt_dash_refunds_post(struct pt_dash *dash, const struct pt_pledge_record *pledge, int *status,
                          const char **kind, char *message, size_t message_size)
{
    *kind = "error";
    *status = 422;
    const char *confirm = pt_http_form(dash->request, "confirm");
    const char *payment_id = pt_http_form(dash->request, "payment");
    const char *typed = pt_http_form(dash->request, "amount");
    if (confirm == NULL || strcmp(confirm, "yes") != 0) {
        snprintf(message, message_size, "Tick the box to confirm; nothing was paid back.");
        return;
    }
    struct pt_store_payment payment;
    if (payment_id == NULL || pt_store_payment_get(dash->app->store, payment_id, &payment) != PT_OK ||
        strcmp(payment.pledge_id, pledge->id) != 0) {
        snprintf(message, message_size, "That is not a payment of this pledge; nothing was "
                                        "paid back.");
        return;
    }
    const struct pt_currency *currency = pt_money_currency(payment.currency);
    int64_t minor = 0;
    char why[200] = "";
    if (currency == NULL || typed == NULL ||
        pt_money_parse(typed, currency, "en", &minor, why, sizeof(why)) != PT_OK) {
        snprintf(message, message_size, "The amount could not be read (%s); nothing was paid "
                                        "back.",
                 why[0] ? why : "type it as 5 or 5.50");
        return;
    }
    struct pt_pay_refund refund;
    char error[256] = "";
    enum pt_status result = pt_refunds_start(dash->app->ledger, payment.id, minor,
                                             pt_app_now(dash->app), &refund, error,
                                             sizeof(error));
    /* The audit names the pledge and the payment, never the donor. */
    char detail[320];
    snprintf(detail, sizeof(detail), "pledge %s payment %.128s amount %lld %s%s", pledge->id,
             payment.id, (long long)minor, payment.currency, result ? " (failed)" : "");
    pt_dash_audit(dash, "payment_refunded", detail);
    if (result == PT_ERR_INVALID) {
        snprintf(message, message_size, "Nothing was paid back: %s.", error);
        return;
    }
    if (result != PT_OK) {
        *status = 502;
        snprintf(message, message_size, "The processor did not pay back (%s). Try again: a "
                                        "second try cannot pay twice.",
                 error[0] ? error : "no answer");
        return;
    }
    *status = 200;
    *kind = "ok";
    snprintf(message, message_size,
             refund.counts ? "Paid back; the payments below show it."
                           : "The processor is paying it back (%s); it shows here once done.",
             refund.status);
}
