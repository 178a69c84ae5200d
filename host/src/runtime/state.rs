//! The data of one call's store: the lane's identity, grants and configuration, the WASI
//! sandbox (no files, no network, no environment), and the meters that enforce its limits.

use super::meter::CpuMeter;
use crate::caps::HostServices;
use crate::runtime::grants::Grants;
use std::sync::Arc;
use std::time::{Duration, Instant};
use wasmtime::ResourceLimiter;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

/// Bytes of guest stderr kept per call (panic messages end up here).
const STDERR_CAPACITY: usize = 64 * 1024;

/// The next call id (see [`LaneState::call_id`]).
static NEXT_CALL: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// What a lane is, for the host functions it calls.
#[derive(Debug)]
pub struct LaneEnv {
    /// The lane's manifest name (log tag, state namespace).
    pub name: String,
    /// What the lane may use.
    pub grants: Grants,
    /// `[lane.config]` as JSON.
    pub config_json: String,
    /// Most bytes the lane may keep in its persistent state (`limits.state`).
    pub state_limit: u64,
    /// Shared host services (database, clock...).
    pub services: HostServices,
}

/// Caps linear memory and records that the cap was hit, so the call can be classified as
/// out-of-memory rather than a generic trap.
#[derive(Debug)]
pub struct MemoryCap {
    max_bytes: usize,
    /// The size the guest asked for when it hit the cap.
    pub hit: Option<usize>,
}

impl ResourceLimiter for MemoryCap {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.max_bytes {
            self.hit = Some(desired);
            return Err(wasmtime::Error::msg(format!(
                "out of memory: the lane asked for {desired} bytes of linear memory, its cap is {}",
                self.max_bytes
            )));
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 1_000_000)
    }
}

/// Store data of one call.
pub struct LaneState {
    /// The lane.
    pub env: Arc<LaneEnv>,
    /// Guest CPU accounting.
    pub meter: CpuMeter,
    /// Memory cap.
    pub memory: MemoryCap,
    /// When the call must be over (wall clock); `should-stop` turns true shortly before.
    pub wall_deadline: Instant,
    /// Denials the host reported to the guest during the call.
    pub denials: Vec<String>,
    /// Whether capability calls are refused (true while `describe` runs at load).
    pub host_only: bool,
    /// The campaign this call runs for (from the call context); `None` means the only active
    /// campaign.
    pub campaign: Option<u64>,
    /// A number unique to this store in the daemon's life: what the browser's outward-action
    /// permits are bound to, so that none outlives the call that was given it.
    pub call_id: u64,
    stderr: MemoryOutputPipe,
    wasi: WasiCtx,
    table: ResourceTable,
}

impl LaneState {
    /// State for one call of `env` with the given limits.
    pub fn new(env: Arc<LaneEnv>, cpu: Duration, memory_bytes: u64, wall: Duration) -> LaneState {
        let stderr = MemoryOutputPipe::new(STDERR_CAPACITY);
        // No preopened directories, no environment, no arguments, no network: a lane reaches
        // the world only through the capabilities it was granted. stdout is discarded; stderr
        // is kept so that a panic's message can be logged.
        let wasi = WasiCtx::builder().stderr(stderr.clone()).build();
        LaneState {
            env,
            meter: CpuMeter::new(cpu),
            memory: MemoryCap {
                max_bytes: usize::try_from(memory_bytes).unwrap_or(usize::MAX),
                hit: None,
            },
            wall_deadline: Instant::now() + wall,
            denials: Vec::new(),
            host_only: false,
            campaign: None,
            call_id: NEXT_CALL.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            stderr,
            wasi,
            table: ResourceTable::new(),
        }
    }

    /// What the guest wrote to stderr during the call, trimmed.
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr.contents())
            .trim()
            .to_string()
    }
}

impl Drop for LaneState {
    /// The call is over: whatever permits to act it was given and did not use are withdrawn.
    fn drop(&mut self) {
        if let Some(browsers) = self.env.services.get::<crate::browser::Browsers>() {
            browsers.revoke_call(self.call_id);
        }
    }
}

impl WasiView for LaneState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}
