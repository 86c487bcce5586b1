/* Staff sign-in for the dashboard: users, passwords, sessions, CSRF tokens,
 * limits on guessing, and the audit log. No HTTP here: the caller passes the
 * cookie's token, the client's address and the clock, and sets the cookie
 * this module builds.
 *
 * Passwords are argon2id (libsodium crypto_pwhash_str). A session is a random
 * 32-byte token in a cookie; the database holds only its hash. The CSRF token
 * of a session is an HMAC of that hash, so it needs no storage.
 *
 * Every sign-in failure answers PT_ERR_INVALID, whatever the reason (unknown
 * address, wrong password, disabled or locked account), and takes the time of
 * one password hash, so the answer does not tell whether an account exists.
 *
 * Threads: struct pt_auth holds no lock; what it keeps is in the store
 * (pt_store_user_…, _session_…, _login_failure…, _audit_…), which is safe
 * from any thread, and shared by every process on one database. A caller
 * that serialises calls anyway should make pt_auth_login_verify (and
 * pt_auth_password_verify/_hash), which touch no database, outside its
 * lock, so that session checks never wait for argon2id. */
#ifndef PATRON_AUTH_H
#define PATRON_AUTH_H

#include <sodium.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "patron/crypto.h"
#include "patron/status.h"
#include "patron/store.h"

#define PT_AUTH_HASH_BYTES 32
#define PT_AUTH_TOKEN_CHARS PT_CRYPTO_TOKEN_CHARS /* 43: 32 bytes, base64url */
#define PT_AUTH_PASSWORD_MIN_BYTES 12
#define PT_AUTH_PASSWORD_MAX_BYTES 1024
#define PT_AUTH_EMAIL_MAX 254
#define PT_AUTH_HASH_STRING_BYTES crypto_pwhash_STRBYTES
/* The __Host- prefix makes browsers refuse the cookie unless it is Secure,
 * has Path=/ and no Domain, so a sibling subdomain cannot plant one. */
#define PT_AUTH_COOKIE_NAME "__Host-patron_session"
/* Before there is a session, the sign-in form's CSRF token is a random value
 * in this cookie that the form must repeat (a double-submit token), so that
 * another site cannot sign a browser in to an account of its choosing. */
#define PT_AUTH_LOGIN_COOKIE_NAME "__Host-patron_login"
#define PT_AUTH_LOGIN_FORM_SECONDS 3600

enum pt_auth_role {
    PT_AUTH_VIEWER = 1, /* reads the dashboard */
    PT_AUTH_EDITOR,     /* also edits campaigns */
    PT_AUTH_ADMIN,      /* also manages users */
};

/* "admin", "editor", "viewer"; "unknown" for anything else. */
const char *pt_auth_role_name(enum pt_auth_role role);
/* PT_ERR_INVALID unless name is exactly one of the three. */
enum pt_status pt_auth_role_parse(const char *name, enum pt_auth_role *role);

struct pt_auth_settings {
    unsigned long long opslimit;  /* argon2id passes */
    size_t memlimit;              /* argon2id memory, bytes */
    int64_t session_lifetime;     /* seconds from sign-in, whatever happens */
    int64_t session_idle;         /* seconds without a request */
    int max_failures_per_account; /* in one window, from one client, before that
                                     client is locked out of that account */
    int max_failures_per_client;  /* in one window, from one address, any account */
    int64_t failure_window;       /* seconds */
    int slowdown_step_ms;         /* wait per account failure (all clients) beyond
                                     max_failures_per_account... */
    int slowdown_max_ms;          /* ...up to this, before its password is checked */
    int max_concurrent_hashes;    /* argon2id runs at once for sign-ins; beyond, busy */
};

/* The defaults: argon2id "interactive" (64 MiB, 2 passes), sessions of 12
 * hours that end after 30 idle minutes, 5 failures per account from one
 * client and 20 per client in 15 minutes, then 100 ms more wait per failure
 * on an account from anywhere (at most 1 s), and 4 sign-in hashes at once. */
