//! Messaging pages (§7.4-M): the compose page with the connections typeahead
//! (`/messaging/thread/new/` and other `/messaging/…` paths) and an existing thread
//! (`/messaging/thread/<handle>/`).

use serde_json::json;

use super::{
    COMMON_JS, PageCtx, config_block, document, escape, global_nav, page_containers, script,
};
use crate::scenario::Person;
use crate::state::ThreadEntry;

/// What a messaging page shows.
#[derive(Debug, Clone)]
pub enum MessagingView<'a> {
    /// A new conversation: pick a recipient with the typeahead.
    Compose {
        /// The typeahead never shows rows (fault `missing_typeahead`).
        typeahead_off: bool,
    },
    /// The conversation with one person.
    Thread {
        /// The other person.
        person: &'a Person,
        /// Their messages and the viewer's.
        entries: Vec<ThreadEntry>,
    },
}

const MESSAGING_JS: &str = r#"
(function () {
  var cfg = SIM.config();
  var recipient = cfg.recipient || null;
  var input = document.querySelector('.msg-connections-typeahead__search-field');
  var results = document.querySelector('.msg-connections-typeahead__results');
  var pills = document.querySelector('.msg-connections-typeahead__pills');
  var list = document.querySelector('.msg-s-message-list-content');
  var form = document.querySelector('form.msg-form');
  var box = document.querySelector('.msg-form__contenteditable');
  var send = document.querySelector('.msg-form__send-button');
  var seq = 0;

  function row(r) {
    return '<div class="msg-connections-typeahead__search-result-row" role="option" tabindex="-1" data-handle="' +
      SIM.esc(r.handle) + '" data-name="' + SIM.esc(r.name) + '">' +
      '<span class="msg-connections-typeahead__result-name">' + SIM.esc(r.name) + '</span>' +
      '<span class="msg-connections-typeahead__result-headline t-12">' + SIM.esc(r.headline) + '</span></div>';
  }

  if (input) {
    input.addEventListener('input', function () {
      var q = input.value;
      var mine = ++seq;
      if (cfg.typeahead_off) { return; }
      if (!q.trim()) { results.innerHTML = ''; return; }
      SIM.get('/__sim/ui/typeahead?q=' + encodeURIComponent(q)).then(function (d) {
        if (mine !== seq) { return; }
        results.innerHTML = (d.results || []).map(row).join('');
      });
    });
    results.addEventListener('click', function (e) {
      var r = e.target.closest('.msg-connections-typeahead__search-result-row');
      if (!r) { return; }
      recipient = r.getAttribute('data-handle');
      pills.innerHTML = '<span class="msg-connections-typeahead__pill artdeco-pill" data-handle="' +
        SIM.esc(recipient) + '">' + SIM.esc(r.getAttribute('data-name')) + '</span>';
      input.value = '';
      results.innerHTML = '';
      seq++;
      box.focus();
    });
  }

  SIM.composer(form, box, send, list, function () { return recipient; }, 'messaging_page', cfg.enter_sends);
})();
"#;

fn compose_form() -> &'static str {
    "<form class=\"msg-form\"><div class=\"msg-form__contenteditable t-14\" contenteditable=\"true\" role=\"textbox\" \
     aria-multiline=\"true\" aria-label=\"Write a message…\"></div>\
     <button type=\"submit\" class=\"msg-form__send-button artdeco-button artdeco-button--1\" disabled>Send</button></form>"
}

/// Renders a messaging page.
pub fn render(ctx: &PageCtx, view: &MessagingView, enter_sends: bool) -> String {
    let (header, entries, config) = match view {
        MessagingView::Compose { typeahead_off } => (
            "<h2 class=\"msg-compose__title\">New message</h2>\
             <div class=\"msg-connections-typeahead\"><div class=\"msg-connections-typeahead__pills\"></div>\
             <input class=\"msg-connections-typeahead__search-field\" type=\"text\" role=\"combobox\" \
             autocomplete=\"off\" placeholder=\"Type a name or multiple names\" aria-label=\"Type a name or multiple names\">\
             <div class=\"msg-connections-typeahead__results\" role=\"listbox\"></div></div>"
                .to_string(),
            String::new(),
            json!({ "typeahead_off": typeahead_off, "enter_sends": enter_sends }),
        ),
        MessagingView::Thread { person, entries } => {
            let items: String = entries
                .iter()
                .map(|e| {
                    format!(
                        "<li class=\"msg-s-message-list__event\"><div class=\"msg-s-event-listitem {}\">\
                         <p class=\"msg-s-event-listitem__body t-14\">{}</p></div></li>",
                        if e.from_viewer {
                            "msg-s-event-listitem--self"
                        } else {
                            "msg-s-event-listitem--other"
                        },
                        escape(&e.text)
                    )
                })
                .collect();
            (
                format!(
                    "<h2 class=\"msg-entity-lockup__entity-title\"><a href=\"{}\">{}</a></h2>",
                    escape(&ctx.profile_href(&person.handle, "")),
                    escape(&person.full_name())
                ),
                items,
                json!({ "recipient": person.handle, "enter_sends": enter_sends }),
            )
        }
    };
    let body = format!(
        "{nav}<div class=\"scaffold-layout\"><main class=\"scaffold-layout__main msg-compose artdeco-card\" aria-label=\"Messaging\">\
         {header}<div class=\"msg-s-message-list\"><ul class=\"msg-s-message-list-content\">{entries}</ul></div>{form}</main></div>\
         {containers}{config}{common}{page}",
        nav = global_nav(ctx),
        form = compose_form(),
        containers = page_containers(),
        config = config_block(&config),
        common = script(COMMON_JS),
        page = script(MESSAGING_JS),
    );
    document("Messaging", &body)
}
