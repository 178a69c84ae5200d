//! The `check-pending` lane as a WebAssembly component: the logic is
//! [`outlane_lanes::check_pending::CheckPending`], shared with the other default lanes.

outlane_sdk::export_lane!(outlane_lanes::check_pending::CheckPending);
