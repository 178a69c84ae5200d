//! The embedding model, loaded when a lead needs embedding and released when none has for a
//! while.
//!
//! Embeddings are stored in the CRM, so a running daemon needs the model only while new leads
//! arrive. The model is most of the daemon's memory (~90 MB of weights in the default
//! model's folded float32 form, see `outlane_embed::Footprint`), and a daemon runs for weeks:
//! holding it through hours of idle time would be waste. Loading it again costs ~0.25 s.

use outlane_embed::{EmbedConfig, EmbedError, Embedder};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::{Duration, Instant};

/// How long the model stays loaded after its last use, by default (real time, whatever the
/// daemon clock's speed: it is memory that is being saved).
pub const DEFAULT_IDLE_RELEASE: Duration = Duration::from_secs(120);

/// An [`Embedder`] loaded on first use ([`LazyEmbedder::get`]) and dropped once it has not
/// been used for `idle_release`. Cheap to clone; clones share the model.
#[derive(Clone)]
pub struct LazyEmbedder {
    inner: Arc<Inner>,
}

struct Inner {
    config: EmbedConfig,
    idle_release: Duration,
    /// Serialises loading so that concurrent callers load the model once.
    load: tokio::sync::Mutex<()>,
    state: Mutex<Slot>,
}

#[derive(Default)]
struct Slot {
    loaded: Option<Arc<Embedder>>,
    last_used: Option<Instant>,
    /// How many times the model was loaded (for tests and logs).
    loads: u64,
}

impl std::fmt::Debug for LazyEmbedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LazyEmbedder")
            .field("model", &self.inner.config.model)
            .field("idle_release", &self.inner.idle_release)
            .field("loaded", &self.is_loaded())
            .finish()
    }
}

impl LazyEmbedder {
    /// A model that is not loaded yet; it will be released `idle_release` after its last use.
    pub fn new(config: EmbedConfig, idle_release: Duration) -> LazyEmbedder {
        LazyEmbedder {
            inner: Arc::new(Inner {
                config,
                idle_release,
                load: tokio::sync::Mutex::new(()),
                state: Mutex::new(Slot::default()),
            }),
        }
    }

    /// The model, loaded (on a blocking thread) if it is not. Each call counts as a use.
    pub async fn get(&self) -> Result<Arc<Embedder>, EmbedError> {
        if let Some(e) = self.touch() {
            return Ok(e);
        }
        let _loading = self.inner.load.lock().await;
        if let Some(e) = self.touch() {
            return Ok(e);
        }
        let config = self.inner.config.clone();
        let started = Instant::now();
        let loaded = tokio::task::spawn_blocking(move || Embedder::load_small(config))
            .await
            .map_err(|e| EmbedError::Inference(format!("loading the model failed: {e}")))??;
        let loaded = Arc::new(loaded);
        let loads = {
            let mut slot = self.inner.state();
            slot.loaded = Some(loaded.clone());
            slot.last_used = Some(Instant::now());
            slot.loads += 1;
            slot.loads
        };
        tracing::info!(
            "loaded the embedding model {} in {} ms (load {loads}; released after {} s unused)",
            self.inner.config.model.display(),
            started.elapsed().as_millis(),
            self.inner.idle_release.as_secs()
        );
        tokio::spawn(release_when_idle(Arc::downgrade(&self.inner)));
        Ok(loaded)
    }

    /// Whether the model is in memory now.
    pub fn is_loaded(&self) -> bool {
        self.inner.state().loaded.is_some()
    }

    /// How many times the model has been loaded so far.
    pub fn loads(&self) -> u64 {
        self.inner.state().loads
    }

    fn touch(&self) -> Option<Arc<Embedder>> {
        let mut slot = self.inner.state();
        let e = slot.loaded.clone()?;
        slot.last_used = Some(Instant::now());
        Some(e)
    }
}

/// What the idle watcher does next.
enum Watch {
    /// Check again after this long.
    Wait(Duration),
    /// The model was taken out after this much idle time: drop it.
    Release(Arc<Embedder>, Duration),
    /// Nothing left to watch.
    Stop,
}

impl Inner {
    fn state(&self) -> std::sync::MutexGuard<'_, Slot> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn watch(&self) -> Watch {
        let mut slot = self.state();
        let Some(last) = slot.last_used else {
            return Watch::Stop;
        };
        let idle = last.elapsed();
        let in_use = slot
            .loaded
            .as_ref()
            .is_some_and(|e| Arc::strong_count(e) > 1);
        if idle < self.idle_release || in_use {
            let left = self.idle_release.saturating_sub(idle);
            return Watch::Wait(left.max(Duration::from_millis(50)));
        }
        match slot.loaded.take() {
            Some(e) => Watch::Release(e, idle),
            None => Watch::Stop,
        }
    }
}

/// Watches one loaded model and drops it once it has been idle for `idle_release` and no
/// caller holds it; ends then, or when the service is gone.
async fn release_when_idle(inner: Weak<Inner>) {
    loop {
        let next = match inner.upgrade() {
            Some(inner) => inner.watch(),
            None => Watch::Stop,
        };
        match next {
            Watch::Wait(d) => tokio::time::sleep(d).await,
            Watch::Stop => return,
            Watch::Release(embedder, idle) => {
                // Dropping the sessions and trimming the heap both touch ~100 MB.
                let _ = tokio::task::spawn_blocking(move || {
                    drop(embedder);
                    outlane_embed::trim_heap();
                })
                .await;
                tracing::info!(
                    "released the embedding model after {} s unused",
                    idle.as_secs()
                );
                return;
            }
        }
    }
}
