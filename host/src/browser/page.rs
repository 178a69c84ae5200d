//! The operations lanes use on the account's tab: reading the URL, finding elements, clicking
//! and typing with human-like timing, reading texts, attributes and links. Each first makes
//! sure the browser runs and is logged in ([`AccountBrowser::live`]), never navigating a page
//! away under a flow.

use super::BrowserError;
use super::dom::{self, ClickSpot, Query};
use super::input;
use super::session::AccountBrowser;
use std::time::{Duration, Instant};

/// How long a click or a typed field waits for its element to appear.
const ELEMENT_WAIT: Duration = Duration::from_secs(5);
/// Poll interval of every wait.
const POLL: Duration = Duration::from_millis(100);
/// Longest wait a lane may ask for.
const MAX_WAIT: Duration = Duration::from_secs(120);

impl AccountBrowser {
    /// The URL of the tab, as lanes see it.
    pub async fn current_url(&mut self) -> Result<String, BrowserError> {
        self.live().await?;
        let url = self.page()?.url().await?.unwrap_or_default();
        Ok(self.site().to_canonical(&url))
    }

    /// How many elements match now (navigation in progress counts as none yet).
    pub(super) async fn count_now(&self, query: &Query) -> Result<usize, BrowserError> {
        match dom::count(self.page()?, query).await {
            Err(BrowserError::Page(_)) => Ok(0),
            other => other,
        }
    }

    /// Whether `query` matches now.
    pub async fn exists(&mut self, query: &Query) -> Result<bool, BrowserError> {
        self.live().await?;
        Ok(self.count_now(query).await? > 0)
    }

    /// Waits up to `timeout` for `query` to match; false when it never did.
    pub async fn wait_for(
        &mut self,
        query: &Query,
        timeout: Duration,
    ) -> Result<bool, BrowserError> {
        self.live().await?;
        let deadline = Instant::now() + timeout.min(MAX_WAIT);
        loop {
            if self.count_now(query).await? > 0 {
                return Ok(true);
            }
            if Instant::now() >= deadline {
                return Ok(false);
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Clicks the first rendered, enabled match, waiting briefly for one.
    pub async fn click(&mut self, query: &Query) -> Result<(), BrowserError> {
        self.live().await?;
        self.click_now(query).await
    }

    pub(super) async fn click_now(&mut self, query: &Query) -> Result<(), BrowserError> {
        let deadline = Instant::now() + ELEMENT_WAIT;
        let (x, y) = loop {
            let spot = match dom::click_spot(self.page()?, query).await {
                Err(BrowserError::Page(_)) => ClickSpot::Missing,
                other => other?,
            };
            match spot {
                ClickSpot::At(x, y) => break (x, y),
                _ if Instant::now() < deadline => tokio::time::sleep(POLL).await,
                why => {
                    let here = self.page()?.url().await?.unwrap_or_default();
                    let what = match why {
                        ClickSpot::Disabled => "it stays disabled".to_string(),
                        ClickSpot::Covered(by) => format!("`{by}` covers it"),
                        _ => "nothing visible matches".to_string(),
                    };
                    return Err(BrowserError::NotFound(format!(
                        "cannot click `{}` on {}: {what}",
                        dom::selector_text(query),
                        self.site().to_canonical(&here)
                    )));
                }
            }
        };
        let pace = self.pace();
        self.timed("a click", input::click_at(self.page()?, x, y, pace))
            .await
    }

    pub(super) async fn type_into(
        &mut self,
        query: &Query,
        text: &str,
    ) -> Result<(), BrowserError> {
        let deadline = Instant::now() + ELEMENT_WAIT;
        loop {
            match dom::focus_and_select(self.page()?, query).await {
                Ok(Some(had_content)) => {
                    if had_content {
                        // Replace what is there (a draft, a remembered login), never append.
                        input::press(self.page()?, "Backspace").await?;
                    }
                    break;
                }
                Ok(None) | Err(BrowserError::Page(_)) if Instant::now() < deadline => {
                    tokio::time::sleep(POLL).await;
                }
                Ok(None) | Err(BrowserError::Page(_)) => {
                    return Err(BrowserError::NotFound(format!(
                        "nothing to type into: no `{}`",
                        dom::selector_text(query)
                    )));
                }
                Err(e) => return Err(e),
            }
        }
        let pace = self.pace();
        // Typing is slow on purpose: allow the keystroke delays on top of the timeout.
        let budget = self.settings().timeout
            + Duration::from_secs_f64(0.2 * pace.0.max(0.0) * text.chars().count() as f64);
        match tokio::time::timeout(budget, input::type_text(self.page()?, text, pace)).await {
            Ok(r) => r,
            Err(_) => Err(BrowserError::Timeout("typing took too long".into())),
        }
    }

    /// Types `text` into the first match with human-like key timing.
    pub async fn type_text(&mut self, query: &Query, text: &str) -> Result<(), BrowserError> {
        self.live().await?;
        self.type_into(query, text).await
    }

    /// Presses a named key in the focused element.
    pub async fn press(&mut self, key: &str) -> Result<(), BrowserError> {
        self.live().await?;
        self.timed("a key press", input::press(self.page()?, key))
            .await
    }

    /// Inner texts of every match.
    pub async fn texts(&mut self, query: &Query) -> Result<Vec<String>, BrowserError> {
        self.live().await?;
        self.timed("reading texts", dom::texts(self.page()?, query))
            .await
    }

    /// Attribute `name` of every match that has it.
    pub async fn attrs(&mut self, query: &Query, name: &str) -> Result<Vec<String>, BrowserError> {
        self.live().await?;
        self.timed("reading attributes", dom::attrs(self.page()?, query, name))
            .await
    }

    /// Every link on the page, absolute, as lanes see URLs.
    pub async fn links(&mut self) -> Result<Vec<String>, BrowserError> {
        self.live().await?;
        let links = self
            .timed("reading links", dom::links(self.page()?))
            .await?;
        Ok(links.iter().map(|l| self.site().to_canonical(l)).collect())
    }
}
