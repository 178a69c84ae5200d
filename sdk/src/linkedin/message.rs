//! Sending a message to a connection: the profile's message popup first, the messaging page
//! second, confirmed by the message appearing in the conversation.

use super::page::{self, MORE_BUTTONS, REACTION_MS};
use crate::browser::{self, css};
use crate::{Error, Result};
use outlane_linkedin::ProfileId;

/// How a message went out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// The popup opened from the profile.
    Popup,
    /// The messaging page, recipient chosen by name.
    MessagingPage,
}

/// What happened to a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    /// Sent and shown in the conversation.
    Delivered(Channel),
    /// Neither path could send it; nothing was sent. The reason says what was missing.
    Failed(String),
}

const COMPOSER: &str = "div[class*=\"msg-form__contenteditable\"][contenteditable=\"true\"]";
const SEND: &str = "button[type=\"submit\"][class*=\"msg-form__send-button\"]";
const ROWS: &str = "div[class*=\"msg-connections-typeahead__search-result-row\"]";
const SENT_BODIES: &str = ".msg-s-event-listitem__body";

/// Sends `text` to `id` (whose full name is `full_name`, used by the messaging page).
pub fn send_message(id: &ProfileId, full_name: &str, text: &str) -> Result<Sent> {
    if text.trim().is_empty() {
        return Err(Error::invalid("refusing to send an empty message"));
    }
    let popup = match popup(id, text)? {
        Ok(()) => return Ok(Sent::Delivered(Channel::Popup)),
        Err(why) => why,
    };
    match messaging_page(full_name, text)? {
        Ok(()) => Ok(Sent::Delivered(Channel::MessagingPage)),
        Err(why) => Ok(Sent::Failed(format!(
            "popup: {popup}; messaging page: {why}"
        ))),
    }
}

/// The popup path. The inner `Err` is why it could not send (nothing was sent).
fn popup(id: &ProfileId, text: &str) -> Result<Result<(), String>> {
    if !page::is_on_profile(id)? && page::open_profile(id)?.is_none() {
        return Ok(Err("the profile does not exist".into()));
    }
    let Some(card) = page::top_card()? else {
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
        let item =
            css("div[aria-label$=\"to message\"], [role=\"menuitem\"][aria-label*=\"Message\"]")
                .visible();
        if !browser::wait_for(&item, 3000)? {
            let _ = browser::press("Escape");
            return Ok(Err("no Message item in the More menu".into()));
        }
        browser::click(&item)?;
    }
    compose_and_send(text)
}

/// The messaging-page path: pick the recipient by name, refusing to guess between namesakes.
fn messaging_page(full_name: &str, text: &str) -> Result<Result<(), String>> {
    if full_name.trim().is_empty() {
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
    let name_cells = css(&format!("{ROWS} [class*=\"name\"]")).visible();
    let mut names = browser::texts(&name_cells)?;
    if names.is_empty() {
        names = browser::texts(&rows)?;
    }
    let wanted = full_name.trim().to_lowercase();
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
    compose_and_send(text)
}

/// Types into the composer, sends, and waits for the message to show in the conversation.
fn compose_and_send(text: &str) -> Result<Result<(), String>> {
    let composer = css(COMPOSER).visible();
    if !browser::wait_for(&composer, REACTION_MS)? {
        return Ok(Err(
            "the message box did not open (or cannot be edited)".into()
        ));
    }
    crate::host::pause(500, 1500);
    browser::type_text(&composer, text)?;
    crate::host::pause(500, 1500);
    browser::click(&css(SEND).visible())?;
    // The first words of the message, as the page shows them (whitespace normalised).
    let probe: String = text
        .split_whitespace()
        .take(8)
        .collect::<Vec<_>>()
        .join(" ");
    let shown = css(SENT_BODIES).with_text(&probe);
    let delivered = browser::wait_for(&shown, REACTION_MS)?;
    let _ = browser::press("Escape");
    if delivered {
        Ok(Ok(()))
    } else {
        Err(Error::transient(
            "the message was submitted but did not appear in the conversation",
        ))
    }
}
