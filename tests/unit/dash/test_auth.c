/* Staff sign-in: passwords, users, sessions, CSRF tokens and login limits, on
 * a store of its own (SQLite's, and again PostgreSQL's: tests/unit/scratch.h). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "patron/auth.h"
#include "scratch.h"

static struct pt_scratch scratch;
static struct pt_store *db; /* the store auth keeps its rows in */
static struct pt_crypto crypto;
static struct pt_auth auth;

static const int64_t T0 = 1800000000; /* a fixed clock: 2027-01-15 */
static const char *const PASSWORD = "correct horse battery";
static const char *const EMAIL = "ana@example.org";

/* Cheapest argon2id, so that the many sign-ins here take milliseconds; one
 * test below checks the real default settings. */
static struct pt_auth_settings fast_settings(void)
{
    struct pt_auth_settings settings = pt_auth_settings_default();
    settings.opslimit = crypto_pwhash_OPSLIMIT_MIN;
    settings.memlimit = crypto_pwhash_MEMLIMIT_MIN;
    settings.session_lifetime = 3600;
    settings.session_idle = 900;
    settings.max_failures_per_account = 5;
    settings.max_failures_per_client = 20;
    settings.failure_window = 600;
    settings.slowdown_step_ms = 1; /* the rule, without making the tests wait */
    settings.slowdown_max_ms = 5;
    return settings;
}

static void setup(void)
{
    /* Every migration, through the store, which auth then uses. */
    pt_scratch_open(&scratch, "auth");
    db = scratch.store;
    cr_assert(sodium_init() >= 0);
    randombytes_buf(crypto.signing_key, sizeof(crypto.signing_key));
    struct pt_auth_settings settings = fast_settings();
    cr_assert_eq(pt_auth_init(&auth, db, &crypto, &settings), PT_OK);
}

static void teardown(void)
{
    pt_auth_dispose(&auth);
    pt_scratch_close(&scratch);
}

static int64_t add_user(const char *email, enum pt_auth_role role)
{
    int64_t id = 0;
    cr_assert_eq(pt_auth_user_add(&auth, email, role, PASSWORD, 0, T0, &id), PT_OK);
    cr_assert_gt(id, 0);
    return id;
}

static int64_t count_rows(const char *sql)
{
    return pt_scratch_query_int(&scratch, sql);
}

static enum pt_status login(const char *email, const char *password, const char *client,
                            int64_t now, char token[PT_AUTH_TOKEN_CHARS + 1],
                            struct pt_auth_session *session)
{
    return pt_auth_login(&auth, email, password, client, now, token, session);
}

/* ---------------------------------------------------------------- passwords */

TestSuite(password, .init = setup, .fini = teardown);

Test(password, a_hash_verifies_and_is_argon2id)
{
    char hash[PT_AUTH_HASH_STRING_BYTES];
    cr_assert_eq(pt_auth_password_hash(&auth, PASSWORD, hash), PT_OK);
    cr_assert_eq(strncmp(hash, "$argon2id$", 10), 0, "%s", hash);
    bool needs_rehash = true;
    cr_assert_eq(pt_auth_password_verify(&auth, hash, PASSWORD, &needs_rehash), PT_OK);
    cr_assert_not(needs_rehash);
    char again[PT_AUTH_HASH_STRING_BYTES];
    cr_assert_eq(pt_auth_password_hash(&auth, PASSWORD, again), PT_OK);
    cr_assert_str_neq(hash, again, "each hash has its own salt");
}

Test(password, wrong_passwords_are_refused)
{
    char hash[PT_AUTH_HASH_STRING_BYTES];
    cr_assert_eq(pt_auth_password_hash(&auth, PASSWORD, hash), PT_OK);
    cr_assert_eq(pt_auth_password_verify(&auth, hash, "correct horse battery ", NULL),
                 PT_ERR_INVALID);
    cr_assert_eq(pt_auth_password_verify(&auth, hash, "Correct horse battery", NULL),
                 PT_ERR_INVALID);
    cr_assert_eq(pt_auth_password_verify(&auth, hash, "", NULL), PT_ERR_INVALID);
    cr_assert_eq(pt_auth_password_verify(&auth, hash, NULL, NULL), PT_ERR_INVALID);
    cr_assert_eq(pt_auth_password_verify(&auth, "not a hash", PASSWORD, NULL), PT_ERR_INVALID);
}

Test(password, length_limits)
{
    char hash[PT_AUTH_HASH_STRING_BYTES];
    cr_assert_eq(pt_auth_password_hash(&auth, "elevenchars", hash), PT_ERR_INVALID);
    cr_assert_eq(pt_auth_password_hash(&auth, "twelve chars", hash), PT_OK);
    cr_assert_eq(pt_auth_password_hash(&auth, NULL, hash), PT_ERR_INVALID);
    char *long_password = malloc(PT_AUTH_PASSWORD_MAX_BYTES + 2);
    memset(long_password, 'x', PT_AUTH_PASSWORD_MAX_BYTES + 1);
    long_password[PT_AUTH_PASSWORD_MAX_BYTES + 1] = '\0';
    cr_assert_eq(pt_auth_password_hash(&auth, long_password, hash), PT_ERR_INVALID);
    long_password[PT_AUTH_PASSWORD_MAX_BYTES] = '\0';
    cr_assert_eq(pt_auth_password_hash(&auth, long_password, hash), PT_OK);
    free(long_password);
}

