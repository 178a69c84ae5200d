//! `outlane:lanes/llm`: grant check, then [`crate::llm`] for the call's campaign (or the only
//! active one, whose daily budget the completion counts against).

use super::Answer;
use crate::llm::{Llm, LlmError, PromptError};
use crate::runtime::bindings::outlane::lanes::llm::{Host, Reply, Usage};
use crate::runtime::bindings::{LaneError, LimitHit};
use crate::runtime::grants::Capability;
use crate::runtime::state::LaneState;
use serde_json::Value;
use std::sync::Arc;

fn lane_error(lane: &str, error: LlmError) -> LaneError {
    match error {
        LlmError::Prompt(PromptError::NotFound { .. }) => LaneError::NotFound(error.to_string()),
        LlmError::Prompt(_) | LlmError::Invalid(_) => LaneError::Invalid(error.to_string()),
        LlmError::Budget { reason, until_ms } => LaneError::RateLimited(LimitHit {
            reason,
            until_ms: Some(until_ms),
        }),
        LlmError::Status { status: 429, .. } => LaneError::RateLimited(LimitHit {
            reason: error.to_string(),
            until_ms: None,
        }),
        LlmError::Status {
            status: 401 | 403, ..
        } => LaneError::Auth(format!(
            "{error} (check the API key in the variable named by llm.api_key_env)"
        )),
        LlmError::Status { status, .. } if status >= 500 => LaneError::Transient(error.to_string()),
        LlmError::Status { .. } => LaneError::Invalid(error.to_string()),
        LlmError::Timeout | LlmError::Transport(_) | LlmError::Malformed(_) => {
            LaneError::Transient(error.to_string())
        }
        LlmError::NotConfigured(_) | LlmError::Db(_) => {
            tracing::error!(lane, "{error}");
            LaneError::Internal(error.to_string())
        }
    }
}

fn vars(text: &str) -> Result<Value, LaneError> {
    match serde_json::from_str::<Value>(text) {
        Ok(v) if v.is_object() => Ok(v),
        Ok(_) => Err(LaneError::Invalid(
            "the prompt variables must be a JSON object".into(),
        )),
        Err(e) => Err(LaneError::Invalid(format!(
            "the prompt variables are not JSON: {e}"
        ))),
    }
}

impl super::Service for Llm {
    const MISSING: &'static str =
        "this host runs without an LLM (no [llm] configuration was loaded)";
}

impl LaneState {
    fn llm(&mut self) -> Result<Arc<Llm>, LaneError> {
        self.require(Capability::LLM)?;
        self.env.services.need::<Llm>()
    }
}

impl Host for LaneState {
    async fn complete(
        &mut self,
        prompt: String,
        vars_json: String,
        json_schema: Option<String>,
    ) -> Answer<Reply> {
        let (llm, vars) = match self.llm().and_then(|l| Ok((l, vars(&vars_json)?))) {
            Ok(x) => x,
            Err(e) => return Ok(Err(e)),
        };
        let schema = match json_schema.as_deref().map(serde_json::from_str::<Value>) {
            None => None,
            Some(Ok(s)) if s.is_object() => Some(s),
            Some(_) => {
                return Ok(Err(LaneError::Invalid(
                    "the JSON schema is not a JSON object".into(),
                )));
            }
        };
        let campaign = match self.call_campaign().await {
            Ok(c) => c.id,
            Err(e) => return Ok(Err(e)),
        };
        let result = llm
            .complete(campaign, &prompt, &vars, schema.as_ref())
            .await;
        Ok(result
            .map(|c| Reply {
                text: c.text,
                model: c.model,
                usage: Usage {
                    prompt_tokens: u32::try_from(c.spent.prompt_tokens).unwrap_or(u32::MAX),
                    completion_tokens: u32::try_from(c.spent.completion_tokens).unwrap_or(u32::MAX),
                },
            })
            .map_err(|e| lane_error(&self.env.name, e)))
    }

    async fn render(&mut self, prompt: String, vars_json: String) -> Answer<String> {
        let (llm, vars) = match self.llm().and_then(|l| Ok((l, vars(&vars_json)?))) {
            Ok(x) => x,
            Err(e) => return Ok(Err(e)),
        };
        Ok(llm
            .render(&prompt, &vars)
            .map_err(|e| lane_error(&self.env.name, e)))
    }
}
