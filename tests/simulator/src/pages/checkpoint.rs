//! The security-check challenge page (`/checkpoint/challenge/<token>`).

use super::{document, escape};

/// Renders the challenge. While unsolved the page reloads itself every second, so a challenge
/// solved through the control API (or auto-solved) moves the browser on without a click; not
/// while a person is typing a code into it.
pub fn render(token: &str, wrong_pin: bool) -> String {
    let error = if wrong_pin {
        "<p class=\"form__error\" role=\"alert\">That code didn't work. Try again.</p>"
    } else {
        ""
    };
    let body = format!(
        "<main class=\"login\"><form class=\"login__form\" method=\"post\" \
         action=\"/checkpoint/challenge/{token}\">\
         <h1>Let's do a quick security check</h1>\
         <p>We noticed some unusual activity. Enter the code we sent you to continue.</p>\
         {error}\
         <input id=\"input__email_verification_pin\" name=\"pin\" type=\"text\" \
         inputmode=\"numeric\" placeholder=\"Enter code\" autocomplete=\"one-time-code\">\
         <button id=\"email-pin-submit-button\" type=\"submit\">Submit</button>\
         </form></main>\
         <script>(function () {{ var pin = document.getElementById('input__email_verification_pin'); \
         setInterval(function () {{ if (!pin.value && document.activeElement !== pin) location.reload(); }}, 1000); }})();</script>",
        token = escape(token)
    );
    document("Security Verification", &body)
}
