//! End-to-end tests through real headless Chromium against the LinkedIn simulator: the browser
//! capability, the SDK's LinkedIn flows inside real lanes, what a hostile lane cannot do, and
//! the operator's console driven by Chromium.
//! One test binary (one link) for all of them.

mod browser_pool;
mod browser_session;
mod console;
mod conversations;
mod hardening;
mod holds;
mod linkedin_flows;
