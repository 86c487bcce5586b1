-- One email in a month the reader chose, then nothing: a row lives from the
-- sign-up to the send (or the cancel), and is deleted in the transaction that
-- records it as sent. The address is sealed with libsodium; the keyed hash
-- finds a second sign-up for the same month without decrypting anything.
CREATE TABLE reminders (
    id INTEGER PRIMARY KEY,
    email_hash BLOB NOT NULL,
    email_sealed BLOB NOT NULL,
    month TEXT NOT NULL CHECK (month GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]'),
    language TEXT NOT NULL,
    campaign TEXT NOT NULL,
    variant TEXT NOT NULL,
    cancel_token TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    UNIQUE (email_hash, month)
);
CREATE INDEX reminders_by_month ON reminders (month);

-- What remains afterwards: numbers, never an address.
CREATE TABLE reminder_counts (
    month TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('signed_up', 'cancelled', 'sent', 'failed')),
    count INTEGER NOT NULL CHECK (count >= 0),
    PRIMARY KEY (month, kind)
) WITHOUT ROWID;
