/* A campaign's goal and its ticker (docs/API.md, "goal"): what the campaign
 * document names, the window the ledger's figure is counted over, and the
 * numbers as the reader's language writes them. Pure: the figure itself is
 * read by whoever builds the catalogue (struct pt_catalog_settings'
 * goal_counter), never on a request. */
#ifndef PATRON_GOAL_H
#define PATRON_GOAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pt_buf;
struct pt_currency;

enum pt_goal_kind {
    PT_GOAL_NONE,       /* the campaign has no goal: no ticker */
    PT_GOAL_SUPPORTERS, /* new supporters: pledges whose first payment fell in the window */
    PT_GOAL_AMOUNT,     /* money raised in the campaign's currency, less what came back */
};

enum pt_goal_period {
    PT_GOAL_CAMPAIGN, /* from the campaign's start to its end (either open) */
    PT_GOAL_MONTH,    /* the current calendar month (UTC), within the campaign's dates */
};

#define PT_GOAL_TARGET_MAX 1000000000000LL /* supporters, or minor units */
#define PT_GOAL_TEXT_MAX 200               /* bytes of one language's sentence */

struct pt_goal {
    enum pt_goal_kind kind;
    enum pt_goal_period period;
    int64_t target;    /* supporters, or minor units of the campaign's currency; > 0 */
    int64_t threshold; /* the ticker stays hidden while the figure is below it; 0: shown */
    /* The ledger's figure when the catalogue was built. */
    bool counted;   /* false: it could not be read, and the ticker is hidden */
    int64_t from;   /* the window counted: unix seconds, from included ... */
    int64_t to;     /* ... to excluded */
    int64_t figure; /* new supporters, or minor units; below 0 when more came back */
};

/* The window a goal counts over at now: the campaign's dates (starts_at 0:
 * from the beginning; ends_at 0: no end, else inclusive), or the calendar
 * month (UTC) of now within them. */
void pt_goal_window(enum pt_goal_period period, int64_t starts_at, int64_t ends_at, int64_t now,
                    int64_t *from, int64_t *to);

/* Whether the ticker shows: a goal, a figure read, and at least the threshold. */
bool pt_goal_shown(const struct pt_goal *goal);

/* A whole number as the language groups it: "1,234" in English, "1 234"
 * (a no-break space, U+00A0) in Russian. Negative numbers as 0. */
void pt_goal_format_number(struct pt_buf *out, int64_t value, const char *language);

/* An amount as pt_money_format_in writes it, never below 0: a figure less
 * what came back can dip under it. */
void pt_goal_format_money(struct pt_buf *out, int64_t minor, const struct pt_currency *currency,
                          const char *language);

/* An editor's sentence around the numbers: NULL when it may be used, else
 * what is wrong with it ("may use only {count} and {goal}"). */
const char *pt_goal_text_problem(const char *text);

/* Appends text with each {count} and {goal} replaced by count and goal. */
void pt_goal_fill(struct pt_buf *out, const char *text, const char *count, const char *goal);

#endif
