//! `outlane export`: the CRM's data as CSV or JSON Lines, streamed row by row from one SQLite
//! statement (constant memory whatever the size), with stable column names (docs/export.md).
//! Each kind is one query; `--campaign` and `--since` are bound parameters of all of them.

use super::error::{CrmError, CrmResult};
use rusqlite::Connection;
use rusqlite::types::ValueRef;
use std::io::Write;

/// What to export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// One row per person.
    Leads,
    /// One row per lead in a campaign: stage, reason, steps sent.
    Deals,
    /// Messages: those Outlane sent (`sent`) and the conversations as read on LinkedIn, both
    /// ways (`synced`).
    Messages,
    /// The action journal: every invitation, message and withdrawal, intent and result.
    Journal,
    /// The qualifier's labels (LLM, model, person).
    Labels,
    /// One row per invited person: profile features and whether they accepted.
    TrainingSet,
}

/// How rows are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// RFC 4180 CSV with a header row; empty cells for missing values.
    #[default]
    Csv,
    /// One JSON object per line; `null` for missing values.
    Jsonl,
}

/// Which rows.
#[derive(Debug, Clone, Copy, Default)]
pub struct Filter {
    /// Only this campaign's (leads in it, its deals, messages, journal, labels).
    pub campaign: Option<u64>,
    /// Only rows that changed (or happened) at or after this time (ms).
    pub since_ms: Option<u64>,
    /// For the training set: the time answers are judged at (an invitation unanswered for a
    /// week by then counts as not accepted).
    pub now_ms: u64,
}

const PROFILE: &str = "coalesce(l.public_id, l.member_id)";

fn query(kind: Kind) -> String {
    let in_campaign = "(:campaign IS NULL OR EXISTS (SELECT 1 FROM deals dc \
                       WHERE dc.lead_id = l.id AND dc.campaign_id = :campaign))";
    match kind {
        Kind::Leads => format!(
            "SELECT l.id AS lead_id, l.public_id, l.member_id, l.url, l.full_name, l.headline,
                    co.name AS company, co.urn AS company_urn,
                    json_extract(l.profile_json, '$.positions[0].title') AS current_title,
                    json_extract(l.profile_json, '$.location_name') AS location,
                    json_extract(l.profile_json, '$.industry') AS industry,
                    l.enriched_ms, l.created_ms, l.updated_ms
             FROM leads l LEFT JOIN companies co ON co.id = l.company_id
             WHERE {in_campaign} AND (:since IS NULL OR l.updated_ms >= :since)
             ORDER BY l.id"
        ),
        Kind::Deals => format!(
            "SELECT d.id AS deal_id, d.campaign_id, c.name AS campaign, d.lead_id,
                    {PROFILE} AS profile, d.stage, d.reason, d.stage_changed_ms, d.next_check_ms,
                    d.steps_sent, d.last_step_ms, d.created_ms
             FROM deals d JOIN campaigns c ON c.id = d.campaign_id JOIN leads l ON l.id = d.lead_id
             WHERE (:campaign IS NULL OR d.campaign_id = :campaign)
               AND (:since IS NULL OR d.stage_changed_ms >= :since)
             ORDER BY d.id"
        ),
        Kind::Messages => format!(
            "SELECT 'sent' AS kind, m.id AS message_id, m.lead_id, {PROFILE} AS profile,
                    m.campaign_id, c.account_id, 0 AS inbound, NULL AS sender, m.sent_ms, m.text,
                    m.step, m.lane, NULL AS class
             FROM messages m JOIN leads l ON l.id = m.lead_id JOIN campaigns c ON c.id = m.campaign_id
             WHERE (:campaign IS NULL OR m.campaign_id = :campaign)
               AND (:since IS NULL OR m.sent_ms >= :since)
             UNION ALL
             SELECT 'synced', cm.id, cm.lead_id, {PROFILE}, NULL, cv.account_id, cm.inbound,
                    cm.sender, cm.sent_ms, cm.text, NULL, NULL, cm.class
             FROM conversation_messages cm JOIN conversations cv ON cv.id = cm.conversation_id
                  JOIN leads l ON l.id = cm.lead_id
             WHERE (:campaign IS NULL OR (cv.account_id =
                        (SELECT account_id FROM campaigns WHERE id = :campaign) AND {in_campaign}))
               AND (:since IS NULL OR cm.sent_ms >= :since)
             ORDER BY sent_ms, kind, message_id"
        ),
        Kind::Journal => format!(
            "SELECT j.id AS journal_id, j.account_id, a.login AS account, j.campaign_id, j.lead_id,
                    {PROFILE} AS profile, j.action, j.detail, j.lane, j.started_ms, j.result,
                    j.result_detail, j.finished_ms
             FROM action_journal j JOIN accounts a ON a.id = j.account_id
                  JOIN leads l ON l.id = j.lead_id
             WHERE (:campaign IS NULL OR j.campaign_id = :campaign)
               AND (:since IS NULL OR j.started_ms >= :since)
             ORDER BY j.id"
        ),
        Kind::Labels => format!(
            "SELECT b.campaign_id, b.lead_id, {PROFILE} AS profile, b.label AS qualified,
                    b.reason, b.source, b.labeled_ms, b.predicted_p
             FROM labels b JOIN leads l ON l.id = b.lead_id
             WHERE (:campaign IS NULL OR b.campaign_id = :campaign)
               AND (:since IS NULL OR b.labeled_ms >= :since)
             ORDER BY b.labeled_ms, b.campaign_id, b.lead_id"
        ),
        Kind::TrainingSet => format!(
            "SELECT d.campaign_id, c.account_id, d.lead_id, {PROFILE} AS profile,
                    min(j.started_ms) AS invited_ms, max(j.detail != '') AS with_note,
                    l.headline, json_extract(l.profile_json, '$.positions[0].title') AS current_title,
                    co.name AS company, json_extract(l.profile_json, '$.location_name') AS location,
                    json_extract(l.profile_json, '$.industry') AS industry,
                    json_array_length(l.profile_json, '$.positions') AS positions,
                    json_array_length(l.profile_json, '$.educations') AS educations,
                    CASE WHEN EXISTS (SELECT 1 FROM stage_changes s WHERE s.deal_id = d.id
                                      AND s.from_stage = 'pending'
                                      AND s.to_stage IN ('connected', 'replied')) THEN 1
                         WHEN d.stage != 'pending' OR min(j.started_ms) <= :old THEN 0
                    END AS accepted
             FROM action_journal j
                  JOIN deals d ON d.campaign_id = j.campaign_id AND d.lead_id = j.lead_id
                  JOIN campaigns c ON c.id = d.campaign_id JOIN leads l ON l.id = d.lead_id
                  LEFT JOIN companies co ON co.id = l.company_id
             WHERE j.action = 'invite' AND j.result = 'done'
               AND (:campaign IS NULL OR d.campaign_id = :campaign)
               AND (:since IS NULL OR j.started_ms >= :since)
             GROUP BY d.id
             ORDER BY invited_ms, d.id"
        ),
    }
}

