/* The bank-transfer rail behind pay.h.
 *
 * Nothing is called anywhere: the reader's bank moves the money, and patron
 * learns of it from the newsroom's statement (reconcile.c). A pledge's
 * "checkout" is its ISO 11649 reference code, made here; the thank-you page
 * is where the reader goes next, and it shows the account, the amount, the
 * reference and, for euros, the EPC QR code that banking apps read. The
 * donor's own changes (amount, pause, cancel) are theirs to make at their
 * bank; patron records them so that the newsroom knows what to expect. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "patron/alloc.h"
#include "patron/i18n.h"
#include "patron/money.h"
#include "patron/pay.h"
#include "patron/sepa.h"

struct bank {
    struct pt_pay pay; /* first: the interface's pointer is ours */
    char holder[284];  /* 70 characters of UTF-8 */
    char iban[PT_SEPA_IBAN_SIZE];
    char bic[12];
    char bank[284];
    char currency[4];
};

static struct bank *from(const struct pt_pay *pay)
{
    return (struct bank *)pay;
}

static bool supports(const struct pt_pay *pay, const char *currency, enum pt_frequency frequency)
{
    (void)frequency; /* a transfer once, or a standing order monthly or yearly */
    return currency != NULL && strcmp(currency, from(pay)->currency) == 0;
}

static int64_t minimum(const struct pt_pay *pay, const char *currency)
{
    (void)pay, (void)currency;
    return 1; /* a bank takes any amount; the money rules set the floor */
}

static size_t methods(const struct pt_pay *pay, const char *currency, enum pt_frequency frequency,
                      struct pt_pay_method *list, size_t capacity)
{
    (void)pay, (void)currency, (void)frequency, (void)list, (void)capacity;
    return 0;
}

/* The reference is the checkout; the reader's next page is the thank-you
 * page, which shows what to transfer. */
static enum pt_status create_checkout(struct pt_pay *pay,
                                      const struct pt_pay_checkout_request *request,
                                      struct pt_pay_checkout *checkout, char *error,
                                      size_t error_size)
{
    if (!supports(pay, request->currency, request->frequency)) {
        snprintf(error, error_size, "the bank account takes %s only", from(pay)->currency);
        return PT_ERR_INVALID;
    }
    uint8_t random[5];
    randombytes_buf(random, sizeof(random));
    char reference[PT_SEPA_REF_SIZE];
    pt_sepa_ref_make(random, reference);
    snprintf(checkout->id, sizeof(checkout->id), "%s", reference);
    /* success_url carries {CHECKOUT_SESSION_ID} (return_names_checkout). */
    const char *slot = strstr(request->success_url, "{CHECKOUT_SESSION_ID}");
    if (slot == NULL) {
        snprintf(checkout->url, sizeof(checkout->url), "%s", request->success_url);
    } else {
        int written = snprintf(checkout->url, sizeof(checkout->url), "%.*s%s%s",
                               (int)(slot - request->success_url), request->success_url, reference,
                               slot + strlen("{CHECKOUT_SESSION_ID}"));
        if (written < 0 || (size_t)written >= sizeof(checkout->url)) {
            snprintf(error, error_size, "the thank-you page's address is too long");
            return PT_ERR_TOO_LARGE;
        }
    }
    return PT_OK;
}

/* There is nothing to re-read: a transfer is seen in the statement. The
 * pledge stays as the ledger has it. */
static enum pt_status read_session(struct pt_pay *pay, const char *id,
                                   struct pt_pay_session *session, char *error, size_t error_size)
{
    (void)pay, (void)error, (void)error_size;
    memset(session, 0, sizeof(*session));
    snprintf(session->id, sizeof(session->id), "%s", id);
    snprintf(session->status, sizeof(session->status), "open");
    snprintf(session->payment_status, sizeof(session->payment_status), "unpaid");
    return PT_OK;
}

static enum pt_status read_subscription(struct pt_pay *pay, const char *customer, const char *id,
                                        struct pt_pay_subscription *subscription, char *error,
                                        size_t error_size)
{
    (void)pay, (void)customer, (void)id, (void)subscription;
    snprintf(error, error_size, "a standing order is held by the donor's bank, not read");
    return PT_ERR_NOT_FOUND;
}

