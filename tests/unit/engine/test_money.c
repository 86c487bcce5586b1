/* Amounts: parsing what readers type, and the rules of a pledge. */
#include <criterion/criterion.h>
#include <string.h>

#include "patron/money.h"

static char error[256];

static int64_t parse_in(const char *text, const char *code, const char *language)
{
    int64_t minor = -1;
    cr_assert_eq(pt_money_parse(text, pt_money_currency(code), language, &minor, error,
                                sizeof(error)),
                 PT_OK, "%s (%s): %s", text, language, error);
    return minor;
}

static int64_t parse(const char *text, const char *code)
{
    return parse_in(text, code, "en");
}

static void refused_in(const char *text, const char *code, const char *language)
{
    int64_t minor = -1;
    cr_assert_eq(pt_money_parse(text, pt_money_currency(code), language, &minor, error,
                                sizeof(error)),
                 PT_ERR_INVALID, "%s (%s) should be refused, read as %lld", text, language,
                 (long long)minor);
    cr_assert(strlen(error) > 0);
}

static void refused(const char *text, const char *code)
{
    refused_in(text, code, "en");
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
    cr_assert_eq(parse("1,000.50", "USD"), 100050);
    cr_assert_eq(parse("12,345,678", "USD"), 1234567800);
    cr_assert_eq(parse("500", "JPY"), 500);
    cr_assert_eq(parse("1,000", "JPY"), 1000);
}

/* Issue 9: "3,50" was recorded as 350 units, in English and in Russian. */
Test(money, a_decimal_comma_is_a_decimal_in_both_languages)
{
    cr_assert_eq(parse_in("3,50", "USD", "en"), 350);
    cr_assert_eq(parse_in("3,50", "USD", "ru"), 350);
    cr_assert_eq(parse_in("3,5", "EUR", "en"), 350);
    cr_assert_eq(parse_in("3.50", "EUR", "ru"), 350);
    cr_assert_eq(parse_in("1 000,50", "EUR", "ru"), 100050);
    cr_assert_eq(parse_in("1\u00a0000", "EUR", "ru"), 100000, "a no-break space groups");
    cr_assert_eq(parse_in("1\u202f000,5", "EUR", "ru"), 100050, "a narrow no-break space too");
    cr_assert_eq(parse_in("12 345", "JPY", "ru"), 12345);
}

Test(money, the_currency_sign_may_stand_around_the_amount)
{
    cr_assert_eq(parse("$5", "USD"), 500);
    cr_assert_eq(parse("$ 3.50 ", "USD"), 350);
    cr_assert_eq(parse_in("3,50 €", "EUR", "ru"), 350);
    cr_assert_eq(parse("5 EUR", "EUR"), 500);
    cr_assert_eq(parse("500 ¥", "JPY"), 500);
    refused("€5", "USD");
    refused("5 GBP", "USD");
    refused("$", "USD");
}

/* Input that could mean two amounts is refused, never guessed. */
Test(money, ambiguous_amounts_are_refused)
{
    refused_in("1,000,5", "USD", "en");
    refused_in("1,000,5", "USD", "ru");
    refused_in("3.505", "USD", "en");
    refused_in("3,505", "USD", "ru");
    refused_in("2.500", "USD", "en");
    refused_in("1.000", "EUR", "ru");
    refused_in("1,000", "EUR", "ru"); /* Russian does not group with commas */
    refused_in("1 000", "USD", "en"); /* nor English with spaces */
    refused_in("1.000,50", "EUR", "en");
    refused_in("1.000,50", "EUR", "ru");
    refused_in("10,00,000", "USD", "en");
    refused_in("1000,000", "USD", "en");
    refused_in("1,0000", "USD", "en");
    refused_in("3,,50", "USD", "en");
    refused_in("3.50.", "USD", "en");
    refused_in(",50", "USD", "en");
    refused_in("1.000", "JPY", "en");
    refused_in("3,5", "JPY", "ru");
    /* More digit groups than any amount has (found by the fuzzer: it wrote
     * past the separators' array). */
    refused_in("1,000,000,000,000,000,000,000,000", "USD", "en");
    refused_in("10,0,00,0,1,0\u00a01\u00a0010,0", "USD", "ru");
}

