//! The Voyager profile parser: the real fixture, the reference suite's intents, the edge
//! cases where we differ from the reference, and a seeded fuzz run.

mod edges;
mod fixture;
mod fuzz;
mod helpers;
mod reference;

/// The real Voyager response kept by the reference project (Lex Fridman's profile, viewed by
/// `eracle`).
pub const FIXTURE: &str = include_str!("../../../../tests/data/voyager/linkedin_profile.json");
