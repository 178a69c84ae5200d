//! Messages sent to leads, kept for the record (and for templates that refer to them).

use super::error::CrmResult;
use rusqlite::{Connection, params};

/// One sent message.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Message {
    /// The campaign it was sent for.
    pub campaign_id: u64,
    /// Its text.
    pub text: String,
    /// The lane that sent it.
    pub lane: String,
    /// When (ms).
    pub sent_ms: u64,
    /// Which step of the campaign's sequence it was.
    pub step: Option<u32>,
}

/// Records a message sent to `lead` for `campaign` (with the journal entry it completed).
pub fn record(
    conn: &Connection,
    lead: u64,
    campaign: u64,
    journal: Option<u64>,
    step: Option<u32>,
    text: &str,
    lane: &str,
    now_ms: u64,
) -> CrmResult<()> {
    conn.execute(
        "INSERT INTO messages (lead_id, campaign_id, journal_id, step, text, lane, sent_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![lead, campaign, journal, step, text, lane, now_ms],
    )?;
    Ok(())
}

/// Messages sent to `lead`, oldest first.
pub fn of_lead(conn: &Connection, lead: u64) -> CrmResult<Vec<Message>> {
    let mut stmt = conn.prepare(
        "SELECT campaign_id, text, lane, sent_ms, step FROM messages WHERE lead_id = ?1 ORDER BY sent_ms, id",
    )?;
    let rows = stmt.query_map([lead], |r| {
        Ok(Message {
            campaign_id: r.get(0)?,
            text: r.get(1)?,
            lane: r.get(2)?,
            sent_ms: r.get(3)?,
            step: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
