//! The review queue: what the model or the LLM decided, newest first, each with its reason.
//! A person accepts or rejects (buttons, or `a` / `r` on the selected row, `j` / `k` to move);
//! that stores a `human` label, which trains the campaign's model, and moves the lead between
//! qualified and disqualified while nothing was sent.

use super::super::ConsoleState;
use super::super::auth::Session;
use super::super::views::{Failure, PageResult, views};
use super::{context, form, number, query, value};
use crate::crm::browse;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Redirect};
use std::sync::Arc;

/// Decisions per page.
const PAGE_SIZE: u32 = 50;

#[derive(Debug, Default, serde::Deserialize, serde::Serialize)]
struct Filters {
    campaign: Option<String>,
    page: Option<String>,
}

/// `GET /review`.
pub(super) async fn queue(
    State(state): State<Arc<ConsoleState>>,
    Extension(session): Extension<Session>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let filters: Filters = query(raw.as_deref())?;
    let campaign: Option<u64> = number(filters.campaign.as_deref(), "campaign id")?;
    let page: u64 = number(filters.page.as_deref(), "page number")?
        .unwrap_or(1)
        .max(1);
    let offset = (page - 1) * u64::from(PAGE_SIZE);
    let ((decisions, total), all) = state
        .db
        .read_outside_tx(move |conn| {
            Ok((
                browse::review_queue(conn, campaign, PAGE_SIZE, offset)?,
                crate::crm::campaigns::all(conn)?,
            ))
        })
        .await?;
    let pages = total.div_ceil(u64::from(PAGE_SIZE)).max(1);
    let ctx = minijinja::context! {
        decisions => value(&decisions),
        total => total,
        page => page,
        pages => pages,
        campaign => campaign,
        campaigns => value(&all),
    };
    Ok(views().page("review.html", context(&session, "review", ctx)))
}

#[derive(Debug, serde::Deserialize)]
struct Decide {
    campaign: String,
    lead: String,
    decision: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    back: String,
}

/// `POST /review`: a person's accept or reject.
pub(super) async fn decide(State(state): State<Arc<ConsoleState>>, body: Bytes) -> PageResult {
    let d: Decide = form(&body)?;
    let campaign: u64 = number(Some(&d.campaign), "campaign id")?
        .ok_or_else(|| Failure::bad_request("which campaign?"))?;
    let lead: u64 =
        number(Some(&d.lead), "lead id")?.ok_or_else(|| Failure::bad_request("which lead?"))?;
    let qualified = match d.decision.as_str() {
        "accept" => true,
        "reject" => false,
        other => {
            return Err(Failure::bad_request(format!(
                "`{other}` is not a decision: accept or reject"
            )));
        }
    };
    if d.note.len() > 2000 {
        return Err(Failure::bad_request("the note is longer than 2000 bytes"));
    }
    let now = state.clock.now_ms();
    let note = d.note.clone();
    state
        .db
        .write(move |tx| browse::review(tx, campaign, lead, qualified, &note, now))
        .await?;
    if let Some(q) = &state.qualifier {
        // The campaign's model is read again from the labels, this one included.
        q.forget(campaign).await;
    }
    // Back to the queue as it was filtered (only a path of this console).
    let back = if d.back.starts_with("/review") && !d.back.starts_with("//") {
        d.back
    } else {
        "/review".to_string()
    };
    Ok(Redirect::to(&back).into_response())
}
