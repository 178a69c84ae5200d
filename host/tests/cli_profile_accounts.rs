//! `outlane profile parse` and `outlane accounts`, run as a user would.

use outlane::crm::{Db, accounts};
use std::path::Path;
use std::process::{Command, Output};

fn outlane(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_outlane"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run outlane")
}

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
        text.contains("paused: LinkedIn asks for a security check"),
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
    assert!(String::from_utf8_lossy(&resumed.stdout).contains("was paused"));
    let list = outlane(dir.path(), &["accounts", "list", "--json"]);
    let all: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    assert_eq!(all[0]["paused"], serde_json::Value::Null);
    let unknown = outlane(dir.path(), &["accounts", "resume", "nobody@example.com"]);
    assert_eq!(unknown.status.code(), Some(2));
}
