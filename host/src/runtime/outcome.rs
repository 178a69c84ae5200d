//! How a lane call ended. Every call ends in exactly one of these; none of them stops the
//! daemon or another lane.

use super::bindings::LaneError;
use std::fmt;

/// Most bytes of a lane's summary or error message the host keeps (the rest is cut).
pub const MAX_LANE_TEXT: usize = 64 << 10;
/// Most characters of a lane's text in one log line or in `lane_status`.
pub const MAX_LOG_CHARS: usize = 2000;

/// `text` cut to at most `max` bytes (at a character boundary), saying how much was cut.
pub fn clip(text: String, max: usize) -> String {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} more bytes cut)", &text[..end], text.len() - end)
}

/// Lane text made safe for one log line or a status field: control characters escaped (a
/// newline cannot start a forged log line, an escape sequence cannot recolour the terminal),
/// and cut to [`MAX_LOG_CHARS`] characters.
pub fn for_log(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_LOG_CHARS + 16));
    let mut chars = 0;
    for c in text.chars() {
        if chars >= MAX_LOG_CHARS {
            out.push_str(&format!("… ({} more bytes cut)", text.len() - out.len()));
            break;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push(' '),
            c if c.is_control() || outlane_linkedin::text::is_invisible(c) => {
                out.push_str(&c.escape_unicode().to_string());
            }
            c => out.push(c),
        }
        chars += 1;
    }
    out
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lane_text_is_cut_and_cannot_forge_lines() {
        let forged = "done\n2026-12-02T10:00:00Z  INFO outlane: account paused";
        assert_eq!(
            for_log(forged),
            "done\\n2026-12-02T10:00:00Z  INFO outlane: account paused"
        );
        assert!(!for_log("a\u{1b}[31mred").contains('\u{1b}'));
        let long = for_log(&"x".repeat(5000));
        assert!(long.starts_with(&"x".repeat(2000)) && long.contains("3000 more bytes cut"));
        let clipped = clip("é".repeat(100), 5);
        assert!(clipped.starts_with("éé…"), "{clipped}");
        assert_eq!(clip("short".into(), 10), "short");
    }
}
