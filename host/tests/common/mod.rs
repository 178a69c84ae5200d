//! What the CLI tests share: running the `outlane` binary as a user would.

use std::path::Path;
use std::process::{Command, Output};

/// Runs `outlane --data-dir DATA ARGS...` and waits for it.
pub fn outlane(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_outlane"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run outlane")
}
