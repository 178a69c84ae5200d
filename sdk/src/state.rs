//! The lane's own persistent key/value state, kept in the daemon's database across calls and
//! restarts. Keys are 1–256 bytes, values up to 1 MiB; the whole state of a lane is capped by
//! its manifest entry (`limits.state`, default 16 MiB). Other lanes cannot see it.
//!
//! State is scoped. The functions of this module ([`get`], [`set`], [`delete`], [`get_json`],
//! [`set_json`]) work in the scope of the **campaign** the call runs for, so a lane working for
//! two campaigns keeps two separate states and an interrupted job of one campaign is never
//! resumed for another. What is about the LinkedIn account itself (its own profile ids) goes in
//! [`account()`]; what really is global to the lane in [`lane()`]:
//!
//! ```text
//! state::set("cursor", "page-2")?;                        // this campaign's
//! state::account().set_json("own-ids", &ids)?;            // this account's, every campaign
//! state::lane().get("last-cleanup")?;                     // the lane's, everywhere
//! ```

use crate::__wit::outlane::lanes::host as wit;
use crate::{Error, Result};
use serde::Serialize;
use serde::de::DeserializeOwned;

pub use wit::StateScope as Scope;

/// The state of one scope.
#[derive(Debug, Clone, Copy)]
pub struct Store {
    scope: Scope,
}

/// The state of the campaign the call runs for (what the free functions of this module use).
pub fn campaign() -> Store {
    Store {
        scope: Scope::Campaign,
    }
}

/// The state of the call's LinkedIn account, shared by every campaign of the account.
pub fn account() -> Store {
    Store {
        scope: Scope::Account,
    }
}

/// The lane-wide state, shared by every campaign and account.
pub fn lane() -> Store {
    Store { scope: Scope::Lane }
}

impl Store {
    /// The value stored under `key`, if any.
    pub fn get(&self, key: &str) -> Result<Option<String>> {
        wit::state_get(self.scope, key)
    }

    /// Stores `value` under `key`.
    pub fn set(&self, key: &str, value: &str) -> Result<()> {
        wit::state_set(self.scope, key, value)
    }

    /// Removes `key` (no error if absent).
    pub fn delete(&self, key: &str) -> Result<()> {
        wit::state_delete(self.scope, key)
    }

    /// The JSON value stored under `key`, deserialised.
    pub fn get_json<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        match self.get(key)? {
            None => Ok(None),
            Some(text) => serde_json::from_str(&text).map(Some).map_err(|e| {
                Error::Internal(format!(
                    "state key {key:?} does not hold the expected JSON: {e}"
                ))
            }),
        }
    }

    /// Stores `value` as JSON under `key`.
    pub fn set_json<T: Serialize>(&self, key: &str, value: &T) -> Result<()> {
        let text = serde_json::to_string(value)
            .map_err(|e| Error::Internal(format!("cannot serialise state: {e}")))?;
        self.set(key, &text)
    }
}

/// The value stored under `key` for the call's campaign, if any.
pub fn get(key: &str) -> Result<Option<String>> {
    campaign().get(key)
}

/// Stores `value` under `key` for the call's campaign.
pub fn set(key: &str, value: &str) -> Result<()> {
    campaign().set(key, value)
}

/// Removes `key` of the call's campaign (no error if absent).
pub fn delete(key: &str) -> Result<()> {
    campaign().delete(key)
}

/// The JSON value stored under `key` for the call's campaign, deserialised.
pub fn get_json<T: DeserializeOwned>(key: &str) -> Result<Option<T>> {
    campaign().get_json(key)
}

/// Stores `value` as JSON under `key` for the call's campaign.
pub fn set_json<T: Serialize>(key: &str, value: &T) -> Result<()> {
    campaign().set_json(key, value)
}
