//! Campaigns: the list (pause, resume), a new one, and the edit page with a live preview of
//! the follow-up message for a real lead. A form that does not validate is shown again with
//! the error and the values as typed; nothing is saved.

use super::super::ConsoleState;
use super::super::auth::Session;
use super::super::preview;
use super::super::views::{Failure, PageResult, views};
use super::{context, form, number, value};
use crate::crm::browse::{self, LeadQuery, LeadSort};
use crate::crm::campaigns::{self, Campaign, CampaignChanges, NewCampaign};
use crate::crm::{CrmError, accounts};
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
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
}

impl CampaignForm {
    /// The form showing `campaign` as stored.
    fn of(campaign: &Campaign) -> CampaignForm {
        CampaignForm {
            name: campaign.name.clone(),
            account: campaign.account_id.to_string(),
            product_docs: campaign.product_docs.clone(),
            objective: campaign.objective.clone(),
            follow_up_template: campaign.follow_up_template.clone(),
            booking_link: campaign.booking_link.clone().unwrap_or_default(),
            lead: String::new(),
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
        Ok(())
    }

    fn booking_link(&self) -> Option<String> {
        let link = self.booking_link.trim();
        (!link.is_empty()).then(|| link.to_string())
    }
}

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
    let f = typed.unwrap_or_else(|| CampaignForm::of(&campaign));
    let chosen = f
        .lead
        .parse::<u64>()
        .ok()
        .and_then(|id| leads.iter().find(|d| d.lead.id == id))
        .or(leads.first());
    let edited = Campaign {
        product_docs: f.product_docs.clone(),
        follow_up_template: f.follow_up_template.clone(),
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
    let campaign = state
        .db
        .read_outside_tx(move |conn| campaigns::get(conn, id))
        .await?;
    let typed = q.lead.map(|lead| CampaignForm {
        lead,
        ..CampaignForm::of(&campaign)
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
    let f: CampaignForm = form(&body)?;
    f.check_sizes()?;
    let changes = CampaignChanges {
        name: Some(f.name.clone()),
        product_docs: Some(f.product_docs.clone()),
        objective: Some(f.objective.clone()),
        follow_up_template: Some(f.follow_up_template.clone()),
        booking_link: Some(f.booking_link()),
        active: None,
    };
    let saved = state
        .db
        .write(move |tx| campaigns::update(tx, id, &changes))
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

/// `POST /campaigns/{id}/preview`: the follow-up message the typed form would write for the
/// chosen lead (plain text; 422 with the reason when it cannot be written).
pub(super) async fn preview(
    State(state): State<Arc<ConsoleState>>,
    Path(id): Path<String>,
    body: Bytes,
) -> PageResult {
    let id = campaign_id(&id)?;
    let f: CampaignForm = form(&body)?;
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
        follow_up_template: f.follow_up_template.clone(),
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
