#include "patron/config.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "patron/alloc.h"
#include "patron/buf.h"

enum key_type {
    KEY_STRING,
    KEY_INT,
    KEY_BOOL,
    KEY_URL,
    KEY_URLS,
    KEY_CURRENCY,
    KEY_SECRET,
    KEY_TEXT
};

struct key {
    const char *name;
    enum key_type type;
    size_t offset;
    long min, max; /* for KEY_INT */
};

#define STRING_KEY(field) {#field, KEY_STRING, offsetof(struct pt_config, field), 0, 0}
#define INT_KEY(field, lo, hi) {#field, KEY_INT, offsetof(struct pt_config, field), lo, hi}
#define BOOL_KEY(field) {#field, KEY_BOOL, offsetof(struct pt_config, field), 0, 0}
/* One line of text for readers, at most max bytes. */
#define TEXT_KEY(field, most) {#field, KEY_TEXT, offsetof(struct pt_config, field), 0, most}
/* A subject for every language, and one per language (en, ru). */
#define SUBJECT_KEYS(index, kind)                                                                  \
    {"email_subject_" kind, KEY_TEXT, offsetof(struct pt_config, email_subjects[index][0]), 0,     \
     200},                                                                                         \
        {"email_subject_" kind "_en", KEY_TEXT,                                                    \
         offsetof(struct pt_config, email_subjects[index][1 + PT_LANG_EN]), 0, 200},               \
        {"email_subject_" kind "_ru", KEY_TEXT,                                                    \
         offsetof(struct pt_config, email_subjects[index][1 + PT_LANG_RU]), 0, 200}

static const struct key keys[] = {
    STRING_KEY(listen),
    INT_KEY(port, 0, 65535),
    {"public_url", KEY_URLS, offsetof(struct pt_config, public_urls), 0, 0},
    STRING_KEY(email_origin),
    STRING_KEY(data_dir),
    STRING_KEY(database),
    INT_KEY(database_connections, 1, 256),
    INT_KEY(threads, 0, 256),
    INT_KEY(max_connections, 1, 1000000),
    INT_KEY(connections_per_client, -1, 1000000),
    INT_KEY(connection_memory_limit, 4096, 16 * 1024 * 1024),
    INT_KEY(connection_timeout, 1, 3600),
    INT_KEY(body_limit, 1024, 64 * 1024 * 1024),
    INT_KEY(admin_body_limit, 1024, 256 * 1024 * 1024),
    INT_KEY(reader_workers, 1, 256),
    INT_KEY(webhook_workers, 1, 256),
    INT_KEY(staff_workers, 1, 256),
    INT_KEY(sign_in_workers, 1, 256),
    INT_KEY(worker_queue_limit, 0, 100000),
    INT_KEY(events_flush_interval_ms, 10, 3600 * 1000),
    INT_KEY(catalog_check_interval, 1, 86400),
    INT_KEY(snooze_max_days, 1, 3650),
    {"currency", KEY_CURRENCY, offsetof(struct pt_config, currency), 0, 0},
    INT_KEY(max_amount, 1, 1000000),
    {"admin_token", KEY_SECRET, offsetof(struct pt_config, admin_token), 0, 0},
    STRING_KEY(frame_ancestors),
    STRING_KEY(article_origins),
    STRING_KEY(country_header),
    STRING_KEY(no_trace_countries),
    STRING_KEY(client_address_header),
    STRING_KEY(newsroom_name),
    STRING_KEY(newsroom_logo),
    STRING_KEY(accent_color),
    STRING_KEY(smtp_url),
    BOOL_KEY(smtp_starttls),
    STRING_KEY(smtp_username),
    STRING_KEY(smtp_password),
    STRING_KEY(mail_from),
    INT_KEY(smtp_timeout, 1, 600),
    INT_KEY(smtp_retries, 0, 10),
    INT_KEY(smtp_retry_delay_ms, 0, 600000),
    INT_KEY(reminders_send_hour, -1, 23),
    INT_KEY(reminder_signups_per_hour, 1, 100000),
    {"stripe_api_base", KEY_URL, offsetof(struct pt_config, stripe_api_base), 0, 0},
    STRING_KEY(stripe_secret_key),
    STRING_KEY(stripe_webhook_secrets),
    INT_KEY(stripe_timeout, 1, 600),
    INT_KEY(stripe_reader_timeout, 1, 600),
    {"mollie_api_base", KEY_URL, offsetof(struct pt_config, mollie_api_base), 0, 0},
    STRING_KEY(mollie_api_key),
    INT_KEY(mollie_timeout, 1, 600),
    INT_KEY(mollie_reader_timeout, 1, 600),
    STRING_KEY(bank_iban),
    STRING_KEY(bank_holder),
    STRING_KEY(bank_bic),
    STRING_KEY(bank_name),
    STRING_KEY(bank_currency),
    STRING_KEY(bank_csv_columns),
    INT_KEY(bank_lapse_days, 1, 3650),
    STRING_KEY(btcpay_url),
    STRING_KEY(btcpay_store_id),
    STRING_KEY(btcpay_api_key),
    STRING_KEY(btcpay_webhook_secret),
    STRING_KEY(btcpay_currencies),
    INT_KEY(btcpay_timeout, 1, 600),
    INT_KEY(btcpay_reader_timeout, 1, 600),
    INT_KEY(btcpay_invoice_minutes, 5, 1440),
    STRING_KEY(currency_processors),
    STRING_KEY(currencies),
    INT_KEY(manage_link_days, 1, 3650),
    INT_KEY(pledge_attempts_per_hour, 1, 100000),
    BOOL_KEY(erase_one_off_after_receipt),
    INT_KEY(keep_cancelled_days, -1, 3650),
    INT_KEY(event_batches_per_minute, 1, 1000000),
    INT_KEY(events_per_variant_per_batch, 1, 100),
    BOOL_KEY(log_requests),
    BOOL_KEY(demo_pages),
    TEXT_KEY(mail_from_name, 100),
    SUBJECT_KEYS(0, "thanks"),
    SUBJECT_KEYS(1, "receipt"),
    SUBJECT_KEYS(2, "failed"),
    SUBJECT_KEYS(3, "cancelled"),
    SUBJECT_KEYS(4, "lapsed"),
    SUBJECT_KEYS(5, "crypto_month"),
    SUBJECT_KEYS(6, "magic"),
    SUBJECT_KEYS(7, "reminder"),
    TEXT_KEY(stripe_statement_descriptor_suffix, 22),
    TEXT_KEY(stripe_statement_descriptor_prefix, 22),
};

