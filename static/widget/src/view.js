// The panel: built once around the launcher the loader drew, then kept in step
// with the state by render(), which rebuilds only what changed.

import { h } from "../../shared/dom.js";
import CSS from "./widget.css";
import { articlesBox } from "./articles.js";
import { arrows, insert, onFile, onFormKeydown, onInput, onKeydown, showEmoji, submit } from "./composer.js";
import { makeForm, renderBottom, renderMail, skipPrechat, submitOffline, submitPrechat } from "./forms.js";
import { EMOJI } from "./env.js";
import { dayOf, say } from "./look.js";
import { load, switchTicket } from "./messages.js";
import { ICON_BACK, ICON_CHAT, ICON_CLIP, ICON_CLOSE, ICON_SEND, ICON_SMILE, icon } from "./paint.js";
import { markRead, typingStop, unreadCount, unreadHere, unreadIn } from "./receipts.js";
import { ctx, ended, state, summary } from "./state.js";
import { bubble, items } from "./thread.js";
import { connect } from "./transport.js";

// Filled by mount(); empty until then.
export const ui = {};
const bubbles = new Map(); // key -> {el, sig}

/** `drawn`: what the loader put on the page ({host, root, wrap, launcher, badge}). */
export function mount(drawn) {
  const { host, root, wrap, launcher, badge } = drawn;
  const style = h("style", { text: CSS });
  const title = ctx.cfg.name ? say("chatWith", ctx.cfg.name) : ctx.T.chatUs;
  launcher.addEventListener("click", () => setOpen(!ctx.panelOpen));
  const back = h(
    "button",
    { type: "button", class: "back", "data-testid": "parley-back", "aria-label": ctx.T.all, onclick: showList },
    icon(ICON_BACK)
  );
  const status = h("div", { class: "status", "data-testid": "parley-status", "aria-live": "polite" });
  // New messages are read out by the live region alone, not twice.
  const list = h("div", {
    class: "log",
    role: "log",
    "aria-live": "off",
    "aria-label": ctx.T.log,
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
    maxlength: String(ctx.cfg.limits.message_length),
    placeholder: ctx.T.write,
    "aria-label": ctx.T.message,
    "data-testid": "parley-input",
    oninput: onInput,
    onkeydown: onKeydown,
  });
  const send = h(
    "button",
    { type: "button", class: "send", "data-testid": "parley-send", "aria-label": ctx.T.send, disabled: true, onclick: submit },
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
  const attach = tool("parley-attach", ctx.T.attach, ICON_CLIP, () => file.click());
  const emoji = tool("parley-emoji", ctx.T.emoji, ICON_SMILE, () => showEmoji(emojis.hidden), { "aria-expanded": "false" });
  const closeEmoji = (e) => e.key === "Escape" && (e.stopPropagation(), showEmoji(false), emoji.focus());
  const emojis = h(
    "div",
    { class: "emojis", role: "group", "aria-label": ctx.T.emoji, hidden: true, onkeydown: (e) => closeEmoji(e) || arrows(e, 8) },
    ...EMOJI.map((text) => h("button", { type: "button", "data-testid": "parley-emoji-option", text, onclick: () => insert(text) }))
  );
  const hint = h("div", { class: "form-err hint", role: "alert" });
  const askEnd = () => ((ctx.confirming = state.ticket), render(), focusView());
  const end = h("button", { type: "button", class: "end", "data-testid": "parley-end", text: ctx.T.end, hidden: true, onclick: askEnd });
  const prechat = makeForm(
    "prechat",
    ctx.T.prechat,
    [
      ["name", ctx.T.name, { type: "text", autocomplete: "name", maxlength: "120" }],
      ["email", ctx.T.email, { type: "email", autocomplete: "email", maxlength: "254" }],
    ],
    ctx.T.start,
    submitPrechat
  );
  const skip = h("button", { type: "button", class: "btn ghost", "data-testid": "parley-prechat-skip", text: ctx.T.skip, onclick: skipPrechat });
  const offline = makeForm(
    "offline",
    ctx.T.offline,
    [
      ["email", ctx.T.email, { type: "email", autocomplete: "email", maxlength: "254", required: true }],
      ["name", ctx.T.nameOpt, { type: "text", autocomplete: "name", maxlength: "120" }],
      ["body", ctx.T.message, { rows: "4", maxlength: String(ctx.cfg.limits.message_length), required: true, onkeydown: onFormKeydown }],
    ],
    ctx.T.send,
    submitOffline
  );
  const newBtn = h("button", {
    type: "button",
    class: "btn",
    "data-testid": "parley-new-conversation",
    text: ctx.T.newConvo,
    onclick: newConversation,
  });
  const rows = h("div", { class: "rows" });
  const bar = h("div", { class: "bar" });
  const convos = h("div", { class: "convos", "data-testid": "parley-conversations" }, rows, bar);
  const bottom = h("div", { class: "bottom" });
  const chat = h("div", { class: "chat" }, list, queue, typing, articlesBox(), bottom);
  const main = h("div", { class: "main" });
  const head = h(
    "header",
    { class: "head" },
    h("div", { class: "head-text" }, h("h2", { class: "title", text: title }), status),
    end,
    h(
      "button",
      { type: "button", class: "close", "aria-label": ctx.T.close, onclick: () => (setOpen(false), launcher.focus()) },
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
    h("div", { class: "foot", text: ctx.T.powered })
  );
  // Outside the panel, so news is read out while it is closed too.
  const live = h("div", { class: "sr", "data-testid": "parley-live", "aria-live": "polite" });
  root.append(style);
  wrap.prepend(panel);
  wrap.append(live);
  Object.assign(ui, { root, host, launcher, badge, panel, head, back, status, list, queue, typing, typingText, input, send });
  Object.assign(ui, { prechat, skip, offline, newBtn, rows, bar, convos, bottom, chat, main, mode: null, listSig: "" });
  Object.assign(ui, { file, emoji, emojis, hint, end, live });
  ui.mail = h("div", { class: "later" });
  // With the typing sneak peek on, agents read the draft: the visitor is told so.
  const peek = ctx.cfg.typing_preview && h("div", { class: "peek", "data-testid": "parley-typing-visible", text: ctx.T.typingVisible });
  ui.compose = h("div", {}, emojis, hint, h("div", { class: "compose" }, attach, emoji, input, send, file), peek, ui.mail);
  render();
}

export function setOpen(open) {
  ctx.panelOpen = open;
  if (open && !ctx.view) {
    // Several conversations, nothing new or pending in the last: let the visitor pick.
    ctx.view = state.list.length > 1 && !unreadHere() && !state.outbox.length ? "list" : "chat";
  }
  if (open && !ctx.wanted) {
    ctx.wanted = true;
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
  ctx.view = "list";
  render();
  focusView();
}

function openConversation(id) {
  ctx.view = "chat";
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
  ctx.view = "chat";
  if (state.ticket) {
    typingStop();
    switchTicket(null);
  }
  render(true);
  focusView();
}

export function focusView() {
  if (!ctx.panelOpen) return;
  const target =
    ctx.view === "list"
      ? ui.rows.querySelector(".conv") || ui.newBtn
      : { compose: ui.input, ask: ui.input, prechat: ui.prechat.inputs.name, offline: ui.offline.inputs.email }[ui.mode] ||
        ui.bottom.querySelector(".star") ||
        ui.bottom.querySelector("button, input") ||
        ui.bottom.firstChild;
  if (target) target.focus();
}

export function render(scrollToEnd = false) {
  if (!ui.root) return;
  renderStatus();
  renderBadge();
  renderTyping();
  renderQueue();
  const listView = ctx.view === "list";
  const shown = listView ? ui.convos : ui.chat;
  if (ui.main.firstChild !== shown) {
    ui.main.replaceChildren(shown);
    scrollToEnd = true;
  }
  if (!listView && state.list.length) {
    if (!ui.back.isConnected) ui.head.prepend(ui.back);
  } else ui.back.remove();
  ui.end.hidden = listView || ctx.stopped || !state.ticket || ended() || ctx.confirming === state.ticket;
  // Articles are for before a conversation: once it has begun, people (or the assistant) answer.
  ui.arts.hidden = ctx.stopped || Boolean(state.ticket || ctx.answer);
  renderBottom();
  renderMail();
  if (listView) return renderList();
  ui.send.disabled = ctx.stopped || Boolean(ctx.answer) || !ui.input.value.trim();
  if (ui.stop) ui.stop.hidden = !ctx.answer;
  ui.input.disabled = ctx.stopped;

  const list = ui.list;
  const nearEnd = list.scrollHeight - list.scrollTop - list.clientHeight < 60;
  const wanted = [];
  // The greeting is no message: no seq, never stored.
  if (ctx.cfg.greeting) {
    if (!bubbles.has("greeting")) {
      const el = h(
        "div",
        { class: "msg greeting", "data-testid": "parley-greeting" },
        ctx.cfg.name ? h("div", { class: "name", text: ctx.cfg.name }) : null,
        h("div", { class: "bubble", text: ctx.cfg.greeting })
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
    h("h3", { text: rows.length ? ctx.T.yours : ctx.T.none }),
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
        h("span", { class: "conv-subject", text: subject || `${ctx.T.log} #${id}` }),
        h("span", { class: "conv-meta", text: [ctx.T[ended(id) ? status : "opened"], dayOf(created)].filter(Boolean).join(" · ") }),
        unread ? h("span", { class: "dot", role: "img", "aria-label": ctx.T.news }) : null
      )
    )
  );
  if (again) for (const row of ui.rows.children) if (row.dataset.ticketId === again) row.focus();
}

function renderStatus() {
  let text;
  let mode;
  if (ctx.stopped) [text, mode] = [ctx.T.unavailable, "offline"];
  else if (!ctx.ready) [text, mode] = [ctx.wasReady ? ctx.T.reconnecting : ctx.T.connecting, "connecting"];
  else if (ctx.agentsOnline) [text, mode] = [ctx.T.online, "online"];
  else [text, mode] = [ctx.T.away, "away"];
  if (ui.status.textContent !== text) ui.status.textContent = text;
  ui.status.dataset.state = mode;
}

export function renderBadge() {
  if (!ui.root) return;
  const n = ctx.panelOpen ? 0 : unreadCount();
  ui.badge.hidden = n === 0;
  ui.badge.textContent = n > 9 ? "9+" : String(n);
  ui.launcher.setAttribute("aria-label", ctx.panelOpen ? ctx.T.close : n ? say("openN", n) : ctx.T.open);
}

function renderQueue() {
  const place = !ended() && summary(state.ticket)?.queue_position;
  const text = place ? (place === 1 ? ctx.T.next : say("inLine", place)) : "";
  ui.queue.hidden = !place;
  if (ui.queue.textContent !== text) ui.queue.textContent = text;
}

export function renderTyping() {
  ui.typing.hidden = !ctx.typingIn;
  ui.typingText.textContent = ctx.typingIn ? say("typing", ctx.typingIn.name) : "";
}


