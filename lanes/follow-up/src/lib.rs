//! The follow-up lane (major): sends the next step of the campaign's sequence to the
//! connection whose step has been due longest, through the journal. Right before Send it
//! reads the person's conversation once more (inside the journal's intent): a reply there
//! withholds the message and stops the lead. A done step moves the lead on (the last one
//! completes it); a lead that cannot be messaged fails, so it never blocks the others.

use outlane_sdk::crm::{self, Action, ActionResult, Lead, OpenIntent};
use outlane_sdk::journal::MAX_UNSENT_ATTEMPTS;
use outlane_sdk::linkedin::inbox::{self, Queries};
use outlane_sdk::linkedin::message::{self, Channel, MAX_MESSAGE_CHARS, Sent};
use outlane_sdk::prelude::*;
use outlane_sdk::template;

pub mod message_text;

/// What the lane says when no step is due.
const NO_STEP_DUE: &str = "no connection has a step of the sequence due";
/// Lane state key counting messages found unsent after a stop, per lead.
const UNSENT_KEY: &str = "unsent-messages";
/// Lane state key counting the calls that could not check a conversation, per lead.
const UNCHECKED_KEY: &str = "unchecked-messages";

/// Why a lead whose message could never be checked is failed.
pub const UNCHECKED_REASON: &str = "the follow-up may or may not have gone out: its conversation \
     could not be checked after a stop; it is never sent again, check LinkedIn by hand";

/// How far back the last check looks for the person's conversation when the CRM does not know
/// it yet: a week before the lead became connected.
const LOOK_BACK_MS: u64 = 7 * 24 * 3_600_000;

/// The follow-up lane's configuration (the messages come from the campaign's sequence and
/// booking link).
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FollowUpConfig {
    /// The messaging API's query ids, for the last check before Send.
    pub queries: Queries,
    /// Read the person's conversation right before Send (on by default; off only where no
    /// messaging API answers).
    pub last_check: bool,
}

impl Default for FollowUpConfig {
    fn default() -> FollowUpConfig {
        FollowUpConfig {
            queries: Queries::default(),
            last_check: true,
        }
    }
}

/// The follow-up lane.
#[derive(Debug)]
pub struct FollowUp {
    config: FollowUpConfig,
}

/// The name the message is addressed to: the lead's, else its profile's.
fn full_name(lead: &Lead) -> Option<String> {
    template::person_of(lead, lead.profile().as_ref()).full_name
}

fn channel_name(channel: Channel) -> &'static str {
    match channel {
        Channel::Popup => "popup",
        Channel::MessagingPage => "the messaging page",
    }
}

/// Fails `lead` with `reason` and reports it.
fn fail(lead: &Lead, reason: &str) -> Result<Report> {
    crm::set_stage(lead.id, Stage::Failed, reason)?;
    warn!("follow-up: {}: {reason}", lead.who());
    Ok(Report::worked(format!(
        "did not message {}: {reason}; failed",
        lead.who()
    )))
}

/// Settles one open message intent by looking for the text in the conversation. A
/// conversation that cannot be opened now is looked at again on the next calls (the intent
/// stays open, so nothing is sent to the lead meanwhile); after [`MAX_UNSENT_ATTEMPTS`] calls
/// the lead is failed: the message is neither assumed sent nor sent again.
fn reconcile_one(
    intent: &OpenIntent,
    unsent: &mut journal::Attempts,
    unchecked: &mut journal::Attempts,
) -> Result<String> {
    let lead = &intent.lead;
    let name = full_name(lead).unwrap_or_default();
    let found = match lead.profile_id().map_err(|e| e.message().to_string()) {
        Ok(id) => message::was_sent(&id, &name, &intent.detail)?,
        Err(_) => None,
    };
    match found {
        Some(true) => {
            crm::finish_action(
                intent.id,
                &ActionResult::Done("found after a restart".into()),
            )?;
            unsent.clear(lead.id)?;
            unchecked.clear(lead.id)?;
            Ok(format!("{}: sent (found in the conversation)", lead.who()))
        }
        None => {
            let tries = unchecked.bump(lead.id)?;
            if tries < MAX_UNSENT_ATTEMPTS {
                return Ok(format!(
                    "{}: the conversation cannot be checked now (try {tries} of \
                     {MAX_UNSENT_ATTEMPTS}); nothing is sent meanwhile",
                    lead.who()
                ));
            }
            journal::not_done_and_fail("follow-up", intent.id, lead, UNCHECKED_REASON)?;
            unchecked.clear(lead.id)?;
            unsent.clear(lead.id)?;
            Ok(format!("{}: failed ({UNCHECKED_REASON})", lead.who()))
        }
        Some(false) => {
            unchecked.clear(lead.id)?;
            let attempts = unsent.bump(lead.id)?;
            crm::finish_action(
                intent.id,
                &ActionResult::NotDone("not sent before the stop".into()),
            )?;
            if attempts >= MAX_UNSENT_ATTEMPTS {
                let why = format!("{attempts} message attempts did not go through");
                crm::set_stage(lead.id, Stage::Failed, &why)?;
                unsent.clear(lead.id)?;
                return Ok(format!("{}: failed ({why})", lead.who()));
            }
            Ok(format!(
                "{}: not sent before the stop; it stays connected",
                lead.who()
            ))
        }
    }
}

