//! Tests of the CRM against a real SQLite file.

use super::action::Action;
use super::fixture::*;
use super::journal::Outcome;
use super::stage::{ALL_STAGES, Stage};
use super::*;
use outlane_linkedin::ProfileId;

#[test]
fn every_transition_through_the_database() {
    let f = fixture();
    for (i, from) in ALL_STAGES.into_iter().enumerate() {
        for (j, to) in ALL_STAGES.into_iter().enumerate() {
            let lead = f.lead_at(&format!("p-{i}-{j}"), from);
            let result = f.move_to(lead, to);
            if from == to {
                assert!(!result.unwrap(), "{from} -> {from} is a no-op");
                assert_eq!(f.stage(lead), from);
            } else if from.can_move_to(to) {
                assert!(result.unwrap(), "{from} -> {to} must be allowed");
                assert_eq!(f.stage(lead), to);
            } else {
                let err = result.unwrap_err();
                assert!(
                    matches!(&err, CrmError::Invalid(m) if m.contains("illegal stage change")),
                    "{from} -> {to}: {err}"
                );
                assert_eq!(f.stage(lead), from, "an illegal change writes nothing");
            }
        }
    }
}

#[test]
fn stage_history_records_who_when_and_why() {
    let f = fixture();
    let lead = f.lead_at("ann", Stage::Qualified);
    let history =
        f.db.read_outside_tx_blocking(move |c| {
            let deal = pipeline::get(c, 1, lead)?;
            pipeline::history(c, deal.deal_id)
        })
        .unwrap();
    let steps: Vec<(Option<Stage>, Stage, &str)> = history
        .iter()
        .map(|h| (h.from, h.to, h.actor.as_str()))
        .collect();
    assert_eq!(
        steps,
        vec![
            (None, Stage::Discovered, "test"),
            (Some(Stage::Discovered), Stage::Enriched, "test"),
            (Some(Stage::Enriched), Stage::Qualified, "test"),
        ]
    );
    assert_eq!(history[2].reason, "because");
    assert_eq!(history[2].at_ms, MONDAY);
}

#[test]
fn one_person_is_one_lead() {
    let f = fixture();
    let urls: Vec<String> = [
        "https://www.linkedin.com/in/jane-doe/",
        "https://www.linkedin.com/in/Jane-Doe?trk=x",
        "linkedin.com/in/jane-doe/details/experience/",
        "https://de.linkedin.com/in/jane%2Ddoe",
        "https://www.linkedin.com/company/acme/",
    ]
    .map(String::from)
    .to_vec();
    let c = f.campaign;
    let report =
        f.db.write_blocking(move |tx| pipeline::discover(tx, c, &urls, &[], "test", MONDAY))
            .unwrap();
    assert_eq!(report.new, 1);
    assert_eq!(report.known, 3);
    assert_eq!(report.rejected.len(), 1);
    let n: u64 =
        f.db.call_blocking(|c| c.query_row("SELECT count(*) FROM leads", [], |r| r.get(0)))
            .unwrap();
    assert_eq!(n, 1);
}

#[test]
fn member_and_vanity_ids_are_reconciled_on_save() {
    let f = fixture();
    // Seen once by member id (a search result), once by vanity id (a profile page link).
    let by_member = f.discover(&format!("https://www.linkedin.com/in/{MEMBER}/"));
    let by_vanity = f.lead_at("jane-doe", Stage::Qualified);
    assert_ne!(by_member, by_vanity);
    let profile = serde_json::json!({
        "public_identifier": "jane-doe",
        "urn": format!("urn:li:fsd_profile:{MEMBER}"),
        "full_name": "Jane Doe",
        "headline": "CTO at Acme",
        "positions": [{"company_name": "Acme", "company_urn": "urn:li:fsd_company:1"}],
    })
    .to_string();
    f.db.write_blocking(move |tx| {
        leads::save_profile(
            tx,
            by_member,
            &profile,
            Some("{}"),
            None,
            "enrich",
            MONDAY + HOUR,
        )
    })
    .unwrap();
    let (lead, count) =
        f.db.read_outside_tx_blocking(move |c| {
            let n: u64 = c.query_row("SELECT count(*) FROM leads", [], |r| r.get(0))?;
            Ok((leads::get(c, by_member)?, n))
        })
        .unwrap();
    assert_eq!(count, 1, "the two records of Jane are merged");
    assert_eq!(lead.public_id.as_deref(), Some("jane-doe"));
    assert_eq!(lead.member_id.as_deref(), Some(MEMBER));
    assert_eq!(lead.url, "https://www.linkedin.com/in/jane-doe/");
    assert_eq!(lead.company.as_deref(), Some("Acme"));
    // The more advanced deal (qualified, from the vanity record) survived the merge.
    assert_eq!(f.stage(by_member), Stage::Qualified);
    // And any URL form now finds her.
    let found =
        f.db.read_outside_tx_blocking(|c| {
            Ok((
                leads::find(c, &ProfileId::parse(&format!("/in/{MEMBER}")).unwrap())?,
                leads::find(c, &ProfileId::parse("/in/JANE-DOE").unwrap())?,
            ))
        })
        .unwrap();
    assert_eq!(found, (Some(by_member), Some(by_member)));
}

