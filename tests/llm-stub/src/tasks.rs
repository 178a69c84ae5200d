//! The replies: one function per task, all deterministic functions of the prompt and the
//! stub's settings, plus the shaping of the content to the requested `response_format`.

use serde_json::{Value, json};

use crate::config::QualifyRule;
use crate::prompt::{Prompt, Task, normalize_phrase};
use crate::schema;
use crate::wire::ResponseFormat;

/// How many keywords `search_keywords` returns when the prompt does not say.
pub const DEFAULT_KEYWORD_COUNT: usize = 5;

/// What the tasks read from the stub's state.
#[derive(Debug, Clone, Copy)]
pub struct Settings<'a> {
    /// The qualification rule.
    pub rule: &'a QualifyRule,
    /// The configured keyword list.
    pub keywords: &'a [String],
    /// Append the fenced profile to qualification reasons.
    pub echo_profile: bool,
}

/// The reply content for `task`, shaped by `format`: JSON tasks always answer JSON; a
/// `json_schema` reply is conformed to the schema; plain-text replies asked for as JSON are
/// wrapped as `{"message": …}`.
pub fn reply(
    prompt: &Prompt,
    task: &Task,
    settings: Settings<'_>,
    format: Option<&ResponseFormat>,
) -> String {
    let value = match task {
        Task::QualifyLead => qualify(prompt, settings.rule, settings.echo_profile),
        Task::SearchKeywords => search_keywords(prompt, settings.keywords),
        Task::FollowUp => Value::String(follow_up(prompt)),
        Task::ClassifyReply => classify_reply(prompt),
        Task::Other(_) | Task::Missing => Value::String(generic(task)),
    };
    let value = match (format, value) {
        (Some(ResponseFormat::JsonObject), Value::String(text)) => json!({ "message": text }),
        (Some(ResponseFormat::JsonSchema { json_schema }), value) => {
            let value = match value {
                Value::String(text) => json!({ "message": text }),
                other => other,
            };
            match &json_schema.schema {
                Some(s) => schema::conform(s, value),
                None => value,
            }
        }
        (_, value) => value,
    };
    match value {
        Value::String(text) => text,
        other => other.to_string(),
    }
}

/// `{"class": "…", "reason": "…"}` for the reply in the `REPLY` fence, by plain keywords
/// (first match wins): stop / remove / unsubscribe → `asks-to-stop`; out of the office →
/// `out-of-office`; not interested / no priority / no thanks → `not-interested`; interested /
/// happy to / learn more / call / meet → `interested`; else `other`.
pub fn classify_reply(prompt: &Prompt) -> Value {
    let text = prompt.fenced("REPLY").unwrap_or_default().to_lowercase();
    fn first_in<'a>(text: &str, words: &[&'a str]) -> Option<&'a str> {
        words.iter().find(|w| text.contains(*w)).copied()
    }
    let rules: [(&str, &[&str]); 4] = [
        (
            "asks-to-stop",
            &[
                "stop messaging",
                "remove me",
                "unsubscribe",
                "do not contact",
                "don't contact",
                "please stop",
            ],
        ),
        (
            "out-of-office",
            &[
                "out of the office",
                "out of office",
                "on leave",
                "limited access",
            ],
        ),
        (
            "not-interested",
            &["not interested", "not a priority", "no thanks", "no, thank"],
        ),
        (
            "interested",
            &[
                "interested",
                "happy to",
                "learn more",
                "call",
                "meet",
                "let's talk",
            ],
        ),
    ];
    for (class, words) in rules {
        if let Some(word) = first_in(&text, words) {
            return json!({ "class": class, "reason": format!("the reply says \"{word}\"") });
        }
    }
    json!({ "class": "other", "reason": "no keyword of a known class" })
}

/// `{"qualified": bool, "reason": "…"}` from the rule applied to the `PROFILE` fence.
pub fn qualify(prompt: &Prompt, rule: &QualifyRule, echo_profile: bool) -> Value {
    let Some(profile) = prompt.fenced("PROFILE") else {
        return json!({
            "qualified": false,
            "reason": "Not qualified: the prompt has no <<<PROFILE … PROFILE>>> section to decide on.",
        });
    };
    let decision = rule.decide(profile);
    let reason = if echo_profile {
        format!("{} Profile text: {profile}", decision.reason)
    } else {
        decision.reason
    };
    json!({ "qualified": decision.qualified, "reason": reason })
}

