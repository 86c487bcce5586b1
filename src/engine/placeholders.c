#include "patron/placeholders.h"

#include <string.h>
#include <strings.h>

#include "patron/i18n.h"

static const char ARTICLES[] = PT_PLACEHOLDER_ARTICLES;
static const char WEEKS[] = "{weeks}";
static const char MIN_AMOUNT[] = "{min_amount}";

/* Whether the language's primary subtag is one patron writes plurals for:
 * "de" falls back to English phrases elsewhere, but "5 articles" in a
 * German sentence would be wrong, so a German text may not count. */
static bool writes_plurals(const char *language)
{
    const char *code = pt_i18n_code(pt_i18n_lang(language));
    size_t length = strlen(code);
    return strncasecmp(language, code, length) == 0 &&
           (language[length] == '\0' || language[length] == '-');
}

const char *pt_placeholders_problem(const char *text, const struct pt_campaign *campaign,
                                    const char *language)
{
    bool counts = strstr(text, ARTICLES) != NULL || strstr(text, WEEKS) != NULL;
    if (counts && campaign->articles_weeks <= 0)
        return "uses {articles} or {weeks}, which need the campaign to filter on articles_read "
               "(set its weeks)";
    if ((counts || strstr(text, MIN_AMOUNT) != NULL) && !writes_plurals(language))
        return "uses {articles}, {weeks} or {min_amount}, which patron writes in English and "
               "Russian only";
    return NULL;
}

bool pt_placeholders_count_articles(const char *text)
{
    return text != NULL && strstr(text, ARTICLES) != NULL;
}

/* Writes "4 weeks" or "5 статей" into out (PT_PLACEHOLDER_COUNT_MAX bytes). */
static size_t write_count(char *out, enum pt_msg noun, int64_t count, const char *language)
{
    enum pt_lang lang = pt_i18n_lang(language);
    unsigned long long n = count > 0 ? (unsigned long long)count : 0;
    size_t length = pt_i18n_write_number(out, PT_PLACEHOLDER_COUNT_MAX, n, lang);
    size_t form_length;
    const char *form = pt_i18n_plural_form(noun, lang, n, &form_length);
    /* A no-break space: the number never ends a line without its noun. */
    if (length + 2 + form_length < PT_PLACEHOLDER_COUNT_MAX) {
        memcpy(out + length, "\xc2\xa0", 2);
        memcpy(out + length + 2, form, form_length);
        length += 2 + form_length;
    }
    out[length] = '\0';
    return length;
}

size_t pt_placeholders_count(char *out, int64_t articles, const char *language)
{
    return write_count(out, PT_MSG_COUNT_ARTICLES, articles, language);
}

void pt_placeholders_fill_fixed(struct pt_buf *out, const char *text, int weeks,
                                int64_t min_amount, const struct pt_currency *currency,
                                const char *language)
{
    char weeks_text[PT_PLACEHOLDER_COUNT_MAX];
    write_count(weeks_text, PT_MSG_COUNT_WEEKS, weeks, language);
    struct pt_buf amount;
    pt_buf_init(&amount);
    pt_money_format_in(&amount, min_amount, currency, language);
    for (const char *p = text; *p != '\0';) {
        if (strncmp(p, WEEKS, sizeof(WEEKS) - 1) == 0) {
            pt_buf_puts(out, weeks_text);
            p += sizeof(WEEKS) - 1;
        } else if (strncmp(p, MIN_AMOUNT, sizeof(MIN_AMOUNT) - 1) == 0) {
            pt_buf_append(out, amount.data, amount.length);
            p += sizeof(MIN_AMOUNT) - 1;
        } else {
            const char *next = strchr(p + 1, '{');
            size_t run = next != NULL ? (size_t)(next - p) : strlen(p);
            pt_buf_append(out, p, run);
            p += run;
        }
    }
    if (out->data == NULL)
        pt_buf_puts(out, "");
    pt_buf_dispose(&amount);
}

size_t pt_placeholders_filled_length(const char *text, size_t length, size_t count_length)
{
    size_t filled = length;
    const char *end = text + length;
    for (const char *p = text; p < end;) {
        const char *found = memmem(p, (size_t)(end - p), ARTICLES, sizeof(ARTICLES) - 1);
        if (found == NULL)
            break;
        filled = filled - (sizeof(ARTICLES) - 1) + count_length;
        p = found + sizeof(ARTICLES) - 1;
    }
    return filled;
}

void pt_placeholders_fill_articles(const char *text, size_t length, const char *count,
                                   size_t count_length, char *out)
{
    const char *end = text + length;
    for (const char *p = text; p < end;) {
        const char *found = memmem(p, (size_t)(end - p), ARTICLES, sizeof(ARTICLES) - 1);
        size_t run = found != NULL ? (size_t)(found - p) : (size_t)(end - p);
        memcpy(out, p, run);
        out += run;
        if (found == NULL)
            break;
        memcpy(out, count, count_length);
        out += count_length;
        p = found + sizeof(ARTICLES) - 1;
    }
}
