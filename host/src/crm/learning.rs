//! What the qualifier learns from: lead embeddings (one vector per lead and model) and labels
//! (one per campaign and lead: qualified or not, why, and who decided).

use super::{CrmError, CrmResult};
use rusqlite::{Connection, OptionalExtension, params};

/// Who decided a label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LabelSource {
    /// The language model.
    Llm,
    /// The qualifier's own auto-decision.
    Model,
    /// A person.
    Human,
}

impl LabelSource {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            LabelSource::Llm => "llm",
            LabelSource::Model => "model",
            LabelSource::Human => "human",
        }
    }
}

/// A lead's stored embedding when it was made by `model`.
pub fn embedding(conn: &Connection, lead: u64, model: &str) -> CrmResult<Option<Vec<f32>>> {
    let blob: Option<Vec<u8>> = conn
        .query_row(
            "SELECT vector FROM embeddings WHERE lead_id = ?1 AND model = ?2",
            params![lead, model],
            |r| r.get(0),
        )
        .optional()?;
    Ok(blob.map(|b| decode(&b)))
}

/// Stores (or replaces) a lead's embedding.
pub fn put_embedding(
    conn: &Connection,
    lead: u64,
    model: &str,
    vector: &[f32],
    now_ms: u64,
) -> CrmResult<()> {
    if vector.is_empty() || vector.iter().any(|v| !v.is_finite()) {
        return Err(CrmError::Invalid(format!(
            "the embedding of lead {lead} is empty or not finite"
        )));
    }
    let bytes: Vec<u8> = vector.iter().flat_map(|v| v.to_le_bytes()).collect();
    conn.execute(
        "INSERT INTO embeddings (lead_id, model, dim, vector, created_ms) VALUES (?1, ?2, ?3, ?4, ?5) \
         ON CONFLICT (lead_id) DO UPDATE SET model = excluded.model, dim = excluded.dim, \
         vector = excluded.vector, created_ms = excluded.created_ms",
        params![lead, model, vector.len() as u64, bytes, now_ms],
    )?;
    Ok(())
}

