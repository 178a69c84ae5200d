//! The reference's edge cases (spec §4.7) with our behaviour (no crash anywhere), and the
//! places where we deliberately differ from it.

use crate::helpers::*;
use outlane_linkedin::{VoyagerError, YearMonth, parse_profile, parse_profile_value};
use serde_json::{Value, json};

fn error(doc: &Value, public_identifier: Option<&str>) -> VoyagerError {
    match parse_profile_value(doc, public_identifier) {
        Ok(p) => panic!("expected an error, got {p:?}"),
        Err(e) => e,
    }
}

#[test]
fn empty_elements_and_no_profile_is_no_profile() {
    // The reference raises IndexError.
    let doc = json!({"data": {"*elements": []}, "included": []});
    assert_eq!(error(&doc, None), VoyagerError::NoProfile);
    assert_eq!(
        VoyagerError::NoProfile.to_string(),
        "no profile entity in the Voyager response"
    );
}

#[test]
fn empty_elements_still_selects_a_profile_entity() {
    let doc = json!({"data": {"*elements": []}, "included": [mini(1, "ann", "Ann", "A")]});
    assert_eq!(parse(&doc).full_name.as_deref(), Some("Ann A"));
}

#[test]
fn no_data_and_no_profile() {
    let doc = json!({"included": [geo(1, "Rome, Italy")]});
    assert_eq!(error(&doc, None), VoyagerError::NoProfile);
    assert_eq!(error(&json!({}), None), VoyagerError::NoProfile);
}

#[test]
fn not_json_and_not_an_object() {
    for text in ["", "<html>login</html>", "{\"data\":", "nul"] {
        assert!(
            matches!(parse_profile(text, None), Err(VoyagerError::NotJson(_))),
            "{text:?}"
        );
    }
    for (text, kind) in [
        ("[]", "array"),
        ("null", "null"),
        ("\"x\"", "string"),
        ("3", "number"),
    ] {
        assert_eq!(
            parse_profile(text, None),
            Err(VoyagerError::NotAnObject(kind)),
            "{text}"
        );
    }
}

#[test]
fn missing_entity_urn_is_none() {
    // The reference raises KeyError; the URL still comes from the public identifier.
    let doc = wrap(vec![unset(full(1, "Jane-Doe", "Jane", "Doe"), "entityUrn")]);
    let p = parse(&doc);
    assert_eq!(p.urn, None);
    assert_eq!(p.full_name.as_deref(), Some("Jane Doe"));
    assert_eq!(
        p.url.as_deref(),
        Some("https://www.linkedin.com/in/jane-doe/")
    );
}

#[test]
fn null_location_means_no_country() {
    // The reference raises AttributeError.
    let doc = wrap(vec![set(full(1, "a", "A", "B"), "location", Value::Null)]);
    assert_eq!(parse(&doc).country_code, None);
    let doc = wrap(vec![set(full(1, "a", "A", "B"), "location", json!("us"))]);
    assert_eq!(parse(&doc).country_code, None);
}

#[test]
fn unmatched_public_identifier_uses_the_first_element() {
    let viewer = mini(7, "viewer", "Vi", "Ewer");
    let doc = json!({
        "data": {"*elements": [profile_urn(7)]},
        "included": [full(1, "other", "Oth", "Er"), viewer],
    });
    let p = parse_profile_value(&doc, Some("me")).unwrap();
    assert_eq!(p.public_identifier.as_deref(), Some("viewer"));
    // Without `data`, nothing names a profile.
    let doc = json!({"included": [full(1, "other", "Oth", "Er")]});
    assert_eq!(error(&doc, Some("me")), VoyagerError::NoProfile);
    // `*elements` of the wrong type, or naming nothing, is no fallback either.
    for elements in [
        json!("urn"),
        json!([42]),
        json!(["urn:li:fsd_profile:nope"]),
        json!({}),
    ] {
        let doc = json!({"data": {"*elements": elements}, "included": [full(1, "x", "X", "Y")]});
        assert_eq!(
            error(&doc, Some("me")),
            VoyagerError::NoProfile,
            "{elements}"
        );
    }
}

