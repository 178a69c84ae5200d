//! `outlane inbox`: conversations in which people replied, newest reply first, with what the
//! reply means.

use super::table::{Table, clean};
use super::{Global, UsageError, local_time, open_db};
use clap::Args;
use jiff::tz::TimeZone;
use outlane::crm::{accounts, conversations};
use std::process::ExitCode;

/// Options of `outlane inbox`.
#[derive(Args)]
pub struct InboxArgs {
    /// Only this account's conversations (login).
    #[arg(long)]
    account: Option<String>,
    /// Only conversations whose last message is the person's (not answered yet).
    #[arg(long)]
    unread: bool,
    /// At most this many conversations.
    #[arg(long, default_value_t = 50)]
    limit: u32,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// Runs `outlane inbox`.
pub fn run(global: &Global, args: InboxArgs) -> anyhow::Result<ExitCode> {
    let db = open_db(global)?;
    let account = match &args.account {
        Some(login) => Some(
            db.read_outside_tx_blocking(|c| accounts::find(c, login))
                .map_err(|e| UsageError(e.to_string()))?
                .id,
        ),
        None => None,
    };
    let entries =
        db.read_outside_tx_blocking(|c| conversations::inbox(c, account, args.unread, args.limit))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&entries)?);
        return Ok(ExitCode::SUCCESS);
    }
    if entries.is_empty() {
        println!("No replies yet.");
        return Ok(ExitCode::SUCCESS);
    }
    let tz = TimeZone::system();
    let mut table = Table::new(&["WHEN", "WHO", "ACCOUNT", "CLASS", "REPLIES", "LAST REPLY"]);
    for e in &entries {
        let who = match &e.name {
            Some(n) => format!("{} ({})", clean(n), clean(&e.lead_key)),
            None => clean(&e.lead_key),
        };
        let text: String = e.last_reply.text.chars().take(70).collect();
        table.row(vec![
            local_time(e.last_reply.sent_ms, &tz),
            who,
            clean(&e.account),
            e.last_reply
                .class
                .map_or("unclassified".to_string(), |c| c.as_str().to_string()),
            e.replies.to_string(),
            clean(&text),
        ]);
    }
    print!("{}", table.render(""));
    println!("`outlane leads show <id or URL>` shows a whole conversation.");
    Ok(ExitCode::SUCCESS)
}
