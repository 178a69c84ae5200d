//! The connect lane (major): invites the best-ranked qualified lead, through the journal.
//!
//! Each call does one unit of work: first it settles invitations a previous run began but
//! never finished (the daemon stopped in between): it checks LinkedIn and records what
//! happened, never sending again blindly. Otherwise it takes the best qualified lead (the
//! campaign model's ranking; arrival order before the model can fit), checks where the account
//! stands with the person, and sends the invitation: `begin_action` (counts the limit,
//! journals the intent), send and verify, `finish_action`. Anything that sent nothing gives
//! the limit unit back and takes the lead out of the queue, so one lead can never block it.
//! A lead another lane holds (`crm::hold`) is passed by until its hold ends.

use outlane_sdk::crm::{self, Action, ActionResult, ExhaustedUntil, Lead, OpenIntent};
use outlane_sdk::journal::MAX_UNSENT_ATTEMPTS;
use outlane_sdk::linkedin::connect::{self, Invite, MAX_NOTE_CHARS};
use outlane_sdk::linkedin::status::{self, Connection};
use outlane_sdk::prelude::*;
use outlane_sdk::template;
use outlane_sdk::{LimitHit, qualifier};

/// How many qualified leads are ranked per call.
pub const RANKED: u32 = 200;

/// What the lane says when it has nobody to invite.
const NOTHING_TO_INVITE: &str = "no qualified lead to invite";

/// Lane state key counting invitations found unsent after a stop, per lead.
const UNSENT_KEY: &str = "unsent-invites";

/// The connect lane's configuration.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConnectConfig {
    /// The invitation note, with `{first_name}`, `{last_name}`, `{full_name}`, `{headline}`
    /// and `{company}` substituted; cut to 300 characters. Absent or empty: no note.
    pub note: Option<String>,
}

/// The connect lane.
#[derive(Debug, Clone)]
pub struct Connect {
    /// The note template in use, if any.
    note: Option<String>,
}

impl Connect {
    /// The lane with `default_note` used when the configuration gives no note (a build of
    /// the lane with a note compiled in).
    pub fn with_default_note(config: ConnectConfig, default_note: &str) -> Connect {
        let mut lane = Connect::from_config(config);
        if lane.note.is_none() {
            lane.note = Some(default_note.to_string()).filter(|n| !n.trim().is_empty());
        }
        lane
    }

    fn from_config(config: ConnectConfig) -> Connect {
        Connect {
            note: config.note.filter(|n| !n.trim().is_empty()),
        }
    }

    /// The note for `lead`, placeholders substituted.
    fn note_for(&self, lead: &Lead) -> Option<String> {
        let template = self.note.as_deref()?;
        let profile = lead.profile();
        let person = template::person_of(lead, profile.as_ref());
        template::render_note(template, &person, MAX_NOTE_CHARS)
    }
}

/// Settles one open invitation intent; returns what was found, for the report.
fn reconcile_one(intent: &OpenIntent, unsent: &mut journal::Attempts) -> Result<String> {
    let lead = &intent.lead;
    let id = match lead.profile_id().map_err(|e| e.message().to_string()) {
        Ok(id) => id,
        Err(why) => {
            journal::not_done_and_fail("connect", intent.id, lead, &why)?;
            return Ok(format!("{}: failed ({why})", lead.who()));
        }
    };
    let found = match status::connection_status(&id)? {
        Connection::Pending => {
            crm::finish_action(
                intent.id,
                &ActionResult::Done("verified after a restart".into()),
            )?;
            "the invitation is pending".to_string()
        }
        Connection::Connected => {
            crm::finish_action(
                intent.id,
                &ActionResult::Done("verified after a restart (already accepted)".into()),
            )?;
            // The done invitation made the lead pending; it is already past that.
            if crm::get_lead(lead.id)?.stage == Stage::Pending {
                crm::set_stage(lead.id, Stage::Connected, "invitation accepted")?;
            }
            "the invitation was accepted".to_string()
        }
        Connection::NotConnected => {
            let attempts = unsent.bump(lead.id)?;
            if attempts >= MAX_UNSENT_ATTEMPTS {
                let why = format!("{attempts} invitation attempts did not go through");
                journal::not_done_and_fail("connect", intent.id, lead, &why)?;
                unsent.clear(lead.id)?;
                return Ok(format!("{}: failed ({why})", lead.who()));
            }
            crm::finish_action(
                intent.id,
                &ActionResult::NotDone("not sent before the stop".into()),
            )?;
            // Counted: the lead is invited normally later, but not forever.
            return Ok(format!(
                "{}: not sent before the stop; it stays qualified",
                lead.who()
            ));
        }
        Connection::Unavailable(why) => {
            journal::not_done_and_fail("connect", intent.id, lead, &why)?;
            format!("failed ({why})")
        }
    };
    unsent.clear(lead.id)?;
    Ok(format!("{}: {found}", lead.who()))
}

