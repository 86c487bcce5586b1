#include "patron/mail.h"

#include <curl/curl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* RFC 2047: a header value outside plain ASCII, or (for a display name)
 * with characters that mean something in an address list, goes as
 * =?UTF-8?B?...?= words. */
static void header_text(struct pt_buf *out, const char *text, bool display_name)
{
    bool plain = true;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        plain = plain && *p >= 0x20 && *p < 0x7f &&
                !(display_name && strchr("()<>[]:;@\\,.\"", *p) != NULL);
    if (plain) {
        pt_buf_puts(out, text);
        return;
    }
    /* Encoded words of at most 30 bytes of text each (under 76 characters a
     * line with the header's name), split between UTF-8 characters, folded
     * onto continuation lines. */
    size_t length = strlen(text), start = 0;
    while (start < length) {
        size_t end = start + 30 < length ? start + 30 : length;
        while (end < length && end > start && ((unsigned char)text[end] & 0xC0) == 0x80)
            end--;
        char encoded[sodium_base64_ENCODED_LEN(30, sodium_base64_VARIANT_ORIGINAL)];
        sodium_bin2base64(encoded, sizeof(encoded), (const unsigned char *)text + start,
                          end - start, sodium_base64_VARIANT_ORIGINAL);
        pt_buf_printf(out, "%s=?UTF-8?B?%s?=", start ? "\r\n " : "", encoded);
        start = end;
    }
}

static void base64_body(struct pt_buf *out, const char *text)
{
    size_t length = strlen(text);
    for (size_t start = 0; start < length; start += 57) {
        size_t chunk = length - start < 57 ? length - start : 57;
        char encoded[sodium_base64_ENCODED_LEN(57, sodium_base64_VARIANT_ORIGINAL)];
        sodium_bin2base64(encoded, sizeof(encoded), (const unsigned char *)text + start, chunk,
                          sodium_base64_VARIANT_ORIGINAL);
        pt_buf_puts(out, encoded);
        pt_buf_puts(out, "\r\n");
    }
}

static const char *domain_of(const char *address)
{
    const char *at = strrchr(address, '@');
    return at ? at + 1 : "localhost";
}

