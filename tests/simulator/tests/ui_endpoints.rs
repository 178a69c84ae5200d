//! The endpoints page scripts call: invite, message, withdraw and typeahead; quota and the
//! sim clock.

mod common;

use common::{Client, small};
use outlane_simulator::{
    Channel, InitialRelationship, InvitationState, Person, RelationshipState, Scenario,
};
use serde_json::json;

async fn signed_in(s: Scenario) -> Client {
    let mut c = Client::new(s);
    c.login().await;
    c
}

fn rel(c: &Client, handle: &str) -> RelationshipState {
    c.state
        .with(|w| w.snapshot().relationships.get(handle).copied())
        .unwrap_or_else(|| panic!("no relationship for {handle}"))
}

#[tokio::test]
async fn invite_ok_records_pending_with_note() {
    let mut c = signed_in(small()).await;
    let r = c
        .post_json(
            "/__sim/ui/invite",
            json!({"handle": "ana-ribeiro", "note": "Hi Ana!"}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["ok"], true);
    assert_eq!(rel(&c, "ana-ribeiro"), RelationshipState::Pending);
    let snap = c.state.with(|w| w.snapshot());
    assert_eq!(snap.invitations.len(), 1);
    assert_eq!(snap.invitations[0].handle, "ana-ribeiro");
    assert_eq!(snap.invitations[0].note.as_deref(), Some("Hi Ana!"));
    assert_eq!(snap.invitations[0].state, InvitationState::Pending);
    assert_eq!(snap.invitations_last_7_days, 1);
    // The page now shows Pending.
    let page = c.get("/in/ana-ribeiro/").await;
    assert!(
        page.body
            .contains("Pending, click to withdraw invitation sent to Ana Ribeiro")
    );
}

#[tokio::test]
async fn invite_without_note_and_blank_note() {
    let mut c = signed_in(small()).await;
    c.post_json("/__sim/ui/invite", json!({"handle": "ana-ribeiro"}))
        .await;
    c.post_json(
        "/__sim/ui/invite",
        json!({"handle": "ben-okafor", "note": "  "}),
    )
    .await;
    let snap = c.state.with(|w| w.snapshot());
    assert!(snap.invitations.iter().all(|i| i.note.is_none()));
}

#[tokio::test]
async fn duplicate_invitations_are_refused() {
    let mut c = signed_in(small()).await;
    c.post_json("/__sim/ui/invite", json!({"handle": "ana-ribeiro"}))
        .await;
    let again = c
        .post_json("/__sim/ui/invite", json!({"handle": "ana-ribeiro"}))
        .await;
    assert!(
        again.json()["error"]
            .as_str()
            .unwrap_or("")
            .contains("already")
    );
    let connected = c
        .post_json("/__sim/ui/invite", json!({"handle": "finn-murphy"}))
        .await;
    assert!(connected.json()["error"].is_string());
    let pending = c
        .post_json("/__sim/ui/invite", json!({"handle": "iris-jansen"}))
        .await;
    assert!(pending.json()["error"].is_string());
    assert_eq!(c.state.with(|w| w.snapshot().invitations.len()), 1);
}

#[tokio::test]
async fn weekly_limit_then_rolling_window() {
    let mut c = signed_in(small()).await; // weekly_limit 5
    for h in [
        "ana-ribeiro",
        "ben-okafor",
        "carla-rossi",
        "dev-patel",
        "leo-martin",
    ] {
        let r = c.post_json("/__sim/ui/invite", json!({"handle": h})).await;
        assert_eq!(r.json()["ok"], true, "{h}: {}", r.body);
    }
    let limited = c
        .post_json("/__sim/ui/invite", json!({"handle": "eve-nielsen"}))
        .await;
    assert_eq!(limited.json()["limited"], true);
    assert_eq!(rel(&c, "eve-nielsen"), RelationshipState::None);
    assert_eq!(c.state.with(|w| w.snapshot().invitations.len()), 5);
    c.state.with(|w| w.advance_clock(7 * 24 * 3_600_000));
    let ok = c
        .post_json("/__sim/ui/invite", json!({"handle": "eve-nielsen"}))
        .await;
    assert_eq!(ok.json()["ok"], true);
}

#[tokio::test]
async fn daily_limit_and_unlimited() {
    let mut s = small();
    s.weekly_limit = None;
    s.daily_limit = Some(2);
    let mut c = signed_in(s).await;
    c.post_json("/__sim/ui/invite", json!({"handle": "ana-ribeiro"}))
        .await;
    c.post_json("/__sim/ui/invite", json!({"handle": "ben-okafor"}))
        .await;
    let limited = c
        .post_json("/__sim/ui/invite", json!({"handle": "carla-rossi"}))
        .await;
    assert_eq!(limited.json()["limited"], true);
    c.state.with(|w| w.advance_clock(24 * 3_600_000));
    let ok = c
        .post_json("/__sim/ui/invite", json!({"handle": "carla-rossi"}))
        .await;
    assert_eq!(ok.json()["ok"], true);
}

#[tokio::test]
async fn withdrawn_invitation_blocks_reinvite_for_the_cooldown() {
    let mut c = signed_in(small()).await;
    c.post_json("/__sim/ui/invite", json!({"handle": "ana-ribeiro"}))
        .await;
    assert!(c.state.with(|w| w.withdraw("ana-ribeiro")));
    assert_eq!(rel(&c, "ana-ribeiro"), RelationshipState::Withdrawn);
    // The page offers Connect again ...
    let page = c.get("/in/ana-ribeiro/").await;
    assert!(
        page.body
            .contains("aria-label=\"Invite Ana Ribeiro to connect\"")
    );
    // ... but the invite is refused (error toast) during the cooldown.
    let r = c
        .post_json("/__sim/ui/invite", json!({"handle": "ana-ribeiro"}))
        .await;
    assert!(
        r.json()["error"]
            .as_str()
            .unwrap_or("")
            .contains("withdrew")
    );
    c.state.with(|w| w.advance_clock(21 * 24 * 3_600_000));
    let r = c
        .post_json("/__sim/ui/invite", json!({"handle": "ana-ribeiro"}))
        .await;
    assert_eq!(r.json()["ok"], true);
    let states: Vec<InvitationState> = c
        .state
        .with(|w| w.snapshot().invitations.iter().map(|i| i.state).collect());
    assert_eq!(
        states,
        vec![InvitationState::Withdrawn, InvitationState::Pending]
    );
}

#[tokio::test]
async fn page_withdraw_endpoint() {
    let mut c = signed_in(small()).await;
    let r = c
        .post_json("/__sim/ui/withdraw", json!({"handle": "iris-jansen"}))
        .await;
    assert_eq!(r.json()["ok"], true);
    assert_eq!(rel(&c, "iris-jansen"), RelationshipState::Withdrawn);
}

#[tokio::test]
async fn email_required_and_restricted_and_unknown() {
    let mut c = signed_in(small()).await;
    let no_email = c
        .post_json(
            "/__sim/ui/invite",
            json!({"handle": "kim-tanaka", "email": ""}),
        )
        .await;
    assert!(no_email.json()["error"].is_string());
    let with_email = c
        .post_json(
            "/__sim/ui/invite",
            json!({"handle": "kim-tanaka", "email": "kim@example.com"}),
        )
        .await;
    assert_eq!(with_email.json()["ok"], true);
    assert_eq!(
        c.state
            .with(|w| w.snapshot().invitations[0].email.clone())
            .as_deref(),
        Some("kim@example.com")
    );
    assert!(
        c.post_json("/__sim/ui/invite", json!({"handle": "jon-levi"}))
            .await
            .json()["error"]
            .is_string()
    );
    assert!(
        c.post_json("/__sim/ui/invite", json!({"handle": "ghost"}))
            .await
            .json()["error"]
            .is_string()
    );
    assert!(
        c.post_json("/__sim/ui/invite", json!({"handle": "sam-carter"}))
            .await
            .json()["error"]
            .is_string()
    );
    let bad = c.post_json("/__sim/ui/invite", json!({"nope": 1})).await;
    assert_eq!(bad.status, 400);
}

#[tokio::test]
async fn ui_endpoints_need_session_and_csrf() {
    let mut c = Client::new(small());
    let r = c
        .post_json("/__sim/ui/invite", json!({"handle": "ana-ribeiro"}))
        .await;
    assert_eq!(r.status, 401);
    assert_eq!(c.get("/__sim/ui/typeahead?q=finn").await.status, 401);
    c.login().await;
    let r = c
        .request(
            "POST",
            "/__sim/ui/invite",
            &[
                ("content-type", "application/json"),
                ("csrf-token", "ajax:0"),
            ],
            br#"{"handle":"ana-ribeiro"}"#.to_vec(),
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(rel(&c, "ana-ribeiro"), RelationshipState::None);
}

#[tokio::test]
async fn message_endpoint_records_by_channel() {
    let mut c = signed_in(small()).await;
    let r = c
        .post_json(
            "/__sim/ui/message",
            json!({"handle": "finn-murphy", "text": "Hello Finn,\nhow are you?\n", "channel": "popup"}),
        )
        .await;
    assert_eq!(r.json()["ok"], true);
    c.post_json(
        "/__sim/ui/message",
        json!({"handle": "gita-sharma", "text": "Hi Gita", "channel": "messaging_page"}),
    )
    .await;
    let snap = c.state.with(|w| w.snapshot());
    assert_eq!(snap.messages.len(), 2);
    assert_eq!(snap.messages[0].to_handle, "finn-murphy");
    assert_eq!(snap.messages[0].text, "Hello Finn,\nhow are you?");
    assert_eq!(snap.messages[0].channel, Channel::Popup);
    assert_eq!(snap.messages[1].channel, Channel::MessagingPage);
    // Not connected, empty text and bad channel are refused.
    let r = c
        .post_json(
            "/__sim/ui/message",
            json!({"handle": "ana-ribeiro", "text": "x", "channel": "popup"}),
        )
        .await;
    assert!(r.json()["error"].is_string());
    let r = c
        .post_json(
            "/__sim/ui/message",
            json!({"handle": "finn-murphy", "text": " \n", "channel": "popup"}),
        )
        .await;
    assert!(r.json()["error"].is_string());
    let r = c
        .post_json(
            "/__sim/ui/message",
            json!({"handle": "finn-murphy", "text": "x", "channel": "email"}),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(c.state.with(|w| w.snapshot().messages.len()), 2);
    // The thread page shows them.
    let thread = c.get("/messaging/thread/finn-murphy/").await;
    assert!(thread.body.contains(
        "<p class=\"msg-s-event-listitem__body t-14\">Hi Sam, thanks for connecting!</p>"
    ));
    assert!(thread.body.contains("Hello Finn,\nhow are you?"));
}

fn collision_scenario() -> Scenario {
    let mut s = small();
    let mut twin = Person::new("finn-murphy-2", "Finn", "Murphy");
    twin.relationship = InitialRelationship::Connected;
    twin.headline = "Another Finn".into();
    s.people.push(twin);
    let mut stranger = Person::new("finn-stranger", "Finn", "Stranger");
    stranger.relationship = InitialRelationship::None;
    s.people.push(stranger);
    s.normalize().expect("valid");
    s
}

#[tokio::test]
async fn typeahead_lists_connections_in_stable_order() {
    let mut c = signed_in(collision_scenario()).await;
    let r = c.get("/__sim/ui/typeahead?q=fInN").await;
    let handles: Vec<String> = r.json()["results"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x["handle"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(handles, vec!["finn-murphy", "finn-murphy-2"]);
    let r = c.get("/__sim/ui/typeahead?q=Finn+Murphy").await;
    assert_eq!(r.json()["results"].as_array().map(Vec::len), Some(2));
    assert_eq!(r.json()["results"][0]["name"], "Finn Murphy");
    let r = c.get("/__sim/ui/typeahead?q=").await;
    assert_eq!(r.json()["results"].as_array().map(Vec::len), Some(0));
    let r = c.get("/__sim/ui/typeahead?q=ana").await;
    assert_eq!(
        r.json()["results"].as_array().map(Vec::len),
        Some(0),
        "not connected"
    );
}

#[tokio::test]
async fn messaging_pages_markup() {
    let mut c = signed_in(small()).await;
    for path in [
        "/messaging/thread/new/",
        "/messaging/",
        "/messaging",
        "/messaging/thread/unknown-x/",
    ] {
        let r = c.get(path).await;
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(
            common::count(&r.body, "class=\"msg-connections-typeahead__search-field\""),
            1
        );
        assert!(
            r.body
                .contains("placeholder=\"Type a name or multiple names\"")
        );
        assert_eq!(
            common::count(&r.body, "<div class=\"msg-form__contenteditable"),
            1
        );
        assert_eq!(common::count(&r.body, "contenteditable=\"true\""), 1);
        assert_eq!(
            common::count(
                &r.body,
                "<button type=\"submit\" class=\"msg-form__send-button"
            ),
            1
        );
        assert!(
            r.body
                .contains("msg-connections-typeahead__search-result-row")
        );
        assert!(r.body.contains("data-handle"));
        assert!(r.body.contains("'messaging_page'"));
    }
    c.state.with(|w| {
        w.add_fault(outlane_simulator::Fault::times(
            outlane_simulator::FaultKind::MissingTypeahead,
            1,
        ))
    });
    assert!(
        c.get("/messaging/thread/new/")
            .await
            .body
            .contains("\"typeahead_off\":true")
    );
    assert!(
        c.get("/messaging/thread/new/")
            .await
            .body
            .contains("\"typeahead_off\":false")
    );
}

#[tokio::test]
async fn accept_after_on_the_advanced_clock() {
    let mut c = signed_in(small()).await; // ana accepts 1 h after an invite
    c.post_json("/__sim/ui/invite", json!({"handle": "ana-ribeiro"}))
        .await;
    c.state.with(|w| w.advance_clock(3_599_000));
    assert_eq!(rel(&c, "ana-ribeiro"), RelationshipState::Pending);
    c.state.with(|w| w.advance_clock(1_000));
    assert_eq!(rel(&c, "ana-ribeiro"), RelationshipState::Connected);
    assert_eq!(
        c.state.with(|w| w.snapshot().invitations[0].state),
        InvitationState::Accepted
    );
    let page = c.get("/in/ana-ribeiro/").await;
    assert!(page.body.contains("· 1st"));
    assert!(page.body.contains("aria-label=\"Message Ana Ribeiro\""));
}

#[tokio::test]
async fn decline_after_and_control_accept_decline() {
    let c = signed_in(small()).await; // iris: pending from start, declines after 1 day
    c.state.with(|w| w.advance_clock(86_400_000));
    assert_eq!(rel(&c, "iris-jansen"), RelationshipState::Declined);
    assert!(
        !c.state.with(|w| w.accept("iris-jansen")),
        "nothing pending any more"
    );
    assert!(!c.state.with(|w| w.accept("ana-ribeiro")));
    assert!(!c.state.with(|w| w.decline("nobody")));
}

#[tokio::test]
async fn clock_factor_speeds_up_the_sim_clock() {
    let mut s = small();
    s.clock_factor = 1000.0;
    let c = signed_in(s).await;
    let before = c.state.with(|w| w.now());
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let after = c.state.with(|w| w.now());
    assert!(after - before >= 40_000, "{}", after - before);
}
