//! A LinkedIn simulator for offline end-to-end runs of browser automation (reference §7,
//! Mode A): an HTTP server on 127.0.0.1 with LinkedIn-shaped pages, the Voyager profile API,
//! the messaging GraphQL API, a mutable world (sessions, relationships, invitations, messages
//! both ways with seeded replies, quota), fault injection and a control API.
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! use outlane_simulator::{Scenario, Simulator};
//! let sim = Simulator::start(Scenario::generate(7, 50)).await?;
//! println!("{}", sim.base_url());
//! sim.accept("olivia-smith-1");
//! sim.stop().await;
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

//! Without the default `server` feature only the scenario types and the seeded population
//! generator are built (no HTTP stack): that is what the qualifier's offline evaluation uses.

#[cfg(feature = "server")]
pub mod control;
pub mod faults;
pub mod generate;
#[cfg(feature = "server")]
pub mod messaging_api;
#[cfg(feature = "server")]
pub mod pages;
#[cfg(feature = "server")]
pub mod routes;
pub mod scenario;
#[cfg(feature = "server")]
mod server;
#[cfg(feature = "server")]
pub mod state;
#[cfg(feature = "server")]
pub mod voyager;

pub use faults::{Fault, FaultKind};
pub use scenario::{
    DEFAULT_CONVERSATIONS_QUERY, DEFAULT_MESSAGES_QUERY, Distance, Education, Geo, Industry,
    InitialRelationship, MessageVariant, MessagingQueries, Person, Position, ReplyAfter, ReplyKind,
    ReplyPlan, Scenario, ScenarioError, UiVariant, UnauthRedirect, Viewer, YearMonth,
};
#[cfg(feature = "server")]
pub use server::Simulator;
#[cfg(feature = "server")]
pub use state::{
    Channel, InboundRecord, InvitationRecord, InvitationState, MessageRecord, ProfileView,
    RelationshipState, RequestRecord, SimState, Snapshot,
};
