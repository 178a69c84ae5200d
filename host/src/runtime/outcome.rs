//! How a lane call ended. Every call ends in exactly one of these; none of them stops the
//! daemon or another lane.

use super::bindings::LaneError;
use std::fmt;

/// The classified end of one lane call.
#[derive(Debug, Clone)]
pub enum CallOutcome {
    /// The lane did work; the summary says what.
    Worked(String),
    /// The lane had nothing to do.
    Idle(String),
    /// The lane returned a typed error (other than a denial).
    LaneError(LaneError),
    /// The lane asked for something it is not granted.
    Denied(String),
    /// The guest trapped (a panic, an unreachable, a host bug).
    Trap(String),
    /// The call exceeded its CPU or wall-clock limit and was stopped.
    Timeout(String),
    /// The call exceeded its memory cap and was stopped.
    OutOfMemory(String),
}

impl CallOutcome {
    /// Short class name for logs, status and JSON: "worked", "idle", "rate-limited",
    /// "lane-error", "denied", "trap", "timeout", "out-of-memory".
    pub fn class(&self) -> &'static str {
        match self {
            CallOutcome::Worked(_) => "worked",
            CallOutcome::Idle(_) => "idle",
            _ if self.is_paused_by_limit() => "rate-limited",
            CallOutcome::LaneError(_) => "lane-error",
            CallOutcome::Denied(_) => "denied",
            CallOutcome::Trap(_) => "trap",
            CallOutcome::Timeout(_) => "timeout",
            CallOutcome::OutOfMemory(_) => "out-of-memory",
        }
    }

    /// Whether the call went wrong (the lane backs off). A limit with a known end is not a
    /// failure: the lane simply waits for it.
    pub fn is_failure(&self) -> bool {
        !matches!(self, CallOutcome::Worked(_) | CallOutcome::Idle(_)) && !self.is_paused_by_limit()
    }

    /// Whether the lane stopped at a rate limit whose end it knows (our daily or weekly
    /// limits, LinkedIn's weekly invitation limit): normal operation, not an error.
    pub fn is_paused_by_limit(&self) -> bool {
        self.rate_limited_until().is_some()
    }

    /// The detail: the lane's summary or the error.
    pub fn detail(&self) -> String {
        match self {
            CallOutcome::Worked(s)
            | CallOutcome::Idle(s)
            | CallOutcome::Denied(s)
            | CallOutcome::Trap(s)
            | CallOutcome::Timeout(s)
            | CallOutcome::OutOfMemory(s) => s.clone(),
            CallOutcome::LaneError(e) => crate::caps::error_text(e),
        }
    }

    /// The time the lane asked to wait, if it hit a rate limit with a known end.
    pub fn rate_limited_until(&self) -> Option<u64> {
        match self {
            CallOutcome::LaneError(LaneError::RateLimited(hit)) => hit.until_ms,
            _ => None,
        }
    }
}

impl fmt::Display for CallOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.class(), self.detail())
    }
}
