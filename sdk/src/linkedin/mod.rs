//! What Outlane knows about LinkedIn, for lanes.
//!
//! - The pure rules shared with the host (re-exported from `outlane-linkedin`): [`ProfileId`]
//!   (URL canonicalisation), the Voyager profile parser ([`parse_profile`]), discovery
//!   filtering ([`profile_links`]) and the text a profile is embedded from ([`profile_text`]).
//! - Flows written on the [`browser`](crate::browser) interface, with fallback selector
//!   chains: [`voyager::fetch_profile`], [`status::connection_status`],
//!   [`connect::send_invitation`], [`connect::withdraw_invitation`], [`message::send_message`],
//!   [`message::was_sent`], [`search::search_people`], [`discover::profiles_on_page`] and
//!   [`discover::discover_here`].
//! - Conversations through the messaging API: [`inbox::sync`] stores the threads of the
//!   campaign's leads (and names those with people the campaign has not found yet),
//!   [`inbox::reply_since`] is the last look before sending anyone anything.
//! - The account itself: its own ids ([`own::ids`]).
//! - The building blocks of those flows, public so that a custom lane reads and acts on pages
//!   with the very code the default lanes use: [`page`] (the top card's selector chain,
//!   [`page::open_profile`], [`page::first_of`], the More menu, error toasts and the limit
//!   alert), the selectors of [`connect`] (Connect buttons, the invitation dialog, Pending)
//!   and of [`message`] (composer, Send, the message list, thread titles), and the messaging
//!   API's readers in [`inbox`] ([`inbox::conversations_since`], [`inbox::messages_since`],
//!   [`inbox::read_found`]).
//!
//!   Every send is verified on the page (the Pending button appears, the message shows in the
//!   thread) before it is reported as sent.
//!
//! Lanes address LinkedIn as `https://www.linkedin.com`; the host maps that onto the
//! configured site (the simulator in tests and the demo).

pub mod connect;
pub mod discover;
pub mod inbox;
pub mod message;
pub mod own;
pub mod page;
pub mod search;
pub mod status;
pub mod voyager;

pub use outlane_linkedin::{
    CANONICAL_BASE, Education, Position, Profile, ProfileId, ProfileIdError, VoyagerError,
    YearMonth, parse_profile, parse_profile_value, profile_links, profile_text,
};
