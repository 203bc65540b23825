import { test } from "node:test";
import assert from "node:assert/strict";
import { SendPacer } from "./send_pacer.ts";

/** A pacer on a fake clock: sleeping moves the clock, pause() moves it as idle time. */
function pacer(ratePerSecond: number, burst: number) {
  let now = 0;
  const waits: number[] = [];
  const paced = new SendPacer({
    ratePerSecond,
    burst,
    nowMs: () => now,
    sleep: (ms) => {
      waits.push(ms);
      now += ms;
      return Promise.resolve();
    },
  });
  return { paced, waits, elapsed: () => now, pause: (ms: number) => now += ms };
}

test("SendPacer lets the first burst go at once, then paces at its rate", async () => {
  const { paced, waits, elapsed } = pacer(1000, 5);
  for (let i = 0; i < 5; i++) await paced.next();
  assert.deepEqual(waits, []);
  for (let i = 0; i < 1000; i++) await paced.next();
  assert.ok(Math.abs(elapsed() - 1000) < 1e-6, `1,000 more take 1 s, not ${elapsed()} ms`);
});

test("SendPacer refills while idle, never past its burst", async () => {
  const { paced, waits, pause } = pacer(10, 3);
  for (let i = 0; i < 3; i++) await paced.next();
  pause(10_000); // long enough for 100 sends: only 3 are kept
  for (let i = 0; i < 3; i++) await paced.next();
  assert.deepEqual(waits, []);
  await paced.next();
  assert.equal(waits.length, 1);
  assert.ok(Math.abs(waits[0] - 100) < 1e-6);
});
