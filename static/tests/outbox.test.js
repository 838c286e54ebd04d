// The widget's outbox: retries keep their client_id, one message opens a
// ticket, nothing is sent twice at once, and what is settled stays settled.

import assert from "node:assert/strict";
import { test } from "node:test";

import { MAX_IN_FLIGHT, ORPHAN_AFTER_MS, adopt, entryFor, mergeOutbox, nextToSend, orphan, sendFrame } from "../widget/src/outbox.js";
import { markDone } from "../widget/src/merge.js";
import { fresh } from "../widget/src/stored.js";

const NOW = 1_000_000;
const entry = (id, ticket = 5, extra = {}) => ({ ...entryFor(`body ${id}`, ticket, { clientId: id, tab: "me", now: NOW }), ...extra });

/** Everything a flush would send now, as the widget's flush() loops. */
function flush(outbox, { inFlight = new Set(), ticketless = null, ...rest } = {}) {
  const sent = [];
  for (;;) {
    const next = nextToSend(outbox, { inFlight, ticketless, tab: "me", now: NOW + 1, ...rest });
    if (!next) return { sent, inFlight, ticketless };
    if (next.ticket === null) ticketless = next.client_id;
    inFlight.add(next.client_id);
    sent.push(sendFrame(next));
  }
}

test("sends in order, at most MAX_IN_FLIGHT at once", () => {
  const outbox = ["a", "b", "c", "d", "e", "f"].map((id) => entry(id));
  const { sent, inFlight } = flush(outbox);
  assert.deepEqual(sent.map((f) => f.client_id), ["a", "b", "c", "d"].slice(0, MAX_IN_FLIGHT));
  assert.equal(sent[0].ticket, 5);
  assert.equal(sent[0].type, "message.send");
  // One answered: the next goes.
  inFlight.delete("a");
  outbox.shift();
  assert.deepEqual(flush(outbox, { inFlight }).sent.map((f) => f.client_id), ["e"]);
});

test("over REST, one at a time, so they are stored in order", () => {
  const outbox = ["a", "b"].map((id) => entry(id));
  assert.deepEqual(flush(outbox, { limit: 1 }).sent.map((f) => f.client_id), ["a"]);
});

test("a retry after a lost line sends the same client_id, so the server stores it once", () => {
  const outbox = [entry("a"), entry("b")];
  const first = flush(outbox).sent;
  // The line dropped before any ack: nothing is in flight on the new one.
  const again = flush(outbox).sent;
  assert.deepEqual(again, first);
  assert.deepEqual(new Set(again.map((f) => f.client_id)).size, 2);
});

test("only one message may open a ticket: the rest of the burst waits for its ack", () => {
  const outbox = [entry("a", null), entry("b", null), entry("c", 9)];
  const { sent, ticketless } = flush(outbox);
  assert.deepEqual(sent.map((f) => f.client_id), ["a", "c"]);
  assert.equal(ticketless, "a");
  assert.ok(!("ticket" in sent[0]));
  // The ack: "a" opened ticket 12; the burst belongs to it now.
  outbox.shift();
  adopt(outbox, 12);
  assert.deepEqual(flush(outbox, { inFlight: new Set(["c"]) }).sent, [{ type: "message.send", client_id: "b", body: "body b", ticket: 12 }]);
});

test("nothing opens a ticket while the pre-chat form must be answered first", () => {
  const outbox = [entry("a", null), entry("b", 3)];
  assert.deepEqual(flush(outbox, { holdNew: true }).sent.map((f) => f.client_id), ["b"]);
});

test("a failed entry waits for the visitor's retry", () => {
  const outbox = [entry("a", 5, { failed: "Too long" }), entry("b")];
  assert.deepEqual(flush(outbox).sent.map((f) => f.client_id), ["b"]);
  delete outbox[0].failed;
  assert.deepEqual(flush(outbox, { inFlight: new Set(["b"]) }).sent.map((f) => f.client_id), ["a"]);
});

test("another tab's entries are its own to send, until it seems gone", () => {
  const theirs = { ...entry("t"), tab: "other" };
  assert.equal(nextToSend([theirs], { inFlight: new Set(), tab: "me", now: NOW + ORPHAN_AFTER_MS - 1 }), null);
  assert.equal(nextToSend([theirs], { inFlight: new Set(), tab: "me", now: NOW + ORPHAN_AFTER_MS }), theirs);
});

test("a closed ticket's unsent messages start a new conversation", () => {
  const outbox = [entry("a", 5), entry("b", 6), entry("c", 5)];
  orphan(outbox, 5);
  assert.deepEqual(outbox.map((e) => e.ticket), [null, 6, null]);
});

test("a settled message leaves the outbox and the done list remembers it, 50 at most", () => {
  const state = fresh();
  state.outbox = [entry("a"), entry("b")];
  markDone(state, "a");
  assert.deepEqual(state.outbox.map((e) => e.client_id), ["b"]);
  assert.deepEqual(state.done, ["a"]);
  for (let i = 0; i < 60; i++) markDone(state, `x${i}`);
  assert.equal(state.done.length, 50);
  assert.equal(state.done.at(-1), "x59");
});

test("merged outboxes: one entry per client_id, oldest first, none already settled", () => {
  const mine = [entry("a", null, { at: 3 }), entry("b", 5, { at: 1 })];
  const theirs = [entry("a", 8, { at: 3 }), entry("c", 5, { at: 2 }), entry("d", 5, { at: 4 })];
  const merged = mergeOutbox(mine, theirs, new Set(["d"]));
  assert.deepEqual(merged.map((e) => e.client_id), ["b", "c", "a"]);
  // The other tab learned a's ticket from its ack: it stays learned.
  assert.equal(merged.find((e) => e.client_id === "a").ticket, 8);
  // ...and a ticket this tab learned is not forgotten for the other's null.
  const back = mergeOutbox(theirs, [entry("a", null, { at: 3 })], new Set());
  assert.equal(back.find((e) => e.client_id === "a").ticket, 8);
});