Test(password, other_settings_ask_for_a_rehash)
{
    char hash[PT_AUTH_HASH_STRING_BYTES];
    cr_assert_eq(pt_auth_password_hash(&auth, PASSWORD, hash), PT_OK);
    struct pt_auth stronger;
    struct pt_auth_settings settings = fast_settings();
    settings.opslimit += 1;
    cr_assert_eq(pt_auth_init(&stronger, db, &crypto, &settings), PT_OK);
    bool needs_rehash = false;
    cr_assert_eq(pt_auth_password_verify(&stronger, hash, PASSWORD, &needs_rehash), PT_OK);
    cr_assert(needs_rehash);
    pt_auth_dispose(&stronger);
}

Test(password, signing_in_rehashes_with_the_current_settings)
{
    add_user(EMAIL, PT_AUTH_EDITOR);
    pt_auth_dispose(&auth);
    struct pt_auth_settings settings = fast_settings();
    settings.opslimit += 1;
    cr_assert_eq(pt_auth_init(&auth, db, &crypto, &settings), PT_OK);
    char token[PT_AUTH_TOKEN_CHARS + 1];
    struct pt_auth_session session;
    cr_assert_eq(login(EMAIL, PASSWORD, "192.0.2.1", T0, token, &session), PT_OK);

    struct pt_store_user user;
    cr_assert_eq(pt_store_user_get(db, EMAIL, &user), PT_OK);
    char stored[PT_AUTH_HASH_STRING_BYTES];
    snprintf(stored, sizeof(stored), "%s", user.password_hash);
    bool needs_rehash = true;
    cr_assert_eq(pt_auth_password_verify(&auth, stored, PASSWORD, &needs_rehash), PT_OK);
    cr_assert_not(needs_rehash, "the stored hash now has the new settings: %s", stored);
    cr_assert_eq(login(EMAIL, PASSWORD, "192.0.2.1", T0 + 1, token, &session), PT_OK);
}

Test(password, the_defaults_are_argon2id_interactive, .timeout = 30)
{
    struct pt_auth_settings defaults = pt_auth_settings_default();
    cr_assert_eq(defaults.opslimit, crypto_pwhash_OPSLIMIT_INTERACTIVE);
    cr_assert_eq(defaults.memlimit, crypto_pwhash_MEMLIMIT_INTERACTIVE);
    struct pt_auth real;
    cr_assert_eq(pt_auth_init(&real, db, &crypto, NULL), PT_OK);
    char hash[PT_AUTH_HASH_STRING_BYTES];
    cr_assert_eq(pt_auth_password_hash(&real, PASSWORD, hash), PT_OK);
    cr_assert_eq(pt_auth_password_verify(&real, hash, PASSWORD, NULL), PT_OK);
    pt_auth_dispose(&real);
}

Test(password, the_dummy_hash_costs_what_a_real_one_does)
{
    cr_assert_eq(strncmp(auth.dummy_hash, "$argon2id$", 10), 0);
    cr_assert_eq(crypto_pwhash_str_needs_rehash(auth.dummy_hash, auth.settings.opslimit,
                                                auth.settings.memlimit),
                 0);
}

/* ---------------------------------------------------------------- users */

TestSuite(users, .init = setup, .fini = teardown);

static void collect(void *context, const struct pt_auth_user *user)
{
    char *list = context;
    size_t used = strlen(list);
    snprintf(list + used, 512 - used, "%s:%s:%d;", user->email, pt_auth_role_name(user->role),
             user->disabled ? 1 : 0);
}

Test(users, add_list_and_get)
{
    add_user("  Zoe@Example.ORG ", PT_AUTH_VIEWER);
    int64_t ana = add_user(EMAIL, PT_AUTH_ADMIN);
    add_user("bo@example.org", PT_AUTH_EDITOR);
    char list[512] = "";
    cr_assert_eq(pt_auth_users_each(&auth, collect, list), PT_OK);
    cr_assert_str_eq(list, "ana@example.org:admin:0;bo@example.org:editor:0;"
                           "zoe@example.org:viewer:0;");
    struct pt_auth_user user;
    cr_assert_eq(pt_auth_user_get(&auth, "ANA@example.org", &user), PT_OK);
    cr_assert_eq(user.id, ana);
    cr_assert_eq(user.role, PT_AUTH_ADMIN);
    cr_assert_eq(user.created_at, T0);
    cr_assert_eq(pt_auth_user_get(&auth, "nobody@example.org", &user), PT_ERR_NOT_FOUND);
}

Test(users, bad_input_and_duplicates_are_refused)
{
    add_user(EMAIL, PT_AUTH_ADMIN);
    cr_assert_eq(pt_auth_user_add(&auth, "Ana@Example.org", PT_AUTH_VIEWER, PASSWORD, 0, T0, NULL),
                 PT_ERR_CONFLICT);
    cr_assert_eq(pt_auth_user_add(&auth, "not an address", PT_AUTH_VIEWER, PASSWORD, 0, T0, NULL),
                 PT_ERR_INVALID);
    cr_assert_eq(pt_auth_user_add(&auth, "b@example.org", PT_AUTH_VIEWER, "short", 0, T0, NULL),
                 PT_ERR_INVALID);
    cr_assert_eq(
        pt_auth_user_add(&auth, "b@example.org", (enum pt_auth_role)42, PASSWORD, 0, T0, NULL),
        PT_ERR_INVALID);
    cr_assert_eq(count_rows("SELECT count(*) FROM users"), 1);
    cr_assert_eq(pt_auth_user_set_disabled(&auth, "nobody@example.org", true, 0, T0),
                 PT_ERR_NOT_FOUND);
    cr_assert_eq(pt_auth_user_set_password(&auth, "nobody@example.org", PASSWORD, 0, T0),
                 PT_ERR_NOT_FOUND);
}

