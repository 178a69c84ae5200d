//! Heartbeat: an example Outlane lane.
//!
//! Every run it logs a line saying the daemon is alive, with how many beats it has made and
//! since when, kept in the lane's persistent state so it survives restarts and reloads. After
//! `max_beats` beats it goes idle (set 0 for no limit). It uses only the `host` interface, so
//! its manifest entry needs no grants.

use outlane_sdk::prelude::*;
use serde::{Deserialize, Serialize};

/// `[lane.config]` of the heartbeat lane.
#[derive(Deserialize)]
struct Config {
    /// Text of each beat.
    #[serde(default = "default_message")]
    message: String,
    /// Stop beating after this many beats (0 = never).
    #[serde(default)]
    max_beats: u64,
}

fn default_message() -> String {
    "outlane is alive".into()
}

/// What the lane remembers between runs.
#[derive(Serialize, Deserialize, Default)]
struct Memory {
    beats: u64,
    first_beat_ms: u64,
}

struct Heartbeat {
    config: Config,
}

impl Lane for Heartbeat {
    type Config = Config;
    const SUMMARY: &'static str = "logs that the daemon is alive and counts its beats";

    fn new(config: Config) -> Result<Self> {
        if config.message.trim().is_empty() {
            return Err(Error::invalid("`message` must not be empty"));
        }
        Ok(Heartbeat { config })
    }

    fn readiness(&mut self, _ctx: &Context) -> Result<Readiness> {
        let memory: Memory = state::get_json("memory")?.unwrap_or_default();
        let ready = self.config.max_beats == 0 || memory.beats < self.config.max_beats;
        // `outlane status` shows the reason beside the idle lane.
        Ok(Readiness::when(ready, || {
            format!(
                "beat {} times: max_beats is {}",
                memory.beats, self.config.max_beats
            )
        }))
    }

    fn execute(&mut self, _ctx: &Context) -> Result<Report> {
        let now = host::now_ms();
        let mut memory: Memory = state::get_json("memory")?.unwrap_or_default();
        if memory.beats == 0 {
            memory.first_beat_ms = now;
        }
        memory.beats += 1;
        state::set_json("memory", &memory)?;
        let minutes = (now - memory.first_beat_ms) / 60_000;
        info!(
            "{} (beat {}, first beat {minutes} min ago)",
            self.config.message, memory.beats
        );
        Ok(Report::worked(format!("beat {}", memory.beats)))
    }
}

export_lane!(Heartbeat);
