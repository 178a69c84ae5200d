//! The console's HTML: minijinja templates compiled into the binary (`console/templates/`),
//! auto-escaped, and the error page every failure becomes (a status and one sentence, never a
//! backtrace).

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use minijinja::{Environment, Value};

/// Every template, by name.
const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("templates/base.html")),
    ("overview.html", include_str!("templates/overview.html")),
    (
        "overview_live.html",
        include_str!("templates/overview_live.html"),
    ),
    ("leads.html", include_str!("templates/leads.html")),
    ("lead.html", include_str!("templates/lead.html")),
    ("review.html", include_str!("templates/review.html")),
    ("campaigns.html", include_str!("templates/campaigns.html")),
    ("campaign.html", include_str!("templates/campaign.html")),
    ("accounts.html", include_str!("templates/accounts.html")),
    ("inbox.html", include_str!("templates/inbox.html")),
    ("takeover.html", include_str!("templates/takeover.html")),
    ("error.html", include_str!("templates/error.html")),
];

/// The compiled templates, made once. They are part of the binary: one that does not compile
/// is a bug, caught by the console's unit test.
pub fn views() -> &'static Views {
    static VIEWS: std::sync::LazyLock<Views> = std::sync::LazyLock::new(|| {
        Views::new().unwrap_or_else(|e| panic!("a console template does not compile: {e:#}"))
    });
    &VIEWS
}

/// Why a request failed, as the person sees it: a status and one sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The HTTP status.
    pub status: StatusCode,
    /// What went wrong, in words.
    pub message: String,
}

impl Failure {
    /// A 400 with `message`.
    pub fn bad_request(message: impl Into<String>) -> Failure {
        Failure {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }

    /// A 404 with `message`.
    pub fn not_found(message: impl Into<String>) -> Failure {
        Failure {
            status: StatusCode::NOT_FOUND,
            message: message.into(),
        }
    }
}

impl From<crate::crm::CrmError> for Failure {
    fn from(e: crate::crm::CrmError) -> Failure {
        use crate::crm::CrmError;
        match e {
            CrmError::NotFound(m) => Failure::not_found(m),
            CrmError::Invalid(m) => Failure::bad_request(m),
            other => {
                tracing::error!("console: {other}");
                Failure {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    message: "the database could not answer; the daemon's log says why".into(),
                }
            }
        }
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        views().error(self.status, &self.message)
    }
}

/// What a page handler returns.
pub type PageResult = Result<Response, Failure>;

/// The compiled templates.
pub struct Views {
    env: Environment<'static>,
}

impl std::fmt::Debug for Views {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Views")
    }
}

/// `ms` (daemon clock) as `2026-12-03 08:15 UTC`.
pub fn time_of(ms: u64) -> String {
    jiff::Timestamp::from_millisecond(ms as i64)
        .map(|t| t.strftime("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|_| ms.to_string())
}

impl Views {
    /// Compiles the templates (a broken one is a bug caught by the tests).
    pub fn new() -> Result<Views, minijinja::Error> {
        let mut env = Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        env.add_filter("time", |ms: Option<u64>| {
            ms.map(time_of).unwrap_or_default()
        });
        for (name, source) in TEMPLATES {
            env.add_template(name, source)?;
        }
        Ok(Views { env })
    }

    /// Renders `name` with `context`, as a page (or a failure page).
    pub fn page(&self, name: &str, context: Value) -> Response {
        match self.env.get_template(name).and_then(|t| t.render(context)) {
            Ok(html) => Html(html).into_response(),
            Err(e) => {
                tracing::error!("console: template {name}: {e:#}");
                self.error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "this page could not be drawn; the daemon's log says why",
                )
            }
        }
    }

    /// The error page: `status` and one sentence.
    pub fn error(&self, status: StatusCode, message: &str) -> Response {
        let context = minijinja::context! {
            status => status.as_u16(),
            title => status.canonical_reason().unwrap_or("Error"),
            message => message,
        };
        let html = self
            .env
            .get_template("error.html")
            .and_then(|t| t.render(context))
            .unwrap_or_else(|_| format!("<!doctype html><title>{status}</title><p>{status}</p>"));
        (status, Html(html)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_compiles_and_errors_are_pages() {
        let views = Views::new().unwrap();
        let page = views.error(StatusCode::NOT_FOUND, "no such <lead>");
        assert_eq!(page.status(), StatusCode::NOT_FOUND);
        assert_eq!(time_of(1_795_428_000_000), "2026-11-23 10:00 UTC");
    }
}
