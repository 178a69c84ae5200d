//! LinkedIn conversations as the web client reads them: the Voyager messaging GraphQL
//! answers (the conversation list of a mailbox and the messages of one conversation), parsed
//! into plain values, and the paths that ask for them.
//!
//! The web client asks
//! `/voyager/api/voyagerMessagingGraphQL/graphql?queryId=messengerConversations.<id>&variables=(mailboxUrn:<own fsd_profile urn>)`
//! for the list (newest activity first; `lastUpdatedBefore:<ms>` pages further back) and
//! `…queryId=messengerMessages.<id>&variables=(conversationUrn:<urn>)` for a thread (newest
//! messages; `prevCursor:<cursor>` pages further back). The query ids rotate with LinkedIn's
//! releases, so they are given by the caller (lane configuration), never fixed here.
//!
//! Parsing never panics: an answer without the expected document is an error, an element
//! without what it needs (its urn, its time) is skipped and counted, so one odd message does
//! not hide the rest of a thread.

use serde_json::Value;

/// Where the GraphQL endpoint lives (a path on the site).
pub const GRAPHQL_PATH: &str = "/voyager/api/voyagerMessagingGraphQL/graphql";

/// Why an answer could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessagingError {
    /// Not JSON at all.
    #[error("the messaging answer is not JSON: {0}")]
    NotJson(String),
    /// JSON, but without the collection the query returns.
    #[error("the messaging answer has no `{0}` collection under `data`")]
    NoCollection(&'static str),
}

/// One person in a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Participant {
    /// `urn:li:fsd_profile:<id>`, when given.
    pub urn: Option<String>,
    /// The profile URL LinkedIn gives for the member, when given.
    pub profile_url: Option<String>,
    /// "First Last", when given.
    pub name: Option<String>,
}

impl Participant {
    /// The `<id>` of the participant's `fsd_profile` urn.
    pub fn profile_key(&self) -> Option<&str> {
        profile_key(self.urn.as_deref()?)
    }
}

/// One conversation of the mailbox, as the list shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Conversation {
    /// `urn:li:msg_conversation:(…)`: the key of the thread.
    pub urn: String,
    /// When something last happened in it (ms since the Unix epoch).
    pub last_activity_ms: u64,
    /// Messages the account has not read.
    pub unread: u32,
    /// Everybody in it, the account included when LinkedIn lists it.
    pub participants: Vec<Participant>,
}

/// One message of a conversation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ThreadMessage {
    /// `urn:li:msg_message:(…)`: unique; a message is stored once by it.
    pub urn: String,
    /// Who sent it.
    pub sender: Participant,
    /// When it was delivered (ms since the Unix epoch).
    pub delivered_ms: u64,
    /// Its text (empty for an attachment without text).
    pub text: String,
}

impl ThreadMessage {
    /// Whether the account received it (as opposed to sent it). `own` is the account's
    /// `fsd_profile` urn or its `<id>`. A message whose sender is unknown counts as inbound:
    /// stopping a sequence by mistake costs less than messaging someone who answered.
    pub fn is_inbound(&self, own: &str) -> bool {
        let own = profile_key(own).unwrap_or(own);
        self.sender.profile_key() != Some(own)
    }
}

/// A page of conversations, newest activity first.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConversationPage {
    /// The conversations that could be read.
    pub conversations: Vec<Conversation>,
    /// Elements skipped because they lacked their urn or time.
    pub skipped: usize,
}

impl ConversationPage {
    /// The `lastUpdatedBefore` of the next page back, or `None` when this page was empty.
    pub fn next_before(&self) -> Option<u64> {
        self.conversations.iter().map(|c| c.last_activity_ms).min()
    }
}

/// A page of one conversation's messages, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MessagePage {
    /// The messages that could be read, oldest first.
    pub messages: Vec<ThreadMessage>,
    /// The cursor of the older messages, when there are some.
    pub prev_cursor: Option<String>,
    /// Elements skipped because they lacked their urn or time.
    pub skipped: usize,
}

/// The `<id>` of `urn:li:fsd_profile:<id>` (also of `urn:li:member:<id>`), or the text itself
/// when it is already a bare id; `None` for an empty text.
pub fn profile_key(urn: &str) -> Option<&str> {
    let key = urn.rsplit(':').next().unwrap_or(urn).trim();
    (!key.is_empty()).then_some(key)
}

/// Percent-encodes a Rest.li variable value: everything but unreserved characters, so the
/// `:`, `,` and parentheses of a urn never read as structure.
pub fn restli_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The path of one page of the mailbox's conversations: the newest, or those whose last
/// activity is before `before` (ms).
pub fn conversations_path(query_id: &str, mailbox_urn: &str, before: Option<u64>) -> String {
    let mut vars = format!("mailboxUrn:{}", restli_value(mailbox_urn));
    if let Some(before) = before {
        vars.push_str(&format!(",lastUpdatedBefore:{before}"));
    }
    format!(
        "{GRAPHQL_PATH}?queryId={}&variables=({vars})",
        restli_value(query_id)
    )
}

