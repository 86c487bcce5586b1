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

void pt_goal_format_number(struct pt_buf *out, int64_t value, const char *language)
{
    char text[PT_I18N_NUMBER_MAX];
    size_t length = pt_i18n_write_number(text, sizeof(text),
                                         value > 0 ? (unsigned long long)value : 0,
                                         pt_i18n_lang(language));
    pt_buf_append(out, text, length);
}

void pt_goal_format_money(struct pt_buf *out, int64_t minor, const struct pt_currency *currency,
                          const char *language)
{
    pt_money_format_in(out, minor > 0 ? minor : 0, currency, language);
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
