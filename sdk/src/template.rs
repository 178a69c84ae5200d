//! Notes and messages from templates: the rules shared with the host
//! ([`outlane_linkedin::template`]: [`Person`], [`substitute`], [`FollowUpTemplate`]…) and the
//! person of a CRM lead.

pub use outlane_linkedin::template::*;

use outlane_linkedin::Profile;

/// The person of a lead: its name and headline as the campaign knows them, and its profile
/// once enriched.
pub fn person_of(lead: &crate::crm::Lead, profile: Option<&Profile>) -> Person {
    Person::new(lead.full_name.as_deref(), lead.headline.as_deref(), profile)
}
