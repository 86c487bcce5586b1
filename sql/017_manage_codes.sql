-- Manage codes (issue 14): a pledge given without an address is managed
-- with a code shown once on its thank-you page (or asked for on its manage
-- page). Only the code's keyed hash is kept, one per pledge; a new code
-- replaces the row, so the old one stops working at once.
CREATE TABLE manage_codes (
    pledge_id TEXT PRIMARY KEY REFERENCES pledges (id),
    code_hash BLOB NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);
