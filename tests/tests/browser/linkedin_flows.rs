//! The SDK's LinkedIn flows, run inside a real WASM lane, through the host's browser
//! capability and real headless Chromium, against the simulator. For every UI variant of the
//! simulator's profile pages, the simulator's own records confirm what really happened:
//! exactly one invitation or message when the flow says it sent one, nothing otherwise.

use outlane::crm::lane_state;
use outlane::runtime::CallOutcome;
use outlane_simulator::{
    Fault, FaultKind, InitialRelationship, MessageVariant, Scenario, Simulator, UiVariant,
};
use outlane_tests::host::{TestHost, account_with_campaign, lane_entry};
use serde_json::{Value, json};

const LANE: &str = "flows";

/// Handles of the people each variant is set on.
struct People {
    direct: String,
    more: String,
    portal: String,
    sdui: String,
    no_connect: String,
    pending: String,
    connected: String,
    overflow: String,
    no_popup: String,
    email: String,
    toast: String,
    limit_alert: String,
    not_editable: String,
}

fn scenario() -> (Scenario, People) {
    let mut s = Scenario::generate(21, 40);
    let mut handles = s.people.iter().map(|p| p.handle.clone());
    let mut next = || handles.next().unwrap();
    let people = People {
        direct: next(),
        more: next(),
        portal: next(),
        sdui: next(),
        no_connect: next(),
        pending: next(),
        connected: next(),
        overflow: next(),
        no_popup: next(),
        email: next(),
        toast: next(),
        limit_alert: next(),
        not_editable: next(),
    };
    for p in &mut s.people {
        p.ui_variant = UiVariant::DirectConnect;
        p.message_variant = MessageVariant::DirectButton;
        p.relationship = InitialRelationship::None;
        p.accept_after_ms = None;
        p.decline_after_ms = None;
        p.email_required = false;
        p.restricted = false;
        p.exists = true;
        p.canonical_handle = None;
        let h = p.handle.as_str();
        if h == people.more {
            p.ui_variant = UiVariant::FollowPrimaryConnectInMore;
        } else if h == people.portal {
            p.ui_variant = UiVariant::ConnectInMorePortal;
        } else if h == people.sdui {
            p.ui_variant = UiVariant::Sdui;
        } else if h == people.no_connect {
            p.ui_variant = UiVariant::NoConnect;
        } else if h == people.pending {
            p.relationship = InitialRelationship::Pending;
        } else if h == people.connected || h == people.not_editable {
            p.relationship = InitialRelationship::Connected;
        } else if h == people.overflow {
            p.relationship = InitialRelationship::Connected;
            p.message_variant = MessageVariant::OverflowOnly;
        } else if h == people.no_popup {
            p.relationship = InitialRelationship::Connected;
            p.message_variant = MessageVariant::None;
        } else if h == people.email {
            p.email_required = true;
        }
    }
    (s, people)
}

async fn host(sim: &Simulator) -> TestHost {
    let extra =
        "grants = [\"browser\", \"crm\"]\n[lane.browser]\norigins = [\"https://www.linkedin.com\"]";
    let host = TestHost::with_site(
        &lane_entry(LANE, "{guest:fixture-linkedin-flows}", extra),
        &sim.base_url(),
    )
    .await;
    let viewer = sim.scenario().viewer;
    account_with_campaign(&host.db, &viewer.email, &viewer.password);
    host.registry.reload().await;
    host
}

async fn flow(host: &TestHost, request: Value) -> Value {
    let text = request.to_string();
    host.db
        .write(move |tx| {
            lane_state::set(
                tx,
                LANE,
                lane_state::Scope::Lane,
                "request",
                &text,
                u64::MAX,
                0,
            )
        })
        .await
        .unwrap();
    match host.call(LANE).await {
        CallOutcome::Worked(summary) => serde_json::from_str(&summary).unwrap(),
        other => panic!("{request}: the lane failed: {other}"),
    }
}

fn url(handle: &str) -> String {
    format!("https://www.linkedin.com/in/{handle}/")
}

fn invites_to(sim: &Simulator, handle: &str) -> usize {
    sim.snapshot()
        .invitations
        .iter()
        .filter(|i| i.handle == handle)
        .count()
}

