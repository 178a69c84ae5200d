//! Profile identity: one person is one key, whatever form of URL pointed at them.
//!
//! LinkedIn addresses a member in two ways:
//! - a **vanity id** chosen by the member (`/in/jane-doe/`). LinkedIn treats it
//!   case-insensitively, so it is stored lower-cased;
//! - a **member id** (`/in/ACoAAB3xYz.../`), the opaque id behind the `urn:li:fsd_profile:`
//!   URN that search results and Voyager use. It is case-sensitive and kept as is.
//!
//! [`ProfileId::parse`] accepts absolute, scheme-less, protocol-relative and relative URLs,
//! drops the query, fragment and any sub-path (`/details/experience/`, `/overlay/...`),
//! percent-decodes the id and checks the host is LinkedIn's. [`ProfileId::canonical_url`] gives
//! the one URL a lead is stored under. The two kinds of id for one person are reconciled by
//! the CRM once the profile (which carries both) has been fetched.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use std::fmt;

/// The origin every canonical profile URL starts with.
pub const CANONICAL_BASE: &str = "https://www.linkedin.com";

/// Characters escaped in a canonical URL: everything but RFC 3986 unreserved characters.
const ESCAPED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Prefix of member ids (the base64 form of `urn:li:member:<n>`).
const MEMBER_PREFIX: &str = "ACoAA";

/// Path segments LinkedIn puts before `/in/` in some links (mobile site, e-mail links).
const PATH_PREFIXES: [&str; 2] = ["mwlite", "comm"];

/// Longest id accepted (LinkedIn's vanity ids are at most 100 characters).
const MAX_ID_CHARS: usize = 100;

/// Why a string is not a LinkedIn profile address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProfileIdError {
    /// Nothing was given.
    #[error("empty profile URL")]
    Empty,
    /// The URL points to another site.
    #[error("`{0}` is not a LinkedIn host")]
    ForeignHost(String),
    /// The scheme is neither http nor https.
    #[error("unsupported scheme `{0}` (expected https)")]
    Scheme(String),
    /// The path is not `/in/<id>/...` (a company page, the feed, an old `/pub/` URL...).
    #[error("not a profile URL (expected /in/<id>/): `{0}`")]
    NotAProfile(String),
    /// The id cannot be decoded or holds characters no LinkedIn id has.
    #[error("bad profile id `{0}`: {1}")]
    BadId(String, &'static str),
}

/// The identity of one LinkedIn member.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ProfileId {
    /// A vanity id, lower-cased (`jane-doe`).
    Vanity(String),
    /// A member id, case preserved (`ACoAAB3xYz...`).
    Member(String),
}

impl ProfileId {
    /// Parses any form of a profile URL on linkedin.com (or a subdomain of it).
    pub fn parse(input: &str) -> Result<ProfileId, ProfileIdError> {
        ProfileId::parse_on(input, &[])
    }

    /// Like [`parse`](Self::parse), also accepting URLs on `extra_hosts` (`host` or
    /// `host:port`), e.g. a LinkedIn simulator the browser is pointed at.
    pub fn parse_on(input: &str, extra_hosts: &[&str]) -> Result<ProfileId, ProfileIdError> {
        let text = input.trim();
        if text.is_empty() {
            return Err(ProfileIdError::Empty);
        }
        if let Some(urn) = text.strip_prefix("urn:li:fsd_profile:") {
            return ProfileId::from_identifier(urn);
        }
        let without_fragment = text.split('#').next().unwrap_or("");
        let without_query = without_fragment.split('?').next().unwrap_or("");
        let path = strip_origin(without_query, extra_hosts)?;
        let mut segments = path.trim_matches('/').split('/').peekable();
        if segments
            .peek()
            .is_some_and(|s| PATH_PREFIXES.iter().any(|p| s.eq_ignore_ascii_case(p)))
        {
            segments.next();
        }
        match (segments.next(), segments.next()) {
            (Some(first), Some(id)) if first.eq_ignore_ascii_case("in") && !id.is_empty() => {
                let decoded = percent_decode_str(id)
                    .decode_utf8()
                    .map_err(|_| ProfileIdError::BadId(id.to_string(), "not UTF-8"))?;
                ProfileId::from_identifier(&decoded)
            }
            _ => Err(ProfileIdError::NotAProfile(text.to_string())),
        }
    }

