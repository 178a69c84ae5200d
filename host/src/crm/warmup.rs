//! The warm-up ramp: an account new to automation sends few invitations and messages a day at
//! first and climbs to its configured daily limits over a number of its working days.
//!
//! On the `k`-th working day since the ramp started (counted from 0, in the account's time
//! zone and working days), the daily limit of an action with configured limit `full` is
//! `from + (full - from) * k / (days - 1)`, rounded down; from working day `days - 1` on it is
//! `full`. Days that are not working days do not move the ramp (no action happens on them).
//! Only invitations and messages ramp up; weekly limits and LinkedIn's own blocks apply as
//! always. The ramp is kept with the account, so a restart keeps its place.
//!
//! Why: a LinkedIn account that goes from no automated activity to 20 invitations a day is
//! the pattern LinkedIn restricts first; the commercial tools all ramp new accounts up.

use super::action::Action;
use super::error::{CrmError, CrmResult};
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use rusqlite::{Connection, OptionalExtension, params};

/// Where a ramp starts by default (per day).
pub const DEFAULT_FROM: u32 = 5;
/// Working days a ramp lasts by default (three weeks of weekdays).
pub const DEFAULT_DAYS: u32 = 15;

/// An account's ramp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Ramp {
    /// When it started (ms).
    pub start_ms: u64,
    /// The daily limit on its first working day.
    pub from: u32,
    /// Working days until the configured limit.
    pub days: u32,
}

impl Ramp {
    /// A ramp with the defaults, starting at `start_ms`.
    pub fn starting(start_ms: u64) -> Ramp {
        Ramp {
            start_ms,
            from: DEFAULT_FROM,
            days: DEFAULT_DAYS,
        }
    }
}

/// Where an account stands on its ramp today.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RampToday {
    /// The ramp.
    pub ramp: Ramp,
    /// Today's working day of the ramp, from 1 (`days` and above: done).
    pub day: u32,
    /// Whether the ramp is over (the configured limits apply).
    pub done: bool,
}

/// Whether `action` ramps up.
pub fn ramps(action: Action) -> bool {
    matches!(action, Action::Invite | Action::Message)
}

