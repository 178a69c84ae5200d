-- Lane state is kept per scope: `campaign:<id>` (the default for a call that runs for a
-- campaign), `account:<id>` (facts about one LinkedIn account) or `lane` (lane-wide). State
-- written before scopes existed was lane-wide and stays so.
CREATE TABLE lane_state_scoped (
    lane       TEXT NOT NULL,
    scope      TEXT NOT NULL,
    key        TEXT NOT NULL,
    value      TEXT NOT NULL,
    -- Bytes of key and value, what counts against the lane's `limits.state`.
    size       INTEGER NOT NULL CHECK (size >= 0),
    updated_ms INTEGER NOT NULL,
    PRIMARY KEY (lane, scope, key)
) WITHOUT ROWID;
INSERT INTO lane_state_scoped (lane, scope, key, value, size, updated_ms)
    SELECT lane, 'lane', key, value, length(CAST(key AS BLOB)) + length(CAST(value AS BLOB)),
           updated_ms
    FROM lane_state;
DROP TABLE lane_state;
ALTER TABLE lane_state_scoped RENAME TO lane_state;

-- What each lane keeps in its state, all scopes together: checked against `limits.state` on
-- every write without summing the values.
CREATE TABLE lane_state_usage (
    lane  TEXT PRIMARY KEY,
    bytes INTEGER NOT NULL CHECK (bytes >= 0)
) WITHOUT ROWID;
INSERT INTO lane_state_usage (lane, bytes)
    SELECT lane, sum(size) FROM lane_state GROUP BY lane;
