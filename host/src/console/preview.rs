//! The follow-up message a campaign would send a lead, for the console's preview: the rules
//! the follow-up lane follows ([`outlane_linkedin::template`]), so what a person sees is what
//! the lane would write.

use crate::crm::campaigns::Campaign;
use crate::crm::pipeline::DealLead;
use crate::llm::Prompts;
use outlane_linkedin::Profile;
use outlane_linkedin::template::{
    FollowUpTemplate, Person, check_placeholders, follow_up_template, substitute, with_booking_link,
};
use serde_json::json;

/// The message `campaign` (as edited) would send `lead`, or why it cannot be written.
pub fn follow_up(
    campaign: &Campaign,
    lead: &DealLead,
    prompts: &Prompts,
) -> Result<String, String> {
    let profile: Option<Profile> = lead
        .lead
        .profile_json
        .as_deref()
        .and_then(|p| serde_json::from_str(p).ok());
    let who = Person::new(
        lead.lead.full_name.as_deref(),
        lead.lead.headline.as_deref(),
        profile.as_ref(),
    );
    let vars = json!({
        "first_name": who.greeting_name(),
        "headline": who.headline,
        "product_description": campaign.product_docs,
    });
    let body = match follow_up_template(&campaign.follow_up_template) {
        FollowUpTemplate::DefaultPrompt => prompts
            .render("follow_up", &vars)
            .map_err(|e| e.to_string())?,
        FollowUpTemplate::Prompt(name) => prompts.render(name, &vars).map_err(|e| e.to_string())?,
        FollowUpTemplate::AiPrompt(name) => {
            return Ok(format!(
                "(the model writes this message when it is sent, from the prompt `{name}` and the \
                 person's profile; no preview without asking it)"
            ));
        }
        FollowUpTemplate::Literal(text) => {
            check_placeholders(text).map_err(|e| e.to_string())?;
            substitute(text, &who)
        }
    };
    Ok(with_booking_link(&body, campaign.booking_link.as_deref()))
}
