//! The running server: [`Simulator`].

use crate::faults::Fault;
use crate::routes;
use crate::scenario::Scenario;
use crate::state::{RequestRecord, SimState, Snapshot};
use outlane_local_server::LocalServer;
use std::net::SocketAddr;

/// A running simulator. Dropping it stops the server too (abruptly); [`Simulator::stop`]
/// shuts it down gracefully.
#[derive(Debug)]
pub struct Simulator {
    state: SimState,
    server: LocalServer,
}

impl Simulator {
    /// Starts on 127.0.0.1 with a free port.
    pub async fn start(scenario: Scenario) -> anyhow::Result<Simulator> {
        Simulator::start_on(0, scenario).await
    }

    /// Starts on 127.0.0.1:`port` (0 picks a free port).
    pub async fn start_on(port: u16, scenario: Scenario) -> anyhow::Result<Simulator> {
        Simulator::serve(port, scenario, Vec::new()).await
    }

    /// Starts on 127.0.0.1 with a free port, with one account per scenario (each its own
    /// member and network, all on the first scenario's clock; see [`SimState`]). Each
    /// viewer's e-mail must be unique: it says whose login a login is.
    pub async fn start_many(scenarios: Vec<Scenario>) -> anyhow::Result<Simulator> {
        let mut scenarios = scenarios.into_iter();
        let first = scenarios
            .next()
            .ok_or_else(|| anyhow::anyhow!("a simulator needs at least one account"))?;
        Simulator::serve(0, first, scenarios.collect()).await
    }

    async fn serve(
        port: u16,
        mut first: Scenario,
        mut others: Vec<Scenario>,
    ) -> anyhow::Result<Simulator> {
        first.normalize()?;
        let mut emails = std::collections::HashSet::new();
        emails.insert(first.viewer.email.trim().to_lowercase());
        for s in &mut others {
            s.normalize()?;
            if !emails.insert(s.viewer.email.trim().to_lowercase()) {
                anyhow::bail!("two simulated accounts log in as {}", s.viewer.email);
            }
        }
        let state = SimState::new_many(first, others);
        let server = LocalServer::start(port, routes::router(state.clone()), "simulator").await?;
        tracing::info!(
            "LinkedIn simulator listening on http://{} ({} account(s))",
            server.addr(),
            state.accounts()
        );
        Ok(Simulator { state, server })
    }

    /// How many accounts it simulates.
    pub fn accounts(&self) -> usize {
        self.state.accounts()
    }

    /// Account `index` (from 0), to inspect and control like the simulator itself (which is
    /// account 0).
    pub fn account(&self, index: usize) -> Option<SimState> {
        self.state.account(index)
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.server.addr())
    }

    /// The socket address served.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// The shared state (for direct inspection with [`SimState::with`]).
    pub fn state(&self) -> &SimState {
        &self.state
    }

    /// Replaces the whole world (sessions, log, faults and clock included) with `scenario`.
    pub fn reset(&self, scenario: Scenario) {
        self.state.reset(scenario);
    }

    /// A serialisable view of the world.
    pub fn snapshot(&self) -> Snapshot {
        self.state.with(|w| w.snapshot())
    }

    /// The scenario currently loaded (with derived identifiers filled in).
    pub fn scenario(&self) -> Scenario {
        self.state.with(|w| w.scenario().clone())
    }

    /// The request log (§7.2).
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.state.with(|w| w.requests())
    }

    /// Empties the request log.
    pub fn clear_requests(&self) {
        self.state.with(|w| w.clear_requests());
    }

    /// The invitee accepts the pending invitation; `false` if none was pending.
    pub fn accept(&self, handle: &str) -> bool {
        self.state.with(|w| w.accept(handle))
    }

    /// `handle` sends the viewer `text` now; `false` for an unknown person.
    pub fn reply(&self, handle: &str, text: &str) -> bool {
        self.state.with(|w| w.receive(handle, text, None))
    }

    /// The invitee declines the pending invitation; `false` if none was pending.
    pub fn decline(&self, handle: &str) -> bool {
        self.state.with(|w| w.decline(handle))
    }

    /// The viewer withdraws the pending invitation (re-invite cooldown starts); `false` if none.
    pub fn withdraw(&self, handle: &str) -> bool {
        self.state.with(|w| w.withdraw(handle))
    }

    /// Invalidates every session (pages redirect to login, Voyager answers 401).
    pub fn expire_sessions(&self) {
        self.state.with(|w| w.expire_sessions(None));
    }

    /// Solves the pending checkpoint challenge.
    pub fn solve_checkpoint(&self) {
        self.state.with(|w| {
            w.solve_checkpoint();
        });
    }

    /// Adds a fault.
    pub fn add_fault(&self, fault: Fault) {
        self.state.with(|w| w.add_fault(fault));
    }

    /// Removes every fault.
    pub fn clear_faults(&self) {
        self.state.with(|w| w.clear_faults());
    }

    /// Moves the sim clock (every account's) forward by `ms` (auto-accept/decline become due
    /// accordingly).
    pub fn advance_clock(&self, ms: u64) {
        self.state.with_every(|w| w.advance_clock(ms));
    }

    /// The sim clock (Unix ms).
    pub fn now_ms(&self) -> u64 {
        self.state.with(|w| w.now())
    }

    /// Stops the server, waiting up to 2 s for open requests.
    pub async fn stop(self) {
        self.server.stop().await;
    }
}
