//! One account's browser session: start, saved cookies, login, navigation with checkpoint and
//! expiry handling, pausing and closing. The element operations lanes use on the page are in
//! [`super::page`].

use super::BrowserError;
use super::cookies::StorageState;
use super::dom::{self, Query};
use super::guard::RequestGuard;
use super::input::Pace;
use super::launch::{self, Chrome};
use super::pool::BrowserPool;
use super::site::SiteMap;
use crate::clock::Clock;
use crate::config::BrowserConfig;
use crate::crm::{Db, accounts, secret};
use chromiumoxide::Page;
use chromiumoxide::cdp::browser_protocol::network::{GetCookiesParams, SetCookiesParams};
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use url::Url;

/// Poll interval of every wait.
const POLL: Duration = Duration::from_millis(100);
/// More logins than this within [`LOGIN_WINDOW`] pause the account instead of logging in
/// again: LinkedIn keeps ending the session, and logging in over and over looks like a bot.
const MAX_LOGINS: usize = 3;
const LOGIN_WINDOW: Duration = Duration::from_secs(3600);
/// Cookies are saved at most this often while the session is used (and always after a login).
const SAVE_EVERY: Duration = Duration::from_secs(60);

/// Where a navigation ended, as lanes see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visit {
    /// Final URL after redirects (canonical origin).
    pub url: String,
    /// HTTP status of the main document (0 if unknown).
    pub status: u16,
    /// Document title.
    pub title: String,
}

/// What kind of LinkedIn page a URL is, for session handling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Feed,
    Login,
    LoginSubmit,
    Checkpoint,
    Other,
}

/// Classifies by path only: a login URL whose query names the target page is still the login
/// page (the reference matched substrings of the decoded URL and took such pages for success).
fn place(url: &str) -> Place {
    let path = Url::parse(url)
        .map(|u| u.path().to_ascii_lowercase())
        .unwrap_or_default();
    if path.starts_with("/feed") {
        Place::Feed
    } else if path.starts_with("/checkpoint/lg/") {
        Place::LoginSubmit
    } else if path.starts_with("/checkpoint/") {
        Place::Checkpoint
    } else if path.starts_with("/login")
        || path.starts_with("/uas/login")
        || path.starts_with("/authwall")
    {
        Place::Login
    } else {
        Place::Other
    }
}

/// Whose the tab is while a person has taken it over (for the request guard's records).
const PERSON: &str = "a person (console take-over)";

/// What submitting the stored credentials led to.
enum Submitted {
    /// LinkedIn showed the feed at once: the session was still good.
    AlreadyIn,
    /// The login was submitted as `login`; LinkedIn went to `url`.
    Ended { login: String, url: String },
}

/// The browser of one account.
pub struct AccountBrowser {
    account: u64,
    settings: BrowserConfig,
    site: SiteMap,
    profile_dir: PathBuf,
    db: Db,
    clock: Clock,
    chrome: Option<Chrome>,
    verified: bool,
    logins: VecDeque<Instant>,
    last_saved: Option<Instant>,
    guard: RequestGuard,
    guard_task: Option<tokio::task::JoinHandle<()>>,
    /// The pool whose place a running Chromium takes (none: no limit).
    pool: Option<Arc<BrowserPool>>,
    /// The place taken while Chromium runs.
    place: Option<tokio::sync::OwnedSemaphorePermit>,
}

impl AccountBrowser {
    /// The (not yet started) browser of `account`, with its profile in `profile_dir`, whose
    /// every request passes `guard`.
    pub fn new(
        account: u64,
        settings: BrowserConfig,
        site: SiteMap,
        profile_dir: PathBuf,
        db: Db,
        clock: Clock,
        guard: RequestGuard,
    ) -> AccountBrowser {
        AccountBrowser {
            account,
            settings,
            site,
            profile_dir,
            db,
            clock,
            chrome: None,
            verified: false,
            logins: VecDeque::new(),
            last_saved: None,
            guard,
            guard_task: None,
            pool: None,
            place: None,
        }
    }

    /// The same browser, taking a place of `pool` while Chromium runs.
    pub fn in_pool(mut self, pool: Arc<BrowserPool>) -> AccountBrowser {
        self.pool = Some(pool);
        self
    }

    /// The account this browser acts as.
    pub fn account(&self) -> u64 {
        self.account
    }

    /// The rules every request of the browser passes (allow-list, popups, control paths,
    /// outward-action permits).
    pub fn guard(&self) -> &RequestGuard {
        &self.guard
    }

