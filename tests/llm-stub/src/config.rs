//! What a stub is started with: the model name, the optional API key, the qualification rule,
//! the keyword list and options. Everything but the model name and the API key can be changed
//! while the stub runs (Rust API or control API); `reset` goes back to this configuration.

use serde::{Deserialize, Serialize};

use crate::faults::Fault;

/// The model id the stub lists under `/v1/models` when none is configured.
pub const DEFAULT_MODEL: &str = "outlane-stub-1";

/// The configuration of one stub.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StubConfig {
    /// The model id listed by `/v1/models`. Chat requests may name any model; replies echo it.
    pub model: String,
    /// When set, `/v1/*` requests must carry `Authorization: Bearer <key>` (401 otherwise).
    pub api_key: Option<String>,
    /// How `Task: qualify_lead` requests are decided.
    pub rule: QualifyRule,
    /// Phrases `Task: search_keywords` draws from first, in this order.
    pub keywords: Vec<String>,
    /// Append the fenced profile text, verbatim, to every qualification reason.
    pub echo_profile: bool,
    /// Faults active from the start.
    pub faults: Vec<Fault>,
}

impl Default for StubConfig {
    fn default() -> StubConfig {
        StubConfig {
            model: DEFAULT_MODEL.to_string(),
            api_key: None,
            rule: QualifyRule::default(),
            keywords: Vec::new(),
            echo_profile: false,
            faults: Vec::new(),
        }
    }
}

impl StubConfig {
    /// Requires `Authorization: Bearer <key>`.
    pub fn with_api_key(mut self, key: impl Into<String>) -> StubConfig {
        self.api_key = Some(key.into());
        self
    }

    /// Sets the qualification rule.
    pub fn with_rule(mut self, rule: QualifyRule) -> StubConfig {
        self.rule = rule;
        self
    }

    /// Sets the keyword list.
    pub fn with_keywords<S: Into<String>>(
        mut self,
        keywords: impl IntoIterator<Item = S>,
    ) -> StubConfig {
        self.keywords = keywords.into_iter().map(Into::into).collect();
        self
    }

    /// Turns the profile echo on or off.
    pub fn with_echo_profile(mut self, on: bool) -> StubConfig {
        self.echo_profile = on;
        self
    }

    /// Sets the model id.
    pub fn with_model(mut self, model: impl Into<String>) -> StubConfig {
        self.model = model.into();
        self
    }
}

/// The qualification rule: keywords matched case-insensitively, as whole words or phrases,
/// against the fenced profile text.
///
/// A `keywords_none` match disqualifies (it wins over everything). Otherwise a `keywords_any`
/// match qualifies; with an empty `keywords_any` every profile not excluded qualifies.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct QualifyRule {
    /// One of these must appear for the profile to qualify (unless the list is empty).
    pub keywords_any: Vec<String>,
    /// None of these may appear.
    pub keywords_none: Vec<String>,
}

/// The outcome of [`QualifyRule::decide`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Whether the profile qualifies.
    pub qualified: bool,
    /// The keyword that decided it, as configured (`None`: no keyword matched).
    pub keyword: Option<String>,
    /// A one-sentence explanation naming that keyword.
    pub reason: String,
}

impl QualifyRule {
    /// A rule from string slices.
    pub fn new(any: &[&str], none: &[&str]) -> QualifyRule {
        QualifyRule {
            keywords_any: any.iter().map(|s| s.to_string()).collect(),
            keywords_none: none.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// Decides `profile` (the text between the `<<<PROFILE` and `PROFILE>>>` fences).
    pub fn decide(&self, profile: &str) -> Decision {
        let hay = profile.to_lowercase();
        if let Some(kw) = first_match(&hay, &self.keywords_none) {
            return Decision {
                qualified: false,
                reason: format!(
                    "Not qualified: the profile mentions \"{kw}\", which this campaign excludes."
                ),
                keyword: Some(kw),
            };
        }
        if self.usable_any().next().is_none() {
            return Decision {
                qualified: true,
                keyword: None,
                reason: "Qualified: nothing in the profile is excluded by this campaign."
                    .to_string(),
            };
        }
        match first_match(&hay, &self.keywords_any) {
            Some(kw) => Decision {
                qualified: true,
                reason: format!(
                    "Qualified: the profile mentions \"{kw}\", a fit for this campaign."
                ),
                keyword: Some(kw),
            },
            None => Decision {
                qualified: false,
                keyword: None,
                reason: format!(
                    "Not qualified: the profile mentions none of {}.",
                    self.usable_any()
                        .map(|k| format!("\"{k}\""))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            },
        }
    }

    fn usable_any(&self) -> impl Iterator<Item = &str> {
        self.keywords_any
            .iter()
            .map(|k| k.trim())
            .filter(|k| !k.is_empty())
    }
}

/// The first keyword (trimmed, as configured) found in the lowercased `hay`.
fn first_match(hay: &str, keywords: &[String]) -> Option<String> {
    keywords
        .iter()
        .map(|k| k.trim())
        .filter(|k| !k.is_empty())
        .find(|k| contains_phrase(hay, &k.to_lowercase()))
        .map(str::to_string)
}

/// Whether `needle` occurs in `hay` with no letter or digit right before or after it, so that
/// "cto" does not match "director".
pub fn contains_phrase(hay: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return false;
    }
    let mut from = 0;
    while let Some(pos) = hay[from..].find(needle) {
        let start = from + pos;
        let end = start + needle.len();
        let before_ok = hay[..start]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric());
        let after_ok = hay[end..]
            .chars()
            .next()
            .is_none_or(|c| !c.is_alphanumeric());
        if before_ok && after_ok {
            return true;
        }
        // Step past the first character of this occurrence.
        from = start + hay[start..].chars().next().map_or(1, char::len_utf8);
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_words_only() {
        assert!(contains_phrase("cto at acme", "cto"));
        assert!(contains_phrase("acme (cto)", "cto"));
        assert!(!contains_phrase("director of sales", "cto"));
        assert!(contains_phrase("director cto", "cto"));
        assert!(contains_phrase("head of sales, emea", "head of sales"));
        assert!(!contains_phrase("anything", ""));
        assert!(contains_phrase("über-cto", "cto"));
    }

    #[test]
    fn none_wins_over_any() {
        let rule = QualifyRule::new(&["CTO"], &["recruiter"]);
        let d = rule.decide("CTO and part-time Recruiter");
        assert!(!d.qualified);
        assert_eq!(d.keyword.as_deref(), Some("recruiter"));
        assert!(d.reason.contains("\"recruiter\""));
        let d = rule.decide("cto at Acme");
        assert!(d.qualified);
        assert!(d.reason.contains("\"CTO\""));
        let d = rule.decide("Director of Sales");
        assert!(!d.qualified);
        assert_eq!(d.keyword, None);
        assert!(d.reason.contains("\"CTO\""));
    }

    #[test]
    fn empty_any_qualifies_unless_excluded() {
        let rule = QualifyRule::new(&[" "], &["student"]);
        assert!(rule.decide("Engineer").qualified);
        assert!(!rule.decide("Student at MIT").qualified);
    }
}
