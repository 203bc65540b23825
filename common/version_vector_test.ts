import { test } from "node:test";
import assert from "node:assert/strict";
import {
  compareVectors,
  decodeVector,
  encodeVector,
  mergeVectors,
  missingRanges,
  vectorTotal,
  type VersionVector,
} from "./version_vector.ts";

const v = (entries: Record<number, number>): VersionVector =>
  new Map(Object.entries(entries).map(([k, s]) => [Number(k), s]));

test("mergeVectors() takes the pointwise maximum without mutating", () => {
  const a = v({ 1: 5, 2: 1 });
  const b = v({ 2: 7, 3: 2 });
  assert.deepEqual(mergeVectors(a, b), v({ 1: 5, 2: 7, 3: 2 }));
  assert.deepEqual(a, v({ 1: 5, 2: 1 }));
});

test("compareVectors() tells equal, before, after and concurrent", () => {
  const table: Array<[VersionVector, VersionVector, string]> = [
    [v({}), v({}), "equal"],
    [v({ 1: 2 }), v({ 1: 2, 2: 0 }), "equal"],
    [v({ 1: 1 }), v({ 1: 2 }), "before"],
    [v({ 1: 2, 2: 1 }), v({ 1: 2 }), "after"],
    [v({ 1: 3 }), v({ 2: 1 }), "concurrent"],
    [v({ 1: 3, 2: 0 }), v({ 1: 2, 2: 4 }), "concurrent"],
  ];
  for (const [a, b, expected] of table) assert.equal(compareVectors(a, b), expected);
});

test("missingRanges() lists what the local side lacks, by origin", () => {
  assert.deepEqual(missingRanges(v({ 1: 5, 2: 9 }), v({ 1: 8, 2: 3, 3: 2 })), [
    { nodeId: 1, fromSeq: 6, toSeq: 8 },
    { nodeId: 3, fromSeq: 1, toSeq: 2 },
  ]);
  assert.deepEqual(missingRanges(v({ 1: 5 }), v({ 1: 5 })), []);
});

test("vectorTotal() sums the marks", () => {
  assert.equal(vectorTotal(v({ 1: 5, 2: 7 })), 12);
});

test("encodeVector() and decodeVector() round-trip", () => {
  const vector = v({ 3: 10, 1_000_000: 999_999_999_999, 1: 1 });
  const wire = encodeVector(vector);
  assert.deepEqual(wire, { "1": 1, "3": 10, "1000000": 999_999_999_999 });
  assert.deepEqual(decodeVector(JSON.parse(JSON.stringify(wire))), vector);
  assert.deepEqual(decodeVector({ "4": 0 }), v({}));
});

test("decodeVector() rejects what is not a vector", () => {
  const bad: unknown[] = [
    null,
    [],
    [1, 2],
    "x",
    5,
    { a: 1 },
    { "-1": 1 },
    { "01": 1 },
    { "1.5": 1 },
    { "1": -1 },
    { "1": 1.5 },
    { "1": "2" },
    { "1": null },
    { "99999999999999999": 1 },
  ];
  for (const wire of bad) assert.equal(decodeVector(wire), null, JSON.stringify(wire));
});
