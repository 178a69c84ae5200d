//! The qualifier capability: lead embeddings (ONNX model, `outlane-embed`) stored in the CRM,
//! and one Gaussian-process active learner (`outlane-gp`) per campaign, warm-started from the
//! campaign's stored labels the first time it is needed.
//!
//! The embedding model is loaded when a lead needs embedding and released when none has for a
//! while ([`LazyEmbedder`]). Model computations run on blocking threads so the daemon's async
//! runtime stays responsive.

#[cfg(feature = "demo")]
pub mod eval;
pub mod features;
pub mod lazy_embedder;

use crate::clock::Clock;
use crate::config::QualifierConfig as Paths;
use crate::crm::learning::{self, LabelSource};
use crate::crm::{CrmError, Db, leads, pipeline};
use lazy_embedder::LazyEmbedder;
use outlane_embed::EmbedConfig;
use outlane_gp::acceptance::AcceptanceEstimate;
use outlane_gp::gate::Check;
use outlane_gp::{Choice, GpError, Prediction, Qualifier, QualifierConfig};
use std::collections::HashMap;

/// Why a qualifier call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QualifierError {
    /// The embedding model cannot be loaded.
    #[error("the embedding model is not available: {0}")]
    Model(String),
    /// The lead cannot be embedded (no profile yet).
    #[error("{0}")]
    NotEmbeddable(String),
    /// Bad input to the model (NaN, wrong dimension).
    #[error("{0}")]
    Invalid(String),
    /// A lead or campaign does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The database failed.
    #[error("database: {0}")]
    Db(String),
}

impl From<CrmError> for QualifierError {
    fn from(e: CrmError) -> Self {
        match e {
            CrmError::NotFound(m) => QualifierError::NotFound(m),
            CrmError::Invalid(m) => QualifierError::Invalid(m),
            other => QualifierError::Db(other.to_string()),
        }
    }
}

impl From<GpError> for QualifierError {
    fn from(e: GpError) -> Self {
        QualifierError::Invalid(e.to_string())
    }
}

/// The embedding model's files: `model.onnx` and `tokenizer.json` in the configured model
/// directory, and the configured ONNX Runtime library.
pub fn embed_config(paths: &Paths) -> EmbedConfig {
    EmbedConfig {
        model: paths.models.join("model.onnx"),
        tokenizer: paths.models.join("tokenizer.json"),
        ..EmbedConfig::in_models_dir(
            paths.models.parent().unwrap_or(std::path::Path::new(".")),
            paths.ort_library.clone(),
        )
    }
}

/// Embeddings and per-campaign models.
pub struct QualifierService {
    /// The key the leads' feature vectors are stored under (`embeddings.model`).
    feature_key: String,
    embedder: LazyEmbedder,
    models: tokio::sync::Mutex<HashMap<u64, (Qualifier, LabelsStamp)>>,
    gate: outlane_gp::gate::GateConfig,
    db: Db,
    clock: Clock,
}

impl std::fmt::Debug for QualifierService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QualifierService")
            .field("features", &self.feature_key)
            .finish_non_exhaustive()
    }
}

/// [`learning::labels_stamp`].
type LabelsStamp = (u64, u64, u64, u64);

/// Answered invitations an account needs before its acceptance model ranks leads, and how
/// many of each answer (accepted, not) among them: with fewer, a model of who accepts would
/// be a guess, and the ranking stays P(qualified) alone. 20, not 30: the estimate is shrunk
/// toward the account's overall rate by a prior worth 5 answers, so a few answers move a
/// seniority's rate only a little; waiting for 30 left the first 30 of 100 invitations
/// unranked (measured: 1.14× on 2,000 people at 30, 1.23× at 20; see docs/architecture.md).
pub const MIN_OUTCOMES: usize = 20;
/// See [`MIN_OUTCOMES`].
pub const MIN_OUTCOMES_EACH: usize = 5;

