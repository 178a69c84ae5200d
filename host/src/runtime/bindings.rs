//! Host bindings generated from `wit/` (world `outlane:lanes/lane`). Imports are async on
//! tokio and may trap (only for host bugs); exports are called async.

#![allow(missing_docs)]

wasmtime::component::bindgen!({
    world: "lane-world",
    path: "../wit",
    imports: { default: async | trappable },
    exports: { default: async },
});

pub use self::exports::outlane::lanes::lane::{
    Context as CallContext, LaneInfo, Outcome as ReportOutcome, Report,
};
pub use self::outlane::lanes::types::{Error as LaneError, Level, LimitHit, Stage};
pub use LaneWorldPre as LanePre;
