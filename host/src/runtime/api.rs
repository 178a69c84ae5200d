//! The versions of the lane API a component may be built against, and calling a lane of any
//! of them in the current version's terms.
//!
//! The version is read from the names the component imports and exports
//! (`outlane:lanes/lane@0.1.0`), never from what the lane says of itself. The current version
//! ([`bindings`]) is called directly; a lane of the frozen 0.1 is called through
//! [`super::v0_1`], whose imports the host implements on top of the current ones.

use super::bindings::{self, CallContext, LaneError, LaneInfo, Readiness, Report};
use super::state::LaneState;
use super::v0_1;
use wasmtime::component::{Component, InstancePre};
use wasmtime::{Engine, Store};

/// A version of the lane API this host runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiVersion {
    /// `outlane:lanes@0.1.0` (`wit/v0.1`, frozen).
    V0_1,
    /// The current version (`wit/v0.2`).
    Current,
}

impl ApiVersion {
    /// The package version, e.g. "0.2.0".
    pub fn as_str(self) -> &'static str {
        match self {
            ApiVersion::V0_1 => v0_1::API_VERSION,
            ApiVersion::Current => bindings::API_VERSION,
        }
    }

    /// Every version this host runs, oldest first.
    pub const ALL: [ApiVersion; 2] = [ApiVersion::V0_1, ApiVersion::Current];

    /// The version of a package version string ("0.2.0"), if this host runs it.
    pub fn parse(version: &str) -> Option<ApiVersion> {
        ApiVersion::ALL.into_iter().find(|v| v.as_str() == version)
    }

    /// The version `component` is built against, from the `outlane:lanes/…@X` names it
    /// imports and exports. An error says what was found.
    pub fn of(component: &Component, engine: &Engine) -> Result<ApiVersion, String> {
        let ty = component.component_type();
        let names: Vec<String> = ty
            .imports(engine)
            .map(|(name, _)| name.to_string())
            .chain(ty.exports(engine).map(|(name, _)| name.to_string()))
            .collect();
        let mut found: Vec<&str> = names
            .iter()
            .filter_map(|n| n.strip_prefix("outlane:lanes/"))
            .filter_map(|n| n.split_once('@').map(|(_, v)| v))
            .collect();
        found.sort_unstable();
        found.dedup();
        let supported: Vec<&str> = ApiVersion::ALL.iter().map(|v| v.as_str()).collect();
        match found.as_slice() {
            [] => Err("it neither imports nor exports any outlane:lanes interface".into()),
            [one] => ApiVersion::parse(one).ok_or_else(|| {
                format!(
                    "it is built for lane API {one}; this outlane runs {}: rebuild it with a \
                     matching outlane-sdk, or upgrade outlane",
                    supported.join(" and ")
                )
            }),
            many => Err(format!(
                "it mixes lane API versions {}: build it against one",
                many.join(", ")
            )),
        }
    }
}

/// A lane's pre-instantiated component, in its API version. Each call instantiates a fresh
/// store from it.
pub enum LanePre {
    /// Built against the current API.
    Current(bindings::LaneWorldPre<LaneState>),
    /// Built against the frozen 0.1.
    V0_1(v0_1::LaneWorldPre<LaneState>),
}

impl LanePre {
    /// Checks the exports of `pre` for `api` (the imports were checked by the linker).
    pub fn new(api: ApiVersion, pre: InstancePre<LaneState>) -> wasmtime::Result<LanePre> {
        Ok(match api {
            ApiVersion::Current => LanePre::Current(bindings::LaneWorldPre::new(pre)?),
            ApiVersion::V0_1 => LanePre::V0_1(v0_1::LaneWorldPre::new(pre)?),
        })
    }

    /// The API version.
    pub fn api(&self) -> ApiVersion {
        match self {
            LanePre::Current(_) => ApiVersion::Current,
            LanePre::V0_1(_) => ApiVersion::V0_1,
        }
    }

    /// The engine the component was compiled for.
    pub fn engine(&self) -> &Engine {
        match self {
            LanePre::Current(pre) => pre.engine(),
            LanePre::V0_1(pre) => pre.engine(),
        }
    }

    /// Instantiates in `store` and calls `describe`.
    pub async fn describe(
        &self,
        store: &mut Store<LaneState>,
    ) -> wasmtime::Result<Result<LaneInfo, LaneError>> {
        match self {
            LanePre::Current(pre) => {
                let lane = pre.instantiate_async(&mut *store).await?;
                lane.outlane_lanes_lane().call_describe(store).await
            }
            LanePre::V0_1(pre) => {
                let lane = pre.instantiate_async(&mut *store).await?;
                let info = lane.outlane_lanes_lane().call_describe(store).await?;
                // 0.1 could not fail here; its configuration was read at each call.
                Ok(Ok(LaneInfo {
                    name: info.name,
                    version: info.version,
                    summary: info.summary,
                }))
            }
        }
    }

    /// Instantiates in `store` and calls `can-execute` (a 0.1 lane's `false` is idle without a
    /// reason).
    pub async fn can_execute(
        &self,
        store: &mut Store<LaneState>,
        ctx: &CallContext,
    ) -> wasmtime::Result<Result<Readiness, LaneError>> {
        match self {
            LanePre::Current(pre) => {
                let lane = pre.instantiate_async(&mut *store).await?;
                lane.outlane_lanes_lane().call_can_execute(store, ctx).await
            }
            LanePre::V0_1(pre) => {
                let lane = pre.instantiate_async(&mut *store).await?;
                let answer = lane
                    .outlane_lanes_lane()
                    .call_can_execute(store, &v0_1::same(ctx)?)
                    .await?;
                Ok(answer
                    .map(|yes| {
                        if yes {
                            Readiness::Ready
                        } else {
                            Readiness::Idle(String::new())
                        }
                    })
                    .map_err(v0_1::error_now))
            }
        }
    }

    /// Instantiates in `store` and calls `execute`.
    pub async fn execute(
        &self,
        store: &mut Store<LaneState>,
        ctx: &CallContext,
    ) -> wasmtime::Result<Result<Report, LaneError>> {
        match self {
            LanePre::Current(pre) => {
                let lane = pre.instantiate_async(&mut *store).await?;
                lane.outlane_lanes_lane().call_execute(store, ctx).await
            }
            LanePre::V0_1(pre) => {
                let lane = pre.instantiate_async(&mut *store).await?;
                let answer = lane
                    .outlane_lanes_lane()
                    .call_execute(store, &v0_1::same(ctx)?)
                    .await?;
                match answer {
                    Ok(report) => Ok(Ok(v0_1::same(&report)?)),
                    Err(e) => Ok(Err(v0_1::error_now(e))),
                }
            }
        }
    }
}
