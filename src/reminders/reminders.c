#include "patron/reminders.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "patron/alloc.h"
#include "patron/i18n.h"
#include "patron/log.h"

/* ------------------------------------------------------------ months */

struct pt_month pt_reminders_month_of(int64_t now)
{
    time_t seconds = (time_t)now;
    struct tm tm;
    gmtime_r(&seconds, &tm);
    return (struct pt_month){tm.tm_year + 1900, tm.tm_mon + 1};
}

struct pt_month pt_reminders_add_months(struct pt_month month, int months)
{
    int index = month.year * 12 + (month.month - 1) + months;
    return (struct pt_month){index / 12, index % 12 + 1};
}

struct pt_month pt_reminders_default_month(int64_t now)
{
    time_t seconds = (time_t)now;
    struct tm tm;
    gmtime_r(&seconds, &tm);
    /* The Guardian's rule: late in the month, "next month" is too soon to
     * feel like a reminder, so offer the one after. */
    return pt_reminders_add_months(pt_reminders_month_of(now), tm.tm_mday < 20 ? 1 : 2);
}

static int month_index(struct pt_month month)
{
    return month.year * 12 + month.month - 1;
}

bool pt_reminders_month_allowed(int64_t now, struct pt_month month)
{
    int offset = month_index(month) - month_index(pt_reminders_month_of(now));
    return offset >= 1 && offset <= 12;
}

bool pt_reminders_month_parse(const char *text, struct pt_month *month)
{
    if (text == NULL || strlen(text) != 7 || text[4] != '-')
        return false;
    for (int i = 0; i < 7; i++) {
        if (i != 4 && (text[i] < '0' || text[i] > '9'))
            return false;
    }
    month->year = (text[0] - '0') * 1000 + (text[1] - '0') * 100 + (text[2] - '0') * 10 +
                  (text[3] - '0');
    month->month = (text[5] - '0') * 10 + (text[6] - '0');
    return month->month >= 1 && month->month <= 12 && month->year >= 2000;
}

void pt_reminders_month_format(struct pt_month month, char out[8])
{
    unsigned year = (unsigned)month.year % 10000u, number = (unsigned)month.month % 100u;
    snprintf(out, 8, "%04u-%02u", year, number);
}

const char *pt_reminders_month_name(const char *language, int month)
{
    if (month < 1 || month > 12)
        return "";
    return pt_i18n_text((enum pt_msg)(PT_MSG_MONTH_JANUARY + month - 1), pt_i18n_lang(language));
}

const char *pt_reminders_in_month(const char *language, int month)
{
    if (month < 1 || month > 12)
        return "";
    return pt_i18n_text((enum pt_msg)(PT_MSG_IN_MONTH_JANUARY + month - 1), pt_i18n_lang(language));
}

/* ------------------------------------------------------------ sign-up */

enum pt_status pt_reminders_sign_up(struct pt_store *store, const struct pt_crypto *crypto,
                                    const struct pt_origins *origins,
                                    const struct pt_reminder_request *request, int64_t now,
                                    struct pt_month *month, char *token, size_t token_size,
                                    bool *created, char *message, size_t message_size)
{
    enum pt_lang lang = pt_i18n_lang(request->language);
    const char *language = pt_i18n_code(lang);
    char email[255];
    if (request->email == NULL || pt_crypto_normalise_email(request->email, email) != PT_OK) {
        snprintf(message, message_size, "%s", pt_i18n_text(PT_MSG_REMIND_BAD_ADDRESS, lang));
        return PT_ERR_INVALID;
    }
    if (request->month == NULL || request->month[0] == '\0') {
        *month = pt_reminders_default_month(now);
    } else if (!pt_reminders_month_parse(request->month, month) ||
               !pt_reminders_month_allowed(now, *month)) {
        snprintf(message, message_size, "%s", pt_i18n_text(PT_MSG_REMIND_BAD_MONTH, lang));
        return PT_ERR_INVALID;
    }
    struct pt_reminder reminder;
    memset(&reminder, 0, sizeof(reminder));
    pt_crypto_lookup_hash(crypto, email, reminder.email_hash);
    unsigned char *sealed = NULL;
    pt_crypto_seal(crypto, email, &sealed, &reminder.email_sealed_length);
    reminder.email_sealed = sealed;
    pt_reminders_month_format(*month, reminder.month);
    snprintf(reminder.language, sizeof(reminder.language), "%s", language);
    snprintf(reminder.campaign, sizeof(reminder.campaign), "%s",
             pt_catalog_is_id(request->campaign) ? request->campaign : "");
    snprintf(reminder.variant, sizeof(reminder.variant), "%s",
             pt_catalog_is_id(request->variant) ? request->variant : "");
    char fresh[PT_CRYPTO_TOKEN_CHARS + 1];
    pt_crypto_token(fresh);
    snprintf(reminder.cancel_token, sizeof(reminder.cancel_token), "%s", fresh);
    reminder.created_at = now;
    unsigned char *origin_sealed = NULL;
    pt_origins_seal(origins, crypto, request->origin, &origin_sealed,
                    &reminder.origin_sealed_length);
    reminder.origin_sealed = origin_sealed;
    enum pt_status status = pt_store_reminder_upsert(store, &reminder, token, token_size, created);
    free(sealed);
    free(origin_sealed);
    sodium_memzero(email, sizeof(email));
    if (status)
        snprintf(message, message_size, "%s", pt_i18n_text(PT_MSG_REMIND_NOT_SAVED, lang));
    return status;
}

