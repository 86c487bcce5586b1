-- Manage codes (issue 14), as sql/017_manage_codes.sql: only the code's
-- keyed hash, one per pledge, replaced when the donor asks for a new one.
CREATE TABLE manage_codes (
    pledge_id TEXT PRIMARY KEY REFERENCES pledges (id),
    code_hash BYTEA NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);
