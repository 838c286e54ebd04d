// The dashboard's WebSocket: connect, say hello, keep alive, reconnect.
//
// Protocol v1 (docs/protocol.md). The socket authenticates with the session
// cookie, so `hello` carries nothing. Frames other than `hello` are only sent
// once `welcome` has arrived; before that send() returns false and callers keep
// their own outbox (see delivery.js), which they flush on "ready".

import { closeMeaning, parseFrame, reconnectDelay } from "../shared/protocol.js";

export const PING_INTERVAL_MS = 20_000;
// No frame at all for this long (pongs included) means the connection is dead
// even if the browser has not noticed yet.
const SILENCE_LIMIT_MS = 2 * PING_INTERVAL_MS + 5_000;

const STABLE_AFTER_MS = 10_000;

export function socketUrl(path) {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}${path}`;
}

/**
 * Events (EventTarget, `event.detail`):
 *   "frame"  - every server frame after `welcome` (detail: frame); welcome included
 *   "ready"  - welcome received (detail: welcome frame); send() works from now on
 *   "state"  - detail: {state: "connecting"|"connected"|"reconnecting"|"offline", retryAt?}
 *   "denied" - closed with 4401/4403 (detail: {code}); the socket stops retrying
 */
export class AgentSocket extends EventTarget {
  constructor(path = "/ws/agent/") {
    super();
    this.url = socketUrl(path);
    this.ws = null;
    this.ready = false;
    this.attempt = 0;
    this.stopped = false;
    this.retryTimer = null;
    this.pingTimer = null;
    this.lastFrameAt = 0;
    this.welcomedAt = 0;
    this.state = "offline";
    window.addEventListener("online", () => this.retryNow());
  }

  start() {
    this.stopped = false;
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.teardown();
    this.setState("offline");
  }

  /** Reconnect at once if we are waiting to retry (e.g. the network came back). */
  retryNow() {
    if (this.stopped || this.ws) return;
    clearTimeout(this.retryTimer);
    this.connect();
  }

  send(frame) {
    if (!this.ready || this.ws?.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  // --- internals ------------------------------------------------------------------

  connect() {
    this.retryTimer = null;
    this.setState(this.attempt === 0 ? "connecting" : "reconnecting");
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch {
      this.scheduleRetry();
      return;
    }
    this.ws = ws;
    ws.addEventListener("open", () => {
      this.lastFrameAt = Date.now();
      ws.send(JSON.stringify({ type: "hello" }));
    });
    ws.addEventListener("message", (event) => this.onMessage(ws, event));
    ws.addEventListener("close", (event) => this.onClose(ws, event));
    // "error" is always followed by "close"; nothing to do here.
  }

  onMessage(ws, event) {
    if (ws !== this.ws) return;
    this.lastFrameAt = Date.now();
    const frame = parseFrame(event.data);
    if (!frame) return;
    if (frame.type === "welcome") {
      this.ready = true;
      this.welcomedAt = Date.now();
      this.startPing();
      this.setState("connected");
      this.emit("ready", frame);
    }
    this.emit("frame", frame);
  }

  onClose(ws, event) {
    if (ws !== this.ws) return;
    // Only a connection that lived a while resets the backoff, so a server that
    // accepts and then drops us at once (e.g. 4429) still gets backed off from.
    if (this.ready && Date.now() - this.welcomedAt > STABLE_AFTER_MS) this.attempt = 0;
    this.teardown();
    // Refused or forbidden: a dashboard has no token to swap, only a login.
    const meaning = closeMeaning(event.code);
    if (meaning === "refused" || meaning === "forbidden") {
      this.stopped = true;
      this.setState("offline");
      this.emit("denied", { code: event.code });
      return;
    }
    if (!this.stopped) this.scheduleRetry(event.code);
  }

  scheduleRetry(code) {
    const delay = reconnectDelay(this.attempt, code);
    this.attempt += 1;
    this.setState("reconnecting", { retryAt: Date.now() + delay });
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  startPing() {
    clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => {
      if (Date.now() - this.lastFrameAt > SILENCE_LIMIT_MS) {
        // Half-open connection: a clean close could hang, so just drop it.
        this.teardown();
        this.scheduleRetry();
        return;
      }
      this.send({ type: "ping" });
    }, PING_INTERVAL_MS);
  }

  teardown() {
    clearInterval(this.pingTimer);
    this.pingTimer = null;
    this.ready = false;
    const ws = this.ws;
    this.ws = null;
    if (ws && ws.readyState <= WebSocket.OPEN) {
      try { ws.close(); } catch { /* already closing */ }
    }
  }

  setState(state, extra = {}) {
    this.state = state;
    this.emit("state", { state, ...extra });
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}
