//! `outlane:lanes/browser`: grant and origin checks, then the account's browser
//! ([`crate::browser`]). The account is the one of the call's campaign (or of the only active
//! campaign).

use super::Answer;
use crate::browser::guard::BlockReason;
use crate::browser::{AccountBrowser, Allow, BrowserError, Browsers, Query, outward};
use crate::runtime::bindings::outlane::lanes::browser::{ApiResponse, Host, Page, Target};
use crate::runtime::bindings::{LaneError, LimitHit};
use crate::runtime::grants::Capability;
use crate::runtime::state::LaneState;
use std::sync::Arc;
use std::time::Duration;

fn query(target: Target) -> Query {
    Query {
        css: target.css,
        text: target.text,
        visible: target.visible,
        within: target.within,
    }
}

fn lane_error(lane: &str, error: BrowserError) -> LaneError {
    match error {
        BrowserError::Auth(m) => LaneError::Auth(m),
        BrowserError::Timeout(_) | BrowserError::Page(_) => LaneError::Transient(error.to_string()),
        BrowserError::RateLimited(reason) => LaneError::RateLimited(LimitHit {
            reason,
            until_ms: None,
        }),
        BrowserError::Invalid(m) => LaneError::Invalid(m),
        BrowserError::NotFound(m) => LaneError::NotFound(m),
        BrowserError::Launch(_) | BrowserError::Io(_) | BrowserError::Db(_) => {
            tracing::error!(lane, "{error}");
            LaneError::Internal(error.to_string())
        }
    }
}

impl LaneState {
    /// Checks the grant, finds the account's browser and runs `op` on it.
    /// Every document the tab requests meanwhile is checked against the lane's allow-list
    /// (the navigation guard), so the tab cannot end up off it.
    async fn browser<T>(
        &mut self,
        op: impl AsyncFnOnce(&mut AccountBrowser) -> Result<T, BrowserError>,
    ) -> Answer<T> {
        if let Err(denied) = self.require(Capability::BROWSER) {
            return Ok(Err(denied));
        }
        let browsers = match self.env.services.need::<Browsers>() {
            Ok(b) => b,
            Err(e) => return Ok(Err(e)),
        };
        let account = match self.call_campaign().await {
            Ok(c) => c.account_id,
            Err(e) => return Ok(Err(e)),
        };
        let session = browsers.session(account);
        let mut browser = session.lock().await;
        let env = self.env.clone();
        let allow: Allow =
            Arc::new(move |url: &str| env.grants.check_navigation(&env.name, url).is_ok());
        browser.guard().set(&self.env.name, self.call_id, allow);
        let result = op(&mut browser).await;
        browsers.pool().touch(account);
        let blocked = browser.guard().take_blocked();
        let refused = browser.guard().take_refused();
        if let Some(b) = blocked.first() {
            let url = &b.url;
            let msg = match b.reason {
                BlockReason::Popup => {
                    return Ok(Err(self.deny(format!(
                        "the page opened a new tab or window for {url}: it was closed before its \
                         first request, popups are refused"
                    ))));
                }
                BlockReason::ControlApi => {
                    "it is the site's control API, which no lane reaches".to_string()
                }
                BlockReason::OffAllowList => self
                    .env
                    .grants
                    .check_navigation(&self.env.name, url)
                    .err()
                    .unwrap_or_default(),
            };
            browser.blank().await;
            return Ok(Err(self.deny(format!(
                "the tab was about to open {url}, which was blocked: {msg}"
            ))));
        }
        if let Some(why) = refused.first() {
            return Ok(Err(self.deny(why.clone())));
        }
        Ok(result.map_err(|e| lane_error(&self.env.name, e)))
    }
}

/// Whether `url` (canonical form) is on the site's control API.
fn is_control(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|u| {
        u.origin().ascii_serialization() == outlane_linkedin::CANONICAL_BASE
            && outward::is_control_path(u.path())
    })
}

impl super::Service for Browsers {
    const MISSING: &'static str =
        "this host runs without a browser (no [linkedin] configuration was loaded)";
}

impl Host for LaneState {
    async fn goto(&mut self, url: String) -> Answer<Page> {
        if let Err(e) = self.require(Capability::BROWSER) {
            return Ok(Err(e));
        }
        let parsed = match self.env.grants.check_navigation(&self.env.name, &url) {
            Ok(u) => u,
            Err(msg) => return Ok(Err(self.deny(msg))),
        };
        if is_control(parsed.as_str()) {
            return Ok(Err(self.deny(format!(
                "lane `{}` may not open {url}: it is the site's control API, which no lane reaches",
                self.env.name
            ))));
        }
        self.browser(async move |b| {
            let visit = b.goto(&parsed).await?;
            Ok(Page {
                url: visit.url,
                status: visit.status,
                title: visit.title,
            })
        })
        .await
    }
    async fn current_url(&mut self) -> Answer<String> {
        self.browser(async |b| b.current_url().await).await
    }
    async fn wait_for(&mut self, target: Target, timeout_ms: u32) -> Answer<bool> {
        let q = query(target);
        self.browser(async move |b| {
            b.wait_for(&q, Duration::from_millis(u64::from(timeout_ms)))
                .await
        })
        .await
    }
    async fn exists(&mut self, target: Target) -> Answer<bool> {
        let q = query(target);
        self.browser(async move |b| b.exists(&q).await).await
    }
    async fn click(&mut self, target: Target) -> Answer<()> {
        let q = query(target);
        self.browser(async move |b| b.click(&q).await).await
    }
    async fn type_text(&mut self, target: Target, text: String) -> Answer<()> {
        let q = query(target);
        self.browser(async move |b| b.type_text(&q, &text).await)
            .await
    }
    async fn press(&mut self, key: String) -> Answer<()> {
        self.browser(async move |b| b.press(&key).await).await
    }
    async fn text(&mut self, target: Target) -> Answer<Option<String>> {
        let q = query(target);
        self.browser(async move |b| Ok(b.texts(&q).await?.into_iter().next()))
            .await
    }
    async fn texts(&mut self, target: Target) -> Answer<Vec<String>> {
        let q = query(target);
        self.browser(async move |b| b.texts(&q).await).await
    }
    async fn attrs(&mut self, target: Target, name: String) -> Answer<Vec<String>> {
        let q = query(target);
        self.browser(async move |b| b.attrs(&q, &name).await).await
    }
    async fn links(&mut self) -> Answer<Vec<String>> {
        self.browser(async |b| b.links().await).await
    }
    async fn api_get(&mut self, path: String) -> Answer<ApiResponse> {
        if let Err(e) = self.require(Capability::BROWSER) {
            return Ok(Err(e));
        }
        let canonical = format!("{}{}", outlane_linkedin::CANONICAL_BASE, path);
        if let Err(msg) = self.env.grants.check_navigation(&self.env.name, &canonical) {
            return Ok(Err(self.deny(msg)));
        }
        if is_control(&canonical) {
            return Ok(Err(self.deny(format!(
                "lane `{}` may not call {path}: only the site's API is reachable, never its \
                 control API",
                self.env.name
            ))));
        }
        self.browser(async move |b| {
            let answer = b.api_get(&path).await?;
            Ok(ApiResponse {
                status: answer.status,
                body: answer.body,
            })
        })
        .await
    }
}
