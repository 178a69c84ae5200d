//! The login page (§7.4-L): `input#username`, `input#password[type=password]` and exactly one
//! `button[type=submit]`, posting to `/checkpoint/lg/login-submit`.

use super::{document, escape};

/// Renders `/login`. `error` shows the wrong-credentials text; `session_redirect` is carried
/// through the form as a hidden field.
pub fn render(error: bool, session_redirect: Option<&str>) -> String {
    let error_html = if error {
        "<div id=\"error-for-password\" class=\"form__error\" role=\"alert\">\
         Wrong email or password. Try again or create an account.</div>"
    } else {
        ""
    };
    let redirect_html = session_redirect
        .map(|r| {
            format!(
                "<input type=\"hidden\" name=\"session_redirect\" value=\"{}\">",
                escape(r)
            )
        })
        .unwrap_or_default();
    let body = format!(
        "<main class=\"login\"><form class=\"login__form\" method=\"post\" \
         action=\"/checkpoint/lg/login-submit\" novalidate>\
         <h1 class=\"header__content__heading\">Sign in</h1>\
         <p class=\"header__content__subheading\">Stay updated on your professional world</p>\
         {error_html}\
         <input id=\"username\" name=\"session_key\" type=\"email\" autocomplete=\"username\" \
         aria-label=\"Email or phone\" placeholder=\"Email or phone\" required>\
         <input id=\"password\" name=\"session_password\" type=\"password\" \
         autocomplete=\"current-password\" aria-label=\"Password\" placeholder=\"Password\" required>\
         <input type=\"hidden\" name=\"loginCsrfParam\" value=\"sim-login-csrf\">\
         {redirect_html}\
         <a class=\"btn__tertiary--medium\" href=\"/login\">Forgot password?</a>\
         <button class=\"btn__primary--large from__button--floating\" type=\"submit\" \
         aria-label=\"Sign in\">Sign in</button>\
         </form></main>"
    );
    document("LinkedIn Login, Sign in", &body)
}
