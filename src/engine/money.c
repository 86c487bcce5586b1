#include "patron/money.h"

#include <stdio.h>
#include <string.h>

#include "patron/i18n.h"

/* The processor minimums are Stripe's smallest charges per currency. */
static const struct pt_currency currencies[] = {
    {"USD", 2, "$", false, 50},
    {"EUR", 2, "€", false, 50},
    {"GBP", 2, "£", false, 30},
    {"CHF", 2, "CHF", true, 50},
    {"JPY", 0, "¥", false, 50},
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

enum { MINOR_MAX_DIGITS = 12, GROUPS_MAX = 8 };

/* Russian groups thousands with spaces and marks the fraction with a comma. */
static bool russian(const char *language)
{
    return pt_i18n_lang(language) == PT_LANG_RU;
}

/* The spaces Russian writes between thousands: ASCII, no-break (U+00A0),
 * thin (U+2009) and narrow no-break (U+202F). Returns the bytes it spans. */
static size_t space_length(const char *p)
{
    const unsigned char *u = (const unsigned char *)p;
    if (u[0] == ' ')
        return 1;
    if (u[0] == 0xc2 && u[1] == 0xa0)
        return 2;
    if (u[0] == 0xe2 && u[1] == 0x80 && (u[2] == 0x89 || u[2] == 0xaf))
        return 3;
    return 0;
}

static const char *skip_spaces(const char *p)
{
    size_t n;
    while ((n = space_length(p)) > 0 || *p == '\t')
        p += n > 0 ? n : 1;
    return p;
}

/* The length of text without the blanks at its end. */
static size_t trimmed_length(const char *text, size_t length)
{
    for (;;) {
        const unsigned char *end = (const unsigned char *)text + length;
        if (length >= 1 && (end[-1] == ' ' || end[-1] == '\t'))
            length -= 1;
        else if (length >= 2 && end[-2] == 0xc2 && end[-1] == 0xa0)
            length -= 2;
        else if (length >= 3 && end[-3] == 0xe2 && end[-2] == 0x80 &&
                 (end[-1] == 0x89 || end[-1] == 0xaf))
            length -= 3;
        else
            return length;
    }
}

/* The text without the currency's own symbol or code before or after it
 * ("$5", "5 €", "5 EUR") and without blanks around it; another currency's
 * sign stays and so makes the amount unreadable. False if out is too small. */
static bool strip_currency(const char *text, const struct pt_currency *currency, char *out,
                           size_t out_size)
{
    const char *start = skip_spaces(text);
    size_t length = trimmed_length(start, strlen(start));
    const char *symbol = skip_spaces(currency->symbol);
    const char *marks[] = {symbol, currency->code};
    size_t mark_lengths[] = {trimmed_length(symbol, strlen(symbol)), strlen(currency->code)};
    for (size_t i = 0; i < 2; i++) {
        size_t n = mark_lengths[i];
        if (length <= n)
            continue;
        if (strncmp(start, marks[i], n) == 0) {
            const char *rest = skip_spaces(start + n);
            length -= (size_t)(rest - start);
            start = rest;
            break;
        }
        if (strncmp(start + length - n, marks[i], n) == 0) {
            length = trimmed_length(start, length - n);
            break;
        }
    }
    if (length + 1 > out_size)
        return false;
    memcpy(out, start, length);
    out[length] = '\0';
    return true;
}

enum money_problem { MONEY_NUMBER, MONEY_AMBIGUOUS, MONEY_FRACTION, MONEY_WHOLE, MONEY_LARGE };

static enum pt_status refuse(enum money_problem problem, const struct pt_currency *currency,
                             const char *language, char *error, size_t error_size)
{
    static const enum pt_msg messages[] = {
        [MONEY_NUMBER] = PT_MSG_MONEY_NUMBER,     [MONEY_AMBIGUOUS] = PT_MSG_MONEY_AMBIGUOUS,
        [MONEY_FRACTION] = PT_MSG_MONEY_FRACTION, [MONEY_WHOLE] = PT_MSG_MONEY_WHOLE,
        [MONEY_LARGE] = PT_MSG_MONEY_LARGE,
    };
    const char *text = pt_i18n_text(messages[problem], pt_i18n_lang(language));
    if (problem == MONEY_WHOLE)
        snprintf(error, error_size, text, currency->code);
    else
        snprintf(error, error_size, "%s", text);
    return PT_ERR_INVALID;
}

/* A separator between digit groups, as the reader typed it. */
enum separator { SEPARATOR_POINT, SEPARATOR_COMMA, SEPARATOR_SPACE };

/* Reads an amount the way a reader of this language writes it. English
 * groups thousands with commas, Russian with spaces; both may mark the
 * fraction with a point or a comma. What could mean two amounts ("1,000,5",
 * "3.505", "1.000" in either language) is refused, never guessed. */
enum pt_status pt_money_parse(const char *text, const struct pt_currency *currency,
                              const char *language, int64_t *minor, char *error,
                              size_t error_size)
{
    char bare[64];
    if (text == NULL || !strip_currency(text, currency, bare, sizeof(bare)))
        return refuse(text == NULL ? MONEY_NUMBER : MONEY_LARGE, currency, language, error,
                      error_size);
    enum separator grouping = russian(language) ? SEPARATOR_SPACE : SEPARATOR_COMMA;

    /* Split into digit groups and the single separators between them. */
    const char *groups[GROUPS_MAX];
    size_t lengths[GROUPS_MAX];
    enum separator separators[GROUPS_MAX + 1]; /* [i]: the one before group i */
    size_t count = 0;
    const char *p = bare;
    for (;;) {
        const char *digits = p;
        while (*p >= '0' && *p <= '9')
            p++;
        if (p == digits || count == GROUPS_MAX)
            return refuse(p == digits ? MONEY_NUMBER : MONEY_LARGE, currency, language, error,
                          error_size);
        groups[count] = digits;
        lengths[count] = (size_t)(p - digits);
        count++;
        if (*p == '\0')
            break;
        size_t space = space_length(p);
        if (*p == '.' || *p == ',') {
            separators[count] = *p == '.' ? SEPARATOR_POINT : SEPARATOR_COMMA;
            p++;
        } else if (space > 0) {
            separators[count] = SEPARATOR_SPACE;
            p += space;
        } else {
            return refuse(MONEY_NUMBER, currency, language, error, error_size);
        }
    }

    /* The last separator marks the fraction unless it can only be grouping:
     * a space, or the language's grouping comma before exactly three digits. */
    size_t whole_groups = count;
    if (count > 1) {
        enum separator last = separators[count - 1];
        bool fraction = last != SEPARATOR_SPACE && (last != grouping || lengths[count - 1] != 3);
        if (fraction) {
            whole_groups = count - 1;
            if (currency->exponent == 0)
                return refuse(MONEY_WHOLE, currency, language, error, error_size);
            if (lengths[count - 1] > (size_t)currency->exponent)
                return refuse(lengths[count - 1] == 3 ? MONEY_AMBIGUOUS : MONEY_FRACTION,
                              currency, language, error, error_size);
            /* "1,000,5": one mark cannot both group and end the whole. */
            if (count > 2 && last == grouping)
                return refuse(MONEY_AMBIGUOUS, currency, language, error, error_size);
        }
        /* Grouping is the language's own and regular: 1 to 3 digits, then
         * threes. */
        for (size_t i = 1; i < whole_groups; i++) {
            if (separators[i] != grouping || lengths[i] != 3)
                return refuse(MONEY_AMBIGUOUS, currency, language, error, error_size);
        }
        if (whole_groups > 1 && lengths[0] > 3)
            return refuse(MONEY_AMBIGUOUS, currency, language, error, error_size);
    }

    int64_t whole = 0;
    int digits = 0;
    for (size_t i = 0; i < whole_groups; i++) {
        for (size_t j = 0; j < lengths[i]; j++) {
            if (++digits > MINOR_MAX_DIGITS)
                return refuse(MONEY_LARGE, currency, language, error, error_size);
            whole = whole * 10 + (groups[i][j] - '0');
        }
    }
    int64_t fraction = 0;
    int fraction_digits = 0;
    if (whole_groups < count) {
        for (size_t j = 0; j < lengths[count - 1]; j++, fraction_digits++)
            fraction = fraction * 10 + (groups[count - 1][j] - '0');
    }
    for (int i = fraction_digits; i < currency->exponent; i++)
        fraction *= 10;
    *minor = whole * pt_money_unit(currency) + fraction;
    return PT_OK;
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
    enum pt_lang lang = pt_i18n_lang(language);
    struct pt_buf shown;
    pt_buf_init(&shown);
    enum pt_status status = PT_OK;
    int64_t minimum = pt_money_minimum(frequency, currency);
    int64_t maximum = max_units * pt_money_unit(currency);
    if (minor < minimum) {
        pt_money_format_in(&shown, minimum, currency, language);
        const char *how =
            frequency == PT_FREQUENCY_MONTHLY  ? pt_i18n_text(PT_MSG_MONEY_MINIMUM_PER_MONTH, lang)
            : frequency == PT_FREQUENCY_ANNUAL ? pt_i18n_text(PT_MSG_MONEY_MINIMUM_PER_YEAR, lang)
                                               : "";
        snprintf(error, error_size, pt_i18n_text(PT_MSG_MONEY_MINIMUM, lang), shown.data, how);
        status = PT_ERR_INVALID;
    } else if (minor > maximum) {
        pt_money_format_in(&shown, maximum, currency, language);
        snprintf(error, error_size, pt_i18n_text(PT_MSG_MONEY_MAXIMUM, lang), shown.data);
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

void pt_money_format_in(struct pt_buf *buf, int64_t minor, const struct pt_currency *currency,
                        const char *language)
{
    static const char no_break[] = "\xc2\xa0";
    bool ru = russian(language);
    if (minor < 0) {
        pt_buf_puts(buf, "-");
        minor = minor == INT64_MIN ? INT64_MAX : -minor;
    }
    /* English puts the sign first, a code apart; Russian puts it last. */
    if (!ru) {
        pt_buf_puts(buf, currency->symbol);
        if (currency->symbol_letters)
            pt_buf_puts(buf, no_break);
    }
    int64_t unit = pt_money_unit(currency);
    char whole[PT_I18N_NUMBER_MAX];
    pt_buf_append(buf, whole,
                  pt_i18n_write_number(whole, sizeof(whole), (unsigned long long)(minor / unit),
                                       ru ? PT_LANG_RU : PT_LANG_EN));
    if (minor % unit != 0)
        pt_buf_printf(buf, "%s%0*lld", ru ? "," : ".", currency->exponent,
                      (long long)(minor % unit));
    if (ru) {
        pt_buf_puts(buf, no_break);
        pt_buf_puts(buf, currency->symbol);
    }
}

void pt_money_format(struct pt_buf *buf, int64_t minor, const struct pt_currency *currency)
{
    pt_money_format_in(buf, minor, currency, "en");
}

void pt_money_statement(struct pt_buf *buf, int64_t minor, const struct pt_currency *currency,
                        enum pt_frequency frequency, const char *language)
{
    enum pt_lang lang = pt_i18n_lang(language);
    /* Russian conjugates "give" by frequency: two messages, one per aspect. */
    pt_buf_puts(buf,
                pt_i18n_text(frequency == PT_FREQUENCY_ONE_OFF ? PT_MSG_MONEY_STATEMENT_ONCE
                                                               : PT_MSG_MONEY_STATEMENT_RECURRING,
                             lang));
    pt_money_format_in(buf, minor, currency, language);
    pt_buf_puts(buf, pt_i18n_text(frequency == PT_FREQUENCY_MONTHLY  ? PT_MSG_MONEY_EVERY_MONTH
                                  : frequency == PT_FREQUENCY_ANNUAL ? PT_MSG_MONEY_EVERY_YEAR
                                                                     : PT_MSG_MONEY_JUST_ONCE,
                                  lang));
}

/* The ladders a newsroom gets when it names none: the Guardian's 2 / 5 / 10
 * a month, twelve times that a year, and a one-off gift a little above a
 * month's. Currencies without a minor unit (JPY) count in hundreds. */
void pt_money_standard_ladder(enum pt_frequency frequency, const struct pt_currency *currency,
                              struct pt_amount_ladder *ladder)
{
    static const int64_t units[3][3] = {
        [PT_FREQUENCY_MONTHLY] = {2, 5, 10},
        [PT_FREQUENCY_ONE_OFF] = {5, 10, 25},
        [PT_FREQUENCY_ANNUAL] = {24, 60, 120},
    };
    int64_t scale = currency->exponent == 0 ? 100 : pt_money_unit(currency);
    int64_t minimum = pt_money_minimum(frequency, currency);
    memset(ladder, 0, sizeof(*ladder));
    for (size_t i = 0; i < 3; i++) {
        int64_t amount = units[frequency][i] * scale;
        ladder->presets[ladder->count++] = amount > minimum ? amount : minimum;
    }
    ladder->default_amount = ladder->presets[1];
}

bool pt_money_ladder_has(const struct pt_amount_ladder *ladder, int64_t minor)
{
    for (size_t i = 0; i < ladder->count; i++) {
        if (ladder->presets[i] == minor)
            return true;
    }
    return false;
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
