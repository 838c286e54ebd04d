// The assistant (docs/protocol.md "The assistant's answer stream"): a question
// is a POST answered as an event stream, read with fetch as it is written; the
// stored lines come by the normal seq path too, and answer.js keeps them shown
// once. Also its bar (Stop, Talk to a person), thumbs, and the email asked for
// when a handoff finds nobody online.

import { h } from "../../shared/dom.js";
import { EventStreamReader, newClientId, parseFrame } from "../../shared/protocol.js";
import { HttpError, api, session } from "./api.js";
import { applyEvent, newAnswer } from "./answer.js";
import { note, queue } from "./delivery.js";
import { EMAIL, SERVER, noop } from "./env.js";
import { makeForm, problems } from "./forms.js";
import { put, switchTicket, sync } from "./messages.js";
import { ctx, state, store, summary, ticketInfo } from "./state.js";
import { connect } from "./transport.js";
import { focusView, render, ui } from "./view.js";

/** Whether the visitor's next line goes to the assistant. */
export function asking() {
  if (!ctx.cfg.assistant || ctx.human) return false;
  if (state.ticket) return summary(state.ticket)?.assistant === "active";
  return !state.outbox.some((e) => e.ticket === null);
}

export async function ask(body) {
  const answer = newAnswer(body, newClientId(), state.ticket);
  ctx.answer = answer;
  render(true);
  try {
    ctx.wanted = true;
    if (!state.token || !ctx.sessionDone) await session();
    const payload = { body, client_id: answer.clientId, lang: ctx.lang };
    if (answer.ticket) payload.ticket = answer.ticket;
    const res = await fetch(SERVER + "/api/widget/assistant/questions/", {
      method: "POST",
      headers: {
        // JSON for a refusal before the stream starts (DRF negotiates on it).
        Accept: "text/event-stream, application/json",
        "Accept-Language": ctx.lang,
        "Content-Type": "application/json",
        Authorization: `Visitor ${state.token}`,
      },
      body: JSON.stringify(payload),
      credentials: "omit",
      mode: "cors",
    });
    if (!res.ok) throw new HttpError(res.status, await res.json().catch(() => null));
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    const events = new EventStreamReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      for (const data of events.push(decoder.decode(value, { stream: true }))) {
        const event = parseFrame(data);
        if (event && take(answer, event)) return reader.cancel().catch(noop);
      }
    }
  } catch (e) {
    if (ctx.answer !== answer) return;
    ctx.answer = null;
    if (e instanceof HttpError && e.body?.code === "assistant_off") {
      // Turned off (or a person took over) since this page learned otherwise.
      const t = summary(answer.ticket);
      if (t) t.assistant = "handed_off";
      else ctx.cfg.assistant = false;
      return queue(body);
    }
    if (!answer.question) {
      // Never stored: the words go back to the composer.
      if (!ui.input.value) ui.input.value = body;
      ui.hint.textContent = problems(e)[1];
    } else sync().catch(noop); // the answer is stored all the same: replay brings it
  } finally {
    if (ctx.answer === answer) ctx.answer = null;
    store.save();
    render();
  }
}

// One event of `answer`'s stream; true once it is over.
function take(answer, event) {
  if (ctx.answer !== answer) return true;
  const over = applyEvent(answer, event);
  if (event.type === "question") {
    const id = answer.ticket;
    const born = note(id, answer.question);
    if (born || !summary(id).assistant) summary(id).assistant = "active";
    if (state.ticket !== id) {
      switchTicket(id);
      ctx.historyLoaded = true;
    }
    put(answer.question, born ? 0 : null);
    connect(); // the socket brings what the team writes
  }
  if (event.type === "handoff") {
    summary(answer.ticket).assistant = "handed_off";
    if (event.agents_online === false && event.offline_form) ctx.mailFor = answer.ticket;
    ctx.agentsOnline = event.agents_online;
  }
  if (event.type === "done" && answer.message) {
    note(answer.ticket, answer.message);
    if (answer.outcome !== "handoff") (state.tickets[answer.ticket].answers ||= {})[answer.message.id] = 0;
    if (state.ticket === answer.ticket) put(answer.message);
  }
  if (over) {
    ctx.answer = null;
    if (answer.outcome === "error") ui.hint.textContent = answer.error;
  }
  store.save();
  render(true);
  return over;
}

function stopAnswer() {
  const question = ctx.answer && ctx.answer.question;
  if (question) api("POST", `/api/widget/assistant/questions/${question.id}/stop/`).catch(noop);
}

async function talkToPerson(event) {
  const button = event.currentTarget;
  const id = state.ticket;
  if (!id) {
    // Nothing asked yet: the first line goes to people (or the offline form).
    ctx.human = true;
    render();
    return focusView();
  }
  button.disabled = true;
  try {
    stopAnswer();
    const data = await api("POST", `/api/widget/tickets/${id}/handoff/`, { lang: ctx.lang });
    const t = summary(id);
    Object.assign(t, data.ticket);
    t.assistant = "handed_off";
    ctx.agentsOnline = data.agents_online;
    if (!data.agents_online && data.offline_form) ctx.mailFor = id;
    store.save();
    sync().catch(noop);
    render(true);
    focusView();
  } catch (e) {
    button.disabled = false;
    ui.hint.textContent = problems(e)[1];
  }
}

/** Thumbs up or down on answer `id` of the shown conversation. */
export async function rate(id, helpful) {
  const answers = ticketInfo().answers;
  const before = answers[id];
  answers[id] = helpful;
  render();
  try {
    await api("POST", `/api/widget/assistant/answers/${id}/rating/`, { helpful });
    store.save();
  } catch {
    answers[id] = before;
    render();
  }
}

/** The assistant's bar under the composer: Stop while it writes, and a person. */
export function askPane() {
  const stop = h("button", { type: "button", class: "btn ghost", "data-testid": "parley-stop", text: ctx.T.stop, onclick: stopAnswer });
  const person = h("button", { type: "button", class: "link", "data-testid": "parley-talk-to-person", text: ctx.T.person, onclick: talkToPerson });
  ui.stop = stop;
  return h("div", {}, ui.compose, h("div", { class: "askbar" }, stop, person));
}

/** Nobody online after a handoff: the email replies go to. */
export function mailPane() {
  const id = state.ticket;
  const form = makeForm("handoff", ctx.T.offline, [["email", ctx.T.email, { type: "email", autocomplete: "email", maxlength: "254", required: true }]], ctx.T.send, async (event) => {
    event.preventDefault();
    const email = form.inputs.email.value.trim();
    if (!EMAIL.test(email)) {
      form.error.textContent = email ? ctx.T.badEmail : ctx.T.needEmail;
      return form.inputs.email.focus();
    }
    form.submit.disabled = true;
    try {
      await session({ email, name: state.name });
      ctx.mailFor = 0;
      ctx.doneFor = id;
      ctx.doneEmail = email;
      render();
      focusView();
    } catch (e) {
      form.error.textContent = problems(e)[1];
      form.submit.disabled = false;
    }
  });
  form.inputs.email.value = state.email;
  return form.el;
}
