-- Mirror and onion addresses (issue 14), as sql/018_pledge_origin.sql: the
-- sealed address a donor pledged on, NULL for the primary one.
ALTER TABLE pledges ADD COLUMN origin_sealed BYTEA;
