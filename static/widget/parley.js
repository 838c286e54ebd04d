/*!
 * Parley chat widget, protocol v1 (docs/protocol.md).
 *   <script src="https://help.example.com/static/widget/parley.js" data-key="demo" async></script>
 * Optional: data-transport="auto|websocket|fallback", data-lang="en|de".
 *
 * It renders in an open Shadow DOM (of the page's CSS only --parley-accent and
 * --parley-accent-text get in), keeps its state in localStorage, and talks only to
 * the server it came from: REST plus a WebSocket, or an event stream where sockets
 * don't get through. Messages are kept by seq: duplicates dropped, gaps fetched.
 */
(() => {
  "use strict";

  if (window.Parley) return; // the tag was included twice

  const VERSION = "1.3.0";

  // --- configuration ---

  // currentScript only exists while this file first runs.
  const SCRIPT = document.currentScript || document.querySelector('script[src*="/widget/parley.js"]');
  if (!SCRIPT) return;
  const attr = (name) => (SCRIPT.getAttribute("data-" + name) || "").trim();
  const KEY = attr("key");
  if (!KEY) {
    console.error("Parley: the script tag needs data-key");
    return;
  }
  // The server picks among its languages: by data-lang, else by the browser's.
  let lang = attr("lang");
  const FORCED = attr("transport") || "auto";
  const SERVER = new URL(SCRIPT.src, location.href).origin;
  const WS_URL = SERVER.replace(/^http/, "ws") + "/ws/widget/?lang=";
  // A token belongs to one widget.
  const STORAGE_KEY = "parley:v1:" + SERVER + ":" + KEY;
  // The link in a reply email: #parley-reopen=<token>. It is a key to the chat, so it
  // leaves the address bar at once.
  const REOPEN = (location.hash.match(/parley-reopen=([\w:.-]+)/) || [])[1];
  if (REOPEN) history.replaceState(history.state, "", location.href.replace(/#?&?parley-reopen=[^&]*/, ""));

  const HISTORY_PAGE = 100;
  const MAX_IN_FLIGHT = 4; // keeps an outbox flush well under the server's frame rate
  const BACKOFF_BASE = 500;
  const BACKOFF_CAP = 30000;
  const PING_EVERY = 25000;
  const TYPING_RESEND = 3000;
  const TYPING_IDLE = 2000;
  const PEEK_EVERY = 1000;
  const TYPING_EXPIRE = 8000; // an agent who vanished never sends "stop"
  const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
  const FILE_TYPES = /^(image\/(png|jpeg|gif|webp)|application\/pdf)$/;
  const PROBE_EVERY = 300000;
  const EMOJI = "😀 😂 😊 😍 😉 🙂 😅 🤔 😮 😢 😴 🙈 👍 👎 👏 🙏 👋 💪 🎉 ❤️ 🔥 ✅ ⭐ ☕".split(" ");

  const CLOSE_UNAUTHENTICATED = 4401;
  const CLOSE_FORBIDDEN = 4403;
  const CLOSE_FLOOD = 4429;

  const noop = () => {};

  // --- persistent state ---

  // asked: the optional pre-chat form was answered or skipped. ticket: the one
  // shown (null: a new one). tickets[id]: lastSeq (all up to it is held, for the
  // shown one), read (the last seq the visitor has had on screen). outbox: sent
  // again with the same client_id until acknowledged; a null ticket opens one.
  // done: client_ids lately settled, which another tab's outbox can't bring back.
  const fresh = () => ({
    v: 1,
    token: null,
    visitor: null,
    name: "",
    email: "",
    asked: false,
    ticket: null,
    tickets: {},
    list: [],
    outbox: [],
    done: [],
  });
  const store = {
    load() {
      try {
        const data = JSON.parse(localStorage.getItem(STORAGE_KEY));
        if (data && data.v === 1 && Array.isArray(data.outbox) && data.tickets && Array.isArray(data.list)) {
          return { ...fresh(), ...data };
        }
      } catch (e) {
        /* storage disabled or corrupt: start fresh */
      }
      return fresh();
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
  // Each tab sends what was written in it (its id survives a reload).
  let tabId = Math.random().toString(36).slice(2);
  try {
    tabId = sessionStorage.parleyTab ||= tabId;
  } catch (e) {
    /* storage disabled: a new id per page */
  }

  // --- live state (this page only) ---

  let cfg = null; // GET /api/widget/config/
  let T = {}; // its words, in its language (chat/widget_words.py)
  // Sessions create visitors: only when needed.
  let live = Boolean(state.token);
  let view = null; // "list" or "chat"; chosen when the panel first opens
  const msgs = new Map(); // seq -> message, for state.ticket
  let historyLoaded = false; // the current ticket's history came over REST (or it is new)
  let ws = null; // a WebSocket, or the event stream's {sse, close}
  let transport = FORCED === "fallback" ? "fallback" : "websocket";
  let drops = []; // when sockets failed lately
  let noWelcome = 0; // sockets in a row that never got to welcome
  let sendFails = 0; // REST sends in a row that found the server away
  let sendTimer = 0;
  let ready = false; // welcome received on ws
  let wasReady = false;
  let connecting = false;
  let stopped = false; // blocked: never reconnect
  let attempts = 0;
  let retryTimer = 0;
  let pingTimer = 0;
  let awaitingPong = false;
  let sessionDone = false;
  let sessionQueue = Promise.resolve();
  let authFailures = 0; // 4401 closes since the last welcome
  let agentsOnline = null;
  let agentSeen = 0; // highest seq the agent side has read
  let seenSent = 0;
  const inFlight = new Set(); // client_ids sent on this socket, not yet answered
  let ticketlessInFlight = null; // client_id of the message that is opening a ticket
  let prechatForced = false; // the server refused a new conversation without name and email
  let offlineClientId = null; // kept across retries, so a lost answer can't make two tickets
  let doneFor = 0; // the ticket the offline form just opened, and where replies go
  let doneEmail = "";
  let busy = false; // a form is being sent
  let openWanted = false; // Parley.open() before the config arrived
  let syncing = null;
  let syncAgain = false;
  let typingOut = { active: false, at: 0, idle: 0 };
  let typingIn = null; // {name, timer}
  let panelOpen = false;
  const uploads = new Map(); // client_id -> entry: files can't wait in localStorage
  let confirming = 0; // the ticket whose "end chat?" question is shown
  let audio = null;
  let blink = 0;
  let unseen = 0; // agent messages while the tab was hidden
  let pageTitle = "";

  const ticketInfo = () => {
    if (!state.ticket) return null;
    return (state.tickets[state.ticket] ||= { lastSeq: 0, read: 0 });
  };
  const lastSeq = () => (ticketInfo() ? ticketInfo().lastSeq : 0);
  const resume = () => (state.ticket ? { [state.ticket]: lastSeq() } : {});
  // Full jitter: reconnecting tabs spread out.
  const backoff = (n) => Math.random() * Math.min(BACKOFF_CAP, BACKOFF_BASE * 2 ** n);
  const summary = (id) => state.list.find((t) => t.id === id);
  const readOf = (id) => (state.tickets[id] ? state.tickets[id].read : 0);

  // History is reloaded on every page load: memory starts from nothing.
  if (ticketInfo()) ticketInfo().lastSeq = 0;

  // Every ticket's `read` survives, so unread counts stay right across switches.
  function switchTicket(id, quiet) {
    state.ticket = id || null;
    if (id) (state.tickets[id] ||= { read: 0 }).lastSeq = 0;
    msgs.clear();
    historyLoaded = false;
    const t = summary(id);
    agentSeen = (t && t.agent_seen_seq) || 0;
    seenSent = 0;
    if (id !== doneFor) doneFor = 0;
    confirming = 0;
    setTypingIn(null);
    if (!quiet) store.save();
  }

  // One never shown on this device counts as read: old history is not news.
  function mergeList(tickets) {
    for (const t of tickets || []) {
      const old = summary(t.id);
      if (old) Object.assign(old, t);
      else state.list.push({ ...t });
      state.tickets[t.id] ||= { lastSeq: 0, read: t.last_seq };
    }
  }

  function note(id, m) {
    let t = summary(id);
    const born = !t;
    if (born) {
      t = { id, subject: m.body.slice(0, 80), status: "new", last_seq: 0, agent_seen_seq: 0, created_at: m.created_at };
      state.list.push(t);
    }
    const info = (state.tickets[id] ||= { lastSeq: 0, read: 0 });
    if (m.seq > t.last_seq) {
      // The visitor's own words don't make a conversation unread.
      if (m.sender.type === "visitor" && info.read >= t.last_seq) info.read = m.seq;
      t.last_seq = m.seq;
    }
    return born;
  }

  // --- messages: merge by seq ---

  // prevSeq (from message.new) is the seq of the previous message a visitor can
  // see: when it is held, the seqs in between were internal notes, not losses.
  function put(message, prevSeq, fetchGaps = true) {
    hold(message);
    const info = ticketInfo();
    if (Number.isInteger(prevSeq) && prevSeq <= info.lastSeq) info.lastSeq = Math.max(info.lastSeq, message.seq);
    while (msgs.has(info.lastSeq + 1)) info.lastSeq += 1;
    if (fetchGaps && message.seq > info.lastSeq) sync().catch(noop); // frames were lost
  }

  // An ack lost to a reload shows up in the REST history instead.
  function hold(message) {
    msgs.set(message.seq, message);
    const entry = message.client_id && findEntry(message.client_id);
    if (entry) confirm(entry, state.ticket);
  }

  // One at a time; asked again meanwhile, it runs once more.
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
      markRead();
    })().finally(() => {
      syncing = null;
      if (syncAgain) sync().catch(noop);
    });
    return syncing;
  }

  // One that is gone (or not ours) leaves the list.
  function load() {
    const id = state.ticket;
    sync().catch((e) => {
      if (!(e instanceof HttpError) || e.status !== 404 || state.ticket !== id) return;
      state.list = state.list.filter((t) => t.id !== id);
      switchTicket(null);
      render();
    });
  }

  // --- REST ---

  class HttpError extends Error {
    constructor(status, body) {
      super(`HTTP ${status}`);
      this.status = status;
      this.body = body || {}; // {code, message, fields?}
    }
  }

  async function api(method, path, body, token = state.token) {
    const headers = { Accept: "application/json" };
    if (lang) headers["Accept-Language"] = lang;
    const json = body && !(body instanceof FormData);
    if (json) headers["Content-Type"] = "application/json";
    if (token) headers.Authorization = `Visitor ${token}`;
    const res = await fetch(SERVER + path, {
      method,
      headers,
      body: json ? JSON.stringify(body) : body || undefined,
      credentials: "omit", // identity is the header token, never a cookie
      mode: "cors",
    });
    const data = await res.json().catch(() => null);
    if (!res.ok) throw new HttpError(res.status, data);
    return data;
  }

  // One at a time: a pre-chat form sent meanwhile must not make a second visitor.
  function session(extra) {
    const run = sessionQueue.then(() => openSession(extra));
    sessionQueue = run.catch(noop);
    return run;
  }

  async function openSession(extra) {
    const tz = (() => {
      try {
        return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
      } catch (e) {
        return "";
      }
    })();
    const data = await api("POST", "/api/widget/session/", {
      key: KEY,
      token: state.token || "",
      page_url: location.href.slice(0, 2000),
      referrer: document.referrer.slice(0, 2000),
      locale: (navigator.language || "").slice(0, 35),
      timezone: tz.slice(0, 64),
      ...extra,
    });
    if (state.visitor && state.visitor !== data.visitor.id) {
      // A new identity can't see the old tickets; unsent text opens a new one.
      switchTicket(null);
      for (const entry of state.outbox) entry.ticket = null;
      Object.assign(state, { tickets: {}, list: [], asked: false });
      // A socket still open speaks for the old identity.
      drop(1000);
    }
    state.token = data.token;
    state.visitor = data.visitor.id;
    state.name = data.visitor.name || "";
    state.email = data.visitor.email || "";
    agentsOnline = data.agents_online;
    mergeList(data.tickets);
    // A picked conversation stays shown, closed or not; a vanished one gives way.
    if (state.ticket && !data.tickets.some((t) => t.id === state.ticket)) {
      const open = data.tickets.find((t) => t.status !== "closed");
      state.list = state.list.filter((t) => t.id !== state.ticket);
      switchTicket(open && open.id);
    }
    // Back through a reply email's link: show that conversation.
    if (data.open) switchTicket(data.open), (view = "chat");
    const current = summary(state.ticket);
    if (current) agentSeen = Math.max(agentSeen, current.agent_seen_seq || 0);
    sessionDone = true;
    store.save();
    render();
  }

  // --- transports: WebSocket, or event stream + REST ---

  function sendFrame(frame) {
    if (ws && ws.sse) return rest(frame);
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(JSON.stringify(frame));
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
        sendFails = 0;
        onAck(data.ticket, data.message);
      },
      (e) => {
        const status = e.status;
        if (status === 401) return drop(CLOSE_UNAUTHENTICATED);
        if (status >= 400 && status < 500 && status !== 429) return onError({ ...e.body, client_id });
        // Unreachable, failing or rate-limited: still pending, sent again later.
        inFlight.delete(client_id);
        if (ticketlessInFlight === client_id) ticketlessInFlight = null;
        clearTimeout(sendTimer);
        sendTimer = setTimeout(flush, backoff(sendFails++));
      }
    );
    return true;
  }

  function drop(code) {
    const sock = ws;
    if (!sock) return;
    socketGone(sock, code);
    sock.close();
  }

  function frameIn(data) {
    awaitingPong = false;
    let frame;
    try {
      frame = JSON.parse(data);
    } catch (e) {
      return;
    }
    if (frame && typeof frame.type === "string") onFrame(frame);
  }

  // fetch, not EventSource, so the token goes in a header, never a URL. It ends as
  // a socket closes: 1000 (the server recycles it), 4401/4403 (refused) or 1006.
  async function openStream() {
    const ctrl = new AbortController();
    const sock = { sse: true, close: () => ctrl.abort() };
    ws = sock;
    let code = 1006;
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
        let tail = "";
        let data = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          awaitingPong = false; // keepalives count: the line is alive
          const lines = (tail += value).split(/\r\n|\r|\n/);
          tail = lines.pop();
          for (const line of lines) {
            if (line.startsWith("data:")) data += line.slice(line[5] === " " ? 6 : 5);
            else if (!line && data) {
              if (ws === sock) frameIn(data);
              data = "";
            }
          }
        }
        code = 1000;
      }
    } catch (e) {
      /* dropped, or closed by us */
    }
    socketGone(sock, code);
  }

  // In auto mode, leave the stream once a socket gets through again.
  function probe() {
    if (FORCED !== "auto" || transport !== "fallback" || !ready) return;
    const sock = new WebSocket(WS_URL);
    setTimeout(() => sock.close(), 10000);
    sock.onopen = () => sock.send(JSON.stringify({ type: "hello", token: state.token, resume: {} }));
    sock.onmessage = (event) => {
      if (!event.data.includes('"welcome"')) return;
      sock.close();
      transport = "websocket";
      drop(1000);
    };
  }

  async function connect() {
    clearTimeout(retryTimer);
    retryTimer = 0;
    if (stopped || ws || connecting || !live || !ui) return;
    connecting = true;
    try {
      if (!state.token || !sessionDone) await session();
      if (state.ticket && !historyLoaded) {
        try {
          await sync();
        } catch (e) {
          if (!(e instanceof HttpError) || e.status !== 404) throw e;
          state.list = state.list.filter((t) => t.id !== state.ticket);
          switchTicket(null); // not ours (any more)
        }
      }
    } catch (e) {
      connecting = false;
      // 403: blocked, or this site may not embed the widget; 404: the key is gone.
      if (e instanceof HttpError && (e.status === 403 || e.status === 404)) return stop();
      if (e instanceof HttpError && e.status === 401) state.token = null;
      return scheduleReconnect();
    }
    connecting = false;
    render();
    if (transport === "fallback") openStream();
    else {
      const sock = (ws = new WebSocket(WS_URL + lang));
      sock.onopen = () => sock.send(JSON.stringify({ type: "hello", token: state.token, resume: resume() }));
      sock.onmessage = (event) => frameIn(event.data);
      sock.onclose = (event) => socketGone(sock, event.code);
    }
    // A proxy may hold a connection open without passing anything.
    const conn = ws;
    setTimeout(() => ws === conn && !ready && drop(1006), 10000);
  }

  function socketGone(sock, code) {
    if (ws !== sock) return;
    sock.onopen = sock.onmessage = sock.onclose = null;
    ws = null;
    // Three abnormal closes in a minute, or three sockets in a row without welcome.
    if (!sock.sse && FORCED === "auto" && code < 4000 && code !== 1000) {
      const now = Date.now();
      drops = drops.filter((t) => now - t < 60000).concat(now);
      noWelcome = ready ? 0 : noWelcome + 1;
      if (drops.length > 2 || noWelcome > 2) [transport, drops, noWelcome, attempts] = ["fallback", [], 0, 0];
    }
    ready = false;
    clearInterval(pingTimer);
    inFlight.clear();
    ticketlessInFlight = null;
    typingOut.active = false;
    setTypingIn(null);
    if (code === CLOSE_FORBIDDEN) return stop();
    if (code === CLOSE_UNAUTHENTICATED) {
      // The server swaps an expired or forged token for a new visitor itself, and a
      // merely slow hello keeps its identity; a second refusal drops the token.
      authFailures += 1;
      if (authFailures > 1) state.token = null;
      sessionDone = false;
      store.save();
    }
    scheduleReconnect(code === CLOSE_FLOOD ? 10000 : 0);
  }

  function scheduleReconnect(atLeast = 0) {
    if (stopped || retryTimer) return;
    retryTimer = setTimeout(connect, Math.max(atLeast, backoff(attempts++)));
    render();
  }

  function stop() {
    stopped = true;
    if (ws) ws.close();
    ws = null;
    render();
  }

  // On the stream the server's keepalives stand in for pongs. The tick also sends
  // what other tabs left in the outbox.
  function startPing() {
    clearInterval(pingTimer);
    awaitingPong = false;
    pingTimer = setInterval(() => {
      // Silent since the last ping: dead, though the browser hasn't noticed yet.
      if (awaitingPong) return drop(1006);
      awaitingPong = true;
      sendFrame({ type: "ping" });
      flush();
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
        mergeList(frame.tickets);
        const mine = (frame.tickets || []).find((t) => t.id === state.ticket);
        if (state.ticket && !mine) switchTicket(null); // not this visitor's (any more)
        if (mine) agentSeen = Math.max(agentSeen, mine.agent_seen_seq || 0);
        store.save();
        startPing();
        flush();
        render();
        markRead();
        break;
      }
      case "ticket.updated": // e.g. ended in another tab
        mergeList([frame.ticket]);
        store.save();
        render();
        break;
      case "message.new":
        onMessage(frame.ticket, frame.message, frame.prev_seq);
        break;
      case "message.ack": {
        const entry = findEntry(frame.client_id);
        if (entry) onAck(frame.ticket, { ...frame, sender: { type: "visitor", name: "" }, body: entry.body.trim(), internal: false });
        break;
      }
      case "typing":
        if (frame.ticket === state.ticket && frame.sender && frame.sender.type !== "visitor") {
          setTypingIn(frame.state === "start" ? frame.sender.name || T.anAgent : null);
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
    const known = summary(ticket);
    if (!/^(visitor|system)$/.test(message.sender.type) && !(known && message.seq <= known.last_seq)) {
      if (document.hidden) attention();
      ui.live.textContent = `${message.sender.name || T.support}: ${message.body}`;
    }
    const born = note(ticket, message);
    if (entry) confirm(entry, ticket);
    if (ticket === doneFor && message.sender.type !== "visitor") doneFor = 0; // a reply: talk back
    if (ticket !== state.ticket) {
      // Another tab opened a conversation while this one shows a blank one: follow
      // it. Anything else stays in the list, marked unread.
      const follow =
        born && !state.ticket && !entry && !busy && !ticketlessInFlight && !state.outbox.some((e) => e.ticket === null);
      if (!follow) {
        store.save();
        render();
        return;
      }
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

  function onAck(ticket, message) {
    const entry = findEntry(message.client_id);
    if (entry) {
      note(ticket, message);
      confirm(entry, ticket);
      // No gap check: the message.new that follows says what came before.
      if (ticket === state.ticket && !msgs.has(message.seq)) put(message, null, false);
      store.save();
      render();
    }
    flush();
  }

  // The server stored an outbox entry (or an upload) in `ticket`.
  function confirm(entry, ticket) {
    state.outbox = state.outbox.filter((e) => e !== entry);
    state.done = [...state.done.slice(-49), entry.client_id];
    uploads.delete(entry.client_id);
    inFlight.delete(entry.client_id);
    if (ticketlessInFlight === entry.client_id) ticketlessInFlight = null;
    if (!state.ticket && entry.ticket === null) {
      switchTicket(ticket);
      historyLoaded = true;
      // A first message whose ack was lost to a reload may already have answers.
      sync().catch(noop);
    }
    // The rest of the first burst belongs to the conversation it just opened.
    if (entry.ticket === null) for (const e of [...state.outbox, ...uploads.values()]) if (e.ticket === null) e.ticket = ticket;
  }

  function onError(frame) {
    const entry = frame.client_id && findEntry(frame.client_id);
    if (!entry) return;
    inFlight.delete(entry.client_id);
    if (ticketlessInFlight === entry.client_id) ticketlessInFlight = null;
    if (frame.code === "ticket_closed" || frame.code === "not_found") {
      // Over (or not ours): the message starts a new one.
      const gone = entry.ticket;
      const t = summary(gone);
      if (t && frame.code === "ticket_closed") t.status = "closed";
      if (gone && gone === state.ticket) switchTicket(null);
      if (gone) for (const e of state.outbox) if (e.ticket === gone) e.ticket = null;
    } else if (frame.code === "prechat_required") {
      // The settings changed under this page: ask, then send again.
      prechatForced = true;
      cfg.prechat = "required";
    } else {
      entry.failed = frame.message || T.notSent;
    }
    store.save();
    render();
    flush();
  }

  // --- outbox ---

  const findEntry = (clientId) => state.outbox.find((e) => e.client_id === clientId) || uploads.get(clientId);

  function newClientId() {
    if (crypto.randomUUID) return crypto.randomUUID();
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function queue(body) {
    state.outbox.push({ client_id: newClientId(), ticket: state.ticket, body, tab: tabId, at: Date.now() });
    store.save();
    render(true);
    flush();
  }

  // In order. Only one message may open a ticket: the rest of its burst waits for
  // its ack. REST sends go one at a time, or they could be stored out of order.
  // Another tab's messages are its to send, unless left waiting (it may be gone).
  function flush() {
    if (!ready) return;
    for (const entry of state.outbox) {
      if (inFlight.size >= (ws.sse ? 1 : MAX_IN_FLIGHT)) break;
      if (entry.failed || inFlight.has(entry.client_id)) continue;
      if (entry.tab !== tabId && Date.now() - entry.at < 10000) continue;
      if (entry.ticket === null) {
        if (ticketlessInFlight || prechatForced) continue;
        ticketlessInFlight = entry.client_id;
      }
      const frame = { type: "message.send", client_id: entry.client_id, body: entry.body };
      if (entry.ticket) frame.ticket = entry.ticket;
      if (!sendFrame(frame)) {
        if (ticketlessInFlight === entry.client_id) ticketlessInFlight = null;
        break;
      }
      inFlight.add(entry.client_id);
    }
  }

  function retry(clientId) {
    const entry = findEntry(clientId);
    if (!entry) return;
    if (entry.file) return upload(entry);
    delete entry.failed;
    store.save();
    render();
    flush();
  }

  // A message the server will never take must not sit in the outbox forever.
  function discard(clientId) {
    state.outbox = state.outbox.filter((e) => e.client_id !== clientId || !e.failed);
    state.done.push(clientId);
    uploads.delete(clientId);
    store.save();
    render();
  }

  // --- typing and read receipts ---

  // With the sneak peek on, the draft goes along, at most once a PEEK_EVERY; the
  // last one is sent when its time comes, so the agent never sees a stale draft.
  function typingInput(hasText) {
    if (!ready || !state.ticket) return;
    clearTimeout(typingOut.idle);
    clearTimeout(typingOut.peek);
    if (!hasText) return typingStop();
    const now = Date.now();
    const draft = cfg.typing_preview ? ui.input.value.slice(0, 500) : undefined;
    const wait = typingOut.at + PEEK_EVERY - now;
    if (typingOut.active && draft !== typingOut.draft && wait > 0) {
      typingOut.peek = setTimeout(() => typingInput(Boolean(ui.input.value.trim())), wait);
    } else if (!typingOut.active || now - typingOut.at > TYPING_RESEND || draft !== typingOut.draft) {
      sendFrame({ type: "typing", ticket: state.ticket, state: "start", draft });
      typingOut = { active: true, at: now, draft };
    }
    typingOut.idle = setTimeout(typingStop, TYPING_IDLE);
  }

  function typingStop() {
    clearTimeout(typingOut.idle);
    clearTimeout(typingOut.peek);
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

  // Seen: shown in the open panel of a visible tab. `read` covers the visitor's
  // own messages too, so the list can tell news from their last words.
  function markRead() {
    const info = ticketInfo();
    if (!info || !panelOpen || view !== "chat" || document.visibilityState !== "visible") return;
    const top = lastAgentSeq();
    const upTo = Math.max(top, info.lastSeq);
    if (upTo > info.read) {
      info.read = upTo;
      store.save();
      renderBadge();
    }
    if (top > seenSent && ready && sendFrame({ type: "seen", ticket: state.ticket, seq: top })) {
      seenSent = top;
    }
  }

  function unreadHere() {
    const info = ticketInfo();
    if (!info) return 0;
    let n = 0;
    for (const m of msgs.values()) if (m.sender.type !== "visitor" && !m.internal && m.seq > info.read) n++;
    return n;
  }

  // Other conversations are known only by their last seq: each counts once.
  const unreadIn = (t) => (t.id === state.ticket ? unreadHere() : Number(t.last_seq > readOf(t.id)));
  const unreadCount = () => state.list.reduce((n, t) => n + (t.id === state.ticket ? 0 : unreadIn(t)), unreadHere());

  // --- DOM helpers ---

  // A word with its one {field} filled in; a [singular, plural] pair picks by n.
  const say = (key, value) => {
    const text = T[key];
    return (Array.isArray(text) ? text[value === 1 ? 0 : 1] : text).replace(/\{\w+\}/, () => value);
  };

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

  // Focusable, so focusView can move the visitor to what just happened.
  const notice = (testid, text) => h("div", { class: "note", "data-testid": testid, role: "status", tabindex: "-1" }, h("strong", { text }));

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
  const ICON_BACK = "M15 5l-7 7 7 7";
  const ICON_SMILE = "M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18zM8 14s1.5 2 4 2 4-2 4-2M9 9.5h.01M15 9.5h.01";
  const ICON_CLIP = "M21 11l-8.5 8.5a5 5 0 0 1-7-7L14 4a3.5 3.5 0 0 1 5 5l-8.5 8.5a2 2 0 0 1-3-3L15 7";

  const timeOf = (iso) => {
    const date = new Date(iso);
    return isNaN(date) ? "" : date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  };

  const dayOf = (iso) => {
    const date = new Date(iso);
    if (isNaN(date)) return "";
    if (date.toDateString() === new Date().toDateString()) return timeOf(iso);
    return date.toLocaleDateString([], { day: "numeric", month: "short" });
  };

  function textOn(hex) {
    const [r, g, b] = [1, 3, 5].map((i) => {
      const c = parseInt(hex.slice(i, i + 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.2 ? "#0f172a" : "#fff";
  }
  // --- styles ---

  const CSS = `
:host { all: initial !important; }
.root {
  --accent: var(--parley-accent, var(--cfg-accent, #4f46e5));
  --accent-text: var(--parley-accent-text, var(--cfg-accent-text, #fff));
  --bg: #fff; --text: #0f172a; --muted: #64748b; --line: #e2e8f0; --agent-bg: #f1f5f9;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--text); direction: ltr;
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
.left .launcher, .left .panel { right: auto; left: 20px; }
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
.end { flex: none; padding: 3px 8px; border-radius: 8px; font-size: 12px; font-weight: 600; box-shadow: inset 0 0 0 1px currentColor; }
.close, .back { flex: none; width: 32px; height: 32px; border-radius: 8px; display: flex; align-items: center; justify-content: center; }
.back { margin: 0 -6px 0 -6px; }
.end:hover, .close:hover, .back:hover { background: rgba(255, 255, 255, .15); }
.close svg, .back svg { width: 20px; height: 20px; }
.main, .chat { flex: 1; min-height: 0; display: flex; flex-direction: column; }
.convos { flex: 1; min-height: 0; display: flex; flex-direction: column; }
.rows { flex: 1; overflow-y: auto; padding: 12px; display: flex; flex-direction: column; gap: 8px; overscroll-behavior: contain; }
.rows h3 { margin: 4px 4px 2px; font-size: 12.5px; font-weight: 600; color: var(--muted); }
.conv { display: grid; grid-template-columns: 1fr auto; gap: 2px 10px; padding: 10px 12px; border: 1px solid var(--line); border-radius: 12px; text-align: left; }
.conv:hover { background: var(--agent-bg); }
.conv-subject { font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.conv-meta { grid-column: 1; font-size: 12px; color: var(--muted); }
.conv[data-status="closed"] .conv-subject { font-weight: 400; }
.dot { grid-column: 2; grid-row: 1 / 3; align-self: center; width: 10px; height: 10px; border-radius: 50%; background: var(--accent); }
.bar { padding: 10px 12px 12px; border-top: 1px solid var(--line); display: flex; justify-content: center; }
.btn { padding: 9px 16px; border-radius: 12px; font-weight: 600; background: var(--accent); color: var(--accent-text); }
.btn.ghost { background: none; color: var(--muted); }
.btn:disabled { opacity: .55; cursor: default; }
.bottom { flex: 0 1 auto; min-height: 0; max-height: 65%; overflow-y: auto; border-top: 1px solid var(--line); }
.form { display: flex; flex-direction: column; gap: 10px; padding: 12px; }
.form p { margin: 0; }
.field label { display: block; margin: 0 0 3px 2px; font-size: 12.5px; font-weight: 600; }
.field .input { display: block; width: 100%; min-height: 38px; }
.field textarea.input { min-height: 84px; }
#parley-rating-comment { min-height: 56px; }
.input[aria-invalid="true"] { border-color: #dc2626; }
.ferr, .form-err { margin: 3px 2px 0; font-size: 12.5px; color: #b91c1c; }
.form-err:empty { display: none; }
.actions { display: flex; justify-content: flex-end; gap: 8px; }
.note { display: flex; flex-direction: column; align-items: center; gap: 10px; padding: 14px 16px; text-align: center; color: var(--muted); }
.note:focus { outline: none; }
.note strong { color: var(--text); }
.log { flex: 1; min-height: 72px; overflow-y: auto; padding: 16px; display: flex; flex-direction: column; gap: 2px; overscroll-behavior: contain; }
.msg { max-width: 80%; display: flex; flex-direction: column; margin-top: 8px; animation: pop .14s ease-out; }
.msg.cont { margin-top: 0; }
@keyframes pop { from { opacity: 0; transform: translateY(4px); } }
.msg[data-sender-type="visitor"] { align-self: flex-end; align-items: flex-end; }
.greeting, .msg[data-sender-type="agent"], .msg[data-sender-type="bot"] { align-self: flex-start; align-items: flex-start; }
.msg[data-sender-type="system"] { align-self: center; align-items: center; max-width: 90%; }
.name { font-size: 12px; color: var(--muted); margin: 0 0 2px 4px; }
.av { width: 20px; border-radius: 50%; vertical-align: middle; margin-right: 6px; }
.bubble { padding: 8px 12px; border-radius: 16px; white-space: pre-wrap; overflow-wrap: anywhere; }
.msg[data-sender-type="visitor"] .bubble { background: var(--accent); color: var(--accent-text); border-bottom-right-radius: 4px; }
.greeting .bubble, .msg[data-sender-type="agent"] .bubble, .msg[data-sender-type="bot"] .bubble { background: var(--agent-bg); border-bottom-left-radius: 4px; }
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
.compose { display: flex; align-items: flex-end; gap: 8px; padding: 10px 12px 12px; background: var(--bg); }
.input {
  flex: 1; resize: none; min-height: 40px; max-height: 120px; padding: 9px 12px; margin: 0;
  font: inherit; color: var(--text); background: #fff; border: 1px solid var(--line); border-radius: 12px; line-height: 1.45;
}
.input:focus-visible { outline: 2px solid var(--accent); outline-offset: 0; border-color: transparent; }
.input::placeholder { color: #94a3b8; }
.tool { flex: none; width: 30px; height: 40px; border-radius: 10px; display: flex; align-items: center; justify-content: center; color: var(--muted); }
.tool:hover, .emojis button:hover { background: var(--agent-bg); }
.emojis { display: grid; grid-template-columns: repeat(8, 1fr); padding: 8px 12px 0; }
.emojis button { font-size: 20px; padding: 3px; border-radius: 8px; }
.hint { margin: 8px 12px 0; }
.later { margin: -4px 12px 10px; text-align: center; font-size: 12.5px; color: var(--muted); }
.later .note, .later .form { padding: 0; }
.later .form { text-align: left; color: var(--text); }
.later strong { font-weight: 400; color: inherit; }
.link { text-decoration: underline; }
.stars { display: flex; justify-content: center; gap: 4px; }
.star { font-size: 28px; line-height: 1; color: #94a3b8; }
.star.on { color: #d97706; }
.att { display: block; }
.att img { display: block; max-width: 100%; max-height: 180px; border-radius: 10px; }
.bubble a { color: inherit; }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.send { flex: none; width: 40px; height: 40px; border-radius: 12px; display: flex; align-items: center; justify-content: center; background: var(--accent); color: var(--accent-text); }
.send:disabled { opacity: .4; cursor: default; }
.send svg, .tool svg { width: 20px; height: 20px; }
.foot { padding: 0 12px 8px; font-size: 11px; color: #94a3b8; text-align: center; }
@media (max-width: 480px) {
  .panel { right: 0; bottom: 0; width: 100vw; height: 100%; border-radius: 0; }
  .left .panel { left: 0; }
  .launcher.open { display: none; }
}
@media (prefers-reduced-motion: reduce) {
  *, *::before, *::after { animation: none !important; transition: none !important; }
}
`;

  // --- view ---

  let ui = null;
  const bubbles = new Map(); // key -> {el, sig}

  // `name` is the field name the server's `fields` use.
  function makeForm(kind, intro, specs, label, onsubmit) {
    const inputs = {};
    const fields = specs.map(([name, text, attrs]) => {
      const id = `parley-${kind}-${name}`;
      const input = h(attrs.rows ? "textarea" : "input", { class: "input", id, name, "data-testid": id, ...attrs });
      inputs[name] = input;
      return h("div", { class: "field" }, h("label", { for: id, text }), input);
    });
    const error = h("div", { class: "form-err", role: "alert" });
    const submit = h("button", { type: "submit", class: "btn", "data-testid": `parley-${kind}-submit`, text: label });
    const actions = h("div", { class: "actions" }, submit);
    const el = h("form", { class: "form", "data-testid": `parley-${kind}`, novalidate: true, onsubmit }, h("p", { text: intro }), ...fields, error, actions);
    return { el, inputs, error, submit, actions };
  }

  // Client checks and the server's 400s land under the field, as text; others on
  // the form's line.
  function showErrors(form, fields, message) {
    for (const el of form.el.querySelectorAll("[data-field-error]")) el.remove();
    let first = null;
    const rest = [];
    for (const input of Object.values(form.inputs)) input.removeAttribute("aria-invalid");
    for (const [name, text] of Object.entries(fields || {})) {
      const input = form.inputs[name];
      const line = [].concat(text).join(" ");
      if (!input) {
        rest.push(line);
        continue;
      }
      input.setAttribute("aria-invalid", "true");
      input.after(h("div", { class: "ferr", "data-field-error": name, text: line }));
      first ||= input;
    }
    if (!first && !rest.length && message) rest.push(message);
    form.error.textContent = rest.join(" ");
    if (first) first.focus();
    return Boolean(first || rest.length);
  }

  const problems = (e) =>
    e instanceof HttpError
      ? [e.body.fields, e.body.message || T.oops]
      : [null, T.unreachable];

  function mount() {
    const host = document.createElement("parley-widget");
    const root = host.attachShadow({ mode: "open" });
    const style = h("style");
    style.textContent = CSS;
    const title = cfg.name ? say("chatWith", cfg.name) : T.chatUs;

    const badge = h("span", { class: "badge", "data-testid": "parley-badge", hidden: true });
    const launcher = h(
      "button",
      {
        type: "button",
        class: "launcher",
        "data-testid": "parley-launcher",
        "aria-label": T.open,
        "aria-expanded": "false",
        "aria-controls": "parley-panel",
        onclick: () => setOpen(!panelOpen),
      },
      icon(ICON_CHAT),
      badge
    );
    const back = h(
      "button",
      { type: "button", class: "back", "data-testid": "parley-back", "aria-label": T.all, onclick: showList },
      icon(ICON_BACK)
    );
    const status = h("div", { class: "status", "data-testid": "parley-status", "aria-live": "polite" });
    // New messages are read out by the live region alone, not twice.
    const list = h("div", {
      class: "log",
      role: "log",
      "aria-live": "off",
      "aria-label": T.log,
      "data-testid": "parley-messages",
      tabindex: "0",
    });
    // The chat's place in the queue until an agent has it (queue_position).
    const queue = h("div", { class: "typing", "data-testid": "parley-queue", "aria-live": "polite", hidden: true });
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
      maxlength: String(cfg.limits.message_length),
      placeholder: T.write,
      "aria-label": T.message,
      "data-testid": "parley-input",
      oninput: onInput,
      onkeydown: onKeydown,
    });
    const send = h(
      "button",
      { type: "button", class: "send", "data-testid": "parley-send", "aria-label": T.send, disabled: true, onclick: submit },
      icon(ICON_SEND)
    );
    const file = h("input", {
      type: "file",
      hidden: true,
      accept: "image/png,image/jpeg,image/gif,image/webp,application/pdf",
      "data-testid": "parley-file",
      onchange: onFile,
    });
    const tool = (testid, label, path, onclick, more) =>
      h("button", { type: "button", class: "tool", "data-testid": testid, "aria-label": label, title: label, onclick, ...more }, icon(path));
    const attach = tool("parley-attach", T.attach, ICON_CLIP, () => file.click());
    const emoji = tool("parley-emoji", T.emoji, ICON_SMILE, () => showEmoji(emojis.hidden), { "aria-expanded": "false" });
    const closeEmoji = (e) => e.key === "Escape" && (e.stopPropagation(), showEmoji(false), emoji.focus());
    const emojis = h(
      "div",
      { class: "emojis", role: "group", "aria-label": T.emoji, hidden: true, onkeydown: (e) => closeEmoji(e) || arrows(e, 8) },
      ...EMOJI.map((text) => h("button", { type: "button", "data-testid": "parley-emoji-option", text, onclick: () => insert(text) }))
    );
    const hint = h("div", { class: "form-err hint", role: "alert" });
    const askEnd = () => ((confirming = state.ticket), render(), focusView());
    const end = h("button", { type: "button", class: "end", "data-testid": "parley-end", text: T.end, hidden: true, onclick: askEnd });
    const prechat = makeForm(
      "prechat",
      T.prechat,
      [
        ["name", T.name, { type: "text", autocomplete: "name", maxlength: "120" }],
        ["email", T.email, { type: "email", autocomplete: "email", maxlength: "254" }],
      ],
      T.start,
      submitPrechat
    );
    const skip = h("button", { type: "button", class: "btn ghost", "data-testid": "parley-prechat-skip", text: T.skip, onclick: skipPrechat });
    const offline = makeForm(
      "offline",
      T.offline,
      [
        ["email", T.email, { type: "email", autocomplete: "email", maxlength: "254", required: true }],
        ["name", T.nameOpt, { type: "text", autocomplete: "name", maxlength: "120" }],
        ["body", T.message, { rows: "4", maxlength: String(cfg.limits.message_length), required: true, onkeydown: onFormKeydown }],
      ],
      T.send,
      submitOffline
    );
    const newBtn = h("button", {
      type: "button",
      class: "btn",
      "data-testid": "parley-new-conversation",
      text: T.newConvo,
      onclick: newConversation,
    });
    const rows = h("div", { class: "rows" });
    const bar = h("div", { class: "bar" });
    const convos = h("div", { class: "convos", "data-testid": "parley-conversations" }, rows, bar);
    const bottom = h("div", { class: "bottom" });
    const chat = h("div", { class: "chat" }, list, queue, typing, bottom);
    const main = h("div", { class: "main" });
    const head = h(
      "header",
      { class: "head" },
      h("div", { class: "head-text" }, h("h2", { class: "title", text: title }), status),
      end,
      h(
        "button",
        { type: "button", class: "close", "aria-label": T.close, onclick: () => (setOpen(false), launcher.focus()) },
        icon(ICON_CLOSE)
      )
    );
    const panel = h(
      "section",
      {
        id: "parley-panel",
        class: "panel",
        role: "dialog",
        "aria-label": title,
        "data-testid": "parley-panel",
        hidden: true,
        onkeydown: (e) => e.key === "Escape" && (setOpen(false), launcher.focus()),
      },
      head,
      main,
      h("div", { class: "foot", text: T.powered })
    );
    // Outside the panel, so news is read out while it is closed too.
    const live = h("div", { class: "sr", "data-testid": "parley-live", "aria-live": "polite" });
    const wrap = h("div", { class: cfg.position === "left" ? "root left" : "root", lang }, panel, launcher, live);
    root.append(style, wrap);
    document.body.append(host);
    // The page's --parley-accent wins; the text colour is ours when the colour is.
    if (/^#[0-9a-f]{6}$/i.test(cfg.accent_color || "")) {
      wrap.style.setProperty("--cfg-accent", cfg.accent_color);
      if (!getComputedStyle(host).getPropertyValue("--parley-accent").trim()) {
        wrap.style.setProperty("--cfg-accent-text", textOn(cfg.accent_color));
      }
    }
    ui = { root, host, launcher, badge, panel, head, back, status, list, queue, typing, typingText, input, send };
    Object.assign(ui, { prechat, skip, offline, newBtn, rows, bar, convos, bottom, chat, main, mode: null, listSig: "" });
    Object.assign(ui, { file, emoji, emojis, hint, end, live });
    ui.mail = h("div", { class: "later" });
    ui.compose = h("div", {}, emojis, hint, h("div", { class: "compose" }, attach, emoji, input, send, file), ui.mail);
    render();
  }

  function setOpen(open) {
    panelOpen = open;
    if (open && !view) {
      // Several conversations, nothing new or pending in the last: let the visitor pick.
      view = state.list.length > 1 && !unreadHere() && !state.outbox.length ? "list" : "chat";
    }
    if (open && !live) {
      live = true;
      connect();
    }
    ui.panel.hidden = !open;
    ui.launcher.classList.toggle("open", open);
    ui.launcher.setAttribute("aria-expanded", String(open));
    ui.launcher.replaceChildren(icon(open ? ICON_CLOSE : ICON_CHAT), ui.badge);
    if (open) {
      render(true);
      focusView();
      markRead();
    } else {
      typingStop();
    }
    renderBadge();
  }

  function showList() {
    typingStop();
    view = "list";
    render();
    focusView();
  }

  function openConversation(id) {
    view = "chat";
    if (id !== state.ticket) {
      typingStop();
      switchTicket(id);
      load();
    }
    render(true);
    focusView();
    markRead();
  }

  function newConversation() {
    view = "chat";
    if (state.ticket) {
      typingStop();
      switchTicket(null);
    }
    render(true);
    focusView();
  }

  function focusView() {
    if (!panelOpen) return;
    const target =
      view === "list"
        ? ui.rows.querySelector(".conv") || ui.newBtn
        : { compose: ui.input, prechat: ui.prechat.inputs.name, offline: ui.offline.inputs.email }[ui.mode] ||
          ui.bottom.querySelector(".star") ||
          ui.bottom.querySelector("button, input") ||
          ui.bottom.firstChild;
    if (target) target.focus();
  }

  function onInput() {
    const input = ui.input;
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight + 2, 120) + "px";
    ui.send.disabled = stopped || !input.value.trim();
    ui.hint.textContent = "";
    typingInput(Boolean(input.value.trim()));
  }

  function onKeydown(event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit();
    }
  }

  function onFormKeydown(event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      event.target.form.requestSubmit();
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

  // --- attachments and emoji ---

  // Refused before uploading; the server judges by the bytes all the same.
  function onFile() {
    const file = ui.file.files[0];
    ui.file.value = "";
    if (!file) return;
    const problem = !FILE_TYPES.test(file.type) ? T.fileType : file.size > cfg.limits.attachment_bytes ? T.fileSize : "";
    ui.hint.textContent = problem;
    if (problem) return;
    const body = ui.input.value.trim(); // a caption
    ui.input.value = "";
    onInput();
    upload({ client_id: newClientId(), ticket: state.ticket, body, file });
  }

  // A file may open the conversation; then, like a first message, it is the only
  // thing that may, and anything else waits for its ticket (see confirm).
  async function upload(entry) {
    const id = entry.client_id;
    delete entry.failed;
    uploads.set(id, entry);
    render(true);
    const form = new FormData();
    for (const key of ["file", "body", "client_id"]) form.append(key, entry[key]);
    try {
      if (!sessionDone) await session();
      while (!entry.ticket && ticketlessInFlight && ticketlessInFlight !== id) await new Promise((r) => setTimeout(r, 200));
      if (!entry.ticket) ticketlessInFlight = id;
      const data = await api("POST", `/api/widget/tickets/${entry.ticket ? entry.ticket + "/attachments/" : ""}`, form);
      onAck(data.ticket, data.message);
    } catch (e) {
      if (ticketlessInFlight === id) ticketlessInFlight = null;
      if (!uploads.has(id)) return;
      entry.failed = ui.hint.textContent = problems(e)[1];
      render();
      flush();
    }
  }

  // Arrow keys move through a group of buttons, a row of `cols` up or down;
  // `choose` picks as it moves, as in a radio group.
  function arrows(e, cols, choose) {
    const list = [...e.currentTarget.children];
    const step = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -cols, ArrowDown: cols }[e.key];
    const to = step && list[list.indexOf(e.target) + step];
    if (!to) return;
    e.preventDefault();
    to.focus();
    if (choose) to.click();
  }

  function showEmoji(open) {
    ui.emojis.hidden = !open;
    ui.emoji.setAttribute("aria-expanded", String(open));
    if (open) ui.emojis.firstChild.focus();
  }

  function insert(text) {
    const input = ui.input;
    input.setRangeText(text, input.selectionStart, input.selectionEnd, "end");
    showEmoji(false);
    input.focus();
    onInput();
  }

  // --- attention ---

  // A tone made here (no file to fetch); a title that blinks, or holds still for
  // those who asked for less motion.
  function attention() {
    try {
      const ac = (audio ||= new AudioContext());
      const gain = new GainNode(ac, { gain: 0.1 });
      const osc = new OscillatorNode(ac, { frequency: 880 });
      gain.gain.setTargetAtTime(0, ac.currentTime + 0.1, 0.08);
      osc.connect(gain).connect(ac.destination);
      osc.start();
      osc.stop(ac.currentTime + 0.5);
    } catch (e) {
      /* no audio here */
    }
    if (!blink) pageTitle = document.title;
    clearInterval(blink);
    const text = (document.title = say("newMsg", ++unseen));
    const still = matchMedia("(prefers-reduced-motion: reduce)").matches;
    blink = setInterval(() => (document.title = still || document.title !== text ? text : pageTitle), 1000);
  }

  function calm() {
    if (!blink) return;
    clearInterval(blink);
    blink = unseen = 0;
    document.title = pageTitle;
  }

  // --- other tabs ---

  // Another tab saved: take in what it learned, keep this tab's view. Nothing is
  // saved back from here, so tabs never echo each other.
  function merge(other) {
    if (!other.token) return;
    if (other.visitor !== state.visitor) {
      // It became someone else (its token was refused): follow it.
      Object.assign(state, other);
      switchTicket(state.ticket, true);
      drop(1000);
      return render();
    }
    for (const key of ["token", "name", "email", "asked"]) state[key] = other[key];
    const done = new Set([...state.done, ...other.done]);
    state.done = [...done].slice(-50);
    const byId = new Map();
    for (const e of [...state.outbox, ...other.outbox]) {
      const mine = byId.get(e.client_id);
      // A ticket learned from an ack stays, or the burst would open a second one.
      byId.set(e.client_id, mine && mine.ticket && !e.ticket ? mine : e);
    }
    state.outbox = [...byId.values()].filter((e) => !done.has(e.client_id)).sort((a, b) => (a.at || 0) - (b.at || 0));
    for (const id of inFlight) if (!findEntry(id)) inFlight.delete(id);
    if (!findEntry(ticketlessInFlight)) ticketlessInFlight = null;
    for (const [id, t] of Object.entries(other.tickets)) {
      const mine = (state.tickets[id] ||= { lastSeq: 0, read: 0 });
      Object.assign(mine, t, { lastSeq: mine.lastSeq, read: Math.max(mine.read, t.read) });
    }
    // Ended stays ended: the other tab may not have heard yet.
    mergeList(other.list.map((t) => (ended(t.id) ? { ...t, status: summary(t.id).status } : t)));
    render();
    flush();
  }

  // --- pre-chat and offline forms ---

  const needsPrechat = () =>
    prechatForced ||
    (cfg.prechat === "required" && !(state.name && state.email)) ||
    (cfg.prechat === "optional" && !state.asked && !(state.name && state.email));

  async function submitPrechat(event) {
    event.preventDefault();
    const form = ui.prechat;
    if (busy) return;
    const name = form.inputs.name.value.trim();
    const email = form.inputs.email.value.trim();
    const required = cfg.prechat === "required" || prechatForced;
    const errors = required || email ? emailErrors(email) : {};
    if (required && !name) errors.name = T.needName;
    if (showErrors(form, errors)) return;
    if (!name && !email) return skipPrechat();
    busy = form.submit.disabled = true;
    live = true;
    try {
      await session({ name, email });
      state.asked = true;
      prechatForced = false;
      store.save();
      connect();
      flush();
      render();
    } catch (e) {
      if (e instanceof HttpError && e.status === 403) stop();
      showErrors(form, ...problems(e));
    } finally {
      busy = form.submit.disabled = false;
    }
  }

  function skipPrechat() {
    state.asked = true;
    store.save();
    render();
    focusView();
  }

  async function submitOffline(event) {
    event.preventDefault();
    const form = ui.offline;
    if (busy) return;
    const email = form.inputs.email.value.trim();
    const name = form.inputs.name.value.trim();
    const body = form.inputs.body.value.trim();
    const errors = emailErrors(email);
    if (!body) errors.body = T.needBody;
    if (showErrors(form, errors)) return;
    busy = form.submit.disabled = true;
    live = true;
    try {
      if (!state.token || !sessionDone) await session();
      offlineClientId ||= newClientId();
      const data = await api("POST", "/api/widget/offline/", { email, name, body, client_id: offlineClientId });
      offlineClientId = null;
      form.inputs.body.value = "";
      Object.assign(state, { email, name: name || state.name, asked: true });
      const id = typeof data.ticket === "object" ? data.ticket.id : data.ticket;
      note(id, data.message);
      if (state.ticket !== id) switchTicket(id);
      historyLoaded = true;
      put(data.message, 0);
      doneFor = id;
      doneEmail = email;
      store.save();
      connect(); // replies come over the socket
      render(true);
      sync().catch(noop);
    } catch (e) {
      // 401: the token lapsed; the next try starts a session first.
      if (e instanceof HttpError && e.status === 401) sessionDone = false;
      if (e instanceof HttpError && e.status === 400) offlineClientId = null;
      showErrors(form, ...problems(e));
      // Turned off since the config was read: chat instead, keeping the draft.
      if (e instanceof HttpError && e.body.code === "offline_form_disabled") {
        cfg.offline_form = false;
        render();
      }
    } finally {
      busy = form.submit.disabled = false;
    }
  }

  const emailErrors = (email) => (!email ? { email: T.needEmail } : EMAIL.test(email) ? {} : { email: T.badEmail });

  // --- ending a chat ---

  // Resolved or closed: both are over here; the widget starts anew, never reopens.
  const ended = (id = state.ticket) => /^(resolved|closed)$/.test((summary(id) || {}).status);

  async function endChat(event) {
    const id = state.ticket;
    const button = event.target;
    const error = button.parentNode.nextSibling;
    button.disabled = true;
    try {
      mergeList([await api("POST", `/api/widget/tickets/${id}/end/`)]);
      confirming = 0;
      typingStop();
      store.save();
      render();
      focusView();
      if (id === state.ticket) sync().catch(noop); // the "ended the chat" notice
    } catch (e) {
      error.textContent = problems(e)[1];
      button.disabled = false;
    }
  }

  // A form about ticket `id`: posted, then replaced by what `after` makes of the answer.
  async function send(id, form, path, body, after) {
    if (busy) return;
    busy = form.submit.disabled = true;
    try {
      const data = await api("POST", `/api/widget/tickets/${id}/${path}/`, body);
      const note = notice(`parley-${path}-done`, after(data));
      store.save();
      form.el.replaceWith(note);
      note.focus();
    } catch (e) {
      showErrors(form, ...problems(e));
    } finally {
      busy = form.submit.disabled = false;
    }
  }

  // The server sends it now if the chat has ended, else when it ends ("when").
  function mailForm(id, intro, label) {
    const form = makeForm("transcript", intro, [["email", T.email, { type: "email", autocomplete: "email", maxlength: "254" }]], label, (event) => {
      event.preventDefault();
      const email = form.inputs.email.value.trim();
      if (showErrors(form, emailErrors(email))) return;
      send(id, form, "transcript", { email }, (data) => {
        state.tickets[id].mailed = data.email;
        // This notice is the one renderMail would draw: keep it, and its focus.
        if (id === state.ticket) ui.mailKey = mailKey();
        return say(data.when === "on_end" ? "mailedOnEnd" : "mailed", data.email);
      });
    });
    prefill(form);
    return form;
  }

  // During a chat: a link to ask for the transcript when it ends, then what was asked.
  const mailKey = (info = ticketInfo()) => (info && !ended() && !stopped ? state.ticket + ":" + (info.mailed || "") : "");
  function renderMail() {
    const key = mailKey();
    if (key === ui.mailKey) return;
    ui.mailKey = key;
    const mailed = key && ticketInfo().mailed;
    const ask = () => {
      const form = mailForm(state.ticket, T.later, T.mailMe);
      const cancel = () => ((ui.mailKey = null), renderMail(), ui.mail.firstChild?.focus());
      form.actions.prepend(h("button", { type: "button", class: "btn ghost", text: T.cancel, onclick: cancel }));
      ui.mail.replaceChildren(form.el);
      form.inputs.email.focus();
    };
    const link = h("button", { type: "button", class: "link", "data-testid": "parley-transcript-later", text: T.later, onclick: ask });
    ui.mail.replaceChildren(...(!key ? [] : [mailed ? notice("parley-transcript-done", say("mailedOnEnd", mailed)) : link]));
  }

  function endedPane() {
    const id = state.ticket;
    const info = ticketInfo();
    let stars = 0;
    const comment = ["comment", T.comment, { rows: "2", maxlength: "1000" }];
    const rating = makeForm("rating", T.rate, [comment], T.sendRating, (event) => {
      event.preventDefault();
      if (!stars) return showErrors(rating, null, T.pick) && row.firstChild.focus();
      send(id, rating, "rating", { rating: stars, comment: rating.inputs.comment.value.trim() }, () => ((info.rated = true), T.rated));
    });
    const row = h("div", { class: "stars", role: "group", "aria-label": T.rate, onkeydown: (e) => arrows(e, 1, true) });
    for (let value = 1; value <= 5; value++) {
      const pick = () => {
        stars = value;
        for (const b of row.children) {
          b.classList.toggle("on", b.dataset.value <= value);
          b.setAttribute("aria-pressed", String(b.dataset.value == value));
        }
      };
      row.append(
        h("button", {
          type: "button",
          class: "star",
          "data-testid": "parley-rating-star",
          "data-value": value,
          "aria-label": say("star", value),
          "aria-pressed": "false",
          text: "★",
          onclick: pick,
        })
      );
    }
    rating.el.firstChild.after(row);
    const transcript = mailForm(id, T.transcript, T.sendTranscript);
    return h(
      "div",
      {},
      h("div", { class: "note" }, h("span", { text: T.ended }), ui.newBtn),
      info.rated || summary(id).rating ? notice("parley-rating-done", T.rated) : rating.el,
      info.mailed ? notice("parley-transcript-done", say("mailed", info.mailed)) : transcript.el
    );
  }

  function bottomMode() {
    if (view === "list") return "list";
    if (state.ticket) {
      if (ended()) return "ended";
      if (confirming === state.ticket) return "confirm";
      return state.ticket === doneFor && agentsOnline === false ? "done" : "compose";
    }
    if (prechatForced) return "prechat";
    if (state.outbox.some((e) => e.ticket === null)) return "compose";
    // The offline form asks for an email anyway, so it replaces the pre-chat form.
    if (cfg.offline_form && agentsOnline === false) return "offline";
    return needsPrechat() ? "prechat" : "compose";
  }

  function renderBottom() {
    const mode = bottomMode();
    // An ended conversation's forms belong to it: another one gets fresh ones.
    const key = mode === "ended" ? mode + state.ticket : mode;
    if (key === ui.key) return;
    const before = ui.mode;
    const inside = ui.bottom.contains(ui.root.activeElement);
    ui.mode = mode;
    ui.key = key;
    // A draft follows the visitor between composer and offline form.
    const body = ui.offline.inputs.body;
    if (before === "offline" && mode === "compose" && !ui.input.value) [ui.input.value, body.value] = [body.value, ""];
    if (before === "compose" && mode === "offline" && !body.value) [body.value, ui.input.value] = [ui.input.value, ""];
    let pane = null;
    if (mode === "compose") pane = ui.compose;
    if (mode === "prechat") {
      const form = ui.prechat;
      const optional = cfg.prechat === "optional" && !prechatForced;
      for (const input of Object.values(form.inputs)) input.required = !optional;
      if (optional) form.actions.prepend(ui.skip);
      else ui.skip.remove();
      prefill(form);
      pane = form.el;
    }
    if (mode === "offline") {
      prefill(ui.offline);
      pane = ui.offline.el;
    }
    if (mode === "done") {
      pane = notice("parley-offline-done", say("thanks", doneEmail));
    }
    if (mode === "ended") pane = endedPane();
    if (mode === "confirm") {
      const cancel = () => {
        confirming = 0;
        render();
        focusView();
      };
      pane = h(
        "div",
        { class: "note" },
        h("strong", { text: T.endQ }),
        h(
          "div",
          { class: "actions" },
          h("button", { type: "button", class: "btn ghost", text: T.cancel, onclick: cancel }),
          h("button", { type: "button", class: "btn", "data-testid": "parley-end-confirm", text: T.end, onclick: endChat })
        ),
        h("div", { class: "form-err", role: "alert" })
      );
    }
    if (mode === "list") ui.bar.append(ui.newBtn);
    ui.bottom.replaceChildren(...(pane ? [pane] : []));
    ui.bottom.hidden = !pane;
    if (mode === "compose") onInput();
    if (inside) focusView();
  }

  function prefill(form) {
    for (const name of ["name", "email"]) if (form.inputs[name] && !form.inputs[name].value) form.inputs[name].value = state[name];
  }

  function items() {
    const out = [];
    const keys = new Set();
    for (const m of [...msgs.values()].sort((a, b) => a.seq - b.seq)) {
      if (m.internal) continue;
      keys.add("c:" + m.client_id);
      const own = m.sender.type === "visitor";
      const type = ["visitor", "agent", "bot", "system"].includes(m.sender.type) ? m.sender.type : "agent";
      out.push({
        key: m.client_id ? "c:" + m.client_id : "s:" + m.seq,
        seq: m.seq,
        type,
        name: own || type === "system" ? "" : m.sender.name || T.support,
        av: m.sender.avatar,
        body: m.body,
        att: m.attachment,
        time: timeOf(m.created_at),
        state: "sent",
        seen: own && m.seq <= agentSeen,
      });
    }
    for (const e of [...state.outbox, ...uploads.values()]) {
      if (e.ticket !== state.ticket || keys.has("c:" + e.client_id)) continue;
      const f = e.file;
      out.push({
        key: "c:" + e.client_id,
        seq: "",
        type: "visitor",
        name: "",
        body: e.body,
        att: f && { name: f.name, content_type: f.type, size: f.size },
        time: "",
        state: e.failed ? "failed" : "pending",
        error: e.failed || "",
        clientId: e.client_id,
      });
    }
    return out;
  }

  const sizeOf = (n) => (n < 1048576 ? Math.ceil(n / 1024) + " KB" : (n / 1048576).toFixed(1) + " MB");

  // `url` is a path on the server; anything that would lead elsewhere stays unlinked.
  function attachment(a) {
    const url = a.url && new URL(a.url, SERVER);
    const link = url && url.origin === SERVER ? { href: url.href, target: "_blank", rel: "noopener noreferrer" } : {};
    const image = link.href && /^image\//.test(a.content_type);
    return h(
      link.href ? "a" : "span",
      { class: "att", "data-testid": "parley-attachment", "data-content-type": a.content_type, ...link },
      image ? h("img", { src: link.href, alt: a.name }) : h("span", { text: `📄 ${a.name} (${sizeOf(a.size)})` })
    );
  }

  // Only http and https addresses become links; everything else stays text.
  function linkify(text) {
    const out = [];
    let at = 0;
    for (const m of text.matchAll(/\bhttps?:\/\/[^\s<>"]*[^\s<>".,;:!?'()[\]{}]/gi)) {
      out.push(text.slice(at, m.index), h("a", { href: m[0], target: "_blank", rel: "noopener noreferrer nofollow", text: m[0] }));
      at = m.index + m[0].length;
    }
    out.push(text.slice(at));
    return out;
  }

  function bubble(item, continued) {
    const meta = h("div", { class: "meta" });
    if (item.time) meta.append(h("span", { text: item.time }));
    if (item.type === "visitor") {
      if (item.state === "pending") meta.append(h("span", { text: T.sending }));
      const seen = item.seen ? T.seen : T.sent;
      if (item.state === "sent") meta.append(h("span", { class: "tick", title: seen, "aria-label": seen, text: item.seen ? "✓✓" : "✓" }));
      if (item.state === "failed")
        meta.append(
          h("span", { class: "failed", title: item.error, text: T.notSent }),
          h("button", { type: "button", class: "retry", text: T.retry, onclick: () => retry(item.clientId) }),
          h("button", { type: "button", class: "retry", text: T.remove, onclick: () => discard(item.clientId) })
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
      item.name && !continued
        ? h("div", { class: "name" }, /^\/api\/avatars\/\d+\/$/.test(item.av) && h("img", { class: "av", src: SERVER + item.av, alt: "" }), item.name)
        : null,
      h("div", { class: "bubble" }, item.att && attachment(item.att), ...linkify(item.body)),
      item.type === "system" ? null : meta
    );
  }

  function render(scrollToEnd = false) {
    if (!ui) return;
    renderStatus();
    renderBadge();
    renderTyping();
    renderQueue();
    const listView = view === "list";
    const shown = listView ? ui.convos : ui.chat;
    if (ui.main.firstChild !== shown) {
      ui.main.replaceChildren(shown);
      scrollToEnd = true;
    }
    if (!listView && state.list.length) {
      if (!ui.back.isConnected) ui.head.prepend(ui.back);
    } else ui.back.remove();
    ui.end.hidden = listView || stopped || !state.ticket || ended() || confirming === state.ticket;
    renderBottom();
    renderMail();
    if (listView) return renderList();
    ui.send.disabled = stopped || !ui.input.value.trim();
    ui.input.disabled = stopped;

    const list = ui.list;
    const nearEnd = list.scrollHeight - list.scrollTop - list.clientHeight < 60;
    const wanted = [];
    // The greeting is no message: no seq, never stored.
    if (cfg.greeting) {
      if (!bubbles.has("greeting")) {
        const el = h(
          "div",
          { class: "msg greeting", "data-testid": "parley-greeting" },
          cfg.name ? h("div", { class: "name", text: cfg.name }) : null,
          h("div", { class: "bubble", text: cfg.greeting })
        );
        bubbles.set("greeting", { el, sig: "" });
      }
      wanted.push(bubbles.get("greeting").el);
    }
    const all = items();
    all.forEach((item, i) => {
      const prev = all[i - 1];
      const continued = Boolean(prev && prev.type === item.type && prev.name === item.name);
      // Rebuilt only when changed; the key survives pending -> sent.
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

  // Rebuilt only when a row changes, keeping focus on its row.
  function renderList() {
    const rows = [...state.list]
      .sort((a, b) => (Date.parse(b.created_at) || 0) - (Date.parse(a.created_at) || 0) || b.id - a.id)
      .map((t) => [t.id, t.subject, t.status, t.created_at, unreadIn(t) > 0]);
    const sig = JSON.stringify(rows);
    if (sig === ui.listSig) return;
    ui.listSig = sig;
    const focused = ui.root.activeElement;
    const again = focused && ui.rows.contains(focused) && focused.dataset.ticketId;
    ui.rows.replaceChildren(
      h("h3", { text: rows.length ? T.yours : T.none }),
      ...rows.map(([id, subject, status, created, unread]) =>
        h(
          "button",
          {
            type: "button",
            class: "conv",
            "data-testid": "parley-conversation",
            "data-ticket-id": String(id),
            "data-status": status,
            "data-unread": unread ? "true" : null,
            onclick: () => openConversation(id),
          },
          h("span", { class: "conv-subject", text: subject || `${T.log} #${id}` }),
          h("span", { class: "conv-meta", text: [T[ended(id) ? status : "opened"], dayOf(created)].filter(Boolean).join(" · ") }),
          unread ? h("span", { class: "dot", role: "img", "aria-label": T.news }) : null
        )
      )
    );
    if (again) for (const row of ui.rows.children) if (row.dataset.ticketId === again) row.focus();
  }

  function renderStatus() {
    let text;
    let mode;
    if (stopped) [text, mode] = [T.unavailable, "offline"];
    else if (!ready) [text, mode] = [wasReady ? T.reconnecting : T.connecting, "connecting"];
    else if (agentsOnline) [text, mode] = [T.online, "online"];
    else [text, mode] = [T.away, "away"];
    if (ui.status.textContent !== text) ui.status.textContent = text;
    ui.status.dataset.state = mode;
  }

  function renderBadge() {
    if (!ui) return;
    const n = panelOpen ? 0 : unreadCount();
    ui.badge.hidden = n === 0;
    ui.badge.textContent = n > 9 ? "9+" : String(n);
    ui.launcher.setAttribute("aria-label", panelOpen ? T.close : n ? say("openN", n) : T.open);
  }

  function renderQueue() {
    const place = !ended() && summary(state.ticket)?.queue_position;
    const text = place ? (place === 1 ? T.next : say("inLine", place)) : "";
    ui.queue.hidden = !place;
    if (ui.queue.textContent !== text) ui.queue.textContent = text;
  }

  function renderTyping() {
    ui.typing.hidden = !typingIn;
    ui.typingText.textContent = typingIn ? say("typing", typingIn.name) : "";
  }

  // --- start ---

  // Nothing is drawn and no visitor made before the config answers.
  async function boot() {
    for (let attempt = 0; ; attempt++) {
      try {
        cfg = await api("GET", `/api/widget/config/?key=${encodeURIComponent(KEY)}`, null, null);
        T = cfg.words;
        lang = cfg.language;
        break;
      } catch (e) {
        if (e instanceof HttpError && e.status >= 400 && e.status < 500 && e.status !== 429) {
          // A wrong key, or a site that may not embed it: say so once, draw nothing.
          console.error(`Parley: ${(e.body && e.body.message) || `the widget config answered HTTP ${e.status}`}`);
          return;
        }
        await new Promise((wake) => setTimeout(wake, backoff(attempt)));
      }
    }
    if (!document.body) await new Promise((wake) => document.addEventListener("DOMContentLoaded", wake, { once: true }));
    agentsOnline = cfg.agents_online;
    mount();
    if (REOPEN) {
      live = true;
      await session({ reopen: REOPEN }).catch(noop);
      setOpen(true);
    }
    connect();
    document.addEventListener("visibilitychange", () => {
      markRead();
      if (document.visibilityState === "visible") {
        calm();
        if (!ws && !stopped) connect();
      }
    });
    window.addEventListener("online", () => !ws && connect());
    window.addEventListener("storage", (event) => {
      if (event.key !== STORAGE_KEY || !event.newValue) return;
      let other;
      try {
        other = JSON.parse(event.newValue);
      } catch (e) {
        return; // not ours to read: the next save brings it
      }
      if (other && other.v === 1) merge({ ...fresh(), ...other });
    });
    setInterval(probe, PROBE_EVERY);
    if (openWanted) setOpen(true);
  }

  // Read-only, for debugging and tests.
  window.Parley = Object.freeze({
    version: VERSION,
    state: () => ({ connected: ready, transport, ticket: state.ticket, lastSeq: lastSeq(), outbox: state.outbox.length, view }),
    open: () => (ui ? setOpen(true) : (openWanted = true)),
    close: () => (ui ? setOpen(false) : (openWanted = false)),
  });

  boot();
})();
