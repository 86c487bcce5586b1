/* Mollie's side of the wire as patron reads it (mollie.c): the webhook's
 * body, amounts as decimal strings, and what a payment means to the ledger.
 * The calls themselves are exercised against the stand-in in
 * tests/payments/mollie-*.test.mjs. */
#include <criterion/criterion.h>
#include <string.h>

#include "patron/pay.h"

Test(mollie, a_webhook_body_is_id_and_a_payment_id_and_nothing_else)
{
    char id[PT_PAY_ID_MAX], error[200];
    cr_assert_eq(pt_pay_mollie_webhook_id("id=tr_WDqYK6vllg", 16, id, error, sizeof(error)),
                 PT_OK);
    cr_assert_str_eq(id, "tr_WDqYK6vllg");
    static const char *const refused[] = {
        "", "id=", "id=tr_", "id=cst_8wmqcHMN4U", "id=tr_abc&x=1", "id=tr_../../v2/customers",
        "ID=tr_abc", "id=tr_abc%20", "x=1&id=tr_abc",
        "id=tr_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    };
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        cr_assert_eq(pt_pay_mollie_webhook_id(refused[i], strlen(refused[i]), id, error,
                                              sizeof(error)),
                     PT_ERR_INVALID, "%s", refused[i]);
        cr_assert_str_eq(id, "");
        cr_assert_gt(strlen(error), 10);
    }
}

Test(mollie, amounts_have_exactly_their_currencys_decimals)
{
    int64_t minor = -1;
    cr_assert_eq(pt_pay_mollie_parse_amount("5.00", "EUR", &minor), PT_OK);
    cr_assert_eq(minor, 500);
    cr_assert_eq(pt_pay_mollie_parse_amount("1234.56", "GBP", &minor), PT_OK);
    cr_assert_eq(minor, 123456);
    cr_assert_eq(pt_pay_mollie_parse_amount("500", "JPY", &minor), PT_OK);
    cr_assert_eq(minor, 500);
    static const char *const refused[][2] = {
        {"5", "EUR"},     {"5.0", "EUR"},  {"5.000", "EUR"}, {"-5.00", "EUR"}, {"5,00", "EUR"},
        {" 5.00", "EUR"}, {"5.00 ", "EUR"}, {"500.00", "JPY"}, {"5.00", "XXX"}, {".50", "EUR"},
        {"99999999999999999999.00", "EUR"}, {"", "EUR"},
    };
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
        cr_assert_eq(pt_pay_mollie_parse_amount(refused[i][0], refused[i][1], &minor),
                     PT_ERR_INVALID, "%s %s", refused[i][0], refused[i][1]);
}

static struct pt_pay_event parse(const char *json)
{
    struct pt_pay_event event;
    char error[200];
    cr_assert_eq(pt_pay_mollie_parse_payment(json, strlen(json), 1800000000, &event, error,
                                             sizeof(error)),
                 PT_OK, "%s", error);
    return event;
}

Test(mollie, a_charge_of_a_subscription_is_a_payment_or_a_failure_once_per_state)
{
    struct pt_pay_event paid = parse(
        "{\"id\":\"tr_1\",\"status\":\"paid\",\"sequenceType\":\"recurring\","
        "\"amount\":{\"currency\":\"EUR\",\"value\":\"7.00\"},\"subscriptionId\":\"sub_1\","
        "\"customerId\":\"cst_1\"}");
    cr_assert_eq(paid.kind, PT_PAY_EVENT_PAYMENT_SUCCEEDED);
    cr_assert_str_eq(paid.id, "mollie-tr_1-paid");
    cr_assert_str_eq(paid.object_id, "tr_1");
    cr_assert_str_eq(paid.subscription, "sub_1");
    cr_assert_str_eq(paid.customer, "cst_1");
    cr_assert_eq(paid.amount_minor, 700);
    cr_assert_str_eq(paid.currency, "EUR");
    static const char *const unpaid[] = {"failed", "expired", "canceled"};
    for (size_t i = 0; i < 3; i++) {
        char json[300];
        snprintf(json, sizeof(json),
                 "{\"id\":\"tr_1\",\"status\":\"%s\",\"amount\":{\"currency\":\"EUR\","
                 "\"value\":\"7.00\"},\"subscriptionId\":\"sub_1\",\"customerId\":\"cst_1\"}",
                 unpaid[i]);
        struct pt_pay_event failed = parse(json);
        cr_assert_eq(failed.kind, PT_PAY_EVENT_PAYMENT_FAILED, "%s", unpaid[i]);
        cr_assert_eq(failed.attempt, 1);
    }
    struct pt_pay_event open = parse("{\"id\":\"tr_1\",\"status\":\"pending\","
                                     "\"subscriptionId\":\"sub_1\"}");
    cr_assert_eq(open.kind, PT_PAY_EVENT_OTHER, "a debit on its way is not news yet");
}

