-- A campaign change tells every node at once: the trigger that bumps the
-- catalogue's version also notifies the channel patron_catalog, which each
-- node LISTENs on. Notifications are sent at commit, and one transaction's
-- identical notifications arrive as one, so a replace of fifty campaigns
-- wakes each node once. A node that missed one (its listening connection
-- was down) still finds the new version by its periodic check.
CREATE OR REPLACE FUNCTION patron_bump_catalog_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE catalog_version SET version = version + 1 WHERE id = 1;
    PERFORM pg_notify('patron_catalog', '');
    RETURN NULL;
END $$;
