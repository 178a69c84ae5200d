//! CRM benchmarks on a large database: `outlane status` and "leads in stage" with 100,000
//! leads and 100,000 deals, against a baseline measured in the same run — the same queries on
//! a copy of the database without the CRM's indexes. Target: under 50 ms each.

use outlane::crm::{Db, Stage, pipeline, status};
use std::time::{Duration, Instant};

const LEADS: usize = 100_000;
const NOW: u64 = 1_795_428_000_000;
const TARGET: Duration = Duration::from_millis(50);
/// The indexes the CRM relies on for these queries.
const INDEXES: [&str; 4] = [
    "deals_by_stage",
    "deals_due",
    "action_journal_recent",
    "stage_changes_by_deal",
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
    Ok(())
}
