/* Every fixed phrase patron says to readers and donors, in every language it
 * speaks: one table indexed by message and language (src/i18n.c). Adding a
 * language is one more enum pt_lang value and one more cell per message; the
 * unit test (tests/unit/test_i18n.c) fails until every cell is filled and
 * keeps each translation's printf conversions the same as the English. */
#ifndef PATRON_I18N_H
#define PATRON_I18N_H

#include <stddef.h>

enum pt_lang {
    PT_LANG_EN, /* also what any language patron does not speak falls back to */
    PT_LANG_RU,
    PT_LANG_COUNT
};

/* The language a tag asks for: "ru" and any "ru-…" tag are Russian;
 * everything else (NULL, "", "en", "de", "RU") is English. */
enum pt_lang pt_i18n_lang(const char *code);
/* The tag patron writes for a language ("en", "ru"): in html lang, in links
 * and in the store. */
const char *pt_i18n_code(enum pt_lang lang);

/* Messages are grouped by the module that says them. A comment "(format:
 * …)" gives the arguments of a printf-style message; the others contain no
 * conversions and are written with a plain puts. */
enum pt_msg {
    /* --- money: refusing a typed amount, the rules, the statement */
    PT_MSG_MONEY_NUMBER,
    PT_MSG_MONEY_AMBIGUOUS,
    PT_MSG_MONEY_FRACTION,
    PT_MSG_MONEY_WHOLE, /* (format: currency code) */
    PT_MSG_MONEY_LARGE,
    PT_MSG_MONEY_MINIMUM, /* (format: amount, one of the _MINIMUM_PER_ suffixes or "") */
    PT_MSG_MONEY_MINIMUM_PER_MONTH,
    PT_MSG_MONEY_MINIMUM_PER_YEAR,
    PT_MSG_MONEY_MAXIMUM, /* (format: amount) */
    /* "You will give $5 every month": Russian conjugates the verb by
     * frequency, so one-off and recurring are two messages. */
    PT_MSG_MONEY_STATEMENT_ONCE,
    PT_MSG_MONEY_STATEMENT_RECURRING,
    PT_MSG_MONEY_EVERY_MONTH,
    PT_MSG_MONEY_EVERY_YEAR,
    PT_MSG_MONEY_JUST_ONCE,

    /* --- reminders: month names ("January"), then "in January"; each run
     * of twelve is consecutive, so month m is PT_MSG_MONTH_JANUARY + m - 1 */
    PT_MSG_MONTH_JANUARY,
    PT_MSG_MONTH_FEBRUARY,
    PT_MSG_MONTH_MARCH,
    PT_MSG_MONTH_APRIL,
    PT_MSG_MONTH_MAY,
    PT_MSG_MONTH_JUNE,
    PT_MSG_MONTH_JULY,
    PT_MSG_MONTH_AUGUST,
    PT_MSG_MONTH_SEPTEMBER,
    PT_MSG_MONTH_OCTOBER,
    PT_MSG_MONTH_NOVEMBER,
    PT_MSG_MONTH_DECEMBER,
    PT_MSG_IN_MONTH_JANUARY,
    PT_MSG_IN_MONTH_FEBRUARY,
    PT_MSG_IN_MONTH_MARCH,
    PT_MSG_IN_MONTH_APRIL,
    PT_MSG_IN_MONTH_MAY,
    PT_MSG_IN_MONTH_JUNE,
    PT_MSG_IN_MONTH_JULY,
    PT_MSG_IN_MONTH_AUGUST,
    PT_MSG_IN_MONTH_SEPTEMBER,
    PT_MSG_IN_MONTH_OCTOBER,
    PT_MSG_IN_MONTH_NOVEMBER,
    PT_MSG_IN_MONTH_DECEMBER,
    /* sign-up refusals */
    PT_MSG_REMIND_BAD_ADDRESS,
    PT_MSG_REMIND_BAD_MONTH,
    PT_MSG_REMIND_NOT_SAVED,
    /* the reminder email */
    PT_MSG_REMIND_EMAIL_SUBJECT, /* (format: newsroom) */
    PT_MSG_REMIND_EMAIL_HELLO,
    PT_MSG_REMIND_EMAIL_ASKED, /* (format: "in March", newsroom) */
    PT_MSG_REMIND_EMAIL_SUPPORT,
    PT_MSG_REMIND_EMAIL_NO_MORE,
    PT_MSG_REMIND_EMAIL_UNSUBSCRIBE,
    /* the sign-up form and its answers (reminder_routes) */
    PT_MSG_REMIND_FORM_INTRO,
    PT_MSG_REMIND_FORM_EMAIL,
    PT_MSG_REMIND_FORM_MONTH,
    PT_MSG_REMIND_FORM_BUTTON, /* (format: "in March") */
    PT_MSG_REMIND_TOO_MANY,
    PT_MSG_REMIND_DONE, /* (format: "in March") */
    /* the cancel page */
    PT_MSG_REMIND_CANCEL_TITLE,
    PT_MSG_REMIND_CANCEL_INCOMPLETE,
    PT_MSG_REMIND_CANCEL_INCOMPLETE_BODY,
    PT_MSG_REMIND_CANCEL_ASK,
    PT_MSG_REMIND_CANCEL_ASK_BODY,
    PT_MSG_REMIND_CANCEL_BUTTON,
    PT_MSG_REMIND_CANCEL_DONE,
    PT_MSG_REMIND_CANCEL_DONE_BODY,
    PT_MSG_REMIND_CANCEL_NOTHING,
    PT_MSG_REMIND_CANCEL_NOTHING_BODY,
    PT_MSG_REMIND_CANCEL_LATER,
    PT_MSG_REMIND_CANCEL_LATER_BODY,

