// Delivery by seq (docs/protocol.md): messages are kept per ticket by seq. A
// ticket opens on its newest page over REST, subscribe resumes from the last
// contiguous seq held, older pages load when scrolling up, and any hole is
// filled over REST. Sends carry a client_id and are resent until acked (files go
// over REST, idempotent the same way), so a reconnect never loses or doubles a
// reply. Read receipts go out for what the agent has on screen.

import { api, HISTORY_PAGE, HISTORY_PAGE_MAX } from "./api.js";
import { newClientId } from "../shared/protocol.js";
import { fillGap, ticketsBehind } from "../shared/seq.js";

const SEEN_DELAY_MS = 300;
const RESEND_AFTER_MS = 15_000; // resend an unacked message (same client_id)
const RESEND_CHECK_MS = 5_000;
const GAP_CHECK_DELAY_MS = 1_500;
const GAP_RETRY_MS = 5_000;
const LOAD_RETRY_MS = 3_000;

export class Delivery {
  /**
   * @param store   Store (store.js)
   * @param socket  AgentSocket (socket.js)
   * @param view    {conversation(opts), inbox(), visitorWrote(id, message)}
   */
  constructor(store, socket, view) {
    this.store = store;
    this.socket = socket;
    this.view = view;
    this.gapFills = new Map(); // ticket id -> promise of a running REST fill
    this.gapTimers = new Map();
    this.seenTimer = null;
    document.addEventListener("visibilitychange", () => this.scheduleSeen());
    setInterval(() => this.resendStale(), RESEND_CHECK_MS);
  }

  // --- following a ticket ------------------------------------------------------------

  /** Hold the ticket's messages and follow it live: resume by replay when we are
   *  close enough behind, else start again from the newest page. */
  async follow(id) {
    const { store } = this;
    const conv = store.conversation(id);
    const behind = (store.tickets.get(id)?.last_seq ?? 0) - conv.contiguous;
    if (conv.started && behind <= HISTORY_PAGE) {
      this.subscribe(id);
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
      setTimeout(() => id === store.currentId && this.follow(id), LOAD_RETRY_MS);
      return;
    } finally {
      conv.loading = false;
    }
    if (conv.epoch !== epoch) return;
    conv.startFrom(page);
    const newest = page.messages.at(-1);
    if (newest) store.noteMessage(id, newest);
    if (id !== store.currentId) return;
    this.subscribe(id);
    this.view.conversation({ forceScroll: true });
    this.view.inbox();
  }

  /** Join the ticket's stream, resuming after the last seq we hold without a hole. */
  subscribe(id) {
    const conv = this.store.conversation(id);
    conv.subscribed = false;
    // Before the newest page is in, follow() subscribes when it lands.
    if (conv.started) this.socket.send({ type: "subscribe", ticket: id, after: conv.contiguous });
  }

  unfollow(id) {
    this.socket.send({ type: "unsubscribe", ticket: id });
    this.store.conversation(id).subscribed = false;
  }

  /** A new connection: nothing is subscribed, the open ticket resumes, and what
   *  waited in the outbox goes out. */
  reconnected() {
    for (const conv of this.store.conversations.values()) conv.subscribed = false;
    if (this.store.currentId) this.follow(this.store.currentId);
    for (const { ticketId, local } of this.store.pendingOutbox()) this.transmit(ticketId, local);
  }

  /** The page of history just above what the thread shows. */
  async loadOlder() {
    const id = this.store.currentId;
    const conv = id ? this.store.conversation(id) : null;
    if (!conv?.hasOlder || conv.loadingOlder) return;
    const { epoch, floor } = conv;
    conv.loadingOlder = true;
    conv.olderError = "";
    this.view.conversation();
    try {
      const page = await api.historyBefore(id, floor, HISTORY_PAGE);
      if (conv.epoch === epoch) for (const message of page.messages) conv.add(message);
    } catch (error) {
      conv.olderError = error.message;
    } finally {
      conv.loadingOlder = false;
    }
    if (id === this.store.currentId) this.view.conversation();
  }

