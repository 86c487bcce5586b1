-- The email with a supporter's link that stops the appeals on another device
-- (issue 15: /supporter): one more kind of outbox email. SQLite cannot change
-- a CHECK constraint in place, so the table is made again with the same rows
-- and indexes, as 015_crypto_month_emails did.
PRAGMA defer_foreign_keys = ON;
CREATE TABLE outbox_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    pledge_id TEXT NOT NULL REFERENCES pledges (id),
    kind TEXT NOT NULL CHECK (kind IN ('thanks', 'receipt', 'failed', 'cancelled', 'magic',
                                       'lapsed', 'crypto_month', 'supporter')),
    data TEXT NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL,
    sent_at INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0
);
INSERT INTO outbox_new (id, pledge_id, kind, data, created_at, sent_at, attempts)
    SELECT id, pledge_id, kind, data, created_at, sent_at, attempts FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL;
CREATE INDEX outbox_by_pledge ON outbox (pledge_id) WHERE sent_at IS NULL;
CREATE INDEX outbox_magic_by_pledge ON outbox (pledge_id, created_at) WHERE kind = 'magic';
