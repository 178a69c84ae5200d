//! The lane manifest (`lanes/lanes.toml`): which lanes run, from which component, how often,
//! with which grants and limits, and with what configuration.
//!
//! ```toml
//! [[lane]]
//! name = "connect"
//! component = "../target/wasm32-wasip2/release/lane_connect.wasm"  # relative to this file
//! kind = "major"            # major (fixed pace) | filler (fills the gaps, by priority)
//! every = "120s"            # base interval; the daemon applies 0.8–1.2 jitter
//! priority = 1              # lower runs first among fillers
//! grants = ["crm", "browser", "qualifier"]
//! [lane.browser]
//! origins = ["https://www.linkedin.com"]
//! [lane.http]             # with the "http" grant: outbound requests (never to LinkedIn)
//! origins = ["https://hooks.slack.com"]
//! secrets = { token = "OUTLANE_SLACK_TOKEN" }   # header values from the environment
//! timeout = "10s"           # per request (1s-60s); max_response = "1MiB"; per_minute = 60
//! [lane.hold]               # with "crm": the host holds each lead entering `on` for this
//! on = "qualified"          # lane, in the stage change's transaction, for `for` (1s-90d)
//! for = "7d"                # or until the lane releases or moves its hold
//! reason = "waiting for a profile visit"
//! [lane.limits]
//! cpu = "5s"                # guest CPU per call (time awaiting the host does not count)
//! memory = "128MiB"         # linear memory cap
//! wall = "10m"              # whole call, host waits included
//! [lane.config]             # free table, handed to the lane as JSON
//! note = false
//! ```
//!
//! Unknown keys are errors; every error names the file, the line and the key.

use crate::runtime::grants::{Capability, Grants, OriginPattern};
use crate::units::{ByteSize, HumanDuration};
use serde::Deserialize;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;
use toml::Spanned;

/// Default guest CPU time per call.
pub const DEFAULT_CPU: Duration = Duration::from_secs(5);
/// Default cap on a lane's linear memory.
pub const DEFAULT_MEMORY: u64 = 128 << 20;
/// Default wall-clock bound of one call, host waits (page loads, LLM calls) included.
pub const DEFAULT_WALL: Duration = Duration::from_secs(600);
/// Default cap on everything a lane keeps in its persistent state (keys and values, all
/// scopes together).
pub const DEFAULT_STATE: u64 = 16 << 20;

/// The range `every` may take: a lane runs at most ten times a second, at least monthly.
pub const EVERY_RANGE: (Duration, Duration) = (
    Duration::from_millis(100),
    Duration::from_secs(30 * 24 * 3600),
);
/// The range `limits.cpu` may take.
pub const CPU_RANGE: (Duration, Duration) = (Duration::from_millis(1), Duration::from_secs(3600));
/// The range `limits.wall` may take.
pub const WALL_RANGE: (Duration, Duration) =
    (Duration::from_secs(1), Duration::from_secs(24 * 3600));
/// The range `limits.memory` may take.
pub const MEMORY_RANGE: (u64, u64) = (1 << 20, 4 << 30);
/// The range `limits.state` may take.
pub const STATE_RANGE: (u64, u64) = (4 << 10, 1 << 30);
/// Default bound of one `http` request.
pub const DEFAULT_HTTP_TIMEOUT: Duration = Duration::from_secs(10);
/// The range `http.timeout` may take.
pub const HTTP_TIMEOUT_RANGE: (Duration, Duration) =
    (Duration::from_secs(1), Duration::from_secs(60));
/// Default cap on an `http` response body.
pub const DEFAULT_HTTP_MAX_RESPONSE: u64 = 1 << 20;
/// The range `http.max_response` may take.
pub const HTTP_MAX_RESPONSE_RANGE: (u64, u64) = (1 << 10, 16 << 20);
/// Default `http.per_minute`.
pub const DEFAULT_HTTP_PER_MINUTE: u32 = 60;
/// Largest manifest file read.
pub const MAX_MANIFEST_BYTES: u64 = 1 << 20;

/// How the scheduler treats a lane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LaneKind {
    /// Runs at its own fixed pace (with jitter); the earliest due major lane goes first.
    Major,
    /// Fills the gaps between major lanes, in priority order.
    Filler,
}

impl LaneKind {
    /// "major" or "filler".
    pub fn as_str(self) -> &'static str {
        match self {
            LaneKind::Major => "major",
            LaneKind::Filler => "filler",
        }
    }
}