    /// An id as Voyager gives it (`publicIdentifier`, or the last part of an
    /// `urn:li:fsd_profile:` URN), already decoded.
    pub fn from_identifier(id: &str) -> Result<ProfileId, ProfileIdError> {
        let id = id.trim();
        if id.is_empty() {
            return Err(ProfileIdError::BadId(id.to_string(), "empty"));
        }
        if id.chars().count() > MAX_ID_CHARS {
            return Err(ProfileIdError::BadId(
                id.to_string(),
                "longer than 100 characters",
            ));
        }
        if id.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(ProfileIdError::BadId(
                id.escape_debug().to_string(),
                "contains spaces or control characters",
            ));
        }
        if id.chars().any(crate::text::is_invisible) {
            return Err(ProfileIdError::BadId(
                id.escape_unicode().to_string(),
                "contains invisible or text-direction characters (such as U+202E)",
            ));
        }
        if id.eq_ignore_ascii_case("me") {
            return Err(ProfileIdError::BadId(
                id.to_string(),
                "`me` stands for the signed-in member, not for a person",
            ));
        }
        if id.contains(['/', '?', '#', '%', '&', '"', '<', '>', '\\']) {
            return Err(ProfileIdError::BadId(
                id.to_string(),
                "contains URL punctuation",
            ));
        }
        if is_member_id(id) {
            Ok(ProfileId::Member(id.to_string()))
        } else {
            Ok(ProfileId::Vanity(id.to_lowercase()))
        }
    }

    /// The id as text: the lower-cased vanity id or the member id.
    pub fn as_str(&self) -> &str {
        match self {
            ProfileId::Vanity(id) | ProfileId::Member(id) => id,
        }
    }

    /// Whether this is a member id rather than a vanity id.
    pub fn is_member(&self) -> bool {
        matches!(self, ProfileId::Member(_))
    }

    /// The one URL this person's lead is stored under: `https://www.linkedin.com/in/<id>/`,
    /// with the id percent-encoded.
    pub fn canonical_url(&self) -> String {
        self.url_on(CANONICAL_BASE)
    }

    /// The profile URL on another origin (`base` without a trailing slash), e.g. a simulator.
    pub fn url_on(&self, base: &str) -> String {
        format!(
            "{}/in/{}/",
            base.trim_end_matches('/'),
            utf8_percent_encode(self.as_str(), ESCAPED)
        )
    }
}