#[test]
fn public_identifier_is_case_insensitive() {
    let doc = wrap(vec![
        full(1, "other", "Oth", "Er"),
        mini(2, "Jane-Doe", "Jane", "Doe"),
    ]);
    let p = parse_profile_value(&doc, Some("jane-DOE")).unwrap();
    assert_eq!(p.public_identifier.as_deref(), Some("Jane-Doe"));
    assert_eq!(
        p.url.as_deref(),
        Some("https://www.linkedin.com/in/jane-doe/")
    );
}

/// Distance and degree.
type Connection = (Option<String>, Option<u8>);

fn connection(union: Value) -> Connection {
    let p = parse(&with_relationship(union));
    (p.connection_distance, p.connection_degree)
}

#[test]
fn connection_variants() {
    let first: Connection = (Some("DISTANCE_1".to_string()), Some(1));
    let none: Connection = (None, None);
    let table: Vec<(Value, Connection)> = vec![
        (json!({"noConnection": {}}), none.clone()),
        (json!({"noConnection": null}), none.clone()),
        (json!({"noConnection": "DISTANCE_2"}), none.clone()),
        (json!({"noConnection": {"memberDistance": 2}}), none.clone()),
        (
            json!({"noConnection": {"memberDistance": "DISTANCE_4"}}),
            (Some("DISTANCE_4".into()), None),
        ),
        (
            json!({"noConnection": {"memberDistance": "DISTANCE_1"}}),
            first.clone(),
        ),
        // Real dash payloads: `*connection` (the reference says None).
        (
            json!({"*connection": "urn:li:fsd_connection:ACoAA"}),
            first.clone(),
        ),
        (json!({"connection": {"createdAt": 1}}), first.clone()),
        (json!({"connected": {}}), first.clone()),
        (json!({"self": {}}), (Some("SELF".into()), Some(0))),
        (json!({"somethingNew": {}}), none.clone()),
        (json!({}), none.clone()),
        (json!(null), none.clone()),
        (json!([1, 2]), none.clone()),
    ];
    for (union, want) in table {
        assert_eq!(connection(union.clone()), want, "union {union}");
    }
}

#[test]
fn relationship_data_is_the_fallback_union() {
    let rel = json!({
        "entityUrn": "urn:li:fsd_memberRelationship:x",
        "memberRelationshipUnion": {},
        "memberRelationshipData": {"noConnection": {"memberDistance": "DISTANCE_3"}},
    });
    let doc = wrap(vec![
        set(
            full(1, "a", "A", "B"),
            "*memberRelationship",
            json!("urn:li:fsd_memberRelationship:x"),
        ),
        rel,
    ]);
    assert_eq!(parse(&doc).connection_degree, Some(3));
}

#[test]
fn dangling_or_wrong_relationship() {
    for link in [
        json!("urn:li:fsd_memberRelationship:404"),
        json!(7),
        json!({}),
        json!(null),
    ] {
        let doc = wrap(vec![set(
            full(1, "a", "A", "B"),
            "*memberRelationship",
            link.clone(),
        )]);
        let p = parse(&doc);
        assert_eq!(
            (p.connection_distance, p.connection_degree),
            (None, None),
            "{link}"
        );
    }
}

