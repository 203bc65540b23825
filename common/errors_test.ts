import { test } from "node:test";
import assert from "node:assert/strict";
import { CloseCode, isRetryableClose, PeerCloseCode } from "./errors.ts";

test("CloseCode and PeerCloseCode: client codes below 4100, peer codes 4100-4499, none reused", () => {
  const client = Object.values(CloseCode);
  const peer = Object.values(PeerCloseCode);
  for (const code of client) assert.ok(code < 4000 || (code >= 4000 && code < 4100), String(code));
  for (const code of peer) assert.ok(code >= 4100 && code < 4500, String(code));
  const all = [...client, ...peer];
  assert.equal(new Set(all).size, all.length);
});

test("isRetryableClose() is false only for a frame that was too big and an expired token", () => {
  assert.equal(isRetryableClose(CloseCode.messageTooBig), false);
  assert.equal(isRetryableClose(CloseCode.tokenExpired), false);
  for (const code of [1000, 1001, 1006, 1008, 1011, 4000, 4001]) {
    assert.equal(isRetryableClose(code), true, String(code));
  }
});
