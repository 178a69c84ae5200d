//! # outlane-linkedin: what Outlane knows about LinkedIn, as plain Rust
//!
//! Pure code with no host calls and no I/O, so that the host and the lanes (through
//! `outlane_sdk::linkedin`) use the very same rules:
//! - [`profile_id`]: profile identity, i.e. turning any form of a profile URL into the one
//!   key a lead is stored under;
//! - [`voyager`]: the Voyager profile parser, a LinkedIn API response → [`Profile`]
//!   (names, headline, location, industry, positions, educations, connection degree);
//! - [`discovery`]: which profiles a page links to ([`profile_links`]);
//! - [`profile_text`](mod@profile_text): the text a profile is embedded from
//!   ([`profile_text()`]);
//! - [`messaging`]: the Voyager messaging GraphQL answers (conversations and their messages)
//!   and the paths that ask for them;
//! - [`text`]: cleaning text from outside (names, headlines) of control and text-direction
//!   characters.
#![deny(missing_docs)]

pub mod discovery;
pub mod messaging;
pub mod profile_id;
pub mod profile_text;
pub mod template;
pub mod text;
pub mod voyager;

pub use discovery::profile_links;
pub use profile_id::{CANONICAL_BASE, ProfileId, ProfileIdError};
pub use profile_text::profile_text;
pub use voyager::{
    Education, Position, Profile, VoyagerError, YearMonth, parse_profile, parse_profile_value,
};
