//! One lane call: a fresh store from the lane's pre-instantiated component, the lane's limits
//! applied, the export called, the ending classified.
//!
//! CPU: the epoch advances every 10 ms; at each tick the guest yields to tokio (so a busy lane
//! never blocks the daemon) and its CPU time so far — wall time minus the time spent inside
//! host functions, measured by the call hook — is checked against the lane's budget.
//! Memory: a limiter refuses growth past the cap and records it. Wall time: the whole call
//! runs under a tokio timeout, host waits included.

use super::api::LanePre;
use super::bindings::{CallContext, LaneError, LaneInfo, Readiness, Report, ReportOutcome};
use super::loader::LoadedLane;
use super::outcome::{CallOutcome, MAX_LANE_TEXT, clip, for_log};
use super::state::{LaneEnv, LaneState};
use crate::manifest::SandboxLimits;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::timeout;
use wasmtime::{CallHook, Engine, Store, UpdateDeadline};

/// Limits of the `describe` call made at load.
pub const DESCRIBE_LIMITS: SandboxLimits = SandboxLimits {
    cpu: Duration::from_secs(1),
    memory: 64 << 20,
    wall: Duration::from_secs(10),
    state: 0,
};

/// A store for one call of `env` under `limits`.
pub fn new_store(engine: &Engine, env: Arc<LaneEnv>, limits: &SandboxLimits) -> Store<LaneState> {
    let state = LaneState::new(env, limits.cpu, limits.memory, limits.wall);
    let mut store = Store::new(engine, state);
    store.limiter(|state| &mut state.memory);
    store.call_hook(|mut ctx, hook| {
        let meter = &mut ctx.data_mut().meter;
        match hook {
            CallHook::CallingHost => meter.enter_host(),
            CallHook::ReturningFromHost => meter.leave_host(),
            CallHook::CallingWasm | CallHook::ReturningFromWasm => {}
        }
        Ok(())
    });
    store.set_epoch_deadline(1);
    store.epoch_deadline_callback(|mut ctx| {
        if ctx.data_mut().meter.check() {
            Ok(UpdateDeadline::Yield(1))
        } else {
            Ok(UpdateDeadline::Interrupt)
        }
    });
    store
}

/// Calls `describe` in a store where only the `host` interface answers. A lane of the current
/// API checks its `[lane.config]` there; its complaint points at the manifest's line.
pub async fn describe(
    engine: &Engine,
    pre: &LanePre,
    env: Arc<LaneEnv>,
    spec: &crate::manifest::LaneSpec,
) -> Result<LaneInfo, CallOutcome> {
    let mut store = new_store(engine, env, &DESCRIBE_LIMITS);
    store.data_mut().host_only = true;
    let wall = DESCRIBE_LIMITS.wall;
    let result = timeout(wall, pre.describe(&mut store)).await;
    match finish(&store, result, wall, Stage::Describe)? {
        Ok(info) => Ok(info),
        Err(error) => Err(lane_error(locate_config_error(error, spec))),
    }
}

/// Which call a failure belongs to: `describe` runs under fixed limits at load, the others
/// under the lane's manifest limits; a message must name the right ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Describe,
    Call,
}

/// Calls `can-execute` of `lane`: `None` when it has work, `Some(why not)` when it is idle
/// ("nothing to do" when the lane gave no reason), or the classified failure.
pub async fn can_execute(
    lane: &LoadedLane,
    ctx: &CallContext,
) -> Result<Option<String>, CallOutcome> {
    let limits = &lane.spec.limits;
    let mut store = new_store(lane.pre.engine(), lane.env.clone(), limits);
    store.data_mut().campaign = ctx.campaign_id;
    let result = timeout(limits.wall, lane.pre.can_execute(&mut store, ctx)).await;
    match finish(&store, result, limits.wall, Stage::Call)? {
        Ok(Readiness::Ready) => Ok(None),
        Ok(Readiness::Idle(why)) if why.trim().is_empty() => Ok(Some("nothing to do".into())),
        Ok(Readiness::Idle(why)) => Ok(Some(clip(why, MAX_LANE_TEXT))),
        Err(error) => Err(lane_error(locate_config_error(error, &lane.spec))),
    }
}

/// Calls `execute` of `lane` and classifies the ending.
pub async fn execute(lane: &LoadedLane, ctx: &CallContext) -> CallOutcome {
    let limits = &lane.spec.limits;
    let mut store = new_store(lane.pre.engine(), lane.env.clone(), limits);
    store.data_mut().campaign = ctx.campaign_id;
    let result = timeout(limits.wall, lane.pre.execute(&mut store, ctx)).await;
    match finish(&store, result, limits.wall, Stage::Call) {
        Ok(Ok(Report {
            outcome: ReportOutcome::Worked,
            summary,
        })) => CallOutcome::Worked(clip(summary, MAX_LANE_TEXT)),
        Ok(Ok(Report {
            outcome: ReportOutcome::Idle,
            summary,
        })) => CallOutcome::Idle(clip(summary, MAX_LANE_TEXT)),
        Ok(Err(error)) => lane_error(locate_config_error(error, &lane.spec)),
        Err(outcome) => outcome,
    }
}

