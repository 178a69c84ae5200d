//! The mutable state of a running stub: settings (rule, keywords, echo), faults, the request
//! log and the counters.
//!
//! [`StubState`] is a cheap, cloneable handle; every access locks the [`Inner`] state briefly
//! (never across an `await`).

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::config::{QualifyRule, StubConfig};
use crate::faults::{Fault, FaultKind, FaultSet};
use crate::wire::Usage;

/// The request log keeps at most this many entries (the oldest tenth is dropped when full).
pub const MAX_LOGGED_REQUESTS: usize = 10_000;

/// One message as logged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoggedMessage {
    /// Its role.
    pub role: String,
    /// Its text (content parts joined).
    pub content: String,
}

/// One logged request (every request except the control API's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoggedRequest {
    /// Sequence number, from 1.
    pub id: u64,
    /// HTTP method.
    pub method: String,
    /// Path, as sent.
    pub path: String,
    /// The model asked for (`None` when the body did not parse or had none).
    pub model: Option<String>,
    /// The messages (empty when the body did not parse).
    pub messages: Vec<LoggedMessage>,
    /// The `response_format` type (`text`, `json_object`, `json_schema`), if one was sent.
    pub response_format: Option<String>,
    /// The `json_schema` name, if one was sent.
    pub schema_name: Option<String>,
    /// The recognised task (`None`: no `Task:` marker, or not a chat completion).
    pub task: Option<String>,
    /// Arrival time (Unix ms).
    pub at_ms: u64,
    /// The status answered (`None` while the request is in progress).
    pub status: Option<u16>,
    /// The fault that fired, by kind name.
    pub fault: Option<String>,
    /// The content of the reply's choice, when there was one.
    pub reply: Option<String>,
}

impl LoggedRequest {
    /// A record of a request that just arrived.
    pub fn new(method: &str, path: &str) -> LoggedRequest {
        LoggedRequest {
            id: 0,
            method: method.to_string(),
            path: path.to_string(),
            model: None,
            messages: Vec::new(),
            response_format: None,
            schema_name: None,
            task: None,
            at_ms: now_ms(),
            status: None,
            fault: None,
            reply: None,
        }
    }
}

/// How a logged request ended.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// The HTTP status.
    pub status: u16,
    /// The fault that fired.
    pub fault: Option<&'static str>,
    /// The reply content.
    pub reply: Option<String>,
    /// The usage reported (counted into [`Stats`]).
    pub usage: Option<Usage>,
}

/// Counters since start (or the last reset).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// Chat-completion requests received, whatever their outcome.
    pub calls: u64,
    /// Prompt tokens of the completions answered.
    pub prompt_tokens: u64,
    /// Completion tokens of the completions answered.
    pub completion_tokens: u64,
    /// Their sum.
    pub total_tokens: u64,
}

/// The state behind the lock.
#[derive(Debug)]
pub struct Inner {
    config: StubConfig,
    rule: QualifyRule,
    keywords: Vec<String>,
    echo_profile: bool,
    faults: FaultSet,
    log: Vec<LoggedRequest>,
    next_id: u64,
    completions: u64,
    stats: Stats,
}

impl Inner {
    fn new(config: StubConfig) -> Inner {
        Inner {
            rule: config.rule.clone(),
            keywords: config.keywords.clone(),
            echo_profile: config.echo_profile,
            faults: FaultSet::new(config.faults.clone()),
            log: Vec::new(),
            next_id: 1,
            completions: 0,
            stats: Stats::default(),
            config,
        }
    }

    /// The model id listed by `/v1/models`.
    pub fn model(&self) -> &str {
        &self.config.model
    }

    /// The API key required, if any.
    pub fn api_key(&self) -> Option<&str> {
        self.config.api_key.as_deref()
    }

    /// The qualification rule.
    pub fn rule(&self) -> &QualifyRule {
        &self.rule
    }

