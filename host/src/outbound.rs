//! Outbound HTTP for lanes (the `http` capability's backend): one reqwest client, redirects
//! followed by hand so that every hop is checked against the lane's allow-list, LinkedIn's
//! origins refused whatever the allow-list says, secrets filled in from the environment at
//! the last moment, a per-lane rate window, a timeout and a cap on the body read.

use crate::runtime::grants::{HttpGrant, OriginPattern, is_linkedin_host};
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use url::Url;

/// Most redirects followed.
pub const MAX_REDIRECTS: usize = 5;
/// Most request body bytes a lane may send.
pub const MAX_REQUEST_BYTES: usize = 4 << 20;
/// Most headers a request may carry.
const MAX_HEADERS: usize = 64;

/// Why a request was not answered.
#[derive(Debug, thiserror::Error)]
pub enum OutboundError {
    /// Not allowed: origin, scheme, LinkedIn, unknown secret.
    #[error("{0}")]
    Denied(String),
    /// A malformed request (method, URL, header).
    #[error("{0}")]
    Invalid(String),
    /// Past the lane's requests per minute.
    #[error("{reason}")]
    RateLimited {
        /// What is limited.
        reason: String,
        /// When the next request may go (ms on the daemon clock).
        until_ms: u64,
    },
    /// Timeout, connection refused, reset.
    #[error("{0}")]
    Transient(String),
}

/// A request as the lane gave it.
#[derive(Debug, Clone)]
pub struct OutRequest {
    /// HTTP method.
    pub method: String,
    /// Absolute URL.
    pub url: String,
    /// Plain headers.
    pub headers: Vec<(String, String)>,
    /// Header name → secret name (resolved here, never shown).
    pub secret_headers: Vec<(String, String)>,
    /// Body.
    pub body: Option<Vec<u8>>,
}

/// A response for the lane.
#[derive(Debug, Clone)]
pub struct OutResponse {
    /// Status code.
    pub status: u16,
    /// Headers (secret values never appear: they are request headers).
    pub headers: Vec<(String, String)>,
    /// Body, at most the lane's `max_response` bytes.
    pub body: Vec<u8>,
    /// Whether the body was cut.
    pub truncated: bool,
}

/// The backend.
pub struct Outbound {
    client: reqwest::Client,
    /// Origins never reachable through `http` besides LinkedIn's hosts: the LinkedIn the
    /// browser is pointed at (a simulator in tests and the demo).
    linkedin: Vec<OriginPattern>,
    windows: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl std::fmt::Debug for Outbound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbound")
            .field("linkedin", &self.linkedin)
            .finish_non_exhaustive()
    }
}

impl crate::caps::Service for Outbound {
    const MISSING: &'static str = "this host runs without outbound HTTP";
}

impl Outbound {
    /// A backend that also refuses `linkedin_base` (the configured LinkedIn, e.g. a simulator).
    pub fn new(linkedin_base: &str) -> Result<Outbound, String> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("outlane/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        let linkedin = Url::parse(linkedin_base)
            .ok()
            .and_then(|u| {
                let origin = u.origin().ascii_serialization();
                OriginPattern::parse(&origin).ok()
            })
            .into_iter()
            .collect();
        Ok(Outbound {
            client,
            linkedin,
            windows: Mutex::new(HashMap::new()),
        })
    }