/// `{"keywords": [...]}`: N phrases (from the prompt, else [`DEFAULT_KEYWORD_COUNT`]) taken in
/// order from the configured list, then from the campaign text, then from a built-in list of
/// titles, skipping duplicates and everything in the `USED` fence.
pub fn search_keywords(prompt: &Prompt, configured: &[String]) -> Value {
    let n = prompt.requested_count().unwrap_or(DEFAULT_KEYWORD_COUNT);
    let mut seen: Vec<String> = prompt.used_keywords();
    let mut out: Vec<String> = Vec::new();
    let campaign = campaign_phrases(prompt);
    let candidates = configured
        .iter()
        .map(|s| s.trim().to_string())
        .chain(campaign)
        .chain(BUILT_IN_KEYWORDS.iter().map(|s| s.to_string()))
        .chain((1..).map(|i| format!("b2b decision maker {i}")));
    for phrase in candidates {
        if out.len() >= n {
            break;
        }
        let key = normalize_phrase(&phrase);
        if key.is_empty() || seen.contains(&key) {
            continue;
        }
        seen.push(key);
        out.push(phrase);
    }
    json!({ "keywords": out })
}

/// A 3-sentence follow-up greeting the `First name:` (or "there").
pub fn follow_up(prompt: &Prompt) -> String {
    let name = prompt.first_name().unwrap_or_else(|| "there".to_string());
    let variant = fnv1a(prompt.text().as_bytes()) % 3;
    match variant {
        0 => format!(
            "Hi {name}, thanks for connecting! I help teams like yours take the busywork out of \
             outreach, and I'd love to hear how you handle it today. Would you be open to a \
             short call next week?"
        ),
        1 => format!(
            "Hi {name}, great to be connected. From your profile it looks like there is a real \
             fit with what we are building. Do you have 15 minutes this week or next for a \
             quick chat?"
        ),
        _ => format!(
            "Hi {name}, thanks for accepting my invitation! I'm curious how your team \
             approaches this today. Happy to share what has worked for similar companies if \
             that's useful."
        ),
    }
}

/// The short reply to a prompt without a known task.
pub fn generic(task: &Task) -> String {
    match task {
        Task::Other(name) => format!(
            "OK. (Outlane LLM stub: unknown task `{name}`; known tasks are qualify_lead, \
             search_keywords and follow_up.)"
        ),
        _ => "OK. (Outlane LLM stub: no `Task:` marker found in the prompt.)".to_string(),
    }
}

/// Prose where JSON was asked for (the `not_json_content` fault).
pub fn not_json_content(task: &Task) -> String {
    match task {
        Task::SearchKeywords => {
            "Here are some ideas: VP Sales, Head of Growth and startup founders.".to_string()
        }
        _ => "Sure! Based on the profile, this lead looks like a good fit for the campaign."
            .to_string(),
    }
}

/// JSON content that violates the requested schema (the `schema_violation` fault): the
/// task's typical mistake, or the first of a few candidates that fails `schema`.
pub fn schema_violation(task: &Task, schema: Option<&Value>) -> String {
    let typical = match task {
        Task::SearchKeywords => json!({ "keywords": "VP Sales, Head of Growth" }),
        _ => json!({ "qualified": "maybe" }),
    };
    let Some(schema) = schema else {
        return typical.to_string();
    };
    [
        typical.clone(),
        json!({ "qualified": "maybe" }),
        json!([]),
        json!(null),
        json!("text"),
        json!(0),
    ]
    .into_iter()
    .find(|v| schema::validate(schema, v).is_err())
    .unwrap_or(typical)
    .to_string()
}

/// Phrases from the campaign text: the `CAMPAIGN` fence, or else the markdown sections whose
/// heading mentions the campaign, product, service, offer or objective. Each run of
/// consecutive non-stopwords yields its two-word phrases, in order.
fn campaign_phrases(prompt: &Prompt) -> Vec<String> {
    let text = match prompt.fenced("CAMPAIGN") {
        Some(t) => t.to_string(),
        None => campaign_sections(&prompt.without_fences()),
    };
    let mut out = Vec::new();
    for clause in text.split(|c: char| ".,;:!?()[]{}\"\n".contains(c)) {
        let mut run: Vec<String> = Vec::new();
        let words = clause
            .split_whitespace()
            .map(|w| {
                w.trim_matches(|c: char| !c.is_alphanumeric())
                    .to_lowercase()
            })
            .chain(std::iter::once(String::new()));
        for word in words {
            let content = word.chars().any(char::is_alphabetic)
                && word.chars().count() > 1
                && !STOPWORDS.contains(&word.as_str());
            if content {
                run.push(word);
                continue;
            }
            for pair in run.windows(2) {
                let phrase = pair.join(" ");
                if !out.contains(&phrase) {
                    out.push(phrase);
                }
            }
            run.clear();
        }
    }
    out
}

