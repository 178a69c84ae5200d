//! The OpenAI-compatible chat-completions client (OpenAI, OpenRouter, vLLM, llama.cpp server,
//! Ollama, the test stub).
//!
//! One user message per completion, as the reference did. 429 and 5xx answers are retried
//! with back-off (`retry-after` honoured, capped); a timeout, a refused request (4xx) or a
//! broken connection are not retried. Structured replies are asked with
//! `response_format: json_schema`, checked against the schema, and repaired once.

use super::LlmError;
use super::schema;
use crate::config::{LlmConfig, StructuredMode};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Tokens spent, summed over the HTTP calls of one completion (repairs included).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Spent {
    /// HTTP requests that reached the server (retries and repairs included).
    pub requests: u64,
    /// Prompt tokens.
    pub prompt_tokens: u64,
    /// Completion tokens.
    pub completion_tokens: u64,
}

/// Counts what the client spends, one HTTP request at a time: [`admit`](Self::admit) before
/// a request is sent (a spent budget stops it), [`record`](Self::record) after it reached the
/// server, whatever the answer (an error status or an unusable body cost money too).
pub trait RequestMeter {
    /// `Ok` if one more request may be sent.
    fn admit(&mut self) -> impl Future<Output = Result<(), LlmError>> + Send;
    /// One request reached the server; the tokens it reported (0 when it said nothing).
    fn record(
        &mut self,
        prompt_tokens: u64,
        completion_tokens: u64,
    ) -> impl Future<Output = Result<(), LlmError>> + Send;
}

/// A meter without a budget: it only adds up (for tests and tools).
impl RequestMeter for Spent {
    async fn admit(&mut self) -> Result<(), LlmError> {
        Ok(())
    }
    async fn record(&mut self, prompt_tokens: u64, completion_tokens: u64) -> Result<(), LlmError> {
        self.requests += 1;
        self.prompt_tokens += prompt_tokens;
        self.completion_tokens += completion_tokens;
        Ok(())
    }
}

/// A completion.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatReply {
    /// The reply text (for structured calls: the JSON, validated).
    pub text: String,
    /// The model that answered.
    pub model: String,
}

/// The HTTP client of one configured endpoint.
#[derive(Debug)]
pub struct ChatClient {
    http: reqwest::Client,
    url: String,
    model: String,
    key: Option<String>,
    retries: u32,
    backoff: Duration,
    mode: StructuredMode,
    /// Set once the server has refused `response_format`: later calls use instructions.
    no_response_format: AtomicBool,
}

/// Longest wait between two attempts, whatever `retry-after` says.
const MAX_WAIT: Duration = Duration::from_secs(30);

impl ChatClient {
    /// A client for `config` (API key from its environment variable, if set).
    pub fn new(config: &LlmConfig, backoff: Duration) -> Result<ChatClient, LlmError> {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            .build()
            .map_err(|e| LlmError::NotConfigured(format!("cannot build the HTTP client: {e}")))?;
        Ok(ChatClient {
            http,
            url: format!("{}/chat/completions", config.base_url.trim_end_matches('/')),
            model: config.model.clone(),
            key: config.api_key(),
            retries: config.retries,
            backoff,
            mode: config.structured,
            no_response_format: AtomicBool::new(false),
        })
    }

    /// A plain completion of `prompt`.
    pub async fn text(
        &self,
        prompt: &str,
        temperature: f64,
        meter: &mut impl RequestMeter,
    ) -> Result<ChatReply, LlmError> {
        let messages = vec![json!({"role": "user", "content": prompt})];
        self.chat(&messages, temperature, None, meter).await
    }

