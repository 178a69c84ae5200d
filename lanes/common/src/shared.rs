//! Helpers the default lanes share that talk to the host: the account's own ids, discovery
//! after a navigation, campaign settings, a lead's profile and the follow-up text.

use crate::text::{self, CampaignSettings, FollowUpTemplate, Person};
use outlane_sdk::crm::{self, Action, ActionResult, Campaign, Lead, LeadId, OpenIntent};
use outlane_sdk::linkedin::{self, Profile, ProfileId};
use outlane_sdk::prelude::*;
use serde_json::json;
use std::collections::BTreeMap;

/// Lane state key holding the account's own ids.
pub const OWN_IDS_KEY: &str = "own-ids";

/// The account's own ids (vanity and member id), from its Voyager profile. Fetched once per
/// lane and account and kept in the account's scope of the lane's state under
/// [`OWN_IDS_KEY`] (they are facts about the account, not about a campaign). Empty (and not
/// kept) when LinkedIn does not answer with the profile.
pub fn own_ids() -> Result<Vec<ProfileId>> {
    // A value that cannot be read is fetched again rather than trusted.
    if let Ok(Some(stored)) = state::account().get_json::<Vec<String>>(OWN_IDS_KEY) {
        let ids: Vec<ProfileId> = stored
            .iter()
            .filter_map(|s| ProfileId::from_identifier(s).ok())
            .collect();
        if !ids.is_empty() {
            return Ok(ids);
        }
    }
    let Some(fetched) = linkedin::voyager::fetch_own_profile()? else {
        warn!("LinkedIn did not return the account's own profile; its ids are unknown for now");
        return Ok(Vec::new());
    };
    let ids = text::own_ids_of(&fetched.profile);
    if !ids.is_empty() {
        let stored: Vec<&str> = ids.iter().map(ProfileId::as_str).collect();
        state::account().set_json(OWN_IDS_KEY, &stored)?;
    }
    Ok(ids)
}

/// Auto-discovery: the profiles the current page links to (without the account's own, see
/// [`own_ids`]) are added to the campaign as discovered leads. Returns how many were new.
///
/// Nothing is fetched here: new leads are enriched later, one at a time, by the enrich lane.
pub fn discover_here() -> Result<u32> {
    let own = own_ids()?;
    let found = linkedin::discover::profiles_on_page(&own)?;
    if found.is_empty() {
        return Ok(0);
    }
    let urls: Vec<String> = found.iter().map(ProfileId::canonical_url).collect();
    let new = crm::discover(&urls)?;
    if new > 0 {
        info!(
            "discovered {new} new people ({} linked on the page)",
            urls.len()
        );
    }
    Ok(new)
}

/// [`discover_here`] where discovery is a side matter: its failure is logged and counts as
/// nothing found, except a lost session or a rate limit, which the caller must see.
pub fn discover_quietly() -> Result<u32> {
    match discover_here() {
        Ok(n) => Ok(n),
        Err(e @ (Error::Auth(_) | Error::RateLimited(_))) => Err(e),
        Err(e) => {
            warn!("discovery on this page failed: {}", e.message());
            Ok(0)
        }
    }
}

/// Closes `intent` as not done and fails its lead with `reason` (logged as
/// `lane: who: reason`).
pub fn not_done_and_fail(lane: &str, intent: u64, lead: &Lead, reason: &str) -> Result<()> {
    crm::finish_action(intent, &ActionResult::NotDone(reason.to_string()))?;
    crm::set_stage(lead.id, Stage::Failed, reason)?;
    warn!("{lane}: {}: {reason}", who(lead));
    Ok(())
}

/// The report of an outward action: `summary` (logged as `lane: summary`), plus the people
/// discovered on the page the action left the browser on.
pub fn action_report(lane: &str, summary: &str) -> Result<Report> {
    let new = discover_quietly()?;
    let discovered = if new > 0 {
        format!("; {new} new people discovered")
    } else {
        String::new()
    };
    info!("{lane}: {summary}");
    Ok(Report::worked(format!("{summary}{discovered}")))
}

/// The current campaign's settings (see [`CampaignSettings::parse`]).
pub fn settings() -> Result<CampaignSettings> {
    Ok(CampaignSettings::parse(
        &crm::current_campaign()?.settings_json,
    ))
}

/// The lead's parsed profile, as the enrich lane saved it; `None` when it has none or it
/// cannot be read.
pub fn lead_profile(lead: &Lead) -> Option<Profile> {
    lead.profile_json
        .as_deref()
        .and_then(|json| serde_json::from_str(json).ok())
}

/// The lead's LinkedIn id, from its canonical URL (else its public id).
pub fn lead_profile_id(lead: &Lead) -> std::result::Result<ProfileId, String> {
    ProfileId::parse(&lead.url)
        .or_else(|_| ProfileId::from_identifier(&lead.public_id))
        .map_err(|e| format!("lead {} has no usable profile id: {e}", lead.id))
}

