// File sizes as both front ends label attachments (static/shared/size.js).

import assert from "node:assert/strict";
import { test } from "node:test";

import { fileSize, withSize } from "../shared/size.js";

test("a file under a kilobyte is labelled in bytes, not rounded up to 1 KB", () => {
  assert.equal(fileSize(0), "0 B");
  assert.equal(fileSize(20), "20 B");
  assert.equal(fileSize(1023), "1023 B");
});

test("kilobytes are whole, megabytes have one decimal", () => {
  assert.equal(fileSize(1024), "1 KB");
  assert.equal(fileSize(1536), "2 KB");
  assert.equal(fileSize(300 * 1024), "300 KB");
  assert.equal(fileSize(1024 * 1024 - 1), "1024 KB");
  assert.equal(fileSize(1024 * 1024), "1.0 MB");
  assert.equal(fileSize(5.25 * 1024 * 1024), "5.3 MB");
});

test("a size the server did not send reads as no size", () => {
  for (const missing of [undefined, null, NaN, -1, "20"]) assert.equal(fileSize(missing), "");
});

test("a name carries its size when there is one", () => {
  assert.equal(withSize("note.txt.pdf", 20), "note.txt.pdf (20 B)");
  assert.equal(withSize("scan.pdf", undefined), "scan.pdf");
});
