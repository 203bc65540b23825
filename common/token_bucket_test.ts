import { test } from "node:test";
import assert from "node:assert/strict";
import { TokenBucket } from "./token_bucket.ts";

test("TokenBucket.take() allows the burst, then the sustained rate", () => {
  let now = 0;
  const bucket = new TokenBucket({ ratePerSecond: 10, burst: 5, nowMs: () => now });
  const takes = () => Array.from({ length: 8 }, () => bucket.take()).filter(Boolean).length;
  assert.equal(takes(), 5);
  now += 300; // 3 tokens flow in
  assert.equal(takes(), 3);
  now += 10_000; // capped at the burst
  assert.equal(takes(), 5);
});

test("TokenBucket.msUntilToken() says how long until the next take succeeds", () => {
  let now = 0;
  const bucket = new TokenBucket({ ratePerSecond: 10, burst: 1, nowMs: () => now });
  assert.equal(bucket.msUntilToken(), 0);
  assert.equal(bucket.take(), true);
  assert.ok(Math.abs(bucket.msUntilToken() - 100) < 1e-9);
  now += 40;
  assert.ok(Math.abs(bucket.msUntilToken() - 60) < 1e-9);
  now += 60;
  assert.equal(bucket.msUntilToken(), 0);
  assert.equal(bucket.take(), true);
});

test("TokenBucket rejects a bad configuration", () => {
  assert.throws(() => new TokenBucket({ ratePerSecond: 0, burst: 5 }), RangeError);
  assert.throws(() => new TokenBucket({ ratePerSecond: 5, burst: 0 }), RangeError);
});
