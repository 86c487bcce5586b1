/* patron's entry point: parses the command line and wires the modules. */
#include <curl/curl.h>
#include <inttypes.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <malloc.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "patron/alloc.h"
#include "patron/app.h"
#include "patron/auth.h"
#include "patron/buf.h"
#include "patron/catalog_watch.h"
#include "patron/config.h"
#include "patron/demo_history.h"
#include "patron/http.h"
#include "patron/json.h"
#include "patron/money.h"
#include "patron/crypto_months.h"
#include "patron/outbox.h"
#include "patron/ticker.h"
#include "patron/pages.h"
#include "patron/payment_routes.h"
#include "patron/pledges.h"
#include "patron/processors.h"
#include "patron/ratelimit.h"
#include "patron/reconcile.h"
#include "patron/reminders.h"
#include "patron/routes.h"
#include "patron/statement.h"
#include "patron/store.h"
#include "patron/store_copy.h"

#ifndef PATRON_VERSION
#define PATRON_VERSION "0.0.0"
#endif

enum { EXIT_USAGE = 2 };

static const char usage[] =
    "usage: patron COMMAND [OPTIONS]\n"
    "\n"
    "Commands:\n"
    "  serve --config FILE [--seed-demo]   run the server\n"
    "  demo [--config FILE] [--port N] [--data-dir DIR]\n"
    "                                      run the demo newsroom on http://127.0.0.1:8080\n"
    "  migrate --config FILE               create or upgrade the database, then exit\n"
    "  reminders send --config FILE [--now TIME]\n"
    "                                      email the reminders due (for cron); TIME is\n"
    "                                      2027-01-05T09:00:00Z, to act as if it were then\n"
    "  bank import FILE --config FILE [--format camt053|csv]\n"
    "                                      apply a bank statement: transfers whose\n"
    "                                      reference code names a pledge become its\n"
    "                                      payments, once; the rest wait in the dashboard\n"
    "  store copy --from FILE --to DATABASE\n"
    "                                      move a newsroom from SQLite to PostgreSQL:\n"
    "                                      copy every table of the SQLite file (read\n"
    "                                      only) into an empty PostgreSQL database\n"
    "                                      (postgresql://...), migrated first, in one\n"
    "                                      transaction, compared row for row before it\n"
    "                                      commits; stop patron first (docs/SCALING.md)\n"
    "  admin add-user EMAIL --role ROLE --config FILE\n"
    "  admin list-users --config FILE\n"
    "  admin disable-user EMAIL --config FILE\n"
    "  admin enable-user EMAIL --config FILE\n"
    "  admin reset-password EMAIL --config FILE\n"
    "                                      manage who may sign in to the dashboard;\n"
    "                                      ROLE is admin, editor or viewer; the password\n"
    "                                      is read from PATRON_PASSWORD or standard input\n"
    "  --help                              show this text\n"
    "  --version                           show the version\n"
    "\n"
    "--seed-demo loads the demo campaign into an empty database.\n"
    "The configuration file is documented in patron.conf.example.\n";

struct options {
    const char *command;
    const char *subcommand;
    const char *now;
    const char *config_path;
    const char *port;
    const char *data_dir;
    const char *role;
    const char *email;  /* admin commands */
    const char *file;   /* bank import */
    const char *format; /* bank import: "camt053" or "csv"; NULL to tell by the contents */
    const char *from;   /* store copy: the SQLite file */
    const char *to;     /* store copy: the PostgreSQL database */
    bool seed_demo;
};

static int parse_options(int argc, char **argv, struct options *options)
{
    memset(options, 0, sizeof(*options));
    if (argc < 2) {
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    options->command = argv[1];
    int first = 2;
    if (strcmp(options->command, "reminders") == 0) {
        if (argc < 3 || strcmp(argv[2], "send") != 0) {
            fprintf(stderr, "patron: the reminders command is 'patron reminders send'\n");
            return EXIT_USAGE;
        }
        options->subcommand = argv[2];
        first = 3;
    }
    if (strcmp(options->command, "bank") == 0) {
        if (argc < 4 || strcmp(argv[2], "import") != 0 || argv[3][0] == '-') {
            fprintf(stderr, "patron: the bank command is 'patron bank import FILE --config "
                            "FILE'\n");
            return EXIT_USAGE;
        }
        options->subcommand = argv[2];
        options->file = argv[3];
        first = 4;
    }
    if (strcmp(options->command, "store") == 0) {
        if (argc < 3 || strcmp(argv[2], "copy") != 0) {
            fprintf(stderr, "patron: the store command is 'patron store copy --from FILE --to "
                            "DATABASE'\n");
            return EXIT_USAGE;
        }
        options->subcommand = argv[2];
        first = 3;
    }
    if (strcmp(options->command, "admin") == 0) {
        static const char *const subcommands[] = {"add-user", "list-users", "disable-user",
                                                  "enable-user", "reset-password"};
        for (size_t i = 0; argc >= 3 && i < sizeof(subcommands) / sizeof(subcommands[0]); i++) {
            if (strcmp(argv[2], subcommands[i]) == 0)
                options->subcommand = argv[2];
        }
        if (options->subcommand == NULL) {
            fprintf(stderr, "patron: admin takes add-user, list-users, disable-user, "
                            "enable-user or reset-password\n");
            return EXIT_USAGE;
        }
        first = 3;
        if (strcmp(options->subcommand, "list-users") != 0) {
            if (argc < 4 || argv[3][0] == '-') {
                fprintf(stderr, "patron: admin %s needs an email address\n", options->subcommand);
                return EXIT_USAGE;
            }
            options->email = argv[3];
            first = 4;
        }
    }
    for (int i = first; i < argc; i++) {
        const char *flag = argv[i];
        const char **value = NULL;
        if (strcmp(flag, "--config") == 0)
            value = &options->config_path;
        else if (strcmp(flag, "--port") == 0)
            value = &options->port;
        else if (strcmp(flag, "--data-dir") == 0)
            value = &options->data_dir;
        else if (strcmp(flag, "--now") == 0)
            value = &options->now;
        else if (strcmp(flag, "--role") == 0)
            value = &options->role;
        else if (strcmp(flag, "--format") == 0)
            value = &options->format;
        else if (strcmp(flag, "--from") == 0)
            value = &options->from;
        else if (strcmp(flag, "--to") == 0)
            value = &options->to;
        else if (strcmp(flag, "--seed-demo") == 0) {
            options->seed_demo = true;
            continue;
        } else {
            fprintf(stderr, "patron: unknown option '%s'\n\n%s", flag, usage);
            return EXIT_USAGE;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "patron: %s needs a value\n", flag);
            return EXIT_USAGE;
        }
        *value = argv[++i];
    }
    return 0;
}

