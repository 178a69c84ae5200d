-- A paused account needs a human: LinkedIn showed a security checkpoint or refused the stored
-- password. The daemon takes no outward action and never retries the login for it until a
-- person runs `outlane accounts resume <login>`.
ALTER TABLE accounts ADD COLUMN paused_reason TEXT;
ALTER TABLE accounts ADD COLUMN paused_ms INTEGER;
