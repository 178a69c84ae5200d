//! The search lane (the lowest-priority filler): when the pipeline runs low, it runs one
//! LinkedIn People search with the campaign's next keyword, reads a few result pages and adds
//! the people as discovered leads. When no keyword is left, the LLM writes new ones (never
//! the ones already used).

use outlane_sdk::crm;
use outlane_sdk::linkedin::{self, ProfileId};
use outlane_sdk::prelude::*;
use serde_json::json;

/// The `search_keywords` prompt's reply (its schema comes from this type).
#[derive(Debug, Clone, serde::Deserialize, schemars::JsonSchema)]
pub struct Keywords {
    /// People-search keywords, best first.
    pub keywords: Vec<String>,
}

impl Keywords {
    /// The keywords with spaces collapsed, blanks and duplicates (ignoring case) dropped, in
    /// the model's order.
    pub fn cleaned(&self) -> Vec<String> {
        let mut seen = std::collections::BTreeSet::new();
        self.keywords
            .iter()
            .map(|k| k.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|k| !k.is_empty() && seen.insert(k.to_lowercase()))
            .collect()
    }
}

/// Lane state key of a search that has not read all its pages yet.
const IN_PROGRESS_KEY: &str = "search-in-progress";

/// How many calls may fail on one keyword before it is dropped.
const MAX_ATTEMPTS: u32 = 3;

/// The search lane's configuration.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SearchConfig {
    /// Search only while fewer leads than this are discovered, enriched or qualified.
    /// Default 10.
    pub refill_below: u32,
    /// Result pages read per keyword. Default 2.
    pub pages: u32,
    /// Keywords asked of the LLM per refill. Default 10.
    pub n_keywords: u32,
}

impl Default for SearchConfig {
    fn default() -> Self {
        SearchConfig {
            refill_below: 10,
            pages: 2,
            n_keywords: 10,
        }
    }
}

/// A keyword whose search was begun, kept in the lane state so that a failure or a stop
/// resumes it rather than losing it (the CRM marks a keyword used when it is taken).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct InProgress {
    keyword: String,
    next_page: u32,
    attempts: u32,
    found: u32,
    new: u32,
}

/// The search lane.
#[derive(Debug, Clone)]
pub struct Search {
    config: SearchConfig,
}

impl Search {
    /// Asks the LLM for new keywords and stores them. Returns how many were new.
    fn refill(&self) -> Result<u32> {
        let campaign = crm::current_campaign()?;
        let used = crm::used_keywords()?;
        let vars = json!({
            "product_docs": campaign.product_docs,
            "campaign_objective": campaign.objective,
            "n_keywords": self.config.n_keywords,
            "exclude_keywords": used,
        });
        let reply: Keywords = llm::complete_json("search_keywords", &vars)?;
        let keywords = reply.cleaned();
        let new = if keywords.is_empty() {
            0
        } else {
            crm::add_keywords(&keywords)?
        };
        info!(
            "search: the LLM suggested {} keywords, {new} new ({} used before)",
            keywords.len(),
            used.len()
        );
        Ok(new)
    }

    /// The search to run: the one in progress, else the next keyword (asking the LLM for
    /// more when none is left). `None` when there is nothing to search for.
    fn next_search(&self) -> Result<Option<InProgress>> {
        if let Ok(Some(p)) = state::get_json::<InProgress>(IN_PROGRESS_KEY) {
            if p.attempts < MAX_ATTEMPTS && p.next_page <= self.config.pages {
                return Ok(Some(p));
            }
            warn!(
                "search: giving up on keyword {:?} after {} attempts",
                p.keyword, p.attempts
            );
        }
        state::delete(IN_PROGRESS_KEY)?;
        let keyword = match crm::take_keyword()? {
            Some(k) => Some(k),
            None if self.refill()? > 0 => crm::take_keyword()?,
            None => None,
        };
        Ok(keyword.map(|keyword| InProgress {
            keyword,
            next_page: 1,
            attempts: 0,
            found: 0,
            new: 0,
        }))
    }
}

