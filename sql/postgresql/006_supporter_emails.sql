-- The email with a supporter's link that stops the appeals on another device
-- (issue 15: /supporter): one more kind of outbox email.
ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check
    CHECK (kind IN ('thanks', 'receipt', 'failed', 'cancelled', 'magic', 'lapsed',
                    'crypto_month', 'supporter'));
