//! The daemon clock. In production it is the wall clock. In tests and the demo it may run
//! `factor` times faster and, when it follows the simulator's clock, jump over the time the
//! daemon would spend idle (nights, weekends, the 2 minutes between invitations) together with
//! the simulator, so that a week of outreach fits into minutes while the work itself runs at
//! its real speed. Everything that waits or schedules (pauses, the scheduler, limits, working
//! hours) goes through it.

use rand::RngExt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A clock that may run faster than real time, and in tests and the demo may skip idle time.
/// Cheap to clone.
#[derive(Debug, Clone)]
pub struct Clock {
    inner: Arc<ClockInner>,
}

#[derive(Debug)]
struct ClockInner {
    /// A real instant and the clock reading at it; moved forward by [`Clock::skip_to`].
    anchor: Mutex<Anchor>,
    factor: f64,
    skip: Skip,
}

#[derive(Debug, Clone, Copy)]
struct Anchor {
    real: Instant,
    ms: u64,
}

/// Whether, and how, the clock may jump over idle time.
#[derive(Debug)]
enum Skip {
    /// Never (production): time only flows.
    Never,
    /// Jumps on its own (tests that have no outside world sharing the clock).
    Alone,
    /// Jumps together with a peer clock that is asked to advance by the same amount (the
    /// LinkedIn simulator's, so invitations get accepted "hours later" in step with the daemon).
    WithPeer(ClockPeer),
}

/// A clock served over HTTP that this clock follows: `GET <url>` answers `{"now_ms": N}`,
/// `POST <url>/advance` with `{"ms": N}` moves it forward and answers `{"now_ms": N}`.
/// The simulator serves one at `/__sim/clock`.
#[derive(Debug, Clone)]
pub struct ClockPeer {
    url: String,
    http: reqwest::Client,
}

/// Why a clock peer could not be followed.
#[derive(Debug, thiserror::Error)]
#[error("the clock at {url} did not answer: {reason}")]
pub struct ClockPeerError {
    url: String,
    reason: String,
}

#[derive(serde::Deserialize)]
struct PeerReading {
    now_ms: u64,
}

impl ClockPeer {
    /// A peer served at `url` (e.g. `http://127.0.0.1:PORT/__sim/clock`).
    pub fn new(url: &str) -> ClockPeer {
        ClockPeer {
            url: url.trim_end_matches('/').to_string(),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap_or_default(),
        }
    }

    fn error(&self, reason: impl std::fmt::Display) -> ClockPeerError {
        ClockPeerError {
            url: self.url.clone(),
            reason: reason.to_string(),
        }
    }

    async fn read(&self, request: reqwest::RequestBuilder) -> Result<u64, ClockPeerError> {
        let answer = request.send().await.map_err(|e| self.error(e))?;
        if !answer.status().is_success() {
            return Err(self.error(format!("HTTP {}", answer.status())));
        }
        let reading: PeerReading = answer.json().await.map_err(|e| self.error(e))?;
        Ok(reading.now_ms)
    }

    /// The peer's time now.
    pub async fn now_ms(&self) -> Result<u64, ClockPeerError> {
        self.read(self.http.get(&self.url)).await
    }

    /// Moves the peer forward by `ms`; returns its new time.
    pub async fn advance(&self, ms: u64) -> Result<u64, ClockPeerError> {
        let url = format!("{}/advance", self.url);
        self.read(self.http.post(url).json(&serde_json::json!({ "ms": ms })))
            .await
    }
}

fn wall_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

fn sane_factor(factor: f64) -> f64 {
    if factor.is_finite() && factor >= 1.0 {
        factor
    } else {
        1.0
    }
}

impl Clock {
    /// The real wall clock.
    pub fn real() -> Clock {
        Clock::accelerated(1.0)
    }

    /// A clock that starts at the current wall-clock time and runs `factor` times faster.
    /// Factors below 1 or not finite are treated as 1.
    pub fn accelerated(factor: f64) -> Clock {
        Clock::starting_at(wall_ms(), factor)
    }

    /// A clock that starts at `start_ms` (ms since the Unix epoch) and runs `factor` times faster.
    pub fn starting_at(start_ms: u64, factor: f64) -> Clock {
        Clock::build(start_ms, factor, Skip::Never)
    }

    /// Like [`Clock::starting_at`], but the daemon may jump over idle time with
    /// [`Clock::skip_to`] instead of waiting for it (tests).
    pub fn skipping(start_ms: u64, factor: f64) -> Clock {
        Clock::build(start_ms, factor, Skip::Alone)
    }

    /// A clock that reads its start from `peer`, runs `factor` times faster (as the peer must),
    /// and skips idle time together with it (the demo and end-to-end tests, where the peer is
    /// the simulator). Following the peer's reading also makes a restarted daemon continue
    /// where the killed one was.
    pub async fn following(peer: ClockPeer, factor: f64) -> Result<Clock, ClockPeerError> {
        let now = peer.now_ms().await?;
        Ok(Clock::build(now, factor, Skip::WithPeer(peer)))
    }

