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

test("messageId codec agrees with BigInt arithmetic on nodeId * 10^12 + seq", () => {
  let state = 12345;
  const next = (max: number) => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return Math.floor((state / 2147483648) * max);
  };
  const nodeIds = [0, 1, 9, 10, 9007, 9008, 1_000_000, 123_456_789, Number.MAX_SAFE_INTEGER];
  const seqs = [1, 9, 10, 999_999, 1_000_000, 999_999_999_999];
  for (let i = 0; i < 200; i++) nodeIds.push(next(10_000_000));
  for (let i = 0; i < 200; i++) seqs.push(1 + next(999_999_999_998));
  for (let i = 0; i < nodeIds.length; i++) {
    for (const seq of [seqs[i % seqs.length], seqs[(i * 7) % seqs.length]]) {
      const nodeId = nodeIds[i];
      const expected = (BigInt(nodeId) * 1_000_000_000_000n + BigInt(seq)).toString();
      assert.equal(encodeMessageId(nodeId, seq), expected);
      assert.deepEqual(decodeMessageId(expected), { nodeId, seq });
    }
  }
});
