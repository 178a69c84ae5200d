//! Deals: a lead in one campaign, its stage, and the history of every stage change. All
//! stage writes go through [`set_stage`], which enforces [`Stage::can_move_to`].

use super::error::{CrmError, CrmResult};
use super::leads::{self, Lead};
use super::stage::Stage;
use outlane_linkedin::ProfileId;
use rusqlite::{Connection, OptionalExtension, Row, params};

/// Hours until the first check of a newly pending invitation.
pub const FIRST_CHECK_HOURS: u32 = 24;

const HOUR_MS: u64 = 3_600_000;

/// A lead as seen from one campaign.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DealLead {
    /// The person.
    #[serde(flatten)]
    pub lead: Lead,
    /// Deal row id.
    pub deal_id: u64,
    /// The campaign.
    pub campaign_id: u64,
    /// Where the lead stands in it.
    pub stage: Stage,
    /// Reason given with the last stage change.
    pub reason: Option<String>,
    /// When the stage last changed (ms).
    pub stage_changed_ms: u64,
    /// For pending deals: when the next check is due (ms).
    pub next_check_ms: Option<u64>,
    /// For pending deals: hours between checks.
    pub backoff_hours: u32,
    /// Steps of the campaign's sequence sent to the lead.
    pub steps_sent: u32,
    /// When the last of them was sent (ms).
    pub last_step_ms: Option<u64>,
}

/// One stage change.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StageChange {
    /// The stage before (`None` when the deal was created).
    pub from: Option<Stage>,
    /// The stage after.
    pub to: Stage,
    /// Why.
    pub reason: String,
    /// Who: a lane name, `import`, `human`...
    pub actor: String,
    /// When (ms).
    pub at_ms: u64,
}

/// One entry of a campaign's change feed: a stage change with its id and lead.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FeedChange {
    /// The change's id (only grows: `stage_changes` is AUTOINCREMENT).
    pub id: u64,
    /// The lead.
    pub lead: u64,
    /// The change.
    #[serde(flatten)]
    pub change: StageChange,
}

