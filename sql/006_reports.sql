-- Reports read pledges by when they were made and payments by when they
-- were paid, over a chosen period; without these both are full scans.
CREATE INDEX pledges_by_created ON pledges (created_at);
CREATE INDEX payments_by_paid ON payments (paid_at);

-- Erasing a donor deletes their pledges' unused magic links and unsent
-- emails, found by pledge.
CREATE INDEX magic_links_by_pledge ON magic_links (pledge_id);
CREATE INDEX outbox_by_pledge ON outbox (pledge_id) WHERE sent_at IS NULL;
