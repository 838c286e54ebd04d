// The inbox list: one row per open ticket, newest activity first. Rows are keyed
// by ticket id and reused, so focus and hover survive live updates.

import { h, setAttr, setText, shortTime, fullTime } from "./dom.js";

export const STATUS_LABELS = {
  new: "New", open: "Open", pending: "Pending", resolved: "Resolved", closed: "Closed",
};
const NOTABLE_PRIORITIES = { high: "High", urgent: "Urgent" };

export class InboxView {
  /**
   * @param {HTMLElement} list  the <ul data-testid="inbox">
   * @param {HTMLElement} count an element for the "n open" count
   * @param {(id: number) => void} onOpen
   */
  constructor(list, count, onOpen) {
    this.list = list;
    this.count = count;
    this.rows = new Map(); // ticket id -> <li>
    this.empty = list.querySelector(".inbox-empty");
    list.addEventListener("click", (event) => {
      const row = event.target.closest("[data-testid='inbox-row']");
      if (row) onOpen(Number(row.dataset.ticketId));
    });
  }

  render(store) {
    const tickets = store.inboxTickets();
    const keep = new Set(tickets.map((t) => t.id));
    for (const [id, item] of this.rows) {
      if (!keep.has(id)) {
        item.remove();
        this.rows.delete(id);
      }
    }

    let unread = 0;
    tickets.forEach((ticket, index) => {
      let item = this.rows.get(ticket.id);
      if (!item) {
        item = buildRow(ticket.id);
        this.rows.set(ticket.id, item);
      }
      const isUnread = store.isUnread(ticket.id) && ticket.id !== store.currentId;
      if (isUnread) unread += 1;
      updateRow(item, ticket, { unread: isUnread, current: ticket.id === store.currentId });
      // Put it in place only if it isn't there already (keeps focus on the row).
      const at = this.list.children[index];
      if (at !== item) this.list.insertBefore(item, at ?? null);
    });

    this.list.setAttribute("aria-busy", "false");
    setText(this.empty, "No open conversations. New chats appear here.");
    this.empty.hidden = tickets.length > 0;
    if (this.empty.parentNode !== this.list || this.list.lastElementChild !== this.empty) {
      this.list.append(this.empty);
    }
    setText(this.count, tickets.length ? String(tickets.length) : "");
    return { total: tickets.length, unread };
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
  h("span", { class: "row-bottom" },
    h("span", { class: "badge row-status" }),
    h("span", { class: "badge badge-priority row-priority", hidden: true }),
    h("span", { class: "unread-dot", hidden: true }, h("span", { class: "visually-hidden" }, "Unread"))));
  return h("li", { class: "inbox-item" }, button);
}

function updateRow(item, ticket, { unread, current }) {
  const button = item.firstElementChild;
  setAttr(button, "data-unread", unread ? "true" : "false");
  setAttr(button, "data-status", ticket.status);
  setAttr(button, "aria-current", current ? "true" : null);

  setText(button.querySelector(".row-name"), ticket.visitor?.name || "Visitor");
  const time = button.querySelector(".row-time");
  const when = ticket.last_message_at || ticket.created_at;
  setText(time, shortTime(when));
  setAttr(time, "datetime", when);
  setAttr(time, "title", fullTime(when));
  setText(button.querySelector(".row-subject"), ticket.subject || "(no subject)");

  const status = button.querySelector(".row-status");
  setText(status, STATUS_LABELS[ticket.status] ?? ticket.status);
  setAttr(status, "data-status", ticket.status);

  const priority = button.querySelector(".row-priority");
  const label = NOTABLE_PRIORITIES[ticket.priority];
  priority.hidden = !label;
  setText(priority, label ?? "");
  setAttr(priority, "data-priority", ticket.priority);

  button.querySelector(".unread-dot").hidden = !unread;
}
