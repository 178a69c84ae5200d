//! Host bindings of the current lane API, generated from `wit/v0.2/` (world `lane-world`).
//! Imports are async on tokio and may trap (only for host bugs); exports are called async.
//! Lanes built against the frozen `wit/v0.1/` are served by [`super::v0_1`] on top of these.

#![allow(missing_docs)]

wasmtime::component::bindgen!({
    world: "lane-world",
    path: "../wit/v0.2",
    imports: { default: async | trappable },
    exports: { default: async },
    // The 0.1 adapter converts between the two versions' types of the same shape through
    // their serde form.
    additional_derives: [serde::Serialize, serde::Deserialize],
});

/// The version of the current lane API (`package outlane:lanes@…` of `wit/v0.2`).
pub const API_VERSION: &str = env!("OUTLANE_API_CURRENT");

pub use self::exports::outlane::lanes::lane::{
    Context as CallContext, LaneInfo, Outcome as ReportOutcome, Readiness, Report,
};
pub use self::outlane::lanes::types::{Error as LaneError, Level, LimitHit, Stage};
