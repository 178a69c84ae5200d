//! The OpenAI wire format: the chat-completions request as the stub reads it, the completion
//! envelope it answers, the error body, and the token estimate used for `usage`.

use axum::http::header::{CONTENT_TYPE, RETRY_AFTER};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// A chat-completions request. Unknown fields are ignored.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ChatRequest {
    /// The model asked for (any non-empty id is accepted and echoed).
    pub model: String,
    /// The conversation.
    pub messages: Vec<ChatMessage>,
    /// Sampling temperature (0–2).
    #[serde(default)]
    pub temperature: Option<f64>,
    /// The completion budget (accepted, not enforced).
    #[serde(default)]
    pub max_tokens: Option<u32>,
    /// How the content must be shaped.
    #[serde(default)]
    pub response_format: Option<ResponseFormat>,
    /// Streaming is not supported: `true` is refused with a 400.
    #[serde(default)]
    pub stream: Option<bool>,
}

impl ChatRequest {
    /// Parses a request body; the error is ready to send.
    pub fn parse(body: &[u8]) -> Result<ChatRequest, ApiError> {
        let value: Value = serde_json::from_slice(body).map_err(|e| {
            ApiError::invalid_request(format!(
                "We could not parse the JSON body of your request: {e}"
            ))
        })?;
        let request: ChatRequest = serde_json::from_value(value)
            .map_err(|e| ApiError::invalid_request(format!("Invalid request body: {e}")))?;
        request.check()?;
        Ok(request)
    }

    /// Checks what serde cannot: a model, at least one message, the temperature range and
    /// no streaming.
    pub fn check(&self) -> Result<(), ApiError> {
        if self.model.trim().is_empty() {
            return Err(ApiError::invalid_request(
                "you must provide a model parameter",
            ));
        }
        if self.messages.is_empty() {
            return Err(ApiError::invalid_request(
                "'messages' must contain at least one message",
            ));
        }
        if let Some(t) = self.temperature
            && !(0.0..=2.0).contains(&t)
        {
            return Err(ApiError::invalid_request(format!(
                "{t} is not a valid temperature: it must be between 0 and 2"
            )));
        }
        if self.stream == Some(true) {
            return Err(ApiError::invalid_request(
                "stream: true is not supported by the Outlane LLM stub",
            ));
        }
        Ok(())
    }

    /// The schema asked for with `json_schema`, if any.
    pub fn schema(&self) -> Option<&Value> {
        match &self.response_format {
            Some(ResponseFormat::JsonSchema { json_schema }) => json_schema.schema.as_ref(),
            _ => None,
        }
    }

    /// Whether `response_format` asks for JSON content.
    pub fn wants_json(&self) -> bool {
        matches!(
            self.response_format,
            Some(ResponseFormat::JsonObject | ResponseFormat::JsonSchema { .. })
        )
    }
}

/// One message of the conversation.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ChatMessage {
    /// `system`, `developer`, `user`, `assistant` or `tool`.
    pub role: String,
    /// Its content: a string, an array of content parts, or null.
    #[serde(default)]
    pub content: MessageContent,
}

impl ChatMessage {
    /// The text of the message (text parts joined by newlines).
    pub fn text(&self) -> String {
        self.content.text()
    }
}

/// A message's content as sent.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum MessageContent {
    /// Plain text.
    Text(String),
    /// Content parts; only `{"type":"text","text":…}` parts contribute text.
    Parts(Vec<ContentPart>),
    /// No content (an assistant message with tool calls).
    #[default]
    Null,
}

impl MessageContent {
    /// The text.
    pub fn text(&self) -> String {
        match self {
            MessageContent::Text(s) => s.clone(),
            MessageContent::Parts(parts) => parts
                .iter()
                .filter_map(|p| p.text.as_deref())
                .collect::<Vec<_>>()
                .join("\n"),
            MessageContent::Null => String::new(),
        }
    }
}