    /// Whether Chromium is running.
    pub fn is_started(&self) -> bool {
        self.chrome.is_some()
    }

    /// The saved session file.
    pub fn cookie_file(&self) -> PathBuf {
        self.profile_dir.join("cookies.json")
    }

    pub(super) fn pace(&self) -> Pace {
        Pace(self.settings.pace)
    }

    pub(super) fn page(&self) -> Result<&Page, BrowserError> {
        self.chrome
            .as_ref()
            .map(|c| &c.page)
            .ok_or_else(|| BrowserError::Page("the browser is not running".into()))
    }

    pub(super) async fn timed<T>(
        &self,
        what: &str,
        fut: impl Future<Output = Result<T, BrowserError>>,
    ) -> Result<T, BrowserError> {
        match tokio::time::timeout(self.settings.timeout, fut).await {
            Ok(r) => r,
            Err(_) => Err(BrowserError::Timeout(format!(
                "{what} took longer than {} (browser.timeout)",
                humantime::format_duration(self.settings.timeout)
            ))),
        }
    }

    /// Fails when the account is paused (read from the database: a person resumes it with
    /// the CLI). Only needed before starting Chromium: pausing always stops it.
    async fn refuse_if_paused(&self) -> Result<(), BrowserError> {
        let account = self.account;
        let paused = self
            .db
            .read_outside_tx(move |c| accounts::get(c, account))
            .await
            .map_err(|e| BrowserError::Db(e.to_string()))?
            .paused;
        match paused {
            Some(reason) => Err(BrowserError::Auth(format!(
                "account {account} is paused: {reason}"
            ))),
            None => Ok(()),
        }
    }

    /// Starts the browser if needed and makes sure it is logged in. A paused account fails at
    /// once, without any request to LinkedIn.
    pub async fn ready(&mut self) -> Result<(), BrowserError> {
        let account = self.account;
        if self.chrome.as_mut().is_some_and(Chrome::is_gone) {
            tracing::warn!(account, "the browser has gone away: starting it again");
            if let Some(task) = self.guard_task.take() {
                task.abort();
            }
            if let Some(chrome) = self.chrome.take() {
                chrome.close().await;
            }
            self.verified = false;
        }
        if self.chrome.is_none() {
            self.refuse_if_paused().await?;
            self.start().await?;
        }
        if !self.verified {
            let feed = self.site.site_url("/feed/");
            let at = self.navigate(&feed).await?;
            match place(&at.url) {
                Place::Feed => {
                    self.verified = true;
                    self.save_cookies().await;
                }
                Place::Login | Place::LoginSubmit => self.login().await?,
                Place::Checkpoint => return Err(self.checkpoint().await),
                Place::Other => {
                    return Err(BrowserError::Page(format!(
                        "LinkedIn answered {} with {} (HTTP {}) instead of the feed",
                        feed, at.url, at.status
                    )));
                }
            }
        }
        Ok(())
    }

    /// For operations on the current page: the browser must be running and logged in. Unlike
    /// [`Self::ready`] it never navigates a page away under a flow, except to start (or
    /// restart) the browser, which opens the feed.
    pub(super) async fn live(&mut self) -> Result<(), BrowserError> {
        if self.chrome.as_mut().is_none_or(Chrome::is_gone) {
            return self.ready().await;
        }
        if !self.verified {
            return Err(BrowserError::Auth(
                "the browser is not logged in (the last login failed); open a page with goto to log in again".into(),
            ));
        }
        // Running and logged in means not paused: pausing stops the browser.
        Ok(())
    }

    async fn start(&mut self) -> Result<(), BrowserError> {
        if self.place.is_none()
            && let Some(pool) = self.pool.clone()
        {
            self.place = Some(pool.place(self.account).await);
        }
        let launched = launch::launch(&self.settings, &self.profile_dir).await;
        let chrome = match launched {
            Ok(chrome) => chrome,
            Err(e) => {
                self.place = None;
                return Err(e);
            }
        };
        // The guard first: no request of this browser leaves it unchecked.
        let ws = chrome.browser.websocket_address().clone();
        let tab = chrome.page.target_id().as_ref().to_string();
        match self.guard.install(&ws, &tab, self.site.clone()).await {
            Ok(task) => self.guard_task = Some(task),
            Err(e) => {
                chrome.close().await;
                self.place = None;
                return Err(BrowserError::Launch(format!(
                    "cannot guard the browser's requests: {e}"
                )));
            }
        }
        if let Some(state) = StorageState::load(&self.cookie_file())? {
            // Cookie expiry is wall-clock time, whatever the daemon clock says.
            let cookies = state.to_params(&self.site, unix_now_s());
            if !cookies.is_empty()
                && let Err(e) = chrome.page.execute(SetCookiesParams::new(cookies)).await
            {
                if let Some(task) = self.guard_task.take() {
                    task.abort();
                }
                chrome.close().await;
                self.place = None;
                return Err(BrowserError::Page(format!(
                    "cannot restore the saved cookies: {e}"
                )));
            }
        }
        tracing::info!(account = self.account, site = %self.site.base(), "browser started");
        self.chrome = Some(chrome);
        self.verified = false;
        Ok(())
    }