void pt_config_init(struct pt_config *config)
{
    memset(config, 0, sizeof(*config));
    config->listen = pt_xstrdup("127.0.0.1");
    config->port = 8080;
    char error[256];
    enum pt_status status =
        pt_config_set(config, "public_url", "http://127.0.0.1:8080", error, sizeof(error));
    assert(status == PT_OK);
    (void)status;
    config->email_origin = pt_xstrdup("");
    config->data_dir = pt_xstrdup("./patron-data");
    config->database = pt_xstrdup("");
    config->database_connections = 8;
    config->threads = 0;
    config->max_connections = 4096;
    config->connections_per_client = -1;
    config->connection_memory_limit = 8192;
    config->connection_timeout = 30;
    config->body_limit = 65536;
    config->admin_body_limit = 8 * 1024 * 1024;
    config->reader_workers = 4;
    config->webhook_workers = 2;
    config->staff_workers = 2;
    config->sign_in_workers = 2;
    config->worker_queue_limit = 64;
    config->events_flush_interval_ms = 2000;
    config->catalog_check_interval = 5;
    config->snooze_max_days = 400;
    config->currency = pt_xstrdup("USD");
    config->max_amount = 2000;
    config->admin_token = pt_xstrdup("");
    config->frame_ancestors = pt_xstrdup("'self'");
    config->article_origins = pt_xstrdup("");
    config->country_header = pt_xstrdup("");
    config->no_trace_countries = pt_xstrdup("");
    config->client_address_header = pt_xstrdup("");
    config->newsroom_name = pt_xstrdup("The Newsroom");
    config->newsroom_logo = pt_xstrdup("");
    config->accent_color = pt_xstrdup("#0b5cad");
    config->smtp_url = pt_xstrdup("");
    config->smtp_starttls = false;
    config->smtp_username = pt_xstrdup("");
    config->smtp_password = pt_xstrdup("");
    config->mail_from = pt_xstrdup("patron@localhost");
    config->smtp_timeout = 30;
    config->smtp_retries = 3;
    config->smtp_retry_delay_ms = 2000;
    config->reminders_send_hour = -1;
    config->reminder_signups_per_hour = 10;
    config->stripe_api_base = pt_xstrdup("https://api.stripe.com");
    config->stripe_secret_key = pt_xstrdup("");
    config->stripe_webhook_secrets = pt_xstrdup("");
    config->stripe_timeout = 30;
    config->stripe_reader_timeout = 10;
    config->mollie_api_base = pt_xstrdup("https://api.mollie.com");
    config->mollie_api_key = pt_xstrdup("");
    config->mollie_timeout = 30;
    config->mollie_reader_timeout = 10;
    config->bank_iban = pt_xstrdup("");
    config->mail_from_name = pt_xstrdup("");
    for (size_t i = 0; i < PT_MAIL_SUBJECT_KINDS; i++)
        for (size_t j = 0; j < 1 + PT_LANG_COUNT; j++)
            config->email_subjects[i][j] = pt_xstrdup("");
    config->stripe_statement_descriptor_suffix = pt_xstrdup("");
    config->stripe_statement_descriptor_prefix = pt_xstrdup("");
    config->bank_holder = pt_xstrdup("");
    config->bank_bic = pt_xstrdup("");
    config->bank_name = pt_xstrdup("");
    config->bank_currency = pt_xstrdup("EUR");
    config->bank_csv_columns = pt_xstrdup("");
    config->bank_lapse_days = 40;
    config->btcpay_url = pt_xstrdup("");
    config->btcpay_store_id = pt_xstrdup("");
    config->btcpay_api_key = pt_xstrdup("");
    config->btcpay_webhook_secret = pt_xstrdup("");
    config->btcpay_currencies = pt_xstrdup("");
    config->btcpay_timeout = 30;
    config->btcpay_reader_timeout = 10;
    config->btcpay_invoice_minutes = 60;
    config->currency_processors = pt_xstrdup("");
    config->currencies = pt_xstrdup("USD, EUR, GBP, CHF, JPY");
    config->manage_link_days = 365;
    config->pledge_attempts_per_hour = 20;
    config->erase_one_off_after_receipt = true;
    config->keep_cancelled_days = 0;
    config->event_batches_per_minute = 60;
    config->events_per_variant_per_batch = 10;
    config->log_requests = true;
    config->demo_pages = false;
}

