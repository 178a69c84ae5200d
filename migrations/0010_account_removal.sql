-- An account removed by the operator: the daemon no longer acts for it and its campaigns are
-- paused, but its history (deals, journal, messages, conversations) stays. NULL: not removed.
ALTER TABLE accounts ADD COLUMN removed_ms INTEGER;
