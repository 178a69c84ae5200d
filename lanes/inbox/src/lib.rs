//! The inbox lane (major): reads the account's conversations through LinkedIn's messaging API
//! and stores every thread with a lead of the campaign (each message once, by its urn). The
//! host makes a person who wrote `replied` in every campaign, in the same transaction, and
//! refuses every action toward them from then on. Then it classifies new replies with the
//! LLM (`classify_reply`): a request to stop puts the person off limits for good.
//!
//! Each call reads the conversations active since the last complete sync (with a margin, so
//! a message delivered while the last sync ran is read again rather than missed; storing it
//! twice is impossible). A walk cut short by the page limit goes on from where it stopped on
//! the next call before the mark moves.
//!
//! A conversation with somebody the campaign has not found yet is remembered (under a hash of
//! the person's profile id, with the conversation's urn). The lane follows the campaign's
//! change feed; when that person joins the campaign, it reads the whole thread once. Without
//! this, a person who wrote before the campaign found them, in a conversation that has been
//! quiet since, would never be read.

use outlane_sdk::crm::{self, ReplyClass};
use outlane_sdk::linkedin::inbox::{self, Queries};
use outlane_sdk::prelude::*;
use serde_json::json;

/// Campaign-scope state: the moment every conversation active before it has been read.
const SYNCED_KEY: &str = "synced-until";
/// Campaign-scope state: a walk cut short: where it goes on from, and the newest activity it saw.
const RESUME_KEY: &str = "resume";
/// Read again this far before the mark.
const OVERLAP_MS: u64 = 10 * 60_000;
/// Campaign-scope state: the id of the last change of the campaign's feed looked at.
const FEED_KEY: &str = "feed-cursor";
/// Campaign-scope state: prefix of the keys of remembered conversations (see [`unmatched_key`]).
const UNMATCHED_PREFIX: &str = "unmatched/";
/// Changes read from the feed per call at most (in batches of 1000).
const FEED_PER_CALL: u32 = 5_000;

/// The state key of the conversation remembered for `public_id`: an FNV-1a hash of the id, so
/// the lane's state holds no readable identifier of people who are not leads.
fn unmatched_key(public_id: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in public_id.to_lowercase().bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{UNMATCHED_PREFIX}{hash:016x}")
}

/// The inbox lane's configuration.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InboxConfig {
    /// The messaging API's query ids (LinkedIn rotates them).
    pub queries: Queries,
    /// Conversation pages (20 each) read per call at most.
    pub pages: u32,
    /// Replies classified per call at most (0: none).
    pub classify: u32,
}

impl Default for InboxConfig {
    fn default() -> InboxConfig {
        InboxConfig {
            queries: Queries::default(),
            pages: 25,
            classify: 10,
        }
    }
}

/// What the LLM says a reply means.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, schemars::JsonSchema)]
pub struct Classification {
    /// One of `interested`, `not-interested`, `out-of-office`, `asks-to-stop`, `other`.
    pub class: String,
    /// Why, in one sentence.
    pub reason: String,
}

impl Classification {
    /// The class as the CRM's; an unknown name is `other`.
    pub fn reply_class(&self) -> ReplyClass {
        match self
            .class
            .trim()
            .to_ascii_lowercase()
            .replace('_', "-")
            .as_str()
        {
            "interested" => ReplyClass::Interested,
            "not-interested" => ReplyClass::NotInterested,
            "out-of-office" => ReplyClass::OutOfOffice,
            "asks-to-stop" | "stop" => ReplyClass::AsksToStop,
            _ => ReplyClass::Other,
        }
    }
}

#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
struct Resume {
    before: u64,
    newest: u64,
}

/// The inbox lane.
#[derive(Debug)]
pub struct Inbox {
    config: InboxConfig,
}

impl Inbox {
    fn sync(&self) -> Result<String> {
        let store = state::campaign();
        let mut synced: u64 = store.get_json(SYNCED_KEY)?.unwrap_or(0);
        let mut resume: Option<Resume> = store.get_json(RESUME_KEY).ok().flatten();
        if store.get(FEED_KEY)?.is_none() {
            if synced > 0 {
                // State of a version that did not remember conversations: walk them all again.
                info!("inbox: reading every conversation once, to remember those with non-leads");
                synced = 0;
                resume = None;
                store.delete(RESUME_KEY)?;
            }
            store.set_json(FEED_KEY, &0u64)?;
        }
        let since = synced.saturating_sub(OVERLAP_MS);
        let got = inbox::sync(
            &self.config.queries,
            since,
            resume.map(|r| r.before),
            self.config.pages,
        )?;
        let newest = got
            .newest_ms
            .max(resume.map(|r| r.newest))
            .unwrap_or(synced)
            .max(synced);
        for conversation in &got.unmatched {
            store.set_json(&unmatched_key(&conversation.public_id), conversation)?;
        }
        match got.resume_before {
            Some(before) => store.set_json(RESUME_KEY, &Resume { before, newest })?,
            None => {
                store.set_json(SYNCED_KEY, &newest)?;
                store.delete(RESUME_KEY)?;
            }
        }
        Ok(format!(
            "{} conversation(s) read, {} with leads: {} new message(s), {} new repl{}{}",
            got.conversations,
            got.with_leads,
            got.new_messages,
            got.new_replies,
            if got.new_replies == 1 { "y" } else { "ies" },
            if got.resume_before.is_some() {
                " (more next call)"
            } else {
                ""
            }
        ))
    }

