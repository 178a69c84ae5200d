//! Notes and messages from templates: what a text may say about a person ([`Person`]) and the
//! placeholders it may use (`{first_name}`, `{last_name}`, `{full_name}`, `{headline}`,
//! `{company}`). Pure text rules, unit-tested natively.

use outlane_linkedin::Profile;

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

    /// The person of a lead: its name and headline as the campaign knows them, and its
    /// profile once enriched.
    pub fn of_lead(lead: &crate::crm::Lead, profile: Option<&Profile>) -> Person {
        Person::new(lead.full_name.as_deref(), lead.headline.as_deref(), profile)
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

#[cfg(test)]
mod tests {
    use super::*;
    use outlane_linkedin::Position;

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
}
