/* Email over SMTP with libcurl: one message at a time, plain text and HTML,
 * with the one-click unsubscribe headers every patron email carries. The
 * only module that speaks SMTP. */
#ifndef PATRON_MAIL_H
#define PATRON_MAIL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "patron/buf.h"
#include "patron/i18n.h"

/* The emails whose subjects the newsroom may word itself (issue 14), in the
 * order of pt_mail_settings.subjects: "thanks", "receipt", "failed",
 * "cancelled", "lapsed", "crypto_month", "magic", "reminder". */
#define PT_MAIL_SUBJECT_KINDS 8
extern const char *const pt_mail_subject_kinds[PT_MAIL_SUBJECT_KINDS];

struct pt_mail_settings {
    const char *url;      /* smtp://host:port or smtps://host:port */
    bool starttls;        /* require STARTTLS on smtp:// */
    const char *username; /* "" for none */
    const char *password;
    const char *from;     /* the sender's address */
    const char *from_name;
    int timeout_seconds;
    int retries;          /* further tries after a transient failure */
    int retry_delay_ms;   /* doubled after each try */
    const atomic_bool *stop; /* when it becomes true, sending ends at once; may be NULL */
    /* The newsroom's own subjects: [kind][0] for every language, [kind][1 +
     * lang] for one; NULL or "" falls back (pt_mail_subject). */
    const char *subjects[PT_MAIL_SUBJECT_KINDS][1 + PT_LANG_COUNT];
};

/* The newsroom's subject for an email of kind ("receipt") in lang: the
 * language's own, else the one for every language, else NULL (patron's
 * default wording). Used verbatim: nothing is added to it. */
const char *pt_mail_subject(const struct pt_mail_settings *settings, const char *kind,
                            enum pt_lang lang);

struct pt_mail_message {
    const char *to;
    const char *subject;
    const char *text;            /* the plain-text part, UTF-8 */
    const char *html;            /* the HTML part, UTF-8 */
    const char *unsubscribe_url; /* NULL: no List-Unsubscribe headers */
};

enum pt_mail_result {
    PT_MAIL_SENT,
    PT_MAIL_TRANSIENT, /* the server could not take it now: try again later */
    PT_MAIL_PERMANENT, /* the server refused the address for good */
    PT_MAIL_STOPPED,   /* not sent: settings->stop was set (the process is stopping) */
};

/* The message as RFC 5322 bytes: multipart/alternative, base64 bodies,
 * an encoded subject. boundary and message_id make the output repeatable
 * in tests; pass NULL for random ones. */
void pt_mail_render(struct pt_buf *out, const struct pt_mail_settings *settings,
                    const struct pt_mail_message *message, int64_t now, const char *boundary,
                    const char *message_id);

/* Sends one message, retrying transient failures with backoff. error says
 * what the server or the network said last. When settings->stop becomes
 * true, a try in progress is cut off within about a second, no further try
 * is made, and the result is PT_MAIL_STOPPED. */
enum pt_mail_result pt_mail_send(const struct pt_mail_settings *settings,
                                 const struct pt_mail_message *message, char *error,
                                 size_t error_size);

#endif