/// A column computed in Rust after the query's: the training set's seniority, from the
/// current title (else the headline), by the rule the connect ranking uses.
fn seniority(columns: &[String], row: &[serde_json::Value]) -> serde_json::Value {
    let text = |name: &str| {
        columns
            .iter()
            .position(|c| c == name)
            .and_then(|i| row[i].as_str())
    };
    match text("current_title").or(text("headline")) {
        Some(title) => serde_json::Value::from(
            format!("{:?}", outlane_gp::acceptance::Seniority::of(title)).to_lowercase(),
        ),
        None => serde_json::Value::Null,
    }
}

/// The column names of `kind`, in order: the stable header of its export.
pub fn columns(conn: &Connection, kind: Kind) -> CrmResult<Vec<String>> {
    let stmt = conn.prepare(&query(kind))?;
    let mut names: Vec<String> = stmt
        .column_names()
        .into_iter()
        .map(str::to_string)
        .collect();
    if kind == Kind::TrainingSet {
        names.push("seniority".into());
    }
    Ok(names)
}

fn json_of(value: ValueRef<'_>) -> serde_json::Value {
    match value {
        ValueRef::Null => serde_json::Value::Null,
        ValueRef::Integer(i) => serde_json::Value::from(i),
        ValueRef::Real(f) => serde_json::Value::from(f),
        ValueRef::Text(t) => serde_json::Value::from(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => serde_json::Value::from(format!("<{} bytes>", b.len())),
    }
}

fn cell(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Calls `each` with every row of `kind` that passes `filter`, in order.
fn for_each_row(
    conn: &Connection,
    kind: Kind,
    filter: Filter,
    columns: &[String],
    each: &mut dyn FnMut(&[serde_json::Value]) -> CrmResult<()>,
) -> CrmResult<()> {
    let mut stmt = conn.prepare(&query(kind))?;
    let old = filter
        .now_ms
        .saturating_sub(super::guards::UNANSWERED_AFTER_MS) as i64;
    let mut params: Vec<(&str, &dyn rusqlite::ToSql)> = vec![
        (":campaign", &filter.campaign),
        (":since", &filter.since_ms),
    ];
    if kind == Kind::TrainingSet {
        params.push((":old", &old));
    }
    let mut rows = stmt.query(params.as_slice())?;
    let queried = columns.len() - usize::from(kind == Kind::TrainingSet);
    let mut values = Vec::with_capacity(columns.len());
    while let Some(row) = rows.next()? {
        values.clear();
        for i in 0..queried {
            values.push(json_of(row.get_ref(i)?));
        }
        if kind == Kind::TrainingSet {
            let derived = seniority(columns, &values);
            values.push(derived);
        }
        each(&values)?;
    }
    Ok(())
}

/// Writes `kind`'s rows that pass `filter` to `out` as `format`, one at a time; calls
/// `progress` with the count every 10,000 rows. Returns how many rows were written.
pub fn write(
    conn: &Connection,
    kind: Kind,
    filter: Filter,
    format: Format,
    out: &mut dyn Write,
    progress: &mut dyn FnMut(u64),
) -> CrmResult<u64> {
    fn failed(e: impl std::fmt::Display) -> CrmError {
        CrmError::Invalid(format!("cannot write the export: {e}"))
    }
    let columns = columns(conn, kind)?;
    let mut n = 0u64;
    let mut counted = |n: &mut u64| {
        *n += 1;
        if n.is_multiple_of(10_000) {
            progress(*n);
        }
    };
    match format {
        Format::Csv => {
            let mut w = csv::Writer::from_writer(&mut *out);
            w.write_record(&columns).map_err(failed)?;
            for_each_row(conn, kind, filter, &columns, &mut |values| {
                w.write_record(values.iter().map(cell)).map_err(failed)?;
                counted(&mut n);
                Ok(())
            })?;
            w.flush().map_err(failed)?;
        }
        Format::Jsonl => {
            for_each_row(conn, kind, filter, &columns, &mut |values| {
                let object: serde_json::Map<String, serde_json::Value> = columns
                    .iter()
                    .cloned()
                    .zip(values.iter().cloned())
                    .collect();
                serde_json::to_writer(&mut *out, &object).map_err(failed)?;
                out.write_all(b"\n").map_err(failed)?;
                counted(&mut n);
                Ok(())
            })?;
        }
    }
    out.flush().map_err(failed)?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crm::fixture::{MONDAY, fixture};
    use crate::crm::{Action, Stage, campaigns, journal};

    fn export(
        f: &crate::crm::fixture::Fixture,
        kind: Kind,
        format: Format,
        filter: Filter,
    ) -> String {
        f.db.read_outside_tx_blocking(move |c| {
            let mut out = Vec::new();
            write(c, kind, filter, format, &mut out, &mut |_| {})?;
            Ok(String::from_utf8(out).unwrap())
        })
        .unwrap()
    }

    #[test]
    fn every_kind_exports_its_rows_with_a_stable_header() {
        let f = fixture();
        let c = f.campaign;
        let invited = f.lead_at("ada", Stage::Qualified);
        f.lead_at("grace", Stage::Enriched);
        f.db.write_blocking(move |tx| {
            let campaign = campaigns::get(tx, c)?;
            let i = journal::begin(
                tx,
                &campaign,
                invited,
                Action::Invite,
                "Hi, Ada",
                "connect",
                MONDAY,
            )?;
            journal::finish(
                tx,
                i,
                None,
                &journal::Outcome::Done("sent".into()),
                "connect",
                MONDAY,
            )?;
            Ok(())
        })
        .unwrap();
        let filter = Filter {
            now_ms: MONDAY,
            ..Filter::default()
        };
        let leads = export(&f, Kind::Leads, Format::Csv, filter);
        let mut lines = leads.lines();
        assert_eq!(
            lines.next(),
            Some(
                "lead_id,public_id,member_id,url,full_name,headline,company,company_urn,current_title,location,industry,enriched_ms,created_ms,updated_ms"
            )
        );
        assert_eq!(lines.count(), 2);
        let deals = export(&f, Kind::Deals, Format::Jsonl, filter);
        let stages: Vec<String> = deals
            .lines()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["stage"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        assert_eq!(stages, ["pending", "enriched"]);
        let journal = export(&f, Kind::Journal, Format::Csv, filter);
        assert!(journal.contains("\"Hi, Ada\""), "CSV quoting: {journal}");
        let training = export(&f, Kind::TrainingSet, Format::Jsonl, filter);
        let row: serde_json::Value = serde_json::from_str(training.trim()).unwrap();
        assert_eq!(row["lead_id"], invited);
        assert_eq!(row["with_note"], 1);
        assert_eq!(
            row["accepted"],
            serde_json::Value::Null,
            "too young to count as declined"
        );
        let week_later = Filter {
            now_ms: MONDAY + 8 * crate::crm::fixture::DAY,
            ..filter
        };
        let training = export(&f, Kind::TrainingSet, Format::Jsonl, week_later);
        let row: serde_json::Value = serde_json::from_str(training.trim()).unwrap();
        assert_eq!(row["accepted"], 0);
        let since = Filter {
            since_ms: Some(MONDAY + 1),
            ..filter
        };
        assert_eq!(export(&f, Kind::Journal, Format::Jsonl, since), "");
        for kind in [Kind::Messages, Kind::Labels] {
            assert_eq!(export(&f, kind, Format::Jsonl, filter), "");
            assert!(export(&f, kind, Format::Csv, filter).lines().count() == 1);
        }
    }
}
