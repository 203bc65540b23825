import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeMessageId, encodeMessageId, MAX_SEQ } from "./message_id.ts";

test("encodeMessageId() round-trips at the extremes", () => {
  const cases: Array<[number, number, string]> = [
    [0, 1, "1"],
    [1, 1, "1000000000001"],
    [1, MAX_SEQ, "1999999999999"],
    [7, 42, "7000000000042"],
    [8_999_999, MAX_SEQ, "8999999999999999999"],
    [123_456_789, 5, "123456789000000000005"],
    [Number.MAX_SAFE_INTEGER, MAX_SEQ, "9007199254740991999999999999"],
  ];
  for (const [nodeId, seq, id] of cases) {
    assert.equal(encodeMessageId(nodeId, seq), id);
    assert.deepEqual(decodeMessageId(id), { nodeId, seq });
  }
});

test("encodeMessageId() rejects what it cannot encode exactly", () => {
  for (const [nodeId, seq] of [[-1, 1], [1.5, 1], [1, 0], [1, MAX_SEQ + 1], [1, 2.5], [NaN, 1]]) {
    assert.throws(() => encodeMessageId(nodeId, seq), RangeError);
  }
});

test("decodeMessageId() returns null for non-ids", () => {
  for (const bad of ["", "abc", "-1", "1e12", " 1", "1000000000000", "0", "12.5", "9".repeat(41)]) {
    assert.equal(decodeMessageId(bad), null, bad);
  }
  assert.equal(decodeMessageId(5 as unknown as string), null);
});
