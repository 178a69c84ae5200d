//! What Outlane knows about LinkedIn, shared with the host so both apply the same rules:
//! [`ProfileId`] turns any form of a profile URL into the key its lead is stored under.

pub use outlane_linkedin::{CANONICAL_BASE, ProfileId, ProfileIdError};
