//! The `qualify` lane as a WebAssembly component: the logic is
//! [`outlane_lanes::qualify::Qualify`], shared with the other default lanes.

outlane_sdk::export_lane!(outlane_lanes::qualify::Qualify);
