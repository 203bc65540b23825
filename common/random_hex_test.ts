import { test } from "node:test";
import assert from "node:assert/strict";
import { bytesToHex, randomHex } from "./random_hex.ts";

test("bytesToHex() writes two lowercase digits per byte", () => {
  assert.equal(bytesToHex(new Uint8Array([0, 1, 15, 16, 171, 255])), "00010f10abff");
  assert.equal(bytesToHex(new Uint8Array()), "");
});

test("randomHex() gives 2n hex digits, different each time", () => {
  const a = randomHex(16);
  const b = randomHex(16);
  assert.match(a, /^[0-9a-f]{32}$/);
  assert.notEqual(a, b);
  assert.equal(randomHex(0), "");
});
