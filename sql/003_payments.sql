PRAGMA defer_foreign_keys = ON;
-- Pledges that really charge. The pledges table is rebuilt to allow the
-- states a processor brings ('completed' for a paid one-off gift) and to hold
-- the processor's ids and the donor's sealed address.
CREATE TABLE pledges_new (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'past_due', 'paused',
                                           'cancelled', 'completed')),
    frequency TEXT NOT NULL CHECK (frequency IN ('monthly', 'one_off', 'annual')),
    amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
    currency TEXT NOT NULL,
    campaign TEXT NOT NULL,
    variant TEXT NOT NULL,
    language TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    processor TEXT NOT NULL DEFAULT '',
    checkout_id TEXT NOT NULL DEFAULT '',
    customer_id TEXT NOT NULL DEFAULT '',
    subscription_id TEXT NOT NULL DEFAULT '',
    email_sealed BLOB,
    email_hash BLOB,
    updated_at INTEGER NOT NULL DEFAULT 0
);
INSERT INTO pledges_new (id, status, frequency, amount_minor, currency, campaign, variant,
                         language, created_at, updated_at)
    SELECT id, status, frequency, amount_minor, currency, campaign, variant, language,
           created_at, created_at FROM pledges;
DROP TABLE pledges;
ALTER TABLE pledges_new RENAME TO pledges;
CREATE UNIQUE INDEX pledges_by_subscription ON pledges (subscription_id)
    WHERE subscription_id != '';
CREATE INDEX pledges_by_email ON pledges (email_hash) WHERE email_hash IS NOT NULL;
CREATE INDEX pledges_by_checkout ON pledges (checkout_id) WHERE checkout_id != '';

-- Each processor event is applied once: its id is stored in the transaction
-- that applies it.
CREATE TABLE processor_events (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    received_at INTEGER NOT NULL
);

-- One row per successful charge (the processor's invoice or payment id).
CREATE TABLE payments (
    id TEXT PRIMARY KEY,
    pledge_id TEXT NOT NULL REFERENCES pledges (id),
    amount_minor INTEGER NOT NULL CHECK (amount_minor >= 0),
    currency TEXT NOT NULL,
    paid_at INTEGER NOT NULL
);
CREATE INDEX payments_by_pledge ON payments (pledge_id);

-- One row per failed attempt, so that a failure notice goes out once per
-- attempt however often the processor tells us about it.
CREATE TABLE payment_failures (
    invoice_id TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    pledge_id TEXT NOT NULL REFERENCES pledges (id),
    failed_at INTEGER NOT NULL,
    PRIMARY KEY (invoice_id, attempt)
);

-- Emails decided inside a transaction and sent after it commits.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    pledge_id TEXT NOT NULL REFERENCES pledges (id),
    kind TEXT NOT NULL CHECK (kind IN ('thanks', 'receipt', 'failed', 'cancelled', 'magic')),
    data TEXT NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL,
    sent_at INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL;

-- Single-use sign-in links for a lost manage link; only a hash of the token.
CREATE TABLE magic_links (
    token_hash BLOB PRIMARY KEY,
    pledge_id TEXT NOT NULL REFERENCES pledges (id),
    expires_at INTEGER NOT NULL,
    used_at INTEGER
);
