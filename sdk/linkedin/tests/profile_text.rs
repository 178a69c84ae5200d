//! The text a profile is embedded from.

use outlane_linkedin::{Education, Position, Profile, parse_profile, profile_text};

fn empty() -> Profile {
    Profile {
        url: None,
        urn: None,
        member_urn: None,
        public_identifier: None,
        first_name: None,
        last_name: None,
        full_name: None,
        headline: None,
        summary: None,
        location_name: None,
        country_code: None,
        industry: None,
        positions: vec![],
        educations: vec![],
        connection_distance: None,
        connection_degree: None,
        invitation_pending: false,
    }
}

fn position(
    title: &str,
    company: Option<&str>,
    location: Option<&str>,
    description: Option<&str>,
) -> Position {
    Position {
        title: title.into(),
        company_name: company.map(Into::into),
        company_urn: Some("urn:li:fsd_company:1".into()),
        location: location.map(Into::into),
        start: None,
        end: None,
        description: description.map(Into::into),
    }
}

fn education(degree: Option<&str>, field: Option<&str>, school: Option<&str>) -> Education {
    Education {
        school_name: school.map(Into::into),
        degree_name: degree.map(Into::into),
        field_of_study: field.map(Into::into),
        start: None,
        end: None,
    }
}

#[test]
fn the_fixture() {
    let profile = parse_profile(
        include_str!("../../../tests/data/voyager/linkedin_profile.json"),
        None,
    )
    .unwrap();
    let want = "\
Headline: Research Scientist, MIT
Location: Cambridge, Massachusetts, United States
Industry: Higher Education
Summary: Research in AI, human-robot interaction, autonomous vehicles, and machine learning at MIT.
Experience: Research Scientist at Massachusetts Institute of Technology: Research in human-centered AI, especially in the context of autonomous vehicles. I'm particularly interested in understanding human-robot collaboration and engineering learning-based methods that enrich that collaboration.
Experience: Researcher at Google (Mountain View, CA): Machine learning research with a focus on active authentication.
Education: Doctor of Philosophy (Ph.D.), Computer Science, Drexel University";
    assert_eq!(profile_text(&profile), want);
}

#[test]
fn the_reference_example_plus_the_degree() {
    // ref-core §2.2's example; the reference loses "MSc" (it reads `degree`).
    let profile = Profile {
        headline: Some("CTO @ Acme".into()),
        location_name: Some("Berlin".into()),
        industry: Some("IT".into()),
        positions: vec![position("CTO", Some("Acme"), None, Some("Leads"))],
        educations: vec![education(Some("MSc"), Some("CS"), Some("MIT"))],
        ..empty()
    };
    assert_eq!(
        profile_text(&profile),
        "Headline: CTO @ Acme\nLocation: Berlin\nIndustry: IT\nExperience: CTO at Acme: Leads\nEducation: MSc, CS, MIT"
    );
}

#[test]
fn names_and_url_are_left_out() {
    let profile = Profile {
        url: Some("https://www.linkedin.com/in/jane-doe/".into()),
        public_identifier: Some("jane-doe".into()),
        first_name: Some("Jane".into()),
        last_name: Some("Doe".into()),
        full_name: Some("Jane Doe".into()),
        headline: Some("Engineer".into()),
        ..empty()
    };
    let renamed = Profile {
        url: Some("https://www.linkedin.com/in/john-roe/".into()),
        public_identifier: Some("john-roe".into()),
        first_name: Some("John".into()),
        last_name: Some("Roe".into()),
        full_name: Some("John Roe".into()),
        ..profile.clone()
    };
    assert_eq!(profile_text(&profile), "Headline: Engineer");
    assert_eq!(profile_text(&profile), profile_text(&renamed));
}

#[test]
fn empty_parts_are_skipped() {
    assert_eq!(profile_text(&empty()), "");
    let profile = Profile {
        headline: Some("   ".into()),
        summary: Some("Line one.\n\n  Line   two.".into()),
        positions: vec![
            position("Unknown Title", None, None, None),
            position("Unknown Title", Some("Acme"), None, None),
            position("Founder", None, Some("Paris"), None),
            position(
                "Unknown Title",
                None,
                Some("Remote"),
                Some("Freelance work"),
            ),
            position("  ", Some(" "), Some(""), Some("\n")),
        ],
        educations: vec![
            education(None, None, None),
            education(None, None, Some("MIT")),
            education(Some("BSc"), None, Some("ETH")),
            education(Some(""), Some("Physics"), None),
        ],
        ..empty()
    };
    assert_eq!(
        profile_text(&profile),
        "Summary: Line one. Line two.\n\
         Experience: Acme\n\
         Experience: Founder (Paris)\n\
         Experience: (Remote): Freelance work\n\
         Education: MIT\n\
         Education: BSc, ETH\n\
         Education: Physics"
    );
}

#[test]
fn order_is_stable() {
    let profile = Profile {
        summary: Some("S".into()),
        industry: Some("I".into()),
        location_name: Some("L".into()),
        headline: Some("H".into()),
        positions: vec![
            position("A", None, None, None),
            position("B", None, None, None),
        ],
        educations: vec![
            education(Some("D1"), None, None),
            education(Some("D2"), None, None),
        ],
        ..empty()
    };
    let text = profile_text(&profile);
    assert_eq!(
        text,
        "Headline: H\nLocation: L\nIndustry: I\nSummary: S\nExperience: A\nExperience: B\nEducation: D1\nEducation: D2"
    );
    assert_eq!(profile_text(&profile.clone()), text);
}
