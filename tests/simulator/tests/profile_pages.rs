//! Profile page markup per relationship × UI variant (§7.4-P), redirects, the aside and
//! page-level faults.

mod common;

use common::{Client, count, small, text_of, top_card};
use outlane_simulator::{Fault, FaultKind};

async fn signed_in() -> Client {
    let mut c = Client::new(small());
    c.login().await;
    c
}

/// Asserts the card text avoids the substrings the automation reads as a state.
fn assert_neutral(card: &str) {
    let text = text_of(card);
    for bad in ["Pending", "1st", "1º", "1er"] {
        assert!(!text.contains(bad), "card text contains {bad}: {text}");
    }
}

#[tokio::test]
async fn direct_connect_none() {
    let mut c = signed_in().await;
    let r = c.get("/in/ana-ribeiro/").await;
    assert_eq!(r.status, 200);
    let member = c
        .state
        .with(|w| w.person("ana-ribeiro").map(|p| p.member_id))
        .unwrap_or(0);
    assert_eq!(count(&r.body, "<section"), 1, "exactly one section");
    let card = top_card(&r.body).expect("top card");
    assert!(card.starts_with(&format!(
        "<section class=\"artdeco-card\" data-member-id=\"{member}\""
    )));
    assert!(
        card.contains("><div class=\"pv-top-card\">"),
        "pv-top-card is a direct child"
    );
    assert!(card.contains("top-card-background-hero-image"));
    assert!(card.contains("<h1"));
    assert!(card.contains("Ana Ribeiro"));
    assert!(card.contains("· 2nd"));
    assert_eq!(
        count(card, "aria-label=\"Invite Ana Ribeiro to connect\""),
        1
    );
    assert!(!card.contains("aria-label=\"Message Ana Ribeiro\""));
    assert!(card.contains("-profile-overflow-action\" class=\""));
    assert!(card.contains("aria-label=\"More actions\""));
    assert!(card.contains("id=\"ember"));
    // The dropdown is inside the section and hidden by default (no "is-open" class).
    assert!(card.contains("class=\"artdeco-dropdown__content\" role=\"menu\""));
    assert!(!card.contains("artdeco-dropdown__content--is-open"));
    assert!(!card.contains(
        "role=\"button\" tabindex=\"0\" class=\"artdeco-dropdown__item\" aria-label=\"Invite"
    ));
    assert_neutral(card);
    // Page-level containers and the aside.
    assert!(r.body.contains("id=\"artdeco-toasts\""));
    assert!(r.body.contains("id=\"artdeco-modal-outlet\""));
    assert!(r.body.contains("People also viewed"));
    assert!(
        !r.body
            .contains("data-test-artdeco-toast-item-type=\"error\"")
    );
}

#[tokio::test]
async fn follow_primary_connect_in_more() {
    let mut c = signed_in().await;
    let r = c.get("/in/ben-okafor/").await;
    let card = top_card(&r.body).expect("card");
    assert!(card.contains("aria-label=\"Follow Ben Okafor\""));
    assert!(!card.contains("<button class=\"artdeco-button artdeco-button--primary pvs-profile-actions__action\" type=\"button\" aria-label=\"Invite"));
    assert!(card.contains("aria-label=\"More actions\""));
    assert!(card.contains(
        "<div role=\"button\" tabindex=\"0\" class=\"artdeco-dropdown__item\" aria-label=\"Invite Ben Okafor to connect\""
    ));
    assert!(card.contains("· 3rd"));
    assert_neutral(card);
}

#[tokio::test]
async fn connect_in_more_portal() {
    let mut c = signed_in().await;
    let r = c.get("/in/carla-rossi/").await;
    let card = top_card(&r.body).expect("card");
    assert!(card.contains("aria-label=\"More actions\""));
    assert!(card.contains("data-sim-portal=\"true\""));
    assert!(
        !card.contains("Invite Carla Rossi to connect"),
        "no invite inside the card"
    );
    // The menu is a template appended to <body> on click.
    let after = &r.body[r.body.find("</section>").unwrap_or(0)..];
    assert!(after.contains("<template id=\"sim-portal-menu\">"));
    assert!(after.contains("aria-label=\"Invite Carla Rossi to connect\""));
}