    /// Reads the threads remembered for people who joined the campaign since the last call.
    fn read_found(&self) -> Result<String> {
        let store = state::campaign();
        let mut cursor: u64 = store.get_json(FEED_KEY)?.unwrap_or(0);
        let (mut read, mut replies, mut looked) = (0u32, 0u32, 0u32);
        while looked < FEED_PER_CALL {
            let changes = crm::changes(cursor, 1000)?;
            let Some(last) = changes.last() else { break };
            let last = last.id;
            looked += changes.len() as u32;
            for change in changes.iter().filter(|c| c.from_stage.is_none()) {
                let lead = match crm::get_lead(change.lead) {
                    Ok(lead) => lead,
                    // Erased since it joined.
                    Err(Error::NotFound(_)) => continue,
                    Err(e) => return Err(e),
                };
                let key = unmatched_key(&lead.public_id);
                let Some(conversation) = store.get_json::<inbox::Unmatched>(&key)? else {
                    continue;
                };
                // A sync may have read it since, as a lead's thread.
                if crm::thread(lead.id)?.conversation_urn.as_deref()
                    != Some(conversation.conversation.as_str())
                {
                    let saved = inbox::read_found(&self.config.queries, &lead, &conversation)?;
                    read += 1;
                    replies += saved.new_replies;
                }
                store.delete(&key)?;
            }
            cursor = last;
            store.set_json(FEED_KEY, &cursor)?;
        }
        Ok(if read == 0 {
            String::new()
        } else {
            format!(
                "; {read} earlier thread(s) of people found since read, {replies} repl{}",
                if replies == 1 { "y" } else { "ies" }
            )
        })
    }

    fn classify(&self) -> Result<String> {
        if self.config.classify == 0 {
            return Ok(String::new());
        }
        let replies = crm::unclassified_replies(self.config.classify)?;
        if replies.is_empty() {
            return Ok(String::new());
        }
        let campaign = crm::current_campaign()?;
        let mut counts = std::collections::BTreeMap::<&'static str, u32>::new();
        for reply in &replies {
            let ours: Vec<String> = crm::thread(reply.lead.id)?
                .messages
                .into_iter()
                .filter(|m| !m.inbound && m.sent_ms <= reply.sent_ms)
                .map(|m| m.text)
                .collect();
            let vars = json!({
                "reply": reply.text,
                "our_messages": ours.join("\n---\n"),
                "product_description": campaign.product_docs,
            });
            let verdict: Classification = llm::complete_json("classify_reply", &vars)?;
            let class = verdict.reply_class();
            crm::classify_reply(reply.id, class, &verdict.reason)?;
            if class == ReplyClass::AsksToStop {
                warn!(
                    "inbox: {} asked not to be contacted again: off limits in every campaign",
                    reply.lead.who()
                );
            }
            *counts.entry(class_name(class)).or_default() += 1;
        }
        let parts: Vec<String> = counts.iter().map(|(k, v)| format!("{v} {k}")).collect();
        Ok(format!("; classified {}", parts.join(", ")))
    }
}

fn class_name(class: ReplyClass) -> &'static str {
    match class {
        ReplyClass::Interested => "interested",
        ReplyClass::NotInterested => "not interested",
        ReplyClass::OutOfOffice => "out of office",
        ReplyClass::AsksToStop => "asks to stop",
        ReplyClass::Other => "other",
    }
}

impl Lane for Inbox {
    type Config = InboxConfig;
    const SUMMARY: &'static str =
        "reads the account's conversations: replies stop automation and are classified";

    fn new(config: InboxConfig) -> Result<Self> {
        Ok(Inbox { config })
    }

    fn execute(&mut self, _ctx: &Context) -> Result<Report> {
        let synced = self.sync()?;
        let found = self.read_found()?;
        let classified = self.classify()?;
        Ok(Report::worked(format!("{synced}{found}{classified}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_are_read_leniently_and_unknown_ones_are_other() {
        let c = |s: &str| {
            Classification {
                class: s.into(),
                reason: String::new(),
            }
            .reply_class()
        };
        assert_eq!(c("asks-to-stop"), ReplyClass::AsksToStop);
        assert_eq!(c(" Out_Of_Office "), ReplyClass::OutOfOffice);
        assert_eq!(c("interested"), ReplyClass::Interested);
        assert_eq!(c("maybe"), ReplyClass::Other);
    }
}

#[cfg(all(target_arch = "wasm32", feature = "export"))]
outlane_sdk::export_lane!(Inbox);
