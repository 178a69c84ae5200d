//! Fault injection for chat completions.
//!
//! A [`Fault`] is a kind plus a trigger: `times` (fire that many times, then disappear; absent
//! means until cleared) and `tasks` (fire only for requests of those tasks). At most one fault
//! fires per request: the first active one that applies. JSON form:
//! `{"kind":"status","code":429,"retry_after":2,"times":3,"tasks":["qualify_lead"]}`.
//!
//! `not_json_content` and `schema_violation` only apply to requests that expect JSON (a
//! `response_format` of `json_object`/`json_schema`, or the tasks `qualify_lead` and
//! `search_keywords`); other requests pass them by without using them up.

use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

/// One injected fault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fault {
    /// What goes wrong.
    #[serde(flatten)]
    pub kind: FaultKind,
    /// How many more times it fires; `None` means until cleared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u32>,
    /// Fire only for these tasks (`qualify_lead`, `search_keywords`, `follow_up`, or the name
    /// of an unknown task); `None` means every chat completion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tasks: Option<Vec<String>>,
}

impl Fault {
    /// A fault that fires until cleared.
    pub fn always(kind: FaultKind) -> Fault {
        Fault {
            kind,
            times: None,
            tasks: None,
        }
    }

    /// A fault that fires `times` times.
    pub fn times(kind: FaultKind, times: u32) -> Fault {
        Fault {
            kind,
            times: Some(times),
            tasks: None,
        }
    }

    /// Restricts the fault to requests of the given tasks.
    pub fn for_tasks(mut self, tasks: &[&str]) -> Fault {
        self.tasks = Some(tasks.iter().map(|t| t.to_string()).collect());
        self
    }

    /// Checks the parameters: a status code must be a valid HTTP status (100–999).
    pub fn validate(&self) -> Result<(), String> {
        match self.kind {
            FaultKind::Status { code, .. } if StatusCode::from_u16(code).is_err() => {
                Err(format!("`{code}` is not an HTTP status code"))
            }
            _ => Ok(()),
        }
    }

    /// Whether this fault applies to a request of `task` that does (or not) expect JSON.
    pub fn applies(&self, task: Option<&str>, expects_json: bool) -> bool {
        let task_ok = match (&self.tasks, task) {
            (None, _) => true,
            (Some(list), Some(t)) => list.iter().any(|x| x == t),
            (Some(_), None) => false,
        };
        task_ok && (expects_json || !self.kind.needs_json())
    }
}

/// The fault kinds, serialised as `"kind": "<snake_case name>"` plus their parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultKind {
    /// Answer this HTTP status with an OpenAI error body. A 429 always carries a `retry-after`
    /// header (`retry_after`, default 1 s); other codes carry it only when `retry_after` is set.
    Status {
        /// HTTP status code (429, 500, 503, 400 …).
        code: u16,
        /// The `retry-after` header value in seconds.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after: Option<u64>,
    },
    /// Wait this long (real ms) before answering normally.
    Timeout {
        /// Delay in milliseconds.
        ms: u64,
    },
    /// Answer 200 with a body that is not JSON (a truncated completion).
    MalformedJson,
    /// A valid envelope whose content is prose instead of the JSON that was asked for.
    NotJsonContent,
    /// A valid envelope whose content is JSON that violates the requested schema, such as
    /// `{"qualified":"maybe"}`.
    SchemaViolation,
    /// A valid envelope with `"choices": []`.
    EmptyChoices,
}

impl FaultKind {
    /// The snake_case name used in JSON and in the request log.
    pub fn name(&self) -> &'static str {
        match self {
            FaultKind::Status { .. } => "status",
            FaultKind::Timeout { .. } => "timeout",
            FaultKind::MalformedJson => "malformed_json",
            FaultKind::NotJsonContent => "not_json_content",
            FaultKind::SchemaViolation => "schema_violation",
            FaultKind::EmptyChoices => "empty_choices",
        }
    }

    /// Whether the kind only makes sense for requests that expect JSON content.
    pub fn needs_json(&self) -> bool {
        matches!(self, FaultKind::NotJsonContent | FaultKind::SchemaViolation)
    }
}

/// The active faults of a running stub.
#[derive(Debug, Clone, Default)]
pub struct FaultSet {
    active: Vec<Fault>,
}

impl FaultSet {
    /// A set holding `faults` (those with `times: Some(0)` are dropped).
    pub fn new(faults: Vec<Fault>) -> FaultSet {
        let mut set = FaultSet::default();
        for f in faults {
            set.add(f);
        }
        set
    }

    /// Adds a fault after the existing ones.
    pub fn add(&mut self, fault: Fault) {
        if fault.times != Some(0) {
            self.active.push(fault);
        }
    }

    /// Removes every fault.
    pub fn clear(&mut self) {
        self.active.clear();
    }

    /// The active faults, with their remaining counts.
    pub fn list(&self) -> Vec<Fault> {
        self.active.clone()
    }

    /// Fires the first fault that applies: returns its kind and uses up one of its `times`.
    pub fn take(&mut self, task: Option<&str>, expects_json: bool) -> Option<FaultKind> {
        let index = self
            .active
            .iter()
            .position(|f| f.applies(task, expects_json))?;
        let fault = &mut self.active[index];
        let kind = fault.kind.clone();
        if let Some(n) = &mut fault.times {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.active.remove(index);
            }
        }
        Some(kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_form() {
        let f: Fault =
            serde_json::from_str(r#"{"kind":"status","code":429,"times":2}"#).expect("parses");
        assert_eq!(
            f,
            Fault::times(
                FaultKind::Status {
                    code: 429,
                    retry_after: None
                },
                2
            )
        );
        let f: Fault = serde_json::from_str(r#"{"kind":"timeout","ms":50,"tasks":["follow_up"]}"#)
            .expect("parses");
        assert_eq!(
            f,
            Fault::always(FaultKind::Timeout { ms: 50 }).for_tasks(&["follow_up"])
        );
        let v = serde_json::to_value(Fault::always(FaultKind::EmptyChoices)).expect("serialises");
        assert_eq!(v, serde_json::json!({"kind":"empty_choices"}));
        assert!(serde_json::from_str::<Fault>(r#"{"kind":"nope"}"#).is_err());
    }

    #[test]
    fn counts_down_and_filters() {
        let mut set = FaultSet::new(vec![
            Fault::times(FaultKind::NotJsonContent, 1),
            Fault::times(FaultKind::MalformedJson, 2).for_tasks(&["search_keywords"]),
            Fault::times(FaultKind::EmptyChoices, 0),
        ]);
        assert_eq!(set.list().len(), 2);
        // Plain-text request: the JSON-only fault is skipped and not used up.
        assert_eq!(set.take(Some("follow_up"), false), None);
        assert_eq!(
            set.take(Some("qualify_lead"), true),
            Some(FaultKind::NotJsonContent)
        );
        assert_eq!(set.take(Some("qualify_lead"), true), None);
        assert_eq!(
            set.take(Some("search_keywords"), true),
            Some(FaultKind::MalformedJson)
        );
        assert_eq!(
            set.take(Some("search_keywords"), true),
            Some(FaultKind::MalformedJson)
        );
        assert!(set.list().is_empty());
    }

    #[test]
    fn validates_status_codes() {
        let bad = Fault::always(FaultKind::Status {
            code: 1000,
            retry_after: None,
        });
        assert!(bad.validate().is_err());
        let ok = Fault::always(FaultKind::Status {
            code: 503,
            retry_after: None,
        });
        assert!(ok.validate().is_ok());
    }
}
