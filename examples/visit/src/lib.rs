//! Visit: an example Outlane lane, and the template for lanes that change the pipeline with
//! holds (a warm-up before the invitation, a manual review, an enrichment from another tool).
//!
//! It visits the profile of each qualified lead once, then holds the lead for `wait` (a day
//! by default), so the invitation that the default connect lane sends comes a day after the
//! visit: a profile view first, as people do.
//!
//! What makes it safe is the host, not the order lanes happen to run in:
//! - Its manifest entry has `[lane.hold] on = "qualified"`: the host holds every lead entering
//!   `qualified` for this lane, in the same transaction as the stage change, so no lane can
//!   invite a lead before this one has seen it.
//! - After the visit it moves its own hold (`crm::hold`) to `wait` from now, and tags the lead
//!   (`crm::tag`) so that it is visited once.
//! - The journal refuses an invitation or a message to a held lead, whichever lane asks, and
//!   the connect lane passes held leads by.
//!
//! Grants: `crm` and `browser` (origins: LinkedIn). Its page code is the SDK's own
//! ([`outlane_sdk::linkedin::page::open_profile`]), the one the default lanes use.

use outlane_sdk::crm::{self, Lead};
use outlane_sdk::linkedin::page;
use outlane_sdk::prelude::*;
use serde::Deserialize;

/// Qualified leads looked at per page when looking for one not visited yet.
const PAGE: u32 = 200;
/// Pages looked at per call at most.
const PAGES: u32 = 25;

/// `[lane.config]` of the visit lane.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// How long after the visit the lead stays held: a number with `s`, `m`, `h` or `d`.
    pub wait: String,
    /// The tag a visited lead gets.
    pub tag: String,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            wait: "24h".into(),
            tag: "visited".into(),
        }
    }
}

/// `text` (`90s`, `10m`, `24h`, `2d`) in milliseconds.
pub fn parse_wait(text: &str) -> Result<u64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let unit_ms = match unit.trim() {
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => 0,
    };
    match number.parse::<u64>() {
        Ok(n) if n > 0 && unit_ms > 0 => Ok(n.saturating_mul(unit_ms)),
        _ => Err(Error::invalid(format!(
            "wait: {text:?} is not a duration: write a number with s, m, h or d (\"24h\")"
        ))),
    }
}

/// The visit lane.
pub struct Visit {
    wait_ms: u64,
    tag: String,
}

impl Visit {
    /// The oldest qualified lead not visited yet.
    fn next_lead(&self) -> Result<Option<Lead>> {
        let mut after = 0;
        for _ in 0..PAGES {
            let page = crm::leads_after(Stage::Qualified, after, PAGE)?;
            let Some(last) = page.last() else {
                return Ok(None);
            };
            after = last.id;
            let full = page.len() as u32 == PAGE;
            if let Some(lead) = page.into_iter().find(|l| !l.has_tag(&self.tag)) {
                return Ok(Some(lead));
            }
            if !full {
                return Ok(None);
            }
        }
        Ok(None)
    }
}

impl Lane for Visit {
    type Config = Config;
    const SUMMARY: &'static str =
        "visits each qualified lead's profile once and holds its invitation until a day later";

    fn new(config: Config) -> Result<Self> {
        let tag = config.tag.trim().to_string();
        if tag.is_empty() {
            return Err(Error::invalid("tag: must not be empty"));
        }
        Ok(Visit {
            wait_ms: parse_wait(&config.wait)?,
            tag,
        })
    }

    fn readiness(&mut self, _ctx: &Context) -> Result<Readiness> {
        Ok(Readiness::when(
            crm::count(Stage::Qualified)? > 0,
            || "no qualified lead to visit",
        ))
    }

    fn execute(&mut self, _ctx: &Context) -> Result<Report> {
        let Some(lead) = self.next_lead()? else {
            return Ok(Report::idle("every qualified lead has been visited"));
        };
        let who = lead.who();
        let opened = match lead.profile_id() {
            Ok(id) => page::open_profile(&id)?.is_some(),
            Err(_) => false,
        };
        crm::tag(lead.id, &self.tag)?;
        if !opened {
            // Nothing to wait for: the connect lane finds out and records why.
            crm::release(lead.id)?;
            return Ok(Report::worked(format!(
                "{who}: the profile does not open; released"
            )));
        }
        let until = host::now_ms().saturating_add(self.wait_ms);
        crm::hold(
            lead.id,
            until,
            "profile visited: the invitation waits a day after the visit",
        )?;
        Ok(Report::worked(format!(
            "visited {who}; invitation held for {} s",
            self.wait_ms / 1000
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_read_as_durations_and_bad_ones_say_how_to_write_them() {
        assert_eq!(parse_wait("24h").unwrap(), 86_400_000);
        assert_eq!(parse_wait(" 90s ").unwrap(), 90_000);
        assert_eq!(parse_wait("2d").unwrap(), 172_800_000);
        for bad in ["", "h", "0h", "24", "1w", "-1h"] {
            let e = parse_wait(bad).unwrap_err();
            assert!(e.message().contains("s, m, h or d"), "{bad:?}: {e:?}");
        }
    }
}

#[cfg(all(target_arch = "wasm32", feature = "export"))]
outlane_sdk::export_lane!(Visit);