#[test]
fn pending_invitation() {
    let invitation = |state: &str| {
        json!({
            "$type": "com.linkedin.voyager.dash.relationships.invitation.Invitation",
            "entityUrn": "urn:li:fsd_invitation:1",
            "invitationState": state,
            "invitationType": "SENT",
        })
    };
    let doc = |state: &str| {
        let rel = relationship(
            1,
            json!({"noConnection": {
                "memberDistance": "DISTANCE_2",
                "invitationUnion": {"*invitation": "urn:li:fsd_invitation:1"},
            }}),
        );
        wrap(vec![
            set(
                full(1, "a", "A", "B"),
                "*memberRelationship",
                rel["entityUrn"].clone(),
            ),
            rel,
            invitation(state),
        ])
    };
    let p = parse(&doc("PENDING"));
    assert!(p.invitation_pending);
    assert_eq!(p.connection_degree, Some(2));
    assert!(!parse(&doc("ACCEPTED")).invitation_pending);

    // Inline, and in the legacy `memberRelationshipData`.
    let inline = with_relationship(json!({"noConnection": {
        "memberDistance": "DISTANCE_3",
        "invitationUnion": {"invitation": {"invitationState": "PENDING"}},
    }}));
    assert!(parse(&inline).invitation_pending);
    let rel = json!({
        "entityUrn": "urn:li:fsd_memberRelationship:x",
        "memberRelationshipUnion": {"noConnection": {"memberDistance": "DISTANCE_2"}},
        "memberRelationshipData": {"*invitation": "urn:li:fsd_invitation:1"},
    });
    let legacy = wrap(vec![
        set(
            full(1, "a", "A", "B"),
            "*memberRelationship",
            json!("urn:li:fsd_memberRelationship:x"),
        ),
        rel,
        invitation("PENDING"),
    ]);
    assert!(parse(&legacy).invitation_pending);

    // No invitation, a dangling one, or one of the wrong shape.
    for union in [
        json!({"noInvitation": {}}),
        json!({"*invitation": "urn:li:fsd_invitation:404"}),
        json!({"invitation": "PENDING"}),
        json!("PENDING"),
    ] {
        let doc = with_relationship(json!({"noConnection": {
            "memberDistance": "DISTANCE_2",
            "invitationUnion": union.clone(),
        }}));
        assert!(!parse(&doc).invitation_pending, "{union}");
    }
}

#[test]
fn company_fallbacks() {
    let dangling = set(
        position(1, "A"),
        "*company",
        json!("urn:li:fsd_company:404"),
    );
    let resolved_null_name = set(
        set(position(2, "B"), "*company", json!("urn:li:fsd_company:2")),
        "companyName",
        json!("Typed Name"),
    );
    let null_name = set(position(3, "C"), "companyName", Value::Null);
    let typed = set(
        set(position(4, "D"), "companyName", json!("Typed Inc")),
        "companyUrn",
        json!("urn:li:fsd_company:4"),
    );
    let doc = with_positions(
        vec![dangling, resolved_null_name, null_name, typed],
        vec![set(company(2, "x"), "name", Value::Null)],
    );
    let p = parse(&doc);
    let companies: Vec<(Option<&str>, Option<&str>)> = p
        .positions
        .iter()
        .map(|p| (p.company_name.as_deref(), p.company_urn.as_deref()))
        .collect();
    assert_eq!(
        companies,
        vec![
            // The reference says "Unknown Company": we leave it unknown.
            (None, None),
            // A resolved company's name wins, even when null (as in the reference).
            (None, Some("urn:li:fsd_company:2")),
            (None, None),
            (Some("Typed Inc"), Some("urn:li:fsd_company:4")),
        ]
    );
}

#[test]
fn untitled_positions() {
    let doc = with_positions(
        vec![
            unset(position(1, "x"), "title"),
            set(position(2, "x"), "title", json!("")),
            set(position(3, "x"), "title", json!(42)),
        ],
        vec![],
    );
    let titles: Vec<String> = parse(&doc).positions.into_iter().map(|p| p.title).collect();
    assert_eq!(titles, vec!["Unknown Title"; 3]);
}

#[test]
fn dangling_elements_are_skipped() {
    let mut doc = with_positions(vec![position(1, "One"), position(2, "Two")], vec![]);
    let included = doc["included"].as_array_mut().unwrap();
    let collection = included
        .iter_mut()
        .find(|e| e["entityUrn"] == "urn:li:collectionResponse:positions")
        .unwrap();
    collection["*elements"] = json!([
        "urn:li:fsd_profilePosition:(1,404)",
        "urn:li:fsd_profilePosition:(1,2)",
        17,
        "urn:li:fsd_profilePosition:(1,1)",
    ]);
    let titles: Vec<String> = parse(&doc).positions.into_iter().map(|p| p.title).collect();
    assert_eq!(titles, vec!["Two", "One"]);
}

