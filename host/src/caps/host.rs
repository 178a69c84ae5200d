//! `outlane:lanes/host`: logging, clock, pauses, configuration and lane-scoped state.

use crate::crm::lane_state::{self, MAX_KEY_BYTES, MAX_VALUE_BYTES};
use crate::runtime::bindings::outlane::lanes::host::Host;
use crate::runtime::bindings::{LaneError, Level};
use crate::runtime::state::LaneState;
use std::time::{Duration, Instant};

/// `should-stop` turns true this long before the call's wall-clock limit.
const STOP_MARGIN: Duration = Duration::from_secs(5);

impl Host for LaneState {
    async fn log(&mut self, level: Level, message: String) -> wasmtime::Result<()> {
        let lane = self.env.name.as_str();
        match level {
            Level::Trace => tracing::trace!(target: "lane", lane, "{message}"),
            Level::Debug => tracing::debug!(target: "lane", lane, "{message}"),
            Level::Info => tracing::info!(target: "lane", lane, "{message}"),
            Level::Warn => tracing::warn!(target: "lane", lane, "{message}"),
            Level::Error => tracing::error!(target: "lane", lane, "{message}"),
        }
        Ok(())
    }

    async fn now_ms(&mut self) -> wasmtime::Result<u64> {
        Ok(self.env.services.clock.now_ms())
    }

    async fn pause(&mut self, min_ms: u32, max_ms: u32) -> wasmtime::Result<()> {
        let clock = &self.env.services.clock;
        let pause = clock.human_pause(
            Duration::from_millis(min_ms.into()),
            Duration::from_millis(max_ms.into()),
        );
        // Never sleep past the call's wall-clock limit, and wake up on shutdown.
        let real = clock
            .to_real(pause)
            .min(self.wall_deadline.saturating_duration_since(Instant::now()));
        let mut shutdown = self.env.services.subscribe_shutdown();
        tokio::select! {
            _ = tokio::time::sleep(real) => {}
            _ = shutdown.wait_for(|stop| *stop) => {}
        }
        Ok(())
    }

    async fn config(&mut self) -> wasmtime::Result<String> {
        Ok(self.env.config_json.clone())
    }

    async fn should_stop(&mut self) -> wasmtime::Result<bool> {
        let near_deadline = Instant::now() + STOP_MARGIN >= self.wall_deadline;
        Ok(near_deadline || self.env.services.shutdown_requested())
    }

    async fn state_get(
        &mut self,
        key: String,
    ) -> wasmtime::Result<Result<Option<String>, LaneError>> {
        if let Err(e) = check_key(&key) {
            return Ok(Err(e));
        }
        Ok(lane_state::get(&self.env.services.db, &self.env.name, &key)
            .await
            .map_err(|e| LaneError::Internal(e.to_string())))
    }

    async fn state_set(
        &mut self,
        key: String,
        value: String,
    ) -> wasmtime::Result<Result<(), LaneError>> {
        if let Err(e) = check_key(&key) {
            return Ok(Err(e));
        }
        if value.len() > MAX_VALUE_BYTES {
            return Ok(Err(LaneError::Invalid(format!(
                "state value for key {key:?} is {} bytes; the limit is {MAX_VALUE_BYTES}",
                value.len()
            ))));
        }
        let now = self.env.services.clock.now_ms();
        Ok(
            lane_state::set(&self.env.services.db, &self.env.name, &key, &value, now)
                .await
                .map_err(|e| LaneError::Internal(e.to_string())),
        )
    }

    async fn state_delete(&mut self, key: String) -> wasmtime::Result<Result<(), LaneError>> {
        if let Err(e) = check_key(&key) {
            return Ok(Err(e));
        }
        Ok(
            lane_state::delete(&self.env.services.db, &self.env.name, &key)
                .await
                .map_err(|e| LaneError::Internal(e.to_string())),
        )
    }
}

fn check_key(key: &str) -> Result<(), LaneError> {
    if key.is_empty() || key.len() > MAX_KEY_BYTES {
        return Err(LaneError::Invalid(format!(
            "state keys must be 1 to {MAX_KEY_BYTES} bytes long"
        )));
    }
    Ok(())
}
