//! The follow-up message: how the campaign's template is read, and the text it gives for one
//! lead, booking link included.

use outlane_sdk::crm::{Campaign, Lead};
use outlane_sdk::linkedin::{self, Profile};
use outlane_sdk::prelude::*;
use outlane_sdk::template::{self, Person};
use serde_json::json;

/// The follow-up message for `lead` in `campaign`, booking link included (see
/// [`FollowUpTemplate`] for how the campaign's template is read). An `invalid` or
/// `not-found` error means the template cannot be used as written.
pub fn follow_up_text(
    lead: &Lead,
    profile: Option<&Profile>,
    campaign: &Campaign,
) -> Result<String> {
    let who = Person::of_lead(lead, profile);
    let prompt_vars = json!({
        "first_name": who.greeting_name(),
        "headline": who.headline,
        "product_description": campaign.product_docs,
    });
    let body = match follow_up_template(&campaign.follow_up_template) {
        FollowUpTemplate::DefaultPrompt => llm::render("follow_up", &prompt_vars)?,
        FollowUpTemplate::Prompt(name) => llm::render(name, &prompt_vars)?,
        FollowUpTemplate::AiPrompt(name) => {
            let vars = json!({
                "first_name": who.greeting_name(),
                "profile_text": profile.map(linkedin::profile_text).unwrap_or_default(),
                "product_description": campaign.product_docs,
                "campaign_objective": campaign.objective,
            });
            llm::complete(name, &vars)?.text
        }
        FollowUpTemplate::Literal(text) => template::substitute(text, &who),
    };
    Ok(with_booking_link(&body, campaign.booking_link.as_deref()))
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
