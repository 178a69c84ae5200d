//! The webhook example (`examples/webhook`), a real WASM lane, against a local receiver: one
//! POST per stage change into connected or replied, in order, never twice, and the same
//! change again after the receiver was down.

use outlane::crm::campaigns::{self, NewCampaign};
use outlane::crm::{Stage, accounts, pipeline};
use outlane::runtime::CallOutcome;
use outlane_tests::host::{TestHost, lane_entry};
use outlane_tests::receiver::Receiver;

/// Walks `lead` of `campaign` along `stages`.
fn walk(host: &TestHost, campaign: u64, handle: &str, stages: &'static [Stage]) {
    let url = format!("https://www.linkedin.com/in/{handle}/");
    host.db
        .write_blocking(move |tx| {
            pipeline::discover(tx, campaign, std::slice::from_ref(&url), &[], "test", 1)?;
            let lead =
                outlane::crm::leads::find(tx, &outlane_linkedin::ProfileId::parse(&url).unwrap())?
                    .unwrap();
            for s in stages {
                pipeline::set_stage(tx, campaign, lead, *s, "test", "test", 2)?;
            }
            Ok(())
        })
        .unwrap();
}

const TO_CONNECTED: &[Stage] = &[
    Stage::Enriched,
    Stage::Qualified,
    Stage::Pending,
    Stage::Connected,
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_webhook_example_posts_each_connection_and_reply_once_in_order() {
    let (receiver, server) = Receiver::start().await.unwrap();
    let base = format!("http://{}", server.addr());
    let extra = format!(
        "grants = [\"crm\", \"http\"]\n[lane.http]\norigins = [\"{base}\"]\n\
         [lane.config]\nurl = \"{base}/hook\"\n"
    );
    let host = TestHost::new(&lane_entry("webhook", "{guest:webhook}", &extra)).await;
    let campaign = host
        .db
        .write_blocking(|tx| {
            let account = accounts::create(tx, "me@example.com", "UTC", 0)?;
            campaigns::create(
                tx,
                &NewCampaign {
                    account_id: account,
                    name: "Hooks".into(),
                    ..NewCampaign::default()
                },
                0,
            )
        })
        .unwrap();
    assert!(!host.registry.reload().await.has_errors());
    for i in 0..5 {
        walk(&host, campaign, &format!("person-{i}"), TO_CONNECTED);
    }
    walk(
        &host,
        campaign,
        "not-yet",
        &[Stage::Enriched, Stage::Qualified],
    );
    match host.call("webhook").await {
        CallOutcome::Worked(s) => assert!(s.contains("posted 5 event(s)"), "{s}"),
        other => panic!("the webhook lane failed: {other}"),
    }
    let events = receiver.events();
    assert_eq!(events.len(), 5);
    let people: Vec<&str> = events
        .iter()
        .map(|(_, e)| e["lead"]["profile"].as_str().unwrap())
        .collect();
    assert_eq!(
        people,
        ["person-0", "person-1", "person-2", "person-3", "person-4"]
    );
    for (key, e) in &events {
        assert_eq!(
            key,
            e["event_id"].as_str().unwrap(),
            "the idempotency key is the event id"
        );
        assert_eq!(
            (e["type"].as_str(), e["from"].as_str()),
            (Some("lead.connected"), Some("pending"))
        );
    }
    // Nothing new: idle, and nothing posted twice (each call is a fresh instance: only the
    // cursor in the lane's state remembers).
    assert!(matches!(host.call("webhook").await, CallOutcome::Idle(_)));
    assert_eq!(receiver.events().len(), 5);

    // The receiver is down when two people reply: the cursor waits before the first.
    receiver.set_down(true);
    walk(
        &host,
        campaign,
        "replier",
        &[
            Stage::Enriched,
            Stage::Qualified,
            Stage::Pending,
            Stage::Replied,
        ],
    );
    host.db
        .write_blocking(move |tx| {
            let lead = outlane::crm::leads::find(
                tx,
                &outlane_linkedin::ProfileId::parse("linkedin.com/in/person-0").unwrap(),
            )?
            .unwrap();
            pipeline::set_stage(tx, campaign, lead, Stage::Replied, "wrote back", "host", 3)
        })
        .unwrap();
    assert!(!matches!(
        host.call("webhook").await,
        CallOutcome::Worked(_)
    ));
    assert_eq!(receiver.events().len(), 5);
    receiver.set_down(false);
    match host.call("webhook").await {
        CallOutcome::Worked(s) => assert!(s.contains("posted 2 event(s)"), "{s}"),
        other => panic!("the webhook lane failed: {other}"),
    }
    let events = receiver.events();
    let replies: Vec<(&str, &str)> = events[5..]
        .iter()
        .map(|(_, e)| {
            (
                e["lead"]["profile"].as_str().unwrap(),
                e["type"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        replies,
        [("replier", "lead.replied"), ("person-0", "lead.replied")]
    );
    let mut ids: Vec<&str> = events.iter().map(|(k, _)| k.as_str()).collect();
    ids.dedup();
    assert_eq!(ids.len(), 7, "no event twice");
    server.stop().await;
}
