//! Where LinkedIn is served. Lanes and the CRM always speak of `https://www.linkedin.com`
//! URLs; the browser may be pointed at the simulator instead. [`SiteMap`] translates between
//! the two at the host boundary, so lanes, grants and stored profile URLs never change when
//! the base URL does.

use outlane_linkedin::CANONICAL_BASE;
use url::Url;

/// Translates URLs between LinkedIn's canonical origin and the configured base URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteMap {
    base: Url,
    canonical: Url,
}

/// Why a base URL is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SiteError {
    /// Not a URL at all.
    #[error("`{0}` is not a URL: {1}")]
    NotAUrl(String, String),
    /// Only an origin may be given.
    #[error(
        "`{0}` must be an origin like https://www.linkedin.com or http://127.0.0.1:8080 (no path, query or user)"
    )]
    NotAnOrigin(String),
}

impl SiteMap {
    /// A map onto `base_url` (an http(s) origin; a trailing `/` is allowed).
    pub fn new(base_url: &str) -> Result<SiteMap, SiteError> {
        let base = Url::parse(base_url.trim())
            .map_err(|e| SiteError::NotAUrl(base_url.to_string(), e.to_string()))?;
        let origin_only = matches!(base.scheme(), "http" | "https")
            && base.host_str().is_some()
            && base.path() == "/"
            && base.query().is_none()
            && base.fragment().is_none()
            && base.username().is_empty()
            && base.password().is_none();
        if !origin_only {
            return Err(SiteError::NotAnOrigin(base_url.to_string()));
        }
        let canonical = Url::parse(CANONICAL_BASE)
            .map_err(|e| SiteError::NotAUrl(CANONICAL_BASE.into(), e.to_string()))?;
        Ok(SiteMap { base, canonical })
    }

    /// The configured base URL without a trailing slash (`http://127.0.0.1:8080`).
    pub fn base(&self) -> String {
        self.base.as_str().trim_end_matches('/').to_string()
    }

    /// Whether the browser talks to the real site.
    pub fn is_real_site(&self) -> bool {
        self.base.origin() == self.canonical.origin()
    }

    /// The URL of `path` (starting with `/`) on the served site.
    pub fn site_url(&self, path: &str) -> String {
        format!("{}{}", self.base(), path)
    }

    /// A canonical URL (what lanes use) as the browser must open it. Other origins are kept.
    pub fn to_site(&self, url: &Url) -> Url {
        swap_origin(url, &self.canonical, &self.base)
    }

    /// A URL the browser reports, as lanes must see it. Other origins are kept.
    pub fn to_canonical(&self, url: &str) -> String {
        match Url::parse(url) {
            Ok(u) => swap_origin(&u, &self.base, &self.canonical).to_string(),
            Err(_) => url.to_string(),
        }
    }

    /// Whether `url` (as the browser reports it) is on the served site.
    pub fn is_on_site(&self, url: &str) -> bool {
        Url::parse(url).is_ok_and(|u| u.origin() == self.base.origin())
    }
}

fn swap_origin(url: &Url, from: &Url, to: &Url) -> Url {
    if url.origin() != from.origin() || from.origin() == to.origin() {
        return url.clone();
    }
    let mut out = to.clone();
    out.set_path(url.path());
    out.set_query(url.query());
    out.set_fragment(url.fragment());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_both_ways_and_keeps_foreign_urls() {
        let map = SiteMap::new("http://127.0.0.1:8080/").unwrap();
        let lane_url = Url::parse("https://www.linkedin.com/in/jane/?x=1#top").unwrap();
        let site = map.to_site(&lane_url);
        assert_eq!(site.as_str(), "http://127.0.0.1:8080/in/jane/?x=1#top");
        assert_eq!(map.to_canonical(site.as_str()), lane_url.as_str());
        let foreign = Url::parse("https://example.org/in/x/").unwrap();
        assert_eq!(map.to_site(&foreign), foreign);
        assert_eq!(
            map.to_canonical("https://example.org/in/x/"),
            "https://example.org/in/x/"
        );
        assert_eq!(map.to_canonical("about:blank"), "about:blank");
        assert!(map.is_on_site("http://127.0.0.1:8080/feed/"));
        assert!(!map.is_on_site("http://127.0.0.1:8081/feed/"));
        assert!(!map.is_real_site());
        assert_eq!(map.site_url("/login"), "http://127.0.0.1:8080/login");
    }

    #[test]
    fn the_real_site_maps_to_itself() {
        let map = SiteMap::new("https://www.linkedin.com").unwrap();
        assert!(map.is_real_site());
        let u = Url::parse("https://www.linkedin.com/feed/").unwrap();
        assert_eq!(map.to_site(&u), u);
    }

    #[test]
    fn only_origins_are_accepted() {
        for bad in [
            "127.0.0.1:8080",
            "ftp://x.org",
            "http://x.org/base",
            "http://u@x.org",
            "nonsense",
        ] {
            assert!(SiteMap::new(bad).is_err(), "{bad}");
        }
    }
}
