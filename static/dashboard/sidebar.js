// The visitor sidebar: who the visitor is (verified by the host site or not, with
// the attributes the site passed), where they are on the site, their local time
// and whether they are online, and their earlier conversations.
// Collapsible; the choice is remembered in this browser.

import { api } from "./api.js";
import { h, setAttr, setLinkOrText, setText, shortTime, fullTime } from "./dom.js";
import { STATUS_LABELS } from "./labels.js";

const CLOCK_TICK_MS = 60_000;
const COLLAPSED_KEY = "parley.sidebar.collapsed";
// Where parley.css floats the sidebar over the conversation: closed until asked for.
const FLOATING = "(max-width: 1100px)";

/** The visitor's wall clock now, from their IANA time zone, or failing that from
 *  the UTC offset of the local time the server last saw. */
function visitorClock(timezone, localTime, now = new Date()) {
  const options = { hour: "2-digit", minute: "2-digit", weekday: "short" };
  if (timezone) {
    try {
      return `${new Intl.DateTimeFormat(undefined, { ...options, timeZone: timezone }).format(now)} (${timezone})`;
    } catch { /* not a zone this browser knows */ }
  }
  const offset = typeof localTime === "string" && localTime.match(/([+-])(\d\d):?(\d\d)$/);
  if (!offset) return "";
  const minutes = (offset[1] === "-" ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3]));
  const shifted = new Date(now.getTime() + minutes * 60_000);
  const label = `UTC${offset[1]}${offset[2]}:${offset[3]}`;
  return `${new Intl.DateTimeFormat(undefined, { ...options, timeZone: "UTC" }).format(shifted)} (${label})`;
}

export class VisitorSidebar {
  /**
   * @param root    the <aside data-testid="visitor-sidebar">
   * @param toggle  the header button that shows and hides it
   * @param app     the element whose data-sidebar attribute lays the page out
   * @param onOpenTicket (id) => void
   */
  constructor(root, toggle, app, onOpenTicket) {
    this.root = root;
    this.toggle = toggle;
    this.app = app;
    this.ticketId = null;
    this.visitor = null;
    this.error = "";
    this.request = 0; // answers to an older request are dropped
    const $ = (testid) => root.querySelector(`[data-testid='${testid}']`);
    this.el = {
      status: root.querySelector(".sidebar-status"),
      facts: root.querySelector(".sidebar-facts"),
      name: $("sidebar-name"),
      verified: $("sidebar-verified"),
      identity: $("sidebar-identity"),
      attributes: $("sidebar-attributes"),
      email: $("sidebar-email"),
      online: $("sidebar-online"),
      localTime: $("sidebar-local-time"),
      page: $("sidebar-page"),
      referrer: $("sidebar-referrer"),
      browser: $("sidebar-browser"),
      tickets: $("sidebar-tickets"),
      ticketsEmpty: root.querySelector(".sidebar-tickets-empty"),
    };
    this.collapsed = this.loadCollapsed();
    toggle.addEventListener("click", () => this.setCollapsed(!this.collapsed));
    root.querySelector(".sidebar-close").addEventListener("click", () => {
      this.setCollapsed(true);
      toggle.focus();
    });
    this.el.tickets.addEventListener("click", (event) => {
      const item = event.target.closest("[data-testid='sidebar-ticket']");
      if (item) onOpenTicket(Number(item.dataset.ticketId));
    });
    setInterval(() => this.renderClock(), CLOCK_TICK_MS);
    this.applyLayout();
  }

  loadCollapsed() {
    let saved = null;
    try {
      saved = localStorage.getItem(COLLAPSED_KEY);
    } catch { /* storage blocked */ }
    return saved === null ? matchMedia(FLOATING).matches : saved === "true";
  }

  setCollapsed(collapsed) {
    this.collapsed = collapsed;
    try {
      localStorage.setItem(COLLAPSED_KEY, String(collapsed));
    } catch { /* not remembered, that's all */ }
    this.applyLayout();
  }

