//! # outlane-lanes: the default lanes
//!
//! The logic of Outlane's six default lanes, each a type implementing
//! [`outlane_sdk::Lane`]; the `lanes/<name>` crates only export one of them as a WebAssembly
//! component (`outlane_sdk::export_lane!(outlane_lanes::connect::Connect);`).
//!
//! | lane | kind | what it does |
//! |---|---|---|
//! | [`enrich::Enrich`] | filler | stores the profile of the oldest discovered lead |
//! | [`qualify::Qualify`] | filler | labels one enriched lead: the model when sure, else the LLM |
//! | [`connect::Connect`] | major | invites the best-ranked qualified lead |
//! | [`check_pending::CheckPending`] | major | follows pending invitations, gives up after a while |
//! | [`follow_up::FollowUp`] | major | messages the connection that has waited longest |
//! | [`search::Search`] | filler | refills the pipeline from People search |
//!
//! Rules they all keep:
//! - one unit of work per call; what must survive a call is in the lane's state;
//! - every outward action goes through the journal (`begin_action` → act and verify →
//!   `finish_action`), and unfinished intents are reconciled against LinkedIn before any new
//!   action: never sent twice, never counted when nothing was sent;
//! - a lead that cannot be worked is moved to a terminal stage with the reason, so it never
//!   blocks a queue;
//! - after every page they visit, the profiles it links to are added as discovered leads
//!   ([`shared::discover_here`]); they are enriched later, by the enrich lane.
//!
//! The pure rules (placeholders, template kinds, settings, back-off) are in [`text`] and are
//! unit-tested natively: `cargo test -p outlane-lanes`.
#![deny(missing_docs)]

pub mod check_pending;
pub mod connect;
pub mod enrich;
pub mod follow_up;
pub mod qualify;
pub mod search;
pub mod shared;
pub mod text;
