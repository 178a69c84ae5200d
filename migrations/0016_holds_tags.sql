-- Holds and tags (`crm.hold`, `crm.release`, `crm.tag`, `crm.untag`): how lanes coordinate.
-- A hold keeps invitations and messages from a lead of a campaign until `until_ms`; each lane
-- has at most one per lead (holding again moves it), and the lead is held while any lasts.
-- Tags are free-form labels on a lead in one campaign. Both go with the deal.
CREATE TABLE lead_holds (
    deal_id  INTEGER NOT NULL REFERENCES deals(id),
    lane     TEXT NOT NULL,
    until_ms INTEGER NOT NULL,
    reason   TEXT NOT NULL,
    set_ms   INTEGER NOT NULL,
    PRIMARY KEY (deal_id, lane)
) WITHOUT ROWID;
CREATE TABLE lead_tags (
    deal_id INTEGER NOT NULL REFERENCES deals(id),
    tag     TEXT NOT NULL,
    lane    TEXT NOT NULL,
    set_ms  INTEGER NOT NULL,
    PRIMARY KEY (deal_id, tag)
) WITHOUT ROWID;
CREATE INDEX lead_tags_by_tag ON lead_tags (tag, deal_id);
-- `[lane.hold]` of the loaded lanes (rewritten at every manifest load): a lead entering
-- `stage` is held for `lane` for `for_ms`, in the stage change's own transaction.
CREATE TABLE entry_holds (
    lane   TEXT PRIMARY KEY,
    stage  TEXT NOT NULL,
    for_ms INTEGER NOT NULL,
    reason TEXT NOT NULL
) WITHOUT ROWID;
