//! The daemon loop: picks the next due lane, calls it, logs one line, reschedules it.
//!
//! This is the simple scheduler of the lane-host milestone: the earliest due major lane goes
//! first, otherwise the due filler with the lowest priority number; intervals get 0.8–1.2
//! jitter; a failing lane backs off exponentially (interval × 2^failures, capped). Working
//! hours and persisted schedules come with the full scheduler.

pub mod hours;

use crate::clock::Clock;
use crate::crm::lane_status;
use crate::manifest::LaneKind;
use crate::runtime::bindings::CallContext;
use crate::runtime::registry::LaneSet;
use crate::runtime::{CallOutcome, LoadedLane, Registry, runner};
use rand::RngExt;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// Longest back-off of a failing lane (daemon-clock time).
pub const MAX_BACKOFF: Duration = Duration::from_secs(3600);

/// When a lane runs next and how it has been doing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    /// Next due time (daemon clock, ms).
    pub next_due_ms: u64,
    /// Last run (daemon clock, ms).
    pub last_run_ms: Option<u64>,
    /// Consecutive failures.
    pub failures: u32,
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
            every,
        }
    }
}

/// One call's record, for observers (tests, the demo).
#[derive(Debug, Clone)]
pub struct CallRecord {
    /// Lane name.
    pub lane: String,
    /// Version that ran.
    pub version: String,
    /// How it ended.
    pub outcome: CallOutcome,
    /// When it started (daemon clock, ms).
    pub at_ms: u64,
    /// When the lane runs next.
    pub next_due_ms: u64,
}

/// The daemon: a registry of lanes and a clock.
pub struct Daemon {
    registry: Arc<Registry>,
    clock: Clock,
    shutdown: watch::Receiver<bool>,
    calls: Option<tokio::sync::mpsc::UnboundedSender<CallRecord>>,
}

impl Daemon {
    /// A daemon over `registry` that stops when `shutdown` turns true.
    pub fn new(registry: Arc<Registry>, clock: Clock, shutdown: watch::Receiver<bool>) -> Daemon {
        Daemon {
            registry,
            clock,
            shutdown,
            calls: None,
        }
    }

    /// Sends a [`CallRecord`] for every call to `tx`.
    pub fn observe(mut self, tx: tokio::sync::mpsc::UnboundedSender<CallRecord>) -> Daemon {
        self.calls = Some(tx);
        self
    }

    /// Runs until shutdown. The call in progress when shutdown arrives is finished first.
    pub async fn run(mut self) {
        let mut schedules: HashMap<String, Schedule> = HashMap::new();
        let mut generation = self.registry.subscribe();
        let mut run_id: u64 = 0;
        tracing::info!(
            "daemon started with {} lane(s)",
            self.registry.snapshot().len()
        );
        // Actions a previous run began and never finished: their lanes check them first.
        let db = self.registry.runtime().services().db.clone();
        if let Err(e) = db.read(crate::crm::journal::report_open_at_start).await {
            tracing::warn!("cannot read the action journal: {e}");
        }
        loop {
            if *self.shutdown.borrow() {
                break;
            }
            let lanes = self.registry.snapshot();
            let now = self.clock.now_ms();
            sync_schedules(&mut schedules, &lanes, now);
            let Some(name) = pick(&lanes, &schedules, now) else {
                let wake = schedules.values().map(|s| s.next_due_ms).min();
                tokio::select! {
                    _ = async { match wake { Some(at) => self.clock.sleep_until_ms(at).await, None => std::future::pending().await } } => {}
                    _ = generation.changed() => {}
                    _ = self.shutdown.changed() => {}
                }
                continue;
            };
            // Fetch the lane again at call time: a reload since the snapshot may have removed
            // or replaced it, and a removed lane must not start another call.
            let started = self.clock.now_ms();
            let Some(lane) = self.registry.get(&name) else {
                continue;
            };
            run_id += 1;
            let outcome = call(
                lane.clone(),
                CallContext {
                    lane: name.clone(),
                    run_id,
                    campaign_id: None,
                    now_ms: started,
                },
            )
            .await;
            let ended = self.clock.now_ms();
            let schedule = schedules
                .entry(name.clone())
                .or_insert_with(|| Schedule::new(ended, lane.spec.every));
            reschedule(schedule, &outcome, ended);
            log_call(&name, &outcome, schedule, &self.clock);
            if let Err(e) = lane_status::record_run(
                &self.registry.runtime().services().db,
                &name,
                started,
                outcome.class(),
                &outcome.detail(),
                schedule.next_due_ms,
                schedule.failures,
            )
            .await
            {
                tracing::warn!("cannot record lane status: {e}");
            }
            if let Some(tx) = &self.calls {
                let _ = tx.send(CallRecord {
                    lane: name,
                    version: lane.info.version.clone(),
                    outcome,
                    at_ms: started,
                    next_due_ms: schedule.next_due_ms,
                });
            }
        }
        tracing::info!("daemon stopped");
    }
}