Test(mollie, a_charged_back_payment_is_a_reversal_of_the_amount_that_came_back)
{
    struct pt_pay_event back = parse(
        "{\"id\":\"tr_2\",\"status\":\"paid\",\"amount\":{\"currency\":\"EUR\",\"value\":"
        "\"5.00\"},\"amountChargedBack\":{\"currency\":\"EUR\",\"value\":\"5.00\"},"
        "\"subscriptionId\":\"sub_1\",\"customerId\":\"cst_1\"}");
    cr_assert_eq(back.kind, PT_PAY_EVENT_PAYMENT_SUCCEEDED,
                 "still a payment: the first call heard may be the chargeback's");
    cr_assert_eq(back.amount_minor, 500);
    cr_assert_eq(back.reversed_minor, 500);
    cr_assert_str_eq(back.id, "mollie-tr_2-chargeback-500");
    struct pt_pay_event part = parse(
        "{\"id\":\"tr_2\",\"status\":\"paid\",\"amount\":{\"currency\":\"EUR\",\"value\":"
        "\"5.00\"},\"amountChargedBack\":{\"currency\":\"EUR\",\"value\":\"2.00\"},"
        "\"metadata\":{\"pledge_id\":\"p\"}}");
    cr_assert_eq(part.kind, PT_PAY_EVENT_CHECKOUT_DONE);
    cr_assert_eq(part.reversed_minor, 200);
    cr_assert_str_eq(part.id, "mollie-tr_2-chargeback-200", "a further chargeback is news again");
}

Test(mollie, a_checkouts_payment_is_read_again_as_a_checkout_and_a_stranger_is_ignored)
{
    struct pt_pay_event first = parse(
        "{\"id\":\"tr_3\",\"status\":\"paid\",\"sequenceType\":\"first\",\"customerId\":"
        "\"cst_1\",\"metadata\":{\"pledge_id\":\"0123456789abcdef0123456789abcdef\"}}");
    cr_assert_eq(first.kind, PT_PAY_EVENT_CHECKOUT_DONE);
    cr_assert_str_eq(first.object_id, "tr_3");
    cr_assert_str_eq(first.pledge_id, "0123456789abcdef0123456789abcdef");
    struct pt_pay_event stranger = parse("{\"id\":\"tr_4\",\"status\":\"paid\"}");
    cr_assert_eq(stranger.kind, PT_PAY_EVENT_OTHER);
    struct pt_pay_event event;
    char error[200];
    cr_assert_eq(pt_pay_mollie_parse_payment("{\"id\":\"cst_1\"}", 14, 0, &event, error,
                                             sizeof(error)),
                 PT_ERR_INVALID);
    cr_assert_eq(pt_pay_mollie_parse_payment("[", 1, 0, &event, error, sizeof(error)),
                 PT_ERR_INVALID);
}

Test(mollie, what_it_offers_depends_on_the_currency_and_the_frequency)
{
    struct pt_mollie_settings settings = {"http://127.0.0.1:1", "test_x", 1, 1, ""};
    struct pt_pay *pay = pt_pay_mollie_new(&settings);
    struct pt_pay_method methods[PT_PAY_METHODS_MAX];
    size_t count = pay->ops->methods(pay, "EUR", PT_FREQUENCY_MONTHLY, methods,
                                     PT_PAY_METHODS_MAX);
    bool ideal = false, directdebit = false;
    for (size_t i = 0; i < count; i++) {
        if (strcmp(methods[i].id, "ideal") == 0) {
            ideal = true;
            cr_assert(methods[i].first_only, "iDEAL starts a recurring pledge, SEPA charges it");
        }
        directdebit |= strcmp(methods[i].id, "directdebit") == 0;
    }
    cr_assert(ideal);
    cr_assert_not(directdebit, "SEPA Direct Debit is never a first payment");
    count = pay->ops->methods(pay, "GBP", PT_FREQUENCY_ONE_OFF, methods, PT_PAY_METHODS_MAX);
    for (size_t i = 0; i < count; i++)
        cr_assert(strcmp(methods[i].id, "ideal") != 0 && strcmp(methods[i].id, "bancontact") != 0,
                  "euro-only methods are not offered in pounds");
    cr_assert_gt(count, 0);
    count = pay->ops->methods(pay, "EUR", PT_FREQUENCY_ONE_OFF, methods, PT_PAY_METHODS_MAX);
    for (size_t i = 0; i < count; i++)
        cr_assert_not(methods[i].first_only, "a gift has no later payments");
    cr_assert(pay->ops->supports(pay, "JPY", PT_FREQUENCY_MONTHLY));
    cr_assert_not(pay->ops->supports(pay, "XYZ", PT_FREQUENCY_ONE_OFF));
    cr_assert_geq(pay->ops->minimum(pay, "EUR"), 1);
    pt_pay_free(pay);
}
