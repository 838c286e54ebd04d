// The dashboard's unread badge (static/dashboard/store.js): the server's count of
// what people wrote, kept current by live frames; system lines are not news.

import assert from "node:assert/strict";
import { test } from "node:test";

import { Store } from "../dashboard/store.js";

const ticket = (fields) => ({ id: 7, status: "new", assignee: null, last_seq: 0, agent_seen_seq: 0, ...fields });
const line = (seq, type) => ({ seq, sender: { type }, body: "", created_at: "2026-12-03T07:00:00Z" });

test("a chat with one visitor message and an assignment line shows 1, not 2", () => {
  const store = new Store({ id: 1 });
  store.upsertTicket(ticket({ last_seq: 2, agent_unread: 1 }));
  assert.equal(store.unreadCount(7), 1);
});

test("live lines count unless they are system lines; a read brings the server's count", () => {
  const store = new Store({ id: 1 });
  store.upsertTicket(ticket({ last_seq: 1, agent_unread: 1 }));
  store.noteMessage(7, line(2, "system"));
  assert.equal(store.unreadCount(7), 1);
  store.noteMessage(7, line(3, "visitor"));
  assert.equal(store.unreadCount(7), 2);
  store.setSeen(7, "agent", 2, 1);
  assert.equal(store.unreadCount(7), 1);
  // An older receipt changes nothing.
  store.setSeen(7, "agent", 1, 2);
  assert.equal(store.unreadCount(7), 1);
  store.setSeen(7, "agent", 3, 0);
  assert.equal(store.unreadCount(7), 0);
});

test("a frame older than what is held keeps the newer count", () => {
  const store = new Store({ id: 1 });
  store.upsertTicket(ticket({ last_seq: 3, agent_unread: 2 }));
  store.upsertTicket(ticket({ last_seq: 2, agent_unread: 1, status: "open" }));
  assert.equal(store.unreadCount(7), 2);
});

test("read up to the end, or open on screen, is nothing unread", () => {
  const store = new Store({ id: 1 });
  store.upsertTicket(ticket({ last_seq: 4, agent_unread: 3 }));
  store.markSeenLocally(7, 4);
  assert.equal(store.unreadCount(7), 0);
  store.upsertTicket({ ...ticket({ id: 8, last_seq: 2, agent_unread: 2 }), id: 8 });
  store.currentId = 8;
  assert.equal(store.unreadCount(8), 0);
});
