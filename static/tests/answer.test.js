// The assistant's answer as its event stream builds it (static/widget/src/answer.js).

import assert from "node:assert/strict";
import { test } from "node:test";

import { EventStreamReader, parseFrame } from "../shared/protocol.js";
import { applyEvent, draftShows, newAnswer, safeSources } from "../widget/src/answer.js";

const SERVER = "https://help.example";
const question = { id: 7, seq: 3, sender: { type: "visitor" }, body: "plan?" };
const stored = { id: 9, seq: 4, sender: { type: "bot" }, body: "Open Settings." };

/** Feeds `raw` to a fresh answer in chunks of `size` characters, as fetch might. */
function play(raw, size) {
  const answer = newAnswer("plan?", "c1");
  const reader = new EventStreamReader();
  const seen = [];
  let over = false;
  for (let at = 0; at < raw.length && !over; at += size) {
    for (const data of reader.push(raw.slice(at, at + size))) {
      over = applyEvent(answer, parseFrame(data));
      seen.push(answer.text);
    }
  }
  return { answer, seen, over };
}

const sse = (event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
const STREAM =
  "retry: 2000\n\n" +
  sse({ type: "question", ticket: 5, message: question }) +
  sse({ type: "token", text: "Open " }) +
  sse({ type: "token", text: "Settings." }) +
  sse({ type: "sources", sources: [{ article: 1, title: "Plans", heading: "Change", url: `${SERVER}/help/k/en/articles/plans/#change` }] }) +
  sse({ type: "done", outcome: "answered", ticket: 5, message: stored });

test("an answer grows token by token and ends with the stored line, however the stream is cut", () => {
  for (const size of [1, 7, 64, STREAM.length]) {
    const { answer, seen, over } = play(STREAM, size);
    assert.equal(over, true);
    assert.deepEqual(seen, ["", "Open ", "Open Settings.", "Open Settings.", "Open Settings."]);
    assert.equal(answer.ticket, 5);
    assert.deepEqual(answer.question, question);
    assert.equal(answer.outcome, "answered");
    assert.deepEqual(answer.message, stored);
    assert.equal(answer.sources.length, 1);
  }
});

test("a handoff is kept with its reason, and the stored line may be missing", () => {
  const answer = newAnswer("person please", "c2");
  applyEvent(answer, { type: "question", ticket: 2, message: question });
  assert.equal(applyEvent(answer, { type: "handoff", reason: "asked", agents_online: false, offline_form: true }), false);
  assert.equal(applyEvent(answer, { type: "done", outcome: "handoff", ticket: 2, message: null }), true);
  assert.deepEqual(answer.handoff, { reason: "asked", agents_online: false, offline_form: true });
  assert.equal(answer.message, null);
});

test("an error event ends the answer with its message; unknown events and bad tokens change nothing", () => {
  const answer = newAnswer("q", "c3");
  assert.equal(applyEvent(answer, { type: "later.feature" }), false);
  assert.equal(applyEvent(answer, { type: "token", text: { html: "<b>" } }), false);
  assert.equal(applyEvent(answer, { type: "sources", sources: "nope" }), false);
  assert.equal(answer.text, "");
  assert.deepEqual(answer.sources, []);
  assert.equal(applyEvent(answer, { type: "error", code: "timeout", message: "No answer came in time." }), true);
  assert.equal(answer.outcome, "error");
  assert.equal(answer.error, "No answer came in time.");
});

test("the draft gives way once the stored answer is held by seq, from any path", () => {
  const answer = newAnswer("plan?", "c1");
  assert.equal(draftShows(null, []), false);
  assert.equal(draftShows(answer, []), true);
  applyEvent(answer, { type: "question", ticket: 5, message: question });
  applyEvent(answer, { type: "token", text: "Open" });
  // An earlier bot line (a previous answer) is no reason to hide this one.
  assert.equal(draftShows(answer, [{ seq: 2, sender: { type: "bot" } }, question]), true);
  // The socket's message.new brought the stored answer before the stream's done.
  assert.equal(draftShows(answer, [question, stored]), false);
  const over = newAnswer("plan?", "c4");
  over.outcome = "answered";
  assert.equal(draftShows(over, []), false);
});

test("only the server's own http(s) addresses become source links, each once", () => {
  const links = safeSources(
    [
      { title: "Plans", heading: "Change", url: `${SERVER}/help/k/en/articles/plans/#change` },
      { title: "Plans", heading: "Change", url: `${SERVER}/help/k/en/articles/plans/#change` },
      { title: "Evil", heading: "", url: "javascript:alert(1)" },
      { title: "Elsewhere", heading: "", url: "https://evil.example/help/" },
      { title: "Relative", heading: "Relative", url: "/help/k/en/articles/rel/" },
      { title: "Broken", url: "http://[" },
    ],
    SERVER
  );
  assert.deepEqual(links, [
    { href: `${SERVER}/help/k/en/articles/plans/#change`, title: "Plans › Change" },
    { href: `${SERVER}/help/k/en/articles/rel/`, title: "Relative" },
  ]);
});