    /// A completion whose reply must be JSON valid against `schema`; one repair attempt.
    pub async fn structured(
        &self,
        prompt: &str,
        schema: &Value,
        temperature: f64,
        meter: &mut impl RequestMeter,
    ) -> Result<(Value, ChatReply), LlmError> {
        let use_format = self.mode == StructuredMode::JsonSchema
            && !self.no_response_format.load(Ordering::Relaxed);
        let mut messages =
            vec![json!({"role": "user", "content": with_instructions(prompt, schema)})];
        let first = match self
            .chat(&messages, temperature, use_format.then_some(schema), meter)
            .await
        {
            Err(LlmError::Status { status: 400, body }) if use_format && mentions_format(&body) => {
                tracing::warn!(
                    "the LLM server does not take response_format: asking with instructions only"
                );
                self.no_response_format.store(true, Ordering::Relaxed);
                self.chat(&messages, temperature, None, meter).await
            }
            other => other,
        };
        let why = match first {
            Ok(first) => match parse_checked(&first.text, schema) {
                Ok(value) => return Ok((value, first)),
                Err(why) => {
                    messages.push(json!({"role": "assistant", "content": first.text}));
                    why
                }
            },
            // A garbled answer gets the same single second chance as an invalid reply.
            Err(LlmError::Malformed(why)) => why,
            Err(e) => return Err(e),
        };
        tracing::warn!("the model's structured reply was unusable ({why}); asking once more");
        messages.push(json!({"role": "user", "content": format!(
            "That reply is not valid: {why}. Answer again with only one JSON value that matches this JSON schema, no other text:\n{schema}"
        )}));
        let use_format = use_format && !self.no_response_format.load(Ordering::Relaxed);
        let second = match self
            .chat(&messages, temperature, use_format.then_some(schema), meter)
            .await
        {
            Err(LlmError::Malformed(why)) => {
                return Err(LlmError::Invalid(format!(
                    "the model's reply is unusable, even after one repair: {why}"
                )));
            }
            other => other?,
        };
        match parse_checked(&second.text, schema) {
            Ok(value) => Ok((value, second)),
            Err(why) => Err(LlmError::Invalid(format!(
                "the model's reply does not match the schema, even after one repair: {why}"
            ))),
        }
    }

    async fn chat(
        &self,
        messages: &[Value],
        temperature: f64,
        schema: Option<&Value>,
        meter: &mut impl RequestMeter,
    ) -> Result<ChatReply, LlmError> {
        let mut body = json!({
            "model": self.model,
            "messages": messages,
            "temperature": temperature,
        });
        if let Some(schema) = schema {
            body["response_format"] = json!({
                "type": "json_schema",
                "json_schema": {"name": "reply", "schema": schema},
            });
        }
        let mut attempt = 0;
        loop {
            meter.admit().await?;
            let mut request = self.http.post(&self.url).json(&body);
            if let Some(key) = &self.key {
                request = request.bearer_auth(key);
            }
            let response = match request.send().await {
                Ok(r) => r,
                Err(e) if e.is_timeout() => {
                    // It was sent: the server may be working on it, and billing it.
                    meter.record(0, 0).await?;
                    return Err(LlmError::Timeout);
                }
                Err(e) => {
                    if !e.is_connect() {
                        meter.record(0, 0).await?;
                    }
                    return Err(LlmError::Transport(without_url(&e)));
                }
            };
            let status = response.status().as_u16();
            let retry_after = response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<f64>().ok())
                .filter(|s| s.is_finite() && *s >= 0.0)
                .map(Duration::from_secs_f64);
            let text = match response.text().await {
                Ok(t) => t,
                Err(e) => {
                    meter.record(0, 0).await?;
                    if e.is_timeout() {
                        return Err(LlmError::Timeout);
                    }
                    return Err(LlmError::Transport(without_url(&e)));
                }
            };
            let (prompt_tokens, completion_tokens) = reported_tokens(&text);
            meter.record(prompt_tokens, completion_tokens).await?;
            if status == 429 || (500..600).contains(&status) {
                if attempt < self.retries {
                    let wait = retry_after
                        .unwrap_or(self.backoff * 2u32.pow(attempt))
                        .min(MAX_WAIT)
                        .min(self.backoff * 30);
                    tracing::debug!(status, attempt, "LLM call retried in {wait:?}");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                    continue;
                }
                return Err(LlmError::Status {
                    status,
                    body: clip(&text),
                });
            }
            if status != 200 {
                return Err(LlmError::Status {
                    status,
                    body: clip(&text),
                });
            }
            return parse_envelope(&text);
        }
    }
}

