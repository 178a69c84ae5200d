//! The bearer check and the models routes.

mod common;

use common::{Client, qualify_body};
use outlane_llm_stub::StubConfig;
use serde_json::json;

async fn post_with(c: &Client, auth: Option<&str>) -> common::Resp {
    let mut headers = vec![("content-type", "application/json")];
    if let Some(a) = auth {
        headers.push(("authorization", a));
    }
    c.request(
        "POST",
        "/v1/chat/completions",
        &headers,
        qualify_body("CTO").to_string().into_bytes(),
    )
    .await
}

#[tokio::test]
async fn a_configured_key_is_required() {
    let c = Client::new(StubConfig::default().with_api_key("sk-test-123"));
    let r = post_with(&c, None).await;
    assert_eq!(r.status, 401);
    let e = &r.json()["error"];
    assert_eq!(e["type"], json!("invalid_request_error"));
    assert!(e["message"].as_str().unwrap_or("").contains("API key"));
    assert!(e.get("code").is_some());
    let r = post_with(&c, Some("Bearer sk-wrong")).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["error"]["code"], json!("invalid_api_key"));
    let r = post_with(&c, Some("Basic sk-test-123")).await;
    assert_eq!(r.status, 401);
    let r = post_with(&c, Some("Bearer sk-test-123")).await;
    assert_eq!(r.status, 200);
    let r = post_with(&c, Some("bearer sk-test-123")).await;
    assert_eq!(r.status, 200);
    // The refused requests are logged and counted, but used no tokens and no completion id.
    let log = c.state.with(|s| s.requests());
    let statuses: Vec<_> = log.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [Some(401), Some(401), Some(401), Some(200), Some(200)]
    );
    assert_eq!(log[0].model.as_deref(), Some("gpt-4o-mini"));
    assert_eq!(c.state.with(|s| s.stats()).calls, 5);
    let r = post_with(&c, Some("Bearer sk-test-123")).await;
    assert_eq!(r.json()["id"], json!("chatcmpl-stub-000003"));
}

#[tokio::test]
async fn no_key_configured_means_no_check() {
    let c = Client::new(StubConfig::default());
    assert_eq!(post_with(&c, None).await.status, 200);
    assert_eq!(post_with(&c, Some("Bearer anything")).await.status, 200);
}

#[tokio::test]
async fn faults_do_not_fire_for_unauthorised_requests() {
    use outlane_llm_stub::{Fault, FaultKind};
    let c = Client::new(StubConfig::default().with_api_key("k"));
    c.state
        .with(|s| s.add_fault(Fault::times(FaultKind::EmptyChoices, 1)));
    assert_eq!(post_with(&c, None).await.status, 401);
    assert_eq!(c.state.with(|s| s.faults()).len(), 1);
}

#[tokio::test]
async fn models_lists_the_stub_model() {
    let c = Client::new(StubConfig::default().with_model("stub-model-x"));
    let r = c.get("/v1/models").await;
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["object"], json!("list"));
    assert_eq!(v["data"][0]["id"], json!("stub-model-x"));
    assert_eq!(v["data"][0]["object"], json!("model"));
    assert!(v["data"][0]["owned_by"].is_string());
    let r = c.get("/v1/models/stub-model-x").await;
    assert_eq!(r.json()["id"], json!("stub-model-x"));
    let r = c.get("/v1/models/gpt-5").await;
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["error"]["code"], json!("model_not_found"));
    // With a key, /v1/models needs it too.
    let c = Client::new(StubConfig::default().with_api_key("k"));
    assert_eq!(c.get("/v1/models").await.status, 401);
    let r = c
        .request(
            "GET",
            "/v1/models",
            &[("authorization", "Bearer k")],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status, 200);
}
