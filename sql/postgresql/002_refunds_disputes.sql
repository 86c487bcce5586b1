-- Refunds and disputes (issue 14); as sql/016_refunds_disputes.sql. A
-- payment can come back in several parts, each keyed by its own id; a Mollie
-- chargeback keeps the payment's id. amount_minor is what came back:
-- negative only for a won dispute's money returned.
ALTER TABLE payment_reversals ADD COLUMN id text;
UPDATE payment_reversals SET id = payment_id;
ALTER TABLE payment_reversals ALTER COLUMN id SET NOT NULL;
ALTER TABLE payment_reversals DROP CONSTRAINT payment_reversals_pkey;
ALTER TABLE payment_reversals ADD PRIMARY KEY (id);
ALTER TABLE payment_reversals ADD COLUMN kind text NOT NULL DEFAULT 'chargeback'
    CHECK (kind IN ('chargeback', 'refund', 'dispute', 'dispute_won'));
ALTER TABLE payment_reversals DROP CONSTRAINT payment_reversals_amount_minor_check;
ALTER TABLE payment_reversals ADD CONSTRAINT payment_reversals_amount_sign
    CHECK (CASE kind WHEN 'dispute_won' THEN amount_minor <= 0 ELSE amount_minor >= 0 END);
CREATE INDEX payment_reversals_by_payment ON payment_reversals (payment_id);

CREATE TABLE payment_disputes (
    id text PRIMARY KEY,
    payment_id text NOT NULL,
    pledge_id text NOT NULL REFERENCES pledges (id),
    amount_minor bigint NOT NULL CHECK (amount_minor >= 0),
    currency text NOT NULL,
    status text NOT NULL,
    reason text NOT NULL DEFAULT '',
    open boolean NOT NULL,
    opened_at bigint NOT NULL,
    updated_at bigint NOT NULL
);
CREATE INDEX payment_disputes_by_pledge ON payment_disputes (pledge_id);