fn without_url(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    if let Some(url) = e.url() {
        text = text.replace(url.as_str(), "<endpoint>");
    }
    text
}

fn clip(text: &str) -> String {
    text.chars().take(300).collect()
}

fn mentions_format(body: &str) -> bool {
    let b = body.to_ascii_lowercase();
    b.contains("response_format") || b.contains("json_schema")
}

/// The prompt with the reply format spelled out, for every structured call (servers that
/// ignore `response_format` still see what to answer).
fn with_instructions(prompt: &str, schema: &Value) -> String {
    format!(
        "{prompt}\n\nAnswer with only one JSON value, no other text, matching this JSON schema:\n{schema}"
    )
}

/// The reply's JSON (a surrounding Markdown code fence is tolerated), checked against `schema`.
fn parse_checked(text: &str, schema: &Value) -> Result<Value, String> {
    let trimmed = text.trim();
    let inner = trimmed
        .strip_prefix("```json")
        .or_else(|| trimmed.strip_prefix("```"))
        .and_then(|t| t.strip_suffix("```"))
        .unwrap_or(trimmed)
        .trim();
    let value: Value = serde_json::from_str(inner).map_err(|e| format!("it is not JSON ({e})"))?;
    match schema::violation(schema, &value) {
        None => Ok(value),
        Some(v) => Err(v),
    }
}

/// The tokens an answer body reports (`usage`), 0 when it reports none or is not JSON.
fn reported_tokens(text: &str) -> (u64, u64) {
    let Ok(envelope) = serde_json::from_str::<Value>(text) else {
        return (0, 0);
    };
    let n = |k: &str| {
        envelope
            .pointer(&format!("/usage/{k}"))
            .and_then(Value::as_u64)
            .unwrap_or(0)
    };
    (n("prompt_tokens"), n("completion_tokens"))
}

fn parse_envelope(text: &str) -> Result<ChatReply, LlmError> {
    let envelope: Value = serde_json::from_str(text)
        .map_err(|e| LlmError::Malformed(format!("the answer is not JSON: {e}")))?;
    let content = envelope
        .pointer("/choices/0/message/content")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            LlmError::Malformed("the answer has no choices[0].message.content".into())
        })?;
    Ok(ChatReply {
        text: content.to_string(),
        model: envelope
            .get("model")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes_and_fenced_json() {
        let ok = r#"{"model":"m","choices":[{"message":{"content":"hi"}}],"usage":{"prompt_tokens":3,"completion_tokens":1}}"#;
        assert_eq!(parse_envelope(ok).unwrap().text, "hi");
        assert_eq!(reported_tokens(ok), (3, 1));
        assert_eq!(reported_tokens("<html>"), (0, 0));
        assert!(matches!(
            parse_envelope("<html>"),
            Err(LlmError::Malformed(_))
        ));
        assert!(matches!(
            parse_envelope(r#"{"choices":[]}"#),
            Err(LlmError::Malformed(_))
        ));
        let schema = json!({"type": "object", "required": ["qualified"], "properties": {"qualified": {"type": "boolean"}}});
        assert_eq!(
            parse_checked("```json\n{\"qualified\": true}\n```", &schema).unwrap(),
            json!({"qualified": true})
        );
        assert!(
            parse_checked("Sure! {\"qualified\": true}", &schema)
                .unwrap_err()
                .contains("not JSON")
        );
        assert!(
            parse_checked("{\"qualified\": \"yes\"}", &schema)
                .unwrap_err()
                .contains("expected boolean")
        );
    }
}
