//! Outbound HTTP(S) (needs the `http` grant and `[lane.http] origins` in the manifest): a
//! webhook, a CRM's API. Never LinkedIn (that is `browser`). The host checks every request
//! and redirect against the allow-list, applies the lane's timeout, rate and response cap,
//! and fills in secret header values from its environment, so a lane asks for a secret by
//! the name the manifest gives it and never holds it:
//!
//! ```text
//! [lane.http]
//! origins = ["https://hooks.example.com"]
//! secrets = { hook-token = "OUTLANE_HOOK_TOKEN" }
//!
//! let answer = http::post_json("https://hooks.example.com/outlane", &event,
//!     &[("authorization", "hook-token")])?;
//! ```

use crate::__wit::outlane::lanes::http as wit;
use crate::{Error, Result};
use serde::Serialize;

pub use crate::__wit::outlane::lanes::http::{Header, Request, Response};

fn headers(pairs: &[(&str, &str)]) -> Vec<Header> {
    pairs
        .iter()
        .map(|(name, value)| Header {
            name: name.to_string(),
            value: value.to_string(),
        })
        .collect()
}

/// Sends `request` as it is.
pub fn send(request: &Request) -> Result<Response> {
    wit::send(request)
}

/// GETs `url`.
pub fn get(url: &str) -> Result<Response> {
    send(&Request {
        method: "GET".into(),
        url: url.into(),
        headers: Vec::new(),
        secret_headers: Vec::new(),
        body: None,
    })
}

/// POSTs `body` as JSON to `url`; `secret_headers` are (header, secret name) pairs whose
/// values the host fills in. A response is returned whatever its status: check
/// [`Response::status`] (or use [`ensure_success`]).
pub fn post_json(
    url: &str,
    body: &impl Serialize,
    secret_headers: &[(&str, &str)],
) -> Result<Response> {
    let body = serde_json::to_vec(body)
        .map_err(|e| Error::invalid(format!("cannot serialise the body: {e}")))?;
    send(&Request {
        method: "POST".into(),
        url: url.into(),
        headers: headers(&[("content-type", "application/json")]),
        secret_headers: headers(secret_headers),
        body: Some(body),
    })
}

/// `response` if its status is 2xx; else a `transient` error for 5xx and 429 (worth trying
/// again later), `invalid` for the rest, with the status and the start of the body.
pub fn ensure_success(response: Response) -> Result<Response> {
    if (200..300).contains(&response.status) {
        return Ok(response);
    }
    let text: String = String::from_utf8_lossy(&response.body)
        .chars()
        .take(200)
        .collect();
    let message = format!("HTTP {}: {text}", response.status);
    if response.status >= 500 || response.status == 429 {
        Err(Error::transient(message))
    } else {
        Err(Error::invalid(message))
    }
}
