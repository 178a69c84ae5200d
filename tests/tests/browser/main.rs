//! End-to-end tests through real headless Chromium against the LinkedIn simulator: the browser
//! capability, the SDK's LinkedIn flows inside real lanes, and what a hostile lane cannot do.
//! One test binary (one link) for all of them.

mod browser_session;
mod hardening;
mod linkedin_flows;