    /// Opens `url` (a site URL), waits for the load and reports where it ended.
    async fn navigate(&self, url: &str) -> Result<Visit, BrowserError> {
        let page = self.page()?;
        self.timed(&format!("loading {url}"), async {
            page.goto(url).await?;
            while !dom::is_loaded(page).await.unwrap_or(false) {
                tokio::time::sleep(POLL).await;
            }
            let (url, title, status) = dom::page_info(page).await?;
            Ok(Visit { url, status, title })
        })
        .await
    }

    /// Opens a LinkedIn page (canonical URL) for a lane. A logged-out answer gets one fresh
    /// login and a second try; a checkpoint pauses the account.
    pub async fn goto(&mut self, canonical: &Url) -> Result<Visit, BrowserError> {
        self.ready().await?;
        let target = self.site.to_site(canonical).to_string();
        let mut visit = self.navigate(&target).await?;
        match place(&visit.url) {
            Place::Checkpoint => return Err(self.checkpoint().await),
            Place::Login | Place::LoginSubmit if place(&target) != Place::Login => {
                tracing::warn!(
                    account = self.account,
                    "LinkedIn ended the session: logging in again"
                );
                self.verified = false;
                self.login().await?;
                visit = self.navigate(&target).await?;
                match place(&visit.url) {
                    Place::Checkpoint => return Err(self.checkpoint().await),
                    Place::Login | Place::LoginSubmit => {
                        return Err(self
                            .pause("LinkedIn ended the session again right after a fresh login")
                            .await);
                    }
                    _ => {}
                }
            }
            _ => {}
        }
        if self.last_saved.is_none_or(|t| t.elapsed() >= SAVE_EVERY) {
            self.save_cookies().await;
        }
        visit.url = self.site.to_canonical(&visit.url);
        // A throttling page at the right URL is not the page (the reference took it for one
        // and marked the profile failed).
        match visit.status {
            429 | 999 => Err(BrowserError::RateLimited(format!(
                "LinkedIn answered {} with HTTP {}: slow down",
                visit.url, visit.status
            ))),
            s if s >= 500 => Err(BrowserError::Page(format!(
                "LinkedIn answered {} with HTTP {s}",
                visit.url
            ))),
            _ => Ok(visit),
        }
    }

    /// Logs in with the account's stored credentials.
    async fn login(&mut self) -> Result<(), BrowserError> {
        let account = self.account;
        let (login, ended) = match self.submit_credentials().await? {
            Submitted::AlreadyIn => {
                self.verified = true;
                return Ok(());
            }
            Submitted::Ended { login, url } => (login, url),
        };
        match place(&ended) {
            Place::Feed => {
                tracing::info!(account, "logged in to LinkedIn");
                self.verified = true;
                self.save_cookies().await;
                Ok(())
            }
            Place::Checkpoint => Err(self.checkpoint().await),
            Place::Login | Place::LoginSubmit => Err(self
                .pause(&format!(
                    "LinkedIn refused the login of {login} (ended on {}): check the password",
                    self.site.to_canonical(&ended)
                ))
                .await),
            Place::Other => Err(self
                .pause(&format!(
                    "after the login LinkedIn showed {} instead of the feed (a question only a person can answer)",
                    self.site.to_canonical(&ended)
                ))
                .await),
        }
    }

