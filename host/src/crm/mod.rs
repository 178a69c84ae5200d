//! The SQLite database that holds everything Outlane knows (one file, WAL mode).
//!
//! This module owns the connection and the schema; the pieces built on it live in
//! submodules, one job each. Their functions take a `&Connection` and the time, so they
//! compose inside one transaction: [`Db::write`] runs a closure in an immediate transaction
//! (committed only if it returns `Ok`); [`Db::read_outside_tx`] runs a read without one (each
//! statement sees its own snapshot), and must never be used to write.

pub mod accounts;
pub mod action;
pub mod browse;
pub mod campaigns;
pub mod conversations;
pub mod dnc;
pub mod erasure;
mod error;
pub mod export;
#[cfg(test)]
mod fixture;
pub mod guards;
pub mod holds;
pub mod import;
pub mod journal;
pub mod keywords;
pub mod lane_state;
pub mod lane_status;
pub mod leads;
pub mod learning;
pub mod limits;
pub mod llm_usage;
pub mod messages;
mod migrate;
pub mod pipeline;
pub mod schedules;
pub mod secret;
pub mod sequence;
pub mod stage;
pub mod status;
#[cfg(test)]
mod tests;
pub mod warmup;

pub use action::Action;
pub use error::{CrmError, CrmResult, is_constraint_violation};
pub use stage::Stage;

use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

pub use migrate::MIGRATIONS;

/// Why the database could not be used.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// SQLite failed.
    #[error("database {path}: {source}")]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// The file was written by a newer Outlane.
    #[error(
        "database {path} has schema version {found}, newer than this outlane knows ({known}): upgrade outlane"
    )]
    TooNew {
        /// The database file.
        path: PathBuf,
        /// Its schema version.
        found: u32,
        /// The newest this build knows.
        known: u32,
    },
    /// A blocking task failed to run.
    #[error("database task failed: {0}")]
    Task(String),
    /// The file could not be created or made private.
    #[error("database {path}: {message}")]
    Io {
        /// The database file.
        path: PathBuf,
        /// What failed.
        message: String,
    },
}

/// `path` with `suffix` appended to its file name (`outlane.db-wal`).
fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// A handle on the database. Cheap to clone; queries run on tokio's blocking pool.
#[derive(Clone)]
pub struct Db {
    conn: Arc<Mutex<Connection>>,
    path: Arc<PathBuf>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").field("path", &self.path).finish()
    }
}

impl Db {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    /// The file and its `-wal` and `-shm` companions are made private to the daemon's user
    /// (mode 0600): they hold the sealed password and every lead.
    pub fn open(path: &Path) -> Result<Db, DbError> {
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let io = |e: std::io::Error| DbError::Io {
            path: path.to_path_buf(),
            message: e.to_string(),
        };
        crate::files::create_private_file(path).map_err(io)?;
        let wrap = |source| DbError::Sqlite {
            path: path.to_path_buf(),
            source,
        };
        let mut conn = Connection::open(path).map_err(wrap)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(wrap)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(wrap)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(wrap)?;
        // Deleted rows are overwritten with zeros, not left in free space (erasure).
        conn.pragma_update(None, "secure_delete", "ON")
            .map_err(wrap)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(wrap)?;
        migrate::apply(&mut conn, path)?;
        for companion in [
            path.to_path_buf(),
            sidecar(path, "-wal"),
            sidecar(path, "-shm"),
        ] {
            crate::files::private_file(&companion).map_err(io)?;
        }
        Ok(Db {
            conn: Arc::new(Mutex::new(conn)),
            path: Arc::new(path.to_path_buf()),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` with the connection on the blocking pool.
    pub async fn call<T, F>(&self, f: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || db.call_blocking(f))
            .await
            .map_err(|e| DbError::Task(e.to_string()))?
    }

    /// Runs `f` in an immediate transaction on the blocking pool; commits if it returns `Ok`.
    pub async fn write<T, F>(&self, f: F) -> CrmResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Transaction<'_>) -> CrmResult<T> + Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || db.write_blocking(f))
            .await
            .map_err(|e| CrmError::Db(DbError::Task(e.to_string())))?
    }

    /// Runs the reads of `f` on the blocking pool **outside any transaction**: each statement
    /// sees the database as it is then, and nothing is written (use [`Db::write`] for that).
    pub async fn read_outside_tx<T, F>(&self, f: F) -> CrmResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> CrmResult<T> + Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || db.read_outside_tx_blocking(f))
            .await
            .map_err(|e| CrmError::Db(DbError::Task(e.to_string())))?
    }

    /// [`write`](Self::write) on the current thread (for the CLI and tests).
    pub fn write_blocking<T, F>(&self, f: F) -> CrmResult<T>
    where
        F: FnOnce(&rusqlite::Transaction<'_>) -> CrmResult<T>,
    {
        let mut conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let value = f(&tx)?;
        tx.commit()?;
        Ok(value)
    }

    /// [`read_outside_tx`](Self::read_outside_tx) on the current thread (for the CLI and
    /// tests).
    pub fn read_outside_tx_blocking<T, F>(&self, f: F) -> CrmResult<T>
    where
        F: FnOnce(&Connection) -> CrmResult<T>,
    {
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        f(&conn)
    }

    /// Copies the write-ahead log into the database file and truncates it to zero bytes, so
    /// that rows deleted (and zeroed, `secure_delete`) are gone from the WAL's older frames
    /// too. Returns whether it completed: another connection reading at that moment (a
    /// running daemon) can keep frames in use, and the next checkpoint finishes the job.
    pub fn checkpoint_truncate(&self) -> Result<bool, DbError> {
        self.call_blocking(|c| {
            c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                Ok(r.get::<_, i64>(0)? == 0)
            })
        })
    }

    /// Runs `f` with the connection on the current thread (for the CLI and tests).
    pub fn call_blocking<T, F>(&self, f: F) -> Result<T, DbError>
    where
        F: FnOnce(&mut Connection) -> rusqlite::Result<T>,
    {
        // A panic while holding the lock poisons it; the connection itself is still sound
        // (SQLite rolls back the open transaction), so carry on with it.
        let mut conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut conn).map_err(|source| DbError::Sqlite {
            path: self.path.to_path_buf(),
            source,
        })
    }
}

/// A daemon-clock time as `2026-11-27 00:00 UTC` (the raw milliseconds if out of range).
pub fn utc_time(ms: u64) -> String {
    i64::try_from(ms)
        .ok()
        .and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok())
        .map(|t| t.strftime("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| format!("{ms} ms"))
}
