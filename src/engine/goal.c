#include "patron/goal.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "patron/buf.h"
#include "patron/i18n.h"
#include "patron/money.h"

/* The first second of the UTC month of seconds, moved by months (0: its own). */
static int64_t month_start(int64_t seconds, int months)
{
    time_t at = (time_t)seconds;
    struct tm tm;
    gmtime_r(&at, &tm);
    struct tm start = {.tm_year = tm.tm_year, .tm_mon = tm.tm_mon + months, .tm_mday = 1};
    return (int64_t)timegm(&start);
}

void pt_goal_window(enum pt_goal_period period, int64_t starts_at, int64_t ends_at, int64_t now,
                    int64_t *from, int64_t *to)
{
    *from = starts_at;
    *to = ends_at > 0 ? ends_at + 1 : INT64_MAX;
    if (period != PT_GOAL_MONTH)
        return;
    /* This month's payments, but none from before the campaign began. */
    int64_t first = month_start(now, 0), next = month_start(now, 1);
    if (first > *from)
        *from = first;
    if (next < *to)
        *to = next;
}

bool pt_goal_shown(const struct pt_goal *goal)
{
    return goal->kind != PT_GOAL_NONE && goal->counted && goal->figure >= goal->threshold;
}

/* Inserts the language's group separator into the digits at out->data +
 * start, length bytes long, every three from the right. */
static void group_digits(struct pt_buf *out, size_t start, size_t length, const char *language)
{
    const char *separator = pt_i18n_lang(language) == PT_LANG_RU ? "\xc2\xa0" : ",";
    size_t separator_length = strlen(separator);
    if (length <= 3)
        return;
    char digits[32];
    if (length >= sizeof(digits))
        return;
    memcpy(digits, out->data + start, length);
    char tail[64];
    size_t tail_length = out->length - start - length;
    if (tail_length >= sizeof(tail))
        return;
    memcpy(tail, out->data + start + length, tail_length);
    out->length = start;
    out->data[start] = '\0';
    for (size_t i = 0; i < length; i++) {
        if (i > 0 && (length - i) % 3 == 0)
            pt_buf_append(out, separator, separator_length);
        pt_buf_append(out, &digits[i], 1);
    }
    pt_buf_append(out, tail, tail_length);
}

size_t pt_goal_write_number(char *out, size_t size, int64_t value, const char *language)
{
    const char *separator = pt_i18n_lang(language) == PT_LANG_RU ? "\xc2\xa0" : ",";
    size_t separator_length = strlen(separator);
    char digits[24];
    int length = snprintf(digits, sizeof(digits), "%lld", (long long)(value > 0 ? value : 0));
    size_t written = 0;
    for (int i = 0; i < length; i++) {
        if (i > 0 && (length - i) % 3 == 0 && written + separator_length < size) {
            memcpy(out + written, separator, separator_length);
            written += separator_length;
        }
        if (written + 1 < size)
            out[written++] = digits[i];
    }
    out[written] = '\0';
    return written;
}

void pt_goal_format_number(struct pt_buf *out, int64_t value, const char *language)
{
    char text[48];
    size_t length = pt_goal_write_number(text, sizeof(text), value, language);
    pt_buf_append(out, text, length);
}

void pt_goal_format_money(struct pt_buf *out, int64_t minor, const struct pt_currency *currency,
                          const char *language)
{
    size_t start = out->length;
    pt_money_format_in(out, minor > 0 ? minor : 0, currency, language);
    /* The first run of digits is the whole part: symbols hold none. */
    size_t at = start;
    while (at < out->length && (out->data[at] < '0' || out->data[at] > '9'))
        at++;
    size_t end = at;
    while (end < out->length && out->data[end] >= '0' && out->data[end] <= '9')
        end++;
    group_digits(out, at, end - at, language);
}

static const char *const placeholders[] = {"{count}", "{goal}"};

const char *pt_goal_text_problem(const char *text)
{
    for (const char *p = strchr(text, '{'); p != NULL; p = strchr(p + 1, '{')) {
        bool known = false;
        for (size_t i = 0; i < 2 && !known; i++)
            known = strncmp(p, placeholders[i], strlen(placeholders[i])) == 0;
        if (!known)
            return "may use only {count} and {goal} in braces";
    }
    return NULL;
}

void pt_goal_fill(struct pt_buf *out, const char *text, const char *count, const char *goal)
{
    const char *values[2] = {count, goal};
    const char *p = text;
    while (*p != '\0') {
        const char *brace = strchr(p, '{');
        if (brace == NULL) {
            pt_buf_puts(out, p);
            return;
        }
        pt_buf_append(out, p, (size_t)(brace - p));
        p = brace;
        bool replaced = false;
        for (size_t i = 0; i < 2 && !replaced; i++) {
            size_t length = strlen(placeholders[i]);
            if (strncmp(p, placeholders[i], length) == 0) {
                pt_buf_puts(out, values[i]);
                p += length;
                replaced = true;
            }
        }
        if (!replaced)
            pt_buf_append(out, p++, 1);
    }
}
