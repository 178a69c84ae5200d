//! The action journal: the one way an outward action is taken.
//!
//! [`begin`] checks that the campaign and account are active, that the person neither wrote
//! to the account nor asked to be left alone, that the lead is at the stage the action
//! belongs to, that no earlier intent for it is still open (for invitations, that no other
//! campaign of the account has already invited the person; for messages, that the lead's next
//! step of the sequence is due), consumes one unit of the rate limit and writes the intent —
//! all in the caller's transaction. The lane then acts and verifies, and [`finish`] records
//! the result and applies its effect in one transaction: a done invitation makes the lead
//! `pending`, a done message is stored and moves the lead to its next step (completing it
//! after the last), a done withdrawal fails it; `not-done` gives the limit unit back.
//!
//! A crash between the two leaves an open intent. It blocks a second attempt at the same
//! action for that lead until a lane has checked what really happened and finished it: an
//! action is never repeated blindly. [`open_all`] lists them at start.

use super::action::Action;
use super::campaigns::Campaign;
use super::error::{CrmError, CrmResult};
use super::limits::{self, PeriodKeys};
use super::messages;
use super::pipeline;
use super::stage::Stage;
use rusqlite::{Connection, OptionalExtension, Row, params};

/// How an action ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// It happened and was verified; the text says how.
    Done(String),
    /// It did not happen; the text says why.
    NotDone(String),
}

/// One journal entry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Intent {
    /// Row id.
    pub id: u64,
    /// The account that acted.
    pub account_id: u64,
    /// The campaign it acted for.
    pub campaign_id: u64,
    /// The lead acted on.
    pub lead_id: u64,
    /// Its vanity id (or member id), for people reading the journal.
    pub lead_key: String,
    /// The action.
    pub action: Action,
    /// What the lane meant to do (for a message: its text).
    pub detail: String,
    /// The lane that acted.
    pub lane: String,
    /// When the intent was recorded (ms).
    pub started_ms: u64,
    /// `done`, `not-done`, or `None` while open.
    pub result: Option<String>,
    /// What the lane reported with the result.
    pub result_detail: Option<String>,
    /// When the result was recorded (ms).
    pub finished_ms: Option<u64>,
    /// For a message: which step of the campaign's sequence it is.
    pub step: Option<u32>,
}

const COLUMNS: &str = "id, account_id, campaign_id, lead_id, action, detail, lane, started_ms, \
                       result, result_detail, finished_ms, \
                       (SELECT coalesce(public_id, member_id) FROM leads WHERE leads.id = lead_id), \
                       step";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Intent> {
    Ok(Intent {
        id: r.get(0)?,
        account_id: r.get(1)?,
        campaign_id: r.get(2)?,
        lead_id: r.get(3)?,
        action: r.get(4)?,
        detail: r.get(5)?,
        lane: r.get(6)?,
        started_ms: r.get(7)?,
        result: r.get(8)?,
        result_detail: r.get(9)?,
        finished_ms: r.get(10)?,
        lead_key: r.get::<_, Option<String>>(11)?.unwrap_or_default(),
        step: r.get(12)?,
    })
}

/// The stage a lead must be at for `action`.
pub fn required_stage(action: Action) -> Stage {
    match action {
        Action::Invite => Stage::Qualified,
        Action::Message => Stage::Connected,
        Action::Withdraw => Stage::Pending,
    }
}

/// The entry with `id`.
pub fn get(conn: &Connection, id: u64) -> CrmResult<Intent> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM action_journal WHERE id = ?1"),
        [id],
        from_row,
    )
    .optional()?
    .ok_or_else(|| CrmError::NotFound(format!("no journal entry {id}")))
}

