// The line to the server: a WebSocket, or where sockets don't get through an
// event stream plus REST sends. Both end the same way (socketGone with a close
// code), and what a close code asks for is the shared protocol's word.

import {
  CLOSE_ABNORMAL,
  CLOSE_NORMAL,
  CLOSE_UNAUTHENTICATED,
  EventStreamReader,
  backoffDelay,
  closeMeaning,
  isAbnormalClose,
  parseFrame,
  reconnectDelay,
} from "../../shared/protocol.js";
import { HttpError, api, session } from "./api.js";
import { flush, onAck, onError, onFrame, setTypingIn } from "./delivery.js";
import { FORCED, PING_EVERY, SERVER, WS_URL, noop } from "./env.js";
import { forget, sync } from "./messages.js";
import { ctx, inFlight, resume, state, store } from "./state.js";
import { render, ui } from "./view.js";

const DROPS_WINDOW_MS = 60_000;
const WELCOME_WITHIN_MS = 10_000;

export function sendFrame(frame) {
  if (ctx.ws && ctx.ws.sse) return rest(frame);
  if (!ctx.ws || ctx.ws.readyState !== WebSocket.OPEN) return false;
  ctx.ws.send(JSON.stringify(frame));
  return true;
}

// Over the fallback a 201 stands in for message.ack, an error body for an error frame.
function rest(frame) {
  const { type, ticket, client_id } = frame;
  const path = `/api/widget/tickets/${ticket ? ticket + "/" : ""}`;
  if (type !== "message.send") {
    if (type !== "ping") api("POST", path + type + "/", type === "seen" ? { seq: frame.seq } : { state: frame.state, draft: frame.draft }).catch(noop);
    return true;
  }
  api("POST", ticket ? path + "messages/" : path, { body: frame.body, client_id }).then(
    (data) => {
      ctx.sendFails = 0;
      onAck(data.ticket, data.message);
    },
    (e) => {
      const status = e.status;
      if (status === 401) return drop(CLOSE_UNAUTHENTICATED);
      if (status >= 400 && status < 500 && status !== 429) return onError({ ...e.body, client_id });
      // Unreachable, failing or rate-limited: still pending, sent again later.
      inFlight.delete(client_id);
      if (ctx.ticketlessInFlight === client_id) ctx.ticketlessInFlight = null;
      clearTimeout(ctx.sendTimer);
      ctx.sendTimer = setTimeout(flush, backoffDelay(ctx.sendFails++));
    }
  );
  return true;
}

export function drop(code) {
  const sock = ctx.ws;
  if (!sock) return;
  socketGone(sock, code);
  sock.close();
}

function frameIn(data) {
  ctx.awaitingPong = false;
  const frame = parseFrame(data);
  if (frame) onFrame(frame);
}

// fetch, not EventSource, so the token goes in a header, never a URL. It ends as
// a socket closes: 1000 (the server recycles it), 4401/4403 (refused) or 1006.
async function openStream() {
  const ctrl = new AbortController();
  const sock = { sse: true, close: () => ctrl.abort() };
  ctx.ws = sock;
  let code = CLOSE_ABNORMAL;
  try {
    const res = await fetch(`${SERVER}/api/widget/stream/?resume=${encodeURIComponent(JSON.stringify(resume()))}`, {
      headers: { Accept: "text/event-stream", Authorization: `Visitor ${state.token}` },
      credentials: "omit",
      cache: "no-store",
      signal: ctrl.signal,
    });
    if (res.status === 401 || res.status === 403) code = 4000 + res.status;
    if (res.ok) {
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      const events = new EventStreamReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        ctx.awaitingPong = false; // keepalives count: the line is alive
        for (const data of events.push(value)) if (ctx.ws === sock) frameIn(data);
      }
      code = CLOSE_NORMAL;
    }
  } catch {
    /* dropped, or closed by us */
  }
  socketGone(sock, code);
}

