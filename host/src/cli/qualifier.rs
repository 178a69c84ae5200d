//! `outlane qualifier`: the qualifier's model outside the daemon.

use super::UsageError;
use clap::Subcommand;
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
}

/// Runs a `qualifier` subcommand.
pub fn run(cmd: QualifierCommand) -> anyhow::Result<ExitCode> {
    match cmd {
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
