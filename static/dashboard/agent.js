// Parley agent dashboard: wires the socket, the state and the views together.
//
// Delivery rests on seq (docs/protocol.md): messages are kept per ticket by seq,
// subscribe resumes from the last contiguous seq held, and any hole is filled
// over REST. Sends carry a client_id and are resent until acked, so a reconnect
// never loses or doubles a reply.

import { api, goToLogin, HISTORY_PAGE_MAX } from "./api.js";
import { Composer } from "./composer.js";
import { HeaderView, ThreadView, TypingView } from "./conversation.js";
import { byId, newClientId, setAttr, setText } from "./dom.js";
import { InboxView } from "./inbox.js";
import { AgentSocket } from "./socket.js";
import { Store } from "./store.js";

const TYPING_SHOWN_MS = 8_000; // hide a typing line whose "stop" never came
const SEEN_DELAY_MS = 300;
const RESEND_AFTER_MS = 15_000; // resend an unacked message (same client_id)
const GAP_CHECK_DELAY_MS = 1_500;
const BASE_TITLE = "Parley";

const me = JSON.parse(byId("parley-me").textContent);
const store = new Store(me);
const socket = new AgentSocket("/ws/agent/");

const ui = {
  connection: byId("connection-status"),
  connectionText: byId("connection-text"),
  connectionRetry: byId("connection-retry"),
  team: byId("team-presence"),
  presence: byId("presence-toggle"),
  presenceLabel: byId("presence-label"),
  meName: byId("me-name"),
  empty: byId("conversation-empty"),
  threadWrap: byId("thread-wrap"),
};

const inbox = new InboxView(byId("inbox"), byId("inbox-count"), openTicket);
const header = new HeaderView(byId("ticket-header"));
const thread = new ThreadView(byId("thread"), byId("thread-status"), {
  retry: retryLocal,
  discard: discardLocal,
});
const typingView = new TypingView(byId("visitor-typing"));
const composer = new Composer(byId("composer"), {
  send: sendMessage,
  typing(state) {
    if (store.currentId) socket.send({ type: "typing", ticket: store.currentId, state });
  },
  draftChanged(text, internal) {
    if (!store.currentId) return;
    const conv = store.conversation(store.currentId);
    conv.draft = text;
    conv.draftInternal = internal;
  },
});

let welcomed = false;
let seenTimer = null;
const gapFills = new Map(); // ticket id -> promise of a running REST fill
const gapTimers = new Map();

// --- rendering --------------------------------------------------------------------

function renderInbox() {
  const { unread } = inbox.render(store);
  document.title = unread ? `(${unread}) Inbox · ${BASE_TITLE}` : `Inbox · ${BASE_TITLE}`;
}

function renderConversation({ forceScroll = false } = {}) {
  const id = store.currentId;
  const ticket = id ? store.tickets.get(id) : null;
  ui.empty.hidden = Boolean(id);
  ui.threadWrap.hidden = !id;
  header.render(ticket);
  if (!id) {
    typingView.render(null);
    composer.show(false);
    return;
  }
  const conv = store.conversation(id);
  thread.render(conv, ticket, { forceScroll });
  renderTyping();
  composer.setClosed(ticket?.status === "closed");
}

function renderTyping() {
  const typing = store.currentId ? store.typing.get(store.currentId) : null;
  typingView.render(typing && typing.until > Date.now() ? typing : null);
}

const CONNECTION_TEXT = {
  connecting: "Connecting…",
  connected: "Connected",
  reconnecting: "Reconnecting…",
  offline: "Offline",
};
let countdownTimer = null;

