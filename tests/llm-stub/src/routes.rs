//! The axum router: the OpenAI-compatible routes, the bearer check, fault handling and request
//! logging. The control API lives in [`crate::control`].
//!
//! A chat completion goes: log the arrival → bearer check (401) → parse and check the body
//! (400) → recognise the task → fire at most one fault → answer.

use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use crate::faults::FaultKind;
use crate::prompt::{Prompt, Task};
use crate::state::{LoggedMessage, LoggedRequest, Outcome, StubState, now_secs};
use crate::tasks::{self, Settings};
use crate::wire::{self, ApiError, ChatRequest, Usage, json_response};

/// Request bodies larger than this are refused (413).
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// When `/v1/models` says the stub model was created (a fixed Unix time).
pub const MODEL_CREATED: u64 = 1_735_689_600;

/// Builds the whole application router for `stub`.
pub fn router(stub: StubState) -> Router {
    Router::new()
        .route("/v1/chat/completions", post(chat))
        .route("/chat/completions", post(chat))
        .route("/v1/models", get(models))
        .route("/models", get(models))
        .route("/v1/models/{id}", get(model))
        .route("/models/{id}", get(model))
        .merge(crate::control::router())
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(stub)
}

/// Checks `Authorization: Bearer <key>` when the stub has a key.
fn check_auth(stub: &StubState, headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(expected) = stub.with(|s| s.api_key().map(str::to_string)) else {
        return Ok(());
    };
    let Some(value) = headers.get(AUTHORIZATION) else {
        return Err(ApiError::unauthorized(true));
    };
    let given = value
        .to_str()
        .ok()
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, key)| key.trim());
    match given {
        Some(key) if key == expected => Ok(()),
        Some("") => Err(ApiError::unauthorized(true)),
        _ => Err(ApiError::unauthorized(false)),
    }
}

async fn chat(
    State(stub): State<StubState>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let id = stub.with(|s| s.log_request(LoggedRequest::new("POST", uri.path()), true));
    let (response, mut outcome) = match answer_chat(&stub, id, &headers, &body).await {
        Ok(done) => done,
        Err(e) => (e.into_response(), Outcome::default()),
    };
    outcome.status = response.status().as_u16();
    stub.with(|s| s.finish_request(id, outcome));
    response
}

