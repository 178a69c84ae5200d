//! The demo world: the LinkedIn simulator and the LLM stub on 127.0.0.1, a configuration that
//! points the daemon at them, and a seeded account and campaign. `outlane demo` runs the real
//! daemon in it; the end-to-end tests run `outlane run` in it.
//!
//! The simulated week starts on a Monday at 08:30 UTC, half an hour before the account's
//! working hours open, and the daemon follows the simulator's clock: it runs the work at real
//! speed and skips the idle time (the minutes between invitations, nights, the weekend)
//! together with the simulator, so members accept invitations "hours later" within seconds.

use crate::crm::{Db, accounts, campaigns, pipeline};
use anyhow::Context as _;
use outlane_llm_stub::{LlmStub, QualifyRule, StubConfig};
use outlane_simulator::{Scenario, Simulator};
use rusqlite::OptionalExtension as _;
use std::path::Path;

/// The campaign the demo seeds.
pub const CAMPAIGN: &str = "Demo: outreach automation";
/// The LLM model name the stub reports.
pub const MODEL: &str = "outlane-demo-stub";
/// The environment variable the demo's (fake) LLM key is read from.
pub const API_KEY_ENV: &str = "OUTLANE_DEMO_LLM_KEY";

/// What the demo world is made of.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// Seed of the simulated population.
    pub seed: u64,
    /// How many people the simulated network has.
    pub people: usize,
    /// How much faster than real time the clock runs while the daemon works.
    pub clock_factor: f64,
    /// How many LinkedIn accounts (each its own simulated member and network, with a
    /// campaign of its own; see [`TIME_ZONES`]).
    pub accounts: usize,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            seed: 7,
            people: 400,
            clock_factor: 20.0,
            accounts: 1,
        }
    }
}

/// The time zones of the demo's accounts, in turn: the first works in UTC, the others where
/// their working hours open later or earlier in the simulated day.
pub const TIME_ZONES: &[&str] = &[
    "UTC",
    "Europe/Berlin",
    "Europe/London",
    "Asia/Dubai",
    "Europe/Athens",
    "Africa/Lagos",
    "Europe/Lisbon",
    "Asia/Karachi",
];

/// One seeded account of the demo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoAccount {
    /// Which simulated account it logs in to (from 0).
    pub sim_index: usize,
    /// Its login.
    pub login: String,
    /// Its time zone.
    pub timezone: String,
    /// Its id in the CRM.
    pub account_id: u64,
    /// Its campaign.
    pub campaign_id: u64,
}

/// The running simulator and LLM stub.
pub struct DemoWorld {
    /// The LinkedIn simulator.
    pub sim: Simulator,
    /// The OpenAI-compatible stub.
    pub llm: LlmStub,
    /// The options it was started with.
    pub options: DemoOptions,
}

/// Monday 08:30 UTC of the week after `now_ms`.
pub fn next_monday_morning(now_ms: u64) -> u64 {
    const DAY: u64 = 86_400_000;
    let days = now_ms / DAY;
    // 1970-01-01 was a Thursday: day 4 was the first Monday.
    let since_monday = (days + 3) % 7;
    let monday = days - since_monday + 7;
    monday * DAY + (8 * 60 + 30) * 60_000
}

/// The demo's population: generated from the seed, with members who answer invitations
/// within a day and a half (most accept) so the funnel fills up in a short run, and who reply
/// with the seeded probabilities of [`outlane_simulator::generate::replies_for`].
pub fn scenario(options: &DemoOptions, start_ms: u64) -> Scenario {
    account_scenario(options, 0, start_ms)
}

/// [`scenario`] for simulated account `account` (from 0): its own network
/// ([`outlane_simulator::generate::generate_account`]), the same rules.
pub fn account_scenario(options: &DemoOptions, account: usize, start_ms: u64) -> Scenario {
    let mut scenario =
        outlane_simulator::generate::generate_account(options.seed, options.people, account);
    let mut rng = outlane_simulator::generate::SplitMix64::new(
        (options.seed ^ 0x5eed).wrapping_add(account as u64),
    );
    for person in &mut scenario.people {
        if rng.chance(80) {
            person.accept_after_ms = Some(rng.range(30 * 60_000, 36 * 3_600_000));
            person.decline_after_ms = None;
        } else {
            person.accept_after_ms = None;
        }
    }
    scenario.clock_factor = options.clock_factor;
    scenario.clock_start_ms = Some(start_ms);
    scenario
}

