-- A supporter's device link (/supporter) is asked for as a lost manage link
-- is: the request queues the address's keyed hash and the outbox thread
-- looks it up, so that a supporter's address costs the request the same work
-- as any other (issue 15: the page answers the same whether or not the
-- address is known, in its timing too). The request now says which email it
-- asks for.
ALTER TABLE lost_link_requests ADD COLUMN kind TEXT NOT NULL DEFAULT 'magic'
    CHECK (kind IN ('magic', 'supporter'));
