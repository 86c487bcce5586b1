/* Staff sign-in: users, argon2id passwords, hashed session tokens, CSRF
 * tokens, limits on guessing and the audit log, on a sqlite3 handle.
 *
 * Login limits live in the database rather than in ratelimit.c's memory:
 * sign-ins are rare, so a few rows cost nothing, and the counts survive a
 * restart (an attacker cannot reset them by crashing patron) and are shared
 * by every process that opens the database. */
#include "patron/auth.h"
#include "patron/log.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* A session is marked as seen at most once a minute, so a dashboard page and
 * its assets do not each write to the database; the idle timeout is
 * therefore exact to within this many seconds. */
enum { SEEN_GRANULARITY = 60 };

static const char kdf_context[crypto_kdf_CONTEXTBYTES] = {'p', 't', 'a', 'u', 't', 'h', '0', '1'};
enum { CSRF_KEY_ID = 1, LIMIT_KEY_ID = 2 };

static_assert(crypto_auth_KEYBYTES == crypto_kdf_KEYBYTES, "the signing key is a KDF key");
static_assert(crypto_auth_hmacsha256_BYTES == 32, "a CSRF token is 32 bytes in base64url");

/* ---------------------------------------------------------------- sqlite helpers */

static enum pt_status fail(struct pt_auth *auth, const char *what)
{
    pt_log(PT_LOG_ERROR, "auth: %s: %s", what, sqlite3_errmsg(auth->db));
    return PT_ERR_IO;
}

static enum pt_status prepare(struct pt_auth *auth, const char *sql, sqlite3_stmt **statement,
                              const char *what)
{
    if (sqlite3_prepare_v2(auth->db, sql, -1, statement, NULL) != SQLITE_OK)
        return fail(auth, what);
    return PT_OK;
}

