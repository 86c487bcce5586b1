/* Which processor charges which currency (processors.c). */
#include <criterion/criterion.h>
#include <string.h>

#include "patron/pay.h"
#include "patron/processors.h"

static struct pt_processors *both(void)
{
    struct pt_stripe_settings stripe = {"http://127.0.0.1:1", "sk_test_x", "whsec_x", 1, 1, NULL};
    struct pt_mollie_settings mollie = {"http://127.0.0.1:1", "test_x", 1, 1, ""};
    struct pt_processors *set = pt_processors_new();
    char error[300];
    cr_assert_eq(pt_processors_add(set, pt_pay_stripe_new(&stripe), error, sizeof(error)), PT_OK);
    cr_assert_eq(pt_processors_add(set, pt_pay_mollie_new(&mollie), error, sizeof(error)), PT_OK);
    return set;
}

Test(processors, routes_send_each_currency_to_its_processor_and_star_to_the_rest)
{
    struct pt_processors *set = both();
    char error[300];
    cr_assert_eq(pt_processors_route(set, "EUR=mollie, *=stripe", error, sizeof(error)), PT_OK,
                 "%s", error);
    cr_assert_str_eq(pt_processors_for(set, "EUR")->ops->name, "mollie");
    cr_assert_str_eq(pt_processors_for(set, "USD")->ops->name, "stripe");
    cr_assert_str_eq(pt_processors_named(set, "mollie")->ops->label, "Mollie");
    cr_assert_null(pt_processors_named(set, "btcpay"));
    const char *offered[] = {"USD", "EUR", "JPY"};
    cr_assert_eq(pt_processors_check(set, offered, 3, error, sizeof(error)), PT_OK, "%s", error);
    pt_processors_free(set);
}

Test(processors, two_processors_without_routes_and_a_currency_without_one_are_refused)
{
    struct pt_processors *set = both();
    char error[300];
    cr_assert_eq(pt_processors_route(set, "", error, sizeof(error)), PT_ERR_INVALID);
    cr_assert_not_null(strstr(error, "currency_processors"), "%s", error);
    cr_assert_eq(pt_processors_route(set, "EUR=mollie", error, sizeof(error)), PT_OK);
    const char *offered[] = {"EUR", "USD"};
    cr_assert_eq(pt_processors_check(set, offered, 2, error, sizeof(error)), PT_ERR_INVALID);
    cr_assert_not_null(strstr(error, "no payment processor charges USD"), "%s", error);
    static const char *const bad[] = {"EUR=paypal", "EUR", "eur=mollie", "EURO=mollie",
                                      "=mollie"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_assert_eq(pt_processors_route(set, bad[i], error, sizeof(error)), PT_ERR_INVALID, "%s",
                     bad[i]);
    pt_processors_free(set);
}

Test(processors, one_processor_charges_everything_and_none_leaves_pledges_pending)
{
    struct pt_mollie_settings mollie = {"http://127.0.0.1:1", "test_x", 1, 1, ""};
    struct pt_processors *set = pt_processors_new();
    char error[300];
    const char *offered[] = {"EUR", "CHF"};
    cr_assert_eq(pt_processors_check(set, offered, 2, error, sizeof(error)), PT_OK);
    cr_assert_null(pt_processors_for(set, "EUR"));
    cr_assert_eq(pt_processors_add(set, pt_pay_mollie_new(&mollie), error, sizeof(error)), PT_OK);
    cr_assert_eq(pt_processors_add(set, pt_pay_mollie_new(&mollie), error, sizeof(error)),
                 PT_ERR_INVALID, "the same processor twice");
    cr_assert_eq(pt_processors_route(set, "", error, sizeof(error)), PT_OK);
    cr_assert_str_eq(pt_processors_for(set, "CHF")->ops->name, "mollie");
    cr_assert_eq(pt_processors_count(set), 1);
    pt_processors_free(set);
}
