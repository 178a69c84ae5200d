//! The daemon loop: picks the next due (lane, campaign) of every free slot, calls it, logs one
//! line, reschedules.
//!
//! Each account is a slot: one call at a time for its campaigns (one browser, one tab, its own
//! human pace), accounts side by side on the tokio runtime; a lane that works for no campaign
//! has a slot of its own and never waits for an account.
//!
//! Scheduling follows the reference's daemon, generalised to manifest entries and campaigns:
//! the earliest due major lane goes first; otherwise the due filler with the lowest priority
//! number fills the gap; intervals get 0.8–1.2 jitter (see [`schedule`] for idle and failure
//! back-off). A lane that works for campaigns runs once per workable campaign, only within
//! the working hours of the campaign's account; outside them the daemon sleeps. Schedules are
//! persisted after every call, so a restart resumes the pace. With a clock that may skip idle
//! time (tests, the demo), the daemon jumps to the next due moment instead of sleeping.

mod choice;
pub mod hours;
pub mod schedule;
pub mod targets;

use crate::clock::Clock;
use crate::crm::{lane_status, schedules};
use crate::memory::{HeapTrimmer, TRIM_EVERY};
use crate::runtime::bindings::CallContext;
use crate::runtime::{CallOutcome, LoadedLane, Registry, runner};
use choice::{pick, sync_schedules};
pub use schedule::{MAX_BACKOFF, Schedule, ScheduleKey, backoff, jittered};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;
pub use targets::Slot;
use targets::{CampaignView, Target};
use tokio::sync::watch;
use tokio::task::JoinSet;

/// One call's record, for observers (tests, the demo).
#[derive(Debug, Clone)]
pub struct CallRecord {
    /// Lane name.
    pub lane: String,
    /// Campaign the call ran for.
    pub campaign: Option<u64>,
    /// Version that ran.
    pub version: String,
    /// How it ended.
    pub outcome: CallOutcome,
    /// When it started (daemon clock, ms).
    pub at_ms: u64,
    /// When the lane runs next for this campaign.
    pub next_due_ms: u64,
}

/// The daemon: a registry of lanes and a clock.
pub struct Daemon {
    registry: Arc<Registry>,
    clock: Clock,
    shutdown: watch::Receiver<bool>,
    calls: Option<tokio::sync::mpsc::UnboundedSender<CallRecord>>,
}

/// How long the daemon sleeps at most before looking at the campaigns again (a campaign added
/// or an account resumed from the CLI is picked up within this, real time).
const RESCAN: Duration = Duration::from_secs(5);