/// One content part.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ContentPart {
    /// The part type (`text`, `image_url` …).
    #[serde(rename = "type")]
    pub kind: String,
    /// The text of a `text` part.
    #[serde(default)]
    pub text: Option<String>,
}

/// `response_format`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ResponseFormat {
    /// Free text.
    Text,
    /// Any JSON object.
    JsonObject,
    /// JSON validating against a schema.
    JsonSchema {
        /// The schema and its name.
        json_schema: JsonSchemaFormat,
    },
}

impl ResponseFormat {
    /// `text`, `json_object` or `json_schema`.
    pub fn name(&self) -> &'static str {
        match self {
            ResponseFormat::Text => "text",
            ResponseFormat::JsonObject => "json_object",
            ResponseFormat::JsonSchema { .. } => "json_schema",
        }
    }
}

/// The `json_schema` member of a `json_schema` response format.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct JsonSchemaFormat {
    /// The schema's name.
    pub name: String,
    /// The JSON Schema itself.
    #[serde(default)]
    pub schema: Option<Value>,
    /// Strict mode (accepted; the stub always answers with valid content unless a fault says
    /// otherwise).
    #[serde(default)]
    pub strict: Option<bool>,
}

/// Token counts, as in the `usage` member.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    /// Tokens of all the request's messages.
    pub prompt_tokens: u64,
    /// Tokens of the reply content.
    pub completion_tokens: u64,
    /// The sum.
    pub total_tokens: u64,
}

impl Usage {
    /// The estimate for `messages` answered with `content`.
    pub fn estimate(messages: &[ChatMessage], content: &str) -> Usage {
        let prompt_tokens = messages.iter().map(|m| estimate_tokens(&m.text())).sum();
        let completion_tokens = estimate_tokens(content);
        Usage {
            prompt_tokens,
            completion_tokens,
            total_tokens: prompt_tokens + completion_tokens,
        }
    }
}

/// A deterministic token estimate: whitespace-separated words × 4/3, rounded up.
pub fn estimate_tokens(text: &str) -> u64 {
    let words = text.split_whitespace().count() as u64;
    (words * 4).div_ceil(3)
}

/// The completion envelope with one choice holding `content` (or no choice at all).
pub fn completion(
    id: &str,
    created: u64,
    model: &str,
    content: Option<&str>,
    usage: Usage,
) -> Value {
    let choices = match content {
        Some(content) => json!([{
            "index": 0,
            "message": { "role": "assistant", "content": content, "refusal": null },
            "logprobs": null,
            "finish_reason": "stop",
        }]),
        None => json!([]),
    };
    json!({
        "id": id,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": choices,
        "usage": usage,
    })
}

/// A JSON response.
pub fn json_response(status: StatusCode, value: &Value) -> Response {
    (
        status,
        [(CONTENT_TYPE, "application/json")],
        value.to_string(),
    )
        .into_response()
}

/// An error answered in OpenAI's format: `{"error":{"message","type","param","code"}}`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status}: {message}")]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// `error.message`.
    pub message: String,
    /// `error.type`.
    pub kind: &'static str,
    /// `error.code`.
    pub code: Option<&'static str>,
    /// `retry-after` header, in seconds.
    pub retry_after: Option<u64>,
}

