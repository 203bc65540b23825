import { test } from "node:test";
import assert from "node:assert/strict";
import { sleep } from "./abortable_sleep.ts";

test("sleep() resolves after the time when nothing aborts it", async () => {
  assert.equal(await sleep(1), undefined);
});

test("sleep() resolves at once when the signal aborts meanwhile", async () => {
  const stop = new AbortController();
  // An hour: the test only finishes because the abort ends the wait.
  const waiting = sleep(3_600_000, stop.signal);
  stop.abort();
  assert.equal(await waiting, undefined);
});

test("sleep() resolves at once on an already aborted signal", async () => {
  assert.equal(await sleep(3_600_000, AbortSignal.abort()), undefined);
});
