//! Many accounts at their own pace: `outlane run` with the default lanes and N accounts on the
//! simulator (each its own member, network and campaign, in the demo's time zones), for a
//! simulated day on an accelerated clock (idle time skipped, as in the demo). Figures:
//!
//! - per-account lateness of calls against their schedule, p50 and p95 over all calls, in real
//!   seconds (the daemon's debug lines; target p95 < 30 s);
//! - the daemon's peak resident memory, Chromium excluded, and its marginal memory per account
//!   over the one-account baseline (target < 10 MB per account);
//! - the memory of the Chromiums: the proportional set size (shared pages split among the
//!   processes that share them) summed over the daemon's descendants, peak of 1 s samples;
//! - CPU seconds of the daemon (Chromium excluded) per lane call and per journaled action.
//!
//! Runs: 1 account (the baseline, same run), N accounts with `max_open` 4, N with `max_open` N.
//! `OUTLANE_BENCH_ACCOUNTS` (default 20), `OUTLANE_BENCH_HOURS` (simulated hours per run,
//! default 24), `OUTLANE_BENCH_FACTOR` (clock speed, default 120) and `OUTLANE_BENCH_MAX_WORK`
//! (real seconds at most per run, default 1200: a run that reaches it says so). The demo's
//! time zones put the union of the accounts' working hours at 14 hours a day, so a simulated
//! day costs about 7 real minutes at 120x when some account always works. The binary is
//! `$OUTLANE_BIN`, else the release build, else the debug build.

use outlane::demo::DemoOptions;
use outlane_tests::pipeline::{Pipeline, call_events, quantile};
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn binary() -> PathBuf {
    outlane_tests::pipeline::bench_bin()
}

