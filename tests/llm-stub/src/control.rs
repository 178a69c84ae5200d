//! The control API for test harnesses and the demo, mirroring the [`crate::LlmStub`] methods.
//! These routes need no API key and are not written to the request log.
//!
//! | route | body | answer |
//! |---|---|---|
//! | `GET`/`PUT`/`POST /__stub/rule` | a [`crate::QualifyRule`] for PUT/POST | the rule / `{"ok":true}` |
//! | `GET`/`POST`/`DELETE /__stub/faults` | a [`crate::Fault`] for POST | the active faults / `{"ok":true}` |
//! | `GET`/`DELETE /__stub/requests` | | the request log / `{"ok":true}` |
//! | `GET`/`PUT`/`POST /__stub/keywords` | a JSON array of strings | the list / `{"ok":true}` |
//! | `GET`/`PUT`/`POST /__stub/echo_profile` | `{"enabled":bool}` | `{"enabled":bool}` / `{"ok":true}` |
//! | `GET /__stub/stats` | | [`crate::Stats`] |
//! | `POST /__stub/reset` | | `{"ok":true}` |
//!
//! A body that does not parse gets 400 `{"error":"…"}`.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::config::QualifyRule;
use crate::faults::Fault;
use crate::state::StubState;
use crate::wire::json_response;

/// The control routes (state is supplied by the main router).
pub fn router() -> Router<StubState> {
    Router::new()
        .route("/__stub/rule", get(get_rule).put(set_rule).post(set_rule))
        .route(
            "/__stub/faults",
            get(list_faults).post(add_fault).delete(clear_faults),
        )
        .route("/__stub/requests", get(requests).delete(clear_requests))
        .route(
            "/__stub/keywords",
            get(get_keywords).put(set_keywords).post(set_keywords),
        )
        .route(
            "/__stub/echo_profile",
            get(get_echo).put(set_echo).post(set_echo),
        )
        .route("/__stub/stats", get(stats))
        .route("/__stub/reset", post(reset))
}

fn ok() -> Response {
    json_response(StatusCode::OK, &json!({ "ok": true }))
}

fn bad(e: impl std::fmt::Display) -> Response {
    json_response(StatusCode::BAD_REQUEST, &json!({ "error": e.to_string() }))
}

fn to_json<T: Serialize>(value: &T) -> Response {
    match serde_json::to_value(value) {
        Ok(v) => json_response(StatusCode::OK, &v),
        Err(e) => json_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            &json!({ "error": e.to_string() }),
        ),
    }
}

async fn get_rule(State(stub): State<StubState>) -> Response {
    to_json(&stub.with(|s| s.rule().clone()))
}

async fn set_rule(State(stub): State<StubState>, body: Bytes) -> Response {
    match serde_json::from_slice::<QualifyRule>(&body) {
        Ok(rule) => {
            stub.with(|s| s.set_rule(rule));
            ok()
        }
        Err(e) => bad(e),
    }
}

async fn list_faults(State(stub): State<StubState>) -> Response {
    to_json(&stub.with(|s| s.faults()))
}

async fn add_fault(State(stub): State<StubState>, body: Bytes) -> Response {
    let fault = match serde_json::from_slice::<Fault>(&body) {
        Ok(f) => f,
        Err(e) => return bad(e),
    };
    if let Err(e) = fault.validate() {
        return bad(e);
    }
    stub.with(|s| s.add_fault(fault));
    ok()
}

async fn clear_faults(State(stub): State<StubState>) -> Response {
    stub.with(|s| s.clear_faults());
    ok()
}

async fn requests(State(stub): State<StubState>) -> Response {
    to_json(&stub.with(|s| s.requests()))
}

async fn clear_requests(State(stub): State<StubState>) -> Response {
    stub.with(|s| s.clear_requests());
    ok()
}

async fn get_keywords(State(stub): State<StubState>) -> Response {
    to_json(&stub.with(|s| s.keywords().to_vec()))
}

async fn set_keywords(State(stub): State<StubState>, body: Bytes) -> Response {
    match serde_json::from_slice::<Vec<String>>(&body) {
        Ok(list) => {
            stub.with(|s| s.set_keywords(list));
            ok()
        }
        Err(e) => bad(e),
    }
}

#[derive(Serialize, Deserialize)]
struct Echo {
    enabled: bool,
}

async fn get_echo(State(stub): State<StubState>) -> Response {
    to_json(&Echo {
        enabled: stub.with(|s| s.echo_profile()),
    })
}

async fn set_echo(State(stub): State<StubState>, body: Bytes) -> Response {
    match serde_json::from_slice::<Echo>(&body) {
        Ok(e) => {
            stub.with(|s| s.set_echo_profile(e.enabled));
            ok()
        }
        Err(e) => bad(e),
    }
}

async fn stats(State(stub): State<StubState>) -> Response {
    to_json(&stub.with(|s| s.stats()))
}

async fn reset(State(stub): State<StubState>) -> Response {
    stub.reset();
    ok()
}