function renderConnection({ state, retryAt }) {
  clearInterval(countdownTimer);
  setAttr(ui.connection, "data-state", state);
  setText(ui.connectionText, CONNECTION_TEXT[state] ?? state);
  // The countdown is aria-hidden: the status region would announce every tick.
  const paint = () => {
    const seconds = retryAt ? Math.ceil((retryAt - Date.now()) / 1000) : 0;
    setText(ui.connectionRetry, state === "reconnecting" && seconds >= 2 ? `(${seconds} s)` : "");
  };
  paint();
  if (state === "reconnecting" && retryAt) countdownTimer = setInterval(paint, 1000);
  ui.presence.disabled = state !== "connected";
  composer.setOffline(state !== "connected");
}

function renderPresence(status) {
  store.me.status = status;
  ui.presence.checked = status === "online";
  setText(ui.presenceLabel, status === "online" ? "Online" : "Away");
  setAttr(ui.presence.closest(".presence"), "data-status", status);
}

function renderTeam() {
  const available = store.agents.filter((a) => a.connected && a.status === "online");
  ui.team.hidden = store.agents.length === 0;
  setText(ui.team, `${available.length} of ${store.agents.length} agents available`);
  setAttr(ui.team, "title", available.map((a) => a.name).join(", ") || "Nobody is available");
}

// --- opening a ticket ----------------------------------------------------------------

function openTicket(id) {
  if (!id || id === store.currentId) {
    composer.focus();
    return;
  }
  const previous = store.currentId;
  if (previous) {
    composer.stopTyping(); // goes to the previous ticket
    socket.send({ type: "unsubscribe", ticket: previous });
    store.conversation(previous).subscribed = false;
  }
  store.currentId = id;
  history.replaceState(null, "", `#ticket-${id}`);
  const conv = store.conversation(id);
  const ticket = store.tickets.get(id);
  composer.show(true, {
    draft: conv.draft,
    internal: conv.draftInternal,
    closed: ticket?.status === "closed",
  });
  subscribe(id);
  renderConversation({ forceScroll: true });
  renderInbox();
  composer.focus();
}

/** Join the ticket's stream, resuming after the last seq we hold without a hole. */
function subscribe(id) {
  const conv = store.conversation(id);
  conv.subscribed = false;
  socket.send({ type: "subscribe", ticket: id, after: conv.contiguous });
}

