-- A request for a lost manage link (/manage/lost) waits here, as the
-- address's keyed hash only, until the outbox thread answers it: the request
-- itself does the same work whether or not the address gave a pledge, so its
-- timing tells nothing (issue 16). The row is deleted when answered.
CREATE TABLE lost_link_requests (
    id INTEGER PRIMARY KEY,
    email_hash BLOB NOT NULL,
    created_at INTEGER NOT NULL
);

-- The magic-link emails one address was sent lately, for the per-address limit.
CREATE INDEX outbox_magic_by_pledge ON outbox (pledge_id, created_at) WHERE kind = 'magic';

-- A magic link's token is no longer stored: it is made when its email is
-- sent. Forget the tokens that were kept in plain text; an email not sent yet
-- gets a fresh token when it is.
UPDATE outbox SET data = '{}' WHERE kind = 'magic';
