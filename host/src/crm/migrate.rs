//! Schema migrations: the numbered files of `migrations/`, compiled into the binary and applied
//! in order at start, each in its own transaction. `PRAGMA user_version` records the last one
//! applied, so running them again is a no-op.

use super::DbError;
use rusqlite::{Connection, OptionalExtension};
use std::path::Path;

/// Every migration, in order: (version, file name, SQL).
pub const MIGRATIONS: &[(u32, &str, &str)] = &[
    (
        1,
        "0001_lane_host.sql",
        include_str!("../../../migrations/0001_lane_host.sql"),
    ),
    (
        2,
        "0002_crm.sql",
        include_str!("../../../migrations/0002_crm.sql"),
    ),
    (
        3,
        "0003_account_pause.sql",
        include_str!("../../../migrations/0003_account_pause.sql"),
    ),
    (
        4,
        "0004_llm_usage.sql",
        include_str!("../../../migrations/0004_llm_usage.sql"),
    ),
    (
        5,
        "0005_lane_schedules.sql",
        include_str!("../../../migrations/0005_lane_schedules.sql"),
    ),
    (
        6,
        "0006_lane_state_scopes.sql",
        include_str!("../../../migrations/0006_lane_state_scopes.sql"),
    ),
    (
        7,
        "0007_deal_known_facts.sql",
        include_str!("../../../migrations/0007_deal_known_facts.sql"),
    ),
    (
        8,
        "0008_console.sql",
        include_str!("../../../migrations/0008_console.sql"),
    ),
    (
        9,
        "0009_conversations.sql",
        include_str!("../../../migrations/0009_conversations.sql"),
    ),
    (
        10,
        "0010_account_removal.sql",
        include_str!("../../../migrations/0010_account_removal.sql"),
    ),
    (
        11,
        "0011_pacing.sql",
        include_str!("../../../migrations/0011_pacing.sql"),
    ),
    (
        12,
        "0012_gate_checks.sql",
        include_str!("../../../migrations/0012_gate_checks.sql"),
    ),
    (
        13,
        "0013_data_rights.sql",
        include_str!("../../../migrations/0013_data_rights.sql"),
    ),
    (
        14,
        "0014_status_indexes.sql",
        include_str!("../../../migrations/0014_status_indexes.sql"),
    ),
    (
        15,
        "0015_change_feed.sql",
        include_str!("../../../migrations/0015_change_feed.sql"),
    ),
    (
        16,
        "0016_holds_tags.sql",
        include_str!("../../../migrations/0016_holds_tags.sql"),
    ),
    (
        17,
        "0017_posterior_checks.sql",
        include_str!("../../../migrations/0017_posterior_checks.sql"),
    ),
];

/// Applies the migrations the database has not seen yet.
pub(super) fn apply(conn: &mut Connection, path: &Path) -> Result<(), DbError> {
    let wrap = |source| DbError::Sqlite {
        path: path.to_path_buf(),
        source,
    };
    let current: u32 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(wrap)?;
    let known = MIGRATIONS.last().map(|m| m.0).unwrap_or(0);
    if current > known {
        return Err(DbError::TooNew {
            path: path.to_path_buf(),
            found: current,
            known,
        });
    }
    // Foreign keys are off while migrations run (a migration may rebuild a table others
    // refer to, the way SQLite documents it) and checked before each one commits.
    conn.pragma_update(None, "foreign_keys", "OFF")
        .map_err(wrap)?;
    let applied = apply_pending(conn, path, current);
    conn.pragma_update(None, "foreign_keys", "ON")
        .map_err(wrap)?;
    applied
}

fn apply_pending(conn: &mut Connection, path: &Path, current: u32) -> Result<(), DbError> {
    let wrap = |source| DbError::Sqlite {
        path: path.to_path_buf(),
        source,
    };
    for (version, name, sql) in MIGRATIONS.iter().filter(|m| m.0 > current) {
        let in_migration = |source| DbError::Sqlite {
            path: path.join(format!("(migration {name})")),
            source,
        };
        let tx = conn.transaction().map_err(wrap)?;
        tx.execute_batch(sql).map_err(in_migration)?;
        let broken: Option<String> = tx
            .query_row("PRAGMA foreign_key_check", [], |r| r.get(0))
            .optional()
            .map_err(in_migration)?;
        if let Some(table) = broken {
            return Err(DbError::Sqlite {
                path: path.join(format!("(migration {name})")),
                source: rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CONSTRAINT),
                    Some(format!("a row of `{table}` refers to a row that is gone")),
                ),
            });
        }
        tx.pragma_update(None, "user_version", version)
            .map_err(wrap)?;
        tx.commit().map_err(wrap)?;
        tracing::debug!(migration = name, "applied database migration");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::Db;

    #[test]
    fn migrations_are_idempotent() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("outlane.db");
        Db::open(&path).unwrap();
        let db = Db::open(&path).unwrap();
        let version: u32 = db
            .call_blocking(|c| c.pragma_query_value(None, "user_version", |r| r.get(0)))
            .unwrap();
        assert_eq!(version, super::MIGRATIONS.last().unwrap().0);
    }

    #[test]
    fn newer_database_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("outlane.db");
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 999).unwrap();
        drop(conn);
        let err = Db::open(&path).unwrap_err().to_string();
        assert!(err.contains("newer"), "{err}");
    }
}
