//! Holds through real lanes, real Chromium and the simulator: the visit example
//! (`examples/visit`) holds each qualified lead until a while after it viewed the profile, and
//! the default connect lane invites nobody before that, checked on the simulator's own record
//! of profile views and invitations.

use outlane::crm::{Db, Stage, holds, pipeline};
use outlane_simulator::{Scenario, Simulator};
use outlane_tests::host::{TestHost, account_with_campaign, lane_entry, lead_with_profile};
use std::time::{Duration, Instant};

/// How long the visit lane holds a lead after its visit, in this test.
const WAIT_MS: u64 = 4_000;

/// Five quiet people nobody is connected to.
fn world() -> Scenario {
    crate::conversations::quiet_world(53, 5)
}

/// Puts `handle` into `campaign` as a qualified lead with a profile. The host's clock is
/// the real one here: the hold on entry runs from now.
fn qualified_lead(db: &Db, campaign: u64, sim: &Simulator, handle: &str) -> u64 {
    let now = outlane::clock::Clock::real().now_ms();
    let person = crate::conversations::test_person(sim, handle);
    lead_with_profile(db, campaign, &person, 2, &[Stage::Qualified], now)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_visit_lane_holds_each_lead_and_connect_invites_only_after_the_wait() {
    let sim = Simulator::start(world()).await.unwrap();
    let origins = "[lane.browser]\norigins = [\"https://www.linkedin.com\"]";
    let manifest = format!(
        "{}{}",
        lane_entry(
            "visit",
            "{guest:visit}",
            &format!(
                "grants = [\"crm\", \"browser\"]\n{origins}\n[lane.hold]\non = \"qualified\"\n\
                 for = \"7d\"\nreason = \"waiting for a profile visit\"\n[lane.config]\nwait = \"{}s\"",
                WAIT_MS / 1000
            )
        ),
        lane_entry(
            "connect",
            "{guest:lane-connect}",
            // No qualifier service here: connect takes the leads in arrival order.
            &format!("grants = [\"crm\", \"browser\", \"qualifier\"]\n{origins}")
        ),
    );
    let host = TestHost::with_site(&manifest, &sim.base_url()).await;
    let viewer = sim.scenario().viewer;
    let (_, campaign) = account_with_campaign(&host.db, &viewer.email, &viewer.password);
    let loaded = host.registry.reload().await;
    assert!(!loaded.has_errors(), "{loaded:?}");
    let handles: Vec<String> = sim.scenario().people[..3]
        .iter()
        .map(|p| p.handle.clone())
        .collect();
    let ids: Vec<u64> = handles
        .iter()
        .map(|h| qualified_lead(&host.db, campaign, &sim, h))
        .collect();

    // Qualified leads are held for the visit lane the moment they are qualified.
    let first = format!("{:?}", host.call("connect").await);
    assert!(first.contains("3 held by other lanes"), "{first}");
    assert!(sim.snapshot().invitations.is_empty());

    for _ in 0..3 {
        let out = format!("{:?}", host.call("visit").await);
        assert!(out.contains("visited"), "{out}");
    }
    let done = format!("{:?}", host.call("visit").await);
    assert!(
        done.contains("every qualified lead has been visited"),
        "{done}"
    );
    let c = campaign;
    let ids_again = ids.clone();
    let (tags, held) = host
        .db
        .read_outside_tx_blocking(move |conn| {
            let mut tags = Vec::new();
            let mut held = Vec::new();
            for id in &ids_again {
                let deal = pipeline::get(conn, c, *id)?.deal_id;
                tags.push(holds::tags_of(conn, deal)?);
                held.push(holds::active(
                    conn,
                    deal,
                    outlane::clock::Clock::real().now_ms(),
                )?);
            }
            Ok((tags, held))
        })
        .unwrap();
    assert!(tags.iter().all(|t| t == &["visited"]), "{tags:?}");
    assert!(
        held.iter().all(Option::is_some)
            && held
                .iter()
                .flatten()
                .all(|h| h.by == "visit" && h.reason.contains("profile visited")),
        "{held:?}"
    );
    // Still held: connect passes them by and nothing is sent.
    let early = format!("{:?}", host.call("connect").await);
    assert!(early.contains("held by other lanes"), "{early}");
    assert!(sim.snapshot().invitations.is_empty());

    // Once each wait is over, connect invites them, one a call.
    let deadline = Instant::now() + Duration::from_secs(60);
    while sim.snapshot().invitations.len() < 3 && Instant::now() < deadline {
        let out = format!("{:?}", host.call("connect").await);
        if out.contains("held by other lanes") {
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
    let snapshot = sim.snapshot();
    assert_eq!(snapshot.invitations.len(), 3, "{:?}", snapshot.invitations);
    for invitation in &snapshot.invitations {
        let first_view = snapshot
            .profile_views
            .iter()
            .filter(|v| v.handle == invitation.handle)
            .map(|v| v.at_ms)
            .min()
            .expect("the profile was viewed before the invitation");
        assert!(
            invitation.at_ms >= first_view + WAIT_MS,
            "{} invited {} ms after the first visit (wait {WAIT_MS} ms)",
            invitation.handle,
            invitation.at_ms.saturating_sub(first_view)
        );
    }
    sim.stop().await;
}
