//! `outlane:lanes/qualifier`: grant check, then [`crate::qualifier`] for the call's campaign
//! (or the only active one). Labels are per campaign.

use super::Answer;
use crate::crm::learning::LabelSource as StoredSource;
use crate::qualifier::{QualifierError, QualifierService};
use crate::runtime::bindings::LaneError;
use crate::runtime::bindings::outlane::lanes::qualifier::{
    Choice, Host, LabelSource, Prediction, Scored, Strategy as WitStrategy,
};
use crate::runtime::grants::Capability;
use crate::runtime::state::LaneState;
use outlane_gp::Strategy;
use std::sync::Arc;

fn lane_error(lane: &str, e: QualifierError) -> LaneError {
    match e {
        QualifierError::NotFound(m) => LaneError::NotFound(m),
        QualifierError::Invalid(m) | QualifierError::NotEmbeddable(m) => LaneError::Invalid(m),
        QualifierError::Model(_) | QualifierError::Db(_) => {
            tracing::error!(lane, "{e}");
            LaneError::Internal(e.to_string())
        }
    }
}

fn prediction(p: outlane_gp::Prediction) -> Prediction {
    Prediction {
        probability: p.probability,
        entropy: p.entropy,
        std: p.std,
    }
}

impl super::Service for QualifierService {
    const MISSING: &'static str =
        "this host runs without the qualifier (no embedding model configured)";
}

impl LaneState {
    /// The grant check, the service and the call's campaign.
    async fn qualifier(&mut self) -> Result<(Arc<QualifierService>, u64), LaneError> {
        self.require(Capability::QUALIFIER)?;
        let service = self.env.services.need::<QualifierService>()?;
        Ok((service, self.call_campaign().await?.id))
    }
}

impl Host for LaneState {
    async fn embed(&mut self, id: u64) -> Answer<()> {
        let (q, campaign) = match self.qualifier().await {
            Ok(x) => x,
            Err(e) => return Ok(Err(e)),
        };
        Ok(q.embed(campaign, id)
            .await
            .map_err(|e| lane_error(&self.env.name, e)))
    }

    async fn predict(&mut self, id: u64) -> Answer<Option<Prediction>> {
        let (q, campaign) = match self.qualifier().await {
            Ok(x) => x,
            Err(e) => return Ok(Err(e)),
        };
        Ok(q.predict(campaign, id)
            .await
            .map(|p| p.map(prediction))
            .map_err(|e| lane_error(&self.env.name, e)))
    }

    async fn choose(&mut self, ids: Vec<u64>) -> Answer<Option<Choice>> {
        let (q, campaign) = match self.qualifier().await {
            Ok(x) => x,
            Err(e) => return Ok(Err(e)),
        };
        Ok(q.choose(campaign, &ids)
            .await
            .map(|c| {
                c.map(|c| Choice {
                    id: c.id,
                    strategy: match c.strategy {
                        Strategy::ColdStart => WitStrategy::ColdStart,
                        Strategy::OnlyCandidate => WitStrategy::OnlyCandidate,
                        Strategy::Exploit => WitStrategy::Exploit,
                        Strategy::Explore => WitStrategy::Explore,
                        Strategy::Gate => WitStrategy::Gate,
                        Strategy::Audit => WitStrategy::Audit,
                    },
                    prediction: c.prediction.map(prediction),
                    auto_decision: c.auto_decision,
                    reason: c.reason,
                })
            })
            .map_err(|e| lane_error(&self.env.name, e)))
    }

    async fn label(
        &mut self,
        id: u64,
        qualified: bool,
        reason: String,
        source: LabelSource,
    ) -> Answer<()> {
        let (q, campaign) = match self.qualifier().await {
            Ok(x) => x,
            Err(e) => return Ok(Err(e)),
        };
        let source = match source {
            LabelSource::Llm => StoredSource::Llm,
            LabelSource::Model => StoredSource::Model,
            LabelSource::Human => {
                return Ok(Err(self.deny(format!(
                    "lane `{}` may not label as `human`: only a person does, from the CLI or the \
                     console; a lane labels as `llm` or `model`",
                    self.env.name
                ))));
            }
        };
        Ok(q.label(campaign, id, qualified, &reason, source)
            .await
            .map_err(|e| lane_error(&self.env.name, e)))
    }

    async fn rank(&mut self, ids: Vec<u64>) -> Answer<Vec<Scored>> {
        let (q, campaign) = match self.qualifier().await {
            Ok(x) => x,
            Err(e) => return Ok(Err(e)),
        };
        Ok(q.rank(campaign, &ids)
            .await
            .map(|r| {
                r.into_iter()
                    .map(|(id, score)| Scored { id, score })
                    .collect()
            })
            .map_err(|e| lane_error(&self.env.name, e)))
    }
}
