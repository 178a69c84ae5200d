//! The Voyager profile JSON (§7.5): a normalized `{data, included}` document built from a
//! [`Person`] and the viewer's current relationship, plus the real fixture served verbatim.

use serde_json::{Map, Value, json};

use crate::scenario::{Education, Person, Position, YearMonth, fnv1a};
use crate::state::Relationship;

/// `content-type` of every Voyager answer.
pub const CONTENT_TYPE: &str = "application/vnd.linkedin.normalized+json+2.1; charset=UTF-8";

/// The only accepted `decorationId`.
pub const DECORATION_ID: &str =
    "com.linkedin.voyager.dash.deco.identity.profile.FullProfileWithEntities-91";

/// The real captured response for `lexfridman` (reference §4.8), served verbatim.
pub const FIXTURE: &str = include_str!("../../data/voyager/linkedin_profile.json");

/// The handle whose Voyager answer is [`FIXTURE`] (see [`crate::routes`] for when).
pub const FIXTURE_HANDLE: &str = "lexfridman";

const PROFILE_TYPE: &str = "com.linkedin.voyager.dash.identity.profile.Profile";
const COLLECTION_TYPE: &str = "com.linkedin.restli.common.CollectionResponse";
const FULL_PROFILE_RECIPE: &str =
    "com.linkedin.voyager.dash.deco.identity.profile.FullProfileWithEntities";

/// Structural variations (faults and options) of a generated answer.
#[derive(Debug, Clone, Copy, Default)]
pub struct VoyagerOptions {
    /// CONNECTED is `{"connectedMember":{}}` instead of `*connection`.
    pub legacy_connected_key: bool,
    /// `location: null` on the target profile.
    pub location_null: bool,
    /// `data["*elements"]` is empty.
    pub empty_elements: bool,
    /// Geo, industry, company and school entities and the first position group are omitted.
    pub dangling_urns: bool,
    /// MiniProfiles of other people come first in `included`.
    pub mini_profiles_first: bool,
}

/// A target and what the answer should say about it.
#[derive(Debug, Clone)]
pub struct VoyagerTarget<'a> {
    /// The profile answered.
    pub person: &'a Person,
    /// `publicIdentifier` of the answer (the requested handle, or the viewer's for `me`).
    pub public_identifier: &'a str,
    /// The viewer's relationship with the target; `None` means the target is the viewer.
    pub relationship: Option<&'a Relationship>,
    /// The logged-in viewer.
    pub viewer: &'a Person,
    /// People whose MiniProfiles are added first under `mini_profiles_first`.
    pub others: Vec<&'a Person>,
}

fn b64ish(seed: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut rng = crate::generate::SplitMix64::new(fnv1a(seed.as_bytes()));
    let mut s: String = (0..43).map(|_| char::from(*rng.pick(ALPHABET))).collect();
    s.push('=');
    s
}

fn hex40(seed: &str) -> String {
    let mut rng = crate::generate::SplitMix64::new(fnv1a(seed.as_bytes()));
    (0..40)
        .map(|_| char::from(b"0123456789abcdef"[rng.below(16) as usize]))
        .collect()
}

fn collection_urn(seed: &str) -> String {
    format!("urn:li:collectionResponse:{}", b64ish(seed))
}

fn collection(urn: &str, elements: &[String], recipe: &str) -> Value {
    json!({
        "entityUrn": urn,
        "$type": COLLECTION_TYPE,
        "$recipeTypes": [recipe],
        "paging": {
            "count": 10, "start": 0, "total": elements.len(), "links": [],
            "$type": "com.linkedin.restli.common.CollectionMetadata",
        },
        "*elements": elements,
    })
}

fn date(d: &YearMonth) -> Value {
    let mut m = Map::new();
    m.insert("year".into(), json!(d.year));
    if let Some(month) = d.month {
        m.insert("month".into(), json!(month));
    }
    m.insert("$type".into(), json!("com.linkedin.common.Date"));
    Value::Object(m)
}

