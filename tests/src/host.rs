//! A lane host for tests: a temporary data dir with a manifest, a real database, runtime and
//! registry.

use crate::guests;
use outlane::caps::HostServices;
use outlane::clock::Clock;
use outlane::crm::Db;
use outlane::daemon;
use outlane::runtime::bindings::CallContext;
use outlane::runtime::{CallOutcome, ComponentCache, Registry, Runtime};
use std::path::Path;
use std::sync::Arc;
use tempfile::TempDir;

/// A host over a manifest in a temporary data dir.
pub struct TestHost {
    /// The data dir (holds `lanes.toml` and the database).
    pub dir: TempDir,
    /// The database.
    pub db: Db,
    /// The lanes of `lanes.toml`.
    pub registry: Arc<Registry>,
}

impl TestHost {
    /// Writes `manifest` (placeholders expanded by [`expand`]) into a fresh data dir.
    pub async fn new(manifest: &str) -> TestHost {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("outlane.db")).unwrap();
        let host = TestHost::over(dir, db);
        host.write_manifest(manifest);
        host
    }

    /// A host over an existing data dir and database (a restart).
    pub fn over(dir: TempDir, db: Db) -> TestHost {
        let services = HostServices::new(db.clone(), Clock::real());
        let runtime = Arc::new(
            Runtime::new(services, ComponentCache::in_dir(guests().compile_cache())).unwrap(),
        );
        let registry = Arc::new(Registry::new(runtime, dir.path().join("lanes.toml")));
        TestHost { dir, db, registry }
    }

    /// Writes `manifest` (placeholders expanded) as the data dir's `lanes.toml`.
    pub fn write_manifest(&self, manifest: &str) {
        std::fs::write(
            self.dir.path().join("lanes.toml"),
            expand(manifest, self.dir.path()),
        )
        .unwrap();
    }

    /// One call of `lane` (can-execute, then execute), for the only active campaign.
    pub async fn call(&self, lane: &str) -> CallOutcome {
        let loaded = self
            .registry
            .get(lane)
            .unwrap_or_else(|| panic!("lane {lane} is not loaded: {:?}", self.registry.errors()));
        daemon::call(
            loaded,
            CallContext {
                lane: lane.into(),
                run_id: 1,
                campaign_id: None,
                now_ms: 0,
            },
        )
        .await
    }
}

/// Replaces `{guest:NAME}` with the built component of NAME and `{dir}` with the test dir.
pub fn expand(manifest: &str, dir: &Path) -> String {
    let mut text = manifest.replace("{dir}", &dir.display().to_string());
    while let Some(start) = text.find("{guest:") {
        let end = start + text[start..].find('}').unwrap();
        let name = &text[start + 7..end];
        let path = guests().path(name).display().to_string();
        text.replace_range(start..=end, &path);
    }
    text
}

/// A `[[lane]]` entry of a major lane running every second, plus `extra` lines.
pub fn lane_entry(name: &str, component: &str, extra: &str) -> String {
    format!(
        "[[lane]]\nname = \"{name}\"\ncomponent = \"{component}\"\nkind = \"major\"\nevery = \"1s\"\n{extra}\n"
    )
}
