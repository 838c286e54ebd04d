// The visitor's state as localStorage keeps it, shared by every tab of the site
// and read by the loader too. No DOM and no network here.

// A token belongs to one widget.
export const storageKey = (server, key) => "parley:v1:" + server + ":" + key;

// asked: the optional pre-chat form was answered or skipped. ticket: the one
// shown (null: a new one). tickets[id]: read (the last seq the visitor has had on
// screen), rated, mailed. list: the visitor's conversations as the server
// summarised them. outbox: sent again with the same client_id until
// acknowledged; a null ticket opens one. done: client_ids lately settled, which
// another tab's outbox can't bring back. userId: the site's user the token
// stands for (Parley.identify, verified by the server), null for a visitor
// nobody vouched for; signed: the signature that made it so, not sent again.
// resets: how many times Parley.logout (or another user's identify) wiped this
// state; every tab follows the highest.
export const fresh = () => ({
  v: 1,
  token: null,
  visitor: null,
  userId: null,
  signed: null,
  resets: 0,
  name: "",
  email: "",
  asked: false,
  ticket: null,
  tickets: {},
  list: [],
  outbox: [],
  done: [],
});

/** The stored state from its JSON, or null when it is missing, corrupt or another version's. */
export function parseStored(text) {
  let data;
  try {
    data = JSON.parse(text);
  } catch {
    return null;
  }
  if (data && data.v === 1 && Array.isArray(data.outbox) && data.tickets && Array.isArray(data.list)) {
    return { ...fresh(), ...data };
  }
  return null;
}

// Resolved or closed: both are over here; the widget starts anew, never reopens.
export const isEnded = (ticket) => Boolean(ticket) && /^(resolved|closed)$/.test(ticket.status);

/**
 * When the loader should fetch the widget proper for a visitor in `stored` state:
 * "now" with an open chat or unsent messages (they must go out, replies must
 * come in), "idle" for someone who has talked here before (news may wait for
 * them), else "interaction": nobody has reached for the chat yet.
 */
export function whenToLoad(stored) {
  if (!stored) return "interaction";
  if (stored.outbox.length) return "now";
  const shown = stored.ticket && stored.list.find((t) => t.id === stored.ticket);
  if (shown && !isEnded(shown)) return "now";
  return stored.token ? "idle" : "interaction";
}

/** The user id a `Parley.identify` claim names, as text ("" for none). */
export const claimedUserId = (claim) => (claim && claim.user_id != null ? String(claim.user_id) : "");

/**
 * Must a stored state be wiped before `claim` is taken in? Yes when it belongs
 * to another of the site's users: on a shared computer the next user must not
 * see the last one's conversations. An anonymous state is kept (its open chat
 * goes with the sign-in, the server decides).
 */
export const belongsToAnother = (stored, claim) => Boolean(stored && stored.userId) && stored.userId !== claimedUserId(claim);

/** The state after a sign-out: nothing of the visitor left, tabs told. */
export const wiped = (stored) => ({ ...fresh(), resets: ((stored && stored.resets) || 0) + 1 });
