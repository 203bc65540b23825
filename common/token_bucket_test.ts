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

test("TokenBucket.take(cost) charges expensive frames more and refuses without taking", () => {
  let now = 0;
  const bucket = new TokenBucket({ ratePerSecond: 10, burst: 20, nowMs: () => now });
  assert.equal(bucket.take(15), true);
  assert.equal(bucket.take(6), false); // 5 left: refused, nothing taken
  assert.equal(bucket.take(5), true);
  assert.equal(bucket.take(), false);
  assert.ok(Math.abs(bucket.msUntilToken(3) - 300) < 1e-9);
  now += 10_000;
  assert.equal(bucket.isFull(), true);
  assert.equal(bucket.take(1_000), true); // over the burst: charged as the whole burst
  assert.equal(bucket.isFull(), false);
  assert.equal(bucket.take(), false);
});

test("TokenBucket rejects a bad configuration", () => {
  assert.throws(() => new TokenBucket({ ratePerSecond: 0, burst: 5 }), RangeError);
  assert.throws(() => new TokenBucket({ ratePerSecond: 5, burst: 0 }), RangeError);
});
