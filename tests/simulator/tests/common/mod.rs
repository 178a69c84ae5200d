//! Helpers shared by the simulator's integration tests: an in-process client that drives the
//! router with tower's `oneshot` and keeps a cookie jar, and a minimal HTTP/1.1 client over
//! `std::net::TcpStream` for tests against a real listener.
#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request};
use outlane_simulator::routes::router;
use outlane_simulator::{Person, Scenario, SimState};
use serde_json::Value;
use tower::ServiceExt;

/// The hand-written example scenario.
pub fn small() -> Scenario {
    Scenario::from_json(include_str!("../../scenarios/small.json")).expect("small.json parses")
}

/// The decoration id the automation sends.
pub const DECORATION: &str =
    "com.linkedin.voyager.dash.deco.identity.profile.FullProfileWithEntities-91";

/// A response, fully read.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

impl Resp {
    pub fn location(&self) -> Option<String> {
        self.headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }

    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(str::to_string)
            .collect()
    }

    pub fn content_type(&self) -> String {
        self.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| {
            panic!("not JSON ({e}): {}", &self.body[..self.body.len().min(300)])
        })
    }
}

/// Drives the router in process, with a cookie jar.
pub struct Client {
    pub app: Router,
    pub state: SimState,
    pub jar: Vec<(String, String)>,
}

impl Client {
    pub fn new(scenario: Scenario) -> Client {
        let state = SimState::new(scenario);
        Client {
            app: router(state.clone()),
            state,
            jar: Vec::new(),
        }
    }

    /// A client (with its own empty cookie jar) of the same router and state.
    pub fn another(&self) -> Client {
        Client {
            app: self.app.clone(),
            state: self.state.clone(),
            jar: Vec::new(),
        }
    }

    /// A client for a simulator with one account per scenario.
    pub fn many(first: Scenario, others: Vec<Scenario>) -> Client {
        let state = SimState::new_many(first, others);
        Client {
            app: router(state.clone()),
            state,
            jar: Vec::new(),
        }
    }

    /// Logs in as `email` with the generated password.
    pub async fn login_as(&mut self, email: &str) -> Resp {
        self.post_form(
            "/checkpoint/lg/login-submit",
            &[
                ("session_key", email),
                (
                    "session_password",
                    outlane_simulator::generate::VIEWER_PASSWORD,
                ),
            ],
        )
        .await
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.jar
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    }

    /// JSESSIONID without its quotes: what the automation sends as `csrf-token`.
    pub fn csrf(&self) -> String {
        self.cookie("JSESSIONID")
            .unwrap_or_default()
            .trim_matches('"')
            .to_string()
    }

    pub async fn request(
        &mut self,
        method: &str,
        uri: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Resp {
        let mut req = Request::builder()
            .method(method)
            .uri(uri)
            .header("host", "sim.test");
        if !self.jar.is_empty() {
            let cookie = self
                .jar
                .iter()
                .map(|(n, v)| format!("{n}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            req = req.header("cookie", cookie);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = req.body(Body::from(body)).expect("request builds");
        let resp = self.app.clone().oneshot(req).await.expect("router answers");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let bytes = axum::body::to_bytes(resp.into_body(), 16 * 1024 * 1024)
            .await
            .expect("body reads");
        let resp = Resp {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        };
        for c in resp.set_cookies() {
            let first = c.split(';').next().unwrap_or("");
            if let Some((name, value)) = first.split_once('=') {
                self.jar.retain(|(n, _)| n != name);
                if !c.contains("Max-Age=0") {
                    self.jar.push((name.to_string(), value.to_string()));
                }
            }
        }
        resp
    }

    pub async fn get(&mut self, uri: &str) -> Resp {
        self.request("GET", uri, &[], Vec::new()).await
    }

    pub async fn post_form(&mut self, uri: &str, pairs: &[(&str, &str)]) -> Resp {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        self.request(
            "POST",
            uri,
            &[("content-type", "application/x-www-form-urlencoded")],
            body.into_bytes(),
        )
        .await
    }

    /// POSTs JSON with the csrf-token header the page scripts send.
    pub async fn post_json(&mut self, uri: &str, value: Value) -> Resp {
        let csrf = self.csrf();
        self.request(
            "POST",
            uri,
            &[("content-type", "application/json"), ("csrf-token", &csrf)],
            value.to_string().into_bytes(),
        )
        .await
    }

    /// Logs in with the scenario's viewer credentials.
    pub async fn login(&mut self) -> Resp {
        let (email, password) = self.state.with(|w| {
            let v = &w.scenario().viewer;
            (v.email.clone(), v.password.clone())
        });
        self.post_form(
            "/checkpoint/lg/login-submit",
            &[("session_key", &email), ("session_password", &password)],
        )
        .await
    }

    /// The Voyager profile call exactly as the automation makes it.
    pub async fn voyager(&mut self, identity: &str) -> Resp {
        let csrf = self.csrf();
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("decorationId", DECORATION)
            .append_pair("memberIdentity", identity)
            .append_pair("q", "memberIdentity")
            .finish();
        self.request(
            "GET",
            &format!("/voyager/api/identity/dash/profiles?{query}"),
            &[
                ("csrf-token", &csrf),
                ("accept", "application/vnd.linkedin.normalized+json+2.1"),
                ("x-restli-protocol-version", "2.0.0"),
                ("x-li-lang", "en_US"),
                (
                    "user-agent",
                    "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0 Safari/537.36",
                ),
            ],
            Vec::new(),
        )
        .await
    }
}

/// The HTML of the top card `<section …>…</section>` (the first section of the page).
pub fn top_card(html: &str) -> Option<&str> {
    let start = html.find("<section")?;
    let end = html[start..].find("</section>")? + start + "</section>".len();
    Some(&html[start..end])
}

/// The text of an HTML fragment (tags removed, entities left as they are).
pub fn text_of(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// How many times `needle` occurs in `hay`.
pub fn count(hay: &str, needle: &str) -> usize {
    hay.matches(needle).count()
}

/// A person of the scenario (panics if absent).
pub fn person<'a>(s: &'a Scenario, handle: &str) -> &'a Person {
    s.person(handle)
        .unwrap_or_else(|| panic!("no person {handle}"))
}
