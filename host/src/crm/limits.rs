//! Rate limits as data: counters per account, action, local day and ISO week, checked and
//! incremented in the caller's transaction, so they survive restarts and two lanes can never
//! both take the last unit. Days and weeks are those of the account's time zone; a week key
//! carries its ISO year (`week:2026-W53`), so week 1 of one year is never week 1 of the next.
//!
//! LinkedIn's own limits are blocks with an end: [`mark_exhausted`] with
//! [`Until::EndOfWeek`] for the weekly invitation limit keeps invitations stopped until the
//! account's next Monday, not merely until tomorrow.

use super::accounts;
use super::action::{ALL_ACTIONS, Action};
use super::error::{CrmError, CrmResult};
use jiff::Timestamp;
use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use rusqlite::{Connection, OptionalExtension, params};

/// Longest block LinkedIn is believed to impose that a lane may record (31 days).
pub const MAX_BLOCK_MS: u64 = 31 * 24 * 3_600_000;

/// The counter periods a moment falls into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodKeys {
    /// `day:YYYY-MM-DD` (local date).
    pub day: String,
    /// `week:YYYY-Www` (ISO week with its ISO year).
    pub week: String,
}

/// Until when a LinkedIn-imposed block lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Until {
    /// The account's next local midnight.
    EndOfDay,
    /// The start of the account's next ISO week (Monday, local midnight).
    EndOfWeek,
    /// A moment, ms since the Unix epoch.
    At(u64),
}

/// One action's usage now.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Usage {
    /// The action.
    pub action: Action,
    /// Units used today.
    pub today: u32,
    /// Daily limit (`None`: unlimited).
    pub daily: Option<u32>,
    /// Units used this ISO week.
    pub this_week: u32,
    /// Weekly limit (`None`: unlimited).
    pub weekly: Option<u32>,
    /// A LinkedIn-imposed block still in force: until when (ms).
    pub blocked_until_ms: Option<u64>,
    /// Why it is blocked.
    pub blocked_reason: Option<String>,
}

fn local_date(tz: &TimeZone, now_ms: u64) -> CrmResult<Date> {
    let ts = Timestamp::from_millisecond(now_ms as i64)
        .map_err(|e| CrmError::Invalid(format!("time {now_ms} ms out of range: {e}")))?;
    Ok(ts.to_zoned(tz.clone()).date())
}

fn start_of(tz: &TimeZone, date: Date) -> CrmResult<u64> {
    let zoned = date
        .to_zoned(tz.clone())
        .map_err(|e| CrmError::Invalid(format!("date {date} out of range: {e}")))?;
    Ok(zoned.timestamp().as_millisecond().max(0) as u64)
}

/// The periods `now_ms` falls into, in `tz`.
pub fn period_keys(tz: &TimeZone, now_ms: u64) -> CrmResult<PeriodKeys> {
    let date = local_date(tz, now_ms)?;
    let week = date.iso_week_date();
    Ok(PeriodKeys {
        day: format!("day:{date}"),
        week: format!("week:{:04}-W{:02}", week.year(), week.week()),
    })
}

/// The next local midnight after `now_ms`.
pub fn end_of_day(tz: &TimeZone, now_ms: u64) -> CrmResult<u64> {
    let date = local_date(tz, now_ms)?;
    let tomorrow = date
        .tomorrow()
        .map_err(|e| CrmError::Invalid(e.to_string()))?;
    start_of(tz, tomorrow)
}

/// The start of the ISO week after the one `now_ms` falls into (next Monday, local midnight).
pub fn end_of_week(tz: &TimeZone, now_ms: u64) -> CrmResult<u64> {
    let date = local_date(tz, now_ms)?;
    let monday = date
        .nth_weekday(1, Weekday::Monday)
        .map_err(|e| CrmError::Invalid(e.to_string()))?;
    start_of(tz, monday)
}