/// Settles every open message intent. `None` when there was none.
fn reconcile() -> Result<Option<Report>> {
    let mut unsent = journal::Attempts::load(UNSENT_KEY);
    let mut unchecked = journal::Attempts::load(UNCHECKED_KEY);
    let lines = journal::settle_open_intents(Action::Message, "message", |intent| {
        reconcile_one(intent, &mut unsent, &mut unchecked)
    })?;
    Ok(journal::settled_report(lines, "message"))
}

impl Lane for FollowUp {
    type Config = FollowUpConfig;
    const SUMMARY: &'static str =
        "sends the follow-up message to new connections, journaled and verified";

    fn new(config: FollowUpConfig) -> Result<Self> {
        Ok(FollowUp { config })
    }

    fn readiness(&mut self, _ctx: &Context) -> Result<Readiness> {
        let ready =
            !crm::due_steps(1)?.is_empty() || !crm::open_intents(Action::Message)?.is_empty();
        Ok(Readiness::when(ready, || NO_STEP_DUE))
    }

    fn execute(&mut self, _ctx: &Context) -> Result<Report> {
        if let Some(report) = reconcile()? {
            return Ok(report);
        }
        let Some(due) = crm::due_steps(1)?.into_iter().next() else {
            return Ok(Report::idle(NO_STEP_DUE));
        };
        let lead = due.lead;
        let step = format!("step {} of {}", due.step.position, due.steps);
        let name = lead.who();
        let id = match lead.profile_id().map_err(|e| e.message().to_string()) {
            Ok(id) => id,
            Err(why) => return fail(&lead, &why),
        };
        let Some(full_name) = full_name(&lead) else {
            return fail(&lead, "no name to address the message to");
        };
        let campaign = crm::current_campaign()?;
        let profile = lead.profile();
        let text =
            match message_text::step_text(&lead, profile.as_ref(), &campaign, &due.step.template) {
                Ok(text) => text,
                // The template cannot be written for this lead (a value it prints is missing...).
                Err(Error::Invalid(why)) => {
                    return fail(&lead, &format!("cannot write the message: {why}"));
                }
                // A missing prompt, the LLM budget, a network error: nothing about this lead, so
                // it stays connected and the lane reports the error.
                Err(e) => return Err(e),
            };
        if text.trim().is_empty() {
            return fail(&lead, "cannot write the message: the template gave no text");
        }
        if text.chars().count() > MAX_MESSAGE_CHARS {
            return fail(
                &lead,
                &format!(
                    "cannot write the message: {} characters, LinkedIn accepts {MAX_MESSAGE_CHARS}",
                    text.chars().count()
                ),
            );
        }
        // Rate-limited: the daemon waits until the limit ends.
        let intent = crm::begin_action(lead.id, Action::Message, &text)?;
        let queries = self.config.queries.clone();
        let check = self.config.last_check;
        let since = lead.stage_changed_ms.saturating_sub(LOOK_BACK_MS);
        let mut last_check = || -> Result<Option<String>> {
            if !check {
                return Ok(None);
            }
            inbox::reply_since(&queries, &lead, since)
        };
        let outcome = match message::send_message_checked(&id, &full_name, &text, &mut last_check) {
            Ok(outcome) => outcome,
            Err(e) => {
                // It may or may not have gone out: the intent stays open and the next call
                // looks for it in the conversation before anything else.
                warn!(
                    "follow-up: {name}: the message flow failed ({}); intent #{intent} left open for reconciliation",
                    e.message()
                );
                return Err(e);
            }
        };
        let summary = match outcome {
            Sent::Delivered(channel) => {
                let how = channel_name(channel);
                crm::finish_action(intent, &ActionResult::Done(format!("delivered via {how}")))?;
                format!("messaged {name} ({step}) via {how}")
            }
            Sent::Unconfirmed(channel) => {
                let how = channel_name(channel);
                crm::finish_action(
                    intent,
                    &ActionResult::Done(format!(
                        "sent via {how}, unconfirmed: treated as sent, never resent"
                    )),
                )?;
                format!("messaged {name} ({step}) via {how} (unconfirmed, treated as sent)")
            }
            Sent::Withheld(reply) => {
                crm::finish_action(
                    intent,
                    &ActionResult::NotDone("withheld: the person replied before Send".into()),
                )?;
                let first: String = reply.chars().take(60).collect();
                format!(
                    "did not send {step} to {name}: they replied (\u{201c}{first}\u{201d}); stopped"
                )
            }
            Sent::Failed(why) => {
                let reason = format!("message not sent: {why}");
                journal::not_done_and_fail("follow-up", intent, &lead, &reason)?;
                format!("did not message {name}: {why}; failed")
            }
        };
        journal::action_report("follow-up", &summary)
    }
}

// The lane as a WebAssembly component: in a wasm build (natively the crate is a library, for
// its unit tests), with the `export` feature (on by default; off where the source is reused
// as a module of another lane).
#[cfg(all(target_arch = "wasm32", feature = "export"))]
outlane_sdk::export_lane!(FollowUp);
