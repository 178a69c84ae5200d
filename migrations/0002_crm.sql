-- The CRM: accounts, campaigns, leads, deals (a lead in a campaign) with their stage history,
-- search keywords, messages, embeddings and labels, persisted rate counters, and the action
-- journal. Times are milliseconds since the Unix epoch on the daemon clock.

-- A LinkedIn account Outlane acts as. The password is never stored in plain text:
-- `password_sealed` is ChaCha20-Poly1305 ciphertext under a key derived (Argon2id) from the
-- passphrase in OUTLANE_PASSPHRASE (see docs/architecture.md, "Secrets").
CREATE TABLE accounts (
    id              INTEGER PRIMARY KEY,
    login           TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_sealed BLOB,
    timezone        TEXT NOT NULL DEFAULT 'UTC',
    -- Working hours, local time of `timezone`, minutes after midnight; days as ISO weekday
    -- numbers (1 = Monday) in a comma-separated list.
    work_start_min  INTEGER NOT NULL DEFAULT 540 CHECK (work_start_min BETWEEN 0 AND 1440),
    work_end_min    INTEGER NOT NULL DEFAULT 1080 CHECK (work_end_min BETWEEN 0 AND 1440),
    work_days       TEXT NOT NULL DEFAULT '1,2,3,4,5',
    active          INTEGER NOT NULL DEFAULT 1,
    created_ms      INTEGER NOT NULL
);

-- Our own limits per account and outward action. NULL means unlimited.
CREATE TABLE account_limits (
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    action     TEXT NOT NULL CHECK (action IN ('invite', 'message', 'withdraw')),
    daily      INTEGER CHECK (daily >= 0),
    weekly     INTEGER CHECK (weekly >= 0),
    PRIMARY KEY (account_id, action)
) WITHOUT ROWID;

CREATE TABLE campaigns (
    id                 INTEGER PRIMARY KEY,
    account_id         INTEGER NOT NULL REFERENCES accounts(id),
    name               TEXT NOT NULL UNIQUE COLLATE NOCASE,
    product_docs       TEXT NOT NULL DEFAULT '',
    objective          TEXT NOT NULL DEFAULT '',
    follow_up_template TEXT NOT NULL DEFAULT '',
    booking_link       TEXT,
    settings_json      TEXT NOT NULL DEFAULT '{}',
    active             INTEGER NOT NULL DEFAULT 1,
    created_ms         INTEGER NOT NULL
);

CREATE TABLE companies (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE COLLATE NOCASE,
    urn        TEXT UNIQUE,
    created_ms INTEGER NOT NULL
);

-- One lead per person. A person has a vanity id, a member id, or (once the profile is
-- fetched) both; each is unique, so two URLs of one person never make two leads.
CREATE TABLE leads (
    id           INTEGER PRIMARY KEY,
    public_id    TEXT UNIQUE,
    member_id    TEXT UNIQUE,
    url          TEXT NOT NULL UNIQUE,
    full_name    TEXT,
    headline     TEXT,
    company_id   INTEGER REFERENCES companies(id),
    profile_json TEXT,
    raw_json     TEXT,
    enriched_ms  INTEGER,
    created_ms   INTEGER NOT NULL,
    updated_ms   INTEGER NOT NULL,
    CHECK (public_id IS NOT NULL OR member_id IS NOT NULL)
);

-- A lead in one campaign: where it stands in that campaign's pipeline.
CREATE TABLE deals (
    id               INTEGER PRIMARY KEY,
    lead_id          INTEGER NOT NULL REFERENCES leads(id),
    campaign_id      INTEGER NOT NULL REFERENCES campaigns(id),
    stage            TEXT NOT NULL CHECK (stage IN ('discovered', 'enriched', 'qualified',
                         'disqualified', 'pending', 'connected', 'completed', 'failed', 'ignored')),
    reason           TEXT,
    stage_changed_ms INTEGER NOT NULL,
    next_check_ms    INTEGER,
    backoff_hours    INTEGER NOT NULL DEFAULT 0,
    created_ms       INTEGER NOT NULL,
    UNIQUE (lead_id, campaign_id)
);
CREATE INDEX deals_by_stage ON deals (campaign_id, stage, stage_changed_ms);
CREATE INDEX deals_due ON deals (campaign_id, next_check_ms) WHERE stage = 'pending';

