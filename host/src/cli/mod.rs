//! Subcommands of the `outlane` binary and what they share.

pub mod accounts;
pub mod campaign;
pub mod console;
pub mod demo;
pub mod dnc;
pub mod export;
pub mod inbox;
pub mod init;
pub mod lanes;
pub mod leads;
pub mod profile;
pub mod qualifier;
pub mod run;
pub mod status;
pub mod table;

use anyhow::Context as _;
use outlane::browser::{Browsers, SiteMap};
use outlane::caps::HostServices;
use outlane::clock::Clock;
use outlane::config::{Config, DataDir, default_config_path, default_data_dir};
use outlane::crm::Db;
use outlane::llm::Llm;
use outlane::qualifier::QualifierService;
use outlane::runtime::{ComponentCache, Registry, Runtime};
use std::path::PathBuf;
use std::sync::Arc;

/// Options every subcommand has.
pub struct Global {
    /// `--data-dir`.
    pub data_dir: Option<PathBuf>,
    /// `--config`.
    pub config: Option<PathBuf>,
}

impl Global {
    /// The configuration (defaults if the default file does not exist).
    pub fn config(&self) -> anyhow::Result<Config> {
        match &self.config {
            Some(path) => Ok(Config::load(path, true)?),
            None => Ok(Config::load(&default_config_path(), false)?),
        }
    }

    /// The data directory.
    pub fn data_dir(&self) -> DataDir {
        DataDir::new(self.data_dir.clone().unwrap_or_else(default_data_dir))
    }

    /// The manifest to use: the argument, else the configuration's, else the default lanes'
    /// (installed, or the checkout's: [`outlane::resources`]).
    pub fn manifest(&self, given: Option<PathBuf>, config: &Config) -> PathBuf {
        given
            .or_else(|| config.lanes.manifest.clone())
            .unwrap_or_else(|| outlane::resources::Resources::discover().manifest())
    }
}

/// Opens the database and builds a runtime and an (unloaded) registry for `manifest`. The
/// accounts' browsers (started on first use) point at the configured LinkedIn.
pub fn open_host(
    global: &Global,
    manifest: PathBuf,
    clock: Clock,
) -> anyhow::Result<(Arc<Registry>, Db)> {
    let config = global.config()?;
    let data = global.data_dir();
    data.create()
        .with_context(|| format!("cannot create the data directory {}", data.root().display()))?;
    let db = Db::open(&data.database())?;
    let site = SiteMap::new(&config.linkedin.base_url)?;
    let browsers = Browsers::with_rules(
        config.browser.clone(),
        site,
        data.clone(),
        db.clone(),
        clock.clone(),
        config.linkedin.outward.clone(),
    );
    let llm = Llm::new(config.llm.clone().with_env(), db.clone(), clock.clone())?;
    let services = HostServices::new(db.clone(), clock.clone())
        .with(browsers)
        .with(Arc::new(llm))
        .with(Arc::new(
            outlane::outbound::Outbound::new(&config.linkedin.base_url)
                .map_err(anyhow::Error::msg)?,
        ))
        .with(Arc::new(QualifierService::new(
            &config.qualifier,
            db.clone(),
            clock.clone(),
        )));
    let runtime = Arc::new(Runtime::new(
        services,
        ComponentCache::in_dir(data.component_cache()),
    )?);
    Ok((Arc::new(Registry::new(runtime, manifest)), db))
}

/// Opens (creating if needed) the database of the data directory.
pub fn open_db(global: &Global) -> anyhow::Result<Db> {
    let data = global.data_dir();
    data.create()
        .with_context(|| format!("cannot create the data directory {}", data.root().display()))?;
    Ok(Db::open(&data.database())?)
}

/// A moment (ms since the Unix epoch) as `YYYY-MM-DD HH:MM` in `tz`.
pub fn local_time(ms: u64, tz: &jiff::tz::TimeZone) -> String {
    match jiff::Timestamp::from_millisecond(ms as i64) {
        Ok(ts) => ts
            .to_zoned(tz.clone())
            .strftime("%Y-%m-%d %H:%M")
            .to_string(),
        Err(_) => format!("{ms} ms"),
    }
}

/// A CRM error as the CLI reports it: "not found" and "invalid" are the user's input (exit
/// code 2), anything else a failure at run time.
pub fn usage(e: outlane::crm::CrmError) -> anyhow::Error {
    match e {
        outlane::crm::CrmError::NotFound(m) | outlane::crm::CrmError::Invalid(m) => {
            UsageError(m).into()
        }
        other => other.into(),
    }
}

/// An error the user caused (bad input): printed as one line, exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Logs to stderr; `RUST_LOG` overrides the default level (info).
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        // chromiumoxide warns about every CDP event newer than its protocol tables (Chromium
        // 15x sends many); they are harmless, so only its errors are shown by default.
        tracing_subscriber::EnvFilter::new(
            "info,wasmtime=warn,cranelift=warn,chromiumoxide=warn,chromiumoxide::handler=error",
        )
    });
    // chromiumoxide traces every CDP message, keystrokes of the password and cookie values
    // included: never let those reach a log, whatever RUST_LOG says.
    let filter = match "chromiumoxide::conn=off".parse() {
        Ok(directive) => filter.add_directive(directive),
        Err(_) => filter,
    };
    use std::io::IsTerminal as _;
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .try_init();
}

/// A tokio runtime for one command.
pub fn tokio() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}