/// Who the demo campaign wants: revenue and marketing people, not recruiters. ("growth" was
/// a keyword too, and matched the company "Atlas Growth Equity": its engineers and analysts
/// were "qualified" for their employer's name, a rule no model of people can learn, and the
/// validated gate rightly stayed shut on it; "Growth Marketing Manager" still matches
/// "marketing".)
pub fn qualify_rule() -> QualifyRule {
    QualifyRule::new(
        &[
            "sales",
            "revenue",
            "founder",
            "ceo",
            "marketing",
            "account executive",
        ],
        &["recruiter", "talent acquisition", "hr"],
    )
}

/// The sequence `outlane demo` gives its campaigns: the follow-up prompt at once, then a short
/// literal note 4 simulated hours later, so that replies stop sequences within the demo's few
/// simulated days (each step is a message, and an account sends at most 30 a day). The
/// end-to-end tests keep the one-step sequence a new campaign starts with, unless they set
/// their own.
pub fn demo_sequence() -> Vec<crate::crm::sequence::NewStep> {
    use crate::crm::sequence::NewStep;
    vec![
        NewStep {
            delay_ms: 0,
            template: String::new(),
        },
        NewStep {
            delay_ms: 4 * 3_600_000,
            template: "Hi {first_name}, bumping this in case it got buried: would a short call \
                       about outbound at {company} be useful?"
                .into(),
        },
    ]
}

/// Search phrases the stub suggests first (people with these titles exist in the simulator).
pub const KEYWORDS: &[&str] = &[
    "Head of Sales",
    "VP of Sales",
    "Founder",
    "Chief Revenue Officer",
    "Sales Manager",
    "Head of Marketing",
    "Growth Marketing Manager",
    "Account Executive",
];

impl DemoWorld {
    /// Starts the simulator (its clock at the next Monday 08:30 UTC) and the LLM stub.
    pub async fn start(options: DemoOptions) -> anyhow::Result<DemoWorld> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        let start = next_monday_morning(now);
        let accounts = options.accounts.clamp(1, 64);
        let sim = Simulator::start_many(
            (0..accounts)
                .map(|k| account_scenario(&options, k, start))
                .collect(),
        )
        .await
        .context("cannot start the LinkedIn simulator")?;
        let llm = LlmStub::start(
            StubConfig::default()
                .with_model(MODEL)
                .with_rule(qualify_rule())
                .with_keywords(KEYWORDS.iter().copied()),
        )
        .await
        .context("cannot start the LLM stub")?;
        Ok(DemoWorld { sim, llm, options })
    }

    /// The simulator's clock, which the daemon follows.
    pub fn clock_url(&self) -> String {
        format!("{}/__sim/clock", self.sim.base_url())
    }

    /// An `outlane.toml` for this world: `manifest` the lane manifest, `pace` the browser's
    /// pace. The prompts, the model and ONNX Runtime are left for the daemon to find
    /// ([`crate::resources`]), as in a config `outlane init` writes.
    pub fn config_toml(&self, manifest: &Path, pace: f64) -> String {
        format!(
            "# Written by the Outlane demo: the daemon against the LinkedIn simulator and the LLM stub.\n\
             [lanes]\nmanifest = {manifest}\n\n\
             [clock]\nfactor = {factor}\nfollow = {follow}\n\n\
             [linkedin]\nbase_url = {site}\n\n\
             [browser]\nheadless = true\npace = {pace}\ntimeout = \"20s\"\nmax_open = {max_open}\n\n\
             [llm]\nbase_url = {llm}\nmodel = {model}\napi_key_env = {key}\n\
             timeout = \"20s\"\nretries = 2\n\n\
             [console]\n",
            manifest = toml_string(&manifest.to_string_lossy()),
            factor = self.options.clock_factor,
            follow = toml_string(&self.clock_url()),
            site = toml_string(&self.sim.base_url()),
            // One Chromium per simulated account, as a daemon with that many accounts would
            // be configured (4 at least, the default).
            max_open = self.sim.accounts().max(4),
            llm = toml_string(&self.llm.base_url()),
            model = toml_string(MODEL),
            key = toml_string(API_KEY_ENV),
        )
    }

    /// Creates the simulator's (first) account (password sealed with `passphrase`), the demo
    /// campaign and one seed profile to start from. Returns the campaign id.
    pub fn seed(&self, db: &Db, passphrase: &str, now_ms: u64) -> anyhow::Result<u64> {
        Ok(self.seed_account(db, passphrase, 0, now_ms)?.campaign_id)
    }

    /// Seeds every simulated account as [`DemoWorld::seed`] does the first, each in its time
    /// zone of [`TIME_ZONES`] with a campaign of its own.
    pub fn seed_all(
        &self,
        db: &Db,
        passphrase: &str,
        now_ms: u64,
    ) -> anyhow::Result<Vec<DemoAccount>> {
        (0..self.sim.accounts())
            .map(|k| self.seed_account(db, passphrase, k, now_ms))
            .collect()
    }

    /// Seeds simulated account `index`: the account in the CRM, its campaign, one profile.
    pub fn seed_account(
        &self,
        db: &Db,
        passphrase: &str,
        index: usize,
        now_ms: u64,
    ) -> anyhow::Result<DemoAccount> {
        let scenario = self
            .sim
            .account(index)
            .with_context(|| format!("the simulator has no account {index}"))?
            .with(|w| w.scenario().clone());
        let viewer = scenario.viewer.clone();
        let seed_handle = scenario
            .people
            .iter()
            .find(|p| p.exists && p.relationship == outlane_simulator::InitialRelationship::None)
            .map(|p| p.handle.clone())
            .context("the simulated network has nobody to start from")?;
        let passphrase = passphrase.to_string();
        let timezone = TIME_ZONES[index % TIME_ZONES.len()].to_string();
        let name = if index == 0 {
            CAMPAIGN.to_string()
        } else {
            format!("{CAMPAIGN} #{}", index + 1)
        };
        let tz = timezone.clone();
        let login = viewer.email.clone();
        let (account, campaign) = db.write_blocking(move |tx| {
            let account = accounts::create(tx, &viewer.email, &tz, now_ms)?;
            accounts::set_password(tx, account, &passphrase, &viewer.password)?;
            let campaign = campaigns::create(
                tx,
                &campaigns::NewCampaign {
                    account_id: account,
                    name,
                    product_docs: "Outlane: self-hosted outreach automation that finds, qualifies \
                                   and contacts B2B prospects at a human pace."
                        .into(),
                    objective: "Reach sales, revenue and growth leaders and founders of B2B \
                                companies who run outbound prospecting."
                        .into(),
                    follow_up_template: String::new(),
                    booking_link: Some("https://cal.example.com/outlane-demo".into()),
                },
                now_ms,
            )?;
            pipeline::discover(
                tx,
                campaign,
                &[format!("https://www.linkedin.com/in/{seed_handle}/")],
                &[],
                "demo seed",
                now_ms,
            )?;
            Ok((account, campaign))
        })?;
        Ok(DemoAccount {
            sim_index: index,
            login,
            timezone,
            account_id: account,
            campaign_id: campaign,
        })
    }

    /// Stops both servers.
    pub async fn stop(self) {
        self.sim.stop().await;
        self.llm.stop().await;
    }
}

