//! The `crm` interface end to end: a real WASM lane walks leads through discovery,
//! enrichment, qualification and an invitation via the journal, and runs into the rules (an
//! illegal stage change, a repeated invitation, LinkedIn's weekly limit), all against a real
//! SQLite file.

use outlane::crm::campaigns::{self, NewCampaign};
use outlane::crm::{Stage, accounts, journal, pipeline};
use outlane::runtime::CallOutcome;
use outlane_tests::host::{TestHost, lane_entry};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lane_walks_leads_through_the_crm() {
    let extra = r#"grants = ["crm"]
[lane.config]
urls = [
  "https://www.linkedin.com/in/ada-l/",
  "https://www.linkedin.com/in/Ada-L/?trk=search",
  "https://www.linkedin.com/in/grace-h/details/experience/",
  "https://www.linkedin.com/company/acme/",
]"#;
    let host = TestHost::new(&lane_entry("walker", "{guest:fixture-crm-walker}", extra)).await;
    // Without a campaign the CRM says so instead of guessing.
    host.registry.reload().await;
    match host.call("walker").await {
        CallOutcome::LaneError(e) => assert!(
            outlane::caps::error_text(&e).contains("there is no active campaign"),
            "{e:?}"
        ),
        other => panic!("expected a not-found error, got {other}"),
    }
    let campaign = host
        .db
        .write_blocking(|tx| {
            let account = accounts::create(tx, "me@example.com", "UTC", 0)?;
            campaigns::create(
                tx,
                &NewCampaign {
                    account_id: account,
                    name: "Pioneers".into(),
                    ..NewCampaign::default()
                },
                0,
            )
        })
        .unwrap();

    let summary = match host.call("walker").await {
        CallOutcome::Worked(summary) => summary,
        other => panic!("the walker failed: {other}"),
    };
    let s: serde_json::Value = serde_json::from_str(&summary).unwrap();
    assert_eq!(s["campaign"], "Pioneers");
    assert_eq!(
        s["new"], 2,
        "two people among four URLs (one duplicate, one company page)"
    );
    assert_eq!(s["again"], 0);
    assert_eq!(s["discovered"], 2);
    assert!(
        s["illegal"]
            .as_str()
            .unwrap()
            .contains("illegal stage change qualified → completed"),
        "{s}"
    );
    assert_eq!(s["open_during"], 1);
    assert_eq!(s["stage_after_invite"], "Stage::Pending");
    assert!(s["next_check_ms"].as_u64().is_some());
    let reinvite = s["reinvite"].as_str().unwrap();
    assert!(
        reinvite.contains("Invalid") && reinvite.contains("only qualified leads get this action"),
        "{s}"
    );
    assert_eq!(s["by_url"], s["first"], "any URL form finds the lead");
    assert!(
        s["blocked"]
            .as_str()
            .unwrap()
            .contains("blocked by LinkedIn"),
        "{s}"
    );
    assert_eq!(s["pending"], 1);

    // What the lane did is in the database, with history and journal.
    let first = s["first"].as_u64().unwrap();
    let (deal, history, actions, until) = host
        .db
        .read_outside_tx_blocking(move |c| {
            let deal = pipeline::get(c, campaign, first)?;
            let history = pipeline::history(c, deal.deal_id)?;
            let actions = journal::of_lead(c, first)?;
            let until: u64 = c.query_row("SELECT until_ms FROM rate_blocks", [], |r| r.get(0))?;
            Ok((deal, history, actions, until))
        })
        .unwrap();
    assert_eq!(deal.stage, Stage::Pending);
    let path: Vec<(Stage, &str)> = history.iter().map(|h| (h.to, h.actor.as_str())).collect();
    assert_eq!(
        path,
        vec![
            (Stage::Discovered, "walker"),
            (Stage::Enriched, "walker"),
            (Stage::Qualified, "walker"),
            (Stage::Pending, "walker"),
        ]
    );
    assert_eq!(history[2].reason, "fits the campaign");
    assert_eq!(actions.len(), 1);
    assert_eq!(actions[0].result.as_deref(), Some("done"));
    assert_eq!(s["until"].as_u64(), Some(until));
    // The block ends at a Monday midnight UTC.
    let weekday = jiff::Timestamp::from_millisecond(until as i64)
        .unwrap()
        .to_zoned(jiff::tz::TimeZone::UTC);
    assert_eq!(weekday.weekday(), jiff::civil::Weekday::Monday);
    assert_eq!((weekday.hour(), weekday.minute()), (0, 0));
}

/// The do-not-contact list holds against a lane that begins actions on its own: whatever
/// stage the lane finds a listed lead at, `begin-action` is denied with the entry, nothing is
/// journaled, the lead leaves the queues, and a listed URL is not even discovered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lane_that_begins_actions_on_its_own_cannot_reach_a_listed_person() {
    use outlane::crm::{dnc, leads};
    let extra = r#"grants = ["crm", "qualifier", "browser", "http"]
