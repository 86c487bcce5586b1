#include "patron/crypto_routes.h"

#include <stdio.h>
#include <string.h>

#include "patron/config.h"
#include "patron/crypto_months.h"
#include "patron/http.h"
#include "patron/i18n.h"
#include "patron/log.h"
#include "patron/money.h"
#include "patron/pledges.h"
#include "patron/render.h"
#include "patron/store.h"

void pt_crypto_routes_month(struct pt_app *app, struct pt_request *request,
                            struct pt_response *response)
{
    const char *token = pt_http_query(request, "t");
    if (token == NULL)
        token = pt_http_form(request, "t");
    int64_t now = pt_app_now(app);
    char pledge_id[33] = "";
    int period = 0;
    struct pt_pledge_record pledge;
    enum pt_status status =
        pt_crypto_months_check_token(&app->crypto, token, now, pledge_id, &period);
    if (status == PT_OK)
        status = pt_store_pledge_get(app->store, pledge_id, &pledge);
    enum pt_lang lang =
        pt_i18n_lang(status == PT_OK ? pledge.language : pt_http_query(request, "lang"));
    int status_code = 200;
    enum pt_msg says = PT_MSG_COUNT; /* COUNT: the form */
    char url[PT_PAY_URL_MAX] = "";
    if (status == PT_ERR_INVALID || status == PT_ERR_NOT_FOUND) {
        status_code = 400;
        says = PT_MSG_CRYPTO_MONTH_EXPIRED;
    } else if (status) {
        status_code = 503;
        says = PT_MSG_CRYPTO_MONTH_UNAVAILABLE;
    } else if (strcmp(pledge.status, "active") != 0) {
        says = PT_MSG_CRYPTO_MONTH_ENDED;
    } else if (request->method == PT_METHOD_POST) {
        char error[300] = "";
        status = pt_crypto_months_invoice(app->ledger, &pledge, period, url, sizeof(url), error,
                                          sizeof(error));
        if (status == PT_OK) {
            pt_response_text(request, response, 303, "text/plain", "", 0);
            pt_response_header(response, "Location",
                               pt_arena_strndup(request->arena, url, strlen(url)));
            pt_response_header(response, "Cache-Control", "no-store");
            return;
        }
        pt_log(PT_LOG_ERROR, "a crypto invoice could not be made: %s", error);
        status_code = status == PT_ERR_CONFLICT ? 409 : 503;
        says =
            status == PT_ERR_CONFLICT ? PT_MSG_CRYPTO_MONTH_ENDED : PT_MSG_CRYPTO_MONTH_UNAVAILABLE;
    }
    struct pt_buf body;
    pt_buf_init(&body);
    pt_render_page_start(&body, pt_i18n_code(lang), pt_i18n_text(PT_MSG_CRYPTO_MONTH_TITLE, lang));
    pt_buf_printf(&body, "<h1>%s</h1>", pt_i18n_text(PT_MSG_CRYPTO_MONTH_TITLE, lang));
    if (says != PT_MSG_COUNT) {
        pt_buf_printf(&body, "<p>%s</p>", pt_i18n_text(says, lang));
    } else {
        /* A GET changes nothing: the button makes the invoice. */
        struct pt_buf amount;
        pt_buf_init(&amount);
        const struct pt_currency *currency = pt_money_currency(pledge.currency);
        if (currency != NULL)
            pt_money_format(&amount, pledge.amount_minor, currency);
        pt_buf_puts(&body, "<p><strong>");
        if (amount.data != NULL)
            pt_buf_html(&body, amount.data, amount.length);
        pt_buf_puts(&body, "</strong></p><form method=\"post\" action=\"");
        pt_buf_html_str(&body, pt_app_origin(app, request));
        pt_buf_puts(&body, "/crypto/month\"><input type=\"hidden\" name=\"t\" value=\"");
        pt_buf_html_str(&body, token);
        pt_buf_printf(&body, "\"><button type=\"submit\">%s</button></form>",
                      pt_i18n_text(PT_MSG_CRYPTO_MONTH_PAY, lang));
        pt_buf_dispose(&amount);
    }
    pt_render_page_end(&body);
    pt_response_text(request, response, status_code, "text/html; charset=utf-8", body.data,
                     body.length);
    pt_response_header(response, "Cache-Control", "no-store");
    pt_buf_dispose(&body);
}
