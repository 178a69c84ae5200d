//! Support shared by Outlane's end-to-end tests and benchmarks: building the guest components
//! (real WASM lanes compiled from source) and capturing the daemon's logs.

pub mod host;
pub mod large;
pub mod pipeline;
pub mod receiver;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

/// The workspace root (the directory holding the top-level `Cargo.toml`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(".."))
}

/// Cargo's target directory for this workspace (`CARGO_TARGET_DIR` if set).
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => workspace_root().join("target"),
    }
}

/// Guest crates the tests use.
pub const GUEST_CRATES: &[&str] = &[
    "heartbeat",
    "webhook",
    "visit",
    "fixture-hello",
    "fixture-hello-v2",
    "fixture-spin",
    "fixture-memory-bomb",
    "fixture-panic",
    "fixture-ungranted",
    "fixture-navigator",
    "fixture-crm-walker",
    "fixture-linkedin-flows",
    "fixture-llm-user",
    "fixture-qualifier-user",
    "fixture-connect-note",
    "fixture-hostile",
    "fixture-hostile-browser",
    "fixture-slow-describe",
    "fixture-heartbeat-v0-1",
    "lane-enrich",
    "lane-qualify",
    "lane-connect",
    "lane-check-pending",
    "lane-follow-up",
    "lane-search",
    "lane-inbox",
];

/// Compiled guest components.
#[derive(Debug)]
pub struct Guests {
    dir: PathBuf,
}

impl Guests {
    /// The component file of guest crate `name` (e.g. "fixture-hello").
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{}.wasm", name.replace('-', "_")))
    }

    /// A directory where compiled components are cached across tests and runs.
    pub fn compile_cache(&self) -> PathBuf {
        target_dir().join("guest-tests").join("compiled")
    }
}

/// Builds every guest crate for wasm32-wasip2 (once per process) and returns where they are.
/// Uses a target directory of its own so it never waits on the `cargo test` that runs it.
pub fn guests() -> &'static Guests {
    static GUESTS: OnceLock<Guests> = OnceLock::new();
    GUESTS.get_or_init(|| match build_guests() {
        Ok(guests) => guests,
        Err(e) => {
            panic!("cannot build the guest components (`make deps` installs the target): {e:#}")
        }
    })
}

fn build_guests() -> anyhow::Result<Guests> {
    let dir = outlane::guest_build::build(
        &workspace_root(),
        &target_dir().join("guest-tests"),
        GUEST_CRATES,
        false,
    )?;
    Ok(Guests { dir })
}

/// A copy of everything the process logged through `tracing` since [`capture_logs`] was first
/// called.
#[derive(Clone, Default)]
pub struct LogCapture(Arc<Mutex<Vec<u8>>>);

impl LogCapture {
    /// Everything logged so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|p| p.into_inner())).into_owned()
    }
}

impl Write for LogCapture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(buf);
        let _ = std::io::stderr().write_all(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Installs (once) a global `tracing` subscriber that records every log line, and returns the
/// record. Tests running in parallel share it, so look for lines naming your own lane.
pub fn capture_logs() -> LogCapture {
    static CAPTURE: OnceLock<LogCapture> = OnceLock::new();
    CAPTURE
        .get_or_init(|| {
            let capture = LogCapture::default();
            let writer = capture.clone();
            let _ = tracing_subscriber::fmt()
                .with_env_filter("info,outlane=debug,lane=debug")
                .with_ansi(false)
                .with_writer(move || writer.clone())
                .try_init();
            capture
        })
        .clone()
}
