//! A CRM writer for the crash-safety test: it works leads through the pipeline as fast as it
//! can — big and small transactions, journal intents and results — and prints each committed
//! journal step to stdout, until the test kills it with SIGKILL.
//!
//! Usage: `crm-writer DB PREFIX`. Prints `ready`, then `intent <id>` after an intent commits
//! and `done <id>` after its result commits.

use outlane::crm::campaigns;
use outlane::crm::journal::{self, Outcome};
use outlane::crm::{Action, Db, Stage, leads, pipeline};
use outlane_linkedin::ProfileId;
use std::io::Write;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(path), Some(prefix)) = (args.next(), args.next()) else {
        anyhow::bail!("usage: crm-writer DB PREFIX");
    };
    let db = Db::open(std::path::Path::new(&path))?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "ready")?;
    out.flush()?;
    let mut now: u64 = 1_795_428_000_000;
    for i in 0u64.. {
        now += 1000;
        let batch: Vec<String> = (0..50)
            .map(|j| format!("https://www.linkedin.com/in/{prefix}-{i}-{j}/"))
            .collect();
        // A large transaction: a page of discovered profiles, each enriched.
        let lead = db.write_blocking(move |tx| {
            pipeline::discover(tx, 1, &batch, &[], "writer", now)?;
            let mut first = None;
            for url in &batch {
                let id = ProfileId::parse(url)
                    .map_err(|e| outlane::crm::CrmError::Invalid(e.to_string()))?;
                let lead = leads::find(tx, &id)?.expect("just discovered");
                let profile = format!(
                    r#"{{"public_identifier":"{}","full_name":"P {i}","headline":"{}"}}"#,
                    id.as_str(),
                    "x".repeat(400)
                );
                leads::save_profile(tx, lead, &profile, Some(&profile), None, "writer", now)?;
                first.get_or_insert(lead);
            }
            Ok(first.expect("non-empty batch"))
        })?;
        db.write_blocking(move |tx| {
            pipeline::set_stage(tx, 1, lead, Stage::Qualified, "fits", "writer", now).map(|_| ())
        })?;
        let intent = db.write_blocking(move |tx| {
            let campaign = campaigns::get(tx, 1)?;
            journal::begin(tx, &campaign, lead, Action::Invite, "invite", "writer", now)
        })?;
        writeln!(out, "intent {intent}")?;
        out.flush()?;
        let outcome = if i % 5 == 4 {
            Outcome::NotDone("no Connect button".into())
        } else {
            Outcome::Done("Pending shown".into())
        };
        db.write_blocking(move |tx| journal::finish(tx, intent, None, &outcome, "writer", now))?;
        writeln!(out, "done {intent}")?;
        out.flush()?;
    }
    Ok(())
}
