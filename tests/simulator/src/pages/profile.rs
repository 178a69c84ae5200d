//! The profile page (§7.4-P): one top-card section whose controls depend on the viewer's
//! relationship and the person's UI variant, an aside with "People also viewed" and
//! discovery extras, and the page script (Connect flow, More menus, message overlay).

use serde_json::json;

use super::{
    COMMON_JS, PageCtx, config_block, document, encode_component, escape, global_nav,
    page_containers, script,
};
use crate::scenario::{Distance, MessageVariant, Person, UiVariant, YearMonth};
use crate::state::{RelationshipState, ThreadEntry};

/// Faults that change how a profile page renders or behaves (each already fired).
#[derive(Debug, Clone, Copy, Default)]
pub struct ProfileFaults {
    /// No top-card section at all.
    pub missing_top_card: bool,
    /// Connect shows an error toast instead of the modal.
    pub error_toast: bool,
    /// Connect shows the weekly-limit alert instead of the modal.
    pub limit_instead_of_modal: bool,
    /// The message overlay's compose box is not editable.
    pub popup_not_editable: bool,
    /// Neither Message nor More is shown to a connection.
    pub no_message_popup: bool,
}

/// Everything needed to render one profile page.
#[derive(Debug, Clone)]
pub struct ProfileView<'a> {
    /// Links and viewer.
    pub ctx: &'a PageCtx,
    /// The profile shown.
    pub person: &'a Person,
    /// The viewer's relationship with the person (ignored when `is_self`).
    pub relationship: RelationshipState,
    /// The viewer's own profile.
    pub is_self: bool,
    /// 3–6 other people for the "People also viewed" aside.
    pub also_viewed: Vec<&'a Person>,
    /// The `<N>` of `ember<N>` ids on this page.
    pub ember: u64,
    /// Active page faults.
    pub faults: ProfileFaults,
    /// Invite modal uses "Send now".
    pub send_now_button: bool,
    /// Enter sends in the message overlay.
    pub enter_sends: bool,
    /// The existing conversation with the person.
    pub thread: Vec<ThreadEntry>,
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn date(d: &YearMonth) -> String {
    match d.month {
        Some(m) if (1..=12).contains(&m) => format!("{} {}", MONTHS[usize::from(m - 1)], d.year),
        _ => d.year.to_string(),
    }
}

fn badge(view: &ProfileView) -> String {
    if view.is_self {
        return String::new();
    }
    let degree = match (view.relationship, view.person.distance) {
        (RelationshipState::Connected, _) => "1st",
        (_, Distance::Distance2) => "2nd",
        (_, Distance::Distance3) => "3rd",
        (_, Distance::OutOfNetwork) => return String::new(),
    };
    format!(
        "<span class=\"distance-badge separator\"><span class=\"visually-hidden\">{degree} degree connection</span>\
         <span class=\"dist-value\" aria-hidden=\"true\">· {degree}</span></span>"
    )
}

struct Controls {
    /// Buttons in the actions row.
    buttons: String,
    /// Items of the More menu; `None` means no More button.
    menu: Option<String>,
    /// The More menu is a portal appended to `<body>` on click.
    portal: bool,
}

fn item(label: &str, text: &str, action: Option<&str>, role: Option<&str>) -> String {
    let action = action
        .map(|a| format!(" data-sim-action=\"{a}\""))
        .unwrap_or_default();
    let role = role
        .map(|r| format!(" data-sim-role=\"{r}\""))
        .unwrap_or_default();
    format!(
        "<div role=\"button\" tabindex=\"0\" class=\"artdeco-dropdown__item\" aria-label=\"{}\"{action}{role}>\
         <span class=\"display-flex t-normal\">{}</span></div>",
        escape(label),
        escape(text)
    )
}

fn common_items(name: &str) -> String {
    format!(
        "{}{}{}",
        item(
            &format!("Send {name}’s profile via a private note"),
            "Send profile",
            None,
            None
        ),
        item(
            &format!("Save {name}’s profile to PDF"),
            "Save to PDF",
            None,
            None
        ),
        item("About this profile", "About this profile", None, None),
    )
}

