-- Lane host: per-lane persistent key/value state and the last known status of each lane.

CREATE TABLE lane_state (
    lane       TEXT NOT NULL,
    key        TEXT NOT NULL,
    value      TEXT NOT NULL,
    updated_ms INTEGER NOT NULL,
    PRIMARY KEY (lane, key)
) WITHOUT ROWID;

CREATE TABLE lane_status (
    lane          TEXT PRIMARY KEY,
    version       TEXT,
    digest        TEXT,
    loaded_ms     INTEGER,
    load_error    TEXT,
    last_run_ms   INTEGER,
    last_outcome  TEXT,
    last_summary  TEXT,
    next_run_ms   INTEGER,
    failures      INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
