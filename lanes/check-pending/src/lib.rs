//! The check-pending lane (major): looks at invitations whose next check is due. Accepted →
//! connected; no longer pending (declined or withdrawn) → failed, never invited again; still
//! pending → checked again after twice the previous wait (24 h, 48 h, 96 h…), and given up
//! once the wait would pass `max_backoff_hours`: withdrawn (journaled like any outward
//! action) or simply failed. While the account has as many invitations waiting as its
//! `max_pending` (a host guard), the oldest ones (`crm::over-pending`) are given up first.

use outlane_sdk::LimitHit;
use outlane_sdk::crm::{self, Action, ActionResult, Lead, OpenIntent};
use outlane_sdk::linkedin;
use outlane_sdk::linkedin::connect::{self, Withdrawal};
use outlane_sdk::linkedin::status::{self, Connection};
use outlane_sdk::prelude::*;

/// The next back-off of a pending lead: twice the current one (24 h when none was set).
pub fn next_backoff(current_hours: u32) -> u32 {
    if current_hours == 0 {
        24
    } else {
        current_hours.saturating_mul(2)
    }
}

/// Whole days from `from_ms` to `to_ms` (0 when `to_ms` is earlier).
pub fn whole_days(from_ms: u64, to_ms: u64) -> u64 {
    to_ms.saturating_sub(from_ms) / 86_400_000
}

/// What to do with an invitation nobody answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GiveUp {
    /// Withdraw the invitation (counted against the withdrawal limit); the lead fails.
    #[default]
    Withdraw,
    /// Leave the invitation out and fail the lead.
    Fail,
}

/// The check-pending lane's configuration.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CheckPendingConfig {
    /// The longest wait between two checks, in hours; an invitation that would wait longer
    /// is given up. Default 336 (two weeks): checks 1, 3 and 7 days after the invitation,
    /// and the check on day 15 gives up.
    pub max_backoff_hours: u32,
    /// What giving up does: "withdraw" (default) or "fail".
    pub give_up: GiveUp,
    /// How many due leads one call checks at most. Default 20.
    pub batch: u32,
}

impl Default for CheckPendingConfig {
    fn default() -> Self {
        CheckPendingConfig {
            max_backoff_hours: 336,
            give_up: GiveUp::Withdraw,
            batch: 20,
        }
    }
}

/// The check-pending lane.
#[derive(Debug, Clone)]
pub struct CheckPending {
    config: CheckPendingConfig,
}

/// What one call did, for its report.
#[derive(Debug, Default)]
struct Tally {
    checked: u32,
    accepted: u32,
    gone: u32,
    still: u32,
    next_hours: Option<u32>,
    withdrawn: u32,
    given_up: u32,
    failed: u32,
    recheck: u32,
    limited: Option<LimitHit>,
    waiting_for_limit: u32,
}

impl Tally {
    fn summary(&self) -> String {
        let mut parts = Vec::new();
        if self.accepted > 0 {
            parts.push(format!("{} accepted", self.accepted));
        }
        if self.still > 0 {
            let next = self
                .next_hours
                .map(|h| format!(" (next in {h}h)"))
                .unwrap_or_default();
            parts.push(format!("{} still pending{next}", self.still));
        }
        if self.gone > 0 {
            parts.push(format!("{} no longer pending", self.gone));
        }
        if self.withdrawn > 0 {
            parts.push(format!("{} withdrawn", self.withdrawn));
        }
        if self.given_up > 0 {
            parts.push(format!("{} given up", self.given_up));
        }
        if self.failed > 0 {
            parts.push(format!("{} failed", self.failed));
        }
        if self.recheck > 0 {
            parts.push(format!("{} to check again", self.recheck));
        }
        if let Some(hit) = &self.limited {
            parts.push(format!(
                "{} to withdraw once the limit allows ({})",
                self.waiting_for_limit, hit.reason
            ));
        }
        format!("checked {}: {}", self.checked, parts.join(", "))
    }
}

/// Settles one open withdrawal intent; returns what was found.
fn reconcile_one(intent: &OpenIntent) -> Result<String> {
    let lead = &intent.lead;
    let id = match lead.profile_id().map_err(|e| e.message().to_string()) {
        Ok(id) => id,
        Err(why) => {
            journal::not_done_and_fail("check-pending", intent.id, lead, &why)?;
            return Ok(format!("{}: failed ({why})", lead.who()));
        }
    };
    let found = match status::connection_status(&id)? {
        Connection::Pending => {
            crm::finish_action(
                intent.id,
                &ActionResult::NotDone("not withdrawn before the stop".into()),
            )?;
            "still pending; checked again next time".to_string()
        }
        Connection::NotConnected => {
            // The done withdrawal fails the lead.
            crm::finish_action(
                intent.id,
                &ActionResult::Done("verified after a restart".into()),
            )?;
            "withdrawn".to_string()
        }
        Connection::Connected => {
            // Accepted before the withdrawal went through: nothing was withdrawn.
            crm::finish_action(
                intent.id,
                &ActionResult::NotDone("accepted before it was withdrawn".into()),
            )?;
            crm::set_stage(lead.id, Stage::Connected, "invitation accepted")?;
            "accepted".to_string()
        }
        Connection::Unavailable(why) => {
            journal::not_done_and_fail("check-pending", intent.id, lead, &why)?;
            format!("failed ({why})")
        }
    };
    Ok(format!("{}: {found}", lead.who()))
}