void pt_config_dispose(struct pt_config *config)
{
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        if (keys[i].type == KEY_INT || keys[i].type == KEY_BOOL)
            continue;
        char **field = (char **)((char *)config + keys[i].offset);
        free(*field);
        *field = NULL;
    }
    for (size_t i = 0; i < config->public_url_count; i++)
        free(config->public_url_list[i]);
    config->public_url_count = 0;
    config->public_url = NULL;
}

static const struct key *find_key(const char *name, size_t length)
{
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        if (strlen(keys[i].name) == length && memcmp(keys[i].name, name, length) == 0)
            return &keys[i];
    }
    return NULL;
}

static bool has_control_bytes(const char *value)
{
    for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            return true;
    }
    return false;
}

/* A bearer token is guessed online at thousands of tries a second, so it must
 * carry about 32 random bytes: 43 base64 characters (44 with padding) or 64
 * hex digits. Length cannot prove randomness, but a value with few distinct
 * characters ("aaaa...", "0000...") is certainly not random. */
static bool is_strong_secret(const char *value)
{
    bool seen[256] = {false};
    int distinct = 0;
    size_t length = strlen(value);
    for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
        if (*p == ' ' || *p == '\t')
            return false;
        if (!seen[*p]) {
            seen[*p] = true;
            distinct++;
        }
    }
    return length >= PT_CONFIG_SECRET_MIN_CHARS && distinct >= 12;
}

static bool is_url(const char *value, size_t length)
{
    bool scheme = strncmp(value, "http://", 7) == 0 || strncmp(value, "https://", 8) == 0;
    return scheme && length >= 9 && value[length - 1] != '/' &&
           memchr(value, '"', length) == NULL && memchr(value, ' ', length) == NULL &&
           memchr(value, '\t', length) == NULL;
}

/* public_url: one address or several (the newsroom's domain, its mirrors,
 * an onion address), the primary first. Nothing changes unless every one is
 * good. */
