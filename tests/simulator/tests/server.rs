//! A real listener: the `Simulator` handle, the control API over HTTP and the request log.

mod common;

use common::small;
use outlane_local_server::raw_http;
use outlane_simulator::{Fault, FaultKind, RelationshipState, Simulator, Snapshot};
use serde_json::{Value, json};

async fn http(
    sim: &Simulator,
    method: &str,
    path: &str,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
) -> (u16, Vec<(String, String)>, String) {
    let addr = sim.addr();
    let method = method.to_string();
    let path = path.to_string();
    tokio::task::spawn_blocking(move || {
        let h: Vec<(&str, &str)> = headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        raw_http(addr, &method, &path, &h, &body)
    })
    .await
    .expect("client thread")
}

async fn control(sim: &Simulator, method: &str, path: &str, body: Value) -> (u16, Value) {
    let bytes = if body.is_null() {
        Vec::new()
    } else {
        body.to_string().into_bytes()
    };
    let (status, _, text) = http(sim, method, path, Vec::new(), bytes).await;
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Logs in over HTTP; returns the Cookie header value and the csrf token.
async fn login(sim: &Simulator) -> (String, String) {
    let body = "session_key=sam.carter%40example.com&session_password=correct-horse-battery";
    let (status, headers, _) = http(
        sim,
        "POST",
        "/checkpoint/lg/login-submit",
        vec![(
            "Content-Type".into(),
            "application/x-www-form-urlencoded".into(),
        )],
        body.as_bytes().to_vec(),
    )
    .await;
    assert_eq!(status, 302);
    let pairs: Vec<String> = headers
        .iter()
        .filter(|(k, _)| k == "set-cookie")
        .filter_map(|(_, v)| v.split(';').next().map(str::to_string))
        .collect();
    let csrf = pairs
        .iter()
        .find_map(|p| p.strip_prefix("JSESSIONID="))
        .map(|v| v.trim_matches('"').to_string())
        .expect("JSESSIONID");
    (pairs.join("; "), csrf)
}

#[tokio::test]
async fn start_serve_and_stop() {
    let sim = Simulator::start(small()).await.expect("starts");
    let url = sim.base_url();
    assert!(url.starts_with("http://127.0.0.1:"));
    assert_ne!(sim.addr().port(), 0);
    let (status, headers, body) = http(&sim, "GET", "/login", Vec::new(), Vec::new()).await;
    assert_eq!(status, 200);
    assert!(
        headers
            .iter()
            .any(|(k, v)| k == "content-type" && v.starts_with("text/html"))
    );
    assert!(body.contains("id=\"username\""));
    let addr = sim.addr();
    sim.stop().await;
    let refused = tokio::task::spawn_blocking(move || std::net::TcpStream::connect(addr).is_err())
        .await
        .expect("thread");
    assert!(refused, "listener closed after stop");
}

#[tokio::test]
async fn start_on_a_given_port() {
    let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("probe");
    let port = probe.local_addr().expect("addr").port();
    drop(probe);
    let sim = Simulator::start_on(port, small()).await.expect("starts");
    assert_eq!(sim.base_url(), format!("http://127.0.0.1:{port}"));
    sim.stop().await;
}

#[tokio::test]
async fn rust_api_mirrors_state() {
    let sim = Simulator::start(small()).await.expect("starts");
    let (cookie, csrf) = login(&sim).await;
    let (status, _, _) = http(
        &sim,
        "POST",
        "/__sim/ui/invite",
        vec![
            ("Cookie".into(), cookie.clone()),
            ("csrf-token".into(), csrf.clone()),
            ("Content-Type".into(), "application/json".into()),
        ],
        br#"{"handle":"ana-ribeiro","note":"Hi"}"#.to_vec(),
    )
    .await;
    assert_eq!(status, 200);
    let snap = sim.snapshot();
    assert_eq!(
        snap.relationships["ana-ribeiro"],
        RelationshipState::Pending
    );
    assert_eq!(snap.invitations[0].note.as_deref(), Some("Hi"));
    assert_eq!(snap.sessions, 1);
    assert!(sim.accept("ana-ribeiro"));
    assert!(!sim.accept("ana-ribeiro"));
    assert_eq!(
        sim.snapshot().relationships["ana-ribeiro"],
        RelationshipState::Connected
    );
    assert!(sim.withdraw("iris-jansen"));
    assert!(!sim.decline("iris-jansen"));
    sim.expire_sessions();
    assert_eq!(sim.snapshot().sessions, 0);
    let before = sim.now_ms();
    sim.advance_clock(10_000);
    assert!(sim.now_ms() >= before + 10_000);
    sim.add_fault(Fault::times(FaultKind::RateLimitPage, 1));
    assert_eq!(sim.snapshot().faults.len(), 1);
    sim.clear_faults();
    assert!(sim.snapshot().faults.is_empty());
    sim.reset(small());
    let snap = sim.snapshot();
    assert!(snap.invitations.is_empty());
    assert_eq!(snap.sessions, 0);
    assert!(sim.requests().is_empty());
    assert_eq!(sim.scenario().people.len(), 13);
    sim.stop().await;
}

#[tokio::test]
async fn control_api_over_http() {
    let sim = Simulator::start(small()).await.expect("starts");
    let (status, state) = control(&sim, "GET", "/__sim/state", Value::Null).await;
    assert_eq!(status, 200);
    let snap: Snapshot = serde_json::from_value(state).expect("snapshot deserialises");
    assert_eq!(
        snap.relationships["iris-jansen"],
        RelationshipState::Pending
    );

    let (status, v) = control(
        &sim,
        "POST",
        "/__sim/people/iris-jansen/accept",
        Value::Null,
    )
    .await;
    assert_eq!((status, v["ok"].clone()), (200, json!(true)));
    let (status, _) = control(
        &sim,
        "POST",
        "/__sim/people/iris-jansen/decline",
        Value::Null,
    )
    .await;
    assert_eq!(status, 409);
    let (status, _) = control(
        &sim,
        "POST",
        "/__sim/people/iris-jansen/explode",
        Value::Null,
    )
    .await;
    assert_eq!(status, 400);

    let (status, _) = control(
        &sim,
        "POST",
        "/__sim/faults",
        json!({"kind": "voyager_status", "status": 429, "times": 2}),
    )
    .await;
    assert_eq!(status, 200);
    let (_, faults) = control(&sim, "GET", "/__sim/faults", Value::Null).await;
    assert_eq!(faults[0]["kind"], "voyager_status");
    assert_eq!(faults[0]["times"], 2);
    let (status, _) = control(&sim, "POST", "/__sim/faults", json!({"kind": "nonsense"})).await;
    assert_eq!(status, 400);
    let (status, _) = control(&sim, "DELETE", "/__sim/faults", Value::Null).await;
    assert_eq!(status, 200);
    assert!(sim.snapshot().faults.is_empty());

    let before = sim.now_ms();
    let (_, v) = control(&sim, "POST", "/__sim/clock/advance", json!({"ms": 60000})).await;
    assert!(v["now_ms"].as_u64().unwrap_or(0) >= before + 60_000);

    let (cookie, _) = login(&sim).await;
    assert_eq!(sim.snapshot().sessions, 1);
    let (status, _) = control(&sim, "POST", "/__sim/session/expire", Value::Null).await;
    assert_eq!(status, 200);
    assert_eq!(sim.snapshot().sessions, 0);
    let (status, headers, _) = http(
        &sim,
        "GET",
        "/feed/",
        vec![("Cookie".into(), cookie)],
        Vec::new(),
    )
    .await;
    assert_eq!(status, 302);
    assert!(
        headers
            .iter()
            .any(|(k, v)| k == "location" && v.starts_with("/login?session_redirect="))
    );

    let (_, v) = control(&sim, "POST", "/__sim/checkpoint/solve", Value::Null).await;
    assert_eq!(v["ok"], false, "nothing to solve");

    let (status, scenario) = control(&sim, "GET", "/__sim/scenario", Value::Null).await;
    assert_eq!(status, 200);
    assert_eq!(scenario["viewer"]["handle"], "sam-carter");

    let mut fresh = small();
    fresh.weekly_limit = Some(1);
    let (status, _) = control(
        &sim,
        "POST",
        "/__sim/reset",
        serde_json::to_value(&fresh).expect("json"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(sim.scenario().weekly_limit, Some(1));
    assert_eq!(
        sim.snapshot().relationships["iris-jansen"],
        RelationshipState::Pending
    );
    let (status, err) = control(&sim, "POST", "/__sim/reset", json!({"viewer": 1})).await;
    assert_eq!(status, 400);
    assert!(err["error"].is_string());
    sim.stop().await;
}

#[tokio::test]
async fn request_log_contents() {
    let sim = Simulator::start(small()).await.expect("starts");
    let (cookie, csrf) = login(&sim).await;
    http(
        &sim,
        "GET",
        "/in/ana-ribeiro/?trk=x",
        vec![
            ("Cookie".into(), cookie.clone()),
            ("Referer".into(), "http://127.0.0.1/feed/".into()),
            ("User-Agent".into(), "TestAgent/1.0".into()),
        ],
        Vec::new(),
    )
    .await;
    http(
        &sim,
        "GET",
        "/__sim/ui/typeahead?q=finn",
        vec![
            ("Cookie".into(), cookie.clone()),
            ("csrf-token".into(), csrf),
        ],
        Vec::new(),
    )
    .await;
    control(&sim, "GET", "/__sim/state", Value::Null).await;
    control(&sim, "GET", "/__sim/requests", Value::Null).await;
    let log = sim.requests();
    let paths: Vec<&str> = log.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(
        paths,
        vec![
            "/checkpoint/lg/login-submit",
            "/in/ana-ribeiro/",
            "/__sim/ui/typeahead"
        ],
        "control routes are not logged"
    );
    let login = &log[0];
    assert_eq!(login.method, "POST");
    assert!(login.cookies.is_empty());
    assert_eq!(login.status, Some(302));
    let page = &log[1];
    assert_eq!(page.query, "trk=x");
    assert_eq!(page.referer.as_deref(), Some("http://127.0.0.1/feed/"));
    assert_eq!(page.user_agent.as_deref(), Some("TestAgent/1.0"));
    assert!(page.cookies.iter().any(|c| c == "li_at"));
    assert!(page.cookies.iter().any(|c| c == "JSESSIONID"));
    assert!(page.cookies.iter().any(|c| c == "bcookie"));
    assert_eq!(page.status, Some(200));
    assert!(page.at_ms >= login.at_ms);
    assert!(log.windows(2).all(|w| w[0].id < w[1].id));
    let (_, over_http) = control(&sim, "GET", "/__sim/requests", Value::Null).await;
    assert_eq!(over_http.as_array().map(Vec::len), Some(3));
    let (status, _) = control(&sim, "DELETE", "/__sim/requests", Value::Null).await;
    assert_eq!(status, 200);
    assert!(sim.requests().is_empty());
    sim.stop().await;
}

#[tokio::test]
async fn login_and_voyager_over_a_real_socket() {
    let sim = Simulator::start(small()).await.expect("starts");
    let (cookie, csrf) = login(&sim).await;
    let path = "/voyager/api/identity/dash/profiles?decorationId=com.linkedin.voyager.dash.deco.identity.profile.FullProfileWithEntities-91&memberIdentity=me&q=memberIdentity";
    let (status, headers, body) = http(
        &sim,
        "GET",
        path,
        vec![("Cookie".into(), cookie), ("csrf-token".into(), csrf)],
        Vec::new(),
    )
    .await;
    assert_eq!(status, 200);
    assert!(headers.iter().any(|(k, v)| k == "content-type"
        && v == "application/vnd.linkedin.normalized+json+2.1; charset=UTF-8"));
    let v: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(v["data"]["*elements"].as_array().map(Vec::len), Some(1));
    sim.stop().await;
}
