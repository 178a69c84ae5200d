//! The seeded population generator and the scenario format.

mod common;

use std::collections::HashSet;

use outlane_simulator::{
    Distance, InitialRelationship, MessageVariant, Scenario, ScenarioError, UiVariant,
};

#[test]
fn same_seed_same_json_different_seed_different() {
    let a = Scenario::generate(7, 120).to_json();
    let b = Scenario::generate(7, 120).to_json();
    assert_eq!(a, b);
    let c = Scenario::generate(8, 120).to_json();
    assert_ne!(a, c);
    // A prefix of the population does not depend on the population size.
    let small = Scenario::generate(7, 10);
    let large = Scenario::generate(7, 120);
    assert_eq!(small.people[..], large.people[..10]);
}

#[test]
fn json_round_trip() {
    let s = Scenario::generate(5, 30);
    let back = Scenario::from_json(&s.to_json()).expect("round trip");
    assert_eq!(s, back);
}

#[test]
fn population_is_varied_and_realistic() {
    let s = Scenario::generate(2024, 400);
    assert_eq!(s.people.len(), 400);
    let handles: HashSet<_> = s.people.iter().map(|p| p.handle.as_str()).collect();
    assert_eq!(handles.len(), 400, "unique handles");
    let ids: HashSet<_> = s.people.iter().map(|p| p.profile_id.as_str()).collect();
    assert_eq!(ids.len(), 400, "unique profile ids");
    let members: HashSet<_> = s.people.iter().map(|p| p.member_id).collect();
    assert_eq!(members.len(), 400, "unique member ids");
    assert!(!handles.contains(s.viewer.profile.handle.as_str()));
    for (i, p) in s.people.iter().enumerate() {
        assert!(p.handle.ends_with(&format!("-{}", i + 1)), "{}", p.handle);
        assert!(
            p.handle
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "{}",
            p.handle
        );
        assert!(p.profile_id.starts_with("ACoAA") && p.profile_id.len() == 39);
        assert!((1..=4).contains(&p.positions.len()));
        assert!(p.educations.len() <= 2);
        assert!(
            p.positions[1..].iter().all(|x| x.end.is_some()),
            "only the first job may be current"
        );
        for w in p.positions.windows(2) {
            assert!(
                w[0].start.year >= w[1].start.year,
                "newest first: {}",
                p.handle
            );
        }
        for pos in &p.positions {
            if let Some(end) = pos.end {
                assert!(end.year >= pos.start.year, "{}", p.handle);
            }
            assert!(pos.company_urn.starts_with("urn:li:fsd_company:"));
        }
        for ed in &p.educations {
            if let (Some(a), Some(b)) = (ed.start, ed.end) {
                assert!(b.year > a.year);
            }
        }
        assert!(p.geo.urn.starts_with("urn:li:fsd_geo:"));
        assert_eq!(p.country_code.len(), 2);
        assert!(p.industry.is_some());
        let headline = &p.headline;
        for bad in ["Pending", "1st", "1º", "1er"] {
            assert!(!headline.contains(bad), "{headline}");
        }
    }
    let distinct = |f: &dyn Fn(&outlane_simulator::Person) -> String| {
        s.people.iter().map(f).collect::<HashSet<_>>().len()
    };
    assert!(distinct(&|p| p.first.clone()) >= 30);
    assert!(distinct(&|p| p.last.clone()) >= 30);
    assert!(
        distinct(&|p| p
            .industry
            .as_ref()
            .map(|i| i.name.clone())
            .unwrap_or_default())
            >= 15
    );
    assert!(distinct(&|p| p.positions[0].company_name.clone()) >= 40);
    assert!(distinct(&|p| p.positions[0].title.clone()) >= 25);
    assert!(distinct(&|p| p.location.clone()) >= 15);
    assert!(distinct(&|p| p.country_code.clone()) >= 10);
    let share = |f: &dyn Fn(&outlane_simulator::Person) -> bool| {
        s.people.iter().filter(|p| f(p)).count() * 100 / s.people.len()
    };
    let direct = share(&|p| p.ui_variant == UiVariant::DirectConnect);
    assert!((55..=85).contains(&direct), "direct_connect {direct}%");
    for v in [
        UiVariant::FollowPrimaryConnectInMore,
        UiVariant::ConnectInMorePortal,
        UiVariant::Sdui,
        UiVariant::NoConnect,
    ] {
        let n = share(&|p| p.ui_variant == v);
        assert!((1..=20).contains(&n), "{v:?} {n}%");
    }
    let button = share(&|p| p.message_variant == MessageVariant::DirectButton);
    assert!((65..=90).contains(&button), "direct_button {button}%");
    assert!(share(&|p| p.message_variant == MessageVariant::OverflowOnly) >= 3);
    assert!(share(&|p| p.message_variant == MessageVariant::None) >= 2);
    let accept = share(&|p| p.accept_after_ms.is_some());
    assert!((50..=70).contains(&accept), "accept_after {accept}%");
    assert!(share(&|p| p.distance == Distance::Distance3) >= 10);
    assert!(share(&|p| p.relationship == InitialRelationship::Connected) >= 5);
    // Seniorities and functions: titles from juniors to executives and founders.
    let titles: HashSet<_> = s
        .people
        .iter()
        .flat_map(|p| p.positions.iter().map(|x| x.title.as_str()))
        .collect();
    for t in [
        "Sales Development Representative",
        "VP of Sales",
        "Software Engineer",
        "Chief Financial Officer",
        "HR Business Partner",
        "Founder",
        "Head of Marketing",
    ] {
        assert!(titles.contains(t), "{t}");
    }
}

