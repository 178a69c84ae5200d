-- When each lane runs next for each campaign, so a restarted daemon keeps its pace instead of
-- running every lane at once. `campaign_id` is 0 for lanes that work for no campaign.
CREATE TABLE lane_schedules (
    lane        TEXT NOT NULL,
    campaign_id INTEGER NOT NULL,
    next_due_ms INTEGER NOT NULL,
    last_run_ms INTEGER,
    failures    INTEGER NOT NULL DEFAULT 0,
    idle_runs   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (lane, campaign_id)
) WITHOUT ROWID;
