//! The `search` lane as a WebAssembly component: the logic is
//! [`outlane_lanes::search::Search`], shared with the other default lanes.

outlane_sdk::export_lane!(outlane_lanes::search::Search);
