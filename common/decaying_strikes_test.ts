import { test } from "node:test";
import assert from "node:assert/strict";
import { addStrike, STRIKE_HALF_LIFE_MS } from "./decaying_strikes.ts";

/** The score after strikes at the given times (ms). */
function scoreAfter(times: number[]): number {
  let score = 0;
  let last = 0;
  for (const at of times) {
    score = addStrike(score, last, at);
    last = at;
  }
  return score;
}

test("addStrike() adds up strikes close together and halves them per half-life", () => {
  assert.ok(Math.abs(scoreAfter([0, 1, 2]) - 3) < 0.01);
  assert.ok(Math.abs(addStrike(4, 0, STRIKE_HALF_LIFE_MS) - 3) < 1e-9);
  assert.equal(addStrike(7, 50, 10), 8); // a clock that went back decays nothing
});

test("addStrike() is not reset by accepted frames in between: alternating still adds up", () => {
  // One refused frame every 2 ms (a client at twice a 500/s limit): 101 within 0.2 s.
  const times = Array.from({ length: 101 }, (_, i) => i * 2);
  assert.ok(scoreAfter(times) > 100);
});

test("addStrike() forgives a client that slows down: a rare refusal stays far below 100", () => {
  // One refused frame a second for ten minutes settles near 14.4.
  const times = Array.from({ length: 600 }, (_, i) => i * 1000);
  const score = scoreAfter(times);
  assert.ok(score > 14 && score < 15, String(score));
});