Test(users, roles_parse_and_name)
{
    enum pt_auth_role role;
    cr_assert_eq(pt_auth_role_parse("admin", &role), PT_OK);
    cr_assert_eq(role, PT_AUTH_ADMIN);
    cr_assert_eq(pt_auth_role_parse("editor", &role), PT_OK);
    cr_assert_eq(role, PT_AUTH_EDITOR);
    cr_assert_eq(pt_auth_role_parse("viewer", &role), PT_OK);
    cr_assert_eq(role, PT_AUTH_VIEWER);
    cr_assert_eq(pt_auth_role_parse("Admin", &role), PT_ERR_INVALID);
    cr_assert_eq(pt_auth_role_parse("root", &role), PT_ERR_INVALID);
    cr_assert_eq(pt_auth_role_parse(NULL, &role), PT_ERR_INVALID);
    cr_assert_str_eq(pt_auth_role_name((enum pt_auth_role)42), "unknown");
}

Test(users, changes_are_audited_and_the_log_is_append_only)
{
    int64_t admin = add_user(EMAIL, PT_AUTH_ADMIN);
    cr_assert_eq(
        pt_auth_user_add(&auth, "bo@example.org", PT_AUTH_VIEWER, PASSWORD, admin, T0, NULL),
        PT_OK);
    cr_assert_eq(pt_auth_user_set_disabled(&auth, "bo@example.org", true, admin, T0 + 1), PT_OK);
    cr_assert_eq(
        pt_auth_user_set_password(&auth, "bo@example.org", "a new long password", admin, T0 + 2),
        PT_OK);
    cr_assert_eq(count_rows("SELECT count(*) FROM audit_log WHERE user_id IS NULL AND action = "
                            "'user_added' AND detail = 'ana@example.org admin'"),
                 1);
    cr_assert_eq(count_rows("SELECT count(*) FROM audit_log WHERE user_id = 1 AND action IN "
                            "('user_added', 'user_disabled', 'password_reset') AND detail "
                            "LIKE 'bo@example.org%'"),
                 3);
    cr_assert_eq(count_rows("SELECT count(*) FROM audit_log WHERE detail LIKE '%password%' AND "
                            "action != 'password_reset'"),
                 0);
    cr_assert_not(pt_scratch_exec(&scratch, "UPDATE audit_log SET detail = ''"));
    cr_assert_not(pt_scratch_exec(&scratch, "DELETE FROM audit_log"));
}

struct audit_seen {
    int count;
    int64_t ids[8];
    char actors[8][64];
    char actions[8][32];
};

static void remember_entry(void *context, const struct pt_auth_audit_entry *entry)
{
    struct audit_seen *seen = context;
    if (seen->count < 8) {
        seen->ids[seen->count] = entry->id;
        snprintf(seen->actors[seen->count], 64, "%s", entry->actor);
        snprintf(seen->actions[seen->count], 32, "%s", entry->action);
    }
    seen->count++;
}

Test(users, the_audit_log_reads_newest_first_in_pages)
{
    int64_t admin = add_user(EMAIL, PT_AUTH_ADMIN); /* entry 1, from the command line */
    cr_assert_eq(pt_auth_audit(&auth, T0 + 1, admin, "campaign_saved", "spring"), PT_OK);
    cr_assert_eq(pt_auth_audit(&auth, T0 + 2, admin, "donor_lookup", "donor 0a0b"), PT_OK);
    struct audit_seen seen = {0};
    cr_assert_eq(pt_auth_audit_each(&auth, 0, 2, remember_entry, &seen), PT_OK);
    cr_assert_eq(seen.count, 2);
    cr_assert_str_eq(seen.actions[0], "donor_lookup");
    cr_assert_str_eq(seen.actors[0], EMAIL);
    cr_assert_str_eq(seen.actions[1], "campaign_saved");
    struct audit_seen older = {0};
    cr_assert_eq(pt_auth_audit_each(&auth, seen.ids[1], 0, remember_entry, &older), PT_OK);
    cr_assert_eq(older.count, 1);
    cr_assert_str_eq(older.actions[0], "user_added");
    cr_assert_str_eq(older.actors[0], "", "the command line has no address");
}

/* ---------------------------------------------------------------- sessions */

TestSuite(sessions, .init = setup, .fini = teardown);

Test(sessions, signing_in_gives_a_token_that_finds_the_session)
{
    int64_t id = add_user(EMAIL, PT_AUTH_EDITOR);
    char token[PT_AUTH_TOKEN_CHARS + 1];
    struct pt_auth_session session;
    cr_assert_eq(login("Ana@Example.org", PASSWORD, "192.0.2.1", T0, token, &session), PT_OK);
    cr_assert_eq(strlen(token), PT_AUTH_TOKEN_CHARS);
    cr_assert_eq(session.user_id, id);
    cr_assert_eq(session.role, PT_AUTH_EDITOR);
    cr_assert_eq(session.expires_at, T0 + 3600);

    struct pt_auth_session found;
    cr_assert_eq(pt_auth_session_check(&auth, token, T0 + 10, &found), PT_OK);
    cr_assert_eq(found.user_id, id);
    cr_assert_str_eq(found.email, EMAIL);
    cr_assert_eq(found.role, PT_AUTH_EDITOR);
    cr_assert_eq(memcmp(found.token_hash, session.token_hash, PT_AUTH_HASH_BYTES), 0);

    char other[PT_AUTH_TOKEN_CHARS + 1];
    struct pt_auth_session second;
    cr_assert_eq(login(EMAIL, PASSWORD, "192.0.2.1", T0, other, &second), PT_OK);
    cr_assert_str_neq(token, other, "every sign-in has a fresh token");
    cr_assert_eq(count_rows("SELECT count(*) FROM audit_log WHERE action = 'login'"), 2);
}

