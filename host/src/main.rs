//! `outlane`: the command-line interface of the Outlane daemon.

mod cli;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Self-hosted LinkedIn outreach daemon running sandboxed WASM lanes.
#[derive(Parser)]
#[command(name = "outlane", version, about)]
struct Args {
    /// Directory for the database, browser profiles and caches.
    #[arg(long, global = true, env = "OUTLANE_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Configuration file (default: outlane.toml in the XDG config directory).
    #[arg(long, global = true, env = "OUTLANE_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Inspect, validate and build lanes.
    #[command(subcommand)]
    Lanes(cli::lanes::LanesCommand),
    /// Run the daemon: load the lanes, call them on schedule, reload them when they change.
    Run(cli::run::RunArgs),
    /// Run the whole pipeline against the bundled LinkedIn simulator and LLM stub.
    Demo(cli::demo::DemoArgs),
    /// Serve the operator's console without running lanes.
    Console(cli::console::ConsoleArgs),
    /// Show the funnel of every campaign, usage against limits, last actions and lanes.
    Status(cli::status::StatusArgs),
    /// Conversations in which people replied, newest first, with what each reply means.
    Inbox(cli::inbox::InboxArgs),
    /// Import, list and inspect leads.
    #[command(subcommand)]
    Leads(cli::leads::LeadsCommand),
    /// Export leads, deals, messages, the journal, labels or the training set as CSV or JSON Lines.
    Export(cli::export::ExportArgs),
    /// The do-not-contact list: people, companies and keywords no campaign acts toward.
    #[command(subcommand)]
    Dnc(cli::dnc::DncCommand),
    /// Create the configuration, the LinkedIn account and the first campaign.
    Init(cli::init::InitArgs),
    /// List, create and change campaigns.
    #[command(subcommand)]
    Campaign(cli::campaign::CampaignCommand),
    /// Work with LinkedIn profile data.
    #[command(subcommand)]
    Profile(cli::profile::ProfileCommand),
    /// The qualifier's model: parity with the reference, offline evaluation.
    #[command(subcommand)]
    Qualifier(cli::qualifier::QualifierCommand),
    /// Inspect and resume LinkedIn accounts.
    #[command(subcommand)]
    Accounts(cli::accounts::AccountsCommand),
}

fn main() -> ExitCode {
    // One heap per core: measured to cut the daemon's resident memory by a third (memory.rs).
    outlane::memory::limit_heap_arenas(
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get),
    );
    let args = Args::parse();
    cli::init_logging();
    let global = cli::Global {
        data_dir: args.data_dir,
        config: args.config,
    };
    let result = match args.command {
        Command::Lanes(cmd) => cli::lanes::run(&global, cmd),
        Command::Run(run) => cli::run::run(&global, run),
        Command::Status(args) => cli::status::run(&global, args),
        Command::Demo(args) => cli::demo::run(&global, args),
        Command::Console(args) => cli::console::run(&global, args),
        Command::Leads(cmd) => cli::leads::run(&global, cmd),
        Command::Inbox(args) => cli::inbox::run(&global, args),
        Command::Dnc(command) => cli::dnc::run(&global, command),
        Command::Export(args) => cli::export::run(&global, args),
        Command::Profile(cmd) => cli::profile::run(cmd),
        Command::Campaign(cmd) => cli::campaign::run(&global, cmd),
        Command::Init(args) => cli::init::run(&global, args),
        Command::Qualifier(cmd) => cli::qualifier::run(&global, cmd),
        Command::Accounts(cmd) => cli::accounts::run(&global, cmd),
    };
    match result {
        Ok(code) => code,
        Err(e) if is_bad_input(&e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// Whether `e` was caused by what the user gave (a flag, the configuration, the manifest):
/// such errors exit with 2, failures at run time with 1.
fn is_bad_input(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause.is::<cli::UsageError>()
            || cause.is::<outlane::config::ConfigError>()
            || cause.is::<outlane::manifest::ManifestError>()
    })
}