/// Records the intent to perform `action` on `lead` for `campaign`. Returns the intent id.
pub fn begin(
    conn: &Connection,
    campaign: &Campaign,
    lead: u64,
    action: Action,
    detail: &str,
    lane: &str,
    now_ms: u64,
) -> CrmResult<u64> {
    if !campaign.active {
        return Err(CrmError::Invalid(format!(
            "campaign `{}` is paused: no outward actions",
            campaign.name
        )));
    }
    let account = super::accounts::get(conn, campaign.account_id)?;
    if !account.active {
        return Err(CrmError::Invalid(format!(
            "the account of campaign `{}` is inactive: no outward actions",
            campaign.name
        )));
    }
    if let Some(reason) = &account.paused {
        return Err(CrmError::Invalid(format!(
            "account `{}` is paused until a person resumes it ({reason}): no outward actions",
            account.login
        )));
    }
    let deal = pipeline::get(conn, campaign.id, lead)?;
    // Whatever the lane: nothing goes to a person who wrote to us or asked to be left alone.
    if let Some(why) = super::conversations::contact_refusal(conn, lead)? {
        return Err(CrmError::Invalid(format!(
            "cannot {action} lead {lead} ({}): {why}",
            deal.lead.key()
        )));
    }
    if let Some(entry) = super::dnc::refusal(conn, lead, campaign.id)? {
        return Err(CrmError::Denied(format!(
            "cannot {action} lead {lead} ({}): do not contact: {}",
            deal.lead.key(),
            entry.describe()
        )));
    }
    // Lanes coordinate with holds; a withdrawal takes outreach back and is never held.
    if action != Action::Withdraw
        && let Some(hold) = super::holds::active(conn, deal.deal_id, now_ms)?
    {
        return Err(CrmError::Invalid(format!(
            "cannot {action} lead {lead} ({}): {}",
            deal.lead.key(),
            hold.describe()
        )));
    }
    let needed = required_stage(action);
    if deal.stage != needed {
        return Err(CrmError::Invalid(format!(
            "cannot {action} lead {lead} ({}): it is {} in campaign `{}`, and only {needed} leads get this action",
            deal.lead.key(),
            deal.stage,
            campaign.name
        )));
    }
    if action == Action::Message && detail.trim().is_empty() {
        return Err(CrmError::Invalid(
            "the message text (detail) is empty".into(),
        ));
    }
    if let Some(open) = conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM action_journal WHERE lead_id = ?1 AND action = ?2 AND result IS NULL"),
            params![lead, action],
            from_row,
        )
        .optional()?
    {
        return Err(CrmError::Invalid(format!(
            "lead {lead} already has an open {action} intent #{} (lane `{}`): check what happened and finish it before acting again",
            open.id, open.lane
        )));
    }
    if action == Action::Invite
        && conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM deals d JOIN campaigns c ON c.id = d.campaign_id
                 WHERE d.lead_id = ?1 AND c.account_id = ?2 AND d.campaign_id != ?3
                   AND d.stage IN ('pending', 'connected', 'completed'))",
            params![lead, campaign.account_id, campaign.id],
            |r| r.get::<_, bool>(0),
        )?
    {
        // Which campaign, and how far it got, is that campaign's business.
        return Err(CrmError::Invalid(format!(
            "lead {lead} ({}) was already invited through another campaign of this account: not inviting again",
            deal.lead.key()
        )));
    }
    let step = if action == Action::Message {
        let Some((step, due_ms, total)) = super::sequence::next_step(conn, &deal)? else {
            return Err(CrmError::Invalid(format!(
                "lead {lead} ({}) was already sent every step of campaign `{}`'s sequence",
                deal.lead.key(),
                campaign.name
            )));
        };
        if due_ms > now_ms {
            return Err(CrmError::Invalid(format!(
                "step {} of {total} is due in {} minutes (at {due_ms} ms) for lead {lead} ({}): not before",
                step.position,
                (due_ms - now_ms).div_ceil(60_000),
                deal.lead.key()
            )));
        }
        Some(step.position)
    } else {
        None
    };
    let keys = limits::consume(conn, campaign.account_id, action, now_ms)?;
    conn.execute(
        "INSERT INTO action_journal (account_id, campaign_id, lead_id, action, detail, lane,
                                     day_key, week_key, started_ms, step)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            campaign.account_id,
            campaign.id,
            lead,
            action,
            detail,
            lane,
            keys.day,
            keys.week,
            now_ms,
            step
        ],
    )?;
    Ok(conn.last_insert_rowid() as u64)
}

