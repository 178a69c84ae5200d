//! People search results (§7.4-S): 10 per page, `?keywords=…&origin=…&page=n` pagination,
//! "No results found" when empty.

use super::{PageCtx, document, encode_component, escape, global_nav, page_containers};
use crate::scenario::Person;

/// Results per page.
pub const PAGE_SIZE: usize = 10;

/// The parameters of a search page.
#[derive(Debug, Clone)]
pub struct SearchQuery {
    /// The keywords as typed (decoded).
    pub keywords: String,
    /// The `origin` parameter (kept in pagination links).
    pub origin: String,
    /// 1-based page number.
    pub page: usize,
}

fn page_href(q: &SearchQuery, page: usize) -> String {
    let query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("keywords", &q.keywords)
        .append_pair("origin", &q.origin)
        .append_pair("page", &page.to_string())
        .finish();
    format!("?{query}")
}

/// Renders one page of `matches` (all matches; this function slices the page).
pub fn render(
    ctx: &PageCtx,
    q: &SearchQuery,
    matches: &[&Person],
    duplicate_links: bool,
) -> String {
    let total = matches.len();
    let pages = total.div_ceil(PAGE_SIZE);
    let start = (q.page.max(1) - 1) * PAGE_SIZE;
    let shown: Vec<&&Person> = matches.iter().skip(start).take(PAGE_SIZE).collect();
    let mut items = String::new();
    for p in &shown {
        let mini = format!(
            "?miniProfileUrn={}",
            encode_component(&format!("urn:li:fs_miniProfile:{}", p.profile_id))
        );
        let href = escape(&ctx.in_href(&format!("/in/{}{}", encode_component(&p.handle), mini)));
        let image = if duplicate_links {
            format!(
                "<a class=\"app-aware-link entity-result__image\" href=\"{href}\" aria-hidden=\"true\" tabindex=\"-1\">\
                 <span class=\"presence-entity__image\">{}</span></a>",
                escape(&initials(p))
            )
        } else {
            String::new()
        };
        items.push_str(&format!(
            "<li class=\"reusable-search__result-container\"><div class=\"entity-result\" data-chameleon-result-urn=\"urn:li:member:{member}\">\
             {image}<span class=\"entity-result__title-text\"><a class=\"app-aware-link\" href=\"{href}\">\
             <span dir=\"ltr\"><span aria-hidden=\"true\">{name}</span>\
             <span class=\"visually-hidden\">View {name}’s profile</span></span></a></span>\
             <div class=\"entity-result__primary-subtitle t-14 t-black t-normal\">{headline}</div>\
             <div class=\"entity-result__secondary-subtitle t-14 t-normal\">{location}</div></div></li>",
            member = p.member_id,
            name = escape(&p.full_name()),
            headline = escape(&p.headline),
            location = escape(&p.location),
        ));
    }
    let results = if shown.is_empty() {
        "<div class=\"search-reusable-search-no-results artdeco-card\">\
         <h2 class=\"artdeco-empty-state__headline\">No results found</h2>\
         <p>Try shortening or rephrasing your search.</p></div>"
            .to_string()
    } else {
        let mut pagination = String::new();
        if pages > 1 {
            pagination.push_str(
                "<div class=\"artdeco-pagination\"><ul class=\"artdeco-pagination__pages\">",
            );
            for n in 1..=pages {
                let current = if n == q.page { " active selected" } else { "" };
                pagination.push_str(&format!(
                    "<li class=\"artdeco-pagination__indicator{current}\" data-test-pagination-page-btn=\"{n}\">\
                     <a href=\"{}\" aria-label=\"Page {n}\">{n}</a></li>",
                    escape(&page_href(q, n))
                ));
            }
            pagination.push_str("</ul>");
            if q.page < pages {
                pagination.push_str(&format!(
                    "<a class=\"artdeco-pagination__button--next\" href=\"{}\" aria-label=\"Next\">Next</a>",
                    escape(&page_href(q, q.page + 1))
                ));
            }
            pagination.push_str("</div>");
        }
        format!(
            "<div class=\"search-results-container artdeco-card\"><h2 class=\"pb2 t-black--light t-14\">About {total} results</h2>\
             <ul class=\"reusable-search__entity-result-list list-style-none\" role=\"list\">{items}</ul>{pagination}</div>"
        )
    };
    let body = format!(
        "{nav}<div class=\"scaffold-layout\"><main class=\"scaffold-layout__main\" aria-label=\"Search results\">{results}</main></div>{containers}",
        nav = global_nav(ctx),
        containers = page_containers(),
    );
    document(&format!("{} - Search", q.keywords), &body)
}

fn initials(p: &Person) -> String {
    p.first
        .chars()
        .take(1)
        .chain(p.last.chars().take(1))
        .collect()
}