    /// Types the stored login and password into LinkedIn's login page and submits them
    /// (counted against the logins of the hour); says where LinkedIn went.
    async fn submit_credentials(&mut self) -> Result<Submitted, BrowserError> {
        while self
            .logins
            .front()
            .is_some_and(|t| t.elapsed() > LOGIN_WINDOW)
        {
            self.logins.pop_front();
        }
        if self.logins.len() >= MAX_LOGINS {
            return Err(self
                .pause(&format!(
                    "LinkedIn ended the session {MAX_LOGINS} times within an hour; not logging in again"
                ))
                .await);
        }
        self.logins.push_back(Instant::now());
        let account = self.account;
        let passphrase = match secret::passphrase() {
            Ok(p) => p,
            Err(why) => {
                return Err(BrowserError::Auth(format!(
                    "{why}, so the stored LinkedIn password cannot be opened"
                )));
            }
        };
        let (login, password) = self
            .db
            .read_outside_tx(move |c| {
                let login = accounts::get(c, account)?.login;
                Ok((login, accounts::password(c, account, &passphrase)?))
            })
            .await
            .map_err(|e| BrowserError::Auth(format!("cannot log in account {account}: {e}")))?;
        let start = self.site.site_url("/login");
        let at = self.navigate(&start).await?;
        if place(&at.url) == Place::Feed {
            return Ok(Submitted::AlreadyIn);
        }
        let username = Query {
            css: "input#username".into(),
            visible: true,
            ..Query::default()
        };
        let password_field = Query {
            css: "input#password".into(),
            visible: true,
            ..Query::default()
        };
        let submit = Query {
            css: "button[type=\"submit\"]".into(),
            visible: true,
            ..Query::default()
        };
        self.type_into(&username, &login).await?;
        self.pace().pause(400, 1200).await;
        self.type_into(&password_field, password.as_str()).await?;
        self.pace().pause(300, 900).await;
        let before = self.page()?.url().await?.unwrap_or_default();
        self.click_now(&submit).await?;
        let url = self.settle_after(&before).await?;
        Ok(Submitted::Ended { login, url })
    }

    /// Opens the account's tab for a person (the console's take-over of an account that waits
    /// for one): Chromium is started if it is not running, and the tab goes to the feed; when
    /// LinkedIn asks for the login, the host types the stored password itself (a person never
    /// sees it) and leaves the tab on whatever LinkedIn asks next (a checkpoint, a 2FA code).
    /// Only LinkedIn's pages open in it, and no outward action (no journal permit exists).
    pub async fn open_for_person(&mut self) -> Result<Page, BrowserError> {
        if self.chrome.as_mut().is_some_and(Chrome::is_gone) {
            if let Some(task) = self.guard_task.take() {
                task.abort();
            }
            if let Some(chrome) = self.chrome.take() {
                chrome.close().await;
            }
        }
        if self.chrome.is_none() {
            self.start().await?;
        }
        self.verified = false;
        self.guard.set(
            PERSON,
            0,
            std::sync::Arc::new(|url: &str| {
                url.starts_with(&format!("{}/", outlane_linkedin::CANONICAL_BASE))
            }),
        );
        let feed = self.site.site_url("/feed/");
        let at = self.navigate(&feed).await?;
        if matches!(place(&at.url), Place::Login | Place::LoginSubmit) {
            self.submit_credentials().await?;
        }
        Ok(self.page()?.clone())
    }

    /// Whether the tab shows the feed (a person's take-over is then done).
    pub async fn shows_feed(&self) -> bool {
        match self.page() {
            Ok(page) => page
                .url()
                .await
                .ok()
                .flatten()
                .is_some_and(|url| place(&url) == Place::Feed),
            Err(_) => false,
        }
    }

    /// A person brought the tab to the feed: the session is saved and the browser is the
    /// lanes' again, logged in.
    pub async fn person_done(&mut self) {
        self.verified = true;
        self.logins.clear();
        self.save_cookies().await;
    }

    /// Waits until the page has left `before` and finished loading; returns the new URL. The
    /// login-submit page is a step on the way, unless the browser stays on it (LinkedIn shows
    /// its "wrong password" there).
    async fn settle_after(&self, before: &str) -> Result<String, BrowserError> {
        const SUBMIT_SETTLED: Duration = Duration::from_secs(3);
        let page = self.page()?;
        self.timed("waiting for LinkedIn to answer the login", async {
            let mut on_submit: Option<Instant> = None;
            loop {
                let now = page.url().await?.unwrap_or_default();
                let loaded = dom::is_loaded(page).await.unwrap_or(false);
                if now != before && loaded {
                    if place(&now) != Place::LoginSubmit {
                        return Ok(now);
                    }
                    let since = *on_submit.get_or_insert_with(Instant::now);
                    if since.elapsed() >= SUBMIT_SETTLED {
                        return Ok(now);
                    }
                } else {
                    on_submit = None;
                }
                tokio::time::sleep(POLL).await;
            }
        })
        .await
    }

