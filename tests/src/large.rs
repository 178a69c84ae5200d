//! A large CRM for benchmarks: many leads discovered through the real API and spread over the
//! stages, with a journal of invitations.

use outlane::crm::campaigns::{self, NewCampaign};
use outlane::crm::journal::{self, Outcome};
use outlane::crm::{Action, CrmResult, Db, Stage, accounts, pipeline};

/// Fills the database: every lead discovered through the real API, then spread over the
/// stages along legal transitions, with a journal of invitations.
pub fn fill(db: &Db, leads: usize, now: u64) -> CrmResult<u64> {
    db.write_blocking(move |tx| {
        let account = accounts::create(tx, "me@example.com", "Europe/Berlin", 0)?;
        accounts::set_limit(tx, account, Action::Invite, None, None)?;
        // A tenth of the leads is invited and never answers: far more than the health
        // guard's 300 outstanding invitations, which would stop the fill.
        let mut guards = outlane::crm::guards::of(tx, account)?;
        guards.max_pending = u32::MAX;
        outlane::crm::guards::set(tx, account, guards)?;
        let campaign = campaigns::create(
            tx,
            &NewCampaign {
                account_id: account,
                name: "Large".into(),
                ..NewCampaign::default()
            },
            0,
        )?;
        let urls: Vec<String> = (0..leads)
            .map(|i| format!("https://www.linkedin.com/in/person-{i}/"))
            .collect();
        let report = pipeline::discover(tx, campaign, &urls, &[], "bench", now)?;
        assert_eq!(report.new as usize, leads);
        for lead in 1..=leads as u64 {
            let at = now + lead;
            let path: &[Stage] = match lead % 10 {
                0..=2 => &[],
                3 | 4 => &[Stage::Enriched],
                5 => &[Stage::Enriched, Stage::Disqualified],
                6 | 7 => &[Stage::Enriched, Stage::Qualified],
                8 => &[Stage::Enriched, Stage::Qualified, Stage::Connected],
                _ => &[Stage::Enriched, Stage::Qualified],
            };
            for stage in path {
                pipeline::set_stage(tx, campaign, lead, *stage, "bench", "bench", at)?;
            }
            if lead % 10 == 9 {
                let c = campaigns::get(tx, campaign)?;
                let intent = journal::begin(tx, &c, lead, Action::Invite, "", "bench", at)?;
                journal::finish(tx, intent, None, &Outcome::Done("ok".into()), "bench", at)?;
            }
        }
        Ok(campaign)
    })
}
