-- The goal ticker's figure (store op goal_figure) and the reports read a
-- campaign's pledges and then their payments: by campaign, not by scanning
-- every pledge the newsroom ever took.
CREATE INDEX pledges_by_campaign ON pledges (campaign);
