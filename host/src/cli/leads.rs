//! `outlane leads`: import profile URLs, list leads by stage and campaign, show one lead.

use super::table::{Table, clean, shorten};
use super::{Global, UsageError, local_time, open_db, usage};
use clap::Subcommand;
use jiff::tz::TimeZone;
use outlane::clock::Clock;
use outlane::crm::campaigns::{self, Campaign};
use outlane::crm::import::{self, ImportReport};
use outlane::crm::journal::{self, Intent};
use outlane::crm::messages::{self, Message};
use outlane::crm::pipeline::{self, DealLead, StageChange};
use outlane::crm::{CrmError, Db, Stage, erasure, leads};
use outlane_linkedin::ProfileId;
use std::path::PathBuf;
use std::process::ExitCode;

/// `outlane leads ...`
#[derive(Subcommand)]
pub enum LeadsCommand {
    /// Import profile URLs from FILE (`-` reads standard input): one URL per line, or a CSV
    /// with a `url` column.
    /// Bad rows are reported by line and do not stop the import.
    Import {
        /// The file.
        file: PathBuf,
        /// Campaign (name or id) to add the leads to; default: the only active campaign.
        #[arg(long)]
        campaign: Option<String>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// List leads, oldest stage change first.
    List {
        /// Only leads at this stage.
        #[arg(long)]
        stage: Option<Stage>,
        /// Only leads of this campaign (name or id).
        #[arg(long)]
        campaign: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// Skip this many first.
        #[arg(long, default_value_t = 0)]
        offset: u32,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Label a lead yourself (accept or reject): the label outranks the LLM's and the model's,
    /// and trains the campaign's model. While nothing was sent the lead moves to qualified or
    /// disqualified; after an invitation its stage stays and the label is kept.
    Label {
        /// Any form of the lead's profile URL (or its id).
        url: String,
        /// `accept` or `reject`.
        verdict: Verdict,
        /// Why (stored as the label's reason).
        #[arg(long)]
        reason: Option<String>,
        /// The campaign (name or id), when the lead is in more than one.
        #[arg(long)]
        campaign: Option<String>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Forget a person for good ("erase my data"): their profile, raw data, embedding,
    /// labels, stages, journaled actions, messages and conversations are deleted and
    /// overwritten; a salted hash of their ids stays so they are never discovered or imported
    /// again. Asks first unless --yes.
    Forget {
        /// Any form of the person's profile URL (or the lead's id).
        url: String,
        /// Do not ask.
        #[arg(long)]
        yes: bool,
    },
    /// Show one lead: profile, stage and history per campaign, actions, messages.
    Show {
        /// Any form of the lead's profile URL (or its id).
        url: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// Runs `outlane leads ...`.
pub fn run(global: &Global, cmd: LeadsCommand) -> anyhow::Result<ExitCode> {
    let db = open_db(global)?;
    match cmd {
        LeadsCommand::Import {
            file,
            campaign,
            json,
        } => import_file(&db, &file, campaign, json),
        LeadsCommand::List {
            stage,
            campaign,
            limit,
            offset,
            json,
        } => list(&db, stage, campaign, limit, offset, json),
        LeadsCommand::Show { url, json } => show(&db, &url, json),
        LeadsCommand::Forget { url, yes } => forget(&db, &url, yes),
        LeadsCommand::Label {
            url,
            verdict,
            reason,
            campaign,
            json,
        } => label(&db, &url, verdict, reason, campaign, json),
    }
}

/// A person's verdict on a lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Verdict {
    /// A good prospect: qualified.
    Accept,
    /// Not one: disqualified.
    Reject,
}

/// The lead of `key` (an id or any form of its profile URL).
fn lead_id(db: &Db, key: &str) -> anyhow::Result<u64> {
    match key.trim().parse::<u64>() {
        Ok(id) => Ok(id),
        Err(_) => {
            let profile = ProfileId::parse(key)
                .map_err(|e| UsageError(format!("`{key}` is not a profile URL: {e}")))?;
            if let Some(found) = db.read_outside_tx_blocking(|c| leads::find(c, &profile))? {
                return Ok(found);
            }
            Err(UsageError(match erased_at(db, key)? {
                Some(at) => erased_text(key, at),
                None => format!("no lead for {key}"),
            })
            .into())
        }
    }
}

/// When the person of profile URL `key` was erased, if they were.
fn erased_at(db: &Db, key: &str) -> anyhow::Result<Option<u64>> {
    let Ok(profile) = ProfileId::parse(key) else {
        return Ok(None);
    };
    Ok(db.read_outside_tx_blocking(move |c| erasure::erased_at(c, &profile))?)
}

fn erased_text(key: &str, at: u64) -> String {
    format!(
        "{} was erased at the person's request on {}: nothing about them is kept, and they are never stored again",
        clean(key),
        local_time(at, &TimeZone::system())
    )
}

fn forget(db: &Db, key: &str, yes: bool) -> anyhow::Result<ExitCode> {
    if key.trim().parse::<u64>().is_err()
        && let Some(at) = erased_at(db, key)?
    {
        println!("{}", erased_text(key, at));
        return Ok(ExitCode::SUCCESS);
    }
    let id = lead_id(db, key)?;
    let lead = db
        .read_outside_tx_blocking(move |c| leads::get(c, id))
        .map_err(usage)?;
    let who = match &lead.full_name {
        Some(name) => format!("{} ({})", clean(name), clean(lead.key())),
        None => clean(lead.key()),
    };
    if !yes {
        use std::io::{BufRead as _, IsTerminal as _, Write as _};
        if !std::io::stdin().is_terminal() {
            return Err(UsageError(format!(
                "forgetting {who} deletes everything about them for good: add --yes to do it without asking"
            ))
            .into());
        }
        print!("Forget {who}? Everything Outlane knows about them is deleted for good. [y/N] ");
        std::io::stdout().flush()?;
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if !matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
            println!("Nothing was changed.");
            return Ok(ExitCode::SUCCESS);
        }
    }
    let now = Clock::real().now_ms();
    let erased = db
        .write_blocking(move |tx| erasure::forget(tx, id, now))
        .map_err(usage)?;
    let truncated = db.checkpoint_truncate()?;
    println!(
        "Forgot {who}: {} row(s) deleted and overwritten, {} id(s) kept only as a salted hash (erasure #{}).",
        erased.rows, erased.ids, erased.erasure
    );
    if !truncated {
        println!(
            "The write-ahead log is in use by another process (a running daemon?): its old copy of the rows goes at its next checkpoint."
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn label(
    db: &Db,
    key: &str,
    verdict: Verdict,
    reason: Option<String>,
    campaign_key: Option<String>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let id = lead_id(db, key)?;
    let chosen = campaign(db, campaign_key)?;
    let deals = db.read_outside_tx_blocking(move |c| pipeline::all_of_lead(c, id))?;
    let deal = match (&chosen, deals.as_slice()) {
        (Some(c), _) => deals
            .iter()
            .find(|d| d.campaign_id == c.id)
            .ok_or_else(|| UsageError(format!("{key} is not a lead of campaign `{}`", c.name)))?,
        (None, [only]) => only,
        (None, []) => return Err(UsageError(format!("{key} is in no campaign")).into()),
        (None, _) => {
            return Err(UsageError(format!(
                "{key} is in {} campaigns: name one with --campaign",
                deals.len()
            ))
            .into());
        }
    };
    let (campaign_id, qualified) = (deal.campaign_id, verdict == Verdict::Accept);
    let note = reason.unwrap_or_default();
    let now = Clock::real().now_ms();
    let done = db
        .write_blocking(move |tx| {
            outlane::crm::browse::label_by_person(tx, campaign_id, id, qualified, &note, now)
        })
        .map_err(usage)?;
    let who = deal.lead.key();
    if json {
        println!(
            "{}",
            serde_json::json!({
                "lead": id,
                "campaign": campaign_id,
                "qualified": qualified,
                "from": done.from,
                "to": done.to,
            })
        );
    } else if done.from == done.to {
        println!(
            "{who}: labelled {} by you; its stage stays {} ({})",
            if qualified { "accept" } else { "reject" },
            done.to,
            if matches!(done.to, Stage::Qualified | Stage::Disqualified) {
                "it already stood there"
            } else {
                "something was sent to it already"
            }
        );
    } else {
        println!(
            "{who}: labelled {} by you; {} → {}",
            if qualified { "accept" } else { "reject" },
            done.from,
            done.to
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn campaign(db: &Db, key: Option<String>) -> anyhow::Result<Option<Campaign>> {
    let Some(key) = key else { return Ok(None) };
    db.read_outside_tx_blocking(move |c| campaigns::find(c, &key))
        .map(Some)
        .map_err(usage)
}

fn import_file(
    db: &Db,
    file: &PathBuf,
    key: Option<String>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    // Standard input with `-`; otherwise only a regular file (a FIFO or a device would block
    // or never end). Either way the file is read as a stream with bounded lines.
    let parsed = if file.as_os_str() == "-" {
        import::parse_reader(std::io::stdin().lock())
    } else {
        let input = outlane::files::open_regular(file)
            .map_err(|e| UsageError(format!("{}: cannot read it: {e}", file.display())))?;
        import::parse_reader(input)
    }
    .map_err(|e| UsageError(format!("{}: {e}", file.display())))?;
    let target = match campaign(db, key)? {
        Some(c) => Some(c),
        None => match db.read_outside_tx_blocking(campaigns::only_active) {
            Ok(c) => Some(c),
            Err(CrmError::NotFound(_)) => None,
            Err(e) => return Err(usage(e)),
        },
    };
    let now = Clock::real().now_ms();
    let campaign_id = target.as_ref().map(|c| c.id);
    let report = db.write_blocking(move |tx| import::apply(tx, parsed, campaign_id, now))?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_import(file, &report, target.as_ref());
    }
    Ok(ExitCode::SUCCESS)
}

fn print_import(file: &std::path::Path, report: &ImportReport, target: Option<&Campaign>) {
    for bad in &report.bad {
        eprintln!(
            "{}:{}: skipped: {}",
            file.display(),
            bad.line,
            clean(&bad.reason)
        );
    }
    match target {
        Some(c) => println!(
            "Imported into campaign \"{}\": {} new lead(s), {} added to the campaign, {} already known, {} bad row(s){}.",
            clean(&c.name),
            report.new_leads,
            report.added_to_campaign,
            report.already_known,
            report.bad.len(),
            listed(report)
        ),
        None => println!(
            "Imported {} new lead(s) ({} already known, {} bad row(s){}). There is no campaign yet: they are stored without a stage.",
            report.new_leads,
            report.already_known,
            report.bad.len(),
            listed(report)
        ),
    }
}

/// ", 2 of them on the do-not-contact list", or nothing.
fn listed(report: &ImportReport) -> String {
    match report.do_not_contact {
        0 => String::new(),
        n => format!(", {n} of them on the do-not-contact list"),
    }
}

fn list(
    db: &Db,
    stage: Option<Stage>,
    key: Option<String>,
    limit: u32,
    offset: u32,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let campaign = campaign(db, key)?;
    let campaign_id = campaign.as_ref().map(|c| c.id);
    let (rows, names) = db.read_outside_tx_blocking(move |c| {
        let rows = pipeline::list(c, campaign_id, stage, limit, offset)?;
        Ok((rows, campaigns::all(c)?))
    })?;
    if json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(ExitCode::SUCCESS);
    }
    if rows.is_empty() {
        println!("No leads match.");
        return Ok(ExitCode::SUCCESS);
    }
    let tz = TimeZone::system();
    let mut table = Table::new(&[
        "ID", "CAMPAIGN", "STAGE", "SINCE", "PROFILE", "NAME", "HEADLINE",
    ])
    .right(&[0]);
    for r in &rows {
        let campaign = names
            .iter()
            .find(|c| c.id == r.campaign_id)
            .map(|c| c.name.clone())
            .unwrap_or_default();
        table.row(vec![
            r.lead.id.to_string(),
            campaign,
            r.stage.to_string(),
            local_time(r.stage_changed_ms, &tz),
            r.lead.key().to_string(),
            r.lead.full_name.clone().unwrap_or_default(),
            shorten(r.lead.headline.as_deref().unwrap_or(""), 48),
        ]);
    }
    println!("{}", table.render(""));
    if rows.len() as u32 == limit {
        println!("(first {limit}; use --limit/--offset for more)");
    }
    Ok(ExitCode::SUCCESS)
}

/// Everything about one lead, for `leads show --json`.
#[derive(serde::Serialize)]
struct LeadDetail {
    lead: leads::Lead,
    campaigns: Vec<CampaignView>,
    actions: Vec<Intent>,
    messages: Vec<Message>,
    /// Every message of the person's conversations, both ways, as synced from LinkedIn.
    thread: Vec<outlane::crm::conversations::StoredMessage>,
}

#[derive(serde::Serialize)]
struct CampaignView {
    campaign: String,
    #[serde(flatten)]
    deal: DealSummary,
    history: Vec<StageChange>,
    /// The hold that keeps invitations and messages from the lead now, if one lasts.
    #[serde(skip_serializing_if = "Option::is_none")]
    hold: Option<outlane::crm::holds::Hold>,
    /// The lead's tags in this campaign.
    tags: Vec<String>,
}

#[derive(serde::Serialize)]
struct DealSummary {
    /// The name as this campaign knows it (its own import first, then the profile).
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    /// The headline as this campaign knows it.
    #[serde(skip_serializing_if = "Option::is_none")]
    headline: Option<String>,
    stage: Stage,
    reason: Option<String>,
    stage_changed_ms: u64,
    next_check_ms: Option<u64>,
    backoff_hours: u32,
}

fn show(db: &Db, key: &str, json: bool) -> anyhow::Result<ExitCode> {
    if key.trim().parse::<u64>().is_err()
        && let Some(at) = erased_at(db, key)?
        && db
            .read_outside_tx_blocking(|c| {
                leads::find(
                    c,
                    &ProfileId::parse(key).map_err(|e| CrmError::Invalid(e.to_string()))?,
                )
            })?
            .is_none()
    {
        if json {
            println!("{}", serde_json::json!({ "erased_ms": at }));
        } else {
            println!("{}", erased_text(key, at));
        }
        return Ok(ExitCode::SUCCESS);
    }
    let id = lead_id(db, key)?;
    let now = outlane::clock::Clock::real().now_ms();
    let detail = db
        .read_outside_tx_blocking(move |c| {
            let lead = leads::get(c, id)?;
            let names = campaigns::all(c)?;
            let campaigns = pipeline::all_of_lead(c, id)?
                .into_iter()
                .map(|d: DealLead| {
                    Ok(CampaignView {
                        campaign: names
                            .iter()
                            .find(|n| n.id == d.campaign_id)
                            .map(|n| n.name.clone())
                            .unwrap_or_default(),
                        history: pipeline::history(c, d.deal_id)?,
                        hold: outlane::crm::holds::active(c, d.deal_id, now)?,
                        tags: outlane::crm::holds::tags_of(c, d.deal_id)?,
                        deal: DealSummary {
                            name: d.lead.full_name,
                            headline: d.lead.headline,
                            stage: d.stage,
                            reason: d.reason,
                            stage_changed_ms: d.stage_changed_ms,
                            next_check_ms: d.next_check_ms,
                            backoff_hours: d.backoff_hours,
                        },
                    })
                })
                .collect::<Result<Vec<_>, CrmError>>()?;
            Ok(LeadDetail {
                lead,
                campaigns,
                actions: journal::of_lead(c, id)?,
                messages: messages::of_lead(c, id)?,
                thread: outlane::crm::conversations::of_lead(c, id)?,
            })
        })
        .map_err(usage)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&detail)?);
        return Ok(ExitCode::SUCCESS);
    }
    let tz = TimeZone::system();
    let l = &detail.lead;
    println!("Lead {} — {}", l.id, l.url);
    // The profile's name, else the one the first campaign imported; a campaign that knows
    // the person by another name says so in its own section below.
    let first = detail.campaigns.first().map(|c| &c.deal);
    let name = l
        .full_name
        .as_deref()
        .or(first.and_then(|d| d.name.as_deref()));
    let headline = l
        .headline
        .as_deref()
        .or(first.and_then(|d| d.headline.as_deref()));
    for (label, value) in [
        ("name", name),
        ("headline", headline),
        ("company", l.company.as_deref()),
        ("member id", l.member_id.as_deref()),
    ] {
        if let Some(v) = value {
            println!("  {label:<10} {}", clean(v));
        }
    }
    println!(
        "  {:<10} {}",
        "profile",
        match l.enriched_ms {
            Some(t) => format!("fetched {}", local_time(t, &tz)),
            None => "not fetched yet".into(),
        }
    );
    for c in &detail.campaigns {
        println!(
            "\nCampaign \"{}\": {}{}",
            clean(&c.campaign),
            c.deal.stage,
            c.deal
                .next_check_ms
                .map(|t| format!(" (next check {})", local_time(t, &tz)))
                .unwrap_or_default()
        );
        if let Some(own) = c.deal.name.as_deref().filter(|n| Some(*n) != name) {
            println!("  known as {}", clean(own));
        }
        if let Some(h) = &c.hold {
            println!(
                "  held by {} until {} ({}): no invitation or message until then",
                clean(&h.by),
                local_time(h.until_ms, &tz),
                clean(&h.reason)
            );
        }
        if !c.tags.is_empty() {
            let tags: Vec<String> = c.tags.iter().map(|t| clean(t)).collect();
            println!("  tags: {}", tags.join(", "));
        }
        let mut table = Table::new(&["WHEN", "FROM", "TO", "BY", "REASON"]);
        for h in &c.history {
            table.row(vec![
                local_time(h.at_ms, &tz),
                h.from.map(|s| s.to_string()).unwrap_or_else(|| "-".into()),
                h.to.to_string(),
                h.actor.clone(),
                h.reason.clone(),
            ]);
        }
        println!("{}", table.render("  "));
    }
    if !detail.actions.is_empty() {
        println!("\nActions");
        let mut table = Table::new(&["WHEN", "ACTION", "RESULT", "LANE"]);
        for a in &detail.actions {
            table.row(vec![
                local_time(a.started_ms, &tz),
                a.action.to_string(),
                a.result.clone().unwrap_or_else(|| "OPEN".into()),
                a.lane.clone(),
            ]);
        }
        println!("{}", table.render("  "));
    }
    for m in &detail.messages {
        let step = m.step.map(|s| format!(" (step {s})")).unwrap_or_default();
        println!(
            "\nMessage sent{step} {}:\n  {}",
            local_time(m.sent_ms, &tz),
            clean(&m.text)
        );
    }
    if !detail.thread.is_empty() {
        println!("\nConversation on LinkedIn");
        for m in &detail.thread {
            let who = if m.inbound { "←" } else { "→" };
            let class = m
                .class
                .map(|c| format!(" [{}]", c.as_str()))
                .unwrap_or_default();
            println!(
                "  {who} {} {}{class}: {}",
                local_time(m.sent_ms, &tz),
                clean(&m.sender),
                clean(&m.text)
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
