//! Notes and messages from templates, the same rules for the lanes that send them and the
//! host that previews and checks them: what a text may say about a person ([`Person`]), the
//! placeholders it may use (`{first_name}`, `{last_name}`, `{full_name}`, `{headline}`,
//! `{company}`), and how a campaign's follow-up template is read ([`FollowUpTemplate`]).

use crate::Profile;

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

/// Why a literal template cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError(pub String);

impl std::fmt::Display for TemplateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TemplateError {}

/// Checks a literal template (see [`substitute`]): every `{word}` must be one of
/// [`PLACEHOLDERS`], and Jinja syntax (`{{ … }}`, `{% … %}`) is refused, since it would reach
/// people as written. Other braces (`{`, `:-}`) are text.
pub fn check_placeholders(template: &str) -> Result<(), TemplateError> {
    if template.contains("{{") || template.contains("{%") {
        return Err(TemplateError(format!(
            "`{{{{ … }}}}` and `{{% … %}}` are not placeholders here (they would be sent as written): \
             use {}, or name a prompt template",
            known()
        )));
    }
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        if let Some(close) = after.find('}') {
            let word = &after[..close];
            let looks_like_one =
                !word.is_empty() && word.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if looks_like_one && !PLACEHOLDERS.contains(&word) {
                return Err(TemplateError(format!(
                    "unknown placeholder `{{{word}}}`: use {}",
                    known()
                )));
            }
        }
        rest = after;
    }
    Ok(())
}

fn known() -> String {
    PLACEHOLDERS
        .iter()
        .map(|p| format!("`{{{p}}}`"))
        .collect::<Vec<_>>()
        .join(", ")
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
    /// Anything else: literal text with placeholders (see [`template::substitute`]).
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Position;

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
    fn placeholders_are_checked() {
        assert!(check_placeholders("Hi {first_name} of {company} :-}").is_ok());
        assert!(check_placeholders("{ not a placeholder }").is_ok());
        let e = check_placeholders("Hi {firstname}")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("unknown placeholder `{firstname}`") && e.contains("`{first_name}`"),
            "{e}"
        );
        let e = check_placeholders("Hi {{ first_name }}")
            .unwrap_err()
            .to_string();
        assert!(e.contains("would be sent as written"), "{e}");
    }
}
