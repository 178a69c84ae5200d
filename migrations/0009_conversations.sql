-- Conversations (issue 16): every reply is stored and stops automation; a campaign's
-- follow-up is a sequence of steps.
--
-- 1. deals: the stage `replied`, and how far the lead is in its campaign's sequence. A
--    column's CHECK cannot be altered in SQLite, so the table is rebuilt (the migration
--    runs with foreign keys off; the runner checks them before it commits).
CREATE TABLE deals_new (
    id               INTEGER PRIMARY KEY,
    lead_id          INTEGER NOT NULL REFERENCES leads(id),
    campaign_id      INTEGER NOT NULL REFERENCES campaigns(id),
    stage            TEXT NOT NULL CHECK (stage IN ('discovered', 'enriched', 'qualified',
                         'disqualified', 'pending', 'connected', 'completed', 'replied',
                         'failed', 'ignored')),
    reason           TEXT,
    stage_changed_ms INTEGER NOT NULL,
    next_check_ms    INTEGER,
    backoff_hours    INTEGER NOT NULL DEFAULT 0,
    created_ms       INTEGER NOT NULL,
    known_name       TEXT,
    known_headline   TEXT,
    -- Steps of the campaign's sequence sent to this lead, and when the last one was.
    steps_sent       INTEGER NOT NULL DEFAULT 0 CHECK (steps_sent >= 0),
    last_step_ms     INTEGER,
    UNIQUE (lead_id, campaign_id)
);
INSERT INTO deals_new (id, lead_id, campaign_id, stage, reason, stage_changed_ms, next_check_ms,
                       backoff_hours, created_ms, known_name, known_headline)
    SELECT id, lead_id, campaign_id, stage, reason, stage_changed_ms, next_check_ms,
           backoff_hours, created_ms, known_name, known_headline
    FROM deals;
-- A completed lead was sent the one follow-up there was.
UPDATE deals_new SET
    steps_sent = (SELECT count(*) FROM messages m
                  WHERE m.lead_id = deals_new.lead_id AND m.campaign_id = deals_new.campaign_id),
    last_step_ms = (SELECT max(sent_ms) FROM messages m
                    WHERE m.lead_id = deals_new.lead_id AND m.campaign_id = deals_new.campaign_id);
DROP TABLE deals;
ALTER TABLE deals_new RENAME TO deals;
CREATE INDEX deals_by_stage ON deals (campaign_id, stage, stage_changed_ms);
CREATE INDEX deals_due ON deals (campaign_id, next_check_ms) WHERE stage = 'pending';
CREATE INDEX deals_by_change ON deals (stage_changed_ms, id);
CREATE INDEX deals_by_campaign_change ON deals (campaign_id, stage_changed_ms, id);
CREATE INDEX deals_by_lead ON deals (lead_id);

-- 2. The steps of each campaign's sequence: step 1 waits `delay_ms` after the connection,
--    each later step after the step before it. The template is read like the follow-up
--    template always was (a prompt name, `ai:<prompt>`, or literal text).
CREATE TABLE campaign_steps (
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    position    INTEGER NOT NULL CHECK (position >= 1),
    delay_ms    INTEGER NOT NULL DEFAULT 0 CHECK (delay_ms >= 0),
    template    TEXT NOT NULL,
    PRIMARY KEY (campaign_id, position)
) WITHOUT ROWID;
-- The single follow-up of an existing campaign becomes its one step.
INSERT INTO campaign_steps (campaign_id, position, delay_ms, template)
    SELECT id, 1, 0, follow_up_template FROM campaigns;
ALTER TABLE campaigns DROP COLUMN follow_up_template;

-- 3. Which step a message intent and a sent message were.
ALTER TABLE action_journal ADD COLUMN step INTEGER;
ALTER TABLE messages ADD COLUMN step INTEGER;
UPDATE action_journal SET step = 1 WHERE action = 'message';
UPDATE messages SET step = 1;

-- 4. The account's conversations and every message in them, both ways. A message is stored
--    once by its urn, whoever syncs it and however often.
CREATE TABLE conversations (
    id               INTEGER PRIMARY KEY,
    account_id       INTEGER NOT NULL REFERENCES accounts(id),
    lead_id          INTEGER NOT NULL REFERENCES leads(id),
    urn              TEXT NOT NULL,
    last_activity_ms INTEGER NOT NULL,
    synced_ms        INTEGER NOT NULL,
    UNIQUE (account_id, urn)
);
CREATE INDEX conversations_by_lead ON conversations (lead_id);
CREATE INDEX conversations_by_activity ON conversations (account_id, last_activity_ms);

CREATE TABLE conversation_messages (
    id              INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id),
    lead_id         INTEGER NOT NULL REFERENCES leads(id),
    urn             TEXT NOT NULL UNIQUE,
    -- 1: the person wrote it (a reply); 0: the account did (through Outlane or by hand).
    inbound         INTEGER NOT NULL CHECK (inbound IN (0, 1)),
    sender          TEXT NOT NULL,
    sent_ms         INTEGER NOT NULL,
    text            TEXT NOT NULL,
    stored_ms       INTEGER NOT NULL,
    -- For replies: what the reply means, once classified.
    class           TEXT CHECK (class IN ('interested', 'not-interested', 'out-of-office',
                                          'asks-to-stop', 'other')),
    class_reason    TEXT,
    classified_ms   INTEGER
);
CREATE INDEX conversation_messages_by_lead ON conversation_messages (lead_id, sent_ms);
CREATE INDEX conversation_messages_unclassified ON conversation_messages (lead_id)
    WHERE inbound = 1 AND class IS NULL;

-- 5. A person who asked never to be contacted again: every outward action toward them is
--    refused, in every campaign (until the do-not-contact list exists).
ALTER TABLE leads ADD COLUMN contact_stopped TEXT;
ALTER TABLE leads ADD COLUMN contact_stopped_ms INTEGER;
