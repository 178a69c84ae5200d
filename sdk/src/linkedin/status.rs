//! Where the account stands with a person: the API first, the profile page second.

use super::page::{self, ERROR_TOAST};
use super::voyager::fetch_profile;
use crate::browser;
use crate::{Error, Result};
use outlane_linkedin::ProfileId;

/// The relationship between the account and a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Connection {
    /// Not connected and no invitation out: an invitation may be sent.
    NotConnected,
    /// An invitation was sent and not answered yet.
    Pending,
    /// A 1st-degree connection.
    Connected,
    /// The profile does not exist (any more) or cannot be seen.
    Unavailable(String),
}

/// The relationship with `id`, from the Voyager profile when it answers, else from the
/// profile page. Throttling and a lost session stop here instead of loading more pages.
pub fn connection_status(id: &ProfileId) -> Result<Connection> {
    match fetch_profile(id) {
        Ok(Some(fetched)) => {
            let p = &fetched.profile;
            if p.connection_degree == Some(1) {
                return Ok(Connection::Connected);
            }
            if p.invitation_pending {
                return Ok(Connection::Pending);
            }
            if p.connection_distance.is_some() {
                return Ok(Connection::NotConnected);
            }
        }
        Err(e @ (Error::RateLimited(_) | Error::Auth(_) | Error::Denied(_))) => return Err(e),
        Ok(None) | Err(_) => {}
    }
    page_status(id)
}

/// The relationship as the profile page shows it now (the page is always loaded afresh).
pub fn page_status(id: &ProfileId) -> Result<Connection> {
    if page::open_profile(id)?.is_none() {
        return Ok(Connection::Unavailable(format!(
            "{id}: LinkedIn says the profile does not exist"
        )));
    }
    let Some(card) = page::wait_top_card()? else {
        let why = browser::text(&browser::css(ERROR_TOAST))?.unwrap_or_default();
        return Ok(Connection::Unavailable(format!(
            "{id}: the profile page has no top card {why}"
        )));
    };
    if browser::exists(&page::in_card(card, "button[aria-label^=\"Pending\"]"))? {
        return Ok(Connection::Pending);
    }
    let text = browser::text(&browser::css(card))?.unwrap_or_default();
    // The degree badge reads "· 1st" (or "1st degree connection" for screen readers); a bare
    // "1st" elsewhere ("21st Century") means nothing.
    if text.contains("· 1st") || text.contains("·\u{a0}1st") || text.contains("1st degree") {
        return Ok(Connection::Connected);
    }
    Ok(Connection::NotConnected)
}
