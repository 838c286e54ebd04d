// Typing both ways, read receipts, and what counts as unread.

import { PEEK_EVERY, TYPING_EXPIRE, TYPING_IDLE, TYPING_RESEND } from "./env.js";
import { ctx, log, readOf, state, store, ticketInfo } from "./state.js";
import { sendFrame } from "./transport.js";
import { renderBadge, renderTyping, ui } from "./view.js";

// With the sneak peek on, the draft goes along, at most once a PEEK_EVERY; the
// last one is sent when its time comes, so the agent never sees a stale draft.
export function typingInput(hasText) {
  if (!ctx.ready || !state.ticket) return;
  clearTimeout(ctx.typingOut.idle);
  clearTimeout(ctx.typingOut.peek);
  if (!hasText) return typingStop();
  const now = Date.now();
  const draft = ctx.cfg.typing_preview ? ui.input.value.slice(0, 500) : undefined;
  const wait = ctx.typingOut.at + PEEK_EVERY - now;
  if (ctx.typingOut.active && draft !== ctx.typingOut.draft && wait > 0) {
    ctx.typingOut.peek = setTimeout(() => typingInput(Boolean(ui.input.value.trim())), wait);
  } else if (!ctx.typingOut.active || now - ctx.typingOut.at > TYPING_RESEND || draft !== ctx.typingOut.draft) {
    sendFrame({ type: "typing", ticket: state.ticket, state: "start", draft });
    ctx.typingOut = { active: true, at: now, draft };
  }
  ctx.typingOut.idle = setTimeout(typingStop, TYPING_IDLE);
}

export function typingStop() {
  clearTimeout(ctx.typingOut.idle);
  clearTimeout(ctx.typingOut.peek);
  if (!ctx.typingOut.active) return;
  ctx.typingOut.active = false;
  if (state.ticket) sendFrame({ type: "typing", ticket: state.ticket, state: "stop" });
}

export function setTypingIn(name) {
  if (ctx.typingIn) clearTimeout(ctx.typingIn.timer);
  ctx.typingIn = name ? { name, timer: setTimeout(() => setTypingIn(null), TYPING_EXPIRE) } : null;
  if (ui.root) renderTyping();
}

const lastAgentSeq = () => {
  let top = 0;
  for (const m of log.messages.values()) if (m.sender.type !== "visitor" && m.seq > top) top = m.seq;
  return top;
};

// Seen: shown in the open panel of a visible tab. `read` covers the visitor's
// own messages too, so the list can tell news from their last words.
export function markRead() {
  const info = ticketInfo();
  if (!info || !ctx.panelOpen || ctx.view !== "chat" || document.visibilityState !== "visible") return;
  const top = lastAgentSeq();
  const upTo = Math.max(top, log.contiguous);
  if (upTo > info.read) {
    info.read = upTo;
    store.save();
    renderBadge();
  }
  if (top > ctx.seenSent && ctx.ready && sendFrame({ type: "seen", ticket: state.ticket, seq: top })) {
    ctx.seenSent = top;
  }
}

export function unreadHere() {
  const info = ticketInfo();
  if (!info) return 0;
  let n = 0;
  for (const m of log.messages.values()) if (m.sender.type !== "visitor" && !m.internal && m.seq > info.read) n++;
  return n;
}

// Other conversations are known only by their last seq: each counts once.
export const unreadIn = (t) => (t.id === state.ticket ? unreadHere() : Number(t.last_seq > readOf(t.id)));
export const unreadCount = () => state.list.reduce((n, t) => n + (t.id === state.ticket ? 0 : unreadIn(t)), unreadHere());