struct pt_auth_settings pt_auth_settings_default(void);

struct pt_auth {
    struct pt_store *store;                                  /* not owned; migrated */
    struct pt_auth_settings settings;                        /* copied at init */
    unsigned char csrf_key[crypto_auth_hmacsha256_KEYBYTES]; /* from the key file */
    unsigned char limit_key[crypto_generichash_KEYBYTES];    /* hashes login_failures keys */
    char dummy_hash[PT_AUTH_HASH_STRING_BYTES]; /* verified when the user does not exist */
    atomic_int hashing;                         /* sign-in argon2id runs in progress */
};

/* Derives the module's keys from crypto's signing key and hashes one dummy
 * password with the settings (one argon2id run at start-up). settings may be
 * NULL for the defaults. PT_ERR_INTERNAL if libsodium cannot start or hash. */
enum pt_status pt_auth_init(struct pt_auth *auth, struct pt_store *store,
                            const struct pt_crypto *crypto, const struct pt_auth_settings *settings);
/* Wipes the keys. The store stays open: it is the caller's. */
void pt_auth_dispose(struct pt_auth *auth);

/* ---------------------------------------------------------------- passwords */

/* Hashes password into hash (NUL-terminated). PT_ERR_INVALID if it is shorter
 * than PT_AUTH_PASSWORD_MIN_BYTES or longer than PT_AUTH_PASSWORD_MAX_BYTES;
 * PT_ERR_INTERNAL if argon2id cannot get its memory. */
enum pt_status pt_auth_password_hash(const struct pt_auth *auth, const char *password,
                                     char hash[PT_AUTH_HASH_STRING_BYTES]);
/* PT_OK if password matches hash, else PT_ERR_INVALID. *needs_rehash (may be
 * NULL) says whether hash was made with other settings than auth's. */
enum pt_status pt_auth_password_verify(const struct pt_auth *auth, const char *hash,
                                       const char *password, bool *needs_rehash);

/* ---------------------------------------------------------------- users */

struct pt_auth_user {
    int64_t id;
    char email[PT_AUTH_EMAIL_MAX + 1]; /* normalised */
    enum pt_auth_role role;
    bool disabled;
    int64_t created_at;
};

typedef void (*pt_auth_user_visitor)(void *context, const struct pt_auth_user *user);

/* `patron admin add-user`. actor_id is the admin doing it, 0 for the command
 * line. PT_ERR_INVALID for a bad address or password, PT_ERR_CONFLICT if the
 * address is taken. *user_id may be NULL. */
enum pt_status pt_auth_user_add(struct pt_auth *auth, const char *email, enum pt_auth_role role,
                                const char *password, int64_t actor_id, int64_t now,
                                int64_t *user_id);
/* `patron admin list-users`, in order of email. */
enum pt_status pt_auth_users_each(struct pt_auth *auth, pt_auth_user_visitor visit, void *context);
/* PT_ERR_NOT_FOUND if no such user. */
enum pt_status pt_auth_user_get(struct pt_auth *auth, const char *email, struct pt_auth_user *user);
/* `patron admin disable-user` (and its undo). Disabling also signs the user
 * out everywhere. PT_ERR_NOT_FOUND if no such user. */
enum pt_status pt_auth_user_set_disabled(struct pt_auth *auth, const char *email, bool disabled,
                                         int64_t actor_id, int64_t now);
/* `patron admin reset-password`: sets a new password, signs the user out
 * everywhere and clears the account's failed attempts (unlocking it). */
enum pt_status pt_auth_user_set_password(struct pt_auth *auth, const char *email,
                                         const char *password, int64_t actor_id, int64_t now);
/* The two above with a hash from pt_auth_password_hash, made beforehand, so
 * that a caller that serialises calls can hash outside its lock. */
