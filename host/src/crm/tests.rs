//! Tests of the CRM against a real SQLite file.

use super::action::Action;
use super::campaigns::NewCampaign;
use super::journal::Outcome;
use super::limits::Until;
use super::stage::{ALL_STAGES, Stage};
use super::*;
use outlane_linkedin::ProfileId;

/// 2026-11-23 10:00 UTC, a Monday.
const MONDAY: u64 = 1_795_428_000_000;
const HOUR: u64 = 3_600_000;
const DAY: u64 = 24 * HOUR;
const MEMBER: &str = "ACoAAB3xYzQBcDeFgHiJkLmNoPqRsTuVwXyZ012";

struct Fixture {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
    db: Db,
    account: u64,
    campaign: u64,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("outlane.db");
    let db = Db::open(&path).unwrap();
    let (account, campaign) = db
        .write_blocking(|tx| {
            let account = accounts::create(tx, "me@example.com", "Europe/Berlin", MONDAY)?;
            let campaign = campaigns::create(
                tx,
                &NewCampaign {
                    account_id: account,
                    name: "Fintech CTOs".into(),
                    ..NewCampaign::default()
                },
                MONDAY,
            )?;
            Ok((account, campaign))
        })
        .unwrap();
    Fixture {
        _dir: dir,
        path,
        db,
        account,
        campaign,
    }
}

impl Fixture {
    fn discover(&self, url: &str) -> u64 {
        let url = url.to_string();
        let campaign = self.campaign;
        self.db
            .write_blocking(move |tx| {
                pipeline::discover(
                    tx,
                    campaign,
                    std::slice::from_ref(&url),
                    &[],
                    "test",
                    MONDAY,
                )?;
                Ok(leads::find(tx, &ProfileId::parse(&url).unwrap())?.unwrap())
            })
            .unwrap()
    }

    fn stage(&self, lead: u64) -> Stage {
        let c = self.campaign;
        self.db
            .read_outside_tx_blocking(move |conn| Ok(pipeline::get(conn, c, lead)?.stage))
            .unwrap()
    }

    fn move_to(&self, lead: u64, to: Stage) -> CrmResult<bool> {
        let c = self.campaign;
        self.db.write_blocking(move |tx| {
            pipeline::set_stage(tx, c, lead, to, "because", "test", MONDAY)
        })
    }

    /// A lead walked to `stage` along legal transitions.
    fn lead_at(&self, name: &str, stage: Stage) -> u64 {
        let lead = self.discover(&format!("https://www.linkedin.com/in/{name}/"));
        let path: &[Stage] = match stage {
            Stage::Discovered => &[],
            Stage::Enriched => &[Stage::Enriched],
            Stage::Qualified => &[Stage::Enriched, Stage::Qualified],
            Stage::Pending => &[Stage::Enriched, Stage::Qualified, Stage::Pending],
            Stage::Connected => &[Stage::Enriched, Stage::Qualified, Stage::Connected],
            Stage::Completed => &[
                Stage::Enriched,
                Stage::Qualified,
                Stage::Connected,
                Stage::Completed,
            ],
            Stage::Disqualified | Stage::Failed | Stage::Ignored => &[Stage::Enriched, stage],
        };
        for s in path {
            self.move_to(lead, *s).unwrap();
        }
        lead
    }
}

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

fn begin(f: &Fixture, lead: u64, action: Action, at: u64) -> CrmResult<u64> {
    let c = f.campaign;
    f.db.write_blocking(move |tx| {
        let campaign = campaigns::get(tx, c)?;
        journal::begin(tx, &campaign, lead, action, "hello there", "connect", at)
    })
}

fn finish(f: &Fixture, intent: u64, outcome: Outcome) -> CrmResult<()> {
    f.db.write_blocking(move |tx| journal::finish(tx, intent, None, &outcome, "connect", MONDAY))
}

fn used_today(f: &Fixture, action: Action, at: u64) -> (u32, u32) {
    let account = f.account;
    let usage =
        f.db.read_outside_tx_blocking(move |c| limits::usage(c, account, at))
            .unwrap();
    let u = usage.into_iter().find(|u| u.action == action).unwrap();
    (u.today, u.this_week)
}

