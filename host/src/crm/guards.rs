//! An account's health guards, on by default, enforced by the host:
//!
//! - **Outstanding invitations.** While `max_pending` (default 300) invitations of the account
//!   wait for an answer, no new invitation is allowed ([`check_pending`], in the transaction
//!   of `begin-action`), and the oldest pending ones beyond the cap are handed to the
//!   check-pending lane to withdraw first ([`over_pending`]; withdrawals are journaled and
//!   counted against the withdrawal limit like any other).
//! - **Acceptance.** When fewer than `min_acceptance_pct` (default 15 %) of the last
//!   `acceptance_window` (default 50) answered invitations were accepted, invitations pause
//!   for 48 hours ([`review`], a block like LinkedIn's own, shown by `outlane status`). An
//!   invitation counts once it is answered (accepted, declined, withdrawn) or a week old
//!   without an answer. After a pause only invitations sent since count, so the account is
//!   judged again on fresh ones.
//!
//! Why these numbers: invitations pile up when few are accepted, and accounts with 500–700
//! outstanding invitations report trouble (300 leaves room); typical acceptance is 25–35 %,
//! so under 15 % means the targeting or the note is off and LinkedIn sees an account that
//! people ignore.

use super::action::Action;
use super::error::{CrmError, CrmResult};
use super::limits::{self, Until};
use super::pipeline::{self, DealLead};
use rusqlite::{Connection, OptionalExtension, params};

/// Outstanding invitations at which new ones stop, by default.
pub const DEFAULT_MAX_PENDING: u32 = 300;
/// Lowest acceptance (percent) before invitations pause, by default.
pub const DEFAULT_MIN_ACCEPTANCE_PCT: u32 = 15;
/// How many answered invitations the acceptance is judged on, by default.
pub const DEFAULT_ACCEPTANCE_WINDOW: u32 = 50;
/// How long invitations pause when acceptance is low.
pub const ACCEPTANCE_PAUSE_MS: u64 = 48 * 3_600_000;
/// An invitation unanswered for this long counts as not accepted.
pub const UNANSWERED_AFTER_MS: u64 = 7 * 24 * 3_600_000;
/// When a refused invitation may be tried again while the pending cap holds.
const PENDING_RETRY_MS: u64 = 3_600_000;

/// One account's guard settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Guards {
    /// Outstanding invitations at which new ones stop.
    pub max_pending: u32,
    /// Lowest acceptance (percent) before invitations pause.
    pub min_acceptance_pct: u32,
    /// How many answered invitations the acceptance is judged on.
    pub acceptance_window: u32,
}

/// Where an account stands against its guards.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct GuardState {
    /// Its settings.
    pub guards: Guards,
    /// Invitations waiting for an answer now.
    pub pending: u32,
    /// Answered invitations the acceptance is judged on (at most the window).
    pub judged: u32,
    /// Of those, accepted.
    pub accepted: u32,
}

/// The guard settings of `account`.
pub fn of(conn: &Connection, account: u64) -> CrmResult<Guards> {
    conn.query_row(
        "SELECT max_pending, min_acceptance_pct, acceptance_window FROM accounts WHERE id = ?1",
        [account],
        |r| {
            Ok(Guards {
                max_pending: r.get(0)?,
                min_acceptance_pct: r.get(1)?,
                acceptance_window: r.get(2)?,
            })
        },
    )
    .optional()?
    .ok_or_else(|| CrmError::NotFound(format!("no account with id {account}")))
}

/// Sets the guard settings of `account`.
pub fn set(conn: &Connection, account: u64, guards: Guards) -> CrmResult<()> {
    if guards.max_pending == 0 || guards.min_acceptance_pct > 100 || guards.acceptance_window == 0 {
        return Err(CrmError::Invalid(format!(
            "max_pending must be 1 or more, min_acceptance 0 to 100 %, the window 1 or more (asked: {}, {} %, {})",
            guards.max_pending, guards.min_acceptance_pct, guards.acceptance_window
        )));
    }
    let changed = conn.execute(
        "UPDATE accounts SET max_pending = ?2, min_acceptance_pct = ?3, acceptance_window = ?4
         WHERE id = ?1",
        params![
            account,
            guards.max_pending,
            guards.min_acceptance_pct,
            guards.acceptance_window
        ],
    )?;
    if changed == 0 {
        return Err(CrmError::NotFound(format!("no account with id {account}")));
    }
    Ok(())
}