[lane.browser]
origins = ["https://www.linkedin.com"]
[lane.http]
origins = ["http://127.0.0.1:9"]
[lane.config]
attack = "do-not-contact"
urls = ["https://www.linkedin.com/in/Eve-Listed/", "https://www.linkedin.com/in/frank/"]"#;
    let host = TestHost::new(&lane_entry("hostile", "{guest:fixture-hostile}", extra)).await;
    let people = [
        ("alice", Stage::Qualified, "Initech"),
        ("bob", Stage::Connected, "Initech"),
        ("carol", Stage::Qualified, "Initech"),
        ("dave", Stage::Qualified, "Globex Corp"),
        ("erin", Stage::Enriched, "Initech"),
    ];
    let campaign = host
        .db
        .write_blocking(move |tx| {
            let account = accounts::create(tx, "me@example.com", "UTC", 0)?;
            let campaign = campaigns::create(
                tx,
                &NewCampaign {
                    account_id: account,
                    name: "Pioneers".into(),
                    ..NewCampaign::default()
                },
                0,
            )?;
            for (handle, stage, company) in people {
                let url = format!("https://www.linkedin.com/in/{handle}/");
                pipeline::discover(tx, campaign, std::slice::from_ref(&url), &[], "test", 0)?;
                let lead =
                    leads::find(tx, &outlane_linkedin::ProfileId::parse(&url).unwrap())?.unwrap();
                let profile = serde_json::json!({
                    "public_identifier": handle,
                    "headline": if handle == "erin" { "Senior Talent Recruiter" } else { "CTO" },
                    "positions": [{"title": "CTO", "company_name": company}],
                });
                leads::save_profile(tx, lead, &profile.to_string(), None, None, "test", 0)?;
                let path: &[Stage] = match stage {
                    Stage::Qualified => &[Stage::Qualified],
                    Stage::Connected => &[Stage::Qualified, Stage::Connected],
                    _ => &[],
                };
                for s in path {
                    pipeline::set_stage(tx, campaign, lead, *s, "test", "test", 0)?;
                }
            }
            // Listed after the leads reached their stages, and without the sweep `outlane dnc
            // add` does: as if the lane raced the operator.
            let entry = |text: &str| dnc::Target::parse(text).unwrap();
            dnc::add(
                tx,
                &entry("linkedin.com/in/alice"),
                None,
                "asked by e-mail",
                "test",
                0,
            )?;
            dnc::add(
                tx,
                &entry("linkedin.com/in/bob"),
                Some(campaign),
                "",
                "test",
                0,
            )?;
            dnc::add(
                tx,
                &entry("company:globex corp"),
                None,
                "competitor",
                "test",
                0,
            )?;
            dnc::add(tx, &entry("keyword:recruiter"), None, "", "test", 0)?;
            dnc::add(
                tx,
                &entry("https://www.linkedin.com/in/eve-listed"),
                None,
                "",
                "test",
                0,
            )?;
            Ok(campaign)
        })
        .unwrap();
    assert!(!host.registry.reload().await.has_errors());

    let report = |outcome: CallOutcome| -> serde_json::Value {
        match outcome {
            CallOutcome::Worked(s) => serde_json::from_str(&s).unwrap(),
            other => panic!("the hostile lane did not finish: {other}"),
        }
    };
    let first = report(host.call("hostile").await);
    assert_eq!(
        first["discovered"]["ok"], "1",
        "only frank: eve is listed ({first})"
    );
    let tried = &first["tried"];
    for (handle, why) in [
        ("alice", "asked by e-mail"),
        ("bob", "person bob"),
        ("dave", "company globex corp"),
        ("erin", "keyword recruiter"),
    ] {
        for action in ["invite", "message"] {
            let answer = tried[handle][action]["error"].as_str().unwrap_or_default();
            assert!(
                answer.contains("Error::Denied(")
                    && answer.contains("do not contact")
                    && answer.contains(why),
                "{handle} {action}: {}",
                tried[handle]
            );
        }
    }
    assert!(
        tried["carol"]["invite"]["ok"].is_string(),
        "an unlisted lead is served: {}",
        tried["carol"]
    );

    let (stages, journaled, eve) = host
        .db
        .read_outside_tx_blocking(move |c| {
            let mut stages = Vec::new();
            for (handle, _, _) in people {
                let url = format!("https://www.linkedin.com/in/{handle}/");
                let lead =
                    leads::find(c, &outlane_linkedin::ProfileId::parse(&url).unwrap())?.unwrap();
                stages.push((handle, pipeline::get(c, campaign, lead)?.stage));
            }
            let journaled: Vec<String> = c
                .prepare(
                    "SELECT l.public_id FROM action_journal j JOIN leads l ON l.id = j.lead_id
                     ORDER BY j.id",
                )?
                .query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            let eve = leads::find(
                c,
                &outlane_linkedin::ProfileId::parse("linkedin.com/in/eve-listed").unwrap(),
            )?;
            Ok((stages, journaled, eve))
        })
        .unwrap();
    assert_eq!(
        stages,
        [
            ("alice", Stage::Ignored),
            ("bob", Stage::Ignored),
            ("carol", Stage::Qualified),
            ("dave", Stage::Ignored),
            ("erin", Stage::Ignored),
        ],
        "the host moved every listed lead it was asked about out of the queues"
    );
    assert_eq!(
        journaled,
        ["carol"],
        "nothing was journaled toward a listed person"
    );
    assert_eq!(eve, None, "a person listed by URL is not stored");

    // Found again at `ignored`, a listed lead is still refused for being listed.
    let second = report(host.call("hostile").await);
    let again = second["tried"]["alice"]["invite"]["error"]
        .as_str()
        .unwrap_or_default();
    assert!(
        again.contains("Error::Denied(") && again.contains("do not contact"),
        "{second}"
    );
}
