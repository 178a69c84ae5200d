//! Errors: the host's typed error, shared by every interface and by lanes themselves.

pub use crate::__wit::outlane::lanes::types::{Error, LimitHit};

/// `Result` with the host's [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;

impl Error {
    /// An `invalid` error with `message`.
    pub fn invalid(message: impl Into<String>) -> Error {
        Error::Invalid(message.into())
    }

    /// An `internal` error with `message`.
    pub fn internal(message: impl Into<String>) -> Error {
        Error::Internal(message.into())
    }

    /// A `transient` error with `message` (the daemon will try again later).
    pub fn transient(message: impl Into<String>) -> Error {
        Error::Transient(message.into())
    }

    /// Whether this is a denial (something the manifest does not grant).
    pub fn is_denied(&self) -> bool {
        matches!(self, Error::Denied(_))
    }

    /// The error's message.
    pub fn message(&self) -> &str {
        match self {
            Error::Denied(m)
            | Error::NotFound(m)
            | Error::Invalid(m)
            | Error::Auth(m)
            | Error::Transient(m)
            | Error::Internal(m) => m,
            Error::RateLimited(hit) => &hit.reason,
        }
    }
}
