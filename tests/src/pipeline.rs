//! The whole pipeline as a user runs it: the `outlane` binary's daemon (`outlane run`, a
//! child process that tests may kill -9) with the default lanes, against the simulator and
//! the LLM stub of the demo world, on a clock that follows the simulator's.

use crate::{guests, target_dir, workspace_root};
use anyhow::Context as _;
use outlane::crm::Db;
use outlane::demo::{self, DemoOptions, DemoSummary, DemoWorld};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The passphrase the test account's password is sealed with.
pub const PASSPHRASE: &str = "pipeline-test-passphrase";

/// A demo world, a data directory and the daemon running in it.
pub struct Pipeline {
    /// The simulator and the LLM stub.
    pub world: DemoWorld,
    /// The data directory (database, browser profile, logs).
    pub dir: tempfile::TempDir,
    /// The configuration file.
    pub config: PathBuf,
    /// The lane manifest (the repository's, pointing at the test builds of the lanes).
    pub manifest: PathBuf,
    /// The seeded campaign (of the first account).
    pub campaign: u64,
    /// Every seeded account, with its campaign (one unless the options ask for more).
    pub accounts: Vec<demo::DemoAccount>,
    daemon: Option<Child>,
    starts: u32,
}

/// The `outlane` binary of this build (cargo builds it with the `outlane` package's tests;
/// `make test` builds every package before running any test).
pub fn outlane_bin() -> PathBuf {
    let path = target_dir().join("debug").join("outlane");
    assert!(
        path.is_file(),
        "{} is missing: build it with `cargo build -p outlane` (make test does)",
        path.display()
    );
    path
}

/// The binary a benchmark measures: `$OUTLANE_BIN`, else the release build, else
/// [`outlane_bin`].
pub fn bench_bin() -> PathBuf {
    if let Some(bin) = std::env::var_os("OUTLANE_BIN") {
        return PathBuf::from(bin);
    }
    let release = target_dir().join("release").join("outlane");
    if release.is_file() {
        return release;
    }
    outlane_bin()
}

impl Pipeline {
    /// Starts the world and seeds the account, the campaign and one profile. The daemon is
    /// not started yet.
    pub async fn start(options: DemoOptions) -> anyhow::Result<Pipeline> {
        let world = DemoWorld::start(options).await?;
        let dir = tempfile::tempdir()?;
        let manifest = dir.path().join("lanes.toml");
        std::fs::write(&manifest, default_manifest()?)?;
        let config = dir.path().join("outlane.toml");
        std::fs::write(&config, world.config_toml(&manifest, 0.0))?;
        let db = Db::open(&dir.path().join("outlane.db"))?;
        let accounts = world.seed_all(&db, PASSPHRASE, world.sim.now_ms())?;
        let campaign = accounts
            .first()
            .map(|a| a.campaign_id)
            .context("the demo world seeded no account")?;
        let p = Pipeline {
            world,
            dir,
            config,
            manifest,
            campaign,
            accounts,
            daemon: None,
            starts: 0,
        };
        // Tests run side by side: each daemon's console on a port of its own.
        p.set_config("console", "listen = \"127.0.0.1:0\"")?;
        Ok(p)
    }

    /// The console's login link, once the daemon has logged it.
    pub fn console_login(&self) -> Option<String> {
        let log = self.log();
        let at = log.rfind("console: open ")? + "console: open ".len();
        log[at..].split_whitespace().next().map(str::to_string)
    }

    /// Adds `line` (`key = value`) to the `[table]` of the configuration file, for the next
    /// daemon start.
    pub fn set_config(&self, table: &str, line: &str) -> anyhow::Result<()> {
        let text = std::fs::read_to_string(&self.config)?;
        let header = format!("[{table}]\n");
        anyhow::ensure!(
            text.contains(&header),
            "the configuration has no [{table}] table"
        );
        std::fs::write(
            &self.config,
            text.replacen(&header, &format!("{header}{line}\n"), 1),
        )?;
        Ok(())
    }

    /// Rewrites the lane manifest (a hot reload when the daemon runs).
    pub fn write_manifest(&self, text: &str) -> anyhow::Result<()> {
        let tmp = self.manifest.with_extension("toml.tmp");
        std::fs::write(&tmp, text)?;
        std::fs::rename(&tmp, &self.manifest)?;
        Ok(())
    }

