//! Handing freed heap memory back to the operating system.
//!
//! glibc keeps memory a program frees in its heaps (one per thread that allocated, up to 8 per
//! core) for reuse. A daemon's work is bursty — compiling lanes on (re)load, loading the
//! embedding model, a browser call's buffers — so without trimming, its resident memory
//! ratchets up to the sum of every burst's peak and stays there for weeks.
//!
//! Two measures, measured with `cargo bench -p outlane-tests --bench daemon` (release, 30 s of
//! work against the simulator): trimming the heaps after reloads, after lane calls and before
//! idling ([`HeapTrimmer`]), and limiting glibc to one heap per core
//! ([`limit_heap_arenas`]). With both, the daemon at rest went from 121 MB to 81 MB resident
//! and its peak from 232 MB to 184 MB; start-up did not change.

use std::time::{Duration, Instant};

/// How often the daemon trims at most (real time).
pub const TRIM_EVERY: Duration = Duration::from_secs(2);

/// Returns free heap memory to the operating system now (blocking; a few milliseconds).
pub fn trim_now() {
    outlane_embed::trim_heap();
}

/// Limits glibc to `arenas` heaps (its default is 8 per core, one per thread that
/// allocates), unless `MALLOC_ARENA_MAX` is set. Call it first thing in `main`, before any
/// thread starts.
pub fn limit_heap_arenas(arenas: usize) {
    if std::env::var_os("MALLOC_ARENA_MAX").is_some() {
        return;
    }
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        /// glibc's `M_ARENA_MAX` parameter of `mallopt`.
        const M_ARENA_MAX: std::ffi::c_int = -8;
        unsafe extern "C" {
            fn mallopt(param: std::ffi::c_int, value: std::ffi::c_int) -> std::ffi::c_int;
        }
        let value = std::ffi::c_int::try_from(arenas.max(1)).unwrap_or(std::ffi::c_int::MAX);
        // SAFETY: mallopt only sets a glibc tunable; M_ARENA_MAX takes any positive count.
        unsafe {
            mallopt(M_ARENA_MAX, value);
        }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    let _ = arenas;
}

/// Trims at most once per period, on a blocking thread.
#[derive(Debug)]
pub struct HeapTrimmer {
    every: Duration,
    last: Option<Instant>,
}

impl HeapTrimmer {
    /// A trimmer that trims at most once per `every`.
    pub fn new(every: Duration) -> HeapTrimmer {
        HeapTrimmer { every, last: None }
    }

    /// Trims unless the last trim was less than the period ago.
    pub async fn maybe_trim(&mut self) {
        if self.last.is_some_and(|t| t.elapsed() < self.every) {
            return;
        }
        self.last = Some(Instant::now());
        let _ = tokio::task::spawn_blocking(trim_now).await;
    }
}
