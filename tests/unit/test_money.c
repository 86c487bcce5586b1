/* Amounts: parsing what readers type, and the rules of a pledge. */
#include <criterion/criterion.h>
#include <string.h>

#include "patron/money.h"

static char error[256];

static int64_t parse(const char *text, const char *code)
{
    int64_t minor = -1;
    cr_assert_eq(pt_money_parse(text, pt_money_currency(code), &minor, error, sizeof(error)),
                 PT_OK, "%s: %s", text, error);
    return minor;
}

static void refused(const char *text, const char *code)
{
    int64_t minor = -1;
    cr_assert_eq(pt_money_parse(text, pt_money_currency(code), &minor, error, sizeof(error)),
                 PT_ERR_INVALID, "%s should be refused", text);
    cr_assert(strlen(error) > 0);
}

Test(money, known_currencies)
{
    cr_assert_not_null(pt_money_currency("USD"));
    cr_assert_not_null(pt_money_currency("EUR"));
    cr_assert_not_null(pt_money_currency("GBP"));
    cr_assert_eq(pt_money_currency("JPY")->exponent, 0);
    cr_assert_null(pt_money_currency("XXX"));
    cr_assert_null(pt_money_currency("usd"));
}

Test(money, parses_major_units_into_minor_units)
{
    cr_assert_eq(parse("5", "USD"), 500);
    cr_assert_eq(parse("5.5", "USD"), 550);
    cr_assert_eq(parse("5.50", "EUR"), 550);
    cr_assert_eq(parse(" 2 ", "GBP"), 200);
    cr_assert_eq(parse("1,000", "USD"), 100000);
    cr_assert_eq(parse("2.500", "USD"), 250, "trailing zeros are not a fraction of a cent");
    cr_assert_eq(parse("500", "JPY"), 500);
}

Test(money, refuses_fractions_of_the_minor_unit_and_junk)
{
    refused("2.555", "USD");
    refused("500.5", "JPY");
    refused("-3", "USD");
    refused("+3", "USD");
    refused("1e3", "USD");
    refused("", "USD");
    refused(".", "USD");
    refused("five", "USD");
    refused("99999999999999999", "USD");
}

Test(money, monthly_minimum_is_two_units)
{
    const struct pt_currency *usd = pt_money_currency("USD");
    cr_assert_eq(pt_money_check(PT_FREQUENCY_MONTHLY, 199, usd, 2000, "en", error, sizeof(error)),
                 PT_ERR_INVALID);
    cr_assert_str_eq(error, "The minimum is $2 a month.");
    cr_assert_eq(pt_money_check(PT_FREQUENCY_MONTHLY, 200, usd, 2000, "en", error, sizeof(error)),
                 PT_OK);
    cr_assert_eq(pt_money_check(PT_FREQUENCY_ANNUAL, 199, usd, 2000, "en", error, sizeof(error)),
                 PT_ERR_INVALID);
}

Test(money, one_off_minimum_is_one_unit)
{
    const struct pt_currency *eur = pt_money_currency("EUR");
    cr_assert_eq(pt_money_check(PT_FREQUENCY_ONE_OFF, 99, eur, 2000, "en", error, sizeof(error)),
                 PT_ERR_INVALID);
    cr_assert_eq(pt_money_check(PT_FREQUENCY_ONE_OFF, 100, eur, 2000, "en", error, sizeof(error)),
                 PT_OK);
}

Test(money, the_processor_minimum_is_respected)
{
    /* 2 yen a month is below the processor's smallest charge of 50 yen. */
    const struct pt_currency *jpy = pt_money_currency("JPY");
    cr_assert_eq(pt_money_minimum(PT_FREQUENCY_MONTHLY, jpy), 50);
    cr_assert_eq(pt_money_check(PT_FREQUENCY_MONTHLY, 49, jpy, 2000, "en", error, sizeof(error)),
                 PT_ERR_INVALID);
    cr_assert_eq(pt_money_check(PT_FREQUENCY_MONTHLY, 50, jpy, 2000, "en", error, sizeof(error)),
                 PT_OK);
}

Test(money, the_maximum_is_enforced)
{
    const struct pt_currency *usd = pt_money_currency("USD");
    cr_assert_eq(pt_money_check(PT_FREQUENCY_ONE_OFF, 200000, usd, 2000, "en", error,
                                sizeof(error)),
                 PT_OK);
    cr_assert_eq(pt_money_check(PT_FREQUENCY_ONE_OFF, 200001, usd, 2000, "en", error,
                                sizeof(error)),
                 PT_ERR_INVALID);
    cr_assert_str_eq(error, "The most we can take at once is $2000.");
}

Test(money, messages_in_russian)
{
    const struct pt_currency *usd = pt_money_currency("USD");
    pt_money_check(PT_FREQUENCY_MONTHLY, 100, usd, 2000, "ru", error, sizeof(error));
    cr_assert_str_eq(error, "Минимальная сумма — $2 в месяц.");
}

Test(money, formatting)
{
    struct pt_buf buf;
    pt_buf_init(&buf);
    pt_money_format(&buf, 500, pt_money_currency("USD"));
    pt_buf_puts(&buf, " ");
    pt_money_format(&buf, 550, pt_money_currency("EUR"));
    pt_buf_puts(&buf, " ");
    pt_money_format(&buf, 505, pt_money_currency("GBP"));
    pt_buf_puts(&buf, " ");
    pt_money_format(&buf, 500, pt_money_currency("JPY"));
    cr_assert_str_eq(buf.data, "$5 €5.50 £5.05 500 ¥");
    pt_buf_dispose(&buf);
}

Test(money, frequency_names_round_trip)
{
    enum pt_frequency frequency;
    cr_assert(pt_frequency_parse("one_off", &frequency));
    cr_assert_eq(frequency, PT_FREQUENCY_ONE_OFF);
    cr_assert_str_eq(pt_frequency_name(PT_FREQUENCY_ANNUAL), "annual");
    cr_assert_not(pt_frequency_parse("weekly", &frequency));
}