fn used(conn: &Connection, account: u64, action: Action, period: &str) -> CrmResult<u32> {
    Ok(conn
        .query_row(
            "SELECT used FROM rate_counters WHERE account_id = ?1 AND action = ?2 AND period = ?3",
            params![account, action, period],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(0))
}

fn block(conn: &Connection, account: u64, action: Action) -> CrmResult<Option<(u64, String)>> {
    Ok(conn
        .query_row(
            "SELECT until_ms, reason FROM rate_blocks WHERE account_id = ?1 AND action = ?2",
            params![account, action],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// Checks and counts one unit of `action` for `account`. Run it inside the transaction of the
/// write it guards. Returns the periods counted (to give the unit back with [`refund`]).
pub fn consume(
    conn: &Connection,
    account: u64,
    action: Action,
    now_ms: u64,
) -> CrmResult<PeriodKeys> {
    if let Some((until, reason)) = block(conn, account, action)?
        && until > now_ms
    {
        return Err(CrmError::RateLimited {
            reason: format!("{action} blocked by LinkedIn: {reason}"),
            until_ms: Some(until),
        });
    }
    let tz = accounts::time_zone(conn, account)?;
    let keys = period_keys(&tz, now_ms)?;
    let limit = accounts::limit(conn, account, action)?;
    if let Some(daily) = limit.daily
        && used(conn, account, action, &keys.day)? >= daily
    {
        return Err(CrmError::RateLimited {
            reason: format!("daily {action} limit of {daily} reached"),
            until_ms: Some(end_of_day(&tz, now_ms)?),
        });
    }
    if let Some(weekly) = limit.weekly
        && used(conn, account, action, &keys.week)? >= weekly
    {
        return Err(CrmError::RateLimited {
            reason: format!("weekly {action} limit of {weekly} reached"),
            until_ms: Some(end_of_week(&tz, now_ms)?),
        });
    }
    for period in [&keys.day, &keys.week] {
        conn.execute(
            "INSERT INTO rate_counters (account_id, action, period, used) VALUES (?1, ?2, ?3, 1)
             ON CONFLICT (account_id, action, period) DO UPDATE SET used = used + 1",
            params![account, action, period],
        )?;
    }
    Ok(keys)
}

/// Gives back a unit [`consume`] counted in `keys` (the action did not happen).
pub fn refund(conn: &Connection, account: u64, action: Action, keys: &PeriodKeys) -> CrmResult<()> {
    for period in [&keys.day, &keys.week] {
        conn.execute(
            "UPDATE rate_counters SET used = max(used - 1, 0)
             WHERE account_id = ?1 AND action = ?2 AND period = ?3",
            params![account, action, period],
        )?;
    }
    Ok(())
}

/// Blocks `action` for `account` until `until` because LinkedIn said stop. Returns the end
/// of the block (ms). A longer block already in force is kept.
pub fn mark_exhausted(
    conn: &Connection,
    account: u64,
    action: Action,
    until: Until,
    reason: &str,
    now_ms: u64,
) -> CrmResult<u64> {
    let tz = accounts::time_zone(conn, account)?;
    let until_ms = match until {
        Until::EndOfDay => end_of_day(&tz, now_ms)?,
        Until::EndOfWeek => end_of_week(&tz, now_ms)?,
        Until::At(ms) if ms > now_ms && ms <= now_ms + MAX_BLOCK_MS => ms,
        Until::At(ms) => {
            return Err(CrmError::Invalid(format!(
                "a block must end in the future and within 31 days (asked: {ms} ms, now {now_ms} ms)"
            )));
        }
    };
    if let Some((existing, _)) = block(conn, account, action)?
        && existing > until_ms
    {
        return Ok(existing);
    }
    conn.execute(
        "INSERT INTO rate_blocks (account_id, action, until_ms, reason, set_ms)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (account_id, action) DO UPDATE SET until_ms = ?3, reason = ?4, set_ms = ?5",
        params![account, action, until_ms, reason, now_ms],
    )?;
    Ok(until_ms)
}

/// Every action's usage for `account` at `now_ms`.
pub fn usage(conn: &Connection, account: u64, now_ms: u64) -> CrmResult<Vec<Usage>> {
    let tz = accounts::time_zone(conn, account)?;
    let keys = period_keys(&tz, now_ms)?;
    ALL_ACTIONS
        .into_iter()
        .map(|action| {
            let limit = accounts::limit(conn, account, action)?;
            let block = block(conn, account, action)?.filter(|(until, _)| *until > now_ms);
            Ok(Usage {
                action,
                today: used(conn, account, action, &keys.day)?,
                daily: limit.daily,
                this_week: used(conn, account, action, &keys.week)?,
                weekly: limit.weekly,
                blocked_until_ms: block.as_ref().map(|(until, _)| *until),
                blocked_reason: block.map(|(_, reason)| reason),
            })
        })
        .collect()
}
