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

/// Adds the profiles the current page links to (without the account's own, see
/// [`super::own::ids`]) to the call's campaign as discovered leads. Returns how many were new.
/// Nothing is fetched: new leads are enriched later, one at a time.
pub fn discover_here() -> Result<u32> {
    let own = super::own::ids()?;
    let found = profiles_on_page(&own)?;
    if found.is_empty() {
        return Ok(0);
    }
    let urls: Vec<String> = found.iter().map(ProfileId::canonical_url).collect();
    let new = crate::crm::discover(&urls)?;
    if new > 0 {
        crate::info!(
            "discovered {new} new people ({} linked on the page)",
            urls.len()
        );
    }
    Ok(new)
}

/// [`discover_here`] where discovery is a side matter: its failure is logged and counts as
/// nothing found, except a lost session or a rate limit, which the caller must see.
pub fn discover_quietly() -> Result<u32> {
    match discover_here() {
        Ok(n) => Ok(n),
        Err(e @ (crate::Error::Auth(_) | crate::Error::RateLimited(_))) => Err(e),
        Err(e) => {
            crate::warn!("discovery on this page failed: {}", e.message());
            Ok(0)
        }
    }
}