#[test]
fn viewer_credentials_are_fixed() {
    let s = Scenario::generate(1, 3);
    assert_eq!(s.viewer.email, outlane_simulator::generate::VIEWER_EMAIL);
    assert_eq!(
        s.viewer.password,
        outlane_simulator::generate::VIEWER_PASSWORD
    );
    assert!(s.viewer.profile.handle.ends_with("-0"));
}

#[test]
fn small_json_covers_every_variant() {
    let s = common::small();
    let ui: HashSet<_> = s
        .people
        .iter()
        .map(|p| format!("{:?}", p.ui_variant))
        .collect();
    assert_eq!(ui.len(), 5);
    let msg: HashSet<_> = s
        .people
        .iter()
        .map(|p| format!("{:?}", p.message_variant))
        .collect();
    assert_eq!(msg.len(), 3);
    let rel: HashSet<_> = s
        .people
        .iter()
        .map(|p| format!("{:?}", p.relationship))
        .collect();
    assert_eq!(rel.len(), 3);
    assert!(s.people.iter().any(|p| p.restricted));
    assert!(s.people.iter().any(|p| p.email_required));
    assert!(s.people.iter().any(|p| p.canonical_handle.is_some()));
    assert!(s.people.iter().any(|p| p.fixture));
    // Derived identifiers are filled.
    let ben = common::person(&s, "ben-okafor");
    assert!(ben.profile_id.starts_with("ACoAA"));
    assert!(ben.member_id > 0);
    assert!(ben.geo.urn.starts_with("urn:li:fsd_geo:"));
    assert_eq!(ben.geo.name_without_country, "London, England");
    assert!(
        ben.industry
            .as_ref()
            .is_some_and(|i| i.urn.starts_with("urn:li:fsd_industry:"))
    );
    assert_eq!(s.weekly_limit, Some(5));
    assert_eq!(s.reinvite_cooldown_days, 21);
}

#[test]
fn minimal_scenario_json_and_errors() {
    let s = Scenario::from_json(
        r#"{"viewer":{"email":"a@b.c","password":"p","handle":"me-x","first":"A","last":"B"},
            "people":[{"handle":"jane","first":"Jane","last":"Doe"}]}"#,
    )
    .expect("minimal scenario");
    assert_eq!(s.weekly_limit, Some(100));
    assert_eq!(s.daily_limit, None);
    assert_eq!(s.clock_factor, 1.0);
    assert_eq!(s.people[0].ui_variant, UiVariant::DirectConnect);
    assert!(s.people[0].exists);
    let unlimited = Scenario::from_json(
        r#"{"viewer":{"email":"a","password":"p","handle":"v","first":"A","last":"B"},"people":[],"weekly_limit":null}"#,
    )
    .expect("parses");
    assert_eq!(unlimited.weekly_limit, None);
    let dup = Scenario::from_json(
        r#"{"viewer":{"email":"a","password":"p","handle":"v","first":"A","last":"B"},
            "people":[{"handle":"x","first":"X","last":"Y"},{"handle":"x","first":"X","last":"Z"}]}"#,
    );
    assert!(matches!(dup, Err(ScenarioError::DuplicateHandle(h)) if h == "x"));
    let bad = Scenario::from_json(
        r#"{"viewer":{"email":"a","password":"p","handle":"v","first":"A","last":"B"},"people":[{"handle":"a/b","first":"X","last":"Y"}]}"#,
    );
    assert!(matches!(bad, Err(ScenarioError::InvalidHandle(_))));
    assert!(matches!(
        Scenario::from_json("{"),
        Err(ScenarioError::Json(_))
    ));
    let with_fault = Scenario::from_json(
        r#"{"viewer":{"email":"a","password":"p","handle":"v","first":"A","last":"B"},"people":[],
            "faults":[{"kind":"voyager_status","status":429,"times":2,"handles":["x"]},{"kind":"error_toast"}]}"#,
    )
    .expect("faults parse");
    assert_eq!(with_fault.faults.len(), 2);
    assert_eq!(with_fault.faults[0].times, Some(2));
}
