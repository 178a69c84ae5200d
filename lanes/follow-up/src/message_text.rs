//! The follow-up message: how the campaign's template is read, and the text it gives for one
//! lead, booking link included.

use outlane_sdk::crm::{Campaign, Lead};
use outlane_sdk::linkedin::{self, Profile};
use outlane_sdk::prelude::*;
use outlane_sdk::template::{self, FollowUpTemplate, follow_up_template, with_booking_link};
use serde_json::json;

/// The follow-up message for `lead` in `campaign`, booking link included (see
/// [`FollowUpTemplate`] for how the campaign's template is read). An `invalid` or
/// `not-found` error means the template cannot be used as written.
pub fn follow_up_text(
    lead: &Lead,
    profile: Option<&Profile>,
    campaign: &Campaign,
) -> Result<String> {
    step_text(lead, profile, campaign, &campaign.follow_up_template)
}

/// The text of one step of the campaign's sequence whose template is `step_template` (read
/// like the follow-up template), booking link included.
pub fn step_text(
    lead: &Lead,
    profile: Option<&Profile>,
    campaign: &Campaign,
    step_template: &str,
) -> Result<String> {
    let who = template::person_of(lead, profile);
    let prompt_vars = json!({
        "first_name": who.greeting_name(),
        "headline": who.headline,
        "product_description": campaign.product_docs,
    });
    let body = match follow_up_template(step_template) {
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