/// How long the call in flight may go on once shutdown is asked for. Lanes see
/// `should-stop` turn true and pauses end at once; a call still running after this is
/// stopped where it is: an action it began stays open in the journal and is checked (never
/// repeated) at the next start.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

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

    /// Runs until shutdown. Calls in different [`Slot`]s run side by side (each account is one
    /// slot, each lane that works for no campaign another); a slot runs one call at a time.
    /// The calls in progress when shutdown arrives are finished first (see
    /// [`SHUTDOWN_GRACE`]).
    pub async fn run(mut self) {
        let db = self.registry.runtime().services().db.clone();
        let mut generation = self.registry.subscribe();
        let mut run_id: u64 = 0;
        tracing::info!(
            "daemon started with {} lane(s)",
            self.registry.snapshot().len()
        );
        // Actions a previous run began and never finished: their lanes check them first.
        if let Err(e) = db
            .read_outside_tx(crate::crm::journal::report_open_at_start)
            .await
        {
            tracing::warn!("cannot read the action journal: {e}");
        }
        let mut stored: HashMap<ScheduleKey, schedules::StoredSchedule> =
            match db.read_outside_tx(schedules::all).await {
                Ok(list) => list
                    .into_iter()
                    .map(|s| {
                        let key = ScheduleKey {
                            lane: s.lane.clone(),
                            campaign: s.campaign,
                        };
                        (key, s)
                    })
                    .collect(),
                Err(e) => {
                    tracing::warn!("cannot read the saved schedules, starting afresh: {e}");
                    HashMap::new()
                }
            };
        let mut book = Bookkeeping {
            db: db.clone(),
            clock: self.clock.clone(),
            calls: self.calls.clone(),
            schedules: HashMap::new(),
            freed: HashMap::new(),
            trimmer: HeapTrimmer::new(TRIM_EVERY),
        };
        let mut view = CampaignView::default();
        let mut told = Told::default();
        let mut running: JoinSet<Finished> = JoinSet::new();
        let mut busy: HashMap<tokio::task::Id, Slot> = HashMap::new();
        loop {
            if *self.shutdown.borrow() {
                break;
            }
            match db.read_outside_tx(targets::campaign_view).await {
                Ok(v) => view = v,
                Err(e) => tracing::warn!("cannot read the campaigns: {e}"),
            }
            told.report(&view);
            let lanes = self.registry.snapshot();
            let now = self.clock.now_ms();
            let targets = targets::targets(&lanes, &view);
            sync_schedules(&mut book.schedules, &mut stored, &targets, now);
            // Start a call in every free slot that has a due target.
            let mut taken: HashSet<Slot> = busy.values().cloned().collect();
            while let Some(target) = pick(&targets, &book.schedules, now, &taken) {
                let slot = target.slot();
                taken.insert(slot.clone());
                // Fetch the lane again at call time: a reload since the snapshot may have
                // removed or replaced it, and a removed lane must not start another call.
                let Some(lane) = self.registry.get(&target.key.lane) else {
                    continue;
                };
                run_id += 1;
                let started = self.clock.now_ms();
                // How late the call starts: after the moment it could first run (its due time,
                // or the opening of its account's hours after it); and of that, how long its
                // slot was free meanwhile (the wait no call of its own explains).
                let runnable = book
                    .schedules
                    .get(&target.key)
                    .map(|s| target.runnable_at(s.next_due_ms, s.next_due_ms))
                    .unwrap_or(started);
                let late = started.saturating_sub(runnable);
                let free_since = book.freed.get(&slot).copied().unwrap_or(0);
                let waited = started.saturating_sub(runnable.max(free_since));
                tracing::debug!(
                    lane = target.key.lane.as_str(),
                    campaign = target.campaign_name.as_deref().unwrap_or("-"),
                    "call {run_id} starts in {slot}, {late} ms late, {waited} ms with its slot free"
                );
                let ctx = CallContext {
                    lane: target.key.lane.clone(),
                    run_id,
                    campaign_id: target.key.campaign,
                    now_ms: started,
                };
                let mut shutdown = self.shutdown.clone();
                let call_slot = slot.clone();
                let handle = running.spawn(async move {
                    let outcome = call_until_shutdown(lane.clone(), ctx, &mut shutdown).await;
                    Finished {
                        target,
                        lane,
                        run_id,
                        slot: call_slot,
                        started,
                        outcome,
                    }
                });
                busy.insert(handle.id(), slot);
            }
            // Nothing more can start now: wait for a call to end, the next due moment of a
            // free slot, a reload, a rescan or shutdown.
            let wake = targets
                .iter()
                .filter(|t| !taken.contains(&t.slot()))
                .filter_map(|t| {
                    book.schedules
                        .get(&t.key)
                        .map(|s| t.runnable_at(s.next_due_ms, now))
                })
                .min();
            if running.is_empty() {
                if let Some(at) = wake
                    && at > now
                {
                    told.sleeping(&targets, at, &self.clock);
                }
                book.trimmer.maybe_trim().await;
                // Idle time may be skipped only when no call is in progress: a call's pauses
                // and pages run on the same clock.
                if let Some(at) = wake
                    && self.clock.skips_idle_time()
                {
                    match self.clock.skip_to(at).await {
                        Ok(_) => continue,
                        Err(e) => tracing::warn!("cannot move the shared clock: {e}"),
                    }
                }
            }
            let sleep = async {
                let rescan = tokio::time::sleep(RESCAN);
                match wake {
                    Some(at) => {
                        tokio::select! {
                            _ = self.clock.sleep_until_ms(at) => {}
                            _ = rescan => {}
                        }
                    }
                    None => rescan.await,
                }
            };
            tokio::select! {
                Some(done) = running.join_next_with_id() => {
                    book.ended(done, &mut busy).await;
                }
                _ = sleep => {}
                _ = generation.changed() => {}
                _ = self.shutdown.changed() => {}
            }
        }
        // Shutdown: every call in progress finishes (or is stopped after the grace), and its
        // schedule is saved.
        while let Some(done) = running.join_next_with_id().await {
            book.ended(done, &mut busy).await;
        }
        tracing::info!("daemon stopped");
    }
}

/// A call that ended, with what the daemon needs to book it.
struct Finished {
    target: Target,
    lane: Arc<LoadedLane>,
    run_id: u64,
    slot: Slot,
    started: u64,
    outcome: CallOutcome,
}

