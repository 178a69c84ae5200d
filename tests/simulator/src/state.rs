//! The mutable world of a running simulator: sessions, relationships, invitations, messages,
//! quota, checkpoint, request log, faults and the sim clock.
//!
//! [`SimState`] is a cheap, cloneable handle; every access locks the [`World`] briefly and
//! first applies what the sim clock made due (auto-accept, auto-decline, checkpoint auto-solve).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::faults::{Fault, FaultKind, FaultSet};
use crate::generate::SplitMix64;
use crate::scenario::{InitialRelationship, Person, ReplyAfter, ReplyKind, Scenario, fnv1a};

const DAY_MS: u64 = 24 * 3_600_000;

/// The request log keeps at most this many entries (the oldest tenth is dropped when full).
pub const MAX_LOGGED_REQUESTS: usize = 100_000;

/// The viewer's relationship with one person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Relationship {
    /// Not connected, no invitation.
    None,
    /// The viewer's invitation is pending.
    Pending {
        /// The number of `urn:li:fsd_invitation:<n>`.
        invitation_id: u64,
        /// When it was sent (sim ms).
        sent_at_ms: u64,
        /// The note sent with it.
        note: Option<String>,
    },
    /// 1st-degree connection.
    Connected {
        /// Since when (sim ms).
        since_ms: u64,
    },
    /// The viewer withdrew the invitation (re-inviting is blocked for the cooldown).
    Withdrawn {
        /// When (sim ms).
        at_ms: u64,
    },
    /// The person declined (ignored) the invitation.
    Declined {
        /// When (sim ms).
        at_ms: u64,
    },
}

impl Relationship {
    /// The serialisable state name.
    pub fn state(&self) -> RelationshipState {
        match self {
            Relationship::None => RelationshipState::None,
            Relationship::Pending { .. } => RelationshipState::Pending,
            Relationship::Connected { .. } => RelationshipState::Connected,
            Relationship::Withdrawn { .. } => RelationshipState::Withdrawn,
            Relationship::Declined { .. } => RelationshipState::Declined,
        }
    }
}

/// A relationship state as it appears in a [`Snapshot`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RelationshipState {
    /// Not connected; Connect is offered.
    None,
    /// Invitation pending.
    Pending,
    /// Connected (1st degree).
    Connected,
    /// Invitation withdrawn; Connect is offered but re-inviting is refused during the cooldown.
    Withdrawn,
    /// Invitation declined; Connect is offered again.
    Declined,
}

/// What happened to an invitation the viewer sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvitationState {
    /// Still pending.
    Pending,
    /// Accepted (now connected).
    Accepted,
    /// Declined by the invitee.
    Declined,
    /// Withdrawn by the viewer.
    Withdrawn,
}

/// An invitation sent during the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationRecord {
    /// The invitee.
    pub handle: String,
    /// The note, if one was added.
    pub note: Option<String>,
    /// When it was sent (sim ms).
    pub at_ms: u64,
    /// The number of `urn:li:fsd_invitation:<n>`.
    pub invitation_id: u64,
    /// Its current state.
    pub state: InvitationState,
    /// When it stopped being pending (accepted, declined or withdrawn; sim ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_ms: Option<u64>,
    /// The e-mail typed into an e-mail-required modal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// Where a message was sent from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// The overlay opened from a profile page.
    Popup,
    /// The messaging page (`/messaging/thread/…`).
    MessagingPage,
}

/// A message the viewer sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageRecord {
    /// Recipient handle.
    pub to_handle: String,
    /// The text (the compose box's innerText without trailing newlines).
    pub text: String,
    /// Where it was sent from.
    pub channel: Channel,
    /// When (sim ms).
    pub at_ms: u64,
    /// Its place among all messages of the simulator, both ways (from 1).
    #[serde(default)]
    pub seq: u64,
}

/// A view of a person's profile page by the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileView {
    /// Whose profile.
    pub handle: String,
    /// When (sim ms).
    pub at_ms: u64,
}

/// A message a person sent the viewer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboundRecord {
    /// Sender handle.
    pub from_handle: String,
    /// The text.
    pub text: String,
    /// When it arrived (sim ms).
    pub at_ms: u64,
    /// What a planned or injected reply means; `None` for messages present at start.
    #[serde(default)]
    pub kind: Option<ReplyKind>,
    /// Its place among all messages of the simulator, both ways (from 1).
    #[serde(default)]
    pub seq: u64,
}

