//! The leads: a table filtered, sorted and paged on the server (it stays fast on 100,000
//! leads), its CSV, and one lead's page (profile facts, per campaign its stage history and
//! label, the journal, the messages).

use super::super::ConsoleState;
use super::super::auth::Session;
use super::super::views::{Failure, PageResult, views};
use super::{context, number, query, value};
use crate::crm::browse::{self, LeadQuery, LeadSort};
use crate::crm::{Stage, campaigns, journal, leads, learning, messages, pipeline};
use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use axum::http::header;
use axum::response::IntoResponse;
use std::sync::Arc;

/// Leads per page.
pub(super) const PAGE_SIZE: u32 = 50;
/// The most rows a CSV download holds.
const CSV_MAX: u32 = 1_000_000;

/// The filters of the leads page, as given in its address.
#[derive(Debug, Default, serde::Deserialize, serde::Serialize)]
pub(super) struct Filters {
    campaign: Option<String>,
    stage: Option<String>,
    q: Option<String>,
    sort: Option<String>,
    page: Option<String>,
}

impl Filters {
    /// The query these filters ask for, `limit` leads from page `page`.
    fn query(&self, limit: u32) -> Result<(LeadQuery, u64), Failure> {
        let stage = match self.stage.as_deref() {
            None => None,
            Some(s) => Some(
                s.parse::<Stage>()
                    .map_err(|_| Failure::bad_request(format!("`{s}` is not a stage")))?,
            ),
        };
        let sort = match self.sort.as_deref() {
            None | Some("newest") => LeadSort::Newest,
            Some("oldest") => LeadSort::Oldest,
            Some("name") => LeadSort::Name,
            Some(other) => {
                return Err(Failure::bad_request(format!(
                    "`{other}` is not an order: newest, oldest or name"
                )));
            }
        };
        let page: u64 = number(self.page.as_deref(), "page number")?.unwrap_or(1);
        if page == 0 || page > 1_000_000 {
            return Err(Failure::bad_request("pages are numbered from 1"));
        }
        Ok((
            LeadQuery {
                campaign: number(self.campaign.as_deref(), "campaign id")?,
                stage,
                text: self.q.clone(),
                sort,
                limit,
                offset: (page - 1) * u64::from(limit),
            },
            page,
        ))
    }

    /// The address of the same view at page `page` (or the CSV of it).
    fn link(&self, path: &str, page: Option<u64>) -> String {
        let mut out = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("campaign", &self.campaign),
            ("stage", &self.stage),
            ("q", &self.q),
            ("sort", &self.sort),
        ] {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                out.append_pair(k, v);
            }
        }
        if let Some(p) = page {
            out.append_pair("page", &p.to_string());
        }
        let q = out.finish();
        if q.is_empty() {
            path.to_string()
        } else {
            format!("{path}?{q}")
        }
    }
}

/// `GET /leads`.
pub(super) async fn list(
    State(state): State<Arc<ConsoleState>>,
    Extension(session): Extension<Session>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let filters: Filters = query(raw.as_deref())?;
    let (q, page) = filters.query(PAGE_SIZE)?;
    let (found, all_campaigns) = state
        .db
        .read_outside_tx(move |conn| Ok((browse::leads(conn, &q)?, campaigns::all(conn)?)))
        .await?;
    let pages = found.total.div_ceil(u64::from(PAGE_SIZE)).max(1);
    let ctx = minijinja::context! {
        leads => value(&found.leads),
        total => found.total,
        page => page,
        pages => pages,
        prev => (page > 1).then(|| filters.link("/leads", Some(page - 1))),
        next => (page < pages).then(|| filters.link("/leads", Some(page + 1))),
        csv => filters.link("/leads.csv", None),
        filters => value(&filters),
        campaigns => value(&all_campaigns),
        stages => crate::crm::stage::ALL_STAGES.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
    };
    Ok(views().page("leads.html", context(&session, "leads", ctx)))
}

