/* patron's configuration: a file of "key = value" lines with a default for
 * every key. patron.conf.example documents each key. */
#ifndef PATRON_CONFIG_H
#define PATRON_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "patron/i18n.h"
#include "patron/mail.h"
#include "patron/status.h"

/* The shortest admin_token accepted: 32 random bytes in base64 without
 * padding. */
#define PT_CONFIG_SECRET_MIN_CHARS 43

/* The most addresses public_url may list: a domain, its mirrors, an onion. */
#define PT_CONFIG_PUBLIC_URLS_MAX 8

struct pt_config {
    char *listen;           /* address to bind, e.g. "127.0.0.1" or "::1" */
    int port;               /* 0 to 65535; 0 picks a free port */
    char *public_url;       /* how readers reach patron, no trailing slash: the primary
                               address, public_url_list[0] */
    char *public_urls;      /* public_url as written: every address, space-separated */
    char *public_url_list[PT_CONFIG_PUBLIC_URLS_MAX]; /* each address, the primary first */
    size_t public_url_count;
    char *email_origin;     /* "" = emails link to the address the donor pledged on; else
                               one of public_url's addresses, for every email */
    char *data_dir;         /* folder of the key file, and of the SQLite database */
    char *database;         /* "" = SQLite in data_dir; else a postgresql:// URL or conninfo */
    int database_connections; /* PostgreSQL: connections each process keeps at most */
    int threads;            /* worker threads; 0 = one per core */
    int max_connections;    /* MHD_OPTION_CONNECTION_LIMIT */
    int connections_per_client; /* per peer address; 0 = none; -1 = 64, or none behind a proxy */
    int connection_memory_limit; /* bytes per connection, MHD's own buffer */
    int connection_timeout; /* seconds of inactivity before a connection is closed */
    int body_limit;         /* largest request body in bytes */
    int admin_body_limit;   /* the same for the admin API (catalogue imports) */
    int reader_workers;     /* threads for readers' requests that wait on the processor */
    int webhook_workers;    /* threads for the processor's webhooks */
    int staff_workers;      /* threads for the dashboard and the admin API */
    int sign_in_workers;    /* threads for dashboard sign-ins (password hashing) */
    int worker_queue_limit; /* requests that may wait for one pool's workers; then 503 */
    int events_flush_interval_ms;
    int catalog_check_interval; /* seconds between checks for changed campaigns */
    int snooze_max_days;
    char *currency;         /* default currency code of the support page */
    int max_amount;         /* largest pledge, in units of the currency */
    char *admin_token;      /* empty: admin routes answer 403; else >= 43 random chars */
    char *frame_ancestors;  /* CSP frame-ancestors for /embed/ */
    char *article_origins;  /* the newsroom's sites that pages may link back to */
    char *country_header;   /* request header where the proxy puts the reader's country */
    char *no_trace_countries; /* "RU BY": readers there keep nothing on their device unless
                                 they choose to (docs/PRIVACY.md) */
    char *client_address_header; /* header with the client's address behind a proxy */
    char *newsroom_name;    /* in emails and page titles */
    char *newsroom_logo;    /* an image file shown on the support pages; "" for none */
    char *accent_color;     /* "#rrggbb": buttons and links on patron's own pages */
    char *smtp_url;         /* "" = no email */
    bool smtp_starttls;
    char *smtp_username;
    char *smtp_password;
    char *mail_from;
    int smtp_timeout;
    int smtp_retries;
    int smtp_retry_delay_ms;
    int reminders_send_hour;     /* UTC hour of the daily send; -1 = off */
    int reminder_signups_per_hour; /* per client address */
    char *stripe_api_base;
    char *stripe_secret_key;     /* "" = no processor: pledges stay pending */
    char *stripe_webhook_secrets;/* one or more, comma-separated */
    int stripe_timeout;          /* seconds for a call nobody waits on (webhooks, changes) */
    int stripe_reader_timeout;   /* seconds for a call a reader waits on (checkout, /thanks) */
    char *mollie_api_base;
    char *mollie_api_key;        /* "" = no Mollie; "test_..." or "live_..." */
    int mollie_timeout;
    int mollie_reader_timeout;
    char *bank_iban;             /* "" = no bank transfers; the account readers transfer to */
    char *bank_holder;           /* the account holder's name, as the bank has it */
    char *bank_bic;              /* "" = left out (transfers within SEPA need none) */
    char *bank_name;             /* the bank's name, shown to readers; may be "" */
    char *bank_currency;         /* the account's currency: "EUR" */
    char *bank_csv_columns;      /* how the bank's CSV export names its columns */
    int bank_lapse_days;         /* a monthly transfer not seen for this long has lapsed */
    char *btcpay_url;            /* "" = no BTCPay; the server's address, "https://pay.example" */
    char *btcpay_store_id;       /* the store whose invoices patron makes */
    char *btcpay_api_key;        /* a Greenfield API key with the store's invoice rights */
    char *btcpay_webhook_secret; /* the store webhook's secret: BTCPay-Sig */
    char *btcpay_currencies;     /* fiat currencies offered in crypto; "" = currencies */
    int btcpay_timeout;          /* seconds for a call nobody waits on */
    int btcpay_reader_timeout;   /* seconds for a call a reader waits on */
    int btcpay_invoice_minutes;  /* how long an invoice can be paid */
    char *currency_processors;   /* "EUR=mollie, *=stripe"; "" = the one processor for all */
    char *currencies;            /* offered on the support page: "USD, EUR, GBP, CHF, JPY" */
    int manage_link_days;
    int pledge_attempts_per_hour;
    bool erase_one_off_after_receipt; /* a one-off donor's address goes after the receipt */
    int keep_cancelled_days;          /* a cancelled pledge's address is kept this long; -1: kept */
    int event_batches_per_minute;     /* /v1/events batches per client address */
    int events_per_variant_per_batch; /* of one kind for one variant, counted from one batch */
    bool log_requests;
    bool demo_pages;
    /* Neutral traces (issue 14): what the donor's inbox and card statement
     * show, so that none has to name the newsroom. */
    char *mail_from_name; /* the From display name; "" for newsroom_name */
    char *email_subjects[PT_MAIL_SUBJECT_KINDS][1 + PT_LANG_COUNT]; /* [kind][0] every
                                                                       language, [kind][1 + lang] one */
    char *stripe_statement_descriptor_suffix; /* card statements' suffix; "" for none */
    char *stripe_statement_descriptor_prefix; /* the account's shortened descriptor, only to
                                                 check the suffix's length against */
};

/* Fills every field with its default. Free with pt_config_dispose. */
void pt_config_init(struct pt_config *config);
void pt_config_dispose(struct pt_config *config);

/* Applies the keys found in text (the contents of a file called name) over
 * what config holds. On a bad line, returns PT_ERR_INVALID and writes
 * "name:LINE: message naming the key" into error. */
enum pt_status pt_config_parse(struct pt_config *config, const char *name, const char *text,
                               char *error, size_t error_size);

/* Reads the file at path and parses it as above; PT_ERR_IO if it cannot be read. */
enum pt_status pt_config_load(struct pt_config *config, const char *path, char *error,
                              size_t error_size);

/* Sets one key from a string, as a file line would (used by command-line flags).
 * The error names the key. */
enum pt_status pt_config_set(struct pt_config *config, const char *key, const char *value,
                             char *error, size_t error_size);

#endif
