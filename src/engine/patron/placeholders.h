/* Copy that counts: the placeholders an editor may write in a variant's
 * headline and body.
 *
 *   {articles}    the articles this reader read in the campaign's
 *                 articles_read window: "5 articles", "5 статей"
 *   {weeks}       that window: "4 weeks", "4 недели"
 *   {min_amount}  the smallest pledge at the variant's default frequency,
 *                 in the appeal's currency: "$2"
 *
 * {weeks} and {min_amount} are the same for every reader and are filled
 * when the catalogue is built. {articles} is the reader's own: the fragment
 * keeps the placeholder, and the handler fills it into the answer at
 * request time, in one copy of a size known in advance (no re-render). */
#ifndef PATRON_PLACEHOLDERS_H
#define PATRON_PLACEHOLDERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "patron/buf.h"
#include "patron/catalog.h"
#include "patron/money.h"

#define PT_PLACEHOLDER_ARTICLES "{articles}"
/* Room for the longest text pt_placeholders_count writes, with its NUL:
 * a number of PT_I18N_NUMBER_MAX, a no-break space and the longest noun. */
#define PT_PLACEHOLDER_COUNT_MAX 64

/* NULL when the text may be used in this campaign and language, else what
 * is wrong with it: {articles} and {weeks} need a campaign that filters on
 * articles_read (there is no count to show otherwise), and all three need a
 * language patron can write numbers and plurals in (English, Russian). */
const char *pt_placeholders_problem(const char *text, const struct pt_campaign *campaign,
                                    const char *language);

/* Whether text holds {articles}, to be filled at request time. */
bool pt_placeholders_count_articles(const char *text);

/* Appends text with {weeks} and {min_amount} filled in; {articles} is kept.
 * weeks is the campaign's window, min_amount the amount in minor units of
 * currency. */
void pt_placeholders_fill_fixed(struct pt_buf *out, const char *text, int weeks,
                                int64_t min_amount, const struct pt_currency *currency,
                                const char *language);

/* Writes "5 articles" / "5 статей" (the number grouped as the language
 * groups it) into out, which holds PT_PLACEHOLDER_COUNT_MAX bytes; answers
 * its length. No allocation. */
size_t pt_placeholders_count(char *out, int64_t articles, const char *language);

/* The length of text (length bytes, not NUL-terminated) once each
 * {articles} is replaced by a count of count_length bytes. */
size_t pt_placeholders_filled_length(const char *text, size_t length, size_t count_length);

/* Copies text into out (pt_placeholders_filled_length bytes) with each
 * {articles} replaced by count. No allocation: the caller owns out. */
void pt_placeholders_fill_articles(const char *text, size_t length, const char *count,
                                   size_t count_length, char *out);

#endif
