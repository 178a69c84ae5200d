//! Which profiles a page's links lead to.

use outlane_linkedin::{ProfileId, profile_links};

const MEMBER: &str = "ACoAAB3xYzQBcDeFgHiJkLmNoPqRsTuVwXyZ012";

fn vanity(id: &str) -> ProfileId {
    ProfileId::Vanity(id.into())
}

/// Discovers from one link on `page`, the viewer being `self-user`.
fn one(page: &str, href: &str) -> Vec<ProfileId> {
    profile_links(page, &[href.to_string()], &[vanity("self-user")])
}

#[test]
fn one_link_at_a_time() {
    let feed = "https://www.linkedin.com/feed/";
    let profile_page = "https://www.linkedin.com/in/someone/";
    let member = ProfileId::Member(MEMBER.into());
    let member_query = format!("/in/{MEMBER}?trk=search");
    let member_absolute = format!("https://www.linkedin.com/in/{MEMBER}/");
    let table: Vec<(&str, &str, Vec<ProfileId>)> = vec![
        // Root-relative, absolute, protocol-relative.
        (feed, "/in/jane-doe/", vec![vanity("jane-doe")]),
        (feed, "/in/jane-doe", vec![vanity("jane-doe")]),
        (
            feed,
            "https://www.linkedin.com/in/jane-doe/",
            vec![vanity("jane-doe")],
        ),
        (
            feed,
            "http://www.linkedin.com/in/jane-doe/",
            vec![vanity("jane-doe")],
        ),
        (
            feed,
            "//www.linkedin.com/in/jane-doe/",
            vec![vanity("jane-doe")],
        ),
        (
            feed,
            "https://de.linkedin.com/in/jane-doe/",
            vec![vanity("jane-doe")],
        ),
        // Query strings, fragments and sub-paths name the same person.
        (
            feed,
            "/in/jane-doe/?miniProfileUrn=urn%3Ali%3Afs&trk=x",
            vec![vanity("jane-doe")],
        ),
        (feed, "/in/jane-doe#experience", vec![vanity("jane-doe")]),
        (
            feed,
            "/in/jane-doe/details/experience/",
            vec![vanity("jane-doe")],
        ),
        (
            feed,
            "/in/jane-doe/overlay/contact-info/",
            vec![vanity("jane-doe")],
        ),
        // Case: vanity ids are case-insensitive; member ids keep their case.
        (feed, "/in/Jane-DOE/", vec![vanity("jane-doe")]),
        (feed, &member_query, vec![member.clone()]),
        (feed, &member_absolute, vec![member]),
        // White space around the attribute.
        (feed, "  \n/in/jane-doe/\t ", vec![vanity("jane-doe")]),
        // Path-relative: resolved against the page's directory.
        (
            profile_page,
            "../other-person/",
            vec![vanity("other-person")],
        ),
        (feed, "in/jane-doe", vec![]),
        (feed, "../in/jane-doe", vec![vanity("jane-doe")]),
        (feed, "/in/../company/acme/", vec![]),
        // The viewer, `me` and pages that are not profiles.
        (feed, "/in/self-user/", vec![]),
        (
            feed,
            "https://www.linkedin.com/in/Self-User/details/",
            vec![],
        ),
        (feed, "/in/me/", vec![]),
        (feed, "https://www.linkedin.com/in/me", vec![]),
        (feed, "/company/acme/", vec![]),
        (feed, "/feed/", vec![]),
        (feed, "/in/", vec![]),
        (feed, "/pub/jane-doe/1/2/3", vec![]),
        // Foreign hosts (the reference keeps these), and links that are not web pages.
        (feed, "https://other.site/in/foo", vec![]),
        (feed, "//other.site/in/foo", vec![]),
        (feed, "https://linkedin.com.evil.com/in/foo", vec![]),
        (feed, "mailto:jane@example.com", vec![]),
        (feed, "javascript:void(0)", vec![]),
        (feed, "tel:+123", vec![]),
        (feed, "ftp://www.linkedin.com/in/jane-doe/", vec![]),
        (feed, "", vec![]),
        (feed, "   ", vec![]),
        (feed, "#", vec![]),
        // Ids no LinkedIn member has.
        (feed, "/in/john%20doe/", vec![]),
        (feed, "/in/a%2Fb/", vec![]),
    ];
    assert!(table.len() >= 20);
    for (page, href, want) in table {
        assert_eq!(one(page, href), want, "page {page:?}, href {href:?}");
    }
}

#[test]
fn duplicates_count_once_in_first_seen_order() {
    let hrefs: Vec<String> = [
        "/in/bob/",
        "https://www.linkedin.com/in/alice/details/experience/",
        "/in/alice/",
        "/in/Bob?trk=feed",
        "//www.linkedin.com/in/carol",
        "/in/me/",
        "/in/self-user/",
        "https://www.linkedin.com/in/alice/?x=1",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let own = [vanity("self-user"), ProfileId::Member(MEMBER.into())];
    let found = profile_links("https://www.linkedin.com/feed/", &hrefs, &own);
    assert_eq!(found, vec![vanity("bob"), vanity("alice"), vanity("carol")]);
}

#[test]
fn own_ids_of_both_kinds_are_dropped() {
    let hrefs = vec![format!("/in/{MEMBER}/"), "/in/self-user/".to_string()];
    let own = [vanity("self-user"), ProfileId::Member(MEMBER.into())];
    assert!(profile_links("https://www.linkedin.com/feed/", &hrefs, &own).is_empty());
    // Without `own`, both are people like any other.
    assert_eq!(
        profile_links("https://www.linkedin.com/feed/", &hrefs, &[]).len(),
        2
    );
}

#[test]
fn pages_of_a_simulator_count_as_linkedin() {
    let page = "http://127.0.0.1:8080/feed/";
    let hrefs: Vec<String> = [
        "/in/jane/",
        "http://127.0.0.1:8080/in/joe/",
        "http://127.0.0.1:9999/in/other-port/",
        "https://www.linkedin.com/in/real/",
        "https://other.site/in/foo",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_eq!(
        profile_links(page, &hrefs, &[]),
        vec![vanity("jane"), vanity("joe"), vanity("real")]
    );
}

#[test]
fn an_unknown_page_url_still_reads_absolute_links() {
    let hrefs: Vec<String> = [
        "/in/jane/",
        "in/relative",
        "https://www.linkedin.com/in/joe/",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_eq!(
        profile_links("", &hrefs, &[]),
        vec![vanity("jane"), vanity("joe")]
    );
}
