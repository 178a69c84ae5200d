//! What every lane that acts on LinkedIn needs around the journal ([`crate::crm`]'s
//! `begin_action` → act and verify → `finish_action`):
//!
//! - [`settle_open_intents`]: at the start of a call, check LinkedIn for each action a stopped
//!   run began and never finished, and finish it (never repeat it blindly);
//! - [`Attempts`]: how many times an action was found not sent, so that a lead is given up
//!   after [`MAX_UNSENT_ATTEMPTS`] instead of blocking its queue;
//! - [`not_done_and_fail`]: finish an intent as not done and fail its lead, in one step;
//! - [`action_report`]: the report of an action, with the people discovered on the page.
//!
//! The host makes the journal binding: its browser lets an outward request out only for an
//! intent `begin_action` gave the same call.

use crate::crm::{self, Action, ActionResult, Lead, LeadId, OpenIntent};
use crate::{Report, Result, Stage, host, info, state, warn};
use std::collections::BTreeMap;

/// How many times an outward action may be found "not sent" after a stop before the lead is
/// given up (failed) rather than tried again.
pub const MAX_UNSENT_ATTEMPTS: u32 = 3;

/// Attempts per lead that did not go through, kept in the lane's state (the call's campaign)
/// under `key`: after a few, a lane stops trying the lead instead of blocking its queue.
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
/// with `settle`, which checks LinkedIn, finishes the intent and returns one line saying what
/// it found; each line is logged as a reconciled `noun`. Stops early when the call must end.
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

/// Closes `intent` as not done (its limit unit comes back) and fails its lead with `reason`,
/// logged as `lane: who: reason`.
pub fn not_done_and_fail(lane: &str, intent: u64, lead: &Lead, reason: &str) -> Result<()> {
    crm::finish_action(intent, &ActionResult::NotDone(reason.to_string()))?;
    crm::set_stage(lead.id, Stage::Failed, reason)?;
    warn!("{lane}: {}: {reason}", lead.who());
    Ok(())
}

/// The report of an outward action: `summary` (logged as `lane: summary`), plus the people
/// discovered on the page the action left the browser on.
pub fn action_report(lane: &str, summary: &str) -> Result<Report> {
    let new = crate::linkedin::discover::discover_quietly()?;
    let discovered = if new > 0 {
        format!("; {new} new people discovered")
    } else {
        String::new()
    };
    info!("{lane}: {summary}");
    Ok(Report::worked(format!("{summary}{discovered}")))
}
