-- The console's queries on large databases.
-- Per stage, the leads that entered it in the last day: a range scan by time.
CREATE INDEX stage_changes_by_time ON stage_changes (at_ms);
-- The leads table, latest change first, for all campaigns or one (with a stage, the
-- existing deals_by_stage index serves).
CREATE INDEX deals_by_change ON deals (stage_changed_ms, id);
CREATE INDEX deals_by_campaign_change ON deals (campaign_id, stage_changed_ms, id);
