/* Staff sign-in: users, argon2id passwords, hashed session tokens, CSRF
 * tokens, limits on guessing and the audit log, kept in the store (SQLite's
 * file, or the PostgreSQL database every node shares).
 *
 * Login limits live in the database rather than in ratelimit.c's memory:
 * sign-ins are rare, so a few rows cost nothing, and the counts survive a
 * restart (an attacker cannot reset them by crashing patron) and are shared
 * by every process that uses the database. */
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

static_assert(PT_AUTH_EMAIL_MAX <= PT_STORE_EMAIL_MAX, "the store holds every address");
static_assert(PT_AUTH_HASH_STRING_BYTES <= PT_STORE_PASSWORD_HASH_MAX,
              "the store holds every password hash");
static_assert(PT_AUTH_HASH_BYTES == 32, "the store's hashes are 32 bytes");

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

enum pt_status pt_auth_init(struct pt_auth *auth, struct pt_store *store,
                            const struct pt_crypto *crypto, const struct pt_auth_settings *settings)
{
    memset(auth, 0, sizeof(*auth));
    atomic_init(&auth->hashing, 0);
    if (sodium_init() < 0)
        return PT_ERR_INTERNAL;
    auth->store = store;
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
    auth->store = NULL;
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
    return pt_store_audit_add(auth->store, now, actor_id > 0 ? actor_id : 0, action, detail);
}

struct audit_visit {
    pt_auth_audit_visitor visit;
    void *context;
};

static void visit_audit(void *context, const struct pt_store_audit_entry *line)
{
    struct audit_visit *audit = context;
    struct pt_auth_audit_entry entry = {line->id, line->at, line->actor, line->action,
                                        line->detail};
    audit->visit(audit->context, &entry);
}

enum pt_status pt_auth_audit_each(struct pt_auth *auth, int64_t before_id, int limit,
                                  pt_auth_audit_visitor visit, void *context)
{
    struct audit_visit audit = {visit, context};
    return pt_store_audit_each(auth->store, before_id, limit, visit_audit, &audit);
}

/* ---------------------------------------------------------------- users */

static void read_user(const struct pt_store_user *stored, struct pt_auth_user *user)
{
    user->id = stored->id;
    snprintf(user->email, sizeof(user->email), "%s", stored->email);
    enum pt_auth_role role = PT_AUTH_VIEWER;
    /* The table's CHECK allows only the three names; viewer is the least
     * harmful reading should that ever be bypassed. */
    (void)pt_auth_role_parse(stored->role, &role);
    user->role = role;
    user->disabled = stored->disabled;
    user->created_at = stored->created_at;
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
    enum pt_status status = pt_crypto_normalise_email(email, normal);
    if (status == PT_OK && !role_is_valid(role))
        status = PT_ERR_INVALID;
    if (status == PT_OK)
        status = pt_store_user_add(auth->store, normal, pt_auth_role_name(role), hash, now,
                                   actor_id > 0 ? actor_id : 0, user_id);
    return status;
}

struct user_visit {
    pt_auth_user_visitor visit;
    void *context;
};

static void visit_user(void *context, const struct pt_store_user *stored)
{
    struct user_visit *users = context;
    struct pt_auth_user user;
    read_user(stored, &user);
    users->visit(users->context, &user);
}

enum pt_status pt_auth_users_each(struct pt_auth *auth, pt_auth_user_visitor visit, void *context)
{
    struct user_visit users = {visit, context};
    return pt_store_users_each(auth->store, visit_user, &users);
}

/* The user with this normalised address and its password hash; *found false
 * if none (or its hash does not fit: corrupt, so verifying it fails). */
static enum pt_status find_credentials(struct pt_auth *auth, const char *email,
                                       struct pt_auth_user *user,
                                       char hash[PT_AUTH_HASH_STRING_BYTES], bool *found)
{
    struct pt_store_user stored;
    *found = false;
    enum pt_status status = pt_store_user_get(auth->store, email, &stored);
    if (status == PT_OK) {
        read_user(&stored, user);
        size_t length = strlen(stored.password_hash);
        if (length > 0 && length < PT_AUTH_HASH_STRING_BYTES) {
            memcpy(hash, stored.password_hash, length + 1);
            *found = true;
        }
    }
    sodium_memzero(stored.password_hash, sizeof(stored.password_hash));
    return status == PT_ERR_NOT_FOUND ? PT_OK : status;
}

enum pt_status pt_auth_user_get(struct pt_auth *auth, const char *email, struct pt_auth_user *user)
{
    char normal[PT_AUTH_EMAIL_MAX + 1];
    if (pt_crypto_normalise_email(email, normal) != PT_OK)
        return PT_ERR_NOT_FOUND;
    struct pt_store_user stored;
    enum pt_status status = pt_store_user_get(auth->store, normal, &stored);
    if (status == PT_OK)
        read_user(&stored, user);
    sodium_memzero(stored.password_hash, sizeof(stored.password_hash));
    return status;
}

