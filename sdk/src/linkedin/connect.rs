//! Sending a connection request, directly or through the More menu, with an optional note,
//! and confirming it on the page.

use super::page::{self, ERROR_TOAST, LIMIT_ALERT, MORE_BUTTONS, REACTION_MS};
use super::status::{Connection, page_status};
use crate::browser::{self, css};
use crate::{Error, Result};
use outlane_linkedin::ProfileId;

/// What happened to an invitation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invite {
    /// Sent, and the page now shows it as pending.
    Sent,
    /// An invitation was already out; nothing was sent.
    AlreadyPending,
    /// Already a connection; nothing was sent.
    AlreadyConnected,
    /// LinkedIn's weekly invitation limit is reached; nothing was sent.
    WeeklyLimit,
    /// LinkedIn refused (its error message) or wants something we cannot give (an e-mail
    /// address); nothing was sent.
    Refused(String),
    /// The profile offers no way to connect (no Connect button, not in the More menu).
    NoConnectControl,
    /// The profile does not exist or cannot be seen.
    Unavailable(String),
}

/// Direct Connect buttons in the top card: the classic labelled button, then the
/// server-driven one whose only mark is its text.
const DIRECT: [&str; 2] = [
    "button[aria-label^=\"Invite\"][aria-label*=\"to connect\"]",
    "button:not([aria-label])",
];

/// Connect items of the More menu, searched page-wide: LinkedIn may render the menu as a
/// portal outside the top card.
const MENU_ITEMS: &str = "div[role=\"button\"][aria-label^=\"Invite\"][aria-label*=\" to connect\"], \
                          [role=\"menuitem\"][aria-label*=\"Connect\"]";

/// Sends an invitation to `id` (with `note` when given) and confirms it.
pub fn send_invitation(id: &ProfileId, note: Option<&str>) -> Result<Invite> {
    match page_status(id)? {
        Connection::Pending => return Ok(Invite::AlreadyPending),
        Connection::Connected => return Ok(Invite::AlreadyConnected),
        Connection::Unavailable(why) => return Ok(Invite::Unavailable(why)),
        Connection::NotConnected => {}
    }
    let Some(card) = page::top_card()? else {
        return Ok(Invite::Unavailable(format!("{id}: no top card")));
    };
    if !open_invite(card)? {
        return Ok(Invite::NoConnectControl);
    }
    crate::host::pause(800, 2000);
    let dialog = css("div[role=\"dialog\"]").visible();
    match page::first_of(
        &[dialog.clone(), css(LIMIT_ALERT), css(ERROR_TOAST)],
        REACTION_MS,
    )? {
        Some(0) => {}
        Some(1) => return Ok(Invite::WeeklyLimit),
        Some(2) => return Ok(Invite::Refused(toast_text()?)),
        _ => {
            return Err(Error::transient(format!(
                "{id}: clicking Connect opened no invitation dialog"
            )));
        }
    }
    if browser::exists(&css("div[role=\"dialog\"] input[type=\"email\"]").visible())? {
        let _ = browser::press("Escape");
        return Ok(Invite::Refused(
            "LinkedIn asks for the person's e-mail address to connect".into(),
        ));
    }
    match note.map(str::trim).filter(|n| !n.is_empty()) {
        Some(note) => send_with_note(note)?,
        None => browser::click(
            &css("button[aria-label*=\"Send without\"], button[aria-label*=\"Send invitation\"], button")
                .visible()
                .within("div[role=\"dialog\"]")
                .with_text("Send"),
        )?,
    }
    confirm(id, card)
}

/// Clicks Connect, directly or through the More menu. False when neither exists.
fn open_invite(card: &str) -> Result<bool> {
    for selector in DIRECT {
        let target = page::in_card(card, selector);
        let target = if selector.contains("aria-label^") {
            target
        } else {
            target.with_text("Connect")
        };
        if browser::exists(&target)? {
            browser::click(&target)?;
            return Ok(true);
        }
    }
    let more = page::in_card(card, MORE_BUTTONS);
    if !browser::exists(&more)? {
        return Ok(false);
    }
    browser::click(&more)?;
    crate::host::pause(500, 1500);
    let item = css(MENU_ITEMS).visible();
    if !browser::wait_for(&item, 3000)? {
        let _ = browser::press("Escape");
        return Ok(false);
    }
    browser::click(&item)?;
    Ok(true)
}

fn send_with_note(note: &str) -> Result<()> {
    browser::click(
        &css("button[aria-label=\"Add a note\"], button")
            .visible()
            .within("div[role=\"dialog\"]")
            .with_text("Add a note"),
    )?;
    let field = css("textarea#custom-message, textarea[name=\"message\"]").visible();
    if !browser::wait_for(&field, 4000)? {
        return Err(Error::transient("the invitation note box did not appear"));
    }
    crate::host::pause(400, 1200);
    browser::type_text(&field, note)?;
    crate::host::pause(400, 1200);
    browser::click(
        &css("button[aria-label=\"Send invitation\"], button[aria-label=\"Send\"]").visible(),
    )
}

/// After Send: the Pending button (sent), the limit alert or an error toast. Anything else
/// is reported as unconfirmed (`transient`), never as sent.
fn confirm(id: &ProfileId, card: &str) -> Result<Invite> {
    let pending = page::in_card(card, "button[aria-label^=\"Pending\"]");
    match page::first_of(&[pending, css(LIMIT_ALERT), css(ERROR_TOAST)], REACTION_MS)? {
        Some(0) => Ok(Invite::Sent),
        Some(1) => Ok(Invite::WeeklyLimit),
        Some(2) => Ok(Invite::Refused(toast_text()?)),
        _ => Err(Error::transient(format!(
            "{id}: the invitation was not confirmed on the page (no Pending button)"
        ))),
    }
}

fn toast_text() -> Result<String> {
    Ok(browser::text(&css(ERROR_TOAST))?
        .map(|t| t.trim().to_string())
        .unwrap_or_else(|| "LinkedIn showed an error".into()))
}
