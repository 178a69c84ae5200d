//! Sending a message to a connection: the profile's message window first, the messaging page
//! second. A message is `Delivered` once a new copy of it shows in the conversation; once Send
//! has been clicked it is never reported as "not sent", so a lane never sends it twice.

use super::page::{self, MenuItem, REACTION_MS, attr_value};
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
    /// The last check before Send said not to send (the person replied); nothing was sent.
    Withheld(String),
}

/// The last look before Send is clicked, with the message typed: `Some(reason)` withholds it.
pub type LastCheck<'a> = &'a mut dyn FnMut() -> Result<Option<String>>;

/// Longest message LinkedIn accepts.
pub const MAX_MESSAGE_CHARS: usize = 8000;

/// The message composer of a conversation window (or the messaging page).
pub const COMPOSER: &str = "div[class*=\"msg-form__contenteditable\"][contenteditable=\"true\"]";
/// The composer's Send button.
pub const SEND: &str = "button[type=\"submit\"][class*=\"msg-form__send-button\"]";
/// The result rows of the new-message recipient search.
pub const ROWS: &str = "div[class*=\"msg-connections-typeahead__search-result-row\"]";
/// A recipient chosen in the new-message window.
pub const PILLS: &str = "[class*=\"msg-connections-typeahead__pill\"]";
/// The body of each message shown in a thread (the message list).
pub const SENT_BODIES: &str = ".msg-s-event-listitem__body";
/// The conversation windows (bubbles) open over a page.
pub const BUBBLES: &str = "[class*=\"msg-overlay-conversation-bubble\"]";
/// The link to the other person in a messaging thread's title.
pub const THREAD_TITLE_LINKS: &str = "[class*=\"msg-entity-lockup__entity-title\"] a[href*=\"/in/\"], [class*=\"msg-thread__link-to-profile\"][href*=\"/in/\"]";

/// Sends `text` to `id`, whose full name is `full_name` (the conversation window is found by
/// it, and the messaging page picks the recipient by it).
pub fn send_message(id: &ProfileId, full_name: &str, text: &str) -> Result<Sent> {
    send_message_checked(id, full_name, text, &mut || Ok(None))
}

/// [`send_message`] with `last_check` run right before Send is clicked (after the message is
/// typed, as late as a client can look): when it gives a reason, nothing is sent and the
/// answer is [`Sent::Withheld`].
pub fn send_message_checked(
    id: &ProfileId,
    full_name: &str,
    text: &str,
    last_check: LastCheck<'_>,
) -> Result<Sent> {
    if text.trim().is_empty() {
        return Err(Error::invalid("refusing to send an empty message"));
    }
    if text.chars().count() > MAX_MESSAGE_CHARS {
        return Err(Error::invalid(format!(
            "the message has {} characters; LinkedIn accepts {MAX_MESSAGE_CHARS}",
            text.chars().count()
        )));
    }
    let popup = match popup(id, full_name, text, last_check)? {
        Ok(outcome) => return Ok(outcome),
        Err(why) => why,
    };
    match messaging_page(full_name, text, last_check)? {
        Ok(outcome) => Ok(outcome),
        Err(why) => Ok(Sent::Failed(format!(
            "popup: {popup}; messaging page: {why}"
        ))),
    }
}

/// The popup path. The inner `Err` is why it could not send (nothing was sent).
fn popup(
    id: &ProfileId,
    full_name: &str,
    text: &str,
    last_check: LastCheck<'_>,
) -> Result<Result<Sent, String>> {
    match open_popup(id, full_name)? {
        Ok(bubble) => compose_and_send(Some(&bubble), text, Channel::Popup, last_check),
        Err(why) => Ok(Err(why)),
    }
}

