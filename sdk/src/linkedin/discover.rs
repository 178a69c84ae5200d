//! Auto-discovery: the profiles the current page links to.

use crate::Result;
use crate::browser;
use outlane_linkedin::{ProfileId, profile_links};

/// Profiles linked from the current page, without the account's own ids (`own`), `/in/me/`,
/// foreign sites and duplicates.
pub fn profiles_on_page(own: &[ProfileId]) -> Result<Vec<ProfileId>> {
    let here = browser::current_url()?;
    let links = browser::links()?;
    Ok(profile_links(&here, &links, own))
}
