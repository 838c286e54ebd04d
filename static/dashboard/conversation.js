// The open conversation: header, message thread, the typing line and the
// collision notice. Messages are keyed elements reused across renders; all
// message text is set as text.

import { h, setAttr, setText, messageTime, fullTime } from "./dom.js";
import { STATUS_LABELS } from "./labels.js";
import { withSize } from "../shared/size.js";

const NEAR_BOTTOM_PX = 80;
const NEAR_TOP_PX = 60; // scrolling this close to the top loads older messages

export class HeaderView {
  constructor(root) {
    this.root = root;
    this.title = root.querySelector("#ticket-title");
    this.subject = root.querySelector("#ticket-subject");
    this.status = root.querySelector("#ticket-status");
    this.id = root.querySelector("#ticket-id");
    this.transcript = root.querySelector("#ticket-transcript");
    this.rating = root.querySelector("#ticket-rating");
  }

  // The visitor's rating and comment, once they gave one (also in the reports).
  renderRating(ticket) {
    const rated = Number.isInteger(ticket.rating);
    this.rating.hidden = !rated;
    if (!rated) return;
    const stars = "★".repeat(ticket.rating) + "☆".repeat(5 - ticket.rating);
    const comment = ticket.rating_comment ? ` “${ticket.rating_comment}”` : "";
    setText(this.rating, `${stars} ${ticket.rating}/5${comment}`);
    setAttr(this.rating, "title", `Rated ${ticket.rating} of 5 by the visitor`);
  }

  render(ticket) {
    this.root.hidden = !ticket;
    if (!ticket) return;
    setText(this.title, ticket.visitor?.name || "Visitor");
    setText(this.subject, ticket.subject || "");
    this.renderRating(ticket);
    setText(this.status, STATUS_LABELS[ticket.status] ?? ticket.status);
    setAttr(this.status, "data-status", ticket.status);
    setAttr(this.root, "data-ticket-id", ticket.id);
    setAttr(this.root, "data-status", ticket.status);
    setText(this.id, `#${ticket.id}`);
    setAttr(this.transcript, "href", `/api/agent/tickets/${encodeURIComponent(ticket.id)}/transcript/`);
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
   * @param {HTMLElement} list the <ol data-testid="thread">, whose first item holds
   *                            the "load older" button
   * @param {{retry(clientId), discard(clientId), loadOlder()}} actions
   */
  constructor(list, statusLine, actions) {
    this.list = list;
    this.statusLine = statusLine;
    this.older = list.querySelector(".thread-older");
    this.olderButton = this.older.querySelector("button");
    this.olderError = this.older.querySelector(".thread-older-error");
    this.items = new Map(); // key -> <li>
    this.signatures = new WeakMap(); // <li> -> what it was last rendered from
    this.ticketId = null;
    list.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-action]");
      const item = button?.closest("[data-testid='thread-message']");
      if (!item) return;
      actions[button.dataset.action]?.(item.dataset.clientId, button);
    });
    this.olderButton.addEventListener("click", () => actions.loadOlder());
    // Whether the agent is following the newest line. Kept from scrolling, not
    // read at render time: a picture that loads after the line went in grows the
    // thread, and that must not unstick it. Only the agent scrolling up does:
    // above where scrollToBottom last left the thread (autoTop).
    this.pinned = true;
    this.autoTop = 0;
    // load does not bubble; capture catches each picture as it arrives.
    list.addEventListener("load", () => {
      if (this.pinned) this.scrollToBottom();
    }, true);
    list.addEventListener("scroll", () => {
      if (this.isNearBottom()) this.pinned = true;
      else if (list.scrollTop < this.autoTop) this.pinned = false;
      if (list.scrollTop < NEAR_TOP_PX && !this.older.hidden && !this.olderButton.disabled
          && !this.olderError.textContent) {
        actions.loadOlder();
      }
    }, { passive: true });
  }

  isNearBottom() {
    const { scrollTop, scrollHeight, clientHeight } = this.list;
    return scrollHeight - scrollTop - clientHeight < NEAR_BOTTOM_PX;
  }

  scrollToBottom() {
    this.list.scrollTop = this.list.scrollHeight;
    this.autoTop = this.list.scrollTop;
  }

  /**
   * @param conv    Conversation (store.js)
   * @param ticket  its ticket payload (for visitor_seen_seq)
   * @param opts    {forceScroll}
   */
  render(conv, ticket, { forceScroll = false } = {}) {
    if (this.ticketId !== conv.ticketId) {
      for (const item of this.items.values()) item.remove();
      this.items.clear();
      this.ticketId = conv.ticketId;
      forceScroll = true;
    }
    const stick = forceScroll || this.pinned || this.isNearBottom();
    // Older messages go in above what is on screen: keep that where it is.
    const anchor = stick ? null : this.older.nextElementSibling;
    const anchorTop = anchor?.getBoundingClientRect().top;

    this.renderOlder(conv);
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
      const signature = [
        message.seq, messageState(message), message.body, message.error, seen, message.attachment?.url,
      ].join("\u0000");
      if (this.signatures.get(item) !== signature) {
        fillMessage(item, message, { seen });
        this.signatures.set(item, signature);
      }
      const at = this.list.children[index + 1]; // after the "load older" item
      if (at !== item) this.list.insertBefore(item, at ?? null);
    });
    for (const [key, item] of this.items) {
      if (!keep.has(key)) {
        item.remove();
        this.items.delete(key);
      }
    }

    let status = "";
    if (!conv.started || (!conv.loaded && timeline.length === 0)) status = "Loading conversation…";
    else if (timeline.length === 0) status = "No messages yet.";
    setText(this.statusLine, status);
    this.statusLine.hidden = !status;

    this.pinned = stick;
    if (stick) this.scrollToBottom();
    else if (anchor?.isConnected) this.list.scrollTop += anchor.getBoundingClientRect().top - anchorTop;
  }

  renderOlder(conv) {
    this.older.hidden = !conv.hasOlder;
    this.olderButton.disabled = conv.loadingOlder;
    setText(this.olderButton, conv.loadingOlder ? "Loading older messages…"
      : conv.olderError ? "Try again" : "Load older messages");
    setText(this.olderError, conv.olderError ? `Couldn't load older messages: ${conv.olderError}` : "");
  }
}

