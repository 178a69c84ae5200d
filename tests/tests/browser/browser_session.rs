//! The browser capability against the LinkedIn simulator with real headless Chromium: login,
//! cookie reuse after a restart, re-login after the session expires, checkpoint and refused
//! password pause the account (and nothing is retried), signed Voyager calls with retries on
//! 429/5xx only.

use outlane::browser::{AccountBrowser, BrowserError, SiteMap};
use outlane::clock::Clock;
use outlane::crm::{Db, accounts};
use outlane_simulator::{Fault, FaultKind, Scenario, Simulator};
use outlane_tests::host::{account_with_campaign, fast_browser};
use tempfile::TempDir;
use url::Url;

struct Setup {
    sim: Simulator,
    dir: TempDir,
    db: Db,
    account: u64,
}

async fn setup(password_ok: bool) -> Setup {
    let scenario = Scenario::generate(11, 20);
    let sim = Simulator::start(scenario.clone()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&dir.path().join("outlane.db")).unwrap();
    let password = if password_ok {
        scenario.viewer.password.clone()
    } else {
        "wrong".to_string()
    };
    let (account, _) = account_with_campaign(&db, &scenario.viewer.email, &password);
    Setup {
        sim,
        dir,
        db,
        account,
    }
}

fn browser(s: &Setup) -> AccountBrowser {
    AccountBrowser::new(
        s.account,
        fast_browser(),
        SiteMap::new(&s.sim.base_url()).unwrap(),
        s.dir.path().join("browser"),
        s.db.clone(),
        Clock::real(),
        outlane::browser::RequestGuard::default(),
    )
}

fn profile_url(handle: &str) -> Url {
    Url::parse(&format!("https://www.linkedin.com/in/{handle}/")).unwrap()
}

