//! Crash safety of the CRM: a writer process is killed with SIGKILL at random moments, over
//! and over, mostly in the middle of a transaction. Afterwards the database must open, pass
//! SQLite's integrity check, and hold no half-written deal and no lost journal intent.

use outlane::crm::campaigns::{self, NewCampaign};
use outlane::crm::{Action, Db, accounts, journal};
use rand::RngExt;
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

const KILLS: usize = 200;

#[test]
fn sigkill_loop_never_corrupts_or_loses_anything() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("outlane.db");
    let db = Db::open(&path).unwrap();
    db.write_blocking(|tx| {
        let account = accounts::create(tx, "me@example.com", "UTC", 0)?;
        accounts::set_limit(tx, account, Action::Invite, None, None)?;
        campaigns::create(
            tx,
            &NewCampaign {
                account_id: account,
                name: "crash".into(),
                ..NewCampaign::default()
            },
            0,
        )
    })
    .unwrap();
    drop(db);

    let mut committed_intents = BTreeSet::new();
    let mut committed_done = BTreeSet::new();
    let mut rng = rand::rng();
    for kill in 0..KILLS {
        let mut child = Command::new(env!("CARGO_BIN_EXE_crm_writer"))
            .arg(&path)
            .arg(format!("k{kill}"))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the writer");
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .collect::<Vec<String>>()
        });
        // Let it open the database and get going, then kill it at a random moment.
        std::thread::sleep(Duration::from_millis(rng.random_range(5..60)));
        child.kill().expect("SIGKILL the writer");
        child.wait().unwrap();
        let lines = reader.join().unwrap();
        for line in lines {
            if let Some(id) = line.strip_prefix("intent ") {
                committed_intents.insert(id.parse::<u64>().unwrap());
            } else if let Some(id) = line.strip_prefix("done ") {
                committed_done.insert(id.parse::<u64>().unwrap());
            }
        }
    }
    assert!(
        committed_intents.len() >= 20,
        "the writer got too little done to test anything ({} intents)",
        committed_intents.len()
    );

    let db = Db::open(&path).expect("the database opens after 200 kills");
    db.call_blocking(|c| {
        let check: String = c.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        assert_eq!(check, "ok");
        let fk_errors: u64 =
            c.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| r.get(0))?;
        assert_eq!(fk_errors, 0, "foreign keys hold");

        // No journal intent is lost, and every recorded result is there.
        for id in &committed_intents {
            let found: u64 = c.query_row(
                "SELECT count(*) FROM action_journal WHERE id = ?1",
                [id],
                |r| r.get(0),
            )?;
            assert_eq!(found, 1, "intent {id} was reported committed and must exist");
        }
        for id in &committed_done {
            let result: Option<String> = c.query_row(
                "SELECT result FROM action_journal WHERE id = ?1",
                [id],
                |r| r.get(0),
            )?;
            assert!(result.is_some(), "intent {id}'s result was committed");
        }

        // No half-written deal: the stage always matches the last history entry...
        let mismatched: u64 = c.query_row(
            "SELECT count(*) FROM deals d WHERE d.stage IS NOT (
                 SELECT to_stage FROM stage_changes s WHERE s.deal_id = d.id ORDER BY s.id DESC LIMIT 1)",
            [],
            |r| r.get(0),
        )?;
        assert_eq!(mismatched, 0, "deal stage and history agree");
        // ...a saved profile always came with the move to enriched...
        let stale: u64 = c.query_row(
            "SELECT count(*) FROM deals d JOIN leads l ON l.id = d.lead_id
             WHERE l.profile_json IS NOT NULL AND (d.stage = 'discovered' OR l.enriched_ms IS NULL)",
            [],
            |r| r.get(0),
        )?;
        assert_eq!(stale, 0, "profile and stage were written together");
        // ...and a done invitation always came with the move to pending, and only then.
        let pending_without_invite: u64 = c.query_row(
            "SELECT count(*) FROM deals d WHERE d.stage = 'pending' AND NOT EXISTS (
                 SELECT 1 FROM action_journal j WHERE j.lead_id = d.lead_id AND j.result = 'done')",
            [],
            |r| r.get(0),
        )?;
        assert_eq!(pending_without_invite, 0);
        let invite_without_pending: u64 = c.query_row(
            "SELECT count(*) FROM action_journal j JOIN deals d ON d.lead_id = j.lead_id
             WHERE j.result = 'done' AND d.stage != 'pending'",
            [],
            |r| r.get(0),
        )?;
        assert_eq!(invite_without_pending, 0);
        // The limit counters match the journal: open and done intents hold a unit each.
        let held: u64 = c.query_row(
            "SELECT count(*) FROM action_journal WHERE result IS NULL OR result = 'done'",
            [],
            |r| r.get(0),
        )?;
        let counted: u64 = c.query_row(
            "SELECT coalesce(sum(used), 0) FROM rate_counters WHERE period LIKE 'week:%'",
            [],
            |r| r.get(0),
        )?;
        assert_eq!(held, counted, "rate counters agree with the journal");
        Ok(())
    })
    .unwrap();

    // Intents left open by a kill are all there to be reconciled, on qualified leads.
    let open = db.read_outside_tx_blocking(journal::open_all).unwrap();
    for intent in &open {
        let stage: String = db
            .call_blocking({
                let lead = intent.lead_id;
                move |c| {
                    c.query_row("SELECT stage FROM deals WHERE lead_id = ?1", [lead], |r| {
                        r.get(0)
                    })
                }
            })
            .unwrap();
        assert_eq!(stage, "qualified", "intent #{} awaits its check", intent.id);
    }
    eprintln!(
        "{KILLS} kills: {} intents committed, {} results, {} left open for reconciliation",
        committed_intents.len(),
        committed_done.len(),
        open.len()
    );
}
