//! How many Chromiums run at once, and which one closes when another is needed.
//!
//! Each account has its own Chromium (its own profile, cookies and tab). A Chromium is a few
//! hundred megabytes, so the daemon keeps at most `[browser] max_open` of them running: an
//! account whose browser must start takes a place; when none is free, the least recently used
//! browser that is not in a call is closed for it (its session saved, to be restored when it
//! is needed again), and while every running browser is in a call the account waits in line,
//! first come first served. A browser without work for `[browser] idle_close` (on the
//! daemon's clock) is closed by [`BrowserPool::close_idle`], which a task of the daemon runs.

use super::session::AccountBrowser;
use crate::clock::Clock;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How often a waiting account looks for an idle browser to close (real time).
const EVICT_EVERY: Duration = Duration::from_millis(250);

/// The shared places for running Chromiums and what is known of each account's browser.
pub struct BrowserPool {
    places: Arc<Semaphore>,
    max_open: usize,
    idle_close: Duration,
    clock: Clock,
    state: Mutex<PoolState>,
}

#[derive(Default)]
struct PoolState {
    /// Every account's browser (weak: the pool never keeps one alive).
    sessions: HashMap<u64, Weak<tokio::sync::Mutex<AccountBrowser>>>,
    /// When each account's browser last worked (daemon clock, ms).
    last_used: HashMap<u64, u64>,
    /// Accounts whose browser must stay open (a person is using it).
    pinned: HashSet<u64>,
}

impl std::fmt::Debug for BrowserPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BrowserPool")
            .field("max_open", &self.max_open)
            .field("idle_close", &self.idle_close)
            .finish_non_exhaustive()
    }
}

impl BrowserPool {
    /// A pool of `max_open` places (at least one) whose browsers close after `idle_close`
    /// without work on `clock`.
    pub fn new(max_open: usize, idle_close: Duration, clock: Clock) -> Arc<BrowserPool> {
        let max_open = max_open.max(1);
        Arc::new(BrowserPool {
            places: Arc::new(Semaphore::new(max_open)),
            max_open,
            idle_close,
            clock,
            state: Mutex::new(PoolState::default()),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, PoolState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// At most this many browsers run at once.
    pub fn max_open(&self) -> usize {
        self.max_open
    }

    /// How many browsers run now.
    pub fn open(&self) -> usize {
        self.max_open - self.places.available_permits()
    }

    /// Knows `session` as `account`'s browser.
    pub(crate) fn register(&self, account: u64, session: &Arc<tokio::sync::Mutex<AccountBrowser>>) {
        self.lock()
            .sessions
            .insert(account, Arc::downgrade(session));
    }

    /// Notes that `account`'s browser worked just now.
    pub fn touch(&self, account: u64) {
        let now = self.clock.now_ms();
        self.lock().last_used.insert(account, now);
    }

    /// Keeps `account`'s browser open (`true`) or lets it close again (`false`).
    pub(crate) fn pin(&self, account: u64, pinned: bool) {
        let mut state = self.lock();
        if pinned {
            state.pinned.insert(account);
        } else {
            state.pinned.remove(&account);
        }
    }

    /// A place for `account`'s browser to run: at once when one is free; else, while it waits
    /// in line, the least recently used idle browser of another account is closed for it.
    pub(crate) async fn place(&self, account: u64) -> OwnedSemaphorePermit {
        let acquire = self.places.clone().acquire_owned();
        tokio::pin!(acquire);
        let mut told = false;
        loop {
            tokio::select! {
                biased;
                permit = &mut acquire => {
                    // The semaphore is never closed.
                    if let Ok(permit) = permit {
                        return permit;
                    }
                }
                _ = tokio::time::sleep(EVICT_EVERY) => {
                    if !self.close_idlest(account).await && !told {
                        told = true;
                        tracing::info!(
                            account,
                            "waits for a browser: {} run, all in calls ([browser] max_open = {})",
                            self.open(),
                            self.max_open
                        );
                    }
                }
            }
        }
    }

    /// The browsers other than `except`'s, started, not in a call and not pinned, least
    /// recently used first, each with the lock taken.
    fn idle_browsers(
        &self,
        except: Option<u64>,
    ) -> Vec<(u64, u64, tokio::sync::OwnedMutexGuard<AccountBrowser>)> {
        let candidates: Vec<(u64, u64, Arc<tokio::sync::Mutex<AccountBrowser>>)> = {
            let state = self.lock();
            state
                .sessions
                .iter()
                .filter(|(a, _)| Some(**a) != except && !state.pinned.contains(*a))
                .filter_map(|(a, weak)| {
                    let used = state.last_used.get(a).copied().unwrap_or(0);
                    weak.upgrade().map(|s| (*a, used, s))
                })
                .collect()
        };
        let mut idle: Vec<_> = candidates
            .into_iter()
            .filter_map(|(account, used, session)| {
                // A browser in a call is locked by it: never this one.
                let browser = session.try_lock_owned().ok()?;
                browser.is_started().then_some((account, used, browser))
            })
            .collect();
        idle.sort_by_key(|(account, used, _)| (*used, *account));
        idle
    }

    /// Closes the least recently used idle browser of another account than `except`; whether
    /// there was one.
    async fn close_idlest(&self, except: u64) -> bool {
        let Some((account, _, mut browser)) = self.idle_browsers(Some(except)).into_iter().next()
        else {
            return false;
        };
        tracing::info!(
            account,
            "closing the browser for account {except}'s ([browser] max_open = {})",
            self.max_open
        );
        browser.close().await;
        true
    }

    /// Closes every browser that has not worked for `[browser] idle_close`; how many.
    pub async fn close_idle(&self) -> usize {
        let now = self.clock.now_ms();
        let limit = self.idle_close.as_millis() as u64;
        let mut closed = 0;
        for (account, used, mut browser) in self.idle_browsers(None) {
            if now.saturating_sub(used) < limit {
                continue;
            }
            tracing::info!(
                account,
                "closing the browser: no work for {} ([browser] idle_close); it starts again with its session when needed",
                humantime::format_duration(self.idle_close)
            );
            browser.close().await;
            closed += 1;
        }
        closed
    }

    /// Runs [`BrowserPool::close_idle`] every few seconds while `pool` exists.
    pub fn spawn_reaper(pool: &Arc<BrowserPool>) {
        let weak = Arc::downgrade(pool);
        let every =
            (pool.idle_close / 4).clamp(Duration::from_millis(200), Duration::from_secs(30));
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                let Some(pool) = weak.upgrade() else {
                    return;
                };
                pool.close_idle().await;
            }
        });
    }
}