fn button(
    class: &str,
    label: Option<&str>,
    text: &str,
    action: &str,
    role: Option<&str>,
) -> String {
    let label = label
        .map(|l| format!(" aria-label=\"{}\"", escape(l)))
        .unwrap_or_default();
    let role = role
        .map(|r| format!(" data-sim-role=\"{r}\""))
        .unwrap_or_default();
    format!(
        "<button class=\"artdeco-button {class} pvs-profile-actions__action\" type=\"button\"{label}{role} data-sim-action=\"{action}\">\
         <span class=\"artdeco-button__text\">{}</span></button>",
        escape(text)
    )
}

fn controls(view: &ProfileView) -> Controls {
    let p = view.person;
    let name = p.full_name();
    let invite_label = format!("Invite {name} to connect");
    let connect_button = button(
        "artdeco-button--primary",
        Some(&invite_label),
        "Connect",
        "connect",
        Some("connect"),
    );
    let follow_button = button(
        "artdeco-button--primary",
        Some(&format!("Follow {name}")),
        "Follow",
        "follow",
        None,
    );
    let pending_button = button(
        "artdeco-button--secondary",
        Some(&format!(
            "Pending, click to withdraw invitation sent to {name}"
        )),
        "Pending",
        "pending",
        Some("pending"),
    );
    if view.is_self {
        return Controls {
            buttons: format!(
                "{}{}",
                button("artdeco-button--primary", None, "Open to", "noop", None),
                button(
                    "artdeco-button--secondary",
                    None,
                    "Add profile section",
                    "noop",
                    None
                )
            ),
            menu: Some(common_items(&name)),
            portal: false,
        };
    }
    match view.relationship {
        RelationshipState::Connected => {
            if view.faults.no_message_popup {
                return Controls {
                    buttons: String::new(),
                    menu: None,
                    portal: false,
                };
            }
            let remove = item(
                &format!("Remove your connection to {name}"),
                "Remove connection",
                None,
                None,
            );
            match p.message_variant {
                MessageVariant::DirectButton => Controls {
                    buttons: button(
                        "artdeco-button--primary",
                        Some(&format!("Message {name}")),
                        "Message",
                        "message",
                        Some("message"),
                    ),
                    menu: Some(format!("{}{remove}", common_items(&name))),
                    portal: false,
                },
                MessageVariant::OverflowOnly => Controls {
                    buttons: String::new(),
                    menu: Some(format!(
                        "{}{}{remove}",
                        item(
                            &format!("{name} to message"),
                            "Message",
                            Some("message"),
                            Some("message-item")
                        ),
                        common_items(&name)
                    )),
                    portal: false,
                },
                MessageVariant::None => Controls {
                    buttons: String::new(),
                    menu: Some(format!("{}{remove}", common_items(&name))),
                    portal: false,
                },
            }
        }
        _ if p.restricted => Controls {
            buttons: String::new(),
            menu: Some(common_items(&name)),
            portal: false,
        },
        RelationshipState::Pending => Controls {
            buttons: pending_button,
            menu: Some(common_items(&name)),
            portal: false,
        },
        RelationshipState::None | RelationshipState::Withdrawn | RelationshipState::Declined => {
            let invite_item = item(
                &invite_label,
                "Connect",
                Some("connect"),
                Some("connect-item"),
            );
            match p.ui_variant {
                UiVariant::DirectConnect => Controls {
                    buttons: connect_button,
                    menu: Some(common_items(&name)),
                    portal: false,
                },
                UiVariant::FollowPrimaryConnectInMore => Controls {
                    buttons: follow_button,
                    menu: Some(format!("{invite_item}{}", common_items(&name))),
                    portal: false,
                },
                UiVariant::ConnectInMorePortal => Controls {
                    buttons: follow_button,
                    menu: Some(format!("{invite_item}{}", common_items(&name))),
                    portal: true,
                },
                UiVariant::Sdui => Controls {
                    // Modern markup: a plain Connect button without aria-label.
                    buttons: "<button class=\"_button_primary\" type=\"button\" data-sim-action=\"connect\" \
                              data-sim-role=\"connect\"><span>Connect</span></button>"
                        .to_string(),
                    menu: Some(common_items(&name)),
                    portal: false,
                },
                UiVariant::NoConnect => Controls {
                    buttons: follow_button,
                    menu: Some(common_items(&name)),
                    portal: false,
                },
            }
        }
    }
}

