// Messages by seq, for both front ends: order, duplicates, gaps and their fill.

import assert from "node:assert/strict";
import { test } from "node:test";

import { SeqLog, fillGap, ticketsBehind } from "../shared/seq.js";
import { Conversation } from "../dashboard/store.js";

const msg = (seq, extra = {}) => ({ seq, body: `m${seq}`, sender: { type: "agent" }, ...extra });

/** A server holding `seqs` (the ones this reader may see) up to `last`. */
function server(seqs, last = Math.max(0, ...seqs)) {
  const asked = [];
  const fetchPage = async (after, limit) => {
    asked.push(after);
    return { messages: seqs.filter((s) => s > after).slice(0, limit).map((s) => msg(s)), last_seq: last };
  };
  return { asked, page: (limit) => (after) => fetchPage(after, limit) };
}

test("frames out of order: contiguous moves only once the missing one arrives", () => {
  const log = new SeqLog();
  for (const seq of [1, 3, 4]) log.add(msg(seq));
  assert.equal(log.contiguous, 1);
  assert.ok(log.hasGap());
  log.add(msg(2));
  assert.equal(log.contiguous, 4);
  assert.ok(!log.hasGap());
  assert.deepEqual(log.ordered().map((m) => m.seq), [1, 2, 3, 4]);
});

test("a duplicate frame is held once and reported as not new", () => {
  const log = new SeqLog();
  assert.equal(log.add(msg(1)), true);
  assert.equal(log.add(msg(1)), false);
  assert.equal(log.add(msg(2)), true);
  assert.equal(log.add(msg(2)), false);
  assert.equal(log.messages.size, 2);
  assert.equal(log.contiguous, 2);
});

test("frames without a usable seq are refused", () => {
  const log = new SeqLog();
  for (const bad of [null, {}, { seq: "1" }, { seq: 0 }, { seq: -3 }, { seq: 1.5 }]) assert.equal(log.add(bad), false);
  assert.equal(log.messages.size, 0);
});

test("prev_seq held: the seqs between were internal notes, not a gap", () => {
  const log = new SeqLog();
  log.add(msg(1));
  log.add(msg(4), 1); // 2 and 3 were notes a visitor never sees
  assert.equal(log.contiguous, 4);
  assert.ok(!log.hasGap());
  log.add(msg(7), 5); // 5 is not held: 5 and 6 may be losses
  assert.equal(log.contiguous, 4);
  assert.ok(log.hasGap(7));
});

test("a gap followed by its fill over REST", async () => {
  const log = new SeqLog();
  log.add(msg(1));
  log.add(msg(5)); // 2..4 lost with a dropped socket
  const { asked, page } = server([1, 2, 3, 4, 5, 6]);
  const seen = [];
  assert.equal(await fillGap(log, page(100), 100, { onMessage: (m) => seen.push(m.seq) }), true);
  assert.deepEqual(asked, [1]);
  assert.deepEqual(seen, [2, 3, 4, 5, 6]);
  assert.equal(log.contiguous, 6);
  assert.deepEqual(log.ordered().map((m) => m.seq), [1, 2, 3, 4, 5, 6]);
});

test("a fill pages through full pages until a short one", async () => {
  const log = new SeqLog();
  const seqs = Array.from({ length: 23 }, (_, i) => i + 1);
  const { asked, page } = server(seqs);
  await fillGap(log, page(10), 10);
  assert.deepEqual(asked, [0, 10, 20]);
  assert.equal(log.contiguous, 23);
});

test("a short page's last_seq covers the notes after the last visible message", async () => {
  const log = new SeqLog();
  const { page } = server([1, 2, 5], 8); // 3, 4, 6, 7, 8 are notes
  await fillGap(log, page(100), 100);
  assert.equal(log.contiguous, 8);
  assert.ok(!log.hasGap(8));
});

test("a fill whose answer is no longer wanted stops without marking anything", async () => {
  const log = new SeqLog();
  const { page } = server([1, 2, 3]);
  assert.equal(await fillGap(log, page(100), 100, { stale: () => true }), false);
  assert.equal(log.contiguous, 0);
});

test("a resync: cleared, then filled from the newest page on", async () => {
  const conv = new Conversation(7);
  conv.startFrom({ messages: [msg(40), msg(41)], last_seq: 41 });
  assert.equal(conv.floor, 40);
  assert.equal(conv.contiguous, 41);
  conv.restart(); // the server: too far behind to replay
  assert.equal(conv.messages.size, 0);
  assert.equal(conv.contiguous, 0);
  conv.startFrom({ messages: [msg(90), msg(91)], last_seq: 91 });
  assert.equal(conv.floor, 90);
  assert.equal(conv.contiguous, 91);
  assert.ok(conv.hasOlder);
  conv.add(msg(89));
  assert.equal(conv.floor, 89);
});

test("the dashboard's conversation drops its local copy once the server's arrives, even as a duplicate", () => {
  const conv = new Conversation(7);
  conv.startFrom({ messages: [msg(1)], last_seq: 1 });
  conv.outbox.set("c-2", { client_id: "c-2", state: "pending" });
  conv.add(msg(2, { client_id: "c-2" }));
  assert.equal(conv.outbox.size, 0);
  conv.outbox.set("c-3", { client_id: "c-3", state: "pending" });
  conv.add(msg(3));
  conv.add(msg(3, { client_id: "c-3" })); // the ack's copy came first, then the frame
  assert.equal(conv.outbox.size, 0);
  assert.equal(conv.messages.size, 3);
});

test("pong: a ticket whose log is behind the server's last seq is to be filled", () => {
  const held = new SeqLog();
  for (const seq of [1, 2, 3]) held.add(msg(seq));
  const current = new SeqLog();
  for (const seq of [1, 2]) current.add(msg(seq));
  const logs = new Map([[7, held], [9, current]]);
  const tickets = { 7: 5, 9: 2, 11: 40 }; // 11: a ticket not held here
  assert.deepEqual(ticketsBehind(tickets, (id) => logs.get(id)), [7]);
});

test("pong: a tail the log skipped (internal notes of a visitor) or a bare pong asks for nothing", () => {
  const log = new SeqLog();
  log.add(msg(1));
  log.add(msg(4), 1); // 2 and 3 were notes: contiguous is 4
  assert.deepEqual(ticketsBehind({ 3: 4 }, () => log), []);
  assert.deepEqual(ticketsBehind(undefined, () => log), []);
  assert.deepEqual(ticketsBehind({ 3: "9" }, () => log), []); // not a seq
});

test("pong after a lost broadcast: the fill brings the missed tail", async () => {
  const log = new SeqLog();
  for (const seq of [1, 2]) log.add(msg(seq));
  const { asked, page } = server([1, 2, 3]);
  for (const id of ticketsBehind({ 5: 3 }, () => log)) {
    assert.equal(id, 5);
    assert.ok(await fillGap(log, page(50), 50));
  }
  assert.deepEqual(asked, [2]);
  assert.equal(log.contiguous, 3);
});
