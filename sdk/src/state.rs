//! The lane's own persistent key/value state, kept in the daemon's database across calls and
//! restarts. Keys are 1–256 bytes, values up to 1 MiB. Other lanes cannot see it.

use crate::__wit::outlane::lanes::host as wit;
use crate::{Error, Result};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The value stored under `key`, if any.
pub fn get(key: &str) -> Result<Option<String>> {
    wit::state_get(key)
}

/// Stores `value` under `key`.
pub fn set(key: &str, value: &str) -> Result<()> {
    wit::state_set(key, value)
}

/// Removes `key` (no error if absent).
pub fn delete(key: &str) -> Result<()> {
    wit::state_delete(key)
}

/// The JSON value stored under `key`, deserialised.
pub fn get_json<T: DeserializeOwned>(key: &str) -> Result<Option<T>> {
    match get(key)? {
        None => Ok(None),
        Some(text) => serde_json::from_str(&text).map(Some).map_err(|e| {
            Error::Internal(format!(
                "state key {key:?} does not hold the expected JSON: {e}"
            ))
        }),
    }
}

/// Stores `value` as JSON under `key`.
pub fn set_json<T: Serialize>(key: &str, value: &T) -> Result<()> {
    let text = serde_json::to_string(value)
        .map_err(|e| Error::Internal(format!("cannot serialise state: {e}")))?;
    set(key, &text)
}
