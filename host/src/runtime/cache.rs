//! Compiled components cached on disk, keyed by the component's sha256 and the engine's
//! compatibility hash. A debug build of wasmtime compiles ~20x slower than a release build,
//! and a restart or a reload of an unchanged component should not pay for compilation again.

use sha2::{Digest, Sha256};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use wasmtime::Engine;
use wasmtime::component::Component;

/// Where compiled components are kept (`None`: no caching).
#[derive(Debug, Clone, Default)]
pub struct ComponentCache {
    dir: Option<PathBuf>,
}

/// The sha256 of `bytes`, in hex.
pub fn digest(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl ComponentCache {
    /// A cache in `dir` (created on first write).
    pub fn in_dir(dir: impl Into<PathBuf>) -> ComponentCache {
        ComponentCache {
            dir: Some(dir.into()),
        }
    }

    /// No caching: every load compiles.
    pub fn disabled() -> ComponentCache {
        ComponentCache { dir: None }
    }

    /// The cached compilation of `bytes` (whose sha256 is `digest`), or a fresh one.
    /// Blocking: call it off the async runtime.
    pub fn load_or_compile(
        &self,
        engine: &Engine,
        bytes: &[u8],
        digest: &str,
    ) -> wasmtime::Result<Component> {
        let Some(dir) = &self.dir else {
            return Component::new(engine, bytes);
        };
        let path = dir.join(format!("{digest}-{}.cwasm", engine_key(engine)));
        if path.exists() {
            // SAFETY: the file was written by `store` below from `Component::serialize` of this
            // engine configuration (the key includes the engine's compatibility hash), into a
            // directory owned by this daemon; wasmtime re-checks the header and version.
            match unsafe { Component::deserialize_file(engine, &path) } {
                Ok(component) => return Ok(component),
                Err(e) => {
                    tracing::debug!("dropping unusable cached component {}: {e}", path.display());
                    let _ = std::fs::remove_file(&path);
                }
            }
        }
        let component = Component::new(engine, bytes)?;
        if let Err(e) = store(&component, dir, &path) {
            tracing::debug!("cannot cache compiled component in {}: {e}", dir.display());
        }
        Ok(component)
    }
}

fn engine_key(engine: &Engine) -> String {
    let mut hasher = DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut hasher);
    format!("{:016x}", hasher.finish())
}

/// Writes the compiled component, private to the daemon's user (0600 in a 0700 directory):
/// it is machine code the daemon will map and run.
fn store(component: &Component, dir: &Path, path: &Path) -> anyhow::Result<()> {
    crate::files::private_dir(dir)?;
    let bytes = component.serialize().map_err(anyhow::Error::from)?;
    crate::files::write_private(path, &bytes)?;
    Ok(())
}
