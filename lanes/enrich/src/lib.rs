//! The `enrich` lane as a WebAssembly component: the logic is
//! [`outlane_lanes::enrich::Enrich`], shared with the other default lanes.

outlane_sdk::export_lane!(outlane_lanes::enrich::Enrich);
