//! The take-over of an account that waits for a person: its live headless tab, streamed as
//! frames, with the person's clicks and keys sent to it, so that a checkpoint, a 2FA code or
//! an e-mail PIN is solved in the daemon's own browser profile from any browser. Only that
//! account's tab, only while it is paused; it ends by itself at the feed (the account then
//! resumes). See `browser::handover`.

use super::super::ConsoleState;
use super::super::auth::Session;
use super::super::views::{Failure, PageResult, views};
use super::{context, form, value};
use crate::browser::BrowserError;
use crate::browser::handover::PersonInput;
use crate::crm::accounts;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use std::sync::Arc;

fn account_id(id: &str) -> Result<u64, Failure> {
    id.parse()
        .map_err(|_| Failure::not_found(format!("`{id}` is not an account id")))
}

fn browser_failure(e: BrowserError) -> Failure {
    match e {
        BrowserError::Invalid(m) | BrowserError::NotFound(m) => Failure::bad_request(m),
        other => Failure {
            status: StatusCode::BAD_GATEWAY,
            message: format!("the account's browser: {other}"),
        },
    }
}

/// `GET /accounts/{id}/takeover`.
pub(super) async fn page(
    State(state): State<Arc<ConsoleState>>,
    Extension(session): Extension<Session>,
    Path(id): Path<String>,
) -> PageResult {
    let id = account_id(&id)?;
    let account = state
        .db
        .read_outside_tx(move |c| accounts::get(c, id))
        .await?;
    let running = state
        .browsers
        .as_ref()
        .is_some_and(|b| b.handover(id).is_some());
    let ctx = minijinja::context! {
        account => value(&account),
        available => state.browsers.is_some(),
        running => running,
        keys => crate::browser::handover::KEYS.to_vec(),
    };
    Ok(views().page("takeover.html", context(&session, "accounts", ctx)))
}

/// `POST /accounts/{id}/takeover`: opens the tab for the person.
pub(super) async fn start(
    State(state): State<Arc<ConsoleState>>,
    Path(id): Path<String>,
) -> PageResult {
    let id = account_id(&id)?;
    let browsers = state.browsers.clone().ok_or_else(|| {
        Failure::bad_request(
            "the take-over is served by the daemon (`outlane run`): this console runs alone",
        )
    })?;
    browsers.take_over(id).await.map_err(browser_failure)?;
    Ok(Redirect::to(&format!("/accounts/{id}/takeover")).into_response())
}

#[derive(Debug, serde::Serialize)]
struct TakeoverState {
    running: bool,
    paused: bool,
    seq: u64,
    width: f64,
    height: f64,
}

/// `GET /accounts/{id}/takeover/state`: whether it runs, the newest frame's number and size.
pub(super) async fn status(
    State(state): State<Arc<ConsoleState>>,
    Path(id): Path<String>,
) -> PageResult {
    let id = account_id(&id)?;
    let paused = state
        .db
        .read_outside_tx(move |c| accounts::get(c, id))
        .await?
        .paused
        .is_some();
    let stream = state.browsers.as_ref().and_then(|b| b.handover(id));
    let frame = stream.as_ref().and_then(|s| s.latest());
    let body = TakeoverState {
        running: stream.is_some(),
        paused,
        seq: frame.as_ref().map_or(0, |f| f.seq),
        width: frame.as_ref().map_or(0.0, |f| f.width),
        height: frame.as_ref().map_or(0.0, |f| f.height),
    };
    let json = serde_json::to_string(&body).unwrap_or_else(|_| "{}".into());
    Ok(([(header::CONTENT_TYPE, "application/json")], json).into_response())
}

/// `GET /accounts/{id}/takeover/frame`: the newest frame (JPEG).
pub(super) async fn frame(
    State(state): State<Arc<ConsoleState>>,
    Path(id): Path<String>,
) -> PageResult {
    let id = account_id(&id)?;
    let frame = state
        .browsers
        .as_ref()
        .and_then(|b| b.handover(id))
        .and_then(|s| s.latest())
        .ok_or_else(|| Failure::not_found("no picture of the tab: the take-over is not running"))?;
    Ok(([(header::CONTENT_TYPE, "image/jpeg")], frame.jpeg.clone()).into_response())
}

#[derive(Debug, serde::Deserialize)]
struct Input {
    kind: String,
    #[serde(default)]
    x: String,
    #[serde(default)]
    y: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    key: String,
}

/// `POST /accounts/{id}/takeover/input`: a click (`kind=click&x=&y=`, fractions of the
/// picture), text (`kind=text&text=`) or a key (`kind=key&key=Enter`) for the tab.
pub(super) async fn input(
    State(state): State<Arc<ConsoleState>>,
    Path(id): Path<String>,
    body: Bytes,
) -> PageResult {
    let id = account_id(&id)?;
    let i: Input = form(&body)?;
    let fraction = |v: &str, what: &str| -> Result<f64, Failure> {
        v.trim()
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .ok_or_else(|| Failure::bad_request(format!("`{v}` is not a {what}")))
    };
    let what = match i.kind.as_str() {
        "click" => PersonInput::Click {
            x: fraction(&i.x, "position")?,
            y: fraction(&i.y, "position")?,
        },
        "text" if !i.text.is_empty() && i.text.chars().count() <= 256 => PersonInput::Text(i.text),
        "text" => return Err(Failure::bad_request("text of 1 to 256 characters")),
        "key" => PersonInput::Key(i.key),
        other => {
            return Err(Failure::bad_request(format!(
                "`{other}` is not an input: click, text or key"
            )));
        }
    };
    let stream = state
        .browsers
        .as_ref()
        .and_then(|b| b.handover(id))
        .ok_or_else(|| {
            Failure::not_found(
                "the take-over is not running (it ended at the feed, or was never started)",
            )
        })?;
    stream.apply(&what).await.map_err(browser_failure)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
