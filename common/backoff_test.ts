import { test } from "node:test";
import assert from "node:assert/strict";
import { backoffDelayMs } from "./backoff.ts";

test("backoffDelayMs() grows exponentially up to the cap", () => {
  const high = () => 0.999999;
  const delays = [0, 1, 2, 3, 10, 100].map((a) =>
    backoffDelayMs(a, { baseMs: 100, maxMs: 1000, random: high })
  );
  assert.deepEqual(delays, [100, 200, 400, 800, 1000, 1000]);
});

test("backoffDelayMs() jitters within the upper half", () => {
  for (const r of [0, 0.25, 0.5, 0.99]) {
    const d = backoffDelayMs(3, { baseMs: 100, maxMs: 10_000, random: () => r });
    assert.ok(d >= 400 && d <= 800, String(d));
  }
});

test("backoffDelayMs() rejects bad configuration", () => {
  assert.throws(() => backoffDelayMs(-1), RangeError);
  assert.throws(() => backoffDelayMs(1.5), RangeError);
  assert.throws(() => backoffDelayMs(1, { baseMs: 0 }), RangeError);
  assert.throws(() => backoffDelayMs(1, { baseMs: 10, maxMs: 5 }), RangeError);
});
