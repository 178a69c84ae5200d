//! Scenario: the simulated world loaded at start or reset (§7.2 of the reference).
//!
//! A scenario is plain serde data. Everything except `viewer` and `people` has a default, and
//! every person field except `handle`, `first` and `last` has one too, so a hand-written
//! scenario stays short. Missing identifiers (`profile_id`, `member_id`, geo and company URNs)
//! are derived deterministically from the handle or the name by [`Scenario::normalize`].

use serde::{Deserialize, Serialize};

use crate::faults::Fault;

/// Why a scenario could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The text is not a valid scenario JSON document.
    #[error("scenario JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// Two people (or a person and the viewer) share a handle.
    #[error("duplicate handle `{0}`")]
    DuplicateHandle(String),
    /// A handle is empty or contains a `/`, `?` or `#`.
    #[error("invalid handle `{0}`")]
    InvalidHandle(String),
}

/// The whole simulated world: who is logged in, who exists, limits, options and faults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scenario {
    /// The account the automation logs in as.
    pub viewer: Viewer,
    /// Everyone else on the simulated network, in a stable order (feed, search and typeahead use it).
    pub people: Vec<Person>,
    /// Invitations allowed in any rolling 7 days of the sim clock; `null` means unlimited.
    #[serde(default = "default_weekly_limit")]
    pub weekly_limit: Option<u32>,
    /// Invitations allowed in any rolling 24 hours of the sim clock; absent means unlimited.
    #[serde(default)]
    pub daily_limit: Option<u32>,
    /// Session lifetime in seconds: the `li_at` Max-Age and the server-side expiry (sim clock).
    #[serde(default = "default_session_ttl_s")]
    pub session_ttl_s: u64,
    /// Emit `https://www.linkedin.com/in/<handle>/` hrefs instead of relative `/in/<handle>/`.
    #[serde(default)]
    pub absolute_links: bool,
    /// The Enter key sends a message (the real "Press Enter to send" setting).
    #[serde(default)]
    pub enter_sends: bool,
    /// CONNECTED relationships use `{"connectedMember":{}}` instead of the realistic `*connection`.
    #[serde(default)]
    pub legacy_connected_key: bool,
    /// Sim-clock speed: `now = start + real_elapsed × clock_factor + advanced`.
    #[serde(default = "default_clock_factor")]
    pub clock_factor: f64,
    /// Sim-clock value (Unix ms) at start or reset; absent means the real time at that moment.
    #[serde(default)]
    pub clock_start_ms: Option<u64>,
    /// How many post-author links the feed shows.
    #[serde(default = "default_feed_authors")]
    pub feed_authors: usize,
    /// Days after a withdrawal during which a new invitation to the same person is refused.
    #[serde(default = "default_reinvite_cooldown_days")]
    pub reinvite_cooldown_days: u32,
    /// Faults active from the start (see [`Fault`]).
    #[serde(default)]
    pub faults: Vec<Fault>,
    /// Where unauthenticated page requests are redirected.
    #[serde(default)]
    pub unauth_redirect: UnauthRedirect,
    /// The invite modal offers `<button>Send now</button>` instead of "Send without a note".
    #[serde(default)]
    pub send_now_button: bool,
    /// Search results carry two links per person (image and name).
    #[serde(default)]
    pub search_duplicate_links: bool,
    /// The viewer appears in search results when it matches.
    #[serde(default)]
    pub search_include_self: bool,
    /// The Voyager route answers 400 unless `x-restli-protocol-version: 2.0.0` is sent.
    #[serde(default)]
    pub require_restli_header: bool,
    /// The PIN that solves a checkpoint when typed into the challenge page.
    #[serde(default = "default_checkpoint_pin")]
    pub checkpoint_pin: String,
    /// The persisted GraphQL query ids the messaging API answers (LinkedIn rotates them: a
    /// test sets others to see a client with stale ids refused).
    #[serde(default)]
    pub messaging_queries: MessagingQueries,
}

/// The query ids of the messaging GraphQL API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessagingQueries {
    /// The conversation list (`messengerConversations.<id>`).
    pub conversations: String,
    /// The messages of one conversation (`messengerMessages.<id>`).
    pub messages: String,
}

