import { test } from "node:test";
import assert from "node:assert/strict";
import { describeTyping, TypingRoster, watchTypingExpiry } from "./typing_roster.ts";
import { createFakeTimers } from "./testing/fake_timers.ts";

test("TypingRoster names() lists who typed in the last 5 s, first starter first", () => {
  const roster = new TypingRoster();
  roster.note({ chatId: 1, name: "ann" }, 1_000);
  roster.note({ chatId: 1, name: "bob" }, 2_000);
  roster.note({ chatId: 2, name: "cy" }, 2_000);
  assert.deepEqual(roster.names(1, 3_000), ["ann", "bob"]);
  assert.deepEqual(roster.names(1, 3_000, "bob"), ["ann"]);
  assert.equal(roster.msUntilChange(3_000), 3_000);
  assert.deepEqual(roster.names(1, 6_000), ["bob"]); // ann expired at 6 s
  roster.note({ chatId: 1, name: "ann" }, 6_500);
  assert.deepEqual(roster.names(1, 6_500), ["bob", "ann"]);
  assert.equal(roster.stopped(1, "bob"), true);
  assert.deepEqual(roster.names(1, 6_600), ["ann"]);
  assert.deepEqual(roster.names(3, 0), []);
  assert.equal(new TypingRoster().msUntilChange(0), undefined);
});

test("describeTyping() says who is typing in a sentence", () => {
  assert.equal(describeTyping([]), "");
  assert.equal(describeTyping(["ann"]), "ann is typing…");
  assert.equal(describeTyping(["ann", "bob"]), "ann and bob are typing…");
  assert.equal(describeTyping(["a", "b", "c"]), "a, b and c are typing…");
  assert.equal(describeTyping(["a", "b", "c", "d"]), "a, b and 2 others are typing…");
});

test("watchTypingExpiry() calls back as each entry expires, then stops", async () => {
  const timers = createFakeTimers();
  const roster = new TypingRoster();
  roster.note({ chatId: 1, name: "ann" }, timers.nowMs());
  roster.note({ chatId: 1, name: "bob" }, timers.nowMs() + 2_000);
  const seen: string[][] = [];
  const stop = watchTypingExpiry(roster, () => seen.push(roster.names(1, timers.nowMs())), timers);
  await timers.advance(5_100);
  assert.deepEqual(seen, [["bob"]]);
  await timers.advance(2_000);
  assert.deepEqual(seen, [["bob"], []]);
  stop();
});
