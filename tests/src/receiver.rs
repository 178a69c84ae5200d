//! A local webhook receiver for tests of the `http` capability and the webhook example: it
//! records every POST to `/hook` (its `Idempotency-Key` and JSON body) and can be told to
//! answer 503, as a receiver that is down.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use outlane_local_server::LocalServer;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// What the receiver got, shared with the test.
#[derive(Clone, Default)]
pub struct Receiver {
    /// Every POST that was answered 204: (idempotency key, body), in arrival order.
    pub events: Arc<Mutex<Vec<(String, serde_json::Value)>>>,
    /// While true, every POST is answered 503 and not recorded.
    pub down: Arc<AtomicBool>,
}

impl Receiver {
    /// Starts a receiver on 127.0.0.1 (a free port); `/hook` is its endpoint.
    pub async fn start() -> anyhow::Result<(Receiver, LocalServer)> {
        let receiver = Receiver::default();
        let app = axum::Router::new()
            .route("/hook", post(hook))
            .with_state(receiver.clone());
        let server = LocalServer::start(0, app, "webhook-receiver").await?;
        Ok((receiver, server))
    }

    /// The events received so far.
    pub fn events(&self) -> Vec<(String, serde_json::Value)> {
        self.events
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Makes the receiver answer 503 (`true`) or 204 again.
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }
}

async fn hook(State(r): State<Receiver>, headers: HeaderMap, body: String) -> StatusCode {
    if r.down.load(Ordering::SeqCst) {
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    let Ok(value) = serde_json::from_str(&body) else {
        return StatusCode::BAD_REQUEST;
    };
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    r.events
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push((key, value));
    StatusCode::NO_CONTENT
}