function senderClass(message) {
  const type = message.sender?.type;
  if (type === "visitor") return "msg-visitor";
  if (type === "system" || !type) return "msg-system"; // internal or not: a line, not a bubble
  if (message.internal) return "msg-internal";
  if (type === "bot") return "msg-bot";
  return "msg-agent";
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

  if (type === "system") {
    // One line across the thread: what happened, and when.
    item.replaceChildren(h("div", { class: "msg-bubble" },
      h("p", { class: "msg-body" }, message.body ?? ""),
      h("span", { class: "msg-meta" }, timeView(message.created_at),
        message.internal ? h("span", { class: "msg-only-agents" }, " · only agents see this") : null)));
    return;
  }

  const bubble = h("div", { class: "msg-bubble" });
  if (message.internal) bubble.append(h("div", { class: "msg-label" }, "Internal note"));
  if (type === "bot") bubble.append(h("div", { class: "msg-label", "data-testid": "thread-bot-label" }, "Assistant"));
  if (message.attachment) bubble.append(attachmentView(message.attachment));
  const answer = type === "bot" && botBody(message.body ?? "");
  if (answer) bubble.append(...answer);
  else if (message.body || !message.attachment) bubble.append(h("p", { class: "msg-body" }, message.body ?? ""));

  const meta = h("div", { class: "msg-meta" },
    h("span", { class: "msg-sender" }, message.sender?.name || (type === "visitor" ? "Visitor" : "Parley")),
    h("span", { class: "msg-dot", "aria-hidden": "true" }, "·"),
    timeView(message.created_at));
  if (state === "pending") {
    meta.append(h("span", { class: "msg-state" }, message.attachment ? "Uploading…" : "Sending…"));
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
  // An answer (it has sources): the agent's thumbs, kept for reports.
  if (answer && answer.length > 1 && message.id) meta.append(...[true, false].map((helpful) => thumb(message.id, helpful)));
  item.replaceChildren(bubble, meta);
}

/** Thumbs given in this page, by message id: a re-render keeps them pressed. */
export const agentThumbs = new Map();

const thumb = (id, helpful) => h("button", {
  type: "button", class: "link-button msg-thumb", "data-action": "rate",
  "data-message-id": id, "data-helpful": String(helpful),
  "data-testid": helpful ? "thread-thumb-up" : "thread-thumb-down",
  "aria-pressed": String(agentThumbs.get(id) === helpful),
  title: helpful ? "A good answer" : "A poor answer",
}, helpful ? "👍" : "👎");

// The assistant's stored line ends with its sources, one "- Title: address" a line
// (chat/assistant/services.py reply_body): those become links to the help centre.
const SOURCE_LINE = /^- (.+): (https?:\/\/\S+)$/;

function botBody(body) {
  const lines = body.split("\n");
  const sources = [];
  while (lines.length && SOURCE_LINE.test(lines.at(-1))) {
    const [, title, url] = SOURCE_LINE.exec(lines.pop());
    sources.unshift({ title, url });
  }
  const links = sourceLinks(sources);
  // Not all of them links (an address that is not the help centre's): keep the text.
  if (links.length !== sources.length) return [h("p", { class: "msg-body" }, body)];
  return [h("p", { class: "msg-body" }, lines.join("\n").trimEnd()), ...links];
}

/** Sources [{title, url}] as links to the help centre's articles, in a new tab. */
export function sourceLinks(sources) {
  const links = [];
  for (const { title, url } of Array.isArray(sources) ? sources : []) {
    let parsed;
    try {
      parsed = new URL(url, location.origin);
    } catch {
      continue;
    }
    if (!/^https?:$/.test(parsed.protocol) || !parsed.pathname.startsWith("/help/")) continue;
    links.push(h("a", {
      class: "msg-source", href: parsed.href, target: "_blank", rel: "noopener noreferrer",
      "data-testid": "thread-source",
    }, String(title ?? parsed.pathname)));
  }
  return links;
}

function timeView(value) {
  return h("time", { datetime: value, title: fullTime(value) }, messageTime(value));
}

// Only links the server made: a payload can never smuggle in another scheme.
const ATTACHMENT_PATH = "/api/attachments/";

function attachmentView({ url, name, content_type: type, size }) {
  if (url === null) {
    // Ours, still uploading (or failed): no link yet.
    return h("span", { class: "msg-attachment is-local" }, withSize(name, size));
  }
  if (typeof url !== "string" || !url.startsWith(ATTACHMENT_PATH)) return null;
  const link = h("a", {
    class: "msg-attachment", href: url, target: "_blank", rel: "noopener noreferrer",
    "data-testid": "thread-attachment", "data-content-type": type,
  });
  if (String(type).startsWith("image/")) link.append(h("img", { src: url, alt: name, loading: "lazy" }));
  else link.append(withSize(name, size));
  return link;
}

export class TypingView {
  constructor(el) {
    this.el = el;
    this.text = el.querySelector(".typing-text");
    this.draft = el.querySelector("[data-testid='visitor-draft']");
  }

  /** @param typing {name, draft} or null */
  render(typing) {
    this.el.hidden = !typing;
    setText(this.text, typing ? `${typing.name || "The visitor"} is typing…` : "");
    const draft = typing?.draft ?? "";
    this.draft.hidden = !draft;
    setText(this.draft, draft);
  }
}

const names = new Intl.ListFormat("en", { style: "long", type: "conjunction" });

/** "Cat is also viewing" / "Cat is typing a reply…": another agent on this ticket. */
export class CollisionView {
  constructor(el) {
    this.el = el;
  }

  /** @param viewers [{id, name}], typers [{name}]: other agents only */
  render(viewers, typers) {
    const parts = [];
    const typingNames = typers.map((t) => t.name || "Someone");
    if (typingNames.length === 1) parts.push(`${typingNames[0]} is typing a reply…`);
    else if (typingNames.length) parts.push(`${names.format(typingNames)} are typing replies…`);
    const watching = viewers.map((v) => v.name || "Someone").filter((n) => !typingNames.includes(n));
    if (watching.length === 1) parts.push(`${watching[0]} is also viewing`);
    else if (watching.length) parts.push(`${names.format(watching)} are also viewing`);
    this.el.hidden = parts.length === 0;
    setAttr(this.el, "data-kind", typingNames.length ? "typing" : parts.length ? "viewing" : null);
    setText(this.el, parts.join(" · "));
  }
}
