//! Sending a message to a connection: the profile's message window first, the messaging page
//! second. A message is `Delivered` once a new copy of it shows in the conversation; once Send
//! has been clicked it is never reported as "not sent", so a lane never sends it twice.

use super::page::{self, MORE_BUTTONS, REACTION_MS, attr_value};
use crate::browser::{self, Target, css};
use crate::{Error, Result};
use outlane_linkedin::ProfileId;

/// How a message went out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// The conversation window opened from the profile.
    Popup,
    /// The messaging page, recipient chosen by name.
    MessagingPage,
}

/// What happened to a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    /// Sent, and a new copy of it shows in the conversation.
    Delivered(Channel),
    /// Send was clicked but the message did not show in time. Treat it as sent: sending
    /// again could deliver it twice.
    Unconfirmed(Channel),
    /// Neither path could send it; nothing was sent. The reason says what was missing.
    Failed(String),
}

/// Longest message LinkedIn accepts.
pub const MAX_MESSAGE_CHARS: usize = 8000;

const COMPOSER: &str = "div[class*=\"msg-form__contenteditable\"][contenteditable=\"true\"]";
const SEND: &str = "button[type=\"submit\"][class*=\"msg-form__send-button\"]";
const ROWS: &str = "div[class*=\"msg-connections-typeahead__search-result-row\"]";
const PILLS: &str = "[class*=\"msg-connections-typeahead__pill\"]";
const SENT_BODIES: &str = ".msg-s-event-listitem__body";
const BUBBLES: &str = "[class*=\"msg-overlay-conversation-bubble\"]";

/// Sends `text` to `id`, whose full name is `full_name` (the conversation window is found by
/// it, and the messaging page picks the recipient by it).
pub fn send_message(id: &ProfileId, full_name: &str, text: &str) -> Result<Sent> {
    if text.trim().is_empty() {
        return Err(Error::invalid("refusing to send an empty message"));
    }
    if text.chars().count() > MAX_MESSAGE_CHARS {
        return Err(Error::invalid(format!(
            "the message has {} characters; LinkedIn accepts {MAX_MESSAGE_CHARS}",
            text.chars().count()
        )));
    }
    let popup = match popup(id, full_name, text)? {
        Ok(outcome) => return Ok(outcome),
        Err(why) => why,
    };
    match messaging_page(full_name, text)? {
        Ok(outcome) => Ok(outcome),
        Err(why) => Ok(Sent::Failed(format!(
            "popup: {popup}; messaging page: {why}"
        ))),
    }
}

/// The popup path. The inner `Err` is why it could not send (nothing was sent).
fn popup(id: &ProfileId, full_name: &str, text: &str) -> Result<Result<Sent, String>> {
    if page::open_profile(id)?.is_none() {
        return Ok(Err("the profile does not exist".into()));
    }
    let Some(card) = page::wait_top_card()? else {
        return Ok(Err("the profile page has no top card".into()));
    };
    let direct = page::in_card(card, "button[aria-label^=\"Message\"]");
    if browser::exists(&direct)? {
        browser::click(&direct)?;
    } else {
        let more = page::in_card(card, MORE_BUTTONS);
        if !browser::exists(&more)? {
            return Ok(Err("no Message button and no More menu".into()));
        }
        browser::click(&more)?;
        crate::host::pause(500, 1500);
        let name = attr_value(full_name.trim());
        let item = css(&format!(
            "div[aria-label$=\"to message\"][aria-label*=\"{name}\"], [role=\"menuitem\"][aria-label*=\"Message\"][aria-label*=\"{name}\"]"
        ))
        .visible();
        if !browser::wait_for(&item, 3000)? {
            let _ = browser::press("Escape");
            return Ok(Err(
                "no Message item for this person in the More menu".into()
            ));
        }
        browser::click(&item)?;
    }
    // The conversation window of this person (LinkedIn keeps others open beside it).
    let named = format!(
        "{BUBBLES}[aria-label*=\"{}\"]",
        attr_value(full_name.trim())
    );
    let bubble = if browser::wait_for(&css(&named).visible(), REACTION_MS)? {
        named
    } else if browser::texts(&css(BUBBLES).visible())?.len() == 1 {
        BUBBLES.to_string()
    } else {
        return Ok(Err("no conversation window for this person opened".into()));
    };
    compose_and_send(Some(&bubble), text, Channel::Popup)
}