/// One logged HTTP request (§7.2 request log).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestRecord {
    /// Sequence number, from 1.
    pub id: u64,
    /// HTTP method.
    pub method: String,
    /// Path, as sent (percent-encoded).
    pub path: String,
    /// Raw query string ("" when absent).
    pub query: String,
    /// `csrf-token` header.
    pub csrf_token: Option<String>,
    /// `accept` header.
    pub accept: Option<String>,
    /// `x-restli-protocol-version` header.
    pub x_restli_protocol_version: Option<String>,
    /// `x-li-lang` header.
    pub x_li_lang: Option<String>,
    /// `referer` header.
    pub referer: Option<String>,
    /// `user-agent` header.
    pub user_agent: Option<String>,
    /// Names of the cookies sent.
    pub cookies: Vec<String>,
    /// Arrival time (sim ms).
    pub at_ms: u64,
    /// Response status, once answered.
    pub status: Option<u16>,
}

/// A serialisable view of the world for assertions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// The sim clock (Unix ms).
    pub now_ms: u64,
    /// Relationship per handle (every person of the scenario).
    pub relationships: BTreeMap<String, RelationshipState>,
    /// Invitations sent during the run, oldest first.
    pub invitations: Vec<InvitationRecord>,
    /// Messages sent during the run, oldest first.
    pub messages: Vec<MessageRecord>,
    /// Messages people sent the viewer, in arrival order.
    #[serde(default)]
    pub inbound: Vec<InboundRecord>,
    /// The account's views of other people's profile pages, oldest first.
    #[serde(default)]
    pub profile_views: Vec<ProfileView>,
    /// Number of valid, unexpired sessions.
    pub sessions: usize,
    /// Number of login form submissions.
    pub login_submits: u32,
    /// Number of codes submitted on checkpoint challenge pages (right or wrong).
    pub pin_submits: u32,
    /// Whether a checkpoint challenge is waiting to be solved.
    pub checkpoint_pending: bool,
    /// Active faults with their remaining counts.
    pub faults: Vec<Fault>,
    /// Invitations counted against the weekly limit now.
    pub invitations_last_7_days: u32,
}

/// A login session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The `li_at` cookie value.
    pub li_at: String,
    /// The JSESSIONID without quotes (`ajax:<19 digits>`), i.e. the expected `csrf-token`.
    pub jsessionid: String,
    /// Expiry (sim ms).
    pub expires_ms: u64,
    /// `false` once expired through the control API.
    pub valid: bool,
}

/// Why a checkpoint was raised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckpointKind {
    /// At login: the session is created once the challenge is solved.
    Login {
        /// Where to go after solving (a path), default `/feed/`.
        redirect: String,
    },
    /// In the middle of a session: pages are blocked until solved.
    MidSession {
        /// The path the blocked request asked for.
        redirect: String,
    },
}

/// A security-check challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The `<token>` of `/checkpoint/challenge/<token>`.
    pub token: String,
    /// Why it was raised.
    pub kind: CheckpointKind,
    /// When (sim ms).
    pub raised_ms: u64,
    /// Auto-solve delay (sim ms).
    pub auto_solve_ms: Option<u64>,
    /// Solved (by the control API, the PIN or the auto-solve delay).
    pub solved: bool,
}

/// The result of an invitation attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InviteOutcome {
    /// Sent; the relationship is now PENDING.
    Ok {
        /// The number of `urn:li:fsd_invitation:<n>`.
        invitation_id: u64,
    },
    /// Weekly (or daily) limit reached; nothing sent.
    Limited,
    /// Refused with this user-facing text; nothing sent.
    Error(String),
}

/// One entry of a conversation with a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadEntry {
    /// `true` for the viewer's messages.
    pub from_viewer: bool,
    /// The text.
    pub text: String,
    /// When (sim ms).
    pub at_ms: u64,
    /// Its place among all messages (the key of its urn).
    pub seq: u64,
}

#[derive(Debug, Clone)]
struct Clock {
    origin: Instant,
    start_ms: u64,
    factor: f64,
    advanced_ms: u64,
}

impl Clock {
    fn new(scenario: &Scenario) -> Clock {
        let real = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        Clock {
            origin: Instant::now(),
            start_ms: scenario.clock_start_ms.unwrap_or(real),
            factor: scenario.clock_factor,
            advanced_ms: 0,
        }
    }

    fn now(&self) -> u64 {
        let elapsed = self.origin.elapsed().as_secs_f64() * 1000.0 * self.factor;
        self.start_ms + elapsed as u64 + self.advanced_ms
    }
}

