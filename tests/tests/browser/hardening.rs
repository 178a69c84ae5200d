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
        CallOutcome::Worked(summary) => {
            serde_json::from_str(&summary).unwrap_or_else(|e| panic!("not JSON ({e}): {summary}"))
        }
        other => panic!("the hostile lane did not finish its attack: {other}"),
    }
}

fn hostile(attack: &str, extra_config: &str, limits: &str) -> String {
    lane_entry(
        "hostile",
        "{guest:fixture-hostile}",
        &format!(
            "grants = [\"crm\", \"qualifier\", \"browser\", \"http\"]\n\
             [lane.browser]\norigins = [\"https://www.linkedin.com\"]\n\
             [lane.http]\norigins = [\"http://127.0.0.1:9\"]\n\
             {limits}\n[lane.config]\nattack = \"{attack}\"\n{extra_config}"
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
    assert_eq!(
        first,
        serde_json::json!({"campaign": null, "account": null, "lane": null})
    );
    let second = report(host.call_for("hostile", Some(b)).await);
    assert_eq!(
        second["campaign"],
        Value::Null,
        "campaign B must not see what the lane kept for campaign A: {second}"
    );
    assert_eq!(
        second["account"],
        format!("written for campaign {a}"),
        "same account"
    );
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
    assert!(
        why.contains("Invalid") && why.contains("limits.state"),
        "{why}"
    );

    // The rate: 1 MiB values (under the default 16 MiB cap) as fast as the lane can write.
    let host = TestHost::new(&hostile("state-hog", "size = 1048576\ncount = 150", "")).await;
    account_with_campaign(&host.db, "one@example.com", "pw");
    assert!(!host.registry.reload().await.has_errors());
    let hog = report(host.call("hostile").await);
    let written = hog["written"].as_u64().unwrap_or(u64::MAX);
    assert!(
        (1..=4).contains(&written),
        "a burst of at most 4 MiB: {hog}"
    );
    let why = hog["error"].as_str().unwrap_or_default();
    assert!(why.contains("RateLimited"), "{why}");
    let grown: u64 = ["outlane.db", "outlane.db-wal"]
        .iter()
        .filter_map(|f| std::fs::metadata(host.dir.path().join(f)).ok())
        .map(|m| m.len())
        .sum();
    assert!(grown < 16 << 20, "the database grew by {grown} bytes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_qualifier_is_scoped_to_the_campaign_and_only_people_label_as_human() {
    use outlane::crm::{leads, pipeline};
    use outlane_linkedin::ProfileId;
    let manifest = hostile("qualifier-foreign", "lead = 0\nown = 0", "");
    let host = TestHost::with_qualifier(&manifest).await;
    let (account, a) = account_with_campaign(&host.db, "one@example.com", "pw");
    let b = add_campaign(&host.db, account, "The other campaign");
    let (theirs, ours) = host
        .db
        .write_blocking(move |tx| {
            let mut ids = Vec::new();
            for (vanity, campaign) in [("secret-vanity-of-b", b), ("ours-in-a", a)] {
                let (id, _) = leads::ensure(tx, &ProfileId::Vanity(vanity.into()), 0)?;
                pipeline::attach(tx, campaign, id, "test", 0)?;
                let profile = serde_json::json!({
                    "public_identifier": vanity, "full_name": "Someone",
                    "headline": "Head of Sales at Acme",
                });
                leads::save_profile(tx, id, &profile.to_string(), None, None, "test", 0)?;
                ids.push(id);
            }
            Ok((ids[0], ids[1]))
        })
        .unwrap();
    host.write_manifest(&hostile(
        "qualifier-foreign",
        &format!("lead = {theirs}\nown = {ours}"),
        "",
    ));
    assert!(!host.registry.reload().await.has_errors());
    let answers = report(host.call_for("hostile", Some(a)).await);
    for op in ["embed", "predict", "label", "choose", "rank"] {
        let text = answers[op]["error"].as_str().unwrap_or_default();
        assert!(text.starts_with("Error::NotFound("), "{op}: {answers}");
        assert!(
            !text.contains("secret-vanity-of-b"),
            "{op} reveals the id: {text}"
        );
    }
    let human = answers["human"]["error"].as_str().unwrap_or_default();
    assert!(
        human.starts_with("Error::Denied(") && human.contains("human"),
        "{answers}"
    );
    let labels: i64 = host
        .db
        .call_blocking(|c| c.query_row("SELECT count(*) FROM labels", [], |r| r.get(0)))
        .unwrap();
    assert_eq!(labels, 0, "no label was written");
    let embedded: i64 = host
        .db
        .call_blocking(move |c| {
            c.query_row(
                "SELECT count(*) FROM embeddings WHERE lead_id = ?1",
                [theirs],
                |r| r.get(0),
            )
        })
        .unwrap();
    assert_eq!(embedded, 0, "the other campaign's lead was not embedded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lane_of_one_campaign_cannot_merge_away_read_or_rename_another_campaigns_lead() {
    use outlane::crm::{import, pipeline};
    const MEMBER: &str = "ACoAABobsMemberIdForTheTest01";
    let victim_url = "https://www.linkedin.com/in/bob/";
    let manifest = hostile(
        "crm-isolation",
        &format!(
            "member_url = \"https://www.linkedin.com/in/{MEMBER}/\"\nvictim_url = \"{victim_url}\""
        ),
        "",
    );
    let host = TestHost::new(&manifest).await;
    let (account, a) = account_with_campaign(&host.db, "one@example.com", "pw");
    let b = add_campaign(&host.db, account, "Campaign B");
    let csv = format!("url,name,headline\n{victim_url},Bob From B's CSV,B's secret headline\n");
    let bob = host
        .db
        .write_blocking(move |tx| {
            import::apply(tx, import::parse(&csv).unwrap(), Some(b), 0)?;
            Ok(
                pipeline::in_stage(tx, b, outlane::crm::Stage::Discovered, 10)?[0]
                    .lead
                    .id,
            )
        })
        .unwrap();
    assert!(!host.registry.reload().await.has_errors());
    let answers = report(host.call_for("hostile", Some(a)).await);

    let merge = answers["merge"]["error"].as_str().unwrap_or_default();
    assert!(
        merge.starts_with("Error::Invalid(") && merge.contains("may not merge"),
        "{answers}"
    );
    assert!(
        !merge.contains("bob"),
        "the refusal names nothing of B's: {merge}"
    );
    assert_eq!(answers["visible_before_discovery"], Value::Null);
    assert_eq!(
        answers["seen_name"],
        Value::Null,
        "B's imported name leaked: {answers}"
    );
    assert_eq!(answers["seen_headline"], Value::Null, "{answers}");
    assert!(
        answers["rename"]["ok"].is_string(),
        "a first profile may be saved: {answers}"
    );
    let replace = answers["replace"]["error"].as_str().unwrap_or_default();
    assert!(replace.contains("another campaign shares"), "{answers}");

    // B's lead is whole: the same row, its deal, its history, its own name.
    let (deal, history) = host
        .db
        .read_outside_tx_blocking(move |c| {
            let deal = pipeline::get(c, b, bob)?;
            let history = pipeline::history(c, deal.deal_id)?;
            Ok((deal, history))
        })
        .unwrap();
    assert_eq!(deal.lead.full_name.as_deref(), Some("Bob From B's CSV"));
    assert_eq!(deal.lead.headline.as_deref(), Some("B's secret headline"));
    assert_eq!(
        deal.lead.member_id, None,
        "not merged with the member-id lead"
    );
    assert!(
        history
            .iter()
            .all(|h| h.actor != "hostile" || h.reason == "profile saved"),
        "{history:?}"
    );
}

// ---- the browser: journal, popups, control API ------------------------------------------

use outlane_simulator::{InitialRelationship, MessageVariant, Scenario, Simulator, UiVariant};

/// A simulated LinkedIn where everyone can be invited directly and the last three are
/// connections with a Message button. Returns the scenario, people to invite and connections.
fn world() -> (Scenario, Vec<String>, Vec<(String, String)>) {
    let mut s = Scenario::generate(33, 12);
    for p in &mut s.people {
        p.ui_variant = UiVariant::DirectConnect;
        p.message_variant = MessageVariant::DirectButton;
        p.relationship = InitialRelationship::None;
        p.accept_after_ms = None;
        p.decline_after_ms = None;
        p.email_required = false;
        p.restricted = false;
        p.exists = true;
        p.canonical_handle = None;
    }
    let n = s.people.len();
    for p in &mut s.people[n - 3..] {
        p.relationship = InitialRelationship::Connected;
    }
    let invite = s.people[..n - 3].iter().map(|p| p.handle.clone()).collect();
    let friends = s.people[n - 3..]
        .iter()
        .map(|p| (p.handle.clone(), p.full_name()))
        .collect();
    (s, invite, friends)
}

/// A host whose lane `hostile` is `component`, granted `grants`, with browsers on `sim`.
async fn browser_host(
    sim: &Simulator,
    component: &str,
    grants: &str,
    config: &str,
    origins: &str,
) -> TestHost {
    // The hostile lane imports `http` too (its `http` attack): it needs the grant to load.
    let http = if grants.contains("\"http\"") {
        "[lane.http]\norigins = [\"http://127.0.0.1:9\"]\n"
    } else {
        ""
    };
    let manifest = lane_entry(
        "hostile",
        component,
        &format!(
            "grants = [{grants}]\n[lane.browser]\norigins = [\"https://www.linkedin.com\"{origins}]\n{http}[lane.config]\n{config}"
        ),
    );
    let host = TestHost::with_site(&manifest, &sim.base_url()).await;
    let viewer = sim.scenario().viewer;
    account_with_campaign(&host.db, &viewer.email, &viewer.password);
    let loaded = host.registry.reload().await;
    assert!(!loaded.has_errors(), "{loaded:?}");
    host
}

/// Posts the simulator received to its page endpoints (invite, message, withdraw).
fn action_posts(sim: &Simulator) -> Vec<String> {
    sim.requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path.starts_with("/__sim/ui/"))
        .map(|r| r.path)
        .collect()
}

fn toml_list(items: &[String]) -> String {
    items
        .iter()
        .map(|i| format!("{i:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lane_without_the_journal_sends_nothing_even_with_the_sdk_flows() {
    let (scenario, invite, friends) = world();
    let sim = Simulator::start(scenario).await.unwrap();
    let friends_toml = friends
        .iter()
        .map(|(h, n)| format!("[{h:?}, {n:?}]"))
        .collect::<Vec<_>>()
        .join(", ");
    let config = format!(
        "attack = \"send-without-journal\"\ninvite = [{}]\nmessage = [{friends_toml}]",
        toml_list(&invite[..4])
    );
    let host = browser_host(
        &sim,
        "{guest:fixture-hostile-browser}",
        "\"browser\"",
        &config,
        "",
    )
    .await;
    let answers = report(host.call("hostile").await);
    let snapshot = sim.snapshot();
    assert!(
        snapshot.invitations.is_empty(),
        "{:?}\n{answers}",
        snapshot.invitations
    );
    assert!(
        snapshot.messages.is_empty(),
        "{:?}\n{answers}",
        snapshot.messages
    );
    assert_eq!(
        action_posts(&sim),
        Vec::<String>::new(),
        "nothing reached the endpoints"
    );
    let text = answers.to_string();
    assert!(
        text.matches("holds no unused journal intent").count() >= 4 + friends.len(),
        "every attempt was refused with the reason: {answers}"
    );
    let counted: i64 = host
        .db
        .call_blocking(|c| c.query_row("SELECT count(*) FROM rate_counters", [], |r| r.get(0)))
        .unwrap();
    assert_eq!(counted, 0, "no limit was spent");
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_intent_lets_one_request_through_for_its_own_person() {
    use outlane::crm::{Stage, leads, pipeline};
    use outlane_linkedin::ProfileId;
    let (scenario, invite, friends) = world();
    let sim = Simulator::start(scenario).await.unwrap();
    let (friend, friend_name) = friends[0].clone();
    let config = format!(
        "attack = \"send-twice\"\ninvite = {:?}\nother = {:?}\nmessage = [{friend:?}, {friend_name:?}]",
        invite[0], invite[1]
    );
    let host = browser_host(
        &sim,
        "{guest:fixture-hostile}",
        "\"crm\", \"browser\", \"qualifier\", \"http\"",
        &config,
        "",
    )
    .await;
    let targets = [
        (invite[0].clone(), Stage::Qualified),
        (invite[1].clone(), Stage::Qualified),
        (friend.clone(), Stage::Connected),
    ];
    host.db
        .write_blocking(move |tx| {
            for (handle, stage) in &targets {
                let (id, _) = leads::ensure(tx, &ProfileId::from_identifier(handle).unwrap(), 0)?;
                pipeline::attach(tx, 1, id, "test", 0)?;
                let profile = serde_json::json!({ "public_identifier": handle });
                leads::save_profile(tx, id, &profile.to_string(), None, None, "test", 0)?;
                pipeline::set_stage(tx, 1, id, Stage::Qualified, "test", "test", 0)?;
                if *stage == Stage::Connected {
                    pipeline::set_stage(tx, 1, id, Stage::Connected, "test", "test", 0)?;
                }
            }
            Ok(())
        })
        .unwrap();
    let answers = report(host.call("hostile").await);
    let snapshot = sim.snapshot();
    let invited: Vec<&str> = snapshot
        .invitations
        .iter()
        .map(|i| i.handle.as_str())
        .collect();
    assert_eq!(
        invited,
        vec![invite[0].as_str()],
        "only the person of the intent: {answers}"
    );
    let messages: Vec<(&str, &str)> = snapshot
        .messages
        .iter()
        .map(|m| (m.to_handle.as_str(), m.text.as_str()))
        .collect();
    assert_eq!(
        messages,
        vec![(friend.as_str(), "Hello, once")],
        "one message per intent: {answers}"
    );
    assert!(
        answers["other"]
            .to_string()
            .contains("holds no unused journal intent"),
        "{answers}"
    );
    assert!(
        answers["second"]
            .to_string()
            .contains("holds no unused journal intent"),
        "{answers}"
    );
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_tabs_and_windows_are_closed_before_their_first_request() {
    use axum::routing::get;
    use std::sync::{Arc, Mutex};
    let (scenario, _, _) = world();
    let sim = Simulator::start(scenario).await.unwrap();
    // The canary: a foreign origin that records every request it gets.
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let log = seen.clone();
    let canary = outlane_local_server::LocalServer::start(
        0,
        axum::Router::new().fallback(move |uri: axum::http::Uri| {
            let log = log.clone();
            async move {
                log.lock().unwrap().push(uri.to_string());
                "canary"
            }
        }),
        "canary",
    )
    .await
    .unwrap();
    let canary_url = format!("http://{}", canary.addr());
    // The page the lane may open: links and a button that open new tabs.
    let own: Arc<Mutex<Vec<String>>> = Arc::default();
    let own_log = own.clone();
    let html = format!(
        "<html><body>\
         <a id=\"blank\" href=\"{canary_url}/popup?leak=1\" target=\"_blank\">a new tab</a><br>\
         <button id=\"open\" onclick=\"window.open('{canary_url}/popup?leak=2')\">a window</button><br>\
         <a id=\"blank-same-origin\" href=\"/other\" target=\"_blank\">same origin, new tab</a>\
         </body></html>"
    );
    let pages = outlane_local_server::LocalServer::start(
        0,
        axum::Router::new()
            .route(
                "/page",
                get(move || {
                    let html = html.clone();
                    async move { axum::response::Html(html) }
                }),
            )
            .fallback(move |uri: axum::http::Uri| {
                let log = own_log.clone();
                async move {
                    log.lock().unwrap().push(uri.to_string());
                    "other"
                }
            }),
        "pages",
    )
    .await
    .unwrap();
    let pages_url = format!("http://{}", pages.addr());
    let config = format!("attack = \"popups\"\npage = \"{pages_url}/page\"");
    let host = browser_host(
        &sim,
        "{guest:fixture-hostile-browser}",
        "\"browser\"",
        &config,
        &format!(", \"{pages_url}\""),
    )
    .await;
    let answers = report(host.call("hostile").await);
    assert_eq!(
        seen.lock().unwrap().clone(),
        Vec::<String>::new(),
        "the canary got a request: {answers}"
    );
    let own_requests: Vec<String> = own
        .lock()
        .unwrap()
        .iter()
        .filter(|u| *u != "/favicon.ico")
        .cloned()
        .collect();
    assert_eq!(
        own_requests,
        Vec::<String>::new(),
        "a same-origin popup too: {answers}"
    );
    for t in answers["tries"].as_array().unwrap() {
        // The refusal reaches the lane with the click, or with its next operation.
        assert!(
            t.to_string().contains("popups are refused") && !t.to_string().contains("NotFound"),
            "the lane was told: {t}"
        );
    }
    canary.stop().await;
    pages.stop().await;
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lanes_never_reach_the_control_api() {
    let (scenario, _, _) = world();
    let password = scenario.viewer.password.clone();
    let sim = Simulator::start(scenario).await.unwrap();
    let host = browser_host(
        &sim,
        "{guest:fixture-hostile-browser}",
        "\"browser\"",
        "attack = \"control-api\"",
        "",
    )
    .await;
    let answers = report(host.call("hostile").await);
    for key in ["api_state", "api_dotted", "goto_state", "goto_scenario"] {
        let text = answers[key]["error"].as_str().unwrap_or_default();
        assert!(
            text.starts_with("Error::Denied(") && text.contains("control API"),
            "{key}: {answers}"
        );
    }
    assert!(
        !answers.to_string().contains(&password),
        "the password leaked: {answers}"
    );
    sim.stop().await;
}

// ---- shutdown ---------------------------------------------------------------------------

/// `outlane run` over a manifest with one lane that never returns (CPU and wall limits of an
/// hour), started in a data directory of its own. Returns the child and the directory.
fn daemon_in_an_endless_call() -> (std::process::Child, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("lanes.toml");
    std::fs::write(
        &manifest,
        outlane_tests::host::expand(
            &lane_entry(
                "spin",
                "{guest:fixture-spin}",
                "[lane.limits]\ncpu = \"1h\"\nwall = \"1h\"",
            ),
            dir.path(),
        ),
    )
    .unwrap();
    let config = dir.path().join("outlane.toml");
    std::fs::write(&config, "").unwrap();
    let log = std::fs::File::create(dir.path().join("daemon.log")).unwrap();
    let child = std::process::Command::new(outlane_tests::pipeline::outlane_bin())
        .arg("--data-dir")
        .arg(dir.path())
        .arg("--config")
        .arg(&config)
        .arg("run")
        .arg("--manifest")
        .arg(&manifest)
        .env("RUST_LOG", "info,outlane=debug")
        .stdin(std::process::Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap();
    // Wait until the endless call has started.
    let started = std::time::Instant::now();
    while !std::fs::read_to_string(dir.path().join("daemon.log"))
        .unwrap_or_default()
        .contains("call 1 starts")
    {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "the daemon never called"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    (child, dir)
}

fn sigterm(child: &std::process::Child) {
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Waits up to `limit` for `child` to exit; kills it and fails if it does not.
fn exits_within(
    child: &mut std::process::Child,
    limit: std::time::Duration,
    dir: &std::path::Path,
) -> std::process::ExitStatus {
    let started = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "the daemon did not exit within {limit:?}; its log:\n{}",
                std::fs::read_to_string(dir.join("daemon.log")).unwrap_or_default()
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

#[test]
fn a_call_that_does_not_end_cannot_hold_up_shutdown() {
    let (mut child, dir) = daemon_in_an_endless_call();
    sigterm(&child);
    // The grace is 10 s; a little more for the process to wind down.
    let status = exits_within(&mut child, std::time::Duration::from_secs(30), dir.path());
    assert!(status.success(), "{status}");
    let log = std::fs::read_to_string(dir.path().join("daemon.log")).unwrap();
    assert!(
        log.contains("did not finish within 10s of shutdown"),
        "{log}"
    );
}

#[test]
fn a_second_signal_stops_at_once() {
    let (mut child, dir) = daemon_in_an_endless_call();
    sigterm(&child);
    std::thread::sleep(std::time::Duration::from_millis(500));
    sigterm(&child);
    let status = exits_within(&mut child, std::time::Duration::from_secs(5), dir.path());
    assert_eq!(status.code(), Some(130), "{status}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_report_is_cut_and_lane_text_cannot_forge_a_log_line() {
    use outlane::clock::Clock;
    use outlane::daemon::{CallRecord, Daemon};
    let logs = outlane_tests::capture_logs();
    let host = TestHost::new(&hostile("big-report", "size = 20971520", "")).await;
    account_with_campaign(&host.db, "one@example.com", "pw");
    // Any hour of any day is working time for this account.
    host.db
        .call_blocking(|c| {
            c.execute(
                "UPDATE accounts SET work_start_min = 0, work_end_min = 1440, work_days = '1,2,3,4,5,6,7'",
                [],
            )
        })
        .unwrap();
    assert!(!host.registry.reload().await.has_errors());
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<CallRecord>();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(
        Daemon::new(host.registry.clone(), Clock::real(), stopped)
            .observe(tx)
            .run(),
    );
    let record = tokio::time::timeout(std::time::Duration::from_secs(60), rx.recv())
        .await
        .expect("no call within a minute")
        .unwrap();
    stop.send(true).unwrap();
    running.await.unwrap();
    let summary = match &record.outcome {
        CallOutcome::Worked(s) => s.clone(),
        other => panic!("{other}"),
    };
    assert!(
        summary.len() < 70 << 10,
        "kept {} bytes of the summary",
        summary.len()
    );
    assert!(summary.ends_with("more bytes cut)"), "says it was cut");
    let status = outlane::crm::lane_status::get(&host.db, "hostile")
        .unwrap()
        .unwrap();
    let stored = status.last_summary.unwrap_or_default();
    assert!(
        stored.chars().count() < 2100,
        "stored {} characters",
        stored.chars().count()
    );
    let text = logs.text();
    let ours: Vec<&str> = text.lines().filter(|l| l.contains("forged")).collect();
    assert!(!ours.is_empty(), "the lane's lines were logged");
    assert!(
        ours.iter().all(|l| l.contains("hostile")),
        "every line with the lane's text is tagged with the lane: a newline forged one: {ours:?}"
    );
    assert!(
        !text.lines().any(|l| l.starts_with("2026-12-02T10:00:00")),
        "a lane's newline started a log line of its own"
    );
}

// ---- clear errors -----------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_config_typo_is_a_load_error_pointing_at_the_manifest_line_and_key() {
    let good = lane_entry(
        "greeter",
        "{guest:fixture-hello}",
        "[lane.config]\npause_ms = 0\ngreeting = \"hello\"",
    );
    let host = TestHost::new(&good).await;
    assert!(!host.registry.reload().await.has_errors());
    // A typo in the value's type: the lane is refused at load, not at its first call...
    host.write_manifest(&good.replace("greeting = \"hello\"", "greeting = 5"));
    let report = host.registry.reload().await;
    let (_, error) = report
        .failed
        .first()
        .expect("the typo must be a load error");
    let at = format!(
        "{}:8: lane `greeter`: [lane.config] key `greeting`: invalid type",
        host.dir.path().join("lanes.toml").display()
    );
    assert!(error.contains(&at), "{error}");
    assert!(
        !error.contains("column"),
        "no position in the host's JSON: {error}"
    );
    // ...and the version loaded before keeps running.
    match host.call("greeter").await {
        CallOutcome::Worked(summary) => assert!(summary.contains("hello"), "{summary}"),
        other => panic!("{other}"),
    }
    // `lanes check` says so with exit code 2.
    let manifest = host.dir.path().join("lanes.toml");
    let out = outlane(
        &["lanes", "check", manifest.to_str().unwrap()],
        host.dir.path(),
    );
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("key `greeting`"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_describe_that_runs_too_long_names_its_fixed_limit() {
    let host = TestHost::new(&lane_entry("slow", "{guest:fixture-slow-describe}", "")).await;
    let report = host.registry.reload().await;
    let (_, why) = report.failed.first().expect("the lane must not load");
    assert!(
        why.contains("describe()") && why.contains("fixed limit"),
        "{why}"
    );
    assert!(
        !why.contains("(limits.cpu)") && !why.contains("(limits.wall)"),
        "{why}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_campaigns_intent_and_a_missing_one_get_the_same_answer() {
    use outlane::crm::{Action, Stage, campaigns, journal, leads, pipeline};
    use outlane_linkedin::ProfileId;
    let host = TestHost::new(&hostile("finish-foreign", "lead = 0", "")).await;
    let (account, a) = account_with_campaign(&host.db, "one@example.com", "pw");
    let b = add_campaign(&host.db, account, "Campaign B");
    let intent = host
        .db
        .write_blocking(move |tx| {
            let (id, _) = leads::ensure(tx, &ProfileId::Vanity("someone".into()), 0)?;
            pipeline::attach(tx, b, id, "test", 0)?;
            let profile = serde_json::json!({ "public_identifier": "someone" });
            leads::save_profile(tx, id, &profile.to_string(), None, None, "test", 0)?;
            pipeline::set_stage(tx, b, id, Stage::Qualified, "test", "test", 0)?;
            let campaign = campaigns::get(tx, b)?;
            journal::begin(tx, &campaign, id, Action::Invite, "", "test", 0)
        })
        .unwrap();
    host.write_manifest(&hostile("finish-foreign", &format!("lead = {intent}"), ""));
    assert!(!host.registry.reload().await.has_errors());
    let answers = report(host.call_for("hostile", Some(a)).await);
    let theirs = answers["theirs"]["error"]
        .as_str()
        .unwrap_or_default()
        .replace(&intent.to_string(), "N");
    let missing = answers["missing"]["error"]
        .as_str()
        .unwrap_or_default()
        .replace("987654321", "N");
    assert!(theirs.starts_with("Error::NotFound("), "{answers}");
    assert_eq!(theirs, missing, "the answers tell the ids apart");
    let open = host
        .db
        .read_outside_tx_blocking(move |c| journal::open(c, b, Action::Invite))
        .unwrap();
    assert_eq!(open.len(), 1, "B's intent is still open");
}

fn outlane(args: &[&str], dir: &std::path::Path) -> std::process::Output {
    std::process::Command::new(outlane_tests::pipeline::outlane_bin())
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn bad_input_exits_2_with_a_message_a_person_can_act_on() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("outlane.toml");
    std::fs::write(&config, "[browser]\ntimeout = \"soon\"\n").unwrap();
    let out = outlane(
        &["--config", config.to_str().unwrap(), "run", "--for", "1s"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("outlane.toml:2") && err.contains("soon"),
        "{err}"
    );

    let elf = dir.path().join("lane.wasm");
    let binary = std::fs::read(outlane_tests::pipeline::outlane_bin()).unwrap();
    std::fs::write(&elf, &binary[..4096]).unwrap();
    let manifest = dir.path().join("lanes.toml");
    std::fs::write(
        &manifest,
        "[[lane]]\nname = \"x\"\ncomponent = \"lane.wasm\"\nkind = \"major\"\nevery = \"1s\"\n",
    )
    .unwrap();
    let out = outlane(&["lanes", "check", manifest.to_str().unwrap()], dir.path());
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("not a WebAssembly component") && text.contains("7f 45 4c 46"),
        "{text}"
    );
    assert!(!text.contains("[127, 69"), "no byte arrays: {text}");

    // A FIFO as the component: refused at once, not waited on.
    let fifo = dir.path().join("fifo.wasm");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    std::fs::write(
        &manifest,
        "[[lane]]\nname = \"x\"\ncomponent = \"fifo.wasm\"\nkind = \"major\"\nevery = \"1s\"\n",
    )
    .unwrap();
    let out = outlane(&["lanes", "check", manifest.to_str().unwrap()], dir.path());
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("FIFO")
            || String::from_utf8_lossy(&out.stderr).contains("FIFO"),
        "{out:?}"
    );

    // /dev/zero as an import file, and a stream of zeros on standard input.
    let out = outlane(&["leads", "import", "/dev/zero"], dir.path());
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("a device"),
        "{out:?}"
    );
}

#[test]
fn the_data_directory_and_the_database_are_private() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = outlane(&["status"], &data);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(outlane::files::mode_of(&data).unwrap(), 0o700);
    for file in ["outlane.db", "outlane.db-wal", "outlane.db-shm"] {
        let path = data.join(file);
        if path.exists() {
            assert_eq!(outlane::files::mode_of(&path).unwrap(), 0o600, "{file}");
        }
    }
    // A database left readable by an older Outlane is made private at the next start.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(
        data.join("outlane.db"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert!(outlane(&["status"], &data).status.success());
    assert_eq!(outlane::files::mode_of(&data).unwrap(), 0o700);
    assert_eq!(
        outlane::files::mode_of(&data.join("outlane.db")).unwrap(),
        0o600
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_daemon_killed_with_sigkill_leaves_no_browser_behind() {
    use outlane::demo::DemoOptions;
    use outlane_tests::pipeline::Pipeline;
    let mut p = Pipeline::start(DemoOptions::default()).await.unwrap();
    p.start_daemon().unwrap();
    p.wait_until(
        "the browser to start",
        std::time::Duration::from_secs(120),
        |p| p.log().contains("browser started"),
    )
    .await
    .unwrap();
    let profile = p.dir.path().join("browser");
    let ours = |profile: &std::path::Path| -> Vec<u32> {
        let Ok(procs) = std::fs::read_dir("/proc") else {
            return Vec::new();
        };
        procs
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
            .filter(|pid| {
                std::fs::read(format!("/proc/{pid}/cmdline"))
                    .map(|c| String::from_utf8_lossy(&c).contains(&*profile.to_string_lossy()))
                    .unwrap_or(false)
            })
            .collect()
    };
    assert!(!ours(&profile).is_empty(), "the browser runs");
    p.kill9().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while !ours(&profile).is_empty() && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        ours(&profile),
        Vec::<u32>::new(),
        "Chromium outlived its daemon"
    );
}

#[test]
fn the_do_not_contact_list_is_kept_from_the_cli_and_imports_skip_whom_it_names() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let list = dir.path().join("dnc.txt");
    std::fs::write(
        &list,
        "# people who asked\nhttps://www.linkedin.com/in/Jane-Doe/?trk=x\nacme\ncompany:Globex\nkeyword:\n",
    )
    .unwrap();
    let out = outlane(
        &["dnc", "import", list.to_str().unwrap(), "--reason", "asked"],
        &data,
    );
    assert!(out.status.success(), "{out:?}");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(
        stderr.contains("dnc.txt:3: skipped:") && stderr.contains("company:NAME"),
        "{stderr}"
    );
    assert!(stderr.contains("dnc.txt:5: skipped:"), "{stderr}");
    assert!(
        stdout.contains("Added 2 do-not-contact entries"),
        "{stdout}"
    );

    let csv = dir.path().join("dnc.csv");
    std::fs::write(
        &csv,
        "url,company,reason\n,Initech,competitor\nnot a url,,\n",
    )
    .unwrap();
    let out = outlane(&["dnc", "import", csv.to_str().unwrap()], &data);
    assert!(out.status.success(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("dnc.csv:3: skipped:"),
        "{out:?}"
    );

    let out = outlane(&["dnc", "add", "acme"], &data);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("keyword:TEXT"),
        "{out:?}"
    );
    let out = outlane(
        &["dnc", "add", "keyword:recruiter", "--campaign", "nope"],
        &data,
    );
    assert_eq!(out.status.code(), Some(2), "{out:?}");

    let out = outlane(&["dnc", "list", "--json"], &data);
    assert!(out.status.success(), "{out:?}");
    let entries: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let listed: Vec<(String, String, String)> = entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap().to_string(),
                e["value"].as_str().unwrap().to_string(),
                e["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            ("person".into(), "jane-doe".into(), "asked".into()),
            ("company".into(), "globex".into(), "asked".into()),
            ("company".into(), "initech".into(), "competitor".into()),
        ]
    );

    // An import of leads skips the listed person, saying why.
    let people = dir.path().join("people.txt");
    std::fs::write(
        &people,
        "https://www.linkedin.com/in/jane-doe/\nhttps://www.linkedin.com/in/john-roe/\n",
    )
    .unwrap();
    let out = outlane(&["leads", "import", people.to_str().unwrap()], &data);
    assert!(out.status.success(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("people.txt:1: skipped: do not contact: person jane-doe"),
        "{out:?}"
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("1 new lead(s)")
            && String::from_utf8_lossy(&out.stdout)
                .contains("1 of them on the do-not-contact list"),
        "{out:?}"
    );

    let first = entries[0]["id"].as_u64().unwrap().to_string();
    let out = outlane(&["dnc", "remove", &first], &data);
    assert!(out.status.success(), "{out:?}");
    let out = outlane(&["dnc", "remove", &first], &data);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
}

#[test]
fn a_person_forgotten_from_the_cli_is_gone_from_the_bytes_and_never_imported_again() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let people = dir.path().join("people.csv");
    std::fs::write(
        &people,
        "url,name,headline\nhttps://www.linkedin.com/in/ottoline-vexley/,Ottoline Vexley,Head of Quasar Research\nhttps://www.linkedin.com/in/kept-one/,Kept One,CTO\n",
    )
    .unwrap();
    assert!(
        outlane(&["leads", "import", people.to_str().unwrap()], &data)
            .status
            .success()
    );
    let url = "linkedin.com/in/Ottoline-Vexley?trk=x";
    // Without a terminal it does not ask: it wants --yes.
    let out = outlane(&["leads", "forget", url], &data);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--yes"),
        "{out:?}"
    );
    let out = outlane(&["leads", "forget", url, "--yes"], &data);
    assert!(out.status.success(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Forgot Ottoline Vexley"),
        "{out:?}"
    );

    let mut bytes = std::fs::read(data.join("outlane.db")).unwrap();
    bytes.extend(std::fs::read(data.join("outlane.db-wal")).unwrap_or_default());
    for needle in ["Ottoline", "Vexley", "ottoline-vexley", "Quasar"] {
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
            "{needle} is still in the database file or its WAL"
        );
    }
    assert!(
        bytes.windows(8).any(|w| w == b"kept-one"),
        "the other lead is kept"
    );

    let out = outlane(
        &[
            "leads",
            "show",
            "https://www.linkedin.com/in/ottoline-vexley/",
        ],
        &data,
    );
    assert!(out.status.success(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("was erased at the person's request"),
        "{out:?}"
    );
    let out = outlane(&["leads", "import", people.to_str().unwrap()], &data);
    assert!(out.status.success(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("people.csv:2: skipped: this person was erased"),
        "{out:?}"
    );
    let out = outlane(&["leads", "forget", url, "--yes"], &data);
    assert!(
        out.status.success() && String::from_utf8_lossy(&out.stdout).contains("was erased"),
        "{out:?}"
    );
}

#[test]
fn an_export_counts_what_status_counts_and_writes_the_file_only_when_complete() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    {
        let db = outlane::crm::Db::open(&data.join("outlane.db")).unwrap();
        outlane_tests::large::fill(&db, 1000, 1_795_428_000_000).unwrap();
    }
    let status = outlane(&["status", "--json"], &data);
    assert!(status.status.success(), "{status:?}");
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    let funnel: std::collections::BTreeMap<String, u64> = status["campaigns"][0]["funnel"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["stage"].as_str().unwrap().to_string(),
                s["count"].as_u64().unwrap(),
            )
        })
        .filter(|(_, n)| *n > 0)
        .collect();

    let file = dir.path().join("deals.jsonl");
    let out = outlane(
        &[
            "export",
            "deals",
            "--format",
            "jsonl",
            "-o",
            file.to_str().unwrap(),
        ],
        &data,
    );
    assert!(out.status.success(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Exported 1000 row(s)"),
        "{out:?}"
    );
    assert_eq!(
        outlane::files::mode_of(&file).unwrap(),
        0o600,
        "personal data stays private"
    );
    let mut exported = std::collections::BTreeMap::<String, u64>::new();
    for line in std::fs::read_to_string(&file).unwrap().lines() {
        let row: serde_json::Value = serde_json::from_str(line).unwrap();
        *exported
            .entry(row["stage"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    assert_eq!(
        exported, funnel,
        "the export's stages are the funnel of `status`"
    );
    assert!(!dir.path().join("deals.jsonl.partial").exists());

    let out = outlane(&["export", "leads", "--campaign", "Large"], &data);
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("lead_id,public_id,member_id,url,"),
        "{}",
        &text[..80]
    );
    assert_eq!(text.lines().count(), 1001, "a header and one row per lead");
    let out = outlane(&["export", "journal", "--format", "jsonl"], &data);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).lines().count(),
        100,
        "one invitation per tenth lead"
    );
    let out = outlane(&["export", "training-set", "--format", "jsonl"], &data);
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 100);
    let first: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&out.stdout).lines().next().unwrap()).unwrap();
    assert_eq!(
        first["accepted"], 0,
        "unanswered for far more than a week: {first}"
    );

    for bad in [
        &["export", "leads", "--since", "last week"][..],
        &["export", "leads", "--campaign", "nope"],
        &["export", "everything"],
    ] {
        assert_eq!(outlane(bad, &data).status.code(), Some(2), "{bad:?}");
    }
}

/// The systemd unit of docs/deploy: systemd's own offline check passes (this machine has no
/// systemd running to start it), and the credential it hands over is the one the daemon reads.
#[test]
fn the_systemd_unit_verifies_and_its_credential_unseals_the_password() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let unit = std::fs::read_to_string(root.join("docs/deploy/outlane.service")).unwrap();
    assert!(
        unit.contains("ExecStart=%h/.local/bin/outlane run"),
        "{unit}"
    );
    assert!(
        unit.contains(&format!(
            "LoadCredential={}:",
            outlane::crm::secret::PASSPHRASE_CREDENTIAL
        )),
        "the unit hands over the credential the daemon reads"
    );
    let dir = tempfile::tempdir().unwrap();
    let bin = outlane_tests::pipeline::outlane_bin();
    let local = dir.path().join("outlane.service");
    std::fs::write(
        &local,
        unit.replace("%h/.local/bin/outlane", &bin.display().to_string()),
    )
    .unwrap();
    let verify = std::process::Command::new("systemd-analyze")
        .arg("verify")
        .arg(&local)
        .output()
        .expect("systemd-analyze (package systemd) checks the unit");
    assert!(
        verify.status.success() && verify.stderr.is_empty(),
        "systemd-analyze verify: {}",
        String::from_utf8_lossy(&verify.stderr)
    );

    // As systemd runs it: no passphrase in the environment, the credential in
    // $CREDENTIALS_DIRECTORY.
    let data = dir.path().join("data");
    let creds = dir.path().join("credentials");
    std::fs::create_dir_all(&creds).unwrap();
    std::fs::write(
        creds.join(outlane::crm::secret::PASSPHRASE_CREDENTIAL),
        "credential passphrase\n",
    )
    .unwrap();
    assert!(
        outlane(&["accounts", "add", "me@example.com"], &data)
            .status
            .success()
    );
    let set = std::process::Command::new(&bin)
        .arg("--data-dir")
        .arg(&data)
        .args(["accounts", "set-password", "me@example.com"])
        .env_remove(outlane::crm::secret::PASSPHRASE_ENV)
        .env_remove(outlane::crm::secret::PASSPHRASE_FILE_ENV)
        .env("CREDENTIALS_DIRECTORY", &creds)
        .env("OUTLANE_LINKEDIN_PASSWORD", "linkedin-pw")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(set.status.success(), "{set:?}");
    let db = outlane::crm::Db::open(&data.join("outlane.db")).unwrap();
    let password = db
        .read_outside_tx_blocking(|c| {
            let account = outlane::crm::accounts::find(c, "me@example.com")?;
            outlane::crm::accounts::password(c, account.id, "credential passphrase")
        })
        .unwrap();
    assert_eq!(password.as_str(), "linkedin-pw");
    // Without any passphrase it says every way to give one.
    let none = std::process::Command::new(&bin)
        .arg("--data-dir")
        .arg(&data)
        .args(["accounts", "set-password", "me@example.com"])
        .env_remove(outlane::crm::secret::PASSPHRASE_ENV)
        .env_remove(outlane::crm::secret::PASSPHRASE_FILE_ENV)
        .env_remove("CREDENTIALS_DIRECTORY")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(none.status.code(), Some(2), "{none:?}");
    assert!(
        String::from_utf8_lossy(&none.stderr).contains("OUTLANE_PASSPHRASE_FILE"),
        "{none:?}"
    );
}
