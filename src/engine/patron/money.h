/* Currencies, amounts in minor units, and the rules a pledge's amount obeys.
 *
 * Amounts are integers in the currency's minor unit (cents, pence; yen for
 * zero-decimal currencies) from the moment they are parsed; nothing here uses
 * floating point. */
#ifndef PATRON_MONEY_H
#define PATRON_MONEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "patron/buf.h"
#include "patron/catalog.h"
#include "patron/status.h"

struct pt_currency {
    char code[4];          /* ISO 4217 */
    int exponent;          /* digits after the decimal point: 2, or 0 for JPY */
    const char *symbol;    /* "$", "€", "CHF": as CLDR writes it in English and Russian */
    bool symbol_letters;   /* a code such as "CHF": a no-break space after it in English */
    int64_t processor_min; /* the processor's smallest charge, minor units */
};

/* The currency with this code, or NULL if patron does not take it. */
const struct pt_currency *pt_money_currency(const char *code);

/* 10^exponent: minor units in one unit of the currency. */
int64_t pt_money_unit(const struct pt_currency *currency);

/* Parses a reader's amount in major units into minor units, the way a reader
 * of language ("en" or "ru"; others read as English) writes it: "5", "3.50"
 * or "3,50"; thousands grouped with commas in English ("1,000.50") and with
 * spaces in Russian ("1 000,50"); the currency's own symbol or code may stand
 * before or after. Refuses what could mean two amounts ("1,000,5", "3.505",
 * "1.000", grouping the language does not use), fractions of a minor unit,
 * signs, exponents and anything over 10^12 minor units, with a message for
 * the reader in their language. Never guesses. */
enum pt_status pt_money_parse(const char *text, const struct pt_currency *currency,
                              const char *language, int64_t *minor, char *error,
                              size_t error_size);

/* Checks an amount against the rules: at least 2 units monthly or annually,
 * 1 unit once, never below the processor's minimum, at most max_units units.
 * The message is for the reader, in English or Russian by language. */
enum pt_status pt_money_check(enum pt_frequency frequency, int64_t minor,
                              const struct pt_currency *currency, int64_t max_units,
                              const char *language, char *error, size_t error_size);

/* The smallest amount allowed for a frequency, in minor units. */
int64_t pt_money_minimum(enum pt_frequency frequency, const struct pt_currency *currency);

/* "$5", "$5.50", "¥500", "$1,000"; whole amounts are shown without decimals.
 * The same as pt_money_format_in in English. */
void pt_money_format(struct pt_buf *buf, int64_t minor, const struct pt_currency *currency);
/* The amount as readers of language and the currency expect it, as CLDR
 * (and so a browser's Intl.NumberFormat) writes it: English "£5", "€3.50",
 * "CHF 5", "$1,000"; Russian "5 £", "3,50 $", "1 000 €" (no-break spaces
 * before the symbol and between thousands). Whole amounts without decimals,
 * others with all of the currency's. Other languages read as English. */
void pt_money_format_in(struct pt_buf *buf, int64_t minor, const struct pt_currency *currency,
                        const char *language);
/* What will be charged, in the reader's words: "You will give $3.50 every
 * month", "Вы перечислите $10 один раз". */
void pt_money_statement(struct pt_buf *buf, int64_t minor, const struct pt_currency *currency,
                        enum pt_frequency frequency, const char *language);

/* The ladder offered for a frequency when the campaign names none. */
void pt_money_standard_ladder(enum pt_frequency frequency, const struct pt_currency *currency,
                              struct pt_amount_ladder *ladder);
/* Whether minor is one of the ladder's presets. */
bool pt_money_ladder_has(const struct pt_amount_ladder *ladder, int64_t minor);
/* "5" or "5.50": the amount in major units, as a form field carries it. */
void pt_money_format_plain(struct pt_buf *buf, int64_t minor, const struct pt_currency *currency);

/* "monthly", "one_off", "annual"; parse returns false for anything else. */
const char *pt_frequency_name(enum pt_frequency frequency);
bool pt_frequency_parse(const char *name, enum pt_frequency *frequency);

#endif