/// `campaign`'s stage changes with an id after `cursor`, oldest first, at most `limit`.
pub fn changes_after(
    conn: &Connection,
    campaign: u64,
    cursor: u64,
    limit: u32,
) -> CrmResult<Vec<FeedChange>> {
    let mut stmt = conn.prepare_cached(
        "SELECT s.id, d.lead_id, s.from_stage, s.to_stage, s.reason, s.actor, s.at_ms
         FROM stage_changes s JOIN deals d ON d.id = s.deal_id
         WHERE s.id > ?2 AND d.campaign_id = ?1 ORDER BY s.id LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![campaign, cursor, limit], |r| {
        Ok(FeedChange {
            id: r.get(0)?,
            lead: r.get(1)?,
            change: StageChange {
                from: r.get(2)?,
                to: r.get(3)?,
                reason: r.get(4)?,
                actor: r.get(5)?,
                at_ms: r.get(6)?,
            },
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// What [`discover`] did with a list of URLs.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct DiscoverReport {
    /// Leads new to the campaign.
    pub new: u32,
    /// Leads the campaign already had.
    pub known: u32,
    /// URLs that are not profile URLs, with the reason.
    pub rejected: Vec<(String, String)>,
    /// People the do-not-contact list names for this campaign: skipped.
    pub do_not_contact: u32,
    /// People erased at their request: skipped (never stored again).
    pub erased: u32,
}

/// The columns [`from_row`] reads, for a query over `deals d JOIN leads l`.
pub(super) const COLUMNS: &str = concat!(
    leads::lead_columns!(),
    ", d.id, d.campaign_id, d.stage, d.reason, d.stage_changed_ms, d.next_check_ms, \
     d.backoff_hours, d.known_name, d.known_headline, d.steps_sent, d.last_step_ms"
);

/// How many columns [`COLUMNS`] has (more columns of a query come after them).
pub(super) const DEAL_COLUMNS: usize = leads::LEAD_COLUMNS + 11;

/// The lead as the deal's campaign sees it: what the campaign's own import said of the
/// person first (a lane of another campaign cannot change it), then the fetched profile (or
/// an import made before any campaign existed). Another campaign's import is never part of it.
pub(super) fn from_row(r: &Row<'_>) -> rusqlite::Result<DealLead> {
    let base = leads::LEAD_COLUMNS;
    let mut lead = leads::from_row(r)?;
    let known_name: Option<String> = r.get(base + 7)?;
    let known_headline: Option<String> = r.get(base + 8)?;
    lead.full_name = known_name.or(lead.full_name);
    lead.headline = known_headline.or(lead.headline);
    Ok(DealLead {
        lead,
        deal_id: r.get(base)?,
        campaign_id: r.get(base + 1)?,
        stage: r.get(base + 2)?,
        reason: r.get(base + 3)?,
        stage_changed_ms: r.get(base + 4)?,
        next_check_ms: r.get(base + 5)?,
        backoff_hours: r.get(base + 6)?,
        steps_sent: r.get(base + 9)?,
        last_step_ms: r.get(base + 10)?,
    })
}

fn record_change(
    conn: &Connection,
    deal: u64,
    from: Option<Stage>,
    to: Stage,
    reason: &str,
    actor: &str,
    now_ms: u64,
) -> CrmResult<()> {
    conn.execute(
        "INSERT INTO stage_changes (deal_id, from_stage, to_stage, reason, actor, at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![deal, from, to, reason, actor, now_ms],
    )?;
    super::holds::hold_on_entry(conn, deal, to, now_ms)
}

/// Puts lead `lead` into `campaign` (as `enriched` if its profile is known, else
/// `discovered`). Returns whether it was new to the campaign.
pub fn attach(
    conn: &Connection,
    campaign: u64,
    lead: u64,
    actor: &str,
    now_ms: u64,
) -> CrmResult<bool> {
    let enriched: bool = conn
        .query_row(
            "SELECT profile_json IS NOT NULL FROM leads WHERE id = ?1",
            [lead],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| CrmError::NotFound(format!("no lead with id {lead}")))?;
    let stage = if super::conversations::has_written(conn, lead)? {
        // Nothing may be sent to a person who wrote to the account: not even in a campaign
        // they join afterwards.
        Stage::Replied
    } else if enriched {
        Stage::Enriched
    } else {
        Stage::Discovered
    };
    let inserted = conn.execute(
        "INSERT OR IGNORE INTO deals (lead_id, campaign_id, stage, stage_changed_ms, created_ms)
         VALUES (?1, ?2, ?3, ?4, ?4)",
        params![lead, campaign, stage, now_ms],
    )?;
    if inserted == 1 {
        let deal = conn.last_insert_rowid() as u64;
        record_change(conn, deal, None, stage, "discovered", actor, now_ms)?;
    }
    Ok(inserted == 1)
}

/// Records what `campaign`'s import file says of `lead` (kept if the deal already has it):
/// only that campaign sees it.
pub fn set_known_details(
    conn: &Connection,
    campaign: u64,
    lead: u64,
    full_name: Option<&str>,
    headline: Option<&str>,
) -> CrmResult<()> {
    conn.execute(
        "UPDATE deals SET known_name = coalesce(known_name, ?3),
             known_headline = coalesce(known_headline, ?4)
         WHERE campaign_id = ?1 AND lead_id = ?2",
        params![campaign, lead, full_name, headline],
    )?;
    Ok(())
}

/// Whether `lead` has a deal in a campaign other than `campaign`.
pub fn in_other_campaigns(conn: &Connection, lead: u64, campaign: u64) -> CrmResult<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM deals WHERE lead_id = ?1 AND campaign_id != ?2)",
        params![lead, campaign],
        |r| r.get(0),
    )?)
}

