//! The lane host, end to end: real WASM components built from source, a real SQLite file,
//! the real runtime, registry, reload watcher and daemon.

use outlane::clock::Clock;
use outlane::daemon::{self, CallRecord, Daemon};
use outlane::runtime::bindings::CallContext;
use outlane::runtime::{CallOutcome, reload};
use outlane_tests::host::{TestHost, lane_entry};
use outlane_tests::{capture_logs, guests};
use std::path::Path;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sdk_lane_runs_logs_reads_config_and_keeps_state() {
    let logs = capture_logs();
    let manifest = lane_entry(
        "greeter",
        "{guest:fixture-hello}",
        "[lane.config]\ngreeting = \"bonjour-greeter\"",
    );
    let host = TestHost::new(&manifest).await;
    let report = host.registry.reload().await;
    assert!(!report.has_errors(), "{report:?}");
    for expected in 1..=3 {
        match host.call("greeter").await {
            CallOutcome::Worked(summary) => {
                assert_eq!(summary, format!("v1 bonjour-greeter count={expected}"))
            }
            other => panic!("unexpected outcome {other}"),
        }
    }
    assert!(
        logs.text().contains("bonjour-greeter from v1, run 3"),
        "the lane's log line is missing"
    );
    assert!(
        logs.text().contains("greeter"),
        "log lines carry the lane name"
    );

    // The state lives in SQLite: a new runtime over the same database continues the count.
    let TestHost { dir, db, registry } = host;
    drop(registry);
    let host = TestHost::over(dir, db);
    host.registry.reload().await;
    match host.call("greeter").await {
        CallOutcome::Worked(summary) => assert!(summary.ends_with("count=4"), "{summary}"),
        other => panic!("unexpected outcome {other}"),
    }
    let stored: String = host
        .db
        .call_blocking(|c| {
            c.query_row(
                "SELECT value FROM lane_state WHERE lane = 'greeter' AND key = 'count'",
                [],
                |r| r.get(0),
            )
        })
        .unwrap();
    assert_eq!(stored, "4");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn host_waits_do_not_count_against_the_cpu_limit() {
    let manifest = lane_entry(
        "patient",
        "{guest:fixture-hello}",
        "[lane.limits]\ncpu = \"300ms\"\n[lane.config]\ngreeting = \"slow\"\npause_ms = 1200",
    );
    let host = TestHost::new(&manifest).await;
    host.registry.reload().await;
    let started = Instant::now();
    let outcome = host.call("patient").await;
    assert!(
        started.elapsed() >= Duration::from_millis(1200),
        "the pause was not honoured"
    );
    assert!(
        matches!(outcome, CallOutcome::Worked(_)),
        "a 1.2 s host pause must not exhaust a 300 ms CPU budget: {outcome}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn infinite_loop_is_stopped_and_the_daemon_serves_other_lanes() {
    let manifest = format!(
        "{}{}",
        lane_entry(
            "spinner",
            "{guest:fixture-spin}",
            "every = \"300ms\"\n[lane.limits]\ncpu = \"200ms\""
        )
        .replace("every = \"1s\"\n", ""),
        lane_entry(
            "steady",
            "{guest:fixture-hello}",
            "[lane.config]\ngreeting = \"steady\""
        )
        .replace("every = \"1s\"", "every = \"100ms\""),
    );
    let host = TestHost::new(&manifest).await;
    let report = host.registry.reload().await;
    assert!(!report.has_errors(), "{report:?}");

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<CallRecord>();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let daemon = Daemon::new(host.registry.clone(), Clock::real(), stopped).observe(tx);
    let running = tokio::spawn(daemon.run());
    tokio::time::sleep(Duration::from_secs(3)).await;
    stop.send(true).unwrap();
    running.await.unwrap();

    let mut records = Vec::new();
    while let Ok(r) = rx.try_recv() {
        records.push(r);
    }
    let spins: Vec<&CallRecord> = records.iter().filter(|r| r.lane == "spinner").collect();
    let steady = records.iter().filter(|r| r.lane == "steady").count();
    assert!(!spins.is_empty(), "the spinning lane never ran");
    for spin in &spins {
        match &spin.outcome {
            CallOutcome::Timeout(msg) => assert!(msg.contains("CPU limit"), "{msg}"),
            other => panic!("the spinning lane ended as {other}"),
        }
    }
    // Exponential back-off: each failure waits longer than the one before.
    let waits: Vec<u64> = spins.iter().map(|r| r.next_due_ms - r.at_ms).collect();
    assert!(
        waits[0] >= 2 * 300 * 8 / 10,
        "first back-off too short: {waits:?}"
    );
    assert!(
        waits.windows(2).all(|w| w[1] > w[0]),
        "back-off does not grow: {waits:?}"
    );
    assert!(steady >= 8, "the healthy lane was starved: {steady} calls");
    assert!(
        records
            .iter()
            .filter(|r| r.lane == "steady")
            .all(|r| matches!(r.outcome, CallOutcome::Worked(_)))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_bomb_is_stopped_at_its_cap() {
    let manifest = lane_entry(
        "bomb",
        "{guest:fixture-memory-bomb}",
        "[lane.limits]\nmemory = \"16MiB\"",
    );
    let host = TestHost::new(&manifest).await;
    host.registry.reload().await;
    match host.call("bomb").await {
        CallOutcome::OutOfMemory(msg) => assert!(msg.contains("limits.memory"), "{msg}"),
        other => panic!("expected out-of-memory, got {other}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn panic_is_a_trap_carrying_its_message() {
    let host = TestHost::new(&lane_entry("panicky", "{guest:fixture-panic}", "")).await;
    host.registry.reload().await;
    match host.call("panicky").await {
        CallOutcome::Trap(msg) => assert!(msg.contains("fixture panic: 0 items"), "{msg}"),
        other => panic!("expected a trap, got {other}"),
    }
    // The lane is still usable: the next call traps the same way instead of poisoning anything.
    assert!(matches!(host.call("panicky").await, CallOutcome::Trap(_)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ungranted_import_is_refused_at_load_with_the_fix() {
    let host = TestHost::new(&lane_entry(
        "counter",
        "{guest:fixture-ungranted}",
        "grants = []",
    ))
    .await;
    let report = host.registry.reload().await;
    assert!(
        host.registry.get("counter").is_none(),
        "a lane importing an ungranted interface was loaded"
    );
    let (lane, message) = &report.failed[0];
    assert_eq!(lane, "counter");
    assert!(message.contains("lane `counter`"), "{message}");
    assert!(
        message.contains(&format!(
            "outlane:lanes/crm@{}",
            outlane::runtime::bindings::API_VERSION
        )),
        "{message}"
    );
    assert!(message.contains("add \"crm\" to `grants`"), "{message}");
    assert!(message.contains("lanes.toml line 1"), "{message}");

    // Granting it makes the same component load.
    host.write_manifest(&lane_entry(
        "counter",
        "{guest:fixture-ungranted}",
        "grants = [\"crm\"]",
    ));
    let report = host.registry.reload().await;
    assert!(!report.has_errors(), "{report:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn navigation_outside_the_allow_list_is_denied_not_trapped() {
    let extra = "grants = [\"browser\"]\n[lane.browser]\norigins = [\"http://127.0.0.1:*\"]\n[lane.config]\nurl = \"https://evil.example/steal\"";
    let host = TestHost::new(&lane_entry("wanderer", "{guest:fixture-navigator}", extra)).await;
    let report = host.registry.reload().await;
    assert!(!report.has_errors(), "{report:?}");
    match host.call("wanderer").await {
        CallOutcome::Denied(msg) => {
            assert!(msg.contains("https://evil.example"), "{msg}");
            assert!(msg.contains("[lane.browser]"), "{msg}");
        }
        other => panic!("expected a denial, got {other}"),
    }
}

fn copy(from: &Path, to: &Path) {
    // Write beside and rename, the way build tools replace files.
    let tmp = to.with_extension("partial");
    std::fs::copy(from, &tmp).unwrap();
    std::fs::rename(&tmp, to).unwrap();
}

async fn wait_until(what: &str, timeout: Duration, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hot_reload_swaps_versions_and_keeps_the_last_good_one() {
    let logs = capture_logs();
    let manifest = lane_entry(
        "swappable",
        "{dir}/swappable.wasm",
        "[lane.config]\ngreeting = \"swap\"\npause_ms = 1500",
    );
    let host = TestHost::new(&manifest).await;
    copy(
        &guests().path("fixture-hello"),
        &host.dir.path().join("swappable.wasm"),
    );
    host.registry.reload().await;
    let _watcher = reload::spawn(host.registry.clone()).unwrap();
    assert_eq!(
        host.registry.get("swappable").unwrap().info.version,
        "0.1.0"
    );

    // A call in flight while the new version lands finishes on the old version.
    let in_flight = tokio::spawn({
        let lane = host.registry.get("swappable").unwrap();
        async move {
            daemon::call(
                lane,
                CallContext {
                    lane: "swappable".into(),
                    run_id: 1,
                    campaign_id: None,
                    now_ms: 0,
                },
            )
            .await
        }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    copy(
        &guests().path("fixture-hello-v2"),
        &host.dir.path().join("swappable.wasm"),
    );
    wait_until("version 0.2.0 to load", Duration::from_secs(20), || {
        host.registry
            .get("swappable")
            .is_some_and(|l| l.info.version == "0.2.0")
    })
    .await;
    match in_flight.await.unwrap() {
        CallOutcome::Worked(summary) => assert!(
            summary.starts_with("v1 "),
            "in-flight call changed version: {summary}"
        ),
        other => panic!("in-flight call failed: {other}"),
    }
    match host.call("swappable").await {
        CallOutcome::Worked(summary) => assert!(summary.starts_with("v2 "), "{summary}"),
        other => panic!("{other}"),
    }

    // Garbage replaces the file: the error is logged and v2 keeps running.
    std::fs::write(
        host.dir.path().join("swappable.wasm"),
        b"\0asm garbage that is not a component",
    )
    .unwrap();
    wait_until(
        "the bad version to be rejected",
        Duration::from_secs(20),
        || {
            host.registry
                .errors()
                .get("swappable")
                .is_some_and(|e| e.contains("not a valid WebAssembly component"))
        },
    )
    .await;
    assert_eq!(
        host.registry.get("swappable").unwrap().info.version,
        "0.2.0"
    );
    assert!(matches!(host.call("swappable").await, CallOutcome::Worked(s) if s.starts_with("v2 ")));
    assert!(
        logs.text().contains("keeping version 0.2.0"),
        "the failed reload was not logged"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn manifest_edits_apply_without_restart() {
    let slow = lane_entry(
        "pulse",
        "{guest:fixture-hello}",
        "[lane.config]\ngreeting = \"pulse\"",
    )
    .replace("every = \"1s\"", "every = \"1h\"");
    let host = TestHost::new(&slow).await;
    host.registry.reload().await;
    let _watcher = reload::spawn(host.registry.clone()).unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<CallRecord>();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(
        Daemon::new(host.registry.clone(), Clock::real(), stopped)
            .observe(tx)
            .run(),
    );

    // Runs once at start, then waits an hour.
    let first = tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert!(first.next_due_ms - first.at_ms > 40 * 60 * 1000);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(rx.try_recv().is_err(), "ran again before its interval");

    // Edit the interval (and the config): applied live.
    host.write_manifest(
        &slow
            .replace("every = \"1h\"", "every = \"200ms\"")
            .replace("greeting = \"pulse\"", "greeting = \"quick\""),
    );
    let next = tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("the new interval was not applied")
        .unwrap();
    match &next.outcome {
        CallOutcome::Worked(summary) => assert!(
            summary.contains("quick"),
            "new config not applied: {summary}"
        ),
        other => panic!("{other}"),
    }
    assert!(next.next_due_ms - next.at_ms < 1000);

    // Remove the lane: it stops being called.
    host.write_manifest("");
    wait_until("the lane to be removed", Duration::from_secs(10), || {
        host.registry.get("pulse").is_none()
    })
    .await;
    // A call that started before the removal may still report; none may start after it.
    let removed_at = Clock::real().now_ms();
    tokio::time::sleep(Duration::from_millis(600)).await;
    while let Ok(record) = rx.try_recv() {
        assert!(
            record.at_ms <= removed_at,
            "a removed lane was called {} ms after its removal: {record:?}",
            record.at_ms - removed_at
        );
    }

    // A broken manifest changes nothing.
    host.write_manifest(&slow);
    wait_until("the lane to come back", Duration::from_secs(10), || {
        host.registry.get("pulse").is_some()
    })
    .await;
    host.write_manifest("[[lane]]\nname = \"pulse\"\nbogus = 1\n");
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(
        host.registry.get("pulse").is_some(),
        "a bad manifest unloaded a lane"
    );
    let report = host.registry.reload().await;
    assert!(
        report
            .manifest_error
            .as_deref()
            .is_some_and(|e| e.contains("lanes.toml:3:1") && e.contains("bogus")),
        "{report:?}"
    );

    stop.send(true).unwrap();
    running.await.unwrap();
}

/// The lane API is a public one: a lane built against the frozen 0.1.0 (here the heartbeat
/// example as it was, with the SDK of then, both checked in under `tests/fixtures`) keeps
/// loading and running in today's host.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lane_built_against_api_0_1_still_loads_and_runs() {
    use outlane::runtime::api::ApiVersion;
    let logs = capture_logs();
    let manifest = lane_entry(
        "old-beat",
        "{guest:fixture-heartbeat-v0-1}",
        "[lane.config]\nmessage = \"still alive on 0.1\"\nmax_beats = 2",
    );
    let host = TestHost::new(&manifest).await;
    let report = host.registry.reload().await;
    assert!(!report.has_errors(), "{report:?}");
    let lane = host.registry.get("old-beat").unwrap();
    assert_eq!(
        lane.pre.api(),
        ApiVersion::V0_1,
        "told apart by its import names"
    );
    let imports: Vec<String> = lane
        .component
        .component_type()
        .imports(host.registry.runtime().engine())
        .map(|(name, _)| name.to_string())
        .collect();
    assert!(
        imports.iter().any(|n| n == "outlane:lanes/host@0.1.0"),
        "{imports:?}"
    );
    assert_eq!(lane.info.name, "fixture-heartbeat-v0-1");
    for expected in ["beat 1", "beat 2"] {
        match host.call("old-beat").await {
            CallOutcome::Worked(summary) => assert_eq!(summary, expected),
            other => panic!("the 0.1 lane failed: {other}"),
        }
    }
    // Its state went through the 0.1 `state-*` imports into today's store; its `false` is
    // idle without a reason of its own.
    match host.call("old-beat").await {
        CallOutcome::Idle(why) => assert_eq!(why, "nothing to do"),
        other => panic!("the 0.1 lane should be idle: {other}"),
    }
    assert!(logs.text().contains("still alive on 0.1 (beat 2"));
}

/// A lane says why it is idle (`readiness`), and the host passes the reason on as the call's
/// outcome, which `outlane status` shows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_lane_says_why() {
    let manifest = lane_entry(
        "beat",
        "{guest:heartbeat}",
        "[lane.config]\nmessage = \"alive\"\nmax_beats = 1",
    );
    let host = TestHost::new(&manifest).await;
    assert!(!host.registry.reload().await.has_errors());
    assert!(matches!(host.call("beat").await, CallOutcome::Worked(_)));
    match host.call("beat").await {
        CallOutcome::Idle(why) => assert_eq!(why, "beat 1 times: max_beats is 1"),
        other => panic!("the heartbeat should be idle: {other}"),
    }
}
