-- Staff who sign in to the dashboard. Users are disabled, never deleted, so
-- the audit log keeps pointing at someone. The email is stored normalised and
-- in clear (unlike donors' addresses): it is a colleague's work address that
-- the admin commands must list, and it is the login name.
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'editor', 'viewer')),
    password_hash TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

-- One row per signed-in browser. Only a hash of the cookie's token is kept, so
-- a copy of the database does not let anyone sign in as the staff in it.
CREATE TABLE sessions (
    token_hash BLOB PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

-- One row per failed sign-in (a row is written before the password is checked
-- and removed if it was right, so concurrent guesses all count). Both columns
-- are keyed hashes: people type passwords into the email field, and the
-- client is an IP address; neither should sit in clear in a table that lives
-- for days. Rows older than the window are pruned.
CREATE TABLE login_failures (
    account_hash BLOB NOT NULL,
    client_hash BLOB NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX login_failures_by_account ON login_failures (account_hash, at);
CREATE INDEX login_failures_by_client ON login_failures (client_hash, at);
CREATE INDEX login_failures_by_time ON login_failures (at);

-- Who did what, never rewritten. user_id is the actor, NULL for the command
-- line; detail names the subject (an email, a role) and never a password.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    user_id INTEGER REFERENCES users (id),
    action TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_by_time ON audit_log (at);
CREATE TRIGGER audit_log_is_append_only_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_is_append_only_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