static int make_folder(const char *path)
{
    struct pt_buf partial;
    pt_buf_init(&partial);
    int result = 0;
    for (const char *p = path;; p++) {
        if ((*p == '/' || *p == '\0') && partial.length > 0) {
            if (mkdir(partial.data, 0700) != 0 && errno != EEXIST) {
                fprintf(stderr, "patron: cannot create the folder %s: %s\n", partial.data,
                        strerror(errno));
                result = 1;
                break;
            }
        }
        if (*p == '\0')
            break;
        pt_buf_append(&partial, p, 1);
    }
    pt_buf_dispose(&partial);
    return result;
}

static enum pt_status write_counts(void *context, const struct pt_event_count *counts, size_t count)
{
    return pt_store_counts_add(context, counts, count);
}

/* The SQLite file the store uses, in path (initialised here; dispose it). */
static void database_path(const struct pt_config *config, struct pt_buf *path)
{
    pt_buf_init(path);
    pt_buf_printf(path, "%s/patron.db", config->data_dir);
}

static bool on_postgresql(const struct pt_config *config)
{
    return config->database[0] != '\0';
}

/* Where the store is, for messages: never the URL, which may hold a
 * password. */
static void database_name(const struct pt_config *config, struct pt_buf *name)
{
    pt_buf_init(name);
    if (on_postgresql(config))
        pt_buf_puts(name, "the PostgreSQL database");
    else
        pt_buf_printf(name, "%s/patron.db", config->data_dir);
}

static int open_store(const struct pt_config *config, struct pt_store **store)
{
    if (make_folder(config->data_dir) != 0)
        return 1;
    char error[512];
    enum pt_status status;
    if (on_postgresql(config) && !pt_store_is_postgresql(config->database)) {
        fprintf(stderr, "patron: 'database' must be empty (SQLite in data_dir) or a PostgreSQL "
                        "URL (postgresql://...) or libpq's \"key=value\" words\n");
        return 2;
    }
    if (on_postgresql(config)) {
        status = pt_store_open_postgresql(config->database, config->database_connections, store,
                                          error, sizeof(error));
    } else {
        struct pt_buf path;
        database_path(config, &path);
        status = pt_store_open_sqlite(path.data, store, error, sizeof(error));
        pt_buf_dispose(&path);
    }
    if (status) {
        fprintf(stderr, "patron: %s\n", error);
        return status == PT_ERR_INVALID ? 2 : 1;
    }
    int applied = 0;
    struct pt_buf name;
    database_name(config, &name);
    status = pt_store_migrate(*store, &applied);
    if (status != PT_OK) {
        fprintf(stderr, "patron: %s could not be migrated: %s\n", name.data,
                pt_store_last_error());
        pt_store_close(*store);
        *store = NULL;
        pt_buf_dispose(&name);
        return 1;
    }
    if (applied > 0)
        fprintf(stderr, "patron: applied %d migration(s) to %s\n", applied, name.data);
    pt_buf_dispose(&name);
    return 0;
}

static bool key_opens(const struct pt_crypto *crypto, const unsigned char *sealed, size_t length)
{
    char *text = NULL;
    if (pt_crypto_open(crypto, sealed, length, &text) != PT_OK)
        return false;
    sodium_memzero(text, strlen(text));
    free(text);
    return true;
}

/* Loads patron.key and makes sure it is the key the database was written
 * with. A database that holds sealed addresses never gets a new key: with
 * one, every address would be unreadable, and a later run could take them
 * for garbage. So a missing or different key file stops patron here, before
 * anything is served or sent, and nothing stored is touched. */
static int load_keys(const struct pt_config *config, struct pt_store *store,
                     struct pt_crypto *crypto)
{
    struct pt_buf path;
    pt_buf_init(&path);
    pt_buf_printf(&path, "%s/patron.key", config->data_dir);
    unsigned char stored[PT_CRYPTO_KEY_CHECK_BYTES];
    unsigned char *sample = NULL;
    size_t sample_length = 0;
    enum pt_status has_check = pt_store_key_check_get(store, stored);
    enum pt_status has_sample = pt_store_sealed_sample(store, &sample, &sample_length);
    char error[512] = "";
    int result = 1;
    if ((has_check != PT_OK && has_check != PT_ERR_NOT_FOUND) ||
        (has_sample != PT_OK && has_sample != PT_ERR_NOT_FOUND)) {
        snprintf(error, sizeof(error), "cannot read the database to check the key file");
    } else if (!pt_crypto_key_file_exists(path.data) &&
               (has_check == PT_OK || has_sample == PT_OK)) {
        snprintf(error, sizeof(error),
                 "the key file %s is missing, but the database holds data sealed with it: "
                 "restore patron.key from your backup (patron will not make a new key, "
                 "which would leave every donor's address unreadable)",
                 path.data);
    } else if (pt_crypto_load(crypto, path.data, error, sizeof(error)) != PT_OK) {
        /* error says why */
    } else if (has_check == PT_OK &&
               sodium_memcmp(stored, crypto->key_check, sizeof(stored)) != 0) {
        snprintf(error, sizeof(error),
                 "the key file %s is not the one this database was written with: restore "
                 "the right patron.key (nothing was changed)",
                 path.data);
    } else if (has_check != PT_OK && has_sample == PT_OK &&
               !key_opens(crypto, sample, sample_length)) {
        /* A database from before the check value: the sealed data itself
         * tells whether the key fits. */
        snprintf(error, sizeof(error),
                 "the key file %s does not open the addresses in this database: restore the "
                 "right patron.key (nothing was changed)",
                 path.data);
    } else if (has_check != PT_OK && pt_store_key_check_set(store, crypto->key_check) != PT_OK) {
        snprintf(error, sizeof(error), "cannot record the key check value in the database");
    } else {
        result = 0;
    }
    if (result != 0) {
        fprintf(stderr, "patron: %s\n", error);
        sodium_memzero(crypto, sizeof(*crypto));
    }
    free(sample);
    pt_buf_dispose(&path);
    return result;
}

/* The dashboard's sign-in keeps its accounts, sessions, limits and audit
 * log in the store: on PostgreSQL every node shares them. */
static int open_auth(struct pt_store *store, const struct pt_crypto *crypto,
                     struct pt_auth *auth, bool *opened)
{
    *opened = false;
    if (pt_auth_init(auth, store, crypto, NULL) != PT_OK) {
        fprintf(stderr, "patron: the sign-in module could not start\n");
        return 1;
    }
    *opened = true;
    return 0;
}

static void close_auth(struct pt_auth *auth, bool opened)
{
    if (opened)
        pt_auth_dispose(auth);
}

/* The password for an admin command: PATRON_PASSWORD, else one line of
 * standard input (so that it never shows in the process list). */
static int read_password(char *out, size_t size)
{
    const char *given = getenv("PATRON_PASSWORD");
    if (given != NULL) {
        if (strlen(given) >= size)
            return 1;
        snprintf(out, size, "%s", given);
        return 0;
    }
    if (isatty(STDIN_FILENO))
        fprintf(stderr, "Password (at least %d characters): ", PT_AUTH_PASSWORD_MIN_BYTES);
    if (fgets(out, (int)size, stdin) == NULL)
        return 1;
    out[strcspn(out, "\r\n")] = '\0';
    return 0;
}

