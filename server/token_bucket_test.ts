import { expect, test } from "bun:test";
import { TokenBucket } from "./token_bucket.ts";

test("TokenBucket.take() allows the burst, then the sustained rate", () => {
  let now = 0;
  const bucket = new TokenBucket({ ratePerSecond: 10, burst: 5, nowMs: () => now });
  const takes = () => Array.from({ length: 8 }, () => bucket.take()).filter(Boolean).length;
  expect(takes()).toBe(5);
  now += 300; // 3 tokens flow in
  expect(takes()).toBe(3);
  now += 10_000; // capped at the burst
  expect(takes()).toBe(5);
});

test("TokenBucket rejects a bad configuration", () => {
  expect(() => new TokenBucket({ ratePerSecond: 0, burst: 5 })).toThrow(RangeError);
  expect(() => new TokenBucket({ ratePerSecond: 5, burst: 0 })).toThrow(RangeError);
});
