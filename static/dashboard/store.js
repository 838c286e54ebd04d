// The dashboard's client-side state: tickets, the inbox views, and each
// conversation's messages keyed by seq. No DOM here.

import { SeqLog } from "../shared/seq.js";

export const OPEN_STATUSES = new Set(["new", "open", "pending"]);
const ENDED_STATUSES = new Set(["resolved", "closed"]);
const OPEN_VIEWS = ["unassigned", "mine", "all"];
export const VIEWS = [...OPEN_VIEWS, "resolved"];

const timeOf = (value) => Date.parse(value) || 0;

function activityTime(ticket) {
  return timeOf(ticket.last_message_at || ticket.created_at);
}

/** The server's inbox order: visitors still waiting first, longest wait on top;
 *  then the rest by newest activity. */
export function compareTickets(a, b) {
  const waitA = a.waiting_since ? timeOf(a.waiting_since) : null;
  const waitB = b.waiting_since ? timeOf(b.waiting_since) : null;
  if (waitA !== null && waitB !== null) return waitA - waitB || a.id - b.id;
  if (waitA !== null) return -1;
  if (waitB !== null) return 1;
  return activityTime(b) - activityTime(a) || b.id - a.id;
}

export const assigneeId = (ticket) => ticket?.assignee?.id ?? null;

export function isEnded(ticket) {
  return Boolean(ticket) && ENDED_STATUSES.has(ticket.status);
}

/** Does an open view (unassigned, mine, all) show this ticket? */
function inOpenView(view, ticket, meId) {
  if (!OPEN_STATUSES.has(ticket.status)) return false;
  // A chat the assistant is answering waits for no agent until it is handed over.
  if (view === "unassigned") return assigneeId(ticket) === null && ticket.assistant !== "active";
  if (view === "mine") return assigneeId(ticket) === meId;
  return view === "all";
}

/**
 * One ticket's conversation as this browser holds it: its messages by seq (a
 * SeqLog: a ticket opens on its newest page, so what is held is a run
 * floor..contiguous, grown downwards by older pages and upwards by live frames
 * and gap fills), and `outbox`: Map client_id -> local message not yet stored
 * ({state: "pending"|"failed"}).
 */
export class Conversation extends SeqLog {
  constructor(ticketId) {
    super();
    this.ticketId = ticketId;
    this.outbox = new Map();
    this.started = false; // the newest page is in, so floor is known
    this.loading = false; // the newest page is on its way
    this.epoch = 0; // bumped by restart(): answers to requests made before are dropped
    this.loaded = false; // a full replay (or history fetch) has completed once
    this.subscribed = false; // the server has answered `subscribed` on this connection
    this.loadingOlder = false;
    this.olderError = "";
    this.draft = "";
    this.draftInternal = false;
  }

  /** Seqs have no holes on the server (docs/protocol.md), so anything below the
   *  floor but seq 1 is history still to load. */
  get hasOlder() {
    return this.started && this.floor > 1;
  }

  /** Forget the messages (not the outbox or draft): we fell too far behind to
   *  catch up by replay, so we start again from the newest page. */
  restart() {
    this.epoch += 1;
    this.clear();
    this.started = false;
    this.loaded = false;
    this.subscribed = false;
    this.olderError = "";
  }

  /** Hold the newest page ({messages, last_seq} ascending): the run starts at its
   *  first message. */
  startFrom(page) {
    this.startAt(page.messages[0]?.seq ?? (page.last_seq ?? 0) + 1);
    this.started = true;
    for (const message of page.messages) this.add(message);
  }

  /** Store a server message; true if it was new. Its local copy leaves the outbox. */
  add(message, prevSeq) {
    const isNew = super.add(message, prevSeq);
    if (this.messages.get(message?.seq) === message && message.client_id) this.outbox.delete(message.client_id);
    return isNew;
  }

  /** Server messages in seq order, then local ones still waiting, oldest first. */
  timeline() {
    const stored = this.ordered();
    const local = [...this.outbox.values()].sort((a, b) => a.localOrder - b.localOrder);
    return [...stored, ...local];
  }
}

