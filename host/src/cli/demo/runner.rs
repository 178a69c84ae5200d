//! The demo itself: the simulator and the LLM stub, a fresh data directory, the daemon.

use super::DemoArgs;
use crate::cli::run::serve;
use crate::cli::{Global, UsageError, open_host, tokio};
use anyhow::Context as _;
use outlane::clock::{Clock, ClockPeer};
use outlane::crm::Stage;
use outlane::demo::{self, DemoOptions, DemoWorld};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// Marks a directory the demo made, so a later demo may wipe it (and nothing else).
const MARKER: &str = ".outlane-demo";

/// The passphrase the demo seals the simulator's password with.
const DEMO_PASSPHRASE: &str = "outlane-demo-passphrase";

/// Runs the demo.
pub(super) fn run(global: &Global, args: DemoArgs) -> anyhow::Result<ExitCode> {
    let dir = global
        .data_dir
        .clone()
        .unwrap_or_else(|| PathBuf::from("target/demo"));
    fresh_dir(&dir)?;
    let dir = dir
        .canonicalize()
        .with_context(|| format!("cannot resolve {}", dir.display()))?;
    let resources = outlane::resources::Resources::discover();
    let manifest = args
        .manifest
        .clone()
        .unwrap_or_else(|| resources.manifest());
    if !manifest.is_file() {
        return Err(UsageError(format!(
            "no lane manifest at {}: build the lanes (`make lanes`) or pass --manifest",
            manifest.display()
        ))
        .into());
    }
    let manifest = manifest
        .canonicalize()
        .with_context(|| format!("cannot resolve {}", manifest.display()))?;
    let model = resources.model_dir().join("model.onnx");
    if !model.is_file() {
        return Err(UsageError(format!(
            "the embedding model is missing ({}): run `make models` first",
            model.display()
        ))
        .into());
    }
    // SAFETY: no other thread exists yet (the async runtime is created below), so changing
    // the environment cannot race with a reader. The demo's secrets are fake.
    unsafe {
        if std::env::var_os(outlane::crm::secret::PASSPHRASE_ENV).is_none() {
            std::env::set_var(outlane::crm::secret::PASSPHRASE_ENV, DEMO_PASSPHRASE);
        }
        std::env::set_var(demo::API_KEY_ENV, "sk-demo");
    }
    let passphrase = std::env::var(outlane::crm::secret::PASSPHRASE_ENV)
        .unwrap_or_else(|_| DEMO_PASSPHRASE.into());
    let runtime = tokio()?;
    runtime.block_on(async move {
        let options = DemoOptions {
            seed: args.seed,
            people: args.people,
            clock_factor: args.clock_factor(),
            accounts: usize::from(args.accounts),
        };
        let world = DemoWorld::start(options).await?;
        let config_path = dir.join("outlane.toml");
        std::fs::write(&config_path, world.config_toml(&manifest, args.pace))
            .with_context(|| format!("cannot write {}", config_path.display()))?;
        let global = Global {
            data_dir: Some(dir.clone()),
            config: Some(config_path.clone()),
        };
        let clock = Clock::following(ClockPeer::new(&world.clock_url()), args.clock_factor()).await?;
        let (registry, db) = open_host(&global, manifest.clone(), clock.clone())?;
        let now = clock.now_ms();
        let accounts = world.seed_all(&db, &passphrase, now)?;
        let campaigns: Vec<u64> = accounts.iter().map(|a| a.campaign_id).collect();
        let all = campaigns.clone();
        db.write_blocking(move |tx| {
            for campaign in &all {
                outlane::crm::sequence::set_steps(
                    tx,
                    *campaign,
                    &demo::demo_sequence(),
                    "demo",
                    now,
                )?;
            }
            Ok(())
        })?;
        let report = registry.reload().await;
        if let Some(e) = report.manifest_error {
            anyhow::bail!("{e}");
        }
        if !report.failed.is_empty() {
            let lines: Vec<String> = report
                .failed
                .iter()
                .map(|(lane, why)| format!("  {lane}: {why}"))
                .collect();
            anyhow::bail!(
                "some lanes did not load (build them with `make lanes`):\n{}",
                lines.join("\n")
            );
        }
        println!(
            "Outlane demo: {} simulated people at {}, LLM stub at {}, data in {}",
            args.people,
            world.sim.base_url(),
            world.llm.base_url(),
            dir.display()
        );
        if accounts.len() == 1 {
            println!(
                "Seeded one profile; the simulated week starts {} (working hours 09:00-18:00 UTC, Mon-Fri).",
                day_time(clock.now_ms(), clock.now_ms())
            );
        } else {
            println!(
                "Seeded {} accounts, one profile each; the simulated week starts {}; each works 09:00-18:00 Mon-Fri in its time zone:",
                accounts.len(),
                day_time(clock.now_ms(), clock.now_ms())
            );
            for a in &accounts {
                println!("  {} ({})", a.login, a.timezone);
            }
        }
        println!(
            "The campaign's sequence: {} steps, 4 simulated hours apart; a reply stops it.",
            demo::demo_sequence().len()
        );
        println!(
            "Watch it from another terminal: outlane --data-dir {} status --watch",
            dir.display()
        );
        let started = Instant::now();
        let start_ms = clock.now_ms();
        let watch = progress(&db, &campaigns, &clock, start_ms, &args, started);
        let console = crate::cli::console::options(&global, &global.config()?);
        serve(registry, clock.clone(), &manifest, &dir, Some(console), watch).await?;
        let end_ms = clock.now_ms();
        println!();
        println!(
            "Summary after {} real time, {} simulated:",
            humantime::format_duration(Duration::from_secs(started.elapsed().as_secs())),
            humantime::format_duration(Duration::from_secs(
                end_ms.saturating_sub(start_ms) / 60_000 * 60
            ))
        );
        let mut completed = 0;
        for account in &accounts {
            let campaign = account.campaign_id;
            let (summary, handles) = db
                .read_outside_tx(move |c| {
                    Ok((
                        demo::summary(c, campaign)?,
                        demo::campaign_handles(c, campaign)?,
                    ))
                })
                .await?;
            let snapshot = world
                .sim
                .account(account.sim_index)
                .map(|s| s.with(|w| w.snapshot()))
                .unwrap_or_else(|| world.sim.snapshot());
            if accounts.len() > 1 {
                println!();
                println!("Account {} ({}):", account.login, account.timezone);
            }
            print_summary(&summary, &handles, &snapshot);
            completed += summary.at(Stage::Completed);
        }
        println!("Database: {}", db.path().display());
        println!("Configuration: {}", config_path.display());
        let reached = completed >= args.target;
        world.stop().await;
        Ok(if reached {
            ExitCode::SUCCESS
        } else {
            eprintln!(
                "the demo ended before {} people were completed (raise --timeout?)",
                args.target
            );
            ExitCode::from(1)
        })
    })
}

