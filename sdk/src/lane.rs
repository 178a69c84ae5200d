//! The [`Lane`] trait and the glue that exports it.

use crate::__wit::exports::outlane::lanes::lane::LaneInfo;
use crate::{Error, Result};

pub use crate::__wit::exports::outlane::lanes::lane::{Context, Outcome, Readiness, Report};

/// A lane: logic the daemon calls on a schedule.
///
/// For each call the host makes a fresh instance, reads the lane's `[lane.config]` into
/// [`Lane::Config`], builds the lane with [`Lane::new`], and calls [`Lane::readiness`]
/// (by default [`Lane::can_execute`]) or [`Lane::execute`]. Nothing in memory survives between calls; use [`crate::state`].
pub trait Lane: Sized {
    /// The lane's configuration, deserialised from `[lane.config]` (use
    /// `serde_json::Value` or an empty struct with `#[derive(Deserialize)]` if there is none).
    type Config: serde::de::DeserializeOwned;

    /// One line saying what the lane does (shown by `outlane lanes list`).
    const SUMMARY: &'static str;

    /// Builds the lane from its configuration. Return [`Error::Invalid`] on a bad value. It
    /// also runs when the lane is loaded, so a bad value refuses the lane at load (`outlane
    /// lanes check` reports it); it must not call any capability but [`crate::host`].
    fn new(config: Self::Config) -> Result<Self>;

    /// Whether there is work now. Must be cheap: no browser, no LLM. Defaults to `true`.
    fn can_execute(&mut self, ctx: &Context) -> Result<bool> {
        let _ = ctx;
        Ok(true)
    }

    /// Whether there is work now and, when there is none, why: `outlane status` shows the
    /// reason beside the idle lane. Defaults to [`Lane::can_execute`] without a reason;
    /// implement this one instead of that one to say why (`Readiness::Idle("no qualified
    /// lead".into())`). Must be cheap: no browser, no LLM.
    fn readiness(&mut self, ctx: &Context) -> Result<Readiness> {
        Ok(Readiness::when(self.can_execute(ctx)?, String::new))
    }

    /// Does one unit of work and says what it did.
    fn execute(&mut self, ctx: &Context) -> Result<Report>;
}

impl Readiness {
    /// `Ready` when `ready`, else idle for `why` (built only when idle).
    pub fn when<S: Into<String>>(ready: bool, why: impl FnOnce() -> S) -> Readiness {
        if ready {
            Readiness::Ready
        } else {
            Readiness::Idle(why().into())
        }
    }
}

impl Report {
    /// Work was done; `summary` says what, in one line.
    pub fn worked(summary: impl Into<String>) -> Report {
        Report {
            outcome: Outcome::Worked,
            summary: summary.into(),
        }
    }

    /// Nothing to do; `summary` says why.
    pub fn idle(summary: impl Into<String>) -> Report {
        Report {
            outcome: Outcome::Idle,
            summary: summary.into(),
        }
    }
}

fn build<L: Lane>() -> Result<L> {
    let raw = crate::host::config_json();
    L::new(parse_config(&raw)?)
}

/// Reads `[lane.config]` (JSON the host made from the manifest) into the lane's type. An
/// error names the key, never a position in that JSON (the host adds the manifest's file and
/// line): `[lane.config] key `note`: invalid type: string "yes", expected a boolean`.
pub fn parse_config<T: serde::de::DeserializeOwned>(raw: &str) -> Result<T> {
    let value: serde_json::Value = serde_json::from_str(raw).map_err(|e| {
        Error::Internal(format!(
            "the host sent a configuration that is not JSON: {e}"
        ))
    })?;
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path == "." || path.is_empty() {
            Error::Invalid(format!("{CONFIG_ERROR_PREFIX}: {inner}"))
        } else {
            Error::Invalid(format!("{CONFIG_ERROR_PREFIX} key `{path}`: {inner}"))
        }
    })
}

/// How every configuration error of [`parse_config`] starts (the host recognises it).
pub const CONFIG_ERROR_PREFIX: &str = "[lane.config]";

/// Describes the lane after reading its configuration (and building it with
/// [`Lane::new`], so the checks there run too): a configuration that does not fit is refused
/// at load, with the key it is about.
#[doc(hidden)]
pub fn __describe<L: Lane>(name: &str, version: &str) -> Result<LaneInfo> {
    build::<L>()?;
    Ok(LaneInfo {
        name: name.to_string(),
        version: version.to_string(),
        summary: L::SUMMARY.to_string(),
    })
}

#[doc(hidden)]
pub fn __can_execute<L: Lane>(ctx: Context) -> Result<Readiness> {
    build::<L>()?.readiness(&ctx)
}

#[doc(hidden)]
pub fn __execute<L: Lane>(ctx: Context) -> Result<Report> {
    build::<L>()?.execute(&ctx)
}

/// Exports a [`Lane`] implementation as the component's `lane` interface.
///
/// Call it once, at the top level of the lane crate (a `cdylib`):
/// `outlane_sdk::export_lane!(MyLane);`
#[macro_export]
macro_rules! export_lane {
    ($lane:ty) => {
        #[doc(hidden)]
        pub struct __OutlaneLaneExport;

        impl $crate::__wit::exports::outlane::lanes::lane::Guest for __OutlaneLaneExport {
            fn describe() -> $crate::Result<$crate::__wit::exports::outlane::lanes::lane::LaneInfo> {
                $crate::__describe::<$lane>(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"))
            }
            fn can_execute(ctx: $crate::Context) -> $crate::Result<$crate::Readiness> {
                $crate::__can_execute::<$lane>(ctx)
            }
            fn execute(ctx: $crate::Context) -> $crate::Result<$crate::Report> {
                $crate::__execute::<$lane>(ctx)
            }
        }

        $crate::__wit::__export_lane_world!(__OutlaneLaneExport with_types_in $crate::__wit);
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Config {
        note: bool,
        #[serde(default)]
        pages: u32,
    }

    #[test]
    fn configuration_errors_name_the_key_not_a_json_position() {
        let e = parse_config::<Config>(r#"{"note":"yes"}"#).unwrap_err();
        let text = e.message().to_string();
        assert!(
            text.starts_with("[lane.config] key `note`: invalid type"),
            "{text}"
        );
        assert!(!text.contains("line 1"), "{text}");
        let e = parse_config::<Config>(r#"{"note":true,"pgaes":2}"#).unwrap_err();
        assert!(
            e.message().contains("unknown field `pgaes`"),
            "{}",
            e.message()
        );
        let e = parse_config::<Config>("{}").unwrap_err();
        assert!(
            e.message()
                .starts_with("[lane.config]: missing field `note`"),
            "{}",
            e.message()
        );
        assert!(parse_config::<Config>(r#"{"note":false}"#).is_ok());
    }
}
