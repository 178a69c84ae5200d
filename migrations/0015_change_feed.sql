-- The change feed (`crm.changes`): lanes keep the id of the last stage change they handled,
-- so ids must only grow. A plain INTEGER PRIMARY KEY may hand out again the id of a row
-- deleted at the end (an erasure deletes a person's changes); AUTOINCREMENT never does.
CREATE TABLE stage_changes_new (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    deal_id    INTEGER NOT NULL REFERENCES deals(id),
    from_stage TEXT,
    to_stage   TEXT NOT NULL,
    reason     TEXT NOT NULL DEFAULT '',
    actor      TEXT NOT NULL,
    at_ms      INTEGER NOT NULL
);
INSERT INTO stage_changes_new (id, deal_id, from_stage, to_stage, reason, actor, at_ms)
    SELECT id, deal_id, from_stage, to_stage, reason, actor, at_ms FROM stage_changes;
DROP TABLE stage_changes;
ALTER TABLE stage_changes_new RENAME TO stage_changes;
CREATE INDEX stage_changes_by_deal ON stage_changes (deal_id, id);
CREATE INDEX stage_changes_by_time ON stage_changes (at_ms);
CREATE INDEX stage_changes_by_transition ON stage_changes (to_stage, from_stage, deal_id);
