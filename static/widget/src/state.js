// The widget's state: what localStorage keeps for the visitor (`state`, shared
// by their tabs), and what lives only as long as this page (`ctx`).

import { SeqLog } from "../../shared/seq.js";
import { FORCED, STORAGE_KEY } from "./env.js";
import { fresh, isEnded, parseStored } from "./stored.js";
import { mergeList as mergeListInto } from "./merge.js";

export const store = {
  load() {
    try {
      return parseStored(localStorage.getItem(STORAGE_KEY)) || fresh();
    } catch {
      return fresh(); // storage disabled
    }
  },
  save() {
    try {
      localStorage.setItem(STORAGE_KEY, JSON.stringify(state));
    } catch {
      /* private mode or quota: keep working from memory */
    }
  },
};

export const state = store.load();

// This page only.
export const ctx = {
  cfg: null, // GET /api/widget/config/, from the loader
  T: {}, // its words, in its language (chat/widget_words.py)
  lang: "",
  wanted: Boolean(state.token), // sessions create visitors: only when needed
  identity: null, // what the page last passed to Parley.identify (identity.js)
  view: null, // "list" or "chat"; chosen when the panel first opens
  historyLoaded: false, // the current ticket's history came over REST (or it is new)
  ws: null, // a WebSocket, or the event stream's {sse, close}
  transport: FORCED === "fallback" ? "fallback" : "websocket",
  drops: [], // when sockets failed lately
  noWelcome: 0, // sockets in a row that never got to welcome
  sendFails: 0, // REST sends in a row that found the server away
  sendTimer: 0,
  ready: false, // welcome received on ws
  wasReady: false,
  connecting: false,
  stopped: false, // blocked: never reconnect
  attempts: 0,
  retryTimer: 0,
  pingTimer: 0,
  awaitingPong: false,
  sessionDone: false,
  sessionQueue: Promise.resolve(),
  authFailures: 0, // 4401 closes since the last welcome
  agentsOnline: null,
  agentSeen: 0, // highest seq the agent side has read
  seenSent: 0,
  ticketlessInFlight: null, // client_id of the message that is opening a ticket
  prechatForced: false, // the server refused a new conversation without name and email
  offlineClientId: null, // kept across retries, so a lost answer can't make two tickets
  doneFor: 0, // the ticket the offline form just opened, and where replies go
  doneEmail: "",
  busy: false, // a form is being sent
  syncing: null,
  syncAgain: false,
  typingOut: { active: false, at: 0, idle: 0 },
  typingIn: null, // {name, timer}
  panelOpen: false,
  confirming: 0, // the ticket whose "end chat?" question is shown
  answer: null, // the assistant's answer being streamed (answer.js)
  human: false, // the visitor asked for a person before asking anything
  mailFor: 0, // handed off with nobody online: the ticket whose email is asked for
  tabId: Math.random().toString(36).slice(2),
};

// Each tab sends what was written in it (its id survives a reload).
try {
  ctx.tabId = sessionStorage.parleyTab ||= ctx.tabId;
} catch {
  /* storage disabled: a new id per page */
}

// The shown ticket's messages; history is reloaded on every page load.
export const log = new SeqLog();
export const inFlight = new Set(); // client_ids sent on this line, not yet answered
export const uploads = new Map(); // client_id -> entry: files can't wait in localStorage

export const ticketInfo = () => (state.ticket ? (state.tickets[state.ticket] ||= { read: 0 }) : null);
export const resume = () => (state.ticket ? { [state.ticket]: log.contiguous } : {});
export const summary = (id) => state.list.find((t) => t.id === id);
export const readOf = (id) => (state.tickets[id] ? state.tickets[id].read : 0);
export const ended = (id = state.ticket) => isEnded(summary(id));
export const mergeList = (tickets) => mergeListInto(state, tickets);