static void print_user(void *context, const struct pt_auth_user *user)
{
    (void)context;
    char created[32];
    time_t t = (time_t)user->created_at;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(created, sizeof(created), "%Y-%m-%d", &tm);
    printf("%-40s %-7s %-9s since %s\n", user->email, pt_auth_role_name(user->role),
           user->disabled ? "disabled" : "active", created);
}

static int admin_command(const struct options *options, struct pt_auth *auth, int64_t now)
{
    const char *sub = options->subcommand;
    char password[PT_AUTH_PASSWORD_MAX_BYTES + 2];
    enum pt_status status = PT_OK;
    if (strcmp(sub, "list-users") == 0)
        return pt_auth_users_each(auth, print_user, NULL) == PT_OK ? 0 : 1;
    if (strcmp(sub, "add-user") == 0 || strcmp(sub, "reset-password") == 0) {
        enum pt_auth_role role = PT_AUTH_VIEWER;
        bool add = strcmp(sub, "add-user") == 0;
        if (add && (options->role == NULL || pt_auth_role_parse(options->role, &role) != PT_OK)) {
            fprintf(stderr, "patron: add-user needs --role admin, editor or viewer\n");
            return EXIT_USAGE;
        }
        if (read_password(password, sizeof(password)) != 0) {
            fprintf(stderr, "patron: no password was given\n");
            return EXIT_USAGE;
        }
        status = add ? pt_auth_user_add(auth, options->email, role, password, 0, now, NULL)
                     : pt_auth_user_set_password(auth, options->email, password, 0, now);
        sodium_memzero(password, sizeof(password));
    } else {
        bool disable = strcmp(sub, "disable-user") == 0;
        status = pt_auth_user_set_disabled(auth, options->email, disable, 0, now);
    }
    switch (status) {
    case PT_OK: fprintf(stderr, "patron: done: %s %s\n", sub, options->email); return 0;
    case PT_ERR_INVALID:
        fprintf(stderr,
                "patron: %s: the address must be valid and the password %d to %d "
                "bytes long\n",
                sub, PT_AUTH_PASSWORD_MIN_BYTES, PT_AUTH_PASSWORD_MAX_BYTES);
        return EXIT_USAGE;
    case PT_ERR_CONFLICT:
        fprintf(stderr, "patron: %s already has an account\n", options->email);
        return 1;
    case PT_ERR_NOT_FOUND:
        fprintf(stderr, "patron: there is no user %s\n", options->email);
        return 1;
    default: fprintf(stderr, "patron: %s failed\n", sub); return 1;
    }
}

/* The demo's editor account, with a fresh password printed at every start,
 * so a newcomer can open the dashboard at once and nobody else can. */
static int demo_account(struct pt_app *app, char password[PT_AUTH_TOKEN_CHARS + 1])
{
    static const char email[] = "editor@demo.example";
    pt_crypto_token(password);
    password[20] = '\0';
    struct pt_auth_user user;
    int64_t now = pt_app_now(app);
    enum pt_status status = pt_auth_user_get(app->auth, email, &user);
    if (status == PT_ERR_NOT_FOUND)
        status = pt_auth_user_add(app->auth, email, PT_AUTH_ADMIN, password, 0, now, NULL);
    else if (status == PT_OK)
        status = pt_auth_user_set_password(app->auth, email, password, 0, now);
    return status == PT_OK ? 0 : 1;
}

/* Set once SIGTERM or SIGINT has come: email in progress is cut off and no
 * further try is made, so that shutdown never waits out SMTP time-outs and
 * retries (minutes with the defaults, past systemd's 30 s). */
static atomic_bool stopping;

static void mail_settings(const struct pt_config *config, struct pt_mail_settings *mail)
{
    mail->stop = &stopping;
    mail->url = config->smtp_url;
    mail->starttls = config->smtp_starttls;
    mail->username = config->smtp_username;
    mail->password = config->smtp_password;
    mail->from = config->mail_from;
    /* A neutral sender name, when the newsroom sets one (issue 14). */
    mail->from_name =
        config->mail_from_name[0] != '\0' ? config->mail_from_name : config->newsroom_name;
    for (size_t i = 0; i < PT_MAIL_SUBJECT_KINDS; i++)
        for (size_t j = 0; j < 1 + PT_LANG_COUNT; j++)
            mail->subjects[i][j] = config->email_subjects[i][j];
    mail->timeout_seconds = config->smtp_timeout;
    mail->retries = config->smtp_retries;
    mail->retry_delay_ms = config->smtp_retry_delay_ms;
}

/* The mapping of the bank's CSV columns from the configuration, with the
 * account's currency for lines that name none. storage holds its strings. */
static int bank_csv_mapping(const struct pt_config *config, struct pt_statement_csv *columns,
                            char *storage, size_t storage_size)
{
    char error[256];
    if (pt_statement_csv_columns(config->bank_csv_columns, config->bank_currency, storage,
                                 storage_size, columns, error, sizeof(error)) != PT_OK) {
        fprintf(stderr, "patron: %s (patron.conf.example shows one)\n", error);
        return 2;
    }
    return 0;
}

/* patron bank import FILE: reads the statement, applies it, says what it
 * did. The running server's sender sends the receipts it queued. */
static int bank_import(const struct pt_config *config, struct pt_store *store, const char *path,
                       const char *format, int64_t now)
{
    if (format != NULL && strcmp(format, "camt053") != 0 && strcmp(format, "csv") != 0) {
        fprintf(stderr, "patron: --format is camt053 or csv\n");
        return EXIT_USAGE;
    }
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        fprintf(stderr, "patron: %s: %s\n", path, strerror(errno));
        return 1;
    }
    struct pt_buf data;
    pt_buf_init(&data);
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof(chunk), file)) > 0 &&
           data.length <= PT_STATEMENT_MAX_BYTES)
        pt_buf_append(&data, chunk, got);
    bool failed = ferror(file);
    fclose(file);
    if (failed) {
        fprintf(stderr, "patron: %s could not be read\n", path);
        pt_buf_dispose(&data);
        return 1;
    }
    struct pt_statement_csv columns;
    char storage[1024];
    bool csv_known = config->bank_csv_columns[0] != '\0';
    if (csv_known && bank_csv_mapping(config, &columns, storage, sizeof(storage)) != 0) {
        pt_buf_dispose(&data);
        return 2;
    }
    struct pt_statement statement;
    char error[512];
    enum pt_status status;
    const char *bytes = data.data != NULL ? data.data : "";
    if (format == NULL)
        status = pt_statement_read(bytes, data.length, csv_known ? &columns : NULL, &statement,
                                   error, sizeof(error));
    else if (strcmp(format, "camt053") == 0)
        status = pt_statement_read_camt053(bytes, data.length, &statement, error, sizeof(error));
    else if (csv_known)
        status =
            pt_statement_read_csv(bytes, data.length, &columns, &statement, error, sizeof(error));
    else {
        fprintf(stderr, "patron: --format csv needs bank_csv_columns in the configuration\n");
        pt_buf_dispose(&data);
        return 2;
    }
    pt_buf_dispose(&data);
    if (status != PT_OK) {
        fprintf(stderr, "patron: %s: %s; nothing was applied\n", path, error);
        return 1;
    }
    struct pt_ledger ledger = {.store = store,
                               .public_url = config->public_url,
                               .newsroom_name = config->newsroom_name,
                               .manage_link_days = config->manage_link_days};
    struct pt_reconcile_summary summary;
    status = pt_reconcile_import(&ledger, &statement, now, config->bank_lapse_days, &summary, error,
                                 sizeof(error));
    pt_statement_dispose(&statement);
    if (status != PT_OK) {
        fprintf(stderr,
                "patron: %s: %s; what was applied stays applied, and importing again "
                "finishes the rest\n",
                path, error);
        return 1;
    }
    struct pt_buf said;
    pt_buf_init(&said);
    pt_reconcile_describe(&summary, &said);
    printf("patron: %s: %s\n", path, said.data);
    pt_buf_dispose(&said);
    return 0;
}

