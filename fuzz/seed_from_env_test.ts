import { expect, test } from "bun:test";
import { seedFromEnv } from "./seed_from_env.ts";

test("seedFromEnv() takes a decimal SEED, draws one when unset, refuses anything else", () => {
  expect(seedFromEnv("123")).toBe(123);
  expect(Number.isSafeInteger(seedFromEnv(undefined))).toBe(true);
  expect(Number.isSafeInteger(seedFromEnv(""))).toBe(true);
  expect(() => seedFromEnv("-1")).toThrow(RangeError);
  expect(() => seedFromEnv("abc")).toThrow(RangeError);
  expect(() => seedFromEnv("4294967296")).toThrow(RangeError);
});