/// Records how intent `id` ended and applies its effect. `campaign`, when given, must be the
/// intent's campaign (a lane may only finish its own campaign's intents).
pub fn finish(
    conn: &Connection,
    id: u64,
    campaign: Option<u64>,
    outcome: &Outcome,
    lane: &str,
    now_ms: u64,
) -> CrmResult<()> {
    // Another campaign's intent and one that does not exist get the same answer, so that a
    // lane learns nothing about ids outside its campaign.
    let not_here = || CrmError::NotFound(format!("no journal entry {id} in this campaign"));
    let intent = match get(conn, id) {
        Ok(intent) => intent,
        Err(CrmError::NotFound(_)) => return Err(not_here()),
        Err(e) => return Err(e),
    };
    if campaign.is_some_and(|c| c != intent.campaign_id) {
        return Err(not_here());
    }
    if let Some(result) = &intent.result {
        return Err(CrmError::Invalid(format!(
            "intent #{id} is already finished ({result})"
        )));
    }
    let (result, text) = match outcome {
        Outcome::Done(t) => ("done", t),
        Outcome::NotDone(t) => ("not-done", t),
    };
    conn.execute(
        "UPDATE action_journal SET result = ?2, result_detail = ?3, finished_ms = ?4 WHERE id = ?1",
        params![id, result, text, now_ms],
    )?;
    match outcome {
        Outcome::NotDone(_) => {
            let (day, week): (String, String) = conn.query_row(
                "SELECT day_key, week_key FROM action_journal WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            limits::refund(
                conn,
                intent.account_id,
                intent.action,
                &PeriodKeys { day, week },
            )
        }
        Outcome::Done(text) => apply_done(conn, &intent, text, lane, now_ms),
    }
}

/// The effect of a done action on the lead's deal (only from the stage it was taken at, so
/// a lead a lane moved meanwhile is left alone).
fn apply_done(
    conn: &Connection,
    intent: &Intent,
    text: &str,
    lane: &str,
    now_ms: u64,
) -> CrmResult<()> {
    let (to, reason) = match intent.action {
        Action::Invite => (Stage::Pending, format!("invitation sent: {text}")),
        Action::Message => {
            messages::record(
                conn,
                intent.lead_id,
                intent.campaign_id,
                Some(intent.id),
                intent.step,
                &intent.detail,
                lane,
                now_ms,
            )?;
            // The sequence moves on (and completes the lead after its last step), whatever
            // stage the lead is at now: a reply meanwhile does not unsend the message.
            let step = intent.step.unwrap_or(1);
            return super::sequence::step_sent(
                conn,
                intent.campaign_id,
                intent.lead_id,
                step,
                lane,
                now_ms,
            );
        }
        Action::Withdraw => (Stage::Failed, format!("invitation withdrawn: {text}")),
    };
    let deal = pipeline::get(conn, intent.campaign_id, intent.lead_id)?;
    if deal.stage == required_stage(intent.action) {
        pipeline::set_stage(
            conn,
            intent.campaign_id,
            intent.lead_id,
            to,
            &reason,
            lane,
            now_ms,
        )?;
    }
    Ok(())
}

/// Open intents of `campaign` for `action`, oldest first.
pub fn open(conn: &Connection, campaign: u64, action: Action) -> CrmResult<Vec<Intent>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM action_journal
         WHERE campaign_id = ?1 AND action = ?2 AND result IS NULL ORDER BY id"
    ))?;
    let rows = stmt.query_map(params![campaign, action], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Every open intent, oldest first.
pub fn open_all(conn: &Connection) -> CrmResult<Vec<Intent>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM action_journal WHERE result IS NULL ORDER BY id"
    ))?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The `limit` most recent entries of `account`, newest first.
