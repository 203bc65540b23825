import { test } from "node:test";
import assert from "node:assert/strict";
import { TypingThrottle } from "./typing_throttle.ts";

test("TypingThrottle.allow() lets one event per chat per interval through", () => {
  const throttle = new TypingThrottle({ minIntervalMs: 1000 });
  const steps: Array<[number, number, boolean]> = [
    [11, 0, true],
    [11, 300, false],
    [12, 300, true],
    [11, 999, false],
    [11, 1000, true],
    [12, 1299, false],
    [12, 1300, true],
  ];
  for (const [chatId, atMs, allowed] of steps) {
    assert.equal(throttle.allow(chatId, atMs), allowed, `chat ${chatId} at ${atMs}`);
  }
});

test("TypingThrottle forgets the oldest chat past maxChats", () => {
  const throttle = new TypingThrottle({ minIntervalMs: 1000, maxChats: 2 });
  assert.ok(throttle.allow(1, 0));
  assert.ok(throttle.allow(2, 0));
  assert.ok(throttle.allow(3, 0)); // chat 1 forgotten
  assert.ok(throttle.allow(1, 10));
  assert.equal(throttle.allow(3, 10), false);
});