fn env_number(name: &str, default: f64) -> f64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `/proc/<pid>/status` field in MB.
fn status_mb(pid: u32, name: &str) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(name))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Proportional set size of `pid` in MB (`/proc/<pid>/smaps_rollup`).
fn pss_mb(pid: u32) -> Option<f64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    let line = text.lines().find(|l| l.starts_with("Pss:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Parent pid and CPU seconds (user + system) of `pid`.
fn stat(pid: u32) -> Option<(u32, f64)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command is in parentheses and may hold spaces: fields start after the last ')'.
    let rest = &text[text.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ppid = fields.get(1)?.parse().ok()?;
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some((ppid, ticks / 100.0))
}

/// Every descendant of `root`.
fn descendants(root: u32) -> Vec<u32> {
    let all: Vec<(u32, u32)> = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| Some((pid, stat(pid)?.0)))
        .collect();
    let mut out = Vec::new();
    let mut frontier = vec![root];
    while let Some(parent) = frontier.pop() {
        for (pid, ppid) in &all {
            if *ppid == parent {
                out.push(*pid);
                frontier.push(*pid);
            }
        }
    }
    out
}

struct Figures {
    accounts: usize,
    max_open: usize,
    calls: usize,
    actions: u64,
    late_p50_s: f64,
    late_p95_s: f64,
    daemon_mb: f64,
    chromium_mb: f64,
    chromiums_at_most: usize,
    cpu_s: f64,
    /// Simulated hours the run covered and the real seconds it took.
    sim_hours: f64,
    real_s: f64,
}

/// How long each run goes on.
struct Span {
    sim_hours: f64,
    max_work: Duration,
    factor: f64,
}

async fn run(accounts: usize, max_open: usize, span: &Span) -> Figures {
    let factor = span.factor;
    let mut p = Pipeline::start(DemoOptions {
        accounts,
        people: 150,
        clock_factor: factor,
        ..DemoOptions::default()
    })
    .await
    .expect("world");
    let text = std::fs::read_to_string(&p.config).expect("config");
    let text = text
        .lines()
        .map(|l| {
            if l.starts_with("max_open =") {
                format!("max_open = {max_open}")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&p.config, text).expect("config");
    p.start_daemon_with(&binary(), ",outlane::daemon=debug")
        .expect("start the daemon");
    let pid = p.daemon_pid().expect("pid");
    let started = Instant::now();
    let sim_start = p.world.sim.now_ms();
    let sim_end = sim_start + (span.sim_hours * 3_600_000.0) as u64;
    let (mut chromium_mb, mut chromiums_at_most) = (0.0f64, 0usize);
    while started.elapsed() < span.max_work && p.world.sim.now_ms() < sim_end {
        let children = descendants(pid);
        let sum: f64 = children.iter().filter_map(|c| pss_mb(*c)).sum();
        chromium_mb = chromium_mb.max(sum);
        let mains = children
            .iter()
            .filter(|c| {
                std::fs::read(format!("/proc/{c}/cmdline")).is_ok_and(|cmd| {
                    let cmd = String::from_utf8_lossy(&cmd);
                    cmd.contains("--user-data-dir=") && !cmd.contains("--type=")
                })
            })
            .count();
        chromiums_at_most = chromiums_at_most.max(mains);
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let real_s = started.elapsed().as_secs_f64();
    let sim_hours = (p.world.sim.now_ms() - sim_start) as f64 / 3_600_000.0;
    let daemon_mb = status_mb(pid, "VmHWM:").expect("the daemon's memory");
    let cpu_s = stat(pid).map(|s| s.1).unwrap_or(0.0);
    p.stop_daemon().expect("stop the daemon");
    let events = call_events(&p.log());
    let late: Vec<u64> = events
        .iter()
        .filter(|(slot, _)| slot.starts_with("account "))
        .flat_map(|(_, e)| e.iter().filter(|e| e.start).map(|e| e.ms))
        .collect();
    let db = outlane::crm::Db::open(&p.database()).expect("db");
    let actions: u64 = db
        .read_outside_tx_blocking(|c| {
            Ok(c.query_row(
                "SELECT count(*) FROM action_journal WHERE result = 'done'",
                [],
                |r| r.get(0),
            )?)
        })
        .expect("actions");
    Figures {
        accounts,
        max_open,
        calls: late.len(),
        actions,
        late_p50_s: quantile(&late, 0.5) as f64 / factor / 1000.0,
        late_p95_s: quantile(&late, 0.95) as f64 / factor / 1000.0,
        daemon_mb,
        chromium_mb,
        chromiums_at_most,
        cpu_s,
        sim_hours,
        real_s,
    }
}

/// Simulated hours each run should cover.
fn base_hours() -> f64 {
    env_number("OUTLANE_BENCH_HOURS", 24.0)
}

fn print(f: &Figures, base: &Figures) {
    let marginal = if f.accounts > 1 {
        (f.daemon_mb - base.daemon_mb) / (f.accounts - 1) as f64
    } else {
        0.0
    };
    println!(
        "{:>2} accounts, max_open {:>2}: {:.1} simulated hours in {:.0} s{}; {} calls, {} actions; lateness p50 {:.2} s, p95 {:.2} s (baseline p95 {:.2} s) — target p95 < 30 s: {}; daemon peak RSS {:.1} MB (baseline {:.1} MB, ratio {:.2}; {:.2} MB more per account — target < 10 MB: {}); Chromium PSS {:.0} MB with at most {} running; CPU {:.1} s ({:.3} s per call, {:.2} s per action; baseline {:.3} s per call)",
        f.accounts,
        f.max_open,
        f.sim_hours,
        f.real_s,
        if f.sim_hours + 0.01 < base_hours() {
            " (stopped by OUTLANE_BENCH_MAX_WORK)"
        } else {
            ""
        },
        f.calls,
        f.actions,
        f.late_p50_s,
        f.late_p95_s,
        base.late_p95_s,
        if f.late_p95_s < 30.0 { "met" } else { "MISSED" },
        f.daemon_mb,
        base.daemon_mb,
        f.daemon_mb / base.daemon_mb,
        marginal,
        if marginal < 10.0 { "met" } else { "MISSED" },
        f.chromium_mb,
        f.chromiums_at_most,
        f.cpu_s,
        f.cpu_s / f.calls.max(1) as f64,
        f.cpu_s / f.actions.max(1) as f64,
        base.cpu_s / base.calls.max(1) as f64,
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let accounts = env_number("OUTLANE_BENCH_ACCOUNTS", 20.0) as usize;
    let span = Span {
        sim_hours: base_hours(),
        max_work: Duration::from_secs_f64(env_number("OUTLANE_BENCH_MAX_WORK", 1200.0)),
        factor: env_number("OUTLANE_BENCH_FACTOR", 120.0),
    };
    println!(
        "binary: {}; {} simulated hours per run at {}x (at most {} s each)",
        binary().display(),
        span.sim_hours,
        span.factor,
        span.max_work.as_secs()
    );
    let base = run(1, 4, &span).await;
    print(&base, &base);
    for max_open in [4, accounts] {
        let f = run(accounts, max_open, &span).await;
        print(&f, &base);
    }
}
