//! Always available: logging, the daemon clock, human-like pauses, configuration.

use crate::__wit::outlane::lanes::host as wit;
pub use crate::__wit::outlane::lanes::types::Level;

/// Writes `message` into the daemon's log at `level`, tagged with the lane's name.
/// The [`info!`](crate::info), [`warn!`](crate::warn), [`debug!`](crate::debug) and
/// [`error!`](crate::error) macros format and call this.
pub fn log(level: Level, message: &str) {
    wit::log(level, message);
}

/// The daemon clock, in milliseconds since the Unix epoch. It may run faster than real time
/// (tests, the demo), so use it for every timing decision.
pub fn now_ms() -> u64 {
    wit::now_ms()
}

/// Waits a human-like random time between `min_ms` and `max_ms` of daemon-clock time. The wait
/// does not count against the lane's CPU limit.
pub fn pause(min_ms: u32, max_ms: u32) {
    wit::pause(min_ms, max_ms);
}

/// True when the call nears its time limit or the daemon is shutting down: stop at the next
/// safe point.
pub fn should_stop() -> bool {
    wit::should_stop()
}

/// The lane's `[lane.config]` table as a JSON object.
pub fn config_json() -> String {
    wit::config()
}

/// Logs at info level: `info!("sent {} invites", n)`.
#[macro_export]
macro_rules! info {
    ($($arg:tt)*) => { $crate::host::log($crate::host::Level::Info, &format!($($arg)*)) };
}

/// Logs at warn level.
#[macro_export]
macro_rules! warn {
    ($($arg:tt)*) => { $crate::host::log($crate::host::Level::Warn, &format!($($arg)*)) };
}

/// Logs at debug level.
#[macro_export]
macro_rules! debug {
    ($($arg:tt)*) => { $crate::host::log($crate::host::Level::Debug, &format!($($arg)*)) };
}

/// Logs at error level.
#[macro_export]
macro_rules! error {
    ($($arg:tt)*) => { $crate::host::log($crate::host::Level::Error, &format!($($arg)*)) };
}