enum pt_status pt_auth_user_add_hashed(struct pt_auth *auth, const char *email,
                                       enum pt_auth_role role, const char *hash, int64_t actor_id,
                                       int64_t now, int64_t *user_id);
enum pt_status pt_auth_user_set_password_hashed(struct pt_auth *auth, const char *email,
                                                const char *hash, int64_t actor_id, int64_t now);

/* ---------------------------------------------------------------- sessions */

struct pt_auth_session {
    int64_t user_id;
    char email[PT_AUTH_EMAIL_MAX + 1];
    enum pt_auth_role role;
    int64_t created_at;
    int64_t expires_at;                           /* absolute end */
    unsigned char token_hash[PT_AUTH_HASH_BYTES]; /* what the CSRF token is made from */
};

/* Signs in. client names where the attempt comes from (the IP address, or the
 * /64 of an IPv6 one); it only feeds the limits. On success writes a fresh
 * token for the cookie and fills *session.
 * PT_ERR_INVALID: wrong, unknown, disabled or locked, indistinguishably.
 * PT_ERR_TOO_LARGE: this client failed too often, or max_concurrent_hashes
 * sign-ins are being checked already; no password was checked.
 * The limits: after max_failures_per_account failures on one account from one
 * client, that client cannot sign in to it until a window has passed since
 * the last of them (its further tries are not counted, so they do not extend
 * it); other clients can. Failures on an account from every client together
 * only slow its sign-ins down (slowdown_*), never lock them, so that nobody
 * can keep a colleague out by guessing at their address. The counts are kept
 * for any address typed, existing or not, so a lock does not reveal an
 * account either.
 *
 * pt_auth_login runs the three steps below in a row; a caller that
 * serialises calls with a lock calls them itself and holds the lock for
 * begin and finish only. */
enum pt_status pt_auth_login(struct pt_auth *auth, const char *email, const char *password,
                             const char *client, int64_t now, char token[PT_AUTH_TOKEN_CHARS + 1],
                             struct pt_auth_session *session);

/* One sign-in between its steps. Holds a password hash: wiped by finish. */
struct pt_auth_attempt {
    struct pt_auth_user user;                      /* when found */
    char hash[PT_AUTH_HASH_STRING_BYTES];          /* the user's stored hash */
    char new_hash[PT_AUTH_HASH_STRING_BYTES];      /* when rehashed */
    unsigned char account_key[PT_AUTH_HASH_BYTES]; /* keyed hash of the typed address */
    unsigned char client_key[PT_AUTH_HASH_BYTES];  /* keyed hash of the client */
    int64_t failure_row;                           /* the failure recorded in advance, or 0 */
    int delay_ms;                                  /* the account's slow-down */
    bool found, locked, verified, rehashed, busy;
};

/* Step 1 (database): the limits, the failure counted in advance and the
 * account's hash. PT_ERR_TOO_LARGE when the client is over its limit. */
enum pt_status pt_auth_login_begin(struct pt_auth *auth, const char *email, const char *client,
                                   int64_t now, struct pt_auth_attempt *attempt);
/* Step 2 (no database; any thread, no lock): waits the account's slow-down,
 * then one argon2id run. PT_ERR_TOO_LARGE (attempt->busy) when
 * max_concurrent_hashes runs are in progress; finish must still be called. */
enum pt_status pt_auth_login_verify(struct pt_auth *auth, struct pt_auth_attempt *attempt,
                                    const char *password);
/* Step 3 (database): as pt_auth_login answers. A busy attempt is not counted
 * as a failure and gives PT_ERR_TOO_LARGE. Wipes the attempt. */
enum pt_status pt_auth_login_finish(struct pt_auth *auth, struct pt_auth_attempt *attempt,
                                    int64_t now, char token[PT_AUTH_TOKEN_CHARS + 1],
                                    struct pt_auth_session *session);
/* Wipes the hashes an attempt holds (for a caller that stops after begin). */
void pt_auth_attempt_wipe(struct pt_auth_attempt *attempt);

