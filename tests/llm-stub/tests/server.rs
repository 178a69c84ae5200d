//! A real listener: the `LlmStub` handle, chat completions and the control API over TCP, a
//! timeout fault seen by a client, and shutdown.

mod common;

use std::time::{Duration, Instant};

use common::qualify_body;
use outlane_llm_stub::{Fault, FaultKind, LlmStub, QualifyRule, StubConfig};
use outlane_local_server::raw_http;
use serde_json::{Value, json};

async fn http(
    stub: &LlmStub,
    method: &str,
    path: &str,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
) -> (u16, Vec<(String, String)>, String) {
    let addr = stub.addr();
    let (method, path) = (method.to_string(), path.to_string());
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

fn bearer(key: &str) -> Vec<(String, String)> {
    vec![
        ("Authorization".into(), format!("Bearer {key}")),
        ("Content-Type".into(), "application/json".into()),
    ]
}

#[tokio::test]
async fn serves_chat_completions_and_the_control_api_over_tcp() {
    let stub = LlmStub::start(
        StubConfig::default()
            .with_api_key("sk-live")
            .with_rule(QualifyRule::new(&["cto"], &[])),
    )
    .await
    .expect("starts");
    let url = stub.base_url();
    assert!(
        url.starts_with("http://127.0.0.1:") && url.ends_with("/v1"),
        "{url}"
    );
    assert_ne!(stub.addr().port(), 0);

    let body = qualify_body("CTO at Acme").to_string().into_bytes();
    let (status, headers, text) = http(
        &stub,
        "POST",
        "/v1/chat/completions",
        bearer("sk-live"),
        body.clone(),
    )
    .await;
    assert_eq!(status, 200, "{text}");
    assert!(
        headers
            .iter()
            .any(|(k, v)| k == "content-type" && v.starts_with("application/json"))
    );
    let v: Value = serde_json::from_str(&text).expect("json");
    let content: Value = serde_json::from_str(
        v["choices"][0]["message"]["content"]
            .as_str()
            .expect("content"),
    )
    .expect("content json");
    assert_eq!(content["qualified"], json!(true));

    let (status, _, _) = http(
        &stub,
        "POST",
        "/v1/chat/completions",
        bearer("nope"),
        body.clone(),
    )
    .await;
    assert_eq!(status, 401);

    // Control API over HTTP: change the rule, add a 429, read the log.
    let (status, _, _) = http(
        &stub,
        "PUT",
        "/__stub/rule",
        Vec::new(),
        json!({"keywords_any": ["founder"]})
            .to_string()
            .into_bytes(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(stub.rule(), QualifyRule::new(&["founder"], &[]));
    stub.add_fault(Fault::times(
        FaultKind::Status {
            code: 429,
            retry_after: Some(2),
        },
        1,
    ));
    let (status, headers, _) = http(
        &stub,
        "POST",
        "/v1/chat/completions",
        bearer("sk-live"),
        body.clone(),
    )
    .await;
    assert_eq!(status, 429);
    assert!(headers.iter().any(|(k, v)| k == "retry-after" && v == "2"));
    let (_, _, text) = http(
        &stub,
        "POST",
        "/v1/chat/completions",
        bearer("sk-live"),
        body.clone(),
    )
    .await;
    let v: Value = serde_json::from_str(&text).expect("json");
    assert!(
        v["choices"][0]["message"]["content"]
            .as_str()
            .unwrap_or("")
            .contains("\"qualified\":false")
    );

    assert_eq!(stub.calls(), 4);
    assert!(stub.tokens() > 0);
    let (_, _, text) = http(&stub, "GET", "/__stub/requests", Vec::new(), Vec::new()).await;
    let log: Vec<outlane_llm_stub::LoggedRequest> = serde_json::from_str(&text).expect("log");
    assert_eq!(
        log.iter().map(|r| r.status).collect::<Vec<_>>(),
        stub.requests().iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert_eq!(
        log.iter().filter_map(|r| r.status).collect::<Vec<_>>(),
        [200, 401, 429, 200]
    );

    let addr = stub.addr();
    stub.stop().await;
    assert!(std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_err());
}

#[tokio::test]
async fn a_client_timeout_sees_the_delay() {
    let stub = LlmStub::start(StubConfig {
        faults: vec![Fault::times(FaultKind::Timeout { ms: 400 }, 1)],
        ..StubConfig::default()
    })
    .await
    .expect("starts");
    let addr = stub.addr();
    let body = qualify_body("CTO").to_string();
    // A client with a 150 ms read timeout gives up.
    let timed_out = tokio::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(addr).expect("connects");
        s.set_read_timeout(Some(Duration::from_millis(150))).expect("timeout set");
        let req = format!(
            "POST /v1/chat/completions HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        s.write_all(req.as_bytes()).expect("writes");
        let mut buf = [0u8; 64];
        matches!(s.read(&mut buf), Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut))
    })
    .await
    .expect("client thread");
    assert!(timed_out);
    // The fault is used up: the next request is immediate.
    let t = Instant::now();
    let (status, _, _) = http(
        &stub,
        "POST",
        "/chat/completions",
        Vec::new(),
        qualify_body("CTO").to_string().into_bytes(),
    )
    .await;
    assert_eq!(status, 200);
    assert!(t.elapsed() < Duration::from_millis(400));
    stub.stop().await;
}

#[tokio::test]
async fn a_taken_port_or_bad_fault_is_an_error() {
    let stub = LlmStub::start(StubConfig::default()).await.expect("starts");
    assert!(
        LlmStub::start_on(stub.addr().port(), StubConfig::default())
            .await
            .is_err()
    );
    let bad = StubConfig {
        faults: vec![Fault::always(FaultKind::Status {
            code: 42,
            retry_after: None,
        })],
        ..StubConfig::default()
    };
    assert!(LlmStub::start(bad).await.is_err());
    stub.stop().await;
}
