//! The daemon's own cost: resident memory (Chromium excluded: it runs in processes of its
//! own) and start-up time to the first lane call, for `outlane run` with the six default
//! lanes against the simulator and the LLM stub. Targets: under 60 MB and under 1 s.
//!
//! Baseline, measured in the same run: the same binary and data directory running only the
//! heartbeat example lane (no browser, no LLM, no model), i.e. the runtime's floor.
//!
//! The binary measured is `$OUTLANE_BIN`, else `target/release/outlane` (`make bench` builds
//! it), else the debug build (slower and bigger: the figures are then an upper bound).

use outlane::demo::DemoOptions;
use outlane_tests::pipeline::Pipeline;
use outlane_tests::{guests, target_dir};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// How long memory is sampled while the default lanes work (real time).
const WORK: Duration = Duration::from_secs(60);

fn binary() -> PathBuf {
    if let Some(bin) = std::env::var_os("OUTLANE_BIN") {
        return PathBuf::from(bin);
    }
    let release = target_dir().join("release").join("outlane");
    if release.is_file() {
        return release;
    }
    outlane_tests::pipeline::outlane_bin()
}

/// Resident set size of `pid` in MB (VmRSS).
fn rss_mb(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

struct Figures {
    first_call: Duration,
    peak_mb: f64,
    calls: usize,
}

/// Starts the daemon of `p`, waits for its first lane call, then samples its memory for `work`.
async fn measure(p: &mut Pipeline, work: Duration) -> Figures {
    let started = Instant::now();
    p.start_daemon_with(&binary(), ",outlane::daemon=debug")
        .expect("start the daemon");
    let pid = p.daemon_pid().expect("pid");
    let first_call = loop {
        if p.log().contains(" starts") {
            break started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no lane call within 60 s:\n{}",
            outlane_tests::pipeline::tail(&p.log(), 30)
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    let mut peak: f64 = 0.0;
    let until = Instant::now() + work;
    while Instant::now() < until {
        if let Some(mb) = rss_mb(pid) {
            peak = peak.max(mb);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let calls = p.log().matches(" starts").count();
    p.stop_daemon().expect("stop the daemon");
    Figures {
        first_call,
        peak_mb: peak,
        calls,
    }
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
    let baseline = measure(&mut base, Duration::from_secs(10)).await;
    drop(base);
    // The default lanes doing real work.
    let mut full = Pipeline::start(DemoOptions::default())
        .await
        .expect("world");
    let lanes = measure(&mut full, WORK).await;
    let summary = full.summary().expect("summary");
    println!(
        "start-up to first lane call: {:.0} ms (baseline, heartbeat only: {:.0} ms; ratio {:.2}) — target < 1000 ms: {}",
        lanes.first_call.as_secs_f64() * 1000.0,
        baseline.first_call.as_secs_f64() * 1000.0,
        lanes.first_call.as_secs_f64() / baseline.first_call.as_secs_f64(),
        if lanes.first_call < Duration::from_secs(1) {
            "met"
        } else {
            "MISSED"
        }
    );
    println!(
        "resident memory, peak over {} s of work ({} lane calls; {} invitations, {} leads qualified or disqualified): {:.1} MB (baseline, heartbeat only: {:.1} MB; ratio {:.2}) — target < 60 MB: {}",
        WORK.as_secs(),
        lanes.calls,
        summary.invitations,
        summary.llm_decisions + summary.model_decisions,
        lanes.peak_mb,
        baseline.peak_mb,
        lanes.peak_mb / baseline.peak_mb,
        if lanes.peak_mb < 60.0 {
            "met"
        } else {
            "MISSED"
        }
    );
}
