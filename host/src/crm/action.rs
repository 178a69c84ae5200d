//! Outward actions: what Outlane does on LinkedIn that a person would notice, and that rate
//! limits and the action journal therefore cover.

use std::fmt;
use std::str::FromStr;

/// One kind of outward action.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// A connection invitation.
    Invite,
    /// A message to a connection.
    Message,
    /// Withdrawing a pending invitation.
    Withdraw,
}

/// Every action.
pub const ALL_ACTIONS: [Action; 3] = [Action::Invite, Action::Message, Action::Withdraw];

impl Action {
    /// The action's name as stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Invite => "invite",
            Action::Message => "message",
            Action::Withdraw => "withdraw",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An action name that is not one of [`ALL_ACTIONS`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown action `{0}` (expected invite, message or withdraw)")]
pub struct UnknownAction(pub String);

impl FromStr for Action {
    type Err = UnknownAction;
    fn from_str(s: &str) -> Result<Action, UnknownAction> {
        ALL_ACTIONS
            .into_iter()
            .find(|a| a.as_str() == s.trim())
            .ok_or_else(|| UnknownAction(s.to_string()))
    }
}

impl rusqlite::types::FromSql for Action {
    fn column_result(value: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        value
            .as_str()?
            .parse()
            .map_err(|e: UnknownAction| rusqlite::types::FromSqlError::Other(Box::new(e)))
    }
}

impl rusqlite::ToSql for Action {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        Ok(self.as_str().into())
    }
}
