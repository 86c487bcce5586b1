-- A value derived from patron.key (a crypto_kdf subkey of its own, which
-- reveals nothing of the keys that seal), so that patron can tell, before it
-- touches anything sealed, that the key file it was given is the one the
-- database was written with. One row at most.
CREATE TABLE key_check (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    value BLOB NOT NULL CHECK (length(value) = 32)
);