/// Opens the person's conversation window from their profile (Message button or the More
/// menu item naming them). The inner `Ok` is the selector of that window; the inner `Err`
/// says why it could not be opened.
fn open_popup(id: &ProfileId, full_name: &str) -> Result<Result<String, String>> {
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
        let name = attr_value(full_name.trim());
        let item = format!(
            "div[aria-label$=\"to message\"][aria-label*=\"{name}\"], [role=\"menuitem\"][aria-label*=\"Message\"][aria-label*=\"{name}\"]"
        );
        match page::click_more_menu_item(card, &item)? {
            MenuItem::Clicked => {}
            MenuItem::NoMenu => return Ok(Err("no Message button and no More menu".into())),
            MenuItem::NoItem => {
                return Ok(Err(
                    "no Message item for this person in the More menu".into()
                ));
            }
        }
    }
    // The conversation window of this person (LinkedIn keeps others open beside it).
    let named = format!(
        "{BUBBLES}[aria-label*=\"{}\"]",
        attr_value(full_name.trim())
    );
    if browser::wait_for(&css(&named).visible(), REACTION_MS)? {
        Ok(Ok(named))
    } else if browser::texts(&css(BUBBLES).visible())?.len() == 1 {
        Ok(Ok(BUBBLES.to_string()))
    } else {
        Ok(Err("no conversation window for this person opened".into()))
    }
}

/// Whether `text` was already sent to `id` (full name `full_name`), for reconciling a
/// message whose result was never recorded.
///
/// Opens the person's conversation (the window from their profile, else the messaging thread
/// with them) and looks for a copy of the text there, by its first words as they show.
/// `Some(true)`: it is there; `Some(false)`: the conversation opened and it is not there (it
/// was not sent); `None`: no conversation could be opened, so nobody can tell.
pub fn was_sent(id: &ProfileId, full_name: &str, text: &str) -> Result<Option<bool>> {
    let probe = probe(text);
    if probe.is_empty() {
        return Ok(None);
    }
    if let Ok(bubble) = open_popup(id, full_name)? {
        let composer = css(COMPOSER).visible().within(&bubble);
        let opened = browser::wait_for(&composer, REACTION_MS)?;
        let shown = css(SENT_BODIES).with_text(&probe).within(&bubble);
        let found = browser::wait_for(&shown, if opened { REACTION_MS } else { 0 })?;
        let _ = browser::press("Escape");
        if found {
            return Ok(Some(true));
        }
        if opened {
            return Ok(Some(false));
        }
    }
    thread_page(id, &probe)
}

/// The messaging thread with `id`, when LinkedIn serves it by the member's id: whether it
/// shows `probe`. `None` unless the page is a thread whose title links to this person.
fn thread_page(id: &ProfileId, probe: &str) -> Result<Option<bool>> {
    let url = format!(
        "https://www.linkedin.com/messaging/thread/{}/",
        page::form_encode(id.as_str())
    );
    let at = browser::goto(&url)?;
    if !page::url_path(&at.url).starts_with("/messaging/thread/") {
        return Ok(None);
    }
    let title = css(THREAD_TITLE_LINKS);
    if !browser::wait_for(&title, REACTION_MS)? {
        return Ok(None);
    }
    let hrefs = browser::attrs(&title, "href")?;
    let same_person = hrefs
        .iter()
        .any(|h| ProfileId::parse(h).is_ok_and(|p| &p == id));
    if !same_person || !browser::exists(&css(COMPOSER).visible())? {
        return Ok(None);
    }
    let shown = css(SENT_BODIES).with_text(probe);
    Ok(Some(browser::wait_for(&shown, REACTION_MS)?))
}

/// The first words of a message, whitespace normalised, as the page shows them: what the
/// flows look for in a conversation.
fn probe(text: &str) -> String {
    text.split_whitespace()
        .take(8)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The messaging-page path: pick the recipient by name, refusing to guess between namesakes.
fn messaging_page(
    full_name: &str,
    text: &str,
    last_check: LastCheck<'_>,
) -> Result<Result<Sent, String>> {
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
    compose_and_send(None, text, Channel::MessagingPage, last_check)
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
    last_check: LastCheck<'_>,
) -> Result<Result<Sent, String>> {
    let composer = scoped(COMPOSER, within);
    if !browser::wait_for(&composer, REACTION_MS)? {
        return Ok(Err(
            "the message box did not open (or cannot be edited)".into()
        ));
    }
    let shown = css(SENT_BODIES).with_text(&probe(text));
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
    if let Some(why) = last_check()? {
        let _ = browser::press("Escape");
        return Ok(Ok(Sent::Withheld(why)));
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