/// What a demo run achieved, read from the database.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct DemoSummary {
    /// Leads per stage, in pipeline order.
    pub stages: Vec<(crate::crm::Stage, u64)>,
    /// Invitations sent (journaled and done).
    pub invitations: u64,
    /// Follow-up messages sent (every step of the sequence counts).
    pub messages: u64,
    /// People sent at least one message.
    pub messaged: u64,
    /// People of the campaign who wrote to the account (their sequence stopped).
    pub replied: u64,
    /// Of those, people who wrote after Outlane's first message to them.
    pub replied_after_message: u64,
    /// People whose sequence a reply stopped before its last step.
    pub stopped_mid_sequence: u64,
    /// Steps of the campaign's sequence.
    pub steps: u64,
    /// Completions asked of the LLM.
    pub llm_calls: u64,
    /// Qualification decisions taken by the LLM.
    pub llm_decisions: u64,
    /// Qualification decisions the model took on its own.
    pub model_decisions: u64,
    /// When the inbox lane last finished reading the account's conversations for this
    /// campaign (daemon clock, ms): a reply that arrived later cannot be counted yet.
    pub inbox_read_ms: Option<u64>,
}

impl DemoSummary {
    /// Leads at `stage`.
    pub fn at(&self, stage: crate::crm::Stage) -> u64 {
        self.stages
            .iter()
            .find(|(s, _)| *s == stage)
            .map(|(_, n)| *n)
            .unwrap_or(0)
    }
}

