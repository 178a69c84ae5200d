//! Shared helpers for the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

use outlane_embed::{EmbedConfig, Embedder, Parallelism};

/// The repository root (`host/embed/../..`).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The default config: `<repo>/models`, `<repo>/vendor/ort`, or OUTLANE_MODELS_DIR / ORT_DYLIB_PATH.
pub fn config() -> EmbedConfig {
    EmbedConfig::from_env(repo_root())
}

/// Loads the default embedder, failing the test (never skipping it) when the files are missing:
/// the error says to run `make models`.
pub fn load(parallelism: Parallelism, batch_size: usize) -> Embedder {
    Embedder::load_with(config(), parallelism, batch_size)
        .unwrap_or_else(|e| panic!("cannot load the embedding model: {e}"))
}

pub fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let dot: f64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| f64::from(*x) * f64::from(*y))
        .sum();
    let na: f64 = a.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
    let nb: f64 = b.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
    dot / (na * nb)
}

pub fn norm(a: &[f32]) -> f64 {
    a.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt()
}