void pt_mail_render(struct pt_buf *out, const struct pt_mail_settings *settings,
                    const struct pt_mail_message *message, int64_t now, const char *boundary,
                    const char *message_id)
{
    char random_boundary[33], random_id[33];
    if (boundary == NULL || message_id == NULL) {
        unsigned char bytes[16];
        randombytes_buf(bytes, sizeof(bytes));
        sodium_bin2hex(random_boundary, sizeof(random_boundary), bytes, sizeof(bytes));
        randombytes_buf(bytes, sizeof(bytes));
        sodium_bin2hex(random_id, sizeof(random_id), bytes, sizeof(bytes));
        boundary = boundary ? boundary : random_boundary;
        message_id = message_id ? message_id : random_id;
    }
    time_t seconds = (time_t)now;
    struct tm tm;
    gmtime_r(&seconds, &tm);
    char date[64];
    strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
    pt_buf_printf(out, "Date: %s\r\n", date);
    pt_buf_puts(out, "From: ");
    if (settings->from_name != NULL && settings->from_name[0] != '\0') {
        header_text(out, settings->from_name, true);
        /* Folded, so that no line with an encoded word passes 76 characters. */
        pt_buf_printf(out, "\r\n <%s>\r\n", settings->from);
    } else {
        pt_buf_printf(out, "%s\r\n", settings->from);
    }
    pt_buf_printf(out, "To: <%s>\r\n", message->to);
    pt_buf_puts(out, "Subject: ");
    header_text(out, message->subject, false);
    pt_buf_printf(out, "\r\nMessage-ID: <%s@%s>\r\n", message_id, domain_of(settings->from));
    if (message->unsubscribe_url != NULL) {
        /* RFC 8058: one click, by POST, so that scanners that follow links
         * change nothing. */
        pt_buf_printf(out, "List-Unsubscribe: <%s>\r\n", message->unsubscribe_url);
        pt_buf_puts(out, "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n");
    }
    pt_buf_puts(out, "Auto-Submitted: auto-generated\r\nMIME-Version: 1.0\r\n");
    pt_buf_printf(out, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n", boundary);
    pt_buf_printf(out, "--%s\r\nContent-Type: text/plain; charset=utf-8\r\n"
                       "Content-Transfer-Encoding: base64\r\n\r\n",
                  boundary);
    base64_body(out, message->text);
    pt_buf_printf(out, "--%s\r\nContent-Type: text/html; charset=utf-8\r\n"
                       "Content-Transfer-Encoding: base64\r\n\r\n",
                  boundary);
    base64_body(out, message->html);
    pt_buf_printf(out, "--%s--\r\n", boundary);
}

struct upload {
    const char *data;
    size_t length, sent;
};

static size_t read_message(char *buffer, size_t size, size_t count, void *context)
{
    struct upload *upload = context;
    size_t room = size * count;
    size_t left = upload->length - upload->sent;
    size_t n = left < room ? left : room;
    memcpy(buffer, upload->data + upload->sent, n);
    upload->sent += n;
    return n;
}

static bool stopped(const struct pt_mail_settings *settings)
{
    return settings->stop != NULL && atomic_load(settings->stop);
}

/* libcurl calls this about once a second in every phase (connecting, waiting
 * for a greeting that never comes): a non-zero answer cuts the try off, so a
 * stopping process never waits out smtp_timeout. */
static int check_stop(void *context, curl_off_t download_total, curl_off_t downloaded,
                      curl_off_t upload_total, curl_off_t uploaded)
{
    (void)download_total, (void)downloaded, (void)upload_total, (void)uploaded;
    return stopped(context) ? 1 : 0;
}

/* Waits milliseconds before the next try, in short steps so that a stop is
 * noticed at once. Returns false when it was stopped. */
static bool pause_unless_stopped(const struct pt_mail_settings *settings, long milliseconds)
{
    while (milliseconds > 0) {
        if (stopped(settings))
            return false;
        long step = milliseconds < 100 ? milliseconds : 100;
        struct timespec pause = {0, step * 1000000L};
        nanosleep(&pause, NULL);
        milliseconds -= step;
    }
    return !stopped(settings);
}

static enum pt_mail_result send_once(const struct pt_mail_settings *settings,
                                     const struct pt_mail_message *message,
                                     const struct pt_buf *bytes, char *error, size_t error_size)
{
    CURL *curl = curl_easy_init();
    if (curl == NULL) {
        snprintf(error, error_size, "libcurl could not start");
        return PT_MAIL_TRANSIENT;
    }
    char from[300], to[300];
    snprintf(from, sizeof(from), "<%s>", settings->from);
    snprintf(to, sizeof(to), "<%s>", message->to);
    struct curl_slist *recipients = curl_slist_append(NULL, to);
    struct upload upload = {bytes->data, bytes->length, 0};
    char curl_error[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(curl, CURLOPT_URL, settings->url);
    curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, recipients);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_message);
    curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_error);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, (long)settings->timeout_seconds);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, check_stop);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, (void *)settings);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    if (settings->starttls)
        curl_easy_setopt(curl, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
    if (settings->username != NULL && settings->username[0] != '\0') {
        curl_easy_setopt(curl, CURLOPT_USERNAME, settings->username);
        curl_easy_setopt(curl, CURLOPT_PASSWORD, settings->password);
    }
    CURLcode code = curl_easy_perform(curl);
    long reply = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply);
    curl_slist_free_all(recipients);
    curl_easy_cleanup(curl);
    if (code == CURLE_OK)
        return PT_MAIL_SENT;
    if (code == CURLE_ABORTED_BY_CALLBACK) {
        snprintf(error, error_size, "not sent: patron is stopping");
        return PT_MAIL_STOPPED;
    }
    snprintf(error, error_size, "%s (SMTP reply %ld)",
             curl_error[0] ? curl_error : curl_easy_strerror(code), reply);
    /* A 5xx reply is the server's final word on this message; everything
     * else (4xx, no connection, a time-out) may pass. */
    return reply >= 500 && reply < 600 ? PT_MAIL_PERMANENT : PT_MAIL_TRANSIENT;
}

enum pt_mail_result pt_mail_send(const struct pt_mail_settings *settings,
                                 const struct pt_mail_message *message, char *error,
                                 size_t error_size)
{
    struct pt_buf bytes;
    pt_buf_init(&bytes);
    pt_mail_render(&bytes, settings, message, (int64_t)time(NULL), NULL, NULL);
    enum pt_mail_result result = PT_MAIL_TRANSIENT;
    long delay_ms = settings->retry_delay_ms;
    for (int attempt = 0; attempt <= settings->retries; attempt++) {
        bool go_on = attempt > 0 ? pause_unless_stopped(settings, delay_ms) : !stopped(settings);
        if (!go_on) {
            snprintf(error, error_size, "not sent: patron is stopping");
            result = PT_MAIL_STOPPED;
            break;
        }
        if (attempt > 0)
            delay_ms *= 2;
        result = send_once(settings, message, &bytes, error, error_size);
        if (result != PT_MAIL_TRANSIENT)
            break;
    }
    pt_buf_dispose(&bytes);
    return result;
}

const char *const pt_mail_subject_kinds[PT_MAIL_SUBJECT_KINDS] = {
    "thanks", "receipt", "failed", "cancelled", "lapsed", "crypto_month", "magic", "reminder",
};

const char *pt_mail_subject(const struct pt_mail_settings *settings, const char *kind,
                            enum pt_lang lang)
{
    if (settings == NULL || kind == NULL || (int)lang < 0 || lang >= PT_LANG_COUNT)
        return NULL;
    for (size_t i = 0; i < PT_MAIL_SUBJECT_KINDS; i++) {
        if (strcmp(kind, pt_mail_subject_kinds[i]) != 0)
            continue;
        const char *own = settings->subjects[i][1 + lang];
        if (own != NULL && own[0] != '\0')
            return own;
        const char *every = settings->subjects[i][0];
        return every != NULL && every[0] != '\0' ? every : NULL;
    }
    return NULL;
}