/* -------------------------------------------------------------- email */

void pt_reminders_render(const struct pt_reminder_email *email, struct pt_buf *subject,
                         struct pt_buf *text, struct pt_buf *html)
{
    enum pt_lang lang = pt_i18n_lang(email->language);
    const char *in_month = pt_reminders_in_month(email->language, email->month.month);
    if (email->subject != NULL && email->subject[0] != '\0')
        pt_buf_puts(subject, email->subject);
    else
        pt_buf_printf(subject, pt_i18n_text(PT_MSG_REMIND_EMAIL_SUBJECT, lang), email->newsroom);
    struct pt_buf asked;
    pt_buf_init(&asked);
    pt_buf_printf(&asked, pt_i18n_text(PT_MSG_REMIND_EMAIL_ASKED, lang), in_month, email->newsroom);

    pt_buf_printf(text, "%s\n\n%s\n\n%s: %s\n\n%s\n\n%s: %s\n",
                  pt_i18n_text(PT_MSG_REMIND_EMAIL_HELLO, lang), asked.data,
                  pt_i18n_text(PT_MSG_REMIND_EMAIL_SUPPORT, lang), email->support_url,
                  pt_i18n_text(PT_MSG_REMIND_EMAIL_NO_MORE, lang),
                  pt_i18n_text(PT_MSG_REMIND_EMAIL_UNSUBSCRIBE, lang), email->cancel_url);

    pt_buf_printf(html,
                  "<!doctype html><html lang=\"%s\"><head><meta charset=\"utf-8\">"
                  "<title>",
                  pt_i18n_code(lang));
    pt_buf_html(html, subject->data, subject->length);
    pt_buf_puts(html, "</title></head><body style=\"font-family:sans-serif;line-height:1.5;"
                      "max-width:34rem\"><p>");
    pt_buf_puts(html, pt_i18n_text(PT_MSG_REMIND_EMAIL_HELLO, lang));
    pt_buf_puts(html, "</p><p>");
    pt_buf_html(html, asked.data, asked.length);
    pt_buf_dispose(&asked);
    pt_buf_puts(html, "</p><p><a href=\"");
    pt_buf_html_str(html, email->support_url);
    pt_buf_puts(html, "\" style=\"display:inline-block;padding:.6em 1.2em;background:#0b5cad;"
                      "color:#fff;text-decoration:none;border-radius:4px\">");
    pt_buf_puts(html, pt_i18n_text(PT_MSG_REMIND_EMAIL_SUPPORT, lang));
    pt_buf_puts(html, "</a></p><p style=\"color:#555\">");
    pt_buf_puts(html, pt_i18n_text(PT_MSG_REMIND_EMAIL_NO_MORE, lang));
    pt_buf_puts(html, " <a href=\"");
    pt_buf_html_str(html, email->cancel_url);
    pt_buf_puts(html, "\">");
    pt_buf_puts(html, pt_i18n_text(PT_MSG_REMIND_EMAIL_UNSUBSCRIBE, lang));
    pt_buf_puts(html, "</a></p></body></html>\n");
}

/* --------------------------------------------------------------- send */

struct due_group {
    unsigned char email_hash[32];
    unsigned char *sealed;
    size_t sealed_length;
    unsigned char *origin_sealed; /* the latest month's, or NULL */
    size_t origin_sealed_length;
    char month[8]; /* the latest month due for this address */
    char language[PT_LANGUAGE_MAX];
    char campaign[PT_ID_MAX];
    char variant[PT_ID_MAX];
    char cancel_token[48];
};

struct due_list {
    struct due_group *groups;
    size_t count, capacity;
};

/* Rows arrive ordered by address hash, then month: one group per address,
 * described by its latest month. */
static void collect_due(void *context, const struct pt_reminder *reminder)
{
    struct due_list *list = context;
    struct due_group *group = list->count ? &list->groups[list->count - 1] : NULL;
    if (group == NULL || memcmp(group->email_hash, reminder->email_hash, 32) != 0) {
        if (list->count == list->capacity) {
            list->capacity = list->capacity ? list->capacity * 2 : 64;
            list->groups = pt_xrealloc(list->groups, list->capacity * sizeof(*list->groups));
        }
        group = &list->groups[list->count++];
        memset(group, 0, sizeof(*group));
        memcpy(group->email_hash, reminder->email_hash, 32);
    }
    free(group->sealed);
    group->sealed = pt_xmalloc(reminder->email_sealed_length);
    memcpy(group->sealed, reminder->email_sealed, reminder->email_sealed_length);
    group->sealed_length = reminder->email_sealed_length;
    free(group->origin_sealed);
    group->origin_sealed = NULL;
    group->origin_sealed_length = 0;
    if (reminder->origin_sealed != NULL && reminder->origin_sealed_length > 0) {
        group->origin_sealed = pt_xmalloc(reminder->origin_sealed_length);
        memcpy(group->origin_sealed, reminder->origin_sealed, reminder->origin_sealed_length);
        group->origin_sealed_length = reminder->origin_sealed_length;
    }
    snprintf(group->month, sizeof(group->month), "%s", reminder->month);
    snprintf(group->language, sizeof(group->language), "%s", reminder->language);
    snprintf(group->campaign, sizeof(group->campaign), "%s", reminder->campaign);
    snprintf(group->variant, sizeof(group->variant), "%s", reminder->variant);
    snprintf(group->cancel_token, sizeof(group->cancel_token), "%s", reminder->cancel_token);
}

