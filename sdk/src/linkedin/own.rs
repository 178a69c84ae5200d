//! The LinkedIn account the lane acts as: its own ids, so that discovery never adds the
//! account to its own campaigns and the enrich lane recognises its own profile.

use crate::Result;
use crate::linkedin::voyager;
use outlane_linkedin::{Profile, ProfileId};

/// Key of the account's ids in the account scope of the lane's state.
pub const OWN_IDS_KEY: &str = "own-ids";

/// The account's own ids (vanity and member id), from its Voyager profile: fetched once per
/// lane and account and kept in the account scope of the lane's state (they are facts about
/// the account, not about a campaign). Empty, and not kept, when LinkedIn does not answer
/// with the profile.
pub fn ids() -> Result<Vec<ProfileId>> {
    let store = crate::state::account();
    // A value that cannot be read is fetched again rather than trusted.
    if let Ok(Some(stored)) = store.get_json::<Vec<String>>(OWN_IDS_KEY) {
        let ids: Vec<ProfileId> = stored
            .iter()
            .filter_map(|s| ProfileId::from_identifier(s).ok())
            .collect();
        if !ids.is_empty() {
            return Ok(ids);
        }
    }
    let Some(fetched) = voyager::fetch_own_profile()? else {
        crate::warn!(
            "LinkedIn did not return the account's own profile; its ids are unknown for now"
        );
        return Ok(Vec::new());
    };
    let ids = ids_of(&fetched.profile);
    if !ids.is_empty() {
        let stored: Vec<&str> = ids.iter().map(ProfileId::as_str).collect();
        store.set_json(OWN_IDS_KEY, &stored)?;
    }
    Ok(ids)
}

/// The ids a profile carries: its vanity id and the member id of its URN.
pub fn ids_of(profile: &Profile) -> Vec<ProfileId> {
    let member = profile.urn.as_deref().and_then(|u| u.rsplit(':').next());
    let mut ids: Vec<ProfileId> = [profile.public_identifier.as_deref(), member]
        .into_iter()
        .flatten()
        .filter_map(|p| ProfileId::from_identifier(p).ok())
        .collect();
    ids.dedup();
    ids
}

/// Whether `profile` is the account's own: LinkedIn says so (degree 0, distance `SELF`) or
/// one of its ids is in `own`.
pub fn is_own_profile(profile: &Profile, own: &[ProfileId]) -> bool {
    if profile.connection_degree == Some(0)
        || profile.connection_distance.as_deref() == Some("SELF")
    {
        return true;
    }
    ids_of(profile).iter().any(|id| own.contains(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile() -> Profile {
        serde_json::from_value(serde_json::json!({
            "url": "https://www.linkedin.com/in/jane-doe/",
            "urn": "urn:li:fsd_profile:ACoAAB3xYzQBcDeFgHiJkLmNoPqRsTuVwXyZ012",
            "member_urn": null, "public_identifier": "Jane-Doe",
            "first_name": "Jane", "last_name": "Doe", "full_name": "Jane Doe",
            "headline": "VP Sales", "summary": null, "location_name": null,
            "country_code": null, "industry": null, "positions": [], "educations": [],
            "connection_distance": "DISTANCE_2", "connection_degree": 2,
            "invitation_pending": false
        }))
        .expect("a valid profile")
    }

    #[test]
    fn own_profile() {
        let p = profile();
        let own = ids_of(&p);
        assert_eq!(own.len(), 2);
        assert_eq!(own[0].as_str(), "jane-doe");
        assert!(own[1].is_member());
        assert!(is_own_profile(&p, &own));
        assert!(!is_own_profile(&p, &[]));
        let mut me = profile();
        me.connection_degree = Some(0);
        assert!(is_own_profile(&me, &[]));
    }
}