/// Invitations of `account` (all its campaigns) waiting for an answer.
pub fn pending(conn: &Connection, account: u64) -> CrmResult<u32> {
    Ok(conn.query_row(
        "SELECT count(*) FROM deals d JOIN campaigns c ON c.id = d.campaign_id
         WHERE c.account_id = ?1 AND d.stage = 'pending'",
        [account],
        |r| r.get(0),
    )?)
}

/// The last `window` answered invitations of `account` sent after `since_ms`: (judged,
/// accepted).
fn acceptance(
    conn: &Connection,
    account: u64,
    window: u32,
    since_ms: u64,
    now_ms: u64,
) -> CrmResult<(u32, u32)> {
    let mut stmt = conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM stage_changes s WHERE s.deal_id = d.id
                        AND s.from_stage = 'pending' AND s.to_stage IN ('connected', 'replied'))
         FROM action_journal j
         JOIN deals d ON d.campaign_id = j.campaign_id AND d.lead_id = j.lead_id
         WHERE j.account_id = ?1 AND j.action = 'invite' AND j.result = 'done'
           AND j.started_ms > ?2
           AND (d.stage != 'pending' OR j.started_ms <= ?3)
         ORDER BY j.started_ms DESC, j.id DESC LIMIT ?4",
    )?;
    let old = now_ms.saturating_sub(UNANSWERED_AFTER_MS);
    let rows = stmt.query_map(params![account, since_ms, old, window], |r| {
        r.get::<_, bool>(0)
    })?;
    let mut judged = 0;
    let mut accepted = 0;
    for row in rows {
        judged += 1;
        accepted += u32::from(row?);
    }
    Ok((judged, accepted))
}

fn paused_ms(conn: &Connection, account: u64) -> CrmResult<u64> {
    Ok(conn
        .query_row(
            "SELECT acceptance_paused_ms FROM accounts WHERE id = ?1",
            [account],
            |r| r.get::<_, Option<u64>>(0),
        )?
        .unwrap_or(0))
}

/// Where `account` stands against its guards at `now_ms`.
pub fn state(conn: &Connection, account: u64, now_ms: u64) -> CrmResult<GuardState> {
    let guards = of(conn, account)?;
    let since = paused_ms(conn, account)?;
    let (judged, accepted) = acceptance(conn, account, guards.acceptance_window, since, now_ms)?;
    Ok(GuardState {
        guards,
        pending: pending(conn, account)?,
        judged,
        accepted,
    })
}

/// Refuses a new invitation while `account` has `max_pending` waiting for an answer. Runs in
/// the transaction of `begin-action`.
pub fn check_pending(conn: &Connection, account: u64, now_ms: u64) -> CrmResult<()> {
    let max = of(conn, account)?.max_pending;
    let n = pending(conn, account)?;
    if n >= max {
        return Err(CrmError::RateLimited {
            reason: format!(
                "{n} invitations are waiting for an answer and max_pending is {max}: no new \
                 invitation until some are answered or withdrawn (oldest first)"
            ),
            until_ms: Some(now_ms + PENDING_RETRY_MS),
        });
    }
    Ok(())
}

/// Judges `account`'s acceptance and, when it is below the minimum over a full window,
/// pauses its invitations for 48 hours (a block, persisted). Returns the reason when it did.
/// Run it in a transaction of its own, before `begin-action` for an invitation.
pub fn review(conn: &Connection, account: u64, now_ms: u64) -> CrmResult<Option<String>> {
    let s = state(conn, account, now_ms)?;
    let g = s.guards;
    if s.judged < g.acceptance_window
        || u64::from(s.accepted) * 100 >= u64::from(g.min_acceptance_pct) * u64::from(s.judged)
    {
        return Ok(None);
    }
    let reason = format!(
        "only {} of the last {} answered invitations were accepted ({} %, min_acceptance {} %): \
         invitations pause for 48 h",
        s.accepted,
        s.judged,
        s.accepted * 100 / s.judged.max(1),
        g.min_acceptance_pct
    );
    limits::mark_exhausted(
        conn,
        account,
        Action::Invite,
        Until::At(now_ms + ACCEPTANCE_PAUSE_MS),
        &reason,
        now_ms,
    )?;
    conn.execute(
        "UPDATE accounts SET acceptance_paused_ms = ?2 WHERE id = ?1",
        params![account, now_ms],
    )?;
    Ok(Some(reason))
}