fn more_button(view: &ProfileView, controls: &Controls) -> String {
    let Some(menu) = &controls.menu else {
        return String::new();
    };
    let sdui = view.person.ui_variant == UiVariant::Sdui && !view.is_self;
    let id = format!("ember{}", view.ember + 1);
    if sdui {
        return format!(
            "<div class=\"artdeco-dropdown\"><button class=\"_button_secondary\" type=\"button\" aria-label=\"More\" \
             aria-expanded=\"false\" data-sim-action=\"more\" aria-controls=\"{id}-sdui-menu\"><span>More</span></button>\
             <div id=\"{id}-sdui-menu\" class=\"artdeco-dropdown__content\" role=\"menu\">{menu}</div></div>"
        );
    }
    let trigger = format!(
        "<button id=\"{id}-profile-overflow-action\" class=\"artdeco-dropdown__trigger artdeco-button artdeco-button--secondary\" \
         type=\"button\" aria-label=\"More actions\" aria-expanded=\"false\" data-sim-action=\"more\"{}><span class=\"artdeco-button__text\">More</span></button>",
        if controls.portal {
            " data-sim-portal=\"true\"".to_string()
        } else {
            format!(" aria-controls=\"{id}-profile-overflow-menu\"")
        }
    );
    if controls.portal {
        format!("<div class=\"artdeco-dropdown\">{trigger}</div>")
    } else {
        format!(
            "<div class=\"artdeco-dropdown\">{trigger}<div id=\"{id}-profile-overflow-menu\" \
             class=\"artdeco-dropdown__content\" role=\"menu\">{menu}</div></div>"
        )
    }
}

fn connections_text(p: &Person) -> String {
    if p.member_id.is_multiple_of(3) {
        "<span class=\"t-bold\">500+</span> connections".to_string()
    } else {
        format!(
            "<span class=\"t-bold\">{}</span> connections",
            40 + p.member_id % 450
        )
    }
}

fn top_card(view: &ProfileView, controls: &Controls) -> String {
    let p = view.person;
    let name = escape(&p.full_name());
    let identity = format!(
        "<div class=\"mt2 relative\"><div><h1 class=\"text-heading-xlarge inline t-24 v-align-middle break-words\">{name}</h1> {badge}</div>\
         <div class=\"text-body-medium break-words\">{headline}</div>\
         <div class=\"mt2\"><span class=\"text-body-small inline t-black--light break-words\">{location}</span> \
         <span class=\"pv-text-details__separator\">·</span> \
         <a id=\"top-card-text-details-contact-info\" class=\"link-without-visited-state\" href=\"{contact}\">Contact info</a></div>\
         <ul class=\"pv-text-details__connections\"><li class=\"text-body-small\">{connections}</li></ul></div>",
        badge = badge(view),
        headline = escape(&p.headline),
        location = escape(&p.location),
        contact = escape(&view.ctx.profile_href(&p.handle, "overlay/contact-info/")),
        connections = connections_text(p),
    );
    let right_panel = {
        let mut items = String::new();
        if let Some(pos) = p.positions.first() {
            items.push_str(&format!(
                "<li class=\"text-body-small\">{}</li>",
                escape(&pos.company_name)
            ));
        }
        if let Some(ed) = p.educations.first() {
            items.push_str(&format!(
                "<li class=\"text-body-small\">{}</li>",
                escape(&ed.school_name)
            ));
        }
        format!("<ul class=\"pv-text-details__right-panel\">{items}</ul>")
    };
    let actions = format!(
        "<div class=\"pvs-profile-actions\" data-sim-role=\"actions\">{}{}</div>",
        controls.buttons,
        more_button(view, controls)
    );
    if p.ui_variant == UiVariant::Sdui && !view.is_self {
        format!(
            "<section class=\"artdeco-card\" componentkey=\"com.linkedin.sdui.profile.card.ref{pid}Topcard\">\
             <div class=\"sdui-topcard\">{identity}{right_panel}{actions}</div></section>",
            pid = escape(&p.profile_id)
        )
    } else {
        format!(
            "<section class=\"artdeco-card\" data-member-id=\"{member}\" id=\"ember{ember}\">\
             <div class=\"pv-top-card\"><div class=\"top-card-background-hero-image\" aria-hidden=\"true\"></div>\
             {identity}{right_panel}{actions}</div></section>",
            member = p.member_id,
            ember = view.ember
        )
    }
}

