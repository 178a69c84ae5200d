//! `outlane.toml`, the daemon's configuration, and the data directory.
//!
//! ```toml
//! [lanes]
//! manifest = "lanes/lanes.toml"   # relative to this file
//! [clock]
//! factor = 1.0                    # >1 runs the daemon clock faster (tests, demo)
//! ```
//!
//! A missing file at the default location means defaults; a file named with `--config` must
//! exist. Unknown keys are errors naming the file, line and key.

use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The daemon's configuration.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where the lanes come from.
    #[serde(default)]
    pub lanes: LanesConfig,
    /// The daemon clock.
    #[serde(default)]
    pub clock: ClockConfig,
}

/// `[lanes]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LanesConfig {
    /// The lane manifest (relative paths are relative to the config file).
    pub manifest: Option<PathBuf>,
}

/// `[clock]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClockConfig {
    /// How many times faster than real time the daemon clock runs (1 in production).
    #[serde(default = "one")]
    pub factor: f64,
}

impl Default for ClockConfig {
    fn default() -> Self {
        ClockConfig { factor: 1.0 }
    }
}

fn one() -> f64 {
    1.0
}

/// Why the configuration could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file named with `--config` does not exist or cannot be read.
    #[error("{path}: cannot read the configuration: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid.
    #[error("{path}:{line}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

impl Config {
    /// Loads `path`. When `required` is false a missing file yields the defaults.
    pub fn load(path: &Path, required: bool) -> Result<Config, ConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Config::default());
            }
            Err(source) => {
                return Err(ConfigError::Read {
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        let mut config: Config = toml::from_str(&text).map_err(|e| {
            let offset = e.span().map(|s| s.start).unwrap_or(0).min(text.len());
            ConfigError::Invalid {
                path: path.to_path_buf(),
                line: text[..offset].matches('\n').count() + 1,
                message: e.message().trim().to_string(),
            }
        })?;
        if let Some(m) = &config.lanes.manifest {
            let base = path.parent().unwrap_or(Path::new("."));
            config.lanes.manifest = Some(base.join(m));
        }
        if !(config.clock.factor.is_finite() && config.clock.factor >= 1.0) {
            return Err(ConfigError::Invalid {
                path: path.to_path_buf(),
                line: 1,
                message: format!(
                    "key `clock.factor`: must be a number >= 1, not {}",
                    config.clock.factor
                ),
            });
        }
        Ok(config)
    }
}

/// The default data directory: `$XDG_DATA_HOME/outlane` (e.g. `~/.local/share/outlane`).
pub fn default_data_dir() -> PathBuf {
    dirs::data_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("outlane")
}

/// The default configuration file: `$XDG_CONFIG_HOME/outlane/outlane.toml`.
pub fn default_config_path() -> PathBuf {
    dirs::config_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("outlane")
        .join("outlane.toml")
}

/// Paths inside a data directory.
#[derive(Debug, Clone)]
pub struct DataDir {
    root: PathBuf,
}

impl DataDir {
    /// The data directory at `root`.
    pub fn new(root: impl Into<PathBuf>) -> DataDir {
        DataDir { root: root.into() }
    }

    /// The directory itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The SQLite database.
    pub fn database(&self) -> PathBuf {
        self.root.join("outlane.db")
    }

    /// Compiled lane components.
    pub fn component_cache(&self) -> PathBuf {
        self.root.join("cache").join("components")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_default_file_means_defaults() {
        let c = Config::load(Path::new("/nonexistent/outlane.toml"), false).unwrap();
        assert_eq!(c.clock.factor, 1.0);
        assert!(Config::load(Path::new("/nonexistent/outlane.toml"), true).is_err());
    }

    #[test]
    fn unknown_keys_are_located() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("outlane.toml");
        std::fs::write(&p, "[lanes]\nmanifest = \"l.toml\"\n[clock]\nfactr = 2\n").unwrap();
        let e = Config::load(&p, true).unwrap_err().to_string();
        assert!(e.contains(":4:") && e.contains("factr"), "{e}");
        std::fs::write(&p, "[lanes]\nmanifest = \"l.toml\"\n").unwrap();
        let c = Config::load(&p, true).unwrap();
        assert_eq!(c.lanes.manifest.unwrap(), dir.path().join("l.toml"));
    }
}
