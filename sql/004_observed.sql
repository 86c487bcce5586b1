-- When patron last read a pledge's state from the processor (milliseconds).
-- A read that began before the one already applied is older news and may not
-- overwrite it: webhooks for one subscription can be handled at once, and
-- their reads return in any order.
ALTER TABLE pledges ADD COLUMN observed_at INTEGER NOT NULL DEFAULT 0;