fn details(p: &Person) -> String {
    let mut out = String::new();
    if let Some(summary) = &p.summary {
        out.push_str(&format!(
            "<div class=\"artdeco-card pv-profile-card\" id=\"about\"><h2 class=\"pvs-header__title\">About</h2>\
             <div class=\"inline-show-more-text\">{}</div></div>",
            escape(summary)
        ));
    }
    if !p.positions.is_empty() {
        out.push_str("<div class=\"artdeco-card pv-profile-card\" id=\"experience\"><h2 class=\"pvs-header__title\">Experience</h2><ul class=\"pvs-list\">");
        for pos in &p.positions {
            let end = pos
                .end
                .as_ref()
                .map(date)
                .unwrap_or_else(|| "Present".into());
            out.push_str(&format!(
                "<li class=\"pvs-list__item\"><div class=\"t-bold\">{}</div><div class=\"t-14 t-normal\">{}</div>\
                 <div class=\"t-14 t-black--light\">{} – {}</div>{}{}</li>",
                escape(&pos.title),
                escape(&pos.company_name),
                date(&pos.start),
                end,
                pos.location
                    .as_ref()
                    .map(|l| format!("<div class=\"t-14 t-black--light\">{}</div>", escape(l)))
                    .unwrap_or_default(),
                pos.description
                    .as_ref()
                    .map(|d| format!("<p class=\"t-14\">{}</p>", escape(d)))
                    .unwrap_or_default(),
            ));
        }
        out.push_str("</ul></div>");
    }
    if !p.educations.is_empty() {
        out.push_str("<div class=\"artdeco-card pv-profile-card\" id=\"education\"><h2 class=\"pvs-header__title\">Education</h2><ul class=\"pvs-list\">");
        for ed in &p.educations {
            let degree = [ed.degree_name.as_deref(), ed.field_of_study.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(", ");
            let dates = match (&ed.start, &ed.end) {
                (Some(s), Some(e)) => format!("{} – {}", date(s), date(e)),
                (None, Some(e)) => date(e),
                (Some(s), None) => date(s),
                (None, None) => String::new(),
            };
            out.push_str(&format!(
                "<li class=\"pvs-list__item\"><div class=\"t-bold\">{}</div><div class=\"t-14\">{}</div>\
                 <div class=\"t-14 t-black--light\">{}</div></li>",
                escape(&ed.school_name),
                escape(&degree),
                dates
            ));
        }
        out.push_str("</ul></div>");
    }
    out
}

fn aside(view: &ProfileView) -> String {
    let ctx = view.ctx;
    let mut people = String::new();
    for other in &view.also_viewed {
        people.push_str(&format!(
            "<li class=\"pvs-list__item\"><a class=\"optional-action-target-wrapper\" href=\"{}\">\
             <span class=\"t-bold\">{}</span></a><div class=\"t-14 t-normal\">{}</div></li>",
            escape(&ctx.profile_href(&other.handle, "")),
            escape(&other.full_name()),
            escape(&other.headline)
        ));
    }
    let mut extras: Vec<(String, String)> = vec![
        (
            ctx.profile_href(&ctx.viewer_handle, ""),
            "Your profile".into(),
        ),
        (ctx.in_href("/in/me/"), "View your profile".into()),
        (
            ctx.profile_href(&view.person.handle, "details/experience/"),
            "All experience".into(),
        ),
    ];
    if let Some(first) = view.also_viewed.first() {
        extras.push((
            ctx.in_href(&format!(
                "/in/{}?miniProfileUrn={}",
                encode_component(&first.handle),
                encode_component(&format!("urn:li:fs_miniProfile:{}", first.profile_id))
            )),
            first.full_name(),
        ));
    }
    if let Some(last) = view.also_viewed.last() {
        extras.push((
            format!("//www.linkedin.com/in/{}/", encode_component(&last.handle)),
            last.full_name(),
        ));
    }
    extras.push((
        "https://example.org/in/someone/".into(),
        "Someone elsewhere".into(),
    ));
    let extras_html: String = extras
        .iter()
        .map(|(href, text)| {
            format!(
                "<li><a class=\"app-aware-link\" href=\"{}\">{}</a></li>",
                escape(href),
                escape(text)
            )
        })
        .collect();
    format!(
        "<aside class=\"scaffold-layout__aside\" aria-label=\"People also viewed\">\
         <div class=\"artdeco-card pv-browsemap-section\"><h2 class=\"pvs-header__title\">People also viewed</h2>\
         <ul class=\"pvs-list\">{people}</ul></div>\
         <div class=\"artdeco-card pv-discovery-extras\"><h2 class=\"pvs-header__title\">More profiles for you</h2>\
         <ul class=\"pvs-list\">{extras_html}</ul></div></aside>"
    )
}

const PROFILE_JS: &str = r#"
(function () {
  var cfg = SIM.config();
  var outlet = document.getElementById('artdeco-modal-outlet');
  var sending = false;
  var name = SIM.esc(cfg.name);

  function closeModal() { outlet.innerHTML = ''; }

  function closeMenus() {
    document.querySelectorAll('.artdeco-dropdown__content--is-open').forEach(function (m) {
      m.classList.remove('artdeco-dropdown__content--is-open');
    });
    var portal = document.getElementById('portal-overflow-menu');
    if (portal) { portal.remove(); }
    document.querySelectorAll('[data-sim-action="more"]').forEach(function (b) {
      b.setAttribute('aria-expanded', 'false');
    });
  }

  function toggleMore(btn) {
    var open = btn.getAttribute('aria-expanded') === 'true';
    closeMenus();
    if (open) { return; }
    btn.setAttribute('aria-expanded', 'true');
    if (btn.getAttribute('data-sim-portal') === 'true') {
      var tpl = document.getElementById('sim-portal-menu');
      var menu = tpl.content.firstElementChild.cloneNode(true);
      var r = btn.getBoundingClientRect();
      menu.style.position = 'absolute';
      menu.style.top = (window.scrollY + r.bottom + 4) + 'px';
      menu.style.left = (window.scrollX + r.left) + 'px';
      document.body.appendChild(menu);
      return;
    }
    var target = document.getElementById(btn.getAttribute('aria-controls'));
    if (target) { target.classList.add('artdeco-dropdown__content--is-open'); }
  }

  function limitAlert() {
    if (document.querySelector('.ip-fuse-limit-alert')) { return; }
    document.body.appendChild(SIM.el(
      '<div class="ip-fuse-limit-alert" role="alertdialog" aria-labelledby="ip-fuse-limit-alert-title">' +
      '<div class="ip-fuse-limit-alert__box"><div id="ip-fuse-limit-alert-title" class="ip-fuse-limit-alert__warning">' +
      "You've reached the weekly invitation limit</div>" +
      '<p>You can send more invitations next week. Until then, try following people instead.</p>' +
      '<button class="artdeco-button artdeco-button--primary" type="button" data-sim-action="close-limit">Got it</button>' +
      '</div></div>'));
  }

  function inviteModal() {
    closeModal();
    var html;
    if (cfg.email_required) {
      html = '<div class="artdeco-modal-overlay"><div role="dialog" class="artdeco-modal send-invite" aria-labelledby="send-invite-modal">' +
        '<button class="artdeco-modal__dismiss" type="button" aria-label="Dismiss" data-sim-action="dismiss">&times;</button>' +
        '<h2 id="send-invite-modal">Invite ' + name + ' to connect</h2>' +
        '<label for="email">To verify this member knows you, please enter their email to connect.</label>' +
        '<input type="email" id="email" name="email" autocomplete="off">' +
        '<div class="artdeco-modal__actionbar">' +
        '<button class="artdeco-button artdeco-button--primary" type="button" aria-label="Send invitation" data-sim-action="send">Send</button>' +
        '</div></div></div>';
    } else {
      var send = cfg.send_now_button
        ? '<button class="artdeco-button artdeco-button--primary" type="button" data-sim-action="send">Send now</button>'
        : '<button class="artdeco-button artdeco-button--primary" type="button" aria-label="Send without a note" data-sim-action="send">Send without a note</button>';
      html = '<div class="artdeco-modal-overlay"><div role="dialog" class="artdeco-modal send-invite" aria-labelledby="send-invite-modal">' +
        '<button class="artdeco-modal__dismiss" type="button" aria-label="Dismiss" data-sim-action="dismiss">&times;</button>' +
        '<h2 id="send-invite-modal">Add a note to your invitation?</h2>' +
        '<p class="send-invite__body">Personalize your invitation to ' + name + ' by adding a note. ' +
        'LinkedIn members are more likely to accept invitations that include a note.</p>' +
        '<div class="artdeco-modal__actionbar">' +
        '<button class="artdeco-button artdeco-button--secondary" type="button" aria-label="Add a note" data-sim-action="add-note">Add a note</button>' +
        send + '</div></div></div>';
    }
    outlet.appendChild(SIM.el(html));
  }

  function noteForm() {
    var dialog = outlet.querySelector('.send-invite');
    if (!dialog) { return; }
    var body = dialog.querySelector('.send-invite__body');
    if (body) { body.remove(); }
    var bar = dialog.querySelector('.artdeco-modal__actionbar');
    bar.insertAdjacentHTML('beforebegin',
      '<label for="custom-message">Add a note (up to 300 characters)</label>' +
      '<textarea id="custom-message" name="message" maxlength="300" placeholder="Ex: We know each other from…"></textarea>');
    bar.innerHTML =
      '<button class="artdeco-button artdeco-button--secondary" type="button" aria-label="Cancel adding a note" data-sim-action="dismiss">Cancel</button>' +
      '<button class="artdeco-button artdeco-button--primary" type="button" aria-label="Send invitation" data-sim-action="send">Send</button>';
  }

  function markPending() {
    var pending = SIM.el('<button class="artdeco-button artdeco-button--secondary pvs-profile-actions__action" type="button" ' +
      'aria-label="Pending, click to withdraw invitation sent to ' + name + '" data-sim-action="pending" data-sim-role="pending">' +
      '<span class="artdeco-button__text">Pending</span></button>');
    var connect = document.querySelector('[data-sim-role="connect"]');
    if (connect) {
      connect.replaceWith(pending);
    } else {
      var actions = document.querySelector('[data-sim-role="actions"]');
      if (actions) { actions.insertBefore(pending, actions.firstChild); }
    }
    document.querySelectorAll('[data-sim-role="connect-item"]').forEach(function (n) { n.remove(); });
    var tpl = document.getElementById('sim-portal-menu');
    if (tpl) {
      var it = tpl.content.querySelector('[data-sim-role="connect-item"]');
      if (it) { it.remove(); }
    }
  }

  function sendInvite() {
    if (sending) { return; }
    sending = true;
    var body = { handle: cfg.handle };
    var note = outlet.querySelector('#custom-message');
    var email = outlet.querySelector('#email');
    if (note) { body.note = note.value; }
    if (email) { body.email = email.value; }
    SIM.post('/__sim/ui/invite', body).then(function (r) {
      sending = false;
      closeModal();
      if (r.ok) {
        markPending();
        SIM.toast('success', 'Your invitation to ' + cfg.name + ' was sent.');
      } else if (r.limited) {
        limitAlert();
      } else {
        SIM.toast('error', r.error || 'Something went wrong. Please try again.');
      }
    }).catch(function () {
      sending = false;
      closeModal();
      SIM.toast('error', 'Something went wrong. Please try again.');
    });
  }

  function connect() {
    closeMenus();
    if (cfg.error_toast) {
      SIM.toast('error', "You can't invite this member right now.");
      return;
    }
    if (cfg.limit_instead_of_modal) {
      limitAlert();
      return;
    }
    inviteModal();
  }

  function withdrawModal() {
    closeModal();
    outlet.appendChild(SIM.el(
      '<div class="artdeco-modal-overlay"><div role="dialog" class="artdeco-modal withdraw-invite">' +
      '<h2>Withdraw invitation</h2><p>If you withdraw now, you won’t be able to resend to ' + name +
      ' for up to 3 weeks.</p><div class="artdeco-modal__actionbar">' +
      '<button class="artdeco-button artdeco-button--secondary" type="button" data-sim-action="dismiss">Cancel</button>' +
      '<button class="artdeco-button artdeco-button--primary" type="button" aria-label="Withdraw invitation" data-sim-action="withdraw">Withdraw</button>' +
      '</div></div></div>'));
  }

  function withdraw() {
    SIM.post('/__sim/ui/withdraw', { handle: cfg.handle }).then(function () { location.reload(); });
  }

  function closeOverlay() {
    var o = document.getElementById('msg-overlay-bubble');
    if (o) { o.remove(); }
  }

  function openOverlay() {
    var existing = document.getElementById('msg-overlay-bubble');
    if (existing) { existing.querySelector('.msg-form__contenteditable').focus(); return; }
    var o = SIM.el(
      '<aside id="msg-overlay-bubble" class="msg-overlay-conversation-bubble" role="dialog" aria-label="Conversation with ' + name + '">' +
      '<header class="msg-overlay-bubble-header"><h2>' + name + '</h2>' +
      '<button class="msg-overlay-bubble-header__control" type="button" aria-label="Close your conversation with ' + name +
      '" data-sim-action="close-overlay">&times;</button></header>' +
      '<div class="msg-s-message-list"><ul class="msg-s-message-list-content"></ul></div>' +
      '<form class="msg-form"><div class="msg-form__contenteditable t-14" contenteditable="' +
      (cfg.popup_not_editable ? 'false' : 'true') +
      '" role="textbox" aria-multiline="true" aria-label="Write a message…" tabindex="0"></div>' +
      '<button type="submit" class="msg-form__send-button artdeco-button artdeco-button--1" disabled>Send</button></form></aside>');
    var list = o.querySelector('.msg-s-message-list-content');
    (cfg.thread || []).forEach(function (m) { list.appendChild(SIM.listItem(m.text, m.from_viewer)); });
    var form = o.querySelector('form');
    var box = o.querySelector('.msg-form__contenteditable');
    var send = o.querySelector('.msg-form__send-button');
    SIM.composer(form, box, send, list, function () { return cfg.handle; }, 'popup', cfg.enter_sends);
    document.body.appendChild(o);
    box.focus();
  }

  document.addEventListener('click', function (e) {
    var t = e.target.closest('[data-sim-action]');
    if (!t) { return; }
    var a = t.getAttribute('data-sim-action');
    if (a === 'connect') { connect(); }
    else if (a === 'more') { toggleMore(t); }
    else if (a === 'add-note') { noteForm(); }
    else if (a === 'send') { sendInvite(); }
    else if (a === 'dismiss') { closeModal(); }
    else if (a === 'pending') { withdrawModal(); }
    else if (a === 'withdraw') { withdraw(); }
    else if (a === 'message') { closeMenus(); openOverlay(); }
    else if (a === 'close-overlay') { closeOverlay(); }
    else if (a === 'close-limit') {
      var alert = document.querySelector('.ip-fuse-limit-alert');
      if (alert) { alert.remove(); }
    }
  });
  document.addEventListener('keydown', function (e) {
    if (e.key === 'Escape') { closeOverlay(); closeModal(); closeMenus(); }
  });
})();
"#;

/// Renders the profile page.
pub fn render(view: &ProfileView) -> String {
    let p = view.person;
    let controls = controls(view);
    let card = if view.faults.missing_top_card {
        String::new()
    } else {
        top_card(view, &controls)
    };
    let portal_template = if controls.portal {
        format!(
            "<template id=\"sim-portal-menu\"><div id=\"portal-overflow-menu\" \
             class=\"artdeco-dropdown__content artdeco-dropdown__content--is-open\" role=\"menu\">{}</div></template>",
            controls.menu.clone().unwrap_or_default()
        )
    } else {
        String::new()
    };
    let config = json!({
        "handle": p.handle,
        "name": p.full_name(),
        "email_required": p.email_required,
        "send_now_button": view.send_now_button,
        "enter_sends": view.enter_sends,
        "error_toast": view.faults.error_toast,
        "limit_instead_of_modal": view.faults.limit_instead_of_modal,
        "popup_not_editable": view.faults.popup_not_editable,
        "thread": view.thread,
    });
    let body = format!(
        "{nav}<div class=\"scaffold-layout\"><main class=\"scaffold-layout__main\" aria-label=\"Profile\">{card}{details}</main>{aside}</div>\
         {containers}{portal_template}{config}{common}{page}",
        nav = global_nav(view.ctx),
        details = details(p),
        aside = aside(view),
        containers = page_containers(),
        config = config_block(&config),
        common = script(COMMON_JS),
        page = script(PROFILE_JS),
    );
    document(&p.full_name(), &body)
}
