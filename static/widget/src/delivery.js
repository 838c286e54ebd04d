// Frames from the server, and the outbox (outbox.js) on its way out: every
// message is sent until the server has stored it, and shown once.

import { CLOSE_NORMAL, newClientId } from "../../shared/protocol.js";
import { ticketsBehind } from "../../shared/seq.js";
import { attention } from "./attention.js";
import { clearHint, upload } from "./composer.js";
import { noop } from "./env.js";
import { markDone, mergeTabs, note as noteIn } from "./merge.js";
import { put, switchTicket, sync } from "./messages.js";
import { adopt, entryFor, nextToSend, orphan, sendFrame as frameFor } from "./outbox.js";
import { markRead, setTypingIn } from "./receipts.js";
import { ctx, inFlight, log, mergeList, state, store, summary, uploads } from "./state.js";
import { drop, sendFrame, startPing } from "./transport.js";
import { render, ui } from "./view.js";

export { setTypingIn };

export const note = (id, m) => noteIn(state, id, m);

export function onFrame(frame) {
  switch (frame.type) {
    case "welcome": {
      ctx.ready = true;
      ctx.wasReady = true;
      ctx.attempts = 0;
      ctx.authFailures = 0;
      ctx.agentsOnline = frame.agents_online;
      mergeList(frame.tickets);
      const mine = (frame.tickets || []).find((t) => t.id === state.ticket);
      if (state.ticket && !mine) switchTicket(null); // not this visitor's (any more)
      if (mine) ctx.agentSeen = Math.max(ctx.agentSeen, mine.agent_seen_seq || 0);
      store.save();
      startPing();
      flush();
      render();
      markRead();
      break;
    }
    case "ticket.updated": // e.g. ended in another tab
      mergeList([frame.ticket]);
      store.save();
      render();
      break;
    case "message.new":
      onMessage(frame.ticket, frame.message, frame.prev_seq);
      break;
    case "message.ack": {
      const entry = findEntry(frame.client_id);
      if (entry) onAck(frame.ticket, { ...frame, sender: { type: "visitor", name: "" }, body: entry.body.trim(), internal: false });
      break;
    }
    case "typing":
      if (frame.ticket === state.ticket && frame.sender && frame.sender.type !== "visitor") {
        setTypingIn(frame.state === "start" ? frame.sender.name || ctx.T.anAgent : null);
      }
      break;
    case "seen":
      if (frame.ticket === state.ticket && frame.side === "agent") {
        ctx.agentSeen = Math.max(ctx.agentSeen, frame.seq);
        render();
      }
      break;
    case "presence":
      ctx.agentsOnline = frame.agents_online;
      render();
      break;
    case "resync":
      if (frame.ticket === state.ticket) sync().catch(noop);
      break;
    case "pong": // a message whose broadcast was lost shows here first
      if (ticketsBehind(frame.tickets, (id) => (id === state.ticket && ctx.historyLoaded ? log : undefined)).length) sync().catch(noop);
      break;
    case "error":
      onError(frame);
      break;
    default: // frame types a later server may add
  }
}

export function onMessage(ticket, message, prevSeq) {
  const entry = message.client_id && findEntry(message.client_id);
  const known = summary(ticket);
  if (!/^(visitor|system)$/.test(message.sender.type) && !(known && message.seq <= known.last_seq)) {
    if (document.hidden) attention();
    ui.live.textContent = `${message.sender.name || ctx.T.support}: ${message.body}`;
  }
  const born = note(ticket, message);
  if (entry) confirm(entry, ticket);
  if (ticket === ctx.doneFor && message.sender.type !== "visitor") ctx.doneFor = 0; // a reply: talk back
  if (ticket !== state.ticket) {
    // Another tab opened a conversation while this one shows a blank one: follow
    // it. Anything else stays in the list, marked unread.
    const follow =
      born && !state.ticket && !entry && !ctx.busy && !ctx.ticketlessInFlight && !state.outbox.some((e) => e.ticket === null);
    if (!follow) {
      store.save();
      render();
      return;
    }
    switchTicket(ticket);
    ctx.historyLoaded = true;
    sync().catch(noop);
  }
  put(message, prevSeq);
  if (message.sender.type !== "visitor") setTypingIn(null);
  store.save();
  render();
  markRead();
}

