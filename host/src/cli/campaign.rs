//! `outlane campaign list|add|edit`: the campaigns the daemon works.

use super::table::{Table, clean};
use super::{Global, UsageError, open_db};
use clap::{Args, Subcommand};
use outlane::clock::Clock;
use outlane::crm::campaigns::{self, CampaignChanges, NewCampaign};
use outlane::crm::sequence::{self, NewStep};
use outlane::crm::{CrmError, accounts};
use std::path::PathBuf;
use std::process::ExitCode;

/// `outlane campaign ...`
#[derive(Subcommand)]
pub enum CampaignCommand {
    /// List the campaigns.
    List {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Create a campaign (active at once).
    Add {
        /// Unique name.
        name: String,
        /// The account it acts as (login); default: the only account.
        #[arg(long)]
        account: Option<String>,
        #[command(flatten)]
        fields: Fields,
    },
    /// Change a campaign: only the options given change.
    Edit {
        /// The campaign (name or id).
        campaign: String,
        /// A new name.
        #[arg(long)]
        rename: Option<String>,
        /// Remove the booking link.
        #[arg(long, conflicts_with = "booking_link")]
        no_booking_link: bool,
        /// Pause it (the daemon takes no action for it).
        #[arg(long, conflicts_with = "resume")]
        pause: bool,
        /// Work it again.
        #[arg(long)]
        resume: bool,
        #[command(flatten)]
        fields: Fields,
    },
    /// Show the campaign's sequence, or replace it with the `--step`s given, in order.
    Steps {
        /// The campaign (name or id).
        campaign: String,
        /// One step as `DELAY:TEMPLATE`: the delay after the connection (first step) or the
        /// step before (`0`, `36h`, `3d`), then the template as for `--follow-up` (a prompt
        /// name, `ai:<prompt>`, or literal text). Repeat for each step.
        #[arg(long = "step", value_name = "DELAY:TEMPLATE")]
        steps: Vec<String>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// `DELAY:TEMPLATE` → a step (the delay in humantime form, or `0`).
fn parse_step(spec: &str) -> anyhow::Result<NewStep> {
    let Some((delay, template)) = spec.split_once(':') else {
        return Err(UsageError(format!(
            "step `{spec}` is not DELAY:TEMPLATE (e.g. `3d:Any thoughts, {{first_name}}?`)"
        ))
        .into());
    };
    let delay_ms = outlane::crm::sequence::parse_delay(delay)
        .map_err(|e| UsageError(format!("step `{spec}`: {e}")))?;
    Ok(NewStep {
        delay_ms,
        template: template.to_string(),
    })
}

/// The texts of a campaign, inline or from files.
#[derive(Args)]
pub struct Fields {
    /// What is being sold, in your words.
    #[arg(long, conflicts_with = "product_docs_file")]
    product_docs: Option<String>,
    /// ... read from a file.
    #[arg(long)]
    product_docs_file: Option<PathBuf>,
    /// Who to reach and why.
    #[arg(long)]
    objective: Option<String>,
    /// The follow-up message: a prompt template's name, or literal text with `{first_name}`,
    /// `{last_name}`, `{full_name}`, `{headline}`, `{company}` placeholders (others are refused).
    #[arg(long, conflicts_with = "follow_up_file")]
    follow_up: Option<String>,
    /// ... read from a file.
    #[arg(long)]
    follow_up_file: Option<PathBuf>,
    /// A link to book a call, appended to follow-ups.
    #[arg(long)]
    booking_link: Option<String>,
}

fn text(inline: Option<String>, file: Option<PathBuf>) -> anyhow::Result<Option<String>> {
    match (inline, file) {
        (Some(t), _) => Ok(Some(t)),
        (None, Some(path)) => std::fs::read_to_string(&path)
            .map(Some)
            .map_err(|e| UsageError(format!("cannot read {}: {e}", path.display())).into()),
        (None, None) => Ok(None),
    }
}

fn usage(e: CrmError) -> anyhow::Error {
    match e {
        CrmError::NotFound(m) | CrmError::Invalid(m) => UsageError(m).into(),
        other => other.into(),
    }
}

/// Runs a `campaign` subcommand.
pub fn run(global: &Global, cmd: CampaignCommand) -> anyhow::Result<ExitCode> {
    let db = open_db(global)?;
    let now = Clock::real().now_ms();
    match cmd {
        CampaignCommand::List { json } => {
            let all = db.read_outside_tx_blocking(campaigns::all)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&all)?);
                return Ok(ExitCode::SUCCESS);
            }
            if all.is_empty() {
                println!("No campaigns yet: create one with `outlane campaign add NAME`.");
                return Ok(ExitCode::SUCCESS);
            }
            let accounts = db.read_outside_tx_blocking(accounts::all)?;
            let mut table = Table::new(&[
                "id",
                "name",
                "account",
                "state",
                "objective",
                "booking link",
            ]);
            for c in &all {
                let login = accounts
                    .iter()
                    .find(|a| a.id == c.account_id)
                    .map_or("?".to_string(), |a| a.login.clone());
                let objective: String = c.objective.chars().take(50).collect();
                table.row(vec![
                    c.id.to_string(),
                    clean(&c.name),
                    clean(&login),
                    if c.active { "active" } else { "paused" }.to_string(),
                    clean(&objective),
                    clean(c.booking_link.as_deref().unwrap_or("-")),
                ]);
            }
            print!("{}", table.render(""));
            Ok(ExitCode::SUCCESS)
        }
        CampaignCommand::Add {
            name,
            account,
            fields,
        } => {
            let product_docs =
                text(fields.product_docs, fields.product_docs_file)?.unwrap_or_default();
            let follow_up = text(fields.follow_up, fields.follow_up_file)?.unwrap_or_default();
            let booking_link = fields
                .booking_link
                .map(|l| campaigns::check_booking_link(&l))
                .transpose()
                .map_err(usage)?;
            let objective = fields.objective.unwrap_or_default();
            let id = db
                .write_blocking(move |tx| {
                    let account_id = match &account {
                        Some(login) => accounts::find(tx, login)?.id,
                        None => {
                            let all = accounts::all(tx)?;
                            match all.as_slice() {
                                [only] => only.id,
                                [] => {
                                    return Err(CrmError::NotFound(
                                        "there is no account yet: run `outlane init` first".into(),
                                    ));
                                }
                                _ => {
                                    return Err(CrmError::Invalid(
                                        "there are several accounts: choose one with --account LOGIN".into(),
                                    ));
                                }
                            }
                        }
                    };
                    campaigns::create(
                        tx,
                        &NewCampaign {
                            account_id,
                            name,
                            product_docs,
                            objective,
                            follow_up_template: follow_up,
                            booking_link,
                        },
                        now,
                    )
                })
                .map_err(usage)?;
            println!("created campaign #{id}");
            Ok(ExitCode::SUCCESS)
        }
        CampaignCommand::Edit {
            campaign,
            rename,
            no_booking_link,
            pause,
            resume,
            fields,
        } => {
            let changes = CampaignChanges {
                name: rename,
                product_docs: text(fields.product_docs, fields.product_docs_file)?,
                objective: fields.objective,
                follow_up_template: text(fields.follow_up, fields.follow_up_file)?,
                booking_link: if no_booking_link {
                    Some(None)
                } else {
                    fields.booking_link.map(Some)
                },
                active: if pause {
                    Some(false)
                } else if resume {
                    Some(true)
                } else {
                    None
                },
            };
            let updated = db
                .write_blocking(move |tx| {
                    let c = campaigns::find(tx, &campaign)?;
                    campaigns::update(tx, c.id, &changes)
                })
                .map_err(usage)?;
            println!(
                "campaign #{} \"{}\" is {}",
                updated.id,
                clean(&updated.name),
                if updated.active { "active" } else { "paused" }
            );
            Ok(ExitCode::SUCCESS)
        }
        CampaignCommand::Steps {
            campaign,
            steps,
            json,
        } => {
            let new: Vec<NewStep> = steps
                .iter()
                .map(|s| parse_step(s))
                .collect::<anyhow::Result<_>>()?;
            let (name, all) = db
                .write_blocking(move |tx| {
                    let c = campaigns::find(tx, &campaign)?;
                    if !new.is_empty() {
                        sequence::set_steps(tx, c.id, &new, "cli", now)?;
                    }
                    Ok((c.name, sequence::steps(tx, c.id)?))
                })
                .map_err(usage)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&all)?);
                return Ok(ExitCode::SUCCESS);
            }
            println!("Sequence of campaign \"{}\":", clean(&name));
            let mut table = Table::new(&["STEP", "AFTER", "TEMPLATE"]);
            for s in &all {
                let after = if s.position == 1 {
                    "the connection"
                } else {
                    "the step before"
                };
                let wait = outlane::crm::sequence::format_delay(s.delay_ms);
                let template = if s.template.trim().is_empty() {
                    "(the follow_up prompt)".to_string()
                } else {
                    clean(&s.template)
                };
                table.row(vec![
                    s.position.to_string(),
                    format!("{wait} after {after}"),
                    template,
                ]);
            }
            println!("{}", table.render("  ").trim_end());
            Ok(ExitCode::SUCCESS)
        }
    }
}
