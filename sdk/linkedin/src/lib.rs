//! # outlane-linkedin: what Outlane knows about LinkedIn, as plain Rust
//!
//! Pure code with no host calls, so that the host and the lanes (through
//! `outlane_sdk::linkedin`) use the very same rules. Today: profile identity, i.e. turning
//! any form of a profile URL into the one key a lead is stored under.
#![deny(missing_docs)]

pub mod profile_id;

pub use profile_id::{CANONICAL_BASE, ProfileId, ProfileIdError};