/// What the daemon keeps between calls: the schedules, and where a call's end is written.
struct Bookkeeping {
    db: crate::crm::Db,
    clock: Clock,
    calls: Option<tokio::sync::mpsc::UnboundedSender<CallRecord>>,
    schedules: HashMap<ScheduleKey, Schedule>,
    /// When each slot's last call ended (daemon clock).
    freed: HashMap<Slot, u64>,
    trimmer: HeapTrimmer,
}

impl Bookkeeping {
    /// Books a call that ended: frees its slot, reschedules it, logs one line, saves the
    /// schedule and the lane's status, tells observers.
    async fn ended(
        &mut self,
        done: Result<(tokio::task::Id, Finished), tokio::task::JoinError>,
        busy: &mut HashMap<tokio::task::Id, Slot>,
    ) {
        let Finished {
            target,
            lane,
            run_id,
            slot,
            started,
            outcome,
        } = match done {
            Ok((id, finished)) => {
                busy.remove(&id);
                finished
            }
            Err(e) => {
                // The call's own task catches a lane's panic; this is the daemon's task
                // failing around it. Its slot is freed; the schedule stays as it was (due).
                if let Some(slot) = busy.remove(&e.id()) {
                    tracing::error!("a call in {slot} ended without an outcome: {e}");
                }
                return;
            }
        };
        let ended = self.clock.now_ms();
        self.freed.insert(slot.clone(), ended);
        tracing::debug!(
            lane = target.key.lane.as_str(),
            "call {run_id} ended in {slot} after {} ms",
            ended.saturating_sub(started)
        );
        self.trimmer.maybe_trim().await;
        let schedule = self
            .schedules
            .entry(target.key.clone())
            .or_insert_with(|| Schedule::new(ended, lane.spec.every));
        schedule.after_call(&outcome, ended);
        let next_due_ms = schedule.next_due_ms;
        let saved = schedule.stored(&target.key);
        log_call(&target, &outcome, schedule, &self.clock);
        if matches!(outcome, CallOutcome::Worked(_)) {
            for (key, other) in self.schedules.iter_mut() {
                if key.campaign == target.key.campaign && *key != target.key {
                    other.wake();
                }
            }
        }
        let (name, detail, class, failures) = (
            target.key.lane.clone(),
            outcome.detail(),
            outcome.class(),
            saved.failures,
        );
        if let Err(e) = self.db.write(move |tx| schedules::save(tx, &saved)).await {
            tracing::warn!("cannot save the schedule: {e}");
        }
        if let Err(e) = lane_status::record_run(
            &self.db,
            &name,
            started,
            class,
            &detail,
            next_due_ms,
            failures,
        )
        .await
        {
            tracing::warn!("cannot record lane status: {e}");
        }
        if let Some(tx) = &self.calls {
            let _ = tx.send(CallRecord {
                lane: name,
                campaign: target.key.campaign,
                version: lane.info.version.clone(),
                outcome,
                at_ms: started,
                next_due_ms,
            });
        }
    }
}

/// What the daemon already told the user, so that waiting states are logged once, not on
/// every loop.
#[derive(Default)]
struct Told {
    paused: Vec<(String, String)>,
    no_campaign: bool,
    sleeping_until: Option<u64>,
}

impl Told {
    fn report(&mut self, view: &CampaignView) {
        if view.paused != self.paused {
            for (login, reason) in &view.paused {
                if !self.paused.contains(&(login.clone(), reason.clone())) {
                    tracing::warn!(
                        "account {login} waits for a human ({reason}); its campaigns stop until `outlane accounts resume {login}`"
                    );
                }
            }
            self.paused = view.paused.clone();
        }
        let none = view.any && view.workable.is_empty();
        if none && !self.no_campaign {
            tracing::warn!(
                "no campaign can be worked (all paused, or their accounts wait for a human)"
            );
        }
        self.no_campaign = none;
    }

    /// Logs once when the daemon goes to sleep because every campaign is outside its
    /// working hours.
    fn sleeping(&mut self, targets: &[Target], until: u64, clock: &Clock) {
        let now = clock.now_ms();
        let closed = targets
            .iter()
            .filter(|t| t.hours.is_some())
            .all(|t| t.hours.as_ref().is_some_and(|h| !h.is_open(now)));
        let any_hours = targets.iter().any(|t| t.hours.is_some());
        if !(any_hours && closed) {
            self.sleeping_until = None;
            return;
        }
        if self.sleeping_until == Some(until) {
            return;
        }
        self.sleeping_until = Some(until);
        let wait = Duration::from_secs(until.saturating_sub(now) / 1000);
        tracing::info!(
            "outside working hours: sleeping {} until {}",
            humantime::format_duration(wait),
            format_utc(until)
        );
    }
}

