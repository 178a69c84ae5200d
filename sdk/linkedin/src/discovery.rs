//! Discovery: the profiles a page links to.
//!
//! Every page the browser visits links to other people (feed authors, "People also viewed",
//! search results). [`profile_links`] turns the raw `href` attributes of a page's links into
//! the profiles worth fetching, once each.

use crate::ProfileId;

/// Profile links worth discovering on a page: resolves each href against `page_url`
/// (relative, protocol-relative, absolute), keeps only LinkedIn profile URLs
/// ([`ProfileId::parse`] rules: foreign hosts dropped), drops `me`, drops the ids in `own`,
/// drops duplicates (the same id via a sub-path or query string counts once), keeps
/// first-seen order.
///
/// Links to the page's own host also count, so that pages served by a LinkedIn simulator
/// (`http://127.0.0.1:<port>/feed/` linking to `/in/<id>/`) are harvested too; discovery
/// only runs on pages the browser was sent to.
pub fn profile_links(page_url: &str, hrefs: &[String], own: &[ProfileId]) -> Vec<ProfileId> {
    let base = Base::parse(page_url);
    let page_host = base.as_ref().map(|b| b.authority).unwrap_or("");
    let extra_hosts: &[&str] = if page_host.is_empty() {
        &[]
    } else {
        &[page_host]
    };
    let mut found: Vec<ProfileId> = Vec::new();
    for href in hrefs {
        let Some(url) = resolve(base.as_ref(), href.trim()) else {
            continue;
        };
        let Ok(id) = ProfileId::parse_on(&url, extra_hosts) else {
            continue;
        };
        if id.as_str() == "me" || own.contains(&id) || found.contains(&id) {
            continue;
        }
        found.push(id);
    }
    found
}

/// The parts of the page URL that relative links are resolved against.
struct Base<'a> {
    /// `http` or `https`, as written.
    scheme: &'a str,
    /// `host[:port]` (user info included if any; the id parser strips it).
    authority: &'a str,
    /// The path, `/` if empty; no query or fragment.
    path: &'a str,
}

impl<'a> Base<'a> {
    /// Splits an absolute http(s) URL; None for anything else.
    fn parse(url: &'a str) -> Option<Base<'a>> {
        let url = url.trim();
        let (scheme, rest) = url.split_once("://")?;
        if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
            return None;
        }
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        if authority.is_empty() {
            return None;
        }
        let path = tail.split(['?', '#']).next().unwrap_or("");
        let path = if path.is_empty() { "/" } else { path };
        Some(Base {
            scheme,
            authority,
            path,
        })
    }
}

/// Resolves `href` against the page (RFC 3986 §5.2, for the forms links take), giving an
/// absolute URL, or a root-relative path when the page URL is unknown. None for links that
/// cannot lead to a profile (`mailto:`, `javascript:`, empty).
fn resolve(base: Option<&Base<'_>>, href: &str) -> Option<String> {
    if href.is_empty() {
        return None;
    }
    if let Some(scheme) = scheme_of(href) {
        if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
            return None;
        }
        return Some(href.to_string());
    }
    if href.starts_with("//") {
        let scheme = base.map_or("https", |b| b.scheme);
        return Some(format!("{scheme}:{href}"));
    }
    // From here on the link is relative to the page: split off its query and fragment so
    // that dot segments are only removed from the path.
    let split = href.find(['?', '#']).unwrap_or(href.len());
    let (path, suffix) = href.split_at(split);
    let path = if path.starts_with('/') {
        remove_dot_segments(path)
    } else {
        let base = base?;
        if path.is_empty() {
            // `?x` or `#x`: the page itself.
            base.path.to_string()
        } else {
            let dir = base.path.rfind('/').map_or("/", |i| &base.path[..=i]);
            remove_dot_segments(&format!("{dir}{path}"))
        }
    };
    Some(match base {
        Some(b) => format!("{}://{}{path}{suffix}", b.scheme, b.authority),
        None => format!("{path}{suffix}"),
    })
}

/// The scheme of an absolute URL (`https` in `https://…`, `mailto` in `mailto:…`).
fn scheme_of(href: &str) -> Option<&str> {
    let colon = href.find(':')?;
    let scheme = &href[..colon];
    let mut chars = scheme.chars();
    let starts_with_letter = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    let valid = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    (starts_with_letter && valid).then_some(scheme)
}

/// Removes `.` and `..` segments from an absolute path (also their percent-encoded forms,
/// as browsers do), so `/in/../feed/` is the feed, not the profile `..`.
fn remove_dot_segments(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    let last = segments.len().saturating_sub(1);
    for (i, segment) in segments.iter().enumerate() {
        let lower = segment.to_ascii_lowercase();
        match lower.as_str() {
            "." | "%2e" => {
                if i == last {
                    out.push("");
                }
            }
            ".." | ".%2e" | "%2e." | "%2e%2e" => {
                out.pop();
                if i == last {
                    out.push("");
                }
            }
            _ => out.push(segment),
        }
    }
    format!("/{}", out.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_segments() {
        let table = [
            ("/", "/"),
            ("/in/x/", "/in/x/"),
            ("/a/./in/x", "/a/in/x"),
            ("/feed/../in/x", "/in/x"),
            ("/../../in/x", "/in/x"),
            ("/in/../feed/", "/feed/"),
            ("/in/x/..", "/in/"),
            ("/in/%2E%2E/x", "/x"),
            ("/in/.", "/in/"),
        ];
        for (input, want) in table {
            assert_eq!(remove_dot_segments(input), want, "input {input:?}");
        }
    }

    #[test]
    fn resolution() {
        let base = Base::parse("https://www.linkedin.com/feed/update/1?x=y#z");
        let base = base.as_ref();
        let table = [
            ("/in/a/", Some("https://www.linkedin.com/in/a/")),
            ("in/a", Some("https://www.linkedin.com/feed/update/in/a")),
            ("../../in/a?q=1", Some("https://www.linkedin.com/in/a?q=1")),
            (
                "//de.linkedin.com/in/a",
                Some("https://de.linkedin.com/in/a"),
            ),
            ("HTTP://x.y/in/a", Some("HTTP://x.y/in/a")),
            (
                "?page=2",
                Some("https://www.linkedin.com/feed/update/1?page=2"),
            ),
            ("mailto:a@b.c", None),
            ("javascript:void(0)", None),
            ("tel:123", None),
            ("", None),
        ];
        for (href, want) in table {
            assert_eq!(resolve(base, href).as_deref(), want, "href {href:?}");
        }
        assert_eq!(resolve(None, "/in/a/").as_deref(), Some("/in/a/"));
        assert_eq!(resolve(None, "in/a"), None);
        assert!(Base::parse("/feed/").is_none());
        assert!(Base::parse("ftp://x/").is_none());
    }
}