static enum pt_status apply_urls(struct pt_config *config, const struct key *key, const char *value,
                                 char *error, size_t error_size)
{
    char *list[PT_CONFIG_PUBLIC_URLS_MAX];
    size_t count = 0;
    enum pt_status status = PT_OK;
    for (const char *p = value; *p != '\0';) {
        p += strspn(p, " \t");
        size_t length = strcspn(p, " \t");
        if (length == 0)
            break;
        if (!is_url(p, length)) {
            snprintf(error, error_size,
                     "'%s' must be http:// or https:// addresses without a trailing slash, "
                     "separated by spaces, not '%.*s'",
                     key->name, (int)length, p);
            status = PT_ERR_INVALID;
            goto out;
        }
        if (count == PT_CONFIG_PUBLIC_URLS_MAX) {
            snprintf(error, error_size, "'%s' may list at most %d addresses", key->name,
                     PT_CONFIG_PUBLIC_URLS_MAX);
            status = PT_ERR_INVALID;
            goto out;
        }
        for (size_t i = 0; i < count; i++) {
            if (strlen(list[i]) == length && strncasecmp(list[i], p, length) == 0) {
                snprintf(error, error_size, "'%s' lists '%.*s' twice", key->name, (int)length, p);
                status = PT_ERR_INVALID;
                goto out;
            }
        }
        list[count++] = pt_xstrndup(p, length);
        p += length;
    }
    if (count == 0) {
        snprintf(error, error_size, "'%s' needs at least one http:// or https:// address",
                 key->name);
        status = PT_ERR_INVALID;
        goto out;
    }
    for (size_t i = 0; i < config->public_url_count; i++)
        free(config->public_url_list[i]);
    struct pt_buf joined;
    pt_buf_init(&joined);
    for (size_t i = 0; i < count; i++) {
        config->public_url_list[i] = list[i];
        pt_buf_printf(&joined, "%s%s", i > 0 ? " " : "", list[i]);
    }
    config->public_url_count = count;
    config->public_url = list[0];
    count = 0;
    free(config->public_urls);
    config->public_urls = pt_buf_take(&joined, NULL);
out:
    for (size_t i = 0; i < count; i++)
        free(list[i]);
    return status;
}

/* Writes the reason a value is bad into error, or returns PT_OK. */
static enum pt_status apply(struct pt_config *config, const struct key *key, const char *value,
                            char *error, size_t error_size)
{
    void *field = (char *)config + key->offset;
    if (has_control_bytes(value)) {
        snprintf(error, error_size, "'%s' has a control character in its value", key->name);
        return PT_ERR_INVALID;
    }
    switch (key->type) {
    case KEY_INT: {
        char *end = NULL;
        errno = 0;
        long number = strtol(value, &end, 10);
        if (*value == '\0' || *end != '\0' || errno != 0 || number < key->min ||
            number > key->max) {
            snprintf(error, error_size, "'%s' must be a whole number from %ld to %ld, not '%s'",
                     key->name, key->min, key->max, value);
            return PT_ERR_INVALID;
        }
        *(int *)field = (int)number;
        return PT_OK;
    }
    case KEY_BOOL:
        if (strcmp(value, "true") == 0 || strcmp(value, "yes") == 0 || strcmp(value, "on") == 0) {
            *(bool *)field = true;
        } else if (strcmp(value, "false") == 0 || strcmp(value, "no") == 0 ||
                   strcmp(value, "off") == 0) {
            *(bool *)field = false;
        } else {
            snprintf(error, error_size, "'%s' must be true or false, not '%s'", key->name, value);
            return PT_ERR_INVALID;
        }
        return PT_OK;
    case KEY_URL:
        if (!is_url(value, strlen(value))) {
            snprintf(error, error_size,
                     "'%s' must be an http:// or https:// address without a trailing slash, "
                     "not '%s'",
                     key->name, value);
            return PT_ERR_INVALID;
        }
        break;
    case KEY_URLS: return apply_urls(config, key, value, error, error_size);
    case KEY_CURRENCY: {
        bool ok = strlen(value) == 3;
        for (size_t i = 0; ok && i < 3; i++)
            ok = value[i] >= 'A' && value[i] <= 'Z';
        if (!ok) {
            snprintf(error, error_size, "'%s' must be a three-letter currency code such as USD",
                     key->name);
            return PT_ERR_INVALID;
        }
        break;
    }
    case KEY_SECRET:
        if (*value != '\0' && !is_strong_secret(value)) {
            /* The value itself is never echoed: it is meant to be a secret. */
            snprintf(error, error_size,
                     "'%s' must be empty (off) or a random secret of at least %d characters "
                     "with no spaces, such as the output of "
                     "`head -c 32 /dev/urandom | base64` (this one has %zu)",
                     key->name, PT_CONFIG_SECRET_MIN_CHARS, strlen(value));
            return PT_ERR_INVALID;
        }
        break;
    case KEY_STRING:
        break;
    case KEY_TEXT:
        if (strlen(value) > (size_t)key->max) {
            snprintf(error, error_size, "'%s' may be at most %ld bytes (this one has %zu)",
                     key->name, key->max, strlen(value));
            return PT_ERR_INVALID;
        }
        break;
    }
    char **string = field;
    free(*string);
    *string = pt_xstrdup(value);
    return PT_OK;
}

