//! Reading the account's conversations through LinkedIn's messaging API (the web client's
//! Voyager GraphQL, through the host's signed `api-get`), and storing them in the CRM.
//!
//! [`sync`] walks the conversations active since a moment and stores every thread of a lead
//! of the campaign with [`crm::save_thread`] (each message once; a reply stops the lead).
//! Threads with people the campaign has not found yet come back as [`Synced::unmatched`];
//! [`read_found`] reads one once the campaign finds that person.
//! [`reply_since`] is the last look a lane takes at one person's thread right before it sends
//! them anything: it stores what it finds, so a reply seen there stops the lead at once.
//!
//! The query ids rotate with LinkedIn's releases: they are lane configuration ([`Queries`]).

use crate::browser;
use crate::crm::{self, Lead, ThreadMessage as CrmMessage};
use crate::{Error, Result};
use outlane_linkedin::ProfileId;
use outlane_linkedin::messaging::{
    self, Conversation, Participant, ThreadMessage, conversations_path, messages_path,
    parse_conversations, parse_messages,
};

/// Key of the account's mailbox urn in the account scope of the lane's state.
pub const MAILBOX_KEY: &str = "mailbox-urn";

/// The persisted query ids of the messaging API.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Queries {
    /// `messengerConversations.<id>`.
    pub conversations: String,
    /// `messengerMessages.<id>`.
    pub messages: String,
}

/// The query ids the web client used when this was written (and the simulator answers).
impl Default for Queries {
    fn default() -> Queries {
        Queries {
            conversations: "messengerConversations.0d5e6781bbee71c3e51c8843c6519f48".into(),
            messages: "messengerMessages.5846eeb71c981f11e0134cb6626cc314".into(),
        }
    }
}

/// The account's own `urn:li:fsd_profile:…` (its mailbox), from its profile, kept in the
/// account scope of the lane's state.
pub fn mailbox_urn() -> Result<String> {
    let store = crate::state::account();
    if let Ok(Some(urn)) = store.get_json::<String>(MAILBOX_KEY)
        && urn.starts_with("urn:li:fsd_profile:")
    {
        return Ok(urn);
    }
    let fetched = super::voyager::fetch_own_profile()?.ok_or_else(|| {
        Error::transient("LinkedIn did not return the account's own profile: no mailbox to read")
    })?;
    let urn = fetched
        .profile
        .urn
        .filter(|u| u.starts_with("urn:li:fsd_profile:"))
        .ok_or_else(|| Error::invalid("the account's own profile has no fsd_profile urn"))?;
    store.set_json(MAILBOX_KEY, &urn)?;
    Ok(urn)
}

fn get(path: &str, what: &str) -> Result<String> {
    let answer = browser::api_get(path)?;
    match answer.status {
        200 => Ok(answer.body),
        400 if answer.body.contains("PersistedQueryNotFound") => Err(Error::invalid(format!(
            "LinkedIn no longer knows the {what} query id: set the current one in the lane's \
             [lane.config.queries]"
        ))),
        401 | 403 => Err(Error::Auth(format!(
            "the messaging API refused the {what} query (HTTP {})",
            answer.status
        ))),
        other => Err(Error::transient(format!(
            "the messaging API answered HTTP {other} to the {what} query"
        ))),
    }
}

/// Conversations whose last activity is at or after `since_ms`, newest first, reading at most
/// `max_pages` pages starting before `before` (`None`: from the newest). The second value is
/// where to go on from when the page limit stopped the walk.
pub fn conversations_since(
    queries: &Queries,
    mailbox: &str,
    since_ms: u64,
    before: Option<u64>,
    max_pages: u32,
) -> Result<(Vec<Conversation>, Option<u64>)> {
    let mut out: Vec<Conversation> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut before = before;
    for _ in 0..max_pages.max(1) {
        let body = get(
            &conversations_path(&queries.conversations, mailbox, before),
            "conversations",
        )?;
        let page = parse_conversations(&body)
            .map_err(|e| Error::invalid(format!("the conversation list cannot be read: {e}")))?;
        // The next page starts at the oldest time of this one, inclusive: conversations that
        // share that time across the page boundary are read again (and skipped), not lost.
        let next = page.next_before().map(|t| t.saturating_add(1));
        let done = page
            .conversations
            .iter()
            .any(|c| c.last_activity_ms < since_ms);
        let mut new = 0;
        for c in page.conversations {
            if c.last_activity_ms >= since_ms && seen.insert(c.urn.clone()) {
                out.push(c);
                new += 1;
            }
        }
        if done || new == 0 || next.is_none() {
            return Ok((out, None));
        }
        before = next;
    }
    Ok((out, before))
}

