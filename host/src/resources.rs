//! Where the daemon finds the files it ships with: the lane manifest (and the default lanes it
//! names), the prompt templates, the embedding model and ONNX Runtime.
//!
//! They sit in one directory with the same layout wherever Outlane is: `lanes/lanes.toml`,
//! `prompts/`, `models/minilm/` and `vendor/ort/`. Such a directory is, in this order:
//!
//! 1. `$OUTLANE_SHARE_DIR`, when set;
//! 2. the install prefix: `<prefix>/share/outlane` beside the running `<prefix>/bin/outlane`
//!    (`make install PREFIX=…` puts them there);
//! 3. the checkout the binary was built from (a development build, `make demo`).
//!
//! A file is taken from the first of these that holds it. A key of the configuration file
//! (`lanes.manifest`, `llm.prompts`, `qualifier.models`, `qualifier.ort_library`) comes before
//! all of them, and `$OUTLANE_MODELS_DIR` / `$ORT_DYLIB_PATH` before the directories for the
//! model and the library. So a config written by `outlane init` needs none of these keys and
//! works from any working directory.

use std::path::{Path, PathBuf};

/// The environment variable naming a directory laid out like an installed `share/outlane`.
pub const SHARE_DIR_ENV: &str = "OUTLANE_SHARE_DIR";

/// The manifest of the default lanes, relative to a resource directory.
pub const MANIFEST: &str = "lanes/lanes.toml";
/// The prompt templates, relative to a resource directory.
pub const PROMPTS: &str = "prompts";
/// The directory holding the embedding model's directory (`minilm/`), relative to a resource
/// directory. `$OUTLANE_MODELS_DIR` names such a directory too.
pub const MODELS: &str = "models";
/// The embedding model (`model.onnx`, `tokenizer.json`), relative to a models directory.
pub const MODEL_DIR: &str = "minilm";
/// ONNX Runtime's shared library, relative to a resource directory.
pub const ORT_LIBRARY: &str = "vendor/ort/libonnxruntime.so.1.31.1";

/// Why a resource directory is on the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Named by `$OUTLANE_SHARE_DIR`.
    Environment,
    /// Beside the running binary's install prefix.
    Installed,
    /// The source checkout the binary was built from.
    Checkout,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Origin::Environment => "$OUTLANE_SHARE_DIR",
            Origin::Installed => "the install prefix",
            Origin::Checkout => "the checkout",
        })
    }
}

/// The resource directories to look in, first first.
#[derive(Debug, Clone)]
pub struct Resources {
    dirs: Vec<(PathBuf, Origin)>,
}

impl Resources {
    /// The directories of this process: `$OUTLANE_SHARE_DIR`, the install prefix of the
    /// running binary, the checkout it was built from.
    pub fn discover() -> Resources {
        let env = std::env::var_os(SHARE_DIR_ENV)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from);
        let exe = std::env::current_exe()
            .ok()
            .and_then(|e| e.canonicalize().ok());
        Resources::from_parts(env, exe.as_deref(), Some(Path::new(checkout())))
    }

    /// The directories for an environment value, a binary's path and a checkout.
    pub fn from_parts(
        env: Option<PathBuf>,
        exe: Option<&Path>,
        checkout: Option<&Path>,
    ) -> Resources {
        let mut dirs = Vec::new();
        if let Some(dir) = env {
            dirs.push((dir, Origin::Environment));
        }
        if let Some(prefix) = exe.and_then(Path::parent).and_then(Path::parent) {
            dirs.push((prefix.join("share/outlane"), Origin::Installed));
        }
        if let Some(dir) = checkout {
            dirs.push((dir.to_path_buf(), Origin::Checkout));
        }
        Resources { dirs }
    }

    /// The first directory holding `relative`, with the path, or `None`.
    pub fn find(&self, relative: &str) -> Option<(PathBuf, Origin)> {
        self.dirs
            .iter()
            .map(|(dir, origin)| (dir.join(relative), *origin))
            .find(|(path, _)| path.exists())
    }

    /// `relative` in the first directory holding it; when none does, where it is expected
    /// (the checkout for a development build, else the install prefix), so that the error
    /// about it names a useful place.
    pub fn path(&self, relative: &str) -> PathBuf {
        match self.find(relative) {
            Some((path, _)) => path,
            None => self
                .dirs
                .last()
                .map(|(dir, _)| dir.join(relative))
                .unwrap_or_else(|| PathBuf::from(relative)),
        }
    }

    /// The manifest of the default lanes.
    pub fn manifest(&self) -> PathBuf {
        self.path(MANIFEST)
    }

    /// The prompt templates.
    pub fn prompts(&self) -> PathBuf {
        self.path(PROMPTS)
    }

    /// The embedding model's directory: `$OUTLANE_MODELS_DIR/minilm` when set, else found.
    pub fn model_dir(&self) -> PathBuf {
        match env_path("OUTLANE_MODELS_DIR") {
            Some(models) => models.join(MODEL_DIR),
            None => self.path(&format!("{MODELS}/{MODEL_DIR}")),
        }
    }

    /// ONNX Runtime's library: `$ORT_DYLIB_PATH` when set, else found.
    pub fn ort_library(&self) -> PathBuf {
        env_path("ORT_DYLIB_PATH").unwrap_or_else(|| self.path(ORT_LIBRARY))
    }

    /// Where each resource was found, for `outlane init` and the start-up log: one line each.
    pub fn describe(&self) -> Vec<String> {
        [MANIFEST, PROMPTS, MODELS, ORT_LIBRARY]
            .iter()
            .map(|r| match self.find(r) {
                Some((path, origin)) => format!("{r}: {} (from {origin})", path.display()),
                None => format!("{r}: not found"),
            })
            .collect()
    }
}

fn env_path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// The checkout this binary was built from (it need not exist where the binary runs).
fn checkout() -> &'static str {
    concat!(env!("CARGO_MANIFEST_DIR"), "/..")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_then_the_prefix_then_the_checkout() {
        let root = tempfile::tempdir().unwrap();
        let env = root.path().join("env");
        let prefix = root.path().join("prefix");
        let checkout = root.path().join("checkout");
        for (dir, what) in [
            (&env, "prompts"),
            (&prefix, "share/outlane/prompts"),
            (&checkout, "prompts"),
        ] {
            std::fs::create_dir_all(dir.join(what)).unwrap();
        }
        std::fs::create_dir_all(checkout.join("lanes")).unwrap();
        std::fs::write(checkout.join(MANIFEST), "").unwrap();
        let exe = prefix.join("bin/outlane");
        let all = Resources::from_parts(Some(env.clone()), Some(&exe), Some(&checkout));
        assert_eq!(
            all.find(PROMPTS),
            Some((env.join("prompts"), Origin::Environment))
        );
        // A file one directory lacks comes from the next that has it.
        assert_eq!(
            all.find(MANIFEST),
            Some((checkout.join(MANIFEST), Origin::Checkout))
        );
        let installed = Resources::from_parts(None, Some(&exe), Some(&checkout));
        assert_eq!(
            installed.find(PROMPTS),
            Some((prefix.join("share/outlane/prompts"), Origin::Installed))
        );
        // Nowhere: the path names the last place looked, for the error message.
        assert_eq!(installed.find(ORT_LIBRARY), None);
        assert_eq!(installed.path(ORT_LIBRARY), checkout.join(ORT_LIBRARY));
        assert!(installed.describe()[3].ends_with("not found"));
    }
}
