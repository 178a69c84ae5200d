//! The CRM commands of the `outlane` binary, run as a user would: `leads import`, `leads list`,
//! `leads show` and `status`, against a real database in a temporary data directory.

use outlane::crm::campaigns::{self, NewCampaign};
use outlane::crm::{Db, accounts};
use std::path::Path;
use std::process::Output;

mod common;

use common::outlane;

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn with_campaign(data: &Path) {
    let db = Db::open(&data.join("outlane.db")).unwrap();
    db.write_blocking(|tx| {
        let account = accounts::create(tx, "me@example.com", "UTC", 0)?;
        campaigns::create(
            tx,
            &NewCampaign {
                account_id: account,
                name: "Fintech CTOs".into(),
                ..NewCampaign::default()
            },
            0,
        )
    })
    .unwrap();
}

#[test]
fn csv_import_keeps_good_rows_and_reports_bad_ones_by_line() {
    let dir = tempfile::tempdir().unwrap();
    with_campaign(dir.path());
    let csv = dir.path().join("leads.csv");
    std::fs::write(
        &csv,
        "Name,URL,Headline\n\
         Jane Doe,https://www.linkedin.com/in/jane-doe/,CTO at Acme\n\
         Acme,https://www.linkedin.com/company/acme/,company page\n\
         Bob,https://www.linkedin.com/in/bob-b?trk=people,VP Sales\n\
         broken row\n\
         Jane again,linkedin.com/in/JANE-DOE/details/,dup\n\
         Eve,,no url\n\
         Mallory,https://evil.example/in/mallory,phish\n",
    )
    .unwrap();
    let out = outlane(dir.path(), &["leads", "import", csv.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    let file = csv.display().to_string();
    for (line, what) in [
        (3, "not a profile URL"),
        (5, "1 fields where the header has 3"),
        (7, "the `url` column is empty"),
        (8, "not a LinkedIn host"),
    ] {
        assert!(
            err.contains(&format!("{file}:{line}: skipped: ")) && err.contains(what),
            "line {line} ({what}) missing from:\n{err}"
        );
    }
    assert!(
        stdout(&out)
            .contains("2 new lead(s), 2 added to the campaign, 1 already known, 4 bad row(s)"),
        "{}",
        stdout(&out)
    );

    let list = outlane(
        dir.path(),
        &[
            "leads",
            "list",
            "--stage",
            "discovered",
            "--campaign",
            "fintech ctos",
            "--json",
        ],
    );
    assert!(list.status.success(), "{}", stderr(&list));
    let rows: serde_json::Value = serde_json::from_str(&stdout(&list)).unwrap();
    let ids: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["public_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec!["jane-doe", "bob-b"]);
    assert_eq!(rows[0]["full_name"], "Jane Doe");
    assert_eq!(rows[0]["url"], "https://www.linkedin.com/in/jane-doe/");

    let show = outlane(
        dir.path(),
        &[
            "leads",
            "show",
            "https://www.linkedin.com/in/Bob-B/",
            "--json",
        ],
    );
    assert!(show.status.success(), "{}", stderr(&show));
    let detail: serde_json::Value = serde_json::from_str(&stdout(&show)).unwrap();
    // What the CSV said is the importing campaign's: on its deal, not on the shared lead.
    assert_eq!(detail["campaigns"][0]["headline"], "VP Sales");
    assert_eq!(detail["lead"]["headline"], serde_json::Value::Null);
    assert_eq!(detail["campaigns"][0]["stage"], "discovered");
    assert_eq!(detail["campaigns"][0]["history"][0]["actor"], "import");

    // Importing the same file again adds nothing.
    let again = outlane(
        dir.path(),
        &["leads", "import", csv.to_str().unwrap(), "--json"],
    );
    let report: serde_json::Value = serde_json::from_str(&stdout(&again)).unwrap();
    assert_eq!(report["new_leads"], 0);
    assert_eq!(report["already_known"], 3);
}

#[test]
fn status_shows_the_funnel_and_limits() {
    let dir = tempfile::tempdir().unwrap();
    with_campaign(dir.path());
    let list = dir.path().join("urls.txt");
    std::fs::write(
        &list,
        "https://www.linkedin.com/in/a/\nhttps://www.linkedin.com/in/b/\n",
    )
    .unwrap();
    assert!(
        outlane(dir.path(), &["leads", "import", list.to_str().unwrap()])
            .status
            .success()
    );

    let out = outlane(dir.path(), &["status", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let status: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let campaign = &status["campaigns"][0];
    assert_eq!(campaign["name"], "Fintech CTOs");
    assert_eq!(campaign["total"], 2);
    assert_eq!(campaign["funnel"][0]["stage"], "discovered");
    assert_eq!(campaign["funnel"][0]["count"], 2);
    let invite = &status["accounts"][0]["usage"][0];
    assert_eq!(invite["action"], "invite");
    assert_eq!(invite["daily"], 20);
    assert_eq!(invite["weekly"], 100);

    let text = outlane(dir.path(), &["status"]);
    let text = stdout(&text);
    assert!(text.contains("Campaign \"Fintech CTOs\""), "{text}");
    assert!(text.contains("invite    0 / 20"), "{text}");
}

#[test]
fn status_watch_refreshes_and_shows_changes_live() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    with_campaign(dir.path());
    // A fixed number of text reports, each with its header line.
    let out = outlane(dir.path(), &["status", "--watch", "100ms", "--count", "3"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert_eq!(text.matches("outlane status at ").count(), 3, "{text}");
    assert_eq!(
        text.matches("Campaign \"Fintech CTOs\"").count(),
        3,
        "{text}"
    );
    assert!(
        !text.contains('\x1b'),
        "no screen control codes when not on a terminal"
    );
    // --count needs --watch.
    let out = outlane(dir.path(), &["status", "--count", "2"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));

    // Live: a watcher sees leads imported while it runs.
    let mut watcher = std::process::Command::new(env!("CARGO_BIN_EXE_outlane"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["status", "--json", "--watch", "200ms"])
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(watcher.stdout.take().unwrap()).lines();
    let total = |line: &str| -> u64 {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        v["campaigns"][0]["total"].as_u64().unwrap()
    };
    let first = lines.next().unwrap().unwrap();
    assert_eq!(total(&first), 0);
    let list = dir.path().join("urls.txt");
    std::fs::write(
        &list,
        "https://www.linkedin.com/in/a/\nhttps://www.linkedin.com/in/b/\n",
    )
    .unwrap();
    let import = outlane(dir.path(), &["leads", "import", list.to_str().unwrap()]);
    assert!(import.status.success(), "{}", stderr(&import));
    let mut seen = None;
    for line in lines.by_ref().take(50) {
        let n = total(&line.unwrap());
        if n == 2 {
            seen = Some(n);
            break;
        }
    }
    watcher.kill().unwrap();
    let _ = watcher.wait();
    assert_eq!(seen, Some(2), "the watcher never showed the imported leads");
}

#[test]
fn bad_input_exits_with_code_2_and_one_line() {
    let dir = tempfile::tempdir().unwrap();
    with_campaign(dir.path());
    let cases: &[(&[&str], &str)] = &[
        (
            &["leads", "list", "--campaign", "nope"],
            "no campaign `nope` (known: Fintech CTOs)",
        ),
        (
            &["leads", "show", "https://www.linkedin.com/feed/"],
            "is not a profile URL",
        ),
        (
            &["leads", "show", "https://www.linkedin.com/in/nobody/"],
            "no lead for",
        ),
        (
            &["leads", "import", "/nonexistent/file.csv"],
            "/nonexistent/file.csv: cannot read it",
        ),
    ];
    for (args, message) in cases {
        let out = outlane(dir.path(), args);
        let err = stderr(&out);
        assert!(err.contains(message), "{args:?}: {err}");
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    }
    let csv = dir.path().join("no-url.csv");
    std::fs::write(&csv, "name,email\nJane,j@x.com\n").unwrap();
    let out = outlane(dir.path(), &["leads", "import", csv.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("has no URL column (found: name, email)"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_person_labels_leads_from_the_cli() {
    use outlane::crm::learning::{self, LabelSource};
    use outlane::crm::{Stage, leads, pipeline};
    use outlane_linkedin::ProfileId;
    let dir = tempfile::tempdir().unwrap();
    with_campaign(dir.path());
    let list = dir.path().join("leads.txt");
    std::fs::write(
        &list,
        "https://www.linkedin.com/in/ada-judged/\n\
         https://www.linkedin.com/in/bo-invited/\n\
         https://www.linkedin.com/in/cy-unread/\n",
    )
    .unwrap();
    let out = outlane(dir.path(), &["leads", "import", list.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let db = Db::open(&dir.path().join("outlane.db")).unwrap();
    let id = |handle: &str| {
        let p = ProfileId::parse(&format!("https://www.linkedin.com/in/{handle}/")).unwrap();
        db.read_outside_tx_blocking(move |c| leads::find(c, &p))
            .unwrap()
            .unwrap()
    };
    let (ada, bo) = (id("ada-judged"), id("bo-invited"));
    db.write_blocking(move |tx| {
        for (lead, to) in [
            (ada, Stage::Enriched),
            (ada, Stage::Disqualified),
            (bo, Stage::Enriched),
            (bo, Stage::Qualified),
            (bo, Stage::Pending),
        ] {
            pipeline::set_stage(tx, 1, lead, to, "test", "test", 0)?;
        }
        learning::put_label(
            tx,
            1,
            ada,
            false,
            "auto-rejected",
            LabelSource::Model,
            0,
            None,
        )
    })
    .unwrap();
    let stage = |lead: u64| {
        db.read_outside_tx_blocking(move |c| pipeline::get(c, 1, lead))
            .unwrap()
            .stage
    };
    let label = |lead: u64| {
        db.read_outside_tx_blocking(move |c| learning::label(c, 1, lead))
            .unwrap()
    };
    // Over the model's rejection: the person's label and the stage.
    let out = outlane(
        dir.path(),
        &[
            "leads",
            "label",
            "https://www.linkedin.com/in/ada-judged/",
            "accept",
            "--reason",
            "I know her: she buys",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("disqualified → qualified"),
        "{}",
        stdout(&out)
    );
    assert_eq!(stage(ada), Stage::Qualified);
    assert_eq!(
        label(ada),
        Some((true, "I know her: she buys".into(), "human".into()))
    );
    // After an invitation: stored, the stage stays.
    let out = outlane(dir.path(), &["leads", "label", "bo-invited", "reject"]);
    assert_eq!(out.status.code(), Some(2), "a bare handle is not a URL");
    let out = outlane(
        dir.path(),
        &["leads", "label", &bo.to_string(), "reject", "--json"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        (v["from"].as_str(), v["to"].as_str()),
        (Some("pending"), Some("pending"))
    );
    assert_eq!(stage(bo), Stage::Pending);
    assert_eq!(
        label(bo),
        Some((false, "a person rejected it".into(), "human".into()))
    );
    // Bad input: exit 2 with the reason, nothing changed.
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "leads",
                "label",
                "https://www.linkedin.com/in/cy-unread/",
                "accept",
            ],
            "nothing to judge",
        ),
        (
            &[
                "leads",
                "label",
                "https://www.linkedin.com/in/nobody/",
                "accept",
            ],
            "no lead for",
        ),
        (
            &[
                "leads",
                "label",
                "https://www.linkedin.com/in/ada-judged/",
                "maybe",
            ],
            "invalid value 'maybe'",
        ),
    ];
    for (args, message) in cases {
        let out = outlane(dir.path(), args);
        let err = stderr(&out);
        assert!(err.contains(message), "{args:?}: {err}");
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    }
    assert_eq!(stage(id("cy-unread")), Stage::Discovered);
    assert_eq!(label(id("cy-unread")), None);
}

#[test]
fn leads_show_says_who_holds_a_lead_until_when_and_its_tags() {
    use outlane::crm::{holds, leads};
    let dir = tempfile::tempdir().unwrap();
    with_campaign(dir.path());
    let list = dir.path().join("urls.txt");
    std::fs::write(&list, "https://www.linkedin.com/in/held-one/\n").unwrap();
    let out = outlane(dir.path(), &["leads", "import", list.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let db = Db::open(&dir.path().join("outlane.db")).unwrap();
    let p = outlane_linkedin::ProfileId::parse("https://www.linkedin.com/in/held-one/").unwrap();
    // A day from now (the CLI reads holds against the real clock).
    let until = outlane::clock::Clock::real().now_ms() + 86_400_000;
    db.write_blocking(move |tx| {
        let id = leads::find(tx, &p)?.expect("imported");
        holds::hold(tx, 1, id, "visit", until, "profile visited", 0)?;
        holds::tag(tx, 1, id, "visited", "visit", 0)?;
        Ok(())
    })
    .unwrap();
    drop(db);
    let show = outlane(
        dir.path(),
        &["leads", "show", "https://www.linkedin.com/in/held-one/"],
    );
    assert!(show.status.success(), "{}", stderr(&show));
    let text = stdout(&show);
    assert!(
        text.contains("held by visit until") && text.contains("(profile visited)"),
        "{text}"
    );
    assert!(text.contains("tags: visited"), "{text}");
    let json = outlane(
        dir.path(),
        &[
            "leads",
            "show",
            "https://www.linkedin.com/in/held-one/",
            "--json",
        ],
    );
    let detail: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!(detail["campaigns"][0]["hold"]["by"], "visit");
    assert_eq!(detail["campaigns"][0]["tags"][0], "visited");
}
