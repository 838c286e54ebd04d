// The dashboard's client-side state: tickets, the open inbox, and each
// conversation's messages keyed by seq. No DOM here.

export const INBOX_STATUSES = new Set(["new", "open", "pending"]);

function activityTime(ticket) {
  return Date.parse(ticket.last_message_at || ticket.created_at) || 0;
}

/** Newest activity first, ties by id (newest first), as the server orders it. */
export function compareTickets(a, b) {
  return activityTime(b) - activityTime(a) || b.id - a.id;
}

/**
 * One ticket's conversation as this browser holds it.
 * - `messages`: Map seq -> server message (deduped by seq)
 * - `outbox`: Map client_id -> local message not yet stored ({state: "pending"|"failed"})
 * - `contiguous`: every seq 1..contiguous is held; subscribe/gap fetches resume from it
 */
export class Conversation {
  constructor(ticketId) {
    this.ticketId = ticketId;
    this.messages = new Map();
    this.outbox = new Map();
    this.contiguous = 0;
    this.loaded = false; // a full replay (or history fetch) has completed once
    this.subscribed = false; // the server has answered `subscribed` on this connection
    this.draft = "";
    this.draftInternal = false;
  }

  get maxSeq() {
    let max = 0;
    for (const seq of this.messages.keys()) if (seq > max) max = seq;
    return max;
  }

  /** Store a server message; returns true if it was new. */
  add(message) {
    if (!Number.isInteger(message?.seq) || message.seq < 1) return false;
    const isNew = !this.messages.has(message.seq);
    this.messages.set(message.seq, message);
    if (message.client_id && this.outbox.has(message.client_id)) {
      this.outbox.delete(message.client_id);
    }
    while (this.messages.has(this.contiguous + 1)) this.contiguous += 1;
    return isNew;
  }

  /** Is there a hole below `seq` (or below the highest seq held)? */
  hasGap(upTo = this.maxSeq) {
    return this.contiguous < upTo;
  }

  /** Server messages in seq order, then local ones still waiting, oldest first. */
  timeline() {
    const stored = [...this.messages.values()].sort((a, b) => a.seq - b.seq);
    const local = [...this.outbox.values()].sort((a, b) => a.localOrder - b.localOrder);
    return [...stored, ...local];
  }
}

export class Store {
  constructor(me) {
    this.me = me; // {id, name, status}
    this.tickets = new Map(); // id -> ticket payload (inbox and any ticket opened)
    this.inbox = new Set(); // ids of tickets in the open inbox
    this.conversations = new Map(); // id -> Conversation
    this.localSeen = new Map(); // id -> highest seq this agent has displayed
    this.typing = new Map(); // id -> {name, until}
    this.agents = []; // [{id, name, status, connected}]
    this.currentId = null;
    this.localCounter = 0;
  }

  conversation(id) {
    let conv = this.conversations.get(id);
    if (!conv) {
      conv = new Conversation(id);
      this.conversations.set(id, conv);
    }
    return conv;
  }

  /** Replace the inbox with a fresh list (welcome, or a REST reload). */
  resetInbox(tickets) {
    this.inbox.clear();
    for (const ticket of tickets) this.upsertTicket(ticket);
  }

  /** Insert or update a ticket; it joins or leaves the inbox by status. */
  upsertTicket(ticket) {
    const previous = this.tickets.get(ticket.id);
    // A frame may be older than what we hold (it raced another); never go back.
    if (previous && previous.last_seq > ticket.last_seq) {
      ticket = { ...ticket, last_seq: previous.last_seq, last_message_at: previous.last_message_at };
    }
    this.tickets.set(ticket.id, ticket);
    if (INBOX_STATUSES.has(ticket.status)) this.inbox.add(ticket.id);
    else this.inbox.delete(ticket.id);
    return ticket;
  }

  inboxTickets() {
    return [...this.inbox].map((id) => this.tickets.get(id)).filter(Boolean).sort(compareTickets);
  }

  seenSeq(id) {
    const ticket = this.tickets.get(id);
    return Math.max(ticket?.agent_seen_seq ?? 0, this.localSeen.get(id) ?? 0);
  }

  isUnread(id) {
    const ticket = this.tickets.get(id);
    return Boolean(ticket) && ticket.last_seq > this.seenSeq(id);
  }

  markSeenLocally(id, seq) {
    if (seq > (this.localSeen.get(id) ?? 0)) this.localSeen.set(id, seq);
  }

  /** Note that a message exists, so the inbox row and unread state stay current
   *  even before the matching ticket.updated arrives. */
  noteMessage(id, message) {
    const ticket = this.tickets.get(id);
    if (!ticket || message.seq <= ticket.last_seq) return;
    this.tickets.set(id, { ...ticket, last_seq: message.seq, last_message_at: message.created_at });
  }

  setSeen(id, side, seq) {
    const ticket = this.tickets.get(id);
    if (!ticket) return;
    const field = side === "visitor" ? "visitor_seen_seq" : "agent_seen_seq";
    if (seq > (ticket[field] ?? 0)) this.tickets.set(id, { ...ticket, [field]: seq });
  }

  queueLocal(id, { clientId, body, internal }) {
    const conv = this.conversation(id);
    const local = {
      seq: null,
      client_id: clientId,
      body,
      internal,
      sender: { type: "agent", name: this.me.name },
      created_at: new Date().toISOString(),
      state: "pending",
      localOrder: ++this.localCounter,
    };
    conv.outbox.set(clientId, local);
    return local;
  }

  /** Every local message still pending, across tickets, oldest first. */
  pendingOutbox() {
    const all = [];
    for (const conv of this.conversations.values()) {
      for (const local of conv.outbox.values()) {
        if (local.state === "pending") all.push({ ticketId: conv.ticketId, local });
      }
    }
    return all.sort((a, b) => a.local.localOrder - b.local.localOrder);
  }

  /** Find the ticket an outbox entry belongs to. */
  findLocal(clientId) {
    for (const conv of this.conversations.values()) {
      const local = conv.outbox.get(clientId);
      if (local) return { conv, local };
    }
    return null;
  }
}
