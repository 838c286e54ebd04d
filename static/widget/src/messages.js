// The shown conversation's messages: held by seq in `log` (static/shared/seq.js),
// duplicates dropped, and any gap filled over REST.

import { fillGap } from "../../shared/seq.js";
import { api, HttpError } from "./api.js";
import { confirm, findEntry, setTypingIn } from "./delivery.js";
import { HISTORY_PAGE, noop } from "./env.js";
import { ctx, log, state, store, summary } from "./state.js";
import { markRead } from "./receipts.js";
import { render } from "./view.js";

// Every ticket's `read` survives, so unread counts stay right across switches.
export function switchTicket(id, quiet) {
  state.ticket = id || null;
  if (id) state.tickets[id] ||= { read: 0 };
  log.clear();
  ctx.historyLoaded = false;
  const t = summary(id);
  ctx.agentSeen = (t && t.agent_seen_seq) || 0;
  ctx.seenSent = 0;
  if (id !== ctx.doneFor) ctx.doneFor = 0;
  ctx.confirming = 0;
  setTypingIn(null);
  if (!quiet) store.save();
}

// prevSeq (from message.new) is the seq of the previous message a visitor can
// see: when it is held, the seqs in between were internal notes, not losses.
export function put(message, prevSeq, fetchGaps = true) {
  log.add(message, prevSeq);
  settled(message);
  if (fetchGaps && log.hasGap(message.seq)) sync().catch(noop); // frames were lost
}

// An ack lost to a reload shows up in the REST history instead.
function settled(message) {
  const entry = message.client_id && findEntry(message.client_id);
  if (entry) confirm(entry, state.ticket);
}

// One at a time; asked again meanwhile, it runs once more.
export function sync() {
  if (!state.ticket) return Promise.resolve();
  if (ctx.syncing) {
    ctx.syncAgain = true;
    return ctx.syncing;
  }
  const ticket = state.ticket;
  const page = (after) => api("GET", `/api/widget/tickets/${ticket}/messages/?after=${after}&limit=${HISTORY_PAGE}`);
  ctx.syncing = (async () => {
    do {
      ctx.syncAgain = false;
      const current = await fillGap(log, page, HISTORY_PAGE, { stale: () => state.ticket !== ticket, onMessage: settled });
      if (!current) return;
    } while (ctx.syncAgain);
    ctx.historyLoaded = true;
    store.save();
    render();
    markRead();
  })().finally(() => {
    ctx.syncing = null;
    if (ctx.syncAgain) sync().catch(noop);
  });
  return ctx.syncing;
}

// One that is gone (or not ours) leaves the list.
export function load() {
  const id = state.ticket;
  sync().catch((e) => {
    if (!(e instanceof HttpError) || e.status !== 404 || state.ticket !== id) return;
    forget(id);
    render();
  });
}

/** Not this visitor's (any more): out of the list, and out of view. */
export function forget(id) {
  state.list = state.list.filter((t) => t.id !== id);
  if (state.ticket === id) switchTicket(null);
}
