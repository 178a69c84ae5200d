//! `outlane:lanes/http`: grant check, then [`crate::outbound`] under the lane's `[lane.http]`.

use super::Answer;
use crate::outbound::{OutRequest, Outbound, OutboundError};
use crate::runtime::bindings::outlane::lanes::http::{Header, Host, Request, Response};
use crate::runtime::bindings::{LaneError, LimitHit};
use crate::runtime::grants::Capability;
use crate::runtime::state::LaneState;

fn lane_error(error: OutboundError) -> LaneError {
    match error {
        OutboundError::Denied(m) => LaneError::Denied(m),
        OutboundError::Invalid(m) => LaneError::Invalid(m),
        OutboundError::RateLimited { reason, until_ms } => LaneError::RateLimited(LimitHit {
            reason,
            until_ms: Some(until_ms),
        }),
        OutboundError::Transient(m) => LaneError::Transient(m),
    }
}

fn pairs(headers: Vec<Header>) -> Vec<(String, String)> {
    headers.into_iter().map(|h| (h.name, h.value)).collect()
}

impl Host for LaneState {
    async fn send(&mut self, request: Request) -> Answer<Response> {
        if let Err(e) = self.require(Capability::HTTP) {
            return Ok(Err(e));
        }
        let outbound = match self.env.services.need::<Outbound>() {
            Ok(o) => o,
            Err(e) => return Ok(Err(e)),
        };
        let Some(grant) = self.env.grants.http.clone() else {
            let msg = format!(
                "lane `{}` has no [lane.http] table in the manifest",
                self.env.name
            );
            return Ok(Err(self.deny(msg)));
        };
        let out = OutRequest {
            method: request.method,
            url: request.url,
            headers: pairs(request.headers),
            secret_headers: pairs(request.secret_headers),
            body: request.body,
        };
        let now = self.env.services.clock.now_ms();
        match outbound.send(&self.env.name, &grant, out, now).await {
            Ok(r) => Ok(Ok(Response {
                status: r.status,
                headers: r
                    .headers
                    .into_iter()
                    .map(|(name, value)| Header { name, value })
                    .collect(),
                body: r.body,
                truncated: r.truncated,
            })),
            Err(OutboundError::Denied(m)) => Ok(Err(self.deny(m))),
            Err(e) => {
                tracing::info!(lane = self.env.name.as_str(), "http: {e}");
                Ok(Err(lane_error(e)))
            }
        }
    }
}
