//! `outlane.toml`, the daemon's configuration, and the data directory.
//!
//! ```toml
//! [lanes]
//! manifest = "lanes/lanes.toml"   # relative to this file; default: the installed lanes
//! [clock]
//! factor = 1.0                    # >1 runs the daemon clock faster (tests, demo)
//! follow = "http://127.0.0.1:PORT/__sim/clock"  # tests and the demo only: share the
//!                                 # simulator's clock and skip idle time with it
//! [linkedin]
//! base_url = "https://www.linkedin.com"  # the simulator's address in tests and the demo
//! [[linkedin.outward]]            # more requests that act (besides the built-in ones): the
//! action = "invite"               # browser lets them out only with a journal intent
//! path = "/voyager/api/newInvitationEndpoint"
//! method = "POST"                 # default
//! query = "action=create"         # optional: text the query must contain
//! target = "urn"                  # how it names the person: "urn", "json:<field>" or "none"
//! [browser]
//! executable = "/usr/bin/chromium" # default: $OUTLANE_CHROMIUM, then chromium on PATH
//! headless = true
//! pace = 1.0                      # scales typing and back-off delays; 0 = none (tests)
//! timeout = "30s"                 # per browser operation and page load
//! [llm]
//! base_url = "https://api.openai.com/v1"  # any OpenAI-compatible server ($OUTLANE_LLM_BASE_URL)
//! model = "gpt-4o-mini"           # $OUTLANE_LLM_MODEL
//! api_key_env = "OUTLANE_LLM_API_KEY"  # the key is only ever read from the environment
//! timeout = "60s"
//! retries = 2                     # extra attempts on 429 and 5xx, with back-off
//! daily_calls = 500               # HTTP requests per campaign and local day (retries count)
//! daily_tokens = 1000000          # per campaign and local day
//! structured = "json_schema"      # or "instructions" for servers without response_format
//! prompts = "prompts"             # prompt templates, relative to this file (default: installed)
//! [qualifier]
//! models = "models/minilm"        # model.onnx + tokenizer.json (default: $OUTLANE_MODELS_DIR/minilm, else installed)
//! ort_library = "vendor/ort/libonnxruntime.so.1.31.1"  # (default: $ORT_DYLIB_PATH, else installed)
//! release_after = "2m"            # unused this long, the embedding model leaves memory
//! min_agreement = 0.97            # the model decides alone where its checks agree at least this (lower bound)
//! audit_rate = 0.05               # share of the leads it would decide that the LLM still checks
//! auto_accept = false             # whether the model may also accept (it rejects only by default)
//! ```
//!
//! The keys for files (`lanes.manifest`, `llm.prompts`, `qualifier.*`) are best left out: the
//! daemon then finds what Outlane ships, installed or in the checkout ([`crate::resources`]).
//!
//! A missing file at the default location means defaults; a file named with `--config` must
//! exist. Unknown keys are errors naming the file, line and key.

use crate::units::HumanDuration;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Largest configuration file read.
pub const MAX_CONFIG_BYTES: u64 = 1 << 20;
/// The range `llm.timeout` and `browser.timeout` may take.
pub const TIMEOUT_RANGE: (Duration, Duration) = (Duration::from_secs(1), Duration::from_secs(600));
/// The range `qualifier.release_after` may take.
pub const RELEASE_RANGE: (Duration, Duration) =
    (Duration::from_secs(1), Duration::from_secs(7 * 24 * 3600));

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
    /// Which LinkedIn the browser talks to.
    #[serde(default)]
    pub linkedin: LinkedinConfig,
    /// The headless Chromium the host drives.
    #[serde(default)]
    pub browser: BrowserConfig,
    /// The language model and its prompts.
    #[serde(default)]
    pub llm: LlmConfig,
    /// The embedding model of the qualifier.
    #[serde(default)]
    pub qualifier: QualifierConfig,
    /// The operator's console.
    #[serde(default)]
    pub console: ConsoleConfig,
}

