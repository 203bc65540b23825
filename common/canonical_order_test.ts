import { test } from "node:test";
import assert from "node:assert/strict";
import { compareCanonical, sortCanonical } from "./canonical_order.ts";

const m = (dateTime: string, lc: number, nodeId: number, seq: number) => ({
  dateTime,
  lc,
  nodeId,
  seq,
});

test("compareCanonical() orders by dateTime, then lc, nodeId, seq", () => {
  const t1 = "2026-01-01T00:00:00.000Z";
  const t2 = "2026-01-01T00:00:00.001Z";
  const table: Array<[ReturnType<typeof m>, ReturnType<typeof m>]> = [
    [m(t1, 9, 9, 9), m(t2, 0, 0, 1)],
    [m(t1, 0, 9, 9), m(t1, 1, 0, 1)],
    [m(t1, 1, 2, 9), m(t1, 1, 3, 1)],
    [m(t1, 1, 3, 1), m(t1, 1, 3, 2)],
  ];
  for (const [a, b] of table) {
    assert.ok(compareCanonical(a, b) < 0);
    assert.ok(compareCanonical(b, a) > 0);
  }
  assert.equal(compareCanonical(m(t1, 1, 1, 1), m(t1, 1, 1, 1)), 0);
});

test("sortCanonical() is independent of input order", () => {
  const t = "2026-01-01T00:00:00.000Z";
  const sorted = [
    m(t, 0, 1, 1),
    m(t, 0, 2, 1),
    m(t, 1, 1, 2),
    m("2027-01-01T00:00:00.000Z", 0, 1, 3),
  ];
  assert.deepEqual(sortCanonical([...sorted].reverse()), sorted);
  assert.deepEqual(sortCanonical([sorted[2], sorted[0], sorted[3], sorted[1]]), sorted);
});
