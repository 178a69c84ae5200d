//! The `follow-up` lane as a WebAssembly component: the logic is
//! [`outlane_lanes::follow_up::FollowUp`], shared with the other default lanes.

outlane_sdk::export_lane!(outlane_lanes::follow_up::FollowUp);
