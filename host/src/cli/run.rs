//! `outlane run`: the daemon.

use super::{Global, open_host, tokio};
use anyhow::Context as _;
use clap::Args;
use outlane::caps::HostServices;
use outlane::clock::{Clock, ClockPeer};
use outlane::config::Config;
use outlane::daemon::Daemon;
use outlane::runtime::{Registry, reload};
use outlane::units::HumanDuration;
use std::future::Future;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// `outlane run`
#[derive(Args)]
pub struct RunArgs {
    /// The lane manifest (default: from the configuration, else the default lanes, installed or
    /// in the checkout).
    #[arg(long)]
    manifest: Option<PathBuf>,
    /// Stop after this much real time (e.g. "30s"); default: run until SIGINT/SIGTERM.
    #[arg(long = "for", value_parser = HumanDuration::parse)]
    run_for: Option<HumanDuration>,
    /// Run the daemon clock this many times faster than real time (overrides the configuration).
    #[arg(long)]
    clock_factor: Option<f64>,
}

/// The daemon clock the configuration asks for: the wall clock (maybe accelerated), or the
/// clock of a simulator it follows.
pub async fn clock_of(config: &Config, factor: f64) -> anyhow::Result<Clock> {
    Ok(match &config.clock.follow {
        Some(url) => Clock::following(ClockPeer::new(url), factor)
            .await
            .context("key `clock.follow`")?,
        None => Clock::accelerated(factor),
    })
}

/// Runs the daemon until a signal (or `--for` elapses). The call in progress is finished first.
pub fn run(global: &Global, args: RunArgs) -> anyhow::Result<ExitCode> {
    let config = global.config()?;
    let manifest = global.manifest(args.manifest, &config);
    let factor = args.clock_factor.unwrap_or(config.clock.factor);
    let runtime = tokio()?;
    let clock = runtime.block_on(clock_of(&config, factor))?;
    let (registry, _db) = open_host(global, manifest.clone(), clock.clone())?;
    tracing::info!(
        "lanes from {}; prompts from {}; embedding model from {}; ONNX Runtime {}",
        manifest.display(),
        config.llm.prompts.display(),
        config.qualifier.models.display(),
        config.qualifier.ort_library.display()
    );
    runtime.block_on(async move {
        let limit = async {
            match args.run_for {
                Some(d) => tokio::time::sleep(d.0).await,
                None => std::future::pending().await,
            }
        };
        let data = global.data_dir();
        let console = super::console::options(global, &config);
        serve(
            registry,
            clock,
            &manifest,
            data.root(),
            Some(console),
            async {
                limit.await;
                tracing::info!("run time is up: finishing the current call");
            },
        )
        .await?;
        Ok(ExitCode::SUCCESS)
    })
}

/// Loads the lanes, watches them for changes and runs the daemon until SIGINT, SIGTERM or
/// `stop` completes; then lets the call in progress finish (for at most
/// [`outlane::daemon::SHUTDOWN_GRACE`]) and closes the browsers. A second SIGINT or SIGTERM
/// exits at once.
pub async fn serve(
    registry: Arc<Registry>,
    clock: Clock,
    manifest: &std::path::Path,
    data_dir: &std::path::Path,
    console: Option<outlane::console::ConsoleOptions>,
    stop: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let report = registry.reload().await;
    if let Some(e) = &report.manifest_error {
        return Err(super::UsageError(e.to_string()).into());
    }
    let _watcher = reload::spawn(registry.clone()).context("cannot watch the lane files")?;
    tracing::info!(
        "watching {} for changes; data in {}",
        manifest.display(),
        data_dir.display()
    );
    let services: HostServices = registry.runtime().services().clone();
    // The console beside the daemon; a daemon whose console cannot listen still works.
    let console = match console.filter(|c| c.config.enabled) {
        Some(options) => match outlane::console::Console::start(
            &options,
            services.db.clone(),
            clock.clone(),
            Some(&services),
        )
        .await
        {
            Ok(console) => {
                console.announce(data_dir);
                Some(console)
            }
            Err(e) => {
                tracing::warn!("{e}; the daemon runs without its console");
                None
            }
        },
        None => None,
    };
    let daemon = tokio::spawn(Daemon::new(registry, clock, services.subscribe_shutdown()).run());
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let grace = outlane::daemon::SHUTDOWN_GRACE.as_secs();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => tracing::info!(
            "interrupted: finishing the current call (up to {grace}s; press Ctrl-C again to stop at once)"
        ),
        _ = term.recv() => tracing::info!(
            "terminated: finishing the current call (up to {grace}s; a second SIGTERM stops at once)"
        ),
        _ = stop => {}
    }
    services.request_shutdown();
    // A second signal stops at once: the journal keeps whatever was begun safe (it is checked,
    // never repeated, at the next start), and the browsers are killed rather than closed.
    let profiles = data_dir.join("browser");
    tokio::spawn(async move {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
        tracing::warn!(
            "second signal: stopping now; unfinished actions are checked at the next start"
        );
        outlane::browser::launch::kill_recorded(&profiles);
        std::process::exit(130);
    });
    daemon.await.context("the daemon task failed")?;
    if let Some(console) = console {
        console.stop().await;
    }
    if let Some(browsers) = services.get::<outlane::browser::Browsers>()
        && tokio::time::timeout(CLOSE_BROWSERS, browsers.close_all())
            .await
            .is_err()
    {
        tracing::warn!(
            "the browsers did not close within {}s: killing them",
            CLOSE_BROWSERS.as_secs()
        );
        outlane::browser::launch::kill_recorded(&data_dir.join("browser"));
    }
    Ok(())
}

/// How long closing the browsers (saving their cookies) may take at shutdown.
const CLOSE_BROWSERS: std::time::Duration = std::time::Duration::from_secs(15);
