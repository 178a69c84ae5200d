//! The accounts: state (working, paused and why), working hours, today's and this week's usage
//! against the limits, blocks LinkedIn imposed.

use super::super::ConsoleState;
use super::super::auth::Session;
use super::super::views::{PageResult, views};
use super::{context, value};
use crate::crm::{accounts, limits, status};
use axum::Extension;
use axum::extract::State;
use std::sync::Arc;

#[derive(Debug, serde::Serialize)]
struct AccountView {
    account: accounts::Account,
    hours: String,
    usage: Vec<limits::Usage>,
}

/// `GET /accounts`.
pub(super) async fn list(
    State(state): State<Arc<ConsoleState>>,
    Extension(session): Extension<Session>,
) -> PageResult {
    let wall = state.clock.now_ms();
    let all = state
        .db
        .read_outside_tx(move |conn| {
            let at = status::report_time(conn, wall)?;
            accounts::all(conn)?
                .into_iter()
                .map(|a| {
                    Ok(AccountView {
                        usage: limits::usage(conn, a.id, at)?,
                        hours: format!(
                            "{:02}:{:02}–{:02}:{:02} on days {} ({})",
                            a.work_start_min / 60,
                            a.work_start_min % 60,
                            a.work_end_min / 60,
                            a.work_end_min % 60,
                            a.work_days,
                            a.timezone
                        ),
                        account: a,
                    })
                })
                .collect::<Result<Vec<_>, crate::crm::CrmError>>()
        })
        .await?;
    Ok(views().page(
        "accounts.html",
        context(
            &session,
            "accounts",
            minijinja::context! { accounts => value(&all) },
        ),
    ))
}
