//! The pure rules of the default lanes: placeholders in notes and literal follow-up templates,
//! how a follow-up template is read, campaign settings, back-off arithmetic and reply
//! parsing. No host calls, so all of it is unit-tested natively.

use outlane_sdk::linkedin::{Profile, ProfileId};
use serde_json::Value;

/// What a note or a message may say about a person. Every field is optional: a lead may be
/// known by its URL only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Person {
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// First and last name.
    pub full_name: Option<String>,
    /// The headline under the name.
    pub headline: Option<String>,
    /// The company of the current position (else of the latest one).
    pub company: Option<String>,
}

/// `Some(trimmed)` for a non-blank string.
fn present(text: Option<&str>) -> Option<String> {
    text.map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

impl Person {
    /// The person from what the CRM knows: the lead's own `full_name` and `headline` and, once
    /// enriched, its parsed profile (which wins for the finer fields).
    pub fn new(
        full_name: Option<&str>,
        headline: Option<&str>,
        profile: Option<&Profile>,
    ) -> Person {
        let lead_name = present(full_name);
        let mut words = lead_name.as_deref().unwrap_or("").split_whitespace();
        let first_word = words.next().map(str::to_string);
        let other_words = present(Some(&words.collect::<Vec<_>>().join(" ")));
        let first_name = present(profile.and_then(|p| p.first_name.as_deref())).or(first_word);
        let last_name = present(profile.and_then(|p| p.last_name.as_deref())).or(other_words);
        let full_name = lead_name
            .or_else(|| present(profile.and_then(|p| p.full_name.as_deref())))
            .or_else(|| {
                let joined = [first_name.as_deref(), last_name.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" ");
                present(Some(&joined))
            });
        let headline =
            present(profile.and_then(|p| p.headline.as_deref())).or_else(|| present(headline));
        let company = profile.and_then(|p| {
            let current = p
                .positions
                .iter()
                .filter(|pos| pos.end.is_none())
                .find_map(|pos| present(pos.company_name.as_deref()));
            current.or_else(|| {
                p.positions
                    .iter()
                    .find_map(|pos| present(pos.company_name.as_deref()))
            })
        });
        Person {
            first_name,
            last_name,
            full_name,
            headline,
            company,
        }
    }

    /// The first name to greet the person with: theirs, else "there" ("Hi there").
    pub fn greeting_name(&self) -> &str {
        self.first_name.as_deref().unwrap_or("there")
    }
}

/// The placeholders [`substitute`] knows.
pub const PLACEHOLDERS: [&str; 5] = [
    "first_name",
    "last_name",
    "full_name",
    "headline",
    "company",
];

/// Replaces `{first_name}`, `{last_name}`, `{full_name}`, `{headline}` and `{company}` in
/// `template` with what is known of `person`: a missing first name reads "there", any other
/// missing value reads "". Other braces are left as they are, and substituted values are
/// never substituted again (a headline reading "{first_name}" stays that text).
pub fn substitute(template: &str, person: &Person) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let key = after
            .find('}')
            .map(|close| &after[..close])
            .filter(|k| PLACEHOLDERS.contains(k));
        match key {
            Some(key) => {
                let value = match key {
                    "first_name" => person.greeting_name(),
                    "last_name" => person.last_name.as_deref().unwrap_or(""),
                    "full_name" => person.full_name.as_deref().unwrap_or(""),
                    "headline" => person.headline.as_deref().unwrap_or(""),
                    _ => person.company.as_deref().unwrap_or(""),
                };
                out.push_str(value);
                rest = &after[key.len() + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// `text` cut to at most `max` characters (never inside a character), then trimmed.
pub fn truncate_chars(text: &str, max: usize) -> String {
    let cut = match text.char_indices().nth(max) {
        Some((i, _)) => &text[..i],
        None => text,
    };
    cut.trim().to_string()
}

/// An invitation note from a template: placeholders substituted, trimmed, cut to `max`
/// characters. `None` when nothing is left.
pub fn render_note(template: &str, person: &Person, max: usize) -> Option<String> {
    let note = truncate_chars(substitute(template, person).trim(), max);
    (!note.is_empty()).then_some(note)
}

/// How a campaign's follow-up template is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowUpTemplate<'a> {
    /// Empty: render the `follow_up` prompt template.
    DefaultPrompt,
    /// A prompt name not ending in `_ai`: render that template (no model involved).
    Prompt(&'a str),
    /// A prompt name ending in `_ai`: the model writes the message from that prompt.
    AiPrompt(&'a str),
    /// Anything else: literal text with placeholders (see [`substitute`]).
    Literal(&'a str),
}

/// Whether `name` has the shape of a prompt name: only `a-z`, `0-9` and `_`.
pub fn is_prompt_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Reads a campaign's follow-up template (see [`FollowUpTemplate`]).
pub fn follow_up_template(template: &str) -> FollowUpTemplate<'_> {
    let trimmed = template.trim();
    if trimmed.is_empty() {
        FollowUpTemplate::DefaultPrompt
    } else if is_prompt_name(trimmed) {
        if trimmed.ends_with("_ai") {
            FollowUpTemplate::AiPrompt(trimmed)
        } else {
            FollowUpTemplate::Prompt(trimmed)
        }
    } else {
        FollowUpTemplate::Literal(template)
    }
}

/// The message with the campaign's booking link (if any) after a blank line, trimmed.
pub fn with_booking_link(text: &str, link: Option<&str>) -> String {
    let text = text.trim();
    match link.map(str::trim).filter(|l| !l.is_empty()) {
        Some(link) if text.is_empty() => link.to_string(),
        Some(link) => format!("{text}\n\n{link}"),
        None => text.to_string(),
    }
}

/// What the campaign wants done with people who were connections before the campaign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExistingConnections {
    /// Leave them alone: the enrich lane marks them ignored (the default).
    #[default]
    Ignore,
    /// Treat them as prospects: they stay enriched, are qualified like anyone, and the
    /// connect lane, finding them connected, moves them to connected for the follow-up.
    Connected,
}

/// The campaign settings the default lanes read (the campaign's `settings_json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CampaignSettings {
    /// `existing_connections`: "ignore" (default) or "connected".
    pub existing_connections: ExistingConnections,
}

impl CampaignSettings {
    /// Reads the settings leniently: a missing key, an unknown value or text that is not a
    /// JSON object gives the defaults.
    pub fn parse(json: &str) -> CampaignSettings {
        let value: Value = serde_json::from_str(json).unwrap_or(Value::Null);
        let existing_connections = match value
            .get("existing_connections")
            .and_then(Value::as_str)
            .map(|s| s.trim().to_ascii_lowercase())
            .as_deref()
        {
            Some("connected") => ExistingConnections::Connected,
            _ => ExistingConnections::Ignore,
        };
        CampaignSettings {
            existing_connections,
        }
    }
}

/// The account's own ids from its own profile: the vanity id and the member id of its URN.
pub fn own_ids_of(profile: &Profile) -> Vec<ProfileId> {
    let member = profile.urn.as_deref().and_then(|u| u.rsplit(':').next());
    let mut ids: Vec<ProfileId> = [profile.public_identifier.as_deref(), member]
        .into_iter()
        .flatten()
        .filter_map(|p| ProfileId::from_identifier(p).ok())
        .collect();
    ids.dedup();
    ids
}

/// Whether `profile` is the account's own: LinkedIn says so (degree 0, distance `SELF`) or
/// one of its ids is in `own`.
pub fn is_own_profile(profile: &Profile, own: &[ProfileId]) -> bool {
    if profile.connection_degree == Some(0)
        || profile.connection_distance.as_deref() == Some("SELF")
    {
        return true;
    }
    own_ids_of(profile).iter().any(|id| own.contains(id))
}

/// Whether a URL is LinkedIn's "page not found" (its path starts with `/404`).
pub fn is_not_found(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let path = rest.find('/').map_or("/", |i| &rest[i..]);
    path.starts_with("/404")
}

/// How a lead is named in reports: "Jane Doe (jane-doe)", or the public id alone.
pub fn describe(full_name: Option<&str>, public_id: &str) -> String {
    match present(full_name) {
        Some(name) if !public_id.is_empty() => format!("{name} ({public_id})"),
        Some(name) => name,
        None if public_id.is_empty() => "a lead without id".into(),
        None => public_id.to_string(),
    }
}

/// The next back-off of a pending lead: twice the current one (24 h when none was set).
pub fn next_backoff(current_hours: u32) -> u32 {
    if current_hours == 0 {
        24
    } else {
        current_hours.saturating_mul(2)
    }
}

/// Whole days from `from_ms` to `to_ms` (0 when `to_ms` is earlier).
pub fn whole_days(from_ms: u64, to_ms: u64) -> u64 {
    to_ms.saturating_sub(from_ms) / 86_400_000
}

/// The JSON schema of the `qualify_lead` reply.
pub const VERDICT_SCHEMA: &str = r#"{"type":"object","properties":{"qualified":{"type":"boolean"},"reason":{"type":"string"}},"required":["qualified","reason"]}"#;

/// The model's qualification verdict.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct Verdict {
    /// Whether the lead is a good prospect.
    pub qualified: bool,
    /// Why, in one sentence.
    pub reason: String,
}

/// Reads a `qualify_lead` reply (already validated by the host against [`VERDICT_SCHEMA`]).
pub fn parse_verdict(reply: &str) -> Result<Verdict, String> {
    let mut verdict: Verdict = serde_json::from_str(reply.trim())
        .map_err(|e| format!("the qualification reply is not the expected JSON: {e}"))?;
    verdict.reason = verdict.reason.trim().to_string();
    if verdict.reason.is_empty() {
        verdict.reason = "no reason given".into();
    }
    Ok(verdict)
}

/// The JSON schema of the `search_keywords` reply.
pub const KEYWORDS_SCHEMA: &str = r#"{"type":"object","properties":{"keywords":{"type":"array","items":{"type":"string"}}},"required":["keywords"]}"#;

/// Reads a `search_keywords` reply: the keywords trimmed, blanks and duplicates (ignoring
/// case) dropped, in the model's order.
pub fn parse_keywords(reply: &str) -> Result<Vec<String>, String> {
    #[derive(serde::Deserialize)]
    struct Keywords {
        keywords: Vec<String>,
    }
    let parsed: Keywords = serde_json::from_str(reply.trim())
        .map_err(|e| format!("the keyword reply is not the expected JSON: {e}"))?;
    let mut seen = std::collections::BTreeSet::new();
    Ok(parsed
        .keywords
        .into_iter()
        .map(|k| k.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|k| !k.is_empty() && seen.insert(k.to_lowercase()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use outlane_sdk::linkedin::Position;

    fn jane() -> Person {
        Person {
            first_name: Some("Jane".into()),
            last_name: Some("Doe".into()),
            full_name: Some("Jane Doe".into()),
            headline: Some("VP Sales at Acme".into()),
            company: Some("Acme".into()),
        }
    }

    fn profile() -> Profile {
        serde_json::from_value(serde_json::json!({
            "url": "https://www.linkedin.com/in/jane-doe/",
            "urn": "urn:li:fsd_profile:ACoAAB3xYzQBcDeFgHiJkLmNoPqRsTuVwXyZ012",
            "member_urn": null,
            "public_identifier": "Jane-Doe",
            "first_name": "Jane",
            "last_name": "Doe",
            "full_name": "Jane Doe",
            "headline": "VP Sales",
            "summary": null,
            "location_name": null,
            "country_code": null,
            "industry": null,
            "positions": [],
            "educations": [],
            "connection_distance": "DISTANCE_2",
            "connection_degree": 2,
            "invitation_pending": false
        }))
        .expect("a valid profile")
    }

    fn position(company: &str, current: bool) -> Position {
        serde_json::from_value(serde_json::json!({
            "title": "Engineer",
            "company_name": company,
            "company_urn": null,
            "location": null,
            "start": {"year": 2020, "month": 1},
            "end": if current { serde_json::Value::Null } else { serde_json::json!({"year": 2021, "month": 1}) },
            "description": null
        }))
        .expect("a valid position")
    }

    #[test]
    fn substitutes_every_placeholder() {
        assert_eq!(
            substitute(
                "Hi {first_name} {last_name} ({full_name}), {headline} at {company}.",
                &jane()
            ),
            "Hi Jane Doe (Jane Doe), VP Sales at Acme at Acme."
        );
    }

    #[test]
    fn missing_values() {
        let nobody = Person::default();
        assert_eq!(
            substitute(
                "Hi {first_name}, {last_name}|{full_name}|{headline}|{company}",
                &nobody
            ),
            "Hi there, |||"
        );
    }

    #[test]
    fn other_braces_are_kept_and_values_not_resubstituted() {
        let mut p = jane();
        p.headline = Some("{first_name} fan".into());
        assert_eq!(
            substitute("{ {unknown} {first_name}} {headline} {", &p),
            "{ {unknown} Jane} {first_name} fan {"
        );
        assert_eq!(substitute("{}{{first_name}}", &p), "{}{Jane}");
        assert_eq!(substitute("no placeholder", &p), "no placeholder");
        assert_eq!(substitute("ünïcödé {first_name}é", &p), "ünïcödé Janeé");
    }

    #[test]
    fn truncation_respects_characters() {
        assert_eq!(truncate_chars("héllo wörld", 4), "héll");
        assert_eq!(truncate_chars("abc", 10), "abc");
        assert_eq!(truncate_chars("ab   cd", 4), "ab");
        let long = "é".repeat(400);
        assert_eq!(truncate_chars(&long, 300).chars().count(), 300);
        assert_eq!(
            render_note("Hi {first_name}, I'd like to connect.", &jane(), 300).as_deref(),
            Some("Hi Jane, I'd like to connect.")
        );
        assert_eq!(render_note("  {company} ", &Person::default(), 300), None);
    }

    #[test]
    fn template_kinds() {
        assert_eq!(follow_up_template(""), FollowUpTemplate::DefaultPrompt);
        assert_eq!(follow_up_template("  \n"), FollowUpTemplate::DefaultPrompt);
        assert_eq!(
            follow_up_template("follow_up"),
            FollowUpTemplate::Prompt("follow_up")
        );
        assert_eq!(
            follow_up_template(" follow_up_ai "),
            FollowUpTemplate::AiPrompt("follow_up_ai")
        );
        assert_eq!(
            follow_up_template("Hi {first_name}!"),
            FollowUpTemplate::Literal("Hi {first_name}!")
        );
        assert_eq!(
            follow_up_template("Follow_up"),
            FollowUpTemplate::Literal("Follow_up")
        );
        assert!(!is_prompt_name("follow-up"));
    }

    #[test]
    fn booking_link() {
        assert_eq!(
            with_booking_link(" Hello \n", Some(" https://cal.example/x ")),
            "Hello\n\nhttps://cal.example/x"
        );
        assert_eq!(with_booking_link("Hello", Some("  ")), "Hello");
        assert_eq!(with_booking_link("Hello", None), "Hello");
    }

    #[test]
    fn person_from_lead_and_profile() {
        let mut p = profile();
        p.positions = vec![position("Old Co", false), position("Acme", true)];
        let person = Person::new(None, Some("lead headline"), Some(&p));
        assert_eq!(person.first_name.as_deref(), Some("Jane"));
        assert_eq!(person.full_name.as_deref(), Some("Jane Doe"));
        assert_eq!(person.headline.as_deref(), Some("VP Sales"));
        assert_eq!(person.company.as_deref(), Some("Acme"));

        let bare = Person::new(Some(" Ana María López "), Some("CTO"), None);
        assert_eq!(bare.first_name.as_deref(), Some("Ana"));
        assert_eq!(bare.last_name.as_deref(), Some("María López"));
        assert_eq!(bare.full_name.as_deref(), Some("Ana María López"));
        assert_eq!(bare.headline.as_deref(), Some("CTO"));
        assert_eq!(bare.company, None);

        let empty = Person::new(Some("  "), None, None);
        assert_eq!(empty, Person::default());
        assert_eq!(empty.greeting_name(), "there");
    }

    #[test]
    fn settings_are_lenient() {
        assert_eq!(
            CampaignSettings::parse(r#"{"existing_connections":"connected"}"#).existing_connections,
            ExistingConnections::Connected
        );
        for text in [
            "",
            "{}",
            "not json",
            "[]",
            r#"{"existing_connections":"ignore"}"#,
            r#"{"existing_connections":"weird"}"#,
            r#"{"existing_connections":3}"#,
        ] {
            assert_eq!(
                CampaignSettings::parse(text).existing_connections,
                ExistingConnections::Ignore,
                "{text}"
            );
        }
    }

    #[test]
    fn own_profile() {
        let p = profile();
        let own = own_ids_of(&p);
        assert_eq!(own.len(), 2);
        assert_eq!(own[0].as_str(), "jane-doe");
        assert!(own[1].is_member());
        assert!(is_own_profile(&p, &own));
        assert!(!is_own_profile(&p, &[]));
        let mut me = profile();
        me.connection_degree = Some(0);
        assert!(is_own_profile(&me, &[]));
    }

    #[test]
    fn small_rules() {
        assert!(is_not_found("https://www.linkedin.com/404/"));
        assert!(!is_not_found("https://www.linkedin.com/in/x/?r=/404"));
        assert_eq!(
            describe(Some("Jane Doe"), "jane-doe"),
            "Jane Doe (jane-doe)"
        );
        assert_eq!(describe(None, "jane-doe"), "jane-doe");
        assert_eq!(describe(Some(" "), "jane-doe"), "jane-doe");
        assert_eq!(next_backoff(0), 24);
        assert_eq!(next_backoff(24), 48);
        assert_eq!(next_backoff(u32::MAX), u32::MAX);
        assert_eq!(whole_days(0, 3 * 86_400_000 + 5), 3);
        assert_eq!(whole_days(10, 0), 0);
    }

    #[test]
    fn replies() {
        assert_eq!(
            parse_verdict(r#"{"qualified":true,"reason":" fits "}"#),
            Ok(Verdict {
                qualified: true,
                reason: "fits".into()
            })
        );
        assert_eq!(
            parse_verdict(r#"{"qualified":false,"reason":""}"#).map(|v| v.reason),
            Ok("no reason given".into())
        );
        assert!(parse_verdict("yes").is_err());
        assert_eq!(
            parse_keywords(r#"{"keywords":[" VP  Sales ","vp sales","", "CTO fintech"]}"#),
            Ok(vec!["VP Sales".to_string(), "CTO fintech".to_string()])
        );
        assert!(parse_keywords(r#"{"words":[]}"#).is_err());
    }
}
