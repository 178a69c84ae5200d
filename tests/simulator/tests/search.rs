//! People search (§7.4-S): matching, pagination, links and the empty state.

mod common;

use common::{Client, count, small};
use outlane_simulator::Scenario;

async fn signed_in(s: Scenario) -> Client {
    let mut c = Client::new(s);
    c.login().await;
    c
}

fn result_handles(html: &str) -> Vec<String> {
    html.split("<a class=\"app-aware-link\" href=\"/in/")
        .skip(1)
        .filter_map(|rest| rest.split('?').next())
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn matches_all_tokens_case_insensitively() {
    let mut c = signed_in(small()).await;
    let r = c
        .get("/search/results/people/?keywords=VP+Sales+%26+payments&origin=GLOBAL_SEARCH_HEADER")
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(result_handles(&r.body), vec!["ana-ribeiro"]);
    // Industry and location match too.
    let r = c
        .get("/search/results/people/?keywords=financial+services&origin=GLOBAL_SEARCH_HEADER")
        .await;
    let handles = result_handles(&r.body);
    assert!(
        handles.contains(&"ana-ribeiro".to_string())
            && handles.contains(&"carla-rossi".to_string())
    );
    let r = c
        .get("/search/results/people/?keywords=milan&origin=GLOBAL_SEARCH_HEADER")
        .await;
    assert_eq!(result_handles(&r.body), vec!["carla-rossi"]);
    // Names are not searched.
    let r = c
        .get("/search/results/people/?keywords=ribeiro&origin=GLOBAL_SEARCH_HEADER")
        .await;
    assert!(r.body.contains("No results found"));
}

#[tokio::test]
async fn result_links_carry_the_mini_profile_urn() {
    let mut c = signed_in(small()).await;
    let r = c
        .get("/search/results/people/?keywords=vp+sales&origin=GLOBAL_SEARCH_HEADER")
        .await;
    let pid = c
        .state
        .with(|w| w.person("ana-ribeiro").map(|p| p.profile_id.clone()))
        .unwrap_or_default();
    assert!(r.body.contains(&format!(
        "href=\"/in/ana-ribeiro?miniProfileUrn=urn%3Ali%3Afs_miniProfile%3A{pid}\""
    )));
    assert!(
        r.body
            .contains("<span aria-hidden=\"true\">Ana Ribeiro</span>")
    );
    assert!(r.body.contains("VP of Sales at Acme Payments"));
    assert!(r.body.contains("Lisbon, Lisbon, Portugal"));
    assert!(
        r.body
            .contains("<ul class=\"reusable-search__entity-result-list")
    );
}

#[tokio::test]
async fn no_results() {
    let mut c = signed_in(small()).await;
    let r = c
        .get("/search/results/people/?keywords=zzzz-nothing&origin=GLOBAL_SEARCH_HEADER")
        .await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("No results found"));
    assert_eq!(count(&r.body, "reusable-search__result-container"), 0);
}

#[tokio::test]
async fn ten_per_page_with_pagination_links() {
    let mut c = signed_in(Scenario::generate(42, 60)).await;
    // Every generated headline names a title; "a" matches nearly everyone.
    let all = c.state.with(|w| w.search("a").len());
    assert!(all > 20, "{all}");
    let r = c
        .get("/search/results/people/?keywords=a&origin=GLOBAL_SEARCH_HEADER")
        .await;
    assert_eq!(result_handles(&r.body).len(), 10);
    assert!(
        r.body
            .contains("href=\"?keywords=a&amp;origin=GLOBAL_SEARCH_HEADER&amp;page=2\"")
    );
    let pages = all.div_ceil(10);
    assert!(r.body.contains(&format!("aria-label=\"Page {pages}\"")));
    let p2 = c
        .get("/search/results/people/?keywords=a&origin=GLOBAL_SEARCH_HEADER&page=2")
        .await;
    let first: Vec<String> = result_handles(&r.body);
    let second: Vec<String> = result_handles(&p2.body);
    assert_eq!(second.len(), 10.min(all - 10));
    assert!(first.iter().all(|h| !second.contains(h)));
    let last = c
        .get(&format!(
            "/search/results/people/?keywords=a&origin=GLOBAL_SEARCH_HEADER&page={pages}"
        ))
        .await;
    assert_eq!(result_handles(&last.body).len(), all - (pages - 1) * 10);
    let beyond = c
        .get(&format!(
            "/search/results/people/?keywords=a&origin=GLOBAL_SEARCH_HEADER&page={}",
            pages + 1
        ))
        .await;
    assert!(beyond.body.contains("No results found"));
    // Multi-word keywords are form-encoded in the pagination links.
    let r = c
        .get("/search/results/people/?keywords=a+e&origin=GLOBAL_SEARCH_HEADER")
        .await;
    if c.state.with(|w| w.search("a e").len()) > 10 {
        assert!(
            r.body
                .contains("?keywords=a+e&amp;origin=GLOBAL_SEARCH_HEADER&amp;page=2")
        );
    }
}

#[tokio::test]
async fn options_duplicate_links_and_self() {
    let mut s = small();
    s.search_duplicate_links = true;
    s.search_include_self = true;
    let mut c = signed_in(s).await;
    let r = c
        .get("/search/results/people/?keywords=founder&origin=GLOBAL_SEARCH_HEADER")
        .await;
    assert!(r.body.contains("href=\"/in/sam-carter?miniProfileUrn="));
    let r = c
        .get("/search/results/people/?keywords=vp+sales&origin=GLOBAL_SEARCH_HEADER")
        .await;
    assert_eq!(count(&r.body, "href=\"/in/ana-ribeiro?miniProfileUrn="), 2);
}
