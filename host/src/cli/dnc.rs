//! `outlane dnc`: the do-not-contact list (`crm::dnc`). Adding an entry takes effect at once,
//! also for a daemon already running: the host reads the list on every discovery and before
//! every outward action, and the leads it names leave their campaigns' queues (`ignored`).

use super::table::{Table, clean};
use super::{Global, UsageError, local_time, open_db, usage};
use clap::Subcommand;
use jiff::tz::TimeZone;
use outlane::clock::Clock;
use outlane::crm::dnc::{self, Target};
use outlane::crm::{Db, campaigns};
use std::path::PathBuf;
use std::process::ExitCode;

/// `outlane dnc ...`
#[derive(Subcommand)]
pub enum DncCommand {
    /// Add entries: a profile URL or member id (a person), company:NAME or a company URN (a
    /// company), keyword:TEXT (headlines and titles containing it). Leads they name move to
    /// `ignored`.
    Add {
        /// The entries.
        #[arg(required = true)]
        entries: Vec<String>,
        /// Only for this campaign (name or id); default: every campaign.
        #[arg(long)]
        campaign: Option<String>,
        /// Why (kept with the entry, shown on the leads it stops).
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Remove an entry by its id (`outlane dnc list` shows it). Leads it stopped stay
    /// `ignored`.
    Remove {
        /// The entry's id.
        id: u64,
    },
    /// List the entries: all, or those that apply to one campaign.
    List {
        /// Only entries that apply to this campaign (name or id): its own and the global ones.
        #[arg(long)]
        campaign: Option<String>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Add the entries of FILE (`-` reads standard input): one per line in the forms `add`
    /// takes, or a CSV with a `url`, `member_id`, `company` or `keyword` column and an optional
    /// `reason`. Bad rows are reported by line; the good ones are added.
    Import {
        /// The file.
        file: PathBuf,
        /// Only for this campaign (name or id); default: every campaign.
        #[arg(long)]
        campaign: Option<String>,
        /// The reason of rows that give none.
        #[arg(long, default_value = "")]
        reason: String,
    },
}

/// Runs `outlane dnc ...`.
pub fn run(global: &Global, command: DncCommand) -> anyhow::Result<ExitCode> {
    let db = open_db(global)?;
    match command {
        DncCommand::Add {
            entries,
            campaign,
            reason,
        } => {
            let mut targets = Vec::new();
            for entry in &entries {
                targets.push(Target::parse(entry).map_err(UsageError)?);
            }
            let rows = targets.into_iter().map(|t| (t, None)).collect();
            add(&db, rows, campaign, reason, "cli")
        }
        DncCommand::Remove { id } => {
            let entry = db
                .write_blocking(move |tx| dnc::remove(tx, id))
                .map_err(usage)?;
            println!("Removed {}.", clean(&entry.describe()));
            Ok(ExitCode::SUCCESS)
        }
        DncCommand::List { campaign, json } => list(&db, campaign, json),
        DncCommand::Import {
            file,
            campaign,
            reason,
        } => {
            let parsed = if file.as_os_str() == "-" {
                dnc::parse_list(std::io::stdin().lock())
            } else {
                let input = outlane::files::open_regular(&file)
                    .map_err(|e| UsageError(format!("{}: cannot read it: {e}", file.display())))?;
                dnc::parse_list(input)
            }
            .map_err(|e| UsageError(format!("{}: {e}", file.display())))?;
            for bad in &parsed.bad {
                eprintln!(
                    "{}:{}: skipped: {}",
                    file.display(),
                    bad.line,
                    clean(&bad.reason)
                );
            }
            let bad = parsed.bad.len();
            let rows = parsed
                .rows
                .into_iter()
                .map(|r| (r.target, r.reason))
                .collect();
            let code = add(&db, rows, campaign, reason, "import")?;
            if bad > 0 {
                println!("{bad} bad row(s) skipped.");
            }
            Ok(code)
        }
    }
}

fn campaign_id(db: &Db, key: Option<String>) -> anyhow::Result<Option<u64>> {
    let Some(key) = key else { return Ok(None) };
    Ok(Some(
        db.read_outside_tx_blocking(move |c| campaigns::find(c, &key))
            .map_err(usage)?
            .id,
    ))
}

/// Adds `rows` (target, its own reason) in one transaction and moves the leads they name to
/// `ignored`.
fn add(
    db: &Db,
    rows: Vec<(Target, Option<String>)>,
    campaign: Option<String>,
    reason: String,
    source: &'static str,
) -> anyhow::Result<ExitCode> {
    let campaign = campaign_id(db, campaign)?;
    let now = Clock::real().now_ms();
    let (new, known, moved) = db
        .write_blocking(move |tx| {
            let (mut new, mut known) = (0u32, 0u32);
            for (target, own) in &rows {
                let why = own.as_deref().unwrap_or(&reason);
                if dnc::add(tx, target, campaign, why, source, now)?.1 {
                    new += 1;
                } else {
                    known += 1;
                }
            }
            Ok((new, known, dnc::sweep(tx, None, "do-not-contact", now)?))
        })
        .map_err(usage)?;
    let scope = match campaign {
        Some(c) => format!("campaign {c}"),
        None => "every campaign".to_string(),
    };
    println!(
        "Added {new} do-not-contact entr{} ({scope}){}; {moved} lead(s) moved to ignored.",
        if new == 1 { "y" } else { "ies" },
        if known > 0 {
            format!(", {known} already listed")
        } else {
            String::new()
        }
    );
    Ok(ExitCode::SUCCESS)
}

fn list(db: &Db, campaign: Option<String>, json: bool) -> anyhow::Result<ExitCode> {
    let campaign = campaign_id(db, campaign)?;
    let entries = db.read_outside_tx_blocking(move |c| dnc::list(c, campaign))?;
    if json {
        println!("{}", serde_json::to_string_pretty(&entries)?);
        return Ok(ExitCode::SUCCESS);
    }
    if entries.is_empty() {
        println!("The do-not-contact list is empty.");
        return Ok(ExitCode::SUCCESS);
    }
    let tz = TimeZone::system();
    let mut table = Table::new(&["ID", "KIND", "WHO", "CAMPAIGN", "ADDED", "BY", "REASON"]);
    for e in &entries {
        table.row(vec![
            e.id.to_string(),
            e.target.kind.as_str().to_string(),
            clean(&e.target.value),
            e.campaign.map_or("all".to_string(), |c| c.to_string()),
            local_time(e.added_ms, &tz),
            clean(&e.source),
            clean(&e.reason),
        ]);
    }
    print!("{}", table.render(""));
    Ok(ExitCode::SUCCESS)
}
