// Parley agent dashboard: wires the socket, the state and the views together.
// How messages arrive whole and once is delivery.js; this file decides what is
// shown and when the agent is told.

import { TicketActions } from "./actions.js";
import { Alerts } from "./alerts.js";
import { api, goToLogin } from "./api.js";
import { Composer } from "./composer.js";
import { askToConfirm } from "./confirm.js";
import { CollisionView, HeaderView, ThreadView, TypingView, agentThumbs } from "./conversation.js";
import { Delivery } from "./delivery.js";
import { byId, isTypingTarget, setAttr, setText } from "./dom.js";
import { InboxPane } from "./inbox-pane.js";
import { SuggestionView } from "./suggestion.js";
import { bindShortcuts, setUpHelp } from "./shortcuts.js";
import { VisitorSidebar } from "./sidebar.js";
import { AgentSocket } from "./socket.js";
import { OPEN_STATUSES, Store, VIEWS, assigneeId } from "./store.js";
import { TeamView } from "./team.js";

const TYPING_SHOWN_MS = 8_000; // hide a typing line whose "stop" never came
const BASE_TITLE = "Parley";

const me = JSON.parse(byId("parley-me").textContent);
const store = new Store(me);
const socket = new AgentSocket("/ws/agent/");
const delivery = new Delivery(store, socket, {
  conversation: renderConversation,
  inbox: renderInbox,
  visitorWrote: (id, message) => alertAbout(id, "New message", message.body),
});

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
const actions = new TicketActions(byId("ticket-header"), saveTicket,
  (words) => askToConfirm(byId("confirm-dialog"), words));
const thread = new ThreadView(byId("thread"), byId("thread-status"), {
  retry: (clientId) => delivery.retry(clientId),
  discard: (clientId) => delivery.discard(clientId),
  loadOlder: () => delivery.loadOlder(),
  async rate(_clientId, button) {
    const id = Number(button.dataset.messageId);
    const helpful = button.dataset.helpful === "true";
    try {
      await api.rateAnswer(id, helpful);
    } catch (error) {
      console.warn("Parley: could not rate the answer", id, error);
      return;
    }
    agentThumbs.set(id, helpful);
    for (const other of button.parentNode.querySelectorAll("[data-action='rate']")) {
      setAttr(other, "aria-pressed", String(other.dataset.helpful === String(helpful)));
    }
  },
});
const typingView = new TypingView(byId("visitor-typing"));
const collision = new CollisionView(byId("collision-notice"));
const sidebar = new VisitorSidebar(byId("visitor-sidebar"), byId("sidebar-toggle"), byId("app"),
  (id) => openTicket(id));
const team = new TeamView(byId("team-toggle"), byId("team-panel"));
const alerts = new Alerts(byId("notify-enable"), me);
const composer = new Composer(byId("composer"), {
  send: (body, internal) => delivery.send(body, internal),
  upload: (file, caption, internal) => delivery.send(caption, internal, file),
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
const suggestion = new SuggestionView(byId("suggestion"), {
  load: (id) => api.suggestion(id),
  send: (body) => delivery.send(body, false),
  edit: (body) => composer.fill(body),
});
setUpHelp(ui.help, byId("shortcuts-open"));

let welcomed = false;

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
    suggestion.show(null);
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
  delivery.follow(id);
  sidebar.show(id);
  suggestion.show(id, { closed: store.tickets.get(id)?.status === "closed" });
  renderConversation({ forceScroll: true });
  renderInbox();
  // From the keyboard the focus stays in the list, so j/k keep moving.
  if (!viaKeyboard) composer.focus();
  return true;
}

function leaveTicket(id) {
  composer.stopTyping(); // goes to the ticket we leave
  delivery.unfollow(id);
  // Nobody tells us about this ticket any more: don't show stale company later.
  store.viewers.delete(id);
  store.agentTyping.delete(id);
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
 *  the open ticket and ticket.updated doesn't say who wrote, so the sure sign of
 *  a visitor message is a wait that starts (notes and changes by colleagues
 *  never start one). Only tickets that are ours or nobody's ring, and a ticket
 *  that becomes ours. */
function announceUpdate(previous, ticket) {
  if (!OPEN_STATUSES.has(ticket.status) || ticket.id === store.currentId) return;
  if (!previous) {
    alertAbout(ticket.id, "New conversation", ticket.subject);
    return;
  }
  if (assigneeId(ticket) === store.me.id && assigneeId(previous) !== store.me.id) {
    // Routing gave it to us (or a colleague passed it on).
    alertAbout(ticket.id, "Assigned to you", ticket.subject);
    return;
  }
  const forMe = [null, store.me.id].includes(assigneeId(ticket));
  if (forMe && ticket.waiting_since && ticket.waiting_since !== previous.waiting_since) {
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
    store.viewers.clear();
    store.agentTyping.clear();
    store.typing.clear();
    delivery.reconnected();
    const id = store.currentId;
    if (id) {
      refreshTicket(id); // it may have left the inbox while we were away
      sidebar.refresh();
    }
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
    sidebar.ticketChanged(ticket);
    if (ticket.id === store.currentId) delivery.scheduleGapCheck(ticket.id);
  },

  // A message that changed nothing but the row's last message and wait. A row we
  // don't hold (past the welcome's first page) is fetched whole, as
  // ticket.updated would have brought it.
  async "ticket.activity"(frame) {
    let ticket = store.withActivity(frame);
    if (!ticket && Number.isInteger(frame.ticket)) {
      try {
        ticket = await api.ticket(frame.ticket);
      } catch {
        return; // gone, or no longer ours to see
      }
    }
    if (ticket) handlers["ticket.updated"]({ ticket });
  },

  "message.new": (frame) => delivery.messageNew(frame),
  "message.ack": (frame) => delivery.messageAck(frame),
  subscribed: (frame) => delivery.subscribed(frame),
  resync: (frame) => delivery.resync(frame),

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
    sidebar.setOnline(visitor, Boolean(online));
  },

  seen({ ticket: id, side, seq, unread }) {
    store.setSeen(id, side, seq, unread);
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

  error(frame) {
    if (!delivery.error(frame)) console.warn("Parley server error:", frame.code, frame.message);
  },

  pong: (frame) => delivery.pong(frame),
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
