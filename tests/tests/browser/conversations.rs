//! Conversations through real lanes, real Chromium and the simulator's messaging API: a reply
//! that arrives while a step is being written stops it at the last check before Send, and the
//! inbox lane stores each message once however often it syncs, and reads the earlier thread of
//! a person the campaign finds after that thread went quiet.

use outlane::crm::Stage;
use outlane::crm::sequence::NewStep;
use outlane::crm::{Db, pipeline};
use outlane_simulator::{
    Fault, FaultKind, InitialRelationship, MessageVariant, Scenario, Simulator, UiVariant,
};
use outlane_tests::host::{
    TestHost, TestPerson, account_with_campaign, lane_entry, lead_with_profile,
};

/// `n` plain people of seed `seed`: direct Connect and Message buttons, nobody connected,
/// restricted or renamed, nobody accepting, declining or writing on their own.
pub fn quiet_world(seed: u64, n: usize) -> Scenario {
    let mut s = Scenario::generate(seed, n);
    for p in &mut s.people {
        p.ui_variant = UiVariant::DirectConnect;
        p.message_variant = MessageVariant::DirectButton;
        p.relationship = InitialRelationship::None;
        p.accept_after_ms = None;
        p.decline_after_ms = None;
        p.restricted = false;
        p.exists = true;
        p.canonical_handle = None;
        p.incoming.clear();
        p.replies.clear();
    }
    s
}

/// Twelve quiet people, the last four connected already.
fn world() -> Scenario {
    let mut s = quiet_world(47, 12);
    let n = s.people.len();
    for p in &mut s.people[n - 4..] {
        p.relationship = InitialRelationship::Connected;
    }
    s
}

/// Puts `handle` (a person of `sim`) into `campaign` as a connected lead with a profile.
fn connected_lead(db: &Db, campaign: u64, sim: &Simulator, handle: &str) -> u64 {
    lead_with_profile(
        db,
        campaign,
        &test_person(sim, handle),
        1,
        &[Stage::Qualified, Stage::Connected],
        0,
    )
}

/// `handle` of `sim` in plain values.
pub fn test_person(sim: &Simulator, handle: &str) -> TestPerson {
    let p = sim
        .scenario()
        .people
        .into_iter()
        .find(|p| p.handle == handle)
        .unwrap();
    TestPerson {
        handle: p.handle,
        profile_id: p.profile_id,
        first: p.first,
        last: p.last,
        headline: p.headline,
    }
}

fn stage(db: &Db, campaign: u64, lead: u64) -> Stage {
    db.read_outside_tx_blocking(|c| Ok(pipeline::get(c, campaign, lead)?.stage))
        .unwrap()
}

fn stored_messages(db: &Db) -> u64 {
    db.read_outside_tx_blocking(|c| {
        Ok(
            c.query_row("SELECT count(*) FROM conversation_messages", [], |r| {
                r.get(0)
            })?,
        )
    })
    .unwrap()
}