/// The whole mutable state. Obtain it through [`SimState::with`].
#[derive(Debug)]
pub struct World {
    scenario: Scenario,
    index: HashMap<String, usize>,
    relationships: HashMap<String, Relationship>,
    invitations: Vec<InvitationRecord>,
    messages: Vec<MessageRecord>,
    inbound: Vec<InboundRecord>,
    profile_views: Vec<ProfileView>,
    /// Planned replies not delivered yet: (handle, index in the person's `replies`).
    waiting_replies: Vec<(String, usize)>,
    next_message_seq: u64,
    sessions: HashMap<String, Session>,
    login_submits: u32,
    pin_submits: u32,
    checkpoint: Option<Checkpoint>,
    requests: Vec<RequestRecord>,
    next_request_id: u64,
    faults: FaultSet,
    clock: Clock,
    sends: Vec<u64>,
    rng: SplitMix64,
    next_invitation_id: u64,
    ember: u64,
}

const TOKEN_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

impl World {
    /// A fresh world for `scenario` (normalised first; an invalid one is used as it is).
    pub fn new(mut scenario: Scenario) -> World {
        if let Err(e) = scenario.normalize() {
            tracing::warn!("scenario: {e}");
        }
        let clock = Clock::new(&scenario);
        let seed = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x1234_5678);
        let mut rng = SplitMix64::new(seed);
        let mut next_invitation_id = 7_000_000_000_000_000_000 + rng.below(1_000_000_000_000);
        let start = clock.now();
        let mut index = HashMap::new();
        let mut relationships = HashMap::new();
        for (i, p) in scenario.people.iter().enumerate() {
            if let Some(c) = &p.canonical_handle {
                index.entry(c.clone()).or_insert(i);
            }
            index.insert(p.handle.clone(), i);
            let rel = match p.relationship {
                InitialRelationship::None => Relationship::None,
                InitialRelationship::Pending => {
                    next_invitation_id += 1;
                    Relationship::Pending {
                        invitation_id: next_invitation_id,
                        sent_at_ms: start,
                        note: None,
                    }
                }
                InitialRelationship::Connected => Relationship::Connected { since_ms: start },
            };
            relationships.insert(p.handle.clone(), rel);
        }
        let faults = FaultSet::new(scenario.faults.clone());
        let mut inbound = Vec::new();
        let mut waiting_replies = Vec::new();
        // Messages present at start arrived one minute apart before it, in scenario order.
        let earlier: u64 = scenario
            .people
            .iter()
            .map(|p| p.incoming.len() as u64)
            .sum();
        for p in &scenario.people {
            for text in &p.incoming {
                let seq = inbound.len() as u64 + 1;
                inbound.push(InboundRecord {
                    from_handle: p.handle.clone(),
                    text: text.clone(),
                    at_ms: start.saturating_sub((earlier + 1 - seq) * 60_000),
                    kind: None,
                    seq,
                });
            }
            waiting_replies.extend((0..p.replies.len()).map(|i| (p.handle.clone(), i)));
        }
        let next_message_seq = inbound.len() as u64 + 1;
        World {
            scenario,
            index,
            relationships,
            invitations: Vec::new(),
            messages: Vec::new(),
            inbound,
            profile_views: Vec::new(),
            waiting_replies,
            next_message_seq,
            sessions: HashMap::new(),
            login_submits: 0,
            pin_submits: 0,
            checkpoint: None,
            requests: Vec::new(),
            next_request_id: 0,
            faults,
            clock,
            sends: Vec::new(),
            rng,
            next_invitation_id,
            ember: 0,
        }
    }

    /// The loaded scenario.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// The scenario, to change what its people do from now on (when they accept or decline,
    /// what they reply); who exists and their handles must stay as they are.
    pub fn scenario_mut(&mut self) -> &mut Scenario {
        &mut self.scenario
    }

    /// The sim clock (Unix ms).
    pub fn now(&self) -> u64 {
        self.clock.now()
    }

    /// Moves the sim clock forward.
    pub fn advance_clock(&mut self, ms: u64) {
        self.clock.advanced_ms = self.clock.advanced_ms.saturating_add(ms);
    }

    /// Applies what the sim clock made due: auto-accept/decline, planned replies and
    /// checkpoint auto-solve. A reply falls due on the sim clock and arrives at the first
    /// moment the simulator handles something after that (a simulator has no moments in
    /// between), stamped with that moment's time.
    pub fn tick(&mut self) {
        self.apply_due_changes();
        self.deliver_due_replies();
    }

    fn deliver_due_replies(&mut self) {
        if self.waiting_replies.is_empty() {
            return;
        }
        let now = self.now();
        let mut due = Vec::new();
        self.waiting_replies.retain(|(handle, i)| {
            let Some(plan) = self
                .index
                .get(handle)
                .and_then(|&p| self.scenario.people.get(p))
                .and_then(|p| p.replies.get(*i))
            else {
                return false;
            };
            let trigger = match plan.after {
                ReplyAfter::Accepted => match self.relationships.get(handle) {
                    Some(Relationship::Connected { since_ms }) => Some(*since_ms),
                    _ => None,
                },
                ReplyAfter::Message(n) => self
                    .messages
                    .iter()
                    .filter(|m| &m.to_handle == handle)
                    .nth((n as usize).saturating_sub(1))
                    .map(|m| m.at_ms),
            };
            match trigger {
                Some(t) if t.saturating_add(plan.delay_ms) <= now => {
                    due.push((handle.clone(), plan.text.clone(), plan.kind));
                    false
                }
                _ => true,
            }
        });
        for (handle, text, kind) in due {
            self.receive(&handle, &text, Some(kind));
        }
    }

    /// Records a message from `handle` to the viewer, now. `false` for an unknown person.
    pub fn receive(&mut self, handle: &str, text: &str, kind: Option<ReplyKind>) -> bool {
        let Some(key) = self.person(handle).map(|p| p.handle.clone()) else {
            return false;
        };
        let seq = self.next_seq();
        let at_ms = self.now();
        self.inbound.push(InboundRecord {
            from_handle: key,
            text: text.to_string(),
            at_ms,
            kind,
            seq,
        });
        true
    }

    fn next_seq(&mut self) -> u64 {
        let seq = self.next_message_seq;
        self.next_message_seq += 1;
        seq
    }

    fn apply_due_changes(&mut self) {
        let now = self.now();
        let mut changes = Vec::new();
        for p in &self.scenario.people {
            if let Some(Relationship::Pending { sent_at_ms, .. }) =
                self.relationships.get(&p.handle)
            {
                let accept = p.accept_after_ms.map(|d| sent_at_ms.saturating_add(d));
                let decline = p.decline_after_ms.map(|d| sent_at_ms.saturating_add(d));
                let due = match (accept, decline) {
                    (Some(a), Some(d)) if d < a => Some((false, d)),
                    (Some(a), _) => Some((true, a)),
                    (None, Some(d)) => Some((false, d)),
                    (None, None) => None,
                };
                if let Some((accepted, at)) = due
                    && at <= now
                {
                    changes.push((p.handle.clone(), accepted, at));
                }
            }
        }
        for (handle, accepted, at) in changes {
            if accepted {
                self.set_relationship(&handle, Relationship::Connected { since_ms: at });
                self.mark_invitation(&handle, InvitationState::Accepted, at);
            } else {
                self.set_relationship(&handle, Relationship::Declined { at_ms: at });
                self.mark_invitation(&handle, InvitationState::Declined, at);
            }
        }
        if let Some(cp) = &mut self.checkpoint
            && !cp.solved
            && let Some(delay) = cp.auto_solve_ms
            && now >= cp.raised_ms.saturating_add(delay)
        {
            cp.solved = true;
        }
    }

    fn set_relationship(&mut self, handle: &str, rel: Relationship) {
        self.relationships.insert(handle.to_string(), rel);
    }

    fn mark_invitation(&mut self, handle: &str, state: InvitationState, at_ms: u64) {
        if let Some(inv) = self
            .invitations
            .iter_mut()
            .rev()
            .find(|i| i.handle == handle && i.state == InvitationState::Pending)
        {
            inv.state = state;
            inv.resolved_ms = Some(at_ms);
        }
    }

    /// An existing person by handle or canonical handle (not the viewer).
    pub fn person(&self, handle: &str) -> Option<&Person> {
        let i = self.index.get(handle)?;
        self.scenario.people.get(*i).filter(|p| p.exists)
    }

    /// Whether `handle` is the viewer's own handle (or `me`).
    pub fn is_viewer(&self, handle: &str) -> bool {
        handle == "me" || handle == self.scenario.viewer.profile.handle
    }

    /// The viewer's relationship with the person whose handle is `handle`.
    pub fn relationship(&self, handle: &str) -> Relationship {
        let key = self
            .person(handle)
            .map(|p| p.handle.as_str())
            .unwrap_or(handle);
        self.relationships
            .get(key)
            .cloned()
            .unwrap_or(Relationship::None)
    }

    /// A fresh `ember<N>` number for generated element ids.
    pub fn next_ember(&mut self) -> u64 {
        self.ember += 1;
        100 + self.ember * 7 + self.rng.below(5)
    }

    fn token(&mut self, prefix: &str, len: usize) -> String {
        let mut t = String::from(prefix);
        for _ in 0..len {
            t.push(char::from(*self.rng.pick(TOKEN_ALPHABET)));
        }
        t
    }

    /// A random number with `digits` digits (no leading zero).
    pub fn digits(&mut self, digits: usize) -> String {
        let mut s = String::new();
        s.push(char::from(b'1' + self.rng.below(9) as u8));
        for _ in 1..digits {
            s.push(char::from(b'0' + self.rng.below(10) as u8));
        }
        s
    }

    // ---- sessions and login -------------------------------------------------------------

    /// Counts a code submitted on a challenge page.
    pub fn count_pin_submit(&mut self) {
        self.pin_submits += 1;
    }

    /// Checks login credentials and counts the submission.
    pub fn check_credentials(&mut self, username: &str, password: &str) -> bool {
        self.login_submits += 1;
        let v = &self.scenario.viewer;
        username.trim().eq_ignore_ascii_case(v.email.trim()) && password == v.password
    }

    /// Creates a session valid for `session_ttl_s`.
    pub fn create_session(&mut self) -> Session {
        let li_at = self.token("AQEDAR", 146);
        let jsessionid = format!("ajax:{}", self.digits(19));
        let session = Session {
            li_at: li_at.clone(),
            jsessionid,
            expires_ms: self
                .now()
                .saturating_add(self.scenario.session_ttl_s.saturating_mul(1000)),
            valid: true,
        };
        self.sessions.insert(li_at, session.clone());
        session
    }

    /// The valid, unexpired session of this `li_at` value.
    pub fn session(&self, li_at: &str) -> Option<&Session> {
        let now = self.now();
        self.sessions
            .get(li_at)
            .filter(|s| s.valid && s.expires_ms > now)
    }

    /// Whether this world issued the `li_at` value (valid or not any more).
    pub fn issued_session(&self, li_at: &str) -> bool {
        self.sessions.contains_key(li_at)
    }

    /// Invalidates every session (or only the one of `li_at`).
    pub fn expire_sessions(&mut self, li_at: Option<&str>) {
        for (token, s) in &mut self.sessions {
            if li_at.is_none_or(|t| t == token) {
                s.valid = false;
            }
        }
    }

    // ---- checkpoint ---------------------------------------------------------------------

    /// Raises a challenge and returns its token.
    pub fn raise_checkpoint(&mut self, kind: CheckpointKind, auto_solve_ms: Option<u64>) -> String {
        let token = self.token("AQH", 48);
        self.checkpoint = Some(Checkpoint {
            token: token.clone(),
            kind,
            raised_ms: self.now(),
            auto_solve_ms,
            solved: false,
        });
        token
    }

    /// The current challenge, if any.
    pub fn checkpoint(&self) -> Option<&Checkpoint> {
        self.checkpoint.as_ref()
    }

    /// The token of an unsolved mid-session challenge (pages are blocked while there is one).
    pub fn blocking_checkpoint(&self) -> Option<String> {
        match &self.checkpoint {
            Some(cp) if !cp.solved && matches!(cp.kind, CheckpointKind::MidSession { .. }) => {
                Some(cp.token.clone())
            }
            _ => None,
        }
    }

    /// Marks the current challenge solved; `false` if there is none.
    pub fn solve_checkpoint(&mut self) -> bool {
        match &mut self.checkpoint {
            Some(cp) => {
                cp.solved = true;
                true
            }
            None => false,
        }
    }

    /// Removes a solved challenge with this token and returns it.
    pub fn take_solved_checkpoint(&mut self, token: &str) -> Option<Checkpoint> {
        if self
            .checkpoint
            .as_ref()
            .is_some_and(|cp| cp.token == token && cp.solved)
        {
            self.checkpoint.take()
        } else {
            None
        }
    }

    // ---- invitations and messages -------------------------------------------------------

    /// Invitations counted against the weekly limit now.
    pub fn sends_within(&self, window_ms: u64) -> u32 {
        let now = self.now();
        self.sends
            .iter()
            .filter(|t| now.saturating_sub(**t) < window_ms)
            .count() as u32
    }

    /// Sends an invitation to `handle` (§7.4 Send click).
    pub fn invite(
        &mut self,
        handle: &str,
        note: Option<String>,
        email: Option<String>,
    ) -> InviteOutcome {
        if self.is_viewer(handle) {
            return InviteOutcome::Error("You can't invite yourself.".into());
        }
        let Some(person) = self.person(handle) else {
            return InviteOutcome::Error("This member could not be found.".into());
        };
        let key = person.handle.clone();
        let name = person.full_name();
        let restricted = person.restricted;
        let email_required = person.email_required;
        if restricted {
            return InviteOutcome::Error(format!("You can't invite {name} right now."));
        }
        if let Some(n) = &note
            && n.chars().count() > 300
        {
            return InviteOutcome::Error("Your note is longer than 300 characters.".into());
        }
        if email_required && !email.as_deref().is_some_and(|e| e.contains('@')) {
            return InviteOutcome::Error(
                "Please enter a valid email address to connect with this member.".into(),
            );
        }
        let now = self.now();
        match self.relationship(&key) {
            Relationship::Pending { .. } => {
                return InviteOutcome::Error(format!(
                    "You've already sent an invitation to {name}."
                ));
            }
            Relationship::Connected { .. } => {
                return InviteOutcome::Error(format!("You're already connected to {name}."));
            }
            Relationship::Withdrawn { at_ms }
                if now.saturating_sub(at_ms)
                    < u64::from(self.scenario.reinvite_cooldown_days) * DAY_MS =>
            {
                return InviteOutcome::Error(format!(
                    "You can't resend an invitation to {name} yet. You recently withdrew one."
                ));
            }
            _ => {}
        }
        let weekly = self
            .scenario
            .weekly_limit
            .is_some_and(|l| self.sends_within(7 * DAY_MS) >= l);
        let daily = self
            .scenario
            .daily_limit
            .is_some_and(|l| self.sends_within(DAY_MS) >= l);
        if weekly || daily {
            return InviteOutcome::Limited;
        }
        self.next_invitation_id += 1;
        let invitation_id = self.next_invitation_id;
        let note = note.filter(|n| !n.trim().is_empty());
        self.sends.push(now);
        self.invitations.push(InvitationRecord {
            handle: key.clone(),
            note: note.clone(),
            at_ms: now,
            invitation_id,
            state: InvitationState::Pending,
            resolved_ms: None,
            email: email.filter(|e| !e.is_empty()),
        });
        self.set_relationship(
            &key,
            Relationship::Pending {
                invitation_id,
                sent_at_ms: now,
                note,
            },
        );
        InviteOutcome::Ok { invitation_id }
    }

    /// Accepts the pending invitation to `handle`.
    pub fn accept(&mut self, handle: &str) -> bool {
        self.resolve_pending(
            handle,
            |now| Relationship::Connected { since_ms: now },
            InvitationState::Accepted,
        )
    }

    /// Declines the pending invitation to `handle`.
    pub fn decline(&mut self, handle: &str) -> bool {
        self.resolve_pending(
            handle,
            |now| Relationship::Declined { at_ms: now },
            InvitationState::Declined,
        )
    }

    /// Withdraws the pending invitation to `handle`.
    pub fn withdraw(&mut self, handle: &str) -> bool {
        self.resolve_pending(
            handle,
            |now| Relationship::Withdrawn { at_ms: now },
            InvitationState::Withdrawn,
        )
    }

    fn resolve_pending(
        &mut self,
        handle: &str,
        to: impl Fn(u64) -> Relationship,
        state: InvitationState,
    ) -> bool {
        let Some(key) = self.person(handle).map(|p| p.handle.clone()) else {
            return false;
        };
        if !matches!(self.relationship(&key), Relationship::Pending { .. }) {
            return false;
        }
        let now = self.now();
        self.set_relationship(&key, to(now));
        self.mark_invitation(&key, state, now);
        true
    }

    /// Records a message to a connected person; `Err` carries a user-facing text.
    pub fn message(&mut self, handle: &str, text: &str, channel: Channel) -> Result<(), String> {
        let Some(person) = self.person(handle) else {
            return Err("This member could not be found.".into());
        };
        let key = person.handle.clone();
        if !matches!(self.relationship(&key), Relationship::Connected { .. }) {
            return Err(format!(
                "You can only message your connections. {} is not one yet.",
                person.full_name()
            ));
        }
        let text = text.trim_end_matches(['\n', '\r']).to_string();
        if text.trim().is_empty() {
            return Err("Write a message first.".into());
        }
        let at_ms = self.now();
        let seq = self.next_seq();
        self.messages.push(MessageRecord {
            to_handle: key,
            text,
            channel,
            at_ms,
            seq,
        });
        Ok(())
    }

    /// The conversation with `handle`, both ways, oldest first.
    pub fn thread(&self, handle: &str) -> Vec<ThreadEntry> {
        let Some(person) = self.person(handle) else {
            return Vec::new();
        };
        let mut out: Vec<ThreadEntry> = self
            .inbound
            .iter()
            .filter(|m| m.from_handle == person.handle)
            .map(|m| ThreadEntry {
                from_viewer: false,
                text: m.text.clone(),
                at_ms: m.at_ms,
                seq: m.seq,
            })
            .collect();
        out.extend(
            self.messages
                .iter()
                .filter(|m| m.to_handle == person.handle)
                .map(|m| ThreadEntry {
                    from_viewer: true,
                    text: m.text.clone(),
                    at_ms: m.at_ms,
                    seq: m.seq,
                }),
        );
        out.sort_by_key(|e| (e.at_ms, e.seq));
        out
    }

    /// Every conversation (the handles of people with at least one message either way), with
    /// its last activity, newest first.
    pub fn conversations(&self) -> Vec<(String, u64)> {
        let mut last: HashMap<&str, u64> = HashMap::new();
        let both = self
            .inbound
            .iter()
            .map(|m| (m.from_handle.as_str(), m.at_ms))
            .chain(
                self.messages
                    .iter()
                    .map(|m| (m.to_handle.as_str(), m.at_ms)),
            );
        for (handle, at) in both {
            let entry = last.entry(handle).or_insert(0);
            *entry = (*entry).max(at);
        }
        let mut out: Vec<(String, u64)> = last
            .into_iter()
            .map(|(h, at)| (h.to_string(), at))
            .collect();
        out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        out
    }

    /// The urn of the viewer's conversation with `handle`.
    pub fn conversation_urn(&self, handle: &str) -> String {
        format!(
            "urn:li:msg_conversation:(urn:li:fsd_profile:{},2-{:016x})",
            self.scenario.viewer.profile.profile_id,
            fnv1a(handle.as_bytes())
        )
    }

    /// The urn of the message with `seq` in the conversation with `handle`.
    pub fn message_urn(&self, handle: &str, seq: u64) -> String {
        format!(
            "urn:li:msg_message:(urn:li:fsd_profile:{},2-{:016x}{seq:08})",
            self.scenario.viewer.profile.profile_id,
            fnv1a(handle.as_bytes())
        )
    }

    /// The person whose conversation has `urn`.
    pub fn conversation_handle(&self, urn: &str) -> Option<String> {
        self.scenario
            .people
            .iter()
            .map(|p| &p.handle)
            .find(|h| self.conversation_urn(h) == urn)
            .cloned()
    }

    /// Connected people whose full name contains `q` (case-insensitive), in scenario order.
    pub fn typeahead(&self, q: &str) -> Vec<&Person> {
        let q = q.trim().to_lowercase();
        if q.is_empty() {
            return Vec::new();
        }
        self.scenario
            .people
            .iter()
            .filter(|p| p.exists)
            .filter(|p| {
                matches!(
                    self.relationships.get(&p.handle),
                    Some(Relationship::Connected { .. })
                )
            })
            .filter(|p| p.full_name().to_lowercase().contains(&q))
            .collect()
    }

    /// People matching every keyword token (case-insensitive) over headline, titles,
    /// companies, industry and location, in scenario order. Tokens without a letter or digit
    /// (such as `&`) are ignored.
    pub fn search(&self, keywords: &str) -> Vec<&Person> {
        let tokens: Vec<String> = keywords
            .split_whitespace()
            .map(str::to_lowercase)
            .filter(|t| t.chars().any(char::is_alphanumeric))
            .collect();
        let viewer = &self.scenario.viewer.profile;
        let include_self = self.scenario.search_include_self;
        std::iter::once(viewer)
            .filter(|_| include_self)
            .chain(self.scenario.people.iter().filter(|p| p.exists))
            .filter(|p| {
                let text = p.search_text();
                tokens.iter().all(|t| text.contains(t.as_str()))
            })
            .collect()
    }

    // ---- faults ---------------------------------------------------------------------------

    /// Adds a fault.
    pub fn add_fault(&mut self, fault: Fault) {
        self.faults.add(fault);
    }

    /// Removes every fault.
    pub fn clear_faults(&mut self) {
        self.faults.clear();
    }

    /// Fires the named fault for `handle` if one is active.
    pub fn take_fault(&mut self, handle: Option<&str>, name: &str) -> Option<FaultKind> {
        self.faults.take_named(handle, name)
    }

    // ---- request log ----------------------------------------------------------------------

    /// Appends a request to the log and returns its id.
    pub fn log_request(&mut self, mut record: RequestRecord) -> u64 {
        self.next_request_id += 1;
        record.id = self.next_request_id;
        record.at_ms = self.now();
        if self.requests.len() >= MAX_LOGGED_REQUESTS {
            self.requests.drain(..MAX_LOGGED_REQUESTS / 10);
        }
        self.requests.push(record);
        self.next_request_id
    }

    /// Sets the response status of a logged request.
    pub fn set_request_status(&mut self, id: u64, status: u16) {
        if let Some(r) = self.requests.iter_mut().rev().find(|r| r.id == id) {
            r.status = Some(status);
        }
    }

    /// The request log.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.requests.clone()
    }

    /// Empties the request log.
    pub fn clear_requests(&mut self) {
        self.requests.clear();
    }

    // ---- snapshot -------------------------------------------------------------------------

    /// Records that the account opened `handle`'s profile page now.
    pub fn record_profile_view(&mut self, handle: &str) {
        let at_ms = self.now();
        self.profile_views.push(ProfileView {
            handle: handle.to_string(),
            at_ms,
        });
    }

    /// A serialisable view of the world.
    pub fn snapshot(&self) -> Snapshot {
        let now = self.now();
        Snapshot {
            now_ms: now,
            relationships: self
                .scenario
                .people
                .iter()
                .map(|p| (p.handle.clone(), self.relationship(&p.handle).state()))
                .collect(),
            invitations: self.invitations.clone(),
            messages: self.messages.clone(),
            inbound: self.inbound.clone(),
            profile_views: self.profile_views.clone(),
            sessions: self
                .sessions
                .values()
                .filter(|s| s.valid && s.expires_ms > now)
                .count(),
            login_submits: self.login_submits,
            pin_submits: self.pin_submits,
            checkpoint_pending: self.checkpoint.as_ref().is_some_and(|c| !c.solved),
            faults: self.faults.list(),
            invitations_last_7_days: self.sends_within(7 * DAY_MS),
        }
    }
}

