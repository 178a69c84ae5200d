//! What a lane may use: the capability interfaces its manifest entry grants, and for the
//! browser the origins it may navigate to.

use serde::Deserialize;
use std::fmt;
use url::Url;

/// A capability interface that needs a grant. (`host` is always available.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Capability {
    /// `outlane:lanes/crm`: the CRM database.
    Crm,
    /// `outlane:lanes/browser`: the account's browser tab (needs `[lane.browser] origins`).
    Browser,
    /// `outlane:lanes/llm`: prompts and the language model.
    Llm,
    /// `outlane:lanes/qualifier`: embeddings and the active-learning model.
    Qualifier,
}

impl Capability {
    /// Every capability that can be granted.
    pub const ALL: [Capability; 4] = [
        Capability::Crm,
        Capability::Browser,
        Capability::Llm,
        Capability::Qualifier,
    ];

    /// The name used in manifests and in the WIT interface name.
    pub fn name(self) -> &'static str {
        match self {
            Capability::Crm => "crm",
            Capability::Browser => "browser",
            Capability::Llm => "llm",
            Capability::Qualifier => "qualifier",
        }
    }

    /// Finds the capability behind a component import such as `outlane:lanes/crm@0.1.0`.
    /// `None` for `host`, `types` and anything outside the package.
    pub fn from_import(import: &str) -> Option<Capability> {
        let rest = import.strip_prefix("outlane:lanes/")?;
        let iface = rest.split('@').next().unwrap_or(rest);
        Capability::ALL.into_iter().find(|c| c.name() == iface)
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One entry of a browser origin allow-list: `scheme://host[:port]`, where the host may start
/// with `*.` (any subdomain) and the port may be `*` (any port).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginPattern {
    scheme: String,
    host: String,
    /// `None` = any port.
    port: Option<u16>,
}

impl OriginPattern {
    /// Parses "https://www.linkedin.com", "http://127.0.0.1:*" or "https://*.example.com:8443".
    pub fn parse(text: &str) -> Result<Self, String> {
        let hint = "write an origin such as \"https://www.linkedin.com\" or \"http://127.0.0.1:*\"";
        let (scheme, rest) = text
            .split_once("://")
            .ok_or_else(|| format!("origin {text:?} has no scheme: {hint}"))?;
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            return Err(format!("origin {text:?}: only http and https are allowed"));
        }
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.is_empty() || rest.contains('/') || rest.contains('?') || rest.contains('#') {
            return Err(format!("origin {text:?} must not have a path: {hint}"));
        }
        let (host, port) = match rest.rsplit_once(':') {
            Some((host, "*")) => (host, None),
            Some((host, port)) => {
                let port: u16 = port
                    .parse()
                    .map_err(|_| format!("origin {text:?} has a bad port: {hint}"))?;
                (host, Some(port))
            }
            None => (rest, Some(if scheme == "https" { 443 } else { 80 })),
        };
        if host.is_empty() || host == "*" {
            return Err(format!("origin {text:?} needs a host: {hint}"));
        }
        Ok(OriginPattern {
            scheme,
            host: host.to_ascii_lowercase(),
            port,
        })
    }

    /// Whether `url` is on this origin.
    pub fn matches(&self, url: &Url) -> bool {
        if url.scheme() != self.scheme {
            return false;
        }
        let Some(host) = url.host_str() else {
            return false;
        };
        let host = host.to_ascii_lowercase();
        let host_ok = match self.host.strip_prefix("*.") {
            Some(domain) => {
                host.len() > domain.len()
                    && host.ends_with(domain)
                    && host[..host.len() - domain.len()].ends_with('.')
            }
            None => host == self.host,
        };
        let port_ok = match self.port {
            None => true,
            Some(p) => url.port_or_known_default() == Some(p),
        };
        host_ok && port_ok
    }
}

impl fmt::Display for OriginPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.port {
            None => write!(f, "{}://{}:*", self.scheme, self.host),
            Some(p) => write!(f, "{}://{}:{p}", self.scheme, self.host),
        }
    }
}

/// Everything one lane is allowed to use.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grants {
    /// Granted capability interfaces, sorted, without duplicates.
    pub capabilities: Vec<Capability>,
    /// Origins the browser may navigate to (empty unless `browser` is granted).
    pub origins: Vec<OriginPattern>,
}

impl Grants {
    /// Whether `cap` is granted.
    pub fn allows(&self, cap: Capability) -> bool {
        self.capabilities.contains(&cap)
    }

    /// Checks a navigation target against the origin allow-list. The error says what to add.
    pub fn check_navigation(&self, lane: &str, url: &str) -> Result<Url, String> {
        let parsed = Url::parse(url).map_err(|e| format!("invalid URL {url:?}: {e}"))?;
        if self.origins.iter().any(|o| o.matches(&parsed)) {
            return Ok(parsed);
        }
        let origin = parsed.origin().ascii_serialization();
        Err(format!(
            "lane `{lane}` may not navigate to {url}: origin {origin} is not in its allow-list; \
             add \"{origin}\" to `origins` under [lane.browser] of its entry in the manifest"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn origin_patterns() {
        let li = OriginPattern::parse("https://www.linkedin.com").unwrap();
        assert!(li.matches(&url("https://www.linkedin.com/in/x/")));
        assert!(!li.matches(&url("http://www.linkedin.com/in/x/")));
        assert!(!li.matches(&url("https://www.linkedin.com.evil.io/")));
        assert!(!li.matches(&url("https://www.linkedin.com:8443/")));
        let local = OriginPattern::parse("http://127.0.0.1:*").unwrap();
        assert!(local.matches(&url("http://127.0.0.1:39211/feed/")));
        assert!(!local.matches(&url("http://127.0.0.2:39211/feed/")));
        let sub = OriginPattern::parse("https://*.example.com").unwrap();
        assert!(sub.matches(&url("https://a.example.com/")));
        assert!(!sub.matches(&url("https://example.com/")));
        assert!(!sub.matches(&url("https://badexample.com/")));
        assert!(OriginPattern::parse("www.linkedin.com").is_err());
        assert!(OriginPattern::parse("https://x.com/path").is_err());
        assert!(OriginPattern::parse("ftp://x.com").is_err());
        assert!(OriginPattern::parse("https://*").is_err());
    }

    #[test]
    fn capability_from_import() {
        assert_eq!(
            Capability::from_import("outlane:lanes/browser@0.1.0"),
            Some(Capability::Browser)
        );
        assert_eq!(Capability::from_import("outlane:lanes/host@0.1.0"), None);
        assert_eq!(Capability::from_import("wasi:cli/environment@0.2.6"), None);
    }

    #[test]
    fn navigation_denial_names_the_key() {
        let g = Grants {
            capabilities: vec![Capability::Browser],
            origins: vec![OriginPattern::parse("http://127.0.0.1:*").unwrap()],
        };
        assert!(
            g.check_navigation("x", "http://127.0.0.1:8080/feed/")
                .is_ok()
        );
        let err = g
            .check_navigation("x", "https://evil.example/")
            .unwrap_err();
        assert!(err.contains("\"https://evil.example\""), "{err}");
        assert!(err.contains("[lane.browser]"), "{err}");
    }
}
