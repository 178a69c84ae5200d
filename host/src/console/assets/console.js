// Outlane console: live refresh, review shortcuts, the follow-up preview. Plain script, no
// dependencies; everything it fetches is this console's own.
"use strict";

const csrf = () => document.querySelector('meta[name="csrf"]')?.content ?? "";

// Parts of a page that refresh themselves: data-refresh names the address of their body.
function liveRefresh() {
  for (const part of document.querySelectorAll("[data-refresh]")) {
    const every = Number(part.dataset.every || 3000);
    const tick = async () => {
      try {
        const r = await fetch(part.dataset.refresh, { credentials: "same-origin" });
        if (r.status === 401) return; // logged out: stop
        if (r.ok) part.innerHTML = await r.text();
      } catch (_) {
        // the daemon restarting: try again later
      }
      setTimeout(tick, every);
    };
    setTimeout(tick, every);
  }
}

// The review queue: j/k move the selection, a accepts, r rejects.
function reviewKeys() {
  const items = () => [...document.querySelectorAll("li.decision")];
  if (!items().length) return;
  let at = 0;
  const select = (i) => {
    const all = items();
    if (!all.length) return;
    at = Math.max(0, Math.min(i, all.length - 1));
    all.forEach((el, n) => el.classList.toggle("selected", n === at));
    all[at].focus();
  };
  select(0);
  document.addEventListener("keydown", (e) => {
    if (e.target.closest("input, textarea, select") || e.ctrlKey || e.metaKey || e.altKey) return;
    const current = items()[at];
    if (e.key === "j") select(at + 1);
    else if (e.key === "k") select(at - 1);
    else if ((e.key === "a" || e.key === "r") && current) {
      current.querySelector(e.key === "a" ? "button.accept" : "button.reject")?.click();
    } else return;
    e.preventDefault();
  });
}

// The campaign page: the message of the step being edited, for the chosen lead, as typed.
function followUpPreview() {
  const form = document.getElementById("campaign-form");
  const out = document.getElementById("preview");
  if (!form || !out) return;
  let timer = null;
  const update = async () => {
    const body = new URLSearchParams(new FormData(form));
    try {
      const r = await fetch(form.dataset.preview, {
        method: "POST",
        credentials: "same-origin",
        headers: { "x-csrf-token": csrf() },
        body,
      });
      out.textContent = await r.text();
      out.classList.toggle("bad-text", !r.ok);
    } catch (_) {
      out.textContent = "(the console cannot be reached)";
      out.classList.add("bad-text");
    }
  };
  // The step whose template was last focused is the one previewed.
  form.addEventListener("focusin", (e) => {
    const m = /^template_(\d+)$/.exec(e.target.name || "");
    if (!m || form.elements.preview_step.value === m[1]) return;
    form.elements.preview_step.value = m[1];
    document.getElementById("preview-step").textContent = "step " + m[1];
    update();
  });
  form.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(update, 250);
  });
  form.addEventListener("change", update);
}

// The take-over: the account's tab as frames; clicks and keys go to it, in order.
function takeover() {
  const box = document.getElementById("takeover");
  const screen = document.getElementById("screen");
  if (!box || !screen) return;
  const base = box.dataset.base;
  const keys = new Set((box.dataset.keys || "").split(","));
  let seq = 0;
  let queue = Promise.resolve();
  const send = (fields) => {
    fields.csrf = csrf();
    queue = queue.then(() =>
      fetch(base + "/input", {
        method: "POST",
        credentials: "same-origin",
        headers: { "x-csrf-token": csrf() },
        body: new URLSearchParams(fields),
      }).catch(() => {})
    );
  };
  const poll = async () => {
    try {
      const r = await fetch(base + "/state", { credentials: "same-origin" });
      if (r.ok) {
        const s = await r.json();
        if (s.seq && s.seq !== seq) {
          seq = s.seq;
          screen.src = base + "/frame?seq=" + seq;
        }
        if (!s.running && !s.paused) {
          document.getElementById("takeover-done").hidden = false;
          return;
        }
      }
    } catch (_) {}
    setTimeout(poll, 150);
  };
  poll();
  screen.addEventListener("click", (e) => {
    const r = screen.getBoundingClientRect();
    box.focus();
    send({ kind: "click", x: (e.clientX - r.left) / r.width, y: (e.clientY - r.top) / r.height });
  });
  box.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key.length === 1) send({ kind: "text", text: e.key });
    else if (keys.has(e.key)) send({ kind: "key", key: e.key });
    else return;
    e.preventDefault();
  });
}

document.addEventListener("DOMContentLoaded", () => {
  liveRefresh();
  reviewKeys();
  followUpPreview();
  takeover();
});