export class Store {
  constructor(me) {
    this.me = me; // {id, name, status}
    this.tickets = new Map(); // id -> ticket payload (inbox and any ticket seen)
    this.inbox = new Set(); // ids of tickets in the open inbox
    this.conversations = new Map(); // id -> Conversation
    this.localSeen = new Map(); // id -> highest seq this agent has displayed
    this.typing = new Map(); // id -> {name, draft, until}: the visitor typing
    this.agentTyping = new Map(); // id -> Map(user id -> {name, until}): colleagues typing
    this.viewers = new Map(); // id -> [{id, name}]: colleagues with the ticket open
    this.agents = []; // [{id, name, status, connected}]
    this.teams = []; // [{id, name}]
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

  /** Replace the inbox with a fresh list (welcome). */
  resetInbox(tickets) {
    this.inbox.clear();
    for (const ticket of tickets) this.upsertTicket(ticket);
  }

  /** Insert or update a ticket; it joins or leaves the inbox by status. */
  upsertTicket(ticket) {
    const previous = this.tickets.get(ticket.id);
    // A frame may be older than what we hold (it raced another); never go back.
    if (previous && previous.last_seq > ticket.last_seq) {
      ticket = {
        ...ticket,
        last_seq: previous.last_seq,
        last_message_at: previous.last_message_at,
        agent_unread: previous.agent_unread,
      };
    }
    this.tickets.set(ticket.id, ticket);
    if (OPEN_STATUSES.has(ticket.status)) this.inbox.add(ticket.id);
    else this.inbox.delete(ticket.id);
    return ticket;
  }

  /** The row ``ticket.activity`` makes of a ticket we hold: its last message, the
   *  visitor's wait and the unread count, the rest as it was. Null for a ticket we don't hold (the
   *  frame carries too little to show it: fetch it whole). */
  withActivity({ ticket: id, last_seq, last_message_at, waiting_since, agent_unread }) {
    const ticket = this.tickets.get(id);
    return ticket ? { ...ticket, last_seq, last_message_at, waiting_since, agent_unread } : null;
  }

  /** The open tickets an open view shows, in inbox order. */
  viewTickets(view) {
    const tickets = [];
    for (const id of this.inbox) {
      const ticket = this.tickets.get(id);
      if (ticket && inOpenView(view, ticket, this.me.id)) tickets.push(ticket);
    }
    return tickets.sort(compareTickets);
  }

  /** How many tickets each open view holds. */
  openCounts() {
    const counts = Object.fromEntries(OPEN_VIEWS.map((view) => [view, 0]));
    for (const id of this.inbox) {
      const ticket = this.tickets.get(id);
      if (!ticket) continue;
      for (const view of OPEN_VIEWS) if (inOpenView(view, ticket, this.me.id)) counts[view] += 1;
    }
    return counts;
  }

  seenSeq(id) {
    const ticket = this.tickets.get(id);
    return Math.max(ticket?.agent_seen_seq ?? 0, this.localSeen.get(id) ?? 0);
  }

  /** Messages this agent has not seen yet (none on the ticket they have open).
   *  The server counts them (agent_unread): the thread's system lines take seqs
   *  but are nothing to read. */
  unreadCount(id) {
    const ticket = this.tickets.get(id);
    if (!ticket || id === this.currentId || this.seenSeq(id) >= ticket.last_seq) return 0;
    return ticket.agent_unread ?? ticket.last_seq - this.seenSeq(id);
  }

  markSeenLocally(id, seq) {
    if (seq > (this.localSeen.get(id) ?? 0)) this.localSeen.set(id, seq);
  }

  /** Note that a message exists, so the inbox row and unread state stay current
   *  even before the matching ticket.updated arrives. */
  noteMessage(id, message) {
    const ticket = this.tickets.get(id);
    if (!ticket || message.seq <= ticket.last_seq) return;
    const counts = message.sender?.type !== "system" && ticket.agent_unread !== undefined;
    this.tickets.set(id, {
      ...ticket,
      last_seq: message.seq,
      last_message_at: message.created_at,
      ...(counts ? { agent_unread: ticket.agent_unread + 1 } : {}),
    });
  }

  /** A read receipt; an agent's carries the unread count from there (`unread`). */
  setSeen(id, side, seq, unread) {
    const ticket = this.tickets.get(id);
    if (!ticket) return;
    const field = side === "visitor" ? "visitor_seen_seq" : "agent_seen_seq";
    if (seq <= (ticket[field] ?? 0)) return;
    const counted = side === "agent" && Number.isInteger(unread) ? { agent_unread: unread } : {};
    this.tickets.set(id, { ...ticket, [field]: seq, ...counted });
  }

  /** Colleagues typing on a ticket now (their "stop" may never come). */
  typingAgents(id, now = Date.now()) {
    const typing = this.agentTyping.get(id);
    return typing ? [...typing.values()].filter((t) => t.until > now) : [];
  }

  /** A reply or note waiting for the server; `file` makes it an upload. */
  queueLocal(id, { clientId, body, internal, file = null }) {
    const conv = this.conversation(id);
    const local = {
      seq: null,
      client_id: clientId,
      body,
      internal,
      file,
      attachment: file ? { name: file.name, content_type: file.type, size: file.size, url: null } : null,
      sender: { type: "agent", name: this.me.name },
      created_at: new Date().toISOString(),
      state: "pending",
      localOrder: ++this.localCounter,
    };
    conv.outbox.set(clientId, local);
    return local;
  }

  /** Every local message still pending that goes over the socket, across tickets,
   *  oldest first. Uploads are not here: they go over REST (delivery.js upload). */
  pendingOutbox() {
    const all = [];
    for (const conv of this.conversations.values()) {
      for (const local of conv.outbox.values()) {
        if (local.state === "pending" && !local.file) all.push({ ticketId: conv.ticketId, local });
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
