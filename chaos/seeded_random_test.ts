import { describe, expect, test } from "bun:test";
import { createSeededRandom, MAX_SEED } from "./seeded_random.ts";

describe("createSeededRandom()", () => {
  test("createSeededRandom() repeats the same sequence for the same seed", () => {
    const a = createSeededRandom(42);
    const b = createSeededRandom(42);
    const drawsA = Array.from({ length: 20 }, () => a.next());
    const drawsB = Array.from({ length: 20 }, () => b.next());
    expect(drawsA).toEqual(drawsB);
    expect(createSeededRandom(43).next()).not.toBe(drawsA[0]);
  });

  test("createSeededRandom() draws stay in their ranges", () => {
    const random = createSeededRandom(7);
    for (let i = 0; i < 10_000; i++) {
      const x = random.next();
      expect(x >= 0 && x < 1).toBe(true);
      const n = random.int(-3, 3);
      expect(Number.isInteger(n) && n >= -3 && n <= 3).toBe(true);
    }
    const seen = new Set(Array.from({ length: 1000 }, () => random.int(1, 4)));
    expect([...seen].sort()).toEqual([1, 2, 3, 4]);
  });

  test("createSeededRandom() refuses seeds outside 0..MAX_SEED and bad ranges", () => {
    for (const seed of [-1, 1.5, MAX_SEED + 1, Number.NaN]) {
      expect(() => createSeededRandom(seed)).toThrow(RangeError);
    }
    const random = createSeededRandom(0);
    expect(() => random.int(3, 2)).toThrow(RangeError);
    expect(() => random.pick([])).toThrow(RangeError);
  });

  test("fork() gives a repeatable separate stream", () => {
    const one = createSeededRandom(9).fork();
    const two = createSeededRandom(9).fork();
    expect(one.next()).toBe(two.next());
  });
});
