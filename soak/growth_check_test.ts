import { expect, test } from "bun:test";
import { checkBoundedGrowth, median } from "./growth_check.ts";

test("median() of odd and even series", () => {
  expect(median([3, 1, 2])).toBe(2);
  expect(median([4, 1, 3, 2])).toBe(2.5);
  expect(Number.isNaN(median([]))).toBe(true);
});

test("checkBoundedGrowth() passes a plateau with noise and a warm-up climb", () => {
  const warmUp = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
  const plateau = Array.from({ length: 20 }, (_, i) => 100 + (i % 3 === 0 ? 15 : -5));
  expect(checkBoundedGrowth([...warmUp, ...plateau], { relative: 0.2 }).ok).toBe(true);
});

test("checkBoundedGrowth() fails a steady climb past the tolerance", () => {
  const climb = Array.from({ length: 30 }, (_, i) => 100 + i * 10);
  const verdict = checkBoundedGrowth(climb, { relative: 0.2, absolute: 5 });
  expect(verdict.ok).toBe(false);
  expect(verdict.reason).toContain("late median");
});

test("checkBoundedGrowth() is not fooled by one late peak", () => {
  const series = Array.from({ length: 30 }, () => 100);
  series[28] = 1000;
  expect(checkBoundedGrowth(series).ok).toBe(true);
});

test("checkBoundedGrowth() refuses to judge too few samples", () => {
  const verdict = checkBoundedGrowth([1, 2, 3]);
  expect(verdict.ok).toBe(false);
  expect(verdict.reason).toContain("fewer than");
});

test("checkBoundedGrowth() takes an absolute tolerance for small series", () => {
  const fds = [20, 22, 21, 23, 22, 24, 22, 23, 25, 24, 23, 26];
  expect(checkBoundedGrowth(fds, { relative: 0, absolute: 5 }).ok).toBe(true);
  expect(checkBoundedGrowth(fds, { relative: 0, absolute: 0 }).ok).toBe(false);
});
