//! Several simulated accounts in one simulator: each member logs in with their own e-mail,
//! their session, invitations, messages, faults and network are theirs alone, and the clock is
//! one for all.

mod common;

use common::Client;
use outlane_simulator::generate::{ACCOUNT_STRIDE, generate_account, viewer_email};
use outlane_simulator::{InitialRelationship, Scenario};
use serde_json::json;

/// A handle of `scenario` nobody is connected to yet.
fn stranger(scenario: &Scenario) -> String {
    scenario
        .people
        .iter()
        .find(|p| p.exists && p.relationship == InitialRelationship::None && !p.email_required)
        .map(|p| p.handle.clone())
        .expect("a stranger")
}

#[test]
fn each_account_has_its_own_login_and_handles_no_other_account_has() {
    let a = generate_account(7, 50, 0);
    let b = generate_account(7, 50, 1);
    assert_eq!(a, outlane_simulator::generate::generate_with_replies(7, 50));
    assert_eq!(a.viewer.email, "viewer@outlane.test");
    assert_eq!(b.viewer.email, viewer_email(1));
    assert_eq!(b.viewer.email, "viewer2@outlane.test");
    let handles_a: std::collections::HashSet<&str> =
        a.people.iter().map(|p| p.handle.as_str()).collect();
    assert!(
        b.people
            .iter()
            .all(|p| !handles_a.contains(p.handle.as_str()))
    );
    assert!(
        b.people[0]
            .handle
            .ends_with(&format!("-{}", ACCOUNT_STRIDE + 1))
    );
}

#[tokio::test]
async fn sessions_invitations_and_faults_stay_with_their_account_and_the_clock_is_shared() {
    let (a, b) = (generate_account(7, 50, 0), generate_account(7, 50, 1));
    let (target_a, target_b) = (stranger(&a), stranger(&b));
    let mut first = Client::many(a, vec![b]);
    let mut second = first.another();
    assert_eq!(first.state.accounts(), 2);
    let r = first.login_as(&viewer_email(0)).await;
    assert_eq!(r.status, 302, "{}", r.body);
    let r = second.login_as(&viewer_email(1)).await;
    assert_eq!(r.status, 302, "{}", r.body);
    assert_eq!(r.location().as_deref(), Some("/feed/"));
    let one = first.state.account(1).expect("account 1");
    // Each session opens its own member's pages: the other account's people are not there.
    assert_eq!(second.get(&format!("/in/{target_b}/")).await.status, 200);
    let other = second.get(&format!("/in/{target_a}/")).await;
    assert_eq!(
        (other.status, other.location().as_deref()),
        (302, Some("/404/")),
        "another account's person is nobody here"
    );
    assert_eq!(first.get(&format!("/in/{target_a}/")).await.status, 200);
    // An invitation goes to the account whose session sent it.
    let r = second
        .post_json("/__sim/ui/invite", json!({"handle": target_b}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let invited = |k: usize| {
        first
            .state
            .account(k)
            .expect("account")
            .with(|w| w.snapshot().invitations.len())
    };
    assert_eq!((invited(0), invited(1)), (0, 1));
    // A fault added to account 1 (x-sim-account) slows its pages only.
    let r = first
        .request(
            "POST",
            "/__sim/faults",
            &[("x-sim-account", "1"), ("content-type", "application/json")],
            json!({"kind": "slow_page", "ms": 1, "times": 1})
                .to_string()
                .into_bytes(),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(one.with(|w| w.snapshot().faults.len()), 1);
    assert!(first.state.with(|w| w.snapshot().faults.is_empty()));
    // One clock: advancing it moves both accounts.
    let before = (first.state.with(|w| w.now()), one.with(|w| w.now()));
    let r = first
        .post_json("/__sim/clock/advance", json!({"ms": 3_600_000}))
        .await;
    assert_eq!(r.status, 200);
    let after = (first.state.with(|w| w.now()), one.with(|w| w.now()));
    assert!(after.0 >= before.0 + 3_600_000 && after.1 >= before.1 + 3_600_000);
    assert!(after.0.abs_diff(after.1) < 1_000, "{after:?}");
    // A wrong password for account 1's login is refused by account 1.
    let mut third = first.another();
    let r = third
        .post_form(
            "/checkpoint/lg/login-submit",
            &[
                ("session_key", "viewer2@outlane.test"),
                ("session_password", "nope"),
            ],
        )
        .await;
    assert!(
        r.location()
            .unwrap_or_default()
            .starts_with("/login?error=1")
    );
}
