//! Campaigns: the list (pause, resume), a new one, and the edit page: the campaign's texts and
//! its sequence (each step's wait and template), with a live preview of the step being edited
//! for a real lead. A form that does not validate is shown again with the error and the values
//! as typed; nothing is saved.

use super::super::ConsoleState;
use super::super::auth::Session;
use super::super::preview;
use super::super::views::{Failure, PageResult, views};
use super::{context, form, number, value};
use crate::crm::browse::{self, LeadQuery, LeadSort};
use crate::crm::campaigns::{self, Campaign, CampaignChanges, NewCampaign};
use crate::crm::sequence::{self, MAX_STEPS, NewStep, Step};
use crate::crm::{CrmError, accounts};
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The largest text field (product docs, objective, template).
const MAX_TEXT: usize = 64 * 1024;

/// `GET /campaigns`.
pub(super) async fn list(
    State(state): State<Arc<ConsoleState>>,
    Extension(session): Extension<Session>,
) -> PageResult {
    let (all, accounts) = state
        .db
        .read_outside_tx(|conn| Ok((campaigns::all(conn)?, accounts::all(conn)?)))
        .await?;
    Ok(views().page(
        "campaigns.html",
        context(
            &session,
            "campaigns",
            minijinja::context! {
                campaigns => value(&all),
                accounts => value(&accounts),
                error => None::<String>,
                form => value(&CampaignForm::default()),
            },
        ),
    ))
}

/// The fields of the campaign form, as typed.
#[derive(Debug, Default, Clone, serde::Deserialize, serde::Serialize)]
struct CampaignForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    account: String,
    #[serde(default)]
    product_docs: String,
    #[serde(default)]
    objective: String,
    #[serde(default)]
    follow_up_template: String,
    #[serde(default)]
    booking_link: String,
    #[serde(default)]
    lead: String,
    /// The step the preview shows (from 1).
    #[serde(default)]
    preview_step: String,
    /// The sequence as shown: the steps, then one blank row to add a step.
    #[serde(skip_deserializing)]
    steps: Vec<StepRow>,
    /// Every other field of the form: the steps' `delay_N` and `template_N`.
    #[serde(flatten, skip_serializing)]
    rest: BTreeMap<String, String>,
}

/// One step of the sequence as typed: its wait (`0`, `36h`, `3d`) and its template.
#[derive(Debug, Default, Clone, serde::Serialize)]
struct StepRow {
    delay: String,
    template: String,
}

impl CampaignForm {
    /// The form showing `campaign` and its `steps` as stored.
    fn of(campaign: &Campaign, steps: &[Step]) -> CampaignForm {
        CampaignForm {
            name: campaign.name.clone(),
            account: campaign.account_id.to_string(),
            product_docs: campaign.product_docs.clone(),
            objective: campaign.objective.clone(),
            follow_up_template: campaign.follow_up_template.clone(),
            booking_link: campaign.booking_link.clone().unwrap_or_default(),
            lead: String::new(),
            preview_step: String::new(),
            steps: steps
                .iter()
                .map(|s| StepRow {
                    delay: sequence::format_delay(s.delay_ms),
                    template: s.template.clone(),
                })
                .collect(),
            rest: BTreeMap::new(),
        }
        .with_blank_row()
    }

    /// The form as posted: the step rows read from `delay_N` / `template_N`.
    fn posted(body: &[u8]) -> Result<CampaignForm, Failure> {
        let mut f: CampaignForm = form(body)?;
        let field = |name: String| f.rest.get(&name).cloned().unwrap_or_default();
        let rows: Vec<StepRow> = (1..=MAX_STEPS + 1)
            .map(|n| StepRow {
                delay: field(format!("delay_{n}")),
                template: field(format!("template_{n}")),
            })
            .collect();
        let last = rows
            .iter()
            .rposition(|r| !r.delay.trim().is_empty() || !r.template.trim().is_empty());
        f.steps = rows.into_iter().take(last.map_or(0, |i| i + 1)).collect();
        f.rest.clear();
        Ok(f.with_blank_row())
    }

