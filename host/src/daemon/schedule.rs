//! When each (lane, campaign) pair runs next, and how that changes after a call.
//!
//! - A call that worked: next run after the interval, with 0.8–1.2 jitter.
//! - A call that found nothing to do: the interval doubles per idle run in a row, up to
//!   [`MAX_IDLE_FACTOR`] times, so an idle pipeline costs almost nothing; work done by another
//!   lane of the campaign brings idle lanes back to their normal pace ([`Schedule::wake`]).
//! - A failed call: exponential back-off (interval × 2^failures, at most [`MAX_BACKOFF`]).
//! - A call stopped by a rate limit with a known end (a daily or weekly limit): next run when
//!   the limit ends, or one interval later if that is later; not counted as a failure.

use crate::crm::schedules::StoredSchedule;
use crate::runtime::CallOutcome;
use rand::RngExt;
use std::time::Duration;

/// Longest back-off of a failing lane (daemon-clock time).
pub const MAX_BACKOFF: Duration = Duration::from_secs(3600);

/// At most this many intervals between the runs of a lane that keeps finding nothing to do.
pub const MAX_IDLE_FACTOR: u32 = 16;

/// What a schedule is for: a lane, working for a campaign (or for none).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ScheduleKey {
    /// Lane name.
    pub lane: String,
    /// Campaign id; `None` for lanes that use no campaign-scoped capability.
    pub campaign: Option<u64>,
}

/// When a lane runs next for one campaign and how it has been doing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    /// Next due time (daemon clock, ms).
    pub next_due_ms: u64,
    /// Last run (daemon clock, ms).
    pub last_run_ms: Option<u64>,
    /// Consecutive failures.
    pub failures: u32,
    /// Consecutive runs that found nothing to do.
    pub idle_runs: u32,
    /// The interval the schedule was computed with.
    pub every: Duration,
}

impl Schedule {
    /// A lane never run yet, due at `now`.
    pub fn new(now: u64, every: Duration) -> Schedule {
        Schedule {
            next_due_ms: now,
            last_run_ms: None,
            failures: 0,
            idle_runs: 0,
            every,
        }
    }

    /// A schedule read back from the database (after a restart).
    pub fn restored(stored: &StoredSchedule, every: Duration) -> Schedule {
        Schedule {
            next_due_ms: stored.next_due_ms,
            last_run_ms: stored.last_run_ms,
            failures: stored.failures,
            idle_runs: stored.idle_runs,
            every,
        }
    }

    /// The form stored in the database.
    pub fn stored(&self, key: &ScheduleKey) -> StoredSchedule {
        StoredSchedule {
            lane: key.lane.clone(),
            campaign: key.campaign,
            next_due_ms: self.next_due_ms,
            last_run_ms: self.last_run_ms,
            failures: self.failures,
            idle_runs: self.idle_runs,
        }
    }

    /// Sets the next due time after a call that ended at `now`.
    pub fn after_call(&mut self, outcome: &CallOutcome, now: u64) {
        self.last_run_ms = Some(now);
        let delay = match outcome {
            o if o.is_failure() => {
                self.failures = self.failures.saturating_add(1);
                self.idle_runs = 0;
                backoff(self.every, self.failures)
            }
            CallOutcome::Idle(_) => {
                self.failures = 0;
                self.idle_runs = self.idle_runs.saturating_add(1);
                jittered(idle_interval(self.every, self.idle_runs))
            }
            o if o.is_paused_by_limit() => {
                self.failures = 0;
                self.idle_runs = 0;
                jittered(self.every)
            }
            _ => {
                self.failures = 0;
                self.idle_runs = 0;
                jittered(self.every)
            }
        };
        let mut next = now + delay.as_millis() as u64;
        if let Some(until) = outcome.rate_limited_until() {
            next = next.max(until);
        }
        self.next_due_ms = next;
    }

    /// Another lane of the campaign did work, which may have made work for this one: an idle
    /// lane returns to its normal pace (one interval after its last run).
    pub fn wake(&mut self) {
        if self.idle_runs == 0 || self.failures > 0 {
            return;
        }
        self.idle_runs = 0;
        if let Some(last) = self.last_run_ms {
            self.next_due_ms = self.next_due_ms.min(last + self.every.as_millis() as u64);
        }
    }

