//! The Voyager profile parser: a normalized `identity/dash/profiles` response → [`Profile`].
//!
//! LinkedIn's Voyager API answers with `{"data": {...}, "included": [...]}`: `included` is a
//! flat list of entities (profile, positions, companies, geo...), each with an `entityUrn`,
//! and fields whose name starts with `*` hold the URN (or a list of URNs) of another entity.
//! The parser picks the profile entity, then follows those links.
//!
//! It reproduces the reference parser (OpenOutreach) field by field, except where that one
//! crashed or produced junk: the parser never panics and never fails on a malformed field; a
//! value of the wrong JSON type, a dangling URN or a missing key reads as "not given". The
//! only errors are a body that is not JSON (or not a JSON object) and a response that holds
//! no profile at all.

mod entities;
mod experience;
mod relationship;

use crate::ProfileId;
use entities::{Entities, Entity, object, text};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `$type` of a profile entity.
const PROFILE_TYPE: &str = "com.linkedin.voyager.dash.identity.profile.Profile";

/// Prefix of the URN of a profile entity; the member id follows it.
const PROFILE_URN_PREFIX: &str = "urn:li:fsd_profile:";

/// The title given to a position that has none.
pub const UNKNOWN_TITLE: &str = "Unknown Title";

/// A LinkedIn profile, as read from a Voyager response.
///
/// Serialised with these field names in this order (the CLI prints it as JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    /// The canonical profile URL (`https://www.linkedin.com/in/<id>/`), from the vanity id,
    /// else from the member id in [`urn`](Self::urn); None if neither is usable.
    pub url: Option<String>,
    /// The profile entity's URN (`urn:li:fsd_profile:<member id>`).
    pub urn: Option<String>,
    /// The member URN (`urn:li:member:<number>`).
    pub member_urn: Option<String>,
    /// The vanity id as LinkedIn gives it (`publicIdentifier`, case kept).
    pub public_identifier: Option<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// First and last name joined by a space; None if both are missing.
    pub full_name: Option<String>,
    /// The headline under the name.
    pub headline: Option<String>,
    /// The "About" text.
    pub summary: Option<String>,
    /// Where the person is: `locationName`, else the name of the profile's geo entity.
    pub location_name: Option<String>,
    /// ISO country code, lower-case as LinkedIn gives it (`us`).
    pub country_code: Option<String>,
    /// The industry's name.
    pub industry: Option<String>,
    /// Work experience, most recent first (LinkedIn's order).
    pub positions: Vec<Position>,
    /// Education, in LinkedIn's order.
    pub educations: Vec<Education>,
    /// How far the person is from the viewer: `DISTANCE_1`, `DISTANCE_2`, `DISTANCE_3`,
    /// `OUT_OF_NETWORK`, `SELF`, or another value LinkedIn sent.
    pub connection_distance: Option<String>,
    /// The connection degree: 0 for the viewer's own profile, 1, 2 or 3; None when out of
    /// network or unknown.
    pub connection_degree: Option<u8>,
    /// Whether the viewer has a pending invitation to this person.
    pub invitation_pending: bool,
}

/// One position (job) on a profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Position {
    /// The job title; [`UNKNOWN_TITLE`] when LinkedIn gives none.
    pub title: String,
    /// The company's name: the linked company page's name, else the name typed in.
    pub company_name: Option<String>,
    /// The company's URN (`urn:li:fsd_company:<n>`).
    pub company_urn: Option<String>,
    /// Where the job is.
    pub location: Option<String>,
    /// When it started.
    pub start: Option<YearMonth>,
    /// When it ended; None for a current position (or an unknown end).
    pub end: Option<YearMonth>,
    /// The position's description.
    pub description: Option<String>,
}

/// One education entry on a profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Education {
    /// The school's name: the linked school page's name, else the name typed in.
    pub school_name: Option<String>,
    /// The degree (`Doctor of Philosophy (Ph.D.)`).
    pub degree_name: Option<String>,
    /// The field of study.
    pub field_of_study: Option<String>,
    /// When it started.
    pub start: Option<YearMonth>,
    /// When it ended.
    pub end: Option<YearMonth>,
}

/// A date as LinkedIn gives it on profiles: a year, often a month, no day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct YearMonth {
    /// The year.
    pub year: Option<i32>,
    /// The month, 1 to 12.
    pub month: Option<u8>,
}

/// Why a Voyager response yields no profile.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VoyagerError {
    /// The body is not JSON at all.
    #[error(
        "the Voyager response is not JSON ({0}); LinkedIn may have sent an HTML page (login or security check)"
    )]
    NotJson(String),
    /// The body is JSON but not an object.
    #[error(
        "the Voyager response is a JSON {0}, not an object with `data` and `included`; was it requested with `accept: application/vnd.linkedin.normalized+json+2.1`?"
    )]
    NotAnObject(&'static str),
    /// Neither `included` nor `data.*elements` names a profile.
    #[error("no profile entity in the Voyager response")]
    NoProfile,
}