/// Settles every open invitation intent. `None` when there was none.
fn reconcile() -> Result<Option<Report>> {
    let mut unsent = journal::Attempts::load(UNSENT_KEY);
    let lines = journal::settle_open_intents(Action::Invite, "invitation", |intent| {
        reconcile_one(intent, &mut unsent)
    })?;
    Ok(journal::settled_report(lines, "invitation"))
}

/// The qualified leads, best first: the model's ranking, or arrival order when it cannot
/// rank them.
fn ranked(leads: Vec<Lead>) -> Result<Vec<Lead>> {
    let ids: Vec<u64> = leads.iter().map(|l| l.id).collect();
    let order = match qualifier::rank(&ids) {
        Ok(scored) => scored.into_iter().map(|s| s.id).collect::<Vec<_>>(),
        // A lost session or a spent limit is the lane's error.
        Err(e @ (Error::Auth(_) | Error::RateLimited(_))) => return Err(e),
        // The ranking only orders the queue: a lead that cannot be embedded (qualified by
        // hand without a profile) or a qualifier that cannot answer must not stop every
        // invitation. Arrival order, then.
        Err(e) => {
            warn!(
                "connect: cannot rank the qualified leads ({}); taking them in arrival order",
                e.message()
            );
            ids
        }
    };
    let mut leads = leads;
    let mut out = Vec::with_capacity(leads.len());
    for id in order {
        if let Some(i) = leads.iter().position(|l| l.id == id) {
            out.push(leads.swap_remove(i));
        }
    }
    Ok(out)
}

/// Qualified leads no hold keeps from an invitation (up to [`RANKED`]), and how many held
/// ones were passed by. The oldest first; when every one of those is held, the rest of the
/// stage is walked by id (a few thousand at most).
fn unheld_qualified() -> Result<(Vec<Lead>, usize)> {
    let first = crm::leads(Stage::Qualified, RANKED)?;
    let full = first.len() as u32 == RANKED;
    let (mut free, held): (Vec<Lead>, Vec<Lead>) = first.into_iter().partition(|l| !l.is_held());
    let mut passed = held.len();
    if free.is_empty() && full {
        // Every one of the oldest is held: walk the stage by id for one that is not.
        passed = 0;
        let mut after = 0;
        for _ in 0..25 {
            let page = crm::leads_after(Stage::Qualified, after, RANKED)?;
            let Some(last) = page.last() else { break };
            after = last.id;
            let n = page.len();
            for lead in page {
                if lead.is_held() {
                    passed += 1;
                } else {
                    free.push(lead);
                }
            }
            if !free.is_empty() || (n as u32) < RANKED {
                break;
            }
        }
    }
    Ok((free, passed))
}

impl Lane for Connect {
    type Config = ConnectConfig;
    const SUMMARY: &'static str =
        "invites the best-ranked qualified lead, journaled and verified on the page";

    fn new(config: ConnectConfig) -> Result<Self> {
        Ok(Connect::from_config(config))
    }

    fn readiness(&mut self, _ctx: &Context) -> Result<Readiness> {
        let ready =
            crm::count(Stage::Qualified)? > 0 || !crm::open_intents(Action::Invite)?.is_empty();
        Ok(Readiness::when(ready, || NOTHING_TO_INVITE))
    }

