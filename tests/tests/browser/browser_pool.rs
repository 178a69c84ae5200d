//! The Chromium economy with real Chromium and a simulator of two accounts: with
//! `max_open = 1` the second account's browser starts only once the first one's is closed
//! (at once when it is idle; after its call when it is in one, the account waiting in line),
//! and a browser without work for `idle_close` closes by itself and comes back logged in.

use outlane::browser::{Browsers, SiteMap};
use outlane::clock::Clock;
use outlane::config::{BrowserConfig, DataDir};
use outlane::crm::Db;
use outlane_simulator::Simulator;
use outlane_simulator::generate::generate_account;
use outlane_tests::host::{account_with_campaign, fast_browser};
use std::time::{Duration, Instant};
use url::Url;

fn feed() -> Url {
    Url::parse("https://www.linkedin.com/feed/").unwrap()
}

/// How many Chromium main processes run with a user data directory under `dir`.
fn chromiums_under(dir: &std::path::Path) -> usize {
    let needle = format!("--user-data-dir={}", dir.display());
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
        .filter(|c| c.contains(&needle) && !c.contains("--type="))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_most_max_open_browsers_run_an_account_waits_its_turn_and_idle_ones_close() {
    let sim = Simulator::start_many(vec![generate_account(3, 10, 0), generate_account(3, 10, 1)])
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&dir.path().join("outlane.db")).unwrap();
    let logins: Vec<(String, String)> = (0..2)
        .map(|k| {
            let v = sim
                .account(k)
                .unwrap()
                .with(|w| w.scenario().viewer.clone());
            (v.email, v.password)
        })
        .collect();
    let (a, _) = account_with_campaign(&db, &logins[0].0, &logins[0].1);
    let (b, _) = account_with_campaign(&db, &logins[1].0, &logins[1].1);
    let idle_close = Duration::from_millis(1500);
    let browsers = Browsers::new(
        BrowserConfig {
            max_open: 1,
            idle_close,
            ..fast_browser()
        },
        SiteMap::new(&sim.base_url()).unwrap(),
        DataDir::new(dir.path()),
        db.clone(),
        Clock::real(),
    );
    let profiles = dir.path().join("browser");
    let pool = browsers.pool().clone();
    // Account A works, then B: A's idle browser is closed for B's.
    let visit = browsers
        .session(a)
        .lock()
        .await
        .goto(&feed())
        .await
        .unwrap();
    assert!(visit.url.ends_with("/feed/"), "{visit:?}");
    pool.touch(a);
    assert_eq!((pool.open(), chromiums_under(&profiles)), (1, 1));
    browsers
        .session(b)
        .lock()
        .await
        .goto(&feed())
        .await
        .unwrap();
    pool.touch(b);
    assert!(
        !browsers.session(a).lock().await.is_started(),
        "A's browser was closed for B's"
    );
    assert_eq!((pool.open(), chromiums_under(&profiles)), (1, 1));
    // B in a call (its browser locked): A waits in line until the call ends, then B's browser
    // is closed for it.
    let in_call = browsers.session(b).lock_owned().await;
    let waiting = {
        let browsers = browsers.clone();
        tokio::spawn(async move {
            let started = Instant::now();
            browsers
                .session(a)
                .lock()
                .await
                .goto(&feed())
                .await
                .map(|_| started.elapsed())
        })
    };
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert!(
        !waiting.is_finished(),
        "A started while B's browser was in a call"
    );
    assert_eq!(chromiums_under(&profiles), 1);
    drop(in_call);
    let waited = tokio::time::timeout(Duration::from_secs(60), waiting)
        .await
        .expect("A gets its turn")
        .unwrap()
        .unwrap();
    assert!(waited >= Duration::from_millis(1200), "A waited {waited:?}");
    pool.touch(a);
    assert!(!browsers.session(b).lock().await.is_started());
    assert_eq!((pool.open(), chromiums_under(&profiles)), (1, 1));
    // No work for idle_close: A's browser closes by itself, and the next call starts it again,
    // logged in from its saved session (no new login).
    let deadline = Instant::now() + Duration::from_secs(20);
    while pool.open() > 0 {
        assert!(Instant::now() < deadline, "the idle browser did not close");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(chromiums_under(&profiles), 0);
    let logins_before = sim.snapshot().login_submits;
    browsers
        .session(a)
        .lock()
        .await
        .goto(&feed())
        .await
        .unwrap();
    assert_eq!(
        sim.snapshot().login_submits,
        logins_before,
        "the saved session was used"
    );
    browsers.close_all().await;
    assert_eq!((pool.open(), chromiums_under(&profiles)), (0, 0));
    sim.stop().await;
}