impl CheckPending {
    /// Gives up on `lead` for `reason`: withdraws (journaled) or fails it.
    fn give_up(
        &self,
        lead: &Lead,
        id: &outlane_sdk::linkedin::ProfileId,
        reason: String,
        tally: &mut Tally,
    ) -> Result<()> {
        if self.config.give_up == GiveUp::Fail {
            crm::set_stage(lead.id, Stage::Failed, &reason)?;
            tally.given_up += 1;
            return Ok(());
        }
        // The lead stays due and is withdrawn once the limit allows.
        if tally.limited.is_some() {
            tally.waiting_for_limit += 1;
            return Ok(());
        }
        let intent = match crm::begin_action(lead.id, Action::Withdraw, "") {
            Ok(intent) => intent,
            Err(Error::RateLimited(hit)) => {
                tally.limited = Some(hit);
                tally.waiting_for_limit += 1;
                return Ok(());
            }
            Err(e) => return Err(e),
        };
        // An error leaves the intent open: the next call checks LinkedIn first.
        match connect::withdraw_invitation(id)? {
            Withdrawal::Withdrawn => {
                crm::finish_action(intent, &ActionResult::Done(reason))?;
                tally.withdrawn += 1;
            }
            Withdrawal::Unconfirmed => {
                crm::finish_action(
                    intent,
                    &ActionResult::Done(format!("{reason}; unconfirmed, treated as withdrawn")),
                )?;
                tally.withdrawn += 1;
            }
            Withdrawal::NotPending => {
                crm::finish_action(
                    intent,
                    &ActionResult::NotDone("no pending invitation to withdraw".into()),
                )?;
                // Still due: the next call checks its status again.
                tally.recheck += 1;
            }
            Withdrawal::Failed(why) => {
                crm::finish_action(intent, &ActionResult::NotDone(why.clone()))?;
                crm::set_stage(
                    lead.id,
                    Stage::Failed,
                    &format!("{reason}; the withdrawal failed: {why}"),
                )?;
                tally.given_up += 1;
            }
        }
        Ok(())
    }

    /// Checks one due lead; `over_cap`: the account is at its `max_pending` and this is among
    /// its oldest invitations, so a still pending one is given up now.
    fn check(&self, lead: &Lead, over_cap: bool, tally: &mut Tally) -> Result<()> {
        let id = match lead.profile_id().map_err(|e| e.message().to_string()) {
            Ok(id) => id,
            Err(why) => {
                crm::set_stage(lead.id, Stage::Failed, &why)?;
                tally.failed += 1;
                return Ok(());
            }
        };
        match status::connection_status(&id)? {
            Connection::Connected => {
                crm::set_stage(lead.id, Stage::Connected, "invitation accepted")?;
                info!("check-pending: {} accepted the invitation", lead.who());
                tally.accepted += 1;
            }
            Connection::NotConnected => {
                // Declined or withdrawn: never invite someone who said no.
                crm::set_stage(
                    lead.id,
                    Stage::Failed,
                    "invitation no longer pending (declined or withdrawn)",
                )?;
                tally.gone += 1;
            }
            Connection::Unavailable(why) => {
                crm::set_stage(lead.id, Stage::Failed, &why)?;
                tally.failed += 1;
            }
            Connection::Pending => {
                let next = next_backoff(lead.backoff_hours);
                let days = whole_days(lead.stage_changed_ms, host::now_ms());
                if over_cap {
                    let reason = format!(
                        "no answer after {days} days, and the account has as many invitations                          waiting as its max_pending: the oldest go first"
                    );
                    self.give_up(lead, &id, reason, tally)?;
                } else if next > self.config.max_backoff_hours {
                    self.give_up(lead, &id, format!("no answer after {days} days"), tally)?;
                } else {
                    crm::set_backoff(lead.id, next)?;
                    tally.still += 1;
                    tally.next_hours = Some(tally.next_hours.map_or(next, |h| h.min(next)));
                }
            }
        }
        linkedin::discover::discover_quietly()?;
        Ok(())
    }
}

