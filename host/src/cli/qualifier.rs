//! `outlane qualifier`: the qualifier's model outside the daemon.

use super::{Global, UsageError};
use clap::Subcommand;
#[cfg(feature = "demo")]
use outlane::qualifier::eval::{self, EvalConfig};
use std::path::PathBuf;
use std::process::ExitCode;

/// `outlane qualifier ...`
#[derive(Subcommand)]
pub enum QualifierCommand {
    /// Fit X, y and predict T from FILE (the format of the reference's golden files) exactly
    /// as the reference does, no incremental shortcut, and print its numbers as JSON:
    /// chosen_n_pca, lml, constant_value, length_scale, predict, predicted_probs, rank_order.
    Parity {
        /// JSON with `X` (training embeddings), `y` (0/1 labels) and `T` (test embeddings).
        file: PathBuf,
    },
    /// The offline evaluation: the active learner vs random labelling vs the LLM on everyone,
    /// on simulated people with a hidden ideal-customer rule (an oracle stands in for the LLM).
    Eval {
        /// People in the simulated population.
        #[arg(long, default_value_t = 1000)]
        people: usize,
        /// Seed of the population and of the random choices.
        #[arg(long, default_value_t = 7)]
        seed: u64,
        /// Oracle calls each learning strategy may spend.
        #[arg(long, default_value_t = 300)]
        budget: usize,
        /// Also run the gated learner on a drifting audience: the hidden rule widens to
        /// engineering leaders once this many oracle calls are spent and the gate is open.
        #[arg(long, value_name = "CALLS")]
        drift_at: Option<usize>,
        /// Print JSON instead of the table.
        #[arg(long)]
        json: bool,
    },
}

/// Runs a `qualifier` subcommand.
pub fn run(global: &Global, cmd: QualifierCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        #[cfg(not(feature = "demo"))]
        QualifierCommand::Eval { .. } => {
            let _ = global;
            Err(UsageError(super::demo::WITHOUT_DEMO.into()).into())
        }
        #[cfg(feature = "demo")]
        QualifierCommand::Eval {
            people,
            seed,
            budget,
            drift_at,
            json,
        } => {
            if drift_at.is_some_and(|d| d >= budget) {
                return Err(UsageError(format!(
                    "--drift-at must be below --budget ({budget}): the drift needs calls after it"
                ))
                .into());
            }
            if people < 100 || budget == 0 || budget > people {
                return Err(UsageError(
                    "use --people of at least 100 and a --budget between 1 and --people".into(),
                )
                .into());
            }
            let paths = global.config()?.qualifier;
            let embedder = outlane_embed::Embedder::load(outlane::qualifier::embed_config(&paths))?;
            let config = EvalConfig {
                people,
                seed,
                budget,
                drift_at,
                ..EvalConfig::default()
            };
            let report = eval::run(&config, &embedder, &mut |line| eprintln!("{line}"))?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print!("{}", eval::table(&report));
            }
            Ok(ExitCode::SUCCESS)
        }
        QualifierCommand::Parity { file } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| UsageError(format!("cannot read {}: {e}", file.display())))?;
            let report = outlane_gp::parity_report(&text)
                .map_err(|e| UsageError(format!("{}: {e}", file.display())))?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            Ok(ExitCode::SUCCESS)
        }
    }
}
