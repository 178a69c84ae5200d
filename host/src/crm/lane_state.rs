//! Lane-scoped persistent key/value state: what a lane remembers between calls (cursors,
//! counters, last-seen ids). A lane sees only its own keys, and within them only the scope it
//! names: the campaign the call runs for (the default), the campaign's account, or the whole
//! lane. What a lane keeps is capped per lane (`limits.state`, all scopes together); the
//! running total lives in `lane_state_usage`, so a write checks it without summing values.

use super::{CrmError, CrmResult};
use rusqlite::{Connection, OptionalExtension, params};

/// Largest key a lane may store, in bytes.
pub const MAX_KEY_BYTES: usize = 256;
/// Largest value a lane may store, in bytes.
pub const MAX_VALUE_BYTES: usize = 1 << 20;

/// Where a key lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// One campaign's view of the lane.
    Campaign(u64),
    /// One LinkedIn account's facts.
    Account(u64),
    /// The whole lane.
    Lane,
}

impl Scope {
    /// The scope as stored: `campaign:<id>`, `account:<id>` or `lane`.
    pub fn key(&self) -> String {
        match self {
            Scope::Campaign(id) => format!("campaign:{id}"),
            Scope::Account(id) => format!("account:{id}"),
            Scope::Lane => "lane".to_string(),
        }
    }
}

/// Reads `key` of `lane` in `scope`.
pub fn get(conn: &Connection, lane: &str, scope: Scope, key: &str) -> CrmResult<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT value FROM lane_state WHERE lane = ?1 AND scope = ?2 AND key = ?3",
            params![lane, scope.key(), key],
            |r| r.get(0),
        )
        .optional()?)
}

/// Bytes `lane` keeps in its state, all scopes together.
pub fn usage(conn: &Connection, lane: &str) -> CrmResult<u64> {
    Ok(conn
        .query_row(
            "SELECT bytes FROM lane_state_usage WHERE lane = ?1",
            [lane],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(0))
}

fn size_of(conn: &Connection, lane: &str, scope: &str, key: &str) -> CrmResult<u64> {
    Ok(conn
        .query_row(
            "SELECT size FROM lane_state WHERE lane = ?1 AND scope = ?2 AND key = ?3",
            params![lane, scope, key],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(0))
}

fn set_usage(conn: &Connection, lane: &str, bytes: u64) -> CrmResult<()> {
    conn.execute(
        "INSERT INTO lane_state_usage (lane, bytes) VALUES (?1, ?2)
         ON CONFLICT (lane) DO UPDATE SET bytes = excluded.bytes",
        params![lane, bytes],
    )?;
    Ok(())
}

/// Writes `key` of `lane` in `scope`, unless the lane's state would then hold more than
/// `cap` bytes (an `Invalid` error saying how much it keeps). Run it in a transaction.
pub fn set(
    conn: &Connection,
    lane: &str,
    scope: Scope,
    key: &str,
    value: &str,
    cap: u64,
    now_ms: u64,
) -> CrmResult<()> {
    let scope = scope.key();
    let size = (key.len() + value.len()) as u64;
    let used = usage(conn, lane)?;
    let total = used.saturating_sub(size_of(conn, lane, &scope, key)?) + size;
    if total > cap {
        return Err(CrmError::Invalid(format!(
            "the lane's state is full: it keeps {} and this value of {} would take it past its \
             limit of {} (limits.state); delete what it no longer needs",
            crate::units::ByteSize(used).approx(),
            crate::units::ByteSize(size).approx(),
            crate::units::ByteSize(cap)
        )));
    }
    conn.execute(
        "INSERT INTO lane_state (lane, scope, key, value, size, updated_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (lane, scope, key) DO UPDATE SET value = excluded.value,
             size = excluded.size, updated_ms = excluded.updated_ms",
        params![lane, scope, key, value, size, now_ms],
    )?;
    set_usage(conn, lane, total)
}

/// Removes `key` of `lane` in `scope` (nothing happens if it is absent).
pub fn delete(conn: &Connection, lane: &str, scope: Scope, key: &str) -> CrmResult<()> {
    let scope = scope.key();
    let size = size_of(conn, lane, &scope, key)?;
    let removed = conn.execute(
        "DELETE FROM lane_state WHERE lane = ?1 AND scope = ?2 AND key = ?3",
        params![lane, scope, key],
    )?;
    if removed > 0 {
        set_usage(conn, lane, usage(conn, lane)?.saturating_sub(size))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crm::Db;

    #[test]
    fn scopes_are_apart_and_the_cap_counts_every_scope() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("x.db")).unwrap();
        db.write_blocking(|tx| {
            set(tx, "l", Scope::Campaign(1), "k", "one", 100, 0)?;
            set(tx, "l", Scope::Campaign(2), "k", "two", 100, 0)?;
            set(tx, "l", Scope::Account(1), "k", "acct", 100, 0)?;
            set(tx, "other", Scope::Lane, "k", "x", 100, 0)?;
            assert_eq!(
                get(tx, "l", Scope::Campaign(1), "k")?.as_deref(),
                Some("one")
            );
            assert_eq!(
                get(tx, "l", Scope::Campaign(2), "k")?.as_deref(),
                Some("two")
            );
            assert_eq!(
                get(tx, "l", Scope::Account(1), "k")?.as_deref(),
                Some("acct")
            );
            assert_eq!(get(tx, "l", Scope::Lane, "k")?, None);
            assert_eq!(usage(tx, "l")?, 4 + 4 + 5);
            // Overwriting counts the new size only.
            set(tx, "l", Scope::Campaign(1), "k", "uno!", 100, 0)?;
            assert_eq!(usage(tx, "l")?, 5 + 4 + 5);
            let full = set(tx, "l", Scope::Lane, "big", &"x".repeat(90), 100, 0).unwrap_err();
            assert!(full.to_string().contains("limits.state"), "{full}");
            assert_eq!(get(tx, "l", Scope::Lane, "big")?, None);
            delete(tx, "l", Scope::Campaign(2), "k")?;
            delete(tx, "l", Scope::Campaign(2), "absent")?;
            assert_eq!(usage(tx, "l")?, 5 + 5);
            set(tx, "l", Scope::Lane, "big", &"x".repeat(87), 100, 0)?;
            assert_eq!(usage(tx, "l")?, 100);
            Ok(())
        })
        .unwrap();
    }
}
