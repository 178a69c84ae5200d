//! Golden values of the real fixture (reference spec §4.8).

use crate::FIXTURE;
use outlane_linkedin::{Education, Position, Profile, YearMonth, parse_profile};
use serde_json::Value;

const URN: &str = "urn:li:fsd_profile:ACoAAAB0ur4B2dLbFAHKCLO0VHtal_ilBhaBFxM";

fn year(year: i32) -> Option<YearMonth> {
    Some(YearMonth {
        year: Some(year),
        month: None,
    })
}

fn lex() -> Profile {
    Profile {
        url: Some("https://www.linkedin.com/in/lexfridman/".into()),
        urn: Some(URN.into()),
        member_urn: Some("urn:li:member:7649982".into()),
        public_identifier: Some("lexfridman".into()),
        first_name: Some("Lex".into()),
        last_name: Some("Fridman".into()),
        full_name: Some("Lex Fridman".into()),
        headline: Some("Research Scientist, MIT".into()),
        summary: Some(
            "Research in AI, human-robot interaction, autonomous vehicles, and machine \
             learning at MIT."
                .into(),
        ),
        location_name: Some("Cambridge, Massachusetts, United States".into()),
        country_code: Some("us".into()),
        industry: Some("Higher Education".into()),
        positions: vec![
            Position {
                title: "Research Scientist".into(),
                // The company entity's name, not the position's "… (MIT)".
                company_name: Some("Massachusetts Institute of Technology".into()),
                company_urn: Some("urn:li:fsd_company:1503".into()),
                location: None,
                start: year(2015),
                end: None,
                description: Some(
                    "Research in human-centered AI, especially in the context of autonomous \
                     vehicles. I'm particularly interested in understanding human-robot \
                     collaboration and engineering learning-based methods that enrich that \
                     collaboration."
                        .into(),
                ),
            },
            Position {
                title: "Researcher".into(),
                company_name: Some("Google".into()),
                company_urn: Some("urn:li:fsd_company:1441".into()),
                location: Some("Mountain View, CA".into()),
                start: year(2014),
                end: year(2015),
                description: Some(
                    "Machine learning research with a focus on active authentication.".into(),
                ),
            },
        ],
        educations: vec![Education {
            school_name: Some("Drexel University".into()),
            degree_name: Some("Doctor of Philosophy (Ph.D.)".into()),
            field_of_study: Some("Computer Science".into()),
            start: None,
            end: year(2014),
        }],
        connection_distance: Some("DISTANCE_2".into()),
        connection_degree: Some(2),
        invitation_pending: false,
    }
}

#[test]
fn golden_values() {
    let profile = parse_profile(FIXTURE, None).unwrap();
    assert_eq!(profile, lex());
}

#[test]
fn the_public_identifier_selects_the_same_profile() {
    let plain = parse_profile(FIXTURE, None).unwrap();
    assert_eq!(parse_profile(FIXTURE, Some("lexfridman")).unwrap(), plain);
    // Vanity ids are case-insensitive.
    assert_eq!(parse_profile(FIXTURE, Some("LexFridman")).unwrap(), plain);
}

#[test]
fn the_viewers_mini_profile() {
    let profile = parse_profile(FIXTURE, Some("eracle")).unwrap();
    assert_eq!(profile.full_name.as_deref(), Some("Antonio Ercole De Luca"));
    assert_eq!(profile.first_name.as_deref(), Some("Antonio Ercole"));
    assert_eq!(profile.last_name.as_deref(), Some("De Luca"));
    assert_eq!(
        profile.urn.as_deref(),
        Some("urn:li:fsd_profile:ACoAAAQkmQMB7KelWP9pTFKgF78_1qU5WnxvfC8")
    );
    assert_eq!(
        profile.url.as_deref(),
        Some("https://www.linkedin.com/in/eracle/")
    );
    assert!(profile.headline.is_some());
    assert!(profile.positions.is_empty());
    assert!(profile.educations.is_empty());
    assert_eq!(profile.location_name, None);
    assert_eq!(profile.country_code, None);
    assert_eq!(profile.connection_degree, None);
    assert_eq!(profile.connection_distance, None);
}

#[test]
fn me_falls_back_to_the_first_element() {
    // No entity has publicIdentifier "me": `data.*elements[0]` names the profile.
    let profile = parse_profile(FIXTURE, Some("me")).unwrap();
    assert_eq!(profile, lex());
}

/// Reference test 1: the structure and type contract on the real fixture.
#[test]
fn structure_contract() {
    let p = parse_profile(FIXTURE, None).unwrap();
    for name in [&p.first_name, &p.last_name, &p.full_name] {
        assert!(name.as_deref().is_some_and(|n| !n.is_empty()));
    }
    assert!(
        p.url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://www.linkedin.com/in/"))
    );
    assert!(
        p.public_identifier
            .as_deref()
            .is_some_and(|id| !id.is_empty())
    );
    let first = &p.positions[0];
    assert!(!first.title.is_empty());
    assert!(first.company_name.as_deref().is_some_and(|c| !c.is_empty()));
    assert!(
        p.educations[0]
            .school_name
            .as_deref()
            .is_some_and(|s| !s.is_empty())
    );
    let consistent = matches!(
        (p.connection_distance.as_deref(), p.connection_degree),
        (None, None)
            | (Some("DISTANCE_1"), Some(1))
            | (Some("DISTANCE_2"), Some(2))
            | (Some("DISTANCE_3"), Some(3))
            | (Some("OUT_OF_NETWORK"), None)
    );
    assert!(
        consistent,
        "{:?}",
        (p.connection_distance, p.connection_degree)
    );
}

/// Reference test 2 and our CLI contract: JSON with these keys, in this order, and back.
#[test]
fn serialises_with_the_documented_keys() {
    let profile = parse_profile(FIXTURE, None).unwrap();
    let text = serde_json::to_string(&profile).unwrap();
    let keys = [
        "url",
        "urn",
        "member_urn",
        "public_identifier",
        "first_name",
        "last_name",
        "full_name",
        "headline",
        "summary",
        "location_name",
        "country_code",
        "industry",
        "positions",
        "educations",
        "connection_distance",
        "connection_degree",
        "invitation_pending",
    ];
    let positions: Vec<usize> = keys
        .iter()
        .map(|k| {
            text.find(&format!("\"{k}\":"))
                .unwrap_or_else(|| panic!("key {k} missing"))
        })
        .collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "key order: {text}"
    );
    let value: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value.as_object().unwrap().len(), keys.len());
    assert_eq!(
        value["positions"][1],
        serde_json::json!({
            "title": "Researcher",
            "company_name": "Google",
            "company_urn": "urn:li:fsd_company:1441",
            "location": "Mountain View, CA",
            "start": {"year": 2014, "month": null},
            "end": {"year": 2015, "month": null},
            "description": "Machine learning research with a focus on active authentication.",
        })
    );
    assert_eq!(
        value["educations"][0],
        serde_json::json!({
            "school_name": "Drexel University",
            "degree_name": "Doctor of Philosophy (Ph.D.)",
            "field_of_study": "Computer Science",
            "start": null,
            "end": {"year": 2014, "month": null},
        })
    );
    assert_eq!(value["connection_degree"], 2);
    assert_eq!(value["invitation_pending"], false);
    let back: Profile = serde_json::from_str(&text).unwrap();
    assert_eq!(back, profile);
}
