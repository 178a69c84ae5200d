//! `outlane profile parse` and `outlane accounts`, run as a user would.

use outlane::crm::{Db, accounts};
mod common;

use common::outlane;
use std::path::Path;
use std::process::{Command, Output};

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/data/voyager/linkedin_profile.json"
);

#[test]
fn profile_parse_prints_the_profile_and_rejects_malformed_input() {
    let dir = tempfile::tempdir().unwrap();
    let out = outlane(dir.path(), &["profile", "parse", FIXTURE]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let p: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(p["url"], "https://www.linkedin.com/in/lexfridman/");
    assert_eq!(p["full_name"], "Lex Fridman");
    assert_eq!(p["country_code"], "us");
    assert_eq!(
        p["positions"][0]["company_name"],
        "Massachusetts Institute of Technology"
    );
    assert_eq!(p["positions"][1]["start"]["year"], 2014);
    assert_eq!(p["educations"][0]["school_name"], "Drexel University");
    assert_eq!(p["connection_distance"], "DISTANCE_2");
    assert_eq!(p["connection_degree"], 2);
    let keys: Vec<&str> = p.as_object().unwrap().keys().map(String::as_str).collect();
    for key in [
        "url",
        "urn",
        "public_identifier",
        "first_name",
        "last_name",
        "full_name",
        "headline",
        "summary",
        "location_name",
        "country_code",
        "industry",
        "positions",
        "educations",
        "connection_distance",
        "connection_degree",
    ] {
        assert!(keys.contains(&key), "missing {key}");
    }

    let bad = dir.path().join("bad.json");
    for (text, says) in [
        ("{\"data\": ", "not json"),
        (
            "{\"data\":{\"*elements\":[]},\"included\":[]}",
            "no profile entity",
        ),
        ("[1, 2]", "not an object"),
    ] {
        std::fs::write(&bad, text).unwrap();
        let out = outlane(dir.path(), &["profile", "parse", bad.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{text}: {err}");
        assert!(
            err.contains("bad.json") && err.to_lowercase().contains(says),
            "{text}: {err}"
        );
    }
    let out = outlane(dir.path(), &["profile", "parse", "/nonexistent/x.json"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_paused_account_is_listed_and_resumed() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&dir.path().join("outlane.db")).unwrap();
    db.write_blocking(|tx| {
        let id = accounts::create(tx, "me@example.com", "UTC", 0)?;
        accounts::pause(tx, id, "LinkedIn asks for a security check (checkpoint)", 5)
    })
    .unwrap();
    drop(db);
    let list = outlane(dir.path(), &["accounts", "list"]);
    let text = String::from_utf8_lossy(&list.stdout);
    assert!(
        text.contains("waits for a person: LinkedIn asks for a security check"),
        "{text}"
    );
    let status = outlane(dir.path(), &["status"]);
    let text = String::from_utf8_lossy(&status.stdout);
    assert!(
        text.contains("PAUSED") && text.contains("outlane accounts resume me@example.com"),
        "{text}"
    );

    let resumed = outlane(dir.path(), &["accounts", "resume", "ME@example.com"]);
    assert!(resumed.status.success());
    assert!(String::from_utf8_lossy(&resumed.stdout).contains("it waited for a person"));
    let list = outlane(dir.path(), &["accounts", "list", "--json"]);
    let all: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    assert_eq!(all[0]["paused"], serde_json::Value::Null);
    let unknown = outlane(dir.path(), &["accounts", "resume", "nobody@example.com"]);
    assert_eq!(unknown.status.code(), Some(2));
}

#[test]
fn an_account_is_paused_resumed_removed_with_its_history_and_added_back() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&dir.path().join("outlane.db")).unwrap();
    let campaign = db
        .write_blocking(|tx| {
            let id = accounts::create(tx, "me@example.com", "UTC", 0)?;
            outlane::crm::campaigns::create(
                tx,
                &outlane::crm::campaigns::NewCampaign {
                    account_id: id,
                    name: "Fintech".into(),
                    product_docs: "docs".into(),
                    objective: "CTOs".into(),
                    follow_up_template: String::new(),
                    booking_link: None,
                },
                0,
            )
        })
        .unwrap();
    let text = |out: &Output| String::from_utf8_lossy(&out.stdout).into_owned();
    let paused = outlane(dir.path(), &["accounts", "pause", "me@example.com"]);
    assert!(
        paused.status.success(),
        "{}",
        String::from_utf8_lossy(&paused.stderr)
    );
    assert!(
        text(&paused).contains("takes no action for it"),
        "{}",
        text(&paused)
    );
    assert!(
        text(&outlane(dir.path(), &["accounts", "list"]))
            .contains("paused (outlane accounts resume)")
    );
    assert!(text(&outlane(dir.path(), &["status"])).contains("PAUSED by `outlane accounts pause`"));
    let resumed = outlane(dir.path(), &["accounts", "resume", "me@example.com"]);
    assert_eq!(text(&resumed).trim(), "resumed me@example.com");
    let removed = outlane(dir.path(), &["accounts", "remove", "me@example.com"]);
    assert!(removed.status.success());
    assert!(
        text(&removed).contains("1 campaign(s) paused"),
        "{}",
        text(&removed)
    );
    assert!(text(&outlane(dir.path(), &["accounts", "list"])).contains("removed (history kept)"));
    assert!(text(&outlane(dir.path(), &["status"])).contains("REMOVED"));
    // A removed account cannot be resumed; adding it again brings it back with its campaign.
    let refused = outlane(dir.path(), &["accounts", "resume", "me@example.com"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("was removed"));
    let back = outlane(dir.path(), &["accounts", "add", "me@example.com"]);
    assert!(back.status.success());
    assert!(
        text(&back).contains("is back, with its history"),
        "{}",
        text(&back)
    );
    let db = Db::open(&dir.path().join("outlane.db")).unwrap();
    let (account, kept) = db
        .read_outside_tx_blocking(move |c| {
            Ok((
                accounts::find(c, "me@example.com")?,
                outlane::crm::campaigns::get(c, campaign)?,
            ))
        })
        .unwrap();
    assert!(account.active && account.removed_ms.is_none());
    assert!(!kept.active, "its campaign stays paused until resumed");
    let unknown = outlane(dir.path(), &["accounts", "pause", "nobody@example.com"]);
    assert_eq!(unknown.status.code(), Some(2));
}

#[test]
fn a_new_account_warms_up_and_status_says_so_until_the_ramp_is_ended() {
    let dir = tempfile::tempdir().unwrap();
    let text = |out: &Output| String::from_utf8_lossy(&out.stdout).into_owned();
    let added = outlane(dir.path(), &["accounts", "add", "new@example.com"]);
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let shown = outlane(dir.path(), &["accounts", "warmup", "new@example.com"]);
    assert!(
        text(&shown).contains("warms up: working day 1 of 15, from 5 a day"),
        "{}",
        text(&shown)
    );
    let status = text(&outlane(dir.path(), &["status"]));
    assert!(
        status.contains("Warming up: working day 1 of 15"),
        "{status}"
    );
    // Today's limits are the ramp's: 5 invitations and 5 messages (of 20 and 30).
    assert!(
        status.contains("invite    0 / 5 ") && status.contains("message   0 / 5 "),
        "{status}"
    );
    let status = outlane(dir.path(), &["status", "--json"]);
    let report: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    let usage = &report["accounts"][0]["usage"];
    assert_eq!(usage[0]["action"], "invite");
    assert_eq!(usage[0]["daily"], 5);
    assert_eq!(report["accounts"][0]["warmup"]["day"], 1);
    // A custom ramp, then none.
    let custom = outlane(
        dir.path(),
        &[
            "accounts",
            "warmup",
            "new@example.com",
            "--from",
            "2",
            "--days",
            "10",
        ],
    );
    assert!(
        text(&custom).contains("working day 1 of 10, from 2 a day"),
        "{}",
        text(&custom)
    );
    let off = outlane(
        dir.path(),
        &["accounts", "warmup", "new@example.com", "--off"],
    );
    assert!(text(&off).contains("has no warm-up"), "{}", text(&off));
    let status = text(&outlane(dir.path(), &["status"]));
    assert!(
        !status.contains("Warming up") && status.contains("0 / 20"),
        "{status}"
    );
    let bad = outlane(
        dir.path(),
        &["accounts", "warmup", "new@example.com", "--from", "0"],
    );
    assert_eq!(bad.status.code(), Some(2));
    // Limits and guards, shown and changed.
    let limits = outlane(
        dir.path(),
        &[
            "accounts",
            "limits",
            "new@example.com",
            "--action",
            "invite",
            "--daily",
            "12",
            "--weekly",
            "none",
        ],
    );
    assert!(
        limits.status.success(),
        "{}",
        String::from_utf8_lossy(&limits.stderr)
    );
    assert!(text(&limits).contains("invite    12"), "{}", text(&limits));
    assert!(
        text(&limits)
            .lines()
            .any(|l| l.starts_with("invite") && l.ends_with("unlimited"))
    );
    let bad = outlane(
        dir.path(),
        &[
            "accounts",
            "limits",
            "new@example.com",
            "--action",
            "poke",
            "--daily",
            "1",
        ],
    );
    assert_eq!(bad.status.code(), Some(2));
    let bad = outlane(
        dir.path(),
        &[
            "accounts",
            "limits",
            "new@example.com",
            "--action",
            "invite",
            "--daily",
            "lots",
        ],
    );
    assert_eq!(bad.status.code(), Some(2));
    let guards = outlane(
        dir.path(),
        &[
            "accounts",
            "guards",
            "new@example.com",
            "--max-pending",
            "50",
            "--min-acceptance",
            "20",
        ],
    );
    assert!(
        text(&guards).contains("0 of max 50 invitations waiting")
            && text(&guards).contains("under 20 % over 50"),
        "{}",
        text(&guards)
    );
    let status = text(&outlane(dir.path(), &["status"]));
    assert!(
        status.contains("Guards: 0 of max 50 invitations waiting; no invitation answered yet"),
        "{status}"
    );
    let bad = outlane(
        dir.path(),
        &[
            "accounts",
            "guards",
            "new@example.com",
            "--min-acceptance",
            "120",
        ],
    );
    assert_eq!(bad.status.code(), Some(2));
    // An account added with --no-warmup has its limits at once.
    outlane(
        dir.path(),
        &["accounts", "add", "old@example.com", "--no-warmup"],
    );
    let shown = outlane(dir.path(), &["accounts", "warmup", "old@example.com"]);
    assert!(text(&shown).contains("has no warm-up"), "{}", text(&shown));
}

#[test]
fn qualifier_parity_matches_the_reference_golden_file() {
    let dir = tempfile::tempdir().unwrap();
    let golden_path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/data/qualifier/shared-24.json"
    );
    let out = outlane(dir.path(), &["qualifier", "parity", golden_path]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ours: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let golden: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(golden_path).unwrap()).unwrap();
    let expected = &golden;
    assert_eq!(ours["chosen_n_pca"], expected["chosen_n_pca"]);
    assert_eq!(ours["rank_order"], expected["rank_order"]);
    for key in ["lml", "constant_value", "length_scale"] {
        let (a, b) = (ours[key].as_f64().unwrap(), expected[key].as_f64().unwrap());
        assert!(((a - b) / b).abs() < 1e-3, "{key}: {a} vs {b}");
    }
    let (p, q) = (
        ours["predict"].as_array().unwrap(),
        expected["predict"].as_array().unwrap(),
    );
    assert_eq!(p.len(), q.len());
    for (row, want) in p.iter().zip(q) {
        for k in 0..3 {
            let (a, b) = (row[k].as_f64().unwrap(), want[k].as_f64().unwrap());
            assert!((a - b).abs() < 1e-4, "{a} vs {b}");
        }
    }
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"X\": [[1.0]], \"y\": [1, 0]}").unwrap();
    let out = outlane(dir.path(), &["qualifier", "parity", bad.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn campaigns_are_added_listed_and_edited() {
    let dir = tempfile::tempdir().unwrap();
    let none = outlane(dir.path(), &["campaign", "add", "Fintech CFOs"]);
    assert_eq!(none.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&none.stderr).contains("outlane init"));
    let db = Db::open(&dir.path().join("outlane.db")).unwrap();
    db.write_blocking(|tx| accounts::create(tx, "me@example.com", "UTC", 0))
        .unwrap();
    drop(db);
    let docs = dir.path().join("docs.md");
    std::fs::write(&docs, "Ledgerly automates month-end close.").unwrap();
    let add = outlane(
        dir.path(),
        &[
            "campaign",
            "add",
            "Fintech CFOs",
            "--product-docs-file",
            docs.to_str().unwrap(),
            "--objective",
            "Demos with finance leaders",
            "--follow-up",
            "Hi {first_name}",
            "--booking-link",
            "https://cal.example.com/me",
        ],
    );
    assert!(
        add.status.success(),
        "{}",
        String::from_utf8_lossy(&add.stderr)
    );
    let dup = outlane(dir.path(), &["campaign", "add", "fintech cfos"]);
    assert_eq!(
        dup.status.code(),
        Some(2),
        "names are unique, case-insensitively"
    );
    let bad = outlane(
        dir.path(),
        &[
            "campaign",
            "add",
            "Other",
            "--booking-link",
            "cal.example.com",
        ],
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not an http(s) URL"));

    let edit = outlane(
        dir.path(),
        &[
            "campaign",
            "edit",
            "FINTECH CFOs",
            "--pause",
            "--no-booking-link",
            "--rename",
            "CFOs",
        ],
    );
    assert!(
        edit.status.success(),
        "{}",
        String::from_utf8_lossy(&edit.stderr)
    );
    let list = outlane(dir.path(), &["campaign", "list", "--json"]);
    let all: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    assert_eq!(all.as_array().unwrap().len(), 1);
    assert_eq!(all[0]["name"], "CFOs");
    assert_eq!(all[0]["active"], false);
    assert_eq!(all[0]["booking_link"], serde_json::Value::Null);
    assert_eq!(
        all[0]["product_docs"],
        "Ledgerly automates month-end close."
    );
    assert_eq!(all[0]["follow_up_template"], "Hi {first_name}");
    // A template that would reach people as written is refused, naming what to use.
    for bad in ["Hi {{ first_name }}", "Hi {firstname}"] {
        let refused = outlane(
            dir.path(),
            &["campaign", "edit", "CFOs", "--follow-up", bad],
        );
        assert_eq!(refused.status.code(), Some(2), "{bad}");
        assert!(
            String::from_utf8_lossy(&refused.stderr).contains("`{first_name}`"),
            "{}",
            String::from_utf8_lossy(&refused.stderr)
        );
    }
    let list = outlane(dir.path(), &["campaign", "list", "--json"]);
    let all: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    assert_eq!(
        all[0]["follow_up_template"], "Hi {first_name}",
        "nothing was saved"
    );
    let text = outlane(dir.path(), &["campaign", "list"]);
    assert!(String::from_utf8_lossy(&text.stdout).contains("paused"));
    let missing = outlane(dir.path(), &["campaign", "edit", "nope", "--resume"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("known: CFOs"));
}

fn init(data: &Path, config: &Path, args: &[&str], stdin: &str, password: Option<&str>) -> Output {
    use std::io::Write;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_outlane"));
    cmd.arg("--data-dir")
        .arg(data)
        .arg("--config")
        .arg(config)
        .arg("init")
        .args(args)
        .env("RUST_LOG", "warn")
        .env("OUTLANE_PASSPHRASE", "init test passphrase")
        .env_remove("OUTLANE_LINKEDIN_LOGIN")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    match password {
        Some(p) => cmd.env("OUTLANE_LINKEDIN_PASSWORD", p),
        None => cmd.env_remove("OUTLANE_LINKEDIN_PASSWORD"),
    };
    let mut child = cmd.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn init_asks_again_on_bad_values_and_seals_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("conf").join("outlane.toml");
    // Piped answers: login, password, a bad time zone then a good one, defaults for the URLs
    // and the model, the campaign, and a bad booking link then none.
    let answers = "me@example.com\ns3cret pass\nMars/Olympus\nEurope/Berlin\n\n\n\nFintech CFOs\nLedgerly\nDemos with CFOs\n\nnot-a-link\n\n";
    let out = init(dir.path(), &config, &[], answers, None);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("try again"), "{err}");
    assert!(!err.contains("s3cret"), "the password is never echoed");
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(
        text.contains("base_url = \"https://www.linkedin.com\"") && text.contains("gpt-4o-mini"),
        "{text}"
    );
    outlane::config::Config::load(&config, true).expect("the written config loads");
    let db = Db::open(&dir.path().join("outlane.db")).unwrap();
    let (account, campaign) = db
        .read_outside_tx_blocking(|c| {
            let a = accounts::find(c, "me@example.com")?;
            let p = accounts::password(c, a.id, "init test passphrase")?;
            assert_eq!(p.as_str(), "s3cret pass");
            Ok((a, outlane::crm::campaigns::find(c, "Fintech CFOs")?))
        })
        .unwrap();
    assert_eq!(account.timezone, "Europe/Berlin");
    assert_eq!(campaign.booking_link, None);
    // The default follow-up is the `follow_up` prompt (never text with Jinja braces).
    assert_eq!(campaign.follow_up_template, "follow_up");
    let raw = std::fs::read(dir.path().join("outlane.db")).unwrap();
    assert!(
        !raw.windows(11).any(|w| w == b"s3cret pass"),
        "sealed, not stored in clear"
    );

    // An existing config is not overwritten without --force; non-interactive runs need flags.
    let again = init(dir.path(), &config, &["--non-interactive"], "", Some("x"));
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
    let missing = init(
        dir.path(),
        &config,
        &["--non-interactive", "--force", "--login", "b@example.com"],
        "",
        Some("pw"),
    );
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("First campaign's name"));
    let full = init(
        dir.path(),
        &config,
        &[
            "--non-interactive",
            "--force",
            "--login",
            "b@example.com",
            "--linkedin-url",
            "http://127.0.0.1:9",
            "--llm-url",
            "http://127.0.0.1:8/v1",
            "--campaign",
            "Second",
            "--product-docs",
            "X",
            "--objective",
            "Y",
            "--booking-link",
            "https://cal.example.com/b",
        ],
        "",
        Some("pw2"),
    );
    assert!(
        full.status.success(),
        "{}",
        String::from_utf8_lossy(&full.stderr)
    );
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(
        text.contains("http://127.0.0.1:9") && text.contains("http://127.0.0.1:8/v1"),
        "{text}"
    );
}

#[test]
fn accounts_are_added_and_their_password_is_sealed() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_outlane"));
        c.arg("--data-dir")
            .arg(dir.path())
            .args(args)
            .env_remove("OUTLANE_PASSPHRASE")
            .env_remove("OUTLANE_LINKEDIN_PASSWORD")
            .stdin(std::process::Stdio::null());
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().unwrap()
    };
    let added = run(
        &[
            "accounts",
            "add",
            "second@example.com",
            "--timezone",
            "Europe/Berlin",
        ],
        &[],
    );
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let again = run(&["accounts", "add", "SECOND@example.com"], &[]);
    assert_eq!(again.status.code(), Some(2), "logins are unique");
    let bad_zone = run(
        &[
            "accounts",
            "add",
            "x@example.com",
            "--timezone",
            "Mars/Base",
        ],
        &[],
    );
    assert_eq!(bad_zone.status.code(), Some(2));
    // No passphrase: nothing can be sealed.
    let no_key = run(
        &["accounts", "set-password", "second@example.com"],
        &[("OUTLANE_LINKEDIN_PASSWORD", "pw-1")],
    );
    assert_eq!(no_key.status.code(), Some(2));
    // No terminal and no variable: refused, with what to set.
    let no_pw = run(
        &["accounts", "set-password", "second@example.com"],
        &[("OUTLANE_PASSPHRASE", "k")],
    );
    assert_eq!(no_pw.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&no_pw.stderr).contains("OUTLANE_LINKEDIN_PASSWORD"));
    let unknown = run(
        &["accounts", "set-password", "nobody@example.com"],
        &[
            ("OUTLANE_PASSPHRASE", "k"),
            ("OUTLANE_LINKEDIN_PASSWORD", "pw-1"),
        ],
    );
    assert_eq!(unknown.status.code(), Some(2));
    let set = run(
        &["accounts", "set-password", "second@example.com"],
        &[
            ("OUTLANE_PASSPHRASE", "k"),
            ("OUTLANE_LINKEDIN_PASSWORD", "s3cret-value"),
        ],
    );
    assert!(
        set.status.success(),
        "{}",
        String::from_utf8_lossy(&set.stderr)
    );
    let db = Db::open(&dir.path().join("outlane.db")).unwrap();
    let (has, opened) = db
        .read_outside_tx_blocking(|c| {
            let a = accounts::find(c, "second@example.com")?;
            Ok((
                a.has_password,
                accounts::password(c, a.id, "k")?.to_string(),
            ))
        })
        .unwrap();
    assert!(has);
    assert_eq!(opened, "s3cret-value");
    let raw = std::fs::read(dir.path().join("outlane.db")).unwrap();
    assert!(
        !raw.windows(12).any(|w| w == b"s3cret-value"),
        "the password is sealed, not stored"
    );
}
