//! What the CRM's tests share: a real SQLite file with one account and one campaign, and
//! helpers to walk leads through stages and the journal.

use super::action::Action;
use super::campaigns::NewCampaign;
use super::journal::Outcome;
use super::stage::Stage;
use super::*;
use outlane_linkedin::ProfileId;

/// 2026-11-23 10:00 UTC, a Monday.
pub(super) const MONDAY: u64 = 1_795_428_000_000;
pub(super) const HOUR: u64 = 3_600_000;
pub(super) const DAY: u64 = 24 * HOUR;
pub(super) const MEMBER: &str = "ACoAAB3xYzQBcDeFgHiJkLmNoPqRsTuVwXyZ012";

pub(super) struct Fixture {
    _dir: tempfile::TempDir,
    pub(super) path: std::path::PathBuf,
    pub(super) db: Db,
    pub(super) account: u64,
    pub(super) campaign: u64,
}

pub(super) fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("outlane.db");
    let db = Db::open(&path).unwrap();
    let (account, campaign) = db
        .write_blocking(|tx| {
            let account = accounts::create(tx, "me@example.com", "Europe/Berlin", MONDAY)?;
            let campaign = campaigns::create(
                tx,
                &NewCampaign {
                    account_id: account,
                    name: "Fintech CTOs".into(),
                    ..NewCampaign::default()
                },
                MONDAY,
            )?;
            Ok((account, campaign))
        })
        .unwrap();
    Fixture {
        _dir: dir,
        path,
        db,
        account,
        campaign,
    }
}

impl Fixture {
    pub(super) fn discover(&self, url: &str) -> u64 {
        let url = url.to_string();
        let campaign = self.campaign;
        self.db
            .write_blocking(move |tx| {
                pipeline::discover(
                    tx,
                    campaign,
                    std::slice::from_ref(&url),
                    &[],
                    "test",
                    MONDAY,
                )?;
                Ok(leads::find(tx, &ProfileId::parse(&url).unwrap())?.unwrap())
            })
            .unwrap()
    }

    pub(super) fn stage(&self, lead: u64) -> Stage {
        let c = self.campaign;
        self.db
            .read_outside_tx_blocking(move |conn| Ok(pipeline::get(conn, c, lead)?.stage))
            .unwrap()
    }

    pub(super) fn move_to(&self, lead: u64, to: Stage) -> CrmResult<bool> {
        let c = self.campaign;
        self.db.write_blocking(move |tx| {
            pipeline::set_stage(tx, c, lead, to, "because", "test", MONDAY)
        })
    }

    /// A lead walked to `stage` along legal transitions.
    pub(super) fn lead_at(&self, name: &str, stage: Stage) -> u64 {
        let lead = self.discover(&format!("https://www.linkedin.com/in/{name}/"));
        let path: &[Stage] = match stage {
            Stage::Discovered => &[],
            Stage::Enriched => &[Stage::Enriched],
            Stage::Qualified => &[Stage::Enriched, Stage::Qualified],
            Stage::Pending => &[Stage::Enriched, Stage::Qualified, Stage::Pending],
            Stage::Connected => &[Stage::Enriched, Stage::Qualified, Stage::Connected],
            Stage::Completed => &[
                Stage::Enriched,
                Stage::Qualified,
                Stage::Connected,
                Stage::Completed,
            ],
            Stage::Replied => &[Stage::Enriched, Stage::Qualified, Stage::Connected, stage],
            Stage::Disqualified | Stage::Failed | Stage::Ignored => &[Stage::Enriched, stage],
        };
        for s in path {
            self.move_to(lead, *s).unwrap();
        }
        lead
    }
}

pub(super) fn begin(f: &Fixture, lead: u64, action: Action, at: u64) -> CrmResult<u64> {
    let c = f.campaign;
    f.db.write_blocking(move |tx| {
        let campaign = campaigns::get(tx, c)?;
        journal::begin(tx, &campaign, lead, action, "hello there", "connect", at)
    })
}

pub(super) fn finish(f: &Fixture, intent: u64, outcome: Outcome) -> CrmResult<()> {
    f.db.write_blocking(move |tx| journal::finish(tx, intent, None, &outcome, "connect", MONDAY))
}

pub(super) fn used_today(f: &Fixture, action: Action, at: u64) -> (u32, u32) {
    let account = f.account;
    let usage =
        f.db.read_outside_tx_blocking(move |c| limits::usage(c, account, at))
            .unwrap();
    let u = usage.into_iter().find(|u| u.action == action).unwrap();
    (u.today, u.this_week)
}