impl Lane for Search {
    type Config = SearchConfig;
    const SUMMARY: &'static str =
        "refills the pipeline from LinkedIn People search with LLM-written keywords";

    fn new(config: SearchConfig) -> Result<Self> {
        if config.pages == 0 {
            return Err(Error::invalid("search: `pages` must be at least 1"));
        }
        if config.n_keywords == 0 {
            return Err(Error::invalid("search: `n_keywords` must be at least 1"));
        }
        Ok(Search { config })
    }

    fn readiness(&mut self, _ctx: &Context) -> Result<Readiness> {
        let waiting = crm::count(Stage::Discovered)?
            .saturating_add(crm::count(Stage::Enriched)?)
            .saturating_add(crm::count(Stage::Qualified)?);
        Ok(Readiness::when(waiting < self.config.refill_below, || {
            format!(
                "{waiting} leads wait to be enriched, qualified or invited (refills below {})",
                self.config.refill_below
            )
        }))
    }

    fn execute(&mut self, _ctx: &Context) -> Result<Report> {
        let Some(mut search) = self.next_search()? else {
            return Ok(Report::idle("the LLM suggested no new keyword"));
        };
        search.attempts += 1;
        state::set_json(IN_PROGRESS_KEY, &search)?;
        let own = linkedin::own::ids()?;
        let mut complete = false;
        while search.next_page <= self.config.pages {
            if host::should_stop() {
                break;
            }
            let page = linkedin::search::search_people(&search.keyword, search.next_page, &own)?;
            let urls: Vec<String> = page.people.iter().map(ProfileId::canonical_url).collect();
            let new = if urls.is_empty() {
                0
            } else {
                crm::discover(&urls)?
            };
            search.found += u32::try_from(urls.len()).unwrap_or(u32::MAX);
            search.new += new;
            search.next_page += 1;
            state::set_json(IN_PROGRESS_KEY, &search)?;
            if !page.has_next {
                complete = true;
                break;
            }
            if search.next_page <= self.config.pages {
                // A person reads a page before turning to the next.
                host::pause(2000, 6000);
            }
        }
        if complete || search.next_page > self.config.pages {
            state::delete(IN_PROGRESS_KEY)?;
        }
        let pages_read = search.next_page.saturating_sub(1);
        info!(
            "search: {:?}: {} people on {pages_read} page(s), {} new",
            search.keyword, search.found, search.new
        );
        Ok(Report::worked(format!(
            "searched '{}': {} people, {} new",
            search.keyword, search.found, search.new
        )))
    }
}

// The lane as a WebAssembly component: in a wasm build (natively the crate is a library, for
// its unit tests), with the `export` feature (on by default; off where the source is reused
// as a module of another lane).
#[cfg(all(target_arch = "wasm32", feature = "export"))]
outlane_sdk::export_lane!(Search);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_are_cleaned() {
        let k: Keywords =
            serde_json::from_str(r#"{"keywords":[" VP  Sales ","vp sales","", "CTO fintech"]}"#)
                .unwrap();
        assert_eq!(
            k.cleaned(),
            vec!["VP Sales".to_string(), "CTO fintech".to_string()]
        );
        assert!(serde_json::from_str::<Keywords>(r#"{"words":[]}"#).is_err());
    }

    #[test]
    fn config_defaults() {
        let d: SearchConfig = serde_json::from_str("{}").expect("empty config");
        assert_eq!((d.refill_below, d.pages, d.n_keywords), (10, 2, 10));
        let c: SearchConfig = serde_json::from_str(r#"{"pages":1}"#).expect("config");
        assert_eq!((c.refill_below, c.pages, c.n_keywords), (10, 1, 10));
        assert!(serde_json::from_str::<SearchConfig>(r#"{"page":1}"#).is_err());
    }
}
