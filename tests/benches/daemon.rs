//! The daemon's own cost: resident memory (Chromium excluded: it runs in processes of its
//! own) and start-up time to the first lane call, for `outlane run` with the six default
//! lanes against the simulator and the LLM stub. Targets: under 60 MB and under 1 s.
//!
//! A third figure is the daemon at rest: the campaign paused after the work, every lane idle,
//! the embedding model released (`[qualifier] release_after`, 5 s here instead of 2 min).
//!
//! Baseline, measured in the same run: the same binary and data directory running only the
//! heartbeat example lane (no browser, no LLM, no model), i.e. the runtime's floor.
//!
//! `OUTLANE_BENCH_WORK` sets the seconds of work sampled (default 60).
//!
//! The binary measured is `$OUTLANE_BIN`, else `target/release/outlane` (`make bench` builds
//! it), else the debug build (slower and bigger: the figures are then an upper bound).

use outlane::demo::DemoOptions;
use outlane_tests::guests;
use outlane_tests::pipeline::Pipeline;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// How long memory is sampled while the default lanes work (real time).
const WORK: Duration = Duration::from_secs(60);
/// How long the daemon keeps an unused embedding model in this benchmark.
const RELEASE_AFTER: &str = "5s";

fn binary() -> PathBuf {
    outlane_tests::pipeline::bench_bin()
}

/// Resident memory of a process in MB: the total (VmRSS), and of it what is mapped from
/// files (RssFile: the program's and ONNX Runtime's code, shared with the page cache).
#[derive(Debug, Clone, Copy, Default)]
struct Rss {
    total: f64,
    file: f64,
}

/// A field of `/proc/<pid>/status` in MB.
fn status_mb(status: &str, name: &str) -> Option<f64> {
    let line = status.lines().find(|l| l.starts_with(name))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// The highest resident memory `pid` ever had (VmHWM, kept by the kernel: no peak between
/// two samples is missed), in MB.
fn high_water_mb(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status_mb(&status, "VmHWM:")
}

/// The resident memory of `pid` now.
fn rss_mb(pid: u32) -> Option<Rss> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| status_mb(&status, name);
    Some(Rss {
        total: field("VmRSS:")?,
        file: field("RssFile:")? + field("RssShmem:").unwrap_or(0.0),
    })
}

impl std::fmt::Display for Rss {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:.1} MB ({:.1} MB mapped from files, {:.1} MB private)",
            self.total,
            self.file,
            self.total - self.file
        )
    }
}

struct Figures {
    first_call: Duration,
    /// The largest of the samples taken every 200 ms during the work.
    peak: Rss,
    /// The kernel's high-water mark at the end of the work (start-up included).
    high_water: f64,
    calls: usize,
    /// Resident memory once the campaign is paused and the model released.
    rest: Rss,
}

