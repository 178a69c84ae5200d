//! Lane API 0.1 (`wit/v0.1`, frozen), served on top of the current one: a lane built against
//! 0.1.0 keeps loading and running. Every 0.1 import is implemented by the current import of
//! the same name; the two versions' types have the same shape and convert through their serde
//! form ([`same`]). What changed in 0.2 is handled here, and nowhere else:
//!
//! - `crm.record-message` and `crm.consume` were removed (a message is recorded, and a limit
//!   unit spent, only through the journal): a 0.1 lane calling them is answered `denied`;
//! - `choice.strategy` became an enum: 0.1 lanes get its name as text;
//! - `describe` could not fail in 0.1 ([`super::api::LanePre`] wraps it);
//! - the stage `replied` is new in 0.2: a 0.1 lane sees a replied lead as `completed` (the
//!   stage it knows where nothing more is sent); the new CRM functions (sequences,
//!   conversations) and fields are simply not part of 0.1.

#![allow(missing_docs)]

wasmtime::component::bindgen!({
    world: "lane-world",
    path: "../wit/v0.1",
    imports: { default: async | trappable },
    exports: { default: async },
    additional_derives: [serde::Serialize, serde::Deserialize],
});

use self::outlane::lanes as old;
use crate::runtime::bindings::outlane::lanes as now;
use crate::runtime::state::LaneState;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The version of the frozen API (`package outlane:lanes@…` of `wit/v0.1`).
pub const API_VERSION: &str = env!("OUTLANE_API_V0_1");

type Answer<T> = wasmtime::Result<Result<T, old::types::Error>>;

/// A value of one version as the same-shaped type of the other.
pub(crate) fn same<A: Serialize, B: DeserializeOwned>(value: &A) -> wasmtime::Result<B> {
    let json = serde_json::to_value(value).map_err(wasmtime::Error::msg)?;
    serde_json::from_value(json)
        .map_err(|e| wasmtime::Error::msg(format!("the 0.1 adapter cannot convert a value: {e}")))
}

/// A 0.1 lane's error as the current type.
pub(crate) fn error_now(e: old::types::Error) -> now::types::Error {
    same(&e).unwrap_or_else(|e| now::types::Error::Internal(e.to_string()))
}

fn error_old(e: now::types::Error) -> old::types::Error {
    same(&e).unwrap_or_else(|e| old::types::Error::Internal(e.to_string()))
}

/// A current value as the same-shaped 0.1 type, with the stages 0.1 does not know mapped
/// to the one it does (`replied` → `completed`).
fn older<A: Serialize, B: DeserializeOwned>(value: &A) -> wasmtime::Result<B> {
    let mut json = serde_json::to_value(value).map_err(wasmtime::Error::msg)?;
    map_new_stages(&mut json);
    serde_json::from_value(json)
        .map_err(|e| wasmtime::Error::msg(format!("the 0.1 adapter cannot convert a value: {e}")))
}

