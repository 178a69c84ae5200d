//! An OpenAI-compatible LLM stub for Outlane's tests and demo, on 127.0.0.1.
//!
//! It answers `POST /v1/chat/completions` in the OpenAI wire format. What it answers depends on
//! the task named by a `Task: <name>` line in the prompt (see [`prompt`]):
//! - `qualify_lead`: `{"qualified":bool,"reason":"…"}`, decided by a [`QualifyRule`] applied to
//!   the text fenced by `<<<PROFILE` … `PROFILE>>>`;
//! - `search_keywords`: `{"keywords":[…]}`, N phrases not in the `<<<USED` … `USED>>>` fence;
//! - `follow_up`: a short message greeting the name after `First name:`;
//! - `classify_reply`: `{"class":"…","reason":"…"}` for the text fenced by `<<<REPLY` …
//!   `REPLY>>>`, by keywords.
//!
//! Faults ([`Fault`]) make it fail the way real providers do; a request log and counters
//! record what the client sent. A control API under `/__stub/` mirrors the Rust API.
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! use outlane_llm_stub::{Fault, FaultKind, LlmStub, QualifyRule, StubConfig};
//! let stub = LlmStub::start(StubConfig::default().with_api_key("sk-test")).await?;
//! println!("{}", stub.base_url()); // http://127.0.0.1:PORT/v1
//! stub.set_rule(QualifyRule::new(&["cto", "founder"], &["recruiter"]));
//! stub.add_fault(Fault::times(FaultKind::Status { code: 429, retry_after: None }, 2));
//! // … run the client …
//! assert!(stub.calls() >= 3);
//! stub.stop().await;
//! # Ok(()) }
//! ```

#![deny(missing_docs)]

pub mod config;
pub mod control;
pub mod faults;
pub mod prompt;
pub mod routes;
pub mod schema;
pub mod state;
pub mod tasks;
pub mod wire;

use outlane_local_server::LocalServer;
use std::net::SocketAddr;

pub use config::{DEFAULT_MODEL, Decision, QualifyRule, StubConfig};
pub use faults::{Fault, FaultKind};
pub use prompt::{Prompt, Task};
pub use state::{LoggedMessage, LoggedRequest, Stats, StubState};
pub use wire::Usage;

/// A running stub. Dropping it stops the server too (abruptly); [`LlmStub::stop`] shuts it
/// down gracefully.
#[derive(Debug)]
pub struct LlmStub {
    state: StubState,
    server: LocalServer,
}

impl LlmStub {
    /// Starts on 127.0.0.1 with a free port.
    pub async fn start(config: StubConfig) -> anyhow::Result<LlmStub> {
        LlmStub::start_on(0, config).await
    }

    /// Starts on 127.0.0.1:`port` (0 picks a free port). Fails when the port is taken or a
    /// configured fault is invalid.
    pub async fn start_on(port: u16, config: StubConfig) -> anyhow::Result<LlmStub> {
        for fault in &config.faults {
            fault.validate().map_err(anyhow::Error::msg)?;
        }
        let state = StubState::new(config);
        let server = LocalServer::start(port, routes::router(state.clone()), "LLM stub").await?;
        tracing::info!("LLM stub listening on http://{}/v1", server.addr());
        Ok(LlmStub { state, server })
    }

    /// `http://127.0.0.1:PORT/v1`: what OpenAI clients take as their base URL.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.server.addr())
    }

    /// The socket address served.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// The shared state (for direct access with [`StubState::with`]).
    pub fn state(&self) -> &StubState {
        &self.state
    }

    /// Replaces the qualification rule.
    pub fn set_rule(&self, rule: QualifyRule) {
        self.state.with(|s| s.set_rule(rule));
    }

    /// The qualification rule.
    pub fn rule(&self) -> QualifyRule {
        self.state.with(|s| s.rule().clone())
    }

    /// Replaces the keyword list `search_keywords` draws from first.
    pub fn set_keywords<S: Into<String>>(&self, keywords: impl IntoIterator<Item = S>) {
        let list = keywords.into_iter().map(Into::into).collect();
        self.state.with(|s| s.set_keywords(list));
    }

    /// Turns the profile echo in qualification reasons on or off.
    pub fn set_echo_profile(&self, on: bool) {
        self.state.with(|s| s.set_echo_profile(on));
    }

    /// Adds a fault after the active ones. A `status` fault with an invalid code answers 500.
    pub fn add_fault(&self, fault: Fault) {
        self.state.with(|s| s.add_fault(fault));
    }

    /// Removes every fault.
    pub fn clear_faults(&self) {
        self.state.with(|s| s.clear_faults());
    }

    /// The active faults, with their remaining counts.
    pub fn faults(&self) -> Vec<Fault> {
        self.state.with(|s| s.faults())
    }

    /// The request log, oldest first (control requests are not logged).
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.state.with(|s| s.requests())
    }

    /// Empties the request log (counters are kept).
    pub fn clear_requests(&self) {
        self.state.with(|s| s.clear_requests());
    }

    /// Chat-completion requests received, whatever their outcome.
    pub fn calls(&self) -> u64 {
        self.state.with(|s| s.stats().calls)
    }

    /// Total tokens reported in `usage` of the completions answered.
    pub fn tokens(&self) -> u64 {
        self.state.with(|s| s.stats().total_tokens)
    }

    /// All counters.
    pub fn stats(&self) -> Stats {
        self.state.with(|s| s.stats())
    }

    /// Back to the start configuration; empties the log and zeroes the counters.
    pub fn reset(&self) {
        self.state.reset();
    }

    /// Stops the server, waiting up to 2 s for open requests.
    pub async fn stop(self) {
        self.server.stop().await;
    }
}