#[test]
fn save_profile_enriches_and_rejects_bad_json() {
    let f = fixture();
    let lead = f.discover("https://www.linkedin.com/in/bob/");
    assert_eq!(f.stage(lead), Stage::Discovered);
    let err =
        f.db.write_blocking(move |tx| {
            leads::save_profile(tx, lead, "[1,2", None, None, "enrich", MONDAY)
        })
        .unwrap_err();
    assert!(matches!(err, CrmError::Invalid(_)), "{err}");
    assert_eq!(f.stage(lead), Stage::Discovered);
    f.db.write_blocking(move |tx| {
        leads::save_profile(
            tx,
            lead,
            r#"{"public_identifier":"bob"}"#,
            None,
            None,
            "enrich",
            MONDAY,
        )
    })
    .unwrap();
    assert_eq!(f.stage(lead), Stage::Enriched);
}

#[test]
fn keywords_are_unique_and_taken_once() {
    let f = fixture();
    let c = f.campaign;
    let words: Vec<String> = ["VP Sales  SaaS", "vp sales saas", " ", "CTO fintech"]
        .map(String::from)
        .to_vec();
    let new =
        f.db.write_blocking(move |tx| keywords::add(tx, c, &words, MONDAY))
            .unwrap();
    assert_eq!(new, 2);
    let taken =
        f.db.write_blocking(move |tx| {
            Ok((
                keywords::take(tx, c, MONDAY)?,
                keywords::take(tx, c, MONDAY)?,
                keywords::take(tx, c, MONDAY)?,
                keywords::used(tx, c)?,
            ))
        })
        .unwrap();
    assert_eq!(taken.0.as_deref(), Some("VP Sales SaaS"));
    assert_eq!(taken.1.as_deref(), Some("CTO fintech"));
    assert_eq!(taken.2, None);
    assert_eq!(taken.3.len(), 2);
}

#[test]
fn status_counts_every_stage() {
    let f = fixture();
    f.lead_at("a", Stage::Qualified);
    f.lead_at("b", Stage::Qualified);
    let pending = f.lead_at("c", Stage::Qualified);
    let i = begin(&f, pending, Action::Invite, MONDAY).unwrap();
    finish(&f, i, Outcome::Done("ok".into())).unwrap();
    let report =
        f.db.read_outside_tx_blocking(|c| status::build(c, MONDAY))
            .unwrap();
    let funnel = &report.campaigns[0].funnel;
    assert_eq!(funnel.len(), 10);
    let count = |s: Stage| funnel.iter().find(|c| c.stage == s).unwrap().count;
    assert_eq!(count(Stage::Qualified), 2);
    assert_eq!(count(Stage::Pending), 1);
    assert_eq!(report.campaigns[0].total, 3);
    let invite = &report.accounts[0].usage[0];
    assert_eq!((invite.today, invite.daily), (1, Some(20)));
    assert_eq!(report.accounts[0].recent.len(), 1);
}

#[test]
fn the_password_is_sealed_in_the_database() {
    let f = fixture();
    let account = f.account;
    f.db.write_blocking(move |tx| {
        accounts::set_password(tx, account, "pass phrase", "hunter2-secret")
    })
    .unwrap();
    let raw = std::fs::read(&f.path).unwrap();
    let wal = std::fs::read(f.path.with_extension("db-wal")).unwrap_or_default();
    for bytes in [&raw, &wal] {
        assert!(!bytes.windows(14).any(|w| w == b"hunter2-secret"));
    }
    let back =
        f.db.read_outside_tx_blocking(move |c| accounts::password(c, account, "pass phrase"))
            .unwrap();
    assert_eq!(back.as_str(), "hunter2-secret");
    assert!(
        f.db.read_outside_tx_blocking(move |c| accounts::password(c, account, "wrong"))
            .is_err()
    );
}

#[test]
fn bad_time_zone_is_refused() {
    let f = fixture();
    let err =
        f.db.write_blocking(|tx| accounts::create(tx, "x@y.z", "Mars/Olympus", MONDAY))
            .unwrap_err();
    assert!(
        err.to_string().contains("unknown time zone `Mars/Olympus`"),
        "{err}"
    );
}

#[test]
fn a_profile_of_someone_else_is_refused() {
    let f = fixture();
    let amy = f.lead_at("amy", Stage::Enriched);
    let zed = f.lead_at("zed", Stage::Qualified);
    let err =
        f.db.write_blocking(move |tx| {
            leads::save_profile(
                tx,
                amy,
                r#"{"public_identifier":"zed"}"#,
                None,
                None,
                "enrich",
                MONDAY,
            )
        })
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("the profile names zed, which is not lead"),
        "{err}"
    );
    assert_eq!(f.stage(zed), Stage::Qualified, "zed was not merged away");
}