    /* --- the appeal, its dismissal and the support page (render, pages).
     * The appeal reads these when the catalogue is built, never per
     * request. */
    PT_MSG_PAGE_HOW_OFTEN,
    PT_MSG_PAGE_MONTHLY,
    PT_MSG_PAGE_ONE_OFF,
    PT_MSG_PAGE_ANNUAL,
    PT_MSG_PAGE_AMOUNT,
    PT_MSG_PAGE_OTHER,
    PT_MSG_PAGE_SUPPORT,
    PT_MSG_PAGE_LATER,
    PT_MSG_PAGE_SUPPORTING,
    PT_MSG_PAGE_CLOSE,
    PT_MSG_PAGE_REGION_LABEL,
    PT_MSG_PAGE_DISMISSED,
    PT_MSG_PAGE_SUPPORT_TITLE,
    PT_MSG_PAGE_SUPPORT_INTRO,
    PT_MSG_PAGE_CURRENCY,
    PT_MSG_PAGE_OTHER_AMOUNT,
    PT_MSG_PAGE_CONTINUE,
    PT_MSG_PAGE_PENDING_TITLE,
    PT_MSG_PAGE_PENDING_BODY,
    PT_MSG_PAGE_NOT_SET_UP,
    PT_MSG_PAGE_BACK,
    PT_MSG_PAGE_FIX_BELOW,
    PT_MSG_PAGE_CLOSED,
    PT_MSG_PAGE_THANKS_SUPPORTING,
    /* --- the appeal's menu: what this device keeps (web/widget.js) */
    PT_MSG_TRACE_MENU,
    PT_MSG_TRACE_EXPLAIN,
    PT_MSG_TRACE_REMEMBER,
    PT_MSG_TRACE_FORGET,
    PT_MSG_TRACE_NOTHING,
    PT_MSG_TRACE_FORGOTTEN,
    PT_MSG_TRACE_KEEP,
    PT_MSG_REMIND_FAILED,
    PT_MSG_PAGE_CHECK_TITLE,
    PT_MSG_PAGE_TO_PAYMENT,
    PT_MSG_PAGE_CHANGE,
    PT_MSG_PAGE_SHOW_CURRENCY,
    PT_MSG_PAGE_CURRENCY_CHANGED,
    PT_MSG_PAGE_BOTH_AMOUNTS,
    PT_MSG_PAGE_ENTER_AMOUNT,
    PT_MSG_PAGE_CHOOSE_FREQUENCY,
    PT_MSG_PAGE_UNKNOWN_CURRENCY,
    PT_MSG_PAGE_TRUST,
    PT_MSG_PAGE_TRUST_BY,
    PT_MSG_PAGE_EMAIL,
    PT_MSG_PAGE_EMAIL_NEEDED,
    PT_MSG_PAGE_HOW_TO_PAY,
    PT_MSG_PAGE_METHOD_CARD,
    PT_MSG_PAGE_METHOD_FIRST_ONLY,
    PT_MSG_PAGE_METHOD_UNKNOWN,
    PT_MSG_PAGE_AMOUNT_BELOW_PROCESSOR,
    PT_MSG_PAGE_FORM_UNREADABLE,
    PT_MSG_PAGE_TOO_MANY,
    PT_MSG_PAGE_NOT_SAVED,
    PT_MSG_PAGE_PROCESSOR_DOWN,

