//! The daemon's schedule of each (lane, campaign) pair, persisted so that a restart (even
//! after kill -9) resumes the pace instead of running every lane at once.

use super::CrmResult;
use rusqlite::{Connection, params};

/// One persisted schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSchedule {
    /// Lane name.
    pub lane: String,
    /// Campaign id, `None` for lanes that work for no campaign.
    pub campaign: Option<u64>,
    /// When it is due (daemon clock, ms).
    pub next_due_ms: u64,
    /// When it last ran.
    pub last_run_ms: Option<u64>,
    /// Consecutive failed runs.
    pub failures: u32,
    /// Consecutive runs that found nothing to do.
    pub idle_runs: u32,
}

/// Every stored schedule.
pub fn all(conn: &Connection) -> CrmResult<Vec<StoredSchedule>> {
    let mut stmt = conn.prepare(
        "SELECT lane, campaign_id, next_due_ms, last_run_ms, failures, idle_runs FROM lane_schedules",
    )?;
    let rows = stmt.query_map([], |r| {
        let campaign: i64 = r.get(1)?;
        Ok(StoredSchedule {
            lane: r.get(0)?,
            campaign: (campaign > 0).then_some(campaign as u64),
            next_due_ms: r.get::<_, i64>(2)? as u64,
            last_run_ms: r.get::<_, Option<i64>>(3)?.map(|v| v as u64),
            failures: r.get(4)?,
            idle_runs: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Stores (inserts or replaces) one schedule.
pub fn save(conn: &Connection, s: &StoredSchedule) -> CrmResult<()> {
    conn.execute(
        "INSERT INTO lane_schedules (lane, campaign_id, next_due_ms, last_run_ms, failures, idle_runs)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (lane, campaign_id) DO UPDATE SET next_due_ms = excluded.next_due_ms,
             last_run_ms = excluded.last_run_ms, failures = excluded.failures,
             idle_runs = excluded.idle_runs",
        params![
            s.lane,
            s.campaign.unwrap_or(0) as i64,
            s.next_due_ms as i64,
            s.last_run_ms.map(|v| v as i64),
            s.failures,
            s.idle_runs
        ],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::crm::Db::open(&dir.path().join("o.db")).unwrap();
        let s = StoredSchedule {
            lane: "connect".into(),
            campaign: Some(3),
            next_due_ms: 1_000,
            last_run_ms: Some(500),
            failures: 1,
            idle_runs: 2,
        };
        db.write_blocking(|tx| save(tx, &s)).unwrap();
        let later = StoredSchedule {
            next_due_ms: 9_000,
            ..s.clone()
        };
        db.write_blocking(|tx| save(tx, &later)).unwrap();
        let none = StoredSchedule {
            lane: "heartbeat".into(),
            campaign: None,
            ..s.clone()
        };
        db.write_blocking(|tx| save(tx, &none)).unwrap();
        let mut got = db.read_outside_tx_blocking(all).unwrap();
        got.sort_by(|a, b| a.lane.cmp(&b.lane));
        assert_eq!(got, vec![later, none]);
    }
}
