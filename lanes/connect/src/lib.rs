//! The `connect` lane as a WebAssembly component: the logic is
//! [`outlane_lanes::connect::Connect`], shared with the other default lanes.

outlane_sdk::export_lane!(outlane_lanes::connect::Connect);