    /* --- pledges and their pages (payment_routes, pledges) */
    /* how often, after an amount: "$5 a month" */
    PT_MSG_PLEDGE_A_MONTH,
    PT_MSG_PLEDGE_A_YEAR,
    PT_MSG_PLEDGE_ONCE,
    /* a pledge's status, as the donor reads it */
    PT_MSG_PLEDGE_STATUS_ACTIVE,
    PT_MSG_PLEDGE_STATUS_COMPLETED,
    PT_MSG_PLEDGE_STATUS_PAST_DUE,
    PT_MSG_PLEDGE_STATUS_PAUSED,
    PT_MSG_PLEDGE_STATUS_CANCELLED,
    PT_MSG_PLEDGE_STATUS_PENDING,
    /* the checkout's description: "<newsroom>: monthly support" */
    PT_MSG_PLEDGE_CHECKOUT_MONTHLY,
    PT_MSG_PLEDGE_CHECKOUT_ANNUAL,
    PT_MSG_PLEDGE_CHECKOUT_ONE_OFF,
    /* the donor's emails: subject and first line per kind, then the rest */
    PT_MSG_PLEDGE_EMAIL_THANKS_SUBJECT,
    PT_MSG_PLEDGE_EMAIL_THANKS_LEAD,
    PT_MSG_PLEDGE_EMAIL_RECEIPT_SUBJECT,
    PT_MSG_PLEDGE_EMAIL_RECEIPT_LEAD,
    PT_MSG_PLEDGE_EMAIL_FAILED_SUBJECT,
    PT_MSG_PLEDGE_EMAIL_FAILED_LEAD,
    PT_MSG_PLEDGE_EMAIL_CANCELLED_SUBJECT,
    PT_MSG_PLEDGE_EMAIL_CANCELLED_LEAD,
    PT_MSG_PLEDGE_EMAIL_MAGIC_SUBJECT,
    PT_MSG_PLEDGE_EMAIL_MAGIC_LEAD,
    PT_MSG_PLEDGE_EMAIL_AMOUNT,
    PT_MSG_PLEDGE_EMAIL_MANAGE,
    PT_MSG_PLEDGE_EMAIL_OPEN_MANAGE,
    /* the thank-you page */
    PT_MSG_THANKS_TITLE,
    PT_MSG_THANKS_HEADING,
    PT_MSG_THANKS_YOUR_SUPPORT,
    PT_MSG_THANKS_CONFIRMED,
    PT_MSG_THANKS_WAITING,
    PT_MSG_THANKS_RELOAD,         /* English only until now (an error page) */
    PT_MSG_THANKS_NO_SUCH_PLEDGE, /* English only until now (an error page) */
    /* the manage page, its cancel confirmation and its notices */
    PT_MSG_MANAGE_TITLE,
    PT_MSG_MANAGE_LINK_INVALID,
    PT_MSG_MANAGE_NEW_AMOUNT,
    PT_MSG_MANAGE_CHANGE_AMOUNT,
    PT_MSG_MANAGE_RESUME,
    PT_MSG_MANAGE_PAUSE,
    PT_MSG_MANAGE_UPDATE_CARD,
    PT_MSG_MANAGE_CANCEL,
    PT_MSG_MANAGE_CANCEL_TITLE,
    PT_MSG_MANAGE_CANCEL_HEADING,
    PT_MSG_MANAGE_CANCEL_NO_MORE_CHARGES,
    PT_MSG_MANAGE_CANCEL_YES,
    PT_MSG_MANAGE_CANCEL_KEEP,
    PT_MSG_MANAGE_AMOUNT_CHANGED,
    PT_MSG_MANAGE_PAUSED,
    PT_MSG_MANAGE_RESUMED,
    PT_MSG_MANAGE_CANCELLED,
    PT_MSG_MANAGE_UNAVAILABLE,
    PT_MSG_MANAGE_PROCESSOR_DOWN,
    PT_MSG_MANAGE_FAILED,
    /* the list of an address's pledges that a magic link opens */
    PT_MSG_MANAGE_LIST_INTRO,
    PT_MSG_MANAGE_LIST_LINK,
    /* /manage/lost: asking for a new link */
    PT_MSG_LOST_TITLE,
    PT_MSG_LOST_HEADING,
    PT_MSG_LOST_INTRO,
    PT_MSG_LOST_EMAIL_LABEL,
    PT_MSG_LOST_BUTTON,
    PT_MSG_LOST_TOO_MANY,
    PT_MSG_LOST_TOO_MANY_BODY,
    PT_MSG_LOST_BAD_ADDRESS,
    PT_MSG_LOST_BAD_ADDRESS_BODY,
    PT_MSG_LOST_LATER,
    PT_MSG_LOST_LATER_BODY,
    PT_MSG_LOST_SENT,
    PT_MSG_LOST_SENT_BODY,
    /* /manage/magic: the link from that email */
    PT_MSG_MAGIC_TITLE,
    PT_MSG_MAGIC_INCOMPLETE,
    PT_MSG_MAGIC_CONTINUE,
    PT_MSG_MAGIC_EXPIRED,
    PT_MSG_MAGIC_ASK_NEW,
    /* the support page's choice of rail */
    PT_MSG_RAIL_LEGEND,
    PT_MSG_RAIL_ONLINE, /* (format: the processor's name) */
    PT_MSG_RAIL_UNKNOWN,
    PT_MSG_PAGE_EMAIL_OPTIONAL,
    /* a bank transfer: what to transfer, on the thank-you and manage pages */
    PT_MSG_BANK_RAIL,
    PT_MSG_BANK_HEADING,
    PT_MSG_BANK_ONCE,    /* (format: the amount) */
    PT_MSG_BANK_MONTHLY, /* (format: the amount) */
    PT_MSG_BANK_ANNUAL,  /* (format: the amount) */
    PT_MSG_BANK_HOLDER,
    PT_MSG_BANK_IBAN,
    PT_MSG_BANK_BIC,
    PT_MSG_BANK_BANK,
    PT_MSG_BANK_AMOUNT,
    PT_MSG_BANK_REFERENCE,
    PT_MSG_BANK_REFERENCE_HELP,
    PT_MSG_BANK_QR,
    PT_MSG_BANK_STANDING_ORDER,
    PT_MSG_BANK_PRIVACY, /* (format: the account holder) */
    PT_MSG_BANK_ARRIVED,
    PT_MSG_BANK_MANAGE,
    PT_MSG_PLEDGE_EMAIL_LAPSED_SUBJECT,
    PT_MSG_PLEDGE_EMAIL_LAPSED_LEAD,
    PT_MSG_PLEDGE_EMAIL_RAIL,
    PT_MSG_CRYPTO_RAIL,
    /* a monthly crypto pledge: the month's email and its link's page */
    PT_MSG_CRYPTO_MONTH_SUBJECT,
    PT_MSG_CRYPTO_MONTH_LEAD,
    PT_MSG_CRYPTO_MONTH_PAY,
    PT_MSG_CRYPTO_MONTH_TITLE,
    PT_MSG_CRYPTO_MONTH_EXPIRED,
    PT_MSG_CRYPTO_MONTH_ENDED,
    PT_MSG_CRYPTO_MONTH_UNAVAILABLE,