fn messages_to(sim: &Simulator, handle: &str) -> Vec<String> {
    sim.snapshot()
        .messages
        .iter()
        .filter(|m| m.to_handle == handle)
        .map(|m| m.text.clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_requests_in_every_page_variant() {
    let (scenario, p) = scenario();
    let sim = Simulator::start(scenario).await.unwrap();
    for (handle, kind) in [
        (&p.toast, FaultKind::ErrorToast),
        (&p.limit_alert, FaultKind::LimitInsteadOfModal),
    ] {
        sim.add_fault(Fault {
            kind,
            times: None,
            handles: Some(vec![handle.clone()]),
        });
    }
    let host = host(&sim).await;
    let connect = async |handle: &str, note: Option<&str>| {
        flow(
            &host,
            json!({"flow": "connect", "profile": url(handle), "note": note}),
        )
        .await["invite"]
            .as_str()
            .unwrap_or("<error>")
            .to_string()
    };

    assert_eq!(connect(&p.direct, None).await, "sent");
    assert_eq!(invites_to(&sim, &p.direct), 1);
    // Sending again finds the invitation pending and sends nothing.
    assert_eq!(connect(&p.direct, None).await, "already_pending");
    assert_eq!(invites_to(&sim, &p.direct), 1);

    assert_eq!(
        connect(&p.more, None).await,
        "sent",
        "Connect in the More menu"
    );
    assert_eq!(invites_to(&sim, &p.more), 1);
    assert_eq!(
        connect(&p.portal, None).await,
        "sent",
        "More menu rendered outside the card"
    );
    assert_eq!(invites_to(&sim, &p.portal), 1);
    assert_eq!(connect(&p.sdui, None).await, "sent", "server-driven markup");
    assert_eq!(invites_to(&sim, &p.sdui), 1);

    let note = "Hi, we met at the fintech meetup. Would love to connect!";
    let first_plain = sim.scenario().people[20].handle.clone();
    assert_eq!(connect(&first_plain, Some(note)).await, "sent");
    let sent = sim.snapshot().invitations;
    let record = sent.iter().find(|i| i.handle == first_plain).unwrap();
    assert_eq!(record.note.as_deref(), Some(note));

    assert_eq!(connect(&p.no_connect, None).await, "no_connect_control");
    assert_eq!(connect(&p.pending, None).await, "already_pending");
    assert_eq!(connect(&p.connected, None).await, "already_connected");
    let toast = connect(&p.toast, None).await;
    assert!(toast.starts_with("refused: You can't invite"), "{toast}");
    assert_eq!(connect(&p.limit_alert, None).await, "weekly_limit");
    let email = connect(&p.email, None).await;
    assert!(email.contains("e-mail"), "{email}");
    for h in [
        &p.no_connect,
        &p.pending,
        &p.connected,
        &p.toast,
        &p.limit_alert,
        &p.email,
    ] {
        assert_eq!(invites_to(&sim, h), 0, "{h}: nothing may be sent");
    }
    let missing = flow(
        &host,
        json!({"flow": "connect", "profile": url("no-such-person-x")}),
    )
    .await;
    assert_eq!(missing["invite"], "unavailable");
    assert_eq!(sim.snapshot().invitations.len(), 5);
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_weekly_limit_alert_after_send_sends_nothing() {
    let (mut scenario, p) = scenario();
    scenario.weekly_limit = Some(1);
    let sim = Simulator::start(scenario).await.unwrap();
    let host = host(&sim).await;
    let connect = async |handle: &str| {
        flow(&host, json!({"flow": "connect", "profile": url(handle)})).await["invite"].clone()
    };
    assert_eq!(connect(&p.direct).await, "sent");
    assert_eq!(connect(&p.more).await, "weekly_limit");
    assert_eq!(sim.snapshot().invitations.len(), 1);
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_status_and_fallbacks() {
    let (scenario, p) = scenario();
    let sim = Simulator::start(scenario.clone()).await.unwrap();
    sim.add_fault(Fault {
        kind: FaultKind::PopupNotEditable,
        times: None,
        handles: Some(vec![p.not_editable.clone()]),
    });
    let host = host(&sim).await;
    let name = |handle: &str| {
        let person = scenario.person(handle).unwrap();
        format!("{} {}", person.first, person.last)
    };
    let status = async |flow_name: &str, handle: &str| {
        flow(&host, json!({"flow": flow_name, "profile": url(handle)})).await["status"].clone()
    };
    for kind in ["status", "page_status"] {
        assert_eq!(status(kind, &p.direct).await, "not_connected", "{kind}");
        assert_eq!(status(kind, &p.pending).await, "pending", "{kind}");
        assert_eq!(status(kind, &p.connected).await, "connected", "{kind}");
        assert_eq!(
            status(kind, "no-such-person-x").await,
            "unavailable",
            "{kind}"
        );
    }

    let send = async |handle: &str, text: &str| {
        flow(
            &host,
            json!({"flow": "message", "profile": url(handle), "name": name(handle), "text": text}),
        )
        .await
    };
    let text = "Thanks for connecting!\nHere is the deck I mentioned: it shows how we cut churn.";
    assert_eq!(send(&p.connected, text).await["sent"], "Popup");
    assert_eq!(
        messages_to(&sim, &p.connected),
        vec![text.to_string()],
        "the whole text, once, newline kept"
    );
    assert_eq!(
        send(&p.overflow, "Hello from the More menu").await["sent"],
        "Popup"
    );
    assert_eq!(messages_to(&sim, &p.overflow).len(), 1);
    let fallback = send(&p.no_popup, "Hello via the messaging page").await;
    assert_eq!(fallback["sent"], "MessagingPage", "{fallback}");
    assert_eq!(
        messages_to(&sim, &p.no_popup),
        vec!["Hello via the messaging page".to_string()]
    );
    let locked = send(&p.not_editable, "Hello, box locked").await;
    assert_eq!(locked["sent"], "MessagingPage", "{locked}");
    assert_eq!(messages_to(&sim, &p.not_editable).len(), 1);
    // Not a connection: no Message button, not in the typeahead; nothing is sent.
    let refused = send(&p.direct, "Hello stranger").await;
    assert!(refused["failed"].is_string(), "{refused}");
    assert!(messages_to(&sim, &p.direct).is_empty());
    assert_eq!(sim.snapshot().messages.len(), 4);
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profiles_search_and_discovery() {
    let (scenario, p) = scenario();
    let sim = Simulator::start(scenario.clone()).await.unwrap();
    let host = host(&sim).await;
    let person = scenario.person(&p.connected).unwrap();
    let answer = flow(
        &host,
        json!({"flow": "profile", "profile": url(&p.connected)}),
    )
    .await;
    assert_eq!(answer["profile"]["public_identifier"], p.connected.as_str());
    assert_eq!(answer["profile"]["first_name"], person.first.as_str());
    assert_eq!(answer["profile"]["connection_degree"], 1);
    let own = flow(&host, json!({"flow": "own"})).await;
    assert_eq!(
        own["profile"]["public_identifier"],
        scenario.viewer.profile.handle.as_str()
    );

    // Search: a keyword every generated title shares pages through the results.
    let keyword = person.positions[0].title.clone();
    let first = flow(&host, json!({"flow": "search", "keywords": keyword})).await;
    let people = first["people"].as_array().unwrap();
    assert!(!people.is_empty(), "{first}");
    assert!(
        !people
            .iter()
            .any(|h| h == &json!(scenario.viewer.profile.handle))
    );
    let none = flow(
        &host,
        json!({"flow": "search", "keywords": "zzz nobody has this"}),
    )
    .await;
    assert_eq!(none["people"], json!([]));
    assert_eq!(none["has_next"], false);

    // Discovery on a profile page: other people, never self, `me`, foreign sites or twice.
    let found = flow(
        &host,
        json!({"flow": "discover", "profile": url(&p.direct)}),
    )
    .await;
    let found: Vec<String> = serde_json::from_value(found["found"].clone()).unwrap();
    assert!(!found.is_empty());
    assert!(!found.contains(&scenario.viewer.profile.handle));
    assert!(!found.contains(&"me".to_string()));
    assert!(!found.contains(&"someone".to_string()), "foreign host link");
    let mut unique = found.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), found.len(), "{found:?}");
    for h in &found {
        assert!(
            scenario.person(h).is_some(),
            "{h} is a real person of the scenario"
        );
    }
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_click_off_the_allow_list_is_blocked_before_the_request_leaves() {
    let (scenario, p) = scenario();
    let sim = Simulator::start(scenario).await.unwrap();
    let host = host(&sim).await;
    // The profile's side rail links to https://example.org/in/someone/.
    let answer = flow(
        &host,
        json!({"flow": "click", "profile": url(&p.direct), "selector": "a[href^=\"https://example.org\"]"}),
    )
    .await;
    let error = answer["error"].as_str().unwrap_or_default();
    assert!(
        error.contains("Denied(")
            && error.contains("https://example.org/in/someone/")
            && error.contains("blocked"),
        "{answer}"
    );
    // The same lane still works on its own site afterwards.
    let ok = flow(
        &host,
        json!({"flow": "page_status", "profile": url(&p.direct)}),
    )
    .await;
    assert_eq!(ok["status"], "not_connected", "{ok}");
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_search_pages_through_the_results() {
    let scenario = Scenario::generate(21, 200);
    // The most common word of the current job titles matches well over one page of people.
    let mut counts = std::collections::HashMap::<String, usize>::new();
    for p in &scenario.people {
        if let Some(title) = p.positions.first() {
            for w in title.title.split_whitespace().filter(|w| w.len() > 3) {
                *counts.entry(w.to_lowercase()).or_default() += 1;
            }
        }
    }
    let (word, n) = counts.into_iter().max_by_key(|(_, n)| *n).unwrap();
    assert!(n > 20, "{word}: {n}");
    let sim = Simulator::start(scenario).await.unwrap();
    let host = host(&sim).await;
    let page = |p: u32| {
        let word = word.clone();
        let host = &host;
        async move { flow(host, json!({"flow": "search", "keywords": word, "page": p})).await }
    };
    let first = page(1).await;
    let second = page(2).await;
    assert_eq!(first["has_next"], true, "{first}");
    let one: Vec<String> = serde_json::from_value(first["people"].clone()).unwrap();
    let two: Vec<String> = serde_json::from_value(second["people"].clone()).unwrap();
    assert!(one.len() >= 8 && !two.is_empty(), "{one:?} {two:?}");
    assert!(
        one.iter().all(|h| !two.contains(h)),
        "pages do not overlap: {one:?} {two:?}"
    );
    let searches: Vec<String> = sim
        .requests()
        .into_iter()
        .filter(|r| r.path == "/search/results/people/")
        .map(|r| r.query)
        .collect();
    assert!(
        searches.iter().any(|q| q.contains("page=2")),
        "{searches:?}"
    );
    sim.stop().await;
}
