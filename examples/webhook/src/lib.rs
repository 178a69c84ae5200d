//! Webhook: an example Outlane lane, and the template for integrations (Slack, HubSpot, n8n,
//! Zapier, your own service).
//!
//! Each run it reads the campaign's stage changes after the cursor it keeps in its state
//! (`crm::changes`), posts one JSON event to `url` for each change into one of `stages`
//! (default: connected and replied), and moves the cursor past each change once the receiver
//! answered 2xx. So every change is posted once, in order, across restarts and reloads; a
//! receiver that is down (5xx, timeout) is tried again at the next run from the same change.
//! The event carries a stable `event_id` (also sent as `Idempotency-Key`): a daemon killed
//! between the receiver's answer and the cursor's write posts that one event again at its
//! next start, and the receiver can tell.
//!
//! Grants: `crm` and `http` with `[lane.http] origins` naming the receiver; an optional
//! `secret` names a `[lane.http] secrets` entry sent as the `Authorization` header.

use outlane_sdk::crm::{self, StageChange};
use outlane_sdk::http;
use outlane_sdk::prelude::*;
use serde::Deserialize;
use serde_json::json;

/// Changes read per call.
const BATCH: u32 = 100;
/// Lane state key of the cursor (the last change id handled), per campaign.
const CURSOR: &str = "cursor";

/// `[lane.config]` of the webhook lane.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The receiver's URL (its origin must be in `[lane.http] origins`).
    pub url: String,
    /// The stages whose entry is posted (WIT names: "connected", "replied"...).
    #[serde(default = "default_stages")]
    pub stages: Vec<String>,
    /// The name of a `[lane.http] secrets` entry sent as `Authorization`.
    #[serde(default)]
    pub secret: Option<String>,
}

fn default_stages() -> Vec<String> {
    vec!["connected".into(), "replied".into()]
}

/// The event posted for `change` of `campaign`.
pub fn event(
    campaign: &str,
    campaign_id: u64,
    change: &StageChange,
    lead: &crm::Lead,
) -> serde_json::Value {
    json!({
        "event_id": format!("outlane:{campaign_id}:{}", change.id),
        "type": format!("lead.{}", change.to_stage.as_str()),
        "campaign": campaign,
        "lead": {
            "id": lead.id,
            "profile": lead.public_id,
            "url": lead.url,
            "name": lead.full_name,
            "headline": lead.headline,
        },
        "from": change.from_stage.map(Stage::as_str),
        "to": change.to_stage.as_str(),
        "reason": change.reason,
        "at_ms": change.at_ms,
    })
}

struct Webhook {
    config: Config,
}

impl Lane for Webhook {
    type Config = Config;
    const SUMMARY: &'static str =
        "posts an event to a webhook for each lead that connects or replies";

    fn new(config: Config) -> Result<Self> {
        if !config.url.starts_with("https://") && !config.url.starts_with("http://") {
            return Err(Error::invalid("`url` must be an http(s) URL"));
        }
        let known = [
            "discovered",
            "enriched",
            "qualified",
            "disqualified",
            "pending",
            "connected",
            "completed",
            "replied",
            "failed",
            "ignored",
        ];
        if let Some(bad) = config.stages.iter().find(|s| !known.contains(&s.as_str())) {
            return Err(Error::invalid(format!(
                "`stages`: unknown stage {bad:?} (one of {})",
                known.join(", ")
            )));
        }
        Ok(Webhook { config })
    }

    fn execute(&mut self, _ctx: &Context) -> Result<Report> {
        let campaign = crm::current_campaign()?;
        let mut cursor: u64 = state::get_json(CURSOR)?.unwrap_or(0);
        let changes = crm::changes(cursor, BATCH)?;
        if changes.is_empty() {
            return Ok(Report::idle("no new stage changes"));
        }
        let mut posted = 0;
        for change in &changes {
            if self
                .config
                .stages
                .iter()
                .any(|s| s == change.to_stage.as_str())
            {
                let lead = crm::get_lead(change.lead)?;
                let body = event(&campaign.name, campaign.id, change, &lead);
                let event_id = body["event_id"].as_str().unwrap_or_default().to_string();
                let secrets: Vec<(&str, &str)> = self
                    .config
                    .secret
                    .as_deref()
                    .map(|s| ("authorization", s))
                    .into_iter()
                    .collect();
                let answer = http::send(&http::Request {
                    method: "POST".into(),
                    url: self.config.url.clone(),
                    headers: vec![
                        http::Header {
                            name: "content-type".into(),
                            value: "application/json".into(),
                        },
                        http::Header {
                            name: "idempotency-key".into(),
                            value: event_id.clone(),
                        },
                    ],
                    secret_headers: secrets
                        .iter()
                        .map(|(name, value)| http::Header {
                            name: name.to_string(),
                            value: value.to_string(),
                        })
                        .collect(),
                    body: Some(body.to_string().into_bytes()),
                })
                .and_then(http::ensure_success);
                if let Err(e) = answer {
                    // The cursor stays before this change: the next run posts it again.
                    warn!("webhook: {event_id} not delivered: {}", e.message());
                    if posted == 0 {
                        return Err(e);
                    }
                    return Ok(Report::worked(format!(
                        "posted {posted} event(s); {event_id} not delivered yet ({})",
                        e.message()
                    )));
                }
                posted += 1;
            }
            cursor = change.id;
            state::set_json(CURSOR, &cursor)?;
        }
        Ok(Report::worked(format!(
            "posted {posted} event(s) of {} change(s); cursor at {cursor}",
            changes.len()
        )))
    }
}

export_lane!(Webhook);
