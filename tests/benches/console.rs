//! The console on a large database: the overview and the first leads page with 100,000 leads,
//! timed as a browser gets them (HTTP on 127.0.0.1, a logged-in session), beside a baseline
//! measured in the same run: the report `outlane status` builds from the same database
//! (the overview's main query) read directly. Target: under 100 ms each.

use outlane::clock::Clock;
use outlane::config::ConsoleConfig;
use outlane::console::{Console, ConsoleOptions};
use outlane::crm::{Db, status};
use outlane_local_server::raw_http;
use std::time::{Duration, Instant};

const LEADS: usize = 100_000;
const NOW: u64 = 1_795_428_000_000;
const TARGET: Duration = Duration::from_millis(100);
const RUNS: usize = 21;

fn median_of(n: usize, mut f: impl FnMut()) -> Duration {
    let mut samples: Vec<Duration> = (0..n)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    samples.sort();
    samples[samples.len() / 2]
}

fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let db = Db::open(&dir.path().join("outlane.db"))?;
    let t = Instant::now();
    outlane_tests::large::fill(&db, LEADS, NOW)?;
    db.call_blocking(|c| c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE); ANALYZE;"))?;
    println!(
        "filled {LEADS} leads / {LEADS} deals through the CRM API in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let runtime = tokio::runtime::Runtime::new()?;
    let console = runtime.block_on(Console::start(
        &ConsoleOptions {
            config: ConsoleConfig {
                listen: "127.0.0.1:0".parse()?,
                ..ConsoleConfig::default()
            },
            data_dir: dir.path().to_path_buf(),
            prompts: outlane_tests::workspace_root().join("prompts"),
        },
        db.clone(),
        Clock::real(),
        None,
    ))?;
    let addr = console.addr();
    let login = console.login_url();
    let path = login
        .split_once(&addr.to_string())
        .map(|(_, p)| p.to_string());
    let (_, headers, _) = raw_http(addr, "GET", &path.unwrap_or_default(), &[], b"");
    let cookie = headers
        .iter()
        .find(|(k, _)| k == "set-cookie")
        .and_then(|(_, v)| v.split(';').next())
        .unwrap_or_default()
        .to_string();
    let get = |path: &str| {
        let (status, _, body) = raw_http(addr, "GET", path, &[("Cookie", &cookie)], b"");
        assert_eq!(status, 200, "{path}: {body}");
        body.len()
    };
    // Warm up (the first request compiles the statements).
    get("/");
    get("/leads");
    let overview = median_of(RUNS, || {
        get("/");
    });
    let leads = median_of(RUNS, || {
        get("/leads");
    });
    let filtered = median_of(RUNS, || {
        get("/leads?stage=qualified&q=person-99&sort=name");
    });
    let baseline = median_of(RUNS, || {
        db.read_outside_tx_blocking(|c| status::build(c, NOW))
            .map(|_| ())
            .unwrap_or_else(|e| panic!("status: {e}"));
    });
    println!(
        "console on {LEADS} leads, median of {RUNS} requests over HTTP (baseline: the `outlane status` report, read directly, {:.2} ms):",
        baseline.as_secs_f64() * 1e3
    );
    for (name, took) in [
        ("overview (/)", overview),
        ("first leads page (/leads)", leads),
        ("leads filtered by stage and text, by name", filtered),
    ] {
        println!(
            "  {name:<42} {:>7.2} ms   ratio to baseline {:.2}x   target 100 ms ({:.2} of target)",
            took.as_secs_f64() * 1e3,
            took.as_secs_f64() / baseline.as_secs_f64(),
            took.as_secs_f64() / TARGET.as_secs_f64()
        );
    }
    runtime.block_on(console.stop());
    Ok(())
}
