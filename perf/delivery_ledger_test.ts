import { describe, expect, test } from "bun:test";
import { createDeliveryLedger } from "./delivery_ledger.ts";

describe("createDeliveryLedger()", () => {
  test("counts first arrivals, duplicates, strays and what is missing", () => {
    const ledger = createDeliveryLedger(5);
    expect(ledger.record(0)).toBe(true);
    expect(ledger.record(3)).toBe(true);
    expect(ledger.record(3)).toBe(false);
    expect(ledger.record(5)).toBe(false);
    expect(ledger.record(-1)).toBe(false);
    expect(ledger.record(1.5)).toBe(false);
    expect(ledger.counts()).toEqual({
      expected: 5,
      unique: 2,
      duplicates: 1,
      missing: 3,
      outOfRange: 3,
    });
    expect(ledger.firstMissing(2)).toEqual([1, 2]);
    expect(ledger.complete).toBe(false);
  });

  test("is complete once every index arrived, in any order", () => {
    const ledger = createDeliveryLedger(3);
    for (const index of [2, 0, 1]) ledger.record(index);
    expect(ledger.complete).toBe(true);
    expect(ledger.firstMissing(10)).toEqual([]);
  });

  test("rejects a bad size", () => {
    expect(() => createDeliveryLedger(-1)).toThrow(RangeError);
  });
});