static int send_reminders(const struct pt_config *config, struct pt_store *store,
                          const struct pt_crypto *crypto, int64_t now, volatile int *stop)
{
    if (config->smtp_url[0] == '\0') {
        fprintf(stderr, "patron: smtp_url is not set, so no reminder can be sent\n");
        return 1;
    }
    struct pt_mail_settings mail;
    mail_settings(config, &mail);
    struct pt_buf lock;
    pt_buf_init(&lock);
    pt_buf_printf(&lock, "%s/reminders.lock", config->data_dir);
    struct pt_reminders_job job = {store,
                                   crypto,
                                   &mail,
                                   config->public_url,
                                   {config->public_url,
                                    (const char *const *)config->public_url_list,
                                    config->public_url_count, config->email_origin},
                                   config->newsroom_name,
                                   lock.data,
                                   stop};
    struct pt_reminders_report report;
    enum pt_status status = pt_reminders_send_due(&job, now, &report);
    pt_buf_dispose(&lock);
    if (status == PT_ERR_CONFLICT) {
        fprintf(stderr, "patron: another reminder send is running; this one did nothing\n");
        return 0;
    }
    if (status) {
        fprintf(stderr, "patron: the reminders could not be read\n");
        return 1;
    }
    fprintf(stderr, "patron: reminders due %d, sent %d, failed %d, deferred %d\n", report.due,
            report.sent, report.failed, report.deferred);
    return report.deferred > 0 ? 3 : 0;
}

/* The monthly crypto pledges' round (crypto_months.c), at most every ten
 * minutes, on the outbox's thread so that its emails go out right after. */
static bool crypto_months_ran;
static int64_t crypto_months_last_run;

static void run_crypto_months(struct pt_app *app, int64_t now)
{
    if (pt_processors_named(app->processors, "btcpay") == NULL ||
        (crypto_months_ran && now >= crypto_months_last_run && now - crypto_months_last_run < 600))
        return;
    crypto_months_ran = true;
    crypto_months_last_run = now;
    struct pt_crypto_months_report report;
    if (pt_crypto_months_run(app->ledger, "btcpay", now, &report) != PT_OK)
        fprintf(stderr, "patron: the monthly crypto pledges could not be read\n");
    else if (report.emailed > 0 || report.lapsed > 0)
        fprintf(stderr, "patron: crypto months: %d email(s) queued, %d pledge(s) lapsed\n",
                report.emailed, report.lapsed);
}

/* The outbox's round: the ledger's emails, by the app's clock. */
static int send_outbox(void *context)
{
    struct pt_app *app = context;
    run_crypto_months(app, pt_app_now(app));
    int sent = 0;
    enum pt_status status = pt_pledges_send_outbox(app->ledger, pt_app_now(app), &sent);
    if (status)
        fprintf(stderr, "patron: the outbox could not be read\n");
    return status;
}

/* The in-server daily send, on its own thread so that a long send never
 * holds up requests or shutdown for more than one email. */
struct scheduler {
    struct pt_app *app;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stopping;
    volatile int stop;
    int last_day;
};

static void *scheduler_main(void *argument)
{
    struct scheduler *scheduler = argument;
    pthread_mutex_lock(&scheduler->lock);
    while (!scheduler->stopping) {
        struct timespec deadline;
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_sec += 30;
        pthread_cond_timedwait(&scheduler->wake, &scheduler->lock, &deadline);
        if (scheduler->stopping)
            break;
        int64_t now = pt_app_now(scheduler->app);
        time_t seconds = (time_t)now;
        struct tm tm;
        gmtime_r(&seconds, &tm);
        int day = (int)(now / 86400);
        if (tm.tm_hour < scheduler->app->config->reminders_send_hour || day == scheduler->last_day)
            continue;
        scheduler->last_day = day;
        pthread_mutex_unlock(&scheduler->lock);
        send_reminders(scheduler->app->config, scheduler->app->store, &scheduler->app->crypto, now,
                       &scheduler->stop);
        pthread_mutex_lock(&scheduler->lock);
    }
    pthread_mutex_unlock(&scheduler->lock);
    return NULL;
}

static void scheduler_start(struct scheduler *scheduler, struct pt_app *app)
{
    memset(scheduler, 0, sizeof(*scheduler));
    scheduler->app = app;
    scheduler->last_day = -1;
    pthread_mutex_init(&scheduler->lock, NULL);
    pthread_cond_init(&scheduler->wake, NULL);
    if (pthread_create(&scheduler->thread, NULL, scheduler_main, scheduler) != 0) {
        fprintf(stderr, "patron: cannot start the reminder schedule\n");
        abort();
    }
}

static void scheduler_stop(struct scheduler *scheduler)
{
    pthread_mutex_lock(&scheduler->lock);
    scheduler->stopping = true;
    scheduler->stop = 1;
    pthread_cond_signal(&scheduler->wake);
    pthread_mutex_unlock(&scheduler->lock);
    pthread_join(scheduler->thread, NULL);
    pthread_cond_destroy(&scheduler->wake);
    pthread_mutex_destroy(&scheduler->lock);
}

static int seed_demo(struct pt_app *app)
{
    int64_t count = 0;
    if (pt_store_campaign_count(app->store, &count) != PT_OK)
        return 1;
    if (count > 0)
        return 0;
    struct pt_catalog_error error;
    if (pt_catalog_check_document(pt_demo_campaign, &app->catalog_settings, &error) != PT_OK) {
        fprintf(stderr, "patron: the demo campaign is invalid: %s\n", error.message);
        return 1;
    }
    if (pt_store_campaign_put(app->store, "demo-2026", pt_demo_campaign, pt_app_now(app)) != PT_OK)
        return 1;
    fprintf(stderr, "patron: loaded the demo campaign\n");
    return 0;
}

