//! A campaign's sequence: the messages sent to a new connection, one step after the other.
//!
//! Step 1 is due `delay` after the lead became connected, each later step `delay` after the
//! step before it was sent. Each step is one journaled message (see [`super::journal`]):
//! the journal allows a message intent only for the lead's next step and only once it is due,
//! so a step is sent once, in order, never early, whatever the lane does. After the last step
//! the lead is `completed`; a reply at any point makes it `replied` and nothing more is sent.

use super::campaigns::check_follow_up_template;
use super::error::{CrmError, CrmResult};
use super::pipeline::{self, DealLead};
use super::stage::Stage;
use rusqlite::{Connection, OptionalExtension, params};

/// Most steps a sequence may have.
pub const MAX_STEPS: usize = 10;

/// One step of a sequence.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Step {
    /// Its place, from 1.
    pub position: u32,
    /// How long after the connection (step 1) or the step before it is due (ms).
    pub delay_ms: u64,
    /// What it says: a prompt name, `ai:<prompt>`, or literal text (empty: the default
    /// follow-up prompt).
    pub template: String,
}

/// A step as it is written before it has a place.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct NewStep {
    /// Delay (ms), as for [`Step::delay_ms`].
    pub delay_ms: u64,
    /// Template, as for [`Step::template`].
    pub template: String,
}

/// A lead whose next step is due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueStep {
    /// The lead, as its campaign sees it.
    pub deal: DealLead,
    /// The step due.
    pub step: Step,
    /// How many steps the sequence has.
    pub steps: u32,
    /// When it fell due (ms).
    pub due_ms: u64,
}

/// A step's delay as a person writes it: `0`, or a duration such as `36h`, `3d`, `1d 12h`.
pub fn parse_delay(text: &str) -> Result<u64, String> {
    let text = text.trim();
    if text == "0" {
        return Ok(0);
    }
    let d = humantime::parse_duration(text).map_err(|e| format!("the delay `{text}`: {e}"))?;
    u64::try_from(d.as_millis()).map_err(|_| format!("the delay `{text}` is too long"))
}

/// A delay as [`parse_delay`] reads it back (`0`, `5h`, `3days`).
pub fn format_delay(ms: u64) -> String {
    if ms == 0 {
        "0".to_string()
    } else {
        humantime::format_duration(std::time::Duration::from_millis(ms)).to_string()
    }
}