impl Lane for CheckPending {
    type Config = CheckPendingConfig;
    const SUMMARY: &'static str =
        "checks pending invitations with a doubling back-off and gives up on unanswered ones";

    fn new(config: CheckPendingConfig) -> Result<Self> {
        if config.batch == 0 {
            return Err(Error::invalid("check-pending: `batch` must be at least 1"));
        }
        if config.max_backoff_hours == 0 {
            return Err(Error::invalid(
                "check-pending: `max_backoff_hours` must be at least 1",
            ));
        }
        Ok(CheckPending { config })
    }

    fn readiness(&mut self, _ctx: &Context) -> Result<Readiness> {
        let ready = !crm::due_pending(1)?.is_empty()
            || !crm::over_pending(1)?.is_empty()
            || !crm::open_intents(Action::Withdraw)?.is_empty();
        Ok(Readiness::when(
            ready,
            || "no pending invitation is due a check",
        ))
    }

    fn execute(&mut self, _ctx: &Context) -> Result<Report> {
        let reconciled =
            journal::settle_open_intents(Action::Withdraw, "withdrawal", reconcile_one)?;
        let mut tally = Tally::default();
        // The oldest invitations beyond the account's cap first, then those due a check.
        let over: Vec<Lead> = crm::over_pending(self.config.batch)?;
        let over_ids: Vec<u64> = over.iter().map(|l| l.id).collect();
        let due = crm::due_pending(self.config.batch)?
            .into_iter()
            .filter(|l| !over_ids.contains(&l.id));
        let work = over
            .into_iter()
            .map(|l| (l, true))
            .chain(due.map(|l| (l, false)))
            .take(self.config.batch as usize);
        for (lead, over_cap) in work {
            if host::should_stop() {
                break;
            }
            tally.checked += 1;
            self.check(&lead, over_cap, &mut tally)?;
        }
        let prefix = if reconciled.is_empty() {
            String::new()
        } else {
            format!(
                "reconciled {} unfinished withdrawal(s): {}; ",
                reconciled.len(),
                reconciled.join("; ")
            )
        };
        if tally.checked == 0 && reconciled.is_empty() {
            return Ok(Report::idle("no pending invitation is due for a check"));
        }
        // Only the limit stopped the work: let the daemon wait until it ends.
        if let Some(hit) = &tally.limited
            && tally.checked == tally.waiting_for_limit
            && reconciled.is_empty()
        {
            return Err(Error::RateLimited(hit.clone()));
        }
        Ok(Report::worked(format!("{prefix}{}", tally.summary())))
    }
}

// The lane as a WebAssembly component: in a wasm build (natively the crate is a library, for
// its unit tests), with the `export` feature (on by default; off where the source is reused
// as a module of another lane).
#[cfg(all(target_arch = "wasm32", feature = "export"))]
outlane_sdk::export_lane!(CheckPending);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_arithmetic() {
        assert_eq!(next_backoff(0), 24);
        assert_eq!(next_backoff(24), 48);
        assert_eq!(next_backoff(u32::MAX), u32::MAX);
        assert_eq!(whole_days(0, 3 * 86_400_000 + 5), 3);
        assert_eq!(whole_days(10, 0), 0);
    }

    #[test]
    fn config_defaults_and_values() {
        let d: CheckPendingConfig = serde_json::from_str("{}").expect("empty config");
        assert_eq!(
            (d.max_backoff_hours, d.give_up, d.batch),
            (336, GiveUp::Withdraw, 20)
        );
        let c: CheckPendingConfig =
            serde_json::from_str(r#"{"give_up":"fail","batch":5}"#).expect("config");
        assert_eq!(
            (c.max_backoff_hours, c.give_up, c.batch),
            (336, GiveUp::Fail, 5)
        );
        assert!(serde_json::from_str::<CheckPendingConfig>(r#"{"give_up":"later"}"#).is_err());
        assert!(serde_json::from_str::<CheckPendingConfig>(r#"{"max_backoff":1}"#).is_err());
    }

    #[test]
    fn default_schedule_gives_up_after_four_checks() {
        let max = CheckPendingConfig::default().max_backoff_hours;
        // A new pending lead is first checked after 24 h.
        let mut backoff = 24;
        let mut waited = backoff;
        let mut checks = 0;
        loop {
            checks += 1;
            let next = next_backoff(backoff);
            if next > max {
                break;
            }
            backoff = next;
            waited += next;
        }
        assert_eq!((checks, waited), (4, 24 + 48 + 96 + 192));
    }

    #[test]
    fn summary() {
        let t = Tally {
            checked: 5,
            accepted: 2,
            still: 3,
            next_hours: Some(48),
            ..Tally::default()
        };
        assert_eq!(
            t.summary(),
            "checked 5: 2 accepted, 3 still pending (next in 48h)"
        );
    }
}
