//! Lane-scoped persistent key/value state: what a lane remembers between calls (cursors,
//! counters, last-seen ids). A lane sees only its own keys.

use super::{Db, DbError};
use rusqlite::{OptionalExtension, params};

/// Largest key a lane may store, in bytes.
pub const MAX_KEY_BYTES: usize = 256;
/// Largest value a lane may store, in bytes.
pub const MAX_VALUE_BYTES: usize = 1 << 20;

/// Reads `key` of `lane`.
pub async fn get(db: &Db, lane: &str, key: &str) -> Result<Option<String>, DbError> {
    let (lane, key) = (lane.to_owned(), key.to_owned());
    db.call(move |c| {
        c.query_row(
            "SELECT value FROM lane_state WHERE lane = ?1 AND key = ?2",
            params![lane, key],
            |r| r.get(0),
        )
        .optional()
    })
    .await
}

/// Writes `key` of `lane`.
pub async fn set(db: &Db, lane: &str, key: &str, value: &str, now_ms: u64) -> Result<(), DbError> {
    let (lane, key, value) = (lane.to_owned(), key.to_owned(), value.to_owned());
    db.call(move |c| {
        c.execute(
            "INSERT INTO lane_state (lane, key, value, updated_ms) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (lane, key) DO UPDATE SET value = excluded.value, updated_ms = excluded.updated_ms",
            params![lane, key, value, now_ms as i64],
        )
        .map(|_| ())
    })
    .await
}

/// Removes `key` of `lane`.
pub async fn delete(db: &Db, lane: &str, key: &str) -> Result<(), DbError> {
    let (lane, key) = (lane.to_owned(), key.to_owned());
    db.call(move |c| {
        c.execute(
            "DELETE FROM lane_state WHERE lane = ?1 AND key = ?2",
            params![lane, key],
        )
        .map(|_| ())
    })
    .await
}
