// Parley agent dashboard: wires the socket, the state and the views together.
//
// Delivery rests on seq (docs/protocol.md): messages are kept per ticket by seq.
// A ticket opens on its newest page over REST, subscribe resumes from the last
// contiguous seq held, older pages load when scrolling up, and any hole is
// filled over REST. Sends carry a client_id and are resent until acked, so a
// reconnect never loses or doubles a reply.

import { TicketActions } from "./actions.js";
import { Alerts } from "./alerts.js";
import { api, goToLogin, HISTORY_PAGE, HISTORY_PAGE_MAX } from "./api.js";
import { Composer } from "./composer.js";
import { CollisionView, HeaderView, ThreadView, TypingView } from "./conversation.js";
import { byId, isTypingTarget, newClientId, setAttr, setText } from "./dom.js";
import { InboxPane } from "./inbox-pane.js";
import { bindShortcuts, setUpHelp } from "./shortcuts.js";
import { VisitorSidebar } from "./sidebar.js";
import { AgentSocket } from "./socket.js";
import { OPEN_STATUSES, Store, VIEWS, assigneeId } from "./store.js";
import { TeamView } from "./team.js";

const TYPING_SHOWN_MS = 8_000; // hide a typing line whose "stop" never came
const SEEN_DELAY_MS = 300;
const RESEND_AFTER_MS = 15_000; // resend an unacked message (same client_id)
const GAP_CHECK_DELAY_MS = 1_500;
const LOAD_RETRY_MS = 3_000;
const BASE_TITLE = "Parley";

const me = JSON.parse(byId("parley-me").textContent);
const store = new Store(me);
const socket = new AgentSocket("/ws/agent/");

const ui = {
  connection: byId("connection-status"),
  connectionText: byId("connection-text"),
  connectionRetry: byId("connection-retry"),
  presence: byId("presence-toggle"),
  presenceLabel: byId("presence-label"),
  meName: byId("me-name"),
  empty: byId("conversation-empty"),
  threadWrap: byId("thread-wrap"),
  help: byId("shortcuts-help"),
};

const inboxPane = new InboxPane(store, {
  tablist: byId("view-tabs"),
  list: byId("inbox"),
  scroller: byId("inbox-panel"),
  loadMore: byId("inbox-load-more"),
  searchForm: byId("search-form"),
  searchInput: byId("search-input"),
  searchClear: byId("search-clear"),
  searchHeader: byId("search-header"),
  searchTitle: byId("search-title"),
}, openTicket);
const header = new HeaderView(byId("ticket-header"));
const actions = new TicketActions(byId("ticket-header"), saveTicket);
const thread = new ThreadView(byId("thread"), byId("thread-status"), {
  retry: retryLocal,
  discard: discardLocal,
  loadOlder,
});
const typingView = new TypingView(byId("visitor-typing"));
const collision = new CollisionView(byId("collision-notice"));
const sidebar = new VisitorSidebar(byId("visitor-sidebar"), byId("sidebar-toggle"), byId("app"),
  (id) => openTicket(id));
const team = new TeamView(byId("team-toggle"), byId("team-panel"));
const alerts = new Alerts(byId("notify-enable"));
const composer = new Composer(byId("composer"), {
  send: sendMessage,
  upload: sendFile,
  typing(state) {
    if (store.currentId) socket.send({ type: "typing", ticket: store.currentId, state });
  },
  draftChanged(text, internal) {
    if (!store.currentId) return;
    const conv = store.conversation(store.currentId);
    conv.draft = text;
    conv.draftInternal = internal;
  },
  canned: (q) => api.canned(q),
});
setUpHelp(ui.help, byId("shortcuts-open"));

let welcomed = false;
let seenTimer = null;
const gapFills = new Map(); // ticket id -> promise of a running REST fill
const gapTimers = new Map();

// --- rendering --------------------------------------------------------------------

function renderInbox() {
  inboxPane.render();
  let unread = 0;
  for (const id of store.inbox) if (store.unreadCount(id) > 0) unread += 1;
  document.title = unread ? `(${unread}) Inbox · ${BASE_TITLE}` : `Inbox · ${BASE_TITLE}`;
}

function renderConversation({ forceScroll = false } = {}) {
  const id = store.currentId;
  const ticket = id ? store.tickets.get(id) : null;
  ui.empty.hidden = Boolean(id);
  ui.threadWrap.hidden = !id;
  header.render(ticket);
  renderActions();
  if (!id) {
    renderTyping();
    composer.show(false);
    return;
  }
  thread.render(store.conversation(id), ticket, { forceScroll });
  renderTyping();
  composer.setClosed(ticket?.status === "closed");
}

