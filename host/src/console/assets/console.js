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

// The campaign page: the follow-up message for the chosen lead, as typed.
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
  form.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(update, 250);
  });
  form.addEventListener("change", update);
}

document.addEventListener("DOMContentLoaded", () => {
  liveRefresh();
  reviewKeys();
  followUpPreview();
});