enum pt_status pt_auth_user_set_disabled(struct pt_auth *auth, const char *email, bool disabled,
                                         int64_t actor_id, int64_t now)
{
    char normal[PT_AUTH_EMAIL_MAX + 1];
    if (pt_crypto_normalise_email(email, normal) != PT_OK)
        return PT_ERR_NOT_FOUND;
    /* Session checks refuse a disabled user anyway; deleting the rows as
     * well means re-enabling the user does not revive old cookies. */
    struct pt_store_user_change change = {
        .email = normal,
        .disabled = disabled ? 1 : 0,
        .sign_out = disabled,
        .now = now,
        .actor_id = actor_id > 0 ? actor_id : 0,
        .action = disabled ? "user_disabled" : "user_enabled",
    };
    return pt_store_user_change(auth->store, &change);
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
    char normal[PT_AUTH_EMAIL_MAX + 1];
    if (pt_crypto_normalise_email(email, normal) != PT_OK)
        return PT_ERR_NOT_FOUND;
    /* A reset is what one does after a suspected compromise: every browser
     * signed in with the old password is signed out, and the lock that the
     * guessing may have caused is lifted. */
    unsigned char account[PT_AUTH_HASH_BYTES];
    hash_limit_key(auth, normal, account);
    struct pt_store_user_change change = {
        .email = normal,
        .disabled = -1,
        .password_hash = hash,
        .sign_out = true,
        .clear_failures = account,
        .now = now,
        .actor_id = actor_id > 0 ? actor_id : 0,
        .action = "password_reset",
    };
    return pt_store_user_change(auth->store, &change);
}

/* ---------------------------------------------------------------- sessions */

static enum pt_status session_create(struct pt_auth *auth, const struct pt_auth_user *user,
                                     int64_t now, char token[PT_AUTH_TOKEN_CHARS + 1],
                                     struct pt_auth_session *session)
{
    memset(session, 0, sizeof(*session));
    pt_crypto_token(token);
    hash_token(token, session->token_hash);
    session->user_id = user->id;
    snprintf(session->email, sizeof(session->email), "%s", user->email);
    session->role = user->role;
    session->created_at = now;
    session->expires_at = now + auth->settings.session_lifetime;
    enum pt_status status = pt_store_session_add(auth->store, session->token_hash, user->id, now,
                                                 session->expires_at);
    if (status)
        sodium_memzero(token, PT_AUTH_TOKEN_CHARS + 1);
    return status;
}

enum pt_status pt_auth_session_check(struct pt_auth *auth, const char *token, int64_t now,
                                     struct pt_auth_session *session)
{
    unsigned char hash[PT_AUTH_HASH_BYTES];
    if (!is_token(token))
        return PT_ERR_NOT_FOUND;
    hash_token(token, hash);
    struct pt_store_session stored;
    enum pt_status status = pt_store_session_get(auth->store, hash, &stored);
    if (status)
        return status;
    bool expired = now >= stored.expires_at ||
                   now - stored.last_seen_at >= auth->settings.session_idle;
    if (stored.disabled || expired) {
        int64_t ignored;
        status = pt_store_session_delete(auth->store, hash, &ignored);
        return status == PT_OK ? PT_ERR_NOT_FOUND : status;
    }
    memset(session, 0, sizeof(*session));
    session->user_id = stored.user_id;
    session->created_at = stored.created_at;
    session->expires_at = stored.expires_at;
    snprintf(session->email, sizeof(session->email), "%s", stored.email);
    enum pt_auth_role role = PT_AUTH_VIEWER;
    (void)pt_auth_role_parse(stored.role, &role);
    session->role = role;
    memcpy(session->token_hash, hash, PT_AUTH_HASH_BYTES);
    if (now - stored.last_seen_at >= SEEN_GRANULARITY)
        status = pt_store_session_seen(auth->store, hash, now);
    return status;
}

enum pt_status pt_auth_logout(struct pt_auth *auth, const char *token, int64_t now)
{
    unsigned char hash[PT_AUTH_HASH_BYTES];
    if (!is_token(token))
        return PT_OK;
    hash_token(token, hash);
    int64_t user_id = 0;
    enum pt_status status = pt_store_session_delete(auth->store, hash, &user_id);
    if (status == PT_OK && user_id > 0)
        status = pt_auth_audit(auth, now, user_id, "logout", "");
    return status;
}

enum pt_status pt_auth_prune(struct pt_auth *auth, int64_t now)
{
    return pt_store_sign_in_prune(auth->store, now, now - auth->settings.session_idle,
                                  now - auth->settings.failure_window);
}

/* ---------------------------------------------------------------- sign-in */

/* Failures in the window: of an account (client NULL), of a client (account
 * NULL), or of one account from one client. */
static enum pt_status count_failures(struct pt_auth *auth, const unsigned char *account,
                                     const unsigned char *client, int64_t now, int64_t *count)
{
    return pt_store_login_failures_count(auth->store, account, client,
                                         now - auth->settings.failure_window, count);
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
        status = pt_store_login_failure_add(auth->store, attempt->account_key,
                                            attempt->client_key, now, &attempt->failure_row);
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
            status = pt_store_login_failure_forget(auth->store, attempt->failure_row);
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
    status = pt_store_login_failures_clear(auth->store, attempt->account_key, attempt->client_key);
    if (status)
        goto out;
    /* Best effort: the sign-in has succeeded, and the old hash still works. */
    if (attempt->rehashed)
        (void)pt_store_user_rehash(auth->store, user->id, attempt->new_hash);
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
