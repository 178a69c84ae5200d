//! One qualify tick — a new label, the model updated (incremental, or the periodic full
//! search), then 1,000 unlabelled candidates scored (probabilities and BALD) — at 50, 200 and
//! 1,000 labels, beside scikit-learn doing the reference's work on the same data in the same
//! run (`reference_tick.py`: a full refit on every label). Needs a Python with scikit-learn:
//! `$OUTLANE_BENCH_PYTHON`, else `~/.cache/outlane/embed-venv/bin/python`, else `python3`;
//! without one only our column is printed.
//!
//! `cargo bench -p outlane-gp --bench tick`

#[path = "../tests/common/mod.rs"]
mod common;

use common::{Clusters, widen};
use outlane_gp::{Qualifier, QualifierConfig};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

const CANDIDATES: usize = 1000;

fn python() -> Option<PathBuf> {
    let mut candidates = Vec::new();
    if let Some(p) = std::env::var_os("OUTLANE_BENCH_PYTHON") {
        candidates.push(PathBuf::from(p));
    }
    if let Some(home) = std::env::var_os("HOME") {
        candidates.push(PathBuf::from(home).join(".cache/outlane/embed-venv/bin/python"));
    }
    candidates.push(PathBuf::from("python3"));
    candidates.into_iter().find(|p| {
        Command::new(p)
            .args(["-c", "import sklearn"])
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let python = python();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/reference_tick.py");
    println!(
        "qualify tick: one label, model update, {CANDIDATES} candidates scored with BALD (release)"
    );
    println!(
        "{:>7} {:>14} {:>20} {:>8}",
        "labels", "outlane-gp", "scikit-learn (ref)", "speed-up"
    );
    for n in [50usize, 200, 1000] {
        let mut data = Clusters::new(11, 1.0, 0.1);
        let labelled: Vec<(Vec<f32>, bool)> = (0..n).map(|i| data.sample(i % 3 == 0)).collect();
        let candidates: Vec<(u64, Vec<f32>)> = (0..CANDIDATES)
            .map(|i| (i as u64, data.sample(i % 4 == 0).0))
            .collect();
        let mut q = Qualifier::new(QualifierConfig::default());
        q.warm_start(&labelled).expect("warm start");
        // Ten ticks: the policy's full search falls on one in ten of them, as in the daemon.
        let mut times = Vec::new();
        for i in 0..10 {
            let (x, label) = data.sample(i % 3 == 0);
            let start = Instant::now();
            q.add_label(&x, label).expect("label");
            q.choose(&candidates).expect("choose");
            times.push(start.elapsed());
        }
        let mean_ours = times.iter().sum::<Duration>() / times.len() as u32;
        let ours = median(times).max(Duration::from_micros(1));
        let reference = python.as_ref().and_then(|py| {
            let file = std::env::temp_dir().join(format!("outlane-tick-{n}.json"));
            let x: Vec<Vec<f64>> = labelled.iter().map(|(v, _)| widen(v)).collect();
            let y: Vec<u8> = labelled.iter().map(|(_, l)| u8::from(*l)).collect();
            let c: Vec<Vec<f64>> = candidates.iter().map(|(_, v)| widen(v)).collect();
            let rounds = if n >= 1000 { 1 } else { 3 };
            let json = serde_json::json!({"X": x, "y": y, "C": c, "rounds": rounds});
            std::fs::write(&file, json.to_string()).ok()?;
            let out = Command::new(py).arg(script).arg(&file).output().ok()?;
            let _ = std::fs::remove_file(&file);
            let secs: f64 = String::from_utf8_lossy(&out.stdout).trim().parse().ok()?;
            Some(Duration::from_secs_f64(secs))
        });
        match reference {
            Some(r) => println!(
                "{n:>7} {:>11.1} ms {:>17.1} ms {:>7.0}x   (mean of ours incl. the 1-in-10 full search: {:.1} ms, {:.0}x)",
                ours.as_secs_f64() * 1e3,
                r.as_secs_f64() * 1e3,
                r.as_secs_f64() / ours.as_secs_f64(),
                mean_ours.as_secs_f64() * 1e3,
                r.as_secs_f64() / mean_ours.as_secs_f64()
            ),
            None => println!(
                "{n:>7} {:>11.1} ms {:>20} (mean {:.1} ms)",
                ours.as_secs_f64() * 1e3,
                "no scikit-learn",
                mean_ours.as_secs_f64() * 1e3
            ),
        }
    }
}
