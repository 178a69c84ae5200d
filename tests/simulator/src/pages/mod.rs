//! Server-rendered HTML pages (§7.4). Every page is self-contained: inline CSS and JS only,
//! and every `/in/` link is in the HTML when `load` fires.

pub mod checkpoint;
pub mod feed;
pub mod login;
pub mod messaging;
pub mod misc;
pub mod profile;
pub mod search;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::scenario::Person;

/// Host used for absolute LinkedIn links.
pub const LINKEDIN_ORIGIN: &str = "https://www.linkedin.com";

/// Characters left as they are in an encoded URL component (like JavaScript's
/// `encodeURIComponent`, minus `!*'()`).
pub const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes a URL component (a query value or a path segment).
pub fn encode_component(text: &str) -> String {
    utf8_percent_encode(text, COMPONENT).to_string()
}

/// Escapes text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Serialises page data for a `<script type="application/json">` block (no `</` inside).
pub fn json_for_script(value: &serde_json::Value) -> String {
    value
        .to_string()
        .replace("</", "<\\/")
        .replace("<!--", "<\\!--")
}

/// What every page builder needs to know about links and the viewer.
#[derive(Debug, Clone)]
pub struct PageCtx {
    /// Emit absolute `https://www.linkedin.com/in/…` hrefs.
    pub absolute_links: bool,
    /// The viewer's handle (self link).
    pub viewer_handle: String,
    /// The viewer's full name.
    pub viewer_name: String,
}

impl PageCtx {
    /// A context for `viewer`.
    pub fn new(viewer: &Person, absolute_links: bool) -> PageCtx {
        PageCtx {
            absolute_links,
            viewer_handle: viewer.handle.clone(),
            viewer_name: viewer.full_name(),
        }
    }

    /// The href of `/in/<handle>/<rest>` (rest may be empty or end with `?query`).
    pub fn profile_href(&self, handle: &str, rest: &str) -> String {
        let path = format!("/in/{}/{}", encode_component(handle), rest);
        self.in_href(&path)
    }

    /// The href of an `/in/…` path, absolute when `absolute_links` is set.
    pub fn in_href(&self, path: &str) -> String {
        if self.absolute_links {
            format!("{LINKEDIN_ORIGIN}{path}")
        } else {
            path.to_string()
        }
    }
}