#[test]
fn journal_invite_done_makes_the_lead_pending() {
    let f = fixture();
    let lead = f.lead_at("carl", Stage::Qualified);
    let intent = begin(&f, lead, Action::Invite, MONDAY).unwrap();
    assert_eq!(used_today(&f, Action::Invite, MONDAY), (1, 1));
    // While the intent is open, the action cannot be started again.
    let again = begin(&f, lead, Action::Invite, MONDAY).unwrap_err();
    assert!(again.to_string().contains("open invite intent"), "{again}");
    finish(&f, intent, Outcome::Done("Pending button shown".into())).unwrap();
    assert_eq!(f.stage(lead), Stage::Pending);
    let c = f.campaign;
    let deal =
        f.db.read_outside_tx_blocking(move |conn| pipeline::get(conn, c, lead))
            .unwrap();
    assert_eq!(deal.next_check_ms, Some(MONDAY + 24 * HOUR));
    // Finishing twice is refused.
    assert!(finish(&f, intent, Outcome::Done("again".into())).is_err());
    // Another campaign of the account does not invite the same person again...
    let c =
        f.db.write_blocking(|tx| {
            let id = campaigns::create(
                tx,
                &NewCampaign {
                    account_id: 1,
                    name: "Second".into(),
                    ..NewCampaign::default()
                },
                MONDAY,
            )?;
            pipeline::attach(tx, id, 1, "test", MONDAY)?;
            for s in [Stage::Enriched, Stage::Qualified] {
                pipeline::set_stage(tx, id, 1, s, "", "test", MONDAY)?;
            }
            let second = campaigns::get(tx, id)?;
            Ok(journal::begin(
                tx,
                &second,
                lead,
                Action::Invite,
                "",
                "connect",
                MONDAY,
            ))
        })
        .unwrap();
    assert!(
        c.unwrap_err()
            .to_string()
            .contains("already invited through another campaign of this account")
    );
    // ...but when the invitation vanished (pending -> qualified) it may be sent again.
    f.move_to(lead, Stage::Qualified).unwrap();
    begin(&f, lead, Action::Invite, MONDAY).unwrap();
    // A paused campaign takes no outward action.
    let paused = f.lead_at("paula", Stage::Qualified);
    f.db.write_blocking(|tx| Ok(tx.execute("UPDATE campaigns SET active = 0 WHERE id = 1", [])?))
        .unwrap();
    let err = begin(&f, paused, Action::Invite, MONDAY).unwrap_err();
    assert!(err.to_string().contains("is paused"), "{err}");
}

#[test]
fn journal_not_done_refunds_and_wrong_stage_is_refused() {
    let f = fixture();
    let lead = f.lead_at("dora", Stage::Qualified);
    let intent = begin(&f, lead, Action::Invite, MONDAY).unwrap();
    finish(&f, intent, Outcome::NotDone("no Connect button".into())).unwrap();
    assert_eq!(used_today(&f, Action::Invite, MONDAY), (0, 0));
    assert_eq!(f.stage(lead), Stage::Qualified);
    let err = begin(&f, lead, Action::Message, MONDAY).unwrap_err();
    assert!(err.to_string().contains("only connected leads"), "{err}");
    // A message completes the lead and is stored.
    let friend = f.lead_at("emil", Stage::Connected);
    let m = begin(&f, friend, Action::Message, MONDAY).unwrap();
    finish(&f, m, Outcome::Done("sent".into())).unwrap();
    assert_eq!(f.stage(friend), Stage::Completed);
    let sent =
        f.db.read_outside_tx_blocking(move |c| messages::of_lead(c, friend))
            .unwrap();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].text, "hello there");
}

#[test]
fn open_intents_survive_a_restart_and_block_repeats() {
    let f = fixture();
    let lead = f.lead_at("fred", Stage::Qualified);
    let intent = begin(&f, lead, Action::Invite, MONDAY).unwrap();
    let path = f.path.clone();
    drop(f.db);
    let db = Db::open(&path).unwrap();
    let open = db.read_outside_tx_blocking(journal::open_all).unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].id, intent);
    assert_eq!(
        db.read_outside_tx_blocking(journal::report_open_at_start)
            .unwrap(),
        1
    );
}