function renderActions() {
  const ticket = store.currentId ? store.tickets.get(store.currentId) : null;
  actions.render(ticket, { agents: store.agents, teams: store.teams, meId: store.me.id });
}

/** The lines above the composer: the visitor typing, and colleagues on this ticket. */
function renderTyping() {
  const id = store.currentId;
  const typing = id ? store.typing.get(id) : null;
  typingView.render(typing && typing.until > Date.now() ? typing : null);
  collision.render(id ? store.viewers.get(id) ?? [] : [], id ? store.typingAgents(id) : []);
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
  team.render(store.agents, store.me.id);
  renderActions(); // the assignee choices
}

// --- opening a ticket ----------------------------------------------------------------

/** Open ticket `id` (fetching it first if we have never seen it); false if we can't. */
async function openTicket(id, { viaKeyboard = false } = {}) {
  if (!id) return false;
  if (id === store.currentId) {
    if (!viaKeyboard) composer.focus();
    return true;
  }
  if (!store.tickets.has(id)) {
    try {
      store.upsertTicket(await api.ticket(id));
    } catch (error) {
      console.warn("Parley: could not open ticket", id, error);
      return false;
    }
    if (id === store.currentId) return true; // opened while we fetched
  }
  if (store.currentId) leaveTicket(store.currentId);
  store.currentId = id;
  history.replaceState(null, "", `#ticket-${id}`);
  const conv = store.conversation(id);
  composer.show(true, {
    draft: conv.draft,
    internal: conv.draftInternal,
    closed: store.tickets.get(id)?.status === "closed",
  });
  loadConversation(id);
  sidebar.show(id);
  renderConversation({ forceScroll: true });
  renderInbox();
  // From the keyboard the focus stays in the list, so j/k keep moving.
  if (!viaKeyboard) composer.focus();
  return true;
}

function leaveTicket(id) {
  composer.stopTyping(); // goes to the ticket we leave
  socket.send({ type: "unsubscribe", ticket: id });
  store.conversation(id).subscribed = false;
  // Nobody tells us about this ticket any more: don't show stale company later.
  store.viewers.delete(id);
  store.agentTyping.delete(id);
}

/** Hold the ticket's messages and follow it live: resume by replay when we are
 *  close enough behind, else start again from the newest page. */
async function loadConversation(id) {
  const conv = store.conversation(id);
  const behind = (store.tickets.get(id)?.last_seq ?? 0) - conv.contiguous;
  if (conv.started && behind <= HISTORY_PAGE) {
    subscribe(id);
    return;
  }
  if (conv.loading) return;
  conv.restart();
  conv.loading = true;
  const { epoch } = conv;
  let page;
  try {
    page = await api.historyBefore(id, null, HISTORY_PAGE);
  } catch {
    // Try again while it is still open; a reconnect retries too.
    setTimeout(() => id === store.currentId && loadConversation(id), LOAD_RETRY_MS);
    return;
  } finally {
    conv.loading = false;
  }
  if (conv.epoch !== epoch) return;
  conv.startFrom(page);
  const newest = page.messages.at(-1);
  if (newest) store.noteMessage(id, newest);
  if (id !== store.currentId) return;
  subscribe(id);
  renderConversation({ forceScroll: true });
  renderInbox();
}

/** Join the ticket's stream, resuming after the last seq we hold without a hole. */
function subscribe(id) {
  const conv = store.conversation(id);
  conv.subscribed = false;
  // Before the newest page is in, loadConversation subscribes when it lands.
  if (conv.started) socket.send({ type: "subscribe", ticket: id, after: conv.contiguous });
}

/** The page of history just above what the thread shows. */
async function loadOlder() {
  const id = store.currentId;
  const conv = id ? store.conversation(id) : null;
  if (!conv?.hasOlder || conv.loadingOlder) return;
  const { epoch, floor } = conv;
  conv.loadingOlder = true;
  conv.olderError = "";
  renderConversation();
  try {
    const page = await api.historyBefore(id, floor, HISTORY_PAGE);
    if (conv.epoch === epoch) for (const message of page.messages) conv.add(message);
  } catch (error) {
    conv.olderError = error.message;
  } finally {
    conv.loadingOlder = false;
  }
  if (id === store.currentId) renderConversation();
}

