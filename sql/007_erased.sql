-- A donor erased on request stays erased: a processor event that arrives
-- afterwards (a late webhook, a retried delivery) must not write their
-- address or customer id back onto the pledge.
ALTER TABLE pledges ADD COLUMN erased_at INTEGER;
