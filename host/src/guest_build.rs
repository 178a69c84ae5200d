//! Builds lane crates into WebAssembly components with cargo (`outlane lanes build`, and the
//! test setup that compiles the fixture lanes).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The Rust target lanes are built for.
pub const TARGET: &str = "wasm32-wasip2";

/// Why a guest build failed.
#[derive(Debug, thiserror::Error)]
pub enum GuestBuildError {
    /// cargo could not be started.
    #[error("cannot run cargo: {0}")]
    Spawn(#[from] std::io::Error),
    /// cargo ran and failed.
    #[error(
        "cargo build of the lanes failed (is the target installed? `rustup target add {TARGET}`){stderr}"
    )]
    Failed {
        /// cargo's error output, when it was captured (empty when it went to the terminal).
        stderr: String,
    },
}

/// Runs `cargo build --release --target wasm32-wasip2` for `packages` of the workspace at
/// `workspace`, into `target_dir`. With `show_progress`, cargo's output goes to the terminal;
/// otherwise it is captured and returned in the error. Returns the directory holding the
/// `.wasm` components.
pub fn build(
    workspace: &Path,
    target_dir: &Path,
    packages: &[&str],
    show_progress: bool,
) -> Result<PathBuf, GuestBuildError> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(workspace)
        .args(["build", "--release", "--target", TARGET, "--target-dir"])
        .arg(target_dir);
    for package in packages {
        cmd.args(["-p", package]);
    }
    if show_progress {
        if !cmd.status()?.success() {
            return Err(GuestBuildError::Failed {
                stderr: String::new(),
            });
        }
    } else {
        let output = cmd.stdout(Stdio::null()).output()?;
        if !output.status.success() {
            return Err(GuestBuildError::Failed {
                stderr: format!(":\n{}", String::from_utf8_lossy(&output.stderr)),
            });
        }
    }
    Ok(target_dir.join(TARGET).join("release"))
}