fn map_new_stages(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if key == "stage" && v.as_str() == Some("Replied") {
                    *v = Value::String("Completed".into());
                } else {
                    map_new_stages(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(map_new_stages),
        _ => {}
    }
}

/// The current import's answer in 0.1 types.
fn answer<A: Serialize, B: DeserializeOwned>(
    result: wasmtime::Result<Result<A, now::types::Error>>,
) -> Answer<B> {
    match result? {
        Ok(value) => Ok(Ok(older(&value)?)),
        Err(e) => Ok(Err(error_old(e))),
    }
}

fn removed(lane: &mut LaneState, what: &str, instead: &str) -> Answer<()> {
    let message = format!(
        "lane `{}` called crm.{what}, which lane API 0.2 removed: {instead}; rebuild the lane \
         with the current outlane-sdk",
        lane.env.name
    );
    // Recorded as a denial of the call, like any other.
    let _ = lane.deny(message.clone());
    Ok(Err(old::types::Error::Denied(message)))
}

impl old::types::Host for LaneState {}

impl old::host::Host for LaneState {
    async fn log(&mut self, level: old::types::Level, message: String) -> wasmtime::Result<()> {
        now::host::Host::log(self, same(&level)?, message).await
    }
    async fn now_ms(&mut self) -> wasmtime::Result<u64> {
        now::host::Host::now_ms(self).await
    }
    async fn pause(&mut self, min_ms: u32, max_ms: u32) -> wasmtime::Result<()> {
        now::host::Host::pause(self, min_ms, max_ms).await
    }
    async fn config(&mut self) -> wasmtime::Result<String> {
        now::host::Host::config(self).await
    }
    async fn should_stop(&mut self) -> wasmtime::Result<bool> {
        now::host::Host::should_stop(self).await
    }
    async fn state_get(
        &mut self,
        scope: old::host::StateScope,
        key: String,
    ) -> Answer<Option<String>> {
        answer(now::host::Host::state_get(self, same(&scope)?, key).await)
    }
    async fn state_set(
        &mut self,
        scope: old::host::StateScope,
        key: String,
        value: String,
    ) -> Answer<()> {
        answer(now::host::Host::state_set(self, same(&scope)?, key, value).await)
    }
    async fn state_delete(&mut self, scope: old::host::StateScope, key: String) -> Answer<()> {
        answer(now::host::Host::state_delete(self, same(&scope)?, key).await)
    }
}

impl old::crm::Host for LaneState {
    async fn current_campaign(&mut self) -> Answer<old::crm::Campaign> {
        answer(now::crm::Host::current_campaign(self).await)
    }
    async fn leads(&mut self, stage: old::types::Stage, limit: u32) -> Answer<Vec<old::crm::Lead>> {
        answer(now::crm::Host::leads(self, same(&stage)?, limit).await)
    }
    async fn count(&mut self, stage: old::types::Stage) -> Answer<u32> {
        answer(now::crm::Host::count(self, same(&stage)?).await)
    }
    async fn get_lead(&mut self, id: u64) -> Answer<old::crm::Lead> {
        answer(now::crm::Host::get_lead(self, id).await)
    }
    async fn lead_by_url(&mut self, url: String) -> Answer<Option<old::crm::Lead>> {
        answer(now::crm::Host::lead_by_url(self, url).await)
    }
    async fn discover(&mut self, urls: Vec<String>) -> Answer<u32> {
        answer(now::crm::Host::discover(self, urls).await)
    }
    async fn save_profile(
        &mut self,
        id: u64,
        profile_json: String,
        raw_json: Option<String>,
    ) -> Answer<()> {
        answer(now::crm::Host::save_profile(self, id, profile_json, raw_json).await)
    }
    async fn set_stage(&mut self, id: u64, stage: old::types::Stage, reason: String) -> Answer<()> {
        answer(now::crm::Host::set_stage(self, id, same(&stage)?, reason).await)
    }
    async fn due_pending(&mut self, limit: u32) -> Answer<Vec<old::crm::Lead>> {
        answer(now::crm::Host::due_pending(self, limit).await)
    }
    async fn set_backoff(&mut self, id: u64, hours: u32) -> Answer<()> {
        answer(now::crm::Host::set_backoff(self, id, hours).await)
    }
    async fn record_message(&mut self, _id: u64, _text: String) -> Answer<()> {
        removed(
            self,
            "record-message",
            "a message is recorded when finish-action reports its intent done",
        )
    }
    async fn take_keyword(&mut self) -> Answer<Option<String>> {
        answer(now::crm::Host::take_keyword(self).await)
    }
    async fn add_keywords(&mut self, keywords: Vec<String>) -> Answer<u32> {
        answer(now::crm::Host::add_keywords(self, keywords).await)
    }
    async fn used_keywords(&mut self) -> Answer<Vec<String>> {
        answer(now::crm::Host::used_keywords(self).await)
    }
    async fn consume(&mut self, _action: old::crm::Action) -> Answer<()> {
        removed(
            self,
            "consume",
            "begin-action spends the limit unit of the action it journals",
        )
    }
    async fn mark_exhausted(
        &mut self,
        action: old::crm::Action,
        until: old::crm::ExhaustedUntil,
        reason: String,
    ) -> Answer<u64> {
        answer(now::crm::Host::mark_exhausted(self, same(&action)?, same(&until)?, reason).await)
    }
    async fn begin_action(
        &mut self,
        id: u64,
        action: old::crm::Action,
        detail: String,
    ) -> Answer<u64> {
        answer(now::crm::Host::begin_action(self, id, same(&action)?, detail).await)
    }
    async fn finish_action(&mut self, intent: u64, outcome: old::crm::ActionResult) -> Answer<()> {
        answer(now::crm::Host::finish_action(self, intent, same(&outcome)?).await)
    }
    async fn open_intents(
        &mut self,
        action: old::crm::Action,
    ) -> Answer<Vec<old::crm::OpenIntent>> {
        answer(now::crm::Host::open_intents(self, same(&action)?).await)
    }
}

impl old::browser::Host for LaneState {
    async fn goto(&mut self, url: String) -> Answer<old::browser::Page> {
        answer(now::browser::Host::goto(self, url).await)
    }
    async fn current_url(&mut self) -> Answer<String> {
        answer(now::browser::Host::current_url(self).await)
    }
    async fn wait_for(&mut self, target: old::browser::Target, timeout_ms: u32) -> Answer<bool> {
        answer(now::browser::Host::wait_for(self, same(&target)?, timeout_ms).await)
    }
    async fn exists(&mut self, target: old::browser::Target) -> Answer<bool> {
        answer(now::browser::Host::exists(self, same(&target)?).await)
    }
    async fn click(&mut self, target: old::browser::Target) -> Answer<()> {
        answer(now::browser::Host::click(self, same(&target)?).await)
    }
    async fn type_text(&mut self, target: old::browser::Target, text: String) -> Answer<()> {
        answer(now::browser::Host::type_text(self, same(&target)?, text).await)
    }
    async fn press(&mut self, key: String) -> Answer<()> {
        answer(now::browser::Host::press(self, key).await)
    }
    async fn text(&mut self, target: old::browser::Target) -> Answer<Option<String>> {
        answer(now::browser::Host::text(self, same(&target)?).await)
    }
    async fn texts(&mut self, target: old::browser::Target) -> Answer<Vec<String>> {
        answer(now::browser::Host::texts(self, same(&target)?).await)
    }
    async fn attrs(&mut self, target: old::browser::Target, name: String) -> Answer<Vec<String>> {
        answer(now::browser::Host::attrs(self, same(&target)?, name).await)
    }
    async fn links(&mut self) -> Answer<Vec<String>> {
        answer(now::browser::Host::links(self).await)
    }
    async fn api_get(&mut self, path: String) -> Answer<old::browser::ApiResponse> {
        answer(now::browser::Host::api_get(self, path).await)
    }
}

impl old::llm::Host for LaneState {
    async fn complete(
        &mut self,
        prompt: String,
        vars_json: String,
        json_schema: Option<String>,
    ) -> Answer<old::llm::Reply> {
        answer(now::llm::Host::complete(self, prompt, vars_json, json_schema).await)
    }
    async fn render(&mut self, prompt: String, vars_json: String) -> Answer<String> {
        answer(now::llm::Host::render(self, prompt, vars_json).await)
    }
}

impl old::qualifier::Host for LaneState {
    async fn embed(&mut self, id: u64) -> Answer<()> {
        answer(now::qualifier::Host::embed(self, id).await)
    }
    async fn predict(&mut self, id: u64) -> Answer<Option<old::qualifier::Prediction>> {
        answer(now::qualifier::Host::predict(self, id).await)
    }
    async fn choose(&mut self, ids: Vec<u64>) -> Answer<Option<old::qualifier::Choice>> {
        let choice = match now::qualifier::Host::choose(self, ids).await? {
            Ok(choice) => choice,
            Err(e) => return Ok(Err(error_old(e))),
        };
        Ok(Ok(match choice {
            None => None,
            Some(c) => Some(old::qualifier::Choice {
                id: c.id,
                strategy: strategy_name(c.strategy).to_string(),
                prediction: c.prediction.as_ref().map(same).transpose()?,
                auto_decision: c.auto_decision,
                reason: c.reason,
            }),
        }))
    }
    async fn label(
        &mut self,
        id: u64,
        qualified: bool,
        reason: String,
        source: old::qualifier::LabelSource,
    ) -> Answer<()> {
        answer(now::qualifier::Host::label(self, id, qualified, reason, same(&source)?).await)
    }
    async fn rank(&mut self, ids: Vec<u64>) -> Answer<Vec<old::qualifier::Scored>> {
        answer(now::qualifier::Host::rank(self, ids).await)
    }
}

/// The 0.1 name of a strategy ("explore", "exploit", "only-candidate", "cold-start").
fn strategy_name(strategy: now::qualifier::Strategy) -> &'static str {
    match strategy {
        now::qualifier::Strategy::Explore => "explore",
        now::qualifier::Strategy::Exploit => "exploit",
        now::qualifier::Strategy::OnlyCandidate => "only-candidate",
        now::qualifier::Strategy::ColdStart => "cold-start",
        now::qualifier::Strategy::Gate => "gate",
        now::qualifier::Strategy::Audit => "audit",
    }
}
