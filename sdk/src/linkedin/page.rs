//! Selectors and small page helpers shared by the flows: public, and the same code the
//! default lanes run, so a custom lane that reads a profile page finds what they find.

use crate::Result;
use crate::browser::{self, Target, css};
use outlane_linkedin::ProfileId;

/// The profile's top card, in the order LinkedIn's layouts are tried (classic, member-id,
/// card class, class fragment, server-driven UI).
/// Every selector anchors on the card itself, never on "any section containing": an outer
/// section would also hold the side rail's people with their own buttons and badges.
pub const TOP_CARDS: [&str; 5] = [
    "section[data-member-id]",
    "section.artdeco-card:has(> div.pv-top-card)",
    "section:has(> div[class*=\"pv-top-card\"])",
    "section[componentkey*=\"com.linkedin.sdui.profile.card\"]",
    "section:has(> div.top-card-background-hero-image)",
];

/// LinkedIn's page-level error toast.
pub const ERROR_TOAST: &str = "div[data-test-artdeco-toast-item-type=\"error\"]";

/// The weekly invitation limit alert.
pub const LIMIT_ALERT: &str = "div[class*=\"ip-fuse-limit-alert__warning\"]";

/// The "More" button of the top card.
pub const MORE_BUTTONS: &str =
    "button[id*=\"overflow\"], button[aria-label=\"More actions\"], button[aria-label=\"More\"]";

/// How long flows wait for the page to react to a click.
pub const REACTION_MS: u32 = 6000;

/// The first top-card selector that matches on the current page.
pub fn top_card() -> Result<Option<&'static str>> {
    for selector in TOP_CARDS {
        if browser::exists(&css(selector))? {
            return Ok(Some(selector));
        }
    }
    Ok(None)
}

/// The top card, waiting up to [`REACTION_MS`] for a client-rendered page to draw it.
pub fn wait_top_card() -> Result<Option<&'static str>> {
    let any = css(&TOP_CARDS.join(", "));
    if !browser::wait_for(&any, REACTION_MS)? {
        return Ok(None);
    }
    top_card()
}

/// `text` made safe inside a double-quoted CSS attribute value.
pub fn attr_value(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Waits until more than `n` elements match `target`; false after about `timeout_ms`.
pub fn wait_count_above(target: &Target, n: usize, timeout_ms: u32) -> Result<bool> {
    const STEP_MS: u32 = 150;
    let mut waited = 0;
    loop {
        if browser::texts(target)?.len() > n {
            return Ok(true);
        }
        if waited >= timeout_ms {
            return Ok(false);
        }
        // A real-time wait (the daemon clock may run faster than the page).
        browser::wait_for(&css("#outlane-never-there"), STEP_MS)?;
        waited += STEP_MS;
    }
}

/// A visible element inside the top card `card`.
pub fn in_card(card: &str, selector: &str) -> Target {
    css(selector).visible().within(card)
}

/// What [`click_more_menu_item`] came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MenuItem {
    /// The top card has no More button.
    NoMenu,
    /// The menu opened without the item; it was closed again.
    NoItem,
    /// The item was clicked.
    Clicked,
}

/// Opens the More menu of the top card `card` and clicks `item`. The menu may be rendered
/// outside the card (a portal), so `item` is searched on the whole page and should name the
/// person it is for.
pub fn click_more_menu_item(card: &str, item: &str) -> Result<MenuItem> {
    let more = in_card(card, MORE_BUTTONS);
    if !browser::exists(&more)? {
        return Ok(MenuItem::NoMenu);
    }
    browser::click(&more)?;
    crate::host::pause(500, 1500);
    let item = css(item).visible();
    if !browser::wait_for(&item, 3000)? {
        let _ = browser::press("Escape");
        return Ok(MenuItem::NoItem);
    }
    browser::click(&item)?;
    Ok(MenuItem::Clicked)
}

/// Opens the profile page of `id`; `None` when LinkedIn says the profile does not exist.
pub fn open_profile(id: &ProfileId) -> Result<Option<browser::Page>> {
    let page = browser::goto(&id.canonical_url())?;
    if is_not_found(&page.url) {
        return Ok(None);
    }
    Ok(Some(page))
}

/// Whether a URL is LinkedIn's "page not found".
pub fn is_not_found(url: &str) -> bool {
    url_path(url).starts_with("/404")
}

/// The path of an absolute URL (`/` when there is none).
pub fn url_path(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let path = rest.find('/').map_or("/", |i| &rest[i..]);
    path.split(['?', '#']).next().unwrap_or("/")
}

/// Percent-encodes a query value the way forms do (space as `+`).
pub fn form_encode(value: &str) -> String {
    let mut out = String::new();
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Waits until one of `targets` exists; returns its index, or `None` after about
/// `timeout_ms` of real time (page reactions take real time, whatever the daemon clock does).
pub fn first_of(targets: &[Target], timeout_ms: u32) -> Result<Option<usize>> {
    const STEP_MS: u32 = 150;
    let Some(first) = targets.first() else {
        return Ok(None);
    };
    let mut waited = 0;
    loop {
        for (i, t) in targets.iter().enumerate() {
            if browser::exists(t)? {
                return Ok(Some(i));
            }
        }
        if waited >= timeout_ms {
            return Ok(None);
        }
        // A real-time wait that ends early if the first target appears.
        browser::wait_for(first, STEP_MS)?;
        waited += STEP_MS;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_encoding() {
        assert_eq!(url_path("https://www.linkedin.com/404/?x=1"), "/404/");
        assert_eq!(url_path("https://www.linkedin.com"), "/");
        assert!(is_not_found("https://www.linkedin.com/404/"));
        assert!(!is_not_found("https://www.linkedin.com/in/x/?r=/404/"));
        assert_eq!(
            form_encode("VP Sales SaaS & fintech"),
            "VP+Sales+SaaS+%26+fintech"
        );
    }
}
