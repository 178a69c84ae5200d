//! What a lane may use: the capability interfaces its manifest entry grants, and for the
//! browser the origins it may navigate to.

use serde::Deserialize;
use std::fmt;
use url::Url;

include!(concat!(env!("OUT_DIR"), "/capabilities.rs"));

/// A capability interface that needs a grant (`host` is always available). Which ones exist is
/// read from the lane world of the WIT ([`GRANTABLE`]): adding an interface to the world makes
/// it grantable, nothing else to list.
/// Capabilities order as the world lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Capability(&'static str);

impl Capability {
    /// Where the world lists it.
    fn position(self) -> usize {
        GRANTABLE
            .iter()
            .position(|name| *name == self.0)
            .unwrap_or(usize::MAX)
    }
}

impl PartialOrd for Capability {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Capability {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.position(), self.0).cmp(&(other.position(), other.0))
    }
}

impl Capability {
    /// `outlane:lanes/crm`: the CRM database.
    pub const CRM: Capability = Capability("crm");
    /// `outlane:lanes/browser`: the account's browser tab (needs `[lane.browser] origins`).
    pub const BROWSER: Capability = Capability("browser");
    /// `outlane:lanes/llm`: prompts and the language model.
    pub const LLM: Capability = Capability("llm");
    /// `outlane:lanes/qualifier`: embeddings and the active-learning model.
    pub const QUALIFIER: Capability = Capability("qualifier");
    /// `outlane:lanes/http`: outbound HTTP(S) to allowed origins (needs `[lane.http] origins`).
    pub const HTTP: Capability = Capability("http");

    /// Every capability that can be granted.
    pub fn all() -> impl Iterator<Item = Capability> {
        GRANTABLE.iter().map(|name| Capability(name))
    }

    /// The capability named `name` in a manifest, if there is one.
    pub fn named(name: &str) -> Option<Capability> {
        GRANTABLE
            .iter()
            .find(|known| **known == name)
            .map(|known| Capability(known))
    }

    /// The name used in manifests and in the WIT interface name.
    pub fn name(self) -> &'static str {
        self.0
    }

    /// Finds the capability behind a component import such as `outlane:lanes/crm@0.2.0`.
    /// `None` for `host`, `types` and anything outside the package.
    pub fn from_import(import: &str) -> Option<Capability> {
        let rest = import.strip_prefix("outlane:lanes/")?;
        Capability::named(rest.split('@').next().unwrap_or(rest))
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl<'de> Deserialize<'de> for Capability {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        Capability::named(&name).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "unknown capability `{name}`: grant any of {}",
                GRANTABLE.join(", ")
            ))
        })
    }
}

/// The grant policy, checked inside every host function of a capability: a lane uses a
/// capability only if its manifest entry grants it, and never from `describe`. A denial is the
/// lane's `denied` error (recorded for the call's outcome), never a trap.
impl crate::runtime::state::LaneState {
    /// `Ok` if the lane may use `cap` now; otherwise the `denied` error to return to it.
    pub(crate) fn require(
        &mut self,
        cap: Capability,
    ) -> Result<(), crate::runtime::bindings::LaneError> {
        if self.host_only {
            let msg = format!(
                "lane `{}` called the {cap} capability from `describe`, which may only use `host`",
                self.env.name
            );
            return Err(self.deny(msg));
        }
        if self.env.grants.allows(cap) {
            return Ok(());
        }
        let msg = format!(
            "lane `{}` is not granted the {cap} capability: add \"{cap}\" to `grants` of its [[lane]] entry in the manifest",
            self.env.name
        );
        Err(self.deny(msg))
    }

    /// Records a denial reported to the lane, for the call's outcome.
    pub(crate) fn deny(&mut self, msg: String) -> crate::runtime::bindings::LaneError {
        self.denials.push(msg.clone());
        crate::runtime::bindings::LaneError::Denied(msg)
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
    /// The host pattern (`www.linkedin.com`, `*.example.com`).
    pub fn host(&self) -> &str {
        &self.host
    }

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

/// What `[lane.http]` allows a lane granted `http`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpGrant {
    /// Origins requests (and redirects) may go to. Never LinkedIn's.
    pub origins: Vec<OriginPattern>,
    /// Secrets the lane may send as header values: its name for the secret → the environment
    /// variable of the daemon that holds it.
    pub secrets: std::collections::BTreeMap<String, String>,
    /// Bound of one request, redirects included.
    pub timeout: std::time::Duration,
    /// Most response body bytes handed to the lane (the rest is cut).
    pub max_response: u64,
    /// Most requests per minute.
    pub per_minute: u32,
}

/// Whether `url`'s host is LinkedIn's (its site or its static files): those go through the
/// browser and its journal, never through `http`.
pub fn is_linkedin_host(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    ["linkedin.com", "licdn.com", "lnkd.in"]
        .iter()
        .any(|d| host == *d || host.ends_with(&format!(".{d}")))
}

/// Everything one lane is allowed to use.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grants {
    /// Granted capability interfaces, sorted, without duplicates.
    pub capabilities: Vec<Capability>,
    /// Origins the browser may navigate to (empty unless `browser` is granted).
    pub origins: Vec<OriginPattern>,
    /// `[lane.http]`, when `http` is granted.
    pub http: Option<HttpGrant>,
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
            Some(Capability::BROWSER)
        );
        assert_eq!(Capability::from_import("outlane:lanes/host@0.1.0"), None);
        assert_eq!(Capability::from_import("wasi:cli/environment@0.2.6"), None);
    }

    #[test]
    fn the_grantable_capabilities_are_the_worlds_imports() {
        let names: Vec<&str> = Capability::all().map(Capability::name).collect();
        assert_eq!(names, vec!["crm", "browser", "llm", "qualifier", "http"]);
        for named in [
            Capability::CRM,
            Capability::BROWSER,
            Capability::LLM,
            Capability::QUALIFIER,
            Capability::HTTP,
        ] {
            assert_eq!(
                Capability::named(named.name()),
                Some(named),
                "{named} is in the world"
            );
        }
    }

    #[test]
    fn navigation_denial_names_the_key() {
        let g = Grants {
            capabilities: vec![Capability::BROWSER],
            origins: vec![OriginPattern::parse("http://127.0.0.1:*").unwrap()],
            http: None,
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
