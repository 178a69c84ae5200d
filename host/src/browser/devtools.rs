//! A DevTools connection of the host's own to the browser target.
//!
//! chromiumoxide drives the tab; the request guard needs what only the browser target gives:
//! `Fetch` interception of **every** target's requests (popups, new windows and workers
//! included, before their first request leaves Chromium) and the creation of new targets.
//! This small client speaks just enough CDP for that: commands with a reply, events as a
//! stream. It never attaches to a page, so it does not disturb chromiumoxide's sessions.

use async_tungstenite::tokio::connect_async;
use async_tungstenite::tungstenite::Message;
use futures_util::StreamExt;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

/// How long a command may wait for its reply.
const REPLY_TIMEOUT: Duration = Duration::from_secs(10);

/// An event of the browser target.
#[derive(Debug, Clone)]
pub struct Event {
    /// The CDP method, e.g. `Fetch.requestPaused`.
    pub method: String,
    /// Its parameters.
    pub params: Value,
}

type Pending = Arc<Mutex<HashMap<u64, oneshot::Sender<Result<Value, String>>>>>;

/// The connection. Dropping it closes it.
pub struct BrowserLink {
    out: mpsc::UnboundedSender<String>,
    pending: Pending,
    next_id: AtomicU64,
    task: JoinHandle<()>,
}

impl Drop for BrowserLink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl BrowserLink {
    /// Connects to the browser's DevTools websocket `url`. Events arrive on the receiver.
    pub async fn connect(
        url: &str,
    ) -> Result<(BrowserLink, mpsc::UnboundedReceiver<Event>), String> {
        let (socket, _) = connect_async(url)
            .await
            .map_err(|e| format!("cannot connect to the browser's DevTools: {e}"))?;
        let (mut sink, mut stream) = socket.split();
        let (out, mut outgoing) = mpsc::unbounded_channel::<String>();
        let (events, received) = mpsc::unbounded_channel();
        let pending: Pending = Arc::default();
        let replies = pending.clone();
        let task = tokio::spawn(async move {
            loop {
                tokio::select! {
                    message = outgoing.recv() => {
                        let Some(text) = message else { break };
                        if sink.send(Message::text(text)).await.is_err() {
                            break;
                        }
                    }
                    frame = stream.next() => {
                        let text = match frame {
                            Some(Ok(Message::Text(t))) => t.to_string(),
                            Some(Ok(Message::Binary(b))) => String::from_utf8_lossy(&b).into_owned(),
                            Some(Ok(_)) => continue,
                            Some(Err(_)) | None => break,
                        };
                        let Ok(value) = serde_json::from_str::<Value>(&text) else { continue };
                        if let Some(id) = value.get("id").and_then(Value::as_u64) {
                            let waiting = replies.lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
                            if let Some(tx) = waiting {
                                let answer = match value.get("error") {
                                    Some(e) => Err(e.get("message").and_then(Value::as_str)
                                        .unwrap_or("error").to_string()),
                                    None => Ok(value.get("result").cloned().unwrap_or(Value::Null)),
                                };
                                let _ = tx.send(answer);
                            }
                        } else if let Some(method) = value.get("method").and_then(Value::as_str) {
                            let event = Event {
                                method: method.to_string(),
                                params: value.get("params").cloned().unwrap_or(Value::Null),
                            };
                            if events.send(event).is_err() {
                                break;
                            }
                        }
                    }
                }
            }
            // Whoever still waits learns that the connection is gone.
            replies.lock().unwrap_or_else(|p| p.into_inner()).clear();
        });
        Ok((
            BrowserLink {
                out,
                pending,
                next_id: AtomicU64::new(1),
                task,
            },
            received,
        ))
    }

    /// Sends `method` and waits for its reply.
    pub async fn call(&self, method: &str, params: Value) -> Result<Value, String> {
        let reply = self.send(method, params);
        match tokio::time::timeout(REPLY_TIMEOUT, reply).await {
            Ok(Ok(answer)) => answer,
            Ok(Err(_)) => Err("the DevTools connection closed".into()),
            Err(_) => Err(format!("{method}: no reply within {REPLY_TIMEOUT:?}")),
        }
    }

    /// Sends `method` without waiting; the reply arrives on the returned receiver.
    pub fn send(&self, method: &str, params: Value) -> oneshot::Receiver<Result<Value, String>> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        self.pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id, tx);
        let message = json!({ "id": id, "method": method, "params": params }).to_string();
        if self.out.send(message).is_err() {
            self.pending
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&id);
        }
        rx
    }
}
