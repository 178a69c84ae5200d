//! What a buggy or hostile lane cannot do (issue "Hardening"): each test runs the hostile
//! fixture lane (`tests/fixtures/hostile`, `tests/fixtures/hostile-browser`) through the real
//! host and checks the host's answers, the database and, for the browser, the simulator's own
//! records of what reached it.

use outlane::runtime::CallOutcome;
use outlane_tests::host::{TestHost, account_with_campaign, add_campaign, lane_entry};
use serde_json::Value;

/// The JSON a hostile lane reported.
fn report(outcome: CallOutcome) -> Value {
    match outcome {
        CallOutcome::Worked(summary) => serde_json::from_str(&summary)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {summary}")),
        other => panic!("the hostile lane did not finish its attack: {other}"),
    }
}

fn hostile(attack: &str, extra_config: &str, limits: &str) -> String {
    lane_entry(
        "hostile",
        "{guest:fixture-hostile}",
        &format!(
            "grants = [\"crm\"]\n{limits}\n[lane.config]\nattack = \"{attack}\"\n{extra_config}"
        ),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lane_state_is_kept_per_campaign_unless_the_lane_names_the_account_or_lane_scope() {
    let host = TestHost::new(&hostile("state-scopes", "", "")).await;
    let (account, a) = account_with_campaign(&host.db, "one@example.com", "pw");
    let b = add_campaign(&host.db, account, "Second of the same account");
    let (_, c) = account_with_campaign(&host.db, "two@example.com", "pw");
    assert!(!host.registry.reload().await.has_errors());

    let first = report(host.call_for("hostile", Some(a)).await);
    assert_eq!(first, serde_json::json!({"campaign": null, "account": null, "lane": null}));
    let second = report(host.call_for("hostile", Some(b)).await);
    assert_eq!(
        second["campaign"],
        Value::Null,
        "campaign B must not see what the lane kept for campaign A: {second}"
    );
    assert_eq!(second["account"], format!("written for campaign {a}"), "same account");
    assert_eq!(second["lane"], format!("written for campaign {a}"));
    let third = report(host.call_for("hostile", Some(c)).await);
    assert_eq!(third["campaign"], Value::Null, "{third}");
    assert_eq!(third["account"], Value::Null, "another account: {third}");
    assert_eq!(third["lane"], format!("written for campaign {b}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lane_state_is_capped_in_total_and_in_write_rate() {
    // The cap: 1 MiB in all, values of 64 KiB under distinct keys.
    let host = TestHost::new(&hostile(
        "state-hog",
        "size = 65536\ncount = 40",
        "[lane.limits]\nstate = \"1MiB\"",
    ))
    .await;
    account_with_campaign(&host.db, "one@example.com", "pw");
    assert!(!host.registry.reload().await.has_errors());
    let capped = report(host.call("hostile").await);
    assert_eq!(capped["written"], 15, "{capped}");
    let why = capped["error"].as_str().unwrap_or_default();
    assert!(why.contains("Invalid") && why.contains("limits.state"), "{why}");

    // The rate: 1 MiB values (under the default 16 MiB cap) as fast as the lane can write.
    let host = TestHost::new(&hostile("state-hog", "size = 1048576\ncount = 150", "")).await;
    account_with_campaign(&host.db, "one@example.com", "pw");
    assert!(!host.registry.reload().await.has_errors());
    let hog = report(host.call("hostile").await);
    let written = hog["written"].as_u64().unwrap_or(u64::MAX);
    assert!((1..=4).contains(&written), "a burst of at most 4 MiB: {hog}");
    let why = hog["error"].as_str().unwrap_or_default();
    assert!(why.contains("RateLimited"), "{why}");
    let grown: u64 = ["outlane.db", "outlane.db-wal"]
        .iter()
        .filter_map(|f| std::fs::metadata(host.dir.path().join(f)).ok())
        .map(|m| m.len())
        .sum();
    assert!(grown < 16 << 20, "the database grew by {grown} bytes");
}
