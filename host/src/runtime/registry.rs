//! The set of loaded lanes. A reload builds the new set beside the old one and swaps it in
//! atomically; a call takes an `Arc` of its lane when it starts, so it finishes on that version
//! whatever happens meanwhile. A lane whose new version fails to load keeps its last good one.

use super::Runtime;
use super::loader::{self, LoadError, LoadedLane};
use crate::crm::holds::EntryHold;
use crate::crm::lane_status;
use crate::manifest::Manifest;
use arc_swap::ArcSwap;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tokio::sync::watch;

/// The loaded lanes, by name.
pub type LaneSet = BTreeMap<String, Arc<LoadedLane>>;

/// What a reload did.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct ReloadReport {
    /// Lanes loaded in a new version (or for the first time).
    pub loaded: Vec<String>,
    /// Lanes left as they were.
    pub unchanged: Vec<String>,
    /// Lanes no longer in the manifest, now unloaded.
    pub removed: Vec<String>,
    /// Lanes that failed to load, with the reason (a previous version, if any, keeps running).
    pub failed: Vec<(String, String)>,
    /// Why the manifest itself could not be used (nothing changed then).
    pub manifest_error: Option<String>,
}

impl ReloadReport {
    /// Whether anything failed.
    pub fn has_errors(&self) -> bool {
        self.manifest_error.is_some() || !self.failed.is_empty()
    }
}

/// The loaded lanes of one manifest.
pub struct Registry {
    runtime: Arc<Runtime>,
    manifest_path: PathBuf,
    lanes: ArcSwap<LaneSet>,
    manifest: Mutex<Option<Manifest>>,
    errors: Mutex<BTreeMap<String, String>>,
    generation: watch::Sender<u64>,
    reload_lock: tokio::sync::Mutex<()>,
}

impl Registry {
    /// An empty registry for the manifest at `manifest_path`; call [`Registry::reload`] to load it.
    pub fn new(runtime: Arc<Runtime>, manifest_path: PathBuf) -> Registry {
        Registry {
            runtime,
            manifest_path,
            lanes: ArcSwap::from_pointee(BTreeMap::new()),
            manifest: Mutex::new(None),
            errors: Mutex::new(BTreeMap::new()),
            generation: watch::channel(0).0,
            reload_lock: tokio::sync::Mutex::new(()),
        }
    }

    /// The runtime lanes run on.
    pub fn runtime(&self) -> &Arc<Runtime> {
        &self.runtime
    }

    /// The manifest file.
    pub fn manifest_path(&self) -> &Path {
        &self.manifest_path
    }

    /// The current set of loaded lanes.
    pub fn snapshot(&self) -> Arc<LaneSet> {
        self.lanes.load_full()
    }

    /// The current version of lane `name`.
    pub fn get(&self, name: &str) -> Option<Arc<LoadedLane>> {
        self.lanes.load().get(name).cloned()
    }

    /// Why lanes failed their last load, by name.
    pub fn errors(&self) -> BTreeMap<String, String> {
        self.errors
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// A receiver that changes whenever the set of lanes changes.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.generation.subscribe()
    }

    /// The files whose changes should trigger a reload: the manifest and every component.
    pub fn watch_targets(&self) -> Vec<PathBuf> {
        let mut targets = vec![self.manifest_path.clone()];
        if let Some(m) = self
            .manifest
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
        {
            targets.extend(m.lanes.iter().map(|l| l.component.clone()));
        }
        targets
    }