/// Adds profile URLs to `campaign`: known people are not duplicated, bad URLs are reported.
/// `extra_hosts` are accepted besides linkedin.com (a simulator).
pub fn discover(
    conn: &Connection,
    campaign: u64,
    urls: &[String],
    extra_hosts: &[&str],
    actor: &str,
    now_ms: u64,
) -> CrmResult<DiscoverReport> {
    let mut report = DiscoverReport::default();
    for url in urls {
        match ProfileId::parse_on(url, extra_hosts) {
            Ok(id) => {
                if super::erasure::erased_at(conn, &id)?.is_some() {
                    report.erased += 1;
                    continue;
                }
                if super::dnc::refusal_of_profile(conn, &id, None, Some(campaign))?.is_some() {
                    report.do_not_contact += 1;
                    continue;
                }
                let (lead, _) = leads::ensure(conn, &id, now_ms)?;
                if attach(conn, campaign, lead, actor, now_ms)? {
                    report.new += 1;
                } else {
                    report.known += 1;
                }
            }
            Err(e) => report.rejected.push((url.clone(), e.to_string())),
        }
    }
    Ok(report)
}

/// Lead `lead` as seen from `campaign`.
pub fn get(conn: &Connection, campaign: u64, lead: u64) -> CrmResult<DealLead> {
    conn.query_row(
        &format!(
            "SELECT {COLUMNS} FROM deals d JOIN leads l ON l.id = d.lead_id
             WHERE d.campaign_id = ?1 AND d.lead_id = ?2"
        ),
        params![campaign, lead],
        from_row,
    )
    .optional()?
    .ok_or_else(|| CrmError::NotFound(format!("lead {lead} is not in campaign {campaign}")))
}

