-- Mirror and onion addresses (issue 14), as sql/018_pledge_origin.sql: the
-- sealed address a pledge or a reminder was made on, NULL for the primary.
ALTER TABLE pledges ADD COLUMN origin_sealed BYTEA;
ALTER TABLE reminders ADD COLUMN origin_sealed BYTEA;
