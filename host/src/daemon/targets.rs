//! What the daemon can run right now: every loaded lane, once per campaign it can work for.
//!
//! A lane that uses a campaign-scoped capability (crm, browser, llm, qualifier) runs once per
//! workable campaign: active, of an active account that is not paused for a human. Each such
//! run keeps the hours of the campaign's account. A lane that uses only `host` runs once, for
//! no campaign, at any hour. Before the first campaign exists, campaign-scoped lanes also run
//! for no campaign (their CRM calls then say what is missing).

use super::hours::WorkingHours;
use super::schedule::ScheduleKey;
use crate::crm::{CrmResult, accounts, campaigns};
use crate::manifest::{LaneKind, LaneSpec};
use crate::runtime::LoadedLane;
use crate::runtime::grants::Capability;
use rusqlite::Connection;
use std::sync::Arc;
use std::time::Duration;

/// A campaign the daemon works, with its account's working hours.
#[derive(Debug, Clone)]
pub struct WorkableCampaign {
    /// Campaign id.
    pub id: u64,
    /// Campaign name, for logs.
    pub name: String,
    /// Its account.
    pub account: u64,
    /// When its account may act (`None`: hours that cannot be read; always open, with a
    /// warning at start).
    pub hours: Option<WorkingHours>,
}

/// The campaigns of the database, as the scheduler sees them.
#[derive(Debug, Clone, Default)]
pub struct CampaignView {
    /// The workable campaigns.
    pub workable: Vec<WorkableCampaign>,
    /// Whether any campaign exists at all (workable or not).
    pub any: bool,
    /// Accounts waiting for a human: (login, reason).
    pub paused: Vec<(String, String)>,
}

/// Reads the campaigns and their accounts.
pub fn campaign_view(conn: &Connection) -> CrmResult<CampaignView> {
    let all_accounts = accounts::all(conn)?;
    let all_campaigns = campaigns::all(conn)?;
    let mut view = CampaignView {
        any: !all_campaigns.is_empty(),
        paused: all_accounts
            .iter()
            .filter_map(|a| a.paused.clone().map(|r| (a.login.clone(), r)))
            .collect(),
        ..CampaignView::default()
    };
    for campaign in all_campaigns.into_iter().filter(|c| c.active) {
        let Some(account) = all_accounts.iter().find(|a| a.id == campaign.account_id) else {
            continue;
        };
        if !account.active || account.paused.is_some() {
            continue;
        }
        let hours = accounts::parse_time_zone(&account.timezone)
            .ok()
            .and_then(|tz| {
                WorkingHours::new(
                    tz,
                    account.work_start_min,
                    account.work_end_min,
                    &account.work_days,
                )
                .ok()
            });
        view.workable.push(WorkableCampaign {
            id: campaign.id,
            name: campaign.name,
            account: account.id,
            hours,
        });
    }
    Ok(view)
}

/// A lane as the scheduler sees it: its manifest entry. The daemon schedules loaded lanes;
/// the scheduler's own tests schedule bare manifest entries.
pub trait Scheduled: Clone {
    /// The lane's manifest entry.
    fn spec(&self) -> &LaneSpec;
}

impl Scheduled for Arc<LoadedLane> {
    fn spec(&self) -> &LaneSpec {
        &self.spec
    }
}

impl Scheduled for Arc<LaneSpec> {
    fn spec(&self) -> &LaneSpec {
        self
    }
}

/// One thing the scheduler can call: a lane for a campaign.
#[derive(Clone)]
pub struct Target<L = Arc<LoadedLane>> {
    /// Lane and campaign.
    pub key: ScheduleKey,
    /// The lane as loaded now.
    pub lane: L,
    /// The campaign's name, for logs.
    pub campaign_name: Option<String>,
    /// The campaign's account (`None` for a lane that runs for no campaign).
    pub account: Option<u64>,
    /// When the campaign's account may act; `None` is always.
    pub hours: Option<WorkingHours>,
}

/// Where a call runs. Calls in different slots run side by side; a slot runs one call at a
/// time. Each account is a slot (its browser has one tab, its pace is its own), and so is each
/// lane that runs for no campaign, so that such a lane never waits for an account.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Slot {
    /// The calls for the campaigns of this account.
    Account(u64),
    /// The calls of this lane for no campaign.
    Lane(String),
}