/// The ramp of `account`, if it has one.
pub fn of(conn: &Connection, account: u64) -> CrmResult<Option<Ramp>> {
    let row: Option<(Option<u64>, Option<u32>, Option<u32>)> = conn
        .query_row(
            "SELECT warmup_start_ms, warmup_from, warmup_days FROM accounts WHERE id = ?1",
            [account],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((start, from, days)) = row else {
        return Err(CrmError::NotFound(format!("no account with id {account}")));
    };
    Ok(start.map(|start_ms| Ramp {
        start_ms,
        from: from.unwrap_or(DEFAULT_FROM),
        days: days.unwrap_or(DEFAULT_DAYS),
    }))
}

/// Gives `account` the ramp `ramp` (or none: its configured limits apply from now on).
pub fn set(conn: &Connection, account: u64, ramp: Option<Ramp>) -> CrmResult<()> {
    if let Some(r) = ramp
        && (r.from == 0 || r.days < 2 || r.days > 365)
    {
        return Err(CrmError::Invalid(format!(
            "a warm-up starts at 1 a day or more and lasts 2 to 365 working days (asked: from {} over {} days)",
            r.from, r.days
        )));
    }
    let changed = conn.execute(
        "UPDATE accounts SET warmup_start_ms = ?2, warmup_from = ?3, warmup_days = ?4 WHERE id = ?1",
        params![
            account,
            ramp.map(|r| r.start_ms),
            ramp.map(|r| r.from),
            ramp.map(|r| r.days)
        ],
    )?;
    if changed == 0 {
        return Err(CrmError::NotFound(format!("no account with id {account}")));
    }
    Ok(())
}

fn date_of(tz: &TimeZone, ms: u64) -> CrmResult<Date> {
    let ts = Timestamp::from_millisecond(ms as i64)
        .map_err(|e| CrmError::Invalid(format!("time {ms} ms out of range: {e}")))?;
    Ok(ts.to_zoned(tz.clone()).date())
}

/// How many working days (ISO weekdays in `work_days`, e.g. `1,2,3,4,5`) lie between the
/// ramp's first day and the day of `now_ms`, the latter excluded; at most `cap`.
fn working_days_before(
    tz: &TimeZone,
    work_days: &str,
    start_ms: u64,
    now_ms: u64,
    cap: u32,
) -> CrmResult<u32> {
    let working: Vec<i8> = work_days
        .split(',')
        .filter_map(|d| d.trim().parse::<i8>().ok())
        .collect();
    let (mut date, today) = (date_of(tz, start_ms)?, date_of(tz, now_ms)?);
    let mut k = 0;
    while date < today && k < cap {
        if working.contains(&date.weekday().to_monday_one_offset()) {
            k += 1;
        }
        date = date
            .tomorrow()
            .map_err(|e| CrmError::Invalid(e.to_string()))?;
    }
    Ok(k)
}

/// The daily limit of a ramp on its working day `k` (from 0) for a configured limit `full`.
pub fn limit_on(ramp: &Ramp, full: u32, k: u32) -> u32 {
    let from = ramp.from.min(full);
    if k + 1 >= ramp.days {
        return full;
    }
    from + ((full - from) as u64 * k as u64 / (ramp.days - 1) as u64) as u32
}

/// Where `account` stands on its ramp at `now_ms`, if it has one.
pub fn today(conn: &Connection, account: u64, now_ms: u64) -> CrmResult<Option<RampToday>> {
    let Some(ramp) = of(conn, account)? else {
        return Ok(None);
    };
    let a = super::accounts::get(conn, account)?;
    let tz = super::accounts::parse_time_zone(&a.timezone)?;
    let k = working_days_before(&tz, &a.work_days, ramp.start_ms, now_ms, ramp.days)?;
    Ok(Some(RampToday {
        ramp,
        day: k + 1,
        done: k + 1 >= ramp.days,
    }))
}

/// The daily limit of `action` for `account` at `now_ms`: the configured one (`full`), or
/// less while the account's ramp lasts.
pub fn daily_limit(
    conn: &Connection,
    account: u64,
    action: Action,
    full: Option<u32>,
    now_ms: u64,
) -> CrmResult<Option<u32>> {
    let Some(full) = full else {
        return Ok(None);
    };
    if !ramps(action) {
        return Ok(Some(full));
    }
    Ok(match today(conn, account, now_ms)? {
        Some(t) if !t.done => Some(limit_on(&t.ramp, full, t.day - 1)),
        _ => Some(full),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crm::fixture::*;
    use crate::crm::limits;

    #[test]
    fn the_default_ramp_climbs_from_five_to_the_limit_over_fifteen_working_days() {
        let r = Ramp::starting(0);
        let invites: Vec<u32> = (0..16).map(|k| limit_on(&r, 20, k)).collect();
        assert_eq!(
            invites,
            [5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 20, 20]
        );
        assert_eq!(limit_on(&r, 30, 7), 5 + 25 * 7 / 14);
        // A configured limit below the start: the limit.
        assert_eq!(limit_on(&r, 3, 0), 3);
    }

    #[test]
    fn a_new_accounts_daily_invitations_follow_the_ramp_on_working_days_for_four_weeks() {
        let f = fixture();
        let account = f.account;
        // The fixture's account works Monday to Friday in Europe/Berlin; the ramp starts on
        // Monday 2026-11-23. No weekly limit, so the days alone decide.
        f.db.write_blocking(move |tx| {
            crate::crm::accounts::set_limit(tx, account, Action::Invite, Some(20), None)?;
            set(tx, account, Some(Ramp::starting(MONDAY)))
        })
        .unwrap();
        let mut sent = Vec::new();
        for day in 0..28u64 {
            let at = MONDAY + day * DAY;
            let mut n = 0;
            while f
                .db
                .write_blocking(move |tx| limits::consume(tx, account, Action::Invite, at + n))
                .is_ok()
            {
                n += 1;
                assert!(n < 100, "no limit");
            }
            let weekday = day % 7;
            if weekday < 5 {
                sent.push(n as u32);
            }
        }
        let expected: Vec<u32> = (0..20)
            .map(|k| limit_on(&Ramp::starting(0), 20, k))
            .collect();
        assert_eq!(sent, expected, "one value per working day");
        assert_eq!(&sent[..3], &[5, 6, 7]);
        assert_eq!(&sent[14..], &[20, 20, 20, 20, 20, 20]);
        // Status says where the ramp stands, and the limit reads as today's.
        let third_wednesday = MONDAY + 16 * DAY;
        let (today, usage) =
            f.db.read_outside_tx_blocking(move |c| {
                Ok((
                    super::today(c, account, third_wednesday)?,
                    limits::usage(c, account, third_wednesday)?,
                ))
            })
            .unwrap();
        let today = today.expect("a ramp");
        assert_eq!((today.day, today.done), (13, false));
        let invite = usage.iter().find(|u| u.action == Action::Invite).unwrap();
        assert_eq!(invite.daily, Some(limit_on(&today.ramp, 20, 12)));
        // Withdrawals do not ramp.
        assert!(!ramps(Action::Withdraw));
        // Turning the ramp off gives the configured limit at once.
        f.db.write_blocking(move |tx| set(tx, account, None))
            .unwrap();
        let limit =
            f.db.read_outside_tx_blocking(move |c| {
                daily_limit(c, account, Action::Invite, Some(20), MONDAY)
            })
            .unwrap();
        assert_eq!(limit, Some(20));
        let bad =
            f.db.write_blocking(move |tx| {
                set(
                    tx,
                    account,
                    Some(Ramp {
                        start_ms: 0,
                        from: 0,
                        days: 10,
                    }),
                )
            })
            .unwrap_err();
        assert!(bad.to_string().contains("1 a day or more"), "{bad}");
    }
}
