-- One row that the server rewrites every few seconds to learn whether the
-- database can still be written (a full disk, a lock another process holds,
-- a read-only file system): /healthz answers 503 while it cannot.
CREATE TABLE store_probe (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    written_at INTEGER NOT NULL
);
