// The outbox: what the visitor wrote, kept until the server has stored it. Sent
// again with the same client_id until acknowledged, so a retry never makes a
// second message (the server answers a repeated client_id with the first one's
// ack). No DOM and no network here.

export const MAX_IN_FLIGHT = 4; // keeps a flush well under the server's frame rate
export const ORPHAN_AFTER_MS = 10_000; // another tab's entry this old may be gone with its tab

/** A new entry for `body` in `ticket` (null: it opens one). */
export const entryFor = (body, ticket, { clientId, tab, now }) => ({ client_id: clientId, ticket, body, tab, at: now });

/**
 * The next entry to send, in order, or null. Only one message may open a ticket
 * (`ticketless` is the one doing so): the rest of its burst waits for its ack.
 * `limit` caps what is in flight (1 over REST: sent one at a time, they could be
 * stored out of order otherwise). Another tab's entries are its own to send,
 * unless left waiting ORPHAN_AFTER_MS. `holdNew`: nothing may open a ticket now.
 */
export function nextToSend(outbox, { inFlight, ticketless = null, tab, now, limit = MAX_IN_FLIGHT, holdNew = false }) {
  if (inFlight.size >= limit) return null;
  for (const entry of outbox) {
    if (entry.failed || inFlight.has(entry.client_id)) continue;
    if (entry.tab !== tab && now - entry.at < ORPHAN_AFTER_MS) continue;
    if (entry.ticket === null && (ticketless || holdNew)) continue;
    return entry;
  }
  return null;
}

/** The message.send frame for an entry. */
export function sendFrame(entry) {
  const frame = { type: "message.send", client_id: entry.client_id, body: entry.body };
  if (entry.ticket) frame.ticket = entry.ticket;
  return frame;
}

/** The first message of a burst opened `ticket`: the rest of the burst belongs to it. */
export function adopt(entries, ticket) {
  for (const e of entries) if (e.ticket === null) e.ticket = ticket;
}

/** `gone` is over (or not ours): its unsent messages start a new conversation. */
export function orphan(entries, gone) {
  for (const e of entries) if (e.ticket === gone) e.ticket = null;
}

/** Two tabs' outboxes as one, oldest first, without what either saw settled. */
export function mergeOutbox(mine, theirs, done) {
  const byId = new Map();
  for (const e of [...mine, ...theirs]) {
    const held = byId.get(e.client_id);
    // A ticket learned from an ack stays, or the burst would open a second one.
    byId.set(e.client_id, held && held.ticket && !e.ticket ? held : e);
  }
  return [...byId.values()].filter((e) => !done.has(e.client_id)).sort((a, b) => (a.at || 0) - (b.at || 0));
}