    /// Checks `url` for `lane`: http(s), not LinkedIn, on an allowed origin.
    fn check(&self, lane: &str, grant: &HttpGrant, url: &str) -> Result<Url, OutboundError> {
        let parsed = Url::parse(url)
            .map_err(|e| OutboundError::Invalid(format!("invalid URL {url:?}: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(OutboundError::Denied(format!(
                "lane `{lane}` may send http(s) requests only, not {}:",
                parsed.scheme()
            )));
        }
        let host = parsed.host_str().unwrap_or_default();
        if is_linkedin_host(host) || self.linkedin.iter().any(|o| o.matches(&parsed)) {
            return Err(OutboundError::Denied(format!(
                "lane `{lane}` may not reach LinkedIn ({}) through http: LinkedIn goes through the browser grant and its journal",
                parsed.origin().ascii_serialization()
            )));
        }
        if !grant.origins.iter().any(|o| o.matches(&parsed)) {
            let origin = parsed.origin().ascii_serialization();
            return Err(OutboundError::Denied(format!(
                "lane `{lane}` may not send requests to {origin}: add \"{origin}\" to `origins` under [lane.http] of its entry in the manifest"
            )));
        }
        Ok(parsed)
    }

    /// Takes one request from `lane`'s window of the last minute, or says when one frees.
    fn take_slot(&self, lane: &str, per_minute: u32, now_ms: u64) -> Result<(), OutboundError> {
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        let window = windows.entry(lane.to_string()).or_default();
        let now = Instant::now();
        while window
            .front()
            .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(60))
        {
            window.pop_front();
        }
        if window.len() >= per_minute as usize {
            let wait = window
                .front()
                .map(|t| Duration::from_secs(60).saturating_sub(now.duration_since(*t)))
                .unwrap_or_default();
            return Err(OutboundError::RateLimited {
                reason: format!(
                    "lane `{lane}` sent {per_minute} requests in the last minute ([lane.http] per_minute)"
                ),
                until_ms: now_ms + wait.as_millis() as u64,
            });
        }
        window.push_back(now);
        Ok(())
    }

    /// Sends `request` for `lane` under `grant` (see the module doc).
    pub async fn send(
        &self,
        lane: &str,
        grant: &HttpGrant,
        request: OutRequest,
        now_ms: u64,
    ) -> Result<OutResponse, OutboundError> {
        let method = reqwest::Method::from_bytes(request.method.to_ascii_uppercase().as_bytes())
            .ok()
            .filter(|m| {
                [
                    reqwest::Method::GET,
                    reqwest::Method::POST,
                    reqwest::Method::PUT,
                    reqwest::Method::PATCH,
                    reqwest::Method::DELETE,
                    reqwest::Method::HEAD,
                ]
                .contains(m)
            })
            .ok_or_else(|| {
                OutboundError::Invalid(format!(
                    "method {:?}: use GET, POST, PUT, PATCH, DELETE or HEAD",
                    request.method
                ))
            })?;
        if request.headers.len() + request.secret_headers.len() > MAX_HEADERS {
            return Err(OutboundError::Invalid(format!(
                "more than {MAX_HEADERS} headers"
            )));
        }
        if request
            .body
            .as_ref()
            .is_some_and(|b| b.len() > MAX_REQUEST_BYTES)
        {
            return Err(OutboundError::Invalid(format!(
                "the body is larger than {} MiB",
                MAX_REQUEST_BYTES >> 20
            )));
        }
        let mut headers = reqwest::header::HeaderMap::new();
        let header = |name: &str, value: &str, secret: bool| {
            let n = reqwest::header::HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| OutboundError::Invalid(format!("bad header name {name:?}")))?;
            let mut v = reqwest::header::HeaderValue::from_str(value).map_err(|_| {
                OutboundError::Invalid(if secret {
                    format!("the secret for header {name} is not a valid header value")
                } else {
                    format!("bad value for header {name}")
                })
            })?;
            v.set_sensitive(secret);
            Ok::<_, OutboundError>((n, v))
        };
        for (name, value) in &request.headers {
            let (n, v) = header(name, value, false)?;
            headers.append(n, v);
        }
        for (name, secret) in &request.secret_headers {
            let var = grant.secrets.get(secret).ok_or_else(|| {
                OutboundError::Denied(format!(
                    "lane `{lane}` names secret `{secret}`, which its [lane.http] secrets do not list"
                ))
            })?;
            let value = std::env::var(var).map_err(|_| {
                OutboundError::Denied(format!(
                    "secret `{secret}`: the environment variable {var} is not set for the daemon"
                ))
            })?;
            let (n, v) = header(name, &value, true)?;
            headers.insert(n, v);
        }
        let mut url = self.check(lane, grant, &request.url)?;
        // Only requests that may leave count against the rate.
        self.take_slot(lane, grant.per_minute, now_ms)?;
        let deadline = Instant::now() + grant.timeout;
        let mut method = method;
        let mut body = request.body;
        for hop in 0..=MAX_REDIRECTS {
            let left = deadline.saturating_duration_since(Instant::now());
            let mut builder = self
                .client
                .request(method.clone(), url.clone())
                .headers(headers.clone())
                .timeout(left);
            if let Some(b) = &body {
                builder = builder.body(b.clone());
            }
            let mut response = builder.send().await.map_err(|e| transient(&url, e))?;
            let status = response.status();
            if status.is_redirection()
                && let Some(location) = response.headers().get(reqwest::header::LOCATION)
            {
                if hop == MAX_REDIRECTS {
                    return Err(OutboundError::Transient(format!(
                        "{url}: more than {MAX_REDIRECTS} redirects"
                    )));
                }
                let target = location
                    .to_str()
                    .ok()
                    .and_then(|l| url.join(l).ok())
                    .ok_or_else(|| {
                        OutboundError::Invalid(format!(
                            "{url}: a redirect to an unreadable location"
                        ))
                    })?;
                url = self.check(lane, grant, target.as_str())?;
                if status == reqwest::StatusCode::SEE_OTHER
                    || (matches!(status.as_u16(), 301 | 302) && method == reqwest::Method::POST)
                {
                    method = reqwest::Method::GET;
                    body = None;
                }
                continue;
            }
            let response_headers = response
                .headers()
                .iter()
                .map(|(n, v)| {
                    (
                        n.to_string(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect();
            let cap = grant.max_response as usize;
            let mut out = Vec::new();
            let mut truncated = false;
            loop {
                let left = deadline.saturating_duration_since(Instant::now());
                let chunk = tokio::time::timeout(left, response.chunk())
                    .await
                    .map_err(|_| {
                        OutboundError::Transient(format!(
                            "{url}: no complete answer within {} s",
                            grant.timeout.as_secs()
                        ))
                    })?
                    .map_err(|e| transient(&url, e))?;
                let Some(chunk) = chunk else { break };
                let room = cap - out.len();
                if chunk.len() > room {
                    out.extend_from_slice(&chunk[..room]);
                    truncated = true;
                    break;
                }
                out.extend_from_slice(&chunk);
            }
            return Ok(OutResponse {
                status: status.as_u16(),
                headers: response_headers,
                body: out,
                truncated,
            });
        }
        Err(OutboundError::Transient(format!(
            "{url}: more than {MAX_REDIRECTS} redirects"
        )))
    }
}

/// A transport failure, without the request's headers (no secret can leak into it).
fn transient(url: &Url, e: reqwest::Error) -> OutboundError {
    let what = if e.is_timeout() {
        "timed out".to_string()
    } else if e.is_connect() {
        "could not connect".to_string()
    } else {
        "the request failed".to_string()
    };
    OutboundError::Transient(format!("{}: {what}", url.origin().ascii_serialization()))
}
