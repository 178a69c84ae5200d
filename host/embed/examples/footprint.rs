//! Resident memory of one embedder, measured in a fresh process: after loading and while
//! embedding 200 texts of 5–250 tokens one by one (the daemon's pattern).
//! `cargo run --release -p outlane-embed --example footprint -- small` (or `fast`).
//! Paths: `<repo>/models`, `<repo>/vendor/ort`, or OUTLANE_MODELS_DIR / ORT_DYLIB_PATH.

use outlane_embed::{EmbedConfig, Embedder, Parallelism};
use std::time::Instant;

/// A field of /proc/self/status in MB (`VmRSS:` now, `VmHWM:` the peak so far).
fn status_mb(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// This process's resident set size in MB.
fn rss_mb() -> f64 {
    status_mb("VmRSS:")
}

fn main() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let mode = std::env::args().nth(1).unwrap_or_else(|| "small".into());
    let config = EmbedConfig::from_env(root);
    println!("{mode}: before loading {:.1} MB", rss_mb());
    let started = Instant::now();
    let loaded = match mode.as_str() {
        "small" => Embedder::load_small(config),
        "fast" => Embedder::load_with(config, Parallelism::IntraOp, 1),
        other => {
            eprintln!("error: unknown mode {other:?}: use `small` or `fast`");
            std::process::exit(2);
        }
    };
    let embedder = loaded.unwrap_or_else(|e| {
        eprintln!("error: {e}");
        std::process::exit(1);
    });
    println!(
        "{mode}: loaded in {:.0} ms, {:.1} MB (peak while loading {:.1} MB)",
        started.elapsed().as_secs_f64() * 1000.0,
        rss_mb(),
        status_mb("VmHWM:")
    );
    let words: Vec<&str> = "sales director growth pipeline revenue b2b saas outreach automation \
         hiring engineering manager at acme corp berlin"
        .split(' ')
        .collect();
    let started = Instant::now();
    let mut peak = 0f64;
    // From here on the high-water mark includes loading; sample the texts' own peak.
    for i in 0..200 {
        let n = 5 + (i * 37) % 250;
        let text: Vec<&str> = words.iter().copied().cycle().take(n).collect();
        if let Err(e) = embedder.embed(&[&text.join(" ")]) {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
        peak = peak.max(rss_mb());
    }
    println!(
        "{mode}: 200 texts in {:.2} s; {:.1} MB at the end, peak {peak:.1} MB",
        started.elapsed().as_secs_f64(),
        rss_mb()
    );
}
