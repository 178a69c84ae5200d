//! `outlane-simulator`: runs the LinkedIn simulator until Ctrl-C.
//!
//! `outlane-simulator [--port N] (--scenario FILE | --seed N --people N)`; prints the base URL
//! on the first line of stdout and the login credentials on stderr.

use std::io::Write;

use clap::Parser;
use outlane_simulator::{Scenario, Simulator};

/// Command-line options.
#[derive(Debug, Parser)]
#[command(
    name = "outlane-simulator",
    about = "LinkedIn simulator for offline automation tests"
)]
struct Args {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Scenario JSON file.
    #[arg(long, conflicts_with_all = ["seed", "people"])]
    scenario: Option<std::path::PathBuf>,
    /// Seed of the generated population.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Number of generated people.
    #[arg(long, default_value_t = 50)]
    people: usize,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let scenario = match &args.scenario {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))?;
            Scenario::from_json(&text)?
        }
        None => Scenario::generate(args.seed, args.people),
    };
    let email = scenario.viewer.email.clone();
    let password = scenario.viewer.password.clone();
    let people = scenario.people.len();
    let sim = Simulator::start_on(args.port, scenario).await?;
    let mut out = std::io::stdout();
    writeln!(out, "{}", sim.base_url())?;
    out.flush()?;
    eprintln!("login: {email} / {password} ({people} people); Ctrl-C to stop");
    tokio::signal::ctrl_c().await?;
    sim.stop().await;
    Ok(())
}
