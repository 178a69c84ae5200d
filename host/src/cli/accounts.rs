//! `outlane accounts`: list accounts and resume one that LinkedIn made wait for a person.

use super::table::{Table, clean};
use super::{Global, UsageError, open_db};
use clap::Subcommand;
use outlane::crm::{CrmError, accounts};
use std::process::ExitCode;

/// `outlane accounts ...`
#[derive(Subcommand)]
pub enum AccountsCommand {
    /// List the accounts with their state.
    List {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Resume an account paused by a checkpoint or a refused login, once you have solved it
    /// (logged in by hand, or fixed the password).
    Resume {
        /// The account's login (e-mail).
        login: String,
    },
}

/// Runs an `accounts` subcommand.
pub fn run(global: &Global, cmd: AccountsCommand) -> anyhow::Result<ExitCode> {
    let db = open_db(global)?;
    match cmd {
        AccountsCommand::List { json } => {
            let all = db.read_outside_tx_blocking(accounts::all)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&all)?);
                return Ok(ExitCode::SUCCESS);
            }
            let mut table = Table::new(&["id", "login", "time zone", "state"]);
            for a in &all {
                let state = match (&a.paused, a.active) {
                    (Some(reason), _) => format!("paused: {reason}"),
                    (None, true) => "active".to_string(),
                    (None, false) => "inactive".to_string(),
                };
                table.row(vec![
                    a.id.to_string(),
                    clean(&a.login),
                    a.timezone.clone(),
                    clean(&state),
                ]);
            }
            print!("{}", table.render(""));
            Ok(ExitCode::SUCCESS)
        }
        AccountsCommand::Resume { login } => {
            let wanted = login.clone();
            let result = db.write_blocking(move |tx| {
                let account = accounts::find(tx, &wanted)?;
                accounts::resume(tx, account.id)
            });
            match result {
                Ok(Some(reason)) => {
                    println!("resumed {login} (was paused: {reason})");
                    Ok(ExitCode::SUCCESS)
                }
                Ok(None) => {
                    println!("{login} was not paused");
                    Ok(ExitCode::SUCCESS)
                }
                Err(CrmError::NotFound(m)) => Err(UsageError(m).into()),
                Err(e) => Err(e.into()),
            }
        }
    }
}
