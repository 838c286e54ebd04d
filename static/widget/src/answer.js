// One answer from the assistant, as its event stream (docs/protocol.md "The
// assistant's answer stream") builds it up, and whether its draft still shows.
// No DOM and no network here.

/** An answer to `body`, asked with `clientId`, before any event. */
export const newAnswer = (body, clientId, ticket = null) => ({
  body,
  clientId,
  ticket,
  question: null, // the stored question (a message payload)
  text: "",
  sources: [],
  handoff: null, // {reason, agents_online, offline_form}
  outcome: null, // "answered", "stopped", "handoff"; or "error"
  message: null, // the stored bot line, which replaces `text`
  error: "",
});

/** Takes in one event (a parsed frame); returns whether the answer is over. */
export function applyEvent(answer, event) {
  switch (event.type) {
    case "question":
      answer.question = event.message;
      answer.ticket = event.ticket;
      return false;
    case "token":
      if (typeof event.text === "string") answer.text += event.text;
      return false;
    case "sources":
      answer.sources = Array.isArray(event.sources) ? event.sources : [];
      return false;
    case "handoff":
      answer.handoff = { reason: event.reason, agents_online: event.agents_online, offline_form: event.offline_form };
      return false;
    case "done":
      answer.outcome = event.outcome;
      answer.message = event.message || null;
      answer.ticket = event.ticket ?? answer.ticket;
      return true;
    case "error":
      answer.outcome = "error";
      answer.error = event.message || "";
      return true;
    default: // event types a later server may add
      return false;
  }
}

/**
 * Whether the draft (the tokens so far) still stands for the answer, given the
 * messages held by seq. Not once the answer is over, and not once a bot line
 * after the question is held: the stored answer came by replay or the socket
 * first, and it alone is shown.
 */
export function draftShows(answer, messages) {
  if (!answer || answer.outcome) return false;
  const after = answer.question ? answer.question.seq : Infinity;
  for (const m of messages) if (m.sender && m.sender.type === "bot" && m.seq > after) return false;
  return true;
}

/** Sources as links: only http(s) addresses on `server` (the help centre). */
export function safeSources(sources, server) {
  const out = [];
  for (const s of sources || []) {
    let url;
    try {
      url = new URL(s.url, server);
    } catch {
      continue;
    }
    if (url.origin !== new URL(server).origin || !/^https?:$/.test(url.protocol)) continue;
    const title = String(s.title || "") + (s.heading && s.heading !== s.title ? ` › ${s.heading}` : "");
    if (!out.some((o) => o.href === url.href)) out.push({ href: url.href, title });
  }
  return out;
}