/// `[console]`: the local web console `outlane run`, `outlane demo` and `outlane console` serve.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsoleConfig {
    /// Whether the daemon serves it.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// The address it listens on. A port of 0 picks a free one.
    #[serde(default = "console_listen")]
    pub listen: std::net::SocketAddr,
    /// Whether an address other than a loopback one may be used. The console then must sit
    /// behind a TLS reverse proxy (README, "The console").
    #[serde(default)]
    pub allow_remote: bool,
    /// More `Host` header values to accept besides the listen address, `127.0.0.1`,
    /// `localhost` and `[::1]` (the name a reverse proxy forwards). Any other Host is refused
    /// (DNS rebinding).
    #[serde(default)]
    pub allowed_hosts: Vec<String>,
}

impl Default for ConsoleConfig {
    fn default() -> Self {
        ConsoleConfig {
            enabled: true,
            listen: console_listen(),
            allow_remote: false,
            allowed_hosts: Vec::new(),
        }
    }
}

fn console_listen() -> std::net::SocketAddr {
    std::net::SocketAddr::from(([127, 0, 0, 1], 7878))
}

/// `[qualifier]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QualifierConfig {
    /// The directory holding `model.onnx` and `tokenizer.json`; relative to the config file.
    /// Without the key: `$OUTLANE_MODELS_DIR/minilm`, else `models/minilm` of the resource
    /// directories ([`crate::resources`]).
    #[serde(default = "models_dir")]
    pub models: PathBuf,
    /// ONNX Runtime's shared library; relative to the config file. Without the key:
    /// `$ORT_DYLIB_PATH`, else `vendor/ort/…` of the resource directories.
    #[serde(default = "ort_library")]
    pub ort_library: PathBuf,
    /// How long the loaded embedding model may stay unused before the daemon releases its
    /// memory (~130 MB); it is loaded again, in ~0.25 s, when a lead needs embedding.
    #[serde(default = "release_after")]
    pub release_after: HumanDuration,
    /// The lower bound of held-out agreement with the LLM and people the model needs before
    /// it decides leads alone (`outlane_gp::gate`), in (0.5, 1).
    #[serde(default = "min_agreement")]
    pub min_agreement: f64,
    /// The share of the leads the model would decide that still go to the LLM, in [0, 0.5].
    #[serde(default = "audit_rate")]
    pub audit_rate: f64,
    /// Whether the model may accept leads alone (under the same rule); it only rejects by
    /// default.
    #[serde(default)]
    pub auto_accept: bool,
}

impl Default for QualifierConfig {
    fn default() -> Self {
        QualifierConfig {
            models: models_dir(),
            ort_library: ort_library(),
            release_after: release_after(),
            min_agreement: min_agreement(),
            audit_rate: audit_rate(),
            auto_accept: false,
        }
    }
}

impl QualifierConfig {
    /// The gate's settings.
    pub fn gate(&self) -> outlane_gp::gate::GateConfig {
        outlane_gp::gate::GateConfig {
            min_agreement: self.min_agreement,
            audit_rate: self.audit_rate,
            auto_accept: self.auto_accept,
            ..outlane_gp::gate::GateConfig::default()
        }
    }
}

fn min_agreement() -> f64 {
    outlane_gp::gate::DEFAULT_MIN_AGREEMENT
}

fn audit_rate() -> f64 {
    outlane_gp::gate::DEFAULT_AUDIT_RATE
}

fn release_after() -> HumanDuration {
    HumanDuration(crate::qualifier::lazy_embedder::DEFAULT_IDLE_RELEASE)
}

fn models_dir() -> PathBuf {
    crate::resources::Resources::discover().model_dir()
}
fn ort_library() -> PathBuf {
    crate::resources::Resources::discover().ort_library()
}

/// How structured replies are asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StructuredMode {
    /// `response_format: json_schema` (OpenAI, vLLM, llama.cpp, Ollama); falls back to
    /// instructions when the server rejects it.
    JsonSchema,
    /// The schema in the prompt only; the reply is still validated.
    Instructions,
}