/// The conversation list's query id the simulator answers by default.
pub const DEFAULT_CONVERSATIONS_QUERY: &str =
    "messengerConversations.0d5e6781bbee71c3e51c8843c6519f48";
/// The messages query id the simulator answers by default.
pub const DEFAULT_MESSAGES_QUERY: &str = "messengerMessages.5846eeb71c981f11e0134cb6626cc314";

impl Default for MessagingQueries {
    fn default() -> MessagingQueries {
        MessagingQueries {
            conversations: DEFAULT_CONVERSATIONS_QUERY.to_string(),
            messages: DEFAULT_MESSAGES_QUERY.to_string(),
        }
    }
}

fn default_weekly_limit() -> Option<u32> {
    Some(100)
}
fn default_session_ttl_s() -> u64 {
    30 * 24 * 3600
}
fn default_clock_factor() -> f64 {
    1.0
}
fn default_feed_authors() -> usize {
    8
}
fn default_reinvite_cooldown_days() -> u32 {
    21
}
fn default_checkpoint_pin() -> String {
    "123456".to_string()
}
fn default_true() -> bool {
    true
}
fn default_country_code() -> String {
    "us".to_string()
}

/// Where an unauthenticated request for a page that needs a session is sent (§7.3).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnauthRedirect {
    /// `/login?session_redirect=<percent-encoded absolute URL>` (LinkedIn's usual answer).
    #[default]
    SessionRedirect,
    /// `/authwall?trk=bf&sessionRedirect=<percent-encoded absolute URL>`.
    Authwall,
    /// A bare `/login`.
    Bare,
}

/// The logged-in account: its credentials plus its own profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Viewer {
    /// Login e-mail (compared case-insensitively, surrounding spaces ignored).
    pub email: String,
    /// Login password (compared exactly).
    pub password: String,
    /// The viewer's own profile (its `handle` is the self link; Voyager `me` answers with it).
    #[serde(flatten)]
    pub profile: Person,
}

/// LinkedIn connection distance of a person from the viewer when not connected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Distance {
    /// 2nd degree.
    #[default]
    #[serde(rename = "DISTANCE_2")]
    Distance2,
    /// 3rd degree.
    #[serde(rename = "DISTANCE_3")]
    Distance3,
    /// Outside the viewer's network (no badge shown).
    #[serde(rename = "OUT_OF_NETWORK")]
    OutOfNetwork,
}

impl Distance {
    /// The Voyager `memberDistance` value.
    pub fn as_voyager(self) -> &'static str {
        match self {
            Distance::Distance2 => "DISTANCE_2",
            Distance::Distance3 => "DISTANCE_3",
            Distance::OutOfNetwork => "OUT_OF_NETWORK",
        }
    }
}

/// Which top-card markup a profile page uses when the viewer is not connected (§7.4 table).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UiVariant {
    /// A Connect button in the card.
    #[default]
    DirectConnect,
    /// A Follow button; Connect is an item of the More dropdown inside the card.
    FollowPrimaryConnectInMore,
    /// A Follow button; the More dropdown is appended to `<body>` (outside the card).
    ConnectInMorePortal,
    /// Modern server-driven UI markup (`section[componentkey…]`, `button[aria-label="More"]`).
    Sdui,
    /// No way to connect at all.
    NoConnect,
}

/// What a simulated person's reply answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplyAfter {
    /// The accepted invitation (and its note): the reply comes before any message of ours.
    Accepted,
    /// Our `n`-th message to them (1 = the first).
    Message(u32),
}

/// What a simulated reply says, for tests that check its classification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplyKind {
    /// Wants to talk.
    Interested,
    /// Declines politely.
    NotInterested,
    /// Asks never to be contacted again.
    Stop,
    /// An automatic out-of-office answer.
    OutOfOffice,
}

/// One reply a simulated person sends: `delay_ms` (sim clock) after what it answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyPlan {
    /// What it answers.
    pub after: ReplyAfter,
    /// How long after that (sim ms).
    pub delay_ms: u64,
    /// Its text.
    pub text: String,
    /// What it means.
    pub kind: ReplyKind,
}

