//! The `included` entities of a normalized Voyager response and the links between them.
//!
//! Every accessor here is total: a value of the wrong JSON type reads as missing, so a
//! response LinkedIn changed (or broke) degrades field by field instead of failing whole.

use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// One entity of `included`: a JSON object.
pub(super) type Entity<'a> = &'a Map<String, Value>;

/// The entities of a response, by `entityUrn`.
///
/// A `BTreeMap`, not a `HashMap`: no random seed is needed, so the crate imports nothing
/// from the host when built for a lane.
pub(super) struct Entities<'a> {
    by_urn: BTreeMap<&'a str, Entity<'a>>,
}

impl<'a> Entities<'a> {
    /// Indexes `included`. Entities without a string `entityUrn` (and anything that is not an
    /// object) are skipped; of two entities with the same URN the last one wins.
    pub(super) fn new(included: &'a [Value]) -> Entities<'a> {
        let mut by_urn = BTreeMap::new();
        for entity in included.iter().filter_map(Value::as_object) {
            if let Some(urn) = entity.get("entityUrn").and_then(Value::as_str) {
                by_urn.insert(urn, entity);
            }
        }
        Entities { by_urn }
    }

    /// The entity a URN names, if it is in the response.
    pub(super) fn get(&self, urn: &str) -> Option<Entity<'a>> {
        self.by_urn.get(urn).copied()
    }

    /// The entity a reference value names: a URN, or the first resolvable URN of a list.
    pub(super) fn resolve_value(&self, value: &Value) -> Option<Entity<'a>> {
        match value {
            Value::String(urn) => self.get(urn),
            Value::Array(urns) => urns
                .iter()
                .filter_map(Value::as_str)
                .find_map(|urn| self.get(urn)),
            _ => None,
        }
    }

    /// The entity a star field (`*geo`, `*company`...) of `entity` points to.
    pub(super) fn resolve(&self, entity: Entity<'_>, key: &str) -> Option<Entity<'a>> {
        entity.get(key).and_then(|value| self.resolve_value(value))
    }

    /// Every resolvable entity a reference value names, in order (a single URN counts as a
    /// list of one; URNs not in the response are dropped).
    pub(super) fn resolve_all(&self, value: &Value) -> Vec<Entity<'a>> {
        match value {
            Value::String(urn) => self.get(urn).into_iter().collect(),
            Value::Array(urns) => urns
                .iter()
                .filter_map(Value::as_str)
                .filter_map(|urn| self.get(urn))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The elements of the collection a star field of `entity` points to: the collection
    /// entity's `*elements`, resolved.
    pub(super) fn collection(&self, entity: Entity<'_>, key: &str) -> Vec<Entity<'a>> {
        self.resolve(entity, key)
            .and_then(|collection| collection.get("*elements"))
            .map(|elements| self.resolve_all(elements))
            .unwrap_or_default()
    }
}

/// A text field: a string that is not blank, as given. Anything else reads as missing.
pub(super) fn text(entity: Entity<'_>, key: &str) -> Option<String> {
    entity
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .map(str::to_string)
}

/// A nested object field.
pub(super) fn object<'a>(entity: Entity<'a>, key: &str) -> Option<Entity<'a>> {
    entity.get(key).and_then(Value::as_object)
}