Test(money, refusals_speak_the_readers_language)
{
    int64_t minor;
    const struct pt_currency *usd = pt_money_currency("USD");
    const char *inputs[] = {"five", "1,000,5", "2.555", "99999999999999999"};
    for (size_t i = 0; i < 4; i++) {
        char english[256], russian[256];
        cr_assert_eq(pt_money_parse(inputs[i], usd, "en", &minor, english, sizeof(english)),
                     PT_ERR_INVALID);
        cr_assert_eq(pt_money_parse(inputs[i], usd, "ru", &minor, russian, sizeof(russian)),
                     PT_ERR_INVALID);
        cr_assert(strspn(english, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ ") > 3,
                  "%s", english);
        /* Cyrillic letters are two bytes starting 0xd0 or 0xd1. */
        cr_assert((unsigned char)russian[0] == 0xd0 || (unsigned char)russian[0] == 0xd1,
                  "%s: %s", inputs[i], russian);
    }
    pt_money_parse("500.5", pt_money_currency("JPY"), "ru", &minor, error, sizeof(error));
    cr_assert_str_eq(error, "В JPY нет дробных единиц: введите целую сумму.");
}

Test(money, statements_say_exactly_what_will_be_charged)
{
    struct pt_buf buf;
    pt_buf_init(&buf);
    pt_money_statement(&buf, 350, pt_money_currency("USD"), PT_FREQUENCY_MONTHLY, "en");
    cr_assert_str_eq(buf.data, "You will give $3.50 every month");
    pt_buf_reset(&buf);
    pt_money_statement(&buf, 350, pt_money_currency("USD"), PT_FREQUENCY_MONTHLY, "ru");
    cr_assert_str_eq(buf.data, "Вы будете перечислять 3,50\u00a0$ каждый месяц");
    pt_buf_reset(&buf);
    pt_money_statement(&buf, 1000, pt_money_currency("JPY"), PT_FREQUENCY_ONE_OFF, "en");
    cr_assert_str_eq(buf.data, "You will give ¥1,000 once");
    pt_buf_dispose(&buf);
}

Test(money, standard_ladders_differ_by_frequency)
{
    struct pt_amount_ladder ladder;
    const struct pt_currency *usd = pt_money_currency("USD");
    pt_money_standard_ladder(PT_FREQUENCY_MONTHLY, usd, &ladder);
    cr_assert_eq(ladder.count, 3);
    cr_assert_eq(ladder.presets[0], 200);
    cr_assert_eq(ladder.default_amount, 500);
    pt_money_standard_ladder(PT_FREQUENCY_ANNUAL, usd, &ladder);
    cr_assert_gt(ladder.presets[0], 200 * 6, "no $2 a year");
    cr_assert(pt_money_ladder_has(&ladder, ladder.default_amount));
    pt_money_standard_ladder(PT_FREQUENCY_MONTHLY, pt_money_currency("JPY"), &ladder);
    cr_assert_eq(ladder.presets[0], 200);
    cr_assert_geq(ladder.presets[0], pt_money_minimum(PT_FREQUENCY_MONTHLY,
                                                      pt_money_currency("JPY")));
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
    cr_assert_str_eq(error, "The most we can take at once is $2,000.");
}

Test(money, messages_in_russian)
{
    const struct pt_currency *usd = pt_money_currency("USD");
    pt_money_check(PT_FREQUENCY_MONTHLY, 100, usd, 2000, "ru", error, sizeof(error));
    cr_assert_str_eq(error, "Минимальная сумма — 2\u00a0$ в месяц.");
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
    cr_assert_str_eq(buf.data, "$5 €5.50 £5.05 ¥500");
    pt_buf_dispose(&buf);
}

/* As CLDR writes them (Intl.NumberFormat in a browser; tests/http/cldr.test.mjs
 * checks every currency against Node's). */
static void format_is(int64_t minor, const char *code, const char *language, const char *expected)
{
    struct pt_buf buf;
    pt_buf_init(&buf);
    pt_money_format_in(&buf, minor, pt_money_currency(code), language);
    cr_assert_str_eq(buf.data, expected, "%lld %s in %s", (long long)minor, code, language);
    pt_buf_dispose(&buf);
}

Test(money, formatting_as_each_language_writes_it)
{
    format_is(500, "GBP", "en", "£5");
    format_is(500, "EUR", "en", "€5");
    format_is(500, "CHF", "en", "CHF\u00a05");
    format_is(123450, "USD", "en", "$1,234.50");
    format_is(100000000, "USD", "en", "$1,000,000");
    format_is(1000, "JPY", "en", "¥1,000");
    format_is(500, "EUR", "ru", "5\u00a0€");
    format_is(500, "GBP", "ru", "5\u00a0£");
    format_is(350, "USD", "ru", "3,50\u00a0$");
    format_is(123450, "EUR", "ru", "1\u00a0234,50\u00a0€");
    format_is(500, "CHF", "ru", "5\u00a0CHF");
    format_is(100000, "JPY", "ru", "100\u00a0000\u00a0¥");
    format_is(505, "GBP", "ru-RU", "5,05\u00a0£");
    format_is(500, "GBP", "de", "£5");
}

/* What the pages write, a reader may type back. */
Test(money, parses_what_it_writes)
{
    const char *codes[] = {"USD", "EUR", "GBP", "CHF", "JPY"};
    const char *languages[] = {"en", "ru"};
    const int64_t amounts[] = {100, 350, 500, 123450, 100000000};
    for (size_t c = 0; c < 5; c++) {
        const struct pt_currency *currency = pt_money_currency(codes[c]);
        for (size_t l = 0; l < 2; l++) {
            for (size_t a = 0; a < 5; a++) {
                int64_t amount = amounts[a];
                if (currency->exponent == 0 && amount % 100 != 0)
                    continue;
                struct pt_buf buf;
                pt_buf_init(&buf);
                pt_money_format_in(&buf, amount, currency, languages[l]);
                int64_t read = -1;
                cr_assert_eq(pt_money_parse(buf.data, currency, languages[l], &read, error,
                                            sizeof(error)),
                             PT_OK, "%s: %s", buf.data, error);
                cr_assert_eq(read, amount, "%s read as %lld", buf.data, (long long)read);
                pt_buf_dispose(&buf);
            }
        }
    }
}

Test(money, frequency_names_round_trip)
{
    enum pt_frequency frequency;
    cr_assert(pt_frequency_parse("one_off", &frequency));
    cr_assert_eq(frequency, PT_FREQUENCY_ONE_OFF);
    cr_assert_str_eq(pt_frequency_name(PT_FREQUENCY_ANNUAL), "annual");
    cr_assert_not(pt_frequency_parse("weekly", &frequency));
}