    PT_MSG_ERASE_EMAIL_LINK,
    PT_MSG_PAGE_CARD_ASKS_EMAIL,
    PT_MSG_PAGE_NO_EMAIL_RAIL,
    PT_MSG_CODE_HEADING,
    PT_MSG_CODE_INTRO,
    PT_MSG_CODE_ONCE,
    PT_MSG_CODE_LOST,
    PT_MSG_CODE_SHOWN_BEFORE,
    PT_MSG_CODE_TITLE,
    PT_MSG_CODE_PAGE_INTRO,
    PT_MSG_CODE_LABEL,
    PT_MSG_CODE_BUTTON,
    PT_MSG_CODE_REFUSED,
    PT_MSG_CODE_LINK,
    PT_MSG_CODE_MANAGE_ABOUT,
    PT_MSG_CODE_MANAGE_NEW,
    PT_MSG_CODE_MANAGE_ROTATE,
    PT_MSG_CODE_NEW_SHOWN,
    PT_MSG_ERASE_TITLE,
    PT_MSG_ERASE_INTRO,
    PT_MSG_ERASE_RUNNING,
    PT_MSG_ERASE_BUTTON,
    PT_MSG_ERASE_BUTTON_CANCEL,
    PT_MSG_ERASE_DONE,
    PT_MSG_ERASE_DONE_BODY,
    PT_MSG_ERASE_NOTHING,
    PT_MSG_ERASE_INVALID,
    PT_MSG_ERASE_FAILED,

