//! The LLM capability: prompts rendered from `prompts/`, completions from an OpenAI-compatible
//! server, structured replies validated, and a daily budget per campaign kept in the CRM.
//!
//! - [`prompts`]: minijinja templates, read at each render (edits apply at once);
//! - [`client`]: the HTTP client (retries on 429/5xx only, timeouts, structured output);
//! - [`schema`]: checking a structured reply against the lane's JSON schema.

pub mod client;
pub mod prompts;
pub mod schema;

pub use client::{ChatClient, ChatReply, Spent};
pub use prompts::{PromptError, Prompts};

use crate::clock::Clock;
use crate::config::LlmConfig;
use crate::crm::{CrmError, Db, llm_usage};
use serde_json::Value;
use std::time::Duration;

/// Why a completion failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LlmError {
    /// The endpoint is not usable as configured.
    #[error("the LLM is not configured: {0}")]
    NotConfigured(String),
    /// The prompt could not be rendered.
    #[error(transparent)]
    Prompt(#[from] PromptError),
    /// The campaign's daily budget is spent.
    #[error("{reason}")]
    Budget {
        /// What was spent.
        reason: String,
        /// When the budget renews (ms since the epoch).
        until_ms: u64,
    },
    /// The server answered with an error status (after the retries, for 429/5xx).
    #[error("the LLM server answered HTTP {status}: {body}")]
    Status {
        /// HTTP status.
        status: u16,
        /// The start of the body.
        body: String,
    },
    /// No answer within `llm.timeout`.
    #[error("the LLM server did not answer within the timeout (llm.timeout)")]
    Timeout,
    /// The connection failed.
    #[error("cannot reach the LLM server: {0}")]
    Transport(String),
    /// The answer is not a chat completion.
    #[error("the LLM server's answer is malformed: {0}")]
    Malformed(String),
    /// A structured reply failed its schema, even after one repair.
    #[error("{0}")]
    Invalid(String),
    /// The database failed.
    #[error("database: {0}")]
    Db(String),
}

impl From<CrmError> for LlmError {
    fn from(e: CrmError) -> Self {
        LlmError::Db(e.to_string())
    }
}

/// A finished completion.
#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    /// The reply text (JSON when a schema was given).
    pub text: String,
    /// The model that answered.
    pub model: String,
    /// Tokens spent, repairs included.
    pub spent: Spent,
}

/// Prompts, client and budget, shared by every lane call.
#[derive(Debug)]
pub struct Llm {
    client: ChatClient,
    prompts: Prompts,
    config: LlmConfig,
    db: Db,
    clock: Clock,
}

/// Sampling temperature of every completion (the reference's 0.7).
const TEMPERATURE: f64 = 0.7;

/// A campaign's daily budget, checked before and counted after every HTTP request (retries
/// and repairs included), so that a provider answering errors or unusable replies cannot
/// spend money without bound. Each request is recorded at once: an interrupted call still
/// counts what it sent.
struct Budget<'a> {
    db: &'a Db,
    campaign: u64,
    day: String,
    until_ms: u64,
    calls: u64,
    tokens: u64,
    spent: Spent,
}

impl client::RequestMeter for Budget<'_> {
    async fn admit(&mut self) -> Result<(), LlmError> {
        let (campaign, day) = (self.campaign, self.day.clone());
        let used = self
            .db
            .read_outside_tx(move |c| llm_usage::get(c, campaign, &day))
            .await?;
        if used.calls >= self.calls || used.tokens() >= self.tokens {
            return Err(LlmError::Budget {
                reason: format!(
                    "the campaign's LLM budget for today is spent ({} of {} requests, {} of {} tokens)",
                    used.calls,
                    self.calls,
                    used.tokens(),
                    self.tokens
                ),
                until_ms: self.until_ms,
            });
        }
        Ok(())
    }

    async fn record(&mut self, prompt_tokens: u64, completion_tokens: u64) -> Result<(), LlmError> {
        self.spent.requests += 1;
        self.spent.prompt_tokens += prompt_tokens;
        self.spent.completion_tokens += completion_tokens;
        let (campaign, day) = (self.campaign, self.day.clone());
        self.db
            .write(move |tx| {
                llm_usage::record(tx, campaign, &day, prompt_tokens, completion_tokens)
            })
            .await?;
        Ok(())
    }
}

impl Llm {
    /// The LLM service for `config` (environment overrides applied by the caller).
    pub fn new(config: LlmConfig, db: Db, clock: Clock) -> Result<Llm, LlmError> {
        Llm::with_backoff(config, db, clock, Duration::from_secs(1))
    }

    /// Like [`Llm::new`] with the first retry back-off given (tests use milliseconds).
    pub fn with_backoff(
        config: LlmConfig,
        db: Db,
        clock: Clock,
        backoff: Duration,
    ) -> Result<Llm, LlmError> {
        Ok(Llm {
            client: ChatClient::new(&config, backoff)?,
            prompts: Prompts::new(config.prompts.clone()),
            config,
            db,
            clock,
        })
    }

    /// The prompt templates.
    pub fn prompts(&self) -> &Prompts {
        &self.prompts
    }

    /// Renders prompt `name` without asking the model.
    pub fn render(&self, name: &str, vars: &Value) -> Result<String, LlmError> {
        Ok(self.prompts.render(name, vars)?)
    }

    /// Renders prompt `name` and asks the model for `campaign`, within its daily budget.
    /// With `schema`, the reply is JSON valid against it.
    pub async fn complete(
        &self,
        campaign: u64,
        name: &str,
        vars: &Value,
        schema: Option<&Value>,
    ) -> Result<Completion, LlmError> {
        let prompt = self.prompts.render(name, vars)?;
        let now = self.clock.now_ms();
        let (day, until_ms) = self
            .db
            .read_outside_tx(move |c| llm_usage::day_of(c, campaign, now))
            .await?;
        let mut budget = Budget {
            db: &self.db,
            campaign,
            day,
            until_ms,
            calls: self.config.daily_calls,
            tokens: self.config.daily_tokens,
            spent: Spent::default(),
        };
        let result = match schema {
            Some(schema) => self
                .client
                .structured(&prompt, schema, TEMPERATURE, &mut budget)
                .await
                .map(|(value, reply)| ChatReply {
                    text: value.to_string(),
                    model: reply.model,
                }),
            None => self.client.text(&prompt, TEMPERATURE, &mut budget).await,
        };
        let spent = budget.spent;
        let reply = result?;
        Ok(Completion {
            text: reply.text.trim().to_string(),
            model: reply.model,
            spent,
        })
    }
}
