// The widget proper: the loader (loader.js) fetched this file once the visitor
// reached for the chat, or had one going; it takes over the launcher the loader
// drew and connects when the visitor is (or becomes) someone to connect for.

import { calm } from "./attention.js";
import { merge } from "./delivery.js";
import { PROBE_EVERY, REOPEN, STORAGE_KEY, handoff, noop } from "./env.js";
import { session } from "./api.js";
import { identify, logout } from "./identity.js";
import { markRead } from "./receipts.js";
import { ctx, log, state } from "./state.js";
import { parseStored } from "./stored.js";
import { connect, probe } from "./transport.js";
import { mount, setOpen } from "./view.js";

async function start() {
  ctx.cfg = handoff.cfg;
  ctx.T = ctx.cfg.words;
  ctx.lang = ctx.cfg.language;
  ctx.agentsOnline = ctx.cfg.agents_online;
  // Given before this file ran; the loader already wiped another user's state.
  ctx.identity = handoff.identity();
  mount(handoff.drawn);
  handoff.ready({
    state: () => ({
      connected: ctx.ready,
      transport: ctx.transport,
      ticket: state.ticket,
      lastSeq: log.contiguous,
      outbox: state.outbox.length,
      view: ctx.view,
    }),
    open: () => setOpen(true),
    close: () => setOpen(false),
    identify,
    logout,
  });
  if (REOPEN) {
    ctx.wanted = true;
    await session({ reopen: REOPEN }).catch(noop);
    setOpen(true);
  }
  connect();
  document.addEventListener("visibilitychange", () => {
    markRead();
    if (document.visibilityState === "visible") {
      calm();
      if (!ctx.ws && !ctx.stopped) connect();
    }
  });
  window.addEventListener("online", () => !ctx.ws && connect());
  window.addEventListener("storage", (event) => {
    if (event.key !== STORAGE_KEY || !event.newValue) return;
    // Not ours to read (another version, or half written): the next save brings it.
    const other = parseStored(event.newValue);
    if (other) merge(other);
  });
  setInterval(probe, PROBE_EVERY);
  if (handoff.openWanted()) setOpen(true);
}

if (handoff) start();