static enum pt_status exec(struct pt_auth *auth, const char *sql, const char *what)
{
    if (sqlite3_exec(auth->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return fail(auth, what);
    return PT_OK;
}

/* Savepoints rather than BEGIN, so these functions also work inside a
 * transaction the caller has opened. */
static enum pt_status begin(struct pt_auth *auth)
{
    return exec(auth, "SAVEPOINT pt_auth", "starting a transaction");
}

static enum pt_status finish(struct pt_auth *auth, enum pt_status status)
{
    if (status == PT_OK) {
        enum pt_status committed = exec(auth, "RELEASE pt_auth", "committing");
        if (committed == PT_OK)
            return PT_OK;
        status = committed;
    }
    sqlite3_exec(auth->db, "ROLLBACK TO pt_auth; RELEASE pt_auth", NULL, NULL, NULL);
    return status;
}

/* ---------------------------------------------------------------- keys and hashes */

struct pt_auth_settings pt_auth_settings_default(void)
{
    /* "interactive" (64 MiB, 2 passes, about 0.1 s here) rather than
     * "moderate" (256 MiB, about 0.7 s): a small newsroom server may be asked
     * for several sign-ins at once, and 256 MiB each would let a handful of
     * requests exhaust its memory. The login limits below bound how many
     * guesses an attacker gets online, which is where interactive's lower
     * cost would matter. */
    struct pt_auth_settings settings = {
        .opslimit = crypto_pwhash_OPSLIMIT_INTERACTIVE,
        .memlimit = crypto_pwhash_MEMLIMIT_INTERACTIVE,
        .session_lifetime = 12 * 3600,
        .session_idle = 30 * 60,
        .max_failures_per_account = 5,
        .max_failures_per_client = 20,
        .failure_window = 15 * 60,
        .slowdown_step_ms = 100,
        .slowdown_max_ms = 1000,
        .max_concurrent_hashes = 4,
    };
    return settings;
}

/* Session tokens carry 256 random bits, so a plain (unkeyed, fast) hash is
 * enough: there is nothing to brute-force, and a stolen database still
 * cannot be turned back into cookies. */
static void hash_token(const char *token, unsigned char hash[PT_AUTH_HASH_BYTES])
{
    crypto_generichash(hash, PT_AUTH_HASH_BYTES, (const unsigned char *)token, strlen(token), NULL,
                       0);
}

/* Keyed, unlike hash_token: an address or a typed email has little entropy,
 * and a plain hash of it could be reversed by guessing. */
static void hash_limit_key(const struct pt_auth *auth, const char *text,
                           unsigned char hash[PT_AUTH_HASH_BYTES])
{
    crypto_generichash(hash, PT_AUTH_HASH_BYTES, (const unsigned char *)text, strlen(text),
                       auth->limit_key, sizeof(auth->limit_key));
}

static bool is_token(const char *token)
{
    if (token == NULL || strlen(token) != PT_AUTH_TOKEN_CHARS)
        return false;
    for (const char *c = token; *c; c++) {
        bool ok = (*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
                  (*c >= '0' && *c <= '9') || *c == '-' || *c == '_';
        if (!ok)
            return false;
    }
    return true;
}

enum pt_status pt_auth_init(struct pt_auth *auth, sqlite3 *db, const struct pt_crypto *crypto,
                            const struct pt_auth_settings *settings)
{
    memset(auth, 0, sizeof(*auth));
    atomic_init(&auth->hashing, 0);
    if (sodium_init() < 0)
        return PT_ERR_INTERNAL;
    auth->db = db;
    auth->settings = settings ? *settings : pt_auth_settings_default();
    /* Keys of their own, derived from the one key file, so that a CSRF token
     * can never be confused with anything else signed with signing_key. */
    crypto_kdf_derive_from_key(auth->csrf_key, sizeof(auth->csrf_key), CSRF_KEY_ID, kdf_context,
                               crypto->signing_key);
    crypto_kdf_derive_from_key(auth->limit_key, sizeof(auth->limit_key), LIMIT_KEY_ID, kdf_context,
                               crypto->signing_key);
    /* A hash of a random password nobody knows, made with the same settings
     * as real ones, so checking it takes as long as checking a real one. */
    char random_password[PT_AUTH_TOKEN_CHARS + 1];
    pt_crypto_token(random_password);
    enum pt_status status = pt_auth_password_hash(auth, random_password, auth->dummy_hash);
    sodium_memzero(random_password, sizeof(random_password));
    return status;
}

void pt_auth_dispose(struct pt_auth *auth)
{
    sodium_memzero(auth->csrf_key, sizeof(auth->csrf_key));
    sodium_memzero(auth->limit_key, sizeof(auth->limit_key));
    auth->db = NULL;
}

/* ---------------------------------------------------------------- roles */

const char *pt_auth_role_name(enum pt_auth_role role)
{
    switch (role) {
    case PT_AUTH_VIEWER: return "viewer";
    case PT_AUTH_EDITOR: return "editor";
    case PT_AUTH_ADMIN: return "admin";
    }
    return "unknown";
}

enum pt_status pt_auth_role_parse(const char *name, enum pt_auth_role *role)
{
    static const enum pt_auth_role roles[] = {PT_AUTH_VIEWER, PT_AUTH_EDITOR, PT_AUTH_ADMIN};
    for (size_t i = 0; name != NULL && i < sizeof(roles) / sizeof(roles[0]); i++) {
        if (strcmp(name, pt_auth_role_name(roles[i])) == 0) {
            *role = roles[i];
            return PT_OK;
        }
    }
    return PT_ERR_INVALID;
}

static bool role_is_valid(enum pt_auth_role role)
{
    return role == PT_AUTH_VIEWER || role == PT_AUTH_EDITOR || role == PT_AUTH_ADMIN;
}

/* ---------------------------------------------------------------- passwords */

enum pt_status pt_auth_password_hash(const struct pt_auth *auth, const char *password,
                                     char hash[PT_AUTH_HASH_STRING_BYTES])
{
    /* Bytes, not characters: simple, and never weaker for non-ASCII. The
     * maximum only stops megabyte "passwords" being fed to argon2id. */
    size_t length = password ? strlen(password) : 0;
    if (length < PT_AUTH_PASSWORD_MIN_BYTES || length > PT_AUTH_PASSWORD_MAX_BYTES)
        return PT_ERR_INVALID;
    if (crypto_pwhash_str(hash, password, length, auth->settings.opslimit,
                          auth->settings.memlimit) != 0)
        return PT_ERR_INTERNAL;
    return PT_OK;
}

enum pt_status pt_auth_password_verify(const struct pt_auth *auth, const char *hash,
                                       const char *password, bool *needs_rehash)
{
    if (needs_rehash != NULL)
        *needs_rehash = false;
    /* The length rule is not applied here: it is a rule for new passwords,
     * and refusing early would make a short guess measurably faster. */
    size_t length = password ? strlen(password) : 0;
    if (password == NULL || length > PT_AUTH_PASSWORD_MAX_BYTES) {
        password = "";
        length = 0;
    }
    if (crypto_pwhash_str_verify(hash, password, length) != 0)
        return PT_ERR_INVALID;
    if (needs_rehash != NULL)
        *needs_rehash = crypto_pwhash_str_needs_rehash(hash, auth->settings.opslimit,
                                                       auth->settings.memlimit) != 0;
    return PT_OK;
}

/* ---------------------------------------------------------------- audit */

enum pt_status pt_auth_audit(struct pt_auth *auth, int64_t now, int64_t actor_id,
                             const char *action, const char *detail)
{
    sqlite3_stmt *statement = NULL;
    enum pt_status status =
        prepare(auth, "INSERT INTO audit_log (at, user_id, action, detail) VALUES (?, ?, ?, ?)",
                &statement, "writing the audit log");
    if (status)
        goto out;
    sqlite3_bind_int64(statement, 1, now);
    if (actor_id > 0)
        sqlite3_bind_int64(statement, 2, actor_id);
    else
        sqlite3_bind_null(statement, 2);
    sqlite3_bind_text(statement, 3, action, -1, SQLITE_STATIC);
    sqlite3_bind_text(statement, 4, detail ? detail : "", -1, SQLITE_STATIC);
    if (sqlite3_step(statement) != SQLITE_DONE)
        status = fail(auth, "writing the audit log");
out:
    sqlite3_finalize(statement);
    return status;
}

enum pt_status pt_auth_audit_each(struct pt_auth *auth, int64_t before_id, int limit,
                                  pt_auth_audit_visitor visit, void *context)
{
    sqlite3_stmt *statement = NULL;
    enum pt_status status =
        prepare(auth,
                "SELECT a.id, a.at, COALESCE(u.email, ''), a.action, a.detail FROM audit_log a "
                "LEFT JOIN users u ON u.id = a.user_id WHERE a.id < ? ORDER BY a.id DESC LIMIT ?",
                &statement, "reading the audit log");
    if (status)
        goto out;
    sqlite3_bind_int64(statement, 1, before_id > 0 ? before_id : INT64_MAX);
    sqlite3_bind_int(statement, 2, limit > 0 ? limit : -1);
    int step;
    while ((step = sqlite3_step(statement)) == SQLITE_ROW) {
        struct pt_auth_audit_entry entry = {
            .id = sqlite3_column_int64(statement, 0),
            .at = sqlite3_column_int64(statement, 1),
            .actor = (const char *)sqlite3_column_text(statement, 2),
            .action = (const char *)sqlite3_column_text(statement, 3),
            .detail = (const char *)sqlite3_column_text(statement, 4),
        };
        visit(context, &entry);
    }
    if (step != SQLITE_DONE)
        status = fail(auth, "reading the audit log");
out:
    sqlite3_finalize(statement);
    return status;
}

/* ---------------------------------------------------------------- users */

static void read_user(sqlite3_stmt *statement, struct pt_auth_user *user)
{
    user->id = sqlite3_column_int64(statement, 0);
    snprintf(user->email, sizeof(user->email), "%s",
             (const char *)sqlite3_column_text(statement, 1));
    enum pt_auth_role role = PT_AUTH_VIEWER;
    /* The table's CHECK allows only the three names; viewer is the least
     * harmful reading should that ever be bypassed. */
    (void)pt_auth_role_parse((const char *)sqlite3_column_text(statement, 2), &role);
    user->role = role;
    user->disabled = sqlite3_column_int(statement, 3) != 0;
    user->created_at = sqlite3_column_int64(statement, 4);
}

enum pt_status pt_auth_user_add(struct pt_auth *auth, const char *email, enum pt_auth_role role,
                                const char *password, int64_t actor_id, int64_t now,
                                int64_t *user_id)
{
    char normal[PT_AUTH_EMAIL_MAX + 1];
    char hash[PT_AUTH_HASH_STRING_BYTES];
    /* The cheap checks first, so that a bad form costs no hash. */
    enum pt_status status = pt_crypto_normalise_email(email, normal);
    if (status == PT_OK && !role_is_valid(role))
        status = PT_ERR_INVALID;
    if (status == PT_OK)
        status = pt_auth_password_hash(auth, password, hash);
    if (status == PT_OK)
        status = pt_auth_user_add_hashed(auth, normal, role, hash, actor_id, now, user_id);
    sodium_memzero(hash, sizeof(hash));
    return status;
}

enum pt_status pt_auth_user_add_hashed(struct pt_auth *auth, const char *email,
                                       enum pt_auth_role role, const char *hash, int64_t actor_id,
                                       int64_t now, int64_t *user_id)
{
    char normal[PT_AUTH_EMAIL_MAX + 1];
    sqlite3_stmt *statement = NULL;
    bool open = false;
    enum pt_status status = pt_crypto_normalise_email(email, normal);
    if (status == PT_OK && !role_is_valid(role))
        status = PT_ERR_INVALID;
    if (status)
        goto out;
    status = begin(auth);
    if (status)
        goto out;
    open = true;
    status = prepare(auth,
                     "INSERT INTO users (email, role, password_hash, disabled, created_at, "
                     "updated_at) VALUES (?, ?, ?, 0, ?, ?)",
                     &statement, "adding a user");
    if (status)
        goto out;
    sqlite3_bind_text(statement, 1, normal, -1, SQLITE_STATIC);
    sqlite3_bind_text(statement, 2, pt_auth_role_name(role), -1, SQLITE_STATIC);
    sqlite3_bind_text(statement, 3, hash, -1, SQLITE_STATIC);
    sqlite3_bind_int64(statement, 4, now);
    sqlite3_bind_int64(statement, 5, now);
    int step = sqlite3_step(statement);
    if (step == SQLITE_CONSTRAINT) {
        status = PT_ERR_CONFLICT;
        goto out;
    }
    if (step != SQLITE_DONE) {
        status = fail(auth, "adding a user");
        goto out;
    }
    int64_t id = sqlite3_last_insert_rowid(auth->db);
    if (user_id != NULL)
        *user_id = id;
    char detail[PT_AUTH_EMAIL_MAX + 32];
    snprintf(detail, sizeof(detail), "%s %s", normal, pt_auth_role_name(role));
    status = pt_auth_audit(auth, now, actor_id, "user_added", detail);
out:
    sqlite3_finalize(statement);
    if (open)
        status = finish(auth, status);
    return status;
}

enum pt_status pt_auth_users_each(struct pt_auth *auth, pt_auth_user_visitor visit, void *context)
{
    sqlite3_stmt *statement = NULL;
    enum pt_status status =
        prepare(auth, "SELECT id, email, role, disabled, created_at FROM users ORDER BY email",
                &statement, "listing users");
    if (status)
        goto out;
    int step;
    while ((step = sqlite3_step(statement)) == SQLITE_ROW) {
        struct pt_auth_user user;
        read_user(statement, &user);
        visit(context, &user);
    }
    if (step != SQLITE_DONE)
        status = fail(auth, "listing users");
out:
    sqlite3_finalize(statement);
    return status;
}

enum pt_status pt_auth_user_get(struct pt_auth *auth, const char *email, struct pt_auth_user *user)
{
    char normal[PT_AUTH_EMAIL_MAX + 1];
    sqlite3_stmt *statement = NULL;
    if (pt_crypto_normalise_email(email, normal) != PT_OK)
        return PT_ERR_NOT_FOUND;
    enum pt_status status =
        prepare(auth, "SELECT id, email, role, disabled, created_at FROM users WHERE email = ?",
                &statement, "reading a user");
    if (status)
        goto out;
    sqlite3_bind_text(statement, 1, normal, -1, SQLITE_STATIC);
    int step = sqlite3_step(statement);
    if (step == SQLITE_ROW)
        read_user(statement, user);
    else if (step == SQLITE_DONE)
        status = PT_ERR_NOT_FOUND;
    else
        status = fail(auth, "reading a user");
out:
    sqlite3_finalize(statement);
    return status;
}

/* Runs sql, whose only parameter is a user id, for every session-like row. */
static enum pt_status run_for_user(struct pt_auth *auth, const char *sql, int64_t user_id,
                                   const char *what)
{
    sqlite3_stmt *statement = NULL;
    enum pt_status status = prepare(auth, sql, &statement, what);
    if (status == PT_OK) {
        sqlite3_bind_int64(statement, 1, user_id);
        if (sqlite3_step(statement) != SQLITE_DONE)
            status = fail(auth, what);
    }
    sqlite3_finalize(statement);
    return status;
}

/* Forgets the account's failures: from one client, or (client NULL) from all. */
static enum pt_status clear_failures(struct pt_auth *auth,
                                     const unsigned char account[PT_AUTH_HASH_BYTES],
                                     const unsigned char *client)
{
    sqlite3_stmt *statement = NULL;
    enum pt_status status = prepare(auth,
                                    "DELETE FROM login_failures WHERE account_hash = ?1 "
                                    "AND (?2 IS NULL OR client_hash = ?2)",
                                    &statement, "clearing failed sign-ins");
    if (status == PT_OK) {
        sqlite3_bind_blob(statement, 1, account, PT_AUTH_HASH_BYTES, SQLITE_STATIC);
        if (client != NULL)
            sqlite3_bind_blob(statement, 2, client, PT_AUTH_HASH_BYTES, SQLITE_STATIC);
        if (sqlite3_step(statement) != SQLITE_DONE)
            status = fail(auth, "clearing failed sign-ins");
    }
    sqlite3_finalize(statement);
    return status;
}

enum pt_status pt_auth_user_set_disabled(struct pt_auth *auth, const char *email, bool disabled,
                                         int64_t actor_id, int64_t now)
{
    struct pt_auth_user user;
    sqlite3_stmt *statement = NULL;
    enum pt_status status = begin(auth);
    if (status)
        return status;
    status = pt_auth_user_get(auth, email, &user);
    if (status)
        goto out;
    status = prepare(auth, "UPDATE users SET disabled = ?, updated_at = ? WHERE id = ?", &statement,
                     "disabling a user");
    if (status == PT_OK) {
        sqlite3_bind_int(statement, 1, disabled ? 1 : 0);
        sqlite3_bind_int64(statement, 2, now);
        sqlite3_bind_int64(statement, 3, user.id);
        if (sqlite3_step(statement) != SQLITE_DONE)
            status = fail(auth, "disabling a user");
    }
    sqlite3_finalize(statement);
    /* Session checks refuse a disabled user anyway; deleting the rows as
     * well means re-enabling the user does not revive old cookies. */
    if (status == PT_OK && disabled)
        status = run_for_user(auth, "DELETE FROM sessions WHERE user_id = ?", user.id,
                              "signing a user out");
    if (status == PT_OK)
        status = pt_auth_audit(auth, now, actor_id, disabled ? "user_disabled" : "user_enabled",
                               user.email);
out:
    return finish(auth, status);
}

enum pt_status pt_auth_user_set_password(struct pt_auth *auth, const char *email,
                                         const char *password, int64_t actor_id, int64_t now)
{
    char hash[PT_AUTH_HASH_STRING_BYTES];
    /* Hash before the transaction: argon2id is slow and needs no lock. */
    enum pt_status status = pt_auth_password_hash(auth, password, hash);
    if (status == PT_OK)
        status = pt_auth_user_set_password_hashed(auth, email, hash, actor_id, now);
    sodium_memzero(hash, sizeof(hash));
    return status;
}

enum pt_status pt_auth_user_set_password_hashed(struct pt_auth *auth, const char *email,
                                                const char *hash, int64_t actor_id, int64_t now)
{
    struct pt_auth_user user;
    sqlite3_stmt *statement = NULL;
    enum pt_status status = begin(auth);
    if (status)
        return status;
    status = pt_auth_user_get(auth, email, &user);
    if (status)
        goto out;
    status = prepare(auth, "UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?",
                     &statement, "setting a password");
    if (status == PT_OK) {
        sqlite3_bind_text(statement, 1, hash, -1, SQLITE_STATIC);
        sqlite3_bind_int64(statement, 2, now);
        sqlite3_bind_int64(statement, 3, user.id);
        if (sqlite3_step(statement) != SQLITE_DONE)
            status = fail(auth, "setting a password");
    }
    sqlite3_finalize(statement);
    /* A reset is what one does after a suspected compromise: every browser
     * signed in with the old password is signed out, and the lock that the
     * guessing may have caused is lifted. */
    if (status == PT_OK)
        status = run_for_user(auth, "DELETE FROM sessions WHERE user_id = ?", user.id,
                              "signing a user out");
    if (status == PT_OK) {
        unsigned char account[PT_AUTH_HASH_BYTES];
        hash_limit_key(auth, user.email, account);
        status = clear_failures(auth, account, NULL);
    }
    if (status == PT_OK)
        status = pt_auth_audit(auth, now, actor_id, "password_reset", user.email);
out:
    return finish(auth, status);
}

/* ---------------------------------------------------------------- sessions */

static enum pt_status session_create(struct pt_auth *auth, const struct pt_auth_user *user,
                                     int64_t now, char token[PT_AUTH_TOKEN_CHARS + 1],
                                     struct pt_auth_session *session)
{
    sqlite3_stmt *statement = NULL;
    memset(session, 0, sizeof(*session));
    pt_crypto_token(token);
    hash_token(token, session->token_hash);
    session->user_id = user->id;
    snprintf(session->email, sizeof(session->email), "%s", user->email);
    session->role = user->role;
    session->created_at = now;
    session->expires_at = now + auth->settings.session_lifetime;
    enum pt_status status = prepare(auth,
                                    "INSERT INTO sessions (token_hash, user_id, created_at, "
                                    "expires_at, last_seen_at) VALUES (?, ?, ?, ?, ?)",
                                    &statement, "creating a session");
    if (status)
        goto out;
    sqlite3_bind_blob(statement, 1, session->token_hash, PT_AUTH_HASH_BYTES, SQLITE_STATIC);
    sqlite3_bind_int64(statement, 2, user->id);
    sqlite3_bind_int64(statement, 3, now);
    sqlite3_bind_int64(statement, 4, session->expires_at);
    sqlite3_bind_int64(statement, 5, now);
    if (sqlite3_step(statement) != SQLITE_DONE)
        status = fail(auth, "creating a session");
out:
    sqlite3_finalize(statement);
    if (status)
        sodium_memzero(token, PT_AUTH_TOKEN_CHARS + 1);
    return status;
}

static enum pt_status delete_session(struct pt_auth *auth,
                                     const unsigned char hash[PT_AUTH_HASH_BYTES], int64_t *user_id)
{
    sqlite3_stmt *statement = NULL;
    *user_id = 0;
    enum pt_status status =
        prepare(auth, "DELETE FROM sessions WHERE token_hash = ? RETURNING user_id", &statement,
                "deleting a session");
    if (status)
        goto out;
    sqlite3_bind_blob(statement, 1, hash, PT_AUTH_HASH_BYTES, SQLITE_STATIC);
    int step = sqlite3_step(statement);
    if (step == SQLITE_ROW) {
        *user_id = sqlite3_column_int64(statement, 0);
        step = sqlite3_step(statement);
    }
    if (step != SQLITE_DONE)
        status = fail(auth, "deleting a session");
out:
    sqlite3_finalize(statement);
    return status;
}

enum pt_status pt_auth_session_check(struct pt_auth *auth, const char *token, int64_t now,
                                     struct pt_auth_session *session)
{
    unsigned char hash[PT_AUTH_HASH_BYTES];
    sqlite3_stmt *statement = NULL;
    if (!is_token(token))
        return PT_ERR_NOT_FOUND;
    hash_token(token, hash);
    enum pt_status status = prepare(
        auth,
        "SELECT s.user_id, s.created_at, s.expires_at, s.last_seen_at, u.email, u.role, "
        "u.disabled FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?",
        &statement, "reading a session");
    if (status)
        goto out;
    sqlite3_bind_blob(statement, 1, hash, PT_AUTH_HASH_BYTES, SQLITE_STATIC);
    int step = sqlite3_step(statement);
    if (step == SQLITE_DONE) {
        status = PT_ERR_NOT_FOUND;
        goto out;
    }
    if (step != SQLITE_ROW) {
        status = fail(auth, "reading a session");
        goto out;
    }
    int64_t expires_at = sqlite3_column_int64(statement, 2);
    int64_t last_seen_at = sqlite3_column_int64(statement, 3);
    bool disabled = sqlite3_column_int(statement, 6) != 0;
    bool expired = now >= expires_at || now - last_seen_at >= auth->settings.session_idle;
    if (disabled || expired) {
        sqlite3_finalize(statement);
        statement = NULL;
        int64_t ignored;
        status = delete_session(auth, hash, &ignored);
        if (status == PT_OK)
            status = PT_ERR_NOT_FOUND;
        goto out;
    }
    memset(session, 0, sizeof(*session));
    session->user_id = sqlite3_column_int64(statement, 0);
    session->created_at = sqlite3_column_int64(statement, 1);
    session->expires_at = expires_at;
    snprintf(session->email, sizeof(session->email), "%s",
             (const char *)sqlite3_column_text(statement, 4));
    enum pt_auth_role role = PT_AUTH_VIEWER;
    (void)pt_auth_role_parse((const char *)sqlite3_column_text(statement, 5), &role);
    session->role = role;
    memcpy(session->token_hash, hash, PT_AUTH_HASH_BYTES);
    sqlite3_finalize(statement);
    statement = NULL;
    if (now - last_seen_at >= SEEN_GRANULARITY) {
        status = prepare(auth, "UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?",
                         &statement, "marking a session as seen");
        if (status)
            goto out;
        sqlite3_bind_int64(statement, 1, now);
        sqlite3_bind_blob(statement, 2, hash, PT_AUTH_HASH_BYTES, SQLITE_STATIC);
        if (sqlite3_step(statement) != SQLITE_DONE)
            status = fail(auth, "marking a session as seen");
    }
out:
    sqlite3_finalize(statement);
    return status;
}

enum pt_status pt_auth_logout(struct pt_auth *auth, const char *token, int64_t now)
{
    unsigned char hash[PT_AUTH_HASH_BYTES];
    if (!is_token(token))
        return PT_OK;
    hash_token(token, hash);
    int64_t user_id = 0;
    enum pt_status status = delete_session(auth, hash, &user_id);
    if (status == PT_OK && user_id > 0)
        status = pt_auth_audit(auth, now, user_id, "logout", "");
    return status;
}

enum pt_status pt_auth_prune(struct pt_auth *auth, int64_t now)
{
    sqlite3_stmt *statement = NULL;
    enum pt_status status =
        prepare(auth, "DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at <= ?", &statement,
                "pruning sessions");
    if (status)
        goto out;
    sqlite3_bind_int64(statement, 1, now);
    sqlite3_bind_int64(statement, 2, now - auth->settings.session_idle);
    if (sqlite3_step(statement) != SQLITE_DONE) {
        status = fail(auth, "pruning sessions");
        goto out;
    }
    sqlite3_finalize(statement);
    statement = NULL;
    status = prepare(auth, "DELETE FROM login_failures WHERE at <= ?", &statement,
                     "pruning failed sign-ins");
    if (status)
        goto out;
    sqlite3_bind_int64(statement, 1, now - auth->settings.failure_window);
    if (sqlite3_step(statement) != SQLITE_DONE)
        status = fail(auth, "pruning failed sign-ins");
out:
    sqlite3_finalize(statement);
    return status;
}

/* ---------------------------------------------------------------- sign-in */

/* Failures in the window: of an account (client NULL), of a client (account
 * NULL), or of one account from one client. */
static enum pt_status count_failures(struct pt_auth *auth, const unsigned char *account,
                                     const unsigned char *client, int64_t now, int64_t *count)
{
    sqlite3_stmt *statement = NULL;
    enum pt_status status = prepare(auth,
                                    "SELECT count(*) FROM login_failures WHERE at > ?1 "
                                    "AND (?2 IS NULL OR account_hash = ?2) "
                                    "AND (?3 IS NULL OR client_hash = ?3)",
                                    &statement, "counting failed sign-ins");
    if (status)
        goto out;
    sqlite3_bind_int64(statement, 1, now - auth->settings.failure_window);
    if (account != NULL)
        sqlite3_bind_blob(statement, 2, account, PT_AUTH_HASH_BYTES, SQLITE_STATIC);
    if (client != NULL)
        sqlite3_bind_blob(statement, 3, client, PT_AUTH_HASH_BYTES, SQLITE_STATIC);
    if (sqlite3_step(statement) != SQLITE_ROW) {
        status = fail(auth, "counting failed sign-ins");
        goto out;
    }
    *count = sqlite3_column_int64(statement, 0);
out:
    sqlite3_finalize(statement);
    return status;
}

static enum pt_status record_failure(struct pt_auth *auth,
                                     const unsigned char account[PT_AUTH_HASH_BYTES],
                                     const unsigned char client[PT_AUTH_HASH_BYTES], int64_t now,
                                     int64_t *row)
{
    sqlite3_stmt *statement = NULL;
    enum pt_status status =
        prepare(auth, "INSERT INTO login_failures (account_hash, client_hash, at) VALUES (?, ?, ?)",
                &statement, "recording a failed sign-in");
    if (status == PT_OK) {
        sqlite3_bind_blob(statement, 1, account, PT_AUTH_HASH_BYTES, SQLITE_STATIC);
        sqlite3_bind_blob(statement, 2, client, PT_AUTH_HASH_BYTES, SQLITE_STATIC);
        sqlite3_bind_int64(statement, 3, now);
        if (sqlite3_step(statement) != SQLITE_DONE)
            status = fail(auth, "recording a failed sign-in");
        else
            *row = sqlite3_last_insert_rowid(auth->db);
    }
    sqlite3_finalize(statement);
    return status;
}

/* Takes back the failure recorded for an attempt that never had its password
 * checked (no argon2id slot was free): it was nobody's guess. */
static enum pt_status forget_failure(struct pt_auth *auth, int64_t row)
{
    sqlite3_stmt *statement = NULL;
    enum pt_status status = prepare(auth, "DELETE FROM login_failures WHERE rowid = ?", &statement,
                                    "forgetting a sign-in attempt");
    if (status == PT_OK) {
        sqlite3_bind_int64(statement, 1, row);
        if (sqlite3_step(statement) != SQLITE_DONE)
            status = fail(auth, "forgetting a sign-in attempt");
    }
    sqlite3_finalize(statement);
    return status;
}

/* The user and password hash for a normalised address; *found false if none. */
static enum pt_status find_credentials(struct pt_auth *auth, const char *email,
                                       struct pt_auth_user *user,
                                       char hash[PT_AUTH_HASH_STRING_BYTES], bool *found)
{
    sqlite3_stmt *statement = NULL;
    *found = false;
    enum pt_status status = prepare(auth,
                                    "SELECT id, email, role, disabled, created_at, "
                                    "password_hash FROM users WHERE email = ?",
                                    &statement, "reading a user");
    if (status)
        goto out;
    sqlite3_bind_text(statement, 1, email, -1, SQLITE_STATIC);
    int step = sqlite3_step(statement);
    if (step == SQLITE_ROW) {
        read_user(statement, user);
        const char *stored = (const char *)sqlite3_column_text(statement, 5);
        /* A hash that does not fit is corrupt; verifying it fails. */
        if (stored != NULL && strlen(stored) < PT_AUTH_HASH_STRING_BYTES) {
            memcpy(hash, stored, strlen(stored) + 1);
            *found = true;
        }
    } else if (step != SQLITE_DONE) {
        status = fail(auth, "reading a user");
    }
out:
    sqlite3_finalize(statement);
    return status;
}

static void store_rehash(struct pt_auth *auth, int64_t user_id,
                         const char hash[PT_AUTH_HASH_STRING_BYTES])
{
    sqlite3_stmt *statement = NULL;
    /* Best effort: the sign-in has succeeded, and the old hash still works. */
    if (prepare(auth, "UPDATE users SET password_hash = ? WHERE id = ?", &statement,
                "rehashing a password") != PT_OK)
        goto out;
    sqlite3_bind_text(statement, 1, hash, -1, SQLITE_STATIC);
    sqlite3_bind_int64(statement, 2, user_id);
    if (sqlite3_step(statement) != SQLITE_DONE)
        fail(auth, "rehashing a password");
out:
    sqlite3_finalize(statement);
}

/* The account's slow-down: nothing until it has had more failures (from
 * every client together) than one client may make, then a growing wait,
 * capped so that the right password always gets through within it. */
static int slowdown_ms(const struct pt_auth *auth, int64_t account_failures)
{
    int64_t over = account_failures - auth->settings.max_failures_per_account;
    if (over <= 0)
        return 0;
    int64_t delay = over * auth->settings.slowdown_step_ms;
    return (int)(delay < auth->settings.slowdown_max_ms ? delay : auth->settings.slowdown_max_ms);
}

enum pt_status pt_auth_login_begin(struct pt_auth *auth, const char *email, const char *client,
                                   int64_t now, struct pt_auth_attempt *attempt)
{
    char normal[PT_AUTH_EMAIL_MAX + 1];
    int64_t count = 0;
    memset(attempt, 0, sizeof(*attempt));

    bool plausible = email != NULL && pt_crypto_normalise_email(email, normal) == PT_OK;
    /* An implausible address is still counted under what was typed, and
     * still costs a hash, so it looks like any unknown address. */
    hash_limit_key(auth, plausible ? normal : (email ? email : ""), attempt->account_key);
    hash_limit_key(auth, client ? client : "", attempt->client_key);

    /* The client limit is checked before any hashing: it depends only on the
     * client's own failures, so refusing early reveals nothing about
     * accounts, and it spares argon2id's memory under a flood. */
    enum pt_status status = count_failures(auth, NULL, attempt->client_key, now, &count);
    if (status)
        goto out;
    if (count >= auth->settings.max_failures_per_client) {
        status = PT_ERR_TOO_LARGE;
        goto out;
    }
    /* The lock is per account and client: guesses from elsewhere must not
     * lock the account's owner out (anyone who knows an editor's address
     * could otherwise keep them out of the dashboard). A locked attempt is
     * not recorded, so trying again does not extend the lock: it ends one
     * window after the failure that set it. */
    status = count_failures(auth, attempt->account_key, attempt->client_key, now, &count);
    if (status)
        goto out;
    attempt->locked = count >= auth->settings.max_failures_per_account;
    if (!attempt->locked) {
        /* Counted before the check and removed on success, so that guesses
         * racing each other all count against the limit. */
        status = record_failure(auth, attempt->account_key, attempt->client_key, now,
                                &attempt->failure_row);
        if (status)
            goto out;
    }
    status = count_failures(auth, attempt->account_key, NULL, now, &count);
    if (status)
        goto out;
    attempt->delay_ms = slowdown_ms(auth, count);
    if (plausible)
        status = find_credentials(auth, normal, &attempt->user, attempt->hash, &attempt->found);
out:
    return status;
}

bool pt_auth_hashing_enter(struct pt_auth *auth)
{
    int running = atomic_fetch_add(&auth->hashing, 1);
    if (running < auth->settings.max_concurrent_hashes)
        return true;
    atomic_fetch_sub(&auth->hashing, 1);
    return false;
}

void pt_auth_hashing_leave(struct pt_auth *auth)
{
    atomic_fetch_sub(&auth->hashing, 1);
}

enum pt_status pt_auth_login_verify(struct pt_auth *auth, struct pt_auth_attempt *attempt,
                                    const char *password)
{
    /* The wait comes before the hash and holds no argon2id slot, so an
     * account under attack slows its own sign-ins, not everyone's. */
    if (attempt->delay_ms > 0) {
        struct timespec wait = {attempt->delay_ms / 1000, (attempt->delay_ms % 1000) * 1000000L};
        while (nanosleep(&wait, &wait) != 0 && errno == EINTR)
            continue;
    }
    if (!pt_auth_hashing_enter(auth)) {
        attempt->busy = true;
        return PT_ERR_TOO_LARGE;
    }
    /* Always one argon2id run, whether or not the user exists, is disabled
     * or is locked: the time taken must not tell them apart. */
    bool needs_rehash = false;
    const char *hash = attempt->found ? attempt->hash : auth->dummy_hash;
    attempt->verified = pt_auth_password_verify(auth, hash, password, &needs_rehash) == PT_OK;
    /* The new hash is made here too, so that no argon2id run happens under
     * the caller's lock. Best effort: the old hash still works. */
    if (attempt->verified && needs_rehash &&
        pt_auth_password_hash(auth, password, attempt->new_hash) == PT_OK)
        attempt->rehashed = true;
    pt_auth_hashing_leave(auth);
    return PT_OK;
}

enum pt_status pt_auth_login_finish(struct pt_auth *auth, struct pt_auth_attempt *attempt,
                                    int64_t now, char token[PT_AUTH_TOKEN_CHARS + 1],
                                    struct pt_auth_session *session)
{
    const struct pt_auth_user *user = &attempt->user;
    enum pt_status status = PT_OK;
    token[0] = '\0';
    if (attempt->busy) {
        if (attempt->failure_row > 0)
            status = forget_failure(auth, attempt->failure_row);
        if (status == PT_OK)
            status = PT_ERR_TOO_LARGE;
        goto out;
    }
    if (!attempt->found || !attempt->verified || user->disabled || attempt->locked) {
        status = PT_ERR_INVALID;
        goto out;
    }
    /* Only this client's failures on the account: a sign-in by its owner
     * must not hand a guesser elsewhere a fresh allowance. */
    status = clear_failures(auth, attempt->account_key, attempt->client_key);
    if (status)
        goto out;
    if (attempt->rehashed)
        store_rehash(auth, user->id, attempt->new_hash);
    status = session_create(auth, user, now, token, session);
    if (status == PT_OK)
        status = pt_auth_audit(auth, now, user->id, "login", "");
out:
    pt_auth_attempt_wipe(attempt);
    if (status != PT_OK)
        sodium_memzero(token, PT_AUTH_TOKEN_CHARS + 1);
    return status;
}

void pt_auth_attempt_wipe(struct pt_auth_attempt *attempt)
{
    sodium_memzero(attempt->hash, sizeof(attempt->hash));
    sodium_memzero(attempt->new_hash, sizeof(attempt->new_hash));
}

enum pt_status pt_auth_login(struct pt_auth *auth, const char *email, const char *password,
                             const char *client, int64_t now, char token[PT_AUTH_TOKEN_CHARS + 1],
                             struct pt_auth_session *session)
{
    struct pt_auth_attempt attempt;
    token[0] = '\0';
    enum pt_status status = pt_auth_login_begin(auth, email, client, now, &attempt);
    if (status == PT_OK) {
        (void)pt_auth_login_verify(auth, &attempt, password); /* busy: finish says so */
        status = pt_auth_login_finish(auth, &attempt, now, token, session);
    }
    pt_auth_attempt_wipe(&attempt);
    return status;
}

/* ---------------------------------------------------------------- cookies */

enum pt_status pt_auth_cookie(const struct pt_auth *auth, const char *token, char *out,
                              size_t out_size)
{
    bool clear = token == NULL || token[0] == '\0';
    if (!clear && !is_token(token))
        return PT_ERR_INVALID;
    /* The cookie lasts as long as the session can; the idle limit is the
     * server's to enforce. SameSite=Strict keeps it off every cross-site
     * request, a first defence against CSRF before the form token. */
    int length =
        snprintf(out, out_size,
                 PT_AUTH_COOKIE_NAME "=%s; HttpOnly; Secure; SameSite=Strict; Path=/; "
                                     "Max-Age=%lld",
                 clear ? "" : token, clear ? 0LL : (long long)auth->settings.session_lifetime);
    if (length < 0 || (size_t)length >= out_size) {
        if (out_size > 0)
            out[0] = '\0';
        return PT_ERR_TOO_LARGE;
    }
    return PT_OK;
}

static enum pt_status find_cookie(const char *cookie_header, const char *name,
                                  char token[PT_AUTH_TOKEN_CHARS + 1])
{
    const size_t name_length = strlen(name);
    const char *p = cookie_header;
    token[0] = '\0';
    while (p != NULL && *p != '\0') {
        while (*p == ' ' || *p == '\t' || *p == ';')
            p++;
        const char *end = strchr(p, ';');
        size_t length = end ? (size_t)(end - p) : strlen(p);
        while (length > 0 && (p[length - 1] == ' ' || p[length - 1] == '\t'))
            length--;
        if (length == name_length + 1 + PT_AUTH_TOKEN_CHARS && memcmp(p, name, name_length) == 0 &&
            p[name_length] == '=') {
            memcpy(token, p + name_length + 1, PT_AUTH_TOKEN_CHARS);
            token[PT_AUTH_TOKEN_CHARS] = '\0';
            if (is_token(token))
                return PT_OK;
            token[0] = '\0';
        }
        p = end;
    }
    return PT_ERR_NOT_FOUND;
}

enum pt_status pt_auth_cookie_token(const char *cookie_header, char token[PT_AUTH_TOKEN_CHARS + 1])
{
    return find_cookie(cookie_header, PT_AUTH_COOKIE_NAME, token);
}

enum pt_status pt_auth_login_cookie_token(const char *cookie_header,
                                          char token[PT_AUTH_TOKEN_CHARS + 1])
{
    return find_cookie(cookie_header, PT_AUTH_LOGIN_COOKIE_NAME, token);
}

enum pt_status pt_auth_login_cookie(const char *token, char *out, size_t out_size)
{
    if (!is_token(token))
        return PT_ERR_INVALID;
    int length = snprintf(out, out_size,
                          PT_AUTH_LOGIN_COOKIE_NAME "=%s; HttpOnly; Secure; SameSite=Strict; "
                                                    "Path=/; Max-Age=%d",
                          token, PT_AUTH_LOGIN_FORM_SECONDS);
    if (length < 0 || (size_t)length >= out_size) {
        if (out_size > 0)
            out[0] = '\0';
        return PT_ERR_TOO_LARGE;
    }
    return PT_OK;
}

bool pt_auth_login_form_check(const char *cookie_header, const char *submitted)
{
    char expected[PT_AUTH_TOKEN_CHARS + 1];
    if (cookie_header == NULL || submitted == NULL || strlen(submitted) != PT_AUTH_TOKEN_CHARS ||
        pt_auth_login_cookie_token(cookie_header, expected) != PT_OK)
        return false;
    return sodium_memcmp(expected, submitted, PT_AUTH_TOKEN_CHARS) == 0;
}

/* ---------------------------------------------------------------- CSRF */

/* Stateless: the token is an HMAC of the session's token hash, so it is
 * different for every session, dies with it, and needs no table. It is made
 * from the hash, not the cookie token, so the page that carries it holds
 * nothing that would let a reader of the HTML sign in. */
void pt_auth_csrf_token(const struct pt_auth *auth, const struct pt_auth_session *session,
                        char out[PT_AUTH_TOKEN_CHARS + 1])
{
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256(mac, session->token_hash, PT_AUTH_HASH_BYTES, auth->csrf_key);
    sodium_bin2base64(out, PT_AUTH_TOKEN_CHARS + 1, mac, sizeof(mac),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

enum pt_status pt_auth_csrf_check(const struct pt_auth *auth, const struct pt_auth_session *session,
                                  const char *submitted)
{
    char expected[PT_AUTH_TOKEN_CHARS + 1];
    /* The length is public (every token has it); only the contents are
     * compared in constant time. */
    if (submitted == NULL || strlen(submitted) != PT_AUTH_TOKEN_CHARS)
        return PT_ERR_INVALID;
    pt_auth_csrf_token(auth, session, expected);
    int differs = sodium_memcmp(expected, submitted, PT_AUTH_TOKEN_CHARS);
    sodium_memzero(expected, sizeof(expected));
    return differs == 0 ? PT_OK : PT_ERR_INVALID;
}
