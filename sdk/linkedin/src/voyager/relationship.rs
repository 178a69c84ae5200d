//! How the viewer is related to the profile: connection degree and pending invitation.

use super::entities::{Entities, Entity, object, text};
use serde_json::Value;

/// Union members that mean a 1st-degree connection. LinkedIn's dash schema uses
/// `connection`/`*connection`; older payloads and the reference's tests use the others.
const CONNECTED_KEYS: [&str; 4] = ["connectedMember", "connected", "connection", "*connection"];

/// The relationship facts read from a profile.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Relationship {
    /// `DISTANCE_1`, `DISTANCE_2`, `DISTANCE_3`, `OUT_OF_NETWORK`, `SELF` or another raw value.
    pub(super) distance: Option<String>,
    /// 0 (self), 1, 2 or 3.
    pub(super) degree: Option<u8>,
    /// Whether an invitation to this person is pending.
    pub(super) invitation_pending: bool,
}

/// Reads the profile's `*memberRelationship`. Anything missing or malformed gives no facts.
pub(super) fn relationship(entities: &Entities<'_>, profile: Entity<'_>) -> Relationship {
    let Some(relation) = entities.resolve(profile, "*memberRelationship") else {
        return Relationship::default();
    };
    let data = object(relation, "memberRelationshipData");
    let union = object(relation, "memberRelationshipUnion")
        .filter(|u| !u.is_empty())
        .or(data);
    let no_connection = union.and_then(|u| object(u, "noConnection"));
    // The invitation sits in `noConnection.invitationUnion`; the legacy
    // `memberRelationshipData` carries the same union at its top level.
    let invitation_pending = no_connection
        .and_then(|n| object(n, "invitationUnion"))
        .into_iter()
        .chain(data)
        .any(|invitations| has_pending_invitation(entities, invitations));
    let (distance, degree) = match union {
        Some(u) if CONNECTED_KEYS.iter().any(|k| u.contains_key(*k)) => {
            (Some("DISTANCE_1".to_string()), Some(1))
        }
        Some(u) if u.contains_key("self") => (Some("SELF".to_string()), Some(0)),
        _ => match no_connection.map(|n| text(n, "memberDistance")) {
            Some(Some(distance)) => {
                let degree = match distance.as_str() {
                    "DISTANCE_1" => Some(1),
                    "DISTANCE_2" => Some(2),
                    "DISTANCE_3" => Some(3),
                    _ => None,
                };
                (Some(distance), degree)
            }
            _ => (None, None),
        },
    };
    Relationship {
        distance,
        degree,
        invitation_pending,
    }
}

/// Whether an invitation union holds a pending invitation, by reference or inline.
fn has_pending_invitation(entities: &Entities<'_>, invitations: Entity<'_>) -> bool {
    let referenced = entities.resolve(invitations, "*invitation");
    let inline = object(invitations, "invitation");
    referenced.into_iter().chain(inline).any(|invitation| {
        invitation.get("invitationState").and_then(Value::as_str) == Some("PENDING")
    })
}
