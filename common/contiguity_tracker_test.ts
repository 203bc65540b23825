import { test } from "node:test";
import assert from "node:assert/strict";
import { ContiguityTracker } from "./contiguity_tracker.ts";

test("ContiguityTracker.add() holds 1..5 and 7 at mark 5", () => {
  const tracker = new ContiguityTracker();
  for (const seq of [1, 2, 3, 4, 5]) tracker.add(1, seq);
  assert.deepEqual(tracker.add(1, 7), { kind: "held" });
  assert.equal(tracker.mark(1), 5);
  assert.deepEqual(tracker.vector(), new Map([[1, 5]]));
  assert.equal(tracker.heldBackCount(), 1);
  assert.deepEqual(tracker.add(1, 6), { kind: "advanced", fromSeq: 6, toSeq: 7 });
  assert.equal(tracker.heldBackCount(), 0);
});

test("ContiguityTracker.add() converges whatever the arrival order", () => {
  const orders = [
    [5, 4, 3, 2, 1],
    [2, 4, 1, 3, 5],
    [1, 3, 5, 2, 4],
    [5, 1, 5, 2, 2, 4, 3],
  ];
  for (const order of orders) {
    const tracker = new ContiguityTracker();
    const released: number[] = [];
    for (const seq of order) {
      const outcome = tracker.add(9, seq);
      if (outcome.kind === "advanced") {
        for (let s = outcome.fromSeq; s <= outcome.toSeq; s++) released.push(s);
      }
    }
    assert.deepEqual(released, [1, 2, 3, 4, 5], order.join(","));
    assert.equal(tracker.mark(9), 5);
  }
});

test("ContiguityTracker.add() reports duplicates and keeps origins apart", () => {
  const tracker = new ContiguityTracker(new Map([[1, 3]]));
  assert.deepEqual(tracker.add(1, 2), { kind: "duplicate" });
  assert.deepEqual(tracker.add(2, 2), { kind: "held" });
  assert.deepEqual(tracker.add(2, 2), { kind: "duplicate" });
  assert.ok(tracker.has(2, 2));
  assert.ok(!tracker.has(2, 1));
  assert.deepEqual(tracker.add(1, 4), { kind: "advanced", fromSeq: 4, toSeq: 4 });
  assert.deepEqual(tracker.vector(), new Map([[1, 4]]));
});

test("ContiguityTracker.add() rejects seqs below 1", () => {
  const tracker = new ContiguityTracker();
  assert.throws(() => tracker.add(1, 0), RangeError);
  assert.throws(() => tracker.add(1, 1.5), RangeError);
});
