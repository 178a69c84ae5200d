//! Hot reload: watches the manifest and every component file (their directories, since build
//! tools replace files rather than rewrite them) and reloads the registry once changes have
//! been quiet for [`DEBOUNCE`].

use super::Registry;
use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Quiet time after the last change before reloading (a build writes a file in several steps).
pub const DEBOUNCE: Duration = Duration::from_millis(200);
/// How often directories that could not be watched yet (not built yet) are tried again.
const RETRY_WATCH: Duration = Duration::from_secs(2);

/// A running watcher; dropping it stops watching.
pub struct ReloadWatcher {
    task: JoinHandle<()>,
}

impl Drop for ReloadWatcher {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts watching the files of `registry`'s manifest.
pub fn spawn(registry: Arc<Registry>) -> notify::Result<ReloadWatcher> {
    let (tx, rx) = mpsc::unbounded_channel::<PathBuf>();
    let watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if let Ok(event) = event
            && !matches!(event.kind, EventKind::Access(_))
        {
            for path in event.paths {
                let _ = tx.send(path);
            }
        }
    })?;
    let task = tokio::spawn(watch_loop(registry, watcher, rx));
    Ok(ReloadWatcher { task })
}

async fn watch_loop(
    registry: Arc<Registry>,
    mut watcher: RecommendedWatcher,
    mut rx: mpsc::UnboundedReceiver<PathBuf>,
) {
    let mut watched = BTreeSet::new();
    let mut retry = tokio::time::interval(RETRY_WATCH);
    let mut first = true;
    loop {
        let targets = registry.watch_targets();
        let added = watch_dirs(&mut watcher, &mut watched, &targets);
        if added > 0 && !first {
            // A directory appeared (e.g. the first build of a lane): its files may be new.
            registry.reload().await;
            continue;
        }
        first = false;
        let path = tokio::select! {
            path = rx.recv() => match path { Some(p) => p, None => return },
            _ = retry.tick() => continue,
        };
        if !is_target(&path, &targets) {
            continue;
        }
        // Debounce: wait until changes have been quiet for DEBOUNCE.
        loop {
            match tokio::time::timeout(DEBOUNCE, rx.recv()).await {
                Ok(Some(_)) => continue,
                Ok(None) => return,
                Err(_quiet) => break,
            }
        }
        tracing::debug!("change in {}: reloading lanes", path.display());
        registry.reload().await;
    }
}

/// Watches the directory of every target not watched yet; returns how many were added.
fn watch_dirs(
    watcher: &mut RecommendedWatcher,
    watched: &mut BTreeSet<PathBuf>,
    targets: &[PathBuf],
) -> usize {
    let mut added = 0;
    for dir in targets.iter().filter_map(|t| t.parent()).map(canonical) {
        if watched.contains(&dir) {
            continue;
        }
        match watcher.watch(&dir, RecursiveMode::NonRecursive) {
            Ok(()) => {
                added += 1;
                watched.insert(dir);
            }
            Err(e) => tracing::debug!("cannot watch {} yet: {e}", dir.display()),
        }
    }
    added
}

fn is_target(path: &Path, targets: &[PathBuf]) -> bool {
    let (Some(name), Some(dir)) = (path.file_name(), path.parent()) else {
        return false;
    };
    let dir = canonical(dir);
    targets
        .iter()
        .any(|t| t.file_name() == Some(name) && t.parent().map(canonical).as_ref() == Some(&dir))
}

fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}
