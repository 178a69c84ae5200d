//! How fast a lane may write its persistent state: a token bucket of bytes per lane, in real
//! time (what the disk sees), so a lane looping over `state-set` cannot churn the database.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Bytes a lane may write per second, on average.
pub const STATE_BYTES_PER_SECOND: f64 = (1 << 20) as f64;
/// Bytes a lane may write in one burst.
pub const STATE_BURST_BYTES: f64 = (4 << 20) as f64;
/// What one write costs on top of its bytes (the row, the index, the journal).
pub const WRITE_OVERHEAD_BYTES: u64 = 256;

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// The write allowance of every lane.
#[derive(Debug)]
pub struct WriteRate {
    rate: f64,
    burst: f64,
    lanes: Mutex<HashMap<String, Bucket>>,
}

impl Default for WriteRate {
    fn default() -> Self {
        WriteRate::new(STATE_BYTES_PER_SECOND, STATE_BURST_BYTES)
    }
}

impl WriteRate {
    /// `rate` bytes a second, bursts of `burst` bytes.
    pub fn new(rate: f64, burst: f64) -> WriteRate {
        WriteRate {
            rate,
            burst,
            lanes: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a write of `bytes` from `lane`'s allowance, or says how long until it could be
    /// made (nothing is taken then).
    pub fn take(&self, lane: &str, bytes: u64) -> Result<(), Duration> {
        let cost = (bytes + WRITE_OVERHEAD_BYTES) as f64;
        let now = Instant::now();
        let mut lanes = self.lanes.lock().unwrap_or_else(|p| p.into_inner());
        let bucket = lanes.entry(lane.to_string()).or_insert(Bucket {
            tokens: self.burst,
            at: now,
        });
        let refill = now.duration_since(bucket.at).as_secs_f64() * self.rate;
        bucket.tokens = (bucket.tokens + refill).min(self.burst);
        bucket.at = now;
        if bucket.tokens >= cost {
            bucket.tokens -= cost;
            return Ok(());
        }
        let missing = cost.min(self.burst) - bucket.tokens;
        Err(Duration::from_secs_f64((missing / self.rate).max(0.001)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bursts_then_the_rate() {
        let rate = WriteRate::new(1000.0, 4000.0);
        let mut taken = 0;
        while rate.take("a", 744).is_ok() {
            taken += 1;
        }
        assert_eq!(taken, 4, "a burst of 4000 bytes at 1000 bytes a write");
        let wait = rate.take("a", 744).unwrap_err();
        assert!(
            wait > Duration::from_millis(500) && wait <= Duration::from_secs(1),
            "{wait:?}"
        );
        assert!(
            rate.take("b", 744).is_ok(),
            "another lane has its own allowance"
        );
        std::thread::sleep(Duration::from_millis(1100));
        assert!(rate.take("a", 744).is_ok(), "refilled after a second");
    }
}