function ticketFromHash() {
  const match = location.hash.match(/^#ticket-(\d+)$/);
  return match ? Number(match[1]) : null;
}

async function openFromHash() {
  const id = ticketFromHash();
  if (!id || store.currentId) return;
  if (!(await openTicket(id, { viaKeyboard: true }))) history.replaceState(null, "", location.pathname);
}

// --- filling holes over REST ------------------------------------------------------------

/** Fetch every message after the last contiguous seq until we hold them all. */
function fillGap(id) {
  if (gapFills.has(id)) return gapFills.get(id);
  const conv = store.conversation(id);
  if (!conv.started) return null; // loadConversation brings it in
  const { epoch } = conv;
  const start = conv.contiguous;
  const run = (async () => {
    for (;;) {
      const from = conv.contiguous;
      const page = await api.history(id, from, HISTORY_PAGE_MAX);
      if (conv.epoch !== epoch) return;
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
      if (conv.epoch === epoch && conv.contiguous > start) scheduleGapCheck(id);
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

function sendFile(file, caption, internal) {
  const id = store.currentId;
  if (!id) return;
  const local = store.queueLocal(id, { clientId: newClientId(), body: caption, internal, file });
  transmit(id, local);
  renderConversation({ forceScroll: true });
}

function transmit(ticketId, local) {
  local.sentAt = Date.now();
  if (local.file) {
    upload(ticketId, local);
    return;
  }
  socket.send({
    type: "message.send",
    ticket: ticketId,
    client_id: local.client_id,
    body: local.body,
    internal: local.internal,
  });
  // Not connected: it stays pending and goes out from flushOutbox() on welcome.
}

/** Files go over REST; the 201 stands in for message.ack, and the client_id makes
 *  a retry store it once. */
async function upload(ticketId, local) {
  try {
    const { message } = await api.upload(ticketId, {
      file: local.file, body: local.body, clientId: local.client_id, internal: local.internal,
    });
    stored(store.conversation(ticketId), local, message);
  } catch (error) {
    local.state = "failed";
    local.error = error.message;
    if (ticketId === store.currentId) renderConversation();
  }
}

/** The server stored a local message as `message` (an ack's {id, seq, created_at},
 *  or a full message). */
function stored(conv, local, message) {
  if (conv.messages.has(message.seq)) {
    conv.outbox.delete(local.client_id); // message.new came first: keep the server copy
  } else {
    conv.add({
      sender: local.sender,
      body: local.body,
      internal: local.internal,
      client_id: local.client_id,
      ...message,
    });
  }
  store.noteMessage(conv.ticketId, message);
  if (conv.ticketId === store.currentId) {
    if (conv.subscribed && conv.hasGap(message.seq)) fillGap(conv.ticketId);
    renderConversation();
    scheduleSeen();
  }
  renderInbox();
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

// --- ticket changes -----------------------------------------------------------------------

/** PATCH a ticket (the header's actions) and show the answer at once. */
async function saveTicket(id, fields) {
  applyTicket(await api.updateTicket(id, fields));
}

/** A fresh ticket payload, from the socket or a REST answer. */
function applyTicket(ticket) {
  const previous = store.tickets.get(ticket.id);
  store.upsertTicket(ticket);
  inboxPane.ticketChanged(previous, ticket);
  renderInbox();
  if (ticket.id === store.currentId) renderConversation();
  return previous;
}

async function refreshTicket(id) {
  try {
    applyTicket(await api.ticket(id));
  } catch {
    /* the next ticket.updated brings it */
  }
}

// --- telling the agent --------------------------------------------------------------------

/** A sound, and a desktop notification unless they are looking at it already. */
function alertAbout(id, heading, text) {
  alerts.chime();
  if (document.visibilityState === "visible" && id === store.currentId) return;
  const ticket = store.tickets.get(id);
  alerts.notify({
    title: `${ticket?.visitor?.name || "Visitor"}: ${heading}`,
    body: text || ticket?.subject || "",
    tag: `parley-ticket-${id}`,
    onClick: () => openTicket(id),
  });
}

/** News on a ticket that isn't open. The socket sends message frames only for
 *  the open ticket, so for the others a grown last_seq while the visitor waits
 *  stands for "the visitor wrote"; only tickets that are ours or nobody's ring. */
function announceUpdate(previous, ticket) {
  if (!OPEN_STATUSES.has(ticket.status) || ticket.id === store.currentId) return;
  if (!previous) {
    alertAbout(ticket.id, "New conversation", ticket.subject);
    return;
  }
  const forMe = [null, store.me.id].includes(assigneeId(ticket));
  if (forMe && ticket.waiting_since && ticket.last_seq > previous.last_seq) {
    alertAbout(ticket.id, "New message", ticket.subject);
  }
}

// --- server frames ----------------------------------------------------------------------

const handlers = {
  welcome(frame) {
    store.me = { ...store.me, ...frame.you };
    setText(ui.meName, store.me.name);
    renderPresence(frame.you?.status ?? store.me.status);
    store.resetInbox(frame.tickets ?? []);
    // Who is viewing or typing is told afresh on this connection.
    for (const conv of store.conversations.values()) conv.subscribed = false;
    store.viewers.clear();
    store.agentTyping.clear();
    store.typing.clear();
    const id = store.currentId;
    if (id) {
      loadConversation(id);
      refreshTicket(id); // it may have left the inbox while we were away
      sidebar.refresh();
    }
    flushOutbox();
    inboxPane.refresh();
    renderInbox();
    renderConversation();
    loadAgents();
    loadTeams();
    if (!welcomed) {
      welcomed = true;
      openFromHash();
    }
  },

  "ticket.updated"({ ticket }) {
    if (!ticket?.id) return;
    const previous = applyTicket(ticket);
    announceUpdate(previous, ticket);
    if (ticket.id === store.currentId) scheduleGapCheck(ticket.id);
  },

  "message.new"({ ticket: id, message }) {
    if (!message) return;
    store.noteMessage(id, message);
    if (id !== store.currentId && !store.conversations.has(id)) {
      renderInbox();
      return;
    }
    const conv = store.conversation(id);
    const live = conv.subscribed; // not part of the replay that follows subscribe
    const isNew = conv.add(message);
    if (id === store.currentId) {
      if (message.sender?.type === "visitor") store.typing.delete(id);
      if (conv.subscribed && conv.hasGap(message.seq)) fillGap(id);
      renderConversation();
      scheduleSeen();
      if (live && isNew && message.sender?.type === "visitor") alertAbout(id, "New message", message.body);
    }
    renderInbox();
  },

  "message.ack"(frame) {
    const found = store.findLocal(frame.client_id);
    if (found) stored(found.conv, found.local, { id: frame.id, seq: frame.seq, created_at: frame.created_at });
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

  typing({ ticket: id, sender, state, draft }) {
    if (!sender) return;
    const until = Date.now() + TYPING_SHOWN_MS;
    if (sender.type === "visitor") {
      if (state === "start") store.typing.set(id, { name: sender.name, draft: draft ?? "", until });
      else store.typing.delete(id);
    } else if (sender.type === "agent" && sender.user !== store.me.id) {
      const typers = store.agentTyping.get(id) ?? new Map();
      if (state === "start") typers.set(sender.user, { name: sender.name, until });
      else typers.delete(sender.user);
      store.agentTyping.set(id, typers);
    } else {
      return;
    }
    setTimeout(() => id === store.currentId && renderTyping(), TYPING_SHOWN_MS + 50);
    if (id === store.currentId) renderTyping();
  },

  "ticket.viewers"({ ticket: id, agents }) {
    store.viewers.set(id, (agents ?? []).filter((agent) => agent.id !== store.me.id));
    if (id === store.currentId) renderTyping();
  },

  "visitor.presence"({ visitor, online }) {
    store.visitorOnline.set(visitor, Boolean(online));
    sidebar.setOnline(visitor, Boolean(online));
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
    // Too far behind to replay: start again from the newest page.
    if (id !== store.currentId) return;
    store.conversation(id).restart();
    loadConversation(id);
    renderConversation();
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

async function loadTeams() {
  try {
    const data = await api.teams();
    store.teams = data.results ?? [];
    renderActions();
  } catch {
    /* the team select keeps the ticket's own team; the next reconnect asks again */
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

bindShortcuts({
  next: () => inboxPane.move(1),
  previous: () => inboxPane.move(-1),
  openSelected: () => inboxPane.openFocused(),
  assignToMe: () => actions.assignToMe(),
  resolve: () => actions.resolve(),
  view: (index) => inboxPane.setView(VIEWS[index]),
  search: () => inboxPane.focusSearch(),
  compose: () => composer.focus(),
  toggleNote: () => composer.toggleInternal(),
  help: () => ui.help.showModal(),
  listHasFocus: () => inboxPane.hasFocus(),
  /** Escape closes what is open, else leaves the field, else leaves the search. */
  escape() {
    if (team.open) {
      team.setOpen(false);
      return true;
    }
    if (isTypingTarget(document.activeElement)) {
      document.activeElement.blur();
      return true;
    }
    if (inboxPane.searching) {
      inboxPane.clearSearch();
      return true;
    }
    return false;
  },
});

socket.addEventListener("state", (event) => renderConnection(event.detail));
// 4401/4403 at any time, before or after welcome: logged out elsewhere, or deactivated.
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
renderInbox();
renderConversation();
socket.start();