/// The messages of conversation `urn` delivered at or after `since_ms`, oldest first (at most
/// `max_pages` pages back from the newest).
pub fn messages_since(
    queries: &Queries,
    urn: &str,
    since_ms: u64,
    max_pages: u32,
) -> Result<Vec<ThreadMessage>> {
    let mut out: Vec<ThreadMessage> = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..max_pages.max(1) {
        let body = get(
            &messages_path(&queries.messages, urn, cursor.as_deref()),
            "messages",
        )?;
        let page = parse_messages(&body)
            .map_err(|e| Error::invalid(format!("a conversation cannot be read: {e}")))?;
        let older_reached = page.messages.iter().any(|m| m.delivered_ms < since_ms);
        let mut batch: Vec<ThreadMessage> = page
            .messages
            .into_iter()
            .filter(|m| m.delivered_ms >= since_ms)
            .collect();
        batch.append(&mut out);
        out = batch;
        match page.prev_cursor {
            Some(c) if !older_reached && Some(&c) != cursor.as_ref() => cursor = Some(c),
            _ => break,
        }
    }
    Ok(out)
}

/// The other person of a one-to-one conversation (not the account).
pub fn other_person<'a>(conversation: &'a Conversation, mailbox: &str) -> Option<&'a Participant> {
    let own = messaging::profile_key(mailbox);
    let others: Vec<&Participant> = conversation
        .participants
        .iter()
        .filter(|p| p.profile_key() != own)
        .collect();
    // Group conversations are not a lead's thread.
    (others.len() == 1).then(|| others[0])
}

/// The campaign's lead a participant is, if any.
pub fn lead_of(participant: &Participant) -> Result<Option<Lead>> {
    if let Some(url) = &participant.profile_url
        && ProfileId::parse(url).is_ok()
        && let Some(lead) = crm::lead_by_url(url)?
    {
        return Ok(Some(lead));
    }
    if let Some(key) = participant.profile_key() {
        return crm::lead_by_url(&format!("https://www.linkedin.com/in/{key}/"));
    }
    Ok(None)
}

/// Stores `messages` of conversation `urn` with `lead` in the CRM.
pub fn store(
    lead: &Lead,
    urn: &str,
    last_activity_ms: u64,
    messages: &[ThreadMessage],
    mailbox: &str,
) -> Result<crm::ThreadSaved> {
    let rows: Vec<CrmMessage> = messages
        .iter()
        .map(|m| CrmMessage {
            urn: m.urn.clone(),
            inbound: m.is_inbound(mailbox),
            sender: m.sender.name.clone().unwrap_or_default(),
            sent_ms: m.delivered_ms,
            text: m.text.clone(),
        })
        .collect();
    crm::save_thread(lead.id, urn, last_activity_ms, &rows)
}

/// What one [`sync`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Synced {
    /// Conversations read.
    pub conversations: u32,
    /// Of those, the ones with a lead of the campaign.
    pub with_leads: u32,
    /// Messages stored that were not stored before.
    pub new_messages: u32,
    /// Of those, replies.
    pub new_replies: u32,
    /// Where to go on from, when the page limit stopped the walk.
    pub resume_before: Option<u64>,
    /// The newest activity seen.
    pub newest_ms: Option<u64>,
    /// Conversations read with a person who is not (yet) a lead of the campaign: if the
    /// campaign finds them later, [`read_found`] reads that thread then (a conversation that
    /// went quiet before would not be active in any later sync).
    pub unmatched: Vec<Unmatched>,
}