/// Reads the [`DemoSummary`] of `campaign`.
pub fn summary(conn: &rusqlite::Connection, campaign: u64) -> crate::crm::CrmResult<DemoSummary> {
    let count = |sql: &str| -> crate::crm::CrmResult<u64> {
        Ok(conn.query_row(sql, [campaign], |r| r.get::<_, i64>(0))? as u64)
    };
    Ok(DemoSummary {
        stages: {
            let counts = pipeline::funnel(conn, campaign)?;
            crate::crm::stage::ALL_STAGES
                .iter()
                .map(|stage| {
                    let n = counts
                        .iter()
                        .find(|(s, _)| s == stage)
                        .map(|(_, n)| *n)
                        .unwrap_or(0);
                    (*stage, n)
                })
                .collect()
        },
        invitations: count(
            "SELECT count(*) FROM action_journal WHERE campaign_id = ?1 AND action = 'invite' AND result = 'done'",
        )?,
        messages: count("SELECT count(*) FROM messages WHERE campaign_id = ?1")?,
        messaged: count("SELECT count(DISTINCT lead_id) FROM messages WHERE campaign_id = ?1")?,
        replied: count(
            "SELECT count(DISTINCT m.lead_id) FROM conversation_messages m
             WHERE m.inbound = 1 AND m.lead_id IN (SELECT lead_id FROM deals WHERE campaign_id = ?1)",
        )?,
        replied_after_message: crate::crm::conversations::rates(conn, campaign)?.replied,
        stopped_mid_sequence: count(
            "SELECT count(*) FROM deals WHERE campaign_id = ?1 AND stage = 'replied'
               AND steps_sent >= 1
               AND steps_sent < (SELECT count(*) FROM campaign_steps WHERE campaign_id = ?1)",
        )?,
        steps: count("SELECT count(*) FROM campaign_steps WHERE campaign_id = ?1")?,
        llm_calls: count("SELECT coalesce(sum(calls), 0) FROM llm_usage WHERE campaign_id = ?1")?,
        llm_decisions: count(
            "SELECT count(*) FROM labels WHERE campaign_id = ?1 AND source = 'llm'",
        )?,
        model_decisions: count(
            "SELECT count(*) FROM labels WHERE campaign_id = ?1 AND source = 'model'",
        )?,
        inbox_read_ms: conn
            .query_row(
                "SELECT last_run_ms FROM lane_schedules WHERE lane = 'inbox' AND campaign_id = ?1",
                [campaign],
                |r| r.get::<_, Option<i64>>(0),
            )
            .optional()?
            .flatten()
            .map(|v| v as u64),
    })
}

/// The LinkedIn handles (public ids, lower case) of `campaign`'s leads, to hold the
/// simulator's record of who wrote against the campaign's.
pub fn campaign_handles(
    conn: &rusqlite::Connection,
    campaign: u64,
) -> crate::crm::CrmResult<std::collections::BTreeSet<String>> {
    let mut stmt = conn.prepare(
        "SELECT lower(l.public_id) FROM deals d JOIN leads l ON l.id = d.lead_id
         WHERE d.campaign_id = ?1 AND l.public_id IS NOT NULL",
    )?;
    let rows = stmt.query_map([campaign], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The [`DemoSummary`] of `campaigns` together: every figure summed.
pub fn summary_of(
    conn: &rusqlite::Connection,
    campaigns: &[u64],
) -> crate::crm::CrmResult<DemoSummary> {
    let mut total = DemoSummary::default();
    for campaign in campaigns {
        let one = summary(conn, *campaign)?;
        if total.stages.is_empty() {
            total.stages = one.stages.iter().map(|(s, _)| (*s, 0)).collect();
        }
        for ((_, sum), (_, n)) in total.stages.iter_mut().zip(&one.stages) {
            *sum += n;
        }
        total.invitations += one.invitations;
        total.messages += one.messages;
        total.messaged += one.messaged;
        total.replied += one.replied;
        total.replied_after_message += one.replied_after_message;
        total.stopped_mid_sequence += one.stopped_mid_sequence;
        total.steps = total.steps.max(one.steps);
        total.llm_calls += one.llm_calls;
        total.llm_decisions += one.llm_decisions;
        total.model_decisions += one.model_decisions;
        total.inbox_read_ms = total.inbox_read_ms.max(one.inbox_read_ms);
    }
    Ok(total)
}

/// `s` as a TOML basic string.
fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_week_starts_on_a_monday_morning() {
        // 2026-11-22 (a Sunday) 12:00 UTC.
        let sunday = 1_795_348_800_000;
        let start = next_monday_morning(sunday);
        let t = jiff::Timestamp::from_millisecond(start as i64).unwrap();
        let z = t.to_zoned(jiff::tz::TimeZone::UTC);
        assert_eq!(z.weekday(), jiff::civil::Weekday::Monday);
        assert_eq!((z.hour(), z.minute()), (8, 30));
        assert!(start > sunday && start - sunday < 8 * 86_400_000);
    }
}
