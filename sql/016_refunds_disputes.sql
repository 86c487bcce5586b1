-- Refunds and disputes (issue 14). A payment can now come back in several
-- parts: partial refunds, a dispute's withdrawal and, when the newsroom wins
-- it, the money returned. Each movement is a row keyed by its own id (a
-- refund's id; a dispute's id, and its id with "-won" for the money
-- returned); a Mollie chargeback keeps the payment's id, one per payment as
-- before. amount_minor is what came back: positive, except a won dispute's
-- return, which is negative. The reports subtract amount_minor as before.
CREATE TABLE payment_reversals_016 (
    id TEXT PRIMARY KEY,
    payment_id TEXT NOT NULL,
    pledge_id TEXT NOT NULL REFERENCES pledges (id),
    kind TEXT NOT NULL DEFAULT 'chargeback'
        CHECK (kind IN ('chargeback', 'refund', 'dispute', 'dispute_won')),
    amount_minor INTEGER NOT NULL
        CHECK (CASE kind WHEN 'dispute_won' THEN amount_minor <= 0 ELSE amount_minor >= 0 END),
    currency TEXT NOT NULL,
    reversed_at INTEGER NOT NULL
);
INSERT INTO payment_reversals_016 (id, payment_id, pledge_id, kind, amount_minor, currency,
                                   reversed_at)
    SELECT payment_id, payment_id, pledge_id, 'chargeback', amount_minor, currency, reversed_at
    FROM payment_reversals;
DROP TABLE payment_reversals;
ALTER TABLE payment_reversals_016 RENAME TO payment_reversals;
CREATE INDEX payment_reversals_by_pledge ON payment_reversals (pledge_id);
CREATE INDEX payment_reversals_by_payment ON payment_reversals (payment_id);

-- A dispute as the processor last reported it: the dashboard lists the open
-- ones. Its money is in payment_reversals.
CREATE TABLE payment_disputes (
    id TEXT PRIMARY KEY,
    payment_id TEXT NOT NULL,
    pledge_id TEXT NOT NULL REFERENCES pledges (id),
    amount_minor INTEGER NOT NULL CHECK (amount_minor >= 0),
    currency TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    open INTEGER NOT NULL CHECK (open IN (0, 1)),
    opened_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX payment_disputes_by_pledge ON payment_disputes (pledge_id);