/// Makes `dir` an empty demo directory: creates it, or wipes one an earlier demo made.
/// Refuses any other non-empty directory, so a real data directory is never touched.
fn fresh_dir(dir: &Path) -> anyhow::Result<()> {
    if dir.exists() {
        let empty = std::fs::read_dir(dir)
            .with_context(|| format!("cannot read {}", dir.display()))?
            .next()
            .is_none();
        if !empty && !dir.join(MARKER).exists() {
            return Err(UsageError(format!(
                "{} is not empty and was not made by `outlane demo`; give the demo an empty --data-dir",
                dir.display()
            ))
            .into());
        }
        std::fs::remove_dir_all(dir).with_context(|| format!("cannot wipe {}", dir.display()))?;
    }
    outlane::files::private_dir(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    std::fs::write(
        dir.join(MARKER),
        "made by `outlane demo`; wiped by the next demo\n",
    )?;
    Ok(())
}

/// Prints the funnel every two seconds until the target is reached (unless the demo keeps
/// running) or the time limit passes.
async fn progress(
    db: &outlane::crm::Db,
    campaigns: &[u64],
    clock: &Clock,
    start_ms: u64,
    args: &DemoArgs,
    started: Instant,
) {
    let mut last = String::new();
    let mut reached = false;
    loop {
        tokio::time::sleep(Duration::from_secs(2)).await;
        let ids = campaigns.to_vec();
        let Ok(summary) = db.read_outside_tx(move |c| demo::summary_of(c, &ids)).await else {
            continue;
        };
        let line = funnel_line(&summary);
        if line != last {
            println!("[{}] {line}", day_time(start_ms, clock.now_ms()));
            last = line;
        }
        let completed = summary.at(Stage::Completed);
        if completed >= args.target && !reached {
            reached = true;
            println!("Target reached: {completed} people completed.");
            if !args.keep_running {
                return;
            }
            println!(
                "Still running (--keep-running): edit and rebuild a lane to see it reloaded; Ctrl-C stops."
            );
        }
        if let Some(limit) = time_limit(args)
            && started.elapsed() >= limit
        {
            println!(
                "Time limit of {} reached.",
                humantime::format_duration(limit)
            );
            return;
        }
    }
}

/// How long the demo may run: `--timeout`, else 15 minutes and 4 more per account after the
/// first, else (with `--keep-running`) until Ctrl-C.
fn time_limit(args: &DemoArgs) -> Option<Duration> {
    match (args.timeout, args.keep_running) {
        (Some(t), _) => Some(t.0),
        (None, false) => Some(default_timeout(args.accounts)),
        (None, true) => None,
    }
}

/// The demo's time limit when none is given: 15 minutes for one account, 4 more per account
/// after it. A person completes after about two simulated days (an invitation is first
/// checked 24 hours after it was sent, then the steps follow hours apart) whatever the number
/// of accounts; one account's demo skips its nights and takes about 10 minutes, while with
/// accounts in several time zones some account is nearly always at work, so fewer hours are
/// skipped (5 accounts: 21 people completed in 14 minutes at 100×).
fn default_timeout(accounts: u8) -> Duration {
    Duration::from_secs((15 + 4 * u64::from(accounts.saturating_sub(1))) * 60)
}

/// "discovered 12  enriched 3 ..." in pipeline order, terminal stages after a bar.
fn funnel_line(summary: &demo::DemoSummary) -> String {
    let part = |stages: &[Stage]| {
        stages
            .iter()
            .map(|s| format!("{s} {}", summary.at(*s)))
            .collect::<Vec<_>>()
            .join("  ")
    };
    format!(
        "{} | {}",
        part(&[
            Stage::Discovered,
            Stage::Enriched,
            Stage::Qualified,
            Stage::Pending,
            Stage::Connected,
            Stage::Completed,
            Stage::Replied
        ]),
        part(&[Stage::Disqualified, Stage::Failed, Stage::Ignored])
    )
}

/// "day 2 Tue 10:42" of the simulated week that started at `start_ms`.
fn day_time(start_ms: u64, now_ms: u64) -> String {
    let day = (now_ms.saturating_sub(start_ms)) / 86_400_000 + 1;
    let at = jiff::Timestamp::from_millisecond(now_ms as i64)
        .map(|t| {
            t.to_zoned(jiff::tz::TimeZone::UTC)
                .strftime("%a %H:%M")
                .to_string()
        })
        .unwrap_or_default();
    format!("day {day} {at}")
}

/// One campaign's figures beside the simulator's record of its account (`handles`: the
/// campaign's leads, lower case).
fn print_summary(
    summary: &demo::DemoSummary,
    handles: &std::collections::BTreeSet<String>,
    sim: &outlane_simulator::Snapshot,
) {
    for (stage, n) in &summary.stages {
        println!("  {:<13} {n:>5}", stage.to_string());
    }
    println!(
        "  invitations   {:>5}  (the simulator received {})",
        summary.invitations,
        sim.invitations.len()
    );
    println!(
        "  messages      {:>5}  (the simulator received {})",
        summary.messages,
        sim.messages.len()
    );
    // The simulator's own record: who got messages (how many), who wrote, and when.
    let mut sent: std::collections::BTreeMap<&str, Vec<u64>> = std::collections::BTreeMap::new();
    for m in &sim.messages {
        sent.entry(m.to_handle.as_str()).or_default().push(m.at_ms);
    }
    // Who wrote to the account, in the simulator's record: the campaign's leads (a message
    // the inbox could read, or one that came after its last read) and people outside it.
    let in_campaign = |h: &str| handles.contains(&h.to_lowercase());
    let readable = |at: u64| summary.inbox_read_ms.is_some_and(|read| at <= read);
    let mut wrote: std::collections::BTreeMap<&str, u64> = std::collections::BTreeMap::new();
    for m in &sim.inbound {
        let first = wrote.entry(m.from_handle.as_str()).or_insert(m.at_ms);
        *first = (*first).min(m.at_ms);
    }
    let campaign_wrote = wrote.keys().filter(|h| in_campaign(h)).count();
    let campaign_read = wrote
        .iter()
        .filter(|(h, at)| in_campaign(h) && readable(**at))
        .count();
    let outside = wrote.len() - campaign_wrote;
    let wrote_after_message: std::collections::BTreeSet<&str> = sim
        .inbound
        .iter()
        .filter(|m| {
            sent.get(m.from_handle.as_str())
                .is_some_and(|at| at.iter().any(|s| *s < m.at_ms))
        })
        .map(|m| m.from_handle.as_str())
        .collect();
    let stopped_in_sim = wrote_after_message
        .iter()
        .filter(|h| {
            sent.get(*h)
                .is_some_and(|at| (at.len() as u64) < summary.steps)
        })
        .count();
    println!(
        "  replied       {:>5}  people of the campaign who wrote (the simulator: {} of the campaign's people wrote, {} of them before the inbox's last read; {} people outside it)",
        summary.replied, campaign_wrote, campaign_read, outside
    );
    println!(
        "  stopped       {:>5}  sequences stopped by a reply before step {} (the simulator: {} people wrote before their last step)",
        summary.stopped_mid_sequence, summary.steps, stopped_in_sim
    );
    let percent = |part: u64, whole: u64| {
        if whole == 0 {
            0.0
        } else {
            100.0 * part as f64 / whole as f64
        }
    };
    println!(
        "  reply rate    {:>4.0}%  {} of the {} people messaged wrote after it (the simulator: {} of {})",
        percent(summary.replied_after_message, summary.messaged),
        summary.replied_after_message,
        summary.messaged,
        wrote_after_message.len(),
        sent.len()
    );
    println!("  LLM calls     {:>5}", summary.llm_calls);
    println!(
        "  decisions     {:>5} by the LLM, {} by the model on its own",
        summary.llm_decisions, summary.model_decisions
    );
}
