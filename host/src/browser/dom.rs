//! Element queries and actions on a page, in page JavaScript plus real input events.
//!
//! A [`Query`] is a CSS selector list with optional filters (visible only, text contained,
//! scoped inside another element). Every query runs as one `Runtime.evaluate` so it sees one
//! consistent DOM; clicks and keystrokes go through CDP input events like a person's would.

use super::BrowserError;
use chromiumoxide::Page;
use chromiumoxide::cdp::js_protocol::runtime::EvaluateParams;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// What to find on the page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    /// CSS selector list; matches come in document order.
    pub css: String,
    /// Keep only elements whose normalised text contains this (case-insensitive).
    pub text: Option<String>,
    /// Keep only rendered elements (a non-empty box, not `visibility: hidden`).
    pub visible: bool,
    /// Search inside the first element matching this selector list instead of the document.
    pub within: Option<String>,
}

/// The page-side finder, shared by every query. `q` is a serialised [`Query`]; it returns
/// the matching elements or throws a `SyntaxError` for a bad selector.
const FIND: &str = r#"
function __outlaneFind(q) {
  let root = document;
  if (q.within) {
    root = document.querySelector(q.within);
    if (!root) return [];
  }
  let els = Array.from(root.querySelectorAll(q.css));
  const shown = (e) => {
    const r = e.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden';
  };
  if (q.visible) els = els.filter(shown);
  if (q.text) {
    const want = q.text.toLowerCase();
    els = els.filter((e) => (e.innerText || e.textContent || '').replace(/\s+/g, ' ').toLowerCase().includes(want));
  }
  return els;
}
"#;

/// Runs `body` (JavaScript using `els`, the matches of `query`) and decodes its result.
/// A bad selector becomes [`BrowserError::Invalid`].
pub async fn with_matches<T: DeserializeOwned>(
    page: &Page,
    query: &Query,
    body: &str,
) -> Result<T, BrowserError> {
    let q = json!({
        "css": query.css,
        "text": query.text,
        "visible": query.visible,
        "within": query.within,
    });
    let script = format!(
        "(() => {{ {FIND}\n try {{ const els = __outlaneFind({q}); return {{ ok: (() => {{ {body} }})() }}; }} \
         catch (e) {{ return {{ error: String(e && e.name || e), message: String(e && e.message || e) }}; }} }})()"
    );
    let value = evaluate(page, &script).await?;
    if let Some(message) = value.get("message").and_then(Value::as_str) {
        let what = if value.get("error").and_then(Value::as_str) == Some("SyntaxError") {
            format!("bad selector `{}`: {message}", selector_text(query))
        } else {
            format!(
                "query `{}` failed in the page: {message}",
                selector_text(query)
            )
        };
        return Err(BrowserError::Invalid(what));
    }
    serde_json::from_value(value.get("ok").cloned().unwrap_or(Value::Null))
        .map_err(|e| BrowserError::Page(format!("unexpected answer from the page: {e}")))
}

/// Evaluates a JavaScript expression (awaiting a promise) and returns its JSON value.
pub async fn evaluate(page: &Page, script: &str) -> Result<Value, BrowserError> {
    let params = EvaluateParams::builder()
        .expression(script)
        .await_promise(true)
        .return_by_value(true)
        .build()
        .map_err(BrowserError::Page)?;
    let result = page.evaluate_expression(params).await?;
    Ok(result.value().cloned().unwrap_or(Value::Null))
}

/// How a query reads in messages.
pub fn selector_text(query: &Query) -> String {
    let mut s = query.css.clone();
    if let Some(within) = &query.within {
        s = format!("{within} >> {s}");
    }
    if let Some(text) = &query.text {
        s.push_str(&format!(" with text {text:?}"));
    }
    if query.visible {
        s.push_str(" (visible)");
    }
    s
}

/// How many elements match now.
pub async fn count(page: &Page, query: &Query) -> Result<usize, BrowserError> {
    with_matches(page, query, "return els.length;").await
}

