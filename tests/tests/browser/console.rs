//! The operator's console, driven by real headless Chromium against a real SQLite file: the
//! overview against `outlane status --json`, the leads table and its CSV, a lead's page, the
//! review queue (keyboard), the campaign editor (its sequence too) and its preview, the inbox
//! and a lead's conversation, and what the console refuses
//! (no token, a foreign Host, a POST without its CSRF token or from another site, bad input).
//! Each page is saved as a PNG in `target/console-shots/`.

use chromiumoxide::Page;
use chromiumoxide::page::ScreenshotParams;
use outlane::clock::Clock;
use outlane::config::{BrowserConfig, ConsoleConfig};
use outlane::console::{Console, ConsoleOptions};
use outlane::crm::campaigns::{self, NewCampaign};
use outlane::crm::learning::{self, LabelSource};
use outlane::crm::{Db, Stage, accounts, pipeline};
use outlane_local_server::raw_http;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The account's password (sealed in the database): no page may ever show it.
const PASSWORD: &str = "hunter2-correct-horse-battery";
/// A session cookie value in the account's browser profile: no page may show it either.
const COOKIE_VALUE: &str = "AQEDAcookie-value-never-shown";
const PASSPHRASE: &str = "console-test-passphrase";
/// 2026-11-23 10:00 UTC.
const MONDAY: u64 = 1_795_428_000_000;
const FIRST: [&str; 8] = [
    "Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken",
];

/// A database with an account, two campaigns and 60 leads at every stage, and the console
/// serving it on a free port.
struct World {
    dir: tempfile::TempDir,
    db: Db,
    console: Console,
    campaign: u64,
    other: u64,
}

fn seed(db: &Db, dir: &std::path::Path) -> (u64, u64) {
    let (campaign, other) = db
        .write_blocking(|tx| {
            let account = accounts::create(tx, "me@example.com", "UTC", MONDAY)?;
            accounts::set_password(tx, account, PASSPHRASE, PASSWORD)?;
            let new = |name: &str| NewCampaign {
                account_id: account,
                name: name.into(),
                product_docs: "Payments reconciliation for fintechs".into(),
                objective: "CTOs of fintech companies".into(),
                follow_up_template: String::new(),
                booking_link: Some("https://cal.example.com/me".into()),
            };
            let campaign = campaigns::create(tx, &new("Fintech CTOs"), MONDAY)?;
            let other = campaigns::create(tx, &new("Retail founders"), MONDAY)?;
            for i in 0..60u64 {
                let at = MONDAY + i * 60_000;
                let handle = format!("person-{i:03}");
                let url = format!("https://www.linkedin.com/in/{handle}/");
                pipeline::discover(tx, campaign, &[url.clone()], &[], "test", at)?;
                let lead = outlane::crm::leads::find(
                    tx,
                    &outlane_linkedin::ProfileId::parse(&url).expect("a profile URL"),
                )?
                .expect("the lead");
                let name = format!("{} Person{i:03}", FIRST[i as usize % FIRST.len()]);
                let headline = if i % 2 == 0 {
                    "CTO at a fintech"
                } else {
                    "Recruiter"
                };
                pipeline::set_known_details(tx, campaign, lead, Some(&name), Some(headline))?;
                if i % 4 == 0 {
                    continue;
                }
                pipeline::set_stage(
                    tx,
                    campaign,
                    lead,
                    Stage::Enriched,
                    "enriched",
                    "enrich",
                    at,
                )?;
                match i % 4 {
                    2 => {
                        pipeline::set_stage(
                            tx,
                            campaign,
                            lead,
                            Stage::Qualified,
                            "a CTO",
                            "qualify",
                            at,
                        )?;
                        learning::put_label(
                            tx,
                            campaign,
                            lead,
                            true,
                            "a CTO of a fintech",
                            LabelSource::Llm,
                            at,
                            None,
                        )?;
                    }
                    3 => {
                        pipeline::set_stage(
                            tx,
                            campaign,
                            lead,
                            Stage::Disqualified,
                            "a recruiter",
                            "qualify",
                            at,
                        )?;
                        learning::put_label(
                            tx,
                            campaign,
                            lead,
                            false,
                            "p(qualified) = 0.04: a recruiter",
                            LabelSource::Model,
                            at,
                            None,
                        )?;
                    }
                    _ => {}
                }
            }
            Ok((campaign, other))
        })
        .expect("seeded");
    // The account's browser session, as the daemon keeps it.
    let cookies = dir.join("browser/account-1");
    std::fs::create_dir_all(&cookies).expect("profile dir");
    std::fs::write(
        cookies.join("cookies.json"),
        format!(r#"{{"cookies":[{{"name":"li_at","value":"{COOKIE_VALUE}","domain":".linkedin.com"}}]}}"#),
    )
    .expect("cookies");
    (campaign, other)
}

impl World {
    async fn start() -> World {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = Db::open(&dir.path().join("outlane.db")).expect("db");
        let (campaign, other) = seed(&db, dir.path());
        let options = ConsoleOptions {
            config: ConsoleConfig {
                listen: "127.0.0.1:0".parse().expect("addr"),
                ..ConsoleConfig::default()
            },
            data_dir: dir.path().to_path_buf(),
            prompts: outlane_tests::workspace_root().join("prompts"),
        };
        let console = Console::start(&options, db.clone(), Clock::real(), None)
            .await
            .expect("the console starts");
        World {
            dir,
            db,
            console,
            campaign,
            other,
        }
    }

    fn addr(&self) -> std::net::SocketAddr {
        self.console.addr()
    }

    /// A session cookie, by logging in with the token (raw HTTP).
    fn session(&self) -> String {
        let path = self
            .console
            .login_url()
            .split_once(&self.addr().to_string())
            .map(|(_, p)| p.to_string())
            .expect("a path");
        let (status, headers, _) = raw_http(self.addr(), "GET", &path, &[], b"");
        assert_eq!(status, 303);
        let cookie = headers
            .iter()
            .find(|(k, _)| k == "set-cookie")
            .map(|(_, v)| v.clone())
            .expect("a session cookie");
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
            "{cookie}"
        );
        cookie.split(';').next().expect("name=value").to_string()
    }

    fn stage(&self, campaign: u64, lead: u64) -> Stage {
        self.db
            .read_outside_tx_blocking(move |c| Ok(pipeline::get(c, campaign, lead)?.stage))
            .expect("stage")
    }

    fn label(&self, campaign: u64, lead: u64) -> Option<(bool, String, String)> {
        self.db
            .read_outside_tx_blocking(move |c| learning::label(c, campaign, lead))
            .expect("label")
    }

    fn human_labels(&self, campaign: u64) -> u64 {
        self.db
            .read_outside_tx_blocking(move |c| {
                Ok(c.query_row(
                    "SELECT count(*) FROM labels WHERE campaign_id = ?1 AND source = 'human'",
                    [campaign],
                    |r| r.get::<_, u64>(0),
                )?)
            })
            .expect("count")
    }
}

