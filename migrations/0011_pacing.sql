-- Pacing. The warm-up ramp of an account new to automation (crm::warmup): when it started, the daily
-- limit it starts at, and over how many working days it climbs to the configured limits.
-- NULL start: no ramp (accounts that existed before this migration are established ones).
ALTER TABLE accounts ADD COLUMN warmup_start_ms INTEGER;
ALTER TABLE accounts ADD COLUMN warmup_from INTEGER;
ALTER TABLE accounts ADD COLUMN warmup_days INTEGER;

-- The account's health guards (crm::guards): no new invitation while `max_pending` are
-- waiting for an answer; invitations pause for 48 h when fewer than `min_acceptance_pct` of
-- the last `acceptance_window` answered invitations were accepted. `acceptance_paused_ms`:
-- when that last happened (the next judgement counts only invitations sent after it).
ALTER TABLE accounts ADD COLUMN max_pending INTEGER NOT NULL DEFAULT 300;
ALTER TABLE accounts ADD COLUMN min_acceptance_pct INTEGER NOT NULL DEFAULT 15;
ALTER TABLE accounts ADD COLUMN acceptance_window INTEGER NOT NULL DEFAULT 50;
ALTER TABLE accounts ADD COLUMN acceptance_paused_ms INTEGER;
