//! The whole pipeline end to end: `outlane run` with the default lanes, real Chromium, the
//! simulator and the LLM stub, on a clock that follows the simulator's (idle time skipped).
//! From one seed profile to at least 20 people connected and messaged, checked against the
//! simulator's own records.

use outlane::crm::Stage;
use outlane::demo::DemoOptions;
use outlane_simulator::Snapshot;
use outlane_tests::pipeline::Pipeline;
use rusqlite::OpenFlags;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

const TARGET: u64 = 20;

/// What the database says about each lead (public id → stage) and its labels.
struct Records {
    stage_of: BTreeMap<String, String>,
    invites_done: BTreeMap<String, u32>,
    open_intents: u32,
    /// Journaled invitations per (account-local) day.
    invites_per_day: BTreeMap<String, u32>,
    /// Start times of every journaled action (daemon clock, ms).
    action_times: Vec<u64>,
}

/// A person's simulator handle from any of their public ids (a few people have a canonical
/// vanity id that differs from the handle their links use).
fn handle_of(p: &Pipeline) -> impl Fn(&str) -> String {
    let mut alias = BTreeMap::new();
    for person in p.world.sim.scenario().people {
        if let Some(c) = &person.canonical_handle {
            alias.insert(c.to_lowercase(), person.handle.to_lowercase());
        }
    }
    move |id: &str| {
        let id = id.to_lowercase();
        alias.get(&id).cloned().unwrap_or(id)
    }
}

fn records(p: &Pipeline) -> Records {
    let handle = handle_of(p);
    let c = rusqlite::Connection::open_with_flags(p.database(), OpenFlags::SQLITE_OPEN_READ_ONLY)
        .expect("open the database");
    let mut stage_of = BTreeMap::new();
    let mut s = c
        .prepare(
            "SELECT l.public_id, d.stage FROM deals d JOIN leads l ON l.id = d.lead_id
             WHERE l.public_id IS NOT NULL",
        )
        .unwrap();
    for row in s
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .unwrap()
    {
        let (id, stage) = row.unwrap();
        stage_of.insert(handle(&id), stage);
    }
    let mut invites_done = BTreeMap::new();
    let mut s = c
        .prepare(
            "SELECT l.public_id, count(*) FROM action_journal j JOIN leads l ON l.id = j.lead_id
             WHERE j.action = 'invite' AND j.result = 'done' GROUP BY l.public_id",
        )
        .unwrap();
    for row in s
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, u32>(1)?)))
        .unwrap()
    {
        let (id, n) = row.unwrap();
        invites_done.insert(handle(&id), n);
    }
    let open_intents: u32 = c
        .query_row(
            "SELECT count(*) FROM action_journal WHERE result IS NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let mut invites_per_day = BTreeMap::new();
    let mut s = c
        .prepare(
            "SELECT day_key, count(*) FROM action_journal
             WHERE action = 'invite' AND result = 'done' GROUP BY day_key",
        )
        .unwrap();
    for row in s
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, u32>(1)?)))
        .unwrap()
    {
        let (day, n) = row.unwrap();
        invites_per_day.insert(day, n);
    }
    let mut s = c.prepare("SELECT started_ms FROM action_journal").unwrap();
    let action_times = s
        .query_map([], |r| r.get::<_, i64>(0))
        .unwrap()
        .map(|r| r.unwrap() as u64)
        .collect();
    Records {
        stage_of,
        invites_done,
        open_intents,
        invites_per_day,
        action_times,
    }
}

/// The guarantees every run must keep, whatever happened to the daemon meanwhile.
fn check_guarantees(p: &Pipeline, sim: &Snapshot, min_completed: u64) {
    let r = records(p);
    let completed: BTreeSet<&String> = r
        .stage_of
        .iter()
        .filter(|(_, s)| *s == "completed")
        .map(|(id, _)| id)
        .collect();
    assert!(
        completed.len() as u64 >= min_completed,
        "only {} completed",
        completed.len()
    );
    // The simulator's records: who got invitations and messages, how many each.
    let mut invitations: BTreeMap<String, u32> = BTreeMap::new();
    for inv in &sim.invitations {
        *invitations.entry(inv.handle.to_lowercase()).or_default() += 1;
    }
    let mut messages: BTreeMap<String, u32> = BTreeMap::new();
    for m in &sim.messages {
        *messages.entry(m.to_handle.to_lowercase()).or_default() += 1;
    }
    for id in &completed {
        assert_eq!(
            messages.get(*id).copied().unwrap_or(0),
            1,
            "{id} is completed: exactly one message expected"
        );
        // Completed people were invited by us, or were found already connected/pending.
        assert!(
            invitations.get(*id).copied().unwrap_or(0) <= 1,
            "{id} got several invitations"
        );
    }
    for (handle, n) in &invitations {
        assert_eq!(*n, 1, "{handle} got {n} invitations");
        let stage = r.stage_of.get(handle).map(String::as_str);
        assert!(
            !matches!(
                stage,
                Some("disqualified") | Some("discovered") | Some("enriched")
            ),
            "{handle} was invited but is {stage:?}"
        );
    }
    for (handle, n) in &messages {
        assert_eq!(*n, 1, "{handle} got {n} messages");
        assert_eq!(
            r.stage_of.get(handle).map(String::as_str),
            Some("completed"),
            "{handle} got a message but is not completed"
        );
    }
    // Every invitation the simulator saw is journaled as done (nothing sent off the books).
    for handle in invitations.keys() {
        assert_eq!(
            r.invites_done.get(handle).copied(),
            Some(1),
            "{handle}: the simulator got an invitation the journal does not show as done"
        );
    }
    // Our limits per day (20 invitations by default) held on every simulated day.
    for (day, n) in &r.invites_per_day {
        assert!(*n <= 20, "{n} invitations on {day}");
    }
    // Every action happened within working hours (09:00-18:00 UTC, Monday to Friday). A call
    // that started before closing time may finish its action a few simulated minutes after.
    for at in &r.action_times {
        let t = jiff::Timestamp::from_millisecond(*at as i64)
            .unwrap()
            .to_zoned(jiff::tz::TimeZone::UTC);
        let minute = t.hour() as i32 * 60 + t.minute() as i32;
        let weekday = t.weekday().to_monday_one_offset();
        assert!(
            (1..=5).contains(&weekday) && (540..1080 + 15).contains(&minute),
            "an action at {t} is outside working hours"
        );
    }
    assert_eq!(r.open_intents, 0, "an intent was left open");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_seed_profile_grows_into_twenty_completed_people() {
    let mut p = Pipeline::start(DemoOptions::default()).await.unwrap();
    p.start_daemon().unwrap();
    let summary = p
        .wait_for("20 completed", Duration::from_secs(900), |s| {
            s.at(Stage::Completed) >= TARGET
        })
        .await
        .unwrap();
    p.stop_daemon().unwrap();
    let sim = p.world.sim.snapshot();
    check_guarantees(&p, &sim, TARGET);
    assert!(summary.llm_decisions > 0, "the LLM qualified nobody");
    assert!(
        summary.at(Stage::Disqualified) > 0,
        "nobody was disqualified"
    );
    let log = p.log();
    assert!(
        log.contains("outside working hours: sleeping"),
        "the daemon never slept outside working hours"
    );
    assert!(log.contains("invited "), "no invitation line in the log");
}