/// Starts the daemon of `p` and waits for its first lane call; returns how long that took.
async fn start(p: &mut Pipeline) -> Duration {
    let calls_before = p.log().matches(" starts").count();
    let started = Instant::now();
    p.start_daemon_with(
        &binary(),
        ",outlane::daemon=debug,outlane::qualifier::lazy_embedder=info",
    )
    .expect("start the daemon");
    loop {
        if p.log().matches(" starts").count() > calls_before {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no lane call within 60 s:\n{}",
            outlane_tests::pipeline::tail(&p.log(), 30)
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Starts the daemon of `p`, waits for its first lane call, then samples its memory for
/// `work`, then (with `rest`) at rest. The heartbeat baseline has no campaign and no model,
/// so it has no rest figure.
async fn measure(p: &mut Pipeline, work: Duration, rest: bool) -> Figures {
    let first_call = start(p).await;
    let pid = p.daemon_pid().expect("pid");
    let mut peak = Rss::default();
    let until = Instant::now() + work;
    while Instant::now() < until {
        if let Some(now) = rss_mb(pid)
            && now.total > peak.total
        {
            peak = now;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let calls = p.log().matches(" starts").count();
    let high_water = high_water_mb(pid).expect("the daemon's memory could not be read");
    let rest = if rest { at_rest(p, pid).await } else { peak };
    p.stop_daemon().expect("stop the daemon");
    Figures {
        first_call,
        peak,
        high_water,
        calls,
        rest,
    }
}

/// Pauses or resumes the campaign of `p`.
fn set_active(p: &Pipeline, active: bool) {
    let campaign = p.campaign;
    let db = outlane::crm::Db::open(&p.database()).expect("open the database");
    db.write_blocking(move |tx| {
        outlane::crm::campaigns::update(
            tx,
            campaign,
            &outlane::crm::campaigns::CampaignChanges {
                active: Some(active),
                ..Default::default()
            },
        )
    })
    .expect("pause or resume the campaign");
}

/// Pauses the campaign and returns the daemon's resident memory once it has settled: the
/// lowest of the samples taken over the 20 s after the model was released.
async fn at_rest(p: &Pipeline, pid: u32) -> Rss {
    set_active(p, false);
    // Released: every load of the model has been followed by a release.
    let released = |log: &str| {
        log.matches("released the embedding model").count()
            == log.matches("loaded the embedding model").count()
    };
    let started = Instant::now();
    while !released(&p.log()) {
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "the paused daemon never released the model:\n{}",
            outlane_tests::pipeline::tail(&p.log(), 30)
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let mut lowest: Option<Rss> = None;
    let until = Instant::now() + Duration::from_secs(20);
    while Instant::now() < until {
        if let Some(now) = rss_mb(pid)
            && lowest.is_none_or(|l| now.total < l.total)
        {
            lowest = Some(now);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    lowest.expect("the daemon's memory could not be read")
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    println!("binary: {}", binary().display());
    // Baseline: the heartbeat example alone.
    let mut base = Pipeline::start(DemoOptions::default())
        .await
        .expect("world");
    let heartbeat = guests().path("heartbeat");
    base.write_manifest(&format!(
        "[[lane]]\nname = \"heartbeat\"\ncomponent = \"{}\"\nkind = \"major\"\nevery = \"10s\"\ngrants = []\n[lane.config]\nmessage = \"bench\"\nmax_beats = 0\n",
        heartbeat.display()
    ))
    .expect("manifest");
    let baseline = measure(&mut base, Duration::from_secs(10), false).await;
    drop(base);
    // The default lanes doing real work.
    let mut full = Pipeline::start(DemoOptions::default())
        .await
        .expect("world");
    let work = std::env::var("OUTLANE_BENCH_WORK")
        .ok()
        .and_then(|s| s.parse().ok())
        .map_or(WORK, Duration::from_secs);
    full.set_config("qualifier", &format!("release_after = \"{RELEASE_AFTER}\""))
        .expect("config");
    let lanes = measure(&mut full, work, true).await;
    let summary = full.summary().expect("summary");
    // A restart: same data directory, so the compiled lanes come from the cache.
    set_active(&full, true);
    let restart = start(&mut full).await;
    full.stop_daemon().expect("stop the daemon");
    for (what, took) in [
        ("first start, lanes compiled", lanes.first_call),
        ("restart, compiled lanes cached", restart),
    ] {
        println!(
            "start-up to first lane call ({what}): {:.0} ms (baseline, heartbeat only, first start: {:.0} ms; ratio {:.2}) — target < 1000 ms: {}",
            took.as_secs_f64() * 1000.0,
            baseline.first_call.as_secs_f64() * 1000.0,
            took.as_secs_f64() / baseline.first_call.as_secs_f64(),
            if took < Duration::from_secs(1) {
                "met"
            } else {
                "MISSED"
            }
        );
    }
    let verdict = |mb: f64| if mb < 60.0 { "met" } else { "MISSED" };
    println!(
        "resident memory, peak over start-up and {} s of work ({} lane calls; {} invitations, {} leads qualified or disqualified): {:.1} MB (baseline, heartbeat only: {:.1} MB; ratio {:.2}) — target < 60 MB: {}",
        work.as_secs(),
        lanes.calls,
        summary.invitations,
        summary.llm_decisions + summary.model_decisions,
        lanes.high_water,
        baseline.high_water,
        lanes.high_water / baseline.high_water,
        verdict(lanes.high_water)
    );
    println!(
        "  largest 200 ms sample during the work: {} (baseline: {})",
        lanes.peak, baseline.peak
    );
    println!(
        "resident memory at rest (campaign paused, embedding model released): {} (baseline, heartbeat only: {}; ratio {:.2}) — target < 60 MB: {}",
        lanes.rest,
        baseline.peak,
        lanes.rest.total / baseline.peak.total,
        verdict(lanes.rest.total)
    );
}
