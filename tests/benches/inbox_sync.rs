//! Syncing a large inbox: 500 conversations of 20 messages each, read by the real inbox lane
//! through real Chromium from the simulator's messaging API and stored in the CRM. Prints the
//! wall time, messages per second and the process's resident-memory growth. The baseline,
//! measured in the same run, stores the same 10,000 messages straight into a fresh CRM (no
//! browser, no lane): what the sync costs beyond the database writes.

use outlane::crm::conversations::{SyncedMessage, save_thread};
use outlane::crm::{Db, leads, pipeline};
use outlane_simulator::{InitialRelationship, Scenario, Simulator};
use outlane_tests::host::{TestHost, account_with_campaign, lane_entry};
use std::time::Instant;

const PEOPLE: usize = 500;
const MESSAGES: usize = 20;

/// Resident memory now (kB), from /proc.
fn rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        })
        .unwrap_or(0)
}

fn add_leads(db: &Db, campaign: u64, handles: &[String]) -> Vec<u64> {
    db.write_blocking(|tx| {
        let urls: Vec<String> = handles
            .iter()
            .map(|h| format!("https://www.linkedin.com/in/{h}/"))
            .collect();
        pipeline::discover(tx, campaign, &urls, &[], "bench", 0)?;
        urls.iter()
            .map(|u| Ok(leads::find(tx, &outlane_linkedin::ProfileId::parse(u).unwrap())?.unwrap()))
            .collect()
    })
    .expect("leads")
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut scenario = Scenario::generate(11, PEOPLE);
    for (i, p) in scenario.people.iter_mut().enumerate() {
        p.relationship = InitialRelationship::Connected;
        p.canonical_handle = None;
        p.replies.clear();
        p.incoming = (0..MESSAGES)
            .map(|k| {
                format!("Message {k} of conversation {i}: a line or two of text, as people write.")
            })
            .collect();
    }
    let handles: Vec<String> = scenario.people.iter().map(|p| p.handle.clone()).collect();
    let sim = Simulator::start(scenario).await.expect("simulator");

    // Baseline: the same messages stored straight into the CRM.
    let dir = tempfile::tempdir().expect("tempdir");
    let db = Db::open(&dir.path().join("outlane.db")).expect("db");
    let (account, campaign) = account_with_campaign(&db, "base@example.com", "pw");
    let ids = add_leads(&db, campaign, &handles);
    let started = Instant::now();
    for (n, lead) in ids.iter().enumerate() {
        let thread: Vec<SyncedMessage> = (0..MESSAGES)
            .map(|k| SyncedMessage {
                urn: format!("urn:li:msg_message:{n}-{k}"),
                inbound: true,
                sender: "Someone".into(),
                sent_ms: k as u64,
                text: format!("Message {k} of conversation {n}"),
            })
            .collect();
        db.write_blocking(|tx| {
            save_thread(
                tx,
                account,
                *lead,
                &format!("urn:c:{n}"),
                1,
                &thread,
                "bench",
                1,
            )
        })
        .expect("save");
    }
    let baseline = started.elapsed();

    // The lane: one call reads every conversation.
    let manifest = lane_entry(
        "inbox",
        "{guest:lane-inbox}",
        "grants = [\"crm\", \"browser\", \"llm\"]\n[lane.browser]\norigins = [\"https://www.linkedin.com\"]\n[lane.config]\nclassify = 0\npages = 30",
    );
    let host = TestHost::with_site(&manifest, &sim.base_url()).await;
    let viewer = sim.scenario().viewer;
    let (_, campaign) = account_with_campaign(&host.db, &viewer.email, &viewer.password);
    add_leads(&host.db, campaign, &handles);
    let loaded = host.registry.reload().await;
    assert!(!loaded.has_errors(), "{loaded:?}");
    let before = rss_kb();
    let started = Instant::now();
    let outcome = host.call("inbox").await;
    let took = started.elapsed();
    let grown = rss_kb().saturating_sub(before);
    let stored: u64 = host
        .db
        .read_outside_tx_blocking(|c| {
            Ok(
                c.query_row("SELECT count(*) FROM conversation_messages", [], |r| {
                    r.get(0)
                })?,
            )
        })
        .expect("count");
    assert_eq!(
        stored,
        (PEOPLE * MESSAGES) as u64,
        "not every message was stored: {outcome:?}"
    );
    let rate = stored as f64 / took.as_secs_f64();
    println!(
        "inbox sync, {PEOPLE} conversations x {MESSAGES} messages: {:.1} s, {rate:.0} messages/s, resident memory +{:.1} MB",
        took.as_secs_f64(),
        grown as f64 / 1024.0
    );
    println!(
        "baseline, the same {} messages stored straight into the CRM: {:.2} s ({:.1}x)",
        stored,
        baseline.as_secs_f64(),
        took.as_secs_f64() / baseline.as_secs_f64()
    );
    sim.stop().await;
}
