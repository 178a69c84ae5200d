//! The console's routes: one module per page.

mod accounts;
mod campaigns;
mod inbox;
mod leads;
mod overview;
mod review;
mod takeover;

use super::ConsoleState;
use super::auth::{self, Session};
use super::views::{Failure, views};
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::Value;
use std::sync::Arc;

/// Every route of the console.
pub(super) fn router(state: Arc<ConsoleState>) -> Router {
    Router::new()
        .route("/login", get(login))
        .route("/assets/console.css", get(css))
        .route("/assets/console.js", get(js))
        .route("/", get(overview::page))
        .route("/overview/live", get(overview::live))
        .route("/leads", get(leads::list))
        .route("/leads.csv", get(leads::csv))
        .route("/leads/{id}", get(leads::one))
        .route("/inbox", get(inbox::page))
        .route("/review", get(review::queue).post(review::decide))
        .route("/campaigns", get(campaigns::list).post(campaigns::create))
        .route(
            "/campaigns/{id}",
            get(campaigns::edit).post(campaigns::save),
        )
        .route("/campaigns/{id}/preview", post(campaigns::preview))
        .route("/campaigns/{id}/active", post(campaigns::set_active))
        .route("/accounts", get(accounts::list))
        .route(
            "/accounts/{id}/takeover",
            get(takeover::page).post(takeover::start),
        )
        .route("/accounts/{id}/takeover/state", get(takeover::status))
        .route("/accounts/{id}/takeover/frame", get(takeover::frame))
        .route("/accounts/{id}/takeover/input", post(takeover::input))
        .fallback(not_found)
        .layer(axum::extract::DefaultBodyLimit::max(super::MAX_BODY))
        .with_state(state)
}

/// The context every page starts from: the session's CSRF token and the page's name (for
/// the navigation bar), merged with the page's own values.
pub(super) fn context(session: &Session, nav: &str, page: Value) -> Value {
    minijinja::context! {
        csrf => session.csrf.clone(),
        nav => nav,
        ..page
    }
}

/// A serialisable value for a template.
pub(super) fn value(v: &impl serde::Serialize) -> Value {
    Value::from(minijinja::value::Serde(v))
}

#[derive(serde::Deserialize)]
struct LoginQuery {
    token: Option<String>,
}

/// `/login?token=…`: opens a session and goes to the overview.
async fn login(State(state): State<Arc<ConsoleState>>, RawQuery(raw): RawQuery) -> Response {
    let q: LoginQuery = match query(raw.as_deref()) {
        Ok(q) => q,
        Err(f) => return f.into_response(),
    };
    match q.token {
        Some(t) if state.token.matches(&t) => {
            let id = state.sessions.open();
            let mut response = Redirect::to("/").into_response();
            if let Ok(cookie) = HeaderValue::from_str(&auth::session_cookie(&id)) {
                response.headers_mut().insert(header::SET_COOKIE, cookie);
            }
            response
        }
        _ => views().error(
            StatusCode::UNAUTHORIZED,
            "that is not the console's login link: use the one the daemon printed (the token is \
             kept in the data directory's console-token)",
        ),
    }
}

async fn css() -> Response {
    asset(
        "text/css; charset=utf-8",
        include_str!("../assets/console.css"),
    )
}

async fn js() -> Response {
    asset(
        "text/javascript; charset=utf-8",
        include_str!("../assets/console.js"),
    )
}

fn asset(kind: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

async fn not_found() -> Response {
    Failure::not_found("there is no such page").into_response()
}

/// Reads a query string into `T`, or the 400 page naming what is wrong.
pub(super) fn query<T: serde::de::DeserializeOwned>(raw: Option<&str>) -> Result<T, Failure> {
    serde_urlencoded_like(raw.unwrap_or(""))
}

fn serde_urlencoded_like<T: serde::de::DeserializeOwned>(raw: &str) -> Result<T, Failure> {
    let pairs: serde_json::Map<String, serde_json::Value> =
        url::form_urlencoded::parse(raw.as_bytes())
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (k.into_owned(), serde_json::Value::String(v.into_owned())))
            .collect();
    serde_json::from_value(serde_json::Value::Object(pairs))
        .map_err(|e| Failure::bad_request(format!("a bad value in the address: {e}")))
}

/// Reads a form body into `T`, or the 400 page naming what is wrong.
pub(super) fn form<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, Failure> {
    let pairs: serde_json::Map<String, serde_json::Value> = url::form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), serde_json::Value::String(v.into_owned())))
        .collect();
    serde_json::from_value(serde_json::Value::Object(pairs))
        .map_err(|e| Failure::bad_request(format!("a bad value in the form: {e}")))
}

/// A number given as text in a query or form.
pub(super) fn number<T: std::str::FromStr>(
    text: Option<&str>,
    what: &str,
) -> Result<Option<T>, Failure> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => t
            .parse()
            .map(Some)
            .map_err(|_| Failure::bad_request(format!("`{t}` is not a valid {what}"))),
    }
}
