//! Lane-host benchmarks (run with `make bench`, a release build). Prints each figure beside a
//! baseline measured in the same run:
//! - lane call (fresh store from the cached pre-instantiated component + `can-execute` +
//!   return), against the same call in a bare wasmtime store without our limits and hooks;
//!   target: under 100 µs median;
//! - hot-reload latency (file written → new version serving, compile included, no cache),
//!   against compiling the same component in-process; target: under 1 s.

use outlane::caps::HostServices;
use outlane::clock::Clock;
use outlane::crm::Db;
use outlane::runtime::bindings::CallContext;
use outlane::runtime::state::LaneState;
use outlane::runtime::{ComponentCache, Registry, Runtime, reload, runner};
use outlane_tests::guests;
use std::sync::Arc;
use std::time::{Duration, Instant};
use wasmtime::Store;
use wasmtime::component::Component;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn main() -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async {
        let dir = tempfile::tempdir()?;
        let component = dir.path().join("bench.wasm");
        std::fs::copy(guests().path("fixture-hello"), &component)?;
        std::fs::write(
            dir.path().join("lanes.toml"),
            format!(
                "[[lane]]\nname = \"bench\"\ncomponent = \"{}\"\nkind = \"major\"\nevery = \"1s\"\n[lane.config]\ngreeting = \"hi\"\n",
                component.display()
            ),
        )?;
        let db = Db::open(&dir.path().join("outlane.db"))?;
        let runtime = Arc::new(Runtime::new(HostServices::new(db, Clock::real()), ComponentCache::disabled())?);
        let registry = Arc::new(Registry::new(runtime.clone(), dir.path().join("lanes.toml")));
        let report = registry.reload().await;
        anyhow::ensure!(!report.has_errors(), "{report:?}");
        let lane = registry.get("bench").ok_or_else(|| anyhow::anyhow!("bench lane not loaded"))?;
        let ctx = CallContext { lane: "bench".into(), run_id: 0, campaign_id: None, now_ms: 0 };

        // Lane call: ours.
        let n = 2000;
        for _ in 0..200 {
            runner::can_execute(&lane, &ctx).await.ok();
        }
        let mut ours = Vec::with_capacity(n);
        for _ in 0..n {
            let t = Instant::now();
            let ok = runner::can_execute(&lane, &ctx).await;
            ours.push(t.elapsed());
            anyhow::ensure!(matches!(ok, Ok(true)), "can-execute failed");
        }
        // Baseline: the same instantiate + call in a bare store (no limiter, call hook or epoch deadline).
        let mut bare = Vec::with_capacity(n);
        for _ in 0..n {
            let t = Instant::now();
            let mut store = Store::new(runtime.engine(), LaneState::new(lane.env.clone(), Duration::from_secs(5), 1 << 30, Duration::from_secs(60)));
            store.set_epoch_deadline(u64::MAX / 2);
            let outlane::runtime::api::LanePre::Current(pre) = &lane.pre else {
                anyhow::bail!("the benchmark lane is not built against the current API");
            };
            let instance = pre.instantiate_async(&mut store).await?;
            let yes = instance.outlane_lanes_lane().call_can_execute(&mut store, &ctx).await?;
            bare.push(t.elapsed());
            anyhow::ensure!(matches!(yes, Ok(true)), "bare can-execute failed");
        }
        let (ours_m, bare_m) = (median(ours), median(bare));
        println!("lane call (instantiate + can-execute + return), median of {n}:");
        println!(
            "  outlane sandbox      {:>8.1} µs   ratio to bare wasmtime {:.2}x   target 100 µs ({:.2} of target)",
            ours_m.as_secs_f64() * 1e6,
            ours_m.as_secs_f64() / bare_m.as_secs_f64(),
            ours_m.as_secs_f64() / 100e-6
        );
        println!("  bare wasmtime store  {:>8.1} µs", bare_m.as_secs_f64() * 1e6);

        // Hot reload: file write -> new version serving (no compile cache, so compile is included).
        let _watcher = reload::spawn(registry.clone())?;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let versions = [guests().path("fixture-hello-v2"), guests().path("fixture-hello")];
        let mut reloads = Vec::new();
        let mut compiles = Vec::new();
        for i in 0..10 {
            let source = &versions[i % 2];
            let bytes = std::fs::read(source)?;
            let digest = outlane::runtime::cache::digest(&bytes);
            let t = Instant::now();
            Component::new(runtime.engine(), &bytes).map_err(anyhow::Error::from)?;
            compiles.push(t.elapsed());
            let tmp = dir.path().join("bench.partial");
            let t = Instant::now();
            std::fs::write(&tmp, &bytes)?;
            std::fs::rename(&tmp, &component)?;
            loop {
                if registry.get("bench").is_some_and(|l| l.digest == digest) {
                    break;
                }
                anyhow::ensure!(t.elapsed() < Duration::from_secs(30), "reload did not happen");
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            reloads.push(t.elapsed());
        }
        let size_kib = std::fs::metadata(&component)?.len() / 1024;
        let (reload_m, compile_m) = (median(reloads), median(compiles));
        println!("hot reload of a {size_kib} KiB lane (write -> new version serving), median of 10:");
        println!(
            "  reload               {:>8.1} ms   ratio to in-process compile {:.2}x   target 1000 ms ({:.2} of target)",
            reload_m.as_secs_f64() * 1e3,
            reload_m.as_secs_f64() / compile_m.as_secs_f64(),
            reload_m.as_secs_f64()
        );
        println!(
            "  compile alone        {:>8.1} ms   (debounce {} ms included above)",
            compile_m.as_secs_f64() * 1e3,
            reload::DEBOUNCE.as_millis()
        );
        Ok(())
    })
}