fn date_range(start: Option<&YearMonth>, end: Option<&YearMonth>) -> Value {
    if start.is_none() && end.is_none() {
        return Value::Null;
    }
    let mut m = Map::new();
    if let Some(s) = start {
        m.insert("start".into(), date(s));
    }
    if let Some(e) = end {
        m.insert("end".into(), date(e));
    }
    m.insert("$type".into(), json!("com.linkedin.common.DateRange"));
    Value::Object(m)
}

fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

fn company_entity(p: &Position) -> Value {
    json!({
        "entityUrn": p.company_urn,
        "$type": "com.linkedin.voyager.dash.organization.Company",
        "$recipeTypes": ["com.linkedin.voyager.dash.deco.identity.profile.LinkablePositionCompany"],
        "name": p.company_name,
        "universalName": slug(&p.company_name),
        "url": format!("https://www.linkedin.com/company/{}/", slug(&p.company_name)),
    })
}

fn school_urn(e: &Education) -> String {
    format!(
        "urn:li:fsd_school:{}",
        10_000 + fnv1a(e.school_name.as_bytes()) % 900_000
    )
}

fn mini_profile(p: &Person, recipe: &str) -> Value {
    json!({
        "entityUrn": p.profile_urn(),
        "$type": PROFILE_TYPE,
        "$recipeTypes": [recipe],
        "firstName": p.first,
        "lastName": p.last,
        "headline": p.headline,
        "publicIdentifier": p.handle,
        "memorialized": false,
        "iweWarned": false,
        "tempStatus": null,
        "tempStatusEmoji": null,
    })
}

/// Builds the `(union, extra entities)` of the relationship (§7.5 g).
fn relationship_union(target: &VoyagerTarget, legacy: bool) -> (Value, Vec<Value>) {
    let person = target.person;
    let target_urn = person.profile_urn();
    let viewer_urn = target.viewer.profile_urn();
    let no_invitation = json!({
        "noInvitation": {
            "targetInvitee": target_urn,
            "*targetInviteeResolutionResult": target_urn,
            "inviter": viewer_urn,
            "*inviterResolutionResult": viewer_urn,
            "$type": "com.linkedin.voyager.dash.relationships.invitation.NoInvitation",
        }
    });
    let no_connection = |invitation_union: Value| {
        json!({
            "noConnection": {
                "memberDistance": person.distance.as_voyager(),
                "invitationUnion": invitation_union,
                "$type": "com.linkedin.voyager.dash.relationships.NoConnection",
            }
        })
    };
    match target.relationship {
        None => (json!({ "self": {} }), Vec::new()),
        Some(Relationship::Connected { since_ms }) => {
            if legacy {
                (json!({ "connectedMember": {} }), Vec::new())
            } else {
                let urn = format!("urn:li:fsd_connection:{}", person.profile_id);
                let entity = json!({
                    "entityUrn": urn,
                    "$type": "com.linkedin.voyager.dash.relationships.Connection",
                    "$recipeTypes": ["com.linkedin.voyager.dash.deco.relationships.Connection"],
                    "createdAt": since_ms,
                    "connectedMember": target_urn,
                });
                (json!({ "*connection": urn }), vec![entity])
            }
        }
        Some(Relationship::Pending {
            invitation_id,
            sent_at_ms,
            note,
        }) => {
            let urn = format!("urn:li:fsd_invitation:{invitation_id}");
            let entity = json!({
                "entityUrn": urn,
                "$type": "com.linkedin.voyager.dash.relationships.invitation.Invitation",
                "$recipeTypes": ["com.linkedin.voyager.dash.deco.relationships.InvitationWithInviter"],
                "invitationState": "PENDING",
                "invitationType": "SENT",
                "sentTime": sent_at_ms,
                "message": note,
                "inviter": viewer_urn,
                "invitee": target_urn,
                "sharedSecret": format!("{:08x}", fnv1a(urn.as_bytes()) as u32),
            });
            (no_connection(json!({ "*invitation": urn })), vec![entity])
        }
        Some(_) => (no_connection(no_invitation), Vec::new()),
    }
}

