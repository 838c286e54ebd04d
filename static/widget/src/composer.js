// The composer: typing, sending, emoji and attachments.

import { newClientId } from "../../shared/protocol.js";
import { api, session } from "./api.js";
import { suggest } from "./articles.js";
import { ask, asking } from "./assistant.js";
import { flush, onAck, queue } from "./delivery.js";
import { FILE_TYPES } from "./env.js";
import { problems } from "./forms.js";
import { HttpError } from "./http.js";
import { typingInput, typingStop } from "./receipts.js";
import { ctx, state, uploads } from "./state.js";
import { render, ui } from "./view.js";

export function onInput() {
  const input = ui.input;
  input.style.height = "auto";
  input.style.height = Math.min(input.scrollHeight + 2, 120) + "px";
  ui.send.disabled = ctx.stopped || Boolean(ctx.answer) || !input.value.trim();
  ui.hint.textContent = "";
  if (ui.stop) ui.stop.hidden = !ctx.answer;
  // The assistant is no one to tell about typing.
  if (!asking()) typingInput(Boolean(input.value.trim()));
  suggest(input.value);
}

export function onKeydown(event) {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    submit();
  }
}

export function onFormKeydown(event) {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    event.target.form.requestSubmit();
  }
}

export function submit() {
  const body = ui.input.value.trim();
  if (!body || ctx.stopped || ctx.answer) return;
  ui.input.value = "";
  onInput();
  typingStop();
  if (asking()) ask(body);
  else queue(body);
  ui.input.focus();
}


// Refused before uploading; the server judges by the bytes all the same.
export function onFile() {
  const file = ui.file.files[0];
  ui.file.value = "";
  if (!file) return;
  const problem = !FILE_TYPES.test(file.type) ? ctx.T.fileType : file.size > ctx.cfg.limits.attachment_bytes ? ctx.T.fileSize : "";
  ui.hint.textContent = problem;
  if (problem) return;
  const body = ui.input.value.trim(); // a caption
  ui.input.value = "";
  onInput();
  upload({ client_id: newClientId(), ticket: state.ticket, body, file });
}

// A file may open the conversation; then, like a first message, it is the only
// thing that may, and anything else waits for its ticket (see confirm).
export async function upload(entry) {
  const id = entry.client_id;
  clearHint(entry);
  delete entry.failed;
  delete entry.rejected;
  uploads.set(id, entry);
  render(true);
  const form = new FormData();
  for (const key of ["file", "body", "client_id"]) form.append(key, entry[key]);
  try {
    if (!ctx.sessionDone) await session();
    while (!entry.ticket && ctx.ticketlessInFlight && ctx.ticketlessInFlight !== id) await new Promise((r) => setTimeout(r, 200));
    if (!entry.ticket) ctx.ticketlessInFlight = id;
    const data = await api("POST", `/api/widget/tickets/${entry.ticket ? entry.ticket + "/attachments/" : ""}`, form);
    onAck(data.ticket, data.message);
  } catch (e) {
    if (ctx.ticketlessInFlight === id) ctx.ticketlessInFlight = null;
    if (!uploads.has(id)) return;
    entry.failed = ui.hint.textContent = problems(e)[1];
    // Refused for what the file is (its type, its size): sending the same bytes
    // again cannot help, so the visitor is offered Remove only.
    entry.rejected = e instanceof HttpError && [400, 413, 415].includes(e.status);
    render();
    flush();
  }
}

// Arrow keys move through a group of buttons, a row of `cols` up or down;
// `choose` picks as it moves, as in a radio group.
export function arrows(e, cols, choose) {
  const list = [...e.currentTarget.children];
  const step = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -cols, ArrowDown: cols }[e.key];
  const to = step && list[list.indexOf(e.target) + step];
  if (!to) return;
  e.preventDefault();
  to.focus();
  if (choose) to.click();
}

export function showEmoji(open) {
  ui.emojis.hidden = !open;
  ui.emoji.setAttribute("aria-expanded", String(open));
  if (open) ui.emojis.firstChild.focus();
}

export function insert(text) {
  const input = ui.input;
  input.setRangeText(text, input.selectionStart, input.selectionEnd, "end");
  showEmoji(false);
  input.focus();
  onInput();
}

// The composer's line about `entry` goes when the entry is retried or removed;
// a line about anything since stays.
export function clearHint(entry) {
  if (entry.failed && ui.hint.textContent === entry.failed) ui.hint.textContent = "";
}