#[test]
fn date_ranges() {
    let ym = |year, month| Some(YearMonth { year, month });
    let table: Vec<(Value, Option<YearMonth>, Option<YearMonth>)> = vec![
        (json!({}), None, None),
        (json!({"start": {}}), None, None),
        (json!(null), None, None),
        (json!("2020"), None, None),
        (json!({"start": {"year": 2020}}), ym(Some(2020), None), None),
        (json!({"start": {"month": 5}}), ym(None, Some(5)), None),
        (json!({"start": {"year": "2020", "month": 13}}), None, None),
        (json!({"start": {"year": 1e20}}), None, None),
        (
            json!({"start": {"year": 2001, "month": 1, "$type": "com.linkedin.common.Date"}, "end": {"year": 2002, "month": 12}}),
            ym(Some(2001), Some(1)),
            ym(Some(2002), Some(12)),
        ),
    ];
    for (range, start, end) in table {
        let doc = with_positions(
            vec![set(position(1, "A"), "dateRange", range.clone())],
            vec![],
        );
        let p = parse(&doc);
        assert_eq!(
            (p.positions[0].start, p.positions[0].end),
            (start, end),
            "{range}"
        );
    }
}

#[test]
fn location_name_wins_over_geo() {
    let entity = set(
        set(full(1, "a", "A", "B"), "locationName", json!("Munich")),
        "*geo",
        json!("urn:li:fsd_geo:1"),
    );
    let p = parse(&wrap(vec![entity, geo(1, "Bavaria, Germany")]));
    assert_eq!(p.location_name.as_deref(), Some("Munich"));
    // An empty locationName falls back to the geo.
    let entity = set(
        set(full(1, "a", "A", "B"), "locationName", json!("")),
        "*geo",
        json!("urn:li:fsd_geo:1"),
    );
    let p = parse(&wrap(vec![entity, geo(1, "Bavaria, Germany")]));
    assert_eq!(p.location_name.as_deref(), Some("Bavaria, Germany"));
}

#[test]
fn duplicate_urn_last_wins() {
    let entity = set(full(1, "a", "A", "B"), "*geo", json!("urn:li:fsd_geo:1"));
    let p = parse(&wrap(vec![entity, geo(1, "First"), geo(1, "Second")]));
    assert_eq!(p.location_name.as_deref(), Some("Second"));
}

#[test]
fn names() {
    // A null first name is just missing (the reference writes "None Doe").
    let doc = wrap(vec![set(
        full(1, "a", "A", "Doe"),
        "firstName",
        Value::Null,
    )]);
    let p = parse(&doc);
    assert_eq!((p.first_name, p.full_name.as_deref()), (None, Some("Doe")));
    let doc = wrap(vec![unset(
        unset(full(1, "a", "A", "B"), "firstName"),
        "lastName",
    )]);
    let p = parse(&doc);
    assert_eq!((p.first_name, p.last_name, p.full_name), (None, None, None));
}

#[test]
fn url_sources() {
    let member = member_id(1);
    let member_url = format!("https://www.linkedin.com/in/{member}/");
    let table: Vec<(Value, Option<String>)> = vec![
        (
            full(1, "Jürgen-M", "J", "M"),
            Some("https://www.linkedin.com/in/j%C3%BCrgen-m/".into()),
        ),
        (
            unset(full(1, "x", "J", "M"), "publicIdentifier"),
            Some(member_url.clone()),
        ),
        (
            set(full(1, "x", "J", "M"), "publicIdentifier", Value::Null),
            Some(member_url.clone()),
        ),
        // An unusable vanity id falls back to the member id.
        (
            set(full(1, "x", "J", "M"), "publicIdentifier", json!("a b")),
            Some(member_url),
        ),
        (
            unset(
                unset(full(1, "x", "J", "M"), "publicIdentifier"),
                "entityUrn",
            ),
            None,
        ),
        (
            set(
                unset(full(1, "x", "J", "M"), "publicIdentifier"),
                "entityUrn",
                json!("urn:li:fsd_profile:short"),
            ),
            None,
        ),
    ];
    for (entity, want) in table {
        let doc = json!({"included": [entity.clone()]});
        assert_eq!(parse(&doc).url, want, "{entity}");
    }
}