/* The processors' origins (their API, their checkout, Stripe's card
 * portal), for form-action: browsers hold the redirect that answers a form
 * to the page's form-action. "" when no processor is configured. */
static void origin_of(const char *base, struct pt_buf *out)
{
    const char *host = strstr(base, "://");
    const char *path = host ? strchr(host + 3, '/') : NULL;
    pt_buf_puts(out, " ");
    pt_buf_append(out, base, path ? (size_t)(path - base) : strlen(base));
}

static void processor_origins(const struct pt_config *config, struct pt_buf *out)
{
    if (config->stripe_secret_key[0] != '\0') {
        origin_of(config->stripe_api_base, out);
        pt_buf_puts(out, " https://checkout.stripe.com https://billing.stripe.com");
    }
    if (config->mollie_api_key[0] != '\0') {
        origin_of(config->mollie_api_base, out);
        pt_buf_puts(out, " https://www.mollie.com");
    }
    if (config->btcpay_url[0] != '\0')
        origin_of(config->btcpay_url, out); /* its checkout is on the same server */
}

static void build_embed_policy(struct pt_app *app)
{
    /* The appeal's form posts to /support, which may answer with the
     * processor's checkout when the reader picked an amount. */
    struct pt_buf policy;
    pt_buf_init(&policy);
    pt_buf_printf(&policy, "default-src 'none'; style-src 'self' %s; form-action 'self' %s",
                  app->config->public_urls, app->config->public_urls);
    processor_origins(app->config, &policy);
    pt_buf_printf(&policy, "; base-uri 'none'; frame-ancestors %s", app->config->frame_ancestors);
    app->embed_policy = pt_buf_take(&policy, NULL);

    pt_buf_puts(&policy, "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                         "script-src 'self'; form-action 'self'");
    processor_origins(app->config, &policy);
    pt_buf_puts(&policy, "; base-uri 'none'; frame-ancestors 'none'");
    app->form_policy = pt_buf_take(&policy, NULL);
}

/* The limit on one peer address's open connections. By default 64; but behind
 * a proxy (client_address_header set) every connection comes from the proxy,
 * so none: the proxy limits its clients (docs/OPERATIONS.md). */
static int connections_per_client(const struct pt_config *config)
{
    if (config->connections_per_client >= 0)
        return config->connections_per_client;
    return config->client_address_header[0] != '\0' ? 0 : 64;
}

/* Waits for a signal, checking for changed campaigns in between. SIGHUP
 * reloads at once; SIGTERM and SIGINT end the wait. */
static void wait_for_shutdown(struct pt_app *app, const sigset_t *signals)
{
    for (;;) {
        struct timespec timeout = {app->config->catalog_check_interval, 0};
        int signal_number = sigtimedwait(signals, NULL, &timeout);
        if (signal_number == SIGTERM || signal_number == SIGINT)
            return;
        pt_app_reload_catalog(app, signal_number == SIGHUP);
        pt_app_check_store(app);
    }
}

/* The currencies the support page offers ("USD, EUR"), each one patron
 * knows. Borrowed from config, whose string is cut in place. */
/* no_trace_countries: two-letter codes such as "RU BY" (the country header
 * gives them upper-case; a region "RU-MOW" matches its country). */
static int check_no_trace_countries(const struct pt_config *config)
{
    const char *p = config->no_trace_countries;
    while (*p != '\0') {
        size_t length = strcspn(p, " ,");
        bool letters = length == 2;
        for (size_t i = 0; letters && i < 2; i++)
            letters = (p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= 'a' && p[i] <= 'z');
        if (length > 0 && !letters) {
            fprintf(stderr,
                    "patron: no_trace_countries: \"%.*s\" is not a two-letter country code "
                    "such as RU\n",
                    (int)length, p);
            return 2;
        }
        p += length;
        p += strspn(p, " ,");
    }
    return 0;
}

/* email_origin names one of public_url's addresses, or is empty. */
static int check_email_origin(const struct pt_config *config)
{
    if (config->email_origin[0] == '\0')
        return 0;
    for (size_t i = 0; i < config->public_url_count; i++) {
        if (strcmp(config->email_origin, config->public_url_list[i]) == 0)
            return 0;
    }
    fprintf(stderr,
            "patron: email_origin: \"%s\" is not one of public_url's addresses (%s); leave it "
            "empty to link each email to the address its donor pledged on\n",
            config->email_origin, config->public_urls);
    return 2;
}

static int read_currencies(struct pt_config *config, struct pt_app *app)
{
    app->currency_count = 0;
    for (char *part = strtok(config->currencies, ", "); part != NULL; part = strtok(NULL, ", ")) {
        if (pt_money_currency(part) == NULL || app->currency_count == PT_APP_CURRENCIES_MAX) {
            fprintf(stderr,
                    "patron: currencies: \"%s\" is not a currency patron knows, or there "
                    "are more than %d\n",
                    part, PT_APP_CURRENCIES_MAX);
            return 2;
        }
        app->currencies[app->currency_count++] = part;
    }
    if (app->currency_count == 0) {
        fprintf(stderr, "patron: currencies is empty: the support page needs at least one\n");
        return 2;
    }
    return 0;
}

/* The processors the file configures, and which charges which currency. A
 * Stripe key without a signing secret would start, take readers to
 * Stripe's checkout and charge them, then refuse every webhook: renewals,
 * failures and cancellations would never reach the ledger. A currency on
 * the support page that no processor charges would take readers to a dead
 * end. Better not to start, in either case. */
static int open_processors(const struct pt_config *config, struct pt_app *app)
{
    app->processors = pt_processors_new();
    char error[512] = "";
    if (pt_pay_stripe_check_descriptor(config->stripe_statement_descriptor_prefix,
                                       config->stripe_statement_descriptor_suffix, error,
                                       sizeof(error)) != PT_OK) {
        fprintf(stderr, "patron: %s (docs/PAYMENTS.md, \"Neutral traces\").\n", error);
        return 2;
    }
    if (config->stripe_secret_key[0] != '\0') {
        bool any_secret = false;
        for (const char *p = config->stripe_webhook_secrets; *p != '\0'; p++)
            any_secret |= *p != ',' && *p != ' ';
        if (!any_secret) {
            fprintf(stderr,
                    "patron: stripe_secret_key is set but stripe_webhook_secrets is empty: "
                    "Stripe's webhooks could not be verified, so no renewal, failed payment or "
                    "cancellation would reach the ledger. Add the endpoint's signing secret "
                    "(whsec_..., docs/PAYMENTS.md), or remove stripe_secret_key to run "
                    "without payments.\n");
            return 2; /* a bad setting, as for any other in the file */
        }
        struct pt_stripe_settings stripe = {config->stripe_api_base, config->stripe_secret_key,
                                            config->stripe_webhook_secrets, config->stripe_timeout,
                                            config->stripe_reader_timeout,
                                            config->stripe_statement_descriptor_suffix};
        if (pt_processors_add(app->processors, pt_pay_stripe_new(&stripe), error, sizeof(error)) !=
            PT_OK)
            goto refused;
    }
    if (config->mollie_api_key[0] != '\0') {
        if (strncmp(config->mollie_api_key, "test_", 5) != 0 &&
            strncmp(config->mollie_api_key, "live_", 5) != 0) {
            snprintf(error, sizeof(error),
                     "mollie_api_key must be a Mollie API key, \"test_...\" or \"live_...\" "
                     "(Mollie's dashboard, Developers, API keys)");
            goto refused;
        }
        struct pt_buf webhook;
        pt_buf_init(&webhook);
        pt_buf_printf(&webhook, "%s/v1/webhooks/mollie", config->public_url);
        struct pt_mollie_settings mollie = {config->mollie_api_base, config->mollie_api_key,
                                            config->mollie_timeout, config->mollie_reader_timeout,
                                            webhook.data};
        enum pt_status added =
            pt_processors_add(app->processors, pt_pay_mollie_new(&mollie), error, sizeof(error));
        pt_buf_dispose(&webhook);
        if (added != PT_OK)
            goto refused;
    }
    if (config->bank_iban[0] != '\0') {
        struct pt_bank_settings bank = {config->bank_holder, config->bank_iban, config->bank_bic,
                                        config->bank_name, config->bank_currency};
        struct pt_pay *pay = NULL;
        if (pt_pay_bank_new(&bank, &pay, error, sizeof(error)) != PT_OK ||
            pt_processors_add(app->processors, pay, error, sizeof(error)) != PT_OK)
            goto refused;
        struct pt_statement_csv columns;
        char storage[1024];
        if (config->bank_csv_columns[0] != '\0' &&
            bank_csv_mapping(config, &columns, storage, sizeof(storage)) != 0)
            return 2;
    }
    if (config->btcpay_url[0] != '\0') {
        /* Offered in the newsroom's currencies unless it names its own. */
        struct pt_buf newsroom_currencies;
        pt_buf_init(&newsroom_currencies);
        for (size_t i = 0; i < app->currency_count; i++)
            pt_buf_printf(&newsroom_currencies, "%s ", app->currencies[i]);
        struct pt_btcpay_settings btcpay = {
            .url = config->btcpay_url,
            .store_id = config->btcpay_store_id,
            .api_key = config->btcpay_api_key,
            .webhook_secret = config->btcpay_webhook_secret,
            .currencies = config->btcpay_currencies[0] != '\0' ? config->btcpay_currencies
                                                               : newsroom_currencies.data,
            .timeout_seconds = config->btcpay_timeout,
            .reader_timeout_seconds = config->btcpay_reader_timeout,
            .invoice_minutes = config->btcpay_invoice_minutes,
        };
        struct pt_pay *pay = NULL;
        enum pt_status made = pt_pay_btcpay_new(&btcpay, &pay, error, sizeof(error));
        pt_buf_dispose(&newsroom_currencies);
        if (made != PT_OK ||
            pt_processors_add(app->processors, pay, error, sizeof(error)) != PT_OK)
            goto refused;
    } else if (config->btcpay_api_key[0] != '\0' || config->btcpay_store_id[0] != '\0' ||
               config->btcpay_webhook_secret[0] != '\0') {
        snprintf(error, sizeof(error),
                 "btcpay_api_key, btcpay_store_id or btcpay_webhook_secret is set but btcpay_url "
                 "is not: set the BTCPay Server's address, or remove them");
        goto refused;
    }
    if (pt_processors_count(app->processors) == 0 && config->currency_processors[0] != '\0') {
        snprintf(error, sizeof(error),
                 "currency_processors is set but no processor is: set stripe_secret_key or "
                 "mollie_api_key");
        goto refused;
    }
    if (pt_processors_route(app->processors, config->currency_processors, error, sizeof(error)) !=
            PT_OK ||
        pt_processors_check(app->processors, app->currencies, app->currency_count, error,
                            sizeof(error)) != PT_OK)
        goto refused;
    return 0;
refused:
    fprintf(stderr, "patron: %s\n", error);
    return 2;
}

static int run_server(struct pt_config *config, const struct options *options, bool demo)
{
    struct pt_app app;
    memset(&app, 0, sizeof(app));
    app.config = config;
    app.catalog_settings.public_url = config->public_url;
    app.origins = (struct pt_origins){config->public_url,
                                      (const char *const *)config->public_url_list,
                                      config->public_url_count, config->email_origin};
    app.catalog_settings.default_currency = config->currency;
    app.catalog_settings.frame_ancestors = config->frame_ancestors;
    /* A server without email must not promise one; `patron demo` keeps the
     * offer to show it (docs/OPERATIONS.md). */
    app.catalog_settings.email_off = config->smtp_url[0] == '\0' && !demo;
    app.catalog_settings.goal_counter = pt_ticker_count;
    app.catalog_settings.goal_context = &app;
    const char *offset = getenv("PATRON_CLOCK_OFFSET");
    if (offset != NULL)
        app.clock_offset = strtoll(offset, NULL, 10);

    /* Block the signals we wait for before any thread starts, so that every
     * thread inherits the mask and only sigtimedwait sees them. */
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    int result = check_no_trace_countries(config);
    if (result == 0)
        result = check_email_origin(config);
    if (result == 0)
        result = read_currencies(config, &app);
    if (result == 0)
        result = open_processors(config, &app);
    if (result != 0) {
        pt_processors_free(app.processors);
        return result;
    }
    result = 1;
    struct pt_http_server *server = NULL;
    char brand_error[512];
    if (pt_brand_load(&app.brand, config->accent_color, config->newsroom_logo, brand_error,
                      sizeof(brand_error)) != PT_OK) {
        fprintf(stderr, "patron: %s\n", brand_error);
        result = 2; /* a bad setting, as for any other in the file */
        goto out_brand;
    }
    if (open_store(config, &app.store) != 0)
        goto out_brand;
    if (load_keys(config, app.store, &app.crypto) != 0)
        goto out_store;
    mail_settings(config, &app.mail);
    struct pt_auth auth;
    bool auth_opened = false;
    if (open_auth(app.store, &app.crypto, &auth, &auth_opened) != 0)
        goto out_store;
    app.auth = &auth;
    pthread_mutex_init(&app.auth_lock, NULL);
    pthread_mutex_init(&app.catalog_lock, NULL);
    char demo_password[PT_AUTH_TOKEN_CHARS + 1] = "";
    if ((options->seed_demo || demo) && seed_demo(&app) != 0)
        goto out_auth;
    if (demo && pt_demo_history_prepare(&app) != PT_OK)
        goto out_auth;
    if (demo && demo_account(&app, demo_password) != 0) {
        fprintf(stderr, "patron: the demo's dashboard account could not be made\n");
        goto out_auth;
    }

    struct pt_catalog *catalog = NULL;
    char error[512];
    if (pt_store_load_catalog(app.store, &app.catalog_settings, &catalog, error, sizeof(error)) !=
        PT_OK) {
        /* Serve no appeal rather than no page: the articles keep working. */
        fprintf(stderr, "patron: the stored campaigns were refused, serving none: %s\n", error);
        if (pt_catalog_build(NULL, 0, &app.catalog_settings, -1, &catalog, error, sizeof(error)) !=
            PT_OK)
            goto out_auth;
    }
    pt_catalog_holder_init(&app.catalogs, catalog);
    build_embed_policy(&app);
    app.events = pt_events_new(write_counts, app.store, config->events_flush_interval_ms);
    app.signups = pt_ratelimit_new(config->reminder_signups_per_hour, 3600);
    app.pledge_attempts = pt_ratelimit_new(config->pledge_attempts_per_hour, 3600);
    app.admin_failures = pt_ratelimit_new(PT_APP_ADMIN_FAILURES, PT_APP_ADMIN_FAILURE_SECONDS);
    app.event_batches = pt_ratelimit_new(config->event_batches_per_minute, 60);
    app.thanks_checks = pt_payment_routes_checks_new();
    /* The sender is woken by the ledger when a change queued an email, and
     * looks every five seconds in case an earlier try failed. */
    struct pt_outbox outbox;
    struct pt_ledger ledger = {
        .store = app.store,
        .processors = app.processors,
        .crypto = &app.crypto,
        .mail = &app.mail,
        .public_url = config->public_url,
        .origins = app.origins,
        .newsroom_name = config->newsroom_name,
        .manage_link_days = config->manage_link_days,
        .outbox = &outbox,
        .erase_one_off = config->erase_one_off_after_receipt,
        .erase_cancelled = config->keep_cancelled_days >= 0,
        .keep_cancelled_days = config->keep_cancelled_days,
    };
    app.ledger = &ledger;
    if (pt_outbox_start(&outbox, 5000, send_outbox, &app) != PT_OK) {
        fprintf(stderr, "patron: cannot start the email sender\n");
        abort();
    }
    struct scheduler scheduler;
    bool scheduled = config->reminders_send_hour >= 0 && config->smtp_url[0] != '\0';
    if (scheduled)
        scheduler_start(&scheduler, &app);
    pt_routes_init();
    pt_app_check_store(&app);
    /* On a shared database, another node's campaign change is heard at once
     * (the periodic check in wait_for_shutdown stays, for a missed word). */
    struct pt_catalog_watch catalog_watch;
    if (pt_catalog_watch_start(&catalog_watch, &app) != PT_OK)
        abort();
    struct pt_ticker ticker;
    if (pt_ticker_start(&ticker, &app) != PT_OK)
        abort();

    struct pt_http_settings settings = {
        .listen = config->listen,
        .port = config->port,
        .threads = config->threads,
        .max_connections = config->max_connections,
        .connections_per_client = connections_per_client(config),
        .connection_memory_limit = config->connection_memory_limit,
        .connection_timeout = config->connection_timeout,
        .body_limit = (size_t)config->body_limit,
        .body_limit_of = pt_routes_body_limit,
        .json_errors_of = pt_routes_json_errors,
        .log_requests = config->log_requests,
        .pool_of = pt_routes_pool_of,
        .pools =
            {
                [PT_ROUTES_POOL_READERS] = {"reader", config->reader_workers,
                                            config->worker_queue_limit},
                [PT_ROUTES_POOL_WEBHOOKS] = {"webhook", config->webhook_workers,
                                             config->worker_queue_limit},
                [PT_ROUTES_POOL_STAFF] = {"staff", config->staff_workers,
                                          config->worker_queue_limit},
                [PT_ROUTES_POOL_SIGN_IN] = {"sign-in", config->sign_in_workers,
                                            config->worker_queue_limit},
            },
        .pool_count = PT_ROUTES_POOL_COUNT,
        .busy_retry_after = 5,
    };
    /* Read before the server starts: once it serves, a worker may replace
     * (and free) this catalogue at any moment. */
    size_t campaign_count = catalog->campaign_count;
    if (pt_http_start(&settings, pt_routes_dispatch, &app, &server, error, sizeof(error)) !=
        PT_OK) {
        fprintf(stderr, "patron: %s\n", error);
        goto out_app;
    }
    fprintf(stderr, "patron %s: listening on %s port %d, %zu campaign(s) in service\n",
            PATRON_VERSION, config->listen, pt_http_port(server), campaign_count);
    if (demo) {
        printf("\npatron's demo newsroom is running.\n\n"
               "  The demo article:    %s/\n"
               "  The same in Russian: %s/ru\n"
               "  The support page:    %s/support\n"
               "  Health and metrics:  %s/healthz  %s/metrics\n"
               "                       (metrics and the admin API: "
               "Authorization: Bearer %s)\n"
               "  The dashboard:       %s/dashboard/\n"
               "                       sign in as editor@demo.example, password %s\n"
               "                       (a new one at every start)\n"
               "  Data folder:         %s\n\n"
               "Press Ctrl-C to stop.\n",
               config->public_url, config->public_url, config->public_url, config->public_url,
               config->public_url, config->admin_token, config->public_url, demo_password,
               config->data_dir);
        sodium_memzero(demo_password, sizeof(demo_password));
        fflush(stdout);
    }
    wait_for_shutdown(&app, &signals);
    fprintf(stderr, "patron: shutting down\n");
    /* What matters first: no email holds the exit up, and the counts held in
     * memory are written before anything else may take long. */
    atomic_store(&stopping, true);
    if (pt_events_flush(app.events) != PT_OK)
        fprintf(stderr, "patron: writing event counts failed; trying again at exit\n");
    pt_http_stop(server);
    result = 0;
out_app:
    atomic_store(&stopping, true);
    pt_catalog_watch_stop(&catalog_watch);
    if (scheduled)
        scheduler_stop(&scheduler);
    pt_outbox_stop(&outbox);
    pt_ticker_stop(&ticker);
    pt_payment_routes_checks_free(app.thanks_checks);
    pt_ratelimit_free(app.pledge_attempts);
    pt_ratelimit_free(app.admin_failures);
    pt_ratelimit_free(app.event_batches);
    pt_ratelimit_free(app.signups);
    pt_events_free(app.events); /* writes what is left */
    pt_catalog_holder_dispose(&app.catalogs);
    free(app.embed_policy);
    free(app.form_policy);
out_auth:
    pthread_mutex_destroy(&app.auth_lock);
    pthread_mutex_destroy(&app.catalog_lock);
    close_auth(&auth, auth_opened);
out_store:
    pt_store_close(app.store);
out_brand:
    pt_brand_dispose(&app.brand);
    pt_processors_free(app.processors);
    return result;
}

/* patron store copy: needs no configuration, only the two databases. */
static int copy_store(const struct options *options)
{
    if (options->from == NULL || options->to == NULL) {
        fprintf(stderr, "patron: store copy needs --from FILE (the SQLite database) and --to "
                        "DATABASE (postgresql://...)\n");
        return EXIT_USAGE;
    }
    if (!pt_store_is_postgresql(options->to) && strchr(options->to, '=') == NULL) {
        fprintf(stderr, "patron: --to takes a PostgreSQL database: a postgresql:// URL or "
                        "libpq's \"key=value\" words\n");
        return EXIT_USAGE;
    }
    struct pt_store_copy_report *report = pt_xcalloc(1, sizeof(*report)); /* freed below */
    char error[1024];
    enum pt_status status = pt_store_copy_run(options->from, options->to, report, error,
                                              sizeof(error));
    if (status != PT_OK) {
        fprintf(stderr, "patron: store copy: %s\n", error);
    } else {
        for (size_t i = 0; i < report->count; i++)
            printf("%s: %" PRId64 " row%s\n", report->tables[i].name, report->tables[i].rows,
                   report->tables[i].rows == 1 ? "" : "s");
        printf("patron: copied %" PRId64 " rows in %zu tables from %s; every table's rows "
               "were read back and found the same; committed\n",
               report->rows, report->count, options->from);
    }
    free(report);
    return status == PT_OK ? 0 : 1;
}

static int parse_now(const char *text, int64_t *now)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    char tail = 0;
    if (sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2dZ%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
               &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &tail) != 6)
        return 1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    *now = (int64_t)timegm(&tm);
    return 0;
}