/// Builds the 200 body for `target` (§7.5 a–i).
pub fn profile_document(target: &VoyagerTarget, opts: VoyagerOptions) -> Value {
    let p = target.person;
    let id = &p.profile_id;
    let urn = p.profile_urn();
    let mut included: Vec<Value> = Vec::new();

    if opts.mini_profiles_first {
        for other in &target.others {
            included.push(mini_profile(
                other,
                "com.linkedin.voyager.dash.deco.identity.profile.MiniProfile",
            ));
        }
    }

    // (d) position chain: consecutive positions at the same company form one group.
    let mut groups: Vec<Vec<(usize, &Position)>> = Vec::new();
    for (i, pos) in p.positions.iter().enumerate() {
        match groups.last_mut() {
            Some(g) if g[0].1.company_urn == pos.company_urn => g.push((i, pos)),
            _ => groups.push(vec![(i, pos)]),
        }
    }
    let groups_urn = collection_urn(&format!("{id}/positionGroups"));
    let mut group_urns = Vec::new();
    let mut chain = Vec::new();
    let mut companies: Vec<Value> = Vec::new();
    let mut seen_companies = std::collections::HashSet::new();
    for (gi, group) in groups.iter().enumerate() {
        let first = group[0].1;
        let group_urn = format!(
            "urn:li:fsd_profilePositionGroup:({id},{})",
            hex40(&format!("{id}/group/{gi}/{}", first.company_urn))
        );
        group_urns.push(group_urn.clone());
        let positions_urn = collection_urn(&format!("{id}/group/{gi}/positions"));
        let mut position_urns = Vec::new();
        for (i, pos) in group {
            let n = 100_000_000 + fnv1a(format!("{id}/position/{i}").as_bytes()) % 1_900_000_000;
            let pos_urn = format!("urn:li:fsd_profilePosition:({id},{n})");
            position_urns.push(pos_urn.clone());
            chain.push(json!({
                "entityUrn": pos_urn,
                "$type": "com.linkedin.voyager.dash.identity.profile.Position",
                "$recipeTypes": ["com.linkedin.voyager.dash.deco.identity.profile.FullProfilePosition"],
                "title": pos.title,
                "companyName": pos.company_name,
                "*company": pos.company_urn,
                "companyUrn": pos.company_urn,
                "locationName": pos.location,
                "geoLocationName": pos.location,
                "dateRange": date_range(Some(&pos.start), pos.end.as_ref()),
                "description": pos.description,
                "multiLocaleTitle": { "en_US": pos.title },
                "multiLocaleCompanyName": { "en_US": pos.company_name },
                "shouldShowSourceOfHireBadge": false,
            }));
            if seen_companies.insert(pos.company_urn.clone()) {
                companies.push(company_entity(pos));
            }
        }
        let last = group[group.len() - 1].1;
        let group_entity = json!({
            "entityUrn": group_urn,
            "$type": "com.linkedin.voyager.dash.identity.profile.PositionGroup",
            "$recipeTypes": ["com.linkedin.voyager.dash.deco.identity.profile.FullProfilePositionGroup"],
            "companyName": first.company_name,
            "*company": first.company_urn,
            "companyUrn": first.company_urn,
            "dateRange": date_range(Some(&last.start), first.end.as_ref()),
            "*profilePositionInPositionGroup": positions_urn,
            "multiLocaleCompanyName": { "en_US": first.company_name },
        });
        if !(opts.dangling_urns && gi == 0) {
            chain.push(group_entity);
        }
        chain.push(collection(
            &positions_urn,
            &position_urns,
            "com.linkedin.voyager.dash.deco.identity.profile.FullProfilePositionsInGroup",
        ));
    }
    chain.push(collection(
        &groups_urn,
        &group_urns,
        "com.linkedin.voyager.dash.deco.identity.profile.FullProfilePositionGroupsInjection",
    ));

    // (f) educations.
    let educations_urn = collection_urn(&format!("{id}/educations"));
    let mut education_urns = Vec::new();
    let mut schools = Vec::new();
    let mut seen_schools = std::collections::HashSet::new();
    for (i, ed) in p.educations.iter().enumerate() {
        let n = 100_000 + fnv1a(format!("{id}/education/{i}").as_bytes()) % 900_000_000;
        let ed_urn = format!("urn:li:fsd_profileEducation:({id},{n})");
        education_urns.push(ed_urn.clone());
        let school = school_urn(ed);
        chain.push(json!({
            "entityUrn": ed_urn,
            "$type": "com.linkedin.voyager.dash.identity.profile.Education",
            "$recipeTypes": ["com.linkedin.voyager.dash.deco.identity.profile.FullProfileEducation"],
            "schoolName": ed.school_name,
            "*school": school,
            "schoolUrn": school,
            "degreeName": ed.degree_name,
            "fieldOfStudy": ed.field_of_study,
            "dateRange": date_range(ed.start.as_ref(), ed.end.as_ref()),
            "description": null,
            "activities": null,
            "grade": null,
        }));
        if seen_schools.insert(school.clone()) {
            schools.push(json!({
                "entityUrn": school,
                "$type": "com.linkedin.voyager.dash.organization.School",
                "$recipeTypes": ["com.linkedin.voyager.dash.deco.organization.MiniSchool"],
                "name": ed.school_name,
                "active": true,
                "url": format!("https://www.linkedin.com/school/{}/", slug(&ed.school_name)),
            }));
        }
    }
    chain.push(collection(
        &educations_urn,
        &education_urns,
        "com.linkedin.voyager.dash.deco.identity.profile.FullProfileEducationsInjection",
    ));

    // (g) relationship.
    let relationship_urn = format!("urn:li:fsd_memberRelationship:{id}");
    let (union, relationship_extra) = relationship_union(target, opts.legacy_connected_key);
    let relationship = json!({
        "entityUrn": relationship_urn,
        "$type": "com.linkedin.voyager.dash.relationships.MemberRelationship",
        "$recipeTypes": ["com.linkedin.voyager.dash.deco.relationships.MemberRelationshipV2ForInjection"],
        "memberRelationshipUnion": union,
        "memberRelationshipData": union,
    });

    // (b) geo and country geo, (c) industry.
    let country_urn = format!(
        "urn:li:fsd_geo:{}",
        100_000_000 + fnv1a(p.country_code.as_bytes()) % 9_000_000
    );
    let country_name = p
        .geo
        .name
        .rsplit_once(", ")
        .map(|(_, c)| c.to_string())
        .unwrap_or_else(|| p.geo.name.clone());
    let geo = json!({
        "entityUrn": p.geo.urn,
        "$type": "com.linkedin.voyager.dash.common.Geo",
        "$recipeTypes": ["com.linkedin.voyager.dash.deco.identity.profile.Geo"],
        "defaultLocalizedName": p.geo.name,
        "defaultLocalizedNameWithoutCountryName": p.geo.name_without_country,
        "countryUrn": country_urn,
        "*country": country_urn,
    });
    let country = json!({
        "entityUrn": country_urn,
        "$type": "com.linkedin.voyager.dash.common.Geo",
        "$recipeTypes": ["com.linkedin.voyager.dash.deco.identity.profile.CountryGeo"],
        "defaultLocalizedName": country_name,
    });

    // (a) the target profile.
    let mut profile = Map::new();
    let mut put = |k: &str, v: Value| {
        profile.insert(k.to_string(), v);
    };
    put("entityUrn", json!(urn));
    put("$type", json!(PROFILE_TYPE));
    put(
        "$recipeTypes",
        json!([
            FULL_PROFILE_RECIPE,
            "com.linkedin.voyager.dash.deco.relationships.ProfileWithEmailRequired",
            "com.linkedin.voyager.dash.deco.identity.profile.MiniProfile"
        ]),
    );
    put("publicIdentifier", json!(target.public_identifier));
    put("firstName", json!(p.first));
    put("lastName", json!(p.last));
    put("headline", json!(p.headline));
    put("summary", json!(p.summary));
    put("objectUrn", json!(format!("urn:li:member:{}", p.member_id)));
    put("trackingId", json!(b64ish(&format!("{id}/tracking"))[..24]));
    put(
        "versionTag",
        json!((fnv1a(id.as_bytes()) % 4_000_000_000).to_string()),
    );
    put("locationName", Value::Null);
    if p.geo.urn.is_empty() {
        put("geoLocation", Value::Null);
    } else {
        put(
            "geoLocation",
            json!({
                "*geo": p.geo.urn,
                "geoUrn": p.geo.urn,
                "$type": "com.linkedin.voyager.dash.identity.profile.ProfileGeoLocation",
            }),
        );
    }
    if opts.location_null {
        put("location", Value::Null);
    } else {
        put(
            "location",
            json!({
                "countryCode": p.country_code,
                "$type": "com.linkedin.voyager.dash.identity.profile.ProfileLocation",
            }),
        );
    }
    match &p.industry {
        Some(ind) => {
            put("*industry", json!(ind.urn));
            put("industryUrn", json!(ind.urn));
        }
        None => {
            put("industryUrn", Value::Null);
        }
    }
    put("*profilePositionGroups", json!(groups_urn));
    put("*profileEducations", json!(educations_urn));
    put("*memberRelationship", json!(relationship_urn));
    put("emailRequired", json!(p.email_required));
    put("premium", json!(false));
    put("influencer", json!(false));
    put("creator", json!(false));
    put("memorialized", json!(false));
    put("multiLocaleFirstName", json!({ "en_US": p.first }));
    put("multiLocaleLastName", json!({ "en_US": p.last }));
    put("multiLocaleHeadline", json!({ "en_US": p.headline }));
    put(
        "supportedLocales",
        json!([{ "country": "US", "language": "en", "$type": "com.linkedin.common.Locale" }]),
    );
    included.push(Value::Object(profile));

    if !opts.dangling_urns {
        if !p.geo.urn.is_empty() {
            included.push(geo);
            included.push(country);
        }
        if let Some(ind) = &p.industry {
            included.push(json!({
                "entityUrn": ind.urn,
                "$type": "com.linkedin.voyager.dash.common.Industry",
                "$recipeTypes": ["com.linkedin.voyager.dash.deco.common.Industry"],
                "name": ind.name,
            }));
        }
        included.extend(companies);
        included.extend(schools);
    }
    included.extend(chain);
    included.push(relationship);
    included.extend(relationship_extra);
    // (h) the viewer's own mini profile (unless the viewer is the target).
    if target.relationship.is_some() {
        included.push(mini_profile(
            target.viewer,
            "com.linkedin.voyager.dash.deco.relationships.ProfileWithIweWarned",
        ));
    }

    let elements: Vec<String> = if opts.empty_elements {
        Vec::new()
    } else {
        vec![urn.clone()]
    };
    json!({
        "data": {
            "entityUrn": collection_urn(&format!("{id}/{}", target.public_identifier)),
            "$type": COLLECTION_TYPE,
            "paging": { "count": 10, "start": 0, "links": [] },
            "*elements": elements,
        },
        "included": included,
    })
}

/// A Voyager-style JSON error body.
pub fn error_body(status: u16, message: &str) -> Value {
    json!({
        "exceptionClass": "com.linkedin.restli.server.RestLiServiceException",
        "message": message,
        "status": status,
    })
}
