//! The messaging GraphQL API of the web client (`/voyager/api/voyagerMessagingGraphQL/graphql`):
//! the viewer's conversations, newest activity first, and the messages of one conversation,
//! newest page first, in the shape LinkedIn answers them.
//!
//! | `queryId` | `variables` | answer |
//! |---|---|---|
//! | [`MessagingQueries::conversations`] | `(mailboxUrn:<viewer urn>[,lastUpdatedBefore:<ms>])` | `data.messengerConversationsBySyncToken.elements`, [`PAGE_SIZE`] at most |
//! | [`MessagingQueries::messages`] | `(conversationUrn:<urn>[,prevCursor:<cursor>])` | `data.messengerMessagesBySyncToken.elements`, the newest [`PAGE_SIZE`] before the cursor, `metadata.prevCursor` when older ones remain |
//!
//! Values in `variables` are percent-encoded (a urn's `:`, `,` and parentheses). An unknown
//! query id is a 400 (`PersistedQueryNotFound`): LinkedIn rotates them. Requests need the
//! session cookie and the CSRF header, like every Voyager call.
//!
//! [`MessagingQueries::conversations`]: crate::scenario::MessagingQueries

use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use percent_encoding::percent_decode_str;
use serde_json::{Value, json};
use std::collections::HashMap;

use crate::routes::{Sim, header, session, voyager_error, voyager_json};
use crate::scenario::Person;
use crate::state::{ThreadEntry, World};

/// Conversations or messages per page.
pub const PAGE_SIZE: usize = 20;

/// The path of the endpoint.
pub const PATH: &str = "/voyager/api/voyagerMessagingGraphQL/graphql";

/// `queryId` and the decoded `variables` of a raw query string.
fn parse_query(raw: &str) -> (String, HashMap<String, String>) {
    let mut query_id = String::new();
    let mut vars = HashMap::new();
    for pair in raw.split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            "queryId" => query_id = decode(value),
            "variables" => {
                let inner = value.trim_start_matches('(').trim_end_matches(')');
                for item in inner.split(',') {
                    if let Some((k, v)) = item.split_once(':') {
                        vars.insert(decode(k), decode(v));
                    }
                }
            }
            _ => {}
        }
    }
    (query_id, vars)
}

fn decode(s: &str) -> String {
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// The `GET` handler.
pub async fn graphql(Sim(sim): Sim, headers: HeaderMap, uri: Uri) -> Response {
    let (query_id, vars) = parse_query(uri.query().unwrap_or(""));
    sim.with(|w| answer(w, &headers, &query_id, &vars))
}

fn answer(
    w: &mut World,
    headers: &HeaderMap,
    query_id: &str,
    vars: &HashMap<String, String>,
) -> Response {
    let Some(session) = session(w, headers) else {
        return voyager_json(StatusCode::UNAUTHORIZED, json!({"status": 401}).to_string());
    };
    if header(headers, "csrf-token").unwrap_or_default() != session.jsessionid {
        return voyager_error(StatusCode::FORBIDDEN, "CSRF check failed.");
    }
    let queries = w.scenario().messaging_queries.clone();
    let body = if query_id == queries.conversations {
        let viewer_urn = urn_of(&w.scenario().viewer.profile);
        if vars.get("mailboxUrn") != Some(&viewer_urn) {
            return voyager_error(StatusCode::FORBIDDEN, "Not your mailbox");
        }
        let before = vars.get("lastUpdatedBefore").and_then(|v| v.parse().ok());
        conversations(w, before)
    } else if query_id == queries.messages {
        let Some(urn) = vars.get("conversationUrn") else {
            return voyager_error(StatusCode::BAD_REQUEST, "Missing conversationUrn");
        };
        let Some(handle) = w.conversation_handle(urn) else {
            return voyager_error(StatusCode::NOT_FOUND, "Conversation not found");
        };
        let before = vars
            .get("prevCursor")
            .and_then(|c| c.strip_prefix("before-"))
            .and_then(|n| n.parse().ok());
        messages(w, &handle, before)
    } else {
        return voyager_json(
            StatusCode::BAD_REQUEST,
            json!({"errors": [{"message": "PersistedQueryNotFound", "extensions": {"queryId": query_id}}]})
                .to_string(),
        );
    };
    voyager_json(StatusCode::OK, body.to_string())
}

/// `urn:li:fsd_profile:<id>` of a person.
pub fn urn_of(p: &Person) -> String {
    format!("urn:li:fsd_profile:{}", p.profile_id)
}

fn participant(p: &Person, distance: &str) -> Value {
    json!({
        "hostIdentityUrn": urn_of(p),
        "entityUrn": format!("urn:li:msg_messagingParticipant:{}", urn_of(p)),
        "participantType": {"member": {
            "firstName": {"text": p.first},
            "lastName": {"text": p.last},
            "headline": {"text": p.headline},
            "profileUrl": format!("https://www.linkedin.com/in/{}", p.canonical()),
            "distance": distance,
        }}
    })
}

fn message(w: &World, person: &Person, viewer: &Person, e: &ThreadEntry) -> Value {
    let sender = if e.from_viewer {
        participant(viewer, "SELF")
    } else {
        participant(person, "DISTANCE_1")
    };
    json!({
        "entityUrn": w.message_urn(&person.handle, e.seq),
        "deliveredAt": e.at_ms,
        "body": {"text": e.text, "attributes": []},
        "sender": sender,
        "conversation": {"entityUrn": w.conversation_urn(&person.handle)},
    })
}

fn conversations(w: &World, before: Option<u64>) -> Value {
    let viewer = w.scenario().viewer.profile.clone();
    let elements: Vec<Value> = w
        .conversations()
        .into_iter()
        .filter(|(_, at)| before.is_none_or(|b| *at < b))
        .take(PAGE_SIZE)
        .filter_map(|(handle, at)| {
            let person = w.person(&handle)?;
            let thread = w.thread(&handle);
            let last = thread.last()?;
            let unread = thread
                .iter()
                .rev()
                .take_while(|e| !e.from_viewer)
                .count();
            Some(json!({
                "entityUrn": w.conversation_urn(&handle),
                "lastActivityAt": at,
                "unreadCount": unread,
                "read": unread == 0,
                "groupChat": false,
                "categories": ["INBOX", "PRIMARY_INBOX"],
                "conversationParticipants": [participant(&viewer, "SELF"), participant(person, "DISTANCE_1")],
                "messages": {"elements": [message(w, person, &viewer, last)]},
            }))
        })
        .collect();
    json!({"data": {"messengerConversationsBySyncToken": {
        "elements": elements,
        "metadata": {"newSyncToken": format!("sync-{}", w.now())},
    }}})
}

fn messages(w: &World, handle: &str, before_seq: Option<u64>) -> Value {
    let viewer = w.scenario().viewer.profile.clone();
    let Some(person) = w.person(handle).cloned() else {
        return json!({"data": {"messengerMessagesBySyncToken": {"elements": []}}});
    };
    let thread: Vec<ThreadEntry> = w
        .thread(handle)
        .into_iter()
        .filter(|e| before_seq.is_none_or(|b| e.seq < b))
        .collect();
    let start = thread.len().saturating_sub(PAGE_SIZE);
    let page = &thread[start..];
    let mut collection = json!({
        "elements": page.iter().rev().map(|e| message(w, &person, &viewer, e)).collect::<Vec<_>>(),
    });
    if start > 0
        && let Some(oldest) = page.first()
    {
        collection["metadata"] = json!({"prevCursor": format!("before-{}", oldest.seq)});
    }
    json!({"data": {"messengerMessagesBySyncToken": collection}})
}