Test(sessions, only_a_hash_of_the_token_is_stored)
{
    add_user(EMAIL, PT_AUTH_VIEWER);
    char token[PT_AUTH_TOKEN_CHARS + 1];
    struct pt_auth_session session;
    cr_assert_eq(login(EMAIL, PASSWORD, "192.0.2.1", T0, token, &session), PT_OK);
    char literal[100], sql[200];
    pt_scratch_bytes_literal(&scratch, session.token_hash, PT_AUTH_HASH_BYTES, literal,
                             sizeof(literal));
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM sessions WHERE token_hash = %s", literal);
    cr_assert_eq(count_rows("SELECT count(*) FROM sessions"), 1);
    cr_assert_eq(count_rows(sql), 1, "the one row holds the hash");
    cr_assert_null(memmem(session.token_hash, PT_AUTH_HASH_BYTES, token, 8));
}

Test(sessions, unknown_and_malformed_tokens_find_nothing)
{
    struct pt_auth_session session;
    char token[PT_AUTH_TOKEN_CHARS + 1];
    pt_crypto_token(token);
    cr_assert_eq(pt_auth_session_check(&auth, token, T0, &session), PT_ERR_NOT_FOUND);
    cr_assert_eq(pt_auth_session_check(&auth, NULL, T0, &session), PT_ERR_NOT_FOUND);
    cr_assert_eq(pt_auth_session_check(&auth, "", T0, &session), PT_ERR_NOT_FOUND);
    cr_assert_eq(pt_auth_session_check(&auth, "short", T0, &session), PT_ERR_NOT_FOUND);
    token[5] = '=';
    cr_assert_eq(pt_auth_session_check(&auth, token, T0, &session), PT_ERR_NOT_FOUND);
}

Test(sessions, the_absolute_lifetime_ends_even_an_active_session)
{
    add_user(EMAIL, PT_AUTH_VIEWER);
    char token[PT_AUTH_TOKEN_CHARS + 1];
    struct pt_auth_session session;
    cr_assert_eq(login(EMAIL, PASSWORD, "192.0.2.1", T0, token, &session), PT_OK);
    /* A request every ten minutes keeps it from going idle (900 s)... */
    for (int64_t t = T0 + 600; t < T0 + 3600; t += 600)
        cr_assert_eq(pt_auth_session_check(&auth, token, t, &session), PT_OK, "at +%lld",
                     (long long)(t - T0));
    cr_assert_eq(pt_auth_session_check(&auth, token, T0 + 3599, &session), PT_OK);
    /* ...but not past its lifetime (3600 s). */
    cr_assert_eq(pt_auth_session_check(&auth, token, T0 + 3600, &session), PT_ERR_NOT_FOUND);
    cr_assert_eq(count_rows("SELECT count(*) FROM sessions"), 0, "the expired row is deleted");
    cr_assert_eq(pt_auth_session_check(&auth, token, T0 + 3000, &session), PT_ERR_NOT_FOUND);
}

Test(sessions, an_idle_session_ends)
{
    add_user(EMAIL, PT_AUTH_VIEWER);
    char token[PT_AUTH_TOKEN_CHARS + 1];
    struct pt_auth_session session;
    cr_assert_eq(login(EMAIL, PASSWORD, "192.0.2.1", T0, token, &session), PT_OK);
    cr_assert_eq(pt_auth_session_check(&auth, token, T0 + 899, &session), PT_OK);
    /* That request counted as activity: 899 s later it is still alive. */
    cr_assert_eq(pt_auth_session_check(&auth, token, T0 + 899 + 899, &session), PT_OK);
    cr_assert_eq(pt_auth_session_check(&auth, token, T0 + 1798 + 900, &session), PT_ERR_NOT_FOUND);
    cr_assert_eq(pt_auth_session_check(&auth, token, T0 + 1798 + 1, &session), PT_ERR_NOT_FOUND,
                 "once ended it stays ended");
}

Test(sessions, signing_out_ends_the_session)
{
    add_user(EMAIL, PT_AUTH_VIEWER);
    char token[PT_AUTH_TOKEN_CHARS + 1], other[PT_AUTH_TOKEN_CHARS + 1];
    struct pt_auth_session session;
    cr_assert_eq(login(EMAIL, PASSWORD, "192.0.2.1", T0, token, &session), PT_OK);
    cr_assert_eq(login(EMAIL, PASSWORD, "192.0.2.2", T0, other, &session), PT_OK);
    cr_assert_eq(pt_auth_logout(&auth, token, T0 + 5), PT_OK);
    cr_assert_eq(pt_auth_session_check(&auth, token, T0 + 6, &session), PT_ERR_NOT_FOUND);
    cr_assert_eq(pt_auth_session_check(&auth, other, T0 + 6, &session), PT_OK,
                 "only that browser is signed out");
    cr_assert_eq(pt_auth_logout(&auth, token, T0 + 7), PT_OK, "signing out twice is fine");
    cr_assert_eq(pt_auth_logout(&auth, "garbage", T0 + 7), PT_OK);
    cr_assert_eq(count_rows("SELECT count(*) FROM audit_log WHERE action = 'logout'"), 1);
}

Test(sessions, a_disabled_user_is_signed_out_and_cannot_sign_in)
{
    add_user(EMAIL, PT_AUTH_ADMIN);
    char token[PT_AUTH_TOKEN_CHARS + 1];
    struct pt_auth_session session;
    cr_assert_eq(login(EMAIL, PASSWORD, "192.0.2.1", T0, token, &session), PT_OK);
    cr_assert_eq(pt_auth_user_set_disabled(&auth, EMAIL, true, 0, T0 + 1), PT_OK);
    cr_assert_eq(pt_auth_session_check(&auth, token, T0 + 2, &session), PT_ERR_NOT_FOUND);
    cr_assert_eq(login(EMAIL, PASSWORD, "192.0.2.1", T0 + 3, token, &session), PT_ERR_INVALID);
    cr_assert_eq(pt_auth_user_set_disabled(&auth, EMAIL, false, 0, T0 + 4), PT_OK);
    cr_assert_eq(login(EMAIL, PASSWORD, "192.0.2.1", T0 + 5, token, &session), PT_OK);
}

