//! Small pages: 404, rate limit, authwall and the HTML a broken Voyager call returns.

use super::{document, escape};

/// `/404/`: "This page doesn't exist".
pub fn not_found() -> String {
    document(
        "Page not found",
        "<main class=\"not-found\" style=\"text-align:center;margin-top:80px\">\
         <h1>This page doesn't exist</h1>\
         <p>Please check your URL or return to LinkedIn home.</p>\
         <a href=\"/feed/\">Go to your feed</a></main>",
    )
}

/// The HTML body of a rate-limited page route (status 429, no top card).
pub fn rate_limited() -> String {
    document(
        "Too many requests",
        "<main style=\"text-align:center;margin-top:80px\"><h1>Too many requests</h1>\
         <p>You've made too many requests recently. Please wait a while and try again.</p></main>",
    )
}

/// `/authwall`: a sign-in wall linking to the login page (with the redirect preserved).
pub fn authwall(session_redirect: Option<&str>) -> String {
    let href = match session_redirect {
        Some(r) => format!("/login?session_redirect={}", super::encode_component(r)),
        None => "/login".to_string(),
    };
    document(
        "Sign Up",
        &format!(
            "<main style=\"text-align:center;margin-top:80px\"><h1>Join LinkedIn</h1>\
             <p>Sign in to see who you already know.</p>\
             <a class=\"authwall-join-form__form-toggle--bottom\" href=\"{}\">Sign in</a></main>",
            escape(&href)
        ),
    )
}