enum pt_status pt_config_set(struct pt_config *config, const char *name, const char *value,
                             char *error, size_t error_size)
{
    const struct key *key = find_key(name, strlen(name));
    if (key == NULL) {
        snprintf(error, error_size, "unknown key '%s'", name);
        return PT_ERR_INVALID;
    }
    return apply(config, key, value, error, error_size);
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

enum pt_status pt_config_parse(struct pt_config *config, const char *name, const char *text,
                               char *error, size_t error_size)
{
    int line_number = 0;
    const char *line = text;
    while (*line != '\0') {
        line_number++;
        const char *end = strchr(line, '\n');
        size_t length = end ? (size_t)(end - line) : strlen(line);
        const char *next = end ? end + 1 : line + length;

        /* A '#' starts a comment only at the start of a line or after white
         * space, and never as the first character of a value, so that
         * colour codes survive ("accent_color = #7a1f1f"). */
        const char *stop = line + length;
        const char *value_first = memchr(line, '=', length);
        if (value_first != NULL) {
            value_first++;
            while (value_first < stop && is_space(*value_first))
                value_first++;
        }
        for (const char *p = line; p < stop; p++) {
            if (*p == '#' && (p == line || is_space(p[-1])) && p != value_first) {
                stop = p;
                break;
            }
        }
        const char *start = line;
        while (start < stop && is_space(*start))
            start++;
        while (stop > start && is_space(stop[-1]))
            stop--;
        if (start == stop) {
            line = next;
            continue;
        }
        const char *equals = memchr(start, '=', (size_t)(stop - start));
        if (equals == NULL) {
            snprintf(error, error_size, "%s:%d: expected 'key = value', found '%.*s'", name,
                     line_number, (int)(stop - start), start);
            return PT_ERR_INVALID;
        }
        const char *key_end = equals;
        while (key_end > start && is_space(key_end[-1]))
            key_end--;
        const char *value_start = equals + 1;
        while (value_start < stop && is_space(*value_start))
            value_start++;

        const struct key *key = find_key(start, (size_t)(key_end - start));
        if (key == NULL) {
            snprintf(error, error_size, "%s:%d: unknown key '%.*s'", name, line_number,
                     (int)(key_end - start), start);
            return PT_ERR_INVALID;
        }
        char *value = pt_xstrndup(value_start, (size_t)(stop - value_start));
        char reason[512];
        enum pt_status status = apply(config, key, value, reason, sizeof(reason));
        free(value);
        if (status != PT_OK) {
            snprintf(error, error_size, "%s:%d: %s", name, line_number, reason);
            return status;
        }
        line = next;
    }
    return PT_OK;
}

enum pt_status pt_config_load(struct pt_config *config, const char *path, char *error,
                              size_t error_size)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        snprintf(error, error_size, "%s: cannot open: %s", path, strerror(errno));
        return PT_ERR_IO;
    }
    enum pt_status status = PT_OK;
    size_t capacity = 4096, length = 0;
    char *text = pt_xmalloc(capacity);
    for (;;) {
        if (length + 1 >= capacity) {
            if (capacity >= 1024 * 1024) {
                snprintf(error, error_size, "%s: larger than 1 MiB", path);
                status = PT_ERR_INVALID;
                goto out;
            }
            capacity *= 2;
            text = pt_xrealloc(text, capacity);
        }
        size_t got = fread(text + length, 1, capacity - length - 1, file);
        length += got;
        if (got == 0)
            break;
    }
    if (ferror(file)) {
        snprintf(error, error_size, "%s: cannot read: %s", path, strerror(errno));
        status = PT_ERR_IO;
        goto out;
    }
    text[length] = '\0';
    if (strlen(text) != length) {
        snprintf(error, error_size, "%s: contains a NUL byte", path);
        status = PT_ERR_INVALID;
        goto out;
    }
    status = pt_config_parse(config, path, text, error, error_size);
out:
    free(text);
    fclose(file);
    return status;
}