Test(sessions, a_disabled_flag_alone_stops_a_session)
{
    /* Even if the user is disabled behind this module's back (by hand, by a
     * later tool), the session check refuses it. */
    add_user(EMAIL, PT_AUTH_ADMIN);
    char token[PT_AUTH_TOKEN_CHARS + 1];
    struct pt_auth_session session;
    cr_assert_eq(login(EMAIL, PASSWORD, "192.0.2.1", T0, token, &session), PT_OK);
    cr_assert(pt_scratch_exec(&scratch, "UPDATE users SET disabled = 1"));
    cr_assert_eq(pt_auth_session_check(&auth, token, T0 + 1, &session), PT_ERR_NOT_FOUND);
}

Test(sessions, a_password_reset_signs_out_everywhere)
{
    add_user(EMAIL, PT_AUTH_ADMIN);
    char token[PT_AUTH_TOKEN_CHARS + 1];
    struct pt_auth_session session;
    cr_assert_eq(login(EMAIL, PASSWORD, "192.0.2.1", T0, token, &session), PT_OK);
    cr_assert_eq(pt_auth_user_set_password(&auth, EMAIL, "short", 0, T0 + 1), PT_ERR_INVALID);
    cr_assert_eq(pt_auth_session_check(&auth, token, T0 + 2, &session), PT_OK);
    cr_assert_eq(pt_auth_user_set_password(&auth, EMAIL, "an entirely new one", 0, T0 + 3), PT_OK);
    cr_assert_eq(pt_auth_session_check(&auth, token, T0 + 4, &session), PT_ERR_NOT_FOUND);
    cr_assert_eq(login(EMAIL, PASSWORD, "192.0.2.1", T0 + 5, token, &session), PT_ERR_INVALID);
    cr_assert_eq(login(EMAIL, "an entirely new one", "192.0.2.1", T0 + 6, token, &session), PT_OK);
}

Test(sessions, pruning_removes_expired_rows)
{
    add_user(EMAIL, PT_AUTH_VIEWER);
    char token[PT_AUTH_TOKEN_CHARS + 1];
    struct pt_auth_session session;
    cr_assert_eq(login(EMAIL, PASSWORD, "192.0.2.1", T0, token, &session), PT_OK);
    cr_assert_eq(login(EMAIL, PASSWORD, "192.0.2.1", T0 + 800, token, &session), PT_OK);
    cr_assert_eq(login(EMAIL, "wrong password!", "192.0.2.1", T0 + 800, token, &session),
                 PT_ERR_INVALID);
    cr_assert_eq(pt_auth_prune(&auth, T0 + 900), PT_OK);
    cr_assert_eq(count_rows("SELECT count(*) FROM sessions"), 1, "the idle one went");
    cr_assert_eq(count_rows("SELECT count(*) FROM login_failures"), 1);
    cr_assert_eq(pt_auth_prune(&auth, T0 + 800 + 600), PT_OK);
    cr_assert_eq(count_rows("SELECT count(*) FROM login_failures"), 0);
}

/* ---------------------------------------------------------------- cookies */

TestSuite(cookie, .init = setup, .fini = teardown);

Test(cookie, set_cookie_has_every_attribute)
{
    char token[PT_AUTH_TOKEN_CHARS + 1];
    pt_crypto_token(token);
    char value[160], expected[256];
    cr_assert_eq(pt_auth_cookie(&auth, token, value, sizeof(value)), PT_OK);
    snprintf(expected, sizeof(expected),
             "__Host-patron_session=%s; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=3600",
             token);
    cr_assert_str_eq(value, expected);
    cr_assert_eq(pt_auth_cookie(&auth, NULL, value, sizeof(value)), PT_OK);
    cr_assert_str_eq(value, "__Host-patron_session=; HttpOnly; Secure; SameSite=Strict; Path=/; "
                            "Max-Age=0");
    cr_assert_eq(pt_auth_cookie(&auth, token, value, 40), PT_ERR_TOO_LARGE);
    cr_assert_eq(pt_auth_cookie(&auth, "x; Domain=evil", value, sizeof(value)), PT_ERR_INVALID);
}

Test(cookie, the_token_is_found_among_other_cookies)
{
    char token[PT_AUTH_TOKEN_CHARS + 1], found[PT_AUTH_TOKEN_CHARS + 1];
    pt_crypto_token(token);
    char header[256];
    snprintf(header, sizeof(header), "theme=dark; __Host-patron_session=%s; lang=ru", token);
    cr_assert_eq(pt_auth_cookie_token(header, found), PT_OK);
    cr_assert_str_eq(found, token);
    snprintf(header, sizeof(header), "__Host-patron_session=%s", token);
    cr_assert_eq(pt_auth_cookie_token(header, found), PT_OK);
    cr_assert_str_eq(found, token);

    cr_assert_eq(pt_auth_cookie_token(NULL, found), PT_ERR_NOT_FOUND);
    cr_assert_eq(pt_auth_cookie_token("", found), PT_ERR_NOT_FOUND);
    cr_assert_eq(pt_auth_cookie_token("theme=dark", found), PT_ERR_NOT_FOUND);
    snprintf(header, sizeof(header), "patron_session=%s", token);
    cr_assert_eq(pt_auth_cookie_token(header, found), PT_ERR_NOT_FOUND);
    cr_assert_eq(pt_auth_cookie_token("__Host-patron_session=short", found), PT_ERR_NOT_FOUND);
    snprintf(header, sizeof(header), "__Host-patron_session=%.42s!", token);
    cr_assert_eq(pt_auth_cookie_token(header, found), PT_ERR_NOT_FOUND);
}