    /// Adds the blank row that adds a step, while there is room for one.
    fn with_blank_row(mut self) -> CampaignForm {
        if self.steps.len() < MAX_STEPS {
            self.steps.push(StepRow::default());
        }
        self
    }

    /// The sequence the rows describe: a row with no wait and no template is left out; a row
    /// with a template needs its wait (`0` for at once).
    fn sequence(&self) -> Result<Vec<NewStep>, String> {
        let mut out = Vec::new();
        for (i, row) in self.steps.iter().enumerate() {
            let (delay, template) = (row.delay.trim(), row.template.trim());
            if delay.is_empty() {
                if template.is_empty() {
                    continue;
                }
                return Err(format!(
                    "step {}: say how long to wait before it (`0` for at once, `3d` for three days)",
                    i + 1
                ));
            }
            let delay_ms =
                sequence::parse_delay(delay).map_err(|e| format!("step {}: {e}", i + 1))?;
            out.push(NewStep {
                delay_ms,
                template: template.to_string(),
            });
        }
        if out.is_empty() {
            return Err("the sequence needs at least one step".into());
        }
        Ok(out)
    }

    /// The row the preview shows: the one asked for, else the first.
    fn preview_row(&self) -> (usize, &StepRow) {
        let n = self.preview_step.parse::<usize>().unwrap_or(1).max(1);
        match self.steps.get(n - 1) {
            Some(row) => (n, row),
            None => (1, self.steps.first().unwrap_or(&BLANK_ROW)),
        }
    }

    fn check_sizes(&self) -> Result<(), Failure> {
        for (what, text) in [
            ("the name", &self.name),
            ("the product description", &self.product_docs),
            ("the objective", &self.objective),
            ("the follow-up template", &self.follow_up_template),
            ("the booking link", &self.booking_link),
        ] {
            if text.len() > MAX_TEXT {
                return Err(Failure::bad_request(format!(
                    "{what} is longer than {MAX_TEXT} bytes"
                )));
            }
        }
        for (i, row) in self.steps.iter().enumerate() {
            if row.template.len() > MAX_TEXT || row.delay.len() > 100 {
                return Err(Failure::bad_request(format!(
                    "step {} is longer than the console reads",
                    i + 1
                )));
            }
        }
        Ok(())
    }

    fn booking_link(&self) -> Option<String> {
        let link = self.booking_link.trim();
        (!link.is_empty()).then(|| link.to_string())
    }
}

/// The row shown when a form has none.
static BLANK_ROW: StepRow = StepRow {
    delay: String::new(),
    template: String::new(),
};

/// `POST /campaigns`: a new campaign.
pub(super) async fn create(
    State(state): State<Arc<ConsoleState>>,
    Extension(session): Extension<Session>,
    body: Bytes,
) -> PageResult {
    let f: CampaignForm = form(&body)?;
    f.check_sizes()?;
    let account: Option<u64> = number(Some(&f.account), "account id")?;
    let now = state.clock.now_ms();
    let typed = f.clone();
    let created = state
        .db
        .write(move |tx| {
            let account = match account {
                Some(a) => a,
                None => match accounts::all(tx)?.as_slice() {
                    [only] => only.id,
                    _ => return Err(CrmError::Invalid("choose the account".into())),
                },
            };
            let link = match typed.booking_link() {
                Some(l) => Some(campaigns::check_booking_link(&l)?),
                None => None,
            };
            campaigns::create(
                tx,
                &NewCampaign {
                    account_id: account,
                    name: typed.name.clone(),
                    product_docs: typed.product_docs.clone(),
                    objective: typed.objective.clone(),
                    follow_up_template: typed.follow_up_template.clone(),
                    booking_link: link,
                },
                now,
            )
        })
        .await;
    match created {
        Ok(id) => Ok(Redirect::to(&format!("/campaigns/{id}")).into_response()),
        Err(CrmError::Invalid(message) | CrmError::NotFound(message)) => {
            let (all, accounts) = state
                .db
                .read_outside_tx(|conn| Ok((campaigns::all(conn)?, accounts::all(conn)?)))
                .await?;
            let mut page = views().page(
                "campaigns.html",
                context(
                    &session,
                    "campaigns",
                    minijinja::context! {
                        campaigns => value(&all),
                        accounts => value(&accounts),
                        error => message,
                        form => value(&f),
                    },
                ),
            );
            *page.status_mut() = StatusCode::BAD_REQUEST;
            Ok(page)
        }
        Err(other) => Err(other.into()),
    }
}