/// How a connected person's page offers messaging.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageVariant {
    /// A `Message <Name>` button in the card.
    #[default]
    DirectButton,
    /// Only a `<Name> to message` item in the More menu.
    OverflowOnly,
    /// No message control at all.
    None,
}

/// The viewer's relationship with a person when the scenario starts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InitialRelationship {
    /// Not connected, no invitation.
    #[default]
    None,
    /// An invitation from the viewer is pending (sent at the scenario start).
    Pending,
    /// 1st-degree connection.
    Connected,
}

/// A geographic location as Voyager describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Geo {
    /// `urn:li:fsd_geo:<n>`; derived from the name when empty.
    #[serde(default)]
    pub urn: String,
    /// `defaultLocalizedName`, e.g. "Berlin, Berlin, Germany"; the person's `location` when empty.
    #[serde(default)]
    pub name: String,
    /// `defaultLocalizedNameWithoutCountryName`, e.g. "Berlin, Berlin".
    #[serde(default)]
    pub name_without_country: String,
}

/// An industry as Voyager describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Industry {
    /// `urn:li:fsd_industry:<n>`; derived from the name when empty.
    #[serde(default)]
    pub urn: String,
    /// Display name, e.g. "Software Development".
    pub name: String,
}

/// A year and optional month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct YearMonth {
    /// Calendar year.
    pub year: u16,
    /// Month 1–12, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub month: Option<u8>,
}

/// One job of a person, newest first in [`Person::positions`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    /// Job title.
    pub title: String,
    /// Employer name.
    pub company_name: String,
    /// `urn:li:fsd_company:<n>`; derived from the company name when empty.
    #[serde(default)]
    pub company_urn: String,
    /// Where the job is (may be absent).
    #[serde(default)]
    pub location: Option<String>,
    /// Start date.
    pub start: YearMonth,
    /// End date; `None` for a current job.
    #[serde(default)]
    pub end: Option<YearMonth>,
    /// Free-text description.
    #[serde(default)]
    pub description: Option<String>,
}

/// One school entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Education {
    /// School name.
    pub school_name: String,
    /// Degree, e.g. "Master of Business Administration (MBA)".
    #[serde(default)]
    pub degree_name: Option<String>,
    /// Field of study.
    #[serde(default)]
    pub field_of_study: Option<String>,
    /// Start date.
    #[serde(default)]
    pub start: Option<YearMonth>,
    /// End date.
    #[serde(default)]
    pub end: Option<YearMonth>,
}

/// A simulated LinkedIn member (§7.2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Person {
    /// Public identifier, the `<id>` of `/in/<id>/`.
    pub handle: String,
    /// First name.
    pub first: String,
    /// Last name.
    pub last: String,
    /// Headline under the name.
    #[serde(default)]
    pub headline: String,
    /// "About" text.
    #[serde(default)]
    pub summary: Option<String>,
    /// Location shown in the top card; the geo name when empty.
    #[serde(default)]
    pub location: String,
    /// Voyager geo entity (derived from `location` when left empty).
    #[serde(default)]
    pub geo: Geo,
    /// Lower-case ISO country code (`location.countryCode`).
    #[serde(default = "default_country_code")]
    pub country_code: String,
    /// Industry, if any.
    #[serde(default)]
    pub industry: Option<Industry>,
    /// Jobs, newest first.
    #[serde(default)]
    pub positions: Vec<Position>,
    /// Schools, newest first.
    #[serde(default)]
    pub educations: Vec<Education>,
    /// The `<ID>` of `urn:li:fsd_profile:<ID>` (`ACoAA…`); derived from the handle when empty.
    #[serde(default)]
    pub profile_id: String,
    /// The member number of `urn:li:member:<n>` and of `data-member-id`; derived when 0.
    #[serde(default)]
    pub member_id: u64,
    /// Distance when not connected.
    #[serde(default)]
    pub distance: Distance,
    /// Top-card markup variant.
    #[serde(default)]
    pub ui_variant: UiVariant,
    /// Message control variant (when connected).
    #[serde(default)]
    pub message_variant: MessageVariant,
    /// Relationship at scenario start.
    #[serde(default)]
    pub relationship: InitialRelationship,
    /// Auto-accept this long (sim ms) after an invitation is sent.
    #[serde(default)]
    pub accept_after_ms: Option<u64>,
    /// Auto-decline this long (sim ms) after an invitation is sent.
    #[serde(default)]
    pub decline_after_ms: Option<u64>,
    /// Voyager answers 403; the page shows neither Connect nor Pending.
    #[serde(default)]
    pub restricted: bool,
    /// `false` makes the person behave like an unknown handle (404).
    #[serde(default = "default_true")]
    pub exists: bool,
    /// When set and different from `handle`, `/in/<handle>/…` redirects to `/in/<canonical>/`.
    #[serde(default)]
    pub canonical_handle: Option<String>,
    /// The invite modal asks for the member's e-mail address.
    #[serde(default)]
    pub email_required: bool,
    /// Voyager serves the real fixture `tests/data/voyager/linkedin_profile.json` verbatim.
    #[serde(default)]
    pub fixture: bool,
    /// Messages this person already sent the viewer (shown in the thread).
    #[serde(default)]
    pub incoming: Vec<String>,
    /// Replies this person sends while the simulator runs, each once.
    #[serde(default)]
    pub replies: Vec<ReplyPlan>,
}

