//! `outlane demo`: the whole pipeline against the bundled LinkedIn simulator and LLM stub.
//!
//! It starts both on 127.0.0.1, makes a fresh data directory with a configuration pointing at
//! them, seeds the account, a campaign and one profile, and runs the real daemon with the
//! default lanes and headless Chromium on a clock that follows the simulator's (idle time is
//! skipped). It prints the funnel as it fills up, and a summary at the end.

use super::Global;
use clap::Args;
use outlane::units::HumanDuration;
use std::path::PathBuf;
use std::process::ExitCode;

#[cfg(feature = "demo")]
mod runner;

/// `outlane demo`
#[derive(Args)]
pub struct DemoArgs {
    /// Stop once this many people are completed (connected and sent every step), over all
    /// accounts.
    #[arg(long, default_value_t = 20)]
    target: u64,
    /// How many LinkedIn accounts to run side by side (1 to 8), each a simulated member with
    /// a network and a campaign of its own, in time zones of its own.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=8))]
    accounts: u8,
    /// Stop after this much real time even if the target is not reached (default 15m, and 4m
    /// more per account after the first; with --keep-running, no limit unless given).
    #[arg(long, value_parser = HumanDuration::parse)]
    timeout: Option<HumanDuration>,
    /// Keep running after the target (until Ctrl-C or --timeout); lanes edited and rebuilt
    /// meanwhile are hot-reloaded.
    #[arg(long)]
    keep_running: bool,
    /// The lane manifest (default: the default lanes, installed or in the checkout).
    #[arg(long)]
    manifest: Option<PathBuf>,
    /// People in the simulated network.
    #[arg(long, default_value_t = 400)]
    people: usize,
    /// Seed of the simulated network.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// How much faster than real time the clock runs while the daemon works (default 20 per
    /// account, at most 100: with several accounts some call is nearly always in progress, so
    /// idle time is seldom skipped, and a faster clock keeps the demo's days as short).
    #[arg(long)]
    clock_factor: Option<f64>,
    /// The browser's pace (1 = a person's typing speed; 0 = no pauses).
    #[arg(long, default_value_t = 0.2)]
    pace: f64,
}

impl DemoArgs {
    /// The clock's speed: `--clock-factor`, else 20 per account up to 100.
    #[cfg(feature = "demo")]
    pub fn clock_factor(&self) -> f64 {
        self.clock_factor
            .unwrap_or((20.0 * f64::from(self.accounts)).min(100.0))
    }
}

/// Runs the demo.
#[cfg(feature = "demo")]
pub fn run(global: &Global, args: DemoArgs) -> anyhow::Result<ExitCode> {
    runner::run(global, args)
}

/// Without the `demo` feature there is no simulator to run against: says how to get one.
#[cfg(not(feature = "demo"))]
pub fn run(_global: &Global, _args: DemoArgs) -> anyhow::Result<ExitCode> {
    Err(super::UsageError(WITHOUT_DEMO.into()).into())
}

/// What a build without the `demo` feature says when asked for the demo or the evaluation.
#[cfg(not(feature = "demo"))]
pub const WITHOUT_DEMO: &str = "this outlane was built without the `demo` feature, so it has no \
LinkedIn simulator or LLM stub: build it with `cargo build -p outlane` (the feature is on by \
default) or `cargo install --path host --features demo`";
