//! The CRM of the current campaign (needs the `crm` grant): leads and their stages, profiles,
//! search keywords, rate limits and the action journal.
//!
//! Every outward action follows the journal: [`begin_action`] (consumes the limit and records
//! the intent), act, verify, then [`finish_action`] with [`ActionResult::Done`] or
//! [`ActionResult::NotDone`] (which gives the limit unit back). After a crash, intents
//! without a result show up in [`open_intents`] to be checked, never repeated blindly.
//!
//! Conversations: [`save_thread`] stores what a lane read of a conversation (each message
//! once); the first reply of a person makes them `replied` everywhere, and the journal refuses
//! every action toward them from then on. The campaign's [`sequence`] of steps is sent through
//! the journal one [`due_steps`] entry at a time.
//!
//! Lanes coordinate with holds and tags: [`hold`] keeps invitations and messages from a lead
//! until a moment (the journal refuses them, [`due_steps`] leaves the lead out, the default
//! lanes pass it by; [`Lead::is_held`]), [`release`] ends this lane's hold; [`tag`],
//! [`untag`] and [`tagged`] put free-form labels on leads that every lane reads. The change
//! feed ([`changes`]) and keyset pages ([`leads_after`]) let a lane walk what changed, or a
//! whole stage, without keeping seen-sets.

pub use crate::__wit::outlane::lanes::crm::{
    Action, ActionResult, Campaign, DueStep, ExhaustedUntil, Lead, LeadHold, OpenIntent, Reply,
    ReplyClass, SequenceStep, StageChange, StoredThread, ThreadMessage, ThreadSaved, add_keywords,
    begin_action, changes, classify_reply, count, current_campaign, discover, due_pending,
    due_steps, finish_action, get_lead, hold, lead_by_url, leads, leads_after, mark_exhausted,
    open_intents, over_pending, release, save_profile, save_thread, sequence, set_backoff,
    set_stage, tag, tagged, take_keyword, thread, unclassified_replies, untag, used_keywords,
};
pub use crate::__wit::outlane::lanes::types::LeadId;

use crate::linkedin::{Profile, ProfileId};
use crate::{Error, Result};

impl Campaign {
    /// The campaign's settings (its `settings_json`, set with `outlane campaign`) read as `T`.
    /// Give `T` `#[serde(default)]` so that a missing key takes its default; a value of the
    /// wrong type is `invalid`, naming the key.
    pub fn settings<T: serde::de::DeserializeOwned>(&self) -> Result<T> {
        let text = if self.settings_json.trim().is_empty() {
            "{}"
        } else {
            &self.settings_json
        };
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
            Error::invalid(format!(
                "campaign `{}`: its settings are not JSON: {e}",
                self.name
            ))
        })?;
        serde_path_to_error::deserialize(value).map_err(|e| {
            Error::invalid(format!(
                "campaign `{}`: setting `{}`: {}",
                self.name,
                e.path(),
                e.inner()
            ))
        })
    }
}

impl Lead {
    /// Whether a hold keeps invitations and messages from the lead now (the host filled
    /// [`Lead::hold`] only with a hold that had not ended when the lead was read).
    pub fn is_held(&self) -> bool {
        self.hold.is_some()
    }

    /// Whether the lead has `tag` in this campaign.
    pub fn has_tag(&self, tag: &str) -> bool {
        self.tags.iter().any(|t| t == tag.trim())
    }

    /// The lead's parsed profile, once enriched (`None` before, or when it does not read as a
    /// profile).
    pub fn profile(&self) -> Option<Profile> {
        self.profile_json
            .as_deref()
            .and_then(|json| serde_json::from_str(json).ok())
    }

    /// The lead's LinkedIn id, from its canonical URL (else its public id).
    pub fn profile_id(&self) -> Result<ProfileId> {
        ProfileId::parse(&self.url)
            .or_else(|_| ProfileId::from_identifier(&self.public_id))
            .map_err(|e| Error::invalid(format!("lead {} has no usable profile id: {e}", self.id)))
    }

    /// How the lead is named in logs and reports: "Jane Doe (jane-doe)", else the id alone.
    pub fn who(&self) -> String {
        describe(self.full_name.as_deref(), &self.public_id)
    }
}

/// How a person is named in logs and reports: "Jane Doe (jane-doe)", or the public id alone.
pub fn describe(full_name: Option<&str>, public_id: &str) -> String {
    match full_name.map(str::trim).filter(|n| !n.is_empty()) {
        Some(name) if !public_id.is_empty() => format!("{name} ({public_id})"),
        Some(name) => name.to_string(),
        None if public_id.is_empty() => "a lead without id".into(),
        None => public_id.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_are_named_by_name_and_id() {
        assert_eq!(
            describe(Some("Jane Doe"), "jane-doe"),
            "Jane Doe (jane-doe)"
        );
        assert_eq!(describe(None, "jane-doe"), "jane-doe");
        assert_eq!(describe(Some(" "), "jane-doe"), "jane-doe");
        assert_eq!(describe(None, ""), "a lead without id");
    }
}
