//! The request guard: every request of the account's browser, from every tab, window, frame
//! and worker, is paused at the browser target (CDP `Fetch`, on the host's own DevTools
//! connection, [`super::devtools`]) and let go only when it passes:
//!
//! 1. **One tab.** Requests of any page target other than the account's one tab are failed,
//!    and that target is closed: a click on a `target=_blank` link or a `window.open` never
//!    reaches the network. New page targets are closed as soon as Chromium announces them.
//! 2. **No control paths.** The served site's control API (the simulator's `/__sim/`) is
//!    never requested, whatever a lane's allow-list says.
//! 3. **The allow-list.** While a lane's operation runs, and after it until another lane's
//!    replaces it (a click's navigation may start later), every document request
//!    (navigations, redirects, frames) must be on that lane's origin allow-list.
//! 4. **The journal.** A request that performs an outward action ([`super::outward`]) goes out
//!    only with an unused permit that `begin-action` gave the lane's current call for that
//!    action and person; the permit is then spent.
//!
//! A refused request is failed as "blocked by client" before it leaves Chromium and
//! remembered, so the lane's next browser operation answers `denied` with the reason.

use super::BrowserError;
use super::devtools::{BrowserLink, Event};
use super::outward::{self, ActionRequest, OutwardRule, Permit};
use super::site::SiteMap;
use base64::Engine as _;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::task::JoinHandle;
use url::Url;

/// Decides whether a URL (canonical form) may be opened as a document.
pub type Allow = Arc<dyn Fn(&str) -> bool + Send + Sync>;

/// Why a request was blocked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockReason {
    /// A document off the lane's origin allow-list.
    OffAllowList,
    /// The site's control API.
    ControlApi,
    /// A new tab or window (popups are refused).
    Popup,
}

/// A blocked request, for the lane in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocked {
    /// Its URL (canonical form).
    pub url: String,
    /// Why.
    pub reason: BlockReason,
}

#[derive(Default)]
struct State {
    owner: String,
    call: u64,
    allow: Option<Allow>,
    blocked: Vec<Blocked>,
    refused: Vec<String>,
    permits: Vec<Permit>,
}

/// What the guard knows of one paused request.
#[derive(Debug, Clone)]
pub struct Seen<'a> {
    /// The URL in canonical form (`https://www.linkedin.com/...` for the served site).
    pub url: &'a str,
    /// HTTP method.
    pub method: &'a str,
    /// Whether it loads a document (a navigation, a frame).
    pub document: bool,
    /// The body, when Chromium reported it.
    pub body: Option<&'a str>,
    /// Whether it comes from a page target other than the account's tab.
    pub foreign_tab: bool,
}

/// The guard's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Let it go.
    Continue,
    /// Fail it; the text says why (for the log).
    Fail(String),
}

/// The rules in force for the account's browser, shared with the task that answers paused
/// requests.
#[derive(Clone)]
pub struct RequestGuard {
    state: Arc<Mutex<State>>,
    rules: Arc<Vec<OutwardRule>>,
}

impl Default for RequestGuard {
    fn default() -> Self {
        RequestGuard::new(outward::default_rules())
    }
}

impl std::fmt::Debug for RequestGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RequestGuard")
    }
}

