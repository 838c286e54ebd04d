// The open conversation: header, message thread and typing line. Messages are
// keyed elements reused across renders; all message text is set as text.

import { h, setAttr, setText, messageTime, fullTime } from "./dom.js";
import { STATUS_LABELS } from "./inbox.js";

const NEAR_BOTTOM_PX = 80;

export class HeaderView {
  constructor(root) {
    this.root = root;
    this.title = root.querySelector("#ticket-title");
    this.subject = root.querySelector("#ticket-subject");
    this.status = root.querySelector("#ticket-status");
    this.id = root.querySelector("#ticket-id");
  }

  render(ticket) {
    this.root.hidden = !ticket;
    if (!ticket) return;
    setText(this.title, ticket.visitor?.name || "Visitor");
    setText(this.subject, ticket.subject || "");
    setText(this.status, STATUS_LABELS[ticket.status] ?? ticket.status);
    setAttr(this.status, "data-status", ticket.status);
    setAttr(this.root, "data-ticket-id", ticket.id);
    setAttr(this.root, "data-status", ticket.status);
    setText(this.id, `#${ticket.id}`);
  }
}

/** A stable key per message: its client_id when it has one (so a pending message
 *  keeps its element once stored), else its seq. */
function messageKey(message) {
  return message.client_id ? `c:${message.client_id}` : `s:${message.seq}`;
}

function messageState(message) {
  return message.state ?? "sent";
}

export class ThreadView {
  /**
   * @param {HTMLElement} list the <ol data-testid="thread">
   * @param {{retry(clientId), discard(clientId)}} actions
   */
  constructor(list, statusLine, actions) {
    this.list = list;
    this.statusLine = statusLine;
    this.items = new Map(); // key -> <li>
    this.signatures = new WeakMap(); // <li> -> what it was last rendered from
    this.ticketId = null;
    list.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-action]");
      const item = button?.closest("[data-testid='thread-message']");
      if (!item) return;
      actions[button.dataset.action]?.(item.dataset.clientId);
    });
  }

  isNearBottom() {
    const { scrollTop, scrollHeight, clientHeight } = this.list;
    return scrollHeight - scrollTop - clientHeight < NEAR_BOTTOM_PX;
  }

  scrollToBottom() {
    this.list.scrollTop = this.list.scrollHeight;
  }

  /**
   * @param conv    Conversation (store.js)
   * @param ticket  its ticket payload (for visitor_seen_seq)
   * @param opts    {forceScroll}
   */
  render(conv, ticket, { forceScroll = false } = {}) {
    if (this.ticketId !== conv.ticketId) {
      this.list.replaceChildren();
      this.items.clear();
      this.ticketId = conv.ticketId;
      forceScroll = true;
    }
    const stick = forceScroll || this.isNearBottom();

    const timeline = conv.timeline();
    const seenUpTo = ticket?.visitor_seen_seq ?? 0;
    let seenMarkerSeq = 0; // the last public agent message the visitor has read
    for (const message of timeline) {
      if (message.seq && message.seq <= seenUpTo && message.sender?.type === "agent" && !message.internal) {
        seenMarkerSeq = message.seq;
      }
    }

    const keep = new Set();
    timeline.forEach((message, index) => {
      const key = messageKey(message);
      keep.add(key);
      let item = this.items.get(key);
      if (!item) {
        item = h("li", { "data-testid": "thread-message" });
        this.items.set(key, item);
      }
      const seen = message.seq !== null && message.seq === seenMarkerSeq;
      const signature = [message.seq, messageState(message), message.body, message.error, seen].join("\u0000");
      if (this.signatures.get(item) !== signature) {
        fillMessage(item, message, { seen });
        this.signatures.set(item, signature);
      }
      const at = this.list.children[index];
      if (at !== item) this.list.insertBefore(item, at ?? null);
    });
    for (const [key, item] of this.items) {
      if (!keep.has(key)) {
        item.remove();
        this.items.delete(key);
      }
    }

    let status = "";
    if (!conv.loaded) status = "Loading conversation…";
    else if (timeline.length === 0) status = "No messages yet.";
    setText(this.statusLine, status);
    this.statusLine.hidden = !status;

    if (stick) this.scrollToBottom();
  }
}

function senderClass(message) {
  if (message.internal) return "msg-internal";
  const type = message.sender?.type;
  if (type === "visitor") return "msg-visitor";
  if (type === "agent") return "msg-agent";
  return "msg-system";
}

function fillMessage(item, message, { seen }) {
  const state = messageState(message);
  const type = message.sender?.type ?? "system";
  item.className = `msg ${senderClass(message)} is-${state}`;
  setAttr(item, "data-seq", message.seq ?? "");
  setAttr(item, "data-internal", message.internal ? "true" : "false");
  setAttr(item, "data-sender-type", type);
  setAttr(item, "data-state", state);
  setAttr(item, "data-client-id", message.client_id ?? null);

  const bubble = h("div", { class: "msg-bubble" });
  if (message.internal) {
    bubble.append(h("div", { class: "msg-label" }, "Internal note"));
  }
  if (message.attachment) bubble.append(attachmentView(message.attachment));
  if (message.body || !message.attachment) bubble.append(h("p", { class: "msg-body" }, message.body ?? ""));

  const time = h("time", { datetime: message.created_at, title: fullTime(message.created_at) },
    messageTime(message.created_at));
  const meta = h("div", { class: "msg-meta" },
    h("span", { class: "msg-sender" }, message.sender?.name || (type === "visitor" ? "Visitor" : "Parley")),
    h("span", { class: "msg-dot", "aria-hidden": "true" }, "·"),
    time);
  if (state === "pending") {
    meta.append(h("span", { class: "msg-state" }, "Sending…"));
  } else if (state === "failed") {
    meta.append(
      h("span", { class: "msg-state msg-failed", role: "alert" },
        `Not sent${message.error ? `: ${message.error}` : ""}`),
      h("button", { type: "button", class: "link-button", "data-action": "retry" }, "Retry"),
      h("button", { type: "button", class: "link-button", "data-action": "discard" }, "Discard"),
    );
  } else if (seen) {
    meta.append(h("span", { class: "msg-state msg-seen" }, "Seen"));
  }
  item.replaceChildren(bubble, meta);
}

// Only links the server made: a payload can never smuggle in another scheme.
const ATTACHMENT_PATH = "/api/attachments/";

function attachmentView({ url, name, content_type: type, size }) {
  if (typeof url !== "string" || !url.startsWith(ATTACHMENT_PATH)) return null;
  const link = h("a", {
    class: "msg-attachment", href: url, target: "_blank", rel: "noopener noreferrer",
    "data-testid": "thread-attachment", "data-content-type": type,
  });
  if (String(type).startsWith("image/")) link.append(h("img", { src: url, alt: name, loading: "lazy" }));
  else link.append(`${name} (${Math.max(1, Math.round(size / 1024))} KB)`);
  return link;
}

export class TypingView {
  constructor(el) {
    this.el = el;
  }

  render(typing) {
    this.el.hidden = !typing;
    setText(this.el, typing ? `${typing.name || "The visitor"} is typing…` : "");
  }
}
