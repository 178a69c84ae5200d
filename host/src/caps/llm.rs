//! `outlane:lanes/llm`: grant checks. The LLM client arrives with the LLM issue; until then a
//! granted lane is told the capability has no backend.

use crate::runtime::bindings::LaneError;
use crate::runtime::bindings::outlane::lanes::llm::{Host, Reply};
use crate::runtime::grants::Capability;
use crate::runtime::state::LaneState;

type Answer<T> = wasmtime::Result<Result<T, LaneError>>;

impl Host for LaneState {
    async fn complete(
        &mut self,
        _prompt: String,
        _vars_json: String,
        _json_schema: Option<String>,
    ) -> Answer<Reply> {
        self.no_backend(Capability::Llm)
    }
    async fn render(&mut self, _prompt: String, _vars_json: String) -> Answer<String> {
        self.no_backend(Capability::Llm)
    }
}