    /// The daemon's log so far (every start appends to it).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("daemon.log")).unwrap_or_default()
    }

    /// Starts `outlane run` (logging to `daemon.log` in the data directory).
    pub fn start_daemon(&mut self) -> anyhow::Result<()> {
        self.start_daemon_with(&outlane_bin(), "")
    }

    /// Starts `bin run` with `extra_log` directives (",target=level") added to the log
    /// filter.
    pub fn start_daemon_with(&mut self, bin: &Path, extra_log: &str) -> anyhow::Result<()> {
        anyhow::ensure!(self.daemon.is_none(), "the daemon is already running");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join("daemon.log"))?;
        self.starts += 1;
        let child = Command::new(bin)
            .arg("--data-dir")
            .arg(self.dir.path())
            .arg("--config")
            .arg(&self.config)
            .arg("run")
            .env(outlane::crm::secret::PASSPHRASE_ENV, PASSPHRASE)
            .env(demo::API_KEY_ENV, "sk-test")
            .env(
                "RUST_LOG",
                format!(
                    "info,wasmtime=warn,cranelift=warn,chromiumoxide=warn,chromiumoxide::handler=error{extra_log}"
                ),
            )
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .context("cannot start `outlane run`")?;
        self.daemon = Some(child);
        Ok(())
    }

    /// Runs `outlane ARGS` on this data directory and configuration, as a person would
    /// beside the daemon; its output.
    pub fn cli(&self, args: &[&str]) -> anyhow::Result<std::process::Output> {
        Command::new(outlane_bin())
            .arg("--data-dir")
            .arg(self.dir.path())
            .arg("--config")
            .arg(&self.config)
            .args(args)
            .env(outlane::crm::secret::PASSPHRASE_ENV, PASSPHRASE)
            .stdin(Stdio::null())
            .output()
            .context("cannot run the outlane CLI")
    }

    /// How many times the daemon was started.
    pub fn starts(&self) -> u32 {
        self.starts
    }

    /// Kills the daemon with SIGKILL: no clean-up at all.
    pub fn kill9(&mut self) -> anyhow::Result<()> {
        if let Some(mut child) = self.daemon.take() {
            child.kill()?;
            child.wait()?;
        }
        Ok(())
    }

    /// Stops the daemon with SIGTERM and waits for it to finish its call and exit.
    pub fn stop_daemon(&mut self) -> anyhow::Result<()> {
        if let Some(mut child) = self.daemon.take() {
            let status = Command::new("kill")
                .arg("-TERM")
                .arg(child.id().to_string())
                .status()?;
            anyhow::ensure!(status.success(), "kill -TERM failed");
            let deadline = Instant::now() + Duration::from_secs(60);
            loop {
                if let Some(status) = child.try_wait()? {
                    anyhow::ensure!(status.success(), "the daemon exited with {status}");
                    break;
                }
                if Instant::now() > deadline {
                    child.kill()?;
                    anyhow::bail!("the daemon did not stop within 60 s of SIGTERM");
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        Ok(())
    }

    /// The daemon's process id, while it runs.
    pub fn daemon_pid(&self) -> Option<u32> {
        self.daemon.as_ref().map(Child::id)
    }

    /// Whether the daemon process is still alive (false once it exited on its own).
    pub fn daemon_alive(&mut self) -> bool {
        match self.daemon.as_mut() {
            Some(child) => matches!(child.try_wait(), Ok(None)),
            None => false,
        }
    }

    /// How many steps the campaign's sequence has.
    pub fn steps(&self) -> u32 {
        let db = Db::open(&self.database()).expect("open the database");
        let campaign = self.campaign;
        db.read_outside_tx_blocking(move |c| outlane::crm::sequence::steps(c, campaign))
            .map(|s| s.len() as u32)
            .unwrap_or(0)
    }

    /// Replaces the campaign's sequence (before the daemon starts).
    pub fn set_steps(&self, steps: &[outlane::crm::sequence::NewStep]) -> anyhow::Result<()> {
        let db = Db::open(&self.database())?;
        let campaign = self.campaign;
        let now = self.world.sim.now_ms();
        db.write_blocking(|tx| {
            outlane::crm::sequence::set_steps(tx, campaign, steps, "test", now)
        })?;
        Ok(())
    }

    /// The campaign's funnel and counters now.
    pub fn summary(&self) -> anyhow::Result<DemoSummary> {
        self.summary_of(self.campaign)
    }

    /// The funnel and counters of `campaign` now.
    pub fn summary_of(&self, campaign: u64) -> anyhow::Result<DemoSummary> {
        let db = Db::open(&self.dir.path().join("outlane.db"))?;
        Ok(db.read_outside_tx_blocking(move |c| demo::summary(c, campaign))?)
    }

    /// The database file.
    pub fn database(&self) -> PathBuf {
        self.dir.path().join("outlane.db")
    }

    /// Polls `done` every 500 ms until it holds. Fails, with the log's tail, if the daemon
    /// exits meanwhile or `timeout` passes.
    pub async fn wait_until(
        &mut self,
        what: &str,
        timeout: Duration,
        mut done: impl FnMut(&Pipeline) -> bool,
    ) -> anyhow::Result<()> {
        let deadline = Instant::now() + timeout;
        loop {
            if done(self) {
                return Ok(());
            }
            if self.daemon.is_some() && !self.daemon_alive() {
                anyhow::bail!(
                    "the daemon exited while waiting for {what}:\n{}",
                    tail(&self.log(), 60)
                );
            }
            if Instant::now() > deadline {
                anyhow::bail!("timed out waiting for {what}\n{}", tail(&self.log(), 60));
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    /// [`Pipeline::wait_until`] the campaign's summary satisfies `done`; returns that summary.
    /// A timeout names the funnel it ended at.
    pub async fn wait_for(
        &mut self,
        what: &str,
        timeout: Duration,
        done: impl Fn(&DemoSummary) -> bool,
    ) -> anyhow::Result<DemoSummary> {
        // A summary that cannot be read ends the wait with its error.
        let mut last = self.summary();
        let waited = self
            .wait_until(what, timeout, |p| {
                last = p.summary();
                last.as_ref().map_or(true, &done)
            })
            .await;
        if let Err(e) = waited {
            let funnel = last.map(|s| s.stages).unwrap_or_default();
            return Err(e.context(format!("funnel {funnel:?}")));
        }
        last
    }
}

impl Drop for Pipeline {
    fn drop(&mut self) {
        let _ = self.kill9();
    }
}

/// One `call N …` debug line of the daemon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallEvent {
    /// The call's run id.
    pub id: u64,
    /// A start (`true`) or an end.
    pub start: bool,
    /// For a start: ms late against the moment it could first run; for an end: its duration.
    pub ms: u64,
    /// For a start: of the lateness, ms its slot was free (waiting no call of its own
    /// explains).
    pub waited: u64,
}

/// The daemon's `call N starts in S, L ms late, W ms with its slot free` and `call N ended in
/// S after D ms` lines (debug level), per slot, in order.
pub fn call_events(log: &str) -> std::collections::BTreeMap<String, Vec<CallEvent>> {
    let mut out: std::collections::BTreeMap<String, Vec<CallEvent>> = Default::default();
    let number = |text: &str| {
        text.split_whitespace()
            .next()
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or(0)
    };
    for line in log.lines() {
        let Some(at) = line.find("call ") else {
            continue;
        };
        let rest = &line[at + 5..];
        let (id, rest) = rest.split_once(' ').unwrap_or(("", ""));
        let Ok(id) = id.parse::<u64>() else { continue };
        if let Some(rest) = rest.strip_prefix("starts in ") {
            let mut parts = rest.split(", ");
            let (Some(slot), Some(late), waited) = (parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            out.entry(slot.to_string()).or_default().push(CallEvent {
                id,
                start: true,
                ms: number(late),
                waited: waited.map_or(0, number),
            });
        } else if let Some(rest) = rest.strip_prefix("ended in ") {
            let Some((slot, took)) = rest.split_once(" after ") else {
                continue;
            };
            out.entry(slot.to_string()).or_default().push(CallEvent {
                id,
                start: false,
                ms: number(took),
                waited: 0,
            });
        }
    }
    out
}

/// The `q` quantile of `values` (0 when empty).
pub fn quantile(values: &[u64], q: f64) -> u64 {
    let mut v = values.to_vec();
    v.sort_unstable();
    if v.is_empty() {
        return 0;
    }
    v[((v.len() - 1) as f64 * q).round() as usize]
}

/// The last `n` lines of `text`.
pub fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// `lanes/lanes.toml` with its components pointing at the test builds of the lanes.
pub fn default_manifest() -> anyhow::Result<String> {
    let text = std::fs::read_to_string(workspace_root().join("lanes/lanes.toml"))
        .context("cannot read lanes/lanes.toml")?;
    let dir = guests().path("x");
    let dir = dir.parent().unwrap_or(Path::new("."));
    Ok(text.replace(
        "../target/wasm32-wasip2/release/",
        &format!("{}/", dir.display()),
    ))
}
