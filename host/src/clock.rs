//! The daemon clock. In production it is the wall clock; in tests and the demo it runs
//! `factor` times faster, so that a day of outreach fits into a minute. Everything that waits
//! or schedules (pauses, the scheduler, limits) goes through it.

use rand::RngExt;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A clock that may run faster than real time. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Clock {
    inner: Arc<ClockInner>,
}

#[derive(Debug)]
struct ClockInner {
    started: Instant,
    start_ms: u64,
    factor: f64,
}

impl Clock {
    /// The real wall clock.
    pub fn real() -> Clock {
        Clock::accelerated(1.0)
    }

    /// A clock that starts at the current wall-clock time and runs `factor` times faster.
    /// Factors below 1 or not finite are treated as 1.
    pub fn accelerated(factor: f64) -> Clock {
        let start_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        Clock::starting_at(start_ms, factor)
    }

    /// A clock that starts at `start_ms` (ms since the Unix epoch) and runs `factor` times faster.
    pub fn starting_at(start_ms: u64, factor: f64) -> Clock {
        let factor = if factor.is_finite() && factor >= 1.0 {
            factor
        } else {
            1.0
        };
        Clock {
            inner: Arc::new(ClockInner {
                started: Instant::now(),
                start_ms,
                factor,
            }),
        }
    }

    /// How many times faster than real time this clock runs.
    pub fn factor(&self) -> f64 {
        self.inner.factor
    }

    /// Now, in milliseconds since the Unix epoch, on this clock.
    pub fn now_ms(&self) -> u64 {
        let real = self.inner.started.elapsed().as_secs_f64();
        self.inner.start_ms + (real * self.inner.factor * 1000.0) as u64
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

    #[test]
    fn bad_factor_means_real_time() {
        assert_eq!(Clock::accelerated(f64::NAN).factor(), 1.0);
        assert_eq!(Clock::accelerated(0.1).factor(), 1.0);
    }
}