static int load_config(struct pt_config *config, const struct options *options)
{
    char error[600];
    if (options->config_path != NULL &&
        pt_config_load(config, options->config_path, error, sizeof(error)) != PT_OK) {
        fprintf(stderr, "patron: %s\n", error);
        return EXIT_USAGE;
    }
    if (options->port != NULL &&
        pt_config_set(config, "port", options->port, error, sizeof(error)) != PT_OK) {
        fprintf(stderr, "patron: --port: %s\n", error);
        return EXIT_USAGE;
    }
    if (options->data_dir != NULL &&
        pt_config_set(config, "data_dir", options->data_dir, error, sizeof(error)) != PT_OK) {
        fprintf(stderr, "patron: --data-dir: %s\n", error);
        return EXIT_USAGE;
    }
    return 0;
}

int main(int argc, char **argv)
{
    /* One malloc arena for every thread. glibc gives each thread that
     * allocates its own arena, and memory freed in one is never used by
     * another: with 1,000 connections spread differently over the HTTP
     * threads from one minute to the next, each arena kept its own high
     * water mark (bench/appeal: 33.5 MB with one per thread, 30.5 MB with
     * one in all, at the same requests per second; nothing on the appeal's
     * path allocates beyond the request's arena). An operator's
     * MALLOC_ARENA_MAX still wins. */
    if (getenv("MALLOC_ARENA_MAX") == NULL)
        (void)mallopt(M_ARENA_MAX, 1);
    struct options options;
    int result = parse_options(argc, argv, &options);
    if (result != 0)
        return result;
    if (strcmp(options.command, "--help") == 0 || strcmp(options.command, "help") == 0) {
        fputs(usage, stdout);
        return 0;
    }
    if (strcmp(options.command, "--version") == 0) {
        printf("patron %s\n", PATRON_VERSION);
        return 0;
    }
    bool serve = strcmp(options.command, "serve") == 0;
    bool demo = strcmp(options.command, "demo") == 0;
    bool migrate = strcmp(options.command, "migrate") == 0;
    bool reminders = strcmp(options.command, "reminders") == 0;
    bool admin = strcmp(options.command, "admin") == 0;
    bool bank = strcmp(options.command, "bank") == 0;
    bool store_copy = strcmp(options.command, "store") == 0;
    if (!serve && !demo && !migrate && !reminders && !admin && !bank && !store_copy) {
        fprintf(stderr, "patron: unknown command '%s'\n\n%s", options.command, usage);
        return EXIT_USAGE;
    }
    int64_t now = (int64_t)time(NULL);
    if (options.now != NULL && parse_now(options.now, &now) != 0) {
        fprintf(stderr, "patron: --now takes a UTC time such as 2027-01-05T09:00:00Z\n");
        return EXIT_USAGE;
    }
    if ((serve || migrate || reminders || admin || bank) && options.config_path == NULL) {
        fprintf(stderr, "patron: %s needs --config FILE\n", options.command);
        return EXIT_USAGE;
    }
    pt_json_init();
    if (sodium_init() < 0) {
        fprintf(stderr, "patron: libsodium could not start\n");
        return 1;
    }
    if (store_copy)
        return copy_store(&options);
    struct pt_config config;
    pt_config_init(&config);
    result = load_config(&config, &options);
    if (result == 0 && demo) {
        char error[256];
        struct pt_buf url;
        pt_buf_init(&url);
        pt_buf_printf(&url, "http://%s:%d", strchr(config.listen, ':') ? "[::1]" : config.listen,
                      config.port);
        if (strcmp(config.public_url, "http://127.0.0.1:8080") == 0)
            pt_config_set(&config, "public_url", url.data, error, sizeof(error));
        pt_config_set(&config, "demo_pages", "true", error, sizeof(error));
        pt_buf_dispose(&url);
        /* The demo's own admin token, fresh at every start (printed below),
         * so that /metrics and the admin API can be tried. */
        if (config.admin_token[0] == '\0') {
            char token[PT_CRYPTO_TOKEN_CHARS + 1];
            pt_crypto_token(token);
            pt_config_set(&config, "admin_token", token, error, sizeof(error));
            sodium_memzero(token, sizeof(token));
        }
    }
    if (result == 0) {
        if (migrate || reminders || admin || bank) {
            struct pt_store *store = NULL;
            struct pt_crypto crypto;
            result = open_store(&config, &store);
            if (result == 0 && admin) {
                struct pt_auth auth;
                bool opened = false;
                result = load_keys(&config, store, &crypto);
                if (result == 0)
                    result = open_auth(store, &crypto, &auth, &opened);
                if (result == 0)
                    result = admin_command(&options, &auth, now);
                close_auth(&auth, opened);
                sodium_memzero(&crypto, sizeof(crypto));
            }
            if (result == 0 && migrate) {
                struct pt_buf name;
                database_name(&config, &name);
                fprintf(stderr, "patron: %s is up to date\n", name.data);
                pt_buf_dispose(&name);
            }
            if (result == 0 && bank)
                result = bank_import(&config, store, options.file, options.format, now);
            if (result == 0 && reminders) {
                curl_global_init(CURL_GLOBAL_DEFAULT);
                result = load_keys(&config, store, &crypto);
                if (result == 0)
                    result = send_reminders(&config, store, &crypto, now, NULL);
                sodium_memzero(&crypto, sizeof(crypto));
                curl_global_cleanup();
            }
            pt_store_close(store);
        } else {
            curl_global_init(CURL_GLOBAL_DEFAULT);
            result = run_server(&config, &options, demo);
            curl_global_cleanup();
        }
    }
    pt_config_dispose(&config);
    return result;
}
