//! The messaging parser: the recorded shapes, the paths it asks for, and seeded random damage
//! to both answers (it must never panic, and what it returns is always well formed).

use outlane_linkedin::messaging::{
    MessagingError, conversations_path, messages_path, parse_conversations, parse_messages,
    profile_key, restli_value,
};
use rand::rngs::SmallRng;
use rand::{RngExt, SeedableRng};
use serde_json::{Value, json};

const CONVERSATIONS: &str = include_str!("../../../tests/data/messaging/conversations.json");
const MESSAGES: &str = include_str!("../../../tests/data/messaging/messages.json");
const OWN: &str = "urn:li:fsd_profile:ACoAAB7d2ZQBv0wXcF3kUuS9Yh1n4mQpLrT8sEo";

#[test]
fn the_conversation_list_is_read_newest_first_with_its_people() {
    let page = parse_conversations(CONVERSATIONS).unwrap();
    assert_eq!(page.skipped, 0);
    assert_eq!(page.conversations.len(), 2);
    let first = &page.conversations[0];
    assert!(
        first
            .urn
            .starts_with("urn:li:msg_conversation:(urn:li:fsd_profile:ACoAAB7d")
    );
    assert_eq!(first.last_activity_ms, 1764761120000);
    assert_eq!(first.unread, 1);
    let other: Vec<_> = first
        .participants
        .iter()
        .filter(|p| p.urn.as_deref() != Some(OWN))
        .collect();
    assert_eq!(other.len(), 1);
    assert_eq!(other[0].name.as_deref(), Some("Mateo Rossi"));
    assert_eq!(
        other[0].profile_url.as_deref(),
        Some("https://www.linkedin.com/in/mateo-rossi-12")
    );
    assert_eq!(
        other[0].profile_key(),
        Some("ACoAAC9q1xYzWw3kPq0vHn2b5LmTs7RuE4dFgHi")
    );
    assert_eq!(page.next_before(), Some(1764674720000));
}

#[test]
fn messages_come_oldest_first_and_know_who_sent_them() {
    let page = parse_messages(MESSAGES).unwrap();
    assert_eq!(page.messages.len(), 2);
    assert_eq!(page.prev_cursor.as_deref(), Some("MTc2NDU4ODMyMDAwMA=="));
    let (ours, theirs) = (&page.messages[0], &page.messages[1]);
    assert!(ours.delivered_ms < theirs.delivered_ms);
    assert!(!ours.is_inbound(OWN), "our own message is outbound");
    assert!(!ours.is_inbound("ACoAAB7d2ZQBv0wXcF3kUuS9Yh1n4mQpLrT8sEo"));
    assert!(theirs.is_inbound(OWN));
    assert_eq!(
        ours.text,
        "Hi Mateo,\n\nthanks for connecting. Would a short call about rail data make sense?"
    );
    assert_eq!(theirs.sender.name.as_deref(), Some("Mateo Rossi"));
}

#[test]
fn a_message_without_a_sender_counts_as_a_reply() {
    let body = json!({"data": {"messengerMessagesBySyncToken": {"elements": [
        {"entityUrn": "urn:li:msg_message:1", "deliveredAt": "17", "body": "plain text body"}
    ]}}});
    let page = parse_messages(&body.to_string()).unwrap();
    assert_eq!(page.messages[0].delivered_ms, 17);
    assert_eq!(page.messages[0].text, "plain text body");
    assert!(page.messages[0].is_inbound(OWN));
}

#[test]
fn elements_without_urn_or_time_are_skipped_not_fatal() {
    let body = json!({"data": {"messengerMessagesByAnchorTimestamp": {"elements": [
        {"deliveredAt": 1},
        {"entityUrn": "urn:li:msg_message:2"},
        {"entityUrn": "", "deliveredAt": 3},
        7,
        {"entityUrn": "urn:li:msg_message:4", "deliveredAt": 4, "body": {"text": "ok"}}
    ]}}});
    let page = parse_messages(&body.to_string()).unwrap();
    assert_eq!(page.skipped, 4);
    assert_eq!(page.messages.len(), 1);
    assert!(page.prev_cursor.is_none());
}

#[test]
fn answers_without_the_collection_are_errors() {
    assert!(matches!(
        parse_messages("<html>"),
        Err(MessagingError::NotJson(_))
    ));
    assert_eq!(
        parse_messages(CONVERSATIONS),
        Err(MessagingError::NoCollection("messengerMessages"))
    );
    assert_eq!(
        parse_conversations("{\"data\":{}}"),
        Err(MessagingError::NoCollection("messengerConversations"))
    );
    assert!(parse_conversations("{\"errors\":[{\"message\":\"bad queryId\"}]}").is_err());
}

