//! Measures a call's guest CPU time: wall time since the call started minus the time spent
//! inside host functions (a page load or an LLM call does not count against the lane).

use std::time::{Duration, Instant};

/// Guest-time accounting for one call, driven by wasmtime's call hook.
#[derive(Debug)]
pub struct CpuMeter {
    started: Instant,
    in_host: Duration,
    entered_host: Option<Instant>,
    budget: Duration,
    exceeded: bool,
}

impl CpuMeter {
    /// A meter that starts now and allows `budget` of guest time.
    pub fn new(budget: Duration) -> CpuMeter {
        CpuMeter {
            started: Instant::now(),
            in_host: Duration::ZERO,
            entered_host: None,
            budget,
            exceeded: false,
        }
    }

    /// The guest is calling into the host.
    pub fn enter_host(&mut self) {
        if self.entered_host.is_none() {
            self.entered_host = Some(Instant::now());
        }
    }

    /// The host is returning to the guest.
    pub fn leave_host(&mut self) {
        if let Some(since) = self.entered_host.take() {
            self.in_host += since.elapsed();
        }
    }

    /// Guest time used so far.
    pub fn guest_time(&self) -> Duration {
        let host = self.in_host + self.entered_host.map(|t| t.elapsed()).unwrap_or_default();
        self.started.elapsed().saturating_sub(host)
    }

    /// Time spent in host functions so far.
    pub fn host_time(&self) -> Duration {
        self.in_host + self.entered_host.map(|t| t.elapsed()).unwrap_or_default()
    }

    /// Checks the budget; once exceeded, stays exceeded.
    pub fn check(&mut self) -> bool {
        if self.guest_time() > self.budget {
            self.exceeded = true;
        }
        !self.exceeded
    }

    /// Whether the budget was exceeded during the call.
    pub fn exceeded(&self) -> bool {
        self.exceeded
    }

    /// The budget.
    pub fn budget(&self) -> Duration {
        self.budget
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_time_is_not_guest_time() {
        let mut m = CpuMeter::new(Duration::from_millis(30));
        m.enter_host();
        std::thread::sleep(Duration::from_millis(60));
        m.leave_host();
        assert!(
            m.guest_time() < Duration::from_millis(30),
            "{:?}",
            m.guest_time()
        );
        assert!(m.check());
        std::thread::sleep(Duration::from_millis(40));
        assert!(!m.check());
        assert!(m.exceeded());
    }
}
