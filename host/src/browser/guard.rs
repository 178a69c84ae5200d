//! The navigation guard: while a lane's operation runs, every document the tab requests
//! (navigations, redirects, frames) is checked against that lane's origin allow-list before
//! the request leaves the browser, through CDP's `Fetch` domain. A request off the list is
//! failed as "blocked by client" and remembered, so the lane gets `denied`; a lane can thus
//! neither open nor leak data to a site through a redirect or a link it clicks.

use super::BrowserError;
use super::site::SiteMap;
use chromiumoxide::Page;
use chromiumoxide::cdp::browser_protocol::fetch::{
    ContinueRequestParams, EnableParams, EventRequestPaused, FailRequestParams, RequestPattern,
    RequestStage,
};
use chromiumoxide::cdp::browser_protocol::network::{ErrorReason, ResourceType};
use futures_util::StreamExt;
use std::sync::{Arc, Mutex};
use tokio::task::JoinHandle;

/// Decides whether a URL (canonical form) may be requested.
pub type Allow = Arc<dyn Fn(&str) -> bool + Send + Sync>;

#[derive(Default)]
struct State {
    owner: String,
    allow: Option<Allow>,
    blocked: Vec<String>,
}

/// The allow-list in force for the tab, shared with the task that answers paused requests.
#[derive(Clone, Default)]
pub struct NavigationGuard {
    state: Arc<Mutex<State>>,
}

impl std::fmt::Debug for NavigationGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NavigationGuard")
    }
}

impl NavigationGuard {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Puts the allow-list of lane `owner` in force. It stays in force after the lane's
    /// operation returns (a click's navigation may start later) until another lane's
    /// operation replaces it. Blocks recorded for an earlier owner are forgotten.
    pub fn set(&self, owner: &str, allow: Allow) {
        let mut state = self.lock();
        if state.owner != owner {
            state.blocked.clear();
            state.owner = owner.to_string();
        }
        state.allow = Some(allow);
    }

    /// The requests blocked since the last call, for the lane in force.
    pub fn take_blocked(&self) -> Vec<String> {
        std::mem::take(&mut self.lock().blocked)
    }

    /// Whether `url` may be requested now; a refusal is remembered.
    pub fn check(&self, url: &str) -> bool {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return true;
        }
        let mut state = self.lock();
        let allowed = state.allow.as_ref().is_none_or(|allow| allow(url));
        if !allowed {
            state.blocked.push(url.to_string());
        }
        allowed
    }

    /// Starts checking every document request of `page`.
    pub async fn install(
        &self,
        page: &Page,
        site: SiteMap,
    ) -> Result<JoinHandle<()>, BrowserError> {
        let mut paused = page.event_listener::<EventRequestPaused>().await?;
        let pattern = RequestPattern::builder()
            .url_pattern("*")
            .resource_type(ResourceType::Document)
            .request_stage(RequestStage::Request)
            .build();
        page.execute(EnableParams::builder().pattern(pattern).build())
            .await?;
        let guard = self.clone();
        let page = page.clone();
        Ok(tokio::spawn(async move {
            while let Some(event) = paused.next().await {
                let url = site.to_canonical(&event.request.url);
                let id = event.request_id.clone();
                let answer = if guard.check(&url) {
                    page.execute(ContinueRequestParams::new(id))
                        .await
                        .map(|_| ())
                } else {
                    tracing::warn!(%url, "blocked a navigation off the lane's allow-list");
                    page.execute(FailRequestParams::new(id, ErrorReason::BlockedByClient))
                        .await
                        .map(|_| ())
                };
                if let Err(e) = answer {
                    tracing::debug!("answering a paused request failed: {e}");
                }
            }
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_only_while_a_lane_list_is_in_force() {
        let guard = NavigationGuard::default();
        assert!(guard.check("https://evil.example/"));
        let linkedin: Allow = Arc::new(|u: &str| u.starts_with("https://www.linkedin.com/"));
        guard.set("a", linkedin.clone());
        assert!(guard.check("https://www.linkedin.com/feed/"));
        assert!(guard.check("about:blank"));
        assert!(!guard.check("https://evil.example/?leak=1"));
        assert_eq!(
            guard.take_blocked(),
            vec!["https://evil.example/?leak=1".to_string()]
        );
        assert!(guard.take_blocked().is_empty());
        // Still in force after the operation; a block is reported to the same lane, not to
        // the next one.
        assert!(!guard.check("https://evil.example/late"));
        guard.set("a", linkedin.clone());
        assert_eq!(guard.take_blocked().len(), 1);
        assert!(!guard.check("https://evil.example/late"));
        guard.set("b", linkedin);
        assert!(guard.take_blocked().is_empty());
    }
}
