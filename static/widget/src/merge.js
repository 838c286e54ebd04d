// Taking what was learned into the stored state (stored.js): ticket summaries
// from the server, a message's mark on its conversation, and what another tab
// saved. No DOM and no network here.

import { mergeOutbox } from "./outbox.js";
import { isEnded } from "./stored.js";

const DONE_KEPT = 50;

/** Summaries from the server. One never shown on this device counts as read:
 *  old history is not news. */
export function mergeList(state, tickets) {
  for (const t of tickets || []) {
    const old = state.list.find((o) => o.id === t.id);
    if (old) Object.assign(old, t);
    else state.list.push({ ...t });
    state.tickets[t.id] ||= { read: t.last_seq };
  }
}

/** A message in conversation `id`: its summary learns the newest seq (made up
 *  from the message when the conversation is new here). True if it was new. */
export function note(state, id, m) {
  let t = state.list.find((o) => o.id === id);
  const born = !t;
  if (born) {
    t = { id, subject: m.body.slice(0, 80), status: "new", last_seq: 0, agent_seen_seq: 0, created_at: m.created_at };
    state.list.push(t);
  }
  const info = (state.tickets[id] ||= { read: 0 });
  if (m.seq > t.last_seq) {
    // The visitor's own words don't make a conversation unread.
    if (m.sender.type === "visitor" && info.read >= t.last_seq) info.read = m.seq;
    t.last_seq = m.seq;
  }
  return born;
}

/**
 * Another tab saved `other`: take in what it learned into `state`, keeping this
 * tab's choice of conversation. Answers "identity" when the other tab became
 * someone else (its token was refused, a sign-in or out) and `state` followed it wholesale,
 * "merged" otherwise, and "ignored" for a state without a visitor yet.
 */
export function mergeTabs(state, other) {
  // Another tab signed out (or in as another user): nothing of the old one stays.
  if ((other.resets || 0) > (state.resets || 0)) {
    Object.assign(state, other);
    return "identity";
  }
  // A tab that hasn't heard of the sign-out yet must not bring the old one back.
  if (!other.token || (other.resets || 0) < (state.resets || 0)) return "ignored";
  if (other.visitor !== state.visitor) {
    Object.assign(state, other);
    return "identity";
  }
  for (const key of ["token", "name", "email", "asked", "userId", "signed"]) state[key] = other[key];
  const done = new Set([...state.done, ...other.done]);
  state.done = [...done].slice(-DONE_KEPT);
  state.outbox = mergeOutbox(state.outbox, other.outbox, done);
  for (const [id, t] of Object.entries(other.tickets)) {
    const mine = (state.tickets[id] ||= { read: 0 });
    Object.assign(mine, t, { read: Math.max(mine.read, t.read) });
  }
  // Ended stays ended: the other tab may not have heard yet.
  const endedHere = (id) => isEnded(state.list.find((t) => t.id === id));
  mergeList(
    state,
    other.list.map((t) => (endedHere(t.id) ? { ...t, status: state.list.find((o) => o.id === t.id).status } : t))
  );
  return "merged";
}

/** Settled (stored by the server, or given up on): forget it for good. */
export function markDone(state, clientId) {
  state.outbox = state.outbox.filter((e) => e.client_id !== clientId);
  state.done = [...state.done.slice(-(DONE_KEPT - 1)), clientId];
}
