import assert from "node:assert/strict";
import { test } from "node:test";

import { formatDuration, isoDay, reportQuery } from "../dashboard/report-format.js";

const words = { seconds: "%(n)s s", minutes: "%(n)s min", hours: "%(n)s h", days: "%(n)s d" };

test("durations read in the largest unit that fits", () => {
  assert.equal(formatDuration(null, words), "–");
  assert.equal(formatDuration(0, words), "0 s");
  assert.equal(formatDuration(59.4, words), "59 s");
  assert.equal(formatDuration(90, words), "2 min");
  assert.equal(formatDuration(5400, words), "1.5 h");
  assert.equal(formatDuration(3 * 86400, words), "3.0 d");
});

test("the query leaves out empty filters and encodes the rest", () => {
  assert.equal(
    reportQuery({ start: "2026-06-01", end: "2026-06-30", group: "tag", agent: "", tag: "7" }),
    "start=2026-06-01&end=2026-06-30&group=tag&tag=7",
  );
});

test("a day is written in the browser's calendar", () => {
  assert.equal(isoDay(new Date(2026, 0, 5, 23, 59)), "2026-01-05");
});
