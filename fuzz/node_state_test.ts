import { expect, test } from "bun:test";
import { metricValue, type NodeState, stateDifferences } from "./node_state.ts";

test("metricValue() reads a counter or gauge from Prometheus text, 0 when absent", () => {
  const text =
    '# HELP x y\ndsatter_messages_stored_total 42\ndsatter_messages_held_back{node="1"} 3\n';
  expect(metricValue(text, "dsatter_messages_stored_total")).toBe(42);
  expect(metricValue(text, "dsatter_messages_held_back")).toBe(3);
  expect(metricValue(text, "dsatter_missing")).toBe(0);
});

test("stateDifferences() names every field that changed", () => {
  const before: NodeState = {
    messageCount: 1,
    messagesDigest: "a",
    vector: { "1": 1 },
    chats: "[]",
    storedTotal: 1,
    heldBack: 0,
  };
  expect(stateDifferences(before, { ...before })).toEqual([]);
  const after = { ...before, vector: { "1": 2 }, heldBack: 1 };
  expect(stateDifferences(before, after).map((line) => line.split(":")[0])).toEqual([
    "vector",
    "heldBack",
  ]);
});
