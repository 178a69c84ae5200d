//! `outlane profile parse FILE`: a saved Voyager profile response as the parsed profile JSON
//! lanes and the CRM work with.

use super::UsageError;
use clap::Subcommand;
use std::path::PathBuf;
use std::process::ExitCode;

/// `outlane profile ...`
#[derive(Subcommand)]
pub enum ProfileCommand {
    /// Parse a Voyager `identity/dash/profiles` response (FILE, or `-` for stdin) and print
    /// the profile as JSON.
    Parse {
        /// The saved response.
        file: PathBuf,
        /// Pick the profile with this public identifier (default: the full profile).
        #[arg(long)]
        public_id: Option<String>,
    },
}

/// Runs a `profile` subcommand.
pub fn run(cmd: ProfileCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        ProfileCommand::Parse { file, public_id } => {
            let text = if file.as_os_str() == "-" {
                std::io::read_to_string(std::io::stdin())
                    .map_err(|e| UsageError(format!("cannot read stdin: {e}")))?
            } else {
                std::fs::read_to_string(&file)
                    .map_err(|e| UsageError(format!("cannot read {}: {e}", file.display())))?
            };
            let profile = outlane_linkedin::parse_profile(&text, public_id.as_deref())
                .map_err(|e| UsageError(format!("{}: {e}", file.display())))?;
            println!("{}", serde_json::to_string_pretty(&profile)?);
            Ok(ExitCode::SUCCESS)
        }
    }
}
