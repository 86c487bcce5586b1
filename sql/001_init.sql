-- Campaigns are stored as the JSON documents that editors write and the
-- catalogue validates; the version row changes whenever any of them does, so
-- a running server finds out with one cheap read.
CREATE TABLE campaigns (
    id TEXT PRIMARY KEY,
    document TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE catalog_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO catalog_version (id, version) VALUES (1, 1);

CREATE TRIGGER campaigns_inserted AFTER INSERT ON campaigns
BEGIN UPDATE catalog_version SET version = version + 1; END;
CREATE TRIGGER campaigns_updated AFTER UPDATE ON campaigns
BEGIN UPDATE catalog_version SET version = version + 1; END;
CREATE TRIGGER campaigns_deleted AFTER DELETE ON campaigns
BEGIN UPDATE catalog_version SET version = version + 1; END;

-- Aggregates only: no reader number, no address, no time finer than a day.
CREATE TABLE event_counts (
    day TEXT NOT NULL,
    campaign TEXT NOT NULL,
    variant TEXT NOT NULL,
    kind TEXT NOT NULL,
    count INTEGER NOT NULL CHECK (count >= 0),
    PRIMARY KEY (day, campaign, variant, kind)
) WITHOUT ROWID;

CREATE TABLE pledges (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL
        CHECK (status IN ('pending', 'active', 'past_due', 'paused', 'cancelled')),
    frequency TEXT NOT NULL CHECK (frequency IN ('monthly', 'one_off', 'annual')),
    amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
    currency TEXT NOT NULL,
    campaign TEXT NOT NULL,
    variant TEXT NOT NULL,
    language TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

-- Every change of a pledge's amount or state, never rewritten.
CREATE TABLE pledge_history (
    pledge_id TEXT NOT NULL REFERENCES pledges (id),
    at INTEGER NOT NULL,
    status TEXT NOT NULL,
    amount_minor INTEGER NOT NULL,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX pledge_history_by_pledge ON pledge_history (pledge_id, at);
CREATE TRIGGER pledge_history_is_append_only_update BEFORE UPDATE ON pledge_history
BEGIN SELECT RAISE(ABORT, 'pledge history is append-only'); END;
CREATE TRIGGER pledge_history_is_append_only_delete BEFORE DELETE ON pledge_history
BEGIN SELECT RAISE(ABORT, 'pledge history is append-only'); END;