/// Sandbox limits of one lane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SandboxLimits {
    /// Guest CPU time per call; time spent awaiting host calls does not count.
    pub cpu: Duration,
    /// Maximum linear memory, in bytes.
    pub memory: u64,
    /// Wall-clock bound of one call.
    pub wall: Duration,
    /// Most bytes the lane may keep in its persistent state (keys and values, every scope).
    pub state: u64,
}

impl Default for SandboxLimits {
    fn default() -> Self {
        SandboxLimits {
            cpu: DEFAULT_CPU,
            memory: DEFAULT_MEMORY,
            wall: DEFAULT_WALL,
            state: DEFAULT_STATE,
        }
    }
}

/// One validated `[[lane]]` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct LaneSpec {
    /// Unique name (lowercase letters, digits and dashes).
    pub name: String,
    /// Absolute path of the component file.
    pub component: PathBuf,
    /// Major or filler.
    pub kind: LaneKind,
    /// Base interval between runs.
    pub every: Duration,
    /// Order among fillers: lower runs first.
    pub priority: u32,
    /// What the lane may use.
    pub grants: Grants,
    /// CPU, memory and wall-clock bounds.
    pub limits: SandboxLimits,
    /// `[lane.hold]`: the host holds every lead entering a stage for this lane.
    pub hold: Option<EntryHold>,
    /// The `[lane.config]` table as a JSON object.
    pub config_json: String,
    /// Line of the entry in the manifest, for messages.
    pub line: usize,
    /// The manifest the entry is in, for messages.
    pub manifest: PathBuf,
    /// Line of each top-level key of `[lane.config]`, so that a lane's complaint about its
    /// configuration can point at the line to fix.
    pub config_lines: std::collections::BTreeMap<String, usize>,
}

impl LaneSpec {
    /// `<manifest>:<line>` of `[lane.config]` key `key` (its first segment for a dotted
    /// path), else of the entry.
    pub fn config_location(&self, key: &str) -> String {
        let top = key.split(['.', '[']).next().unwrap_or(key);
        let line = self.config_lines.get(top).copied().unwrap_or(self.line);
        format!("{}:{line}", self.manifest.display())
    }
}

/// `[lane.hold]`: the host holds every lead that enters `on` (in any campaign) for the lane,
/// in the same transaction as the stage change, for `hold_for` or until the lane releases or
/// moves the hold. So no other lane can act on the lead before this one has seen it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryHold {
    /// The stage whose entrants are held.
    pub on: crate::crm::Stage,
    /// How long.
    pub hold_for: Duration,
    /// The hold's reason, as other lanes and people read it.
    pub reason: String,
}

/// Longest `[lane.hold] for`.
const HOLD_MAX: Duration = Duration::from_secs(90 * 86_400);

/// A parsed and validated manifest.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    /// Where it was read from.
    pub path: PathBuf,
    /// The lanes, in file order.
    pub lanes: Vec<LaneSpec>,
}

