#include "patron/money.h"

#include <stdio.h>
#include <string.h>

/* The processor minimums are Stripe's smallest charges per currency. */
static const struct pt_currency currencies[] = {
    {"USD", 2, "$", false, 50},
    {"EUR", 2, "€", false, 50},
    {"GBP", 2, "£", false, 30},
    {"CHF", 2, "CHF ", false, 50},
    {"JPY", 0, " ¥", true, 50},
};

const struct pt_currency *pt_money_currency(const char *code)
{
    for (size_t i = 0; i < sizeof(currencies) / sizeof(currencies[0]); i++) {
        if (strcmp(currencies[i].code, code) == 0)
            return &currencies[i];
    }
    return NULL;
}

int64_t pt_money_unit(const struct pt_currency *currency)
{
    int64_t unit = 1;
    for (int i = 0; i < currency->exponent; i++)
        unit *= 10;
    return unit;
}

enum { MINOR_MAX_DIGITS = 12 };

enum pt_status pt_money_parse(const char *text, const struct pt_currency *currency,
                              int64_t *minor, char *error, size_t error_size)
{
    const char *p = text;
    while (*p == ' ')
        p++;
    int64_t whole = 0;
    int digits = 0;
    for (; (*p >= '0' && *p <= '9') || *p == ','; p++) {
        if (*p == ',')
            continue;
        if (++digits > MINOR_MAX_DIGITS)
            goto too_large;
        whole = whole * 10 + (*p - '0');
    }
    int64_t fraction = 0;
    int fraction_digits = 0;
    if (*p == '.') {
        p++;
        for (; *p >= '0' && *p <= '9'; p++) {
            if (++fraction_digits > currency->exponent) {
                if (*p != '0' || currency->exponent == 0) {
                    snprintf(error, error_size,
                             currency->exponent == 0
                                 ? "%s has no smaller unit: enter a whole amount."
                                 : "Enter the amount to the nearest %s0.01.",
                             currency->exponent == 0 ? currency->code : currency->symbol);
                    return PT_ERR_INVALID;
                }
                continue;
            }
            fraction = fraction * 10 + (*p - '0');
        }
    }
    while (*p == ' ')
        p++;
    if (*p != '\0' || digits == 0) {
        snprintf(error, error_size, "Enter the amount as a number, for example 5.");
        return PT_ERR_INVALID;
    }
    for (int i = fraction_digits; i < currency->exponent; i++)
        fraction *= 10;
    *minor = whole * pt_money_unit(currency) + fraction;
    return PT_OK;
too_large:
    snprintf(error, error_size, "That amount is too large.");
    return PT_ERR_INVALID;
}

int64_t pt_money_minimum(enum pt_frequency frequency, const struct pt_currency *currency)
{
    int64_t units = frequency == PT_FREQUENCY_ONE_OFF ? 1 : 2;
    int64_t minimum = units * pt_money_unit(currency);
    return minimum > currency->processor_min ? minimum : currency->processor_min;
}

enum pt_status pt_money_check(enum pt_frequency frequency, int64_t minor,
                              const struct pt_currency *currency, int64_t max_units,
                              const char *language, char *error, size_t error_size)
{
    bool russian = language != NULL && strcmp(language, "ru") == 0;
    struct pt_buf shown;
    pt_buf_init(&shown);
    enum pt_status status = PT_OK;
    int64_t minimum = pt_money_minimum(frequency, currency);
    int64_t maximum = max_units * pt_money_unit(currency);
    if (minor < minimum) {
        pt_money_format(&shown, minimum, currency);
        const char *how = frequency == PT_FREQUENCY_MONTHLY  ? (russian ? " в месяц" : " a month")
                          : frequency == PT_FREQUENCY_ANNUAL ? (russian ? " в год" : " a year")
                                                             : "";
        snprintf(error, error_size,
                 russian ? "Минимальная сумма — %s%s." : "The minimum is %s%s.", shown.data, how);
        status = PT_ERR_INVALID;
    } else if (minor > maximum) {
        pt_money_format(&shown, maximum, currency);
        snprintf(error, error_size,
                 russian ? "Максимальная сумма — %s." : "The most we can take at once is %s.",
                 shown.data);
        status = PT_ERR_INVALID;
    }
    pt_buf_dispose(&shown);
    return status;
}

void pt_money_format_plain(struct pt_buf *buf, int64_t minor, const struct pt_currency *currency)
{
    int64_t unit = pt_money_unit(currency);
    if (minor % unit == 0 || currency->exponent == 0)
        pt_buf_printf(buf, "%lld", (long long)(minor / unit));
    else
        pt_buf_printf(buf, "%lld.%0*lld", (long long)(minor / unit), currency->exponent,
                      (long long)(minor % unit));
}

void pt_money_format(struct pt_buf *buf, int64_t minor, const struct pt_currency *currency)
{
    if (!currency->symbol_after)
        pt_buf_puts(buf, currency->symbol);
    pt_money_format_plain(buf, minor, currency);
    if (currency->symbol_after)
        pt_buf_puts(buf, currency->symbol);
}

const char *pt_frequency_name(enum pt_frequency frequency)
{
    switch (frequency) {
    case PT_FREQUENCY_MONTHLY: return "monthly";
    case PT_FREQUENCY_ONE_OFF: return "one_off";
    case PT_FREQUENCY_ANNUAL: return "annual";
    }
    return "monthly";
}

bool pt_frequency_parse(const char *name, enum pt_frequency *frequency)
{
    static const enum pt_frequency all[] = {PT_FREQUENCY_MONTHLY, PT_FREQUENCY_ONE_OFF,
                                            PT_FREQUENCY_ANNUAL};
    for (size_t i = 0; i < 3; i++) {
        if (strcmp(name, pt_frequency_name(all[i])) == 0) {
            *frequency = all[i];
            return true;
        }
    }
    return false;
}
