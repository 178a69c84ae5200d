//! Who may use the console, and from where.
//!
//! - **The token**: 32 random bytes, made at the first start and kept in the data directory
//!   (`console-token`, mode 0600). `/login?token=…` with it opens a session; nothing else
//!   does.
//! - **A session**: a random id in a cookie (`HttpOnly`, `SameSite=Strict`, path `/`), kept in
//!   memory (a restart asks for the login link again), with its own CSRF token.
//! - **Every request**: its `Host` must be one the console answers to (the listen address,
//!   `127.0.0.1`, `localhost`, `[::1]` at its port, or a configured name), so a web page that
//!   rebinds its own DNS name to 127.0.0.1 gets nothing.
//! - **Every state change** is a POST carrying the session's CSRF token (a form field or the
//!   `x-csrf-token` header); a POST whose `Origin` names another site is refused too.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

/// The cookie holding the session id.
pub const SESSION_COOKIE: &str = "outlane_session";
/// The file of the data directory holding the token.
pub const TOKEN_FILE: &str = "console-token";
/// At most this many sessions are kept; a new login beyond it ends the oldest.
const MAX_SESSIONS: usize = 32;

/// The console's access token.
#[derive(Clone)]
pub struct Token(String);

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(…)")
    }
}

impl Token {
    /// The token kept in `data_dir`, made (and saved, mode 0600) when there is none. The flag
    /// says whether it was made now (the login link is then printed).
    pub fn load_or_create(data_dir: &Path) -> std::io::Result<(Token, bool)> {
        let path = data_dir.join(TOKEN_FILE);
        let made = || -> std::io::Result<(Token, bool)> {
            let token = Token(random_hex());
            crate::files::write_private(&path, token.0.as_bytes())?;
            Ok((token, true))
        };
        match crate::files::read_text(&path, 1024) {
            Ok(text) if is_token(text.trim()) => {
                crate::files::private_file(&path)?;
                Ok((Token(text.trim().to_string()), false))
            }
            // A damaged file: a new token (the old login link stops working).
            Ok(_) => made(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => made(),
            Err(e) => Err(e),
        }
    }

    /// The token's text (for the login link).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether two secrets are the same (compared in constant time; an empty one never is).
    pub fn same(given: &str, expected: &str) -> bool {
        !expected.is_empty() && constant_time_eq(given.as_bytes(), expected.as_bytes())
    }

    /// Whether `given` is the token (compared in constant time).
    pub fn matches(&self, given: &str) -> bool {
        constant_time_eq(self.0.as_bytes(), given.as_bytes())
    }
}

fn is_token(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// 32 random bytes as hex.
pub fn random_hex() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// One logged-in browser.
#[derive(Debug, Clone)]
pub struct Session {
    /// The token its forms and scripts must send with every POST.
    pub csrf: String,
    /// When it began (for ending the oldest first).
    started: u64,
}

/// The open sessions.
#[derive(Debug, Default)]
pub struct Sessions {
    open: Mutex<HashMap<String, Session>>,
    counter: std::sync::atomic::AtomicU64,
}

impl Sessions {
    /// Opens a session; returns its id.
    pub fn open(&self) -> String {
        let id = random_hex();
        let started = self
            .counter
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if open.len() >= MAX_SESSIONS
            && let Some(oldest) = open
                .iter()
                .min_by_key(|(_, s)| s.started)
                .map(|(k, _)| k.clone())
        {
            open.remove(&oldest);
        }
        open.insert(
            id.clone(),
            Session {
                csrf: random_hex(),
                started,
            },
        );
        id
    }

    /// The session with `id`, if open.
    pub fn get(&self, id: &str) -> Option<Session> {
        let open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        open.get(id).cloned()
    }
}

/// The session id in a `Cookie` header, if any.
pub fn session_id(cookie_header: &str) -> Option<&str> {
    cookie_header
        .split(';')
        .map(str::trim)
        .find_map(|pair| pair.strip_prefix(SESSION_COOKIE)?.strip_prefix('='))
}

/// The `Set-Cookie` value for session `id`.
pub fn session_cookie(id: &str) -> String {
    format!("{SESSION_COOKIE}={id}; HttpOnly; SameSite=Strict; Path=/")
}

/// The `Host` values the console answers to when it listens on `listen`: the address itself,
/// `127.0.0.1`, `localhost` and `[::1]` at its port, and `extra` names (as given, any port
/// they carry included), all lower-cased.
pub fn allowed_hosts(listen: std::net::SocketAddr, extra: &[String]) -> Vec<String> {
    let port = listen.port();
    let mut hosts = vec![
        listen.to_string(),
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("[::1]:{port}"),
    ];
    hosts.extend(extra.iter().map(|h| h.trim().to_ascii_lowercase()));
    hosts.sort();
    hosts.dedup();
    hosts
}

/// Whether a request's `Host` is one of `allowed`.
pub fn host_allowed(host: Option<&str>, allowed: &[String]) -> bool {
    host.map(|h| h.trim().to_ascii_lowercase())
        .is_some_and(|h| allowed.contains(&h))
}

/// Whether a POST's `Origin` (when the browser sent one) is the console itself: `http://` or
/// `https://` and an allowed host.
pub fn origin_allowed(origin: Option<&str>, allowed: &[String]) -> bool {
    let Some(origin) = origin else {
        return true;
    };
    let host = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"));
    host.is_some_and(|h| allowed.contains(&h.to_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_made_once_and_kept_private() {
        let dir = tempfile::tempdir().unwrap();
        let (first, made) = Token::load_or_create(dir.path()).unwrap();
        assert!(made);
        let (again, made) = Token::load_or_create(dir.path()).unwrap();
        assert!(!made);
        assert!(again.matches(first.as_str()));
        assert!(!again.matches("nope"));
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join(TOKEN_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        // A damaged file gets a new token.
        std::fs::write(dir.path().join(TOKEN_FILE), "short").unwrap();
        let (new, made) = Token::load_or_create(dir.path()).unwrap();
        assert!(made && !new.matches(first.as_str()));
    }

    #[test]
    fn hosts_origins_and_cookies() {
        let allowed = allowed_hosts(
            "127.0.0.1:7878".parse().unwrap(),
            &["Outlane.example".into()],
        );
        assert!(host_allowed(Some("127.0.0.1:7878"), &allowed));
        assert!(host_allowed(Some("LOCALHOST:7878"), &allowed));
        assert!(host_allowed(Some("outlane.example"), &allowed));
        assert!(!host_allowed(Some("evil.example:7878"), &allowed));
        assert!(!host_allowed(Some("127.0.0.1:80"), &allowed));
        assert!(!host_allowed(None, &allowed));
        assert!(origin_allowed(None, &allowed));
        assert!(origin_allowed(Some("http://localhost:7878"), &allowed));
        assert!(!origin_allowed(Some("http://evil.example"), &allowed));
        assert!(!origin_allowed(Some("null"), &allowed));
        assert_eq!(session_id("a=1; outlane_session=abc; b=2"), Some("abc"));
        assert_eq!(session_id("outlane_sessionx=abc"), None);
        let sessions = Sessions::default();
        let id = sessions.open();
        assert!(sessions.get(&id).is_some());
        assert!(sessions.get("other").is_none());
        for _ in 0..MAX_SESSIONS {
            sessions.open();
        }
        assert!(sessions.get(&id).is_none(), "the oldest session ended");
    }
}