  applyLayout() {
    const open = this.ticketId !== null && !this.collapsed;
    this.root.hidden = !open;
    setAttr(this.app, "data-sidebar", open ? "open" : "closed");
    setAttr(this.toggle, "aria-expanded", open ? "true" : "false");
  }

  /** Show the visitor of ticket `id` (null: nothing open). */
  show(id) {
    if (id !== this.ticketId) {
      this.visitor = null;
      this.error = "";
      this.ticketId = id;
      this.render();
    }
    this.applyLayout();
    if (id !== null) this.refresh();
  }

  async refresh() {
    const id = this.ticketId;
    if (id === null) return;
    const request = ++this.request;
    try {
      const visitor = await api.visitor(id);
      if (request !== this.request) return;
      this.visitor = visitor;
      this.error = "";
    } catch (error) {
      if (request !== this.request) return;
      this.error = error.message;
    }
    this.render();
  }

  /** A ticket.updated frame: a visitor who signs in mid-chat (docs/identity.md)
   *  hands the ticket to the verified person, whom the sidebar then shows. */
  ticketChanged(ticket) {
    if (ticket.id === this.ticketId && this.visitor && ticket.visitor?.id !== this.visitor.id) this.refresh();
  }

  /** A visitor.presence frame. */
  setOnline(visitorId, online) {
    if (!this.visitor || this.visitor.id !== visitorId) return;
    const cameBack = online && !this.visitor.online;
    this.visitor = { ...this.visitor, online };
    this.render();
    if (cameBack) this.refresh(); // a new page load: the page and local time moved on
  }

  render() {
    const { el, visitor } = this;
    el.facts.hidden = !visitor;
    let status = "";
    if (!visitor) status = this.error ? `Couldn't load the visitor: ${this.error}` : "Loading…";
    setText(el.status, status);
    el.status.hidden = !status;
    if (!visitor) return;

    setText(el.name, visitor.name || "Anonymous visitor");
    setText(el.email, visitor.email || "—");
    this.renderIdentity();
    setAttr(el.online, "data-online", visitor.online ? "true" : "false");
    const lastSeen = visitor.last_seen_at ? `, last seen ${shortTime(visitor.last_seen_at)}` : "";
    setText(el.online, visitor.online ? "Online now" : `Offline${lastSeen}`);
    setAttr(el.online, "title", visitor.last_seen_at ? `Last seen ${fullTime(visitor.last_seen_at)}` : null);
    setLinkOrText(el.page, visitor.page_url, "—");
    setLinkOrText(el.referrer, visitor.referrer, "—");
    setText(el.browser, [visitor.browser, visitor.os].filter(Boolean).join(" on ") || "—");
    this.renderClock();

    const others = (visitor.tickets ?? []).filter((t) => t.id !== this.ticketId);
    el.tickets.replaceChildren(...others.map((t) => h("li", {},
      h("button", {
        type: "button", class: "sidebar-ticket", "data-testid": "sidebar-ticket", "data-ticket-id": t.id,
      },
      h("span", { class: "sidebar-ticket-subject" }, t.subject || "(no subject)"),
      h("span", { class: "sidebar-ticket-meta" },
        `#${t.id} · ${STATUS_LABELS[t.status] ?? t.status} · ${shortTime(t.created_at)}`)))));
    el.ticketsEmpty.hidden = others.length > 0;
  }

  /** The user id and attributes the site signed in with; values are text, so a
   *  site's (or a visitor's) markup in them shows as typed. */
  renderIdentity() {
    const { el, visitor } = this;
    el.verified.hidden = !visitor.verified;
    el.identity.hidden = !visitor.verified;
    const rows = visitor.verified ? [["User id", visitor.user_id], ...Object.entries(visitor.attributes ?? {})] : [];
    el.attributes.replaceChildren(...rows.flatMap(([name, value]) => [
      h("dt", {}, name),
      h("dd", { "data-testid": "sidebar-attribute" }, String(value)),
    ]));
  }

  renderClock() {
    if (!this.visitor) return;
    setText(this.el.localTime, visitorClock(this.visitor.timezone, this.visitor.local_time) || "—");
  }
}
