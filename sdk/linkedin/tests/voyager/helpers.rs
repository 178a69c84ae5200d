//! Small synthetic Voyager documents, shaped like the reference test suite's helpers.

use outlane_linkedin::{Profile, parse_profile_value};
use serde_json::{Value, json};

pub const PROFILE_TYPE: &str = "com.linkedin.voyager.dash.identity.profile.Profile";
pub const FULL_RECIPE: &str =
    "com.linkedin.voyager.dash.deco.identity.profile.FullProfileWithEntities";
pub const EMAIL_RECIPE: &str =
    "com.linkedin.voyager.dash.deco.relationships.ProfileWithEmailRequired";
pub const MINI_RECIPE: &str = "com.linkedin.voyager.dash.deco.identity.profile.MiniProfile";
pub const IWE_RECIPE: &str = "com.linkedin.voyager.dash.deco.relationships.ProfileWithIweWarned";

/// A member id of the right shape, distinct per `n`.
pub fn member_id(n: u32) -> String {
    format!("ACoAAB{n:0>20}xYz")
}

/// The profile URN for `member_id(n)`.
pub fn profile_urn(n: u32) -> String {
    format!("urn:li:fsd_profile:{}", member_id(n))
}

/// A mini profile: profile type, recipes [EmailRequired, MiniProfile], no location keys.
pub fn mini(n: u32, public_id: &str, first: &str, last: &str) -> Value {
    json!({
        "$type": PROFILE_TYPE,
        "$recipeTypes": [EMAIL_RECIPE, MINI_RECIPE],
        "entityUrn": profile_urn(n),
        "publicIdentifier": public_id,
        "firstName": first,
        "lastName": last,
    })
}

/// A full profile: recipes [FullProfileWithEntities, EmailRequired, MiniProfile],
/// `locationName: null`, `*geo: null`. Add the optional links with [`set`].
pub fn full(n: u32, public_id: &str, first: &str, last: &str) -> Value {
    json!({
        "$type": PROFILE_TYPE,
        "$recipeTypes": [FULL_RECIPE, EMAIL_RECIPE, MINI_RECIPE],
        "entityUrn": profile_urn(n),
        "publicIdentifier": public_id,
        "firstName": first,
        "lastName": last,
        "headline": format!("{first}'s headline"),
        "locationName": null,
        "*geo": null,
    })
}

/// `entity` with `key` set to `value`.
pub fn set(mut entity: Value, key: &str, value: Value) -> Value {
    if let Some(object) = entity.as_object_mut() {
        object.insert(key.to_string(), value);
    }
    entity
}

/// `entity` without `key`.
pub fn unset(mut entity: Value, key: &str) -> Value {
    if let Some(object) = entity.as_object_mut() {
        object.remove(key);
    }
    entity
}

/// The response envelope: `data.*elements` names the first profile entity.
pub fn wrap(included: Vec<Value>) -> Value {
    let first = included
        .iter()
        .find(|e| e["$type"] == PROFILE_TYPE)
        .and_then(|e| e["entityUrn"].as_str())
        .map(str::to_string);
    json!({
        "data": {
            "$type": "com.linkedin.restli.common.CollectionResponse",
            "*elements": first.into_iter().collect::<Vec<_>>(),
        },
        "included": included,
    })
}

/// Parses a document that must hold a profile, without a public identifier.
pub fn parse(doc: &Value) -> Profile {
    match parse_profile_value(doc, None) {
        Ok(profile) => profile,
        Err(e) => panic!("parse failed: {e}\n{doc:#}"),
    }
}

/// A geo entity.
pub fn geo(id: u32, name: &str) -> Value {
    json!({
        "$type": "com.linkedin.voyager.dash.common.Geo",
        "entityUrn": format!("urn:li:fsd_geo:{id}"),
        "defaultLocalizedName": name,
        "defaultLocalizedNameWithoutCountryName": name.split(',').next().unwrap_or(name),
    })
}

/// An industry entity.
pub fn industry(id: u32, name: &str) -> Value {
    json!({
        "$type": "com.linkedin.voyager.dash.common.Industry",
        "entityUrn": format!("urn:li:fsd_industry:{id}"),
        "name": name,
    })
}

/// A company entity.
pub fn company(id: u32, name: &str) -> Value {
    json!({
        "$type": "com.linkedin.voyager.dash.organization.Company",
        "entityUrn": format!("urn:li:fsd_company:{id}"),
        "name": name,
    })
}

/// A collection entity whose `*elements` are `urns`.
pub fn collection(urn: &str, urns: &[&str]) -> Value {
    json!({
        "$type": "com.linkedin.restli.common.CollectionResponse",
        "entityUrn": urn,
        "*elements": urns,
    })
}

/// A member relationship entity for profile `n` with the given union.
pub fn relationship(n: u32, union: Value) -> Value {
    json!({
        "$type": "com.linkedin.voyager.dash.relationships.MemberRelationship",
        "entityUrn": format!("urn:li:fsd_memberRelationship:{}", member_id(n)),
        "memberRelationshipUnion": union,
    })
}

/// A document with one full profile (n = 1) linked to a relationship with `union`.
pub fn with_relationship(union: Value) -> Value {
    let rel = relationship(1, union);
    let urn = rel["entityUrn"].clone();
    wrap(vec![
        set(full(1, "jane", "Jane", "Doe"), "*memberRelationship", urn),
        rel,
    ])
}

/// A document with one full profile whose positions are `positions` (one group), plus
/// `extra` entities.
pub fn with_positions(positions: Vec<Value>, extra: Vec<Value>) -> Value {
    let urns: Vec<String> = positions
        .iter()
        .filter_map(|p| p["entityUrn"].as_str().map(str::to_string))
        .collect();
    let refs: Vec<&str> = urns.iter().map(String::as_str).collect();
    let group = json!({
        "$type": "com.linkedin.voyager.dash.identity.profile.ProfilePositionGroup",
        "entityUrn": "urn:li:fsd_profilePositionGroup:(1,g1)",
        "*profilePositionInPositionGroup": "urn:li:collectionResponse:positions",
    });
    let mut included = vec![
        set(
            full(1, "jane", "Jane", "Doe"),
            "*profilePositionGroups",
            json!("urn:li:collectionResponse:groups"),
        ),
        collection(
            "urn:li:collectionResponse:groups",
            &["urn:li:fsd_profilePositionGroup:(1,g1)"],
        ),
        group,
        collection("urn:li:collectionResponse:positions", &refs),
    ];
    included.extend(positions);
    included.extend(extra);
    wrap(included)
}

/// A position entity.
pub fn position(id: u32, title: &str) -> Value {
    json!({
        "$type": "com.linkedin.voyager.dash.identity.profile.Position",
        "entityUrn": format!("urn:li:fsd_profilePosition:(1,{id})"),
        "title": title,
    })
}

/// A document with one full profile whose educations are `educations`, plus `extra`.
pub fn with_educations(educations: Vec<Value>, extra: Vec<Value>) -> Value {
    let urns: Vec<String> = educations
        .iter()
        .filter_map(|p| p["entityUrn"].as_str().map(str::to_string))
        .collect();
    let refs: Vec<&str> = urns.iter().map(String::as_str).collect();
    let mut included = vec![
        set(
            full(1, "jane", "Jane", "Doe"),
            "*profileEducations",
            json!("urn:li:collectionResponse:educations"),
        ),
        collection("urn:li:collectionResponse:educations", &refs),
    ];
    included.extend(educations);
    included.extend(extra);
    wrap(included)
}