/// Headless Chromium (started by the host's launcher: it dies with the test process).
struct Viewer {
    chrome: Option<outlane::browser::launch::Chrome>,
    _profile: tempfile::TempDir,
}

impl Viewer {
    async fn open(world: &World) -> Viewer {
        let profile = tempfile::tempdir().expect("profile");
        let chrome = outlane::browser::launch::launch(&BrowserConfig::default(), profile.path())
            .await
            .expect("Chromium starts (make deps installs it)");
        let viewer = Viewer {
            chrome: Some(chrome),
            _profile: profile,
        };
        viewer.go(&world.console.login_url()).await;
        viewer
    }

    fn page(&self) -> &Page {
        &self.chrome.as_ref().expect("open").page
    }

    async fn go(&self, url: &str) {
        self.page().goto(url).await.expect("navigates");
        self.page().wait_for_navigation().await.expect("loads");
    }

    async fn eval<T: serde::de::DeserializeOwned>(&self, js: &str) -> T {
        self.page()
            .evaluate(js)
            .await
            .unwrap_or_else(|e| panic!("{js}: {e}"))
            .into_value()
            .unwrap_or_else(|e| panic!("{js}: {e}"))
    }

    /// Polls `js` (a boolean expression) until it holds.
    async fn wait_for(&self, what: &str, js: &str) {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            // A page being replaced (after a form's POST) has no context to evaluate in for
            // a moment: that is "not yet".
            let holds = match self.page().evaluate(js).await {
                Ok(result) => result.into_value::<bool>().unwrap_or(false),
                Err(_) => false,
            };
            if holds {
                return;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Saves the page as `target/console-shots/<name>.png` and checks it holds no secret.
    async fn shoot(&self, name: &str) {
        let html: String = self.eval("document.documentElement.outerHTML").await;
        no_secret(&html, name);
        let png = self
            .page()
            .screenshot(ScreenshotParams::builder().full_page(true).build())
            .await
            .expect("a screenshot");
        let dir = shots_dir();
        std::fs::create_dir_all(&dir).expect("shots dir");
        std::fs::write(dir.join(format!("{name}.png")), png).expect("written");
    }

    async fn close(mut self) {
        if let Some(chrome) = self.chrome.take() {
            chrome.close().await;
        }
    }
}

/// Presses `key` on the selected row of the review queue.
async fn press(v: &Viewer, key: &str) {
    v.page()
        .find_element("li.decision.selected")
        .await
        .expect("a selected row")
        .press_key(key)
        .await
        .expect("key");
}

/// Puts the cursor at the end of the template field.
async fn to_end(v: &Viewer) {
    let _: bool = v
        .eval("(() => { const t = document.querySelector('textarea[name=template_1]'); t.focus(); t.setSelectionRange(t.value.length, t.value.length); return true; })()")
        .await;
}

fn shots_dir() -> PathBuf {
    outlane_tests::target_dir().join("console-shots")
}

fn no_secret(text: &str, what: &str) {
    for secret in [PASSWORD, COOKIE_VALUE, PASSPHRASE] {
        assert!(!text.contains(secret), "{what} shows a secret");
    }
}

/// A raw request with any Host header (raw_http always sends the real one).
fn with_host(addr: std::net::SocketAddr, host: &str, cookie: &str) -> (u16, String) {
    let mut stream = std::net::TcpStream::connect(addr).expect("connects");
    write!(
        stream,
        "GET / HTTP/1.1\r\nHost: {host}\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"
    )
    .expect("writes");
    let mut out = String::new();
    stream.read_to_string(&mut out).expect("reads");
    let status = out
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, out)
}

fn form_body(pairs: &[(&str, &str)]) -> Vec<u8> {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish().into_bytes()
}

/// The session's CSRF token, read off a page.
fn csrf_of(world: &World, cookie: &str) -> String {
    let (_, _, body) = raw_http(
        world.addr(),
        "GET",
        "/campaigns",
        &[("Cookie", cookie)],
        b"",
    );
    let at = body
        .find("name=\"csrf\" content=\"")
        .expect("the csrf meta tag")
        + 21;
    body[at..at + 64].to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_asks_for_its_token_and_refuses_foreign_hosts_forged_posts_and_bad_input() {
    let w = World::start().await;
    let addr = w.addr();
    // No session: 401 and nothing of the CRM.
    for path in [
        "/",
        "/leads",
        "/leads/1",
        "/leads.csv",
        "/review",
        "/campaigns",
        "/accounts",
    ] {
        let (status, _, body) = raw_http(addr, "GET", path, &[], b"");
        assert_eq!(status, 401, "{path}");
        assert!(
            !body.contains("Person0") && !body.contains("Fintech"),
            "{path} leaks: {body}"
        );
    }
    let (status, _, _) = raw_http(addr, "GET", "/login?token=0123", &[], b"");
    assert_eq!(status, 401, "a wrong token opens nothing");
    let cookie = w.session();
    let (status, _, body) = raw_http(addr, "GET", "/", &[("Cookie", &cookie)], b"");
    assert_eq!(status, 200);
    assert!(body.contains("Fintech CTOs"));
    // A page that rebinds its DNS name to 127.0.0.1 gets nothing, even with the cookie.
    let (status, body) = with_host(addr, &format!("evil.example:{}", addr.port()), &cookie);
    assert_eq!(status, 421, "{body}");
    assert!(!body.contains("Fintech CTOs"));
    // A POST without the CSRF token, or from another site, changes nothing.
    let csrf = csrf_of(&w, &cookie);
    let pause = form_body(&[("active", "false")]);
    let (status, _, _) = raw_http(
        addr,
        "POST",
        &format!("/campaigns/{}/active", w.campaign),
        &[
            ("Cookie", &cookie),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        &pause,
    );
    assert_eq!(status, 403);
    let forged = form_body(&[("active", "false"), ("csrf", &csrf)]);
    let (status, _, _) = raw_http(
        addr,
        "POST",
        &format!("/campaigns/{}/active", w.campaign),
        &[
            ("Cookie", &cookie),
            ("Origin", "http://evil.example"),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        &forged,
    );
    assert_eq!(status, 403);
    let active = |w: &World| {
        let c = w.campaign;
        w.db.read_outside_tx_blocking(move |conn| Ok(campaigns::get(conn, c)?.active))
            .expect("campaign")
    };
    assert!(active(&w), "a refused POST paused the campaign");
    // With its token the same POST works.
    let (status, _, _) = raw_http(
        addr,
        "POST",
        &format!("/campaigns/{}/active", w.campaign),
        &[
            ("Cookie", &cookie),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        &forged,
    );
    assert_eq!(status, 303);
    assert!(!active(&w));
    // Bad input: a clear page with a 4xx, nothing changed, no backtrace.
    let too_big = vec![b'x'; outlane::console::MAX_BODY + 1];
    for (method, path, body, expected) in [
        ("GET", "/leads/999999", &b""[..], 404),
        ("GET", "/leads/abc", b"", 404),
        ("GET", "/leads?stage=bogus", b"", 400),
        ("GET", "/leads?page=0", b"", 400),
        ("GET", "/campaigns/77", b"", 404),
        ("GET", "/nowhere", b"", 404),
        ("POST", "/review", &too_big[..], 413),
    ] {
        let (status, _, page) = raw_http(addr, method, path, &[("Cookie", &cookie)], body);
        assert_eq!(status, expected, "{method} {path}: {page}");
        assert!(page.contains("id=\"error-message\""), "{path}: {page}");
        assert!(
            !page.contains("panicked") && !page.contains("src/"),
            "{path}: {page}"
        );
    }
    let bad_review = form_body(&[
        ("csrf", &csrf),
        ("campaign", &w.campaign.to_string()),
        ("lead", "2"),
        ("decision", "maybe"),
    ]);
    let (status, _, _) = raw_http(
        addr,
        "POST",
        "/review",
        &[
            ("Cookie", &cookie),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        &bad_review,
    );
    assert_eq!(status, 400);
    // Alone (no daemon), the console has no browser to hand over: it says so and does nothing.
    let post = |path: &str, body: &[u8]| {
        raw_http(
            addr,
            "POST",
            path,
            &[
                ("Cookie", &cookie),
                ("Content-Type", "application/x-www-form-urlencoded"),
            ],
            body,
        )
        .0
    };
    assert_eq!(
        post("/accounts/1/takeover", &form_body(&[("csrf", &csrf)])),
        400
    );
    assert_eq!(
        post(
            "/accounts/1/takeover/input",
            &form_body(&[("csrf", &csrf), ("kind", "text"), ("text", "1")])
        ),
        404
    );
    assert_eq!(
        post(
            "/accounts/1/takeover/input",
            &form_body(&[("csrf", &csrf), ("kind", "scroll")])
        ),
        400
    );
    let (status, _, _) = raw_http(
        addr,
        "GET",
        "/accounts/1/takeover/frame",
        &[("Cookie", &cookie)],
        b"",
    );
    assert_eq!(status, 404);
    let (status, _, page) = raw_http(
        addr,
        "GET",
        "/accounts/1/takeover",
        &[("Cookie", &cookie)],
        b"",
    );
    assert_eq!(status, 200);
    assert!(page.contains("served by the daemon"), "{page}");
    // No response carries a secret.
    for path in [
        "/",
        "/accounts",
        "/leads",
        "/leads/1",
        "/leads.csv",
        "/review",
        "/campaigns",
    ] {
        let (_, headers, body) = raw_http(addr, "GET", path, &[("Cookie", &cookie)], b"");
        no_secret(&body, path);
        no_secret(&format!("{headers:?}"), path);
    }
    w.console.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_overview_shows_what_outlane_status_reports() {
    let w = World::start().await;
    let v = Viewer::open(&w).await;
    v.wait_for(
        "the overview",
        "!!document.querySelector('section.campaign')",
    )
    .await;
    let status = std::process::Command::new(outlane_tests::pipeline::outlane_bin())
        .arg("--data-dir")
        .arg(w.dir.path())
        .args(["status", "--json"])
        .env(outlane::crm::secret::PASSPHRASE_ENV, PASSPHRASE)
        .output()
        .expect("outlane status");
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&status.stdout).expect("JSON");
    for campaign in report["campaigns"].as_array().expect("campaigns") {
        let id = campaign["id"].as_u64().expect("id");
        for stage in campaign["funnel"].as_array().expect("funnel") {
            let name = stage["stage"].as_str().expect("stage");
            let shown: String = v
                .eval(&format!(
                    "document.querySelector('section.campaign[data-campaign=\"{id}\"] a.count[data-stage=\"{name}\"]').textContent"
                ))
                .await;
            assert_eq!(
                shown.trim(),
                stage["count"].to_string(),
                "campaign {id}, {name}"
            );
        }
    }
    for account in report["accounts"].as_array().expect("accounts") {
        let id = account["id"].as_u64().expect("id");
        for usage in account["usage"].as_array().expect("usage") {
            let action = usage["action"].as_str().expect("action");
            let today: String = v
                .eval(&format!(
                    "document.querySelector('section.account[data-account=\"{id}\"] tr.usage[data-action=\"{action}\"] .today').textContent"
                ))
                .await;
            assert_eq!(today, usage["today"].to_string(), "{action}");
        }
    }
    // Today's movement: every seeded lead entered its stage on the seeding day, more than a
    // day before now, so nothing is "+N today"; the real clock is past the seed.
    let deltas: u32 = v.eval("document.querySelectorAll('.delta').length").await;
    assert_eq!(deltas, 0);
    v.shoot("overview").await;
    // The overview refreshes itself: a lead qualified meanwhile shows up without a reload.
    let before: String = v
        .eval(&format!(
            "document.querySelector('section.campaign[data-campaign=\"{}\"] a.count[data-stage=\"qualified\"]').textContent",
            w.campaign
        ))
        .await;
    let c = w.campaign;
    w.db.write_blocking(move |tx| {
        pipeline::set_stage(tx, c, 1, Stage::Enriched, "test", "test", MONDAY)?;
        pipeline::set_stage(tx, c, 1, Stage::Qualified, "test", "test", MONDAY)
    })
    .expect("moved");
    let expected = before.trim().parse::<u64>().expect("a number") + 1;
    v.wait_for(
        "the live refresh",
        &format!(
            "document.querySelector('section.campaign[data-campaign=\"{c}\"] a.count[data-stage=\"qualified\"]').textContent.trim() === '{expected}'"
        ),
    )
    .await;
    v.close().await;
    w.console.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leads_filter_sort_page_and_download_and_a_lead_shows_its_history() {
    let w = World::start().await;
    let v = Viewer::open(&w).await;
    let base = w.console.url();
    v.go(&format!("{base}leads")).await;
    let total: String = v.eval("document.getElementById('total').textContent").await;
    assert_eq!(total, "60");
    let rows: u32 = v.eval("document.querySelectorAll('tr.lead').length").await;
    assert_eq!(rows, 50, "50 a page");
    v.shoot("leads").await;
    // The second page holds the rest.
    v.go(&format!("{base}leads?page=2")).await;
    let rows: u32 = v.eval("document.querySelectorAll('tr.lead').length").await;
    assert_eq!(rows, 10);
    // Filters: qualified leads named Alan, by name.
    v.go(&format!(
        "{base}leads?campaign={}&stage=qualified&q=alan&sort=name",
        w.campaign
    ))
    .await;
    let names: Vec<String> = v
        .eval("[...document.querySelectorAll('tr.lead td:first-child')].map(td => td.textContent.trim())")
        .await;
    assert!(!names.is_empty());
    assert!(names.iter().all(|n| n.starts_with("Alan ")), "{names:?}");
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    // The CSV is the same view, every page of it.
    let csv: String = v
        .eval("fetch(document.getElementById('csv').href).then(r => r.text())")
        .await;
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), names.len() + 1, "{csv}");
    assert!(lines[0].starts_with("id,campaign_id,stage"));
    assert!(
        lines[1..]
            .iter()
            .all(|l| l.contains(",qualified,") && l.contains("Alan "))
    );
    // A lead's page: its stage history (who, when, why) and its qualification.
    v.go(&format!("{base}leads/3")).await;
    let stage: String = v
        .eval(&format!(
            "document.getElementById('stage-{}').textContent",
            w.campaign
        ))
        .await;
    assert_eq!(stage, "qualified");
    let qualification: String = v
        .eval("document.querySelector('.qualification').textContent")
        .await;
    assert!(
        qualification.contains("llm") && qualification.contains("a CTO of a fintech"),
        "{qualification}"
    );
    let history: u32 = v
        .eval("document.querySelectorAll('section.deal tr').length")
        .await;
    assert_eq!(history, 4, "a header and three changes");
    v.shoot("lead").await;
    v.close().await;
    w.console.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_reviews_machine_decisions_with_the_keyboard() {
    let w = World::start().await;
    let v = Viewer::open(&w).await;
    v.go(&format!(
        "{}review?campaign={}",
        w.console.url(),
        w.campaign
    ))
    .await;
    v.wait_for(
        "the queue",
        "!!document.querySelector('li.decision.selected')",
    )
    .await;
    v.shoot("review").await;
    let humans = w.human_labels(w.campaign);
    // The newest decision: the model turned down a recruiter. `a` accepts the lead:
    // disqualified → qualified.
    let first: u64 = v
        .eval("Number(document.querySelector('li.decision.selected').dataset.lead)")
        .await;
    assert_eq!(w.stage(w.campaign, first), Stage::Disqualified);
    press(&v, "a").await;
    let deadline = Instant::now() + Duration::from_secs(15);
    while w.stage(w.campaign, first) != Stage::Qualified {
        assert!(Instant::now() < deadline, "the acceptance never arrived");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let label = w.label(w.campaign, first).expect("label");
    assert_eq!((label.0, label.2.as_str()), (true, "human"));
    assert_eq!(
        w.human_labels(w.campaign),
        humans + 1,
        "one more label to learn from"
    );
    // The queue reloads without it; its top is now a CTO the LLM qualified. `j` then `k`
    // come back to it, and `r` rejects it: qualified → disqualified.
    v.wait_for(
        "the queue without the reviewed lead",
        &format!("!document.querySelector('li.decision[data-lead=\"{first}\"]') && !!document.querySelector('li.decision.selected')"),
    )
    .await;
    let second: u64 = v
        .eval("Number(document.querySelectorAll('li.decision')[0].dataset.lead)")
        .await;
    let next: u64 = v
        .eval("Number(document.querySelectorAll('li.decision')[1].dataset.lead)")
        .await;
    assert_eq!(w.stage(w.campaign, second), Stage::Qualified);
    press(&v, "j").await;
    v.wait_for(
        "the next row selected",
        &format!("document.querySelector('li.decision.selected').dataset.lead === '{next}'"),
    )
    .await;
    press(&v, "k").await;
    v.wait_for(
        "the first row selected again",
        &format!("document.querySelector('li.decision.selected').dataset.lead === '{second}'"),
    )
    .await;
    press(&v, "r").await;
    let deadline = Instant::now() + Duration::from_secs(15);
    while w.stage(w.campaign, second) != Stage::Disqualified {
        assert!(Instant::now() < deadline, "the rejection never arrived");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let label = w.label(w.campaign, second).expect("label");
    assert_eq!((label.0, label.2.as_str()), (false, "human"));
    assert_eq!(w.human_labels(w.campaign), humans + 2);
    assert_eq!(
        w.stage(w.campaign, next),
        Stage::Disqualified,
        "the row passed over is untouched"
    );
    assert_eq!(w.label(w.campaign, next).expect("label").2, "model");
    // The other campaign's queue is its own (empty).
    assert_eq!(w.human_labels(w.other), 0);
    v.close().await;
    w.console.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn campaign_edits_round_trip_with_a_live_preview_and_a_bad_template_saves_nothing() {
    let w = World::start().await;
    let v = Viewer::open(&w).await;
    v.go(&format!("{}campaigns/{}", w.console.url(), w.campaign))
        .await;
    // The preview follows the template as it is typed, for the chosen lead.
    let lead_name: String = v
        .eval("document.querySelector('select[name=lead] option:checked').textContent")
        .await;
    let first_name = lead_name
        .split_whitespace()
        .next()
        .expect("a name")
        .to_string();
    let template = v
        .page()
        .find_element("textarea[name=template_1]")
        .await
        .expect("the template field");
    template.click().await.expect("focus");
    to_end(&v).await;
    template
        .type_str("Hi {first_name}, how is {company} doing?")
        .await
        .expect("typed");
    v.wait_for(
        "the preview",
        &format!(
            "document.getElementById('preview').textContent.startsWith('Hi {first_name}, how is')"
        ),
    )
    .await;
    let preview: String = v
        .eval("document.getElementById('preview').textContent")
        .await;
    assert!(
        preview.ends_with("https://cal.example.com/me"),
        "the booking link: {preview}"
    );
    v.shoot("campaign").await;
    // Save: stored as typed.
    v.page()
        .find_element("#campaign-form button[type=submit]")
        .await
        .expect("save")
        .click()
        .await
        .expect("click");
    v.wait_for("saved", "!!document.getElementById('saved')")
        .await;
    let c = w.campaign;
    let stored = move |w: &World| {
        w.db.read_outside_tx_blocking(move |conn| Ok(campaigns::get(conn, c)?.follow_up_template))
            .expect("campaign")
    };
    assert_eq!(stored(&w), "Hi {first_name}, how is {company} doing?");
    // An unknown placeholder: the preview says so, saving shows the error and stores nothing.
    let template = v
        .page()
        .find_element("textarea[name=template_1]")
        .await
        .expect("the template field");
    template.click().await.expect("focus");
    to_end(&v).await;
    template.type_str(" {firstname}").await.expect("typed");
    v.wait_for(
        "the preview's error",
        "document.getElementById('preview').textContent.includes('unknown placeholder `{firstname}`')",
    )
    .await;
    v.page()
        .find_element("#campaign-form button[type=submit]")
        .await
        .expect("save")
        .click()
        .await
        .expect("click");
    v.wait_for("the error", "!!document.getElementById('form-error')")
        .await;
    let error: String = v
        .eval("document.getElementById('form-error').textContent")
        .await;
    assert!(
        error.contains("unknown placeholder `{firstname}`"),
        "{error}"
    );
    let kept: String = v
        .eval("document.querySelector('textarea[name=template_1]').value")
        .await;
    assert!(
        kept.ends_with("{firstname}"),
        "the form keeps what was typed: {kept}"
    );
    assert_eq!(
        stored(&w),
        "Hi {first_name}, how is {company} doing?",
        "nothing saved"
    );
    v.shoot("campaign-error").await;
    // The campaigns page and the accounts page draw, without secrets.
    v.go(&format!("{}campaigns", w.console.url())).await;
    v.shoot("campaigns").await;
    v.go(&format!("{}accounts", w.console.url())).await;
    v.shoot("accounts").await;
    v.close().await;
    w.console.stop().await;
}

/// The lead seeded as `person-<i>`.
fn lead_of(w: &World, i: u32) -> u64 {
    let url = format!("https://www.linkedin.com/in/person-{i:03}/");
    w.db.read_outside_tx_blocking(move |c| {
        Ok(outlane::crm::leads::find(
            c,
            &outlane_linkedin::ProfileId::parse(&url).expect("a profile URL"),
        )?
        .expect("seeded"))
    })
    .expect("the lead")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_inbox_lists_replies_a_lead_shows_the_conversation_and_the_campaign_edits_its_sequence()
{
    use outlane::crm::conversations::{self, ReplyClass, SyncedMessage};
    use outlane::crm::{messages, sequence};
    let w = World::start().await;
    let (campaign, account) = (w.campaign, 1u64);
    // Three conversations: one interested (not answered yet), one asking to stop, one we
    // answered by hand. Outlane messaged the first two and a fourth person who did not reply.
    let (a, b, c, d) = (
        lead_of(&w, 5),
        lead_of(&w, 9),
        lead_of(&w, 13),
        lead_of(&w, 17),
    );
    const HOUR: u64 = 3_600_000;
    w.db.write_blocking(move |tx| {
        let msg = |urn: &str, inbound: bool, at: u64, text: &str| SyncedMessage {
            urn: format!("urn:li:msg_message:{urn}"),
            inbound,
            sender: if inbound { "Them".into() } else { "Me".into() },
            sent_ms: MONDAY + at * HOUR,
            text: text.into(),
        };
        for (lead, step_at) in [(a, 1), (b, 2), (d, 3)] {
            messages::record(
                tx,
                lead,
                campaign,
                None,
                Some(1),
                "Step 1 text",
                "follow-up",
                MONDAY + step_at * HOUR,
            )?;
        }
        let threads = [
            (
                a,
                vec![
                    msg("a1", false, 1, "Step 1 text"),
                    msg("a2", true, 5, "Sounds interesting, tell me more"),
                ],
            ),
            (
                b,
                vec![
                    msg("b1", false, 2, "Step 1 text"),
                    msg("b2", true, 4, "Please stop messaging me."),
                ],
            ),
            (
                c,
                vec![
                    msg("c1", true, 6, "Who are you?"),
                    msg("c2", false, 7, "Answered by hand"),
                ],
            ),
        ];
        for (lead, thread) in &threads {
            let last = thread.iter().map(|m| m.sent_ms).max().unwrap_or(MONDAY);
            conversations::save_thread(
                tx,
                account,
                *lead,
                &format!("urn:li:msg_conversation:{lead}"),
                last,
                thread,
                "test",
                last,
            )?;
        }
        let replies = conversations::unclassified(tx, campaign, 10)?;
        for r in replies {
            let class = if r.lead_id == a {
                ReplyClass::Interested
            } else if r.lead_id == b {
                ReplyClass::AsksToStop
            } else {
                continue;
            };
            conversations::classify(
                tx,
                campaign,
                r.id,
                class,
                "the test says so",
                "test",
                MONDAY + 8 * HOUR,
            )?;
        }
        Ok(())
    })
    .expect("seeded conversations");

    let v = Viewer::open(&w).await;
    let base = w.console.url();
    // The inbox: every conversation with a reply, newest reply first, with its class.
    v.go(&format!("{base}inbox")).await;
    let rows: Vec<u64> = v
        .eval("[...document.querySelectorAll('tr.conversation')].map(r => Number(r.dataset.lead))")
        .await;
    assert_eq!(rows, vec![c, a, b], "newest reply first");
    let names: Vec<String> = v
        .eval("[...document.querySelectorAll('tr.conversation td:first-child a')].map(a => a.textContent)")
        .await;
    assert_eq!(
        names,
        ["Donald Person013", "Donald Person005", "Grace Person009"],
        "the names the campaign found"
    );
    let classes: Vec<String> = v
        .eval("[...document.querySelectorAll('tr.conversation td:nth-child(3)')].map(t => t.textContent.trim())")
        .await;
    assert_eq!(
        classes,
        ["not classified yet", "interested", "asks-to-stop"]
    );
    v.shoot("inbox").await;
    // Not answered yet: the one we answered by hand is left out.
    let checkbox = v
        .page()
        .find_element("input[name=unread]")
        .await
        .expect("the filter");
    checkbox.click().await.expect("checked");
    v.page()
        .find_element("form.filters button[type=submit]")
        .await
        .expect("show")
        .click()
        .await
        .expect("click");
    v.wait_for("the filtered inbox", "location.search.includes('unread=1')")
        .await;
    v.wait_for(
        "two conversations",
        "document.querySelectorAll('tr.conversation').length === 2",
    )
    .await;
    // The person who asked to stop: the thread, its classes, and the stop.
    v.go(&format!("{base}leads/{b}")).await;
    let thread: Vec<String> = v
        .eval("[...document.querySelectorAll('#thread blockquote.message')].map(m => m.className + ': ' + m.textContent)")
        .await;
    assert_eq!(thread.len(), 2, "{thread:?}");
    assert!(
        thread[0].starts_with("message outbound") && thread[0].contains("Step 1 text"),
        "{thread:?}"
    );
    assert!(
        thread[1].starts_with("message inbound") && thread[1].contains("asks-to-stop"),
        "{thread:?}"
    );
    let stopped: String = v
        .eval("document.getElementById('contact-stopped').textContent")
        .await;
    assert!(stopped.contains("asked to stop"), "{stopped}");
    assert_eq!(w.stage(campaign, b), Stage::Replied);
    v.shoot("lead-conversation").await;
    // The overview's reply rate: 2 of the 3 people messaged replied after it, as `status` says.
    v.go(&base).await;
    let rate: String = v
        .eval(&format!("document.querySelector('section.campaign[data-campaign=\"{campaign}\"] .reply-rate').textContent"))
        .await;
    assert_eq!(rate.trim(), "67 %");
    let of: (String, String) = v
        .eval(&format!("(() => {{ const s = document.querySelector('section.campaign[data-campaign=\"{campaign}\"]'); return [s.querySelector('.replied').textContent, s.querySelector('.messaged').textContent]; }})()"))
        .await;
    assert_eq!(of, ("2".to_string(), "3".to_string()));

    // The sequence: add a second step three days later; the preview follows the step edited.
    v.go(&format!("{base}campaigns/{campaign}")).await;
    let first_name: String = v
        .eval(
            "document.querySelector('select[name=lead] option:checked').textContent.split(' ')[0]",
        )
        .await;
    let delay = v
        .page()
        .find_element("input[name=delay_2]")
        .await
        .expect("a blank row");
    delay.click().await.expect("focus");
    delay.type_str("3d").await.expect("typed");
    let template = v
        .page()
        .find_element("textarea[name=template_2]")
        .await
        .expect("its template");
    template.click().await.expect("focus");
    template
        .type_str("Any thoughts, {first_name}?")
        .await
        .expect("typed");
    v.wait_for(
        "step 2 previewed",
        "document.getElementById('preview-step').textContent === 'step 2'",
    )
    .await;
    v.wait_for(
        "the preview of step 2",
        &format!("document.getElementById('preview').textContent.startsWith('Any thoughts, {first_name}?')"),
    )
    .await;
    v.shoot("campaign-steps").await;
    let save = || async {
        v.page()
            .find_element("#campaign-form button[type=submit]")
            .await
            .expect("save")
            .click()
            .await
            .expect("click");
    };
    save().await;
    v.wait_for("saved", "!!document.getElementById('saved')")
        .await;
    let steps = move |w: &World| {
        w.db.read_outside_tx_blocking(move |conn| sequence::steps(conn, campaign))
            .expect("steps")
            .into_iter()
            .map(|s| (s.delay_ms, s.template))
            .collect::<Vec<_>>()
    };
    let two = vec![
        (0, String::new()),
        (3 * 24 * HOUR, "Any thoughts, {first_name}?".to_string()),
    ];
    assert_eq!(steps(&w), two);
    let shown: String = v
        .eval("document.querySelector('input[name=delay_2]').value")
        .await;
    assert_eq!(shown, "3days", "the stored wait, as it reads back");
    // A wait that is no duration: the error names the step, nothing is saved, the form keeps it.
    let delay = v
        .page()
        .find_element("input[name=delay_2]")
        .await
        .expect("step 2");
    delay.click().await.expect("focus");
    let _: bool = v
        .eval(
            "(() => { document.querySelector('input[name=delay_2]').value = ''; return true; })()",
        )
        .await;
    delay.type_str("soon").await.expect("typed");
    save().await;
    v.wait_for("the error", "!!document.getElementById('form-error')")
        .await;
    let error: String = v
        .eval("document.getElementById('form-error').textContent")
        .await;
    assert!(
        error.contains("step 2") && error.contains("`soon`"),
        "{error}"
    );
    let kept: String = v
        .eval("document.querySelector('input[name=delay_2]').value")
        .await;
    assert_eq!(kept, "soon");
    assert_eq!(steps(&w), two, "nothing saved");
    v.shoot("campaign-steps-error").await;
    // Clearing step 2's wait and text removes it.
    let _: bool = v
        .eval("(() => { document.querySelector('input[name=delay_2]').value = ''; document.querySelector('textarea[name=template_2]').value = ''; return true; })()")
        .await;
    save().await;
    v.wait_for("saved", "!!document.getElementById('saved')")
        .await;
    assert_eq!(steps(&w), vec![(0, String::new())]);
    v.close().await;
    w.console.stop().await;
}