/// Parses a Voyager profile response given as text. See [`parse_profile_value`].
pub fn parse_profile(json: &str, public_identifier: Option<&str>) -> Result<Profile, VoyagerError> {
    let doc: Value =
        serde_json::from_str(json).map_err(|e| VoyagerError::NotJson(e.to_string()))?;
    parse_profile_value(&doc, public_identifier)
}

/// Parses a Voyager profile response.
///
/// The profile is, among the `included` entities of profile type: with `public_identifier`,
/// the first whose `publicIdentifier` equals it (ignoring case); without, the first with a
/// `FullProfile…` decoration, else the first. Failing that, the entity `data.*elements[0]`
/// names (what `/in/me/` gives).
pub fn parse_profile_value(
    doc: &Value,
    public_identifier: Option<&str>,
) -> Result<Profile, VoyagerError> {
    let Some(root) = doc.as_object() else {
        return Err(VoyagerError::NotAnObject(json_kind(doc)));
    };
    let included = root
        .get("included")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let entities = Entities::new(included);
    let profile =
        select(doc, included, &entities, public_identifier).ok_or(VoyagerError::NoProfile)?;
    Ok(build(&entities, profile))
}

/// Picks the profile entity (see [`parse_profile_value`]).
fn select<'a>(
    doc: &'a Value,
    included: &'a [Value],
    entities: &Entities<'a>,
    public_identifier: Option<&str>,
) -> Option<Entity<'a>> {
    let profiles = || {
        included
            .iter()
            .filter_map(Value::as_object)
            .filter(|e| e.get("$type").and_then(Value::as_str) == Some(PROFILE_TYPE))
    };
    let chosen = match public_identifier {
        Some(wanted) => {
            let wanted = wanted.trim().to_lowercase();
            profiles().find(|e| {
                e.get("publicIdentifier")
                    .and_then(Value::as_str)
                    .is_some_and(|id| id.to_lowercase() == wanted)
            })
        }
        None => profiles()
            .find(|e| is_full_profile(e))
            .or_else(|| profiles().next()),
    };
    chosen.or_else(|| {
        let first = doc.get("data")?.get("*elements")?.as_array()?.first()?;
        entities.get(first.as_str()?)
    })
}

/// Whether an entity carries a `FullProfile…` decoration (`$recipeTypes`).
fn is_full_profile(entity: Entity<'_>) -> bool {
    entity
        .get("$recipeTypes")
        .and_then(Value::as_array)
        .is_some_and(|recipes| {
            recipes
                .iter()
                .filter_map(Value::as_str)
                .any(|r| r.contains("FullProfile"))
        })
}

/// Reads every field of the selected profile entity.
fn build(entities: &Entities<'_>, profile: Entity<'_>) -> Profile {
    let urn = text(profile, "entityUrn");
    let public_identifier = text(profile, "publicIdentifier");
    let first_name = text(profile, "firstName");
    let last_name = text(profile, "lastName");
    let full_name = format!(
        "{} {}",
        first_name.as_deref().unwrap_or(""),
        last_name.as_deref().unwrap_or("")
    )
    .trim()
    .to_string();
    let geo = [
        entities.resolve(profile, "*geo"),
        object(profile, "geoLocation").and_then(|g| entities.resolve(g, "*geo")),
        object(profile, "geoLocation").and_then(|g| entities.resolve(g, "geoUrn")),
    ]
    .into_iter()
    .flatten()
    .next();
    let relation = relationship::relationship(entities, profile);
    Profile {
        url: canonical_url(public_identifier.as_deref(), urn.as_deref()),
        member_urn: text(profile, "objectUrn"),
        full_name: (!full_name.is_empty()).then_some(full_name),
        first_name,
        last_name,
        headline: text(profile, "headline"),
        summary: text(profile, "summary"),
        location_name: text(profile, "locationName")
            .or_else(|| geo.and_then(|g| text(g, "defaultLocalizedName"))),
        country_code: object(profile, "location").and_then(|l| text(l, "countryCode")),
        industry: entities
            .resolve(profile, "*industry")
            .and_then(|i| text(i, "name")),
        positions: experience::positions(entities, profile),
        educations: experience::educations(entities, profile),
        connection_distance: relation.distance,
        connection_degree: relation.degree,
        invitation_pending: relation.invitation_pending,
        urn,
        public_identifier,
    }
}

/// The canonical URL from the vanity id, else from the member id of the profile URN.
fn canonical_url(public_identifier: Option<&str>, urn: Option<&str>) -> Option<String> {
    let vanity = public_identifier.and_then(|id| ProfileId::from_identifier(id).ok());
    let member = || {
        let id = urn?.strip_prefix(PROFILE_URN_PREFIX)?;
        ProfileId::from_identifier(id)
            .ok()
            .filter(ProfileId::is_member)
    };
    vanity.or_else(member).map(|id| id.canonical_url())
}

/// The kind of a JSON value, for error messages.
fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}