#[test]
fn paths_encode_urns_so_they_never_read_as_structure() {
    let conv = "urn:li:msg_conversation:(urn:li:fsd_profile:ACoA,2-ab==)";
    assert_eq!(
        restli_value(conv),
        "urn%3Ali%3Amsg_conversation%3A%28urn%3Ali%3Afsd_profile%3AACoA%2C2-ab%3D%3D%29"
    );
    assert_eq!(
        conversations_path("messengerConversations.0f1e", OWN, Some(12)),
        "/voyager/api/voyagerMessagingGraphQL/graphql?queryId=messengerConversations.0f1e&variables=(mailboxUrn:urn%3Ali%3Afsd_profile%3AACoAAB7d2ZQBv0wXcF3kUuS9Yh1n4mQpLrT8sEo,lastUpdatedBefore:12)"
    );
    let path = messages_path("messengerMessages.9a", conv, Some("c=="));
    assert!(path.ends_with("&variables=(conversationUrn:urn%3Ali%3Amsg_conversation%3A%28urn%3Ali%3Afsd_profile%3AACoA%2C2-ab%3D%3D%29,prevCursor:c%3D%3D)"), "{path}");
    assert_eq!(
        profile_key(OWN),
        Some("ACoAAB7d2ZQBv0wXcF3kUuS9Yh1n4mQpLrT8sEo")
    );
    assert_eq!(profile_key(""), None);
}

/// Every path to a value in the tree, as JSON pointers.
fn pointers(value: &Value, prefix: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let p = format!("{prefix}/{}", k.replace('~', "~0").replace('/', "~1"));
                out.push(p.clone());
                pointers(v, p, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                let p = format!("{prefix}/{i}");
                out.push(p.clone());
                pointers(v, p, out);
            }
        }
        _ => {}
    }
}

fn random_value(rng: &mut SmallRng) -> Value {
    match rng.random_range(0..9) {
        0 => Value::Null,
        1 => json!(-1),
        2 => json!(u64::MAX),
        3 => json!(1.5e300),
        4 => json!(""),
        5 => json!("\u{202E}\0x"),
        6 => json!([]),
        7 => json!({}),
        _ => json!({"text": 3}),
    }
}

/// Damages `doc` once: replaces or deletes a value, or duplicates an array element.
fn mutate(doc: &mut Value, rng: &mut SmallRng) {
    let mut paths = Vec::new();
    pointers(doc, String::new(), &mut paths);
    if paths.is_empty() {
        return;
    }
    let path = paths[rng.random_range(0..paths.len())].clone();
    let (parent, last) = path.rsplit_once('/').unwrap_or(("", ""));
    let replacement = random_value(rng);
    let delete = rng.random_range(0..3) == 0;
    match doc.pointer_mut(parent) {
        Some(Value::Object(map)) => {
            if delete {
                map.remove(last);
            } else {
                map.insert(last.to_string(), replacement);
            }
        }
        Some(Value::Array(items)) => {
            if let Ok(i) = last.parse::<usize>()
                && i < items.len()
            {
                if delete {
                    let copy = items[i].clone();
                    items.push(copy);
                } else {
                    items[i] = replacement;
                }
            }
        }
        _ => {}
    }
}

fn fuzz(source: &str, seed: u64, check: impl Fn(&str)) {
    let original: Value = serde_json::from_str(source).unwrap();
    let mut rng = SmallRng::seed_from_u64(seed);
    for _ in 0..3000 {
        let mut doc = original.clone();
        for _ in 0..rng.random_range(1..4) {
            mutate(&mut doc, &mut rng);
        }
        let text = doc.to_string();
        check(&text);
        // A truncated answer (a connection cut short) is not JSON: an error, never a panic.
        let cut = rng.random_range(0..text.len());
        if text.is_char_boundary(cut) {
            check(&text[..cut]);
        }
    }
}

#[test]
fn damaged_answers_never_panic_and_give_well_formed_values() {
    fuzz(MESSAGES, 16, |text| {
        if let Ok(page) = parse_messages(text) {
            for m in &page.messages {
                assert!(!m.urn.trim().is_empty());
                assert!(!m.text.chars().any(|c| c.is_control() && c != '\n'));
            }
            let times: Vec<u64> = page.messages.iter().map(|m| m.delivered_ms).collect();
            assert!(
                times.windows(2).all(|w| w[0] <= w[1]),
                "oldest first: {times:?}"
            );
        }
    });
    fuzz(CONVERSATIONS, 61, |text| {
        if let Ok(page) = parse_conversations(text) {
            for c in &page.conversations {
                assert!(!c.urn.trim().is_empty());
            }
            let times: Vec<u64> = page
                .conversations
                .iter()
                .map(|c| c.last_activity_ms)
                .collect();
            assert!(
                times.windows(2).all(|w| w[0] >= w[1]),
                "newest first: {times:?}"
            );
        }
    });
}