fn campaign_sections(text: &str) -> String {
    let mut keep = false;
    let mut out = String::new();
    for line in text.lines() {
        if line.trim_start().starts_with('#') {
            let heading = line.to_lowercase();
            keep = ["campaign", "product", "service", "offer", "objective"]
                .iter()
                .any(|k| heading.contains(k));
            continue;
        }
        if keep {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// 64-bit FNV-1a: a stable hash for picking variants.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

const BUILT_IN_KEYWORDS: &[&str] = &[
    "head of sales",
    "vp sales",
    "head of marketing",
    "chief technology officer",
    "startup founder",
    "head of growth",
    "vp engineering",
    "head of operations",
    "saas co-founder",
    "business development manager",
    "head of partnerships",
    "chief revenue officer",
    "customer success director",
    "head of product",
    "revenue operations manager",
    "marketing director",
    "sales director",
    "engineering manager",
    "chief executive officer",
    "growth marketing manager",
];

const STOPWORDS: &[&str] = &[
    "a",
    "about",
    "after",
    "all",
    "also",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "been",
    "but",
    "by",
    "can",
    "do",
    "does",
    "each",
    "for",
    "from",
    "get",
    "has",
    "have",
    "help",
    "helps",
    "how",
    "in",
    "into",
    "is",
    "it",
    "its",
    "more",
    "most",
    "need",
    "needs",
    "not",
    "of",
    "on",
    "or",
    "our",
    "out",
    "over",
    "so",
    "such",
    "that",
    "the",
    "their",
    "them",
    "they",
    "this",
    "those",
    "to",
    "up",
    "us",
    "use",
    "using",
    "want",
    "was",
    "we",
    "what",
    "when",
    "which",
    "who",
    "will",
    "with",
    "without",
    "you",
    "your",
    "reach",
    "find",
    "target",
    "targeting",
    "looking",
    "people",
    "who's",
    "we're",
    "it's",
    "like",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn settings<'a>(rule: &'a QualifyRule, keywords: &'a [String]) -> Settings<'a> {
        Settings {
            rule,
            keywords,
            echo_profile: false,
        }
    }

    #[test]
    fn keywords_skip_used_and_fill_from_campaign_then_built_ins() {
        let configured = vec!["VP Sales".to_string(), "Head of Growth".to_string()];
        let p = Prompt::new(
            "Task: search_keywords\nGive 4 keywords.\n## Campaign Objective\nReach fintech founders and payment operations leaders.\n## Rules\nignored words here\n<<<USED\nvp sales\nUSED>>>",
        );
        let v = search_keywords(&p, &configured);
        assert_eq!(
            v,
            json!({"keywords": ["Head of Growth", "fintech founders", "payment operations", "operations leaders"]})
        );
        let p = Prompt::new("Task: search_keywords\n<<<USED\nhead of sales\nUSED>>>");
        let v = search_keywords(&p, &[]);
        assert_eq!(
            v,
            json!({"keywords": ["vp sales", "head of marketing", "chief technology officer", "startup founder", "head of growth"]})
        );
    }

    #[test]
    fn json_formats_shape_the_content() {
        let rule = QualifyRule::default();
        let p = Prompt::new("Task: follow_up\nFirst name: Ana");
        let text = reply(&p, &Task::FollowUp, settings(&rule, &[]), None);
        assert!(text.starts_with("Hi Ana,"));
        let wrapped = reply(
            &p,
            &Task::FollowUp,
            settings(&rule, &[]),
            Some(&ResponseFormat::JsonObject),
        );
        let v: Value = serde_json::from_str(&wrapped).expect("json");
        assert_eq!(v["message"], Value::String(text));
        let q = Prompt::new("Task: qualify_lead\n<<<PROFILE\nx\nPROFILE>>>");
        let plain = reply(&q, &Task::QualifyLead, settings(&rule, &[]), None);
        let v: Value = serde_json::from_str(&plain).expect("json");
        assert_eq!(v["qualified"], json!(true));
    }

    #[test]
    fn violations_violate() {
        let schema = json!({"type":"object","properties":{"ok":{"type":"boolean"}},"additionalProperties":true});
        let content = schema_violation(&Task::Other("x".into()), Some(&schema));
        let v: Value = serde_json::from_str(&content).expect("json");
        assert!(schema::validate(&schema, &v).is_err());
        assert_eq!(
            schema_violation(&Task::QualifyLead, None),
            r#"{"qualified":"maybe"}"#
        );
    }
}
