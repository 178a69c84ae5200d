//! The lane runtime on wasmtime's component model.
//!
//! - one [`Engine`] with epoch interruption, ticked every 10 ms by a thread of its own;
//! - components compiled off the async runtime and cached on disk by digest ([`cache`]);
//! - a [`Registry`] of loaded lanes, swapped atomically on reload so a call in flight finishes
//!   on the version it started with ([`registry`], [`reload`]);
//! - a fresh store per call with the lane's grants, CPU and memory limits ([`runner`]), every call
//!   ending in a classified [`CallOutcome`];
//! - every version of the lane API: the current one ([`bindings`]) and the frozen 0.1
//!   ([`v0_1`]), told apart by the component's import names ([`api`]).

pub mod api;
pub mod bindings;
pub mod cache;
pub mod grants;
pub mod loader;
pub mod meter;
pub mod outcome;
pub mod registry;
pub mod reload;
pub mod runner;
pub mod state;
pub mod v0_1;
pub mod write_rate;

pub use cache::ComponentCache;
pub use loader::{LoadError, LoadedLane};
pub use outcome::CallOutcome;
pub use registry::Registry;

use crate::caps::HostServices;
use state::LaneState;
use std::time::Duration;
use wasmtime::component::{HasSelf, Linker};
use wasmtime::{Config, Engine};

/// How often the epoch advances; the granularity of CPU accounting and of yielding.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// The engine, the linker with every host interface, the compile cache and the shared
/// services. One per daemon.
pub struct Runtime {
    engine: Engine,
    linker: Linker<LaneState>,
    cache: ComponentCache,
    services: HostServices,
}

impl Runtime {
    /// Builds the engine and linker and starts the epoch ticker.
    pub fn new(services: HostServices, cache: ComponentCache) -> anyhow::Result<Runtime> {
        let mut config = Config::new();
        config.wasm_component_model(true);
        config.epoch_interruption(true);
        let engine = Engine::new(&config).map_err(anyhow::Error::from)?;
        start_epoch_ticker(&engine);
        let mut linker = Linker::<LaneState>::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(anyhow::Error::from)?;
        bindings::LaneWorld::add_to_linker::<_, HasSelf<_>>(&mut linker, |state| state)
            .map_err(anyhow::Error::from)?;
        // Lanes built against the frozen 0.1 import its names; the adapter serves them.
        v0_1::LaneWorld::add_to_linker::<_, HasSelf<_>>(&mut linker, |state| state)
            .map_err(anyhow::Error::from)?;
        Ok(Runtime {
            engine,
            linker,
            cache,
            services,
        })
    }

    /// The wasmtime engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The linker with WASI and every `outlane:lanes` interface.
    pub fn linker(&self) -> &Linker<LaneState> {
        &self.linker
    }

    /// The compiled-component cache.
    pub fn cache(&self) -> &ComponentCache {
        &self.cache
    }

    /// The services lanes reach through their imports.
    pub fn services(&self) -> &HostServices {
        &self.services
    }
}

/// Advances the engine's epoch every [`EPOCH_TICK`] from a plain thread (not a tokio task, so
/// a busy executor cannot delay it). The thread ends when the engine is dropped.
fn start_epoch_ticker(engine: &Engine) {
    let weak = engine.weak();
    let spawned = std::thread::Builder::new()
        .name("outlane-epoch".into())
        .spawn(move || {
            loop {
                std::thread::sleep(EPOCH_TICK);
                match weak.upgrade() {
                    Some(engine) => engine.increment_epoch(),
                    None => break,
                }
            }
        });
    if let Err(e) = spawned {
        tracing::error!(
            "cannot start the epoch ticker thread, CPU limits will not be enforced: {e}"
        );
    }
}
