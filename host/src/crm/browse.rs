//! What people browse in the console: leads filtered, sorted and paged on the server; the
//! review queue of machine decisions; a person's review, which labels the lead and moves its
//! stage; the funnel's movement of the last day; acceptance rates.

use super::error::{CrmError, CrmResult};
use super::learning::{self, LabelSource};
use super::pipeline::{self, DealLead};
use super::stage::Stage;
use rusqlite::{Connection, params_from_iter};

const DAY_MS: u64 = 86_400_000;

/// The order of a lead list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LeadSort {
    /// The latest stage change first.
    #[default]
    Newest,
    /// The oldest stage change first.
    Oldest,
    /// By name (leads without one last).
    Name,
}

impl LeadSort {
    fn order_by(self) -> &'static str {
        match self {
            LeadSort::Newest => "d.stage_changed_ms DESC, d.id DESC",
            LeadSort::Oldest => "d.stage_changed_ms, d.id",
            LeadSort::Name => {
                "coalesce(d.known_name, l.full_name) IS NULL, coalesce(d.known_name, l.full_name) COLLATE NOCASE, d.id"
            }
        }
    }
}

/// Which leads to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LeadQuery {
    /// Only this campaign's.
    pub campaign: Option<u64>,
    /// Only leads at this stage.
    pub stage: Option<Stage>,
    /// Only leads whose name, headline or LinkedIn id contains this (case-insensitive).
    pub text: Option<String>,
    /// The order.
    pub sort: LeadSort,
    /// At most this many.
    pub limit: u32,
    /// After skipping this many.
    pub offset: u64,
}

/// One page of leads and how many match in all.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LeadPage {
    /// The leads of the page.
    pub leads: Vec<DealLead>,
    /// How many leads match the query.
    pub total: u64,
}

/// `%text%` for LIKE, with LIKE's own wildcards taken literally.
fn like_pattern(text: &str) -> String {
    let mut out = String::from("%");
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// The page of leads `query` asks for.
pub fn leads(conn: &Connection, query: &LeadQuery) -> CrmResult<LeadPage> {
    let mut filters = Vec::new();
    let mut values: Vec<rusqlite::types::Value> = Vec::new();
    if let Some(c) = query.campaign {
        values.push((c as i64).into());
        filters.push(format!("d.campaign_id = ?{}", values.len()));
    }
    if let Some(s) = query.stage {
        values.push(s.as_str().to_string().into());
        filters.push(format!("d.stage = ?{}", values.len()));
    }
    if let Some(text) = query
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        values.push(like_pattern(text).into());
        let n = values.len();
        filters.push(format!(
            "(coalesce(d.known_name, l.full_name) LIKE ?{n} ESCAPE '\\' \
             OR coalesce(d.known_headline, l.headline) LIKE ?{n} ESCAPE '\\' \
             OR l.public_id LIKE ?{n} ESCAPE '\\' OR l.member_id LIKE ?{n} ESCAPE '\\')"
        ));
    }
    let filter = if filters.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", filters.join(" AND "))
    };
    // Only a text filter needs the leads themselves to count.
    let join = if query.text.as_deref().is_some_and(|t| !t.trim().is_empty()) {
        "JOIN leads l ON l.id = d.lead_id"
    } else {
        ""
    };
    let total: u64 = conn.query_row(
        &format!("SELECT count(*) FROM deals d {join} {filter}"),
        params_from_iter(values.iter()),
        |r| r.get(0),
    )?;
    let n = values.len();
    values.push(i64::from(query.limit).into());
    values.push((query.offset.min(i64::MAX as u64) as i64).into());
    let sql = format!(
        "SELECT {} FROM deals d JOIN leads l ON l.id = d.lead_id {filter} ORDER BY {} LIMIT ?{} OFFSET ?{}",
        pipeline::COLUMNS,
        query.sort.order_by(),
        n + 1,
        n + 2
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let leads = stmt
        .query_map(params_from_iter(values.iter()), pipeline::from_row)?
        .collect::<Result<_, _>>()?;
    Ok(LeadPage { leads, total })
}

