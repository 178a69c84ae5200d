//! The host side of each WIT interface, one module per interface. Each module only converts
//! types, checks the lane's grant (the policy is in [`crate::runtime::grants`]) and calls its
//! backend, a [`Service`] of the host: no outreach logic lives here.
//!
//! A grant failure is returned to the lane as `error::denied` with a message naming the
//! manifest key to change; it never traps.

mod browser;
mod crm;
mod host;
mod http;
mod llm;
mod qualifier;

use crate::clock::Clock;
use crate::crm::Db;
use crate::runtime::bindings::LaneError;
use crate::runtime::state::LaneState;
use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::watch;

/// What every host function of a capability returns: a trap (`Err`, only for host bugs) or
/// the lane's answer, a value or a typed [`LaneError`].
pub(crate) type Answer<T> = wasmtime::Result<Result<T, LaneError>>;

/// A backend that capabilities are served from (the accounts' browsers, the LLM, the
/// qualifier). A host may run without one; a lane that needs it is then told what is
/// missing. Adding a capability means one WIT interface, one `caps/<x>.rs` with its host
/// functions (and, when it has a backend, this trait for it) and one SDK module.
pub trait Service: Send + Sync + 'static {
    /// What a lane is told when the host runs without this service.
    const MISSING: &'static str;
}

/// The services of a host, one per type.
#[derive(Clone, Default)]
struct ServiceMap(HashMap<TypeId, Arc<dyn Any + Send + Sync>>);

/// Services shared by every lane call. Cheap to clone.
#[derive(Clone)]
pub struct HostServices {
    /// The database.
    pub db: Db,
    /// The daemon clock.
    pub clock: Clock,
    /// How fast each lane may write its persistent state.
    pub state_writes: Arc<crate::runtime::write_rate::WriteRate>,
    services: ServiceMap,
    shutdown: Arc<watch::Sender<bool>>,
}

impl std::fmt::Debug for HostServices {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostServices")
            .field("db", &self.db)
            .field("services", &self.services.0.len())
            .finish_non_exhaustive()
    }
}

impl HostServices {
    /// Services over `db` and `clock`, with no backend yet.
    pub fn new(db: Db, clock: Clock) -> HostServices {
        HostServices {
            db,
            clock,
            state_writes: Arc::default(),
            services: ServiceMap::default(),
            shutdown: Arc::new(watch::channel(false).0),
        }
    }

    /// The same services with `service` (replacing one of the same type).
    pub fn with<S: Service>(mut self, service: Arc<S>) -> HostServices {
        self.services.0.insert(TypeId::of::<S>(), service);
        self
    }

    /// The service of type `S`, if the host has it.
    pub fn get<S: Service>(&self) -> Option<Arc<S>> {
        self.services
            .0
            .get(&TypeId::of::<S>())
            .and_then(|s| s.clone().downcast::<S>().ok())
    }

    /// The service of type `S`, or the `internal` error a lane gets without it.
    pub(crate) fn need<S: Service>(&self) -> Result<Arc<S>, LaneError> {
        self.get::<S>()
            .ok_or_else(|| LaneError::Internal(S::MISSING.to_string()))
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
}

/// A lane error as one line for people: its kind, then its message.
pub fn error_text(error: &LaneError) -> String {
    match error {
        LaneError::Denied(m) => format!("denied: {m}"),
        LaneError::NotFound(m) => format!("not found: {m}"),
        LaneError::Invalid(m) => format!("invalid: {m}"),
        LaneError::RateLimited(hit) => match hit.until_ms {
            Some(until) => format!(
                "rate limited until {}: {}",
                crate::crm::utc_time(until),
                hit.reason
            ),
            None => format!("rate limited: {}", hit.reason),
        },
        LaneError::Auth(m) => format!("needs a human: {m}"),
        LaneError::Transient(m) => format!("transient: {m}"),
        LaneError::Internal(m) => format!("internal: {m}"),
    }
}

impl crate::runtime::bindings::outlane::lanes::types::Host for LaneState {}
