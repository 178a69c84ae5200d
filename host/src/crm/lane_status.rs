//! The last known status of each lane (loaded version, last run, next run), written by the
//! daemon and read by `outlane lanes list` and `outlane status`. Writes happen on the daemon's
//! async path, so they run on the blocking pool; the read is for the CLI.

use super::{Db, DbError};
use rusqlite::{OptionalExtension, params};

/// One lane's recorded status.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct LaneStatus {
    /// Lane name.
    pub lane: String,
    /// Version of the loaded component.
    pub version: Option<String>,
    /// sha256 of the loaded component.
    pub digest: Option<String>,
    /// When it was loaded (daemon clock, ms).
    pub loaded_ms: Option<u64>,
    /// Why the last load failed, if it did.
    pub load_error: Option<String>,
    /// When it last ran.
    pub last_run_ms: Option<u64>,
    /// Outcome class of the last run ("worked", "idle", "timeout"...).
    pub last_outcome: Option<String>,
    /// The last run's one-line summary.
    pub last_summary: Option<String>,
    /// When it runs next.
    pub next_run_ms: Option<u64>,
    /// Consecutive failed runs.
    pub failures: u32,
}

/// Records a successful load.
pub async fn record_load(
    db: &Db,
    lane: &str,
    version: &str,
    digest: &str,
    now_ms: u64,
) -> Result<(), DbError> {
    let (lane, version, digest) = (lane.to_owned(), version.to_owned(), digest.to_owned());
    db.call(move |c| {
        c.execute(
            "INSERT INTO lane_status (lane, version, digest, loaded_ms, load_error) VALUES (?1, ?2, ?3, ?4, NULL)
             ON CONFLICT (lane) DO UPDATE SET version = excluded.version, digest = excluded.digest,
                 loaded_ms = excluded.loaded_ms, load_error = NULL",
            params![lane, version, digest, now_ms as i64],
        )
        .map(|_| ())
    })
    .await
}

/// Records a failed load (the previous version, if any, stays recorded as loaded).
pub async fn record_load_error(db: &Db, lane: &str, error: &str) -> Result<(), DbError> {
    let (lane, error) = (lane.to_owned(), error.to_owned());
    db.call(move |c| {
        c.execute(
            "INSERT INTO lane_status (lane, load_error) VALUES (?1, ?2)
             ON CONFLICT (lane) DO UPDATE SET load_error = excluded.load_error",
            params![lane, error],
        )
        .map(|_| ())
    })
    .await
}

/// Records the end of a run.
pub async fn record_run(
    db: &Db,
    lane: &str,
    run_ms: u64,
    outcome: &str,
    summary: &str,
    next_run_ms: u64,
    failures: u32,
) -> Result<(), DbError> {
    let summary = crate::runtime::outcome::for_log(summary);
    let (lane, outcome) = (lane.to_owned(), outcome.to_owned());
    db.call(move |c| {
        c.execute(
            "INSERT INTO lane_status (lane, last_run_ms, last_outcome, last_summary, next_run_ms, failures)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (lane) DO UPDATE SET last_run_ms = excluded.last_run_ms,
                 last_outcome = excluded.last_outcome, last_summary = excluded.last_summary,
                 next_run_ms = excluded.next_run_ms, failures = excluded.failures",
            params![lane, run_ms as i64, outcome, summary, next_run_ms as i64, failures],
        )
        .map(|_| ())
    })
    .await
}

const COLUMNS: &str = "lane, version, digest, loaded_ms, load_error, last_run_ms, last_outcome, \
                       last_summary, next_run_ms, failures";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<LaneStatus> {
    Ok(LaneStatus {
        lane: r.get(0)?,
        version: r.get(1)?,
        digest: r.get(2)?,
        loaded_ms: r.get::<_, Option<i64>>(3)?.map(|v| v as u64),
        load_error: r.get(4)?,
        last_run_ms: r.get::<_, Option<i64>>(5)?.map(|v| v as u64),
        last_outcome: r.get(6)?,
        last_summary: r.get(7)?,
        next_run_ms: r.get::<_, Option<i64>>(8)?.map(|v| v as u64),
        failures: r.get(9)?,
    })
}

/// The recorded status of `lane`, if any.
pub fn get(db: &Db, lane: &str) -> Result<Option<LaneStatus>, DbError> {
    db.call_blocking(|c| {
        c.query_row(
            &format!("SELECT {COLUMNS} FROM lane_status WHERE lane = ?1"),
            params![lane],
            from_row,
        )
        .optional()
    })
}

/// Every lane's recorded status, by name.
pub fn all(conn: &rusqlite::Connection) -> rusqlite::Result<Vec<LaneStatus>> {
    let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM lane_status ORDER BY lane"))?;
    let rows = stmt.query_map([], from_row)?;
    rows.collect()
}