/// A machine's decision about a lead, waiting for a person to look at it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Decision {
    /// The lead in its campaign.
    pub deal: DealLead,
    /// What was decided.
    pub qualified: bool,
    /// Why.
    pub reason: String,
    /// Who decided: `llm` or `model`.
    pub source: String,
    /// When (ms).
    pub labeled_ms: u64,
}

/// Machine decisions a person may still overturn (the lead is qualified or disqualified:
/// nothing was sent), newest first; `campaign` limits them to one campaign.
pub fn review_queue(
    conn: &Connection,
    campaign: Option<u64>,
    limit: u32,
    offset: u64,
) -> CrmResult<(Vec<Decision>, u64)> {
    let filter = "lb.source IN ('llm', 'model') AND d.stage IN ('qualified', 'disqualified') \
                  AND (?1 IS NULL OR lb.campaign_id = ?1)";
    let campaign = campaign.map(|c| c as i64);
    let total: u64 = conn.query_row(
        &format!(
            "SELECT count(*) FROM labels lb JOIN deals d ON d.campaign_id = lb.campaign_id \
             AND d.lead_id = lb.lead_id WHERE {filter}"
        ),
        [campaign],
        |r| r.get(0),
    )?;
    let sql = format!(
        "SELECT {}, lb.label, lb.reason, lb.source, lb.labeled_ms FROM labels lb \
         JOIN deals d ON d.campaign_id = lb.campaign_id AND d.lead_id = lb.lead_id \
         JOIN leads l ON l.id = d.lead_id WHERE {filter} \
         ORDER BY lb.labeled_ms DESC, lb.lead_id DESC LIMIT ?2 OFFSET ?3",
        pipeline::COLUMNS
    );
    let base = pipeline::DEAL_COLUMNS;
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(
        rusqlite::params![campaign, limit, offset.min(i64::MAX as u64) as i64],
        |r| {
            Ok(Decision {
                deal: pipeline::from_row(r)?,
                qualified: r.get(base)?,
                reason: r.get(base + 1)?,
                source: r.get(base + 2)?,
                labeled_ms: r.get(base + 3)?,
            })
        },
    )?;
    Ok((rows.collect::<Result<_, _>>()?, total))
}

/// What a person's review did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Reviewed {
    /// The stage before.
    pub from: Stage,
    /// The stage after (the same when the lead already stood there).
    pub to: Stage,
}

/// A person's decision about a lead of `campaign`: stores a `human` label (it replaces the
/// machine's and trains the campaign's model) and moves the lead between qualified and
/// disqualified. Refused once something was sent to the lead (its stage is past qualified)
/// or before it was enriched: a person reviews what a machine judged.
pub fn review(
    conn: &Connection,
    campaign: u64,
    lead: u64,
    qualified: bool,
    note: &str,
    now_ms: u64,
) -> CrmResult<Reviewed> {
    let deal = pipeline::get(conn, campaign, lead)?;
    let from = deal.stage;
    let to = if qualified {
        Stage::Qualified
    } else {
        Stage::Disqualified
    };
    let reviewable = matches!(
        from,
        Stage::Enriched | Stage::Qualified | Stage::Disqualified
    );
    if !reviewable {
        return Err(CrmError::Invalid(format!(
            "{} is {from}: only an enriched, qualified or disqualified lead can be reviewed \
             (something was sent, or there is nothing to judge yet)",
            deal.lead.key()
        )));
    }
    let reason = put_person_label(
        conn,
        campaign,
        lead,
        qualified,
        note,
        " in the console",
        now_ms,
    )?;
    if from != to {
        pipeline::force_stage(conn, &deal, to, &reason, "human", now_ms)?;
    }
    Ok(Reviewed { from, to })
}

