//! The `http` capability end to end: a real WASM lane sends requests through the host to a
//! local receiver; every promise of the allow-list is checked from the receiver's side too.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use outlane::runtime::CallOutcome;
use outlane_tests::host::{TestHost, lane_entry};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The secret the lane names `hook-token`; the daemon's environment holds it.
const SECRET: &str = "s3cr3t-value-for-the-receiver-only";
const SECRET_VAR: &str = "OUTLANE_TEST_HTTP_HOOK_TOKEN";

#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<String>>>);

async fn hook(State(seen): State<Seen>, headers: HeaderMap, body: String) -> impl IntoResponse {
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    seen.0.lock().unwrap().push(format!("{auth} {body}"));
    (StatusCode::ACCEPTED, "stored")
}

async fn start_receiver(seen: Seen) -> outlane_local_server::LocalServer {
    let app = axum::Router::new()
        .route("/ok", get(|| async { "fine" }))
        .route("/hook", post(hook))
        .route(
            "/hop",
            get(|| async { (StatusCode::FOUND, [(header::LOCATION, "/ok")]) }),
        )
        .route(
            "/out",
            get(|| async {
                (
                    StatusCode::FOUND,
                    [(header::LOCATION, "http://localhost:9/ok")],
                )
            }),
        )
        .route(
            "/to-linkedin",
            get(|| async {
                (
                    StatusCode::FOUND,
                    [(header::LOCATION, "https://www.linkedin.com/feed/")],
                )
            }),
        )
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                "late"
            }),
        )
        .route("/huge", get(|| async { "x".repeat(3 << 20) }))
        .with_state(seen);
    outlane_local_server::LocalServer::start(0, app, "http-receiver")
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lane_reaches_only_allowed_origins_and_never_sees_its_secret() {
    let logs = outlane_tests::capture_logs();
    // SAFETY: set once, before the host reads it; no other test reads or writes this name.
    unsafe { std::env::set_var(SECRET_VAR, SECRET) };
    let seen = Seen::default();
    let server = start_receiver(seen.clone()).await;
    let base = format!("http://{}", server.addr());
    let urls = [
        format!("{base}/ok"),
        format!("{base}/hop"),
        format!("{base}/out"),
        format!("{base}/to-linkedin"),
        format!("{base}/slow"),
        format!("{base}/huge"),
        "https://www.linkedin.com/voyager/api/me".to_string(),
        "http://127.0.0.2:9/ok".to_string(),
        "file:///etc/passwd".to_string(),
        "data:text/plain,hello".to_string(),
    ];
    let extra = format!(
        "grants = [\"crm\", \"qualifier\", \"browser\", \"http\"]\n\
         [lane.browser]\norigins = [\"https://www.linkedin.com\"]\n\
         [lane.http]\norigins = [\"{base}\"]\nsecrets = {{ hook-token = \"{SECRET_VAR}\" }}\n\
         timeout = \"1s\"\nmax_response = \"4KiB\"\nper_minute = 12\n\
         [lane.config]\nattack = \"http\"\nurls = {urls:?}\npost = [\"{base}/hook\", \"hook-token\"]\n"
    );
    let host = TestHost::new(&lane_entry("hostile", "{guest:fixture-hostile}", &extra)).await;
    assert!(!host.registry.reload().await.has_errors());
    let summary = match host.call("hostile").await {
        CallOutcome::Worked(s) => s,
        other => panic!("the lane did not finish: {other}"),
    };
    let r: serde_json::Value = serde_json::from_str(&summary).unwrap();
    let gets = r["gets"].as_array().unwrap();
    let error = |i: usize| gets[i]["error"].as_str().unwrap_or_default().to_string();
    assert_eq!(
        (gets[0]["status"].as_u64(), gets[0]["body"].as_str()),
        (Some(200), Some("fine"))
    );
    assert_eq!(
        gets[1]["body"], "fine",
        "a redirect inside the allow-list is followed"
    );
    assert!(
        error(2).contains("Denied") && error(2).contains("http://localhost:9"),
        "{}",
        gets[2]
    );
    assert!(
        error(3).contains("Denied") && error(3).contains("LinkedIn"),
        "{}",
        gets[3]
    );
    assert!(
        error(4).contains("Transient"),
        "a slow server times out: {}",
        gets[4]
    );
    assert_eq!(
        (
            gets[5]["status"].as_u64(),
            gets[5]["len"].as_u64(),
            gets[5]["truncated"].as_bool()
        ),
        (Some(200), Some(4096), Some(true)),
        "a huge response is cut at max_response"
    );
    assert!(
        error(6).contains("Denied") && error(6).contains("LinkedIn"),
        "{}",
        gets[6]
    );
    assert!(
        error(7).contains("Denied") && error(7).contains("[lane.http]"),
        "{}",
        gets[7]
    );
    assert!(
        error(8).contains("Denied") && error(8).contains("http(s)"),
        "{}",
        gets[8]
    );
    assert!(
        error(9).contains("Denied") && error(9).contains("http(s)"),
        "{}",
        gets[9]
    );
    assert_eq!(r["posted"]["status"], 202, "{}", r["posted"]);
    // The receiver got the secret; the lane's view and the logs never had it.
    let received = seen.0.lock().unwrap().clone();
    assert_eq!(received.len(), 1);
    assert!(received[0].starts_with(SECRET) && received[0].contains("\"event\":\"connected\""));
    assert!(
        !summary.contains(SECRET),
        "the lane saw the secret: {summary}"
    );
    assert!(!logs.text().contains(SECRET), "the secret reached the log");

    // Past per_minute (12: this call sent 7 that counted), the next requests are refused.
    let again = match host.call("hostile").await {
        CallOutcome::Worked(s) => serde_json::from_str::<serde_json::Value>(&s).unwrap(),
        other => panic!("the lane did not finish: {other}"),
    };
    let limited = again["gets"]
        .as_array()
        .unwrap()
        .iter()
        .chain(std::iter::once(&again["posted"]))
        .filter(|a| {
            a["error"]
                .as_str()
                .is_some_and(|e| e.contains("RateLimited"))
        })
        .count();
    assert!(limited >= 1, "nothing was rate-limited: {again}");
    assert_eq!(
        seen.0.lock().unwrap().len(),
        1,
        "the limited POST never left"
    );
    server.stop().await;
}
