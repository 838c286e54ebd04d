// Parley.identify and Parley.logout in the widget proper (docs/identity.md): who
// the host site says its visitor is, sent with the next session, and a wipe on
// sign-out, so a shared computer doesn't keep the last user's conversations.

import { noop } from "./env.js";
import { HttpError, session } from "./api.js";
import { switchTicket } from "./messages.js";
import { ctx, state, store } from "./state.js";
import { belongsToAnother, claimedUserId, wiped } from "./stored.js";
import { drop } from "./transport.js";
import { render } from "./view.js";

const text = (value) => (typeof value === "string" ? value : "");

/** What the next session sends of the page's claim: the signed identity unless
 *  this very signature was taken already; without a user id, a name and email
 *  the visitor is merely said to have (as the pre-chat form's). */
export function claimFields() {
  const claim = ctx.identity;
  if (!claim) return {};
  const about = { name: text(claim.name).slice(0, 120), email: text(claim.email) };
  const userId = claimedUserId(claim);
  if (!userId) return about;
  // Sent once per signature: a page made later has a new one, with the site's
  // latest name, email and attributes.
  if (userId === state.userId && claim.signature === state.signed) return {};
  const identity = { user_id: userId, issued_at: claim.issued_at, signature: claim.signature, ...about };
  if (claim.attributes !== undefined) identity.attributes = claim.attributes;
  return { identity };
}

/** The server would not believe the claim: its signature, age or shape. */
export const refusedClaim = (e) =>
  e instanceof HttpError && ((e.status === 403 && /^identity_/.test(e.body.code || "")) || (e.status === 400 && Boolean((e.body.fields || {}).identity)));

/** A claim the loader checked is an object. */
export function identify(claim) {
  if (belongsToAnother(state, claim)) logout();
  ctx.identity = claim;
  // Signed in while the chat is in use: the chat becomes the person's now.
  if (ctx.wanted && Object.keys(claimFields()).length) session().catch(noop);
}

export function logout() {
  ctx.identity = null;
  switchTicket(null, true);
  Object.assign(state, wiped(state));
  // Nobody to connect for until the visitor reaches for the chat again.
  ctx.wanted = false;
  ctx.sessionDone = false;
  ctx.view = ctx.panelOpen ? "chat" : null;
  drop(1000);
  store.save();
  render();
}