Test(cookie, the_sign_in_form_token_must_repeat_its_cookie)
{
    char token[PT_AUTH_TOKEN_CHARS + 1], other[PT_AUTH_TOKEN_CHARS + 1], cookie[200];
    pt_crypto_token(token);
    pt_crypto_token(other);
    cr_assert_eq(pt_auth_login_cookie(token, cookie, sizeof(cookie)), PT_OK);
    cr_assert(strstr(cookie, "__Host-patron_login=") == cookie);
    cr_assert(strstr(cookie, "; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=3600"));
    char header[300];
    snprintf(header, sizeof(header), "a=1; __Host-patron_login=%s; b=2", token);
    cr_assert(pt_auth_login_form_check(header, token));
    cr_assert_not(pt_auth_login_form_check(header, other), "another token");
    cr_assert_not(pt_auth_login_form_check(header, NULL), "no field");
    cr_assert_not(pt_auth_login_form_check(NULL, token), "no cookie");
    cr_assert_not(pt_auth_login_form_check(header, ""), "an empty field");
    snprintf(header, sizeof(header), "__Host-patron_session=%s", token);
    cr_assert_not(pt_auth_login_form_check(header, token), "the session cookie is not it");
    cr_assert_eq(pt_auth_login_cookie("short", cookie, sizeof(cookie)), PT_ERR_INVALID);
}

/* ---------------------------------------------------------------- CSRF */

TestSuite(csrf, .init = setup, .fini = teardown);

Test(csrf, a_session_accepts_its_own_token_only)
{
    add_user(EMAIL, PT_AUTH_EDITOR);
    add_user("bo@example.org", PT_AUTH_EDITOR);
    char token[PT_AUTH_TOKEN_CHARS + 1];
    struct pt_auth_session mine, theirs, looked_up;
    cr_assert_eq(login(EMAIL, PASSWORD, "192.0.2.1", T0, token, &mine), PT_OK);
    cr_assert_eq(pt_auth_session_check(&auth, token, T0 + 1, &looked_up), PT_OK);
    cr_assert_eq(login("bo@example.org", PASSWORD, "192.0.2.2", T0, token, &theirs), PT_OK);

    char form[PT_AUTH_TOKEN_CHARS + 1], other[PT_AUTH_TOKEN_CHARS + 1];
    pt_auth_csrf_token(&auth, &mine, form);
    cr_assert_eq(strlen(form), PT_AUTH_TOKEN_CHARS);
    cr_assert_eq(pt_auth_csrf_check(&auth, &mine, form), PT_OK);
    cr_assert_eq(pt_auth_csrf_check(&auth, &looked_up, form), PT_OK,
                 "the same on every request of the session");

    pt_auth_csrf_token(&auth, &theirs, other);
    cr_assert_str_neq(form, other);
    cr_assert_eq(pt_auth_csrf_check(&auth, &mine, other), PT_ERR_INVALID, "another session's");
    cr_assert_eq(pt_auth_csrf_check(&auth, &theirs, form), PT_ERR_INVALID);
}

Test(csrf, tampered_and_missing_tokens_are_refused)
{
    add_user(EMAIL, PT_AUTH_EDITOR);
    char token[PT_AUTH_TOKEN_CHARS + 1];
    struct pt_auth_session session;
    cr_assert_eq(login(EMAIL, PASSWORD, "192.0.2.1", T0, token, &session), PT_OK);
    char form[PT_AUTH_TOKEN_CHARS + 1], tampered[PT_AUTH_TOKEN_CHARS + 2];
    pt_auth_csrf_token(&auth, &session, form);
    for (size_t i = 0; i < PT_AUTH_TOKEN_CHARS; i += 7) {
        memcpy(tampered, form, sizeof(form));
        tampered[i] = tampered[i] == 'A' ? 'B' : 'A';
        cr_assert_eq(pt_auth_csrf_check(&auth, &session, tampered), PT_ERR_INVALID, "at %zu", i);
    }
    snprintf(tampered, sizeof(tampered), "%sA", form);
    cr_assert_eq(pt_auth_csrf_check(&auth, &session, tampered), PT_ERR_INVALID, "one too long");
    snprintf(tampered, sizeof(tampered), "%.42s", form);
    cr_assert_eq(pt_auth_csrf_check(&auth, &session, tampered), PT_ERR_INVALID, "one too short");
    cr_assert_eq(pt_auth_csrf_check(&auth, &session, ""), PT_ERR_INVALID);
    cr_assert_eq(pt_auth_csrf_check(&auth, &session, NULL), PT_ERR_INVALID);
    cr_assert_eq(pt_auth_csrf_check(&auth, &session, token), PT_ERR_INVALID,
                 "the cookie token is not the form token");
}

Test(csrf, another_key_file_makes_other_tokens)
{
    add_user(EMAIL, PT_AUTH_EDITOR);
    char token[PT_AUTH_TOKEN_CHARS + 1];
    struct pt_auth_session session;
    cr_assert_eq(login(EMAIL, PASSWORD, "192.0.2.1", T0, token, &session), PT_OK);
    struct pt_crypto other_crypto;
    randombytes_buf(other_crypto.signing_key, sizeof(other_crypto.signing_key));
    struct pt_auth other;
    struct pt_auth_settings settings = fast_settings();
    cr_assert_eq(pt_auth_init(&other, db, &other_crypto, &settings), PT_OK);
    char form[PT_AUTH_TOKEN_CHARS + 1];
    pt_auth_csrf_token(&other, &session, form);
    cr_assert_eq(pt_auth_csrf_check(&auth, &session, form), PT_ERR_INVALID);
    pt_auth_dispose(&other);
}