    fn execute(&mut self, _ctx: &Context) -> Result<Report> {
        if let Some(report) = reconcile()? {
            return Ok(report);
        }
        let (qualified, held) = unheld_qualified()?;
        let Some(lead) = ranked(qualified)?.into_iter().next() else {
            return Ok(Report::idle(if held == 0 {
                NOTHING_TO_INVITE.to_string()
            } else {
                format!("{NOTHING_TO_INVITE}: {held} held by other lanes")
            }));
        };
        let name = lead.who();
        let id = match lead.profile_id().map_err(|e| e.message().to_string()) {
            Ok(id) => id,
            Err(why) => {
                crm::set_stage(lead.id, Stage::Failed, &why)?;
                return Ok(Report::worked(format!("{name}: failed ({why})")));
            }
        };
        match status::connection_status(&id)? {
            Connection::Connected => {
                crm::set_stage(lead.id, Stage::Connected, "already connected")?;
                return Ok(Report::worked(format!(
                    "{name}: already connected, moved to connected"
                )));
            }
            Connection::Pending => {
                crm::set_stage(lead.id, Stage::Pending, "an invitation was already pending")?;
                return Ok(Report::worked(format!(
                    "{name}: an invitation was already pending, moved to pending"
                )));
            }
            Connection::Unavailable(why) => {
                crm::set_stage(lead.id, Stage::Failed, &why)?;
                return Ok(Report::worked(format!("{name}: failed ({why})")));
            }
            Connection::NotConnected => {}
        }
        let note = self.note_for(&lead);
        let intent = match crm::begin_action(lead.id, Action::Invite, note.as_deref().unwrap_or(""))
        {
            Ok(intent) => intent,
            // Invited through another campaign of this account: never invite twice.
            Err(Error::Invalid(why)) if why.contains("through another campaign") => {
                crm::set_stage(lead.id, Stage::Ignored, &why)?;
                return Ok(Report::worked(format!("{name}: ignored ({why})")));
            }
            // Rate-limited: the daemon waits until the limit ends.
            Err(e) => return Err(e),
        };
        let outcome = match connect::send_invitation(&id, note.as_deref()) {
            Ok(outcome) => outcome,
            Err(e) => {
                // It may or may not have gone out: the intent stays open and the next call
                // checks LinkedIn before anything else.
                warn!(
                    "connect: {name}: the invitation flow failed ({}); intent #{intent} left open for reconciliation",
                    e.message()
                );
                return Err(e);
            }
        };
        let with_note = if note.is_some() { " with note" } else { "" };
        let summary = match outcome {
            Invite::Sent => {
                crm::finish_action(intent, &ActionResult::Done(format!("sent{with_note}")))?;
                format!("invited {name}: sent{with_note}")
            }
            Invite::Unconfirmed => {
                crm::finish_action(
                    intent,
                    &ActionResult::Done("unconfirmed: treated as sent, never resent".into()),
                )?;
                format!("invited {name}: unconfirmed{with_note}, treated as sent")
            }
            Invite::AlreadyPending => {
                let why = "an invitation was already pending";
                crm::finish_action(intent, &ActionResult::NotDone(why.into()))?;
                crm::set_stage(lead.id, Stage::Pending, why)?;
                format!("did not invite {name}: {why}, moved to pending")
            }
            Invite::AlreadyConnected => {
                let why = "already connected";
                crm::finish_action(intent, &ActionResult::NotDone(why.into()))?;
                crm::set_stage(lead.id, Stage::Connected, why)?;
                format!("did not invite {name}: {why}, moved to connected")
            }
            Invite::WeeklyLimit => {
                let why = "LinkedIn's weekly invitation limit";
                crm::finish_action(intent, &ActionResult::NotDone(why.into()))?;
                let until = crm::mark_exhausted(Action::Invite, ExhaustedUntil::EndOfWeek, why)?;
                warn!("connect: {why} reached; no invitations until {until} (ms since the epoch)");
                return Err(Error::RateLimited(LimitHit {
                    reason: why.to_string(),
                    until_ms: Some(until),
                }));
            }
            Invite::Refused(why) => {
                let why = format!("invitation refused: {why}");
                journal::not_done_and_fail("connect", intent, &lead, &why)?;
                format!("did not invite {name}: {why}; failed")
            }
            Invite::NoConnectControl => {
                let why = "the profile offers no way to connect";
                journal::not_done_and_fail("connect", intent, &lead, why)?;
                format!("did not invite {name}: {why}; failed")
            }
            Invite::Unavailable(why) => {
                journal::not_done_and_fail("connect", intent, &lead, &why)?;
                format!("did not invite {name}: {why}; failed")
            }
        };
        journal::action_report("connect", &summary)
    }
}

// The lane as a WebAssembly component: in a wasm build (natively the crate is a library, for
// its unit tests), with the `export` feature (on by default; off where the source is reused
// as a module of another lane).
#[cfg(all(target_arch = "wasm32", feature = "export"))]
outlane_sdk::export_lane!(Connect);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_and_default_note() {
        let none: ConnectConfig = serde_json::from_str("{}").expect("empty config");
        assert_eq!(Connect::from_config(none.clone()).note, None);
        assert_eq!(
            Connect::with_default_note(none, "Hi {first_name}")
                .note
                .as_deref(),
            Some("Hi {first_name}")
        );
        let blank: ConnectConfig = serde_json::from_str(r#"{"note":"  "}"#).expect("blank note");
        assert_eq!(
            Connect::with_default_note(blank, "Hi").note.as_deref(),
            Some("Hi")
        );
        let own: ConnectConfig =
            serde_json::from_str(r#"{"note":"Hello {full_name}"}"#).expect("note");
        assert_eq!(
            Connect::with_default_note(own, "Hi").note.as_deref(),
            Some("Hello {full_name}")
        );
        assert!(serde_json::from_str::<ConnectConfig>(r#"{"notes":"x"}"#).is_err());
    }
}