/// A lane's complaint about its `[lane.config]` (the SDK's errors start with
/// `[lane.config]` and name the key) pointed at the manifest's file and line.
fn locate_config_error(error: LaneError, spec: &crate::manifest::LaneSpec) -> LaneError {
    match error {
        LaneError::Invalid(m) if m.starts_with("[lane.config]") => {
            let key = m
                .split_once("key `")
                .and_then(|(_, rest)| rest.split_once('`'))
                .map(|(key, _)| key)
                .unwrap_or("");
            LaneError::Invalid(format!(
                "{}: lane `{}`: {m}",
                spec.config_location(key),
                spec.name
            ))
        }
        other => other,
    }
}

fn lane_error(error: LaneError) -> CallOutcome {
    let error = match error {
        LaneError::Denied(m) => LaneError::Denied(clip(m, MAX_LANE_TEXT)),
        LaneError::NotFound(m) => LaneError::NotFound(clip(m, MAX_LANE_TEXT)),
        LaneError::Invalid(m) => LaneError::Invalid(clip(m, MAX_LANE_TEXT)),
        LaneError::Auth(m) => LaneError::Auth(clip(m, MAX_LANE_TEXT)),
        LaneError::Transient(m) => LaneError::Transient(clip(m, MAX_LANE_TEXT)),
        LaneError::Internal(m) => LaneError::Internal(clip(m, MAX_LANE_TEXT)),
        LaneError::RateLimited(mut hit) => {
            hit.reason = clip(hit.reason, MAX_LANE_TEXT);
            LaneError::RateLimited(hit)
        }
    };
    match error {
        LaneError::Denied(msg) => CallOutcome::Denied(msg),
        other => CallOutcome::LaneError(other),
    }
}

/// After a call: logs what the guest wrote to stderr and classifies a failure using what the
/// store recorded (CPU budget exceeded, memory cap hit, panic message).
fn finish<T>(
    store: &Store<LaneState>,
    result: Result<wasmtime::Result<T>, tokio::time::error::Elapsed>,
    wall: Duration,
    stage: Stage,
) -> Result<T, CallOutcome> {
    let state = store.data();
    let stderr = state.stderr_text();
    if !stderr.is_empty() {
        tracing::warn!(target: "lane", lane = state.env.name.as_str(), "stderr: {}", for_log(&stderr));
    }
    match result {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(classify(state, &error, &stderr, stage)),
        Err(_elapsed) => Err(CallOutcome::Timeout(match stage {
            Stage::Call => format!(
                "the call ran longer than its wall-clock limit of {} (limits.wall)",
                humantime::format_duration(wall)
            ),
            Stage::Describe => format!(
                "describe() ran longer than the {} it is given at load (a fixed limit, not \
                 limits.wall): it may only read its configuration and say who it is",
                humantime::format_duration(wall)
            ),
        })),
    }
}

fn classify(state: &LaneState, error: &wasmtime::Error, stderr: &str, stage: Stage) -> CallOutcome {
    if state.meter.exceeded() {
        let budget = humantime::format_duration(state.meter.budget());
        return CallOutcome::Timeout(match stage {
            Stage::Call => {
                format!("the lane used more than its CPU limit of {budget} (limits.cpu)")
            }
            Stage::Describe => format!(
                "describe() used more than the {budget} of CPU it is given at load (a fixed \
                 limit, not limits.cpu)"
            ),
        });
    }
    if let Some(asked) = state.memory.hit {
        return CallOutcome::OutOfMemory(match stage {
            Stage::Call => format!(
                "the lane asked for {} of memory, over its cap (limits.memory)",
                crate::units::ByteSize(asked as u64)
            ),
            Stage::Describe => format!(
                "describe() asked for {} of memory, over the fixed cap it is given at load",
                crate::units::ByteSize(asked as u64)
            ),
        });
    }
    let mut message = format!("{error:#}");
    // A Rust guest's panic prints "thread '..' panicked at FILE:LINE:COL:" then the message.
    let lines: Vec<&str> = stderr.lines().collect();
    if let Some(i) = lines.iter().position(|l| l.contains("panicked at")) {
        let place = lines[i]
            .split("panicked at")
            .nth(1)
            .unwrap_or("")
            .trim()
            .trim_end_matches(':');
        let what = lines.get(i + 1).copied().unwrap_or("").trim();
        message = format!("panicked at {place}: {what}");
    }
    CallOutcome::Trap(message)
}