impl ApiError {
    /// 400 `invalid_request_error`.
    pub fn invalid_request(message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
            kind: "invalid_request_error",
            code: None,
            retry_after: None,
        }
    }

    /// 401 for a missing or wrong bearer key.
    pub fn unauthorized(missing: bool) -> ApiError {
        let (message, code) = if missing {
            (
                "You didn't provide an API key. You need to provide your API key in an \
                 Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
                None,
            )
        } else {
            ("Incorrect API key provided.", Some("invalid_api_key"))
        };
        ApiError {
            status: StatusCode::UNAUTHORIZED,
            message: message.to_string(),
            kind: "invalid_request_error",
            code,
            retry_after: None,
        }
    }

    /// 404 for an unknown URL or model.
    pub fn not_found(message: impl Into<String>, code: &'static str) -> ApiError {
        ApiError {
            status: StatusCode::NOT_FOUND,
            message: message.into(),
            kind: "invalid_request_error",
            code: Some(code),
            retry_after: None,
        }
    }

    /// The error an injected `status` fault answers, shaped like OpenAI's for that code.
    pub fn injected(code: u16, retry_after: Option<u64>) -> ApiError {
        let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let (message, kind, code): (&str, &str, Option<&str>) = match status.as_u16() {
            429 => (
                "Rate limit reached for requests (injected by the Outlane LLM stub).",
                "requests",
                Some("rate_limit_exceeded"),
            ),
            400 => (
                "Bad request (injected by the Outlane LLM stub).",
                "invalid_request_error",
                None,
            ),
            401 => (
                "Incorrect API key provided (injected by the Outlane LLM stub).",
                "invalid_request_error",
                Some("invalid_api_key"),
            ),
            503 => (
                "The server is overloaded or not ready yet (injected by the Outlane LLM stub).",
                "server_error",
                None,
            ),
            s if s >= 500 => (
                "The server had an error while processing your request (injected by the \
                 Outlane LLM stub).",
                "server_error",
                None,
            ),
            _ => (
                "Injected error (Outlane LLM stub).",
                "invalid_request_error",
                None,
            ),
        };
        let retry_after = match (status.as_u16(), retry_after) {
            (_, Some(s)) => Some(s),
            (429, None) => Some(1),
            _ => None,
        };
        ApiError {
            status,
            message: message.to_string(),
            kind,
            code,
            retry_after,
        }
    }

    /// The JSON body.
    pub fn body(&self) -> Value {
        json!({
            "error": {
                "message": self.message,
                "type": self.kind,
                "param": null,
                "code": self.code,
            }
        })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = json_response(self.status, &self.body());
        if let Some(secs) = self.retry_after {
            resp.headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(secs));
        }
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_estimate() {
        assert_eq!(estimate_tokens(""), 0);
        assert_eq!(estimate_tokens("one"), 2);
        assert_eq!(estimate_tokens("one two three"), 4);
        assert_eq!(estimate_tokens("  a  b\nc\td "), 6);
    }

    #[test]
    fn parses_requests() {
        let r = ChatRequest::parse(
            br#"{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"image_url"},{"type":"text","text":"b"}]},{"role":"assistant","content":null}],
                "response_format":{"type":"json_schema","json_schema":{"name":"X","schema":{"type":"object"},"strict":true}},"extra":1}"#,
        )
        .expect("parses");
        assert_eq!(r.messages[0].text(), "a\nb");
        assert_eq!(r.messages[1].text(), "");
        assert!(r.wants_json());
        assert_eq!(r.schema(), Some(&json!({"type":"object"})));
        for bad in [
            &b"not json"[..],
            br#"{"messages":[{"role":"user","content":"x"}]}"#,
            br#"{"model":"m","messages":[]}"#,
            br#"{"model":"m","messages":[{"role":"user","content":"x"}],"temperature":3}"#,
            br#"{"model":"m","messages":[{"role":"user","content":"x"}],"stream":true}"#,
            br#"{"model":"m","messages":[{"role":"user","content":"x"}],"response_format":{"type":"xml"}}"#,
        ] {
            let e = ChatRequest::parse(bad).expect_err("refused");
            assert_eq!(e.status, StatusCode::BAD_REQUEST);
        }
    }

    #[test]
    fn injected_errors() {
        let e = ApiError::injected(429, None);
        assert_eq!(e.retry_after, Some(1));
        assert_eq!(e.code, Some("rate_limit_exceeded"));
        assert_eq!(ApiError::injected(500, None).retry_after, None);
        assert_eq!(ApiError::injected(503, Some(7)).retry_after, Some(7));
        assert_eq!(ApiError::injected(503, None).kind, "server_error");
    }
}