    /* --- the newsletter appeal (/embed/email): its words, then why a
     * newsletter tool gets none */
    PT_MSG_NEWSLETTER_CHOOSE,
    PT_MSG_NEWSLETTER_NO_CAMPAIGN,
    PT_MSG_NEWSLETTER_FORMAT,
    PT_MSG_NEWSLETTER_UNKNOWN_CAMPAIGN, /* (format: campaign id) */
    PT_MSG_NEWSLETTER_DRAFT,            /* (format: campaign id) */
    PT_MSG_NEWSLETTER_NOT_STARTED,      /* (format: campaign id) */
    PT_MSG_NEWSLETTER_ENDED,            /* (format: campaign id) */
    PT_MSG_NEWSLETTER_UNKNOWN_VARIANT,  /* (format: campaign id, variant id) */
    PT_MSG_NEWSLETTER_LANGUAGE,         /* (format: campaign id, language tag) */
    /* --- the goal ticker's sentence when the editor wrote none ({count}, {goal}) */
    PT_MSG_GOAL_SUPPORTERS,
    PT_MSG_GOAL_SUPPORTERS_MONTH,
    PT_MSG_GOAL_AMOUNT,
    PT_MSG_GOAL_AMOUNT_MONTH,
    /* --- supporters recognised on every device (/supporter): the link in
     * every donor email and on the thank-you page, the page that emails it,
     * and the page the link opens */
    PT_MSG_SUPPORTER_LINK,
    PT_MSG_SUPPORTER_EMAIL_SUBJECT,
    PT_MSG_SUPPORTER_EMAIL_LEAD,
    PT_MSG_SUPPORTER_TITLE,
    PT_MSG_SUPPORTER_INTRO,
    PT_MSG_SUPPORTER_EMAIL_LABEL,
    PT_MSG_SUPPORTER_ASK_BUTTON,
    PT_MSG_SUPPORTER_SENT,
    PT_MSG_SUPPORTER_SENT_BODY,
    PT_MSG_SUPPORTER_DEVICE_INTRO,
    PT_MSG_SUPPORTER_DEVICE_BUTTON,
    PT_MSG_SUPPORTER_DONE,
    PT_MSG_SUPPORTER_DONE_BODY,
    PT_MSG_SUPPORTER_INVALID,
    PT_MSG_SUPPORTER_INVALID_BODY,
    PT_MSG_SUPPORTER_ASK_LINK,
    /* --- placeholders: a count's noun in each of the language's plural
     * forms, separated by '|', in pt_i18n_plural's order */
    PT_MSG_COUNT_ARTICLES,
    PT_MSG_COUNT_WEEKS,
    PT_MSG_NEWSLETTER_COUNTS_ARTICLES, /* (format: campaign id, variant id) */
    PT_MSG_COUNT
};

/* The message in that language: a static string, never NULL. A message or
 * language out of range (a bug) gives "". */
const char *pt_i18n_text(enum pt_msg msg, enum pt_lang lang);

/* Writes n as the language groups its digits ("1,234" in English, "1 234"
 * with a no-break space U+00A0 in Russian) into out, size bytes
 * (PT_I18N_NUMBER_MAX are always enough; fewer cut it), NUL-terminated;
 * answers the length. No allocation: the appeal's request path uses it. */
#define PT_I18N_NUMBER_MAX 40 /* 20 digits, 6 two-byte separators, NUL */
size_t pt_i18n_write_number(char *out, size_t size, unsigned long long n, enum pt_lang lang);

/* Which of the language's plural forms a whole number takes, as CLDR's
 * cardinal rules have it: English one (1) and other (0, 2, 3, ...);
 * Russian one (1, 21, 31, ... but not 11), few (2-4, 22-24, ... but not
 * 12-14) and many (0, 5-20, 25-30, ...). The index into a PT_MSG_COUNT_…
 * phrase's forms. */
unsigned pt_i18n_plural(enum pt_lang lang, unsigned long long n);

/* The form of a PT_MSG_COUNT_… phrase that n takes ("articles",
 * "статьи"): a pointer into the static table, length bytes long (not
 * NUL-terminated there). */
const char *pt_i18n_plural_form(enum pt_msg phrase, enum pt_lang lang, unsigned long long n,
                                size_t *length);

#endif