impl std::fmt::Display for Slot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Slot::Account(id) => write!(f, "account {id}"),
            Slot::Lane(name) => write!(f, "lane {name}"),
        }
    }
}

impl<L: Scheduled> Target<L> {
    /// The slot its calls run in.
    pub fn slot(&self) -> Slot {
        match self.account {
            Some(account) => Slot::Account(account),
            None => Slot::Lane(self.key.lane.clone()),
        }
    }

    /// Major or filler.
    pub fn kind(&self) -> LaneKind {
        self.lane.spec().kind
    }

    /// Order among fillers (lower first).
    pub fn priority(&self) -> u32 {
        self.lane.spec().priority
    }

    /// Base interval.
    pub fn every(&self) -> Duration {
        self.lane.spec().every
    }

    /// The earliest moment at or after `due` (and not before `now`) when the target may run.
    pub fn runnable_at(&self, due: u64, now: u64) -> u64 {
        let from = due.max(now);
        match &self.hours {
            Some(hours) => hours.next_open(from).unwrap_or(from),
            None => due,
        }
    }
}

/// Whether a lane with `grants` works for campaigns (it holds a campaign-scoped capability).
pub fn is_campaign_bound(grants: &crate::runtime::grants::Grants) -> bool {
    Capability::all().any(|c| grants.allows(c))
}

/// Every target for the loaded `lanes` and the campaign `view`.
pub fn targets<L: Scheduled>(
    lanes: &std::collections::BTreeMap<String, L>,
    view: &CampaignView,
) -> Vec<Target<L>> {
    let mut out = Vec::new();
    for (name, lane) in lanes {
        if is_campaign_bound(&lane.spec().grants) && view.any {
            for campaign in &view.workable {
                out.push(Target {
                    key: ScheduleKey {
                        lane: name.clone(),
                        campaign: Some(campaign.id),
                    },
                    lane: lane.clone(),
                    campaign_name: Some(campaign.name.clone()),
                    account: Some(campaign.account),
                    hours: campaign.hours.clone(),
                });
            }
        } else {
            out.push(Target {
                key: ScheduleKey {
                    lane: name.clone(),
                    campaign: None,
                },
                lane: lane.clone(),
                campaign_name: None,
                account: None,
                hours: None,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::daemon::choice::tests::lanes;

    fn campaign(id: u64) -> WorkableCampaign {
        WorkableCampaign {
            id,
            name: format!("campaign {id}"),
            account: id,
            hours: None,
        }
    }

    fn keys<L>(targets: &[Target<L>]) -> Vec<(String, Option<u64>)> {
        targets
            .iter()
            .map(|t| (t.key.lane.clone(), t.key.campaign))
            .collect()
    }

    #[test]
    fn a_campaign_lane_runs_once_per_workable_campaign_and_a_host_lane_once() {
        let set = lanes(&[
            ("clock", "filler", 1, ""),
            ("connect", "major", 1, "\"crm\", \"llm\""),
            ("qualify", "filler", 1, "\"qualifier\""),
        ]);
        let view = CampaignView {
            workable: vec![campaign(1), campaign(2)],
            any: true,
            paused: vec![],
        };
        assert_eq!(
            keys(&targets(&set, &view)),
            vec![
                ("clock".into(), None),
                ("connect".into(), Some(1)),
                ("connect".into(), Some(2)),
                ("qualify".into(), Some(1)),
                ("qualify".into(), Some(2)),
            ]
        );
    }

    #[test]
    fn before_any_campaign_campaign_lanes_run_for_none_and_with_no_workable_one_not_at_all() {
        let set = lanes(&[
            ("clock", "filler", 1, ""),
            ("connect", "major", 1, "\"crm\""),
        ]);
        // No campaign exists yet: the lane runs for none, and its CRM calls say what is missing.
        assert_eq!(
            keys(&targets(&set, &CampaignView::default())),
            vec![("clock".into(), None), ("connect".into(), None)]
        );
        // Campaigns exist but none is workable (paused account): the campaign lane waits.
        let paused = CampaignView {
            workable: vec![],
            any: true,
            paused: vec![("me@example.com".into(), "checkpoint".into())],
        };
        assert_eq!(keys(&targets(&set, &paused)), vec![("clock".into(), None)]);
    }
}