  // --- filling holes over REST ----------------------------------------------------------

  /** Fetch every message after the last contiguous seq until we hold them all. */
  fillGap(id) {
    if (this.gapFills.has(id)) return this.gapFills.get(id);
    const { store } = this;
    const conv = store.conversation(id);
    if (!conv.started) return null; // follow() brings it in
    const { epoch } = conv;
    const start = conv.contiguous;
    const run = (async () => {
      const done = await fillGap(conv, (after) => api.history(id, after, HISTORY_PAGE_MAX), HISTORY_PAGE_MAX, {
        stale: () => conv.epoch !== epoch,
        onMessage: (message) => store.noteMessage(id, message),
      });
      if (!done) return;
      conv.loaded = true;
    })()
      .catch(() => {
        // Try again shortly; the socket will also resubscribe on reconnect.
        this.scheduleGapCheck(id, GAP_RETRY_MS);
      })
      .finally(() => {
        this.gapFills.delete(id);
        // More may have arrived (or been lost) while we fetched; look again, but
        // only if this round made progress, so a hole the server can't fill
        // doesn't turn into a polling loop.
        if (conv.epoch === epoch && conv.contiguous > start) this.scheduleGapCheck(id);
        if (id === store.currentId) {
          this.view.conversation();
          this.scheduleSeen();
        }
        this.view.inbox();
      });
    this.gapFills.set(id, run);
    return run;
  }

  /** If the server says the ticket has more than we hold, fetch the rest. Used after
   *  ticket.updated, which also reveals a lost *last* message. */
  scheduleGapCheck(id, delay = GAP_CHECK_DELAY_MS) {
    clearTimeout(this.gapTimers.get(id));
    this.gapTimers.set(id, setTimeout(() => {
      this.gapTimers.delete(id);
      const conv = this.store.conversations.get(id);
      const ticket = this.store.tickets.get(id);
      if (id !== this.store.currentId || !conv?.subscribed || !ticket) return;
      if (conv.contiguous < ticket.last_seq) this.fillGap(id);
    }, delay));
  }

  // --- read receipts ----------------------------------------------------------------------

  scheduleSeen() {
    clearTimeout(this.seenTimer);
    this.seenTimer = setTimeout(() => this.sendSeen(), SEEN_DELAY_MS);
  }

  sendSeen() {
    const { store } = this;
    const id = store.currentId;
    if (!id || document.visibilityState !== "visible") return;
    const conv = store.conversation(id);
    if (!conv.loaded) return;
    const seq = conv.maxSeq;
    if (seq < 1 || seq <= store.seenSeq(id)) return;
    if (this.socket.send({ type: "seen", ticket: id, seq })) {
      store.markSeenLocally(id, seq);
      this.view.inbox();
    }
  }

  // --- sending --------------------------------------------------------------------------

  /** A reply or note; with `file`, an upload with `body` as its caption. */
  send(body, internal, file = null) {
    const id = this.store.currentId;
    if (!id) return;
    const local = this.store.queueLocal(id, { clientId: newClientId(), body, internal, file });
    this.transmit(id, local);
    this.view.conversation({ forceScroll: true });
  }

  transmit(ticketId, local) {
    local.sentAt = Date.now();
    if (local.file) {
      this.upload(ticketId, local);
      return;
    }
    this.socket.send({
      type: "message.send",
      ticket: ticketId,
      client_id: local.client_id,
      body: local.body,
      internal: local.internal,
    });
    // Not connected: it stays pending and goes out from reconnected() on welcome.
  }

  /** Files go over REST; the 201 stands in for message.ack, and the client_id makes
   *  a retry store it once. */
  async upload(ticketId, local) {
    try {
      const { message } = await api.upload(ticketId, {
        file: local.file, body: local.body, clientId: local.client_id, internal: local.internal,
      });
      this.stored(this.store.conversation(ticketId), local, message);
    } catch (error) {
      local.state = "failed";
      local.error = error.message;
      if (ticketId === this.store.currentId) this.view.conversation();
    }
  }

