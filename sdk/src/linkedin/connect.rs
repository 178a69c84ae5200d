//! Sending a connection request, directly or through the More menu, with an optional note,
//! and confirming it (the Pending state on the page, else the Voyager profile).

use super::page::{self, ERROR_TOAST, LIMIT_ALERT, MenuItem, REACTION_MS, attr_value};
use super::status::{Connection, page_status};
use super::voyager::fetch_profile;
use crate::browser::{self, css};
use crate::{Error, Result};
use outlane_linkedin::ProfileId;

/// What happened to an invitation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invite {
    /// Sent, and LinkedIn shows it as pending.
    Sent,
    /// Send was clicked but neither the page nor the API shows the invitation yet. Treat it as
    /// probably sent (mark the lead pending; the next status check settles it): never send
    /// it again blindly.
    Unconfirmed,
    /// An invitation was already out; nothing was sent.
    AlreadyPending,
    /// Already a connection; nothing was sent.
    AlreadyConnected,
    /// LinkedIn's weekly invitation limit is reached; nothing was sent.
    WeeklyLimit,
    /// LinkedIn refused (its error message) or wants something we cannot give (an e-mail
    /// address, a note on a free account past its quota); nothing was sent.
    Refused(String),
    /// The profile offers no way to connect (no Connect button, not in the More menu).
    NoConnectControl,
    /// The profile does not exist or cannot be seen.
    Unavailable(String),
}

/// Longest invitation note LinkedIn accepts.
pub const MAX_NOTE_CHARS: usize = 300;

/// The classic labelled Connect button of the top card.
pub const DIRECT: &str = "button[aria-label^=\"Invite\"][aria-label*=\"to connect\"]";
/// The server-driven Connect button: no label, its text is exactly "Connect".
pub const UNLABELLED: &str = "button:not([aria-label])";
/// The invitation dialog (and not any other dialog that may be open).
pub const INVITE_DIALOG: &str = "div[role=\"dialog\"]:has(button[aria-label=\"Add a note\"], button[aria-label*=\"Send without\"], button[aria-label*=\"Send invitation\"])";
/// The dialog's Send buttons (without a note, with one, the "Send now" variant).
pub const SEND_BUTTONS: &str = "button[aria-label*=\"Send without\"], button[aria-label*=\"Send invitation\"], button[aria-label=\"Send now\"]";

/// Sends an invitation to `id` (with `note` when given) and confirms it.
pub fn send_invitation(id: &ProfileId, note: Option<&str>) -> Result<Invite> {
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    if let Some(n) = note
        && n.chars().count() > MAX_NOTE_CHARS
    {
        return Err(Error::invalid(format!(
            "the note has {} characters; LinkedIn accepts {MAX_NOTE_CHARS}",
            n.chars().count()
        )));
    }
    match page_status(id)? {
        Connection::Pending => return Ok(Invite::AlreadyPending),
        Connection::Connected => return Ok(Invite::AlreadyConnected),
        Connection::Unavailable(why) => return Ok(Invite::Unavailable(why)),
        Connection::NotConnected => {}
    }
    let Some(card) = page::top_card()? else {
        return Ok(Invite::Unavailable(format!("{id}: no top card")));
    };
    let name = browser::text(&css("h1").within(card))?.unwrap_or_default();
    if !open_invite(card, name.trim())? {
        return Ok(Invite::NoConnectControl);
    }
    crate::host::pause(800, 2000);
    match page::first_of(
        &[
            css(INVITE_DIALOG).visible(),
            css(LIMIT_ALERT),
            css(ERROR_TOAST),
            pending(card),
        ],
        REACTION_MS,
    )? {
        Some(0) => {}
        Some(1) => return Ok(Invite::WeeklyLimit),
        Some(2) => return Ok(Invite::Refused(toast_text()?)),
        // Sent at once, without a dialog.
        Some(_) => return Ok(Invite::Sent),
        None => {
            return Err(Error::transient(format!(
                "{id}: clicking Connect opened no invitation dialog"
            )));
        }
    }
    if browser::exists(&css("input[type=\"email\"]").visible().within(INVITE_DIALOG))? {
        let _ = browser::press("Escape");
        return Ok(Invite::Refused(
            "LinkedIn asks for the person's e-mail address to connect".into(),
        ));
    }
    match note {
        Some(note) => {
            if let Some(refused) = send_with_note(note)? {
                return Ok(refused);
            }
        }
        None => {
            let labelled = css(SEND_BUTTONS).visible().within(INVITE_DIALOG);
            if browser::exists(&labelled)? {
                browser::click(&labelled)?;
            } else {
                browser::click(
                    &css("button")
                        .visible()
                        .within(INVITE_DIALOG)
                        .with_text("Send now"),
                )?;
            }
        }
    }
    confirm(id, card)
}

