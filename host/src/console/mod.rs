//! The operator's console: a local web UI to watch the pipeline, browse and review leads and
//! edit campaigns. `outlane run` and `outlane demo` serve it beside the daemon, `outlane
//! console` alone.
//!
//! Server-rendered HTML (axum, minijinja templates compiled into the binary), one small plain
//! script (`assets/console.js`: live refresh, keyboard shortcuts, the template preview), no
//! build step and nothing loaded from elsewhere. Who may use it and how is in [`auth`]; every
//! page reads the CRM through the same queries as the CLI (`crm::status`, `crm::browse`).

pub mod auth;
mod pages;
pub mod preview;
mod views;

use crate::clock::Clock;
use crate::config::ConsoleConfig;
use crate::crm::Db;
use crate::llm::Prompts;
use crate::qualifier::QualifierService;
use auth::{Sessions, Token};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::oneshot;
use views::views;

/// The largest request body read (a campaign's texts fit many times over).
pub const MAX_BODY: usize = 256 * 1024;

/// What a console needs besides the database.
#[derive(Debug, Clone)]
pub struct ConsoleOptions {
    /// `[console]` of the configuration.
    pub config: ConsoleConfig,
    /// The data directory (its token lives there).
    pub data_dir: PathBuf,
    /// The prompt templates (for previews of follow-up messages).
    pub prompts: PathBuf,
}

/// Why the console could not start.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// The address is taken or not ours.
    #[error(
        "the console cannot listen on {addr}: {source} (set [console] listen to another address, or enabled = false)"
    )]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The token file cannot be read or written.
    #[error("the console token in {dir}: {source}")]
    Token {
        /// The data directory.
        dir: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// What every request of the console shares.
pub(crate) struct ConsoleState {
    pub(crate) db: Db,
    pub(crate) clock: Clock,
    pub(crate) token: Token,
    pub(crate) sessions: Sessions,
    pub(crate) hosts: Vec<String>,
    pub(crate) prompts: Prompts,
    /// The daemon's qualifier, when the console runs in the daemon: a person's label reaches
    /// the campaign's model at once.
    pub(crate) qualifier: Option<Arc<QualifierService>>,
    /// The daemon's browsers, when the console runs in the daemon: a person may take over a
    /// paused account's tab.
    pub(crate) browsers: Option<Arc<crate::browser::Browsers>>,
}

/// A running console. Dropping it stops it.
#[derive(Debug)]
pub struct Console {
    addr: SocketAddr,
    token: Token,
    token_made: bool,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Console {
    /// Starts serving on `[console] listen`. `daemon` are the services of the daemon it runs
    /// in (its qualifier and browsers); alone, the console has neither (no take-over).
    pub async fn start(
        options: &ConsoleOptions,
        db: Db,
        clock: Clock,
        daemon: Option<&crate::caps::HostServices>,
    ) -> Result<Console, ConsoleError> {
        let (token, token_made) =
            Token::load_or_create(&options.data_dir).map_err(|source| ConsoleError::Token {
                dir: options.data_dir.clone(),
                source,
            })?;
        let listen = options.config.listen;
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|source| ConsoleError::Listen {
                addr: listen,
                source,
            })?;
        let addr = listener
            .local_addr()
            .map_err(|source| ConsoleError::Listen {
                addr: listen,
                source,
            })?;
        let state = Arc::new(ConsoleState {
            db,
            clock,
            token: token.clone(),
            sessions: Sessions::default(),
            hosts: auth::allowed_hosts(addr, &options.config.allowed_hosts),
            prompts: Prompts::new(options.prompts.clone()),
            qualifier: daemon.and_then(|d| d.get::<QualifierService>()),
            browsers: daemon.and_then(|d| d.get::<crate::browser::Browsers>()),
        });
        let app =
            pages::router(state.clone()).layer(axum::middleware::from_fn_with_state(state, guard));
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let served = axum::serve(listener, app).with_graceful_shutdown(async move {
                let _ = rx.await;
            });
            if let Err(e) = served.await {
                tracing::warn!("the console stopped: {e}");
            }
        });
        Ok(Console {
            addr,
            token,
            token_made,
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    /// The address served.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://<addr>/`.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// The link that opens a session (it holds the token: show it to the operator only).
    pub fn login_url(&self) -> String {
        format!("http://{}/login?token={}", self.addr, self.token.as_str())
    }

    /// Tells the operator where the console is: the login link when the token was just made,
    /// else where the token is kept.
    pub fn announce(&self, data_dir: &std::path::Path) {
        if self.token_made {
            tracing::info!(
                "console: open {} to log in (printed once; the token is kept in {})",
                self.login_url(),
                data_dir.join(auth::TOKEN_FILE).display()
            );
        } else {
            tracing::info!(
                "console: {} (log in with {}login?token=<the token in {}>)",
                self.url(),
                self.url(),
                data_dir.join(auth::TOKEN_FILE).display()
            );
        }
    }

    /// Stops serving, letting open requests finish for up to 2 s.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let abort = task.abort_handle();
            if tokio::time::timeout(std::time::Duration::from_secs(2), task)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Checks every request: its Host, its session (but the login and the static assets), and for
/// a POST its origin and CSRF token. The session reaches the handlers as an extension.
async fn guard(State(state): State<Arc<ConsoleState>>, req: Request, next: Next) -> Response {
    let headers = req.headers().clone();
    let header_text = |name: header::HeaderName| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    if !auth::host_allowed(header_text(header::HOST).as_deref(), &state.hosts) {
        return views().error(
            StatusCode::MISDIRECTED_REQUEST,
            "this console does not answer to that host name",
        );
    }
    let path = req.uri().path();
    if path == "/login" || path.starts_with("/assets/") {
        return next.run(req).await;
    }
    let session = header_text(header::COOKIE)
        .and_then(|c| auth::session_id(&c).map(str::to_string))
        .and_then(|id| state.sessions.get(&id));
    let Some(session) = session else {
        return views().error(
            StatusCode::UNAUTHORIZED,
            "log in with the link the daemon printed when the console first started \
             (/login?token=… with the token kept in the data directory's console-token)",
        );
    };
    let mut req = req;
    if req.method() == Method::POST {
        if !auth::origin_allowed(header_text(header::ORIGIN).as_deref(), &state.hosts) {
            return views().error(StatusCode::FORBIDDEN, "a request from another site");
        }
        let in_header = header_text(header::HeaderName::from_static("x-csrf-token"));
        let (parts, body) = req.into_parts();
        let bytes = match axum::body::to_bytes(body, MAX_BODY).await {
            Ok(b) => b,
            Err(_) => {
                return views().error(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "the request is larger than the console reads",
                );
            }
        };
        let in_form = url::form_urlencoded::parse(&bytes)
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v.into_owned());
        let given = in_header.or(in_form).unwrap_or_default();
        if !auth::Token::same(&given, &session.csrf) {
            return views().error(
                StatusCode::FORBIDDEN,
                "the form is out of date or not from this console: reload the page and try again",
            );
        }
        req = Request::from_parts(parts, Body::from(bytes));
    }
    req.extensions_mut().insert(session);
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
        ),
    );
    response
}