/// One lane call (can-execute, then execute if it has work) in a task of its own, so that even
/// a panic in a host function ends as an outcome instead of taking the daemon down.
pub async fn call(lane: Arc<LoadedLane>, ctx: CallContext) -> CallOutcome {
    let task = tokio::spawn(async move {
        match runner::can_execute(&lane, &ctx).await {
            Ok(true) => runner::execute(&lane, &ctx).await,
            Ok(false) => CallOutcome::Idle("nothing to do".into()),
            Err(outcome) => outcome,
        }
    });
    task.await
        .unwrap_or_else(|e| CallOutcome::Trap(format!("the host failed during the call: {e}")))
}

/// Adds schedules for new lanes (due now), drops removed ones, and applies interval changes.
fn sync_schedules(schedules: &mut HashMap<String, Schedule>, lanes: &LaneSet, now: u64) {
    schedules.retain(|name, _| lanes.contains_key(name));
    for (name, lane) in lanes {
        let every = lane.spec.every;
        let schedule = schedules
            .entry(name.clone())
            .or_insert_with(|| Schedule::new(now, every));
        if schedule.every != every {
            schedule.every = every;
            if schedule.failures == 0 {
                let base = schedule.last_run_ms.unwrap_or(now);
                schedule.next_due_ms = base + jittered(every).as_millis() as u64;
            }
        }
    }
}

/// The lane to call now: the earliest due major lane, else the due filler with the lowest
/// priority number (earliest due among equals).
fn pick(lanes: &LaneSet, schedules: &HashMap<String, Schedule>, now: u64) -> Option<String> {
    let due = |kind: LaneKind| {
        lanes
            .iter()
            .filter(move |(_, l)| l.spec.kind == kind)
            .filter_map(|(name, l)| schedules.get(name).map(|s| (name, l, s)))
            .filter(|(_, _, s)| s.next_due_ms <= now)
    };
    if let Some((name, _, _)) = due(LaneKind::Major).min_by_key(|(_, _, s)| s.next_due_ms) {
        return Some(name.clone());
    }
    due(LaneKind::Filler)
        .min_by_key(|(_, l, s)| (l.spec.priority, s.next_due_ms))
        .map(|(name, _, _)| name.clone())
}

/// Sets the next due time after a call that ended at `now`.
fn reschedule(schedule: &mut Schedule, outcome: &CallOutcome, now: u64) {
    schedule.last_run_ms = Some(now);
    let delay = if outcome.is_failure() {
        schedule.failures = schedule.failures.saturating_add(1);
        backoff(schedule.every, schedule.failures)
    } else {
        schedule.failures = 0;
        jittered(schedule.every)
    };
    let mut next = now + delay.as_millis() as u64;
    if let Some(until) = outcome.rate_limited_until() {
        next = next.max(until);
    }
    schedule.next_due_ms = next;
}

/// interval × 2^failures, at most [`MAX_BACKOFF`] (but never less than the interval).
pub fn backoff(every: Duration, failures: u32) -> Duration {
    let factor = 2u32.saturating_pow(failures.min(20));
    every.saturating_mul(factor).min(MAX_BACKOFF.max(every))
}

/// `every` × a uniform factor in [0.8, 1.2].
pub fn jittered(every: Duration) -> Duration {
    every.mul_f64(rand::rng().random_range(0.8..=1.2))
}

fn log_call(name: &str, outcome: &CallOutcome, schedule: &Schedule, clock: &Clock) {
    let wait = Duration::from_millis(schedule.next_due_ms.saturating_sub(clock.now_ms()));
    let rounded = if wait < Duration::from_secs(10) {
        Duration::from_millis(wait.as_millis() as u64 / 100 * 100)
    } else {
        Duration::from_secs(wait.as_secs())
    };
    let next = humantime::format_duration(rounded);
    if outcome.is_failure() {
        tracing::warn!(
            lane = name,
            "{} — failure #{}, backing off, next run in {next}",
            outcome,
            schedule.failures
        );
    } else {
        tracing::info!(lane = name, "{outcome} — next run in {next}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn rate_limit_pushes_next_run() {
        use crate::runtime::bindings::{LaneError, LimitHit};
        let mut s = Schedule {
            next_due_ms: 0,
            last_run_ms: None,
            failures: 0,
            every: Duration::from_secs(10),
        };
        let hit = CallOutcome::LaneError(LaneError::RateLimited(LimitHit {
            reason: "weekly".into(),
            until_ms: Some(1_000_000),
        }));
        reschedule(&mut s, &hit, 1000);
        assert_eq!(s.next_due_ms, 1_000_000);
        assert_eq!(s.failures, 1);
        reschedule(&mut s, &CallOutcome::Worked("ok".into()), 2000);
        assert_eq!(s.failures, 0);
        assert!(s.next_due_ms >= 2000 + 8000 && s.next_due_ms <= 2000 + 12000);
    }
}
