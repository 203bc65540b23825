import { test } from "node:test";
import assert from "node:assert/strict";
import { waitUntil } from "./wait_until.ts";

test("waitUntil() resolves once the condition holds, sync or async", async () => {
  let checks = 0;
  await waitUntil(() => ++checks === 3, { pollMs: 1 });
  assert.equal(checks, 3);
  await waitUntil(() => Promise.resolve(true));
});

test("waitUntil() rejects at the deadline, naming what it waited for", async () => {
  await assert.rejects(
    waitUntil(() => false, { deadlineMs: 20, pollMs: 5, what: "the node leave" }),
    { message: "Cannot see the node leave within 20 ms" },
  );
});
