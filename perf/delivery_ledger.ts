/**
 * Exactly-once bookkeeping for one receiver: which of the N messages of a run
 * arrived, how many arrived more than once, and how many were not ours at all.
 * One byte per expected message, so a receiver of 1,000,000 costs 1 MB.
 *
 * Invariant: unique + missing === expected at all times, and duplicates
 * counts every arrival of an index after its first.
 * @module
 */

export interface DeliveryCounts {
  expected: number;
  unique: number;
  duplicates: number;
  missing: number;
  /** Indexes outside 0..expected-1: not a message of this run. */
  outOfRange: number;
}

export interface DeliveryLedger {
  /** Records one arrival of message `index`; true when it is the first. */
  record(index: number): boolean;
  readonly unique: number;
  readonly complete: boolean;
  counts(): DeliveryCounts;
  /** Up to `limit` indexes that have not arrived, lowest first (for error messages). */
  firstMissing(limit: number): number[];
}

/** Creates a ledger expecting messages 0..expected-1. */
export function createDeliveryLedger(expected: number): DeliveryLedger {
  if (!Number.isInteger(expected) || expected < 0) {
    throw new RangeError("Cannot create a delivery ledger: expected must be an integer >= 0");
  }
  const seen = new Uint8Array(expected);
  let unique = 0;
  let duplicates = 0;
  let outOfRange = 0;
  return {
    record(index) {
      if (!Number.isInteger(index) || index < 0 || index >= expected) {
        outOfRange++;
        return false;
      }
      if (seen[index] !== 0) {
        duplicates++;
        return false;
      }
      seen[index] = 1;
      unique++;
      return true;
    },
    get unique() {
      return unique;
    },
    get complete() {
      return unique === expected;
    },
    counts: () => ({ expected, unique, duplicates, missing: expected - unique, outOfRange }),
    firstMissing(limit) {
      const missing: number[] = [];
      for (let i = 0; i < expected && missing.length < limit; i++) {
        if (seen[i] === 0) missing.push(i);
      }
      return missing;
    },
  };
}
