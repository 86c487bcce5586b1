-- Mirror and onion addresses (issue 14): the address of patron's a pledge
-- or a reminder was made on, so that its emails lead back there (a reader
-- whose country blocks the newsroom's domain used a mirror or the onion).
-- Sealed with the key file like the email address, since it says how the
-- reader reached the newsroom; NULL for the primary address, and erased
-- with the address.
ALTER TABLE pledges ADD COLUMN origin_sealed BLOB;
ALTER TABLE reminders ADD COLUMN origin_sealed BLOB;
