// The client side of protocol v1 (docs/protocol.md), shared by the widget and the
// dashboard, as chat/events.py is the server's one place for it: close codes and
// what each asks of a client, the reconnect backoff, client ids, and reading a
// frame. No DOM and no network here, so Node's test runner can check it.

export const CLOSE_NORMAL = 1000;
export const CLOSE_ABNORMAL = 1006; // also what a client calls a line it gave up on
export const CLOSE_UNAUTHENTICATED = 4401;
export const CLOSE_FORBIDDEN = 4403;
export const CLOSE_FLOOD = 4429;
// The server has too many handshakes in flight to answer this one in time.
export const CLOSE_BUSY = 4503;

export const BACKOFF_BASE_MS = 500;
export const BACKOFF_CAP_MS = 30_000;
// A flooding client waits at least this long before it comes back.
export const FLOOD_WAIT_MS = 10_000;

/**
 * What a close asks of the client:
 *   "refused"  - 4401: the credentials were not taken; the widget may swap its
 *                token once, the dashboard must log in again
 *   "forbidden"- 4403: never come back on your own
 *   "flood"    - 4429: come back, but not before FLOOD_WAIT_MS
 *   "retry"    - anything else: come back with backoff; 4503 (busy) is one of
 *                these, and like every 4xxx close it is not abnormal, so it
 *                never moves the widget to its fallback transport
 */
export function closeMeaning(code) {
  if (code === CLOSE_UNAUTHENTICATED) return "refused";
  if (code === CLOSE_FORBIDDEN) return "forbidden";
  if (code === CLOSE_FLOOD) return "flood";
  return "retry";
}

/** Abnormal: the line broke, rather than either side ending it on purpose. */
export const isAbnormalClose = (code) => code !== CLOSE_NORMAL && code < 4000;

/**
 * Exponential backoff with equal jitter: half of the ceiling fixed, so a retry
 * never comes at once, half random, so reconnecting clients spread out.
 * Attempt 0 waits base/2..base; the ceiling stops at `cap`.
 */
export function backoffDelay(attempt, { base = BACKOFF_BASE_MS, cap = BACKOFF_CAP_MS, random = Math.random } = {}) {
  const ceiling = Math.min(cap, base * 2 ** Math.max(0, attempt));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** The delay before reconnecting after a close with `code`. */
export function reconnectDelay(attempt, code, options) {
  const delay = backoffDelay(attempt, options);
  return closeMeaning(code) === "flood" ? Math.max(FLOOD_WAIT_MS, delay) : delay;
}

/** A random client_id (UUID v4); crypto.randomUUID needs a secure context. */
export function newClientId() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A server frame from a text frame or an event's data, or null when it is none. */
export function parseFrame(text) {
  let frame;
  try {
    frame = JSON.parse(text);
  } catch {
    return null;
  }
  return frame && typeof frame === "object" && typeof frame.type === "string" ? frame : null;
}

/**
 * Reads an event stream (text/event-stream) as it arrives: push() each decoded
 * chunk, get back the data of every event it completed. Chunks may split lines
 * and events anywhere.
 */
export class EventStreamReader {
  constructor() {
    this.tail = "";
    this.data = "";
  }

  push(chunk) {
    const events = [];
    const lines = (this.tail += chunk).split(/\r\n|\r|\n/);
    this.tail = lines.pop();
    for (const line of lines) {
      if (line.startsWith("data:")) this.data += line.slice(line[5] === " " ? 6 : 5);
      else if (!line && this.data) {
        events.push(this.data);
        this.data = "";
      }
    }
    return events;
  }
}