/// The path of one page of a conversation's messages: the newest, or those before `cursor`.
pub fn messages_path(query_id: &str, conversation_urn: &str, cursor: Option<&str>) -> String {
    let mut vars = format!("conversationUrn:{}", restli_value(conversation_urn));
    if let Some(cursor) = cursor {
        vars.push_str(&format!(",prevCursor:{}", restli_value(cursor)));
    }
    format!(
        "{GRAPHQL_PATH}?queryId={}&variables=({vars})",
        restli_value(query_id)
    )
}

/// The collection under `data` whose key starts with `prefix` (the key names the finder:
/// `…BySyncToken`, `…ByCategoryQuery`, `…ByAnchorTimestamp`).
fn collection<'a>(doc: &'a Value, prefix: &'static str) -> Result<&'a Value, MessagingError> {
    doc.get("data")
        .and_then(Value::as_object)
        .and_then(|data| {
            data.iter()
                .find(|(k, v)| k.starts_with(prefix) && v.is_object())
                .map(|(_, v)| v)
        })
        .ok_or(MessagingError::NoCollection(prefix))
}

fn parse_doc(body: &str) -> Result<Value, MessagingError> {
    serde_json::from_str(body).map_err(|e| MessagingError::NotJson(e.to_string()))
}

fn elements(collection: &Value) -> &[Value] {
    collection
        .get("elements")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// A text that LinkedIn gives as `"…"` or as `{"text": "…"}`; line breaks are kept when
/// `multiline`.
fn text_of(value: Option<&Value>, multiline: bool) -> Option<String> {
    let value = value?;
    let text = match value {
        Value::String(s) => s.as_str(),
        Value::Object(o) => o.get("text")?.as_str()?,
        _ => return None,
    };
    let clean = if multiline {
        crate::text::clean_text(text)
    } else {
        crate::text::clean_line(text)
    };
    (!clean.is_empty()).then_some(clean)
}

/// A time in ms, given as a number or a numeric string.
fn time_of(value: Option<&Value>) -> Option<u64> {
    match value? {
        Value::Number(n) => n
            .as_u64()
            .or_else(|| n.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn participant(value: &Value) -> Participant {
    let urn = value
        .get("hostIdentityUrn")
        .or_else(|| value.get("entityUrn"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let member = value
        .get("participantType")
        .and_then(|t| t.get("member"))
        .unwrap_or(&Value::Null);
    let first = text_of(member.get("firstName"), false);
    let last = text_of(member.get("lastName"), false);
    let name = match (first, last) {
        (Some(f), Some(l)) => Some(format!("{f} {l}")),
        (f, l) => f.or(l),
    };
    let profile_url = member
        .get("profileUrl")
        .and_then(Value::as_str)
        .map(str::to_string);
    Participant {
        urn,
        profile_url,
        name,
    }
}

fn message(value: &Value) -> Option<ThreadMessage> {
    let urn = value.get("entityUrn")?.as_str()?.trim();
    if urn.is_empty() {
        return None;
    }
    let delivered_ms = time_of(value.get("deliveredAt"))?;
    let text = text_of(value.get("body"), true).unwrap_or_default();
    let sender = value.get("sender").map(participant).unwrap_or_default();
    Some(ThreadMessage {
        urn: urn.to_string(),
        sender,
        delivered_ms,
        text,
    })
}

fn conversation(value: &Value) -> Option<Conversation> {
    let urn = value.get("entityUrn")?.as_str()?.trim();
    if urn.is_empty() {
        return None;
    }
    let last_activity_ms = time_of(value.get("lastActivityAt"))?;
    let unread = value
        .get("unreadCount")
        .and_then(Value::as_u64)
        .map(|n| u32::try_from(n).unwrap_or(u32::MAX))
        .unwrap_or(0);
    let participants = value
        .get("conversationParticipants")
        .and_then(Value::as_array)
        .map(|ps| {
            ps.iter()
                .filter(|p| p.is_object())
                .map(participant)
                .collect()
        })
        .unwrap_or_default();
    Some(Conversation {
        urn: urn.to_string(),
        last_activity_ms,
        unread,
        participants,
    })
}

/// Parses a `messengerConversations` answer.
pub fn parse_conversations(body: &str) -> Result<ConversationPage, MessagingError> {
    let doc = parse_doc(body)?;
    let list = collection(&doc, "messengerConversations")?;
    let mut page = ConversationPage::default();
    for element in elements(list) {
        match conversation(element) {
            Some(c) => page.conversations.push(c),
            None => page.skipped += 1,
        }
    }
    page.conversations
        .sort_by(|a, b| b.last_activity_ms.cmp(&a.last_activity_ms));
    Ok(page)
}

/// Parses a `messengerMessages` answer; the messages come out oldest first.
pub fn parse_messages(body: &str) -> Result<MessagePage, MessagingError> {
    let doc = parse_doc(body)?;
    let list = collection(&doc, "messengerMessages")?;
    let mut page = MessagePage::default();
    for element in elements(list) {
        match message(element) {
            Some(m) => page.messages.push(m),
            None => page.skipped += 1,
        }
    }
    page.messages
        .sort_by(|a, b| (a.delivered_ms, &a.urn).cmp(&(b.delivered_ms, &b.urn)));
    page.prev_cursor = list
        .get("metadata")
        .and_then(|m| m.get("prevCursor"))
        .and_then(Value::as_str)
        .filter(|c| !c.is_empty())
        .map(str::to_string);
    Ok(page)
}
