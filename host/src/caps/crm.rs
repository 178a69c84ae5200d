//! `outlane:lanes/crm`: grant checks. The CRM backend arrives with the CRM issue; until then
//! every call from a granted lane answers that the capability has no backend.

use crate::runtime::bindings::outlane::lanes::crm::{
    Action, ActionResult, Campaign, Host, Lead, OpenIntent,
};
use crate::runtime::bindings::{LaneError, Stage};
use crate::runtime::grants::Capability;
use crate::runtime::state::LaneState;

type Answer<T> = wasmtime::Result<Result<T, LaneError>>;

impl Host for LaneState {
    async fn current_campaign(&mut self) -> Answer<Campaign> {
        self.no_backend(Capability::Crm)
    }
    async fn leads(&mut self, _stage: Stage, _limit: u32) -> Answer<Vec<Lead>> {
        self.no_backend(Capability::Crm)
    }
    async fn count(&mut self, _stage: Stage) -> Answer<u32> {
        self.no_backend(Capability::Crm)
    }
    async fn get_lead(&mut self, _id: u64) -> Answer<Lead> {
        self.no_backend(Capability::Crm)
    }
    async fn lead_by_url(&mut self, _url: String) -> Answer<Option<Lead>> {
        self.no_backend(Capability::Crm)
    }
    async fn discover(&mut self, _urls: Vec<String>) -> Answer<u32> {
        self.no_backend(Capability::Crm)
    }
    async fn save_profile(
        &mut self,
        _id: u64,
        _profile_json: String,
        _raw_json: Option<String>,
    ) -> Answer<()> {
        self.no_backend(Capability::Crm)
    }
    async fn set_stage(&mut self, _id: u64, _stage: Stage, _reason: String) -> Answer<()> {
        self.no_backend(Capability::Crm)
    }
    async fn due_pending(&mut self, _limit: u32) -> Answer<Vec<Lead>> {
        self.no_backend(Capability::Crm)
    }
    async fn set_backoff(&mut self, _id: u64, _hours: u32) -> Answer<()> {
        self.no_backend(Capability::Crm)
    }
    async fn record_message(&mut self, _id: u64, _text: String) -> Answer<()> {
        self.no_backend(Capability::Crm)
    }
    async fn take_keyword(&mut self) -> Answer<Option<String>> {
        self.no_backend(Capability::Crm)
    }
    async fn add_keywords(&mut self, _keywords: Vec<String>) -> Answer<u32> {
        self.no_backend(Capability::Crm)
    }
    async fn used_keywords(&mut self) -> Answer<Vec<String>> {
        self.no_backend(Capability::Crm)
    }
    async fn consume(&mut self, _action: Action) -> Answer<()> {
        self.no_backend(Capability::Crm)
    }
    async fn mark_exhausted(&mut self, _action: Action, _until_ms: u64) -> Answer<()> {
        self.no_backend(Capability::Crm)
    }
    async fn begin_action(&mut self, _id: u64, _action: Action, _detail: String) -> Answer<u64> {
        self.no_backend(Capability::Crm)
    }
    async fn finish_action(&mut self, _intent: u64, _outcome: ActionResult) -> Answer<()> {
        self.no_backend(Capability::Crm)
    }
    async fn open_intents(&mut self, _action: Action) -> Answer<Vec<OpenIntent>> {
        self.no_backend(Capability::Crm)
    }
}
