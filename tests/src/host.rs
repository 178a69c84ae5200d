//! A lane host for tests: a temporary data dir with a manifest, a real database, runtime and
//! registry.

use crate::guests;
use outlane::browser::{Browsers, SiteMap};
use outlane::caps::HostServices;
use outlane::clock::Clock;
use outlane::config::{BrowserConfig, DataDir};
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

    /// Like [`TestHost::new`], with browsers on LinkedIn served at `site` (the simulator),
    /// at full speed (pace 0).
    pub async fn with_site(manifest: &str, site: &str) -> TestHost {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("outlane.db")).unwrap();
        let browsers = Browsers::new(
            fast_browser(),
            SiteMap::new(site).unwrap(),
            DataDir::new(dir.path()),
            db.clone(),
            Clock::real(),
        );
        let services = HostServices::new(db.clone(), Clock::real())
            .with(browsers)
            .with(Arc::new(outlane::outbound::Outbound::new(site).unwrap()));
        let host = TestHost::with_services(dir, db, services);
        host.write_manifest(manifest);
        host
    }

    /// Like [`TestHost::new`], with the LLM capability on `config`.
    pub async fn with_llm(manifest: &str, config: outlane::config::LlmConfig) -> TestHost {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("outlane.db")).unwrap();
        let llm = outlane::llm::Llm::new(config, db.clone(), Clock::real()).unwrap();
        let services = HostServices::new(db.clone(), Clock::real()).with(Arc::new(llm));
        let host = TestHost::with_services(dir, db, services);
        host.write_manifest(manifest);
        host
    }

    /// Like [`TestHost::new`], with the qualifier on the repository's model files
    /// (`make models`).
    pub async fn with_qualifier(manifest: &str) -> TestHost {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("outlane.db")).unwrap();
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let paths = outlane::config::QualifierConfig {
            models: root.join("models/minilm"),
            ort_library: root.join("vendor/ort/libonnxruntime.so.1.31.1"),
            ..Default::default()
        };
        let qualifier =
            outlane::qualifier::QualifierService::new(&paths, db.clone(), Clock::real());
        let services = HostServices::new(db.clone(), Clock::real()).with(Arc::new(qualifier));
        let host = TestHost::with_services(dir, db, services);
        host.write_manifest(manifest);
        host
    }

    /// A host over an existing data dir and database (a restart).
    pub fn over(dir: TempDir, db: Db) -> TestHost {
        let services = HostServices::new(db.clone(), Clock::real());
        TestHost::with_services(dir, db, services)
    }

    /// Every test host has outbound HTTP (`http`), refusing LinkedIn (and the simulator, with
    /// [`TestHost::with_site`]).
    fn with_services(dir: TempDir, db: Db, services: HostServices) -> TestHost {
        let services = if services.get::<outlane::outbound::Outbound>().is_some() {
            services
        } else {
            services.with(Arc::new(
                outlane::outbound::Outbound::new("https://www.linkedin.com").unwrap(),
            ))
        };
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
        self.call_for(lane, None).await
    }

    /// One call of `lane` for `campaign` (`None`: the only active one), as the daemon makes it.
    pub async fn call_for(&self, lane: &str, campaign: Option<u64>) -> CallOutcome {
        let loaded = self
            .registry
            .get(lane)
            .unwrap_or_else(|| panic!("lane {lane} is not loaded: {:?}", self.registry.errors()));
        daemon::call(
            loaded,
            CallContext {
                lane: lane.into(),
                run_id: 1,
                campaign_id: campaign,
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

/// Browser settings for tests: headless, no human pauses, 20 s per operation.
pub fn fast_browser() -> BrowserConfig {
    BrowserConfig {
        pace: 0.0,
        timeout: std::time::Duration::from_secs(20),
        ..BrowserConfig::default()
    }
}

/// The passphrase tests seal stored passwords with (set for the whole test process).
pub const TEST_PASSPHRASE: &str = "test passphrase, not a secret";

/// Creates an active campaign `name` for `account`; returns its id.
pub fn add_campaign(db: &Db, account: u64, name: &str) -> u64 {
    use outlane::crm::campaigns::{self, NewCampaign};
    let name = name.to_string();
    db.write_blocking(move |tx| {
        campaigns::create(
            tx,
            &NewCampaign {
                account_id: account,
                name,
                ..NewCampaign::default()
            },
            0,
        )
    })
    .unwrap()
}

/// Creates an account with `login`/`password` (sealed) and an active campaign for it;
/// returns (account id, campaign id). Sets `OUTLANE_PASSPHRASE` for the process.
pub fn account_with_campaign(db: &Db, login: &str, password: &str) -> (u64, u64) {
    use outlane::crm::accounts;
    use outlane::crm::campaigns::{self, NewCampaign};
    static PASSPHRASE: std::sync::Once = std::sync::Once::new();
    // SAFETY: set once, before any browser reads it, always to the same value.
    PASSPHRASE.call_once(|| unsafe {
        std::env::set_var(outlane::crm::secret::PASSPHRASE_ENV, TEST_PASSPHRASE)
    });
    let (login, password) = (login.to_string(), password.to_string());
    db.write_blocking(move |tx| {
        let account = accounts::create(tx, &login, "UTC", 0)?;
        accounts::set_password(tx, account, TEST_PASSPHRASE, &password)?;
        let campaign = campaigns::create(
            tx,
            &NewCampaign {
                account_id: account,
                // The first account's campaign keeps the historical name; more accounts in
                // one database get one each.
                name: if account == 1 {
                    "Browser tests".into()
                } else {
                    format!("Campaign of {login}")
                },
                ..NewCampaign::default()
            },
            0,
        )?;
        Ok((account, campaign))
    })
    .unwrap()
}

/// Who a test lead is: what the simulator knows of a person, in plain values.
#[derive(Debug, Clone)]
pub struct TestPerson {
    /// The LinkedIn handle (`/in/<handle>/`).
    pub handle: String,
    /// The `fsd_profile` id.
    pub profile_id: String,
    /// First name.
    pub first: String,
    /// Last name.
    pub last: String,
    /// Headline.
    pub headline: String,
}

/// Puts `person` into `campaign` with a saved profile (at connection degree `degree`) and
/// walks it through `stages`, all at `now_ms`; the lead's id.
pub fn lead_with_profile(
    db: &Db,
    campaign: u64,
    person: &TestPerson,
    degree: u32,
    stages: &[outlane::crm::Stage],
    now_ms: u64,
) -> u64 {
    use outlane::crm::{leads, pipeline};
    let url = format!("https://www.linkedin.com/in/{}/", person.handle);
    let profile = serde_json::json!({
        "url": url, "urn": format!("urn:li:fsd_profile:{}", person.profile_id),
        "member_urn": null, "public_identifier": person.handle,
        "first_name": person.first, "last_name": person.last,
        "full_name": format!("{} {}", person.first, person.last),
        "headline": person.headline, "summary": null, "location_name": null,
        "country_code": null, "industry": null, "positions": [], "educations": [],
        "connection_distance": format!("DISTANCE_{degree}"), "connection_degree": degree,
        "invitation_pending": false
    })
    .to_string();
    let stages = stages.to_vec();
    db.write_blocking(move |tx| {
        pipeline::discover(
            tx,
            campaign,
            std::slice::from_ref(&url),
            &[],
            "test",
            now_ms,
        )?;
        let id = leads::find(tx, &outlane_linkedin::ProfileId::parse(&url).unwrap())?.unwrap();
        leads::save_profile(tx, id, &profile, None, Some(campaign), "test", now_ms)?;
        for stage in stages {
            pipeline::set_stage(tx, campaign, id, stage, "test", "test", now_ms)?;
        }
        Ok(id)
    })
    .unwrap()
}