export function onAck(ticket, message) {
  const entry = findEntry(message.client_id);
  if (entry) {
    note(ticket, message);
    confirm(entry, ticket);
    // No gap check: the message.new that follows says what came before.
    if (ticket === state.ticket && !log.messages.has(message.seq)) put(message, null, false);
    store.save();
    render();
  }
  flush();
}

// The server stored an outbox entry (or an upload) in `ticket`.
export function confirm(entry, ticket) {
  markDone(state, entry.client_id);
  uploads.delete(entry.client_id);
  inFlight.delete(entry.client_id);
  if (ctx.ticketlessInFlight === entry.client_id) ctx.ticketlessInFlight = null;
  if (!state.ticket && entry.ticket === null) {
    switchTicket(ticket);
    ctx.historyLoaded = true;
    // A first message whose ack was lost to a reload may already have answers.
    sync().catch(noop);
  }
  // The rest of the first burst belongs to the conversation it just opened.
  if (entry.ticket === null) adopt([...state.outbox, ...uploads.values()], ticket);
}

export function onError(frame) {
  const entry = frame.client_id && findEntry(frame.client_id);
  if (!entry) return;
  inFlight.delete(entry.client_id);
  if (ctx.ticketlessInFlight === entry.client_id) ctx.ticketlessInFlight = null;
  if (frame.code === "ticket_closed" || frame.code === "not_found") {
    // Over (or not ours): the message starts a new one.
    const gone = entry.ticket;
    const t = summary(gone);
    if (t && frame.code === "ticket_closed") t.status = "closed";
    if (gone && gone === state.ticket) switchTicket(null);
    if (gone) orphan(state.outbox, gone);
  } else if (frame.code === "prechat_required") {
    // The settings changed under this page: ask, then send again.
    ctx.prechatForced = true;
    ctx.cfg.prechat = "required";
  } else {
    entry.failed = frame.message || ctx.T.notSent;
  }
  store.save();
  render();
  flush();
}

export const findEntry = (clientId) => state.outbox.find((e) => e.client_id === clientId) || uploads.get(clientId);

export function queue(body) {
  state.outbox.push(entryFor(body, state.ticket, { clientId: newClientId(), tab: ctx.tabId, now: Date.now() }));
  store.save();
  render(true);
  flush();
}

// In order, as outbox.js decides; REST sends go one at a time.
export function flush() {
  if (!ctx.ready) return;
  for (;;) {
    const entry = nextToSend(state.outbox, {
      inFlight,
      ticketless: ctx.ticketlessInFlight,
      tab: ctx.tabId,
      now: Date.now(),
      limit: ctx.ws.sse ? 1 : undefined,
      holdNew: ctx.prechatForced,
    });
    if (!entry) return;
    if (entry.ticket === null) ctx.ticketlessInFlight = entry.client_id;
    if (!sendFrame(frameFor(entry))) {
      if (ctx.ticketlessInFlight === entry.client_id) ctx.ticketlessInFlight = null;
      return;
    }
    inFlight.add(entry.client_id);
  }
}

export function retry(clientId) {
  const entry = findEntry(clientId);
  if (!entry) return;
  if (entry.file) return upload(entry);
  delete entry.failed;
  store.save();
  render();
  flush();
}

// A message the server will never take must not sit in the outbox forever.
export function discard(clientId) {
  const entry = findEntry(clientId);
  if (!entry || !entry.failed) return;
  clearHint(entry);
  markDone(state, clientId);
  uploads.delete(clientId);
  store.save();
  render();
}


// Another tab saved: take in what it learned (merge.js), keep this tab's view.
// Nothing is saved back from here, so tabs never echo each other.
export function merge(other) {
  const outcome = mergeTabs(state, other);
  if (outcome === "ignored") return;
  if (outcome === "identity") {
    // Signed out in another tab: this page's claim went with it.
    if (!state.token) [ctx.wanted, ctx.sessionDone, ctx.identity] = [false, false, null];
    switchTicket(state.ticket, true);
    drop(CLOSE_NORMAL);
    return render();
  }
  for (const id of inFlight) if (!findEntry(id)) inFlight.delete(id);
  if (!findEntry(ctx.ticketlessInFlight)) ctx.ticketlessInFlight = null;
  render();
  flush();
}