/// A one-to-one conversation with a person who was not a lead of the campaign when it was read.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Unmatched {
    /// The person's profile id (lower-cased vanity id or member id), as a lead's `public-id`.
    pub public_id: String,
    /// The conversation's urn.
    pub conversation: String,
    /// Its last activity (ms).
    pub last_activity_ms: u64,
}

/// Reads the conversations active since `since_ms` (from `before`, when resuming) and stores
/// the threads of the campaign's leads.
pub fn sync(
    queries: &Queries,
    since_ms: u64,
    before: Option<u64>,
    max_pages: u32,
) -> Result<Synced> {
    let mailbox = mailbox_urn()?;
    let (conversations, resume) =
        conversations_since(queries, &mailbox, since_ms, before, max_pages)?;
    let mut out = Synced {
        conversations: conversations.len() as u32,
        resume_before: resume,
        newest_ms: conversations.iter().map(|c| c.last_activity_ms).max(),
        ..Synced::default()
    };
    for conversation in &conversations {
        let Some(person) = other_person(conversation, &mailbox) else {
            continue;
        };
        let Some(lead) = lead_of(person)? else {
            if let Some(id) = person
                .profile_url
                .as_deref()
                .and_then(|url| ProfileId::parse(url).ok())
            {
                out.unmatched.push(Unmatched {
                    public_id: id.as_str().to_string(),
                    conversation: conversation.urn.clone(),
                    last_activity_ms: conversation.last_activity_ms,
                });
            }
            continue;
        };
        out.with_leads += 1;
        let messages = messages_since(queries, &conversation.urn, since_ms, 10)?;
        let saved = store(
            &lead,
            &conversation.urn,
            conversation.last_activity_ms,
            &messages,
            &mailbox,
        )?;
        out.new_messages += saved.new_messages;
        out.new_replies += saved.new_replies;
    }
    Ok(out)
}

/// Reads the whole of `conversation`, a thread [`sync`] found with a person before the
/// campaign did, now that `lead` is that person, and stores it. The value is what was new.
pub fn read_found(
    queries: &Queries,
    lead: &Lead,
    conversation: &Unmatched,
) -> Result<crm::ThreadSaved> {
    let mailbox = mailbox_urn()?;
    let messages = messages_since(queries, &conversation.conversation, 0, 10)?;
    store(
        lead,
        &conversation.conversation,
        conversation.last_activity_ms,
        &messages,
        &mailbox,
    )
}

/// The last look before sending `lead` anything: the person's conversation (the one the CRM
/// knows, else the one found among those active since `since_ms`), read from LinkedIn and
/// stored. `Some` is a message the person wrote: send nothing. The CRM has then stopped the
/// lead already.
pub fn reply_since(queries: &Queries, lead: &Lead, since_ms: u64) -> Result<Option<String>> {
    let mailbox = mailbox_urn()?;
    let known = crm::thread(lead.id)?;
    if let Some(reply) = known.messages.iter().find(|m| m.inbound) {
        return Ok(Some(reply.text.clone()));
    }
    let urn = match known.conversation_urn {
        Some(urn) => Some((urn, 0)),
        None => {
            let (active, _) = conversations_since(queries, &mailbox, since_ms, None, 5)?;
            let mut found = None;
            for c in active {
                if let Some(p) = other_person(&c, &mailbox)
                    && lead_of(p)?.is_some_and(|l| l.id == lead.id)
                {
                    found = Some((c.urn, c.last_activity_ms));
                    break;
                }
            }
            found
        }
    };
    let Some((urn, last_activity)) = urn else {
        return Ok(None);
    };
    let messages = messages_since(queries, &urn, 0, 1)?;
    store(lead, &urn, last_activity, &messages, &mailbox)?;
    Ok(messages
        .iter()
        .find(|m| m.is_inbound(&mailbox))
        .map(|m| m.text.clone()))
}