fn pending(card: &str) -> browser::Target {
    // Visible or not: after a send through the More menu the Pending state may sit in it.
    css("[aria-label^=\"Pending\"]").within(card)
}

/// Clicks Connect, directly or through the More menu. False when neither exists.
fn open_invite(card: &str, name: &str) -> Result<bool> {
    let direct = page::in_card(card, DIRECT);
    if browser::exists(&direct)? {
        browser::click(&direct)?;
        return Ok(true);
    }
    let unlabelled = page::in_card(card, UNLABELLED).with_text("Connect");
    // `with_text` matches "Connections" too: the first such button must read exactly Connect.
    if browser::texts(&unlabelled)?
        .first()
        .is_some_and(|t| t.trim() == "Connect")
    {
        browser::click(&unlabelled)?;
        return Ok(true);
    }
    let who = attr_value(name);
    let item = format!(
        "div[role=\"button\"][aria-label^=\"Invite\"][aria-label*=\" to connect\"][aria-label*=\"{who}\"], \
         [role=\"menuitem\"][aria-label*=\"Connect\"][aria-label*=\"{who}\"]"
    );
    Ok(page::click_more_menu_item(card, &item)? == MenuItem::Clicked)
}

/// Adds the note and sends. `Some` when LinkedIn does not offer a note box (free accounts
/// run out of notes): the dialog is closed and nothing is sent.
fn send_with_note(note: &str) -> Result<Option<Invite>> {
    let add = css("button[aria-label=\"Add a note\"]")
        .visible()
        .within(INVITE_DIALOG);
    if !browser::exists(&add)? {
        let _ = browser::press("Escape");
        return Ok(Some(Invite::Refused(
            "LinkedIn offers no note for this invitation".into(),
        )));
    }
    browser::click(&add)?;
    let field = css("textarea#custom-message, textarea[name=\"message\"]").visible();
    if !browser::wait_for(&field, 4000)? {
        let _ = browser::press("Escape");
        return Ok(Some(Invite::Refused(
            "the note box did not appear (LinkedIn may limit notes on this account)".into(),
        )));
    }
    crate::host::pause(400, 1200);
    browser::type_text(&field, note)?;
    crate::host::pause(400, 1200);
    browser::click(
        &css("button[aria-label=\"Send invitation\"], button[aria-label=\"Send\"]")
            .visible()
            .within("div[role=\"dialog\"]:has(textarea)"),
    )?;
    Ok(None)
}

/// After Send: the Pending state (sent), the limit alert or an error toast; failing those,
/// the Voyager profile's pending invitation. Otherwise `Unconfirmed`, never `Sent`.
fn confirm(id: &ProfileId, card: &str) -> Result<Invite> {
    match page::first_of(
        &[pending(card), css(LIMIT_ALERT), css(ERROR_TOAST)],
        REACTION_MS,
    )? {
        Some(0) => Ok(Invite::Sent),
        Some(1) => Ok(Invite::WeeklyLimit),
        Some(2) => Ok(Invite::Refused(toast_text()?)),
        _ => match fetch_profile(id) {
            Ok(Some(f)) if f.profile.invitation_pending => Ok(Invite::Sent),
            _ => Ok(Invite::Unconfirmed),
        },
    }
}

fn toast_text() -> Result<String> {
    Ok(browser::text(&css(ERROR_TOAST))?
        .map(|t| t.trim().to_string())
        .unwrap_or_else(|| "LinkedIn showed an error".into()))
}

/// What happened to a withdrawal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Withdrawal {
    /// Withdrawn: the page (or the Voyager profile) no longer shows the invitation.
    Withdrawn,
    /// No invitation to withdraw: no Pending control on the profile. Nothing was done; check
    /// the connection status again (the person may have accepted or declined).
    NotPending,
    /// Withdraw was clicked but neither the page nor the API confirms it. Treat it as
    /// withdrawn: clicking again could act twice.
    Unconfirmed,
    /// Nothing was withdrawn; the reason says what was missing or what LinkedIn said.
    Failed(String),
}