#[tokio::test]
async fn sdui_markup() {
    let mut c = signed_in().await;
    let r = c.get("/in/dev-patel/").await;
    let card = top_card(&r.body).expect("card");
    let pid = c
        .state
        .with(|w| w.person("dev-patel").map(|p| p.profile_id.clone()))
        .unwrap_or_default();
    assert!(card.starts_with(&format!(
        "<section class=\"artdeco-card\" componentkey=\"com.linkedin.sdui.profile.card.ref{pid}Topcard\">"
    )));
    assert!(!card.contains("data-member-id"));
    assert!(!card.contains("pv-top-card"));
    assert!(!card.contains("top-card-background-hero-image"));
    assert!(card.contains("aria-label=\"More\""));
    assert!(card.contains("data-sim-role=\"connect\"><span>Connect</span></button>"));
    assert!(!card.contains("Invite Dev Patel to connect"));
    assert!(!card.contains("profile-overflow-action"));
    assert_neutral(card);
}

#[tokio::test]
async fn no_connect_and_restricted_have_neither_connect_nor_pending() {
    let mut c = signed_in().await;
    for handle in ["eve-nielsen", "jon-levi"] {
        let r = c.get(&format!("/in/{handle}/")).await;
        let card = top_card(&r.body).expect("card");
        assert!(!card.contains("to connect\""), "{handle}");
        assert!(!card.contains("Pending"), "{handle}");
        assert_neutral(card);
    }
    let eve = c.get("/in/eve-nielsen/").await;
    let card = top_card(&eve.body).expect("card");
    assert!(
        !card.contains("· 2nd") && !card.contains("· 3rd"),
        "no badge out of network"
    );
}

#[tokio::test]
async fn pending_state() {
    let mut c = signed_in().await;
    let r = c.get("/in/iris-jansen/").await;
    let card = top_card(&r.body).expect("card");
    assert!(
        card.contains("aria-label=\"Pending, click to withdraw invitation sent to Iris Jansen\"")
    );
    assert!(text_of(card).contains("Pending"));
    assert!(!text_of(card).contains("1st"));
    assert!(!card.contains("to connect\""));
}

#[tokio::test]
async fn connected_direct_button() {
    let mut c = signed_in().await;
    let r = c.get("/in/finn-murphy/").await;
    let card = top_card(&r.body).expect("card");
    assert!(card.contains("aria-label=\"Message Finn Murphy\""));
    assert!(card.contains("-profile-overflow-action\""));
    assert!(text_of(card).contains("· 1st"));
    assert!(!text_of(card).contains("Pending"));
    assert!(!card.contains("to connect\""));
}

#[tokio::test]
async fn connected_overflow_only() {
    let mut c = signed_in().await;
    let r = c.get("/in/gita-sharma/").await;
    let card = top_card(&r.body).expect("card");
    assert!(!r.body.contains("aria-label=\"Message Gita Sharma\""));
    assert!(card.contains("-profile-overflow-action\""));
    assert!(card.contains("aria-label=\"Gita Sharma to message\""));
    assert!(card.contains("· 1st"));
}

#[tokio::test]
async fn connected_without_message_control() {
    let mut c = signed_in().await;
    let r = c.get("/in/hugo-dubois/").await;
    let card = top_card(&r.body).expect("card");
    assert!(!card.contains("aria-label=\"Message Hugo Dubois\""));
    assert!(!card.contains("to message\""));
}

#[tokio::test]
async fn self_page_has_no_connect() {
    let mut c = signed_in().await;
    let r = c.get("/in/sam-carter/").await;
    assert_eq!(r.status, 200);
    let card = top_card(&r.body).expect("card");
    assert!(card.contains("Sam Carter"));
    assert!(!card.contains("to connect\""));
    assert!(!card.contains("Pending"));
    assert!(!card.contains("· 2nd") && !card.contains("· 1st"));
}