const CSS: &str = r#"
*{box-sizing:border-box}
body{margin:0;font-family:-apple-system,system-ui,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;background:#f4f2ee;color:rgba(0,0,0,.9);font-size:14px}
a{color:#0a66c2;text-decoration:none}
.global-nav{background:#fff;border-bottom:1px solid #e0dfdc;position:sticky;top:0;z-index:10}
.global-nav__content{max-width:1128px;margin:0 auto;display:flex;align-items:center;gap:16px;height:52px;padding:0 12px}
.global-nav__logo{font-weight:700;font-size:22px;background:#0a66c2;color:#fff;border-radius:4px;padding:0 6px}
.global-nav__primary ul{display:flex;gap:20px;list-style:none;margin:0;padding:0}
.search-global-typeahead__input{background:#edf3f8;border:0;border-radius:4px;height:34px;width:280px;padding:0 10px}
.scaffold-layout{max-width:1128px;margin:24px auto;display:flex;gap:24px;padding:0 12px}
.scaffold-layout__main{flex:1;min-width:0}
.scaffold-layout__aside{width:300px}
.artdeco-card{background:#fff;border-radius:8px;box-shadow:0 0 0 1px rgba(0,0,0,.08);margin-bottom:8px;padding:16px 24px;position:relative}
.top-card-background-hero-image{height:80px;margin:-16px -24px 12px;border-radius:8px 8px 0 0;background:linear-gradient(90deg,#a0b4b7,#dce6f1)}
.text-heading-xlarge{font-size:24px;font-weight:600;margin:0}
.text-body-medium{font-size:16px;margin:4px 0}
.text-body-small{font-size:14px;color:rgba(0,0,0,.6)}
.visually-hidden{position:absolute!important;width:1px;height:1px;overflow:hidden;clip:rect(1px,1px,1px,1px);white-space:nowrap}
.artdeco-button{border-radius:16px;border:1px solid #0a66c2;background:#fff;color:#0a66c2;font-weight:600;font-size:16px;padding:6px 16px;cursor:pointer;margin-right:8px}
.artdeco-button--primary{background:#0a66c2;color:#fff}
.artdeco-button:disabled{background:#e0dfdc;color:rgba(0,0,0,.3);border-color:#e0dfdc;cursor:default}
.pvs-profile-actions{margin-top:12px;display:flex;flex-wrap:wrap;align-items:center}
.artdeco-dropdown{position:relative;display:inline-block}
.artdeco-dropdown__content{display:none;position:absolute;z-index:20;background:#fff;border-radius:8px;box-shadow:0 4px 12px rgba(0,0,0,.2);min-width:240px;padding:4px 0}
.artdeco-dropdown__content--is-open{display:block}
.artdeco-dropdown__item{display:block;padding:10px 16px;cursor:pointer}
.artdeco-dropdown__item:hover{background:#f3f2ef}
.artdeco-modal-overlay{position:fixed;inset:0;background:rgba(0,0,0,.6);display:flex;align-items:flex-start;justify-content:center;z-index:50}
.artdeco-modal{background:#fff;border-radius:8px;margin-top:120px;width:520px;padding:16px 24px;position:relative}
.artdeco-modal__actionbar{display:flex;justify-content:flex-end;margin-top:16px}
.artdeco-modal__dismiss{position:absolute;right:12px;top:12px;border:0;background:none;font-size:20px;cursor:pointer}
#custom-message{width:100%;height:120px;margin-top:8px}
.artdeco-toasts{position:fixed;left:24px;bottom:24px;z-index:60}
.artdeco-toast-item{background:#fff;border-radius:8px;box-shadow:0 4px 12px rgba(0,0,0,.3);padding:12px 16px;margin-top:8px;min-width:320px}
.artdeco-toast-item--error{border-left:4px solid #cc1016}
.artdeco-toast-item--success{border-left:4px solid #057642}
.ip-fuse-limit-alert{position:fixed;inset:0;background:rgba(0,0,0,.6);display:flex;align-items:center;justify-content:center;z-index:55}
.ip-fuse-limit-alert__box{background:#fff;border-radius:8px;padding:24px;width:480px}
.ip-fuse-limit-alert__warning{font-size:18px;font-weight:600}
.msg-overlay-conversation-bubble{position:fixed;right:24px;bottom:0;width:336px;background:#fff;border-radius:8px 8px 0 0;box-shadow:0 0 12px rgba(0,0,0,.3);z-index:40}
.msg-overlay-bubble-header{display:flex;justify-content:space-between;align-items:center;padding:8px 12px;border-bottom:1px solid #e0dfdc}
.msg-overlay-bubble-header h2{font-size:14px;margin:0}
.msg-s-message-list-content{list-style:none;margin:0;padding:8px 12px;max-height:240px;overflow:auto}
.msg-s-event-listitem__body{margin:4px 0;white-space:pre-wrap}
.msg-form{padding:8px 12px;border-top:1px solid #e0dfdc}
.msg-form__contenteditable{min-height:60px;border:1px solid #e0dfdc;border-radius:4px;padding:8px;margin-bottom:8px;white-space:pre-wrap;outline:none}
.msg-connections-typeahead{border-bottom:1px solid #e0dfdc;padding:8px 0}
.msg-connections-typeahead__search-field{width:100%;height:32px;border:0;font-size:14px;outline:none}
.msg-connections-typeahead__search-result-row{padding:8px 12px;cursor:pointer;display:flex;flex-direction:column}
.msg-connections-typeahead__search-result-row:hover{background:#f3f2ef}
.artdeco-pill{display:inline-block;background:#0a66c2;color:#fff;border-radius:12px;padding:2px 10px;margin:2px}
.feed-shared-update-v2{margin-bottom:8px}
.entity-result{display:flex;flex-direction:column;gap:2px;padding:12px 0;border-bottom:1px solid #e0dfdc}
.reusable-search__entity-result-list{list-style:none;margin:0;padding:0}
.artdeco-pagination__pages{display:flex;gap:12px;list-style:none;padding:0}
.login__form{max-width:400px;margin:60px auto;background:#fff;border-radius:8px;padding:24px;box-shadow:0 4px 12px rgba(0,0,0,.15)}
.login__form input{display:block;width:100%;height:52px;margin:12px 0;padding:0 12px;border:1px solid rgba(0,0,0,.6);border-radius:4px;font-size:16px}
.login__form button{width:100%;height:52px;border-radius:26px;border:0;background:#0a66c2;color:#fff;font-size:16px;font-weight:600}
.form__error{color:#cc1016;font-weight:600}
"#;

/// Wraps `body` into a complete HTML document with the shared stylesheet.
pub fn document(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} | LinkedIn</title><link rel=\"icon\" href=\"data:,\"><style>{CSS}</style></head>\
         <body>{body}</body></html>",
        escape(title)
    )
}

/// The global navigation bar of signed-in pages (with the self link).
pub fn global_nav(ctx: &PageCtx) -> String {
    format!(
        "<header id=\"global-nav\" class=\"global-nav\"><div class=\"global-nav__content\">\
         <a class=\"global-nav__logo\" href=\"/feed/\">in</a>\
         <form class=\"search-global-typeahead\" action=\"/search/results/people/\" method=\"get\" role=\"search\">\
         <input class=\"search-global-typeahead__input\" name=\"keywords\" type=\"text\" placeholder=\"Search\" aria-label=\"Search\">\
         <input type=\"hidden\" name=\"origin\" value=\"GLOBAL_SEARCH_HEADER\"></form>\
         <nav class=\"global-nav__primary\" aria-label=\"Primary Navigation\"><ul>\
         <li><a class=\"global-nav__primary-link\" href=\"/feed/\">Home</a></li>\
         <li><a class=\"global-nav__primary-link\" href=\"/messaging/\">Messaging</a></li>\
         <li><a class=\"global-nav__primary-link global-nav__me\" href=\"{}\" title=\"{}\">Me</a></li>\
         </ul></nav></div></header>",
        escape(&ctx.profile_href(&ctx.viewer_handle, "")),
        escape(&ctx.viewer_name)
    )
}

/// Shared client-side helpers: CSRF header from the JSESSIONID cookie, JSON POST, toasts.
pub const COMMON_JS: &str = r#"
var SIM = (function () {
  function csrf() {
    var m = document.cookie.match(/(?:^|;\s*)JSESSIONID=([^;]*)/);
    return m ? m[1].replace(/^"|"$/g, '') : '';
  }
  function post(path, body) {
    return fetch(path, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'csrf-token': csrf() },
      body: JSON.stringify(body)
    }).then(function (r) { return r.json(); });
  }
  function get(path) {
    return fetch(path, { credentials: 'same-origin', headers: { 'csrf-token': csrf() } })
      .then(function (r) { return r.json(); });
  }
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }
  function el(html) {
    var t = document.createElement('template');
    t.innerHTML = html.trim();
    return t.content.firstElementChild;
  }
  function config() {
    var node = document.getElementById('sim-config');
    return node ? JSON.parse(node.textContent) : {};
  }
  function toast(kind, text) {
    var box = document.getElementById('artdeco-toasts');
    if (!box) { return; }
    box.innerHTML = '';
    var t = el('<div class="artdeco-toast-item artdeco-toast-item--' + kind + '" role="alert" data-test-artdeco-toast-item-type="' + kind +
      '"><p class="artdeco-toast-item__message">' + esc(text) + '</p></div>');
    box.appendChild(t);
    setTimeout(function () { if (t.parentNode) { t.parentNode.removeChild(t); } }, 10000);
  }
  function listItem(text, fromViewer) {
    return el('<li class="msg-s-message-list__event"><div class="msg-s-event-listitem' +
      (fromViewer ? ' msg-s-event-listitem--self' : ' msg-s-event-listitem--other') +
      '"><p class="msg-s-event-listitem__body t-14">' + esc(text) + '</p></div></li>');
  }
  function insertText(box, text) {
    box.focus();
    if (box.isContentEditable && document.execCommand('insertText', false, text)) { return; }
    box.textContent = box.textContent + text;
  }
  function composeText(box) {
    return box.innerText.replace(/[\r\n]+$/, '');
  }
  // Wires a message form: Send is enabled by typing or pasting, submit (or Enter when
  // enterSends) posts the text to recipient() on `channel` and shows it in `list`.
  function composer(form, box, send, list, recipient, channel, enterSends) {
    var busy = false;
    function enable() { send.disabled = false; }
    function submit() {
      var to = recipient();
      if (send.disabled || busy || !to) { return; }
      var text = composeText(box);
      if (!text.trim()) { return; }
      busy = true;
      post('/__sim/ui/message', { handle: to, text: text, channel: channel }).then(function (r) {
        busy = false;
        if (r.ok) {
          list.appendChild(listItem(text, true));
          box.innerHTML = '';
          send.disabled = true;
        } else {
          toast('error', r.error || 'Your message couldn’t be sent.');
        }
      }).catch(function () { busy = false; toast('error', 'Your message couldn’t be sent.'); });
    }
    box.addEventListener('input', enable);
    box.addEventListener('paste', function (e) {
      var data = e.clipboardData ? e.clipboardData.getData('text/plain') : '';
      e.preventDefault();
      insertText(box, data);
      enable();
    });
    box.addEventListener('keydown', function (e) {
      if (e.key === 'Enter' && !e.shiftKey && enterSends) { e.preventDefault(); submit(); }
    });
    form.addEventListener('submit', function (e) { e.preventDefault(); submit(); });
  }
  return { csrf: csrf, post: post, get: get, esc: esc, el: el, config: config, toast: toast,
           listItem: listItem, insertText: insertText, composeText: composeText, composer: composer };
})();
"#;

/// A `<script>` block with `code`.
pub fn script(code: &str) -> String {
    format!("<script>{code}</script>")
}

/// The JSON configuration block read by page scripts.
pub fn config_block(value: &serde_json::Value) -> String {
    format!(
        "<script type=\"application/json\" id=\"sim-config\">{}</script>",
        json_for_script(value)
    )
}

/// Page-level containers: toasts and the modal outlet.
pub fn page_containers() -> &'static str {
    "<div id=\"artdeco-toasts\" class=\"artdeco-toasts\" aria-live=\"polite\"></div>\
     <div id=\"artdeco-modal-outlet\"></div>"
}
