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

/// How the follow-up lane's `UNCHECKED_REASON` starts (lanes/follow-up/src/lib.rs).
const UNCHECKED_PREFIX: &str = "the follow-up may or may not have gone out";

/// What the database says about each lead (public id → stage) and its labels.
struct Records {
    stage_of: BTreeMap<String, String>,
    /// The reason of each lead's stage (public id → reason).
    reason_of: BTreeMap<String, String>,
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
    let mut reason_of = BTreeMap::new();
    let mut s = c
        .prepare(
            "SELECT l.public_id, d.stage, coalesce(d.reason, '') FROM deals d
             JOIN leads l ON l.id = d.lead_id WHERE l.public_id IS NOT NULL",
        )
        .unwrap();
    for row in s
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })
        .unwrap()
    {
        let (id, stage, reason) = row.unwrap();
        stage_of.insert(handle(&id), stage);
        reason_of.insert(handle(&id), reason);
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
        reason_of,
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
    let steps = p.steps();
    for id in &completed {
        assert_eq!(
            messages.get(*id).copied().unwrap_or(0),
            steps,
            "{id} is completed: every step of the sequence, once each, expected"
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
    // The first message each person wrote to the account, on the simulator's clock.
    let mut first_reply: BTreeMap<String, u64> = BTreeMap::new();
    for m in &sim.inbound {
        let at = first_reply
            .entry(m.from_handle.to_lowercase())
            .or_insert(m.at_ms);
        *at = (*at).min(m.at_ms);
    }
    for (handle, n) in &messages {
        assert!(
            *n <= steps,
            "{handle} got {n} messages, the sequence has {steps} steps"
        );
        // Completed, replied (the sequence stopped), still in the sequence, or failed because
        // the conversation could never be checked after a stop (then the message is neither
        // assumed sent nor sent again).
        let stage = r.stage_of.get(handle).map(String::as_str);
        let unchecked = stage == Some("failed")
            && r.reason_of
                .get(handle)
                .is_some_and(|why| why.starts_with(UNCHECKED_PREFIX));
        let in_sequence = stage == Some("connected") && *n < steps;
        assert!(
            matches!(stage, Some("completed") | Some("replied")) || unchecked || in_sequence,
            "{handle} got {n} message(s) but is {stage:?} ({:?})",
            r.reason_of.get(handle)
        );
    }
    // No message after the person's first one, in the simulator's own record.
    for m in &sim.messages {
        if let Some(replied) = first_reply.get(&m.to_handle.to_lowercase()) {
            assert!(
                m.at_ms < *replied,
                "{} was messaged at {} after replying at {replied}: {:?}",
                m.to_handle,
                m.at_ms,
                m.text
            );
        }
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
    assert_eq!(
        r.open_intents,
        0,
        "an intent was left open; the daemon's log ends:\n{}",
        outlane_tests::pipeline::tail(&p.log(), 60)
    );
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

/// Each lead's steps: (step, when its intent began, when it was recorded sent), in order.
fn steps_of(p: &Pipeline) -> BTreeMap<u64, Vec<(u32, u64, u64)>> {
    let c = rusqlite::Connection::open_with_flags(p.database(), OpenFlags::SQLITE_OPEN_READ_ONLY)
        .expect("open the database");
    let mut s = c
        .prepare(
            "SELECT j.lead_id, j.step, j.started_ms, j.finished_ms FROM action_journal j
             WHERE j.action = 'message' AND j.result = 'done' ORDER BY j.lead_id, j.step",
        )
        .unwrap();
    let mut out: BTreeMap<u64, Vec<(u32, u64, u64)>> = BTreeMap::new();
    for row in s
        .query_map([], |r| {
            Ok((
                r.get::<_, u64>(0)?,
                r.get::<_, u32>(1)?,
                r.get::<_, u64>(2)?,
                r.get::<_, u64>(3)?,
            ))
        })
        .unwrap()
    {
        let (lead, step, started, finished) = row.unwrap();
        out.entry(lead).or_default().push((step, started, finished));
    }
    out
}

const HOUR: u64 = 3_600_000;

/// The three-step sequence both sequence tests run: now, 5 hours later, 10 hours after that.
const THREE_STEP_DELAYS: [u64; 3] = [0, 5 * HOUR, 10 * HOUR];

/// Gives the pipeline's campaign the three-step sequence of [`THREE_STEP_DELAYS`].
fn set_three_steps(p: &Pipeline) {
    use outlane::crm::sequence::NewStep;
    let steps: Vec<NewStep> = THREE_STEP_DELAYS
        .iter()
        .enumerate()
        .map(|(i, d)| NewStep {
            delay_ms: *d,
            template: format!(
                "Step {} for {{first_name}}: a short note about our product.",
                i + 1
            ),
        })
        .collect();
    p.set_steps(&steps).unwrap();
}

/// Each lead's steps were sent in order, once each, and never before their delay.
fn check_steps(p: &Pipeline, delays: &[u64]) {
    for (lead, sent) in steps_of(p) {
        let numbers: Vec<u32> = sent.iter().map(|s| s.0).collect();
        let expected: Vec<u32> = (1..=numbers.len() as u32).collect();
        assert_eq!(
            numbers, expected,
            "lead {lead}: steps out of order or repeated"
        );
        for pair in sent.windows(2) {
            let (prev, next) = (pair[0], pair[1]);
            let delay = delays[(next.0 - 1) as usize];
            assert!(
                next.1 >= prev.2 + delay,
                "lead {lead}: step {} began {} ms after step {} was sent, before its delay of {delay} ms",
                next.0,
                next.1.saturating_sub(prev.2),
                prev.0
            );
        }
    }
}

/// Replies came at several points of the sequence, the inbox lane stored and classified them,
/// and whoever asked to stop is off limits for good.
fn check_replies(p: &Pipeline, sim: &Snapshot) {
    // Replies to the invitation, to step 1 and to step 2 all happened and all stopped the
    // sequence (check_guarantees holds the simulator's record to it).
    let replied_after: BTreeSet<usize> = sim
        .inbound
        .iter()
        .filter(|m| m.kind.is_some())
        .map(|m| {
            sim.messages
                .iter()
                .filter(|s| s.to_handle == m.from_handle && s.at_ms < m.at_ms)
                .count()
        })
        .collect();
    assert!(
        replied_after.len() >= 2,
        "replies came only after {replied_after:?} of our messages"
    );
    let log = p.log();
    assert!(log.contains("new repl"), "the inbox lane stored no reply");
    let c = rusqlite::Connection::open_with_flags(p.database(), OpenFlags::SQLITE_OPEN_READ_ONLY)
        .unwrap();
    let classified: u32 = c
        .query_row(
            "SELECT count(*) FROM conversation_messages WHERE class IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(classified > 0, "no reply was classified");
    let unstopped: u32 = c
        .query_row(
            "SELECT count(*) FROM conversation_messages m JOIN leads l ON l.id = m.lead_id
             WHERE m.class = 'asks-to-stop' AND l.contact_stopped IS NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(unstopped, 0, "a person who asked to stop is not stopped");
    // Nothing was begun toward a stopped person after the stop, by any campaign.
    let after_stop: u32 = c
        .query_row(
            "SELECT count(*) FROM action_journal j JOIN leads l ON l.id = j.lead_id
             WHERE l.contact_stopped IS NOT NULL AND j.started_ms > l.contact_stopped_ms",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        after_stop, 0,
        "an action was begun toward a person who asked to stop"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_three_step_sequence_stops_on_every_reply_and_sends_each_step_once_on_time() {
    let mut p = Pipeline::start(DemoOptions::default()).await.unwrap();
    set_three_steps(&p);
    p.start_daemon().unwrap();
    let summary = p
        .wait_for(
            "replies and finished sequences",
            Duration::from_secs(1200),
            |s| s.at(Stage::Completed) >= 3 && s.at(Stage::Replied) >= 3,
        )
        .await
        .unwrap();
    p.stop_daemon().unwrap();
    let sim = p.world.sim.snapshot();
    check_guarantees(&p, &sim, 3);
    assert!(summary.replied >= 3, "{summary:?}");
    check_steps(&p, &THREE_STEP_DELAYS);
    check_replies(&p, &sim);
}

/// Adds the webhook example (`examples/webhook`) to the manifest, posting to `base`/hook.
fn add_webhook_lane(p: &Pipeline, base: &str) {
    let mut manifest = std::fs::read_to_string(&p.manifest).unwrap();
    manifest.push_str(&format!(
        "\n[[lane]]\nname = \"webhook\"\ncomponent = \"{}\"\nkind = \"major\"\nevery = \"60s\"\n\
         grants = [\"crm\", \"http\"]\n[lane.http]\norigins = [\"{base}\"]\n\
         [lane.config]\nurl = \"{base}/hook\"\n",
        outlane_tests::guests().path("webhook").display()
    ));
    p.write_manifest(&manifest).unwrap();
}

/// Puts every fifth person of the simulator (none the campaign already has: the seed) on the
/// do-not-contact list with `outlane dnc import`; their handles.
fn list_a_fifth_of_the_people(p: &Pipeline) -> Vec<String> {
    let known = records(p).stage_of;
    let listed: Vec<String> = p
        .world
        .sim
        .scenario()
        .people
        .iter()
        .skip(4)
        .step_by(5)
        .map(|x| x.handle.to_lowercase())
        .filter(|h| !known.contains_key(h))
        .collect();
    let file = p.dir.path().join("dnc.txt");
    let lines: Vec<String> = listed
        .iter()
        .map(|h| format!("https://www.linkedin.com/in/{h}/"))
        .collect();
    std::fs::write(&file, lines.join("\n")).unwrap();
    let out = p
        .cli(&[
            "dnc",
            "import",
            file.to_str().unwrap(),
            "--reason",
            "asked before the campaign",
        ])
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    listed
}

/// Puts up to `n` people the campaign has invited (pending or connected) on the list with
/// `outlane dnc add`; their handles, each with what the simulator had received for them.
fn list_people_reached(p: &Pipeline, n: usize) -> Vec<(String, usize)> {
    let r = records(p);
    let reached: Vec<String> = r
        .stage_of
        .iter()
        .filter(|(_, s)| *s == "pending" || *s == "connected")
        .map(|(h, _)| h.clone())
        .take(n)
        .collect();
    if reached.is_empty() {
        return Vec::new();
    }
    let mut args = vec!["dnc".to_string(), "add".into()];
    args.extend(
        reached
            .iter()
            .map(|h| format!("https://www.linkedin.com/in/{h}/")),
    );
    args.extend(["--reason".into(), "asked to stop by phone".into()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = p.cli(&args).unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sim = p.world.sim.snapshot();
    reached
        .into_iter()
        .map(|h| {
            let sent = sim.invitations.iter().filter(|i| i.handle == h).count()
                + sim.messages.iter().filter(|m| m.to_handle == h).count();
            (h, sent)
        })
        .collect()
}

/// The ids the webhook's events must carry: one per change into connected or replied.
fn expected_events(p: &Pipeline) -> BTreeSet<String> {
    let c = rusqlite::Connection::open_with_flags(p.database(), OpenFlags::SQLITE_OPEN_READ_ONLY)
        .unwrap();
    let mut s = c
        .prepare(
            "SELECT d.campaign_id, s.id FROM stage_changes s JOIN deals d ON d.id = s.deal_id
             WHERE s.to_stage IN ('connected', 'replied')",
        )
        .unwrap();
    s.query_map([], |r| {
        Ok(format!(
            "outlane:{}:{}",
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?
        ))
    })
    .unwrap()
    .map(|r| r.unwrap())
    .collect()
}

/// Changes into connected or replied the receiver has not had an event for yet.
fn missing_events(p: &Pipeline, receiver: &outlane_tests::receiver::Receiver) -> Vec<String> {
    let got: BTreeSet<String> = receiver.events().into_iter().map(|(k, _)| k).collect();
    expected_events(p)
        .into_iter()
        .filter(|id| !got.contains(id))
        .collect()
}

/// Every change into connected or replied reached the receiver; nothing else did; an event
/// came twice only where a kill fell between the receiver's answer and the cursor's write.
fn check_webhook_events(p: &Pipeline, receiver: &outlane_tests::receiver::Receiver, kills: u32) {
    let expected = expected_events(p);
    let events = receiver.events();
    assert!(
        expected.len() >= 5,
        "too few changes to test the webhook: {}",
        expected.len()
    );
    let mut seen = BTreeMap::<String, u32>::new();
    for (key, body) in &events {
        assert_eq!(body["event_id"].as_str(), Some(key.as_str()));
        assert!(
            expected.contains(key),
            "an event for no such change: {body}"
        );
        *seen.entry(key.clone()).or_default() += 1;
    }
    assert_eq!(
        seen.len(),
        expected.len(),
        "{:?}",
        missing_events(p, receiver)
    );
    let repeats: u32 = seen.values().map(|n| n - 1).sum();
    assert!(
        repeats <= kills,
        "{repeats} repeated events for {kills} kills"
    );
    // In order: a repeat comes right where it was cut off, never after a later change.
    let ids: Vec<u64> = events
        .iter()
        .filter_map(|(k, _)| k.rsplit(':').next()?.parse().ok())
        .collect();
    assert!(
        ids.windows(2).all(|w| w[0] <= w[1]),
        "events out of order: {ids:?}"
    );
}

/// Nobody on the do-not-contact list got anything after they were listed.
fn check_do_not_contact(
    p: &Pipeline,
    sim: &Snapshot,
    listed_first: &[String],
    listed_later: &[(String, usize)],
) {
    assert!(listed_first.len() >= 50, "{} listed", listed_first.len());
    for h in listed_first {
        assert!(
            !sim.invitations.iter().any(|i| &i.handle == h)
                && !sim.messages.iter().any(|m| &m.to_handle == h),
            "{h} is on the do-not-contact list and was contacted"
        );
    }
    let r = records(p);
    for (h, before) in listed_later {
        let sent = sim.invitations.iter().filter(|i| &i.handle == h).count()
            + sim.messages.iter().filter(|m| &m.to_handle == h).count();
        assert_eq!(sent, *before, "{h} got something after being listed");
        let stage = r.stage_of.get(h).map(String::as_str);
        assert!(
            matches!(stage, Some("ignored" | "replied")),
            "{h} is {stage:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_nine_at_random_moments_loses_nothing_and_repeats_nothing() {
    use rand::RngExt;
    let mut p = Pipeline::start(DemoOptions {
        seed: 11,
        ..DemoOptions::default()
    })
    .await
    .unwrap();
    // The same run exercises a three-step sequence with seeded replies, so that a kill can land
    // between a reply and the next step, or between a step's check and its send.
    set_three_steps(&p);
    // And the data rights and integrations: the webhook example posts every change into
    // connected or replied to a local receiver, and a do-not-contact list is honoured.
    let (receiver, server) = outlane_tests::receiver::Receiver::start().await.unwrap();
    add_webhook_lane(&p, &format!("http://{}", server.addr()));
    let listed_first = list_a_fifth_of_the_people(&p);
    let mut rng = rand::rng();
    let kills = 22;
    for n in 0..kills {
        let started_before = p.log().matches("daemon started").count();
        p.start_daemon().unwrap();
        // Every fourth kill lands in start-up (lanes loading, Chromium launching); the others
        // anywhere in the lanes' calls, timed from when the daemon started them, so that how
        // long loading takes on a busy machine does not decide how far the daemons get.
        if n % 4 == 3 {
            tokio::time::sleep(Duration::from_millis(rng.random_range(200..3_000))).await;
        } else {
            p.wait_until(
                "the daemon to start its lanes",
                Duration::from_secs(120),
                |p| p.log().matches("daemon started").count() > started_before,
            )
            .await
            .unwrap();
            tokio::time::sleep(Duration::from_millis(rng.random_range(500..8_000))).await;
        }
        p.kill9().unwrap();
    }
    let during_kills = p.summary().unwrap();
    assert!(
        during_kills.invitations > 0,
        "the killed daemons never got as far as an invitation: {:?}\n{}",
        during_kills.stages,
        outlane_tests::pipeline::tail(&p.log(), 60)
    );
    // After the kills, with the daemon down: people already invited go on the list too.
    let listed_later = list_people_reached(&p, 4);
    assert!(!listed_later.is_empty(), "nobody was reached to list");
    p.start_daemon().unwrap();
    p.wait_for(
        "finished sequences and replies after the kills",
        Duration::from_secs(1200),
        |s| s.at(Stage::Completed) >= 5 && s.at(Stage::Replied) >= 3,
    )
    .await
    .unwrap();
    p.wait_until(
        "the webhook to post every change",
        Duration::from_secs(300),
        |p| missing_events(p, &receiver).is_empty(),
    )
    .await
    .unwrap();
    p.stop_daemon().unwrap();
    assert_eq!(p.starts(), kills + 1);
    let sim = p.world.sim.snapshot();
    check_guarantees(&p, &sim, 5);
    check_steps(&p, &THREE_STEP_DELAYS);
    check_replies(&p, &sim);
    check_webhook_events(&p, &receiver, kills);
    server.stop().await;
    check_do_not_contact(&p, &sim, &listed_first, &listed_later);
    eprintln!(
        "kill -9: {} webhook events for {} changes; {} people listed before, {} after the kills",
        receiver.events().len(),
        expected_events(&p).len(),
        listed_first.len(),
        listed_later.len()
    );
    // The schedules were saved, so each restart kept the pace.
    let c = rusqlite::Connection::open_with_flags(p.database(), OpenFlags::SQLITE_OPEN_READ_ONLY)
        .unwrap();
    let saved: u32 = c
        .query_row("SELECT count(*) FROM lane_schedules", [], |r| r.get(0))
        .unwrap();
    assert!(saved >= 6, "only {saved} saved schedules");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swapping_the_connect_lane_mid_run_adds_the_note_to_later_invitations() {
    let mut p = Pipeline::start(DemoOptions {
        seed: 13,
        ..DemoOptions::default()
    })
    .await
    .unwrap();
    p.start_daemon().unwrap();
    p.wait_for("3 invitations", Duration::from_secs(600), |s| {
        s.invitations >= 3
    })
    .await
    .unwrap();
    let noted = outlane_tests::guests().path("fixture-connect-note");
    let manifest = std::fs::read_to_string(&p.manifest).unwrap();
    let old = outlane_tests::guests().path("lane-connect");
    assert!(manifest.contains(&*old.to_string_lossy()));
    let swapped = manifest.replace(&*old.to_string_lossy(), &noted.to_string_lossy());
    let before = p.world.sim.snapshot().invitations.len();
    p.write_manifest(&swapped).unwrap();
    p.wait_until("3 invitations with a note", Duration::from_secs(600), |p| {
        let sim = p.world.sim.snapshot();
        sim.invitations.iter().filter(|i| i.note.is_some()).count() >= 3
    })
    .await
    .unwrap();
    p.stop_daemon().unwrap();
    let sim = p.world.sim.snapshot();
    let people = p.world.sim.scenario().people;
    // Before the swap no note; once the new version sent one, every later invitation has it.
    let first_noted = sim
        .invitations
        .iter()
        .position(|i| i.note.is_some())
        .unwrap();
    assert!(first_noted >= before, "a note before the swap");
    for inv in &sim.invitations[..first_noted] {
        assert_eq!(inv.note, None);
    }
    for inv in &sim.invitations[first_noted..] {
        let person = people.iter().find(|x| x.handle == inv.handle).unwrap();
        assert_eq!(
            inv.note.as_deref(),
            Some(format!("Hi {}, I'd like to connect.", person.first).as_str()),
            "invitation to {} after the swap",
            inv.handle
        );
    }
    let log = p.log();
    assert!(
        log.contains("fixture-connect-note"),
        "the reload of the connect lane is not in the log"
    );
    assert!(!log.contains("trap"), "a call trapped around the reload");
    // No call lost: nothing was left half-done, and the guarantees hold.
    check_guarantees(&p, &sim, 0);
}

fn journal_rows(p: &Pipeline) -> u32 {
    let c = rusqlite::Connection::open_with_flags(p.database(), OpenFlags::SQLITE_OPEN_READ_ONLY)
        .unwrap();
    c.query_row("SELECT count(*) FROM action_journal", [], |r| r.get(0))
        .unwrap()
}

fn paused_reason(p: &Pipeline) -> Option<String> {
    let c = rusqlite::Connection::open_with_flags(p.database(), OpenFlags::SQLITE_OPEN_READ_ONLY)
        .unwrap();
    c.query_row("SELECT paused_reason FROM accounts", [], |r| r.get(0))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_are_outlasted_and_a_checkpoint_pauses_for_a_human() {
    use outlane_llm_stub::{Fault as LlmFault, FaultKind as LlmFaultKind};
    use outlane_simulator::{Fault, FaultKind};
    let mut p = Pipeline::start(DemoOptions {
        seed: 17,
        ..DemoOptions::default()
    })
    .await
    .unwrap();
    // The LLM fails the way providers do: 500s (more than the client's retries) and replies
    // that are not the JSON asked for.
    let llm = &p.world.llm;
    llm.add_fault(LlmFault::times(
        LlmFaultKind::Status {
            code: 500,
            retry_after: None,
        },
        8,
    ));
    llm.add_fault(LlmFault::times(LlmFaultKind::MalformedJson, 3));
    llm.add_fault(LlmFault::times(LlmFaultKind::SchemaViolation, 3));
    // LinkedIn: a 429 storm on pages, Voyager 429s and slow pages.
    let sim = &p.world.sim;
    sim.add_fault(Fault::times(FaultKind::RateLimitPage, 8));
    sim.add_fault(Fault::times(FaultKind::VoyagerStatus { status: 429 }, 6));
    sim.add_fault(Fault::times(FaultKind::SlowPage { ms: 2_000 }, 5));
    p.start_daemon().unwrap();
    p.wait_for(
        "5 invitations through the faults",
        Duration::from_secs(600),
        |s| s.invitations >= 5,
    )
    .await
    .unwrap();
    // The session expires: one fresh login, and the work goes on.
    p.world.sim.expire_sessions();
    let reached = p
        .wait_for(
            "3 completed after the session expired",
            Duration::from_secs(600),
            |s| s.at(Stage::Completed) >= 3,
        )
        .await
        .unwrap();
    assert!(
        p.world.llm.faults().is_empty(),
        "the LLM faults never all fired: {:?}",
        p.world.llm.faults()
    );
    assert!(reached.llm_decisions > 0);
    let unfired = p.world.sim.snapshot().faults;
    assert!(
        unfired.is_empty(),
        "simulator faults never fired: {unfired:?}"
    );
    // A security checkpoint at the next login: the account pauses for a human, and nothing is
    // sent while it waits.
    p.world
        .sim
        .add_fault(Fault::always(FaultKind::CheckpointOnLogin {
            auto_solve_ms: None,
        }));
    p.world.sim.expire_sessions();
    p.wait_until("the account to pause", Duration::from_secs(300), |p| {
        paused_reason(p).is_some()
    })
    .await
    .unwrap();
    // A call that was already past its browser work may still finish; then silence.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let frozen = journal_rows(&p);
    let sent = p.world.sim.snapshot();
    tokio::time::sleep(Duration::from_secs(12)).await;
    assert_eq!(
        journal_rows(&p),
        frozen,
        "actions were journaled while paused"
    );
    let still = p.world.sim.snapshot();
    assert_eq!(still.invitations.len(), sent.invitations.len());
    assert_eq!(still.messages.len(), sent.messages.len());
    assert!(p.daemon_alive(), "the daemon must wait, not exit");
    assert!(
        p.log().contains("waits for a human"),
        "the pause is not in the log"
    );
    // A person solves the checkpoint and resumes the account: the work goes on.
    p.world.sim.clear_faults();
    p.world.sim.solve_checkpoint();
    let out = std::process::Command::new(outlane_tests::pipeline::outlane_bin())
        .arg("--data-dir")
        .arg(p.dir.path())
        .arg("--config")
        .arg(&p.config)
        .args([
            "accounts",
            "resume",
            outlane_simulator::generate::VIEWER_EMAIL,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    p.wait_for(
        "more work after the resume",
        Duration::from_secs(600),
        |s| s.invitations + s.messages > reached.invitations + reached.messages,
    )
    .await
    .unwrap();
    // An action the checkpoint interrupted mid-flow stays open until its lane has checked
    // LinkedIn; that lane's turn may come a little after the first work of the resume.
    p.wait_until(
        "the actions the checkpoint interrupted to be reconciled",
        Duration::from_secs(600),
        |p| records(p).open_intents == 0,
    )
    .await
    .unwrap();
    p.stop_daemon().unwrap();
    let sim = p.world.sim.snapshot();
    check_guarantees(&p, &sim, 3);
}

/// Invitations the journal shows as done, per campaign id.
fn invites_per_campaign(p: &Pipeline) -> BTreeMap<u64, u32> {
    let c = rusqlite::Connection::open_with_flags(p.database(), OpenFlags::SQLITE_OPEN_READ_ONLY)
        .expect("open the database");
    let mut s = c
        .prepare(
            "SELECT campaign_id, count(*) FROM action_journal
             WHERE action = 'invite' AND result = 'done' GROUP BY campaign_id",
        )
        .unwrap();
    s.query_map([], |r| {
        Ok((r.get::<_, i64>(0)? as u64, r.get::<_, u32>(1)?))
    })
    .unwrap()
    .map(|r| r.unwrap())
    .collect()
}

/// Two campaigns on one LinkedIn account share it: both make progress, the account's daily
/// invitation limit holds across them, and a person both campaigns want is invited once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_campaigns_share_one_account_its_limits_and_its_people() {
    use outlane::crm::{Action, accounts, campaigns, pipeline};
    const DAILY: u32 = 4;
    let mut p = Pipeline::start(DemoOptions {
        seed: 23,
        ..DemoOptions::default()
    })
    .await
    .unwrap();
    let first = p.campaign;
    // Campaign B starts from A's seed person and one more.
    let starters: Vec<String> = p
        .world
        .sim
        .scenario()
        .people
        .iter()
        .filter(|x| x.exists && x.relationship == outlane_simulator::InitialRelationship::None)
        .take(2)
        .map(|x| format!("https://www.linkedin.com/in/{}/", x.handle))
        .collect();
    assert_eq!(starters.len(), 2);
    let now = p.world.sim.now_ms();
    let db = outlane::crm::Db::open(&p.database()).unwrap();
    let second = db
        .write_blocking(move |tx| {
            let account = campaigns::get(tx, first)?.account_id;
            accounts::set_limit(tx, account, Action::Invite, Some(DAILY), None)?;
            let second = campaigns::create(
                tx,
                &campaigns::NewCampaign {
                    account_id: account,
                    name: "Second campaign".into(),
                    product_docs: "A CRM add-on for revenue teams.".into(),
                    objective: "Reach heads of sales and founders.".into(),
                    follow_up_template: String::new(),
                    booking_link: None,
                },
                now,
            )?;
            pipeline::discover(tx, second, &starters, &[], "test seed", now)?;
            Ok(second)
        })
        .unwrap();
    drop(db);

    p.start_daemon().unwrap();
    p.wait_until(
        "3 invitations in each campaign and more than two days' worth",
        Duration::from_secs(600),
        |p| {
            let per = invites_per_campaign(p);
            let total: u32 = per.values().sum();
            per.get(&first).copied().unwrap_or(0) >= 3
                && per.get(&second).copied().unwrap_or(0) >= 3
                && total > 2 * DAILY
        },
    )
    .await
    .unwrap();
    p.stop_daemon().unwrap();

    let sim = p.world.sim.snapshot();
    let r = records(&p);
    // The daily limit is the account's: it held across both campaigns on every day.
    assert!(r.invites_per_day.len() >= 3, "{:?}", r.invites_per_day);
    for (day, n) in &r.invites_per_day {
        assert!(*n <= DAILY, "{n} invitations on {day} (limit {DAILY})");
    }
    // One invitation per person, whichever campaign wanted them.
    let mut invitations: BTreeMap<String, u32> = BTreeMap::new();
    for inv in &sim.invitations {
        *invitations.entry(inv.handle.to_lowercase()).or_default() += 1;
    }
    for (handle, n) in &invitations {
        assert_eq!(*n, 1, "{handle} got {n} invitations");
    }
    let journaled: u32 = invites_per_campaign(&p).values().sum();
    assert_eq!(journaled as usize, sim.invitations.len());
    // The person both campaigns started from has a deal in each, and was invited at most once.
    let c = rusqlite::Connection::open_with_flags(p.database(), OpenFlags::SQLITE_OPEN_READ_ONLY)
        .unwrap();
    let shared: u32 = c
        .query_row(
            "SELECT count(*) FROM (SELECT lead_id FROM deals GROUP BY lead_id
             HAVING count(DISTINCT campaign_id) = 2)",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert!(shared >= 1, "no person is in both campaigns");
    assert_eq!(
        r.open_intents,
        0,
        "an intent was left open; the daemon's log ends:\n{}",
        outlane_tests::pipeline::tail(&p.log(), 60)
    );
}

/// A child process killed when the test ends, also when it fails.
struct Reaped(std::process::Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_installed_outlane_runs_from_any_directory() {
    use outlane_tests::pipeline::outlane_bin;
    use outlane_tests::{guests, workspace_root};
    use std::process::{Command, Stdio};
    let world = outlane::demo::DemoWorld::start(DemoOptions {
        people: 100,
        ..DemoOptions::default()
    })
    .await
    .unwrap();
    let root = tempfile::tempdir().unwrap();
    let (prefix, elsewhere, home) = (
        root.path().join("prefix"),
        root.path().join("elsewhere"),
        root.path().join("home"),
    );
    std::fs::create_dir_all(&elsewhere).unwrap();
    // `make install` is this script after a release build; the test installs its own build.
    let lanes_dir = guests().path("x").parent().unwrap().to_path_buf();
    let install = Command::new("sh")
        .arg(workspace_root().join("host/install.sh"))
        .arg(&prefix)
        .arg(outlane_bin())
        .arg(&lanes_dir)
        .output()
        .unwrap();
    assert!(
        install.status.success(),
        "{}",
        String::from_utf8_lossy(&install.stderr)
    );
    let share = prefix.join("share/outlane");
    let manifest = std::fs::read_to_string(share.join("lanes/lanes.toml")).unwrap();
    assert_eq!(
        manifest.matches("component = \"lane_").count(),
        7,
        "{manifest}"
    );
    // From a directory with nothing of Outlane in it, a user's own config and data
    // directories, and none of the variables that point at the checkout's files.
    let bin = prefix.join("bin/outlane");
    let viewer = world.sim.scenario().viewer;
    let command = |args: &[&str]| {
        let mut c = Command::new(&bin);
        c.args(args)
            .current_dir(&elsewhere)
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_DATA_HOME", home.join(".local/share"))
            .env_remove(outlane::resources::SHARE_DIR_ENV)
            .env_remove("OUTLANE_MODELS_DIR")
            .env_remove("ORT_DYLIB_PATH")
            .env(
                outlane::crm::secret::PASSPHRASE_ENV,
                "install-test-passphrase",
            )
            .env("OUTLANE_LINKEDIN_PASSWORD", &viewer.password)
            .env("OUTLANE_LLM_API_KEY", "sk-test")
            .env(
                "RUST_LOG",
                "info,wasmtime=warn,cranelift=warn,chromiumoxide=warn",
            )
            .stdin(Stdio::null());
        c
    };
    let sim_url = world.sim.base_url();
    let llm_url = world.llm.base_url();
    let init = command(&[
        "init",
        "--non-interactive",
        "--login",
        &viewer.email,
        "--linkedin-url",
        &sim_url,
        "--llm-url",
        &llm_url,
        "--llm-model",
        outlane::demo::MODEL,
        "--campaign",
        "Installed",
        "--product-docs",
        "Outreach automation",
        "--objective",
        "Sales leaders of B2B companies",
    ])
    .output()
    .unwrap();
    assert!(
        init.status.success(),
        "{}{}",
        String::from_utf8_lossy(&init.stdout),
        String::from_utf8_lossy(&init.stderr)
    );
    let config = std::fs::read_to_string(home.join(".config/outlane/outlane.toml")).unwrap();
    assert!(
        config.contains(&format!(
            "{} (from the install prefix)",
            share.join("lanes/lanes.toml").display()
        )),
        "init tells where it found the lanes: {config}"
    );
    let log_path = root.path().join("run.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut daemon = Reaped(
        command(&["run", "--for", "30s"])
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap(),
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(150);
    let status = loop {
        if let Some(status) = daemon.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "`outlane run --for 30s` still runs after 150 s:\n{}",
            std::fs::read_to_string(&log_path).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(status.success(), "outlane run failed: {status}\n{log}");
    // Every default lane loaded, each from the installed manifest and prompts, model and
    // ONNX Runtime from the install prefix.
    for lane in [
        "enrich",
        "qualify",
        "search",
        "connect",
        "check-pending",
        "follow-up",
        "inbox",
    ] {
        assert!(
            log.contains(&format!("lane=\"{lane}\""))
                && log.contains(&format!("loaded lane-{lane} ")),
            "lane {lane} did not load:\n{log}"
        );
    }
    for file in [
        share.join("lanes/lanes.toml"),
        share.join("prompts"),
        share.join("models/minilm"),
        share.join(outlane::resources::ORT_LIBRARY),
    ] {
        assert!(
            log.contains(&file.display().to_string()),
            "{} is not what the daemon used:\n{log}",
            file.display()
        );
    }
    assert!(log.contains("run time is up"), "{log}");
    world.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_solves_a_checkpoint_in_the_console_and_the_account_resumes_without_a_restart() {
    use chromiumoxide::page::ScreenshotParams;
    use outlane_simulator::{Fault, FaultKind};
    let mut p = Pipeline::start(DemoOptions {
        seed: 23,
        people: 120,
        ..DemoOptions::default()
    })
    .await
    .unwrap();
    // LinkedIn asks for a code at every login: the daemon's first pauses the account.
    p.world
        .sim
        .add_fault(Fault::always(FaultKind::CheckpointOnLogin {
            auto_solve_ms: None,
        }));
    p.start_daemon().unwrap();
    p.wait_until("the account to pause", Duration::from_secs(300), |p| {
        paused_reason(p).is_some()
    })
    .await
    .unwrap();
    let login = p
        .console_login()
        .expect("the console's login link in the log");
    let enriched_before = p.summary().unwrap().at(Stage::Enriched);
    // Where the code field and the button are on the challenge page, in this Chromium's
    // window (the same size as the daemon's): the person aims at them in the picture.
    let profile = tempfile::tempdir().unwrap();
    let viewer = outlane::browser::launch::launch(
        &outlane::config::BrowserConfig::default(),
        profile.path(),
    )
    .await
    .unwrap();
    let page = viewer.page.clone();
    page.set_content(outlane_simulator::pages::checkpoint::render("t", false))
        .await
        .unwrap();
    let spot = |selector: &str| {
        format!(
            "(() => {{ const r = document.querySelector('{selector}').getBoundingClientRect(); \
             return [(r.left + r.width / 2) / innerWidth, (r.top + r.height / 2) / innerHeight]; }})()"
        )
    };
    let eval = |js: String| {
        let page = page.clone();
        async move {
            page.evaluate(js.as_str())
                .await
                .unwrap()
                .into_value::<serde_json::Value>()
                .unwrap()
        }
    };
    let field = eval(spot("#input__email_verification_pin")).await;
    let button = eval(spot("#email-pin-submit-button")).await;
    // The person: the console, the account, Take over.
    page.goto(login.as_str()).await.unwrap();
    page.wait_for_navigation().await.unwrap();
    let base = login.split("/login").next().unwrap().to_string();
    page.goto(format!("{base}/accounts")).await.unwrap();
    page.wait_for_navigation().await.unwrap();
    page.find_element("a.takeover")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    page.wait_for_navigation().await.unwrap();
    // The link's page may still be loading: find the button again until it is there.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let clicked = match page.find_element("#start-takeover").await {
            Ok(button) => button.click().await.is_ok(),
            Err(_) => false,
        };
        if clicked {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "no Take over button");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    page.wait_for_navigation().await.unwrap();
    // The deadlines are as long as the pipeline's other waits (300 s): beside eleven other
    // pipeline tests on two cores, the daemon's tab can take a minute to answer; a deadline
    // only decides how long a real failure takes to show.
    let wait_js = |what: &'static str, js: String| {
        let page = page.clone();
        async move {
            let deadline = std::time::Instant::now() + Duration::from_secs(300);
            loop {
                let holds = match page.evaluate(js.as_str()).await {
                    Ok(r) => r.into_value::<bool>().unwrap_or(false),
                    Err(_) => false,
                };
                if holds {
                    return Ok(());
                }
                if std::time::Instant::now() > deadline {
                    return Err(format!("timed out waiting for {what}"));
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    };
    // The picture of the daemon's tab: LinkedIn's challenge, after the host's own login.
    wait_js(
        "a picture of the tab",
        "(() => { const s = document.getElementById('screen'); return !!s && s.complete && s.naturalWidth > 0; })()".into(),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}; the daemon's log:\n{}", outlane_tests::pipeline::tail(&p.log(), 60)));
    tokio::time::sleep(Duration::from_millis(500)).await;
    let shots = outlane_tests::target_dir().join("console-shots");
    std::fs::create_dir_all(&shots).unwrap();
    let click_at = |at: serde_json::Value| {
        let page = page.clone();
        async move {
            let rect = page
                .evaluate("(() => { const r = document.getElementById('screen').getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; })()")
                .await
                .unwrap()
                .into_value::<Vec<f64>>()
                .unwrap();
            let x = rect[0] + at[0].as_f64().unwrap() * rect[2];
            let y = rect[1] + at[1].as_f64().unwrap() * rect[3];
            page.click(chromiumoxide::layout::Point { x, y })
                .await
                .unwrap();
        }
    };
    assert_eq!(p.world.sim.snapshot().pin_submits, 0);
    click_at(field).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let pin = p.world.sim.scenario().checkpoint_pin;
    page.find_element("#takeover")
        .await
        .unwrap()
        .type_str(&pin)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(800)).await;
    let png = page
        .screenshot(ScreenshotParams::builder().build())
        .await
        .unwrap();
    std::fs::write(shots.join("takeover.png"), png).unwrap();
    click_at(button).await;
    // The code reaches LinkedIn (a failure here is the input's path, not the resume's).
    p.wait_until(
        "the code to reach LinkedIn",
        Duration::from_secs(300),
        |p| p.world.sim.snapshot().pin_submits > 0,
    )
    .await
    .unwrap();
    // The tab reaches the feed: the console says so, the account resumes, nobody restarted.
    wait_js(
        "the take-over to end at the feed",
        "!document.getElementById('takeover-done').hidden".into(),
    )
    .await
    .unwrap_or_else(|e| {
        panic!(
            "{e}; the daemon's log:\n{}",
            outlane_tests::pipeline::tail(&p.log(), 60)
        )
    });
    assert!(paused_reason(&p).is_none(), "the account still waits");
    assert_eq!(
        p.world.sim.snapshot().pin_submits,
        1,
        "exactly one code was submitted"
    );
    assert_eq!(p.starts(), 1);
    // The next lane calls work with the session the person opened.
    p.wait_for(
        "a profile enriched after the take-over",
        Duration::from_secs(300),
        |s| {
            s.at(Stage::Enriched) + s.at(Stage::Qualified) + s.at(Stage::Disqualified)
                > enriched_before
        },
    )
    .await
    .unwrap();
    assert!(
        p.log()
            .contains("a person solved LinkedIn's question in the console")
    );
    // The account works again: its tab is the lanes', not a person's.
    let again: u16 = page
        .evaluate(
            "fetch('/accounts/1/takeover', { method: 'POST', headers: { 'x-csrf-token': document.querySelector('meta[name=csrf]').content } }).then(r => r.status)",
        )
        .await
        .unwrap()
        .into_value()
        .unwrap();
    assert_eq!(again, 400);
    viewer.close().await;
    p.stop_daemon().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_login_opens_the_profile_for_a_person_and_resumes_at_the_feed() {
    use outlane_simulator::{Fault, FaultKind};
    let p = Pipeline::start(DemoOptions {
        seed: 29,
        people: 60,
        ..DemoOptions::default()
    })
    .await
    .unwrap();
    let db = outlane::crm::Db::open(&p.database()).unwrap();
    db.write_blocking(|tx| {
        outlane::crm::accounts::pause(tx, 1, "LinkedIn asks for a security check", 0)
    })
    .unwrap();
    p.world
        .sim
        .add_fault(Fault::always(FaultKind::CheckpointOnLogin {
            auto_solve_ms: None,
        }));
    let child = std::process::Command::new(outlane_tests::pipeline::outlane_bin())
        .arg("--data-dir")
        .arg(p.dir.path())
        .arg("--config")
        .arg(&p.config)
        .args([
            "accounts",
            "login",
            outlane_simulator::generate::VIEWER_EMAIL,
            "--timeout",
            "90s",
        ])
        .env(
            outlane::crm::secret::PASSPHRASE_ENV,
            outlane_tests::pipeline::PASSPHRASE,
        )
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let child = Reaped(child);
    // The host typed the stored password; LinkedIn asks its question; the person answers it.
    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    while !p.world.sim.snapshot().checkpoint_pending {
        assert!(
            std::time::Instant::now() < deadline,
            "the login never reached the checkpoint"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        paused_reason(&p).is_some(),
        "still paused while the person answers"
    );
    p.world.sim.solve_checkpoint();
    let mut child = child;
    let status = loop {
        if let Some(status) = child.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "accounts login never ended"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let mut out = String::new();
    if let Some(mut stdout) = child.0.stdout.take() {
        use std::io::Read;
        stdout.read_to_string(&mut out).unwrap();
    }
    assert!(status.success(), "{status}: {out}");
    assert!(out.contains("is logged in"), "{out}");
    assert!(paused_reason(&p).is_none(), "the account resumed");
    assert!(
        p.dir
            .path()
            .join("browser/account-1/cookies.json")
            .is_file()
    );
    let snap = p.world.sim.snapshot();
    assert_eq!(snap.login_submits, 1, "one login, typed by the host");
    assert!(snap.sessions >= 1);
}

/// One account's guarantees: each invitation the simulator saw for it once and journaled as
/// done, at most 20 a day, every action in its own working hours, never more messages to a
/// person than the sequence has steps.
fn check_account(p: &Pipeline, account: &outlane::demo::DemoAccount, sim: &Snapshot) {
    let c = rusqlite::Connection::open_with_flags(p.database(), OpenFlags::SQLITE_OPEN_READ_ONLY)
        .unwrap();
    let login = &account.login;
    let mut invited: BTreeMap<String, u32> = BTreeMap::new();
    for inv in &sim.invitations {
        *invited.entry(inv.handle.to_lowercase()).or_default() += 1;
    }
    for (handle, n) in &invited {
        assert_eq!(*n, 1, "{login}: {handle} got {n} invitations");
        let done: u32 = c
            .query_row(
                "SELECT count(*) FROM action_journal j JOIN leads l ON l.id = j.lead_id
                 WHERE j.account_id = ?1 AND j.action = 'invite' AND j.result = 'done'
                   AND lower(l.public_id) = ?2",
                rusqlite::params![account.account_id, handle],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(
            done, 1,
            "{login}: the simulator got an invitation to {handle} the journal does not show as done"
        );
    }
    let mut per_day = c
        .prepare(
            "SELECT day_key, count(*) FROM action_journal
             WHERE account_id = ?1 AND action = 'invite' AND result = 'done' GROUP BY day_key",
        )
        .unwrap();
    for row in per_day
        .query_map([account.account_id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, u32>(1)?))
        })
        .unwrap()
    {
        let (day, n) = row.unwrap();
        assert!(n <= 20, "{login}: {n} invitations on {day}");
    }
    let tz = jiff::tz::TimeZone::get(&account.timezone).unwrap();
    let mut times = c
        .prepare("SELECT started_ms FROM action_journal WHERE account_id = ?1")
        .unwrap();
    for at in times
        .query_map([account.account_id], |r| r.get::<_, i64>(0))
        .unwrap()
    {
        let t = jiff::Timestamp::from_millisecond(at.unwrap())
            .unwrap()
            .to_zoned(tz.clone());
        let minute = t.hour() as i32 * 60 + t.minute() as i32;
        let weekday = t.weekday().to_monday_one_offset();
        assert!(
            (1..=5).contains(&weekday) && (540..1080 + 15).contains(&minute),
            "{login}: an action at {t} is outside its working hours"
        );
    }
    let mut messages: BTreeMap<&str, u32> = BTreeMap::new();
    for m in &sim.messages {
        *messages.entry(m.to_handle.as_str()).or_default() += 1;
    }
    assert!(
        messages.values().all(|n| *n <= p.steps()),
        "{login}: a person got more messages than the sequence has steps: {messages:?}"
    );
}

/// What the simulator recorded for one account.
fn sim_of(p: &Pipeline, account: &outlane::demo::DemoAccount) -> Snapshot {
    p.world
        .sim
        .account(account.sim_index)
        .expect("the account's simulated member")
        .with(|w| w.snapshot())
}

/// [`check_account`] for every account against its own simulated member.
fn check_every_account(p: &Pipeline) {
    for a in &p.accounts {
        check_account(p, a, &sim_of(p, a));
    }
}

/// No journal intent is left without a result.
fn assert_no_open_intent(p: &Pipeline) {
    let open: u32 =
        rusqlite::Connection::open_with_flags(p.database(), OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap()
            .query_row(
                "SELECT count(*) FROM action_journal WHERE result IS NULL",
                [],
                |r| r.get(0),
            )
            .unwrap();
    assert_eq!(open, 0, "an intent was left open");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_accounts_work_side_by_side_in_their_own_hours_and_a_slow_one_delays_no_other() {
    use outlane_simulator::{Fault, FaultKind};
    const SLOW_PAGE_MS: u64 = 10_000;
    let mut p = Pipeline::start(DemoOptions {
        seed: 5,
        people: 200,
        accounts: 3,
        ..DemoOptions::default()
    })
    .await
    .unwrap();
    assert_eq!(p.accounts.len(), 3);
    let zones: BTreeSet<&str> = p.accounts.iter().map(|a| a.timezone.as_str()).collect();
    assert_eq!(zones.len(), 3, "mixed time zones: {zones:?}");
    // Every page of the third account takes 10 s (real time) to load.
    let slow = p.accounts[2].clone();
    p.world.sim.account(slow.sim_index).unwrap().with(|w| {
        w.add_fault(Fault {
            kind: FaultKind::SlowPage { ms: SLOW_PAGE_MS },
            times: None,
            handles: None,
        })
    });
    p.start_daemon_with(
        &outlane_tests::pipeline::outlane_bin(),
        ",outlane::daemon=debug",
    )
    .unwrap();
    let fast: Vec<_> = p.accounts[..2].to_vec();
    p.wait_until(
        "both fast accounts to invite 3 people and the slow one to enrich one",
        Duration::from_secs(900),
        |p| {
            fast.iter().all(|a| {
                p.summary_of(a.campaign_id)
                    .is_ok_and(|s| s.invitations >= 3)
            }) && p
                .summary_of(slow.campaign_id)
                .is_ok_and(|s| s.stages.iter().map(|(_, n)| n).sum::<u64>() > 1)
        },
    )
    .await
    .unwrap();
    p.stop_daemon().unwrap();
    // One call at a time per account: each start is followed by its own end before the next.
    let events = outlane_tests::pipeline::call_events(&p.log());
    for a in &p.accounts {
        let slot = format!("account {}", a.account_id);
        let calls = events
            .get(&slot)
            .unwrap_or_else(|| panic!("no call in {slot}"));
        for pair in calls.chunks(2) {
            assert!(
                pair.len() == 2 && pair[0].start && !pair[1].start && pair[0].id == pair[1].id,
                "{slot}: calls overlap or an end is missing: {pair:?}"
            );
        }
    }
    // The slow account was slow, and the others kept their pace meanwhile.
    let factor = DemoOptions::default().clock_factor;
    let slow_slot = format!("account {}", slow.account_id);
    let slowest = events[&slow_slot]
        .iter()
        .filter(|e| !e.start)
        .map(|e| e.ms)
        .max()
        .unwrap_or(0);
    let slow_call = SLOW_PAGE_MS as f64 * factor;
    assert!(
        slowest as f64 >= slow_call * 0.9,
        "the slow account's longest call took only {slowest} ms (daemon clock)"
    );
    for a in &fast {
        let slot = format!("account {}", a.account_id);
        let starts: Vec<_> = events[&slot].iter().filter(|e| e.start).collect();
        let late: Vec<u64> = starts.iter().map(|e| e.ms).collect();
        let waited: Vec<u64> = starts.iter().map(|e| e.waited).collect();
        let q = outlane_tests::pipeline::quantile;
        eprintln!(
            "{slot} ({}): {} calls, lateness p50 {} ms, p95 {} ms; with the slot free p50 {} ms, p95 {} ms, max {} ms (daemon clock, {factor}x real time)",
            a.timezone,
            late.len(),
            q(&late, 0.5),
            q(&late, 0.95),
            q(&waited, 0.5),
            q(&waited, 0.95),
            waited.iter().max().copied().unwrap_or(0)
        );
        // A slow page of the other account lasts 10 s real, 200 s on this clock: a free slot
        // waiting for it even once would wait that long.
        assert!(
            q(&waited, 0.95) < (slow_call * 0.25) as u64,
            "{slot}: with its slot free its calls waited p95 {} ms: for the slow account",
            q(&waited, 0.95)
        );
    }
    check_every_account(&p);
    // The slow account's pages take 10 s, as long as the grace a call in flight gets at
    // shutdown: stopped mid-invitation, its intent rightly stays open for the next start to
    // check. The fast accounts' calls all end within the grace.
    let open = open_intents_by_account(&p);
    assert!(
        open.iter()
            .all(|(account, n)| *account == slow.account_id && *n <= 1),
        "intents left open (account, count): {open:?}; only the slow account may have one"
    );
}

/// (account, intents without a result) for each account that has some.
fn open_intents_by_account(p: &Pipeline) -> Vec<(u64, u32)> {
    let db = rusqlite::Connection::open_with_flags(p.database(), OpenFlags::SQLITE_OPEN_READ_ONLY)
        .unwrap();
    let mut stmt = db
        .prepare(
            "SELECT account_id, count(*) FROM action_journal WHERE result IS NULL
             GROUP BY account_id ORDER BY account_id",
        )
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// `outlane status --json` of the pipeline's data directory.
fn status_json(p: &Pipeline) -> serde_json::Value {
    let out = std::process::Command::new(outlane_tests::pipeline::outlane_bin())
        .arg("--data-dir")
        .arg(p.dir.path())
        .arg("--config")
        .arg(&p.config)
        .args(["status", "--json"])
        .env(
            outlane::crm::secret::PASSPHRASE_ENV,
            outlane_tests::pipeline::PASSPHRASE,
        )
        .output()
        .expect("outlane status");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pending_cap_withdraws_the_oldest_and_low_acceptance_pauses_invitations() {
    use outlane::crm::guards::{self, Guards};
    let mut p = Pipeline::start(DemoOptions {
        seed: 9,
        people: 200,
        accounts: 2,
        ..DemoOptions::default()
    })
    .await
    .unwrap();
    let (capped, ignored) = (p.accounts[0].clone(), p.accounts[1].clone());
    // The first account may have 5 invitations waiting; the second is judged on its last 10
    // answered ones, and its people accept 1 in 20 (the others decline within hours).
    let db = outlane::crm::Db::open(&p.database()).unwrap();
    let (a, b) = (capped.account_id, ignored.account_id);
    db.write_blocking(move |tx| {
        guards::set(
            tx,
            a,
            Guards {
                max_pending: 5,
                ..guards::of(tx, a)?
            },
        )?;
        guards::set(
            tx,
            b,
            Guards {
                acceptance_window: 10,
                ..guards::of(tx, b)?
            },
        )
    })
    .unwrap();
    drop(db);
    p.world.sim.account(ignored.sim_index).unwrap().with(|w| {
        let mut rng = outlane_simulator::generate::SplitMix64::new(99);
        for person in &mut w.scenario_mut().people {
            if rng.chance(5) {
                person.accept_after_ms = Some(rng.range(30 * 60_000, 6 * 3_600_000));
                person.decline_after_ms = None;
            } else {
                person.accept_after_ms = None;
                person.decline_after_ms = Some(rng.range(30 * 60_000, 6 * 3_600_000));
            }
        }
    });
    p.start_daemon().unwrap();
    let paused_ms = |p: &Pipeline| -> Option<u64> {
        let c =
            rusqlite::Connection::open_with_flags(p.database(), OpenFlags::SQLITE_OPEN_READ_ONLY)
                .ok()?;
        c.query_row(
            "SELECT acceptance_paused_ms FROM accounts WHERE id = ?1",
            [b],
            |r| r.get::<_, Option<u64>>(0),
        )
        .ok()
        .flatten()
    };
    let withdrawn = |p: &Pipeline| {
        p.world
            .sim
            .account(capped.sim_index)
            .unwrap()
            .with(|w| w.snapshot())
            .invitations
            .iter()
            .filter(|i| i.state == outlane_simulator::InvitationState::Withdrawn)
            .count()
    };
    p.wait_until(
        "a withdrawal at the pending cap and a pause for low acceptance",
        Duration::from_secs(1200),
        |p| withdrawn(p) > 0 && paused_ms(p).is_some(),
    )
    .await
    .unwrap();
    // Status says why the second account's invitations wait.
    let report = status_json(&p);
    let account = report["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == b)
        .expect("the second account")
        .clone();
    let invite = account["usage"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["action"] == "invite")
        .unwrap()
        .clone();
    let reason = invite["blocked_reason"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        reason.contains("min_acceptance 15 %") && reason.contains("pause for 48 h"),
        "{invite}"
    );
    p.stop_daemon().unwrap();
    // The capped account never had more than 5 invitations waiting at once (the simulator's
    // own record), and its oldest was withdrawn first.
    let sim = p
        .world
        .sim
        .account(capped.sim_index)
        .unwrap()
        .with(|w| w.snapshot());
    for inv in &sim.invitations {
        let waiting = sim
            .invitations
            .iter()
            .filter(|o| o.at_ms < inv.at_ms && o.resolved_ms.is_none_or(|r| r > inv.at_ms))
            .count();
        assert!(
            waiting < 5,
            "{} was invited while {waiting} waited",
            inv.handle
        );
    }
    let c = rusqlite::Connection::open_with_flags(p.database(), OpenFlags::SQLITE_OPEN_READ_ONLY)
        .unwrap();
    let why: String = c
        .query_row(
            "SELECT result_detail FROM action_journal
             WHERE account_id = ?1 AND action = 'withdraw' AND result = 'done' ORDER BY id LIMIT 1",
            [a],
            |r| r.get(0),
        )
        .unwrap();
    assert!(why.contains("max_pending"), "{why}");
    assert!(
        p.log().contains("max_pending is 5"),
        "the refusal is not in the log"
    );
    // No invitation of the second account within the 48 hours after its pause.
    let paused = paused_ms(&p).unwrap();
    let sim = p
        .world
        .sim
        .account(ignored.sim_index)
        .unwrap()
        .with(|w| w.snapshot());
    let during: Vec<_> = sim
        .invitations
        .iter()
        .filter(|i| i.at_ms >= paused && i.at_ms < paused + guards::ACCEPTANCE_PAUSE_MS)
        .collect();
    assert!(during.is_empty(), "invited during the pause: {during:?}");
    check_every_account(&p);
}

/// Processes whose command line names `dir` (the pipeline's Chromiums do, by their profile).
fn processes_under(dir: &std::path::Path) -> Vec<String> {
    let needle = dir.to_string_lossy().to_string();
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| n.parse::<u32>().is_ok())
        })
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .map(|cmd| String::from_utf8_lossy(&cmd).replace('\0', " "))
        .filter(|cmd| cmd.contains(&needle))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_accounts_over_two_days_survive_kill_nine_each_at_its_own_pace() {
    use rand::RngExt;
    // Eight accounts keep some call in progress nearly all the time, so the clock seldom skips
    // ahead: at the demo's 20x two working days would take over an hour. At 60x a day's
    // working hours in these time zones (04:00 to 18:00 UTC) take about 15 minutes; the
    // accounts' calls (a few real seconds) stay within the 15 simulated minutes of grace the
    // working-hours check allows a call that started before closing.
    const FACTOR: f64 = 60.0;
    let mut p = Pipeline::start(DemoOptions {
        seed: 13,
        people: 80,
        accounts: 8,
        clock_factor: FACTOR,
    })
    .await
    .unwrap();
    assert_eq!(p.accounts.len(), 8);
    let zones: BTreeSet<&str> = p.accounts.iter().map(|a| a.timezone.as_str()).collect();
    assert!(zones.len() >= 6, "mixed time zones: {zones:?}");
    let bin = outlane_tests::pipeline::outlane_bin();
    let mut rng = rand::rng();
    let kills = 10;
    // The first daemon works until some account has invited someone, so that the kills land
    // among outward actions even on a loaded machine (where 10 short lives can all end while
    // the lanes are still enriching), and is then the first one killed.
    let invited = |p: &Pipeline| -> u64 {
        p.accounts
            .iter()
            .map(|a| p.summary_of(a.campaign_id).map_or(0, |s| s.invitations))
            .sum()
    };
    p.start_daemon_with(&bin, ",outlane::daemon=debug").unwrap();
    p.wait_until("a first invitation", Duration::from_secs(900), |p| {
        invited(p) > 0
    })
    .await
    .unwrap();
    p.kill9().unwrap();
    for _ in 1..kills {
        let started_before = p.log().matches("daemon started").count();
        p.start_daemon_with(&bin, ",outlane::daemon=debug").unwrap();
        p.wait_until(
            "the daemon to start its lanes",
            Duration::from_secs(120),
            |p| p.log().matches("daemon started").count() > started_before,
        )
        .await
        .unwrap();
        tokio::time::sleep(Duration::from_millis(rng.random_range(1_500..9_000))).await;
        p.kill9().unwrap();
    }
    let during_kills = invited(&p);
    assert!(
        during_kills > 0,
        "the killed daemons never got as far as an invitation\n{}",
        outlane_tests::pipeline::tail(&p.log(), 60)
    );
    let days_of = |p: &Pipeline, account: u64| -> u32 {
        rusqlite::Connection::open_with_flags(p.database(), OpenFlags::SQLITE_OPEN_READ_ONLY)
            .and_then(|c| {
                c.query_row(
                    "SELECT count(DISTINCT day_key) FROM action_journal
                     WHERE account_id = ?1 AND result = 'done'",
                    [account],
                    |r| r.get(0),
                )
            })
            .unwrap_or(0)
    };
    let started = std::time::Instant::now();
    p.start_daemon_with(&bin, ",outlane::daemon=debug").unwrap();
    p.wait_until(
        "every account to act on two of its working days",
        Duration::from_secs(1800),
        |p| p.accounts.iter().all(|a| days_of(p, a.account_id) >= 2),
    )
    .await
    .unwrap();
    p.stop_daemon().unwrap();
    eprintln!(
        "two working days of eight accounts after {kills} kills: {:.0} s real after the last start",
        started.elapsed().as_secs_f64()
    );
    assert_eq!(p.starts(), kills + 1);
    // No call of an account overlaps another of the same account, in any daemon's life (a
    // killed daemon's last call may have no end).
    let log = p.log();
    for (n, life) in log.split("daemon started").skip(1).enumerate() {
        for (slot, calls) in outlane_tests::pipeline::call_events(life) {
            if !slot.starts_with("account ") {
                continue;
            }
            for (i, pair) in calls.chunks(2).enumerate() {
                let last = i == calls.len().div_ceil(2) - 1;
                let whole =
                    pair.len() == 2 && pair[0].start && !pair[1].start && pair[0].id == pair[1].id;
                let dangling = last && pair.len() == 1 && pair[0].start;
                assert!(
                    whole || dangling,
                    "daemon {n}, {slot}: calls overlap or an end is missing: {pair:?}"
                );
            }
        }
    }
    for a in &p.accounts {
        let s = p.summary_of(a.campaign_id).unwrap();
        eprintln!(
            "{} ({}): {} invitations, {} messages, {} working days; {:?}",
            a.login,
            a.timezone,
            s.invitations,
            s.messages,
            days_of(&p, a.account_id),
            s.stages
        );
        assert!(s.invitations > 0, "{} never invited anyone", a.login);
        check_account(&p, a, &sim_of(&p, a));
    }
    assert_no_open_intent(&p);
    let left = processes_under(p.dir.path());
    assert!(left.is_empty(), "processes left behind: {left:#?}");
}