/* ---------------------------------------------------------------- login limits */

TestSuite(limits, .init = setup, .fini = teardown);

Test(limits, failures_from_one_client_lock_that_client_out_of_that_account_only)
{
    add_user(EMAIL, PT_AUTH_ADMIN);
    char token[PT_AUTH_TOKEN_CHARS + 1];
    struct pt_auth_session session;
    for (int i = 0; i < 5; i++)
        cr_assert_eq(login(EMAIL, "wrong password!", "198.51.100.1", T0 + i, token, &session),
                     PT_ERR_INVALID);
    /* The right password from there is now refused, with a wrong one's answer... */
    cr_assert_eq(login(EMAIL, PASSWORD, "198.51.100.1", T0 + 10, token, &session), PT_ERR_INVALID);
    cr_assert_eq(token[0], '\0');
    cr_assert_eq(count_rows("SELECT count(*) FROM sessions"), 0);
    /* ...but the account's owner, elsewhere, signs in: a guesser who knows
     * the address cannot keep them out. */
    cr_assert_eq(login(EMAIL, PASSWORD, "192.0.2.1", T0 + 11, token, &session), PT_OK);
    /* Their sign-in does not lift the guesser's lock. */
    cr_assert_eq(login(EMAIL, PASSWORD, "198.51.100.1", T0 + 12, token, &session), PT_ERR_INVALID);
    /* Once the window has passed over the failures, the lock is gone. */
    cr_assert_eq(login(EMAIL, PASSWORD, "198.51.100.1", T0 + 4 + 600, token, &session), PT_OK);
}

Test(limits, trying_again_while_locked_does_not_extend_the_lock)
{
    add_user(EMAIL, PT_AUTH_ADMIN);
    char token[PT_AUTH_TOKEN_CHARS + 1];
    struct pt_auth_session session;
    for (int i = 0; i < 5; i++)
        cr_assert_eq(login(EMAIL, "wrong password!", "198.51.100.1", T0 + i, token, &session),
                     PT_ERR_INVALID);
    /* Many more tries during the lock, right and wrong... */
    for (int i = 0; i < 10; i++)
        cr_assert_eq(login(EMAIL, i % 2 ? PASSWORD : "wrong password!", "198.51.100.1",
                           T0 + 300 + i, token, &session),
                     PT_ERR_INVALID);
    /* ...and still the lock ends one window after the fifth failure. */
    cr_assert_eq(login(EMAIL, PASSWORD, "198.51.100.1", T0 + 4 + 600, token, &session), PT_OK);
}

Test(limits, failures_from_everywhere_slow_an_account_down_within_a_bound)
{
    add_user(EMAIL, PT_AUTH_ADMIN);
    char token[PT_AUTH_TOKEN_CHARS + 1];
    struct pt_auth_session session;
    struct pt_auth_attempt attempt;
    char client[32];
    cr_assert_eq(pt_auth_login_begin(&auth, EMAIL, "192.0.2.1", T0, &attempt), PT_OK);
    cr_assert_eq(attempt.delay_ms, 0, "no failures, no wait");
    cr_assert_eq(pt_auth_login_verify(&auth, &attempt, PASSWORD), PT_OK);
    cr_assert_eq(pt_auth_login_finish(&auth, &attempt, T0, token, &session), PT_OK);
    for (int i = 0; i < 8; i++) {
        snprintf(client, sizeof(client), "198.51.100.%d", i);
        cr_assert_eq(login(EMAIL, "wrong password!", client, T0 + 1, token, &session),
                     PT_ERR_INVALID);
    }
    /* Nine failures with this attempt's own: four over the limit, 1 ms each. */
    cr_assert_eq(pt_auth_login_begin(&auth, EMAIL, "192.0.2.1", T0 + 2, &attempt), PT_OK);
    cr_assert_eq(attempt.delay_ms, 4);
    cr_assert_not(attempt.locked);
    cr_assert_eq(pt_auth_login_verify(&auth, &attempt, PASSWORD), PT_OK);
    cr_assert_eq(pt_auth_login_finish(&auth, &attempt, T0 + 2, token, &session), PT_OK,
                 "slowed, never locked");
    for (int i = 0; i < 8; i++) {
        snprintf(client, sizeof(client), "198.51.101.%d", i);
        cr_assert_eq(login(EMAIL, "wrong password!", client, T0 + 3, token, &session),
                     PT_ERR_INVALID);
    }
    cr_assert_eq(pt_auth_login_begin(&auth, EMAIL, "192.0.2.1", T0 + 4, &attempt), PT_OK);
    cr_assert_eq(attempt.delay_ms, auth.settings.slowdown_max_ms, "capped");
    pt_auth_attempt_wipe(&attempt);
}

Test(limits, sign_ins_beyond_the_hashing_slots_are_busy_and_not_counted)
{
    add_user(EMAIL, PT_AUTH_ADMIN);
    char token[PT_AUTH_TOKEN_CHARS + 1];
    struct pt_auth_session session;
    for (int i = 0; i < auth.settings.max_concurrent_hashes; i++)
        cr_assert(pt_auth_hashing_enter(&auth));
    cr_assert_not(pt_auth_hashing_enter(&auth));
    for (int i = 0; i < 10; i++)
        cr_assert_eq(login(EMAIL, PASSWORD, "192.0.2.1", T0, token, &session), PT_ERR_TOO_LARGE);
    cr_assert_eq(count_rows("SELECT count(*) FROM login_failures"), 0);
    pt_auth_hashing_leave(&auth);
    cr_assert_eq(login(EMAIL, PASSWORD, "192.0.2.1", T0, token, &session), PT_OK);
}