/// Inner texts of every match.
pub async fn texts(page: &Page, query: &Query) -> Result<Vec<String>, BrowserError> {
    with_matches(
        page,
        query,
        "return els.map((e) => (e.innerText || e.textContent || '').trim());",
    )
    .await
}

/// Attribute `name` of every match that has it.
pub async fn attrs(page: &Page, query: &Query, name: &str) -> Result<Vec<String>, BrowserError> {
    let name = json!(name);
    with_matches(
        page,
        query,
        &format!(
            "return els.filter((e) => e.hasAttribute({name})).map((e) => e.getAttribute({name}));"
        ),
    )
    .await
}

/// Every link of the page as an absolute URL (as the browser resolved it).
pub async fn links(page: &Page) -> Result<Vec<String>, BrowserError> {
    let value = evaluate(
        page,
        "Array.from(document.querySelectorAll('a[href]')).map((a) => a.href).filter((h) => h)",
    )
    .await?;
    serde_json::from_value(value)
        .map_err(|e| BrowserError::Page(format!("unexpected answer from the page: {e}")))
}

/// Where a click on the first match would land.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClickSpot {
    /// The centre of the element, in view and on top.
    At(f64, f64),
    /// Nothing rendered matches.
    Missing,
    /// It matches but is disabled.
    Disabled,
    /// Something else (an overlay, a sticky header) covers its centre.
    Covered(String),
}

/// Where to click the first rendered match: scrolls it into view and checks that the element
/// (or a descendant) is what the pointer would hit.
pub async fn click_spot(page: &Page, query: &Query) -> Result<ClickSpot, BrowserError> {
    with_matches(
        page,
        query,
        "const e = els.find((x) => { const r = x.getBoundingClientRect(); return r.width > 0 && r.height > 0; }); \
         if (!e) return 'missing'; if (e.disabled) return 'disabled'; \
         e.scrollIntoView({ block: 'center', inline: 'center' }); \
         const r = e.getBoundingClientRect(); const x = r.left + r.width / 2, y = r.top + r.height / 2; \
         const hit = document.elementFromPoint(x, y); \
         if (hit && hit !== e && !e.contains(hit) && !hit.contains(e)) \
           return { covered: (hit.tagName.toLowerCase() + (hit.className ? '.' + String(hit.className).split(' ')[0] : '')) }; \
         return { at: [x, y] };",
    )
    .await
}

/// Focuses the first match for typing and selects its current content (so the next key
/// replaces it). Returns `None` when nothing matches, else whether there was content.
pub async fn focus_and_select(page: &Page, query: &Query) -> Result<Option<bool>, BrowserError> {
    with_matches(
        page,
        query,
        "const e = els[0]; if (!e) return null; \
         e.scrollIntoView({ block: 'center' }); e.focus(); \
         if (e.isContentEditable) { const r = document.createRange(); r.selectNodeContents(e); \
           const s = window.getSelection(); s.removeAllRanges(); s.addRange(r); \
           return (e.innerText || '').trim().length > 0; } \
         if (typeof e.value === 'string') { e.select && e.select(); return e.value.length > 0; } \
         return false;",
    )
    .await
}

/// The page's URL, title and the HTTP status of its main document (0 if unknown).
pub async fn page_info(page: &Page) -> Result<(String, String, u16), BrowserError> {
    let value = evaluate(
        page,
        "(() => { const n = performance.getEntriesByType('navigation')[0]; \
          return [location.href, document.title, n && n.responseStatus ? n.responseStatus : 0]; })()",
    )
    .await?;
    serde_json::from_value(value)
        .map_err(|e| BrowserError::Page(format!("unexpected answer from the page: {e}")))
}

/// Whether the document has finished loading.
pub async fn is_loaded(page: &Page) -> Result<bool, BrowserError> {
    Ok(evaluate(page, "document.readyState === 'complete'").await? == Value::Bool(true))
}