/// How the lead is named in reports: "Jane Doe (jane-doe)".
pub fn who(lead: &Lead) -> String {
    text::describe(lead.full_name.as_deref(), &lead.public_id)
}

/// What a note or message may say about the lead.
pub fn person(lead: &Lead, profile: Option<&Profile>) -> Person {
    Person::new(lead.full_name.as_deref(), lead.headline.as_deref(), profile)
}

/// The follow-up message for `lead` in `campaign`, booking link included (see the crate
/// docs for how the campaign's template is read). An `invalid` or `not-found` error means
/// the template cannot be used as written.
pub fn follow_up_text(
    lead: &Lead,
    profile: Option<&Profile>,
    campaign: &Campaign,
) -> Result<String> {
    let who = person(lead, profile);
    let prompt_vars = || {
        json!({
            "first_name": who.greeting_name(),
            "headline": who.headline,
            "product_description": campaign.product_docs,
        })
        .to_string()
    };
    let body = match text::follow_up_template(&campaign.follow_up_template) {
        FollowUpTemplate::DefaultPrompt => llm::render("follow_up", &prompt_vars())?,
        FollowUpTemplate::Prompt(name) => llm::render(name, &prompt_vars())?,
        FollowUpTemplate::AiPrompt(name) => {
            let vars = json!({
                "first_name": who.greeting_name(),
                "profile_text": profile.map(linkedin::profile_text).unwrap_or_default(),
                "product_description": campaign.product_docs,
                "campaign_objective": campaign.objective,
            });
            llm::complete(name, &vars.to_string(), None)?.text
        }
        FollowUpTemplate::Literal(template) => text::substitute(template, &who),
    };
    Ok(text::with_booking_link(
        &body,
        campaign.booking_link.as_deref(),
    ))
}

/// Attempts per lead that did not go through, kept in the lane state under `key`: after a
/// few, a lane stops trying the lead instead of blocking its queue.
pub struct Attempts {
    key: &'static str,
    counts: BTreeMap<LeadId, u32>,
}

impl Attempts {
    /// The counts kept under `key` (none when absent or unreadable).
    pub fn load(key: &'static str) -> Attempts {
        let counts = state::get_json(key).ok().flatten().unwrap_or_default();
        Attempts { key, counts }
    }

    /// Counts one more attempt for `lead`; returns the attempts so far.
    pub fn bump(&mut self, lead: LeadId) -> Result<u32> {
        let n = self.counts.entry(lead).or_insert(0);
        *n = n.saturating_add(1);
        let n = *n;
        self.save()?;
        Ok(n)
    }

    /// Forgets `lead` (it went through, or was given up).
    pub fn clear(&mut self, lead: LeadId) -> Result<()> {
        if self.counts.remove(&lead).is_some() {
            self.save()?;
        }
        Ok(())
    }

    fn save(&self) -> Result<()> {
        state::set_json(self.key, &self.counts)
    }
}

/// Settles every open intent of `action` (begun by a run that stopped before finishing it)
/// with `settle`, which checks LinkedIn and returns one line saying what it found; each line
/// is logged as a reconciled `noun`. Stops early when the call must end.
pub fn settle_open_intents(
    action: Action,
    noun: &str,
    mut settle: impl FnMut(&OpenIntent) -> Result<String>,
) -> Result<Vec<String>> {
    let mut lines = Vec::new();
    for intent in &crm::open_intents(action)? {
        if host::should_stop() {
            break;
        }
        let line = settle(intent)?;
        info!("reconciled {noun} #{}: {line}", intent.id);
        lines.push(line);
    }
    Ok(lines)
}

/// The report of a call that only settled open intents (`None` when there were none).
pub fn settled_report(lines: Vec<String>, noun: &str) -> Option<Report> {
    (!lines.is_empty()).then(|| {
        Report::worked(format!(
            "reconciled {} unfinished {noun}(s): {}",
            lines.len(),
            lines.join("; ")
        ))
    })
}

/// How many times an outward action may be found "not sent" after a stop before the lead
/// is given up (failed) rather than tried again.
pub const MAX_UNSENT_ATTEMPTS: u32 = 3;

/// A stage's name as the CLI shows it.
pub fn stage_name(stage: Stage) -> &'static str {
    match stage {
        Stage::Discovered => "discovered",
        Stage::Enriched => "enriched",
        Stage::Qualified => "qualified",
        Stage::Disqualified => "disqualified",
        Stage::Pending => "pending",
        Stage::Connected => "connected",
        Stage::Completed => "completed",
        Stage::Failed => "failed",
        Stage::Ignored => "ignored",
    }
}
