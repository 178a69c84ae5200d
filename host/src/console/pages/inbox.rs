//! The inbox: conversations in which people replied, newest reply first, with what each reply
//! means; the same query as `outlane inbox`. Filters: the account, and only the conversations
//! whose last message is the person's (not answered yet).

use super::super::ConsoleState;
use super::super::auth::Session;
use super::super::views::{PageResult, views};
use super::{context, number, value};
use crate::crm::{accounts, conversations};
use axum::Extension;
use axum::extract::{RawQuery, State};
use std::sync::Arc;

/// Most conversations one page shows.
const LIMIT: u32 = 200;

#[derive(Debug, Default, serde::Deserialize, serde::Serialize)]
struct InboxQuery {
    account: Option<String>,
    unread: Option<String>,
}

/// `GET /inbox`.
pub(super) async fn page(
    State(state): State<Arc<ConsoleState>>,
    Extension(session): Extension<Session>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let q: InboxQuery = super::query(raw.as_deref())?;
    let account: Option<u64> = number(q.account.as_deref(), "account id")?;
    let unread = q.unread.is_some();
    let (entries, all_accounts) = state
        .db
        .read_outside_tx(move |conn| {
            if let Some(a) = account {
                accounts::get(conn, a)?;
            }
            Ok((
                conversations::inbox(conn, account, unread, LIMIT)?,
                accounts::all(conn)?,
            ))
        })
        .await?;
    Ok(views().page(
        "inbox.html",
        context(
            &session,
            "inbox",
            minijinja::context! {
                entries => value(&entries),
                accounts => value(&all_accounts),
                account => account,
                unread => unread,
                limit => LIMIT,
            },
        ),
    ))
}