fn paused(s: &Setup) -> Option<String> {
    let account = s.account;
    s.db.read_outside_tx_blocking(move |c| accounts::get(c, account))
        .unwrap()
        .paused
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_in_reuses_cookies_and_logs_in_again_once_the_session_expires() {
    let s = setup(true).await;
    let handle = s.sim.scenario().people[0].handle.clone();
    let mut b = browser(&s);
    let visit = b.goto(&profile_url(&handle)).await.unwrap();
    assert_eq!(
        visit.url,
        format!("https://www.linkedin.com/in/{handle}/"),
        "lanes see canonical URLs"
    );
    assert_eq!(visit.status, 200);
    assert_eq!(s.sim.snapshot().login_submits, 1);
    let saved = std::fs::read_to_string(b.cookie_file()).unwrap();
    assert!(
        saved.contains("li_at") && saved.contains("\\\"ajax:"),
        "{saved}"
    );
    b.close().await;

    // A restart reuses the saved cookies: no login form.
    let mut again = browser(&s);
    again.goto(&profile_url(&handle)).await.unwrap();
    assert_eq!(
        s.sim.snapshot().login_submits,
        1,
        "the saved session was reused"
    );

    // Chromium dies under us (OOM killer, a person closing it): the next operation starts a
    // new one on the same profile, with the saved session.
    let pid_file = s.dir.path().join("browser").join("chromium.pid");
    let pid = std::fs::read_to_string(&pid_file).unwrap();
    std::process::Command::new("kill")
        .args(["-9", pid.trim()])
        .status()
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    again.goto(&profile_url(&handle)).await.unwrap();
    assert_eq!(
        s.sim.snapshot().login_submits,
        1,
        "restarted with the saved session"
    );
    assert_ne!(
        std::fs::read_to_string(&pid_file).unwrap(),
        pid,
        "a new Chromium"
    );

    // The session expires: exactly one fresh login, and the page still opens.
    s.sim.expire_sessions();
    let visit = again.goto(&profile_url(&handle)).await.unwrap();
    assert!(
        visit.url.ends_with(&format!("/in/{handle}/")),
        "{}",
        visit.url
    );
    assert_eq!(s.sim.snapshot().login_submits, 2);
    assert!(paused(&s).is_none());
    again.close().await;
    s.sim.stop().await;
}

/// A daemon killed between Chromium's start and writing its pid file leaves a live Chromium
/// that only its profile lock names. The next launch finds it through the lock, stops it and
/// starts its own, instead of failing on "SingletonLock: File exists" for ever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chromium_known_only_by_its_profile_lock_is_stopped_on_the_next_launch() {
    let s = setup(true).await;
    let handle = s.sim.scenario().people[0].handle.clone();
    let mut first = browser(&s);
    first.goto(&profile_url(&handle)).await.unwrap();
    let pid_file = s.dir.path().join("browser").join("chromium.pid");
    let orphan = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .to_string();
    let lock = s.dir.path().join("browser/chromium/SingletonLock");
    let target = std::fs::read_link(&lock).expect("Chromium holds its profile lock");
    assert!(
        target.to_string_lossy().ends_with(&format!("-{orphan}")),
        "{target:?}"
    );
    // The daemon "dies": its Chromium keeps running, and the pid file was never written.
    std::mem::forget(first);
    std::fs::remove_file(&pid_file).unwrap();
    assert!(std::path::Path::new(&format!("/proc/{orphan}")).exists());

    let mut next = browser(&s);
    let visit = next.goto(&profile_url(&handle)).await.unwrap();
    assert_eq!(visit.status, 200);
    let fresh = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .to_string();
    assert_ne!(fresh, orphan, "a new Chromium");
    let cmdline = std::fs::read(format!("/proc/{orphan}/cmdline")).unwrap_or_default();
    assert!(
        !String::from_utf8_lossy(&cmdline).contains("chromium"),
        "the orphaned Chromium {orphan} still runs"
    );
    next.close().await;
    s.sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_checkpoint_pauses_the_account_and_nothing_is_retried() {
    let s = setup(true).await;
    s.sim.add_fault(Fault {
        kind: FaultKind::CheckpointOnLogin {
            auto_solve_ms: None,
        },
        times: None,
        handles: None,
    });
    let mut b = browser(&s);
    let handle = s.sim.scenario().people[0].handle.clone();
    let err = b.goto(&profile_url(&handle)).await.unwrap_err();
    assert!(
        matches!(&err, BrowserError::Auth(m) if m.contains("checkpoint") && m.contains("accounts resume")),
        "{err}"
    );
    assert!(paused(&s).unwrap().contains("checkpoint"));
    assert!(
        !b.is_started(),
        "the browser is closed while a person is needed"
    );
    let requests = s.sim.requests().len();
    for _ in 0..5 {
        let again = b.goto(&profile_url(&handle)).await.unwrap_err();
        assert!(matches!(again, BrowserError::Auth(_)));
    }
    assert_eq!(
        s.sim.requests().len(),
        requests,
        "a paused account sends nothing"
    );
    assert_eq!(s.sim.snapshot().login_submits, 1);

    // Once a person has solved it and resumed the account, it logs in again.
    s.sim.clear_faults();
    let account = s.account;
    s.db.write_blocking(move |tx| accounts::resume(tx, account))
        .unwrap();
    b.goto(&profile_url(&handle)).await.unwrap();
    assert!(paused(&s).is_none());
    b.close().await;
    s.sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_password_pauses_the_account() {
    let s = setup(false).await;
    let mut b = browser(&s);
    let err = b.goto(&profile_url("anyone")).await.unwrap_err();
    assert!(
        matches!(&err, BrowserError::Auth(m) if m.contains("refused the login")),
        "{err}"
    );
    assert!(paused(&s).unwrap().contains("check the password"));
    assert!(b.goto(&profile_url("anyone")).await.is_err());
    assert_eq!(
        s.sim.snapshot().login_submits,
        1,
        "one attempt, no retry storm"
    );
    s.sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn voyager_calls_are_signed_and_retried_on_429_and_5xx_only() {
    let s = setup(true).await;
    let handle = s.sim.scenario().people[1].handle.clone();
    let path = format!(
        "/voyager/api/identity/dash/profiles?decorationId=com.linkedin.voyager.dash.deco.identity.profile.FullProfileWithEntities-91&memberIdentity={handle}&q=memberIdentity"
    );
    let mut b = browser(&s);
    let answer = b.api_get(&path).await.unwrap();
    assert_eq!(answer.status, 200, "{}", answer.body);
    let profile = outlane_linkedin::parse_profile(&answer.body, Some(&handle)).unwrap();
    assert_eq!(profile.public_identifier.as_deref(), Some(handle.as_str()));
    let api = |s: &Setup| {
        s.sim
            .requests()
            .into_iter()
            .filter(|r| r.path.starts_with("/voyager/api/"))
            .collect::<Vec<_>>()
    };
    let first = api(&s);
    assert_eq!(first.len(), 1);
    let csrf = first[0].csrf_token.clone().unwrap_or_default();
    assert!(
        csrf.starts_with("ajax:") && !csrf.contains('"'),
        "csrf {csrf:?}"
    );
    assert_eq!(first[0].x_restli_protocol_version.as_deref(), Some("2.0.0"));

    // Two 429s, then an answer: three requests in all.
    s.sim.add_fault(Fault {
        kind: FaultKind::VoyagerStatus { status: 429 },
        times: Some(2),
        handles: None,
    });
    assert_eq!(b.api_get(&path).await.unwrap().status, 200);
    assert_eq!(api(&s).len(), 4);
    // A server that keeps failing: three attempts, then a transient error.
    s.sim.add_fault(Fault {
        kind: FaultKind::VoyagerStatus { status: 500 },
        times: None,
        handles: None,
    });
    assert!(matches!(b.api_get(&path).await, Err(BrowserError::Page(_))));
    assert_eq!(api(&s).len(), 7);
    s.sim.clear_faults();
    // 404 and 400 are answers, not retried.
    let missing = path.replace(&handle, "nobody-here-42");
    assert_eq!(b.api_get(&missing).await.unwrap().status, 404);
    assert_eq!(
        b.api_get(&path.replace("q=memberIdentity", "q=other"))
            .await
            .unwrap()
            .status,
        400
    );
    assert_eq!(api(&s).len(), 9);
    b.close().await;
    s.sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mid_session_checkpoints_error_pages_and_slow_pages() {
    let s = setup(true).await;
    let people = s.sim.scenario().people;
    let mut b = browser(&s);
    b.goto(&profile_url(&people[0].handle)).await.unwrap();

    // A rate-limit page at the right URL is LinkedIn saying "slow down", not the page.
    s.sim.add_fault(Fault {
        kind: FaultKind::RateLimitPage,
        times: Some(1),
        handles: None,
    });
    let err = b.goto(&profile_url(&people[1].handle)).await.unwrap_err();
    assert!(matches!(err, BrowserError::RateLimited(_)), "{err}");
    b.goto(&profile_url(&people[1].handle)).await.unwrap();

    // A page slower than the timeout is a timeout, not a hang.
    let mut slow = fast_browser();
    slow.timeout = std::time::Duration::from_secs(2);
    let mut impatient = AccountBrowser::new(
        s.account,
        slow,
        SiteMap::new(&s.sim.base_url()).unwrap(),
        s.dir.path().join("browser-2"),
        s.db.clone(),
        Clock::real(),
        outlane::browser::RequestGuard::default(),
    );
    impatient
        .goto(&profile_url(&people[0].handle))
        .await
        .unwrap();
    s.sim.add_fault(Fault {
        kind: FaultKind::SlowPage { ms: 4000 },
        times: Some(1),
        handles: None,
    });
    let err = impatient
        .goto(&profile_url(&people[2].handle))
        .await
        .unwrap_err();
    assert!(matches!(err, BrowserError::Timeout(_)), "{err}");
    impatient.close().await;

    // A checkpoint in the middle of a session pauses the account.
    s.sim.add_fault(Fault {
        kind: FaultKind::CheckpointMidSession,
        times: Some(1),
        handles: None,
    });
    let err = b.goto(&profile_url(&people[3].handle)).await.unwrap_err();
    assert!(
        matches!(&err, BrowserError::Auth(m) if m.contains("checkpoint")),
        "{err}"
    );
    assert!(paused(&s).is_some());
    let before = s.sim.requests().len();
    assert!(b.api_get("/voyager/api/me").await.is_err());
    assert_eq!(
        s.sim.requests().len(),
        before,
        "nothing is sent for a paused account"
    );
    s.sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typing_replaces_a_draft_and_newlines_are_never_enter() {
    let s = setup(true).await;
    // A connection whose message window sends on Enter, as LinkedIn's "Press Enter to send".
    let mut scenario = s.sim.scenario();
    scenario.enter_sends = true;
    let friend = scenario.people[4].handle.clone();
    scenario.people[4].relationship = outlane_simulator::InitialRelationship::Connected;
    scenario.people[4].message_variant = outlane_simulator::MessageVariant::DirectButton;
    s.sim.reset(scenario);
    let mut b = browser(&s);
    b.goto(&profile_url(&friend)).await.unwrap();
    let message = outlane::browser::Query {
        css: "button[aria-label^=\"Message\"]".into(),
        visible: true,
        within: Some("section[data-member-id]".into()),
        ..Default::default()
    };
    b.click(&message).await.unwrap();
    let composer = outlane::browser::Query {
        css: "div[class*=\"msg-form__contenteditable\"]".into(),
        visible: true,
        ..Default::default()
    };
    assert!(
        b.wait_for(&composer, std::time::Duration::from_secs(5))
            .await
            .unwrap()
    );
    b.type_text(&composer, "an old draft that must go")
        .await
        .unwrap();
    b.type_text(&composer, "Line one\nLine two").await.unwrap();
    let text = b.texts(&composer).await.unwrap().concat();
    assert_eq!(text.trim(), "Line one\nLine two");
    assert!(
        s.sim.snapshot().messages.is_empty(),
        "a typed newline sent nothing"
    );
    // What begin-action would hand out: one message to this friend.
    b.guard().grant(outlane::browser::outward::Permit {
        intent: 1,
        call: 0,
        action: outlane::crm::Action::Message,
        ids: vec![outlane_linkedin::ProfileId::from_identifier(&friend).unwrap()],
        used: false,
    });
    b.press("Enter").await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let sent = s.sim.snapshot().messages;
    assert_eq!(
        sent.len(),
        1,
        "pressing Enter does send here, so the test can tell"
    );
    assert_eq!(sent[0].text, "Line one\nLine two");
    let missing = outlane::browser::Query {
        css: "button#no-such-button".into(),
        ..Default::default()
    };
    let err = b.click(&missing).await.unwrap_err();
    assert!(
        matches!(&err, BrowserError::NotFound(m) if m.contains("no-such-button")),
        "{err}"
    );
    let bad = outlane::browser::Query {
        css: "div[[".into(),
        ..Default::default()
    };
    assert!(
        matches!(b.exists(&bad).await, Err(BrowserError::Invalid(m)) if m.contains("bad selector"))
    );
    b.close().await;
    s.sim.stop().await;
}
