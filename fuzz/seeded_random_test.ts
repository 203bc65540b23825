import { expect, test } from "bun:test";
import { SeededRandom, seedFromEnv } from "./seeded_random.ts";

test("SeededRandom repeats its sequence for one seed and differs for another", () => {
  const a = new SeededRandom(42);
  const b = new SeededRandom(42);
  const c = new SeededRandom(43);
  const seqA = Array.from({ length: 50 }, () => a.next());
  expect(Array.from({ length: 50 }, () => b.next())).toEqual(seqA);
  expect(Array.from({ length: 50 }, () => c.next())).not.toEqual(seqA);
});

test("SeededRandom.int() stays in its bounds and reaches both ends", () => {
  const random = new SeededRandom(7);
  const seen = new Set<number>();
  for (let i = 0; i < 2000; i++) {
    const value = random.int(-2, 2);
    expect(value).toBeGreaterThanOrEqual(-2);
    expect(value).toBeLessThanOrEqual(2);
    seen.add(value);
  }
  expect([...seen].sort()).toEqual([-1, -2, 0, 1, 2].sort());
});

test("SeededRandom.fork() gives each label its own sequence, the same for the same seed", () => {
  const one = new SeededRandom(9).fork("client");
  const two = new SeededRandom(9).fork("client");
  const other = new SeededRandom(9).fork("peer");
  const first = Array.from({ length: 10 }, () => one.next());
  expect(Array.from({ length: 10 }, () => two.next())).toEqual(first);
  expect(Array.from({ length: 10 }, () => other.next())).not.toEqual(first);
});

test("seedFromEnv() takes a decimal SEED and refuses anything else", () => {
  expect(seedFromEnv("123")).toBe(123);
  expect(Number.isSafeInteger(seedFromEnv(undefined))).toBe(true);
  expect(Number.isSafeInteger(seedFromEnv(""))).toBe(true);
  expect(() => seedFromEnv("-1")).toThrow(RangeError);
  expect(() => seedFromEnv("abc")).toThrow(RangeError);
  expect(() => new SeededRandom(1.5)).toThrow(RangeError);
});
