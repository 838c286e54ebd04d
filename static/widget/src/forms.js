// The forms: pre-chat, offline message, ending a chat, its rating and
// transcript, and which of them (or the composer) the bottom of the panel shows.
// Errors land under their field, as text.

import { h } from "../../shared/dom.js";
import { newClientId } from "../../shared/protocol.js";
import { HttpError, api, session } from "./api.js";
import { askPane, asking, mailPane } from "./assistant.js";
import { arrows, onInput } from "./composer.js";
import { flush, note } from "./delivery.js";
import { EMAIL, noop } from "./env.js";
import { notice, say } from "./look.js";
import { put, switchTicket, sync } from "./messages.js";
import { typingStop } from "./receipts.js";
import { ctx, ended, mergeList, state, store, summary, ticketInfo } from "./state.js";
import { connect, stop } from "./transport.js";
import { focusView, render, ui } from "./view.js";

// `name` is the field name the server's `fields` use.
export function makeForm(kind, intro, specs, label, onsubmit) {
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

export const problems = (e) =>
  e instanceof HttpError
    ? [e.body.fields, e.body.message || ctx.T.oops]
    : [null, ctx.T.unreachable];


const needsPrechat = () =>
  ctx.prechatForced ||
  (ctx.cfg.prechat === "required" && !(state.name && state.email)) ||
  (ctx.cfg.prechat === "optional" && !state.asked && !(state.name && state.email));

export async function submitPrechat(event) {
  event.preventDefault();
  const form = ui.prechat;
  if (ctx.busy) return;
  const name = form.inputs.name.value.trim();
  const email = form.inputs.email.value.trim();
  const required = ctx.cfg.prechat === "required" || ctx.prechatForced;
  const errors = required || email ? emailErrors(email) : {};
  if (required && !name) errors.name = ctx.T.needName;
  if (showErrors(form, errors)) return;
  if (!name && !email) return skipPrechat();
  ctx.busy = form.submit.disabled = true;
  ctx.wanted = true;
  try {
    await session({ name, email });
    state.asked = true;
    ctx.prechatForced = false;
    store.save();
    connect();
    flush();
    render();
  } catch (e) {
    if (e instanceof HttpError && e.status === 403) stop();
    showErrors(form, ...problems(e));
  } finally {
    ctx.busy = form.submit.disabled = false;
  }
}

export function skipPrechat() {
  state.asked = true;
  store.save();
  render();
  focusView();
}

export async function submitOffline(event) {
  event.preventDefault();
  const form = ui.offline;
  if (ctx.busy) return;
  const email = form.inputs.email.value.trim();
  const name = form.inputs.name.value.trim();
  const body = form.inputs.body.value.trim();
  const errors = emailErrors(email);
  if (!body) errors.body = ctx.T.needBody;
  if (showErrors(form, errors)) return;
  ctx.busy = form.submit.disabled = true;
  ctx.wanted = true;
  try {
    if (!state.token || !ctx.sessionDone) await session();
    ctx.offlineClientId ||= newClientId();
    const data = await api("POST", "/api/widget/offline/", { email, name, body, client_id: ctx.offlineClientId });
    ctx.offlineClientId = null;
    form.inputs.body.value = "";
    Object.assign(state, { email, name: name || state.name, asked: true });
    const id = typeof data.ticket === "object" ? data.ticket.id : data.ticket;
    note(id, data.message);
    if (state.ticket !== id) switchTicket(id);
    ctx.historyLoaded = true;
    put(data.message, 0);
    ctx.doneFor = id;
    ctx.doneEmail = email;
    store.save();
    connect(); // replies come over the socket
    render(true);
    sync().catch(noop);
  } catch (e) {
    // 401: the token lapsed; the next try starts a session first.
    if (e instanceof HttpError && e.status === 401) ctx.sessionDone = false;
    if (e instanceof HttpError && e.status === 400) ctx.offlineClientId = null;
    showErrors(form, ...problems(e));
    // Turned off since the config was read: chat instead, keeping the draft.
    if (e instanceof HttpError && e.body.code === "offline_form_disabled") {
      ctx.cfg.offline_form = false;
      render();
    }
  } finally {
    ctx.busy = form.submit.disabled = false;
  }
}

const emailErrors = (email) => (!email ? { email: ctx.T.needEmail } : EMAIL.test(email) ? {} : { email: ctx.T.badEmail });



async function endChat(event) {
  const id = state.ticket;
  const button = event.target;
  const error = button.parentNode.nextSibling;
  button.disabled = true;
  try {
    mergeList([await api("POST", `/api/widget/tickets/${id}/end/`)]);
    ctx.confirming = 0;
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
export async function send(id, form, path, body, after) {
  if (ctx.busy) return;
  ctx.busy = form.submit.disabled = true;
  try {
    const data = await api("POST", `/api/widget/tickets/${id}/${path}/`, body);
    const note = notice(`parley-${path}-done`, after(data));
    store.save();
    form.el.replaceWith(note);
    note.focus();
  } catch (e) {
    showErrors(form, ...problems(e));
  } finally {
    ctx.busy = form.submit.disabled = false;
  }
}

// The server sends it now if the chat has ended, else when it ends ("when").
function mailForm(id, intro, label) {
  const form = makeForm("transcript", intro, [["email", ctx.T.email, { type: "email", autocomplete: "email", maxlength: "254" }]], label, (event) => {
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
const mailKey = (info = ticketInfo()) => (info && !ended() && !ctx.stopped ? state.ticket + ":" + (info.mailed || "") : "");
export function renderMail() {
  const key = mailKey();
  if (key === ui.mailKey) return;
  ui.mailKey = key;
  const mailed = key && ticketInfo().mailed;
  const ask = () => {
    const form = mailForm(state.ticket, ctx.T.later, ctx.T.mailMe);
    const cancel = () => ((ui.mailKey = null), renderMail(), ui.mail.firstChild?.focus());
    form.actions.prepend(h("button", { type: "button", class: "btn ghost", text: ctx.T.cancel, onclick: cancel }));
    ui.mail.replaceChildren(form.el);
    form.inputs.email.focus();
  };
  const link = h("button", { type: "button", class: "link", "data-testid": "parley-transcript-later", text: ctx.T.later, onclick: ask });
  ui.mail.replaceChildren(...(!key ? [] : [mailed ? notice("parley-transcript-done", say("mailedOnEnd", mailed)) : link]));
}

function endedPane() {
  const id = state.ticket;
  const info = ticketInfo();
  let stars = 0;
  const comment = ["comment", ctx.T.comment, { rows: "2", maxlength: "1000" }];
  const rating = makeForm("rating", ctx.T.rate, [comment], ctx.T.sendRating, (event) => {
    event.preventDefault();
    if (!stars) return showErrors(rating, null, ctx.T.pick) && row.firstChild.focus();
    send(id, rating, "rating", { rating: stars, comment: rating.inputs.comment.value.trim() }, () => ((info.rated = true), ctx.T.rated));
  });
  const row = h("div", { class: "stars", role: "group", "aria-label": ctx.T.rate, onkeydown: (e) => arrows(e, 1, true) });
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
  const transcript = mailForm(id, ctx.T.transcript, ctx.T.sendTranscript);
  return h(
    "div",
    {},
    h("div", { class: "note" }, h("span", { text: ctx.T.ended }), ui.newBtn),
    info.rated || summary(id).rating ? notice("parley-rating-done", ctx.T.rated) : rating.el,
    info.mailed ? notice("parley-transcript-done", say("mailed", info.mailed)) : transcript.el
  );
}

function bottomMode() {
  if (ctx.view === "list") return "list";
  if (state.ticket) {
    if (ended()) return "ended";
    if (ctx.confirming === state.ticket) return "confirm";
    if (state.ticket === ctx.mailFor && ctx.agentsOnline === false) return "mail";
    if (state.ticket === ctx.doneFor && ctx.agentsOnline === false) return "done";
    return asking() ? "ask" : "compose";
  }
  if (ctx.prechatForced) return "prechat";
  if (state.outbox.some((e) => e.ticket === null)) return "compose";
  // The assistant answers whether or not anyone is online.
  if (asking()) return needsPrechat() ? "prechat" : "ask";
  // The offline form asks for an email anyway, so it replaces the pre-chat form.
  if (ctx.cfg.offline_form && ctx.agentsOnline === false) return "offline";
  return needsPrechat() ? "prechat" : "compose";
}

export function renderBottom() {
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
  if (/^(compose|ask)$/.test(before) && mode === "offline" && !body.value) [body.value, ui.input.value] = [ui.input.value, ""];
  let pane = null;
  if (mode === "compose") pane = ui.compose;
  if (mode === "ask") pane = askPane();
  if (mode === "mail") pane = mailPane();
  if (mode === "prechat") {
    const form = ui.prechat;
    const optional = ctx.cfg.prechat === "optional" && !ctx.prechatForced;
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
    pane = notice("parley-offline-done", say("thanks", ctx.doneEmail));
  }
  if (mode === "ended") pane = endedPane();
  if (mode === "confirm") {
    const cancel = () => {
      ctx.confirming = 0;
      render();
      focusView();
    };
    pane = h(
      "div",
      { class: "note" },
      h("strong", { text: ctx.T.endQ }),
      h(
        "div",
        { class: "actions" },
        h("button", { type: "button", class: "btn ghost", text: ctx.T.cancel, onclick: cancel }),
        h("button", { type: "button", class: "btn", "data-testid": "parley-end-confirm", text: ctx.T.end, onclick: endChat })
      ),
      h("div", { class: "form-err", role: "alert" })
    );
  }
  if (mode === "list") ui.bar.append(ui.newBtn);
  ui.bottom.replaceChildren(...(pane ? [pane] : []));
  ui.bottom.hidden = !pane;
  ui.bottom.dataset.mode = mode;
  if (mode === "compose" || mode === "ask") onInput();
  if (inside) focusView();
}

function prefill(form) {
  for (const name of ["name", "email"]) if (form.inputs[name] && !form.inputs[name].value) form.inputs[name].value = state[name];
}

