import { describe, expect, test } from "bun:test";
import { clockOffsetFromEnv, MAX_CLOCK_OFFSET_MS, offsetClock } from "./clock_offset.ts";

function envOf(value: string | undefined) {
  return (name: string) => name === "DSATTER_CLOCK_OFFSET_MS" ? value : undefined;
}

describe("clockOffsetFromEnv()", () => {
  test("clockOffsetFromEnv() reads unset and empty as no offset, integers as they are", () => {
    const cases: Array<[string | undefined, number]> = [
      [undefined, 0],
      ["", 0],
      ["0", 0],
      ["30000", 30_000],
      ["-25000", -25_000],
      [String(MAX_CLOCK_OFFSET_MS), MAX_CLOCK_OFFSET_MS],
    ];
    for (const [text, offsetMs] of cases) {
      expect(clockOffsetFromEnv(envOf(text), false)).toEqual({ ok: true, offsetMs });
    }
  });

  test("clockOffsetFromEnv() refuses what is not an integer within a day", () => {
    for (const text of ["abc", "1.5", "1e3", " 5", String(MAX_CLOCK_OFFSET_MS + 1), "--1"]) {
      const result = clockOffsetFromEnv(envOf(text), false);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error).toContain("DSATTER_CLOCK_OFFSET_MS");
    }
  });

  test("clockOffsetFromEnv() refuses any offset in production", () => {
    const result = clockOffsetFromEnv(envOf("1000"), true);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain("production");
    expect(clockOffsetFromEnv(envOf(undefined), true)).toEqual({ ok: true, offsetMs: 0 });
  });
});

describe("offsetClock()", () => {
  test("offsetClock() shifts the clock it wraps", () => {
    expect(offsetClock(-5000, { nowMs: () => 100_000 }).nowMs()).toBe(95_000);
    const clock = { nowMs: () => 7 };
    expect(offsetClock(0, clock)).toBe(clock);
  });
});
