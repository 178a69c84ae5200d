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
    /// Today's daily limit (`None`: unlimited): the configured one, or less during the
    /// account's warm-up.
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
    if action == Action::Invite {
        super::guards::check_pending(conn, account, now_ms)?;
    }
    let tz = accounts::time_zone(conn, account)?;
    let keys = period_keys(&tz, now_ms)?;
    let limit = accounts::limit(conn, account, action)?;
    let daily = super::warmup::daily_limit(conn, account, action, limit.daily, now_ms)?;
    if let Some(daily) = daily
        && used(conn, account, action, &keys.day)? >= daily
    {
        let warming = daily != limit.daily.unwrap_or(daily);
        return Err(CrmError::RateLimited {
            reason: if warming {
                format!(
                    "daily {action} limit of {daily} reached (the account's warm-up; {} once it is over)",
                    limit.daily.unwrap_or(daily)
                )
            } else {
                format!("daily {action} limit of {daily} reached")
            },
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
                daily: super::warmup::daily_limit(conn, account, action, limit.daily, now_ms)?,
                this_week: used(conn, account, action, &keys.week)?,
                weekly: limit.weekly,
                blocked_until_ms: block.as_ref().map(|(until, _)| *until),
                blocked_reason: block.map(|(_, reason)| reason),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    //! The limits against a real SQLite file.
    use crate::crm::action::Action;
    use crate::crm::fixture::*;
    use crate::crm::limits::Until;
    use crate::crm::*;

    #[test]
    fn limits_persist_across_a_restart() {
        let f = fixture();
        let account = f.account;
        f.db.write_blocking(move |tx| {
            accounts::set_limit(tx, account, Action::Invite, Some(2), Some(3))
        })
        .unwrap();
        let consume = |db: &Db, at: u64| {
            db.write_blocking(move |tx| limits::consume(tx, account, Action::Invite, at))
        };
        consume(&f.db, MONDAY).unwrap();
        consume(&f.db, MONDAY + HOUR).unwrap();
        let path = f.path.clone();
        drop(f.db);
        let db = Db::open(&path).unwrap();
        let err = consume(&db, MONDAY + 2 * HOUR).unwrap_err();
        match err {
            CrmError::RateLimited { reason, until_ms } => {
                assert_eq!(reason, "daily invite limit of 2 reached");
                // Tuesday 00:00 in Berlin (UTC+1 in November) is Monday 23:00 UTC.
                assert_eq!(until_ms, Some(MONDAY + 13 * HOUR));
            }
            other => panic!("{other}"),
        }
        // The next day one more fits, then the week (3) is spent until next Monday.
        consume(&db, MONDAY + DAY).unwrap();
        let week = consume(&db, MONDAY + 2 * DAY).unwrap_err();
        assert!(
            matches!(&week, CrmError::RateLimited { reason, until_ms: Some(u) }
                if reason == "weekly invite limit of 3 reached" && *u == MONDAY + 7 * DAY - 11 * HOUR),
            "{week:?}"
        );
    }

    #[test]
    fn weekly_limits_roll_over_by_iso_week_across_a_year_boundary() {
        let f = fixture();
        let account = f.account;
        f.db.write_blocking(move |tx| {
            tx.execute(
                "UPDATE accounts SET timezone = 'UTC' WHERE id = ?1",
                [account],
            )?;
            accounts::set_limit(tx, account, Action::Invite, None, Some(2))
        })
        .unwrap();
        let ms = |y: i16, m: i8, d: i8| {
            jiff::civil::date(y, m, d)
                .at(12, 0, 0, 0)
                .to_zoned(jiff::tz::TimeZone::UTC)
                .unwrap()
                .timestamp()
                .as_millisecond() as u64
        };
        let consume = |at: u64| {
            f.db.write_blocking(move |tx| limits::consume(tx, account, Action::Invite, at))
        };
        // 2026-12-28 (Monday) .. 2027-01-03 (Sunday) is ISO week 2026-W53.
        consume(ms(2026, 12, 30)).unwrap();
        consume(ms(2026, 12, 31)).unwrap();
        let err = consume(ms(2027, 1, 1)).unwrap_err();
        assert!(
            matches!(err, CrmError::RateLimited { until_ms: Some(u), .. } if u == ms(2027, 1, 4) - 12 * HOUR),
            "the new calendar year is still the same ISO week"
        );
        consume(ms(2027, 1, 4)).unwrap();
        let keys = limits::period_keys(&jiff::tz::TimeZone::UTC, ms(2027, 1, 4)).unwrap();
        assert_eq!(keys.week, "week:2027-W01");
        assert_eq!(
            limits::period_keys(&jiff::tz::TimeZone::UTC, ms(2027, 1, 1))
                .unwrap()
                .week,
            "week:2026-W53"
        );
        // Week 1 of the next year is a different week, not a continuation of 2027-W01.
        consume(ms(2027, 1, 5)).unwrap();
        assert!(consume(ms(2027, 1, 6)).is_err());
        consume(ms(2028, 1, 4)).unwrap();
    }

    #[test]
    fn linkedin_weekly_block_lasts_until_the_week_rolls() {
        let f = fixture();
        let account = f.account;
        let end =
            f.db.write_blocking(move |tx| {
                limits::mark_exhausted(
                    tx,
                    account,
                    Action::Invite,
                    Until::EndOfWeek,
                    "weekly invitation limit banner",
                    MONDAY + 2 * DAY,
                )
            })
            .unwrap();
        // Next Monday 00:00 Berlin.
        assert_eq!(end, MONDAY + 7 * DAY - 11 * HOUR);
        for at in [MONDAY + 3 * DAY, MONDAY + 6 * DAY] {
            let err =
                f.db.write_blocking(move |tx| limits::consume(tx, account, Action::Invite, at))
                    .unwrap_err();
            assert!(err.to_string().contains("blocked by LinkedIn"), "{err}");
        }
        // A shorter block does not shorten it.
        let kept =
            f.db.write_blocking(move |tx| {
                limits::mark_exhausted(
                    tx,
                    account,
                    Action::Invite,
                    Until::EndOfDay,
                    "x",
                    MONDAY + 3 * DAY,
                )
            })
            .unwrap();
        assert_eq!(kept, end);
        f.db.write_blocking(move |tx| limits::consume(tx, account, Action::Invite, end))
            .unwrap();
    }
}
