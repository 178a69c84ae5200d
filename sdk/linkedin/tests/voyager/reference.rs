//! The intents of the reference's `tests/api/test_voyager.py` (numbers 3 to 25; 1 and 2 are
//! in `fixture.rs`), on small synthetic documents.

use crate::helpers::*;
use outlane_linkedin::{YearMonth, parse_profile_value};
use serde_json::json;

// 3.
#[test]
fn minimal_profile() {
    let p = parse(&wrap(vec![full(1, "john-doe", "John", "Doe")]));
    assert_eq!(p.full_name.as_deref(), Some("John Doe"));
    assert_eq!(p.connection_degree, None);
    assert_eq!(p.connection_distance, None);
    assert!(!p.invitation_pending);
}

// 4.
#[test]
fn country_code_from_location() {
    let entity = set(
        full(1, "a", "A", "B"),
        "location",
        json!({"countryCode": "de"}),
    );
    assert_eq!(
        parse(&wrap(vec![entity])).country_code.as_deref(),
        Some("de")
    );
}

// 5.
#[test]
fn no_location_no_country() {
    assert_eq!(
        parse(&wrap(vec![full(1, "a", "A", "B")])).country_code,
        None
    );
}

// 6.
#[test]
fn location_from_geo_location() {
    let entity = set(
        full(1, "a", "A", "B"),
        "geoLocation",
        json!({"*geo": "urn:li:fsd_geo:7"}),
    );
    let p = parse(&wrap(vec![entity, geo(7, "Berlin, Germany")]));
    assert_eq!(p.location_name.as_deref(), Some("Berlin, Germany"));
}

/// Three minis then the full profile of the same document.
fn minis_then_full() -> serde_json::Value {
    let target = set(
        set(
            full(4, "target", "Tara", "Get"),
            "geoLocation",
            json!({"*geo": "urn:li:fsd_geo:9"}),
        ),
        "location",
        json!({"countryCode": "it"}),
    );
    wrap(vec![
        mini(1, "m1", "Mini", "One"),
        mini(2, "m2", "Mini", "Two"),
        mini(3, "m3", "Mini", "Three"),
        target,
        geo(9, "Milan, Italy"),
    ])
}

// 7.
#[test]
fn selection_prefers_the_full_profile() {
    let p = parse(&minis_then_full());
    assert_eq!(p.full_name.as_deref(), Some("Tara Get"));
    assert_eq!(p.public_identifier.as_deref(), Some("target"));
    assert_eq!(p.location_name.as_deref(), Some("Milan, Italy"));
    assert_eq!(p.country_code.as_deref(), Some("it"));
}

// 8.
#[test]
fn selection_with_and_without_public_identifier_agree() {
    let doc = minis_then_full();
    assert_eq!(
        parse_profile_value(&doc, Some("target")).unwrap(),
        parse_profile_value(&doc, None).unwrap()
    );
}

// 9.
#[test]
fn selection_mini_iwe_full() {
    let iwe = set(
        mini(2, "viewer", "Vi", "Ewer"),
        "$recipeTypes",
        json!([IWE_RECIPE]),
    );
    let doc = wrap(vec![
        mini(1, "m1", "Mini", "One"),
        iwe,
        full(3, "target", "Tara", "Get"),
    ]);
    assert_eq!(parse(&doc).public_identifier.as_deref(), Some("target"));
}

// 10.
#[test]
fn selection_full_first() {
    let doc = wrap(vec![
        full(1, "target", "Tara", "Get"),
        mini(2, "m2", "Mini", "Two"),
        mini(3, "m3", "Mini", "Three"),
    ]);
    assert_eq!(parse(&doc).public_identifier.as_deref(), Some("target"));
}

// 11.
#[test]
fn selection_without_full_takes_the_first_profile() {
    let doc = wrap(vec![
        mini(1, "alice", "Alice", "A"),
        mini(2, "bob", "Bob", "B"),
    ]);
    assert_eq!(parse(&doc).full_name.as_deref(), Some("Alice A"));
}

// 12.
#[test]
fn geo_location_and_country() {
    let entity = set(
        set(
            full(1, "a", "A", "B"),
            "geoLocation",
            json!({"*geo": "urn:li:fsd_geo:5", "geoUrn": "urn:li:fsd_geo:5"}),
        ),
        "location",
        json!({"countryCode": "fr"}),
    );
    let p = parse(&wrap(vec![entity, geo(5, "Paris, Île-de-France, France")]));
    assert_eq!(
        p.location_name.as_deref(),
        Some("Paris, Île-de-France, France")
    );
    assert_eq!(p.country_code.as_deref(), Some("fr"));
}

// 13.
#[test]
fn no_geo_and_no_location_name() {
    let p = parse(&wrap(vec![full(1, "a", "A", "B")]));
    assert_eq!(p.location_name, None);
    assert_eq!(p.country_code, None);
}

