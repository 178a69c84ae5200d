//! LinkedIn accounts: login, time zone, working hours, our own rate limits and the sealed
//! password.

use super::action::{ALL_ACTIONS, Action};
use super::error::{CrmError, CrmResult};
use super::secret;
use jiff::tz::TimeZone;
use rusqlite::{Connection, OptionalExtension, params};
use zeroize::Zeroizing;

/// Our default limits per action: (daily, weekly). LinkedIn itself stops invitations at
/// roughly 100–200 a week; staying well below keeps an account safe.
pub const DEFAULT_LIMITS: [(Action, Option<u32>, Option<u32>); 3] = [
    (Action::Invite, Some(20), Some(100)),
    (Action::Message, Some(30), None),
    (Action::Withdraw, Some(10), None),
];

/// A LinkedIn account Outlane acts as.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Account {
    /// Row id.
    pub id: u64,
    /// LinkedIn login (e-mail).
    pub login: String,
    /// IANA time zone that days, weeks and working hours are counted in.
    pub timezone: String,
    /// Start of working hours, minutes after local midnight.
    pub work_start_min: u32,
    /// End of working hours, minutes after local midnight.
    pub work_end_min: u32,
    /// Working days, ISO weekday numbers (1 = Monday), comma-separated.
    pub work_days: String,
    /// Whether the daemon acts for it.
    pub active: bool,
    /// Whether a sealed password is stored.
    pub has_password: bool,
    /// Why the account waits for a human (checkpoint, refused password), if it does.
    pub paused: Option<String>,
    /// When the operator removed it (its history is kept), if they did.
    pub removed_ms: Option<u64>,
}

/// One action's limits. `None` is unlimited; 0 blocks the action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ActionLimit {
    /// The action.
    pub action: Action,
    /// Per local day.
    pub daily: Option<u32>,
    /// Per ISO week.
    pub weekly: Option<u32>,
}

/// Creates an account with the default limits. The time zone must be an IANA name.
pub fn create(conn: &Connection, login: &str, timezone: &str, now_ms: u64) -> CrmResult<u64> {
    let login = login.trim();
    if login.is_empty() {
        return Err(CrmError::Invalid("the account login is empty".into()));
    }
    parse_time_zone(timezone)?;
    conn.execute(
        "INSERT INTO accounts (login, timezone, created_ms) VALUES (?1, ?2, ?3)",
        params![login, timezone, now_ms],
    )
    .map_err(|e| {
        CrmError::on_conflict(e, || {
            format!("an account with login `{login}` already exists")
        })
    })?;
    let id = conn.last_insert_rowid() as u64;
    for (action, daily, weekly) in DEFAULT_LIMITS {
        set_limit(conn, id, action, daily, weekly)?;
    }
    Ok(id)
}

const COLUMNS: &str = "id, login, timezone, work_start_min, work_end_min, work_days, active, \
                       password_sealed IS NOT NULL, paused_reason, removed_ms";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Account> {
    Ok(Account {
        id: r.get(0)?,
        login: r.get(1)?,
        timezone: r.get(2)?,
        work_start_min: r.get(3)?,
        work_end_min: r.get(4)?,
        work_days: r.get(5)?,
        active: r.get(6)?,
        has_password: r.get(7)?,
        paused: r.get(8)?,
        removed_ms: r.get(9)?,
    })
}

/// The account with `id`.
pub fn get(conn: &Connection, id: u64) -> CrmResult<Account> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM accounts WHERE id = ?1"),
        [id],
        from_row,
    )
    .optional()?
    .ok_or_else(|| CrmError::NotFound(format!("no account with id {id}")))
}