#[tokio::test]
async fn path_forms_unknown_and_canonical() {
    let mut c = signed_in().await;
    assert_eq!(c.get("/in/ana-ribeiro").await.status, 200);
    assert_eq!(
        c.get("/in/ana-ribeiro/details/experience/").await.status,
        200
    );
    assert_eq!(
        c.get("/in/ana-ribeiro/overlay/contact-info/").await.status,
        200
    );
    assert_eq!(
        c.get("/in/nobody-at-all/").await.location().as_deref(),
        Some("/404/")
    );
    let nf = c.get("/404/").await;
    assert_eq!(nf.status, 404);
    assert!(nf.body.contains("This page doesn"));
    assert_eq!(
        c.get("/in/leo-m-42/").await.location().as_deref(),
        Some("/in/leo-martin/")
    );
    let canonical = c.get("/in/leo-martin/").await;
    assert_eq!(canonical.status, 200);
    assert!(canonical.body.contains("Invite Leo Martin to connect"));
}

#[tokio::test]
async fn aside_has_people_also_viewed_and_discovery_extras() {
    let mut c = signed_in().await;
    let r = c.get("/in/ana-ribeiro/").await;
    let aside = &r.body[r.body.find("<aside").expect("aside")..];
    let people = &aside[..aside.find("pv-discovery-extras").expect("extras")];
    let links = count(people, "href=\"/in/");
    assert!((3..=6).contains(&links), "{links} people also viewed");
    assert!(!people.contains("href=\"/in/ana-ribeiro/\""));
    assert!(aside.contains("href=\"/in/sam-carter/\""));
    assert!(aside.contains("href=\"/in/me/\""));
    assert!(aside.contains("href=\"/in/ana-ribeiro/details/experience/\""));
    assert!(aside.contains("?miniProfileUrn=urn%3Ali%3Afs_miniProfile%3AACoAA"));
    assert!(aside.contains("href=\"//www.linkedin.com/in/"));
    assert!(aside.contains("href=\"https://example.org/in/someone/\""));
    // Deterministic.
    let again = c.get("/in/ana-ribeiro/").await;
    let a2 = &again.body[again.body.find("<aside").expect("aside")..];
    assert_eq!(aside, a2);
}

#[tokio::test]
async fn absolute_links_option() {
    let mut s = small();
    s.absolute_links = true;
    let mut c = Client::new(s);
    c.login().await;
    let r = c.get("/in/ana-ribeiro/").await;
    assert!(
        r.body
            .contains("href=\"https://www.linkedin.com/in/sam-carter/\"")
    );
    assert!(r.body.contains("href=\"https://www.linkedin.com/in/me/\""));
    assert!(!r.body.contains("href=\"/in/"));
    let feed = c.get("/feed/").await;
    assert!(
        feed.body
            .contains("href=\"https://www.linkedin.com/in/ana-ribeiro/\"")
    );
}

#[tokio::test]
async fn fault_missing_top_card() {
    let mut c = signed_in().await;
    c.state
        .with(|w| w.add_fault(Fault::times(FaultKind::MissingTopCard, 1)));
    let r = c.get("/in/ana-ribeiro/").await;
    assert_eq!(r.status, 200);
    assert!(!r.body.contains("<section"));
    assert!(top_card(&r.body).is_none());
    assert!(
        c.get("/in/ana-ribeiro/").await.body.contains("<section"),
        "fired once"
    );
}

#[tokio::test]
async fn fault_rate_limit_page() {
    let mut c = signed_in().await;
    c.state
        .with(|w| w.add_fault(Fault::times(FaultKind::RateLimitPage, 2)));
    let r = c.get("/in/ana-ribeiro/").await;
    assert_eq!(r.status, 429);
    assert!(r.body.to_lowercase().contains("too many requests"));
    assert!(!r.body.contains("<section"));
    assert_eq!(c.get("/feed/").await.status, 429);
    assert_eq!(c.get("/feed/").await.status, 200);
}

#[tokio::test]
async fn fault_restricted_to_handles() {
    let mut c = signed_in().await;
    c.state.with(|w| {
        w.add_fault(Fault::always(FaultKind::MissingTopCard).for_handles(&["ben-okafor"]))
    });
    assert!(c.get("/in/ana-ribeiro/").await.body.contains("<section"));
    assert!(!c.get("/in/ben-okafor/").await.body.contains("<section"));
    assert!(
        !c.get("/in/ben-okafor/").await.body.contains("<section"),
        "until cleared"
    );
    c.state.with(|w| w.clear_faults());
    assert!(c.get("/in/ben-okafor/").await.body.contains("<section"));
}