static enum pt_status verify_webhook(struct pt_pay *pay, const char *signature_header,
                                     const char *body, size_t length, int64_t now,
                                     struct pt_pay_event *event, char *error, size_t error_size)
{
    (void)pay, (void)signature_header, (void)body, (void)length, (void)now, (void)event;
    snprintf(error, error_size, "banks send no webhooks: import the statement");
    return PT_ERR_INVALID;
}

static const char *rail_name(const char *language)
{
    return pt_i18n_text(PT_MSG_BANK_RAIL, pt_i18n_lang(language));
}

static void row(struct pt_buf *html, enum pt_msg label, enum pt_lang lang, const char *value,
                const char *class_name)
{
    pt_buf_printf(html, "<dt>%s</dt><dd%s%s%s>", pt_i18n_text(label, lang),
                  class_name != NULL ? " class=\"" : "", class_name != NULL ? class_name : "",
                  class_name != NULL ? "\"" : "");
    pt_buf_html_str(html, value);
    pt_buf_puts(html, "</dd>");
}

/* An IBAN in groups of four, as banks print it. */
static void grouped(const char *compact, char *out, size_t size)
{
    size_t n = 0;
    for (size_t i = 0; compact[i] != '\0' && n + 2 < size; i++) {
        if (i > 0 && i % 4 == 0)
            out[n++] = ' ';
        out[n++] = compact[i];
    }
    out[n] = '\0';
}

static void instructions(const struct pt_pay *pay, const struct pt_pay_pledge *pledge,
                         const char *reference, const char *language, struct pt_buf *html)
{
    const struct bank *bank = from(pay);
    enum pt_lang lang = pt_i18n_lang(language);
    const struct pt_currency *currency = pt_money_currency(pledge->currency);
    struct pt_buf amount;
    pt_buf_init(&amount);
    if (currency != NULL)
        pt_money_format_in(&amount, pledge->amount_minor, currency, language);
    else
        pt_buf_printf(&amount, "%lld %s", (long long)pledge->amount_minor, pledge->currency);
    enum pt_msg how = pledge->frequency == PT_FREQUENCY_MONTHLY  ? PT_MSG_BANK_MONTHLY
                      : pledge->frequency == PT_FREQUENCY_ANNUAL ? PT_MSG_BANK_ANNUAL
                                                                 : PT_MSG_BANK_ONCE;
    pt_buf_printf(html,
                  "<section class=\"patron-transfer\" aria-labelledby=\"patron-transfer-heading\">"
                  "<h2 id=\"patron-transfer-heading\">%s</h2><p>",
                  pt_i18n_text(PT_MSG_BANK_HEADING, lang));
    struct pt_buf lead;
    pt_buf_init(&lead);
    pt_buf_printf(&lead, pt_i18n_text(how, lang), amount.data);
    pt_buf_html_str(html, lead.data);
    pt_buf_dispose(&lead);
    pt_buf_puts(html, "</p><dl class=\"patron-transfer-details\">");
    char iban[PT_SEPA_IBAN_SIZE + 9], printed[PT_SEPA_REF_PRINT_SIZE + 16];
    grouped(bank->iban, iban, sizeof(iban));
    pt_sepa_ref_print(reference, printed, sizeof(printed));
    row(html, PT_MSG_BANK_HOLDER, lang, bank->holder, NULL);
    row(html, PT_MSG_BANK_IBAN, lang, iban, "patron-iban");
    if (bank->bic[0] != '\0')
        row(html, PT_MSG_BANK_BIC, lang, bank->bic, NULL);
    if (bank->bank[0] != '\0')
        row(html, PT_MSG_BANK_BANK, lang, bank->bank, NULL);
    row(html, PT_MSG_BANK_AMOUNT, lang, amount.data, "patron-amount");
    row(html, PT_MSG_BANK_REFERENCE, lang, printed, "patron-reference");
    pt_buf_printf(html, "</dl><p class=\"patron-help\">%s</p>",
                  pt_i18n_text(PT_MSG_BANK_REFERENCE_HELP, lang));
    /* The EPC's code is for euro transfers only. */
    if (strcmp(pledge->currency, "EUR") == 0) {
        struct pt_sepa_transfer transfer = {.version = 2,
                                            .bic = bank->bic,
                                            .name = bank->holder,
                                            .iban = bank->iban,
                                            .amount_cents = pledge->amount_minor,
                                            .reference = reference};
        struct pt_buf payload, svg;
        pt_buf_init(&payload);
        pt_buf_init(&svg);
        char error[160];
        if (pt_sepa_qr_payload(&transfer, &payload, error, sizeof(error)) == PT_OK &&
            pt_sepa_qr_svg(payload.data, "EPC QR", &svg, error, sizeof(error)) == PT_OK) {
            pt_buf_puts(html, "<figure class=\"patron-qr\">");
            pt_buf_puts(html, svg.data);
            pt_buf_printf(html, "<figcaption>%s</figcaption></figure>",
                          pt_i18n_text(PT_MSG_BANK_QR, lang));
        }
        pt_buf_dispose(&payload);
        pt_buf_dispose(&svg);
    }
    if (pledge->frequency != PT_FREQUENCY_ONE_OFF)
        pt_buf_printf(html, "<p class=\"patron-standing-order\">%s</p>",
                      pt_i18n_text(PT_MSG_BANK_STANDING_ORDER, lang));
    struct pt_buf privacy;
    pt_buf_init(&privacy);
    pt_buf_printf(&privacy, pt_i18n_text(PT_MSG_BANK_PRIVACY, lang), bank->holder);
    pt_buf_puts(html, "<p class=\"patron-privacy\">");
    pt_buf_html_str(html, privacy.data);
    pt_buf_puts(html, "</p></section>");
    pt_buf_dispose(&privacy);
    pt_buf_dispose(&amount);
}