pub fn recent(conn: &Connection, account: u64, limit: u32) -> CrmResult<Vec<Intent>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM action_journal WHERE account_id = ?1
         ORDER BY started_ms DESC, id DESC LIMIT ?2"
    ))?;
    let rows = stmt.query_map(params![account, limit], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Every entry about `lead`, oldest first.
pub fn of_lead(conn: &Connection, lead: u64) -> CrmResult<Vec<Intent>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM action_journal WHERE lead_id = ?1 ORDER BY id"
    ))?;
    let rows = stmt.query_map([lead], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Logs the intents a previous run left open, at start: they are checked by their lanes
/// before anything is done again for those leads.
pub fn report_open_at_start(conn: &Connection) -> CrmResult<usize> {
    let open = open_all(conn)?;
    for intent in &open {
        tracing::warn!(
            lane = intent.lane.as_str(),
            "unfinished {} #{} for lead {} from a previous run: it will be checked, not repeated",
            intent.action,
            intent.id,
            intent.lead_id
        );
    }
    Ok(open.len())
}

#[cfg(test)]
mod tests {
    //! The journal against a real SQLite file.
    use crate::crm::action::Action;
    use crate::crm::campaigns::NewCampaign;
    use crate::crm::fixture::*;
    use crate::crm::journal::Outcome;
    use crate::crm::stage::Stage;
    use crate::crm::*;

    #[test]
    fn journal_invite_done_makes_the_lead_pending() {
        let f = fixture();
        let lead = f.lead_at("carl", Stage::Qualified);
        let intent = begin(&f, lead, Action::Invite, MONDAY).unwrap();
        assert_eq!(used_today(&f, Action::Invite, MONDAY), (1, 1));
        // While the intent is open, the action cannot be started again.
        let again = begin(&f, lead, Action::Invite, MONDAY).unwrap_err();
        assert!(again.to_string().contains("open invite intent"), "{again}");
        finish(&f, intent, Outcome::Done("Pending button shown".into())).unwrap();
        assert_eq!(f.stage(lead), Stage::Pending);
        let c = f.campaign;
        let deal =
            f.db.read_outside_tx_blocking(move |conn| pipeline::get(conn, c, lead))
                .unwrap();
        assert_eq!(deal.next_check_ms, Some(MONDAY + 24 * HOUR));
        // Finishing twice is refused.
        assert!(finish(&f, intent, Outcome::Done("again".into())).is_err());
        // Another campaign of the account does not invite the same person again...
        let c =
            f.db.write_blocking(|tx| {
                let id = campaigns::create(
                    tx,
                    &NewCampaign {
                        account_id: 1,
                        name: "Second".into(),
                        ..NewCampaign::default()
                    },
                    MONDAY,
                )?;
                pipeline::attach(tx, id, 1, "test", MONDAY)?;
                for s in [Stage::Enriched, Stage::Qualified] {
                    pipeline::set_stage(tx, id, 1, s, "", "test", MONDAY)?;
                }
                let second = campaigns::get(tx, id)?;
                Ok(journal::begin(
                    tx,
                    &second,
                    lead,
                    Action::Invite,
                    "",
                    "connect",
                    MONDAY,
                ))
            })
            .unwrap();
        assert!(
            c.unwrap_err()
                .to_string()
                .contains("already invited through another campaign of this account")
        );
        // ...but when the invitation vanished (pending -> qualified) it may be sent again.
        f.move_to(lead, Stage::Qualified).unwrap();
        begin(&f, lead, Action::Invite, MONDAY).unwrap();
        // A paused campaign takes no outward action.
        let paused = f.lead_at("paula", Stage::Qualified);
        f.db.write_blocking(|tx| {
            Ok(tx.execute("UPDATE campaigns SET active = 0 WHERE id = 1", [])?)
        })
        .unwrap();
        let err = begin(&f, paused, Action::Invite, MONDAY).unwrap_err();
        assert!(err.to_string().contains("is paused"), "{err}");
    }

    #[test]
    fn journal_not_done_refunds_and_wrong_stage_is_refused() {
        let f = fixture();
        let lead = f.lead_at("dora", Stage::Qualified);
        let intent = begin(&f, lead, Action::Invite, MONDAY).unwrap();
        finish(&f, intent, Outcome::NotDone("no Connect button".into())).unwrap();
        assert_eq!(used_today(&f, Action::Invite, MONDAY), (0, 0));
        assert_eq!(f.stage(lead), Stage::Qualified);
        let err = begin(&f, lead, Action::Message, MONDAY).unwrap_err();
        assert!(err.to_string().contains("only connected leads"), "{err}");
        // A message completes the lead and is stored.
        let friend = f.lead_at("emil", Stage::Connected);
        let m = begin(&f, friend, Action::Message, MONDAY).unwrap();
        finish(&f, m, Outcome::Done("sent".into())).unwrap();
        assert_eq!(f.stage(friend), Stage::Completed);
        let sent =
            f.db.read_outside_tx_blocking(move |c| messages::of_lead(c, friend))
                .unwrap();
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].text, "hello there");
    }

    #[test]
    fn open_intents_survive_a_restart_and_block_repeats() {
        let f = fixture();
        let lead = f.lead_at("fred", Stage::Qualified);
        let intent = begin(&f, lead, Action::Invite, MONDAY).unwrap();
        let path = f.path.clone();
        drop(f.db);
        let db = Db::open(&path).unwrap();
        let open = db.read_outside_tx_blocking(journal::open_all).unwrap();
        assert_eq!(open.len(), 1);
        assert_eq!(open[0].id, intent);
        assert_eq!(
            db.read_outside_tx_blocking(journal::report_open_at_start)
                .unwrap(),
            1
        );
    }
}