async fn answer_chat(
    stub: &StubState,
    id: u64,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(Response, Outcome), ApiError> {
    // Log what can be read even when the request is then refused.
    let parsed = ChatRequest::parse(body);
    let loose: Option<Value> = serde_json::from_slice(body).ok();
    let prompt = parsed
        .as_ref()
        .ok()
        .map(|r| Prompt::from_messages(&r.messages));
    let task = prompt.as_ref().map_or(Task::Missing, Prompt::task);
    stub.with(|s| {
        s.update_request(id, |r| {
            if let Ok(req) = &parsed {
                r.messages = req
                    .messages
                    .iter()
                    .map(|m| LoggedMessage {
                        role: m.role.clone(),
                        content: m.text(),
                    })
                    .collect();
                r.response_format = req.response_format.as_ref().map(|f| f.name().to_string());
                if let Some(wire::ResponseFormat::JsonSchema { json_schema }) = &req.response_format
                {
                    r.schema_name = Some(json_schema.name.clone());
                }
            }
            r.model = loose
                .as_ref()
                .and_then(|v| v.get("model"))
                .and_then(Value::as_str)
                .map(str::to_string);
            r.task = task.name().map(str::to_string);
        })
    });
    check_auth(stub, headers)?;
    let request = parsed?;
    let prompt = prompt.unwrap_or_else(|| Prompt::new(""));
    let expects_json = request.wants_json() || task.replies_json();
    let fault = stub.with(|s| s.take_fault(task.name(), expects_json));
    let fault_name = fault.as_ref().map(FaultKind::name);
    if let Some(kind) = &fault {
        tracing::debug!(fault = kind.name(), task = ?task.name(), "injecting fault");
    }
    let content = match fault {
        Some(FaultKind::Status { code, retry_after }) => {
            let e = ApiError::injected(code, retry_after);
            let outcome = Outcome {
                fault: fault_name,
                ..Outcome::default()
            };
            return Ok((e.into_response(), outcome));
        }
        Some(FaultKind::MalformedJson) => {
            let cid = stub.with(|s| s.next_completion_id());
            let body = format!(
                "{{\"id\":\"{cid}\",\"object\":\"chat.completion\",\"created\":{},\"model\":{},\"choices\":[{{\"index\":0,\"message\":{{\"role\":\"assistant\",\"content\":\"{{\\\"qualified\\\": tr",
                now_secs(),
                Value::String(request.model.clone())
            );
            let resp = (StatusCode::OK, [(CONTENT_TYPE, "application/json")], body);
            let outcome = Outcome {
                fault: fault_name,
                ..Outcome::default()
            };
            return Ok((resp.into_response(), outcome));
        }
        Some(FaultKind::EmptyChoices) => None,
        Some(FaultKind::NotJsonContent) => Some(tasks::not_json_content(&task)),
        Some(FaultKind::SchemaViolation) => Some(tasks::schema_violation(&task, request.schema())),
        Some(FaultKind::Timeout { ms }) => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            Some(normal_reply(stub, &prompt, &task, &request))
        }
        None => Some(normal_reply(stub, &prompt, &task, &request)),
    };
    let usage = Usage::estimate(&request.messages, content.as_deref().unwrap_or(""));
    let cid = stub.with(|s| s.next_completion_id());
    let envelope = wire::completion(&cid, now_secs(), &request.model, content.as_deref(), usage);
    let outcome = Outcome {
        status: 200,
        fault: fault_name,
        reply: content,
        usage: Some(usage),
    };
    Ok((json_response(StatusCode::OK, &envelope), outcome))
}

fn normal_reply(stub: &StubState, prompt: &Prompt, task: &Task, request: &ChatRequest) -> String {
    stub.with(|s| {
        let settings = Settings {
            rule: s.rule(),
            keywords: s.keywords(),
            echo_profile: s.echo_profile(),
        };
        tasks::reply(prompt, task, settings, request.response_format.as_ref())
    })
}

fn model_object(id: &str) -> Value {
    json!({ "id": id, "object": "model", "created": MODEL_CREATED, "owned_by": "outlane" })
}

async fn models(State(stub): State<StubState>, uri: Uri, headers: HeaderMap) -> Response {
    logged(&stub, Method::GET, &uri, || {
        check_auth(&stub, &headers)?;
        let id = stub.with(|s| s.model().to_string());
        Ok(json_response(
            StatusCode::OK,
            &json!({ "object": "list", "data": [model_object(&id)] }),
        ))
    })
}

async fn model(
    State(stub): State<StubState>,
    Path(wanted): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    logged(&stub, Method::GET, &uri, || {
        check_auth(&stub, &headers)?;
        let id = stub.with(|s| s.model().to_string());
        if wanted == id {
            Ok(json_response(StatusCode::OK, &model_object(&id)))
        } else {
            Err(ApiError::not_found(
                format!("The model `{wanted}` does not exist"),
                "model_not_found",
            ))
        }
    })
}

async fn not_found(State(stub): State<StubState>, method: Method, uri: Uri) -> Response {
    logged(&stub, method.clone(), &uri, || {
        Err(ApiError::not_found(
            format!("Unknown request URL: {method} {}", uri.path()),
            "unknown_url",
        ))
    })
}

/// Logs a request that is not a chat completion, answered by `f`.
fn logged(
    stub: &StubState,
    method: Method,
    uri: &Uri,
    f: impl FnOnce() -> Result<Response, ApiError>,
) -> Response {
    let id = stub.with(|s| s.log_request(LoggedRequest::new(method.as_str(), uri.path()), false));
    let response = f().unwrap_or_else(IntoResponse::into_response);
    let outcome = Outcome {
        status: response.status().as_u16(),
        ..Outcome::default()
    };
    stub.with(|s| s.finish_request(id, outcome));
    response
}
