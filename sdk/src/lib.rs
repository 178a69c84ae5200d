//! # outlane-sdk: write Outlane lanes
//!
//! A lane is a small WebAssembly component that the Outlane daemon loads from its manifest,
//! runs in a sandbox and reloads when the file changes. This crate is everything a lane author
//! needs: implement [`Lane`], call [`export_lane!`], build with
//! `cargo build --release --target wasm32-wasip2`.
//!
//! ```text
//! use outlane_sdk::prelude::*;
//!
//! #[derive(serde::Deserialize)]
//! struct Config { greeting: String }
//!
//! struct Hello { config: Config }
//!
//! impl Lane for Hello {
//!     type Config = Config;
//!     const SUMMARY: &'static str = "says hello";
//!     fn new(config: Config) -> Result<Self> { Ok(Hello { config }) }
//!     fn execute(&mut self, _ctx: &Context) -> Result<Report> {
//!         info!("{}", self.config.greeting);
//!         Ok(Report::worked("greeted"))
//!     }
//! }
//!
//! export_lane!(Hello);
//! ```
//!
//! Each call runs in a fresh instance: keep what must survive between calls in [`state`].
//! Capabilities other than [`host`] ([`crm`], [`browser`], [`llm`], [`qualifier`]) must be
//! granted in the lane's manifest entry; a lane that imports one without the grant is refused
//! at load, and the browser may only open the origins its grant lists.
#![deny(missing_docs)]

extern crate self as outlane_sdk;

#[doc(hidden)]
#[allow(missing_docs, clippy::all)]
pub mod __wit {
    wit_bindgen::generate!({
        path: "../wit/v0.2",
        world: "lane-world",
        pub_export_macro: true,
        export_macro_name: "__export_lane_world",
        default_bindings_module: "::outlane_sdk::__wit",
        runtime_path: "::outlane_sdk::__rt",
    });
}

#[doc(hidden)]
pub use wit_bindgen::rt as __rt;

pub mod browser;
pub mod crm;
mod error;
pub mod host;
pub mod http;
pub mod journal;
mod lane;
pub mod linkedin;
pub mod llm;
pub mod qualifier;
pub mod state;
pub mod template;

pub use error::{Error, LimitHit, Result};
#[doc(hidden)]
pub use lane::{__can_execute, __describe, __execute};
pub use lane::{Context, Lane, Outcome, Readiness, Report};
pub use serde;
pub use serde_json;

/// The pipeline stage of a lead.
pub use __wit::outlane::lanes::types::Stage;

impl Stage {
    /// The stage's name, as the CLI and the docs write it ("discovered", "qualified"…).
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Discovered => "discovered",
            Stage::Enriched => "enriched",
            Stage::Qualified => "qualified",
            Stage::Disqualified => "disqualified",
            Stage::Pending => "pending",
            Stage::Connected => "connected",
            Stage::Completed => "completed",
            Stage::Failed => "failed",
            Stage::Ignored => "ignored",
            Stage::Replied => "replied",
        }
    }
}

impl core::fmt::Display for Stage {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Every stage, in pipeline order.
pub const ALL_STAGES: [Stage; 10] = [
    Stage::Discovered,
    Stage::Enriched,
    Stage::Qualified,
    Stage::Pending,
    Stage::Connected,
    Stage::Completed,
    Stage::Replied,
    Stage::Disqualified,
    Stage::Failed,
    Stage::Ignored,
];

impl core::str::FromStr for Stage {
    type Err = Error;
    /// A stage by its name (any case).
    fn from_str(s: &str) -> Result<Stage> {
        let wanted = s.trim().to_ascii_lowercase();
        ALL_STAGES
            .into_iter()
            .find(|stage| stage.as_str() == wanted)
            .ok_or_else(|| Error::invalid(format!("unknown stage `{s}`")))
    }
}

/// A stage serialises as its name (`"completed"`), as the CLI, the docs and the WIT write it.
impl serde::Serialize for Stage {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> core::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Stage {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> core::result::Result<Stage, D::Error> {
        let name = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        name.parse().map_err(|_| {
            serde::de::Error::custom(format!(
                "unknown stage `{name}` (expected one of: {})",
                ALL_STAGES.map(Stage::as_str).join(", ")
            ))
        })
    }
}

#[cfg(test)]
mod stage_tests {
    use super::*;

    #[test]
    fn a_stage_reads_writes_and_displays_as_its_name() {
        for stage in ALL_STAGES {
            let json = serde_json::to_string(&stage).unwrap();
            assert_eq!(json, format!("\"{}\"", stage.as_str()));
            assert_eq!(serde_json::from_str::<Stage>(&json).unwrap(), stage);
            assert_eq!(stage.to_string(), stage.as_str());
        }
        assert_eq!(" Completed ".parse::<Stage>().unwrap(), Stage::Completed);
        let e = serde_json::from_str::<Stage>("\"invited\"").unwrap_err();
        assert!(e.to_string().contains("unknown stage `invited`"), "{e}");
    }
}

/// The version of the lane API this SDK builds lanes against (the WIT package of
/// `wit/v0.2`). The host reads it from the component's import names.
pub const API_VERSION: &str = env!("OUTLANE_API_VERSION");

/// Everything a lane usually needs: `use outlane_sdk::prelude::*;`.
pub mod prelude {
    pub use crate::{Context, Error, Lane, Readiness, Report, Result, Stage, export_lane};
    pub use crate::{browser, crm, host, journal, llm, qualifier, state};
    pub use crate::{debug, error, info, warn};
    pub use crate::{serde, serde_json};
}
