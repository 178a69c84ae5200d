//! Login, cookies, checkpoint challenges, unauthenticated redirects and session expiry.

mod common;

use common::{Client, count, small};
use outlane_simulator::{Fault, FaultKind, UnauthRedirect};

#[tokio::test]
async fn login_page_has_the_strict_form() {
    let mut c = Client::new(small());
    let r = c.get("/login").await;
    assert_eq!(r.status, 200);
    assert!(r.content_type().starts_with("text/html"));
    assert_eq!(count(&r.body, "id=\"username\""), 1);
    assert_eq!(count(&r.body, "id=\"password\""), 1);
    assert!(
        r.body
            .contains("id=\"password\" name=\"session_password\" type=\"password\"")
    );
    assert_eq!(
        count(&r.body, "type=\"submit\""),
        1,
        "exactly one submit button"
    );
    assert!(r.body.contains("action=\"/checkpoint/lg/login-submit\""));
    assert!(!r.body.contains("Wrong email or password"));
}

#[tokio::test]
async fn good_credentials_set_session_cookies_and_land_on_feed() {
    let mut c = Client::new(small());
    let r = c.login().await;
    assert_eq!(r.status, 302);
    assert_eq!(r.location().as_deref(), Some("/feed/"));
    let cookies = r.set_cookies();
    let li_at = cookies
        .iter()
        .find(|c| c.starts_with("li_at="))
        .expect("li_at set");
    assert!(li_at.contains("HttpOnly"));
    assert!(li_at.contains(&format!("Max-Age={}", 30 * 24 * 3600)));
    assert!(!li_at.contains("Domain") && !li_at.contains("Secure"));
    let jsession = cookies
        .iter()
        .find(|c| c.starts_with("JSESSIONID="))
        .expect("JSESSIONID set");
    assert!(!jsession.contains("HttpOnly"));
    let value = jsession
        .split(';')
        .next()
        .and_then(|kv| kv.split_once('='))
        .map(|(_, v)| v)
        .expect("value");
    assert!(
        value.starts_with("\"ajax:") && value.ends_with('"'),
        "{value}"
    );
    let digits = value.trim_matches('"').trim_start_matches("ajax:");
    assert_eq!(digits.len(), 19);
    assert!(digits.chars().all(|c| c.is_ascii_digit()));
    let feed = c.get("/feed/").await;
    assert_eq!(feed.status, 200);
    let snap = c.state.with(|w| w.snapshot());
    assert_eq!(snap.sessions, 1);
    assert_eq!(snap.login_submits, 1);
}

#[tokio::test]
async fn username_and_password_field_names_work_too() {
    let mut c = Client::new(small());
    let r = c
        .post_form(
            "/checkpoint/lg/login-submit",
            &[
                ("username", " SAM.CARTER@example.com "),
                ("password", "correct-horse-battery"),
            ],
        )
        .await;
    assert_eq!(r.location().as_deref(), Some("/feed/"));
}

#[tokio::test]
async fn bad_credentials_go_back_to_login_with_an_error() {
    let mut c = Client::new(small());
    let r = c
        .post_form(
            "/checkpoint/lg/login-submit",
            &[
                ("session_key", "sam.carter@example.com"),
                ("session_password", "wrong"),
            ],
        )
        .await;
    assert_eq!(r.status, 302);
    assert_eq!(r.location().as_deref(), Some("/login?error=1"));
    assert!(r.set_cookies().is_empty());
    let page = c.get("/login?error=1").await;
    assert!(page.body.contains("Wrong email or password"));
    assert_eq!(c.state.with(|w| w.snapshot().sessions), 0);
    assert_eq!(c.state.with(|w| w.snapshot().login_submits), 1);
}

