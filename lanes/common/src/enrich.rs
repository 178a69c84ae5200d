//! The enrich lane (a filler): visits the profile of the oldest discovered lead like a person
//! would, stores its Voyager profile (which makes the lead enriched), and sets aside the
//! account's own profile and, per the campaign's `existing_connections`, people who were
//! connections before the campaign.

use crate::shared::{self, discover_quietly, lead_profile_id, who};
use crate::text::{self, ExistingConnections};
use outlane_sdk::crm::{self, Lead};
use outlane_sdk::linkedin;
use outlane_sdk::prelude::*;

/// The enrich lane's configuration: none (an empty or absent `[lane.config]`).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrichConfig {}

/// The enrich lane.
#[derive(Debug)]
pub struct Enrich;

/// Fails `lead` with `reason` and reports it.
fn fail(lead: &Lead, reason: &str) -> Result<Report> {
    crm::set_stage(lead.id, Stage::Failed, reason)?;
    warn!("enrich: {}: {reason}", who(lead));
    Ok(Report::worked(format!(
        "enrich: {} failed: {reason}",
        who(lead)
    )))
}

impl Lane for Enrich {
    type Config = EnrichConfig;
    const SUMMARY: &'static str =
        "stores the LinkedIn profile of each discovered lead, oldest first";

    fn new(_config: EnrichConfig) -> Result<Self> {
        Ok(Enrich)
    }

    fn can_execute(&mut self, _ctx: &Context) -> Result<bool> {
        Ok(crm::count(Stage::Discovered)? > 0)
    }

    fn execute(&mut self, _ctx: &Context) -> Result<Report> {
        let Some(lead) = crm::leads(Stage::Discovered, 1)?.into_iter().next() else {
            return Ok(Report::idle("no discovered lead to enrich"));
        };
        let id = match lead_profile_id(&lead) {
            Ok(id) => id,
            Err(why) => return fail(&lead, &why),
        };
        // The account's ids, before anything changes (fetched once, then kept).
        let own = shared::own_ids()?;
        let page = browser::goto(&id.canonical_url())?;
        if text::is_not_found(&page.url) {
            return fail(&lead, "profile not found");
        }
        let new = discover_quietly()?;
        let fetched = match linkedin::voyager::fetch_profile(&id) {
            Ok(Some(f)) => f,
            Ok(None) => return fail(&lead, "profile not available (Voyager 403/404)"),
            // A response that cannot be parsed will not parse next time either.
            Err(Error::Invalid(why)) => return fail(&lead, &why),
            Err(e) => return Err(e),
        };
        let profile = fetched.profile;
        let json = serde_json::to_string(&profile)
            .map_err(|e| Error::internal(format!("cannot serialise the profile: {e}")))?;
        match crm::save_profile(lead.id, &json, Some(&fetched.raw)) {
            Ok(()) => {}
            // Not this lead's person (a redirect to someone else): never merge two people.
            Err(Error::Invalid(why)) => return fail(&lead, &format!("profile not saved: {why}")),
            Err(e) => return Err(e),
        }
        let name = text::describe(
            profile.full_name.as_deref().or(lead.full_name.as_deref()),
            &lead.public_id,
        );
        // Saving may have merged the lead with another record of the same person that is
        // further along (already invited...): only a lead that is now enriched is sorted here.
        let now = crm::get_lead(lead.id)?;
        if now.stage != Stage::Enriched {
            return Ok(Report::worked(format!(
                "enriched {name} (already {} through another record), {new} new people discovered",
                shared::stage_name(now.stage)
            )));
        }
        if text::is_own_profile(&profile, &own) {
            crm::set_stage(lead.id, Stage::Ignored, "own profile")?;
            return Ok(Report::worked(format!(
                "enriched {name}: the account's own profile, ignored; {new} new people discovered"
            )));
        }
        let mut outcome = String::new();
        if profile.connection_degree == Some(1) {
            match shared::settings()?.existing_connections {
                ExistingConnections::Ignore => {
                    crm::set_stage(
                        lead.id,
                        Stage::Ignored,
                        "already connected before the campaign",
                    )?;
                    outcome = ": already connected, ignored".into();
                }
                ExistingConnections::Connected => {
                    // enriched → connected is not a transition: the lead is qualified like
                    // anyone, and the connect lane moves it to connected when it finds the
                    // connection.
                    info!("enrich: {name} is already a connection; kept as a prospect");
                    outcome = ": already connected, kept as a prospect".into();
                }
            }
        }
        Ok(Report::worked(format!(
            "enriched {name}{outcome}, {new} new people discovered"
        )))
    }
}