    /// The interval changed in the manifest: apply it from the last run.
    pub fn set_every(&mut self, every: Duration, now: u64) {
        if self.every == every {
            return;
        }
        self.every = every;
        if self.failures == 0 {
            let base = self.last_run_ms.unwrap_or(now);
            self.next_due_ms = base + jittered(every).as_millis() as u64;
        }
    }
}

/// interval × 2^failures, at most [`MAX_BACKOFF`] (but never less than the interval).
pub fn backoff(every: Duration, failures: u32) -> Duration {
    let factor = 2u32.saturating_pow(failures.min(20));
    every.saturating_mul(factor).min(MAX_BACKOFF.max(every))
}

/// The interval after `idle_runs` idle runs in a row: doubling, at most [`MAX_IDLE_FACTOR`]×.
pub fn idle_interval(every: Duration, idle_runs: u32) -> Duration {
    let factor = 2u32
        .saturating_pow(idle_runs.saturating_sub(1).min(20))
        .min(MAX_IDLE_FACTOR);
    every.saturating_mul(factor)
}

/// `every` × a uniform factor in [0.8, 1.2].
pub fn jittered(every: Duration) -> Duration {
    every.mul_f64(rand::rng().random_range(0.8..=1.2))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::bindings::{LaneError, LimitHit};

    #[test]
    fn backoff_doubles_and_caps() {
        let every = Duration::from_secs(60);
        assert_eq!(backoff(every, 1), Duration::from_secs(120));
        assert_eq!(backoff(every, 3), Duration::from_secs(480));
        assert_eq!(backoff(every, 30), MAX_BACKOFF);
        assert_eq!(
            backoff(Duration::from_secs(86400), 2),
            Duration::from_secs(86400)
        );
    }

    #[test]
    fn jitter_is_within_twenty_percent() {
        for _ in 0..1000 {
            let j = jittered(Duration::from_secs(100));
            assert!(
                j >= Duration::from_secs(80) && j <= Duration::from_secs(120),
                "{j:?}"
            );
        }
    }

    #[test]
    fn idle_runs_stretch_the_interval_until_work_wakes_the_lane() {
        let every = Duration::from_secs(10);
        assert_eq!(idle_interval(every, 1), every);
        assert_eq!(idle_interval(every, 3), every * 4);
        assert_eq!(idle_interval(every, 50), every * MAX_IDLE_FACTOR);
        let mut s = Schedule::new(0, every);
        for _ in 0..6 {
            s.after_call(&CallOutcome::Idle("nothing".into()), 1_000);
        }
        assert!(s.next_due_ms >= 1_000 + 8_000 * MAX_IDLE_FACTOR as u64);
        s.wake();
        assert_eq!(s.idle_runs, 0);
        assert_eq!(s.next_due_ms, 11_000);
    }

    #[test]
    fn rate_limit_pushes_next_run() {
        let mut s = Schedule::new(0, Duration::from_secs(10));
        let hit = CallOutcome::LaneError(LaneError::RateLimited(LimitHit {
            reason: "weekly".into(),
            until_ms: Some(1_000_000),
        }));
        s.after_call(&hit, 1000);
        assert_eq!(s.next_due_ms, 1_000_000);
        // Waiting for a limit is not failing: no back-off builds up.
        assert_eq!(s.failures, 0);
        // A limit that ends sooner than the interval: the interval holds.
        let soon = CallOutcome::LaneError(LaneError::RateLimited(LimitHit {
            reason: "daily".into(),
            until_ms: Some(1_001_000),
        }));
        s.after_call(&soon, 1_000_000);
        assert!(s.next_due_ms >= 1_008_000 && s.next_due_ms <= 1_012_000);
        // A limit of unknown end is a failure with back-off.
        let unknown = CallOutcome::LaneError(LaneError::RateLimited(LimitHit {
            reason: "429".into(),
            until_ms: None,
        }));
        s.after_call(&unknown, 1000);
        assert_eq!(s.failures, 1);
        assert_eq!(s.next_due_ms, 1000 + 20_000);
        s.after_call(&CallOutcome::Worked("ok".into()), 2000);
        assert_eq!(s.failures, 0);
        assert!(s.next_due_ms >= 2000 + 8000 && s.next_due_ms <= 2000 + 12000);
    }
}