Test(limits, a_success_clears_the_account_count)
{
    add_user(EMAIL, PT_AUTH_ADMIN);
    char token[PT_AUTH_TOKEN_CHARS + 1];
    struct pt_auth_session session;
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 4; i++)
            cr_assert_eq(login(EMAIL, "wrong password!", "192.0.2.1", T0, token, &session),
                         PT_ERR_INVALID);
        cr_assert_eq(login(EMAIL, PASSWORD, "192.0.2.1", T0, token, &session), PT_OK, "round %d",
                     round);
    }
}

Test(limits, a_reset_password_unlocks_the_account)
{
    add_user(EMAIL, PT_AUTH_ADMIN);
    char token[PT_AUTH_TOKEN_CHARS + 1];
    struct pt_auth_session session;
    for (int i = 0; i < 6; i++)
        login(EMAIL, "wrong password!", "192.0.2.1", T0, token, &session);
    cr_assert_eq(login(EMAIL, PASSWORD, "192.0.2.1", T0, token, &session), PT_ERR_INVALID);
    cr_assert_eq(pt_auth_user_set_password(&auth, EMAIL, "brand new password", 0, T0), PT_OK);
    cr_assert_eq(login(EMAIL, "brand new password", "192.0.2.1", T0, token, &session), PT_OK);
}

Test(limits, a_client_is_stopped_after_twenty_failures_whatever_the_account)
{
    add_user(EMAIL, PT_AUTH_ADMIN);
    char token[PT_AUTH_TOKEN_CHARS + 1];
    struct pt_auth_session session;
    char email[64];
    for (int i = 0; i < 20; i++) {
        snprintf(email, sizeof(email), "guess%d@example.org", i);
        cr_assert_eq(login(email, "wrong password!", "203.0.113.9", T0 + i, token, &session),
                     PT_ERR_INVALID);
    }
    cr_assert_eq(login(EMAIL, PASSWORD, "203.0.113.9", T0 + 30, token, &session), PT_ERR_TOO_LARGE);
    cr_assert_eq(login("guess0@example.org", "x", "203.0.113.9", T0 + 30, token, &session),
                 PT_ERR_TOO_LARGE);
    cr_assert_eq(login(EMAIL, PASSWORD, "192.0.2.1", T0 + 30, token, &session), PT_OK,
                 "another client is not affected");
    cr_assert_eq(login(EMAIL, PASSWORD, "203.0.113.9", T0 + 19 + 600, token, &session), PT_OK,
                 "the window has passed");
}

/* The sequence of answers for an existing account and for addresses that do
 * not exist (well-formed or not) must be the same, lock included. */
static void answers(const char *email, const char *client, enum pt_status out[8])
{
    char token[PT_AUTH_TOKEN_CHARS + 1];
    struct pt_auth_session session;
    for (int i = 0; i < 7; i++)
        out[i] = login(email, "wrong password!", client, T0 + i, token, &session);
    /* The real password for the existing one, now locked for this client. */
    out[7] = login(email, PASSWORD, client, T0 + 8, token, &session);
}

Test(limits, answers_do_not_reveal_whether_an_account_exists)
{
    add_user(EMAIL, PT_AUTH_ADMIN);
    add_user("off@example.org", PT_AUTH_ADMIN);
    cr_assert_eq(pt_auth_user_set_disabled(&auth, "off@example.org", true, 0, T0), PT_OK);
    enum pt_status existing[8], missing[8], malformed[8], disabled[8];
    answers(EMAIL, "198.51.100", existing);
    answers("nobody@example.org", "198.51.101", missing);
    answers("not-an-address", "198.51.102", malformed);
    answers("off@example.org", "198.51.103", disabled);
    for (int i = 0; i < 8; i++) {
        cr_assert_eq(existing[i], PT_ERR_INVALID, "attempt %d", i);
        cr_assert_eq(missing[i], existing[i], "attempt %d", i);
        cr_assert_eq(malformed[i], existing[i], "attempt %d", i);
        cr_assert_eq(disabled[i], existing[i], "attempt %d", i);
    }
    /* Unknown addresses are counted too, so they lock the same way. */
    cr_assert_eq(count_rows("SELECT count(DISTINCT account_hash) FROM login_failures"), 4);
}

Test(limits, failures_store_no_address_or_typed_text)
{
    add_user(EMAIL, PT_AUTH_ADMIN);
    char token[PT_AUTH_TOKEN_CHARS + 1];
    struct pt_auth_session session;
    cr_assert_eq(login("my secret passphrase", "x", "192.0.2.77", T0, token, &session),
                 PT_ERR_INVALID);
    cr_assert_eq(count_rows(pt_scratch_is_postgresql(&scratch)
                                ? "SELECT count(*) FROM login_failures WHERE "
                                  "position('secret'::bytea IN account_hash) > 0 OR "
                                  "position('192.0.2'::bytea IN client_hash) > 0 OR "
                                  "octet_length(account_hash) != 32"
                                : "SELECT count(*) FROM login_failures WHERE "
                                  "instr(account_hash, 'secret') > 0 OR instr(client_hash, "
                                  "'192.0.2') > 0 OR typeof(account_hash) != 'blob' OR "
                                  "length(account_hash) != 32"),
                 0);
    cr_assert_eq(count_rows("SELECT count(*) FROM login_failures"), 1);
}