// In auto mode, leave the stream once a socket gets through again.
export function probe() {
  if (FORCED !== "auto" || ctx.transport !== "fallback" || !ctx.ready) return;
  const sock = new WebSocket(WS_URL);
  setTimeout(() => sock.close(), WELCOME_WITHIN_MS);
  sock.onopen = () => sock.send(JSON.stringify({ type: "hello", token: state.token, resume: {} }));
  sock.onmessage = (event) => {
    if (parseFrame(event.data)?.type !== "welcome") return;
    sock.close();
    ctx.transport = "websocket";
    drop(CLOSE_NORMAL);
  };
}

export async function connect() {
  clearTimeout(ctx.retryTimer);
  ctx.retryTimer = 0;
  if (ctx.stopped || ctx.ws || ctx.connecting || !ctx.wanted || !ui.root) return;
  ctx.connecting = true;
  try {
    if (!state.token || !ctx.sessionDone) await session();
    if (state.ticket && !ctx.historyLoaded) {
      try {
        await sync();
      } catch (e) {
        if (!(e instanceof HttpError) || e.status !== 404) throw e;
        forget(state.ticket); // not ours (any more)
      }
    }
  } catch (e) {
    ctx.connecting = false;
    // 403: blocked, or this site may not embed the widget; 404: the key is gone.
    if (e instanceof HttpError && (e.status === 403 || e.status === 404)) return stop();
    if (e instanceof HttpError && e.status === 401) state.token = null;
    return scheduleReconnect();
  }
  ctx.connecting = false;
  render();
  if (ctx.transport === "fallback") openStream();
  else {
    const sock = (ctx.ws = new WebSocket(WS_URL + ctx.lang));
    sock.onopen = () => sock.send(JSON.stringify({ type: "hello", token: state.token, resume: resume() }));
    sock.onmessage = (event) => frameIn(event.data);
    sock.onclose = (event) => socketGone(sock, event.code);
  }
  // A proxy may hold a connection open without passing anything.
  const conn = ctx.ws;
  setTimeout(() => ctx.ws === conn && !ctx.ready && drop(CLOSE_ABNORMAL), WELCOME_WITHIN_MS);
}

function socketGone(sock, code) {
  if (ctx.ws !== sock) return;
  sock.onopen = sock.onmessage = sock.onclose = null;
  ctx.ws = null;
  // Three abnormal closes in a minute, or three sockets in a row without welcome.
  if (!sock.sse && FORCED === "auto" && isAbnormalClose(code)) {
    const now = Date.now();
    ctx.drops = ctx.drops.filter((t) => now - t < DROPS_WINDOW_MS).concat(now);
    ctx.noWelcome = ctx.ready ? 0 : ctx.noWelcome + 1;
    if (ctx.drops.length > 2 || ctx.noWelcome > 2) [ctx.transport, ctx.drops, ctx.noWelcome, ctx.attempts] = ["fallback", [], 0, 0];
  }
  ctx.ready = false;
  clearInterval(ctx.pingTimer);
  inFlight.clear();
  ctx.ticketlessInFlight = null;
  ctx.typingOut.active = false;
  setTypingIn(null);
  const meaning = closeMeaning(code);
  if (meaning === "forbidden") return stop();
  if (meaning === "refused") {
    // The server swaps an expired or forged token for a new visitor itself, and a
    // merely slow hello keeps its identity; a second refusal drops the token.
    ctx.authFailures += 1;
    if (ctx.authFailures > 1) state.token = null;
    ctx.sessionDone = false;
    store.save();
  }
  scheduleReconnect(code);
}

function scheduleReconnect(code) {
  if (ctx.stopped || ctx.retryTimer) return;
  ctx.retryTimer = setTimeout(connect, reconnectDelay(ctx.attempts++, code));
  render();
}

export function stop() {
  ctx.stopped = true;
  if (ctx.ws) ctx.ws.close();
  ctx.ws = null;
  render();
}

// On the stream the server's keepalives stand in for pongs. The tick also sends
// what other tabs left in the outbox.
export function startPing() {
  clearInterval(ctx.pingTimer);
  ctx.awaitingPong = false;
  ctx.pingTimer = setInterval(() => {
    // Silent since the last ping: dead, though the browser hasn't noticed yet.
    if (ctx.awaitingPong) return drop(CLOSE_ABNORMAL);
    ctx.awaitingPong = true;
    sendFrame({ type: "ping" });
    flush();
  }, PING_EVERY);
}
