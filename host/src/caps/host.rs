//! `outlane:lanes/host`: logging, clock, pauses, configuration and lane-scoped state.

use crate::crm::lane_state::{self, MAX_KEY_BYTES, MAX_VALUE_BYTES, Scope};
use crate::runtime::bindings::outlane::lanes::host::{Host, StateScope};
use crate::runtime::bindings::{LaneError, Level, LimitHit};
use crate::runtime::state::LaneState;
use std::time::{Duration, Instant};

/// `should-stop` turns true this long before the call's wall-clock limit.
const STOP_MARGIN: Duration = Duration::from_secs(5);

impl Host for LaneState {
    async fn log(&mut self, level: Level, message: String) -> wasmtime::Result<()> {
        let lane = self.env.name.as_str();
        let message = crate::runtime::outcome::for_log(&message);
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
        scope: StateScope,
        key: String,
    ) -> wasmtime::Result<Result<Option<String>, LaneError>> {
        if let Err(e) = check_key(&key) {
            return Ok(Err(e));
        }
        let scope = match self.state_scope(scope).await {
            Ok(s) => s,
            Err(e) => return Ok(Err(e)),
        };
        let lane = self.env.name.clone();
        Ok(self
            .env
            .services
            .db
            .read_outside_tx(move |c| lane_state::get(c, &lane, scope, &key))
            .await
            .map_err(|e| LaneError::Internal(e.to_string())))
    }

    async fn state_set(
        &mut self,
        scope: StateScope,
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
        let bytes = (key.len() + value.len()) as u64;
        if let Err(wait) = self.env.services.state_writes.take(&self.env.name, bytes) {
            return Ok(Err(LaneError::RateLimited(LimitHit {
                reason: format!(
                    "the lane writes its state faster than the host allows (about 1 MiB a second); \
                     try again in {} ms",
                    wait.as_millis()
                ),
                until_ms: None,
            })));
        }
        let scope = match self.state_scope(scope).await {
            Ok(s) => s,
            Err(e) => return Ok(Err(e)),
        };
        let now = self.env.services.clock.now_ms();
        let (lane, cap) = (self.env.name.clone(), self.env.state_limit);
        Ok(self
            .env
            .services
            .db
            .write(move |tx| lane_state::set(tx, &lane, scope, &key, &value, cap, now))
            .await
            .map_err(state_error))
    }

    async fn state_delete(
        &mut self,
        scope: StateScope,
        key: String,
    ) -> wasmtime::Result<Result<(), LaneError>> {
        if let Err(e) = check_key(&key) {
            return Ok(Err(e));
        }
        let scope = match self.state_scope(scope).await {
            Ok(s) => s,
            Err(e) => return Ok(Err(e)),
        };
        let lane = self.env.name.clone();
        Ok(self
            .env
            .services
            .db
            .write(move |tx| lane_state::delete(tx, &lane, scope, &key))
            .await
            .map_err(state_error))
    }
}

fn state_error(e: crate::crm::CrmError) -> LaneError {
    match e {
        crate::crm::CrmError::Invalid(m) => LaneError::Invalid(m),
        other => LaneError::Internal(other.to_string()),
    }
}

impl LaneState {
    /// The stored scope a lane's `scope` names for this call. The campaign is the call's (for
    /// a campaign-bound lane called without one, the only active campaign); a call without a
    /// campaign keeps campaign-scoped state lane-wide and has no account.
    async fn state_scope(&mut self, scope: StateScope) -> Result<Scope, LaneError> {
        if scope == StateScope::Lane {
            return Ok(Scope::Lane);
        }
        let campaign = match self.campaign {
            Some(id) => Some(id),
            None if crate::daemon::targets::is_campaign_bound(&self.env.grants) => {
                self.call_campaign().await.ok().map(|c| c.id)
            }
            None => None,
        };
        match (scope, campaign) {
            (StateScope::Campaign, Some(id)) => Ok(Scope::Campaign(id)),
            (StateScope::Campaign, None) => Ok(Scope::Lane),
            (StateScope::Account, Some(id)) => {
                let account = self
                    .env
                    .services
                    .db
                    .read_outside_tx(move |c| {
                        crate::crm::campaigns::get(c, id).map(|c| c.account_id)
                    })
                    .await
                    .map_err(|e| LaneError::NotFound(e.to_string()))?;
                Ok(Scope::Account(account))
            }
            (StateScope::Account, None) => Err(LaneError::Invalid(
                "this call runs for no campaign, so it has no account to keep state for; \
                 use the campaign or lane scope"
                    .into(),
            )),
            (StateScope::Lane, _) => Ok(Scope::Lane),
        }
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
