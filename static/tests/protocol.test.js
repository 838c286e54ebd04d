// The shared protocol client's rules: close codes, backoff, client ids, frames.

import assert from "node:assert/strict";
import { test } from "node:test";

import {
  BACKOFF_BASE_MS,
  BACKOFF_CAP_MS,
  CLOSE_BUSY,
  CLOSE_FLOOD,
  CLOSE_FORBIDDEN,
  CLOSE_UNAUTHENTICATED,
  EventStreamReader,
  FLOOD_WAIT_MS,
  backoffDelay,
  closeMeaning,
  isAbnormalClose,
  newClientId,
  parseFrame,
  reconnectDelay,
} from "../shared/protocol.js";

const low = () => 0;
const high = () => 0.999999;

test("backoff stays between half the ceiling and the ceiling, doubling per attempt", () => {
  for (let attempt = 0; attempt < 8; attempt++) {
    const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt);
    assert.equal(backoffDelay(attempt, { random: low }), ceiling / 2);
    assert.equal(backoffDelay(attempt, { random: high }), ceiling);
  }
});

test("backoff never waits more than the cap, however many attempts failed", () => {
  for (const attempt of [10, 50, 1000]) {
    assert.equal(backoffDelay(attempt, { random: high }), BACKOFF_CAP_MS);
    assert.equal(backoffDelay(attempt, { random: low }), BACKOFF_CAP_MS / 2);
  }
});

test("backoff never retries at once, even on the first attempt", () => {
  for (let i = 0; i < 200; i++) assert.ok(backoffDelay(0) >= BACKOFF_BASE_MS / 2);
});

test("a flooding client waits at least the flood wait; others just back off", () => {
  assert.equal(reconnectDelay(0, CLOSE_FLOOD, { random: low }), FLOOD_WAIT_MS);
  assert.equal(reconnectDelay(0, 1006, { random: low }), BACKOFF_BASE_MS / 2);
  assert.equal(reconnectDelay(20, CLOSE_FLOOD, { random: high }), BACKOFF_CAP_MS);
});

test("close codes say what a client must do", () => {
  assert.equal(closeMeaning(CLOSE_UNAUTHENTICATED), "refused");
  assert.equal(closeMeaning(CLOSE_FORBIDDEN), "forbidden");
  assert.equal(closeMeaning(CLOSE_FLOOD), "flood");
  for (const code of [1000, 1001, 1006, 1011, 4000]) assert.equal(closeMeaning(code), "retry");
  assert.ok(isAbnormalClose(1006));
  assert.ok(!isAbnormalClose(1000));
  assert.ok(!isAbnormalClose(CLOSE_UNAUTHENTICATED));
});

test("a busy server (4503) is retried with backoff, and is no broken line", () => {
  assert.equal(CLOSE_BUSY, 4503);
  assert.equal(closeMeaning(CLOSE_BUSY), "retry");
  assert.ok(!isAbnormalClose(CLOSE_BUSY));
  for (let attempt = 0; attempt < 8; attempt++) {
    assert.equal(reconnectDelay(attempt, CLOSE_BUSY, { random: low }), backoffDelay(attempt, { random: low }));
    assert.equal(reconnectDelay(attempt, CLOSE_BUSY, { random: high }), backoffDelay(attempt, { random: high }));
  }
});

test("client ids are UUIDs, never the same twice", () => {
  const ids = new Set(Array.from({ length: 500 }, newClientId));
  assert.equal(ids.size, 500);
  for (const id of ids) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});

test("frames that are not JSON objects with a type are dropped", () => {
  assert.deepEqual(parseFrame('{"type":"pong"}'), { type: "pong" });
  for (const bad of ["", "nope", "null", "42", '"welcome"', "[]", '{"type":7}', '{"kind":"welcome"}', "{"]) {
    assert.equal(parseFrame(bad), null, bad);
  }
});

test("an event stream read in chunks that split lines and events anywhere", () => {
  const reader = new EventStreamReader();
  const text = ': keepalive\n\ndata: {"type":"welcome"}\n\ndata:{"type":"pong"}\r\n\r\nevent: x\ndata: {"a":\ndata: 1}\n\n';
  const events = [];
  for (let i = 0; i < text.length; i += 3) events.push(...reader.push(text.slice(i, i + 3)));
  assert.deepEqual(events, ['{"type":"welcome"}', '{"type":"pong"}', '{"a":1}']);
});