fn campaign_id(id: &str) -> Result<u64, Failure> {
    id.parse()
        .map_err(|_| Failure::not_found(format!("`{id}` is not a campaign id")))
}

/// The leads a preview may be written for: the campaign's enriched ones first.
async fn preview_leads(
    state: &ConsoleState,
    campaign: u64,
) -> Result<Vec<crate::crm::pipeline::DealLead>, Failure> {
    Ok(state
        .db
        .read_outside_tx(move |conn| {
            Ok(browse::leads(
                conn,
                &LeadQuery {
                    campaign: Some(campaign),
                    sort: LeadSort::Newest,
                    limit: 200,
                    ..LeadQuery::default()
                },
            )?
            .leads
            .into_iter()
            .filter(|d| d.lead.profile_json.is_some() || d.lead.full_name.is_some())
            .take(20)
            .collect())
        })
        .await?)
}

/// The edit page of `campaign` as `typed` (its stored values when `None`).
async fn edit_page(
    state: &ConsoleState,
    session: &Session,
    campaign: Campaign,
    typed: Option<CampaignForm>,
    error: Option<String>,
    saved: bool,
) -> PageResult {
    let failed = error.is_some();
    let leads = preview_leads(state, campaign.id).await?;
    let f = match typed {
        Some(f) => f,
        None => {
            let id = campaign.id;
            let steps = state
                .db
                .read_outside_tx(move |conn| sequence::steps(conn, id))
                .await?;
            CampaignForm::of(&campaign, &steps)
        }
    };
    let chosen = f
        .lead
        .parse::<u64>()
        .ok()
        .and_then(|id| leads.iter().find(|d| d.lead.id == id))
        .or(leads.first());
    let (preview_step, row) = f.preview_row();
    let edited = Campaign {
        product_docs: f.product_docs.clone(),
        follow_up_template: row.template.clone(),
        booking_link: f.booking_link(),
        ..campaign.clone()
    };
    let shown = chosen.map(|d| preview::follow_up(&edited, d, &state.prompts));
    let ctx = minijinja::context! {
        campaign => value(&campaign),
        form => value(&f),
        error => error,
        saved => saved,
        leads => value(&leads),
        preview_step => preview_step,
        stored_steps => f.steps.iter().filter(|r| !r.delay.trim().is_empty()).count(),
        preview_lead => chosen.map(|d| d.lead.id),
        preview => shown.as_ref().and_then(|r| r.as_ref().ok().cloned()),
        preview_error => shown.as_ref().and_then(|r| r.as_ref().err().cloned()),
    };
    let mut page = views().page("campaign.html", context(session, "campaigns", ctx));
    if failed && page.status() == StatusCode::OK {
        *page.status_mut() = StatusCode::BAD_REQUEST;
    }
    Ok(page)
}

#[derive(Debug, Default, serde::Deserialize)]
struct EditQuery {
    lead: Option<String>,
    saved: Option<String>,
}

/// `GET /campaigns/{id}`.
pub(super) async fn edit(
    State(state): State<Arc<ConsoleState>>,
    Extension(session): Extension<Session>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let id = campaign_id(&id)?;
    let q: EditQuery = super::query(raw.as_deref())?;
    let (campaign, steps) = state
        .db
        .read_outside_tx(move |conn| Ok((campaigns::get(conn, id)?, sequence::steps(conn, id)?)))
        .await?;
    let typed = q.lead.map(|lead| CampaignForm {
        lead,
        ..CampaignForm::of(&campaign, &steps)
    });
    edit_page(&state, &session, campaign, typed, None, q.saved.is_some()).await
}