/// Why a manifest could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// The file could not be read.
    #[error("{path}: cannot read the lane manifest: {source}")]
    Read {
        /// The manifest path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not a valid manifest; the message names the key.
    #[error("{path}:{line}:{column}: {message}")]
    Invalid {
        /// The manifest path.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong and how to fix it.
        message: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    #[serde(default)]
    lane: Vec<Spanned<RawLane>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLane {
    name: Spanned<String>,
    component: Spanned<String>,
    kind: LaneKind,
    every: Spanned<HumanDuration>,
    #[serde(default)]
    priority: u32,
    #[serde(default)]
    grants: Vec<Spanned<Capability>>,
    #[serde(default)]
    browser: Option<Spanned<RawBrowser>>,
    #[serde(default)]
    http: Option<Spanned<RawHttp>>,
    #[serde(default)]
    hold: Option<Spanned<RawHold>>,
    #[serde(default)]
    limits: RawLimits,
    #[serde(default)]
    config: toml::Table,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBrowser {
    origins: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHttp {
    origins: Vec<Spanned<String>>,
    #[serde(default)]
    secrets: std::collections::BTreeMap<String, Spanned<String>>,
    timeout: Option<Spanned<HumanDuration>>,
    max_response: Option<Spanned<ByteSize>>,
    per_minute: Option<Spanned<u32>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHold {
    on: Spanned<String>,
    #[serde(rename = "for")]
    hold_for: Spanned<HumanDuration>,
    reason: String,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawLimits {
    cpu: Option<Spanned<HumanDuration>>,
    memory: Option<Spanned<ByteSize>>,
    wall: Option<Spanned<HumanDuration>>,
    state: Option<Spanned<ByteSize>>,
}

impl Manifest {
    /// Reads and validates the manifest at `path`.
    pub fn load(path: &Path) -> Result<Manifest, ManifestError> {
        let text = crate::files::read_text(path, MAX_MANIFEST_BYTES).map_err(|source| {
            ManifestError::Read {
                path: path.to_path_buf(),
                source,
            }
        })?;
        Manifest::parse(path, &text)
    }

    /// Parses and validates manifest `text` as if read from `path` (component paths are
    /// resolved against `path`'s directory).
    pub fn parse(path: &Path, text: &str) -> Result<Manifest, ManifestError> {
        let at = |offset: usize, message: String| {
            let (line, column) = line_column(text, offset);
            ManifestError::Invalid {
                path: path.to_path_buf(),
                line,
                column,
                message,
            }
        };
        let raw: RawManifest = toml::from_str(text).map_err(|e| {
            let offset = e.span().map(|s| s.start).unwrap_or(0);
            let message = e.message().trim();
            match key_at(text, offset) {
                Some(key) => at(offset, format!("key `{key}`: {message}")),
                None => at(offset, message.to_string()),
            }
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        let mut names = BTreeSet::new();
        let mut lanes = Vec::with_capacity(raw.lane.len());
        for entry in raw.lane {
            let entry_start = entry.span().start;
            let entry_end = entry.span().end;
            let raw_lane = entry.into_inner();
            let name = raw_lane.name.get_ref().clone();
            let name_at = raw_lane.name.span().start;
            if !valid_lane_name(&name) {
                return Err(at(
                    name_at,
                    format!(
                        "key `name`: {name:?} is not a valid lane name: use lowercase letters, digits and dashes"
                    ),
                ));
            }
            if !names.insert(name.clone()) {
                return Err(at(
                    name_at,
                    format!("key `name`: a lane named `{name}` is already defined above"),
                ));
            }
            let lane_err = |offset: usize, key: &str, msg: String| {
                at(offset, format!("lane `{name}`: key `{key}`: {msg}"))
            };

            let component_text = raw_lane.component.get_ref();
            if component_text.trim().is_empty() {
                return Err(lane_err(
                    raw_lane.component.span().start,
                    "component",
                    "must name a .wasm file".into(),
                ));
            }
            let component = base.join(component_text);

            let every = raw_lane
                .every
                .get_ref()
                .within(EVERY_RANGE.0, EVERY_RANGE.1)
                .map_err(|e| lane_err(raw_lane.every.span().start, "every", e))?;

            let mut capabilities: Vec<Capability> =
                raw_lane.grants.iter().map(|g| *g.get_ref()).collect();
            capabilities.sort();
            capabilities.dedup();
            let mut origins = Vec::new();
            match (
                &raw_lane.browser,
                capabilities.contains(&Capability::BROWSER),
            ) {
                (Some(browser), true) => {
                    for origin in &browser.get_ref().origins {
                        let pattern = OriginPattern::parse(origin.get_ref())
                            .map_err(|e| lane_err(origin.span().start, "browser.origins", e))?;
                        origins.push(pattern);
                    }
                    if origins.is_empty() {
                        return Err(lane_err(
                            browser.span().start,
                            "browser.origins",
                            "is empty: list the origins the lane may open".into(),
                        ));
                    }
                }
                (Some(browser), false) => {
                    return Err(lane_err(
                        browser.span().start,
                        "browser",
                        "[lane.browser] is set but \"browser\" is not in `grants`: add it or remove the table".into(),
                    ));
                }
                (None, true) => {
                    return Err(lane_err(
                        entry_start,
                        "browser.origins",
                        "the browser grant needs an origin allow-list: add [lane.browser] with \
                         origins = [\"https://www.linkedin.com\"]"
                            .into(),
                    ));
                }
                (None, false) => {}
            }

            let http = match (&raw_lane.http, capabilities.contains(&Capability::HTTP)) {
                (Some(raw), true) => Some(http_grant(raw, &lane_err)?),
                (Some(raw), false) => {
                    return Err(lane_err(
                        raw.span().start,
                        "http",
                        "[lane.http] is set but \"http\" is not in `grants`: add it or remove the table".into(),
                    ));
                }
                (None, true) => {
                    return Err(lane_err(
                        entry_start,
                        "http.origins",
                        "the http grant needs an origin allow-list: add [lane.http] with \
                         origins = [\"https://hooks.example.com\"]"
                            .into(),
                    ));
                }
                (None, false) => None,
            };

            let hold = match &raw_lane.hold {
                None => None,
                Some(raw) if !capabilities.contains(&Capability::CRM) => {
                    return Err(lane_err(
                        raw.span().start,
                        "hold",
                        "[lane.hold] needs the \"crm\" grant (the lane releases its holds through it)"
                            .into(),
                    ));
                }
                Some(raw) => {
                    let raw = raw.get_ref();
                    let on = raw
                        .on
                        .get_ref()
                        .parse::<crate::crm::Stage>()
                        .map_err(|e| lane_err(raw.on.span().start, "hold.on", e.to_string()))?;
                    let hold_for = raw
                        .hold_for
                        .get_ref()
                        .within(Duration::from_secs(1), HOLD_MAX)
                        .map_err(|e| lane_err(raw.hold_for.span().start, "hold.for", e))?;
                    let reason = raw.reason.trim();
                    if reason.is_empty() {
                        return Err(lane_err(
                            entry_start,
                            "hold.reason",
                            "a hold needs a reason (other lanes and people read it)".into(),
                        ));
                    }
                    Some(EntryHold {
                        on,
                        hold_for,
                        reason: reason.to_string(),
                    })
                }
            };

            let mut limits = SandboxLimits::default();
            if let Some(cpu) = &raw_lane.limits.cpu {
                limits.cpu = cpu
                    .get_ref()
                    .within(CPU_RANGE.0, CPU_RANGE.1)
                    .map_err(|e| lane_err(cpu.span().start, "limits.cpu", e))?;
            }
            if let Some(wall) = &raw_lane.limits.wall {
                limits.wall = wall
                    .get_ref()
                    .within(WALL_RANGE.0, WALL_RANGE.1)
                    .map_err(|e| lane_err(wall.span().start, "limits.wall", e))?;
            }
            let size_in = |value: &Spanned<ByteSize>, key: &str, (min, max): (u64, u64)| {
                let bytes = value.get_ref().0;
                if (min..=max).contains(&bytes) {
                    Ok(bytes)
                } else {
                    Err(lane_err(
                        value.span().start,
                        key,
                        format!(
                            "{} is out of range: it must be from {} to {}",
                            ByteSize(bytes),
                            ByteSize(min),
                            ByteSize(max)
                        ),
                    ))
                }
            };
            if let Some(memory) = &raw_lane.limits.memory {
                limits.memory = size_in(memory, "limits.memory", MEMORY_RANGE)?;
            }
            if let Some(state) = &raw_lane.limits.state {
                limits.state = size_in(state, "limits.state", STATE_RANGE)?;
            }

            let config_json = serde_json::to_string(&raw_lane.config).map_err(|e| {
                lane_err(
                    entry_start,
                    "config",
                    format!("cannot be turned into JSON: {e}"),
                )
            })?;

            // The entry's sub-tables ([lane.config]) follow its span, up to the next entry.
            let from = entry_start.min(text.len());
            let until = text[entry_end.min(text.len())..]
                .find("\n[[lane]]")
                .map(|i| entry_end + i)
                .unwrap_or(text.len());
            let entry_text = &text[from..until.max(from)];
            let config_lines = config_key_lines(entry_text, line_column(text, entry_start).0);
            lanes.push(LaneSpec {
                manifest: path.to_path_buf(),
                config_lines,
                name,
                component,
                kind: raw_lane.kind,
                every,
                priority: raw_lane.priority,
                grants: Grants {
                    capabilities,
                    origins,
                    http,
                },
                limits,
                hold,
                config_json,
                line: line_column(text, entry_start).0,
            });
        }
        Ok(Manifest {
            path: path.to_path_buf(),
            lanes,
        })
    }

    /// The entry named `name`.
    pub fn lane(&self, name: &str) -> Option<&LaneSpec> {
        self.lanes.iter().find(|l| l.name == name)
    }
}

/// `[lane.http]` checked: origins parse and none is LinkedIn's, secret names are header-safe
/// and name environment variables, bounds are in range.
fn http_grant(
    raw: &Spanned<RawHttp>,
    lane_err: &dyn Fn(usize, &str, String) -> ManifestError,
) -> Result<crate::runtime::grants::HttpGrant, ManifestError> {
    let table = raw.get_ref();
    let mut origins = Vec::new();
    for origin in &table.origins {
        let pattern = OriginPattern::parse(origin.get_ref())
            .map_err(|e| lane_err(origin.span().start, "http.origins", e))?;
        if crate::runtime::grants::is_linkedin_host(pattern.host().trim_start_matches("*.")) {
            return Err(lane_err(
                origin.span().start,
                "http.origins",
                format!(
                    "{} is LinkedIn's: LinkedIn is reached through the browser grant (and its journal), never through http",
                    origin.get_ref()
                ),
            ));
        }
        origins.push(pattern);
    }
    if origins.is_empty() {
        return Err(lane_err(
            raw.span().start,
            "http.origins",
            "is empty: list the origins the lane may send requests to".into(),
        ));
    }
    let mut secrets = std::collections::BTreeMap::new();
    for (name, var) in &table.secrets {
        let var_ok = !var.get_ref().is_empty()
            && var
                .get_ref()
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_');
        let name_ok = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !var_ok || !name_ok {
            return Err(lane_err(
                var.span().start,
                "http.secrets",
                format!(
                    "`{name} = {:?}`: a secret is name = \"ENVIRONMENT_VARIABLE\" (letters, digits, _ and -)",
                    var.get_ref()
                ),
            ));
        }
        secrets.insert(name.clone(), var.get_ref().clone());
    }
    let timeout = match &table.timeout {
        Some(t) => t
            .get_ref()
            .within(HTTP_TIMEOUT_RANGE.0, HTTP_TIMEOUT_RANGE.1)
            .map_err(|e| lane_err(t.span().start, "http.timeout", e))?,
        None => DEFAULT_HTTP_TIMEOUT,
    };
    let max_response = match &table.max_response {
        Some(m) => {
            let bytes = m.get_ref().0;
            if !(HTTP_MAX_RESPONSE_RANGE.0..=HTTP_MAX_RESPONSE_RANGE.1).contains(&bytes) {
                return Err(lane_err(
                    m.span().start,
                    "http.max_response",
                    format!(
                        "{} is out of range: it must be from {} to {}",
                        ByteSize(bytes),
                        ByteSize(HTTP_MAX_RESPONSE_RANGE.0),
                        ByteSize(HTTP_MAX_RESPONSE_RANGE.1)
                    ),
                ));
            }
            bytes
        }
        None => DEFAULT_HTTP_MAX_RESPONSE,
    };
    let per_minute = match &table.per_minute {
        Some(p) if (1..=6000).contains(p.get_ref()) => *p.get_ref(),
        Some(p) => {
            return Err(lane_err(
                p.span().start,
                "http.per_minute",
                format!("{} is out of range: it must be from 1 to 6000", p.get_ref()),
            ));
        }
        None => DEFAULT_HTTP_PER_MINUTE,
    };
    Ok(crate::runtime::grants::HttpGrant {
        origins,
        secrets,
        timeout,
        max_response,
        per_minute,
    })
}

/// The line (in the whole file) of each `key = ...` under the `[lane.config]` header of one
/// entry whose text starts at line `first_line`.
fn config_key_lines(entry: &str, first_line: usize) -> std::collections::BTreeMap<String, usize> {
    let mut lines = std::collections::BTreeMap::new();
    let mut in_config = false;
    for (i, line) in entry.lines().enumerate() {
        let t = line.trim();
        if t.starts_with('[') {
            in_config = t.trim_matches(|c| c == '[' || c == ']').trim() == "lane.config";
            continue;
        }
        if in_config && let Some((key, _)) = t.split_once('=') {
            let key = key
                .trim()
                .trim_matches('"')
                .split('.')
                .next()
                .unwrap_or("")
                .trim();
            if !key.is_empty() {
                lines.entry(key.to_string()).or_insert(first_line + i);
            }
        }
    }
    lines
}

fn valid_lane_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.starts_with('-')
}

/// The dotted key written on the line of `offset` (`lane.limits.memory`), prefixed by the
/// table header above it, if the line is a `key = value` line.
fn key_at(text: &str, offset: usize) -> Option<String> {
    let offset = offset.min(text.len());
    let line_start = text[..offset].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let line = text[line_start..].lines().next().unwrap_or("");
    let (key, _) = line.split_once('=')?;
    let key = key.trim().trim_matches('"');
    if key.is_empty() || key.starts_with('[') {
        return None;
    }
    let table = text[..line_start]
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))
        .map(|l| l.trim_matches(|c| c == '[' || c == ']').trim().to_string());
    Some(match table {
        Some(t) if !t.is_empty() => format!("{t}.{key}"),
        _ => key.to_string(),
    })
}

/// 1-based line and column of byte `offset` in `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Manifest, ManifestError> {
        Manifest::parse(Path::new("/x/lanes/lanes.toml"), text)
    }

    fn err(text: &str) -> String {
        parse(text).unwrap_err().to_string()
    }

    const GOOD: &str = r#"
[[lane]]
name = "connect"
component = "../target/lane_connect.wasm"
kind = "major"
every = "120s"
priority = 1
grants = ["crm", "browser"]
[lane.browser]
origins = ["https://www.linkedin.com", "http://127.0.0.1:*"]
[lane.limits]
cpu = "2s"
memory = "64MiB"
[lane.config]
note = true
greeting = "hi"

[[lane]]
name = "qualify"
component = "/abs/q.wasm"
kind = "filler"
every = "10s"
"#;

    #[test]
    fn the_shipped_manifests_parse_and_the_visit_example_holds_qualified_leads() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        for file in ["lanes/lanes.toml", "examples/lanes.toml"] {
            let path = root.join(file);
            let text = std::fs::read_to_string(&path).unwrap();
            let manifest = Manifest::parse(&path, &text).unwrap_or_else(|e| panic!("{e}"));
            if file.starts_with("examples") {
                let visit = manifest.lane("visit").expect("the visit example");
                assert_eq!(
                    visit.hold.as_ref().map(|h| h.on),
                    Some(crate::crm::Stage::Qualified)
                );
            }
        }
    }

    #[test]
    fn a_hold_on_entry_names_a_stage_a_duration_and_a_reason_and_needs_crm() {
        let lane = |extra: &str| {
            format!(
                "[[lane]]\nname = \"visit\"\ncomponent = \"v.wasm\"\nkind = \"major\"\nevery = \"1s\"\n{extra}"
            )
        };
        let good = parse(&lane(
            "grants = [\"crm\"]\n[lane.hold]\non = \"qualified\"\nfor = \"7d\"\nreason = \"waiting for a visit\"\n",
        ))
        .unwrap();
        assert_eq!(
            good.lanes[0].hold,
            Some(EntryHold {
                on: crate::crm::Stage::Qualified,
                hold_for: Duration::from_secs(7 * 86_400),
                reason: "waiting for a visit".into(),
            })
        );
        for (extra, key, says) in [
            (
                "[lane.hold]\non = \"qualified\"\nfor = \"7d\"\nreason = \"r\"\n",
                "hold",
                "needs the \"crm\" grant",
            ),
            (
                "grants = [\"crm\"]\n[lane.hold]\non = \"invited\"\nfor = \"7d\"\nreason = \"r\"\n",
                "hold.on",
                "unknown stage",
            ),
            (
                "grants = [\"crm\"]\n[lane.hold]\non = \"qualified\"\nfor = \"365d\"\nreason = \"r\"\n",
                "hold.for",
                "out of range",
            ),
            (
                "grants = [\"crm\"]\n[lane.hold]\non = \"qualified\"\nfor = \"7d\"\nreason = \" \"\n",
                "hold.reason",
                "needs a reason",
            ),
        ] {
            let e = err(&lane(extra));
            assert!(
                e.contains(&format!("key `{key}`")) && e.contains(says),
                "{extra:?}: {e}"
            );
        }
    }

    #[test]
    fn the_http_grant_needs_its_table_and_never_reaches_linkedin() {
        let lane = |extra: &str| {
            format!(
                "[[lane]]\nname = \"hook\"\ncomponent = \"h.wasm\"\nkind = \"major\"\nevery = \"1s\"\n{extra}"
            )
        };
        let good = parse(&lane(
            "grants = [\"http\"]\n[lane.http]\norigins = [\"https://hooks.example.com\"]\nsecrets = { hook-token = \"OUTLANE_HOOK\" }\nper_minute = 30\n",
        ))
        .unwrap();
        let http = good.lanes[0].grants.http.clone().unwrap();
        assert_eq!(
            (http.per_minute, http.max_response, http.timeout),
            (30, 1 << 20, Duration::from_secs(10))
        );
        assert_eq!(
            http.secrets.get("hook-token").map(String::as_str),
            Some("OUTLANE_HOOK")
        );
        for (extra, key, says) in [
            (
                "grants = [\"http\"]\n",
                "http.origins",
                "needs an origin allow-list",
            ),
            (
                "[lane.http]\norigins = [\"https://a.com\"]\n",
                "http",
                "not in `grants`",
            ),
            (
                "grants = [\"http\"]\n[lane.http]\norigins = [\"https://www.linkedin.com\"]\n",
                "http.origins",
                "LinkedIn",
            ),
            (
                "grants = [\"http\"]\n[lane.http]\norigins = [\"https://*.licdn.com\"]\n",
                "http.origins",
                "LinkedIn",
            ),
            (
                "grants = [\"http\"]\n[lane.http]\norigins = []\n",
                "http.origins",
                "is empty",
            ),
            (
                "grants = [\"http\"]\n[lane.http]\norigins = [\"https://a.com\"]\nsecrets = { t = \"A B\" }\n",
                "http.secrets",
                "ENVIRONMENT_VARIABLE",
            ),
            (
                "grants = [\"http\"]\n[lane.http]\norigins = [\"https://a.com\"]\ntimeout = \"5m\"\n",
                "http.timeout",
                "out of range",
            ),
            (
                "grants = [\"http\"]\n[lane.http]\norigins = [\"https://a.com\"]\nper_minute = 0\n",
                "http.per_minute",
                "out of range",
            ),
        ] {
            let e = err(&lane(extra));
            assert!(
                e.contains(&format!("key `{key}`")) && e.contains(says),
                "{extra:?}: {e}"
            );
        }
    }

    #[test]
    fn parses_a_good_manifest() {
        let m = parse(GOOD).unwrap();
        assert_eq!(m.lanes.len(), 2);
        let c = &m.lanes[0];
        assert_eq!(
            c.component,
            Path::new("/x/lanes/../target/lane_connect.wasm")
        );
        assert_eq!(c.every, Duration::from_secs(120));
        assert_eq!(c.kind, LaneKind::Major);
        assert_eq!(
            c.grants.capabilities,
            vec![Capability::CRM, Capability::BROWSER]
        );
        assert_eq!(c.grants.origins.len(), 2);
        assert_eq!(c.limits.cpu, Duration::from_secs(2));
        assert_eq!(c.limits.memory, 64 << 20);
        assert_eq!(c.limits.wall, DEFAULT_WALL);
        let cfg: serde_json::Value = serde_json::from_str(&c.config_json).unwrap();
        assert_eq!(cfg["note"], true);
        assert_eq!(cfg["greeting"], "hi");
        assert_eq!(c.line, 2);
        assert_eq!(c.config_location("greeting"), "/x/lanes/lanes.toml:16");
        assert_eq!(c.config_location("note.deep"), "/x/lanes/lanes.toml:15");
        assert_eq!(c.config_location("absent"), "/x/lanes/lanes.toml:2");
        let q = &m.lanes[1];
        assert_eq!(q.component, Path::new("/abs/q.wasm"));
        assert_eq!(q.config_json, "{}");
        assert_eq!(q.limits, SandboxLimits::default());
    }

    #[test]
    fn unknown_key_names_file_line_and_key() {
        let e = err(
            "[[lane]]\nname = \"a\"\ncomponent = \"a.wasm\"\nkind = \"major\"\nevry = \"1s\"\n",
        );
        assert!(e.starts_with("/x/lanes/lanes.toml:5:1: "), "{e}");
        assert!(e.contains("evry"), "{e}");
    }

    #[test]
    fn bad_values_are_located() {
        let e = err(
            "[[lane]]\nname = \"a\"\ncomponent = \"a.wasm\"\nkind = \"major\"\nevery = \"soon\"\n",
        );
        assert!(e.contains(":5:"), "{e}");
        assert!(e.contains("invalid duration"), "{e}");
        let e = err(
            "[[lane]]\nname = \"a\"\ncomponent = \"a.wasm\"\nkind = \"sometimes\"\nevery = \"1s\"\n",
        );
        assert!(e.contains(":4:"), "{e}");
        assert!(e.contains("major"), "{e}");
        let e = err(
            "[[lane]]\nname = \"a\"\ncomponent = \"a.wasm\"\nkind = \"major\"\nevery = \"1s\"\ngrants = [\"network\"]\n",
        );
        assert!(e.contains(":6:"), "{e}");
        assert!(e.contains("network"), "{e}");
        let e = err(
            "[[lane]]\nname = \"a\"\ncomponent = \"a.wasm\"\nkind = \"major\"\nevery = \"1s\"\n[lane.limits]\nmemory = \"12XB\"\n",
        );
        assert!(e.contains(":7:") && e.contains("limits"), "{e}");
    }

    #[test]
    fn missing_key_is_reported() {
        let e = err("[[lane]]\nname = \"a\"\ncomponent = \"a.wasm\"\nkind = \"major\"\n");
        assert!(e.contains("every"), "{e}");
    }

    #[test]
    fn semantic_checks() {
        let dup = "[[lane]]\nname = \"a\"\ncomponent = \"a.wasm\"\nkind = \"major\"\nevery = \"1s\"\n\
                   [[lane]]\nname = \"a\"\ncomponent = \"b.wasm\"\nkind = \"major\"\nevery = \"1s\"\n";
        let e = err(dup);
        assert!(e.contains(":7:") && e.contains("already defined"), "{e}");
        let e = err(
            "[[lane]]\nname = \"Bad Name\"\ncomponent = \"a.wasm\"\nkind = \"major\"\nevery = \"1s\"\n",
        );
        assert!(e.contains("not a valid lane name"), "{e}");
        let e = err(
            "[[lane]]\nname = \"a\"\ncomponent = \"a.wasm\"\nkind = \"major\"\nevery = \"1s\"\ngrants = [\"browser\"]\n",
        );
        assert!(
            e.contains("browser.origins") && e.contains("[lane.browser]"),
            "{e}"
        );
        let e = err(
            "[[lane]]\nname = \"a\"\ncomponent = \"a.wasm\"\nkind = \"major\"\nevery = \"1s\"\n[lane.browser]\norigins = [\"https://x.com\"]\n",
        );
        assert!(e.contains("not in `grants`"), "{e}");
        let e = err(
            "[[lane]]\nname = \"a\"\ncomponent = \"a.wasm\"\nkind = \"major\"\nevery = \"1s\"\ngrants = [\"browser\"]\n[lane.browser]\norigins = [\"x.com\"]\n",
        );
        assert!(e.contains(":8:") && e.contains("no scheme"), "{e}");
        let e = err(
            "[[lane]]\nname = \"a\"\ncomponent = \"a.wasm\"\nkind = \"major\"\nevery = \"0s\"\n",
        );
        assert!(e.contains("out of range"), "{e}");
        let e = err("[[lanes]]\nname = \"a\"\n");
        assert!(e.contains("lanes") && e.contains(":1:"), "{e}");
    }

    #[test]
    fn every_duration_and_size_is_bounded_at_parse_time() {
        let entry = |extra: &str| {
            format!("[[lane]]\nname = \"a\"\ncomponent = \"a.wasm\"\nkind = \"major\"\n{extra}")
        };
        let e = err(&entry("every = \"1ns\"\n"));
        assert!(
            e.contains(":5:") && e.contains("every") && e.contains("out of range"),
            "{e}"
        );
        let e = err(&entry(
            "every = \"1s\"\n[lane.limits]\nwall = \"500000000000years\"\n",
        ));
        assert!(e.contains(":7:") && e.contains("too long"), "{e}");
        let e = err(&entry("every = \"1s\"\n[lane.limits]\nwall = \"48h\"\n"));
        assert!(
            e.contains("limits.wall") && e.contains("from 1s to 1day"),
            "{e}"
        );
        let e = err(&entry("every = \"1s\"\n[lane.limits]\nmemory = -1\n"));
        assert!(
            e.contains(":7:") && e.contains("-1 is negative") && !e.contains("untagged"),
            "{e}"
        );
        let e = err(&entry("every = \"1s\"\n[lane.limits]\nstate = \"2GiB\"\n"));
        assert!(
            e.contains("limits.state") && e.contains("out of range"),
            "{e}"
        );
        let ok = parse(&entry("every = \"1s\"\n[lane.limits]\nstate = \"1MiB\"\n")).unwrap();
        assert_eq!(ok.lanes[0].limits.state, 1 << 20);
        assert_eq!(
            parse(&entry("every = \"1s\"\n")).unwrap().lanes[0]
                .limits
                .state,
            DEFAULT_STATE
        );
    }

    #[test]
    fn a_fifo_or_device_is_not_read_as_a_manifest() {
        let e = Manifest::load(Path::new("/dev/zero"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("a device"), "{e}");
    }

    #[test]
    fn empty_manifest_is_valid() {
        assert!(parse("").unwrap().lanes.is_empty());
    }
}