fn decode(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

/// Records a campaign's label for a lead (a new label replaces the old one). `predicted` is
/// the model's posterior probability from before it learned the lead, if it had one. A label
/// stored without one keeps the replaced label's: a person's label on a lead the LLM or the
/// model labelled is then checked against the prediction made before either, a held-out
/// check the gate needs most (a person overturning the model's decision), counted once, with
/// the person's label and weight.
#[allow(clippy::too_many_arguments)]
pub fn put_label(
    conn: &Connection,
    campaign: u64,
    lead: u64,
    qualified: bool,
    reason: &str,
    source: LabelSource,
    now_ms: u64,
    predicted: Option<f64>,
) -> CrmResult<()> {
    conn.execute(
        "INSERT INTO labels (campaign_id, lead_id, label, reason, source, labeled_ms, predicted_p) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (campaign_id, lead_id) DO UPDATE SET \
         label = excluded.label, reason = excluded.reason, source = excluded.source, \
         labeled_ms = excluded.labeled_ms, \
         predicted_p = coalesce(excluded.predicted_p, labels.predicted_p)",
        params![
            campaign,
            lead,
            qualified,
            reason,
            source.as_str(),
            now_ms,
            predicted
        ],
    )?;
    Ok(())
}

/// The campaign's labelled leads (training labels, as [`labelled`]) without an embedding by
/// `model`: after the feature version changed, those to compute again before a warm start.
pub fn labelled_without_embedding(
    conn: &Connection,
    campaign: u64,
    model: &str,
) -> CrmResult<Vec<u64>> {
    let mut stmt = conn.prepare(
        "SELECT l.lead_id FROM labels l \
         WHERE l.campaign_id = ?1 AND l.source <> 'model' AND NOT EXISTS \
           (SELECT 1 FROM embeddings e WHERE e.lead_id = l.lead_id AND e.model = ?2) \
         ORDER BY l.labeled_ms, l.lead_id",
    )?;
    let rows = stmt.query_map(params![campaign, model], |r| r.get::<_, u64>(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The campaign's training labels (from the LLM or a person: the model's own decisions teach
/// it nothing and are left out) with the leads' embeddings by `model`, oldest label first
/// (leads without such an embedding are left out).
pub fn labelled(
    conn: &Connection,
    campaign: u64,
    model: &str,
) -> CrmResult<Vec<(u64, Vec<f32>, bool)>> {
    let mut stmt = conn.prepare(
        "SELECT l.lead_id, e.vector, l.label FROM labels l \
         JOIN embeddings e ON e.lead_id = l.lead_id AND e.model = ?2 \
         WHERE l.campaign_id = ?1 AND l.source <> 'model' ORDER BY l.labeled_ms, l.lead_id",
    )?;
    let rows = stmt.query_map(params![campaign, model], |r| {
        let bytes: Vec<u8> = r.get(1)?;
        Ok((r.get::<_, u64>(0)?, decode(&bytes), r.get::<_, bool>(2)?))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The gate's held-out checks of a campaign, oldest first: (probability predicted before the
/// label, the label, whether a person gave it, how many labels the model had learned then:
/// the labels before it in labelling order).
pub fn checks(conn: &Connection, campaign: u64) -> CrmResult<Vec<(f64, bool, bool, u32)>> {
    let mut stmt = conn.prepare(
        "SELECT predicted_p, label, human, before FROM ( \
           SELECT predicted_p, label, source = 'human' AS human, labeled_ms, lead_id, \
                  ROW_NUMBER() OVER (ORDER BY labeled_ms, lead_id) - 1 AS before \
           FROM labels WHERE campaign_id = ?1 AND source <> 'model') \
         WHERE predicted_p IS NOT NULL ORDER BY labeled_ms, lead_id",
    )?;
    let rows = stmt.query_map(params![campaign], |r| {
        Ok((
            r.get::<_, f64>(0)?,
            r.get::<_, bool>(1)?,
            r.get::<_, bool>(2)?,
            r.get::<_, u32>(3)?,
        ))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// What a campaign's training labels look like now (count, newest time, positives, a
/// person's): a model cached from them is stale once this changes (a person labelled a lead
/// from the CLI, another process).
pub fn labels_stamp(conn: &Connection, campaign: u64) -> CrmResult<(u64, u64, u64, u64)> {
    Ok(conn.query_row(
        "SELECT count(*), coalesce(max(labeled_ms), 0), coalesce(sum(label), 0), \
         coalesce(sum(source = 'human'), 0) FROM labels WHERE campaign_id = ?1 AND source <> 'model'",
        params![campaign],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?)
}

/// What `account`'s invitations taught about who accepts, one row per invited lead, oldest
/// invitation first: (lead, accepted). Accepted: the lead moved from pending to connected or
/// replied. Not accepted: it left pending any other way (declined, withdrawn, given up), or
/// has waited longer than [`super::guards::UNANSWERED_AFTER_MS`] at `now_ms`. Invitations
/// still young and unanswered teach nothing yet and are left out.
pub fn invitation_outcomes(
    conn: &Connection,
    account: u64,
    now_ms: u64,
) -> CrmResult<Vec<(u64, bool)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT j.lead_id,
                max(EXISTS (SELECT 1 FROM stage_changes s WHERE s.deal_id = d.id
                        AND s.from_stage = 'pending' AND s.to_stage IN ('connected', 'replied')))
         FROM action_journal j
         JOIN deals d ON d.campaign_id = j.campaign_id AND d.lead_id = j.lead_id
         WHERE j.account_id = ?1 AND j.action = 'invite' AND j.result = 'done'
           AND (d.stage != 'pending' OR j.started_ms <= ?2)
         GROUP BY j.lead_id
         ORDER BY min(j.started_ms), j.lead_id",
    )?;
    let old = now_ms.saturating_sub(super::guards::UNANSWERED_AFTER_MS) as i64;
    let rows = stmt.query_map(params![account, old], |r| {
        Ok((r.get::<_, u64>(0)?, r.get::<_, bool>(1)?))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// How a campaign's labels split by source: (LLM, model, person).
pub fn label_sources(conn: &Connection, campaign: u64) -> CrmResult<(u64, u64, u64)> {
    Ok(conn.query_row(
        "SELECT coalesce(sum(source = 'llm'), 0), coalesce(sum(source = 'model'), 0), \
         coalesce(sum(source = 'human'), 0) FROM labels WHERE campaign_id = ?1",
        params![campaign],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?)
}

/// The label of a lead in a campaign: (qualified, reason, source).
pub fn label(
    conn: &Connection,
    campaign: u64,
    lead: u64,
) -> CrmResult<Option<(bool, String, String)>> {
    Ok(conn
        .query_row(
            "SELECT label, reason, source FROM labels WHERE campaign_id = ?1 AND lead_id = ?2",
            params![campaign, lead],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crm::Stage;
    use crate::crm::fixture::{MONDAY, fixture};

    /// Each check knows how many labels the model had learned when it predicted: the labels
    /// before it in labelling order, the model's own decisions not counted.
    #[test]
    fn checks_carry_the_labels_learned_before_them() {
        let f = fixture();
        let c = f.campaign;
        let leads: Vec<u64> = (0..5)
            .map(|i| f.lead_at(&format!("person-{i}"), Stage::Enriched))
            .collect();
        f.db.write_blocking(move |tx| {
            let put = |lead: u64, at: u64, source: LabelSource, p: Option<f64>| {
                put_label(tx, c, lead, at % 2 == 0, "r", source, MONDAY + at, p)
            };
            put(leads[0], 0, LabelSource::Llm, None)?; // cold start: no check
            put(leads[1], 1, LabelSource::Llm, Some(0.2))?;
            put(leads[2], 2, LabelSource::Model, Some(0.01))?; // not a check, not a label
            put(leads[3], 3, LabelSource::Human, Some(0.9))?;
            put(leads[4], 4, LabelSource::Llm, Some(0.4))?;
            Ok(())
        })
        .unwrap();
        let checks =
            f.db.read_outside_tx_blocking(move |conn| checks(conn, c))
                .unwrap();
        assert_eq!(
            checks,
            vec![
                (0.2, false, false, 1),
                (0.9, false, true, 2),
                (0.4, true, false, 3)
            ]
        );
    }

    /// A person's label carries no prediction of its own: it keeps the one stored with the
    /// label it replaces (the model's decision, the LLM's label), so overturning the model is
    /// a held-out check with the person's label and weight; a lead never predicted stays no
    /// check.
    #[test]
    fn a_persons_label_is_checked_against_the_prediction_before_it() {
        let f = fixture();
        let c = f.campaign;
        let leads: Vec<u64> = (0..3)
            .map(|i| f.lead_at(&format!("person-{i}"), Stage::Enriched))
            .collect();
        f.db.write_blocking(move |tx| {
            put_label(tx, c, leads[0], false, "r", LabelSource::Llm, MONDAY, None)?;
            put_label(
                tx,
                c,
                leads[1],
                false,
                "auto",
                LabelSource::Model,
                MONDAY + 1,
                Some(0.02),
            )?;
            put_label(
                tx,
                c,
                leads[2],
                true,
                "llm",
                LabelSource::Llm,
                MONDAY + 2,
                Some(0.7),
            )?;
            // A person overturns the model's rejection, confirms the LLM, labels the first.
            put_label(
                tx,
                c,
                leads[1],
                true,
                "fits",
                LabelSource::Human,
                MONDAY + 3,
                None,
            )?;
            put_label(
                tx,
                c,
                leads[2],
                true,
                "yes",
                LabelSource::Human,
                MONDAY + 4,
                None,
            )?;
            put_label(
                tx,
                c,
                leads[0],
                true,
                "yes",
                LabelSource::Human,
                MONDAY + 5,
                None,
            )?;
            Ok(())
        })
        .unwrap();
        let checks =
            f.db.read_outside_tx_blocking(move |conn| checks(conn, c))
                .unwrap();
        assert_eq!(checks, vec![(0.02, true, true, 0), (0.7, true, true, 1)]);
    }
}
