//! LLM usage per campaign and local day: what the daily LLM budget is checked against.

use super::{CrmResult, accounts, campaigns, limits};
use rusqlite::{Connection, OptionalExtension, params};

/// One campaign's LLM usage on one day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct DayUsage {
    /// HTTP requests that reached the provider (retries and repairs included).
    pub calls: u64,
    /// Prompt tokens the model reported.
    pub prompt_tokens: u64,
    /// Completion tokens the model reported.
    pub completion_tokens: u64,
}

impl DayUsage {
    /// Prompt and completion tokens together.
    pub fn tokens(&self) -> u64 {
        self.prompt_tokens + self.completion_tokens
    }
}

/// The day key (`day:YYYY-MM-DD` in the campaign's account time zone) and the end of that day.
pub fn day_of(conn: &Connection, campaign: u64, now_ms: u64) -> CrmResult<(String, u64)> {
    let account = campaigns::get(conn, campaign)?.account_id;
    let tz = accounts::time_zone(conn, account)?;
    Ok((
        limits::period_keys(&tz, now_ms)?.day,
        limits::end_of_day(&tz, now_ms)?,
    ))
}

/// The campaign's usage on `day`.
pub fn get(conn: &Connection, campaign: u64, day: &str) -> CrmResult<DayUsage> {
    Ok(conn
        .query_row(
            "SELECT calls, prompt_tokens, completion_tokens FROM llm_usage \
             WHERE campaign_id = ?1 AND day = ?2",
            params![campaign, day],
            |r| {
                Ok(DayUsage {
                    calls: r.get(0)?,
                    prompt_tokens: r.get(1)?,
                    completion_tokens: r.get(2)?,
                })
            },
        )
        .optional()?
        .unwrap_or_default())
}

/// Adds one request with its tokens to the campaign's usage on `day`.
pub fn record(
    conn: &Connection,
    campaign: u64,
    day: &str,
    prompt_tokens: u64,
    completion_tokens: u64,
) -> CrmResult<()> {
    conn.execute(
        "INSERT INTO llm_usage (campaign_id, day, calls, prompt_tokens, completion_tokens) \
         VALUES (?1, ?2, 1, ?3, ?4) \
         ON CONFLICT (campaign_id, day) DO UPDATE SET calls = calls + 1, \
         prompt_tokens = prompt_tokens + excluded.prompt_tokens, \
         completion_tokens = completion_tokens + excluded.completion_tokens",
        params![campaign, day, prompt_tokens, completion_tokens],
    )?;
    Ok(())
}