    /// Reads the manifest and brings the loaded lanes in line with it: new or changed lanes are
    /// loaded, removed ones dropped; failures keep the last good version.
    pub async fn reload(&self) -> ReloadReport {
        let _one_at_a_time = self.reload_lock.lock().await;
        let mut report = ReloadReport::default();
        let manifest = match Manifest::load(&self.manifest_path) {
            Ok(m) => m,
            Err(e) => {
                let kept = self.lanes.load().len();
                tracing::error!("{e} (keeping the {kept} loaded lane(s) as they are)");
                report.manifest_error = Some(e.to_string());
                return report;
            }
        };
        let manifest_name = self.manifest_path.display().to_string();
        let current = self.lanes.load_full();
        let mut next = LaneSet::new();
        let mut errors = BTreeMap::new();
        // Read and compile every changed lane at once (compilation is most of the start-up
        // time); the bookkeeping below stays in manifest order.
        let attempts = futures_util::future::join_all(manifest.lanes.iter().map(|spec| {
            let previous = current.get(&spec.name).cloned();
            let manifest_name = manifest_name.as_str();
            async move {
                match loader::read_component(spec).await {
                    Err(e) => Attempt::Loaded(Box::new(Err(e))),
                    Ok((_, digest))
                        if previous
                            .as_ref()
                            .is_some_and(|p| p.digest == digest && p.spec == *spec) =>
                    {
                        Attempt::Unchanged
                    }
                    Ok((bytes, digest)) => {
                        let reuse = previous
                            .as_ref()
                            .filter(|p| p.digest == digest)
                            .map(|p| p.component.clone());
                        Attempt::Loaded(Box::new(
                            loader::load(&self.runtime, spec, manifest_name, bytes, digest, reuse)
                                .await,
                        ))
                    }
                }
            }
        }))
        .await;
        for (spec, attempt) in manifest.lanes.iter().zip(attempts) {
            let previous = current.get(&spec.name).cloned();
            let loaded = match attempt {
                Attempt::Unchanged => {
                    report.unchanged.push(spec.name.clone());
                    if let Some(p) = previous {
                        next.insert(spec.name.clone(), p);
                    }
                    continue;
                }
                Attempt::Loaded(loaded) => *loaded,
            };
            match loaded {
                Ok(lane) => {
                    tracing::info!(
                        lane = spec.name.as_str(),
                        "loaded {} {} (sha256 {})",
                        lane.info.name,
                        lane.info.version,
                        lane.short_digest()
                    );
                    let now = self.runtime.services().clock.now_ms();
                    if let Err(e) = lane_status::record_load(
                        &self.runtime.services().db,
                        &spec.name,
                        &lane.info.version,
                        &lane.digest,
                        now,
                    )
                    .await
                    {
                        tracing::warn!("cannot record lane status: {e}");
                    }
                    report.loaded.push(spec.name.clone());
                    next.insert(spec.name.clone(), Arc::new(lane));
                }
                Err(e) => {
                    let message = e.to_string();
                    match &previous {
                        Some(p) => tracing::error!(
                            lane = spec.name.as_str(),
                            "{message} (keeping version {} sha256 {})",
                            p.info.version,
                            p.short_digest()
                        ),
                        None => tracing::error!(
                            lane = spec.name.as_str(),
                            "{message} (the lane is not running)"
                        ),
                    }
                    if let Err(e) = lane_status::record_load_error(
                        &self.runtime.services().db,
                        &spec.name,
                        &message,
                    )
                    .await
                    {
                        tracing::warn!("cannot record lane status: {e}");
                    }
                    if let Some(p) = previous {
                        next.insert(spec.name.clone(), p);
                    }
                    errors.insert(spec.name.clone(), message.clone());
                    report.failed.push((spec.name.clone(), message));
                }
            }
        }
        report.removed = current
            .keys()
            .filter(|name| manifest.lane(name).is_none())
            .cloned()
            .collect();
        for name in &report.removed {
            tracing::info!(lane = name.as_str(), "removed from the manifest: unloaded");
        }
        let changed = !report.loaded.is_empty() || !report.removed.is_empty();
        if !report.loaded.is_empty() {
            // Compiling leaves tens of MB of freed memory in the compiler threads' heaps.
            let _ = tokio::task::spawn_blocking(crate::memory::trim_now).await;
        }
        self.record_entry_holds(&manifest, &next).await;
        self.lanes.store(Arc::new(next));
        *self.manifest.lock().unwrap_or_else(|p| p.into_inner()) = Some(manifest);
        *self.errors.lock().unwrap_or_else(|p| p.into_inner()) = errors;
        if changed {
            self.generation.send_modify(|g| *g += 1);
        }
        report
    }
}

impl Registry {
    /// Registers the `[lane.hold]` of the lanes in `loaded` (and only theirs: a lane that is
    /// not running could not release its holds), so the CRM holds leads for them on entry.
    async fn record_entry_holds(&self, manifest: &Manifest, loaded: &LaneSet) {
        let holds: Vec<EntryHold> = manifest
            .lanes
            .iter()
            .filter(|spec| loaded.contains_key(&spec.name))
            .filter_map(|spec| {
                spec.hold.as_ref().map(|h| EntryHold {
                    lane: spec.name.clone(),
                    stage: h.on,
                    for_ms: u64::try_from(h.hold_for.as_millis()).unwrap_or(u64::MAX),
                    reason: h.reason.clone(),
                })
            })
            .collect();
        let db = &self.runtime.services().db;
        if let Err(e) = db
            .write(move |tx| crate::crm::holds::set_entry_holds(tx, &holds))
            .await
        {
            tracing::error!("cannot record the lanes' [lane.hold] entries: {e}");
        }
    }
}

/// What reloading one manifest entry came to.
enum Attempt {
    /// Same component bytes and same entry as the running lane: kept as it is.
    Unchanged,
    /// Read and compiled (or failed to).
    Loaded(Box<Result<LoadedLane, LoadError>>),
}
