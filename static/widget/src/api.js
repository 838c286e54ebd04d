// The widget API over REST, as this visitor, and the visitor's session.

import { HttpError, request } from "./http.js";
import { KEY, SERVER, noop } from "./env.js";
import { claimFields, refusedClaim } from "./identity.js";
import { switchTicket } from "./messages.js";
import { ctx, mergeList, state, store, summary } from "./state.js";
import { isEnded } from "./stored.js";
import { drop } from "./transport.js";
import { render } from "./view.js";

export { HttpError };

export const api = (method, path, body, token = state.token) =>
  request(SERVER + path, method, body, { token, lang: ctx.lang });

// One at a time: a pre-chat form sent meanwhile must not make a second visitor.
export function session(extra) {
  const run = ctx.sessionQueue.then(() => openSession(extra));
  ctx.sessionQueue = run.catch(noop);
  return run;
}

async function openSession(extra) {
  const tz = (() => {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch {
      return "";
    }
  })();
  const body = {
    key: KEY,
    token: state.token || "",
    page_url: location.href.slice(0, 2000),
    referrer: document.referrer.slice(0, 2000),
    locale: (navigator.language || "").slice(0, 35),
    timezone: tz.slice(0, 64),
    ...extra,
  };
  const claim = claimFields();
  let signed = claim.identity;
  let data;
  try {
    data = await api("POST", "/api/widget/session/", { ...claim, ...body });
  } catch (e) {
    if (!signed || !refusedClaim(e)) throw e;
    // For the site's developers. The visitor still gets a chat: as the person
    // their token already stands for (a stale page of theirs), else as nobody
    // in particular.
    console.error(`Parley: Parley.identify was refused: ${e.body.message || e.message}`, e.body.fields || "");
    ctx.identity = signed = null;
    data = await api("POST", "/api/widget/session/", body);
  }
  if (state.visitor && state.visitor !== data.visitor.id) {
    // A new identity can't see the old tickets, except one a sign-in brought
    // along (chat.identity); unsent text goes there, or opens a new one.
    const kept = (id) => data.tickets.some((t) => t.id === id);
    switchTicket(kept(state.ticket) ? state.ticket : null);
    for (const entry of state.outbox) if (!kept(entry.ticket)) entry.ticket = null;
    Object.assign(state, { tickets: {}, list: [], asked: false });
    // A socket still open speaks for the old identity.
    drop(1000);
  }
  // A person signed in on a new device (or this one): their chat going is shown.
  const arrived = state.visitor !== data.visitor.id && data.visitor.user_id;
  state.token = data.token;
  state.visitor = data.visitor.id;
  state.userId = data.visitor.user_id || null;
  if (signed || !state.userId) state.signed = signed ? signed.signature : null;
  state.name = data.visitor.name || "";
  state.email = data.visitor.email || "";
  ctx.agentsOnline = data.agents_online;
  mergeList(data.tickets);
  // A picked conversation stays shown, closed or not; a vanished one gives way.
  if (state.ticket && !data.tickets.some((t) => t.id === state.ticket)) {
    const open = data.tickets.find((t) => t.status !== "closed");
    state.list = state.list.filter((t) => t.id !== state.ticket);
    switchTicket(open && open.id);
  }
  const going = arrived && !state.ticket && data.tickets.find((t) => !isEnded(t));
  if (going) switchTicket(going.id);
  // Back through a reply email's link: show that conversation.
  if (data.open) switchTicket(data.open), (ctx.view = "chat");
  const current = summary(state.ticket);
  if (current) ctx.agentSeen = Math.max(ctx.agentSeen, current.agent_seen_seq || 0);
  ctx.sessionDone = true;
  store.save();
  render();
}