/// Every campaign's view of lead `lead`.
pub fn all_of_lead(conn: &Connection, lead: u64) -> CrmResult<Vec<DealLead>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM deals d JOIN leads l ON l.id = d.lead_id
         WHERE d.lead_id = ?1 ORDER BY d.campaign_id"
    ))?;
    let rows = stmt.query_map([lead], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Up to `limit` leads of `campaign` at `stage`, oldest stage change first.
pub fn in_stage(
    conn: &Connection,
    campaign: u64,
    stage: Stage,
    limit: u32,
) -> CrmResult<Vec<DealLead>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM deals d JOIN leads l ON l.id = d.lead_id
         WHERE d.campaign_id = ?1 AND d.stage = ?2
         ORDER BY d.stage_changed_ms, d.id LIMIT ?3"
    ))?;
    let rows = stmt.query_map(params![campaign, stage, limit], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Up to `limit` leads of `campaign` at `stage` with a lead id after `after`, by lead id (a
/// keyset page).
pub fn in_stage_after(
    conn: &Connection,
    campaign: u64,
    stage: Stage,
    after: u64,
    limit: u32,
) -> CrmResult<Vec<DealLead>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM deals d JOIN leads l ON l.id = d.lead_id
         WHERE d.campaign_id = ?1 AND d.stage = ?2 AND d.lead_id > ?3
         ORDER BY d.lead_id LIMIT ?4"
    ))?;
    let rows = stmt.query_map(params![campaign, stage, after, limit], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Leads for people to browse: optionally one campaign and/or one stage, oldest stage change
/// first, `limit` of them after skipping `offset`.
pub fn list(
    conn: &Connection,
    campaign: Option<u64>,
    stage: Option<Stage>,
    limit: u32,
    offset: u32,
) -> CrmResult<Vec<DealLead>> {
    // Only the filters given, so that SQLite can use the (campaign, stage, time) index.
    let mut filters = Vec::new();
    let mut values: Vec<Box<dyn rusqlite::ToSql>> = Vec::new();
    if let Some(c) = campaign {
        values.push(Box::new(c));
        filters.push(format!("d.campaign_id = ?{}", values.len()));
    }
    if let Some(s) = stage {
        values.push(Box::new(s));
        filters.push(format!("d.stage = ?{}", values.len()));
    }
    let filter = if filters.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", filters.join(" AND "))
    };
    values.push(Box::new(limit));
    values.push(Box::new(offset));
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM deals d JOIN leads l ON l.id = d.lead_id {filter}
         ORDER BY d.stage_changed_ms, d.id LIMIT ?{} OFFSET ?{}",
        values.len() - 1,
        values.len()
    ))?;
    let rows = stmt.query_map(rusqlite::params_from_iter(values.iter()), from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// How many leads are in no campaign (imported before any campaign existed).
pub fn unassigned(conn: &Connection) -> CrmResult<u64> {
    Ok(conn.query_row(
        // Every deal's lead exists (a foreign key), so this is the leads without one; two
        // index counts instead of a probe per lead (4x faster on 100,000 leads).
        "SELECT (SELECT count(*) FROM leads) - (SELECT count(DISTINCT lead_id) FROM deals)",
        [],
        |r| r.get(0),
    )?)
}

/// How many leads of `campaign` are at `stage`.
pub fn count(conn: &Connection, campaign: u64, stage: Stage) -> CrmResult<u64> {
    Ok(conn
        .prepare_cached("SELECT count(*) FROM deals WHERE campaign_id = ?1 AND stage = ?2")?
        .query_row(params![campaign, stage], |r| r.get(0))?)
}

/// Counts per stage for `campaign` (stages with no lead are absent).
pub fn funnel(conn: &Connection, campaign: u64) -> CrmResult<Vec<(Stage, u64)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT stage, count(*) FROM deals WHERE campaign_id = ?1 GROUP BY stage",
    )?;
    let rows = stmt.query_map([campaign], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Pending leads of `campaign` whose next check is due at `now_ms`, most overdue first.
pub fn due_pending(
    conn: &Connection,
    campaign: u64,
    now_ms: u64,
    limit: u32,
) -> CrmResult<Vec<DealLead>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM deals d JOIN leads l ON l.id = d.lead_id
         WHERE d.campaign_id = ?1 AND d.stage = 'pending' AND d.next_check_ms <= ?2
         ORDER BY d.next_check_ms, d.id LIMIT ?3"
    ))?;
    let rows = stmt.query_map(params![campaign, now_ms, limit], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Moves lead `lead` of `campaign` to `to`, recording who and why. Moving to the current
/// stage changes nothing (returns false); an illegal transition is an `Invalid` error.
pub fn set_stage(
    conn: &Connection,
    campaign: u64,
    lead: u64,
    to: Stage,
    reason: &str,
    actor: &str,
    now_ms: u64,
) -> CrmResult<bool> {
    let deal = get(conn, campaign, lead)?;
    let from = deal.stage;
    if from == to {
        return Ok(false);
    }
    if !from.can_move_to(to) {
        let allowed: Vec<&str> = from.next_stages().iter().map(|s| s.as_str()).collect();
        let allowed = if allowed.is_empty() {
            format!("{from} is terminal")
        } else {
            format!("from {from} a lead may move to {}", allowed.join(", "))
        };
        return Err(CrmError::Invalid(format!(
            "illegal stage change {from} → {to} for lead {lead} ({}): {allowed}",
            deal.lead.key()
        )));
    }
    let (next_check, backoff) = if to == Stage::Pending {
        let hours = if deal.backoff_hours == 0 {
            FIRST_CHECK_HOURS
        } else {
            deal.backoff_hours
        };
        (Some(now_ms + u64::from(hours) * HOUR_MS), hours)
    } else {
        (None, deal.backoff_hours)
    };
    conn.execute(
        "UPDATE deals SET stage = ?2, reason = ?3, stage_changed_ms = ?4, next_check_ms = ?5,
             backoff_hours = ?6
         WHERE id = ?1",
        params![deal.deal_id, to, reason, now_ms, next_check, backoff],
    )?;
    record_change(conn, deal.deal_id, Some(from), to, reason, actor, now_ms)?;
    Ok(true)
}

/// A person's correction of a machine's judgement: moves `deal` between enriched, qualified and
/// disqualified whichever way (a disqualified lead is otherwise terminal). Only these stages:
/// once something was sent, the pipeline's own transitions hold for people too.
pub(super) fn force_stage(
    conn: &Connection,
    deal: &DealLead,
    to: Stage,
    reason: &str,
    actor: &str,
    now_ms: u64,
) -> CrmResult<()> {
    let judged = |s: Stage| matches!(s, Stage::Enriched | Stage::Qualified | Stage::Disqualified);
    if !judged(deal.stage) || !matches!(to, Stage::Qualified | Stage::Disqualified) {
        return Err(CrmError::Invalid(format!(
            "a person may move a lead only between qualified and disqualified before anything was sent, not {} → {to}",
            deal.stage
        )));
    }
    conn.execute(
        "UPDATE deals SET stage = ?2, reason = ?3, stage_changed_ms = ?4, next_check_ms = NULL
         WHERE id = ?1",
        params![deal.deal_id, to, reason, now_ms],
    )?;
    record_change(
        conn,
        deal.deal_id,
        Some(deal.stage),
        to,
        reason,
        actor,
        now_ms,
    )
}

/// Sets the back-off of a pending lead: the next check is due `hours` after `now_ms`.
pub fn set_backoff(
    conn: &Connection,
    campaign: u64,
    lead: u64,
    hours: u32,
    now_ms: u64,
) -> CrmResult<()> {
    let deal = get(conn, campaign, lead)?;
    if deal.stage != Stage::Pending {
        return Err(CrmError::Invalid(format!(
            "lead {lead} is {}, not pending: only pending leads have a back-off",
            deal.stage
        )));
    }
    if hours == 0 {
        return Err(CrmError::Invalid(
            "a back-off of 0 hours would check again at once".into(),
        ));
    }
    conn.execute(
        "UPDATE deals SET backoff_hours = ?2, next_check_ms = ?3 WHERE id = ?1",
        params![deal.deal_id, hours, now_ms + u64::from(hours) * HOUR_MS],
    )?;
    Ok(())
}

/// Moves every `discovered` deal of `lead` to `enriched` (its profile was just saved).
pub(super) fn mark_enriched(
    conn: &Connection,
    lead: u64,
    actor: &str,
    now_ms: u64,
) -> CrmResult<()> {
    let campaigns: Vec<u64> = conn
        .prepare("SELECT campaign_id FROM deals WHERE lead_id = ?1 AND stage = 'discovered'")?
        .query_map([lead], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for campaign in campaigns {
        set_stage(
            conn,
            campaign,
            lead,
            Stage::Enriched,
            "profile saved",
            actor,
            now_ms,
        )?;
    }
    Ok(())
}

/// The stage history of a deal, oldest first.
pub fn history(conn: &Connection, deal: u64) -> CrmResult<Vec<StageChange>> {
    let mut stmt = conn.prepare(
        "SELECT from_stage, to_stage, reason, actor, at_ms FROM stage_changes
         WHERE deal_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([deal], |r| {
        Ok(StageChange {
            from: r.get(0)?,
            to: r.get(1)?,
            reason: r.get(2)?,
            actor: r.get(3)?,
            at_ms: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// For a merge of two leads of one person: per campaign, keeps the more advanced deal and
/// moves it (with its history) to `keep`.
pub(super) fn merge_deals(conn: &Connection, keep: u64, gone: u64) -> CrmResult<()> {
    for theirs in all_of_lead(conn, gone)? {
        let ours = match get(conn, theirs.campaign_id, keep) {
            Ok(deal) => Some(deal),
            Err(CrmError::NotFound(_)) => None,
            Err(e) => return Err(e),
        };
        let take_theirs = match &ours {
            None => true,
            Some(ours) => theirs.stage.merge_rank() > ours.stage.merge_rank(),
        };
        let drop = if take_theirs {
            if let Some(ours) = &ours {
                delete_deal(conn, ours.deal_id)?;
            }
            conn.execute(
                "UPDATE deals SET lead_id = ?1 WHERE id = ?2",
                params![keep, theirs.deal_id],
            )?;
            None
        } else {
            Some(theirs.deal_id)
        };
        if let Some(deal) = drop {
            delete_deal(conn, deal)?;
        }
    }
    Ok(())
}

fn delete_deal(conn: &Connection, deal: u64) -> CrmResult<()> {
    conn.execute("DELETE FROM stage_changes WHERE deal_id = ?1", [deal])?;
    conn.execute("DELETE FROM deals WHERE id = ?1", [deal])?;
    Ok(())
}