    /// Replaces the qualification rule.
    pub fn set_rule(&mut self, rule: QualifyRule) {
        self.rule = rule;
    }

    /// The keyword list.
    pub fn keywords(&self) -> &[String] {
        &self.keywords
    }

    /// Replaces the keyword list.
    pub fn set_keywords(&mut self, keywords: Vec<String>) {
        self.keywords = keywords;
    }

    /// Whether qualification reasons echo the profile.
    pub fn echo_profile(&self) -> bool {
        self.echo_profile
    }

    /// Turns the profile echo on or off.
    pub fn set_echo_profile(&mut self, on: bool) {
        self.echo_profile = on;
    }

    /// Adds a fault.
    pub fn add_fault(&mut self, fault: Fault) {
        self.faults.add(fault);
    }

    /// Removes every fault.
    pub fn clear_faults(&mut self) {
        self.faults.clear();
    }

    /// The active faults.
    pub fn faults(&self) -> Vec<Fault> {
        self.faults.list()
    }

    /// Fires the first fault that applies (see [`FaultSet::take`]).
    pub fn take_fault(&mut self, task: Option<&str>, expects_json: bool) -> Option<FaultKind> {
        self.faults.take(task, expects_json)
    }

    /// Appends a record; returns its id. A chat completion also counts as a call.
    pub fn log_request(&mut self, mut record: LoggedRequest, is_call: bool) -> u64 {
        if self.log.len() >= MAX_LOGGED_REQUESTS {
            self.log.drain(..MAX_LOGGED_REQUESTS / 10);
        }
        record.id = self.next_id;
        self.next_id += 1;
        let id = record.id;
        self.log.push(record);
        if is_call {
            self.stats.calls += 1;
        }
        id
    }

    /// Updates the record `id` with more of what was read from the request.
    pub fn update_request(&mut self, id: u64, f: impl FnOnce(&mut LoggedRequest)) {
        if let Some(r) = self.log.iter_mut().rev().find(|r| r.id == id) {
            f(r);
        }
    }

    /// Records how request `id` ended and counts its tokens.
    pub fn finish_request(&mut self, id: u64, outcome: Outcome) {
        if let Some(u) = outcome.usage {
            self.stats.prompt_tokens += u.prompt_tokens;
            self.stats.completion_tokens += u.completion_tokens;
            self.stats.total_tokens += u.total_tokens;
        }
        self.update_request(id, |r| {
            r.status = Some(outcome.status);
            r.fault = outcome.fault.map(str::to_string);
            r.reply = outcome.reply;
        });
    }

    /// The next completion id, `chatcmpl-stub-000001` onwards.
    pub fn next_completion_id(&mut self) -> String {
        self.completions += 1;
        format!("chatcmpl-stub-{:06}", self.completions)
    }

    /// The request log, oldest first.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.log.clone()
    }

    /// Empties the request log (counters are kept).
    pub fn clear_requests(&mut self) {
        self.log.clear();
    }

    /// The counters.
    pub fn stats(&self) -> Stats {
        self.stats
    }
}

/// A shared handle on a stub's state.
#[derive(Debug, Clone)]
pub struct StubState {
    inner: Arc<Mutex<Inner>>,
}

impl StubState {
    /// A state for `config`.
    pub fn new(config: StubConfig) -> StubState {
        StubState {
            inner: Arc::new(Mutex::new(Inner::new(config))),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves plain data behind; keep serving.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` on the state.
    pub fn with<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> R {
        f(&mut self.lock())
    }

    /// Back to the start configuration: rule, keywords, echo and faults as configured; log,
    /// counters and completion ids from scratch.
    pub fn reset(&self) {
        let mut inner = self.lock();
        let config = inner.config.clone();
        *inner = Inner::new(config);
    }
}

/// The current Unix time in ms.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// The current Unix time in seconds.
pub fn now_secs() -> u64 {
    now_ms() / 1000
}