/// `[llm]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LlmConfig {
    /// Base URL of the OpenAI-compatible API (ending before `/chat/completions`).
    #[serde(default = "openai")]
    pub base_url: String,
    /// Model name.
    #[serde(default = "default_model")]
    pub model: String,
    /// The environment variable holding the API key (never the key itself).
    #[serde(default = "key_env")]
    pub api_key_env: String,
    /// Longest wait for one completion.
    #[serde(default = "sixty_seconds", with = "crate::units::duration")]
    pub timeout: std::time::Duration,
    /// Extra attempts after a 429 or 5xx answer.
    #[serde(default = "two")]
    pub retries: u32,
    /// HTTP requests to the provider per campaign and local day, retries and repairs included.
    #[serde(default = "five_hundred")]
    pub daily_calls: u64,
    /// Tokens (prompt + completion) per campaign and local day.
    #[serde(default = "a_million")]
    pub daily_tokens: u64,
    /// How structured replies are asked for.
    #[serde(default = "json_schema")]
    pub structured: StructuredMode,
    /// The prompt templates (`<name>.j2`); relative paths are relative to the config file.
    /// Without the key: `prompts/` of the resource directories ([`crate::resources`]).
    #[serde(default = "prompts_dir")]
    pub prompts: PathBuf,
}

impl Default for LlmConfig {
    fn default() -> Self {
        LlmConfig {
            base_url: openai(),
            model: default_model(),
            api_key_env: key_env(),
            timeout: sixty_seconds(),
            retries: two(),
            daily_calls: five_hundred(),
            daily_tokens: a_million(),
            structured: json_schema(),
            prompts: prompts_dir(),
        }
    }
}

impl LlmConfig {
    /// The configuration with `OUTLANE_LLM_BASE_URL` and `OUTLANE_LLM_MODEL` applied.
    pub fn with_env(mut self) -> LlmConfig {
        if let Ok(url) = std::env::var("OUTLANE_LLM_BASE_URL")
            && !url.trim().is_empty()
        {
            self.base_url = url.trim().to_string();
        }
        if let Ok(model) = std::env::var("OUTLANE_LLM_MODEL")
            && !model.trim().is_empty()
        {
            self.model = model.trim().to_string();
        }
        self
    }

    /// The API key from the environment, if set.
    pub fn api_key(&self) -> Option<String> {
        std::env::var(&self.api_key_env)
            .ok()
            .filter(|k| !k.trim().is_empty())
    }
}

fn openai() -> String {
    "https://api.openai.com/v1".into()
}
fn default_model() -> String {
    "gpt-4o-mini".into()
}
fn key_env() -> String {
    "OUTLANE_LLM_API_KEY".into()
}
fn sixty_seconds() -> std::time::Duration {
    std::time::Duration::from_secs(60)
}
fn two() -> u32 {
    2
}
fn five_hundred() -> u64 {
    500
}
fn a_million() -> u64 {
    1_000_000
}
fn json_schema() -> StructuredMode {
    StructuredMode::JsonSchema
}
fn prompts_dir() -> PathBuf {
    crate::resources::Resources::discover().prompts()
}

/// `[linkedin]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkedinConfig {
    /// Where LinkedIn is served: the real site, or the simulator in tests and the demo. Lanes
    /// always see `https://www.linkedin.com` URLs; the host maps them onto this address.
    #[serde(default = "linkedin_site")]
    pub base_url: String,
    /// More requests that invite, message or withdraw, besides the built-in ones (for when
    /// LinkedIn changes its endpoints): the browser lets them out only with a journal intent.
    #[serde(default)]
    pub outward: Vec<crate::browser::outward::OutwardRule>,
}

impl Default for LinkedinConfig {
    fn default() -> Self {
        LinkedinConfig {
            base_url: linkedin_site(),
            outward: Vec::new(),
        }
    }
}

fn linkedin_site() -> String {
    outlane_linkedin::CANONICAL_BASE.to_string()
}

/// `[browser]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BrowserConfig {
    /// The Chromium binary; unset means `$OUTLANE_CHROMIUM`, then `chromium`,
    /// `chromium-browser` or `google-chrome` on `PATH`.
    pub executable: Option<PathBuf>,
    /// Run without a window (default). A visible window helps a person solve a checkpoint.
    #[serde(default = "yes")]
    pub headless: bool,
    /// Scales the host's human-like delays (keystrokes, clicks, retry back-off); 0 removes
    /// them (tests and benchmarks), 1 is human speed.
    #[serde(default = "one")]
    pub pace: f64,
    /// Longest wait for one browser operation or page load.
    #[serde(default = "thirty_seconds", with = "crate::units::duration")]
    pub timeout: std::time::Duration,
    /// An account's browser closes after this long without work (on the daemon's clock) and
    /// starts again, with its saved session, when needed.
    #[serde(default = "ten_minutes", with = "crate::units::duration")]
    pub idle_close: std::time::Duration,
    /// At most this many Chromiums run at once; an account whose browser must start while
    /// they all work waits in line (see `browser::pool`).
    #[serde(default = "four")]
    pub max_open: usize,
}

