//! Authenticated calls to LinkedIn's internal API (Voyager) from inside the logged-in tab.
//!
//! The request is a `fetch` of the page itself, so it carries the session's cookies and the
//! browser's own user agent and `sec-*` headers; the host adds what LinkedIn's web app adds:
//! the csrf token (the `JSESSIONID` cookie without its quotes) and the Rest.li headers.
//! 429 and 5xx are retried with back-off (2 s, then 4 s, scaled by `browser.pace`); a 401
//! means the session ended and gets one fresh login; nothing else is retried.

use super::BrowserError;
use super::cookies::csrf_token;
use super::dom;
use super::input::Pace;
use super::session::AccountBrowser;
use chromiumoxide::cdp::browser_protocol::network::GetCookiesParams;
use serde::Deserialize;
use serde_json::json;

/// Attempts per call for retryable answers.
const ATTEMPTS: u32 = 3;

/// The answer of an API call.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ApiAnswer {
    /// HTTP status (0 when the request did not complete).
    pub status: u16,
    /// Response body as text.
    pub body: String,
}

/// Whether a status is worth retrying: LinkedIn's throttling (429, and its 999) and 5xx.
fn retryable(status: u16) -> bool {
    status == 429 || status == 999 || (500..600).contains(&status)
}

impl AccountBrowser {
    /// GETs `path` (starting with `/`, e.g. `/voyager/api/identity/dash/profiles?...`) on the
    /// site with the session's credentials.
    pub async fn api_get(&mut self, path: &str) -> Result<ApiAnswer, BrowserError> {
        if !path.starts_with('/') || path.starts_with("//") {
            return Err(BrowserError::Invalid(format!(
                "API path `{path}` must start with a single `/`"
            )));
        }
        let mut relogged = false;
        let mut attempt = 1;
        loop {
            let answer = self.fetch_once(path).await?;
            if answer.status == 401 && !relogged {
                tracing::warn!(
                    account = self.account(),
                    "API answered 401: logging in again"
                );
                relogged = true;
                self.relogin().await?;
                continue;
            }
            if answer.status == 401 {
                return Err(BrowserError::Auth(
                    "LinkedIn's API refuses the session even after a fresh login".into(),
                ));
            }
            if (retryable(answer.status) || answer.status == 0) && attempt < ATTEMPTS {
                let wait_s = 2u64 << (attempt - 1);
                tracing::debug!(
                    status = answer.status,
                    attempt,
                    "API call retried in {wait_s} s"
                );
                Pace(self.settings().pace)
                    .pause(wait_s * 1000, wait_s * 1000)
                    .await;
                attempt += 1;
                continue;
            }
            return match answer.status {
                429 | 999 => Err(BrowserError::RateLimited(format!(
                    "LinkedIn's API answered {} {ATTEMPTS} times: slow down",
                    answer.status
                ))),
                0 => Err(BrowserError::Page(format!(
                    "the API request failed {ATTEMPTS} times: {}",
                    answer.body
                ))),
                s if retryable(s) => Err(BrowserError::Page(format!(
                    "LinkedIn's API answered {s} {ATTEMPTS} times"
                ))),
                _ => Ok(answer),
            };
        }
    }

    async fn fetch_once(&mut self, path: &str) -> Result<ApiAnswer, BrowserError> {
        let url = self.site().site_url(path);
        let base = self.site().site_url("/");
        let timeout_ms = self.settings().timeout.as_millis() as u64 * 9 / 10;
        let page = self.api_page().await?;
        let cookies = page
            .execute(GetCookiesParams {
                urls: Some(vec![base]),
            })
            .await?
            .result
            .cookies
            .clone();
        // The last cookie of that name wins, as in the browser's own header. Without it every
        // call would fail the csrf check and read as "private profile".
        let Some(csrf) = cookies
            .iter()
            .rev()
            .find(|c| c.name == "JSESSIONID")
            .map(|c| csrf_token(&c.value))
        else {
            return Ok(ApiAnswer {
                status: 401,
                body: "no JSESSIONID cookie: the session is not established".into(),
            });
        };
        let headers = json!({
            "accept": "application/vnd.linkedin.normalized+json+2.1",
            "csrf-token": csrf,
            "x-li-lang": "en_US",
            "x-restli-protocol-version": "2.0.0",
        });
        let script = format!(
            "(async () => {{ const ctl = new AbortController(); const t = setTimeout(() => ctl.abort(), {timeout_ms}); \
             try {{ const r = await fetch({url}, {{ credentials: 'include', headers: {headers}, signal: ctl.signal }}); \
                   const p = new URL(r.url).pathname; const login = r.redirected && ['/login', '/authwall', '/uas/login', '/checkpoint/'].some((x) => p.startsWith(x)); \
                   return {{ status: login ? 401 : r.status, body: await r.text() }}; }} \
             catch (e) {{ return {{ status: 0, body: String(e) }}; }} finally {{ clearTimeout(t); }} }})()",
            url = json!(url),
        );
        let value = dom::evaluate(page, &script).await?;
        serde_json::from_value(value)
            .map_err(|e| BrowserError::Page(format!("unexpected answer from the page: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_throttling_and_server_errors_are_retried() {
        for s in [429, 999, 500, 502, 503] {
            assert!(retryable(s), "{s}");
        }
        for s in [200, 400, 401, 403, 404] {
            assert!(!retryable(s), "{s}");
        }
    }
}
