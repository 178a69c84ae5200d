//! Fault injection (§7.7 of the reference).
//!
//! A [`Fault`] is a kind plus a trigger: `times` (fire that many times, then disappear; absent
//! means until cleared) and `handles` (fire only for requests about those profiles). JSON form:
//! `{"kind":"voyager_status","status":429,"times":3,"handles":["jane-doe-1"]}`.

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
    /// Fire only for these profile handles (profile pages, Voyager identity, UI endpoints).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handles: Option<Vec<String>>,
}

impl Fault {
    /// A fault that fires until cleared, for every profile.
    pub fn always(kind: FaultKind) -> Fault {
        Fault {
            kind,
            times: None,
            handles: None,
        }
    }

    /// A fault that fires `times` times.
    pub fn times(kind: FaultKind, times: u32) -> Fault {
        Fault {
            kind,
            times: Some(times),
            handles: None,
        }
    }

    /// Restricts the fault to the given handles.
    pub fn for_handles(mut self, handles: &[&str]) -> Fault {
        self.handles = Some(handles.iter().map(|h| h.to_string()).collect());
        self
    }

    /// Whether this fault applies to a request about `handle` (`None`: not about a profile).
    pub fn matches_handle(&self, handle: Option<&str>) -> bool {
        match (&self.handles, handle) {
            (None, _) => true,
            (Some(list), Some(h)) => list.iter().any(|x| x == h),
            (Some(_), None) => false,
        }
    }
}

/// The fault kinds, serialised as `"kind": "<snake_case name>"` plus their parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultKind {
    /// The login submit redirects to `/checkpoint/challenge/<t>`; solved by the control API, the
    /// PIN, or automatically `auto_solve_ms` (sim clock) after it was raised.
    CheckpointOnLogin {
        /// Auto-solve delay in sim ms.
        #[serde(default)]
        auto_solve_ms: Option<u64>,
    },
    /// An authenticated page request redirects to a challenge; pages stay blocked until solved.
    CheckpointMidSession,
    /// Authenticated page routes answer 429 with a "too many requests" HTML page.
    RateLimitPage,
    /// The Voyager route answers this status (429, 999, 500 …) with a JSON body.
    VoyagerStatus {
        /// HTTP status code.
        status: u16,
    },
    /// The Voyager route answers 200 with an HTML login page.
    VoyagerNotJson,
    /// The Voyager route answers 403 with the text body `CSRF check failed.`.
    VoyagerCsrfText,
    /// The Voyager route waits this long (real ms) before answering.
    VoyagerSlow {
        /// Delay in real milliseconds.
        ms: u64,
    },
    /// Authenticated page routes wait this long (real ms) before answering.
    SlowPage {
        /// Delay in real milliseconds.
        ms: u64,
    },
    /// The profile page has no top-card section.
    MissingTopCard,
    /// Clicking Connect shows an error toast instead of the invite modal.
    ErrorToast,
    /// Clicking Connect shows the weekly-limit alert instead of the invite modal.
    LimitInsteadOfModal,
    /// The message popup's compose box is `contenteditable="false"`.
    PopupNotEditable,
    /// Connected profiles show neither a Message button nor the More (overflow) button.
    NoMessagePopup,
    /// The messaging compose page never shows typeahead rows.
    MissingTypeahead,
    /// The Voyager profile has `location: null`.
    VoyagerLocationNull,
    /// The Voyager `data` has `*elements: []`.
    VoyagerEmptyElements,
    /// The Voyager response drops the geo, industry, company, school and one position-group entity.
    VoyagerDanglingUrns,
    /// MiniProfiles of other people are placed before the target profile in `included`.
    VoyagerMiniProfilesFirst,
    /// The person answers the moment their profile page is served (to a connected viewer):
    /// a reply that races a message being written.
    ReplyOnProfileView {
        /// The reply.
        text: String,
    },
}

impl FaultKind {
    /// The snake_case name used in JSON.
    pub fn name(&self) -> &'static str {
        match self {
            FaultKind::CheckpointOnLogin { .. } => "checkpoint_on_login",
            FaultKind::CheckpointMidSession => "checkpoint_mid_session",
            FaultKind::RateLimitPage => "rate_limit_page",
            FaultKind::VoyagerStatus { .. } => "voyager_status",
            FaultKind::VoyagerNotJson => "voyager_not_json",
            FaultKind::VoyagerCsrfText => "voyager_csrf_text",
            FaultKind::VoyagerSlow { .. } => "voyager_slow",
            FaultKind::SlowPage { .. } => "slow_page",
            FaultKind::MissingTopCard => "missing_top_card",
            FaultKind::ErrorToast => "error_toast",
            FaultKind::LimitInsteadOfModal => "limit_instead_of_modal",
            FaultKind::PopupNotEditable => "popup_not_editable",
            FaultKind::NoMessagePopup => "no_message_popup",
            FaultKind::MissingTypeahead => "missing_typeahead",
            FaultKind::VoyagerLocationNull => "voyager_location_null",
            FaultKind::VoyagerEmptyElements => "voyager_empty_elements",
            FaultKind::VoyagerDanglingUrns => "voyager_dangling_urns",
            FaultKind::VoyagerMiniProfilesFirst => "voyager_mini_profiles_first",
            FaultKind::ReplyOnProfileView { .. } => "reply_on_profile_view",
        }
    }
}

/// The active faults of a running simulator.
#[derive(Debug, Clone, Default)]
pub struct FaultSet {
    active: Vec<Fault>,
}

impl FaultSet {
    /// A set holding `faults`.
    pub fn new(faults: Vec<Fault>) -> FaultSet {
        FaultSet {
            active: faults.into_iter().filter(|f| f.times != Some(0)).collect(),
        }
    }

    /// Adds a fault.
    pub fn add(&mut self, fault: Fault) {
        if fault.times != Some(0) {
            self.active.push(fault);
        }
    }

    /// Removes every fault.
    pub fn clear(&mut self) {
        self.active.clear();
    }

    /// The active faults (with their remaining counts).
    pub fn list(&self) -> Vec<Fault> {
        self.active.clone()
    }

    /// Fires the first active fault selected by `pick` for `handle`: returns its kind and
    /// uses up one of its `times`.
    pub fn take(
        &mut self,
        handle: Option<&str>,
        pick: impl Fn(&FaultKind) -> bool,
    ) -> Option<FaultKind> {
        let index = self
            .active
            .iter()
            .position(|f| pick(&f.kind) && f.matches_handle(handle))?;
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

    /// Fires the fault of exactly this name (see [`FaultSet::take`]).
    pub fn take_named(&mut self, handle: Option<&str>, name: &str) -> Option<FaultKind> {
        self.take(handle, |k| k.name() == name)
    }
}