impl fmt::Display for ProfileId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether `id` has the shape of a member id: `ACoAA` followed by base64url characters.
fn is_member_id(id: &str) -> bool {
    id.len() >= 20
        && id.starts_with(MEMBER_PREFIX)
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Removes scheme and host (checking both) and returns the path.
fn strip_origin<'a>(url: &'a str, extra_hosts: &[&str]) -> Result<&'a str, ProfileIdError> {
    let rest = if let Some((scheme, rest)) = url.split_once("://") {
        if !scheme.eq_ignore_ascii_case("https") && !scheme.eq_ignore_ascii_case("http") {
            return Err(ProfileIdError::Scheme(scheme.to_string()));
        }
        rest
    } else if let Some(rest) = url.strip_prefix("//") {
        rest
    } else if url.starts_with('/') {
        return Ok(url);
    } else {
        // Either a relative path (`in/jane`) or a host without a scheme (`linkedin.com/in/jane`).
        let first = url.split('/').next().unwrap_or("");
        if !first.contains('.') && !first.contains(':') {
            return Ok(url);
        }
        url
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let host_port = authority.rsplit('@').next().unwrap_or("");
    let host = host_port
        .split(':')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    let host = host.trim_end_matches('.');
    let linkedin = host == "linkedin.com" || host.ends_with(".linkedin.com");
    let extra = extra_hosts
        .iter()
        .any(|h| h.eq_ignore_ascii_case(host_port) || h.eq_ignore_ascii_case(host));
    if linkedin || extra {
        Ok(path)
    } else {
        Err(ProfileIdError::ForeignHost(host_port.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MEMBER: &str = "ACoAAB3xYzQBcDeFgHiJkLmNoPqRsTuVwXyZ012";

    fn canonical(input: &str) -> Result<String, ProfileIdError> {
        ProfileId::parse(input).map(|id| id.canonical_url())
    }

    #[test]
    fn canonicalisation_table() {
        let jane = "https://www.linkedin.com/in/jane-doe/";
        let table: &[(&str, &str)] = &[
            // The plain forms.
            ("https://www.linkedin.com/in/jane-doe/", jane),
            ("https://www.linkedin.com/in/jane-doe", jane),
            ("http://www.linkedin.com/in/jane-doe/", jane),
            ("  https://www.linkedin.com/in/jane-doe/  ", jane),
            // Query strings, fragments and sub-paths are dropped (discovery notes).
            ("https://www.linkedin.com/in/jane-doe?foo=bar", jane),
            (
                "https://www.linkedin.com/in/jane-doe/?miniProfileUrn=x#top",
                jane,
            ),
            (
                "https://www.linkedin.com/in/jane-doe/detail/contact-info/",
                jane,
            ),
            (
                "https://www.linkedin.com/in/jane-doe/details/experience/",
                jane,
            ),
            (
                "https://www.linkedin.com/in/jane-doe/overlay/about-this-profile/",
                jane,
            ),
            // Case: vanity ids are case-insensitive, so one person is one lead.
            ("https://www.linkedin.com/in/Jane-Doe/", jane),
            ("HTTPS://WWW.LINKEDIN.COM/IN/JANE-DOE/", jane),
            // Other LinkedIn hosts and path prefixes.
            ("https://de.linkedin.com/in/jane-doe/", jane),
            ("https://linkedin.com/in/jane-doe", jane),
            ("https://www.linkedin.com:443/in/jane-doe/", jane),
            ("https://www.linkedin.com/mwlite/in/jane-doe", jane),
            ("https://www.linkedin.com/comm/in/jane-doe/", jane),
            // Scheme-less, protocol-relative and relative forms.
            ("www.linkedin.com/in/jane-doe/", jane),
            ("linkedin.com/in/jane-doe", jane),
            ("//www.linkedin.com/in/jane-doe/", jane),
            ("/in/jane-doe/", jane),
            ("/in/jane-doe", jane),
            ("in/jane-doe", jane),
            // Percent-decoding, then one canonical encoding.
            ("https://www.linkedin.com/in/jane%2Ddoe/", jane),
            (
                "https://www.linkedin.com/in/j%C3%BCrgen-m/",
                "https://www.linkedin.com/in/j%C3%BCrgen-m/",
            ),
            (
                "https://www.linkedin.com/in/Jürgen-M/",
                "https://www.linkedin.com/in/j%C3%BCrgen-m/",
            ),
            ("/in/a/b?x=1", "https://www.linkedin.com/in/a/"),
            ("/in/x", "https://www.linkedin.com/in/x/"),
        ];
        for (input, want) in table {
            assert_eq!(canonical(input).as_deref(), Ok(*want), "input {input:?}");
        }
    }

    #[test]
    fn member_ids_keep_their_case_and_kind() {
        let url = format!("https://www.linkedin.com/in/{MEMBER}/?trk=search");
        let id = ProfileId::parse(&url).unwrap();
        assert_eq!(id, ProfileId::Member(MEMBER.to_string()));
        assert_eq!(
            id.canonical_url(),
            format!("https://www.linkedin.com/in/{MEMBER}/")
        );
        let urn = format!("urn:li:fsd_profile:{MEMBER}");
        assert_eq!(ProfileId::parse(&urn).unwrap(), id);
        // A vanity id that merely starts like one stays a (lower-cased) vanity id.
        assert_eq!(
            ProfileId::parse("/in/ACoAAshort").unwrap(),
            ProfileId::Vanity("acoaashort".into())
        );
    }

    #[test]
    fn rejects_what_is_not_a_profile() {
        use ProfileIdError::*;
        let table: Vec<(&str, ProfileIdError)> = vec![
            ("", Empty),
            ("   ", Empty),
            (
                "https://www.linkedin.com/feed/",
                NotAProfile("https://www.linkedin.com/feed/".into()),
            ),
            (
                "https://www.linkedin.com/",
                NotAProfile("https://www.linkedin.com/".into()),
            ),
            (
                "https://www.linkedin.com/company/acme/",
                NotAProfile("https://www.linkedin.com/company/acme/".into()),
            ),
            (
                "https://www.linkedin.com/in/",
                NotAProfile("https://www.linkedin.com/in/".into()),
            ),
            ("/in//x", NotAProfile("/in//x".into())),
            (
                "https://www.linkedin.com/pub/jane-doe/1/2/3",
                NotAProfile("https://www.linkedin.com/pub/jane-doe/1/2/3".into()),
            ),
            ("https://evil.com/in/foo", ForeignHost("evil.com".into())),
            (
                "https://linkedin.com.evil.com/in/foo",
                ForeignHost("linkedin.com.evil.com".into()),
            ),
            ("ftp://www.linkedin.com/in/foo", Scheme("ftp".into())),
            (
                "https://www.linkedin.com/in/John%20Doe/",
                BadId("John Doe".into(), "contains spaces or control characters"),
            ),
            (
                "https://www.linkedin.com/in/a%2Fb/",
                BadId("a/b".into(), "contains URL punctuation"),
            ),
            (
                "https://www.linkedin.com/in/%FF/",
                BadId("%FF".into(), "not UTF-8"),
            ),
            (
                "https://www.linkedin.com/in/jane%00doe/",
                BadId("jane\\0doe".into(), "contains spaces or control characters"),
            ),
            (
                "https://www.linkedin.com/in/gpj%E2%80%AEexe/",
                BadId(
                    "\\u{67}\\u{70}\\u{6a}\\u{202e}\\u{65}\\u{78}\\u{65}".into(),
                    "contains invisible or text-direction characters (such as U+202E)",
                ),
            ),
            (
                "https://www.linkedin.com/in/me/",
                BadId(
                    "me".into(),
                    "`me` stands for the signed-in member, not for a person",
                ),
            ),
            (
                "linkedin.com/in/ME",
                BadId(
                    "ME".into(),
                    "`me` stands for the signed-in member, not for a person",
                ),
            ),
        ];
        for (input, want) in table {
            assert_eq!(ProfileId::parse(input), Err(want), "input {input:?}");
        }
    }

    #[test]
    fn extra_hosts_admit_a_simulator() {
        let url = "http://127.0.0.1:8080/in/jane-doe/";
        assert_eq!(
            ProfileId::parse(url),
            Err(ProfileIdError::ForeignHost("127.0.0.1:8080".into()))
        );
        let id = ProfileId::parse_on(url, &["127.0.0.1:8080"]).unwrap();
        assert_eq!(id.as_str(), "jane-doe");
        assert_eq!(
            id.url_on("http://127.0.0.1:8080/"),
            "http://127.0.0.1:8080/in/jane-doe/"
        );
    }
}