#[tokio::test]
async fn unauthenticated_pages_redirect_with_session_redirect() {
    let mut c = Client::new(small());
    for path in [
        "/feed/",
        "/in/ana-ribeiro/",
        "/search/results/people/?keywords=vp&origin=GLOBAL_SEARCH_HEADER",
        "/messaging/thread/new/",
    ] {
        let r = c.get(path).await;
        assert_eq!(r.status, 302, "{path}");
        let expected = format!(
            "/login?session_redirect={}",
            outlane_simulator::pages::encode_component(&format!("http://sim.test{path}"))
        );
        assert_eq!(r.location().as_deref(), Some(expected.as_str()), "{path}");
    }
    let r = c.get("/feed/").await;
    assert_eq!(
        r.location().as_deref(),
        Some("/login?session_redirect=http%3A%2F%2Fsim.test%2Ffeed%2F")
    );
}

#[tokio::test]
async fn session_redirect_survives_login() {
    let mut c = Client::new(small());
    let page = c
        .get("/login?session_redirect=http%3A%2F%2Fsim.test%2Fin%2Fana-ribeiro%2F")
        .await;
    assert!(
        page.body
            .contains("name=\"session_redirect\" value=\"http://sim.test/in/ana-ribeiro/\"")
    );
    let r = c
        .post_form(
            "/checkpoint/lg/login-submit",
            &[
                ("session_key", "sam.carter@example.com"),
                ("session_password", "correct-horse-battery"),
                ("session_redirect", "http://sim.test/in/ana-ribeiro/"),
            ],
        )
        .await;
    assert_eq!(r.location().as_deref(), Some("/in/ana-ribeiro/"));
}

#[tokio::test]
async fn other_unauthenticated_redirect_styles() {
    let mut s = small();
    s.unauth_redirect = UnauthRedirect::Authwall;
    let mut c = Client::new(s.clone());
    let r = c.get("/in/ana-ribeiro/").await;
    assert_eq!(
        r.location().as_deref(),
        Some(
            "/authwall?trk=bf&trkInfo=bf&sessionRedirect=http%3A%2F%2Fsim.test%2Fin%2Fana-ribeiro%2F"
        )
    );
    let wall = c.get(&r.location().unwrap_or_default()).await;
    assert_eq!(wall.status, 200);
    assert!(
        wall.body
            .contains("/login?session_redirect=http%3A%2F%2Fsim.test%2Fin%2Fana-ribeiro%2F")
    );
    s.unauth_redirect = UnauthRedirect::Bare;
    let mut c = Client::new(s);
    assert_eq!(c.get("/feed/").await.location().as_deref(), Some("/login"));
}

#[tokio::test]
async fn login_page_redirects_when_already_signed_in() {
    let mut c = Client::new(small());
    c.login().await;
    assert_eq!(c.get("/login").await.location().as_deref(), Some("/feed/"));
}

#[tokio::test]
async fn expired_sessions_are_refused() {
    let mut c = Client::new(small());
    c.login().await;
    assert_eq!(c.get("/feed/").await.status, 200);
    c.state.with(|w| w.expire_sessions(None));
    let r = c.get("/feed/").await;
    assert_eq!(r.status, 302);
    assert!(
        r.location()
            .unwrap_or_default()
            .starts_with("/login?session_redirect=")
    );
    assert_eq!(c.voyager("me").await.status, 401);
    assert_eq!(c.state.with(|w| w.snapshot().sessions), 0);
}

#[tokio::test]
async fn sessions_expire_on_the_sim_clock() {
    let mut s = small();
    s.session_ttl_s = 60;
    let mut c = Client::new(s);
    let r = c.login().await;
    assert!(
        r.set_cookies()
            .iter()
            .any(|c| c.starts_with("li_at=") && c.contains("Max-Age=60"))
    );
    assert_eq!(c.get("/feed/").await.status, 200);
    c.state.with(|w| w.advance_clock(61_000));
    assert_eq!(c.get("/feed/").await.status, 302);
}

