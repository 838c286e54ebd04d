// The dashboard's inbox rows as the socket's frames change them.

import assert from "node:assert/strict";
import { test } from "node:test";

import { Store } from "../dashboard/store.js";

const row = (extra = {}) => ({
  id: 7,
  status: "open",
  subject: "Where is my order?",
  tags: ["billing"],
  assignee: { id: 2, name: "Ada" },
  last_seq: 3,
  last_message_at: "2026-12-03T06:00:00+00:00",
  waiting_since: null,
  agent_unread: 1,
  ...extra,
});

test("ticket.activity moves a held row's last message and wait and keeps the rest", () => {
  const store = new Store();
  store.upsertTicket(row());
  const moved = store.withActivity({
    type: "ticket.activity",
    ticket: 7,
    last_seq: 4,
    last_message_at: "2026-12-03T06:01:00+00:00",
    waiting_since: "2026-12-03T06:01:00+00:00",
    agent_unread: 2,
  });
  assert.deepEqual(moved, row({
    last_seq: 4,
    last_message_at: "2026-12-03T06:01:00+00:00",
    waiting_since: "2026-12-03T06:01:00+00:00",
    agent_unread: 2,
  }));
  assert.equal(store.tickets.get(7).last_seq, 3, "the store changes only when the row is applied");
});

test("ticket.activity for a row the dashboard doesn't hold asks for the whole row", () => {
  const store = new Store();
  assert.equal(store.withActivity({ type: "ticket.activity", ticket: 8, last_seq: 1 }), null);
});
