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
