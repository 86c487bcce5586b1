-- A bank statement's credit entries, each once by the bank's reference for it
-- (or a digest of the entry where the bank gives none). One whose reference
-- code names a pledge became that pledge's payment in the same import (the
-- ledger's event "bank:KEY" keeps that once); one that names none waits here,
-- 'unmatched', until someone matches it to a pledge or marks it as no
-- donation. Nothing of the payer (name, account) is kept: the text is the
-- remittance information the statement line carries.
CREATE TABLE bank_entries (
    entry_key TEXT PRIMARY KEY,
    booked TEXT NOT NULL,
    amount_minor INTEGER NOT NULL CHECK (amount_minor >= 0),
    currency TEXT NOT NULL,
    text TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('matched', 'unmatched', 'ignored')),
    pledge_id TEXT NOT NULL DEFAULT '',
    imported_at INTEGER NOT NULL,
    resolved_at INTEGER NOT NULL DEFAULT 0,
    resolved_by TEXT NOT NULL DEFAULT ''
);
CREATE INDEX bank_entries_by_state ON bank_entries (state, booked);
CREATE INDEX bank_entries_by_pledge ON bank_entries (pledge_id) WHERE pledge_id != '';

-- A monthly transfer that stopped arriving gets one email ('lapsed'): the
-- outbox's kinds are checked, so the table is rebuilt to allow it. Its ids
-- are now never reused (AUTOINCREMENT): an erasure deletes a donor's unsent
-- emails, and the sender that had read one must not mark another email sent
-- that took its id.
PRAGMA defer_foreign_keys = ON;
CREATE TABLE outbox_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    pledge_id TEXT NOT NULL REFERENCES pledges (id),
    kind TEXT NOT NULL CHECK (kind IN ('thanks', 'receipt', 'failed', 'cancelled', 'magic',
                                       'lapsed')),
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