impl RequestGuard {
    /// A guard that knows the outward actions by `rules`.
    pub fn new(rules: Vec<OutwardRule>) -> RequestGuard {
        RequestGuard {
            state: Arc::default(),
            rules: Arc::new(rules),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Puts the allow-list of lane `owner`, in call `call`, in force. It stays in force after
    /// the lane's operation returns until another lane's operation replaces it. Refusals
    /// recorded for an earlier owner are forgotten.
    pub fn set(&self, owner: &str, call: u64, allow: Allow) {
        let mut state = self.lock();
        if state.owner != owner || state.call != call {
            state.blocked.clear();
            state.refused.clear();
            state.owner = owner.to_string();
            state.call = call;
        }
        state.allow = Some(allow);
    }

    /// The requests blocked since the last call, for the lane in force.
    pub fn take_blocked(&self) -> Vec<Blocked> {
        std::mem::take(&mut self.lock().blocked)
    }

    /// The outward-action requests refused since the last call, for the lane in force.
    pub fn take_refused(&self) -> Vec<String> {
        std::mem::take(&mut self.lock().refused)
    }

    /// Hands out a permit (from `begin-action`).
    pub fn grant(&self, permit: Permit) {
        self.lock().permits.push(permit);
    }

    /// Withdraws the permit of `intent` (the intent was finished).
    pub fn revoke_intent(&self, intent: u64) {
        self.lock().permits.retain(|p| p.intent != intent);
    }

    /// Withdraws every permit of `call` (the call ended).
    pub fn revoke_call(&self, call: u64) {
        self.lock().permits.retain(|p| p.call != call);
    }

    /// Whether the permit of `intent` has been spent on a request.
    pub fn permit_used(&self, intent: u64) -> Option<bool> {
        self.lock()
            .permits
            .iter()
            .find(|p| p.intent == intent)
            .map(|p| p.used)
    }

    /// Remembers for the lane in force that the page opened a new tab or window (closed at
    /// once). A window closed before its first request would otherwise go untold.
    pub fn refuse_popup(&self, url: &str) {
        let shown = if url.is_empty() { "about:blank" } else { url };
        self.lock().blocked.push(Blocked {
            url: shown.to_string(),
            reason: BlockReason::Popup,
        });
    }

    /// The verdict on one request; a refusal is remembered for the lane in force.
    pub fn decide(&self, seen: &Seen<'_>) -> Verdict {
        let Ok(url) = Url::parse(seen.url) else {
            return Verdict::Continue;
        };
        if !matches!(url.scheme(), "http" | "https") {
            return Verdict::Continue;
        }
        let mut state = self.lock();
        let block = |state: &mut State, reason: BlockReason, why: String| {
            state.blocked.push(Blocked {
                url: seen.url.to_string(),
                reason,
            });
            Verdict::Fail(why)
        };
        if seen.foreign_tab {
            return block(
                &mut state,
                BlockReason::Popup,
                format!(
                    "a new tab or window opened by the page asked for {} (popups are refused)",
                    seen.url
                ),
            );
        }
        let on_site = url.origin().ascii_serialization() == outlane_linkedin::CANONICAL_BASE;
        if on_site && outward::is_control_path(url.path()) {
            return block(
                &mut state,
                BlockReason::ControlApi,
                format!(
                    "{} is the site's control API, which lanes never reach",
                    seen.url
                ),
            );
        }
        if seen.document && !state.allow.as_ref().is_none_or(|allow| allow(seen.url)) {
            return block(
                &mut state,
                BlockReason::OffAllowList,
                format!("{} is off the lane's allow-list", seen.url),
            );
        }
        if on_site && !matches!(seen.method, "GET" | "HEAD" | "OPTIONS") {
            let request = ActionRequest {
                method: seen.method,
                path: url.path(),
                query: url.query(),
                body: seen.body,
            };
            if let Some(rule) = outward::classify(&self.rules, &request) {
                let named = rule.named(&request);
                let call = state.call;
                if let Some(permit) = state
                    .permits
                    .iter_mut()
                    .find(|p| p.covers(call, rule.action, &named))
                {
                    permit.used = true;
                    tracing::debug!(
                        intent = permit.intent,
                        "{} request let through",
                        rule.action
                    );
                    return Verdict::Continue;
                }
                let whom = match &named {
                    None => String::new(),
                    Some(p) if p.is_empty() => " to nobody the host could recognise".into(),
                    Some(p) => format!(
                        " to {}",
                        p.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(", ")
                    ),
                };
                let why = format!(
                    "the page's {} request{whom} was refused: lane `{}` holds no unused journal \
                     intent for it in this call (crm::begin_action comes first, and one intent \
                     allows one request)",
                    rule.action, state.owner
                );
                state.refused.push(why.clone());
                return Verdict::Fail(why);
            }
        }
        Verdict::Continue
    }

    /// Starts answering every request of the browser whose DevTools websocket is `ws_url`;
    /// `tab` is the target id of the account's one tab. The returned task ends when the
    /// browser goes away; aborting it (or dropping the browser) ends the interception.
    pub async fn install(
        &self,
        ws_url: &str,
        tab: &str,
        site: SiteMap,
    ) -> Result<JoinHandle<()>, BrowserError> {
        let (link, mut events) = BrowserLink::connect(ws_url)
            .await
            .map_err(BrowserError::Launch)?;
        // The tab Chromium opens by itself at start is not ours: closed quietly.
        let mut frames = FrameOwners::new(tab.to_string());
        let existing = link
            .call("Target.getTargets", json!({}))
            .await
            .map_err(BrowserError::Launch)?;
        for info in existing["targetInfos"].as_array().into_iter().flatten() {
            if let (Some(id), Some("page")) = (info["targetId"].as_str(), info["type"].as_str())
                && id != tab
            {
                frames.known.insert(id.to_string(), true);
                frames.close(&link, id);
            }
        }
        link.call("Target.setDiscoverTargets", json!({ "discover": true }))
            .await
            .map_err(BrowserError::Launch)?;
        link.call(
            "Fetch.enable",
            json!({ "patterns": [{ "urlPattern": "*", "requestStage": "Request" }] }),
        )
        .await
        .map_err(BrowserError::Launch)?;
        let guard = self.clone();
        Ok(tokio::spawn(async move {
            while let Some(event) = events.recv().await {
                match event.method.as_str() {
                    "Target.targetCreated" => {
                        if let Some(url) = frames.on_created(&link, &event.params).await {
                            guard.refuse_popup(&url);
                        }
                    }
                    "Fetch.requestPaused" => {
                        guard.answer(&link, &mut frames, &site, &event).await;
                    }
                    _ => {}
                }
            }
        }))
    }

    async fn answer(
        &self,
        link: &BrowserLink,
        frames: &mut FrameOwners,
        site: &SiteMap,
        event: &Event,
    ) {
        let p = &event.params;
        let Some(id) = p.get("requestId").and_then(Value::as_str) else {
            return;
        };
        let request = &p["request"];
        let url = site.to_canonical(request["url"].as_str().unwrap_or_default());
        let method = request["method"].as_str().unwrap_or("GET");
        let frame = p.get("frameId").and_then(Value::as_str).unwrap_or_default();
        let foreign_tab = frames.is_foreign(link, frame).await;
        let body = post_body(request);
        let seen = Seen {
            url: &url,
            method,
            document: p["resourceType"].as_str() == Some("Document"),
            body: body.as_deref(),
            foreign_tab,
        };
        match self.decide(&seen) {
            Verdict::Continue => {
                let _ = link.send("Fetch.continueRequest", json!({ "requestId": id }));
            }
            Verdict::Fail(why) => {
                tracing::warn!("refused a request of the browser: {why}");
                let _ = link.send(
                    "Fetch.failRequest",
                    json!({ "requestId": id, "errorReason": "BlockedByClient" }),
                );
                if foreign_tab {
                    frames.close(link, frame);
                }
            }
        }
    }
}

/// The request body as text, from the entries Chromium reports (base64).
fn post_body(request: &Value) -> Option<String> {
    let entries = request.get("postDataEntries")?.as_array()?;
    let mut bytes = Vec::new();
    for entry in entries {
        if let Some(b64) = entry.get("bytes").and_then(Value::as_str)
            && let Ok(part) = base64::engine::general_purpose::STANDARD.decode(b64)
        {
            bytes.extend(part);
        }
    }
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// Which frames belong to a page target other than the account's tab. A popup's main frame
/// has the popup's target id; frames of the tab (in-process or out-of-process iframes) do not
/// name a page target.
struct FrameOwners {
    tab: String,
    known: HashMap<String, bool>,
}

impl FrameOwners {
    fn new(tab: String) -> FrameOwners {
        FrameOwners {
            tab,
            known: HashMap::new(),
        }
    }

    /// A new target: a page that is not the tab is closed at once, and its URL (often still
    /// empty) is returned so the lane in force is told, whether or not the window had time
    /// to ask for anything.
    async fn on_created(&mut self, link: &BrowserLink, params: &Value) -> Option<String> {
        let info = &params["targetInfo"];
        let (Some(id), Some(kind)) = (info["targetId"].as_str(), info["type"].as_str()) else {
            return None;
        };
        if kind == "page" && id != self.tab && !self.known.contains_key(id) {
            let url = info["url"].as_str().unwrap_or_default().to_string();
            tracing::warn!(
                "the page opened a new tab or window ({url}): closed, popups are refused"
            );
            self.known.insert(id.to_string(), true);
            self.close(link, id);
            return Some(url);
        }
        None
    }

    async fn is_foreign(&mut self, link: &BrowserLink, frame: &str) -> bool {
        if frame.is_empty() || frame == self.tab {
            return false;
        }
        if let Some(foreign) = self.known.get(frame) {
            return *foreign;
        }
        let foreign = match link
            .call("Target.getTargetInfo", json!({ "targetId": frame }))
            .await
        {
            Ok(info) => info["targetInfo"]["type"].as_str() == Some("page"),
            // Not a target: a frame inside the tab.
            Err(_) => false,
        };
        self.known.insert(frame.to_string(), foreign);
        foreign
    }

    fn close(&self, link: &BrowserLink, target: &str) {
        let _ = link.send("Target.closeTarget", json!({ "targetId": target }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crm::Action;
    use outlane_linkedin::ProfileId;

    fn doc(url: &str) -> Seen<'_> {
        Seen {
            url,
            method: "GET",
            document: true,
            body: None,
            foreign_tab: false,
        }
    }

    #[test]
    fn documents_follow_the_lane_in_force() {
        let guard = RequestGuard::default();
        assert_eq!(
            guard.decide(&doc("https://evil.example/")),
            Verdict::Continue
        );
        let linkedin: Allow = Arc::new(|u: &str| u.starts_with("https://www.linkedin.com/"));
        guard.set("a", 1, linkedin.clone());
        assert_eq!(
            guard.decide(&doc("https://www.linkedin.com/feed/")),
            Verdict::Continue
        );
        assert_eq!(guard.decide(&doc("about:blank")), Verdict::Continue);
        assert!(matches!(
            guard.decide(&doc("https://evil.example/?leak=1")),
            Verdict::Fail(_)
        ));
        assert_eq!(
            guard.take_blocked(),
            vec![Blocked {
                url: "https://evil.example/?leak=1".to_string(),
                reason: BlockReason::OffAllowList
            }]
        );
        assert!(guard.take_blocked().is_empty());
        // Still in force after the operation; a block is reported to the same lane only.
        assert!(matches!(
            guard.decide(&doc("https://evil.example/late")),
            Verdict::Fail(_)
        ));
        guard.set("a", 1, linkedin.clone());
        assert_eq!(guard.take_blocked().len(), 1);
        assert!(matches!(
            guard.decide(&doc("https://evil.example/late")),
            Verdict::Fail(_)
        ));
        guard.set("b", 2, linkedin);
        assert!(guard.take_blocked().is_empty());
    }

    #[test]
    fn popups_and_control_paths_are_refused_whatever_the_allow_list() {
        let guard = RequestGuard::default();
        let any: Allow = Arc::new(|_: &str| true);
        guard.set("a", 1, any);
        let popup = Seen {
            foreign_tab: true,
            ..doc("https://www.linkedin.com/feed/")
        };
        assert!(matches!(guard.decide(&popup), Verdict::Fail(_)));
        let sub_resource = Seen {
            document: false,
            ..doc("https://www.linkedin.com/__sim/state")
        };
        assert!(matches!(guard.decide(&sub_resource), Verdict::Fail(_)));
        let reasons: Vec<BlockReason> = guard.take_blocked().iter().map(|b| b.reason).collect();
        assert_eq!(reasons, vec![BlockReason::Popup, BlockReason::ControlApi]);
        // A window closed before it asked for anything is still told to the lane.
        guard.refuse_popup("");
        assert_eq!(
            guard.take_blocked(),
            vec![Blocked {
                url: "about:blank".to_string(),
                reason: BlockReason::Popup
            }]
        );
    }

    #[test]
    fn an_outward_request_needs_an_unused_permit_of_the_call() {
        let guard = RequestGuard::default();
        let any: Allow = Arc::new(|_: &str| true);
        guard.set("connect", 7, any);
        let invite = |handle: &'static str| Seen {
            url: "https://www.linkedin.com/__sim/ui/invite",
            method: "POST",
            document: false,
            body: Some(match handle {
                "jane" => r#"{"handle":"jane"}"#,
                _ => r#"{"handle":"bob"}"#,
            }),
            foreign_tab: false,
        };
        assert!(
            matches!(guard.decide(&invite("jane")), Verdict::Fail(_)),
            "no permit"
        );
        assert_eq!(guard.take_refused().len(), 1);
        guard.grant(Permit {
            intent: 3,
            call: 7,
            action: Action::Invite,
            ids: vec![ProfileId::Vanity("jane".into())],
            used: false,
        });
        assert!(
            matches!(guard.decide(&invite("bob")), Verdict::Fail(_)),
            "another person"
        );
        assert_eq!(guard.decide(&invite("jane")), Verdict::Continue);
        assert_eq!(guard.permit_used(3), Some(true));
        assert!(
            matches!(guard.decide(&invite("jane")), Verdict::Fail(_)),
            "spent"
        );
        guard.revoke_call(7);
        assert_eq!(guard.permit_used(3), None);
    }
}
