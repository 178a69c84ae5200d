//! The saved login of an account: its cookies, in Playwright's `storage_state` JSON format so
//! a session exported from other tools (or the reference) can be reused as is.
//!
//! The file holds a live LinkedIn session, so it is written atomically with mode 0600.

use super::BrowserError;
use super::site::SiteMap;
use chromiumoxide::cdp::browser_protocol::network::{
    Cookie, CookieParam, CookieSameSite, TimeSinceEpoch,
};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Cookies and local storage of a browser context (`storage_state`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StorageState {
    /// Every cookie.
    pub cookies: Vec<StoredCookie>,
    /// Local storage per origin (kept as read; Outlane writes none).
    #[serde(default)]
    pub origins: Vec<serde_json::Value>,
}

/// One cookie.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredCookie {
    /// Name.
    pub name: String,
    /// Value (`JSESSIONID` keeps its double quotes).
    pub value: String,
    /// Domain; a leading dot means subdomains too.
    pub domain: String,
    /// Path.
    #[serde(default = "root_path")]
    pub path: String,
    /// Expiry in seconds since the epoch; -1 for a session cookie.
    #[serde(default = "session")]
    pub expires: f64,
    /// HttpOnly.
    #[serde(default)]
    pub http_only: bool,
    /// Secure.
    #[serde(default)]
    pub secure: bool,
    /// `Strict`, `Lax` or `None`.
    #[serde(default = "lax")]
    pub same_site: String,
}

fn root_path() -> String {
    "/".into()
}
fn session() -> f64 {
    -1.0
}
fn lax() -> String {
    "Lax".into()
}

impl StorageState {
    /// Reads `path`; `None` when there is no saved session.
    pub fn load(path: &Path) -> Result<Option<StorageState>, BrowserError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(BrowserError::Io(format!(
                    "cannot read {}: {e}",
                    path.display()
                )));
            }
        };
        serde_json::from_str(&text).map(Some).map_err(|e| {
            BrowserError::Io(format!(
                "{}: not a saved browser session ({e}); delete it to log in afresh",
                path.display()
            ))
        })
    }

    /// Writes the state to `path` atomically, readable by the owner only.
    pub fn save(&self, path: &Path) -> Result<(), BrowserError> {
        let io =
            |e: std::io::Error| BrowserError::Io(format!("cannot save {}: {e}", path.display()));
        let text = serde_json::to_string_pretty(self)
            .map_err(|e| BrowserError::Io(format!("cannot encode the session: {e}")))?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let tmp = path.with_extension("json.tmp");
        {
            use std::io::Write;
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create(true).truncate(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options.open(&tmp).map_err(io)?;
            file.write_all(text.as_bytes()).map_err(io)?;
            file.sync_all().map_err(io)?;
        }
        std::fs::rename(&tmp, path).map_err(io)
    }

    /// The state of the browser's cookies.
    pub fn from_browser(cookies: Vec<Cookie>) -> StorageState {
        let cookies = cookies
            .into_iter()
            .map(|c| StoredCookie {
                expires: if c.session { -1.0 } else { c.expires },
                same_site: match c.same_site {
                    Some(CookieSameSite::Strict) => "Strict",
                    Some(CookieSameSite::None) => "None",
                    _ => "Lax",
                }
                .to_string(),
                name: c.name,
                value: c.value,
                domain: c.domain,
                path: c.path,
                http_only: c.http_only,
                secure: c.secure,
            })
            .collect();
        StorageState {
            cookies,
            origins: Vec::new(),
        }
    }

    /// The value of the first cookie called `name`.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.cookies
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.value.as_str())
    }

    /// The cookies as CDP parameters for the served site. A host-only cookie of the site's
    /// host is set through its URL so it stays host-only.
    pub fn to_params(&self, site: &SiteMap, now_s: f64) -> Vec<CookieParam> {
        let host = url::Url::parse(&site.base())
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_default();
        self.cookies
            .iter()
            .filter(|c| c.expires < 0.0 || c.expires > now_s)
            .map(|c| {
                let mut p = CookieParam::new(c.name.clone(), c.value.clone());
                if c.domain == host {
                    p.url = Some(site.site_url(&c.path));
                } else {
                    p.domain = Some(c.domain.clone());
                }
                p.path = Some(c.path.clone());
                p.secure = Some(c.secure);
                p.http_only = Some(c.http_only);
                p.same_site = Some(match c.same_site.as_str() {
                    "Strict" => CookieSameSite::Strict,
                    "None" => CookieSameSite::None,
                    _ => CookieSameSite::Lax,
                });
                if c.expires >= 0.0 {
                    p.expires = Some(TimeSinceEpoch::new(c.expires));
                }
                p
            })
            .collect()
    }
}

/// The csrf token LinkedIn expects: the `JSESSIONID` cookie without its double quotes.
pub fn csrf_token(jsessionid: &str) -> String {
    jsessionid.trim().trim_matches('"').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_playwright_storage_state_and_round_trips() {
        let text = r#"{"cookies":[{"name":"li_at","value":"AQED","domain":".www.linkedin.com","path":"/",
            "expires":1893456000,"httpOnly":true,"secure":true,"sameSite":"None"},
            {"name":"JSESSIONID","value":"\"ajax:123\"","domain":".www.linkedin.com","path":"/",
            "expires":-1,"httpOnly":false,"secure":true,"sameSite":"None"}],
            "origins":[{"origin":"https://www.linkedin.com","localStorage":[]}]}"#;
        let state: StorageState = serde_json::from_str(text).unwrap();
        assert_eq!(state.value("JSESSIONID"), Some("\"ajax:123\""));
        assert_eq!(csrf_token(state.value("JSESSIONID").unwrap()), "ajax:123");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s").join("cookies.json");
        state.save(&path).unwrap();
        assert_eq!(StorageState::load(&path).unwrap().unwrap(), state);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(
            StorageState::load(&dir.path().join("none.json"))
                .unwrap()
                .is_none()
        );
        std::fs::write(&path, "{not json").unwrap();
        assert!(
            StorageState::load(&path)
                .unwrap_err()
                .to_string()
                .contains("delete it")
        );
    }

    #[test]
    fn expired_cookies_are_not_restored_and_host_cookies_stay_host_only() {
        let site = SiteMap::new("http://127.0.0.1:9000").unwrap();
        let cookie = |name: &str, domain: &str, expires: f64| StoredCookie {
            name: name.into(),
            value: "v".into(),
            domain: domain.into(),
            path: "/".into(),
            expires,
            http_only: false,
            secure: false,
            same_site: "Lax".into(),
        };
        let state = StorageState {
            cookies: vec![
                cookie("old", "127.0.0.1", 100.0),
                cookie("li_at", "127.0.0.1", 5000.0),
                cookie("s", ".example.org", -1.0),
            ],
            origins: vec![],
        };
        let params = state.to_params(&site, 1000.0);
        assert_eq!(params.len(), 2);
        assert_eq!(params[0].url.as_deref(), Some("http://127.0.0.1:9000/"));
        assert!(params[0].domain.is_none());
        assert_eq!(params[1].domain.as_deref(), Some(".example.org"));
        assert!(params[1].expires.is_none());
    }
}
