//! The take-over's screencast on the simulator's login page: frames per second while a person
//! types, and the latency from a key sent to the first frame that shows it. The baseline,
//! measured in the same run on the same tab, is one `Page.captureScreenshot` as JPEG (what
//! polling for pictures would cost per picture).

use chromiumoxide::cdp::browser_protocol::page::{
    CaptureScreenshotFormat, CaptureScreenshotParams,
};
use outlane::browser::handover::{Handover, PersonInput};
use outlane::browser::launch;
use outlane::config::BrowserConfig;
use outlane_simulator::{Scenario, Simulator};
use std::time::{Duration, Instant};

const KEYS: usize = 40;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let sim = Simulator::start(Scenario::generate(5, 20))
        .await
        .expect("simulator");
    let profile = tempfile::tempdir().expect("tempdir");
    let chrome = launch::launch(&BrowserConfig::default(), profile.path())
        .await
        .expect("Chromium (make deps installs it)");
    let page = chrome.page.clone();
    page.goto(format!("{}/login", sim.base_url()))
        .await
        .expect("the login page");
    page.wait_for_navigation().await.expect("loaded");
    // Baseline: one screenshot as JPEG, median of 15.
    let mut shots = Vec::new();
    for _ in 0..15 {
        let t = Instant::now();
        page.execute(
            CaptureScreenshotParams::builder()
                .format(CaptureScreenshotFormat::Jpeg)
                .quality(70)
                .build(),
        )
        .await
        .expect("a screenshot");
        shots.push(t.elapsed());
    }
    shots.sort();
    let baseline = shots[shots.len() / 2];

    let stream = Handover::start(page.clone()).await.expect("the screencast");
    let first = stream.newer_than(0).await.expect("a first frame");
    // Focus the e-mail field through the picture (where it is in CSS pixels, as fractions).
    let at: Vec<f64> = page
        .evaluate("(() => { const r = document.querySelector('#username').getBoundingClientRect(); return [(r.left + r.width / 2) / innerWidth, (r.top + r.height / 2) / innerHeight]; })()")
        .await
        .expect("the field")
        .into_value()
        .expect("numbers");
    stream
        .apply(&PersonInput::Click { x: at[0], y: at[1] })
        .await
        .expect("click");
    let mut latencies = Vec::new();
    let mut seq = stream
        .newer_than(first.seq)
        .await
        .map_or(first.seq, |f| f.seq);
    let started = Instant::now();
    let frames_before = seq;
    for i in 0..KEYS {
        let c = char::from(b'a' + (i % 26) as u8);
        let t = Instant::now();
        stream
            .apply(&PersonInput::Text(c.to_string()))
            .await
            .expect("a key");
        match tokio::time::timeout(Duration::from_secs(5), stream.newer_than(seq)).await {
            Ok(Some(frame)) => {
                latencies.push(t.elapsed());
                seq = frame.seq;
            }
            _ => println!("  no frame within 5 s of key {i}"),
        }
    }
    let elapsed = started.elapsed();
    let frames = seq - frames_before;
    latencies.sort();
    let median = latencies
        .get(latencies.len() / 2)
        .copied()
        .unwrap_or_default();
    let p90 = latencies
        .get(latencies.len() * 9 / 10)
        .copied()
        .unwrap_or_default();
    println!("take-over screencast on the simulator's login page ({KEYS} keys typed through it):");
    println!(
        "  frames per second while typing          {:>7.1}   ({frames} frames in {:.2} s)",
        frames as f64 / elapsed.as_secs_f64(),
        elapsed.as_secs_f64()
    );
    println!(
        "  key to the frame showing it, median     {:>7.1} ms   ratio to baseline {:.2}x (one JPEG screenshot: {:.1} ms); p90 {:.1} ms",
        ms(median),
        median.as_secs_f64() / baseline.as_secs_f64(),
        ms(baseline),
        ms(p90)
    );
    stream.stop().await;
    chrome.close().await;
    sim.stop().await;
}