/// `POST /campaigns/{id}`: saves the edit, or shows it again with the error.
pub(super) async fn save(
    State(state): State<Arc<ConsoleState>>,
    Extension(session): Extension<Session>,
    Path(id): Path<String>,
    body: Bytes,
) -> PageResult {
    let id = campaign_id(&id)?;
    let f = CampaignForm::posted(&body)?;
    f.check_sizes()?;
    let changes = CampaignChanges {
        name: Some(f.name.clone()),
        product_docs: Some(f.product_docs.clone()),
        objective: Some(f.objective.clone()),
        follow_up_template: None,
        booking_link: Some(f.booking_link()),
        active: None,
    };
    let steps = f.sequence();
    let now = state.clock.now_ms();
    // The campaign and its sequence are saved together or not at all.
    let saved = state
        .db
        .write(move |tx| {
            let steps = steps.map_err(CrmError::Invalid)?;
            campaigns::update(tx, id, &changes)?;
            sequence::set_steps(tx, id, &steps, "console", now)
        })
        .await;
    match saved {
        Ok(_) => Ok(Redirect::to(&format!("/campaigns/{id}?saved=1")).into_response()),
        Err(CrmError::Invalid(message)) => {
            let campaign = state
                .db
                .read_outside_tx(move |conn| campaigns::get(conn, id))
                .await?;
            edit_page(&state, &session, campaign, Some(f), Some(message), false).await
        }
        Err(other) => Err(other.into()),
    }
}

/// `POST /campaigns/{id}/preview`: the message the typed form's `preview_step` would write
/// for the chosen lead (plain text; 422 with the reason when it cannot be written).
pub(super) async fn preview(
    State(state): State<Arc<ConsoleState>>,
    Path(id): Path<String>,
    body: Bytes,
) -> PageResult {
    let id = campaign_id(&id)?;
    let f = CampaignForm::posted(&body)?;
    f.check_sizes()?;
    let campaign = state
        .db
        .read_outside_tx(move |conn| campaigns::get(conn, id))
        .await?;
    let leads = preview_leads(&state, id).await?;
    let chosen = f
        .lead
        .parse::<u64>()
        .ok()
        .and_then(|lead| leads.iter().find(|d| d.lead.id == lead))
        .or(leads.first())
        .ok_or_else(|| Failure::not_found("the campaign has no lead to write a preview for yet"))?;
    let edited = Campaign {
        product_docs: f.product_docs.clone(),
        follow_up_template: f.preview_row().1.template.clone(),
        booking_link: f.booking_link(),
        ..campaign
    };
    Ok(match preview::follow_up(&edited, chosen, &state.prompts) {
        Ok(text) => text.into_response(),
        Err(why) => (StatusCode::UNPROCESSABLE_ENTITY, why).into_response(),
    })
}

#[derive(Debug, serde::Deserialize)]
struct Active {
    active: String,
}

/// `POST /campaigns/{id}/active`: pause (`active=false`) or resume (`active=true`).
pub(super) async fn set_active(
    State(state): State<Arc<ConsoleState>>,
    Path(id): Path<String>,
    body: Bytes,
) -> PageResult {
    let id = campaign_id(&id)?;
    let a: Active = form(&body)?;
    let active = match a.active.as_str() {
        "true" => true,
        "false" => false,
        other => return Err(Failure::bad_request(format!("`{other}`: true or false"))),
    };
    state
        .db
        .write(move |tx| {
            campaigns::update(
                tx,
                id,
                &CampaignChanges {
                    active: Some(active),
                    ..CampaignChanges::default()
                },
            )
        })
        .await?;
    Ok(Redirect::to("/campaigns").into_response())
}