/// The steps of `campaign`, in order.
pub fn steps(conn: &Connection, campaign: u64) -> CrmResult<Vec<Step>> {
    let mut stmt = conn.prepare_cached(
        "SELECT position, delay_ms, template FROM campaign_steps WHERE campaign_id = ?1 ORDER BY position",
    )?;
    let rows = stmt.query_map([campaign], |r| {
        Ok(Step {
            position: r.get(0)?,
            delay_ms: r.get(1)?,
            template: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Replaces the steps of `campaign`. At least one, at most [`MAX_STEPS`]; every template is
/// checked like the follow-up template. Connected leads that have now been sent every step
/// are completed.
pub fn set_steps(
    conn: &Connection,
    campaign: u64,
    new: &[NewStep],
    actor: &str,
    now_ms: u64,
) -> CrmResult<()> {
    if new.is_empty() || new.len() > MAX_STEPS {
        return Err(CrmError::Invalid(format!(
            "a sequence has 1 to {MAX_STEPS} steps, not {}",
            new.len()
        )));
    }
    for (i, step) in new.iter().enumerate() {
        check_follow_up_template(&step.template)
            .map_err(|e| CrmError::Invalid(format!("step {}: {e}", i + 1)))?;
    }
    conn.execute(
        "DELETE FROM campaign_steps WHERE campaign_id = ?1",
        [campaign],
    )?;
    for (i, step) in new.iter().enumerate() {
        conn.execute(
            "INSERT INTO campaign_steps (campaign_id, position, delay_ms, template) VALUES (?1, ?2, ?3, ?4)",
            params![campaign, i as u32 + 1, step.delay_ms, step.template],
        )?;
    }
    let done: Vec<u64> = {
        let mut stmt = conn.prepare(
            "SELECT lead_id FROM deals WHERE campaign_id = ?1 AND stage = 'connected'
               AND steps_sent > 0 AND steps_sent >= ?2",
        )?;
        let rows = stmt.query_map(params![campaign, new.len() as u32], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    for lead in done {
        pipeline::set_stage(
            conn,
            campaign,
            lead,
            Stage::Completed,
            "sequence done: the sequence was shortened to the steps already sent",
            actor,
            now_ms,
        )?;
    }
    Ok(())
}

/// Sets the template of step 1 (creating it, due at once, if the campaign has none).
pub fn set_first_template(conn: &Connection, campaign: u64, template: &str) -> CrmResult<()> {
    conn.execute(
        "INSERT INTO campaign_steps (campaign_id, position, delay_ms, template) VALUES (?1, 1, 0, ?2)
         ON CONFLICT (campaign_id, position) DO UPDATE SET template = excluded.template",
        params![campaign, template],
    )?;
    Ok(())
}

/// The lead's next step and when it is due, or `None` when every step was sent.
pub fn next_step(conn: &Connection, deal: &DealLead) -> CrmResult<Option<(Step, u64, u32)>> {
    let all = steps(conn, deal.campaign_id)?;
    let total = all.len() as u32;
    let Some(step) = all.into_iter().nth(deal.steps_sent as usize) else {
        return Ok(None);
    };
    let since = match deal.last_step_ms {
        Some(last) if deal.steps_sent > 0 => last,
        _ => deal.stage_changed_ms,
    };
    Ok(Some((
        step.clone(),
        since.saturating_add(step.delay_ms),
        total,
    )))
}

/// Connected leads of `campaign` whose next step is due at `now_ms`, most overdue first;
/// leads with an open message intent (being reconciled) or held ([`super::holds`]) are left
/// out.
pub fn due(conn: &Connection, campaign: u64, now_ms: u64, limit: u32) -> CrmResult<Vec<DueStep>> {
    let total: u32 = conn.query_row(
        "SELECT count(*) FROM campaign_steps WHERE campaign_id = ?1",
        [campaign],
        |r| r.get(0),
    )?;
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {}, s.position, s.delay_ms, s.template,
                (CASE WHEN d.steps_sent = 0 OR d.last_step_ms IS NULL THEN d.stage_changed_ms
                      ELSE d.last_step_ms END) + s.delay_ms AS due
         FROM deals d JOIN leads l ON l.id = d.lead_id
         JOIN campaign_steps s ON s.campaign_id = d.campaign_id AND s.position = d.steps_sent + 1
         WHERE d.campaign_id = ?1 AND d.stage = 'connected' AND l.contact_stopped IS NULL
           AND NOT EXISTS (SELECT 1 FROM action_journal j
                           WHERE j.lead_id = d.lead_id AND j.action = 'message' AND j.result IS NULL)
           AND NOT EXISTS (SELECT 1 FROM lead_holds h WHERE h.deal_id = d.id AND h.until_ms > ?2)
           AND due <= ?2
         ORDER BY due, d.id LIMIT ?3",
        pipeline::COLUMNS
    ))?;
    let base = pipeline::DEAL_COLUMNS;
    let rows = stmt.query_map(params![campaign, now_ms, limit], |r| {
        Ok(DueStep {
            deal: pipeline::from_row(r)?,
            step: Step {
                position: r.get(base)?,
                delay_ms: r.get(base + 1)?,
                template: r.get(base + 2)?,
            },
            steps: total,
            due_ms: r.get(base + 3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Records that the lead's next step was sent (by the journal, with the message): the lead
/// moves on, and is completed after the last step (unless it replied meanwhile).
pub(super) fn step_sent(
    conn: &Connection,
    campaign: u64,
    lead: u64,
    step: u32,
    actor: &str,
    now_ms: u64,
) -> CrmResult<()> {
    conn.execute(
        "UPDATE deals SET steps_sent = max(steps_sent, ?3), last_step_ms = ?4
         WHERE campaign_id = ?1 AND lead_id = ?2",
        params![campaign, lead, step, now_ms],
    )?;
    let total: u32 = conn.query_row(
        "SELECT count(*) FROM campaign_steps WHERE campaign_id = ?1",
        [campaign],
        |r| r.get(0),
    )?;
    let stage: Option<Stage> = conn
        .query_row(
            "SELECT stage FROM deals WHERE campaign_id = ?1 AND lead_id = ?2",
            params![campaign, lead],
            |r| r.get(0),
        )
        .optional()?;
    if stage == Some(Stage::Connected) && step >= total {
        pipeline::set_stage(
            conn,
            campaign,
            lead,
            Stage::Completed,
            &format!("sequence done: {total} of {total} steps sent, no reply"),
            actor,
            now_ms,
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crm::action::Action;
    use crate::crm::fixture::*;
    use crate::crm::journal::{self, Outcome};

    fn three_steps(f: &Fixture) {
        let steps = [
            NewStep {
                delay_ms: 0,
                template: "Hi {first_name}".into(),
            },
            NewStep {
                delay_ms: 2 * DAY,
                template: "Any thoughts, {first_name}?".into(),
            },
            NewStep {
                delay_ms: 3 * DAY,
                template: "Last note from me.".into(),
            },
        ];
        f.db.write_blocking(|tx| set_steps(tx, f.campaign, &steps, "test", MONDAY))
            .unwrap();
    }

    fn send_step(f: &Fixture, lead: u64, at: u64) -> CrmResult<u64> {
        f.db.write_blocking(|tx| {
            let campaign = crate::crm::campaigns::get(tx, f.campaign)?;
            let intent = journal::begin(
                tx,
                &campaign,
                lead,
                Action::Message,
                "text",
                "follow-up",
                at,
            )?;
            journal::finish(
                tx,
                intent,
                None,
                &Outcome::Done("shown".into()),
                "follow-up",
                at,
            )?;
            Ok(intent)
        })
    }

    #[test]
    fn steps_go_out_in_order_never_early_and_complete_the_lead() {
        let f = fixture();
        three_steps(&f);
        let lead = f.lead_at("carl", Stage::Connected);
        let due_now = |at| {
            f.db.read_outside_tx_blocking(|c| due(c, f.campaign, at, 10))
                .unwrap()
        };
        assert_eq!(due_now(MONDAY).len(), 1);
        send_step(&f, lead, MONDAY).unwrap();
        assert!(due_now(MONDAY + DAY).is_empty(), "step 2 waits two days");
        let early = send_step(&f, lead, MONDAY + DAY).unwrap_err();
        assert!(
            early
                .to_string()
                .contains("step 2 of 3 is due in 1440 minutes"),
            "{early}"
        );
        assert_eq!(due_now(MONDAY + 2 * DAY)[0].step.position, 2);
        send_step(&f, lead, MONDAY + 2 * DAY).unwrap();
        assert_eq!(f.stage(lead), Stage::Connected);
        send_step(&f, lead, MONDAY + 5 * DAY).unwrap();
        assert_eq!(f.stage(lead), Stage::Completed);
        let sent: Vec<Option<u32>> =
            f.db.read_outside_tx_blocking(|c| {
                Ok(journal::of_lead(c, lead)?
                    .into_iter()
                    .map(|i| i.step)
                    .collect())
            })
            .unwrap();
        assert_eq!(sent, vec![Some(1), Some(2), Some(3)]);
    }

    #[test]
    fn shortening_the_sequence_completes_who_got_every_step() {
        let f = fixture();
        three_steps(&f);
        let lead = f.lead_at("carl", Stage::Connected);
        send_step(&f, lead, MONDAY).unwrap();
        let one = [NewStep {
            delay_ms: 0,
            template: String::new(),
        }];
        f.db.write_blocking(|tx| set_steps(tx, f.campaign, &one, "test", MONDAY))
            .unwrap();
        assert_eq!(f.stage(lead), Stage::Completed);
        let none: [NewStep; 0] = [];
        assert!(
            f.db.write_blocking(|tx| set_steps(tx, f.campaign, &none, "t", MONDAY))
                .is_err()
        );
        let bad = [NewStep {
            delay_ms: 0,
            template: "Hi {firstname}".into(),
        }];
        let err =
            f.db.write_blocking(|tx| set_steps(tx, f.campaign, &bad, "t", MONDAY))
                .unwrap_err();
        assert!(err.to_string().contains("step 1"), "{err}");
    }

    #[test]
    fn delays_are_read_as_people_write_them_and_written_back_the_same() {
        assert_eq!(parse_delay("0"), Ok(0));
        assert_eq!(parse_delay(" 36h "), Ok(36 * 3_600_000));
        assert_eq!(parse_delay("1d 12h"), Ok(36 * 3_600_000));
        assert!(parse_delay("soon").unwrap_err().contains("`soon`"));
        assert!(parse_delay("").is_err());
        for ms in [0, 5 * 3_600_000, 3 * 86_400_000, 90_061_000] {
            assert_eq!(parse_delay(&format_delay(ms)), Ok(ms));
        }
    }
}
