//! `outlane console`: the operator's console alone, without running lanes (the daemon serves
//! it too, on the same address).

use super::{Global, UsageError, open_db, tokio};
use clap::Args;
use outlane::clock::Clock;
use outlane::console::{Console, ConsoleOptions};
use std::process::ExitCode;

/// `outlane console`
#[derive(Args)]
pub struct ConsoleArgs {
    /// Listen here instead of `[console] listen` (a loopback address unless the configuration
    /// allows remote access).
    #[arg(long)]
    listen: Option<std::net::SocketAddr>,
}

/// The console's options from the configuration and the data directory.
pub fn options(global: &Global, config: &outlane::config::Config) -> ConsoleOptions {
    ConsoleOptions {
        config: config.console.clone(),
        data_dir: global.data_dir().root().to_path_buf(),
        prompts: config.llm.prompts.clone(),
    }
}

/// Serves the console until SIGINT or SIGTERM.
pub fn run(global: &Global, args: ConsoleArgs) -> anyhow::Result<ExitCode> {
    let config = global.config()?;
    let mut options = options(global, &config);
    if let Some(listen) = args.listen {
        if !listen.ip().is_loopback() && !options.config.allow_remote {
            return Err(UsageError(format!(
                "{listen} is not a loopback address: set [console] allow_remote = true (behind a TLS reverse proxy) to serve it beyond this machine"
            ))
            .into());
        }
        options.config.listen = listen;
    }
    let db = open_db(global)?;
    let runtime = tokio()?;
    runtime.block_on(async move {
        let console = Console::start(&options, db, Clock::real(), None).await?;
        console.announce(&options.data_dir);
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
        console.stop().await;
        Ok(ExitCode::SUCCESS)
    })
}