/// Shared, cloneable handle to the [`World`]s: one per simulated account (each its own
/// LinkedIn member with their own network, invitations, messages, sessions, checkpoints and
/// faults), all on one clock. A handle addresses one of them, the first by default;
/// [`SimState::account`] gives a handle to another.
#[derive(Debug, Clone)]
pub struct SimState {
    inner: Arc<Mutex<Vec<World>>>,
    account: usize,
}

impl SimState {
    /// A state for `scenario`: one account.
    pub fn new(scenario: Scenario) -> SimState {
        SimState::new_many(scenario, Vec::new())
    }

    /// A state with one account for `first` and one for each of `others`, their clocks made
    /// one: the first scenario's.
    pub fn new_many(first: Scenario, others: Vec<Scenario>) -> SimState {
        let mut worlds: Vec<World> = std::iter::once(first)
            .chain(others)
            .map(World::new)
            .collect();
        let clock = worlds[0].clock.clone();
        for w in worlds.iter_mut().skip(1) {
            w.clock = clock.clone();
        }
        SimState {
            inner: Arc::new(Mutex::new(worlds)),
            account: 0,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Vec<World>> {
        // A panic while holding the lock leaves plain data behind; keep serving.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How many accounts the simulator has.
    pub fn accounts(&self) -> usize {
        self.lock().len()
    }

    /// Which account this handle addresses (from 0).
    pub fn index(&self) -> usize {
        self.account
    }

    /// A handle to account `index`, if there is one.
    pub fn account(&self, index: usize) -> Option<SimState> {
        (index < self.accounts()).then(|| SimState {
            inner: self.inner.clone(),
            account: index,
        })
    }

    /// A handle to the first account for which `matches` holds.
    pub fn find(&self, matches: impl Fn(&World) -> bool) -> Option<SimState> {
        let index = self.lock().iter().position(matches)?;
        self.account(index)
    }

    /// Runs `f` on the world after applying what the sim clock made due.
    pub fn with<R>(&self, f: impl FnOnce(&mut World) -> R) -> R {
        let mut worlds = self.lock();
        let world = Self::world(&mut worlds, self.account);
        world.tick();
        f(world)
    }

    /// Runs `f` on every account's world (the clock is theirs together).
    pub fn with_every(&self, mut f: impl FnMut(&mut World)) {
        for world in self.lock().iter_mut() {
            world.tick();
            f(world);
        }
    }

    fn world(worlds: &mut [World], index: usize) -> &mut World {
        let last = worlds.len().saturating_sub(1);
        &mut worlds[index.min(last)]
    }

    /// Runs `f` on the world, then applies what the sim clock made due: for a request whose
    /// own effect comes first (a message sent at this moment is sent before a reply that
    /// arrives at this moment).
    pub fn with_then_tick<R>(&self, f: impl FnOnce(&mut World) -> R) -> R {
        let mut worlds = self.lock();
        let world = Self::world(&mut worlds, self.account);
        world.apply_due_changes();
        let out = f(world);
        world.deliver_due_replies();
        out
    }

    /// Replaces every world with one fresh world for `scenario` (sessions, log and faults
    /// included): the simulator has one account again.
    pub fn reset(&self, scenario: Scenario) {
        *self.lock() = vec![World::new(scenario)];
    }
}