/// The messaging-page path: pick the recipient by name, refusing to guess between namesakes.
fn messaging_page(full_name: &str, text: &str) -> Result<Result<Sent, String>> {
    let wanted = full_name.trim().to_lowercase();
    if wanted.is_empty() {
        return Ok(Err("the person's name is unknown".into()));
    }
    let page = browser::goto("https://www.linkedin.com/messaging/thread/new/")?;
    if !page::url_path(&page.url).starts_with("/messaging") {
        return Ok(Err(format!(
            "the messaging page redirected to {}",
            page.url
        )));
    }
    let search = css("input[class*=\"msg-connections-typeahead__search-field\"]").visible();
    if !browser::wait_for(&search, REACTION_MS)? {
        return Ok(Err("no recipient search box".into()));
    }
    browser::type_text(&search, full_name.trim())?;
    let rows = css(ROWS).visible();
    if !browser::wait_for(&rows, REACTION_MS)? {
        return Ok(Err(format!("no connection called {full_name:?}")));
    }
    crate::host::pause(300, 900);
    // A row shows the name and then the headline; read the name element when there is one.
    let mut names = browser::texts(&css(&format!("{ROWS} [class*=\"name\"]")).visible())?;
    if names.is_empty() {
        names = browser::texts(&rows)?;
    }
    let containing: Vec<&String> = names
        .iter()
        .filter(|n| n.to_lowercase().contains(&wanted))
        .collect();
    let exact = containing
        .iter()
        .filter(|n| n.trim().to_lowercase() == wanted)
        .count();
    // Clicking picks the first row containing the name, so it must be the only one.
    if containing.len() != 1 || exact != 1 {
        return Ok(Err(format!(
            "{} connections match {full_name:?}: not guessing",
            containing.len()
        )));
    }
    browser::click(&rows.clone().with_text(full_name.trim()))?;
    crate::host::pause(300, 900);
    let pills = browser::texts(&css(PILLS))?;
    if !pills.is_empty() && !pills.iter().any(|p| p.trim().to_lowercase() == wanted) {
        return Ok(Err(format!(
            "the chosen recipient is {pills:?}, not {full_name:?}"
        )));
    }
    compose_and_send(None, text, Channel::MessagingPage)
}

fn scoped(css_text: &str, within: Option<&str>) -> Target {
    let t = css(css_text).visible();
    match within {
        Some(w) => t.within(w),
        None => t,
    }
}

/// Types into the composer (inside `within` when given), sends, and waits for a new copy of
/// the message in the conversation.
fn compose_and_send(
    within: Option<&str>,
    text: &str,
    channel: Channel,
) -> Result<Result<Sent, String>> {
    let composer = scoped(COMPOSER, within);
    if !browser::wait_for(&composer, REACTION_MS)? {
        return Ok(Err(
            "the message box did not open (or cannot be edited)".into()
        ));
    }
    // The first words of the message, as the page shows them (whitespace normalised).
    let probe: String = text
        .split_whitespace()
        .take(8)
        .collect::<Vec<_>>()
        .join(" ");
    let shown = css(SENT_BODIES).with_text(&probe);
    let shown = match within {
        Some(w) => shown.within(w),
        None => shown,
    };
    let before = browser::texts(&shown)?.len();
    crate::host::pause(500, 1500);
    browser::type_text(&composer, text)?;
    crate::host::pause(500, 1500);
    let send = scoped(SEND, within);
    if !browser::exists(&send)? {
        return Ok(Err("no Send button beside the message box".into()));
    }
    browser::click(&send)?;
    let delivered = page::wait_count_above(&shown, before, REACTION_MS)?;
    if within.is_some() {
        let _ = browser::press("Escape");
    }
    Ok(Ok(if delivered {
        Sent::Delivered(channel)
    } else {
        Sent::Unconfirmed(channel)
    }))
}