/// Whether `outcomes` (accepted or not) are enough to learn who accepts.
pub fn enough_outcomes(total: usize, accepted: usize) -> bool {
    total >= MIN_OUTCOMES && accepted >= MIN_OUTCOMES_EACH && total - accepted >= MIN_OUTCOMES_EACH
}

fn blocking_failed(e: tokio::task::JoinError) -> QualifierError {
    QualifierError::Model(format!("a model computation failed: {e}"))
}

/// The title that says how senior a lead is, for [`AcceptanceEstimate`]: the current
/// position's (parsed profile), else the headline; empty when neither is known.
fn lead_title(lead: &leads::Lead) -> String {
    let profile = lead
        .profile_json
        .as_deref()
        .and_then(|j| serde_json::from_str::<outlane_linkedin::Profile>(j).ok());
    let title = profile
        .as_ref()
        .and_then(|p| p.positions.first())
        .map(|p| p.title.clone())
        .filter(|t| t != outlane_linkedin::voyager::UNKNOWN_TITLE && !t.trim().is_empty());
    title
        .or_else(|| profile.and_then(|p| p.headline))
        .or_else(|| lead.headline.clone())
        .unwrap_or_default()
}

/// The feature vectors ([`features::combine`]) of (profile text, current title) pairs, in
/// two batches: the texts, then each distinct title that is known (many leads share one).
pub fn lead_features(
    embedder: &outlane_embed::Embedder,
    texts: &[(String, String)],
) -> Result<Vec<Vec<f32>>, outlane_embed::EmbedError> {
    let profiles: Vec<&str> = texts.iter().map(|(text, _)| text.as_str()).collect();
    let profiles = embedder.embed(&profiles)?;
    let mut distinct: Vec<&str> = texts
        .iter()
        .map(|(_, title)| title.trim())
        .filter(|t| !t.is_empty())
        .collect();
    distinct.sort_unstable();
    distinct.dedup();
    let titles = embedder.embed(&distinct)?;
    Ok(texts
        .iter()
        .zip(&profiles)
        .map(|((_, title), profile)| {
            let title = distinct
                .binary_search(&title.trim())
                .ok()
                .and_then(|i| titles.get(i));
            features::combine(profile, title.map(Vec::as_slice))
        })
        .collect())
}

/// The text a lead is embedded from: its parsed profile, else what the CRM knows of it.
fn lead_text(lead: &leads::Lead) -> Option<String> {
    if let Some(profile) = lead
        .profile_json
        .as_deref()
        .and_then(|j| serde_json::from_str::<outlane_linkedin::Profile>(j).ok())
    {
        let text = outlane_linkedin::profile_text(&profile);
        if !text.trim().is_empty() {
            return Some(text);
        }
    }
    let mut parts = Vec::new();
    if let Some(h) = lead.headline.as_deref().filter(|h| !h.trim().is_empty()) {
        parts.push(format!("Headline: {h}"));
    }
    if let Some(c) = lead.company.as_deref().filter(|c| !c.trim().is_empty()) {
        parts.push(format!("Company: {c}"));
    }
    (!parts.is_empty()).then(|| parts.join("\n"))
}