static void send_group(const struct pt_reminders_job *job, const struct due_group *group,
                       struct pt_reminders_report *report)
{
    char *address = NULL;
    if (pt_crypto_open(job->crypto, group->sealed, group->sealed_length, &address) != PT_OK) {
        /* Sealed with another key. The key check at start makes this a
         * database that mixes keys; the right key may come back, so the
         * reminder stays as it is and the run says so. */
        pt_log(PT_LOG_ERROR,
               "a reminder for %s cannot be opened with this key file; "
               "it is kept for a run with the right key",
               group->month);
        report->deferred++;
        return;
    }
    struct pt_month month;
    pt_reminders_month_parse(group->month, &month);
    struct pt_buf support, cancel, subject, text, html;
    pt_buf_init(&support);
    pt_buf_init(&cancel);
    pt_buf_init(&subject);
    pt_buf_init(&text);
    pt_buf_init(&html);
    /* The address the reader asked on: a mirror or the onion when their
     * country blocks the newsroom's domain. */
    struct pt_origins origins = job->origins;
    origins.primary = job->public_url;
    const char *origin =
        pt_origins_for_email(&origins, job->crypto, group->origin_sealed, group->origin_sealed_length);
    pt_buf_printf(&support, "%s/support?lang=%s", origin, group->language);
    if (group->campaign[0] != '\0')
        pt_buf_printf(&support, "&campaign=%s&variant=%s", group->campaign, group->variant);
    pt_buf_printf(&cancel, "%s/reminders/cancel?token=%s&lang=%s", origin,
                  group->cancel_token, group->language);
    struct pt_reminder_email email = {
        group->language, month, job->newsroom, support.data, cancel.data,
        pt_mail_subject(job->mail, "reminder", pt_i18n_lang(group->language))};
    pt_reminders_render(&email, &subject, &text, &html);
    struct pt_mail_message message = {address, subject.data, text.data, html.data, cancel.data};
    char error[512] = "";
    enum pt_mail_result result = pt_mail_send(job->mail, &message, error, sizeof(error));
    if (result == PT_MAIL_SENT) {
        if (pt_store_reminder_done(job->store, group->email_hash, group->month, group->month,
                                   "sent") == PT_OK)
            report->sent++;
        else
            pt_log(PT_LOG_ERROR,
                   "a reminder was sent but could not be marked (%s); it may be sent once more "
                   "on the next run",
                   pt_store_last_error());
    } else if (result == PT_MAIL_PERMANENT) {
        pt_log(PT_LOG_WARNING, "the mail server refused a reminder for good: %s", error);
        if (pt_store_reminder_done(job->store, group->email_hash, group->month, group->month,
                                   "failed") == PT_OK)
            report->failed++;
    } else {
        pt_log(PT_LOG_ERROR, "a reminder could not be sent now, kept for the next run: %s", error);
        report->deferred++;
    }
    sodium_memzero(address, strlen(address));
    free(address);
    pt_buf_dispose(&support);
    pt_buf_dispose(&cancel);
    pt_buf_dispose(&subject);
    pt_buf_dispose(&text);
    pt_buf_dispose(&html);
}

enum pt_status pt_reminders_send_due(const struct pt_reminders_job *job, int64_t now,
                                     struct pt_reminders_report *report)
{
    memset(report, 0, sizeof(*report));
    /* Two sends at once (cron and the server's own schedule) could both
     * pick the same reminder: a lock on a file makes them take turns. */
    int lock = open(job->lock_path, O_RDWR | O_CREAT, 0600);
    if (lock < 0)
        return PT_ERR_IO;
    if (flock(lock, LOCK_EX | LOCK_NB) != 0) {
        close(lock);
        return PT_ERR_CONFLICT;
    }
    char month[8];
    pt_reminders_month_format(pt_reminders_month_of(now), month);
    struct due_list list = {0};
    enum pt_status status = pt_store_reminders_due(job->store, month, collect_due, &list);
    if (status == PT_OK) {
        report->due = (int)list.count;
        for (size_t i = 0; i < list.count; i++) {
            if (job->stop != NULL && *job->stop)
                break;
            send_group(job, &list.groups[i], report);
        }
    }
    for (size_t i = 0; i < list.count; i++) {
        free(list.groups[i].sealed);
        free(list.groups[i].origin_sealed);
    }
    free(list.groups);
    flock(lock, LOCK_UN);
    close(lock);
    return status;
}