static void bank_free(struct pt_pay *pay)
{
    free(from(pay));
}

static const struct pt_pay_ops bank_ops = {
    .name = "bank",
    .label = "Bank transfer",
    .signature_header = NULL,
    .return_names_checkout = true,
    .asks_email = false,
    .email_optional = true,
    .alternative = true,
    .supports = supports,
    .minimum = minimum,
    .methods = methods,
    .create_checkout = create_checkout,
    .read_session = read_session,
    .read_subscription = read_subscription,
    .change_amount = NULL, /* the donor changes the standing order at their bank */
    .set_paused = NULL,
    .cancel = NULL,
    .portal = NULL,
    .delete_customer = NULL,
    .verify_webhook = verify_webhook,
    .rail_name = rail_name,
    .instructions = instructions,
    .free = bank_free,
};

/* One line of at most max characters of printable text. */
static bool fits(const char *text, size_t max)
{
    if (text == NULL)
        return false;
    size_t characters = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++) {
        if (*p < 0x20 || *p == 0x7F)
            return false;
        characters += (*p & 0xC0) != 0x80;
    }
    return characters <= max && pt_utf8_valid(text, strlen(text));
}

enum pt_status pt_pay_bank_new(const struct pt_bank_settings *settings, struct pt_pay **pay,
                               char *error, size_t error_size)
{
    *pay = NULL;
    struct bank *bank = pt_xcalloc(1, sizeof(*bank));
    bank->pay.ops = &bank_ops;
    char reason[160];
    const char *bic = settings->bic != NULL ? settings->bic : "";
    const char *name = settings->bank != NULL ? settings->bank : "";
    const char *currency =
        settings->currency != NULL && settings->currency[0] != '\0' ? settings->currency : "EUR";
    enum pt_status status = PT_ERR_INVALID;
    if (!fits(settings->holder, 70) || settings->holder[0] == '\0')
        snprintf(error, error_size, "bank_holder: the account holder's name, 1 to 70 characters");
    else if (pt_sepa_iban_check(settings->iban, bank->iban, reason, sizeof(reason)) != PT_OK)
        snprintf(error, error_size, "bank_iban: %s", reason);
    else if (bic[0] != '\0' && !pt_sepa_bic_valid(bic))
        snprintf(error, error_size, "bank_bic: \"%s\" is not 8 or 11 capitals and digits", bic);
    else if (!fits(name, 70))
        snprintf(error, error_size, "bank_name: at most 70 characters on one line");
    else if (pt_money_currency(currency) == NULL)
        snprintf(error, error_size, "bank_currency: patron does not take %s", currency);
    else
        status = PT_OK;
    if (status != PT_OK) {
        free(bank);
        return status;
    }
    snprintf(bank->holder, sizeof(bank->holder), "%s", settings->holder);
    snprintf(bank->bic, sizeof(bank->bic), "%s", bic);
    snprintf(bank->bank, sizeof(bank->bank), "%s", name);
    snprintf(bank->currency, sizeof(bank->currency), "%s", currency);
    *pay = &bank->pay;
    return PT_OK;
}
