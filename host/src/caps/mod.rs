//! The host side of each WIT interface, one module per interface. Each module only converts
//! types, checks the lane's grant and calls a backend: no outreach logic lives here.
//!
//! A grant failure is returned to the lane as `error::denied` with a message naming the
//! manifest key to change; it never traps.

mod browser;
mod crm;
mod host;
mod llm;
mod qualifier;

use crate::browser::Browsers;
use crate::clock::Clock;
use crate::crm::Db;
use crate::llm::Llm;
use crate::qualifier::QualifierService;
use crate::runtime::bindings::LaneError;
use crate::runtime::grants::Capability;
use crate::runtime::state::LaneState;
use std::sync::Arc;
use tokio::sync::watch;

/// What every host function of a capability returns: a trap (`Err`, only for host bugs) or
/// the lane's answer, a value or a typed [`LaneError`].
pub(crate) type Answer<T> = wasmtime::Result<Result<T, LaneError>>;

/// Services shared by every lane call. Cheap to clone.
#[derive(Debug, Clone)]
pub struct HostServices {
    /// The database (lane state today; the whole CRM later).
    pub db: Db,
    /// The daemon clock.
    pub clock: Clock,
    /// The accounts' browsers; `None` in a host without LinkedIn access (lanes get an
    /// `internal` error naming the missing configuration).
    pub browsers: Option<Arc<Browsers>>,
    /// The LLM client and prompts; `None` in a host without an LLM.
    pub llm: Option<Arc<Llm>>,
    /// Embeddings and the per-campaign models; `None` in a host without the qualifier.
    pub qualifier: Option<Arc<QualifierService>>,
    /// How fast each lane may write its persistent state.
    pub state_writes: Arc<crate::runtime::write_rate::WriteRate>,
    shutdown: Arc<watch::Sender<bool>>,
}

impl HostServices {
    /// Services over `db` and `clock`.
    pub fn new(db: Db, clock: Clock) -> HostServices {
        HostServices {
            db,
            clock,
            browsers: None,
            llm: None,
            qualifier: None,
            state_writes: Arc::default(),
            shutdown: Arc::new(watch::channel(false).0),
        }
    }

    /// The same services with the accounts' browsers.
    pub fn with_browsers(mut self, browsers: Arc<Browsers>) -> HostServices {
        self.browsers = Some(browsers);
        self
    }

    /// The same services with an LLM.
    pub fn with_llm(mut self, llm: Arc<Llm>) -> HostServices {
        self.llm = Some(llm);
        self
    }

    /// The same services with the qualifier.
    pub fn with_qualifier(mut self, qualifier: Arc<QualifierService>) -> HostServices {
        self.qualifier = Some(qualifier);
        self
    }

    /// Asks everything to stop: the daemon after its current call, pauses at once.
    pub fn request_shutdown(&self) {
        self.shutdown.send_replace(true);
    }

    /// Whether shutdown has been requested.
    pub fn shutdown_requested(&self) -> bool {
        *self.shutdown.borrow()
    }

    /// A receiver that turns true when shutdown is requested.
    pub fn subscribe_shutdown(&self) -> watch::Receiver<bool> {
        self.shutdown.subscribe()
    }
}

impl LaneState {
    /// `Ok` if the lane may use `cap` now; otherwise the `denied` error to return to it.
    pub(crate) fn require(&mut self, cap: Capability) -> Result<(), LaneError> {
        if self.host_only {
            let msg = format!(
                "lane `{}` called the {cap} capability from `describe`, which may only use `host`",
                self.env.name
            );
            self.denials.push(msg.clone());
            return Err(LaneError::Denied(msg));
        }
        if self.env.grants.allows(cap) {
            return Ok(());
        }
        let msg = format!(
            "lane `{}` is not granted the {cap} capability: add \"{cap}\" to `grants` of its [[lane]] entry in the manifest",
            self.env.name
        );
        self.denials.push(msg.clone());
        Err(LaneError::Denied(msg))
    }

    /// The campaign the call runs for (the one the daemon named, else the only active one),
    /// as a `not-found` error for the lane when there is none.
    pub(crate) async fn call_campaign(
        &mut self,
    ) -> Result<crate::crm::campaigns::Campaign, LaneError> {
        let named = self.campaign;
        self.env
            .services
            .db
            .read_outside_tx(move |c| crate::crm::campaigns::of_call(c, named))
            .await
            .map_err(|e| LaneError::NotFound(e.to_string()))
    }

    /// Records a denial reported to the lane, for the call's outcome.
    pub(crate) fn deny(&mut self, msg: String) -> LaneError {
        self.denials.push(msg.clone());
        LaneError::Denied(msg)
    }
}

/// A lane error as one line for people: its kind, then its message.
pub fn error_text(error: &LaneError) -> String {
    match error {
        LaneError::Denied(m) => format!("denied: {m}"),
        LaneError::NotFound(m) => format!("not found: {m}"),
        LaneError::Invalid(m) => format!("invalid: {m}"),
        LaneError::RateLimited(hit) => match hit.until_ms {
            Some(until) => format!("rate limited until {}: {}", utc_time(until), hit.reason),
            None => format!("rate limited: {}", hit.reason),
        },
        LaneError::Auth(m) => format!("needs a human: {m}"),
        LaneError::Transient(m) => format!("transient: {m}"),
        LaneError::Internal(m) => format!("internal: {m}"),
    }
}

/// A daemon-clock time as `2026-11-27 00:00 UTC` (the raw milliseconds if out of range).
fn utc_time(ms: u64) -> String {
    i64::try_from(ms)
        .ok()
        .and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok())
        .map(|t| t.strftime("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| format!("{ms} ms"))
}

impl crate::runtime::bindings::outlane::lanes::types::Host for LaneState {}
