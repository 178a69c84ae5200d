//! What can go wrong in a CRM operation, as values the callers (lanes, CLI) can act on.

use super::DbError;

/// A failed CRM operation.
#[derive(Debug, thiserror::Error)]
pub enum CrmError {
    /// The lead, campaign, account or intent does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The request cannot be accepted: a bad URL, an illegal stage change, a second open
    /// intent for the same action...
    #[error("{0}")]
    Invalid(String),
    /// A rule of the host forbids it whatever the lane: the do-not-contact list.
    #[error("{0}")]
    Denied(String),
    /// A rate limit is spent (ours, or one LinkedIn imposed).
    #[error("{reason}")]
    RateLimited {
        /// What is limited and why.
        reason: String,
        /// When acting may resume (ms since the Unix epoch), if known.
        until_ms: Option<u64>,
    },
    /// The database could not be opened or used.
    #[error(transparent)]
    Db(#[from] DbError),
    /// A query failed.
    #[error("database query failed: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

impl CrmError {
    /// `error` as [`CrmError::Invalid`] with `message` when it is a constraint violation (a
    /// duplicate name, a second open intent...), else as it is.
    pub fn on_conflict(error: rusqlite::Error, message: impl FnOnce() -> String) -> CrmError {
        if is_constraint_violation(&error) {
            CrmError::Invalid(message())
        } else {
            CrmError::Sqlite(error)
        }
    }
}

/// Whether `error` is SQLite refusing a write that breaks a constraint.
pub fn is_constraint_violation(error: &rusqlite::Error) -> bool {
    matches!(error, rusqlite::Error::SqliteFailure(f, _)
        if f.code == rusqlite::ErrorCode::ConstraintViolation)
}

/// A CRM result.
pub type CrmResult<T> = Result<T, CrmError>;
