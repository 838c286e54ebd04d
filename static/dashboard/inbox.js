// The inbox list and its view tabs. Rows are keyed by ticket id and reused, so
// focus and hover survive live updates.

import { h, setAttr, setText, shortTime, fullTime, waitLabel } from "./dom.js";
import { PRIORITY_LABELS, STATUS_LABELS } from "./labels.js";
import { VIEWS, isEnded } from "./store.js";

const NOTABLE_PRIORITIES = new Set(["high", "urgent"]);
const ROW = "[data-testid='inbox-row']";

export class InboxView {
  /**
   * @param {HTMLElement} list the <ul data-testid="inbox">
   * @param {(id: number, opts: {viaKeyboard: boolean}) => void} onOpen
   */
  constructor(list, onOpen) {
    this.list = list;
    this.rows = new Map(); // ticket id -> <li>
    this.empty = list.querySelector(".inbox-empty");
    list.addEventListener("click", (event) => {
      const row = event.target.closest(ROW);
      // A click with no pointer (detail 0) is Enter or Space on the row.
      if (row) onOpen(Number(row.dataset.ticketId), { viaKeyboard: event.detail === 0 });
    });
  }

  /**
   * @param tickets  the rows to show, in order
   * @param opts     {currentId, unreadOf(id), snippets: Map id -> text|null, emptyText, busy}
   */
  render(tickets, { currentId, unreadOf, snippets = null, emptyText = "", busy = false }) {
    const keep = new Set(tickets.map((t) => t.id));
    for (const [id, item] of this.rows) {
      if (!keep.has(id)) {
        item.remove();
        this.rows.delete(id);
      }
    }

    const now = Date.now();
    tickets.forEach((ticket, index) => {
      let item = this.rows.get(ticket.id);
      if (!item) {
        item = buildRow(ticket.id);
        this.rows.set(ticket.id, item);
      }
      updateRow(item, ticket, {
        unread: unreadOf(ticket.id),
        current: ticket.id === currentId,
        snippet: snippets?.get(ticket.id),
        now,
      });
      // Put it in place only if it isn't there already (keeps focus on the row).
      const at = this.list.children[index];
      if (at !== item) this.list.insertBefore(item, at ?? null);
    });

    setAttr(this.list, "aria-busy", busy ? "true" : "false");
    setText(this.empty, emptyText);
    this.empty.hidden = tickets.length > 0 || !emptyText;
    if (this.list.lastElementChild !== this.empty) this.list.append(this.empty);
  }

  /** The row buttons in order. */
  rowButtons() {
    return [...this.list.querySelectorAll(ROW)];
  }
}

function buildRow(id) {
  const button = h("button", {
    type: "button", class: "inbox-row", "data-testid": "inbox-row", "data-ticket-id": id,
  },
  h("span", { class: "row-top" },
    h("span", { class: "row-name" }),
    h("time", { class: "row-time" })),
  h("span", { class: "row-subject" }),
  h("span", { class: "row-snippet", "data-testid": "row-snippet", hidden: true }),
  h("span", { class: "row-bottom" },
    h("span", { class: "badge row-status" }),
    h("span", { class: "badge row-priority", hidden: true }),
    h("span", { class: "row-assignee", "data-testid": "row-assignee" }),
    h("span", { class: "row-wait", "data-testid": "row-wait", hidden: true }),
    h("span", { class: "row-unread", "data-testid": "row-unread", hidden: true })));
  return h("li", { class: "inbox-item" }, button);
}

function updateRow(item, ticket, { unread, current, snippet, now }) {
  const button = item.firstElementChild;
  setAttr(button, "data-unread", unread > 0 ? "true" : "false");
  setAttr(button, "data-unread-count", unread);
  setAttr(button, "data-status", ticket.status);
  setAttr(button, "aria-current", current ? "true" : null);

  const name = button.querySelector(".row-name");
  setText(name, ticket.visitor?.name || "Visitor");
  // Signed by the site (docs/identity.md): a tick, and a word for screen readers.
  setAttr(name, "data-verified", ticket.visitor?.verified ? "true" : null);
  setAttr(name, "title", ticket.visitor?.verified ? "Verified by your site" : null);
  const time = button.querySelector(".row-time");
  const when = ticket.last_message_at || ticket.created_at;
  setText(time, shortTime(when));
  setAttr(time, "datetime", when);
  setAttr(time, "title", fullTime(when));
  setText(button.querySelector(".row-subject"), ticket.subject || "(no subject)");

  const snippetEl = button.querySelector(".row-snippet");
  snippetEl.hidden = !snippet;
  setText(snippetEl, snippet ?? "");

  const status = button.querySelector(".row-status");
  setText(status, STATUS_LABELS[ticket.status] ?? ticket.status);
  setAttr(status, "data-status", ticket.status);

  const priority = button.querySelector(".row-priority");
  const notable = NOTABLE_PRIORITIES.has(ticket.priority);
  priority.hidden = !notable;
  setText(priority, notable ? PRIORITY_LABELS[ticket.priority] : "");
  setAttr(priority, "data-priority", ticket.priority);

  const assignee = button.querySelector(".row-assignee");
  setText(assignee, ticket.assignee?.name ?? "Unassigned");
  setAttr(assignee, "data-assigned", ticket.assignee ? "true" : "false");

  const wait = button.querySelector(".row-wait");
  const waiting = Boolean(ticket.waiting_since) && !isEnded(ticket);
  wait.hidden = !waiting;
  setText(wait, waiting ? waitLabel(ticket.waiting_since, now) : "");
  setAttr(wait, "title", waiting ? `Waiting since ${fullTime(ticket.waiting_since)}` : null);

  const badge = button.querySelector(".row-unread");
  badge.hidden = unread < 1;
  setText(badge, unread > 0 ? String(unread) : "");
  setAttr(badge, "aria-label", unread > 0 ? `${unread} unread` : null);
}

/** The Unassigned / Mine / All / Resolved tabs with their counts. Arrow keys move
 *  between tabs (the ARIA tabs pattern); only the selected one is in the Tab order. */
export class ViewTabs {
  constructor(tablist, onSelect) {
    this.tabs = new Map(VIEWS.map((view) => [view, tablist.querySelector(`[data-view='${view}']`)]));
    tablist.addEventListener("click", (event) => {
      const tab = event.target.closest("[role='tab']");
      if (tab) onSelect(tab.dataset.view);
    });
    tablist.addEventListener("keydown", (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (!step) return;
      event.preventDefault();
      const order = [...this.tabs.keys()];
      const at = order.indexOf(event.target.dataset.view);
      const next = order[(at + step + order.length) % order.length];
      onSelect(next);
      this.tabs.get(next).focus();
    });
  }

  /** @param counts {view: number|undefined} (undefined: not known yet) */
  render(selected, counts) {
    for (const [view, tab] of this.tabs) {
      setAttr(tab, "aria-selected", view === selected ? "true" : "false");
      tab.tabIndex = view === selected ? 0 : -1;
      const count = tab.querySelector(".count");
      setText(count, counts[view] ?? "");
      setAttr(count, "data-zero", counts[view] === 0 ? "true" : null);
    }
  }
}
