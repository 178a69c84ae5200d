//! Each fault kind through the router, with `times` counting down, the task filter, and the
//! faults control API.

mod common;

use std::time::{Duration, Instant};

use common::{Client, chat_body, decision_schema, follow_up_prompt, keywords_prompt, qualify_body};
use outlane_llm_stub::schema::validate;
use outlane_llm_stub::{Fault, FaultKind, QualifyRule, StubConfig};
use serde_json::{Value, json};

fn client_with(fault: Fault) -> Client {
    let c = Client::new(StubConfig::default().with_rule(QualifyRule::new(&["cto"], &[])));
    c.state.with(|s| s.add_fault(fault));
    c
}

fn status(code: u16) -> FaultKind {
    FaultKind::Status {
        code,
        retry_after: None,
    }
}

#[tokio::test]
async fn status_429_carries_retry_after_and_counts_down() {
    let c = client_with(Fault::times(status(429), 2));
    for left in [1, 0] {
        let r = c.chat(&qualify_body("CTO")).await;
        assert_eq!(r.status, 429);
        assert_eq!(r.header("retry-after").as_deref(), Some("1"));
        let e = &r.json()["error"];
        assert_eq!(e["code"], json!("rate_limit_exceeded"));
        assert!(e["message"].is_string() && e["type"].is_string());
        assert_eq!(c.state.with(|s| s.faults()).len(), left.min(1));
        if left == 1 {
            assert_eq!(c.state.with(|s| s.faults())[0].times, Some(1));
        }
    }
    let r = c.chat(&qualify_body("CTO")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.content_json()["qualified"], json!(true));
    let log = c.state.with(|s| s.requests());
    let faults: Vec<_> = log.iter().map(|r| r.fault.clone()).collect();
    assert_eq!(faults, [Some("status".into()), Some("status".into()), None]);
    assert_eq!(log[0].status, Some(429));
}

#[tokio::test]
async fn other_statuses_answer_openai_errors() {
    for (code, kind) in [
        (500, "server_error"),
        (503, "server_error"),
        (400, "invalid_request_error"),
    ] {
        let c = client_with(Fault::times(status(code), 1));
        let r = c.chat(&qualify_body("CTO")).await;
        assert_eq!(r.status, code);
        assert_eq!(r.json()["error"]["type"], json!(kind));
        assert_eq!(r.header("retry-after"), None);
        assert_eq!(c.chat(&qualify_body("CTO")).await.status, 200);
    }
    let c = client_with(Fault::times(
        FaultKind::Status {
            code: 503,
            retry_after: Some(7),
        },
        1,
    ));
    let r = c.chat(&qualify_body("CTO")).await;
    assert_eq!(r.header("retry-after").as_deref(), Some("7"));
}

#[tokio::test]
async fn timeout_delays_then_answers() {
    let c = client_with(Fault::times(FaultKind::Timeout { ms: 300 }, 1));
    let t = Instant::now();
    let r = c.chat(&qualify_body("CTO")).await;
    assert!(t.elapsed() >= Duration::from_millis(300));
    assert_eq!(r.status, 200);
    assert_eq!(r.content_json()["qualified"], json!(true));
    let t = Instant::now();
    c.chat(&qualify_body("CTO")).await;
    assert!(t.elapsed() < Duration::from_millis(300));
    assert_eq!(
        c.state.with(|s| s.requests())[0].fault.as_deref(),
        Some("timeout")
    );
}

#[tokio::test]
async fn malformed_json_is_a_200_that_does_not_parse() {
    let c = client_with(Fault::times(FaultKind::MalformedJson, 1));
    let r = c.chat(&qualify_body("CTO")).await;
    assert_eq!(r.status, 200);
    assert!(
        r.header("content-type")
            .unwrap_or_default()
            .starts_with("application/json")
    );
    assert!(serde_json::from_str::<Value>(&r.body).is_err());
    assert!(r.body.starts_with("{\"id\":\"chatcmpl-stub-"));
    let r = c.chat(&qualify_body("CTO")).await;
    assert!(serde_json::from_str::<Value>(&r.body).is_ok());
}