#[test]
fn member_urn() {
    let doc = wrap(vec![set(
        full(1, "a", "A", "B"),
        "objectUrn",
        json!("urn:li:member:42"),
    )]);
    assert_eq!(parse(&doc).member_urn.as_deref(), Some("urn:li:member:42"));
    assert_eq!(parse(&wrap(vec![full(1, "a", "A", "B")])).member_urn, None);
}

#[test]
fn industry_list_takes_the_first_resolvable() {
    let entity = set(
        full(1, "a", "A", "B"),
        "*industry",
        json!([
            "urn:li:fsd_industry:404",
            "urn:li:fsd_industry:2",
            "urn:li:fsd_industry:3"
        ]),
    );
    let doc = wrap(vec![entity, industry(2, "Two"), industry(3, "Three")]);
    assert_eq!(parse(&doc).industry.as_deref(), Some("Two"));
}

#[test]
fn school_fallbacks() {
    let school = json!({"entityUrn": "urn:li:fsd_school:1", "name": "Drexel University"});
    let educations = vec![
        json!({"entityUrn": "urn:li:fsd_profileEducation:(1,1)", "*school": "urn:li:fsd_school:1", "schoolName": "Drexel"}),
        json!({"entityUrn": "urn:li:fsd_profileEducation:(1,2)", "*school": "urn:li:fsd_school:404", "schoolName": "Typed U"}),
        json!({"entityUrn": "urn:li:fsd_profileEducation:(1,3)"}),
    ];
    let p = parse(&with_educations(educations, vec![school]));
    let schools: Vec<Option<&str>> = p
        .educations
        .iter()
        .map(|e| e.school_name.as_deref())
        .collect();
    // The reference says "Unknown School" for the last one.
    assert_eq!(
        schools,
        vec![Some("Drexel University"), Some("Typed U"), None]
    );
}

#[test]
fn wrong_types_degrade() {
    // `included` of the wrong type, entities that are not objects, profile fields of the
    // wrong type: each reads as missing.
    let doc = json!({"data": {"*elements": ["u"]}, "included": {"u": 1}});
    assert_eq!(error(&doc, None), VoyagerError::NoProfile);
    let entity = json!({
        "$type": PROFILE_TYPE,
        "entityUrn": ["not", "a", "string"],
        "publicIdentifier": 12,
        "firstName": {"en": "A"},
        "lastName": ["B"],
        "headline": true,
        "location": [],
        "geoLocation": "urn:li:fsd_geo:1",
        "*industry": {"urn": "urn:li:fsd_industry:1"},
        "*profilePositionGroups": 3.5,
        "*profileEducations": ["urn:li:collectionResponse:e"],
        "$recipeTypes": "FullProfile",
    });
    let doc = json!({"included": [1, "x", null, [], entity, geo(1, "G"),
        {"entityUrn": "urn:li:collectionResponse:e", "*elements": "urn:li:fsd_profileEducation:1"},
        {"entityUrn": "urn:li:fsd_profileEducation:1", "schoolName": "S"}]});
    let p = parse(&doc);
    assert_eq!(p.urn, None);
    assert_eq!(p.url, None);
    assert_eq!(p.full_name, None);
    assert_eq!(p.headline, None);
    assert_eq!(p.location_name, None);
    assert_eq!(p.industry, None);
    assert!(p.positions.is_empty());
    // A URN list where one URN is expected and a single URN where a list is expected are
    // both read.
    assert_eq!(p.educations.len(), 1);
    assert_eq!(p.educations[0].school_name.as_deref(), Some("S"));
}

#[test]
fn profile_type_is_required_in_the_scan() {
    // An entity of another type is never selected by the scan, only by `*elements`.
    let impostor = set(full(1, "a", "A", "B"), "$type", json!("com.linkedin.Other"));
    assert_eq!(
        error(&json!({"included": [impostor.clone()]}), None),
        VoyagerError::NoProfile
    );
    let doc = json!({"data": {"*elements": [profile_urn(1)]}, "included": [impostor]});
    assert_eq!(parse(&doc).full_name.as_deref(), Some("A B"));
}