#[tokio::test]
async fn checkpoint_on_login_then_solved_by_control() {
    let mut s = small();
    s.faults.push(Fault::times(
        FaultKind::CheckpointOnLogin {
            auto_solve_ms: None,
        },
        1,
    ));
    let mut c = Client::new(s);
    let r = c.login().await;
    assert_eq!(r.status, 302);
    let location = r.location().unwrap_or_default();
    assert!(location.starts_with("/checkpoint/challenge/"), "{location}");
    assert!(
        r.set_cookies().is_empty(),
        "no session before the challenge is solved"
    );
    let page = c.get(&location).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("Let's do a quick security check")
            || page.body.contains("Let&#39;s do a quick security check")
    );
    assert!(c.state.with(|w| w.snapshot().checkpoint_pending));
    // Still pending: the page is served again.
    assert_eq!(c.get(&location).await.status, 200);
    assert!(c.state.with(|w| w.solve_checkpoint()));
    let done = c.get(&location).await;
    assert_eq!(done.status, 302);
    assert_eq!(done.location().as_deref(), Some("/feed/"));
    assert!(done.set_cookies().iter().any(|c| c.starts_with("li_at=")));
    assert_eq!(c.get("/feed/").await.status, 200);
    assert!(!c.state.with(|w| w.snapshot().checkpoint_pending));
    // The fault fired once: a second login goes straight to the feed.
    let mut c2 = Client {
        app: c.app.clone(),
        state: c.state.clone(),
        jar: Vec::new(),
    };
    assert_eq!(c2.login().await.location().as_deref(), Some("/feed/"));
}

#[tokio::test]
async fn checkpoint_auto_solves_on_the_sim_clock() {
    let mut c = Client::new(small());
    c.state.with(|w| {
        w.add_fault(Fault::always(FaultKind::CheckpointOnLogin {
            auto_solve_ms: Some(5_000),
        }))
    });
    let location = c.login().await.location().unwrap_or_default();
    assert_eq!(c.get(&location).await.status, 200);
    c.state.with(|w| w.advance_clock(5_000));
    let r = c.get(&location).await;
    assert_eq!(r.location().as_deref(), Some("/feed/"));
}

#[tokio::test]
async fn checkpoint_pin_solves_it() {
    let mut c = Client::new(small());
    c.state.with(|w| {
        w.add_fault(Fault::times(
            FaultKind::CheckpointOnLogin {
                auto_solve_ms: None,
            },
            1,
        ))
    });
    let location = c.login().await.location().unwrap_or_default();
    let wrong = c.post_form(&location, &[("pin", "000000")]).await;
    assert_eq!(wrong.status, 200);
    assert!(wrong.body.contains("didn"));
    let right = c.post_form(&location, &[("pin", "123456")]).await;
    assert_eq!(right.location().as_deref(), Some("/feed/"));
    assert!(c.cookie("li_at").is_some());
}

#[tokio::test]
async fn mid_session_checkpoint_blocks_pages_until_solved() {
    let mut c = Client::new(small());
    c.login().await;
    c.state
        .with(|w| w.add_fault(Fault::times(FaultKind::CheckpointMidSession, 1)));
    let r = c.get("/in/ana-ribeiro/").await;
    let location = r.location().unwrap_or_default();
    assert!(location.starts_with("/checkpoint/challenge/"), "{location}");
    // Blocked: every page goes to the challenge while it is pending.
    assert_eq!(c.get("/feed/").await.location(), Some(location.clone()));
    c.state.with(|w| w.solve_checkpoint());
    let back = c.get(&location).await;
    assert_eq!(back.location().as_deref(), Some("/in/ana-ribeiro/"));
    assert_eq!(c.get("/feed/").await.status, 200);
}

#[tokio::test]
async fn me_redirects_to_self_and_root_to_feed() {
    let mut c = Client::new(small());
    c.login().await;
    assert_eq!(
        c.get("/in/me/").await.location().as_deref(),
        Some("/in/sam-carter/")
    );
    assert_eq!(c.get("/").await.location().as_deref(), Some("/feed/"));
    assert_eq!(c.get("/feed").await.location().as_deref(), Some("/feed/"));
}

#[tokio::test]
async fn feed_has_nav_self_link_and_author_links() {
    let mut c = Client::new(small());
    c.login().await;
    let r = c.get("/feed/").await;
    assert!(r.body.contains("href=\"/in/sam-carter/\""));
    assert!(r.body.contains("href=\"/in/ana-ribeiro/\""));
    let authors = count(&r.body, "update-components-actor__meta-link");
    assert_eq!(authors, 8, "feed_authors default");
    assert!(!r.body.contains("<script src"), "self-contained");
}