#[tokio::test]
async fn not_json_content_fires_only_where_json_was_asked() {
    let c = client_with(Fault::times(FaultKind::NotJsonContent, 1));
    // A follow-up expects text: the fault waits.
    let r = c
        .chat(&chat_body(&follow_up_prompt(Some("Ana")), None))
        .await;
    assert!(r.content().starts_with("Hi Ana"));
    assert_eq!(c.state.with(|s| s.faults()).len(), 1);
    let r = c.chat(&qualify_body("CTO")).await;
    assert_eq!(r.status, 200);
    let content = r.content();
    assert!(
        serde_json::from_str::<Value>(&content).is_err(),
        "{content}"
    );
    // The envelope itself is fine.
    assert_eq!(r.json()["object"], json!("chat.completion"));
    assert!(c.state.with(|s| s.faults()).is_empty());
    // A follow-up asked for as JSON is JSON work too.
    c.state
        .with(|s| s.add_fault(Fault::times(FaultKind::NotJsonContent, 1)));
    let r = c
        .chat(&chat_body(
            &follow_up_prompt(None),
            Some(json!({"type": "json_object"})),
        ))
        .await;
    assert!(serde_json::from_str::<Value>(&r.content()).is_err());
}

#[tokio::test]
async fn schema_violation_is_json_that_fails_the_schema() {
    let c = client_with(Fault::times(FaultKind::SchemaViolation, 2));
    let r = c.chat(&qualify_body("CTO")).await;
    let v = r.content_json();
    assert_eq!(v, json!({"qualified": "maybe"}));
    assert!(validate(&decision_schema(), &v).is_err());
    let r = c
        .chat(&chat_body(&keywords_prompt(Some(2), &[]), None))
        .await;
    let v = r.content_json();
    assert!(v["keywords"].is_string());
    let r = c.chat(&qualify_body("CTO")).await;
    validate(&decision_schema(), &r.content_json()).expect("valid again");
}

#[tokio::test]
async fn empty_choices_keeps_the_envelope() {
    let c = client_with(Fault::times(FaultKind::EmptyChoices, 1));
    let r = c.chat(&qualify_body("CTO")).await;
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["choices"], json!([]));
    assert_eq!(v["object"], json!("chat.completion"));
    assert!(v["usage"]["prompt_tokens"].as_u64().is_some());
    assert_eq!(
        c.chat(&qualify_body("CTO")).await.json()["choices"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
}

#[tokio::test]
async fn without_times_a_fault_fires_until_cleared() {
    let c = client_with(Fault::always(status(500)));
    for _ in 0..4 {
        assert_eq!(c.chat(&qualify_body("CTO")).await.status, 500);
    }
    c.state.with(|s| s.clear_faults());
    assert_eq!(c.chat(&qualify_body("CTO")).await.status, 200);
}

#[tokio::test]
async fn faults_can_target_tasks_and_fire_in_order() {
    let c = Client::new(StubConfig::default());
    c.state.with(|s| {
        s.add_fault(Fault::times(status(503), 1).for_tasks(&["search_keywords"]));
        s.add_fault(Fault::times(status(500), 1));
    });
    // qualify: the first fault does not apply, the second does.
    assert_eq!(c.chat(&qualify_body("x")).await.status, 500);
    assert_eq!(c.chat(&qualify_body("x")).await.status, 200);
    assert_eq!(
        c.chat(&chat_body(&keywords_prompt(None, &[]), None))
            .await
            .status,
        503
    );
    assert_eq!(
        c.chat(&chat_body(&keywords_prompt(None, &[]), None))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn faults_control_api() {
    let c = Client::new(StubConfig::default());
    let r = c
        .control(
            "POST",
            "/__stub/faults",
            json!({"kind": "status", "code": 429, "retry_after": 3, "times": 1}),
        )
        .await;
    assert_eq!(r.status, 200);
    let r = c
        .control(
            "POST",
            "/__stub/faults",
            json!({"kind": "timeout", "ms": 10, "tasks": ["follow_up"]}),
        )
        .await;
    assert_eq!(r.status, 200);
    let list = c.control("GET", "/__stub/faults", Value::Null).await.json();
    assert_eq!(
        list,
        json!([
            {"kind": "status", "code": 429, "retry_after": 3, "times": 1},
            {"kind": "timeout", "ms": 10, "tasks": ["follow_up"]}
        ])
    );
    let r = c.chat(&qualify_body("x")).await;
    assert_eq!(r.status, 429);
    assert_eq!(r.header("retry-after").as_deref(), Some("3"));
    assert_eq!(
        c.control("GET", "/__stub/faults", Value::Null)
            .await
            .json()
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    for bad in [
        json!({"kind": "nope"}),
        json!({"kind": "status", "code": 1000}),
        json!({"kind": "timeout"}),
    ] {
        let r = c.control("POST", "/__stub/faults", bad).await;
        assert_eq!(r.status, 400);
        assert!(r.json()["error"].is_string());
    }
    assert_eq!(
        c.control("DELETE", "/__stub/faults", Value::Null)
            .await
            .status,
        200
    );
    assert_eq!(
        c.control("GET", "/__stub/faults", Value::Null).await.json(),
        json!([])
    );
}
