-- Money that came back after it was paid: a chargeback, or a SEPA direct
-- debit the donor's bank reversed. One row per payment, however often the
-- processor tells of it; the payment's row stays as it was (the ledger is
-- append-only), and the reports subtract what came back.
CREATE TABLE payment_reversals (
    payment_id TEXT PRIMARY KEY,
    pledge_id TEXT NOT NULL REFERENCES pledges (id),
    amount_minor INTEGER NOT NULL CHECK (amount_minor >= 0),
    currency TEXT NOT NULL,
    reversed_at INTEGER NOT NULL
);
CREATE INDEX payment_reversals_by_pledge ON payment_reversals (pledge_id);