/// `GET /leads.csv`: the current view, every page of it.
pub(super) async fn csv(
    State(state): State<Arc<ConsoleState>>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let filters: Filters = query(raw.as_deref())?;
    let (mut q, _) = filters.query(CSV_MAX)?;
    q.offset = 0;
    let found = state
        .db
        .read_outside_tx(move |conn| browse::leads(conn, &q))
        .await?;
    let mut out = csv::Writer::from_writer(Vec::new());
    let header = [
        "id",
        "campaign_id",
        "stage",
        "stage_changed",
        "public_id",
        "member_id",
        "name",
        "headline",
        "company",
        "url",
        "reason",
    ];
    let written = (|| -> Result<Vec<u8>, csv::Error> {
        out.write_record(header)?;
        for d in &found.leads {
            out.write_record([
                d.lead.id.to_string(),
                d.campaign_id.to_string(),
                d.stage.as_str().to_string(),
                super::super::views::time_of(d.stage_changed_ms),
                d.lead.public_id.clone().unwrap_or_default(),
                d.lead.member_id.clone().unwrap_or_default(),
                csv_safe(d.lead.full_name.as_deref()),
                csv_safe(d.lead.headline.as_deref()),
                csv_safe(d.lead.company.as_deref()),
                d.lead.url.clone(),
                csv_safe(d.reason.as_deref()),
            ])?;
        }
        out.into_inner().map_err(|e| e.into_error().into())
    })();
    let bytes = written.map_err(|e| Failure {
        status: axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        message: format!("the CSV could not be written: {e}"),
    })?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"leads.csv\"",
            ),
        ],
        bytes,
    )
        .into_response())
}

/// Text from LinkedIn for a spreadsheet: a cell starting with `=`, `+`, `-` or `@` would be
/// run as a formula, so it gets a leading apostrophe.
fn csv_safe(text: Option<&str>) -> String {
    let text = text.unwrap_or_default();
    if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

/// One campaign's view of a lead, for its page.
#[derive(Debug, serde::Serialize)]
struct DealView {
    campaign: String,
    campaign_id: u64,
    deal: pipeline::DealLead,
    history: Vec<pipeline::StageChange>,
    label: Option<LabelView>,
    /// The campaign model's view of the lead now (in the daemon, once the model can fit).
    model: Option<ModelView>,
}

#[derive(Debug, serde::Serialize)]
struct ModelView {
    /// Percent.
    probability: u32,
    /// Binary entropy, nats (0 sure, 0.69 undecided).
    entropy: String,
}

/// How long the lead page waits for the campaign model's prediction.
const PREDICTION_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

#[derive(Debug, serde::Serialize)]
struct LabelView {
    qualified: bool,
    reason: String,
    source: String,
}

/// `GET /leads/{id}`.
pub(super) async fn one(
    State(state): State<Arc<ConsoleState>>,
    Extension(session): Extension<Session>,
    Path(id): Path<String>,
) -> PageResult {
    let id: u64 = id
        .parse()
        .map_err(|_| Failure::not_found(format!("`{id}` is not a lead id")))?;
    let (lead, deals, journal, messages, thread, stopped) = state
        .db
        .read_outside_tx(move |conn| {
            let lead = leads::get(conn, id)?;
            let mut deals = Vec::new();
            for deal in pipeline::all_of_lead(conn, id)? {
                let campaign = campaigns::get(conn, deal.campaign_id)?;
                let label = learning::label(conn, deal.campaign_id, id)?.map(
                    |(qualified, reason, source)| LabelView {
                        qualified,
                        reason,
                        source,
                    },
                );
                deals.push(DealView {
                    campaign: campaign.name,
                    campaign_id: campaign.id,
                    history: pipeline::history(conn, deal.deal_id)?,
                    deal,
                    label,
                    model: None,
                });
            }
            Ok((
                lead,
                deals,
                journal::of_lead(conn, id)?,
                messages::of_lead(conn, id)?,
                crate::crm::conversations::of_lead(conn, id)?,
                crate::crm::conversations::contact_refusal(conn, id)?,
            ))
        })
        .await?;
    let mut deals = deals;
    if let Some(q) = &state.qualifier {
        for d in deals.iter_mut().filter(|_| lead.profile_json.is_some()) {
            let predicted =
                tokio::time::timeout(PREDICTION_WAIT, q.predict(d.campaign_id, id)).await;
            if let Ok(Ok(Some(p))) = predicted {
                d.model = Some(ModelView {
                    probability: (p.probability * 100.0).round().clamp(0.0, 100.0) as u32,
                    entropy: format!("{:.2}", p.entropy),
                });
            }
        }
    }
    let profile: Option<serde_json::Value> = lead
        .profile_json
        .as_deref()
        .and_then(|p| serde_json::from_str(p).ok());
    // What the campaigns know of the person when no profile was fetched yet (an import).
    let name = lead
        .full_name
        .clone()
        .or_else(|| deals.iter().find_map(|d| d.deal.lead.full_name.clone()));
    let headline = lead
        .headline
        .clone()
        .or_else(|| deals.iter().find_map(|d| d.deal.lead.headline.clone()));
    let ctx = minijinja::context! {
        lead => value(&lead),
        name => name,
        headline => headline,
        profile => value(&profile),
        deals => value(&deals),
        journal => value(&journal),
        messages => value(&messages),
        thread => value(&thread),
        stopped => stopped,
    };
    Ok(views().page("lead.html", context(&session, "leads", ctx)))
}
