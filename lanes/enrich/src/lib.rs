//! The enrich lane (a filler): visits the profile of the oldest discovered lead like a person
//! would, stores its Voyager profile (which makes the lead enriched), and sets aside the
//! account's own profile and, per the campaign's `existing_connections`, people who were
//! connections before the campaign.

use outlane_sdk::crm::{self, Lead};
use outlane_sdk::linkedin;
use outlane_sdk::prelude::*;

/// What the campaign wants done with people who were connections before the campaign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExistingConnections {
    /// Leave them alone: the enrich lane marks them ignored (the default).
    #[default]
    Ignore,
    /// Treat them as prospects: they stay enriched, are qualified like anyone, and the
    /// connect lane, finding them connected, moves them to connected for the follow-up.
    Connected,
}

/// The campaign settings the enrich lane reads (the campaign's `settings_json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(default)]
pub struct CampaignSettings {
    /// `existing_connections`: "ignore" (default) or "connected".
    pub existing_connections: ExistingConnections,
}

impl CampaignSettings {
    /// The campaign's settings, read leniently: settings that do not fit (an unknown value)
    /// give the defaults, with a warning, rather than stopping the lane.
    pub fn of(campaign: &crm::Campaign) -> CampaignSettings {
        match campaign.settings::<CampaignSettings>() {
            Ok(settings) => settings,
            Err(e) => {
                warn!("enrich: {}; using the defaults", e.message());
                CampaignSettings::default()
            }
        }
    }
}

/// Whether a URL is LinkedIn's "page not found" (its path starts with `/404`).
pub fn is_not_found(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let path = rest.find('/').map_or("/", |i| &rest[i..]);
    path.starts_with("/404")
}

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
    warn!("enrich: {}: {reason}", lead.who());
    Ok(Report::worked(format!(
        "enrich: {} failed: {reason}",
        lead.who()
    )))
}

impl Lane for Enrich {
    type Config = EnrichConfig;
    const SUMMARY: &'static str =
        "stores the LinkedIn profile of each discovered lead, oldest first";

    fn new(_config: EnrichConfig) -> Result<Self> {
        Ok(Enrich)
    }

    fn readiness(&mut self, _ctx: &Context) -> Result<Readiness> {
        Ok(Readiness::when(
            crm::count(Stage::Discovered)? > 0,
            || "no discovered lead to enrich",
        ))
    }

    fn execute(&mut self, _ctx: &Context) -> Result<Report> {
        let Some(lead) = crm::leads(Stage::Discovered, 1)?.into_iter().next() else {
            return Ok(Report::idle("no discovered lead to enrich"));
        };
        let id = match lead.profile_id().map_err(|e| e.message().to_string()) {
            Ok(id) => id,
            Err(why) => return fail(&lead, &why),
        };
        // The account's ids, before anything changes (fetched once, then kept).
        let own = linkedin::own::ids()?;
        let page = browser::goto(&id.canonical_url())?;
        if is_not_found(&page.url) {
            return fail(&lead, "profile not found");
        }
        let new = linkedin::discover::discover_quietly()?;
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
        let name = crm::describe(
            profile.full_name.as_deref().or(lead.full_name.as_deref()),
            &lead.public_id,
        );
        // Saving may have merged the lead with another record of the same person that is
        // further along (already invited...): only a lead that is now enriched is sorted here.
        let now = crm::get_lead(lead.id)?;
        if now.stage != Stage::Enriched {
            return Ok(Report::worked(format!(
                "enriched {name} (already {} through another record), {new} new people discovered",
                now.stage
            )));
        }
        if linkedin::own::is_own_profile(&profile, &own) {
            crm::set_stage(lead.id, Stage::Ignored, "own profile")?;
            return Ok(Report::worked(format!(
                "enriched {name}: the account's own profile, ignored; {new} new people discovered"
            )));
        }
        let mut outcome = String::new();
        if profile.connection_degree == Some(1) {
            match CampaignSettings::of(&crm::current_campaign()?).existing_connections {
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

// The lane as a WebAssembly component: in a wasm build (natively the crate is a library, for
// its unit tests), with the `export` feature (on by default; off where the source is reused
// as a module of another lane).
#[cfg(all(target_arch = "wasm32", feature = "export"))]
outlane_sdk::export_lane!(Enrich);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_and_not_found_pages() {
        let parse = |text: &str| serde_json::from_str::<CampaignSettings>(text);
        assert_eq!(
            parse(r#"{"existing_connections":"connected"}"#)
                .unwrap()
                .existing_connections,
            ExistingConnections::Connected
        );
        assert_eq!(parse("{}").unwrap(), CampaignSettings::default());
        assert!(parse(r#"{"existing_connections":"weird"}"#).is_err());
        assert!(is_not_found("https://www.linkedin.com/404/"));
        assert!(!is_not_found("https://www.linkedin.com/in/x/?r=/404"));
    }
}