impl Person {
    /// "First Last".
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first, self.last).trim().to_string()
    }

    /// The handle pages redirect to (`canonical_handle` or the handle itself).
    pub fn canonical(&self) -> &str {
        match &self.canonical_handle {
            Some(c) if !c.is_empty() => c,
            _ => &self.handle,
        }
    }

    /// `urn:li:fsd_profile:<ID>`.
    pub fn profile_urn(&self) -> String {
        format!("urn:li:fsd_profile:{}", self.profile_id)
    }

    /// The text search matches against: headline, titles, companies, industry and location.
    pub fn search_text(&self) -> String {
        let mut text = String::new();
        text.push_str(&self.headline);
        for p in &self.positions {
            text.push('\n');
            text.push_str(&p.title);
            text.push('\n');
            text.push_str(&p.company_name);
        }
        if let Some(i) = &self.industry {
            text.push('\n');
            text.push_str(&i.name);
        }
        text.push('\n');
        text.push_str(&self.location);
        text.push('\n');
        text.push_str(&self.geo.name);
        text.to_lowercase()
    }

    /// A minimal person with every optional field defaulted (for building scenarios in code).
    pub fn new(handle: &str, first: &str, last: &str) -> Person {
        Person {
            handle: handle.to_string(),
            first: first.to_string(),
            last: last.to_string(),
            headline: String::new(),
            summary: None,
            location: String::new(),
            geo: Geo::default(),
            country_code: default_country_code(),
            industry: None,
            positions: Vec::new(),
            educations: Vec::new(),
            profile_id: String::new(),
            member_id: 0,
            distance: Distance::default(),
            ui_variant: UiVariant::default(),
            message_variant: MessageVariant::default(),
            relationship: InitialRelationship::default(),
            accept_after_ms: None,
            decline_after_ms: None,
            restricted: false,
            exists: true,
            canonical_handle: None,
            email_required: false,
            fixture: false,
            incoming: Vec::new(),
            replies: Vec::new(),
        }
    }

    fn normalize(&mut self) {
        if self.profile_id.is_empty() {
            self.profile_id = derive_profile_id(&self.handle);
        }
        if self.member_id == 0 {
            self.member_id = 10_000_000 + fnv1a(self.handle.as_bytes()) % 900_000_000;
        }
        if self.geo.name.is_empty() {
            self.geo.name = self.location.clone();
        }
        if self.location.is_empty() {
            self.location = self.geo.name.clone();
        }
        if self.geo.name_without_country.is_empty() {
            let name = &self.geo.name;
            self.geo.name_without_country = match name.rfind(", ") {
                Some(i) => name[..i].to_string(),
                None => name.clone(),
            };
        }
        if self.geo.urn.is_empty() && !self.geo.name.is_empty() {
            self.geo.urn = format!(
                "urn:li:fsd_geo:{}",
                100_000_000 + fnv1a(self.geo.name.as_bytes()) % 9_000_000
            );
        }
        if let Some(ind) = &mut self.industry
            && ind.urn.is_empty()
        {
            ind.urn = format!(
                "urn:li:fsd_industry:{}",
                1 + fnv1a(ind.name.as_bytes()) % 3000
            );
        }
        for p in &mut self.positions {
            if p.company_urn.is_empty() {
                p.company_urn = company_urn_for(&p.company_name);
            }
        }
        self.country_code = self.country_code.to_lowercase();
    }
}