-- Every stage change: who (lane name, `import`, `human`...), when and why.
CREATE TABLE stage_changes (
    id         INTEGER PRIMARY KEY,
    deal_id    INTEGER NOT NULL REFERENCES deals(id),
    from_stage TEXT,
    to_stage   TEXT NOT NULL,
    reason     TEXT NOT NULL DEFAULT '',
    actor      TEXT NOT NULL,
    at_ms      INTEGER NOT NULL
);
CREATE INDEX stage_changes_by_deal ON stage_changes (deal_id, id);

CREATE TABLE search_keywords (
    id          INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    keyword     TEXT NOT NULL COLLATE NOCASE,
    used_ms     INTEGER,
    created_ms  INTEGER NOT NULL,
    UNIQUE (campaign_id, keyword)
);
CREATE INDEX search_keywords_unused ON search_keywords (campaign_id, used_ms, id);

-- The action journal: an intent is written (and the limit unit consumed) before any outward
-- action, its result after. An intent without a result is checked, never repeated blindly;
-- the partial unique index makes a second open intent for the same lead and action impossible.
CREATE TABLE action_journal (
    id            INTEGER PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES accounts(id),
    campaign_id   INTEGER NOT NULL REFERENCES campaigns(id),
    lead_id       INTEGER NOT NULL REFERENCES leads(id),
    action        TEXT NOT NULL CHECK (action IN ('invite', 'message', 'withdraw')),
    detail        TEXT NOT NULL,
    lane          TEXT NOT NULL,
    day_key       TEXT NOT NULL,
    week_key      TEXT NOT NULL,
    started_ms    INTEGER NOT NULL,
    result        TEXT CHECK (result IN ('done', 'not-done')),
    result_detail TEXT,
    finished_ms   INTEGER
);
CREATE UNIQUE INDEX action_journal_one_open ON action_journal (lead_id, action) WHERE result IS NULL;
CREATE INDEX action_journal_recent ON action_journal (account_id, started_ms);
CREATE INDEX action_journal_by_lead ON action_journal (lead_id, action);

CREATE TABLE messages (
    id          INTEGER PRIMARY KEY,
    lead_id     INTEGER NOT NULL REFERENCES leads(id),
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    journal_id  INTEGER REFERENCES action_journal(id),
    text        TEXT NOT NULL,
    lane        TEXT NOT NULL,
    sent_ms     INTEGER NOT NULL
);
CREATE INDEX messages_by_lead ON messages (lead_id, sent_ms);

-- Profile embeddings (little-endian f32) and the labels the qualifier learns from.
CREATE TABLE embeddings (
    lead_id    INTEGER PRIMARY KEY REFERENCES leads(id),
    model      TEXT NOT NULL,
    dim        INTEGER NOT NULL CHECK (dim > 0),
    vector     BLOB NOT NULL CHECK (length(vector) = 4 * dim),
    created_ms INTEGER NOT NULL
);

CREATE TABLE labels (
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    lead_id     INTEGER NOT NULL REFERENCES leads(id),
    label       INTEGER NOT NULL CHECK (label IN (0, 1)),
    reason      TEXT NOT NULL DEFAULT '',
    source      TEXT NOT NULL CHECK (source IN ('llm', 'model', 'human')),
    labeled_ms  INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, lead_id)
) WITHOUT ROWID;

-- Rate counters per account, action and period. `period` is `day:YYYY-MM-DD` or
-- `week:YYYY-Www` (ISO week, its ISO year included), both in the account's time zone.
CREATE TABLE rate_counters (
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    action     TEXT NOT NULL,
    period     TEXT NOT NULL,
    used       INTEGER NOT NULL CHECK (used >= 0),
    PRIMARY KEY (account_id, action, period)
) WITHOUT ROWID;

-- Limits LinkedIn imposed (e.g. the weekly invitation limit): no action until `until_ms`.
CREATE TABLE rate_blocks (
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    action     TEXT NOT NULL,
    until_ms   INTEGER NOT NULL,
    reason     TEXT NOT NULL,
    set_ms     INTEGER NOT NULL,
    PRIMARY KEY (account_id, action)
) WITHOUT ROWID;