/// Every account, by id.
pub fn all(conn: &Connection) -> CrmResult<Vec<Account>> {
    let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM accounts ORDER BY id"))?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The account's time zone.
pub fn time_zone(conn: &Connection, id: u64) -> CrmResult<TimeZone> {
    parse_time_zone(&get(conn, id)?.timezone)
}

/// Parses an IANA time zone name.
pub fn parse_time_zone(name: &str) -> CrmResult<TimeZone> {
    TimeZone::get(name).map_err(|_| {
        CrmError::Invalid(format!(
            "unknown time zone `{name}` (expected an IANA name such as Europe/Berlin or UTC)"
        ))
    })
}

/// Sets one action's limits.
pub fn set_limit(
    conn: &Connection,
    account: u64,
    action: Action,
    daily: Option<u32>,
    weekly: Option<u32>,
) -> CrmResult<()> {
    conn.execute(
        "INSERT INTO account_limits (account_id, action, daily, weekly) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (account_id, action) DO UPDATE SET daily = ?3, weekly = ?4",
        params![account, action, daily, weekly],
    )?;
    Ok(())
}

/// The limits of every action (unlimited where none is stored).
pub fn limits(conn: &Connection, account: u64) -> CrmResult<Vec<ActionLimit>> {
    ALL_ACTIONS
        .into_iter()
        .map(|action| limit(conn, account, action))
        .collect()
}

/// One action's limits (unlimited when none is stored).
pub fn limit(conn: &Connection, account: u64, action: Action) -> CrmResult<ActionLimit> {
    let row: Option<(Option<u32>, Option<u32>)> = conn
        .query_row(
            "SELECT daily, weekly FROM account_limits WHERE account_id = ?1 AND action = ?2",
            params![account, action],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (daily, weekly) = row.unwrap_or((None, None));
    Ok(ActionLimit {
        action,
        daily,
        weekly,
    })
}

/// Pauses the account until a person resumes it: the browser met something only a human can
/// solve. The first reason is kept when it is already paused.
pub fn pause(conn: &Connection, account: u64, reason: &str, now_ms: u64) -> CrmResult<()> {
    let changed = conn.execute(
        "UPDATE accounts SET paused_reason = COALESCE(paused_reason, ?2), \
         paused_ms = COALESCE(paused_ms, ?3) WHERE id = ?1",
        params![account, reason, now_ms],
    )?;
    if changed == 0 {
        return Err(CrmError::NotFound(format!("no account with id {account}")));
    }
    Ok(())
}

/// Lifts a pause; returns the reason it had, if any.
pub fn resume(conn: &Connection, account: u64) -> CrmResult<Option<String>> {
    let reason = get(conn, account)?.paused;
    conn.execute(
        "UPDATE accounts SET paused_reason = NULL, paused_ms = NULL WHERE id = ?1",
        [account],
    )?;
    Ok(reason)
}

/// Whether the daemon acts for the account (`outlane accounts pause` / `resume`). Returns
/// whether it did before.
pub fn set_active(conn: &Connection, account: u64, active: bool) -> CrmResult<bool> {
    let before = get(conn, account)?;
    if before.removed_ms.is_some() && active {
        return Err(CrmError::Invalid(format!(
            "account `{}` was removed; add it again to work it",
            before.login
        )));
    }
    conn.execute(
        "UPDATE accounts SET active = ?2 WHERE id = ?1",
        params![account, active],
    )?;
    Ok(before.active)
}

/// Removes the account from the daemon's work: inactive, its campaigns paused, its history
/// kept. Returns how many active campaigns were paused.
pub fn remove(conn: &Connection, account: u64, now_ms: u64) -> CrmResult<usize> {
    get(conn, account)?;
    conn.execute(
        "UPDATE accounts SET active = 0, removed_ms = coalesce(removed_ms, ?2) WHERE id = ?1",
        params![account, now_ms],
    )?;
    Ok(conn.execute(
        "UPDATE campaigns SET active = 0 WHERE account_id = ?1 AND active = 1",
        [account],
    )?)
}

/// Brings back a removed account (active again; its campaigns stay paused until resumed).
pub fn restore(conn: &Connection, account: u64) -> CrmResult<()> {
    conn.execute(
        "UPDATE accounts SET active = 1, removed_ms = NULL WHERE id = ?1",
        [account],
    )?;
    Ok(())
}

/// The account with `login` (case-insensitive).
pub fn find(conn: &Connection, login: &str) -> CrmResult<Account> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM accounts WHERE login = ?1"),
        [login.trim()],
        from_row,
    )
    .optional()?
    .ok_or_else(|| CrmError::NotFound(format!("no account with login `{login}`")))
}

/// Seals `password` under `passphrase` and stores it.
pub fn set_password(
    conn: &Connection,
    account: u64,
    passphrase: &str,
    password: &str,
) -> CrmResult<()> {
    let sealed =
        secret::seal(passphrase, password).map_err(|e| CrmError::Invalid(e.to_string()))?;
    let changed = conn.execute(
        "UPDATE accounts SET password_sealed = ?2 WHERE id = ?1",
        params![account, sealed],
    )?;
    if changed == 0 {
        return Err(CrmError::NotFound(format!("no account with id {account}")));
    }
    Ok(())
}

/// The account's password, unsealed with `passphrase`.
pub fn password(conn: &Connection, account: u64, passphrase: &str) -> CrmResult<Zeroizing<String>> {
    let sealed: Option<Vec<u8>> = conn
        .query_row(
            "SELECT password_sealed FROM accounts WHERE id = ?1",
            [account],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| CrmError::NotFound(format!("no account with id {account}")))?;
    let sealed = sealed
        .ok_or_else(|| CrmError::NotFound(format!("account {account} has no stored password")))?;
    secret::open(passphrase, &sealed).map_err(|e| CrmError::Invalid(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crm::fixture::*;

    #[test]
    fn a_paused_account_is_inactive_and_a_removed_one_keeps_its_history_and_campaigns_pause() {
        let f = fixture();
        let (account, campaign) = (f.account, f.campaign);
        f.db.write_blocking(move |tx| {
            assert!(set_active(tx, account, false)?, "it was active");
            assert!(!get(tx, account)?.active);
            assert!(!set_active(tx, account, true)?);
            assert_eq!(
                remove(tx, account, MONDAY)?,
                1,
                "its one campaign is paused"
            );
            let removed = get(tx, account)?;
            assert_eq!((removed.active, removed.removed_ms), (false, Some(MONDAY)));
            assert!(!crate::crm::campaigns::get(tx, campaign)?.active);
            // The history stays: the account row and its campaign are still there.
            assert_eq!(all(tx)?.len(), 1);
            let refused = set_active(tx, account, true).unwrap_err();
            assert!(refused.to_string().contains("was removed"), "{refused}");
            restore(tx, account)?;
            let back = get(tx, account)?;
            assert_eq!((back.active, back.removed_ms), (true, None));
            Ok(())
        })
        .unwrap();
    }
}
