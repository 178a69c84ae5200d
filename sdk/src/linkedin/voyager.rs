//! Fetching a profile from LinkedIn's API (Voyager) through the host's signed `api-get`.

use super::page::form_encode;
use crate::browser;
use crate::{Error, Result};
use outlane_linkedin::{Profile, ProfileId, parse_profile};

/// The decoration the profile endpoint is asked for (full profile with its entities).
pub const PROFILE_DECORATION: &str =
    "com.linkedin.voyager.dash.deco.identity.profile.FullProfileWithEntities-91";

/// A fetched profile with the raw response it was parsed from.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The parsed profile.
    pub profile: Profile,
    /// The response body, for the CRM to keep.
    pub raw: String,
}

/// The API path of a profile; `member` is a vanity id, a member id or `me`.
pub fn profile_path(member: &str) -> String {
    format!(
        "/voyager/api/identity/dash/profiles?decorationId={PROFILE_DECORATION}&memberIdentity={}&q=memberIdentity",
        form_encode(member)
    )
}

/// Fetches and parses the profile of `id`. `Ok(None)` when LinkedIn says it is private,
/// restricted or gone (403/404).
pub fn fetch_profile(id: &ProfileId) -> Result<Option<Fetched>> {
    fetch(id.as_str())
}

/// The profile of the logged-in account itself.
pub fn fetch_own_profile() -> Result<Option<Fetched>> {
    fetch("me")
}

fn fetch(member: &str) -> Result<Option<Fetched>> {
    let answer = browser::api_get(&profile_path(member))?;
    match answer.status {
        200 => {
            let wanted = (member != "me").then_some(member);
            let profile = parse_profile(&answer.body, wanted).map_err(|e| {
                Error::invalid(format!(
                    "the Voyager profile of `{member}` cannot be read: {e}"
                ))
            })?;
            Ok(Some(Fetched {
                profile,
                raw: answer.body,
            }))
        }
        403 | 404 => Ok(None),
        other => Err(Error::transient(format!(
            "the Voyager profile of `{member}` answered HTTP {other}"
        ))),
    }
}
