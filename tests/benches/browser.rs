//! Browser benchmarks against the simulator with human pauses scaled to zero (pace 0):
//! launching Chromium and logging in, and the latency of each operation lanes use. The
//! baseline, measured in the same run on the same tab, is one bare CDP round trip
//! (`Runtime.evaluate("1")`): the ratio is what our layer (queries, visibility filters, input
//! events, csrf signing, retries) costs on top of talking to Chromium at all.

use chromiumoxide::cdp::js_protocol::runtime::EvaluateParams;
use outlane::browser::{AccountBrowser, Query, SiteMap, launch};
use outlane::clock::Clock;
use outlane::crm::Db;
use outlane_simulator::{Scenario, Simulator};
use outlane_tests::host::{account_with_campaign, fast_browser};
use std::time::{Duration, Instant};
use url::Url;

const ROUNDS: usize = 15;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let scenario = Scenario::generate(5, 50);
    let sim = Simulator::start(scenario.clone()).await.expect("simulator");
    let dir = tempfile::tempdir().expect("tempdir");
    let db = Db::open(&dir.path().join("outlane.db")).expect("db");
    let (account, _) =
        account_with_campaign(&db, &scenario.viewer.email, &scenario.viewer.password);
    let site = SiteMap::new(&sim.base_url()).expect("site");

    // Baseline launch: Chromium on a fresh profile, one blank tab, closed again.
    let mut bare_launch = Vec::new();
    for i in 0..5 {
        let t = Instant::now();
        let chrome = launch::launch(&fast_browser(), &dir.path().join(format!("bare-{i}")))
            .await
            .expect("launch");
        bare_launch.push(t.elapsed());
        chrome.close().await;
    }
    // Ours: start, restore cookies, open the feed (logging in the first time only).
    let mut start = Vec::new();
    for _ in 0..5 {
        let mut b = AccountBrowser::new(
            account,
            fast_browser(),
            site.clone(),
            dir.path().join("profile"),
            db.clone(),
            Clock::real(),
            outlane::browser::RequestGuard::default(),
        );
        let t = Instant::now();
        b.ready().await.expect("ready");
        start.push(t.elapsed());
        b.close().await;
    }
    let first_start = start[0];
    let warm_start = median(start[1..].to_vec());
    let bare_launch = median(bare_launch);

    let mut b = AccountBrowser::new(
        account,
        fast_browser(),
        site,
        dir.path().join("profile"),
        db.clone(),
        Clock::real(),
        outlane::browser::RequestGuard::default(),
    );
    b.ready().await.expect("ready");
    let handles: Vec<String> = scenario
        .people
        .iter()
        .filter(|p| p.exists && !p.restricted && p.canonical_handle.is_none())
        .map(|p| p.handle.clone())
        .collect();
    let profile = |i: usize| {
        Url::parse(&format!(
            "https://www.linkedin.com/in/{}/",
            handles[i % handles.len()]
        ))
        .expect("url")
    };
    b.goto(&profile(0)).await.expect("goto");
    let page = launch::launch(&fast_browser(), &dir.path().join("baseline"))
        .await
        .expect("baseline browser");
    page.page
        .goto(format!("{}/login", sim.base_url()))
        .await
        .expect("baseline page");
    let mut bare = Vec::new();
    for _ in 0..ROUNDS * 4 {
        let t = Instant::now();
        let params = EvaluateParams::builder()
            .expression("1")
            .return_by_value(true)
            .build()
            .expect("params");
        page.page
            .evaluate_expression(params)
            .await
            .expect("evaluate");
        bare.push(t.elapsed());
    }
    let bare = median(bare);
    page.close().await;

    let top_card = Query {
        css: "section[data-member-id]".into(),
        ..Query::default()
    };
    let more = Query {
        css: "button[aria-label=\"More actions\"]".into(),
        visible: true,
        within: Some("section[data-member-id]".into()),
        ..Query::default()
    };
    let mut rows: Vec<(&str, Duration)> = Vec::new();
    let mut samples = Vec::new();
    for i in 1..=ROUNDS {
        let t = Instant::now();
        b.goto(&profile(i)).await.expect("goto");
        samples.push(t.elapsed());
    }
    rows.push(("goto a profile page", median(samples)));
    let mut samples = Vec::new();
    for _ in 0..ROUNDS * 2 {
        let t = Instant::now();
        assert!(b.exists(&top_card).await.expect("exists"));
        samples.push(t.elapsed());
    }
    rows.push(("exists (top card)", median(samples)));
    let mut samples = Vec::new();
    for _ in 0..ROUNDS * 2 {
        let t = Instant::now();
        b.texts(&top_card).await.expect("texts");
        samples.push(t.elapsed());
    }
    rows.push(("text of the top card", median(samples)));
    let mut samples = Vec::new();
    for _ in 0..ROUNDS {
        let t = Instant::now();
        b.click(&more).await.expect("click");
        samples.push(t.elapsed());
        b.press("Escape").await.expect("escape");
    }
    rows.push(("click (More, real mouse events)", median(samples)));
    let mut samples = Vec::new();
    for _ in 0..ROUNDS {
        let t = Instant::now();
        b.links().await.expect("links");
        samples.push(t.elapsed());
    }
    rows.push(("links of the page", median(samples)));
    let mut samples = Vec::new();
    for i in 0..ROUNDS {
        let path = format!(
            "/voyager/api/identity/dash/profiles?decorationId=com.linkedin.voyager.dash.deco.identity.profile.FullProfileWithEntities-91&memberIdentity={}&q=memberIdentity",
            handles[i % handles.len()]
        );
        let t = Instant::now();
        let answer = b.api_get(&path).await.expect("api");
        assert_eq!(answer.status, 200, "{path}");
        samples.push(t.elapsed());
    }
    rows.push(("api-get (Voyager profile, csrf-signed)", median(samples)));
    b.close().await;
    sim.stop().await;

    println!("browser benchmark (release build, pace 0, simulator on 127.0.0.1)");
    println!(
        "  launch: bare Chromium {:.0} ms; ours with login {:.0} ms; ours with saved cookies {:.0} ms ({:.2}x bare)",
        ms(bare_launch),
        ms(first_start),
        ms(warm_start),
        ms(warm_start) / ms(bare_launch)
    );
    println!("  baseline: one bare CDP round trip {:.2} ms", ms(bare));
    for (name, d) in rows {
        println!(
            "  {name:<40} {:>8.2} ms  ({:.1}x baseline)",
            ms(d),
            ms(d) / ms(bare)
        );
    }
}