impl QualifierService {
    /// The service for the model files in `paths`.
    pub fn new(paths: &Paths, db: Db, clock: Clock) -> QualifierService {
        let embed = embed_config(paths);
        let model_name = paths
            .models
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "model".into());
        QualifierService {
            feature_key: features::key(&model_name),
            embedder: LazyEmbedder::new(embed, paths.release_after.0),
            models: tokio::sync::Mutex::new(HashMap::new()),
            gate: paths.gate(),
            db,
            clock,
        }
    }

    /// The embeddings of `ids`, computing (in one batch) and storing those not stored yet.
    /// Every id must be a lead of `campaign`: a lead of another campaign is `not-found`, as if
    /// it did not exist (nothing about it is told, not even its profile id).
    pub async fn embeddings(
        &self,
        campaign: u64,
        ids: &[u64],
    ) -> Result<Vec<(u64, Vec<f32>)>, QualifierError> {
        let model = self.feature_key.clone();
        let wanted = ids.to_vec();
        let (known, missing) = self
            .db
            .read_outside_tx(move |c| {
                let mut known = HashMap::new();
                let mut missing = Vec::new();
                for id in wanted {
                    pipeline::get(c, campaign, id).map_err(|e| match e {
                        CrmError::NotFound(_) => {
                            CrmError::NotFound(format!("lead {id} is not in this campaign"))
                        }
                        other => other,
                    })?;
                    match learning::embedding(c, id, &model)? {
                        Some(v) => {
                            known.insert(id, v);
                        }
                        None => {
                            let lead = leads::get(c, id)?;
                            match lead_text(&lead) {
                                Some(text) => missing.push((id, text, lead_title(&lead))),
                                None => {
                                    return Err(CrmError::Invalid(format!(
                                        "lead {id} ({}) has no profile to embed yet: enrich it first",
                                        lead.key()
                                    )));
                                }
                            }
                        }
                    }
                }
                Ok((known, missing))
            })
            .await?;
        let mut known = known;
        if !missing.is_empty() {
            let embedder = self
                .embedder
                .get()
                .await
                .map_err(|e| QualifierError::Model(e.to_string()))?;
            let texts: Vec<(String, String)> = missing
                .iter()
                .map(|(_, text, title)| (text.clone(), title.clone()))
                .collect();
            let vectors = tokio::task::spawn_blocking(move || lead_features(&embedder, &texts))
                .await
                .map_err(blocking_failed)?
                .map_err(|e| QualifierError::Model(e.to_string()))?;
            let model = self.feature_key.clone();
            let now = self.clock.now_ms();
            let rows: Vec<(u64, Vec<f32>)> =
                missing.iter().map(|(id, _, _)| *id).zip(vectors).collect();
            let stored = rows.clone();
            self.db
                .write(move |tx| {
                    for (id, v) in &stored {
                        learning::put_embedding(tx, *id, &model, v, now)?;
                    }
                    Ok(())
                })
                .await?;
            known.extend(rows);
        }
        Ok(ids
            .iter()
            .filter_map(|id| known.get(id).map(|v| (*id, v.clone())))
            .collect())
    }

    /// Runs `f` on the campaign's model (warm-started from its stored labels) on a blocking
    /// thread.
    async fn with_model<T: Send + 'static>(
        &self,
        campaign: u64,
        f: impl FnOnce(&mut Qualifier) -> Result<T, QualifierError> + Send + 'static,
    ) -> Result<T, QualifierError> {
        let mut models = self.models.lock().await;
        let stamp = self
            .db
            .read_outside_tx(move |c| learning::labels_stamp(c, campaign))
            .await?;
        let model = match models.remove(&campaign) {
            // Labels stored by someone else (a person, from the CLI) since: read them again.
            Some((m, seen)) if seen == stamp => m,
            _ => {
                self.embed_labelled(campaign).await;
                let name = self.feature_key.clone();
                let (labelled, checks) = self
                    .db
                    .read_outside_tx(move |c| {
                        Ok((
                            learning::labelled(c, campaign, &name)?,
                            learning::checks(c, campaign)?,
                        ))
                    })
                    .await?;
                let labels: Vec<(Vec<f32>, bool)> =
                    labelled.into_iter().map(|(_, v, l)| (v, l)).collect();
                let checks: Vec<Check> = checks
                    .into_iter()
                    .map(|(probability, truth, human, labels)| Check {
                        probability,
                        truth,
                        weight: if human { 2 } else { 1 },
                        labels,
                    })
                    .collect();
                let config = QualifierConfig {
                    gate: self.gate.clone(),
                    ..QualifierConfig::default()
                };
                tokio::task::spawn_blocking(move || {
                    let mut q = Qualifier::new(config);
                    if !labels.is_empty() {
                        q.warm_start(&labels)?;
                    }
                    q.restore_checks(&checks);
                    Ok::<_, QualifierError>(q)
                })
                .await
                .map_err(blocking_failed)??
            }
        };
        let (model, result) = tokio::task::spawn_blocking(move || {
            let mut model = model;
            let result = f(&mut model);
            (model, result)
        })
        .await
        .map_err(blocking_failed)?;
        models.insert(campaign, (model, stamp));
        result
    }

    /// Computes the features of the campaign's labelled leads that have none under the
    /// current key (labels from before the feature version changed), so a warm start learns
    /// from every label. A lead that cannot be embedded now is left out of the warm start and
    /// said in the log; nothing else fails.
    async fn embed_labelled(&self, campaign: u64) {
        let key = self.feature_key.clone();
        let missing = match self
            .db
            .read_outside_tx(move |c| learning::labelled_without_embedding(c, campaign, &key))
            .await
        {
            Ok(ids) => ids,
            Err(e) => {
                tracing::warn!(campaign, "cannot list the labelled leads to embed: {e}");
                return;
            }
        };
        if missing.is_empty() {
            return;
        }
        tracing::info!(
            campaign,
            leads = missing.len(),
            "computing the features of labelled leads stored by an older version"
        );
        for chunk in missing.chunks(64) {
            if self.embeddings(campaign, chunk).await.is_err() {
                for id in chunk {
                    if let Err(e) = self.embeddings(campaign, &[*id]).await {
                        tracing::warn!(campaign, lead = id, "left out of the warm start: {e}");
                    }
                }
            }
        }
    }

    /// Marks the campaign's cached model as matching the labels stored now (after this
    /// service stored one it has already learned).
    async fn restamp(&self, campaign: u64) -> Result<(), QualifierError> {
        let mut models = self.models.lock().await;
        let stamp = self
            .db
            .read_outside_tx(move |c| learning::labels_stamp(c, campaign))
            .await?;
        if let Some(entry) = models.get_mut(&campaign) {
            entry.1 = stamp;
        }
        Ok(())
    }

    /// Computes and stores the embedding of `campaign`'s lead (no-op when stored).
    pub async fn embed(&self, campaign: u64, lead: u64) -> Result<(), QualifierError> {
        self.embeddings(campaign, &[lead]).await.map(|_| ())
    }

    /// The campaign model's prediction for a lead; `None` before the model can fit.
    pub async fn predict(
        &self,
        campaign: u64,
        lead: u64,
    ) -> Result<Option<Prediction>, QualifierError> {
        let (_, v) = self.embeddings(campaign, &[lead]).await?.remove(0);
        self.with_model(campaign, move |q| Ok(q.predict(&v)?)).await
    }

    /// The lead to label next among `ids`, with the auto-decision when the gate passes.
    pub async fn choose(
        &self,
        campaign: u64,
        ids: &[u64],
    ) -> Result<Option<Choice>, QualifierError> {
        if ids.is_empty() {
            return Ok(None);
        }
        let candidates = self.embeddings(campaign, ids).await?;
        self.with_model(campaign, move |q| Ok(q.choose(&candidates)?))
            .await
    }

    /// Drops the campaign's model from memory, so that the next use reads it again from the
    /// labels (after a person relabelled a lead: the label replaced the machine's).
    pub async fn forget(&self, campaign: u64) {
        self.models.lock().await.remove(&campaign);
    }

    /// Records a label. A label from the LLM or a person is first predicted (a held-out
    /// check of the gate, stored with it), then learned; the model's own decision is stored
    /// with its prediction but not learned (it would only confirm the model): when a person
    /// labels that lead later, the prediction and the person's label become a check
    /// ([`learning::put_label`]).
    pub async fn label(
        &self,
        campaign: u64,
        lead: u64,
        qualified: bool,
        reason: &str,
        source: LabelSource,
    ) -> Result<(), QualifierError> {
        let (_, v) = self.embeddings(campaign, &[lead]).await?.remove(0);
        let now = self.clock.now_ms();
        let reason = reason.to_string();
        let predicted = match source {
            LabelSource::Model => {
                self.with_model(campaign, move |q| Ok(q.predict(&v)?.map(|p| p.posterior())))
                    .await?
            }
            LabelSource::Llm | LabelSource::Human => {
                let weight = if source == LabelSource::Human { 2 } else { 1 };
                self.with_model(campaign, move |q| {
                    let (_, check) = q.add_checked_label(&v, qualified, weight)?;
                    Ok(check.map(|c| c.probability))
                })
                .await?
            }
        };
        let stored = self
            .db
            .write(move |tx| {
                learning::put_label(
                    tx, campaign, lead, qualified, &reason, source, now, predicted,
                )
            })
            .await;
        if stored.is_err() {
            // The model learned a label the database does not hold: read it again next time.
            self.forget(campaign).await;
        } else if source != LabelSource::Model {
            self.restamp(campaign).await?;
        }
        Ok(stored?)
    }

    /// The gate's bands of a campaign (rejections, then acceptances) and its settings.
    pub async fn gate_bands(
        &self,
        campaign: u64,
    ) -> Result<(Vec<outlane_gp::gate::Band>, outlane_gp::gate::GateConfig), QualifierError> {
        self.with_model(campaign, move |q| {
            let mut bands = q.gate().bands(false);
            bands.extend(q.gate().bands(true));
            Ok((bands, q.gate().config().clone()))
        })
        .await
    }

    /// `ids` best first, with their scores; arrival order before the model can fit. The
    /// score is P(qualified), times P(accepts an invitation) once the campaign's account has
    /// [`enough_outcomes`] (see [`QualifierService::acceptance`]).
    pub async fn rank(
        &self,
        campaign: u64,
        ids: &[u64],
    ) -> Result<Vec<(u64, f64)>, QualifierError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let candidates = self.embeddings(campaign, ids).await?;
        let qualified = self
            .with_model(campaign, move |q| Ok(q.rank(&candidates)?))
            .await?;
        let account = self
            .db
            .read_outside_tx(move |c| Ok(crate::crm::campaigns::get(c, campaign)?.account_id))
            .await?;
        let Some(accepts) = self.acceptance(account, ids).await? else {
            return Ok(qualified);
        };
        let mut scored: Vec<(u64, f64)> = qualified
            .into_iter()
            .map(|(id, p)| (id, p * accepts.get(&id).copied().unwrap_or(1.0)))
            .collect();
        scored.sort_by(|a, b| b.1.total_cmp(&a.1));
        Ok(scored)
    }

    /// P(accepts an invitation of `account`) for each of `ids`, estimated from the account's
    /// answered invitations ([`learning::invitation_outcomes`], a label the system gets for
    /// free) by the seniority of each person's title ([`AcceptanceEstimate`]); `None` until
    /// there are [`enough_outcomes`].
    pub async fn acceptance(
        &self,
        account: u64,
        ids: &[u64],
    ) -> Result<Option<HashMap<u64, f64>>, QualifierError> {
        let now = self.clock.now_ms();
        let ids = ids.to_vec();
        self.db
            .read_outside_tx(move |c| {
                let outcomes = learning::invitation_outcomes(c, account, now)?;
                let accepted = outcomes.iter().filter(|(_, a)| *a).count();
                if !enough_outcomes(outcomes.len(), accepted) {
                    return Ok(None);
                }
                let mut answers = Vec::with_capacity(outcomes.len());
                for (lead, accepted) in outcomes {
                    answers.push((lead_title(&leads::get(c, lead)?), accepted));
                }
                let estimate =
                    AcceptanceEstimate::new(answers.iter().map(|(t, a)| (t.as_str(), *a)));
                let mut out = HashMap::new();
                for id in ids {
                    out.insert(id, estimate.probability(&lead_title(&leads::get(c, id)?)));
                }
                Ok(Some(out))
            })
            .await
            .map_err(QualifierError::from)
    }
}
