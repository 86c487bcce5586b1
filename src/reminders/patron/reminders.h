/* "Remind me later" by email: the month rule, sign-ups, the email itself,
 * and the job that sends the reminders due, one per address per month, then
 * forgets the address. */
#ifndef PATRON_REMINDERS_H
#define PATRON_REMINDERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "patron/buf.h"
#include "patron/crypto.h"
#include "patron/mail.h"
#include "patron/status.h"
#include "patron/store.h"
#include "patron/origins.h"

struct pt_month {
    int year;
    int month; /* 1 to 12 */
};

/* The month offered by default: before the 20th (UTC), next month; from the
 * 20th on, the month after. */
struct pt_month pt_reminders_default_month(int64_t now);
/* The month a unix time falls in (UTC). */
struct pt_month pt_reminders_month_of(int64_t now);
/* months later (may be negative). */
struct pt_month pt_reminders_add_months(struct pt_month month, int months);
/* A reader may choose next month or any of the 11 after it. */
bool pt_reminders_month_allowed(int64_t now, struct pt_month month);
/* "2027-01" <-> {2027, 1}. */
bool pt_reminders_month_parse(const char *text, struct pt_month *month);
void pt_reminders_month_format(struct pt_month month, char out[8]);
/* "January" / "январь"; in_month gives "in January" / "в январе". */
const char *pt_reminders_month_name(const char *language, int month);
const char *pt_reminders_in_month(const char *language, int month);

/* What a reader sends to sign up. Strings are borrowed. */
struct pt_reminder_request {
    const char *email;
    const char *month;    /* "2027-01"; NULL: the default month */
    const char *language; /* "en" or "ru" */
    const char *campaign; /* "" when unknown */
    const char *variant;
    const char *origin;   /* the address of patron's the reader asked on (a mirror, the
                             onion), kept sealed for the email's links; NULL: the primary */
};

/* Validates and stores a sign-up (crypto seals the address, and origins
 * says whether the request's address is kept). On success month holds the month chosen
 * and token the cancel token. The message says what is wrong, in the
 * reader's language. */
enum pt_status pt_reminders_sign_up(struct pt_store *store, const struct pt_crypto *crypto,
                                    const struct pt_origins *origins,
                                    const struct pt_reminder_request *request, int64_t now,
                                    struct pt_month *month, char *token, size_t token_size,
                                    bool *created, char *message, size_t message_size);

/* What the reminder email says. */
struct pt_reminder_email {
    const char *language;
    struct pt_month month;
    const char *newsroom;
    const char *support_url;
    const char *cancel_url;
    const char *subject; /* the newsroom's own wording (issue 14), verbatim; NULL for patron's */
};

void pt_reminders_render(const struct pt_reminder_email *email, struct pt_buf *subject,
                         struct pt_buf *text, struct pt_buf *html);

struct pt_reminders_job {
    struct pt_store *store;
    const struct pt_crypto *crypto;
    const struct pt_mail_settings *mail;
    const char *public_url;
    struct pt_origins origins; /* the email links to the address the reminder was asked on;
                                  zeroed: the primary */
    const char *newsroom;
    const char *lock_path; /* a file locked while a send runs */
    volatile int *stop;    /* set by a signal handler to stop between emails; may be NULL */
};

struct pt_reminders_report {
    int due;      /* addresses with a reminder due */
    int sent;
    int failed;   /* refused for good: erased and counted */
    int deferred; /* the server could not take them now, or this key cannot open them:
                     kept for the next run */
};

/* Sends every reminder due in now's month or before: one email per address,
 * then erases that address's reminders in the same transaction that counts
 * the email. A kill between an email and its commit resends that one email
 * on the next run, never more. PT_ERR_CONFLICT if another send holds the lock. */
enum pt_status pt_reminders_send_due(const struct pt_reminders_job *job, int64_t now,
                                     struct pt_reminders_report *report);

#endif
