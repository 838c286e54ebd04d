// The loader: what a host page's script tag runs (built to static/widget/parley.js).
//   <script src="https://help.example.com/static/widget/parley.js" data-key="demo" async></script>
// Optional: data-transport="auto|websocket|fallback", data-lang="en|de".
// Parley.identify({...}) and Parley.logout() may be called before this file has
// run, through the one-line stub in docs/identity.md: its queue is played here.
//
// It asks for the widget's config, draws the launcher in an open Shadow DOM (of
// the page's CSS only --parley-accent and --parley-accent-text get in), and
// fetches the widget proper (main.js) only when it is wanted: when the visitor
// reaches for the launcher, at once when they have a chat going or unsent
// messages, when the page is idle for someone who has chatted here before
// (stored.js whenToLoad). The widget's file name carries its content's hash, so
// a loader never runs with a widget from another build.

import { backoffDelay } from "../../shared/protocol.js";
import { HttpError, request } from "./http.js";
import CSS from "./launcher.css";
import { ICON_CHAT, icon, textOn } from "./paint.js";
import { belongsToAnother, parseStored, storageKey, whenToLoad, wiped } from "./stored.js";

// Both set by the build (build.mjs).
const VERSION = __PARLEY_VERSION__;
const WIDGET_FILE = __PARLEY_WIDGET__;

(() => {
  // The page's stub (docs/identity.md) holds calls made before this file ran.
  const early = window.Parley && Array.isArray(window.Parley.q) ? window.Parley.q : null;
  if (window.Parley && !early) return; // the tag was included twice

  // currentScript only exists while this file first runs.
  const script = document.currentScript || document.querySelector('script[src*="/widget/parley.js"]');
  if (!script) return;
  const attr = (name) => (script.getAttribute("data-" + name) || "").trim();
  const key = attr("key");
  if (!key) {
    console.error("Parley: the script tag needs data-key");
    return;
  }
  const server = new URL(script.src, location.href).origin;
  // The link in a reply email: #parley-reopen=<token>. It is a key to the chat, so it
  // leaves the address bar at once.
  const reopen = (location.hash.match(/parley-reopen=([\w:.-]+)/) || [])[1];
  if (reopen) history.replaceState(history.state, "", location.href.replace(/#?&?parley-reopen=[^&]*/, ""));
  const forced = attr("transport") || "auto";

  let stored = null;
  try {
    stored = parseStored(localStorage.getItem(storageKey(server, key)));
  } catch {
    /* storage disabled: a visitor without a past here */
  }
  let identity = null; // the page's last Parley.identify claim

  // Signed out, or another user: nothing of the last one stays, in any tab.
  function wipe() {
    stored = wiped(stored);
    try {
      localStorage.setItem(storageKey(server, key), JSON.stringify(stored));
    } catch {
      /* nothing kept to wipe */
    }
  }

  function identify(claim) {
    if (!claim || typeof claim !== "object") return console.error("Parley: identify needs an object (docs/identity.md)");
    if (widget) return widget.identify(claim);
    if (belongsToAnother(stored, claim)) wipe();
    identity = claim;
  }

  function logout() {
    identity = null;
    if (widget) widget.logout();
    else wipe();
  }

  let widget = null; // the widget proper's {state, open, close}, once it runs
  let openWanted = false;
  let loading = false;
  let drawn = null;
  let cfg = null;

  function load() {
    if (loading || !drawn) return;
    loading = true;
    const el = document.createElement("script");
    el.src = new URL(WIDGET_FILE, script.src).href;
    el.async = true;
    // Read by the widget as document.currentScript.parley (env.js).
    el.parley = {
      key,
      server,
      forced,
      reopen,
      cfg,
      drawn,
      openWanted: () => openWanted,
      identity: () => identity,
      ready: (api) => (widget = api),
    };
    // Fetched only now, it may fail on a flaky line: the next reach tries again.
    el.onerror = () => {
      el.remove();
      loading = false;
    };
    document.head.append(el);
  }

  function draw() {
    const host = document.createElement("parley-widget");
    const root = host.attachShadow({ mode: "open" });
    const style = document.createElement("style");
    style.textContent = CSS;
    const badge = document.createElement("span");
    badge.className = "badge";
    badge.dataset.testid = "parley-badge";
    badge.hidden = true;
    const launcher = document.createElement("button");
    launcher.type = "button";
    launcher.className = "launcher";
    launcher.dataset.testid = "parley-launcher";
    launcher.setAttribute("aria-label", cfg.words.open);
    launcher.setAttribute("aria-expanded", "false");
    launcher.setAttribute("aria-controls", "parley-panel");
    launcher.append(icon(ICON_CHAT), badge);
    const wrap = document.createElement("div");
    wrap.className = cfg.position === "left" ? "root left" : "root";
    wrap.lang = cfg.language;
    wrap.append(launcher);
    root.append(style, wrap);
    document.body.append(host);
    // The page's --parley-accent wins; the text colour is ours when the colour is.
    if (/^#[0-9a-f]{6}$/i.test(cfg.accent_color || "")) {
      wrap.style.setProperty("--cfg-accent", cfg.accent_color);
      if (!getComputedStyle(host).getPropertyValue("--parley-accent").trim()) {
        wrap.style.setProperty("--cfg-accent-text", textOn(cfg.accent_color));
      }
    }
    drawn = { host, root, wrap, launcher, badge };
    // Reaching for it: a pointer over it, a finger on it, the keyboard on it.
    for (const type of ["pointerenter", "pointerdown", "focus"]) launcher.addEventListener(type, load, { once: true });
    launcher.addEventListener("click", () => {
      if (widget) return; // its own listener has it
      openWanted = true;
      load();
    });
  }

  // Nothing is drawn and no visitor made before the config answers.
  async function boot() {
    for (let attempt = 0; ; attempt++) {
      try {
        cfg = await request(`${server}/api/widget/config/?key=${encodeURIComponent(key)}`, "GET", null, { lang: attr("lang") });
        break;
      } catch (e) {
        if (e instanceof HttpError && e.status >= 400 && e.status < 500 && e.status !== 429) {
          // A wrong key, or a site that may not embed it: say so once, draw nothing.
          console.error(`Parley: ${e.body.message || `the widget config answered HTTP ${e.status}`}`);
          return;
        }
        await new Promise((wake) => setTimeout(wake, backoffDelay(attempt)));
      }
    }
    if (!document.body) await new Promise((wake) => document.addEventListener("DOMContentLoaded", wake, { once: true }));
    draw();
    const when = reopen || openWanted ? "now" : whenToLoad(stored);
    if (when === "now") load();
    else if (when === "idle" && window.requestIdleCallback) requestIdleCallback(load, { timeout: 3000 });
    else if (when === "idle") setTimeout(load, 1000);
  }

  // Read-only, for debugging and tests; the widget proper answers once it runs.
  window.Parley = Object.freeze({
    version: VERSION,
    state: () =>
      widget
        ? widget.state()
        : { connected: false, transport: forced === "fallback" ? "fallback" : "websocket", ticket: stored && stored.ticket, lastSeq: 0, outbox: stored ? stored.outbox.length : 0, view: null },
    open: () => (widget ? widget.open() : ((openWanted = true), load())),
    close: () => (widget ? widget.close() : (openWanted = false)),
    identify,
    logout,
  });
  for (const [name, ...args] of early || []) if (name === "identify" || name === "logout") window.Parley[name](...args);

  boot();
})();