    async fn checkpoint(&mut self) -> BrowserError {
        self.pause(
            "LinkedIn asks for a security check (checkpoint): solve it by logging in by hand once",
        )
        .await
    }

    /// Pauses the account with `reason` and stops the browser.
    async fn pause(&mut self, reason: &str) -> BrowserError {
        let account = self.account;
        let now = self.clock.now_ms();
        let why = reason.to_string();
        // The next login happens only after a person resumed the account: the logins before
        // the pause must not count against it (they would pause it again at once).
        self.logins.clear();
        let login = self
            .db
            .write(move |tx| {
                accounts::pause(tx, account, &why, now)?;
                Ok(accounts::get(tx, account)?.login)
            })
            .await
            .unwrap_or_else(|_| format!("account {account}"));
        tracing::error!(
            account,
            "account {login} paused: {reason}. Then run `outlane accounts resume {login}`"
        );
        self.close().await;
        BrowserError::Auth(format!(
            "account {login} paused: {reason}; then run `outlane accounts resume {login}`"
        ))
    }

    /// Saves the session cookies (never fails the caller; a failure is logged).
    async fn save_cookies(&mut self) {
        let Ok(page) = self.page() else { return };
        let params = GetCookiesParams {
            urls: Some(vec![self.site.site_url("/")]),
        };
        match page.execute(params).await {
            Ok(answer) => {
                let state = StorageState::from_browser(answer.result.cookies.clone());
                match state.save(&self.cookie_file()) {
                    Ok(()) => self.last_saved = Some(Instant::now()),
                    Err(e) => tracing::warn!(account = self.account, "{e}"),
                }
            }
            Err(e) => tracing::warn!(account = self.account, "cannot read the cookies: {e}"),
        }
    }

    /// Leaves whatever page the tab shows for a blank one.
    pub async fn blank(&mut self) {
        if let Ok(page) = self.page() {
            let _ = self
                .timed("opening a blank page", async {
                    page.goto("about:blank").await?;
                    Ok(())
                })
                .await;
        }
    }

    /// Saves the cookies and stops the browser.
    pub async fn close(&mut self) {
        if self.verified {
            self.save_cookies().await;
        }
        self.verified = false;
        if let Some(task) = self.guard_task.take() {
            task.abort();
        }
        if let Some(chrome) = self.chrome.take() {
            chrome.close().await;
        }
        self.place = None;
    }

    /// The page for the API module (started and logged in).
    pub(super) async fn api_page(&mut self) -> Result<&Page, BrowserError> {
        self.ready().await?;
        let url = self.page()?.url().await?.unwrap_or_default();
        if !self.site.is_on_site(&url) {
            let feed = Url::parse(&format!("{}/feed/", outlane_linkedin::CANONICAL_BASE))
                .map_err(|e| BrowserError::Invalid(e.to_string()))?;
            self.goto(&feed).await?;
        }
        self.page()
    }

    /// Handling of a 401 from the API: the session ended; one fresh login.
    pub(super) async fn relogin(&mut self) -> Result<(), BrowserError> {
        self.verified = false;
        self.login().await
    }

    pub(super) fn settings(&self) -> &BrowserConfig {
        &self.settings
    }

    pub(super) fn site(&self) -> &SiteMap {
        &self.site
    }
}

fn unix_now_s() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_classified_by_path_not_by_query() {
        assert_eq!(place("https://www.linkedin.com/feed/"), Place::Feed);
        assert_eq!(
            place(
                "https://www.linkedin.com/login?session_redirect=https%3A%2F%2Fwww.linkedin.com%2Ffeed%2F"
            ),
            Place::Login
        );
        assert_eq!(
            place("https://www.linkedin.com/authwall?sessionRedirect=%2Fin%2Fjane%2F"),
            Place::Login
        );
        assert_eq!(
            place("http://127.0.0.1:9/checkpoint/challenge/AbC"),
            Place::Checkpoint
        );
        assert_eq!(
            place("http://127.0.0.1:9/checkpoint/lg/login-submit"),
            Place::LoginSubmit
        );
        assert_eq!(place("https://www.linkedin.com/in/feed-guy/"), Place::Other);
        assert_eq!(place("about:blank"), Place::Other);
    }
}