#[tokio::test]
async fn faults_rendered_into_the_connect_flow() {
    let mut c = signed_in().await;
    c.state.with(|w| {
        w.add_fault(Fault::times(FaultKind::ErrorToast, 1));
        w.add_fault(Fault::times(FaultKind::LimitInsteadOfModal, 1));
    });
    let r = c.get("/in/ana-ribeiro/").await;
    assert!(r.body.contains("\"error_toast\":true"));
    assert!(r.body.contains("\"limit_instead_of_modal\":true"));
    assert!(r.body.contains("You can't invite this member right now."));
    assert!(r.body.contains("ip-fuse-limit-alert__warning"));
    assert!(
        r.body
            .contains("You've reached the weekly invitation limit")
    );
    let again = c.get("/in/ana-ribeiro/").await;
    assert!(again.body.contains("\"error_toast\":false"));
    assert!(again.body.contains("\"limit_instead_of_modal\":false"));
}

#[tokio::test]
async fn modal_and_overlay_contracts_are_in_the_page_script() {
    let mut c = signed_in().await;
    let r = c.get("/in/finn-murphy/").await;
    for needle in [
        "role=\"dialog\" class=\"artdeco-modal send-invite\"",
        "aria-label=\"Add a note\"",
        "aria-label=\"Send without a note\"",
        "Send now",
        "textarea id=\"custom-message\" name=\"message\"",
        "aria-label=\"Send invitation\"",
        "data-test-artdeco-toast-item-type",
        "class=\"msg-form__contenteditable t-14\" contenteditable=\"",
        "role=\"textbox\"",
        "<button type=\"submit\" class=\"msg-form__send-button artdeco-button",
        " disabled>Send</button>",
        "msg-s-event-listitem__body",
        "'Escape'",
        "input type=\"email\" id=\"email\"",
    ] {
        assert!(r.body.contains(needle), "missing {needle}");
    }
    // The existing thread with Finn is embedded for the overlay.
    assert!(r.body.contains("Hi Sam, thanks for connecting!"));
}

#[tokio::test]
async fn message_faults() {
    let mut c = signed_in().await;
    c.state.with(|w| {
        w.add_fault(Fault::times(FaultKind::NoMessagePopup, 1));
        w.add_fault(Fault::times(FaultKind::PopupNotEditable, 1));
    });
    let r = c.get("/in/finn-murphy/").await;
    let card = top_card(&r.body).expect("card");
    assert!(!card.contains("aria-label=\"Message Finn Murphy\""));
    assert!(!card.contains("profile-overflow-action"));
    assert!(r.body.contains("\"popup_not_editable\":true"));
    let again = c.get("/in/finn-murphy/").await;
    assert!(
        top_card(&again.body)
            .expect("card")
            .contains("aria-label=\"Message Finn Murphy\"")
    );
    assert!(again.body.contains("\"popup_not_editable\":false"));
}

#[tokio::test]
async fn enter_sends_and_send_now_options_reach_the_page() {
    let mut s = small();
    s.enter_sends = true;
    s.send_now_button = true;
    let mut c = Client::new(s);
    c.login().await;
    let r = c.get("/in/ana-ribeiro/").await;
    assert!(r.body.contains("\"enter_sends\":true"));
    assert!(r.body.contains("\"send_now_button\":true"));
}

#[tokio::test]
async fn slow_page_delays_the_answer() {
    let mut c = signed_in().await;
    c.state
        .with(|w| w.add_fault(Fault::times(FaultKind::SlowPage { ms: 300 }, 1)));
    let t = std::time::Instant::now();
    assert_eq!(c.get("/feed/").await.status, 200);
    assert!(t.elapsed() >= std::time::Duration::from_millis(300));
    let t = std::time::Instant::now();
    c.get("/feed/").await;
    assert!(t.elapsed() < std::time::Duration::from_millis(300));
}