impl Default for BrowserConfig {
    fn default() -> Self {
        BrowserConfig {
            executable: None,
            headless: true,
            pace: 1.0,
            timeout: thirty_seconds(),
            idle_close: ten_minutes(),
            max_open: four(),
        }
    }
}

fn ten_minutes() -> std::time::Duration {
    std::time::Duration::from_secs(600)
}

fn four() -> usize {
    4
}

fn yes() -> bool {
    true
}

fn thirty_seconds() -> std::time::Duration {
    std::time::Duration::from_secs(30)
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
    /// The URL of a clock to follow (the simulator's `/__sim/clock`): the daemon reads its
    /// time from it and, instead of sleeping through idle time, advances both clocks. Only
    /// for the demo and tests; never set against the real LinkedIn.
    #[serde(default)]
    pub follow: Option<String>,
}

impl Default for ClockConfig {
    fn default() -> Self {
        ClockConfig {
            factor: 1.0,
            follow: None,
        }
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
        let text = match crate::files::read_text(path, MAX_CONFIG_BYTES) {
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
        let base = path.parent().unwrap_or(Path::new("."));
        if let Some(m) = &config.lanes.manifest {
            config.lanes.manifest = Some(base.join(m));
        }
        config.llm.prompts = base.join(&config.llm.prompts);
        config.qualifier.models = base.join(&config.qualifier.models);
        config.qualifier.ort_library = base.join(&config.qualifier.ort_library);
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
        let invalid = |message: String| ConfigError::Invalid {
            path: path.to_path_buf(),
            line: 1,
            message,
        };
        if let Err(e) = crate::browser::SiteMap::new(&config.linkedin.base_url) {
            return Err(invalid(format!("key `linkedin.base_url`: {e}")));
        }
        if !(config.browser.pace.is_finite() && (0.0..=10.0).contains(&config.browser.pace)) {
            return Err(invalid(format!(
                "key `browser.pace`: must be a number from 0 to 10, not {}",
                config.browser.pace
            )));
        }
        if url::Url::parse(&config.llm.base_url)
            .map(|u| !matches!(u.scheme(), "http" | "https"))
            .unwrap_or(true)
        {
            return Err(invalid(format!(
                "key `llm.base_url`: `{}` is not an http(s) URL",
                config.llm.base_url
            )));
        }
        let in_range = |key: &str, value: Duration, (min, max): (Duration, Duration)| {
            HumanDuration(value)
                .within(min, max)
                .map(|_| ())
                .map_err(|e| invalid(format!("key `{key}`: {e}")))
        };
        if !config.console.listen.ip().is_loopback() && !config.console.allow_remote {
            return Err(invalid(format!(
                "key `console.listen`: {} is not a loopback address; the console shows your whole CRM, \
                 so serving it beyond this machine needs `allow_remote = true` and a TLS reverse proxy \
                 (README, \"The console\")",
                config.console.listen
            )));
        }
        in_range("llm.timeout", config.llm.timeout, TIMEOUT_RANGE)?;
        in_range("browser.timeout", config.browser.timeout, TIMEOUT_RANGE)?;
        in_range(
            "qualifier.release_after",
            config.qualifier.release_after.0,
            RELEASE_RANGE,
        )?;
        let q = &config.qualifier;
        if !(q.min_agreement > 0.5 && q.min_agreement < 1.0) {
            return Err(invalid(format!(
                "key `qualifier.min_agreement`: {} is not between 0.5 and 1 (0.97: the model \
                 decides alone where at least 97 % of its checks agree)",
                q.min_agreement
            )));
        }
        if !(0.0..=0.5).contains(&q.audit_rate) {
            return Err(invalid(format!(
                "key `qualifier.audit_rate`: {} is not between 0 and 0.5 (0.05: one lead in \
                 twenty the model would decide still goes to the LLM)",
                q.audit_rate
            )));
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

    /// Creates the directory if needed and makes it private to the daemon's user (0700):
    /// it holds the sealed password, the browser profiles and every lead.
    pub fn create(&self) -> std::io::Result<()> {
        crate::files::private_dir(&self.root)
    }

    /// The SQLite database.
    pub fn database(&self) -> PathBuf {
        self.root.join("outlane.db")
    }

    /// The browser profile and saved cookies of one account.
    pub fn browser_profile(&self, account: u64) -> PathBuf {
        self.root.join("browser").join(format!("account-{account}"))
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

    #[test]
    fn the_model_release_time_is_read_and_checked() {
        let defaults = Config::load(Path::new("/nonexistent/outlane.toml"), false).unwrap();
        assert_eq!(
            defaults.qualifier.release_after.0,
            crate::qualifier::lazy_embedder::DEFAULT_IDLE_RELEASE
        );
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("outlane.toml");
        std::fs::write(&p, "[qualifier]\nrelease_after = \"30s\"\n").unwrap();
        let c = Config::load(&p, true).unwrap();
        assert_eq!(
            c.qualifier.release_after.0,
            std::time::Duration::from_secs(30)
        );
        std::fs::write(&p, "[qualifier]\nrelease_after = \"soon\"\n").unwrap();
        let e = Config::load(&p, true).unwrap_err().to_string();
        assert!(e.contains(":2:") && e.contains("\"soon\""), "{e}");
    }

    #[test]
    fn the_gate_settings_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("outlane.toml");
        std::fs::write(
            &p,
            "[qualifier]\nmin_agreement = 0.9\naudit_rate = 0.1\nauto_accept = true\n",
        )
        .unwrap();
        let gate = Config::load(&p, true).unwrap().qualifier.gate();
        assert_eq!(
            (gate.min_agreement, gate.audit_rate, gate.auto_accept),
            (0.9, 0.1, true)
        );
        assert_eq!(Config::default().qualifier.gate().min_agreement, 0.97);
        for (text, key) in [
            ("min_agreement = 1.0", "qualifier.min_agreement"),
            ("min_agreement = 0.3", "qualifier.min_agreement"),
            ("audit_rate = 0.9", "qualifier.audit_rate"),
            ("audit_rate = -0.1", "qualifier.audit_rate"),
        ] {
            std::fs::write(&p, format!("[qualifier]\n{text}\n")).unwrap();
            let e = Config::load(&p, true).unwrap_err().to_string();
            assert!(e.contains(key), "{text}: {e}");
        }
    }

    #[test]
    fn durations_are_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("outlane.toml");
        std::fs::write(&p, "[browser]\ntimeout = \"1ns\"\n").unwrap();
        let e = Config::load(&p, true).unwrap_err().to_string();
        assert!(
            e.contains("browser.timeout") && e.contains("out of range"),
            "{e}"
        );
        std::fs::write(&p, "[llm]\ntimeout = \"500000000000years\"\n").unwrap();
        let e = Config::load(&p, true).unwrap_err().to_string();
        assert!(e.contains(":2:") && e.contains("too long"), "{e}");
    }

    #[test]
    fn more_outward_actions_can_be_configured() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("outlane.toml");
        std::fs::write(
            &p,
            "[[linkedin.outward]]\naction = \"invite\"\npath = \"/voyager/api/x\"\ntarget = \"json:member\"\n",
        )
        .unwrap();
        let c = Config::load(&p, true).unwrap();
        assert_eq!(c.linkedin.outward.len(), 1);
        assert_eq!(c.linkedin.outward[0].method, "POST");
        std::fs::write(
            &p,
            "[[linkedin.outward]]\naction = \"invite\"\npath = \"/x\"\ntarget = \"json:\"\n",
        )
        .unwrap();
        let e = Config::load(&p, true).unwrap_err().to_string();
        assert!(e.contains("json:<field>"), "{e}");
    }

    #[test]
    fn a_device_is_not_read_as_a_configuration() {
        let e = Config::load(Path::new("/dev/zero"), true)
            .unwrap_err()
            .to_string();
        assert!(e.contains("a device"), "{e}");
    }
}