// 14.
#[test]
fn dangling_geo() {
    let entity = set(
        set(
            full(1, "a", "A", "B"),
            "geoLocation",
            json!({"*geo": "urn:li:fsd_geo:404"}),
        ),
        "location",
        json!({"countryCode": "fr"}),
    );
    let p = parse(&wrap(vec![entity]));
    assert_eq!(p.location_name, None);
    assert_eq!(p.country_code.as_deref(), Some("fr"));
}

// 15.
#[test]
fn geo_urn_only() {
    let entity = set(
        full(1, "a", "A", "B"),
        "geoLocation",
        json!({"geoUrn": "urn:li:fsd_geo:3"}),
    );
    let p = parse(&wrap(vec![entity, geo(3, "Oslo, Norway")]));
    assert_eq!(p.location_name.as_deref(), Some("Oslo, Norway"));
}

// 16.
#[test]
fn positions_through_the_chain_in_order() {
    let first = set(
        set(
            set(position(1, "CTO"), "companyName", json!("Acme")),
            "locationName",
            json!("Berlin"),
        ),
        "description",
        json!("Builds things"),
    );
    let second = set(
        set(position(2, "Engineer"), "companyName", json!("Initech")),
        "locationName",
        json!(null),
    );
    let p = parse(&with_positions(vec![first, second], vec![]));
    assert_eq!(p.positions.len(), 2);
    let (a, b) = (&p.positions[0], &p.positions[1]);
    assert_eq!(a.title, "CTO");
    assert_eq!(a.company_name.as_deref(), Some("Acme"));
    assert_eq!(a.location.as_deref(), Some("Berlin"));
    assert_eq!(a.description.as_deref(), Some("Builds things"));
    assert_eq!(b.title, "Engineer");
    assert_eq!(b.company_name.as_deref(), Some("Initech"));
    assert_eq!(b.location, None);
}

// 17.
#[test]
fn position_date_range() {
    let entity = set(
        position(1, "CTO"),
        "dateRange",
        json!({"start": {"year": 2020, "month": 3}, "end": {"year": 2023}}),
    );
    let p = parse(&with_positions(vec![entity], vec![]));
    assert_eq!(
        p.positions[0].start,
        Some(YearMonth {
            year: Some(2020),
            month: Some(3)
        })
    );
    assert_eq!(
        p.positions[0].end,
        Some(YearMonth {
            year: Some(2023),
            month: None
        })
    );
}

// 18.
#[test]
fn education_fields() {
    let education = json!({
        "entityUrn": "urn:li:fsd_profileEducation:(1,1)",
        "schoolName": "MIT",
        "degreeName": "MSc",
        "fieldOfStudy": "Computer Science",
    });
    let p = parse(&with_educations(vec![education], vec![]));
    assert_eq!(p.educations.len(), 1);
    let e = &p.educations[0];
    assert_eq!(e.school_name.as_deref(), Some("MIT"));
    assert_eq!(e.degree_name.as_deref(), Some("MSc"));
    assert_eq!(e.field_of_study.as_deref(), Some("Computer Science"));
}

fn connection(union: serde_json::Value) -> (Option<String>, Option<u8>) {
    let p = parse(&with_relationship(union));
    (p.connection_distance, p.connection_degree)
}

// 19.
#[test]
fn connected_member() {
    assert_eq!(
        connection(json!({"connectedMember": "urn:li:member:1"})),
        (Some("DISTANCE_1".into()), Some(1))
    );
}

// 20.
#[test]
fn second_degree() {
    assert_eq!(
        connection(json!({"noConnection": {"memberDistance": "DISTANCE_2"}})),
        (Some("DISTANCE_2".into()), Some(2))
    );
}

// 21.
#[test]
fn third_degree() {
    assert_eq!(
        connection(json!({"noConnection": {"memberDistance": "DISTANCE_3"}})),
        (Some("DISTANCE_3".into()), Some(3))
    );
}

// 22.
#[test]
fn out_of_network() {
    assert_eq!(
        connection(json!({"noConnection": {"memberDistance": "OUT_OF_NETWORK"}})),
        (Some("OUT_OF_NETWORK".into()), None)
    );
}

// 23.
#[test]
fn no_relationship() {
    let p = parse(&wrap(vec![full(1, "a", "A", "B")]));
    assert_eq!((p.connection_distance, p.connection_degree), (None, None));
}

// 24.
#[test]
fn industry_resolved() {
    let entity = set(
        full(1, "a", "A", "B"),
        "*industry",
        json!("urn:li:fsd_industry:6"),
    );
    let p = parse(&wrap(vec![entity, industry(6, "Software Development")]));
    assert_eq!(p.industry.as_deref(), Some("Software Development"));
}

// 25.
#[test]
fn industry_absent() {
    assert_eq!(parse(&wrap(vec![full(1, "a", "A", "B")])).industry, None);
}
