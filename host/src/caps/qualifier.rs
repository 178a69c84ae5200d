//! `outlane:lanes/qualifier`: grant checks. The model arrives with the qualifier issue; until
//! then a granted lane is told the capability has no backend.

use crate::runtime::bindings::LaneError;
use crate::runtime::bindings::outlane::lanes::qualifier::{
    Choice, Host, LabelSource, Prediction, Scored,
};
use crate::runtime::grants::Capability;
use crate::runtime::state::LaneState;

type Answer<T> = wasmtime::Result<Result<T, LaneError>>;

impl Host for LaneState {
    async fn embed(&mut self, _id: u64) -> Answer<()> {
        self.no_backend(Capability::Qualifier)
    }
    async fn predict(&mut self, _id: u64) -> Answer<Option<Prediction>> {
        self.no_backend(Capability::Qualifier)
    }
    async fn choose(&mut self, _ids: Vec<u64>) -> Answer<Option<Choice>> {
        self.no_backend(Capability::Qualifier)
    }
    async fn label(
        &mut self,
        _id: u64,
        _qualified: bool,
        _reason: String,
        _source: LabelSource,
    ) -> Answer<()> {
        self.no_backend(Capability::Qualifier)
    }
    async fn rank(&mut self, _ids: Vec<u64>) -> Answer<Vec<Scored>> {
        self.no_backend(Capability::Qualifier)
    }
}
