//! CRM benchmarks on a large database: `outlane status` and "leads in stage" with 100,000
//! leads and 100,000 deals, against a baseline measured in the same run — the same queries on
//! a copy of the database without the CRM's indexes. Target: under 50 ms each.
//!
//! And `outlane export leads` of the 100,000 leads (the `outlane` binary, as a user runs it):
//! its peak resident memory against the same export of a 10,000-lead database, measured in
//! the same run. Target: the export streams, so its memory does not grow with the rows
//! (ratio under 1.5).

use outlane::crm::{Db, Stage, pipeline, status};
use std::time::{Duration, Instant};

const LEADS: usize = 100_000;
/// The export baseline: a tenth of the leads (SQLite's page cache is full at both sizes).
const SMALL: usize = 10_000;
const NOW: u64 = 1_795_428_000_000;
const TARGET: Duration = Duration::from_millis(50);
/// The indexes the CRM relies on for these queries.
const INDEXES: [&str; 5] = [
    "deals_by_stage",
    "deals_due",
    "action_journal_recent",
    "stage_changes_by_deal",
    "stage_changes_by_transition",
];

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

fn measure(db: &Db, campaign: u64) -> (Duration, Duration, Duration) {
    let status = median_of(21, || {
        db.read_outside_tx_blocking(|c| status::build(c, NOW))
            .unwrap();
    });
    let in_stage = median_of(21, || {
        let leads = db
            .read_outside_tx_blocking(move |c| {
                Ok((
                    pipeline::count(c, campaign, Stage::Qualified)?,
                    pipeline::in_stage(c, campaign, Stage::Qualified, 100)?,
                ))
            })
            .unwrap();
        assert_eq!(leads.1.len(), 100);
    });
    let listing = median_of(21, || {
        db.read_outside_tx_blocking(move |c| {
            pipeline::list(c, Some(campaign), Some(Stage::Pending), 50, 0)
        })
        .unwrap();
    });
    (status, in_stage, listing)
}

/// Runs `outlane export leads` on the database of `data`, to a file; returns (rows written,
/// seconds, peak resident MB read from the kernel's high-water mark while it ran).
fn export_leads(data: &std::path::Path) -> anyhow::Result<(usize, f64, f64)> {
    let out = data.join("leads.csv");
    let t = Instant::now();
    let mut child = std::process::Command::new(outlane_tests::pipeline::bench_bin())
        .arg("--data-dir")
        .arg(data)
        .args(["export", "leads", "-o"])
        .arg(&out)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()?;
    let mut peak: f64 = 0.0;
    let status = loop {
        if let Ok(text) = std::fs::read_to_string(format!("/proc/{}/status", child.id()))
            && let Some(kb) = text
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        {
            peak = peak.max(kb / 1024.0);
        }
        if let Some(status) = child.try_wait()? {
            break status;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    anyhow::ensure!(status.success(), "outlane export failed: {status}");
    let rows = std::fs::read_to_string(&out)?
        .lines()
        .count()
        .saturating_sub(1);
    Ok((rows, t.elapsed().as_secs_f64(), peak))
}

fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("outlane.db");
    let db = Db::open(&path)?;
    let t = Instant::now();
    let campaign = outlane_tests::large::fill(&db, LEADS, NOW)?;
    db.call_blocking(|c| c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE); ANALYZE;"))?;
    println!(
        "filled {LEADS} leads / {LEADS} deals through the CRM API in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let ours = measure(&db, campaign);

    let bare_path = dir.path().join("no-indexes.db");
    std::fs::copy(&path, &bare_path)?;
    let bare = Db::open(&bare_path)?;
    bare.call_blocking(|c| {
        for index in INDEXES {
            c.execute_batch(&format!("DROP INDEX {index};"))?;
        }
        c.execute_batch("ANALYZE;")
    })?;
    let base = measure(&bare, campaign);

    println!(
        "CRM queries on {LEADS} leads and deals, median of 21 (baseline: same queries without the CRM indexes):"
    );
    for (name, ours, base) in [
        ("status (funnel, usage, journal, lanes)", ours.0, base.0),
        ("leads in stage (count + first 100)", ours.1, base.1),
        ("leads list --stage --campaign (50)", ours.2, base.2),
    ] {
        println!(
            "  {name:<40} {:>7.2} ms   ratio to baseline {:.3}x ({:>7.2} ms)   target 50 ms ({:.2} of target)",
            ours.as_secs_f64() * 1e3,
            ours.as_secs_f64() / base.as_secs_f64(),
            base.as_secs_f64() * 1e3,
            ours.as_secs_f64() / TARGET.as_secs_f64()
        );
    }

    let small = dir.path().join("small");
    std::fs::create_dir_all(&small)?;
    outlane_tests::large::fill(&Db::open(&small.join("outlane.db"))?, SMALL, NOW)?;
    let (small_rows, small_s, small_mb) = export_leads(&small)?;
    let (rows, secs, mb) = export_leads(dir.path())?;
    anyhow::ensure!(
        rows == LEADS && small_rows == SMALL,
        "exported {rows} and {small_rows} rows"
    );
    println!(
        "  export leads (outlane binary, CSV to a file): {rows} rows in {secs:.2} s, peak RSS {mb:.1} MB;          baseline {small_rows} rows: {small_s:.2} s, {small_mb:.1} MB;   ratio {:.2}x (target under 1.5x: memory does not grow with rows)",
        mb / small_mb
    );
    Ok(())
}