/* A slot for one argon2id run of a sign-in: false when max_concurrent_hashes
 * are taken. Every true is followed by one pt_auth_hashing_leave. */
bool pt_auth_hashing_enter(struct pt_auth *auth);
void pt_auth_hashing_leave(struct pt_auth *auth);

/* The session of a cookie's token. PT_ERR_NOT_FOUND if there is none, it has
 * expired (absolute or idle: the row is then deleted), or its user is
 * disabled. Marks the session as seen at now. */
enum pt_status pt_auth_session_check(struct pt_auth *auth, const char *token, int64_t now,
                                     struct pt_auth_session *session);

/* Sign-out: deletes the session of token. PT_OK even if there was none. */
enum pt_status pt_auth_logout(struct pt_auth *auth, const char *token, int64_t now);

/* Deletes expired sessions and failures older than the window. */
enum pt_status pt_auth_prune(struct pt_auth *auth, int64_t now);

/* The Set-Cookie value carrying token (token NULL or "" clears the cookie,
 * for sign-out). PT_ERR_TOO_LARGE if out is too small; 160 bytes suffice. */
enum pt_status pt_auth_cookie(const struct pt_auth *auth, const char *token, char *out,
                              size_t out_size);

/* Finds the session token in a Cookie request header. PT_ERR_NOT_FOUND if
 * there is none or it does not look like a token. */
enum pt_status pt_auth_cookie_token(const char *cookie_header, char token[PT_AUTH_TOKEN_CHARS + 1]);

/* The sign-in form's cookie: the Set-Cookie value carrying token (a fresh
 * pt_crypto_token), and finding it again in a Cookie header. */
enum pt_status pt_auth_login_cookie(const char *token, char *out, size_t out_size);
enum pt_status pt_auth_login_cookie_token(const char *cookie_header,
                                          char token[PT_AUTH_TOKEN_CHARS + 1]);
/* True when the form repeated the token of the sign-in cookie (compared in
 * constant time); false when either is missing or they differ. */
bool pt_auth_login_form_check(const char *cookie_header, const char *submitted);

/* ---------------------------------------------------------------- CSRF */

/* The token to put in the session's forms (a hidden field). */
void pt_auth_csrf_token(const struct pt_auth *auth, const struct pt_auth_session *session,
                        char out[PT_AUTH_TOKEN_CHARS + 1]);
/* PT_OK if submitted is the session's token (compared in constant time),
 * else PT_ERR_INVALID; submitted may be NULL. */
enum pt_status pt_auth_csrf_check(const struct pt_auth *auth, const struct pt_auth_session *session,
                                  const char *submitted);

/* ---------------------------------------------------------------- audit */

/* Actions of the admin API (a bearer token, no user) start with this, so that
 * the audit log can say who made them; actor_id is then 0. */
#define PT_AUTH_AUDIT_API_PREFIX "api_"

/* Appends to the audit log. actor_id 0 means the command line (or, with an
 * action that starts with PT_AUTH_AUDIT_API_PREFIX, the admin API). */
enum pt_status pt_auth_audit(struct pt_auth *auth, int64_t now, int64_t actor_id,
                             const char *action, const char *detail);

/* One line of the audit log; strings are borrowed for the visit. */
struct pt_auth_audit_entry {
    int64_t id;
    int64_t at;
    const char *actor;  /* the user's address, "" for the command line */
    const char *action; /* "user_added", "login", "campaign_saved", ... */
    const char *detail;
};
typedef void (*pt_auth_audit_visitor)(void *context, const struct pt_auth_audit_entry *entry);

/* Visits the audit log newest first: entries with an id below before_id
 * (0 for the newest), at most limit of them (0 for all). */
enum pt_status pt_auth_audit_each(struct pt_auth *auth, int64_t before_id, int limit,
                                  pt_auth_audit_visitor visit, void *context);

#endif
