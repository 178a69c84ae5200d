-- LLM calls and tokens per campaign and local day (the account's time zone), so a campaign's
-- daily LLM budget survives restarts.
CREATE TABLE llm_usage (
    campaign_id       INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    day               TEXT NOT NULL,
    calls             INTEGER NOT NULL DEFAULT 0,
    prompt_tokens     INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (campaign_id, day)
) WITHOUT ROWID;
