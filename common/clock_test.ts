import { test } from "node:test";
import assert from "node:assert/strict";
import { createManualClock, monotonicClock, systemClock } from "./clock.ts";

test("createManualClock() moves only when told", () => {
  const clock = createManualClock(1000);
  assert.equal(clock.nowMs(), 1000);
  assert.equal(clock.nowMs(), 1000);
  clock.advanceMs(250);
  assert.equal(clock.nowMs(), 1250);
});

test("systemClock reads the wall clock, monotonicClock never goes back", () => {
  const before = Date.now();
  const wall = systemClock.nowMs();
  assert.ok(wall >= before && wall <= Date.now());
  const first = monotonicClock.nowMs();
  assert.ok(monotonicClock.nowMs() >= first);
});
