//! The browser capability: one headless Chromium per LinkedIn account, driven over CDP.
//!
//! - [`site`]: the configured LinkedIn base URL and the URL translation lanes never see;
//! - [`launch`]: starting Chromium with a profile directory per account;
//! - [`session`]: login, saved cookies, checkpoint and expiry handling, navigation;
//! - [`page`]: the element operations on the tab (queries, clicks, typing, texts, links);
//! - [`dom`] and [`input`]: element queries, clicks and keystrokes;
//! - [`devtools`]: the host's own DevTools connection to the browser target;
//! - [`guard`]: every request of the browser checked: one tab (popups refused), no control
//!   paths, the lane's origin allow-list, and outward actions only with a journal permit;
//! - [`outward`]: which requests invite, message or withdraw, and the permits for them;
//! - [`api`]: Voyager calls signed with the session's csrf token;
//! - [`cookies`]: the saved session (Playwright `storage_state` format);
//! - [`handover`]: a person takes over a paused account's tab from the console.
//!
//! Checkpoints and refused passwords pause the account in the CRM until a person resumes it;
//! the host never retries them. An expired session gets one fresh login.

pub mod api;
pub mod cookies;
pub mod devtools;
pub mod dom;
pub mod guard;
pub mod handover;
pub mod input;
pub mod launch;
pub mod outward;
pub mod page;
pub mod pool;
pub mod session;
pub mod site;

pub use dom::Query;
pub use guard::{Allow, RequestGuard};
pub use session::{AccountBrowser, Visit};
pub use site::{SiteError, SiteMap};

use crate::clock::Clock;
use crate::config::{BrowserConfig, DataDir};
use crate::crm::Db;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// What went wrong in the browser.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BrowserError {
    /// Chromium could not be found or started.
    #[error("cannot start the browser: {0}")]
    Launch(String),
    /// A person is needed (checkpoint, refused password, no stored password); the account
    /// is paused when LinkedIn itself asked.
    #[error("{0}")]
    Auth(String),
    /// The operation took longer than `browser.timeout`.
    #[error("timed out: {0}")]
    Timeout(String),
    /// The browser or page failed in a way that may pass (CDP error, navigation aborted).
    #[error("browser error: {0}")]
    Page(String),
    /// LinkedIn asked to slow down (HTTP 429) and kept asking.
    #[error("{0}")]
    RateLimited(String),
    /// The request cannot be carried out as given (bad selector, bad key, bad path).
    #[error("{0}")]
    Invalid(String),
    /// The element to act on is not on the page.
    #[error("{0}")]
    NotFound(String),
    /// Reading or writing the saved session failed.
    #[error("{0}")]
    Io(String),
    /// The database failed.
    #[error("database: {0}")]
    Db(String),
}

impl From<chromiumoxide::error::CdpError> for BrowserError {
    fn from(e: chromiumoxide::error::CdpError) -> Self {
        match e {
            chromiumoxide::error::CdpError::Timeout => {
                BrowserError::Timeout("the browser did not answer".into())
            }
            other => BrowserError::Page(other.to_string()),
        }
    }
}

/// The browsers of every account, started on first use and kept for the daemon's life.
pub struct Browsers {
    settings: BrowserConfig,
    site: SiteMap,
    data: DataDir,
    db: Db,
    clock: Clock,
    rules: Vec<outward::OutwardRule>,
    sessions: Mutex<HashMap<u64, Arc<tokio::sync::Mutex<AccountBrowser>>>>,
    pool: Arc<pool::BrowserPool>,
    reaper: std::sync::Once,
    guards: Mutex<HashMap<u64, RequestGuard>>,
    handovers: Mutex<HashMap<u64, Arc<handover::Handover>>>,
}

/// How long a take-over may last before the tab is left (the account stays paused).
pub const HANDOVER_LIMIT: std::time::Duration = std::time::Duration::from_secs(3600);

impl std::fmt::Debug for Browsers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Browsers")
            .field("site", &self.site.base())
            .finish_non_exhaustive()
    }
}

impl Browsers {
    /// Browsers for LinkedIn at `site`, with profiles under `data`; outward actions are
    /// known by the default rules.
    pub fn new(
        settings: BrowserConfig,
        site: SiteMap,
        data: DataDir,
        db: Db,
        clock: Clock,
    ) -> Arc<Browsers> {
        Browsers::with_rules(settings, site, data, db, clock, Vec::new())
    }

    /// Like [`Browsers::new`], with `extra` outward-action rules (`[[linkedin.outward]]`)
    /// besides the default ones.
    pub fn with_rules(
        settings: BrowserConfig,
        site: SiteMap,
        data: DataDir,
        db: Db,
        clock: Clock,
        extra: Vec<outward::OutwardRule>,
    ) -> Arc<Browsers> {
        let mut rules = outward::default_rules();
        rules.extend(extra);
        let pool = pool::BrowserPool::new(settings.max_open, settings.idle_close, clock.clone());
        Arc::new(Browsers {
            settings,
            site,
            data,
            db,
            clock,
            rules,
            sessions: Mutex::new(HashMap::new()),
            pool,
            reaper: std::sync::Once::new(),
            guards: Mutex::new(HashMap::new()),
            handovers: Mutex::new(HashMap::new()),
        })
    }