async fn host(sim: &Simulator) -> (TestHost, u64) {
    let origins = "[lane.browser]\norigins = [\"https://www.linkedin.com\"]";
    let manifest = format!(
        "{}{}",
        lane_entry(
            "follow-up",
            "{guest:lane-follow-up}",
            &format!("grants = [\"crm\", \"browser\", \"llm\"]\n{origins}")
        ),
        lane_entry(
            "inbox",
            "{guest:lane-inbox}",
            &format!(
                "grants = [\"crm\", \"browser\", \"llm\"]\n{origins}\n[lane.config]\nclassify = 0"
            )
        ),
    );
    let host = TestHost::with_site(&manifest, &sim.base_url()).await;
    let viewer = sim.scenario().viewer;
    let (_, campaign) = account_with_campaign(&host.db, &viewer.email, &viewer.password);
    let loaded = host.registry.reload().await;
    assert!(!loaded.has_errors(), "{loaded:?}");
    let step = [NewStep {
        delay_ms: 0,
        template: "Hi {first_name}, a quick question about your team.".into(),
    }];
    host.db
        .write_blocking(|tx| outlane::crm::sequence::set_steps(tx, campaign, &step, "test", 0))
        .unwrap();
    (host, campaign)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_while_the_step_is_written_withholds_it_at_the_last_check() {
    let sim = Simulator::start(world()).await.unwrap();
    let (host, campaign) = host(&sim).await;
    let people = sim.scenario().people;
    let racer = people[people.len() - 1].handle.clone();
    let lead = connected_lead(&host.db, campaign, &sim, &racer);
    // The person answers the moment the lane opens their profile to write: after the
    // journal's own check, before Send.
    sim.add_fault(
        Fault::times(
            FaultKind::ReplyOnProfileView {
                text: "Funny timing, I was about to write to you!".into(),
            },
            1,
        )
        .for_handles(&[&racer]),
    );
    let outcome = host.call("follow-up").await;
    let text = format!("{outcome:?}");
    assert!(text.contains("they replied"), "{text}");
    let snapshot = sim.snapshot();
    assert!(
        snapshot.messages.iter().all(|m| m.to_handle != racer),
        "a message went out after the reply: {:?}",
        snapshot.messages
    );
    assert_eq!(
        snapshot
            .inbound
            .iter()
            .filter(|m| m.from_handle == racer)
            .count(),
        1
    );
    assert_eq!(stage(&host.db, campaign, lead), Stage::Replied);
    let (journal, stored) = host
        .db
        .read_outside_tx_blocking(|c| {
            Ok((
                outlane::crm::journal::of_lead(c, lead)?,
                outlane::crm::conversations::of_lead(c, lead)?,
            ))
        })
        .unwrap();
    assert_eq!(journal.len(), 1);
    assert_eq!(journal[0].result.as_deref(), Some("not-done"));
    assert!(
        stored.iter().any(|m| m.inbound),
        "the reply seen at the last check is stored"
    );
    // Nothing is due any more: the lane has nothing to do for them.
    let again = format!("{:?}", host.call("follow-up").await);
    assert!(!again.contains("messaged"), "{again}");
    assert!(sim.snapshot().messages.is_empty());
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_inbox_stores_each_message_once_and_a_reply_stops_the_next_step() {
    let sim = Simulator::start(world()).await.unwrap();
    let (host, campaign) = host(&sim).await;
    let people = sim.scenario().people;
    let (a, b) = (
        people[people.len() - 2].handle.clone(),
        people[people.len() - 3].handle.clone(),
    );
    let lead_a = connected_lead(&host.db, campaign, &sim, &a);
    let lead_b = connected_lead(&host.db, campaign, &sim, &b);
    // A two-step sequence, step 2 due as soon as step 1 is out (the most overdue step goes
    // first, so both get step 1 before anybody gets step 2).
    let steps = [
        NewStep {
            delay_ms: 0,
            template: "Hi {first_name}, step one.".into(),
        },
        NewStep {
            delay_ms: 0,
            template: "Hi {first_name}, step two.".into(),
        },
    ];
    host.db
        .write_blocking(|tx| outlane::crm::sequence::set_steps(tx, campaign, &steps, "test", 0))
        .unwrap();
    for _ in 0..2 {
        let out = format!("{:?}", host.call("follow-up").await);
        assert!(out.contains("messaged"), "{out}");
    }
    assert_eq!(sim.snapshot().messages.len(), 2);
    // A writes back; the inbox lane reads it, twice.
    assert!(sim.reply(&a, "Thanks! Not now, maybe next quarter."));
    let first = format!("{:?}", host.call("inbox").await);
    assert!(first.contains("1 new reply"), "{first}");
    let stored = stored_messages(&host.db);
    assert_eq!(stored, 3, "two messages of ours and one reply");
    let second = format!("{:?}", host.call("inbox").await);
    assert!(second.contains("0 new message"), "{second}");
    assert_eq!(
        stored_messages(&host.db),
        stored,
        "a second sync stores nothing again"
    );
    assert_eq!(stage(&host.db, campaign, lead_a), Stage::Replied);
    assert_eq!(stage(&host.db, campaign, lead_b), Stage::Connected);
    // Step 2 goes to B only.
    let out = format!("{:?}", host.call("follow-up").await);
    assert!(out.contains("step 2 of 2"), "{out}");
    let idle = format!("{:?}", host.call("follow-up").await);
    assert!(!idle.contains("messaged"), "{idle}");
    let to_a = sim
        .snapshot()
        .messages
        .iter()
        .filter(|m| m.to_handle == a)
        .count();
    assert_eq!(to_a, 1, "nothing after A's reply");
    assert_eq!(stage(&host.db, campaign, lead_b), Stage::Completed);
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_who_wrote_before_the_campaign_found_them_is_read_when_found() {
    let mut scenario = world();
    let n = scenario.people.len();
    // The writer's message comes first; a dozen from somebody else follow, a minute apart, so
    // the writer's conversation is older than the inbox's overlap by the time it next syncs.
    scenario.people[n - 4].incoming = vec!["Hi! Saw your talk last month, great points.".into()];
    scenario.people[n - 3].incoming = (0..12).map(|i| format!("Note {i}")).collect();
    let writer = scenario.people[n - 4].handle.clone();
    let sim = Simulator::start(scenario).await.unwrap();
    let (host, campaign) = host(&sim).await;
    // The first sync reads the conversation, but the writer is nobody's lead yet.
    let first = format!("{:?}", host.call("inbox").await);
    assert!(
        first.contains("2 conversation(s) read, 0 with leads"),
        "{first}"
    );
    assert_eq!(stored_messages(&host.db), 0);
    // The campaign finds them later; their conversation has been quiet since.
    let lead = connected_lead(&host.db, campaign, &sim, &writer);
    let second = format!("{:?}", host.call("inbox").await);
    assert!(
        second.contains("0 with leads")
            && second.contains("1 earlier thread(s) of people found since read, 1 reply"),
        "{second}"
    );
    let stored = host
        .db
        .read_outside_tx_blocking(|c| outlane::crm::conversations::of_lead(c, lead))
        .unwrap();
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert!(stored[0].inbound);
    assert_eq!(stage(&host.db, campaign, lead), Stage::Replied);
    // Read once: the next call finds nothing more, and the follow-up sends nothing.
    let third = format!("{:?}", host.call("inbox").await);
    assert!(!third.contains("earlier thread"), "{third}");
    assert_eq!(stored_messages(&host.db), 1);
    let out = format!("{:?}", host.call("follow-up").await);
    assert!(!out.contains("messaged"), "{out}");
    assert!(sim.snapshot().messages.is_empty());
    sim.stop().await;
}