/// The pending leads of `campaign` among the oldest invitations of its account beyond
/// `max_pending` (one more, so that a new invitation fits): withdraw these first.
pub fn over_pending(conn: &Connection, campaign: u64, limit: u32) -> CrmResult<Vec<DealLead>> {
    let account = super::campaigns::get(conn, campaign)?.account_id;
    let max = of(conn, account)?.max_pending;
    let n = pending(conn, account)?;
    if n < max {
        return Ok(Vec::new());
    }
    let excess = n + 1 - max;
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {cols} FROM deals d JOIN leads l ON l.id = d.lead_id
         WHERE d.id IN (
             SELECT d2.id FROM deals d2 JOIN campaigns c ON c.id = d2.campaign_id
             WHERE c.account_id = ?1 AND d2.stage = 'pending'
             ORDER BY d2.stage_changed_ms, d2.id LIMIT ?2)
           AND d.campaign_id = ?3
         ORDER BY d.stage_changed_ms, d.id LIMIT ?4",
        cols = pipeline::COLUMNS
    ))?;
    let rows = stmt.query_map(
        params![account, excess, campaign, limit],
        pipeline::from_row,
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crm::fixture::*;
    use crate::crm::journal::{self, Outcome};
    use crate::crm::stage::Stage;

    /// Invites `n` new leads at `at` (journaled, done): they are pending.
    fn invite(f: &Fixture, n: u32, at: u64) -> Vec<u64> {
        (0..n)
            .map(|i| {
                let lead = f.discover(&format!("https://www.linkedin.com/in/p-{at}-{i}/"));
                let campaign = f.campaign;
                f.db.write_blocking(move |tx| {
                    for (to, why) in [(Stage::Enriched, "e"), (Stage::Qualified, "q")] {
                        pipeline::set_stage(tx, campaign, lead, to, why, "test", at)?;
                    }
                    let c = crate::crm::campaigns::get(tx, campaign)?;
                    let intent =
                        journal::begin(tx, &c, lead, Action::Invite, "", "connect", at + i as u64)?;
                    journal::finish(
                        tx,
                        intent,
                        None,
                        &Outcome::Done("sent".into()),
                        "connect",
                        at + i as u64,
                    )?;
                    Ok(())
                })
                .unwrap();
                lead
            })
            .collect()
    }

    fn settle(f: &Fixture, lead: u64, to: Stage, at: u64) {
        let campaign = f.campaign;
        f.db.write_blocking(move |tx| {
            pipeline::set_stage(tx, campaign, lead, to, "answer", "test", at)
        })
        .unwrap();
    }

    #[test]
    fn at_max_pending_no_invitation_begins_and_the_oldest_are_handed_out_to_withdraw() {
        let f = fixture();
        let account = f.account;
        f.db.write_blocking(move |tx| {
            set(
                tx,
                account,
                Guards {
                    max_pending: 3,
                    ..of(tx, account)?
                },
            )
        })
        .unwrap();
        let leads = invite(&f, 3, MONDAY);
        let (campaign, next) = (f.campaign, f.discover("https://www.linkedin.com/in/next/"));
        let refused =
            f.db.write_blocking(move |tx| {
                for (to, why) in [(Stage::Enriched, "e"), (Stage::Qualified, "q")] {
                    pipeline::set_stage(tx, campaign, next, to, why, "test", MONDAY)?;
                }
                let c = crate::crm::campaigns::get(tx, campaign)?;
                journal::begin(tx, &c, next, Action::Invite, "", "connect", MONDAY + HOUR)
            })
            .unwrap_err();
        assert!(
            matches!(&refused, CrmError::RateLimited { reason, .. } if reason.contains("max_pending is 3")),
            "{refused:?}"
        );
        let oldest =
            f.db.read_outside_tx_blocking(move |c| over_pending(c, campaign, 10))
                .unwrap();
        assert_eq!(
            oldest.iter().map(|d| d.lead.id).collect::<Vec<_>>(),
            vec![leads[0]]
        );
        // One answered: below the cap, nothing to withdraw, invitations go again.
        settle(&f, leads[1], Stage::Connected, MONDAY + 2 * HOUR);
        let state =
            f.db.read_outside_tx_blocking(move |c| {
                Ok((over_pending(c, campaign, 10)?, pending(c, account)?))
            })
            .unwrap();
        assert_eq!((state.0.len(), state.1), (0, 2));
    }

    #[test]
    fn low_acceptance_over_a_full_window_pauses_invitations_for_48_hours_then_judges_anew() {
        let f = fixture();
        let account = f.account;
        f.db.write_blocking(move |tx| {
            set(
                tx,
                account,
                Guards {
                    max_pending: 300,
                    min_acceptance_pct: 15,
                    acceptance_window: 10,
                },
            )
        })
        .unwrap();
        let review_at = |at: u64| {
            f.db.write_blocking(move |tx| review(tx, account, at))
                .unwrap()
        };
        let leads = invite(&f, 10, MONDAY);
        // Nothing answered and not a week old: nothing to judge.
        assert_eq!(review_at(MONDAY + DAY), None);
        // One of ten accepted, nine declined: 10 % < 15 %.
        settle(&f, leads[0], Stage::Connected, MONDAY + DAY);
        for lead in &leads[1..] {
            settle(&f, *lead, Stage::Failed, MONDAY + DAY);
        }
        let why = review_at(MONDAY + 2 * DAY).expect("a pause");
        assert!(why.contains("only 1 of the last 10"), "{why}");
        let usage =
            f.db.read_outside_tx_blocking(move |c| limits::usage(c, account, MONDAY + 2 * DAY))
                .unwrap();
        let invite_usage = usage.iter().find(|u| u.action == Action::Invite).unwrap();
        assert_eq!(
            invite_usage.blocked_until_ms,
            Some(MONDAY + 2 * DAY + ACCEPTANCE_PAUSE_MS)
        );
        // After the pause the old invitations no longer count: nothing to judge yet.
        assert_eq!(review_at(MONDAY + 5 * DAY), None);
        // Two of ten accepted among the new ones (20 %): no pause.
        let fresh = invite(&f, 10, MONDAY + 5 * DAY);
        for (i, lead) in fresh.iter().enumerate() {
            let to = if i < 2 {
                Stage::Connected
            } else {
                Stage::Failed
            };
            settle(&f, *lead, to, MONDAY + 6 * DAY);
        }
        assert_eq!(review_at(MONDAY + 6 * DAY), None);
        let s =
            f.db.read_outside_tx_blocking(move |c| state(c, account, MONDAY + 6 * DAY))
                .unwrap();
        assert_eq!((s.judged, s.accepted, s.pending), (10, 2, 0));
    }

    #[test]
    fn invitations_unanswered_for_a_week_count_as_not_accepted() {
        let f = fixture();
        let account = f.account;
        f.db.write_blocking(move |tx| {
            set(
                tx,
                account,
                Guards {
                    max_pending: 300,
                    min_acceptance_pct: 15,
                    acceptance_window: 5,
                },
            )
        })
        .unwrap();
        invite(&f, 5, MONDAY);
        let early =
            f.db.write_blocking(move |tx| review(tx, account, MONDAY + 6 * DAY))
                .unwrap();
        assert_eq!(early, None, "not a week yet");
        let late =
            f.db.write_blocking(move |tx| review(tx, account, MONDAY + 8 * DAY))
                .unwrap();
        assert!(late.is_some_and(|w| w.contains("only 0 of the last 5")));
        let bad =
            f.db.write_blocking(move |tx| {
                set(
                    tx,
                    account,
                    Guards {
                        max_pending: 0,
                        min_acceptance_pct: 15,
                        acceptance_window: 5,
                    },
                )
            })
            .unwrap_err();
        assert!(bad.to_string().contains("max_pending must be 1 or more"));
    }
}