  /** The server stored a local message as `message` (an ack's {id, seq, created_at},
   *  or a full message). */
  stored(conv, local, message) {
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
    this.store.noteMessage(conv.ticketId, message);
    if (conv.ticketId === this.store.currentId) {
      if (conv.subscribed && conv.hasGap(message.seq)) this.fillGap(conv.ticketId);
      this.view.conversation();
      this.scheduleSeen();
    }
    this.view.inbox();
  }

  resendStale() {
    if (this.socket.state !== "connected") return;
    const now = Date.now();
    for (const { ticketId, local } of this.store.pendingOutbox()) {
      if (now - (local.sentAt ?? 0) > RESEND_AFTER_MS) this.transmit(ticketId, local);
    }
  }

  retry(clientId) {
    const found = this.store.findLocal(clientId);
    if (!found) return;
    found.local.state = "pending";
    found.local.error = undefined;
    this.transmit(found.conv.ticketId, found.local);
    this.view.conversation();
  }

  discard(clientId) {
    const found = this.store.findLocal(clientId);
    if (!found) return;
    found.conv.outbox.delete(clientId);
    this.view.conversation();
  }

  // --- server frames ----------------------------------------------------------------------

  messageNew({ ticket: id, message }) {
    const { store } = this;
    if (!message) return;
    store.noteMessage(id, message);
    if (id !== store.currentId && !store.conversations.has(id)) {
      this.view.inbox();
      return;
    }
    const conv = store.conversation(id);
    const live = conv.subscribed; // not part of the replay that follows subscribe
    const isNew = conv.add(message);
    if (id === store.currentId) {
      if (message.sender?.type === "visitor") store.typing.delete(id);
      if (conv.subscribed && conv.hasGap(message.seq)) this.fillGap(id);
      this.view.conversation();
      this.scheduleSeen();
      if (live && isNew && message.sender?.type === "visitor") this.view.visitorWrote(id, message);
    }
    this.view.inbox();
  }

  messageAck(frame) {
    const found = this.store.findLocal(frame.client_id);
    if (found) {
      this.stored(found.conv, found.local, { id: frame.id, seq: frame.seq, created_at: frame.created_at });
    }
  }

  subscribed({ ticket: id, last_seq: lastSeq }) {
    const conv = this.store.conversation(id);
    if (id !== this.store.currentId) return; // an answer for a ticket we already left
    conv.subscribed = true;
    if (conv.contiguous < lastSeq) {
      this.fillGap(id);
    } else {
      conv.loaded = true;
    }
    this.view.conversation();
    this.scheduleSeen();
  }

  /** pong: fill any followed ticket the server holds more of (a lost broadcast). */
  pong({ tickets }) {
    const followed = (id) => {
      const conv = this.store.conversations.get(id);
      return conv?.subscribed ? conv : undefined;
    };
    for (const id of ticketsBehind(tickets, followed)) this.fillGap(id);
  }

  /** Too far behind to replay: start again from the newest page. */
  resync({ ticket: id }) {
    if (id !== this.store.currentId) return;
    this.store.conversation(id).restart();
    this.follow(id);
    this.view.conversation();
  }

  /** An error frame; true if it was about a message or a subscribe of ours. */
  error(frame) {
    if (frame.client_id) {
      const found = this.store.findLocal(frame.client_id);
      if (found) {
        found.local.state = "failed";
        found.local.error = frame.message || frame.code;
        if (found.conv.ticketId === this.store.currentId) this.view.conversation();
      }
      return true;
    }
    if (frame.code === "not_found" && this.store.currentId) {
      // Most likely the subscribe for a ticket we may no longer see.
      this.store.conversation(this.store.currentId).loaded = true;
      this.view.conversation();
    }
    return false;
  }
}
