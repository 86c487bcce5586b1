-- Mirror and onion addresses (issue 14): the address of patron's a donor
-- pledged on, so that their emails lead back there (a reader whose country
-- blocks the newsroom's domain pledged on a mirror or the onion). Sealed
-- with the key file like the address, since it says how the donor reached
-- the newsroom; NULL for the primary address, and erased with the address.
ALTER TABLE pledges ADD COLUMN origin_sealed BLOB;
