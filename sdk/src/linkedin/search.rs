//! LinkedIn People search, one results page at a time.

use super::page::{self, form_encode};
use crate::Result;
use crate::browser::{self, css};
use outlane_linkedin::{ProfileId, profile_links};

/// One page of search results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchPage {
    /// People on the page, in order, without duplicates.
    pub people: Vec<ProfileId>,
    /// Whether a next page is linked.
    pub has_next: bool,
}

/// The URL of page `page` (from 1) of a People search for `keywords`.
pub fn search_url(keywords: &str, page: u32) -> String {
    let mut url = format!(
        "https://www.linkedin.com/search/results/people/?keywords={}&origin=GLOBAL_SEARCH_HEADER",
        form_encode(keywords.trim())
    );
    if page > 1 {
        url.push_str(&format!("&page={page}"));
    }
    url
}

/// Runs the search and reads page `page`; `own` ids are left out of the results.
pub fn search_people(keywords: &str, page: u32, own: &[ProfileId]) -> Result<SearchPage> {
    let page = page.max(1);
    let at = browser::goto(&search_url(keywords, page))?;
    if !page::url_path(&at.url).starts_with("/search/results/") {
        return Err(crate::Error::transient(format!(
            "the search ended on {} instead of the results",
            at.url
        )));
    }
    let results = "main a[href*=\"/in/\"], ul a[href*=\"/in/\"]";
    // Results may be drawn after the load event.
    let none = css("main, body").with_text("No results found");
    super::page::first_of(&[css(results), none], super::page::REACTION_MS)?;
    let hrefs = browser::attrs(&css(results), "href")?;
    let people = profile_links(&at.url, &hrefs, own);
    let next = format!("page={}", page + 1);
    // Page links on some layouts, a Next button on others.
    let has_next = browser::attrs(&css("a[href*=\"page=\"]"), "href")?
        .iter()
        .any(|h| h.contains(&next))
        || browser::exists(&css("button[aria-label=\"Next\"]:not([disabled])").visible())?;
    Ok(SearchPage { people, has_next })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_urls() {
        assert_eq!(
            search_url("VP Sales SaaS & fintech", 1),
            "https://www.linkedin.com/search/results/people/?keywords=VP+Sales+SaaS+%26+fintech&origin=GLOBAL_SEARCH_HEADER"
        );
        assert!(search_url("cto", 3).ends_with("&page=3"));
    }
}