/// `urn:li:fsd_company:<n>` derived from a company name (stable).
pub fn company_urn_for(name: &str) -> String {
    format!(
        "urn:li:fsd_company:{}",
        1000 + fnv1a(name.as_bytes()) % 9_000_000
    )
}

/// FNV-1a 64-bit hash: stable identifiers derived from text.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

const ID_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";

/// A LinkedIn-style profile id (`ACoAA` + 34 characters) derived from a handle.
pub fn derive_profile_id(handle: &str) -> String {
    let mut rng = crate::generate::SplitMix64::new(fnv1a(handle.as_bytes()));
    let mut id = String::from("ACoAA");
    for _ in 0..34 {
        let i = (rng.next_u64() % ID_ALPHABET.len() as u64) as usize;
        id.push(char::from(ID_ALPHABET[i]));
    }
    id
}

fn valid_handle(h: &str) -> bool {
    !h.is_empty() && !h.contains(['/', '?', '#'])
}

impl Scenario {
    /// A deterministic population of `people` varied people (see [`crate::generate`]).
    pub fn generate(seed: u64, people: usize) -> Scenario {
        crate::generate::generate(seed, people)
    }

    /// Parses a scenario JSON document and fills derived identifiers.
    pub fn from_json(text: &str) -> Result<Scenario, ScenarioError> {
        let mut scenario: Scenario = serde_json::from_str(text)?;
        scenario.normalize()?;
        Ok(scenario)
    }

    /// The scenario as pretty JSON.
    pub fn to_json(&self) -> String {
        // Serialising plain data with string keys cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// A person by handle (exact match).
    pub fn person(&self, handle: &str) -> Option<&Person> {
        self.people.iter().find(|p| p.handle == handle)
    }

    /// Fills derived identifiers and checks handles are valid and unique.
    pub fn normalize(&mut self) -> Result<(), ScenarioError> {
        let mut seen = std::collections::HashSet::new();
        for p in std::iter::once(&mut self.viewer.profile).chain(self.people.iter_mut()) {
            if !valid_handle(&p.handle) {
                return Err(ScenarioError::InvalidHandle(p.handle.clone()));
            }
            if !seen.insert(p.handle.clone()) {
                return Err(ScenarioError::DuplicateHandle(p.handle.clone()));
            }
            p.normalize();
        }
        if !self.clock_factor.is_finite() || self.clock_factor < 0.0 {
            self.clock_factor = 1.0;
        }
        Ok(())
    }

    /// A small scenario built in code: a viewer and `people` (already complete persons).
    pub fn with_people(viewer: Viewer, people: Vec<Person>) -> Scenario {
        Scenario {
            viewer,
            people,
            weekly_limit: default_weekly_limit(),
            daily_limit: None,
            session_ttl_s: default_session_ttl_s(),
            absolute_links: false,
            enter_sends: false,
            legacy_connected_key: false,
            clock_factor: default_clock_factor(),
            clock_start_ms: None,
            feed_authors: default_feed_authors(),
            reinvite_cooldown_days: default_reinvite_cooldown_days(),
            faults: Vec::new(),
            unauth_redirect: UnauthRedirect::default(),
            send_now_button: false,
            search_duplicate_links: false,
            search_include_self: false,
            require_restli_header: false,
            checkpoint_pin: default_checkpoint_pin(),
            messaging_queries: MessagingQueries::default(),
        }
    }
}