#[test]
fn limits_persist_across_a_restart() {
    let f = fixture();
    let account = f.account;
    f.db.write_blocking(move |tx| {
        accounts::set_limit(tx, account, Action::Invite, Some(2), Some(3))
    })
    .unwrap();
    let consume = |db: &Db, at: u64| {
        db.write_blocking(move |tx| limits::consume(tx, account, Action::Invite, at))
    };
    consume(&f.db, MONDAY).unwrap();
    consume(&f.db, MONDAY + HOUR).unwrap();
    let path = f.path.clone();
    drop(f.db);
    let db = Db::open(&path).unwrap();
    let err = consume(&db, MONDAY + 2 * HOUR).unwrap_err();
    match err {
        CrmError::RateLimited { reason, until_ms } => {
            assert_eq!(reason, "daily invite limit of 2 reached");
            // Tuesday 00:00 in Berlin (UTC+1 in November) is Monday 23:00 UTC.
            assert_eq!(until_ms, Some(MONDAY + 13 * HOUR));
        }
        other => panic!("{other}"),
    }
    // The next day one more fits, then the week (3) is spent until next Monday.
    consume(&db, MONDAY + DAY).unwrap();
    let week = consume(&db, MONDAY + 2 * DAY).unwrap_err();
    assert!(
        matches!(&week, CrmError::RateLimited { reason, until_ms: Some(u) }
            if reason == "weekly invite limit of 3 reached" && *u == MONDAY + 7 * DAY - 11 * HOUR),
        "{week:?}"
    );
}

#[test]
fn weekly_limits_roll_over_by_iso_week_across_a_year_boundary() {
    let f = fixture();
    let account = f.account;
    f.db.write_blocking(move |tx| {
        tx.execute(
            "UPDATE accounts SET timezone = 'UTC' WHERE id = ?1",
            [account],
        )?;
        accounts::set_limit(tx, account, Action::Invite, None, Some(2))
    })
    .unwrap();
    let ms = |y: i16, m: i8, d: i8| {
        jiff::civil::date(y, m, d)
            .at(12, 0, 0, 0)
            .to_zoned(jiff::tz::TimeZone::UTC)
            .unwrap()
            .timestamp()
            .as_millisecond() as u64
    };
    let consume = |at: u64| {
        f.db.write_blocking(move |tx| limits::consume(tx, account, Action::Invite, at))
    };
    // 2026-12-28 (Monday) .. 2027-01-03 (Sunday) is ISO week 2026-W53.
    consume(ms(2026, 12, 30)).unwrap();
    consume(ms(2026, 12, 31)).unwrap();
    let err = consume(ms(2027, 1, 1)).unwrap_err();
    assert!(
        matches!(err, CrmError::RateLimited { until_ms: Some(u), .. } if u == ms(2027, 1, 4) - 12 * HOUR),
        "the new calendar year is still the same ISO week"
    );
    consume(ms(2027, 1, 4)).unwrap();
    let keys = limits::period_keys(&jiff::tz::TimeZone::UTC, ms(2027, 1, 4)).unwrap();
    assert_eq!(keys.week, "week:2027-W01");
    assert_eq!(
        limits::period_keys(&jiff::tz::TimeZone::UTC, ms(2027, 1, 1))
            .unwrap()
            .week,
        "week:2026-W53"
    );
    // Week 1 of the next year is a different week, not a continuation of 2027-W01.
    consume(ms(2027, 1, 5)).unwrap();
    assert!(consume(ms(2027, 1, 6)).is_err());
    consume(ms(2028, 1, 4)).unwrap();
}

#[test]
fn linkedin_weekly_block_lasts_until_the_week_rolls() {
    let f = fixture();
    let account = f.account;
    let end =
        f.db.write_blocking(move |tx| {
            limits::mark_exhausted(
                tx,
                account,
                Action::Invite,
                Until::EndOfWeek,
                "weekly invitation limit banner",
                MONDAY + 2 * DAY,
            )
        })
        .unwrap();
    // Next Monday 00:00 Berlin.
    assert_eq!(end, MONDAY + 7 * DAY - 11 * HOUR);
    for at in [MONDAY + 3 * DAY, MONDAY + 6 * DAY] {
        let err =
            f.db.write_blocking(move |tx| limits::consume(tx, account, Action::Invite, at))
                .unwrap_err();
        assert!(err.to_string().contains("blocked by LinkedIn"), "{err}");
    }
    // A shorter block does not shorten it.
    let kept =
        f.db.write_blocking(move |tx| {
            limits::mark_exhausted(
                tx,
                account,
                Action::Invite,
                Until::EndOfDay,
                "x",
                MONDAY + 3 * DAY,
            )
        })
        .unwrap();
    assert_eq!(kept, end);
    f.db.write_blocking(move |tx| limits::consume(tx, account, Action::Invite, end))
        .unwrap();
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
    assert_eq!(funnel.len(), 9);
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