/// Stores a person's label (their note, else "a person accepted it{where}") and returns
/// its reason.
fn put_person_label(
    conn: &Connection,
    campaign: u64,
    lead: u64,
    qualified: bool,
    note: &str,
    place: &str,
    now_ms: u64,
) -> CrmResult<String> {
    let reason = if note.trim().is_empty() {
        format!(
            "a person {} it{place}",
            if qualified { "accepted" } else { "rejected" }
        )
    } else {
        note.trim().to_string()
    };
    learning::put_label(
        conn,
        campaign,
        lead,
        qualified,
        &reason,
        LabelSource::Human,
        now_ms,
        None,
    )?;
    Ok(reason)
}

/// A person's label for a lead of `campaign` (`outlane leads label`): where a person may
/// still overturn the machine (enriched, qualified, disqualified) it is [`review`]; once
/// something was sent (pending and later) the label is stored, for the model to learn from,
/// and the stage stays. Refused for a lead not enriched yet: the LLM would label it again
/// once it is, over the person's label.
pub fn label_by_person(
    conn: &Connection,
    campaign: u64,
    lead: u64,
    qualified: bool,
    note: &str,
    now_ms: u64,
) -> CrmResult<Reviewed> {
    let deal = pipeline::get(conn, campaign, lead)?;
    let from = deal.stage;
    match from {
        Stage::Enriched | Stage::Qualified | Stage::Disqualified => {
            review(conn, campaign, lead, qualified, note, now_ms)
        }
        Stage::Discovered => Err(CrmError::Invalid(format!(
            "{} is discovered: its profile is not read yet, so there is nothing to judge; \
             label it once it is enriched",
            deal.lead.key()
        ))),
        _ => {
            put_person_label(conn, campaign, lead, qualified, note, "", now_ms)?;
            Ok(Reviewed { from, to: from })
        }
    }
}

/// Per stage, how many leads of `campaign` entered it in the 24 hours before `now_ms`.
pub fn entered_last_day(
    conn: &Connection,
    campaign: u64,
    now_ms: u64,
) -> CrmResult<Vec<(Stage, u64)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT sc.to_stage, count(*) FROM stage_changes sc JOIN deals d ON d.id = sc.deal_id \
         WHERE sc.at_ms > ?1 AND sc.at_ms <= ?2 AND d.campaign_id = ?3 GROUP BY sc.to_stage",
    )?;
    let rows = stmt.query_map(
        rusqlite::params![now_ms.saturating_sub(DAY_MS), now_ms, campaign],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Invitations of `campaign` sent in the `days` days before `now_ms`, and how many of those
/// people have accepted (are connected, or completed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Acceptance {
    /// The window, in days.
    pub days: u32,
    /// Invitations sent in it.
    pub sent: u64,
    /// Of those, accepted so far.
    pub accepted: u64,
}

impl Acceptance {
    /// Accepted per sent, in percent (`None` before anything was sent).
    pub fn percent(&self) -> Option<u64> {
        (self.sent > 0).then(|| self.accepted * 100 / self.sent)
    }
}

/// The acceptance of the invitations `campaign` sent in the last `days` days.
pub fn acceptance(
    conn: &Connection,
    campaign: u64,
    days: u32,
    now_ms: u64,
) -> CrmResult<Acceptance> {
    let since = now_ms.saturating_sub(u64::from(days) * DAY_MS);
    let (sent, accepted): (u64, u64) = conn.query_row(
        "SELECT count(*), coalesce(sum(d.stage IN ('connected', 'completed')), 0) \
         FROM action_journal j JOIN deals d ON d.campaign_id = j.campaign_id AND d.lead_id = j.lead_id \
         WHERE j.campaign_id = ?1 AND j.action = 'invite' AND j.result = 'done' \
         AND j.started_ms > ?2 AND j.started_ms <= ?3",
        rusqlite::params![campaign, since, now_ms],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok(Acceptance {
        days,
        sent,
        accepted,
    })
}