/// The top card's Pending button (its label reads "Pending, click to withdraw invitation
/// sent to NAME").
pub const PENDING_BUTTON: &str = "button[aria-label^=\"Pending\"]";
/// The Withdraw button of the confirmation dialog, by label.
pub const WITHDRAW_LABELLED: &str = "[role=\"dialog\"] button[aria-label=\"Withdraw invitation\"], [role=\"dialog\"] button[aria-label=\"Withdraw\"]";

/// Withdraws the pending invitation to `id` and confirms it.
///
/// Opens the profile, clicks the top card's Pending button (or the Pending / Withdraw item of
/// the More menu, which must name the person), confirms in the dialog, then checks that the
/// invitation is gone: on the page (the Pending control disappears) and in the Voyager
/// profile (no pending invitation).
pub fn withdraw_invitation(id: &ProfileId) -> Result<Withdrawal> {
    if page::open_profile(id)?.is_none() {
        return Ok(Withdrawal::Failed(format!(
            "{id}: LinkedIn says the profile does not exist"
        )));
    }
    let Some(card) = page::wait_top_card()? else {
        return Ok(Withdrawal::Failed(format!(
            "{id}: the profile page has no top card"
        )));
    };
    let name = browser::text(&css("h1").within(card))?.unwrap_or_default();
    if !open_withdraw(card, name.trim())? {
        return Ok(Withdrawal::NotPending);
    }
    crate::host::pause(800, 2000);
    let labelled = css(WITHDRAW_LABELLED).visible();
    let by_text = css("[role=\"dialog\"] button")
        .visible()
        .with_text("Withdraw");
    let confirm_button = match page::first_of(
        &[labelled.clone(), by_text.clone(), css(ERROR_TOAST)],
        REACTION_MS,
    )? {
        Some(0) => labelled,
        Some(1) => by_text,
        Some(_) => return Ok(Withdrawal::Failed(toast_text()?)),
        None => {
            let _ = browser::press("Escape");
            return Ok(Withdrawal::Failed(format!(
                "{id}: clicking Pending opened no withdraw dialog"
            )));
        }
    };
    crate::host::pause(400, 1200);
    browser::click(&confirm_button)?;
    confirm_withdrawn(id, card)
}

/// Clicks the Pending control, in the top card or in the More menu. False when neither
/// exists (nothing is pending).
fn open_withdraw(card: &str, name: &str) -> Result<bool> {
    let direct = page::in_card(card, PENDING_BUTTON);
    if browser::exists(&direct)? {
        browser::click(&direct)?;
        return Ok(true);
    }
    if name.is_empty() {
        return Ok(false);
    }
    let who = attr_value(name);
    let item = format!(
        "[role=\"button\"][aria-label^=\"Pending\"][aria-label*=\"{who}\"], \
         [role=\"menuitem\"][aria-label^=\"Pending\"][aria-label*=\"{who}\"], \
         [role=\"button\"][aria-label*=\"withdraw invitation\" i][aria-label*=\"{who}\"], \
         [role=\"menuitem\"][aria-label*=\"withdraw invitation\" i][aria-label*=\"{who}\"]"
    );
    Ok(page::click_more_menu_item(card, &item)? == MenuItem::Clicked)
}

/// After Withdraw: the Pending control must disappear from the page (it may reload), and
/// the Voyager profile must no longer report the invitation. `Unconfirmed` otherwise.
fn confirm_withdrawn(id: &ProfileId, card: &str) -> Result<Withdrawal> {
    const STEP_MS: u32 = 150;
    let pending = pending(card);
    let mut waited = 0;
    let mut gone = false;
    while waited < REACTION_MS {
        if browser::exists(&css(ERROR_TOAST))? {
            return Ok(Withdrawal::Failed(toast_text()?));
        }
        // The card must be there (not a page halfway through reloading) without Pending.
        if browser::exists(&css(card))? && !browser::exists(&pending)? {
            gone = true;
            break;
        }
        browser::wait_for(&css("#outlane-never-there"), STEP_MS)?;
        waited += STEP_MS;
    }
    match fetch_profile(id) {
        Ok(Some(f)) if f.profile.invitation_pending => Ok(Withdrawal::Unconfirmed),
        // Accepted meanwhile: there was nothing left to withdraw.
        Ok(Some(f)) if f.profile.connection_degree == Some(1) => Ok(Withdrawal::NotPending),
        Ok(Some(_)) => Ok(Withdrawal::Withdrawn),
        Err(e @ (Error::RateLimited(_) | Error::Auth(_) | Error::Denied(_))) => Err(e),
        _ if gone => Ok(Withdrawal::Withdrawn),
        _ => Ok(Withdrawal::Unconfirmed),
    }
}
