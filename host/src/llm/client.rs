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
    /// Prompt tokens.
    pub prompt_tokens: u64,
    /// Completion tokens.
    pub completion_tokens: u64,
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
        spent: &mut Spent,
    ) -> Result<ChatReply, LlmError> {
        let messages = vec![json!({"role": "user", "content": prompt})];
        self.chat(&messages, temperature, None, spent).await
    }

    /// A completion whose reply must be JSON valid against `schema`; one repair attempt.
    pub async fn structured(
        &self,
        prompt: &str,
        schema: &Value,
        temperature: f64,
        spent: &mut Spent,
    ) -> Result<(Value, ChatReply), LlmError> {
        let use_format = self.mode == StructuredMode::JsonSchema
            && !self.no_response_format.load(Ordering::Relaxed);
        let mut messages =
            vec![json!({"role": "user", "content": with_instructions(prompt, schema)})];
        let first = match self
            .chat(&messages, temperature, use_format.then_some(schema), spent)
            .await
        {
            Err(LlmError::Status { status: 400, body }) if use_format && mentions_format(&body) => {
                tracing::warn!(
                    "the LLM server does not take response_format: asking with instructions only"
                );
                self.no_response_format.store(true, Ordering::Relaxed);
                self.chat(&messages, temperature, None, spent).await
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
            .chat(&messages, temperature, use_format.then_some(schema), spent)
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
        spent: &mut Spent,
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
            let mut request = self.http.post(&self.url).json(&body);
            if let Some(key) = &self.key {
                request = request.bearer_auth(key);
            }
            let response = match request.send().await {
                Ok(r) => r,
                Err(e) if e.is_timeout() => return Err(LlmError::Timeout),
                Err(e) => return Err(LlmError::Transport(without_url(&e))),
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
                Err(e) if e.is_timeout() => return Err(LlmError::Timeout),
                Err(e) => return Err(LlmError::Transport(without_url(&e))),
            };
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
            return parse_envelope(&text, spent);
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

fn parse_envelope(text: &str, spent: &mut Spent) -> Result<ChatReply, LlmError> {
    let envelope: Value = serde_json::from_str(text)
        .map_err(|e| LlmError::Malformed(format!("the answer is not JSON: {e}")))?;
    if let Some(usage) = envelope.get("usage") {
        let n = |k: &str| usage.get(k).and_then(Value::as_u64).unwrap_or(0);
        spent.prompt_tokens += n("prompt_tokens");
        spent.completion_tokens += n("completion_tokens");
    }
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
        let mut spent = Spent::default();
        let ok = r#"{"model":"m","choices":[{"message":{"content":"hi"}}],"usage":{"prompt_tokens":3,"completion_tokens":1}}"#;
        assert_eq!(parse_envelope(ok, &mut spent).unwrap().text, "hi");
        assert_eq!(
            spent,
            Spent {
                prompt_tokens: 3,
                completion_tokens: 1
            }
        );
        assert!(matches!(
            parse_envelope("<html>", &mut spent),
            Err(LlmError::Malformed(_))
        ));
        assert!(matches!(
            parse_envelope(r#"{"choices":[]}"#, &mut spent),
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
