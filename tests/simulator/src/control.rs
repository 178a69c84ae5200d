//! The control API for test harnesses (§7.3), mirroring the [`crate::Simulator`] methods.
//! These routes are never linked from pages and are not written to the request log. With
//! several accounts, `x-sim-account: <n>` (from 0) says which one a route is about (the
//! first without it); the clock is all accounts' together, and a reset leaves one account.
//!
//! | route | body | answer |
//! |---|---|---|
//! | `POST /__sim/reset` | scenario JSON | `{"ok":true}` or 400 `{"error":…}` |
//! | `GET /__sim/state` | | [`crate::Snapshot`] |
//! | `GET /__sim/scenario` | | the loaded scenario |
//! | `POST /__sim/people/<h>/{accept,decline,withdraw}` | | `{"ok":true}`, or 409 `{"ok":false}` when nothing was pending |
//! | `POST /__sim/people/<h>/reply` | `{"text":…,"kind":…}` (kind optional) | `{"ok":true}`; 404 for an unknown person |
//! | `POST /__sim/session/expire` | optional `{"li_at":…}` | `{"ok":true}` |
//! | `POST /__sim/checkpoint/solve` | | `{"ok":bool}` |
//! | `GET`/`POST`/`DELETE /__sim/faults` | a [`crate::Fault`] for POST | the active faults / `{"ok":true}` |
//! | `GET`/`DELETE /__sim/requests` | | the request log / `{"ok":true}` |
//! | `GET /__sim/clock` | | `{"now_ms":…}` |
//! | `POST /__sim/clock/advance` | `{"ms":N}` | `{"ok":true,"now_ms":…}` |

use axum::Router;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::json;

use crate::faults::Fault;
use crate::routes::{Sim, json_response};
use crate::scenario::Scenario;
use crate::state::SimState;

/// The control routes (state is supplied by the main router).
pub fn router() -> Router<SimState> {
    Router::new()
        .route("/__sim/reset", post(reset))
        .route("/__sim/state", get(state))
        .route("/__sim/scenario", get(scenario))
        .route("/__sim/people/{handle}/reply", post(reply))
        .route("/__sim/people/{handle}/{action}", post(person_action))
        .route("/__sim/session/expire", post(expire))
        .route("/__sim/checkpoint/solve", post(solve))
        .route(
            "/__sim/faults",
            get(list_faults).post(add_fault).delete(clear_faults),
        )
        .route("/__sim/requests", get(requests).delete(clear_requests))
        .route("/__sim/clock", get(clock))
        .route("/__sim/clock/advance", post(advance))
}

fn ok() -> Response {
    json_response(StatusCode::OK, &json!({ "ok": true }))
}

fn bad(e: impl std::fmt::Display) -> Response {
    json_response(StatusCode::BAD_REQUEST, &json!({ "error": e.to_string() }))
}

fn to_json<T: serde::Serialize>(value: &T) -> Response {
    match serde_json::to_value(value) {
        Ok(v) => json_response(StatusCode::OK, &v),
        Err(e) => json_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            &json!({ "error": e.to_string() }),
        ),
    }
}

async fn reset(Sim(sim): Sim, body: Bytes) -> Response {
    let text = String::from_utf8_lossy(&body);
    match Scenario::from_json(&text) {
        Ok(scenario) => {
            sim.reset(scenario);
            ok()
        }
        Err(e) => bad(e),
    }
}

async fn state(Sim(sim): Sim) -> Response {
    to_json(&sim.with(|w| w.snapshot()))
}

async fn scenario(Sim(sim): Sim) -> Response {
    to_json(&sim.with(|w| w.scenario().clone()))
}

async fn person_action(Sim(sim): Sim, Path((handle, action)): Path<(String, String)>) -> Response {
    let changed = match action.as_str() {
        "accept" => sim.with(|w| w.accept(&handle)),
        "decline" => sim.with(|w| w.decline(&handle)),
        "withdraw" => sim.with(|w| w.withdraw(&handle)),
        other => return bad(format!("unknown action `{other}`")),
    };
    if changed {
        ok()
    } else {
        json_response(StatusCode::CONFLICT, &json!({ "ok": false }))
    }
}

#[derive(Deserialize)]
struct ReplyBody {
    text: String,
    #[serde(default)]
    kind: Option<crate::scenario::ReplyKind>,
}

async fn reply(Sim(sim): Sim, Path(handle): Path<String>, body: Bytes) -> Response {
    let body: ReplyBody = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(e) => return bad(e),
    };
    if sim.with(|w| w.receive(&handle, &body.text, body.kind)) {
        ok()
    } else {
        json_response(StatusCode::NOT_FOUND, &json!({ "ok": false }))
    }
}

#[derive(Deserialize, Default)]
struct ExpireBody {
    #[serde(default)]
    li_at: Option<String>,
}

async fn expire(Sim(sim): Sim, body: Bytes) -> Response {
    let body: ExpireBody = if body.iter().all(u8::is_ascii_whitespace) {
        ExpireBody::default()
    } else {
        match serde_json::from_slice(&body) {
            Ok(b) => b,
            Err(e) => return bad(e),
        }
    };
    sim.with(|w| w.expire_sessions(body.li_at.as_deref()));
    ok()
}

async fn solve(Sim(sim): Sim) -> Response {
    let solved = sim.with(|w| w.solve_checkpoint());
    json_response(StatusCode::OK, &json!({ "ok": solved }))
}

async fn list_faults(Sim(sim): Sim) -> Response {
    to_json(&sim.with(|w| w.snapshot().faults))
}

async fn add_fault(Sim(sim): Sim, body: Bytes) -> Response {
    match serde_json::from_slice::<Fault>(&body) {
        Ok(fault) => {
            sim.with(|w| w.add_fault(fault));
            ok()
        }
        Err(e) => bad(e),
    }
}

async fn clear_faults(Sim(sim): Sim) -> Response {
    sim.with(|w| w.clear_faults());
    ok()
}

async fn requests(Sim(sim): Sim) -> Response {
    to_json(&sim.with(|w| w.requests()))
}

async fn clear_requests(Sim(sim): Sim) -> Response {
    sim.with(|w| w.clear_requests());
    ok()
}

async fn clock(Sim(sim): Sim) -> Response {
    let now = sim.with(|w| w.now());
    json_response(StatusCode::OK, &json!({ "now_ms": now }))
}

#[derive(Deserialize)]
struct AdvanceBody {
    ms: u64,
}

async fn advance(Sim(sim): Sim, body: Bytes) -> Response {
    match serde_json::from_slice::<AdvanceBody>(&body) {
        Ok(b) => {
            sim.with_every(|w| {
                w.advance_clock(b.ms);
                w.tick();
            });
            let now = sim.with(|w| w.now());
            json_response(StatusCode::OK, &json!({ "ok": true, "now_ms": now }))
        }
        Err(e) => bad(e),
    }
}
