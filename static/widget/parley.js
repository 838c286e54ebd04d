/*!
 * Parley chat widget, protocol v1.
 *
 * Embed with one tag:  <script src="https://help.example.com/static/widget/parley.js" async></script>
 *
 * Plain JavaScript, no dependencies, no build step. It renders inside an open
 * Shadow DOM so the host page's CSS can't reach it, keeps its state in
 * localStorage (namespaced by server), and talks only to the server it was loaded
 * from: REST under /api/widget/ and one WebSocket at /ws/widget/.
 * Delivery rests on the per-ticket `seq`: messages are kept by seq, duplicates are
 * dropped and gaps are fetched over REST (see docs/protocol.md).
 *
 * Theming: the host page may set `parley-widget { --parley-accent: #0f766e; }`
 * (and --parley-accent-text); nothing else of the page's CSS gets in.
 */
(() => {
  "use strict";

  if (window.Parley) return; // the tag was included twice

  const VERSION = "1.0.0";

  // --- configuration --------------------------------------------------------------

  // currentScript only exists while this file first runs, so capture it now.
  const SCRIPT = document.currentScript || document.querySelector('script[src*="/widget/parley.js"]');
  if (!SCRIPT) return;
  const SERVER = new URL(SCRIPT.src, location.href).origin;
  const WS_URL = SERVER.replace(/^http/, "ws") + "/ws/widget/";
  const STORAGE_KEY = "parley:v1:" + SERVER;

  const HISTORY_PAGE = 100;
  const MAX_BODY = 5000; // settings.PARLEY["MESSAGE_MAX_LENGTH"]
  const MAX_IN_FLIGHT = 4; // keeps an outbox flush well under the server's frame rate
  const BACKOFF_BASE = 500;
  const BACKOFF_CAP = 30000;
  const PING_EVERY = 25000;
  const TYPING_RESEND = 3000;
  const TYPING_IDLE = 2000;
  const TYPING_EXPIRE = 8000; // an agent who vanished never sends "stop"

  const CLOSE_UNAUTHENTICATED = 4401;
  const CLOSE_FORBIDDEN = 4403;
  const CLOSE_FLOOD = 4429;

  const noop = () => {};

  // --- persistent state -------------------------------------------------------------

  // token/visitor: identity. ticket: the conversation shown. tickets[id]: lastSeq
  // (everything up to it is held) and read (last agent seq the visitor has seen).
  // outbox: messages not yet acknowledged, resent with the same client_id.
  const store = {
    load() {
      try {
        const data = JSON.parse(localStorage.getItem(STORAGE_KEY));
        if (data && data.v === 1 && Array.isArray(data.outbox) && data.tickets) return data;
      } catch (e) {
        /* storage disabled or corrupt: start fresh */
      }
      return { v: 1, token: null, visitor: null, ticket: null, tickets: {}, outbox: [] };
    },
    save() {
      try {
        localStorage.setItem(STORAGE_KEY, JSON.stringify(state));
      } catch (e) {
        /* private mode or quota: keep working from memory */
      }
    },
  };
  const state = store.load();

  // --- live state (this page only) --------------------------------------------------

  const msgs = new Map(); // seq -> message, for state.ticket
  let historyLoaded = false; // the current ticket's history came over REST (or it is new)
  let ws = null;
  let ready = false; // welcome received on ws
  let wasReady = false;
  let connecting = false;
  let stopped = false; // blocked: never reconnect
  let attempts = 0;
  let retryTimer = 0;
  let pingTimer = 0;
  let awaitingPong = false;
  let sessionDone = false;
  let authFailures = 0; // 4401 closes since the last welcome
  let agentsOnline = null;
  let agentSeen = 0; // highest seq the agent side has read
  let seenSent = 0;
  const inFlight = new Set(); // client_ids sent on this socket, not yet answered
  let ticketlessInFlight = null; // client_id of the message that is opening a ticket
  let syncing = null;
  let syncAgain = false;
  let typingOut = { active: false, at: 0, idle: 0 };
  let typingIn = null; // {name, timer}
  let panelOpen = false;

  const ticketInfo = () => {
    if (!state.ticket) return null;
    return (state.tickets[state.ticket] ||= { lastSeq: 0, read: 0 });
  };
  const lastSeq = () => (ticketInfo() ? ticketInfo().lastSeq : 0);

  // History is reloaded from REST on every page load, so what is held in memory
  // starts from nothing; the stored lastSeq says how far the last page got.
  if (ticketInfo()) ticketInfo().lastSeq = 0;

  // Show another conversation (or none). Only the shown ticket is remembered;
  // its `read` mark survives so unread counts stay right across reloads.
  function switchTicket(id) {
    const read = (id && state.tickets[id] && state.tickets[id].read) || 0;
    state.ticket = id || null;
    state.tickets = id ? { [id]: { lastSeq: 0, read } } : {};
    msgs.clear();
    historyLoaded = false;
    agentSeen = 0;
    seenSent = 0;
    setTypingIn(null);
    store.save();
  }

  // --- messages: merge by seq ----------------------------------------------------------

  // prevSeq (from message.new) is the seq of the previous message a visitor can
  // see: when it is held, the seqs in between were internal notes, not losses.
  function put(message, prevSeq, fetchGaps = true) {
    hold(message);
    const info = ticketInfo();
    if (Number.isInteger(prevSeq) && prevSeq <= info.lastSeq) info.lastSeq = Math.max(info.lastSeq, message.seq);
    while (msgs.has(info.lastSeq + 1)) info.lastSeq += 1;
    if (fetchGaps && message.seq > info.lastSeq) sync().catch(noop); // frames were lost
  }

  // A held message settles its outbox entry, however it arrived: an ack lost to
  // a reload shows up in the REST history instead.
  function hold(message) {
    msgs.set(message.seq, message);
    const entry = message.client_id && findEntry(message.client_id);
    if (entry) confirm(entry, state.ticket);
  }

  // Fetch everything after lastSeq over REST. One at a time; asking again while
  // one runs makes it run once more.
  function sync() {
    if (!state.ticket) return Promise.resolve();
    if (syncing) {
      syncAgain = true;
      return syncing;
    }
    const ticket = state.ticket;
    syncing = (async () => {
      do {
        syncAgain = false;
        for (;;) {
          const after = lastSeq();
          const page = await api("GET", `/api/widget/tickets/${ticket}/messages/?after=${after}&limit=${HISTORY_PAGE}`);
          if (state.ticket !== ticket) return;
          let top = after;
          for (const m of page.messages) {
            hold(m);
            top = Math.max(top, m.seq);
          }
          // A short page holds every visible message after `after`, so any seq
          // below its top (or below last_seq) that is absent was an internal note.
          const full = page.messages.length >= HISTORY_PAGE;
          const info = ticketInfo();
          info.lastSeq = Math.max(info.lastSeq, top, full ? 0 : page.last_seq);
          while (msgs.has(info.lastSeq + 1)) info.lastSeq += 1;
          if (!full) break;
        }
      } while (syncAgain);
      historyLoaded = true;
      store.save();
      render();
    })().finally(() => {
      syncing = null;
      // Asked for while this run was busy with a ticket that is no longer shown.
      if (syncAgain) sync().catch(noop);
    });
    return syncing;
  }

  // --- REST -------------------------------------------------------------------------------

  class HttpError extends Error {
    constructor(status) {
      super(`HTTP ${status}`);
      this.status = status;
    }
  }

  async function api(method, path, body) {
    const headers = { Accept: "application/json" };
    if (body) headers["Content-Type"] = "application/json";
    if (state.token) headers.Authorization = `Visitor ${state.token}`;
    const res = await fetch(SERVER + path, {
      method,
      headers,
      body: body ? JSON.stringify(body) : undefined,
      credentials: "omit", // identity is the header token, never a cookie
      mode: "cors",
    });
    if (!res.ok) throw new HttpError(res.status);
    return res.json();
  }

  async function openSession() {
    const tz = (() => {
      try {
        return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
      } catch (e) {
        return "";
      }
    })();
    const data = await api("POST", "/api/widget/session/", {
      token: state.token || "",
      page_url: location.href.slice(0, 2000),
      referrer: document.referrer.slice(0, 2000),
      locale: (navigator.language || "").slice(0, 35),
      timezone: tz.slice(0, 64),
    });
    if (state.visitor && state.visitor !== data.visitor.id) {
      // A new identity can't see the old tickets; unsent text opens a new one.
      switchTicket(null);
      for (const entry of state.outbox) entry.ticket = null;
    }
    state.token = data.token;
    state.visitor = data.visitor.id;
    agentsOnline = data.agents_online;
    const open = data.tickets.filter((t) => t.status !== "closed");
    const current = open.find((t) => t.id === state.ticket) || open[0] || null;
    if ((current && current.id) !== state.ticket) switchTicket(current && current.id);
    if (current) agentSeen = Math.max(agentSeen, current.agent_seen_seq || 0);
    sessionDone = true;
    store.save();
  }

  // --- WebSocket ---------------------------------------------------------------------------

  function sendFrame(frame) {
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(JSON.stringify(frame));
    return true;
  }

  async function connect() {
    clearTimeout(retryTimer);
    retryTimer = 0;
    if (stopped || ws || connecting) return;
    connecting = true;
    try {
      if (!state.token || !sessionDone) await openSession();
      if (state.ticket && !historyLoaded) {
        try {
          await sync();
        } catch (e) {
          if (!(e instanceof HttpError) || e.status !== 404) throw e;
          switchTicket(null); // not ours (any more)
        }
      }
    } catch (e) {
      connecting = false;
      if (e instanceof HttpError && e.status === 403) return stop();
      if (e instanceof HttpError && e.status === 401) state.token = null;
      return scheduleReconnect();
    }
    connecting = false;
    render();

    const sock = new WebSocket(WS_URL);
    ws = sock;
    sock.onopen = () => {
      const resume = state.ticket ? { [state.ticket]: lastSeq() } : {};
      sock.send(JSON.stringify({ type: "hello", token: state.token, resume }));
    };
    sock.onmessage = (event) => {
      awaitingPong = false;
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch (e) {
        return;
      }
      if (frame && typeof frame.type === "string") onFrame(frame);
    };
    sock.onclose = (event) => socketGone(sock, event.code);
  }

  function socketGone(sock, code) {
    if (ws !== sock) return;
    sock.onopen = sock.onmessage = sock.onclose = null;
    ws = null;
    ready = false;
    clearInterval(pingTimer);
    inFlight.clear();
    ticketlessInFlight = null;
    typingOut.active = false;
    setTypingIn(null);
    if (code === CLOSE_FORBIDDEN) return stop();
    if (code === CLOSE_UNAUTHENTICATED) {
      // Ask for a new session. The server swaps an expired or forged token for a
      // new visitor itself, and a merely slow hello keeps its identity; a second
      // refusal in a row drops the token outright.
      authFailures += 1;
      if (authFailures > 1) state.token = null;
      sessionDone = false;
      store.save();
    }
    scheduleReconnect(code === CLOSE_FLOOD ? 10000 : 0);
  }

  function scheduleReconnect(atLeast = 0) {
    if (stopped || retryTimer) return;
    // Full jitter: reconnecting tabs spread out instead of arriving together.
    const ceiling = Math.min(BACKOFF_CAP, BACKOFF_BASE * 2 ** attempts);
    attempts += 1;
    retryTimer = setTimeout(connect, Math.max(atLeast, Math.random() * ceiling));
    render();
  }

  function stop() {
    stopped = true;
    if (ws) ws.close();
    ws = null;
    render();
  }

  function startPing(sock) {
    clearInterval(pingTimer);
    awaitingPong = false;
    pingTimer = setInterval(() => {
      // No frame at all since the last ping: the connection is dead but the
      // browser hasn't noticed; drop it rather than wait for TCP to time out.
      if (awaitingPong) {
        socketGone(sock, 1006);
        sock.close();
        return;
      }
      awaitingPong = true;
      sendFrame({ type: "ping" });
    }, PING_EVERY);
  }

  function onFrame(frame) {
    switch (frame.type) {
      case "welcome": {
        ready = true;
        wasReady = true;
        attempts = 0;
        authFailures = 0;
        agentsOnline = frame.agents_online;
        const mine = (frame.tickets || []).find((t) => t.id === state.ticket);
        if (state.ticket && !mine) switchTicket(null); // not this visitor's (any more)
        if (mine) agentSeen = Math.max(agentSeen, mine.agent_seen_seq || 0);
        startPing(ws);
        flush();
        render();
        markRead();
        break;
      }
      case "message.new":
        onMessage(frame.ticket, frame.message, frame.prev_seq);
        break;
      case "message.ack":
        onAck(frame);
        break;
      case "typing":
        if (frame.ticket === state.ticket && frame.sender && frame.sender.type !== "visitor") {
          setTypingIn(frame.state === "start" ? frame.sender.name || "An agent" : null);
        }
        break;
      case "seen":
        if (frame.ticket === state.ticket && frame.side === "agent") {
          agentSeen = Math.max(agentSeen, frame.seq);
          render();
        }
        break;
      case "presence":
        agentsOnline = frame.agents_online;
        render();
        break;
      case "resync":
        if (frame.ticket === state.ticket) sync().catch(noop);
        break;
      case "error":
        onError(frame);
        break;
      default: // pong, and frame types a later server may add
    }
  }

  function onMessage(ticket, message, prevSeq) {
    const entry = message.client_id && findEntry(message.client_id);
    if (entry) confirm(entry, ticket);
    if (ticket !== state.ticket) {
      // Another tab opened a conversation: follow it.
      if (state.ticket && ticket < state.ticket) return;
      if (ticketlessInFlight && !entry) return;
      switchTicket(ticket);
      historyLoaded = true;
      sync().catch(noop);
    }
    put(message, prevSeq);
    if (message.sender.type !== "visitor") setTypingIn(null);
    store.save();
    render();
    markRead();
  }

  function onAck(frame) {
    const entry = findEntry(frame.client_id);
    if (!entry) return; // another tab's message: its message.new brings it
    const message = {
      id: frame.id,
      seq: frame.seq,
      sender: { type: "visitor", name: "" },
      body: entry.body.trim(),
      internal: false,
      created_at: frame.created_at,
      client_id: frame.client_id,
    };
    confirm(entry, frame.ticket);
    // No gap check here: the message.new that follows on this socket says
    // whether anything visible came before this seq.
    if (frame.ticket === state.ticket && !msgs.has(frame.seq)) put(message, null, false);
    store.save();
    render();
    flush();
  }

  // An outbox entry is done: the server stored it in `ticket`.
  function confirm(entry, ticket) {
    state.outbox = state.outbox.filter((e) => e !== entry);
    inFlight.delete(entry.client_id);
    if (ticketlessInFlight === entry.client_id) ticketlessInFlight = null;
    if (!state.ticket) {
      switchTicket(ticket);
      historyLoaded = true; // it was born here: there is nothing older to load
    }
    // The rest of the first burst belongs to the conversation it just opened.
    for (const e of state.outbox) if (e.ticket === null) e.ticket = ticket;
  }

  function onError(frame) {
    const entry = frame.client_id && findEntry(frame.client_id);
    if (!entry) return;
    inFlight.delete(entry.client_id);
    if (ticketlessInFlight === entry.client_id) ticketlessInFlight = null;
    if (frame.code === "ticket_closed" || frame.code === "not_found") {
      // The conversation is over (or not ours): the message starts a new one.
      // An entry already moved by an earlier error is simply sent again.
      const gone = entry.ticket;
      if (gone && gone === state.ticket) switchTicket(null);
      if (gone) for (const e of state.outbox) if (e.ticket === gone) e.ticket = null;
    } else {
      entry.failed = frame.message || "Not sent.";
    }
    store.save();
    render();
    flush();
  }

  // --- outbox ------------------------------------------------------------------------------

  const findEntry = (clientId) => state.outbox.find((e) => e.client_id === clientId);

  function newClientId() {
    if (crypto.randomUUID) return crypto.randomUUID();
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function queue(body) {
    state.outbox.push({ client_id: newClientId(), ticket: state.ticket, body });
    store.save();
    render(true);
    flush();
  }

  // Send what the outbox holds, in order. Only one message may open a ticket:
  // the rest wait for its ack to learn the ticket id.
  function flush() {
    if (!ready) return;
    for (const entry of state.outbox) {
      if (inFlight.size >= MAX_IN_FLIGHT) break;
      if (entry.failed || inFlight.has(entry.client_id)) continue;
      if (entry.ticket === null && state.ticket) entry.ticket = state.ticket;
      if (entry.ticket === null) {
        if (ticketlessInFlight) break;
        ticketlessInFlight = entry.client_id;
      }
      const frame = { type: "message.send", client_id: entry.client_id, body: entry.body };
      if (entry.ticket) frame.ticket = entry.ticket;
      if (!sendFrame(frame)) break;
      inFlight.add(entry.client_id);
    }
  }

  function retry(clientId) {
    const entry = findEntry(clientId);
    if (!entry) return;
    delete entry.failed;
    store.save();
    render();
    flush();
  }

  // A failed message the server will never take (too long, say) must not sit in
  // the outbox forever.
  function discard(clientId) {
    state.outbox = state.outbox.filter((e) => e.client_id !== clientId || !e.failed);
    store.save();
    render();
  }

  // --- typing and read receipts -------------------------------------------------------------

  function typingInput(hasText) {
    if (!ready || !state.ticket) return;
    clearTimeout(typingOut.idle);
    if (!hasText) return typingStop();
    const now = Date.now();
    if (!typingOut.active || now - typingOut.at > TYPING_RESEND) {
      sendFrame({ type: "typing", ticket: state.ticket, state: "start" });
      typingOut = { active: true, at: now, idle: 0 };
    }
    typingOut.idle = setTimeout(typingStop, TYPING_IDLE);
  }

  function typingStop() {
    clearTimeout(typingOut.idle);
    if (!typingOut.active) return;
    typingOut.active = false;
    if (state.ticket) sendFrame({ type: "typing", ticket: state.ticket, state: "stop" });
  }

  function setTypingIn(name) {
    if (typingIn) clearTimeout(typingIn.timer);
    typingIn = name ? { name, timer: setTimeout(() => setTypingIn(null), TYPING_EXPIRE) } : null;
    if (ui) renderTyping();
  }

  const lastAgentSeq = () => {
    let top = 0;
    for (const m of msgs.values()) if (m.sender.type !== "visitor" && m.seq > top) top = m.seq;
    return top;
  };

  // The visitor has seen what is on screen when the panel is open and the tab visible.
  function markRead() {
    const info = ticketInfo();
    if (!info || !panelOpen || document.visibilityState !== "visible") return;
    const top = lastAgentSeq();
    if (top > info.read) {
      info.read = top;
      store.save();
      renderBadge();
    }
    if (top > seenSent && ready && sendFrame({ type: "seen", ticket: state.ticket, seq: top })) {
      seenSent = top;
    }
  }

  function unreadCount() {
    const info = ticketInfo();
    if (!info) return 0;
    let n = 0;
    for (const m of msgs.values()) if (m.sender.type !== "visitor" && !m.internal && m.seq > info.read) n++;
    return n;
  }

  // --- DOM helpers -------------------------------------------------------------------------

  // Build elements from data without ever parsing it: strings become text nodes.
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === false || value == null) continue;
      if (key === "text") el.textContent = value;
      else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
      else el.setAttribute(key, value === true ? "" : value);
    }
    el.append(...children.filter((c) => c != null && c !== false));
    return el;
  }

  function icon(d) {
    const NS = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(NS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    const path = document.createElementNS(NS, "path");
    path.setAttribute("d", d);
    svg.append(path);
    return svg;
  }

  const ICON_CHAT = "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z";
  const ICON_CLOSE = "M6 6l12 12M18 6L6 18";
  const ICON_SEND = "M4 12l16-8-6 16-2.5-6.5z";

  const timeOf = (iso) => {
    const date = new Date(iso);
    return isNaN(date) ? "" : date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  };

  // --- styles ------------------------------------------------------------------------------

  const CSS = `
:host { all: initial !important; }
.root {
  --accent: var(--parley-accent, #4f46e5);
  --accent-text: var(--parley-accent-text, #fff);
  --bg: #fff; --text: #0f172a; --muted: #64748b; --line: #e2e8f0; --agent-bg: #f1f5f9;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--text); text-align: left; letter-spacing: normal; word-spacing: normal;
  text-transform: none; font-style: normal; font-weight: 400; white-space: normal; direction: ltr;
}
.root *, .root *::before, .root *::after { box-sizing: border-box; }
[hidden] { display: none !important; }
button { font: inherit; color: inherit; cursor: pointer; border: 0; background: none; padding: 0; margin: 0; }
:focus { outline: none; }
:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
svg { width: 24px; height: 24px; fill: none; stroke: currentColor; stroke-width: 2; stroke-linecap: round; stroke-linejoin: round; }
.launcher {
  position: fixed; right: 20px; bottom: 20px; z-index: 2147483000; display: flex;
  width: 56px; height: 56px; border-radius: 50%; align-items: center; justify-content: center;
  background: var(--accent); color: var(--accent-text);
  box-shadow: 0 6px 20px rgba(15, 23, 42, .25); transition: transform .15s ease;
}
.launcher:hover { transform: scale(1.05); }
.launcher:focus-visible { outline-offset: 3px; }
.launcher svg { width: 26px; height: 26px; }
.badge {
  position: absolute; top: -4px; right: -4px; min-width: 20px; height: 20px; padding: 0 6px;
  border-radius: 10px; background: #dc2626; color: #fff; font-size: 12px; font-weight: 600;
  line-height: 20px; text-align: center; box-shadow: 0 0 0 2px #fff;
}
.panel {
  position: fixed; right: 20px; bottom: 88px; z-index: 2147483000;
  width: 370px; height: min(600px, calc(100vh - 110px)); display: flex; flex-direction: column;
  background: var(--bg); border-radius: 16px; overflow: hidden;
  box-shadow: 0 12px 48px rgba(15, 23, 42, .22), 0 0 0 1px rgba(15, 23, 42, .06);
  animation: rise .18s ease-out;
}
@keyframes rise { from { opacity: 0; transform: translateY(12px); } }
.head { display: flex; align-items: center; gap: 12px; padding: 16px 16px 14px; background: var(--accent); color: var(--accent-text); }
.head-text { flex: 1; min-width: 0; }
.title { margin: 0; font-size: 16px; font-weight: 600; line-height: 1.3; }
.status { display: flex; align-items: center; gap: 6px; font-size: 12.5px; opacity: .92; }
.status::before { content: ""; width: 8px; height: 8px; border-radius: 50%; background: #94a3b8; flex: none; }
.status[data-state="online"]::before { background: #22c55e; }
.status[data-state="away"]::before { background: #f59e0b; }
.status[data-state="offline"]::before { background: #ef4444; }
.close { width: 32px; height: 32px; border-radius: 8px; display: flex; align-items: center; justify-content: center; }
.close:hover { background: rgba(255, 255, 255, .15); }
.close svg { width: 20px; height: 20px; }
.log { flex: 1; overflow-y: auto; padding: 16px; display: flex; flex-direction: column; gap: 2px; overscroll-behavior: contain; }
.intro { margin: auto 0 12px; padding: 14px 16px; border-radius: 12px; background: var(--agent-bg); color: var(--text); }
.intro strong { display: block; margin-bottom: 2px; }
.msg { max-width: 80%; display: flex; flex-direction: column; margin-top: 8px; animation: pop .14s ease-out; }
.msg.cont { margin-top: 0; }
@keyframes pop { from { opacity: 0; transform: translateY(4px); } }
.msg[data-sender-type="visitor"] { align-self: flex-end; align-items: flex-end; }
.msg[data-sender-type="agent"], .msg[data-sender-type="bot"] { align-self: flex-start; align-items: flex-start; }
.msg[data-sender-type="system"] { align-self: center; align-items: center; max-width: 90%; }
.name { font-size: 12px; color: var(--muted); margin: 0 0 2px 4px; }
.bubble { padding: 8px 12px; border-radius: 16px; white-space: pre-wrap; overflow-wrap: anywhere; }
.msg[data-sender-type="visitor"] .bubble { background: var(--accent); color: var(--accent-text); border-bottom-right-radius: 4px; }
.msg[data-sender-type="agent"] .bubble, .msg[data-sender-type="bot"] .bubble { background: var(--agent-bg); border-bottom-left-radius: 4px; }
.msg[data-sender-type="system"] .bubble { background: none; color: var(--muted); font-size: 12.5px; text-align: center; }
.msg[data-state="pending"] .bubble { opacity: .65; }
.msg[data-state="failed"] .bubble { background: #fee2e2; color: #991b1b; }
.meta { display: flex; gap: 6px; align-items: center; font-size: 11.5px; color: var(--muted); margin: 2px 4px 0; min-height: 16px; }
.tick { color: var(--accent); letter-spacing: -3px; padding-right: 3px; }
.failed { color: #b91c1c; }
.retry { color: #b91c1c; font-weight: 600; text-decoration: underline; font-size: 11.5px; }
.typing { display: flex; align-items: center; gap: 8px; padding: 0 16px 8px; font-size: 12.5px; color: var(--muted); }
.dots { display: inline-flex; gap: 3px; }
.dots i { width: 5px; height: 5px; border-radius: 50%; background: var(--muted); animation: blink 1.2s infinite; }
.dots i:nth-child(2) { animation-delay: .2s; }
.dots i:nth-child(3) { animation-delay: .4s; }
@keyframes blink { 0%, 60%, 100% { opacity: .25; } 30% { opacity: 1; } }
.compose { display: flex; align-items: flex-end; gap: 8px; padding: 10px 12px 12px; border-top: 1px solid var(--line); background: var(--bg); }
.input {
  flex: 1; resize: none; min-height: 40px; max-height: 120px; padding: 9px 12px; margin: 0;
  font: inherit; color: var(--text); background: #fff; border: 1px solid var(--line); border-radius: 12px; line-height: 1.45;
}
.input:focus-visible { outline: 2px solid var(--accent); outline-offset: 0; border-color: transparent; }
.input::placeholder { color: #94a3b8; }
.send { flex: none; width: 40px; height: 40px; border-radius: 12px; display: flex; align-items: center; justify-content: center; background: var(--accent); color: var(--accent-text); }
.send:disabled { opacity: .4; cursor: default; }
.send svg { width: 20px; height: 20px; }
.foot { padding: 0 12px 8px; font-size: 11px; color: #94a3b8; text-align: center; }
@media (max-width: 480px) {
  .panel { right: 0; bottom: 0; width: 100vw; height: 100%; border-radius: 0; }
  .launcher.open { display: none; }
}
@media (prefers-reduced-motion: reduce) {
  *, *::before, *::after { animation: none !important; transition: none !important; }
}
`;

  // --- view --------------------------------------------------------------------------------

  let ui = null;
  const bubbles = new Map(); // key -> {el, sig}

  function mount() {
    const host = document.createElement("parley-widget");
    const root = host.attachShadow({ mode: "open" });
    const style = h("style");
    style.textContent = CSS;

    const badge = h("span", { class: "badge", "data-testid": "parley-badge", hidden: true });
    const launcher = h(
      "button",
      {
        type: "button",
        class: "launcher",
        "data-testid": "parley-launcher",
        "aria-label": "Open chat",
        "aria-expanded": "false",
        "aria-controls": "parley-panel",
        onclick: () => setOpen(!panelOpen),
      },
      icon(ICON_CHAT),
      badge
    );
    const status = h("div", { class: "status", "data-testid": "parley-status", "aria-live": "polite" });
    const list = h("div", {
      class: "log",
      role: "log",
      "aria-live": "polite",
      "aria-label": "Conversation",
      "data-testid": "parley-messages",
      tabindex: "0",
    });
    const typingText = h("span");
    const typing = h(
      "div",
      { class: "typing", "data-testid": "parley-typing", "aria-live": "polite", hidden: true },
      h("span", { class: "dots", "aria-hidden": "true" }, h("i"), h("i"), h("i")),
      typingText
    );
    const input = h("textarea", {
      class: "input",
      rows: "1",
      maxlength: String(MAX_BODY),
      placeholder: "Write a message…",
      "aria-label": "Message",
      "data-testid": "parley-input",
      oninput: onInput,
      onkeydown: onKeydown,
    });
    const send = h(
      "button",
      { type: "button", class: "send", "data-testid": "parley-send", "aria-label": "Send message", disabled: true, onclick: submit },
      icon(ICON_SEND)
    );
    const panel = h(
      "section",
      {
        id: "parley-panel",
        class: "panel",
        role: "dialog",
        "aria-label": "Chat with us",
        "data-testid": "parley-panel",
        hidden: true,
        onkeydown: (e) => e.key === "Escape" && (setOpen(false), launcher.focus()),
      },
      h(
        "header",
        { class: "head" },
        h("div", { class: "head-text" }, h("h2", { class: "title", text: "Chat with us" }), status),
        h(
          "button",
          { type: "button", class: "close", "aria-label": "Close chat", onclick: () => (setOpen(false), launcher.focus()) },
          icon(ICON_CLOSE)
        )
      ),
      list,
      typing,
      h("div", { class: "compose" }, input, send),
      h("div", { class: "foot", text: "Powered by Parley" })
    );
    root.append(style, h("div", { class: "root" }, panel, launcher));
    document.body.append(host);
    ui = { host, launcher, badge, panel, status, list, typing, typingText, input, send };
    render();
  }

  function setOpen(open) {
    panelOpen = open;
    ui.panel.hidden = !open;
    ui.launcher.classList.toggle("open", open);
    ui.launcher.setAttribute("aria-expanded", String(open));
    ui.launcher.replaceChildren(icon(open ? ICON_CLOSE : ICON_CHAT), ui.badge);
    if (open) {
      render(true);
      ui.input.focus();
      markRead();
    } else {
      typingStop();
    }
    renderBadge();
  }

  function onInput() {
    const input = ui.input;
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight + 2, 120) + "px";
    ui.send.disabled = stopped || !input.value.trim();
    typingInput(Boolean(input.value.trim()));
  }

  function onKeydown(event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit();
    }
  }

  function submit() {
    const body = ui.input.value.trim();
    if (!body || stopped) return;
    ui.input.value = "";
    onInput();
    typingStop();
    queue(body);
    ui.input.focus();
  }

  // What the list should show, in order: held messages by seq, then the outbox.
  function items() {
    const out = [];
    const keys = new Set();
    for (const m of [...msgs.values()].sort((a, b) => a.seq - b.seq)) {
      if (m.internal) continue;
      keys.add("c:" + m.client_id);
      const own = m.sender.type === "visitor";
      out.push({
        key: m.client_id ? "c:" + m.client_id : "s:" + m.seq,
        seq: m.seq,
        type: ["visitor", "agent", "bot", "system"].includes(m.sender.type) ? m.sender.type : "agent",
        name: own ? "" : m.sender.name || "Support",
        body: m.body,
        time: timeOf(m.created_at),
        state: "sent",
        seen: own && m.seq <= agentSeen,
      });
    }
    for (const e of state.outbox) {
      if ((e.ticket !== null && e.ticket !== state.ticket) || keys.has("c:" + e.client_id)) continue;
      out.push({
        key: "c:" + e.client_id,
        seq: "",
        type: "visitor",
        name: "",
        body: e.body,
        time: "",
        state: e.failed ? "failed" : "pending",
        error: e.failed || "",
        clientId: e.client_id,
      });
    }
    return out;
  }

  function bubble(item, continued) {
    const meta = h("div", { class: "meta" });
    if (item.time) meta.append(h("span", { text: item.time }));
    if (item.type === "visitor") {
      if (item.state === "pending") meta.append(h("span", { text: "Sending…" }));
      if (item.state === "sent")
        meta.append(h("span", { class: "tick", title: item.seen ? "Seen" : "Sent", "aria-label": item.seen ? "Seen" : "Sent", text: item.seen ? "✓✓" : "✓" }));
      if (item.state === "failed")
        meta.append(
          h("span", { class: "failed", title: item.error, text: "Not sent." }),
          h("button", { type: "button", class: "retry", text: "Retry", onclick: () => retry(item.clientId) }),
          h("button", { type: "button", class: "retry", text: "Remove", onclick: () => discard(item.clientId) })
        );
    }
    return h(
      "div",
      {
        class: continued ? "msg cont" : "msg",
        "data-testid": "parley-message",
        "data-seq": String(item.seq),
        "data-sender-type": item.type,
        "data-state": item.state,
      },
      item.name && !continued ? h("div", { class: "name", text: item.name }) : null,
      h("div", { class: "bubble", text: item.body }),
      meta
    );
  }

  function render(scrollToEnd = false) {
    if (!ui) return;
    renderStatus();
    renderBadge();
    renderTyping();
    ui.send.disabled = stopped || !ui.input.value.trim();
    ui.input.disabled = stopped;

    const list = ui.list;
    const nearEnd = list.scrollHeight - list.scrollTop - list.clientHeight < 60;
    const wanted = [];
    const all = items();
    if (!all.length && (!state.ticket || historyLoaded)) {
      if (!bubbles.has("intro")) {
        const intro = h(
          "div",
          { class: "intro" },
          h("strong", { text: "Hi there 👋" }),
          "Ask us anything — we usually reply in a few minutes."
        );
        bubbles.set("intro", { el: intro, sig: "" });
      }
      wanted.push(bubbles.get("intro").el);
    }
    all.forEach((item, i) => {
      const prev = all[i - 1];
      const continued = Boolean(prev && prev.type === item.type && prev.name === item.name);
      // Rebuild a bubble only when what it shows changed; the key survives the
      // pending -> sent change, so a confirmed message replaces its own bubble.
      const sig = JSON.stringify([item, continued]);
      const old = bubbles.get(item.key);
      if (!old || old.sig !== sig) {
        const el = bubble(item, continued);
        if (old) {
          el.style.animation = "none";
          old.el.replaceWith(el);
        }
        bubbles.set(item.key, { el, sig });
      }
      wanted.push(bubbles.get(item.key).el);
    });
    const keep = new Set(wanted);
    for (const [key, b] of bubbles) {
      if (!keep.has(b.el)) {
        b.el.remove();
        bubbles.delete(key);
      }
    }
    wanted.forEach((el, i) => {
      if (list.children[i] !== el) list.insertBefore(el, list.children[i] || null);
    });
    if (scrollToEnd || nearEnd) list.scrollTop = list.scrollHeight;
  }

  function renderStatus() {
    let text;
    let mode;
    if (stopped) [text, mode] = ["Chat is unavailable", "offline"];
    else if (!ready) [text, mode] = [wasReady ? "Reconnecting… we'll send your messages" : "Connecting…", "connecting"];
    else if (agentsOnline) [text, mode] = ["We're online · replies in minutes", "online"];
    else [text, mode] = ["We're away · leave a message", "away"];
    if (ui.status.textContent !== text) ui.status.textContent = text;
    ui.status.dataset.state = mode;
  }

  function renderBadge() {
    if (!ui) return;
    const n = panelOpen ? 0 : unreadCount();
    ui.badge.hidden = n === 0;
    ui.badge.textContent = n > 9 ? "9+" : String(n);
    ui.launcher.setAttribute(
      "aria-label",
      panelOpen ? "Close chat" : n ? `Open chat, ${n} unread message${n > 1 ? "s" : ""}` : "Open chat"
    );
  }

  function renderTyping() {
    ui.typing.hidden = !typingIn;
    ui.typingText.textContent = typingIn ? `${typingIn.name} is typing…` : "";
  }

  // --- start ------------------------------------------------------------------------------

  function start() {
    mount();
    connect();
    document.addEventListener("visibilitychange", () => {
      markRead();
      if (document.visibilityState === "visible" && !ws && !stopped) connect();
    });
    window.addEventListener("online", () => !ws && connect());
  }

  // A small, read-only handle for debugging and tests: nothing here renders HTML.
  window.Parley = Object.freeze({
    version: VERSION,
    state: () => ({ connected: ready, ticket: state.ticket, lastSeq: lastSeq(), outbox: state.outbox.length }),
    open: () => ui && setOpen(true),
    close: () => ui && setOpen(false),
  });

  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start, { once: true });
})();
