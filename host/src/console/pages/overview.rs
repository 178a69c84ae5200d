//! The overview: per campaign the funnel (and what entered each stage in the last day), the
//! acceptance of invitations, LLM use today; per account usage against limits, blocks and
//! pauses; the lanes. The same report `outlane status` prints, plus the day's movement.
//! `/overview/live` is its body alone, which the page fetches every few seconds.

use super::super::ConsoleState;
use super::super::auth::Session;
use super::super::views::{PageResult, views};
use super::{context, value};
use crate::crm::browse::{self, Acceptance};
use crate::crm::status::{self, StatusReport};
use axum::Extension;
use axum::extract::State;
use minijinja::Value;
use std::sync::Arc;

/// What one campaign adds to the status report.
#[derive(Debug, Clone, serde::Serialize)]
struct CampaignExtra {
    id: u64,
    /// Leads that entered each stage in the last 24 h, by stage name.
    entered: std::collections::BTreeMap<String, u64>,
    week: Acceptance,
    week_percent: Option<u64>,
    month: Acceptance,
    month_percent: Option<u64>,
}

/// The report and its additions, read in one go.
#[derive(Debug, Clone, serde::Serialize)]
pub(super) struct Overview {
    report: StatusReport,
    extra: Vec<CampaignExtra>,
}

/// Reads the overview at the daemon's now.
pub(super) async fn read(state: &ConsoleState) -> Result<Overview, crate::crm::CrmError> {
    let wall = state.clock.now_ms();
    state
        .db
        .read_outside_tx(move |conn| {
            let at = status::report_time(conn, wall)?;
            let report = status::build(conn, at)?;
            let extra = report
                .campaigns
                .iter()
                .map(|c| {
                    let entered = browse::entered_last_day(conn, c.id, at)?
                        .into_iter()
                        .map(|(stage, n)| (stage.as_str().to_string(), n))
                        .collect();
                    let week = browse::acceptance(conn, c.id, 7, at)?;
                    let month = browse::acceptance(conn, c.id, 30, at)?;
                    Ok(CampaignExtra {
                        id: c.id,
                        entered,
                        week_percent: week.percent(),
                        week,
                        month_percent: month.percent(),
                        month,
                    })
                })
                .collect::<Result<_, crate::crm::CrmError>>()?;
            Ok(Overview { report, extra })
        })
        .await
}

fn page_values(o: &Overview) -> Value {
    minijinja::context! {
        report => value(&o.report),
        extra => value(&o.extra),
    }
}

/// `GET /`.
pub(super) async fn page(
    State(state): State<Arc<ConsoleState>>,
    Extension(session): Extension<Session>,
) -> PageResult {
    let o = read(&state).await?;
    Ok(views().page(
        "overview.html",
        context(&session, "overview", page_values(&o)),
    ))
}

/// `GET /overview/live`: the overview's body, for the page's refresh.
pub(super) async fn live(
    State(state): State<Arc<ConsoleState>>,
    Extension(session): Extension<Session>,
) -> PageResult {
    let o = read(&state).await?;
    Ok(views().page(
        "overview_live.html",
        context(&session, "overview", page_values(&o)),
    ))
}
