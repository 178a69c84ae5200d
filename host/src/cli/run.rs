//! `outlane run`: the daemon.

use super::{Global, open_host, tokio};
use anyhow::Context as _;
use clap::Args;
use outlane::clock::Clock;
use outlane::daemon::Daemon;
use outlane::runtime::reload;
use outlane::units::HumanDuration;
use std::path::PathBuf;
use std::process::ExitCode;

/// `outlane run`
#[derive(Args)]
pub struct RunArgs {
    /// The lane manifest (default: from the configuration, else lanes/lanes.toml).
    #[arg(long)]
    manifest: Option<PathBuf>,
    /// Stop after this much real time (e.g. "30s"); default: run until SIGINT/SIGTERM.
    #[arg(long = "for", value_parser = HumanDuration::parse)]
    run_for: Option<HumanDuration>,
    /// Run the daemon clock this many times faster than real time (overrides the configuration).
    #[arg(long)]
    clock_factor: Option<f64>,
}

/// Runs the daemon until a signal (or `--for` elapses). The call in progress is finished first.
pub fn run(global: &Global, args: RunArgs) -> anyhow::Result<ExitCode> {
    let config = global.config()?;
    let manifest = global.manifest(args.manifest, &config);
    let factor = args.clock_factor.unwrap_or(config.clock.factor);
    let clock = Clock::accelerated(factor);
    let (registry, _db) = open_host(global, manifest.clone(), clock.clone())?;
    tokio()?.block_on(async move {
        let report = registry.reload().await;
        if let Some(e) = &report.manifest_error {
            anyhow::bail!("{e}");
        }
        let _watcher = reload::spawn(registry.clone()).context("cannot watch the lane files")?;
        tracing::info!(
            "watching {} for changes; data in {}",
            manifest.display(),
            global.data_dir().root().display()
        );
        let services = registry.runtime().services().clone();
        let daemon = tokio::spawn(Daemon::new(registry, clock, services.subscribe_shutdown()).run());
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        let limit = async {
            match args.run_for {
                Some(d) => tokio::time::sleep(d.0).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => tracing::info!("interrupted: finishing the current call"),
            _ = term.recv() => tracing::info!("terminated: finishing the current call"),
            _ = limit => tracing::info!("run time is up: finishing the current call"),
        }
        services.request_shutdown();
        daemon.await.context("the daemon task failed")?;
        if let Some(browsers) = &services.browsers {
            browsers.close_all().await;
        }
        Ok(ExitCode::SUCCESS)
    })
}
