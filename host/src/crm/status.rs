//! `outlane status`: the funnel of every campaign, each account's usage against its limits,
//! its last actions, unfinished intents and the lanes. Built from indexed queries only, so it
//! stays fast on large databases.

use super::accounts;
use super::campaigns;
use super::error::CrmResult;
use super::journal::{self, Intent};
use super::lane_status::{self, LaneStatus};
use super::limits::{self, Usage};
use super::pipeline;
use super::stage::{ALL_STAGES, Stage};
use rusqlite::Connection;

/// Number of recent actions listed per account.
pub const RECENT_ACTIONS: u32 = 5;

/// The whole status.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StatusReport {
    /// When it was taken (ms, daemon clock).
    pub at_ms: u64,
    /// One entry per campaign.
    pub campaigns: Vec<CampaignStatus>,
    /// One entry per account.
    pub accounts: Vec<AccountStatus>,
    /// Actions begun and never finished (checked by their lanes before anything else).
    pub open_intents: Vec<Intent>,
    /// Every lane the daemon has loaded or tried to.
    pub lanes: Vec<LaneStatus>,
    /// Leads in no campaign.
    pub unassigned_leads: u64,
}

/// One campaign's funnel.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CampaignStatus {
    /// Campaign id.
    pub id: u64,
    /// Name.
    pub name: String,
    /// The account's login.
    pub account: String,
    /// Whether the daemon works it.
    pub active: bool,
    /// Leads per stage, every stage listed in pipeline order.
    pub funnel: Vec<StageCount>,
    /// Leads in the campaign.
    pub total: u64,
    /// LLM calls and tokens today (the account's day).
    pub llm_today: super::llm_usage::DayUsage,
    /// Acceptance and reply rates, per step too.
    pub rates: super::conversations::Rates,
}

/// How many leads are at one stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct StageCount {
    /// The stage.
    pub stage: Stage,
    /// How many leads.
    pub count: u64,
}

/// One account's usage and last actions.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AccountStatus {
    /// Account id.
    pub id: u64,
    /// Login.
    pub login: String,
    /// Time zone of its days and weeks.
    pub timezone: String,
    /// Why it waits for a person (checkpoint, refused login), if it does.
    pub paused: Option<String>,
    /// Whether the daemon acts for it (false: paused by the operator, or removed).
    pub active: bool,
    /// Whether the operator removed it (its history is kept).
    pub removed: bool,
    /// Where its warm-up ramp stands, while it lasts.
    pub warmup: Option<super::warmup::RampToday>,
    /// Where it stands against its health guards (outstanding invitations, acceptance).
    pub guards: super::guards::GuardState,
    /// Usage of every action against its limits.
    pub usage: Vec<Usage>,
    /// Its most recent actions, newest first.
    pub recent: Vec<Intent>,
}

/// The time a status report should be taken at: the wall clock, or the daemon's clock when
/// that is ahead of it. A daemon on an accelerated clock (the demo, tests) lives days ahead of
/// the wall clock; "today's" usage is the daemon's today. The daemon's clock is read from the
/// newest lane run it recorded (one row per lane: no scan of the action journal).
pub fn report_time(conn: &Connection, wall_ms: u64) -> CrmResult<u64> {
    let newest: Option<i64> =
        conn.query_row("SELECT max(last_run_ms) FROM lane_status", [], |r| r.get(0))?;
    Ok(newest
        .and_then(|t| u64::try_from(t).ok())
        .map_or(wall_ms, |t| t.max(wall_ms)))
}

/// Builds the status at `now_ms`.
pub fn build(conn: &Connection, now_ms: u64) -> CrmResult<StatusReport> {
    let accounts = accounts::all(conn)?;
    let mut campaigns = Vec::new();
    for campaign in campaigns::all(conn)? {
        let counts = pipeline::funnel(conn, campaign.id)?;
        let funnel: Vec<StageCount> = ALL_STAGES
            .into_iter()
            .map(|stage| StageCount {
                stage,
                count: counts
                    .iter()
                    .find(|(s, _)| *s == stage)
                    .map(|(_, n)| *n)
                    .unwrap_or(0),
            })
            .collect();
        let account = accounts
            .iter()
            .find(|a| a.id == campaign.account_id)
            .map(|a| a.login.clone())
            .unwrap_or_default();
        let (day, _) = super::llm_usage::day_of(conn, campaign.id, now_ms)?;
        let llm_today = super::llm_usage::get(conn, campaign.id, &day)?;
        campaigns.push(CampaignStatus {
            llm_today,
            rates: super::conversations::rates(conn, campaign.id)?,
            id: campaign.id,
            name: campaign.name,
            account,
            active: campaign.active,
            total: funnel.iter().map(|s| s.count).sum(),
            funnel,
        });
    }
    let accounts = accounts
        .into_iter()
        .map(|a| {
            Ok(AccountStatus {
                usage: limits::usage(conn, a.id, now_ms)?,
                recent: journal::recent(conn, a.id, RECENT_ACTIONS)?,
                id: a.id,
                login: a.login,
                timezone: a.timezone,
                paused: a.paused,
                active: a.active,
                removed: a.removed_ms.is_some(),
                warmup: super::warmup::today(conn, a.id, now_ms)?.filter(|t| !t.done),
                guards: super::guards::state(conn, a.id, now_ms)?,
            })
        })
        .collect::<CrmResult<Vec<_>>>()?;
    Ok(StatusReport {
        at_ms: now_ms,
        campaigns,
        accounts,
        open_intents: journal::open_all(conn)?,
        lanes: lane_status::all(conn)?,
        unassigned_leads: pipeline::unassigned(conn)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_are_taken_on_the_daemons_clock_when_it_is_ahead() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::crm::Db::open(&dir.path().join("o.db")).unwrap();
        let wall = 1_000_000;
        // Nothing written yet: the wall clock.
        assert_eq!(
            db.read_outside_tx_blocking(move |c| report_time(c, wall))
                .unwrap(),
            wall
        );
        // A daemon running days ahead (the demo): its newest time.
        db.write_blocking(|tx| {
            tx.execute(
                "INSERT INTO lane_status (lane, last_run_ms) VALUES ('connect', 5000000)",
                [],
            )?;
            Ok(())
        })
        .unwrap();
        assert_eq!(
            db.read_outside_tx_blocking(move |c| report_time(c, wall))
                .unwrap(),
            5_000_000
        );
        // A daemon on the wall clock: the wall clock, which is later than its last run.
        assert_eq!(
            db.read_outside_tx_blocking(move |c| report_time(c, 9_000_000))
                .unwrap(),
            9_000_000
        );
    }
}
