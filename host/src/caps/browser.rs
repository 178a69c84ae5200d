//! `outlane:lanes/browser`: grant and origin allow-list checks. The Chromium backend arrives
//! with the browser issue; until then a permitted operation answers that it has no backend.

use super::unavailable;
use crate::runtime::bindings::LaneError;
use crate::runtime::bindings::outlane::lanes::browser::{ApiResponse, Host, Page, Target};
use crate::runtime::grants::Capability;
use crate::runtime::state::LaneState;

type Answer<T> = wasmtime::Result<Result<T, LaneError>>;

impl Host for LaneState {
    async fn goto(&mut self, url: String) -> Answer<Page> {
        if let Err(e) = self.require(Capability::Browser) {
            return Ok(Err(e));
        }
        if let Err(msg) = self.env.grants.check_navigation(&self.env.name, &url) {
            return Ok(Err(self.deny(msg)));
        }
        Ok(Err(unavailable(Capability::Browser)))
    }
    async fn current_url(&mut self) -> Answer<String> {
        self.no_backend(Capability::Browser)
    }
    async fn wait_for(&mut self, _target: Target, _timeout_ms: u32) -> Answer<bool> {
        self.no_backend(Capability::Browser)
    }
    async fn exists(&mut self, _target: Target) -> Answer<bool> {
        self.no_backend(Capability::Browser)
    }
    async fn click(&mut self, _target: Target) -> Answer<()> {
        self.no_backend(Capability::Browser)
    }
    async fn type_text(&mut self, _target: Target, _text: String) -> Answer<()> {
        self.no_backend(Capability::Browser)
    }
    async fn press(&mut self, _key: String) -> Answer<()> {
        self.no_backend(Capability::Browser)
    }
    async fn text(&mut self, _target: Target) -> Answer<Option<String>> {
        self.no_backend(Capability::Browser)
    }
    async fn texts(&mut self, _target: Target) -> Answer<Vec<String>> {
        self.no_backend(Capability::Browser)
    }
    async fn attrs(&mut self, _target: Target, _name: String) -> Answer<Vec<String>> {
        self.no_backend(Capability::Browser)
    }
    async fn links(&mut self) -> Answer<Vec<String>> {
        self.no_backend(Capability::Browser)
    }
    async fn api_get(&mut self, _path: String) -> Answer<ApiResponse> {
        self.no_backend(Capability::Browser)
    }
}