    fn build(start_ms: u64, factor: f64, skip: Skip) -> Clock {
        Clock {
            inner: Arc::new(ClockInner {
                anchor: Mutex::new(Anchor {
                    real: Instant::now(),
                    ms: start_ms,
                }),
                factor: sane_factor(factor),
                skip,
            }),
        }
    }

    fn anchor(&self) -> Anchor {
        *self.inner.anchor.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// How many times faster than real time this clock runs.
    pub fn factor(&self) -> f64 {
        self.inner.factor
    }

    /// Whether [`Clock::skip_to`] may jump over idle time.
    pub fn skips_idle_time(&self) -> bool {
        !matches!(self.inner.skip, Skip::Never)
    }

    /// Now, in milliseconds since the Unix epoch, on this clock.
    pub fn now_ms(&self) -> u64 {
        self.reading(&self.anchor())
    }

    /// The clock's time now, counted from `anchor`.
    fn reading(&self, anchor: &Anchor) -> u64 {
        anchor.ms + (anchor.real.elapsed().as_secs_f64() * self.inner.factor * 1000.0) as u64
    }

    /// Jumps to clock time `at_ms` when this clock may skip idle time (and moves its peer by
    /// the same amount). Returns whether it jumped; a time already passed is no jump.
    pub async fn skip_to(&self, at_ms: u64) -> Result<bool, ClockPeerError> {
        let now = self.now_ms();
        if at_ms <= now {
            return Ok(false);
        }
        let target = match &self.inner.skip {
            Skip::Never => return Ok(false),
            Skip::Alone => at_ms,
            Skip::WithPeer(peer) => peer.advance(at_ms - now).await?,
        };
        let mut anchor = self.inner.anchor.lock().unwrap_or_else(|p| p.into_inner());
        let current = self.reading(&anchor);
        // Never run backwards, even if the peer answered with an older reading.
        *anchor = Anchor {
            real: Instant::now(),
            ms: target.max(current),
        };
        Ok(true)
    }

    /// The real time that `d` of clock time takes.
    pub fn to_real(&self, d: Duration) -> Duration {
        d.div_f64(self.inner.factor)
    }

    /// Sleeps for `d` of clock time.
    pub async fn sleep(&self, d: Duration) {
        tokio::time::sleep(self.to_real(d)).await;
    }

    /// Sleeps until clock time `at_ms` (returns at once if it has passed).
    pub async fn sleep_until_ms(&self, at_ms: u64) {
        let now = self.now_ms();
        if at_ms > now {
            self.sleep(Duration::from_millis(at_ms - now)).await;
        }
    }

    /// A human-like pause between `min` and `max` of clock time: the sum of two uniform draws,
    /// so pauses cluster around the middle like a person's rather than spreading evenly.
    pub fn human_pause(&self, min: Duration, max: Duration) -> Duration {
        let (lo, hi) = if min <= max { (min, max) } else { (max, min) };
        let span = (hi - lo).as_secs_f64();
        let mut rng = rand::rng();
        let draw = (rng.random::<f64>() + rng.random::<f64>()) / 2.0;
        lo + Duration::from_secs_f64(span * draw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accelerated_clock_runs_faster() {
        let clock = Clock::starting_at(1_000_000, 1000.0);
        std::thread::sleep(Duration::from_millis(20));
        let advanced = clock.now_ms() - 1_000_000;
        assert!(advanced >= 20_000, "advanced only {advanced} ms");
        assert_eq!(
            clock.to_real(Duration::from_secs(10)),
            Duration::from_millis(10)
        );
    }

    #[test]
    fn pauses_stay_in_bounds() {
        let clock = Clock::real();
        for _ in 0..1000 {
            let p = clock.human_pause(Duration::from_millis(100), Duration::from_millis(300));
            assert!(p >= Duration::from_millis(100) && p <= Duration::from_millis(300));
        }
        assert_eq!(
            clock.human_pause(Duration::from_millis(5), Duration::from_millis(5)),
            Duration::from_millis(5)
        );
    }

    #[tokio::test]
    async fn skipping_clock_jumps_forward_only() {
        let clock = Clock::skipping(1_000_000, 1.0);
        assert!(clock.skips_idle_time());
        assert!(clock.skip_to(5_000_000).await.unwrap());
        let now = clock.now_ms();
        assert!((5_000_000..5_001_000).contains(&now), "{now}");
        assert!(!clock.skip_to(10).await.unwrap());
        assert!(clock.now_ms() >= now);
        let real = Clock::real();
        assert!(!real.skips_idle_time());
        assert!(!real.skip_to(real.now_ms() + 60_000).await.unwrap());
    }

    #[test]
    fn bad_factor_means_real_time() {
        assert_eq!(Clock::accelerated(f64::NAN).factor(), 1.0);
        assert_eq!(Clock::accelerated(0.1).factor(), 1.0);
    }
}