    /// The request guard of `account`'s browser (it exists before the browser starts, so
    /// `begin-action` can hand out permits without waiting for the tab).
    pub fn guard(&self, account: u64) -> RequestGuard {
        let mut guards = self.guards.lock().unwrap_or_else(|p| p.into_inner());
        guards
            .entry(account)
            .or_insert_with(|| RequestGuard::new(self.rules.clone()))
            .clone()
    }

    /// Withdraws every permit lane call `call` was given, on every account (the call ended).
    pub fn revoke_call(&self, call: u64) {
        let guards = self.guards.lock().unwrap_or_else(|p| p.into_inner());
        for guard in guards.values() {
            guard.revoke_call(call);
        }
    }

    /// Where LinkedIn is served.
    pub fn site(&self) -> &SiteMap {
        &self.site
    }

    /// The places for running Chromiums (`[browser] max_open`, `idle_close`).
    pub fn pool(&self) -> &Arc<pool::BrowserPool> {
        &self.pool
    }

    /// The browser of `account` (not started until its first operation). The first call
    /// within a tokio runtime starts the task that closes idle browsers.
    pub fn session(&self, account: u64) -> Arc<tokio::sync::Mutex<AccountBrowser>> {
        if tokio::runtime::Handle::try_current().is_ok() {
            self.reaper
                .call_once(|| pool::BrowserPool::spawn_reaper(&self.pool));
        }
        let guard = self.guard(account);
        let mut sessions = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        sessions
            .entry(account)
            .or_insert_with(|| {
                let session = Arc::new(tokio::sync::Mutex::new(
                    AccountBrowser::new(
                        account,
                        self.settings.clone(),
                        self.site.clone(),
                        self.data.browser_profile(account),
                        self.db.clone(),
                        self.clock.clone(),
                        guard,
                    )
                    .in_pool(self.pool.clone()),
                ));
                self.pool.register(account, &session);
                session
            })
            .clone()
    }

    /// Opens `account`'s tab for a person (see [`handover`]); only while the account waits
    /// for one. A take-over already running is returned as it is.
    pub async fn take_over(
        self: &Arc<Self>,
        account: u64,
    ) -> Result<Arc<handover::Handover>, BrowserError> {
        if let Some(running) = self.handover(account) {
            return Ok(running);
        }
        let paused = self
            .db
            .read_outside_tx(move |c| crate::crm::accounts::get(c, account))
            .await
            .map_err(|e| BrowserError::Db(e.to_string()))?
            .paused;
        if paused.is_none() {
            return Err(BrowserError::Invalid(format!(
                "account {account} does not wait for a person: its tab is the lanes'"
            )));
        }
        let session = self.session(account);
        // A person's tab is never closed as idle, nor for another account.
        self.pool.pin(account, true);
        let page = match session.lock().await.open_for_person().await {
            Ok(page) => page,
            Err(e) => {
                self.pool.pin(account, false);
                return Err(e);
            }
        };
        let stream = Arc::new(handover::Handover::start(page).await?);
        self.handovers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(account, stream.clone());
        tracing::info!(
            account,
            "a person took over the account's browser in the console"
        );
        let this = Arc::clone(self);
        tokio::spawn(async move { this.watch_handover(account).await });
        Ok(stream)
    }

    /// The running take-over of `account`, if any.
    pub fn handover(&self, account: u64) -> Option<Arc<handover::Handover>> {
        self.handovers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&account)
            .cloned()
    }

    /// Ends a take-over once the tab shows the feed (the session is saved, the account
    /// resumes), when the account was resumed otherwise, or after [`HANDOVER_LIMIT`].
    async fn watch_handover(self: Arc<Self>, account: u64) {
        let started = std::time::Instant::now();
        loop {
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            let session = self.session(account);
            let mut browser = session.lock().await;
            if browser.shows_feed().await {
                browser.person_done().await;
                drop(browser);
                let resumed = self
                    .db
                    .write(move |tx| crate::crm::accounts::resume(tx, account))
                    .await;
                match resumed {
                    Ok(reason) => tracing::info!(
                        account,
                        "account resumed: a person solved LinkedIn's question in the console ({})",
                        reason.unwrap_or_default()
                    ),
                    Err(e) => tracing::warn!(account, "cannot resume the account: {e}"),
                }
                break;
            }
            drop(browser);
            let still_paused = self
                .db
                .read_outside_tx(move |c| crate::crm::accounts::get(c, account))
                .await
                .map(|a| a.paused.is_some())
                .unwrap_or(true);
            if !still_paused || started.elapsed() > HANDOVER_LIMIT {
                tracing::info!(account, "the console's take-over ended without the feed");
                break;
            }
        }
        self.pool.touch(account);
        self.pool.pin(account, false);
        let ended = self
            .handovers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&account);
        if let Some(stream) = ended.and_then(|s| Arc::try_unwrap(s).ok()) {
            stream.stop().await;
        }
    }

    /// Saves every session's cookies and closes every browser.
    pub async fn close_all(&self) {
        let sessions: Vec<_> = {
            let mut map = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
            map.drain().map(|(_, s)| s).collect()
        };
        for session in sessions {
            session.lock().await.close().await;
        }
    }
}
