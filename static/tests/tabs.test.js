// Two tabs of one visitor share localStorage: each takes in what the other
// saved without losing what it knows itself.

import assert from "node:assert/strict";
import { test } from "node:test";

import { mergeList, mergeTabs, note } from "../widget/src/merge.js";
import { belongsToAnother, claimedUserId, fresh, parseStored, whenToLoad, wiped } from "../widget/src/stored.js";

function visitor(extra = {}) {
  return { ...fresh(), token: "tok", visitor: "v1", ...extra };
}

const ticket = (id, extra = {}) => ({ id, subject: `t${id}`, status: "open", last_seq: 0, agent_seen_seq: 0, created_at: "", ...extra });

test("two tabs merging: outboxes join, done wins, reads only grow, the shown ticket stays", () => {
  const a = visitor({ ticket: 1, list: [ticket(1, { last_seq: 4 })], tickets: { 1: { read: 4 } } });
  a.outbox = [{ client_id: "x", ticket: 1, body: "from a", tab: "A", at: 1 }];
  const b = visitor({ ticket: 2, list: [ticket(1, { last_seq: 6 }), ticket(2, { last_seq: 1 })], tickets: { 1: { read: 2 }, 2: { read: 1 } } });
  b.outbox = [
    { client_id: "y", ticket: 1, body: "from b", tab: "B", at: 2 },
    { client_id: "x", ticket: 1, body: "from a", tab: "A", at: 1 },
  ];
  b.done = ["x"]; // b saw x stored
  assert.equal(mergeTabs(a, b), "merged");
  assert.deepEqual(a.outbox.map((e) => e.client_id), ["y"]);
  assert.deepEqual(a.done, ["x"]);
  assert.equal(a.tickets[1].read, 4);
  assert.equal(a.tickets[2].read, 1);
  assert.equal(a.ticket, 1);
  assert.deepEqual(a.list.map((t) => [t.id, t.last_seq]), [[1, 6], [2, 1]]);
});

test("merging is symmetric in what it keeps: both tabs end with the same outbox", () => {
  const mk = () => visitor({ list: [ticket(1)], tickets: { 1: { read: 0 } } });
  const a = mk();
  const b = mk();
  a.outbox = [{ client_id: "a1", ticket: 1, body: "1", tab: "A", at: 1 }];
  b.outbox = [{ client_id: "b1", ticket: 1, body: "2", tab: "B", at: 2 }];
  const aSaved = structuredClone(a);
  mergeTabs(a, structuredClone(b));
  mergeTabs(b, aSaved);
  assert.deepEqual(a.outbox, b.outbox);
});

test("ended stays ended, though the other tab has not heard yet", () => {
  const a = visitor({ list: [ticket(1, { status: "resolved" })], tickets: { 1: { read: 0 } } });
  const b = visitor({ list: [ticket(1, { status: "open", last_seq: 3 })], tickets: { 1: { read: 0 } } });
  mergeTabs(a, b);
  assert.equal(a.list[0].status, "resolved");
  assert.equal(a.list[0].last_seq, 3);
});

test("the other tab became someone else: follow it wholesale", () => {
  const a = visitor({ ticket: 1, list: [ticket(1)] });
  const b = visitor({ visitor: "v2", token: "tok2" });
  assert.equal(mergeTabs(a, b), "identity");
  assert.equal(a.visitor, "v2");
  assert.equal(a.token, "tok2");
  assert.deepEqual(a.list, []);
});

test("a tab without a visitor yet has nothing to give", () => {
  const a = visitor();
  assert.equal(mergeTabs(a, fresh()), "ignored");
  assert.equal(a.token, "tok");
});

test("a ticket first seen in a list counts as read; a message marks its summary", () => {
  const s = visitor();
  mergeList(s, [ticket(3, { last_seq: 9 })]);
  assert.equal(s.tickets[3].read, 9);
  assert.equal(note(s, 4, { seq: 1, body: "hello", sender: { type: "visitor" }, created_at: "" }), true);
  assert.equal(s.list.find((t) => t.id === 4).subject, "hello");
  assert.equal(s.tickets[4].read, 1); // the visitor's own words are no news
  assert.equal(note(s, 4, { seq: 2, body: "hi", sender: { type: "agent" }, created_at: "" }), false);
  assert.equal(s.tickets[4].read, 1);
  assert.equal(s.list.find((t) => t.id === 4).last_seq, 2);
});

test("stored state that is not ours reads as none", () => {
  for (const bad of [null, "", "{", "[]", '{"v":2,"outbox":[],"tickets":{},"list":[]}', '{"v":1,"outbox":{}}']) {
    assert.equal(parseStored(bad), null, String(bad));
  }
  assert.equal(parseStored('{"v":1,"outbox":[],"tickets":{},"list":[],"token":"t"}').token, "t");
});

test("the loader fetches the widget at once for an open chat or unsent messages, else waits", () => {
  assert.equal(whenToLoad(null), "interaction");
  assert.equal(whenToLoad(fresh()), "interaction");
  assert.equal(whenToLoad({ ...fresh(), outbox: [{ client_id: "a", ticket: null }] }), "now");
  assert.equal(whenToLoad(visitor({ ticket: 1, list: [ticket(1)] })), "now");
  assert.equal(whenToLoad(visitor({ ticket: 1, list: [ticket(1, { status: "closed" })] })), "idle");
  assert.equal(whenToLoad(visitor()), "idle");
});

test("a sign-out in one tab wipes every tab, which can't save the old visitor back", () => {
  const a = visitor({ userId: "ann", ticket: 1, list: [ticket(1)], tickets: { 1: { read: 0 } } });
  const b = structuredClone(a);
  const out = wiped(b);
  assert.equal(out.token, null);
  assert.equal(mergeTabs(a, out), "identity");
  assert.equal(a.token, null);
  assert.equal(a.userId, null);
  assert.deepEqual(a.list, []);
  // A tab that saves before it hears of the wipe can't bring the old user back ...
  const stale = visitor({ userId: "ann", resets: 0 });
  assert.equal(mergeTabs(a, stale), "ignored");
  assert.equal(a.token, null);
  // ... and follows the wipe when it does hear.
  assert.equal(mergeTabs(stale, out), "identity");
  assert.equal(stale.token, null);
});

test("only another user's claim wipes the stored state; an anonymous one is kept for sign-in", () => {
  assert.equal(belongsToAnother(visitor({ userId: "ann" }), { user_id: "ben" }), true);
  assert.equal(belongsToAnother(visitor({ userId: "ann" }), { user_id: "ann" }), false);
  assert.equal(belongsToAnother(visitor({ userId: "42" }), { user_id: 42 }), false);
  assert.equal(belongsToAnother(visitor(), { user_id: "ben" }), false);
  assert.equal(belongsToAnother(null, { user_id: "ben" }), false);
  assert.equal(claimedUserId({ name: "Ann" }), "");
});