fn format_utc(ms: u64) -> String {
    jiff::Timestamp::from_millisecond(ms as i64)
        .map(|t| t.strftime("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|_| format!("{ms} ms"))
}

/// One lane call (can-execute, then execute if it has work) in a task of its own, so that even
/// a panic in a host function ends as an outcome instead of taking the daemon down.
pub async fn call(lane: Arc<LoadedLane>, ctx: CallContext) -> CallOutcome {
    spawn_call(lane, ctx)
        .await
        .unwrap_or_else(|e| CallOutcome::Trap(format!("the host failed during the call: {e}")))
}

fn spawn_call(lane: Arc<LoadedLane>, ctx: CallContext) -> tokio::task::JoinHandle<CallOutcome> {
    tokio::spawn(async move {
        match runner::can_execute(&lane, &ctx).await {
            Ok(None) => runner::execute(&lane, &ctx).await,
            Ok(Some(why)) => CallOutcome::Idle(why),
            Err(outcome) => outcome,
        }
    })
}

/// Like [`call`], but once `shutdown` turns true the call has [`SHUTDOWN_GRACE`] to finish;
/// then it is stopped (its task aborted, its store dropped) and the outcome says so.
async fn call_until_shutdown(
    lane: Arc<LoadedLane>,
    ctx: CallContext,
    shutdown: &mut watch::Receiver<bool>,
) -> CallOutcome {
    let name = ctx.lane.clone();
    let mut task = spawn_call(lane, ctx);
    let mut deadline: Option<tokio::time::Instant> = None;
    loop {
        tokio::select! {
            done = &mut task => {
                return done.unwrap_or_else(|e| {
                    CallOutcome::Trap(format!("the host failed during the call: {e}"))
                });
            }
            _ = shutdown.wait_for(|stop| *stop), if deadline.is_none() => {
                tracing::info!(
                    lane = name.as_str(),
                    "shutting down: the call in progress has {}s to finish",
                    SHUTDOWN_GRACE.as_secs()
                );
                deadline = Some(tokio::time::Instant::now() + SHUTDOWN_GRACE);
            }
            _ = sleep_until_some(deadline), if deadline.is_some() => {
                task.abort();
                tracing::warn!(
                    lane = name.as_str(),
                    "the call did not finish within {}s of shutdown: stopped; an action it \
                     began stays open in the journal and is checked at the next start",
                    SHUTDOWN_GRACE.as_secs()
                );
                return CallOutcome::Timeout(format!(
                    "stopped at shutdown after {}s",
                    SHUTDOWN_GRACE.as_secs()
                ));
            }
        }
    }
}

async fn sleep_until_some(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// One line per call: lane, campaign, what happened (the lane's summary names the lead) and
/// when it runs next. Idle runs are logged at debug level: they are not actions.
fn log_call(target: &Target, outcome: &CallOutcome, schedule: &Schedule, clock: &Clock) {
    let (failure, paused_by_limit, idle, detail) = (
        outcome.is_failure(),
        outcome.is_paused_by_limit(),
        matches!(outcome, CallOutcome::Idle(_)),
        outcome.detail(),
    );
    let wait = Duration::from_millis(schedule.next_due_ms.saturating_sub(clock.now_ms()));
    let rounded = if wait < Duration::from_secs(10) {
        Duration::from_millis(wait.as_millis() as u64 / 100 * 100)
    } else {
        Duration::from_secs(wait.as_secs())
    };
    let next = humantime::format_duration(rounded);
    let name = target.key.lane.as_str();
    let outcome = crate::runtime::outcome::for_log(&outcome.to_string());
    let campaign = target.campaign_name.as_deref().unwrap_or("-");
    if failure {
        tracing::warn!(
            lane = name,
            campaign,
            "{} — failure #{}, backing off, next run in {next}",
            outcome,
            schedule.failures
        );
    } else if paused_by_limit {
        tracing::info!(
            lane = name,
            campaign,
            "waiting for a limit: {} — next run in {next}",
            crate::runtime::outcome::for_log(&detail)
        );
    } else if idle {
        tracing::debug!(lane = name, campaign, "{outcome} — next run in {next}");
    } else {
        tracing::info!(lane = name, campaign, "{outcome} — next run in {next}");
    }
}
