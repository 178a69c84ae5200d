//! The qualify lane (a filler): embeds the enriched leads, lets the campaign's active learner
//! pick the next one to label, and labels it: by the model when its auto-decision gate
//! passes, else by the LLM. Every label trains the model; the lead moves to qualified or
//! disqualified with the reason.

use outlane_sdk::crm::{self, Lead};
use outlane_sdk::linkedin;
use outlane_sdk::prelude::*;
use outlane_sdk::qualifier::{self, LabelSource};
use serde_json::json;

/// How many enriched leads one call considers.
pub const CANDIDATES: u32 = 50;

/// The reason given to a lead that has nothing to judge it by.
pub const NO_PROFILE_TEXT: &str = "no profile text available";

/// The model's qualification verdict (the `qualify_lead` prompt's reply; its schema comes
/// from this type).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, schemars::JsonSchema)]
pub struct Verdict {
    /// Whether the lead is a good prospect.
    pub qualified: bool,
    /// Why, in one sentence.
    pub reason: String,
}

impl Verdict {
    /// The reason, trimmed ("no reason given" when the model gave none).
    pub fn reason(&self) -> String {
        let reason = self.reason.trim();
        if reason.is_empty() {
            "no reason given".into()
        } else {
            reason.to_string()
        }
    }
}

/// The qualify lane's configuration: none (an empty or absent `[lane.config]`).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QualifyConfig {}

/// The qualify lane.
#[derive(Debug)]
pub struct Qualify;

/// The text the LLM judges the lead by, if its profile has any.
fn usable_text(lead: &Lead) -> Option<String> {
    let profile = lead.profile()?;
    let text = linkedin::profile_text(&profile);
    (!text.trim().is_empty()).then_some(text)
}

/// The name of a label source, for reports.
fn source_name(source: LabelSource) -> &'static str {
    match source {
        LabelSource::Llm => "llm",
        LabelSource::Model => "model",
        LabelSource::Human => "a person",
    }
}

impl Lane for Qualify {
    type Config = QualifyConfig;
    const SUMMARY: &'static str =
        "qualifies enriched leads: the active-learning model when it is sure, else the LLM";

    fn new(_config: QualifyConfig) -> Result<Self> {
        Ok(Qualify)
    }

    fn readiness(&mut self, _ctx: &Context) -> Result<Readiness> {
        Ok(Readiness::when(
            crm::count(Stage::Enriched)? > 0,
            || "no enriched lead to qualify",
        ))
    }

    fn execute(&mut self, _ctx: &Context) -> Result<Report> {
        let leads = crm::leads(Stage::Enriched, CANDIDATES)?;
        if leads.is_empty() {
            return Ok(Report::idle("no enriched lead to qualify"));
        }
        let mut candidates: Vec<(Lead, String)> = Vec::with_capacity(leads.len());
        let mut without_text = 0u32;
        let mut stopped = false;
        for lead in leads {
            if host::should_stop() {
                stopped = true;
                break;
            }
            let Some(profile_text) = usable_text(&lead) else {
                // A missing profile says nothing about fit: no label, so the model does not
                // learn from it.
                crm::set_stage(lead.id, Stage::Disqualified, NO_PROFILE_TEXT)?;
                warn!("qualify: {}: {NO_PROFILE_TEXT}", lead.who());
                without_text += 1;
                continue;
            };
            match qualifier::embed(lead.id) {
                Ok(()) => candidates.push((lead, profile_text)),
                Err(Error::Invalid(why)) => {
                    crm::set_stage(
                        lead.id,
                        Stage::Disqualified,
                        &format!("{NO_PROFILE_TEXT}: {why}"),
                    )?;
                    without_text += 1;
                }
                Err(e) => return Err(e),
            }
        }
        let set_aside = if without_text > 0 {
            format!("; {without_text} disqualified for want of a profile")
        } else {
            String::new()
        };
        if stopped {
            return Ok(Report::worked(format!(
                "embedded {} leads, stopping before labelling{set_aside}",
                candidates.len()
            )));
        }
        let ids: Vec<u64> = candidates.iter().map(|(l, _)| l.id).collect();
        let Some(choice) = qualifier::choose(&ids)? else {
            return Ok(if without_text > 0 {
                Report::worked(format!("nothing left to label{set_aside}"))
            } else {
                Report::idle("no enriched lead with a profile to qualify")
            });
        };
        let Some((lead, profile_text)) = candidates.into_iter().find(|(l, _)| l.id == choice.id)
        else {
            return Err(Error::internal(format!(
                "the qualifier chose lead {}, which was not a candidate",
                choice.id
            )));
        };
        let (qualified, reason, source) = match choice.auto_decision {
            Some(decision) => (decision, choice.reason.clone(), LabelSource::Model),
            None => {
                let campaign = crm::current_campaign()?;
                let vars = json!({
                    "product_docs": campaign.product_docs,
                    "campaign_objective": campaign.objective,
                    "profile_text": profile_text,
                });
                // An LLM error leaves the lead enriched: it is asked about again later.
                let verdict: Verdict = llm::complete_json("qualify_lead", &vars)?;
                (verdict.qualified, verdict.reason(), LabelSource::Llm)
            }
        };
        qualifier::label(lead.id, qualified, &reason, source)?;
        let stage = if qualified {
            Stage::Qualified
        } else {
            Stage::Disqualified
        };
        crm::set_stage(lead.id, stage, &reason)?;
        let verb = if qualified {
            "qualified"
        } else {
            "disqualified"
        };
        info!(
            "qualify: {} {verb} by {} ({}): {reason}",
            lead.who(),
            source_name(source),
            choice.strategy
        );
        Ok(Report::worked(format!(
            "{verb} {} by {}: {reason}{set_aside}",
            lead.who(),
            source_name(source)
        )))
    }
}

// The lane as a WebAssembly component: in a wasm build (natively the crate is a library, for
// its unit tests), with the `export` feature (on by default; off where the source is reused
// as a module of another lane).
#[cfg(all(target_arch = "wasm32", feature = "export"))]
outlane_sdk::export_lane!(Qualify);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts() {
        let v: Verdict = serde_json::from_str(r#"{"qualified":true,"reason":" fits "}"#).unwrap();
        assert!(v.qualified);
        assert_eq!(v.reason(), "fits");
        let v: Verdict = serde_json::from_str(r#"{"qualified":false,"reason":""}"#).unwrap();
        assert_eq!(v.reason(), "no reason given");
        let schema = llm::schema_of::<Verdict>();
        assert_eq!(schema["properties"]["qualified"]["type"], "boolean");
    }
}
