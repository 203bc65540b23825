import { expect, test } from "bun:test";
import { AddressRateLimit } from "./address_rate_limit.ts";

test("AddressRateLimit.take() allows each address its burst, then says when to retry", () => {
  let now = 0;
  const limit = new AddressRateLimit({ ratePerSecond: 2, burst: 3, nowMs: () => now });
  for (let i = 0; i < 3; i++) expect(limit.take("10.0.0.1")).toEqual({ ok: true });
  expect(limit.take("10.0.0.1")).toEqual({ ok: false, retryAfterSeconds: 1 });
  expect(limit.take("2001:db8::1")).toEqual({ ok: true });
  now += 500;
  expect(limit.take("10.0.0.1")).toEqual({ ok: true });
  const slow = new AddressRateLimit({ ratePerSecond: 0.1, burst: 1, nowMs: () => now });
  slow.take("10.0.0.2");
  expect(slow.take("10.0.0.2")).toEqual({ ok: false, retryAfterSeconds: 10 });
});

test("AddressRateLimit exempts loopback unless limitLoopback, and one /64 shares a bucket", () => {
  const open = new AddressRateLimit({ ratePerSecond: 1, burst: 1 });
  for (let i = 0; i < 5; i++) expect(open.take("127.0.0.1").ok).toBe(true);
  const strict = new AddressRateLimit({ ratePerSecond: 1, burst: 1, limitLoopback: true });
  expect(strict.take("::1").ok).toBe(true);
  expect(strict.take("::1").ok).toBe(false);
  expect(strict.take("2001:db8:0:1::a").ok).toBe(true);
  expect(strict.take("2001:db8:0:1::b").ok).toBe(false);
});

test("AddressRateLimit stays bounded: full buckets are forgotten, then the oldest", () => {
  let now = 0;
  const limit = new AddressRateLimit({
    ratePerSecond: 1,
    burst: 5,
    maxAddresses: 2000,
    nowMs: () => now,
  });
  for (let i = 0; i < 5000; i++) {
    limit.take(`10.0.${i >> 8}.${i & 255}`);
    if (i % 100 === 0) now += 10_000; // earlier buckets fill up again
  }
  expect(limit.size).toBeLessThanOrEqual(2000);
  expect(() => new AddressRateLimit({ ratePerSecond: 0, burst: 1 })).toThrow(RangeError);
});