function ticketFromHash() {
  const match = location.hash.match(/^#ticket-(\d+)$/);
  return match ? Number(match[1]) : null;
}

async function openFromHash() {
  const id = ticketFromHash();
  if (!id || store.currentId) return;
  if (!store.tickets.has(id)) {
    try {
      store.upsertTicket(await api.ticket(id));
    } catch {
      history.replaceState(null, "", location.pathname);
      return;
    }
  }
  openTicket(id);
}

// --- filling holes over REST ------------------------------------------------------------

/** Fetch every message after the last contiguous seq until we hold them all. */
function fillGap(id) {
  if (gapFills.has(id)) return gapFills.get(id);
  const conv = store.conversation(id);
  const start = conv.contiguous;
  const run = (async () => {
    for (;;) {
      const from = conv.contiguous;
      const page = await api.history(id, from, HISTORY_PAGE_MAX);
      for (const message of page.messages) {
        conv.add(message);
        store.noteMessage(id, message);
      }
      if (page.messages.length < HISTORY_PAGE_MAX || conv.contiguous === from) break;
    }
    conv.loaded = true;
  })()
    .catch(() => {
      // Try again shortly; the socket will also resubscribe on reconnect.
      scheduleGapCheck(id, 5_000);
    })
    .finally(() => {
      gapFills.delete(id);
      // More may have arrived (or been lost) while we fetched; look again, but
      // only if this round made progress, so a hole the server can't fill
      // doesn't turn into a polling loop.
      if (conv.contiguous > start) scheduleGapCheck(id);
      if (id === store.currentId) {
        renderConversation();
        scheduleSeen();
      }
      renderInbox();
    });
  gapFills.set(id, run);
  return run;
}

/** If the server says the ticket has more than we hold, fetch the rest. Used after
 *  ticket.updated, which also reveals a lost *last* message. */
function scheduleGapCheck(id, delay = GAP_CHECK_DELAY_MS) {
  clearTimeout(gapTimers.get(id));
  gapTimers.set(id, setTimeout(() => {
    gapTimers.delete(id);
    const conv = store.conversations.get(id);
    const ticket = store.tickets.get(id);
    if (id !== store.currentId || !conv?.subscribed || !ticket) return;
    if (conv.contiguous < ticket.last_seq) fillGap(id);
  }, delay));
}

// --- read receipts ----------------------------------------------------------------------

function scheduleSeen() {
  clearTimeout(seenTimer);
  seenTimer = setTimeout(sendSeen, SEEN_DELAY_MS);
}

function sendSeen() {
  const id = store.currentId;
  if (!id || document.visibilityState !== "visible") return;
  const conv = store.conversation(id);
  if (!conv.loaded) return;
  const seq = conv.maxSeq;
  if (seq < 1 || seq <= store.seenSeq(id)) return;
  if (socket.send({ type: "seen", ticket: id, seq })) {
    store.markSeenLocally(id, seq);
    renderInbox();
  }
}

document.addEventListener("visibilitychange", scheduleSeen);

// --- sending --------------------------------------------------------------------------

function sendMessage(body, internal) {
  const id = store.currentId;
  if (!id) return;
  const local = store.queueLocal(id, { clientId: newClientId(), body, internal });
  transmit(id, local);
  renderConversation({ forceScroll: true });
}

function transmit(ticketId, local) {
  local.sentAt = Date.now();
  socket.send({
    type: "message.send",
    ticket: ticketId,
    client_id: local.client_id,
    body: local.body,
    internal: local.internal,
  });
  // Not connected: it stays pending and goes out from flushOutbox() on welcome.
}

function flushOutbox() {
  for (const { ticketId, local } of store.pendingOutbox()) transmit(ticketId, local);
}

function resendStale() {
  if (socket.state !== "connected") return;
  const now = Date.now();
  for (const { ticketId, local } of store.pendingOutbox()) {
    if (now - (local.sentAt ?? 0) > RESEND_AFTER_MS) transmit(ticketId, local);
  }
}
setInterval(resendStale, 5_000);

function retryLocal(clientId) {
  const found = store.findLocal(clientId);
  if (!found) return;
  found.local.state = "pending";
  found.local.error = undefined;
  transmit(found.conv.ticketId, found.local);
  renderConversation();
}

function discardLocal(clientId) {
  const found = store.findLocal(clientId);
  if (!found) return;
  found.conv.outbox.delete(clientId);
  renderConversation();
}

// --- server frames ----------------------------------------------------------------------

const handlers = {
  welcome(frame) {
    store.me = { ...store.me, ...frame.you };
    setText(ui.meName, store.me.name);
    renderPresence(frame.you?.status ?? store.me.status);
    store.resetInbox(frame.tickets ?? []);
    // Keep the open ticket's header even if it left the inbox while we were away.
    for (const conv of store.conversations.values()) conv.subscribed = false;
    if (store.currentId) subscribe(store.currentId);
    flushOutbox();
    renderInbox();
    renderConversation();
    loadAgents();
    if (!welcomed) {
      welcomed = true;
      openFromHash();
    }
  },

  "ticket.updated"({ ticket }) {
    if (!ticket?.id) return;
    store.upsertTicket(ticket);
    renderInbox();
    if (ticket.id === store.currentId) {
      renderConversation();
      scheduleGapCheck(ticket.id);
    }
  },

  "message.new"({ ticket: id, message }) {
    if (!message) return;
    store.noteMessage(id, message);
    if (id !== store.currentId && !store.conversations.has(id)) {
      renderInbox();
      return;
    }
    const conv = store.conversation(id);
    conv.add(message);
    if (id === store.currentId) {
      if (message.sender?.type === "visitor") store.typing.delete(id);
      if (conv.subscribed && conv.hasGap(message.seq)) fillGap(id);
      renderConversation();
      scheduleSeen();
    }
    renderInbox();
  },

  "message.ack"(frame) {
    const found = store.findLocal(frame.client_id);
    if (!found) return;
    const { conv, local } = found;
    if (conv.messages.has(frame.seq)) {
      conv.outbox.delete(local.client_id); // message.new came first: keep the server copy
    } else {
      conv.add({
        id: frame.id,
        seq: frame.seq,
        sender: local.sender,
        body: local.body,
        internal: local.internal,
        created_at: frame.created_at,
        client_id: local.client_id,
      });
    }
    store.noteMessage(conv.ticketId, { seq: frame.seq, created_at: frame.created_at });
    if (conv.ticketId === store.currentId) {
      if (conv.subscribed && conv.hasGap(frame.seq)) fillGap(conv.ticketId);
      renderConversation();
      scheduleSeen();
    }
    renderInbox();
  },

  subscribed({ ticket: id, last_seq: lastSeq }) {
    const conv = store.conversation(id);
    if (id !== store.currentId) return; // an answer for a ticket we already left
    conv.subscribed = true;
    if (conv.contiguous < lastSeq) {
      fillGap(id);
    } else {
      conv.loaded = true;
    }
    renderConversation();
    scheduleSeen();
  },

  typing({ ticket: id, sender, state }) {
    if (!sender || sender.user === store.me.id || sender.type !== "visitor") return;
    if (state === "start") {
      store.typing.set(id, { name: sender.name, until: Date.now() + TYPING_SHOWN_MS });
      setTimeout(() => id === store.currentId && renderTyping(), TYPING_SHOWN_MS + 50);
    } else {
      store.typing.delete(id);
    }
    if (id === store.currentId) renderTyping();
  },

  seen({ ticket: id, side, seq }) {
    store.setSeen(id, side, seq);
    if (id === store.currentId) renderConversation();
    renderInbox();
  },

  presence(frame) {
    if (!Array.isArray(frame.agents)) return;
    store.agents = frame.agents;
    const mine = frame.agents.find((a) => a.id === store.me.id);
    if (mine) renderPresence(mine.status);
    renderTeam();
  },

  resync({ ticket: id }) {
    if (store.conversations.has(id)) fillGap(id);
  },

  error(frame) {
    if (frame.client_id) {
      const found = store.findLocal(frame.client_id);
      if (found) {
        found.local.state = "failed";
        found.local.error = frame.message || frame.code;
        if (found.conv.ticketId === store.currentId) renderConversation();
      }
      return;
    }
    if (frame.code === "not_found" && store.currentId) {
      // Most likely the subscribe for a ticket we may no longer see.
      const conv = store.conversation(store.currentId);
      conv.loaded = true;
      renderConversation();
    }
    console.warn("Parley server error:", frame.code, frame.message);
  },

  pong() {},
};

async function loadAgents() {
  try {
    const data = await api.agents();
    store.agents = data.results ?? [];
    renderTeam();
  } catch {
    /* the next presence frame fills it in */
  }
}

// --- wiring ------------------------------------------------------------------------------

ui.presence.addEventListener("change", () => {
  const status = ui.presence.checked ? "online" : "away";
  if (socket.send({ type: "presence.set", status })) {
    renderPresence(status);
  } else {
    renderPresence(store.me.status); // not connected: undo the click
  }
});

socket.addEventListener("state", (event) => renderConnection(event.detail));
socket.addEventListener("denied", () => goToLogin());
socket.addEventListener("frame", (event) => {
  const frame = event.detail;
  const handle = handlers[frame.type];
  if (!handle) return;
  try {
    handle(frame);
  } catch (error) {
    console.error("Parley: failed to handle", frame.type, error);
  }
});

renderPresence(me.status);
renderConversation();
socket.start();
