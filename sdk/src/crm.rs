//! The CRM of the current campaign (needs the `crm` grant): leads and their stages, profiles,
//! search keywords, rate limits and the action journal.
//!
//! Every outward action follows the journal: [`begin_action`] (consumes the limit and records
//! the intent), act, verify, then [`finish_action`] with [`ActionResult::Done`] or
//! [`ActionResult::NotDone`] (which gives the limit unit back). After a crash, intents
//! without a result show up in [`open_intents`] to be checked, never repeated blindly.

pub use crate::__wit::outlane::lanes::crm::{
    Action, ActionResult, Campaign, ExhaustedUntil, Lead, OpenIntent, add_keywords, begin_action,
    count, current_campaign, discover, due_pending, finish_action, get_lead, lead_by_url, leads,
    mark_exhausted, open_intents, save_profile, set_backoff, set_stage, take_keyword,
    used_keywords,
};
pub use crate::__wit::outlane::lanes::types::LeadId;
